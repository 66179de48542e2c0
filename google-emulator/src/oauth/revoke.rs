//! `POST /revoke`: revoking an access or a refresh token kills the whole grant.

use actix_web::{HttpRequest, HttpResponse, http::StatusCode, web};

use crate::{
    oauth::{
        Params,
        token::{inject, oauth_error},
    },
    state::EmulatorState,
};

/// `POST /revoke` with `token=` in the form body or the query string.
pub async fn revoke(
    request: HttpRequest,
    body: web::Bytes,
    state: web::Data<EmulatorState>,
) -> HttpResponse {
    state.count("revoke");
    if let Some(faulty) = inject(&state, |p| p.token).await {
        return faulty;
    }
    let from_body = Params::parse(std::str::from_utf8(&body).unwrap_or(""));
    let from_query = Params::parse(request.query_string());
    let token = match (from_body.get("token"), from_query.get("token")) {
        (Ok(Some(t)), _) | (Ok(None), Ok(Some(t))) => t.to_owned(),
        _ => return oauth_error(StatusCode::BAD_REQUEST, "invalid_request", "Bad Request"),
    };
    let revoked = state.with_store(|s| {
        let grant = s.grant_of_token(&token)?;
        s.revoke_grant(grant);
        Some(())
    });
    match revoked {
        Some(()) => HttpResponse::Ok().finish(),
        None => oauth_error(
            StatusCode::BAD_REQUEST,
            "invalid_token",
            "Token expired or revoked",
        ),
    }
}
