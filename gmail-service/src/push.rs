//! Gmail push notifications: `users.watch` for watched accounts, and the Pub/Sub push
//! requests Google sends to `POST /v1/gmail/push` when such a mailbox changes.
//!
//! - **Watching.** With `GMAIL_PUSH_TOPIC` set, the poller of an account with open event
//!   streams ([`crate::http::events`]) calls [`Push::keep_watching`] each period: at most once
//!   per `GMAIL_WATCH_RENEW_SECS` across all replicas (a `SET NX` marker, `watch:{<sub>}`), it
//!   calls `users.getProfile` (the mailbox's address, 1 unit) and `users.watch` (100 units),
//!   and stores `push:<sha256 of the address>` → sub for 8 days (a watch lasts 7). A failed
//!   watch is tried again after [`RETRY_FAILED_WATCH`].
//! - **Receiving.** [`Push::verify`] checks the request's OIDC token before the body is read:
//!   RS256 by a key of `GMAIL_PUSH_JWKS_URL` (Google's certificates, cached as their
//!   `Cache-Control` says: `common::google_keys`), `iss` one of `GMAIL_PUSH_ISSUER`, `aud` =
//!   `GMAIL_PUSH_AUDIENCE`, not expired (60 s leeway), and, with `GMAIL_PUSH_SERVICE_ACCOUNT`,
//!   that account's verified `email`. [`Push::receive`] then reads Pub/Sub's envelope
//!   (`message.data`: base64 of `{"emailAddress","historyId"}`).
//! - **Acting.** A delivery seen before (Pub/Sub delivers at least once: same `messageId`) does
//!   nothing. Otherwise, when the mirror is behind the pushed history id, it is marked stale
//!   (its next page syncs, whatever its age) and the account's pollers on every replica are
//!   poked through the deployment's `events` stream: the one that wins the sync lease runs one
//!   `history.list` at once. A push for an address we do not watch is acknowledged and ignored.
//!
//! gmail-service can reach Gmail only with a person's JWT (auth-service hands out Google tokens
//! for the account a JWT names), so a push syncs at once only an account someone watches; for
//! others it only marks the mirror stale. Polling stays the fallback: a push may be late or lost.

use std::{collections::HashSet, time::Duration};

use base64::{
    Engine,
    engine::general_purpose::{STANDARD, URL_SAFE},
};
use common::{google_keys::GoogleKeys, redis_store::RedisStore};
use jsonwebtoken::{Algorithm, Validation};
use serde::Deserialize;
use sha2::{Digest, Sha256};

use crate::{
    account::Account,
    configuration::PushSettings,
    events::EventLog,
    gmail::GmailCall,
    mailbox::{Mailbox, MailboxError},
    redis_keys,
};

/// How long a mailbox address maps to its account after a watch (a watch lasts 7 days).
const ADDRESS_TTL: Duration = Duration::from_secs(8 * 24 * 3600);
/// How long a delivered `messageId` is remembered (Pub/Sub redelivers within minutes).
const SEEN_TTL: Duration = Duration::from_secs(3600);
/// When a failed `users.watch` is tried again.
pub const RETRY_FAILED_WATCH: Duration = Duration::from_secs(600);
/// Clock skew allowed on the token's `exp`.
const LEEWAY_SECS: u64 = 60;
/// The largest push body read (Pub/Sub's envelope of a Gmail notification is a few hundred bytes).
pub const MAX_BODY_BYTES: usize = 16 * 1024;

/// Why a push request is refused.
#[derive(Debug, thiserror::Error)]
pub enum PushError {
    /// No token, or one that does not verify: 401, the body unread.
    #[error("the push token is not valid: {0}")]
    Unauthorized(&'static str),
    /// The envelope or its notification is malformed: 400.
    #[error("the push request is malformed: {0}")]
    Malformed(&'static str),
    /// Google's keys or Redis cannot be reached: 503 (Pub/Sub retries).
    #[error("a dependency is unavailable: {0}")]
    Unavailable(String),
}

/// What a verified, well-formed push did.
#[derive(Debug, PartialEq, Eq)]
pub enum Received {
    /// The mirror was behind: marked stale, the pollers poked.
    Synced,
    /// Nothing to do: seen before, the mirror is past it, or an address we do not watch.
    Ignored,
}

#[derive(Deserialize)]
struct PushClaims {
    email: Option<String>,
    #[serde(default)]
    email_verified: bool,
}

#[derive(Deserialize)]
struct Envelope {
    message: EnvelopeMessage,
}

/// Pub/Sub sends each field in two spellings (`messageId` and `message_id`); one is read.
#[derive(Deserialize)]
struct EnvelopeMessage {
    data: String,
    #[serde(rename = "messageId")]
    message_id: String,
}

/// Gmail's notification: `historyId` is a JSON number (Google's docs), a string is accepted.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Notification {
    email_address: String,
    history_id: serde_json::Value,
}

/// `sha256(lowercased address)` in hex: how an address appears in a Redis key.
fn address_digest(email: &str) -> String {
    hex(&Sha256::digest(
        email.trim().to_ascii_lowercase().as_bytes(),
    ))
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn redis_error(error: redis::RedisError) -> PushError {
    PushError::Unavailable(format!("Redis: {error}"))
}

/// Gmail push, configured.
pub struct Push {
    settings: PushSettings,
    keys: GoogleKeys,
    redis: RedisStore,
}

impl Push {
    /// `http` fetches Google's keys (it should have a timeout and follow no redirects).
    pub fn new(settings: PushSettings, http: reqwest::Client, redis: RedisStore) -> Self {
        let keys = GoogleKeys::new(http, &settings.jwks_url);
        Self {
            settings,
            keys,
            redis,
        }
    }

    /// Checks the `Authorization` header's OIDC token.
    pub async fn verify(&self, authorization: Option<&str>) -> Result<(), PushError> {
        let token = authorization
            .and_then(|h| contract::headers::bearer_token(h))
            .ok_or(PushError::Unauthorized("no bearer token"))?;
        let header =
            jsonwebtoken::decode_header(token).map_err(|_| PushError::Unauthorized("not a JWT"))?;
        if header.alg != Algorithm::RS256 {
            return Err(PushError::Unauthorized("not RS256"));
        }
        let kid = header
            .kid
            .ok_or(PushError::Unauthorized("the token names no key"))?;
        let key = self.keys.key(&kid).await.map_err(|e| match e {
            common::google_keys::JwksError::UnknownKey => PushError::Unauthorized("unknown key"),
            common::google_keys::JwksError::Unavailable => {
                PushError::Unavailable("Google's keys cannot be fetched".into())
            }
        })?;
        let mut validation = Validation::new(Algorithm::RS256);
        validation.set_audience(&[&self.settings.audience]);
        validation.set_issuer(&self.settings.issuers);
        validation.leeway = LEEWAY_SECS;
        validation.required_spec_claims = HashSet::from(["exp", "iss", "aud"].map(str::to_owned));
        let claims = jsonwebtoken::decode::<PushClaims>(token, &key, &validation)
            .map_err(|_| PushError::Unauthorized("signature or claims refused"))?
            .claims;
        if let Some(expected) = &self.settings.service_account {
            let email_matches = claims
                .email
                .as_deref()
                .is_some_and(|e| e.eq_ignore_ascii_case(expected));
            if !(email_matches && claims.email_verified) {
                return Err(PushError::Unauthorized("another service account"));
            }
        }
        Ok(())
    }

    /// Acts on a verified push request's `body`.
    pub async fn receive(&self, body: &[u8], events: &EventLog) -> Result<Received, PushError> {
        let envelope: Envelope =
            serde_json::from_slice(body).map_err(|_| PushError::Malformed("not an envelope"))?;
        let data = STANDARD
            .decode(envelope.message.data.trim())
            .or_else(|_| URL_SAFE.decode(envelope.message.data.trim()))
            .map_err(|_| PushError::Malformed("message.data is not base64"))?;
        let notification: Notification = serde_json::from_slice(&data)
            .map_err(|_| PushError::Malformed("message.data is not a Gmail notification"))?;
        let history_id = match &notification.history_id {
            serde_json::Value::Number(n) => n.as_u64(),
            serde_json::Value::String(s) => s.parse().ok(),
            _ => None,
        }
        .ok_or(PushError::Malformed("historyId is not a history id"))?;
        if envelope.message.message_id.is_empty() || envelope.message.message_id.len() > 256 {
            return Err(PushError::Malformed("message.messageId"));
        }
        let mut connection = self.redis.connection();
        let sub: Option<String> = redis::cmd("GET")
            .arg(redis_keys::push_address(
                &self.redis,
                &address_digest(&notification.email_address),
            ))
            .query_async(&mut connection)
            .await
            .map_err(redis_error)?;
        let Some(sub) = sub else {
            return Ok(Received::Ignored);
        };
        let first: Option<String> = redis::cmd("SET")
            .arg(redis_keys::push_seen(
                &self.redis,
                &hex(&Sha256::digest(envelope.message.message_id.as_bytes())),
            ))
            .arg("1")
            .arg("NX")
            .arg("EX")
            .arg(SEEN_TTL.as_secs())
            .query_async(&mut connection)
            .await
            .map_err(redis_error)?;
        if first.is_none() {
            return Ok(Received::Ignored);
        }
        let behind = crate::mirror::Mirror::mark_pushed(&self.redis, &sub, history_id)
            .await
            .map_err(redis_error)?;
        if !behind {
            return Ok(Received::Ignored);
        }
        events.poke(&sub, history_id).await.map_err(redis_error)?;
        Ok(Received::Synced)
    }

    /// Renews the account's `users.watch` when it is due (once per `GMAIL_WATCH_RENEW_SECS`
    /// across replicas).
    pub async fn keep_watching(&self, mailbox: &Mailbox, account: &Account) {
        let marker = redis_keys::watch(&self.redis, account.sub());
        let mut connection = self.redis.connection();
        let due: Result<Option<String>, _> = redis::cmd("SET")
            .arg(&marker)
            .arg("1")
            .arg("NX")
            .arg("EX")
            .arg(self.settings.renew.as_secs().max(1))
            .query_async(&mut connection)
            .await;
        match due {
            Ok(Some(_)) => {}
            Ok(None) => return,
            Err(error) => {
                tracing::warn!(%error, "could not read the watch marker");
                return;
            }
        }
        match self.watch(mailbox, account).await {
            Ok(()) => tracing::info!("Gmail watch renewed"),
            Err(error) => {
                tracing::warn!(%error, "users.watch failed; trying again later");
                let _: Result<i64, _> = redis::cmd("EXPIRE")
                    .arg(&marker)
                    .arg(RETRY_FAILED_WATCH.as_secs())
                    .query_async(&mut connection)
                    .await;
            }
        }
    }

    async fn watch(&self, mailbox: &Mailbox, account: &Account) -> Result<(), MailboxError> {
        let sub = account.sub();
        let gmail = &mailbox.gmail;
        let profile = mailbox
            .authorized(account, false, |access, prepaid| async move {
                let call = GmailCall {
                    account: sub,
                    token: &access,
                    prepaid,
                };
                gmail.profile(call).await
            })
            .await?;
        let topic = self.settings.topic.as_str();
        mailbox
            .authorized(account, false, |access, prepaid| async move {
                let call = GmailCall {
                    account: sub,
                    token: &access,
                    prepaid,
                };
                gmail.watch(call, topic).await
            })
            .await?;
        let Some(email) = profile.email_address.filter(|e| !e.is_empty()) else {
            return Err(MailboxError::Mirror(
                "Gmail's profile names no address".into(),
            ));
        };
        let mut connection = self.redis.connection();
        redis::cmd("SET")
            .arg(redis_keys::push_address(
                &self.redis,
                &address_digest(&email),
            ))
            .arg(sub)
            .arg("EX")
            .arg(ADDRESS_TTL.as_secs())
            .query_async::<()>(&mut connection)
            .await
            .map_err(|e| MailboxError::Mirror(e.to_string()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_are_keyed_by_their_lowercased_digest() {
        assert_eq!(
            address_digest(" Alice@Example.com"),
            address_digest("alice@example.com")
        );
        assert_eq!(address_digest("a@example.com").len(), 64);
        assert_ne!(
            address_digest("a@example.com"),
            address_digest("b@example.com")
        );
    }
}
