//! `/readyz`: ready when Redis answers and the keys are loaded.

use actix_web::{HttpResponse, web};
use common::health::{readiness_reporting, redis_readiness};

use crate::state::AppState;

/// `GET /readyz`.
pub async fn readyz(state: web::Data<AppState>) -> HttpResponse {
    let (redis, report) = redis_readiness(state.store.redis()).await;
    let keys = match &redis {
        Ok(()) => state
            .keys
            .get()
            .await
            .map(|_| ())
            .map_err(|e| e.to_string()),
        Err(_) => Err("not loaded (Redis is down)".to_owned()),
    };
    let mut reported = serde_json::Map::new();
    reported.insert("redis".into(), report);
    readiness_reporting(&[("redis", redis), ("keys", keys)], reported)
}
