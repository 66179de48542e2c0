//! The HTTP side of the request deadline: [`enforce`], a middleware around every route, runs the
//! request under `crate::deadline::within` with the configured [`RequestDeadline`] and answers
//! a request cut by it with 503 `upstream_unavailable` and `Retry-After`
//! (`crate::deadline::RETRY_AFTER`).

use std::time::Duration;

use actix_web::{
    Error,
    body::MessageBody,
    dev::{ServiceRequest, ServiceResponse},
    middleware::Next,
    web,
};

use crate::{deadline, http::error::ApiError};

/// The request deadline setting (`REQUEST_DEADLINE_MS`), as app data.
#[derive(Clone, Copy, Debug)]
pub struct RequestDeadline(pub Duration);

/// The middleware: the request gets [`RequestDeadline`] from now; past it, a 503 problem.
pub async fn enforce(
    request: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, Error> {
    let Some(budget) = request
        .app_data::<web::Data<RequestDeadline>>()
        .map(|d| d.0)
    else {
        return next.call(request).await;
    };
    // Past the deadline the request's work is dropped; the error becomes the 503 answer.
    deadline::within(budget, next.call(request))
        .await
        .unwrap_or_else(|passed| {
            Err(ApiError::UpstreamUnavailable {
                reason: passed.to_string(),
                retry_after: deadline::RETRY_AFTER,
            }
            .into())
        })
}
