//! auth-service settings, read from the environment (see the README's configuration table).
//!
//! With no Google credentials the service runs in demo mode against the emulator's default
//! address and demo client. Real Google needs only `GOOGLE_CLIENT_ID` and `GOOGLE_CLIENT_SECRET`
//! (plus `PUBLIC_BASE_URL` when not `http://localhost:5000`); every Google URL is overridable.
//!
//! Outside demo mode the service never makes up its own secrets: `JWT_SIGNING_KEY`,
//! `TOKEN_ENCRYPTION_KEY` and `GMAIL_SERVICE_CREDENTIAL` must be configured, or the process stops
//! at start with a message naming the missing ones (demo mode generates them, and says so).

use std::{net::SocketAddr, time::Duration};

use common::{
    client_address::TrustedProxies,
    config::{ConfigError, Env},
    redis_store::RedisSettings,
};
use secrecy::SecretString;
use url::Url;

/// The default port, as in the contract.
pub const DEFAULT_PORT: u16 = 5001;
/// The default port of the internal listener (`/internal/*`, for gmail-service only).
pub const DEFAULT_INTERNAL_PORT: u16 = 5011;

/// How many requests a client may make, per minute, with a burst of the same size. `0` = no limit.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RateLimit {
    pub per_minute: u32,
}

impl RateLimit {
    /// Whether this limit is on.
    pub fn enabled(self) -> bool {
        self.per_minute > 0
    }
}

/// The limits on anonymous and minting endpoints, shared by all replicas through Redis.
#[derive(Clone, Debug)]
pub struct RateLimits {
    /// `RATE_LIMIT_LOGINS_PER_MINUTE` (default 30): `/oauth/login` and `/oauth/callback`, per
    /// client address.
    pub logins_per_address: RateLimit,
    /// `MAX_PENDING_LOGINS_PER_ADDRESS` (default 20): started, unfinished logins one client
    /// address may hold; a newer one replaces the oldest.
    pub max_pending_logins: u32,
    /// `RATE_LIMIT_SESSION_TOKENS_PER_MINUTE` (default 600): `/v1/session/token`, per client
    /// address and per account.
    pub session_tokens: RateLimit,
    /// `RATE_LIMIT_API_TOKENS_PER_MINUTE` (default 10): `/v1/api-tokens` and its revocation,
    /// per client address and per account.
    pub api_tokens: RateLimit,
}

/// Where Google (or the emulator) is, and who we are to it.
#[derive(Clone, Debug)]
pub struct GoogleSettings {
    /// `GOOGLE_CLIENT_ID`.
    pub client_id: String,
    /// `GOOGLE_CLIENT_SECRET` (or `_FILE`).
    pub client_secret: SecretString,
    /// `GOOGLE_AUTH_URL`: the authorization endpoint, as the browser reaches it.
    pub auth_url: String,
    /// `GOOGLE_TOKEN_URL`.
    pub token_url: String,
    /// `GOOGLE_REVOKE_URL`.
    pub revoke_url: String,
    /// `GOOGLE_JWKS_URL`: the keys that sign id_tokens (demo: the emulator's
    /// `/oauth2/v3/certs`; real: `https://www.googleapis.com/oauth2/v3/certs`).
    pub jwks_url: String,
    /// `GOOGLE_ISSUER` (comma list): accepted `iss` of id_tokens and of authorization responses.
    pub issuers: Vec<String>,
    /// True when no `GOOGLE_CLIENT_ID` was given: the emulator's demo client is used.
    pub demo: bool,
    /// `GOOGLE_HTTP_TIMEOUT_MS` (default 10000): timeout of every call to Google.
    pub timeout: Duration,
}

/// Everything auth-service is configured with.
#[derive(Clone, Debug)]
pub struct Settings {
    /// `LISTEN_ADDR`, default `127.0.0.1:5001`: the routes browsers reach (through the frontend).
    pub listen_addr: SocketAddr,
    /// `INTERNAL_LISTEN_ADDR`, default `127.0.0.1:5011`: `/internal/*`, for gmail-service only.
    pub internal_listen_addr: SocketAddr,
    /// `GMAIL_SERVICE_CREDENTIAL` (or `_FILE`): the secret gmail-service presents on internal
    /// calls. Required outside demo mode; in demo mode, when unset, generated once and shared
    /// through Redis.
    pub gmail_service_credential: Option<SecretString>,
    /// `TRUSTED_PROXIES`: addresses whose `X-Forwarded-For` names the client (the frontend's).
    pub trusted_proxies: TrustedProxies,
    pub rate_limits: RateLimits,
    /// `REDIS_URL`, `REDIS_KEY_PREFIX`.
    pub redis: RedisSettings,
    /// `PUBLIC_BASE_URL` (default `http://localhost:5000`): the origin browsers see; the redirect
    /// URI is this plus `/oauth/callback`, and cookies are `Secure` when it is https.
    pub public_base_url: Url,
    pub google: GoogleSettings,
    /// `INTERNAL_JWT_ISSUER` (default `auth-service`).
    pub jwt_issuer: String,
    /// `JWT_SIGNING_KEY` (or `_FILE`): PKCS#8 PEM of the ES256 key. Required outside demo mode;
    /// in demo mode, when unset, a key is generated once and shared by all replicas through Redis.
    pub jwt_signing_key: Option<SecretString>,
    /// `JWT_PREVIOUS_SIGNING_KEY` (or `_FILE`): the key being rotated out; published in the JWKS
    /// so tokens it signed stay valid until they expire, never used to sign.
    pub jwt_previous_signing_key: Option<SecretString>,
    /// `TOKEN_ENCRYPTION_KEY` (or `_FILE`): `base64(32 bytes)`, or `kid:base64,kid:base64,…`
    /// with the first key active and the others kept for decryption. Required outside demo
    /// mode; in demo mode, when unset, a key is generated once and shared through Redis.
    pub token_encryption_key: Option<SecretString>,
    /// `SESSION_TTL_SECS` (default 7 days).
    pub session_ttl: Duration,
    /// `LOGIN_TTL_SECS` (default 600): how long a started login may take.
    pub login_ttl: Duration,
    /// `MAX_ACCOUNTS_PER_SESSION` (default 5, at least 1): Google accounts one browser's
    /// session may hold.
    pub max_accounts_per_session: usize,
}

fn url_setting(env: &Env, name: &str, default: &str) -> Result<String, ConfigError> {
    let value = env.get_or(name, default);
    Url::parse(&value).map_err(|e| ConfigError::Invalid {
        name: name.to_owned(),
        reason: e.to_string(),
    })?;
    Ok(value)
}

impl Settings {
    /// Reads the settings from `env`.
    pub fn from_env(env: &Env) -> Result<Self, ConfigError> {
        let public_base_url = Url::parse(
            env.get_or("PUBLIC_BASE_URL", "http://localhost:5000")
                .trim_end_matches('/'),
        )
        .map_err(|e| ConfigError::Invalid {
            name: "PUBLIC_BASE_URL".into(),
            reason: e.to_string(),
        })?;
        let demo = env.get("GOOGLE_CLIENT_ID").is_none();
        let (client_id, client_secret, auth, token, revoke, jwks, issuer) = if demo {
            (
                "demo-client.apps.googleusercontent.com".to_owned(),
                SecretString::from("demo-secret"),
                "http://localhost:5003/o/oauth2/v2/auth",
                "http://localhost:5003/token",
                "http://localhost:5003/revoke",
                "http://localhost:5003/oauth2/v3/certs",
                "http://localhost:5003",
            )
        } else {
            let secret = env
                .secret("GOOGLE_CLIENT_SECRET")?
                .ok_or(ConfigError::Invalid {
                    name: "GOOGLE_CLIENT_SECRET".into(),
                    reason: "required when GOOGLE_CLIENT_ID is set".into(),
                })?;
            (
                env.get_or("GOOGLE_CLIENT_ID", ""),
                secret,
                "https://accounts.google.com/o/oauth2/v2/auth",
                "https://oauth2.googleapis.com/token",
                "https://oauth2.googleapis.com/revoke",
                "https://www.googleapis.com/oauth2/v3/certs",
                "https://accounts.google.com,accounts.google.com",
            )
        };
        let google = GoogleSettings {
            client_id,
            client_secret,
            auth_url: url_setting(env, "GOOGLE_AUTH_URL", auth)?,
            token_url: url_setting(env, "GOOGLE_TOKEN_URL", token)?,
            revoke_url: url_setting(env, "GOOGLE_REVOKE_URL", revoke)?,
            jwks_url: url_setting(env, "GOOGLE_JWKS_URL", jwks)?,
            issuers: env
                .get_or("GOOGLE_ISSUER", issuer)
                .split(',')
                .map(|s| s.trim().to_owned())
                .filter(|s| !s.is_empty())
                .collect(),
            demo,
            timeout: Duration::from_millis(env.parse_or("GOOGLE_HTTP_TIMEOUT_MS", 10_000)?),
        };
        let jwt_signing_key = env.secret("JWT_SIGNING_KEY")?;
        let token_encryption_key = env.secret("TOKEN_ENCRYPTION_KEY")?;
        let gmail_service_credential = env.secret("GMAIL_SERVICE_CREDENTIAL")?;
        if !demo {
            let missing: Vec<&str> = [
                ("JWT_SIGNING_KEY", jwt_signing_key.is_none()),
                ("TOKEN_ENCRYPTION_KEY", token_encryption_key.is_none()),
                (
                    "GMAIL_SERVICE_CREDENTIAL",
                    gmail_service_credential.is_none(),
                ),
            ]
            .into_iter()
            .filter_map(|(name, absent)| absent.then_some(name))
            .collect();
            if !missing.is_empty() {
                return Err(ConfigError::Invalid {
                    name: missing.join(", "),
                    reason: format!(
                        "required when GOOGLE_CLIENT_ID is set (real Google): set {} (or the same names with _FILE); \
                         outside demo mode the service never generates its own keys",
                        missing.join(", ")
                    ),
                });
            }
        }
        let limit = |name: &str, default: u32| -> Result<RateLimit, ConfigError> {
            Ok(RateLimit {
                per_minute: env.parse_or(name, default)?,
            })
        };
        Ok(Self {
            listen_addr: env.listen_addr(DEFAULT_PORT)?,
            internal_listen_addr: env.parse_or(
                "INTERNAL_LISTEN_ADDR",
                SocketAddr::from(([127, 0, 0, 1], DEFAULT_INTERNAL_PORT)),
            )?,
            gmail_service_credential,
            trusted_proxies: env.trusted_proxies()?,
            rate_limits: RateLimits {
                logins_per_address: limit("RATE_LIMIT_LOGINS_PER_MINUTE", 30)?,
                max_pending_logins: env.parse_or("MAX_PENDING_LOGINS_PER_ADDRESS", 20)?,
                session_tokens: limit("RATE_LIMIT_SESSION_TOKENS_PER_MINUTE", 600)?,
                api_tokens: limit("RATE_LIMIT_API_TOKENS_PER_MINUTE", 10)?,
            },
            redis: RedisSettings::from_env(env)?,
            public_base_url,
            google,
            jwt_issuer: env.get_or("INTERNAL_JWT_ISSUER", "auth-service"),
            jwt_signing_key,
            jwt_previous_signing_key: env.secret("JWT_PREVIOUS_SIGNING_KEY")?,
            token_encryption_key,
            session_ttl: Duration::from_secs(env.parse_or("SESSION_TTL_SECS", 7 * 24 * 3600)?),
            max_accounts_per_session: env.parse_or::<usize>("MAX_ACCOUNTS_PER_SESSION", 5)?.max(1),
            login_ttl: Duration::from_secs(env.parse_or("LOGIN_TTL_SECS", 600)?),
        })
    }

    /// `PUBLIC_BASE_URL` + `/oauth/callback`: the one redirect URI.
    pub fn redirect_uri(&self) -> String {
        format!("{}/oauth/callback", self.public_origin_and_path())
    }

    /// The public base URL without a trailing slash.
    pub fn public_origin_and_path(&self) -> String {
        self.public_base_url
            .as_str()
            .trim_end_matches('/')
            .to_owned()
    }

    /// Whether cookies must be `Secure` (and use the `__Host-` prefix).
    pub fn secure_cookies(&self) -> bool {
        self.public_base_url.scheme() == "https"
    }
}

#[cfg(test)]
mod tests {
    use secrecy::ExposeSecret;

    use super::*;

    #[test]
    fn no_environment_means_demo_mode_against_the_emulator() {
        let s = Settings::from_env(&Env::default()).unwrap();
        assert!(s.google.demo);
        assert_eq!(s.google.client_id, "demo-client.apps.googleusercontent.com");
        assert_eq!(s.google.auth_url, "http://localhost:5003/o/oauth2/v2/auth");
        assert_eq!(s.google.jwks_url, "http://localhost:5003/oauth2/v3/certs");
        assert_eq!(s.redirect_uri(), "http://localhost:5000/oauth/callback");
        assert!(!s.secure_cookies());
        assert_eq!(s.listen_addr.port(), 5001);
    }

    #[test]
    fn a_client_id_and_secret_point_everything_at_google() {
        let env = Env::default()
            .with("GOOGLE_CLIENT_ID", "123.apps.googleusercontent.com")
            .with("GOOGLE_CLIENT_SECRET", "GOCSPX-secret")
            .with("PUBLIC_BASE_URL", "https://mail.example.com/");
        let env = with_production_secrets(env);
        let s = Settings::from_env(&env).unwrap();
        assert!(!s.google.demo);
        assert_eq!(
            s.google.auth_url,
            "https://accounts.google.com/o/oauth2/v2/auth"
        );
        assert_eq!(s.google.token_url, "https://oauth2.googleapis.com/token");
        assert_eq!(s.google.revoke_url, "https://oauth2.googleapis.com/revoke");
        assert_eq!(
            s.google.jwks_url,
            "https://www.googleapis.com/oauth2/v3/certs"
        );
        assert_eq!(
            s.google.issuers,
            ["https://accounts.google.com", "accounts.google.com"]
        );
        assert_eq!(s.google.client_secret.expose_secret(), "GOCSPX-secret");
        assert_eq!(s.redirect_uri(), "https://mail.example.com/oauth/callback");
        assert!(s.secure_cookies());
        assert!(!format!("{s:?}").contains("GOCSPX"));
    }

    /// The three secrets real mode requires.
    fn with_production_secrets(env: Env) -> Env {
        env.with("JWT_SIGNING_KEY", "pem")
            .with("TOKEN_ENCRYPTION_KEY", "key")
            .with("GMAIL_SERVICE_CREDENTIAL", "credential")
    }

    #[test]
    fn real_mode_without_its_secrets_stops_with_a_message_naming_them() {
        let real = Env::default()
            .with("GOOGLE_CLIENT_ID", "123.apps.googleusercontent.com")
            .with("GOOGLE_CLIENT_SECRET", "GOCSPX-secret");
        let message = Settings::from_env(&real).unwrap_err().to_string();
        for name in [
            "JWT_SIGNING_KEY",
            "TOKEN_ENCRYPTION_KEY",
            "GMAIL_SERVICE_CREDENTIAL",
        ] {
            assert!(message.contains(name), "{message}");
        }
        let one_missing = real
            .clone()
            .with("JWT_SIGNING_KEY", "pem")
            .with("GMAIL_SERVICE_CREDENTIAL", "c");
        let message = Settings::from_env(&one_missing).unwrap_err().to_string();
        assert!(message.contains("TOKEN_ENCRYPTION_KEY"), "{message}");
        assert!(!message.contains("JWT_SIGNING_KEY"), "{message}");
        assert!(Settings::from_env(&with_production_secrets(real)).is_ok());
        // Demo mode may generate them.
        let demo = Settings::from_env(&Env::default()).unwrap();
        assert!(demo.jwt_signing_key.is_none() && demo.gmail_service_credential.is_none());
    }

    #[test]
    fn internal_routes_listen_apart_and_limits_have_defaults() {
        let s = Settings::from_env(&Env::default()).unwrap();
        assert_eq!(s.internal_listen_addr.to_string(), "127.0.0.1:5011");
        assert_ne!(s.internal_listen_addr, s.listen_addr);
        assert_eq!(s.rate_limits.logins_per_address.per_minute, 30);
        assert!(!RateLimit { per_minute: 0 }.enabled());
        let env = Env::default().with("RATE_LIMIT_LOGINS_PER_MINUTE", "many");
        assert!(Settings::from_env(&env).is_err());
    }

    #[test]
    fn a_client_id_without_a_secret_is_refused() {
        let env = Env::default().with("GOOGLE_CLIENT_ID", "x");
        assert!(Settings::from_env(&env).is_err());
        let env = Env::default().with("GOOGLE_TOKEN_URL", "not a url");
        assert!(Settings::from_env(&env).is_err());
        let env = Env::default().with("GOOGLE_JWKS_URL", "not a url");
        assert!(Settings::from_env(&env).is_err());
    }
}
