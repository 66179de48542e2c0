//! Starting a login.
//!
//! A new pending login (state, S256 PKCE verifier, nonce, the local path to return to) goes to
//! Redis under the state's hash for `LOGIN_TTL_SECS`; a random binding value goes to the browser
//! (a short-lived cookie, set by the HTTP edge) and its hash into the pending login, so only this
//! browser can complete it. `prompt=consent` is asked only when the browser's own session names an
//! account that has no usable refresh token: the redirect never depends on stored state the
//! browser has not proven it owns, so `login_hint` cannot tell anybody whether an address has a
//! grant here. One client address holds at most `MAX_PENDING_LOGINS_PER_ADDRESS` pending logins
//! (the oldest is dropped).

use crate::{
    domain::{LoginState, PendingLogin, PkceVerifier, SessionId, random_urlsafe, sha256_hex},
    login::error::LoginError,
    state::AppState,
    store::StoreError,
};

/// A started login: where to send the browser, and the binding value it must bring back.
pub struct StartedLogin {
    /// Google's authorization URL (state, S256 challenge, nonce, `access_type=offline`).
    pub authorization_url: String,
    /// The browser-binding value (the login cookie's value).
    pub binding: String,
}

/// A fresh browser-binding value.
pub fn new_binding() -> String {
    random_urlsafe(32)
}

/// Whether the account of the browser's current session lacks a usable refresh token.
pub async fn needs_consent(
    state: &AppState,
    session_id: Option<&SessionId>,
) -> Result<bool, LoginError> {
    let Some(session) = crate::session::current(state, session_id).await? else {
        return Ok(false);
    };
    let keys = state.keys.get().await?;
    Ok(match session.first() {
        Some(first) => match state.store.tokens(&first.account, &keys.cipher).await {
            Ok(Some(tokens)) => tokens.refresh_token.is_none() || tokens.reauth_required,
            Ok(None) | Err(StoreError::Cipher(_)) => false,
            Err(e) => return Err(e.into()),
        },
        None => false,
    })
}

/// Creates the pending login for the browser holding `binding`, started from client address
/// `client`, and the authorization URL (also used to retry a login with consent). With
/// `attach_to` (the hash of the browser's session id), the login attaches another account to
/// that session and asks Google to let the person choose the account (`prompt=select_account`).
pub async fn start(
    state: &AppState,
    client: &str,
    binding: String,
    return_to: String,
    login_hint: Option<&str>,
    prompt_consent: bool,
    attach_to: Option<String>,
) -> Result<StartedLogin, LoginError> {
    let verifier = PkceVerifier::generate();
    let login_state = LoginState::generate();
    let nonce = random_urlsafe(16);
    let settings = &state.settings;
    let authorization_url = state
        .google
        .authorization_url(
            &settings.redirect_uri(),
            login_state.as_str(),
            &verifier.s256_challenge(),
            &nonce,
            login_hint,
            crate::google::Prompt {
                select_account: attach_to.is_some(),
                consent: prompt_consent,
            },
        )
        .map_err(|e| LoginError::Internal(e.to_string()))?;
    let pending = PendingLogin {
        verifier: verifier.expose().to_owned(),
        nonce,
        browser_binding: sha256_hex(&binding),
        return_to,
        forced_consent: prompt_consent,
        attach_to,
    };
    state
        .store
        .put_login(
            &login_state.hash(),
            &pending,
            settings.login_ttl,
            client,
            settings.rate_limits.max_pending_logins,
        )
        .await?;
    Ok(StartedLogin {
        authorization_url,
        binding,
    })
}
