//! `POST /oauth/logout`: end the session ([`crate::session::end`]: the session, the Google
//! grant, the stored tokens, every internal JWT the account was given), clear the cookie, 303
//! to `/`.
//!
//! Protected against cross-site requests twice: the session cookie is SameSite=Lax (not sent on
//! a cross-site POST), and a foreign `Origin` or `Sec-Fetch-Site: cross-site` is refused.

use actix_web::{HttpRequest, HttpResponse, web};

use crate::{
    http::{cookies, error::ApiError, extract::SessionCookie},
    session,
    state::AppState,
};

/// `POST /oauth/logout`.
pub async fn logout(
    request: HttpRequest,
    cookie: SessionCookie,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let settings = &state.settings;
    if !cookies::same_origin(
        &request,
        &settings.public_base_url.origin().ascii_serialization(),
    ) {
        return Err(ApiError::CrossSite);
    }
    session::end(&state, cookie.id()).await?;
    let secure = settings.secure_cookies();
    Ok(HttpResponse::SeeOther()
        .insert_header((
            "Location",
            format!("{}/", settings.public_origin_and_path()),
        ))
        .insert_header(("Cache-Control", "no-store"))
        .cookie(cookies::removal(cookies::session_name(secure), secure))
        .finish())
}
