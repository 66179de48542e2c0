//! Google's OAuth 2.0 and OpenID Connect endpoints.
//!
//! - [`authorize`]: `GET /o/oauth2/v2/auth`, the consent page and its decision.
//! - [`token`]: `POST /token` (authorization_code with PKCE, refresh_token).
//! - [`revoke`]: `POST /revoke`.
//! - [`discovery`]: the discovery document, the id_token JWKS and `/v1/userinfo`.
//! - [`scopes`]: which scopes exist and how Google spells them back.
//! - [`id_token`]: RS256 id_tokens.
//! - [`pages`]: the HTML of the consent and error pages.

pub mod authorize;
pub mod discovery;
pub mod id_token;
pub mod pages;
pub mod revoke;
pub mod scopes;
pub mod token;

pub use crate::params::Params;
