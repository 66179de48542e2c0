//! Completing a login (`GET /oauth/callback`), one named step after another:
//!
//! 1. [`parse_callback`]: the parameters we read (`state`, `code`, `error`, `iss`), none repeated.
//! 2. [`take_pending_login`]: the state's pending login, taken once (atomic get-and-delete: a
//!    state is burnt by its first use, whatever follows), and matched to the browser's binding.
//! 3. [`read_google_answer`]: Google's `error`, the `iss` of RFC 9207, the code.
//! 4. [`exchange_code`]: the code and the PKCE verifier for tokens.
//! 5. [`verify_id_token`]: RS256 signature against Google's JWKS, `iss`, `aud`, `exp`, `nonce`,
//!    `email_verified`.
//! 6. [`check_gmail_scope`]: the Gmail read-only scope was granted.
//! 7. [`refresh_token_to_keep`]: Google's new refresh token, else the stored one; with neither
//!    (and consent not yet forced), the login starts again with `prompt=consent`.
//! 8. [`store_tokens`]: the tokens, encrypted, living a session.
//! 9. [`crate::session::start`]: a new session replaces any old one; or, for a login that adds
//!    an account, [`crate::session::attach`] to the session that started it (checked right after
//!    step 2, and the account limit after step 5).
//!
//! Every failure is a [`LoginError`]; none creates a session.

use secrecy::ExposeSecret;

use crate::{
    domain::{AccountId, GoogleTokens, LoginState, PendingLogin, SessionId, sha256_hex},
    google::{self, GoogleError, IdTokenError, Identity, TokenResponse},
    login::{
        error::LoginError,
        start::{self, StartedLogin},
    },
    session::AttachError,
    state::AppState,
    store::StoreError,
};

/// Longest callback query string we look at.
const MAX_QUERY: usize = 4096;
/// Longest authorization code we pass on.
const MAX_CODE: usize = 2048;

/// The parameters we read; anything else Google adds is ignored.
#[derive(Default)]
pub struct CallbackParams {
    state: Option<String>,
    code: Option<String>,
    error: Option<String>,
    iss: Option<String>,
}

/// What the browser brought to the callback.
pub struct Callback<'a> {
    /// The raw query string.
    pub query: &'a str,
    /// The login-binding cookie's value.
    pub binding: Option<String>,
    /// The browser's current session, which a completed login replaces.
    pub old_session: Option<SessionId>,
    /// The client address's rate-limit subject (for a login started again).
    pub client: String,
}

/// A completed callback.
pub enum Completed {
    /// Logged in: the new session, and the local path to return to.
    LoggedIn {
        session: SessionId,
        return_to: String,
    },
    /// Google sent no refresh token and none is stored: the login starts again, asking consent.
    ConsentNeeded(StartedLogin),
}

/// Step 1: the parameters we read; an oversized query or a repeated parameter is malformed.
pub fn parse_callback(raw: &str) -> Result<CallbackParams, LoginError> {
    if raw.len() > MAX_QUERY {
        return Err(LoginError::MalformedCallback);
    }
    let mut params = CallbackParams::default();
    for (key, value) in url::form_urlencoded::parse(raw.as_bytes()) {
        let slot = match key.as_ref() {
            "state" => &mut params.state,
            "code" => &mut params.code,
            "error" => &mut params.error,
            "iss" => &mut params.iss,
            _ => continue,
        };
        if slot.replace(value.into_owned()).is_some() {
            return Err(LoginError::MalformedCallback);
        }
    }
    Ok(params)
}

/// Step 2: the pending login of the callback's state, taken once, if this browser started it.
pub async fn take_pending_login(
    state: &AppState,
    params: &CallbackParams,
    binding: Option<&str>,
) -> Result<PendingLogin, LoginError> {
    let raw_state = params.state.as_deref().ok_or(LoginError::MissingState)?;
    let login_state = LoginState::parse(raw_state).ok_or(LoginError::UnknownState)?;
    // Taken before anything else: a state is burnt by its first use, whatever follows.
    let pending = state
        .store
        .take_login(&login_state.hash())
        .await?
        .ok_or(LoginError::UnknownState)?;
    let binding = binding.ok_or(LoginError::MissingBinding)?;
    if sha256_hex(binding) != pending.browser_binding {
        return Err(LoginError::BindingMismatch);
    }
    Ok(pending)
}

/// Step 3: Google's answer to the authorization: an error it reports, an issuer that is not
/// Google's (RFC 9207), or else the code.
pub fn read_google_answer<'p>(
    state: &AppState,
    params: &'p CallbackParams,
) -> Result<&'p str, LoginError> {
    if let Some(error) = params.error.as_deref() {
        return Err(if error == "access_denied" {
            LoginError::AccessDenied
        } else {
            LoginError::GoogleRefusedAuthorization
        });
    }
    if let Some(iss) = params.iss.as_deref()
        && !state.settings.google.issuers.iter().any(|i| i == iss)
    {
        return Err(LoginError::WrongIssuer);
    }
    params
        .code
        .as_deref()
        .filter(|c| !c.is_empty() && c.len() <= MAX_CODE)
        .ok_or(LoginError::MissingCode)
}

/// Step 4: the code and the pending login's PKCE verifier for Google's tokens.
pub async fn exchange_code(
    state: &AppState,
    code: &str,
    pending: &PendingLogin,
) -> Result<TokenResponse, LoginError> {
    match state
        .google
        .exchange_code(code, &pending.verifier, &state.settings.redirect_uri())
        .await
    {
        Ok(response) => Ok(response),
        Err(GoogleError::InvalidGrant) => Err(LoginError::CodeRejected),
        Err(GoogleError::Unavailable(_) | GoogleError::Malformed) => {
            Err(LoginError::GoogleUnavailable)
        }
        Err(e @ (GoogleError::InvalidClient | GoogleError::Refused { .. })) => {
            tracing::error!(error = %e, "Google refused the code exchange; check the client configuration");
            Err(LoginError::ClientRefused(e))
        }
    }
}

/// Step 5: the person Google vouches for, from the response's id_token.
pub async fn verify_id_token(
    state: &AppState,
    response: &TokenResponse,
    pending: &PendingLogin,
    now: i64,
) -> Result<Identity, LoginError> {
    match state
        .google
        .check_id_token(response.id_token.as_deref(), &pending.nonce, now)
        .await
    {
        Ok(identity) => Ok(identity),
        Err(IdTokenError::KeysUnavailable) => {
            tracing::warn!("id_token not checkable: Google's signing keys cannot be fetched");
            Err(LoginError::IdTokenKeysUnavailable)
        }
        Err(e) => {
            tracing::warn!(error = %e, "id_token refused");
            Err(LoginError::IdTokenInvalid(e))
        }
    }
}

/// Step 6: the Gmail read-only scope is among the granted ones (an empty scope means the
/// requested ones).
pub fn check_gmail_scope(response: &TokenResponse) -> Result<(), LoginError> {
    if response.scope.is_empty()
        || response
            .scope
            .split(' ')
            .any(|s| s == google::GMAIL_READONLY)
    {
        Ok(())
    } else {
        Err(LoginError::GmailScopeMissing)
    }
}

/// Step 7: the refresh token to keep: Google's new one, else the one stored for the account
/// (unreadable stored tokens are replaced).
pub async fn refresh_token_to_keep(
    state: &AppState,
    account: &AccountId,
    response: &TokenResponse,
) -> Result<Option<String>, LoginError> {
    if let Some(token) = &response.refresh_token {
        return Ok(Some(token.expose_secret().to_owned()));
    }
    let keys = state.keys.get().await?;
    match state.store.tokens(account, &keys.cipher).await {
        Ok(stored) => Ok(stored.and_then(|s| s.refresh_token)),
        Err(StoreError::Cipher(e)) => {
            tracing::warn!(error = %e, "replacing unreadable stored tokens");
            Ok(None)
        }
        Err(e) => Err(e.into()),
    }
}

/// Step 8: the account's tokens, encrypted, living a session from now.
pub async fn store_tokens(
    state: &AppState,
    account: &AccountId,
    response: &TokenResponse,
    refresh_token: Option<String>,
    email: &str,
    now: i64,
) -> Result<(), LoginError> {
    let tokens = GoogleTokens {
        access_token: response.access_token.expose_secret().to_owned(),
        access_expires_at: now + response.expires_in,
        access_lifetime_secs: response.expires_in,
        refresh_token,
        scope: response.scope.clone(),
        email: email.to_owned(),
        reauth_required: false,
    };
    let keys = state.keys.get().await?;
    state
        .store
        .put_tokens(
            account,
            &tokens,
            &keys.cipher,
            Some(state.settings.session_ttl),
        )
        .await?;
    Ok(())
}

/// Completes a login: the steps above, in order.
pub async fn complete(state: &AppState, callback: Callback<'_>) -> Result<Completed, LoginError> {
    let params = parse_callback(callback.query)?;
    let pending = take_pending_login(state, &params, callback.binding.as_deref()).await?;
    // An account is attached only to the session that asked for it, still live.
    let attach_to = match &pending.attach_to {
        Some(hash) => match &callback.old_session {
            Some(id) if &id.hash() == hash => {
                match crate::session::current(state, Some(id)).await? {
                    Some(session) => Some((id, session)),
                    None => return Err(LoginError::SessionChanged),
                }
            }
            _ => return Err(LoginError::SessionChanged),
        },
        None => None,
    };
    let code = read_google_answer(state, &params)?;
    let response = exchange_code(state, code, &pending).await?;
    let now = common::jwt::unix_now();
    let identity = verify_id_token(state, &response, &pending, now).await?;
    check_gmail_scope(&response)?;
    let account = AccountId(identity.sub.clone());
    if let Some((_, session)) = &attach_to
        && !crate::session::has_room(state, session, Some(&account))
    {
        return Err(LoginError::TooManyAccounts);
    }
    let refresh_token = refresh_token_to_keep(state, &account, &response).await?;
    if refresh_token.is_none() && !pending.forced_consent {
        // Google only sends a refresh token on first consent; we have none, so ask again.
        let binding = callback.binding.unwrap_or_default();
        let started = start::start(
            state,
            &callback.client,
            binding,
            pending.return_to,
            Some(&identity.email),
            true,
            pending.attach_to.clone(),
        )
        .await?;
        return Ok(Completed::ConsentNeeded(started));
    }
    store_tokens(
        state,
        &account,
        &response,
        refresh_token,
        &identity.email,
        now,
    )
    .await?;
    let session = match attach_to {
        Some((id, _)) => crate::session::attach(state, id, account, identity.email, now)
            .await
            .map_err(|e| match e {
                AttachError::SessionGone => LoginError::SessionChanged,
                AttachError::Full => LoginError::TooManyAccounts,
                AttachError::Store(e) => LoginError::Store(e),
            })?,
        None => {
            crate::session::start(
                state,
                callback.old_session.as_ref(),
                account,
                identity.email,
                now,
            )
            .await?
        }
    };
    Ok(Completed::LoggedIn {
        session,
        return_to: pending.return_to,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn repeated_or_oversized_parameters_are_malformed() {
        assert!(parse_callback("state=a&code=b&iss=x&authuser=0&prompt=consent").is_ok());
        assert!(matches!(
            parse_callback("state=a&state=b"),
            Err(LoginError::MalformedCallback)
        ));
        assert!(matches!(
            parse_callback(&"x".repeat(5000)),
            Err(LoginError::MalformedCallback)
        ));
        let p = parse_callback("state=%FF%FE&code=c").unwrap();
        assert!(LoginState::parse(p.state.as_deref().unwrap()).is_none());
    }
}
