//! auth-service: the Google OAuth client of gmail-unread.
//!
//! It owns logins (authorization code + PKCE), sessions, the Google tokens (encrypted in Redis)
//! and their refresh, and it mints the internal JWTs the other services accept. It keeps no
//! state of its own: two replicas behind one Redis serve the same users.
//!
//! The HTTP edge:
//!
//! - [`startup`]: [`startup::Application::build`] binds the two listeners (the browser-facing
//!   routes, and `/internal/*` for gmail-service only) and wires the routes.
//! - [`http`]: the handlers, the `SessionCookie` and `Caller` extractors, cookies, and the
//!   mapping of domain errors to problem+json and login-failure redirects; what they answer
//!   (token answers, the internal API, login-failure reasons, problem codes, paths) is defined
//!   in the `contract` crate.
//!
//! The domain below it (no actix types; each with its own error type):
//!
//! - [`login`]: the OAuth flow as steps: start a login, complete one (pending login → code
//!   exchange → id_token → tokens → session).
//! - [`session`]: looking up, starting and ending (logout) browser sessions.
//! - [`internal_jwt`]: minting, revoking and verifying internal JWTs.
//! - [`token_service`]: the one function that yields a valid Google access token (single-flight refresh).
//! - [`google`]: the authorization URL, the token and revocation calls, id_token checks
//!   (signature against Google's cached JWKS in [`google::jwks`]).
//! - [`rate_limit`]: per-address and per-account limits on logins and minting, shared through Redis.
//! - [`domain`]: PKCE verifiers, states, session ids, pending logins, sessions, stored tokens.
//! - [`store`]: typed Redis access; [`redis_keys`]: every Redis key, and the table of them.
//! - [`crypto`]: AES-256-GCM for tokens at rest; [`keys`]: signing and encryption keys.
//! - [`configuration`]: settings from the environment (demo mode without Google credentials).
//! - [`metrics`], [`state`]: counters and the shared application state.

pub mod configuration;
pub mod crypto;
pub mod domain;
pub mod google;
pub mod http;
pub mod internal_jwt;
pub mod keys;
pub mod login;
pub mod metrics;
pub mod rate_limit;
pub mod redis_keys;
pub mod session;
pub mod startup;
pub mod state;
pub mod store;
pub mod token_service;
