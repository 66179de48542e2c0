//! An offline, strict stand-in for Google's OAuth 2.0 / OpenID Connect endpoints and the Gmail
//! API subset gmail-unread uses. It is the demo default and the test double of every crate.
//!
//! - [`config`]: settings from the environment.
//! - [`startup`]: [`Application::build`] (binds its own listener) and [`spawn`] for tests.
//! - [`oauth`]: authorization (consent page), token, revocation, discovery, userinfo.
//! - [`gmail`]: messages list/get, labels, profile, history, with Google's error envelope and quota.
//! - [`mailbox`]: the mailboxes: the demo mail as `.eml` files (`mailboxes/<kind>/`, embedded by
//!   `build.rs`), or your own mail (`EMULATOR_MAILBOX`: mbox, `.eml` folder, Maildir), parsed by
//!   `mailparse`; delivery, label changes and their history.
//! - [`accounts`]: the demo accounts.
//! - [`faults`]: latency and injected 429/500/503/slow answers.
//! - [`state`]: codes, grants and tokens in memory, counters, the mailboxes changed since start-up.
//! - [`control`]: `/emulator/*` endpoints for tests and benchmarks, mail delivery and label changes.

pub mod accounts;
pub mod config;
pub mod control;
pub mod faults;
pub mod gmail;
pub mod mailbox;
pub mod oauth;
pub mod params;
pub mod startup;
pub mod state;

pub use config::EmulatorConfig;
pub use startup::{Application, RunningEmulator, spawn};
