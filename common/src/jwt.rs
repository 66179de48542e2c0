//! Internal JWTs: what auth-service mints and gmail-service accepts.
//!
//! - [`InternalClaims`]: the claims of the contract (`iss`, `aud`, `sub`, `email`, `iat`, `nbf`,
//!   `exp`, `jti`).
//! - [`Es256KeyPair`]: a P-256 signing key, its RFC 7638 thumbprint as `kid`, and its public JWK.
//! - [`JwtVerifier`]: accepts only ES256 tokens whose `kid` is in the issuer's JWKS, checks
//!   `iss`, `aud`, `exp` and `nbf`, and refetches the JWKS on an unknown `kid` at most once per
//!   refetch interval (so a flood of forged `kid`s cannot turn into a flood of JWKS requests).
//!   Readiness asks [`JwtVerifier::readiness`], which answers from the cached key set's age and
//!   fetches only when that is too old, within the same once-per-interval limit, and never waits
//!   behind a fetch already in flight.

use std::{
    collections::HashMap,
    time::{Duration, Instant, SystemTime, UNIX_EPOCH},
};

use base64::{Engine, engine::general_purpose::STANDARD, engine::general_purpose::URL_SAFE_NO_PAD};
use jsonwebtoken::{
    Algorithm, DecodingKey, EncodingKey, Header, Validation,
    jwk::{
        AlgorithmParameters, CommonParameters, EllipticCurve, EllipticCurveKeyParameters,
        EllipticCurveKeyType, Jwk, JwkSet, KeyAlgorithm, PublicKeyUse,
    },
};
use ring::{
    rand::SystemRandom,
    signature::{ECDSA_P256_SHA256_FIXED_SIGNING, EcdsaKeyPair, KeyPair},
};
use secrecy::{ExposeSecret, SecretBox, SecretString};
use serde::{Deserialize, Serialize};
use tokio::sync::{Mutex, RwLock};

/// The audience of every internal JWT.
pub const GMAIL_SERVICE_AUDIENCE: &str = "gmail-service";

/// Longest token the verifier looks at; anything longer is malformed.
const MAX_TOKEN_LEN: usize = 8 * 1024;

/// Seconds of clock skew tolerated on `exp` and `nbf`.
const LEEWAY_SECS: u64 = 5;

/// The claims of an internal JWT (see the contract).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct InternalClaims {
    /// auth-service's issuer id.
    pub iss: String,
    /// Always [`GMAIL_SERVICE_AUDIENCE`].
    pub aud: String,
    /// The Google account's `sub`.
    pub sub: String,
    /// The Google account's address.
    pub email: String,
    pub iat: i64,
    pub nbf: i64,
    pub exp: i64,
    /// Unique per token.
    pub jti: String,
}

impl InternalClaims {
    /// Claims for `sub`/`email` valid from now for `lifetime`, with a fresh `jti`.
    pub fn new(issuer: &str, sub: &str, email: &str, lifetime: Duration) -> Self {
        let now = unix_now();
        Self {
            iss: issuer.to_owned(),
            aud: GMAIL_SERVICE_AUDIENCE.to_owned(),
            sub: sub.to_owned(),
            email: email.to_owned(),
            iat: now,
            nbf: now,
            exp: now + i64::try_from(lifetime.as_secs()).unwrap_or(i64::MAX / 2),
            jti: uuid::Uuid::new_v4().to_string(),
        }
    }
}

/// Seconds since the Unix epoch.
pub fn unix_now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
        .unwrap_or(0)
}

/// Why a signing key could not be made or used.
#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    #[error("the key is not a PKCS#8 P-256 private key")]
    NotP256Pkcs8,
    #[error("the PEM text is not a PKCS#8 private key")]
    BadPem,
    #[error("the system random generator failed")]
    Random,
    #[error("signing failed: {0}")]
    Signing(#[from] jsonwebtoken::errors::Error),
}

/// An ES256 (P-256) signing key with its `kid` and public JWK. `Debug` shows only the `kid`.
pub struct Es256KeyPair {
    kid: String,
    pkcs8: SecretBox<Vec<u8>>,
    encoding: EncodingKey,
    public: Jwk,
}

impl std::fmt::Debug for Es256KeyPair {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Es256KeyPair")
            .field("kid", &self.kid)
            .finish_non_exhaustive()
    }
}

impl Es256KeyPair {
    /// A new random key.
    pub fn generate() -> Result<Self, KeyError> {
        let rng = SystemRandom::new();
        let document = EcdsaKeyPair::generate_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, &rng)
            .map_err(|_| KeyError::Random)?;
        Self::from_pkcs8_der(document.as_ref())
    }

    /// A key from PKCS#8 DER bytes.
    pub fn from_pkcs8_der(der: &[u8]) -> Result<Self, KeyError> {
        let pair =
            EcdsaKeyPair::from_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, der, &SystemRandom::new())
                .map_err(|_| KeyError::NotP256Pkcs8)?;
        // Uncompressed SEC1 point: 0x04 || x (32 bytes) || y (32 bytes).
        let point = pair.public_key().as_ref();
        if point.len() != 65 || point[0] != 4 {
            return Err(KeyError::NotP256Pkcs8);
        }
        let x = URL_SAFE_NO_PAD.encode(&point[1..33]);
        let y = URL_SAFE_NO_PAD.encode(&point[33..65]);
        let kid = ec_thumbprint(&x, &y);
        let public = Jwk {
            common: CommonParameters {
                public_key_use: Some(PublicKeyUse::Signature),
                key_algorithm: Some(KeyAlgorithm::ES256),
                key_id: Some(kid.clone()),
                ..Default::default()
            },
            algorithm: AlgorithmParameters::EllipticCurve(EllipticCurveKeyParameters {
                key_type: EllipticCurveKeyType::EC,
                curve: EllipticCurve::P256,
                x,
                y,
            }),
        };
        Ok(Self {
            kid,
            pkcs8: SecretBox::new(Box::new(der.to_vec())),
            encoding: EncodingKey::from_ec_der(der),
            public,
        })
    }

    /// A key from a PEM `PRIVATE KEY` (PKCS#8) block.
    pub fn from_pkcs8_pem(pem: &str) -> Result<Self, KeyError> {
        let body: String = pem
            .lines()
            .map(str::trim)
            .skip_while(|l| *l != "-----BEGIN PRIVATE KEY-----")
            .skip(1)
            .take_while(|l| *l != "-----END PRIVATE KEY-----")
            .collect();
        let der = STANDARD.decode(body).map_err(|_| KeyError::BadPem)?;
        if der.is_empty() {
            return Err(KeyError::BadPem);
        }
        Self::from_pkcs8_der(&der)
    }

    /// The key as a PEM `PRIVATE KEY` block (to share a generated key through a secret store).
    pub fn to_pkcs8_pem(&self) -> SecretString {
        let encoded = STANDARD.encode(self.pkcs8.expose_secret());
        let mut pem = String::from("-----BEGIN PRIVATE KEY-----\n");
        for chunk in encoded.as_bytes().chunks(64) {
            pem.push_str(&String::from_utf8_lossy(chunk));
            pem.push('\n');
        }
        pem.push_str("-----END PRIVATE KEY-----\n");
        SecretString::from(pem)
    }

    /// The key id: the RFC 7638 thumbprint of the public key.
    pub fn kid(&self) -> &str {
        &self.kid
    }

    /// The public key for verifying this key's signatures.
    pub fn decoding_key(&self) -> Result<DecodingKey, KeyError> {
        Ok(DecodingKey::from_jwk(&self.public)?)
    }

    /// The public key as a JWK with `kid`, `use=sig`, `alg=ES256`.
    pub fn public_jwk(&self) -> &Jwk {
        &self.public
    }

    /// Signs `claims` as an ES256 JWT with this key's `kid`.
    pub fn sign(&self, claims: &InternalClaims) -> Result<String, KeyError> {
        let mut header = Header::new(Algorithm::ES256);
        header.kid = Some(self.kid.clone());
        Ok(jsonwebtoken::encode(&header, claims, &self.encoding)?)
    }
}

/// RFC 7638 thumbprint of a P-256 public key.
fn ec_thumbprint(x: &str, y: &str) -> String {
    let canonical = format!(r#"{{"crv":"P-256","kty":"EC","x":"{x}","y":"{y}"}}"#);
    URL_SAFE_NO_PAD.encode(ring::digest::digest(
        &ring::digest::SHA256,
        canonical.as_bytes(),
    ))
}

/// Why a token was refused. Every variant but [`TokenError::KeysUnavailable`] is a 401
/// `invalid_token`; that one is a 503.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum TokenError {
    #[error("the token is malformed")]
    Malformed,
    #[error("the token's algorithm is not ES256")]
    WrongAlgorithm,
    #[error("the token has no key id")]
    MissingKid,
    #[error("the token's key id is unknown")]
    UnknownKid,
    #[error("the token has expired")]
    Expired,
    #[error("the token is not valid yet")]
    NotYetValid,
    #[error("the token was issued by someone else")]
    WrongIssuer,
    #[error("the token is meant for another audience")]
    WrongAudience,
    #[error("the token's signature does not verify")]
    BadSignature,
    #[error("the token's claims are incomplete or invalid")]
    InvalidClaims,
    #[error("the issuer's keys cannot be fetched")]
    KeysUnavailable,
    #[error("the token was revoked")]
    Revoked,
}

struct KeyCache {
    keys: HashMap<String, DecodingKey>,
    /// The last successful fetch.
    fetched_at: Option<Instant>,
    /// The last fetch attempt, successful or not: the once-per-interval limit counts from here.
    attempted_at: Option<Instant>,
}

impl KeyCache {
    fn attempted_within(&self, interval: Duration) -> bool {
        self.attempted_at.is_some_and(|at| at.elapsed() < interval)
    }

    /// The cache's age if it holds keys fetched within `max_age`.
    fn fresh(&self, max_age: Duration) -> Option<Duration> {
        let age = self.fetched_at?.elapsed();
        (age < max_age && !self.keys.is_empty()).then_some(age)
    }

    fn not_ready(&self) -> JwksNotReady {
        match self.fetched_at {
            Some(at) if !self.keys.is_empty() => JwksNotReady::Stale {
                age_secs: at.elapsed().as_secs(),
            },
            Some(_) => JwksNotReady::NoUsableKey,
            None => JwksNotReady::NeverFetched,
        }
    }
}

/// Why [`JwtVerifier::readiness`] says not ready. The messages name no URL or key.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum JwksNotReady {
    #[error("auth-service's JWKS has not been fetched yet")]
    NeverFetched,
    #[error("auth-service's JWKS holds no ES256 key")]
    NoUsableKey,
    #[error("auth-service's JWKS was last fetched {age_secs} s ago and cannot be fetched now")]
    Stale { age_secs: u64 },
}

/// Verifies internal JWTs against the issuer's JWKS.
pub struct JwtVerifier {
    http: reqwest::Client,
    jwks_url: String,
    issuer: String,
    audience: String,
    refetch_interval: Duration,
    cache: RwLock<KeyCache>,
    fetching: Mutex<()>,
}

impl JwtVerifier {
    /// A verifier fetching keys from `jwks_url` (through `http`, which should have a timeout).
    pub fn new(http: reqwest::Client, jwks_url: &str, issuer: &str, audience: &str) -> Self {
        Self {
            http,
            jwks_url: jwks_url.to_owned(),
            issuer: issuer.to_owned(),
            audience: audience.to_owned(),
            refetch_interval: Duration::from_secs(5),
            cache: RwLock::new(KeyCache {
                keys: HashMap::new(),
                fetched_at: None,
                attempted_at: None,
            }),
            fetching: Mutex::new(()),
        }
    }

    /// Changes how often the JWKS may be fetched for an unknown `kid` or for readiness
    /// (default 5 s).
    pub fn with_refetch_interval(mut self, interval: Duration) -> Self {
        self.refetch_interval = interval;
        self
    }

    /// Fetches the JWKS now, waiting for a fetch in flight first (tests, tools). Readiness
    /// checks use [`JwtVerifier::readiness`] instead.
    pub async fn refresh(&self) -> Result<usize, TokenError> {
        let _single_flight = self.fetching.lock().await;
        self.fetch_locked().await
    }

    /// Readiness from the cached key set: ready (with the set's age) when keys were fetched
    /// successfully within `max_age`. Otherwise one fetch is tried, unless one was tried within
    /// the refetch interval (the limit unknown `kid`s share) or one is in flight right now: then
    /// the answer comes from the cache at once, without waiting for the lock.
    pub async fn readiness(&self, max_age: Duration) -> Result<Duration, JwksNotReady> {
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

    async fn answer_from_cache(&self, max_age: Duration) -> Result<Duration, JwksNotReady> {
        let cache = self.cache.read().await;
        cache.fresh(max_age).ok_or_else(|| cache.not_ready())
    }

    /// Number of keys currently cached.
    pub async fn cached_keys(&self) -> usize {
        self.cache.read().await.keys.len()
    }

    /// Fetches and replaces the key set; the caller holds `fetching`.
    async fn fetch_locked(&self) -> Result<usize, TokenError> {
        self.cache.write().await.attempted_at = Some(Instant::now());
        let response = self
            .http
            .get(&self.jwks_url)
            .send()
            .await
            .and_then(reqwest::Response::error_for_status)
            .map_err(|_| TokenError::KeysUnavailable)?;
        let set: JwkSet = response
            .json()
            .await
            .map_err(|_| TokenError::KeysUnavailable)?;
        let keys: HashMap<String, DecodingKey> = set
            .keys
            .iter()
            .filter(|jwk| is_es256_key(jwk))
            .filter_map(|jwk| {
                let kid = jwk.common.key_id.clone()?;
                Some((kid, DecodingKey::from_jwk(jwk).ok()?))
            })
            .collect();
        let count = keys.len();
        let mut cache = self.cache.write().await;
        cache.keys = keys;
        cache.fetched_at = Some(Instant::now());
        Ok(count)
    }

    async fn key_for(&self, kid: &str) -> Result<DecodingKey, TokenError> {
        if let Some(key) = self.cache.read().await.keys.get(kid) {
            return Ok(key.clone());
        }
        let _single_flight = self.fetching.lock().await;
        {
            let cache = self.cache.read().await;
            if let Some(key) = cache.keys.get(kid) {
                return Ok(key.clone());
            }
            if cache.attempted_within(self.refetch_interval) {
                // The last attempt is recent: a success means the kid is unknown; a failure
                // means the keys cannot be had right now (and auth-service is not hammered).
                let succeeded =
                    cache.fetched_at.is_some() && cache.fetched_at >= cache.attempted_at;
                return Err(if succeeded {
                    TokenError::UnknownKid
                } else {
                    TokenError::KeysUnavailable
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
            .ok_or(TokenError::UnknownKid)
    }

    /// Verifies `token` and returns its claims.
    pub async fn verify(&self, token: &str) -> Result<InternalClaims, TokenError> {
        let kid = es256_kid(token)?;
        let key = self.key_for(&kid).await?;
        validate(token, &key, &self.issuer, &self.audience)
    }
}

/// Checks the shape and header of `token`: ES256 with a `kid`; returns the `kid`.
pub fn es256_kid(token: &str) -> Result<String, TokenError> {
    if token.is_empty() || token.len() > MAX_TOKEN_LEN {
        return Err(TokenError::Malformed);
    }
    let header = jsonwebtoken::decode_header(token).map_err(|_| TokenError::Malformed)?;
    if header.alg != Algorithm::ES256 {
        return Err(TokenError::WrongAlgorithm);
    }
    header.kid.ok_or(TokenError::MissingKid)
}

/// Verifies `token` against `key` (ES256 only) and the `iss`, `aud`, `exp`, `nbf` rules.
pub fn validate(
    token: &str,
    key: &DecodingKey,
    issuer: &str,
    audience: &str,
) -> Result<InternalClaims, TokenError> {
    let mut validation = Validation::new(Algorithm::ES256);
    validation.leeway = LEEWAY_SECS;
    validation.validate_nbf = true;
    validation.set_issuer(&[issuer]);
    validation.set_audience(&[audience]);
    validation.set_required_spec_claims(&["exp", "nbf", "iss", "aud", "sub"]);
    jsonwebtoken::decode::<InternalClaims>(token, key, &validation)
        .map(|data| data.claims)
        .map_err(|e| {
            use jsonwebtoken::errors::ErrorKind;
            match e.kind() {
                ErrorKind::ExpiredSignature => TokenError::Expired,
                ErrorKind::ImmatureSignature => TokenError::NotYetValid,
                ErrorKind::InvalidIssuer => TokenError::WrongIssuer,
                ErrorKind::InvalidAudience => TokenError::WrongAudience,
                ErrorKind::InvalidSignature | ErrorKind::InvalidEcdsaKey => {
                    TokenError::BadSignature
                }
                ErrorKind::InvalidAlgorithm => TokenError::WrongAlgorithm,
                ErrorKind::MissingRequiredClaim(_) | ErrorKind::Json(_) => {
                    TokenError::InvalidClaims
                }
                _ => TokenError::Malformed,
            }
        })
}

fn is_es256_key(jwk: &Jwk) -> bool {
    matches!(
        &jwk.algorithm,
        AlgorithmParameters::EllipticCurve(p) if p.curve == EllipticCurve::P256
    ) && matches!(jwk.common.key_algorithm, None | Some(KeyAlgorithm::ES256))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pem_round_trip_keeps_the_kid_and_debug_hides_the_key() {
        let key = Es256KeyPair::generate().unwrap();
        let pem = key.to_pkcs8_pem();
        let again = Es256KeyPair::from_pkcs8_pem(pem.expose_secret()).unwrap();
        assert_eq!(key.kid(), again.kid());
        assert_eq!(key.kid().len(), 43);
        assert!(!format!("{key:?}").contains("PRIVATE"));
        assert!(Es256KeyPair::from_pkcs8_pem("not a key").is_err());
    }

    #[test]
    fn rfc7638_thumbprint_matches_the_rfc_example_shape() {
        // Same key -> same kid; different keys -> different kids.
        let a = Es256KeyPair::generate().unwrap();
        let b = Es256KeyPair::generate().unwrap();
        assert_ne!(a.kid(), b.kid());
        let AlgorithmParameters::EllipticCurve(p) = &a.public_jwk().algorithm else {
            panic!("not EC")
        };
        assert_eq!(ec_thumbprint(&p.x, &p.y), a.kid());
    }

    /// A JWKS endpoint that always fails, counting its requests.
    fn failing_jwks() -> (String, std::sync::Arc<std::sync::atomic::AtomicUsize>) {
        use std::sync::{Arc, atomic::AtomicUsize, atomic::Ordering};
        let fetches = Arc::new(AtomicUsize::new(0));
        let counter = fetches.clone();
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let server = actix_web::HttpServer::new(move || {
            let counter = counter.clone();
            actix_web::App::new().default_service(actix_web::web::to(move || {
                counter.fetch_add(1, Ordering::SeqCst);
                async { actix_web::HttpResponse::ServiceUnavailable().finish() }
            }))
        })
        .workers(1)
        .listen(listener)
        .unwrap()
        .run();
        actix_rt::spawn(server);
        (format!("http://127.0.0.1:{port}/jwks"), fetches)
    }

    #[actix_rt::test]
    async fn a_failing_jwks_is_tried_once_per_interval_by_tokens_and_readiness_alike() {
        let (url, fetches) = failing_jwks();
        let verifier = JwtVerifier::new(reqwest::Client::new(), &url, "iss", "aud")
            .with_refetch_interval(Duration::from_secs(3600));
        let key = Es256KeyPair::generate().unwrap();
        let claims = InternalClaims::new("iss", "sub", "e@x", Duration::from_secs(300));
        let token = key.sign(&claims).unwrap();
        for _ in 0..20 {
            assert_eq!(
                verifier.verify(&token).await,
                Err(TokenError::KeysUnavailable)
            );
            assert_eq!(
                verifier.readiness(Duration::from_secs(300)).await,
                Err(JwksNotReady::NeverFetched)
            );
        }
        assert_eq!(
            fetches.load(std::sync::atomic::Ordering::SeqCst),
            1,
            "the failing JWKS was fetched more than once per interval"
        );
    }

    #[test]
    fn claims_have_lifetime_and_unique_jti() {
        let a = InternalClaims::new("iss", "sub", "e@x", Duration::from_secs(300));
        let b = InternalClaims::new("iss", "sub", "e@x", Duration::from_secs(300));
        assert_eq!(a.exp - a.iat, 300);
        assert_eq!(a.aud, GMAIL_SERVICE_AUDIENCE);
        assert_ne!(a.jti, b.jti);
    }
}
