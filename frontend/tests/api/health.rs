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

#[tokio::test]
async fn healthz_and_readyz_answer_head() {
    let app = spawn_app(&healthy_upstream(), &healthy_upstream()).await;
    for path in ["/healthz", "/readyz", "/metrics"] {
        let url = format!("{}{path}", app.address);
        let get = app.http.get(&url).send().await.unwrap();
        let head = app.http.head(&url).send().await.unwrap();
        assert_eq!(get.status(), 200, "{path}");
        assert_eq!(head.status(), 200, "{path}");
        assert_eq!(
            head.headers().get("content-type"),
            get.headers().get("content-type"),
            "{path}"
        );
        assert!(head.bytes().await.unwrap().is_empty(), "{path}");
    }
}
