//! The whole stack gmail-service needs, in one process, for `.ci/fuzz-gmail-api`: Redis (the
//! one `REDIS_URL` names, else a throw-away `redis-server`), the Google emulator, the
//! auth-service stand-in of the tests and gmail-service itself on free ports
//! ([`testkit::gmail::spawn_app`], the same start as gmail-service's tests).
//!
//! Prints one JSON line `{"url": …, "token": …}` (a one-hour internal JWT for the demo
//! account) and serves until stopped.
//!
//! ```text
//! cargo run -p testkit --bin gmail-fuzz-stack
//! ```
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::print_stdout)]

use std::{io::Write, time::Duration};

use common::config::Env;
use testkit::gmail::{ALICE, spawn_app_with};
use tokio::signal::unix::{SignalKind, signal};

#[tokio::main]
async fn main() {
    // The service's retry settings as configured by default, not the tests' short ones.
    let app = spawn_app_with(
        Env::default()
            .with("GMAIL_RETRY_BASE_MS", "1000")
            .with("GMAIL_RETRY_MAX_WAIT_MS", "4000"),
        |_| {},
    )
    .await;
    let token = app.auth.jwt_for(ALICE, Duration::from_secs(3600));
    println!(
        "{}",
        serde_json::json!({ "url": app.address, "token": token })
    );
    std::io::stdout().flush().unwrap();
    // gmail-service, the emulator and the stand-in serve on this runtime until SIGTERM or
    // SIGINT (the servers stop on these too, so the process must end with them).
    let mut terminate = signal(SignalKind::terminate()).unwrap();
    let mut interrupt = signal(SignalKind::interrupt()).unwrap();
    tokio::select! {
        _ = terminate.recv() => {}
        _ = interrupt.recv() => {}
    }
}
