//! auth-service settings, read from the environment (see the README's configuration table).
//!
//! With no Google credentials the service runs in demo mode against the emulator's default
//! address and demo client. Real Google needs only `GOOGLE_CLIENT_ID` and `GOOGLE_CLIENT_SECRET`
//! (plus `PUBLIC_BASE_URL` when not `http://localhost:5000`); every Google URL is overridable.

use std::{net::SocketAddr, time::Duration};

use common::config::{ConfigError, Env, RedisSettings};
use secrecy::SecretString;
use url::Url;

/// The default port, as in the contract.
pub const DEFAULT_PORT: u16 = 5001;

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
    /// `LISTEN_ADDR`, default `127.0.0.1:5001`.
    pub listen_addr: SocketAddr,
    /// `REDIS_URL`, `REDIS_KEY_PREFIX`.
    pub redis: RedisSettings,
    /// `PUBLIC_BASE_URL` (default `http://localhost:5000`): the origin browsers see; the redirect
    /// URI is this plus `/oauth/callback`, and cookies are `Secure` when it is https.
    pub public_base_url: Url,
    pub google: GoogleSettings,
    /// `INTERNAL_JWT_ISSUER` (default `auth-service`).
    pub jwt_issuer: String,
    /// `JWT_SIGNING_KEY` (or `_FILE`): PKCS#8 PEM of the ES256 key. When unset, a key is
    /// generated once and shared by all replicas through Redis.
    pub jwt_signing_key: Option<SecretString>,
    /// `JWT_PREVIOUS_SIGNING_KEY` (or `_FILE`): the key being rotated out; published in the JWKS
    /// so tokens it signed stay valid until they expire, never used to sign.
    pub jwt_previous_signing_key: Option<SecretString>,
    /// `TOKEN_ENCRYPTION_KEY` (or `_FILE`): `base64(32 bytes)`, or `kid:base64,kid:base64,…`
    /// with the first key active and the others kept for decryption. When unset, a key is
    /// generated once and shared through Redis.
    pub token_encryption_key: Option<SecretString>,
    /// `SESSION_TTL_SECS` (default 7 days).
    pub session_ttl: Duration,
    /// `LOGIN_TTL_SECS` (default 600): how long a started login may take.
    pub login_ttl: Duration,
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
        Ok(Self {
            listen_addr: env.listen_addr(DEFAULT_PORT)?,
            redis: env.redis()?,
            public_base_url,
            google,
            jwt_issuer: env.get_or("INTERNAL_JWT_ISSUER", "auth-service"),
            jwt_signing_key: env.secret("JWT_SIGNING_KEY")?,
            jwt_previous_signing_key: env.secret("JWT_PREVIOUS_SIGNING_KEY")?,
            token_encryption_key: env.secret("TOKEN_ENCRYPTION_KEY")?,
            session_ttl: Duration::from_secs(env.parse_or("SESSION_TTL_SECS", 7 * 24 * 3600)?),
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
