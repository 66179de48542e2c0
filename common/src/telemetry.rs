//! Logging and request tracing.
//!
//! Logs go to stdout as JSON (containers) or pretty text (developers), filtered by `RUST_LOG`.
//! Each request runs in a span carrying a request id, method, route and status. The span records
//! the path but never the query string: OAuth callbacks carry codes and states there, and those
//! must not reach the logs. The request id is returned to the client in `x-request-id`.

use actix_web::{
    Error, HttpMessage,
    body::MessageBody,
    dev::{ServiceRequest, ServiceResponse},
    http::header::{HeaderName, HeaderValue},
    middleware::Next,
};
use tracing::{Span, Subscriber};
use tracing_actix_web::{RequestId, RootSpanBuilder};
use tracing_subscriber::{EnvFilter, fmt::MakeWriter, layer::SubscriberExt};

use crate::config::{LogFormat, LogSettings};

/// Builds a subscriber writing to `writer`; tests pass a buffer to inspect what was logged.
pub fn subscriber<W>(settings: &LogSettings, writer: W) -> Box<dyn Subscriber + Send + Sync>
where
    W: for<'a> MakeWriter<'a> + Send + Sync + 'static,
{
    let filter = EnvFilter::try_new(&settings.filter).unwrap_or_else(|_| EnvFilter::new("info"));
    let registry = tracing_subscriber::registry().with(filter);
    match settings.format {
        LogFormat::Json => Box::new(
            registry.with(
                tracing_subscriber::fmt::layer()
                    .json()
                    .with_current_span(true)
                    .with_span_list(false)
                    .with_writer(writer),
            ),
        ),
        LogFormat::Pretty => Box::new(
            registry.with(
                tracing_subscriber::fmt::layer()
                    .with_target(true)
                    .with_writer(writer),
            ),
        ),
    }
}

/// Installs the process-wide subscriber writing to stdout. A second call is a no-op.
pub fn init(settings: &LogSettings) {
    let _already_set =
        tracing::subscriber::set_global_default(subscriber(settings, std::io::stdout));
}

/// The root span of every request: no query string, no headers, no cookies.
pub struct RequestSpan;

impl RootSpanBuilder for RequestSpan {
    fn on_request_start(request: &ServiceRequest) -> Span {
        let request_id = request
            .extensions()
            .get::<RequestId>()
            .map(ToString::to_string)
            .unwrap_or_default();
        let route = request
            .match_pattern()
            .unwrap_or_else(|| "unmatched".into());
        tracing::info_span!(
            "http_request",
            method = %request.method(),
            route = %route,
            path = %request.path(),
            request_id = %request_id,
            status = tracing::field::Empty,
            error = tracing::field::Empty,
        )
    }

    fn on_request_end<B: MessageBody>(span: Span, outcome: &Result<ServiceResponse<B>, Error>) {
        match outcome {
            Ok(response) => {
                span.record("status", response.status().as_u16());
                if let Some(error) = response.response().error() {
                    span.record("error", tracing::field::display(error));
                }
            }
            Err(error) => {
                let status = error.as_response_error().status_code();
                span.record("status", status.as_u16());
                span.record("error", tracing::field::display(error));
            }
        }
        let _entered = span.enter();
        tracing::info!("request finished");
    }
}

/// The tracing middleware with [`RequestSpan`]; wrap every app in it.
pub fn request_tracing() -> tracing_actix_web::TracingLogger<RequestSpan> {
    tracing_actix_web::TracingLogger::<RequestSpan>::new()
}

/// Copies the request id into the `x-request-id` response header.
/// Register with `middleware::from_fn(telemetry::request_id_header)` inside [`request_tracing`].
pub async fn request_id_header(
    request: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, Error> {
    let request_id = request
        .extensions()
        .get::<RequestId>()
        .map(ToString::to_string);
    let mut response = next.call(request).await?;
    if let Some(value) = request_id.and_then(|id| HeaderValue::from_str(&id).ok()) {
        response
            .headers_mut()
            .insert(HeaderName::from_static("x-request-id"), value);
    }
    Ok(response)
}
