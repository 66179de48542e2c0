//! `/healthz`, `/readyz` (needs Redis and auth-service's JWKS), `/metrics`.

use common::{config::Env, jwt::Es256KeyPair, testing::free_port};

use crate::helpers::*;

#[tokio::test]
async fn ready_when_redis_and_the_jwks_answer() {
    let key = Es256KeyPair::generate().unwrap();
    let address = spawn_service(Env::default().with("AUTH_SERVICE_URL", serve_jwks(&key))).await;
    let http = reqwest::Client::new();
    let get = |path: &str| http.get(format!("{address}{path}")).send();
    assert_eq!(get("/healthz").await.unwrap().status(), 200);
    let response = get("/readyz").await.unwrap();
    assert_eq!(response.status(), 200);
    let body: serde_json::Value = response.json().await.unwrap();
    assert_eq!(body["checks"]["jwks"], "ok");
    assert_eq!(body["checks"]["redis"], "ok");
    let metrics = get("/metrics").await.unwrap().text().await.unwrap();
    assert!(metrics.contains("http_requests_total"));
}

#[tokio::test]
async fn not_ready_without_the_jwks() {
    let address = spawn_service(Env::default().with(
        "AUTH_SERVICE_URL",
        format!("http://127.0.0.1:{}", free_port()),
    ))
    .await;
    let response = reqwest::get(format!("{address}/readyz")).await.unwrap();
    let body = assert_problem(response, 503, "not_ready").await;
    assert!(body["detail"].as_str().unwrap().contains("jwks"));
}

#[tokio::test]
async fn metrics_count_gmail_calls_cache_hits_and_tokens() {
    let app = spawn_app().await;
    app.json_as(BOB, "/v1/messages/unread?limit=5").await;
    app.json_as(BOB, "/v1/messages/unread?limit=5").await;
    let metrics = app.get("/metrics").await.text().await.unwrap();
    for expected in [
        r#"gmail_api_calls_total{method="messages.list",outcome="ok",service="gmail-service"} 2"#,
        r#"gmail_api_calls_total{method="messages.get",outcome="ok",service="gmail-service"} 5"#,
        r#"message_cache_lookups_total{result="hit",service="gmail-service"} 5"#,
        r#"message_cache_lookups_total{result="miss",service="gmail-service"} 5"#,
        r#"message_cache_hit_ratio{service="gmail-service"} 0.5"#,
        r#"google_token_requests_total{kind="fetch",outcome="ok",service="gmail-service"} 1"#,
        "gmail_quota_waits_total",
        "gmail_api_call_duration_seconds_bucket",
    ] {
        assert!(metrics.contains(expected), "missing {expected}\n{metrics}");
    }
}

#[tokio::test]
async fn unknown_routes_and_methods_are_problems() {
    let app = spawn_app().await;
    assert_problem(app.get("/nope").await, 404, "not_found").await;
    let response = app
        .http
        .post(format!("{}/v1/messages/unread", app.address))
        .send()
        .await
        .unwrap();
    assert_eq!(response.headers().get("allow").unwrap(), "GET");
    assert_problem(response, 405, "method_not_allowed").await;
}
