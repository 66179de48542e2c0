//! The HTTP edge of gmail-service: everything that knows about requests and responses. The
//! domain modules below it never import from here.
//!
//! - [`caller`]: the [`caller::Caller`] extractor (the bearer JWT, verified and not revoked,
//!   yielding the domain's `Account`).
//! - [`error`]: [`error::ApiError`] and its problem+json answers; the domain errors map onto it.
//! - [`deadline`]: the middleware that runs every request under its deadline.
//! - [`messages`]: the unread-mail API.
//! - [`attachments`]: an attachment's bytes as a download, streamed.
//! - [`health`]: `/healthz`, `/readyz`, `/metrics`.
//! - [`openapi`]: `/openapi.json`, generated from the handlers' annotations.
//! - [`push`]: `POST /v1/gmail/push`, Gmail's notifications through Cloud Pub/Sub.
//! - [`fallback`]: the 405 and 404 problems.

pub mod attachments;
pub mod caller;
pub mod deadline;
pub mod error;
pub mod events;
pub mod fallback;
pub mod health;
pub mod messages;
pub mod openapi;
pub mod push;
