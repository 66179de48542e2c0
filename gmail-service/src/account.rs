//! [`Account`]: the verified account a request acts for (the internal JWT's claims, checked and
//! not revoked, and the JWT itself). The HTTP edge's `Caller` extractor produces it; everything
//! below works with it alone, so every Gmail read is made for [`Account::sub`] and nothing else.

use common::{ExposeSecret, SecretString, jwt::InternalClaims};

/// A verified, unrevoked account. `Debug` never shows the bearer token.
#[derive(Clone)]
pub struct Account {
    claims: InternalClaims,
    /// The JWT itself, passed on to auth-service to obtain this account's Google token.
    bearer: SecretString,
}

impl std::fmt::Debug for Account {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Account")
            .field("sub", &self.claims.sub)
            .finish_non_exhaustive()
    }
}

impl Account {
    /// `claims` of a verified JWT `bearer` (checked by the caller: signature, time, revocation).
    pub fn new(claims: InternalClaims, bearer: SecretString) -> Self {
        Self { claims, bearer }
    }

    /// The Google `sub` the JWT names: the account every read is for.
    pub fn sub(&self) -> &str {
        &self.claims.sub
    }

    /// The account's e-mail address, as the JWT names it.
    pub fn email(&self) -> &str {
        &self.claims.email
    }

    /// All the verified claims.
    pub fn claims(&self) -> &InternalClaims {
        &self.claims
    }

    /// The raw JWT, for auth-service.
    pub fn bearer(&self) -> &str {
        self.bearer.expose_secret()
    }
}
