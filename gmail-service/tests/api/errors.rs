//! Every error mapping: Gmail 401 (one forced refresh and retry, then `reauth_required`),
//! 429/5xx/timeouts (`upstream_rate_limited` / `upstream_unavailable` with `Retry-After`), the
//! per-account quota budget shared by replicas, Redis and auth-service outages.
//!
//! Pages and counts come from the account's mirror, which calls Gmail only when it is older
//! than `SYNC_MAX_AGE_SECS`: most tests here set it to 0 ([`syncing`]), so every read syncs
//! (one `history.list` after the first, full sync) and meets whatever Gmail does.

use std::time::Duration;

use common::config::Env;
use serde_json::json;
use testkit::{RedisServer, free_port, unique_prefix};

use crate::helpers::*;

/// Every read syncs the mirror with Gmail first.
fn syncing() -> Env {
    Env::default().with("SYNC_MAX_AGE_SECS", "0")
}

#[tokio::test]
async fn a_gmail_401_triggers_one_refresh_and_a_retry() {
    let app = spawn_app_with(syncing(), |_| {}).await;
    app.count(BOB).await;
    let refreshes_at_google = app.emulator.count("token.refresh_token");
    app.emulator_post("/emulator/tokens/expire").await;
    // Mail arrived: the sync's history call and the new message's get both need the new
    // token; one refresh serves both.
    app.deliver(
        BOB.1,
        "From: a@example.com\r\nSubject: new\r\n\r\nhello\r\n",
    )
    .await;
    let page = app.unread(BOB, Some(10), None).await;
    assert_eq!(page.messages[0].subject, "new");
    assert_eq!(page.messages.len(), 10);
    assert_eq!(app.auth.refreshes(), 1);
    assert_eq!(
        app.emulator.count("token.refresh_token"),
        refreshes_at_google + 1
    );
}

#[tokio::test]
async fn a_revoked_grant_is_reauth_required() {
    let app = spawn_app_with(syncing(), |_| {}).await;
    app.count(BOB).await;
    app.emulator_post("/emulator/accounts/bob@example.com/revoke")
        .await;
    let jwt = app.auth.jwt(BOB);
    for path in [
        "/v1/unread-count",
        "/v1/messages/unread",
        "/v1/messages/0123456789abcdef",
    ] {
        let body = assert_problem(
            app.get_as(&jwt, path).await,
            401,
            ProblemCode::ReauthRequired,
        )
        .await;
        assert!(!body.to_string().contains("ya29"), "a token leaked: {body}");
    }
    // Other accounts are unaffected.
    app.count(ALICE).await;
}

fn fast_failing() -> Env {
    syncing()
        .with("GMAIL_MAX_ATTEMPTS", "2")
        .with("GMAIL_TIMEOUT_MS", "400")
        .with("GMAIL_RETRY_BASE_MS", "10")
        .with("GMAIL_RETRY_MAX_WAIT_MS", "1500")
}

async fn retry_after(response: reqwest::Response, status: u16, code: ProblemCode) -> u64 {
    let seconds: u64 = response
        .headers()
        .get("retry-after")
        .expect("Retry-After")
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    let body = assert_problem(response, status, code).await;
    assert_eq!(body["retry_after"], seconds);
    assert!(seconds >= 1);
    seconds
}

#[tokio::test]
async fn gmail_rate_limits_and_failures_are_retried_then_mapped() {
    let app = spawn_app_with(fast_failing(), |_| {}).await;
    let jwt = app.auth.jwt(BOB);
    app.count(BOB).await;
    let cases = [
        (
            json!({"rate_limited": 1.0}),
            429,
            ProblemCode::UpstreamRateLimited,
        ),
        (
            json!({"server_error": 1.0}),
            503,
            ProblemCode::UpstreamUnavailable,
        ),
        (
            json!({"unavailable": 1.0}),
            503,
            ProblemCode::UpstreamUnavailable,
        ),
        (json!({"slow": 1.0}), 503, ProblemCode::UpstreamUnavailable),
    ];
    for (shares, status, code) in cases {
        app.put_faults(json!({"gmail": shares, "slow_ms": 5000}))
            .await;
        let before = app.emulator.count("gmail.history.list");
        retry_after(app.get_as(&jwt, "/v1/unread-count").await, status, code).await;
        // The sync's history call tried twice (GMAIL_MAX_ATTEMPTS=2), with a backoff between.
        assert_eq!(
            app.emulator.count("gmail.history.list"),
            before + 2,
            "{code:?}"
        );
        retry_after(
            app.get_as(&jwt, "/v1/messages/unread?limit=3").await,
            status,
            code,
        )
        .await;
    }
    // Google recovers, so does the service.
    app.put_faults(json!({})).await;
    app.unread(BOB, Some(3), None).await;
    let metrics = app.get("/metrics").await.text().await.unwrap();
    assert!(
        metrics.contains(r#"gmail_api_calls_total{method="history.list",outcome="rate_limited""#)
    );
    assert!(metrics.contains(r#"gmail_api_calls_total{method="history.list",outcome="timeout""#));
    assert!(metrics.contains(r#"gmail_api_retries_total{method="history.list""#));
}

/// A deadline far below what Gmail's timeouts and retries would take (3 attempts of up to
/// `GMAIL_TIMEOUT_MS`, 10 s by default, with backoffs between).
const DEADLINE: Duration = Duration::from_millis(1_500);
/// What the answer may take beyond the deadline: writing it, a loaded test machine.
const SLACK: Duration = Duration::from_millis(1_000);

fn with_deadline() -> Env {
    syncing()
        .with("REQUEST_DEADLINE_MS", DEADLINE.as_millis().to_string())
        .with("GMAIL_RETRY_BASE_MS", "200")
}

#[tokio::test]
async fn a_slow_gmail_is_a_503_with_retry_after_within_the_request_deadline() {
    let app = spawn_app_with(with_deadline(), |_| {}).await;
    let jwt = app.auth.jwt(BOB);
    app.count(BOB).await;
    app.put_faults(json!({"gmail": {"slow": 1.0}, "slow_ms": 30_000}))
        .await;
    for path in [
        "/v1/unread-count",
        "/v1/messages/unread?limit=3",
        "/v1/messages/0123456789abcdef",
    ] {
        let started = std::time::Instant::now();
        let response = app.get_as(&jwt, path).await;
        let elapsed = started.elapsed();
        retry_after(response, 503, ProblemCode::UpstreamUnavailable).await;
        assert!(elapsed < DEADLINE + SLACK, "{path} took {elapsed:?}");
    }
    // Failing Gmail: retries stop where the deadline is, not at GMAIL_MAX_ATTEMPTS.
    app.put_faults(json!({"gmail": {"unavailable": 1.0}})).await;
    let started = std::time::Instant::now();
    let response = app.get_as(&jwt, "/v1/messages/unread?limit=3").await;
    let elapsed = started.elapsed();
    retry_after(response, 503, ProblemCode::UpstreamUnavailable).await;
    assert!(elapsed < DEADLINE + SLACK, "took {elapsed:?}");
}

#[tokio::test]
async fn a_slow_token_exchange_is_a_503_within_the_request_deadline() {
    let app = spawn_app_with(with_deadline(), |_| {}).await;
    // No token is cached for the account yet: auth-service asks Google, which is slow.
    app.put_faults(json!({"token": {"slow": 1.0}, "slow_ms": 30_000}))
        .await;
    let started = std::time::Instant::now();
    let response = app.get_as(&app.auth.jwt(ALICE), "/v1/unread-count").await;
    let elapsed = started.elapsed();
    retry_after(response, 503, ProblemCode::UpstreamUnavailable).await;
    assert!(elapsed < DEADLINE + SLACK, "took {elapsed:?}");
}

#[tokio::test]
async fn a_long_retry_after_is_passed_on_instead_of_waited_for() {
    // Gmail's own quota says "in a minute": no point in holding the request.
    let app = spawn_app_with(syncing(), |config| {
        // One full sync of the empty mailbox: getProfile (1 unit) and messages.list (5).
        config.quota_units_per_minute = 6;
    })
    .await;
    let jwt = app.auth.jwt(CAROL);
    app.count(CAROL).await;
    let seconds = retry_after(
        app.get_as(&jwt, "/v1/unread-count").await,
        429,
        ProblemCode::UpstreamRateLimited,
    )
    .await;
    assert!(seconds > 2, "{seconds}");
}

#[tokio::test]
async fn the_quota_budget_is_shared_by_replicas_and_gmail_never_trips() {
    let prefix = unique_prefix();
    let budget = syncing()
        .with("QUOTA_UNITS_PER_MINUTE", "12")
        .with("QUOTA_MAX_WAIT_MS", "0")
        .with("REDIS_KEY_PREFIX", &prefix);
    let app = spawn_app_with(budget.clone(), |_| {}).await;
    let replica = spawn_service(app.auth.env().merged(budget).with(
        "GMAIL_API_BASE",
        format!("{}/gmail/v1/users/me", app.emulator.url),
    ))
    .await;
    let jwt = app.auth.jwt(CAROL);
    let http = reqwest::Client::new();
    let on = |base: &str| {
        http.get(format!("{base}/v1/unread-count"))
            .bearer_auth(&jwt)
            .send()
    };
    // The first count syncs the empty mailbox in full (getProfile 1 unit, messages.list 5),
    // each later one is a history.list (2 units): 4 counts spread over both replicas fit the
    // 12 units, the 5th does not.
    for base in [&app.address, &replica, &app.address, &replica] {
        assert_eq!(on(base).await.unwrap().status(), 200);
    }
    for base in [&app.address, &replica] {
        retry_after(
            on(base).await.unwrap(),
            429,
            ProblemCode::UpstreamRateLimited,
        )
        .await;
    }
    assert_eq!(app.emulator.count("gmail.profile"), 1);
    assert_eq!(app.emulator.count("gmail.messages.list"), 1);
    assert_eq!(app.emulator.count("gmail.history.list"), 3);
    // Another account has its own budget (one message: 5 units).
    let id = app.mailbox(BOB.1).messages()[0].id.clone();
    assert_eq!(
        app.get_as(&app.auth.jwt(BOB), &format!("/v1/messages/{id}"))
            .await
            .status(),
        200
    );
    let metrics = app.get("/metrics").await.text().await.unwrap();
    assert!(metrics.contains("gmail_quota_refusals_total{service=\"gmail-service\"} 1"));
}

#[tokio::test]
async fn concurrent_requests_never_exceed_the_budget() {
    let app = spawn_app_with(
        syncing()
            .with("QUOTA_UNITS_PER_MINUTE", "10")
            .with("QUOTA_MAX_WAIT_MS", "0"),
        |config| config.faults.latency_ms = 50,
    )
    .await;
    let jwt = app.auth.jwt(CAROL);
    // The full sync: 6 of the 10 units.
    assert_eq!(app.get_as(&jwt, "/v1/unread-count").await.status(), 200);
    let requests = (0..30).map(|_| app.get_as(&jwt, "/v1/unread-count"));
    let statuses: Vec<u16> = futures_util::future::join_all(requests)
        .await
        .iter()
        .map(|r| r.status().as_u16())
        .collect();
    // Never more history calls than the 4 units left allow (2 units each)...
    let histories = app.emulator.count("gmail.history.list");
    assert!((1..=2).contains(&histories), "{histories} history calls");
    assert!(
        statuses.iter().all(|s| *s == 200 || *s == 429),
        "{statuses:?}"
    );
    // ...and requests that meet a sync in flight wait for it instead of syncing too: without
    // that single flight, two of the 30 would be answered and the rest refused.
    let answered = statuses.iter().filter(|s| **s == 200).count();
    assert!(answered >= 5, "{answered} answered: {statuses:?}");
}

#[tokio::test]
async fn redis_down_is_dependency_unavailable_and_the_service_recovers() {
    let mut redis = RedisServer::start();
    let app = spawn_app_with(Env::default().with("REDIS_URL", redis.url()), |_| {}).await;
    app.unread(BOB, Some(3), None).await;
    redis.stop();
    let jwt = app.auth.jwt(BOB);
    let response = app.get_as(&jwt, "/v1/messages/unread?limit=3").await;
    retry_after(response, 503, ProblemCode::DependencyUnavailable).await;
    assert_eq!(app.get("/readyz").await.status(), 503);
    redis.resume();
    let mut recovered = false;
    for _ in 0..50 {
        if app
            .get_as(&jwt, "/v1/messages/unread?limit=3")
            .await
            .status()
            == 200
        {
            recovered = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(
        recovered,
        "the service did not recover after Redis came back"
    );
}

#[tokio::test]
async fn auth_service_down_is_dependency_unavailable() {
    let app = spawn_app().await;
    let dead = format!("http://127.0.0.1:{}", free_port());
    let address = spawn_service(
        Env::default()
            .with("AUTH_SERVICE_URL", &dead)
            .with("AUTH_SERVICE_TIMEOUT_MS", "500"),
    )
    .await;
    let response = app
        .http
        .get(format!("{address}/v1/unread-count"))
        .bearer_auth(app.auth.jwt(BOB))
        .send()
        .await
        .unwrap();
    retry_after(response, 503, ProblemCode::DependencyUnavailable).await;
}

#[tokio::test]
async fn gmail_unreachable_is_upstream_unavailable() {
    let app = spawn_app_with(
        fast_failing().with(
            "GMAIL_API_BASE",
            format!("http://127.0.0.1:{}/gmail/v1/users/me", free_port()),
        ),
        |_| {},
    )
    .await;
    let response = app.get_as(&app.auth.jwt(BOB), "/v1/unread-count").await;
    retry_after(response, 503, ProblemCode::UpstreamUnavailable).await;
}

#[tokio::test]
async fn a_grant_without_gmail_access_is_insufficient_scope() {
    let emulator = google_emulator::spawn(google_emulator::EmulatorConfig::for_tests(&[REDIRECT]))
        .await
        .unwrap();
    let auth = AuthStandIn::start_with_scopes(&emulator.url, "openid email");
    let address = spawn_service(auth.env().with(
        "GMAIL_API_BASE",
        format!("{}/gmail/v1/users/me", emulator.url),
    ))
    .await;
    let response = reqwest::Client::new()
        .get(format!("{address}/v1/messages/unread"))
        .bearer_auth(auth.jwt(BOB))
        .send()
        .await
        .unwrap();
    assert_problem(response, 403, ProblemCode::InsufficientScope).await;
}

#[tokio::test]
async fn an_unreadable_gmail_answer_is_upstream_error() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let not_gmail = format!("http://127.0.0.1:{}", listener.local_addr().unwrap().port());
    let server = actix_web::HttpServer::new(|| {
        actix_web::App::new().default_service(actix_web::web::to(|| async {
            actix_web::HttpResponse::Ok()
                .content_type("text/html")
                .body("<html>captive portal</html>")
        }))
    })
    .workers(1)
    .listen(listener)
    .unwrap()
    .run();
    tokio::spawn(server);
    let app = spawn_app_with(Env::default().with("GMAIL_API_BASE", &not_gmail), |_| {}).await;
    let jwt = app.auth.jwt(BOB);
    for path in [
        "/v1/unread-count",
        "/v1/messages/unread",
        "/v1/messages/0123456789abcdef",
    ] {
        let body = assert_problem(
            app.get_as(&jwt, path).await,
            502,
            ProblemCode::UpstreamError,
        )
        .await;
        assert!(!body["detail"].as_str().unwrap().contains("captive"));
    }
}
