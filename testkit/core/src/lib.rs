//! The core of the test kit, with no dependency on any crate of the workspace: a real Redis for
//! tests, real Redis topologies (TLS, Sentinel, Cluster), free ports and unique key prefixes.
//! (Dev-only: a dev-dependency of tests, never a dependency of a service.)
//!
//! It is a crate of its own so that unit tests inside a service's `src/` (common's
//! `redis_store`, gmail-service's `quota`) can use a real Redis: the full `testkit` depends on
//! every service, and a service's unit tests depending on it would link a second copy of the
//! service under test, with types distinct from the ones being tested. This crate depends on
//! nothing of ours, so there is no such cycle. `testkit` re-exports the single-server part
//! ([`redis_url`], [`RedisServer`], [`free_port`], [`unique_prefix`]); the topologies are used
//! from here.
//!
//! [`redis_url`] returns `REDIS_URL` when it is set; otherwise it starts one `redis-server` per
//! test process on a free port (without persistence) and stops it when the process exits. Tests
//! isolate themselves with [`unique_prefix`]. [`RedisServer`] is a Redis a test owns, to stop and
//! restart it (outage and recovery tests).
//!
//! # Topologies
//!
//! Each launcher starts real `redis-server` processes (Redis 6.2 or later, built with TLS for
//! the TLS ones) on 127.0.0.1, waits until the topology is really up, and panics naming the node
//! that did not come up, with the tail of its log. Everything is synchronous (no runtime needed)
//! and every process dies on Drop and when the test process exits, however it exits; temporary
//! directories (logs, configurations, certificates) go on Drop.
//!
//! - [`TestCertificates::generate`]: a CA, a server certificate for `localhost` and
//!   `127.0.0.1`, a client certificate (mutual TLS) and a server certificate for the wrong host
//!   ([`TestCertificates::WRONG_HOST`]), all signed by the CA, as PEM files.
//! - [`TlsRedis::start`]: a Redis speaking only TLS (`rediss://localhost:<port>`), optionally
//!   requiring client certificates or serving the wrong-host certificate ([`TlsOptions`]).
//! - [`SentinelSet::start`]: a master, two replicas and three sentinels, optionally with
//!   passwords ([`SentinelOptions`]); [`SentinelSet::kill_master`] then
//!   [`SentinelSet::wait_for_new_master`] exercise a failover (a few seconds).
//! - [`RedisCluster::start`]: three masters with a replica each, optionally over TLS;
//!   [`RedisCluster::kill_master_of`] a key then [`RedisCluster::wait_until_ok`] exercise a
//!   cluster failover.
//! - [`free_cluster_port`]: a port whose cluster bus port (+10000) is free too.
//!
//! ```no_run
//! use std::time::Duration;
//! use testkit_core::{SentinelOptions, SentinelSet};
//!
//! let mut set = SentinelSet::start(SentinelOptions::default());
//! let old = set.kill_master();
//! let new = set.wait_for_new_master(Duration::from_secs(15));
//! assert_ne!(old, new);
//! ```

#![allow(clippy::expect_used, clippy::unwrap_used)]

mod certs;
mod cluster;
mod process;
mod sentinel;
mod tls;

pub use certs::TestCertificates;
pub use cluster::RedisCluster;
pub use sentinel::{SentinelOptions, SentinelSet};
pub use tls::{TlsOptions, TlsRedis};

use std::{
    io::{Read, Write},
    net::{TcpListener, TcpStream},
    path::PathBuf,
    process::{Child, Command, Stdio},
    sync::{Mutex, OnceLock},
    time::{Duration, Instant},
};

const HOW_TO_PROVIDE: &str = "the tests need a real Redis: set REDIS_URL (e.g. redis://127.0.0.1:6379) \
     or put redis-server on the PATH (Debian: apt-get install redis-server), or run `bash .ci/run`, \
     which does both";

/// A port that was free a moment ago, never handed out before by this process.
pub fn free_port() -> u16 {
    for _ in 0..1000 {
        let port = TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .map(|a| a.port())
            .expect("no free local port");
        if process::reserve_port(port) {
            return port;
        }
    }
    panic!("no free local port not handed out before, after 1000 tries")
}

/// A port for a cluster node: never handed out before by this process, free a moment ago, and
/// so is its cluster bus port (port + 10000). Both lie below the kernel's ephemeral range, so no
/// outgoing connection takes them meanwhile.
pub fn free_cluster_port() -> u16 {
    process::pick_port(true)
}

/// A key prefix no other test uses.
pub fn unique_prefix() -> String {
    format!("test:{}:", uuid::Uuid::new_v4().simple())
}

/// The URL of the Redis the tests use; see the module docs.
pub fn redis_url() -> String {
    static SHARED: OnceLock<String> = OnceLock::new();
    SHARED
        .get_or_init(|| {
            if let Ok(url) = std::env::var("REDIS_URL")
                && !url.trim().is_empty()
            {
                return url;
            }
            let port = free_port();
            let child = spawn_tied_to_this_process(port, None);
            static KEEP_STDIN_OPEN: OnceLock<Mutex<Child>> = OnceLock::new();
            let _ = KEEP_STDIN_OPEN.set(Mutex::new(child));
            wait_until_ready(port);
            format!("redis://127.0.0.1:{port}")
        })
        .clone()
}

/// Starts redis-server under a shell that kills it when our end of its stdin closes, which
/// happens when this process exits, however it exits.
fn spawn_tied_to_this_process(port: u16, data_dir: Option<&PathBuf>) -> Child {
    let persistence = match data_dir {
        Some(dir) => format!(
            "--dir '{}' --appendonly yes --appendfsync always --save ''",
            dir.display()
        ),
        None => "--save '' --appendonly no".to_owned(),
    };
    let script = format!(
        "redis-server --port {port} --bind 127.0.0.1 {persistence} --loglevel warning & pid=$!; \
         read _ignored; kill $pid; wait $pid"
    );
    Command::new("sh")
        .arg("-c")
        .arg(script)
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot start redis-server ({e}); {HOW_TO_PROVIDE}"))
}

fn ping(port: u16) -> bool {
    let Ok(mut stream) = TcpStream::connect(("127.0.0.1", port)) else {
        return false;
    };
    let _ = stream.set_read_timeout(Some(Duration::from_millis(500)));
    if stream.write_all(b"PING\r\n").is_err() {
        return false;
    }
    let mut reply = [0u8; 7];
    stream.read_exact(&mut reply).is_ok() && &reply == b"+PONG\r\n"
}

fn wait_until_ready(port: u16) {
    let deadline = Instant::now() + Duration::from_secs(10);
    while Instant::now() < deadline {
        if ping(port) {
            return;
        }
        std::thread::sleep(Duration::from_millis(25));
    }
    panic!("redis-server on port {port} did not answer PING within 10 s; {HOW_TO_PROVIDE}");
}

/// A Redis server owned by one test, with append-only persistence in a temporary directory,
/// so it can be stopped and started again on the same port with its data.
pub struct RedisServer {
    port: u16,
    data_dir: PathBuf,
    child: Option<Child>,
}

impl RedisServer {
    /// Starts a new server on a free port.
    pub fn start() -> Self {
        let data_dir = std::env::temp_dir().join(format!("gu-redis-{}", uuid::Uuid::new_v4()));
        std::fs::create_dir_all(&data_dir).expect("cannot create a Redis data directory");
        let mut server = Self {
            port: free_port(),
            data_dir,
            child: None,
        };
        server.resume();
        server
    }

    /// `redis://127.0.0.1:<port>`.
    pub fn url(&self) -> String {
        format!("redis://127.0.0.1:{}", self.port)
    }

    /// Stops the server (its data stays on disk).
    pub fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            drop(child.stdin.take());
            let _ = child.wait();
        }
        let deadline = Instant::now() + Duration::from_secs(10);
        while ping(self.port) && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(25));
        }
    }

    /// Starts the server again on the same port, with the data it had.
    pub fn resume(&mut self) {
        if self.child.is_none() {
            self.child = Some(spawn_tied_to_this_process(self.port, Some(&self.data_dir)));
            wait_until_ready(self.port);
        }
    }
}

impl Drop for RedisServer {
    fn drop(&mut self) {
        self.stop();
        let _ = std::fs::remove_dir_all(&self.data_dir);
    }
}
