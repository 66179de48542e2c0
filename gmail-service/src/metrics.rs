//! gmail-service's own Prometheus metrics, registered in the service's registry next to the
//! HTTP metrics: Gmail calls by method and outcome, message-cache hits and misses (and their
//! ratio), quota waits and refusals, Google-token requests to auth-service.

use prometheus::{
    Histogram, HistogramOpts, HistogramVec, IntCounter, IntCounterVec, Opts, Registry,
};

/// The service-specific metrics.
#[derive(Clone)]
pub struct ServiceMetrics {
    /// `gmail_api_calls_total{method, outcome}`: every attempt, retries included.
    pub gmail_calls: IntCounterVec,
    /// `gmail_api_call_duration_seconds{method}`.
    pub gmail_latency: HistogramVec,
    /// `gmail_api_retries_total{method}`.
    pub gmail_retries: IntCounterVec,
    /// `mirror_syncs_total{kind="fresh"|"incremental"|"full"|"waited"|"stale"}`: how each read
    /// found the account's mirror (fresh: no Google call; waited: another request synced it;
    /// stale: served as it was after waiting for another request's sync too long).
    pub mirror_syncs: IntCounterVec,
    /// `gmail_quota_waits_total`: requests that waited for budget.
    pub quota_waits: IntCounter,
    /// `gmail_quota_wait_seconds`.
    pub quota_wait_seconds: Histogram,
    /// `gmail_quota_refusals_total`: requests answered 429 because the budget was spent.
    pub quota_refusals: IntCounter,
    /// `google_token_requests_total{kind="cached"|"fetch"|"refresh", outcome}`.
    pub token_requests: IntCounterVec,
}

impl ServiceMetrics {
    /// Creates the metrics and registers them in `registry`.
    pub fn register(registry: &Registry) -> Result<Self, prometheus::Error> {
        let metrics = Self {
            gmail_calls: IntCounterVec::new(
                Opts::new(
                    "gmail_api_calls_total",
                    "Gmail API calls by method and outcome",
                ),
                &["method", "outcome"],
            )?,
            gmail_latency: HistogramVec::new(
                HistogramOpts::new("gmail_api_call_duration_seconds", "Gmail API call latency")
                    .buckets(vec![
                        0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
                    ]),
                &["method"],
            )?,
            gmail_retries: IntCounterVec::new(
                Opts::new(
                    "gmail_api_retries_total",
                    "Gmail API calls retried after backoff",
                ),
                &["method"],
            )?,
            mirror_syncs: IntCounterVec::new(
                Opts::new(
                    "mirror_syncs_total",
                    "Reads of the unread mirror, by how it was brought up to date",
                ),
                &["kind"],
            )?,
            quota_waits: IntCounter::new(
                "gmail_quota_waits_total",
                "Requests that waited for the per-account Gmail quota budget",
            )?,
            quota_wait_seconds: Histogram::with_opts(
                HistogramOpts::new("gmail_quota_wait_seconds", "Time spent waiting for quota")
                    .buckets(vec![0.01, 0.05, 0.1, 0.25, 0.5, 1.0, 2.0, 5.0]),
            )?,
            quota_refusals: IntCounter::new(
                "gmail_quota_refusals_total",
                "Requests refused because the per-account Gmail quota budget was spent",
            )?,
            token_requests: IntCounterVec::new(
                Opts::new(
                    "google_token_requests_total",
                    "Google access tokens obtained, by source and outcome",
                ),
                &["kind", "outcome"],
            )?,
        };
        registry.register(Box::new(metrics.gmail_calls.clone()))?;
        registry.register(Box::new(metrics.gmail_latency.clone()))?;
        registry.register(Box::new(metrics.gmail_retries.clone()))?;
        registry.register(Box::new(metrics.mirror_syncs.clone()))?;
        registry.register(Box::new(metrics.quota_waits.clone()))?;
        registry.register(Box::new(metrics.quota_wait_seconds.clone()))?;
        registry.register(Box::new(metrics.quota_refusals.clone()))?;
        registry.register(Box::new(metrics.token_requests.clone()))?;
        Ok(metrics)
    }
}
