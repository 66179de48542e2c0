//! Typed clients of the system's own services, built on the `contract` crate: every answer is
//! a contract type, every failure one [`ClientError`] carrying the status, the problem's
//! [`ProblemCode`](contract::problem::ProblemCode) and `Retry-After`.
//!
//! - [`AuthClient`]: auth-service's session and API tokens, their revocation (with the
//!   browser's headers, [`BrowserHeaders`]), and the internal Google-access-token call with
//!   gmail-service's credential.
//! - [`GmailServiceClient`]: gmail-service's unread list, one message, the unread count.
//!   (Not to be confused with gmail-service's own client of Google's Gmail API.)
//!
//! Each client wraps a `reqwest::Client` the caller builds (timeouts, pool, redirect policy
//! are the caller's).

mod auth;
mod error;
mod gmail;

pub use auth::{AuthClient, BrowserHeaders};
pub use error::ClientError;
pub use gmail::GmailServiceClient;

use serde::de::DeserializeOwned;

/// Sends `request` and reads a `T` from a 2xx answer; anything else is a [`ClientError`].
async fn read<T: DeserializeOwned>(
    service: &'static str,
    request: reqwest::RequestBuilder,
) -> Result<T, ClientError> {
    let response = request
        .send()
        .await
        .map_err(|e| ClientError::unreachable(service, &e))?;
    let status = response.status();
    if !status.is_success() {
        return Err(ClientError::from_response(service, response).await);
    }
    let body = response
        .bytes()
        .await
        .map_err(|e| ClientError::unreachable(service, &e))?;
    serde_json::from_slice(&body).map_err(|e| ClientError::malformed(service, status.as_u16(), &e))
}
