//! Typed clients of the system's own services, built on the `contract` crate: every answer is
//! a contract type, every failure one [`ClientError`] carrying the status, the problem's
//! [`ProblemCode`](contract::problem::ProblemCode) and `Retry-After`.
//!
//! - [`AuthClient`]: auth-service's session and API tokens, their revocation (with the
//!   browser's headers, [`BrowserHeaders`]), and the internal Google-access-token call with
//!   gmail-service's credential.
//! - [`GmailServiceClient`]: gmail-service's unread list, one message, the unread count.
//!   (Not to be confused with gmail-service's own client of Google's Gmail API.)
//!
//! Modules: `auth` and `gmail` (the two clients), `error` ([`ClientError`]), `response` (the
//! one rule reading an answer as a contract type or an error, shared by both clients).
//!
//! Each client wraps a `reqwest::Client` the caller builds (timeouts, pool, redirect policy
//! are the caller's).

mod auth;
mod error;
mod gmail;
mod response;

pub use auth::{AuthClient, BrowserHeaders};
pub use error::ClientError;
pub use gmail::GmailServiceClient;
