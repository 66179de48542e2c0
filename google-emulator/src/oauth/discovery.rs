//! The OpenID discovery document, the id_token JWKS (`/oauth2/v3/certs`) and `/v1/userinfo`.

use actix_web::{HttpRequest, HttpResponse, web};
use serde_json::json;

use crate::{
    gmail::auth::bearer_token,
    oauth::{
        id_token::IdTokenSigner,
        scopes::{OPENID, USERINFO_EMAIL, USERINFO_PROFILE},
    },
    state::EmulatorState,
};

/// `GET /.well-known/openid-configuration`.
pub async fn openid_configuration(state: web::Data<EmulatorState>) -> HttpResponse {
    let base = &state.public_url;
    HttpResponse::Ok()
        .insert_header(("Cache-Control", "public, max-age=3600"))
        .json(json!({
            "issuer": state.issuer,
            "authorization_endpoint": format!("{base}/o/oauth2/v2/auth"),
            "token_endpoint": format!("{base}/token"),
            "userinfo_endpoint": format!("{base}/v1/userinfo"),
            "revocation_endpoint": format!("{base}/revoke"),
            "jwks_uri": format!("{base}/oauth2/v3/certs"),
            "response_types_supported": ["code", "token", "id_token", "code token", "code id_token", "token id_token", "code token id_token", "none"],
            "subject_types_supported": ["public"],
            "id_token_signing_alg_values_supported": ["RS256"],
            "scopes_supported": ["openid", "email", "profile"],
            "token_endpoint_auth_methods_supported": ["client_secret_post", "client_secret_basic"],
            "claims_supported": ["aud", "email", "email_verified", "exp", "iat", "iss", "name", "sub"],
            "code_challenge_methods_supported": ["plain", "S256"],
            "grant_types_supported": ["authorization_code", "refresh_token"],
        }))
}

/// `GET /oauth2/v3/certs` (counted as `certs`).
pub async fn certs(state: web::Data<EmulatorState>) -> HttpResponse {
    state.count("certs");
    HttpResponse::Ok()
        .insert_header(("Cache-Control", "public, max-age=3600"))
        .json(IdTokenSigner::jwks())
}

/// `GET /v1/userinfo` (bearer access token with an identity scope).
pub async fn userinfo(request: HttpRequest, state: web::Data<EmulatorState>) -> HttpResponse {
    state.count("userinfo");
    let token = match bearer_token(&request, &state) {
        Ok(t) => t,
        Err(e) => return e.response(),
    };
    let Some(who) = state.accounts.get(token.account) else {
        return crate::gmail::error::GoogleApiError::invalid_credentials().response();
    };
    if !token
        .scopes
        .iter()
        .any(|s| s == OPENID || s == USERINFO_EMAIL || s == USERINFO_PROFILE)
    {
        return crate::gmail::error::GoogleApiError::insufficient_scope().response();
    }
    let mut body = json!({ "sub": who.sub });
    if token.scopes.contains(USERINFO_EMAIL) {
        body["email"] = json!(who.email);
        body["email_verified"] = json!(true);
    }
    if token.scopes.contains(USERINFO_PROFILE) {
        body["name"] = json!(who.name);
    }
    HttpResponse::Ok().json(body)
}
