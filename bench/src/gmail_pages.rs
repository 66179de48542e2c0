//! gmail-service alone (section `gmail-pages`): how fast pages of unread mail are against the
//! Google emulator, formerly gmail-service's own `unread_pages` benchmark.
//!
//! ```text
//! cargo run -p bench --release -- gmail-pages
//! ```
//!
//! Runs the release `gmail-service` binary as its own process (so its memory is its own), with
//! the Google emulator and the auth-service stand-in (`testkit::stand_ins::AuthStandIn`) in this
//! process and the Redis of `REDIS_URL` (else a throw-away `redis-server`). Reports:
//! - with the emulator at 50 ms per answer: median and p99 of a cold page of 50 (cache emptied
//!   before each) and of a warm page of 50, and their ratio to one emulator round trip;
//! - with latency 0: warm pages per second and p99 at 64 concurrent clients;
//! - the service's peak resident memory (VmHWM).
//!
//! The service's own quota budget is switched off (`QUOTA_UNITS_PER_MINUTE=0`), as is the
//! emulator's: the point is the service's speed, not Gmail's 15,000 units a minute.

use std::{
    path::Path,
    sync::Arc,
    time::{Duration, Instant},
};

use anyhow::{Context, Result, bail};
use google_emulator::EmulatorConfig;
use testkit::{
    processes::Process,
    stand_ins::{ALICE, AuthStandIn, REDIRECT},
};

use crate::stats::Samples;

const PAGE: &str = "/v1/messages/unread?limit=50";
const LATENCY_MS: u64 = 50;
const COLD_RUNS: usize = 30;
const WARM_RUNS: usize = 200;
const CLIENTS: usize = 64;
const LOAD_SECS: u64 = 10;

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

async fn clear_cache(redis_url: &str, prefix: &str) -> Result<()> {
    let client = redis::Client::open(redis_url)?;
    let mut connection = client.get_multiplexed_async_connection().await?;
    let keys: Vec<String> = redis::cmd("KEYS")
        .arg(format!("{prefix}msg:*"))
        .query_async(&mut connection)
        .await?;
    if !keys.is_empty() {
        let () = redis::cmd("DEL")
            .arg(&keys)
            .query_async(&mut connection)
            .await?;
    }
    Ok(())
}

async fn timed(http: &reqwest::Client, url: &str, jwt: &str) -> Result<Duration> {
    let started = Instant::now();
    let response = http.get(url).bearer_auth(jwt).send().await?;
    if response.status() != 200 {
        bail!("{url} answered {}", response.status());
    }
    let _ = response.bytes().await?;
    Ok(started.elapsed())
}

fn summary(name: &str, samples: Vec<Duration>, round_trip: Duration) -> String {
    let runs = samples.len();
    let samples = Samples::new(samples);
    let median = samples.median();
    format!(
        "{name:<22} median {:>7.1} ms  p99 {:>7.1} ms  median/round trip {:>5.2}  ({runs} runs)\n",
        ms(median),
        ms(samples.percentile(0.99)),
        median.as_secs_f64() / round_trip.as_secs_f64(),
    )
}

/// Runs the section with the release binaries of `dir`; its Markdown.
pub async fn run(dir: &Path) -> Result<String> {
    let mut config = EmulatorConfig::for_tests(&[REDIRECT]);
    config.faults.latency_ms = LATENCY_MS;
    config.quota_units_per_minute = 0;
    let emulator = google_emulator::spawn(config)
        .await
        .map_err(|e| anyhow::anyhow!("cannot start the emulator: {e}"))?;
    let auth = AuthStandIn::start(&emulator.url);
    let redis_url = testkit::redis_url();
    let prefix = testkit::unique_prefix();
    let credential = auth
        .credential()
        .context("the stand-in has no fixed credential")?
        .to_owned();
    let service = Process::spawn(
        dir,
        "gmail-service",
        testkit::free_port(),
        &[
            ("REDIS_URL", redis_url.clone()),
            ("REDIS_KEY_PREFIX", prefix.clone()),
            ("AUTH_SERVICE_URL", auth.url.clone()),
            ("AUTH_SERVICE_INTERNAL_URL", auth.internal_url.clone()),
            ("GMAIL_SERVICE_CREDENTIAL", credential),
            ("GMAIL_API_BASE", emulator.gmail_api_base()),
            ("QUOTA_UNITS_PER_MINUTE", "0".into()),
        ],
    )?;
    let http = reqwest::Client::builder()
        .pool_max_idle_per_host(CLIENTS)
        .build()?;
    service.wait_healthy(&http).await?;
    let jwt = auth.jwt_for(ALICE, Duration::from_secs(3600));
    let page = format!("{}{PAGE}", service.url);

    // One emulator round trip: a Gmail call answered after the configured latency.
    let mut trips = Vec::new();
    for _ in 0..20 {
        let started = Instant::now();
        let _ = http
            .get(format!("{}/gmail/v1/users/me/labels/UNREAD", emulator.url))
            .send()
            .await?
            .bytes()
            .await;
        trips.push(started.elapsed());
    }
    let round_trip = Samples::new(trips).median();
    // Warm up: the Google token, connections.
    timed(&http, &format!("{}/v1/unread-count", service.url), &jwt).await?;

    let mut out = format!(
        "## gmail-service alone: unread pages\n\nThe release gmail-service as a process, the \
         emulator and the auth-service stand-in in the bench process.\n\n```text\n\
         gmail-service benchmark (release), EMULATOR_LATENCY_MS={LATENCY_MS}\n\
         one emulator round trip: median {:.1} ms\n",
        ms(round_trip)
    );
    let mut cold = Vec::new();
    for _ in 0..COLD_RUNS {
        clear_cache(&redis_url, &prefix).await?;
        cold.push(timed(&http, &page, &jwt).await?);
    }
    out.push_str(&summary("cold page of 50", cold, round_trip));
    let mut warm = Vec::new();
    for _ in 0..WARM_RUNS {
        warm.push(timed(&http, &page, &jwt).await?);
    }
    out.push_str(&summary("warm page of 50", warm, round_trip));

    // Throughput of warm pages with an instant emulator.
    emulator
        .set_faults(serde_json::json!({ "latency_ms": 0 }))
        .map_err(|e| anyhow::anyhow!("the emulator refused the fault plan: {e}"))?;
    let deadline = Instant::now() + Duration::from_secs(LOAD_SECS);
    let http = Arc::new(http);
    let clients: Vec<_> = (0..CLIENTS)
        .map(|_| {
            let (http, page, jwt) = (http.clone(), page.clone(), jwt.clone());
            tokio::spawn(async move {
                let mut samples = Vec::new();
                while Instant::now() < deadline {
                    samples.push(timed(&http, &page, &jwt).await?);
                }
                anyhow::Ok(samples)
            })
        })
        .collect();
    let started = Instant::now();
    let mut samples = Vec::new();
    for client in clients {
        samples.extend(client.await??);
    }
    let elapsed = started.elapsed();
    let requests = samples.len();
    let samples = Samples::new(samples);
    out.push_str(&format!(
        "EMULATOR_LATENCY_MS=0, {CLIENTS} clients, warm pages of 50 for {LOAD_SECS} s: {:.0} requests/s, median {:.1} ms, p99 {:.1} ms\n",
        requests as f64 / elapsed.as_secs_f64(),
        ms(samples.median()),
        ms(samples.percentile(0.99)),
    ));
    out.push_str(&format!(
        "gmail-service peak memory (VmHWM): {:.1} MiB\n```\n\n",
        service.peak_rss_kib().unwrap_or(0) as f64 / 1024.0
    ));
    Ok(out)
}
