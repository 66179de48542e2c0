//! frontend: the one origin the browser sees (port 5000).
//!
//! It renders the pages and forwards `/oauth/*` to auth-service; all OAuth and Gmail logic stays
//! in those services.
//!
//! - [`configuration`]: settings from the environment.
//! - [`startup`]: [`startup::Application::build`] binds the listener and wires the routes.
//! - [`routes`]: the HTTP handlers, one module per page or resource.

pub mod configuration;
pub mod routes;
pub mod startup;
