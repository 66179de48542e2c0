//! `POST /internal/google-access-token` (docs/internal-api.md): a Google access token for the
//! account named by the caller's internal JWT, and for no other.
//!
//! Served on the internal listener only (`INTERNAL_LISTEN_ADDR`), and only to gmail-service: the
//! caller proves it is gmail-service with its own credential (`X-Service-Credential`) besides
//! the person's JWT, so a token a person holds never buys the Google access token itself.
//! Revoked JWTs (issued before the account's not-before time) are refused.

use actix_web::{HttpRequest, HttpResponse, http::header, web};
use common::jwt::{self, GMAIL_SERVICE_AUDIENCE, TokenError};
use contract::{
    auth::{GoogleAccessTokenAnswer, GoogleAccessTokenRequest},
    headers::bearer_token,
    paths::SERVICE_CREDENTIAL_HEADER,
};
use secrecy::ExposeSecret;

use crate::{domain::AccountId, routes::error::ApiError, state::AppState, token_service};

fn bearer(request: &HttpRequest) -> Result<&str, ApiError> {
    request
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(bearer_token)
        .ok_or(ApiError::InvalidToken(TokenError::Malformed))
}

/// `POST /internal/google-access-token`.
pub async fn google_access_token(
    request: HttpRequest,
    body: web::Bytes,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let keys = state.keys.get().await?;
    let credential = request
        .headers()
        .get(SERVICE_CREDENTIAL_HEADER)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    if !keys.is_gmail_service(credential) {
        return Err(ApiError::InvalidCredential);
    }
    let token = bearer(&request)?;
    let kid = jwt::es256_kid(token)?;
    let key = std::iter::once(&keys.signing)
        .chain(keys.previous.as_ref())
        .find(|k| k.kid() == kid)
        .ok_or(ApiError::InvalidToken(TokenError::UnknownKid))?
        .decoding_key()
        .map_err(|e| ApiError::Internal(e.to_string()))?;
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
        return Err(ApiError::InvalidToken(TokenError::Revoked));
    }
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
        &account,
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
