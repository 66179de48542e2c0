//! The two cookies auth-service sets, with their flags in one place: HttpOnly, SameSite=Lax (a
//! Strict cookie would not come back on the cross-site callback), Path=/, and Secure with the
//! `__Host-` prefix whenever the public URL is https.

use actix_web::{
    HttpRequest,
    cookie::{Cookie, SameSite, time::Duration as CookieDuration},
};

/// The session cookie's name.
pub fn session_name(secure: bool) -> &'static str {
    if secure {
        "__Host-gu_session"
    } else {
        "gu_session"
    }
}

/// The login-binding cookie's name (ties a callback to the browser that started the login).
pub fn login_name(secure: bool) -> &'static str {
    if secure {
        "__Host-gu_login"
    } else {
        "gu_login"
    }
}

/// A cookie with the system's flags, living `max_age` seconds.
pub fn build(
    name: &'static str,
    value: String,
    max_age_secs: i64,
    secure: bool,
) -> Cookie<'static> {
    Cookie::build(name, value)
        .http_only(true)
        .same_site(SameSite::Lax)
        .path("/")
        .secure(secure)
        .max_age(CookieDuration::seconds(max_age_secs))
        .finish()
}

/// A cookie that deletes `name` in the browser.
pub fn removal(name: &'static str, secure: bool) -> Cookie<'static> {
    build(name, String::new(), 0, secure)
}

/// The value of cookie `name`, if the request carries it.
pub fn value(request: &HttpRequest, name: &str) -> Option<String> {
    request.cookie(name).map(|c| c.value().to_owned())
}

/// Refuses requests that a browser marks as coming from another site: an `Origin` that is not
/// ours, or `Sec-Fetch-Site: cross-site`. Requests without either (curl, services) pass;
/// browsers always send one of them on a cross-site POST.
pub fn same_origin(request: &HttpRequest, public_origin: &str) -> bool {
    let header = |name: &str| request.headers().get(name).and_then(|v| v.to_str().ok());
    if let Some(origin) = header("origin")
        && origin != "null"
        && origin.trim_end_matches('/') != public_origin
    {
        return false;
    }
    if header("origin") == Some("null") {
        return false;
    }
    !matches!(header("sec-fetch-site"), Some("cross-site"))
}
