//! The Redis handle every service uses: one multiplexed connection that connects lazily and
//! reconnects by itself, short timeouts (a Redis outage answers 503 quickly instead of hanging),
//! and the deployment's key prefix.
//!
//! Redis runs in one of three modes ([`settings`]: exactly one of `REDIS_URL`,
//! `REDIS_SENTINELS`, `REDIS_CLUSTER_NODES`), each with or without TLS ([`tls`]); the
//! [`connection::RedisConnection`] hides which, so the services' commands, pipelines and scripts
//! are the same in all three. In a Cluster every multi-key command and script must stay in one
//! slot: the services' key modules give all keys of one account the hash tag `{<sub>}`.
//!
//! [`RedisStore::shared_demo_secret`] is how demo mode shares a generated secret between
//! services and replicas: the first writer wins (`SET NX`), everybody reads the winner.
//! [`RedisStore::wait_durable`] is the `WAIT` after writes that must survive a failover.

pub mod connection;
pub mod sentinel;
pub mod settings;
pub mod tls;

use std::time::Duration;

use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use rand::RngCore;
use redis::{
    AsyncCommands, ErrorKind, RedisError, Value,
    aio::{ConnectionManager, ConnectionManagerConfig},
    cluster::ClusterConfig,
    cluster_routing::{Route, RoutingInfo, SingleNodeRoutingInfo, SlotAddr},
};
use secrecy::{ExposeSecret, SecretString};

use self::sentinel::{SentinelConnection, SentinelParams};
pub use self::{
    connection::RedisConnection,
    settings::{Durability, RedisSettings, RedisTopology},
};

/// How long connecting may take, and a reply.
const CONNECT_TIMEOUT: Duration = Duration::from_millis(1_000);
const RESPONSE_TIMEOUT: Duration = Duration::from_millis(2_000);

/// A cheap-to-clone handle to Redis with the key prefix of this deployment.
#[derive(Clone)]
pub struct RedisStore {
    connection: RedisConnection,
    prefix: String,
    /// `host:port` of a single Redis (no password), for readiness.
    endpoint: String,
    durability: Durability,
}

/// Which Redis answered a readiness `PING`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RedisNode {
    /// `single`, `sentinel` or `cluster`.
    pub mode: &'static str,
    /// `host:port` of the node (sentinel: the current master; cluster: the masters that answered).
    pub node: String,
}

impl RedisStore {
    /// Creates the handle without connecting; the first command connects. Must run inside a
    /// Tokio runtime. Fails for a malformed URL or an unreadable TLS file.
    pub fn connect(settings: &RedisSettings) -> Result<Self, RedisError> {
        tls::install_crypto_provider();
        let certificates = settings.tls.as_ref().map(tls::load).transpose()?;
        let password = settings
            .password
            .as_ref()
            .map(|p| p.expose_secret().to_owned());
        let manager = ConnectionManagerConfig::new()
            .set_connection_timeout(Some(CONNECT_TIMEOUT))
            .set_response_timeout(Some(RESPONSE_TIMEOUT))
            .set_number_of_retries(1)
            .set_min_delay(Duration::from_millis(50))
            .set_max_delay(Duration::from_millis(500));
        let (connection, endpoint) = match &settings.topology {
            RedisTopology::Single { url } => {
                let url = tls::with_credentials(
                    url.expose_secret(),
                    settings.username.as_deref(),
                    password.as_deref(),
                )?;
                let client = tls::client(&url, certificates.as_ref())?;
                let endpoint = endpoint_of(&url);
                let connection = ConnectionManager::new_lazy_with_config(client, manager)?;
                (RedisConnection::Single(connection), endpoint)
            }
            RedisTopology::Sentinel {
                sentinels,
                master,
                sentinel_password,
                tls,
            } => {
                let connection = SentinelConnection::new(SentinelParams {
                    sentinels: sentinels.clone(),
                    master: master.clone(),
                    sentinel_password: sentinel_password
                        .as_ref()
                        .map(|p| p.expose_secret().to_owned()),
                    username: settings.username.clone(),
                    password,
                    tls: *tls,
                    certificates,
                    connection: redis::AsyncConnectionConfig::new()
                        .set_connection_timeout(Some(CONNECT_TIMEOUT))
                        .set_response_timeout(Some(RESPONSE_TIMEOUT)),
                });
                (RedisConnection::Sentinel(connection), String::new())
            }
            RedisTopology::Cluster { nodes, .. } => {
                let nodes: Vec<String> =
                    nodes.iter().map(|n| n.expose_secret().to_owned()).collect();
                let endpoint = nodes
                    .iter()
                    .map(|n| endpoint_of(n))
                    .collect::<Vec<_>>()
                    .join(",");
                let mut builder = redis::cluster::ClusterClientBuilder::new(nodes)
                    .retries(2)
                    .min_retry_wait(50)
                    .max_retry_wait(500)
                    .connection_timeout(CONNECT_TIMEOUT)
                    .response_timeout(RESPONSE_TIMEOUT);
                if let Some(username) = &settings.username {
                    builder = builder.username(username);
                }
                if let Some(password) = &password {
                    builder = builder.password(password);
                }
                if let Some(certificates) = certificates {
                    builder = builder.certs(certificates);
                }
                let client = builder.build()?;
                let config = ClusterConfig::new()
                    .set_connection_timeout(CONNECT_TIMEOUT)
                    .set_response_timeout(RESPONSE_TIMEOUT);
                let connection = client.get_pending_async_connection_with_config(config);
                (RedisConnection::Cluster(connection), endpoint)
            }
        };
        Ok(Self {
            connection,
            prefix: settings.key_prefix.clone(),
            endpoint,
            durability: settings.durability,
        })
    }

    /// A connection to run commands on (clones share one multiplexed connection).
    pub fn connection(&self) -> RedisConnection {
        self.connection.clone()
    }

    /// The full key for `suffix`: the deployment prefix followed by `suffix`.
    pub fn key(&self, suffix: &str) -> String {
        format!("{}{suffix}", self.prefix)
    }

    /// `<prefix>account:{<sub>}:<what>`: every key of one account carries the hash tag
    /// `{<sub>}`, so a Cluster keeps them in one slot (multi-key commands and scripts on them
    /// stay legal there). The one spelling of the account keys both services read.
    pub fn account_key(&self, sub: &str, what: &str) -> String {
        self.key(&format!("account:{{{sub}}}:{what}"))
    }

    /// The spelling before hash tags, `<prefix>account:<sub>:<what>`, which a deployment
    /// upgraded from it may still hold for a while; `None` in a Cluster (a Cluster starts with
    /// the new layout). Read as a fallback only (see the services' key tables).
    pub fn legacy_account_key(&self, sub: &str, what: &str) -> Option<String> {
        (!self.is_cluster()).then(|| self.key(&format!("account:{sub}:{what}")))
    }

    /// `single`, `sentinel` or `cluster`.
    pub fn mode(&self) -> &'static str {
        match self.connection {
            RedisConnection::Single(_) => "single",
            RedisConnection::Sentinel(_) => "sentinel",
            RedisConnection::Cluster(_) => "cluster",
        }
    }

    /// The latest of the integer values an account keeps under `what`, read under both spellings
    /// ([`account_key`](Self::account_key) and [`legacy_account_key`](Self::legacy_account_key))
    /// in one `MGET`: how both services read a revocation time.
    pub async fn latest_account_value(
        &self,
        sub: &str,
        what: &str,
    ) -> Result<Option<i64>, RedisError> {
        let mut keys = vec![self.account_key(sub, what)];
        keys.extend(self.legacy_account_key(sub, what));
        let mut connection = self.connection();
        let values: Vec<Option<i64>> = redis::cmd("MGET")
            .arg(&keys)
            .query_async(&mut connection)
            .await?;
        Ok(values.into_iter().flatten().max())
    }

    /// Whether this is a Redis Cluster.
    pub fn is_cluster(&self) -> bool {
        matches!(self.connection, RedisConnection::Cluster(_))
    }

    /// The key prefix of this deployment.
    pub fn prefix(&self) -> &str {
        &self.prefix
    }

    /// `PING`, for readiness checks: which mode, and which node answered.
    pub async fn ping(&self) -> Result<RedisNode, RedisError> {
        let mut connection = self.connection();
        let node = match &mut connection {
            RedisConnection::Cluster(cluster) => {
                // Every master must answer: a slot without one would fail its accounts.
                let answers: Value = cluster
                    .route_command(
                        redis::cmd("PING"),
                        RoutingInfo::MultiNode((
                            redis::cluster_routing::MultipleNodeRoutingInfo::AllMasters,
                            None,
                        )),
                    )
                    .await?;
                let masters = match answers {
                    Value::Map(pairs) => pairs.len(),
                    Value::Array(items) => items.len(),
                    _ => 1,
                };
                format!("{masters} masters answered (seeds {})", self.endpoint)
            }
            RedisConnection::Sentinel(sentinel) => {
                let mut sentinel = sentinel.clone();
                let _pong: String = redis::cmd("PING").query_async(&mut sentinel).await?;
                sentinel.master_address().unwrap_or_default()
            }
            RedisConnection::Single(_) => {
                let _pong: String = redis::cmd("PING").query_async(&mut connection).await?;
                self.endpoint.clone()
            }
        };
        Ok(RedisNode {
            mode: self.mode(),
            node,
        })
    }

    /// After a write that must survive the loss of the master (a new session, a stored token
    /// set): `WAIT` until `REDIS_DURABLE_REPLICAS` replicas have it, at most
    /// `REDIS_DURABLE_TIMEOUT_MS`; an error when fewer did. Nothing to do when the setting is 0.
    /// `key` is the written key (a Cluster sends the `WAIT` to its master).
    pub async fn wait_durable(&self, key: &str) -> Result<(), RedisError> {
        let Durability { replicas, timeout } = self.durability;
        if replicas == 0 {
            return Ok(());
        }
        let millis = u64::try_from(timeout.as_millis()).unwrap_or(u64::MAX);
        let mut wait = redis::cmd("WAIT");
        wait.arg(replicas).arg(millis);
        let mut connection = self.connection();
        let acknowledged: i64 = match &mut connection {
            RedisConnection::Cluster(cluster) => {
                let routing = RoutingInfo::SingleNode(SingleNodeRoutingInfo::SpecificNode(
                    Route::with_key(key, SlotAddr::Master),
                ));
                redis::from_redis_value(cluster.route_command(wait, routing).await?)?
            }
            _ => wait.query_async(&mut connection).await?,
        };
        if acknowledged < i64::from(replicas) {
            return Err(RedisError::from((
                ErrorKind::Io,
                "fewer replicas than REDIS_DURABLE_REPLICAS acknowledged the write in time",
                format!("{acknowledged} of {replicas}"),
            )));
        }
        Ok(())
    }

    /// Atomically reads and deletes a key (`GETDEL`): the basis of single-use values.
    pub async fn take(&self, key: &str) -> Result<Option<Vec<u8>>, RedisError> {
        let mut connection = self.connection();
        connection.get_del(key).await
    }

    /// A secret shared by every service and replica of a demo deployment, stored at
    /// `<prefix>keys:<name>`: 32 random bytes (base64url, no padding); see
    /// [`shared_demo_value`](Self::shared_demo_value).
    pub async fn shared_demo_secret(&self, name: &str) -> Result<SecretString, RedisError> {
        let mut bytes = [0_u8; 32];
        rand::rng().fill_bytes(&mut bytes);
        self.shared_demo_value(name, SecretString::from(URL_SAFE_NO_PAD.encode(bytes)))
            .await
    }

    /// A value shared by every service and replica of a demo deployment, stored at
    /// `<prefix>keys:<name>`: `candidate` written with `SET NX`, then the winner's value read
    /// back, so all callers get the same one. The caller whose candidate won logs a warning:
    /// production configures the value instead.
    pub async fn shared_demo_value(
        &self,
        name: &str,
        candidate: SecretString,
    ) -> Result<SecretString, RedisError> {
        let key = self.key(&format!("keys:{name}"));
        let mut connection = self.connection();
        let created = redis::cmd("SET")
            .arg(&key)
            .arg(candidate.expose_secret())
            .arg("NX")
            .query_async::<Option<String>>(&mut connection)
            .await?
            .is_some();
        if created {
            tracing::warn!(
                secret = name,
                "generated a demo secret and shared it through Redis; configure it for production"
            );
        }
        let value: Option<String> = connection.get(&key).await?;
        value.map(SecretString::from).ok_or_else(|| {
            RedisError::from((
                redis::ErrorKind::UnexpectedReturnType,
                "the shared demo secret vanished between SET NX and GET",
            ))
        })
    }
}

/// What went wrong, for readiness and logs: the error's category, and for a TLS failure what
/// TLS refused (e.g. a certificate for another host name). Never a URL or a password: the
/// redis crate's messages hold neither, and only TLS reasons are passed on whole.
pub fn explain(error: &RedisError) -> String {
    let text = error.to_string();
    let lower = text.to_ascii_lowercase();
    if ["certificate", "tls", "handshake", "unknownissuer"]
        .iter()
        .any(|word| lower.contains(word))
    {
        let reason: String = text.chars().take(300).collect();
        format!("TLS refused: {reason}")
    } else {
        error.category().to_owned()
    }
}

/// `host:port` of a Redis URL, without its credentials.
fn endpoint_of(url: &str) -> String {
    url::Url::parse(url).map_or_else(
        |_| "unparsable URL".to_owned(),
        |u| {
            format!(
                "{}:{}",
                u.host_str().unwrap_or(""),
                u.port().unwrap_or(6379)
            )
        },
    )
}

#[cfg(test)]
mod tests {
    use redis::AsyncCommands;

    use super::*;

    #[tokio::test]
    async fn keys_carry_the_prefix_and_take_is_single_use() {
        let settings =
            RedisSettings::single(testkit_core::redis_url(), testkit_core::unique_prefix());
        let store = RedisStore::connect(&settings).unwrap();
        store.ping().await.unwrap();
        let key = store.key("state:abc");
        assert!(key.starts_with(&settings.key_prefix));
        let mut connection = store.connection();
        let () = connection.set(&key, "v").await.unwrap();
        assert_eq!(store.take(&key).await.unwrap(), Some(b"v".to_vec()));
        assert_eq!(store.take(&key).await.unwrap(), None);
    }

    #[tokio::test]
    async fn a_shared_demo_secret_is_generated_once_and_shared() {
        let settings =
            RedisSettings::single(testkit_core::redis_url(), testkit_core::unique_prefix());
        let one = RedisStore::connect(&settings).unwrap();
        let other = RedisStore::connect(&settings).unwrap();
        let (a, b) = tokio::join!(
            one.shared_demo_secret("test-secret"),
            other.shared_demo_secret("test-secret")
        );
        let (a, b) = (a.unwrap(), b.unwrap());
        assert_eq!(a.expose_secret(), b.expose_secret());
        assert_eq!(a.expose_secret().len(), 43, "32 bytes, base64url");
        let again = one.shared_demo_secret("test-secret").await.unwrap();
        assert_eq!(again.expose_secret(), a.expose_secret());
        let different = one.shared_demo_secret("another").await.unwrap();
        assert_ne!(different.expose_secret(), a.expose_secret());
        let stored: String = one
            .connection()
            .get(format!("{}keys:test-secret", settings.key_prefix))
            .await
            .unwrap();
        assert_eq!(stored, a.expose_secret());
    }

    #[tokio::test]
    async fn an_unreachable_redis_fails_fast_and_never_panics() {
        let settings = RedisSettings::single(
            format!("redis://127.0.0.1:{}", testkit_core::free_port()),
            "x:",
        );
        let store = RedisStore::connect(&settings).unwrap();
        let started = std::time::Instant::now();
        assert!(store.ping().await.is_err());
        assert!(started.elapsed() < Duration::from_secs(10));
    }
}
