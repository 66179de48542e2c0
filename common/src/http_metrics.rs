//! Prometheus metrics: per-service registry, request counts and latency histograms by route and
//! status, and the `/metrics` handler. Services register their own counters in the same registry.
//!
//! Every label comes from a bounded set, so no request can add a series of its own: the method
//! is one of the nine standard ones or `other`, the route is the matched template or
//! `unmatched`, the status is a number.
//!
//! Each application owns its registry (no global state), so several instances in one test
//! process keep separate counts.

use std::time::Instant;

use actix_web::{
    Error, HttpResponse,
    body::MessageBody,
    dev::{ServiceRequest, ServiceResponse},
    middleware::Next,
    web,
};
use prometheus::{
    Encoder, HistogramOpts, HistogramVec, IntCounterVec, Opts, Registry, TextEncoder,
};

/// The registry of one service and its HTTP metrics.
#[derive(Clone)]
pub struct HttpMetrics {
    registry: Registry,
    requests: IntCounterVec,
    latency: HistogramVec,
}

impl HttpMetrics {
    /// A new registry whose metrics all carry `service="<service>"`.
    pub fn new(service: &str) -> Result<Self, prometheus::Error> {
        let labels = std::iter::once(("service".to_owned(), service.to_owned())).collect();
        let registry = Registry::new_custom(None, Some(labels))?;
        let requests = IntCounterVec::new(
            Opts::new("http_requests_total", "HTTP requests by route and status"),
            &["method", "route", "status"],
        )?;
        let latency = HistogramVec::new(
            HistogramOpts::new(
                "http_request_duration_seconds",
                "HTTP request latency by route and status",
            )
            .buckets(vec![
                0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
            ]),
            &["method", "route", "status"],
        )?;
        registry.register(Box::new(requests.clone()))?;
        registry.register(Box::new(latency.clone()))?;
        Ok(Self {
            registry,
            requests,
            latency,
        })
    }

    /// The registry, for service-specific metrics.
    pub fn registry(&self) -> &Registry {
        &self.registry
    }

    /// Everything in the Prometheus text format.
    pub fn render(&self) -> String {
        let mut buffer = Vec::new();
        if TextEncoder::new()
            .encode(&self.registry.gather(), &mut buffer)
            .is_err()
        {
            return String::new();
        }
        String::from_utf8(buffer).unwrap_or_default()
    }

    fn observe(&self, method: &str, route: &str, status: u16, seconds: f64) {
        let status = status.to_string();
        let labels = [method, route, status.as_str()];
        self.requests.with_label_values(&labels).inc();
        self.latency.with_label_values(&labels).observe(seconds);
    }
}

/// The method's label: a standard method's name, anything else `other`.
pub fn method_label(method: &actix_web::http::Method) -> &'static str {
    use actix_web::http::Method;
    match *method {
        Method::GET => "GET",
        Method::HEAD => "HEAD",
        Method::POST => "POST",
        Method::PUT => "PUT",
        Method::DELETE => "DELETE",
        Method::PATCH => "PATCH",
        Method::OPTIONS => "OPTIONS",
        Method::CONNECT => "CONNECT",
        Method::TRACE => "TRACE",
        _ => "other",
    }
}

/// Middleware counting every request; needs `web::Data<HttpMetrics>` in the app.
/// Register with `middleware::from_fn(http_metrics::track)`.
pub async fn track(
    request: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, Error> {
    let started = Instant::now();
    let metrics = request.app_data::<web::Data<HttpMetrics>>().cloned();
    let method = method_label(request.method());
    // Route templates, not raw paths, so the label set stays bounded.
    let route = request
        .match_pattern()
        .unwrap_or_else(|| "unmatched".into());
    let outcome = next.call(request).await;
    if let Some(metrics) = metrics {
        let status = match &outcome {
            Ok(response) => response.status().as_u16(),
            Err(error) => error.as_response_error().status_code().as_u16(),
        };
        metrics.observe(method, &route, status, started.elapsed().as_secs_f64());
    }
    outcome
}

/// `GET /metrics`.
pub async fn endpoint(metrics: web::Data<HttpMetrics>) -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/plain; version=0.0.4")
        .body(metrics.render())
}

#[cfg(test)]
mod tests {
    use actix_web::{App, middleware::from_fn, test};

    use super::*;

    #[actix_rt::test]
    async fn counts_requests_by_route_template_and_status() {
        let metrics = HttpMetrics::new("test").unwrap();
        let app = test::init_service(
            App::new()
                .app_data(web::Data::new(metrics.clone()))
                .wrap(from_fn(track))
                .route("/items/{id}", web::get().to(HttpResponse::Ok))
                .route("/metrics", web::get().to(endpoint)),
        )
        .await;
        for id in ["1", "2"] {
            let req = test::TestRequest::get()
                .uri(&format!("/items/{id}"))
                .to_request();
            test::call_service(&app, req).await;
        }
        let req = test::TestRequest::get().uri("/nope").to_request();
        test::call_service(&app, req).await;
        let body = metrics.render();
        assert!(body.contains(
            r#"http_requests_total{method="GET",route="/items/{id}",status="200",service="test"} 2"#
        ));
        assert!(body.contains(
            r#"http_requests_total{method="GET",route="unmatched",status="404",service="test"} 1"#
        ));
        assert!(body.contains("http_request_duration_seconds_bucket"));
    }

    #[actix_rt::test]
    async fn made_up_methods_share_one_series() {
        let metrics = HttpMetrics::new("test").unwrap();
        let app = test::init_service(
            App::new()
                .app_data(web::Data::new(metrics.clone()))
                .wrap(from_fn(track))
                .route("/items/{id}", web::get().to(HttpResponse::Ok)),
        )
        .await;
        for method in ["BREW", "XYZZY", "PROPFIND", "get", "DELETE"] {
            let req = test::TestRequest::default()
                .method(actix_web::http::Method::from_bytes(method.as_bytes()).unwrap())
                .uri("/items/1")
                .to_request();
            test::call_service(&app, req).await;
        }
        let body = metrics.render();
        let series: Vec<&str> = body
            .lines()
            .filter(|l| l.starts_with("http_requests_total{"))
            .collect();
        assert_eq!(
            series,
            [
                r#"http_requests_total{method="DELETE",route="/items/{id}",status="404",service="test"} 1"#,
                r#"http_requests_total{method="other",route="/items/{id}",status="404",service="test"} 4"#,
            ],
            "{body}"
        );
        assert!(!body.contains("BREW") && !body.contains("XYZZY"));
    }
}
