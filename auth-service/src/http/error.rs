//! The error-to-response mapping: [`ApiError`], the error of auth-service's JSON endpoints,
//! answered as problem+json (5xx details are logged, never sent), with a `From` for each domain
//! error; and [`login_failure`], which turns a failed login into the contract's
//! [`LoginFailure`] reason that the callback's redirect carries.

use actix_web::{HttpResponse, ResponseError, http::StatusCode};
use common::{
    jwt::TokenError,
    problem::{Problem, ProblemCode},
};

use contract::auth::LoginFailure;

use crate::{
    internal_jwt::InternalJwtError, keys::KeysError, login::error::LoginError,
    rate_limit::RateLimitError, session::SessionError, store::StoreError,
    token_service::AccessError,
};

/// What can go wrong in a JSON endpoint.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    #[error("no valid session")]
    NotLoggedIn,
    #[error("cross-site request refused")]
    CrossSite,
    #[error("the session holds no account with that address")]
    AccountNotInSession,
    #[error("invalid token: {0}")]
    InvalidToken(#[from] TokenError),
    #[error("bad request: {0}")]
    BadRequest(String),
    #[error("the account must reconnect to Google")]
    ReauthRequired,
    #[error("Google is unavailable")]
    GoogleUnavailable,
    #[error("a forced refresh happened moments ago")]
    RefreshCoolingDown { retry_after_secs: u64 },
    #[error("storage unavailable: {0}")]
    Store(#[from] StoreError),
    #[error("keys unavailable: {0}")]
    Keys(#[from] KeysError),
    #[error("too many requests")]
    RateLimited { retry_after: std::time::Duration },
    #[error("the calling service did not authenticate")]
    InvalidCredential,
    #[error("internal error: {0}")]
    Internal(String),
}

impl From<AccessError> for ApiError {
    fn from(e: AccessError) -> Self {
        match e {
            AccessError::ReauthRequired => Self::ReauthRequired,
            AccessError::GoogleUnavailable => Self::GoogleUnavailable,
            AccessError::RefreshCoolingDown { retry_after } => Self::RefreshCoolingDown {
                retry_after_secs: retry_after.as_secs().max(1),
            },
            AccessError::Store(e) => Self::Store(e),
            AccessError::Keys(e) => Self::Keys(e),
        }
    }
}

impl From<RateLimitError> for ApiError {
    fn from(e: RateLimitError) -> Self {
        match e {
            RateLimitError::Limited { retry_after } => Self::RateLimited { retry_after },
            RateLimitError::Redis(e) => Self::Store(StoreError::Redis(e)),
        }
    }
}

impl From<InternalJwtError> for ApiError {
    fn from(e: InternalJwtError) -> Self {
        match e {
            InternalJwtError::Invalid(e) => Self::InvalidToken(e),
            InternalJwtError::Store(e) => Self::Store(e),
            InternalJwtError::Keys(e) => Self::Keys(e),
            InternalJwtError::Signing(e) => Self::Internal(e),
        }
    }
}

impl From<SessionError> for ApiError {
    fn from(e: SessionError) -> Self {
        match e {
            SessionError::Store(e) => Self::Store(e),
            SessionError::Keys(e) => Self::Keys(e),
        }
    }
}

impl From<LoginError> for ApiError {
    /// A login error that is no login failure (storage, keys); a failure reaching here is a
    /// bug of the caller, answered as an internal error.
    fn from(e: LoginError) -> Self {
        match login_failure(e) {
            Ok(failure) => Self::Internal(format!("unhandled login failure {}", failure.code())),
            Err(e) => e,
        }
    }
}

/// The reason shown to the person for a failed login, or the [`ApiError`] of a login that
/// could not be judged (storage or keys unavailable).
pub fn login_failure(e: LoginError) -> Result<LoginFailure, ApiError> {
    Ok(match e {
        LoginError::MalformedCallback | LoginError::MissingState | LoginError::MissingCode => {
            LoginFailure::InvalidRequest
        }
        LoginError::UnknownState | LoginError::MissingBinding => LoginFailure::LoginExpired,
        LoginError::BindingMismatch | LoginError::WrongIssuer => LoginFailure::LoginTampered,
        LoginError::AccessDenied => LoginFailure::AccessDenied,
        LoginError::GoogleRefusedAuthorization | LoginError::ClientRefused(_) => {
            LoginFailure::GoogleError
        }
        LoginError::CodeRejected => LoginFailure::CodeRejected,
        LoginError::GoogleUnavailable | LoginError::IdTokenKeysUnavailable => {
            LoginFailure::GoogleUnavailable
        }
        LoginError::IdTokenInvalid(_) => LoginFailure::IdTokenInvalid,
        LoginError::GmailScopeMissing => LoginFailure::GmailScopeMissing,
        LoginError::TooManyAccounts => LoginFailure::TooManyAccounts,
        LoginError::SessionChanged => LoginFailure::LoginTampered,
        LoginError::Store(e) => return Err(ApiError::Store(e)),
        LoginError::Keys(e) => return Err(ApiError::Keys(e)),
        LoginError::Internal(e) => return Err(ApiError::Internal(e)),
    })
}

impl ApiError {
    fn problem(&self) -> Problem {
        match self {
            Self::NotLoggedIn => Problem::new(
                StatusCode::UNAUTHORIZED,
                ProblemCode::NotLoggedIn,
                "Not logged in",
                "There is no valid session; connect to Gmail first.",
            ),
            Self::CrossSite => Problem::new(
                StatusCode::FORBIDDEN,
                ProblemCode::CrossSiteRequest,
                "Cross-site request refused",
                "This request must come from the application's own pages.",
            ),
            Self::AccountNotInSession => {
                Problem::not_found("This session holds no account with that address.")
            }
            Self::InvalidToken(e) => Problem::invalid_token(e.to_string()),
            Self::BadRequest(detail) => Problem::bad_request(detail.clone()),
            Self::ReauthRequired => Problem::new(
                StatusCode::UNAUTHORIZED,
                ProblemCode::ReauthRequired,
                "Google needs reconnecting",
                "Google no longer accepts this account's authorization; connect to Gmail again.",
            ),
            Self::GoogleUnavailable => Problem::new(
                StatusCode::SERVICE_UNAVAILABLE,
                ProblemCode::UpstreamUnavailable,
                "Google is unavailable",
                "Google's sign-in service did not answer; try again shortly.",
            )
            .with_retry_after(5),
            Self::RefreshCoolingDown { retry_after_secs } => Problem::new(
                StatusCode::SERVICE_UNAVAILABLE,
                ProblemCode::UpstreamUnavailable,
                "Google is refusing fresh tokens",
                "This account's Google token was refreshed moments ago and refused again; try again shortly.",
            )
            .with_retry_after(*retry_after_secs),
            Self::RateLimited { retry_after } => Problem::new(
                StatusCode::TOO_MANY_REQUESTS,
                ProblemCode::RateLimited,
                "Too many requests",
                "Too many requests came from this client or for this account; wait and try again.",
            )
            .with_retry_after(retry_after.as_millis().div_ceil(1000).try_into().unwrap_or(u64::MAX).max(1)),
            Self::InvalidCredential => Problem::new(
                StatusCode::UNAUTHORIZED,
                ProblemCode::InvalidCredential,
                "Service credential required",
                "Only gmail-service may call this route, with its own credential.",
            ),
            Self::Keys(KeysError::Redis(_)) | Self::Store(StoreError::Redis(_)) => {
                Problem::dependency_unavailable(
                    "Session storage is unavailable; try again shortly.",
                )
            }
            Self::Store(_) | Self::Keys(_) | Self::Internal(_) => Problem::internal(),
        }
    }
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        self.problem().status_code()
    }

    fn error_response(&self) -> HttpResponse {
        if self.status_code().is_server_error() {
            tracing::error!(error = %self, "request failed");
        }
        self.problem().error_response()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::google::{GoogleError, IdTokenError};

    #[test]
    fn each_login_error_becomes_the_reason_the_person_was_shown_before() {
        let cases = [
            (LoginError::MalformedCallback, LoginFailure::InvalidRequest),
            (LoginError::MissingState, LoginFailure::InvalidRequest),
            (LoginError::UnknownState, LoginFailure::LoginExpired),
            (LoginError::MissingBinding, LoginFailure::LoginExpired),
            (LoginError::BindingMismatch, LoginFailure::LoginTampered),
            (LoginError::AccessDenied, LoginFailure::AccessDenied),
            (
                LoginError::GoogleRefusedAuthorization,
                LoginFailure::GoogleError,
            ),
            (LoginError::WrongIssuer, LoginFailure::LoginTampered),
            (LoginError::MissingCode, LoginFailure::InvalidRequest),
            (LoginError::CodeRejected, LoginFailure::CodeRejected),
            (
                LoginError::GoogleUnavailable,
                LoginFailure::GoogleUnavailable,
            ),
            (
                LoginError::ClientRefused(GoogleError::InvalidClient),
                LoginFailure::GoogleError,
            ),
            (
                LoginError::IdTokenKeysUnavailable,
                LoginFailure::GoogleUnavailable,
            ),
            (
                LoginError::IdTokenInvalid(IdTokenError::BadSignature),
                LoginFailure::IdTokenInvalid,
            ),
            (
                LoginError::GmailScopeMissing,
                LoginFailure::GmailScopeMissing,
            ),
        ];
        for (error, reason) in cases {
            let shown = format!("{error}");
            assert_eq!(login_failure(error).ok(), Some(reason), "{shown}");
        }
        let outage = LoginError::Internal("x".into());
        assert!(login_failure(outage).is_err());
    }
}
