//! HTTP handlers, one module per resource.
//!
//! - [`login`], [`callback`], [`logout`]: the browser's OAuth flow (reached through the frontend),
//!   adding an account to the session and removing one.
//! - [`tokens`]: internal JWTs for a session, and the JWKS.
//! - [`internal`]: Google access tokens for gmail-service.
//! - [`health`]: readiness checks.

pub mod callback;
pub mod health;
pub mod internal;
pub mod login;
pub mod logout;
pub mod tokens;
