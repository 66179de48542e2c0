//! `/healthz`, `/metrics`, the JWKS, unknown routes (Redis outages: see `refresh`).

use crate::helpers::*;

#[tokio::test]
async fn healthz_and_metrics_answer() {
    let app = spawn_app().await;
    assert_eq!(app.get("/healthz").await.status(), 200);
    let metrics = app.metrics().await;
    assert!(metrics.contains(r#"route="/healthz""#), "{metrics}");
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

#[tokio::test]
async fn the_jwks_publishes_an_es256_key_with_a_kid() {
    let app = spawn_app().await;
    let response = app.get("/.well-known/jwks.json").await;
    assert_eq!(response.status(), 200);
    let jwks: serde_json::Value = response.json().await.unwrap();
    let key = &jwks["keys"][0];
    assert_eq!(key["kty"], "EC");
    assert_eq!(key["crv"], "P-256");
    assert_eq!(key["alg"], "ES256");
    assert!(key["kid"].as_str().unwrap().len() >= 16);
    assert!(key.get("d").is_none(), "the private key is published");
    assert_eq!(app.get("/readyz").await.status(), 200);
}
