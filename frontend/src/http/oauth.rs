//! The browser routes of the login flow, `GET /oauth/login` (`?add=1` adds an account),
//! `GET /oauth/callback`, `POST /oauth/logout` and `POST /oauth/accounts/remove`, each forwarded to the same fixed path at auth-service (cookies, origin
//! and the client's address with it) and its answer returned as it is (redirects, cookies). All
//! OAuth logic stays in auth-service; when it cannot answer, the person gets a page instead of
//! an error body.
//!
//! Nothing else under `/oauth/` reaches auth-service: any other path, however encoded (dot
//! segments, `%2e`, `%2f`, `%5c`, double encoding), is the frontend's own 404 page.

use actix_web::{HttpRequest, HttpResponse, http::StatusCode, web};

use crate::{
    http::{browser::browser_headers, problem::problem_response},
    state::FrontendState,
    upstream::{FORWARDED_REQUEST_HEADERS, Forwarded, OauthRoute},
};

/// auth-service's answer as the browser's (an unknown status is a 502).
fn response(forwarded: Forwarded) -> HttpResponse {
    let mut out = HttpResponse::build(
        StatusCode::from_u16(forwarded.status).unwrap_or(StatusCode::BAD_GATEWAY),
    );
    for (name, value) in forwarded.headers {
        out.append_header((name, value));
    }
    out.body(forwarded.body)
}

async fn forward(
    route: OauthRoute,
    request: &HttpRequest,
    body: web::Bytes,
    state: &FrontendState,
) -> HttpResponse {
    let browser = browser_headers(
        request,
        &state.settings.trusted_proxies,
        FORWARDED_REQUEST_HEADERS,
    );
    match state
        .upstreams
        .forward_oauth(route, request.query_string(), browser, body)
        .await
    {
        Ok(forwarded) => response(forwarded),
        Err(error) => problem_response(&error, None),
    }
}

/// `GET /oauth/login`.
pub async fn login(request: HttpRequest, state: web::Data<FrontendState>) -> HttpResponse {
    forward(OauthRoute::Login, &request, web::Bytes::new(), &state).await
}

/// `GET /oauth/callback`.
pub async fn callback(request: HttpRequest, state: web::Data<FrontendState>) -> HttpResponse {
    forward(OauthRoute::Callback, &request, web::Bytes::new(), &state).await
}

/// `POST /oauth/accounts/remove` (the form's body, naming the account, is passed on).
pub async fn remove_account(
    request: HttpRequest,
    body: web::Bytes,
    state: web::Data<FrontendState>,
) -> HttpResponse {
    forward(OauthRoute::RemoveAccount, &request, body, &state).await
}

/// `POST /oauth/logout` (the form's body, at most the payload limit, is passed on).
pub async fn logout(
    request: HttpRequest,
    body: web::Bytes,
    state: web::Data<FrontendState>,
) -> HttpResponse {
    forward(OauthRoute::Logout, &request, body, &state).await
}
