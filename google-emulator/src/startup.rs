//! Binding the listener and wiring routes: [`Application::build`] binds `LISTEN_ADDR` itself, so
//! port 0 works and the real port can be read back; [`spawn`] runs one in-process for tests.

use std::net::TcpListener;

use actix_web::{
    App, HttpResponse, HttpServer,
    dev::{Server, ServerHandle},
    middleware::from_fn,
    web,
};
use common::{
    http_metrics::{self, HttpMetrics},
    telemetry,
};

use crate::{config::EmulatorConfig, control, gmail, oauth, state::EmulatorState};

/// A bound, not yet running emulator.
pub struct Application {
    port: u16,
    server: Server,
    state: web::Data<EmulatorState>,
}

impl Application {
    /// Binds the listener and builds the server.
    pub async fn build(config: EmulatorConfig) -> anyhow::Result<Self> {
        let listener = TcpListener::bind(config.listen_addr)?;
        let port = listener.local_addr()?.port();
        let public_url = config
            .public_url
            .clone()
            .unwrap_or_else(|| format!("http://localhost:{port}"));
        let state = web::Data::new(EmulatorState::new(config, public_url)?);
        let metrics = web::Data::new(HttpMetrics::new("google-emulator")?);
        let app_state = state.clone();
        let server = HttpServer::new(move || {
            App::new()
                .app_data(app_state.clone())
                .app_data(metrics.clone())
                .app_data(web::PayloadConfig::new(64 * 1024))
                .app_data(common::problem::json_config(16 * 1024))
                .app_data(common::problem::form_config(16 * 1024))
                .wrap(from_fn(common::server::head_as_get))
                .wrap(from_fn(http_metrics::track))
                .wrap(from_fn(telemetry::request_id_header))
                .wrap(telemetry::request_tracing())
                .configure(routes)
        })
        .keep_alive(common::server::SERVER_KEEP_ALIVE)
        .shutdown_timeout(5)
        .listen(listener)?
        .run();
        Ok(Self {
            port,
            server,
            state,
        })
    }

    /// The bound port.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// The state, for in-process tests (counters, fault plan).
    pub fn state(&self) -> web::Data<EmulatorState> {
        self.state.clone()
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

fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/healthz", web::get().to(HttpResponse::Ok))
        .route(
            "/readyz",
            web::get()
                .to(|| async { HttpResponse::Ok().json(serde_json::json!({"status": "ready"})) }),
        )
        .route("/metrics", web::get().to(http_metrics::endpoint))
        .route(
            "/o/oauth2/v2/auth",
            web::get().to(oauth::authorize::authorize),
        )
        .route(
            "/o/oauth2/v2/auth/decision",
            web::post().to(oauth::authorize::decide),
        )
        .route("/token", web::post().to(oauth::token::token))
        .route("/revoke", web::post().to(oauth::revoke::revoke))
        .route(
            "/.well-known/openid-configuration",
            web::get().to(oauth::discovery::openid_configuration),
        )
        .route("/oauth2/v3/certs", web::get().to(oauth::discovery::certs))
        .route("/v1/userinfo", web::get().to(oauth::discovery::userinfo))
        .service(
            web::scope("/gmail/v1/users/{user_id}")
                .route("/messages", web::get().to(gmail::list_messages))
                .route("/messages/{id}", web::get().to(gmail::get_message))
                .route(
                    "/messages/{id}/attachments/{attachment_id}",
                    web::get().to(gmail::get_attachment),
                )
                .route("/threads/{id}", web::get().to(gmail::get_thread))
                .route("/labels/{id}", web::get().to(gmail::get_label))
                .route("/profile", web::get().to(gmail::profile))
                .route("/history", web::get().to(gmail::list_history))
                .route("/watch", web::post().to(gmail::watch))
                .route("/stop", web::post().to(gmail::stop)),
        )
        .service(
            web::scope("/emulator")
                .route("/stats", web::get().to(control::stats))
                .route("/images/{name}", web::get().to(crate::images::image))
                .route("/stats/reset", web::post().to(control::reset_stats))
                .route("/faults", web::get().to(control::get_faults))
                .route("/faults", web::put().to(control::put_faults))
                .route("/tokens/expire", web::post().to(control::expire_tokens))
                .route("/accounts", web::get().to(control::list_accounts))
                .route(
                    "/accounts/{email}/revoke",
                    web::post().to(control::revoke_account),
                )
                .service(
                    web::resource("/accounts/{email}/messages")
                        .app_data(web::PayloadConfig::new(
                            control::MAX_DELIVERED_MESSAGE_BYTES,
                        ))
                        .route(web::post().to(control::deliver_message)),
                )
                .route(
                    "/accounts/{email}/messages/{id}",
                    web::delete().to(control::delete_message),
                )
                .route(
                    "/accounts/{email}/messages/{id}/labels",
                    web::post().to(control::change_labels),
                )
                .route(
                    "/accounts/{email}/history/forget",
                    web::post().to(control::forget_history),
                )
                .route("/accounts/{email}/watch", web::get().to(control::get_watch))
                .route(
                    "/accounts/{email}/watch/expire",
                    web::post().to(control::expire_watch),
                )
                .route("/push/mode", web::get().to(control::get_push_mode))
                .route("/push/mode", web::post().to(control::set_push_mode)),
        )
        .default_service(web::to(|| async {
            crate::gmail::error::GoogleApiError::not_found().response()
        }));
}

/// An emulator running in this process (tests of every crate use it).
pub struct RunningEmulator {
    /// `http://127.0.0.1:<port>` — what services call.
    pub url: String,
    /// Counters, fault plan and tokens, for assertions.
    pub state: web::Data<EmulatorState>,
    handle: ServerHandle,
}

impl RunningEmulator {
    /// Requests of `kind` seen so far (e.g. `token.refresh_token`).
    pub fn count(&self, kind: &str) -> u64 {
        self.state.counts().get(kind).copied().unwrap_or(0)
    }

    /// `env` with auth-service's Google endpoints pointed at this emulator.
    pub fn google_env(&self, env: common::config::Env) -> common::config::Env {
        env.with("GOOGLE_AUTH_URL", format!("{}/o/oauth2/v2/auth", self.url))
            .with("GOOGLE_TOKEN_URL", format!("{}/token", self.url))
            .with("GOOGLE_REVOKE_URL", format!("{}/revoke", self.url))
            .with("GOOGLE_JWKS_URL", format!("{}/oauth2/v3/certs", self.url))
            .with("GOOGLE_ISSUER", self.state.issuer.clone())
    }

    /// The Gmail API base gmail-service uses with this emulator.
    pub fn gmail_api_base(&self) -> String {
        format!("{}/gmail/v1/users/me", self.url)
    }

    /// Replaces the fault plan, given in the JSON shape of `PUT /emulator/faults`.
    pub fn set_faults(&self, plan: serde_json::Value) -> Result<(), String> {
        let plan: crate::faults::FaultPlan =
            serde_json::from_value(plan).map_err(|e| e.to_string())?;
        plan.validate()?;
        self.state.with_store(|s| s.faults = plan);
        Ok(())
    }

    /// Stops the server.
    pub async fn stop(&self) {
        self.handle.stop(true).await;
    }
}

/// Builds and starts an emulator on the current Tokio runtime.
pub async fn spawn(config: EmulatorConfig) -> anyhow::Result<RunningEmulator> {
    let app = Application::build(config).await?;
    let url = format!("http://127.0.0.1:{}", app.port());
    let state = app.state();
    let handle = app.handle();
    tokio::spawn(app.run_until_stopped());
    Ok(RunningEmulator { url, state, handle })
}
