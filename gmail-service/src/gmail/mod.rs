//! [`GmailClient`]: the Gmail API v1 calls gmail-service makes, over one pooled, kept-alive
//! HTTP client (HTTP/2 with Google) with a timeout on every call.
//!
//! Every attempt is charged to the account's [`QuotaBudget`] before it is sent (a page's
//! `messages.get` calls are charged together by the caller, see [`GmailCall::prepaid`]), and
//! holds one of the account's places in flight while it runs (`GMAIL_MAX_CONCURRENT_PER_ACCOUNT`
//! across replicas, [`QuotaBudget::enter`]).
//! Answers Gmail asks to retry (429, rate-limit 403, 5xx) and transport failures are retried
//! (with `backon`) with exponential backoff and jitter, honouring `Retry-After`, within
//! `GMAIL_MAX_ATTEMPTS` and `GMAIL_RETRY_MAX_WAIT_MS`, and within the request's deadline
//! ([`crate::deadline`]): an attempt's timeout is cut to what is left of it, and a retry that
//! would end past it is not waited for. Then [`GmailError::RateLimited`] or
//! [`GmailError::Unavailable`] tell the caller when to come back.
//!
//! - `wire`: Gmail's JSON.

pub mod wire;

use std::{
    sync::{
        Mutex,
        atomic::{AtomicU32, Ordering},
    },
    time::{Duration, Instant},
};

use backon::{ExponentialBuilder, Retryable as _};
use reqwest::{StatusCode, header};
use serde::de::DeserializeOwned;

use crate::{
    configuration::GmailSettings,
    deadline,
    google_token::GoogleAccessToken,
    metrics::ServiceMetrics,
    quota::{QuotaBudget, QuotaError},
};

/// Units Gmail charges per call (google-wire.md).
pub const UNITS_MESSAGES_LIST: u32 = 5;
pub const UNITS_MESSAGES_GET: u32 = 5;
pub const UNITS_PROFILE: u32 = 1;
pub const UNITS_HISTORY_LIST: u32 = 2;
pub const UNITS_WATCH: u32 = 100;
pub const UNITS_ATTACHMENTS_GET: u32 = 5;
pub const UNITS_THREADS_GET: u32 = 10;

/// A place in flight outlives its call's timeout by this much before it lapses.
const IN_FLIGHT_MARGIN: Duration = Duration::from_secs(1);

/// Headers a summary needs from `format=metadata`.
const METADATA_HEADERS: [&str; 3] = ["From", "Subject", "Date"];

/// Why a Gmail call failed.
#[derive(Debug, thiserror::Error)]
pub enum GmailError {
    #[error("Gmail refused the access token (401)")]
    Unauthorized,
    #[error("Gmail has no such message (404)")]
    NotFound,
    #[error("Gmail rejected the request: {0}")]
    BadRequest(String),
    #[error("Gmail refused access: {0}")]
    Forbidden(String),
    #[error("Gmail asks to slow down; retry after {retry_after:?}")]
    RateLimited { retry_after: Duration },
    #[error("Gmail is unavailable ({reason}); retry after {retry_after:?}")]
    Unavailable {
        reason: String,
        retry_after: Duration,
    },
    #[error("Gmail answered unexpectedly: {0}")]
    BadResponse(String),
    #[error("the account's Gmail quota budget is spent; retry after {retry_after:?}")]
    QuotaExhausted { retry_after: Duration },
    #[error("the quota budget cannot be checked: {0}")]
    QuotaUnavailable(String),
}

impl From<QuotaError> for GmailError {
    fn from(error: QuotaError) -> Self {
        match error {
            QuotaError::Exhausted { retry_after } => Self::QuotaExhausted { retry_after },
            QuotaError::Busy { retry_after } => Self::RateLimited { retry_after },
            QuotaError::Redis(e) => Self::QuotaUnavailable(e.to_string()),
        }
    }
}

/// Who a call is for and with which token.
#[derive(Clone, Copy)]
pub struct GmailCall<'a> {
    /// The account (JWT `sub`) the quota is charged to.
    pub account: &'a str,
    pub token: &'a GoogleAccessToken,
    /// The first attempt's units were already charged by the caller.
    pub prepaid: bool,
}

/// How much detail `messages.get` returns.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MessageFormat {
    /// Labels, snippet, and the `From`, `Subject`, `Date` headers.
    Metadata,
    /// Everything, bodies included.
    Full,
}

/// How an answer is read.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Read {
    /// Whole, within `GMAIL_MAX_RESPONSE_BYTES` (JSON).
    Whole,
    /// A `200` is handed over open; any other status is read whole, as an error.
    Open,
}

/// An answer, read as [`Read`] said.
enum Answer {
    Whole(Vec<u8>),
    Open(reqwest::Response),
}

/// How long an attachment's answer may take, to its last byte (25 MB from Google).
pub const ATTACHMENT_TIMEOUT: Duration = Duration::from_secs(120);

/// How one attempt failed.
enum Failure {
    /// Worth another attempt (429, rate-limit 403, 5xx, transport), after `retry_after` if
    /// Gmail named a time.
    Retryable {
        error: GmailError,
        retry_after: Option<Duration>,
    },
    /// Final.
    Fatal(GmailError),
}

impl Failure {
    fn is_retryable(&self) -> bool {
        matches!(self, Self::Retryable { .. })
    }

    fn retry_after(&self) -> Option<Duration> {
        match self {
            Self::Retryable { retry_after, .. } => *retry_after,
            Self::Fatal(_) => None,
        }
    }

    fn error(&self) -> &GmailError {
        match self {
            Self::Retryable { error, .. } | Self::Fatal(error) => error,
        }
    }
}

/// The Gmail API client; one per process, cheap to share.
pub struct GmailClient {
    http: reqwest::Client,
    settings: GmailSettings,
    quota: QuotaBudget,
    metrics: ServiceMetrics,
}

impl GmailClient {
    /// Builds the pooled HTTP client.
    pub fn new(
        settings: GmailSettings,
        quota: QuotaBudget,
        metrics: ServiceMetrics,
    ) -> Result<Self, reqwest::Error> {
        let http = reqwest::Client::builder()
            .timeout(settings.timeout)
            .connect_timeout(settings.connect_timeout)
            .pool_idle_timeout(common::server::CLIENT_POOL_IDLE_TIMEOUT)
            .pool_max_idle_per_host(128)
            .tcp_keepalive(Duration::from_secs(60))
            .tcp_nodelay(true)
            .redirect(reqwest::redirect::Policy::none())
            .user_agent(concat!("gmail-unread/", env!("CARGO_PKG_VERSION")))
            .build()?;
        Ok(Self {
            http,
            settings,
            quota,
            metrics,
        })
    }

    /// The budget the calls are charged to.
    pub fn quota(&self) -> &QuotaBudget {
        &self.quota
    }

    /// `ATTACHMENT_MAX_BYTES`.
    pub fn attachment_max_bytes(&self) -> u64 {
        self.settings.attachment_max_bytes
    }

    /// Most `messages.get` calls one page runs at once.
    pub fn get_concurrency(&self) -> usize {
        self.settings.get_concurrency
    }

    /// `messages.list?q=is:unread`.
    pub async fn list_unread(
        &self,
        call: GmailCall<'_>,
        limit: u32,
        page_token: Option<&str>,
    ) -> Result<wire::MessageList, GmailError> {
        let mut query = vec![
            ("q", "is:unread".to_owned()),
            ("maxResults", limit.to_string()),
        ];
        if let Some(token) = page_token {
            query.push(("pageToken", token.to_owned()));
        }
        let url = format!("{}/messages", self.settings.api_base);
        self.call("messages.list", &url, &query, call, UNITS_MESSAGES_LIST)
            .await
    }

    /// `messages.get` in the given format.
    pub async fn get_message(
        &self,
        call: GmailCall<'_>,
        id: &str,
        format: MessageFormat,
    ) -> Result<wire::Message, GmailError> {
        let mut query = Vec::with_capacity(4);
        match format {
            MessageFormat::Metadata => {
                query.push(("format", "metadata".to_owned()));
                for name in METADATA_HEADERS {
                    query.push(("metadataHeaders", name.to_owned()));
                }
            }
            MessageFormat::Full => query.push(("format", "full".to_owned())),
        }
        // Ids are checked by the caller (ASCII letters and digits), so no escaping is needed.
        let url = format!("{}/messages/{id}", self.settings.api_base);
        self.call("messages.get", &url, &query, call, UNITS_MESSAGES_GET)
            .await
    }

    /// `users.getProfile`: the mailbox's current history id.
    pub async fn profile(&self, call: GmailCall<'_>) -> Result<wire::Profile, GmailError> {
        let url = format!("{}/profile", self.settings.api_base);
        self.call("profile", &url, &[], call, UNITS_PROFILE).await
    }

    /// `users.history.list` after `start` (every history type, every label), one page.
    /// Gmail answers 404 ([`GmailError::NotFound`]) when `start` is too old.
    pub async fn list_history(
        &self,
        call: GmailCall<'_>,
        start: &str,
        page_token: Option<&str>,
    ) -> Result<wire::HistoryList, GmailError> {
        let mut query = vec![
            ("startHistoryId", start.to_owned()),
            ("maxResults", "500".to_owned()),
        ];
        if let Some(token) = page_token {
            query.push(("pageToken", token.to_owned()));
        }
        let url = format!("{}/history", self.settings.api_base);
        self.call("history.list", &url, &query, call, UNITS_HISTORY_LIST)
            .await
    }

    /// `threads.get?format=full`: every message of thread `id` (10 units).
    pub async fn get_thread(
        &self,
        call: GmailCall<'_>,
        id: &str,
    ) -> Result<wire::Thread, GmailError> {
        // Ids are checked by the caller (ASCII letters and digits), so no escaping is needed.
        let url = format!("{}/threads/{id}", self.settings.api_base);
        let query = [("format", "full".to_owned())];
        self.call("threads.get", &url, &query, call, UNITS_THREADS_GET)
            .await
    }

    /// `users.watch`: Gmail publishes the mailbox's changes to the Pub/Sub `topic` (every
    /// label) until the returned expiration; renew it at least every 7 days.
    pub async fn watch(
        &self,
        call: GmailCall<'_>,
        topic: &str,
    ) -> Result<wire::WatchResponse, GmailError> {
        let url = format!("{}/watch", self.settings.api_base);
        let body = serde_json::json!({ "topicName": topic });
        self.call_with("watch", &url, &[], Some(&body), call, UNITS_WATCH)
            .await
    }

    async fn call<T: DeserializeOwned>(
        &self,
        method: &'static str,
        url: &str,
        query: &[(&str, String)],
        call: GmailCall<'_>,
        units: u32,
    ) -> Result<T, GmailError> {
        self.call_with(method, url, query, None, call, units).await
    }

    /// As [`Self::call`]; with a `body`, a `POST` of that JSON instead of a `GET`.
    async fn call_with<T: DeserializeOwned>(
        &self,
        method: &'static str,
        url: &str,
        query: &[(&str, String)],
        body: Option<&serde_json::Value>,
        call: GmailCall<'_>,
        units: u32,
    ) -> Result<T, GmailError> {
        match self
            .call_for(method, url, query, body, call, units, Read::Whole)
            .await?
        {
            Answer::Whole(bytes) => serde_json::from_slice(&bytes)
                .map_err(|e| GmailError::BadResponse(format!("malformed JSON: {e}"))),
            Answer::Open(_) => Err(GmailError::BadResponse("unexpected open answer".into())),
        }
    }

    /// `messages.attachments.get` of `attachment_id` (Gmail's, from the part's `body`): the
    /// `200` answer still open, its JSON (`{"attachmentId","size","data"}`, `data` base64url)
    /// for the caller to read as it arrives (`crate::mail::attachment::Decoder`), never held
    /// whole. Within [`ATTACHMENT_TIMEOUT`] rather than `GMAIL_TIMEOUT_MS`.
    pub async fn open_attachment(
        &self,
        call: GmailCall<'_>,
        message_id: &str,
        attachment_id: &str,
    ) -> Result<reqwest::Response, GmailError> {
        // Both ids are checked by the caller (letters, digits, `-`, `_`): no escaping needed.
        let url = format!(
            "{}/messages/{message_id}/attachments/{attachment_id}",
            self.settings.api_base
        );
        match self
            .call_for(
                "messages.attachments.get",
                &url,
                &[],
                None,
                call,
                UNITS_ATTACHMENTS_GET,
                Read::Open,
            )
            .await?
        {
            Answer::Open(response) => Ok(response),
            Answer::Whole(_) => Err(GmailError::BadResponse("unexpected whole answer".into())),
        }
    }

    /// The call with its quota, place in flight, retries and deadline; its answer read as
    /// `read` says.
    #[allow(clippy::too_many_arguments)]
    async fn call_for(
        &self,
        method: &'static str,
        url: &str,
        query: &[(&str, String)],
        body: Option<&serde_json::Value>,
        call: GmailCall<'_>,
        units: u32,
        read: Read,
    ) -> Result<Answer, GmailError> {
        let attempts = AtomicU32::new(0);
        // The wait the last retryable failure asked for (the backoff, or a longer
        // `Retry-After`): what the caller is told when no retry is left.
        let last_wait = Mutex::new(Duration::ZERO);
        let remember = |wait: Duration| {
            *last_wait
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner) = wait;
        };
        let settings = &self.settings;
        let outcome = (|| async {
            let attempt = attempts.fetch_add(1, Ordering::Relaxed) + 1;
            if deadline::remaining().is_some_and(|left| left.is_zero()) {
                return Err(Failure::Fatal(GmailError::Unavailable {
                    reason: "the request deadline passed".into(),
                    retry_after: deadline::RETRY_AFTER,
                }));
            }
            if attempt > 1 || !call.prepaid {
                self.quota
                    .acquire(call.account, units)
                    .await
                    .map_err(|e| Failure::Fatal(e.into()))?;
            }
            // A place among the account's calls in flight (across replicas) for this attempt.
            let place = self
                .quota
                .enter(call.account, settings.timeout + IN_FLIGHT_MARGIN)
                .await
                .map_err(|e| Failure::Fatal(e.into()))?;
            let outcome = self
                .attempt(method, url, query, body, call.token, read)
                .await;
            self.quota.leave(place).await;
            outcome
        })
        .retry(self.backoff())
        .sleep(tokio::time::sleep)
        .when(Failure::is_retryable)
        .adjust(|failure, backoff| {
            let retry_after = failure.retry_after();
            let Some(backoff) = backoff else {
                // GMAIL_MAX_ATTEMPTS reached: come back no sooner than the last backoff.
                let previous = *last_wait
                    .lock()
                    .unwrap_or_else(std::sync::PoisonError::into_inner);
                remember(retry_after.map_or(previous, |after| after.max(previous)));
                return None;
            };
            let wait = retry_after.map_or(backoff, |after| after.max(backoff));
            remember(wait);
            let past_deadline = deadline::remaining().is_some_and(|left| wait >= left);
            (wait <= settings.retry_max_wait && !past_deadline).then_some(wait)
        })
        .notify(|failure, wait| {
            let attempt = attempts.load(Ordering::Relaxed);
            tracing::debug!(method, attempt, ?wait, error = %failure.error(), "retrying Gmail call");
            self.metrics
                .gmail_retries
                .with_label_values(&[method])
                .inc();
        })
        .await;
        outcome.map_err(|failure| match failure {
            Failure::Fatal(error) => error,
            Failure::Retryable { error, .. } => {
                let waited = *last_wait
                    .lock()
                    .unwrap_or_else(std::sync::PoisonError::into_inner);
                with_retry_after(error, waited)
            }
        })
    }

    /// Exponential backoff with jitter: base·2^(n-1), plus up to as much again, for at most
    /// `GMAIL_MAX_ATTEMPTS` attempts in all.
    fn backoff(&self) -> ExponentialBuilder {
        let retries = usize::try_from(self.settings.max_attempts.saturating_sub(1)).unwrap_or(0);
        ExponentialBuilder::default()
            .with_min_delay(self.settings.retry_base)
            .with_factor(2.0)
            .with_jitter()
            .without_max_delay()
            .with_max_times(retries)
    }

    /// One attempt, within `GMAIL_TIMEOUT_MS` (an open answer: [`ATTACHMENT_TIMEOUT`]) and what
    /// is left of the request's deadline.
    async fn attempt(
        &self,
        method: &'static str,
        url: &str,
        query: &[(&str, String)],
        body: Option<&serde_json::Value>,
        token: &GoogleAccessToken,
        read: Read,
    ) -> Result<Answer, Failure> {
        let started = Instant::now();
        let request = match body {
            Some(body) => self.http.post(url).json(body),
            None => self.http.get(url),
        };
        let timeout = match read {
            Read::Whole => deadline::remaining().map_or(self.settings.timeout, |left| {
                left.min(self.settings.timeout)
            }),
            // The deadline is the handler's: the body is read after it has answered.
            Read::Open => ATTACHMENT_TIMEOUT,
        };
        let sent = request
            .timeout(timeout)
            .query(query)
            .bearer_auth(token.expose())
            .header(header::ACCEPT, "application/json")
            .send()
            .await;
        let outcome = match sent {
            Err(error) => Err(Failure::Retryable {
                error: GmailError::Unavailable {
                    reason: transport_reason(&error),
                    retry_after: Duration::ZERO,
                },
                retry_after: None,
            }),
            Ok(response) => self.read(response, read).await,
        };
        self.metrics
            .gmail_latency
            .with_label_values(&[method])
            .observe(started.elapsed().as_secs_f64());
        self.metrics
            .gmail_calls
            .with_label_values(&[method, outcome_label(&outcome)])
            .inc();
        outcome
    }

    async fn read(&self, mut response: reqwest::Response, read: Read) -> Result<Answer, Failure> {
        let status = response.status();
        if status == StatusCode::OK && read == Read::Open {
            return Ok(Answer::Open(response));
        }
        let retry_after = retry_after(response.headers());
        if response
            .content_length()
            .is_some_and(|len| len > self.settings.max_response_bytes as u64)
        {
            return Err(Failure::Fatal(GmailError::BadResponse(
                "the answer is too large".into(),
            )));
        }
        let mut body = Vec::new();
        loop {
            match response.chunk().await {
                Ok(Some(chunk)) => {
                    if body.len() + chunk.len() > self.settings.max_response_bytes {
                        return Err(Failure::Fatal(GmailError::BadResponse(
                            "the answer is too large".into(),
                        )));
                    }
                    body.extend_from_slice(&chunk);
                }
                Ok(None) => break,
                Err(error) => {
                    return Err(Failure::Retryable {
                        error: GmailError::Unavailable {
                            reason: transport_reason(&error),
                            retry_after: Duration::ZERO,
                        },
                        retry_after: None,
                    });
                }
            }
        }
        if status == StatusCode::OK {
            return Ok(Answer::Whole(body));
        }
        let envelope: wire::ErrorEnvelope = serde_json::from_slice(&body).unwrap_or_default();
        let message = envelope.error.message.chars().take(200).collect::<String>();
        let retryable = |error| Err(Failure::Retryable { error, retry_after });
        match status {
            StatusCode::UNAUTHORIZED => Err(Failure::Fatal(GmailError::Unauthorized)),
            StatusCode::NOT_FOUND => Err(Failure::Fatal(GmailError::NotFound)),
            StatusCode::BAD_REQUEST => Err(Failure::Fatal(GmailError::BadRequest(message))),
            StatusCode::FORBIDDEN if envelope.is_rate_limit() => {
                retryable(GmailError::RateLimited {
                    retry_after: Duration::ZERO,
                })
            }
            StatusCode::FORBIDDEN => Err(Failure::Fatal(GmailError::Forbidden(message))),
            StatusCode::TOO_MANY_REQUESTS => retryable(GmailError::RateLimited {
                retry_after: Duration::ZERO,
            }),
            s if s.is_server_error() => retryable(GmailError::Unavailable {
                reason: format!("HTTP {}", s.as_u16()),
                retry_after: Duration::ZERO,
            }),
            s => Err(Failure::Fatal(GmailError::BadResponse(format!(
                "unexpected HTTP {}",
                s.as_u16()
            )))),
        }
    }
}

fn with_retry_after(error: GmailError, wait: Duration) -> GmailError {
    let retry_after = wait.max(Duration::from_secs(1));
    match error {
        GmailError::RateLimited { .. } => GmailError::RateLimited { retry_after },
        GmailError::Unavailable { reason, .. } => GmailError::Unavailable {
            reason,
            retry_after,
        },
        other => other,
    }
}

fn transport_reason(error: &reqwest::Error) -> String {
    if error.is_timeout() {
        "timed out".into()
    } else if error.is_connect() {
        "cannot connect".into()
    } else {
        "transport error".into()
    }
}

/// `Retry-After` in seconds, at most an hour (`contract::headers::retry_after_secs`; an HTTP
/// date is not worth parsing here: the backoff covers it).
fn retry_after(headers: &header::HeaderMap) -> Option<Duration> {
    let value = headers.get(header::RETRY_AFTER)?.to_str().ok()?;
    contract::headers::retry_after_secs(value).map(Duration::from_secs)
}

fn outcome_label<T>(outcome: &Result<T, Failure>) -> &'static str {
    let error = match outcome {
        Ok(_) => return "ok",
        Err(failure) => failure.error(),
    };
    match error {
        GmailError::Unauthorized => "unauthorized",
        GmailError::NotFound => "not_found",
        GmailError::BadRequest(_) => "bad_request",
        GmailError::Forbidden(_) => "forbidden",
        GmailError::RateLimited { .. } => "rate_limited",
        GmailError::Unavailable { reason, .. } if reason == "timed out" => "timeout",
        GmailError::Unavailable { reason, .. } if reason.starts_with("HTTP") => "server_error",
        GmailError::Unavailable { .. } => "network_error",
        GmailError::BadResponse(_) => "bad_response",
        GmailError::QuotaExhausted { .. } | GmailError::QuotaUnavailable(_) => "not_sent",
    }
}
