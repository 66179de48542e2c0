//! `/readyz`: ready when auth-service and gmail-service answer their `/healthz`.

use actix_web::{HttpResponse, web};
use common::health::readiness;

/// The services the frontend talks to.
pub struct Upstreams {
    pub http: reqwest::Client,
    pub auth_service_url: String,
    pub gmail_service_url: String,
}

async fn healthy(http: &reqwest::Client, base: &str) -> Result<(), String> {
    match http.get(format!("{base}/healthz")).send().await {
        Ok(r) if r.status().is_success() => Ok(()),
        Ok(r) => Err(format!("answered {}", r.status().as_u16())),
        Err(_) => Err("does not answer".to_owned()),
    }
}

/// `GET /readyz`.
pub async fn readyz(upstreams: web::Data<Upstreams>) -> HttpResponse {
    let (auth, gmail) = tokio::join!(
        healthy(&upstreams.http, &upstreams.auth_service_url),
        healthy(&upstreams.http, &upstreams.gmail_service_url)
    );
    readiness(&[("auth-service", auth), ("gmail-service", gmail)])
}
