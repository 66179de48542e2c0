//! Every Redis key gmail-service uses, built here and nowhere else. All keys sit under the
//! deployment's key prefix (`REDIS_KEY_PREFIX`, applied by `RedisStore::key`); `<sub>` is the
//! account's Google `sub` from the verified JWT, `<id>` a Gmail message id (letters and digits
//! only: ids are checked before they reach a key).
//!
//! | key | type | TTL | written by / read by | holds |
//! | --- | --- | --- | --- | --- |
//! | `msg:{<sub>}:<id>` ([`message`]) | string | `MESSAGE_CACHE_TTL_SECS` (default one day), set on every write | `message_cache` writes (`SET EX`, one pipeline per page) and reads (`MGET`) | a message summary (`contract` `MessageSummary` JSON: sender, subject, date, snippet, labels) |
//! | `mirror:{<sub>}:order` ([`mirror`]) | sorted set | `MIRROR_TTL_SECS` (default one day) after the last sync | `sync` writes (one `MULTI` per sync), `mirror`'s page script reads | the account's unread message ids by `internalDate` (epoch ms) |
//! | `mirror:{<sub>}:summaries` ([`mirror`]) | hash | as above | as above | message id → summary (`contract` `MessageSummary` JSON) |
//! | `mirror:{<sub>}:state` ([`mirror`]) | hash | as above | as above | `history_id` the mirror reflects, `synced_at_ms` (0 after a push the mirror is behind), `truncated` |
//! | `mirror:{<sub>}:lease` ([`mirror`]) | string | 5 s, renewed while the sync runs, released at its end | `sync` (`SET NX PX`, released by a compare-and-delete script) | the random id of the one replica syncing the account |
//! | `events:{<sub>}` ([`events`]) | stream | trimmed to about 100 entries (`MAXLEN ~`) | `sync` adds one entry per sync that changed the list, `events` reads it for `Last-Event-ID` | the account's recent change batches (JSON) |
//! | `events` | stream | trimmed to about 10,000 entries | `sync` adds (with the `sub`), every replica's `events::EventHub::tail` reads it (`XREAD BLOCK`) | every account's change batches, to reach the streams open on each replica |
//! | `push:<sha256 of the address>` ([`push_address`]) | string | 8 days, set at every `users.watch` | `push` writes after a watch, reads on every push request | the sub of the account whose Gmail address it is (the address itself is not stored) |
//! | `push-seen:<sha256 of the messageId>` ([`push_seen`]) | string | one hour | `push` (`SET NX`) | a Pub/Sub delivery already acted on (at-least-once delivery sends some twice) |
//! | `watch:{<sub>}` ([`watch`]) | string | `GMAIL_WATCH_RENEW_SECS` (10 minutes after a failed watch) | `push` (`SET NX` by the poller) | the account's `users.watch` is current; when it expires, the next poll renews it |
//! | `quota:{<sub>}` ([`quota`]) | hash | the window plus 5 s (65 s), renewed on every charge | `quota` (one Lua script reads, prunes and charges it atomically) | the account's Gmail quota units spent per second: field = Unix second, value = units |
//! | `in-flight:{<sub>}` ([`in_flight`]) | sorted set | `GMAIL_TIMEOUT_MS` plus 6 s, renewed on every entry | `quota` (a Lua script prunes lapsed places and takes one if fewer than `GMAIL_MAX_CONCURRENT_PER_ACCOUNT` are held; `ZREM` when the call ends) | the account's Gmail calls in flight across replicas: member = a random id per call, score = when its place lapses (Redis time, ms) |
//! | `account:{<sub>}:not-before` ([`not_before`]) | string | set by auth-service (an API token's life, plus a minute) | **owned by auth-service**, which writes it on logout and "revoke my API tokens"; `revocation` only reads it (`GET`, every request) | Unix seconds: the account's internal JWTs issued before are revoked |
//! | `keys:gmail-service-credential` ([`SERVICE_CREDENTIAL_NAME`]) | string | none | demo mode only (no `GMAIL_SERVICE_CREDENTIAL`): whichever of auth-service and gmail-service comes first writes it (`SET NX`), both read it; the key is spelled by `common::redis_store::RedisStore::shared_demo_secret` from this name | gmail-service's credential towards auth-service (`X-Service-Credential`) |
//!
//! `{<sub>}` is a Redis Cluster hash tag: one account's keys share a slot, so the cache's `MGET`,
//! the mirror's page script and `MULTI`, and the quota script stay in one slot. `account:{<sub>}:not-before` is spelled by
//! `common::redis_store::RedisStore::account_key`, as auth-service spells it; the tests of
//! `tests/api/revocation.rs` write it as auth-service does and check that gmail-service reads
//! it. The spelling before hash tags (`account:<sub>:not-before`) is read beside it, in the same
//! `MGET`, until the old key expires (not in a Cluster, which never had it).

use common::redis_store::RedisStore;

/// The account key of the revocation time: `account:{<sub>}:not-before`.
pub const NOT_BEFORE: &str = "not-before";

/// The name of the demo-mode shared credential: the key is `<prefix>keys:<name>`, built by
/// `RedisStore::shared_demo_secret` (shared with auth-service, which uses the same name).
pub const SERVICE_CREDENTIAL_NAME: &str = "gmail-service-credential";

/// `msg:<sub>:<id>`: the cached summary of message `id` of account `sub`.
pub fn message(redis: &RedisStore, sub: &str, id: &str) -> String {
    redis.key(&format!("msg:{{{sub}}}:{id}"))
}

/// `mirror:{<sub>}:<part>`: a part of the account's unread mirror (`order`, `summaries`,
/// `state`, `lease`; see `crate::mirror`).
pub fn mirror(redis: &RedisStore, sub: &str, part: &str) -> String {
    redis.key(&format!("mirror:{{{sub}}}:{part}"))
}

/// `events:{<sub>}`: the account's log of change batches (`crate::events`).
pub fn events(redis: &RedisStore, sub: &str) -> String {
    redis.key(&format!("events:{{{sub}}}"))
}

/// `push:<digest>`: the account (sub) whose mailbox address has this SHA-256 digest (`crate::push`).
pub fn push_address(redis: &RedisStore, digest: &str) -> String {
    redis.key(&format!("push:{digest}"))
}

/// `push-seen:<digest>`: a Pub/Sub `messageId` (its SHA-256) already acted on.
pub fn push_seen(redis: &RedisStore, digest: &str) -> String {
    redis.key(&format!("push-seen:{digest}"))
}

/// `watch:{<sub>}`: the account's `users.watch` is renewed; expires when it is due again.
pub fn watch(redis: &RedisStore, sub: &str) -> String {
    redis.key(&format!("watch:{{{sub}}}"))
}

/// `quota:<sub>`: the account's Gmail quota buckets.
pub fn quota(redis: &RedisStore, sub: &str) -> String {
    redis.key(&format!("quota:{{{sub}}}"))
}

/// `in-flight:{<sub>}`: the account's Gmail calls in flight, across replicas (a sorted set:
/// one member per call, scored by when its place lapses) (`src/quota.rs`).
pub fn in_flight(redis: &RedisStore, sub: &str) -> String {
    redis.key(&format!("in-flight:{{{sub}}}"))
}

/// `account:{<sub>}:not-before`: auth-service's revocation time for the account (read only),
/// spelled by `RedisStore::account_key` as auth-service spells it.
pub fn not_before(redis: &RedisStore, sub: &str) -> String {
    redis.account_key(sub, NOT_BEFORE)
}

/// `account:<sub>:not-before`, the spelling before hash tags (not in a Cluster), read beside
/// the new one until it expires.
pub fn legacy_not_before(redis: &RedisStore, sub: &str) -> Option<String> {
    redis.legacy_account_key(sub, NOT_BEFORE)
}

#[cfg(test)]
mod tests {
    use common::redis_store::RedisSettings;

    use super::*;

    #[tokio::test]
    async fn keys_sit_under_the_prefix() {
        let redis =
            RedisStore::connect(&RedisSettings::single("redis://127.0.0.1:9", "p:")).unwrap();
        assert_eq!(message(&redis, "s", "m1"), "p:msg:{s}:m1");
        assert_eq!(quota(&redis, "s"), "p:quota:{s}");
        assert_eq!(not_before(&redis, "s"), "p:account:{s}:not-before");
        assert_eq!(
            legacy_not_before(&redis, "s").unwrap(),
            "p:account:s:not-before"
        );
    }
}
