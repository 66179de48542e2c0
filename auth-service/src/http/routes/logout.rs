//! `POST /oauth/logout`: end the session ([`crate::session::end`]: the session, and for every
//! account no other session holds, the Google grant, the stored tokens and every internal JWT
//! it was given), clear the cookie, 303 to `/`.
//!
//! `POST /oauth/accounts/remove` (form `account=<address>`): detach one account
//! ([`crate::session::remove`], letting go of it the same way), 303 to `/`; removing the last
//! account is a logout.
//!
//! Protected against cross-site requests twice: the session cookie is SameSite=Lax (not sent on
//! a cross-site POST), and a foreign `Origin` or `Sec-Fetch-Site: cross-site` is refused.

use actix_web::{HttpRequest, HttpResponse, web};

use crate::{
    http::{
        cookies,
        error::ApiError,
        extract::{SessionCookie, refuse_cross_site},
    },
    session,
    state::AppState,
};

/// The 303 home, clearing the session cookie when `logged_out`.
fn home(state: &AppState, logged_out: bool) -> HttpResponse {
    let settings = &state.settings;
    let secure = settings.secure_cookies();
    let mut response = HttpResponse::SeeOther();
    response
        .insert_header((
            "Location",
            format!("{}/", settings.public_origin_and_path()),
        ))
        .insert_header(("Cache-Control", "no-store"));
    if logged_out {
        response.cookie(cookies::removal(cookies::session_name(secure), secure));
    }
    response.finish()
}

/// `POST /oauth/logout`.
pub async fn logout(
    request: HttpRequest,
    cookie: SessionCookie,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    refuse_cross_site(&request, &state)?;
    session::end(&state, cookie.id()).await?;
    Ok(home(&state, true))
}

/// `POST /oauth/accounts/remove`.
pub async fn remove_account(
    request: HttpRequest,
    cookie: SessionCookie,
    body: web::Bytes,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    refuse_cross_site(&request, &state)?;
    let mut accounts = url::form_urlencoded::parse(&body)
        .filter(|(name, _)| name == contract::paths::auth::ACCOUNT_PARAM)
        .map(|(_, value)| value.into_owned());
    let (Some(email), None) = (accounts.next(), accounts.next()) else {
        return Err(ApiError::BadRequest(
            "the form names no account, or more than one".into(),
        ));
    };
    let removed = session::remove(&state, cookie.id(), &email).await?;
    Ok(home(&state, removed == session::Removed::Ended))
}
