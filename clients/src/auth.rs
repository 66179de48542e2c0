//! [`AuthClient`]: auth-service's token routes and its internal Google-access-token route.

use std::net::IpAddr;

use contract::{
    auth::{
        GoogleAccessTokenAnswer, GoogleAccessTokenRequest, IssuedToken, RevokedTokens,
        SessionTokens,
    },
    paths::{self, auth},
};
use reqwest::header::{COOKIE, HeaderMap, HeaderName, HeaderValue};

use crate::{error::ClientError, response::read};

const SERVICE: &str = "auth-service";

/// The headers of a browser's request that a cookie-authenticated call passes on: the cookie,
/// `Origin` and `Sec-Fetch-Site` (auth-service refuses cross-site use) and the client address
/// as `X-Forwarded-For`.
#[derive(Clone, Debug, Default)]
pub struct BrowserHeaders(HeaderMap);

impl BrowserHeaders {
    pub fn new() -> Self {
        Self::default()
    }

    /// The browser's cookies, as one `Cookie` header.
    pub fn cookie(mut self, cookies: &str) -> Self {
        if let Ok(value) = HeaderValue::from_str(cookies) {
            self.0.insert(COOKIE, value);
        }
        self
    }

    /// The browser's `Origin`.
    pub fn origin(self, origin: &str) -> Self {
        self.header(reqwest::header::ORIGIN, origin.as_bytes())
    }

    /// The person's address, for auth-service's rate limits.
    pub fn forwarded_for(self, client: IpAddr) -> Self {
        self.header(
            HeaderName::from_static(paths::X_FORWARDED_FOR),
            client.to_string().as_bytes(),
        )
    }

    /// Another header value as the browser sent it (appended; values that are not valid
    /// header values are dropped).
    pub fn header(mut self, name: HeaderName, value: &[u8]) -> Self {
        if let Ok(value) = HeaderValue::from_bytes(value) {
            self.0.append(name, value);
        }
        self
    }

    /// The headers, for a call of one's own (the frontend's forwarded `/oauth/` routes).
    pub fn into_headers(self) -> HeaderMap {
        self.0
    }
}

/// A client of auth-service at one base URL (the browser-facing listener for the token routes,
/// the internal listener for [`AuthClient::google_access_token`]).
#[derive(Clone, Debug)]
pub struct AuthClient {
    http: reqwest::Client,
    base: String,
}

impl AuthClient {
    /// `base` without a trailing slash, e.g. `http://127.0.0.1:5001`.
    pub fn new(http: reqwest::Client, base: impl Into<String>) -> Self {
        Self {
            http,
            base: base.into().trim_end_matches('/').to_owned(),
        }
    }

    /// The base URL.
    pub fn base(&self) -> &str {
        &self.base
    }

    fn post(&self, path: &str, browser: &BrowserHeaders) -> reqwest::RequestBuilder {
        self.http
            .post(format!("{}{path}", self.base))
            .headers(browser.0.clone())
    }

    /// A cookie-authenticated `POST` naming one of the session's accounts (`None`: its first).
    fn post_for(
        &self,
        path: &str,
        browser: &BrowserHeaders,
        account: Option<&str>,
    ) -> reqwest::RequestBuilder {
        let request = self.post(path, browser);
        match account {
            Some(email) => request.query(&[(auth::ACCOUNT_PARAM, email)]),
            None => request,
        }
    }

    /// `POST /v1/session/token`: a 5-minute internal JWT for one account of the browser's
    /// session (`None`: the one it logged in with).
    pub async fn session_token(
        &self,
        browser: &BrowserHeaders,
        account: Option<&str>,
    ) -> Result<IssuedToken, ClientError> {
        read(
            SERVICE,
            self.post_for(auth::SESSION_TOKEN, browser, account),
        )
        .await
    }

    /// `POST /v1/session/tokens`: a 5-minute internal JWT for every account of the session.
    pub async fn session_tokens(
        &self,
        browser: &BrowserHeaders,
    ) -> Result<SessionTokens, ClientError> {
        read(SERVICE, self.post(auth::SESSION_TOKENS, browser)).await
    }

    /// `POST /v1/api-tokens`: a 1-hour internal JWT for one account (same-origin only).
    pub async fn api_token(
        &self,
        browser: &BrowserHeaders,
        account: Option<&str>,
    ) -> Result<IssuedToken, ClientError> {
        read(SERVICE, self.post_for(auth::API_TOKENS, browser, account)).await
    }

    /// `POST /v1/api-tokens/revoke`: every internal JWT of the account minted so far stops
    /// working (same-origin only).
    pub async fn revoke_api_tokens(
        &self,
        browser: &BrowserHeaders,
        account: Option<&str>,
    ) -> Result<RevokedTokens, ClientError> {
        read(
            SERVICE,
            self.post_for(auth::API_TOKENS_REVOKE, browser, account),
        )
        .await
    }

    /// `POST /internal/google-access-token` (internal listener): the Google access token of
    /// the account `jwt` names, for the service holding `credential`.
    pub async fn google_access_token(
        &self,
        credential: &str,
        jwt: &str,
        request: &GoogleAccessTokenRequest,
    ) -> Result<GoogleAccessTokenAnswer, ClientError> {
        let call = self
            .http
            .post(format!(
                "{}{}",
                self.base,
                auth::INTERNAL_GOOGLE_ACCESS_TOKEN
            ))
            .header(paths::SERVICE_CREDENTIAL_HEADER, credential)
            .bearer_auth(jwt)
            .json(request);
        read(SERVICE, call).await
    }
}
