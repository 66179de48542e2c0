//! `GET /messages/{id}/html`: a message's HTML, as its sender designed it, inside the isolation
//! the message page frames it in.
//!
//! gmail-service answers `body_html` already through `common::mail_html`'s allow-list; this
//! route runs the same policy again for display and serves it as a document of its own under a
//! CSP that allows nothing but inline style and images: no script, no form, no plugin, no font
//! or connection anywhere, no base, and `sandbox` (a unique origin without scripts, forms, top
//! navigation or same-origin access; links may open a new tab). The message page frames it
//! with the same sandbox (`templates/message.html`); no other page may (`frame-ancestors
//! 'self'`).
//!
//! Images: the message's own inline ones (`cid:`) are embedded as `data:` URLs (they are part
//! of the message: loading them tells no one anything). Remote ones are dropped, so no request
//! leaves the browser for a sender's server and tracking pixels learn nothing, until the reader
//! asks ("Show images", `?images=1`): then each becomes a signed link to this origin's image
//! proxy ([`crate::image_proxy`]), the only place the frame's policy lets images come from.

use std::collections::HashMap;

use actix_web::{HttpRequest, HttpResponse, http::header, web};
use base64::{Engine, engine::general_purpose::STANDARD};
use contract::gmail::{MessageDetail, is_valid_message_id};
use serde::Deserialize;

use crate::{
    http::{pages::session_token, problem::problem_response, session::SessionCookie},
    state::FrontendState,
    upstream::UpstreamError,
};

/// The policy of the framed mail document: inline style, the message's own inline images
/// (`data:`, made here from its `cid:` parts), nothing else.
pub const MAIL_FRAME_POLICY: &str = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; \
     form-action 'none'; base-uri 'none'; frame-ancestors 'self'; \
     sandbox allow-popups allow-popups-to-escape-sandbox";

/// The same with "Show images": remote images too, through this origin's image proxy only.
pub const MAIL_FRAME_POLICY_WITH_IMAGES: &str = "default-src 'none'; style-src 'unsafe-inline'; \
     img-src data: 'self'; form-action 'none'; base-uri 'none'; frame-ancestors 'self'; \
     sandbox allow-popups allow-popups-to-escape-sandbox";

/// Inline images embedded per message: at most this many, each and all at most so large.
const MAX_INLINE_IMAGES: usize = 20;
const MAX_INLINE_IMAGE_BYTES: u64 = 1024 * 1024;
const MAX_INLINE_TOTAL_BYTES: u64 = 5 * 1024 * 1024;

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

/// `GET /messages/{id}/html`'s query: `images=1` shows remote images (through the proxy).
#[derive(Deserialize)]
pub struct FrameQuery {
    images: Option<String>,
}

/// The message's inline images its HTML names (`cid:`), as `data:` URLs by Content-ID: each
/// fetched from gmail-service (one `messages.attachments.get`), kept only when its bytes are a
/// raster image, within the limits above.
async fn inline_images(
    state: &FrontendState,
    jwt: &str,
    message: &MessageDetail,
    html: &str,
) -> HashMap<String, String> {
    let mut images = HashMap::new();
    let mut total = 0;
    let wanted = message.attachments.iter().filter_map(|a| {
        let cid = a.content_id.as_deref()?;
        let part = a.attachment_id.as_deref()?;
        let named = html.contains(&format!("cid:{cid}"));
        (named && a.size <= MAX_INLINE_IMAGE_BYTES && a.mime_type.starts_with("image/"))
            .then_some((cid, part, a.size))
    });
    for (cid, part, size) in wanted.take(MAX_INLINE_IMAGES) {
        if total + size > MAX_INLINE_TOTAL_BYTES {
            break;
        }
        let Ok(mut response) = state.upstreams.attachment(jwt, &message.id, part).await else {
            continue;
        };
        let mut bytes = Vec::new();
        while let Ok(Some(chunk)) = response.chunk().await {
            bytes.extend_from_slice(&chunk);
            if bytes.len() as u64 > MAX_INLINE_IMAGE_BYTES {
                break;
            }
        }
        if bytes.len() as u64 > MAX_INLINE_IMAGE_BYTES {
            continue;
        }
        let Some(kind) = crate::image_proxy::recognise(&bytes) else {
            continue;
        };
        total += bytes.len() as u64;
        images.insert(
            cid.to_owned(),
            format!("data:{kind};base64,{}", STANDARD.encode(&bytes)),
        );
    }
    images
}

/// `GET /messages/{id}/html`.
pub async fn mail_frame(
    request: HttpRequest,
    cookie: Option<SessionCookie>,
    path: web::Path<String>,
    query: web::Query<FrameQuery>,
    state: web::Data<FrontendState>,
) -> HttpResponse {
    let show_remote = query.images.as_deref() == Some("1");
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
    let Some(html) = message.body_html.clone() else {
        return problem_response(&UpstreamError::NotFound, Some(session.email));
    };
    let inline = inline_images(&state, &session.access_token, &message, &html).await;
    let frame_state = state.clone();
    let message_id = message.id.clone();
    let shown = common::mail_html::for_display(&html, move |src| {
        if let Some(cid) = src.strip_prefix("cid:") {
            return inline.get(cid).cloned();
        }
        // Remote: only on request, and only through the proxy.
        show_remote
            .then(|| frame_state.image_proxy.signed_path(&message_id, src))
            .flatten()
    });
    let policy = if show_remote {
        MAIL_FRAME_POLICY_WITH_IMAGES
    } else {
        MAIL_FRAME_POLICY
    };
    HttpResponse::Ok()
        .content_type("text/html; charset=utf-8")
        .insert_header((header::CONTENT_SECURITY_POLICY, policy))
        .insert_header((header::X_FRAME_OPTIONS, "SAMEORIGIN"))
        .insert_header((header::REFERRER_POLICY, "no-referrer"))
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .body(document(&shown))
}
