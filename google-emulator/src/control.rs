//! `/emulator/*`: controls for tests and benchmarks, not part of Google's API.
//!
//! - `GET /emulator/stats`, `POST /emulator/stats/reset`: requests seen, by kind.
//! - `GET|PUT /emulator/faults`: the fault plan (JSON, see [`crate::faults::FaultPlan`]).
//! - `POST /emulator/tokens/expire`: every access token expires now.
//! - `POST /emulator/accounts/{email}/revoke`: the account revokes every app's access.
//! - `GET /emulator/accounts`: the demo accounts and their mailbox sizes.
//! - `POST /emulator/accounts/{email}/messages`: delivers a raw RFC 5322 message
//!   (`Content-Type: message/rfc822`, at most 50 MiB; other types 415, too large 413, not a
//!   message 400), labels from `?labels=INBOX,UNREAD` (the default; unknown label 400) → 201
//!   `{"id","threadId","historyId"}`.
//! - `POST /emulator/accounts/{email}/messages/{id}/labels` with `{"add":[…],"remove":[…]}` →
//!   200 `{"id","threadId","labelIds","historyId"}`; unknown account or message 404.
//!
//! - `DELETE /emulator/accounts/{email}/messages/{id}`: deletes the message for good, as
//!   another client would → 200 `{"id","threadId","labelIds","historyId"}` (the labels it had);
//!   `messages.get` of it answers 404 from then on; unknown account or message 404.
//! - `POST /emulator/accounts/{email}/history/forget`: drops the account's history, so every
//!   earlier `startHistoryId` answers 404 → 200 `{"historyId"}` (the only start still valid).
//! - `GET /emulator/accounts/{email}/watch`: the account's `users.watch` →
//!   `{"topicName","labelIds","labelFilterBehavior","expiration","subscription"}`, or 404.
//! - `POST /emulator/accounts/{email}/watch/expire`: the watch expires now (204; none: 404).
//! - `GET|POST /emulator/push/mode`: push delivery `{"mode":"normal"|"drop"|"duplicate"|"delay",
//!   "delay_ms":N}` ([`crate::push::PushModeSetting`]).
//!
//! Deliveries, label changes and deletions advance the account's history id
//! (`users.getProfile`), are kept as history records ([`crate::mailbox::HistoryRecord`]) that
//! `users.history.list` answers from, and notify a watch ([`crate::push`]). `/emulator/stats`
//! also counts `gmail.concurrent_rejected` and the `push.*` deliveries. Errors answer
//! `{"error": "…"}`.

use actix_web::{HttpResponse, web};
use serde_json::json;

use crate::{
    faults::FaultPlan,
    mailbox::Mailbox,
    push::{LabelFilterBehavior, PushModeSetting},
    state::EmulatorState,
};

/// `GET /emulator/stats`.
pub async fn stats(state: web::Data<EmulatorState>) -> HttpResponse {
    HttpResponse::Ok().json(json!({ "requests": state.counts() }))
}

/// `POST /emulator/stats/reset`.
pub async fn reset_stats(state: web::Data<EmulatorState>) -> HttpResponse {
    state.reset_counts();
    HttpResponse::NoContent().finish()
}

/// `GET /emulator/faults`.
pub async fn get_faults(state: web::Data<EmulatorState>) -> HttpResponse {
    HttpResponse::Ok().json(state.with_store(|s| s.faults))
}

/// `PUT /emulator/faults`.
pub async fn put_faults(
    plan: web::Json<FaultPlan>,
    state: web::Data<EmulatorState>,
) -> HttpResponse {
    if let Err(reason) = plan.validate() {
        return HttpResponse::BadRequest().json(json!({ "error": reason }));
    }
    state.with_store(|s| s.faults = *plan);
    HttpResponse::Ok().json(*plan)
}

/// `POST /emulator/tokens/expire`.
pub async fn expire_tokens(state: web::Data<EmulatorState>) -> HttpResponse {
    state.with_store(|s| s.expire_access_tokens());
    HttpResponse::NoContent().finish()
}

/// `POST /emulator/accounts/{email}/revoke`.
pub async fn revoke_account(
    path: web::Path<String>,
    state: web::Data<EmulatorState>,
) -> HttpResponse {
    let Some(account) = state.accounts.find(&path) else {
        return HttpResponse::NotFound().json(json!({ "error": "unknown account" }));
    };
    let revoked = state.with_store(|s| {
        let grants: Vec<u64> = s
            .grants
            .iter()
            .filter(|(_, g)| g.account == account)
            .map(|(id, _)| *id)
            .collect();
        for grant in &grants {
            s.revoke_grant(*grant);
        }
        grants.len()
    });
    HttpResponse::Ok().json(json!({ "revoked_grants": revoked }))
}

/// `GET /emulator/accounts`.
pub async fn list_accounts(state: web::Data<EmulatorState>) -> HttpResponse {
    let accounts: Vec<_> = state
        .accounts
        .iter()
        .enumerate()
        .map(|(index, a)| {
            let mailbox = state
                .current_mailbox(index)
                .unwrap_or_else(|| std::sync::Arc::clone(&a.mailbox));
            let messages = mailbox.messages();
            json!({
                "email": a.email,
                "sub": a.sub,
                "name": a.name,
                "messages": messages.len(),
                "unread": messages.iter().filter(|x| x.is_unread()).count(),
            })
        })
        .collect();
    HttpResponse::Ok().json(accounts)
}

/// The largest message `POST /emulator/accounts/{email}/messages` takes: Gmail receives
/// messages up to 50 MB (a 25 MB attachment is a third larger once base64-encoded).
pub const MAX_DELIVERED_MESSAGE_BYTES: usize = 50 * 1024 * 1024;

/// `?labels=` of a delivery.
#[derive(Debug, serde::Deserialize)]
pub struct DeliveryQuery {
    labels: Option<String>,
}

fn problem(status: actix_web::http::StatusCode, detail: &str) -> HttpResponse {
    HttpResponse::build(status).json(json!({ "error": detail }))
}

/// The labels named, each known to the mailbox (system labels or its own user labels); else
/// the 400 answer.
fn checked_labels<'a>(
    mailbox: &Mailbox,
    labels: impl IntoIterator<Item = &'a str>,
) -> Result<Vec<String>, Box<HttpResponse>> {
    let mut out: Vec<String> = Vec::new();
    for label in labels.into_iter().map(str::trim).filter(|l| !l.is_empty()) {
        if !mailbox.knows_label(label) {
            return Err(Box::new(problem(
                actix_web::http::StatusCode::BAD_REQUEST,
                &format!("unknown label {label:?}"),
            )));
        }
        if !out.iter().any(|l| l == label) {
            out.push(label.to_owned());
        }
    }
    Ok(out)
}

/// `POST /emulator/accounts/{email}/messages`: delivers the raw RFC 5322 body
/// (`Content-Type: message/rfc822`) with `?labels=` (default `INBOX,UNREAD`).
pub async fn deliver_message(
    request: actix_web::HttpRequest,
    path: web::Path<String>,
    query: web::Query<DeliveryQuery>,
    body: web::Bytes,
    state: web::Data<EmulatorState>,
) -> HttpResponse {
    use actix_web::http::StatusCode;
    let content_type = request
        .headers()
        .get(actix_web::http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .map(|v| v.trim().to_ascii_lowercase());
    if content_type.as_deref() != Some("message/rfc822") {
        return problem(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "the body must be a raw RFC 5322 message with Content-Type: message/rfc822",
        );
    }
    let Some(account) = state.accounts.find(&path) else {
        return problem(StatusCode::NOT_FOUND, "unknown account");
    };
    let Some(current) = state.current_mailbox(account) else {
        return problem(StatusCode::NOT_FOUND, "unknown account");
    };
    let labels = match checked_labels(
        &current,
        query.labels.as_deref().unwrap_or("INBOX,UNREAD").split(','),
    ) {
        Ok(labels) => labels,
        Err(response) => return *response,
    };
    let now_ms = chrono::Utc::now().timestamp_millis();
    let delivered = state.change_mailbox(account, |mailbox| {
        mailbox.deliver(&body, labels, now_ms).map(|message| {
            json!({
                "id": message.id,
                "threadId": message.thread_id,
                "historyId": message.history_id.to_string(),
            })
        })
    });
    match delivered {
        Some(Ok(answer)) => HttpResponse::Created().json(answer),
        Some(Err(error)) => problem(StatusCode::BAD_REQUEST, &error.to_string()),
        None => problem(StatusCode::NOT_FOUND, "unknown account"),
    }
}

/// The body of `POST /emulator/accounts/{email}/messages/{id}/labels`.
#[derive(Debug, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LabelChange {
    #[serde(default)]
    add: Vec<String>,
    #[serde(default)]
    remove: Vec<String>,
}

/// `POST /emulator/accounts/{email}/messages/{id}/labels` with `{"add":[…],"remove":[…]}`:
/// changes a message's labels as another mail client would (mark read, archive, spam, trash).
pub async fn change_labels(
    path: web::Path<(String, String)>,
    change: web::Json<LabelChange>,
    state: web::Data<EmulatorState>,
) -> HttpResponse {
    use actix_web::http::StatusCode;
    let (email, id) = path.into_inner();
    let Some(account) = state.accounts.find(&email) else {
        return problem(StatusCode::NOT_FOUND, "unknown account");
    };
    let Some(current) = state.current_mailbox(account) else {
        return problem(StatusCode::NOT_FOUND, "unknown account");
    };
    if current.get(&id).is_none() {
        return problem(StatusCode::NOT_FOUND, "unknown message");
    }
    let (add, remove) = match (
        checked_labels(&current, change.add.iter().map(String::as_str)),
        checked_labels(&current, change.remove.iter().map(String::as_str)),
    ) {
        (Ok(add), Ok(remove)) => (add, remove),
        (Err(response), _) | (_, Err(response)) => return *response,
    };
    let changed = state.change_mailbox(account, |mailbox| {
        mailbox.change_labels(&id, &add, &remove).map(|message| {
            json!({
                "id": message.id,
                "threadId": message.thread_id,
                "labelIds": message.label_ids,
                "historyId": message.history_id.to_string(),
            })
        })
    });
    match changed.flatten() {
        Some(answer) => HttpResponse::Ok().json(answer),
        None => problem(StatusCode::NOT_FOUND, "unknown message"),
    }
}

/// `DELETE /emulator/accounts/{email}/messages/{id}`: deletes the message permanently (a
/// `messagesDeleted` history record), as another mail client would.
pub async fn delete_message(
    path: web::Path<(String, String)>,
    state: web::Data<EmulatorState>,
) -> HttpResponse {
    use actix_web::http::StatusCode;
    let (email, id) = path.into_inner();
    let Some(account) = state.accounts.find(&email) else {
        return problem(StatusCode::NOT_FOUND, "unknown account");
    };
    let deleted = state.change_mailbox(account, |mailbox| {
        mailbox.delete(&id).map(|record| {
            json!({
                "id": record.message_id,
                "threadId": record.thread_id,
                "labelIds": record.label_ids,
                "historyId": record.id.to_string(),
            })
        })
    });
    match deleted.flatten() {
        Some(answer) => HttpResponse::Ok().json(answer),
        None => problem(StatusCode::NOT_FOUND, "unknown message"),
    }
}

/// `POST /emulator/accounts/{email}/history/forget`: every earlier history id is too old now.
pub async fn forget_history(
    path: web::Path<String>,
    state: web::Data<EmulatorState>,
) -> HttpResponse {
    let Some(account) = state.accounts.find(&path) else {
        return problem(actix_web::http::StatusCode::NOT_FOUND, "unknown account");
    };
    let history_id = state.change_mailbox(account, |mailbox| {
        mailbox.forget_history();
        mailbox.history_id()
    });
    match history_id {
        Some(id) => HttpResponse::Ok().json(json!({ "historyId": id.to_string() })),
        None => problem(actix_web::http::StatusCode::NOT_FOUND, "unknown account"),
    }
}

/// `GET /emulator/accounts/{email}/watch`: the account's watch as `users.watch` set it.
pub async fn get_watch(path: web::Path<String>, state: web::Data<EmulatorState>) -> HttpResponse {
    use actix_web::http::StatusCode;
    let Some(account) = state.accounts.find(&path) else {
        return problem(StatusCode::NOT_FOUND, "unknown account");
    };
    match state.push.watch_of(account) {
        Some(watch) => HttpResponse::Ok().json(json!({
            "topicName": watch.topic_name,
            "labelIds": watch.label_ids,
            "labelFilterBehavior": match watch.behavior {
                LabelFilterBehavior::Include => "include",
                LabelFilterBehavior::Exclude => "exclude",
            },
            "expiration": watch.expiration_ms.to_string(),
            "subscription": watch.subscription,
        })),
        None => problem(StatusCode::NOT_FOUND, "no watch"),
    }
}

/// `POST /emulator/accounts/{email}/watch/expire`: the watch expires now (renewal tests).
pub async fn expire_watch(
    path: web::Path<String>,
    state: web::Data<EmulatorState>,
) -> HttpResponse {
    use actix_web::http::StatusCode;
    let Some(account) = state.accounts.find(&path) else {
        return problem(StatusCode::NOT_FOUND, "unknown account");
    };
    if state
        .push
        .expire_watch(account, chrono::Utc::now().timestamp_millis())
    {
        HttpResponse::NoContent().finish()
    } else {
        problem(StatusCode::NOT_FOUND, "no watch")
    }
}

/// `GET /emulator/push/mode`.
pub async fn get_push_mode(state: web::Data<EmulatorState>) -> HttpResponse {
    HttpResponse::Ok().json(state.push.mode())
}

/// `POST /emulator/push/mode` with `{"mode":"normal"|"drop"|"duplicate"|"delay","delay_ms":N}`.
pub async fn set_push_mode(
    mode: web::Json<PushModeSetting>,
    state: web::Data<EmulatorState>,
) -> HttpResponse {
    state.push.set_mode(*mode);
    HttpResponse::Ok().json(*mode)
}
