//! The HTTP edge: every handler, extractor and HTTP-only middleware of the frontend. Below it,
//! [`upstream`](crate::upstream) and [`views`](crate::views) know nothing of actix.
//!
//! - [`pages`]: `/` (connect or inbox), `/messages/{id}`, `POST /api-token`,
//!   `POST /api-tokens/revoke`.
//! - [`attachments`]: `/messages/{id}/attachments/{attachment_id}`, downloads relayed.
//! - [`image_proxy`]: `/image-proxy`, a message's remote image on the reader's request.
//! - [`mail_frame`]: `/messages/{id}/html`, a message's HTML in its sandbox.
//! - [`oauth`]: `/oauth/login`, `/oauth/callback`, `/oauth/logout` and `/oauth/accounts/remove`,
//!   forwarded to auth-service.
//! - [`problem`]: the friendly pages of failures (upstream ones with their status and
//!   `Retry-After`, unknown routes, actix's own bare errors).
//! - [`session`]: [`session::SessionCookie`], the one extractor of the browser's session cookie.
//! - [`browser`]: the browser's headers and client address passed on to auth-service.
//! - [`render`]: a view as an HTML response.
//! - [`assets`]: the stylesheet and the local-time script, compiled into the binary.
//! - [`health`]: readiness checks.

pub mod assets;
pub mod attachments;
pub mod browser;
pub mod events;
pub mod health;
pub mod image_proxy;
pub mod mail_frame;
pub mod oauth;
pub mod pages;
pub mod problem;
pub mod render;
pub mod session;
