//! Typed access to everything auth-service keeps in Redis (pending logins, sessions, the
//! encrypted Google tokens, revocation times, the refresh lock and cooldown). The keys
//! themselves, with their types and lifetimes, are built in [`crate::redis_keys`].

use std::time::Duration;

use common::redis_store::RedisStore;
use redis::{AsyncCommands, RedisError, Script};

use crate::{
    crypto::{CipherError, TokenCipher},
    domain::{AccountId, GoogleTokens, PendingLogin, Session},
    redis_keys,
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

    fn login_key(&self, state_hash: &str) -> String {
        redis_keys::login(&self.redis, state_hash)
    }

    /// Stores a pending login and records it among the ones `client` holds; when the client
    /// holds more than `max_per_client`, its oldest pending logins are dropped.
    pub async fn put_login(
        &self,
        state_hash: &str,
        login: &PendingLogin,
        ttl: Duration,
        client: &str,
        max_per_client: u32,
    ) -> Result<(), StoreError> {
        let pending = redis_keys::pending_logins(&self.redis, client);
        // Microseconds, so that logins of the same second keep their order.
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_micros());
        let oldest_kept = now.saturating_sub(ttl.as_micros());
        let ttl_secs = i64::try_from(ttl.as_secs()).unwrap_or(i64::MAX);
        let keep = isize::try_from(max_per_client.max(1)).unwrap_or(isize::MAX);
        let mut c = self.redis.connection();
        // Two commands, not one transaction: the keys sit in different Cluster slots. A crash
        // in between leaves a login that is not counted against the client, and expires.
        let () = c
            .pset_ex(self.login_key(state_hash), to_json(login)?, millis(ttl))
            .await?;
        let (dropped,): (Vec<String>,) = redis::pipe()
            .atomic()
            .zadd(&pending, state_hash, now.to_string())
            .ignore()
            .zrembyscore(&pending, "-inf", oldest_kept.to_string())
            .ignore()
            .zrange(&pending, 0, -(keep + 1))
            .zremrangebyrank(&pending, 0, -(keep + 1))
            .ignore()
            .expire(&pending, ttl_secs)
            .ignore()
            .query_async(&mut c)
            .await?;
        if !dropped.is_empty() {
            let keys: Vec<String> = dropped.iter().map(|h| self.login_key(h)).collect();
            let _: u64 = c.del(keys).await?;
        }
        Ok(())
    }

    /// Takes the pending login of a state: at most once, atomically.
    pub async fn take_login(&self, state_hash: &str) -> Result<Option<PendingLogin>, StoreError> {
        match self.redis.take(&self.login_key(state_hash)).await? {
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
        let key = redis_keys::session(&self.redis, id_hash);
        let mut c = self.redis.connection();
        let () = c.pset_ex(&key, to_json(session)?, millis(ttl)).await?;
        // A new session must survive the loss of the master that took it (REDIS_DURABLE_*).
        self.redis.wait_durable(&key).await?;
        Ok(())
    }

    pub async fn session(&self, id_hash: &str) -> Result<Option<Session>, StoreError> {
        let mut c = self.redis.connection();
        let value: Option<Vec<u8>> = c.get(redis_keys::session(&self.redis, id_hash)).await?;
        value.map(|v| from_json(&v)).transpose()
    }

    pub async fn delete_session(&self, id_hash: &str) -> Result<(), StoreError> {
        let mut c = self.redis.connection();
        let _: u64 = c.del(redis_keys::session(&self.redis, id_hash)).await?;
        Ok(())
    }

    /// How long the session of `id_hash` has left (`None`: it is gone).
    pub async fn session_ttl_left(&self, id_hash: &str) -> Result<Option<Duration>, StoreError> {
        let mut c = self.redis.connection();
        let left: i64 = c.pttl(redis_keys::session(&self.redis, id_hash)).await?;
        Ok((left > 0).then(|| Duration::from_millis(left.unsigned_abs())))
    }

    /// Records that the session of `id_hash` holds `account` until `until` (Unix ms).
    pub async fn hold_account(
        &self,
        account: &AccountId,
        id_hash: &str,
        until_ms: i64,
        ttl: Duration,
    ) -> Result<(), StoreError> {
        let key = redis_keys::holders(&self.redis, &account.0);
        let mut c = self.redis.connection();
        let () = redis::pipe()
            .atomic()
            .zadd(&key, id_hash, until_ms)
            .ignore()
            .cmd("PEXPIRE")
            .arg(&key)
            .arg(millis(ttl))
            .arg("GT")
            .ignore()
            .cmd("PEXPIRE")
            .arg(&key)
            .arg(millis(ttl))
            .arg("NX")
            .ignore()
            .query_async(&mut c)
            .await?;
        Ok(())
    }

    /// The session of `id_hash` lets go of `account`; how many live sessions still hold it.
    pub async fn let_go_account(
        &self,
        account: &AccountId,
        id_hash: &str,
        now_ms: i64,
    ) -> Result<u64, StoreError> {
        let key = redis_keys::holders(&self.redis, &account.0);
        let mut c = self.redis.connection();
        let (left,): (u64,) = redis::pipe()
            .atomic()
            .zrem(&key, id_hash)
            .ignore()
            .zrembyscore(&key, "-inf", now_ms)
            .ignore()
            .zcard(&key)
            .query_async(&mut c)
            .await?;
        Ok(left)
    }

    fn tokens_key(&self, account: &AccountId) -> String {
        redis_keys::tokens(&self.redis, &account.0)
    }

    /// The account's tokens; `Err(Cipher)` when the record was tampered with or moved.
    pub async fn tokens(
        &self,
        account: &AccountId,
        cipher: &TokenCipher,
    ) -> Result<Option<GoogleTokens>, StoreError> {
        let mut c = self.redis.connection();
        let key = self.tokens_key(account);
        let mut sealed: Option<String> = c.get(&key).await?;
        if sealed.is_none()
            && let Some(legacy) = redis_keys::legacy_tokens(&self.redis, &account.0)
        {
            // A record of the layout before hash tags: move it (RENAME keeps its TTL).
            // RENAMENX: a record a concurrent login just wrote under the new name wins.
            let moved: Result<bool, redis::RedisError> = redis::cmd("RENAMENX")
                .arg(&legacy)
                .arg(&key)
                .query_async(&mut c)
                .await;
            if moved.unwrap_or(false) {
                sealed = c.get(&key).await?;
            }
        }
        let Some(sealed) = sealed else {
            return Ok(None);
        };
        let plain = cipher.open(&account.0, &sealed)?;
        Ok(Some(from_json(&plain)?))
    }

    /// Stores the account's tokens. `ttl` sets the record's lifetime (a login); `None` keeps
    /// the lifetime it has (a refresh).
    pub async fn put_tokens(
        &self,
        account: &AccountId,
        tokens: &GoogleTokens,
        cipher: &TokenCipher,
        ttl: Option<Duration>,
    ) -> Result<(), StoreError> {
        let sealed = cipher.seal(&account.0, to_json(tokens)?.as_bytes())?;
        let mut set = redis::cmd("SET");
        set.arg(self.tokens_key(account)).arg(sealed);
        match ttl {
            Some(ttl) => set.arg("PX").arg(millis(ttl)),
            None => set.arg("KEEPTTL"),
        };
        let mut c = self.redis.connection();
        let () = set.query_async(&mut c).await?;
        // A token set must survive the loss of the master that took it (REDIS_DURABLE_*).
        self.redis.wait_durable(&self.tokens_key(account)).await?;
        Ok(())
    }

    /// Makes the token record live at least `ttl` longer (an API token was minted that uses it).
    pub async fn extend_tokens(
        &self,
        account: &AccountId,
        ttl: Duration,
    ) -> Result<(), StoreError> {
        let mut c = self.redis.connection();
        let _: i64 = redis::cmd("PEXPIRE")
            .arg(self.tokens_key(account))
            .arg(millis(ttl))
            .arg("GT")
            .query_async(&mut c)
            .await?;
        Ok(())
    }

    pub async fn delete_tokens(&self, account: &AccountId) -> Result<(), StoreError> {
        let mut c = self.redis.connection();
        let _: u64 = c.del(self.tokens_key(account)).await?;
        if let Some(legacy) = redis_keys::legacy_tokens(&self.redis, &account.0) {
            let _: u64 = c.del(legacy).await?;
        }
        Ok(())
    }

    fn not_before_key(&self, account: &AccountId) -> String {
        redis_keys::not_before(&self.redis, &account.0)
    }

    /// Revokes every internal JWT of the account issued before `not_before` (Unix seconds),
    /// remembered for `ttl` (the longest life of such a token).
    pub async fn revoke_tokens_before(
        &self,
        account: &AccountId,
        not_before: i64,
        ttl: Duration,
    ) -> Result<(), StoreError> {
        let mut c = self.redis.connection();
        let () = c
            .pset_ex(self.not_before_key(account), not_before, millis(ttl))
            .await?;
        Ok(())
    }

    /// The account's revocation time, if any.
    pub async fn tokens_not_before(&self, account: &AccountId) -> Result<Option<i64>, StoreError> {
        // Both spellings in one round trip (see the key table); the later time wins.
        Ok(self
            .redis
            .latest_account_value(&account.0, redis_keys::NOT_BEFORE)
            .await?)
    }

    fn cooldown_key(&self, account: &AccountId) -> String {
        redis_keys::refresh_cooldown(&self.redis, &account.0)
    }

    /// How long until the account may force another refresh; `None` if it may now.
    pub async fn forced_refresh_wait(
        &self,
        account: &AccountId,
    ) -> Result<Option<Duration>, StoreError> {
        let mut c = self.redis.connection();
        let left: i64 = c.pttl(self.cooldown_key(account)).await?;
        Ok((left > 0).then(|| Duration::from_millis(left.unsigned_abs())))
    }

    /// Records a forced refresh: the next one waits `cooldown`.
    pub async fn mark_forced_refresh(
        &self,
        account: &AccountId,
        cooldown: Duration,
    ) -> Result<(), StoreError> {
        let mut c = self.redis.connection();
        let () = c
            .pset_ex(self.cooldown_key(account), 1, millis(cooldown))
            .await?;
        Ok(())
    }

    fn lock_key(&self, account: &AccountId) -> String {
        redis_keys::refresh_lock(&self.redis, &account.0)
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
