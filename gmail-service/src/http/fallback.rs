//! The answers for requests no handler takes: a known (GET-only) path with another method is a
//! 405 problem with `Allow: GET, HEAD`; an unknown path is a 404 problem
//! (`common::problem::not_found`, the default service).

use actix_web::{HttpRequest, HttpResponse, ResponseError, http::header};
use common::problem::{Problem, ProblemCode};

/// The default service: unknown routes answer a 404 problem.
pub use common::problem::not_found;

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
