//! A Redis that speaks only TLS.

use std::time::Duration;

use crate::{
    certs::{TestCertificates, TlsFiles},
    process::{Cli, Node, TempDir, arg, log_file, pick_port, poll},
};

/// How a [`TlsRedis`] is set up.
#[derive(Clone, Copy, Debug, Default)]
pub struct TlsOptions {
    /// `tls-auth-clients yes`: a client must present a certificate signed by the CA
    /// ([`TestCertificates::client_cert`]).
    pub client_certificates_required: bool,
    /// Serve [`TestCertificates::wrong_host_cert`] (valid only for
    /// [`TestCertificates::WRONG_HOST`]) instead of the certificate for `localhost`.
    pub wrong_host: bool,
}

/// A redis-server that accepts only TLS connections (`--port 0 --tls-port <port>`), on
/// 127.0.0.1, without persistence. Stopped on Drop and when the test process exits.
pub struct TlsRedis {
    // Declared first: dropped (killed) before the directory is removed.
    node: Node,
    port: u16,
    _dir: TempDir,
}

impl TlsRedis {
    /// Starts the server and waits until a TLS `PING` (with the client certificate when
    /// required) answers.
    pub fn start(certs: &TestCertificates, options: TlsOptions) -> Self {
        let dir = TempDir::new("tls-redis");
        let files = TlsFiles::copy(certs, options.wrong_host, dir.path());
        let port = pick_port(false);
        let mut args = vec![
            arg("--port"),
            arg(0),
            arg("--tls-port"),
            arg(port),
            arg("--bind"),
            arg("127.0.0.1"),
            arg("--save"),
            arg(""),
            arg("--appendonly"),
            arg("no"),
            arg("--dir"),
            arg(dir.path().display()),
            arg("--logfile"),
            arg(log_file(dir.path(), port).display()),
        ];
        args.extend(files.server_args(options.client_certificates_required));
        let mut node = Node::new(port, args, dir.path());
        node.start();
        let client = options
            .client_certificates_required
            .then_some((files.client_cert.as_path(), files.client_key.as_path()));
        let cli = Cli::tls(&files.ca, client);
        if let Err(e) = poll(Duration::from_secs(10), || cli.pings(port)) {
            panic!(
                "the TLS redis-server on port {port} did not answer a TLS PING within 10 s \
                 (last try: {e})\n{}",
                node.diagnostics()
            );
        }
        Self {
            node,
            port,
            _dir: dir,
        }
    }

    /// `rediss://localhost:<port>` (`localhost`: the name the server certificate is valid for).
    pub fn url(&self) -> String {
        format!("rediss://localhost:{}", self.port)
    }

    /// The TLS port.
    pub fn port(&self) -> u16 {
        self.port
    }
}

impl Drop for TlsRedis {
    fn drop(&mut self) {
        self.node.kill();
    }
}
