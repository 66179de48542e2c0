//! auth-service over real HTTP, with a real Redis and the emulator.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod boundaries;
mod health;
mod helpers;
mod hostile;
mod id_token;
mod keys;
mod login;
mod oidc_provider;
mod refresh;
