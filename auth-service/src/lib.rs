//! auth-service: the Google OAuth client of gmail-unread.
//!
//! It owns logins (authorization code + PKCE), sessions, the Google tokens (encrypted in Redis)
//! and their refresh, and it mints the internal JWTs the other services accept.
//!
//! - [`configuration`]: settings from the environment.
//! - [`startup`]: [`startup::Application::build`] binds the listener and wires the routes.
//! - [`routes`]: the HTTP handlers, one module per resource.

pub mod configuration;
pub mod routes;
pub mod startup;
