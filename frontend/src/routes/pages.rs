//! The pages: `/` (connect when logged out, the unread list when logged in), `/messages/{id}`,
//! `POST /api-token`, and friendly pages for every failure a person can meet, including the
//! errors actix answers by itself (an oversized body's 413, see [`bare_errors_as_pages`]).

use actix_web::{
    HttpRequest, HttpResponse,
    body::{BoxBody, MessageBody},
    dev::{ServiceRequest, ServiceResponse},
    http::StatusCode,
    middleware::Next,
    web,
};
use askama::Template;
use contract::{auth::LoginFailure, gmail::is_valid_message_id};
use serde::Deserialize;

use crate::{
    state::FrontendState,
    upstream::UpstreamError,
    views::{
        ApiTokenPage, ApiTokensRevokedPage, ConnectPage, InboxPage, MessagePage, Notice,
        ProblemPage, Row,
    },
};

/// Messages per page.
const PAGE_SIZE: u32 = 50;
/// Longest paging trail accepted (pages visited, newest first page excluded).
const MAX_TRAIL: usize = 100;
/// `Retry-After` of a 503 page when the service behind it gave none.
const DEFAULT_RETRY_AFTER_SECS: u64 = 5;

fn html(status: StatusCode, page: &impl Template) -> HttpResponse {
    match page.render() {
        Ok(body) => HttpResponse::build(status)
            .content_type("text/html; charset=utf-8")
            .insert_header(("Cache-Control", "no-store"))
            .body(body),
        Err(e) => {
            tracing::error!(error = %e, "a template failed to render");
            HttpResponse::InternalServerError().body("The page could not be rendered.")
        }
    }
}

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

/// Query of `/`.
#[derive(Deserialize)]
pub struct HomeQuery {
    /// Page tokens of the pages before this one, comma-separated (Gmail pages only go forward).
    trail: Option<String>,
    /// Why a login failed (set by auth-service).
    login_error: Option<String>,
}

fn parse_trail(raw: Option<&str>) -> Vec<String> {
    let Some(raw) = raw.filter(|r| !r.is_empty() && r.len() <= 16 * 1024) else {
        return Vec::new();
    };
    let tokens: Vec<String> = raw.split(',').map(str::to_owned).collect();
    let valid = tokens.len() <= MAX_TRAIL
        && tokens.iter().all(|t| {
            !t.is_empty()
                && t.len() <= 512
                && t.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b"-_=.~".contains(&b))
        });
    if valid { tokens } else { Vec::new() }
}

fn trail_href(trail: &[String]) -> String {
    if trail.is_empty() {
        return "/".to_owned();
    }
    let joined = trail.join(",");
    let encoded: String = url::form_urlencoded::byte_serialize(joined.as_bytes()).collect();
    format!("/?trail={encoded}")
}

/// `GET /`.
pub async fn home(
    request: HttpRequest,
    query: web::Query<HomeQuery>,
    state: web::Data<FrontendState>,
) -> HttpResponse {
    let upstreams = &state.upstreams;
    let session = match upstreams.session_token(&request).await {
        Ok(s) => s,
        Err(UpstreamError::NotLoggedIn) => {
            let notice = query
                .login_error
                .as_deref()
                .map(|reason| Notice::for_login_error(LoginFailure::from_code(reason)));
            return html(
                StatusCode::OK,
                &ConnectPage {
                    account: None,
                    notice,
                },
            );
        }
        Err(e) => return problem_response(&e, None),
    };
    let trail = parse_trail(query.trail.as_deref());
    let (page, count) = tokio::join!(
        upstreams.unread(
            &session.access_token,
            trail.last().map(String::as_str),
            PAGE_SIZE
        ),
        upstreams.unread_count(&session.access_token)
    );
    let (page, unread) = match (page, count) {
        (Ok(page), Ok(count)) => (page, count),
        // A page token gmail-service refuses (400) or finds nothing for (404) came from the
        // address the person followed: a link that does not work, not a failure.
        (Err(UpstreamError::NotFound), _) | (_, Err(UpstreamError::NotFound)) => {
            return problem_response(&UpstreamError::BadRequest, Some(session.email));
        }
        (Err(e), _) | (_, Err(e)) => return problem_response(&e, Some(session.email)),
    };
    let newer = (!trail.is_empty()).then(|| trail_href(&trail[..trail.len() - 1]));
    let older = page
        .next_page_token
        .as_ref()
        .filter(|_| trail.len() < MAX_TRAIL)
        .map(|next| {
            let mut longer = trail.clone();
            longer.push(next.clone());
            trail_href(&longer)
        });
    html(
        StatusCode::OK,
        &InboxPage {
            account: Some(session.email),
            unread,
            messages: page.messages.into_iter().map(Row::from).collect(),
            newer,
            older,
            page_number: trail.len() + 1,
            openapi_url: format!("{}/openapi.json", state.settings.gmail_public_url),
        },
    )
}

/// `GET /messages/{id}`.
pub async fn message(
    request: HttpRequest,
    path: web::Path<String>,
    state: web::Data<FrontendState>,
) -> HttpResponse {
    let id = path.into_inner();
    if !is_valid_message_id(&id) {
        return problem_response(&UpstreamError::NotFound, None);
    }
    let upstreams = &state.upstreams;
    let session = match upstreams.session_token(&request).await {
        Ok(s) => s,
        Err(e) => return problem_response(&e, None),
    };
    match upstreams.message(&session.access_token, &id).await {
        Ok(m) => html(StatusCode::OK, &MessagePage::new(session.email, m)),
        // An id gmail-service refuses is one that names no message.
        Err(UpstreamError::BadRequest) => {
            problem_response(&UpstreamError::NotFound, Some(session.email))
        }
        Err(e) => problem_response(&e, Some(session.email)),
    }
}

/// `POST /api-token`: creates an API token and shows it once with a ready-to-paste `curl`.
pub async fn api_token(request: HttpRequest, state: web::Data<FrontendState>) -> HttpResponse {
    let token = match state.upstreams.api_token(&request).await {
        Ok(t) => t,
        Err(e) => return problem_response(&e, None),
    };
    let public = &state.settings.gmail_public_url;
    let expires = chrono::DateTime::from_timestamp(token.expires_at, 0)
        .map(|d| d.format("%-d %b %Y, %H:%M UTC").to_string())
        .unwrap_or_else(|| "in one hour".into());
    html(
        StatusCode::OK,
        &ApiTokenPage {
            curl: format!(
                "curl -H \"Authorization: Bearer {}\" \"{public}/v1/messages/unread?limit=5\"",
                token.access_token
            ),
            account: Some(token.email),
            token: token.access_token,
            openapi_url: format!("{public}/openapi.json"),
            expires,
        },
    )
}

/// `POST /api-tokens/revoke`: every API token of the account created so far stops working.
pub async fn revoke_api_tokens(
    request: HttpRequest,
    state: web::Data<FrontendState>,
) -> HttpResponse {
    if let Err(e) = state.upstreams.revoke_api_tokens(&request).await {
        return problem_response(&e, None);
    }
    html(StatusCode::OK, &ApiTokensRevokedPage { account: None })
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
/// page instead. Register with `middleware::from_fn(pages::bare_errors_as_pages)`.
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn trails_are_bounded_and_well_formed() {
        assert_eq!(parse_trail(Some("a,b")), ["a", "b"]);
        assert!(parse_trail(Some("a,,b")).is_empty());
        assert!(parse_trail(Some("a,<script>")).is_empty());
        assert!(parse_trail(Some(&vec!["t"; 101].join(","))).is_empty());
        assert_eq!(trail_href(&[]), "/");
        assert_eq!(trail_href(&["a".into(), "b".into()]), "/?trail=a%2Cb");
    }
}
