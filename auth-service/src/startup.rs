//! [`Application::build`] binds `LISTEN_ADDR` itself (so port 0 works and tests read the port
//! back) and wires middleware and routes.

use std::net::TcpListener;

use actix_web::{
    App, HttpServer,
    dev::{Server, ServerHandle},
    middleware::from_fn,
    web,
};
use common::{
    health,
    http_metrics::{self, HttpMetrics},
    problem,
    redis_store::RedisStore,
    telemetry,
};

use crate::{configuration::Settings, routes};

/// A bound, not yet running auth-service.
pub struct Application {
    port: u16,
    server: Server,
}

impl Application {
    /// Binds the listener and builds the server.
    pub async fn build(settings: Settings) -> anyhow::Result<Self> {
        let listener = TcpListener::bind(settings.listen_addr)?;
        let port = listener.local_addr()?.port();
        let redis = web::Data::new(RedisStore::connect(&settings.redis)?);
        let metrics = web::Data::new(HttpMetrics::new("auth-service")?);
        let server = HttpServer::new(move || {
            App::new()
                .app_data(redis.clone())
                .app_data(metrics.clone())
                .app_data(problem::json_config(16 * 1024))
                .app_data(problem::query_config())
                .app_data(problem::path_config())
                .wrap(from_fn(http_metrics::track))
                .wrap(from_fn(telemetry::request_id_header))
                .wrap(telemetry::request_tracing())
                .route("/healthz", web::get().to(health::healthz))
                .route("/readyz", web::get().to(routes::health::readyz))
                .route("/metrics", web::get().to(http_metrics::endpoint))
                .default_service(web::to(problem::not_found))
        })
        .shutdown_timeout(10)
        .listen(listener)?
        .run();
        Ok(Self { port, server })
    }

    /// The bound port.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// A handle that stops the server.
    pub fn handle(&self) -> ServerHandle {
        self.server.handle()
    }

    /// Serves until stopped (SIGTERM / Ctrl-C stop it gracefully).
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        self.server.await
    }
}
