//! The cost of growth: the same warm page (wrk, 64 connections, latency 0) spread over 1, 10,
//! 100 and 1,000 distinct accounts, then one account's page with all 1,000 in Redis; and Redis
//! memory per account.
//!
//! The accounts are real: the emulator runs with generated accounts (`EMULATOR_EXTRA_ACCOUNTS`,
//! `user1@example.com` …), and each one logs in through the frontend like a person (PKCE,
//! code exchange, encrypted Google tokens and a session in Redis), takes an API token and reads
//! its first unread page once, which fills its message cache. wrk then gives each request the
//! next account's bearer token in turn, so every account's tokens and cache are read. At the end
//! every key of the benchmark's prefix is deleted.

use anyhow::{Context, Result, bail};
use futures_util::{StreamExt as _, TryStreamExt as _, stream};

use testkit::load::Browser;

use crate::{
    Bench,
    stats::thousands,
    wrk::{self, Load},
};

/// Each run: accounts logged in (the benchmark's own, alice, and generated ones), and how many
/// of them the requests rotate through. The last run separates the two costs of growth: a
/// larger Redis, and requests spread over more accounts.
const RUNS: [(usize, usize); 5] = [(1, 1), (10, 10), (100, 100), (1_000, 1_000), (1_000, 1)];

/// Generated accounts the emulator needs: all but the benchmark's own.
pub const EXTRA_ACCOUNTS: usize = 999;

/// Redis memory per account is the growth of `used_memory` between these numbers of accounts.
const MEMORY_FROM: usize = 10;
const MEMORY_TO: usize = 1_000;

/// Logins running at once while accounts are added.
const LOGIN_CONCURRENCY: usize = 8;

async fn used_memory(redis: &mut redis::aio::MultiplexedConnection) -> Result<u64> {
    let info: String = redis::cmd("INFO").arg("memory").query_async(redis).await?;
    info.lines()
        .find_map(|l| l.strip_prefix("used_memory:"))
        .and_then(|v| v.trim().parse().ok())
        .context("INFO memory has no used_memory")
}

/// Keys under the benchmark's prefix matching `pattern` (KEYS: the benchmark's Redis is idle).
async fn keys(
    redis: &mut redis::aio::MultiplexedConnection,
    prefix: &str,
    pattern: &str,
) -> Result<Vec<String>> {
    Ok(redis::cmd("KEYS")
        .arg(format!("{prefix}{pattern}"))
        .query_async(redis)
        .await?)
}

/// Logs in generated account `n`, takes an API token and reads the first page once (filling the
/// message cache). Returns the API token.
async fn add_account(bench: &Bench, n: usize) -> Result<String> {
    let system = &bench.system;
    let email = google_emulator::accounts::extra_account_email(n);
    let mut browser = Browser::new(&bench.http);
    browser
        .log_in_as(&system.frontend.url, Some(&email))
        .await
        .with_context(|| format!("login of {email}"))?;
    let token = browser
        .api_token(&system.auth.url, &system.frontend.url)
        .await?;
    clients::GmailServiceClient::new(bench.http.clone(), system.gmail.url.clone())
        .unread(&token, &contract::gmail::UnreadQuery::new(50, None))
        .await
        .with_context(|| format!("first page of {email}"))?;
    Ok(token)
}

pub async fn run(bench: &Bench) -> Result<String> {
    let system = &bench.system;
    system.set_latency(&bench.http, 0).await?;
    let mut redis = system.redis().await?;
    let page = system.unread_page_url();

    let mut out = String::from(
        "## Cost of growth (warm page of 50, 64 connections, latency 0)\n\n\
         Each account logged in through the frontend and read its first page; wrk's requests \
         take the API tokens of the requesting accounts in turn.\n\n\
         | logged in | requesting | requests/s | ÷ first row | p50 | p99 | errors (all runs) | Redis keys | Redis used_memory |\n\
         | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |\n",
    );
    let mut tokens = vec![bench.api_token.clone()];
    // `used_memory` at MEMORY_FROM and MEMORY_TO accounts logged in.
    let (mut memory_from, mut memory_to) = (None, None);
    let mut single = None;
    for (target, requesting) in RUNS {
        let new: Vec<String> = stream::iter(tokens.len()..target)
            .map(|n| add_account(bench, n))
            .buffered(LOGIN_CONCURRENCY)
            .try_collect()
            .await?;
        tokens.extend(new);
        // Every account is its own: one encrypted token set each in Redis.
        let logged_in = keys(&mut redis, &system.prefix, "account:*:tokens")
            .await?
            .len();
        if logged_in != target {
            bail!("{target} accounts should be logged in, Redis holds {logged_in} token sets");
        }
        let all_keys = keys(&mut redis, &system.prefix, "*").await?.len();
        let used = used_memory(&mut redis).await?;
        if target == MEMORY_FROM {
            memory_from.get_or_insert(used);
        }
        if target == MEMORY_TO {
            memory_to.get_or_insert(used);
        }
        eprintln!("  {target} accounts logged in, {requesting} requesting…");
        let report = wrk::run_repeated(
            &Load {
                url: &page,
                script: Some(wrk::rotating_bearers(&tokens[..requesting])),
                headers: Vec::new(),
                connections: 64,
                duration: bench.load_secs,
            },
            &bench.scratch,
            bench.runs,
        )?;
        let baseline = *single.get_or_insert(report.requests_per_sec);
        out.push_str(&format!(
            "| {} | {} | {} | {:.2} | {:.2} ms | {:.2} ms | {} | {} | {:.1} MiB |\n",
            thousands(logged_in as u64),
            thousands(requesting as u64),
            thousands(report.requests_per_sec.round() as u64),
            report.requests_per_sec / baseline,
            report.p50_ms,
            report.p99_ms,
            report.errors,
            thousands(all_keys as u64),
            used as f64 / (1024.0 * 1024.0),
        ));
    }
    if let (Some(from), Some(to)) = (memory_from, memory_to) {
        let per_account = to.saturating_sub(from) as f64 / (MEMORY_TO - MEMORY_FROM) as f64;
        out.push_str(&format!(
            "\nRedis memory per account: **{:.1} KiB** (growth of `used_memory` from {} to {} \
             accounts, divided by the accounts added).\n\n",
            per_account / 1024.0,
            thousands(MEMORY_FROM as u64),
            thousands(MEMORY_TO as u64),
        ));
    }

    // Leave the Redis as it was.
    for chunk in keys(&mut redis, &system.prefix, "*").await?.chunks(1_000) {
        let () = redis::cmd("DEL").arg(chunk).query_async(&mut redis).await?;
    }
    Ok(out)
}
