//! OpenID Connect id_tokens, signed RS256 like Google's, and the JWKS that verifies them.
//!
//! The key is a fixed 2048-bit RSA key committed with the emulator (`id_token_key.pem`, public
//! modulus in `id_token_key.n`): it is a test double's key, deliberately public, so that id_tokens
//! are reproducible and verifiable from the JWKS at `/oauth2/v3/certs`. The OIDC tokens of push
//! notifications ([`crate::push`]) are signed with it too, as Google signs both with one key set.

use jsonwebtoken::{Algorithm, EncodingKey, Header};
use serde::Serialize;

/// The private key (PKCS#8 PEM): public on purpose, so that tests can forge id_tokens that
/// differ from the emulator's only where they mean to.
pub const PRIVATE_KEY_PEM: &str = include_str!("id_token_key.pem");
const MODULUS_B64URL: &str = include_str!("id_token_key.n");
const EXPONENT_B64URL: &str = "AQAB";
/// The `kid` of the emulator's signing key.
pub const KEY_ID: &str = "emulator-rs256-2026";

/// The claims Google puts in an id_token.
#[derive(Debug, Serialize)]
pub struct IdTokenClaims<'a> {
    pub iss: &'a str,
    pub azp: &'a str,
    pub aud: &'a str,
    pub sub: &'a str,
    pub email: &'a str,
    pub email_verified: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub nonce: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<&'a str>,
    pub iat: i64,
    pub exp: i64,
}

/// Signs id_tokens with the emulator's RSA key.
pub struct IdTokenSigner {
    key: EncodingKey,
}

impl IdTokenSigner {
    /// Loads the committed key.
    pub fn new() -> anyhow::Result<Self> {
        Ok(Self {
            key: EncodingKey::from_rsa_pem(PRIVATE_KEY_PEM.as_bytes())?,
        })
    }

    /// A signed id_token.
    pub fn sign(&self, claims: &IdTokenClaims<'_>) -> anyhow::Result<String> {
        self.sign_claims(claims)
    }

    /// Any claims signed with the same key and `kid` (Google signs the OIDC tokens of Pub/Sub
    /// push requests with the keys of its id_tokens; see [`crate::push`]).
    pub fn sign_claims(&self, claims: &impl Serialize) -> anyhow::Result<String> {
        let mut header = Header::new(Algorithm::RS256);
        header.kid = Some(KEY_ID.to_owned());
        Ok(jsonwebtoken::encode(&header, claims, &self.key)?)
    }

    /// The JWKS document served at `/oauth2/v3/certs`.
    pub fn jwks() -> serde_json::Value {
        serde_json::json!({
            "keys": [{
                "kty": "RSA",
                "use": "sig",
                "alg": "RS256",
                "kid": KEY_ID,
                "n": MODULUS_B64URL.trim(),
                "e": EXPONENT_B64URL,
            }]
        })
    }
}

#[cfg(test)]
mod tests {
    use jsonwebtoken::{DecodingKey, Validation};

    use super::*;

    #[test]
    fn tokens_verify_with_the_published_jwks() {
        let signer = IdTokenSigner::new().unwrap();
        let claims = IdTokenClaims {
            iss: "http://localhost:5003",
            azp: "client",
            aud: "client",
            sub: "1",
            email: "a@example.com",
            email_verified: true,
            nonce: Some("n"),
            name: None,
            iat: common::jwt::unix_now(),
            exp: common::jwt::unix_now() + 3600,
        };
        let token = signer.sign(&claims).unwrap();
        let jwks = IdTokenSigner::jwks();
        let key = DecodingKey::from_rsa_components(
            jwks["keys"][0]["n"].as_str().unwrap(),
            jwks["keys"][0]["e"].as_str().unwrap(),
        )
        .unwrap();
        let mut validation = Validation::new(Algorithm::RS256);
        validation.set_audience(&["client"]);
        validation.set_issuer(&["http://localhost:5003"]);
        let decoded = jsonwebtoken::decode::<serde_json::Value>(&token, &key, &validation).unwrap();
        assert_eq!(decoded.claims["email"], "a@example.com");
        assert_eq!(decoded.header.kid.as_deref(), Some(KEY_ID));
    }
}
