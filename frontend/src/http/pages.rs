//! The pages: `/` (connect when logged out, the unread list when logged in), `/messages/{id}`,
//! `POST /api-token` and `POST /api-tokens/revoke`. Their failures are the pages of
//! [`problem`](crate::http::problem).

use actix_web::{HttpRequest, HttpResponse, http::StatusCode, web};
use contract::{
    auth::{IssuedToken, LoginFailure},
    gmail::{UnreadQuery, is_valid_message_id},
};
use serde::Deserialize;

use crate::merge::{Cursor, Position, Run, merge};
use crate::{
    http::{
        browser::browser_headers, problem::problem_response, render::html, session::SessionCookie,
    },
    state::FrontendState,
    upstream::{BrowserHeaders, UpstreamError},
    views::{
        AccountTab, AccountsNav, ApiTokenPage, ApiTokensRevokedPage, ConnectPage, InboxPage,
        MessagePage, MessageView, Notice, Row, with_account,
    },
};
use futures_util::future::join_all;

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

/// The account a request names (`?account=<address>`), if it names a plausible one.
pub(crate) fn chosen_account(request: &HttpRequest) -> Option<String> {
    url::form_urlencoded::parse(request.query_string().as_bytes())
        .find(|(name, _)| name == contract::paths::auth::ACCOUNT_PARAM)
        .map(|(_, value)| value.into_owned())
        .filter(|email| contract::auth::is_plausible_email(email))
}

/// A session token for the browser's cookies, for the account the request names (else the
/// session's first); none is not logged in (and calls nobody).
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
        .session_token(
            browser(request, state, Some(cookie), false),
            chosen_account(request).as_deref(),
        )
        .await
}

/// Query of `/`.
#[derive(Deserialize)]
pub struct HomeQuery {
    /// Page tokens of the pages before this one, comma-separated (Gmail pages only go forward).
    trail: Option<String>,
    /// Where the merged view of several accounts goes on ([`Cursor`]).
    cursor: Option<String>,
    /// The merged view's page number (shown only).
    page: Option<usize>,
    /// Why a login failed (set by auth-service).
    login_error: Option<String>,
}

fn parse_trail(raw: Option<&str>) -> Vec<String> {
    let Some(raw) = raw.filter(|r| !r.is_empty() && r.len() <= 16 * 1024) else {
        return Vec::new();
    };
    let tokens: Vec<String> = raw.split(',').map(str::to_owned).collect();
    let valid = tokens.len() <= MAX_TRAIL
        && tokens
            .iter()
            .all(|t| contract::gmail::is_plausible_page_token(t));
    if valid { tokens } else { Vec::new() }
}

fn trail_href(trail: &[String], account: Option<&str>) -> String {
    if trail.is_empty() {
        return with_account("/".to_owned(), account);
    }
    let joined = trail.join(",");
    let encoded: String = url::form_urlencoded::byte_serialize(joined.as_bytes()).collect();
    with_account(format!("/?trail={encoded}"), account)
}

/// `GET /`: the connect page when logged out; else the unread list of the one account, of the
/// account `?account=` names, or of all the session's accounts merged.
pub async fn home(
    request: HttpRequest,
    cookie: Option<SessionCookie>,
    query: web::Query<HomeQuery>,
    state: web::Data<FrontendState>,
) -> HttpResponse {
    let notice = query
        .login_error
        .as_deref()
        .map(|reason| Notice::for_login_error(LoginFailure::from_code(reason)));
    let tokens = match cookie.as_ref() {
        Some(cookie) => {
            state
                .upstreams
                .session_tokens(browser(&request, &state, Some(cookie), false))
                .await
        }
        None => Err(UpstreamError::NotLoggedIn),
    };
    let tokens = match tokens {
        Ok(t) if !t.tokens.is_empty() => t.tokens,
        Ok(_) | Err(UpstreamError::NotLoggedIn) => {
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
    let chosen = chosen_account(&request);
    let shown = match chosen.as_deref() {
        Some(email) => match tokens
            .iter()
            .position(|t| t.email.eq_ignore_ascii_case(email))
        {
            Some(n) => Some(n),
            None => return problem_response(&UpstreamError::NotFound, None),
        },
        None if tokens.len() == 1 => Some(0),
        None => None,
    };
    // Every page read says its account's unread count; only the tabs of the accounts not
    // shown need a count of their own.
    let (listed, counts) = match shown {
        Some(n) => {
            let upstreams = &state.upstreams;
            let others = join_all(tokens.iter().enumerate().map(|(k, t)| async move {
                if k == n {
                    None
                } else {
                    Some(upstreams.unread_count(&t.access_token).await)
                }
            }));
            tokio::join!(
                one_account(&state, &query, &tokens[n], tokens.len() > 1),
                others
            )
        }
        None => (all_accounts(&state, &query, &tokens).await, Vec::new()),
    };
    let listed = match listed {
        Ok(listed) => listed,
        Err(e) => return problem_response(&e, Some(tokens[shown.unwrap_or(0)].email.clone())),
    };
    let counts: Vec<Option<u64>> = (0..tokens.len())
        .map(|k| match (shown, counts.get(k)) {
            (Some(n), _) if n == k => listed.unread.first().copied().flatten(),
            (Some(_), Some(Some(count))) => count.as_ref().ok().copied(),
            (Some(_), _) => None,
            (None, _) => listed.unread.get(k).copied().flatten(),
        })
        .collect();
    let unread = match shown {
        Some(n) => counts[n].unwrap_or_default(),
        None => counts.iter().flatten().sum(),
    };
    let accounts = (tokens.len() > 1).then(|| AccountsNav {
        tabs: tokens
            .iter()
            .zip(&counts)
            .enumerate()
            .map(|(n, (t, count))| AccountTab {
                email: t.email.clone(),
                unread: *count,
                colour: n % ACCOUNT_COLOURS,
                href: with_account("/".to_owned(), Some(&t.email)),
                current: shown == Some(n),
            })
            .collect(),
        all_current: shown.is_none(),
        all_unread: counts.iter().flatten().sum(),
        live_accounts: serde_json::to_string(&match shown {
            Some(n) => vec![tokens[n].email.as_str()],
            None => tokens.iter().map(|t| t.email.as_str()).collect(),
        })
        .unwrap_or_else(|_| "[]".into()),
    });
    let account = shown.map_or_else(
        || format!("{} accounts", tokens.len()),
        |n| tokens[n].email.clone(),
    );
    html(
        StatusCode::OK,
        &InboxPage {
            account: Some(account),
            account_query: shown
                .filter(|_| tokens.len() > 1)
                .map(|n| with_account(String::new(), Some(&tokens[n].email)))
                .unwrap_or_default(),
            shown_account: shown
                .filter(|_| tokens.len() > 1)
                .map(|n| tokens[n].email.clone()),
            accounts,
            notice,
            unread,
            messages: listed.rows,
            newer: listed.newer,
            older: listed.older,
            page_number: listed.page_number,
            openapi_url: format!("{}/openapi.json", state.settings.gmail_public_url),
            live: listed.live,
        },
    )
}

/// How many colours mark the accounts (`account-0` … in `style.css`).
const ACCOUNT_COLOURS: usize = 5;

/// One page of an inbox view: its rows and paging.
struct Listed {
    rows: Vec<Row>,
    /// The unread count of each account read (the one shown, or every account in order).
    unread: Vec<Option<u64>>,
    newer: Option<String>,
    older: Option<String>,
    page_number: usize,
    live: bool,
}

/// A page of one account's unread list (`several`: the session has others, so links name it).
async fn one_account(
    state: &FrontendState,
    query: &HomeQuery,
    token: &IssuedToken,
    several: bool,
) -> Result<Listed, UpstreamError> {
    let named = several.then_some(token.email.as_str());
    let trail = parse_trail(query.trail.as_deref());
    let page = state
        .upstreams
        .unread(
            &token.access_token,
            &UnreadQuery::new(PAGE_SIZE, trail.last().map(String::as_str)),
        )
        .await
        // A page token gmail-service refuses (400) or finds nothing for (404) came from the
        // address the person followed: a link that does not work, not a failure.
        .map_err(|e| match e {
            UpstreamError::NotFound => UpstreamError::BadRequest,
            e => e,
        })?;
    let newer = (!trail.is_empty()).then(|| trail_href(&trail[..trail.len() - 1], named));
    let older = page
        .next_page_token
        .as_ref()
        .filter(|_| trail.len() < MAX_TRAIL)
        .map(|next| {
            let mut longer = trail.clone();
            longer.push(next.clone());
            trail_href(&longer, named)
        });
    Ok(Listed {
        unread: vec![Some(page.result_size_estimate)],
        rows: page
            .messages
            .into_iter()
            .map(|m| match named {
                Some(email) => Row::of_account(m, email, 0, false),
                None => Row::from(m),
            })
            .collect(),
        newer,
        older,
        page_number: trail.len() + 1,
        live: trail.is_empty(),
    })
}

/// Reads one account's list from `at`: the page there and, when it has fewer than a page's
/// worth left (a position within a page, from a gmail-service that gave no `tokens_after`),
/// the page after it; with the account's unread count.
async fn read_run(
    state: &FrontendState,
    token: &IssuedToken,
    at: Position,
) -> Result<(Run, u64), UpstreamError> {
    let unread = |page_token: Option<String>| async move {
        let query = UnreadQuery::new(PAGE_SIZE, page_token.as_deref()).with_positions();
        state.upstreams.unread(&token.access_token, &query).await
    };
    let first = unread(at.token.clone()).await?;
    let left = first.messages.len().saturating_sub(at.skip);
    let second = match first.next_page_token.clone() {
        Some(next) if left < PAGE_SIZE as usize => {
            let page = unread(Some(next.clone())).await?;
            Some((next, page))
        }
        _ => None,
    };
    let total = second
        .as_ref()
        .map_or(first.result_size_estimate, |(_, p)| p.result_size_estimate);
    let mut run = Run::default();
    run.push_page(at.token.as_deref(), at.skip, first);
    if let Some((next, page)) = second {
        run.push_page(Some(&next), 0, page);
    }
    Ok((run, total))
}

/// A page of every account's unread mail merged, newest first ([`crate::merge`]).
async fn all_accounts(
    state: &FrontendState,
    query: &HomeQuery,
    tokens: &[IssuedToken],
) -> Result<Listed, UpstreamError> {
    let cursor = match query.cursor.as_deref() {
        Some(raw) => Cursor::parse(raw).ok_or(UpstreamError::BadRequest)?,
        None => Cursor::default(),
    };
    let runs = join_all(
        tokens
            .iter()
            .map(|t| read_run(state, t, cursor.position(&t.email))),
    )
    .await
    .into_iter()
    .map(|run| {
        run.map_err(|e| match e {
            UpstreamError::NotFound => UpstreamError::BadRequest,
            e => e,
        })
    })
    .collect::<Result<Vec<_>, _>>()?;
    let (runs, unread): (Vec<Run>, Vec<Option<u64>>) =
        runs.into_iter().map(|(run, n)| (run, Some(n))).unzip();
    let emails: Vec<String> = tokens.iter().map(|t| t.email.clone()).collect();
    let merged = merge(&emails, runs, &cursor, PAGE_SIZE as usize);
    let page_number = if query.cursor.is_some() {
        query.page.unwrap_or(2).clamp(2, 100_000)
    } else {
        1
    };
    Ok(Listed {
        unread,
        rows: merged
            .rows
            .into_iter()
            .map(|(n, m)| Row::of_account(m, &emails[n], n % ACCOUNT_COLOURS, true))
            .collect(),
        newer: (page_number > 1).then(|| "/".to_owned()),
        older: merged
            .next
            .map(|next| format!("/?cursor={}&page={}", next.encode(), page_number + 1)),
        page_number,
        live: page_number == 1,
    })
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
            &MessagePage::new(
                session.email.clone(),
                m,
                view,
                others,
                chosen_account(&request).map(|_| session.email.as_str()),
            ),
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
    let token = match state
        .upstreams
        .api_token(browser, chosen_account(&request).as_deref())
        .await
    {
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
    if let Err(e) = state
        .upstreams
        .revoke_api_tokens(browser, chosen_account(&request).as_deref())
        .await
    {
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
        assert_eq!(trail_href(&[], None), "/");
        assert_eq!(trail_href(&["a".into(), "b".into()], None), "/?trail=a%2Cb");
        assert_eq!(
            trail_href(&["a".into()], Some("bob@example.com")),
            "/?trail=a&account=bob%40example.com"
        );
    }
}
