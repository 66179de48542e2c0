//! `GET /events`: gmail-service's event stream of the person's unread list, on the frontend's
//! own origin and authenticated by the session cookie, for the inbox page's script
//! (`static/live.js`).
//!
//! The frontend keeps no state, so the stream is a relay: it turns the session into an
//! internal JWT, opens gmail-service's `GET /v1/events` with the browser's `Last-Event-ID`, and
//! passes the bytes on unchanged, remembering the last `id:` it passed. gmail-service ends its
//! stream when the JWT expires (5 minutes); the relay then mints a new JWT and reopens it after
//! that id, so the browser sees one stream for as long as the session lives. When the session
//! has ended (logout) or gmail-service keeps refusing, the relay ends too.

use std::{convert::Infallible, time::Duration};

use actix_web::{HttpRequest, HttpResponse, web, web::Bytes};
use futures_util::stream;

use crate::{
    http::{pages::session_token, problem::problem_response, session::SessionCookie},
    state::FrontendState,
    upstream::UpstreamError,
};

/// Reopening attempts in a row that may fail before the relay gives up.
const MAX_FAILED_REOPENS: u32 = 5;
/// The pause before reopening again after a failed attempt.
const REOPEN_PAUSE: Duration = Duration::from_secs(1);
/// Longest unfinished line kept while looking for `id:` lines.
const MAX_LINE: usize = 64 * 1024;

struct Relay {
    request: HttpRequest,
    cookie: SessionCookie,
    state: web::Data<FrontendState>,
    upstream: Option<reqwest::Response>,
    /// The last `id:` passed on: where a reopened stream resumes.
    last_id: Option<String>,
    /// The end of the last chunk that did not end a line.
    partial: String,
    failed_reopens: u32,
}

impl Relay {
    fn remember_ids(&mut self, bytes: &[u8]) {
        self.partial.push_str(&String::from_utf8_lossy(bytes));
        while let Some(end) = self.partial.find('\n') {
            let line: String = self.partial.drain(..=end).collect();
            if let Some(id) = line.trim_end().strip_prefix("id: ") {
                self.last_id = Some(id.to_owned());
            }
        }
        if self.partial.len() > MAX_LINE {
            self.partial.clear();
        }
    }

    async fn reopen(&mut self) -> Result<reqwest::Response, UpstreamError> {
        let session = session_token(&self.request, &self.state, Some(&self.cookie)).await?;
        self.state
            .upstreams
            .events(&session.access_token, self.last_id.as_deref())
            .await
    }

    async fn next(mut self) -> Option<(Result<Bytes, Infallible>, Self)> {
        loop {
            if let Some(upstream) = self.upstream.as_mut() {
                match upstream.chunk().await {
                    Ok(Some(bytes)) => {
                        self.failed_reopens = 0;
                        self.remember_ids(&bytes);
                        return Some((Ok(bytes), self));
                    }
                    // The JWT expired, gmail-service restarted, the connection broke.
                    Ok(None) | Err(_) => self.upstream = None,
                }
            }
            match self.reopen().await {
                Ok(upstream) => {
                    self.partial.clear();
                    self.upstream = Some(upstream);
                }
                // The session is over: so is the stream (the page's EventSource gets an error).
                Err(UpstreamError::NotLoggedIn) => return None,
                Err(error) => {
                    self.failed_reopens += 1;
                    if self.failed_reopens >= MAX_FAILED_REOPENS {
                        tracing::warn!(%error, "the event stream could not be reopened; ending it");
                        return None;
                    }
                    tokio::time::sleep(REOPEN_PAUSE).await;
                }
            }
        }
    }
}

/// `GET /events`.
pub async fn events(
    request: HttpRequest,
    cookie: Option<SessionCookie>,
    state: web::Data<FrontendState>,
) -> HttpResponse {
    let last_id = request
        .headers()
        .get("last-event-id")
        .and_then(|v| v.to_str().ok())
        .filter(|v| !v.is_empty() && v.len() <= 64)
        .map(str::to_owned);
    let Some(cookie) = cookie else {
        return problem_response(&UpstreamError::NotLoggedIn, None);
    };
    let mut relay = Relay {
        request,
        cookie,
        state,
        upstream: None,
        last_id,
        partial: String::new(),
        failed_reopens: 0,
    };
    // The first opening decides the answer's status (not logged in, Google needs reconnecting).
    match relay.reopen().await {
        Ok(upstream) => relay.upstream = Some(upstream),
        Err(error) => return problem_response(&error, None),
    }
    HttpResponse::Ok()
        .content_type("text/event-stream")
        .insert_header(("cache-control", "no-store"))
        .insert_header(("x-accel-buffering", "no"))
        .streaming(stream::unfold(relay, Relay::next))
}
