//! The error body every API of the system answers with: RFC 9457 `application/problem+json`
//! ([`Problem`]) plus a stable machine-readable `code` ([`ProblemCode`]). Services build one
//! from their own error enums (`common::problem` turns it into an HTTP answer); clients read
//! the code, never the text.

use std::fmt;

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// The media type of problem bodies.
pub const PROBLEM_JSON: &str = "application/problem+json";

/// The stable machine-readable `code` of a problem. Every code any service answers with is
/// here; a code this build does not know reads as [`ProblemCode::Unknown`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ProblemCode {
    /// 400: a malformed request (query, path, body), or input Gmail refuses.
    BadRequest,
    /// 401: missing, malformed, forged, expired or revoked internal JWT.
    InvalidToken,
    /// 401 (auth-service): no valid session cookie.
    NotLoggedIn,
    /// 401: Google no longer accepts the account's grant; the person must connect again.
    ReauthRequired,
    /// 401 (auth-service, internal): the calling service did not prove it is gmail-service.
    InvalidCredential,
    /// 403 (auth-service): a cookie-authenticated request that came cross-site.
    CrossSiteRequest,
    /// 403: the Google grant does not allow reading Gmail.
    InsufficientScope,
    /// 404: no such resource (route or message).
    NotFound,
    /// 405: the path does not take this method.
    MethodNotAllowed,
    /// 408: the request did not arrive in time.
    RequestTimeout,
    /// 411: a body without `Content-Length`.
    LengthRequired,
    /// 413: the body is larger than the endpoint accepts.
    PayloadTooLarge,
    /// 414: the address is too long.
    UriTooLong,
    /// 415: the body's `Content-Type` is not accepted.
    UnsupportedMediaType,
    /// 431: the headers are too large.
    RequestHeaderFieldsTooLarge,
    /// Another 4xx the server answered by itself.
    ClientError,
    /// 429 (auth-service): too many logins or tokens from this client or for this account.
    RateLimited,
    /// 429: Gmail's per-account rate limit or quota is spent.
    UpstreamRateLimited,
    /// 502: Gmail answered in a way the service does not understand.
    UpstreamError,
    /// 503: Google failed or timed out.
    UpstreamUnavailable,
    /// 503: a dependency of the service (Redis, auth-service) is unavailable.
    DependencyUnavailable,
    /// 503 (`/readyz`): a dependency check failed.
    NotReady,
    /// 500: nothing internal is said; the cause is logged.
    InternalError,
    /// A code this build does not know (a newer service).
    #[serde(other)]
    Unknown,
}

impl ProblemCode {
    /// The code as sent.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::BadRequest => "bad_request",
            Self::InvalidToken => "invalid_token",
            Self::NotLoggedIn => "not_logged_in",
            Self::ReauthRequired => "reauth_required",
            Self::InvalidCredential => "invalid_credential",
            Self::CrossSiteRequest => "cross_site_request",
            Self::InsufficientScope => "insufficient_scope",
            Self::NotFound => "not_found",
            Self::MethodNotAllowed => "method_not_allowed",
            Self::RequestTimeout => "request_timeout",
            Self::LengthRequired => "length_required",
            Self::PayloadTooLarge => "payload_too_large",
            Self::UriTooLong => "uri_too_long",
            Self::UnsupportedMediaType => "unsupported_media_type",
            Self::RequestHeaderFieldsTooLarge => "request_header_fields_too_large",
            Self::ClientError => "client_error",
            Self::RateLimited => "rate_limited",
            Self::UpstreamRateLimited => "upstream_rate_limited",
            Self::UpstreamError => "upstream_error",
            Self::UpstreamUnavailable => "upstream_unavailable",
            Self::DependencyUnavailable => "dependency_unavailable",
            Self::NotReady => "not_ready",
            Self::InternalError => "internal_error",
            Self::Unknown => "unknown",
        }
    }
}

impl fmt::Display for ProblemCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A problem details object (RFC 9457) with the system's `code` extension.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Problem {
    /// A URI naming the kind of problem: `urn:gmail-unread:problem:<code>`.
    #[serde(rename = "type")]
    #[schema(example = "urn:gmail-unread:problem:invalid_token")]
    pub type_uri: String,
    /// Short, human-readable summary of the kind of problem.
    pub title: String,
    /// The HTTP status code.
    pub status: u16,
    /// What happened in this occurrence, for a person; never secrets or internals.
    pub detail: String,
    /// Stable machine-readable code.
    pub code: ProblemCode,
    /// Seconds after which a retry makes sense; sent as the `Retry-After` header too.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    #[schema(nullable = false)]
    pub retry_after: Option<u64>,
}

impl Problem {
    /// A problem with the given status, code, title and detail.
    pub fn new(
        status: u16,
        code: ProblemCode,
        title: impl Into<String>,
        detail: impl Into<String>,
    ) -> Self {
        Self {
            type_uri: format!("urn:gmail-unread:problem:{code}"),
            title: title.into(),
            status,
            detail: detail.into(),
            code,
            retry_after: None,
        }
    }

    /// Adds a `Retry-After` hint in seconds.
    pub fn with_retry_after(mut self, seconds: u64) -> Self {
        self.retry_after = Some(seconds);
        self
    }

    /// 400 `bad_request`.
    pub fn bad_request(detail: impl Into<String>) -> Self {
        Self::new(400, ProblemCode::BadRequest, "Bad request", detail)
    }

    /// 404 `not_found`.
    pub fn not_found(detail: impl Into<String>) -> Self {
        Self::new(404, ProblemCode::NotFound, "Not found", detail)
    }

    /// 401 `invalid_token`.
    pub fn invalid_token(detail: impl Into<String>) -> Self {
        Self::new(
            401,
            ProblemCode::InvalidToken,
            "Invalid or missing token",
            detail,
        )
    }

    /// 503 `dependency_unavailable` (e.g. Redis down), retry after 5 s.
    pub fn dependency_unavailable(detail: impl Into<String>) -> Self {
        Self::new(
            503,
            ProblemCode::DependencyUnavailable,
            "A service this one depends on is unavailable",
            detail,
        )
        .with_retry_after(5)
    }

    /// 500 `internal_error` with nothing internal in it.
    pub fn internal() -> Self {
        Self::new(
            500,
            ProblemCode::InternalError,
            "Internal error",
            "The request could not be completed; it has been logged.",
        )
    }

    /// 413 `payload_too_large`.
    pub fn payload_too_large() -> Self {
        Self::new(
            413,
            ProblemCode::PayloadTooLarge,
            "Payload too large",
            "The request body is larger than this endpoint accepts.",
        )
    }

    /// The problem for an error status a server produced by itself, with a fixed detail.
    pub fn for_status(status: u16) -> Self {
        use ProblemCode as C;
        let (code, title, detail) = match status {
            400 => (C::BadRequest, "Bad request", "The request is malformed."),
            404 => (
                C::NotFound,
                "Not found",
                "There is nothing at this address.",
            ),
            405 => (
                C::MethodNotAllowed,
                "Method not allowed",
                "This address does not accept this method.",
            ),
            408 => (
                C::RequestTimeout,
                "Request timeout",
                "The request did not arrive in time.",
            ),
            411 => (
                C::LengthRequired,
                "Length required",
                "This request needs a Content-Length.",
            ),
            413 => return Self::payload_too_large(),
            414 => (
                C::UriTooLong,
                "URI too long",
                "The request's address is longer than this service accepts.",
            ),
            415 => (
                C::UnsupportedMediaType,
                "Unsupported media type",
                "The request body's Content-Type is not accepted here.",
            ),
            431 => (
                C::RequestHeaderFieldsTooLarge,
                "Request headers too large",
                "The request's headers are larger than this service accepts.",
            ),
            _ if (400..500).contains(&status) => (
                C::ClientError,
                "Request refused",
                "The request cannot be served as it is.",
            ),
            _ => return Self::internal(),
        };
        Self::new(status, code, title, detail)
    }
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} ({}): {}", self.title, self.code, self.detail)
    }
}

impl std::error::Error for Problem {}
