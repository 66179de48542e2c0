//! Gmail push notifications: the watches `users.watch` / `users.stop` keep, and the Cloud
//! Pub/Sub push subscription the emulator plays, POSTing to `EMULATOR_PUSH_ENDPOINT`.
//!
//! When a watched account's history changes in a way its label filter lets through
//! ([`Watch::wants`]), a notification `{"emailAddress","historyId":<number>}` is published in
//! Pub/Sub's push envelope (`{"message":{"data":<base64>,"messageId","message_id","publishTime",
//! "publish_time","attributes":{}},"subscription"}`) with `Authorization: Bearer <OIDC token>`:
//! RS256, signed with the id_token key whose public half `/oauth2/v3/certs` serves, `iss` the
//! emulator's issuer, `aud` `EMULATOR_PUSH_AUDIENCE`, `email` `EMULATOR_PUSH_SERVICE_ACCOUNT`.
//!
//! As at Google:
//! - at most one notification per second per account: changes within the second are
//!   coalesced into one sent when the second is over, carrying the newest history id (delayed,
//!   never lost);
//! - delivery happens in the background, never holding up the change that caused it;
//! - a delivery answered non-2xx (or not at all) is retried with backoff, then dropped;
//! - a watch lasts 7 days; an expired or stopped watch sends nothing.
//!
//! Tests steer delivery with [`PushMode`] (`POST /emulator/push/mode`): `drop` (published, never
//! sent), `duplicate` (sent twice, same `messageId`, as Pub/Sub's at-least-once delivery may),
//! `delay` (sent `delay_ms` late). Counters (`push.*` in `/emulator/stats`): `published`
//! (notifications after coalescing), `sent` (HTTP attempts), `acknowledged` (2xx answers),
//! `failed` (attempts answered otherwise or unreachable), `dropped` (notifications never
//! acknowledged: `drop` mode, or retries exhausted). Tokens are never logged.

use std::{
    collections::HashMap,
    sync::{Arc, Mutex},
    time::{Duration, Instant},
};

use base64::{Engine, engine::general_purpose::STANDARD};
use serde::{Deserialize, Serialize};
use serde_json::json;
use sha2::{Digest, Sha256};

use crate::{config::PushConfig, mailbox::HistoryRecord, oauth::id_token::IdTokenSigner};

/// Request counters by kind (the shape of `crate::state::RequestCounts`, spelled here so this
/// module does not import the state that owns it).
type RequestCounts = std::collections::BTreeMap<String, u64>;

/// How long a watch lasts (Google: renew at least every 7 days).
pub const WATCH_LIFETIME: Duration = Duration::from_secs(7 * 24 * 3600);
/// At most one notification per this interval per account.
pub const MIN_INTERVAL: Duration = Duration::from_secs(1);
/// HTTP attempts per notification before it is dropped.
pub const DELIVERY_ATTEMPTS: u32 = 5;
/// The wait before the first retry; it doubles for each further one.
pub const FIRST_BACKOFF: Duration = Duration::from_millis(100);
/// How long one attempt may take (Pub/Sub's default acknowledgement deadline).
pub const ATTEMPT_TIMEOUT: Duration = Duration::from_secs(10);
/// Lifetime of the push OIDC token.
const TOKEN_LIFETIME_SECS: i64 = 3600;

/// Which changes of a watched mailbox a watch notifies about.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LabelFilterBehavior {
    /// Only changes to messages carrying one of the watch's labels.
    Include,
    /// Only changes to messages carrying none of them.
    Exclude,
}

/// One account's `users.watch`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Watch {
    /// `projects/<project>/topics/<topic>`.
    pub topic_name: String,
    /// The push subscription named in the envelope: `projects/<project>/subscriptions/<topic>-push`.
    pub subscription: String,
    pub label_ids: Vec<String>,
    pub behavior: LabelFilterBehavior,
    /// Epoch milliseconds; the watch sends nothing from then on.
    pub expiration_ms: i64,
}

impl Watch {
    /// A watch of `topic_name` (`projects/<p>/topics/<t>`, else `None`) from now for 7 days.
    pub fn new(
        topic_name: &str,
        label_ids: Vec<String>,
        behavior: LabelFilterBehavior,
        now_ms: i64,
    ) -> Option<Self> {
        let (project, topic) = parse_topic(topic_name)?;
        Some(Self {
            topic_name: topic_name.to_owned(),
            subscription: format!("projects/{project}/subscriptions/{topic}-push"),
            label_ids,
            behavior,
            expiration_ms: now_ms.saturating_add(WATCH_LIFETIME.as_millis() as i64),
        })
    }

    /// Whether a change shown by `record` passes the label filter: no labels, every change;
    /// `include`, the message (as the record shows it) carries one of the labels; `exclude`,
    /// it carries none of them.
    pub fn wants(&self, record: &HistoryRecord) -> bool {
        if self.label_ids.is_empty() {
            return true;
        }
        let carries = self.label_ids.iter().any(|l| record.shows_label(l));
        match self.behavior {
            LabelFilterBehavior::Include => carries,
            LabelFilterBehavior::Exclude => !carries,
        }
    }

    fn is_live(&self, now_ms: i64) -> bool {
        now_ms < self.expiration_ms
    }
}

/// `projects/<project>/topics/<topic>` split into its two names (each non-empty, no `/`).
pub fn parse_topic(topic_name: &str) -> Option<(&str, &str)> {
    let rest = topic_name.strip_prefix("projects/")?;
    let (project, topic) = rest.split_once("/topics/")?;
    let valid = |name: &str| !name.is_empty() && !name.contains('/') && !name.contains(' ');
    (valid(project) && valid(topic)).then_some((project, topic))
}

/// How notifications are delivered (a test control, `POST /emulator/push/mode`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum PushMode {
    /// Sent once, at once.
    #[default]
    Normal,
    /// Published and lost: never sent.
    Drop,
    /// Sent twice with the same `messageId`.
    Duplicate,
    /// Sent `delay_ms` late.
    Delay,
}

/// The body of `POST /emulator/push/mode`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct PushModeSetting {
    pub mode: PushMode,
    /// How late `delay` sends (ignored by the other modes).
    #[serde(default)]
    pub delay_ms: u64,
}

/// Per account: the notification waiting for the rate window, and when the last one went out.
#[derive(Debug, Default)]
struct Outbox {
    /// The newest history id not yet published.
    pending: Option<u64>,
    last_published: Option<Instant>,
    /// A task is publishing for this account (it exits when nothing is pending).
    publishing: bool,
}

#[derive(Debug, Default)]
struct PushStore {
    watches: HashMap<usize, Watch>,
    outboxes: HashMap<usize, Outbox>,
    mode: PushModeSetting,
    next_message_id: u64,
    counts: RequestCounts,
}

/// The emulator's Pub/Sub side: watches, the per-account rate window, delivery.
pub struct Pusher {
    inner: Arc<Inner>,
}

struct Inner {
    config: PushConfig,
    issuer: String,
    signer: IdTokenSigner,
    http: reqwest::Client,
    store: Mutex<PushStore>,
}

/// One published notification, as delivered (and redelivered) to the endpoint.
struct Notification {
    endpoint: String,
    email: String,
    history_id: u64,
    message_id: String,
    publish_time: String,
    subscription: String,
    mode: PushModeSetting,
}

/// Pub/Sub message ids are decimal strings like `2070443601311540`.
const FIRST_MESSAGE_ID: u64 = 2_070_443_601_311_540;

impl Pusher {
    /// A pusher for `config`, signing tokens as `issuer`.
    pub fn new(config: PushConfig, issuer: String) -> anyhow::Result<Self> {
        let http = reqwest::Client::builder()
            .timeout(ATTEMPT_TIMEOUT)
            .redirect(reqwest::redirect::Policy::none())
            .build()?;
        Ok(Self {
            inner: Arc::new(Inner {
                config,
                issuer,
                signer: IdTokenSigner::new()?,
                http,
                store: Mutex::new(PushStore {
                    next_message_id: FIRST_MESSAGE_ID,
                    ..PushStore::default()
                }),
            }),
        })
    }

    /// Starts (or replaces) the watch of `account`.
    pub fn watch(&self, account: usize, watch: Watch) {
        self.inner.with(|s| {
            s.watches.insert(account, watch);
        });
    }

    /// Ends the watch of `account` (and drops a notification waiting for its rate window).
    pub fn stop(&self, account: usize) {
        self.inner.with(|s| {
            s.watches.remove(&account);
            if let Some(outbox) = s.outboxes.get_mut(&account) {
                outbox.pending = None;
            }
        });
    }

    /// The watch of `account`, if one was started (it may have expired).
    pub fn watch_of(&self, account: usize) -> Option<Watch> {
        self.inner.with(|s| s.watches.get(&account).cloned())
    }

    /// Makes the watch of `account` expired now (a test control); `false` without a watch.
    pub fn expire_watch(&self, account: usize, now_ms: i64) -> bool {
        self.inner.with(|s| {
            s.watches
                .get_mut(&account)
                .map(|w| w.expiration_ms = now_ms)
                .is_some()
        })
    }

    /// The delivery mode.
    pub fn mode(&self) -> PushModeSetting {
        self.inner.with(|s| s.mode)
    }

    /// Changes the delivery mode for notifications published from now on.
    pub fn set_mode(&self, mode: PushModeSetting) {
        self.inner.with(|s| s.mode = mode);
    }

    /// The `push.*` counters.
    pub fn counts(&self) -> RequestCounts {
        self.inner.with(|s| s.counts.clone())
    }

    /// Clears the `push.*` counters.
    pub fn reset_counts(&self) {
        self.inner.with(|s| s.counts.clear());
    }

    /// `records` were just added to the mailbox of `account` (`email`), now at `history_id`:
    /// if its live watch wants one of them, a notification goes out (at once, or when the
    /// account's rate window opens, carrying the newest history id by then).
    pub fn changed(&self, account: usize, email: &str, records: &[HistoryRecord], history_id: u64) {
        if self.inner.config.endpoint.is_none() {
            return;
        }
        let now_ms = chrono::Utc::now().timestamp_millis();
        let start = self.inner.with(|s| {
            let wanted = s
                .watches
                .get(&account)
                .is_some_and(|w| w.is_live(now_ms) && records.iter().any(|r| w.wants(r)));
            if !wanted {
                return false;
            }
            let outbox = s.outboxes.entry(account).or_default();
            outbox.pending = Some(outbox.pending.map_or(history_id, |p| p.max(history_id)));
            !std::mem::replace(&mut outbox.publishing, true)
        });
        if start {
            let Ok(runtime) = tokio::runtime::Handle::try_current() else {
                // No runtime (a change made outside the server): nothing can be sent.
                self.inner.with(|s| {
                    if let Some(outbox) = s.outboxes.get_mut(&account) {
                        outbox.publishing = false;
                    }
                });
                return;
            };
            runtime.spawn(publish_loop(
                Arc::clone(&self.inner),
                account,
                email.to_owned(),
            ));
        }
    }
}

impl Inner {
    fn with<T>(&self, f: impl FnOnce(&mut PushStore) -> T) -> T {
        let mut guard = self
            .store
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        f(&mut guard)
    }

    fn count(&self, kind: &str) {
        self.with(|s| *s.counts.entry(kind.to_owned()).or_default() += 1);
    }
}

/// Publishes the pending notifications of `account`, at most one per [`MIN_INTERVAL`], until
/// none is pending.
async fn publish_loop(inner: Arc<Inner>, account: usize, email: String) {
    let Some(endpoint) = inner.config.endpoint.clone() else {
        inner.with(|s| s.outboxes.remove(&account));
        return;
    };
    loop {
        let wait = inner.with(|s| {
            s.outboxes
                .get(&account)
                .and_then(|o| o.last_published)
                .map_or(Duration::ZERO, |last| {
                    (last + MIN_INTERVAL).saturating_duration_since(Instant::now())
                })
        });
        if !wait.is_zero() {
            tokio::time::sleep(wait).await;
        }
        let now_ms = chrono::Utc::now().timestamp_millis();
        let next = inner.with(|s| {
            let subscription = s
                .watches
                .get(&account)
                .filter(|w| w.is_live(now_ms))
                .map(|w| w.subscription.clone());
            let outbox = s.outboxes.entry(account).or_default();
            let pending = outbox.pending.take();
            let (Some(history_id), Some(subscription)) = (pending, subscription) else {
                outbox.publishing = false;
                return None;
            };
            outbox.last_published = Some(Instant::now());
            let message_id = s.next_message_id;
            s.next_message_id += 1;
            *s.counts.entry("push.published".into()).or_default() += 1;
            Some((history_id, subscription, message_id, s.mode))
        });
        let Some((history_id, subscription, message_id, mode)) = next else {
            return;
        };
        let notification = Arc::new(Notification {
            endpoint: endpoint.clone(),
            email: email.clone(),
            history_id,
            message_id: message_id.to_string(),
            publish_time: chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
            subscription,
            mode,
        });
        match mode.mode {
            PushMode::Drop => {
                inner.count("push.dropped");
                tracing::debug!(account = %email, history_id, "push dropped (drop mode)");
            }
            PushMode::Duplicate => {
                tokio::spawn(deliver(Arc::clone(&inner), Arc::clone(&notification)));
                tokio::spawn(deliver(Arc::clone(&inner), notification));
            }
            PushMode::Normal | PushMode::Delay => {
                tokio::spawn(deliver(Arc::clone(&inner), notification));
            }
        }
    }
}

/// Delivers one notification with retries and backoff; counts what happened.
async fn deliver(inner: Arc<Inner>, notification: Arc<Notification>) {
    if notification.mode.mode == PushMode::Delay {
        tokio::time::sleep(Duration::from_millis(notification.mode.delay_ms)).await;
    }
    let body = envelope(&notification);
    let mut backoff = FIRST_BACKOFF;
    for attempt in 1..=DELIVERY_ATTEMPTS {
        inner.count("push.sent");
        let outcome = match push_token(&inner) {
            Ok(token) => inner
                .http
                .post(&notification.endpoint)
                .bearer_auth(token)
                .json(&body)
                .send()
                .await
                .map(|r| r.status())
                .map_err(|e| e.without_url().to_string()),
            Err(e) => Err(format!("cannot sign the push token: {e}")),
        };
        match outcome {
            Ok(status) if status.is_success() => {
                inner.count("push.acknowledged");
                tracing::debug!(
                    account = %notification.email,
                    history_id = notification.history_id,
                    message_id = %notification.message_id,
                    attempt,
                    "push acknowledged"
                );
                return;
            }
            Ok(status) => {
                inner.count("push.failed");
                tracing::info!(
                    account = %notification.email,
                    message_id = %notification.message_id,
                    attempt,
                    status = status.as_u16(),
                    "push not acknowledged"
                );
            }
            Err(error) => {
                inner.count("push.failed");
                tracing::info!(
                    account = %notification.email,
                    message_id = %notification.message_id,
                    attempt,
                    %error,
                    "push endpoint unreachable"
                );
            }
        }
        if attempt < DELIVERY_ATTEMPTS {
            tokio::time::sleep(backoff).await;
            backoff *= 2;
        }
    }
    inner.count("push.dropped");
    tracing::warn!(
        account = %notification.email,
        message_id = %notification.message_id,
        "push dropped after {DELIVERY_ATTEMPTS} attempts"
    );
}

/// Pub/Sub's push request body.
fn envelope(notification: &Notification) -> serde_json::Value {
    let data = json!({
        "emailAddress": notification.email,
        "historyId": notification.history_id,
    });
    json!({
        "message": {
            "data": STANDARD.encode(data.to_string()),
            "messageId": notification.message_id,
            "message_id": notification.message_id,
            "publishTime": notification.publish_time,
            "publish_time": notification.publish_time,
            "attributes": {},
        },
        "subscription": notification.subscription,
    })
}

/// The claims of the OIDC token a Pub/Sub push subscription sends.
#[derive(Debug, Serialize)]
struct PushTokenClaims<'a> {
    iss: &'a str,
    aud: &'a str,
    azp: &'a str,
    sub: &'a str,
    email: &'a str,
    email_verified: bool,
    iat: i64,
    exp: i64,
}

fn push_token(inner: &Inner) -> anyhow::Result<String> {
    let sub = service_account_id(&inner.config.service_account);
    let iat = chrono::Utc::now().timestamp();
    inner.signer.sign_claims(&PushTokenClaims {
        iss: &inner.issuer,
        aud: &inner.config.audience,
        azp: &sub,
        sub: &sub,
        email: &inner.config.service_account,
        email_verified: true,
        iat,
        exp: iat + TOKEN_LIFETIME_SECS,
    })
}

/// A service account's numeric unique id (21 digits, as Google's), derived from its address.
pub fn service_account_id(email: &str) -> String {
    let digest = Sha256::digest(email.as_bytes());
    let mut number: u128 = 0;
    for byte in &digest[..16] {
        number = (number << 8) | u128::from(*byte);
    }
    format!("1{:020}", number % 100_000_000_000_000_000_000)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mailbox::HistoryChange;

    fn record(labels: &[&str]) -> HistoryRecord {
        HistoryRecord {
            id: 1,
            message_id: "a".into(),
            thread_id: "a".into(),
            label_ids: labels.iter().map(|l| (*l).to_owned()).collect(),
            change: HistoryChange::MessageAdded,
        }
    }

    #[test]
    fn topics_must_be_projects_p_topics_t() {
        assert_eq!(
            parse_topic("projects/my-project/topics/gmail"),
            Some(("my-project", "gmail"))
        );
        for bad in [
            "",
            "gmail",
            "projects/p/topics/",
            "projects//topics/t",
            "projects/p/subscriptions/t",
            "projects/p/topics/t/x",
            "topics/t",
        ] {
            assert_eq!(parse_topic(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn label_filters_include_and_exclude() {
        let watch = |labels: &[&str], behavior| {
            Watch::new(
                "projects/p/topics/t",
                labels.iter().map(|l| (*l).to_owned()).collect(),
                behavior,
                0,
            )
            .unwrap()
        };
        let all = watch(&[], LabelFilterBehavior::Include);
        assert!(all.wants(&record(&["SPAM"])));
        let inbox = watch(&["INBOX"], LabelFilterBehavior::Include);
        assert!(inbox.wants(&record(&["INBOX", "UNREAD"])));
        assert!(!inbox.wants(&record(&["SPAM"])));
        let no_spam = watch(&["SPAM", "TRASH"], LabelFilterBehavior::Exclude);
        assert!(no_spam.wants(&record(&["INBOX"])));
        assert!(!no_spam.wants(&record(&["TRASH"])));
        assert_eq!(all.subscription, "projects/p/subscriptions/t-push");
        assert_eq!(all.expiration_ms, WATCH_LIFETIME.as_millis() as i64);
    }

    #[test]
    fn service_account_ids_are_21_digits_and_stable() {
        let id = service_account_id("gmail-push@emulator.iam.gserviceaccount.com");
        assert_eq!(id.len(), 21);
        assert!(id.bytes().all(|b| b.is_ascii_digit()));
        assert_eq!(
            id,
            service_account_id("gmail-push@emulator.iam.gserviceaccount.com")
        );
        assert_ne!(id, service_account_id("other@example.com"));
    }
}
