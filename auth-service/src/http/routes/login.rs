//! `GET /oauth/login`: start a login ([`crate::login::start`]): a short-lived login-binding
//! cookie, and a 302 to Google. Rate-limited per client address.

use actix_web::{HttpRequest, HttpResponse, web};
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
        .filter(|h| start::plausible_email(h));
    let prompt_consent = start::needs_consent(&state, session.id()).await?;
    let started = start::start(
        &state,
        &client,
        start::new_binding(),
        local_return_path(query.next.as_deref()),
        hint,
        prompt_consent,
    )
    .await?;
    Ok(redirect_to_google(&state.settings, started))
}
