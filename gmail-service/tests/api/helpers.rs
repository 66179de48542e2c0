//! `spawn_app()`: gmail-service on port 0 with its own Redis key prefix, and a stand-in JWKS.

use std::net::TcpListener;

use actix_web::{App, HttpResponse, HttpServer, web};
use common::{config::Env, jwt::Es256KeyPair, testing};
use gmail_service::{configuration::Settings, startup::Application};

pub struct TestApp {
    pub address: String,
    pub http: reqwest::Client,
}

/// Serves `/.well-known/jwks.json` with `key`, as auth-service does; returns its base URL.
pub fn serve_jwks(key: &Es256KeyPair) -> String {
    let body = serde_json::json!({ "keys": [key.public_jwk()] }).to_string();
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let server = HttpServer::new(move || {
        let body = body.clone();
        App::new().route(
            "/.well-known/jwks.json",
            web::get().to(move || {
                let body = body.clone();
                async move {
                    HttpResponse::Ok()
                        .content_type("application/json")
                        .body(body)
                }
            }),
        )
    })
    .workers(1)
    .listen(listener)
    .unwrap()
    .run();
    tokio::spawn(server);
    format!("http://127.0.0.1:{port}")
}

pub async fn spawn_app(auth_service_url: &str) -> TestApp {
    let env = Env::default()
        .with("LISTEN_ADDR", "127.0.0.1:0")
        .with("REDIS_URL", testing::redis_url())
        .with("REDIS_KEY_PREFIX", testing::unique_prefix())
        .with("AUTH_SERVICE_URL", auth_service_url);
    let app = Application::build(Settings::from_env(&env).unwrap())
        .await
        .unwrap();
    let address = format!("http://127.0.0.1:{}", app.port());
    tokio::spawn(app.run_until_stopped());
    TestApp {
        address,
        http: reqwest::Client::new(),
    }
}

impl TestApp {
    pub async fn get(&self, path: &str) -> reqwest::Response {
        self.http
            .get(format!("{}{path}", self.address))
            .send()
            .await
            .unwrap()
    }
}
