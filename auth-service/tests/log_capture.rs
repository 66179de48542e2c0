//! A whole login, token hand-out and refresh with every log at TRACE level, captured: the
//! output holds no Google token, code, PKCE verifier, state, session id or internal JWT.
//! (Its own test binary: it installs the process-wide subscriber.)
#![allow(clippy::unwrap_used, clippy::expect_used)]

use auth_service::{configuration::Settings, startup::Application};
use common::config::Env;
use google_emulator::EmulatorConfig;
use redis::AsyncCommands;
use serde_json::Value;

/// gmail-service's credential in this test; it must not appear in the logs either.
const CREDENTIAL: &str = "log-capture-gmail-service-credential";

fn location(r: &reqwest::Response) -> String {
    r.headers()["location"].to_str().unwrap().to_owned()
}

#[tokio::test]
async fn a_trace_level_login_logs_no_secret() {
    let capture = testkit::logs::LogCapture::install_trace();

    let redirect = "http://localhost:5000/oauth/callback";
    let emulator = google_emulator::spawn(EmulatorConfig::for_tests(&[redirect]))
        .await
        .unwrap();
    let prefix = testkit::unique_prefix();
    let env = emulator.google_env(
        Env::default()
            .with("LISTEN_ADDR", "127.0.0.1:0")
            .with("INTERNAL_LISTEN_ADDR", "127.0.0.1:0")
            .with("GMAIL_SERVICE_CREDENTIAL", CREDENTIAL)
            .with("REDIS_URL", testkit::redis_url())
            .with("REDIS_KEY_PREFIX", prefix.clone()),
    );
    let app = Application::build(Settings::from_env(&env).unwrap())
        .await
        .unwrap();
    let base = format!("http://127.0.0.1:{}", app.port());
    let internal = format!("http://127.0.0.1:{}", app.internal_port().unwrap());
    tokio::spawn(app.run_until_stopped());
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();

    let start = http
        .get(format!("{base}/oauth/login"))
        .send()
        .await
        .unwrap();
    let jar = testkit::browser::CookieJar::default();
    jar.keep(&start);
    let login_binding = jar.get("gu_login").unwrap();
    // The PKCE verifier, read from the pending login before it is used.
    let mut redis = redis::Client::open(testkit::redis_url())
        .unwrap()
        .get_multiplexed_async_connection()
        .await
        .unwrap();
    let login_keys: Vec<String> = redis.keys(format!("{prefix}login:*")).await.unwrap();
    let pending: Value =
        serde_json::from_str(&redis.get::<_, String>(&login_keys[0]).await.unwrap()).unwrap();
    let verifier = pending["verifier"].as_str().unwrap().to_owned();
    let at_google = http.get(location(&start)).send().await.unwrap();
    let callback = url::Url::parse(&location(&at_google)).unwrap();
    let query: std::collections::HashMap<_, _> = callback.query_pairs().into_owned().collect();
    let done = http
        .get(format!(
            "{base}/oauth/callback?{}",
            callback.query().unwrap()
        ))
        .header("cookie", jar.header())
        .send()
        .await
        .unwrap();
    assert_eq!(done.status(), 302);
    jar.keep(&done);
    let session_id = jar.get("gu_session").unwrap();
    let session = jar.header();
    // As the frontend and gmail-service ask, through the typed clients.
    let public = clients::AuthClient::new(http.clone(), &base);
    let internal_client = clients::AuthClient::new(http.clone(), &internal);
    let jwt = public
        .session_token(&clients::BrowserHeaders::new().cookie(&session), None)
        .await
        .unwrap()
        .access_token;
    let first = internal_client
        .google_access_token(CREDENTIAL, &jwt, &Default::default())
        .await
        .unwrap()
        .access_token;
    use sha2::Digest;
    let hash: String = sha2::Sha256::digest(first.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    let second = internal_client
        .google_access_token(
            CREDENTIAL,
            &jwt,
            &contract::auth::GoogleAccessTokenRequest {
                rejected_access_token_sha256: Some(hash),
            },
        )
        .await
        .unwrap()
        .access_token;
    assert_ne!(first, second);
    let refresh_tokens: Vec<String> = emulator
        .state
        .with_store(|s| s.refresh_tokens.keys().cloned().collect());
    assert!(!refresh_tokens.is_empty());
    http.post(format!("{base}/oauth/logout"))
        .header("cookie", &session)
        .send()
        .await
        .unwrap();

    let logs = capture.text();
    assert!(logs.len() > 1_000, "nothing was captured");
    assert!(
        logs.contains("/oauth/callback"),
        "request spans are missing"
    );
    for refresh in &refresh_tokens {
        assert!(
            !logs.contains(refresh.as_str()),
            "a refresh token appears in the logs"
        );
    }
    for (what, secret) in [
        ("code", query["code"].as_str()),
        ("state", query["state"].as_str()),
        ("verifier", verifier.as_str()),
        ("session id", session_id.as_str()),
        ("login binding", login_binding.as_str()),
        ("internal JWT", jwt.as_str()),
        ("access token", first.as_str()),
        ("refreshed access token", second.as_str()),
        ("gmail-service credential", CREDENTIAL),
    ] {
        assert!(!logs.contains(secret), "the {what} appears in the logs");
    }
}
