//! Rate limits on the anonymous and the minting endpoints, per client address and per account,
//! shared by every replica through Redis.
//!
//! The algorithm is GCRA (the generic cell rate algorithm, which `governor` implements in
//! memory): one Redis key per limited subject holds its "theoretical arrival time"; a request is
//! allowed while that time is less than a burst ahead of now, and each allowed request pushes it
//! one emission interval further. It runs as one Lua script on Redis's own clock, so replicas
//! with skewed clocks agree, and the key expires when the subject has been quiet for a window.
//! An in-memory crate cannot do this part: the budget must be the same for all replicas.
//!
//! The HTTP edge finds the client address (`crate::http::client`, through
//! [`common::client_address`]: `X-Forwarded-For` believed only from `TRUSTED_PROXIES`) and
//! passes its [`client_subject`] here. An IPv6 client is limited by its /64, the block one customer gets, so an
//! attacker cannot rotate through the addresses of their own network.

use std::{
    net::{IpAddr, Ipv6Addr},
    time::Duration,
};

use common::redis_store::RedisStore;
use redis::{RedisError, Script};

use crate::{
    configuration::{RateLimit, RateLimits},
    domain::AccountId,
    redis_keys,
    state::AppState,
};

/// Why a request is not allowed.
#[derive(Debug, thiserror::Error)]
pub enum RateLimitError {
    #[error("too many requests; the next is allowed in {retry_after:?}")]
    Limited { retry_after: Duration },
    #[error("Redis is unavailable: {0}")]
    Redis(#[from] RedisError),
}

/// What is being limited; the name is part of the Redis key.
#[derive(Clone, Copy, Debug)]
pub enum Limited {
    /// `/oauth/login` and `/oauth/callback`.
    Logins,
    /// `/v1/session/token`.
    SessionTokens,
    /// `/v1/api-tokens` and `/v1/api-tokens/revoke`.
    ApiTokens,
}

impl Limited {
    fn name(self) -> &'static str {
        match self {
            Self::Logins => "logins",
            Self::SessionTokens => "session-tokens",
            Self::ApiTokens => "api-tokens",
        }
    }

    fn limit(self, limits: &RateLimits) -> RateLimit {
        match self {
            Self::Logins => limits.logins_per_address,
            Self::SessionTokens => limits.session_tokens,
            Self::ApiTokens => limits.api_tokens,
        }
    }
}

/// GCRA on Redis time. `KEYS[1]`: the subject's key. `ARGV[1]`: emission interval (ms), `ARGV[2]`:
/// burst. Returns 0 when allowed, else the milliseconds until the next request is.
const GCRA: &str = r"
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local interval = tonumber(ARGV[1])
local burst = tonumber(ARGV[2])
local tat = tonumber(redis.call('GET', KEYS[1]) or now)
if tat < now then tat = now end
local allowed_at = tat - (burst - 1) * interval
if now < allowed_at then return allowed_at - now end
local next_tat = tat + interval
redis.call('SET', KEYS[1], next_tat, 'PX', next_tat - now)
return 0
";

/// The key part for a client address: the address itself, or an IPv6 address's /64.
pub fn client_subject(address: IpAddr) -> String {
    match address {
        IpAddr::V4(v4) => v4.to_string(),
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => v4.to_string(),
            None => {
                let s = v6.segments();
                format!("{}/64", Ipv6Addr::new(s[0], s[1], s[2], s[3], 0, 0, 0, 0))
            }
        },
    }
}

async fn take(redis: &RedisStore, key: String, limit: RateLimit) -> Result<(), RateLimitError> {
    if !limit.enabled() {
        return Ok(());
    }
    let interval_ms = (60_000 / u64::from(limit.per_minute)).max(1);
    let mut connection = redis.connection();
    let wait_ms: u64 = Script::new(GCRA)
        .key(key)
        .arg(interval_ms)
        .arg(limit.per_minute)
        .invoke_async(&mut connection)
        .await?;
    if wait_ms == 0 {
        Ok(())
    } else {
        Err(RateLimitError::Limited {
            retry_after: Duration::from_millis(wait_ms),
        })
    }
}

/// Charges one request of `what` to the client address `client` (its [`client_subject`]).
pub async fn per_client(
    state: &AppState,
    client: &str,
    what: Limited,
) -> Result<(), RateLimitError> {
    let limit = what.limit(&state.settings.rate_limits);
    let redis = state.store.redis();
    take(
        redis,
        redis_keys::rate_per_client(redis, what.name(), client),
        limit,
    )
    .await
}

/// Charges one request of `what` to the account.
pub async fn per_account(
    state: &AppState,
    account: &AccountId,
    what: Limited,
) -> Result<(), RateLimitError> {
    let limit = what.limit(&state.settings.rate_limits);
    let redis = state.store.redis();
    take(
        redis,
        redis_keys::rate_per_account(redis, what.name(), &account.0),
        limit,
    )
    .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ipv6_clients_are_limited_by_their_64_and_mapped_v4_as_v4() {
        let a: IpAddr = "2001:db8:1:2:aaaa::1".parse().unwrap();
        let b: IpAddr = "2001:db8:1:2:ffff::9".parse().unwrap();
        let other: IpAddr = "2001:db8:1:3::1".parse().unwrap();
        assert_eq!(client_subject(a), client_subject(b));
        assert_ne!(client_subject(a), client_subject(other));
        assert_eq!(client_subject(a), "2001:db8:1:2::/64");
        let mapped: IpAddr = "::ffff:203.0.113.7".parse().unwrap();
        assert_eq!(client_subject(mapped), "203.0.113.7");
    }
}
