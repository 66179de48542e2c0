//! `/readyz`: ready when Redis answers.

use actix_web::{HttpResponse, web};
use common::{health::readiness, redis_store::RedisStore};

/// `GET /readyz`.
pub async fn readyz(redis: web::Data<RedisStore>) -> HttpResponse {
    let redis_check = redis
        .ping()
        .await
        .map_err(|_| "Redis does not answer".to_owned());
    readiness(&[("redis", redis_check)])
}
