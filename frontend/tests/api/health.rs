//! `/healthz`, `/readyz` (needs auth-service and gmail-service), `/metrics`.

use testkit::free_port;

use crate::helpers::*;

#[tokio::test]
async fn ready_when_both_upstreams_answer() {
    let app = spawn_app(&healthy_upstream(), &healthy_upstream()).await;
    assert_eq!(app.get("/healthz").await.status(), 200);
    assert_eq!(app.get("/readyz").await.status(), 200);
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
async fn not_ready_when_an_upstream_is_down() {
    let down = format!("http://127.0.0.1:{}", free_port());
    let app = spawn_app(&healthy_upstream(), &down).await;
    let response = app.get("/readyz").await;
    assert_eq!(response.status(), 503);
    let body: serde_json::Value = response.json().await.unwrap();
    assert!(body["detail"].as_str().unwrap().contains("gmail-service"));
}
