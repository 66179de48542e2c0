//! The Redis handle every service uses: one multiplexed connection that connects lazily and
//! reconnects by itself, short timeouts (a Redis outage answers 503 quickly instead of hanging),
//! and the deployment's key prefix.
//!
//! [`RedisStore::shared_demo_secret`] is how demo mode shares a generated secret between
//! services and replicas: the first writer wins (`SET NX`), everybody reads the winner.

use std::time::Duration;

use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use rand::RngCore;
use redis::{
    AsyncCommands, RedisError,
    aio::{ConnectionManager, ConnectionManagerConfig},
};
use secrecy::{ExposeSecret, SecretString};

use crate::config::RedisSettings;

/// A cheap-to-clone handle to Redis with the key prefix of this deployment.
#[derive(Clone)]
pub struct RedisStore {
    connection: ConnectionManager,
    prefix: String,
}

impl RedisStore {
    /// Creates the handle without connecting; the first command connects. Must run inside a
    /// Tokio runtime. Fails only for a malformed URL.
    pub fn connect(settings: &RedisSettings) -> Result<Self, RedisError> {
        let client = redis::Client::open(settings.url.expose_secret())?;
        let config = ConnectionManagerConfig::new()
            .set_connection_timeout(Some(Duration::from_millis(1_000)))
            .set_response_timeout(Some(Duration::from_millis(2_000)))
            .set_number_of_retries(1)
            .set_min_delay(Duration::from_millis(50))
            .set_max_delay(Duration::from_millis(500));
        let connection = ConnectionManager::new_lazy_with_config(client, config)?;
        Ok(Self {
            connection,
            prefix: settings.key_prefix.clone(),
        })
    }

    /// A connection to run commands on (clones share one multiplexed connection).
    pub fn connection(&self) -> ConnectionManager {
        self.connection.clone()
    }

    /// The full key for `suffix`: the deployment prefix followed by `suffix`.
    pub fn key(&self, suffix: &str) -> String {
        format!("{}{suffix}", self.prefix)
    }

    /// The key prefix of this deployment.
    pub fn prefix(&self) -> &str {
        &self.prefix
    }

    /// `PING`, for readiness checks.
    pub async fn ping(&self) -> Result<(), RedisError> {
        let mut connection = self.connection();
        let _pong: String = redis::cmd("PING").query_async(&mut connection).await?;
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

#[cfg(test)]
mod tests {
    use redis::AsyncCommands;

    use super::*;

    #[tokio::test]
    async fn keys_carry_the_prefix_and_take_is_single_use() {
        let settings = RedisSettings {
            url: testkit_core::redis_url().into(),
            key_prefix: testkit_core::unique_prefix(),
        };
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
        let settings = RedisSettings {
            url: testkit_core::redis_url().into(),
            key_prefix: testkit_core::unique_prefix(),
        };
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
        let settings = RedisSettings {
            url: format!("redis://127.0.0.1:{}", testkit_core::free_port()).into(),
            key_prefix: "x:".into(),
        };
        let store = RedisStore::connect(&settings).unwrap();
        let started = std::time::Instant::now();
        assert!(store.ping().await.is_err());
        assert!(started.elapsed() < Duration::from_secs(10));
    }
}
