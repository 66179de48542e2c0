//! The route paths, query parameters and headers that cross a service boundary. The servers
//! route them, the clients call them; gmail-service's OpenAPI test checks its paths against
//! these.

/// Every service: 200 while it serves.
pub const HEALTHZ: &str = "/healthz";
/// Every service: 200 when its dependencies answer, else 503 `not_ready`.
pub const READYZ: &str = "/readyz";
/// Every service: Prometheus text.
pub const METRICS: &str = "/metrics";

/// gmail-service's routes.
pub mod gmail {
    /// `GET`: a page of unread messages ([`crate::gmail::UnreadPage`]).
    pub const UNREAD: &str = "/v1/messages/unread";
    /// `GET`: one message ([`crate::gmail::MessageDetail`]); `{id}` as routed.
    pub const MESSAGE: &str = "/v1/messages/{id}";
    /// `GET`: [`crate::gmail::UnreadCount`].
    pub const UNREAD_COUNT: &str = "/v1/unread-count";
    /// `GET`: the conversation of message `{id}` (every message of its thread).
    pub const THREAD: &str = "/v1/messages/{id}/thread";
    /// `GET`: one attachment's bytes, as a download (`{id}`, `{attachment_id}`).
    pub const ATTACHMENT: &str = "/v1/messages/{id}/attachments/{attachment_id}";
    /// Server-Sent Events of the account's unread list (`contract::gmail::events`).
    pub const EVENTS: &str = "/v1/events";
    /// `POST`: Gmail push notifications from Cloud Pub/Sub (only with `GMAIL_PUSH_TOPIC`).
    pub const PUSH: &str = "/v1/gmail/push";
    /// `GET`: the OpenAPI description.
    pub const OPENAPI: &str = "/openapi.json";
    /// Query parameter of [`UNREAD`]: page size.
    pub const LIMIT_PARAM: &str = "limit";
    /// Query parameter of [`UNREAD`]: the previous page's `next_page_token`.
    pub const PAGE_TOKEN_PARAM: &str = "page_token";

    /// The path of one message. The id is expected to satisfy
    /// [`crate::gmail::is_valid_message_id`]; anything else is percent-encoded.
    pub fn message(id: &str) -> String {
        let mut path = String::from("/v1/messages/");
        for byte in id.bytes() {
            if byte.is_ascii_alphanumeric() {
                path.push(char::from(byte));
            } else {
                path.push_str(&format!("%{byte:02X}"));
            }
        }
        path
    }
}

/// auth-service's routes.
pub mod auth {
    /// `GET` (browser): starts a login.
    pub const OAUTH_LOGIN: &str = "/oauth/login";
    /// `GET` (browser): Google's answer.
    pub const OAUTH_CALLBACK: &str = "/oauth/callback";
    /// `POST` (browser): ends the session.
    pub const OAUTH_LOGOUT: &str = "/oauth/logout";
    /// `POST` (browser, same-origin): detaches the form's `account` from the session, revoking
    /// its grant when no other session holds it.
    pub const OAUTH_REMOVE_ACCOUNT: &str = "/oauth/accounts/remove";
    /// `POST` with the session cookie: [`crate::auth::IssuedToken`] (5 minutes), for the
    /// session's first account or the one [`ACCOUNT_PARAM`] names.
    pub const SESSION_TOKEN: &str = "/v1/session/token";
    /// `POST` with the session cookie: [`crate::auth::SessionTokens`], one token per account.
    pub const SESSION_TOKENS: &str = "/v1/session/tokens";
    /// Query parameter (or form field) naming one of the session's accounts by address.
    pub const ACCOUNT_PARAM: &str = "account";
    /// Query parameter of [`OAUTH_LOGIN`]: `add=1` attaches the account to the session.
    pub const ADD_PARAM: &str = "add";
    /// `POST` with the session cookie, same-origin: [`crate::auth::IssuedToken`] (1 hour).
    pub const API_TOKENS: &str = "/v1/api-tokens";
    /// `POST` with the session cookie, same-origin: [`crate::auth::RevokedTokens`].
    pub const API_TOKENS_REVOKE: &str = "/v1/api-tokens/revoke";
    /// `GET`: the public keys of internal JWTs.
    pub const JWKS: &str = "/.well-known/jwks.json";
    /// `POST` on the internal listener only, with [`super::SERVICE_CREDENTIAL_HEADER`] and the
    /// person's JWT: [`crate::auth::GoogleAccessTokenAnswer`].
    pub const INTERNAL_GOOGLE_ACCESS_TOKEN: &str = "/internal/google-access-token";
}

/// The query parameter of the frontend's `/` naming why a login failed
/// ([`crate::auth::LoginFailure`]).
pub const LOGIN_ERROR_PARAM: &str = "login_error";

/// The header carrying gmail-service's own credential to auth-service's internal routes.
pub const SERVICE_CREDENTIAL_HEADER: &str = "x-service-credential";
/// The header naming the person's address to auth-service (set by the frontend only).
pub const X_FORWARDED_FOR: &str = "x-forwarded-for";

#[cfg(test)]
mod tests {
    #[test]
    fn message_paths_encode_anything_but_letters_and_digits() {
        assert_eq!(super::gmail::message("18c2f0"), "/v1/messages/18c2f0");
        assert_eq!(
            super::gmail::message("a/../b"),
            "/v1/messages/a%2F%2E%2E%2Fb"
        );
        assert_eq!(super::gmail::message("é"), "/v1/messages/%C3%A9");
    }
}
