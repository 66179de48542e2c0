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

/// KEYS[1]: the account's calls in flight. ARGV: a new member, the limit, its lease in ms.
/// Returns 1 when the place is taken, 0 when the account has as many calls in flight as allowed.
const ENTER: &str = r"
local t = redis.call('TIME')
local now_ms = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now_ms)
if redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[2]) then
  return 0
end
local lease = tonumber(ARGV[3])
redis.call('ZADD', KEYS[1], now_ms + lease, ARGV[1])
redis.call('PEXPIRE', KEYS[1], lease + 5000)
return 1
";

/// How long to wait before asking again for a place among an account's calls in flight.
const ENTER_RETRY: Duration = Duration::from_millis(10);

/// A place among an account's Gmail calls in flight, taken by [`QuotaBudget::enter`]; give it
/// back with [`QuotaBudget::leave`] (a place never given back lapses after its lease).
pub struct InFlight {
    key: String,
    member: String,
}

/// Why units could not be charged.
#[derive(Debug, thiserror::Error)]
pub enum QuotaError {
    #[error("the budget is spent; retry after {retry_after:?}")]
    Exhausted { retry_after: Duration },
    #[error(
        "the account has as many Gmail calls in flight as allowed; retry after {retry_after:?}"
    )]
    Busy { retry_after: Duration },
    #[error("Redis: {0}")]
    Redis(#[from] RedisError),
}

/// The shared per-account budget.
#[derive(Clone)]
pub struct QuotaBudget {
    redis: RedisStore,
    script: Script,
    enter: Script,
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
            enter: Script::new(ENTER),
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

impl QuotaBudget {
    /// Takes a place among `account`'s Gmail calls in flight for at most `lease` (a call's
    /// timeout), waiting up to `QUOTA_MAX_WAIT_MS` (and the request's deadline) for one to
    /// free; `None` when no bound is set (`GMAIL_MAX_CONCURRENT_PER_ACCOUNT=0`).
    pub async fn enter(
        &self,
        account: &str,
        lease: Duration,
    ) -> Result<Option<InFlight>, QuotaError> {
        let limit = self.settings.max_concurrent;
        if limit == 0 {
            return Ok(None);
        }
        let place = InFlight {
            key: redis_keys::in_flight(&self.redis, account),
            member: format!("{:032x}", rand::random::<u128>()),
        };
        let lease_ms = u64::try_from(lease.as_millis()).unwrap_or(u64::MAX).max(1);
        let started = Instant::now();
        loop {
            let mut connection = self.redis.connection();
            let entered: i64 = self
                .enter
                .key(&place.key)
                .arg(&place.member)
                .arg(limit)
                .arg(lease_ms)
                .invoke_async(&mut connection)
                .await?;
            if entered == 1 {
                return Ok(Some(place));
            }
            let out_of_time = started.elapsed() + ENTER_RETRY > self.settings.max_wait
                || crate::deadline::remaining().is_some_and(|left| left <= ENTER_RETRY);
            if out_of_time {
                self.metrics.quota_refusals.inc();
                return Err(QuotaError::Busy {
                    retry_after: Duration::from_secs(1),
                });
            }
            tokio::time::sleep(ENTER_RETRY).await;
        }
    }

    /// Gives the place back (if Redis cannot be reached, it lapses with its lease).
    pub async fn leave(&self, place: Option<InFlight>) {
        let Some(place) = place else {
            return;
        };
        let mut connection = self.redis.connection();
        let left: Result<i64, RedisError> = redis::cmd("ZREM")
            .arg(&place.key)
            .arg(&place.member)
            .query_async(&mut connection)
            .await;
        if let Err(error) = left {
            tracing::debug!(%error, "a Gmail call's place in flight lapses with its lease");
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
                    max_concurrent: 2,
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

    #[tokio::test]
    async fn an_account_holds_only_so_many_calls_in_flight() {
        let budget = budget(1_000, 300, WINDOW_SECS);
        let lease = Duration::from_secs(10);
        let first = budget.enter("a", lease).await.unwrap();
        let second = budget.enter("a", lease).await.unwrap();
        assert!(first.is_some() && second.is_some());
        // A third waits QUOTA_MAX_WAIT_MS, then is refused; another account is not held up.
        let started = std::time::Instant::now();
        assert!(matches!(
            budget.enter("a", lease).await,
            Err(QuotaError::Busy { .. })
        ));
        assert!(started.elapsed() >= Duration::from_millis(250));
        assert!(budget.enter("b", lease).await.unwrap().is_some());
        // A place given back is free again; one never given back lapses with its lease.
        budget.leave(first).await;
        assert!(budget.enter("a", lease).await.unwrap().is_some());
        let short = budget.enter("c", Duration::from_millis(100)).await.unwrap();
        let _kept = budget.enter("c", Duration::from_millis(100)).await.unwrap();
        assert!(short.is_some());
        tokio::time::sleep(Duration::from_millis(150)).await;
        assert!(budget.enter("c", lease).await.unwrap().is_some());
    }
}
