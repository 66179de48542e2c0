//! The whole system on Redis as production runs it, against real `redis-server` processes the
//! tests start (test kit: `TlsRedis`, `SentinelSet`, `RedisCluster`, certificates from rcgen):
//! a login, the inbox and a token refresh over TLS (also with client certificates), on a
//! three-master Cluster (also over TLS), and through Sentinel across a failover, where the
//! services follow the new master by themselves and the session made before the kill survives
//! (`REDIS_DURABLE_REPLICAS=1`). A certificate for another host name is refused with a clear
//! readiness answer, never silently accepted.

use std::time::{Duration, Instant};

use testkit::{
    RedisCluster, SentinelOptions, SentinelSet, TestCertificates, TlsOptions, TlsRedis,
    auth::ALICE_SUB,
};

use crate::stack::{Browser, Stack, StackOptions, spawn_stack_with};

fn vars(pairs: &[(&str, String)]) -> Option<Vec<(String, String)>> {
    Some(
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), v.clone()))
            .collect(),
    )
}

async fn stack_on(redis_env: Option<Vec<(String, String)>>) -> Stack {
    spawn_stack_with(StackOptions {
        redis_env,
        ..StackOptions::default()
    })
    .await
}

fn path(p: &std::path::Path) -> String {
    p.to_string_lossy().into_owned()
}

/// The inbox status and body for `browser`.
async fn inbox(stack: &Stack, browser: &mut Browser) -> (u16, String) {
    let (page, _) = browser.get(&format!("{}/", stack.base)).await;
    let status = page.status().as_u16();
    (status, page.text().await.unwrap())
}

/// Login, the inbox, and a refresh of the expired Google token: the whole use of Redis.
async fn login_inbox_and_refresh(stack: &Stack) -> Browser {
    let mut browser = Browser::new();
    let page = stack.login(&mut browser).await;
    assert!(page.contains("Unread"), "no inbox after login: {page}");
    let refreshes = stack.emulator.count("token.refresh_token");
    stack
        .emulator
        .state
        .with_store(|s| s.expire_access_tokens());
    let (status, page) = inbox(stack, &mut browser).await;
    assert_eq!(status, 200, "after the refresh: {page}");
    assert!(page.contains("Unread"));
    assert_eq!(
        stack.emulator.count("token.refresh_token"),
        refreshes + 1,
        "the expired token was not refreshed"
    );
    browser
}

/// A new login and its inbox (no forced refresh: a second one within auth-service's
/// forced-refresh cooldown is refused by design).
async fn login_and_inbox(stack: &Stack) {
    let mut browser = Browser::new();
    let page = stack.login(&mut browser).await;
    assert!(page.contains("Unread"), "no inbox after login: {page}");
}

/// `GET <service>/readyz` as JSON.
async fn readyz(base: &str) -> (u16, serde_json::Value) {
    let response = reqwest::get(format!("{base}/readyz")).await.unwrap();
    let status = response.status().as_u16();
    (status, response.json().await.unwrap())
}

#[tokio::test]
async fn over_tls_with_a_private_ca() {
    let certs = TestCertificates::generate();
    let redis = TlsRedis::start(&certs, TlsOptions::default());
    let stack = stack_on(vars(&[
        ("REDIS_URL", redis.url()),
        ("REDIS_TLS_CA_FILE", path(certs.ca_cert())),
    ]))
    .await;
    login_inbox_and_refresh(&stack).await;
    let (status, ready) = readyz(&stack.auth).await;
    assert_eq!(status, 200, "{ready}");
    assert_eq!(ready["redis"]["mode"], "single");
    assert_eq!(
        ready["redis"]["node"],
        format!("localhost:{}", redis.port())
    );
}

#[tokio::test]
async fn over_mutual_tls_and_never_without_the_client_certificate() {
    let certs = TestCertificates::generate();
    let redis = TlsRedis::start(
        &certs,
        TlsOptions {
            client_certificates_required: true,
            wrong_host: false,
        },
    );
    let stack = stack_on(vars(&[
        ("REDIS_URL", redis.url()),
        ("REDIS_TLS_CA_FILE", path(certs.ca_cert())),
        ("REDIS_TLS_CERT_FILE", path(certs.client_cert())),
        ("REDIS_TLS_KEY_FILE", path(certs.client_key())),
    ]))
    .await;
    login_inbox_and_refresh(&stack).await;
    // Without the client certificate the same server refuses the services.
    let without = stack_on(vars(&[
        ("REDIS_URL", redis.url()),
        ("REDIS_TLS_CA_FILE", path(certs.ca_cert())),
    ]))
    .await;
    let (status, ready) = readyz(&without.gmail).await;
    assert_eq!(status, 503, "{ready}");
}

#[tokio::test]
async fn a_certificate_for_another_host_is_refused_clearly() {
    let certs = TestCertificates::generate();
    let redis = TlsRedis::start(
        &certs,
        TlsOptions {
            client_certificates_required: false,
            wrong_host: true,
        },
    );
    let stack = stack_on(vars(&[
        ("REDIS_URL", redis.url()),
        ("REDIS_TLS_CA_FILE", path(certs.ca_cert())),
    ]))
    .await;
    for base in [&stack.auth, &stack.gmail] {
        let (status, ready) = readyz(base).await;
        assert_eq!(status, 503, "{ready}");
        let detail = ready["detail"].as_str().unwrap();
        assert!(detail.contains("certificate"), "{detail}");
    }
    // A person gets the friendly unavailable page, not a 500.
    let mut browser = Browser::new();
    let (page, _) = browser.get(&format!("{}/oauth/login", stack.base)).await;
    assert_eq!(page.status(), 503);
    assert!(page.headers().contains_key("retry-after"));
}

#[tokio::test]
async fn on_a_cluster_of_three_masters() {
    let cluster = RedisCluster::start(None);
    let stack = stack_on(vars(&[("REDIS_CLUSTER_NODES", cluster.seeds().join(","))])).await;
    login_inbox_and_refresh(&stack).await;
    let (status, ready) = readyz(&stack.gmail).await;
    assert_eq!(status, 200, "{ready}");
    assert_eq!(ready["redis"]["mode"], "cluster");
    assert!(
        ready["redis"]["node"]
            .as_str()
            .unwrap()
            .starts_with("3 masters answered"),
        "{ready}"
    );
}

#[tokio::test]
async fn on_a_cluster_over_tls() {
    let certs = TestCertificates::generate();
    let cluster = RedisCluster::start(Some(&certs));
    let stack = stack_on(vars(&[
        ("REDIS_CLUSTER_NODES", cluster.seeds().join(",")),
        ("REDIS_TLS_CA_FILE", path(certs.ca_cert())),
    ]))
    .await;
    login_inbox_and_refresh(&stack).await;
}

/// Polls the inbox until it answers 200: every answer in between must be a 503 with
/// `Retry-After` (never a 500, never a hang past the client's timeout). Returns the gap.
async fn until_the_inbox_answers(stack: &Stack, browser: &mut Browser) -> Duration {
    let started = Instant::now();
    loop {
        let (status, page) = inbox(stack, browser).await;
        match status {
            200 => return started.elapsed(),
            503 => {}
            other => panic!("the inbox answered {other} during the failover: {page}"),
        }
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "no recovery within 30 s"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test]
async fn through_sentinel_across_a_failover_keeping_the_session() {
    let mut sentinels = SentinelSet::start(SentinelOptions {
        master_name: "gu".into(),
        password: Some("data-node-secret".into()),
        sentinel_password: Some("sentinel-secret".into()),
    });
    let stack = stack_on(vars(&[
        ("REDIS_SENTINELS", sentinels.sentinels().join(",")),
        ("REDIS_SENTINEL_MASTER", "gu".into()),
        ("REDIS_PASSWORD", "data-node-secret".into()),
        ("REDIS_SENTINEL_PASSWORD", "sentinel-secret".into()),
        ("REDIS_DURABLE_REPLICAS", "1".into()),
    ]))
    .await;
    let mut browser = login_inbox_and_refresh(&stack).await;
    let (_, ready) = readyz(&stack.auth).await;
    assert_eq!(ready["redis"]["mode"], "sentinel");
    let old_master = sentinels.kill_master();
    assert_eq!(
        ready["redis"]["node"],
        format!("127.0.0.1:{old_master}"),
        "readiness named another node than the master"
    );
    let new_master = sentinels.wait_for_new_master(Duration::from_secs(20));
    assert_ne!(new_master, old_master);
    // The session made before the kill still works, with no service restarted.
    until_the_inbox_answers(&stack, &mut browser).await;
    let (status, page) = inbox(&stack, &mut browser).await;
    assert_eq!(status, 200, "{page}");
    let (_, ready) = readyz(&stack.gmail).await;
    assert_eq!(ready["redis"]["node"], format!("127.0.0.1:{new_master}"));
    // And new logins land on the new master.
    login_and_inbox(&stack).await;
}

#[tokio::test]
async fn on_a_cluster_across_the_loss_of_the_accounts_master() {
    let mut cluster = RedisCluster::start(None);
    let stack = stack_on(vars(&[
        ("REDIS_CLUSTER_NODES", cluster.seeds().join(",")),
        ("REDIS_DURABLE_REPLICAS", "1".into()),
    ]))
    .await;
    let mut browser = login_inbox_and_refresh(&stack).await;
    let prefix = stack.shared_env.get("REDIS_KEY_PREFIX").unwrap().to_owned();
    // The master holding the account's tokens (and, by the hash tag, all its keys).
    let killed = cluster.kill_master_of(&format!("{prefix}account:{{{ALICE_SUB}}}:tokens"));
    cluster.wait_until_ok(Duration::from_secs(20));
    until_the_inbox_answers(&stack, &mut browser).await;
    // That shard has no replica now, so a session landing on it cannot be made durable: the
    // login is refused with a 503 rather than promised. With the node back (as a replica),
    // logins work again.
    cluster.restart(killed);
    let started = Instant::now();
    loop {
        let mut again = Browser::new();
        let (page, url) = again.get(&format!("{}/oauth/login", stack.base)).await;
        if url == format!("{}/", stack.base) {
            break;
        }
        assert_eq!(page.status(), 503, "{url}");
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "no login within 30 s"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    login_and_inbox(&stack).await;
}
