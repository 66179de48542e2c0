//! HTTP handlers.
//!
//! - [`pages`]: `/` (connect or inbox), `/messages/{id}`, `POST /api-token`, and the 404 page.
//! - [`oauth`]: `/oauth/login`, `/oauth/callback` and `/oauth/logout`, forwarded to auth-service.
//! - [`assets`]: the stylesheet and the local-time script, compiled into the binary.
//! - [`health`]: readiness checks.

pub mod assets;
pub mod health;
pub mod oauth;
pub mod pages;
