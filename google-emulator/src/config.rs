//! The emulator's settings, all from the environment (see the crate README for the table).

use std::{net::SocketAddr, path::PathBuf, time::Duration};

use common::config::{ConfigError, Env};

use crate::{accounts::MAX_EXTRA_ACCOUNTS, faults::FaultPlan};

/// The default port, as in the contract.
pub const DEFAULT_PORT: u16 = 5003;

/// One registered OAuth client.
#[derive(Clone, Debug)]
pub struct RegisteredClient {
    pub client_id: String,
    pub client_secret: String,
    /// Exact strings; Google compares redirect URIs character for character.
    pub redirect_uris: Vec<String>,
}

/// Everything the emulator can be told.
#[derive(Clone, Debug)]
pub struct EmulatorConfig {
    /// `LISTEN_ADDR`, default `127.0.0.1:5003`.
    pub listen_addr: SocketAddr,
    /// `EMULATOR_PUBLIC_URL`: the base browsers see. When unset: `http://localhost:<bound port>`.
    pub public_url: Option<String>,
    /// `EMULATOR_ISSUER`: the `iss` of id_tokens and of the authorization response. Defaults to
    /// the public URL (as OpenID discovery requires); set `https://accounts.google.com` to
    /// imitate Google's value exactly.
    pub issuer: Option<String>,
    /// `EMULATOR_CLIENT_ID`, `EMULATOR_CLIENT_SECRET`, `EMULATOR_REDIRECT_URIS`.
    pub client: RegisteredClient,
    /// `EMULATOR_AUTO_APPROVE=1`: skip the consent page and approve at once.
    pub auto_approve: bool,
    /// `EMULATOR_TOKEN_TTL_SECS` (default 3599): access-token lifetime.
    pub token_ttl: Duration,
    /// `EMULATOR_CODE_TTL_SECS` (default 600): authorization-code lifetime.
    pub code_ttl: Duration,
    /// `EMULATOR_QUOTA_UNITS_PER_MINUTE` (default 15000, 0 = unlimited): per-user Gmail quota.
    pub quota_units_per_minute: u32,
    /// `EMULATOR_LATENCY_MS` and `EMULATOR_FAULTS`: the initial fault plan.
    pub faults: FaultPlan,
    /// `EMULATOR_FAULT_SEED` (default 1): makes injected faults reproducible.
    pub fault_seed: u64,
    /// `EMULATOR_EXTRA_ACCOUNTS` (default 0, at most 100,000): generated accounts
    /// `user1@example.com` … `userN@example.com` besides the demo ones, for load tests.
    pub extra_accounts: usize,
    /// `EMULATOR_MAILBOX`: an mbox file, a folder of `.eml` files or a Maildir that becomes the
    /// default account's (alice's) mailbox instead of the demo mail. Unset: the demo mail.
    pub mailbox_path: Option<PathBuf>,
    /// `EMULATOR_HISTORY_RETENTION` (default 1000): history records kept per mailbox; a
    /// `startHistoryId` before the oldest kept one answers 404 (sync in full), as Gmail does
    /// once its history has expired. `0` keeps none.
    pub history_retention: usize,
    /// `EMULATOR_MAX_CONCURRENT_PER_USER` (unset or `0`: no limit): Gmail API requests of one
    /// account in flight at once; one more answers 429 "Too many concurrent requests for user".
    pub max_concurrent_per_user: Option<usize>,
    /// Where and how Gmail push notifications (`users.watch`) are delivered.
    pub push: PushConfig,
}

/// The Pub/Sub push subscription the emulator plays: where it POSTs notifications, and the
/// OIDC token it signs them with.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PushConfig {
    /// `EMULATOR_PUSH_ENDPOINT`: the push endpoint URL. Unset: watches are kept, nothing is sent.
    pub endpoint: Option<String>,
    /// `EMULATOR_PUSH_AUDIENCE`: the token's `aud` (default: the endpoint URL).
    pub audience: String,
    /// `EMULATOR_PUSH_SERVICE_ACCOUNT`: the token's `email` (default
    /// `gmail-push@emulator.iam.gserviceaccount.com`).
    pub service_account: String,
}

/// The push token's `email` unless `EMULATOR_PUSH_SERVICE_ACCOUNT` says otherwise.
pub const DEFAULT_PUSH_SERVICE_ACCOUNT: &str = "gmail-push@emulator.iam.gserviceaccount.com";

impl PushConfig {
    fn from_env(env: &Env) -> Result<Self, ConfigError> {
        let endpoint = match env.get("EMULATOR_PUSH_ENDPOINT").map(str::trim) {
            None => None,
            Some(raw) => {
                let url = url::Url::parse(raw).map_err(|e| ConfigError::Invalid {
                    name: "EMULATOR_PUSH_ENDPOINT".into(),
                    reason: e.to_string(),
                })?;
                if !matches!(url.scheme(), "http" | "https") {
                    return Err(ConfigError::Invalid {
                        name: "EMULATOR_PUSH_ENDPOINT".into(),
                        reason: "must be an http:// or https:// URL".into(),
                    });
                }
                Some(raw.to_owned())
            }
        };
        let audience = env
            .get("EMULATOR_PUSH_AUDIENCE")
            .map(|a| a.trim().to_owned())
            .or_else(|| endpoint.clone())
            .unwrap_or_default();
        Ok(Self {
            endpoint,
            audience,
            service_account: env
                .get("EMULATOR_PUSH_SERVICE_ACCOUNT")
                .map_or(DEFAULT_PUSH_SERVICE_ACCOUNT, str::trim)
                .to_owned(),
        })
    }
}

impl EmulatorConfig {
    /// Reads the configuration from `env`.
    pub fn from_env(env: &Env) -> Result<Self, ConfigError> {
        let client_id = env.get_or(
            "EMULATOR_CLIENT_ID",
            "demo-client.apps.googleusercontent.com",
        );
        let client_secret = env.get_or("EMULATOR_CLIENT_SECRET", "demo-secret");
        let redirect_uris = env
            .get_or(
                "EMULATOR_REDIRECT_URIS",
                "http://localhost:5000/oauth/callback",
            )
            .split(',')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
            .collect();
        let mut faults = match env.get("EMULATOR_FAULTS") {
            Some(spec) => FaultPlan::parse_env(spec).map_err(|reason| ConfigError::Invalid {
                name: "EMULATOR_FAULTS".into(),
                reason,
            })?,
            None => FaultPlan::default(),
        };
        faults.latency_ms = env.parse_or("EMULATOR_LATENCY_MS", 0)?;
        let extra_accounts: usize = env.parse_or("EMULATOR_EXTRA_ACCOUNTS", 0)?;
        if extra_accounts > MAX_EXTRA_ACCOUNTS {
            return Err(ConfigError::Invalid {
                name: "EMULATOR_EXTRA_ACCOUNTS".into(),
                reason: format!("at most {MAX_EXTRA_ACCOUNTS}"),
            });
        }
        Ok(Self {
            listen_addr: env.listen_addr(DEFAULT_PORT)?,
            public_url: env
                .get("EMULATOR_PUBLIC_URL")
                .map(|u| u.trim_end_matches('/').to_owned()),
            issuer: env.get("EMULATOR_ISSUER").map(str::to_owned),
            client: RegisteredClient {
                client_id,
                client_secret,
                redirect_uris,
            },
            auto_approve: env.flag("EMULATOR_AUTO_APPROVE", false)?,
            token_ttl: Duration::from_secs(env.parse_or("EMULATOR_TOKEN_TTL_SECS", 3599)?),
            code_ttl: Duration::from_secs(env.parse_or("EMULATOR_CODE_TTL_SECS", 600)?),
            quota_units_per_minute: env.parse_or("EMULATOR_QUOTA_UNITS_PER_MINUTE", 15_000)?,
            faults,
            fault_seed: env.parse_or("EMULATOR_FAULT_SEED", 1)?,
            extra_accounts,
            mailbox_path: env
                .get("EMULATOR_MAILBOX")
                .map(str::trim)
                .filter(|p| !p.is_empty())
                .map(PathBuf::from),
            history_retention: env.parse_or("EMULATOR_HISTORY_RETENTION", 1000)?,
            max_concurrent_per_user: Some(env.parse_or("EMULATOR_MAX_CONCURRENT_PER_USER", 0)?)
                .filter(|&n| n > 0),
            push: PushConfig::from_env(env)?,
        })
    }

    /// Defaults for an in-process test emulator: port 0, the given redirect URIs, auto-approve.
    pub fn for_tests(redirect_uris: &[&str]) -> Self {
        let env = Env::default()
            .with("LISTEN_ADDR", "127.0.0.1:0")
            .with("EMULATOR_AUTO_APPROVE", "1")
            .with("EMULATOR_REDIRECT_URIS", redirect_uris.join(","));
        // The defaults above always parse.
        Self::from_env(&env).unwrap_or_else(|_| unreachable!("test defaults parse"))
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    #[test]
    fn emulator_mailbox_is_an_optional_path() {
        let unset = EmulatorConfig::from_env(&Env::default()).unwrap();
        assert_eq!(unset.mailbox_path, None);
        let blank =
            EmulatorConfig::from_env(&Env::default().with("EMULATOR_MAILBOX", "  ")).unwrap();
        assert_eq!(blank.mailbox_path, None);
        let set = EmulatorConfig::from_env(&Env::default().with(
            "EMULATOR_MAILBOX",
            "/mail/All mail Including Spam and Trash.mbox",
        ))
        .unwrap();
        assert_eq!(
            set.mailbox_path,
            Some(PathBuf::from(
                "/mail/All mail Including Spam and Trash.mbox"
            ))
        );
    }

    #[test]
    fn history_retention_has_a_default_and_parses() {
        let unset = EmulatorConfig::from_env(&Env::default()).unwrap();
        assert_eq!(unset.history_retention, 1000);
        let set = EmulatorConfig::from_env(&Env::default().with("EMULATOR_HISTORY_RETENTION", "5"))
            .unwrap();
        assert_eq!(set.history_retention, 5);
        assert!(
            EmulatorConfig::from_env(&Env::default().with("EMULATOR_HISTORY_RETENTION", "-1"))
                .is_err()
        );
    }

    #[test]
    fn the_concurrency_limit_is_off_by_default() {
        let unset = EmulatorConfig::from_env(&Env::default()).unwrap();
        assert_eq!(unset.max_concurrent_per_user, None);
        let limit = |value: &str| {
            EmulatorConfig::from_env(
                &Env::default().with("EMULATOR_MAX_CONCURRENT_PER_USER", value),
            )
            .map(|c| c.max_concurrent_per_user)
        };
        assert_eq!(limit("3").unwrap(), Some(3));
        assert_eq!(limit("0").unwrap(), None);
        assert!(limit("many").is_err());
    }

    #[test]
    fn push_settings_have_defaults_and_parse() {
        let unset = EmulatorConfig::from_env(&Env::default()).unwrap();
        assert_eq!(unset.push.endpoint, None, "no push unless asked");
        assert_eq!(unset.push.service_account, DEFAULT_PUSH_SERVICE_ACCOUNT);
        let set = EmulatorConfig::from_env(&Env::default().with(
            "EMULATOR_PUSH_ENDPOINT",
            "http://127.0.0.1:5002/v1/gmail/push",
        ))
        .unwrap();
        assert_eq!(
            set.push.endpoint.as_deref(),
            Some("http://127.0.0.1:5002/v1/gmail/push")
        );
        assert_eq!(
            set.push.audience, "http://127.0.0.1:5002/v1/gmail/push",
            "the audience defaults to the endpoint"
        );
        let named = EmulatorConfig::from_env(
            &Env::default()
                .with("EMULATOR_PUSH_ENDPOINT", "https://example.com/push")
                .with("EMULATOR_PUSH_AUDIENCE", "gmail-unread")
                .with(
                    "EMULATOR_PUSH_SERVICE_ACCOUNT",
                    "push@p.iam.gserviceaccount.com",
                ),
        )
        .unwrap();
        assert_eq!(named.push.audience, "gmail-unread");
        assert_eq!(named.push.service_account, "push@p.iam.gserviceaccount.com");
        for bad in ["not a url", "ftp://example.com/push"] {
            assert!(
                EmulatorConfig::from_env(&Env::default().with("EMULATOR_PUSH_ENDPOINT", bad))
                    .is_err(),
                "{bad}"
            );
        }
    }
}
