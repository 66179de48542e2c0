//! `GET /openapi.json`: the OpenAPI description generated from the handlers' annotations
//! (utoipa) and the `contract` crate's types (their `ToSchema` derives live there), covering
//! every route, parameter, response and error.

use std::sync::OnceLock;

use actix_web::HttpResponse;
use contract::problem::{Problem, ProblemCode};
use utoipa::{
    Modify, OpenApi,
    openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme},
};

use crate::{
    http::{attachments, health, messages},
    mail::{AttachmentInfo, MessageDetail, MessageSummary, Sender, UnreadCount, UnreadPage},
};

struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .bearer_format("JWT")
                    .description(Some(
                        "An internal JWT from auth-service (`POST /v1/session/token` or `POST /v1/api-tokens`).",
                    ))
                    .build(),
            ),
        );
    }
}

/// The API description.
#[derive(OpenApi)]
#[openapi(
    info(
        title = "gmail-service",
        description = "Unread Gmail messages of the account an internal JWT names. Errors are `application/problem+json` with a stable `code`.",
    ),
    paths(
        messages::unread,
        messages::message,
        messages::thread,
        attachments::attachment,
        messages::unread_count,
        super::events::events,
        health::healthz,
        health::readyz,
        health::metrics,
        openapi_json,
    ),
    components(schemas(
        UnreadPage,
        MessageSummary,
        MessageDetail,
        contract::gmail::ThreadDetail,
        AttachmentInfo,
        Sender,
        UnreadCount,
        contract::gmail::events::UnreadRemoved,
        contract::gmail::events::UnreadCountChanged,
        Problem,
        ProblemCode,
    )),
    modifiers(&BearerAuth),
    tags(
        (name = "messages", description = "Unread mail"),
        (name = "operations", description = "Health, readiness, metrics, this description"),
    )
)]
pub struct ApiDoc;

/// This OpenAPI description.
#[utoipa::path(
    get,
    path = "/openapi.json",
    tag = "operations",
    responses((status = 200, description = "OpenAPI 3.1 description of this API", content_type = "application/json", body = Object))
)]
pub async fn openapi_json() -> HttpResponse {
    static DOCUMENT: OnceLock<String> = OnceLock::new();
    let document = DOCUMENT.get_or_init(|| ApiDoc::openapi().to_json().unwrap_or_default());
    HttpResponse::Ok()
        .content_type("application/json")
        .body(document.as_str())
}
