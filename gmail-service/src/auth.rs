//! [`Caller`]: the verified internal JWT of a request (ES256 only, keys from auth-service's
//! JWKS, `iss`, `aud`, `exp`, `nbf` checked by `common::jwt::JwtVerifier`), and not revoked
//! (`revocation::check`: its `iat` is not before the account's not-before time in Redis).
//! Every Gmail read is made for `Caller::account()`, the token's `sub`, and nothing else.

use std::{future::Future, pin::Pin};

use actix_web::{FromRequest, HttpRequest, dev::Payload, http::header, web};
use common::{
    ExposeSecret, SecretString,
    jwt::{InternalClaims, JwtVerifier, TokenError},
    redis_store::RedisStore,
};

use crate::{
    api_error::ApiError,
    revocation::{self, RevocationError},
};

/// A request's verified identity.
pub struct Caller {
    claims: InternalClaims,
    /// The JWT itself, passed on to auth-service to obtain this account's Google token.
    bearer: SecretString,
}

impl Caller {
    /// The account: the Google `sub` the JWT names.
    pub fn account(&self) -> &str {
        &self.claims.sub
    }

    pub fn claims(&self) -> &InternalClaims {
        &self.claims
    }

    /// The raw JWT.
    pub fn bearer(&self) -> &str {
        self.bearer.expose_secret()
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
                Ok(()) => Ok(Caller {
                    claims,
                    bearer: SecretString::from(token),
                }),
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
