//! auth-service settings, read from the environment (see the README's configuration table).

use std::net::SocketAddr;

use common::config::{ConfigError, Env, RedisSettings};

/// The default port, as in the contract.
pub const DEFAULT_PORT: u16 = 5001;

/// Everything auth-service is configured with.
#[derive(Clone, Debug)]
pub struct Settings {
    /// `LISTEN_ADDR`, default `127.0.0.1:5001`.
    pub listen_addr: SocketAddr,
    /// `REDIS_URL`, `REDIS_KEY_PREFIX`.
    pub redis: RedisSettings,
}

impl Settings {
    /// Reads the settings from `env`.
    pub fn from_env(env: &Env) -> Result<Self, ConfigError> {
        Ok(Self {
            listen_addr: env.listen_addr(DEFAULT_PORT)?,
            redis: env.redis()?,
        })
    }
}
