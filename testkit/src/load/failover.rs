//! Load through a Redis failover, shared by the failover suite (`bench/tests/failover.rs`, in
//! CI) and the benchmark's `failover` section: [`under_load`] logs people in, keeps
//! [`READERS`] inbox readers and [`LOGGERS`] login workers busy while a caller's `kill` takes a
//! Redis master down, waits for recovery, and counts what people saw (answers by status, 5xx
//! other than 503, 503s without `Retry-After`, hangs, the gap, sessions lost);
//! [`refresh_single_flight`] checks afterwards that 20 concurrent pages of an expired token make
//! one refresh at Google. Errors, never panics: under load an error is a result.

use std::{
    collections::BTreeMap,
    sync::{
        Arc, Mutex,
        atomic::{AtomicBool, Ordering},
    },
    time::{Duration, Instant},
};

use anyhow::{Context, Result, bail};

use super::browser::Browser;

/// Accounts logged in before each kill (their sessions must survive it).
pub const SESSIONS: usize = 20;
/// Inbox readers and login workers during a kill.
pub const READERS: usize = 12;
pub const LOGGERS: usize = 2;
/// An answer slower than this was held up by the failover (a warm inbox takes a few ms).
pub const SLOW: Duration = Duration::from_millis(500);
/// A request slower than this counts as a hang (the client's timeout).
pub const HANG: Duration = Duration::from_secs(10);

/// What one kill under load did.
#[derive(Debug)]
pub struct Outcome {
    /// The port of the node `kill` killed.
    pub killed: u16,
    /// From the kill to the end of the last answer that failed or took over [`SLOW`].
    pub gap: Duration,
    /// Answers by status (0: no answer at all).
    pub by_status: BTreeMap<u16, u64>,
    /// Answers 500..=599 other than 503 (must be 0).
    pub other_5xx: u64,
    /// 503s without `Retry-After` (must be 0).
    pub unavailable_without_retry_after: u64,
    /// Requests that took [`HANG`] or more (must be 0).
    pub hung: u64,
    /// Sessions made before the kill that no longer show the inbox afterwards (must be 0 with
    /// `REDIS_DURABLE_REPLICAS` on), and what they answered.
    pub sessions_lost: usize,
    pub lost_statuses: Vec<u16>,
    /// Set by [`refresh_single_flight`] (1: single-flight held).
    pub refreshes_for_one_expiry: u64,
}

/// One answer seen by a worker.
struct Seen {
    sent: Instant,
    status: u16,
    retry_after: bool,
    took: Duration,
}

/// Logs in [`SESSIONS`] people (the emulator's generated accounts 1 to 20), starts the workers
/// against the frontend at `frontend`, runs `kill` (which returns the killed port), waits until
/// failures have stopped for 1.5 s, stops the load and checks the sessions made before the kill.
pub async fn under_load(
    frontend: &str,
    http: &reqwest::Client,
    kill: impl FnOnce() -> Result<u16>,
) -> Result<Outcome> {
    let frontend = frontend.to_owned();
    let mut sessions = Vec::with_capacity(SESSIONS);
    for n in 1..=SESSIONS {
        let mut browser = Browser::new(http);
        let email = google_emulator::accounts::extra_account_email(n);
        // Right after a node rejoined, its shard may not acknowledge a durable write yet (the
        // login answers 503 then): try for a while.
        let started = Instant::now();
        while let Err(error) = browser.log_in_as(&frontend, Some(&email)).await {
            if started.elapsed() > Duration::from_secs(30) {
                return Err(error).with_context(|| format!("login of {email} before the kill"));
            }
            browser = Browser::new(http);
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
        sessions.push(browser.jar.header());
    }
    let sessions = Arc::new(sessions);
    let seen: Arc<Mutex<Vec<Seen>>> = Arc::new(Mutex::new(Vec::new()));
    let stop = Arc::new(AtomicBool::new(false));
    let mut workers = Vec::new();
    for worker in 0..READERS + LOGGERS {
        let (http, frontend, sessions, seen, stop) = (
            http.clone(),
            frontend.clone(),
            Arc::clone(&sessions),
            Arc::clone(&seen),
            Arc::clone(&stop),
        );
        workers.push(tokio::spawn(async move {
            let mut i = worker;
            while !stop.load(Ordering::Relaxed) {
                let sent = Instant::now();
                let (status, retry_after) = if worker < READERS {
                    let cookie = &sessions[i % sessions.len()];
                    match http
                        .get(format!("{frontend}/"))
                        .header("cookie", cookie)
                        .send()
                        .await
                    {
                        Ok(r) => (r.status().as_u16(), r.headers().contains_key("retry-after")),
                        Err(_) => (0, false),
                    }
                } else {
                    // A new login: the first request of the dance stores the pending login.
                    match http.get(format!("{frontend}/oauth/login")).send().await {
                        Ok(r) => (r.status().as_u16(), r.headers().contains_key("retry-after")),
                        Err(_) => (0, false),
                    }
                };
                if let Ok(mut seen) = seen.lock() {
                    seen.push(Seen {
                        sent,
                        status,
                        retry_after,
                        took: sent.elapsed(),
                    });
                }
                i += READERS;
                tokio::time::sleep(Duration::from_millis(5)).await;
            }
        }));
    }
    tokio::time::sleep(Duration::from_secs(1)).await;
    let killed_at = Instant::now();
    let killed = kill()?;
    // Until failures have stopped for 1.5 s (and requests succeed), then a second more.
    let deadline = killed_at + Duration::from_secs(60);
    loop {
        tokio::time::sleep(Duration::from_millis(100)).await;
        let recovered = {
            let seen = seen
                .lock()
                .map_err(|_| anyhow::anyhow!("a worker panicked"))?;
            let last_failure = seen
                .iter()
                .filter(|s| s.sent >= killed_at && !ok(s.status))
                .map(|s| s.sent + s.took)
                .max();
            match last_failure {
                // Failures have stopped for 1.5 s, and requests succeed since.
                Some(last) => {
                    last.elapsed() > Duration::from_millis(1_500)
                        && seen.iter().any(|s| s.sent > last && ok(s.status))
                }
                None => killed_at.elapsed() > Duration::from_secs(5),
            }
        };
        if recovered {
            break;
        }
        if Instant::now() > deadline {
            bail!("the system did not recover within 60 s of the kill");
        }
    }
    tokio::time::sleep(Duration::from_secs(1)).await;
    stop.store(true, Ordering::Relaxed);
    for worker in workers {
        let _ = worker.await;
    }
    let seen = std::mem::take(&mut *seen.lock().map_err(|_| anyhow::anyhow!("poisoned"))?);
    let after: Vec<&Seen> = seen.iter().filter(|s| s.sent >= killed_at).collect();
    // The gap: from the kill until the end of the last answer that failed or was held up (over
    // SLOW; a request that waits out the failover and then succeeds is a gap too). Requests for
    // the slots that kept their master succeed meanwhile: this is how long any request could be
    // refused or held.
    let gap = after
        .iter()
        .filter(|s| !ok(s.status) || s.took > SLOW)
        .map(|s| (s.sent + s.took).duration_since(killed_at))
        .max()
        .unwrap_or(Duration::ZERO);
    let mut by_status = BTreeMap::new();
    for s in &seen {
        *by_status.entry(s.status).or_insert(0) += 1;
    }
    let other_5xx = seen
        .iter()
        .filter(|s| s.status >= 500 && s.status != 503)
        .count() as u64;
    let unavailable_without_retry_after = seen
        .iter()
        .filter(|s| s.status == 503 && !s.retry_after)
        .count() as u64;
    let hung = seen.iter().filter(|s| s.took >= HANG).count() as u64;

    // Every session made before the kill still shows the inbox. A 503 is the system not yet
    // answering for that slot, not a lost session: such a session is asked again for 10 s.
    let mut sessions_lost = 0;
    let mut lost_statuses = Vec::new();
    for cookie in sessions.iter() {
        let asked = Instant::now();
        let status = loop {
            let status = http
                .get(format!("{frontend}/"))
                .header("cookie", cookie)
                .send()
                .await
                .map(|r| r.status().as_u16())
                .unwrap_or(0);
            if status != 503 || asked.elapsed() > Duration::from_secs(10) {
                break status;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        };
        if status != 200 {
            sessions_lost += 1;
            lost_statuses.push(status);
        }
    }

    let refreshes_for_one_expiry = 0;
    Ok(Outcome {
        killed,
        gap,
        by_status,
        other_5xx,
        unavailable_without_retry_after,
        hung,
        sessions_lost,
        lost_statuses,
        refreshes_for_one_expiry,
    })
}

/// After the killed node is back: logs in generated account `n`, one never logged in before
/// (so no service holds an older token of it), retrying until Redis acknowledges durable writes
/// again; expires every Google token at the emulator, and loads 20 pages of one of its messages
/// at once (each a Gmail call, whatever the mirror holds). The refresh lock must let exactly
/// one refresh reach Google.
pub async fn refresh_single_flight(
    frontend: &str,
    emulator: &str,
    http: &reqwest::Client,
    n: usize,
) -> Result<u64> {
    let frontend = frontend.to_owned();
    let email = google_emulator::accounts::extra_account_email(n);
    let mut browser = Browser::new(http);
    let started = Instant::now();
    while let Err(error) = browser.log_in_as(&frontend, Some(&email)).await {
        if started.elapsed() > Duration::from_secs(30) {
            return Err(error).context("login after the node came back");
        }
        browser = Browser::new(http);
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let cookie = browser.jar.header();
    // A message page: always a Gmail call (the inbox may be answered from the fresh mirror).
    let inbox = http
        .get(format!("{frontend}/"))
        .header("cookie", &cookie)
        .send()
        .await?
        .text()
        .await?;
    let message = inbox
        .split("href=\"/messages/")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .context("no message link on the inbox page")?
        .to_owned();
    let before = refreshes(emulator, http).await?;
    http.post(format!("{emulator}/emulator/tokens/expire"))
        .send()
        .await?;
    let pages = (0..20).map(|_| {
        let (http, frontend, cookie) = (http.clone(), frontend.clone(), cookie.clone());
        let url = format!("{frontend}/messages/{message}");
        async move {
            http.get(url)
                .header("cookie", cookie)
                .send()
                .await
                .map(|r| r.status().as_u16())
        }
    });
    let statuses = futures_util::future::join_all(pages).await;
    if statuses.iter().any(|s| !matches!(s, Ok(200))) {
        bail!("pages after the token expiry: {statuses:?}");
    }
    Ok(refreshes(emulator, http).await? - before)
}

/// A success for the load: the inbox (200) or the login's redirect to Google (303/302).
fn ok(status: u16) -> bool {
    (200..400).contains(&status)
}

/// Refresh-token grants the emulator has answered.
async fn refreshes(emulator: &str, http: &reqwest::Client) -> Result<u64> {
    let stats: serde_json::Value = http
        .get(format!("{emulator}/emulator/stats"))
        .send()
        .await?
        .json()
        .await?;
    Ok(stats["requests"]["token.refresh_token"]
        .as_u64()
        .unwrap_or(0))
}
