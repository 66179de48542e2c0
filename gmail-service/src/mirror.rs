//! [`Mirror`]: each account's unread messages as Gmail lists them, kept in Redis, so a page
//! is one Redis round trip and no Google call while the mirror is fresh (`crate::sync` keeps
//! it up to date from Gmail's history).
//!
//! Per account (keys in [`crate::redis_keys`], all with the account's hash tag, so the page
//! script and the writes' `MULTI` stay in one Cluster slot):
//! - `mirror:{<sub>}:order`, a sorted set: message id by `internalDate` (epoch ms). The list
//!   is newest first; messages of the same millisecond by id, descending (`ZREVRANGE`).
//! - `mirror:{<sub>}:summaries`, a hash: message id → the contract's `MessageSummary` JSON.
//! - `mirror:{<sub>}:state`, a hash: `history_id` (the Gmail history id the mirror reflects),
//!   `synced_at_ms` (when it last matched Gmail) and `truncated` (`1` when the account had more
//!   unread messages than `SYNC_MAX_MESSAGES` at the last full sync).
//! - `mirror:{<sub>}:lease`: the one replica syncing the account (`crate::sync`).
//!
//! All of them expire `MIRROR_TTL_SECS` after the last sync: an account nobody reads costs
//! nothing after a day. Every write is one `MULTI` (the order, the summaries and the state
//! change together); a page reads all three in one script, so it never sees half a sync.
//!
//! A page token is a cursor: the `internalDate` and id of the page's last message. Mail that
//! arrives between two pages sorts above the cursor, so paging neither repeats nor skips.

use std::time::Duration;

use base64::{Engine as _, engine::general_purpose::URL_SAFE_NO_PAD};
use common::redis_store::RedisStore;
use redis::{RedisError, Script};

use crate::{
    mail::{MessageSummary, is_valid_message_id},
    redis_keys,
};

/// The mirror's bookkeeping (`mirror:{<sub>}:state`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SyncState {
    /// The Gmail history id the mirror reflects (a decimal string, as Gmail sends it).
    pub history_id: String,
    /// When the mirror last matched Gmail (Unix milliseconds).
    pub synced_at_ms: i64,
    /// The last full sync found more unread messages than the mirror holds.
    pub truncated: bool,
}

/// One mirrored message: its place in the list and its summary.
#[derive(Clone, Debug)]
pub struct Entry {
    /// `internalDate`, epoch milliseconds.
    pub internal_date: i64,
    pub summary: MessageSummary,
}

/// Where the next page starts: after this message.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Cursor {
    pub internal_date: i64,
    pub id: String,
}

impl Cursor {
    const PREFIX: &'static str = "m1.";

    /// The opaque page token.
    pub fn token(&self) -> String {
        let raw = format!("{}:{}", self.internal_date, self.id);
        format!("{}{}", Self::PREFIX, URL_SAFE_NO_PAD.encode(raw))
    }

    /// Reads a page token; `None` for anything this mirror did not issue.
    pub fn parse(token: &str) -> Option<Self> {
        let encoded = token.strip_prefix(Self::PREFIX)?;
        let raw = String::from_utf8(URL_SAFE_NO_PAD.decode(encoded).ok()?).ok()?;
        let (date, id) = raw.split_once(':')?;
        let internal_date: i64 = date.parse().ok()?;
        (internal_date >= 0 && is_valid_message_id(id)).then(|| Self {
            internal_date,
            id: id.to_owned(),
        })
    }
}

/// A page read from the mirror.
#[derive(Debug)]
pub struct MirrorPage {
    pub state: SyncState,
    /// Messages the mirror holds in all.
    pub total: u64,
    pub entries: Vec<Entry>,
    /// Set when more messages follow.
    pub next: Option<Cursor>,
}

/// Reads the state, the count and one page in one round trip. `ZREVRANGE` lists equal
/// scores by member, descending, so the members of the cursor's score at or above the
/// cursor's id are behind us.
const PAGE: &str = r"
local state = redis.call('HMGET', KEYS[3], 'history_id', 'synced_at_ms', 'truncated')
if not state[1] then return false end
local limit = tonumber(ARGV[1])
local total = redis.call('ZCARD', KEYS[1])
local start = 0
if ARGV[2] ~= '' then
  start = redis.call('ZCOUNT', KEYS[1], '(' .. ARGV[2], '+inf')
  for _, member in ipairs(redis.call('ZRANGEBYSCORE', KEYS[1], ARGV[2], ARGV[2])) do
    if member >= ARGV[3] then start = start + 1 end
  end
end
local listed = {}
local summaries = {}
if limit > 0 then
  listed = redis.call('ZREVRANGE', KEYS[1], start, start + limit, 'WITHSCORES')
  local ids = {}
  for i = 1, math.min(#listed, 2 * limit), 2 do ids[#ids + 1] = listed[i] end
  if #ids > 0 then summaries = redis.call('HMGET', KEYS[2], unpack(ids)) end
end
return {state[1], state[2] or '0', state[3] or '0', total, listed, summaries}
";

/// Marks the mirror stale (`synced_at_ms` 0) if it reflects a history id below `ARGV[1]`;
/// 1 when it did, 0 when the mirror is past it (or there is none: its first page syncs anyway).
const MARK_PUSHED: &str = r"
local h = redis.call('HGET', KEYS[1], 'history_id')
if h and tonumber(h) and tonumber(h) < tonumber(ARGV[1]) then
  redis.call('HSET', KEYS[1], 'synced_at_ms', 0)
  return 1
end
return 0
";

/// The per-account mirrors.
#[derive(Clone)]
pub struct Mirror {
    redis: RedisStore,
    ttl: Duration,
    page: Script,
    renew: Script,
    release: Script,
}

/// Extends the lease if the caller still holds it.
const RENEW: &str = r"
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
return 0
";

/// Deletes the lease if the caller still holds it.
const RELEASE: &str = r"
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
";

/// The three keys of an account's mirror.
struct Keys {
    order: String,
    summaries: String,
    state: String,
}

impl Mirror {
    /// `ttl`: how long a mirror outlives its last sync.
    pub fn new(redis: RedisStore, ttl: Duration) -> Self {
        Self {
            redis,
            ttl,
            page: Script::new(PAGE),
            renew: Script::new(RENEW),
            release: Script::new(RELEASE),
        }
    }

    fn keys(&self, sub: &str) -> Keys {
        Keys {
            order: redis_keys::mirror(&self.redis, sub, "order"),
            summaries: redis_keys::mirror(&self.redis, sub, "summaries"),
            state: redis_keys::mirror(&self.redis, sub, "state"),
        }
    }

    /// A push said the mailbox is at `history_id`: if the mirror is behind, makes it stale (its
    /// next page or poll syncs); whether it was behind.
    pub async fn mark_pushed(
        redis: &RedisStore,
        sub: &str,
        history_id: u64,
    ) -> Result<bool, RedisError> {
        let mut connection = redis.connection();
        let marked: i64 = Script::new(MARK_PUSHED)
            .key(redis_keys::mirror(redis, sub, "state"))
            .arg(history_id)
            .invoke_async(&mut connection)
            .await?;
        Ok(marked == 1)
    }

    /// The account's sync state; `None` before its first sync (or after the mirror expired).
    pub async fn state(&self, sub: &str) -> Result<Option<SyncState>, RedisError> {
        let keys = self.keys(sub);
        let mut connection = self.redis.connection();
        let (history_id, synced_at, truncated): (Option<String>, Option<i64>, Option<String>) =
            redis::cmd("HMGET")
                .arg(&keys.state)
                .arg("history_id")
                .arg("synced_at_ms")
                .arg("truncated")
                .query_async(&mut connection)
                .await?;
        Ok(history_id.map(|history_id| SyncState {
            history_id,
            synced_at_ms: synced_at.unwrap_or(0),
            truncated: truncated.as_deref() == Some("1"),
        }))
    }

    /// Up to `limit` messages after `cursor` (from the top without one), with the state and
    /// the total; `None` when the account has no mirror.
    pub async fn page(
        &self,
        sub: &str,
        cursor: Option<&Cursor>,
        limit: u32,
    ) -> Result<Option<MirrorPage>, RedisError> {
        type Raw = Option<(String, i64, String, u64, Vec<String>, Vec<Option<String>>)>;
        let keys = self.keys(sub);
        let mut connection = self.redis.connection();
        let mut invocation = self.page.prepare_invoke();
        invocation
            .key(&keys.order)
            .key(&keys.summaries)
            .key(&keys.state)
            .arg(limit);
        match cursor {
            Some(cursor) => invocation.arg(cursor.internal_date).arg(&cursor.id),
            None => invocation.arg("").arg(""),
        };
        let raw: Raw = invocation.invoke_async(&mut connection).await?;
        let Some((history_id, synced_at_ms, truncated, total, listed, summaries)) = raw else {
            return Ok(None);
        };
        let limit = usize::try_from(limit).unwrap_or(usize::MAX);
        let pairs: Vec<(&String, i64)> = listed
            .chunks_exact(2)
            .map(|pair| (&pair[0], pair[1].parse::<f64>().map_or(0, |s| s as i64)))
            .collect();
        let mut entries = Vec::with_capacity(pairs.len().min(limit));
        for ((id, internal_date), summary) in pairs.iter().take(limit).zip(summaries) {
            // A summary that does not parse, or is missing, is left out rather than failing
            // the page; the next full sync writes it again.
            match summary.and_then(|json| serde_json::from_str::<MessageSummary>(&json).ok()) {
                Some(summary) if &summary.id == *id => entries.push(Entry {
                    internal_date: *internal_date,
                    summary,
                }),
                _ => tracing::warn!("a mirrored message has no readable summary; skipped"),
            }
        }
        let next = (pairs.len() > limit)
            .then(|| pairs.get(limit.wrapping_sub(1)))
            .flatten()
            .map(|(id, internal_date)| Cursor {
                internal_date: *internal_date,
                id: (*id).clone(),
            });
        Ok(Some(MirrorPage {
            state: SyncState {
                history_id,
                synced_at_ms,
                truncated: truncated == "1",
            },
            total,
            entries,
            next,
        }))
    }

    /// The mirrored entries of `ids` (same order; `None` for a message not mirrored).
    pub async fn entries(&self, sub: &str, ids: &[&str]) -> Result<Vec<Option<Entry>>, RedisError> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let keys = self.keys(sub);
        let mut connection = self.redis.connection();
        let (scores, summaries): (Vec<Option<f64>>, Vec<Option<String>>) = redis::pipe()
            .cmd("ZMSCORE")
            .arg(&keys.order)
            .arg(ids)
            .cmd("HMGET")
            .arg(&keys.summaries)
            .arg(ids)
            .query_async(&mut connection)
            .await?;
        Ok(scores
            .into_iter()
            .zip(summaries)
            .zip(ids)
            .map(|((score, summary), id)| {
                let summary = serde_json::from_str::<MessageSummary>(&summary?).ok()?;
                let internal_date = score? as i64;
                (summary.id == *id).then_some(Entry {
                    internal_date,
                    summary,
                })
            })
            .collect())
    }

    /// Replaces the whole mirror (a full sync).
    pub async fn replace(
        &self,
        sub: &str,
        entries: &[Entry],
        state: &SyncState,
    ) -> Result<(), RedisError> {
        let keys = self.keys(sub);
        let mut pipeline = redis::pipe();
        pipeline.atomic();
        pipeline.del(&keys.order).ignore();
        pipeline.del(&keys.summaries).ignore();
        self.write(&mut pipeline, &keys, entries, &[], state)?;
        let mut connection = self.redis.connection();
        pipeline.query_async::<()>(&mut connection).await
    }

    /// Applies changes (an incremental sync): `upserts` added or updated, `removed` taken
    /// out, then the state; all at once.
    pub async fn apply(
        &self,
        sub: &str,
        upserts: &[Entry],
        removed: &[&str],
        state: &SyncState,
    ) -> Result<(), RedisError> {
        let keys = self.keys(sub);
        let mut pipeline = redis::pipe();
        pipeline.atomic();
        self.write(&mut pipeline, &keys, upserts, removed, state)?;
        let mut connection = self.redis.connection();
        pipeline.query_async::<()>(&mut connection).await
    }

    fn write(
        &self,
        pipeline: &mut redis::Pipeline,
        keys: &Keys,
        upserts: &[Entry],
        removed: &[&str],
        state: &SyncState,
    ) -> Result<(), RedisError> {
        if !removed.is_empty() {
            pipeline.cmd("ZREM").arg(&keys.order).arg(removed).ignore();
            pipeline
                .cmd("HDEL")
                .arg(&keys.summaries)
                .arg(removed)
                .ignore();
        }
        if !upserts.is_empty() {
            let mut zadd = redis::cmd("ZADD");
            zadd.arg(&keys.order);
            let mut hset = redis::cmd("HSET");
            hset.arg(&keys.summaries);
            for entry in upserts {
                let json = serde_json::to_string(&entry.summary).map_err(|e| {
                    RedisError::from((
                        redis::ErrorKind::Client,
                        "a summary cannot be written",
                        e.to_string(),
                    ))
                })?;
                zadd.arg(entry.internal_date).arg(&entry.summary.id);
                hset.arg(&entry.summary.id).arg(json);
            }
            pipeline.add_command(zadd).ignore();
            pipeline.add_command(hset).ignore();
        }
        pipeline
            .cmd("HSET")
            .arg(&keys.state)
            .arg("history_id")
            .arg(&state.history_id)
            .arg("synced_at_ms")
            .arg(state.synced_at_ms)
            .arg("truncated")
            .arg(if state.truncated { "1" } else { "0" })
            .ignore();
        let ttl = self.ttl.as_secs().max(1);
        for key in [&keys.order, &keys.summaries, &keys.state] {
            pipeline.expire(key, ttl as i64).ignore();
        }
        Ok(())
    }

    /// Removes the oldest messages beyond `max`; returns how many the mirror holds then.
    pub async fn trim(&self, sub: &str, max: usize) -> Result<u64, RedisError> {
        let keys = self.keys(sub);
        let mut connection = self.redis.connection();
        let total: usize = redis::cmd("ZCARD")
            .arg(&keys.order)
            .query_async(&mut connection)
            .await?;
        if total <= max {
            return Ok(total as u64);
        }
        let excess = total - max;
        let oldest: Vec<String> = redis::cmd("ZRANGE")
            .arg(&keys.order)
            .arg(0)
            .arg(excess - 1)
            .query_async(&mut connection)
            .await?;
        if oldest.is_empty() {
            return Ok(total as u64);
        }
        let mut pipeline = redis::pipe();
        pipeline.atomic();
        pipeline.cmd("ZREM").arg(&keys.order).arg(&oldest).ignore();
        pipeline
            .cmd("HDEL")
            .arg(&keys.summaries)
            .arg(&oldest)
            .ignore();
        pipeline
            .cmd("HSET")
            .arg(&keys.state)
            .arg("truncated")
            .arg("1")
            .ignore();
        pipeline.query_async::<()>(&mut connection).await?;
        Ok((total - oldest.len()) as u64)
    }

    /// Takes the account's sync lease for `ttl` unless another holder has it.
    pub async fn try_lease(
        &self,
        sub: &str,
        holder: &str,
        ttl: Duration,
    ) -> Result<bool, RedisError> {
        let mut connection = self.redis.connection();
        let taken: Option<String> = redis::cmd("SET")
            .arg(redis_keys::mirror(&self.redis, sub, "lease"))
            .arg(holder)
            .arg("NX")
            .arg("PX")
            .arg(u64::try_from(ttl.as_millis()).unwrap_or(u64::MAX).max(1))
            .query_async(&mut connection)
            .await?;
        Ok(taken.is_some())
    }

    /// Extends the lease to `ttl` from now if `holder` still has it; whether it does.
    pub async fn renew_lease(
        &self,
        sub: &str,
        holder: &str,
        ttl: Duration,
    ) -> Result<bool, RedisError> {
        let mut connection = self.redis.connection();
        let renewed: i64 = self
            .renew
            .key(redis_keys::mirror(&self.redis, sub, "lease"))
            .arg(holder)
            .arg(u64::try_from(ttl.as_millis()).unwrap_or(u64::MAX).max(1))
            .invoke_async(&mut connection)
            .await?;
        Ok(renewed == 1)
    }

    /// Gives the lease back if `holder` still has it.
    pub async fn release_lease(&self, sub: &str, holder: &str) -> Result<(), RedisError> {
        let mut connection = self.redis.connection();
        self.release
            .key(redis_keys::mirror(&self.redis, sub, "lease"))
            .arg(holder)
            .invoke_async::<i64>(&mut connection)
            .await?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursors_round_trip_and_foreign_tokens_are_refused() {
        let cursor = Cursor {
            internal_date: 1_700_000_000_123,
            id: "18c2f0a1b2c3d4e5".into(),
        };
        assert_eq!(Cursor::parse(&cursor.token()), Some(cursor));
        for foreign in [
            "",
            "m1.",
            "CAIQAA",
            "m1.%%%",
            &format!("m1.{}", URL_SAFE_NO_PAD.encode("12:../../x")),
            &format!("m1.{}", URL_SAFE_NO_PAD.encode("-5:abc")),
            &format!("m1.{}", URL_SAFE_NO_PAD.encode("abc")),
        ] {
            assert_eq!(Cursor::parse(foreign), None, "{foreign}");
        }
    }
}
