//! `POST /internal/google-access-token` (docs/internal-api.md): a Google access token for the
//! account named by the caller's internal JWT, and for no other.
//!
//! Served on the internal listener only (`INTERNAL_LISTEN_ADDR`), and only to gmail-service: the
//! caller proves it is gmail-service with its own credential (`X-Service-Credential`) besides
//! the person's JWT, so a token a person holds never buys the Google access token itself.
//! Revoked JWTs (issued before the account's not-before time) are refused.

use actix_web::{HttpRequest, HttpResponse, web};
use common::jwt::{self, GMAIL_SERVICE_AUDIENCE, TokenError};
use secrecy::ExposeSecret;
use serde::Deserialize;
use serde_json::json;

use crate::{domain::AccountId, routes::error::ApiError, state::AppState, token_service};

/// The header that carries gmail-service's credential.
pub const SERVICE_CREDENTIAL_HEADER: &str = "x-service-credential";

/// The optional request body.
#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct TokenRequest {
    rejected_access_token_sha256: Option<String>,
}

fn bearer(request: &HttpRequest) -> Result<&str, ApiError> {
    request
        .headers()
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| {
            v.strip_prefix("Bearer ")
                .or_else(|| v.strip_prefix("bearer "))
        })
        .map(str::trim)
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
    let parsed: TokenRequest = if body.iter().all(u8::is_ascii_whitespace) {
        TokenRequest::default()
    } else {
        serde_json::from_slice(&body)
            .map_err(|e| ApiError::BadRequest(format!("invalid JSON body: {e}")))?
    };
    if let Some(hash) = &parsed.rejected_access_token_sha256
        && (hash.len() != 64 || !hash.bytes().all(|b| b.is_ascii_hexdigit()))
    {
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
        .json(json!({
            "access_token": access.token.expose_secret(),
            "expires_at": access.expires_at,
        })))
}
