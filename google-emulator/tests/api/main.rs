//! The emulator's rules, each shown over real HTTP against an in-process emulator on port 0.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod authorize;
mod binary;
mod concurrency;
mod delivery;
mod extra_accounts;
mod faults;
mod gmail;
mod head;
mod helpers;
mod history;
mod independent_client;
mod mail_files;
mod push;
mod token;
