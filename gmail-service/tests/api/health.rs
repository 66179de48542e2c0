//! `/healthz`, `/readyz` (needs Redis and a fresh cached JWKS), `/metrics`.
//!
//! Readiness must not turn into JWKS traffic: it answers from the cached key set's age, fetches
//! at most once per `JWKS_REFETCH_SECS` when that set is missing or old, and never waits behind
//! a fetch in flight.

use std::{
    net::TcpListener,
    sync::{
        Arc,
        atomic::{AtomicBool, AtomicU64, Ordering},
    },
    time::Duration,
};

use actix_web::{App, HttpResponse, HttpServer, web};
use common::{config::Env, jwt::Es256KeyPair};
use testkit::free_port;
use tokio::sync::Semaphore;

use crate::helpers::*;

/// A JWKS endpoint the test controls: it counts fetches, answers 503 until `serving` is set,
/// and, when `gate` has no permits, holds each request until the test adds one.
struct ControlledJwks {
    url: String,
    fetches: Arc<AtomicU64>,
    serving: Arc<AtomicBool>,
    gate: Arc<Semaphore>,
}

impl ControlledJwks {
    fn start(serving: bool, gated: bool) -> Self {
        let key = Es256KeyPair::generate().unwrap();
        let body = serde_json::json!({ "keys": [key.public_jwk()] }).to_string();
        let fetches = Arc::new(AtomicU64::new(0));
        let serving = Arc::new(AtomicBool::new(serving));
        let gate = Arc::new(Semaphore::new(if gated {
            0
        } else {
            Semaphore::MAX_PERMITS
        }));
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let (f, s, g) = (fetches.clone(), serving.clone(), gate.clone());
        let server = HttpServer::new(move || {
            let (body, f, s, g) = (body.clone(), f.clone(), s.clone(), g.clone());
            App::new().route(
                "/.well-known/jwks.json",
                web::get().to(move || {
                    let (body, f, s, g) = (body.clone(), f.clone(), s.clone(), g.clone());
                    async move {
                        f.fetch_add(1, Ordering::SeqCst);
                        let _permit = g.acquire().await.unwrap();
                        if s.load(Ordering::SeqCst) {
                            HttpResponse::Ok()
                                .content_type("application/json")
                                .body(body)
                        } else {
                            HttpResponse::ServiceUnavailable().finish()
                        }
                    }
                }),
            )
        })
        .workers(2)
        .listen(listener)
        .unwrap()
        .run();
        tokio::spawn(server);
        Self {
            url: format!("http://127.0.0.1:{port}"),
            fetches,
            serving,
            gate,
        }
    }

    fn fetches(&self) -> u64 {
        self.fetches.load(Ordering::SeqCst)
    }
}

async fn readyz_status(http: &reqwest::Client, address: &str) -> u16 {
    http.get(format!("{address}/readyz"))
        .send()
        .await
        .unwrap()
        .status()
        .as_u16()
}

#[tokio::test]
async fn a_hundred_readyz_calls_fetch_the_jwks_at_most_once_per_refetch_interval() {
    // An interval far longer than the test: every call below falls within one interval.
    let app = spawn_app_with(Env::default().with("JWKS_REFETCH_SECS", "3600"), |_| {}).await;
    let before = app.auth.jwks_requests();
    for _ in 0..100 {
        assert_eq!(app.get("/readyz").await.status(), 200);
    }
    let fresh_delta = app.auth.jwks_requests() - before;
    println!("JWKS fetches for 100 /readyz calls (JWKS answering): {fresh_delta}");
    assert!(fresh_delta <= 1, "{fresh_delta} JWKS fetches");

    // A JWKS that fails: still at most one attempt per interval, however often readiness asks.
    let failing = ControlledJwks::start(false, false);
    let address = spawn_service(
        Env::default()
            .with("AUTH_SERVICE_URL", &failing.url)
            .with("JWKS_REFETCH_SECS", "3600"),
    )
    .await;
    let http = reqwest::Client::new();
    for _ in 0..100 {
        assert_eq!(readyz_status(&http, &address).await, 503);
    }
    let failing_delta = failing.fetches();
    println!("JWKS fetches for 100 /readyz calls (JWKS failing): {failing_delta}");
    assert!(failing_delta <= 1, "{failing_delta} JWKS fetches");
}

#[tokio::test]
async fn readiness_never_waits_behind_a_jwks_fetch_in_flight() {
    let jwks = ControlledJwks::start(true, true);
    let address = spawn_service(Env::default().with("AUTH_SERVICE_URL", &jwks.url)).await;
    let http = reqwest::Client::new();
    let first = tokio::spawn({
        let (http, address) = (http.clone(), address.clone());
        async move { readyz_status(&http, &address).await }
    });
    // The first call's fetch is now held at the JWKS endpoint.
    for _ in 0..200 {
        if jwks.fetches() == 1 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    assert_eq!(jwks.fetches(), 1, "the first /readyz did not fetch");
    // Deadlock guard only: calls that queued behind the held fetch would never finish.
    let others = tokio::time::timeout(Duration::from_secs(20), async {
        let mut statuses = Vec::new();
        for _ in 0..10 {
            statuses.push(readyz_status(&http, &address).await);
        }
        statuses
    })
    .await
    .expect("/readyz waited behind the JWKS fetch in flight");
    assert_eq!(others, vec![503; 10], "no key set has been fetched yet");
    assert_eq!(jwks.fetches(), 1, "a second fetch started");
    jwks.gate.add_permits(Semaphore::MAX_PERMITS / 2);
    assert_eq!(first.await.unwrap(), 200);
    assert_eq!(readyz_status(&http, &address).await, 200);
    assert_eq!(jwks.fetches(), 1);
}

#[tokio::test]
async fn not_ready_while_the_jwks_was_never_fetchable_then_ready_once_it_is() {
    let jwks = ControlledJwks::start(false, false);
    let address = spawn_service(
        Env::default()
            .with("AUTH_SERVICE_URL", &jwks.url)
            .with("JWKS_REFETCH_SECS", "1"),
    )
    .await;
    let http = reqwest::Client::new();
    let started = std::time::Instant::now();
    let response = http.get(format!("{address}/readyz")).send().await.unwrap();
    let body = assert_problem(response, 503, ProblemCode::NotReady).await;
    let detail = body["detail"].as_str().unwrap();
    assert!(detail.contains("jwks"), "{detail}");
    assert!(
        !detail.contains(&jwks.url),
        "the detail names a URL: {detail}"
    );
    for _ in 0..20 {
        assert_eq!(readyz_status(&http, &address).await, 503);
    }
    let while_failing = jwks.fetches();
    // One fetch per started 1 s interval at most, however slow this machine is.
    let intervals = 1 + started.elapsed().as_secs();
    println!(
        "JWKS fetches for 21 /readyz calls while it fails: {while_failing} \
         (allowed: {intervals}, one per interval)"
    );
    assert!(while_failing <= intervals, "{while_failing} JWKS fetches");

    jwks.serving.store(true, Ordering::SeqCst);
    let mut ready = false;
    for _ in 0..50 {
        if readyz_status(&http, &address).await == 200 {
            ready = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(ready, "not ready after the JWKS became fetchable");
    let after = jwks.fetches();
    for _ in 0..20 {
        assert_eq!(readyz_status(&http, &address).await, 200);
    }
    assert_eq!(jwks.fetches(), after, "a fresh key set was fetched again");
}

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
    let body = assert_problem(response, 503, ProblemCode::NotReady).await;
    assert!(body["detail"].as_str().unwrap().contains("jwks"));
}

#[tokio::test]
async fn metrics_count_gmail_calls_syncs_and_tokens() {
    let app = spawn_app().await;
    app.unread(BOB, Some(5), None).await;
    app.unread(BOB, Some(5), None).await;
    let unread = app.listed_unread(BOB.1).len();
    let metrics = app.get("/metrics").await.text().await.unwrap();
    for expected in [
        // The first page syncs in full; the second is served from the fresh mirror.
        r#"gmail_api_calls_total{method="profile",outcome="ok",service="gmail-service"} 1"#,
        r#"gmail_api_calls_total{method="messages.list",outcome="ok",service="gmail-service"} 1"#,
        &format!(
            r#"gmail_api_calls_total{{method="messages.get",outcome="ok",service="gmail-service"}} {unread}"#
        ),
        r#"mirror_syncs_total{kind="full",service="gmail-service"} 1"#,
        r#"mirror_syncs_total{kind="fresh",service="gmail-service"} 1"#,
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
    assert_problem(app.get("/nope").await, 404, ProblemCode::NotFound).await;
    let response = app
        .http
        .post(format!("{}/v1/messages/unread", app.address))
        .send()
        .await
        .unwrap();
    assert_eq!(response.headers().get("allow").unwrap(), "GET, HEAD");
    assert_problem(response, 405, ProblemCode::MethodNotAllowed).await;
}

#[tokio::test]
async fn every_get_route_answers_head() {
    let app = spawn_app().await;
    let jwt = app.auth.jwt(BOB);
    let unread = app.unread(BOB, Some(1), None).await;
    let id = unread.messages[0].id.clone();
    let cases: Vec<(String, Option<&str>, u16)> = vec![
        ("/healthz".into(), None, 200),
        ("/readyz".into(), None, 200),
        ("/metrics".into(), None, 200),
        ("/openapi.json".into(), None, 200),
        ("/v1/unread-count".into(), Some(&jwt), 200),
        ("/v1/messages/unread?limit=2".into(), Some(&jwt), 200),
        (format!("/v1/messages/{id}"), Some(&jwt), 200),
        ("/v1/unread-count".into(), None, 401),
        ("/v1/messages/0123456789abcdef".into(), Some(&jwt), 404),
        ("/nope".into(), None, 404),
    ];
    for (path, token, status) in cases {
        let send = |method: reqwest::Method| {
            let mut request = app.http.request(method, format!("{}{path}", app.address));
            if let Some(token) = token {
                request = request.bearer_auth(token);
            }
            request.send()
        };
        let get = send(reqwest::Method::GET).await.unwrap();
        let head = send(reqwest::Method::HEAD).await.unwrap();
        assert_eq!(get.status(), status, "{path}");
        assert_eq!(head.status(), status, "{path}");
        for name in ["content-type", "cache-control", "www-authenticate"] {
            assert_eq!(
                head.headers().get(name),
                get.headers().get(name),
                "{path}: {name}"
            );
        }
        assert!(
            head.bytes().await.unwrap().is_empty(),
            "{path}: HEAD with a body"
        );
    }
}
