//! Hostile and broken callbacks. Each ends in a clear `login_error` reason (never a 500) and
//! none leaves a session behind.

use std::time::Duration;

use base64::Engine;
use serde_json::json;
use testkit::stand_ins::fake_token_endpoint;

use crate::{helpers::*, id_token::emulator_id_token};

async fn assert_no_session(app: &TestApp) {
    assert_eq!(
        app.session_count().await,
        0,
        "a failed login left a session behind"
    );
}

#[tokio::test]
async fn missing_unknown_and_malformed_states() {
    let app = spawn_app().await;
    let mut browser = Browser::new(&app);
    let callback = browser.authorize("/oauth/login").await;
    let code = url::Url::parse(&callback)
        .unwrap()
        .query_pairs()
        .find(|(k, _)| k == "code")
        .unwrap()
        .1
        .into_owned();
    let encoded: String = url::form_urlencoded::byte_serialize(code.as_bytes()).collect();
    for (query, reason) in [
        (format!("code={encoded}"), "invalid_request"),
        (
            format!("code={encoded}&state={}", "A".repeat(43)),
            "login_expired",
        ),
        (format!("code={encoded}&state=%FF%FE%00"), "login_expired"),
        (format!("code={encoded}&state=short"), "login_expired"),
        (format!("code={encoded}&state=a&state=b"), "invalid_request"),
        (
            format!("state={}&{}", "A".repeat(43), "x=1&".repeat(2_000)),
            "invalid_request",
        ),
    ] {
        let response = browser.get(&format!("/oauth/callback?{query}")).await;
        assert_eq!(login_error(&response), reason, "{query:.80}");
    }
    assert_no_session(&app).await;
}

#[tokio::test]
async fn an_expired_state_is_refused() {
    let app = spawn_app_with(Options {
        env: vec![("LOGIN_TTL_SECS", "1".into())],
        ..Default::default()
    })
    .await;
    let mut browser = Browser::new(&app);
    let callback = browser.authorize("/oauth/login").await;
    tokio::time::sleep(Duration::from_millis(1_300)).await;
    assert_eq!(login_error(&browser.get(&callback).await), "login_expired");
    assert_no_session(&app).await;
}

#[tokio::test]
async fn a_replayed_callback_fails_and_creates_no_second_session() {
    let app = spawn_app().await;
    let mut browser = Browser::new(&app);
    let callback = browser.authorize("/oauth/login").await;
    let login_cookie = browser.jar.get("gu_login").unwrap();
    assert_eq!(browser.get(&callback).await.status(), 302);
    assert_eq!(app.session_count().await, 1);
    browser.jar.set("gu_login", &login_cookie);
    assert_eq!(login_error(&browser.get(&callback).await), "login_expired");
    assert_eq!(app.session_count().await, 1);
    assert_eq!(
        app.emulator.count("token.authorization_code"),
        1,
        "a replayed code reached Google"
    );
}

#[tokio::test]
async fn a_state_started_by_another_browser_is_refused() {
    let app = spawn_app().await;
    let mut victim = Browser::new(&app);
    let mut attacker = Browser::new(&app);
    // The attacker starts a login and lures the victim's browser to its callback URL.
    let callback = attacker.authorize("/oauth/login").await;
    victim.get("/oauth/login").await; // the victim has a login cookie of its own
    assert_eq!(login_error(&victim.get(&callback).await), "login_tampered");
    // Without any login cookie, too.
    let mut bare = Browser::new(&app);
    let callback = attacker.authorize("/oauth/login").await;
    assert_eq!(login_error(&bare.get(&callback).await), "login_expired");
    assert_no_session(&app).await;
    // And the state was burnt: the attacker cannot use it either.
    assert_eq!(login_error(&attacker.get(&callback).await), "login_expired");
}

#[tokio::test]
async fn deny_at_consent_is_a_friendly_reason() {
    let app = spawn_app_with(Options {
        emulator: Box::new(|c| c.auto_approve = false),
        ..Default::default()
    })
    .await;
    let mut browser = Browser::new(&app);
    let start = browser.get("/oauth/login").await;
    let page = browser.get(&location(&start)).await.text().await.unwrap();
    let id_start = page.find("name=\"request_id\" value=\"").unwrap() + 25;
    let request_id = page[id_start..].split('"').next().unwrap();
    let denied = client()
        .post(format!("{}/o/oauth2/v2/auth/decision", app.emulator.url))
        .form(&[("request_id", request_id), ("decision", "deny")])
        .send()
        .await
        .unwrap();
    let back = location(&denied).replacen(PUBLIC, &browser.base, 1);
    assert!(back.contains("error=access_denied"));
    assert_eq!(login_error(&browser.get(&back).await), "access_denied");
    assert_no_session(&app).await;
    let metrics = app.metrics().await;
    assert!(metrics.contains(r#"auth_logins_failed_total{reason="access_denied""#));
}

#[tokio::test]
async fn a_forged_iss_on_the_callback_is_refused() {
    let app = spawn_app().await;
    let mut browser = Browser::new(&app);
    let callback = browser.authorize("/oauth/login").await;
    let forged = callback.replace("iss=http", "iss=https%3A%2F%2Fevil.example&x=http");
    assert_eq!(login_error(&browser.get(&forged).await), "login_tampered");
    assert_no_session(&app).await;
}

#[tokio::test]
async fn token_endpoint_errors_become_reasons() {
    // invalid_grant: a code Google does not know.
    let app = spawn_app().await;
    let mut browser = Browser::new(&app);
    let callback = browser.authorize("/oauth/login").await;
    let tampered = callback.replace("code=4%2F0A", "code=4%2F0Aforged");
    assert_eq!(login_error(&browser.get(&tampered).await), "code_rejected");
    // 5xx from Google.
    app.emulator
        .set_faults(json!({"token": {"server_error": 1.0}}))
        .unwrap();
    let callback = browser.authorize("/oauth/login").await;
    assert_eq!(
        login_error(&browser.get(&callback).await),
        "google_unavailable"
    );
    assert_no_session(&app).await;
    // invalid_client: our secret is wrong.
    let wrong_secret = spawn_app_with(Options {
        emulator: Box::new(|c| c.client.client_secret = "rotated".into()),
        ..Default::default()
    })
    .await;
    let mut browser = Browser::new(&wrong_secret);
    let callback = browser.authorize("/oauth/login").await;
    assert_eq!(login_error(&browser.get(&callback).await), "google_error");
    assert_no_session(&wrong_secret).await;
}

#[tokio::test]
async fn a_token_endpoint_that_does_not_answer_in_time_is_google_unavailable() {
    let app = spawn_app_with(Options {
        env: vec![("GOOGLE_HTTP_TIMEOUT_MS", "300".into())],
        ..Default::default()
    })
    .await;
    app.emulator
        .set_faults(json!({"token": {"slow": 1.0}, "slow_ms": 2000}))
        .unwrap();
    let mut browser = Browser::new(&app);
    let callback = browser.authorize("/oauth/login").await;
    assert_eq!(
        login_error(&browser.get(&callback).await),
        "google_unavailable"
    );
    assert_no_session(&app).await;
}

/// A token endpoint that answers with a crafted id_token, signed with the key the emulator
/// publishes, so only the claims can be what is wrong (the code is not checked).
fn token_endpoint_answering(claims: serde_json::Value) -> String {
    let endpoint = fake_token_endpoint();
    *endpoint.id_token.lock().unwrap() = emulator_id_token(&claims);
    endpoint.url
}

#[tokio::test]
async fn id_tokens_with_wrong_aud_iss_exp_or_nonce_are_refused() {
    let now = common::jwt::unix_now();
    let issuer = spawn_app().await.emulator.state.issuer.clone();
    let base = json!({
        "iss": issuer, "aud": "demo-client.apps.googleusercontent.com",
        "azp": "demo-client.apps.googleusercontent.com", "sub": "1", "email": "x@example.com",
        "email_verified": true, "iat": now, "exp": now + 3600,
    });
    for (field, value) in [
        ("aud", json!("another-client.apps.googleusercontent.com")),
        ("iss", json!("https://evil.example")),
        ("exp", json!(now - 3600)),
        ("nonce", json!("not-the-nonce")),
    ] {
        let mut claims = base.clone();
        claims[field] = value;
        let token_url = token_endpoint_answering(claims);
        let app = spawn_app_with(Options {
            env: vec![("GOOGLE_TOKEN_URL", token_url)],
            ..Default::default()
        })
        .await;
        let mut browser = Browser::new(&app);
        let callback = browser.authorize("/oauth/login").await;
        assert_eq!(
            login_error(&browser.get(&callback).await),
            "id_token_invalid",
            "{field}"
        );
        assert_no_session(&app).await;
    }
}

#[tokio::test]
async fn a_tampered_or_swapped_ciphertext_means_reconnect_not_500() {
    use redis::AsyncCommands;
    let app = spawn_app().await;
    let mut alice = Browser::new(&app);
    alice.login().await;
    let alice_jwt = alice.session_token().await;
    let mut c = app.redis().await;
    let key = format!("{}account:{{{ALICE_SUB}}}:tokens", app.prefix);
    let sealed: String = c.get(&key).await.unwrap();
    // Tampered: one flipped bit in the ciphertext.
    let mut record: serde_json::Value = serde_json::from_str(&sealed).unwrap();
    let mut ct = base64::engine::general_purpose::STANDARD
        .decode(record["ct"].as_str().unwrap())
        .unwrap();
    ct[3] ^= 0x01;
    record["ct"] = json!(base64::engine::general_purpose::STANDARD.encode(ct));
    let () = c.set(&key, record.to_string()).await.unwrap();
    let response = app.google_token(&alice_jwt, None).await;
    assert_eq!(response.status(), 401);
    assert_eq!(
        response.json::<serde_json::Value>().await.unwrap()["code"],
        "reauth_required"
    );
    // Swapped: alice's intact record under bob's account.
    let () = c.set(&key, &sealed).await.unwrap();
    let mut bob = Browser::new(&app);
    let callback = bob
        .authorize("/oauth/login?login_hint=bob@example.com")
        .await;
    bob.get(&callback).await;
    let bob_jwt = bob.session_token().await;
    let bob_key = c
        .keys::<_, Vec<String>>(format!("{}account:*:tokens", app.prefix))
        .await
        .unwrap()
        .into_iter()
        .find(|k| *k != key)
        .unwrap();
    let () = c.set(&bob_key, &sealed).await.unwrap();
    let response = app.google_token(&bob_jwt, None).await;
    assert_eq!(response.status(), 401);
    assert_eq!(
        response.json::<serde_json::Value>().await.unwrap()["code"],
        "reauth_required"
    );
    // Alice is unaffected.
    assert_eq!(app.google_token(&alice_jwt, None).await.status(), 200);
}

#[tokio::test]
async fn forged_session_cookies_get_nothing() {
    let app = spawn_app().await;
    let mut legit = Browser::new(&app);
    legit.login().await;
    for forged in [
        "A".repeat(43),
        "garbage".into(),
        "".into(),
        "%00%FF".into(),
        "x".repeat(5000),
    ] {
        let mut browser = Browser::new(&app);
        browser.jar.set("gu_session", &forged);
        let response = browser.post("/v1/session/token", &[]).await;
        assert_eq!(response.status(), 401, "{forged:.20}");
        assert_eq!(
            response.headers()["content-type"],
            "application/problem+json"
        );
    }
}

#[tokio::test]
async fn oversized_and_non_utf8_login_queries_are_handled() {
    let app = spawn_app().await;
    let long = "x".repeat(6_000);
    let response = app
        .http
        .get(format!("{}/oauth/login?next=/{long}", app.address))
        .send()
        .await
        .unwrap();
    assert_eq!(
        response.status(),
        302,
        "an overlong next is ignored, not fatal"
    );
    let response = app
        .http
        .get(format!("{}/oauth/login?login_hint=%FF%FE", app.address))
        .send()
        .await
        .unwrap();
    assert!(
        response.status() == 302 || response.status() == 400,
        "{}",
        response.status()
    );
    let response = app
        .http
        .get(format!("{}/oauth/login?next=%ZZ", app.address))
        .send()
        .await
        .unwrap();
    assert!(response.status().as_u16() < 500);
}

#[tokio::test]
async fn an_oversized_body_is_a_413_problem_not_plain_text() {
    let app = spawn_app().await;
    let (_browser, jwt, _) = app.logged_in().await;
    let request = app
        .http
        .post(format!("{}/internal/google-access-token", app.internal))
        .header("x-service-credential", GMAIL_SERVICE_CREDENTIAL)
        .bearer_auth(&jwt)
        .header("content-type", "application/json")
        .body(vec![b' '; 64 * 1024]);
    let response = request.send().await.unwrap();
    assert_eq!(response.status(), 413);
    assert_eq!(
        response.headers()["content-type"],
        "application/problem+json"
    );
    let problem: serde_json::Value = response.json().await.unwrap();
    assert_eq!(problem["code"], "payload_too_large");
    assert_eq!(problem["status"], 413);
}
