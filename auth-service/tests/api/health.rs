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

/// `GET` and `HEAD` of `url` agree on status and headers, and `HEAD` has no body; returns
/// the status.
async fn head_matches_get(url: &str) -> u16 {
    let http = client();
    let get = http.get(url).send().await.unwrap();
    let head = http.head(url).send().await.unwrap();
    assert_eq!(head.status(), get.status(), "{url}");
    for name in ["content-type", "cache-control", "allow"] {
        assert_eq!(
            head.headers().get(name),
            get.headers().get(name),
            "{url}: {name}"
        );
    }
    assert_eq!(
        head.headers().contains_key("location"),
        get.headers().contains_key("location"),
        "{url}"
    );
    let status = head.status().as_u16();
    assert!(
        head.bytes().await.unwrap().is_empty(),
        "{url}: HEAD with a body"
    );
    status
}

#[tokio::test]
async fn every_get_route_answers_head() {
    let app = spawn_app().await;
    let at = |path: &str| format!("{}{path}", app.address);
    assert_eq!(head_matches_get(&at("/healthz")).await, 200);
    assert_eq!(head_matches_get(&at("/readyz")).await, 200);
    assert_eq!(head_matches_get(&at("/metrics")).await, 200);
    assert_eq!(head_matches_get(&at("/.well-known/jwks.json")).await, 200);
    assert_eq!(head_matches_get(&at("/oauth/login")).await, 302);
    let refused = head_matches_get(&at("/oauth/callback?error=access_denied")).await;
    assert!((300..500).contains(&refused), "{refused}");
    // POST-only and unknown routes answer HEAD as they answer GET.
    let post_only = head_matches_get(&at("/v1/session/token")).await;
    assert!((400..500).contains(&post_only), "{post_only}");
    assert_eq!(head_matches_get(&at("/nope")).await, 404);
    assert_eq!(
        head_matches_get(&format!("{}/healthz", app.internal)).await,
        200
    );
}
