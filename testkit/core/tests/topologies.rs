//! The topology launchers, proven with `redis-cli` (and, for host names, a strict TLS client).

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::{
    collections::BTreeSet,
    io::{Read, Write},
    net::TcpStream,
    path::Path,
    process::{Command, Output, Stdio},
    sync::Arc,
    time::{Duration, Instant},
};

use rustls::pki_types::{CertificateDer, ServerName, pem::PemObject};
use testkit_core::{
    RedisCluster, SentinelOptions, SentinelSet, TestCertificates, TlsOptions, TlsRedis,
};

const FAILOVER_WITHIN: Duration = Duration::from_secs(15);

/// `redis-cli <args…>`; with `password` in `REDISCLI_AUTH`, with `input` on stdin.
fn redis_cli_with(password: Option<&str>, input: Option<&str>, args: &[&str]) -> Output {
    let mut command = Command::new("redis-cli");
    command
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    if let Some(password) = password {
        command.env("REDISCLI_AUTH", password);
    }
    let mut child = command.spawn().expect("redis-cli on the PATH");
    let mut stdin = child.stdin.take().unwrap();
    if let Some(input) = input {
        stdin.write_all(input.as_bytes()).unwrap();
    }
    drop(stdin);
    child.wait_with_output().unwrap()
}

fn redis_cli(args: &[&str]) -> Output {
    redis_cli_with(None, None, args)
}

/// Its stdout, trimmed, asserting it exited with 0.
fn stdout(output: Output) -> String {
    assert!(
        output.status.success(),
        "redis-cli failed: {} / {}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout).trim().to_owned()
}

fn answers_pong(output: &Output) -> bool {
    output.status.success() && String::from_utf8_lossy(&output.stdout).trim() == "PONG"
}

fn text(path: &Path) -> &str {
    path.to_str().unwrap()
}

/// A TLS handshake with a client that checks the certificate's host name (rustls, as the
/// Rust clients will), then `PING`; the reply, or the error.
fn strict_tls_ping(port: u16, ca: &Path, server_name: &str) -> Result<String, String> {
    let mut roots = rustls::RootCertStore::empty();
    roots
        .add(CertificateDer::from_pem_file(ca).unwrap())
        .unwrap();
    let config = rustls::ClientConfig::builder_with_provider(Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .unwrap()
    .with_root_certificates(roots)
    .with_no_client_auth();
    let name = ServerName::try_from(server_name.to_owned()).unwrap();
    let connection = rustls::ClientConnection::new(Arc::new(config), name).unwrap();
    let socket = TcpStream::connect(("127.0.0.1", port)).unwrap();
    socket
        .set_read_timeout(Some(Duration::from_secs(5)))
        .unwrap();
    let mut tls = rustls::StreamOwned::new(connection, socket);
    tls.write_all(b"PING\r\n").map_err(|e| e.to_string())?;
    let mut reply = [0u8; 7];
    tls.read_exact(&mut reply).map_err(|e| e.to_string())?;
    Ok(String::from_utf8_lossy(&reply).into_owned())
}

#[test]
fn tls_redis_answers_tls_verified_with_the_ca_and_nothing_else() {
    let certs = TestCertificates::generate();
    let redis = TlsRedis::start(&certs, TlsOptions::default());
    let port = redis.port().to_string();
    assert_eq!(redis.url(), format!("rediss://localhost:{port}"));
    let ca = text(certs.ca_cert());

    let with_ca = redis_cli(&[
        "--tls",
        "--cacert",
        ca,
        "-h",
        "localhost",
        "-p",
        &port,
        "PING",
    ]);
    assert!(answers_pong(&with_ca), "TLS PING with the CA: {with_ca:?}");
    let plain = redis_cli(&["-p", &port, "PING"]);
    assert!(
        !answers_pong(&plain),
        "PING without TLS answered: {plain:?}"
    );
    let unknown_ca = redis_cli(&["--tls", "-p", &port, "PING"]);
    assert!(
        !answers_pong(&unknown_ca),
        "TLS PING trusting only the system's CAs answered: {unknown_ca:?}"
    );
}

#[test]
fn tls_redis_requiring_client_certificates_refuses_a_client_without_one() {
    let certs = TestCertificates::generate();
    let options = TlsOptions {
        client_certificates_required: true,
        wrong_host: false,
    };
    let redis = TlsRedis::start(&certs, options);
    let port = redis.port().to_string();
    let ca = text(certs.ca_cert());

    let anonymous = redis_cli(&["--tls", "--cacert", ca, "-p", &port, "PING"]);
    assert!(
        !answers_pong(&anonymous),
        "PING without a client certificate answered: {anonymous:?}"
    );
    let (cert, key) = (text(certs.client_cert()), text(certs.client_key()));
    let mutual = redis_cli(&[
        "--tls", "--cacert", ca, "--cert", cert, "--key", key, "-p", &port, "PING",
    ]);
    assert!(
        answers_pong(&mutual),
        "PING with the client certificate: {mutual:?}"
    );
}

#[test]
fn tls_server_certificate_passes_host_name_checks_for_localhost_and_127_0_0_1() {
    let certs = TestCertificates::generate();
    let redis = TlsRedis::start(&certs, TlsOptions::default());
    for name in ["localhost", "127.0.0.1"] {
        assert_eq!(
            strict_tls_ping(redis.port(), certs.ca_cert(), name).as_deref(),
            Ok("+PONG\r\n"),
            "as {name}"
        );
    }
    let other = strict_tls_ping(redis.port(), certs.ca_cert(), TestCertificates::WRONG_HOST);
    assert!(other.is_err(), "valid for {}", TestCertificates::WRONG_HOST);
}

#[test]
fn tls_wrong_host_server_presents_a_certificate_for_another_name_only() {
    let certs = TestCertificates::generate();
    let options = TlsOptions {
        client_certificates_required: false,
        wrong_host: true,
    };
    let redis = TlsRedis::start(&certs, options);

    let as_localhost = strict_tls_ping(redis.port(), certs.ca_cert(), "localhost")
        .expect_err("the wrong-host certificate passed as localhost");
    assert!(
        as_localhost.contains("not valid for name"),
        "not a host name error: {as_localhost}"
    );
    assert!(
        as_localhost.contains(TestCertificates::WRONG_HOST),
        "the error does not name the certificate's host: {as_localhost}"
    );
    let as_its_name = strict_tls_ping(redis.port(), certs.ca_cert(), TestCertificates::WRONG_HOST);
    assert_eq!(as_its_name.as_deref(), Ok("+PONG\r\n"));
}

#[test]
fn sentinel_set_with_passwords_fails_over_to_a_replica_that_has_the_data() {
    let (password, sentinel_password) = ("data-secret", "sentinel-secret");
    let mut set = SentinelSet::start(SentinelOptions {
        master_name: "gu-master".to_owned(),
        password: Some(password.to_owned()),
        sentinel_password: Some(sentinel_password.to_owned()),
    });
    assert_eq!(set.master_name(), "gu-master");
    let sentinels = set.sentinels();
    assert_eq!(sentinels.len(), 3);
    let sentinel = sentinels[0].rsplit(':').next().unwrap().to_owned();
    let ask = [
        "-p",
        &sentinel,
        "SENTINEL",
        "get-master-addr-by-name",
        "gu-master",
    ];
    let refused = stdout(redis_cli(&ask));
    assert!(
        refused.starts_with("NOAUTH"),
        "a sentinel answered without its password: {refused}"
    );

    let master = set.master_port();
    let (m, value) = (master.to_string(), "written before the failover");
    assert_eq!(
        stdout(redis_cli_with(Some(sentinel_password), None, &ask)),
        format!("127.0.0.1\n{m}")
    );
    let written = redis_cli_with(
        Some(password),
        Some(&format!("SET gu:key \"{value}\"\nWAIT 2 1000\n")),
        &["-p", &m],
    );
    assert_eq!(stdout(written), "OK\n2");
    for replica in set.data_ports().into_iter().filter(|&p| p != master) {
        let r = replica.to_string();
        assert!(
            stdout(redis_cli_with(Some(password), None, &["-p", &r, "ROLE"])).starts_with("slave")
        );
        assert_eq!(
            stdout(redis_cli_with(
                Some(password),
                None,
                &["-p", &r, "GET", "gu:key"]
            )),
            value
        );
    }

    let started = Instant::now();
    assert_eq!(set.kill_master(), master);
    let new_master = set.wait_for_new_master(FAILOVER_WITHIN);
    let took = started.elapsed();
    assert_ne!(new_master, master);
    assert!(took < FAILOVER_WITHIN, "the failover took {took:?}");
    assert_eq!(set.master_port(), new_master);
    let n = new_master.to_string();
    assert_eq!(
        stdout(redis_cli_with(
            Some(password),
            None,
            &["-p", &n, "GET", "gu:key"]
        )),
        value
    );
    assert_eq!(
        stdout(redis_cli_with(
            Some(password),
            None,
            &["-p", &n, "SET", "gu:after", "1"]
        )),
        "OK"
    );
}

#[test]
fn sentinel_set_takes_a_restarted_master_back_as_a_replica() {
    let mut set = SentinelSet::start(SentinelOptions::default());
    assert_eq!(set.master_name(), "mymaster");
    let old = set.kill_master();
    let new = set.wait_for_new_master(FAILOVER_WITHIN);
    set.restart(old);
    let o = old.to_string();
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let role = stdout(redis_cli(&["-p", &o, "ROLE"]));
        let lines: Vec<&str> = role.lines().collect();
        if lines.first() == Some(&"slave") && lines.get(2) == Some(&new.to_string().as_str()) {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "{old} is not a replica of {new}: {role:?}"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    assert_eq!(set.master_port(), new);
}

#[test]
fn cluster_serves_keys_in_every_slot_range_and_survives_losing_a_master() {
    let mut cluster = RedisCluster::start(None);
    let ports = cluster.ports();
    assert_eq!(ports.len(), 6);
    assert_eq!(
        cluster.seeds(),
        ports
            .iter()
            .map(|p| format!("redis://127.0.0.1:{p}"))
            .collect::<Vec<_>>()
    );
    let masters = cluster.masters();
    assert_eq!(masters.len(), 3);

    let keys: Vec<String> = (0..12).map(|i| format!("gu:key:{i}")).collect();
    let owners: BTreeSet<u16> = keys.iter().map(|k| cluster.master_of(k)).collect();
    assert_eq!(
        owners.into_iter().collect::<Vec<_>>(),
        masters,
        "the keys miss a master"
    );
    let (first, last) = (ports[0].to_string(), ports[5].to_string());
    for key in &keys {
        assert_eq!(
            stdout(redis_cli(&["-c", "-p", &first, "SET", key, key])),
            "OK"
        );
    }
    for key in &keys {
        assert_eq!(stdout(redis_cli(&["-c", "-p", &last, "GET", key])), *key);
    }

    let key = "gu:survivor";
    let owner = cluster.master_of(key);
    let to_owner = ["-p", &owner.to_string()].map(str::to_owned);
    let to_owner: Vec<&str> = to_owner.iter().map(String::as_str).collect();
    let written = redis_cli_with(
        None,
        Some(&format!("SET {key} alive\nWAIT 1 1000\n")),
        &to_owner,
    );
    assert_eq!(
        stdout(written),
        "OK\n1",
        "the replica did not acknowledge the write"
    );

    let started = Instant::now();
    assert_eq!(cluster.kill_master_of(key), owner);
    cluster.wait_until_ok(FAILOVER_WITHIN);
    let took = started.elapsed();
    assert!(took < FAILOVER_WITHIN, "the failover took {took:?}");
    let new_owner = cluster.master_of(key);
    assert_ne!(new_owner, owner);
    assert!(!cluster.masters().contains(&owner));
    let alive = ports.iter().find(|&&p| p != owner).unwrap().to_string();
    assert_eq!(
        stdout(redis_cli(&["-c", "-p", &alive, "GET", key])),
        "alive"
    );

    cluster.restart(owner);
    let o = owner.to_string();
    let deadline = Instant::now() + Duration::from_secs(10);
    while !stdout(redis_cli(&["-p", &o, "ROLE"])).starts_with("slave") {
        assert!(
            Instant::now() < deadline,
            "{owner} did not rejoin as a replica"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}

#[test]
fn tls_cluster_serves_keys_over_tls_only() {
    let certs = TestCertificates::generate();
    let cluster = RedisCluster::start(Some(&certs));
    let ports = cluster.ports();
    assert_eq!(
        cluster.seeds(),
        ports
            .iter()
            .map(|p| format!("rediss://localhost:{p}"))
            .collect::<Vec<_>>()
    );
    assert_eq!(cluster.masters().len(), 3);
    let ca = text(certs.ca_cert());
    let (first, last) = (ports[0].to_string(), ports[5].to_string());
    let keys: Vec<String> = (0..6).map(|i| format!("gu:tls:{i}")).collect();
    for key in &keys {
        let set = redis_cli(&["-c", "--tls", "--cacert", ca, "-p", &first, "SET", key, key]);
        assert_eq!(stdout(set), "OK");
    }
    for key in &keys {
        let get = redis_cli(&[
            "-c",
            "--tls",
            "--cacert",
            ca,
            "-h",
            "localhost",
            "-p",
            &last,
            "GET",
            key,
        ]);
        assert_eq!(stdout(get), *key);
    }
    let plain = redis_cli(&["-p", &first, "PING"]);
    assert!(
        !answers_pong(&plain),
        "a node answered without TLS: {plain:?}"
    );
}
