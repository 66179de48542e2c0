//! [`Application::build`] binds `LISTEN_ADDR` and `INTERNAL_LISTEN_ADDR` itself (so port 0 works
//! and tests read the ports back) and wires middleware and routes.
//!
//! Two listeners, two route tables: the public one (the browser's routes, reached through the
//! frontend, the token minting and the JWKS) and the internal one (`/internal/*`, for
//! gmail-service only, which compose and Kubernetes keep off the public network). A route of one
//! is a 404 on the other.

use std::net::TcpListener;

use actix_web::{App, HttpServer, middleware::from_fn, web};
use common::{
    health,
    http_metrics::{self, HttpMetrics},
    problem,
    redis_store::RedisStore,
    server::BoundServer,
    telemetry,
};
use contract::paths::{self, auth};

use crate::{
    configuration::Settings, google::GoogleClient, http::routes, keys::Keys, metrics::AuthMetrics,
    state::AppState, store::Store,
};

/// Builds the server; see [`Application::build`].
pub struct Application;

impl Application {
    /// Binds the listener and builds the server.
    pub async fn build(settings: Settings) -> anyhow::Result<BoundServer> {
        let listener = TcpListener::bind(settings.listen_addr)?;
        let port = listener.local_addr()?.port();
        let internal_listener = TcpListener::bind(settings.internal_listen_addr)?;
        let internal_port = internal_listener.local_addr()?.port();
        let redis = RedisStore::connect(&settings.redis)?;
        let metrics = HttpMetrics::new("auth-service")?;
        let state = web::Data::new(AppState {
            store: Store::new(redis.clone()),
            keys: Keys::new(settings.clone(), redis),
            google: GoogleClient::new(settings.google.clone())?,
            metrics: AuthMetrics::register(metrics.registry())?,
            settings,
        });
        let metrics = web::Data::new(metrics);
        let internal = {
            let (state, metrics) = (state.clone(), metrics.clone());
            HttpServer::new(move || {
                App::new()
                    .app_data(state.clone())
                    .app_data(metrics.clone())
                    .app_data(web::PayloadConfig::new(16 * 1024))
                    .wrap(from_fn(common::server::head_as_get))
                    .wrap(from_fn(problem::bare_errors_as_problems))
                    .wrap(from_fn(http_metrics::track))
                    .wrap(from_fn(telemetry::request_id_header))
                    .wrap(telemetry::request_tracing())
                    .route(paths::HEALTHZ, web::get().to(health::healthz))
                    .route(
                        auth::INTERNAL_GOOGLE_ACCESS_TOKEN,
                        web::post().to(routes::internal::google_access_token),
                    )
                    .default_service(web::to(problem::not_found))
            })
            .keep_alive(common::server::SERVER_KEEP_ALIVE)
            .shutdown_timeout(10)
            .listen(internal_listener)?
            .run()
        };
        let server = HttpServer::new(move || {
            App::new()
                .app_data(state.clone())
                .app_data(metrics.clone())
                .app_data(problem::json_config(16 * 1024))
                .app_data(web::PayloadConfig::new(16 * 1024))
                .app_data(problem::query_config())
                .app_data(problem::path_config())
                .wrap(from_fn(common::server::head_as_get))
                .wrap(from_fn(problem::bare_errors_as_problems))
                .wrap(from_fn(http_metrics::track))
                .wrap(from_fn(telemetry::request_id_header))
                .wrap(telemetry::request_tracing())
                .route(paths::HEALTHZ, web::get().to(health::healthz))
                .route(paths::READYZ, web::get().to(routes::health::readyz))
                .route(paths::METRICS, web::get().to(http_metrics::endpoint))
                .route(auth::OAUTH_LOGIN, web::get().to(routes::login::login))
                .route(
                    auth::OAUTH_CALLBACK,
                    web::get().to(routes::callback::callback),
                )
                .route(auth::OAUTH_LOGOUT, web::post().to(routes::logout::logout))
                .route(
                    auth::OAUTH_REMOVE_ACCOUNT,
                    web::post().to(routes::logout::remove_account),
                )
                .route(
                    auth::SESSION_TOKEN,
                    web::post().to(routes::tokens::session_token),
                )
                .route(
                    auth::SESSION_TOKENS,
                    web::post().to(routes::tokens::session_tokens),
                )
                .route(auth::API_TOKENS, web::post().to(routes::tokens::api_token))
                .route(
                    auth::API_TOKENS_REVOKE,
                    web::post().to(routes::tokens::revoke_api_tokens),
                )
                .route(auth::JWKS, web::get().to(routes::tokens::jwks))
                .default_service(web::to(problem::not_found))
        })
        .keep_alive(common::server::SERVER_KEEP_ALIVE)
        .shutdown_timeout(10)
        .listen(listener)?
        .run();
        Ok(BoundServer::new(port, server).with_internal(internal_port, internal))
    }
}
