//! The internal JWTs auth-service mints (ES256, `kid` in the header), their revocation, and
//! their verification where auth-service itself accepts one (gmail-service's internal calls).
//!
//! - Session tokens ([`SESSION_TOKEN_TTL`], 5 minutes): the frontend's way to gmail-service.
//! - API tokens ([`API_TOKEN_TTL`], 1 hour): shown once to a person for direct API calls.
//!
//! Revocation is a per-account not-before time in Redis (`account:<sub>:not-before`, see
//! [`crate::redis_keys`]), which gmail-service checks on every request; logout sets it too.

use std::time::Duration;

use common::jwt::{self, GMAIL_SERVICE_AUDIENCE, InternalClaims, TokenError};
use contract::auth::{BEARER, IssuedToken};

use crate::{
    domain::{AccountId, SessionAccount},
    keys::KeysError,
    state::AppState,
    store::StoreError,
};

/// Lifetime of session tokens.
pub const SESSION_TOKEN_TTL: Duration = Duration::from_secs(300);
/// Lifetime of API tokens.
pub const API_TOKEN_TTL: Duration = Duration::from_secs(3600);
/// How long a revocation must be remembered: the longest life of a token it revokes, plus the
/// verifiers' clock leeway.
pub const REVOCATION_TTL: Duration = Duration::from_secs(API_TOKEN_TTL.as_secs() + 60);

/// Why a JWT cannot be minted or accepted.
#[derive(Debug, thiserror::Error)]
pub enum InternalJwtError {
    #[error("invalid token: {0}")]
    Invalid(#[from] TokenError),
    #[error("storage unavailable: {0}")]
    Store(#[from] StoreError),
    #[error("keys unavailable: {0}")]
    Keys(#[from] KeysError),
    #[error("signing failed: {0}")]
    Signing(String),
}

/// Mints a JWT naming one of a session's accounts (and no other), living `lifetime`.
pub async fn mint(
    state: &AppState,
    session: &SessionAccount,
    lifetime: Duration,
) -> Result<IssuedToken, InternalJwtError> {
    let keys = state.keys.get().await?;
    let mut claims = InternalClaims::new(
        &state.settings.jwt_issuer,
        &session.account.0,
        &session.email,
        lifetime,
    );
    // A token minted right after a revocation must not be caught by it.
    if let Some(not_before) = state.store.tokens_not_before(&session.account).await?
        && claims.iat < not_before
    {
        claims.iat = not_before;
        claims.nbf = not_before;
        claims.exp = not_before + i64::try_from(lifetime.as_secs()).unwrap_or(0);
    }
    let token = keys
        .signing
        .sign(&claims)
        .map_err(|e| InternalJwtError::Signing(e.to_string()))?;
    Ok(IssuedToken {
        access_token: token,
        token_type: BEARER.to_owned(),
        expires_in: lifetime.as_secs(),
        expires_at: claims.exp,
        email: session.email.clone(),
    })
}

/// Revokes every internal JWT of `account` issued until now; returns the not-before time.
pub async fn revoke_all(state: &AppState, account: &AccountId) -> Result<i64, StoreError> {
    // Tokens with `iat` < this are revoked; one minted in this same second is among them.
    let not_before = common::jwt::unix_now() + 1;
    state
        .store
        .revoke_tokens_before(account, not_before, REVOCATION_TTL)
        .await?;
    Ok(not_before)
}

/// The account of a JWT this service minted: signed by the active or the previous key (by
/// `kid`), for gmail-service, valid now, and not revoked.
pub async fn verify(state: &AppState, token: &str) -> Result<AccountId, InternalJwtError> {
    let keys = state.keys.get().await?;
    let kid = jwt::es256_kid(token)?;
    let key = std::iter::once(&keys.signing)
        .chain(keys.previous.as_ref())
        .find(|k| k.kid() == kid)
        .ok_or(TokenError::UnknownKid)?
        .decoding_key()
        .map_err(|e| InternalJwtError::Signing(e.to_string()))?;
    let claims = jwt::validate(
        token,
        &key,
        &state.settings.jwt_issuer,
        GMAIL_SERVICE_AUDIENCE,
    )?;
    let account = AccountId(claims.sub);
    if let Some(not_before) = state.store.tokens_not_before(&account).await?
        && claims.iat < not_before
    {
        return Err(TokenError::Revoked.into());
    }
    Ok(account)
}
