//! Google access tokens for the account of a request, obtained from auth-service's
//! `POST /internal/google-access-token` (docs/internal-api.md, on auth-service's internal
//! listener `AUTH_SERVICE_INTERNAL_URL`) with the caller's own JWT, so gmail-service can only
//! ever get the token of the account the JWT names, and with gmail-service's own credential
//! (`X-Service-Credential`), so the person's JWT alone buys nothing there. The call goes
//! through the typed `clients::AuthClient`; its answer is `contract::auth`'s. The account is a
//! verified [`Account`] (its `sub` and its JWT), whatever edge produced it.
//!
//! [`TokenSource`] keeps each account's token in memory (never in Redis, never logged) until a
//! minute before it expires. After a 401 from Gmail the caller asks again with the rejected
//! token: one request per account goes to auth-service with its SHA-256 (auth-service
//! refreshes unless somebody already did); concurrent callers that saw the same rejection
//! wait for that one and take its result.

use std::{
    collections::HashMap,
    hash::{DefaultHasher, Hash, Hasher},
    sync::{Arc, Mutex},
    time::{Duration, Instant},
};

use clients::{AuthClient, ClientError};
use common::{ExposeSecret, SecretString, jwt::unix_now};
use contract::{auth::GoogleAccessTokenRequest, problem::ProblemCode};
use sha2::{Digest, Sha256};

use crate::{
    account::Account, metrics::ServiceMetrics, service_credential::ServiceCredentialSource,
};

/// A Google access token. `Debug` never shows it.
pub struct GoogleAccessToken(SecretString);

impl std::fmt::Debug for GoogleAccessToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("GoogleAccessToken([REDACTED])")
    }
}

impl GoogleAccessToken {
    pub fn new(token: impl Into<String>) -> Self {
        Self(SecretString::from(token.into()))
    }

    /// The token, to put in an `Authorization` header.
    pub fn expose(&self) -> &str {
        self.0.expose_secret()
    }

    /// Lowercase hex SHA-256, as auth-service's `rejected_access_token_sha256` wants it.
    pub fn sha256_hex(&self) -> String {
        Sha256::digest(self.expose().as_bytes())
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect()
    }

    fn same_as(&self, other: &GoogleAccessToken) -> bool {
        self.expose() == other.expose()
    }
}

/// Why no token could be had.
#[derive(Debug, thiserror::Error)]
pub enum TokenSourceError {
    #[error("auth-service refused the caller's JWT")]
    InvalidToken,
    #[error("the account has no usable Google grant")]
    ReauthRequired,
    #[error("Google's token endpoint is unavailable; retry after {retry_after:?}")]
    UpstreamUnavailable { retry_after: Duration },
    #[error("auth-service is unavailable: {reason}")]
    AuthServiceUnavailable {
        reason: String,
        retry_after: Duration,
    },
}

struct CachedToken {
    token: Arc<GoogleAccessToken>,
    usable_until: Instant,
}

/// Tokens are not used in their last minute.
const EXPIRY_MARGIN_SECS: i64 = 60;
/// Refresh single-flight is per account, through this many locks.
const LOCK_SHARDS: usize = 64;
/// The in-memory cache is pruned beyond this many accounts.
const MAX_CACHED_ACCOUNTS: usize = 50_000;

/// Obtains and caches Google access tokens.
pub struct TokenSource {
    auth: AuthClient,
    credential: ServiceCredentialSource,
    cache: Mutex<HashMap<String, CachedToken>>,
    locks: Vec<tokio::sync::Mutex<()>>,
    metrics: ServiceMetrics,
}

impl TokenSource {
    /// `internal_url` is auth-service's internal base URL; `http` carries its timeout.
    pub fn new(
        http: reqwest::Client,
        internal_url: &str,
        credential: ServiceCredentialSource,
        metrics: ServiceMetrics,
    ) -> Self {
        Self {
            auth: AuthClient::new(http, internal_url),
            credential,
            cache: Mutex::new(HashMap::new()),
            locks: (0..LOCK_SHARDS)
                .map(|_| tokio::sync::Mutex::new(()))
                .collect(),
            metrics,
        }
    }

    fn cached(&self, account: &str) -> Option<Arc<GoogleAccessToken>> {
        let cache = self
            .cache
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        cache
            .get(account)
            .filter(|c| c.usable_until > Instant::now())
            .map(|c| c.token.clone())
    }

    fn store(&self, account: &str, token: Arc<GoogleAccessToken>, expires_at: i64) {
        let remaining = (expires_at - EXPIRY_MARGIN_SECS - unix_now()).max(0);
        let usable_until = Instant::now() + Duration::from_secs(remaining.unsigned_abs());
        let mut cache = self
            .cache
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if cache.len() >= MAX_CACHED_ACCOUNTS {
            let now = Instant::now();
            cache.retain(|_, c| c.usable_until > now);
            if cache.len() >= MAX_CACHED_ACCOUNTS {
                cache.clear();
            }
        }
        cache.insert(
            account.to_owned(),
            CachedToken {
                token,
                usable_until,
            },
        );
    }

    fn forget(&self, account: &str) {
        let mut cache = self
            .cache
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        cache.remove(account);
    }

    fn lock_for(&self, account: &str) -> &tokio::sync::Mutex<()> {
        let mut hasher = DefaultHasher::new();
        account.hash(&mut hasher);
        let index = usize::try_from(hasher.finish() % LOCK_SHARDS as u64).unwrap_or(0);
        &self.locks[index]
    }

    /// A token for `caller`'s account. With `rejected` (a token Gmail just refused), a
    /// different one: refreshed by auth-service unless somebody already did.
    pub async fn token(
        &self,
        caller: &Account,
        rejected: Option<&GoogleAccessToken>,
    ) -> Result<Arc<GoogleAccessToken>, TokenSourceError> {
        let account = caller.sub();
        let usable = |cached: Option<Arc<GoogleAccessToken>>| {
            cached.filter(|t| rejected.is_none_or(|r| !t.same_as(r)))
        };
        if let Some(token) = usable(self.cached(account)) {
            self.metrics
                .token_requests
                .with_label_values(&["cached", "ok"])
                .inc();
            return Ok(token);
        }
        let _single_flight = self.lock_for(account).lock().await;
        if let Some(token) = usable(self.cached(account)) {
            self.metrics
                .token_requests
                .with_label_values(&["cached", "ok"])
                .inc();
            return Ok(token);
        }
        let kind = if rejected.is_some() {
            "refresh"
        } else {
            "fetch"
        };
        let answer = self.fetch(caller, rejected).await;
        let outcome = match &answer {
            Ok(_) => "ok",
            Err(TokenSourceError::InvalidToken) => ProblemCode::InvalidToken.as_str(),
            Err(TokenSourceError::ReauthRequired) => ProblemCode::ReauthRequired.as_str(),
            Err(_) => "unavailable",
        };
        self.metrics
            .token_requests
            .with_label_values(&[kind, outcome])
            .inc();
        if matches!(
            answer,
            Err(TokenSourceError::ReauthRequired | TokenSourceError::InvalidToken)
        ) {
            self.forget(account);
        }
        let (token, expires_at) = answer?;
        let token = Arc::new(token);
        self.store(account, token.clone(), expires_at);
        Ok(token)
    }

    async fn fetch(
        &self,
        caller: &Account,
        rejected: Option<&GoogleAccessToken>,
    ) -> Result<(GoogleAccessToken, i64), TokenSourceError> {
        let request = GoogleAccessTokenRequest {
            rejected_access_token_sha256: rejected.map(GoogleAccessToken::sha256_hex),
        };
        let unavailable = |reason: &str| TokenSourceError::AuthServiceUnavailable {
            reason: reason.to_owned(),
            retry_after: Duration::from_secs(5),
        };
        let credential = self.credential.get().await.map_err(|error| {
            tracing::warn!(%error, "gmail-service's demo credential cannot be loaded from Redis");
            unavailable("the service credential cannot be loaded")
        })?;
        let answer = self
            .auth
            .google_access_token(credential.expose_secret(), caller.bearer(), &request)
            .await;
        match answer {
            Ok(answer) if answer.access_token.is_empty() => Err(unavailable("empty access token")),
            Ok(answer) => Ok((
                GoogleAccessToken::new(answer.access_token),
                answer.expires_at,
            )),
            Err(error) => Err(refusal(&error)),
        }
    }
}

/// What auth-service's refusal means for the request.
fn refusal(error: &ClientError) -> TokenSourceError {
    let retry_after = error
        .retry_after()
        .map_or(Duration::from_secs(5), |s| Duration::from_secs(s.max(1)));
    let unavailable = |reason: String| TokenSourceError::AuthServiceUnavailable {
        reason,
        retry_after,
    };
    match error {
        ClientError::Unreachable { timed_out, .. } => unavailable(
            if *timed_out {
                "timed out"
            } else {
                "cannot connect"
            }
            .to_owned(),
        ),
        ClientError::Malformed { .. } => unavailable("malformed token answer".to_owned()),
        ClientError::Refused { status, code, .. } => match (*status, *code) {
            (401 | 403, Some(ProblemCode::InvalidCredential)) => {
                tracing::error!(
                    "auth-service refuses gmail-service's credential; \
                     GMAIL_SERVICE_CREDENTIAL must match auth-service's"
                );
                unavailable("auth-service refused gmail-service's credential".to_owned())
            }
            (401, Some(ProblemCode::ReauthRequired)) => TokenSourceError::ReauthRequired,
            (401, _) => TokenSourceError::InvalidToken,
            (_, Some(ProblemCode::UpstreamUnavailable)) => {
                TokenSourceError::UpstreamUnavailable { retry_after }
            }
            (status, _) => unavailable(format!("HTTP {status}")),
        },
    }
}
