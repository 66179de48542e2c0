//! Bearer access tokens on Google APIs: present, known, unexpired, unrevoked.

use std::time::Instant;

use actix_web::HttpRequest;

use crate::{
    gmail::error::GoogleApiError,
    state::{AccessToken, EmulatorState},
};

/// The live access token in the request's `Authorization: Bearer` header.
pub fn bearer_token(
    request: &HttpRequest,
    state: &EmulatorState,
) -> Result<AccessToken, GoogleApiError> {
    let header = request
        .headers()
        .get("authorization")
        .ok_or_else(GoogleApiError::missing_credentials)?;
    let token = header
        .to_str()
        .ok()
        .and_then(|h| {
            h.strip_prefix("Bearer ")
                .or_else(|| h.strip_prefix("bearer "))
        })
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .ok_or_else(GoogleApiError::invalid_credentials)?;
    state
        .with_store(|s| s.access_tokens.get(token).cloned())
        .filter(|t| t.expires > Instant::now())
        .ok_or_else(GoogleApiError::invalid_credentials)
}
