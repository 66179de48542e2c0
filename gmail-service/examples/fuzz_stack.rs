//! The whole stack gmail-service needs, in one process, for `.ci/fuzz-gmail-api`: Redis (the
//! one `REDIS_URL` names, else a throw-away `redis-server`), the Google emulator, the
//! auth-service stand-in of the tests and gmail-service itself on free ports.
//!
//! Prints one JSON line `{"url": …, "token": …}` (a one-hour internal JWT for the demo
//! account) and serves until stopped.
//!
//! ```text
//! cargo run -p gmail-service --example fuzz_stack
//! ```
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::print_stdout)]

#[path = "../tests/api/auth_stand_in.rs"]
mod auth_stand_in;

use std::{io::Write, time::Duration};

use common::testing;
use gmail_service::{configuration::Settings, startup::Application};
use google_emulator::EmulatorConfig;

#[tokio::main]
async fn main() {
    let emulator = google_emulator::spawn(EmulatorConfig::for_tests(&[auth_stand_in::REDIRECT]))
        .await
        .unwrap();
    let auth = auth_stand_in::AuthStandIn::start(&emulator.url);
    let env = auth
        .env()
        .with("LISTEN_ADDR", "127.0.0.1:0")
        .with("REDIS_URL", testing::redis_url())
        .with("REDIS_KEY_PREFIX", testing::unique_prefix())
        .with(
            "GMAIL_API_BASE",
            format!("{}/gmail/v1/users/me", emulator.url),
        );
    let app = Application::build(Settings::from_env(&env).unwrap())
        .await
        .unwrap();
    let url = format!("http://127.0.0.1:{}", app.port());
    let token = auth.jwt_for(auth_stand_in::ALICE, Duration::from_secs(3600));
    println!("{}", serde_json::json!({ "url": url, "token": token }));
    std::io::stdout().flush().unwrap();
    app.run_until_stopped().await.unwrap();
}
