//! `spawn_app()` and one helper per endpoint.

use std::collections::HashMap;

use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use google_emulator::{EmulatorConfig, RunningEmulator};
use serde_json::Value;
use sha2::{Digest, Sha256};

/// The redirect URI the test client registers; nothing listens there, redirects are not followed.
pub const REDIRECT: &str = "http://127.0.0.1:9/oauth/callback";
pub const CLIENT_ID: &str = "demo-client.apps.googleusercontent.com";
pub const CLIENT_SECRET: &str = "demo-secret";
pub const GMAIL_SCOPE: &str = "https://www.googleapis.com/auth/gmail.readonly";
pub const SCOPES: &str = "openid email https://www.googleapis.com/auth/gmail.readonly";

pub struct TestApp {
    pub emulator: RunningEmulator,
    /// Never follows redirects: tests read `Location`.
    pub http: reqwest::Client,
}

pub struct Tokens {
    pub access_token: String,
    pub refresh_token: Option<String>,
    pub body: Value,
}

pub async fn spawn_app() -> TestApp {
    spawn_app_with(|_| {}).await
}

pub async fn spawn_app_with(adjust: impl FnOnce(&mut EmulatorConfig)) -> TestApp {
    let mut config = EmulatorConfig::for_tests(&[REDIRECT]);
    adjust(&mut config);
    let emulator = google_emulator::spawn(config).await.unwrap();
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    TestApp { emulator, http }
}

/// A fresh S256 PKCE pair.
pub fn pkce() -> (String, String) {
    let verifier =
        URL_SAFE_NO_PAD.encode(uuid::Uuid::new_v4().as_bytes()) + "-0123456789abcdefghijk";
    let challenge = URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()));
    (verifier, challenge)
}

/// The query parameters of a `Location` header, in order.
pub fn location_params(response: &reqwest::Response) -> Vec<(String, String)> {
    let location = response
        .headers()
        .get("location")
        .expect("no Location")
        .to_str()
        .unwrap();
    url::Url::parse(location)
        .unwrap()
        .query_pairs()
        .into_owned()
        .collect()
}

pub fn as_map(pairs: &[(String, String)]) -> HashMap<String, String> {
    pairs.iter().cloned().collect()
}

impl TestApp {
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.emulator.url)
    }

    /// The standard authorization parameters with an S256 challenge.
    pub fn auth_params(challenge: &str) -> Vec<(&'static str, String)> {
        vec![
            ("client_id", CLIENT_ID.into()),
            ("redirect_uri", REDIRECT.into()),
            ("response_type", "code".into()),
            ("scope", SCOPES.into()),
            ("state", "st-123".into()),
            ("code_challenge", challenge.into()),
            ("code_challenge_method", "S256".into()),
            ("access_type", "offline".into()),
        ]
    }

    pub async fn authorize(&self, params: &[(&str, String)]) -> reqwest::Response {
        self.http
            .get(self.url("/o/oauth2/v2/auth"))
            .query(params)
            .send()
            .await
            .unwrap()
    }

    /// Authorizes (auto-approve) and returns the code.
    pub async fn code_for(&self, params: &[(&str, String)]) -> String {
        let response = self.authorize(params).await;
        assert_eq!(response.status(), 302, "{}", response.text().await.unwrap());
        as_map(&location_params(&response))["code"].clone()
    }

    pub async fn exchange(
        &self,
        code: &str,
        verifier: Option<&str>,
        redirect: &str,
    ) -> reqwest::Response {
        let mut form = vec![
            ("grant_type", "authorization_code"),
            ("code", code),
            ("redirect_uri", redirect),
            ("client_id", CLIENT_ID),
            ("client_secret", CLIENT_SECRET),
        ];
        if let Some(v) = verifier {
            form.push(("code_verifier", v));
        }
        self.http
            .post(self.url("/token"))
            .form(&form)
            .send()
            .await
            .unwrap()
    }

    pub async fn refresh(&self, refresh_token: &str) -> reqwest::Response {
        self.http
            .post(self.url("/token"))
            .form(&[
                ("grant_type", "refresh_token"),
                ("refresh_token", refresh_token),
                ("client_id", CLIENT_ID),
                ("client_secret", CLIENT_SECRET),
            ])
            .send()
            .await
            .unwrap()
    }

    /// A whole login with the given extra/overridden authorization parameters.
    pub async fn login_with(&self, extra: &[(&'static str, &str)]) -> Tokens {
        let (verifier, challenge) = pkce();
        let mut params = Self::auth_params(&challenge);
        for (k, v) in extra {
            params.retain(|(name, _)| name != k);
            params.push((k, (*v).to_owned()));
        }
        let code = self.code_for(&params).await;
        let response = self.exchange(&code, Some(&verifier), REDIRECT).await;
        assert_eq!(response.status(), 200);
        let body: Value = response.json().await.unwrap();
        Tokens {
            access_token: body["access_token"].as_str().unwrap().to_owned(),
            refresh_token: body["refresh_token"].as_str().map(str::to_owned),
            body,
        }
    }

    pub async fn login(&self) -> Tokens {
        self.login_with(&[]).await
    }

    /// `GET /gmail/v1/users/me/<path>` with a bearer token.
    pub async fn gmail(&self, token: &str, path: &str) -> reqwest::Response {
        self.http
            .get(self.url(&format!("/gmail/v1/users/me/{path}")))
            .bearer_auth(token)
            .send()
            .await
            .unwrap()
    }

    pub async fn gmail_json(&self, token: &str, path: &str) -> Value {
        let response = self.gmail(token, path).await;
        assert_eq!(response.status(), 200, "{path}");
        response.json().await.unwrap()
    }

    /// `GET path` on the emulator, answered 200 with JSON.
    pub async fn get_json(&self, path: &str) -> Value {
        let response = self.http.get(self.url(path)).send().await.unwrap();
        assert_eq!(response.status(), 200, "{path}");
        response.json().await.unwrap()
    }

    /// `POST /emulator/accounts/{email}/messages{query}` with `body`.
    pub async fn deliver(
        &self,
        email: &str,
        query: &str,
        content_type: &str,
        body: impl Into<reqwest::Body>,
    ) -> reqwest::Response {
        self.http
            .post(self.url(&format!("/emulator/accounts/{email}/messages{query}")))
            .header("content-type", content_type)
            .body(body)
            .send()
            .await
            .unwrap()
    }

    /// Delivers a small plain-text message with `subject` and `?labels=` (`""`: the default),
    /// returning its `(id, historyId)`.
    pub async fn deliver_mail(&self, email: &str, subject: &str, labels: &str) -> (String, u64) {
        let query = if labels.is_empty() {
            String::new()
        } else {
            format!("?labels={labels}")
        };
        let raw = format!(
            "From: Dora <dora@example.org>\r\nTo: <{email}>\r\nDate: Tue, 01 Dec 2026 09:00:00 +0000\r\nSubject: {subject}\r\nContent-Type: text/plain; charset=UTF-8\r\n\r\nHello.\r\n"
        );
        let response = self.deliver(email, &query, "message/rfc822", raw).await;
        assert_eq!(response.status(), 201);
        let body: Value = response.json().await.unwrap();
        (
            body["id"].as_str().unwrap().to_owned(),
            body["historyId"].as_str().unwrap().parse().unwrap(),
        )
    }

    /// `POST /emulator/accounts/{email}/messages/{id}/labels` with `change`.
    pub async fn relabel(&self, email: &str, id: &str, change: Value) -> reqwest::Response {
        self.http
            .post(self.url(&format!("/emulator/accounts/{email}/messages/{id}/labels")))
            .json(&change)
            .send()
            .await
            .unwrap()
    }

    /// `POST` of a control with an optional JSON body.
    pub async fn control_post(&self, path: &str, body: Option<Value>) -> reqwest::Response {
        let request = self.http.post(self.url(path));
        let request = match body {
            Some(body) => request.json(&body),
            None => request,
        };
        request.send().await.unwrap()
    }

    /// `POST /gmail/v1/users/me/<path>` with a bearer token and a JSON body.
    pub async fn gmail_post(&self, token: &str, path: &str, body: Value) -> reqwest::Response {
        self.http
            .post(self.url(&format!("/gmail/v1/users/me/{path}")))
            .bearer_auth(token)
            .json(&body)
            .send()
            .await
            .unwrap()
    }

    /// The current history id of the token's account, from `users.getProfile`.
    pub async fn profile_history_id(&self, token: &str) -> u64 {
        self.gmail_json(token, "profile").await["historyId"]
            .as_str()
            .unwrap()
            .parse()
            .unwrap()
    }

    pub async fn put_faults(&self, plan: Value) -> reqwest::Response {
        self.http
            .put(self.url("/emulator/faults"))
            .json(&plan)
            .send()
            .await
            .unwrap()
    }
}

/// Asserts Google's error envelope and returns `error.errors[0].reason`.
pub async fn google_error(response: reqwest::Response, status: u16) -> (String, Value) {
    assert_eq!(response.status(), status);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["error"]["code"], status);
    assert!(body["error"]["message"].is_string());
    assert!(body["error"]["status"].is_string());
    (
        body["error"]["errors"][0]["reason"]
            .as_str()
            .unwrap()
            .to_owned(),
        body,
    )
}

/// Asserts an OAuth error body and returns `error`.
pub async fn oauth_error(response: reqwest::Response, status: u16) -> (String, String) {
    assert_eq!(response.status(), status);
    let body: Value = response.json().await.unwrap();
    (
        body["error"].as_str().unwrap().to_owned(),
        body["error_description"].as_str().unwrap_or("").to_owned(),
    )
}

/// Polls `probe` every 10 ms until it gives a value, failing after `within`.
pub async fn eventually<T>(
    within: std::time::Duration,
    what: &str,
    mut probe: impl FnMut() -> Option<T>,
) -> T {
    let deadline = std::time::Instant::now() + within;
    loop {
        if let Some(value) = probe() {
            return value;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "timed out waiting for {what}"
        );
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
}
