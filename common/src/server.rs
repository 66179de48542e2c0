//! A bound, not yet running HTTP server: what every service's `Application::build` returns.
//! The port can be read back (so `LISTEN_ADDR=127.0.0.1:0` works in tests) and the server
//! stops gracefully on SIGTERM / Ctrl-C, or through its handle.
//!
//! It also owns the keep-alive rule between the services: a server keeps an idle connection
//! open longer ([`SERVER_KEEP_ALIVE`]) than any of our HTTP clients keeps one in its pool
//! ([`CLIENT_POOL_IDLE_TIMEOUT`]). Otherwise a server may close a connection at the moment a
//! peer's pool reuses it, and that request fails with "error sending request" (actix-web's
//! default keep-alive is 5 s, reqwest's pool keeps connections for 90 s).
//!
//! [`head_as_get`] is the middleware with which every service answers `HEAD` wherever it
//! answers `GET`.

use std::time::Duration;

use actix_web::dev::{Server, ServerHandle};

/// How long every service keeps an idle HTTP/1.1 connection open (`HttpServer::keep_alive`).
pub const SERVER_KEEP_ALIVE: Duration = Duration::from_secs(75);

/// How long the services' HTTP clients keep an idle pooled connection
/// (`reqwest::ClientBuilder::pool_idle_timeout`): well under [`SERVER_KEEP_ALIVE`].
pub const CLIENT_POOL_IDLE_TIMEOUT: Duration = Duration::from_secs(30);

/// A server whose listener is bound; optionally with a second, internal listener (routes meant
/// for our own services only, kept off the port that browser-facing routes use).
pub struct BoundServer {
    port: u16,
    server: Server,
    internal: Option<(u16, Server)>,
}

/// Stops every listener of a [`BoundServer`].
#[derive(Clone)]
pub struct BoundServerHandle(Vec<ServerHandle>);

impl BoundServerHandle {
    /// Stops all listeners (gracefully: finishing requests in flight).
    pub async fn stop(&self, graceful: bool) {
        for handle in &self.0 {
            handle.stop(graceful).await;
        }
    }
}

impl BoundServer {
    /// Wraps a server built with `.listen(listener)?.run()`.
    pub fn new(port: u16, server: Server) -> Self {
        Self {
            port,
            server,
            internal: None,
        }
    }

    /// Adds the internal listener's server.
    pub fn with_internal(mut self, port: u16, server: Server) -> Self {
        self.internal = Some((port, server));
        self
    }

    /// The bound port.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// The internal listener's port, if there is one.
    pub fn internal_port(&self) -> Option<u16> {
        self.internal.as_ref().map(|(port, _)| *port)
    }

    /// A handle that stops every listener.
    pub fn handle(&self) -> BoundServerHandle {
        BoundServerHandle(
            std::iter::once(&self.server)
                .chain(self.internal.as_ref().map(|(_, s)| s))
                .map(Server::handle)
                .collect(),
        )
    }

    /// Serves until stopped; with an internal listener, until both have stopped.
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        match self.internal {
            None => self.server.await,
            Some((_, internal)) => {
                let (public, internal) = futures_util::future::join(self.server, internal).await;
                public.and(internal)
            }
        }
    }
}

/// Middleware: a `HEAD` request is routed as the `GET` of the same path, so every route that
/// answers `GET` answers `HEAD` with the same status and headers (RFC 9110 9.3.2). The body is
/// left out by actix-http itself, which remembers that the request was a `HEAD` (both its
/// HTTP/1 and HTTP/2 writers drop the body of a `HEAD` answer and keep its length). Wrap it
/// innermost (the first `.wrap`), so logs and metrics outside it still see `HEAD`.
pub async fn head_as_get(
    mut request: actix_web::dev::ServiceRequest,
    next: actix_web::middleware::Next<impl actix_web::body::MessageBody>,
) -> Result<actix_web::dev::ServiceResponse<impl actix_web::body::MessageBody>, actix_web::Error> {
    if request.method() == actix_web::http::Method::HEAD {
        request.head_mut().method = actix_web::http::Method::GET;
    }
    next.call(request).await
}
