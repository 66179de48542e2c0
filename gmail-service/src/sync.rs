//! Keeping an account's [`Mirror`] in step with Gmail, as Google's "Synchronizing clients
//! with Gmail" guide describes it.
//!
//! - **Fresh** (synced within `SYNC_MAX_AGE_SECS`): nothing to do, no Google call.
//! - **Incremental**: `history.list` from the mirror's `history_id` (2 units a page, only the
//!   changes). Every record names the messages it touched and their labels after the change,
//!   so the last record of a message says whether it is in the unread list (`UNREAD`, and
//!   neither `SPAM` nor `TRASH`: what `is:unread` lists). Messages that join are read with
//!   `messages.get format=metadata` (their summary and `internalDate`); messages that stay
//!   only get their labels updated; messages that leave (read, spam, trash, deleted) are
//!   removed. The new `history_id` is stored after the last page only.
//! - **Full**: when there is no mirror yet, or Gmail answers 404 (the id is too old) or the
//!   changes are more than [`MAX_HISTORY_PAGES`] pages. `getProfile` first (its history id is
//!   the starting point: what changes while we list is replayed, never missed), then
//!   `messages.list q=is:unread` up to `SYNC_MAX_MESSAGES`, then `messages.get` for the
//!   messages the mirror does not hold yet (at most `GMAIL_GET_CONCURRENCY` at once, their
//!   units charged together).
//!
//! **Single flight across replicas**: the syncing replica holds the account's lease in Redis
//! (`SET NX PX`, renewed while it syncs); the others wait for the state to change (polling
//! Redis) and then read the mirror that sync wrote. One stale account costs Google one sync,
//! however many pages and replicas ask at once. A request that has waited [`WAIT_FOR_SYNC`]
//! serves the mirror as it is rather than failing (a slow Gmail, a replica that died holding
//! the lease); only an account with no mirror yet has nothing to serve, and answers 503 at its
//! deadline.

use std::time::Duration;

use futures_util::{StreamExt, stream};
use rand::RngCore;

use crate::{
    account::Account,
    deadline,
    events::Batch,
    gmail::{GmailCall, GmailError, MessageFormat, UNITS_MESSAGES_GET, wire},
    mail::{self, is_valid_message_id},
    mailbox::{Mailbox, MailboxError},
    mirror::{Cursor, Entry, MirrorPage, SyncState},
};

/// History pages one incremental sync reads before a full sync is cheaper.
pub const MAX_HISTORY_PAGES: usize = 20;
/// How long the account's lease lives without renewal; the syncing request renews it every
/// third of that, so a replica that dies (or loses Redis) mid-sync blocks nobody for longer.
const LEASE: Duration = Duration::from_secs(5);
/// How often a waiting request looks whether the other replica's sync is done.
const POLL: Duration = Duration::from_millis(15);
/// How long a request waits for another's sync before it serves the mirror as it is (when
/// there is one: `synced_at` says how old).
const WAIT_FOR_SYNC: Duration = Duration::from_secs(2);
/// What a request waiting for another replica's sync past its deadline is told.
const BUSY_RETRY_AFTER: Duration = Duration::from_secs(1);

fn now_ms() -> i64 {
    chrono::Utc::now().timestamp_millis()
}

fn is_fresh(state: &SyncState, max_age: Duration) -> bool {
    let age = now_ms().saturating_sub(state.synced_at_ms);
    age >= 0 && u128::try_from(age).unwrap_or(u128::MAX) < max_age.as_millis()
}

/// Whether a message with these labels is in the unread list (what `is:unread` lists).
pub fn is_listed(labels: &[String]) -> bool {
    let has = |label: &str| labels.iter().any(|l| l == label);
    has("UNREAD") && !has("SPAM") && !has("TRASH")
}

fn mirror_error(error: redis::RedisError) -> MailboxError {
    MailboxError::Mirror(error.to_string())
}

/// What history says about one message in the end.
#[derive(Default)]
struct Change {
    deleted: bool,
    /// The labels after its last change; `None` when history left them out.
    labels: Option<Vec<String>>,
}

/// Incremental sync could not be done; sync in full instead.
enum Incremental {
    Done,
    TooOld,
}

impl Mailbox {
    /// A page of the caller's mirror: read once when the mirror is fresh (its state comes
    /// with the page, so a fresh page is one Redis round trip), else read after a sync.
    pub(crate) async fn mirror_page(
        &self,
        caller: &Account,
        cursor: Option<&Cursor>,
        limit: u32,
    ) -> Result<MirrorPage, MailboxError> {
        let sub = caller.sub();
        let page = self
            .mirror
            .page(sub, cursor, limit)
            .await
            .map_err(mirror_error)?;
        if let Some(page) = page
            && is_fresh(&page.state, self.sync.max_age)
        {
            self.count_sync("fresh");
            return Ok(page);
        }
        self.ensure_synced(caller).await?;
        self.mirror
            .page(sub, cursor, limit)
            .await
            .map_err(mirror_error)?
            .ok_or_else(|| MailboxError::Mirror("the mirror vanished after its sync".into()))
    }

    /// Makes sure the caller's mirror is fresh: returns at once when it is, otherwise syncs it
    /// (or waits for the replica that does).
    pub async fn ensure_synced(&self, caller: &Account) -> Result<(), MailboxError> {
        self.ensure_synced_within(caller, self.sync.max_age).await
    }

    /// As [`Self::ensure_synced`], with `max_age` instead of `SYNC_MAX_AGE_SECS` (the poller of
    /// watched accounts uses `WATCH_POLL_SECS`).
    pub async fn ensure_synced_within(
        &self,
        caller: &Account,
        max_age: Duration,
    ) -> Result<(), MailboxError> {
        let sub = caller.sub();
        let state = self.mirror.state(sub).await.map_err(mirror_error)?;
        if state.as_ref().is_some_and(|s| is_fresh(s, max_age)) {
            self.count_sync("fresh");
            return Ok(());
        }
        let seen = state.as_ref().map(|s| s.synced_at_ms);
        let waiting_since = std::time::Instant::now();
        let holder = {
            let mut bytes = [0_u8; 16];
            rand::rng().fill_bytes(&mut bytes);
            bytes.iter().map(|b| format!("{b:02x}")).collect::<String>()
        };
        loop {
            if self
                .mirror
                .try_lease(sub, &holder, LEASE)
                .await
                .map_err(mirror_error)?
            {
                let renewer = {
                    let (mirror, sub, holder) =
                        (self.mirror.clone(), sub.to_owned(), holder.clone());
                    tokio::spawn(async move {
                        loop {
                            tokio::time::sleep(LEASE / 3).await;
                            if !matches!(mirror.renew_lease(&sub, &holder, LEASE).await, Ok(true)) {
                                break;
                            }
                        }
                    })
                };
                let outcome = self.sync_leased(caller, max_age).await;
                renewer.abort();
                if let Err(error) = self.mirror.release_lease(sub, &holder).await {
                    tracing::warn!(%error, "could not release the sync lease; it expires by itself");
                }
                return outcome;
            }
            // Another replica (or request) syncs this account: wait for its result.
            if state.is_some() && waiting_since.elapsed() >= WAIT_FOR_SYNC {
                self.count_sync("stale");
                return Ok(());
            }
            if deadline::remaining().is_some_and(|left| left <= POLL) {
                return Err(MailboxError::Gmail(GmailError::Unavailable {
                    reason: "the account's mailbox is being synced".into(),
                    retry_after: BUSY_RETRY_AFTER,
                }));
            }
            tokio::time::sleep(POLL).await;
            let now = self.mirror.state(sub).await.map_err(mirror_error)?;
            if now.is_some_and(|s| Some(s.synced_at_ms) != seen) {
                self.count_sync("waited");
                return Ok(());
            }
        }
    }

    /// The sync itself, under the lease.
    async fn sync_leased(&self, caller: &Account, max_age: Duration) -> Result<(), MailboxError> {
        let sub = caller.sub();
        // Somebody may have synced between our look and our lease.
        let state = self.mirror.state(sub).await.map_err(mirror_error)?;
        match state {
            Some(state) if is_fresh(&state, max_age) => {
                self.count_sync("waited");
                Ok(())
            }
            Some(state) => match self.sync_incremental(caller, &state).await? {
                Incremental::Done => {
                    self.count_sync("incremental");
                    Ok(())
                }
                Incremental::TooOld => {
                    let (written, unread) = self.sync_full(caller).await?;
                    self.count_sync("full");
                    self.publish(
                        sub,
                        Batch {
                            from: state.history_id,
                            to: written.history_id,
                            added: vec![],
                            removed: vec![],
                            unread,
                            resync: true,
                        },
                    )
                    .await;
                    Ok(())
                }
            },
            None => {
                self.sync_full(caller).await?;
                self.count_sync("full");
                Ok(())
            }
        }
    }

    /// Writes what a sync changed for the account's open streams (best-effort: the mirror is
    /// the truth, and a client that misses a batch reloads on `resync`).
    async fn publish(&self, sub: &str, batch: Batch) {
        if let Err(error) = self.events.publish(sub, &batch).await {
            tracing::warn!(%error, "could not publish the sync's changes");
        }
    }

    fn count_sync(&self, kind: &str) {
        self.metrics.mirror_syncs.with_label_values(&[kind]).inc();
    }

    /// `history.list` from the mirror's history id, applied.
    async fn sync_incremental(
        &self,
        caller: &Account,
        state: &SyncState,
    ) -> Result<Incremental, MailboxError> {
        let sub = caller.sub();
        let gmail = &self.gmail;
        let mut changes: std::collections::HashMap<String, Change> = Default::default();
        let mut page_token: Option<String> = None;
        let mut pages = 0;
        let history_id = loop {
            let start = state.history_id.as_str();
            let token = page_token.as_deref();
            let page = self
                .authorized(caller, false, |access, prepaid| async move {
                    let call = GmailCall {
                        account: sub,
                        token: &access,
                        prepaid,
                    };
                    gmail.list_history(call, start, token).await
                })
                .await;
            let page = match page {
                Ok(page) => page,
                Err(MailboxError::Gmail(GmailError::NotFound)) => {
                    tracing::info!("Gmail no longer has the mirror's history id; syncing in full");
                    return Ok(Incremental::TooOld);
                }
                Err(error) => return Err(error),
            };
            for record in page.history {
                for touched in record
                    .messages_added
                    .into_iter()
                    .chain(record.labels_added)
                    .chain(record.labels_removed)
                {
                    let change = changes.entry(touched.message.id).or_default();
                    change.deleted = false;
                    change.labels = touched.message.label_ids;
                }
                for gone in record.messages_deleted {
                    let change = changes.entry(gone.message.id).or_default();
                    change.deleted = true;
                    change.labels = None;
                }
            }
            match page.next_page_token.filter(|t| !t.is_empty()) {
                None => break page.history_id,
                Some(next) => {
                    pages += 1;
                    if pages >= MAX_HISTORY_PAGES {
                        tracing::info!("more history than a full sync costs; syncing in full");
                        return Ok(Incremental::TooOld);
                    }
                    page_token = Some(next);
                }
            }
        };
        // Ids go into keys and URLs: only what Gmail's ids look like.
        changes.retain(|id, _| is_valid_message_id(id));
        let ids: Vec<&str> = changes.keys().map(String::as_str).collect();
        let known = self.mirror.entries(sub, &ids).await.map_err(mirror_error)?;
        let mut upserts = Vec::new();
        let mut removed = Vec::new();
        let mut left = Vec::new();
        let mut to_read = Vec::new();
        for (id, known) in ids.iter().zip(known) {
            let change = &changes[*id];
            if known.is_some()
                && (change.deleted || change.labels.as_ref().is_some_and(|l| !is_listed(l)))
            {
                left.push((*id).to_owned());
            }
            match (&change.labels, known) {
                _ if change.deleted => removed.push(*id),
                (Some(labels), Some(_)) if !is_listed(labels) => removed.push(*id),
                (Some(labels), Some(mut entry)) => {
                    entry.summary.labels.clone_from(labels);
                    upserts.push(entry);
                }
                (Some(labels), None) if !is_listed(labels) => {}
                // Joins the list, or history did not say: read it.
                (_, _) => to_read.push(*id),
            }
        }
        let mut added = Vec::new();
        for (id, outcome) in self.read_summaries(caller, &to_read).await? {
            match outcome {
                Some(entry) if is_listed(&entry.summary.labels) => {
                    added.push((entry.internal_date, entry.summary.clone()));
                    upserts.push(entry);
                }
                _ => removed.push(id),
            }
        }
        let next = SyncState {
            history_id: history_id.clone(),
            synced_at_ms: now_ms(),
            truncated: state.truncated,
        };
        self.mirror
            .apply(sub, &upserts, &removed, &next)
            .await
            .map_err(mirror_error)?;
        if !added.is_empty() || !left.is_empty() {
            // Only joining messages can take the mirror past its bound.
            let unread = self
                .mirror
                .trim(sub, self.sync.max_messages)
                .await
                .map_err(mirror_error)?;
            // Oldest first: each one goes on top of the list as it arrives.
            added.sort_by(|a, b| a.0.cmp(&b.0).then_with(|| a.1.id.cmp(&b.1.id)));
            self.publish(
                sub,
                Batch {
                    from: state.history_id.clone(),
                    to: history_id,
                    added: added.into_iter().map(|(_, summary)| summary).collect(),
                    removed: left,
                    unread,
                    resync: false,
                },
            )
            .await;
        }
        Ok(Incremental::Done)
    }

    /// The whole unread list again; what the mirror already holds is not read again.
    /// Returns the state it wrote and how many messages the mirror holds after it.
    async fn sync_full(&self, caller: &Account) -> Result<(SyncState, u64), MailboxError> {
        let sub = caller.sub();
        let gmail = &self.gmail;
        let profile = self
            .authorized(caller, false, |access, prepaid| async move {
                let call = GmailCall {
                    account: sub,
                    token: &access,
                    prepaid,
                };
                gmail.profile(call).await
            })
            .await?;
        let max = self.sync.max_messages;
        let mut ids: Vec<String> = Vec::new();
        let mut page_token: Option<String> = None;
        let truncated = loop {
            let want = u32::try_from((max - ids.len()).min(500)).unwrap_or(500);
            let token = page_token.as_deref();
            let list = self
                .authorized(caller, false, |access, prepaid| async move {
                    let call = GmailCall {
                        account: sub,
                        token: &access,
                        prepaid,
                    };
                    gmail.list_unread(call, want, token).await
                })
                .await?;
            ids.extend(
                list.messages
                    .into_iter()
                    .map(|m| m.id)
                    .filter(|id| is_valid_message_id(id)),
            );
            let next = list.next_page_token.filter(|t| !t.is_empty());
            if ids.len() >= max {
                ids.truncate(max);
                break next.is_some();
            }
            match next {
                None => break false,
                Some(next) => page_token = Some(next),
            }
        };
        ids.dedup();
        let refs: Vec<&str> = ids.iter().map(String::as_str).collect();
        let known = self
            .mirror
            .entries(sub, &refs)
            .await
            .map_err(mirror_error)?;
        let missing: Vec<&str> = refs
            .iter()
            .zip(&known)
            .filter(|(_, k)| k.is_none())
            .map(|(id, _)| *id)
            .collect();
        let mut read: std::collections::HashMap<&str, Entry> = self
            .read_summaries(caller, &missing)
            .await?
            .into_iter()
            .filter_map(|(id, entry)| entry.map(|e| (id, e)))
            .collect();
        let entries: Vec<Entry> = refs
            .iter()
            .zip(known)
            .filter_map(|(id, known)| known.or_else(|| read.remove(id)))
            .map(|mut entry| {
                // Listed by `is:unread`: unread now, whatever an older read said.
                if !entry.summary.labels.iter().any(|l| l == "UNREAD") {
                    entry.summary.labels.insert(0, "UNREAD".to_owned());
                }
                entry
            })
            .collect();
        let state = SyncState {
            history_id: profile.history_id,
            synced_at_ms: now_ms(),
            truncated,
        };
        self.mirror
            .replace(sub, &entries, &state)
            .await
            .map_err(mirror_error)?;
        Ok((state, entries.len() as u64))
    }

    /// `messages.get format=metadata` for `ids`, at most `GMAIL_GET_CONCURRENCY` at once, the
    /// units charged together; `None` for a message Gmail no longer has.
    async fn read_summaries<'i>(
        &self,
        caller: &Account,
        ids: &[&'i str],
    ) -> Result<Vec<(&'i str, Option<Entry>)>, MailboxError> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let sub = caller.sub();
        let gmail = &self.gmail;
        let units = UNITS_MESSAGES_GET.saturating_mul(u32::try_from(ids.len()).unwrap_or(u32::MAX));
        gmail
            .quota()
            .acquire(sub, units)
            .await
            .map_err(GmailError::from)?;
        let read: Vec<(&str, Result<wire::Message, MailboxError>)> =
            stream::iter(ids.iter().copied())
                .map(|id| async move {
                    let message = self
                        .authorized(caller, true, |access, prepaid| async move {
                            let call = GmailCall {
                                account: sub,
                                token: &access,
                                prepaid,
                            };
                            gmail.get_message(call, id, MessageFormat::Metadata).await
                        })
                        .await;
                    (id, message)
                })
                .buffer_unordered(gmail.get_concurrency())
                .collect()
                .await;
        let mut entries = Vec::with_capacity(read.len());
        for (id, outcome) in read {
            match outcome {
                Ok(message) => {
                    let internal_date = message
                        .internal_date
                        .as_deref()
                        .and_then(|d| d.parse::<i64>().ok())
                        .unwrap_or(0);
                    entries.push((
                        id,
                        Some(Entry {
                            internal_date,
                            summary: mail::summary_from_gmail(&message),
                        }),
                    ));
                }
                // Deleted since history or the list named it.
                Err(MailboxError::Gmail(GmailError::NotFound)) => entries.push((id, None)),
                Err(error) => return Err(error),
            }
        }
        Ok(entries)
    }
}
