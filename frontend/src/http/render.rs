//! [`html`]: a view rendered as the HTML response of a page (never cached).

use actix_web::{HttpResponse, http::StatusCode};
use askama::Template;

/// `page` as a `status` answer; a template that fails to render is logged and a plain 500.
pub fn html(status: StatusCode, page: &impl Template) -> HttpResponse {
    match page.render() {
        Ok(body) => HttpResponse::build(status)
            .content_type("text/html; charset=utf-8")
            .insert_header(("Cache-Control", "no-store"))
            .body(body),
        Err(e) => {
            tracing::error!(error = %e, "a template failed to render");
            HttpResponse::InternalServerError().body("The page could not be rendered.")
        }
    }
}
