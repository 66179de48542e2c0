//! [`Application::build`] binds `LISTEN_ADDR` itself (so port 0 works and tests read the port
//! back) and wires middleware, security headers and routes. Under `/oauth/` only the four
//! login-flow routes (login, callback, logout, remove an account) exist; every other path there
//! is the 404 page and reaches no upstream.

use std::net::TcpListener;

use actix_web::{
    App, HttpServer,
    middleware::{DefaultHeaders, from_fn},
    web,
};
use common::{
    health,
    http_metrics::{self, HttpMetrics},
    server::BoundServer,
    telemetry,
};

use crate::{
    configuration::Settings,
    http::{self, problem},
    image_proxy::ImageProxy,
    state::FrontendState,
    upstream::Upstreams,
};

/// The Content-Security-Policy of every page: only this origin's script and style, no inline
/// script, not framed, framing only this origin (the message page's sandboxed mail,
/// [`http::mail_frame`], which sends a policy of its own).
pub const CONTENT_SECURITY_POLICY: &str = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; \
     connect-src 'self'; frame-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'";

/// `Strict-Transport-Security`, sent on every response when `PUBLIC_BASE_URL` is https.
pub const STRICT_TRANSPORT_SECURITY: &str = "max-age=31536000; includeSubDomains";

/// The security headers of every response.
fn security_headers(https: bool) -> DefaultHeaders {
    let headers = DefaultHeaders::new()
        .add(("Content-Security-Policy", CONTENT_SECURITY_POLICY))
        .add(("X-Content-Type-Options", "nosniff"))
        .add(("Referrer-Policy", "same-origin"))
        .add(("X-Frame-Options", "DENY"))
        .add(("Cross-Origin-Opener-Policy", "same-origin"));
    if https {
        headers.add(("Strict-Transport-Security", STRICT_TRANSPORT_SECURITY))
    } else {
        headers
    }
}

/// Builds the server; see [`Application::build`].
pub struct Application;

impl Application {
    /// Binds the listener and builds the server.
    pub async fn build(settings: Settings) -> anyhow::Result<BoundServer> {
        let listener = TcpListener::bind(settings.listen_addr)?;
        Self::build_on(settings, listener).await
    }

    /// As [`Self::build`], on a listener bound already (`LISTEN_ADDR` is not used): a test
    /// that must tell auth-service the frontend's address before the frontend starts binds it
    /// first, so no other server can take the port in between.
    pub async fn build_on(
        settings: Settings,
        listener: TcpListener,
    ) -> anyhow::Result<BoundServer> {
        let port = listener.local_addr()?.port();
        let metrics = web::Data::new(HttpMetrics::new("frontend")?);
        let https = settings.is_https();
        let state = web::Data::new(FrontendState {
            upstreams: Upstreams::new(&settings)?,
            image_proxy: ImageProxy::new(
                &settings.image_proxy_key,
                settings.image_proxy_allow_private,
                settings.image_proxy_max_bytes,
            )?,
            settings,
        });
        let server = HttpServer::new(move || {
            App::new()
                .app_data(state.clone())
                .app_data(metrics.clone())
                .app_data(web::PayloadConfig::new(16 * 1024))
                .app_data(web::QueryConfig::default().error_handler(|err, _req| {
                    actix_web::error::InternalError::from_response(
                        err,
                        actix_web::HttpResponse::Found()
                            .insert_header(("Location", "/"))
                            .finish(),
                    )
                    .into()
                }))
                .wrap(from_fn(common::server::head_as_get))
                .wrap(from_fn(problem::bare_errors_as_pages))
                .wrap(security_headers(https))
                .wrap(from_fn(http_metrics::track))
                .wrap(from_fn(telemetry::request_id_header))
                .wrap(telemetry::request_tracing())
                .route("/healthz", web::get().to(health::healthz))
                .route("/readyz", web::get().to(http::health::readyz))
                .route("/metrics", web::get().to(http_metrics::endpoint))
                .route("/", web::get().to(http::pages::home))
                .route("/messages/{id}", web::get().to(http::pages::message))
                .route(
                    "/messages/{id}/html",
                    web::get().to(http::mail_frame::mail_frame),
                )
                .route(
                    "/messages/{id}/attachments/{attachment_id}",
                    web::get().to(http::attachments::attachment),
                )
                .route(
                    crate::image_proxy::PATH,
                    web::get().to(http::image_proxy::image),
                )
                .route("/events", web::get().to(http::events::events))
                .route("/api-token", web::post().to(http::pages::api_token))
                .route(
                    "/api-tokens/revoke",
                    web::post().to(http::pages::revoke_api_tokens),
                )
                .route("/static/style.css", web::get().to(http::assets::style))
                .route(
                    "/static/local-time.js",
                    web::get().to(http::assets::local_time),
                )
                .route("/static/live.js", web::get().to(http::assets::live))
                .route("/oauth/login", web::get().to(http::oauth::login))
                .route("/oauth/callback", web::get().to(http::oauth::callback))
                .route("/oauth/logout", web::post().to(http::oauth::logout))
                .route(
                    "/oauth/accounts/remove",
                    web::post().to(http::oauth::remove_account),
                )
                .default_service(web::to(problem::not_found))
        })
        .keep_alive(common::server::SERVER_KEEP_ALIVE)
        .shutdown_timeout(10)
        .listen(listener)?
        .run();
        Ok(BoundServer::new(port, server))
    }
}
