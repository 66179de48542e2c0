//! Revoked tokens. auth-service (which owns the key, see [`crate::redis_keys`]) writes
//! `<prefix>account:<sub>:not-before` = unix seconds N on
//! logout and on "revoke my API tokens" (with a TTL a little over the longest token lifetime);
//! every internal JWT of that account with `iat` < N is revoked from then on.
//!
//! [`check`] runs for every request once the JWT has verified (in the `Caller` extractor). It
//! reads Redis each time, with no cache in between, so a revocation holds at once on every
//! replica; that costs one `GET` on the shared connection per request. Redis unavailable means
//! the revocation cannot be checked, and the request fails (503) rather than risk serving a
//! revoked token.

use common::{jwt::InternalClaims, redis_store::RedisStore};

use crate::redis_keys;

/// Why a verified token may not be used.
#[derive(Debug, thiserror::Error)]
pub enum RevocationError {
    #[error("the token was revoked")]
    Revoked,
    #[error("the revocation list cannot be read: {0}")]
    Unavailable(#[from] redis::RedisError),
}

/// Refuses `claims` if its account revoked every token issued before its `iat`.
pub async fn check(redis: &RedisStore, claims: &InternalClaims) -> Result<(), RevocationError> {
    let not_before = redis
        .latest_account_value(&claims.sub, redis_keys::NOT_BEFORE)
        .await?;
    match not_before {
        Some(not_before) if claims.iat < not_before => Err(RevocationError::Revoked),
        _ => Ok(()),
    }
}
