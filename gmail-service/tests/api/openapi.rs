//! `GET /openapi.json`: generated from the code, covering every route, parameter, response
//! and error.

use serde_json::Value;

use crate::helpers::*;

#[tokio::test]
async fn the_description_covers_every_route_parameter_and_error() {
    let app = spawn_app().await;
    let response = app.get("/openapi.json").await;
    assert_eq!(response.status(), 200);
    let doc: Value = response.json().await.unwrap();
    assert!(doc["openapi"].as_str().unwrap().starts_with("3."));
    let paths = doc["paths"].as_object().unwrap();
    let mut routes: Vec<&str> = paths.keys().map(String::as_str).collect();
    routes.sort_unstable();
    assert_eq!(
        routes,
        [
            "/healthz",
            "/metrics",
            "/openapi.json",
            "/readyz",
            "/v1/events",
            "/v1/messages/unread",
            "/v1/messages/{id}",
            "/v1/messages/{id}/attachments/{attachment_id}",
            "/v1/messages/{id}/thread",
            "/v1/unread-count",
        ]
    );
    // The routes are the contract's paths.
    use contract::paths;
    for path in [
        paths::gmail::UNREAD,
        paths::gmail::MESSAGE,
        paths::gmail::ATTACHMENT,
        paths::gmail::THREAD,
        paths::gmail::UNREAD_COUNT,
        paths::gmail::EVENTS,
        paths::gmail::OPENAPI,
        paths::HEALTHZ,
        paths::READYZ,
        paths::METRICS,
    ] {
        assert!(paths.contains_key(path), "{path}");
    }
    let api = [
        (
            "/v1/messages/unread",
            &["200", "400", "401", "403", "429", "502", "503"][..],
        ),
        (
            "/v1/messages/{id}",
            &["200", "400", "401", "403", "404", "429", "502", "503"][..],
        ),
        (
            "/v1/messages/{id}/attachments/{attachment_id}",
            &[
                "200", "400", "401", "403", "404", "413", "429", "502", "503",
            ][..],
        ),
        (
            "/v1/messages/{id}/thread",
            &["200", "400", "401", "403", "404", "429", "502", "503"][..],
        ),
        (
            "/v1/unread-count",
            &["200", "401", "403", "429", "502", "503"][..],
        ),
    ];
    for (path, statuses) in api {
        let operation = &doc["paths"][path]["get"];
        assert_eq!(
            operation["security"][0]["bearer"],
            serde_json::json!([]),
            "{path}"
        );
        let responses = operation["responses"].as_object().unwrap();
        let mut documented: Vec<&str> = responses.keys().map(String::as_str).collect();
        documented.sort_unstable();
        assert_eq!(documented, statuses, "{path}");
        for status in statuses.iter().filter(|s| **s != "200") {
            let content = &responses[*status]["content"]["application/problem+json"]["schema"];
            assert_eq!(
                content["$ref"], "#/components/schemas/Problem",
                "{path} {status}"
            );
        }
        for status in ["429", "503"] {
            assert!(
                responses[status]["headers"]["Retry-After"].is_object(),
                "{path} {status}"
            );
        }
    }
    let params: Vec<&str> = doc["paths"]["/v1/messages/unread"]["get"]["parameters"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["name"].as_str().unwrap())
        .collect();
    assert_eq!(params, ["limit", "page_token", "positions"]);
    let limit = &doc["paths"]["/v1/messages/unread"]["get"]["parameters"][0]["schema"];
    assert_eq!(limit["minimum"], 1);
    assert_eq!(limit["maximum"], 100);
    let id = &doc["paths"]["/v1/messages/{id}"]["get"]["parameters"][0];
    assert_eq!(id["in"], "path");
    let schemas = doc["components"]["schemas"].as_object().unwrap();
    for name in [
        "UnreadPage",
        "MessageSummary",
        "MessageDetail",
        "ThreadDetail",
        "AttachmentInfo",
        "Sender",
        "UnreadCount",
        "Problem",
    ] {
        assert!(schemas.contains_key(name), "{name}");
    }
    // The problem's code is the contract's enum, every code listed.
    let codes: Vec<&str> = schemas["ProblemCode"]["enum"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c.as_str().unwrap())
        .collect();
    for code in [
        "invalid_token",
        "reauth_required",
        "upstream_rate_limited",
        "not_ready",
    ] {
        assert!(codes.contains(&code), "{code} in {codes:?}");
    }
    let detail = &schemas["MessageDetail"]["properties"];
    assert!(detail["body_text"].is_object() && detail["attachments"].is_object());
    assert_eq!(
        doc["components"]["securitySchemes"]["bearer"]["scheme"],
        "bearer"
    );
}
