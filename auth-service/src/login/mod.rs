//! The OAuth 2.0 login (authorization code + S256 PKCE + OpenID Connect id_token) as steps,
//! with no HTTP in them: the edge (`crate::http::routes`) turns the outcomes into redirects and
//! cookies, and [`LoginError`](error::LoginError) into the contract's login-failure reasons.
//!
//! - [`start`]: a new pending login (state, verifier, nonce, browser binding) and Google's
//!   authorization URL; whether the browser's account needs `prompt=consent`.
//! - [`callback`]: completing a login: take the pending login of the state and match the
//!   browser → read Google's answer → exchange the code → verify the id_token → check the
//!   scope → store the tokens → start the session.
//! - [`error`]: why a login did not complete.

pub mod callback;
pub mod error;
pub mod start;
