//! Internal JWTs for a logged-in browser, and the keys that verify them.
//!
//! - `POST /v1/session/token`: a session token (5 minutes) the frontend uses for gmail-service.
//! - `POST /v1/api-tokens`: an API token (1 hour) shown once to a person for direct API calls;
//!   refused cross-site.
//! - `POST /v1/api-tokens/revoke`: revokes every internal JWT of the account minted so far
//!   (API tokens included); refused cross-site.
//! - `GET /.well-known/jwks.json`: the public keys, with `kid`.
//!
//! Revocation is a per-account not-before time in Redis (`account:<sub>:not-before`), which
//! gmail-service checks on every request; logout sets it too. Minting is rate-limited per client
//! address and per account.

use std::time::Duration;

use actix_web::{HttpRequest, HttpResponse, web};
use common::jwt::InternalClaims;
use contract::auth::{BEARER, IssuedToken, RevokedTokens};

use crate::{
    domain::{AccountId, Session, SessionId},
    rate_limit::{self, Limited},
    routes::{cookies, error::ApiError},
    state::AppState,
};

/// Lifetime of session tokens.
pub const SESSION_TOKEN_TTL: Duration = Duration::from_secs(300);
/// Lifetime of API tokens.
pub const API_TOKEN_TTL: Duration = Duration::from_secs(3600);

/// The session of the request's cookie.
pub async fn current_session(request: &HttpRequest, state: &AppState) -> Result<Session, ApiError> {
    let secure = state.settings.secure_cookies();
    let id = cookies::value(request, cookies::session_name(secure))
        .and_then(|v| SessionId::parse(&v))
        .ok_or(ApiError::NotLoggedIn)?;
    state
        .store
        .session(&id.hash())
        .await?
        .ok_or(ApiError::NotLoggedIn)
}

/// How long a revocation must be remembered: the longest life of a token it revokes, plus the
/// verifiers' clock leeway.
pub const REVOCATION_TTL: Duration = Duration::from_secs(API_TOKEN_TTL.as_secs() + 60);

/// Revokes every internal JWT of `account` issued until now.
pub async fn revoke_all(state: &AppState, account: &AccountId) -> Result<i64, ApiError> {
    // Tokens with `iat` < this are revoked; one minted in this same second is among them.
    let not_before = common::jwt::unix_now() + 1;
    state
        .store
        .revoke_tokens_before(account, not_before, REVOCATION_TTL)
        .await?;
    Ok(not_before)
}

/// Charges a mint to the client address and to the account.
async fn charge(
    state: &AppState,
    request: &HttpRequest,
    session: &Session,
    what: Limited,
) -> Result<(), ApiError> {
    rate_limit::per_client(state, request, what).await?;
    rate_limit::per_account(state, &session.account, what).await
}

async fn mint(
    state: &AppState,
    session: &Session,
    lifetime: Duration,
) -> Result<HttpResponse, ApiError> {
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
        .map_err(|e| ApiError::Internal(e.to_string()))?;
    Ok(HttpResponse::Ok()
        .insert_header(("Cache-Control", "no-store"))
        .json(IssuedToken {
            access_token: token,
            token_type: BEARER.to_owned(),
            expires_in: lifetime.as_secs(),
            expires_at: claims.exp,
            email: session.email.clone(),
        }))
}

/// `POST /v1/session/token`.
pub async fn session_token(
    request: HttpRequest,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let session = current_session(&request, &state).await?;
    charge(&state, &request, &session, Limited::SessionTokens).await?;
    mint(&state, &session, SESSION_TOKEN_TTL).await
}

fn refuse_cross_site(request: &HttpRequest, state: &AppState) -> Result<(), ApiError> {
    let origin = state
        .settings
        .public_base_url
        .origin()
        .ascii_serialization();
    if cookies::same_origin(request, &origin) {
        Ok(())
    } else {
        Err(ApiError::CrossSite)
    }
}

/// The session of an API-token request: same-origin only, charged to the API-token limits.
async fn api_token_session(request: &HttpRequest, state: &AppState) -> Result<Session, ApiError> {
    refuse_cross_site(request, state)?;
    let session = current_session(request, state).await?;
    charge(state, request, &session, Limited::ApiTokens).await?;
    Ok(session)
}

/// `POST /v1/api-tokens`.
pub async fn api_token(
    request: HttpRequest,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let session = api_token_session(&request, &state).await?;
    // The Google tokens must stay while this API token can use them.
    state
        .store
        .extend_tokens(&session.account, API_TOKEN_TTL)
        .await?;
    mint(&state, &session, API_TOKEN_TTL).await
}

/// `POST /v1/api-tokens/revoke`: `{"not_before": <unix seconds>}`; every internal JWT of the
/// account issued before that time is refused from now on.
pub async fn revoke_api_tokens(
    request: HttpRequest,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let session = api_token_session(&request, &state).await?;
    let not_before = revoke_all(&state, &session.account).await?;
    tracing::info!("revoked the account's internal tokens");
    Ok(HttpResponse::Ok()
        .insert_header(("Cache-Control", "no-store"))
        .json(RevokedTokens { not_before }))
}

/// `GET /.well-known/jwks.json`.
pub async fn jwks(state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    let keys = state.keys.get().await?;
    Ok(HttpResponse::Ok()
        .insert_header(("Cache-Control", "public, max-age=60"))
        .json(keys.jwks()))
}
