//! `POST /oauth/logout`: end the session, revoke the Google grant, revoke every internal JWT the
//! account was given, clear the cookie, 303 to `/`.
//!
//! Protected against cross-site requests twice: the session cookie is SameSite=Lax (not sent on
//! a cross-site POST), and a foreign `Origin` or `Sec-Fetch-Site: cross-site` is refused.

use actix_web::{HttpRequest, HttpResponse, web};

use crate::{
    domain::SessionId,
    routes::{cookies, error::ApiError, tokens},
    state::AppState,
    store::StoreError,
};

/// `POST /oauth/logout`.
pub async fn logout(
    request: HttpRequest,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let settings = &state.settings;
    if !cookies::same_origin(
        &request,
        &settings.public_base_url.origin().ascii_serialization(),
    ) {
        return Err(ApiError::CrossSite);
    }
    let secure = settings.secure_cookies();
    let session_id =
        cookies::value(&request, cookies::session_name(secure)).and_then(|v| SessionId::parse(&v));
    if let Some(id) = session_id
        && let Some(session) = state.store.session(&id.hash()).await?
    {
        state.store.delete_session(&id.hash()).await?;
        let keys = state.keys.get().await?;
        match state.store.tokens(&session.account, &keys.cipher).await {
            Ok(Some(tokens)) => {
                let token = tokens
                    .refresh_token
                    .as_deref()
                    .unwrap_or(&tokens.access_token);
                if let Err(e) = state.google.revoke(token).await {
                    tracing::warn!(error = %e, "revoking the Google grant failed; the local tokens are deleted anyway");
                }
            }
            Ok(None) | Err(StoreError::Cipher(_)) => {}
            Err(e) => return Err(e.into()),
        }
        state.store.delete_tokens(&session.account).await?;
        // Tokens minted before the logout (API tokens included) must not come back to life
        // when the account logs in again.
        tokens::revoke_all(&state, &session.account).await?;
    }
    Ok(HttpResponse::SeeOther()
        .insert_header((
            "Location",
            format!("{}/", settings.public_origin_and_path()),
        ))
        .insert_header(("Cache-Control", "no-store"))
        .cookie(cookies::removal(cookies::session_name(secure), secure))
        .finish())
}
