//! Refresh: on expiry, single flight under a race, on a rejected token, and `reauth_required`
//! when Google refuses the refresh token. Redis outages answer 503 and heal by themselves.

use std::time::Duration;

use contract::auth::GoogleAccessTokenAnswer;
use serde_json::Value;
use testkit::RedisServer;

use crate::helpers::*;

async fn access_of(response: reqwest::Response) -> String {
    assert_eq!(response.status(), 200);
    let answer: GoogleAccessTokenAnswer = response.json().await.unwrap();
    answer.access_token
}

#[tokio::test]
async fn an_expired_token_is_refreshed_exactly_once_when_50_requests_race() {
    let app = spawn_app_with(Options {
        emulator: Box::new(|c| c.token_ttl = Duration::from_secs(2)),
        ..Default::default()
    })
    .await;
    let (_browser, jwt, first) = app.logged_in().await;
    tokio::time::sleep(Duration::from_millis(2_100)).await;
    assert_eq!(
        app.gmail_profile(&first).await.status(),
        401,
        "the emulator token did not expire"
    );
    // Google takes its time, so all 50 requests are in flight while the refresh runs.
    app.emulator
        .set_faults(serde_json::json!({"latency_ms": 300}))
        .unwrap();
    let calls = (0..50).map(|_| app.google_token(&jwt, None));
    let tokens: Vec<String> =
        futures_util::future::join_all(calls.map(|c| async { access_of(c.await).await })).await;
    assert_eq!(
        app.emulator.count("token.refresh_token"),
        1,
        "refresh was not single-flight"
    );
    assert!(tokens.iter().all(|t| *t == tokens[0]));
    assert_ne!(tokens[0], first);
    assert_eq!(app.gmail_profile(&tokens[0]).await.status(), 200);
}

#[tokio::test]
async fn a_token_gmail_rejected_is_refreshed_once_and_not_handed_out_again() {
    let app = spawn_app().await;
    let (_browser, jwt, first) = app.logged_in().await;
    assert_eq!(
        app.emulator.count("token.refresh_token"),
        0,
        "a fresh token was refreshed"
    );
    let hash = sha256_hex(&first);
    app.emulator
        .set_faults(serde_json::json!({"latency_ms": 300}))
        .unwrap();
    let calls = (0..10).map(|_| app.google_token(&jwt, Some(&hash)));
    let tokens: Vec<String> =
        futures_util::future::join_all(calls.map(|c| async { access_of(c.await).await })).await;
    assert!(tokens.iter().all(|t| *t != first && *t == tokens[0]));
    assert_eq!(app.emulator.count("token.refresh_token"), 1);
}

#[tokio::test]
async fn a_refused_refresh_token_means_reauth_required_without_a_loop() {
    let app = spawn_app().await;
    let (_browser, jwt, first) = app.logged_in().await;
    // The person revokes the app in their Google account.
    app.revoke_at_google("alice@example.com").await;
    for _ in 0..3 {
        let response = app.google_token(&jwt, Some(&sha256_hex(&first))).await;
        assert_eq!(response.status(), 401);
        let body: Value = response.json().await.unwrap();
        assert_eq!(body["code"], "reauth_required");
    }
    assert_eq!(
        app.emulator.count("token.refresh_token"),
        1,
        "kept retrying a dead refresh token"
    );
    let metrics = app.metrics().await;
    assert!(
        metrics.contains(r#"auth_google_token_refreshes_total{outcome="invalid_grant""#),
        "{metrics}"
    );
    // Logging in again heals the account.
    let mut browser = Browser::new(&app);
    let done = browser.login().await;
    assert_eq!(location(&done), format!("{PUBLIC}/"));
    let jwt = browser.session_token().await;
    assert_eq!(app.google_token(&jwt, None).await.status(), 200);
}

#[tokio::test]
async fn google_down_during_refresh_is_503_with_retry_after() {
    let app = spawn_app().await;
    let (_browser, jwt, first) = app.logged_in().await;
    app.emulator
        .set_faults(serde_json::json!({"token": {"unavailable": 1.0}}))
        .unwrap();
    let response = app.google_token(&jwt, Some(&sha256_hex(&first))).await;
    assert_eq!(response.status(), 503);
    assert!(response.headers().get("retry-after").is_some());
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["code"], "upstream_unavailable");
    app.emulator.set_faults(serde_json::json!({})).unwrap();
    assert_eq!(
        app.google_token(&jwt, Some(&sha256_hex(&first)))
            .await
            .status(),
        200
    );
}

#[tokio::test]
async fn internal_tokens_only_for_valid_jwts_and_only_for_their_account() {
    let app = spawn_app().await;
    for bad in ["", "not-a-jwt", "a.b.c"] {
        let response = app.google_token(bad, None).await;
        assert_eq!(response.status(), 401);
        let body: Value = response.json().await.unwrap();
        assert_eq!(body["code"], "invalid_token");
    }
    let foreign = common::jwt::Es256KeyPair::generate().unwrap();
    let claims = common::jwt::InternalClaims::new(
        "auth-service",
        ALICE_SUB,
        "alice@example.com",
        Duration::from_secs(60),
    );
    let response = app
        .google_token(&foreign.sign(&claims).unwrap(), None)
        .await;
    assert_eq!(
        response.status(),
        401,
        "a JWT from a foreign key was accepted"
    );
    // A valid JWT for an account that never logged in gets no token.
    let mut browser = Browser::new(&app);
    browser.login().await;
    let jwt = browser.session_token().await;
    let response = app.google_token(&jwt, Some("zz")).await;
    assert_eq!(response.status(), 400);
    let response = app
        .http
        .post(format!("{}/internal/google-access-token", app.internal))
        .header("x-service-credential", GMAIL_SERVICE_CREDENTIAL)
        .bearer_auth(&jwt)
        .body("{not json")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 400);
}

#[tokio::test]
async fn redis_down_is_503_and_the_service_recovers_without_restart() {
    let mut redis = RedisServer::start();
    let app = spawn_app_with(Options {
        redis_url: Some(redis.url()),
        ..Default::default()
    })
    .await;
    let mut browser = Browser::new(&app);
    browser.login().await;
    assert_eq!(
        app.http
            .get(format!("{}/readyz", app.address))
            .send()
            .await
            .unwrap()
            .status(),
        200
    );
    redis.stop();
    let ready = app
        .http
        .get(format!("{}/readyz", app.address))
        .send()
        .await
        .unwrap();
    assert_eq!(ready.status(), 503);
    let login = app
        .http
        .get(format!("{}/oauth/login", app.address))
        .send()
        .await
        .unwrap();
    assert_eq!(login.status(), 503);
    assert_eq!(login.headers()["content-type"], "application/problem+json");
    let body: Value = login.json().await.unwrap();
    assert_eq!(body["code"], "dependency_unavailable");
    let token = browser.post("/v1/session/token", &[]).await;
    assert_eq!(token.status(), 503);
    redis.resume();
    let mut recovered = false;
    for _ in 0..50 {
        if app
            .http
            .get(format!("{}/readyz", app.address))
            .send()
            .await
            .unwrap()
            .status()
            == 200
        {
            recovered = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(recovered);
    // The session survived (append-only persistence) and works again.
    let jwt = browser.session_token().await;
    assert_eq!(app.google_token(&jwt, None).await.status(), 200);
}

#[tokio::test]
async fn the_lock_is_renewed_while_a_slow_refresh_runs() {
    let app = spawn_app().await;
    let (_browser, jwt, first) = app.logged_in().await;
    // Google holds the refresh for 7 s, longer than the lock's 5 s lifetime.
    app.emulator
        .set_faults(serde_json::json!({"token": {"slow": 1.0}, "slow_ms": 7000}))
        .unwrap();
    let hash = sha256_hex(&first);
    let calls = (0..5).map(|_| app.google_token(&jwt, Some(&hash)));
    let tokens: Vec<String> =
        futures_util::future::join_all(calls.map(|c| async { access_of(c.await).await })).await;
    assert!(tokens.iter().all(|t| *t == tokens[0] && *t != first));
    assert_eq!(
        app.emulator.count("token.refresh_token"),
        1,
        "the lock expired during the refresh"
    );
}
