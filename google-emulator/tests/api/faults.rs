//! Injected faults and latency, and the request counters tests and benchmarks read.

use std::time::{Duration, Instant};

use serde_json::json;

use crate::helpers::*;

#[tokio::test]
async fn each_injected_gmail_fault_answers_in_googles_envelope() {
    let app = spawn_app().await;
    let token = app.login().await.access_token;
    for (plan, status, reason, google_status) in [
        (
            json!({"gmail": {"rate_limited": 1.0}}),
            429,
            "rateLimitExceeded",
            "RESOURCE_EXHAUSTED",
        ),
        (
            json!({"gmail": {"server_error": 1.0}}),
            500,
            "backendError",
            "INTERNAL",
        ),
        (
            json!({"gmail": {"unavailable": 1.0}}),
            503,
            "backendError",
            "UNAVAILABLE",
        ),
    ] {
        assert_eq!(app.put_faults(plan).await.status(), 200);
        let response = app.gmail(&token, "messages").await;
        if status == 429 {
            assert_eq!(response.headers()["retry-after"], "1");
        }
        let (got_reason, body) = google_error(response, status).await;
        assert_eq!(got_reason, reason);
        assert_eq!(body["error"]["status"], google_status);
    }
    // Faults hit Gmail, not the token endpoint, unless asked.
    let again = app.login_with(&[("prompt", "consent")]).await;
    assert!(again.refresh_token.is_some());
    app.put_faults(json!({})).await;
    assert_eq!(app.gmail(&token, "messages").await.status(), 200);
    assert!(app.emulator.count("faults.injected") >= 3);
}

#[tokio::test]
async fn token_endpoint_faults_and_slow_answers() {
    let app = spawn_app().await;
    let tokens = app.login().await;
    let refresh = tokens.refresh_token.unwrap();
    app.put_faults(json!({"token": {"server_error": 1.0}}))
        .await;
    assert_eq!(
        oauth_error(app.refresh(&refresh).await, 500).await.0,
        "internal_failure"
    );
    app.put_faults(json!({"token": {"unavailable": 1.0}})).await;
    assert_eq!(app.refresh(&refresh).await.status(), 503);
    app.put_faults(json!({"gmail": {"slow": 1.0}, "slow_ms": 400}))
        .await;
    let started = Instant::now();
    assert_eq!(
        app.gmail(&tokens.access_token, "profile").await.status(),
        200
    );
    assert!(
        started.elapsed() >= Duration::from_millis(400),
        "slow fault answered early"
    );
    // A client timeout shorter than the slow answer sees a timeout.
    let impatient = reqwest::Client::builder()
        .timeout(Duration::from_millis(100))
        .build()
        .unwrap();
    let outcome = impatient
        .get(app.url("/gmail/v1/users/me/profile"))
        .bearer_auth(&tokens.access_token)
        .send()
        .await;
    assert!(outcome.unwrap_err().is_timeout());
}

#[tokio::test]
async fn latency_is_added_to_token_and_gmail_calls() {
    let app = spawn_app_with(|c| c.faults.latency_ms = 150).await;
    let tokens = app.login().await;
    let started = Instant::now();
    app.gmail(&tokens.access_token, "profile").await;
    assert!(started.elapsed() >= Duration::from_millis(150));
    let started = Instant::now();
    app.refresh(tokens.refresh_token.as_deref().unwrap()).await;
    assert!(started.elapsed() >= Duration::from_millis(150));
}

#[tokio::test]
async fn a_share_of_faults_is_injected_reproducibly() {
    let app = spawn_app_with(|c| c.fault_seed = 99).await;
    let token = app.login().await.access_token;
    app.put_faults(json!({"gmail": {"server_error": 0.3, "unavailable": 0.2}}))
        .await;
    let mut failures = 0;
    for _ in 0..200 {
        if app.gmail(&token, "profile").await.status() != 200 {
            failures += 1;
        }
    }
    assert!(
        (60..=140).contains(&failures),
        "{failures} of 200 failed for a 50% share"
    );
}

#[tokio::test]
async fn an_invalid_fault_plan_is_refused() {
    let app = spawn_app().await;
    assert_eq!(
        app.put_faults(json!({"gmail": {"rate_limited": 1.5}}))
            .await
            .status(),
        400
    );
    assert_eq!(
        app.put_faults(json!({"gmail": {"teapot": 0.5}}))
            .await
            .status(),
        400
    );
    let plan = app.get_json("/emulator/faults").await;
    assert_eq!(plan["gmail"]["rate_limited"], 0.0);
    // The in-process control refuses the same plans.
    assert!(
        app.emulator
            .set_faults(json!({"gmail": {"rate_limited": 1.5}}))
            .is_err()
    );
    assert!(
        app.emulator
            .set_faults(json!({"gmail": {"teapot": 0.5}}))
            .is_err()
    );
    app.emulator
        .set_faults(json!({"gmail": {"unavailable": 1.0}}))
        .unwrap();
    let token = app.login().await.access_token;
    assert_eq!(app.gmail(&token, "profile").await.status(), 503);
}

#[tokio::test]
async fn requests_are_counted_by_kind_and_the_counters_reset() {
    let app = spawn_app().await;
    let tokens = app.login().await;
    app.refresh(tokens.refresh_token.as_deref().unwrap()).await;
    app.gmail(&tokens.access_token, "messages?maxResults=3")
        .await;
    app.gmail(&tokens.access_token, "labels/UNREAD").await;
    let stats = app.get_json("/emulator/stats").await;
    assert_eq!(stats["requests"]["token.authorization_code"], 1);
    assert_eq!(stats["requests"]["token.refresh_token"], 1);
    assert_eq!(stats["requests"]["gmail.messages.list"], 1);
    assert_eq!(stats["requests"]["gmail.labels.get"], 1);
    app.http
        .post(app.url("/emulator/stats/reset"))
        .send()
        .await
        .unwrap();
    assert_eq!(app.emulator.count("gmail.messages.list"), 0);
}

#[tokio::test]
async fn an_account_can_revoke_access_from_its_side() {
    let app = spawn_app().await;
    let tokens = app.login().await;
    let response = app
        .http
        .post(app.url("/emulator/accounts/alice@example.com/revoke"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(
        app.gmail(&tokens.access_token, "profile").await.status(),
        401
    );
    assert_eq!(
        oauth_error(
            app.refresh(tokens.refresh_token.as_deref().unwrap()).await,
            400
        )
        .await
        .0,
        "invalid_grant"
    );
}
