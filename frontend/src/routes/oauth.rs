//! `/oauth/*`: forwarded to auth-service as they are (method, path, query, cookies, origin), and
//! its answer returned as it is (redirects, cookies). All OAuth logic stays in auth-service; when
//! it cannot answer, the person gets a page instead of an error body.

use actix_web::{HttpRequest, HttpResponse, web};

use crate::{routes::pages::problem_response, state::FrontendState};

/// Any method on `/oauth/{tail}`.
pub async fn pass_through(
    request: HttpRequest,
    body: web::Bytes,
    state: web::Data<FrontendState>,
) -> HttpResponse {
    match state.upstreams.forward_oauth(&request, body).await {
        Ok(response) => response,
        Err(error) => problem_response(&error, None),
    }
}
