//! `POST /v1/gmail/push`: Cloud Pub/Sub's push requests for Gmail's watch notifications
//! ([`crate::push`]). Only with `GMAIL_PUSH_TOPIC` is the route there at all.
//!
//! The OIDC token is checked before a byte of the body is read: 401 without reading it. A
//! verified request with a malformed envelope is 400 (Pub/Sub drops it after its retries); a
//! good one 204, also when it changes nothing (seen before, an address not watched), so
//! Pub/Sub does not redeliver it. Redis or Google's keys out of reach: 503 (Pub/Sub retries).

use actix_web::{HttpRequest, HttpResponse, web};
use futures_util::StreamExt;

use crate::{
    http::error::ApiError,
    mailbox::Mailbox,
    push::{MAX_BODY_BYTES, Push, PushError},
};

impl From<PushError> for ApiError {
    fn from(error: PushError) -> Self {
        match error {
            PushError::Unauthorized(why) => Self::InvalidToken(why.to_owned()),
            PushError::Malformed(why) => Self::BadRequest(format!("push request: {why}")),
            PushError::Unavailable(why) => Self::DependencyUnavailable(why),
        }
    }
}

/// A Gmail push notification from Cloud Pub/Sub.
///
/// Pub/Sub's push envelope (`{"message":{"data","messageId",…},"subscription"}`, `data` the
/// base64 of Gmail's `{"emailAddress","historyId"}`), with the push subscription's
/// Google-signed OIDC token as the bearer token. Not in `/openapi.json`: Google calls it, not
/// developers (and it exists only with a topic).
pub async fn receive(
    request: HttpRequest,
    mut payload: web::Payload,
    push: web::Data<Push>,
    mailbox: web::Data<Mailbox>,
) -> Result<HttpResponse, ApiError> {
    let authorization = request
        .headers()
        .get(actix_web::http::header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok());
    push.verify(authorization).await?;
    let mut body = web::BytesMut::new();
    while let Some(chunk) = payload.next().await {
        let chunk = chunk.map_err(|_| ApiError::BadRequest("the body could not be read".into()))?;
        if body.len() + chunk.len() > MAX_BODY_BYTES {
            return Err(ApiError::BadRequest("the push request is too large".into()));
        }
        body.extend_from_slice(&chunk);
    }
    let received = push.receive(&body, &mailbox.events).await?;
    tracing::debug!(?received, "Gmail push");
    Ok(HttpResponse::NoContent().finish())
}
