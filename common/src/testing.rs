//! Test support (feature `testing`): a real Redis for integration tests.
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

/// A browser's cookie jar for HTTP-level tests: keeps what `Set-Cookie` sets (a deletion removes
/// the cookie) and renders the `Cookie` header. Cookies are kept by name only; the services of
/// this system use distinct names, so the hosts of one test do not collide.
#[derive(Clone, Debug, Default)]
pub struct CookieJar {
    pub cookies: std::collections::HashMap<String, String>,
}

impl CookieJar {
    /// The `Cookie` header value.
    pub fn header(&self) -> String {
        self.cookies
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join("; ")
    }

    /// Applies a response's `Set-Cookie` headers.
    pub fn keep(&mut self, response: &reqwest::Response) {
        for header in response.headers().get_all("set-cookie") {
            let Ok(text) = header.to_str() else { continue };
            let pair = text.split(';').next().unwrap_or_default();
            let Some((name, value)) = pair.split_once('=') else {
                continue;
            };
            if value.is_empty() || text.contains("Max-Age=0") {
                self.cookies.remove(name);
            } else {
                self.cookies.insert(name.to_owned(), value.to_owned());
            }
        }
    }
}

/// Everything a tracing subscriber writes, kept in memory: pass it to
/// [`crate::telemetry::subscriber`] and read [`LogCapture::text`] afterwards (tests that search
/// the logs for secrets).
#[derive(Clone, Default)]
pub struct LogCapture(std::sync::Arc<Mutex<Vec<u8>>>);

impl LogCapture {
    /// Installs a process-wide JSON subscriber at TRACE level writing here, and returns the
    /// capture (one per test binary: the global subscriber can be set once).
    pub fn install_trace() -> Self {
        let capture = Self::default();
        let settings = crate::config::LogSettings {
            format: crate::config::LogFormat::Json,
            filter: "trace".into(),
        };
        tracing::subscriber::set_global_default(crate::telemetry::subscriber(
            &settings,
            capture.clone(),
        ))
        .expect("a global subscriber was already set in this test binary");
        capture
    }

    /// What was written so far.
    pub fn text(&self) -> String {
        String::from_utf8_lossy(
            &self
                .0
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner),
        )
        .into_owned()
    }
}

impl Write for LogCapture {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl<'a> tracing_subscriber::fmt::MakeWriter<'a> for LogCapture {
    type Writer = LogCapture;

    fn make_writer(&'a self) -> Self::Writer {
        self.clone()
    }
}
