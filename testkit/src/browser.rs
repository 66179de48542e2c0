//! The one cookie jar of the tests, and a browser without JavaScript built on it.
//!
//! [`CookieJar`] is reqwest's cookie store ([`reqwest::cookie::Jar`]): it keeps what
//! `Set-Cookie` sets as a browser does (`Max-Age=0` deletes, `Path` and host are honoured; the
//! port is not part of a cookie's scope, so every service of a test on `127.0.0.1` sees the same
//! cookies, as a browser would), and renders the `Cookie` header for a URL. Tests that forge or
//! replay a cookie read and write it by name ([`CookieJar::get`], [`CookieJar::set`]).
//!
//! [`Browser`] follows redirects like a browser (the whole-system tests and the load suite);
//! [`crate::auth::Browser`] stops at every redirect (the auth-service tests, which read each
//! `Location`). Both keep their cookies here.

use std::sync::Arc;

use reqwest::{
    cookie::{CookieStore, Jar},
    header::SET_COOKIE,
};
use url::Url;

/// Where cookies of the test hosts live when no URL is given: every test server listens on
/// `127.0.0.1`, and a cookie's scope has no port.
const TEST_HOST: &str = "http://127.0.0.1/";

/// A browser's cookie jar. Clones share the jar (as two tabs of one browser do).
#[derive(Clone)]
pub struct CookieJar {
    store: Arc<Jar>,
    origin: Url,
}

impl Default for CookieJar {
    fn default() -> Self {
        Self {
            store: Arc::new(Jar::default()),
            origin: Url::parse(TEST_HOST).expect("a valid URL"),
        }
    }
}

impl std::fmt::Debug for CookieJar {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CookieJar")
            .field("cookies", &self.header())
            .finish()
    }
}

impl CookieJar {
    /// The `Cookie` header for a request to the test hosts (`127.0.0.1`, path `/`).
    pub fn header(&self) -> String {
        self.header_for(self.origin.as_str())
    }

    /// The `Cookie` header a browser sends with a request to `url` (empty when none applies).
    pub fn header_for(&self, url: &str) -> String {
        let Ok(url) = Url::parse(url) else {
            return String::new();
        };
        self.store
            .cookies(&url)
            .and_then(|value| value.to_str().ok().map(str::to_owned))
            .unwrap_or_default()
    }

    /// Applies a response's `Set-Cookie` headers, as for the URL it came from.
    pub fn keep(&self, response: &reqwest::Response) {
        self.store.set_cookies(
            &mut response.headers().get_all(SET_COOKIE).iter(),
            response.url(),
        );
    }

    /// The value of the cookie `name` sent to the test hosts, if there is one.
    pub fn get(&self, name: &str) -> Option<String> {
        self.header().split("; ").find_map(|pair| {
            let (key, value) = pair.split_once('=')?;
            (key == name).then(|| value.to_owned())
        })
    }

    /// Whether the cookie `name` is held (for the test hosts).
    pub fn contains(&self, name: &str) -> bool {
        self.get(name).is_some()
    }

    /// Sets the cookie `name` for the test hosts, as a server at `127.0.0.1` could (forged
    /// and replayed cookies).
    pub fn set(&self, name: &str, value: &str) {
        self.store
            .add_cookie_str(&format!("{name}={value}; Path=/"), &self.origin);
    }
}

/// A browser without JavaScript: a [`CookieJar`] and redirects followed as a browser follows
/// them.
pub struct Browser {
    pub jar: CookieJar,
    http: reqwest::Client,
}

impl Default for Browser {
    fn default() -> Self {
        Self::new()
    }
}

impl Browser {
    pub fn new() -> Self {
        Self {
            jar: CookieJar::default(),
            http: reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .unwrap(),
        }
    }

    async fn follow(
        &mut self,
        mut response: reqwest::Response,
        mut url: String,
    ) -> (reqwest::Response, String) {
        for _ in 0..10 {
            if !response.status().is_redirection() {
                break;
            }
            let location = response.headers()["location"].to_str().unwrap().to_owned();
            url = Url::parse(&url)
                .unwrap()
                .join(&location)
                .unwrap()
                .to_string();
            response = self.get_once(&url).await;
        }
        (response, url)
    }

    /// GET, following redirects; returns the final response and its URL.
    pub async fn get(&mut self, url: &str) -> (reqwest::Response, String) {
        let response = self.get_once(url).await;
        self.follow(response, url.to_owned()).await
    }

    /// A form `POST` from the page at `origin`, redirects followed.
    pub async fn post_form(
        &mut self,
        url: &str,
        origin: &str,
        form: &[(&str, &str)],
    ) -> (reqwest::Response, String) {
        let request = self.http.post(url).header("origin", origin).form(form);
        let response = self.send(request, url).await;
        self.follow(response, url.to_owned()).await
    }

    /// One `GET` with this browser's cookies, keeping the cookies it sets, no redirect followed.
    pub async fn get_once(&mut self, url: &str) -> reqwest::Response {
        let request = self.http.get(url);
        self.send(request, url).await
    }

    /// A `POST` without a body from the page at `origin`, redirects followed.
    pub async fn post(&mut self, url: &str, origin: &str) -> (reqwest::Response, String) {
        let request = self.http.post(url).header("origin", origin);
        let response = self.send(request, url).await;
        self.follow(response, url.to_owned()).await
    }

    /// Sends `request` (to `url`) with the cookies for `url`, keeping those it sets.
    async fn send(&mut self, request: reqwest::RequestBuilder, url: &str) -> reqwest::Response {
        let response = request
            .header("cookie", self.jar.header_for(url))
            .send()
            .await
            .unwrap();
        self.jar.keep(&response);
        response
    }
}
