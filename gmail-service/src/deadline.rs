//! One deadline per request (`REQUEST_DEADLINE_MS`), shared by everything the request does: the
//! domain side, with no HTTP in it.
//!
//! [`within`] runs a future under a deadline, made known to the code below it for the future's
//! lifetime (a task-local: the handler, its extractors and the futures it awaits run on the
//! request's task), and drops it when the deadline passes. The HTTP edge wraps every request in
//! it (`http::deadline`, which answers [`DeadlinePassed`] with 503 `upstream_unavailable` and
//! `Retry-After`, never later than the deadline, and well before the frontend's own upstream
//! timeout). The Gmail client reads it through [`remaining`]: each attempt's timeout is cut to
//! what is left, and a retry whose backoff would end past the deadline is not waited for.
//! Whatever else is still running at the deadline (auth-service calls, quota waits, JWKS
//! fetches) is dropped there.

use std::time::{Duration, Instant};

/// `Retry-After` of a request cut by its deadline.
pub const RETRY_AFTER: Duration = Duration::from_secs(5);

tokio::task_local! {
    static DEADLINE: Instant;
}

/// The deadline passed before the work was done; the work was dropped.
#[derive(Debug, thiserror::Error)]
#[error("the request deadline ({} ms) passed", .budget.as_millis())]
pub struct DeadlinePassed {
    /// The budget the work had.
    pub budget: Duration,
}

/// Time left before the current request's deadline: `None` outside a request (no deadline),
/// zero once it has passed.
pub fn remaining() -> Option<Duration> {
    DEADLINE
        .try_with(|deadline| deadline.saturating_duration_since(Instant::now()))
        .ok()
}

/// Runs `future` with a deadline of `budget` from now, without cutting it off there (for code
/// outside a request, and tests).
pub async fn scope<F: Future>(budget: Duration, future: F) -> F::Output {
    DEADLINE.scope(Instant::now() + budget, future).await
}

/// Runs `future` with a deadline of `budget` from now and drops it when the deadline passes.
pub async fn within<F: Future>(budget: Duration, future: F) -> Result<F::Output, DeadlinePassed> {
    let deadline = Instant::now() + budget;
    DEADLINE
        .scope(deadline, tokio::time::timeout_at(deadline.into(), future))
        .await
        .map_err(|_elapsed| DeadlinePassed { budget })
}
