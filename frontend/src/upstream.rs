//! The frontend's only way to the other services: auth-service (session and API tokens, the
//! three forwarded `/oauth/` routes) and gmail-service (unread list, one message, unread count),
//! through one pooled HTTP client with a timeout. Their problem+json answers become
//! [`UpstreamError`]s that the pages explain to people.
//!
//! Every call to auth-service carries `X-Forwarded-For: <client address>` (never what the
//! browser sent; see [`common::client_address`]), so its rate limits count the person's
//! connection, not the frontend.

use std::net::IpAddr;

use actix_web::{HttpRequest, HttpResponse, http::StatusCode, web::Bytes};
use common::client_address::{TrustedProxies, client_address};
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
    /// auth-service's own limit (`429 rate_limited`): too many logins or token requests from
    /// this connection.
    #[error("too many attempts from this connection")]
    TooManyAttempts { retry_after: Option<u64> },
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

/// The browser routes under `/oauth/` that reach auth-service, each at a fixed upstream path.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OauthRoute {
    /// `GET /oauth/login`, with only `next` and `login_hint` of its query.
    Login,
    /// `GET /oauth/callback`, with all of its query (Google's answer).
    Callback,
    /// `POST /oauth/logout`, with no query.
    Logout,
}

impl OauthRoute {
    fn method(self) -> reqwest::Method {
        match self {
            Self::Login | Self::Callback => reqwest::Method::GET,
            Self::Logout => reqwest::Method::POST,
        }
    }

    fn path(self) -> &'static str {
        match self {
            Self::Login => "/oauth/login",
            Self::Callback => "/oauth/callback",
            Self::Logout => "/oauth/logout",
        }
    }

    /// The query string passed on.
    fn query(self, incoming: &str) -> String {
        match self {
            Self::Login => url::form_urlencoded::Serializer::new(String::new())
                .extend_pairs(
                    url::form_urlencoded::parse(incoming.as_bytes())
                        .filter(|(name, _)| name == "next" || name == "login_hint"),
                )
                .finish(),
            Self::Callback => incoming.to_owned(),
            Self::Logout => String::new(),
        }
    }
}

/// Request headers the `/oauth/` routes forward, and response headers they return.
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
    trusted_proxies: TrustedProxies,
}

/// The header naming the client to auth-service.
const X_FORWARDED_FOR: &str = "x-forwarded-for";

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
        (429, "rate_limited") if service == "auth-service" => {
            UpstreamError::TooManyAttempts { retry_after: retry }
        }
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
            trusted_proxies: settings.trusted_proxies.clone(),
        })
    }

    /// The address of the person behind `incoming` (the TCP peer, or what trusted proxies say).
    pub fn client_address(&self, incoming: &HttpRequest) -> IpAddr {
        client_address(incoming, &self.trusted_proxies)
    }

    /// A request to auth-service naming the client, with the browser's `names` headers.
    fn to_auth(
        &self,
        method: reqwest::Method,
        url: String,
        incoming: &HttpRequest,
        names: &[&str],
    ) -> reqwest::RequestBuilder {
        let mut request = self
            .http
            .request(method, url)
            .header(X_FORWARDED_FOR, self.client_address(incoming).to_string());
        for name in names {
            for value in incoming.headers().get_all(*name) {
                request = request.header(*name, value.as_bytes());
            }
        }
        request
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
    pub async fn session_token(
        &self,
        incoming: &HttpRequest,
    ) -> Result<IssuedToken, UpstreamError> {
        let cookie = incoming
            .headers()
            .get_all("cookie")
            .filter_map(|v| v.to_str().ok())
            .collect::<Vec<_>>()
            .join("; ");
        if cookie.is_empty() {
            return Err(UpstreamError::NotLoggedIn);
        }
        let request = self
            .to_auth(
                reqwest::Method::POST,
                format!("{}/v1/session/token", self.auth),
                incoming,
                &[],
            )
            .header("cookie", cookie);
        self.json(request, "auth-service").await
    }

    /// An API token, forwarding the browser's origin headers so auth-service can refuse cross-site use.
    pub async fn api_token(&self, incoming: &HttpRequest) -> Result<IssuedToken, UpstreamError> {
        let request = self.to_auth(
            reqwest::Method::POST,
            format!("{}/v1/api-tokens", self.auth),
            incoming,
            &["cookie", "origin", "sec-fetch-site"],
        );
        self.json(request, "auth-service").await
    }

    /// Revokes every internal token of the browser's account minted so far (API tokens too);
    /// forwards the origin headers so auth-service can refuse cross-site use.
    pub async fn revoke_api_tokens(&self, incoming: &HttpRequest) -> Result<(), UpstreamError> {
        let request = self.to_auth(
            reqwest::Method::POST,
            format!("{}/v1/api-tokens/revoke", self.auth),
            incoming,
            &["cookie", "origin", "sec-fetch-site"],
        );
        self.json::<serde_json::Value>(request, "auth-service")
            .await
            .map(|_| ())
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

    /// Forwards one of the `/oauth/` browser routes to its fixed path at auth-service (the
    /// incoming path is never used) and returns its answer (redirects and cookies included).
    pub async fn forward_oauth(
        &self,
        route: OauthRoute,
        incoming: &HttpRequest,
        body: Bytes,
    ) -> Result<HttpResponse, UpstreamError> {
        let mut url = format!("{}{}", self.auth, route.path());
        let query = route.query(incoming.query_string());
        if !query.is_empty() {
            url.push('?');
            url.push_str(&query);
        }
        let request = self
            .to_auth(route.method(), url, incoming, FORWARDED_REQUEST_HEADERS)
            .body(body);
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn login_passes_on_only_next_and_login_hint() {
        assert_eq!(
            OauthRoute::Login.query("next=%2Fmessages%2F1&prompt=none&login_hint=a%40b.example"),
            "next=%2Fmessages%2F1&login_hint=a%40b.example"
        );
        assert_eq!(OauthRoute::Login.query("redirect_uri=https://evil"), "");
        assert_eq!(
            OauthRoute::Callback.query("state=s&code=c&scope=x"),
            "state=s&code=c&scope=x"
        );
        assert_eq!(OauthRoute::Logout.query("x=1"), "");
    }
}
