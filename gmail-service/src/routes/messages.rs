//! `GET /v1/messages/unread`, `GET /v1/messages/{id}`, `GET /v1/unread-count`.

use actix_web::{HttpResponse, web};
use serde::Deserialize;
use utoipa::IntoParams;

use crate::{
    api_error::ApiError,
    auth::Caller,
    mail::{MessageDetail, UnreadCount, UnreadPage, is_valid_message_id},
    mailbox::Mailbox,
    routes::openapi::ProblemBody,
};

/// Page size bounds of the contract.
pub const MIN_LIMIT: u32 = 1;
pub const MAX_LIMIT: u32 = 100;
pub const DEFAULT_LIMIT: u32 = 50;
/// Gmail's page tokens are short; anything much longer is not one.
const MAX_PAGE_TOKEN_LEN: usize = 1024;

/// Query of `GET /v1/messages/unread`.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct UnreadQuery {
    /// Messages per page.
    #[param(minimum = 1, maximum = 100, default = 50)]
    pub limit: Option<u32>,
    /// `next_page_token` of the previous page (opaque).
    #[param(min_length = 1, max_length = 1024)]
    pub page_token: Option<String>,
}

fn no_store(response: &mut actix_web::HttpResponseBuilder) -> &mut actix_web::HttpResponseBuilder {
    response.insert_header((actix_web::http::header::CACHE_CONTROL, "private, no-store"))
}

/// Unread messages, newest first.
///
/// Sender, subject, date, snippet and labels of the account's unread messages (spam and trash
/// excluded). Page through them with `next_page_token`. An empty mailbox is an empty list.
#[utoipa::path(
    get,
    path = "/v1/messages/unread",
    tag = "messages",
    params(UnreadQuery),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "A page of unread messages", body = UnreadPage),
        (status = 400, description = "`bad_request`: limit outside 1..100, malformed query, or a page token Gmail refuses", body = ProblemBody, content_type = "application/problem+json"),
        (status = 401, description = "`invalid_token` (missing, malformed, forged, expired or revoked JWT) or `reauth_required` (Google no longer accepts the grant)", body = ProblemBody, content_type = "application/problem+json"),
        (status = 403, description = "`insufficient_scope`: the Google grant does not allow reading Gmail", body = ProblemBody, content_type = "application/problem+json"),
        (status = 429, description = "`upstream_rate_limited`: Gmail's per-account quota is spent", body = ProblemBody, content_type = "application/problem+json",
            headers(("Retry-After" = u64, description = "Seconds to wait"))),
        (status = 502, description = "`upstream_error`: Gmail answered unexpectedly", body = ProblemBody, content_type = "application/problem+json"),
        (status = 503, description = "`upstream_unavailable` (Google failed or timed out, or the request's deadline passed) or `dependency_unavailable` (Redis, auth-service)", body = ProblemBody, content_type = "application/problem+json",
            headers(("Retry-After" = u64, description = "Seconds to wait"))),
    )
)]
pub async fn unread(
    caller: Caller,
    query: web::Query<UnreadQuery>,
    mailbox: web::Data<Mailbox>,
) -> Result<HttpResponse, ApiError> {
    let limit = query.limit.unwrap_or(DEFAULT_LIMIT);
    if !(MIN_LIMIT..=MAX_LIMIT).contains(&limit) {
        return Err(ApiError::BadRequest(format!(
            "limit must be between {MIN_LIMIT} and {MAX_LIMIT}."
        )));
    }
    let page_token = query.page_token.as_deref();
    if let Some(token) = page_token
        && (token.is_empty() || token.len() > MAX_PAGE_TOKEN_LEN)
    {
        return Err(ApiError::BadRequest(
            "page_token is not a page token.".into(),
        ));
    }
    let page = mailbox.unread_page(&caller, limit, page_token).await?;
    Ok(no_store(&mut HttpResponse::Ok()).json(page))
}

/// One message with its readable text and attachment list.
#[utoipa::path(
    get,
    path = "/v1/messages/{id}",
    tag = "messages",
    params(("id" = String, Path, description = "Gmail message id (letters and digits)", pattern = "^[A-Za-z0-9]{1,64}$")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The message", body = MessageDetail),
        (status = 400, description = "`bad_request`: malformed id", body = ProblemBody, content_type = "application/problem+json"),
        (status = 401, description = "`invalid_token` or `reauth_required`", body = ProblemBody, content_type = "application/problem+json"),
        (status = 403, description = "`insufficient_scope`", body = ProblemBody, content_type = "application/problem+json"),
        (status = 404, description = "`not_found`: no such message in this account, or an id Gmail could never have made (mistyped)", body = ProblemBody, content_type = "application/problem+json"),
        (status = 429, description = "`upstream_rate_limited`", body = ProblemBody, content_type = "application/problem+json",
            headers(("Retry-After" = u64, description = "Seconds to wait"))),
        (status = 502, description = "`upstream_error`", body = ProblemBody, content_type = "application/problem+json"),
        (status = 503, description = "`upstream_unavailable` or `dependency_unavailable`", body = ProblemBody, content_type = "application/problem+json",
            headers(("Retry-After" = u64, description = "Seconds to wait"))),
    )
)]
pub async fn message(
    caller: Caller,
    id: web::Path<String>,
    mailbox: web::Data<Mailbox>,
) -> Result<HttpResponse, ApiError> {
    if !is_valid_message_id(&id) {
        return Err(ApiError::BadRequest(
            "A message id is 1 to 64 letters and digits.".into(),
        ));
    }
    let detail = mailbox.message(&caller, &id).await?;
    Ok(no_store(&mut HttpResponse::Ok()).json(detail))
}

/// How many messages are unread.
///
/// The number of messages `GET /v1/messages/unread` pages through (spam and trash excluded).
#[utoipa::path(
    get,
    path = "/v1/unread-count",
    tag = "messages",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "How many messages the unread list holds (the UNREAD label's count less the unread in SPAM and TRASH)", body = UnreadCount),
        (status = 401, description = "`invalid_token` or `reauth_required`", body = ProblemBody, content_type = "application/problem+json"),
        (status = 403, description = "`insufficient_scope`", body = ProblemBody, content_type = "application/problem+json"),
        (status = 429, description = "`upstream_rate_limited`", body = ProblemBody, content_type = "application/problem+json",
            headers(("Retry-After" = u64, description = "Seconds to wait"))),
        (status = 502, description = "`upstream_error`", body = ProblemBody, content_type = "application/problem+json"),
        (status = 503, description = "`upstream_unavailable` or `dependency_unavailable`", body = ProblemBody, content_type = "application/problem+json",
            headers(("Retry-After" = u64, description = "Seconds to wait"))),
    )
)]
pub async fn unread_count(
    caller: Caller,
    mailbox: web::Data<Mailbox>,
) -> Result<HttpResponse, ApiError> {
    let count = mailbox.unread_count(&caller).await?;
    Ok(no_store(&mut HttpResponse::Ok()).json(count))
}
