//! Internal JWTs for a logged-in browser, and the keys that verify them.
//!
//! - `POST /v1/session/token`: a session token (5 minutes) the frontend uses for gmail-service.
//! - `POST /v1/api-tokens`: an API token (1 hour) shown once to a person for direct API calls;
//!   refused cross-site.
//! - `GET /.well-known/jwks.json`: the public keys, with `kid`.

use std::time::Duration;

use actix_web::{HttpRequest, HttpResponse, web};
use common::jwt::InternalClaims;
use serde_json::json;

use crate::{
    domain::{Session, SessionId},
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

async fn mint(
    state: &AppState,
    session: &Session,
    lifetime: Duration,
) -> Result<HttpResponse, ApiError> {
    let keys = state.keys.get().await?;
    let claims = InternalClaims::new(
        &state.settings.jwt_issuer,
        &session.account.0,
        &session.email,
        lifetime,
    );
    let token = keys
        .signing
        .sign(&claims)
        .map_err(|e| ApiError::Internal(e.to_string()))?;
    Ok(HttpResponse::Ok()
        .insert_header(("Cache-Control", "no-store"))
        .json(json!({
            "access_token": token,
            "token_type": "Bearer",
            "expires_in": lifetime.as_secs(),
            "expires_at": claims.exp,
            "email": session.email,
        })))
}

/// `POST /v1/session/token`.
pub async fn session_token(
    request: HttpRequest,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let session = current_session(&request, &state).await?;
    mint(&state, &session, SESSION_TOKEN_TTL).await
}

/// `POST /v1/api-tokens`.
pub async fn api_token(
    request: HttpRequest,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    if !cookies::same_origin(
        &request,
        &state
            .settings
            .public_base_url
            .origin()
            .ascii_serialization(),
    ) {
        return Err(ApiError::CrossSite);
    }
    let session = current_session(&request, &state).await?;
    mint(&state, &session, API_TOKEN_TTL).await
}

/// `GET /.well-known/jwks.json`.
pub async fn jwks(state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    let keys = state.keys.get().await?;
    Ok(HttpResponse::Ok()
        .insert_header(("Cache-Control", "public, max-age=60"))
        .json(keys.jwks()))
}
