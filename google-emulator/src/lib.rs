//! An offline, strict stand-in for Google's OAuth 2.0 / OpenID Connect endpoints and the Gmail
//! API subset gmail-unread uses. It is the demo default and the test double of every crate.
//!
//! - [`config`]: settings from the environment.
//! - [`startup`]: [`Application::build`] (binds its own listener) and [`spawn`] for tests.
//! - [`oauth`]: authorization (consent page), token, revocation, discovery, userinfo.
//! - [`gmail`]: messages list/get, labels, profile, history, watch/stop, with Google's error
//!   envelope, quota and per-user concurrent request limit.
//! - [`mailbox`]: the mailboxes: the demo mail as `.eml` files (`mailboxes/<kind>/`, embedded by
//!   `build.rs`), or your own mail (`EMULATOR_MAILBOX`: mbox, `.eml` folder, Maildir), parsed by
//!   `mailparse`; delivery, label changes, deletion and their history (kept within a retention).
//! - [`push`]: `users.watch` watches and Pub/Sub-style push delivery to `EMULATOR_PUSH_ENDPOINT`
//!   (OIDC-signed, at most one per second per user, retried).
//! - [`accounts`]: the demo accounts.
//! - [`faults`]: latency and injected 429/500/503/slow answers.
//! - [`state`]: codes, grants and tokens in memory, counters, the mailboxes changed since start-up,
//!   Gmail requests in flight per account.
//! - [`control`]: `/emulator/*` endpoints for tests and benchmarks: mail delivery, label changes,
//!   deletion, forgetting history, watch inspection, push delivery modes.
//! - [`images`]: the demo newsletter's pictures, for the frontend's image proxy.

pub mod accounts;
pub mod config;
pub mod control;
pub mod faults;
pub mod gmail;
pub mod images;
pub mod mailbox;
pub mod oauth;
pub mod params;
pub mod push;
pub mod startup;
pub mod state;

pub use config::EmulatorConfig;
pub use startup::{Application, RunningEmulator, spawn};
