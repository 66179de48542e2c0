//! The frontend's only way to the other services: auth-service (session and API tokens, the
//! three forwarded `/oauth/` routes) and gmail-service (unread list, one message, unread count),
//! through the typed clients of the `clients` crate on one pooled HTTP client with a timeout.
//! Their failures become [`UpstreamError`]s that the pages explain to people; the answers are
//! the `contract` crate's types, never copies.
//!
//! Every call to auth-service carries `X-Forwarded-For: <client address>` (never what the
//! browser sent; see [`common::client_address`]), so its rate limits count the person's
//! connection, not the frontend.

use std::net::IpAddr;

use actix_web::{HttpRequest, HttpResponse, http::StatusCode, web::Bytes};
use clients::{AuthClient, BrowserHeaders, ClientError, GmailServiceClient};
use common::client_address::{TrustedProxies, client_address};
use contract::{
    auth::IssuedToken,
    gmail::{MessageDetail, UnreadPage, UnreadQuery},
    paths::auth,
    problem::ProblemCode,
};
use reqwest::header::HeaderName;

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
    /// A service (or Google behind it) does not answer; `retry_after` is the upstream's hint.
    #[error("{what} is unavailable")]
    Unavailable {
        what: &'static str,
        retry_after: Option<u64>,
    },
    /// A 400 for what the person sent (a message id or page token Gmail refuses).
    #[error("bad request")]
    BadRequest,
    #[error("not found")]
    NotFound,
    #[error("refused as cross-site")]
    CrossSite,
    #[error("unexpected answer: {0}")]
    Unexpected(String),
}

impl UpstreamError {
    /// `what` does not answer, with no hint of when it will.
    fn unavailable(what: &'static str) -> Self {
        Self::Unavailable {
            what,
            retry_after: None,
        }
    }
}

impl From<ClientError> for UpstreamError {
    fn from(error: ClientError) -> Self {
        let service = error.service();
        match error {
            ClientError::Unreachable { .. } => Self::unavailable(service),
            ClientError::Malformed { .. } => Self::Unexpected(error.to_string()),
            ClientError::Refused {
                status,
                code,
                retry_after,
                ..
            } => match (status, code) {
                (401, Some(ProblemCode::ReauthRequired)) => Self::ReauthRequired,
                (401, _) => Self::NotLoggedIn,
                (403, Some(ProblemCode::CrossSiteRequest)) => Self::CrossSite,
                (400, _) => Self::BadRequest,
                (404, _) => Self::NotFound,
                (429, Some(ProblemCode::RateLimited)) if service == "auth-service" => {
                    Self::TooManyAttempts { retry_after }
                }
                (429, _) | (_, Some(ProblemCode::UpstreamRateLimited)) => {
                    Self::RateLimited { retry_after }
                }
                (502..=504, Some(ProblemCode::UpstreamUnavailable)) => Self::Unavailable {
                    what: "Google",
                    retry_after,
                },
                (502..=504, _) => Self::Unavailable {
                    what: service,
                    retry_after,
                },
                _ => Self::Unexpected(error.to_string()),
            },
        }
    }
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
            Self::Login => auth::OAUTH_LOGIN,
            Self::Callback => auth::OAUTH_CALLBACK,
            Self::Logout => auth::OAUTH_LOGOUT,
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
    auth: AuthClient,
    gmail: GmailServiceClient,
    trusted_proxies: TrustedProxies,
}

impl Upstreams {
    pub fn new(settings: &Settings) -> Result<Self, reqwest::Error> {
        let http = reqwest::Client::builder()
            .timeout(settings.upstream_timeout)
            .pool_idle_timeout(common::server::CLIENT_POOL_IDLE_TIMEOUT)
            .redirect(reqwest::redirect::Policy::none())
            .build()?;
        Ok(Self {
            auth: AuthClient::new(http.clone(), settings.auth_service_url.clone()),
            gmail: GmailServiceClient::new(http.clone(), settings.gmail_service_url.clone()),
            http,
            trusted_proxies: settings.trusted_proxies.clone(),
        })
    }

    /// The address of the person behind `incoming` (the TCP peer, or what trusted proxies say).
    pub fn client_address(&self, incoming: &HttpRequest) -> IpAddr {
        client_address(incoming, &self.trusted_proxies)
    }

    /// The browser's `names` headers for auth-service, and the client address.
    fn browser(&self, incoming: &HttpRequest, names: &[&'static str]) -> BrowserHeaders {
        let mut headers = BrowserHeaders::new().forwarded_for(self.client_address(incoming));
        for name in names {
            for value in incoming.headers().get_all(*name) {
                headers = headers.header(HeaderName::from_static(name), value.as_bytes());
            }
        }
        headers
    }

    /// Base URLs, for readiness.
    pub fn bases(&self) -> (&str, &str, &reqwest::Client) {
        (self.auth.base(), self.gmail.base(), &self.http)
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
        let browser = self.browser(incoming, &[]).cookie(&cookie);
        Ok(self.auth.session_token(&browser).await?)
    }

    /// An API token, forwarding the browser's origin headers so auth-service can refuse cross-site use.
    pub async fn api_token(&self, incoming: &HttpRequest) -> Result<IssuedToken, UpstreamError> {
        let browser = self.browser(incoming, &["cookie", "origin", "sec-fetch-site"]);
        Ok(self.auth.api_token(&browser).await?)
    }

    /// Revokes every internal token of the browser's account minted so far (API tokens too);
    /// forwards the origin headers so auth-service can refuse cross-site use.
    pub async fn revoke_api_tokens(&self, incoming: &HttpRequest) -> Result<(), UpstreamError> {
        let browser = self.browser(incoming, &["cookie", "origin", "sec-fetch-site"]);
        self.auth.revoke_api_tokens(&browser).await?;
        Ok(())
    }

    /// A page of unread messages.
    pub async fn unread(
        &self,
        jwt: &str,
        page_token: Option<&str>,
        limit: u32,
    ) -> Result<UnreadPage, UpstreamError> {
        Ok(self
            .gmail
            .unread(jwt, &UnreadQuery::new(limit, page_token))
            .await?)
    }

    /// The unread count.
    pub async fn unread_count(&self, jwt: &str) -> Result<u64, UpstreamError> {
        Ok(self.gmail.unread_count(jwt).await?.unread)
    }

    /// One message.
    pub async fn message(&self, jwt: &str, id: &str) -> Result<MessageDetail, UpstreamError> {
        Ok(self.gmail.message(jwt, id).await?)
    }

    /// Forwards one of the `/oauth/` browser routes to its fixed path at auth-service (the
    /// incoming path is never used) and returns its answer (redirects and cookies included).
    pub async fn forward_oauth(
        &self,
        route: OauthRoute,
        incoming: &HttpRequest,
        body: Bytes,
    ) -> Result<HttpResponse, UpstreamError> {
        let mut url = format!("{}{}", self.auth.base(), route.path());
        let query = route.query(incoming.query_string());
        if !query.is_empty() {
            url.push('?');
            url.push_str(&query);
        }
        let browser = self.browser(incoming, FORWARDED_REQUEST_HEADERS);
        let response = self
            .http
            .request(route.method(), url)
            .headers(browser.into_headers())
            .body(body)
            .send()
            .await
            .map_err(|_| UpstreamError::unavailable("auth-service"))?;
        let status = response.status();
        let is_problem = response.headers().get("content-type").is_some_and(|v| {
            v.as_bytes()
                .starts_with(contract::problem::PROBLEM_JSON.as_bytes())
        });
        if status.is_server_error() || (is_problem && !status.is_redirection()) {
            return Err(ClientError::from_response("auth-service", response)
                .await
                .into());
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
            .map_err(|_| UpstreamError::unavailable("auth-service"))?;
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
