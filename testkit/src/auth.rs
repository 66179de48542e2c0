//! auth-service alone: [`spawn_app`] starts it on port 0 against an in-process emulator and a
//! real Redis, with its own key prefix (auth-service's tests, and the load-and-fault suite's
//! replicas); [`Browser`] is a browser that stops at every redirect, so a test can read each
//! `Location` of the login dance (its cookies are a [`CookieJar`]).

use auth_service::{configuration::Settings, startup::Application};
use clients::AuthClient;
use common::config::Env;
use contract::auth::{GoogleAccessTokenAnswer, GoogleAccessTokenRequest, IssuedToken};
use google_emulator::{EmulatorConfig, RunningEmulator};
use redis::AsyncCommands;

use crate::browser::CookieJar;

pub const PUBLIC: &str = "http://localhost:5000";
pub const REDIRECT: &str = "http://localhost:5000/oauth/callback";
pub const ALICE_SUB: &str = "104216548201937465021";
/// The gmail-service credential the test apps are configured with.
pub const GMAIL_SERVICE_CREDENTIAL: &str = "test-gmail-service-credential";

pub struct TestApp {
    pub address: String,
    /// The internal listener (`/internal/*`).
    pub internal: String,
    pub emulator: RunningEmulator,
    pub redis_url: String,
    pub prefix: String,
    pub http: reqwest::Client,
    pub env: Env,
}

pub struct Options {
    pub emulator: Box<dyn FnOnce(&mut EmulatorConfig)>,
    pub env: Vec<(&'static str, String)>,
    pub redis_url: Option<String>,
}

impl Default for Options {
    fn default() -> Self {
        Self {
            emulator: Box::new(|_| {}),
            env: Vec::new(),
            redis_url: None,
        }
    }
}

pub async fn spawn_app() -> TestApp {
    spawn_app_with(Options::default()).await
}

pub fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

pub async fn spawn_app_with(options: Options) -> TestApp {
    let mut config = EmulatorConfig::for_tests(&[REDIRECT]);
    (options.emulator)(&mut config);
    let emulator = google_emulator::spawn(config).await.unwrap();
    let redis_url = options.redis_url.unwrap_or_else(crate::redis_url);
    let prefix = crate::unique_prefix();
    let mut env = emulator.google_env(
        Env::default()
            .with("REDIS_URL", redis_url.clone())
            .with("REDIS_KEY_PREFIX", prefix.clone())
            .with("GMAIL_SERVICE_CREDENTIAL", GMAIL_SERVICE_CREDENTIAL),
    );
    for (k, v) in options.env {
        env = env.with(k, v);
    }
    let (address, internal) = start_instance_with_internal(&env).await;
    TestApp {
        address,
        internal,
        emulator,
        redis_url,
        prefix,
        http: client(),
        env,
    }
}

/// Starts one more auth-service process-equivalent with `env`; returns the base URLs of its
/// public and its internal listener.
pub async fn start_instance_with_internal(env: &Env) -> (String, String) {
    let env = env
        .clone()
        .with("LISTEN_ADDR", "127.0.0.1:0")
        .with("INTERNAL_LISTEN_ADDR", "127.0.0.1:0");
    let app = Application::build(Settings::from_env(&env).unwrap())
        .await
        .unwrap();
    let address = format!("http://127.0.0.1:{}", app.port());
    let internal = format!("http://127.0.0.1:{}", app.internal_port().unwrap());
    tokio::spawn(app.run_until_stopped());
    (address, internal)
}

impl TestApp {
    pub async fn get(&self, path: &str) -> reqwest::Response {
        self.http
            .get(format!("{}{path}", self.address))
            .send()
            .await
            .unwrap()
    }

    /// The Prometheus text of `/metrics`.
    pub async fn metrics(&self) -> String {
        self.get("/metrics").await.text().await.unwrap()
    }

    /// A logged-in browser, its session JWT and the Google access token first handed out.
    pub async fn logged_in(&self) -> (Browser, String, String) {
        let mut browser = Browser::new(self);
        browser.login().await;
        let jwt = browser.session_token().await;
        let access = self.google_access(&jwt, None).await.access_token;
        (browser, jwt, access)
    }

    /// The typed client of the internal listener, as gmail-service uses it.
    pub fn internal_client(&self) -> AuthClient {
        AuthClient::new(self.http.clone(), &self.internal)
    }

    /// The Google access token for `jwt`'s account, through the typed client (as
    /// gmail-service asks for it); panics on an error.
    pub async fn google_access(
        &self,
        jwt: &str,
        rejected_sha256: Option<&str>,
    ) -> GoogleAccessTokenAnswer {
        let request = GoogleAccessTokenRequest {
            rejected_access_token_sha256: rejected_sha256.map(str::to_owned),
        };
        self.internal_client()
            .google_access_token(GMAIL_SERVICE_CREDENTIAL, jwt, &request)
            .await
            .unwrap_or_else(|e| panic!("google access token: {e}"))
    }

    pub async fn redis(&self) -> redis::aio::MultiplexedConnection {
        redis::Client::open(self.redis_url.as_str())
            .unwrap()
            .get_multiplexed_async_connection()
            .await
            .unwrap()
    }

    /// Every key this app wrote, with its value (strings only).
    pub async fn dump(&self) -> Vec<(String, String)> {
        let mut c = self.redis().await;
        let keys: Vec<String> = c.keys(format!("{}*", self.prefix)).await.unwrap();
        let mut out = Vec::new();
        for k in keys {
            if let Ok(v) = c.get::<_, String>(&k).await {
                out.push((k, v));
            }
        }
        out
    }

    pub async fn session_count(&self) -> usize {
        self.dump()
            .await
            .iter()
            .filter(|(k, _)| k.starts_with(&format!("{}session:", self.prefix)))
            .count()
    }

    /// `POST /internal/google-access-token` as gmail-service makes it (with its credential).
    pub async fn google_token(
        &self,
        jwt: &str,
        rejected_sha256: Option<&str>,
    ) -> reqwest::Response {
        let mut request = self
            .http
            .post(format!("{}/internal/google-access-token", self.internal))
            .header("x-service-credential", GMAIL_SERVICE_CREDENTIAL)
            .bearer_auth(jwt);
        if let Some(hash) = rejected_sha256 {
            request = request.json(&serde_json::json!({ "rejected_access_token_sha256": hash }));
        }
        request.send().await.unwrap()
    }

    /// The person revokes the app in their Google account (at the emulator).
    pub async fn revoke_at_google(&self, email: &str) {
        let response = self
            .http
            .post(format!(
                "{}/emulator/accounts/{email}/revoke",
                self.emulator.url
            ))
            .send()
            .await
            .unwrap();
        assert!(response.status().is_success());
    }

    pub async fn gmail_profile(&self, access_token: &str) -> reqwest::Response {
        self.http
            .get(format!("{}/gmail/v1/users/me/profile", self.emulator.url))
            .bearer_auth(access_token)
            .send()
            .await
            .unwrap()
    }
}

/// A browser: a cookie jar, redirects followed by hand.
pub struct Browser {
    pub base: String,
    pub jar: CookieJar,
    pub http: reqwest::Client,
    /// Headers sent with every request to `base` (e.g. `X-Forwarded-For` as a proxy adds it).
    pub headers: Vec<(&'static str, String)>,
}

pub fn location(response: &reqwest::Response) -> String {
    response
        .headers()
        .get("location")
        .map(|v| v.to_str().unwrap().to_owned())
        .unwrap_or_default()
}

impl Browser {
    pub fn new(app: &TestApp) -> Self {
        Self::at(&app.address)
    }

    pub fn at(base: &str) -> Self {
        Self {
            base: base.to_owned(),
            jar: CookieJar::default(),
            http: client(),
            headers: Vec::new(),
        }
    }

    /// This browser behind a proxy that reports it as `address`.
    pub fn behind_proxy_as(mut self, address: &str) -> Self {
        self.headers.push(("x-forwarded-for", address.to_owned()));
        self
    }

    /// GET an absolute URL or a path on this browser's base.
    pub async fn get(&mut self, url: &str) -> reqwest::Response {
        let url = if url.starts_with("http") {
            url.to_owned()
        } else {
            format!("{}{url}", self.base)
        };
        let mut request = self
            .http
            .get(&url)
            .header("cookie", self.jar.header_for(&url));
        if url.starts_with(&self.base) {
            for (k, v) in &self.headers {
                request = request.header(*k, v);
            }
        }
        let response = request.send().await.unwrap();
        self.jar.keep(&response);
        response
    }

    pub async fn post(&mut self, path: &str, headers: &[(&str, &str)]) -> reqwest::Response {
        let url = format!("{}{path}", self.base);
        let mut request = self
            .http
            .post(&url)
            .header("cookie", self.jar.header_for(&url));
        for (k, v) in &self.headers {
            request = request.header(*k, v);
        }
        for (k, v) in headers {
            request = request.header(*k, *v);
        }
        let response = request.send().await.unwrap();
        self.jar.keep(&response);
        response
    }

    /// `/oauth/login` → the emulator (auto-approve) → returns the callback URL on our base.
    pub async fn authorize(&mut self, login_path: &str) -> String {
        let start = self.get(login_path).await;
        assert_eq!(start.status(), 302, "{:?}", start.text().await);
        let at_google = self.get(&location(&start)).await;
        assert_eq!(at_google.status(), 302);
        let back = location(&at_google);
        assert!(back.starts_with(REDIRECT), "{back}");
        back.replacen(PUBLIC, &self.base, 1)
    }

    /// A whole login; returns the final redirect.
    pub async fn login(&mut self) -> reqwest::Response {
        let callback = self.authorize("/oauth/login").await;
        let mut done = self.get(&callback).await;
        // A login that needed consent again goes round once more.
        if done.status() == 302 && !location(&done).starts_with(PUBLIC) {
            let at_google = self.get(&location(&done)).await;
            let back = location(&at_google).replacen(PUBLIC, &self.base, 1);
            done = self.get(&back).await;
        }
        done
    }

    pub async fn session_token(&mut self) -> String {
        let response = self.post("/v1/session/token", &[]).await;
        assert_eq!(response.status(), 200);
        let issued: IssuedToken = response.json().await.unwrap();
        issued.access_token
    }
}

/// The `login_error` reason of a failed callback's redirect.
pub fn login_error(response: &reqwest::Response) -> String {
    assert_eq!(response.status(), 303, "expected a failure redirect");
    let location = location(response);
    let url = url::Url::parse(&location).unwrap();
    assert_eq!(url.origin().ascii_serialization(), PUBLIC);
    url.query_pairs()
        .find(|(k, _)| k == "login_error")
        .map(|(_, v)| v.into_owned())
        .unwrap()
}

pub fn sha256_hex(value: &str) -> String {
    use sha2::Digest;
    sha2::Sha256::digest(value.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}
