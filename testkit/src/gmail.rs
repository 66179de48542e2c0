//! gmail-service alone: [`spawn_app`] starts it on port 0 with its own Redis key prefix, an
//! in-process Google emulator and the auth-service stand-in (public and internal URL, service
//! credential), with one helper per endpoint; [`spawn_service`] starts gmail-service alone with
//! the settings a test gives. gmail-service's tests, the fuzz stack and the gmail-service
//! benchmark start it from here.

use common::{config::Env, redis_store::RedisStore};
use gmail_service::{configuration::Settings, startup::Application};
use google_emulator::{EmulatorConfig, RunningEmulator};
use serde_json::Value;

pub use crate::stand_ins::{ALICE, AuthStandIn, BOB, CAROL, REDIRECT, serve_jwks};

/// gmail-service alone, with `env` on top of port 0, the test Redis and a fresh key prefix.
pub async fn spawn_service(env: Env) -> String {
    let env = Env::default()
        .with("LISTEN_ADDR", "127.0.0.1:0")
        .with("REDIS_URL", crate::redis_url())
        .with("REDIS_KEY_PREFIX", crate::unique_prefix())
        .with("GMAIL_RETRY_BASE_MS", "20")
        .with("GMAIL_RETRY_MAX_WAIT_MS", "1500")
        .merged(env);
    let app = Application::build(Settings::from_env(&env).unwrap())
        .await
        .unwrap();
    let address = format!("http://127.0.0.1:{}", app.port());
    tokio::spawn(app.run_until_stopped());
    address
}

/// `Env::merged`: later values win.
pub trait Merge {
    fn merged(self, other: Env) -> Env;
}

impl Merge for Env {
    fn merged(self, other: Env) -> Env {
        let mut env = self;
        for name in KNOWN_SETTINGS {
            if let Some(value) = other.get(name) {
                env = env.with(name, value);
            }
        }
        env
    }
}

const KNOWN_SETTINGS: &[&str] = &[
    "LISTEN_ADDR",
    "REDIS_URL",
    "REDIS_KEY_PREFIX",
    "AUTH_SERVICE_URL",
    "AUTH_SERVICE_INTERNAL_URL",
    "GMAIL_SERVICE_CREDENTIAL",
    "GOOGLE_CLIENT_ID",
    "INTERNAL_JWT_ISSUER",
    "AUTH_SERVICE_TIMEOUT_MS",
    "JWKS_REFETCH_SECS",
    "JWKS_READY_MAX_AGE_SECS",
    "GMAIL_API_BASE",
    "GMAIL_TIMEOUT_MS",
    "GMAIL_CONNECT_TIMEOUT_MS",
    "GMAIL_GET_CONCURRENCY",
    "GMAIL_MAX_ATTEMPTS",
    "GMAIL_RETRY_BASE_MS",
    "GMAIL_RETRY_MAX_WAIT_MS",
    "GMAIL_MAX_RESPONSE_BYTES",
    "QUOTA_UNITS_PER_MINUTE",
    "QUOTA_MAX_WAIT_MS",
    "MESSAGE_CACHE_TTL_SECS",
    "REQUEST_DEADLINE_MS",
];

pub struct TestApp {
    pub address: String,
    pub http: reqwest::Client,
    pub emulator: RunningEmulator,
    pub auth: AuthStandIn,
    /// gmail-service's Redis and key prefix.
    pub redis: RedisStore,
}

/// The whole stack with default settings.
pub async fn spawn_app() -> TestApp {
    spawn_app_with(Env::default(), |_| {}).await
}

/// The whole stack: `env` adjusts gmail-service, `adjust` the emulator.
pub async fn spawn_app_with(env: Env, adjust: impl FnOnce(&mut EmulatorConfig)) -> TestApp {
    let mut config = EmulatorConfig::for_tests(&[REDIRECT]);
    adjust(&mut config);
    let emulator = google_emulator::spawn(config).await.unwrap();
    let auth = AuthStandIn::start(&emulator.url);
    let env = auth
        .env()
        .with("REDIS_URL", crate::redis_url())
        .with("REDIS_KEY_PREFIX", crate::unique_prefix())
        .with(
            "GMAIL_API_BASE",
            format!("{}/gmail/v1/users/me", emulator.url),
        )
        .merged(env);
    let redis = RedisStore::connect(&env.redis().unwrap()).unwrap();
    let address = spawn_service(env).await;
    TestApp {
        address,
        http: reqwest::Client::new(),
        emulator,
        auth,
        redis,
    }
}

impl TestApp {
    pub async fn get(&self, path: &str) -> reqwest::Response {
        self.http
            .get(format!("{}{path}", self.address))
            .send()
            .await
            .unwrap()
    }

    pub async fn get_as(&self, jwt: &str, path: &str) -> reqwest::Response {
        self.http
            .get(format!("{}{path}", self.address))
            .bearer_auth(jwt)
            .send()
            .await
            .unwrap()
    }

    /// `GET path` as `account`, expecting 200 JSON.
    pub async fn json_as(&self, account: (&str, &str), path: &str) -> Value {
        let response = self.get_as(&self.auth.jwt(account), path).await;
        let status = response.status();
        let body = response.text().await.unwrap();
        assert_eq!(status, 200, "{path}: {body}");
        serde_json::from_str(&body).unwrap()
    }

    /// Every unread message of `account`, following `next_page_token`.
    pub async fn all_unread(&self, account: (&str, &str), limit: u32) -> Vec<Value> {
        let mut messages = Vec::new();
        let mut token: Option<String> = None;
        for _ in 0..100 {
            let mut path = format!("/v1/messages/unread?limit={limit}");
            if let Some(t) = &token {
                path.push_str(&format!("&page_token={t}"));
            }
            let page = self.json_as(account, &path).await;
            messages.extend(page["messages"].as_array().unwrap().iter().cloned());
            match page["next_page_token"].as_str() {
                Some(next) => token = Some(next.to_owned()),
                None => return messages,
            }
        }
        panic!("more than 100 pages");
    }

    pub async fn put_faults(&self, plan: Value) {
        self.emulator.set_faults(plan).unwrap();
    }

    pub async fn emulator_post(&self, path: &str) {
        let response = self
            .http
            .post(format!("{}{path}", self.emulator.url))
            .send()
            .await
            .unwrap();
        assert!(response.status().is_success(), "{path}");
    }

    /// The emulator's mailbox of the account with this address.
    pub fn mailbox(&self, email: &str) -> &google_emulator::mailbox::Mailbox {
        let index = self.emulator.state.accounts.find(email).unwrap();
        self.emulator.state.mailbox(index).unwrap()
    }
}

/// Asserts a problem+json answer with `status` and `code`; returns the body.
pub async fn assert_problem(response: reqwest::Response, status: u16, code: &str) -> Value {
    assert_eq!(response.status(), status);
    let content_type = response
        .headers()
        .get("content-type")
        .unwrap()
        .to_str()
        .unwrap()
        .to_owned();
    assert!(
        content_type.starts_with("application/problem+json"),
        "{content_type}"
    );
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["code"], code, "{body}");
    assert_eq!(body["status"], status);
    assert!(body["title"].is_string() && body["detail"].is_string());
    assert_eq!(body["type"], format!("urn:gmail-unread:problem:{code}"));
    body
}

/// Query-string encoding of a page token.
pub fn encode(value: &str) -> String {
    url::form_urlencoded::byte_serialize(value.as_bytes()).collect()
}
