//! frontend settings, read from the environment (see the README's configuration table).

use std::{net::SocketAddr, time::Duration};

use common::config::{ConfigError, Env};

/// The default port, as in the contract.
pub const DEFAULT_PORT: u16 = 5000;

/// Everything the frontend is configured with.
#[derive(Clone, Debug)]
pub struct Settings {
    /// `LISTEN_ADDR`, default `127.0.0.1:5000`.
    pub listen_addr: SocketAddr,
    /// `AUTH_SERVICE_URL` (default `http://127.0.0.1:5001`).
    pub auth_service_url: String,
    /// `GMAIL_SERVICE_URL` (default `http://127.0.0.1:5002`).
    pub gmail_service_url: String,
    /// `GMAIL_PUBLIC_URL` (default `http://localhost:5002`): gmail-service as a developer reaches
    /// it, shown in the "Use the API" panel.
    pub gmail_public_url: String,
    /// `UPSTREAM_TIMEOUT_MS` (default 15000): timeout of calls to auth-service and gmail-service.
    pub upstream_timeout: Duration,
}

impl Settings {
    /// Reads the settings from `env`.
    pub fn from_env(env: &Env) -> Result<Self, ConfigError> {
        let url = |name: &str, default: &str| -> Result<String, ConfigError> {
            let value = env.get_or(name, default).trim_end_matches('/').to_owned();
            url::Url::parse(&value).map_err(|e| ConfigError::Invalid {
                name: name.to_owned(),
                reason: e.to_string(),
            })?;
            Ok(value)
        };
        Ok(Self {
            listen_addr: env.listen_addr(DEFAULT_PORT)?,
            auth_service_url: url("AUTH_SERVICE_URL", "http://127.0.0.1:5001")?,
            gmail_service_url: url("GMAIL_SERVICE_URL", "http://127.0.0.1:5002")?,
            gmail_public_url: url("GMAIL_PUBLIC_URL", "http://localhost:5002")?,
            upstream_timeout: Duration::from_millis(env.parse_or("UPSTREAM_TIMEOUT_MS", 15_000)?),
        })
    }
}
