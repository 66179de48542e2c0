//! The frontend's only way to the other services: auth-service (session and API tokens, the
//! three forwarded `/oauth/` routes) and gmail-service (unread list, one message, unread count),
//! through the typed clients of the `clients` crate on one pooled HTTP client with a timeout.
//! Their failures become [`UpstreamError`]s (what they mean for a page, not how it looks: that
//! is `http::problem`); the answers are the `contract` crate's types, never copies.
//!
//! This module knows no actix type: the HTTP edge hands it the browser's headers to pass on as
//! [`BrowserHeaders`] (built by `http::browser`, with `X-Forwarded-For: <client address>`, never
//! what the browser sent; see [`common::client_address`]), so auth-service's rate limits count
//! the person's connection, not the frontend; and a forwarded `/oauth/` answer comes back as a
//! [`Forwarded`] for the edge to send.

use clients::{AuthClient, ClientError, GmailServiceClient};
use contract::{
    auth::{IssuedToken, SessionTokens},
    gmail::{MessageDetail, ThreadDetail, UnreadPage, UnreadQuery},
    paths::auth,
    problem::ProblemCode,
};

pub use clients::BrowserHeaders;

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
    /// A 400 for what the person sent (a message id Gmail refuses or a page token gmail-service did not issue).
    #[error("bad request")]
    BadRequest,
    #[error("not found")]
    NotFound,
    /// An attachment larger than gmail-service hands out.
    #[error("too large")]
    TooLarge,
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
                (413, _) => Self::TooLarge,
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
    /// `GET /oauth/login`, with only `next`, `login_hint` and `add` of its query.
    Login,
    /// `GET /oauth/callback`, with all of its query (Google's answer).
    Callback,
    /// `POST /oauth/logout`, with no query.
    Logout,
    /// `POST /oauth/accounts/remove`, with no query (the form names the account).
    RemoveAccount,
}

impl OauthRoute {
    fn method(self) -> reqwest::Method {
        match self {
            Self::Login | Self::Callback => reqwest::Method::GET,
            Self::Logout | Self::RemoveAccount => reqwest::Method::POST,
        }
    }

    fn path(self) -> &'static str {
        match self {
            Self::Login => auth::OAUTH_LOGIN,
            Self::Callback => auth::OAUTH_CALLBACK,
            Self::Logout => auth::OAUTH_LOGOUT,
            Self::RemoveAccount => auth::OAUTH_REMOVE_ACCOUNT,
        }
    }

    /// The query string passed on.
    fn query(self, incoming: &str) -> String {
        match self {
            Self::Login => url::form_urlencoded::Serializer::new(String::new())
                .extend_pairs(url::form_urlencoded::parse(incoming.as_bytes()).filter(
                    |(name, _)| name == "next" || name == "login_hint" || name == auth::ADD_PARAM,
                ))
                .finish(),
            Self::Callback => incoming.to_owned(),
            Self::Logout | Self::RemoveAccount => String::new(),
        }
    }
}

/// Request headers the `/oauth/` routes forward (the edge reads them from the browser's
/// request), and response headers they return.
pub const FORWARDED_REQUEST_HEADERS: &[&str] = &[
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

/// auth-service's answer to a forwarded `/oauth/` route: its status, the
/// returned headers among `RETURNED_RESPONSE_HEADERS` (in order, repeats kept) and its body.
#[derive(Debug)]
pub struct Forwarded {
    pub status: u16,
    pub headers: Vec<(&'static str, Vec<u8>)>,
    pub body: Vec<u8>,
}

/// An event stream that says nothing for this long is dead (gmail-service's heartbeat is 15 s
/// by default).
const STREAM_READ_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(60);

/// What one event stream may hold unread in the frontend (HTTP/2's window for a stream):
/// a page that stops reading stalls only its own stream (gmail-service, unable to send, lets it
/// fall behind and follows with `resync` once it can).
const STREAM_WINDOW: u32 = 256 * 1024;
/// The connection's window: many stalled streams before the others wait.
const STREAM_CONNECTION_WINDOW: u32 = 64 * 1024 * 1024;

/// The client of event streams: HTTP/2 (prior knowledge for `http://`, ALPN for `https://`), so
/// that every stream the frontend relays is a stream of one connection to gmail-service rather
/// than a connection of its own; no total timeout (they stay open), a read timeout instead.
fn stream_client(settings: &Settings) -> Result<reqwest::Client, reqwest::Error> {
    let builder = reqwest::Client::builder()
        .connect_timeout(settings.upstream_timeout)
        // gmail-service sends a comment at least every EVENTS_HEARTBEAT_SECS.
        .read_timeout(STREAM_READ_TIMEOUT)
        .redirect(reqwest::redirect::Policy::none())
        .http2_initial_stream_window_size(STREAM_WINDOW)
        .http2_initial_connection_window_size(STREAM_CONNECTION_WINDOW)
        // A connection that died without a word is found within a minute, not at the next write.
        .http2_keep_alive_interval(STREAM_READ_TIMEOUT / 2)
        .http2_keep_alive_timeout(STREAM_READ_TIMEOUT / 4);
    if settings.gmail_service_url.starts_with("http://") {
        builder.http2_prior_knowledge().build()
    } else {
        builder.build()
    }
}

/// Clients of auth-service and gmail-service.
pub struct Upstreams {
    http: reqwest::Client,
    /// For event streams: see [`stream_client`].
    streams: reqwest::Client,
    auth: AuthClient,
    gmail: GmailServiceClient,
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
            streams: stream_client(settings)?,
            http,
        })
    }

    /// Base URLs, for readiness.
    pub fn bases(&self) -> (&str, &str, &reqwest::Client) {
        (self.auth.base(), self.gmail.base(), &self.http)
    }

    /// A session token; `browser` carries the browser's cookies (auth-service finds the
    /// session among them).
    pub async fn session_token(
        &self,
        browser: BrowserHeaders,
        account: Option<&str>,
    ) -> Result<IssuedToken, UpstreamError> {
        Ok(self.auth.session_token(&browser, account).await?)
    }

    /// A session token for each account of the browser's session, in the order attached.
    pub async fn session_tokens(
        &self,
        browser: BrowserHeaders,
    ) -> Result<SessionTokens, UpstreamError> {
        Ok(self.auth.session_tokens(&browser).await?)
    }

    /// An API token; `browser` carries the browser's cookies and origin headers so
    /// auth-service can refuse cross-site use.
    pub async fn api_token(
        &self,
        browser: BrowserHeaders,
        account: Option<&str>,
    ) -> Result<IssuedToken, UpstreamError> {
        Ok(self.auth.api_token(&browser, account).await?)
    }

    /// Revokes every internal token of the browser's account minted so far (API tokens too);
    /// `browser` carries the cookies and origin headers so auth-service can refuse cross-site
    /// use.
    pub async fn revoke_api_tokens(
        &self,
        browser: BrowserHeaders,
        account: Option<&str>,
    ) -> Result<(), UpstreamError> {
        self.auth.revoke_api_tokens(&browser, account).await?;
        Ok(())
    }

    /// A page of unread messages.
    pub async fn unread(
        &self,
        jwt: &str,
        query: &UnreadQuery,
    ) -> Result<UnreadPage, UpstreamError> {
        Ok(self.gmail.unread(jwt, query).await?)
    }

    /// gmail-service's event stream for the account `jwt` names, after `last_event_id`.
    pub async fn events(
        &self,
        jwt: &str,
        last_event_id: Option<&str>,
    ) -> Result<reqwest::Response, UpstreamError> {
        Ok(self.gmail.events(&self.streams, jwt, last_event_id).await?)
    }

    /// One attachment, its body open (over the streams' client: no total timeout).
    pub async fn attachment(
        &self,
        jwt: &str,
        id: &str,
        attachment_id: &str,
    ) -> Result<reqwest::Response, UpstreamError> {
        Ok(self
            .gmail
            .attachment(&self.streams, jwt, id, attachment_id)
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

    /// A message's conversation.
    pub async fn thread(&self, jwt: &str, id: &str) -> Result<ThreadDetail, UpstreamError> {
        Ok(self.gmail.thread(jwt, id).await?)
    }

    /// Forwards one of the `/oauth/` browser routes to its fixed path at auth-service (the
    /// incoming path is never used; of `query`, only what the route passes on) and returns its
    /// answer (redirects and cookies included).
    pub async fn forward_oauth(
        &self,
        route: OauthRoute,
        query: &str,
        browser: BrowserHeaders,
        body: impl Into<reqwest::Body>,
    ) -> Result<Forwarded, UpstreamError> {
        let mut url = format!("{}{}", self.auth.base(), route.path());
        let query = route.query(query);
        if !query.is_empty() {
            url.push('?');
            url.push_str(&query);
        }
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
        let mut headers = Vec::new();
        for name in RETURNED_RESPONSE_HEADERS {
            for value in response.headers().get_all(*name) {
                headers.push((*name, value.as_bytes().to_vec()));
            }
        }
        let body = response
            .bytes()
            .await
            .map_err(|_| UpstreamError::unavailable("auth-service"))?;
        Ok(Forwarded {
            status: status.as_u16(),
            headers,
            body: body.to_vec(),
        })
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
