//! The core of the test kit, with no dependency on any crate of the workspace: a real Redis for
//! tests, free ports and unique key prefixes. (Dev-only: a dev-dependency of tests, never a
//! dependency of a service.)
//!
//! It is a crate of its own so that unit tests inside a service's `src/` (common's
//! `redis_store`, gmail-service's `quota`) can use a real Redis: the full `testkit` depends on
//! every service, and a service's unit tests depending on it would link a second copy of the
//! service under test, with types distinct from the ones being tested. This crate depends on
//! nothing of ours, so there is no such cycle. Everything here is re-exported by `testkit`.
//!
//! [`redis_url`] returns `REDIS_URL` when it is set; otherwise it starts one `redis-server` per
//! test process on a free port (without persistence) and stops it when the process exits. Tests
//! isolate themselves with [`unique_prefix`]. [`RedisServer`] is a Redis a test owns, to stop and
//! restart it (outage and recovery tests).

#![allow(clippy::expect_used, clippy::unwrap_used)]

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

/// A port that was free a moment ago.
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("no free local port")
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
