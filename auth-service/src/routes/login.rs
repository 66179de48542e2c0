//! `GET /oauth/login`: start a login.
//!
//! A new pending login (state, S256 PKCE verifier, nonce, the local path to return to) goes to
//! Redis under the state's hash for `LOGIN_TTL_SECS`; a random binding value goes to a short-lived
//! cookie and its hash into the pending login, so only this browser can complete it. Then 302 to
//! Google. `prompt=consent` is added only when the browser's own session names an account that
//! has no refresh token: the redirect never depends on stored state the browser has not proven
//! it owns, so `login_hint` cannot tell anybody whether an address has a grant here.
//!
//! Logins are rate-limited per client address, and one address holds at most
//! `MAX_PENDING_LOGINS_PER_ADDRESS` pending logins (the oldest is dropped).

use actix_web::{HttpRequest, HttpResponse, web};
use serde::Deserialize;

use crate::{
    domain::{
        LoginState, PendingLogin, PkceVerifier, SessionId, local_return_path, random_urlsafe,
        sha256_hex,
    },
    rate_limit::{self, Limited},
    routes::{cookies, error::ApiError},
    state::AppState,
};

/// Optional parameters of `/oauth/login`.
#[derive(Deserialize)]
pub struct LoginQuery {
    /// An address to pre-select at Google.
    login_hint: Option<String>,
    /// A local path to come back to; anything else is ignored.
    next: Option<String>,
}

fn plausible_email(hint: &str) -> bool {
    hint.len() <= 254
        && hint.contains('@')
        && !hint.chars().any(|c| c.is_control() || c.is_whitespace())
}

/// Whether the account of the browser's current session lacks a refresh token.
async fn needs_consent(state: &AppState, request: &HttpRequest) -> Result<bool, ApiError> {
    let secure = state.settings.secure_cookies();
    let Some(id) =
        cookies::value(request, cookies::session_name(secure)).and_then(|v| SessionId::parse(&v))
    else {
        return Ok(false);
    };
    let Some(session) = state.store.session(&id.hash()).await? else {
        return Ok(false);
    };
    let keys = state.keys.get().await?;
    Ok(
        match state.store.tokens(&session.account, &keys.cipher).await {
            Ok(Some(tokens)) => tokens.refresh_token.is_none() || tokens.reauth_required,
            Ok(None) | Err(crate::store::StoreError::Cipher(_)) => false,
            Err(e) => return Err(e.into()),
        },
    )
}

/// Creates the pending login and the redirect to Google (also used to retry with consent).
pub async fn start(
    state: &AppState,
    request: &HttpRequest,
    binding: String,
    return_to: String,
    login_hint: Option<&str>,
    prompt_consent: bool,
) -> Result<HttpResponse, ApiError> {
    let verifier = PkceVerifier::generate();
    let login_state = LoginState::generate();
    let nonce = random_urlsafe(16);
    let settings = &state.settings;
    let url = state
        .google
        .authorization_url(
            &settings.redirect_uri(),
            login_state.as_str(),
            &verifier.s256_challenge(),
            &nonce,
            login_hint,
            prompt_consent,
        )
        .map_err(|e| ApiError::Internal(e.to_string()))?;
    let pending = PendingLogin {
        verifier: verifier.expose().to_owned(),
        nonce,
        browser_binding: sha256_hex(&binding),
        return_to,
        forced_consent: prompt_consent,
    };
    state
        .store
        .put_login(
            &login_state.hash(),
            &pending,
            settings.login_ttl,
            &rate_limit::client_of(request, state),
            settings.rate_limits.max_pending_logins,
        )
        .await?;
    let secure = settings.secure_cookies();
    let ttl = i64::try_from(settings.login_ttl.as_secs()).unwrap_or(600);
    Ok(HttpResponse::Found()
        .insert_header(("Location", url))
        .insert_header(("Cache-Control", "no-store"))
        .cookie(cookies::build(
            cookies::login_name(secure),
            binding,
            ttl,
            secure,
        ))
        .finish())
}

/// `GET /oauth/login`.
pub async fn login(
    request: HttpRequest,
    query: web::Query<LoginQuery>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    rate_limit::per_client(&state, &request, Limited::Logins).await?;
    state.metrics.logins_started.inc();
    let hint = query.login_hint.as_deref().filter(|h| plausible_email(h));
    let prompt_consent = needs_consent(&state, &request).await?;
    start(
        &state,
        &request,
        random_urlsafe(32),
        local_return_path(query.next.as_deref()),
        hint,
        prompt_consent,
    )
    .await
}
