//! Browser sessions: looking one up, starting one (a new id on every login, so no fixation),
//! attaching another Google account to one (again under a new id), detaching one account, and
//! ending one (logout).
//!
//! A session holds one or more accounts ([`Session`]). Each account keeps the set of sessions
//! that hold it (`account:{<sub>}:sessions`): when a session lets go of an account (removal,
//! logout), the Google grant is revoked, the stored tokens deleted and the account's internal
//! JWTs revoked only if no other live session still holds it. Two browsers logged in with the
//! same account do not log each other out.

use std::time::Duration;

use crate::{
    domain::{AccountId, Session, SessionAccount, SessionId},
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

/// What removing one account did.
#[derive(Debug, PartialEq, Eq)]
pub enum Removed {
    /// The account is gone from the session; others remain.
    Detached,
    /// It was the session's last account: the session ended.
    Ended,
    /// The session holds no account with that address (or there is no session).
    NotAttached,
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

fn now_ms() -> i64 {
    common::jwt::unix_now().saturating_mul(1000)
}

fn ms(d: Duration) -> i64 {
    i64::try_from(d.as_millis()).unwrap_or(i64::MAX)
}

/// Stores `session` under a fresh id for `ttl`, and records it among the holders of each of
/// its accounts.
async fn store_new(
    state: &AppState,
    session: &Session,
    ttl: Duration,
) -> Result<SessionId, StoreError> {
    let id = SessionId::generate();
    let hash = id.hash();
    state.store.put_session(&hash, session, ttl).await?;
    let until = now_ms().saturating_add(ms(ttl));
    for held in &session.accounts {
        state
            .store
            .hold_account(&held.account, &hash, until, state.settings.session_ttl)
            .await?;
    }
    Ok(id)
}

/// Deletes the session of `hash` and takes it off its accounts' holders, without revoking
/// anything (the session is replaced, not logged out).
async fn forget(state: &AppState, hash: &str, session: &Session) -> Result<(), StoreError> {
    state.store.delete_session(hash).await?;
    for held in &session.accounts {
        state
            .store
            .let_go_account(&held.account, hash, now_ms())
            .await?;
    }
    Ok(())
}

/// Starts a new session for `account`, ending the browser's old one (`replaces`).
pub async fn start(
    state: &AppState,
    replaces: Option<&SessionId>,
    account: AccountId,
    email: String,
    now: i64,
) -> Result<SessionId, StoreError> {
    if let Some(old) = replaces
        && let Some(session) = state.store.session(&old.hash()).await?
    {
        forget(state, &old.hash(), &session).await?;
    }
    store_new(
        state,
        &Session::of(account, email, now),
        state.settings.session_ttl,
    )
    .await
}

/// Why an account could not be attached.
#[derive(Debug, thiserror::Error)]
pub enum AttachError {
    #[error("the session is gone")]
    SessionGone,
    #[error("the session holds MAX_ACCOUNTS_PER_SESSION accounts")]
    Full,
    #[error("storage unavailable: {0}")]
    Store(#[from] StoreError),
}

/// Whether `session` has room for `account` (an account already attached always has).
pub fn has_room(state: &AppState, session: &Session, account: Option<&AccountId>) -> bool {
    account.is_some_and(|a| session.by_account(a).is_some())
        || session.accounts.len() < state.settings.max_accounts_per_session
}

/// Attaches `account` to the session of `id` (an account already attached only has its address
/// refreshed): the session moves to a new id, keeping the time it had left.
pub async fn attach(
    state: &AppState,
    id: &SessionId,
    account: AccountId,
    email: String,
    now: i64,
) -> Result<SessionId, AttachError> {
    let hash = id.hash();
    let (Some(mut session), Some(left)) = (
        state.store.session(&hash).await?,
        state.store.session_ttl_left(&hash).await?,
    ) else {
        return Err(AttachError::SessionGone);
    };
    if !has_room(state, &session, Some(&account)) {
        return Err(AttachError::Full);
    }
    match session.accounts.iter_mut().find(|a| a.account == account) {
        Some(held) => held.email = email,
        None => session.accounts.push(SessionAccount {
            account,
            email,
            attached_at: now,
        }),
    }
    let new_id = store_new(state, &session, left).await?;
    forget(state, &hash, &session).await?;
    Ok(new_id)
}

/// The session of `hash` lets go of `account`; when no other live session holds it, the
/// Google grant is revoked (a failure is logged; the local tokens go anyway), the stored tokens
/// are deleted and every internal JWT the account was given is revoked.
async fn let_go(state: &AppState, hash: &str, account: &AccountId) -> Result<(), SessionError> {
    let still_held = state.store.let_go_account(account, hash, now_ms()).await?;
    if still_held > 0 {
        tracing::info!(
            sessions = still_held,
            "the account is still held by other sessions; its grant stays"
        );
        return Ok(());
    }
    let keys = state.keys.get().await?;
    match state.store.tokens(account, &keys.cipher).await {
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
    state.store.delete_tokens(account).await?;
    // Tokens minted before (API tokens included) must not come back to life when the account
    // logs in again.
    internal_jwt::revoke_all(state, account).await?;
    Ok(())
}

/// Detaches the account with address `email` from the session of `id`, letting go of it; the
/// last account's removal ends the session.
pub async fn remove(
    state: &AppState,
    id: Option<&SessionId>,
    email: &str,
) -> Result<Removed, SessionError> {
    let Some(id) = id else {
        return Ok(Removed::NotAttached);
    };
    let hash = id.hash();
    let Some(mut session) = state.store.session(&hash).await? else {
        return Ok(Removed::NotAttached);
    };
    let Some(held) = session.by_email(email).cloned() else {
        return Ok(Removed::NotAttached);
    };
    session.accounts.retain(|a| a.account != held.account);
    if session.accounts.is_empty() {
        state.store.delete_session(&hash).await?;
        let_go(state, &hash, &held.account).await?;
        return Ok(Removed::Ended);
    }
    let left = state
        .store
        .session_ttl_left(&hash)
        .await?
        .unwrap_or(Duration::from_secs(1));
    state.store.put_session(&hash, &session, left).await?;
    let_go(state, &hash, &held.account).await?;
    Ok(Removed::Detached)
}

/// Logout: deletes the session of `id` (if live) and lets go of every account in it.
pub async fn end(state: &AppState, id: Option<&SessionId>) -> Result<(), SessionError> {
    let Some(id) = id else {
        return Ok(());
    };
    let hash = id.hash();
    let Some(session) = state.store.session(&hash).await? else {
        return Ok(());
    };
    state.store.delete_session(&hash).await?;
    for held in &session.accounts {
        let_go(state, &hash, &held.account).await?;
    }
    Ok(())
}
