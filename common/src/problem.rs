//! The error body every API of the system answers with: RFC 9457 `application/problem+json`
//! plus a stable machine-readable `code`.
//!
//! The body and its codes are the `contract` crate's ([`contract::problem`]); this module makes
//! them actix answers. Services build a [`Problem`] from their own error enums. 5xx problems carry a generic detail;
//! the cause is logged, never sent. The extractor configurations here turn malformed JSON, query
//! strings and paths into 400 problems instead of actix's plain-text errors, and the
//! [`bare_errors_as_problems`] middleware catches every other error actix answers by itself
//! (an oversized body's 413, a bad `Content-Length`, ...) and makes it a problem too.

use std::{fmt, ops::Deref};

use actix_web::{
    HttpRequest, HttpResponse, ResponseError,
    body::{BoxBody, MessageBody},
    dev::{ServiceRequest, ServiceResponse},
    error::{JsonPayloadError, PathError, QueryPayloadError},
    http::{StatusCode, header},
    middleware::Next,
    web,
};
pub use contract::problem::{PROBLEM_JSON, ProblemCode};

/// A problem answer: the contract's [`contract::problem::Problem`] body as an actix response
/// (`ResponseError`, `Responder`), with `Retry-After` and, for a 401, `WWW-Authenticate`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Problem(contract::problem::Problem);

impl From<contract::problem::Problem> for Problem {
    fn from(body: contract::problem::Problem) -> Self {
        Self(body)
    }
}

impl Deref for Problem {
    type Target = contract::problem::Problem;

    fn deref(&self) -> &Self::Target {
        &self.0
    }
}

impl Problem {
    /// A problem with the given status, code, title and detail.
    pub fn new(
        status: StatusCode,
        code: ProblemCode,
        title: impl Into<String>,
        detail: impl Into<String>,
    ) -> Self {
        Self(contract::problem::Problem::new(
            status.as_u16(),
            code,
            title,
            detail,
        ))
    }

    /// Adds a `Retry-After` hint in seconds.
    pub fn with_retry_after(self, seconds: u64) -> Self {
        Self(self.0.with_retry_after(seconds))
    }

    /// 400 `bad_request`.
    pub fn bad_request(detail: impl Into<String>) -> Self {
        Self(contract::problem::Problem::bad_request(detail))
    }

    /// 404 `not_found`.
    pub fn not_found(detail: impl Into<String>) -> Self {
        Self(contract::problem::Problem::not_found(detail))
    }

    /// 401 `invalid_token`.
    pub fn invalid_token(detail: impl Into<String>) -> Self {
        Self(contract::problem::Problem::invalid_token(detail))
    }

    /// 503 `dependency_unavailable`, e.g. Redis down.
    pub fn dependency_unavailable(detail: impl Into<String>) -> Self {
        Self(contract::problem::Problem::dependency_unavailable(detail))
    }

    /// 500 `internal_error` with nothing internal in it.
    pub fn internal() -> Self {
        Self(contract::problem::Problem::internal())
    }

    /// 413 `payload_too_large`.
    pub fn payload_too_large() -> Self {
        Self(contract::problem::Problem::payload_too_large())
    }

    /// The problem for an error status that actix produced by itself, with a fixed detail
    /// (actix's own text is not passed on).
    pub fn for_status(status: StatusCode) -> Self {
        Self(contract::problem::Problem::for_status(status.as_u16()))
    }

    /// The body.
    pub fn body(&self) -> &contract::problem::Problem {
        &self.0
    }

    /// The status as a [`StatusCode`].
    pub fn status_code(&self) -> StatusCode {
        StatusCode::from_u16(self.0.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)
    }
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

impl std::error::Error for Problem {}

impl ResponseError for Problem {
    fn status_code(&self) -> StatusCode {
        Problem::status_code(self)
    }

    fn error_response(&self) -> HttpResponse {
        let mut response = HttpResponse::build(self.status_code());
        response.content_type(PROBLEM_JSON);
        if let Some(seconds) = self.0.retry_after {
            response.insert_header((header::RETRY_AFTER, seconds.to_string()));
        }
        if self.0.status == 401 {
            response.insert_header((header::WWW_AUTHENTICATE, "Bearer"));
        }
        response.json(&self.0)
    }
}

fn extractor_problem(what: &str, err: &dyn fmt::Display) -> actix_web::Error {
    Problem::bad_request(format!("The {what} is not valid: {err}")).into()
}

/// JSON bodies: at most `limit` bytes; malformed or oversized bodies answer a 400/413 problem.
pub fn json_config(limit: usize) -> web::JsonConfig {
    web::JsonConfig::default().limit(limit).error_handler(
        |err: JsonPayloadError, _req: &HttpRequest| match err {
            JsonPayloadError::Overflow { .. } | JsonPayloadError::OverflowKnownLength { .. } => {
                Problem::payload_too_large().into()
            }
            other => extractor_problem("JSON body", &other),
        },
    )
}

/// Query strings: malformed values answer a 400 problem.
pub fn query_config() -> web::QueryConfig {
    web::QueryConfig::default()
        .error_handler(|err: QueryPayloadError, _req| extractor_problem("query string", &err))
}

/// Path parameters: malformed values answer a 400 problem.
pub fn path_config() -> web::PathConfig {
    web::PathConfig::default().error_handler(|err: PathError, _req| extractor_problem("path", &err))
}

/// Form bodies: malformed or oversized bodies answer a 400 problem.
pub fn form_config(limit: usize) -> web::FormConfig {
    web::FormConfig::default()
        .limit(limit)
        .error_handler(|err, _req| extractor_problem("form body", &err))
}

impl actix_web::Responder for Problem {
    type Body = actix_web::body::BoxBody;

    fn respond_to(self, _req: &HttpRequest) -> HttpResponse {
        self.error_response()
    }
}

/// Whether a response is an error that actix wrote by itself: status 400 or above and a
/// `text/plain` body or none (every body the services write themselves is problem+json, JSON or
/// HTML). Such responses are rewritten by [`bare_errors_as_problems`] (and by the frontend's
/// page equivalent).
pub fn is_bare_error(response: &HttpResponse<impl MessageBody>) -> bool {
    let status = response.status();
    (status.is_client_error() || status.is_server_error())
        && response
            .headers()
            .get(header::CONTENT_TYPE)
            .is_none_or(|value| value.as_bytes().starts_with(b"text/plain"))
}

/// Middleware turning every bare error response (see [`is_bare_error`]), such as actix's 413
/// `text/plain` for a body over the limit, into the problem for its status.
/// Register with `middleware::from_fn(problem::bare_errors_as_problems)`.
pub async fn bare_errors_as_problems(
    request: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    let response = match next.call(request).await {
        Ok(response) => response.map_into_boxed_body(),
        // An error passed up by an inner middleware: the dispatcher renders it later.
        Err(error) => {
            let rendered = error.error_response();
            if is_bare_error(&rendered) {
                return Err(Problem::for_status(rendered.status()).into());
            }
            return Err(error);
        }
    };
    if !is_bare_error(response.response()) {
        return Ok(response);
    }
    let status = response.status();
    Ok(response.into_response(Problem::for_status(status).error_response()))
}

/// The default service: unknown routes answer a 404 problem.
pub async fn not_found(request: HttpRequest) -> Problem {
    Problem::not_found(format!("There is nothing at {}.", request.path()))
}

#[cfg(test)]
mod tests {
    use actix_web::body::MessageBody;

    use super::*;

    #[test]
    fn serialises_as_problem_json_with_retry_after() {
        let problem = Problem::new(
            StatusCode::TOO_MANY_REQUESTS,
            ProblemCode::UpstreamRateLimited,
            "Rate limited",
            "Gmail asked us to slow down.",
        )
        .with_retry_after(7);
        let response = problem.error_response();
        assert_eq!(response.status(), StatusCode::TOO_MANY_REQUESTS);
        assert_eq!(
            response.headers().get("content-type").unwrap(),
            PROBLEM_JSON
        );
        assert_eq!(response.headers().get("retry-after").unwrap(), "7");
        let body = response.into_body().try_into_bytes().unwrap();
        let json: serde_json::Value = serde_json::from_slice(&body).unwrap();
        assert_eq!(
            json["type"],
            "urn:gmail-unread:problem:upstream_rate_limited"
        );
        assert_eq!(json["status"], 429);
        assert_eq!(json["code"], "upstream_rate_limited");
        assert_eq!(json["detail"], "Gmail asked us to slow down.");
    }

    #[actix_rt::test]
    async fn an_oversized_body_answers_a_413_problem_not_plain_text() {
        use actix_web::{App, middleware::from_fn, test};
        // A route reading its body with actix's default plain-text errors, one answering its
        // own JSON error, one a plain-text error of its own, behind the middleware.
        let app = test::init_service(
            App::new()
                .app_data(web::PayloadConfig::new(1024))
                .wrap(from_fn(bare_errors_as_problems))
                .route(
                    "/echo",
                    web::post().to(|body: web::Bytes| async move { HttpResponse::Ok().body(body) }),
                )
                .route(
                    "/not-ready",
                    web::get().to(|| async {
                        HttpResponse::ServiceUnavailable().json(serde_json::json!({"ready": false}))
                    }),
                )
                .route(
                    "/teapot",
                    web::get().to(|| async { HttpResponse::ImATeapot().body("short and stout") }),
                ),
        )
        .await;
        let req = test::TestRequest::post()
            .uri("/echo")
            .set_payload(vec![b'x'; 64 * 1024])
            .to_request();
        let response = test::call_service(&app, req).await;
        assert_eq!(response.status(), StatusCode::PAYLOAD_TOO_LARGE);
        assert_eq!(
            response.headers().get("content-type").unwrap(),
            PROBLEM_JSON
        );
        let json: serde_json::Value = test::read_body_json(response).await;
        assert_eq!(json["code"], "payload_too_large");
        assert_eq!(json["status"], 413);
        // A body within the limit passes untouched.
        let req = test::TestRequest::post()
            .uri("/echo")
            .set_payload("hello")
            .to_request();
        let response = test::call_service(&app, req).await;
        assert_eq!(response.status(), StatusCode::OK);
        assert_eq!(test::read_body(response).await, "hello");

        // Other bare errors become problems; the service's own JSON errors stay.
        let response =
            test::call_service(&app, test::TestRequest::get().uri("/teapot").to_request()).await;
        assert_eq!(response.status(), StatusCode::IM_A_TEAPOT);
        assert_eq!(
            response.headers().get("content-type").unwrap(),
            PROBLEM_JSON
        );
        let json: serde_json::Value = test::read_body_json(response).await;
        assert_eq!(json["code"], "client_error");
        assert!(!json.to_string().contains("stout"));
        // No route: actix's empty 404 becomes a problem.
        let response =
            test::call_service(&app, test::TestRequest::get().uri("/nope").to_request()).await;
        assert_eq!(response.status(), StatusCode::NOT_FOUND);
        assert_eq!(
            response.headers().get("content-type").unwrap(),
            PROBLEM_JSON
        );
        // The service's own JSON error is left as it is.
        let response = test::call_service(
            &app,
            test::TestRequest::get().uri("/not-ready").to_request(),
        )
        .await;
        assert_eq!(response.status(), StatusCode::SERVICE_UNAVAILABLE);
        assert_eq!(
            response.headers().get("content-type").unwrap(),
            "application/json"
        );
    }

    #[test]
    fn unauthorized_carries_www_authenticate() {
        let response = Problem::invalid_token("expired").error_response();
        assert_eq!(
            response.headers().get("www-authenticate").unwrap(),
            "Bearer"
        );
    }
}
