//! `spawn_app()`: the frontend on port 0, pointed at given upstream URLs.

use std::net::TcpListener;

use actix_web::{App, HttpResponse, HttpServer, web};
use common::config::Env;
use frontend::{configuration::Settings, startup::Application};

pub struct TestApp {
    pub address: String,
    pub http: reqwest::Client,
}

/// A stand-in upstream answering `/healthz` with 200; returns its base URL.
pub fn healthy_upstream() -> String {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let server = HttpServer::new(|| App::new().route("/healthz", web::get().to(HttpResponse::Ok)))
        .workers(1)
        .listen(listener)
        .unwrap()
        .run();
    tokio::spawn(server);
    format!("http://127.0.0.1:{port}")
}

pub async fn spawn_app(auth_service_url: &str, gmail_service_url: &str) -> TestApp {
    let env = Env::default()
        .with("LISTEN_ADDR", "127.0.0.1:0")
        .with("AUTH_SERVICE_URL", auth_service_url)
        .with("GMAIL_SERVICE_URL", gmail_service_url);
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
