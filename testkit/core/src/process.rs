//! The plumbing the topology launchers share: temporary directories, redis-server processes
//! tied to this process, ports with a free cluster bus port, `redis-cli` with a time limit,
//! waiting with a deadline.

use std::{
    collections::HashSet,
    io::{BufRead, BufReader, Read},
    net::TcpListener,
    path::{Path, PathBuf},
    process::{Child, Command, ExitStatus, Stdio},
    sync::{Mutex, OnceLock},
    thread::JoinHandle,
    time::{Duration, Instant},
};

/// A directory under the system's temporary directory, removed on Drop.
pub(crate) struct TempDir {
    path: PathBuf,
}

impl TempDir {
    pub(crate) fn new(label: &str) -> Self {
        let path =
            std::env::temp_dir().join(format!("gu-{label}-{}", uuid::Uuid::new_v4().simple()));
        std::fs::create_dir_all(&path)
            .unwrap_or_else(|e| panic!("cannot create {}: {e}", path.display()));
        Self { path }
    }

    pub(crate) fn path(&self) -> &Path {
        &self.path
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.path);
    }
}

/// The shell that ties a server to this process: it starts the server in the background,
/// prints its pid, and kills it when its stdin reaches end of file, which happens when our end
/// of the pipe closes: on [`TiedProcess::kill`], on Drop, or when this process exits, however
/// it exits. (A background command of a non-interactive shell reads /dev/null, so the server
/// never consumes that stdin.)
const TIE_SCRIPT: &str = r#"out=$1; shift; "$@" >>"$out" 2>&1 & pid=$!; echo $pid; read _ignored; kill $pid 2>/dev/null; wait $pid"#;

/// A server process tied to this process (see [`TIE_SCRIPT`]).
pub(crate) struct TiedProcess {
    shell: Child,
    pid: u32,
    released: bool,
}

impl TiedProcess {
    /// Starts `program args…` with its stdout and stderr appended to `output`.
    pub(crate) fn spawn(program: &str, args: &[String], output: &Path) -> Self {
        let mut shell = Command::new("sh")
            .arg("-c")
            .arg(TIE_SCRIPT)
            .arg("sh")
            .arg(output)
            .arg(program)
            .args(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start sh to run {program}: {e}"));
        let mut line = String::new();
        if let Some(stdout) = shell.stdout.take() {
            let _ = BufReader::new(stdout).read_line(&mut line);
        }
        let pid = line.trim().parse().unwrap_or_else(|_| {
            panic!("the shell starting {program} did not print its pid (printed {line:?})")
        });
        Self {
            shell,
            pid,
            released: false,
        }
    }

    /// Kills the server at once (SIGKILL: no shutdown, no save), then lets the shell end.
    pub(crate) fn kill(&mut self) {
        if self.released {
            return;
        }
        let _ = Command::new("kill")
            .arg("-KILL")
            .arg(self.pid.to_string())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status();
        drop(self.shell.stdin.take());
        let _ = self.shell.wait();
        self.released = true;
    }
}

impl Drop for TiedProcess {
    fn drop(&mut self) {
        self.kill();
    }
}

/// One redis-server (data node or sentinel) of a topology: its port, its command line (to
/// restart it the same way) and its log files in the topology's directory.
pub(crate) struct Node {
    pub(crate) port: u16,
    args: Vec<String>,
    log: PathBuf,
    output: PathBuf,
    process: Option<TiedProcess>,
}

impl Node {
    /// A node not started yet; its `args` should include `--logfile` [`log_file`]`(dir, port)`.
    pub(crate) fn new(port: u16, args: Vec<String>, dir: &Path) -> Self {
        Self {
            port,
            args,
            log: log_file(dir, port),
            output: dir.join(format!("{port}.out")),
            process: None,
        }
    }

    pub(crate) fn start(&mut self) {
        if self.process.is_none() {
            self.process = Some(TiedProcess::spawn("redis-server", &self.args, &self.output));
        }
    }

    /// SIGKILL: the node dies without saving or saying goodbye.
    pub(crate) fn kill(&mut self) {
        if let Some(mut process) = self.process.take() {
            process.kill();
        }
    }

    pub(crate) fn is_running(&self) -> bool {
        self.process.is_some()
    }

    pub(crate) fn set_args(&mut self, args: Vec<String>) {
        self.args = args;
    }

    /// The end of the node's log file and of its stdout/stderr, for a panic message.
    pub(crate) fn diagnostics(&self) -> String {
        format!(
            "last lines of {}:\n{}\nlast lines of {}:\n{}",
            self.log.display(),
            tail(&self.log, 25),
            self.output.display(),
            tail(&self.output, 10)
        )
    }
}

/// Where a node's `--logfile` goes.
pub(crate) fn log_file(dir: &Path, port: u16) -> PathBuf {
    dir.join(format!("{port}.log"))
}

fn tail(path: &Path, lines: usize) -> String {
    match std::fs::read_to_string(path) {
        Ok(text) => {
            let all: Vec<&str> = text.lines().collect();
            let text = all[all.len().saturating_sub(lines)..].join("\n");
            if text.is_empty() {
                "  (empty)".to_owned()
            } else {
                text
            }
        }
        Err(e) => format!("  (cannot read it: {e})"),
    }
}

/// Ports handed out by this process (a cluster node's bus port with its port), so two
/// launchers (or two nodes of one) never get the same port even though each was only probed,
/// not kept.
fn reserve(ports: &[u16]) -> bool {
    static HANDED_OUT: OnceLock<Mutex<HashSet<u16>>> = OnceLock::new();
    let mut handed_out = HANDED_OUT
        .get_or_init(Default::default)
        .lock()
        .unwrap_or_else(|e| e.into_inner());
    if ports.iter().any(|p| handed_out.contains(p)) {
        return false;
    }
    handed_out.extend(ports);
    true
}

fn can_bind(port: u16) -> bool {
    TcpListener::bind(("127.0.0.1", port)).is_ok()
}

/// The first port of the kernel's ephemeral range (the ports outgoing connections take).
fn ephemeral_start() -> u16 {
    std::fs::read_to_string("/proc/sys/net/ipv4/ip_local_port_range")
        .ok()
        .and_then(|s| s.split_whitespace().next()?.parse().ok())
        .unwrap_or(32768)
}

/// A port never handed out before by this process that was free a moment ago, and, when
/// `with_bus`, whose cluster bus port (port + 10000) was free too.
///
/// Ports are drawn at random below the kernel's ephemeral range, bus port included, so that
/// the outgoing connections of the running tests (which take ephemeral ports) cannot grab a
/// port between the probe and the server's bind.
pub(crate) fn pick_port(with_bus: bool) -> u16 {
    let end = ephemeral_start();
    let (low, high) = if end >= 21_000 {
        (10_000u16, end - 10_001)
    } else {
        (40_000, 55_000)
    };
    for _ in 0..1000 {
        let random = (uuid::Uuid::new_v4().as_u128() % u128::from(high - low + 1)) as u16;
        let port = low + random;
        let ports: &[u16] = if with_bus {
            &[port, port + 10_000]
        } else {
            &[port]
        };
        if ports.iter().all(|&p| can_bind(p)) && reserve(ports) {
            return port;
        }
    }
    panic!("no free port pair (port and port + 10000) between {low} and {high} after 1000 tries")
}

/// Reserves a port found elsewhere (by [`crate::free_port`]); false when already handed out.
pub(crate) fn reserve_port(port: u16) -> bool {
    reserve(&[port])
}

/// The result of one `redis-cli` run.
pub(crate) struct CliOutput {
    pub(crate) status: Option<ExitStatus>,
    pub(crate) stdout: String,
    pub(crate) stderr: String,
}

impl CliOutput {
    /// Its stdout, when it exited with 0 (`-e`: an error reply exits with 1).
    pub(crate) fn ok(self) -> Result<String, String> {
        if self.status.is_some_and(|s| s.success()) {
            Ok(self.stdout)
        } else {
            let status = match self.status {
                Some(status) => status.to_string(),
                None => "timed out".to_owned(),
            };
            Err(format!(
                "redis-cli {status}; stdout: {:?}; stderr: {:?}",
                self.stdout.trim(),
                self.stderr.trim()
            ))
        }
    }
}

/// How `redis-cli` reaches the nodes of a topology: TLS files, password.
#[derive(Clone, Default)]
pub(crate) struct Cli {
    tls: Vec<String>,
    password: Option<String>,
}

impl Cli {
    pub(crate) fn plain() -> Self {
        Self::default()
    }

    /// `--tls --cacert <ca>`, and `--cert`/`--key` when given.
    pub(crate) fn tls(ca: &Path, client: Option<(&Path, &Path)>) -> Self {
        let mut tls = vec![
            "--tls".to_owned(),
            "--cacert".to_owned(),
            ca.display().to_string(),
        ];
        if let Some((cert, key)) = client {
            tls.extend([
                "--cert".to_owned(),
                cert.display().to_string(),
                "--key".to_owned(),
                key.display().to_string(),
            ]);
        }
        Self {
            tls,
            password: None,
        }
    }

    pub(crate) fn with_password(mut self, password: Option<&str>) -> Self {
        self.password = password.map(str::to_owned);
        self
    }

    /// The connection arguments (without `-p`), e.g. to prefix `--cluster create`.
    pub(crate) fn tls_args(&self) -> &[String] {
        &self.tls
    }

    /// Runs `redis-cli -p <port> <args…>` (raw output), killed after `timeout`.
    pub(crate) fn run_for(&self, port: u16, args: &[&str], timeout: Duration) -> CliOutput {
        let mut command = Command::new("redis-cli");
        command
            .arg("-e")
            .args(&self.tls)
            .arg("-p")
            .arg(port.to_string())
            .args(args);
        match &self.password {
            Some(password) => command.env("REDISCLI_AUTH", password),
            None => command.env_remove("REDISCLI_AUTH"),
        };
        run_with_timeout(command, timeout)
    }

    /// [`Cli::run_for`] with 5 s, stdout on success.
    pub(crate) fn query(&self, port: u16, args: &[&str]) -> Result<String, String> {
        self.run_for(port, args, Duration::from_secs(5)).ok()
    }

    pub(crate) fn pings(&self, port: u16) -> Result<(), String> {
        let reply = self.query(port, &["PING"])?;
        if reply.trim() == "PONG" {
            Ok(())
        } else {
            Err(format!("PING answered {:?}", reply.trim()))
        }
    }
}

/// Runs a command with stdin from /dev/null, collecting its output; kills it after `timeout`.
pub(crate) fn run_with_timeout(mut command: Command, timeout: Duration) -> CliOutput {
    let mut child = match command
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
    {
        Ok(child) => child,
        Err(e) => {
            return CliOutput {
                status: None,
                stdout: String::new(),
                stderr: format!("cannot start {:?}: {e}", command.get_program()),
            };
        }
    };
    let stdout = read_all(child.stdout.take());
    let stderr = read_all(child.stderr.take());
    let deadline = Instant::now() + timeout;
    let status = loop {
        match child.try_wait() {
            Ok(Some(status)) => break Some(status),
            Ok(None) if Instant::now() < deadline => std::thread::sleep(Duration::from_millis(5)),
            _ => {
                let _ = child.kill();
                let _ = child.wait();
                break None;
            }
        }
    };
    CliOutput {
        status,
        stdout: stdout.join().unwrap_or_default(),
        stderr: stderr.join().unwrap_or_default(),
    }
}

fn read_all(pipe: Option<impl Read + Send + 'static>) -> JoinHandle<String> {
    std::thread::spawn(move || {
        let mut text = String::new();
        if let Some(mut pipe) = pipe {
            let _ = pipe.read_to_string(&mut text);
        }
        text
    })
}

/// Calls `check` until it returns `Ok` or `timeout` has passed; then the last error.
pub(crate) fn poll<T>(
    timeout: Duration,
    mut check: impl FnMut() -> Result<T, String>,
) -> Result<T, String> {
    let deadline = Instant::now() + timeout;
    loop {
        match check() {
            Ok(value) => return Ok(value),
            Err(e) if Instant::now() >= deadline => return Err(e),
            Err(_) => std::thread::sleep(Duration::from_millis(50)),
        }
    }
}

/// The value of `field` in an `INFO` (or `CLUSTER INFO`) reply.
pub(crate) fn info_field<'a>(info: &'a str, field: &str) -> Option<&'a str> {
    info.lines()
        .find_map(|line| line.trim().strip_prefix(field)?.strip_prefix(':'))
}

/// `s` as one command-line argument.
pub(crate) fn arg(s: impl ToString) -> String {
    s.to_string()
}
