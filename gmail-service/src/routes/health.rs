//! `/readyz`: ready when Redis answers and auth-service's JWKS can be fetched.

use actix_web::{HttpResponse, web};
use common::{health::readiness, jwt::JwtVerifier, redis_store::RedisStore};

/// `GET /readyz`.
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
