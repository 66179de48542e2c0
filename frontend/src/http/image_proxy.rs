//! `GET /image-proxy?m=&e=&u=&s=`: a remote image of a message, fetched by the frontend
//! ([`crate::image_proxy`]). The link is the capability: the frame it is used in is sandboxed
//! (an opaque origin, so the browser sends no session cookie with it), so the signature (the
//! message, the URL, an expiry) is what lets it through. Failures answer problem details with
//! the reason: 403 `client_error` (not a link of ours, an address the proxy may not reach) or
//! 502 `upstream_error` (the image server failed, or sent no image within the limits).

use actix_web::{HttpResponse, ResponseError, http::StatusCode, http::header, web};
use common::problem::{Problem, ProblemCode};
use serde::Deserialize;

use crate::{image_proxy::ProxyError, state::FrontendState};

/// The query of a signed image link.
#[derive(Deserialize)]
pub struct ImageQuery {
    m: Option<String>,
    e: Option<u64>,
    u: Option<String>,
    s: Option<String>,
}

fn refused(error: &ProxyError) -> HttpResponse {
    let (status, code, title) = if error.status() == 403 {
        (
            StatusCode::FORBIDDEN,
            ProblemCode::ClientError,
            "Image refused",
        )
    } else {
        (
            StatusCode::BAD_GATEWAY,
            ProblemCode::UpstreamError,
            "Image not fetched",
        )
    };
    let mut response = Problem::new(status, code, title, error.to_string()).error_response();
    response.headers_mut().insert(
        header::CACHE_CONTROL,
        header::HeaderValue::from_static("no-store"),
    );
    response
}

/// `GET /image-proxy`.
pub async fn image(query: web::Query<ImageQuery>, state: web::Data<FrontendState>) -> HttpResponse {
    let ImageQuery { m, e, u, s } = query.into_inner();
    let (Some(m), Some(e), Some(u), Some(s)) = (m, e, u, s) else {
        return refused(&ProxyError::BadSignature);
    };
    let proxy = &state.image_proxy;
    let url = match proxy.verify(&m, &u, e, &s) {
        Ok(url) => url,
        Err(error) => return refused(&error),
    };
    match proxy.fetch(url).await {
        Ok(image) => HttpResponse::Ok()
            .content_type(image.content_type)
            .insert_header((header::CACHE_CONTROL, "private, max-age=86400, immutable"))
            .insert_header((
                header::CONTENT_SECURITY_POLICY,
                "default-src 'none'; sandbox",
            ))
            .insert_header((header::CONTENT_DISPOSITION, "inline"))
            .body(image.bytes),
        Err(error) => {
            tracing::info!(%error, "an image was not proxied");
            refused(&error)
        }
    }
}
