//! Google's signing keys: the JWKS at `https://www.googleapis.com/oauth2/v3/certs` (auth-service's
//! `GOOGLE_JWKS_URL` for id_tokens, gmail-service's `GMAIL_PUSH_JWKS_URL` for the OIDC tokens of
//! Pub/Sub push requests), a [`crate::jwks::KeySet`]
//! that keeps only RS256 signing keys and trusts a fetched set for as long as the response's
//! `Cache-Control: max-age` says (clamped to [`MIN_LIFETIME`]..[`MAX_LIFETIME`];
//! [`DEFAULT_LIFETIME`] without one). An unknown `kid` (Google rotates its keys) refetches the
//! set at most once per refetch interval, single-flight; keys past their lifetime are not used:
//! if they cannot be refetched the answer is [`JwksError::Unavailable`], which the callback
//! reports as `google_unavailable` (and gmail-service's push endpoint as 503).
//!
//! Only RSA keys for signatures (`use` absent or `sig`, `alg` absent or `RS256`, at least 2048
//! bits, with a `kid`) are kept; anything else in the set is skipped.

use std::time::Duration;

pub use crate::jwks::{DEFAULT_REFETCH_INTERVAL, KeySetError as JwksError};
use crate::jwks::{KeySet, Lifetime};
use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use jsonwebtoken::{
    DecodingKey,
    jwk::{AlgorithmParameters, Jwk, KeyAlgorithm, PublicKeyUse},
};

/// How long a key set is kept when the response has no `max-age`.
pub const DEFAULT_LIFETIME: Duration = Duration::from_secs(3600);
/// The shortest a key set is kept, whatever the response says (`max-age=0`, `no-store`).
pub const MIN_LIFETIME: Duration = Duration::from_secs(60);
/// The longest a key set is kept, whatever the response says.
pub const MAX_LIFETIME: Duration = Duration::from_secs(24 * 3600);
/// Smallest RSA modulus accepted, in bytes (2048 bits).
const MIN_MODULUS_BYTES: usize = 256;

/// The cached JWKS of the id_token issuer.
pub struct GoogleKeys(KeySet);

impl GoogleKeys {
    /// Keys fetched from `url` through `http` (which should have a timeout and no redirects).
    pub fn new(http: reqwest::Client, url: &str) -> Self {
        Self(KeySet::new(
            http,
            url,
            is_rs256_signing_key,
            Lifetime::CacheControl {
                default: DEFAULT_LIFETIME,
                min: MIN_LIFETIME,
                max: MAX_LIFETIME,
            },
        ))
    }

    /// Changes the minimum time between fetches caused by unknown `kid`s or failures.
    pub fn with_refetch_interval(self, interval: Duration) -> Self {
        Self(self.0.with_refetch_interval(interval))
    }

    /// The key for `kid`, fetching the set when it is missing, stale, or lacks `kid` (rate-limited).
    pub async fn key(&self, kid: &str) -> Result<DecodingKey, JwksError> {
        self.0.key(kid).await
    }

    /// Puts `document` in the cache as if just fetched (unit tests of the token checks).
    #[doc(hidden)]
    pub async fn seed(&self, document: &[u8]) {
        self.0.seed(document).await;
    }
}

/// Whether `jwk` is a key these sets keep: RSA, for signatures, RS256, 2048 bits or more.
pub fn is_rs256_signing_key(jwk: &Jwk) -> bool {
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
