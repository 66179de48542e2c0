//! `/healthz`, `/readyz` (Redis down and back), `/metrics`, unknown routes.

use common::testing::RedisServer;

use crate::helpers::*;

#[tokio::test]
async fn healthz_and_metrics_answer() {
    let app = spawn_app().await;
    assert_eq!(app.get("/healthz").await.status(), 200);
    let metrics = app.get("/metrics").await.text().await.unwrap();
    assert!(metrics.contains(r#"route="/healthz""#), "{metrics}");
}

#[tokio::test]
async fn readyz_follows_redis_down_and_back_without_a_restart() {
    let mut redis = RedisServer::start();
    let app = spawn_app_with_redis(&redis.url()).await;
    assert_eq!(app.get("/readyz").await.status(), 200);
    redis.stop();
    let response = app.get("/readyz").await;
    assert_eq!(response.status(), 503);
    assert_eq!(
        response.headers()["content-type"],
        "application/problem+json"
    );
    let body: serde_json::Value = response.json().await.unwrap();
    assert_eq!(body["code"], "not_ready");
    redis.resume();
    let mut ready = false;
    for _ in 0..50 {
        if app.get("/readyz").await.status() == 200 {
            ready = true;
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert!(ready, "auth-service did not recover after Redis came back");
}

#[tokio::test]
async fn unknown_routes_are_404_problems() {
    let app = spawn_app().await;
    let response = app.get("/nope").await;
    assert_eq!(response.status(), 404);
    assert_eq!(
        response.headers()["content-type"],
        "application/problem+json"
    );
    assert!(response.headers().get("x-request-id").is_some());
}
