//! Google's id_token signing keys: the JWKS at `GOOGLE_JWKS_URL`, cached in memory.
//!
//! [`GoogleKeys::key`] answers the RSA public key for a `kid`. The key set is fetched on first
//! use and kept for as long as the response's `Cache-Control: max-age` says (clamped to
//! [`MIN_LIFETIME`]..[`MAX_LIFETIME`]; [`DEFAULT_LIFETIME`] without one). An unknown `kid` (Google
//! rotates its keys) refetches the set, but at most once per refetch interval (default
//! [`DEFAULT_REFETCH_INTERVAL`]), and every fetch is single-flight: a flood of tokens with forged
//! `kid`s, or a JWKS endpoint that is down, costs at most one request per interval, never one per
//! login. Keys past their lifetime are not used: if they cannot be refetched the answer is
//! [`JwksError::Unavailable`], which the callback reports as `google_unavailable`.
//!
//! Only RSA keys for signatures (`use` absent or `sig`, `alg` absent or `RS256`, at least 2048
//! bits, with a `kid`) are kept; anything else in the set is skipped. The response body is read
//! up to [`MAX_DOCUMENT_BYTES`].

use std::{
    collections::HashMap,
    time::{Duration, Instant},
};

use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use jsonwebtoken::{
    DecodingKey,
    jwk::{AlgorithmParameters, Jwk, KeyAlgorithm, PublicKeyUse},
};
use serde::Deserialize;
use tokio::sync::{Mutex, RwLock};

/// How long a key set is kept when the response has no `max-age`.
pub const DEFAULT_LIFETIME: Duration = Duration::from_secs(3600);
/// The shortest a key set is kept, whatever the response says (`max-age=0`, `no-store`).
pub const MIN_LIFETIME: Duration = Duration::from_secs(60);
/// The longest a key set is kept, whatever the response says.
pub const MAX_LIFETIME: Duration = Duration::from_secs(24 * 3600);
/// Default minimum time between two fetches caused by unknown `kid`s or failures.
pub const DEFAULT_REFETCH_INTERVAL: Duration = Duration::from_secs(5);
/// Largest JWKS document read (Google's is about 1 KiB).
pub const MAX_DOCUMENT_BYTES: usize = 64 * 1024;
/// Most keys kept from one document.
const MAX_KEYS: usize = 32;
/// Smallest RSA modulus accepted, in bytes (2048 bits).
const MIN_MODULUS_BYTES: usize = 256;

/// Why no key could be given.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum JwksError {
    /// The (fresh) key set has no key with this `kid`.
    #[error("no signing key with this kid")]
    UnknownKey,
    /// The key set could not be fetched (and no fresh copy is cached).
    #[error("the signing keys cannot be fetched")]
    Unavailable,
}

struct Cache {
    keys: HashMap<String, DecodingKey>,
    /// When the cached set stops being trusted; `None` before the first successful fetch.
    expires_at: Option<Instant>,
    /// When the last fetch (successful or not) started.
    last_attempt: Option<Instant>,
}

impl Cache {
    fn is_fresh(&self) -> bool {
        self.expires_at.is_some_and(|at| Instant::now() < at)
    }
}

/// The cached JWKS of the id_token issuer.
pub struct GoogleKeys {
    http: reqwest::Client,
    url: String,
    refetch_interval: Duration,
    cache: RwLock<Cache>,
    fetching: Mutex<()>,
}

impl GoogleKeys {
    /// Keys fetched from `url` through `http` (which should have a timeout and no redirects).
    pub fn new(http: reqwest::Client, url: &str) -> Self {
        Self {
            http,
            url: url.to_owned(),
            refetch_interval: DEFAULT_REFETCH_INTERVAL,
            cache: RwLock::new(Cache {
                keys: HashMap::new(),
                expires_at: None,
                last_attempt: None,
            }),
            fetching: Mutex::new(()),
        }
    }

    /// Changes the minimum time between fetches caused by unknown `kid`s or failures.
    pub fn with_refetch_interval(mut self, interval: Duration) -> Self {
        self.refetch_interval = interval;
        self
    }

    /// The key for `kid`, fetching the set when it is missing, stale, or lacks `kid` (rate-limited).
    pub async fn key(&self, kid: &str) -> Result<DecodingKey, JwksError> {
        {
            let cache = self.cache.read().await;
            if cache.is_fresh()
                && let Some(key) = cache.keys.get(kid)
            {
                return Ok(key.clone());
            }
        }
        let _single_flight = self.fetching.lock().await;
        {
            // Whoever held the lock before us may have fetched what we need.
            let cache = self.cache.read().await;
            let fresh = cache.is_fresh();
            if fresh && let Some(key) = cache.keys.get(kid) {
                return Ok(key.clone());
            }
            let recently_tried = cache
                .last_attempt
                .is_some_and(|at| at.elapsed() < self.refetch_interval);
            if recently_tried {
                return Err(if fresh {
                    JwksError::UnknownKey
                } else {
                    JwksError::Unavailable
                });
            }
        }
        self.fetch_locked().await?;
        self.cache
            .read()
            .await
            .keys
            .get(kid)
            .cloned()
            .ok_or(JwksError::UnknownKey)
    }

    /// Fetches the set; the caller holds `fetching`.
    async fn fetch_locked(&self) -> Result<(), JwksError> {
        let started = Instant::now();
        let result = self.download().await;
        let mut cache = self.cache.write().await;
        cache.last_attempt = Some(started);
        match result {
            Ok((keys, lifetime)) => {
                tracing::info!(
                    keys = keys.len(),
                    lifetime_secs = lifetime.as_secs(),
                    "fetched the id_token signing keys"
                );
                cache.keys = keys;
                cache.expires_at = Some(started + lifetime);
                Ok(())
            }
            Err(reason) => {
                tracing::warn!(
                    url = %self.url,
                    reason,
                    "the id_token signing keys cannot be fetched"
                );
                Err(JwksError::Unavailable)
            }
        }
    }

    async fn download(&self) -> Result<(HashMap<String, DecodingKey>, Duration), &'static str> {
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
        let lifetime = lifetime(response.headers());
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
        let keys = parse_key_set(&body).ok_or("not a JWKS document")?;
        if keys.is_empty() {
            return Err("no usable RS256 key");
        }
        Ok((keys, lifetime))
    }

    /// Puts `document` in the cache as if just fetched (unit tests of the id_token checks).
    #[cfg(test)]
    pub(crate) async fn seed(&self, document: &[u8]) {
        let mut cache = self.cache.write().await;
        cache.keys = parse_key_set(document).unwrap_or_default();
        cache.expires_at = Some(Instant::now() + DEFAULT_LIFETIME);
        cache.last_attempt = Some(Instant::now());
    }
}

#[derive(Deserialize)]
struct RawKeySet {
    keys: Vec<serde_json::Value>,
}

/// The usable keys of a JWKS document by `kid`; `None` when it is not a JWKS document.
fn parse_key_set(document: &[u8]) -> Option<HashMap<String, DecodingKey>> {
    let raw: RawKeySet = serde_json::from_slice(document).ok()?;
    Some(
        raw.keys
            .into_iter()
            .filter_map(|value| serde_json::from_value::<Jwk>(value).ok())
            .filter(is_rs256_signing_key)
            .filter_map(|jwk| {
                let kid = jwk.common.key_id.clone().filter(|k| !k.is_empty())?;
                Some((kid, DecodingKey::from_jwk(&jwk).ok()?))
            })
            .take(MAX_KEYS)
            .collect(),
    )
}

fn is_rs256_signing_key(jwk: &Jwk) -> bool {
    let AlgorithmParameters::RSA(rsa) = &jwk.algorithm else {
        return false;
    };
    let modulus_bytes = URL_SAFE_NO_PAD
        .decode(rsa.n.trim_end_matches('='))
        .map(|n| n.len() - n.iter().take_while(|b| **b == 0).count())
        .unwrap_or(0);
    matches!(jwk.common.key_algorithm, None | Some(KeyAlgorithm::RS256))
        && matches!(
            jwk.common.public_key_use,
            None | Some(PublicKeyUse::Signature)
        )
        && modulus_bytes >= MIN_MODULUS_BYTES
}

/// How long to keep a key set, from the response's `Cache-Control`.
fn lifetime(headers: &reqwest::header::HeaderMap) -> Duration {
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
    max_age.map_or(DEFAULT_LIFETIME, |secs| {
        Duration::from_secs(secs).clamp(MIN_LIFETIME, MAX_LIFETIME)
    })
}

#[cfg(test)]
mod tests {
    use reqwest::header::{CACHE_CONTROL, HeaderMap, HeaderValue};

    use super::*;

    fn headers(value: &str) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert(CACHE_CONTROL, HeaderValue::from_str(value).unwrap());
        h
    }

    #[test]
    fn max_age_is_honoured_within_bounds() {
        assert_eq!(lifetime(&HeaderMap::new()), DEFAULT_LIFETIME);
        assert_eq!(
            lifetime(&headers(
                "public, max-age=19971, must-revalidate, no-transform"
            )),
            Duration::from_secs(19971)
        );
        assert_eq!(lifetime(&headers("max-age=0")), MIN_LIFETIME);
        assert_eq!(lifetime(&headers("no-store")), DEFAULT_LIFETIME);
        assert_eq!(lifetime(&headers("max-age=999999999")), MAX_LIFETIME);
        assert_eq!(lifetime(&headers("max-age=soon")), DEFAULT_LIFETIME);
    }

    #[test]
    fn only_rs256_signing_keys_of_2048_bits_or_more_are_kept() {
        let emulator = google_emulator::oauth::id_token::IdTokenSigner::jwks();
        let good = emulator["keys"][0].clone();
        let variant = |fields: &[(&str, serde_json::Value)]| {
            let mut key = good.clone();
            for (k, v) in fields {
                key[*k] = v.clone();
            }
            key
        };
        let document = serde_json::json!({"keys": [
            good,
            variant(&[("kid", "enc".into()), ("use", "enc".into())]),
            variant(&[("kid", "hs".into()), ("alg", "HS256".into())]),
            variant(&[
                ("kid", "small".into()),
                ("n", URL_SAFE_NO_PAD.encode([0xC5u8; 128]).into()),
            ]),
            variant(&[("kid", serde_json::Value::Null)]),
            {"kty": "EC", "crv": "P-256", "kid": "ec", "x": "AA", "y": "AA"},
            {"kty": "OKP", "crv": "Ed25519", "kid": "ed", "x": "AA"},
        ]});
        let keys = parse_key_set(document.to_string().as_bytes()).unwrap();
        let kids: Vec<&String> = keys.keys().collect();
        assert_eq!(kids, [google_emulator::oauth::id_token::KEY_ID], "{kids:?}");
        assert!(parse_key_set(b"{\"not\": \"a jwks\"}").is_none());
        assert!(parse_key_set(b"[]").is_none());
    }
}
