//! `POST /token`: the authorization_code grant (with PKCE) and the refresh_token grant, with
//! Google's client authentication (Basic or body), error bodies and status codes.

use std::time::Instant;

use actix_web::{HttpRequest, HttpResponse, http::StatusCode, web};
use base64::{Engine, engine::general_purpose::STANDARD, engine::general_purpose::URL_SAFE_NO_PAD};
use serde_json::json;
use sha2::{Digest, Sha256};

use crate::{
    faults::Fault,
    oauth::{
        Params,
        id_token::IdTokenClaims,
        scopes::{self, OPENID, USERINFO_EMAIL, USERINFO_PROFILE},
    },
    state::{ChallengeMethod, EmulatorState},
};

/// An OAuth error answer (`{"error","error_description"}`), as the token and revocation
/// endpoints send it.
#[derive(Debug, Clone)]
pub struct OAuthError {
    status: StatusCode,
    error: &'static str,
    description: String,
}

impl OAuthError {
    /// An error with this status, code and description.
    pub fn new(status: StatusCode, error: &'static str, description: &str) -> Self {
        Self {
            status,
            error,
            description: description.to_owned(),
        }
    }
}

impl std::fmt::Display for OAuthError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} {}: {}",
            self.status.as_u16(),
            self.error,
            self.description
        )
    }
}

impl actix_web::ResponseError for OAuthError {
    fn status_code(&self) -> StatusCode {
        self.status
    }

    fn error_response(&self) -> HttpResponse {
        HttpResponse::build(self.status)
            .insert_header(("Cache-Control", "no-store"))
            .insert_header(("Pragma", "no-cache"))
            .json(json!({ "error": self.error, "error_description": self.description }))
    }
}

/// The HTTP answer of an OAuth error.
pub fn oauth_error(status: StatusCode, error: &'static str, description: &str) -> HttpResponse {
    actix_web::ResponseError::error_response(&OAuthError::new(status, error, description))
}

fn bad_request(error: &'static str, description: &str) -> OAuthError {
    OAuthError::new(StatusCode::BAD_REQUEST, error, description)
}

fn unauthorized(description: &str) -> OAuthError {
    OAuthError::new(StatusCode::UNAUTHORIZED, "invalid_client", description)
}

/// Applies the configured latency and token-endpoint fault; `Some` is the faulty answer.
pub async fn inject(
    state: &EmulatorState,
    group: fn(&crate::faults::FaultPlan) -> crate::faults::FaultShares,
) -> Option<HttpResponse> {
    let (latency, fault, slow) = state.draw_fault(group);
    if !latency.is_zero() {
        tokio::time::sleep(latency).await;
    }
    match fault {
        Fault::None => None,
        Fault::Slow => {
            tokio::time::sleep(slow).await;
            None
        }
        Fault::RateLimited => Some(
            HttpResponse::TooManyRequests()
                .insert_header(("Retry-After", "1"))
                .json(json!({"error": "rate_limit_exceeded", "error_description": "Rate Limit Exceeded"})),
        ),
        Fault::ServerError => Some(oauth_error(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal_failure",
            "Backend Error",
        )),
        Fault::Unavailable => Some(oauth_error(
            StatusCode::SERVICE_UNAVAILABLE,
            "temporarily_unavailable",
            "The service is currently unavailable.",
        )),
    }
}

/// Client credentials from HTTP Basic (RFC 6749 2.3.1: each part form-urlencoded) or the body.
fn client_credentials(
    request: &HttpRequest,
    params: &Params,
) -> Result<(Option<String>, Option<String>), OAuthError> {
    let body_id = params
        .get("client_id")
        .map_err(|e| bad_request("invalid_request", &e))?;
    let body_secret = params
        .get("client_secret")
        .map_err(|e| bad_request("invalid_request", &e))?;
    let Some(header) = request.headers().get("authorization") else {
        return Ok((body_id.map(str::to_owned), body_secret.map(str::to_owned)));
    };
    let decoded = header
        .to_str()
        .ok()
        .and_then(|h| {
            h.strip_prefix("Basic ")
                .or_else(|| h.strip_prefix("basic "))
        })
        .and_then(|b64| STANDARD.decode(b64.trim()).ok())
        .and_then(|raw| String::from_utf8(raw).ok());
    let Some(decoded) = decoded else {
        return Err(unauthorized("Unauthorized"));
    };
    let Some((id, secret)) = decoded.split_once(':') else {
        return Err(unauthorized("Unauthorized"));
    };
    let unescape = |s: &str| {
        url::form_urlencoded::parse(format!("v={s}").as_bytes())
            .next()
            .map(|(_, v)| v.into_owned())
            .unwrap_or_default()
    };
    let (id, secret) = (unescape(id), unescape(secret));
    if body_secret.is_some() {
        return Err(bad_request(
            "invalid_request",
            "The client must use only one authentication method.",
        ));
    }
    if body_id.is_some_and(|b| b != id) {
        return Err(unauthorized("Unauthorized"));
    }
    Ok((Some(id), Some(secret)))
}

fn constant_time_eq(a: &str, b: &str) -> bool {
    a.len() == b.len()
        && a.bytes()
            .zip(b.bytes())
            .fold(0u8, |acc, (x, y)| acc | (x ^ y))
            == 0
}

fn verifier_matches(verifier: &str, challenge: &str, method: ChallengeMethod) -> bool {
    match method {
        ChallengeMethod::Plain => constant_time_eq(verifier, challenge),
        ChallengeMethod::S256 => constant_time_eq(
            &URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes())),
            challenge,
        ),
    }
}

fn well_formed_verifier(v: &str) -> bool {
    (43..=128).contains(&v.len())
        && v.bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~'))
}

/// `POST /token`.
pub async fn token(
    request: HttpRequest,
    body: web::Bytes,
    state: web::Data<EmulatorState>,
) -> Result<HttpResponse, OAuthError> {
    let form = std::str::from_utf8(&body).unwrap_or("");
    let params = Params::parse(form);
    let grant_type = params
        .get("grant_type")
        .ok()
        .flatten()
        .unwrap_or("")
        .to_owned();
    state.count(match grant_type.as_str() {
        "authorization_code" => "token.authorization_code",
        "refresh_token" => "token.refresh_token",
        _ => "token.other",
    });
    if let Some(faulty) = inject(&state, |p| p.token).await {
        return Ok(faulty);
    }
    let content_type = request
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    if !content_type
        .to_ascii_lowercase()
        .starts_with("application/x-www-form-urlencoded")
    {
        return Err(bad_request(
            "invalid_request",
            "Invalid Content-Type; expected application/x-www-form-urlencoded.",
        ));
    }
    if std::str::from_utf8(&body).is_err() {
        return Err(bad_request(
            "invalid_request",
            "The request body is not valid UTF-8.",
        ));
    }
    let (client_id, secret) = client_credentials(&request, &params)?;
    let Some(client_id) = client_id else {
        return Err(bad_request(
            "invalid_request",
            "Could not determine client ID from request.",
        ));
    };
    let client = &state.config.client;
    if client_id != client.client_id {
        return Err(unauthorized("The OAuth client was not found."));
    }
    if !secret.is_some_and(|s| constant_time_eq(&s, &client.client_secret)) {
        return Err(unauthorized("Unauthorized"));
    }
    match grant_type.as_str() {
        "" => Err(bad_request(
            "invalid_request",
            "Required parameter is missing: grant_type",
        )),
        "authorization_code" => redeem_code(&state, &params, &client_id),
        "refresh_token" => refresh(&state, &params, &client_id),
        other => Err(bad_request(
            "unsupported_grant_type",
            &format!("Invalid grant_type: {other}"),
        )),
    }
}

fn id_token_for(
    state: &EmulatorState,
    account: usize,
    client_id: &str,
    scopes: &std::collections::BTreeSet<String>,
    nonce: Option<&str>,
) -> Option<String> {
    if !scopes.contains(OPENID) {
        return None;
    }
    let who = state.accounts.get(account)?;
    let now = common::jwt::unix_now();
    let claims = IdTokenClaims {
        iss: &state.issuer,
        azp: client_id,
        aud: client_id,
        sub: &who.sub,
        email: if scopes.contains(USERINFO_EMAIL) {
            &who.email
        } else {
            ""
        },
        email_verified: scopes.contains(USERINFO_EMAIL),
        nonce,
        name: scopes.contains(USERINFO_PROFILE).then_some(&who.name),
        iat: now,
        exp: now + 3600,
    };
    state.id_tokens.sign(&claims).ok()
}

fn redeem_code(
    state: &EmulatorState,
    params: &Params,
    client_id: &str,
) -> Result<HttpResponse, OAuthError> {
    let get = |n: &str| {
        params
            .get(n)
            .map_err(|e| bad_request("invalid_request", &e))
    };
    let code = get("code")?
        .ok_or_else(|| bad_request("invalid_request", "Missing required parameter: code"))?
        .to_owned();
    let redirect_uri = get("redirect_uri")?.map(str::to_owned);
    let verifier = get("code_verifier")?.map(str::to_owned);
    let ttl = state.token_ttl();
    let outcome = state.with_store(|s| {
        let Some(record) = s.codes.get_mut(&code) else {
            return Err(bad_request("invalid_grant", "Bad Request"));
        };
        if record.client_id != client_id {
            return Err(bad_request("invalid_grant", "Bad Request"));
        }
        if record.used {
            // RFC 6749 4.1.2: a code presented twice revokes what it issued.
            let issued = std::mem::take(&mut record.issued);
            for token in issued {
                s.access_tokens.remove(&token);
                if let Some(grant) = s.refresh_tokens.remove(&token)
                    && let Some(g) = s.grants.get_mut(&grant)
                {
                    g.refresh_tokens.retain(|t| *t != token);
                }
            }
            return Err(bad_request("invalid_grant", "Bad Request"));
        }
        if record.expires <= Instant::now() {
            return Err(bad_request("invalid_grant", "Bad Request"));
        }
        record.used = true;
        let record = record.clone();
        match redirect_uri.as_deref() {
            None => {
                return Err(bad_request(
                    "invalid_request",
                    "Missing required parameter: redirect_uri",
                ));
            }
            Some(r) if r != record.redirect_uri => {
                return Err(bad_request("redirect_uri_mismatch", "Bad Request"));
            }
            Some(_) => {}
        }
        if let Some((challenge, method)) = &record.challenge {
            let Some(verifier) = verifier.as_deref() else {
                return Err(bad_request("invalid_grant", "Missing code verifier."));
            };
            if !well_formed_verifier(verifier) || !verifier_matches(verifier, challenge, *method) {
                return Err(bad_request("invalid_grant", "Invalid code verifier."));
            }
        }
        let Some((grant, _)) = s.grant_of(record.account, client_id) else {
            return Err(bad_request("invalid_grant", "Bad Request"));
        };
        let access = s.issue_access_token(grant, &record.scopes, ttl);
        let refresh = if record.issue_refresh_token {
            s.issue_refresh_token(grant)
        } else {
            None
        };
        if let Some(r) = s.codes.get_mut(&code) {
            r.issued.extend(access.iter().cloned());
            r.issued.extend(refresh.iter().cloned());
        }
        Ok((record, access, refresh))
    });
    let (record, access, refresh) = outcome?;
    let Some(access) = access else {
        return Err(bad_request("invalid_grant", "Bad Request"));
    };
    let mut body = json!({
        "access_token": access,
        "expires_in": ttl.as_secs(),
        "scope": scopes::join(&record.scopes),
        "token_type": "Bearer",
    });
    if let Some(refresh) = refresh {
        body["refresh_token"] = json!(refresh);
    }
    if let Some(id_token) = id_token_for(
        state,
        record.account,
        client_id,
        &record.scopes,
        record.nonce.as_deref(),
    ) {
        body["id_token"] = json!(id_token);
    }
    Ok(token_response(body))
}

fn token_response(body: serde_json::Value) -> HttpResponse {
    HttpResponse::Ok()
        .insert_header(("Cache-Control", "no-store"))
        .insert_header(("Pragma", "no-cache"))
        .json(body)
}

fn refresh(
    state: &EmulatorState,
    params: &Params,
    client_id: &str,
) -> Result<HttpResponse, OAuthError> {
    let refresh_token = match params.get("refresh_token") {
        Ok(Some(t)) => t,
        Ok(None) => {
            return Err(bad_request(
                "invalid_request",
                "Missing required parameter: refresh_token",
            ));
        }
        Err(e) => return Err(bad_request("invalid_request", &e)),
    };
    let ttl = state.token_ttl();
    let issued = state.with_store(|s| {
        let grant_id = *s.refresh_tokens.get(refresh_token)?;
        let grant = s.grants.get(&grant_id)?.clone();
        if grant.client_id != client_id {
            return None;
        }
        let access = s.issue_access_token(grant_id, &grant.scopes, ttl)?;
        Some((grant, access))
    });
    let Some((grant, access)) = issued else {
        return Err(bad_request(
            "invalid_grant",
            "Token has been expired or revoked.",
        ));
    };
    let mut body = json!({
        "access_token": access,
        "expires_in": ttl.as_secs(),
        "scope": scopes::join(&grant.scopes),
        "token_type": "Bearer",
    });
    if let Some(id_token) = id_token_for(state, grant.account, client_id, &grant.scopes, None) {
        body["id_token"] = json!(id_token);
    }
    Ok(token_response(body))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc7636_appendix_b_vector() {
        assert!(verifier_matches(
            "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk",
            "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM",
            ChallengeMethod::S256
        ));
        assert!(!verifier_matches(
            "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk",
            "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk",
            ChallengeMethod::S256
        ));
        assert!(verifier_matches("abc", "abc", ChallengeMethod::Plain));
    }
}
