//! [`Application::build`] binds `LISTEN_ADDR` itself (so port 0 works and tests read the port
//! back), builds the long-lived clients once (auth-service's public URL for the JWKS and its
//! internal URL for Google tokens, Gmail, Redis) and wires middleware and routes: every
//! request runs under its deadline ([`crate::http::deadline`]), and every `GET` route answers
//! `HEAD`.

use std::{net::TcpListener, sync::Arc};

use actix_web::{
    App, HttpServer, Route,
    dev::{Server, ServerHandle},
    middleware::from_fn,
    web,
};
use common::{
    http_metrics::{self, HttpMetrics},
    jwt::{GMAIL_SERVICE_AUDIENCE, JwtVerifier},
    problem,
    redis_store::RedisStore,
    telemetry,
};

use crate::{
    configuration::Settings,
    events::{EventHub, EventLog},
    gmail::GmailClient,
    google_token::TokenSource,
    http::{
        attachments,
        deadline::{self, RequestDeadline},
        events, fallback, health, messages, openapi, push,
    },
    mailbox::Mailbox,
    metrics::ServiceMetrics,
    mirror::Mirror,
    push::Push,
    quota::QuotaBudget,
    service_credential::ServiceCredentialSource,
};

/// A bound, not yet running gmail-service.
pub struct Application {
    port: u16,
    server: Server,
}

/// `path` answering `GET` with `handler` and any other method with a 405 problem.
fn get_only(path: &str, handler: Route) -> actix_web::Resource {
    web::resource(path)
        .route(handler)
        .default_service(web::to(fallback::method_not_allowed))
}

impl Application {
    /// Binds the listener and builds the server.
    pub async fn build(settings: Settings) -> anyhow::Result<Self> {
        let listener = TcpListener::bind(settings.listen_addr)?;
        Self::build_on(settings, listener).await
    }

    /// As [`Self::build`], on a listener bound already (`LISTEN_ADDR` is not used): a test
    /// that must tell another server this one's address before it starts binds it first.
    pub async fn build_on(settings: Settings, listener: TcpListener) -> anyhow::Result<Self> {
        let port = listener.local_addr()?.port();
        let store = RedisStore::connect(&settings.redis)?;
        let http_metrics = HttpMetrics::new("gmail-service")?;
        let service_metrics = ServiceMetrics::register(http_metrics.registry())?;
        let auth_http = reqwest::Client::builder()
            .timeout(settings.auth_service_timeout)
            .connect_timeout(settings.auth_service_timeout)
            .pool_idle_timeout(common::server::CLIENT_POOL_IDLE_TIMEOUT)
            .redirect(reqwest::redirect::Policy::none())
            .build()?;
        let verifier = web::Data::new(
            JwtVerifier::new(
                auth_http.clone(),
                &format!("{}/.well-known/jwks.json", settings.auth_service_url),
                &settings.jwt_issuer,
                GMAIL_SERVICE_AUDIENCE,
            )
            .with_refetch_interval(settings.jwks_refetch_interval),
        );
        let quota = QuotaBudget::new(
            store.clone(),
            settings.quota.clone(),
            service_metrics.clone(),
        );
        let gmail = GmailClient::new(settings.gmail.clone(), quota, service_metrics.clone())?;
        let tokens = TokenSource::new(
            auth_http,
            &settings.auth_service_internal_url,
            ServiceCredentialSource::new(&settings.service_credential, store.clone()),
            service_metrics.clone(),
        );
        let mirror = Mirror::new(store.clone(), settings.mirror_ttl);
        let event_log = EventLog::new(store.clone());
        let mailbox = web::Data::new(Mailbox::new(
            gmail,
            tokens,
            mirror,
            settings.sync.clone(),
            service_metrics,
            event_log.clone(),
        ));
        let push = match &settings.push {
            Some(push) => Some(web::Data::new(Push::new(
                push.clone(),
                reqwest::Client::builder()
                    .timeout(settings.auth_service_timeout)
                    .redirect(reqwest::redirect::Policy::none())
                    .build()?,
                store.clone(),
            ))),
            None => None,
        };
        let hub = EventHub::new(settings.events.clone());
        // The tail's `XREAD BLOCK` holds its connection: one of its own.
        tokio::spawn(Arc::clone(&hub).tail(RedisStore::connect(&settings.redis)?, event_log));
        let hub = web::Data::new(hub);
        let redis = web::Data::new(store);
        let metrics = web::Data::new(http_metrics);
        let jwks_ready_max_age =
            web::Data::new(health::JwksReadyMaxAge(settings.jwks_ready_max_age));
        let request_deadline = web::Data::new(RequestDeadline(settings.request_deadline));
        let server = HttpServer::new(move || {
            let push_route = push.clone().map(|push| {
                web::resource(contract::paths::gmail::PUSH)
                    .app_data(push)
                    .route(web::post().to(push::receive))
                    .default_service(web::to(fallback::method_not_allowed))
            });
            let app = App::new();
            let app = match &push {
                Some(push) => app.app_data(push.clone()),
                None => app,
            };
            app.app_data(request_deadline.clone())
                .app_data(redis.clone())
                .app_data(metrics.clone())
                .app_data(verifier.clone())
                .app_data(jwks_ready_max_age.clone())
                .app_data(mailbox.clone())
                .app_data(hub.clone())
                .app_data(problem::json_config(16 * 1024))
                .app_data(problem::query_config())
                .app_data(problem::path_config())
                .wrap(from_fn(common::server::head_as_get))
                .wrap(from_fn(deadline::enforce))
                .wrap(from_fn(problem::bare_errors_as_problems))
                .wrap(from_fn(http_metrics::track))
                .wrap(from_fn(telemetry::request_id_header))
                .wrap(telemetry::request_tracing())
                .service(get_only("/healthz", web::get().to(health::healthz)))
                .service(get_only("/readyz", web::get().to(health::readyz)))
                .service(get_only("/metrics", web::get().to(health::metrics)))
                .service(get_only(
                    "/openapi.json",
                    web::get().to(openapi::openapi_json),
                ))
                .service(get_only(
                    "/v1/messages/unread",
                    web::get().to(messages::unread),
                ))
                .service(get_only(
                    "/v1/messages/{id}",
                    web::get().to(messages::message),
                ))
                .service(get_only(
                    "/v1/messages/{id}/thread",
                    web::get().to(messages::thread),
                ))
                .service(get_only(
                    "/v1/messages/{id}/attachments/{attachment_id}",
                    web::get().to(attachments::attachment),
                ))
                .service(get_only(
                    "/v1/unread-count",
                    web::get().to(messages::unread_count),
                ))
                .service(get_only("/v1/events", web::get().to(events::events)))
                .configure(|config| {
                    if let Some(route) = push_route {
                        config.service(route);
                    }
                })
                .default_service(web::to(fallback::not_found))
        })
        .keep_alive(common::server::SERVER_KEEP_ALIVE)
        .shutdown_timeout(10)
        // HTTP/1.1 and HTTP/2 without TLS (prior knowledge) on one port: the frontend holds
        // its event streams over one HTTP/2 connection, where each costs a stream, not a
        // connection with its buffers.
        .listen_auto_h2c(listener)?
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
