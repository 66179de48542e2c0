//! End to end with the emulator answering every Google call after 50 ms: how close each thing
//! a person does comes to the physical limit, the Google round trips that must happen one
//! after another × 50 ms.
//!
//! | what | sequential Google round trips |
//! | --- | --- |
//! | login + first inbox page (no mirror yet) | 3 + ⌈n ÷ c⌉: code exchange; `getProfile`; `messages.list`; the n unread messages read c at a time (`GMAIL_GET_CONCURRENCY`) |
//! | cold unread page (no mirror yet) | 2 + ⌈n ÷ c⌉, with c = 10 (the default, within Gmail's concurrent requests per user) and c = 100 (another gmail-service of the same system) |
//! | stale unread page (`SYNC_MAX_AGE_SECS=0`: a sync before every page, as every page cost a Google round trip before the mirror) | 1: `history.list` |
//! | warm unread page and inbox page (fresh mirror) | 0 |
//! | opening one message (API or page) | 1: `messages.get format=full` |
//!
//! The consent page itself is not delayed (the emulator adds latency to token and Gmail
//! answers); the Google calls each run really made are counted at the emulator and shown.

use std::time::{Duration, Instant};

use anyhow::{Result, bail};

use testkit::load::Browser;

use crate::{
    Bench,
    stats::{Samples, ms},
};

const LATENCY_MS: u64 = 50;
const LOGIN_RUNS: usize = 20;
const COLD_RUNS: usize = 30;
const WARM_RUNS: usize = 200;
const MESSAGE_RUNS: usize = 100;

struct Row {
    what: &'static str,
    runs: Samples,
    round_trips: u32,
    google_calls: String,
}

/// Google calls of one run, as the emulator counted them: `token 1, list 1, get 50`.
async fn calls_of_one_run(bench: &Bench) -> Result<String> {
    let calls = bench.system.google_calls(&bench.http).await?;
    let mut parts = Vec::new();
    for (kind, label) in [
        ("token.authorization_code", "token"),
        ("token.refresh_token", "refresh"),
        ("userinfo", "userinfo"),
        ("gmail.messages.list", "list"),
        ("gmail.messages.get", "get"),
        ("gmail.profile", "profile"),
        ("gmail.history.list", "history"),
    ] {
        if let Some(n) = calls[kind].as_u64().filter(|n| *n > 0) {
            parts.push(format!("{label} {n}"));
        }
    }
    Ok(parts.join(", "))
}

async fn get_ok(bench: &Bench, url: &str, bearer: bool) -> Result<()> {
    let mut request = bench.http.get(url);
    if bearer {
        request = request.bearer_auth(&bench.api_token);
    } else {
        request = request.header("cookie", bench.browser.jar.header());
    }
    let response = request.send().await?;
    let status = response.status();
    response.bytes().await?;
    if !status.is_success() {
        bail!("GET {url}: {status}");
    }
    Ok(())
}

/// Times `runs` runs of a GET; before each, `prepare` (e.g. emptying the cache). The Google
/// calls of the first run are returned too.
pub(crate) async fn measure_get(
    bench: &Bench,
    url: &str,
    bearer: bool,
    runs: usize,
    cold: bool,
) -> Result<(Samples, String)> {
    let mut samples = Vec::with_capacity(runs);
    let mut first_calls = String::new();
    for run in 0..runs {
        if cold {
            bench.system.clear_mirrors().await?;
        }
        bench.system.reset_google_calls(&bench.http).await?;
        let started = Instant::now();
        get_ok(bench, url, bearer).await?;
        samples.push(started.elapsed());
        if run == 0 {
            first_calls = calls_of_one_run(bench).await?;
        }
    }
    Ok((Samples::new(samples), first_calls))
}

pub async fn run(bench: &Bench) -> Result<String> {
    let system = &bench.system;
    system.set_latency(&bench.http, LATENCY_MS).await?;
    let page = system.unread_page_url();
    let mut rows = Vec::new();
    // How many unread messages a full sync reads.
    let unread: u32 = {
        let answer: serde_json::Value = bench
            .http
            .get(&page)
            .bearer_auth(&bench.api_token)
            .send()
            .await?
            .json()
            .await?;
        u32::try_from(answer["result_size_estimate"].as_u64().unwrap_or(0)).unwrap_or(u32::MAX)
    };

    // A whole login, browser-less, following redirects, ending on the first inbox page.
    let mut logins = Vec::with_capacity(LOGIN_RUNS);
    let mut login_calls = String::new();
    for run in 0..LOGIN_RUNS {
        system.clear_mirrors().await?;
        system.reset_google_calls(&bench.http).await?;
        let mut browser = Browser::new(&bench.http);
        let started = Instant::now();
        browser.log_in(&system.frontend.url).await?;
        logins.push(started.elapsed());
        if run == 0 {
            login_calls = calls_of_one_run(bench).await?;
        }
    }
    rows.push(Row {
        what: "login + first inbox page (frontend, no mirror yet)",
        runs: Samples::new(logins),
        round_trips: 3 + unread.div_ceil(10),
        google_calls: login_calls,
    });

    let (runs, calls) = measure_get(bench, &page, true, COLD_RUNS, true).await?;
    rows.push(Row {
        what: "cold unread page of 50 (API, GMAIL_GET_CONCURRENCY 10)",
        runs,
        round_trips: 2 + unread.div_ceil(10),
        google_calls: calls,
    });
    let wide = system
        .spawn_gmail_replica(&[
            ("GMAIL_GET_CONCURRENCY", "100".to_owned()),
            ("GMAIL_MAX_CONCURRENT_PER_ACCOUNT", "100".to_owned()),
        ])
        .await?;
    let wide_page = page.replacen(&system.gmail.url, &wide.url, 1);
    let (runs, calls) = measure_get(bench, &wide_page, true, COLD_RUNS, true).await?;
    rows.push(Row {
        what: "cold unread page of 50 (API, GMAIL_GET_CONCURRENCY 100)",
        runs,
        round_trips: 2 + unread.div_ceil(100),
        google_calls: calls,
    });
    drop(wide);
    let stale = system
        .spawn_gmail_replica(&[("SYNC_MAX_AGE_SECS", "0".to_owned())])
        .await?;
    let stale_page = page.replacen(&system.gmail.url, &stale.url, 1);
    let (runs, calls) = measure_get(bench, &stale_page, true, WARM_RUNS, false).await?;
    rows.push(Row {
        what: "stale unread page of 50 (API, SYNC_MAX_AGE_SECS 0: one Google call per page)",
        runs,
        round_trips: 1,
        google_calls: calls,
    });
    drop(stale);
    let (runs, calls) = measure_get(bench, &page, true, WARM_RUNS, false).await?;
    rows.push(Row {
        what: "warm unread page of 50 (API, fresh mirror)",
        runs,
        round_trips: 0,
        google_calls: calls,
    });
    let inbox = format!("{}/", system.frontend.url);
    let (runs, calls) = measure_get(bench, &inbox, false, WARM_RUNS, false).await?;
    rows.push(Row {
        what: "warm inbox page (frontend, fresh mirror)",
        runs,
        round_trips: 0,
        google_calls: calls,
    });
    let message = format!(
        "{}{}",
        system.gmail.url,
        contract::paths::gmail::message(&bench.message_id)
    );
    let (runs, calls) = measure_get(bench, &message, true, MESSAGE_RUNS, false).await?;
    rows.push(Row {
        what: "open one message (API)",
        runs,
        round_trips: 1,
        google_calls: calls,
    });
    let message_page = format!("{}/messages/{}", system.frontend.url, bench.message_id);
    let (runs, calls) = measure_get(bench, &message_page, false, MESSAGE_RUNS, false).await?;
    rows.push(Row {
        what: "open one message (frontend page)",
        runs,
        round_trips: 1,
        google_calls: calls,
    });
    system.set_latency(&bench.http, 0).await?;

    let mut out = format!(
        "## End to end, emulator latency {LATENCY_MS} ms\n\n\
         | what | runs | median | p99 | Google round trips (limit) | median ÷ limit | Google calls of one run |\n\
         | --- | ---: | ---: | ---: | --- | ---: | --- |\n"
    );
    for row in rows {
        let limit = Duration::from_millis(LATENCY_MS * u64::from(row.round_trips));
        let ratio = if limit.is_zero() {
            "—".to_owned()
        } else {
            format!(
                "{:.2}",
                row.runs.median().as_secs_f64() / limit.as_secs_f64()
            )
        };
        out.push_str(&format!(
            "| {} | {} | {} | {} | {} ({}) | {} | {} |\n",
            row.what,
            row.runs.len(),
            ms(row.runs.median()),
            ms(row.runs.percentile(0.99)),
            row.round_trips,
            ms(limit),
            ratio,
            if row.google_calls.is_empty() {
                "none"
            } else {
                &row.google_calls
            },
        ));
    }
    out.push('\n');
    Ok(out)
}
