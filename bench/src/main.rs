//! The benchmark of the whole system (issue 7): one command, Markdown tables on stdout.
//!
//! ```text
//! cargo run -p bench --release
//! ```
//!
//! Runs the release binaries of the workspace as separate processes on loopback ports (brought up
//! to date first), with the Redis of `REDIS_URL` or a throw-away `redis-server`, and
//! measures:
//! - end to end with the emulator at 50 ms per Google answer ([`latency`]): a full login and
//!   the first inbox page, cold and warm unread pages of 50, opening one message; median, p99
//!   and the ratio to the physical limit (unavoidable sequential Google round trips × 50 ms);
//! - throughput at latency 0 with `wrk` ([`throughput`]): gmail-service's warm page,
//!   auth-service's session → JWT, the frontend's inbox at 1, 16, 64 and 256 connections, and
//!   each service's peak RSS;
//! - the cost of growth ([`growth`]): the warm page with 10, 100 and 1,000 accounts in Redis,
//!   and Redis memory per account.
//!
//! Arguments choose sections (`cargo run -p bench --release -- growth throughput`); none means
//! those three. Two more sections are run only when named: `failover` ([`failover`]: Redis
//! Sentinel and Cluster, throughput beside one node and failovers under load), and `gmail-pages` ([`gmail_pages`]),
//! gmail-service alone as a process against the emulator and the auth-service stand-in (cold
//! and warm pages of 50, throughput at 64 clients, its peak memory); `live`, `push` and
//! `streams` ([`live`]: the live inbox, Gmail push, idle event streams); `attachments`
//! ([`attachments`]: a 20 MB download and gmail-service's memory); `accounts` ([`accounts`]: the
//! merged inbox of two and three accounts beside one account's). The system is started from
//! the test kit (`testkit::processes`). `BENCH_SECS` (default 5) sets the length of each wrk run, `BENCH_RUNS` (default 3)
//! how many runs each table row is the median of. Service logs go to
//! `target/release/bench-logs/`; nothing is written to the repository.

mod accounts;
mod attachments;
mod failover;
mod gmail_pages;
mod growth;
mod latency;
mod live;
mod stats;
mod throughput;
mod wrk;

use std::{io::Write, time::Duration};

use anyhow::{Context, Result};

use testkit::processes::{self as system, System};

use testkit::load::Browser;

/// What every scenario needs: the system, an HTTP client, a logged-in person and their tokens.
pub struct Bench {
    pub system: System,
    pub http: reqwest::Client,
    /// The person's session cookies (frontend and auth-service).
    pub browser: Browser,
    /// A one-hour API token (bearer for gmail-service).
    pub api_token: String,
    /// A message of the first unread page.
    pub message_id: String,
    /// Length of each wrk run.
    pub load_secs: Duration,
    /// wrk runs per table row (their median is shown).
    pub runs: usize,
    /// Where wrk's POST script goes.
    pub scratch: std::path::PathBuf,
}

impl Bench {
    /// `Authorization: Bearer …` for gmail-service.
    pub fn bearer(&self) -> (&'static str, String) {
        ("Authorization", format!("Bearer {}", self.api_token))
    }

    /// `Cookie: …` of the logged-in person.
    pub fn cookie(&self) -> (&'static str, String) {
        ("Cookie", self.browser.jar.header())
    }
}

/// The whole number in environment variable `name`, or `default` when unset or not a number.
pub(crate) fn env_number(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(default)
}

/// Which parts of the benchmark to run.
struct Sections {
    latency: bool,
    throughput: bool,
    growth: bool,
    /// gmail-service alone (only when named).
    gmail_pages: bool,
    /// Sentinel and Cluster: throughput beside one node, failover under load (only when named).
    failover: bool,
    /// The live inbox: mirror throughput, freshness, quota, idle streams (only when named).
    live: bool,
    /// Freshness with Gmail push (only when named).
    push: bool,
    /// Idle event streams and their memory, over HTTP/1.1 and HTTP/2 (only when named).
    streams: bool,
    /// A 20 MB attachment's download and gmail-service's memory (only when named).
    attachments: bool,
    /// The merged inbox of two and three accounts beside one account's (only when named).
    accounts: bool,
}

impl Sections {
    fn from_args(args: impl Iterator<Item = String>) -> Result<Self> {
        let args: Vec<String> = args.collect();
        let all = args.is_empty();
        for arg in &args {
            if ![
                "latency",
                "throughput",
                "growth",
                "gmail-pages",
                "failover",
                "live",
                "push",
                "streams",
                "attachments",
                "accounts",
            ]
            .contains(&arg.as_str())
            {
                anyhow::bail!(
                    "unknown section {arg:?}; choose from latency, throughput, growth, gmail-pages, failover, live, push, streams, attachments, accounts"
                );
            }
        }
        let has = |name: &str| all || args.iter().any(|a| a == name);
        Ok(Self {
            latency: has("latency"),
            throughput: has("throughput"),
            growth: has("growth"),
            gmail_pages: args.iter().any(|a| a == "gmail-pages"),
            failover: args.iter().any(|a| a == "failover"),
            live: args.iter().any(|a| a == "live"),
            push: args.iter().any(|a| a == "push"),
            streams: args.iter().any(|a| a == "streams"),
            attachments: args.iter().any(|a| a == "attachments"),
            accounts: args.iter().any(|a| a == "accounts"),
        })
    }

    /// Whether a section of the whole system is asked for.
    fn whole_system(&self) -> bool {
        self.latency || self.throughput || self.growth
    }
}

#[tokio::main]
async fn main() -> Result<()> {
    let sections = Sections::from_args(std::env::args().skip(1))?;
    let dir = system::binary_dir()?;
    system::ensure_binaries(&dir)?;
    let mut out = String::new();
    if sections.gmail_pages {
        eprintln!("gmail-service alone, against the emulator…");
        out.push_str(&gmail_pages::run(&dir).await?);
    }
    if sections.whole_system() {
        out.push_str(&whole_system(&sections, &dir).await?);
    }
    if sections.failover {
        wrk::ensure_installed()?;
        eprintln!("Redis beyond one node: Cluster throughput, failovers under load…");
        let runs = env_number("BENCH_RUNS", 3) as usize;
        let load_secs = Duration::from_secs(env_number("BENCH_SECS", 5));
        out.push_str(&failover::run(&dir, runs, load_secs).await?);
    }
    if sections.live {
        wrk::ensure_installed()?;
        eprintln!("the live inbox: mirror throughput, freshness, quota, idle streams…");
        let runs = env_number("BENCH_RUNS", 3) as usize;
        let load_secs = Duration::from_secs(env_number("BENCH_SECS", 5));
        out.push_str(&live::run(&dir, runs, load_secs).await?);
    }
    if sections.push {
        eprintln!("the live inbox with Gmail push: freshness…");
        let runs = env_number("BENCH_RUNS", 3) as usize;
        out.push_str(&live::push(&dir, runs).await?);
    }
    if sections.streams {
        eprintln!("idle event streams and their memory…");
        out.push_str(&live::streams(&dir).await?);
    }
    if sections.attachments {
        eprintln!("a 20 MB attachment and gmail-service's memory…");
        let runs = env_number("BENCH_RUNS", 3) as usize;
        out.push_str(&attachments::run(&dir, runs).await?);
    }
    if sections.accounts {
        eprintln!("several accounts in one browser: the merged inbox…");
        out.push_str(&accounts::run(&dir).await?);
    }
    let mut stdout = std::io::stdout().lock();
    stdout.write_all(out.as_bytes())?;
    stdout.flush()?;
    Ok(())
}

/// The latency, throughput and growth sections asked for; their Markdown.
async fn whole_system(sections: &Sections, dir: &std::path::Path) -> Result<String> {
    wrk::ensure_installed()?;
    let runs = env_number("BENCH_RUNS", 3) as usize;
    let load_secs = Duration::from_secs(env_number("BENCH_SECS", 5));

    eprintln!(
        "starting the system (release binaries in {})…",
        dir.display()
    );
    let system = System::start(dir, growth::EXTRA_ACCOUNTS).await?;
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .pool_max_idle_per_host(64)
        .build()?;
    let mut browser = Browser::new(&http);
    browser.log_in(&system.frontend.url).await?;
    let api_token = browser
        .api_token(&system.auth.url, &system.frontend.url)
        .await?;
    let page = clients::GmailServiceClient::new(http.clone(), system.gmail.url.clone())
        .unread(&api_token, &contract::gmail::UnreadQuery::new(50, None))
        .await
        .context("GET /v1/messages/unread")?;
    let message_id = page
        .messages
        .first()
        .context("the demo mailbox has no unread message")?
        .id
        .clone();
    let bench = Bench {
        system,
        http,
        browser,
        api_token,
        message_id,
        load_secs,
        runs,
        scratch: dir.to_path_buf(),
    };

    let mut out = String::new();
    out.push_str(&format!(
        "# gmail-unread benchmark\n\n{} cores; release binaries as processes; Redis {}; each wrk \
         row is the median of {runs} runs of {} s.\n\n",
        std::thread::available_parallelism().map_or(0, |n| n.get()),
        bench.system.redis_url,
        load_secs.as_secs()
    ));
    if sections.latency {
        eprintln!("end to end at 50 ms per Google answer…");
        out.push_str(&latency::run(&bench).await?);
    }
    if sections.throughput {
        eprintln!("throughput at latency 0…");
        out.push_str(&throughput::run(&bench).await?);
    }
    if sections.growth {
        eprintln!("cost of growth…");
        out.push_str(&growth::run(&bench).await?);
    }
    Ok(out)
}
