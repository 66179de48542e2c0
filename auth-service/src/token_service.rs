//! The one way to get a valid Google access token for an account.
//!
//! A stored token that is still fresh is returned at once. Otherwise the caller takes the
//! account's Redis lock (single flight across all replicas), reloads the tokens under the lock and
//! skips the refresh if somebody else already did it, and renews the lock while a slow refresh
//! runs. Callers that do not get the lock wait for the new token instead of refreshing too.
//! `invalid_grant` marks the account `reauth_required`; it never loops.
//!
//! A refresh *forced* by a rejected token (the token is not yet expired, but Gmail refused it)
//! happens at most once per account per [`FORCED_REFRESH_COOLDOWN`]: a caller that keeps
//! reporting rejections cannot turn them into a stream of calls to Google.

use std::time::{Duration, Instant};

use secrecy::SecretString;

use crate::{
    domain::{AccountId, GoogleTokens, random_urlsafe, sha256_hex},
    google::GoogleError,
    keys::KeysError,
    state::AppState,
    store::StoreError,
};

/// How long the lock lives without renewal.
const LOCK_TTL: Duration = Duration::from_secs(5);
/// How long a caller waits for somebody else's refresh.
const LOCK_WAIT: Duration = Duration::from_secs(20);
/// How often waiting callers look again.
const POLL: Duration = Duration::from_millis(25);
/// Least time between two forced refreshes of one account.
pub const FORCED_REFRESH_COOLDOWN: Duration = Duration::from_secs(5);

/// A Google access token and when it expires (Unix seconds).
pub struct AccessToken {
    pub token: SecretString,
    pub expires_at: i64,
}

/// Why no access token can be had.
#[derive(Debug, thiserror::Error)]
pub enum AccessError {
    #[error("the account must connect to Google again")]
    ReauthRequired,
    #[error("Google's token endpoint is unavailable")]
    GoogleUnavailable,
    #[error("a forced refresh of this account happened moments ago")]
    RefreshCoolingDown { retry_after: Duration },
    #[error("storage is unavailable: {0}")]
    Store(#[from] StoreError),
    #[error("keys are unavailable: {0}")]
    Keys(#[from] KeysError),
}

fn usable(tokens: &GoogleTokens, rejected_sha256: Option<&str>, now: i64) -> bool {
    !tokens.reauth_required
        && tokens.access_is_fresh(now)
        && rejected_sha256
            .is_none_or(|h| !h.eq_ignore_ascii_case(&sha256_hex(&tokens.access_token)))
}

fn handout(tokens: &GoogleTokens) -> AccessToken {
    AccessToken {
        token: SecretString::from(tokens.access_token.clone()),
        expires_at: tokens.access_expires_at,
    }
}

/// Loads the account's tokens; missing or unreadable ones mean the person must reconnect.
async fn load(state: &AppState, account: &AccountId) -> Result<GoogleTokens, AccessError> {
    let keys = state.keys.get().await?;
    match state.store.tokens(account, &keys.cipher).await {
        Ok(Some(tokens)) => Ok(tokens),
        Ok(None) => {
            tracing::info!("no Google tokens are stored for the account; it must reconnect");
            Err(AccessError::ReauthRequired)
        }
        Err(StoreError::Cipher(e)) => {
            tracing::warn!(error = %e, "stored Google tokens are unreadable; the account must reconnect");
            Err(AccessError::ReauthRequired)
        }
        Err(e) => Err(e.into()),
    }
}

/// A valid access token for `account`. With `rejected_sha256` (the hash of a token Gmail just
/// refused), a token with that hash is not handed out again: it is refreshed.
pub async fn access_token(
    state: &AppState,
    account: &AccountId,
    rejected_sha256: Option<&str>,
) -> Result<AccessToken, AccessError> {
    let tokens = load(state, account).await?;
    if tokens.reauth_required {
        return Err(AccessError::ReauthRequired);
    }
    if usable(&tokens, rejected_sha256, common::jwt::unix_now()) {
        return Ok(handout(&tokens));
    }
    let lock = random_urlsafe(16);
    let deadline = Instant::now() + LOCK_WAIT;
    loop {
        if state.store.try_lock(account, &lock, LOCK_TTL).await? {
            let outcome = refresh_locked(state, account, rejected_sha256, &lock).await;
            if let Err(e) = state.store.release_lock(account, &lock).await {
                tracing::warn!(error = %e, "could not release the refresh lock; it expires by itself");
            }
            return outcome;
        }
        tokio::time::sleep(POLL).await;
        let tokens = load(state, account).await?;
        if tokens.reauth_required {
            return Err(AccessError::ReauthRequired);
        }
        if usable(&tokens, rejected_sha256, common::jwt::unix_now()) {
            return Ok(handout(&tokens));
        }
        if Instant::now() > deadline {
            return Err(AccessError::GoogleUnavailable);
        }
    }
}

async fn refresh_locked(
    state: &AppState,
    account: &AccountId,
    rejected_sha256: Option<&str>,
    lock: &str,
) -> Result<AccessToken, AccessError> {
    // Somebody may have refreshed between our check and our lock.
    let mut tokens = load(state, account).await?;
    if tokens.reauth_required {
        return Err(AccessError::ReauthRequired);
    }
    if usable(&tokens, rejected_sha256, common::jwt::unix_now()) {
        return Ok(handout(&tokens));
    }
    // Still fresh, so only the caller's rejection asks for this refresh.
    let forced = tokens.access_is_fresh(common::jwt::unix_now());
    if forced && let Some(wait) = state.store.forced_refresh_wait(account).await? {
        return Err(AccessError::RefreshCoolingDown { retry_after: wait });
    }
    let keys = state.keys.get().await?;
    let Some(refresh_token) = tokens.refresh_token.clone() else {
        tracing::warn!(
            "the stored Google tokens have no refresh token; the account must reconnect"
        );
        tokens.reauth_required = true;
        state
            .store
            .put_tokens(account, &tokens, &keys.cipher, None)
            .await?;
        return Err(AccessError::ReauthRequired);
    };
    let renewer = {
        let store = state.store.clone();
        let account = account.clone();
        let lock = lock.to_owned();
        tokio::spawn(async move {
            loop {
                tokio::time::sleep(LOCK_TTL / 3).await;
                if !matches!(store.renew_lock(&account, &lock, LOCK_TTL).await, Ok(true)) {
                    break;
                }
            }
        })
    };
    let outcome = state.google.refresh(&refresh_token).await;
    renewer.abort();
    match outcome {
        Ok(response) => {
            use secrecy::ExposeSecret;
            let now = common::jwt::unix_now();
            tokens.access_token = response.access_token.expose_secret().to_owned();
            tokens.access_expires_at = now + response.expires_in;
            tokens.access_lifetime_secs = response.expires_in;
            if let Some(rotated) = response.refresh_token {
                tokens.refresh_token = Some(rotated.expose_secret().to_owned());
            }
            if !response.scope.is_empty() {
                tokens.scope = response.scope;
            }
            state
                .store
                .put_tokens(account, &tokens, &keys.cipher, None)
                .await?;
            if forced {
                state
                    .store
                    .mark_forced_refresh(account, FORCED_REFRESH_COOLDOWN)
                    .await?;
            }
            state.metrics.refreshes.with_label_values(&["ok"]).inc();
            Ok(handout(&tokens))
        }
        Err(GoogleError::InvalidGrant) => {
            tracing::warn!(
                "Google refused the refresh token (invalid_grant); the account must reconnect"
            );
            state
                .metrics
                .refreshes
                .with_label_values(&["invalid_grant"])
                .inc();
            tokens.reauth_required = true;
            state
                .store
                .put_tokens(account, &tokens, &keys.cipher, None)
                .await?;
            Err(AccessError::ReauthRequired)
        }
        Err(e) => {
            state
                .metrics
                .refreshes
                .with_label_values(&["unavailable"])
                .inc();
            tracing::warn!(error = %e, "refreshing a Google token failed");
            Err(AccessError::GoogleUnavailable)
        }
    }
}
