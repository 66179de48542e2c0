//! `spawn_app()`: auth-service on port 0 with its own Redis key prefix.

use auth_service::{configuration::Settings, startup::Application};
use common::{config::Env, testing};

pub struct TestApp {
    pub address: String,
    pub http: reqwest::Client,
}

pub async fn spawn_app_with_redis(redis_url: &str) -> TestApp {
    let env = Env::default()
        .with("LISTEN_ADDR", "127.0.0.1:0")
        .with("REDIS_URL", redis_url)
        .with("REDIS_KEY_PREFIX", testing::unique_prefix());
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

pub async fn spawn_app() -> TestApp {
    spawn_app_with_redis(&testing::redis_url()).await
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
