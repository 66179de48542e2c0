//! Gmail's per-user concurrent request limit (`EMULATOR_MAX_CONCURRENT_PER_USER`): one request
//! more than the limit answers 429 "Too many concurrent requests for user" without charging
//! quota; slots come back however a request ends; off by default. Latency holds requests in flight.

use std::time::Duration;

use serde_json::json;
use tokio::task::JoinSet;

use crate::helpers::*;

/// Sends `n` requests of `path` with `token` at once; the statuses, sorted.
async fn at_once(app: &TestApp, token: &str, path: &str, n: usize) -> Vec<u16> {
    let mut requests = JoinSet::new();
    for _ in 0..n {
        let http = app.http.clone();
        let url = app.url(&format!("/gmail/v1/users/me/{path}"));
        let token = token.to_owned();
        requests.spawn(async move {
            http.get(url)
                .bearer_auth(token)
                .send()
                .await
                .unwrap()
                .status()
                .as_u16()
        });
    }
    let mut statuses = requests.join_all().await;
    statuses.sort_unstable();
    statuses
}

#[tokio::test]
async fn requests_beyond_the_limit_answer_429_in_googles_envelope() {
    let app = spawn_app_with(|c| c.max_concurrent_per_user = Some(2)).await;
    let token = app.login().await.access_token;
    app.put_faults(json!({"latency_ms": 400})).await;

    assert_eq!(
        at_once(&app, &token, "messages", 4).await,
        [200, 200, 429, 429]
    );
    assert_eq!(app.emulator.count("gmail.concurrent_rejected"), 2);
    assert_eq!(app.emulator.state.in_flight(0), 0);

    // The rejection in Google's envelope (held again: one in flight, one more over the limit).
    let slow = {
        let http = app.http.clone();
        let url = app.url("/gmail/v1/users/me/labels/INBOX");
        let token = token.clone();
        tokio::spawn(async move { http.get(url).bearer_auth(token).send().await.unwrap() })
    };
    let second = {
        let http = app.http.clone();
        let url = app.url("/gmail/v1/users/me/labels/INBOX");
        let token = token.clone();
        tokio::spawn(async move { http.get(url).bearer_auth(token).send().await.unwrap() })
    };
    eventually(Duration::from_secs(2), "two requests in flight", || {
        (app.emulator.state.in_flight(0) == 2).then_some(())
    })
    .await;
    let (reason, body) = google_error(app.gmail(&token, "profile").await, 429).await;
    assert_eq!(reason, "rateLimitExceeded");
    assert_eq!(body["error"]["status"], "RESOURCE_EXHAUSTED");
    assert_eq!(
        body["error"]["message"],
        "Too many concurrent requests for user"
    );
    assert_eq!(slow.await.unwrap().status(), 200);
    assert_eq!(second.await.unwrap().status(), 200);

    assert_eq!(app.emulator.count("gmail.concurrent_rejected"), 3);
}

#[tokio::test]
async fn rejected_requests_cost_no_quota() {
    let app = spawn_app_with(|c| {
        c.max_concurrent_per_user = Some(1);
        c.quota_units_per_minute = 6;
    })
    .await;
    let token = app.login().await.access_token;
    app.put_faults(json!({"latency_ms": 300})).await;
    // One list (5 units) runs, four are refused; had they been charged, nothing would be left.
    assert_eq!(
        at_once(&app, &token, "messages", 5).await,
        [200, 429, 429, 429, 429]
    );
    assert_eq!(app.emulator.count("gmail.concurrent_rejected"), 4);
    app.put_faults(json!({})).await;
    assert_eq!(app.gmail(&token, "profile").await.status(), 200, "unit 6");
    let (_, body) = google_error(app.gmail(&token, "profile").await, 429).await;
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .starts_with("Quota exceeded")
    );
}

#[tokio::test]
async fn the_limit_is_per_account() {
    let app = spawn_app_with(|c| c.max_concurrent_per_user = Some(2)).await;
    let alice = app.login().await.access_token;
    let bob = app
        .login_with(&[("login_hint", "bob@example.com")])
        .await
        .access_token;
    app.put_faults(json!({"latency_ms": 400})).await;
    let (alice_statuses, bob_statuses) = tokio::join!(
        at_once(&app, &alice, "profile", 2),
        at_once(&app, &bob, "profile", 2)
    );
    assert_eq!(alice_statuses, [200, 200]);
    assert_eq!(bob_statuses, [200, 200]);
    assert_eq!(app.emulator.count("gmail.concurrent_rejected"), 0);
}

#[tokio::test]
async fn slots_come_back_after_errors_and_when_the_client_goes_away() {
    let app = spawn_app_with(|c| c.max_concurrent_per_user = Some(1)).await;
    let token = app.login().await.access_token;
    app.put_faults(json!({"latency_ms": 200})).await;
    // An error answer releases its slot.
    google_error(app.gmail(&token, "messages/ffffffffffffffff").await, 404).await;
    assert_eq!(app.emulator.state.in_flight(0), 0);
    google_error(app.gmail(&token, "messages?maxResults=0").await, 400).await;
    assert_eq!(app.emulator.state.in_flight(0), 0);

    // A client that gives up: actix-web notices a vanished client only when it writes the
    // answer, so the abandoned request keeps its slot until its handler ends, then frees it
    // (the guard frees it when the handler is dropped early too: see the unit test
    // `gmail::tests::a_dropped_request_frees_its_slot`).
    app.put_faults(json!({"latency_ms": 600})).await;
    let impatient = reqwest::Client::builder()
        .timeout(Duration::from_millis(100))
        .build()
        .unwrap();
    let outcome = impatient
        .get(app.url("/gmail/v1/users/me/profile"))
        .bearer_auth(&token)
        .send()
        .await;
    assert!(outcome.unwrap_err().is_timeout());
    eventually(Duration::from_secs(3), "the slot to be released", || {
        (app.emulator.state.in_flight(0) == 0).then_some(())
    })
    .await;
    app.put_faults(json!({})).await;
    assert_eq!(app.gmail(&token, "profile").await.status(), 200);
}

#[tokio::test]
async fn there_is_no_limit_by_default() {
    let app = spawn_app().await;
    assert_eq!(app.emulator.state.config.max_concurrent_per_user, None);
    let token = app.login().await.access_token;
    app.put_faults(json!({"latency_ms": 200})).await;
    assert!(
        at_once(&app, &token, "profile", 20)
            .await
            .iter()
            .all(|s| *s == 200)
    );
    assert_eq!(app.emulator.count("gmail.concurrent_rejected"), 0);
}
