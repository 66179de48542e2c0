//! A bound, not yet running HTTP server: what every service's `Application::build` returns.
//! The port can be read back (so `LISTEN_ADDR=127.0.0.1:0` works in tests) and the server
//! stops gracefully on SIGTERM / Ctrl-C, or through its handle.

use actix_web::dev::{Server, ServerHandle};

/// A server whose listener is bound.
pub struct BoundServer {
    port: u16,
    server: Server,
}

impl BoundServer {
    /// Wraps a server built with `.listen(listener)?.run()`.
    pub fn new(port: u16, server: Server) -> Self {
        Self { port, server }
    }

    /// The bound port.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// A handle that stops the server.
    pub fn handle(&self) -> ServerHandle {
        self.server.handle()
    }

    /// Serves until stopped.
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        self.server.await
    }
}
