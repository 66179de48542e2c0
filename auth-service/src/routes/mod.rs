//! HTTP handlers, one module per resource.
//!
//! - [`login`], [`callback`], [`logout`]: the browser's OAuth flow (reached through the frontend).
//! - [`tokens`]: internal JWTs for a session, and the JWKS.
//! - [`internal`]: Google access tokens for gmail-service.
//! - [`health`]: readiness checks.
//! - [`error`]: the problem+json error of the JSON endpoints; [`cookies`]: cookie names and flags.

pub mod callback;
pub mod cookies;
pub mod error;
pub mod health;
pub mod internal;
pub mod login;
pub mod logout;
pub mod tokens;
