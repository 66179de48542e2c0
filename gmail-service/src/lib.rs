//! gmail-service: the unread-mail API of gmail-unread.
//!
//! It verifies internal JWTs (ES256, keys from auth-service's JWKS) and reads Gmail for the
//! token's account.
//!
//! - [`configuration`]: settings from the environment.
//! - [`startup`]: [`startup::Application::build`] binds the listener and wires the routes.
//! - [`routes`]: the HTTP handlers, one module per resource.

pub mod configuration;
pub mod routes;
pub mod startup;
