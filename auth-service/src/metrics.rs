//! auth-service's own Prometheus counters, registered next to the HTTP metrics.

use prometheus::{IntCounter, IntCounterVec, Opts, Registry};

/// Logins and refreshes.
#[derive(Clone)]
pub struct AuthMetrics {
    pub logins_started: IntCounter,
    pub logins_completed: IntCounter,
    /// By `reason` (the same reason the person is shown).
    pub logins_failed: IntCounterVec,
    /// By `outcome`: `ok`, `invalid_grant`, `unavailable`.
    pub refreshes: IntCounterVec,
}

impl AuthMetrics {
    pub fn register(registry: &Registry) -> Result<Self, prometheus::Error> {
        let metrics = Self {
            logins_started: IntCounter::new("auth_logins_started_total", "Logins started")?,
            logins_completed: IntCounter::new("auth_logins_completed_total", "Logins completed")?,
            logins_failed: IntCounterVec::new(
                Opts::new("auth_logins_failed_total", "Logins failed, by reason"),
                &["reason"],
            )?,
            refreshes: IntCounterVec::new(
                Opts::new(
                    "auth_google_token_refreshes_total",
                    "Google token refreshes, by outcome",
                ),
                &["outcome"],
            )?,
        };
        registry.register(Box::new(metrics.logins_started.clone()))?;
        registry.register(Box::new(metrics.logins_completed.clone()))?;
        registry.register(Box::new(metrics.logins_failed.clone()))?;
        registry.register(Box::new(metrics.refreshes.clone()))?;
        Ok(metrics)
    }
}
