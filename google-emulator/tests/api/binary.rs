//! The `google-emulator` binary: defaults as in the contract, port 0, the consent page, and a
//! graceful stop on SIGTERM.

use std::{
    io::{BufRead, BufReader},
    process::{Command, Stdio},
    time::Duration,
};

use common::config::Env;
use google_emulator::EmulatorConfig;

#[test]
fn defaults_match_the_contract() {
    let config = EmulatorConfig::from_env(&Env::default()).unwrap();
    assert_eq!(config.listen_addr.to_string(), "127.0.0.1:5003");
    assert_eq!(
        config.client.client_id,
        "demo-client.apps.googleusercontent.com"
    );
    assert_eq!(config.client.client_secret, "demo-secret");
    assert_eq!(
        config.client.redirect_uris,
        ["http://localhost:5000/oauth/callback"]
    );
    assert!(!config.auto_approve);
    assert_eq!(config.token_ttl.as_secs(), 3599);
    assert_eq!(config.quota_units_per_minute, 15_000);
    let env = Env::default().with("EMULATOR_FAULTS", "gmail.teapot=1");
    assert!(EmulatorConfig::from_env(&env).is_err());
}

#[tokio::test]
async fn the_binary_serves_the_consent_page_and_stops_on_sigterm() {
    let mut child = Command::new(env!("CARGO_BIN_EXE_google-emulator"))
        .env_clear()
        .env("LISTEN_ADDR", "127.0.0.1:0")
        .env("RUST_LOG", "info")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let port = tokio::task::spawn_blocking(move || {
        for line in BufReader::new(stdout).lines() {
            let line = line.unwrap();
            if let Some(rest) = line.split("listening on http://127.0.0.1:").nth(1) {
                return rest
                    .split_whitespace()
                    .next()
                    .unwrap()
                    .parse::<u16>()
                    .unwrap();
            }
        }
        panic!("the emulator never said where it listens");
    })
    .await
    .unwrap();
    let base = format!("http://127.0.0.1:{port}");
    let page = reqwest::get(format!(
        "{base}/o/oauth2/v2/auth?client_id=demo-client.apps.googleusercontent.com\
         &redirect_uri=http%3A%2F%2Flocalhost%3A5000%2Foauth%2Fcallback&response_type=code\
         &scope=openid%20email&state=s"
    ))
    .await
    .unwrap();
    assert_eq!(page.status(), 200);
    assert!(page.text().await.unwrap().contains("Allow"));
    assert_eq!(
        reqwest::get(format!("{base}/healthz"))
            .await
            .unwrap()
            .status(),
        200
    );
    let metrics = reqwest::get(format!("{base}/metrics"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(metrics.contains("http_requests_total"));
    let status = Command::new("kill")
        .arg("-TERM")
        .arg(child.id().to_string())
        .status()
        .unwrap();
    assert!(status.success());
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    loop {
        if let Some(exit) = child.try_wait().unwrap() {
            assert!(exit.success(), "exit status {exit}");
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "no graceful stop within 10 s"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}
