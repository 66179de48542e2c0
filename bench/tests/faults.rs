//! The load-and-fault suite of the whole system (issue 7): load held, Redis restarted mid-load,
//! an auth-service replica killed mid-load, Google misbehaving, and a refresh storm.
//!
//! Everything runs in this process on free ports, started by the test kit: `testkit::stack`
//! (emulator + auth-service + gmail-service + frontend + one Redis) and `testkit::auth`
//! (emulator + auth-service with options, and a browser that stops at the callback). What they
//! lack is here: a killable auth-service replica and a gmail-service with its own settings.
//!
//! Replicas are in-process `Application::build` servers, not child processes: the suite then
//! runs under plain `cargo test` (CI) with no release binaries to build first. A replica is
//! killed with `BoundServerHandle::stop(false)`: its listener and every open connection close at
//! once, which is what clients and peers see of a `kill -9`; everything it kept in memory is
//! gone with it, and what must survive lives in Redis.
//!
//! A 5xx is "deliberate" only while a test injects a fault (Redis stopped, Google failing), and
//! then it must be a clean 502/503 `application/problem+json` (the frontend: its HTML problem
//! page with that status). No speed is asserted: only "answered within the configured
//! timeout", and that the refresh storm was quick enough for its count to mean anything.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::{
    collections::BTreeMap,
    sync::{
        Arc,
        atomic::{AtomicBool, Ordering},
    },
    time::{Duration, Instant},
};

use common::{config::Env, server::BoundServerHandle};
use futures_util::{StreamExt, stream};
use serde_json::{Value, json};

use testkit::{
    auth as auth_helpers,
    browser::Browser,
    stack::{Stack, StackOptions, spawn_stack_with},
};

/// The refresh storm runs alone (write), the other tests side by side (read): on two cores a
/// neighbour's 10,000 requests would slow the storm past what it can judge.
static TURNS: tokio::sync::RwLock<()> = tokio::sync::RwLock::const_new(());

/// Every request of the suite gives up after this long (no test waits on a hung call).
const CLIENT_TIMEOUT: Duration = Duration::from_secs(30);

// ---------------------------------------------------------------------------------------------
// Support: sessions, calls, outcomes.

/// One person logged in through the frontend: the session cookie and a session JWT.
#[derive(Clone)]
struct Session {
    email: String,
    cookie: String,
    jwt: String,
    message_id: String,
}

/// The kinds of request a mixed load is made of.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Call {
    /// `GET /` on the frontend (session → JWT → unread page → HTML).
    FrontendInbox,
    /// `POST /v1/session/token` on auth-service.
    SessionToken,
    /// `GET /v1/messages/unread?limit=20` on gmail-service.
    UnreadPage,
    /// `GET /v1/unread-count` on gmail-service.
    UnreadCount,
    /// `GET /v1/messages/{id}` on gmail-service.
    OpenMessage,
    /// `GET /.well-known/jwks.json` on auth-service.
    Jwks,
    /// `GET /static/style.css` on the frontend.
    Stylesheet,
    /// `GET /openapi.json` on gmail-service.
    OpenApi,
    /// `GET /readyz` on gmail-service (Redis and auth-service's JWKS).
    Readiness,
}

const ALL_CALLS: [Call; 5] = [
    Call::FrontendInbox,
    Call::SessionToken,
    Call::UnreadPage,
    Call::UnreadCount,
    Call::OpenMessage,
];

/// The mix of the held load: every service, four in ten requests reaching Gmail (so two demo
/// accounts stay within Gmail's 15,000 quota units a minute: 10,000 requests cost about
/// 17,000 units).
const LOAD_MIX: [Call; 10] = [
    Call::FrontendInbox,
    Call::SessionToken,
    Call::UnreadPage,
    Call::Jwks,
    Call::UnreadCount,
    Call::Stylesheet,
    Call::OpenMessage,
    Call::OpenApi,
    Call::SessionToken,
    Call::Readiness,
];

/// What one request got back.
#[derive(Debug)]
struct Outcome {
    call: Call,
    status: Option<u16>,
    content_type: String,
    body: String,
    /// Transport error (refused, reset, timed out).
    error: Option<String>,
}

impl Outcome {
    fn ok(&self) -> bool {
        self.status.is_some_and(|s| (200..300).contains(&s))
    }

    fn server_error(&self) -> bool {
        self.status.is_some_and(|s| s >= 500)
    }

    /// A 5xx that is a clean, deliberate answer to an injected fault: 502/503 problem+json with
    /// a `code` (the frontend: its HTML problem page with that status).
    fn clean_fault_answer(&self) -> bool {
        let Some(status) = self.status else {
            return false;
        };
        if status != 502 && status != 503 {
            return false;
        }
        if self.call == Call::FrontendInbox {
            // The frontend's problem page (`templates/problem.html`).
            return self.content_type.starts_with("text/html")
                && self.body.contains(r#"id="problem" data-kind="#);
        }
        is_problem(status, &self.content_type, &self.body)
    }
}

/// `application/problem+json` with `type`, `title`, the right `status`, `detail` and a `code`.
fn is_problem(status: u16, content_type: &str, body: &str) -> bool {
    let Ok(problem) = serde_json::from_str::<Value>(body) else {
        return false;
    };
    content_type.starts_with("application/problem+json")
        && problem["status"] == status
        && problem["type"].is_string()
        && problem["title"].is_string()
        && problem["detail"].is_string()
        && problem["code"].is_string()
}

/// The answer's Content-Type, empty when it has none (or one that is not text).
fn content_type(response: &reqwest::Response) -> String {
    response
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned()
}

fn http_client() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(CLIENT_TIMEOUT)
        .pool_idle_timeout(common::server::CLIENT_POOL_IDLE_TIMEOUT)
        .pool_max_idle_per_host(256)
        .build()
        .unwrap()
}

/// Where the calls go: the frontend, auth-service and gmail-service of one system.
#[derive(Clone)]
struct Targets {
    frontend: String,
    auth: String,
    gmail: String,
}

impl Targets {
    fn of(stack: &Stack) -> Self {
        Self {
            frontend: stack.base.clone(),
            auth: stack.auth.clone(),
            gmail: stack.gmail.clone(),
        }
    }

    async fn send(&self, http: &reqwest::Client, call: Call, session: &Session) -> Outcome {
        let request = match call {
            Call::FrontendInbox => http
                .get(format!("{}/", self.frontend))
                .header("cookie", &session.cookie),
            Call::SessionToken => http
                .post(format!("{}/v1/session/token", self.auth))
                .header("cookie", &session.cookie),
            Call::UnreadPage => http
                .get(format!("{}/v1/messages/unread?limit=20", self.gmail))
                .bearer_auth(&session.jwt),
            Call::UnreadCount => http
                .get(format!("{}/v1/unread-count", self.gmail))
                .bearer_auth(&session.jwt),
            Call::OpenMessage => http
                .get(format!("{}/v1/messages/{}", self.gmail, session.message_id))
                .bearer_auth(&session.jwt),
            Call::Jwks => http.get(format!("{}/.well-known/jwks.json", self.auth)),
            Call::Stylesheet => http.get(format!("{}/static/style.css", self.frontend)),
            Call::OpenApi => http.get(format!("{}/openapi.json", self.gmail)),
            Call::Readiness => http.get(format!("{}/readyz", self.gmail)),
        };
        match request.send().await {
            Ok(response) => {
                let status = response.status().as_u16();
                let content_type = content_type(&response);
                match response.text().await {
                    Ok(body) => Outcome {
                        call,
                        status: Some(status),
                        content_type,
                        body,
                        error: None,
                    },
                    Err(e) => Outcome {
                        call,
                        status: Some(status),
                        content_type,
                        body: String::new(),
                        error: Some(e.to_string()),
                    },
                }
            }
            Err(e) => Outcome {
                call,
                status: None,
                content_type: String::new(),
                body: String::new(),
                error: Some(e.to_string()),
            },
        }
    }
}

/// A session JWT for a session cookie, from auth-service.
async fn session_jwt(http: &reqwest::Client, auth: &str, cookie: &str) -> reqwest::Response {
    http.post(format!("{auth}/v1/session/token"))
        .header("cookie", cookie)
        .send()
        .await
        .unwrap()
}

/// Logs `email` in through the frontend (browser-less) and returns its session.
async fn log_in(stack: &Stack, email: &str) -> Session {
    let mut browser = Browser::new();
    let (page, url) = browser
        .get(&format!("{}/oauth/login?login_hint={email}", stack.base))
        .await;
    assert_eq!(
        url,
        format!("{}/", stack.base),
        "login did not come back home"
    );
    assert_eq!(page.status(), 200);
    let cookie = browser.jar.header();
    let http = http_client();
    let answer: Value = session_jwt(&http, &stack.auth, &cookie)
        .await
        .json()
        .await
        .unwrap();
    let jwt = answer["access_token"].as_str().unwrap().to_owned();
    assert_eq!(answer["email"], email);
    // The newest unread message: what `OpenMessage` opens (alice and bob have unread mail).
    let page: Value = http
        .get(format!("{}/v1/messages/unread?limit=1", stack.gmail))
        .bearer_auth(&jwt)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let message_id = page["messages"][0]["id"].as_str().unwrap().to_owned();
    Session {
        email: email.to_owned(),
        cookie,
        jwt,
        message_id,
    }
}

/// Runs `calls` (each with its session) at `concurrency`; returns every outcome.
async fn run_load(
    targets: &Targets,
    calls: Vec<(Call, Session)>,
    concurrency: usize,
) -> Vec<Outcome> {
    let http = http_client();
    stream::iter(calls)
        .map(|(call, session)| {
            let http = http.clone();
            let targets = targets.clone();
            async move { targets.send(&http, call, &session).await }
        })
        .buffer_unordered(concurrency)
        .collect()
        .await
}

/// `status → count` per call kind, for failure messages.
fn tally(outcomes: &[Outcome]) -> BTreeMap<String, usize> {
    let mut counts = BTreeMap::new();
    for o in outcomes {
        let key = match (o.status, &o.error) {
            (Some(s), None) => format!("{:?} {s}", o.call),
            (_, Some(e)) => format!("{:?} error: {e}", o.call),
            (None, None) => format!("{:?} nothing", o.call),
        };
        *counts.entry(key).or_default() += 1;
    }
    counts
}

/// Keys of `pattern` under the Redis at `redis_url`.
async fn redis_keys(redis_url: &str, pattern: &str) -> Vec<String> {
    let client = redis::Client::open(redis_url).unwrap();
    let mut connection = client.get_multiplexed_async_connection().await.unwrap();
    let mut keys: Vec<String> = redis::cmd("KEYS")
        .arg(pattern)
        .query_async(&mut connection)
        .await
        .unwrap();
    keys.sort();
    keys
}

/// Every session still yields a JWT and every account's Google grant still reads Gmail,
/// without logging in again.
async fn assert_nothing_lost(stack: &Stack, sessions: &[Session]) {
    let http = http_client();
    let code_exchanges = stack.emulator.count("token.authorization_code");
    for session in sessions {
        let answer = session_jwt(&http, &stack.auth, &session.cookie).await;
        assert_eq!(answer.status(), 200, "session of {} lost", session.email);
        let jwt: Value = answer.json().await.unwrap();
        let page = http
            .get(format!("{}/v1/unread-count", stack.gmail))
            .bearer_auth(jwt["access_token"].as_str().unwrap())
            .send()
            .await
            .unwrap();
        assert_eq!(
            page.status(),
            200,
            "Google tokens of {} lost",
            session.email
        );
        let inbox = http
            .get(format!("{}/", stack.base))
            .header("cookie", &session.cookie)
            .send()
            .await
            .unwrap();
        assert_eq!(inbox.status(), 200, "inbox of {} lost", session.email);
    }
    assert_eq!(
        stack.emulator.count("token.authorization_code"),
        code_exchanges,
        "nobody logs in again"
    );
}

/// One more auth-service replica with `env`; its URL and a handle that kills it.
/// The whole stack with auth-service's rate limits off: this suite loads it far beyond them.
async fn unlimited_stack() -> Stack {
    spawn_stack_with(StackOptions {
        rate_limits: false,
        ..Default::default()
    })
    .await
}

/// auth-service's test options with the rate limits off.
fn unlimited_auth() -> auth_helpers::Options {
    auth_helpers::Options {
        env: [
            "RATE_LIMIT_LOGINS_PER_MINUTE",
            "RATE_LIMIT_SESSION_TOKENS_PER_MINUTE",
            "RATE_LIMIT_API_TOKENS_PER_MINUTE",
        ]
        .map(|name| (name, "0".to_owned()))
        .into(),
        ..Default::default()
    }
}

async fn start_auth_replica(env: &Env) -> (String, String, BoundServerHandle) {
    let env = env
        .clone()
        .with("LISTEN_ADDR", "127.0.0.1:0")
        .with("INTERNAL_LISTEN_ADDR", "127.0.0.1:0");
    let app = auth_service::startup::Application::build(
        auth_service::configuration::Settings::from_env(&env).unwrap(),
    )
    .await
    .unwrap();
    let url = format!("http://127.0.0.1:{}", app.port());
    let internal = format!("http://127.0.0.1:{}", app.internal_port().unwrap());
    let handle = app.handle();
    tokio::spawn(app.run_until_stopped());
    (url, internal, handle)
}

/// A gmail-service with `env` (its own key prefix in the tests' Redis); its URL.
async fn start_gmail_service(env: Env) -> String {
    let env = env
        .with("LISTEN_ADDR", "127.0.0.1:0")
        .with("REDIS_URL", testkit::redis_url())
        .with("REDIS_KEY_PREFIX", testkit::unique_prefix());
    let app = gmail_service::startup::Application::build(
        gmail_service::configuration::Settings::from_env(&env).unwrap(),
    )
    .await
    .unwrap();
    let url = format!("http://127.0.0.1:{}", app.port());
    tokio::spawn(app.run_until_stopped());
    url
}

/// An answer as JSON without `synced_at` (when the mirror last matched Gmail: the one field
/// two correct answers of the same mailbox may differ in).
fn mail_json(text: &str) -> Value {
    let mut value: Value = serde_json::from_str(text).unwrap();
    if let Some(object) = value.as_object_mut() {
        object.remove("synced_at");
    }
    value
}

/// Sum of a Prometheus counter over the series whose labels contain `labels`.
fn metric_sum(text: &str, name: &str, labels: &str) -> f64 {
    text.lines()
        .filter(|l| !l.starts_with('#'))
        .filter(|l| l.starts_with(&format!("{name}{{")) || l.starts_with(&format!("{name} ")))
        .filter(|l| l.contains(labels))
        .filter_map(|l| l.rsplit(' ').next()?.parse::<f64>().ok())
        .sum()
}

// ---------------------------------------------------------------------------------------------
// The suite.

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ten_thousand_mixed_requests_at_64_concurrency_lose_nothing() {
    let _turn = TURNS.read().await;
    let stack = unlimited_stack().await;
    let mut sessions = Vec::new();
    for email in ["alice@example.com", "bob@example.com", "alice@example.com"] {
        sessions.push(log_in(&stack, email).await);
    }
    let started = Instant::now();
    // 10,000 requests over the three services, round-robin over kinds and sessions.
    let calls: Vec<(Call, Session)> = (0..10_000)
        .map(|i| {
            (
                LOAD_MIX[i % LOAD_MIX.len()],
                sessions[i % sessions.len()].clone(),
            )
        })
        .collect();
    let outcomes = run_load(&Targets::of(&stack), calls, 64).await;

    assert_eq!(outcomes.len(), 10_000);
    let failed: Vec<&Outcome> = outcomes.iter().filter(|o| !o.ok()).collect();
    assert!(
        failed.is_empty(),
        "{} of 10,000 requests failed (no fault was injected, so none is deliberate): {:?}",
        failed.len(),
        tally(&outcomes)
    );
    assert!(!outcomes.iter().any(Outcome::server_error));
    eprintln!(
        "10,000 mixed requests at 64 concurrency: {:?}",
        started.elapsed()
    );
    assert_nothing_lost(&stack, &sessions).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn redis_restarted_mid_load_answers_503_then_heals_with_every_session_and_token() {
    let _turn = TURNS.read().await;
    let mut redis = testkit::RedisServer::start();
    let redis_url = redis.url();
    let stack = spawn_stack_with(StackOptions {
        redis_url: Some(redis_url.clone()),
        rate_limits: false,
        ..Default::default()
    })
    .await;
    let mut sessions = Vec::new();
    for email in ["alice@example.com", "bob@example.com", "alice@example.com"] {
        sessions.push(log_in(&stack, email).await);
    }
    let sessions_before = redis_keys(&redis_url, "*session:*").await;
    let tokens_before = redis_keys(&redis_url, "*account:*:tokens").await;
    assert_eq!(sessions_before.len(), 3);
    assert_eq!(tokens_before.len(), 2);

    // Mixed load in the background, bounded in count, until told to stop.
    let stop = Arc::new(AtomicBool::new(false));
    let load = {
        let (targets, sessions, stop) = (Targets::of(&stack), sessions.clone(), stop.clone());
        tokio::spawn(async move {
            let http = http_client();
            let mut outcomes = Vec::new();
            for round in 0..2_000 {
                if stop.load(Ordering::Relaxed) {
                    break;
                }
                let batch = ALL_CALLS.iter().enumerate().map(|(i, call)| {
                    let session = &sessions[(round + i) % sessions.len()];
                    let (http, targets) = (http.clone(), targets.clone());
                    async move {
                        let outcome = targets.send(&http, *call, session).await;
                        (Instant::now(), outcome)
                    }
                });
                outcomes.extend(futures_util::future::join_all(batch).await);
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
            outcomes
        })
    };

    tokio::time::sleep(Duration::from_millis(800)).await;
    let gap_started = Instant::now();
    let redis = tokio::task::spawn_blocking(move || {
        redis.stop();
        std::thread::sleep(Duration::from_millis(1_500));
        redis.resume();
        redis
    })
    .await
    .unwrap();
    let gap_ended = Instant::now();

    // Heals by itself: every kind of call answers 200 again within 15 s, nobody intervening.
    let targets = Targets::of(&stack);
    let http = http_client();
    let healed_after = loop {
        let mut all_ok = true;
        for call in ALL_CALLS {
            all_ok &= targets.send(&http, call, &sessions[0]).await.ok();
        }
        if all_ok {
            break gap_ended.elapsed();
        }
        assert!(
            gap_ended.elapsed() < Duration::from_secs(15),
            "the system did not recover from the Redis restart by itself"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    tokio::time::sleep(Duration::from_millis(500)).await;
    stop.store(true, Ordering::Relaxed);
    let (answered_at, outcomes): (Vec<Instant>, Vec<Outcome>) =
        load.await.unwrap().into_iter().unzip();

    let during_gap = answered_at
        .iter()
        .filter(|at| **at > gap_started && **at < gap_ended)
        .count();
    assert!(during_gap > 0, "no request was answered during the gap");
    assert!(
        outcomes.iter().any(|o| o.status == Some(503)),
        "the gap was not seen: no 503 at all"
    );
    eprintln!(
        "Redis gap of {:?}, healed {healed_after:?} after: {:?}",
        gap_ended - gap_started,
        tally(&outcomes)
    );
    let unclean: Vec<&Outcome> = outcomes
        .iter()
        .filter(|o| !(o.ok() || (o.status == Some(503) && o.clean_fault_answer())))
        .collect();
    assert!(
        unclean.is_empty(),
        "during the Redis gap every failure must be a clean 503 (healed after {healed_after:?}): {:?}; first: {:?}",
        tally(&outcomes),
        unclean.first()
    );

    assert_eq!(redis_keys(&redis_url, "*session:*").await, sessions_before);
    assert_eq!(
        redis_keys(&redis_url, "*account:*:tokens").await,
        tokens_before
    );
    assert_nothing_lost(&stack, &sessions).await;
    drop(redis);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn logins_in_flight_on_a_killed_auth_replica_complete_on_the_other() {
    let _turn = TURNS.read().await;
    // Two replicas, A and B, on one Redis and key prefix (plus the helper's own instance).
    let app = auth_helpers::spawn_app_with(unlimited_auth()).await;
    let (a, _, kill_a) = start_auth_replica(&app.env).await;
    let (b, _, _keep_b) = start_auth_replica(&app.env).await;

    // A session made on A, used by the load (B must serve it too).
    let mut regular = auth_helpers::Browser::at(&a);
    regular.login().await;
    let cookie = regular.jar.header();

    // 20 logins started on A and approved at Google; the browsers are on their way back.
    let mut in_flight = Vec::new();
    for _ in 0..20 {
        let mut browser = auth_helpers::Browser::at(&a);
        let callback = browser.authorize("/oauth/login").await;
        in_flight.push((browser, callback));
    }

    // Load: session → JWT through a client-side balancer (A first, B when A does not answer),
    // as a load balancer with a health check would route; bounded, until told to stop.
    let stop = Arc::new(AtomicBool::new(false));
    let load = {
        let (a, b, cookie, stop) = (a.clone(), b.clone(), cookie.clone(), stop.clone());
        tokio::spawn(async move {
            let http = http_client();
            let mut statuses = Vec::new();
            for _ in 0..5_000 {
                if stop.load(Ordering::Relaxed) {
                    break;
                }
                let batch = (0..8).map(|_| {
                    let (http, a, b, cookie) = (&http, &a, &b, &cookie);
                    async move {
                        match session_jwt_or_err(http, a, cookie).await {
                            Ok((200, _)) => ("A", 200, true),
                            // The replica being killed may still answer a clean 503 (its
                            // Redis connection went down with it): a balancer retries on B.
                            Ok((503, problem)) => {
                                assert!(problem, "A's 503 is not problem+json");
                                on_b(http, b, cookie).await
                            }
                            Ok((status, problem)) => ("A", status, problem),
                            Err(_) => on_b(http, b, cookie).await,
                        }
                    }
                });
                statuses.extend(futures_util::future::join_all(batch).await);
            }
            statuses
        })
    };

    tokio::time::sleep(Duration::from_millis(300)).await;
    kill_a.stop(false).await;
    assert!(
        reqwest::get(format!("{a}/healthz")).await.is_err(),
        "replica A still answers"
    );

    // Every login started on A finishes on B: state and PKCE verifier live in Redis.
    for (mut browser, callback) in in_flight {
        browser.base = b.clone();
        let done = browser.get(&callback.replacen(&a, &b, 1)).await;
        assert_eq!(done.status(), 302, "{:?}", done.text().await);
        assert_eq!(
            auth_helpers::location(&done),
            format!("{}/", auth_helpers::PUBLIC)
        );
        let jwt = browser.session_token().await;
        assert!(!jwt.is_empty());
    }

    tokio::time::sleep(Duration::from_millis(200)).await;
    stop.store(true, Ordering::Relaxed);
    let statuses = load.await.unwrap();
    eprintln!(
        "replica A killed: {} session → JWT calls, {} answered by B; 20 logins finished on B",
        statuses.len(),
        statuses
            .iter()
            .filter(|(replica, _, _)| *replica == "B")
            .count()
    );
    assert!(statuses.len() > 8);
    assert!(
        statuses.iter().all(|(_, status, _)| *status == 200),
        "session → JWT failed during the kill: {:?}",
        statuses
            .iter()
            .filter(|(_, status, _)| *status != 200)
            .collect::<Vec<_>>()
    );
    assert!(statuses.iter().any(|(replica, _, _)| *replica == "B"));
    // The session made on A lives on.
    let mut survivor = auth_helpers::Browser::at(&b);
    survivor.jar = regular.jar.clone();
    survivor.session_token().await;
}

/// `POST /v1/session/token` on `auth`: the status and whether the body is problem+json.
async fn session_jwt_or_err(
    http: &reqwest::Client,
    auth: &str,
    cookie: &str,
) -> Result<(u16, bool), reqwest::Error> {
    let response = http
        .post(format!("{auth}/v1/session/token"))
        .header("cookie", cookie)
        .send()
        .await?;
    let status = response.status().as_u16();
    let content_type = content_type(&response);
    let body = response.text().await?;
    Ok((status, is_problem(status, &content_type, &body)))
}

/// The same call on replica B; status 0 when B does not answer either.
async fn on_b(http: &reqwest::Client, b: &str, cookie: &str) -> (&'static str, u16, bool) {
    match session_jwt_or_err(http, b, cookie).await {
        Ok((status, problem)) => ("B", status, problem),
        Err(_) => ("B", 0, false),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn google_failing_a_fifth_of_calls_gets_correct_data_or_clean_problems_in_time() {
    let _turn = TURNS.read().await;
    let stack = unlimited_stack().await;
    let sessions = [
        log_in(&stack, "alice@example.com").await,
        log_in(&stack, "bob@example.com").await,
    ];
    // gmail-service with short Gmail timeouts (cold cache: its own key prefix).
    let timeout_ms = 1_000;
    let max_attempts = 3;
    let max_wait_ms = 2_000;
    let quota_wait_ms = 2_000;
    let gmail = start_gmail_service(
        stack
            .shared_env
            .clone()
            .with("AUTH_SERVICE_URL", stack.auth.clone())
            .with("AUTH_SERVICE_INTERNAL_URL", stack.auth_internal.clone())
            .with("GMAIL_API_BASE", stack.emulator.gmail_api_base())
            .with("GMAIL_TIMEOUT_MS", timeout_ms.to_string())
            .with("GMAIL_MAX_ATTEMPTS", max_attempts.to_string())
            .with("GMAIL_RETRY_BASE_MS", "100")
            .with("GMAIL_RETRY_MAX_WAIT_MS", max_wait_ms.to_string())
            .with("QUOTA_MAX_WAIT_MS", quota_wait_ms.to_string())
            // Every read meets Google (one history.list), faults and all.
            .with("SYNC_MAX_AGE_SECS", "0"),
    )
    .await;
    // The longest an answer may take: every attempt timing out, the longest wait between
    // attempts, the quota wait, and a second of slack for the rest of the request.
    let deadline = Duration::from_millis(
        max_attempts * timeout_ms + (max_attempts - 1) * max_wait_ms + quota_wait_ms + 1_000,
    );

    // The truth, read through the stack's own gmail-service before Google misbehaves.
    let http = http_client();
    let paths = |session: &Session| {
        vec![
            "/v1/messages/unread?limit=50".to_owned(),
            "/v1/messages/unread?limit=10".to_owned(),
            "/v1/unread-count".to_owned(),
            format!("/v1/messages/{}", session.message_id),
        ]
    };
    let mut truth = BTreeMap::new();
    for session in &sessions {
        for path in paths(session) {
            let answer = http
                .get(format!("{}{path}", stack.gmail))
                .bearer_auth(&session.jwt)
                .send()
                .await
                .unwrap();
            assert_eq!(answer.status(), 200);
            truth.insert((session.email.clone(), path), answer.text().await.unwrap());
        }
    }

    let faults = json!({
        "latency_ms": 0,
        "gmail": {"rate_limited": 0.05, "server_error": 0.05, "unavailable": 0.05, "slow": 0.05},
        "slow_ms": timeout_ms + 2_000,
    });
    stack.emulator.set_faults(faults).unwrap();

    let requests: Vec<(Session, String)> = (0..160)
        .map(|i| {
            let session = &sessions[i % 2];
            (session.clone(), paths(session)[(i / 2) % 4].clone())
        })
        .collect();
    let outcomes: Vec<(Session, String, u16, String, String, Duration)> = stream::iter(requests)
        .map(|(session, path)| {
            let (http, gmail) = (http.clone(), gmail.clone());
            async move {
                let started = Instant::now();
                let answer = http
                    .get(format!("{gmail}{path}"))
                    .bearer_auth(&session.jwt)
                    .send()
                    .await
                    .unwrap();
                let status = answer.status().as_u16();
                let content_type = content_type(&answer);
                let body = answer.text().await.unwrap();
                (session, path, status, content_type, body, started.elapsed())
            }
        })
        .buffer_unordered(16)
        .collect()
        .await;

    let mut by_status = BTreeMap::<u16, usize>::new();
    for (session, path, status, content_type, body, elapsed) in &outcomes {
        *by_status.entry(*status).or_default() += 1;
        assert!(
            *elapsed <= deadline,
            "{path} took {elapsed:?}, past the configured {deadline:?}"
        );
        if *status == 200 {
            let expected = mail_json(&truth[&(session.email.clone(), path.clone())]);
            let got = mail_json(body);
            assert_eq!(got, expected, "wrong data for {path} of {}", session.email);
        } else {
            assert!(
                [429, 502, 503].contains(status) && is_problem(*status, content_type, body),
                "{path}: {status} {content_type} {body}"
            );
            let problem: Value = serde_json::from_str(body).unwrap();
            assert!(
                [
                    "upstream_rate_limited",
                    "upstream_unavailable",
                    "upstream_error"
                ]
                .contains(&problem["code"].as_str().unwrap()),
                "{body}"
            );
        }
    }
    let slowest = outcomes.iter().map(|o| o.5).max().unwrap_or_default();
    eprintln!(
        "Google failing 20 %: answers {by_status:?}, slowest {slowest:?} (limit {deadline:?}), {} faults injected",
        stack.emulator.count("faults.injected")
    );
    assert!(
        by_status.get(&200).copied().unwrap_or(0) > outcomes.len() / 2,
        "retries should carry most requests through: {by_status:?}"
    );
    assert!(stack.emulator.count("faults.injected") > 0);

    let metrics = http
        .get(format!("{gmail}/metrics"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let rate_limited = metric_sum(
        &metrics,
        "gmail_api_calls_total",
        "outcome=\"rate_limited\"",
    );
    let timeouts = metric_sum(&metrics, "gmail_api_calls_total", "outcome=\"timeout\"");
    let retries = metric_sum(&metrics, "gmail_api_retries_total", "");
    assert!(
        rate_limited > 0.0 && timeouts > 0.0 && retries > 0.0,
        "backoff not visible in the metrics: rate_limited {rate_limited}, timeouts {timeouts}, retries {retries}"
    );

    // Google well again: the same service answers everything correctly.
    stack.emulator.set_faults(json!({})).unwrap();
    for session in &sessions {
        for path in paths(session) {
            let answer = http
                .get(format!("{gmail}{path}"))
                .bearer_auth(&session.jwt)
                .send()
                .await
                .unwrap();
            assert_eq!(answer.status(), 200);
            let got = mail_json(&answer.text().await.unwrap());
            let expected = mail_json(&truth[&(session.email.clone(), path)]);
            assert_eq!(got, expected);
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_hundred_requests_at_the_moment_a_token_expires_refresh_it_exactly_once() {
    let _alone = TURNS.write().await;
    // Google's tokens live 2 s and every Google answer takes 200 ms, so the refresh is still
    // running while the other requests arrive.
    let app = auth_helpers::spawn_app_with(auth_helpers::Options {
        env: unlimited_auth().env,
        emulator: Box::new(|c| {
            c.token_ttl = Duration::from_secs(2);
            c.faults.latency_ms = 200;
        }),
        ..Default::default()
    })
    .await;
    // Two auth-service replicas and four gmail-service replicas: gmail-service asks for an
    // account's token one at a time per process, so only several of them put auth-service's
    // cross-replica single flight to the test.
    let (second_auth, second_internal, _keep) = start_auth_replica(&app.env).await;
    let mut gmail = Vec::new();
    for (auth, internal) in [
        (&app.address, &app.internal),
        (&second_auth, &second_internal),
        (&app.address, &app.internal),
        (&second_auth, &second_internal),
    ] {
        gmail.push(
            start_gmail_service(
                Env::default()
                    .with(
                        "GMAIL_SERVICE_CREDENTIAL",
                        auth_helpers::GMAIL_SERVICE_CREDENTIAL,
                    )
                    .with("AUTH_SERVICE_URL", auth.clone())
                    .with("AUTH_SERVICE_INTERNAL_URL", internal.clone())
                    .with("GMAIL_API_BASE", app.emulator.gmail_api_base())
                    // Every count syncs, so every one of the storm needs the token.
                    .with("SYNC_MAX_AGE_SECS", "0")
                    // The first, full sync (one round of gets) ends well within the login
                    // token's 2 s.
                    .with("GMAIL_GET_CONCURRENCY", "100")
                    .with("GMAIL_MAX_CONCURRENT_PER_ACCOUNT", "100"),
            )
            .await,
        );
    }
    let mut browser = auth_helpers::Browser::new(&app);
    browser.login().await;
    let logged_in = Instant::now();
    let jwt = browser.session_token().await;
    let http = http_client();
    let count = |http: reqwest::Client, jwt: String, gmail: String| async move {
        let answer = http
            .get(format!("{gmail}/v1/unread-count"))
            .bearer_auth(jwt)
            .send()
            .await
            .unwrap();
        (answer.status().as_u16(), answer.text().await.unwrap())
    };
    let (status, first) = count(http.clone(), jwt.clone(), gmail[0].clone()).await;
    assert_eq!(status, 200, "{first}");
    assert_eq!(app.emulator.count("token.refresh_token"), 0);

    // Tokens issued from now on live an hour: the one refresh of the storm yields a token that
    // stays fresh however long the storm takes, so a second refresh is never legitimate.
    app.emulator.state.set_token_ttl(Duration::from_secs(3599));
    // The moment the login's token expires.
    tokio::time::sleep(Duration::from_millis(2_000).saturating_sub(logged_in.elapsed())).await;
    let storm_started = Instant::now();
    let answers = futures_util::future::join_all(
        (0..200).map(|i| count(http.clone(), jwt.clone(), gmail[i % gmail.len()].clone())),
    )
    .await;
    let storm_took = storm_started.elapsed();

    assert!(
        answers
            .iter()
            .all(|(status, body)| *status == 200 && mail_json(body) == mail_json(&first)),
        "{:?}",
        answers.iter().find(|(status, _)| *status != 200)
    );
    eprintln!("refresh storm of 200 requests: {storm_took:?}");
    assert_eq!(
        app.emulator.count("token.refresh_token"),
        1,
        "200 concurrent requests at expiry must cause exactly one refresh at Google"
    );
}
