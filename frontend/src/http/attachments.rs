//! `GET /messages/{id}/attachments/{attachment_id}`: an attachment, downloaded through the
//! frontend with the session cookie. A relay: gmail-service's bytes pass on as they arrive
//! (nothing is held whole), and the headers that make it a download are set here again
//! (`common::download`: `Content-Disposition: attachment`, never a type a browser would run,
//! `nosniff`, a sandboxing CSP), whatever gmail-service said.

use actix_web::{HttpRequest, HttpResponse, http::header, web};
use contract::gmail::{is_valid_attachment_id, is_valid_message_id};
use futures_util::stream;

use crate::{
    http::{pages::session_token, problem::problem_response, session::SessionCookie},
    state::FrontendState,
    upstream::UpstreamError,
};

/// The policy of a download, should a browser show it anyway.
const DOWNLOAD_POLICY: &str = "default-src 'none'; sandbox";

/// The file name in gmail-service's `Content-Disposition` (its `filename*`, else `filename`).
fn filename(disposition: &str) -> String {
    let star = disposition
        .split(';')
        .filter_map(|p| p.trim().strip_prefix("filename*=UTF-8''"))
        .find_map(|encoded| {
            percent_encoding::percent_decode_str(encoded)
                .decode_utf8()
                .ok()
                .map(|s| s.into_owned())
        });
    star.or_else(|| {
        disposition
            .split(';')
            .find_map(|p| p.trim().strip_prefix("filename="))
            .map(|s| s.trim_matches('"').to_owned())
    })
    .unwrap_or_default()
}

/// `GET /messages/{id}/attachments/{attachment_id}`.
pub async fn attachment(
    request: HttpRequest,
    cookie: Option<SessionCookie>,
    path: web::Path<(String, String)>,
    state: web::Data<FrontendState>,
) -> HttpResponse {
    let (id, attachment_id) = path.into_inner();
    if !is_valid_message_id(&id) || !is_valid_attachment_id(&attachment_id) {
        return problem_response(&UpstreamError::NotFound, None);
    }
    let session = match session_token(&request, &state, cookie.as_ref()).await {
        Ok(s) => s,
        Err(e) => return problem_response(&e, None),
    };
    let upstream = match state
        .upstreams
        .attachment(&session.access_token, &id, &attachment_id)
        .await
    {
        Ok(response) => response,
        Err(UpstreamError::BadRequest) => {
            return problem_response(&UpstreamError::NotFound, Some(session.email));
        }
        Err(e) => return problem_response(&e, Some(session.email)),
    };
    let header = |name: &str| {
        upstream
            .headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned()
    };
    let content_type = common::download::content_type(&header("content-type"));
    let disposition =
        common::download::content_disposition(&filename(&header("content-disposition")));
    HttpResponse::Ok()
        .insert_header((header::CONTENT_TYPE, content_type))
        .insert_header((header::CONTENT_DISPOSITION, disposition))
        .insert_header((header::CONTENT_SECURITY_POLICY, DOWNLOAD_POLICY))
        .insert_header((header::CACHE_CONTROL, "private, no-store"))
        .streaming(stream::unfold(Some(upstream), relay))
}

/// The next chunk of the download; after a failure, the end.
async fn relay(
    upstream: Option<reqwest::Response>,
) -> Option<(
    Result<web::Bytes, std::io::Error>,
    Option<reqwest::Response>,
)> {
    let mut upstream = upstream?;
    match upstream.chunk().await {
        Ok(Some(bytes)) => Some((Ok(bytes), Some(upstream))),
        Ok(None) => None,
        Err(error) => Some((Err(std::io::Error::other(error)), None)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_file_name_comes_from_either_form() {
        assert_eq!(
            filename(
                "attachment; filename=\"___.txt\"; filename*=UTF-8''%E8%AB%8B%E6%B1%82%E6%9B%B8.txt"
            ),
            "請求書.txt"
        );
        assert_eq!(filename("attachment; filename=\"a.pdf\""), "a.pdf");
        assert_eq!(filename("attachment"), "");
    }
}
