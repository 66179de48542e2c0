//! `google-emulator`: see the library docs and the crate README.

use anyhow::Context;
use common::{config::Env, telemetry};
use google_emulator::{Application, EmulatorConfig};

#[actix_web::main]
async fn main() -> anyhow::Result<()> {
    let env = Env::from_process();
    telemetry::init(&env.log("info,google_emulator=debug")?);
    let config = EmulatorConfig::from_env(&env).context("invalid configuration")?;
    let app = Application::build(config).await.context("cannot start")?;
    tracing::info!(
        "google-emulator listening on http://127.0.0.1:{} (consent page at {}/o/oauth2/v2/auth)",
        app.port(),
        app.state().public_url
    );
    app.run_until_stopped().await?;
    tracing::info!("google-emulator stopped");
    Ok(())
}
