//! `frontend`: see the library docs.

use anyhow::Context;
use common::{config::Env, telemetry};
use frontend::{configuration::Settings, startup::Application};

#[actix_web::main]
async fn main() -> anyhow::Result<()> {
    let env = Env::from_process();
    telemetry::init(&env.log("info")?);
    let settings = Settings::from_env(&env).context("invalid configuration")?;
    let app = Application::build(settings).await.context("cannot start")?;
    tracing::info!("frontend listening on http://127.0.0.1:{}", app.port());
    app.run_until_stopped().await?;
    tracing::info!("frontend stopped");
    Ok(())
}
