//! gmail-service's own credential towards auth-service: sent as `X-Service-Credential` on every
//! call to the internal routes (docs/internal-api.md), besides the person's JWT, so that a
//! person's token alone never buys a Google access token.
//!
//! It comes from `GMAIL_SERVICE_CREDENTIAL` (or `_FILE`). In demo mode with nothing configured
//! it is generated once and shared with auth-service through Redis
//! (`RedisStore::shared_demo_secret`, name `gmail-service-credential`), loaded on first use so
//! the service starts while Redis is still down, and kept in memory afterwards.

use common::{SecretString, redis_store::RedisStore};
use tokio::sync::OnceCell;

use crate::{configuration::ServiceCredential, redis_keys::SERVICE_CREDENTIAL_NAME};

/// The header that carries the credential.
pub use contract::paths::SERVICE_CREDENTIAL_HEADER;

/// The credential, configured or lazily loaded from Redis. `Debug` never shows it.
pub struct ServiceCredentialSource {
    configured: Option<SecretString>,
    redis: RedisStore,
    loaded: OnceCell<SecretString>,
}

impl std::fmt::Debug for ServiceCredentialSource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ServiceCredentialSource")
            .field("configured", &self.configured.is_some())
            .finish_non_exhaustive()
    }
}

impl ServiceCredentialSource {
    pub fn new(credential: &ServiceCredential, redis: RedisStore) -> Self {
        Self {
            configured: match credential {
                ServiceCredential::Configured(secret) => Some(secret.clone()),
                ServiceCredential::SharedDemo => None,
            },
            redis,
            loaded: OnceCell::new(),
        }
    }

    /// The credential; in demo mode the first call reads (or creates) the shared one in Redis.
    pub async fn get(&self) -> Result<&SecretString, redis::RedisError> {
        if let Some(secret) = &self.configured {
            return Ok(secret);
        }
        self.loaded
            .get_or_try_init(|| self.redis.shared_demo_secret(SERVICE_CREDENTIAL_NAME))
            .await
    }
}
