//! [`read`]: one call's answer as a contract type or a [`ClientError`], shared by every client.

use serde::de::DeserializeOwned;

use crate::error::ClientError;

/// Sends `request` and reads a `T` from a 2xx answer; anything else is a [`ClientError`].
pub(crate) async fn read<T: DeserializeOwned>(
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
