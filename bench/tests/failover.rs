//! Failover under load (issue 13): the whole system on real `redis-server` processes (a Sentinel
//! set; a three-master Cluster) with `REDIS_DURABLE_REPLICAS=1`, twelve readers loading inbox
//! pages with sessions made before the kill and two workers logging people in, while a master
//! is killed with SIGKILL. What must hold, counted over every answer (`testkit::load::failover`,
//! the same load the benchmark's `failover` section measures): no 5xx other than 503, every 503
//! with `Retry-After`, no request held past the client's 10 s, no session made before the kill
//! lost, recovery with no service restarted, and afterwards 20 concurrent pages of an expired
//! token make exactly one refresh at Google. No speed is asserted (the benchmark reports the gap).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::Duration;

use testkit::{
    RedisCluster, SentinelOptions, SentinelSet,
    load::failover::{HANG, Outcome, SESSIONS, refresh_single_flight, under_load},
    stack::{Stack, StackOptions, spawn_stack_with},
};

async fn stack_on(redis_env: Vec<(&str, String)>) -> Stack {
    spawn_stack_with(StackOptions {
        redis_env: Some(
            redis_env
                .into_iter()
                .map(|(k, v)| (k.to_owned(), v))
                .chain([("REDIS_DURABLE_REPLICAS".to_owned(), "1".to_owned())])
                .collect(),
        ),
        // Two login workers from one address would meet the login rate limit, not the failover.
        rate_limits: false,
        emulator_extra_accounts: SESSIONS + 5,
        ..StackOptions::default()
    })
    .await
}

fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(HANG)
        .build()
        .unwrap()
}

fn check(outcome: &Outcome, refreshes: u64) {
    eprintln!("{outcome:?}");
    assert!(
        outcome.gap > Duration::ZERO,
        "the kill was not felt at all: {outcome:?}"
    );
    assert_eq!(outcome.other_5xx, 0, "5xx other than 503: {outcome:?}");
    assert_eq!(
        outcome.unavailable_without_retry_after, 0,
        "503 without Retry-After: {outcome:?}"
    );
    assert_eq!(outcome.hung, 0, "requests held past {HANG:?}: {outcome:?}");
    assert_eq!(
        outcome.sessions_lost, 0,
        "sessions made before the kill were lost: {outcome:?}"
    );
    assert_eq!(
        outcome.by_status.get(&0).copied().unwrap_or(0),
        0,
        "requests with no answer: {outcome:?}"
    );
    assert_eq!(refreshes, 1, "the refresh lock did not single-flight");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_sentinel_failover_under_load() {
    let mut sentinels = SentinelSet::start(SentinelOptions {
        master_name: "gu".into(),
        ..SentinelOptions::default()
    });
    let stack = stack_on(vec![
        ("REDIS_SENTINELS", sentinels.sentinels().join(",")),
        ("REDIS_SENTINEL_MASTER", "gu".into()),
    ])
    .await;
    let http = client();
    let outcome = under_load(&stack.base, &http, || Ok(sentinels.kill_master()))
        .await
        .unwrap();
    tokio::task::block_in_place(|| {
        sentinels.wait_for_new_master(Duration::from_secs(30));
        sentinels.restart(outcome.killed);
    });
    let refreshes = refresh_single_flight(&stack.base, &stack.emulator.url, &http, SESSIONS + 1)
        .await
        .unwrap();
    check(&outcome, refreshes);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cluster_master_lost_under_load() {
    let mut cluster = RedisCluster::start(None);
    let stack = stack_on(vec![("REDIS_CLUSTER_NODES", cluster.seeds().join(","))]).await;
    let prefix = stack.shared_env.get("REDIS_KEY_PREFIX").unwrap().to_owned();
    // The master of the first session's account (generated account 1: sub `3` and twenty
    // digits of 1), and by the hash tag of all that account's keys.
    let victim = format!("{prefix}account:{{3{:020}}}:tokens", 1);
    let http = client();
    let outcome = under_load(&stack.base, &http, || Ok(cluster.kill_master_of(&victim)))
        .await
        .unwrap();
    tokio::task::block_in_place(|| {
        cluster.wait_until_ok(Duration::from_secs(30));
        cluster.restart(outcome.killed);
        cluster.wait_until_ok(Duration::from_secs(30));
    });
    let refreshes = refresh_single_flight(&stack.base, &stack.emulator.url, &http, SESSIONS + 1)
        .await
        .unwrap();
    check(&outcome, refreshes);
}
