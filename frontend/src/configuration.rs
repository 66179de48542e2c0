//! frontend settings, read from the environment (see the README's configuration table).

use std::{net::SocketAddr, time::Duration};

use common::{
    client_address::TrustedProxies,
    config::{ConfigError, Env},
};

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
    /// `PUBLIC_BASE_URL` (default `http://localhost:5000`): the origin browsers see, as for
    /// auth-service. https adds `Strict-Transport-Security` to every response.
    pub public_base_url: url::Url,
    /// `TRUSTED_PROXIES` (default none): the ingress or load balancer in front of the frontend,
    /// whose `X-Forwarded-For` names the client passed on to auth-service.
    pub trusted_proxies: TrustedProxies,
    /// `IMAGE_PROXY_KEY` (or `IMAGE_PROXY_KEY_FILE`): the key image links are signed with
    /// (`image_proxy`); every replica needs the same. Unset: a random key of this process
    /// (links made by another replica, or before a restart, are refused).
    pub image_proxy_key: Vec<u8>,
    /// `IMAGE_PROXY_ALLOW_PRIVATE=1`: the image proxy may reach loopback and private addresses
    /// (the demo and tests only; off by default).
    pub image_proxy_allow_private: bool,
    /// `IMAGE_PROXY_MAX_BYTES` (default 5 MiB): larger images are not passed on.
    pub image_proxy_max_bytes: usize,
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
            public_base_url: public_base_url(env)?,
            trusted_proxies: env.trusted_proxies()?,
            image_proxy_key: match env.secret("IMAGE_PROXY_KEY")? {
                Some(key) => {
                    let key = common::ExposeSecret::expose_secret(&key)
                        .as_bytes()
                        .to_vec();
                    if key.len() < 32 {
                        return Err(ConfigError::Invalid {
                            name: "IMAGE_PROXY_KEY".into(),
                            reason: "must be at least 32 bytes".into(),
                        });
                    }
                    key
                }
                None => {
                    let mut key = vec![0; 32];
                    rand::RngCore::fill_bytes(&mut rand::rng(), &mut key);
                    key
                }
            },
            image_proxy_allow_private: env.flag("IMAGE_PROXY_ALLOW_PRIVATE", false)?,
            image_proxy_max_bytes: env.parse_or("IMAGE_PROXY_MAX_BYTES", 5 * 1024 * 1024)?,
        })
    }

    /// Whether browsers reach this frontend over https (then responses carry HSTS).
    pub fn is_https(&self) -> bool {
        self.public_base_url.scheme() == "https"
    }
}

fn public_base_url(env: &Env) -> Result<url::Url, ConfigError> {
    let raw = env.get_or("PUBLIC_BASE_URL", "http://localhost:5000");
    let invalid = |reason: String| ConfigError::Invalid {
        name: "PUBLIC_BASE_URL".into(),
        reason,
    };
    let parsed = url::Url::parse(raw.trim_end_matches('/')).map_err(|e| invalid(e.to_string()))?;
    if !matches!(parsed.scheme(), "http" | "https") || parsed.host().is_none() {
        return Err(invalid("expected an http:// or https:// origin".into()));
    }
    Ok(parsed)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn public_base_url_decides_https_and_bad_values_are_refused() {
        let settings = Settings::from_env(&Env::default()).unwrap();
        assert_eq!(settings.public_base_url.as_str(), "http://localhost:5000/");
        assert!(!settings.is_https());
        let env = Env::default().with("PUBLIC_BASE_URL", "https://mail.example.com/");
        assert!(Settings::from_env(&env).unwrap().is_https());
        for bad in ["mail.example.com", "ftp://mail.example.com", "https://"] {
            let env = Env::default().with("PUBLIC_BASE_URL", bad);
            assert!(Settings::from_env(&env).is_err(), "{bad}");
        }
        let env = Env::default().with("TRUSTED_PROXIES", "10.0.0.0/8,oops");
        assert!(Settings::from_env(&env).is_err());
    }
}
