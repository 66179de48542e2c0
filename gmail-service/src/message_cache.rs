//! [`MessageCache`]: message summaries in Redis per account and message id. A message's
//! sender, subject, date and snippet never change, so a page seen before costs no
//! `messages.get` at all. Labels are stored with them (from the last fetch) and may lag;
//! `UNREAD` is always fresh, since the page comes from an `is:unread` list call, and opening a
//! message refreshes its entry.
//!
//! Keys: `msg:<sub>:<id>` ([`crate::redis_keys::message`]).
//!
//! A page is read with one `MGET` and written with one pipeline. Cache failures are logged and
//! treated as misses: the cache makes pages fast, it is never needed for correctness.

use std::time::Duration;

use common::redis_store::RedisStore;
use redis::RedisError;

use crate::{mail::MessageSummary, metrics::ServiceMetrics, redis_keys};

/// The metadata cache.
#[derive(Clone)]
pub struct MessageCache {
    redis: RedisStore,
    ttl: Duration,
    metrics: ServiceMetrics,
}

impl MessageCache {
    pub fn new(redis: RedisStore, ttl: Duration, metrics: ServiceMetrics) -> Self {
        Self {
            redis,
            ttl,
            metrics,
        }
    }

    fn key(&self, account: &str, id: &str) -> String {
        redis_keys::message(&self.redis, account, id)
    }

    /// The cached summaries of `ids` (same order; `None` for a miss).
    pub async fn get_many(&self, account: &str, ids: &[&str]) -> Vec<Option<MessageSummary>> {
        if ids.is_empty() {
            return Vec::new();
        }
        let keys: Vec<String> = ids.iter().map(|id| self.key(account, id)).collect();
        let mut connection = self.redis.connection();
        let raw: Result<Vec<Option<Vec<u8>>>, RedisError> = redis::cmd("MGET")
            .arg(&keys)
            .query_async(&mut connection)
            .await;
        let found: Vec<Option<MessageSummary>> = match raw {
            Ok(values) => values
                .into_iter()
                .zip(ids)
                .map(|(value, id)| {
                    value
                        .and_then(|bytes| serde_json::from_slice::<MessageSummary>(&bytes).ok())
                        .filter(|summary| summary.id == *id)
                })
                .collect(),
            Err(error) => {
                tracing::warn!(%error, "message cache read failed; treating as misses");
                vec![None; ids.len()]
            }
        };
        let hits = found.iter().filter(|s| s.is_some()).count() as u64;
        self.metrics.record_cache(hits, found.len() as u64 - hits);
        found
    }

    /// Stores `summaries`.
    pub async fn put_many(&self, account: &str, summaries: &[MessageSummary]) {
        if summaries.is_empty() {
            return;
        }
        let mut pipeline = redis::pipe();
        for summary in summaries {
            if let Ok(json) = serde_json::to_vec(summary) {
                pipeline
                    .cmd("SET")
                    .arg(self.key(account, &summary.id))
                    .arg(json)
                    .arg("EX")
                    .arg(self.ttl.as_secs().max(1))
                    .ignore();
            }
        }
        let mut connection = self.redis.connection();
        let written: Result<(), RedisError> = pipeline.query_async(&mut connection).await;
        if let Err(error) = written {
            tracing::warn!(%error, "message cache write failed");
        }
    }
}
