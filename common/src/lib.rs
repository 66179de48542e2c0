//! The small library every gmail-unread binary shares.
//!
//! - [`client_address`]: the client's IP, believing `X-Forwarded-For` only from trusted proxies.
//! - [`download`]: the headers of an attachment handed to a browser (always a download, never
//!   a type it would run).
//! - [`config`]: reading configuration from the environment, including `*_FILE` secrets.
//! - [`telemetry`]: tracing subscribers (JSON or pretty), request spans that never log query strings.
//! - [`problem`]: the RFC 9457 `application/problem+json` error every API answers with.
//! - [`health`]: the `/healthz` and `/readyz` answers.
//! - [`http_metrics`]: Prometheus request counters and latency histograms, and the `/metrics` handler.
//! - [`redis_store`]: a lazily connecting, self-healing Redis handle with the key prefix.
//! - [`server`]: the bound server every `Application::build` returns.
//! - [`google_keys`]: Google's RS256 signing keys (id_tokens, Pub/Sub push tokens), cached as
//!   their `Cache-Control` says.
//! - [`jwks`]: a JSON Web Key Set fetched over HTTP and cached (internal JWTs and Google's id_tokens).
//! - [`mail_html`]: the one policy for a sender's HTML (ammonia), for the API and the page.
//! - [`jwt`]: internal-JWT claims (the `contract` crate's, re-exported), the ES256 signing key
//!   pair, JWKS and the verifier.

pub mod client_address;
pub mod config;
pub mod download;
pub mod google_keys;
pub mod health;
pub mod http_metrics;
pub mod jwks;
pub mod jwt;
pub mod mail_html;
pub mod problem;
pub mod redis_store;
pub mod server;
pub mod telemetry;

pub use secrecy::{ExposeSecret, SecretString};
