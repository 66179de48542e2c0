//! Reproducing Google's bad days: added latency and a share of calls answered with 429, 500 or
//! 503 (in Google's error envelope) or held past any sensible client timeout.
//!
//! The plan is set at start-up (`EMULATOR_LATENCY_MS`, `EMULATOR_FAULTS`) and can be changed at
//! run time with `PUT /emulator/faults` (JSON, the [`FaultPlan`] shape). Decisions come from a
//! seeded generator, so a run with the same seed and request order injects the same faults.

use rand::{Rng, SeedableRng, rngs::StdRng};
use serde::{Deserialize, Serialize};

/// Shares (0.0..=1.0) of calls that fail in each way, for one group of endpoints.
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct FaultShares {
    /// 429 `RESOURCE_EXHAUSTED` / `rateLimitExceeded`, with `Retry-After: 1`.
    pub rate_limited: f64,
    /// 500 `backendError`.
    pub server_error: f64,
    /// 503 `UNAVAILABLE`.
    pub unavailable: f64,
    /// Answered only after `slow_ms`.
    pub slow: f64,
}

/// Where faults are injected, and how slow "slow" is.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct FaultPlan {
    /// Added to every token, revoke, userinfo and Gmail response.
    pub latency_ms: u64,
    /// Gmail API calls.
    pub gmail: FaultShares,
    /// The token endpoint (both grants).
    pub token: FaultShares,
    /// How long a "slow" response is held.
    pub slow_ms: u64,
}

impl Default for FaultPlan {
    fn default() -> Self {
        Self {
            latency_ms: 0,
            gmail: FaultShares::default(),
            token: FaultShares::default(),
            slow_ms: 30_000,
        }
    }
}

/// What to do with one call.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Fault {
    None,
    RateLimited,
    ServerError,
    Unavailable,
    Slow,
}

impl FaultShares {
    fn validate(&self) -> Result<(), String> {
        let all = [
            self.rate_limited,
            self.server_error,
            self.unavailable,
            self.slow,
        ];
        if all.iter().any(|s| !(0.0..=1.0).contains(s)) {
            return Err("every share must be between 0 and 1".into());
        }
        if all.iter().sum::<f64>() > 1.0 + 1e-9 {
            return Err("the shares of one group add up to more than 1".into());
        }
        Ok(())
    }

    /// Picks a fault for one call.
    pub fn decide(&self, rng: &mut StdRng) -> Fault {
        let roll: f64 = rng.random();
        let mut edge = 0.0;
        for (share, fault) in [
            (self.rate_limited, Fault::RateLimited),
            (self.server_error, Fault::ServerError),
            (self.unavailable, Fault::Unavailable),
            (self.slow, Fault::Slow),
        ] {
            edge += share;
            if share > 0.0 && roll < edge {
                return fault;
            }
        }
        Fault::None
    }
}

impl FaultPlan {
    /// Checks the shares.
    pub fn validate(&self) -> Result<(), String> {
        self.gmail.validate()?;
        self.token.validate()
    }

    /// Parses `EMULATOR_FAULTS`: comma-separated `group.kind=share`, where group is `gmail` or
    /// `token` and kind is `429`, `500`, `503` or `slow`; plus optional `slow_ms=N`.
    /// Example: `gmail.429=0.1,gmail.503=0.05,token.500=0.2,slow_ms=5000`.
    pub fn parse_env(spec: &str) -> Result<Self, String> {
        let mut plan = Self::default();
        for item in spec.split(',').map(str::trim).filter(|s| !s.is_empty()) {
            let (key, value) = item
                .split_once('=')
                .ok_or_else(|| format!("{item:?} is not key=value"))?;
            if key == "slow_ms" {
                plan.slow_ms = value
                    .parse()
                    .map_err(|_| format!("slow_ms {value:?} is not a number"))?;
                continue;
            }
            let share: f64 = value
                .parse()
                .map_err(|_| format!("{value:?} is not a number"))?;
            let (group, kind) = key
                .split_once('.')
                .ok_or_else(|| format!("{key:?} is not group.kind"))?;
            let shares = match group {
                "gmail" => &mut plan.gmail,
                "token" => &mut plan.token,
                _ => return Err(format!("unknown group {group:?} (gmail or token)")),
            };
            match kind {
                "429" => shares.rate_limited = share,
                "500" => shares.server_error = share,
                "503" => shares.unavailable = share,
                "slow" => shares.slow = share,
                _ => return Err(format!("unknown fault {kind:?} (429, 500, 503 or slow)")),
            }
        }
        plan.validate()?;
        Ok(plan)
    }
}

/// The seeded generator faults are drawn from.
pub fn fault_rng(seed: u64) -> StdRng {
    StdRng::seed_from_u64(seed)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn env_spec_parses_and_rejects_nonsense() {
        let plan =
            FaultPlan::parse_env("gmail.429=0.1, gmail.503=0.05,token.500=1,slow_ms=50").unwrap();
        assert_eq!(plan.gmail.rate_limited, 0.1);
        assert_eq!(plan.gmail.unavailable, 0.05);
        assert_eq!(plan.token.server_error, 1.0);
        assert_eq!(plan.slow_ms, 50);
        for bad in [
            "gmail.429",
            "gmail.418=0.1",
            "mail.429=0.1",
            "gmail.429=2",
            "gmail.429=x",
            "gmail.429=0.6,gmail.500=0.6",
        ] {
            assert!(FaultPlan::parse_env(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn shares_are_honoured_roughly_and_reproducibly() {
        let shares = FaultShares {
            rate_limited: 0.2,
            server_error: 0.1,
            unavailable: 0.1,
            slow: 0.0,
        };
        let draw = |seed| {
            let mut rng = fault_rng(seed);
            (0..10_000)
                .map(|_| shares.decide(&mut rng))
                .collect::<Vec<_>>()
        };
        let a = draw(7);
        assert_eq!(a, draw(7));
        let count = |f| a.iter().filter(|x| **x == f).count();
        assert!((1_800..2_200).contains(&count(Fault::RateLimited)));
        assert!((800..1_200).contains(&count(Fault::ServerError)));
        assert!((800..1_200).contains(&count(Fault::Unavailable)));
        assert_eq!(count(Fault::Slow), 0);
        let always = FaultShares {
            unavailable: 1.0,
            ..Default::default()
        };
        let mut rng = fault_rng(1);
        assert!((0..100).all(|_| always.decide(&mut rng) == Fault::Unavailable));
    }
}
