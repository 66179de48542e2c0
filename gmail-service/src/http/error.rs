//! [`ApiError`]: every way a gmail-service request can fail, and the problem+json answer for
//! each (RFC 9457 with the system's stable `code`). 5xx answers say nothing internal; their
//! cause is logged. The domain's errors ([`MailboxError`], [`GmailError`],
//! [`TokenSourceError`]) map onto it here, and only here.

use std::time::Duration;

use actix_web::{HttpResponse, ResponseError, http::StatusCode};
use common::problem::{Problem, ProblemCode};

use crate::{gmail::GmailError, google_token::TokenSourceError, mailbox::MailboxError};

/// Why a request failed.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    #[error("invalid token: {0}")]
    InvalidToken(String),
    #[error("bad request: {0}")]
    BadRequest(String),
    #[error("not found")]
    NotFound,
    #[error("the account must connect Gmail again")]
    ReauthRequired,
    #[error("the Google grant lacks Gmail read access: {0}")]
    InsufficientScope(String),
    #[error("Gmail rate limiting; retry after {retry_after:?}")]
    UpstreamRateLimited { retry_after: Duration },
    #[error("Google unavailable: {reason}")]
    UpstreamUnavailable {
        reason: String,
        retry_after: Duration,
    },
    #[error("Gmail answered unexpectedly: {0}")]
    UpstreamError(String),
    #[error("a dependency is unavailable: {0}")]
    DependencyUnavailable(String),
    #[error("too many open event streams for this account")]
    TooManyStreams,
    #[error("no such attachment")]
    NoSuchAttachment,
    #[error("the attachment is larger than {0} bytes")]
    AttachmentTooLarge(u64),
    #[error("internal error: {0}")]
    Internal(&'static str),
}

fn seconds(duration: Duration) -> u64 {
    duration.as_secs_f64().ceil().max(1.0) as u64
}

impl ApiError {
    /// The problem+json body of this error.
    pub fn problem(&self) -> Problem {
        match self {
            Self::InvalidToken(detail) => Problem::invalid_token(detail.clone()),
            Self::BadRequest(detail) => Problem::bad_request(detail.clone()),
            Self::NotFound => Problem::not_found("There is no such message in this mailbox."),
            Self::ReauthRequired => Problem::new(
                StatusCode::UNAUTHORIZED,
                ProblemCode::ReauthRequired,
                "Reconnect Gmail",
                "Google no longer accepts this account's grant; connect Gmail again.",
            ),
            Self::InsufficientScope(_) => Problem::new(
                StatusCode::FORBIDDEN,
                ProblemCode::InsufficientScope,
                "Gmail access not granted",
                "The Google grant does not allow reading Gmail; connect again and allow it.",
            ),
            Self::UpstreamRateLimited { retry_after } => Problem::new(
                StatusCode::TOO_MANY_REQUESTS,
                ProblemCode::UpstreamRateLimited,
                "Gmail asks to slow down",
                "Gmail's per-account rate limit is reached; retry after the indicated time.",
            )
            .with_retry_after(seconds(*retry_after)),
            Self::UpstreamUnavailable { retry_after, .. } => Problem::new(
                StatusCode::SERVICE_UNAVAILABLE,
                ProblemCode::UpstreamUnavailable,
                "Google is unavailable",
                "Google did not answer in time or failed; retry after the indicated time.",
            )
            .with_retry_after(seconds(*retry_after)),
            Self::UpstreamError(_) => Problem::new(
                StatusCode::BAD_GATEWAY,
                ProblemCode::UpstreamError,
                "Unexpected answer from Gmail",
                "Gmail answered in a way this service does not understand.",
            ),
            Self::DependencyUnavailable(_) => Problem::dependency_unavailable(
                "A service gmail-service depends on (Redis or auth-service) is unavailable.",
            ),
            Self::TooManyStreams => Problem::new(
                StatusCode::TOO_MANY_REQUESTS,
                ProblemCode::RateLimited,
                "Too many open streams",
                "This account has as many event streams open as it may; close one first.",
            )
            .with_retry_after(30),
            Self::NoSuchAttachment => {
                Problem::not_found("This message has no attachment with that id.")
            }
            Self::AttachmentTooLarge(limit) => Problem::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                ProblemCode::PayloadTooLarge,
                "Attachment too large",
                format!("This service hands out attachments of at most {limit} bytes."),
            ),
            Self::Internal(_) => Problem::internal(),
        }
    }
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        self.problem().status_code()
    }

    fn error_response(&self) -> HttpResponse {
        if self.status_code().is_server_error() {
            tracing::warn!(error = %self, "request failed");
        }
        self.problem().error_response()
    }
}

impl From<GmailError> for ApiError {
    fn from(error: GmailError) -> Self {
        match error {
            // A 401 that survived a refresh.
            GmailError::Unauthorized => Self::ReauthRequired,
            GmailError::NotFound => Self::NotFound,
            GmailError::BadRequest(message) => Self::BadRequest(if message.is_empty() {
                "Gmail rejected the request.".into()
            } else {
                format!("Gmail rejected the request: {message}")
            }),
            GmailError::Forbidden(message) => Self::InsufficientScope(message),
            GmailError::RateLimited { retry_after }
            | GmailError::QuotaExhausted { retry_after } => {
                Self::UpstreamRateLimited { retry_after }
            }
            GmailError::Unavailable {
                reason,
                retry_after,
            } => Self::UpstreamUnavailable {
                reason,
                retry_after,
            },
            GmailError::BadResponse(reason) => Self::UpstreamError(reason),
            GmailError::QuotaUnavailable(reason) => Self::DependencyUnavailable(reason),
        }
    }
}

impl From<TokenSourceError> for ApiError {
    fn from(error: TokenSourceError) -> Self {
        match error {
            TokenSourceError::InvalidToken => {
                Self::InvalidToken("auth-service refused the token.".into())
            }
            TokenSourceError::ReauthRequired => Self::ReauthRequired,
            TokenSourceError::UpstreamUnavailable { retry_after } => Self::UpstreamUnavailable {
                reason: "Google's token endpoint".into(),
                retry_after,
            },
            TokenSourceError::AuthServiceUnavailable { reason, .. } => {
                Self::DependencyUnavailable(format!("auth-service: {reason}"))
            }
        }
    }
}

impl From<MailboxError> for ApiError {
    fn from(error: MailboxError) -> Self {
        match error {
            MailboxError::Token(error) => error.into(),
            MailboxError::Gmail(error) => error.into(),
            MailboxError::InvalidPageToken => Self::BadRequest(
                "page_token is not a page token this service issued; start again from the first \
                 page."
                    .into(),
            ),
            MailboxError::NoSuchAttachment => Self::NoSuchAttachment,
            MailboxError::AttachmentTooLarge(limit) => Self::AttachmentTooLarge(limit),
            MailboxError::Mirror(reason) => {
                Self::DependencyUnavailable(format!("Redis (mirror): {reason}"))
            }
        }
    }
}
