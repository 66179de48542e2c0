//! auth-service's answers: the internal JWTs it mints for a browser session
//! ([`IssuedToken`], from `POST /v1/session/token` and `POST /v1/api-tokens`), the revocation
//! answer ([`RevokedTokens`]), its internal API for gmail-service
//! (`POST /internal/google-access-token`: [`GoogleAccessTokenRequest`] →
//! [`GoogleAccessTokenAnswer`]), and why a login failed ([`LoginFailure`], the `login_error`
//! the frontend explains).
//!
//! `Debug` of every type holding a token shows no token.

use std::fmt;

use serde::{Deserialize, Serialize};

/// The `token_type` of every [`IssuedToken`].
pub const BEARER: &str = "Bearer";

/// Whether `email` can name a Google account: at most 254 characters, with an `@`, no
/// whitespace or control characters. What auth-service passes on as `login_hint` and what the
/// frontend accepts in `?account=`; whether the account exists is for Google, or the session,
/// to say.
pub fn is_plausible_email(email: &str) -> bool {
    email.len() <= 254
        && email.contains('@')
        && !email.chars().any(|c| c.is_control() || c.is_whitespace())
}

/// An internal JWT and who it is for: the answer of `POST /v1/session/token` (5 minutes) and
/// `POST /v1/api-tokens` (1 hour).
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IssuedToken {
    /// The ES256 JWT, for `Authorization: Bearer` at gmail-service.
    pub access_token: String,
    /// Always [`BEARER`].
    pub token_type: String,
    /// Seconds it lives from now.
    pub expires_in: u64,
    /// When it expires (Unix seconds; the JWT's `exp`).
    pub expires_at: i64,
    /// The Google account's address.
    pub email: String,
}

impl fmt::Debug for IssuedToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("IssuedToken")
            .field("access_token", &"[REDACTED]")
            .field("token_type", &self.token_type)
            .field("expires_in", &self.expires_in)
            .field("expires_at", &self.expires_at)
            .field("email", &self.email)
            .finish()
    }
}

/// The answer of `POST /v1/session/tokens`: a session token for every account of the session,
/// in the order they were attached, and how many accounts the session may hold.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SessionTokens {
    pub tokens: Vec<IssuedToken>,
    pub max_accounts: usize,
}

/// The answer of `POST /v1/api-tokens/revoke`: every internal JWT of the account issued
/// before `not_before` (Unix seconds) is refused from now on.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RevokedTokens {
    pub not_before: i64,
}

/// The (optional) body of `POST /internal/google-access-token`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GoogleAccessTokenRequest {
    /// Lowercase hex SHA-256 of an access token Gmail just refused: auth-service refreshes
    /// unless the stored token is already another one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rejected_access_token_sha256: Option<String>,
}

impl GoogleAccessTokenRequest {
    /// Whether `rejected_access_token_sha256`, when present, is 64 hex digits.
    pub fn is_well_formed(&self) -> bool {
        self.rejected_access_token_sha256
            .as_deref()
            .is_none_or(|hash| hash.len() == 64 && hash.bytes().all(|b| b.is_ascii_hexdigit()))
    }
}

/// The answer of `POST /internal/google-access-token`.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GoogleAccessTokenAnswer {
    /// The account's Google access token.
    pub access_token: String,
    /// When it expires (Unix seconds).
    pub expires_at: i64,
}

impl fmt::Debug for GoogleAccessTokenAnswer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("GoogleAccessTokenAnswer")
            .field("access_token", &"[REDACTED]")
            .field("expires_at", &self.expires_at)
            .finish()
    }
}

/// Why a login did not complete: auth-service's callback redirects to
/// `PUBLIC_BASE_URL/?login_error=<code>` ([`crate::paths::LOGIN_ERROR_PARAM`]) and the frontend
/// explains it. Also the label of auth-service's login-failure metric.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LoginFailure {
    /// The person pressed Deny.
    AccessDenied,
    /// Unknown, expired or already used state; or no binding cookie.
    LoginExpired,
    /// The state was started by another browser, or `iss` is not Google's.
    LoginTampered,
    /// A malformed callback.
    InvalidRequest,
    /// Google refused the code (reused or expired).
    CodeRejected,
    /// Google answered with an error we cannot fix (e.g. our client is misconfigured).
    GoogleError,
    /// Google did not answer in time (token endpoint, or the keys that sign id_tokens).
    GoogleUnavailable,
    /// The id_token failed its checks.
    IdTokenInvalid,
    /// The person did not grant Gmail access.
    GmailScopeMissing,
    /// The session holds as many accounts as it may (`MAX_ACCOUNTS_PER_SESSION`).
    TooManyAccounts,
}

impl LoginFailure {
    /// Every reason.
    pub const ALL: [Self; 10] = [
        Self::AccessDenied,
        Self::LoginExpired,
        Self::LoginTampered,
        Self::InvalidRequest,
        Self::CodeRejected,
        Self::GoogleError,
        Self::GoogleUnavailable,
        Self::IdTokenInvalid,
        Self::GmailScopeMissing,
        Self::TooManyAccounts,
    ];

    /// The reason code in the redirect and the metric label.
    pub fn code(self) -> &'static str {
        match self {
            Self::AccessDenied => "access_denied",
            Self::LoginExpired => "login_expired",
            Self::LoginTampered => "login_tampered",
            Self::InvalidRequest => "invalid_request",
            Self::CodeRejected => "code_rejected",
            Self::GoogleError => "google_error",
            Self::GoogleUnavailable => "google_unavailable",
            Self::IdTokenInvalid => "id_token_invalid",
            Self::GmailScopeMissing => "gmail_scope_missing",
            Self::TooManyAccounts => "too_many_accounts",
        }
    }

    /// The reason a code names, if any.
    pub fn from_code(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|reason| reason.code() == code)
    }
}

impl fmt::Display for LoginFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rejected_hashes_are_64_hex_digits() {
        let with = |h: &str| GoogleAccessTokenRequest {
            rejected_access_token_sha256: Some(h.to_owned()),
        };
        assert!(GoogleAccessTokenRequest::default().is_well_formed());
        assert!(with(&"a".repeat(64)).is_well_formed());
        assert!(!with(&"a".repeat(63)).is_well_formed());
        assert!(!with(&"g".repeat(64)).is_well_formed());
    }

    #[test]
    fn plausible_addresses() {
        assert!(is_plausible_email("bob@example.com"));
        assert!(!is_plausible_email("bob"));
        assert!(!is_plausible_email("bob @example.com"));
        assert!(!is_plausible_email("bob@example.com\r\nX: y"));
        assert!(!is_plausible_email(&format!(
            "{}@example.com",
            "b".repeat(250)
        )));
    }

    #[test]
    fn login_failure_codes_round_trip() {
        for reason in LoginFailure::ALL {
            assert_eq!(LoginFailure::from_code(reason.code()), Some(reason));
        }
        assert_eq!(LoginFailure::from_code("something_new"), None);
    }

    #[test]
    fn debug_hides_tokens() {
        let token = IssuedToken {
            access_token: "secret-jwt".into(),
            token_type: BEARER.into(),
            expires_in: 300,
            expires_at: 1,
            email: "a@example.com".into(),
        };
        assert!(!format!("{token:?}").contains("secret-jwt"));
        let answer = GoogleAccessTokenAnswer {
            access_token: "ya29.secret".into(),
            expires_at: 1,
        };
        assert!(!format!("{answer:?}").contains("ya29"));
    }
}
