//! Benchmark (not a test): how fast pages of unread mail are, against the Google emulator.
//!
//! ```text
//! cargo bench -p gmail-service --bench unread_pages
//! ```
//!
//! Runs the release `gmail-service` binary as its own process (so its memory is its own), with
//! the Google emulator and the auth-service stand-in in this process and the Redis of
//! `REDIS_URL` (else a throw-away `redis-server`). Prints:
//! - with `EMULATOR_LATENCY_MS=50`: median and p99 of a cold page of 50 (cache emptied before
//!   each) and of a warm page of 50, and their ratio to one emulator round trip;
//! - with latency 0: warm pages per second and p99 at 64 concurrent clients;
//! - the service's peak resident memory (VmHWM).
//!
//! The service's own quota budget is switched off (`QUOTA_UNITS_PER_MINUTE=0`), as is the
//! emulator's: the point is the service's speed, not Gmail's 15,000 units a minute.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::print_stdout)]

#[path = "../tests/api/auth_stand_in.rs"]
mod auth_stand_in;

use std::{
    process::{Child, Command, Stdio},
    sync::Arc,
    time::{Duration, Instant},
};

use common::testing;
use google_emulator::EmulatorConfig;

const PAGE: &str = "/v1/messages/unread?limit=50";
const LATENCY_MS: u64 = 50;
const COLD_RUNS: usize = 30;
const WARM_RUNS: usize = 200;
const CLIENTS: usize = 64;
const LOAD_SECS: u64 = 10;

struct Service {
    child: Child,
    url: String,
}

impl Drop for Service {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let index = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[index.min(sorted.len() - 1)]
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

fn peak_rss_kib(pid: u32) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()
        .and_then(|status| {
            status
                .lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|v| v.parse().ok())
        })
        .unwrap_or(0)
}

async fn clear_cache(redis_url: &str, prefix: &str) {
    let client = redis::Client::open(redis_url).unwrap();
    let mut connection = client.get_multiplexed_async_connection().await.unwrap();
    let keys: Vec<String> = redis::cmd("KEYS")
        .arg(format!("{prefix}msg:*"))
        .query_async(&mut connection)
        .await
        .unwrap();
    if !keys.is_empty() {
        let _: () = redis::cmd("DEL")
            .arg(&keys)
            .query_async(&mut connection)
            .await
            .unwrap();
    }
}

async fn timed(http: &reqwest::Client, url: &str, jwt: &str) -> Duration {
    let started = Instant::now();
    let response = http.get(url).bearer_auth(jwt).send().await.unwrap();
    assert_eq!(response.status(), 200, "{url}");
    let _ = response.bytes().await.unwrap();
    started.elapsed()
}

fn summary(name: &str, mut samples: Vec<Duration>, round_trip: Duration) {
    samples.sort();
    let median = percentile(&samples, 0.5);
    let p99 = percentile(&samples, 0.99);
    println!(
        "{name:<22} median {:>7.1} ms  p99 {:>7.1} ms  median/round trip {:>5.2}  ({} runs)",
        ms(median),
        ms(p99),
        median.as_secs_f64() / round_trip.as_secs_f64(),
        samples.len()
    );
}

#[tokio::main]
async fn main() {
    let mut config = EmulatorConfig::for_tests(&[auth_stand_in::REDIRECT]);
    config.faults.latency_ms = LATENCY_MS;
    config.quota_units_per_minute = 0;
    let emulator = google_emulator::spawn(config).await.unwrap();
    let auth = auth_stand_in::AuthStandIn::start(&emulator.url);
    let redis_url = testing::redis_url();
    let prefix = testing::unique_prefix();
    let port = testing::free_port();
    let child = Command::new(env!("CARGO_BIN_EXE_gmail-service"))
        .env_clear()
        .env("LISTEN_ADDR", format!("127.0.0.1:{port}"))
        .env("REDIS_URL", &redis_url)
        .env("REDIS_KEY_PREFIX", &prefix)
        .env("AUTH_SERVICE_URL", &auth.url)
        .env("AUTH_SERVICE_INTERNAL_URL", &auth.internal_url)
        .env(
            "GMAIL_SERVICE_CREDENTIAL",
            auth.credential().expect("a fixed credential"),
        )
        .env(
            "GMAIL_API_BASE",
            format!("{}/gmail/v1/users/me", emulator.url),
        )
        .env("QUOTA_UNITS_PER_MINUTE", "0")
        .env("RUST_LOG", "warn")
        .stdout(Stdio::null())
        .spawn()
        .unwrap();
    let service = Service {
        child,
        url: format!("http://127.0.0.1:{port}"),
    };
    let http = reqwest::Client::builder()
        .pool_max_idle_per_host(CLIENTS)
        .build()
        .unwrap();
    for _ in 0..100 {
        if http
            .get(format!("{}/healthz", service.url))
            .send()
            .await
            .is_ok()
        {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let jwt = auth.jwt_for(auth_stand_in::ALICE, Duration::from_secs(3600));
    let page = format!("{}{PAGE}", service.url);

    // One emulator round trip: a Gmail call answered after the configured latency.
    let mut trips = Vec::new();
    for _ in 0..20 {
        let started = Instant::now();
        let _ = http
            .get(format!("{}/gmail/v1/users/me/labels/UNREAD", emulator.url))
            .send()
            .await
            .unwrap()
            .bytes()
            .await;
        trips.push(started.elapsed());
    }
    trips.sort();
    let round_trip = percentile(&trips, 0.5);
    // Warm up: the Google token, connections.
    timed(&http, &format!("{}/v1/unread-count", service.url), &jwt).await;

    println!("gmail-service benchmark (release), EMULATOR_LATENCY_MS={LATENCY_MS}");
    println!("one emulator round trip: median {:.1} ms", ms(round_trip));
    let mut cold = Vec::new();
    for _ in 0..COLD_RUNS {
        clear_cache(&redis_url, &prefix).await;
        cold.push(timed(&http, &page, &jwt).await);
    }
    summary("cold page of 50", cold, round_trip);
    let mut warm = Vec::new();
    for _ in 0..WARM_RUNS {
        warm.push(timed(&http, &page, &jwt).await);
    }
    summary("warm page of 50", warm, round_trip);

    // Throughput of warm pages with an instant emulator.
    let response = http
        .put(format!("{}/emulator/faults", emulator.url))
        .json(&serde_json::json!({ "latency_ms": 0 }))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let deadline = Instant::now() + Duration::from_secs(LOAD_SECS);
    let http = Arc::new(http);
    let clients: Vec<_> = (0..CLIENTS)
        .map(|_| {
            let (http, page, jwt) = (http.clone(), page.clone(), jwt.clone());
            tokio::spawn(async move {
                let mut samples = Vec::new();
                while Instant::now() < deadline {
                    samples.push(timed(&http, &page, &jwt).await);
                }
                samples
            })
        })
        .collect();
    let started = Instant::now();
    let mut samples = Vec::new();
    for client in clients {
        samples.extend(client.await.unwrap());
    }
    let elapsed = started.elapsed();
    samples.sort();
    println!(
        "EMULATOR_LATENCY_MS=0, {CLIENTS} clients, warm pages of 50 for {LOAD_SECS} s: {:.0} requests/s, median {:.1} ms, p99 {:.1} ms",
        samples.len() as f64 / elapsed.as_secs_f64(),
        ms(percentile(&samples, 0.5)),
        ms(percentile(&samples, 0.99)),
    );
    println!(
        "gmail-service peak memory (VmHWM): {:.1} MiB",
        peak_rss_kib(service.child.id()) as f64 / 1024.0
    );
}
