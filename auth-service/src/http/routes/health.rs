//! `/readyz`: ready when Redis answers and the keys are loaded.

use actix_web::{HttpResponse, web};
use common::health::readiness;

use crate::state::AppState;

/// `GET /readyz`.
pub async fn readyz(state: web::Data<AppState>) -> HttpResponse {
    let redis = state
        .store
        .redis()
        .ping()
        .await
        .map_err(|_| "Redis does not answer".to_owned());
    let keys = match &redis {
        Ok(()) => state
            .keys
            .get()
            .await
            .map(|_| ())
            .map_err(|e| e.to_string()),
        Err(_) => Err("not loaded (Redis is down)".to_owned()),
    };
    readiness(&[("redis", redis), ("keys", keys)])
}
