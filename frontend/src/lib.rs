//! frontend: the one origin the browser sees (port 5000).
//!
//! It renders the pages and forwards the three login-flow routes under `/oauth/` to
//! auth-service; all OAuth and Gmail logic stays in those services, reached with internal JWTs.
//!
//! It keeps no state: no storage, no cache, no session of its own (the session cookie is
//! auth-service's, passed on as the browser sent it). Keep it that way.
//!
//! - [`configuration`]: settings from the environment.
//! - [`startup`]: [`startup::Application::build`] binds the listener, wires routes and the
//!   security headers.
//! - [`state`]: what every handler shares (settings, the upstream clients).
//! - [`http`]: the HTTP edge: the handlers (pages, the forwarded `/oauth/` routes, assets,
//!   readiness), the [`http::session::SessionCookie`] extractor, and the friendly pages for
//!   failures with their statuses and `Retry-After` ([`http::problem`]).
//! - The frontend's "domain", below the edge (no actix type): [`upstream`], the other services
//!   through the typed clients of the `clients` crate (answers are the `contract` crate's
//!   types) and what their failures mean ([`upstream::UpstreamError`]); [`views`], the
//!   templates and their view models; [`merge`], the unread lists of several accounts as one;
//!   [`image_proxy`], a message's remote images fetched on
//!   the reader's request, signed and checked against every internal address (nothing is
//!   kept: the browser caches what it is sent).

pub mod configuration;
pub mod http;
pub mod image_proxy;
pub mod merge;
pub mod startup;
pub mod state;
pub mod upstream;
pub mod views;
