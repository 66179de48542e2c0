//! [`QuotaBudget`]: the per-account Gmail quota (15,000 units per user per minute), kept in
//! Redis so that concurrent requests and every replica draw from one budget and never trip
//! Gmail's `userRateLimitExceeded`.
//!
//! The budget is a sliding window of one-second buckets in a Redis hash per account; a Lua
//! script (atomic, on Redis's clock, so replicas' clocks do not matter) sums the buckets of the
//! last 61 seconds (one more than a minute, so any 60-second window Gmail may use is covered)
//! and either charges the units or says how long until enough of them leave the window. A
//! request waits for budget at most `QUOTA_MAX_WAIT_MS`; past that it is refused with
//! `Retry-After`.

use std::time::{Duration, Instant};

use common::redis_store::RedisStore;
use redis::{RedisError, Script};

use crate::{configuration::QuotaSettings, metrics::ServiceMetrics, redis_keys};

/// The window is 60 s; one more bucket is counted to stay on the safe side of Gmail's.
const WINDOW_SECS: u64 = 60;

/// KEYS[1]: the account's bucket hash. ARGV: units, limit, window seconds.
/// Returns {0, used} when charged, {wait_ms, used} when not, {-1, used} when it can never fit.
const RESERVE: &str = r"
local t = redis.call('TIME')
local now = tonumber(t[1])
local now_ms = now * 1000 + math.floor(tonumber(t[2]) / 1000)
local units = tonumber(ARGV[1])
local limit = tonumber(ARGV[2])
local window = tonumber(ARGV[3])
local oldest = now - window
local fields = redis.call('HGETALL', KEYS[1])
local used = 0
local live = {}
for i = 1, #fields, 2 do
  local second = tonumber(fields[i])
  local spent = tonumber(fields[i + 1])
  if second == nil or spent == nil or second < oldest then
    redis.call('HDEL', KEYS[1], fields[i])
  else
    used = used + spent
    table.insert(live, {second, spent})
  end
end
if units > limit then
  return {-1, used}
end
if used + units <= limit then
  redis.call('HINCRBY', KEYS[1], tostring(now), units)
  redis.call('EXPIRE', KEYS[1], window + 5)
  return {0, used + units}
end
table.sort(live, function(a, b) return a[1] < b[1] end)
local need = used + units - limit
local freed = 0
for _, bucket in ipairs(live) do
  freed = freed + bucket[2]
  if freed >= need then
    local wait = (bucket[1] + window + 1) * 1000 - now_ms
    if wait < 1 then wait = 1 end
    return {wait, used}
  end
end
return {1000, used}
";

/// Why units could not be charged.
#[derive(Debug, thiserror::Error)]
pub enum QuotaError {
    #[error("the budget is spent; retry after {retry_after:?}")]
    Exhausted { retry_after: Duration },
    #[error("Redis: {0}")]
    Redis(#[from] RedisError),
}

/// The shared per-account budget.
#[derive(Clone)]
pub struct QuotaBudget {
    redis: RedisStore,
    script: Script,
    settings: QuotaSettings,
    metrics: ServiceMetrics,
    /// Seconds in the window: Gmail's minute (shorter only in tests).
    window_secs: u64,
}

impl QuotaBudget {
    pub fn new(redis: RedisStore, settings: QuotaSettings, metrics: ServiceMetrics) -> Self {
        Self {
            redis,
            script: Script::new(RESERVE),
            settings,
            metrics,
            window_secs: WINDOW_SECS,
        }
    }

    /// Charges `units` to `account`, waiting up to `QUOTA_MAX_WAIT_MS` for budget.
    pub async fn acquire(&self, account: &str, units: u32) -> Result<(), QuotaError> {
        let limit = self.settings.units_per_minute;
        if limit == 0 || units == 0 {
            return Ok(());
        }
        let key = redis_keys::quota(&self.redis, account);
        let started = Instant::now();
        let mut waited = false;
        loop {
            let mut connection = self.redis.connection();
            let (wait_ms, _used): (i64, i64) = self
                .script
                .key(&key)
                .arg(units)
                .arg(limit)
                .arg(self.window_secs)
                .invoke_async(&mut connection)
                .await?;
            if wait_ms == 0 {
                if waited {
                    self.metrics
                        .quota_wait_seconds
                        .observe(started.elapsed().as_secs_f64());
                }
                return Ok(());
            }
            let wait = if wait_ms < 0 {
                Duration::from_secs(self.window_secs)
            } else {
                Duration::from_millis(wait_ms.unsigned_abs())
            };
            if wait_ms < 0 || started.elapsed() + wait > self.settings.max_wait {
                self.metrics.quota_refusals.inc();
                return Err(QuotaError::Exhausted {
                    retry_after: wait.max(Duration::from_secs(1)),
                });
            }
            if !waited {
                self.metrics.quota_waits.inc();
                waited = true;
            }
            tracing::debug!(?wait, units, "waiting for Gmail quota budget");
            tokio::time::sleep(wait).await;
        }
    }
}

#[cfg(test)]
mod tests {
    use common::redis_store::RedisSettings;
    use prometheus::Registry;

    use super::*;

    fn budget(units_per_minute: u32, max_wait_ms: u64, window_secs: u64) -> QuotaBudget {
        let redis = RedisStore::connect(&RedisSettings::single(
            testkit_core::redis_url(),
            testkit_core::unique_prefix(),
        ))
        .unwrap();
        let metrics = ServiceMetrics::register(&Registry::new()).unwrap();
        QuotaBudget {
            window_secs,
            ..QuotaBudget::new(
                redis,
                QuotaSettings {
                    units_per_minute,
                    max_wait: Duration::from_millis(max_wait_ms),
                },
                metrics,
            )
        }
    }

    #[tokio::test]
    async fn charges_until_spent_then_says_when_to_come_back() {
        let budget = budget(10, 0, WINDOW_SECS);
        budget.acquire("a", 6).await.unwrap();
        budget.acquire("a", 4).await.unwrap();
        let Err(QuotaError::Exhausted { retry_after }) = budget.acquire("a", 1).await else {
            panic!("the budget should be spent");
        };
        assert!((Duration::from_secs(1)..=Duration::from_secs(62)).contains(&retry_after));
        // Accounts do not share budgets; a call larger than the whole budget never fits.
        budget.acquire("b", 10).await.unwrap();
        assert!(matches!(
            budget.acquire("c", 11).await,
            Err(QuotaError::Exhausted { .. })
        ));
        assert_eq!(budget.metrics.quota_refusals.get(), 2);
    }

    #[tokio::test]
    async fn waits_for_units_to_leave_the_window_when_allowed() {
        let budget = budget(5, 5_000, 1);
        budget.acquire("a", 5).await.unwrap();
        let started = std::time::Instant::now();
        budget.acquire("a", 5).await.unwrap();
        let waited = started.elapsed();
        assert!(waited >= Duration::from_millis(500), "{waited:?}");
        assert!(waited < Duration::from_secs(4), "{waited:?}");
        assert_eq!(budget.metrics.quota_waits.get(), 1);
        assert_eq!(budget.metrics.quota_wait_seconds.get_sample_count(), 1);
    }

    #[tokio::test]
    async fn disabled_budget_never_touches_redis() {
        let mut budget = budget(0, 0, WINDOW_SECS);
        budget.redis = RedisStore::connect(&RedisSettings::single(
            format!("redis://127.0.0.1:{}", testkit_core::free_port()),
            "x:",
        ))
        .unwrap();
        budget.acquire("a", 1_000_000).await.unwrap();
    }
}
