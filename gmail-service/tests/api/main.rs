//! gmail-service over real HTTP, with a real Redis, the in-process Google emulator and a
//! stand-in for auth-service's internal endpoint.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::print_stdout)]

mod attachments;
mod errors;
mod events;
mod health;
mod helpers;
mod jwt;
mod message;
mod mirror;
mod openapi;
mod push;
mod revocation;
mod round_trips;
mod service_credential;
mod unread;
