//! Internal JWTs: what auth-service mints and gmail-service accepts.
//!
//! - [`InternalClaims`]: the claims of the contract (`iss`, `aud`, `sub`, `email`, `iat`, `nbf`,
//!   `exp`, `jti`), defined in `contract::jwt` and re-exported here.
//! - [`Es256KeyPair`]: a P-256 signing key (PKCS#8, as DER or as a PEM `PRIVATE KEY` block read
//!   with the `pem` crate), its RFC 7638 thumbprint as `kid`, and its public JWK.
//! - [`JwtVerifier`]: accepts only ES256 tokens whose `kid` is in the issuer's JWKS, checks
//!   `iss`, `aud`, `exp` and `nbf`, and refetches the JWKS on an unknown `kid` at most once per
//!   refetch interval (so a flood of forged `kid`s cannot turn into a flood of JWKS requests).
//!   Readiness asks [`JwtVerifier::readiness`], which answers from the cached key set's age and
//!   fetches only when that is too old, within the same once-per-interval limit, and never waits
//!   behind a fetch already in flight.

use std::time::Duration;

use crate::jwks::{KeySet, KeySetError, Lifetime};
use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use jsonwebtoken::{
    Algorithm, DecodingKey, EncodingKey, Header, Validation,
    jwk::{
        AlgorithmParameters, CommonParameters, EllipticCurve, EllipticCurveKeyParameters,
        EllipticCurveKeyType, Jwk, KeyAlgorithm, PublicKeyUse,
    },
};
use ring::{
    rand::SystemRandom,
    signature::{ECDSA_P256_SHA256_FIXED_SIGNING, EcdsaKeyPair, KeyPair},
};
use secrecy::{ExposeSecret, SecretBox, SecretString};

pub use contract::jwt::{GMAIL_SERVICE_AUDIENCE, InternalClaims, unix_now};

/// Longest token the verifier looks at; anything longer is malformed.
const MAX_TOKEN_LEN: usize = 8 * 1024;

/// Seconds of clock skew tolerated on `exp` and `nbf`.
const LEEWAY_SECS: u64 = 5;

/// Why a signing key could not be made or used.
#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    #[error("the key is not a PKCS#8 P-256 private key: {0}")]
    NotP256Pkcs8(&'static str),
    #[error("the PEM text holds no PKCS#8 private key: {0}")]
    BadPem(String),
    #[error("the system random generator failed")]
    Random,
    #[error("signing failed: {0}")]
    Signing(#[from] jsonwebtoken::errors::Error),
}

/// The PEM label of a PKCS#8 private key (RFC 7468).
const PKCS8_LABEL: &str = "PRIVATE KEY";

/// What to tell a person whose PEM block has another label.
fn wrong_label(label: &str) -> String {
    match label {
        "EC PRIVATE KEY" => "it is an `EC PRIVATE KEY` (SEC1); convert it to PKCS#8 with \
                             `openssl pkcs8 -topk8 -nocrypt`"
            .into(),
        "RSA PRIVATE KEY" => "it is an RSA key; ES256 needs an EC P-256 key".into(),
        "ENCRYPTED PRIVATE KEY" => "the key is encrypted; give it unencrypted \
                                    (`openssl pkcs8 -topk8 -nocrypt`)"
            .into(),
        other => format!("expected a `{PKCS8_LABEL}` block, found `{other}`"),
    }
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
                .map_err(|rejected| {
                KeyError::NotP256Pkcs8(match rejected.to_string().as_str() {
                    // Another algorithm (RSA, Ed25519) or another curve (P-384).
                    "WrongAlgorithm" => "it is not an EC P-256 key; ES256 needs P-256",
                    "InvalidEncoding" => "the DER is malformed",
                    "VersionNotSupported" => "its PKCS#8 version is not supported",
                    "InconsistentComponents" | "InvalidComponent" => {
                        "its public and private parts do not match"
                    }
                    "PublicKeyIsMissing" => "it carries no public key",
                    _ => "the key is rejected",
                })
            })?;
        // Uncompressed SEC1 point: 0x04 || x (32 bytes) || y (32 bytes).
        let point = pair.public_key().as_ref();
        if point.len() != 65 || point[0] != 4 {
            return Err(KeyError::NotP256Pkcs8(
                "its public key is not a P-256 point",
            ));
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

    /// A key from a PEM `PRIVATE KEY` (PKCS#8) block, read with the `pem` crate (RFC 7468);
    /// other blocks around it (a certificate, say) are skipped.
    pub fn from_pkcs8_pem(text: &str) -> Result<Self, KeyError> {
        let blocks = pem::parse_many(text).map_err(|e| KeyError::BadPem(e.to_string()))?;
        let Some(block) = blocks.iter().find(|b| b.tag() == PKCS8_LABEL) else {
            return Err(KeyError::BadPem(match blocks.first() {
                Some(other) => wrong_label(other.tag()),
                None => format!("no `-----BEGIN {PKCS8_LABEL}-----` block"),
            }));
        };
        if block.contents().is_empty() {
            return Err(KeyError::BadPem("the block is empty".into()));
        }
        Self::from_pkcs8_der(block.contents())
    }

    /// The key as a PEM `PRIVATE KEY` block (to share a generated key through a secret store).
    pub fn to_pkcs8_pem(&self) -> SecretString {
        let block = pem::Pem::new(PKCS8_LABEL, self.pkcs8.expose_secret().as_slice());
        SecretString::from(pem::encode_config(
            &block,
            pem::EncodeConfig::new().set_line_ending(pem::LineEnding::LF),
        ))
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

impl From<KeySetError> for TokenError {
    fn from(e: KeySetError) -> Self {
        match e {
            KeySetError::UnknownKey => Self::UnknownKid,
            KeySetError::Unavailable => Self::KeysUnavailable,
        }
    }
}

/// Why [`JwtVerifier::readiness`] says not ready.
pub use crate::jwks::NotReady as JwksNotReady;

/// Verifies internal JWTs against the issuer's JWKS (a [`KeySet`] of its ES256 keys, trusted
/// until replaced: auth-service publishes a key before it signs with it).
pub struct JwtVerifier {
    keys: KeySet,
    issuer: String,
    audience: String,
}

impl JwtVerifier {
    /// A verifier fetching keys from `jwks_url` (through `http`, which should have a timeout).
    pub fn new(http: reqwest::Client, jwks_url: &str, issuer: &str, audience: &str) -> Self {
        Self {
            keys: KeySet::new(http, jwks_url, is_es256_key, Lifetime::UntilReplaced),
            issuer: issuer.to_owned(),
            audience: audience.to_owned(),
        }
    }

    /// Changes how often the JWKS may be fetched for an unknown `kid` or for readiness
    /// (default 5 s).
    pub fn with_refetch_interval(mut self, interval: Duration) -> Self {
        self.keys = self.keys.with_refetch_interval(interval);
        self
    }

    /// Fetches the JWKS now, waiting for a fetch in flight first (tests, tools). Readiness
    /// checks use [`JwtVerifier::readiness`] instead.
    pub async fn refresh(&self) -> Result<usize, TokenError> {
        self.keys.refresh().await.map_err(TokenError::from)
    }

    /// Readiness from the cached key set (see [`KeySet::readiness`]): never a fetch per call,
    /// never a wait behind a fetch in flight.
    pub async fn readiness(&self, max_age: Duration) -> Result<Duration, JwksNotReady> {
        self.keys.readiness(max_age).await
    }

    /// Number of keys currently cached.
    pub async fn cached_keys(&self) -> usize {
        self.keys.cached_keys().await
    }

    /// Verifies `token` and returns its claims.
    pub async fn verify(&self, token: &str) -> Result<InternalClaims, TokenError> {
        let kid = es256_kid(token)?;
        let key = self.keys.key(&kid).await?;
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

    fn reading(pem: &str) -> String {
        Es256KeyPair::from_pkcs8_pem(pem).unwrap_err().to_string()
    }

    #[test]
    fn a_p256_key_made_by_openssl_is_read() {
        let pem = include_str!("../tests/keys/p256-openssl.pem");
        let key = Es256KeyPair::from_pkcs8_pem(pem).unwrap();
        // The same key, with a certificate-like block before it and CRLF line endings.
        let framed = format!(
            "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n{}",
            pem.replace('\n', "\r\n")
        );
        assert_eq!(
            Es256KeyPair::from_pkcs8_pem(&framed).unwrap().kid(),
            key.kid()
        );
        let token = key
            .sign(&InternalClaims::new(
                "iss",
                "sub",
                "a@b.c",
                Duration::from_secs(60),
            ))
            .unwrap();
        assert_eq!(es256_kid(&token).unwrap(), key.kid());
    }

    #[test]
    fn another_curve_is_refused_naming_p256() {
        let message = reading(include_str!("../tests/keys/p384.pem"));
        assert!(message.contains("not an EC P-256 key"), "{message}");
        let p384 = EcdsaKeyPair::generate_pkcs8(
            &ring::signature::ECDSA_P384_SHA384_FIXED_SIGNING,
            &SystemRandom::new(),
        )
        .unwrap();
        let message = Es256KeyPair::from_pkcs8_der(p384.as_ref())
            .unwrap_err()
            .to_string();
        assert!(message.contains("P-256"), "{message}");
    }

    #[test]
    fn rsa_keys_are_refused_as_rsa() {
        let message = reading(include_str!("../tests/keys/rsa-2048.pem"));
        assert!(message.contains("not an EC P-256 key"), "{message}");
        let message = reading(include_str!("../tests/keys/rsa-pkcs1.pem"));
        assert!(message.contains("RSA key"), "{message}");
    }

    #[test]
    fn a_sec1_key_is_refused_with_the_conversion_to_pkcs8() {
        let message = reading(include_str!("../tests/keys/p256-sec1.pem"));
        assert!(message.contains("EC PRIVATE KEY"), "{message}");
        assert!(message.contains("openssl pkcs8 -topk8"), "{message}");
    }

    #[test]
    fn garbage_is_refused_clearly() {
        for (garbage, expected) in [
            ("", "no `-----BEGIN PRIVATE KEY-----` block"),
            ("not a key", "no `-----BEGIN PRIVATE KEY-----` block"),
            (
                "-----BEGIN PRIVATE KEY-----\n!!!!\n-----END PRIVATE KEY-----\n",
                "invalid data",
            ),
            (
                "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n",
                "malformed",
            ),
            (
                "-----BEGIN PRIVATE KEY-----\n-----END PRIVATE KEY-----\n",
                "the block is empty",
            ),
            (
                "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PUBLIC KEY-----\n",
                "mismatching BEGIN",
            ),
        ] {
            let message = reading(garbage);
            assert!(message.contains(expected), "{garbage:?}: {message}");
            assert!(message.starts_with("the "), "{message}");
        }
    }

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
