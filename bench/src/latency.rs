//! End to end with the emulator answering every Google call after 50 ms: how close each thing
//! a person does comes to the physical limit, the Google round trips that must happen one
//! after another × 50 ms.
//!
//! | what | sequential Google round trips |
//! | --- | --- |
//! | login + first inbox page (cold cache) | 3: code exchange; `messages.list`; one concurrent round of `messages.get` |
//! | cold unread page of 50 | 2: `messages.list`; one round of `messages.get` |
//! | warm unread page of 50 | 1: `messages.list` |
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
        ("gmail.labels.get", "labels"),
        ("gmail.profile", "profile"),
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
async fn measure_get(
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
        what: "login + first inbox page (frontend, cold cache)",
        runs: Samples::new(logins),
        round_trips: 3,
        google_calls: login_calls,
    });

    let (runs, calls) = measure_get(bench, &page, true, COLD_RUNS, true).await?;
    rows.push(Row {
        what: "cold unread page of 50 (API)",
        runs,
        round_trips: 2,
        google_calls: calls,
    });
    let (runs, calls) = measure_get(bench, &page, true, WARM_RUNS, false).await?;
    rows.push(Row {
        what: "warm unread page of 50 (API)",
        runs,
        round_trips: 1,
        google_calls: calls,
    });
    let inbox = format!("{}/", system.frontend.url);
    let (runs, calls) = measure_get(bench, &inbox, false, WARM_RUNS, false).await?;
    rows.push(Row {
        what: "warm inbox page (frontend)",
        runs,
        round_trips: 1,
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
        out.push_str(&format!(
            "| {} | {} | {} | {} | {} ({}) | {:.2} | {} |\n",
            row.what,
            row.runs.len(),
            ms(row.runs.median()),
            ms(row.runs.percentile(0.99)),
            row.round_trips,
            ms(limit),
            row.runs.median().as_secs_f64() / limit.as_secs_f64(),
            row.google_calls,
        ));
    }
    out.push('\n');
    Ok(out)
}
