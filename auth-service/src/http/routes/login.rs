//! `GET /oauth/login`: start a login ([`crate::login::start`]): a short-lived login-binding
//! cookie, and a 302 to Google. Rate-limited per client address.
//!
//! `?add=1` from a logged-in browser attaches the account chosen at Google to its session
//! (`prompt=select_account`); a session already holding `MAX_ACCOUNTS_PER_SESSION` accounts gets
//! the `too_many_accounts` login failure at once, before Google is asked.

use actix_web::{HttpRequest, HttpResponse, web};
use contract::auth::LoginFailure;
use serde::Deserialize;

use crate::{
    configuration::Settings,
    domain::local_return_path,
    http::{
        cookies,
        error::ApiError,
        extract::{SessionCookie, client_subject},
    },
    login::start::{self, StartedLogin},
    rate_limit::{self, Limited},
    state::AppState,
};

/// Optional parameters of `/oauth/login`.
#[derive(Deserialize)]
pub struct LoginQuery {
    /// An address to pre-select at Google.
    login_hint: Option<String>,
    /// A local path to come back to; anything else is ignored.
    next: Option<String>,
    /// `1`: attach the account to the browser's session instead of replacing it.
    add: Option<String>,
}

/// The 302 to Google for a started login, setting its binding cookie for `LOGIN_TTL_SECS`.
pub fn redirect_to_google(settings: &Settings, started: StartedLogin) -> HttpResponse {
    let secure = settings.secure_cookies();
    let ttl = i64::try_from(settings.login_ttl.as_secs()).unwrap_or(600);
    HttpResponse::Found()
        .insert_header(("Location", started.authorization_url))
        .insert_header(("Cache-Control", "no-store"))
        .cookie(cookies::build(
            cookies::login_name(secure),
            started.binding,
            ttl,
            secure,
        ))
        .finish()
}

/// The 303 to the public site naming why a login failed (the frontend explains it), clearing
/// the login cookie.
pub fn login_failed(settings: &Settings, failure: LoginFailure) -> HttpResponse {
    let secure = settings.secure_cookies();
    HttpResponse::SeeOther()
        .insert_header((
            "Location",
            format!(
                "{}/?{}={}",
                settings.public_origin_and_path(),
                contract::paths::LOGIN_ERROR_PARAM,
                failure.code()
            ),
        ))
        .insert_header(("Cache-Control", "no-store"))
        .cookie(cookies::removal(cookies::login_name(secure), secure))
        .finish()
}

/// `GET /oauth/login`.
pub async fn login(
    request: HttpRequest,
    query: web::Query<LoginQuery>,
    session: SessionCookie,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let client = client_subject(&request, &state);
    rate_limit::per_client(&state, &client, Limited::Logins).await?;
    state.metrics.logins_started.inc();
    let hint = query
        .login_hint
        .as_deref()
        .filter(|h| contract::auth::is_plausible_email(h));
    let attach_to = match (query.add.as_deref(), session.id()) {
        (Some("1"), Some(id)) => match crate::session::current(&state, Some(id)).await? {
            // At the limit, only an account already attached (named by the hint) may log in.
            Some(current)
                if !crate::session::has_room(
                    &state,
                    &current,
                    hint.and_then(|h| current.by_email(h))
                        .map(|held| &held.account),
                ) =>
            {
                return Ok(login_failed(&state.settings, LoginFailure::TooManyAccounts));
            }
            Some(_) => Some(id.hash()),
            None => None,
        },
        _ => None,
    };
    // An added account's grant is its own: whether it needs consent is Google's to say.
    let prompt_consent = attach_to.is_none() && start::needs_consent(&state, session.id()).await?;
    let started = start::start(
        &state,
        &client,
        start::new_binding(),
        local_return_path(query.next.as_deref()),
        hint,
        prompt_consent,
        attach_to,
    )
    .await?;
    Ok(redirect_to_google(&state.settings, started))
}
