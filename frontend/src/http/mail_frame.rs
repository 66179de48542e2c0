//! `GET /messages/{id}/html`: a message's HTML, as its sender designed it, inside the isolation
//! the message page frames it in.
//!
//! gmail-service answers `body_html` already through `common::mail_html`'s allow-list; this
//! route runs the same policy again for display (remote images dropped: no request leaves the
//! browser for a sender's server, so tracking pixels learn nothing) and serves it as a document
//! of its own under a CSP that allows nothing but inline style: no script, no form, no plugin,
//! no image, font or connection anywhere, no base, and `sandbox` (a unique origin without
//! scripts, forms, top navigation or same-origin access; links may open a new tab). The message
//! page frames it with the same sandbox (`templates/message.html`); no other page may
//! (`frame-ancestors 'self'`).

use actix_web::{HttpRequest, HttpResponse, http::header, web};
use contract::gmail::is_valid_message_id;

use crate::{
    http::{pages::session_token, problem::problem_response, session::SessionCookie},
    state::FrontendState,
    upstream::UpstreamError,
};

/// The policy of the framed mail document.
pub const MAIL_FRAME_POLICY: &str = "default-src 'none'; style-src 'unsafe-inline'; \
     form-action 'none'; base-uri 'none'; frame-ancestors 'self'; \
     sandbox allow-popups allow-popups-to-escape-sandbox";

pub use crate::views::MAIL_FRAME_SANDBOX;

/// The framed document around the mail's HTML.
fn document(body: &str) -> String {
    format!(
        "<!doctype html><html><head><meta charset=\"utf-8\">\
         <meta name=\"referrer\" content=\"no-referrer\">\
         <meta name=\"color-scheme\" content=\"light\">\
         <style>body{{margin:0;padding:8px;font-family:system-ui,sans-serif;overflow-wrap:anywhere}}\
         img{{max-width:100%;height:auto}}</style></head><body>{body}</body></html>"
    )
}

/// `GET /messages/{id}/html`.
pub async fn mail_frame(
    request: HttpRequest,
    cookie: Option<SessionCookie>,
    path: web::Path<String>,
    state: web::Data<FrontendState>,
) -> HttpResponse {
    let id = path.into_inner();
    if !is_valid_message_id(&id) {
        return problem_response(&UpstreamError::NotFound, None);
    }
    let session = match session_token(&request, &state, cookie.as_ref()).await {
        Ok(s) => s,
        Err(e) => return problem_response(&e, None),
    };
    let message = match state.upstreams.message(&session.access_token, &id).await {
        Ok(m) => m,
        Err(UpstreamError::BadRequest) => {
            return problem_response(&UpstreamError::NotFound, Some(session.email));
        }
        Err(e) => return problem_response(&e, Some(session.email)),
    };
    let Some(html) = message.body_html else {
        return problem_response(&UpstreamError::NotFound, Some(session.email));
    };
    let shown = common::mail_html::for_display(&html, |_| None);
    HttpResponse::Ok()
        .content_type("text/html; charset=utf-8")
        .insert_header((header::CONTENT_SECURITY_POLICY, MAIL_FRAME_POLICY))
        .insert_header((header::X_FRAME_OPTIONS, "SAMEORIGIN"))
        .insert_header((header::REFERRER_POLICY, "no-referrer"))
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .body(document(&shown))
}
