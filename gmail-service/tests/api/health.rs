//! `/healthz`, `/readyz` (needs Redis and auth-service's JWKS), `/metrics`.

use common::{jwt::Es256KeyPair, testing::free_port};

use crate::helpers::*;

#[tokio::test]
async fn ready_when_redis_and_the_jwks_answer() {
    let key = Es256KeyPair::generate().unwrap();
    let app = spawn_app(&serve_jwks(&key)).await;
    assert_eq!(app.get("/healthz").await.status(), 200);
    let response = app.get("/readyz").await;
    assert_eq!(response.status(), 200);
    let body: serde_json::Value = response.json().await.unwrap();
    assert_eq!(body["checks"]["jwks"], "ok");
    assert!(
        app.get("/metrics")
            .await
            .text()
            .await
            .unwrap()
            .contains("http_requests_total")
    );
}

#[tokio::test]
async fn not_ready_without_the_jwks() {
    let app = spawn_app(&format!("http://127.0.0.1:{}", free_port())).await;
    let response = app.get("/readyz").await;
    assert_eq!(response.status(), 503);
    let body: serde_json::Value = response.json().await.unwrap();
    assert!(body["detail"].as_str().unwrap().contains("jwks"));
}
