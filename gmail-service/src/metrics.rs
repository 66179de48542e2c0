//! gmail-service's own Prometheus metrics, registered in the service's registry next to the
//! HTTP metrics: Gmail calls by method and outcome, message-cache hits and misses (and their
//! ratio), quota waits and refusals, Google-token requests to auth-service.

use prometheus::{
    Gauge, Histogram, HistogramOpts, HistogramVec, IntCounter, IntCounterVec, Opts, Registry,
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
    /// `message_cache_lookups_total{result="hit"|"miss"}`.
    pub cache_lookups: IntCounterVec,
    /// `message_cache_hit_ratio`: hits / lookups since start.
    pub cache_hit_ratio: Gauge,
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
            cache_lookups: IntCounterVec::new(
                Opts::new(
                    "message_cache_lookups_total",
                    "Message metadata cache lookups",
                ),
                &["result"],
            )?,
            cache_hit_ratio: Gauge::new(
                "message_cache_hit_ratio",
                "Share of message metadata lookups served from Redis since start",
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
        registry.register(Box::new(metrics.cache_lookups.clone()))?;
        registry.register(Box::new(metrics.cache_hit_ratio.clone()))?;
        registry.register(Box::new(metrics.quota_waits.clone()))?;
        registry.register(Box::new(metrics.quota_wait_seconds.clone()))?;
        registry.register(Box::new(metrics.quota_refusals.clone()))?;
        registry.register(Box::new(metrics.token_requests.clone()))?;
        Ok(metrics)
    }

    /// Records `hits` and `misses` of one cache lookup round.
    pub fn record_cache(&self, hits: u64, misses: u64) {
        self.cache_lookups.with_label_values(&["hit"]).inc_by(hits);
        self.cache_lookups
            .with_label_values(&["miss"])
            .inc_by(misses);
        let hits = self.cache_lookups.with_label_values(&["hit"]).get();
        let total = hits + self.cache_lookups.with_label_values(&["miss"]).get();
        if total > 0 {
            self.cache_hit_ratio.set(hits as f64 / total as f64);
        }
    }
}
