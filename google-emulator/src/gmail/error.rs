//! Google's API error envelope (`{"error":{"code","message","errors":[…],"status"}}`) for the
//! Gmail API and userinfo, with the exact messages and reasons Google sends.

use actix_web::{HttpResponse, ResponseError, http::StatusCode};
use serde_json::json;

/// One Google API error answer.
#[derive(Debug, Clone)]
pub struct GoogleApiError {
    status: StatusCode,
    message: String,
    /// The `errors[0].message` (Google's short form).
    short: String,
    reason: &'static str,
    status_name: &'static str,
    location_header: bool,
    retry_after: Option<u64>,
}

impl std::fmt::Display for GoogleApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} {}: {}",
            self.status.as_u16(),
            self.reason,
            self.message
        )
    }
}

impl GoogleApiError {
    fn new(
        status: StatusCode,
        message: &str,
        short: &str,
        reason: &'static str,
        status_name: &'static str,
    ) -> Self {
        Self {
            status,
            message: message.to_owned(),
            short: short.to_owned(),
            reason,
            status_name,
            location_header: false,
            retry_after: None,
        }
    }

    /// No `Authorization` header.
    pub fn missing_credentials() -> Self {
        let mut e = Self::new(
            StatusCode::UNAUTHORIZED,
            "Request is missing required authentication credential. Expected OAuth 2 access token, login cookie or other valid authentication credential. See https://developers.google.com/identity/sign-in/web/devconsole-project.",
            "Login Required.",
            "required",
            "UNAUTHENTICATED",
        );
        e.location_header = true;
        e
    }

    /// Unknown, expired or revoked access token.
    pub fn invalid_credentials() -> Self {
        let mut e = Self::new(
            StatusCode::UNAUTHORIZED,
            "Request had invalid authentication credentials. Expected OAuth 2 access token, login cookie or other valid authentication credential. See https://developers.google.com/identity/sign-in/web/devconsole-project.",
            "Invalid Credentials",
            "authError",
            "UNAUTHENTICATED",
        );
        e.location_header = true;
        e
    }

    /// The token lacks the scope this call needs.
    pub fn insufficient_scope() -> Self {
        Self::new(
            StatusCode::FORBIDDEN,
            "Request had insufficient authentication scopes.",
            "Insufficient Permission",
            "insufficientPermissions",
            "PERMISSION_DENIED",
        )
    }

    /// A 403 with a specific message (metadata-scope limits, delegation).
    pub fn forbidden(message: &str) -> Self {
        Self::new(
            StatusCode::FORBIDDEN,
            message,
            message,
            "forbidden",
            "PERMISSION_DENIED",
        )
    }

    /// 404 for an unknown message or label.
    pub fn not_found() -> Self {
        Self::new(
            StatusCode::NOT_FOUND,
            "Requested entity was not found.",
            "Requested entity was not found.",
            "notFound",
            "NOT_FOUND",
        )
    }

    /// 400 for a malformed argument.
    pub fn invalid_argument(message: &str) -> Self {
        Self::new(
            StatusCode::BAD_REQUEST,
            message,
            message,
            "invalidArgument",
            "INVALID_ARGUMENT",
        )
    }

    /// 429: the per-user quota of this minute is spent.
    pub fn user_rate_limited(retry_after: u64) -> Self {
        let mut e = Self::new(
            StatusCode::TOO_MANY_REQUESTS,
            "Quota exceeded for quota metric 'Queries' and limit 'Queries per minute per user' of service 'gmail.googleapis.com' for consumer 'project_number:000000000000'.",
            "Quota exceeded for quota metric 'Queries' and limit 'Queries per minute per user' of service 'gmail.googleapis.com' for consumer 'project_number:000000000000'.",
            "rateLimitExceeded",
            "RESOURCE_EXHAUSTED",
        );
        e.retry_after = Some(retry_after);
        e
    }

    /// 429 as Google sends it under concurrent load: beyond `EMULATOR_MAX_CONCURRENT_PER_USER`
    /// calls of one account in flight, or an injected fault.
    pub fn too_many_concurrent() -> Self {
        let mut e = Self::new(
            StatusCode::TOO_MANY_REQUESTS,
            "Too many concurrent requests for user",
            "Too many concurrent requests for user",
            "rateLimitExceeded",
            "RESOURCE_EXHAUSTED",
        );
        e.retry_after = Some(1);
        e
    }

    /// 500 `backendError`.
    pub fn backend_error() -> Self {
        Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "Internal error encountered.",
            "Internal error encountered.",
            "backendError",
            "INTERNAL",
        )
    }

    /// 503.
    pub fn unavailable() -> Self {
        Self::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "The service is currently unavailable.",
            "The service is currently unavailable.",
            "backendError",
            "UNAVAILABLE",
        )
    }

    /// The HTTP answer.
    pub fn response(&self) -> HttpResponse {
        let mut item = json!({ "message": self.short, "domain": "global", "reason": self.reason });
        if self.location_header {
            item["location"] = json!("Authorization");
            item["locationType"] = json!("header");
        }
        let mut response = HttpResponse::build(self.status);
        if self.status == StatusCode::UNAUTHORIZED {
            response.insert_header((
                "WWW-Authenticate",
                "Bearer realm=\"https://accounts.google.com/\", error=\"invalid_token\"",
            ));
        }
        if let Some(seconds) = self.retry_after {
            response.insert_header(("Retry-After", seconds.to_string()));
        }
        response.json(json!({
            "error": {
                "code": self.status.as_u16(),
                "message": self.message,
                "errors": [item],
                "status": self.status_name,
            }
        }))
    }
}

impl ResponseError for GoogleApiError {
    fn status_code(&self) -> StatusCode {
        self.status
    }

    fn error_response(&self) -> HttpResponse {
        self.response()
    }
}
