//! `/healthz`, `/readyz` (ready when Redis answers and auth-service's JWKS can be fetched) and
//! `/metrics`.

use actix_web::{HttpResponse, web};
use common::{
    health::readiness, http_metrics::HttpMetrics, jwt::JwtVerifier, redis_store::RedisStore,
};

use crate::routes::openapi::ProblemBody;

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

/// Readiness: Redis and auth-service's JWKS answer.
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
) -> HttpResponse {
    let (redis_check, jwks) = tokio::join!(redis.ping(), verifier.refresh());
    readiness(&[
        (
            "redis",
            redis_check.map_err(|_| "Redis does not answer".to_owned()),
        ),
        (
            "jwks",
            jwks.map(|_| ())
                .map_err(|_| "auth-service's JWKS cannot be fetched".to_owned()),
        ),
    ])
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
