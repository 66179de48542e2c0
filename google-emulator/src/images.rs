//! `GET /emulator/images/{name}`: the pictures of the demo newsletter
//! (`mailboxes/large/144-trail-notes-…`), so the demo shows them offline. The newsletter names
//! them at `http://images.trailnotes.test:5003/emulator/images/…`: docker compose gives the
//! emulator that name on its network, so the frontend's image proxy reaches it (with
//! `IMAGE_PROXY_ALLOW_PRIVATE=1`, as the demo sets); outside compose the name resolves nowhere
//! and the pictures stay their `alt` text.

use actix_web::{HttpResponse, web};

/// The newsletter's picture.
pub const HERO_PNG: &[u8] = include_bytes!("../images/hero.png");
/// The newsletter's logo.
pub const LOGO_PNG: &[u8] = include_bytes!("../images/logo.png");

/// `GET /emulator/images/{name}`.
pub async fn image(name: web::Path<String>) -> HttpResponse {
    let bytes = match name.as_str() {
        "hero.png" => HERO_PNG,
        "logo.png" => LOGO_PNG,
        _ => return HttpResponse::NotFound().finish(),
    };
    HttpResponse::Ok()
        .content_type("image/png")
        .insert_header(("cache-control", "public, max-age=86400"))
        .body(bytes)
}
