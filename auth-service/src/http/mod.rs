//! The HTTP edge: everything that knows about actix. The domain modules below it answer in
//! their own types and errors; this folder turns requests into their inputs and their results
//! into responses.
//!
//! - [`routes`]: the handlers, one module per resource.
//! - [`extract`]: the `SessionCookie` and `Caller` extractors, and the client address.
//! - [`cookies`]: the cookies' names and flags, and the cross-site check.
//! - [`error`]: domain errors → problem+json, and failed logins → login-failure reasons.

pub mod cookies;
pub mod error;
pub mod extract;
pub mod routes;
