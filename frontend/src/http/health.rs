//! `/readyz`: ready when auth-service and gmail-service answer their `/healthz`.

use actix_web::{HttpResponse, web};
use common::health::readiness;

use crate::state::FrontendState;

async fn healthy(http: &reqwest::Client, base: &str) -> Result<(), String> {
    match http
        .get(format!("{base}{}", contract::paths::HEALTHZ))
        .send()
        .await
    {
        Ok(r) if r.status().is_success() => Ok(()),
        Ok(r) => Err(format!("answered {}", r.status().as_u16())),
        Err(_) => Err("does not answer".to_owned()),
    }
}

/// `GET /readyz`.
pub async fn readyz(state: web::Data<FrontendState>) -> HttpResponse {
    let (auth, gmail, http) = state.upstreams.bases();
    let (auth, gmail) = tokio::join!(healthy(http, auth), healthy(http, gmail));
    readiness(&[("auth-service", auth), ("gmail-service", gmail)])
}
