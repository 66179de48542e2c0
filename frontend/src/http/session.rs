//! [`SessionCookie`]: the one place the frontend reads the browser's session cookie.
//!
//! The frontend does not know the cookie's name or value: it passes the browser's `Cookie`
//! header on to auth-service, which finds its session there. A request without cookies is not
//! logged in and reaches no upstream.

use std::future::{Ready, ready};

use actix_web::{FromRequest, HttpRequest, HttpResponse, ResponseError, dev::Payload};

use crate::{http::problem::problem_response, upstream::UpstreamError};

/// The browser's cookies, as one `Cookie` value (several `Cookie` headers joined with `; `).
/// Extracting it fails with [`NotLoggedIn`] when the browser sent none; take
/// `Option<SessionCookie>` where a logged-out visitor gets a page of its own.
#[derive(Clone, Debug)]
pub struct SessionCookie(String);

impl SessionCookie {
    /// The `Cookie` value to pass on.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    fn read(request: &HttpRequest) -> Option<Self> {
        let cookies = request
            .headers()
            .get_all("cookie")
            .filter_map(|v| v.to_str().ok())
            .collect::<Vec<_>>()
            .join("; ");
        (!cookies.is_empty()).then_some(Self(cookies))
    }
}

/// No cookies: the "please connect first" page (401).
#[derive(Debug, thiserror::Error)]
#[error("not logged in")]
pub struct NotLoggedIn;

impl ResponseError for NotLoggedIn {
    fn status_code(&self) -> actix_web::http::StatusCode {
        actix_web::http::StatusCode::UNAUTHORIZED
    }

    fn error_response(&self) -> HttpResponse {
        problem_response(&UpstreamError::NotLoggedIn, None)
    }
}

impl FromRequest for SessionCookie {
    type Error = NotLoggedIn;
    type Future = Ready<Result<Self, NotLoggedIn>>;

    fn from_request(request: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(Self::read(request).ok_or(NotLoggedIn))
    }
}
