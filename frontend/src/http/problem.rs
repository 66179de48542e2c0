//! The friendly pages for every failure a person can meet: an upstream failure
//! ([`UpstreamError`], itself from `clients::ClientError`) as a page with its status and
//! `Retry-After` ([`problem_response`]), the 404 page of unknown routes, and the errors actix
//! answers by itself (an oversized body's 413, see [`bare_errors_as_pages`]).

use actix_web::{
    HttpResponse,
    body::{BoxBody, MessageBody},
    dev::{ServiceRequest, ServiceResponse},
    http::StatusCode,
    middleware::Next,
};

use crate::{http::render::html, upstream::UpstreamError, views::ProblemPage};

/// `Retry-After` of a 503 page when the service behind it gave none.
const DEFAULT_RETRY_AFTER_SECS: u64 = 5;

/// The friendly page for an upstream failure.
pub fn problem_response(error: &UpstreamError, account: Option<String>) -> HttpResponse {
    let connect = Some("/oauth/login".to_owned());
    let (status, page) = match error {
        UpstreamError::NotLoggedIn => (
            StatusCode::UNAUTHORIZED,
            ProblemPage {
                account,
                kind: "not_logged_in",
                title: "Please connect first",
                explanation: "You are not connected, or your session has ended.".into(),
                what_to_do: "Connect to Gmail to continue.".into(),
                action_href: connect,
                action_label: "Connect to Gmail",
            },
        ),
        UpstreamError::ReauthRequired => (
            StatusCode::UNAUTHORIZED,
            ProblemPage {
                account,
                kind: "reauth_required",
                title: "Google needs reconnecting",
                explanation: "Google no longer accepts this application's access to your account (it was revoked or has expired).".into(),
                what_to_do: "Connect to Gmail again to restore access.".into(),
                action_href: connect,
                action_label: "Reconnect to Gmail",
            },
        ),
        UpstreamError::RateLimited { retry_after } => (
            StatusCode::TOO_MANY_REQUESTS,
            ProblemPage {
                account,
                kind: "rate_limited",
                title: "Gmail asked us to slow down",
                explanation: "Too many requests reached Gmail for your account in a short time.".into(),
                what_to_do: match retry_after {
                    Some(s) => format!("Try again in {s} seconds."),
                    None => "Try again in a minute.".into(),
                },
                action_href: Some("/".into()),
                action_label: "Try again",
            },
        ),
        UpstreamError::TooManyAttempts { retry_after } => (
            StatusCode::TOO_MANY_REQUESTS,
            ProblemPage {
                account,
                kind: "too_many_attempts",
                title: "Too many attempts",
                explanation: "Too many attempts to connect or sign in came from this connection in a short time.".into(),
                what_to_do: match retry_after {
                    Some(s) => format!("Try again in {s} seconds."),
                    None => "Try again in a minute.".into(),
                },
                action_href: Some("/".into()),
                action_label: "Try again",
            },
        ),
        UpstreamError::Unavailable { what, .. } => (
            StatusCode::SERVICE_UNAVAILABLE,
            ProblemPage {
                account,
                kind: "unavailable",
                title: "Temporarily unavailable",
                explanation: match *what {
                    "Google" => "Google did not answer in time.".to_owned(),
                    _ => "A part of this service (its session storage or mail reader) is not answering right now.".to_owned(),
                },
                what_to_do: "Nothing is lost. Wait a moment and try again.".into(),
                action_href: Some("/".into()),
                action_label: "Try again",
            },
        ),
        UpstreamError::BadRequest => (
            StatusCode::BAD_REQUEST,
            ProblemPage {
                account,
                kind: "bad_request",
                title: "This link does not work",
                explanation: "The address names a page of your mail that does not exist; it may be mistyped or out of date.".into(),
                what_to_do: "Start again from your unread messages.".into(),
                action_href: Some("/".into()),
                action_label: "Back to unread",
            },
        ),
        UpstreamError::NotFound => (
            StatusCode::NOT_FOUND,
            ProblemPage {
                account,
                kind: "not_found",
                title: "Message not found",
                explanation: "This message does not exist, or is no longer in your mailbox.".into(),
                what_to_do: "Go back to your unread messages.".into(),
                action_href: Some("/".into()),
                action_label: "Back to unread",
            },
        ),
        UpstreamError::TooLarge => (
            StatusCode::PAYLOAD_TOO_LARGE,
            ProblemPage {
                account,
                kind: "too_large",
                title: "Attachment too large",
                explanation: "This attachment is larger than this service hands out.".into(),
                what_to_do: "Open the message in Gmail itself to download it.".into(),
                action_href: Some("/".into()),
                action_label: "Back to unread",
            },
        ),
        UpstreamError::CrossSite => (
            StatusCode::FORBIDDEN,
            ProblemPage {
                account,
                kind: "cross_site",
                title: "Request refused",
                explanation: "This request did not come from this application's own pages.".into(),
                what_to_do: "Use the buttons on this site.".into(),
                action_href: Some("/".into()),
                action_label: "Home",
            },
        ),
        UpstreamError::Unexpected(detail) => {
            tracing::error!(detail = %detail, "an upstream answered unexpectedly");
            (
                StatusCode::BAD_GATEWAY,
                ProblemPage {
                    account,
                    kind: "unexpected",
                    title: "Something went wrong",
                    explanation: "A service behind this page answered unexpectedly.".into(),
                    what_to_do: "Try again; if it keeps happening, tell the administrator.".into(),
                    action_href: Some("/".into()),
                    action_label: "Try again",
                },
            )
        }
    };
    let mut response = html(status, &page);
    let retry_after = match error {
        UpstreamError::RateLimited { retry_after }
        | UpstreamError::TooManyAttempts { retry_after } => *retry_after,
        UpstreamError::Unavailable { retry_after, .. } => {
            Some(retry_after.unwrap_or(DEFAULT_RETRY_AFTER_SECS))
        }
        _ => None,
    };
    if let Some(s) = retry_after
        && let Ok(value) = actix_web::http::header::HeaderValue::from_str(&s.to_string())
    {
        response
            .headers_mut()
            .insert(actix_web::http::header::RETRY_AFTER, value);
    }
    response
}

/// Unknown routes.
pub async fn not_found() -> HttpResponse {
    html(
        StatusCode::NOT_FOUND,
        &ProblemPage {
            account: None,
            kind: "page_not_found",
            title: "Page not found",
            explanation: "There is no page at this address.".into(),
            what_to_do: "Go to the start page.".into(),
            action_href: Some("/".into()),
            action_label: "Home",
        },
    )
}

/// The page for an error actix answered by itself (status only; its text is not shown).
fn bare_error_page(status: StatusCode) -> HttpResponse {
    let (kind, title, explanation) = match status.as_u16() {
        404 => (
            "page_not_found",
            "Page not found",
            "There is no page at this address.",
        ),
        413 => (
            "payload_too_large",
            "Request too large",
            "What your browser sent is larger than this site accepts.",
        ),
        _ if status.is_client_error() => (
            "bad_request",
            "Request refused",
            "This site could not make sense of what your browser sent.",
        ),
        _ => (
            "unexpected",
            "Something went wrong",
            "This page could not be produced.",
        ),
    };
    html(
        status,
        &ProblemPage {
            account: None,
            kind,
            title,
            explanation: explanation.into(),
            what_to_do: "Go to the start page and try again from there.".into(),
            action_href: Some("/".into()),
            action_label: "Home",
        },
    )
}

/// Middleware giving every bare error response (actix's own `text/plain` or empty errors, see
/// [`common::problem::is_bare_error`]), such as the 413 for a body over the limit, a friendly
/// page instead. Register with `middleware::from_fn(problem::bare_errors_as_pages)`.
pub async fn bare_errors_as_pages(
    request: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    let response = next.call(request).await?.map_into_boxed_body();
    if !common::problem::is_bare_error(response.response()) {
        return Ok(response);
    }
    let status = response.status();
    Ok(response.into_response(bare_error_page(status)))
}
