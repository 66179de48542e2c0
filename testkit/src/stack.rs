//! The whole system in this process: the emulator, auth-service, gmail-service and the frontend
//! on free ports, one real Redis, one key prefix ([`spawn_stack`]); a person logs in with a
//! [`Browser`] ([`Stack::login`]). The frontend's tests, the browser suite and the
//! load-and-fault suite start it from here. (The same system as separate release processes, for
//! the benchmark: [`crate::processes`].)

use common::config::Env;
use google_emulator::{EmulatorConfig, RunningEmulator};

use crate::browser::Browser;

pub struct Stack {
    /// The frontend, as the browser sees it.
    pub base: String,
    /// auth-service's base URL (tests that call it directly).
    pub auth: String,
    /// auth-service's internal listener (gmail-service's way to Google tokens).
    pub auth_internal: String,
    pub gmail: String,
    /// The environment every service of this stack shares (Redis, key prefix, credential).
    pub shared_env: Env,
    pub emulator: RunningEmulator,
}

pub struct StackOptions {
    pub redis_url: Option<String>,
    /// Redis variables for every service instead of `REDIS_URL` (Sentinel, Cluster, TLS).
    pub redis_env: Option<Vec<(String, String)>>,
    pub auto_approve: bool,
    /// auth-service's rate limits as configured by default (`false`: off, for load tests).
    pub rate_limits: bool,
    /// Generated accounts at the emulator (`user<n>@example.com`), beside the demo ones.
    pub emulator_extra_accounts: usize,
    /// gmail-service's `SYNC_MAX_AGE_SECS`. 0 by default here: every page syncs the mirror
    /// first (one `history.list`), so a test that changes Google (faults, expired tokens)
    /// sees the change on the next page; the default deployment's 30 s is set by the tests
    /// of the fresh mirror.
    pub sync_max_age_secs: u64,
    /// More settings of the frontend (e.g. `IMAGE_PROXY_ALLOW_PRIVATE`).
    pub frontend_env: Vec<(&'static str, String)>,
    /// More settings of auth-service (e.g. `MAX_ACCOUNTS_PER_SESSION`).
    pub auth_env: Vec<(&'static str, String)>,
}

impl Default for StackOptions {
    fn default() -> Self {
        Self {
            redis_url: None,
            redis_env: None,
            auto_approve: true,
            rate_limits: true,
            emulator_extra_accounts: 0,
            sync_max_age_secs: 0,
            frontend_env: Vec::new(),
            auth_env: Vec::new(),
        }
    }
}

/// The gmail-service credential of every test stack.
pub const GMAIL_SERVICE_CREDENTIAL: &str = "stack-gmail-service-credential";

pub async fn spawn_stack() -> Stack {
    spawn_stack_with(StackOptions::default()).await
}

pub async fn spawn_stack_with(options: StackOptions) -> Stack {
    // Bound now: auth-service must know the frontend's address before the frontend starts.
    let frontend_listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let frontend_port = frontend_listener.local_addr().unwrap().port();
    let base = format!("http://127.0.0.1:{frontend_port}");
    let mut config = EmulatorConfig::for_tests(&[&format!("{base}/oauth/callback")]);
    config.auto_approve = options.auto_approve;
    config.extra_accounts = options.emulator_extra_accounts;
    let emulator = google_emulator::spawn(config).await.unwrap();
    let prefix = crate::unique_prefix();
    let mut shared = Env::default()
        .with("LISTEN_ADDR", "127.0.0.1:0")
        .with("REDIS_KEY_PREFIX", prefix)
        .with("GMAIL_SERVICE_CREDENTIAL", GMAIL_SERVICE_CREDENTIAL);
    match options.redis_env {
        Some(vars) => {
            for (name, value) in vars {
                shared = shared.with(&name, value);
            }
        }
        None => {
            let redis_url = options.redis_url.unwrap_or_else(crate::redis_url);
            shared = shared.with("REDIS_URL", redis_url);
        }
    }

    // The frontend is auth-service's one proxy: it reports the browser's address.
    let mut auth_env = emulator.google_env(
        shared
            .clone()
            .with("PUBLIC_BASE_URL", base.clone())
            .with("INTERNAL_LISTEN_ADDR", "127.0.0.1:0")
            .with("TRUSTED_PROXIES", "127.0.0.1/32"),
    );
    if !options.rate_limits {
        for limit in [
            "RATE_LIMIT_LOGINS_PER_MINUTE",
            "RATE_LIMIT_SESSION_TOKENS_PER_MINUTE",
            "RATE_LIMIT_API_TOKENS_PER_MINUTE",
        ] {
            auth_env = auth_env.with(limit, "0");
        }
    }
    for (name, value) in &options.auth_env {
        auth_env = auth_env.with(name, value.clone());
    }
    let auth_app = auth_service::startup::Application::build(
        auth_service::configuration::Settings::from_env(&auth_env).unwrap(),
    )
    .await
    .unwrap();
    let auth = format!("http://127.0.0.1:{}", auth_app.port());
    let auth_internal = format!("http://127.0.0.1:{}", auth_app.internal_port().unwrap());
    tokio::spawn(auth_app.run_until_stopped());

    let gmail_env = shared
        .clone()
        .with("AUTH_SERVICE_URL", auth.clone())
        .with("AUTH_SERVICE_INTERNAL_URL", auth_internal.clone())
        .with("GMAIL_API_BASE", emulator.gmail_api_base())
        .with("SYNC_MAX_AGE_SECS", options.sync_max_age_secs.to_string())
        // Open event streams see changes within a second, and closed ones are found as fast.
        .with("WATCH_POLL_SECS", "1")
        .with("EVENTS_HEARTBEAT_SECS", "1");
    let gmail_app = gmail_service::startup::Application::build(
        gmail_service::configuration::Settings::from_env(&gmail_env).unwrap(),
    )
    .await
    .unwrap();
    let gmail = format!("http://127.0.0.1:{}", gmail_app.port());
    tokio::spawn(gmail_app.run_until_stopped());

    let mut frontend_env = Env::default()
        .with("LISTEN_ADDR", format!("127.0.0.1:{frontend_port}"))
        .with("AUTH_SERVICE_URL", auth.clone())
        .with("GMAIL_SERVICE_URL", gmail.clone())
        .with("GMAIL_PUBLIC_URL", gmail.clone());
    for (name, value) in &options.frontend_env {
        frontend_env = frontend_env.with(name, value.clone());
    }
    let frontend_app = frontend::startup::Application::build_on(
        frontend::configuration::Settings::from_env(&frontend_env).unwrap(),
        frontend_listener,
    )
    .await
    .unwrap();
    tokio::spawn(frontend_app.run_until_stopped());
    Stack {
        base,
        auth,
        auth_internal,
        gmail,
        shared_env: shared,
        emulator,
    }
}

impl Stack {
    /// Delivers `raw` (an RFC 5322 message) to `email`'s mailbox at the emulator; the new
    /// message's id.
    pub async fn deliver(&self, email: &str, raw: &str) -> String {
        let response = reqwest::Client::new()
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
        let body: serde_json::Value = response.json().await.unwrap();
        body["id"].as_str().unwrap().to_owned()
    }

    /// `GET path` on the frontend with `browser`'s cookies, redirects not followed.
    pub async fn get_as(&self, browser: &Browser, path: &str) -> reqwest::Response {
        let url = format!("{}{path}", self.base);
        reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap()
            .get(&url)
            .header("cookie", browser.jar.header_for(&url))
            .send()
            .await
            .unwrap()
    }

    /// Adds the account `email` to `browser`'s session ("Add another account", auto-approve at
    /// the emulator choosing `email`); the page it ends on and its URL.
    pub async fn attach(&self, browser: &mut Browser, email: &str) -> (String, String) {
        let hint: String = url::form_urlencoded::byte_serialize(email.as_bytes()).collect();
        let (page, url) = browser
            .get(&format!(
                "{}/oauth/login?add=1&login_hint={hint}",
                self.base
            ))
            .await;
        assert_eq!(page.status(), 200, "attaching {email}");
        (page.text().await.unwrap(), url)
    }

    /// Connects (auto-approve at the emulator) and returns the inbox HTML.
    pub async fn login(&self, browser: &mut Browser) -> String {
        let (page, url) = browser.get(&format!("{}/oauth/login", self.base)).await;
        assert_eq!(
            url,
            format!("{}/", self.base),
            "login did not come back home"
        );
        assert_eq!(page.status(), 200);
        page.text().await.unwrap()
    }
}
