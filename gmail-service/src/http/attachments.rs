//! `GET /v1/messages/{id}/attachments/{attachment_id}`: an attachment's bytes as a download.
//!
//! The message is read (`messages.get`, 5 units) for the part's name, type and size, then its
//! bytes come from the message itself or from Gmail's `messages.attachments.get` (5 units),
//! decoded as they arrive (`mail::attachment::Decoder`) and passed on chunk by chunk: memory
//! stays flat whatever the size, up to `ATTACHMENT_MAX_BYTES`. Always a download
//! (`Content-Disposition: attachment`, `nosniff`, a sandboxing CSP), and never in a type a
//! browser would run (`common::download`).

use actix_web::{HttpResponse, http::header, web, web::Bytes};
use contract::{
    gmail::{is_valid_attachment_id, is_valid_message_id},
    problem::Problem as ProblemBody,
};
use futures_util::stream;

use crate::{
    http::{caller::Caller, error::ApiError},
    mail::attachment::Decoder,
    mailbox::{AttachmentContent, Mailbox},
};

/// The policy of a download, should a browser show it anyway.
pub const DOWNLOAD_POLICY: &str = "default-src 'none'; sandbox";

/// Gmail's answer, decoded as it arrives.
struct Decoding {
    response: reqwest::Response,
    decoder: Decoder,
    done: bool,
}

impl Decoding {
    async fn next(mut self) -> Option<(Result<Bytes, std::io::Error>, Self)> {
        loop {
            if self.done {
                return None;
            }
            let failed = |reason: String| {
                tracing::warn!(%reason, "an attachment download failed midway");
                std::io::Error::other(reason)
            };
            match self.response.chunk().await {
                Ok(Some(chunk)) => match self.decoder.feed(&chunk) {
                    Ok(out) if out.is_empty() => {}
                    Ok(out) => return Some((Ok(Bytes::from(out)), self)),
                    Err(error) => {
                        self.done = true;
                        return Some((Err(failed(error.to_string())), self));
                    }
                },
                Ok(None) => {
                    self.done = true;
                    match self.decoder.finish() {
                        Ok(out) if out.is_empty() => return None,
                        Ok(out) => return Some((Ok(Bytes::from(out)), self)),
                        Err(error) => return Some((Err(failed(error.to_string())), self)),
                    }
                }
                Err(error) => {
                    self.done = true;
                    return Some((Err(failed(format!("Gmail: {error}"))), self));
                }
            }
        }
    }
}

/// One attachment of a message, as a download.
///
/// The bytes of the attachment `attachment_id` (the `attachment_id` of `GET /v1/messages/{id}`:
/// its MIME part id) with `Content-Disposition: attachment` and its file name. Types a browser
/// would render or run (HTML, SVG, XML, JavaScript, …) come as `application/octet-stream`.
#[utoipa::path(
    get,
    path = "/v1/messages/{id}/attachments/{attachment_id}",
    tag = "messages",
    params(
        ("id" = String, Path, description = "Gmail message id (letters and digits)", pattern = "^[A-Za-z0-9]{1,64}$"),
        ("attachment_id" = String, Path, description = "The attachment's id (its MIME part id)", pattern = "^[0-9]{1,4}(\\.[0-9]{1,4})*$"),
    ),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The attachment's bytes, in its declared type when a browser would not run that type, else `application/octet-stream`", content_type = "*/*", body = Vec<u8>,
            headers(("Content-Disposition" = String, description = "`attachment` with the file name"))),
        (status = 400, description = "`bad_request`: malformed id", body = ProblemBody, content_type = "application/problem+json"),
        (status = 401, description = "`invalid_token` or `reauth_required`", body = ProblemBody, content_type = "application/problem+json"),
        (status = 403, description = "`insufficient_scope`", body = ProblemBody, content_type = "application/problem+json"),
        (status = 404, description = "`not_found`: no such message, or no such attachment in it", body = ProblemBody, content_type = "application/problem+json"),
        (status = 413, description = "`payload_too_large`: larger than this service hands out", body = ProblemBody, content_type = "application/problem+json"),
        (status = 429, description = "`upstream_rate_limited`", body = ProblemBody, content_type = "application/problem+json",
            headers(("Retry-After" = u64, description = "Seconds to wait"))),
        (status = 502, description = "`upstream_error`", body = ProblemBody, content_type = "application/problem+json"),
        (status = 503, description = "`upstream_unavailable` or `dependency_unavailable`", body = ProblemBody, content_type = "application/problem+json",
            headers(("Retry-After" = u64, description = "Seconds to wait"))),
    )
)]
pub async fn attachment(
    caller: Caller,
    path: web::Path<(String, String)>,
    mailbox: web::Data<Mailbox>,
) -> Result<HttpResponse, ApiError> {
    let (id, attachment_id) = path.into_inner();
    if !is_valid_message_id(&id) {
        return Err(ApiError::BadRequest(
            "A message id is 1 to 64 letters and digits.".into(),
        ));
    }
    if !is_valid_attachment_id(&attachment_id) {
        return Err(ApiError::BadRequest(
            "An attachment id is a MIME part id: numbers joined by dots, like 2 or 1.2.".into(),
        ));
    }
    let attachment = mailbox
        .attachment(caller.account(), &id, &attachment_id)
        .await?;
    let mut response = HttpResponse::Ok();
    response
        .insert_header((
            header::CONTENT_TYPE,
            common::download::content_type(&attachment.mime_type),
        ))
        .insert_header((
            header::CONTENT_DISPOSITION,
            common::download::content_disposition(&attachment.filename),
        ))
        .insert_header((header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
        .insert_header((header::CONTENT_SECURITY_POLICY, DOWNLOAD_POLICY))
        .insert_header((header::CACHE_CONTROL, "private, no-store"));
    Ok(match attachment.content {
        AttachmentContent::Inline(bytes) => response.body(bytes),
        AttachmentContent::Gmail(gmail) => response.streaming(stream::unfold(
            Decoding {
                response: gmail,
                decoder: Decoder::new(attachment.limit),
                done: false,
            },
            Decoding::next,
        )),
    })
}
