//! gmail-service: the unread-mail API of gmail-unread.
//!
//! It verifies internal JWTs (ES256, keys from auth-service's JWKS), obtains the account's
//! Google access token from auth-service and reads Gmail for that account only.
//!
//! Wiring:
//! - [`configuration`]: settings from the environment.
//! - [`startup`]: [`startup::Application::build`] binds the listener and wires the routes.
//!
//! The HTTP edge:
//! - [`http`]: handlers, the `Caller` extractor, the request-deadline middleware, the
//!   OpenAPI description, and `ApiError` (every failure as problem+json).
//!
//! The domain below it (never imports from `http`, builds no responses; each has its errors):
//! - [`account`]: the verified account a request acts for.
//! - [`deadline`]: one deadline per request, shared by its retries and upstream calls.
//! - [`revocation`]: tokens revoked by the account's not-before time in Redis.
//! - [`service_credential`]: gmail-service's own credential towards auth-service.
//! - [`mailbox`]: the reads the API offers, put together from the pieces below.
//! - [`google_token`]: Google access tokens from auth-service, cached in memory.
//! - [`gmail`]: the Gmail API client (pooled, timeouts, retries with backoff).
//! - [`quota`]: the per-account Gmail quota budget in Redis.
//! - [`mirror`]: each account's unread messages in Redis, read by pages in one round trip.
//! - [`push`]: Gmail push: `users.watch` for watched accounts, and the verified Pub/Sub push
//!   requests that mark a mirror stale and wake its poller.
//! - [`sync`]: keeping the mirror in step with Gmail (history, full sync, one replica at a time).
//! - [`redis_keys`]: every Redis key the service reads or writes, and the table of them.
//! - [`mail`]: what the API shows of a message (sender, date, readable text, attachments),
//!   filling the answer types of the `contract` crate (which also holds the problem codes,
//!   paths and the OpenAPI schemas).
//! - [`metrics`]: the service's Prometheus metrics.

pub mod account;
pub mod configuration;
pub mod deadline;
pub mod events;
pub mod gmail;
pub mod google_token;
pub mod http;
pub mod mail;
pub mod mailbox;
pub mod metrics;
pub mod mirror;
pub mod push;
pub mod quota;
pub mod redis_keys;
pub mod revocation;
pub mod service_credential;
pub mod startup;
pub mod sync;
