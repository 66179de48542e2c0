//! gmail-service settings, read from the environment (see the README's configuration table).

use std::net::SocketAddr;

use common::config::{ConfigError, Env, RedisSettings};

/// The default port, as in the contract.
pub const DEFAULT_PORT: u16 = 5002;

/// Everything gmail-service is configured with.
#[derive(Clone, Debug)]
pub struct Settings {
    /// `LISTEN_ADDR`, default `127.0.0.1:5002`.
    pub listen_addr: SocketAddr,
    /// `REDIS_URL`, `REDIS_KEY_PREFIX`.
    pub redis: RedisSettings,
    /// `AUTH_SERVICE_URL` (default `http://127.0.0.1:5001`): where the JWKS and tokens come from.
    pub auth_service_url: String,
    /// `INTERNAL_JWT_ISSUER` (default `auth-service`): the `iss` internal JWTs must carry.
    pub jwt_issuer: String,
}

impl Settings {
    /// Reads the settings from `env`.
    pub fn from_env(env: &Env) -> Result<Self, ConfigError> {
        Ok(Self {
            listen_addr: env.listen_addr(DEFAULT_PORT)?,
            redis: env.redis()?,
            auth_service_url: env
                .get_or("AUTH_SERVICE_URL", "http://127.0.0.1:5001")
                .trim_end_matches('/')
                .to_owned(),
            jwt_issuer: env.get_or("INTERNAL_JWT_ISSUER", "auth-service"),
        })
    }
}
