//! Everything auth-service keeps in Redis, under the deployment's key prefix:
//!
//! | key | value | lifetime |
//! | --- | --- | --- |
//! | `login:<sha256(state)>` | [`PendingLogin`] JSON | `LOGIN_TTL_SECS`, taken once with `GETDEL` |
//! | `session:<sha256(session id)>` | [`Session`] JSON | `SESSION_TTL_SECS` |
//! | `account:<sub>:tokens` | [`GoogleTokens`], AES-256-GCM sealed with the sub as associated data | until logout |
//! | `account-by-email:<email>` | sub | until logout |
//! | `lock:refresh:<sub>` | random lock token | a few seconds, renewed while a refresh runs |
//! | `keys:*` | generated demo keys (see `keys`) | forever |

use std::time::Duration;

use common::redis_store::RedisStore;
use redis::{AsyncCommands, RedisError, Script};

use crate::{
    crypto::{CipherError, TokenCipher},
    domain::{AccountId, GoogleTokens, PendingLogin, Session},
};

/// A failed store operation.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("Redis is unavailable: {0}")]
    Redis(#[from] RedisError),
    #[error("a stored value is unreadable: {0}")]
    Unreadable(String),
    #[error("stored tokens cannot be decrypted: {0}")]
    Cipher(#[from] CipherError),
}

/// Typed access to auth-service's Redis keys.
#[derive(Clone)]
pub struct Store {
    redis: RedisStore,
}

fn to_json<T: serde::Serialize>(value: &T) -> Result<String, StoreError> {
    serde_json::to_string(value).map_err(|e| StoreError::Unreadable(e.to_string()))
}

fn from_json<T: serde::de::DeserializeOwned>(bytes: &[u8]) -> Result<T, StoreError> {
    serde_json::from_slice(bytes).map_err(|e| StoreError::Unreadable(e.to_string()))
}

fn millis(d: Duration) -> u64 {
    u64::try_from(d.as_millis()).unwrap_or(u64::MAX)
}

impl Store {
    pub fn new(redis: RedisStore) -> Self {
        Self { redis }
    }

    /// The underlying handle (readiness checks).
    pub fn redis(&self) -> &RedisStore {
        &self.redis
    }

    pub async fn put_login(
        &self,
        state_hash: &str,
        login: &PendingLogin,
        ttl: Duration,
    ) -> Result<(), StoreError> {
        let mut c = self.redis.connection();
        let () = c
            .pset_ex(
                self.redis.key(&format!("login:{state_hash}")),
                to_json(login)?,
                millis(ttl),
            )
            .await?;
        Ok(())
    }

    /// Takes the pending login of a state: at most once, atomically.
    pub async fn take_login(&self, state_hash: &str) -> Result<Option<PendingLogin>, StoreError> {
        match self
            .redis
            .take(&self.redis.key(&format!("login:{state_hash}")))
            .await?
        {
            Some(bytes) => Ok(Some(from_json(&bytes)?)),
            None => Ok(None),
        }
    }

    pub async fn put_session(
        &self,
        id_hash: &str,
        session: &Session,
        ttl: Duration,
    ) -> Result<(), StoreError> {
        let mut c = self.redis.connection();
        let () = c
            .pset_ex(
                self.redis.key(&format!("session:{id_hash}")),
                to_json(session)?,
                millis(ttl),
            )
            .await?;
        Ok(())
    }

    pub async fn session(&self, id_hash: &str) -> Result<Option<Session>, StoreError> {
        let mut c = self.redis.connection();
        let value: Option<Vec<u8>> = c.get(self.redis.key(&format!("session:{id_hash}"))).await?;
        value.map(|v| from_json(&v)).transpose()
    }

    pub async fn delete_session(&self, id_hash: &str) -> Result<(), StoreError> {
        let mut c = self.redis.connection();
        let _: u64 = c.del(self.redis.key(&format!("session:{id_hash}"))).await?;
        Ok(())
    }

    fn tokens_key(&self, account: &AccountId) -> String {
        self.redis.key(&format!("account:{}:tokens", account.0))
    }

    /// The account's tokens; `Err(Cipher)` when the record was tampered with or moved.
    pub async fn tokens(
        &self,
        account: &AccountId,
        cipher: &TokenCipher,
    ) -> Result<Option<GoogleTokens>, StoreError> {
        let mut c = self.redis.connection();
        let sealed: Option<String> = c.get(self.tokens_key(account)).await?;
        let Some(sealed) = sealed else {
            return Ok(None);
        };
        let plain = cipher.open(&account.0, &sealed)?;
        Ok(Some(from_json(&plain)?))
    }

    pub async fn put_tokens(
        &self,
        account: &AccountId,
        tokens: &GoogleTokens,
        cipher: &TokenCipher,
    ) -> Result<(), StoreError> {
        let sealed = cipher.seal(&account.0, to_json(tokens)?.as_bytes())?;
        let mut c = self.redis.connection();
        let () = c.set(self.tokens_key(account), sealed).await?;
        let () = c
            .set(
                self.redis
                    .key(&format!("account-by-email:{}", tokens.email.to_lowercase())),
                &account.0,
            )
            .await?;
        Ok(())
    }

    pub async fn delete_tokens(&self, account: &AccountId, email: &str) -> Result<(), StoreError> {
        let mut c = self.redis.connection();
        let _: u64 = c
            .del(&[
                self.tokens_key(account),
                self.redis
                    .key(&format!("account-by-email:{}", email.to_lowercase())),
            ])
            .await?;
        Ok(())
    }

    /// The account a `login_hint` address belongs to, if it logged in before.
    pub async fn account_for_email(&self, email: &str) -> Result<Option<AccountId>, StoreError> {
        let mut c = self.redis.connection();
        let sub: Option<String> = c
            .get(
                self.redis
                    .key(&format!("account-by-email:{}", email.to_lowercase())),
            )
            .await?;
        Ok(sub.map(AccountId))
    }

    fn lock_key(&self, account: &AccountId) -> String {
        self.redis.key(&format!("lock:refresh:{}", account.0))
    }

    /// Tries to take the account's refresh lock for `ttl`.
    pub async fn try_lock(
        &self,
        account: &AccountId,
        token: &str,
        ttl: Duration,
    ) -> Result<bool, StoreError> {
        let mut c = self.redis.connection();
        let set: Option<String> = redis::cmd("SET")
            .arg(self.lock_key(account))
            .arg(token)
            .arg("NX")
            .arg("PX")
            .arg(millis(ttl))
            .query_async(&mut c)
            .await?;
        Ok(set.is_some())
    }

    /// Extends the lock if we still hold it.
    pub async fn renew_lock(
        &self,
        account: &AccountId,
        token: &str,
        ttl: Duration,
    ) -> Result<bool, StoreError> {
        let script = Script::new(
            "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('pexpire', KEYS[1], ARGV[2]) else return 0 end",
        );
        let mut c = self.redis.connection();
        let renewed: i64 = script
            .key(self.lock_key(account))
            .arg(token)
            .arg(millis(ttl))
            .invoke_async(&mut c)
            .await?;
        Ok(renewed == 1)
    }

    /// Releases the lock if we still hold it.
    pub async fn release_lock(&self, account: &AccountId, token: &str) -> Result<(), StoreError> {
        let script = Script::new(
            "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end",
        );
        let mut c = self.redis.connection();
        let _: i64 = script
            .key(self.lock_key(account))
            .arg(token)
            .invoke_async(&mut c)
            .await?;
        Ok(())
    }
}
