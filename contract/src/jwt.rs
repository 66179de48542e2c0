//! The claims of internal JWTs: what auth-service mints and gmail-service accepts. Signing and
//! verifying (ES256, the JWKS) live in `common::jwt`.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde::{Deserialize, Serialize};

/// The audience of every internal JWT.
pub const GMAIL_SERVICE_AUDIENCE: &str = "gmail-service";

/// The claims of an internal JWT (see the system contract).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct InternalClaims {
    /// auth-service's issuer id.
    pub iss: String,
    /// Always [`GMAIL_SERVICE_AUDIENCE`].
    pub aud: String,
    /// The Google account's `sub`.
    pub sub: String,
    /// The Google account's address.
    pub email: String,
    pub iat: i64,
    pub nbf: i64,
    pub exp: i64,
    /// Unique per token.
    pub jti: String,
}

impl InternalClaims {
    /// Claims for `sub`/`email` valid from now for `lifetime`, with a fresh `jti`.
    pub fn new(issuer: &str, sub: &str, email: &str, lifetime: Duration) -> Self {
        let now = unix_now();
        Self {
            iss: issuer.to_owned(),
            aud: GMAIL_SERVICE_AUDIENCE.to_owned(),
            sub: sub.to_owned(),
            email: email.to_owned(),
            iat: now,
            nbf: now,
            exp: now + i64::try_from(lifetime.as_secs()).unwrap_or(i64::MAX / 2),
            jti: uuid::Uuid::new_v4().to_string(),
        }
    }
}

/// Seconds since the Unix epoch.
pub fn unix_now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
        .unwrap_or(0)
}
