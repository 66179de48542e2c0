//! Why a login did not complete. Every variant but the storage/key/internal ones is the
//! person's or Google's doing and ends in a login-failure page; the HTTP edge maps each to one of
//! the contract's `LoginFailure` reasons.

use crate::{
    google::{GoogleError, IdTokenError},
    keys::KeysError,
    store::StoreError,
};

/// A login that failed.
#[derive(Debug, thiserror::Error)]
pub enum LoginError {
    #[error("the callback's query is oversized or repeats a parameter")]
    MalformedCallback,
    #[error("the callback carries no state")]
    MissingState,
    #[error("the state is not one of ours, was used already or has expired")]
    UnknownState,
    #[error("the browser does not carry the login-binding cookie")]
    MissingBinding,
    #[error("the login was started by another browser")]
    BindingMismatch,
    #[error("the person denied access at Google")]
    AccessDenied,
    #[error("Google answered the authorization with an error")]
    GoogleRefusedAuthorization,
    #[error("the callback names an issuer that is not Google")]
    WrongIssuer,
    #[error("the callback carries no usable code")]
    MissingCode,
    #[error("Google refused the code (invalid_grant)")]
    CodeRejected,
    #[error("Google's token endpoint is unavailable")]
    GoogleUnavailable,
    #[error("Google refused the client: {0}")]
    ClientRefused(GoogleError),
    #[error("Google's id_token signing keys cannot be fetched")]
    IdTokenKeysUnavailable,
    #[error("the id_token is refused: {0}")]
    IdTokenInvalid(IdTokenError),
    #[error("the grant lacks the Gmail read-only scope")]
    GmailScopeMissing,
    #[error("the session already holds MAX_ACCOUNTS_PER_SESSION accounts")]
    TooManyAccounts,
    #[error("an account is attached only to the session that asked for it")]
    SessionChanged,
    #[error("storage unavailable: {0}")]
    Store(#[from] StoreError),
    #[error("keys unavailable: {0}")]
    Keys(#[from] KeysError),
    #[error("internal error: {0}")]
    Internal(String),
}
