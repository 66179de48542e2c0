//! [`RedisSettings`]: which Redis, read from the environment. Exactly one of `REDIS_URL`,
//! `REDIS_SENTINELS` and `REDIS_CLUSTER_NODES` chooses the mode (none: `REDIS_URL`'s default,
//! a local Redis); any other combination stops the process at start with a message naming the
//! variables.
//!
//! | variable | modes | meaning |
//! | --- | --- | --- |
//! | `REDIS_URL` | single | `redis://` or `rediss://` (TLS) URL, may hold a password |
//! | `REDIS_SENTINELS` | sentinel | `host:port,host:port,…` of the sentinels |
//! | `REDIS_SENTINEL_MASTER` | sentinel | the monitored master's name (required) |
//! | `REDIS_SENTINEL_PASSWORD` / `_FILE` | sentinel | the sentinels' `requirepass` |
//! | `REDIS_CLUSTER_NODES` | cluster | seed nodes, `redis://host:port,…` (all `rediss://` for TLS) |
//! | `REDIS_USERNAME`, `REDIS_PASSWORD` / `_FILE` | all | the data nodes' ACL user and password (single mode: instead of the URL's) |
//! | `REDIS_TLS` | sentinel | `on`: sentinels and data nodes over TLS (the other modes say it with `rediss://`) |
//! | `REDIS_TLS_CA_FILE` | TLS | PEM CA(s) to trust instead of the system's |
//! | `REDIS_TLS_CERT_FILE`, `REDIS_TLS_KEY_FILE` | TLS | client certificate and key (PEM) for mutual TLS; both or neither |
//! | `REDIS_DURABLE_REPLICAS` | all | `WAIT` for this many replicas after storing a session or token set (default 0: off) |
//! | `REDIS_DURABLE_TIMEOUT_MS` | all | how long that `WAIT` may take (default 500) |
//! | `REDIS_KEY_PREFIX` | all | prepended to every key (default `gu:`) |
//!
//! Certificates and host names are always verified: a `#insecure` URL is refused, and so are
//! TLS files when Redis is not reached over TLS (they would be silently unused).

use std::time::Duration;

use secrecy::{ExposeSecret, SecretString};

use crate::config::{ConfigError, Env};

/// Where Redis is, how to reach it and which prefix every key of this deployment carries.
#[derive(Clone, Debug)]
pub struct RedisSettings {
    pub topology: RedisTopology,
    /// ACL user and password of the data nodes (single mode: when the URL has none).
    pub username: Option<String>,
    pub password: Option<SecretString>,
    /// Files of the private CA and client certificate; `None` without TLS.
    pub tls: Option<RedisTlsFiles>,
    /// Prepended to every key (`gu:` by default), so several deployments or tests share one Redis.
    pub key_prefix: String,
    /// `WAIT` after the writes that must survive a failover.
    pub durability: Durability,
}

/// The three ways to run Redis.
#[derive(Clone, Debug)]
pub enum RedisTopology {
    /// One endpoint (`REDIS_URL`), `redis://` or `rediss://`.
    Single { url: SecretString },
    /// A master found through sentinels, followed across failovers.
    Sentinel {
        sentinels: Vec<(String, u16)>,
        master: String,
        sentinel_password: Option<SecretString>,
        tls: bool,
    },
    /// A Redis Cluster, from its seed nodes.
    Cluster { nodes: Vec<SecretString>, tls: bool },
}

impl RedisTopology {
    /// `single`, `sentinel` or `cluster`, as readiness reports it.
    pub fn mode(&self) -> &'static str {
        match self {
            Self::Single { .. } => "single",
            Self::Sentinel { .. } => "sentinel",
            Self::Cluster { .. } => "cluster",
        }
    }

    /// Whether the data nodes are reached over TLS.
    pub fn uses_tls(&self) -> bool {
        match self {
            Self::Single { url } => url.expose_secret().starts_with("rediss://"),
            Self::Sentinel { tls, .. } | Self::Cluster { tls, .. } => *tls,
        }
    }
}

/// PEM files for TLS: a private CA and, for mutual TLS, a client certificate and key.
#[derive(Clone, Debug, Default)]
pub struct RedisTlsFiles {
    pub ca_file: Option<String>,
    pub client: Option<(String, String)>,
}

/// Replicas a durable write waits for, and for how long.
#[derive(Clone, Copy, Debug)]
pub struct Durability {
    pub replicas: u32,
    pub timeout: Duration,
}

impl Durability {
    /// No waiting.
    pub const OFF: Self = Self {
        replicas: 0,
        timeout: Duration::from_millis(500),
    };
}

impl RedisSettings {
    /// One plain Redis at `url`, for tests and tools.
    pub fn single(url: impl Into<String>, key_prefix: impl Into<String>) -> Self {
        Self {
            topology: RedisTopology::Single {
                url: SecretString::from(url.into()),
            },
            username: None,
            password: None,
            tls: None,
            key_prefix: key_prefix.into(),
            durability: Durability::OFF,
        }
    }

    /// Reads the settings; see the module docs for the variables.
    pub fn from_env(env: &Env) -> Result<Self, ConfigError> {
        let invalid = |name: &str, reason: String| ConfigError::Invalid {
            name: name.to_owned(),
            reason,
        };
        let chosen: Vec<&str> = ["REDIS_URL", "REDIS_SENTINELS", "REDIS_CLUSTER_NODES"]
            .into_iter()
            .filter(|name| env.get(name).is_some())
            .collect();
        if chosen.len() > 1 {
            return Err(invalid(
                chosen[0],
                format!(
                    "{} are all set; set exactly one of REDIS_URL, REDIS_SENTINELS, \
                     REDIS_CLUSTER_NODES to choose the mode",
                    chosen.join(" and ")
                ),
            ));
        }
        let mode_only = |name: &str, mode: &str| -> Result<(), ConfigError> {
            match env.get(name).or_else(|| env.get(&format!("{name}_FILE"))) {
                Some(_) => Err(invalid(
                    name,
                    format!("only used with {mode}, which is not set"),
                )),
                None => Ok(()),
            }
        };
        let topology = match chosen.first().copied() {
            Some("REDIS_SENTINELS") => {
                let sentinels = parse_sentinels(env.get("REDIS_SENTINELS").unwrap_or_default())
                    .map_err(|reason| invalid("REDIS_SENTINELS", reason))?;
                let master = env
                    .get("REDIS_SENTINEL_MASTER")
                    .map(|m| m.trim().to_owned())
                    .ok_or_else(|| {
                        invalid(
                            "REDIS_SENTINEL_MASTER",
                            "required with REDIS_SENTINELS: the name the sentinels monitor".into(),
                        )
                    })?;
                RedisTopology::Sentinel {
                    sentinels,
                    master,
                    sentinel_password: env.secret("REDIS_SENTINEL_PASSWORD")?,
                    tls: env.flag("REDIS_TLS", false)?,
                }
            }
            Some("REDIS_CLUSTER_NODES") => {
                mode_only("REDIS_SENTINEL_MASTER", "REDIS_SENTINELS")?;
                mode_only("REDIS_SENTINEL_PASSWORD", "REDIS_SENTINELS")?;
                let raw = env.get("REDIS_CLUSTER_NODES").unwrap_or_default();
                let nodes: Vec<String> = raw
                    .split(',')
                    .map(str::trim)
                    .filter(|n| !n.is_empty())
                    .map(str::to_owned)
                    .collect();
                for node in &nodes {
                    check_url(node).map_err(|reason| invalid("REDIS_CLUSTER_NODES", reason))?;
                }
                let tls_nodes = nodes.iter().filter(|n| n.starts_with("rediss://")).count();
                if tls_nodes != 0 && tls_nodes != nodes.len() {
                    return Err(invalid(
                        "REDIS_CLUSTER_NODES",
                        "mixes redis:// and rediss:// nodes; a cluster is all TLS or none".into(),
                    ));
                }
                RedisTopology::Cluster {
                    tls: tls_nodes != 0,
                    nodes: nodes.into_iter().map(SecretString::from).collect(),
                }
            }
            _ => {
                mode_only("REDIS_SENTINEL_MASTER", "REDIS_SENTINELS")?;
                mode_only("REDIS_SENTINEL_PASSWORD", "REDIS_SENTINELS")?;
                let url = env.get_or("REDIS_URL", "redis://127.0.0.1:6379");
                check_url(&url).map_err(|reason| invalid("REDIS_URL", reason))?;
                RedisTopology::Single {
                    url: SecretString::from(url),
                }
            }
        };
        if env.get("REDIS_TLS").is_some() && !matches!(topology, RedisTopology::Sentinel { .. }) {
            return Err(invalid(
                "REDIS_TLS",
                "only used with REDIS_SENTINELS; the other modes choose TLS with rediss://".into(),
            ));
        }
        let password = env.secret("REDIS_PASSWORD")?;
        if let RedisTopology::Single { url } = &topology
            && password.is_some()
            && url_has_password(url.expose_secret())
        {
            return Err(invalid(
                "REDIS_PASSWORD",
                "REDIS_URL holds a password too; give it in one place".into(),
            ));
        }
        let key_prefix = env.get_or("REDIS_KEY_PREFIX", "gu:");
        if key_prefix.contains(['{', '}']) {
            return Err(invalid(
                "REDIS_KEY_PREFIX",
                "must not contain { or }: the braces of the keys are Redis Cluster hash tags"
                    .into(),
            ));
        }
        let tls = tls_files(env, topology.uses_tls())?;
        let replicas = env.parse_or("REDIS_DURABLE_REPLICAS", 0_u32)?;
        if replicas > 16 {
            return Err(invalid("REDIS_DURABLE_REPLICAS", "at most 16".into()));
        }
        let timeout_ms = env.parse_or("REDIS_DURABLE_TIMEOUT_MS", 500_u64)?;
        if !(1..=10_000).contains(&timeout_ms) {
            return Err(invalid(
                "REDIS_DURABLE_TIMEOUT_MS",
                "expected 1 to 10000 milliseconds".into(),
            ));
        }
        Ok(Self {
            topology,
            username: env.get("REDIS_USERNAME").map(|u| u.trim().to_owned()),
            password,
            tls,
            key_prefix,
            durability: Durability {
                replicas,
                timeout: Duration::from_millis(timeout_ms),
            },
        })
    }
}

/// A `redis://` or `rediss://` URL that keeps verification on.
fn check_url(url: &str) -> Result<(), String> {
    if !(url.starts_with("redis://")
        || url.starts_with("rediss://")
        || url.starts_with("redis+unix://")
        || url.starts_with("unix://"))
    {
        return Err("expected a redis://, rediss:// or unix:// URL".into());
    }
    if url.contains('#') {
        return Err(
            "has a #fragment; #insecure (no certificate check) is not supported: give the \
             CA with REDIS_TLS_CA_FILE instead"
                .into(),
        );
    }
    Ok(())
}

/// Whether `url` has a password (`redis://[user]:password@host`).
fn url_has_password(url: &str) -> bool {
    url::Url::parse(url).is_ok_and(|u| u.password().is_some_and(|p| !p.is_empty()))
}

/// `host:port,host:port,…`; IPv6 hosts in brackets.
fn parse_sentinels(raw: &str) -> Result<Vec<(String, u16)>, String> {
    let mut sentinels = Vec::new();
    for entry in raw.split(',').map(str::trim).filter(|e| !e.is_empty()) {
        let (host, port) = entry
            .rsplit_once(':')
            .ok_or_else(|| format!("{entry:?} is not host:port"))?;
        let port: u16 = port
            .parse()
            .ok()
            .filter(|p| *p != 0)
            .ok_or_else(|| format!("{entry:?} has no valid port"))?;
        let host = host.trim_start_matches('[').trim_end_matches(']');
        if host.is_empty() {
            return Err(format!("{entry:?} has no host"));
        }
        sentinels.push((host.to_owned(), port));
    }
    if sentinels.is_empty() {
        return Err("expected host:port,host:port,… of at least one sentinel".into());
    }
    Ok(sentinels)
}

/// `REDIS_TLS_*`: only with TLS, the certificate and key together, every file readable.
fn tls_files(env: &Env, uses_tls: bool) -> Result<Option<RedisTlsFiles>, ConfigError> {
    let ca_file = env.get("REDIS_TLS_CA_FILE").map(str::to_owned);
    let cert = env.get("REDIS_TLS_CERT_FILE").map(str::to_owned);
    let key = env.get("REDIS_TLS_KEY_FILE").map(str::to_owned);
    if !uses_tls {
        if let Some(name) = [
            ("REDIS_TLS_CA_FILE", &ca_file),
            ("REDIS_TLS_CERT_FILE", &cert),
            ("REDIS_TLS_KEY_FILE", &key),
        ]
        .iter()
        .find_map(|(name, value)| value.as_ref().map(|_| *name))
        {
            return Err(ConfigError::Invalid {
                name: name.to_owned(),
                reason: "set, but Redis is not reached over TLS (use rediss://, or REDIS_TLS=on \
                         with sentinels)"
                    .into(),
            });
        }
        return Ok(None);
    }
    let client = match (cert, key) {
        (Some(cert), Some(key)) => Some((cert, key)),
        (None, None) => None,
        (Some(_), None) | (None, Some(_)) => {
            return Err(ConfigError::Invalid {
                name: "REDIS_TLS_CERT_FILE".into(),
                reason: "REDIS_TLS_CERT_FILE and REDIS_TLS_KEY_FILE go together".into(),
            });
        }
    };
    let files = RedisTlsFiles { ca_file, client };
    for path in files
        .ca_file
        .iter()
        .chain(files.client.iter().flat_map(|(c, k)| [c, k]))
    {
        if let Err(source) = std::fs::metadata(path) {
            return Err(ConfigError::Invalid {
                name: "REDIS_TLS_*_FILE".into(),
                reason: format!("{path} cannot be read: {source}"),
            });
        }
    }
    Ok(Some(files))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(pairs: &[(&str, &str)]) -> Env {
        Env::from_pairs(pairs.iter().copied())
    }

    fn error(pairs: &[(&str, &str)]) -> String {
        RedisSettings::from_env(&env(pairs))
            .expect_err("expected a configuration error")
            .to_string()
    }

    #[test]
    fn the_default_is_one_local_redis() {
        let settings = RedisSettings::from_env(&Env::default()).unwrap();
        assert!(matches!(
            &settings.topology,
            RedisTopology::Single { url } if url.expose_secret() == "redis://127.0.0.1:6379"
        ));
        assert_eq!(settings.key_prefix, "gu:");
        assert_eq!(settings.durability.replicas, 0);
        assert!(settings.tls.is_none());
    }

    #[test]
    fn exactly_one_variable_chooses_the_mode() {
        let both = error(&[
            ("REDIS_URL", "redis://a:6379"),
            ("REDIS_CLUSTER_NODES", "redis://b:7000"),
        ]);
        assert!(both.contains("REDIS_URL and REDIS_CLUSTER_NODES"), "{both}");
        assert!(both.contains("exactly one"), "{both}");
        let three = error(&[
            ("REDIS_URL", "redis://a:6379"),
            ("REDIS_SENTINELS", "a:26379"),
            ("REDIS_CLUSTER_NODES", "redis://b:7000"),
        ]);
        assert!(three.contains("exactly one"), "{three}");
        let no_master = error(&[("REDIS_SENTINELS", "a:26379")]);
        assert!(no_master.contains("REDIS_SENTINEL_MASTER"), "{no_master}");
        let stray = error(&[
            ("REDIS_URL", "redis://a:6379"),
            ("REDIS_SENTINEL_MASTER", "m"),
        ]);
        assert!(stray.contains("REDIS_SENTINEL_MASTER"), "{stray}");
        let tls_flag = error(&[("REDIS_URL", "redis://a:6379"), ("REDIS_TLS", "on")]);
        assert!(tls_flag.contains("REDIS_TLS"), "{tls_flag}");
    }

    #[test]
    fn sentinels_and_cluster_nodes_parse() {
        let settings = RedisSettings::from_env(&env(&[
            ("REDIS_SENTINELS", "10.0.0.1:26379, [::1]:26380"),
            ("REDIS_SENTINEL_MASTER", "gu"),
            ("REDIS_TLS", "on"),
        ]))
        .unwrap();
        let RedisTopology::Sentinel {
            sentinels,
            master,
            tls,
            ..
        } = &settings.topology
        else {
            panic!("not sentinel")
        };
        assert_eq!(
            sentinels,
            &[("10.0.0.1".to_owned(), 26379), ("::1".to_owned(), 26380)]
        );
        assert_eq!(master, "gu");
        assert!(tls);
        for bad in ["a", "a:0", ":1", "a:x", " , "] {
            let message = error(&[("REDIS_SENTINELS", bad), ("REDIS_SENTINEL_MASTER", "m")]);
            assert!(message.contains("REDIS_SENTINELS"), "{bad}: {message}");
        }
        let cluster = RedisSettings::from_env(&env(&[(
            "REDIS_CLUSTER_NODES",
            "rediss://a:7000,rediss://b:7001",
        )]))
        .unwrap();
        assert!(cluster.topology.uses_tls());
        assert_eq!(cluster.topology.mode(), "cluster");
        let mixed = error(&[("REDIS_CLUSTER_NODES", "rediss://a:7000,redis://b:7001")]);
        assert!(mixed.contains("mixes"), "{mixed}");
    }

    #[test]
    fn verification_is_never_switched_off_and_tls_files_are_never_ignored() {
        let insecure = error(&[("REDIS_URL", "rediss://a:6379/#insecure")]);
        assert!(insecure.contains("#insecure"), "{insecure}");
        let unused = error(&[
            ("REDIS_URL", "redis://a:6379"),
            ("REDIS_TLS_CA_FILE", "/etc/ca.pem"),
        ]);
        assert!(unused.contains("not reached over TLS"), "{unused}");
        let half = error(&[
            ("REDIS_URL", "rediss://a:6379"),
            ("REDIS_TLS_CERT_FILE", "/etc/c.pem"),
        ]);
        assert!(half.contains("go together"), "{half}");
        let missing = error(&[
            ("REDIS_URL", "rediss://a:6379"),
            ("REDIS_TLS_CA_FILE", "/nonexistent/gu-ca.pem"),
        ]);
        assert!(missing.contains("/nonexistent/gu-ca.pem"), "{missing}");
    }

    #[test]
    fn passwords_are_given_once_and_durability_is_bounded() {
        let twice = error(&[
            ("REDIS_URL", "redis://:pw@a:6379"),
            ("REDIS_PASSWORD", "pw"),
        ]);
        assert!(twice.contains("one place"), "{twice}");
        let settings = RedisSettings::from_env(&env(&[
            ("REDIS_URL", "redis://a:6379"),
            ("REDIS_PASSWORD", "pw"),
            ("REDIS_DURABLE_REPLICAS", "1"),
            ("REDIS_DURABLE_TIMEOUT_MS", "250"),
        ]))
        .unwrap();
        assert_eq!(settings.password.unwrap().expose_secret(), "pw");
        assert_eq!(settings.durability.replicas, 1);
        assert_eq!(settings.durability.timeout, Duration::from_millis(250));
        assert!(error(&[("REDIS_DURABLE_TIMEOUT_MS", "0")]).contains("REDIS_DURABLE_TIMEOUT_MS"));
        assert!(error(&[("REDIS_DURABLE_REPLICAS", "99")]).contains("at most 16"));
        assert!(error(&[("REDIS_KEY_PREFIX", "gu:{x}:")]).contains("hash tags"));
        assert!(
            !format!(
                "{:?}",
                RedisSettings::from_env(&env(&[("REDIS_URL", "redis://:topsecret@a:1")])).unwrap()
            )
            .contains("topsecret")
        );
    }
}
