//! Redis beyond one node (issue 13), run only when named (`cargo run -p bench --release --
//! failover`):
//!
//! - **Throughput on a Cluster beside one node**, in one run: gmail-service's warm page and the
//!   frontend's inbox at 64 connections (wrk), on a single `redis-server` and on a
//!   three-master, three-replica Cluster; the ratio cluster ÷ single.
//! - **Failover under load**, on Sentinel (one master, two replicas, three sentinels) and on the
//!   Cluster, `FAILOVER_KILLS` (default 3) kills each: while workers read inbox pages with
//!   sessions made before the kill and others log new people in, the master (Sentinel) or the
//!   master of the sessions' accounts (Cluster) is killed with SIGKILL. Reported per kill: the
//!   gap (from the kill to the end of the last answer that failed or took over 500 ms), the
//!   answers by status (5xx other than 503 must be 0; 503s carry `Retry-After`), requests that
//!   hung past 10 s, the sessions made before the kill that no longer work (must be 0: the
//!   durability setting `REDIS_DURABLE_REPLICAS=1` is on), and after recovery whether the refresh
//!   lock still single-flights (one refresh at Google for 20 concurrent pages of an account whose
//!   token expired, once the killed node is back as a replica). No service is restarted.

use std::{collections::BTreeMap, time::Duration};

use anyhow::{Result, bail};
use testkit::{
    RedisCluster, SentinelOptions, SentinelSet,
    load::{
        Browser,
        failover::{Outcome, SESSIONS, refresh_single_flight, under_load},
    },
    processes::System,
};

use crate::{
    stats::{Samples, ms, thousands},
    wrk::{self, Load},
};
/// Generated accounts at the emulator: the sessions, and one fresh account per refresh check.
const EXTRA_ACCOUNTS: usize = 100;

pub async fn run(dir: &std::path::Path, runs: usize, load_secs: Duration) -> Result<String> {
    let kills = (crate::env_number("FAILOVER_KILLS", 3).max(1) as usize).min(30);
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(testkit::load::failover::HANG)
        .pool_max_idle_per_host(64)
        .build()?;
    let mut out = String::from("## Redis beyond one node\n\n");

    // Throughput: one node beside a Cluster, in one run.
    eprintln!("  throughput on one Redis…");
    let single = {
        let system = System::start(dir, EXTRA_ACCOUNTS).await?;
        throughput(&system, &http, dir, runs, load_secs).await?
    };
    eprintln!("  throughput on a Cluster…");
    let mut cluster = RedisCluster::start(None);
    let cluster_env = vec![
        ("REDIS_CLUSTER_NODES", cluster.seeds().join(",")),
        ("REDIS_DURABLE_REPLICAS", "1".to_owned()),
    ];
    let system =
        System::start_on(dir, EXTRA_ACCOUNTS, cluster.seeds()[0].clone(), cluster_env).await?;
    let on_cluster = throughput(&system, &http, dir, runs, load_secs).await?;
    out.push_str(&format!(
        "Throughput at 64 connections, emulator latency 0 (wrk, median of {runs} runs of {} s):\n\n\
         | target | one Redis | Cluster (3 masters, 3 replicas) | cluster ÷ single |\n\
         | --- | ---: | ---: | ---: |\n",
        load_secs.as_secs()
    ));
    for ((what, one), (_, many)) in single.iter().zip(&on_cluster) {
        out.push_str(&format!(
            "| {what} | {} | {} | {:.2} |\n",
            thousands(one.round() as u64),
            thousands(many.round() as u64),
            many / one
        ));
    }

    // Failover under load: the Cluster first (its system is up), then Sentinel.
    let mut table = String::from(
        "\nFailover under load (SIGKILL of a master while 12 readers load inbox pages and 2 \
         workers log people in; `REDIS_DURABLE_REPLICAS=1`; no service restarted):\n\n\
         | mode | kill | gap | answers | other 5xx | 503 without Retry-After | hung | sessions lost | refresh single-flight |\n\
         | --- | ---: | ---: | --- | ---: | ---: | ---: | ---: | --- |\n",
    );
    let mut gaps: BTreeMap<&str, Vec<Duration>> = BTreeMap::new();
    for kill in 1..=kills {
        eprintln!("  cluster: kill {kill} of {kills}…");
        // The master of the first session's account (the emulator's generated account 1 has
        // the sub `3` followed by twenty digits of 1), and by the hash tag of all its keys.
        let victim_key = format!("{}account:{{3{:020}}}:tokens", system.prefix, 1);
        let outcome = under_load(&system.frontend.url, &http, || {
            let killed = cluster.kill_master_of(&victim_key);
            Ok(killed)
        })
        .await?;
        let mut outcome = outcome;
        cluster.wait_until_ok(Duration::from_secs(30));
        cluster.restart(outcome.killed);
        cluster.wait_until_ok(Duration::from_secs(30));
        outcome.refreshes_for_one_expiry = refresh_single_flight(
            &system.frontend.url,
            &system.emulator.url,
            &http,
            SESSIONS + kill,
        )
        .await?;
        gaps.entry("cluster").or_default().push(outcome.gap);
        table.push_str(&row(&outcome, "cluster", kill));
    }
    drop(system);
    drop(cluster);

    let mut sentinels = SentinelSet::start(SentinelOptions {
        master_name: "gu".into(),
        ..SentinelOptions::default()
    });
    let sentinel_env = vec![
        ("REDIS_SENTINELS", sentinels.sentinels().join(",")),
        ("REDIS_SENTINEL_MASTER", "gu".to_owned()),
        ("REDIS_DURABLE_REPLICAS", "1".to_owned()),
    ];
    let master_url = format!("redis://127.0.0.1:{}", sentinels.master_port());
    let system = System::start_on(dir, EXTRA_ACCOUNTS, master_url, sentinel_env).await?;
    for kill in 1..=kills {
        eprintln!("  sentinel: kill {kill} of {kills}…");
        let mut outcome =
            under_load(&system.frontend.url, &http, || Ok(sentinels.kill_master())).await?;
        sentinels.wait_for_new_master(Duration::from_secs(30));
        // Checked on the new master before the killed node comes back (see docs/redis.md).
        outcome.refreshes_for_one_expiry = refresh_single_flight(
            &system.frontend.url,
            &system.emulator.url,
            &http,
            SESSIONS + kills + kill,
        )
        .await?;
        sentinels.restart(outcome.killed);
        gaps.entry("sentinel").or_default().push(outcome.gap);
        table.push_str(&row(&outcome, "sentinel", kill));
    }
    out.push_str(&table);
    out.push_str("\nMedian gap: ");
    let medians: Vec<String> = gaps
        .into_iter()
        .map(|(mode, gaps)| format!("{mode} {}", ms(Samples::new(gaps).median())))
        .collect();
    out.push_str(&medians.join(", "));
    out.push_str(".\n\n");
    Ok(out)
}

/// Requests per second at 64 connections: gmail-service's warm page, the frontend's inbox.
async fn throughput(
    system: &System,
    http: &reqwest::Client,
    dir: &std::path::Path,
    runs: usize,
    load_secs: Duration,
) -> Result<Vec<(&'static str, f64)>> {
    system.set_latency(http, 0).await?;
    let mut browser = Browser::new(http);
    browser.log_in(&system.frontend.url).await?;
    let api_token = browser
        .api_token(&system.auth.url, &system.frontend.url)
        .await?;
    let page = system.unread_page_url();
    let inbox = format!("{}/", system.frontend.url);
    let cookie = browser.jar.header();
    let mut rates = Vec::new();
    for (what, url, header) in [
        (
            "gmail-service warm page of 50",
            page.as_str(),
            ("Authorization", format!("Bearer {api_token}")),
        ),
        ("frontend inbox", inbox.as_str(), ("Cookie", cookie.clone())),
    ] {
        let report = wrk::run_repeated(
            &Load {
                url,
                script: None,
                headers: vec![header],
                connections: 64,
                duration: load_secs,
            },
            dir,
            runs,
        )?;
        if report.errors > 0 {
            bail!("{what}: {} errors under load", report.errors);
        }
        rates.push((what, report.requests_per_sec));
    }
    Ok(rates)
}

/// One table row of an [`Outcome`].
fn row(outcome: &Outcome, mode: &str, kill: usize) -> String {
    let answers: Vec<String> = outcome
        .by_status
        .iter()
        .map(|(status, n)| {
            if *status == 0 {
                format!("no answer: {n}")
            } else {
                format!("{status}: {}", thousands(*n))
            }
        })
        .collect();
    format!(
        "| {mode} | {kill} | {} | {} | {} | {} | {} | {} of {SESSIONS} | {} |\n",
        ms(outcome.gap),
        answers.join(", "),
        outcome.other_5xx,
        outcome.unavailable_without_retry_after,
        outcome.hung,
        outcome.sessions_lost,
        if outcome.refreshes_for_one_expiry == 1 {
            "yes (1 refresh)".to_owned()
        } else {
            format!("**no ({} refreshes)**", outcome.refreshes_for_one_expiry)
        }
    )
}
