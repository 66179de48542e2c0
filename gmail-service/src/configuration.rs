//! gmail-service settings, read from the environment (see the README's configuration table).

use std::{net::SocketAddr, time::Duration};

use crate::events::HubSettings;

use common::{
    SecretString,
    config::{ConfigError, Env},
    redis_store::RedisSettings,
};

/// The default port, as in the contract.
pub const DEFAULT_PORT: u16 = 5002;

/// The emulator's Gmail base, the demo default.
pub const DEMO_GMAIL_API_BASE: &str = "http://127.0.0.1:5003/gmail/v1/users/me";
/// Google's Gmail base, the default when `GOOGLE_CLIENT_ID` is set (real Google, as in auth-service).
pub const GOOGLE_GMAIL_API_BASE: &str = "https://gmail.googleapis.com/gmail/v1/users/me";
/// auth-service's internal listener, apart from its browser-facing port.
pub const DEFAULT_AUTH_SERVICE_INTERNAL_URL: &str = "http://127.0.0.1:5011";
/// The setting holding gmail-service's own credential towards auth-service.
pub const SERVICE_CREDENTIAL_VAR: &str = "GMAIL_SERVICE_CREDENTIAL";
/// Default of `JWKS_READY_MAX_AGE_SECS`: five minutes, so a readiness probe every few seconds
/// costs auth-service one JWKS fetch per five minutes (and picks up rotated keys as often).
pub const DEFAULT_JWKS_READY_MAX_AGE_SECS: u64 = 300;

/// How gmail-service proves to auth-service that it is gmail-service.
#[derive(Clone, Debug)]
pub enum ServiceCredential {
    /// `GMAIL_SERVICE_CREDENTIAL` (or `_FILE`).
    Configured(SecretString),
    /// Demo mode with nothing configured: generated once and shared with auth-service through
    /// Redis, loaded on first use.
    SharedDemo,
}

/// Everything gmail-service is configured with.
#[derive(Clone, Debug)]
pub struct Settings {
    /// `LISTEN_ADDR`, default `127.0.0.1:5002`.
    pub listen_addr: SocketAddr,
    /// `REDIS_URL`, `REDIS_KEY_PREFIX`.
    pub redis: RedisSettings,
    /// `AUTH_SERVICE_URL` (default `http://127.0.0.1:5001`): where the JWKS comes from.
    pub auth_service_url: String,
    /// `AUTH_SERVICE_INTERNAL_URL` (default `http://127.0.0.1:5011`): auth-service's internal
    /// listener, where Google access tokens come from.
    pub auth_service_internal_url: String,
    /// `GMAIL_SERVICE_CREDENTIAL` (`_FILE`): sent as `X-Service-Credential` to auth-service's
    /// internal routes; required unless in demo mode (no `GOOGLE_CLIENT_ID`).
    pub service_credential: ServiceCredential,
    /// `INTERNAL_JWT_ISSUER` (default `auth-service`): the `iss` internal JWTs must carry.
    pub jwt_issuer: String,
    /// `AUTH_SERVICE_TIMEOUT_MS` (default 5000): every call to auth-service (JWKS, tokens).
    pub auth_service_timeout: Duration,
    /// `JWKS_REFETCH_SECS` (default 5): an unknown `kid`, or readiness with a missing or old
    /// key set, fetches the JWKS at most this often.
    pub jwks_refetch_interval: Duration,
    /// `JWKS_READY_MAX_AGE_SECS` (default 300): `/readyz` is ready while the cached key set was
    /// fetched within this age.
    pub jwks_ready_max_age: Duration,
    /// Gmail access and resilience.
    pub gmail: GmailSettings,
    /// The per-account Gmail quota budget.
    pub quota: QuotaSettings,
    /// `MIRROR_TTL_SECS` (default 86400): how long an account's unread mirror outlives its
    /// last sync.
    pub mirror_ttl: Duration,
    /// `SYNC_MAX_AGE_SECS` (default 30; 0: sync before every read) and `SYNC_MAX_MESSAGES`
    /// (default 500): how the mirror is kept (`crate::sync`).
    pub sync: SyncSettings,
    /// `WATCH_POLL_SECS` (default 10), `EVENTS_MAX_STREAMS` (default 20000),
    /// `EVENTS_MAX_STREAMS_PER_ACCOUNT` (default 20) and `EVENTS_HEARTBEAT_SECS` (default 15):
    /// the event streams (`crate::events`).
    pub events: HubSettings,
    /// `REQUEST_DEADLINE_MS` (default 8000, at most 60000): the time one request may take, all
    /// its Gmail attempts, retries and auth-service calls together; past it the answer is 503
    /// `upstream_unavailable` with `Retry-After`. Keep it under the frontend's
    /// `UPSTREAM_TIMEOUT_MS` (default 15000).
    pub request_deadline: Duration,
    /// Gmail push notifications (`users.watch` through Cloud Pub/Sub); `None` without
    /// `GMAIL_PUSH_TOPIC` (polling only).
    pub push: Option<PushSettings>,
}

/// Google's keys for the OIDC tokens of Pub/Sub push requests.
pub const GOOGLE_CERTS_URL: &str = "https://www.googleapis.com/oauth2/v3/certs";
/// The issuers Google's OIDC tokens carry.
pub const GOOGLE_ISSUERS: &str = "https://accounts.google.com,accounts.google.com";

/// Gmail push (`crate::push`).
#[derive(Clone, Debug)]
pub struct PushSettings {
    /// `GMAIL_PUSH_TOPIC`: the Pub/Sub topic `users.watch` names (`projects/<p>/topics/<t>`).
    pub topic: String,
    /// `GMAIL_PUSH_AUDIENCE` (required with a topic): the `aud` the push subscription's OIDC
    /// token carries (what its "audience" setting says).
    pub audience: String,
    /// `GMAIL_PUSH_ISSUER` (default `https://accounts.google.com,accounts.google.com`): the
    /// accepted `iss` values, comma-separated.
    pub issuers: Vec<String>,
    /// `GMAIL_PUSH_JWKS_URL` (default Google's `https://www.googleapis.com/oauth2/v3/certs`).
    pub jwks_url: String,
    /// `GMAIL_PUSH_SERVICE_ACCOUNT` (optional): the push subscription's service account; when
    /// set, the token's verified `email` must be it.
    pub service_account: Option<String>,
    /// `GMAIL_WATCH_RENEW_SECS` (default 86400, at most 6 days): how often a watched
    /// account's `users.watch` is renewed (Google ends a watch after 7 days).
    pub renew: Duration,
}

fn push_settings(env: &Env) -> Result<Option<PushSettings>, ConfigError> {
    let Some(topic) = env.get("GMAIL_PUSH_TOPIC").map(|t| t.trim().to_owned()) else {
        return Ok(None);
    };
    let invalid = |name: &str, reason: &str| ConfigError::Invalid {
        name: name.to_owned(),
        reason: reason.to_owned(),
    };
    let valid_topic = topic
        .strip_prefix("projects/")
        .and_then(|rest| rest.split_once("/topics/"))
        .is_some_and(|(project, name)| {
            let ok = |part: &str| !part.is_empty() && !part.contains(['/', ' ']);
            ok(project) && ok(name)
        });
    if !valid_topic {
        return Err(invalid(
            "GMAIL_PUSH_TOPIC",
            "expected projects/<project>/topics/<topic>",
        ));
    }
    let audience = env
        .get("GMAIL_PUSH_AUDIENCE")
        .map(|a| a.trim().to_owned())
        .filter(|a| !a.is_empty())
        .ok_or_else(|| {
            invalid(
                "GMAIL_PUSH_AUDIENCE",
                "it is required with GMAIL_PUSH_TOPIC: the audience of the push subscription's \
                 OIDC token",
            )
        })?;
    let issuers: Vec<String> = env
        .get_or("GMAIL_PUSH_ISSUER", GOOGLE_ISSUERS)
        .split(',')
        .map(|i| i.trim().to_owned())
        .filter(|i| !i.is_empty())
        .collect();
    if issuers.is_empty() {
        return Err(invalid("GMAIL_PUSH_ISSUER", "names no issuer"));
    }
    let renew_secs: u64 = positive(
        "GMAIL_WATCH_RENEW_SECS",
        env.parse_or("GMAIL_WATCH_RENEW_SECS", 86_400)?,
    )?;
    if renew_secs > 6 * 86_400 {
        return Err(invalid(
            "GMAIL_WATCH_RENEW_SECS",
            "must be at most 518400 (6 days): Google ends a watch after 7",
        ));
    }
    Ok(Some(PushSettings {
        topic,
        audience,
        issuers,
        jwks_url: http_url(
            "GMAIL_PUSH_JWKS_URL",
            &env.get_or("GMAIL_PUSH_JWKS_URL", GOOGLE_CERTS_URL),
        )?,
        service_account: env
            .get("GMAIL_PUSH_SERVICE_ACCOUNT")
            .map(|a| a.trim().to_owned())
            .filter(|a| !a.is_empty()),
        renew: Duration::from_secs(renew_secs),
    }))
}

/// How the unread mirror is kept (`crate::sync`).
#[derive(Clone, Debug)]
pub struct SyncSettings {
    /// `SYNC_MAX_AGE_SECS`: a mirror synced this recently is served as it is.
    pub max_age: Duration,
    /// `SYNC_MAX_MESSAGES`: most unread messages one account's mirror holds (the newest).
    pub max_messages: usize,
}

/// Default of `REQUEST_DEADLINE_MS`: about half the frontend's upstream timeout, so a person
/// gets gmail-service's 503 (with `Retry-After`) rather than the frontend giving up.
pub const DEFAULT_REQUEST_DEADLINE_MS: u64 = 8_000;
/// Largest `REQUEST_DEADLINE_MS`: a request held longer helps nobody.
pub const MAX_REQUEST_DEADLINE_MS: u64 = 60_000;

/// How gmail-service talks to Gmail.
#[derive(Clone, Debug)]
pub struct GmailSettings {
    /// `GMAIL_API_BASE`: default the emulator's `http://127.0.0.1:5003/gmail/v1/users/me`, or
    /// Google's `https://gmail.googleapis.com/gmail/v1/users/me` when `GOOGLE_CLIENT_ID` is set.
    pub api_base: String,
    /// `GMAIL_TIMEOUT_MS` (default 10000): one Gmail call, connect to last byte.
    pub timeout: Duration,
    /// `GMAIL_CONNECT_TIMEOUT_MS` (default 2000).
    pub connect_timeout: Duration,
    /// `GMAIL_GET_CONCURRENCY` (default 10): `messages.get` calls one sync runs at once. One
    /// sync per account runs across all replicas, so this bounds an account's fan-out below
    /// Gmail's (unpublished) concurrent requests per user.
    pub get_concurrency: usize,
    /// `GMAIL_MAX_ATTEMPTS` (default 3): tries of one call on 429, rate-limit 403, 5xx, timeout.
    pub max_attempts: u32,
    /// `GMAIL_RETRY_BASE_MS` (default 1000): first backoff; doubles per retry, plus jitter.
    pub retry_base: Duration,
    /// `GMAIL_RETRY_MAX_WAIT_MS` (default 4000): longest single wait (also for `Retry-After`)
    /// before giving up and answering 429/503 with `Retry-After`.
    pub retry_max_wait: Duration,
    /// `GMAIL_MAX_RESPONSE_BYTES` (default 32 MiB): larger Gmail answers are refused.
    pub max_response_bytes: usize,
    /// `ATTACHMENT_MAX_BYTES` (default 50 MiB, the largest message Gmail receives): larger
    /// attachments are refused (`413 payload_too_large`); those below it are streamed through,
    /// never held whole.
    pub attachment_max_bytes: u64,
}

/// The per-account Gmail quota budget kept in Redis.
#[derive(Clone, Debug)]
pub struct QuotaSettings {
    /// `QUOTA_UNITS_PER_MINUTE` (default 15000, Gmail's per-user limit; 0 disables the budget).
    pub units_per_minute: u32,
    /// `QUOTA_MAX_WAIT_MS` (default 2000): how long a request may wait for budget (or for a
    /// place among the account's calls in flight) before answering `upstream_rate_limited`.
    pub max_wait: Duration,
    /// `GMAIL_MAX_CONCURRENT_PER_ACCOUNT` (default 10; 0: no bound): Gmail calls of one account
    /// in flight at once across every replica (Gmail refuses "Too many concurrent requests for
    /// user" past a number it does not publish). A sync's `GMAIL_GET_CONCURRENCY` and every
    /// message open share it.
    pub max_concurrent: u32,
}

fn millis(env: &Env, name: &str, default: u64) -> Result<Duration, ConfigError> {
    Ok(Duration::from_millis(env.parse_or(name, default)?))
}

fn positive<T: PartialOrd + Default>(name: &str, value: T) -> Result<T, ConfigError> {
    if value > T::default() {
        Ok(value)
    } else {
        Err(ConfigError::Invalid {
            name: name.to_owned(),
            reason: "must be greater than zero".into(),
        })
    }
}

/// `value` without trailing slashes, if it is an http(s) URL.
fn http_url(name: &str, value: &str) -> Result<String, ConfigError> {
    if value.starts_with("http://") || value.starts_with("https://") {
        Ok(value.trim_end_matches('/').to_owned())
    } else {
        Err(ConfigError::Invalid {
            name: name.to_owned(),
            reason: "expected an http:// or https:// URL".into(),
        })
    }
}

fn request_deadline(env: &Env) -> Result<Duration, ConfigError> {
    const NAME: &str = "REQUEST_DEADLINE_MS";
    let millis: u64 = positive(NAME, env.parse_or(NAME, DEFAULT_REQUEST_DEADLINE_MS)?)?;
    if millis > MAX_REQUEST_DEADLINE_MS {
        return Err(ConfigError::Invalid {
            name: NAME.to_owned(),
            reason: format!("must be at most {MAX_REQUEST_DEADLINE_MS} (milliseconds)"),
        });
    }
    Ok(Duration::from_millis(millis))
}

impl Settings {
    /// Reads the settings from `env`.
    pub fn from_env(env: &Env) -> Result<Self, ConfigError> {
        let demo = env.get("GOOGLE_CLIENT_ID").is_none();
        let service_credential = match env.secret(SERVICE_CREDENTIAL_VAR)? {
            Some(secret) => ServiceCredential::Configured(secret),
            None if demo => ServiceCredential::SharedDemo,
            None => {
                return Err(ConfigError::Invalid {
                    name: SERVICE_CREDENTIAL_VAR.into(),
                    reason: format!(
                        "it is required when GOOGLE_CLIENT_ID is set (only demo mode generates \
                         one): set {SERVICE_CREDENTIAL_VAR} or {SERVICE_CREDENTIAL_VAR}_FILE to \
                         the same secret auth-service is given"
                    ),
                });
            }
        };
        let default_base = if !demo {
            GOOGLE_GMAIL_API_BASE
        } else {
            DEMO_GMAIL_API_BASE
        };
        let api_base = env
            .get_or("GMAIL_API_BASE", default_base)
            .trim_end_matches('/')
            .to_owned();
        if !(api_base.starts_with("http://") || api_base.starts_with("https://")) {
            return Err(ConfigError::Invalid {
                name: "GMAIL_API_BASE".into(),
                reason: "expected an http:// or https:// URL".into(),
            });
        }
        Ok(Self {
            listen_addr: env.listen_addr(DEFAULT_PORT)?,
            redis: RedisSettings::from_env(env)?,
            auth_service_url: env
                .get_or("AUTH_SERVICE_URL", "http://127.0.0.1:5001")
                .trim_end_matches('/')
                .to_owned(),
            auth_service_internal_url: http_url(
                "AUTH_SERVICE_INTERNAL_URL",
                &env.get_or(
                    "AUTH_SERVICE_INTERNAL_URL",
                    DEFAULT_AUTH_SERVICE_INTERNAL_URL,
                ),
            )?,
            service_credential,
            jwt_issuer: env.get_or("INTERNAL_JWT_ISSUER", "auth-service"),
            auth_service_timeout: positive(
                "AUTH_SERVICE_TIMEOUT_MS",
                millis(env, "AUTH_SERVICE_TIMEOUT_MS", 5_000)?,
            )?,
            jwks_refetch_interval: Duration::from_secs(env.parse_or("JWKS_REFETCH_SECS", 5)?),
            jwks_ready_max_age: Duration::from_secs(positive(
                "JWKS_READY_MAX_AGE_SECS",
                env.parse_or("JWKS_READY_MAX_AGE_SECS", DEFAULT_JWKS_READY_MAX_AGE_SECS)?,
            )?),
            gmail: GmailSettings {
                api_base,
                timeout: positive("GMAIL_TIMEOUT_MS", millis(env, "GMAIL_TIMEOUT_MS", 10_000)?)?,
                connect_timeout: positive(
                    "GMAIL_CONNECT_TIMEOUT_MS",
                    millis(env, "GMAIL_CONNECT_TIMEOUT_MS", 2_000)?,
                )?,
                get_concurrency: positive(
                    "GMAIL_GET_CONCURRENCY",
                    env.parse_or("GMAIL_GET_CONCURRENCY", 10)?,
                )?,
                max_attempts: positive(
                    "GMAIL_MAX_ATTEMPTS",
                    env.parse_or("GMAIL_MAX_ATTEMPTS", 3)?,
                )?,
                retry_base: millis(env, "GMAIL_RETRY_BASE_MS", 1_000)?,
                retry_max_wait: millis(env, "GMAIL_RETRY_MAX_WAIT_MS", 4_000)?,
                max_response_bytes: positive(
                    "GMAIL_MAX_RESPONSE_BYTES",
                    env.parse_or("GMAIL_MAX_RESPONSE_BYTES", 32 * 1024 * 1024)?,
                )?,
                attachment_max_bytes: positive(
                    "ATTACHMENT_MAX_BYTES",
                    env.parse_or("ATTACHMENT_MAX_BYTES", 50 * 1024 * 1024)?,
                )?,
            },
            quota: QuotaSettings {
                units_per_minute: env.parse_or("QUOTA_UNITS_PER_MINUTE", 15_000)?,
                max_wait: millis(env, "QUOTA_MAX_WAIT_MS", 2_000)?,
                max_concurrent: env.parse_or("GMAIL_MAX_CONCURRENT_PER_ACCOUNT", 10)?,
            },
            mirror_ttl: Duration::from_secs(positive(
                "MIRROR_TTL_SECS",
                env.parse_or("MIRROR_TTL_SECS", 86_400)?,
            )?),
            events: HubSettings {
                poll: Duration::from_secs(positive(
                    "WATCH_POLL_SECS",
                    env.parse_or("WATCH_POLL_SECS", 10)?,
                )?),
                max_streams: positive(
                    "EVENTS_MAX_STREAMS",
                    env.parse_or("EVENTS_MAX_STREAMS", 20_000)?,
                )?,
                max_per_account: positive(
                    "EVENTS_MAX_STREAMS_PER_ACCOUNT",
                    env.parse_or("EVENTS_MAX_STREAMS_PER_ACCOUNT", 20)?,
                )?,
                heartbeat: Duration::from_secs(positive(
                    "EVENTS_HEARTBEAT_SECS",
                    env.parse_or("EVENTS_HEARTBEAT_SECS", 15)?,
                )?),
            },
            sync: SyncSettings {
                max_age: Duration::from_secs(env.parse_or("SYNC_MAX_AGE_SECS", 30)?),
                max_messages: positive(
                    "SYNC_MAX_MESSAGES",
                    env.parse_or("SYNC_MAX_MESSAGES", 500)?,
                )?,
            },
            request_deadline: request_deadline(env)?,
            push: push_settings(env)?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn push_is_off_without_a_topic_and_needs_an_audience_with_one() {
        assert!(Settings::from_env(&Env::default()).unwrap().push.is_none());
        let topic = Env::default().with("GMAIL_PUSH_TOPIC", "projects/p/topics/gmail");
        assert!(Settings::from_env(&topic).is_err(), "no audience");
        let push = Settings::from_env(&topic.clone().with("GMAIL_PUSH_AUDIENCE", "gmail-unread"))
            .unwrap()
            .push
            .unwrap();
        assert_eq!(push.topic, "projects/p/topics/gmail");
        assert_eq!(push.audience, "gmail-unread");
        assert_eq!(
            push.issuers,
            ["https://accounts.google.com", "accounts.google.com"]
        );
        assert_eq!(push.jwks_url, GOOGLE_CERTS_URL);
        assert_eq!(push.service_account, None);
        assert_eq!(push.renew, Duration::from_secs(86_400));
        for bad in ["gmail", "projects/p/topics/", "projects/p/subscriptions/s"] {
            let env = Env::default()
                .with("GMAIL_PUSH_TOPIC", bad)
                .with("GMAIL_PUSH_AUDIENCE", "a");
            assert!(Settings::from_env(&env).is_err(), "{bad}");
        }
        let too_long = topic
            .with("GMAIL_PUSH_AUDIENCE", "a")
            .with("GMAIL_WATCH_RENEW_SECS", "700000");
        assert!(Settings::from_env(&too_long).is_err());
    }

    #[test]
    fn defaults_are_the_demo_and_gmail_limits() {
        let settings = Settings::from_env(&Env::default()).unwrap();
        assert_eq!(settings.gmail.api_base, DEMO_GMAIL_API_BASE);
        assert_eq!(settings.quota.units_per_minute, 15_000);
        assert_eq!(settings.gmail.get_concurrency, 10);
        assert_eq!(settings.listen_addr.port(), DEFAULT_PORT);
        assert_eq!(settings.request_deadline, Duration::from_secs(8));
    }

    #[test]
    fn the_request_deadline_is_read_and_checked() {
        let read = |value: &str| {
            Settings::from_env(&Env::default().with("REQUEST_DEADLINE_MS", value))
                .map(|s| s.request_deadline)
        };
        assert_eq!(read("1500").unwrap(), Duration::from_millis(1_500));
        assert_eq!(read("60000").unwrap(), Duration::from_secs(60));
        for nonsense in ["0", "-5", "soon", "1.5", "60001"] {
            let message = read(nonsense).unwrap_err().to_string();
            assert!(
                message.contains("REQUEST_DEADLINE_MS"),
                "{nonsense}: {message}"
            );
        }
    }

    #[test]
    fn real_google_by_default_once_a_google_client_is_configured() {
        let env = Env::default()
            .with("GOOGLE_CLIENT_ID", "x.apps.googleusercontent.com")
            .with("GMAIL_SERVICE_CREDENTIAL", "configured");
        assert_eq!(
            Settings::from_env(&env).unwrap().gmail.api_base,
            GOOGLE_GMAIL_API_BASE
        );
        let env = env.with("GMAIL_API_BASE", "http://127.0.0.1:9/gmail/v1/users/me");
        assert_eq!(
            Settings::from_env(&env).unwrap().gmail.api_base,
            "http://127.0.0.1:9/gmail/v1/users/me"
        );
    }

    #[test]
    fn real_mode_without_a_service_credential_is_refused_naming_the_variable() {
        let env = Env::default().with("GOOGLE_CLIENT_ID", "x.apps.googleusercontent.com");
        let message = Settings::from_env(&env).unwrap_err().to_string();
        assert!(message.contains("GMAIL_SERVICE_CREDENTIAL "), "{message}");
        assert!(
            message.contains("GMAIL_SERVICE_CREDENTIAL_FILE"),
            "{message}"
        );

        let dir = std::env::temp_dir().join(format!("gs-cred-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("credential");
        std::fs::write(&path, "from-a-file\n").unwrap();
        let settings = Settings::from_env(
            &env.clone()
                .with("GMAIL_SERVICE_CREDENTIAL_FILE", path.to_string_lossy()),
        )
        .unwrap();
        let ServiceCredential::Configured(secret) = &settings.service_credential else {
            panic!("the file's credential was not used")
        };
        assert_eq!(common::ExposeSecret::expose_secret(secret), "from-a-file");
        assert!(!format!("{settings:?}").contains("from-a-file"));
        std::fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn demo_mode_shares_a_generated_credential_and_reaches_the_internal_port() {
        let settings = Settings::from_env(&Env::default()).unwrap();
        assert!(matches!(
            settings.service_credential,
            ServiceCredential::SharedDemo
        ));
        assert_eq!(settings.auth_service_internal_url, "http://127.0.0.1:5011");
        assert_eq!(settings.auth_service_url, "http://127.0.0.1:5001");
        assert_eq!(settings.jwks_ready_max_age, Duration::from_secs(300));
    }

    #[test]
    fn nonsense_is_refused() {
        for (name, value) in [
            ("GMAIL_API_BASE", "ftp://x"),
            ("GMAIL_GET_CONCURRENCY", "0"),
            ("GMAIL_TIMEOUT_MS", "soon"),
            ("QUOTA_UNITS_PER_MINUTE", "-1"),
            ("AUTH_SERVICE_INTERNAL_URL", "auth-service:5011"),
            ("JWKS_READY_MAX_AGE_SECS", "0"),
        ] {
            assert!(
                Settings::from_env(&Env::default().with(name, value)).is_err(),
                "{name}={value}"
            );
        }
        let settings = Settings::from_env(&Env::default().with(
            "GMAIL_API_BASE",
            "https://gmail.googleapis.com/gmail/v1/users/me/",
        ))
        .unwrap();
        assert_eq!(
            settings.gmail.api_base,
            "https://gmail.googleapis.com/gmail/v1/users/me"
        );
    }
}
