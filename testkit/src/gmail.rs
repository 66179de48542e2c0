//! gmail-service alone: [`spawn_app`] starts it on port 0 with its own Redis key prefix, an
//! in-process Google emulator and the auth-service stand-in (public and internal URL, service
//! credential), with one helper per endpoint; [`spawn_service`] starts gmail-service alone with
//! the settings a test gives. gmail-service's tests, the fuzz stack and the gmail-service
//! benchmark start it from here.
//!
//! Successful reads go through the typed client ([`TestApp::client`], the contract's types), so
//! a field renamed in gmail-service breaks these tests at compile time or at parse time; tests
//! that pin the wire itself (statuses, headers, raw JSON) use [`TestApp::get_as`].

use clients::GmailServiceClient;
use common::{config::Env, redis_store::RedisStore};
use contract::{
    gmail::{MessageDetail, MessageSummary, UnreadPage, UnreadQuery},
    problem::{PROBLEM_JSON, Problem, ProblemCode},
};
use gmail_service::{configuration::Settings, startup::Application};
use google_emulator::{EmulatorConfig, RunningEmulator};
use serde_json::Value;

pub use crate::stand_ins::{ALICE, AuthStandIn, BOB, CAROL, REDIRECT, serve_jwks};

/// gmail-service alone, with `env` on top of port 0, the test Redis and a fresh key prefix.
pub async fn spawn_service(env: Env) -> String {
    spawn_service_on(env, None).await
}

/// As [`spawn_service`], on `listener` when given (bound by the caller beforehand).
pub async fn spawn_service_on(env: Env, listener: Option<std::net::TcpListener>) -> String {
    let env = Env::default()
        .with("LISTEN_ADDR", "127.0.0.1:0")
        .with("REDIS_URL", crate::redis_url())
        .with("REDIS_KEY_PREFIX", crate::unique_prefix())
        .with("GMAIL_RETRY_BASE_MS", "20")
        .with("GMAIL_RETRY_MAX_WAIT_MS", "1500")
        .merged(env);
    let settings = Settings::from_env(&env).unwrap();
    let app = match listener {
        Some(listener) => Application::build_on(settings, listener).await,
        None => Application::build(settings).await,
    }
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
    "ATTACHMENT_MAX_BYTES",
    "QUOTA_UNITS_PER_MINUTE",
    "QUOTA_MAX_WAIT_MS",
    "GMAIL_MAX_CONCURRENT_PER_ACCOUNT",
    "MIRROR_TTL_SECS",
    "SYNC_MAX_AGE_SECS",
    "SYNC_MAX_MESSAGES",
    "WATCH_POLL_SECS",
    "EVENTS_MAX_STREAMS",
    "EVENTS_MAX_STREAMS_PER_ACCOUNT",
    "EVENTS_HEARTBEAT_SECS",
    "REQUEST_DEADLINE_MS",
    "GMAIL_PUSH_TOPIC",
    "GMAIL_PUSH_AUDIENCE",
    "GMAIL_PUSH_ISSUER",
    "GMAIL_PUSH_JWKS_URL",
    "GMAIL_PUSH_SERVICE_ACCOUNT",
    "GMAIL_WATCH_RENEW_SECS",
];

/// The Pub/Sub topic and push audience of [`spawn_app_with_push`].
pub const PUSH_TOPIC: &str = "projects/gmail-unread-tests/topics/gmail";
pub const PUSH_AUDIENCE: &str = "https://gmail-unread.test/v1/gmail/push";

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
    spawn_stack(env, adjust, None).await
}

/// The whole stack with Gmail push: the emulator's Pub/Sub delivers to gmail-service's
/// `/v1/gmail/push` (bound first, so the emulator knows where), signed by the emulator's keys,
/// which gmail-service trusts as Google's; `env` and `adjust` on top.
pub async fn spawn_app_with_push(env: Env, adjust: impl FnOnce(&mut EmulatorConfig)) -> TestApp {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let endpoint = format!(
        "http://127.0.0.1:{}/v1/gmail/push",
        listener.local_addr().unwrap().port()
    );
    let push_env = Env::default()
        .with("GMAIL_PUSH_TOPIC", PUSH_TOPIC)
        .with("GMAIL_PUSH_AUDIENCE", PUSH_AUDIENCE)
        .with(
            "GMAIL_PUSH_SERVICE_ACCOUNT",
            google_emulator::config::DEFAULT_PUSH_SERVICE_ACCOUNT,
        );
    spawn_stack(
        push_env.merged(env),
        move |config| {
            config.push.endpoint = Some(endpoint);
            config.push.audience = PUSH_AUDIENCE.to_owned();
            adjust(config);
        },
        Some(listener),
    )
    .await
}

async fn spawn_stack(
    env: Env,
    adjust: impl FnOnce(&mut EmulatorConfig),
    listener: Option<std::net::TcpListener>,
) -> TestApp {
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
        .with("GMAIL_PUSH_ISSUER", emulator.state.issuer.clone())
        .with(
            "GMAIL_PUSH_JWKS_URL",
            format!("{}/oauth2/v3/certs", emulator.url),
        )
        .merged(env);
    let redis =
        RedisStore::connect(&common::redis_store::RedisSettings::from_env(&env).unwrap()).unwrap();
    let address = spawn_service_on(env, listener).await;
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

    /// The typed client of this gmail-service.
    pub fn client(&self) -> GmailServiceClient {
        GmailServiceClient::new(self.http.clone(), &self.address)
    }

    /// A page of `account`'s unread messages, through the typed client; panics on an error.
    pub async fn unread(
        &self,
        account: (&str, &str),
        limit: Option<u32>,
        page_token: Option<&str>,
    ) -> UnreadPage {
        let query = UnreadQuery {
            limit,
            page_token: page_token.map(str::to_owned),
            positions: None,
        };
        self.client()
            .unread(&self.auth.jwt(account), &query)
            .await
            .unwrap_or_else(|e| panic!("unread page of {}: {e}", account.1))
    }

    /// `account`'s unread count, through the typed client; panics on an error.
    pub async fn count(&self, account: (&str, &str)) -> u64 {
        self.client()
            .unread_count(&self.auth.jwt(account))
            .await
            .unwrap_or_else(|e| panic!("unread count of {}: {e}", account.1))
            .unread
    }

    /// One of `account`'s messages, through the typed client; panics on an error.
    pub async fn message(&self, account: (&str, &str), id: &str) -> MessageDetail {
        self.client()
            .message(&self.auth.jwt(account), id)
            .await
            .unwrap_or_else(|e| panic!("message {id} of {}: {e}", account.1))
    }

    /// Every unread message of `account`, following `next_page_token`.
    pub async fn all_unread(&self, account: (&str, &str), limit: u32) -> Vec<MessageSummary> {
        let mut messages = Vec::new();
        let mut token: Option<String> = None;
        for _ in 0..100 {
            let page = self.unread(account, Some(limit), token.as_deref()).await;
            messages.extend(page.messages);
            match page.next_page_token {
                Some(next) => token = Some(next),
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

    /// Delivers `raw` (an RFC 5322 message) to `email`'s mailbox as new mail (`INBOX`,
    /// `UNREAD`), through the emulator's control; the new message's id.
    pub async fn deliver(&self, email: &str, raw: &str) -> String {
        let response = self
            .http
            .post(format!(
                "{}/emulator/accounts/{email}/messages",
                self.emulator.url
            ))
            .header("content-type", "message/rfc822")
            .body(raw.to_owned())
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 201, "delivery to {email}");
        let body: Value = response.json().await.unwrap();
        body["id"].as_str().unwrap().to_owned()
    }

    /// Changes the labels of message `id` of `email` as another mail client would (mark read:
    /// remove `UNREAD`; spam: add `SPAM`).
    pub async fn relabel(&self, email: &str, id: &str, add: &[&str], remove: &[&str]) {
        let response = self
            .http
            .post(format!(
                "{}/emulator/accounts/{email}/messages/{id}/labels",
                self.emulator.url
            ))
            .json(&serde_json::json!({"add": add, "remove": remove}))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 200, "labels of {id}");
    }

    /// The ids of `email`'s unread list as Gmail would list it now (unread, neither spam nor
    /// trash; newest first), from the emulator's current mailbox.
    pub fn listed_unread(&self, email: &str) -> Vec<String> {
        let index = self.emulator.state.accounts.find(email).unwrap();
        let mailbox = self.emulator.state.current_mailbox(index).unwrap();
        let mut listed: Vec<(i64, String)> = mailbox
            .messages()
            .iter()
            .filter(|m| m.is_unread() && !m.has_label("SPAM") && !m.has_label("TRASH"))
            .map(|m| (m.internal_date_ms, m.id.clone()))
            .collect();
        listed.sort_by(|a, b| b.cmp(a));
        listed.into_iter().map(|(_, id)| id).collect()
    }

    /// The emulator's mailbox of the account with this address.
    pub fn mailbox(&self, email: &str) -> &google_emulator::mailbox::Mailbox {
        let index = self.emulator.state.accounts.find(email).unwrap();
        self.emulator.state.mailbox(index).unwrap()
    }
}

/// Asserts a problem+json answer with `status` and `code` that reads as the contract's
/// [`Problem`]; returns the body as JSON (for checks of its text).
pub async fn assert_problem(response: reqwest::Response, status: u16, code: ProblemCode) -> Value {
    assert_eq!(response.status(), status);
    let content_type = response
        .headers()
        .get("content-type")
        .unwrap()
        .to_str()
        .unwrap()
        .to_owned();
    assert!(content_type.starts_with(PROBLEM_JSON), "{content_type}");
    let body: Value = response.json().await.unwrap();
    let problem: Problem = serde_json::from_value(body.clone())
        .unwrap_or_else(|e| panic!("not the contract's problem ({e}): {body}"));
    assert_eq!(problem.code, code, "{body}");
    assert_eq!(problem.status, status);
    assert!(
        !problem.title.is_empty() && !problem.detail.is_empty(),
        "{body}"
    );
    assert_eq!(
        problem.type_uri,
        format!("urn:gmail-unread:problem:{}", code.as_str())
    );
    body
}

/// Query-string encoding of a page token.
pub fn encode(value: &str) -> String {
    url::form_urlencoded::byte_serialize(value.as_bytes()).collect()
}
