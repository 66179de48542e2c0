//! `GET /oauth/callback`: finish a login ([`crate::login::callback::complete`] has the steps).
//!
//! Every failure ends in a 303 to the public site with `?login_error=<reason>` (the contract's
//! `LoginFailure`, mapped by [`login_failure`]), which the frontend explains to the person, and
//! clears the login cookie; no failure creates a session. Only a storage outage answers 503
//! problem+json. Success sets the session cookie, clears the login cookie and 302s to the return
//! path; a login that must ask for consent again 302s to Google.

use actix_web::{HttpRequest, HttpResponse, web};

use crate::{
    http::{
        cookies,
        error::{ApiError, login_failure},
        extract::{SessionCookie, client_subject},
        routes::login::{login_failed, redirect_to_google},
    },
    login::callback::{Callback, Completed, complete},
    rate_limit::{self, Limited},
    state::AppState,
};

/// `GET /oauth/callback`.
pub async fn callback(
    request: HttpRequest,
    session: SessionCookie,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let settings = &state.settings;
    let secure = settings.secure_cookies();
    let client = client_subject(&request, &state);
    rate_limit::per_client(&state, &client, Limited::Logins).await?;
    let input = Callback {
        query: request.query_string(),
        binding: cookies::value(&request, cookies::login_name(secure)),
        old_session: session.0,
        client,
    };
    let outcome = complete(&state, input).await;
    let response = match outcome {
        Ok(Completed::LoggedIn { session, return_to }) => {
            let max_age = i64::try_from(settings.session_ttl.as_secs()).unwrap_or(i64::MAX);
            HttpResponse::Found()
                .insert_header((
                    "Location",
                    format!("{}{return_to}", settings.public_origin_and_path()),
                ))
                .insert_header(("Cache-Control", "no-store"))
                .cookie(cookies::build(
                    cookies::session_name(secure),
                    session.expose().to_owned(),
                    max_age,
                    secure,
                ))
                .cookie(cookies::removal(cookies::login_name(secure), secure))
                .finish()
        }
        Ok(Completed::ConsentNeeded(started)) => redirect_to_google(settings, started),
        Err(e) => {
            let failure = login_failure(e)?;
            state
                .metrics
                .logins_failed
                .with_label_values(&[failure.code()])
                .inc();
            tracing::info!(reason = failure.code(), "login failed");
            return Ok(login_failed(settings, failure));
        }
    };
    state.metrics.logins_completed.inc();
    Ok(response)
}
