//! What the handlers read from a request, each in one place:
//!
//! - [`SessionCookie`]: the browser's session id from its session cookie (`__Host-gu_session`
//!   over https, `gu_session` otherwise), if it carries a well-formed one.
//! - [`Caller`]: on the internal listener, gmail-service acting for one account: its own
//!   credential (`X-Service-Credential`) and the person's internal JWT (`Authorization: Bearer`,
//!   parsed by `contract::headers::bearer_token`), verified and not revoked.
//! - [`client_subject`]: the client address (`X-Forwarded-For` believed only from
//!   `TRUSTED_PROXIES`), as the rate limits and pending-login bound count it.

use std::{future::Future, pin::Pin};

use actix_web::{FromRequest, HttpRequest, dev::Payload, http::header, web};
use common::jwt::TokenError;
use contract::{headers::bearer_token, paths::SERVICE_CREDENTIAL_HEADER};

use crate::{
    domain::{AccountId, SessionId},
    http::{cookies, error::ApiError},
    internal_jwt, rate_limit,
    state::AppState,
};

fn app_state(request: &HttpRequest) -> Result<web::Data<AppState>, ApiError> {
    request
        .app_data::<web::Data<AppState>>()
        .cloned()
        .ok_or_else(|| ApiError::Internal("the application state is not configured".into()))
}

/// The session id the browser's session cookie carries; `None` without a (well-formed) one.
pub struct SessionCookie(pub Option<SessionId>);

impl SessionCookie {
    /// The session id, if any.
    pub fn id(&self) -> Option<&SessionId> {
        self.0.as_ref()
    }
}

impl FromRequest for SessionCookie {
    type Error = ApiError;
    type Future = std::future::Ready<Result<Self, ApiError>>;

    fn from_request(request: &HttpRequest, _: &mut Payload) -> Self::Future {
        std::future::ready(app_state(request).map(|state| {
            let name = cookies::session_name(state.settings.secure_cookies());
            Self(cookies::value(request, name).and_then(|v| SessionId::parse(&v)))
        }))
    }
}

/// gmail-service, calling for the account its internal JWT names.
pub struct Caller {
    pub account: AccountId,
}

impl FromRequest for Caller {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, ApiError>>>>;

    fn from_request(request: &HttpRequest, _: &mut Payload) -> Self::Future {
        let request = request.clone();
        Box::pin(async move {
            let state = app_state(&request)?;
            let keys = state.keys.get().await?;
            let credential = request
                .headers()
                .get(SERVICE_CREDENTIAL_HEADER)
                .and_then(|v| v.to_str().ok())
                .unwrap_or_default();
            if !keys.is_gmail_service(credential) {
                return Err(ApiError::InvalidCredential);
            }
            let token = request
                .headers()
                .get(header::AUTHORIZATION)
                .and_then(|v| v.to_str().ok())
                .and_then(bearer_token)
                .ok_or(ApiError::InvalidToken(TokenError::Malformed))?;
            let account = internal_jwt::verify(&state, token).await?;
            Ok(Self { account })
        })
    }
}

/// The requesting client's rate-limit subject (see [`rate_limit::client_subject`]).
pub fn client_subject(request: &HttpRequest, state: &AppState) -> String {
    rate_limit::client_subject(common::client_address::client_address(
        request,
        &state.settings.trusted_proxies,
    ))
}

/// Refuses a request that did not come from the application's own pages (a foreign `Origin` or
/// `Sec-Fetch-Site: cross-site`): logout, removing an account, API tokens.
pub fn refuse_cross_site(request: &HttpRequest, state: &AppState) -> Result<(), ApiError> {
    let origin = state
        .settings
        .public_base_url
        .origin()
        .ascii_serialization();
    if cookies::same_origin(request, &origin) {
        Ok(())
    } else {
        Err(ApiError::CrossSite)
    }
}
