//! `GET /v1/events`: the account's unread list as Server-Sent Events (`contract::gmail::events`).
//!
//! The stream opens with `retry:`, what the client missed since its `Last-Event-ID` (or
//! `resync` when that is older than the log keeps), then the current `unread_count` with the
//! mirror's history id as its `id:`. After that, one batch per sync that changed the list, a
//! `: keep-alive` comment every `EVENTS_HEARTBEAT_SECS`. It ends when the JWT expires (the client
//! reconnects with a new one and its `Last-Event-ID`: the frontend does so by itself) or is
//! revoked (checked at every heartbeat).

use std::{collections::VecDeque, convert::Infallible, sync::Arc, time::Duration};

use actix_web::{HttpRequest, HttpResponse, web, web::Bytes};
use common::redis_store::RedisStore;
use contract::gmail::events::{
    RESYNC, UNREAD_ADDED, UNREAD_COUNT, UNREAD_REMOVED, UnreadCountChanged, UnreadRemoved,
};
use futures_util::stream;
use tokio::sync::broadcast::error::RecvError;

use crate::{
    account::Account,
    deadline,
    events::{Batch, EventHub, HubError, Missed, Subscription, missed_since},
    http::{caller::Caller, error::ApiError},
    mailbox::Mailbox,
    push::Push,
    revocation,
};

/// What the client waits before reconnecting (`retry:`).
const RETRY_MS: u64 = 3_000;

fn frame(event: &str, data: &str, id: Option<&str>) -> Bytes {
    let mut text = String::with_capacity(data.len() + 48);
    if let Some(id) = id {
        text.push_str("id: ");
        text.push_str(id);
        text.push('\n');
    }
    text.push_str("event: ");
    text.push_str(event);
    text.push_str("\ndata: ");
    // serde_json writes one line: a newline in a value is escaped.
    text.push_str(data);
    text.push_str("\n\n");
    Bytes::from(text)
}

fn json<T: serde::Serialize>(value: &T) -> String {
    serde_json::to_string(value).unwrap_or_else(|_| "{}".to_owned())
}

fn count_frame(unread: u64, id: &str) -> Bytes {
    frame(
        UNREAD_COUNT,
        &json(&UnreadCountChanged { unread }),
        Some(id),
    )
}

/// The frames of one batch: its changes, then the count with the batch's id.
fn batch_frames(batch: &Batch) -> Vec<Bytes> {
    let mut frames = Vec::with_capacity(batch.added.len() + batch.removed.len() + 2);
    if batch.resync {
        frames.push(frame(RESYNC, "{}", None));
    }
    for summary in &batch.added {
        frames.push(frame(UNREAD_ADDED, &json(summary), None));
    }
    for id in &batch.removed {
        frames.push(frame(
            UNREAD_REMOVED,
            &json(&UnreadRemoved { id: id.clone() }),
            None,
        ));
    }
    frames.push(count_frame(batch.unread, &batch.to));
    frames
}

fn number(id: &str) -> u64 {
    crate::events::number(id).unwrap_or(0)
}

/// One open stream.
struct Open {
    subscription: Subscription,
    pending: VecDeque<Bytes>,
    /// The highest history id sent: live batches at or below it were sent already.
    last: u64,
    heartbeat: tokio::time::Interval,
    ends_at: tokio::time::Instant,
    account: Account,
    redis: RedisStore,
}

impl Open {
    async fn next(mut self) -> Option<(Result<Bytes, Infallible>, Self)> {
        loop {
            if let Some(chunk) = self.pending.pop_front() {
                return Some((Ok(chunk), self));
            }
            tokio::select! {
                () = tokio::time::sleep_until(self.ends_at) => return None,
                _ = self.heartbeat.tick() => {
                    if revocation::check(&self.redis, self.account.claims()).await.is_err() {
                        return None;
                    }
                    self.pending.push_back(Bytes::from_static(b": keep-alive\n\n"));
                }
                received = self.subscription.receiver.recv() => match received {
                    Ok(batch) if number(&batch.to) > self.last => {
                        self.last = number(&batch.to);
                        self.pending.extend(batch_frames(&batch));
                    }
                    Ok(_) => {}
                    // Fell behind the channel: what it missed is no longer at hand.
                    Err(RecvError::Lagged(_)) => {
                        self.pending.push_back(frame(RESYNC, "{}", None));
                    }
                    Err(RecvError::Closed) => return None,
                },
            }
        }
    }
}

/// Live changes of the account's unread list.
///
/// Server-Sent Events (`text/event-stream`): `unread_added` (data: the message summary),
/// `unread_removed` (data: `{"id"}`), `unread_count` (data: `{"unread"}`; its `id:` is the
/// Gmail history id the list reflects), `resync` (reload the list). Send `Last-Event-ID` to
/// resume. The stream ends when the JWT expires or is revoked.
#[utoipa::path(
    get,
    path = "/v1/events",
    tag = "messages",
    params(("Last-Event-ID" = Option<String>, Header, description = "The `id:` of the last event received, to resume after it")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The event stream", content_type = "text/event-stream", body = String),
        (status = 401, description = "`invalid_token` or `reauth_required`", body = contract::problem::Problem, content_type = "application/problem+json"),
        (status = 429, description = "`rate_limited`: too many open streams for this account", body = contract::problem::Problem, content_type = "application/problem+json",
            headers(("Retry-After" = u64, description = "Seconds to wait"))),
        (status = 503, description = "`upstream_unavailable`, `dependency_unavailable`, or this replica holds as many streams as it allows", body = contract::problem::Problem, content_type = "application/problem+json",
            headers(("Retry-After" = u64, description = "Seconds to wait"))),
    )
)]
pub async fn events(
    caller: Caller,
    request: HttpRequest,
    mailbox: web::Data<Mailbox>,
    hub: web::Data<Arc<EventHub>>,
    redis: web::Data<RedisStore>,
    deadline_budget: web::Data<crate::http::deadline::RequestDeadline>,
    push: Option<web::Data<Push>>,
) -> Result<HttpResponse, ApiError> {
    let account = caller.account().clone();
    let sub = account.sub().to_owned();
    let (subscription, first) = hub.get_ref().subscribe(&account).map_err(|e| match e {
        HubError::AccountFull => ApiError::TooManyStreams,
        HubError::ReplicaFull => ApiError::DependencyUnavailable(e.to_string()),
    })?;
    if first {
        spawn_poller(
            Arc::clone(hub.get_ref()),
            mailbox.clone(),
            push,
            sub.clone(),
            deadline_budget.0,
        );
    }
    let mut pending = VecDeque::new();
    pending.push_back(Bytes::from(format!("retry: {RETRY_MS}\n\n")));
    let mut last = 0;
    let resume = request
        .headers()
        .get("last-event-id")
        .and_then(|v| v.to_str().ok())
        .map(str::trim)
        .filter(|v| !v.is_empty());
    if let Some(resume) = resume {
        match resume.parse::<u64>() {
            Ok(after) => {
                let log =
                    mailbox.events.log(&sub).await.map_err(|e| {
                        ApiError::DependencyUnavailable(format!("Redis (events): {e}"))
                    })?;
                match missed_since(log, after) {
                    Missed::Batches(batches) => {
                        last = after;
                        for batch in batches {
                            last = last.max(number(&batch.to));
                            pending.extend(batch_frames(&batch));
                        }
                    }
                    Missed::TooOld => pending.push_back(frame(RESYNC, "{}", None)),
                }
            }
            // Not an id this stream ever sent: start over.
            Err(_) => pending.push_back(frame(RESYNC, "{}", None)),
        }
    }
    // Subscribed first: a sync from here on reaches the stream, as a batch or in this count.
    let page = mailbox.mirror_page(&account, None, 0).await?;
    if number(&page.state.history_id) > last {
        last = number(&page.state.history_id);
        pending.push_back(count_frame(page.total, &page.state.history_id));
    }
    let lifetime = u64::try_from(account.claims().exp - common::jwt::unix_now()).unwrap_or(0);
    let mut heartbeat = tokio::time::interval(hub.heartbeat());
    heartbeat.reset();
    let open = Open {
        subscription,
        pending,
        last,
        heartbeat,
        ends_at: tokio::time::Instant::now() + Duration::from_secs(lifetime),
        account,
        redis: redis.get_ref().clone(),
    };
    Ok(HttpResponse::Ok()
        .content_type("text/event-stream")
        .insert_header(("cache-control", "no-store"))
        .insert_header(("x-accel-buffering", "no"))
        .streaming(stream::unfold(open, Open::next)))
}

/// While the account has open streams on this replica: sync it every `WATCH_POLL_SECS`, with
/// the newest JWT of its streams (the sync's lease and freshness check keep it to one
/// `history.list` per period across replicas), and at once when a push says its mailbox moved
/// past the mirror. With push configured it also keeps the account's `users.watch` current
/// (from its first round on, so pushes start at once).
///
/// It runs on the worker that opened the first stream (`actix_web::rt::spawn`: the Gmail
/// calls' futures are not `Send`).
fn spawn_poller(
    hub: Arc<EventHub>,
    mailbox: web::Data<Mailbox>,
    push: Option<web::Data<Push>>,
    sub: String,
    budget: Duration,
) {
    actix_web::rt::spawn(async move {
        let every = hub.poll_interval();
        let Some(poke) = hub.poke_of(&sub) else {
            return;
        };
        let mut first = true;
        loop {
            let pushed = if first {
                false
            } else {
                tokio::select! {
                    () = tokio::time::sleep(every) => false,
                    () = poke.notify.notified() => true,
                }
            };
            // Nobody watches here any more, or a newer poller took over.
            if !hub.poke_of(&sub).is_some_and(|p| Arc::ptr_eq(&p, &poke)) {
                break;
            }
            let Some(account) = hub.watcher(&sub) else {
                break;
            };
            if account.claims().exp <= common::jwt::unix_now() {
                // Its streams end now; a new one brings a fresh JWT.
                continue;
            }
            if let Some(push) = &push
                && deadline::within(budget, push.keep_watching(&mailbox, &account))
                    .await
                    .is_err()
            {
                tracing::warn!("renewing the Gmail watch timed out");
            }
            if std::mem::take(&mut first) {
                // The stream that started this poller has just read a synced mirror.
                continue;
            }
            let max_age = if pushed {
                let target = poke.history_id.load(std::sync::atomic::Ordering::Relaxed);
                match mailbox.mirror.state(&sub).await {
                    // A duplicate, or another replica's sync got there first.
                    Ok(Some(state))
                        if crate::events::number(&state.history_id)
                            .is_some_and(|h| h >= target) =>
                    {
                        continue;
                    }
                    _ => Duration::ZERO,
                }
            } else {
                every
            };
            match deadline::within(budget, mailbox.ensure_synced_within(&account, max_age)).await {
                Ok(Ok(())) => {}
                Ok(Err(error)) => tracing::warn!(%error, "syncing a watched account failed"),
                Err(passed) => tracing::warn!(%passed, "syncing a watched account timed out"),
            }
        }
    });
}
