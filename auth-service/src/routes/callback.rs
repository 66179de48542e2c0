//! `GET /oauth/callback`: finish a login.
//!
//! The state is taken once (atomic get-and-delete) and must match the browser's binding cookie;
//! `iss` (RFC 9207), the code exchange with the PKCE verifier, the id_token (RS256 signature
//! against Google's JWKS, `iss`, `aud`, `exp`, `nonce`, `email_verified`) and the Gmail scope are
//! checked; the tokens are stored encrypted (keeping a stored refresh token when Google sends
//! none); a new session replaces any old one.
//!
//! Every failure ends in a 303 to the public site with `?login_error=<reason>`, which the
//! frontend explains to the person; no failure creates a session. Only a storage outage
//! answers 503 problem+json.

use actix_web::{HttpRequest, HttpResponse, web};
use secrecy::ExposeSecret;

use crate::{
    domain::{AccountId, GoogleTokens, LoginState, Session, SessionId, sha256_hex},
    google::{self, GoogleError, IdTokenError},
    rate_limit::{self, Limited},
    routes::{cookies, error::ApiError, login},
    state::AppState,
    store::StoreError,
};

/// Longest callback query string we look at.
const MAX_QUERY: usize = 4096;

/// Why a login did not complete, as shown to the person (and counted in metrics): the
/// contract's reasons, which the frontend explains.
pub use contract::auth::LoginFailure;

enum Outcome {
    Done(HttpResponse),
    Failed(LoginFailure),
}

/// The parameters we read; anything else Google adds is ignored.
#[derive(Default)]
struct CallbackParams {
    state: Option<String>,
    code: Option<String>,
    error: Option<String>,
    iss: Option<String>,
}

fn parse_params(raw: &str) -> Result<CallbackParams, LoginFailure> {
    if raw.len() > MAX_QUERY {
        return Err(LoginFailure::InvalidRequest);
    }
    let mut params = CallbackParams::default();
    for (key, value) in url::form_urlencoded::parse(raw.as_bytes()) {
        let slot = match key.as_ref() {
            "state" => &mut params.state,
            "code" => &mut params.code,
            "error" => &mut params.error,
            "iss" => &mut params.iss,
            _ => continue,
        };
        if slot.replace(value.into_owned()).is_some() {
            return Err(LoginFailure::InvalidRequest);
        }
    }
    Ok(params)
}

/// `GET /oauth/callback`.
pub async fn callback(
    request: HttpRequest,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let secure = state.settings.secure_cookies();
    rate_limit::per_client(&state, &request, Limited::Logins).await?;
    match complete(&request, &state).await? {
        Outcome::Done(response) => {
            state.metrics.logins_completed.inc();
            Ok(response)
        }
        Outcome::Failed(failure) => {
            state
                .metrics
                .logins_failed
                .with_label_values(&[failure.code()])
                .inc();
            tracing::info!(reason = failure.code(), "login failed");
            Ok(HttpResponse::SeeOther()
                .insert_header((
                    "Location",
                    format!(
                        "{}/?{}={}",
                        state.settings.public_origin_and_path(),
                        contract::paths::LOGIN_ERROR_PARAM,
                        failure.code()
                    ),
                ))
                .insert_header(("Cache-Control", "no-store"))
                .cookie(cookies::removal(cookies::login_name(secure), secure))
                .finish())
        }
    }
}

async fn complete(request: &HttpRequest, state: &AppState) -> Result<Outcome, ApiError> {
    use Outcome::Failed;
    let settings = &state.settings;
    let secure = settings.secure_cookies();
    let params = match parse_params(request.query_string()) {
        Ok(p) => p,
        Err(failure) => return Ok(Failed(failure)),
    };
    let Some(raw_state) = params.state.as_deref() else {
        return Ok(Failed(LoginFailure::InvalidRequest));
    };
    let Some(login_state) = LoginState::parse(raw_state) else {
        return Ok(Failed(LoginFailure::LoginExpired));
    };
    // Taken before anything else: a state is burnt by its first use, whatever follows.
    let Some(pending) = state.store.take_login(&login_state.hash()).await? else {
        return Ok(Failed(LoginFailure::LoginExpired));
    };
    let binding = cookies::value(request, cookies::login_name(secure));
    let Some(binding) = binding else {
        return Ok(Failed(LoginFailure::LoginExpired));
    };
    if sha256_hex(&binding) != pending.browser_binding {
        return Ok(Failed(LoginFailure::LoginTampered));
    }
    if let Some(error) = params.error.as_deref() {
        return Ok(Failed(if error == "access_denied" {
            LoginFailure::AccessDenied
        } else {
            LoginFailure::GoogleError
        }));
    }
    if let Some(iss) = params.iss.as_deref()
        && !settings.google.issuers.iter().any(|i| i == iss)
    {
        return Ok(Failed(LoginFailure::LoginTampered));
    }
    let Some(code) = params
        .code
        .as_deref()
        .filter(|c| !c.is_empty() && c.len() <= 2048)
    else {
        return Ok(Failed(LoginFailure::InvalidRequest));
    };
    let response = match state
        .google
        .exchange_code(code, &pending.verifier, &settings.redirect_uri())
        .await
    {
        Ok(r) => r,
        Err(GoogleError::InvalidGrant) => return Ok(Failed(LoginFailure::CodeRejected)),
        Err(GoogleError::Unavailable(_) | GoogleError::Malformed) => {
            return Ok(Failed(LoginFailure::GoogleUnavailable));
        }
        Err(e @ (GoogleError::InvalidClient | GoogleError::Refused { .. })) => {
            tracing::error!(error = %e, "Google refused the code exchange; check the client configuration");
            return Ok(Failed(LoginFailure::GoogleError));
        }
    };
    let now = common::jwt::unix_now();
    let identity = match state
        .google
        .check_id_token(response.id_token.as_deref(), &pending.nonce, now)
        .await
    {
        Ok(identity) => identity,
        Err(IdTokenError::KeysUnavailable) => {
            tracing::warn!("id_token not checkable: Google's signing keys cannot be fetched");
            return Ok(Failed(LoginFailure::GoogleUnavailable));
        }
        Err(e) => {
            tracing::warn!(error = %e, "id_token refused");
            return Ok(Failed(LoginFailure::IdTokenInvalid));
        }
    };
    if !response.scope.is_empty()
        && !response
            .scope
            .split(' ')
            .any(|s| s == google::GMAIL_READONLY)
    {
        return Ok(Failed(LoginFailure::GmailScopeMissing));
    }
    let account = AccountId(identity.sub.clone());
    let keys = state.keys.get().await?;
    let stored = match state.store.tokens(&account, &keys.cipher).await {
        Ok(stored) => stored,
        Err(StoreError::Cipher(e)) => {
            tracing::warn!(error = %e, "replacing unreadable stored tokens");
            None
        }
        Err(e) => return Err(e.into()),
    };
    let refresh_token = response
        .refresh_token
        .as_ref()
        .map(|t| t.expose_secret().to_owned())
        .or_else(|| stored.and_then(|s| s.refresh_token));
    if refresh_token.is_none() && !pending.forced_consent {
        // Google only sends a refresh token on first consent; we have none, so ask again.
        return login::start(
            state,
            request,
            binding,
            pending.return_to,
            Some(&identity.email),
            true,
        )
        .await
        .map(Outcome::Done);
    }
    let tokens = GoogleTokens {
        access_token: response.access_token.expose_secret().to_owned(),
        access_expires_at: now + response.expires_in,
        access_lifetime_secs: response.expires_in,
        refresh_token,
        scope: response.scope.clone(),
        email: identity.email.clone(),
        reauth_required: false,
    };
    state
        .store
        .put_tokens(&account, &tokens, &keys.cipher, Some(settings.session_ttl))
        .await?;
    // A new session on every login (no fixation); the browser's old one ends.
    if let Some(old) =
        cookies::value(request, cookies::session_name(secure)).and_then(|v| SessionId::parse(&v))
    {
        state.store.delete_session(&old.hash()).await?;
    }
    let session_id = SessionId::generate();
    let session = Session {
        account,
        email: identity.email,
        created_at: now,
    };
    state
        .store
        .put_session(&session_id.hash(), &session, settings.session_ttl)
        .await?;
    let max_age = i64::try_from(settings.session_ttl.as_secs()).unwrap_or(i64::MAX);
    Ok(Outcome::Done(
        HttpResponse::Found()
            .insert_header((
                "Location",
                format!("{}{}", settings.public_origin_and_path(), pending.return_to),
            ))
            .insert_header(("Cache-Control", "no-store"))
            .cookie(cookies::build(
                cookies::session_name(secure),
                session_id.expose().to_owned(),
                max_age,
                secure,
            ))
            .cookie(cookies::removal(cookies::login_name(secure), secure))
            .finish(),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn repeated_or_oversized_parameters_are_invalid() {
        assert!(parse_params("state=a&code=b&iss=x&authuser=0&prompt=consent").is_ok());
        assert_eq!(
            parse_params("state=a&state=b").err(),
            Some(LoginFailure::InvalidRequest)
        );
        assert_eq!(
            parse_params(&"x".repeat(5000)).err(),
            Some(LoginFailure::InvalidRequest)
        );
        let p = parse_params("state=%FF%FE&code=c").unwrap();
        assert!(LoginState::parse(p.state.as_deref().unwrap()).is_none());
    }
}
