//! The pages: `/` (connect when logged out, the unread list when logged in), `/messages/{id}`,
//! `POST /api-token` and `POST /api-tokens/revoke`. Their failures are the pages of
//! [`problem`](crate::http::problem).

use actix_web::{HttpRequest, HttpResponse, http::StatusCode, web};
use contract::{
    auth::{IssuedToken, LoginFailure},
    gmail::is_valid_message_id,
};
use serde::Deserialize;

use crate::{
    http::{
        browser::browser_headers, problem::problem_response, render::html, session::SessionCookie,
    },
    state::FrontendState,
    upstream::{BrowserHeaders, UpstreamError},
    views::{
        ApiTokenPage, ApiTokensRevokedPage, ConnectPage, InboxPage, MessagePage, MessageView,
        Notice, Row,
    },
};

/// Messages per page.
const PAGE_SIZE: u32 = 50;
/// Longest paging trail accepted (pages visited, newest first page excluded).
const MAX_TRAIL: usize = 100;

/// What a cookie-authenticated call to auth-service passes on: the client address, and the
/// browser's cookies and `origin_headers` (for the calls that refuse cross-site use).
fn browser(
    request: &HttpRequest,
    state: &FrontendState,
    cookie: Option<&SessionCookie>,
    origin_headers: bool,
) -> BrowserHeaders {
    let names: &[&'static str] = if origin_headers {
        &["origin", "sec-fetch-site"]
    } else {
        &[]
    };
    let headers = browser_headers(request, &state.settings.trusted_proxies, names);
    match cookie {
        Some(cookie) => headers.cookie(cookie.as_str()),
        None => headers,
    }
}

/// A session token for the browser's cookies; none is not logged in (and calls nobody).
pub(crate) async fn session_token(
    request: &HttpRequest,
    state: &FrontendState,
    cookie: Option<&SessionCookie>,
) -> Result<IssuedToken, UpstreamError> {
    let Some(cookie) = cookie else {
        return Err(UpstreamError::NotLoggedIn);
    };
    state
        .upstreams
        .session_token(browser(request, state, Some(cookie), false))
        .await
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
    cookie: Option<SessionCookie>,
    query: web::Query<HomeQuery>,
    state: web::Data<FrontendState>,
) -> HttpResponse {
    let upstreams = &state.upstreams;
    let session = match session_token(&request, &state, cookie.as_ref()).await {
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
            live: trail.is_empty(),
        },
    )
}

/// `GET /messages/{id}`'s query: `view=text` shows the text of a message that has HTML,
/// `images=1` its remote images.
#[derive(Deserialize)]
pub struct MessageQuery {
    view: Option<String>,
    images: Option<String>,
}

/// `GET /messages/{id}`.
pub async fn message(
    request: HttpRequest,
    cookie: Option<SessionCookie>,
    path: web::Path<String>,
    query: web::Query<MessageQuery>,
    state: web::Data<FrontendState>,
) -> HttpResponse {
    let view = MessageView {
        as_text: query.view.as_deref() == Some("text"),
        images: query.images.as_deref() == Some("1"),
    };
    let id = path.into_inner();
    if !is_valid_message_id(&id) {
        return problem_response(&UpstreamError::NotFound, None);
    }
    let upstreams = &state.upstreams;
    let session = match session_token(&request, &state, cookie.as_ref()).await {
        Ok(s) => s,
        Err(e) => return problem_response(&e, None),
    };
    // The conversation (one threads.get), the message among it; alone if Gmail lost it there.
    let found = match upstreams.thread(&session.access_token, &id).await {
        Ok(thread) => {
            let (mine, others): (Vec<_>, Vec<_>) =
                thread.messages.into_iter().partition(|m| m.id == id);
            match mine.into_iter().next() {
                Some(m) => Ok((m, others)),
                None => upstreams
                    .message(&session.access_token, &id)
                    .await
                    .map(|m| (m, others)),
            }
        }
        Err(e) => Err(e),
    };
    match found {
        Ok((m, others)) => html(
            StatusCode::OK,
            &MessagePage::new(session.email, m, view, others),
        ),
        // An id gmail-service refuses is one that names no message.
        Err(UpstreamError::BadRequest) => {
            problem_response(&UpstreamError::NotFound, Some(session.email))
        }
        Err(e) => problem_response(&e, Some(session.email)),
    }
}

/// `POST /api-token`: creates an API token and shows it once with a ready-to-paste `curl`.
pub async fn api_token(
    request: HttpRequest,
    cookie: Option<SessionCookie>,
    state: web::Data<FrontendState>,
) -> HttpResponse {
    let browser = browser(&request, &state, cookie.as_ref(), true);
    let token = match state.upstreams.api_token(browser).await {
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
    cookie: Option<SessionCookie>,
    state: web::Data<FrontendState>,
) -> HttpResponse {
    let browser = browser(&request, &state, cookie.as_ref(), true);
    if let Err(e) = state.upstreams.revoke_api_tokens(browser).await {
        return problem_response(&e, None);
    }
    html(StatusCode::OK, &ApiTokensRevokedPage { account: None })
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
