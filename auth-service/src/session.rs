//! Browser sessions: looking one up, starting one (a new id on every login, so no fixation), and
//! ending one (logout: the session, the Google grant, the stored tokens and every internal JWT
//! of the account).

use crate::{
    domain::{AccountId, Session, SessionId},
    internal_jwt,
    keys::KeysError,
    state::AppState,
    store::StoreError,
};

/// Why a session operation failed.
#[derive(Debug, thiserror::Error)]
pub enum SessionError {
    #[error("storage unavailable: {0}")]
    Store(#[from] StoreError),
    #[error("keys unavailable: {0}")]
    Keys(#[from] KeysError),
}

/// The live session of `id`, if any.
pub async fn current(
    state: &AppState,
    id: Option<&SessionId>,
) -> Result<Option<Session>, StoreError> {
    match id {
        Some(id) => state.store.session(&id.hash()).await,
        None => Ok(None),
    }
}

/// Starts a new session for `account`, ending the browser's old one (`replaces`).
pub async fn start(
    state: &AppState,
    replaces: Option<&SessionId>,
    account: AccountId,
    email: String,
    now: i64,
) -> Result<SessionId, StoreError> {
    if let Some(old) = replaces {
        state.store.delete_session(&old.hash()).await?;
    }
    let id = SessionId::generate();
    let session = Session {
        account,
        email,
        created_at: now,
    };
    state
        .store
        .put_session(&id.hash(), &session, state.settings.session_ttl)
        .await?;
    Ok(id)
}

/// Logout: deletes the session of `id` (if live), revokes the Google grant (a failure is
/// logged; the local tokens go anyway), deletes the stored tokens and revokes every internal
/// JWT the account was given.
pub async fn end(state: &AppState, id: Option<&SessionId>) -> Result<(), SessionError> {
    let Some(id) = id else {
        return Ok(());
    };
    let Some(session) = state.store.session(&id.hash()).await? else {
        return Ok(());
    };
    state.store.delete_session(&id.hash()).await?;
    let keys = state.keys.get().await?;
    match state.store.tokens(&session.account, &keys.cipher).await {
        Ok(Some(tokens)) => {
            let token = tokens
                .refresh_token
                .as_deref()
                .unwrap_or(&tokens.access_token);
            if let Err(e) = state.google.revoke(token).await {
                tracing::warn!(error = %e, "revoking the Google grant failed; the local tokens are deleted anyway");
            }
        }
        Ok(None) | Err(StoreError::Cipher(_)) => {}
        Err(e) => return Err(e.into()),
    }
    state.store.delete_tokens(&session.account).await?;
    // Tokens minted before the logout (API tokens included) must not come back to life when the
    // account logs in again.
    internal_jwt::revoke_all(state, &session.account).await?;
    Ok(())
}
