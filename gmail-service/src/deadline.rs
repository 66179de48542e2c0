//! One deadline per request (`REQUEST_DEADLINE_MS`), shared by everything the request does.
//!
//! [`enforce`] (a middleware around every route) starts the clock when a request arrives and
//! makes the deadline known to the code below it for the request's lifetime (a task-local: the
//! handler, its extractors and the futures it awaits run on the request's task). The Gmail
//! client reads it through [`remaining`]: each attempt's timeout is cut to what is left, and a
//! retry whose backoff would end past the deadline is not waited for. Whatever else is still
//! running at the deadline (auth-service calls, quota waits, JWKS fetches) is dropped there:
//! the answer is then 503 `upstream_unavailable` with `Retry-After`, never later than the
//! deadline, and well before the frontend's own upstream timeout.

use std::time::{Duration, Instant};

use actix_web::{
    Error,
    body::MessageBody,
    dev::{ServiceRequest, ServiceResponse},
    middleware::Next,
    web,
};

use crate::api_error::ApiError;

/// `Retry-After` of a request cut by its deadline.
pub const RETRY_AFTER: Duration = Duration::from_secs(5);

tokio::task_local! {
    static DEADLINE: Instant;
}

/// The request deadline setting, as app data.
#[derive(Clone, Copy, Debug)]
pub struct RequestDeadline(pub Duration);

/// Time left before the current request's deadline: `None` outside a request (no deadline),
/// zero once it has passed.
pub fn remaining() -> Option<Duration> {
    DEADLINE
        .try_with(|deadline| deadline.saturating_duration_since(Instant::now()))
        .ok()
}

/// Runs `future` with a deadline of `budget` from now (for code outside a request, and tests).
pub async fn scope<F: Future>(budget: Duration, future: F) -> F::Output {
    DEADLINE.scope(Instant::now() + budget, future).await
}

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
    let deadline = Instant::now() + budget;
    let outcome = DEADLINE
        .scope(
            deadline,
            tokio::time::timeout_at(deadline.into(), next.call(request)),
        )
        .await;
    // Past the deadline the request's work is dropped; the error becomes the 503 answer.
    outcome.unwrap_or_else(|_elapsed| {
        Err(ApiError::UpstreamUnavailable {
            reason: format!("the request deadline ({} ms) passed", budget.as_millis()),
            retry_after: RETRY_AFTER,
        }
        .into())
    })
}
