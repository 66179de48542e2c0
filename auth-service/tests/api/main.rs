//! auth-service over real HTTP, with a real Redis.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod health;
mod helpers;
