//! auth-service: the Google OAuth client of gmail-unread.
//!
//! It owns logins (authorization code + PKCE), sessions, the Google tokens (encrypted in Redis)
//! and their refresh, and it mints the internal JWTs the other services accept. It keeps no
//! state of its own: two replicas behind one Redis serve the same users.
//!
//! - [`configuration`]: settings from the environment (demo mode without Google credentials).
//! - [`startup`]: [`startup::Application::build`] binds the two listeners (the browser-facing
//!   routes, and `/internal/*` for gmail-service only) and wires the routes.
//! - [`routes`]: the HTTP handlers; what they answer (token answers, the internal API, login
//!   failure reasons, problem codes, paths) is defined in the `contract` crate.
//! - [`domain`]: PKCE verifiers, states, session ids, pending logins, sessions, stored tokens.
//! - [`google`]: the authorization URL, the token and revocation calls, id_token checks
//!   (signature against Google's cached JWKS in [`google::jwks`]).
//! - [`rate_limit`]: per-address and per-account limits on logins and minting, shared through Redis.
//! - [`token_service`]: the one function that yields a valid Google access token (single-flight refresh).
//! - [`store`]: the Redis keys; [`crypto`]: AES-256-GCM for tokens at rest; [`keys`]: signing and encryption keys.
//! - [`metrics`], [`state`]: counters and the shared application state.

pub mod configuration;
pub mod crypto;
pub mod domain;
pub mod google;
pub mod keys;
pub mod metrics;
pub mod rate_limit;
pub mod routes;
pub mod startup;
pub mod state;
pub mod store;
pub mod token_service;
