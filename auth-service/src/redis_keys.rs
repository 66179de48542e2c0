//! Every Redis key auth-service reads or writes, built here and nowhere else. All live under the
//! deployment's `REDIS_KEY_PREFIX` (default `gu:`), and every one expires or is bounded, so Redis
//! does not grow with every client or account ever seen:
//!
//! | key | type | TTL | written / read by | holds |
//! | --- | --- | --- | --- | --- |
//! | `login:<sha256(state)>` | string | `LOGIN_TTL_SECS`; taken once with `GETDEL` | [`login::start`](crate::login::start) / [`login::callback`](crate::login::callback) | a [`PendingLogin`](crate::domain::PendingLogin) as JSON (PKCE verifier, nonce, browser-binding hash, return path) |
//! | `pending-logins:<client>` | sorted set | `LOGIN_TTL_SECS` | [`login::start`](crate::login::start) | the state hashes one client address has pending (scored by start time, µs); at most `MAX_PENDING_LOGINS_PER_ADDRESS`, the oldest login is dropped |
//! | `session:<sha256(session id)>` | string | `SESSION_TTL_SECS` | [`login::callback`](crate::login::callback) / [`session`](crate::session) (tokens, logout) | a [`Session`](crate::domain::Session) as JSON (its accounts: sub, email, when attached) |
//! | `account:{<sub>}:tokens` | string | `SESSION_TTL_SECS` from the last login (at least an API token's life from the last API token); deleted on logout | [`login::callback`](crate::login::callback), [`token_service`](crate::token_service) / [`token_service`](crate::token_service), [`login::start`](crate::login::start) | the account's [`GoogleTokens`](crate::domain::GoogleTokens), AES-256-GCM sealed with the sub as associated data |
//! | `account:{<sub>}:sessions` | sorted set | `SESSION_TTL_SECS` from the last attach | [`session`](crate::session) | the hashes of the sessions holding the account, scored by when each expires (ms): the grant is revoked and the tokens deleted only when the last one lets go |
//! | `account:{<sub>}:not-before` | string | an API token's life plus a minute | [`internal_jwt::revoke_all`](crate::internal_jwt::revoke_all) (logout, revoke) / [`internal_jwt`](crate::internal_jwt), **gmail-service** | Unix seconds: the account's internal JWTs issued before are revoked |
//! | `account:{<sub>}:refresh-lock` | string | a few seconds, renewed while a refresh runs | [`token_service`](crate::token_service) | a random lock token: the single-flight refresh lock |
//! | `account:{<sub>}:refresh-cooldown` | string | [`FORCED_REFRESH_COOLDOWN`](crate::token_service::FORCED_REFRESH_COOLDOWN) | [`token_service`](crate::token_service) | `1`: a refresh forced by a rejected access token happened |
//! | `rate:<limit>:<client>` | string | at most the limit's window | [`rate_limit`](crate::rate_limit) | GCRA theoretical arrival time (ms) of a client address (an IPv6 client by its /64); `<limit>` is `logins`, `session-tokens` or `api-tokens` |
//! | `rate:<limit>:account:{<sub>}` | string | at most the limit's window | [`rate_limit`](crate::rate_limit) | the same, per account |
//! | `keys:jwt-signing` | string | none (demo mode only) | [`keys`](crate::keys) | the generated ES256 signing key (PKCS#8 PEM), shared by the replicas |
//! | `keys:token-encryption` | string | none (demo mode only) | [`keys`](crate::keys) | the generated token-encryption key spec |
//! | `keys:gmail-service-credential` | string | none (demo mode only) | [`keys`](crate::keys), **gmail-service** | the generated credential gmail-service presents on internal calls |
//!
//! `{<sub>}` is a Redis Cluster hash tag: all keys of one account live in one slot, so the
//! commands and scripts on them work in a Cluster; a login's two keys (`login:`, and the
//! client's `pending-logins:`) are written by separate commands for the same reason.
//!
//! Deployments upgraded from the layout without hash tags (`account:<sub>:tokens`,
//! `account:<sub>:not-before`) keep working: a token record found only under the old name is
//! renamed on first use (keeping its TTL), and the old revocation time is read beside the new
//! one until it expires (at most an API token's life plus a minute after the upgrade). A
//! Cluster has no old keys; the fallback is off there.
//!
//! The `keys:<name>` keys are written by `common::redis_store::RedisStore::shared_demo_value`
//! (`SET NX`, then read back) from the names below; in real mode the keys are configured and
//! these are never written.

use common::redis_store::RedisStore;

/// The account key of the revocation time: `account:{<sub>}:not-before`.
pub const NOT_BEFORE: &str = "not-before";

/// Name of the shared demo signing key (`keys:jwt-signing`).
pub const DEMO_JWT_SIGNING: &str = "jwt-signing";
/// Name of the shared demo token-encryption key (`keys:token-encryption`).
pub const DEMO_TOKEN_ENCRYPTION: &str = "token-encryption";
/// Name of the shared demo gmail-service credential (`keys:gmail-service-credential`).
pub const DEMO_GMAIL_SERVICE_CREDENTIAL: &str = "gmail-service-credential";

/// `login:<sha256(state)>`.
pub fn login(redis: &RedisStore, state_hash: &str) -> String {
    redis.key(&format!("login:{state_hash}"))
}

/// `pending-logins:<client>`.
pub fn pending_logins(redis: &RedisStore, client: &str) -> String {
    redis.key(&format!("pending-logins:{client}"))
}

/// `session:<sha256(session id)>`.
pub fn session(redis: &RedisStore, id_hash: &str) -> String {
    redis.key(&format!("session:{id_hash}"))
}

/// `account:{<sub>}:tokens`.
pub fn tokens(redis: &RedisStore, sub: &str) -> String {
    redis.account_key(sub, "tokens")
}

/// `account:<sub>:tokens`, the spelling before hash tags (not in a Cluster).
pub fn legacy_tokens(redis: &RedisStore, sub: &str) -> Option<String> {
    redis.legacy_account_key(sub, "tokens")
}

/// `account:{<sub>}:sessions`.
pub fn holders(redis: &RedisStore, sub: &str) -> String {
    redis.account_key(sub, "sessions")
}

/// `account:{<sub>}:not-before`.
pub fn not_before(redis: &RedisStore, sub: &str) -> String {
    redis.account_key(sub, NOT_BEFORE)
}

/// `account:{<sub>}:refresh-lock`.
pub fn refresh_lock(redis: &RedisStore, sub: &str) -> String {
    redis.account_key(sub, "refresh-lock")
}

/// `account:{<sub>}:refresh-cooldown`.
pub fn refresh_cooldown(redis: &RedisStore, sub: &str) -> String {
    redis.account_key(sub, "refresh-cooldown")
}

/// `rate:<limit>:<client>`.
pub fn rate_per_client(redis: &RedisStore, limit: &str, client: &str) -> String {
    redis.key(&format!("rate:{limit}:{client}"))
}

/// `rate:<limit>:account:{<sub>}`.
pub fn rate_per_account(redis: &RedisStore, limit: &str, sub: &str) -> String {
    redis.key(&format!("rate:{limit}:account:{{{sub}}}"))
}
