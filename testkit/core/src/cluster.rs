//! A Redis Cluster of three masters with one replica each.

use std::time::Duration;

use crate::{
    certs::{TestCertificates, TlsFiles},
    process::{Cli, Node, TempDir, arg, info_field, log_file, pick_port, poll, run_with_timeout},
};

/// Six cluster nodes on 127.0.0.1 (`--cluster-node-timeout 1000`, no persistence), three
/// masters with one replica each, created with `redis-cli --cluster create`. Each logs to
/// `<temp dir>/<port>.log` and keeps its `nodes-<port>.conf` there. Killed on Drop and when the
/// test process exits; the temporary directory is removed on Drop.
///
/// With TLS, the nodes listen only on their TLS port (`--port 0`) and talk TLS to each other
/// (`--tls-cluster yes --tls-replication yes`); clients need no certificate of their own.
/// Every port is picked with its cluster bus port (port + 10000) free.
pub struct RedisCluster {
    // Declared first: dropped (killed) before the directory is removed.
    nodes: Vec<Node>,
    tls: bool,
    cli: Cli,
    _dir: TempDir,
}

/// A line of `CLUSTER NODES`.
struct ClusterNode {
    id: String,
    port: u16,
    flags: Vec<String>,
    master_id: String,
    slots: Vec<(u16, u16)>,
}

impl ClusterNode {
    fn is(&self, flag: &str) -> bool {
        self.flags.iter().any(|f| f == flag)
    }

    fn failing(&self) -> bool {
        self.is("fail") || self.is("fail?")
    }
}

impl RedisCluster {
    /// Starts six nodes, creates the cluster and waits until every node reports
    /// `cluster_state:ok` and every master has a replica in sync. With certificates, the nodes
    /// speak only TLS and use [`TestCertificates::server_cert`] (valid for 127.0.0.1, the
    /// address the nodes announce, and for `localhost`).
    pub fn start(certs: Option<&TestCertificates>) -> Self {
        let dir = TempDir::new("cluster");
        let files = certs.map(|c| TlsFiles::copy(c, false, dir.path()));
        let cli = match &files {
            Some(files) => Cli::tls(&files.ca, None),
            None => Cli::plain(),
        };
        let mut nodes = Vec::new();
        for _ in 0..6 {
            let port = pick_port(true);
            let mut args = match &files {
                Some(files) => {
                    let mut args = vec![
                        arg("--port"),
                        arg(0),
                        arg("--tls-port"),
                        arg(port),
                        arg("--tls-cluster"),
                        arg("yes"),
                        arg("--tls-replication"),
                        arg("yes"),
                    ];
                    args.extend(files.server_args(false));
                    args
                }
                None => vec![arg("--port"), arg(port)],
            };
            let path = dir.path();
            args.extend([
                arg("--bind"),
                arg("127.0.0.1"),
                arg("--cluster-enabled"),
                arg("yes"),
                arg("--cluster-config-file"),
                arg(path.join(format!("nodes-{port}.conf")).display()),
                arg("--cluster-node-timeout"),
                arg(1000),
                arg("--appendonly"),
                arg("no"),
                arg("--save"),
                arg(""),
                arg("--dir"),
                arg(path.display()),
                // A replica syncs at once (the default waits 5 s for more replicas).
                arg("--repl-diskless-sync-delay"),
                arg(0),
                arg("--dbfilename"),
                arg(format!("dump-{port}.rdb")),
                arg("--logfile"),
                arg(log_file(path, port).display()),
            ]);
            nodes.push(Node::new(port, args, path));
        }
        for node in &mut nodes {
            node.start();
        }
        let cluster = Self {
            nodes,
            tls: files.is_some(),
            cli,
            _dir: dir,
        };
        for node in &cluster.nodes {
            if let Err(e) = poll(Duration::from_secs(10), || cluster.cli.pings(node.port)) {
                panic!(
                    "cluster node {} did not answer PING within 10 s (last try: {e})\n{}",
                    node.port,
                    node.diagnostics()
                );
            }
        }
        cluster.create();
        if let Err(e) = poll(Duration::from_secs(20), || cluster.check_complete()) {
            panic!(
                "the cluster did not come up within 20 s (all nodes cluster_state:ok, every \
                 master with a replica in sync): {e}\n{}",
                cluster.all_diagnostics()
            );
        }
        cluster
    }

    /// `redis://127.0.0.1:<port>` for every node, or with TLS `rediss://localhost:<port>`.
    pub fn seeds(&self) -> Vec<String> {
        self.nodes
            .iter()
            .map(|n| {
                if self.tls {
                    format!("rediss://localhost:{}", n.port)
                } else {
                    format!("redis://127.0.0.1:{}", n.port)
                }
            })
            .collect()
    }

    /// The ports of all six nodes, running or not.
    pub fn ports(&self) -> Vec<u16> {
        self.nodes.iter().map(|n| n.port).collect()
    }

    /// The ports of the masters that serve slots, as a running node sees them, sorted.
    pub fn masters(&self) -> Vec<u16> {
        let (_, view) = self.any_view();
        let mut masters: Vec<u16> = view
            .iter()
            .filter(|n| n.is("master") && !n.failing() && !n.slots.is_empty())
            .map(|n| n.port)
            .collect();
        masters.sort_unstable();
        masters
    }

    /// The port of the master serving `key`'s slot (`CLUSTER KEYSLOT`, `CLUSTER NODES`).
    pub fn master_of(&self, key: &str) -> u16 {
        let (port, view) = self.any_view();
        let slot: u16 = self
            .cli
            .query(port, &["CLUSTER", "KEYSLOT", key])
            .ok()
            .and_then(|s| s.trim().parse().ok())
            .unwrap_or_else(|| panic!("node {port} does not answer CLUSTER KEYSLOT {key}"));
        view.iter()
            .find(|n| {
                n.is("master")
                    && !n.failing()
                    && n.slots.iter().any(|&(a, b)| (a..=b).contains(&slot))
            })
            .map(|n| n.port)
            .unwrap_or_else(|| panic!("node {port} knows no master serving slot {slot} ({key})"))
    }

    /// Kills (SIGKILL) the master serving `key` and returns its port.
    pub fn kill_master_of(&mut self, key: &str) -> u16 {
        let master = self.master_of(key);
        let node = self
            .nodes
            .iter_mut()
            .find(|n| n.port == master)
            .unwrap_or_else(|| panic!("the cluster names a master on {master}, not ours"));
        node.kill();
        master
    }

    /// Waits until every running node reports `cluster_state:ok` and sees every slot served by
    /// a running master (after a kill: a replica took over).
    pub fn wait_until_ok(&self, timeout: Duration) {
        if let Err(e) = poll(timeout, || self.check_ok().map(|_| ())) {
            panic!(
                "the cluster was not ok again within {timeout:?}: {e}\n{}",
                self.all_diagnostics()
            );
        }
    }

    /// Starts a killed node again, on its port, with its `nodes-<port>.conf`: it rejoins the
    /// cluster (a former master as a replica of the node that took over).
    pub fn restart(&mut self, port: u16) {
        let cli = self.cli.clone();
        let node = self
            .nodes
            .iter_mut()
            .find(|n| n.port == port)
            .unwrap_or_else(|| panic!("{port} is not a node of this cluster"));
        node.start();
        if let Err(e) = poll(Duration::from_secs(10), || cli.pings(port)) {
            panic!(
                "cluster node {port} did not answer PING after a restart (last try: {e})\n{}",
                node.diagnostics()
            );
        }
    }

    fn create(&self) {
        let mut command = std::process::Command::new("redis-cli");
        command
            .args(self.cli.tls_args())
            .arg("--cluster")
            .arg("create")
            .args(self.nodes.iter().map(|n| format!("127.0.0.1:{}", n.port)))
            .args(["--cluster-replicas", "1", "--cluster-yes"]);
        if let Err(e) = run_with_timeout(command, Duration::from_secs(30)).ok() {
            panic!(
                "redis-cli --cluster create failed: {e}\n{}",
                self.all_diagnostics()
            );
        }
    }

    fn running(&self) -> impl Iterator<Item = &Node> {
        self.nodes.iter().filter(|n| n.is_running())
    }

    fn view(&self, port: u16) -> Result<Vec<ClusterNode>, String> {
        let raw = self.cli.query(port, &["CLUSTER", "NODES"])?;
        raw.lines()
            .filter(|l| !l.trim().is_empty())
            .map(parse_node)
            .collect::<Option<Vec<_>>>()
            .ok_or_else(|| format!("node {port}: cannot parse CLUSTER NODES {raw:?}"))
    }

    fn any_view(&self) -> (u16, Vec<ClusterNode>) {
        let mut errors = Vec::new();
        for node in self.running() {
            match self.view(node.port) {
                Ok(view) => return (node.port, view),
                Err(e) => errors.push(e),
            }
        }
        panic!(
            "no cluster node answers CLUSTER NODES: {}",
            errors.join("; ")
        )
    }

    /// Every running node: `cluster_state:ok`, and every slot owner in its view is running.
    /// Returns the views.
    fn check_ok(&self) -> Result<Vec<(u16, Vec<ClusterNode>)>, String> {
        let running: Vec<u16> = self.running().map(|n| n.port).collect();
        let mut views = Vec::new();
        for &port in &running {
            let info = self.cli.query(port, &["CLUSTER", "INFO"])?;
            match info_field(&info, "cluster_state") {
                Some("ok") => {}
                other => return Err(format!("node {port}: cluster_state is {other:?}")),
            }
            let view = self.view(port)?;
            let owners: Vec<&ClusterNode> = view.iter().filter(|n| !n.slots.is_empty()).collect();
            if let Some(owner) = owners
                .iter()
                .find(|n| !running.contains(&n.port) || n.failing())
            {
                return Err(format!(
                    "node {port} still sees slots served by {} ({})",
                    owner.port,
                    owner.flags.join(",")
                ));
            }
            let slots: u32 = owners
                .iter()
                .flat_map(|n| &n.slots)
                .map(|&(a, b)| u32::from(b - a) + 1)
                .sum();
            if slots != 16384 {
                return Err(format!("node {port} sees {slots} of 16384 slots served"));
            }
            views.push((port, view));
        }
        Ok(views)
    }

    /// [`RedisCluster::check_ok`], three masters, each with a running replica whose link to
    /// it is up.
    fn check_complete(&self) -> Result<(), String> {
        for (port, view) in self.check_ok()? {
            let masters: Vec<&ClusterNode> = view.iter().filter(|n| !n.slots.is_empty()).collect();
            if masters.len() != 3 {
                return Err(format!("node {port} sees {} masters", masters.len()));
            }
            for master in masters {
                if !view
                    .iter()
                    .any(|n| n.is("slave") && !n.failing() && n.master_id == master.id)
                {
                    return Err(format!("node {port} sees master {} alone", master.port));
                }
            }
        }
        for node in self.running() {
            let info = self.cli.query(node.port, &["INFO", "replication"])?;
            if info_field(&info, "role") == Some("slave")
                && info_field(&info, "master_link_status") != Some("up")
            {
                return Err(format!("replica {} is not in sync yet", node.port));
            }
        }
        Ok(())
    }

    fn all_diagnostics(&self) -> String {
        self.nodes
            .iter()
            .map(|n| format!("--- node {} ---\n{}", n.port, n.diagnostics()))
            .collect::<Vec<_>>()
            .join("\n")
    }
}

impl Drop for RedisCluster {
    fn drop(&mut self) {
        for node in &mut self.nodes {
            node.kill();
        }
    }
}

/// `<id> <ip:port@cport[,hostname]> <flags> <master> <ping> <pong> <epoch> <link> <slot>…`
fn parse_node(line: &str) -> Option<ClusterNode> {
    let fields: Vec<&str> = line.split_whitespace().collect();
    if fields.len() < 8 {
        return None;
    }
    let address = fields[1].split('@').next()?;
    let port = address.rsplit(':').next()?.parse().ok()?;
    let slots = fields[8..]
        .iter()
        .filter(|s| !s.starts_with('['))
        .map(|s| match s.split_once('-') {
            Some((a, b)) => Some((a.parse().ok()?, b.parse().ok()?)),
            None => {
                let slot = s.parse().ok()?;
                Some((slot, slot))
            }
        })
        .collect::<Option<Vec<_>>>()?;
    Some(ClusterNode {
        id: fields[0].to_owned(),
        port,
        flags: fields[2].split(',').map(str::to_owned).collect(),
        master_id: fields[3].to_owned(),
        slots,
    })
}
