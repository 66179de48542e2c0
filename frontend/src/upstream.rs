//! The frontend's only way to the other services: auth-service (session and API tokens, the
//! `/oauth/*` pass-through) and gmail-service (unread list, one message, unread count), through one
//! pooled HTTP client with a timeout. Their problem+json answers become [`UpstreamError`]s that the
//! pages explain to people.

use actix_web::{HttpRequest, HttpResponse, http::StatusCode, web::Bytes};
use serde::{Deserialize, de::DeserializeOwned};

use crate::configuration::Settings;

/// What went wrong behind a page.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum UpstreamError {
    #[error("not logged in")]
    NotLoggedIn,
    #[error("Google needs reconnecting")]
    ReauthRequired,
    #[error("Gmail rate limit")]
    RateLimited { retry_after: Option<u64> },
    #[error("{0} is unavailable")]
    Unavailable(&'static str),
    #[error("not found")]
    NotFound,
    #[error("refused as cross-site")]
    CrossSite,
    #[error("unexpected answer: {0}")]
    Unexpected(String),
}

#[derive(Deserialize)]
struct ProblemBody {
    #[serde(default)]
    code: String,
}

/// A sender or recipient.
#[derive(Clone, Debug, Deserialize)]
pub struct Address {
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub email: String,
}

/// One row of the unread list.
#[derive(Clone, Debug, Deserialize)]
pub struct MessageSummary {
    pub id: String,
    pub from: Address,
    #[serde(default)]
    pub subject: String,
    #[serde(default)]
    pub date: Option<String>,
    #[serde(default)]
    pub snippet: String,
}

/// A page of unread messages.
#[derive(Debug, Deserialize)]
pub struct UnreadPage {
    pub messages: Vec<MessageSummary>,
    pub next_page_token: Option<String>,
    #[serde(default)]
    pub result_size_estimate: u64,
}

/// An attachment's description.
#[derive(Clone, Debug, Deserialize)]
pub struct Attachment {
    #[serde(default)]
    pub filename: String,
    #[serde(default)]
    pub mime_type: String,
    #[serde(default)]
    pub size: u64,
}

/// One message with its readable text.
#[derive(Debug, Deserialize)]
pub struct Message {
    pub id: String,
    pub from: Address,
    #[serde(default)]
    pub subject: String,
    #[serde(default)]
    pub date: Option<String>,
    #[serde(default)]
    pub body_text: String,
    #[serde(default)]
    pub attachments: Vec<Attachment>,
}

#[derive(Deserialize)]
struct UnreadCount {
    unread: u64,
}

/// An internal JWT and who it is for.
#[derive(Debug, Deserialize)]
pub struct IssuedToken {
    pub access_token: String,
    #[serde(default)]
    pub email: String,
    #[serde(default)]
    pub expires_at: i64,
}

/// Request headers the `/oauth/*` pass-through forwards, and response headers it returns.
const FORWARDED_REQUEST_HEADERS: &[&str] = &[
    "cookie",
    "origin",
    "sec-fetch-site",
    "content-type",
    "user-agent",
];
const RETURNED_RESPONSE_HEADERS: &[&str] = &[
    "location",
    "set-cookie",
    "cache-control",
    "content-type",
    "retry-after",
];

/// Clients of auth-service and gmail-service.
pub struct Upstreams {
    http: reqwest::Client,
    auth: String,
    gmail: String,
}

fn retry_after(response: &reqwest::Response) -> Option<u64> {
    response
        .headers()
        .get("retry-after")?
        .to_str()
        .ok()?
        .trim()
        .parse()
        .ok()
}

async fn classify(response: reqwest::Response, service: &'static str) -> UpstreamError {
    let status = response.status();
    let retry = retry_after(&response);
    let code = response
        .json::<ProblemBody>()
        .await
        .map(|p| p.code)
        .unwrap_or_default();
    match (status.as_u16(), code.as_str()) {
        (401, "reauth_required") => UpstreamError::ReauthRequired,
        (401, _) => UpstreamError::NotLoggedIn,
        (403, "cross_site_request") => UpstreamError::CrossSite,
        (404, _) => UpstreamError::NotFound,
        (429, _) | (_, "upstream_rate_limited") => {
            UpstreamError::RateLimited { retry_after: retry }
        }
        (502..=504, "upstream_unavailable") => UpstreamError::Unavailable("Google"),
        (502..=504, _) => UpstreamError::Unavailable(service),
        (status, code) => UpstreamError::Unexpected(format!("{service} answered {status} {code}")),
    }
}

impl Upstreams {
    pub fn new(settings: &Settings) -> Result<Self, reqwest::Error> {
        Ok(Self {
            http: reqwest::Client::builder()
                .timeout(settings.upstream_timeout)
                .pool_idle_timeout(common::server::CLIENT_POOL_IDLE_TIMEOUT)
                .redirect(reqwest::redirect::Policy::none())
                .build()?,
            auth: settings.auth_service_url.clone(),
            gmail: settings.gmail_service_url.clone(),
        })
    }

    /// Base URLs, for readiness.
    pub fn bases(&self) -> (&str, &str, &reqwest::Client) {
        (&self.auth, &self.gmail, &self.http)
    }

    async fn json<T: DeserializeOwned>(
        &self,
        request: reqwest::RequestBuilder,
        service: &'static str,
    ) -> Result<T, UpstreamError> {
        let response = request
            .send()
            .await
            .map_err(|_| UpstreamError::Unavailable(service))?;
        if !response.status().is_success() {
            return Err(classify(response, service).await);
        }
        response
            .json()
            .await
            .map_err(|e| UpstreamError::Unexpected(format!("{service}: {e}")))
    }

    /// A session token for the browser's cookies.
    pub async fn session_token(&self, cookie: &str) -> Result<IssuedToken, UpstreamError> {
        if cookie.is_empty() {
            return Err(UpstreamError::NotLoggedIn);
        }
        let request = self
            .http
            .post(format!("{}/v1/session/token", self.auth))
            .header("cookie", cookie);
        self.json(request, "auth-service").await
    }

    /// An API token, forwarding the browser's origin headers so auth-service can refuse cross-site use.
    pub async fn api_token(&self, incoming: &HttpRequest) -> Result<IssuedToken, UpstreamError> {
        let mut request = self.http.post(format!("{}/v1/api-tokens", self.auth));
        for name in ["cookie", "origin", "sec-fetch-site"] {
            if let Some(value) = incoming.headers().get(name) {
                request = request.header(name, value.as_bytes());
            }
        }
        self.json(request, "auth-service").await
    }

    /// A page of unread messages.
    pub async fn unread(
        &self,
        jwt: &str,
        page_token: Option<&str>,
        limit: u32,
    ) -> Result<UnreadPage, UpstreamError> {
        let mut query = vec![("limit", limit.to_string())];
        if let Some(t) = page_token {
            query.push(("page_token", t.to_owned()));
        }
        let request = self
            .http
            .get(format!("{}/v1/messages/unread", self.gmail))
            .bearer_auth(jwt)
            .query(&query);
        self.json(request, "gmail-service").await
    }

    /// The unread count.
    pub async fn unread_count(&self, jwt: &str) -> Result<u64, UpstreamError> {
        let request = self
            .http
            .get(format!("{}/v1/unread-count", self.gmail))
            .bearer_auth(jwt);
        self.json::<UnreadCount>(request, "gmail-service")
            .await
            .map(|c| c.unread)
    }

    /// One message.
    pub async fn message(&self, jwt: &str, id: &str) -> Result<Message, UpstreamError> {
        let id: String = url::form_urlencoded::byte_serialize(id.as_bytes()).collect();
        let request = self
            .http
            .get(format!("{}/v1/messages/{id}", self.gmail))
            .bearer_auth(jwt);
        self.json(request, "gmail-service").await
    }

    /// Forwards an `/oauth/*` request to auth-service unchanged and returns its answer
    /// (redirects and cookies included). `None` when auth-service cannot be reached or fails.
    pub async fn forward_oauth(
        &self,
        incoming: &HttpRequest,
        body: Bytes,
    ) -> Result<HttpResponse, UpstreamError> {
        let mut url = format!("{}{}", self.auth, incoming.path());
        if !incoming.query_string().is_empty() {
            url.push('?');
            url.push_str(incoming.query_string());
        }
        let method = reqwest::Method::from_bytes(incoming.method().as_str().as_bytes())
            .map_err(|_| UpstreamError::Unexpected("method".into()))?;
        let mut request = self.http.request(method, url).body(body);
        for name in FORWARDED_REQUEST_HEADERS {
            for value in incoming.headers().get_all(*name) {
                request = request.header(*name, value.as_bytes());
            }
        }
        let response = request
            .send()
            .await
            .map_err(|_| UpstreamError::Unavailable("auth-service"))?;
        let status = response.status();
        let is_problem = response
            .headers()
            .get("content-type")
            .is_some_and(|v| v.as_bytes().starts_with(b"application/problem+json"));
        if status.is_server_error() || (is_problem && !status.is_redirection()) {
            return Err(classify(response, "auth-service").await);
        }
        let mut out = HttpResponse::build(
            StatusCode::from_u16(status.as_u16()).unwrap_or(StatusCode::BAD_GATEWAY),
        );
        for name in RETURNED_RESPONSE_HEADERS {
            for value in response.headers().get_all(*name) {
                out.append_header((*name, value.as_bytes()));
            }
        }
        let body = response
            .bytes()
            .await
            .map_err(|_| UpstreamError::Unavailable("auth-service"))?;
        Ok(out.body(body))
    }
}
