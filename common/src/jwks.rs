//! A JSON Web Key Set fetched over HTTP and cached in memory: the one cache behind both key sets
//! the system trusts, auth-service's own (internal JWTs, [`crate::jwt::JwtVerifier`]) and Google's
//! (id_tokens, auth-service's `google::jwks`).
//!
//! [`KeySet::key`] answers the key for a `kid`. The set is fetched on first use; an unknown `kid`
//! (a rotation) refetches it, but at most once per refetch interval counted from the last
//! attempt, successful or not, and every fetch is single-flight: a flood of tokens with forged
//! `kid`s, or a JWKS endpoint that is down, costs at most one request per interval.
//! [`KeySet::readiness`] answers from the cache's age and never queues behind a fetch in flight.
//!
//! How long a set is trusted is its [`Lifetime`]: until replaced (our own keys, which we rotate
//! ourselves and publish before use), or as the response's `Cache-Control: max-age` says, within
//! bounds (Google's); keys past their lifetime are never used. Only keys the set's `accept`
//! filter keeps are cached (at most [`MAX_KEYS`], each with a `kid`); the document is read up to
//! [`MAX_DOCUMENT_BYTES`].

use std::{
    collections::HashMap,
    time::{Duration, Instant},
};

use jsonwebtoken::{DecodingKey, jwk::Jwk};
use serde::Deserialize;
use tokio::sync::{Mutex, RwLock};

/// Largest JWKS document read (Google's is about 1 KiB, ours smaller).
pub const MAX_DOCUMENT_BYTES: usize = 64 * 1024;
/// Most keys kept from one document.
pub const MAX_KEYS: usize = 32;
/// Default minimum time between two fetches caused by unknown `kid`s, failures or readiness.
pub const DEFAULT_REFETCH_INTERVAL: Duration = Duration::from_secs(5);

/// How long a fetched set is trusted.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Lifetime {
    /// Until a later fetch replaces it.
    UntilReplaced,
    /// As the response's `Cache-Control: max-age` says, clamped to `min..=max`; `default`
    /// without one.
    CacheControl {
        default: Duration,
        min: Duration,
        max: Duration,
    },
}

impl Lifetime {
    /// The lifetime a response with `headers` gives a set; `None` means until replaced.
    fn of(self, headers: &reqwest::header::HeaderMap) -> Option<Duration> {
        let Self::CacheControl { default, min, max } = self else {
            return None;
        };
        let max_age = headers
            .get_all(reqwest::header::CACHE_CONTROL)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(','))
            .find_map(|directive| {
                let (name, value) = directive.trim().split_once('=')?;
                name.trim()
                    .eq_ignore_ascii_case("max-age")
                    .then(|| value.trim().trim_matches('"').parse::<u64>().ok())
                    .flatten()
            });
        Some(max_age.map_or(default, |secs| Duration::from_secs(secs).clamp(min, max)))
    }
}

/// Why no key could be given.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum KeySetError {
    /// The set, fetched and trusted, has no usable key with this `kid`.
    #[error("no key with this kid")]
    UnknownKey,
    /// The set could not be fetched (and no trusted copy holds the key).
    #[error("the keys cannot be fetched")]
    Unavailable,
}

/// Why [`KeySet::readiness`] says not ready. The messages name no URL or key.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum NotReady {
    #[error("the key set has not been fetched yet")]
    NeverFetched,
    #[error("the key set holds no usable key")]
    NoUsableKey,
    #[error("the key set was last fetched {age_secs} s ago and cannot be fetched now")]
    Stale { age_secs: u64 },
}

#[derive(Default)]
struct Cache {
    keys: HashMap<String, DecodingKey>,
    /// The last successful fetch.
    fetched_at: Option<Instant>,
    /// When the fetched set stops being trusted (`None`: until replaced).
    expires_at: Option<Instant>,
    /// The last fetch attempt, successful or not: the once-per-interval limit counts from here.
    attempted_at: Option<Instant>,
}

impl Cache {
    fn is_trusted(&self) -> bool {
        self.fetched_at.is_some() && self.expires_at.is_none_or(|at| Instant::now() < at)
    }

    fn attempted_within(&self, interval: Duration) -> bool {
        self.attempted_at.is_some_and(|at| at.elapsed() < interval)
    }

    fn last_attempt_succeeded(&self) -> bool {
        self.fetched_at.is_some() && self.fetched_at >= self.attempted_at
    }

    fn trusted_key(&self, kid: &str) -> Option<DecodingKey> {
        self.is_trusted()
            .then(|| self.keys.get(kid).cloned())
            .flatten()
    }

    /// The cache's age if it holds trusted keys fetched within `max_age`.
    fn fresh(&self, max_age: Duration) -> Option<Duration> {
        let age = self.fetched_at?.elapsed();
        (age < max_age && self.is_trusted() && !self.keys.is_empty()).then_some(age)
    }

    fn not_ready(&self) -> NotReady {
        match self.fetched_at {
            Some(at) if !self.keys.is_empty() => NotReady::Stale {
                age_secs: at.elapsed().as_secs(),
            },
            Some(_) => NotReady::NoUsableKey,
            None => NotReady::NeverFetched,
        }
    }
}

/// A cached JWKS; see the module docs.
pub struct KeySet {
    http: reqwest::Client,
    url: String,
    /// Which keys of the document are kept.
    accept: fn(&Jwk) -> bool,
    lifetime: Lifetime,
    refetch_interval: Duration,
    cache: RwLock<Cache>,
    fetching: Mutex<()>,
}

impl KeySet {
    /// A set fetched from `url` through `http` (which should have a timeout and no redirects),
    /// keeping the keys `accept` approves of.
    pub fn new(
        http: reqwest::Client,
        url: &str,
        accept: fn(&Jwk) -> bool,
        lifetime: Lifetime,
    ) -> Self {
        Self {
            http,
            url: url.to_owned(),
            accept,
            lifetime,
            refetch_interval: DEFAULT_REFETCH_INTERVAL,
            cache: RwLock::new(Cache::default()),
            fetching: Mutex::new(()),
        }
    }

    /// Changes the minimum time between fetches caused by unknown `kid`s, failures or readiness.
    pub fn with_refetch_interval(mut self, interval: Duration) -> Self {
        self.refetch_interval = interval;
        self
    }

    /// The key for `kid`, fetching the set when it is missing, stale, or lacks `kid`
    /// (at most once per refetch interval).
    pub async fn key(&self, kid: &str) -> Result<DecodingKey, KeySetError> {
        if let Some(key) = self.cache.read().await.trusted_key(kid) {
            return Ok(key);
        }
        let _single_flight = self.fetching.lock().await;
        {
            // Whoever held the lock before us may have fetched what we need.
            let cache = self.cache.read().await;
            if let Some(key) = cache.trusted_key(kid) {
                return Ok(key);
            }
            if cache.attempted_within(self.refetch_interval) {
                // A recent success means the kid is unknown; a recent failure means the keys
                // cannot be had right now (and the issuer is not hammered).
                return Err(if cache.is_trusted() && cache.last_attempt_succeeded() {
                    KeySetError::UnknownKey
                } else {
                    KeySetError::Unavailable
                });
            }
        }
        self.fetch_locked().await?;
        self.cache
            .read()
            .await
            .trusted_key(kid)
            .ok_or(KeySetError::UnknownKey)
    }

    /// Fetches the set now, waiting for a fetch in flight first (tests, tools); the number of
    /// keys kept.
    pub async fn refresh(&self) -> Result<usize, KeySetError> {
        let _single_flight = self.fetching.lock().await;
        self.fetch_locked().await
    }

    /// Readiness from the cached set: ready (with the set's age) when keys were fetched
    /// successfully within `max_age`. Otherwise one fetch is tried, unless one was tried within
    /// the refetch interval or one is in flight right now: then the answer comes from the cache
    /// at once, without waiting for the lock.
    pub async fn readiness(&self, max_age: Duration) -> Result<Duration, NotReady> {
        if let Some(age) = self.cache.read().await.fresh(max_age) {
            return Ok(age);
        }
        let Ok(_single_flight) = self.fetching.try_lock() else {
            return self.answer_from_cache(max_age).await;
        };
        if self
            .cache
            .read()
            .await
            .attempted_within(self.refetch_interval)
        {
            return self.answer_from_cache(max_age).await;
        }
        // A failed fetch leaves the cache as it was; the answer below says why.
        let _fetched = self.fetch_locked().await;
        self.answer_from_cache(max_age).await
    }

    async fn answer_from_cache(&self, max_age: Duration) -> Result<Duration, NotReady> {
        let cache = self.cache.read().await;
        cache.fresh(max_age).ok_or_else(|| cache.not_ready())
    }

    /// Number of keys currently cached.
    pub async fn cached_keys(&self) -> usize {
        self.cache.read().await.keys.len()
    }

    /// Puts `document` in the cache as if just fetched, without a request (auth-service's unit
    /// tests of the id_token checks; a caller that already holds the key set).
    pub async fn seed(&self, document: &[u8]) {
        let mut cache = self.cache.write().await;
        let now = Instant::now();
        cache.keys = parse(document, self.accept).unwrap_or_default();
        cache.fetched_at = Some(now);
        cache.attempted_at = Some(now);
        cache.expires_at = self
            .lifetime
            .of(&reqwest::header::HeaderMap::new())
            .map(|lifetime| now + lifetime);
    }

    /// Fetches and replaces the set; the caller holds `fetching`.
    async fn fetch_locked(&self) -> Result<usize, KeySetError> {
        let started = Instant::now();
        self.cache.write().await.attempted_at = Some(started);
        match self.download().await {
            Ok((keys, lifetime)) => {
                tracing::debug!(url = %self.url, keys = keys.len(), "fetched a key set");
                let count = keys.len();
                let mut cache = self.cache.write().await;
                cache.keys = keys;
                cache.fetched_at = Some(Instant::now());
                cache.expires_at = lifetime.map(|lifetime| started + lifetime);
                Ok(count)
            }
            Err(reason) => {
                tracing::warn!(url = %self.url, reason, "a key set cannot be fetched");
                Err(KeySetError::Unavailable)
            }
        }
    }

    async fn download(
        &self,
    ) -> Result<(HashMap<String, DecodingKey>, Option<Duration>), &'static str> {
        let mut response = self.http.get(&self.url).send().await.map_err(|e| {
            if e.is_timeout() {
                "timeout"
            } else {
                "no connection"
            }
        })?;
        if !response.status().is_success() {
            return Err("error status");
        }
        let lifetime = self.lifetime.of(response.headers());
        if response
            .content_length()
            .is_some_and(|n| n > MAX_DOCUMENT_BYTES as u64)
        {
            return Err("document too large");
        }
        let mut body = Vec::new();
        while let Some(chunk) = response.chunk().await.map_err(|_| "connection lost")? {
            if body.len() + chunk.len() > MAX_DOCUMENT_BYTES {
                return Err("document too large");
            }
            body.extend_from_slice(&chunk);
        }
        let keys = parse(&body, self.accept).ok_or("not a JWKS document")?;
        if keys.is_empty() {
            return Err("no usable key");
        }
        Ok((keys, lifetime))
    }
}

#[derive(Deserialize)]
struct RawKeySet {
    keys: Vec<serde_json::Value>,
}

/// The keys of a JWKS document that `accept` keeps, by `kid`; `None` when it is not a JWKS
/// document. Keys that do not parse are skipped, not fatal.
pub fn parse(document: &[u8], accept: fn(&Jwk) -> bool) -> Option<HashMap<String, DecodingKey>> {
    let raw: RawKeySet = serde_json::from_slice(document).ok()?;
    Some(
        raw.keys
            .into_iter()
            .filter_map(|value| serde_json::from_value::<Jwk>(value).ok())
            .filter(accept)
            .filter_map(|jwk| {
                let kid = jwk.common.key_id.clone().filter(|k| !k.is_empty())?;
                Some((kid, DecodingKey::from_jwk(&jwk).ok()?))
            })
            .take(MAX_KEYS)
            .collect(),
    )
}

#[cfg(test)]
mod tests {
    use reqwest::header::{CACHE_CONTROL, HeaderMap, HeaderValue};

    use super::*;

    const GOOGLE_LIKE: Lifetime = Lifetime::CacheControl {
        default: Duration::from_secs(3600),
        min: Duration::from_secs(60),
        max: Duration::from_secs(24 * 3600),
    };

    fn headers(value: &str) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert(CACHE_CONTROL, HeaderValue::from_str(value).unwrap());
        h
    }

    #[test]
    fn max_age_is_honoured_within_bounds() {
        let of = |h: &HeaderMap| GOOGLE_LIKE.of(h).unwrap();
        assert_eq!(of(&HeaderMap::new()), Duration::from_secs(3600));
        assert_eq!(
            of(&headers(
                "public, max-age=19971, must-revalidate, no-transform"
            )),
            Duration::from_secs(19971)
        );
        assert_eq!(of(&headers("max-age=0")), Duration::from_secs(60));
        assert_eq!(of(&headers("no-store")), Duration::from_secs(3600));
        assert_eq!(
            of(&headers("max-age=999999999")),
            Duration::from_secs(86400)
        );
        assert_eq!(of(&headers("max-age=soon")), Duration::from_secs(3600));
        assert_eq!(Lifetime::UntilReplaced.of(&headers("max-age=1")), None);
    }

    #[test]
    fn documents_that_are_not_key_sets_are_refused_and_bad_keys_skipped() {
        let all: fn(&Jwk) -> bool = |_| true;
        assert!(parse(b"{\"not\": \"a jwks\"}", all).is_none());
        assert!(parse(b"[]", all).is_none());
        let document =
            br#"{"keys": [{"kty": "EC", "crv": "P-256", "kid": "broken"}, {"kty": "nope"}]}"#;
        assert_eq!(parse(document, all).unwrap().len(), 0);
    }
}
