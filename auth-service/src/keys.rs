//! The service's keys: the ES256 key that signs internal JWTs (plus the previous one during a
//! rotation, published but not used), the token-encryption key ring, and the credential that
//! gmail-service presents on internal calls.
//!
//! Keys come from configuration. In demo mode only, one that is not configured is generated once
//! and shared by every replica (and, for the credential, with gmail-service) through Redis
//! (`SET NX`, then read back the winner), and the log says so. Outside demo mode the settings
//! refuse to start without them (see `configuration`). Loading happens on first use, so the
//! service starts while Redis is still down and becomes ready later.

use std::sync::Arc;

use common::{jwt::Es256KeyPair, redis_store::RedisStore};
use jsonwebtoken::jwk::JwkSet;
use secrecy::{ExposeSecret, SecretString};
use tokio::sync::OnceCell;

use crate::{configuration::Settings, crypto::TokenCipher, domain::sha256_hex, redis_keys};

/// Why the keys cannot be had.
#[derive(Debug, thiserror::Error)]
pub enum KeysError {
    #[error("Redis is unavailable: {0}")]
    Redis(#[from] redis::RedisError),
    #[error("the JWT signing key is unusable: {0}")]
    Signing(#[from] common::jwt::KeyError),
    #[error("the token encryption key is unusable: {0}")]
    Cipher(#[from] crate::crypto::CipherError),
}

/// The loaded keys.
#[derive(Debug)]
pub struct KeyMaterial {
    pub signing: Es256KeyPair,
    pub previous: Option<Es256KeyPair>,
    pub cipher: TokenCipher,
    /// SHA-256 (hex) of gmail-service's credential; the credential itself is not kept.
    gmail_service_credential_sha256: String,
}

impl KeyMaterial {
    /// Whether `presented` is gmail-service's credential. Comparing digests takes the same time
    /// whatever the presented value shares with the real one.
    pub fn is_gmail_service(&self, presented: &str) -> bool {
        sha256_hex(presented) == self.gmail_service_credential_sha256
    }

    /// The JWKS: the active key first, then the previous one.
    pub fn jwks(&self) -> JwkSet {
        JwkSet {
            keys: std::iter::once(&self.signing)
                .chain(self.previous.as_ref())
                .map(|k| k.public_jwk().clone())
                .collect(),
        }
    }
}

/// Lazily loaded [`KeyMaterial`].
pub struct Keys {
    loaded: OnceCell<Arc<KeyMaterial>>,
    settings: Settings,
    redis: RedisStore,
}

impl Keys {
    pub fn new(settings: Settings, redis: RedisStore) -> Self {
        Self {
            loaded: OnceCell::new(),
            settings,
            redis,
        }
    }

    /// The keys, loading them on first use.
    pub async fn get(&self) -> Result<Arc<KeyMaterial>, KeysError> {
        self.loaded
            .get_or_try_init(|| async { self.load().await.map(Arc::new) })
            .await
            .cloned()
    }

    async fn shared(
        &self,
        name: &str,
        generate: impl FnOnce() -> Result<SecretString, KeysError>,
    ) -> Result<SecretString, KeysError> {
        Ok(self.redis.shared_demo_value(name, generate()?).await?)
    }

    async fn load(&self) -> Result<KeyMaterial, KeysError> {
        let signing_pem = match &self.settings.jwt_signing_key {
            Some(pem) => pem.clone(),
            None => {
                self.shared(redis_keys::DEMO_JWT_SIGNING, || {
                    Ok(Es256KeyPair::generate()?.to_pkcs8_pem())
                })
                .await?
            }
        };
        let signing = Es256KeyPair::from_pkcs8_pem(signing_pem.expose_secret())?;
        let previous = match &self.settings.jwt_previous_signing_key {
            Some(pem) => Some(Es256KeyPair::from_pkcs8_pem(pem.expose_secret())?),
            None => None,
        };
        let cipher_spec = match &self.settings.token_encryption_key {
            Some(spec) => spec.clone(),
            None => {
                self.shared(redis_keys::DEMO_TOKEN_ENCRYPTION, || {
                    Ok(TokenCipher::generate_spec())
                })
                .await?
            }
        };
        let cipher = TokenCipher::parse(&cipher_spec)?;
        let credential = match &self.settings.gmail_service_credential {
            Some(credential) => credential.clone(),
            None => {
                self.redis
                    .shared_demo_secret(redis_keys::DEMO_GMAIL_SERVICE_CREDENTIAL)
                    .await?
            }
        };
        tracing::info!(kid = signing.kid(), "keys loaded");
        Ok(KeyMaterial {
            signing,
            previous,
            cipher,
            gmail_service_credential_sha256: sha256_hex(credential.expose_secret()),
        })
    }
}
