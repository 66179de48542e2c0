//! `/healthz`, `/readyz` (ready when Redis answers and auth-service's JWKS was fetched within
//! `JWKS_READY_MAX_AGE_SECS`) and `/metrics`.
//!
//! Readiness never fetches the JWKS per call: it reads the verifier's cached key set, and only
//! a missing or too old set triggers a fetch, at most one per `JWKS_REFETCH_SECS` (the limit
//! unknown `kid`s share), never waiting behind a fetch in flight (`JwtVerifier::readiness`).

use std::time::Duration;

use actix_web::{HttpResponse, web};
use common::{
    health::{readiness_reporting, redis_readiness},
    http_metrics::HttpMetrics,
    jwt::JwtVerifier,
    redis_store::RedisStore,
};

use contract::problem::Problem as ProblemBody;

/// `JWKS_READY_MAX_AGE_SECS`: the oldest cached key set that still counts as ready.
#[derive(Clone, Copy, Debug)]
pub struct JwksReadyMaxAge(pub Duration);

/// Liveness: 200 while the process serves.
#[utoipa::path(
    get,
    path = "/healthz",
    tag = "operations",
    responses((status = 200, description = "Serving", content_type = "application/json", body = Object))
)]
pub async fn healthz() -> HttpResponse {
    common::health::healthz().await
}

/// Readiness: Redis answers and auth-service's JWKS is fresh in the cache.
#[utoipa::path(
    get,
    path = "/readyz",
    tag = "operations",
    responses(
        (status = 200, description = "Ready", content_type = "application/json", body = Object),
        (status = 503, description = "`not_ready`, naming what is down", body = ProblemBody, content_type = "application/problem+json",
            headers(("Retry-After" = u64, description = "Seconds to wait"))),
    )
)]
pub async fn readyz(
    redis: web::Data<RedisStore>,
    verifier: web::Data<JwtVerifier>,
    max_age: web::Data<JwksReadyMaxAge>,
) -> HttpResponse {
    let ((redis_check, report), jwks) =
        tokio::join!(redis_readiness(&redis), verifier.readiness(max_age.0));
    let mut reported = serde_json::Map::new();
    reported.insert("redis".into(), report);
    readiness_reporting(
        &[
            ("redis", redis_check),
            (
                "jwks",
                jwks.map(|_age| ())
                    .map_err(|reason| format!("auth-service's JWKS: {reason}")),
            ),
        ],
        reported,
    )
}

/// Prometheus metrics: HTTP requests, Gmail calls by method and outcome, cache hits, quota.
#[utoipa::path(
    get,
    path = "/metrics",
    tag = "operations",
    responses((status = 200, description = "Prometheus text format", content_type = "text/plain", body = String))
)]
pub async fn metrics(metrics: web::Data<HttpMetrics>) -> HttpResponse {
    common::http_metrics::endpoint(metrics).await
}
