//! Internal JWTs for a logged-in browser ([`crate::internal_jwt`]), and the keys that verify
//! them.
//!
//! - `POST /v1/session/token`: a session token (5 minutes) the frontend uses for gmail-service,
//!   for the session's first account or the one `?account=<address>` names.
//! - `POST /v1/session/tokens`: one session token for each of the session's accounts.
//! - `POST /v1/api-tokens`: an API token (1 hour) shown once to a person for direct API calls;
//!   refused cross-site.
//! - `POST /v1/api-tokens/revoke`: revokes every internal JWT of the account minted so far
//!   (API tokens included); refused cross-site.
//! - `GET /.well-known/jwks.json`: the public keys, with `kid`.
//!
//! Minting is rate-limited per client address and per account.

use std::time::Duration;

use actix_web::{HttpRequest, HttpResponse, web};
use contract::auth::{RevokedTokens, SessionTokens};
use futures_util::future::join_all;
use serde::Deserialize;

use crate::{
    domain::{Session, SessionAccount},
    http::{
        error::ApiError,
        extract::{SessionCookie, client_subject, refuse_cross_site},
    },
    internal_jwt::{self, API_TOKEN_TTL, SESSION_TOKEN_TTL},
    rate_limit::{self, Limited},
    session,
    state::AppState,
};

/// Which of the session's accounts a call names: `?account=<address>`, else the first.
#[derive(Deserialize)]
pub struct AccountQuery {
    account: Option<String>,
}

/// The session of the request's cookie, or 401 `not_logged_in`.
async fn logged_in(cookie: &SessionCookie, state: &AppState) -> Result<Session, ApiError> {
    session::current(state, cookie.id())
        .await?
        .filter(|s| !s.accounts.is_empty())
        .ok_or(ApiError::NotLoggedIn)
}

/// The account a call names among the session's; one it does not hold is 404 (the same
/// answer whatever the address, so nothing is learnt about other sessions).
fn chosen(session: &Session, query: &AccountQuery) -> Result<SessionAccount, ApiError> {
    match query.account.as_deref() {
        Some(email) => session.by_email(email),
        None => session.first(),
    }
    .cloned()
    .ok_or(ApiError::AccountNotInSession)
}

/// Charges a mint to the client address and one to each of `accounts`, all at once (one
/// Redis round trip however many accounts a session holds).
async fn charge(
    state: &AppState,
    request: &HttpRequest,
    accounts: &[SessionAccount],
    what: Limited,
) -> Result<(), ApiError> {
    let client = client_subject(request, state);
    let (by_client, by_account) = tokio::join!(
        rate_limit::per_client(state, &client, what),
        join_all(
            accounts
                .iter()
                .map(|a| rate_limit::per_account(state, &a.account, what))
        )
    );
    by_client?;
    for charged in by_account {
        charged?;
    }
    Ok(())
}

async fn mint(
    state: &AppState,
    account: &SessionAccount,
    lifetime: Duration,
) -> Result<HttpResponse, ApiError> {
    let issued = internal_jwt::mint(state, account, lifetime).await?;
    Ok(HttpResponse::Ok()
        .insert_header(("Cache-Control", "no-store"))
        .json(issued))
}

/// `POST /v1/session/token[?account=<address>]`.
pub async fn session_token(
    request: HttpRequest,
    cookie: SessionCookie,
    query: web::Query<AccountQuery>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let session = logged_in(&cookie, &state).await?;
    let account = chosen(&session, &query)?;
    charge(
        &state,
        &request,
        std::slice::from_ref(&account),
        Limited::SessionTokens,
    )
    .await?;
    mint(&state, &account, SESSION_TOKEN_TTL).await
}

/// `POST /v1/session/tokens`: a session token for each of the session's accounts (one mint
/// charged to the client address, one to each account), charged and minted for all the
/// accounts at once.
pub async fn session_tokens(
    request: HttpRequest,
    cookie: SessionCookie,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let session = logged_in(&cookie, &state).await?;
    charge(&state, &request, &session.accounts, Limited::SessionTokens).await?;
    let tokens = join_all(
        session
            .accounts
            .iter()
            .map(|account| internal_jwt::mint(&state, account, SESSION_TOKEN_TTL)),
    )
    .await
    .into_iter()
    .collect::<Result<Vec<_>, _>>()?;
    Ok(HttpResponse::Ok()
        .insert_header(("Cache-Control", "no-store"))
        .json(SessionTokens {
            tokens,
            max_accounts: state.settings.max_accounts_per_session,
        }))
}

/// The account of an API-token request: same-origin only, charged to the API-token limits.
async fn api_token_account(
    request: &HttpRequest,
    cookie: &SessionCookie,
    query: &AccountQuery,
    state: &AppState,
) -> Result<SessionAccount, ApiError> {
    refuse_cross_site(request, state)?;
    let session = logged_in(cookie, state).await?;
    let account = chosen(&session, query)?;
    charge(
        state,
        request,
        std::slice::from_ref(&account),
        Limited::ApiTokens,
    )
    .await?;
    Ok(account)
}

/// `POST /v1/api-tokens[?account=<address>]`: an API token names one account.
pub async fn api_token(
    request: HttpRequest,
    cookie: SessionCookie,
    query: web::Query<AccountQuery>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let account = api_token_account(&request, &cookie, &query, &state).await?;
    // The Google tokens must stay while this API token can use them.
    state
        .store
        .extend_tokens(&account.account, API_TOKEN_TTL)
        .await?;
    mint(&state, &account, API_TOKEN_TTL).await
}

/// `POST /v1/api-tokens/revoke[?account=<address>]`: `{"not_before": <unix seconds>}`; every
/// internal JWT of the account issued before that time is refused from now on.
pub async fn revoke_api_tokens(
    request: HttpRequest,
    cookie: SessionCookie,
    query: web::Query<AccountQuery>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let account = api_token_account(&request, &cookie, &query, &state).await?;
    let not_before = internal_jwt::revoke_all(&state, &account.account).await?;
    tracing::info!("revoked the account's internal tokens");
    Ok(HttpResponse::Ok()
        .insert_header(("Cache-Control", "no-store"))
        .json(RevokedTokens { not_before }))
}

/// `GET /.well-known/jwks.json`.
pub async fn jwks(state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    let keys = state.keys.get().await?;
    Ok(HttpResponse::Ok()
        .insert_header(("Cache-Control", "public, max-age=60"))
        .json(keys.jwks()))
}
