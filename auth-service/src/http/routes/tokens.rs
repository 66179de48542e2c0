//! Internal JWTs for a logged-in browser ([`crate::internal_jwt`]), and the keys that verify
//! them.
//!
//! - `POST /v1/session/token`: a session token (5 minutes) the frontend uses for gmail-service.
//! - `POST /v1/api-tokens`: an API token (1 hour) shown once to a person for direct API calls;
//!   refused cross-site.
//! - `POST /v1/api-tokens/revoke`: revokes every internal JWT of the account minted so far
//!   (API tokens included); refused cross-site.
//! - `GET /.well-known/jwks.json`: the public keys, with `kid`.
//!
//! Minting is rate-limited per client address and per account.

use std::time::Duration;

use actix_web::{HttpRequest, HttpResponse, web};
use contract::auth::RevokedTokens;

use crate::{
    domain::Session,
    http::{
        cookies,
        error::ApiError,
        extract::{SessionCookie, client_subject},
    },
    internal_jwt::{self, API_TOKEN_TTL, SESSION_TOKEN_TTL},
    rate_limit::{self, Limited},
    session,
    state::AppState,
};

/// The session of the request's cookie, or 401 `not_logged_in`.
async fn logged_in(cookie: &SessionCookie, state: &AppState) -> Result<Session, ApiError> {
    session::current(state, cookie.id())
        .await?
        .ok_or(ApiError::NotLoggedIn)
}

/// Charges a mint to the client address and to the account.
async fn charge(
    state: &AppState,
    request: &HttpRequest,
    session: &Session,
    what: Limited,
) -> Result<(), ApiError> {
    rate_limit::per_client(state, &client_subject(request, state), what).await?;
    Ok(rate_limit::per_account(state, &session.account, what).await?)
}

async fn mint(
    state: &AppState,
    session: &Session,
    lifetime: Duration,
) -> Result<HttpResponse, ApiError> {
    let issued = internal_jwt::mint(state, session, lifetime).await?;
    Ok(HttpResponse::Ok()
        .insert_header(("Cache-Control", "no-store"))
        .json(issued))
}

/// `POST /v1/session/token`.
pub async fn session_token(
    request: HttpRequest,
    cookie: SessionCookie,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let session = logged_in(&cookie, &state).await?;
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
async fn api_token_session(
    request: &HttpRequest,
    cookie: &SessionCookie,
    state: &AppState,
) -> Result<Session, ApiError> {
    refuse_cross_site(request, state)?;
    let session = logged_in(cookie, state).await?;
    charge(state, request, &session, Limited::ApiTokens).await?;
    Ok(session)
}

/// `POST /v1/api-tokens`.
pub async fn api_token(
    request: HttpRequest,
    cookie: SessionCookie,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let session = api_token_session(&request, &cookie, &state).await?;
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
    cookie: SessionCookie,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let session = api_token_session(&request, &cookie, &state).await?;
    let not_before = internal_jwt::revoke_all(&state, &session.account).await?;
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
