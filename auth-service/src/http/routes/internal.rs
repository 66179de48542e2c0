//! `POST /internal/google-access-token` (docs/internal-api.md): a Google access token for the
//! account named by the caller's internal JWT, and for no other.
//!
//! Served on the internal listener only (`INTERNAL_LISTEN_ADDR`), and only to gmail-service: the
//! [`Caller`] extractor checks gmail-service's own credential (`X-Service-Credential`) besides
//! the person's JWT, so a token a person holds never buys the Google access token itself, and
//! refuses revoked JWTs (issued before the account's not-before time).

use actix_web::{HttpResponse, web};
use contract::auth::{GoogleAccessTokenAnswer, GoogleAccessTokenRequest};
use secrecy::ExposeSecret;

use crate::{
    http::{error::ApiError, extract::Caller},
    state::AppState,
    token_service,
};

/// `POST /internal/google-access-token`.
pub async fn google_access_token(
    caller: Caller,
    body: web::Bytes,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let parsed: GoogleAccessTokenRequest = if body.iter().all(u8::is_ascii_whitespace) {
        GoogleAccessTokenRequest::default()
    } else {
        serde_json::from_slice(&body)
            .map_err(|e| ApiError::BadRequest(format!("invalid JSON body: {e}")))?
    };
    if !parsed.is_well_formed() {
        return Err(ApiError::BadRequest(
            "rejected_access_token_sha256 must be 64 hex digits".into(),
        ));
    }
    let access = token_service::access_token(
        &state,
        &caller.account,
        parsed.rejected_access_token_sha256.as_deref(),
    )
    .await?;
    Ok(HttpResponse::Ok()
        .insert_header(("Cache-Control", "no-store"))
        .json(GoogleAccessTokenAnswer {
            access_token: access.token.expose_secret().to_owned(),
            expires_at: access.expires_at,
        }))
}
