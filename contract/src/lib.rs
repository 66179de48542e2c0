//! The contract between the gmail-unread services: every shape that crosses a service
//! boundary, defined once. The servers answer with these types, the typed clients (crate
//! `clients`) read them, and gmail-service's OpenAPI description is generated from them
//! (`utoipa::ToSchema` derives live here). A field changed here changes every side at compile
//! time; `contract/tests/json.rs` pins the exact JSON of each type.
//!
//! - [`gmail`]: gmail-service's answers (unread page, message summary and detail, attachments,
//!   sender, unread count), its query parameters and their bounds, and message-id validation.
//! - [`auth`]: auth-service's token answers, its internal API (`/internal/google-access-token`)
//!   and the login-failure reasons the frontend turns into pages.
//! - [`jwt`]: the claims of internal JWTs (signing and verifying stay in `common::jwt`).
//! - [`problem`]: the RFC 9457 problem body with its [`problem::ProblemCode`].
//! - [`paths`]: the route paths, query parameters and headers that cross a boundary.
//! - [`headers`]: the one reading of `Authorization: Bearer` and of `Retry-After`.
//!
//! Dependencies are kept to serde, utoipa (schema derives only) and uuid: no HTTP stack.

pub mod auth;
pub mod gmail;
pub mod headers;
pub mod jwt;
pub mod paths;
pub mod problem;
