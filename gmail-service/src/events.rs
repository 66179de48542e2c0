//! Live updates of the unread list: what a sync changed, kept in Redis and pushed to every open
//! `GET /v1/events` stream on every replica.
//!
//! - A sync that changed the mirror writes one [`Batch`] (`crate::sync`): the messages that
//!   joined, the ids that left, the count after, the history ids before and after. It goes to
//!   two Redis streams: the account's log `events:{<sub>}` (the last [`LOG_LENGTH`] batches,
//!   for clients that reconnect with `Last-Event-ID`) and the deployment's `events`, which
//!   every replica tails (`XREAD BLOCK` on a connection of its own) to reach its open streams.
//! - [`EventHub`] is this replica's registry of open streams, per account: a broadcast channel
//!   and the account's most recent verified [`Account`]. While an account has open streams
//!   here, a poller syncs it every `WATCH_POLL_SECS` ([`crate::sync`]'s lease and freshness
//!   check make that one `history.list` per period across all replicas, not one per replica).
//! - Events are best-effort: the mirror is the truth. A batch that could not be written is
//!   logged; the next page (or a `resync`) shows the state anyway.

use std::{
    collections::HashMap,
    sync::{Arc, Mutex, PoisonError},
    time::Duration,
};

use common::redis_store::RedisStore;
use contract::gmail::MessageSummary;
use redis::{RedisError, Value};
use serde::{Deserialize, Serialize};
use tokio::sync::broadcast;

use crate::{account::Account, redis_keys};

/// Batches kept per account for `Last-Event-ID`.
pub const LOG_LENGTH: usize = 100;
/// Batches kept in the deployment's stream (only the tail matters: replicas read it live).
const FAN_OUT_LENGTH: usize = 10_000;
/// Batches one open stream may fall behind before it is told to `resync`.
const CHANNEL_CAPACITY: usize = 64;
/// How long one `XREAD BLOCK` waits (below the connection's response timeout).
const TAIL_BLOCK: Duration = Duration::from_millis(1_000);

/// What one sync changed.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Batch {
    /// The history id the mirror reflected before (what a client that saw it has).
    pub from: String,
    /// The history id it reflects after: the `id:` of the batch's last event.
    pub to: String,
    pub added: Vec<MessageSummary>,
    pub removed: Vec<String>,
    /// The count after the batch.
    pub unread: u64,
    /// Too much changed to say what (a full sync): clients reload the list.
    pub resync: bool,
}

/// What a client that reconnects with `Last-Event-ID` missed.
#[derive(Debug, PartialEq, Eq)]
pub enum Missed {
    /// These batches, oldest first (possibly none).
    Batches(Vec<Batch>),
    /// More than the log keeps: reload.
    TooOld,
}

/// A Gmail history id as a number (they are decimal strings on the wire).
pub fn number(id: &str) -> Option<u64> {
    id.parse().ok()
}

/// The batches of `log` (oldest first) after history id `last`.
pub fn missed_since(log: Vec<Batch>, last: u64) -> Missed {
    match log.first().and_then(|b| number(&b.from)) {
        Some(oldest) if last < oldest => Missed::TooOld,
        _ => Missed::Batches(
            log.into_iter()
                .filter(|b| number(&b.to).is_some_and(|to| to > last))
                .collect(),
        ),
    }
}

/// The two Redis streams.
#[derive(Clone)]
pub struct EventLog {
    redis: RedisStore,
}

impl EventLog {
    pub fn new(redis: RedisStore) -> Self {
        Self { redis }
    }

    fn fan_out_key(&self) -> String {
        self.redis.key("events")
    }

    /// Writes `batch` to the account's log and to the deployment's stream.
    pub async fn publish(&self, sub: &str, batch: &Batch) -> Result<(), RedisError> {
        let json = serde_json::to_string(batch).map_err(|e| {
            RedisError::from((
                redis::ErrorKind::Client,
                "a batch cannot be written",
                e.to_string(),
            ))
        })?;
        let mut connection = self.redis.connection();
        // Two keys in two slots (a Cluster): two commands, not one MULTI.
        let _: String = redis::cmd("XADD")
            .arg(redis_keys::events(&self.redis, sub))
            .arg("MAXLEN")
            .arg("~")
            .arg(LOG_LENGTH)
            .arg("*")
            .arg("batch")
            .arg(&json)
            .query_async(&mut connection)
            .await?;
        let _: String = redis::cmd("XADD")
            .arg(self.fan_out_key())
            .arg("MAXLEN")
            .arg("~")
            .arg(FAN_OUT_LENGTH)
            .arg("*")
            .arg("sub")
            .arg(sub)
            .arg("batch")
            .arg(&json)
            .query_async(&mut connection)
            .await?;
        Ok(())
    }

    /// Asks the pollers of `sub` on every replica to sync now: a push said the mailbox is at
    /// `history_id`.
    pub async fn poke(&self, sub: &str, history_id: u64) -> Result<(), RedisError> {
        let mut connection = self.redis.connection();
        let _: String = redis::cmd("XADD")
            .arg(self.fan_out_key())
            .arg("MAXLEN")
            .arg("~")
            .arg(FAN_OUT_LENGTH)
            .arg("*")
            .arg("sub")
            .arg(sub)
            .arg("poke")
            .arg(history_id)
            .query_async(&mut connection)
            .await?;
        Ok(())
    }

    /// The account's logged batches, oldest first.
    pub async fn log(&self, sub: &str) -> Result<Vec<Batch>, RedisError> {
        let mut connection = self.redis.connection();
        let entries: Vec<(String, HashMap<String, String>)> = redis::cmd("XRANGE")
            .arg(redis_keys::events(&self.redis, sub))
            .arg("-")
            .arg("+")
            .query_async(&mut connection)
            .await?;
        Ok(entries
            .into_iter()
            .filter_map(|(_, fields)| serde_json::from_str(fields.get("batch")?).ok())
            .collect())
    }
}

/// One account's open streams on this replica.
struct Watch {
    sender: broadcast::Sender<Arc<Batch>>,
    /// Wakes the account's poller (a push arrived).
    poke: Arc<Poke>,
    streams: usize,
    /// The most recent verified account of its streams: the poller syncs with it.
    account: Account,
}

/// A push for a watched account: the newest pushed history id, and the poller's wake-up.
#[derive(Default)]
pub struct Poke {
    pub notify: tokio::sync::Notify,
    pub history_id: std::sync::atomic::AtomicU64,
}

/// Why a stream cannot be opened.
#[derive(Debug, thiserror::Error)]
pub enum HubError {
    #[error("this replica holds as many open streams as it allows")]
    ReplicaFull,
    #[error("the account has as many open streams as it may")]
    AccountFull,
}

/// Limits of [`EventHub`].
#[derive(Clone, Debug)]
pub struct HubSettings {
    /// `EVENTS_MAX_STREAMS`: open streams one replica holds.
    pub max_streams: usize,
    /// `EVENTS_MAX_STREAMS_PER_ACCOUNT`.
    pub max_per_account: usize,
    /// `WATCH_POLL_SECS`: how often a watched account is synced.
    pub poll: Duration,
    /// `EVENTS_HEARTBEAT_SECS`: how often an idle stream sends a comment (which also finds a
    /// closed connection, freeing its place, and checks the JWT is not revoked).
    pub heartbeat: Duration,
}

/// This replica's open streams.
pub struct EventHub {
    watches: Mutex<HashMap<String, Watch>>,
    settings: HubSettings,
}

/// An open stream's place in the hub; leaving it (drop) closes it there.
pub struct Subscription {
    pub receiver: broadcast::Receiver<Arc<Batch>>,
    hub: Arc<EventHub>,
    sub: String,
}

impl Drop for Subscription {
    fn drop(&mut self) {
        let mut watches = self.hub.lock();
        if let Some(watch) = watches.get_mut(&self.sub) {
            watch.streams = watch.streams.saturating_sub(1);
            if watch.streams == 0 {
                watches.remove(&self.sub);
            }
        }
    }
}

impl EventHub {
    pub fn new(settings: HubSettings) -> Arc<Self> {
        Arc::new(Self {
            watches: Mutex::new(HashMap::new()),
            settings,
        })
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, Watch>> {
        self.watches.lock().unwrap_or_else(PoisonError::into_inner)
    }

    pub fn poll_interval(&self) -> Duration {
        self.settings.poll
    }

    pub fn heartbeat(&self) -> Duration {
        self.settings.heartbeat
    }

    /// Open streams on this replica.
    pub fn open_streams(&self) -> usize {
        self.lock().values().map(|w| w.streams).sum()
    }

    /// Opens a stream for `account`; the `bool` is whether it is the account's first here
    /// (then the caller starts its poller).
    pub fn subscribe(
        self: &Arc<Self>,
        account: &Account,
    ) -> Result<(Subscription, bool), HubError> {
        let mut watches = self.lock();
        if watches.values().map(|w| w.streams).sum::<usize>() >= self.settings.max_streams {
            return Err(HubError::ReplicaFull);
        }
        let sub = account.sub().to_owned();
        let first = !watches.contains_key(&sub);
        let watch = watches.entry(sub.clone()).or_insert_with(|| Watch {
            sender: broadcast::channel(CHANNEL_CAPACITY).0,
            poke: Arc::default(),
            streams: 0,
            account: account.clone(),
        });
        if watch.streams >= self.settings.max_per_account {
            return Err(HubError::AccountFull);
        }
        watch.streams += 1;
        if account.claims().exp > watch.account.claims().exp {
            watch.account = account.clone();
        }
        Ok((
            Subscription {
                receiver: watch.sender.subscribe(),
                hub: Arc::clone(self),
                sub,
            },
            first,
        ))
    }

    /// The account to sync a watched account with; `None` once nobody watches it here.
    pub fn watcher(&self, sub: &str) -> Option<Account> {
        self.lock().get(sub).map(|w| w.account.clone())
    }

    /// The wake-up of the account's poller here; `None` once nobody watches it here.
    pub fn poke_of(&self, sub: &str) -> Option<Arc<Poke>> {
        self.lock().get(sub).map(|w| Arc::clone(&w.poke))
    }

    /// Wakes the account's poller here, if any, for a push at `history_id`.
    pub fn poke(&self, sub: &str, history_id: u64) {
        if let Some(poke) = self.poke_of(sub) {
            poke.history_id
                .fetch_max(history_id, std::sync::atomic::Ordering::Relaxed);
            poke.notify.notify_one();
        }
    }

    /// Hands `batch` to the account's open streams here, if any.
    pub fn deliver(&self, sub: &str, batch: Batch) {
        if let Some(watch) = self.lock().get(sub) {
            let _receivers = watch.sender.send(Arc::new(batch));
        }
    }

    /// Tails the deployment's stream on `redis` (a connection of its own: `XREAD BLOCK` holds
    /// it) and delivers every batch to this replica's streams, for as long as the process runs.
    pub async fn tail(self: Arc<Self>, redis: RedisStore, log: EventLog) {
        let key = log.fan_out_key();
        let mut last = "$".to_owned();
        loop {
            let mut connection = redis.connection();
            let read: Result<Value, RedisError> = redis::cmd("XREAD")
                .arg("BLOCK")
                .arg(u64::try_from(TAIL_BLOCK.as_millis()).unwrap_or(1_000))
                .arg("COUNT")
                .arg(500)
                .arg("STREAMS")
                .arg(&key)
                .arg(&last)
                .query_async(&mut connection)
                .await;
            match read {
                Ok(value) => {
                    for (id, sub, entry) in stream_entries(value) {
                        last = id;
                        match entry {
                            Some(Entry::Batch(batch)) => self.deliver(&sub, batch),
                            Some(Entry::Poke(history_id)) => self.poke(&sub, history_id),
                            None => {}
                        }
                    }
                }
                Err(error) => {
                    tracing::warn!(error = %error, "reading the event stream failed; retrying");
                    tokio::time::sleep(Duration::from_secs(1)).await;
                }
            }
        }
    }
}

/// One entry of the deployment's stream.
enum Entry {
    Batch(Batch),
    /// A push: sync the account now.
    Poke(u64),
}

/// `(entry id, sub, entry)` of an `XREAD` answer (nil when it timed out).
fn stream_entries(value: Value) -> Vec<(String, String, Option<Entry>)> {
    type Entries = Vec<(String, Vec<(String, HashMap<String, String>)>)>;
    let Ok(Some(streams)) = redis::from_redis_value::<Option<Entries>>(value) else {
        return Vec::new();
    };
    streams
        .into_iter()
        .flat_map(|(_, entries)| entries)
        .map(|(id, fields)| {
            let sub = fields.get("sub").cloned().unwrap_or_default();
            let entry = match fields.get("poke") {
                Some(history_id) => history_id.parse().ok().map(Entry::Poke),
                None => fields
                    .get("batch")
                    .and_then(|json| serde_json::from_str(json).ok())
                    .map(Entry::Batch),
            };
            (id, sub, entry)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn batch(from: &str, to: &str) -> Batch {
        Batch {
            from: from.into(),
            to: to.into(),
            added: vec![],
            removed: vec!["a1".into()],
            unread: 3,
            resync: false,
        }
    }

    #[test]
    fn a_client_gets_the_batches_after_its_last_event_or_resync() {
        let log = vec![
            batch("100", "117"),
            batch("117", "151"),
            batch("151", "170"),
        ];
        assert_eq!(
            missed_since(log.clone(), 117),
            Missed::Batches(vec![batch("117", "151"), batch("151", "170")])
        );
        assert_eq!(missed_since(log.clone(), 170), Missed::Batches(vec![]));
        assert_eq!(missed_since(log.clone(), 100), Missed::Batches(log.clone()));
        // Older than the oldest kept batch starts: something may be missing.
        assert_eq!(missed_since(log, 99), Missed::TooOld);
        assert_eq!(missed_since(vec![], 5), Missed::Batches(vec![]));
    }
}
