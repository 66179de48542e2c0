//! The Gmail API v1 subset under `/gmail/v1/users/{userId}/`: `messages` (list), `messages/{id}`,
//! `messages/{id}/attachments/{attachmentId}`, `threads/{id}`, `labels/{id}`, `profile`, `history` (the changes since start-up: mail delivered, labels
//! changed and messages deleted through `/emulator/…`, the newest `EMULATOR_HISTORY_RETENTION`
//! of them), `watch` and `stop` (push notifications, [`crate::push`]), with Google's paging,
//! formats, scopes, quota and errors.
//!
//! Every call goes through [`begin`]: count it, take one of the account's concurrent-request
//! slots (`EMULATOR_MAX_CONCURRENT_PER_USER`; none free: 429, no quota charged), apply latency
//! and injected faults, check the bearer token, the scope and the user, then charge the per-user
//! quota. The slot is held by the returned [`Caller`] until the handler ends, however it ends.

pub mod auth;
pub mod error;
pub mod query;

use std::{collections::BTreeSet, sync::Arc};

use actix_web::{HttpRequest, HttpResponse, web};
use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use serde_json::json;
use sha2::{Digest, Sha256};

use crate::{
    faults::Fault,
    gmail::{error::GoogleApiError, query::Query},
    mailbox::{HistoryChange, Mailbox, MessageFormat, SYSTEM_LABELS},
    oauth::scopes::{GMAIL_METADATA, GMAIL_READONLY},
    params::Params,
    push::{LabelFilterBehavior, Watch},
    state::{AccessToken, EmulatorState, InFlight},
};

/// Gmail's default and largest page sizes.
const DEFAULT_PAGE: usize = 100;
const MAX_PAGE: usize = 500;

/// What a call may see with the token's scopes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Access {
    Full,
    MetadataOnly,
}

struct Caller {
    account: usize,
    access: Access,
    /// The account's concurrent-request slot, released when the handler ends.
    _in_flight: Option<InFlight>,
}

async fn begin(
    request: &HttpRequest,
    state: &EmulatorState,
    user_id: &str,
    kind: &str,
    units: u32,
) -> Result<Caller, GoogleApiError> {
    state.count(kind);
    let (latency, fault, slow) = state.draw_fault(|p| p.gmail);
    // A request holds its slot from arrival, so latency and slow answers keep it in flight.
    let token = auth::bearer_token(request, state);
    let in_flight = match &token {
        Ok(token) => match state.enter_gmail(token.account) {
            Ok(slot) => slot,
            Err(_) => {
                state.count("gmail.concurrent_rejected");
                if !latency.is_zero() {
                    tokio::time::sleep(latency).await;
                }
                return Err(GoogleApiError::too_many_concurrent());
            }
        },
        Err(_) => None,
    };
    if !latency.is_zero() {
        tokio::time::sleep(latency).await;
    }
    match fault {
        Fault::None => {}
        Fault::Slow => tokio::time::sleep(slow).await,
        Fault::RateLimited => return Err(GoogleApiError::too_many_concurrent()),
        Fault::ServerError => return Err(GoogleApiError::backend_error()),
        Fault::Unavailable => return Err(GoogleApiError::unavailable()),
    }
    let token: AccessToken = token?;
    let access = if token.scopes.contains(GMAIL_READONLY) {
        Access::Full
    } else if token.scopes.contains(GMAIL_METADATA) {
        Access::MetadataOnly
    } else {
        return Err(GoogleApiError::insufficient_scope());
    };
    let own_email = state
        .accounts
        .get(token.account)
        .map(|a| a.email.as_str())
        .unwrap_or_default();
    if user_id != "me" && !user_id.eq_ignore_ascii_case(own_email) {
        return Err(GoogleApiError::forbidden(&format!(
            "Delegation denied for {own_email}"
        )));
    }
    state
        .charge_quota(token.account, units)
        .map_err(GoogleApiError::user_rate_limited)?;
    Ok(Caller {
        account: token.account,
        access,
        _in_flight: in_flight,
    })
}

/// The caller's mailbox as it is now (with messages delivered and labels changed since start-up).
fn mailbox(state: &EmulatorState, caller: &Caller) -> Result<Arc<Mailbox>, GoogleApiError> {
    state
        .current_mailbox(caller.account)
        .ok_or_else(GoogleApiError::backend_error)
}

fn one<'a>(params: &'a Params, name: &str) -> Result<Option<&'a str>, GoogleApiError> {
    params
        .get(name)
        .map_err(|e| GoogleApiError::invalid_argument(&e))
}

fn bool_param(params: &Params, name: &str) -> Result<bool, GoogleApiError> {
    match one(params, name)? {
        None | Some("false") => Ok(false),
        Some("true") => Ok(true),
        Some(other) => Err(GoogleApiError::invalid_argument(&format!(
            "Invalid value at '{name}' (TYPE_BOOL), \"{other}\""
        ))),
    }
}

/// A page token names the offset and is bound to the query it was issued for.
fn page_token(offset: usize, fingerprint: &str) -> String {
    URL_SAFE_NO_PAD.encode(format!("{offset}:{fingerprint}"))
}

fn parse_page_token(token: &str, fingerprint: &str) -> Option<usize> {
    let decoded = String::from_utf8(URL_SAFE_NO_PAD.decode(token).ok()?).ok()?;
    let (offset, fp) = decoded.split_once(':')?;
    (fp == fingerprint).then_some(())?;
    offset.parse().ok()
}

/// `GET …/messages`.
pub async fn list_messages(
    request: HttpRequest,
    path: web::Path<String>,
    state: web::Data<EmulatorState>,
) -> Result<HttpResponse, GoogleApiError> {
    let caller = begin(&request, &state, &path, "gmail.messages.list", 5).await?;
    let params = Params::parse(request.query_string());
    let q = one(&params, "q")?.unwrap_or("");
    if !q.is_empty() && caller.access == Access::MetadataOnly {
        return Err(GoogleApiError::forbidden(
            "Metadata scope does not support 'q' parameter",
        ));
    }
    let max_results = match one(&params, "maxResults")? {
        None => DEFAULT_PAGE,
        Some(raw) => match raw.parse::<usize>() {
            Ok(n) if n >= 1 => n.min(MAX_PAGE),
            _ => {
                return Err(GoogleApiError::invalid_argument(&format!(
                    "Invalid value at 'max_results' (TYPE_UINT32), \"{raw}\""
                )));
            }
        },
    };
    let label_ids: BTreeSet<&str> = params.all("labelIds").into_iter().collect();
    let include_spam_trash = bool_param(&params, "includeSpamTrash")?;
    let query = Query::parse(q);
    let fingerprint = {
        let material = format!("{q}\u{1}{label_ids:?}\u{1}{include_spam_trash}");
        hex_prefix(&Sha256::digest(material.as_bytes()))
    };
    let offset = match one(&params, "pageToken")? {
        None => 0,
        Some(token) => parse_page_token(token, &fingerprint)
            .ok_or_else(|| GoogleApiError::invalid_argument("Invalid pageToken"))?,
    };
    let mailbox = mailbox(&state, &caller)?;
    let hide_spam_trash = !include_spam_trash && !query.searches_spam_or_trash;
    let matching: Vec<_> = mailbox
        .messages()
        .iter()
        .filter(|m| !(hide_spam_trash && (m.has_label("SPAM") || m.has_label("TRASH"))))
        .filter(|m| label_ids.iter().all(|l| m.has_label(l)))
        .filter(|m| query.matches(m))
        .collect();
    let page: Vec<_> = matching
        .iter()
        .skip(offset)
        .take(max_results)
        .map(|m| json!({ "id": m.id, "threadId": m.thread_id }))
        .collect();
    let mut body = json!({ "resultSizeEstimate": matching.len() });
    if !page.is_empty() {
        body["messages"] = json!(page);
    }
    if offset + max_results < matching.len() {
        body["nextPageToken"] = json!(page_token(offset + max_results, &fingerprint));
    }
    Ok(HttpResponse::Ok().json(body))
}

fn hex_prefix(bytes: &[u8]) -> String {
    bytes.iter().take(6).map(|b| format!("{b:02x}")).collect()
}

/// A message or thread id as Gmail makes them (hex, at most 32 digits); else Gmail's 400.
fn check_id(id: &str) -> Result<(), GoogleApiError> {
    if id.is_empty() || id.len() > 32 || !id.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(GoogleApiError::invalid_argument("Invalid id value"));
    }
    Ok(())
}

/// `format` of a `request` (`GetMessageRequest`, `GetThreadRequest`): `full` when absent; an
/// unknown value, or one the request does not take (`refused`), is Gmail's 400.
fn format_param(
    params: &Params,
    request: &str,
    refused: &[MessageFormat],
) -> Result<MessageFormat, GoogleApiError> {
    let Some(raw) = one(params, "format")? else {
        return Ok(MessageFormat::Full);
    };
    MessageFormat::parse(raw)
        .filter(|format| !refused.contains(format))
        .ok_or_else(|| {
            GoogleApiError::invalid_argument(&format!(
                "Invalid value at 'format' (type.googleapis.com/google.apps.gmail.v1.UsersService.{request}.Format), \"{raw}\""
            ))
        })
}

/// `GET …/messages/{id}`.
pub async fn get_message(
    request: HttpRequest,
    path: web::Path<(String, String)>,
    state: web::Data<EmulatorState>,
) -> Result<HttpResponse, GoogleApiError> {
    let (user_id, id) = path.into_inner();
    let caller = begin(&request, &state, &user_id, "gmail.messages.get", 5).await?;
    let params = Params::parse(request.query_string());
    let format = format_param(&params, "GetMessageRequest", &[])?;
    if caller.access == Access::MetadataOnly
        && matches!(format, MessageFormat::Full | MessageFormat::Raw)
    {
        let name = if format == MessageFormat::Full {
            "FULL"
        } else {
            "RAW"
        };
        return Err(GoogleApiError::forbidden(&format!(
            "Metadata scope doesn't allow format {name}"
        )));
    }
    check_id(&id)?;
    let headers: Vec<String> = params
        .all("metadataHeaders")
        .into_iter()
        .map(str::to_owned)
        .collect();
    let mailbox = mailbox(&state, &caller)?;
    let message = mailbox.get(&id).ok_or_else(GoogleApiError::not_found)?;
    Ok(HttpResponse::Ok().json(message.to_gmail_json(format, &headers)))
}

/// `GET …/messages/{id}/attachments/{attachmentId}`: `{"attachmentId","size","data"}`, the
/// part's bytes base64url-encoded (5 units; `gmail.readonly` or `gmail.modify`: the metadata
/// scope reads no content). An id not of this message answers 400 "Invalid attachment token",
/// as Gmail does.
pub async fn get_attachment(
    request: HttpRequest,
    path: web::Path<(String, String, String)>,
    state: web::Data<EmulatorState>,
) -> Result<HttpResponse, GoogleApiError> {
    let (user_id, id, attachment_id) = path.into_inner();
    let caller = begin(
        &request,
        &state,
        &user_id,
        "gmail.messages.attachments.get",
        5,
    )
    .await?;
    if caller.access == Access::MetadataOnly {
        return Err(GoogleApiError::forbidden(
            "Metadata scope doesn't allow format FULL",
        ));
    }
    check_id(&id)?;
    let mailbox = mailbox(&state, &caller)?;
    let message = mailbox.get(&id).ok_or_else(GoogleApiError::not_found)?;
    let data = message
        .attachment_data(&attachment_id)
        .ok_or_else(|| GoogleApiError::invalid_argument("Invalid attachment token"))?;
    Ok(HttpResponse::Ok().json(json!({
        "attachmentId": attachment_id,
        "size": data.len(),
        "data": URL_SAFE_NO_PAD.encode(data),
    })))
}

/// `GET …/threads/{id}`: `{"id","historyId","messages":[…]}`, the thread's messages oldest
/// first in `format` (`full` by default; `metadata` with `metadataHeaders`; `minimal`; not
/// `raw`), 10 units; spam and trash included, as Gmail does. Unknown thread: 404.
pub async fn get_thread(
    request: HttpRequest,
    path: web::Path<(String, String)>,
    state: web::Data<EmulatorState>,
) -> Result<HttpResponse, GoogleApiError> {
    let (user_id, id) = path.into_inner();
    let caller = begin(&request, &state, &user_id, "gmail.threads.get", 10).await?;
    let params = Params::parse(request.query_string());
    let format = format_param(&params, "GetThreadRequest", &[MessageFormat::Raw])?;
    if caller.access == Access::MetadataOnly && format == MessageFormat::Full {
        return Err(GoogleApiError::forbidden(
            "Metadata scope doesn't allow format FULL",
        ));
    }
    check_id(&id)?;
    let headers: Vec<String> = params
        .all("metadataHeaders")
        .into_iter()
        .map(str::to_owned)
        .collect();
    let mailbox = mailbox(&state, &caller)?;
    let mut messages: Vec<_> = mailbox
        .messages()
        .iter()
        .filter(|m| m.thread_id == id)
        .collect();
    if messages.is_empty() {
        return Err(GoogleApiError::not_found());
    }
    messages.sort_by_key(|m| m.internal_date_ms);
    let history_id = messages.iter().map(|m| m.history_id).max().unwrap_or(0);
    Ok(HttpResponse::Ok().json(json!({
        "id": id,
        "historyId": history_id.to_string(),
        "messages": messages
            .iter()
            .map(|m| m.to_gmail_json(format, &headers))
            .collect::<Vec<_>>(),
    })))
}

/// `GET …/labels/{id}`.
pub async fn get_label(
    request: HttpRequest,
    path: web::Path<(String, String)>,
    state: web::Data<EmulatorState>,
) -> Result<HttpResponse, GoogleApiError> {
    let (user_id, label) = path.into_inner();
    let caller = begin(&request, &state, &user_id, "gmail.labels.get", 1).await?;
    let mailbox = mailbox(&state, &caller)?;
    // System labels, and the user labels of an `EMULATOR_MAILBOX` (`Label_…`).
    if !mailbox.knows_label(&label) {
        return Err(GoogleApiError::not_found());
    }
    let with_label: Vec<_> = mailbox
        .messages()
        .iter()
        .filter(|m| m.has_label(&label))
        .collect();
    let threads: BTreeSet<&str> = with_label.iter().map(|m| m.thread_id.as_str()).collect();
    let unread_threads: BTreeSet<&str> = with_label
        .iter()
        .filter(|m| m.is_unread())
        .map(|m| m.thread_id.as_str())
        .collect();
    Ok(HttpResponse::Ok().json(json!({
        "id": label,
        "name": label,
        "type": if SYSTEM_LABELS.contains(&label.as_str()) { "system" } else { "user" },
        "messagesTotal": with_label.len(),
        "messagesUnread": with_label.iter().filter(|m| m.is_unread()).count(),
        "threadsTotal": threads.len(),
        "threadsUnread": unread_threads.len(),
    })))
}

/// `GET …/profile`.
pub async fn profile(
    request: HttpRequest,
    path: web::Path<String>,
    state: web::Data<EmulatorState>,
) -> Result<HttpResponse, GoogleApiError> {
    let caller = begin(&request, &state, &path, "gmail.profile", 1).await?;
    let mailbox = mailbox(&state, &caller)?;
    let threads: BTreeSet<&str> = mailbox
        .messages()
        .iter()
        .map(|m| m.thread_id.as_str())
        .collect();
    Ok(HttpResponse::Ok().json(json!({
        "emailAddress": state.accounts.get(caller.account).map(|a| &a.email),
        "messagesTotal": mailbox.messages().len(),
        "threadsTotal": threads.len(),
        "historyId": mailbox.history_id().to_string(),
    })))
}

/// `GET …/history`: the changes after `startHistoryId` (deliveries, label changes and deletions
/// since start-up), filtered by `historyTypes` and `labelId` (the message as the record shows
/// it carries the label), paged by `maxResults` / `pageToken`. A `startHistoryId` older than
/// the history kept (before start-up, beyond `EMULATOR_HISTORY_RETENTION`, or forgotten)
/// answers 404 (sync in full); one beyond the current id answers no `history`.
pub async fn list_history(
    request: HttpRequest,
    path: web::Path<String>,
    state: web::Data<EmulatorState>,
) -> Result<HttpResponse, GoogleApiError> {
    let caller = begin(&request, &state, &path, "gmail.history.list", 2).await?;
    let params = Params::parse(request.query_string());
    let start: u64 = match one(&params, "startHistoryId")? {
        None => {
            return Err(GoogleApiError::invalid_argument(
                "Missing required parameter startHistoryId",
            ));
        }
        Some(raw) => raw.parse().map_err(|_| {
            GoogleApiError::invalid_argument(&format!(
                "Invalid value at 'start_history_id' (TYPE_UINT64), \"{raw}\""
            ))
        })?,
    };
    let mut types: BTreeSet<HistoryType> = BTreeSet::new();
    for raw in params.all("historyTypes") {
        types.insert(HistoryType::parse(raw).ok_or_else(|| {
            GoogleApiError::invalid_argument(&format!(
                "Invalid value at 'history_types' (type.googleapis.com/google.apps.gmail.v1.ListHistoryRequest.HistoryType), \"{raw}\""
            ))
        })?);
    }
    let label = one(&params, "labelId")?.map(str::to_owned);
    let max_results = match one(&params, "maxResults")? {
        None => DEFAULT_PAGE,
        Some(raw) => match raw.parse::<usize>() {
            Ok(n) if n >= 1 => n.min(MAX_PAGE),
            _ => {
                return Err(GoogleApiError::invalid_argument(&format!(
                    "Invalid value at 'max_results' (TYPE_UINT32), \"{raw}\""
                )));
            }
        },
    };
    let fingerprint = {
        let material = format!("{start}\u{1}{types:?}\u{1}{label:?}");
        hex_prefix(&Sha256::digest(material.as_bytes()))
    };
    let offset = match one(&params, "pageToken")? {
        None => 0,
        Some(token) => parse_page_token(token, &fingerprint)
            .ok_or_else(|| GoogleApiError::invalid_argument("Invalid pageToken"))?,
    };
    let mailbox = mailbox(&state, &caller)?;
    let records = mailbox
        .history_since(start)
        .ok_or_else(GoogleApiError::not_found)?;
    let matching: Vec<_> = records
        .iter()
        .filter(|r| types.is_empty() || types.contains(&HistoryType::of(&r.change)))
        .filter(|r| label.as_ref().is_none_or(|l| r.shows_label(l)))
        .collect();
    let page: Vec<_> = matching
        .iter()
        .skip(offset)
        .take(max_results)
        .map(|record| {
            let message = json!({
                "id": record.message_id,
                "threadId": record.thread_id,
                "labelIds": record.label_ids,
            });
            let mut entry = json!({
                "id": record.id.to_string(),
                "messages": [{"id": record.message_id, "threadId": record.thread_id}],
            });
            match &record.change {
                HistoryChange::MessageAdded => {
                    entry["messagesAdded"] = json!([{ "message": message }]);
                }
                HistoryChange::MessageDeleted => {
                    entry["messagesDeleted"] = json!([{ "message": message }]);
                }
                HistoryChange::LabelsAdded(labels) => {
                    entry["labelsAdded"] = json!([{ "message": message, "labelIds": labels }]);
                }
                HistoryChange::LabelsRemoved(labels) => {
                    entry["labelsRemoved"] = json!([{ "message": message, "labelIds": labels }]);
                }
            }
            entry
        })
        .collect();
    let mut body = json!({ "historyId": mailbox.history_id().to_string() });
    if !page.is_empty() {
        body["history"] = json!(page);
    }
    if offset + max_results < matching.len() {
        body["nextPageToken"] = json!(page_token(offset + max_results, &fingerprint));
    }
    Ok(HttpResponse::Ok().json(body))
}

/// Gmail's `historyTypes` values.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum HistoryType {
    MessageAdded,
    MessageDeleted,
    LabelAdded,
    LabelRemoved,
}

impl HistoryType {
    fn parse(value: &str) -> Option<Self> {
        match value {
            "messageAdded" => Some(Self::MessageAdded),
            "messageDeleted" => Some(Self::MessageDeleted),
            "labelAdded" => Some(Self::LabelAdded),
            "labelRemoved" => Some(Self::LabelRemoved),
            _ => None,
        }
    }

    fn of(change: &HistoryChange) -> Self {
        match change {
            HistoryChange::MessageAdded => Self::MessageAdded,
            HistoryChange::MessageDeleted => Self::MessageDeleted,
            HistoryChange::LabelsAdded(_) => Self::LabelAdded,
            HistoryChange::LabelsRemoved(_) => Self::LabelRemoved,
        }
    }
}

/// The body of `users.watch` (`WatchRequest`).
#[derive(Debug, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
struct WatchRequest {
    topic_name: Option<String>,
    #[serde(default)]
    label_ids: Vec<String>,
    label_filter_behavior: Option<String>,
    /// The deprecated spelling of `labelFilterBehavior`, still accepted by Gmail.
    label_filter_action: Option<String>,
}

/// Google's answer to a body that is not the request's JSON.
fn invalid_json(detail: &str) -> GoogleApiError {
    GoogleApiError::invalid_argument(&format!("Invalid JSON payload received. {detail}"))
}

fn parse_watch_request(body: &[u8]) -> Result<WatchRequest, GoogleApiError> {
    let value: serde_json::Value =
        serde_json::from_slice(body).map_err(|_| invalid_json("Unexpected token."))?;
    let serde_json::Value::Object(fields) = &value else {
        return Err(invalid_json("Expected an object."));
    };
    const KNOWN: [&str; 4] = [
        "topicName",
        "labelIds",
        "labelFilterBehavior",
        "labelFilterAction",
    ];
    if let Some(unknown) = fields.keys().find(|k| !KNOWN.contains(&k.as_str())) {
        return Err(invalid_json(&format!(
            "Unknown name \"{unknown}\": Cannot find field."
        )));
    }
    serde_json::from_value(value).map_err(|e| invalid_json(&e.to_string()))
}

/// `POST …/watch` with `{"topicName","labelIds","labelFilterBehavior"}` → `{"historyId",
/// "expiration"}` (epoch ms, 7 days on); 100 units. Replaces the account's earlier watch.
pub async fn watch(
    request: HttpRequest,
    path: web::Path<String>,
    body: web::Bytes,
    state: web::Data<EmulatorState>,
) -> Result<HttpResponse, GoogleApiError> {
    let caller = begin(&request, &state, &path, "gmail.watch", 100).await?;
    let body = parse_watch_request(&body)?;
    let behavior = match body
        .label_filter_behavior
        .as_deref()
        .or(body.label_filter_action.as_deref())
    {
        None | Some("include") => LabelFilterBehavior::Include,
        Some("exclude") => LabelFilterBehavior::Exclude,
        Some(other) => {
            return Err(GoogleApiError::invalid_argument(&format!(
                "Invalid value at 'watch_request.label_filter_behavior' (type.googleapis.com/google.apps.gmail.v1.WatchRequest.LabelFilterBehavior), \"{other}\""
            )));
        }
    };
    let now_ms = chrono::Utc::now().timestamp_millis();
    let watch = body
        .topic_name
        .as_deref()
        .and_then(|topic| Watch::new(topic, body.label_ids.clone(), behavior, now_ms))
        .ok_or_else(|| {
            GoogleApiError::invalid_argument(
                "Invalid topicName does not match projects/SOME-PROJECT/topics/SOME-TOPIC",
            )
        })?;
    let expiration = watch.expiration_ms;
    let mailbox = mailbox(&state, &caller)?;
    state.push.watch(caller.account, watch);
    Ok(HttpResponse::Ok().json(json!({
        "historyId": mailbox.history_id().to_string(),
        "expiration": expiration.to_string(),
    })))
}

/// `POST …/stop` → 204, empty; 50 units. Ends the account's watch (none: nothing to end).
pub async fn stop(
    request: HttpRequest,
    path: web::Path<String>,
    state: web::Data<EmulatorState>,
) -> Result<HttpResponse, GoogleApiError> {
    let caller = begin(&request, &state, &path, "gmail.stop", 50).await?;
    state.push.stop(caller.account);
    Ok(HttpResponse::NoContent().finish())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use std::{collections::BTreeSet, time::Duration};

    use actix_web::{test::TestRequest, web};

    use crate::{EmulatorConfig, state::EmulatorState};

    #[actix_web::test]
    async fn a_dropped_request_frees_its_slot() {
        let mut config = EmulatorConfig::for_tests(&["http://127.0.0.1:9/cb"]);
        config.max_concurrent_per_user = Some(1);
        config.faults.latency_ms = 10_000;
        let state =
            web::Data::new(EmulatorState::new(config, "http://localhost:1".into()).unwrap());
        let scopes: BTreeSet<String> = [super::GMAIL_READONLY.to_owned()].into();
        let token = state.with_store(|s| {
            let grant = s.upsert_grant(0, "client", &scopes, false);
            s.issue_access_token(grant, &scopes, Duration::from_secs(60))
                .unwrap()
        });
        let request = TestRequest::default()
            .insert_header(("authorization", format!("Bearer {token}")))
            .to_http_request();
        let mut call = Box::pin(super::profile(
            request,
            web::Path::from("me".to_owned()),
            state.clone(),
        ));
        tokio::select! {
            _ = &mut call => panic!("answered before its latency"),
            () = tokio::time::sleep(Duration::from_millis(50)) => {}
        }
        assert_eq!(state.in_flight(0), 1, "the request holds its slot");
        // The request is dropped mid-way (a cancelled request, a stopping server).
        drop(call);
        assert_eq!(state.in_flight(0), 0);
        assert_eq!(state.counts().get("gmail.concurrent_rejected"), None);
    }
}
