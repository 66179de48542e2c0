//! The whole system as separate processes: the release binaries of the workspace (emulator,
//! auth-service, gmail-service, frontend) on free loopback ports, one Redis, one key prefix
//! ([`System::start`]), or one service binary on its own ([`Process::spawn`]). Each process's
//! memory is its own, so its peak RSS (`VmHWM`) can be read from `/proc`. The benchmark tool
//! (`bench`) measures the system started here. (The same system in one process, for tests:
//! [`crate::stack`].)
//!
//! Everything here returns errors instead of panicking: the benchmark is a tool, and says what
//! went wrong.

use std::{
    path::{Path, PathBuf},
    process::{Child, Command, Stdio},
    time::{Duration, Instant},
};

use anyhow::{Context, Result, bail};

/// The four binaries, in start order.
pub const SERVICES: [&str; 4] = [
    "google-emulator",
    "auth-service",
    "gmail-service",
    "frontend",
];

/// One running service process; killed when dropped.
pub struct Process {
    pub name: &'static str,
    pub url: String,
    child: Child,
}

impl Process {
    /// `/proc/<pid>/status` of the process (its `VmRSS`, `VmHWM`).
    pub fn status_path(&self) -> std::path::PathBuf {
        std::path::PathBuf::from(format!("/proc/{}/status", self.child.id()))
    }

    /// Peak resident memory so far (`VmHWM`), in KiB.
    pub fn peak_rss_kib(&self) -> Option<u64> {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.child.id())).ok()?;
        status
            .lines()
            .find(|l| l.starts_with("VmHWM:"))?
            .split_whitespace()
            .nth(1)?
            .parse()
            .ok()
    }
}

impl Drop for Process {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The running system.
pub struct System {
    pub emulator: Process,
    pub auth: Process,
    pub gmail: Process,
    pub frontend: Process,
    pub redis_url: String,
    pub prefix: String,
    /// gmail-service's environment, for [`System::spawn_gmail_replica`].
    gmail_env: Vec<(&'static str, String)>,
    /// Where the emulator delivers Gmail push: the port of [`System::spawn_gmail_push_replica`].
    push_port: u16,
    dir: std::path::PathBuf,
}

/// The push audience the emulator signs for and [`System::spawn_gmail_push_replica`] expects.
const BENCH_PUSH_AUDIENCE: &str = "gmail-unread-bench";

/// Where the service binaries are: next to this one (`target/release/`).
pub fn binary_dir() -> Result<PathBuf> {
    let exe = std::env::current_exe().context("cannot find this executable")?;
    let dir = exe
        .parent()
        .context("this executable has no directory")?
        .to_path_buf();
    Ok(dir)
}

/// Brings the four service binaries up to date (`cargo build --release --bins`, a no-op
/// when they are), so a changed service is never measured stale. `cargo run` has handed over
/// to this process by now, so the nested cargo finds no lock held.
pub fn ensure_binaries(dir: &Path) -> Result<()> {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned());
    let mut command = Command::new(cargo);
    command
        .args(["build", "--release", "--bins", "--manifest-path"])
        .arg(Path::new(env!("CARGO_MANIFEST_DIR")).join("../Cargo.toml"));
    for name in SERVICES {
        command.args(["-p", name]);
    }
    eprintln!("cargo build --release --bins (the four services)…");
    let status = command.status();
    if status.as_ref().is_ok_and(|s| s.success()) {
        return Ok(());
    }
    if SERVICES.iter().all(|name| dir.join(name).is_file()) {
        eprintln!(
            "cannot run cargo ({status:?}); measuring the binaries in {}",
            dir.display()
        );
        return Ok(());
    }
    bail!("the service binaries are missing and cargo build --release failed")
}

impl Process {
    /// Starts the binary `name` of `dir` with only `env` (on top of `LISTEN_ADDR` on `port`,
    /// `RUST_LOG=warn` and JSON logs), logging to `dir/bench-logs/<name>.log`.
    pub fn spawn(
        dir: &Path,
        name: &'static str,
        port: u16,
        env: &[(&str, String)],
    ) -> Result<Process> {
        spawn(dir, name, port, env)
    }

    /// Waits (up to 20 s) until the process answers `GET /healthz` with a success.
    pub async fn wait_healthy(&self, http: &reqwest::Client) -> Result<()> {
        wait_healthy(http, self).await
    }
}

fn spawn(dir: &Path, name: &'static str, port: u16, env: &[(&str, String)]) -> Result<Process> {
    spawn_logged(dir, name, &format!("{name}.log"), port, env)
}

/// [`spawn`], logging to `bench-logs/<log>`.
fn spawn_logged(
    dir: &Path,
    name: &'static str,
    log: &str,
    port: u16,
    env: &[(&str, String)],
) -> Result<Process> {
    let log_dir = dir.join("bench-logs");
    std::fs::create_dir_all(&log_dir)?;
    let log = std::fs::File::create(log_dir.join(log))?;
    let child = Command::new(dir.join(name))
        .env_clear()
        .env("LISTEN_ADDR", format!("127.0.0.1:{port}"))
        .env("RUST_LOG", "warn")
        .env("LOG_FORMAT", "json")
        .envs(env.iter().map(|(k, v)| (*k, v.as_str())))
        .stdin(Stdio::null())
        .stdout(log.try_clone()?)
        .stderr(log)
        .spawn()
        .with_context(|| format!("cannot start {name}"))?;
    Ok(Process {
        name,
        url: format!("http://127.0.0.1:{port}"),
        child,
    })
}

async fn wait_healthy(http: &reqwest::Client, process: &Process) -> Result<()> {
    let deadline = Instant::now() + Duration::from_secs(20);
    while Instant::now() < deadline {
        if let Ok(r) = http.get(format!("{}/healthz", process.url)).send().await
            && r.status().is_success()
        {
            return Ok(());
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    bail!(
        "{} did not become healthy (see its log in bench-logs/)",
        process.name
    )
}

impl System {
    /// Starts the four services against the Redis of `REDIS_URL` (else a throw-away
    /// `redis-server`), the emulator with `extra_accounts` generated accounts
    /// (`EMULATOR_EXTRA_ACCOUNTS`). Quotas are off in the emulator and gmail-service: the
    /// benchmark measures the services, not Gmail's 15,000 units a minute.
    pub async fn start(dir: &Path, extra_accounts: usize) -> Result<Self> {
        let redis_url = crate::redis_url();
        Self::start_on(
            dir,
            extra_accounts,
            redis_url.clone(),
            vec![("REDIS_URL", redis_url)],
        )
        .await
    }

    /// [`System::start`] on the Redis that `redis_env` describes (e.g. `REDIS_SENTINELS` and
    /// `REDIS_SENTINEL_MASTER`, or `REDIS_CLUSTER_NODES`); `redis_url` is one node of it, for
    /// the benchmark's own reads.
    pub async fn start_on(
        dir: &Path,
        extra_accounts: usize,
        redis_url: String,
        redis_env: Vec<(&'static str, String)>,
    ) -> Result<Self> {
        // One prefix per system: a benchmark may start several against one Redis.
        let prefix = format!("bench:{}:{}:", std::process::id(), crate::free_port());
        let [
            emulator_port,
            auth_port,
            auth_internal_port,
            gmail_port,
            frontend_port,
            push_port,
        ] = [(); 6].map(|()| crate::free_port());
        let emulator_url = format!("http://127.0.0.1:{emulator_port}");
        let frontend_url = format!("http://127.0.0.1:{frontend_port}");
        let auth_url = format!("http://127.0.0.1:{auth_port}");
        let gmail_url = format!("http://127.0.0.1:{gmail_port}");
        let http = reqwest::Client::new();

        let emulator = spawn(
            dir,
            "google-emulator",
            emulator_port,
            &[
                ("EMULATOR_PUBLIC_URL", emulator_url.clone()),
                ("EMULATOR_AUTO_APPROVE", "1".into()),
                (
                    "EMULATOR_REDIRECT_URIS",
                    format!("{frontend_url}/oauth/callback"),
                ),
                ("EMULATOR_QUOTA_UNITS_PER_MINUTE", "0".into()),
                ("EMULATOR_EXTRA_ACCOUNTS", extra_accounts.to_string()),
                // Only a gmail-service with a push topic watches; the others get no push.
                (
                    "EMULATOR_PUSH_ENDPOINT",
                    format!("http://127.0.0.1:{push_port}/v1/gmail/push"),
                ),
                ("EMULATOR_PUSH_AUDIENCE", BENCH_PUSH_AUDIENCE.into()),
            ],
        )?;
        wait_healthy(&http, &emulator).await?;
        let mut shared = redis_env;
        shared.push(("REDIS_KEY_PREFIX", prefix.clone()));
        let auth = spawn(
            dir,
            "auth-service",
            auth_port,
            &[
                shared.as_slice(),
                &[
                    ("PUBLIC_BASE_URL", frontend_url.clone()),
                    (
                        "GOOGLE_AUTH_URL",
                        format!("{emulator_url}/o/oauth2/v2/auth"),
                    ),
                    ("GOOGLE_TOKEN_URL", format!("{emulator_url}/token")),
                    ("GOOGLE_REVOKE_URL", format!("{emulator_url}/revoke")),
                    ("GOOGLE_JWKS_URL", format!("{emulator_url}/oauth2/v3/certs")),
                    ("GOOGLE_ISSUER", emulator_url.clone()),
                    (
                        "INTERNAL_LISTEN_ADDR",
                        format!("127.0.0.1:{auth_internal_port}"),
                    ),
                    // The benchmark logs in 1,000 accounts and mints thousands of session tokens a
                    // second from one address: it measures the services, not their rate limits.
                    ("RATE_LIMIT_LOGINS_PER_MINUTE", "0".into()),
                    ("RATE_LIMIT_SESSION_TOKENS_PER_MINUTE", "0".into()),
                    ("RATE_LIMIT_API_TOKENS_PER_MINUTE", "0".into()),
                ],
            ]
            .concat(),
        )?;
        wait_healthy(&http, &auth).await?;
        let gmail_env = [
            shared.as_slice(),
            &[
                ("AUTH_SERVICE_URL", auth_url.clone()),
                (
                    "AUTH_SERVICE_INTERNAL_URL",
                    format!("http://127.0.0.1:{auth_internal_port}"),
                ),
                (
                    "GMAIL_API_BASE",
                    format!("{emulator_url}/gmail/v1/users/me"),
                ),
                ("QUOTA_UNITS_PER_MINUTE", "0".into()),
            ],
        ]
        .concat();
        let gmail = spawn(dir, "gmail-service", gmail_port, &gmail_env)?;
        wait_healthy(&http, &gmail).await?;
        let frontend = spawn(
            dir,
            "frontend",
            frontend_port,
            &[
                ("AUTH_SERVICE_URL", auth_url),
                ("GMAIL_SERVICE_URL", gmail_url.clone()),
                ("GMAIL_PUBLIC_URL", gmail_url),
            ],
        )?;
        wait_healthy(&http, &frontend).await?;
        Ok(Self {
            emulator,
            auth,
            gmail,
            frontend,
            redis_url,
            prefix,
            gmail_env,
            push_port,
            dir: dir.to_path_buf(),
        })
    }

    /// Another gmail-service of this system (same Redis, prefix, auth-service and emulator)
    /// with `extra` settings on top, e.g. `SYNC_MAX_AGE_SECS=0` to compare with; its log is
    /// `bench-logs/gmail-service-<port>.log`.
    pub async fn spawn_gmail_replica(&self, extra: &[(&'static str, String)]) -> Result<Process> {
        let port = crate::free_port();
        let env = [self.gmail_env.as_slice(), extra].concat();
        let process = spawn_logged(
            &self.dir,
            "gmail-service",
            &format!("gmail-service-{port}.log"),
            port,
            &env,
        )?;
        wait_healthy(&reqwest::Client::new(), &process).await?;
        Ok(process)
    }

    /// The one gmail-service of this system that receives Gmail push (the emulator delivers to
    /// its port), with `extra` settings on top; its log is `bench-logs/gmail-service-push.log`.
    pub async fn spawn_gmail_push_replica(
        &self,
        extra: &[(&'static str, String)],
    ) -> Result<Process> {
        let push = [
            ("GMAIL_PUSH_TOPIC", "projects/bench/topics/gmail".to_owned()),
            ("GMAIL_PUSH_AUDIENCE", BENCH_PUSH_AUDIENCE.to_owned()),
            ("GMAIL_PUSH_ISSUER", self.emulator.url.clone()),
            (
                "GMAIL_PUSH_JWKS_URL",
                format!("{}/oauth2/v3/certs", self.emulator.url),
            ),
        ];
        let env = [self.gmail_env.as_slice(), &push, extra].concat();
        let process = spawn_logged(
            &self.dir,
            "gmail-service",
            "gmail-service-push.log",
            self.push_port,
            &env,
        )?;
        wait_healthy(&reqwest::Client::new(), &process).await?;
        Ok(process)
    }

    /// gmail-service's first unread page of 50, the page every scenario measures.
    pub fn unread_page_url(&self) -> String {
        format!(
            "{}{}?limit=50",
            self.gmail.url,
            contract::paths::gmail::UNREAD
        )
    }

    /// The emulator's added latency for every Google answer.
    pub async fn set_latency(&self, http: &reqwest::Client, latency_ms: u64) -> Result<()> {
        let answer = http
            .put(format!("{}/emulator/faults", self.emulator.url))
            .json(&serde_json::json!({ "latency_ms": latency_ms }))
            .send()
            .await?;
        if !answer.status().is_success() {
            bail!("the emulator refused the fault plan: {}", answer.status());
        }
        Ok(())
    }

    /// Google calls by kind since the last reset (`/emulator/stats`).
    pub async fn google_calls(&self, http: &reqwest::Client) -> Result<serde_json::Value> {
        let stats: serde_json::Value = http
            .get(format!("{}/emulator/stats", self.emulator.url))
            .send()
            .await?
            .json()
            .await?;
        Ok(stats["requests"].clone())
    }

    pub async fn reset_google_calls(&self, http: &reqwest::Client) -> Result<()> {
        http.post(format!("{}/emulator/stats/reset", self.emulator.url))
            .send()
            .await?;
        Ok(())
    }

    /// A connection to the system's Redis.
    pub async fn redis(&self) -> Result<redis::aio::MultiplexedConnection> {
        Ok(redis::Client::open(self.redis_url.as_str())?
            .get_multiplexed_async_connection()
            .await?)
    }

    /// Empties gmail-service's unread mirrors (the next page is cold: a full sync).
    pub async fn clear_mirrors(&self) -> Result<()> {
        let mut redis = self.redis().await?;
        let keys: Vec<String> = redis::cmd("KEYS")
            .arg(format!("{}mirror:*", self.prefix))
            .query_async(&mut redis)
            .await?;
        if !keys.is_empty() {
            let () = redis::cmd("DEL").arg(&keys).query_async(&mut redis).await?;
        }
        Ok(())
    }

    /// The processes, for their memory.
    pub fn processes(&self) -> [&Process; 4] {
        [&self.emulator, &self.auth, &self.gmail, &self.frontend]
    }
}
