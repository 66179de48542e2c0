//! HTTP handlers, one module per resource.
//!
//! - `messages`: the unread-mail API.
//! - `health`: `/healthz`, `/readyz`, `/metrics`.
//! - `openapi`: `/openapi.json`, generated from the handlers' annotations.

pub mod health;
pub mod messages;
pub mod openapi;

use actix_web::{HttpRequest, HttpResponse, ResponseError, http::header};
use common::problem::{Problem, ProblemCode};

/// Another method on a known (GET-only) path: 405 problem with `Allow: GET, HEAD`.
pub async fn method_not_allowed(request: HttpRequest) -> HttpResponse {
    let mut response = Problem::new(
        actix_web::http::StatusCode::METHOD_NOT_ALLOWED,
        ProblemCode::MethodNotAllowed,
        "Method not allowed",
        format!(
            "{} is not supported on {}.",
            request.method(),
            request.path()
        ),
    )
    .error_response();
    response
        .headers_mut()
        .insert(header::ALLOW, header::HeaderValue::from_static("GET, HEAD"));
    response
}
