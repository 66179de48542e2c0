//! [`Caller`]: the one extractor of the bearer JWT. It reads `Authorization: Bearer <token>`
//! (`contract::headers::bearer_token`), verifies the JWT (ES256 only, keys from auth-service's
//! JWKS, `iss`, `aud`, `exp`, `nbf` checked by `common::jwt::JwtVerifier`), checks it is not
//! revoked (`crate::revocation::check`: its `iat` is not before the account's not-before time
//! in Redis) and yields the domain's [`Account`]. Every Gmail read is made for that account's
//! `sub`, and nothing else.

use std::{future::Future, pin::Pin};

use actix_web::{FromRequest, HttpRequest, dev::Payload, http::header, web};
use common::{
    SecretString,
    jwt::{JwtVerifier, TokenError},
    redis_store::RedisStore,
};

use crate::{
    account::Account,
    http::error::ApiError,
    revocation::{self, RevocationError},
};

/// A request's verified identity: the extractor around the domain's [`Account`].
#[derive(Debug)]
pub struct Caller(Account);

impl Caller {
    /// The verified account the request acts for.
    pub fn account(&self) -> &Account {
        &self.0
    }
}

/// The bearer token of an `Authorization` header, if well-formed (`contract::headers::bearer_token`).
fn bearer_token(request: &HttpRequest) -> Result<String, ApiError> {
    let value = request
        .headers()
        .get(header::AUTHORIZATION)
        .ok_or_else(|| ApiError::InvalidToken("The Authorization header is missing.".into()))?;
    let value = value
        .to_str()
        .map_err(|_| ApiError::InvalidToken("The Authorization header is malformed.".into()))?;
    contract::headers::bearer_token(value)
        .map(str::to_owned)
        .ok_or_else(|| ApiError::InvalidToken("Expected `Authorization: Bearer <token>`.".into()))
}

impl FromRequest for Caller {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, Self::Error>>>>;

    fn from_request(request: &HttpRequest, _payload: &mut Payload) -> Self::Future {
        let token = bearer_token(request);
        let verifier = request.app_data::<web::Data<JwtVerifier>>().cloned();
        let redis = request.app_data::<web::Data<RedisStore>>().cloned();
        Box::pin(async move {
            let token = token?;
            let verifier = verifier.ok_or(ApiError::Internal("no JWT verifier configured"))?;
            let redis = redis.ok_or(ApiError::Internal("no Redis configured"))?;
            let claims = match verifier.verify(&token).await {
                Ok(claims) => claims,
                Err(TokenError::KeysUnavailable) => {
                    return Err(ApiError::DependencyUnavailable(
                        "auth-service's signing keys cannot be fetched".into(),
                    ));
                }
                Err(error) => {
                    return Err(ApiError::InvalidToken(format!(
                        "The token is refused: {error}."
                    )));
                }
            };
            match revocation::check(&redis, &claims).await {
                Ok(()) => Ok(Caller(Account::new(claims, SecretString::from(token)))),
                Err(RevocationError::Revoked) => {
                    Err(ApiError::InvalidToken("The token was revoked.".into()))
                }
                Err(RevocationError::Unavailable(error)) => Err(ApiError::DependencyUnavailable(
                    format!("Redis (token revocation): {error}"),
                )),
            }
        })
    }
}
