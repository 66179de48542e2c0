//! An offline, strict stand-in for Google's OAuth 2.0 / OpenID Connect endpoints and the Gmail
//! API subset gmail-unread uses. It is the demo default and the test double of every crate.
//!
//! - [`config`]: settings from the environment.
//! - [`startup`]: [`Application::build`] (binds its own listener) and [`spawn`] for tests.
//! - [`oauth`]: authorization (consent page), token, revocation, discovery, userinfo.
//! - [`gmail`]: messages list/get, labels, profile, with Google's error envelope and quota.
//! - [`mailbox`]: the deterministic demo mailboxes, real RFC 5322 messages parsed by `mailparse`.
//! - [`accounts`]: the demo accounts.
//! - [`faults`]: latency and injected 429/500/503/slow answers.
//! - [`state`]: codes, grants and tokens in memory, counters.
//! - [`control`]: `/emulator/*` endpoints for tests and benchmarks.

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
