//! A master, two replicas and three sentinels.

use std::{path::Path, time::Duration};

use crate::process::{Cli, Node, TempDir, arg, info_field, log_file, pick_port, poll};

/// How a [`SentinelSet`] is set up.
#[derive(Clone, Debug)]
pub struct SentinelOptions {
    /// The name the sentinels monitor the master under (`sentinel monitor <name> …`).
    pub master_name: String,
    /// `requirepass` and `masterauth` on the data nodes, `sentinel auth-pass` on the sentinels.
    pub password: Option<String>,
    /// `requirepass` on the sentinels (and `sentinel sentinel-pass`, so they reach each other).
    pub sentinel_password: Option<String>,
}

impl Default for SentinelOptions {
    /// `mymaster`, no passwords.
    fn default() -> Self {
        Self {
            master_name: "mymaster".to_owned(),
            password: None,
            sentinel_password: None,
        }
    }
}

/// One master, two replicas (`--replicaof`) and three sentinels (quorum 2, down after 1 s,
/// failover timeout 3 s), all on 127.0.0.1 without persistence, each logging to
/// `<temp dir>/<port>.log`. Killed on Drop and when the test process exits; the temporary
/// directory is removed on Drop.
pub struct SentinelSet {
    // Declared first: dropped (killed) before the directory is removed.
    sentinels: Vec<Node>,
    data: Vec<Node>,
    options: SentinelOptions,
    data_cli: Cli,
    sentinel_cli: Cli,
    /// The master [`SentinelSet::wait_for_new_master`] waits to see replaced.
    previous_master: u16,
    dir: TempDir,
}

impl SentinelSet {
    /// Starts the data nodes, waits until both replicas are in sync, starts the sentinels and
    /// waits until each knows the master, both replicas and the two other sentinels.
    pub fn start(options: SentinelOptions) -> Self {
        let dir = TempDir::new("sentinel");
        let data_cli = Cli::plain().with_password(options.password.as_deref());
        let sentinel_cli = Cli::plain().with_password(options.sentinel_password.as_deref());
        let master = pick_port(false);
        let mut set = Self {
            sentinels: Vec::new(),
            data: Vec::new(),
            data_cli,
            sentinel_cli,
            previous_master: master,
            dir,
            options,
        };
        let mut nodes = vec![Node::new(
            master,
            set.data_args(master, None),
            set.dir.path(),
        )];
        for _ in 0..2 {
            let port = pick_port(false);
            let args = set.data_args(port, Some(master));
            nodes.push(Node::new(port, args, set.dir.path()));
        }
        for node in &mut nodes {
            node.start();
        }
        set.data = nodes;
        for node in &set.data {
            set.wait(node, "answer PING", Duration::from_secs(10), || {
                set.data_cli.pings(node.port)
            });
        }
        for node in &set.data[1..] {
            set.wait(
                node,
                "sync with its master",
                Duration::from_secs(10),
                || {
                    let info = set.data_cli.query(node.port, &["INFO", "replication"])?;
                    match info_field(&info, "master_link_status") {
                        Some("up") => Ok(()),
                        other => Err(format!("master_link_status is {other:?}")),
                    }
                },
            );
        }

        for _ in 0..3 {
            let port = pick_port(false);
            let config = set.write_sentinel_config(port, master);
            let args = vec![config, arg("--sentinel")];
            set.sentinels.push(Node::new(port, args, set.dir.path()));
        }
        for sentinel in &mut set.sentinels {
            sentinel.start();
        }
        let name = set.options.master_name.clone();
        for sentinel in &set.sentinels {
            set.wait(
                sentinel,
                "know the master, both replicas and the two other sentinels",
                Duration::from_secs(15),
                || {
                    let cli = &set.sentinel_cli;
                    let port = sentinel.port;
                    let addr = cli.query(port, &["SENTINEL", "get-master-addr-by-name", &name])?;
                    if addr.split_whitespace().nth(1) != Some(&master.to_string()) {
                        return Err(format!("the master is at {:?}", addr.trim()));
                    }
                    let replicas = entries(&cli.query(port, &["SENTINEL", "replicas", &name])?);
                    let others = entries(&cli.query(port, &["SENTINEL", "sentinels", &name])?);
                    if replicas == 2 && others == 2 {
                        Ok(())
                    } else {
                        Err(format!(
                            "it knows {replicas} replicas and {others} other sentinels"
                        ))
                    }
                },
            );
        }
        set
    }

    /// The sentinels' addresses, `127.0.0.1:<port>`.
    pub fn sentinels(&self) -> Vec<String> {
        self.sentinels
            .iter()
            .map(|s| format!("127.0.0.1:{}", s.port))
            .collect()
    }

    /// The name the sentinels know the master by.
    pub fn master_name(&self) -> &str {
        &self.options.master_name
    }

    /// The ports of the three data nodes (master and replicas, running or not).
    pub fn data_ports(&self) -> Vec<u16> {
        self.data.iter().map(|n| n.port).collect()
    }

    /// The port of the current master, as a sentinel reports it
    /// (`SENTINEL get-master-addr-by-name`).
    pub fn master_port(&self) -> u16 {
        let mut errors = Vec::new();
        for sentinel in self.sentinels.iter().filter(|s| s.is_running()) {
            match self.reported_master(sentinel.port) {
                Ok(port) => return port,
                Err(e) => errors.push(format!("sentinel {}: {e}", sentinel.port)),
            }
        }
        panic!("no sentinel reports the master: {}", errors.join("; "))
    }

    /// Kills the current master (SIGKILL: no shutdown, no save) and returns its port.
    pub fn kill_master(&mut self) -> u16 {
        let master = self.master_port();
        let node = self
            .data
            .iter_mut()
            .find(|n| n.port == master)
            .unwrap_or_else(|| panic!("the sentinels report a master on {master}, not ours"));
        node.kill();
        self.previous_master = master;
        master
    }

    /// Waits until every running sentinel reports a master other than the one last killed by
    /// [`SentinelSet::kill_master`] (or, before any kill, other than the first master) and
    /// that node answers `ROLE` as a master; returns its port.
    pub fn wait_for_new_master(&self, timeout: Duration) -> u16 {
        let previous = self.previous_master;
        let found = poll(timeout, || {
            let mut reported = None;
            for sentinel in self.sentinels.iter().filter(|s| s.is_running()) {
                let port = self
                    .reported_master(sentinel.port)
                    .map_err(|e| format!("sentinel {}: {e}", sentinel.port))?;
                if port == previous {
                    return Err(format!("sentinel {} still reports {port}", sentinel.port));
                }
                if reported.is_some_and(|r| r != port) {
                    return Err(format!("the sentinels disagree: {reported:?} and {port}"));
                }
                reported = Some(port);
            }
            let port = reported.ok_or("no sentinel is running")?;
            let role = self.data_cli.query(port, &["ROLE"])?;
            if role.lines().next() == Some("master") {
                Ok(port)
            } else {
                Err(format!(
                    "{port} answers ROLE with {:?}",
                    role.lines().next()
                ))
            }
        });
        found.unwrap_or_else(|e| {
            panic!(
                "no new master replaced {previous} within {timeout:?} (last check: {e})\n{}",
                self.all_diagnostics()
            )
        })
    }

    /// Starts a killed data node again, on its port, as a replica of the current master.
    pub fn restart(&mut self, port: u16) {
        let master = self.master_port();
        let args = self.data_args(port, Some(master));
        let cli = self.data_cli.clone();
        let index = self
            .data
            .iter()
            .position(|n| n.port == port)
            .unwrap_or_else(|| panic!("{port} is not a data node of this sentinel set"));
        let node = &mut self.data[index];
        if !node.is_running() {
            node.set_args(args);
            node.start();
        }
        self.wait(
            &self.data[index],
            "answer PING after a restart",
            Duration::from_secs(10),
            || cli.pings(port),
        );
    }

    fn reported_master(&self, sentinel: u16) -> Result<u16, String> {
        let name = &self.options.master_name;
        let addr = self
            .sentinel_cli
            .query(sentinel, &["SENTINEL", "get-master-addr-by-name", name])?;
        addr.split_whitespace()
            .nth(1)
            .and_then(|p| p.parse().ok())
            .ok_or_else(|| format!("get-master-addr-by-name answered {:?}", addr.trim()))
    }

    fn data_args(&self, port: u16, replica_of: Option<u16>) -> Vec<String> {
        let dir = self.dir.path();
        let mut args = vec![
            arg("--port"),
            arg(port),
            arg("--bind"),
            arg("127.0.0.1"),
            arg("--save"),
            arg(""),
            arg("--appendonly"),
            arg("no"),
            arg("--dir"),
            arg(dir.display()),
            // A replica syncs at once (the default waits 5 s for more replicas).
            arg("--repl-diskless-sync-delay"),
            arg(0),
            arg("--dbfilename"),
            arg(format!("dump-{port}.rdb")),
            arg("--logfile"),
            arg(log_file(dir, port).display()),
        ];
        if let Some(master) = replica_of {
            args.extend([arg("--replicaof"), arg("127.0.0.1"), arg(master)]);
        }
        if let Some(password) = &self.options.password {
            args.extend([
                arg("--requirepass"),
                arg(password),
                arg("--masterauth"),
                arg(password),
            ]);
        }
        args
    }

    /// Writes `sentinel-<port>.conf` (a sentinel rewrites its configuration, so it needs a
    /// file of its own) and returns its path.
    fn write_sentinel_config(&self, port: u16, master: u16) -> String {
        let dir = self.dir.path();
        let name = &self.options.master_name;
        let mut config = format!(
            "port {port}\nbind 127.0.0.1\ndir {dir}\nlogfile {log}\n\
             sentinel monitor {name} 127.0.0.1 {master} 2\n\
             sentinel down-after-milliseconds {name} 1000\n\
             sentinel failover-timeout {name} 3000\n\
             sentinel parallel-syncs {name} 1\n",
            dir = quoted(dir),
            log = quoted(&log_file(dir, port)),
        );
        if let Some(password) = &self.options.password {
            config.push_str(&format!("sentinel auth-pass {name} {password}\n"));
        }
        if let Some(password) = &self.options.sentinel_password {
            config.push_str(&format!(
                "requirepass {password}\nsentinel sentinel-pass {password}\n"
            ));
        }
        let path = dir.join(format!("sentinel-{port}.conf"));
        std::fs::write(&path, config)
            .unwrap_or_else(|e| panic!("cannot write {}: {e}", path.display()));
        path.display().to_string()
    }

    /// Waits for `check`, or panics naming the node, what it did not do, and its log.
    fn wait(
        &self,
        node: &Node,
        what: &str,
        timeout: Duration,
        check: impl FnMut() -> Result<(), String>,
    ) {
        if let Err(e) = poll(timeout, check) {
            panic!(
                "sentinel set: the node on port {} did not {what} within {timeout:?} \
                 (last check: {e})\n{}",
                node.port,
                node.diagnostics()
            );
        }
    }

    fn all_diagnostics(&self) -> String {
        self.data
            .iter()
            .chain(&self.sentinels)
            .map(|n| format!("--- node {} ---\n{}", n.port, n.diagnostics()))
            .collect::<Vec<_>>()
            .join("\n")
    }
}

impl Drop for SentinelSet {
    fn drop(&mut self) {
        // The sentinels first, so that they do not start a failover while the rest goes.
        for node in self.sentinels.iter_mut().chain(self.data.iter_mut()) {
            node.kill();
        }
    }
}

/// How many entries a raw `SENTINEL replicas|sentinels` reply lists: each is a flat list of
/// field/value pairs starting with `name`.
fn entries(raw: &str) -> usize {
    let lines: Vec<&str> = raw.lines().collect();
    lines.chunks(2).filter(|pair| pair[0] == "name").count()
}

fn quoted(path: &Path) -> String {
    format!("\"{}\"", path.display())
}
