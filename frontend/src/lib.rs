//! frontend: the one origin the browser sees (port 5000).
//!
//! It renders the pages and forwards the three login-flow routes under `/oauth/` to
//! auth-service; all OAuth and Gmail logic stays in those services, reached with internal JWTs. It holds no state.
//!
//! - [`configuration`]: settings from the environment.
//! - [`startup`]: [`startup::Application::build`] binds the listener, wires routes and the
//!   security headers.
//! - [`routes`]: pages, the forwarded `/oauth/` routes, assets, readiness.
//! - [`views`]: templates and their view models; [`upstream`]: the other services through the
//!   typed clients of the `clients` crate (answers are the `contract` crate's types), and what
//!   their failures mean for a page.

pub mod configuration;
pub mod routes;
pub mod startup;
pub mod state;
pub mod upstream;
pub mod views;
