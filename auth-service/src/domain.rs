//! The values a login and a session are made of, each parsed or generated in one place.
//!
//! Random values come from the OS CSPRNG. Only hashes of the state and of session ids reach
//! Redis, so a Redis dump yields neither a usable callback nor a usable cookie.

use std::fmt;

use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use rand::RngCore;
use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// `bytes` random bytes from a CSPRNG (ChaCha seeded by the OS), base64url without padding.
pub fn random_urlsafe(bytes: usize) -> String {
    let mut buf = vec![0u8; bytes];
    rand::rng().fill_bytes(&mut buf);
    URL_SAFE_NO_PAD.encode(buf)
}

/// Lowercase hex SHA-256.
pub fn sha256_hex(value: &str) -> String {
    Sha256::digest(value.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// A random 256-bit value that travels in a URL or cookie and is stored only hashed.
fn is_token_shaped(value: &str) -> bool {
    value.len() == 43
        && value
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// A PKCE code verifier (RFC 7636): 32 random bytes, base64url, 43 characters.
pub struct PkceVerifier(SecretString);

impl PkceVerifier {
    /// A fresh verifier.
    pub fn generate() -> Self {
        Self(SecretString::from(random_urlsafe(32)))
    }

    /// A verifier restored from the pending login.
    pub fn from_stored(value: String) -> Self {
        Self(SecretString::from(value))
    }

    /// The S256 challenge: base64url(SHA-256(verifier)).
    pub fn s256_challenge(&self) -> String {
        URL_SAFE_NO_PAD.encode(Sha256::digest(self.0.expose_secret().as_bytes()))
    }

    /// The verifier text, for the token request.
    pub fn expose(&self) -> &str {
        self.0.expose_secret()
    }
}

/// The OAuth `state`: random, single-use, stored only as its hash.
pub struct LoginState(String);

impl LoginState {
    /// A fresh state.
    pub fn generate() -> Self {
        Self(random_urlsafe(32))
    }

    /// A state as it came back on the callback; `None` if it cannot be one of ours.
    pub fn parse(value: &str) -> Option<Self> {
        is_token_shaped(value).then(|| Self(value.to_owned()))
    }

    /// The value sent to Google.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The Redis key part.
    pub fn hash(&self) -> String {
        sha256_hex(&self.0)
    }
}

/// A session id: 256 random bits in an HttpOnly cookie; Redis holds only its hash.
pub struct SessionId(SecretString);

impl SessionId {
    /// A fresh session id.
    pub fn generate() -> Self {
        Self(SecretString::from(random_urlsafe(32)))
    }

    /// A session id from a cookie; `None` if the cookie cannot hold one of ours.
    pub fn parse(value: &str) -> Option<Self> {
        is_token_shaped(value).then(|| Self(SecretString::from(value.to_owned())))
    }

    /// The cookie value.
    pub fn expose(&self) -> &str {
        self.0.expose_secret()
    }

    /// The Redis key part.
    pub fn hash(&self) -> String {
        sha256_hex(self.0.expose_secret())
    }
}

impl fmt::Debug for SessionId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SessionId([REDACTED])")
    }
}

/// A Google account, identified by its stable `sub`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccountId(pub String);

/// A login between `/oauth/login` and `/oauth/callback`, stored under the state's hash.
#[derive(Serialize, Deserialize)]
pub struct PendingLogin {
    /// The PKCE verifier (secret until the code is exchanged).
    pub verifier: String,
    /// The OpenID nonce the id_token must carry.
    pub nonce: String,
    /// Hash of the browser-binding cookie: a callback from another browser does not match.
    pub browser_binding: String,
    /// A local path to return to after login (never another origin).
    pub return_to: String,
    /// This login already asked Google for consent again to obtain a refresh token.
    pub forced_consent: bool,
    /// Set when the login attaches another account: the hash of the session id it was started
    /// from. The callback must come with that same session.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub attach_to: Option<String>,
}

/// One Google account attached to a session.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SessionAccount {
    pub account: AccountId,
    pub email: String,
    /// Unix seconds.
    pub attached_at: i64,
}

/// A logged-in browser session: one or more Google accounts (the first is the one the browser
/// logged in with; the others were attached), at most `MAX_ACCOUNTS_PER_SESSION`.
///
/// Stored as `{"accounts":[{"account","email","attached_at"}],"created_at"}`; a record of the
/// one-account shape before (`{"account","email","created_at"}`) reads as a session of one.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(from = "StoredSession")]
pub struct Session {
    pub accounts: Vec<SessionAccount>,
    pub created_at: i64,
}

/// Both shapes a session record has had.
#[derive(Deserialize)]
struct StoredSession {
    #[serde(default)]
    accounts: Vec<SessionAccount>,
    account: Option<AccountId>,
    email: Option<String>,
    created_at: i64,
}

impl From<StoredSession> for Session {
    fn from(stored: StoredSession) -> Self {
        let mut accounts = stored.accounts;
        if let (true, Some(account), Some(email)) =
            (accounts.is_empty(), stored.account, stored.email)
        {
            accounts.push(SessionAccount {
                account,
                email,
                attached_at: stored.created_at,
            });
        }
        Self {
            accounts,
            created_at: stored.created_at,
        }
    }
}

impl Session {
    /// A session of one account.
    pub fn of(account: AccountId, email: String, now: i64) -> Self {
        Self {
            accounts: vec![SessionAccount {
                account,
                email,
                attached_at: now,
            }],
            created_at: now,
        }
    }

    /// The account the session logged in with (`None` only for an empty, unusable record).
    pub fn first(&self) -> Option<&SessionAccount> {
        self.accounts.first()
    }

    /// The attached account with this address (case-insensitive).
    pub fn by_email(&self, email: &str) -> Option<&SessionAccount> {
        self.accounts
            .iter()
            .find(|a| a.email.eq_ignore_ascii_case(email))
    }

    /// The attached account with this id.
    pub fn by_account(&self, account: &AccountId) -> Option<&SessionAccount> {
        self.accounts.iter().find(|a| &a.account == account)
    }
}

/// The Google tokens of one account, stored encrypted.
#[derive(Clone, Serialize, Deserialize)]
pub struct GoogleTokens {
    pub access_token: String,
    /// Unix seconds.
    pub access_expires_at: i64,
    /// The lifetime Google gave the access token, to decide how early to refresh.
    pub access_lifetime_secs: i64,
    pub refresh_token: Option<String>,
    pub scope: String,
    pub email: String,
    /// Google refused the refresh token (`invalid_grant`): the person must connect again.
    pub reauth_required: bool,
}

impl fmt::Debug for GoogleTokens {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("GoogleTokens")
            .field("access_expires_at", &self.access_expires_at)
            .field("has_refresh_token", &self.refresh_token.is_some())
            .field("reauth_required", &self.reauth_required)
            .finish_non_exhaustive()
    }
}

impl GoogleTokens {
    /// Whether the access token is still good at `now`, refreshing shortly before expiry: a
    /// minute early for Google's one-hour tokens, a quarter of the lifetime for short ones.
    pub fn access_is_fresh(&self, now: i64) -> bool {
        let margin = (self.access_lifetime_secs / 4).clamp(0, 60);
        now + margin < self.access_expires_at
    }
}

/// Returns `candidate` if it is a safe local path to redirect to after login, else `/`.
pub fn local_return_path(candidate: Option<&str>) -> String {
    match candidate {
        Some(path)
            if path.starts_with('/')
                && !path.starts_with("//")
                && !path.contains('\\')
                && !path.contains("://")
                && path.len() <= 512
                && path.bytes().all(|b| b.is_ascii_graphic()) =>
        {
            path.to_owned()
        }
        _ => "/".to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc7636_appendix_b_vector() {
        let v = PkceVerifier::from_stored("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk".into());
        assert_eq!(
            v.s256_challenge(),
            "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
        );
    }

    #[test]
    fn generated_values_are_long_fresh_and_unreserved() {
        let a = PkceVerifier::generate();
        let b = PkceVerifier::generate();
        assert_ne!(a.expose(), b.expose());
        assert!((43..=128).contains(&a.expose().len()));
        let s = SessionId::generate();
        assert!(SessionId::parse(s.expose()).is_some());
        assert_eq!(s.hash().len(), 64);
        assert_ne!(s.hash(), s.expose());
        assert!(!format!("{s:?}").contains(s.expose()));
        assert!(SessionId::parse("short").is_none());
        assert!(LoginState::parse(&"a".repeat(44)).is_none());
    }

    #[test]
    fn only_local_paths_are_returned_to() {
        assert_eq!(local_return_path(Some("/messages/abc")), "/messages/abc");
        for hostile in [
            "https://evil.example/",
            "//evil.example",
            "/\\evil.example",
            "evil",
            "/x://y",
            "/a b",
        ] {
            assert_eq!(local_return_path(Some(hostile)), "/", "{hostile}");
        }
        assert_eq!(local_return_path(None), "/");
    }

    #[test]
    fn freshness_margin_scales_with_the_lifetime() {
        let mut t = GoogleTokens {
            access_token: String::new(),
            access_expires_at: 1_000 + 3599,
            access_lifetime_secs: 3599,
            refresh_token: None,
            scope: String::new(),
            email: String::new(),
            reauth_required: false,
        };
        assert!(t.access_is_fresh(1_000));
        assert!(!t.access_is_fresh(1_000 + 3599 - 60));
        t.access_expires_at = 1_002;
        t.access_lifetime_secs = 2;
        assert!(t.access_is_fresh(1_001));
        assert!(!t.access_is_fresh(1_002));
    }
}
