//! The live inbox (`cargo run -p bench --release -- live`), on a system of its own:
//!
//! - **Throughput** of gmail-service's warm page from the fresh mirror beside the same page
//!   with a sync before each (`SYNC_MAX_AGE_SECS=0` on a second gmail-service of the system:
//!   one Google call per page, as every page cost before the mirror), at 64 connections,
//!   emulator latency 0, in one run.
//! - **Freshness**: from a delivery at the emulator to its `unread_added` on an open
//!   `GET /v1/events` stream, with `WATCH_POLL_SECS` 10 (the default) and 1, polling only.
//! - **Freshness with push** (`cargo run -p bench --release -- push`, a system of its own):
//!   the same, on a gmail-service that receives Gmail push (the emulator plays Pub/Sub) and
//!   polls only hourly, at emulator latency 0 and 50 ms (a Google round trip).
//! - **Quota** of one watched account: the `history.list` calls the emulator saw in a minute
//!   with one stream open, as units per hour, beside re-listing on every page view.
//! - **Streams** (also alone: `cargo run -p bench --release -- streams`): `LIVE_STREAMS`
//!   (default 10,000) idle streams held by one gmail-service, over HTTP/1.1 and over HTTP/2, and
//!   its memory per stream (the growth of its resident set, divided).

use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use testkit::{load::Browser, processes::System, sse::EventStream};

use crate::{
    stats::{Samples, ms, thousands},
    wrk::{self, Load},
};

async fn open_stream(http: &reqwest::Client, base: &str, token: &str) -> Result<EventStream> {
    let response = http
        .get(format!("{base}/v1/events"))
        .bearer_auth(token)
        .send()
        .await?;
    if !response.status().is_success() {
        bail!("GET /v1/events: {}", response.status());
    }
    let mut stream = EventStream::new(response);
    stream
        .next(Duration::from_secs(10))
        .await
        .context("no opening event")?;
    Ok(stream)
}

async fn deliver(http: &reqwest::Client, emulator: &str, subject: &str) -> Result<String> {
    let answer: serde_json::Value = http
        .post(format!(
            "{emulator}/emulator/accounts/alice@example.com/messages"
        ))
        .header("content-type", "message/rfc822")
        .body(format!(
            "From: Bench <bench@example.com>\r\nSubject: {subject}\r\n\r\nMeasured.\r\n"
        ))
        .send()
        .await?
        .json()
        .await?;
    answer["id"]
        .as_str()
        .map(str::to_owned)
        .context("the emulator named no id")
}

/// Delivery → `unread_added`, `runs` times, on a stream of `base` whose replica polls every
/// `poll`; each delivery at a random moment of the period.
async fn freshness(
    http: &reqwest::Client,
    system: &System,
    base: &str,
    token: &str,
    runs: usize,
    poll: Duration,
) -> Result<Samples> {
    freshness_after(http, system, base, token, runs, poll, Duration::ZERO).await
}

/// As [`freshness`], waiting `gap` before each delivery (Gmail sends at most one push a
/// second per mailbox: deliveries closer than that are pushed together, a second late).
async fn freshness_after(
    http: &reqwest::Client,
    system: &System,
    base: &str,
    token: &str,
    runs: usize,
    poll: Duration,
    gap: Duration,
) -> Result<Samples> {
    let mut stream = open_stream(http, base, token).await?;
    let mut samples = Vec::with_capacity(runs);
    for run in 0..runs {
        tokio::time::sleep(gap).await;
        // Mail arrives at any moment of the poll period, not just after a poll.
        let offset = poll.mul_f64(f64::from(rand::random::<u32>()) / f64::from(u32::MAX));
        tokio::time::sleep(offset).await;
        let started = Instant::now();
        let id = deliver(http, &system.emulator.url, &format!("fresh {run}")).await?;
        loop {
            let event = stream
                .next_named("unread_added", Duration::from_secs(30))
                .await
                .context("no unread_added within 30 s")?;
            if event.json()["id"] == id.as_str() {
                break;
            }
        }
        samples.push(started.elapsed());
    }
    Ok(Samples::new(samples))
}

fn rss_kib(pid_status: &str) -> Option<u64> {
    crate::stats::status_kib(pid_status, "VmRSS:")
}

/// A system of its own with Alice logged in: the system, a client that follows no redirect,
/// and an API token for gmail-service.
pub async fn logged_in(dir: &std::path::Path) -> Result<(System, reqwest::Client, String)> {
    let system = System::start(dir, 0).await?;
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()?;
    let mut browser = Browser::new(&http);
    browser.log_in(&system.frontend.url).await?;
    let token = browser
        .api_token(&system.auth.url, &system.frontend.url)
        .await?;
    Ok((system, http, token))
}

pub async fn run(dir: &std::path::Path, runs: usize, load_secs: Duration) -> Result<String> {
    let (system, http, token) = logged_in(dir).await?;
    system.set_latency(&http, 0).await?;
    let mut out = String::from("## The live inbox\n\n");

    // Throughput: the fresh mirror beside a sync before every page.
    let stale = system
        .spawn_gmail_replica(&[("SYNC_MAX_AGE_SECS", "0".to_owned())])
        .await?;
    let path = format!("{}?limit=50", contract::paths::gmail::UNREAD);
    let mut rates = Vec::new();
    for (what, base) in [
        ("fresh mirror (no Google call)", &system.gmail.url),
        (
            "sync before every page (SYNC_MAX_AGE_SECS 0: one history.list)",
            &stale.url,
        ),
    ] {
        let url = format!("{base}{path}");
        eprintln!("  live: {what} at 64 connections…");
        let report = wrk::run_repeated(
            &Load {
                url: &url,
                script: None,
                headers: vec![("Authorization", format!("Bearer {token}"))],
                connections: 64,
                duration: load_secs,
            },
            dir,
            runs,
        )?;
        rates.push((what, report));
    }
    out.push_str(
        "Warm page of 50 (`GET /v1/messages/unread?limit=50`), 64 connections, emulator latency \
         0, median of the runs:\n\n| page | requests/s | p50 | p99 | errors |\n| --- | ---: | ---: | ---: | ---: |\n",
    );
    for (what, report) in &rates {
        out.push_str(&format!(
            "| {what} | {} | {:.2} ms | {:.2} ms | {} |\n",
            thousands(report.requests_per_sec.round() as u64),
            report.p50_ms,
            report.p99_ms,
            report.errors
        ));
    }
    out.push_str(&format!(
        "\nFresh ÷ sync-per-page: **{:.2}×**.\n\n",
        rates[0].1.requests_per_sec / rates[1].1.requests_per_sec.max(1.0)
    ));
    drop(stale);

    // Freshness, polling every 10 s (the default) and every second.
    eprintln!("  live: freshness…");
    let fast = system
        .spawn_gmail_replica(&[("WATCH_POLL_SECS", "1".to_owned())])
        .await?;
    let slow_runs = runs.max(3) + 2;
    let default_poll = freshness(
        &http,
        &system,
        &system.gmail.url,
        &token,
        slow_runs,
        Duration::from_secs(10),
    )
    .await?;
    let one_second = freshness(
        &http,
        &system,
        &fast.url,
        &token,
        10,
        Duration::from_secs(1),
    )
    .await?;
    drop(fast);
    out.push_str(&format!(
        "Freshness, from a delivery at the emulator to its `unread_added` on an open stream \
         (polling only; with push: the `push` section):\n\n| `WATCH_POLL_SECS` | runs | median | max |\n| --- | ---: | ---: | ---: |\n\
         | 10 (default) | {} | {} | {} |\n| 1 | {} | {} | {} |\n\n",
        default_poll.len(),
        ms(default_poll.median()),
        ms(default_poll.percentile(1.0)),
        one_second.len(),
        ms(one_second.median()),
        ms(one_second.percentile(1.0)),
    ));

    // Quota of one watched account.
    eprintln!("  live: quota of a watched account (60 s)…");
    let stream = open_stream(&http, &system.gmail.url, &token).await?;
    let before = system.google_calls(&http).await?["gmail.history.list"]
        .as_u64()
        .unwrap_or(0);
    tokio::time::sleep(Duration::from_secs(60)).await;
    let calls = system.google_calls(&http).await?["gmail.history.list"]
        .as_u64()
        .unwrap_or(0)
        - before;
    drop(stream);
    out.push_str(&format!(
        "Quota of one watched account (one stream open for 60 s, `WATCH_POLL_SECS` 10): {calls} \
         `history.list` calls, **{} units an hour**. Re-listing on every page view instead costs \
         5 units a view (`messages.list`, plus 5 per message not yet cached): {} units an hour at \
         one view a minute, {} at one every 10 s.\n\n",
        thousands(calls * 2 * 60),
        thousands(5 * 60),
        thousands(5 * 360),
    ));

    out.push_str(&idle_streams(&system, &http, &token).await?);
    Ok(out)
}

/// Idle streams alone (`cargo run -p bench --release -- streams`), on a system of its own.
pub async fn streams(dir: &std::path::Path) -> Result<String> {
    let (system, http, token) = logged_in(dir).await?;
    Ok(format!(
        "## Idle event streams\n\n{}",
        idle_streams(&system, &http, &token).await?
    ))
}

/// `LIVE_STREAMS` idle streams held by a fresh gmail-service, over HTTP/1.1 (a connection each,
/// as a client that does not speak HTTP/2 opens them) and over HTTP/2 (one connection, as the
/// frontend opens them); its Markdown.
async fn idle_streams(system: &System, http: &reqwest::Client, token: &str) -> Result<String> {
    let streams = crate::env_number("LIVE_STREAMS", 10_000) as usize;
    let mut out = format!(
        "Idle streams held by one gmail-service ({} open streams of one account; its resident \
         memory before and after, a fresh replica for each protocol):\n\n\
         | protocol | connections | before | holding | per stream |\n| --- | ---: | ---: | ---: | ---: |\n",
        thousands(streams as u64)
    );
    for http2 in [false, true] {
        let label = if http2 { "HTTP/2 (h2c)" } else { "HTTP/1.1" };
        eprintln!("  live: {streams} idle streams over {label}…");
        let holder = system
            .spawn_gmail_replica(&[
                ("EVENTS_MAX_STREAMS_PER_ACCOUNT", "1000000".to_owned()),
                ("EVENTS_MAX_STREAMS", "1000000".to_owned()),
            ])
            .await?;
        let pid_status = holder.status_path();
        let many = if http2 {
            reqwest::Client::builder().http2_prior_knowledge().build()?
        } else {
            reqwest::Client::builder()
                .pool_max_idle_per_host(0)
                .build()?
        };
        // A first stream brings the mirror, the pools and (HTTP/2) the connection up; then the
        // baseline.
        let warm = open_stream(if http2 { &many } else { http }, &holder.url, token).await?;
        tokio::time::sleep(Duration::from_millis(500)).await;
        let base_kib = rss_kib(&std::fs::read_to_string(&pid_status)?).unwrap_or(0);
        let mut open = Vec::with_capacity(streams);
        for _ in 0..streams {
            open.push(open_stream(&many, &holder.url, token).await?);
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
        let held_kib = rss_kib(&std::fs::read_to_string(&pid_status)?).unwrap_or(0);
        drop(open);
        drop(warm);
        let per_stream = (held_kib.saturating_sub(base_kib) as f64) / streams as f64;
        out.push_str(&format!(
            "| {label} | {} | {:.1} MiB | {:.1} MiB | **{per_stream:.1} KiB** |\n",
            if http2 {
                "1".to_owned()
            } else {
                thousands(streams as u64 + 1)
            },
            base_kib as f64 / 1024.0,
            held_kib as f64 / 1024.0,
        ));
    }
    out.push('\n');
    Ok(out)
}

/// Freshness with Gmail push, at emulator latency 0 and 50 ms; its Markdown.
pub async fn push(dir: &std::path::Path, runs: usize) -> Result<String> {
    let (system, http, token) = logged_in(dir).await?;
    // Polling hourly: what reaches the stream within the run came by push.
    let pusher = system
        .spawn_gmail_push_replica(&[("WATCH_POLL_SECS", "3600".to_owned())])
        .await?;
    let mut out = String::from(
        "## Freshness with Gmail push\n\nFrom a delivery at the emulator to its `unread_added` on an \
         open stream of a gmail-service that receives push (`GMAIL_PUSH_TOPIC`; the emulator \
         plays Pub/Sub, signing its OIDC tokens) and polls hourly; each delivery 1.1 s after the \
         last (Gmail pushes at most once a second per mailbox) plus a random part of a second:\n\n\
         | emulator latency | runs | median | max | `history.list` calls |\n| ---: | ---: | ---: | ---: | ---: |\n",
    );
    for latency in [0, 50] {
        system.set_latency(&http, latency).await?;
        eprintln!("  push: freshness at emulator latency {latency} ms…");
        let before = system.google_calls(&http).await?["gmail.history.list"]
            .as_u64()
            .unwrap_or(0);
        let samples = freshness_after(
            &http,
            &system,
            &pusher.url,
            &token,
            runs.max(5) * 2,
            Duration::from_secs(1),
            Duration::from_millis(1_100),
        )
        .await?;
        let calls = system.google_calls(&http).await?["gmail.history.list"]
            .as_u64()
            .unwrap_or(0)
            - before;
        out.push_str(&format!(
            "| {latency} ms | {} | {} | {} | {calls} |\n",
            samples.len(),
            ms(samples.median()),
            ms(samples.percentile(1.0)),
        ));
    }
    out.push('\n');
    system.set_latency(&http, 0).await?;
    Ok(out)
}
