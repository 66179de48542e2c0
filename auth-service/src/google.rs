//! The outbound side of OAuth: building the authorization URL and calling Google's token and
//! revocation endpoints (client authentication by HTTP Basic), plus the id_token checks.
//!
//! One pooled `reqwest::Client` with a timeout serves every call. Errors are classified so the
//! callers can tell "Google refused" (`invalid_grant`, `invalid_client`) from "Google is down".

use std::time::Duration;

use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;
use url::Url;

use crate::configuration::GoogleSettings;

/// The scopes every login asks for.
pub const SCOPES: &str = "openid email https://www.googleapis.com/auth/gmail.readonly";
/// The Gmail scope that must be granted.
pub const GMAIL_READONLY: &str = "https://www.googleapis.com/auth/gmail.readonly";

/// A classified failure of a token-endpoint or revocation call.
#[derive(Debug, thiserror::Error)]
pub enum GoogleError {
    /// `invalid_grant`: bad or reused code, or a refresh token that is expired or revoked.
    #[error("Google refused the grant")]
    InvalidGrant,
    /// `invalid_client`: our client id or secret is wrong (a configuration problem).
    #[error("Google refused our client credentials")]
    InvalidClient,
    /// Another OAuth error, e.g. `redirect_uri_mismatch`.
    #[error("Google answered {status} {error}")]
    Refused { status: u16, error: String },
    /// 5xx, 429, a timeout or no connection.
    #[error("Google is unavailable ({0})")]
    Unavailable(String),
    /// A 200 whose body is not a token response.
    #[error("Google's answer could not be read")]
    Malformed,
}

/// A successful token response. `Debug` is not derived: it holds secrets.
pub struct TokenResponse {
    pub access_token: SecretString,
    pub expires_in: i64,
    pub refresh_token: Option<SecretString>,
    pub scope: String,
    pub id_token: Option<String>,
}

#[derive(Deserialize)]
struct RawTokenResponse {
    access_token: String,
    #[serde(default)]
    expires_in: Option<i64>,
    #[serde(default)]
    refresh_token: Option<String>,
    #[serde(default)]
    scope: Option<String>,
    #[serde(default)]
    id_token: Option<String>,
}

#[derive(Deserialize)]
struct OAuthErrorBody {
    error: String,
}

/// The OAuth client.
pub struct GoogleClient {
    http: reqwest::Client,
    settings: GoogleSettings,
}

impl GoogleClient {
    pub fn new(settings: GoogleSettings) -> Result<Self, reqwest::Error> {
        let http = reqwest::Client::builder()
            .timeout(settings.timeout)
            .connect_timeout(Duration::from_secs(5))
            .pool_idle_timeout(common::server::CLIENT_POOL_IDLE_TIMEOUT)
            .redirect(reqwest::redirect::Policy::none())
            .build()?;
        Ok(Self { http, settings })
    }

    /// The settings this client uses.
    pub fn settings(&self) -> &GoogleSettings {
        &self.settings
    }

    /// The authorization request URL (S256 PKCE, offline access, nonce).
    pub fn authorization_url(
        &self,
        redirect_uri: &str,
        state: &str,
        challenge: &str,
        nonce: &str,
        login_hint: Option<&str>,
        prompt_consent: bool,
    ) -> Result<String, url::ParseError> {
        let mut url = Url::parse(&self.settings.auth_url)?;
        {
            let mut q = url.query_pairs_mut();
            q.append_pair("response_type", "code")
                .append_pair("client_id", &self.settings.client_id)
                .append_pair("redirect_uri", redirect_uri)
                .append_pair("scope", SCOPES)
                .append_pair("state", state)
                .append_pair("code_challenge", challenge)
                .append_pair("code_challenge_method", "S256")
                .append_pair("access_type", "offline")
                .append_pair("include_granted_scopes", "true")
                .append_pair("nonce", nonce);
            if let Some(hint) = login_hint {
                q.append_pair("login_hint", hint);
            }
            if prompt_consent {
                q.append_pair("prompt", "consent");
            }
        }
        Ok(url.into())
    }

    async fn post_form(
        &self,
        url: &str,
        form: &[(&str, &str)],
    ) -> Result<reqwest::Response, GoogleError> {
        self.http
            .post(url)
            .basic_auth(
                form_encode(&self.settings.client_id),
                Some(form_encode(self.settings.client_secret.expose_secret())),
            )
            .form(form)
            .send()
            .await
            .map_err(|e| {
                GoogleError::Unavailable(if e.is_timeout() {
                    "timeout".into()
                } else {
                    "no connection".into()
                })
            })
    }

    async fn token_call(&self, form: &[(&str, &str)]) -> Result<TokenResponse, GoogleError> {
        let response = self.post_form(&self.settings.token_url, form).await?;
        let status = response.status();
        if status.is_success() {
            let raw: RawTokenResponse =
                response.json().await.map_err(|_| GoogleError::Malformed)?;
            return Ok(TokenResponse {
                access_token: SecretString::from(raw.access_token),
                expires_in: raw.expires_in.unwrap_or(3599).max(1),
                refresh_token: raw.refresh_token.map(SecretString::from),
                scope: raw.scope.unwrap_or_default(),
                id_token: raw.id_token,
            });
        }
        if status.is_server_error() || status.as_u16() == 429 {
            return Err(GoogleError::Unavailable(format!(
                "status {}",
                status.as_u16()
            )));
        }
        let error = response
            .json::<OAuthErrorBody>()
            .await
            .map(|b| b.error)
            .unwrap_or_else(|_| "unreadable".into());
        Err(match error.as_str() {
            "invalid_grant" => GoogleError::InvalidGrant,
            "invalid_client" | "unauthorized_client" => GoogleError::InvalidClient,
            _ => GoogleError::Refused {
                status: status.as_u16(),
                error,
            },
        })
    }

    /// Exchanges an authorization code (with the PKCE verifier).
    pub async fn exchange_code(
        &self,
        code: &str,
        verifier: &str,
        redirect_uri: &str,
    ) -> Result<TokenResponse, GoogleError> {
        self.token_call(&[
            ("grant_type", "authorization_code"),
            ("code", code),
            ("redirect_uri", redirect_uri),
            ("code_verifier", verifier),
        ])
        .await
    }

    /// Uses a refresh token.
    pub async fn refresh(&self, refresh_token: &str) -> Result<TokenResponse, GoogleError> {
        self.token_call(&[
            ("grant_type", "refresh_token"),
            ("refresh_token", refresh_token),
        ])
        .await
    }

    /// Revokes the grant a token belongs to. An already dead token counts as revoked.
    pub async fn revoke(&self, token: &str) -> Result<(), GoogleError> {
        let response = self
            .post_form(&self.settings.revoke_url, &[("token", token)])
            .await?;
        let status = response.status();
        if status.is_success() || status.as_u16() == 400 {
            Ok(())
        } else {
            Err(GoogleError::Unavailable(format!(
                "status {}",
                status.as_u16()
            )))
        }
    }
}

/// RFC 6749 2.3.1: client id and secret are form-urlencoded before Basic encoding.
fn form_encode(value: &str) -> String {
    url::form_urlencoded::byte_serialize(value.as_bytes()).collect()
}

/// What we take from the id_token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Identity {
    pub sub: String,
    pub email: String,
}

/// Why an id_token is refused.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum IdTokenError {
    #[error("the id_token is missing")]
    Missing,
    #[error("the id_token is malformed")]
    Malformed,
    #[error("the id_token has the wrong issuer")]
    WrongIssuer,
    #[error("the id_token is for another client")]
    WrongAudience,
    #[error("the id_token has expired")]
    Expired,
    #[error("the id_token's nonce does not match")]
    WrongNonce,
}

#[derive(Deserialize)]
struct IdTokenClaims {
    iss: String,
    aud: serde_json::Value,
    #[serde(default)]
    azp: Option<String>,
    sub: String,
    #[serde(default)]
    email: Option<String>,
    exp: i64,
    #[serde(default)]
    nonce: Option<String>,
}

/// Checks an id_token received directly from the token endpoint. OpenID Connect Core 3.1.3.7
/// lets a client skip the signature for a token received over TLS from the token endpoint
/// itself, but `iss`, `aud`, `azp`, `exp` and our `nonce` are always checked.
pub fn check_id_token(
    id_token: Option<&str>,
    settings: &GoogleSettings,
    expected_nonce: &str,
    now: i64,
) -> Result<Identity, IdTokenError> {
    let token = id_token.ok_or(IdTokenError::Missing)?;
    let mut parts = token.split('.');
    let (Some(_header), Some(payload), Some(_signature), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(IdTokenError::Malformed);
    };
    let bytes = URL_SAFE_NO_PAD
        .decode(payload.trim_end_matches('='))
        .map_err(|_| IdTokenError::Malformed)?;
    let claims: IdTokenClaims =
        serde_json::from_slice(&bytes).map_err(|_| IdTokenError::Malformed)?;
    if !settings.issuers.contains(&claims.iss) {
        return Err(IdTokenError::WrongIssuer);
    }
    let audience_ok = match &claims.aud {
        serde_json::Value::String(a) => *a == settings.client_id,
        serde_json::Value::Array(list) => {
            list.iter()
                .any(|a| a.as_str() == Some(settings.client_id.as_str()))
                && claims.azp.as_deref() == Some(settings.client_id.as_str())
        }
        _ => false,
    };
    if !audience_ok
        || claims
            .azp
            .as_deref()
            .is_some_and(|azp| azp != settings.client_id)
    {
        return Err(IdTokenError::WrongAudience);
    }
    if claims.exp + 30 < now {
        return Err(IdTokenError::Expired);
    }
    if claims.nonce.as_deref() != Some(expected_nonce) {
        return Err(IdTokenError::WrongNonce);
    }
    if claims.sub.is_empty() {
        return Err(IdTokenError::Malformed);
    }
    Ok(Identity {
        sub: claims.sub,
        email: claims.email.unwrap_or_default(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::configuration::Settings;

    fn token(claims: serde_json::Value) -> String {
        let enc = |v: &serde_json::Value| URL_SAFE_NO_PAD.encode(v.to_string());
        format!(
            "{}.{}.sig",
            enc(&serde_json::json!({"alg": "RS256"})),
            enc(&claims)
        )
    }

    fn settings() -> GoogleSettings {
        Settings::from_env(&common::config::Env::default())
            .unwrap()
            .google
    }

    fn good() -> serde_json::Value {
        serde_json::json!({
            "iss": "http://localhost:5003", "aud": "demo-client.apps.googleusercontent.com",
            "azp": "demo-client.apps.googleusercontent.com", "sub": "42", "email": "a@example.com",
            "exp": 2_000, "nonce": "n"
        })
    }

    #[test]
    fn a_good_id_token_yields_the_identity() {
        let id = check_id_token(Some(&token(good())), &settings(), "n", 1_000).unwrap();
        assert_eq!(
            id,
            Identity {
                sub: "42".into(),
                email: "a@example.com".into()
            }
        );
    }

    #[test]
    fn wrong_iss_aud_azp_exp_nonce_are_refused() {
        let s = settings();
        let with = |k: &str, v: serde_json::Value| {
            let mut c = good();
            c[k] = v;
            check_id_token(Some(&token(c)), &s, "n", 1_000)
        };
        assert_eq!(
            with("iss", "https://evil.example".into()),
            Err(IdTokenError::WrongIssuer)
        );
        assert_eq!(
            with("aud", "other-client".into()),
            Err(IdTokenError::WrongAudience)
        );
        assert_eq!(
            with("azp", "other-client".into()),
            Err(IdTokenError::WrongAudience)
        );
        assert_eq!(with("exp", 100.into()), Err(IdTokenError::Expired));
        assert_eq!(with("nonce", "other".into()), Err(IdTokenError::WrongNonce));
        assert_eq!(
            check_id_token(None, &s, "n", 1_000),
            Err(IdTokenError::Missing)
        );
        assert_eq!(
            check_id_token(Some("a.b"), &s, "n", 1_000),
            Err(IdTokenError::Malformed)
        );
    }
}
