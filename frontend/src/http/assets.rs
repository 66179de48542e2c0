//! Static assets, compiled in (the site works offline; no CDN).

use actix_web::HttpResponse;

const STYLE: &str = include_str!("../../static/style.css");
const LOCAL_TIME: &str = include_str!("../../static/local-time.js");
const LIVE: &str = include_str!("../../static/live.js");

/// `GET /static/style.css`.
pub async fn style() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/css; charset=utf-8")
        .insert_header(("Cache-Control", "public, max-age=3600"))
        .body(STYLE)
}

/// `GET /static/local-time.js`.
pub async fn local_time() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/javascript; charset=utf-8")
        .insert_header(("Cache-Control", "public, max-age=3600"))
        .body(LOCAL_TIME)
}

/// `GET /static/live.js`: the inbox's live updates.
pub async fn live() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/javascript; charset=utf-8")
        .insert_header(("Cache-Control", "public, max-age=3600"))
        .body(LIVE)
}
