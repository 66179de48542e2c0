//! `auth-service`: see the library docs.

use anyhow::Context;
use auth_service::{configuration::Settings, startup::Application};
use common::{config::Env, telemetry};

#[actix_web::main]
async fn main() -> anyhow::Result<()> {
    let env = Env::from_process();
    telemetry::init(&env.log("info")?);
    let settings = Settings::from_env(&env).context("invalid configuration")?;
    let app = Application::build(settings).await.context("cannot start")?;
    tracing::info!(
        "auth-service listening on port {} (internal routes on port {})",
        app.port(),
        app.internal_port().unwrap_or_default()
    );
    app.run_until_stopped().await?;
    tracing::info!("auth-service stopped");
    Ok(())
}
