//! `GET /v1/messages/unread`, `GET /v1/messages/{id}`, `GET /v1/unread-count`.

use actix_web::{HttpResponse, web};
use contract::{
    gmail::{UnreadQuery, is_valid_message_id},
    problem::Problem as ProblemBody,
};

use crate::{
    http::{caller::Caller, error::ApiError},
    mail::{MessageDetail, ThreadDetail, UnreadCount, UnreadPage},
    mailbox::Mailbox,
};

fn no_store(response: &mut actix_web::HttpResponseBuilder) -> &mut actix_web::HttpResponseBuilder {
    response.insert_header((actix_web::http::header::CACHE_CONTROL, "private, no-store"))
}

/// Unread messages, newest first.
///
/// Sender, subject, date, snippet and labels of the account's unread messages (spam and trash
/// excluded). Page through them with `next_page_token`: mail that arrives meanwhile never
/// shifts the next page. An empty mailbox is an empty list. Served from the account's mirror of
/// Gmail, brought up to date first when older than `SYNC_MAX_AGE_SECS`; `synced_at` says when
/// it last matched Gmail.
#[utoipa::path(
    get,
    path = "/v1/messages/unread",
    tag = "messages",
    params(UnreadQuery),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "A page of unread messages", body = UnreadPage),
        (status = 400, description = "`bad_request`: limit outside 1..100, malformed query, or a page token this service did not issue", body = ProblemBody, content_type = "application/problem+json"),
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
    let limit = query
        .limit()
        .map_err(|e| ApiError::BadRequest(e.to_string()))?;
    let page_token = query
        .page_token()
        .map_err(|e| ApiError::BadRequest(e.to_string()))?;
    let page = mailbox
        .unread_page(
            caller.account(),
            limit,
            page_token,
            query.positions == Some(true),
        )
        .await?;
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
    let detail = mailbox.message(caller.account(), &id).await?;
    Ok(no_store(&mut HttpResponse::Ok()).json(detail))
}

/// The conversation a message belongs to.
///
/// Every message of the message's thread, oldest first, each as `GET /v1/messages/{id}`
/// answers it. One `threads.get` (10 units), and a `messages.get` (5) first when the message is
/// not among the unread ones this service mirrors.
#[utoipa::path(
    get,
    path = "/v1/messages/{id}/thread",
    tag = "messages",
    params(("id" = String, Path, description = "Gmail message id (letters and digits)", pattern = "^[A-Za-z0-9]{1,64}$")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The thread", body = ThreadDetail),
        (status = 400, description = "`bad_request`: malformed id", body = ProblemBody, content_type = "application/problem+json"),
        (status = 401, description = "`invalid_token` or `reauth_required`", body = ProblemBody, content_type = "application/problem+json"),
        (status = 403, description = "`insufficient_scope`", body = ProblemBody, content_type = "application/problem+json"),
        (status = 404, description = "`not_found`: no such message in this account", body = ProblemBody, content_type = "application/problem+json"),
        (status = 429, description = "`upstream_rate_limited`", body = ProblemBody, content_type = "application/problem+json",
            headers(("Retry-After" = u64, description = "Seconds to wait"))),
        (status = 502, description = "`upstream_error`", body = ProblemBody, content_type = "application/problem+json"),
        (status = 503, description = "`upstream_unavailable` or `dependency_unavailable`", body = ProblemBody, content_type = "application/problem+json",
            headers(("Retry-After" = u64, description = "Seconds to wait"))),
    )
)]
pub async fn thread(
    caller: Caller,
    id: web::Path<String>,
    mailbox: web::Data<Mailbox>,
) -> Result<HttpResponse, ApiError> {
    if !is_valid_message_id(&id) {
        return Err(ApiError::BadRequest(
            "A message id is 1 to 64 letters and digits.".into(),
        ));
    }
    let thread = mailbox.thread(caller.account(), &id).await?;
    Ok(no_store(&mut HttpResponse::Ok()).json(thread))
}

/// How many messages are unread.
///
/// The number of messages `GET /v1/messages/unread` pages through (spam and trash excluded),
/// from the same mirror, so the two always agree.
#[utoipa::path(
    get,
    path = "/v1/unread-count",
    tag = "messages",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "How many messages the unread list holds, and when that last matched Gmail", body = UnreadCount),
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
    let count = mailbox.unread_count(caller.account()).await?;
    Ok(no_store(&mut HttpResponse::Ok()).json(count))
}
