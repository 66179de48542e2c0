//! Several accounts in one browser (issue 16): the inbox page of a session with one account
//! beside the merged "All accounts" page of sessions with two and three, in the same run.
//!
//! | session | accounts | what a page reads |
//! | --- | --- | --- |
//! | one account | alice (large mailbox) | `/v1/session/tokens`, then one unread page and one count |
//! | two, one small | alice + bob (small) | the same, then per account in parallel one page and one count |
//! | two large | alice + `user1` (large, as alice's) | the same |
//! | three | alice + `user1` + bob | the same |
//!
//! Pages are timed one after another in turn (one of each session per round), so drift of the
//! machine falls on every row alike; the ratio column divides by the one-account row of the
//! same page. The emulator answers after 50 ms, but warm pages make no Google call (the calls
//! are counted and shown): the difference between rows is the frontend's work, not Google's.

use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};

use testkit::{load::Browser, processes::System};

use crate::stats::{Samples, ms};

const LATENCY_MS: u64 = 50;
/// Rounds of the pages (`ACCOUNTS_ROUNDS`, default 500).
fn rounds() -> usize {
    crate::env_number("ACCOUNTS_ROUNDS", 500) as usize
}

/// One browser's session and the pages timed for it.
struct Session {
    label: &'static str,
    browser: Browser,
    /// The first inbox page, and the second (its "Older" link).
    pages: [String; 2],
    samples: [Vec<Duration>; 2],
}

/// The `href` of the inbox's "Older" link (`id="older"`), made absolute.
fn older_link(frontend: &str, html: &str) -> Result<String> {
    let at = html
        .find("id=\"older\"")
        .context("the inbox page has no Older link")?;
    let start = html[..at]
        .rfind("href=\"")
        .context("Older link without href")?
        + 6;
    let end = start + html[start..].find('"').context("unterminated href")?;
    Ok(format!(
        "{frontend}{}",
        html[start..end].replace("&amp;", "&")
    ))
}

async fn session(
    system: &System,
    http: &reqwest::Client,
    label: &'static str,
    attach: &[&str],
) -> Result<Session> {
    let frontend = &system.frontend.url;
    let mut browser = Browser::new(http);
    browser.log_in(frontend).await?;
    for email in attach {
        browser.attach(frontend, email).await?;
    }
    let first = format!("{frontend}/");
    let (status, _, html) = browser.get(&first).await?;
    if status != 200 {
        bail!("{label}: the inbox answered {status}");
    }
    let rows = html.matches("<li class=\"message\"").count();
    let marked = html.matches("class=\"account-mark").count();
    if rows != 50 || attach.is_empty() == (marked > 0) {
        bail!("{label}: {rows} rows, {marked} marked by account: not the page asked for");
    }
    let second = older_link(frontend, &html)?;
    Ok(Session {
        label,
        browser,
        pages: [first, second],
        samples: [Vec::new(), Vec::new()],
    })
}

async fn time_get(browser: &mut Browser, url: &str) -> Result<Duration> {
    let started = Instant::now();
    let (status, _, _) = browser.get(url).await?;
    let took = started.elapsed();
    if status != 200 {
        bail!("GET {url}: {status}");
    }
    Ok(took)
}

pub async fn run(dir: &std::path::Path) -> Result<String> {
    // One generated account (`user1@example.com`) holds the same large mailbox as alice.
    let system = System::start(dir, 1).await?;
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()?;
    let mut sessions = vec![
        session(&system, &http, "one account (alice)", &[]).await?,
        session(
            &system,
            &http,
            "two: alice + bob (small)",
            &["bob@example.com"],
        )
        .await?,
        session(
            &system,
            &http,
            "two: alice + user1 (both large)",
            &["user1@example.com"],
        )
        .await?,
        session(
            &system,
            &http,
            "three: alice + user1 + bob",
            &["user1@example.com", "bob@example.com"],
        )
        .await?,
    ];
    // Every mirror is warm now (each session read its first page); pages read from here on
    // cost no Google call, which the emulator's count below confirms.
    system.set_latency(&http, LATENCY_MS).await?;
    system.reset_google_calls(&http).await?;
    for _ in 0..rounds() {
        for session in &mut sessions {
            for page in 0..2 {
                let url = session.pages[page].clone();
                let took = time_get(&mut session.browser, &url).await?;
                session.samples[page].push(took);
            }
        }
    }
    let parts = parts(&system, &http, &sessions).await?;
    let calls = system.google_calls(&http).await?;
    let google: u64 = calls
        .as_object()
        .map(|kinds| kinds.values().filter_map(|n| n.as_u64()).sum())
        .unwrap_or(0);
    system.set_latency(&http, 0).await?;

    let mut out = format!(
        "## Several accounts in one browser\n\n\
         The inbox page (`GET /`, warm mirrors, emulator latency {LATENCY_MS} ms, {} rounds \
         taking one of each in turn; Google calls during the rounds: {google}). Ratio: median ÷ \
         the one-account median of the same page.\n\n\
         | session | page | median | p99 | ratio |\n| --- | --- | ---: | ---: | ---: |\n",
        rounds()
    );
    let samples: Vec<[Samples; 2]> = sessions
        .iter_mut()
        .map(|s| {
            let [a, b] = std::mem::take(&mut s.samples);
            [Samples::new(a), Samples::new(b)]
        })
        .collect();
    for page in 0..2 {
        let base = samples[0][page].median().as_secs_f64();
        for (session, samples) in sessions.iter().zip(&samples) {
            let runs = &samples[page];
            out.push_str(&format!(
                "| {} | {} | {} | {} | {:.2} |\n",
                session.label,
                if page == 0 { "first" } else { "second (Older)" },
                ms(runs.median()),
                ms(runs.percentile(0.99)),
                runs.median().as_secs_f64() / base,
            ));
        }
    }
    out.push('\n');
    out.push_str(&parts);
    Ok(out)
}

/// The calls a page is made of, each timed alone (the same rounds, in turn): auth-service's
/// `/v1/session/tokens` for one and for two accounts, and one warm unread page of 50 from
/// gmail-service; their Markdown.
async fn parts(system: &System, http: &reqwest::Client, sessions: &[Session]) -> Result<String> {
    let auth = clients::AuthClient::new(http.clone(), &system.auth.url);
    let gmail = clients::GmailServiceClient::new(http.clone(), system.gmail.url.clone());
    let headers = |s: &Session| {
        clients::BrowserHeaders::new().cookie(&s.browser.jar.header_for(&format!(
            "{}{}",
            system.auth.url,
            contract::paths::auth::SESSION_TOKENS
        )))
    };
    let (one, two) = (headers(&sessions[0]), headers(&sessions[2]));
    let jwt = auth.session_tokens(&one).await?.tokens[0]
        .access_token
        .clone();
    let query = contract::gmail::UnreadQuery::new(50, None);
    let mut samples: [Vec<Duration>; 3] = Default::default();
    for _ in 0..rounds() {
        let started = Instant::now();
        auth.session_tokens(&one).await?;
        samples[0].push(started.elapsed());
        let started = Instant::now();
        auth.session_tokens(&two).await?;
        samples[1].push(started.elapsed());
        let started = Instant::now();
        gmail.unread(&jwt, &query).await?;
        samples[2].push(started.elapsed());
    }
    let mut out = String::from(
        "Its parts, each timed alone:\n\n| call | median | p99 |\n| --- | ---: | ---: |\n",
    );
    for (what, runs) in [
        "auth-service `POST /v1/session/tokens`, one account",
        "auth-service `POST /v1/session/tokens`, two accounts",
        "gmail-service `GET /v1/messages/unread?limit=50` (warm)",
    ]
    .into_iter()
    .zip(samples)
    {
        let runs = Samples::new(runs);
        out.push_str(&format!(
            "| {what} | {} | {} |\n",
            ms(runs.median()),
            ms(runs.percentile(0.99))
        ));
    }
    out.push('\n');
    Ok(out)
}
