//! The outbound side of OAuth: building the authorization URL and calling Google's token and
//! revocation endpoints (client authentication by HTTP Basic), plus the id_token checks.
//!
//! One pooled `reqwest::Client` with a timeout serves every call. Errors are classified so the
//! callers can tell "Google refused" (`invalid_grant`, `invalid_client`) from "Google is down".
//!
//! The id_token is verified as a relying party verifies a token it did not mint: RS256 only,
//! against Google's published keys ([`jwks`], cached), then `iss`, `aud`/`azp`, `exp`, our
//! `nonce` and `email_verified`.

pub mod jwks;

use std::time::Duration;

use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use jsonwebtoken::{Algorithm, Validation};
use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;
use url::Url;

use crate::configuration::GoogleSettings;
use jwks::{GoogleKeys, JwksError};

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

/// What a login asks Google to show: the account chooser (adding an account) and the consent
/// screen again (to obtain a refresh token).
#[derive(Clone, Copy, Debug, Default)]
pub struct Prompt {
    pub select_account: bool,
    pub consent: bool,
}

/// The OAuth client.
pub struct GoogleClient {
    http: reqwest::Client,
    settings: GoogleSettings,
    keys: GoogleKeys,
}

impl GoogleClient {
    pub fn new(settings: GoogleSettings) -> Result<Self, reqwest::Error> {
        let http = reqwest::Client::builder()
            .timeout(settings.timeout)
            .connect_timeout(Duration::from_secs(5))
            .pool_idle_timeout(common::server::CLIENT_POOL_IDLE_TIMEOUT)
            .redirect(reqwest::redirect::Policy::none())
            .build()?;
        let keys = GoogleKeys::new(http.clone(), &settings.jwks_url);
        Ok(Self {
            http,
            settings,
            keys,
        })
    }

    /// The settings this client uses.
    pub fn settings(&self) -> &GoogleSettings {
        &self.settings
    }

    /// Checks an id_token from the token endpoint against Google's keys and our settings
    /// (see [`check_id_token`]).
    pub async fn check_id_token(
        &self,
        id_token: Option<&str>,
        expected_nonce: &str,
        now: i64,
    ) -> Result<Identity, IdTokenError> {
        check_id_token(id_token, &self.keys, &self.settings, expected_nonce, now).await
    }

    /// The authorization request URL (S256 PKCE, offline access, nonce).
    /// Google's authorization URL for a login (`prompt` as [`Prompt`] asks).
    pub fn authorization_url(
        &self,
        redirect_uri: &str,
        state: &str,
        challenge: &str,
        nonce: &str,
        login_hint: Option<&str>,
        prompt: Prompt,
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
            let prompt = match (prompt.select_account, prompt.consent) {
                (true, true) => Some("select_account consent"),
                (true, false) => Some("select_account"),
                (false, true) => Some("consent"),
                (false, false) => None,
            };
            if let Some(prompt) = prompt {
                q.append_pair("prompt", prompt);
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

/// Why an id_token is refused. All but [`IdTokenError::KeysUnavailable`] mean the token is bad
/// (`id_token_invalid`); that one means Google's keys could not be fetched (`google_unavailable`).
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum IdTokenError {
    #[error("the id_token is missing")]
    Missing,
    #[error("the id_token is malformed")]
    Malformed,
    #[error("the id_token is not RS256 or its signature does not verify")]
    BadSignature,
    #[error("the id_token has no key id or one Google does not publish")]
    UnknownKey,
    #[error("Google's id_token keys cannot be fetched")]
    KeysUnavailable,
    #[error("the id_token has the wrong issuer")]
    WrongIssuer,
    #[error("the id_token is for another client")]
    WrongAudience,
    #[error("the id_token has expired")]
    Expired,
    #[error("the id_token's nonce does not match")]
    WrongNonce,
    #[error("the id_token's email address is not verified")]
    EmailUnverified,
}

/// Longest id_token looked at (Google's are about 1 KiB).
const MAX_ID_TOKEN_LEN: usize = 16 * 1024;
/// Longest `kid` looked up.
const MAX_KID_LEN: usize = 256;

#[derive(Deserialize)]
struct IdTokenHeader {
    alg: String,
    #[serde(default)]
    kid: Option<String>,
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
    /// A JSON boolean at Google; some providers send the string `"true"`.
    #[serde(default)]
    email_verified: Option<serde_json::Value>,
    exp: i64,
    #[serde(default)]
    nonce: Option<String>,
}

/// Checks an id_token received from the token endpoint. OpenID Connect Core 3.1.3.7 would let
/// a client skip the signature of a token received over TLS from the token endpoint; we do not
/// (the token URL is configurable, and TLS can be intercepted): the RS256 signature must verify
/// with a key from `keys` named by the header's `kid`. Then `iss`, `aud`, `azp`, `exp` (30 s of
/// skew), our `nonce` and `email_verified` are checked.
pub async fn check_id_token(
    id_token: Option<&str>,
    keys: &GoogleKeys,
    settings: &GoogleSettings,
    expected_nonce: &str,
    now: i64,
) -> Result<Identity, IdTokenError> {
    let token = id_token.ok_or(IdTokenError::Missing)?;
    let claims = verify_signature(token, keys).await?;
    check_claims(claims, settings, expected_nonce, now)
}

/// The claims of `token` once its RS256 signature verifies with the key its `kid` names.
async fn verify_signature(token: &str, keys: &GoogleKeys) -> Result<IdTokenClaims, IdTokenError> {
    if token.len() > MAX_ID_TOKEN_LEN {
        return Err(IdTokenError::Malformed);
    }
    let mut parts = token.split('.');
    let (Some(header), Some(_payload), Some(_signature), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(IdTokenError::Malformed);
    };
    let header = URL_SAFE_NO_PAD
        .decode(header)
        .ok()
        .and_then(|bytes| serde_json::from_slice::<IdTokenHeader>(&bytes).ok())
        .ok_or(IdTokenError::Malformed)?;
    // Decided by us, not by the token: `none`, HS256 (with the public key as secret), ES256 …
    // are refused before any key is looked at.
    if header.alg != "RS256" {
        return Err(IdTokenError::BadSignature);
    }
    let kid = header
        .kid
        .filter(|k| !k.is_empty() && k.len() <= MAX_KID_LEN)
        .ok_or(IdTokenError::UnknownKey)?;
    let key = keys.key(&kid).await.map_err(|e| match e {
        JwksError::UnknownKey => IdTokenError::UnknownKey,
        JwksError::Unavailable => IdTokenError::KeysUnavailable,
    })?;
    // Only the signature here; the claims are checked below against our own clock and rules.
    let mut validation = Validation::new(Algorithm::RS256);
    validation.validate_exp = false;
    validation.validate_aud = false;
    validation.required_spec_claims.clear();
    jsonwebtoken::decode::<IdTokenClaims>(token, &key, &validation)
        .map(|data| data.claims)
        .map_err(|e| {
            use jsonwebtoken::errors::ErrorKind;
            match e.kind() {
                ErrorKind::InvalidSignature
                | ErrorKind::InvalidAlgorithm
                | ErrorKind::InvalidAlgorithmName
                | ErrorKind::InvalidRsaKey(_) => IdTokenError::BadSignature,
                _ => IdTokenError::Malformed,
            }
        })
}

fn check_claims(
    claims: IdTokenClaims,
    settings: &GoogleSettings,
    expected_nonce: &str,
    now: i64,
) -> Result<Identity, IdTokenError> {
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
    let email_verified = match &claims.email_verified {
        Some(serde_json::Value::Bool(verified)) => *verified,
        Some(serde_json::Value::String(verified)) => verified == "true",
        _ => false,
    };
    if !email_verified {
        return Err(IdTokenError::EmailUnverified);
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
    use google_emulator::oauth::id_token::{IdTokenSigner, KEY_ID, PRIVATE_KEY_PEM};
    use jsonwebtoken::{EncodingKey, Header};

    use super::*;
    use crate::configuration::Settings;

    const OTHER_KEY: &str = include_str!("../tests/fixtures/other_rsa_key.pem");
    const EMULATOR_PUBLIC_KEY: &str = include_str!("../tests/fixtures/emulator_public_key.pem");

    fn sign_with(pem: &str, kid: Option<&str>, claims: &serde_json::Value) -> String {
        let mut header = Header::new(Algorithm::RS256);
        header.kid = kid.map(str::to_owned);
        let key = EncodingKey::from_rsa_pem(pem.as_bytes()).unwrap();
        jsonwebtoken::encode(&header, claims, &key).unwrap()
    }

    /// Signed like the emulator (and Google) sign: RS256, the published key and `kid`.
    fn token(claims: serde_json::Value) -> String {
        sign_with(PRIVATE_KEY_PEM, Some(KEY_ID), &claims)
    }

    fn settings() -> GoogleSettings {
        Settings::from_env(&common::config::Env::default())
            .unwrap()
            .google
    }

    /// The emulator's key set, as if just fetched; nothing listens at the URL, so any fetch fails.
    async fn keys() -> GoogleKeys {
        let keys = GoogleKeys::new(reqwest::Client::new(), "http://127.0.0.1:9/certs")
            .with_refetch_interval(Duration::from_secs(3600));
        keys.seed(IdTokenSigner::jwks().to_string().as_bytes())
            .await;
        keys
    }

    async fn check(token: &str, nonce: &str, now: i64) -> Result<Identity, IdTokenError> {
        check_id_token(Some(token), &keys().await, &settings(), nonce, now).await
    }

    fn good() -> serde_json::Value {
        serde_json::json!({
            "iss": "http://localhost:5003", "aud": "demo-client.apps.googleusercontent.com",
            "azp": "demo-client.apps.googleusercontent.com", "sub": "42", "email": "a@example.com",
            "email_verified": true, "exp": 2_000, "nonce": "n"
        })
    }

    fn unsigned(header: serde_json::Value, claims: &serde_json::Value, signature: &str) -> String {
        let enc = |v: &serde_json::Value| URL_SAFE_NO_PAD.encode(v.to_string());
        format!("{}.{}.{signature}", enc(&header), enc(claims))
    }

    #[tokio::test]
    async fn a_good_id_token_yields_the_identity() {
        let id = check(&token(good()), "n", 1_000).await.unwrap();
        assert_eq!(
            id,
            Identity {
                sub: "42".into(),
                email: "a@example.com".into()
            }
        );
    }

    #[tokio::test]
    async fn wrong_iss_aud_azp_exp_nonce_are_refused() {
        let s = settings();
        let k = keys().await;
        let with = |k: &str, v: serde_json::Value| {
            let mut c = good();
            c[k] = v;
            token(c)
        };
        let check = |t: String| {
            let (s, k) = (&s, &k);
            async move { check_id_token(Some(&t), k, s, "n", 1_000).await }
        };
        assert_eq!(
            check(with("iss", "https://evil.example".into())).await,
            Err(IdTokenError::WrongIssuer)
        );
        assert_eq!(
            check(with("aud", "other-client".into())).await,
            Err(IdTokenError::WrongAudience)
        );
        assert_eq!(
            check(with("azp", "other-client".into())).await,
            Err(IdTokenError::WrongAudience)
        );
        assert_eq!(
            check(with("exp", 100.into())).await,
            Err(IdTokenError::Expired)
        );
        assert_eq!(
            check(with("nonce", "other".into())).await,
            Err(IdTokenError::WrongNonce)
        );
        assert_eq!(
            check_id_token(None, &k, &s, "n", 1_000).await,
            Err(IdTokenError::Missing)
        );
        assert_eq!(check("a.b".into()).await, Err(IdTokenError::Malformed));
    }

    #[tokio::test]
    async fn email_verified_must_be_true() {
        let with = |v: Option<serde_json::Value>| {
            let mut c = good();
            match v {
                Some(v) => c["email_verified"] = v,
                None => drop(c.as_object_mut().unwrap().remove("email_verified")),
            }
            token(c)
        };
        assert!(check(&with(Some("true".into())), "n", 1_000).await.is_ok());
        for refused in [
            None,
            Some(false.into()),
            Some("false".into()),
            Some("yes".into()),
            Some(1.into()),
            Some(serde_json::Value::Null),
        ] {
            assert_eq!(
                check(&with(refused.clone()), "n", 1_000).await,
                Err(IdTokenError::EmailUnverified),
                "{refused:?}"
            );
        }
    }

    #[tokio::test]
    async fn a_token_signed_by_another_key_under_the_published_kid_is_refused() {
        let forged = sign_with(OTHER_KEY, Some(KEY_ID), &good());
        assert_eq!(
            check(&forged, "n", 1_000).await,
            Err(IdTokenError::BadSignature)
        );
        // A genuine signature over other claims: the payload swapped in.
        let genuine = token(good());
        let mut evil = good();
        evil["sub"] = "1".into();
        let swapped = token(evil);
        let mut parts: Vec<&str> = genuine.split('.').collect();
        parts[1] = swapped.split('.').nth(1).unwrap();
        assert_eq!(
            check(&parts.join("."), "n", 1_000).await,
            Err(IdTokenError::BadSignature)
        );
    }

    #[tokio::test]
    async fn alg_none_hs256_with_the_public_key_and_es256_are_refused() {
        let claims = good();
        let none = unsigned(
            serde_json::json!({"alg": "none", "kid": KEY_ID}),
            &claims,
            "",
        );
        assert_eq!(
            check(&none, "n", 1_000).await,
            Err(IdTokenError::BadSignature)
        );
        let none_caps = unsigned(
            serde_json::json!({"alg": "None", "kid": KEY_ID}),
            &claims,
            "",
        );
        assert_eq!(
            check(&none_caps, "n", 1_000).await,
            Err(IdTokenError::BadSignature)
        );
        let mut header = Header::new(Algorithm::HS256);
        header.kid = Some(KEY_ID.to_owned());
        for secret in [
            EMULATOR_PUBLIC_KEY.as_bytes(),
            IdTokenSigner::jwks()["keys"][0]["n"]
                .as_str()
                .unwrap()
                .as_bytes(),
        ] {
            let hs256 =
                jsonwebtoken::encode(&header, &claims, &EncodingKey::from_secret(secret)).unwrap();
            assert_eq!(
                check(&hs256, "n", 1_000).await,
                Err(IdTokenError::BadSignature)
            );
        }
        let es = common::jwt::Es256KeyPair::generate().unwrap();
        let mut header = Header::new(Algorithm::ES256);
        header.kid = Some(KEY_ID.to_owned());
        let pem = es.to_pkcs8_pem();
        let es256 = jsonwebtoken::encode(
            &header,
            &claims,
            &EncodingKey::from_ec_pem(secrecy::ExposeSecret::expose_secret(&pem).as_bytes())
                .unwrap(),
        )
        .unwrap();
        assert_eq!(
            check(&es256, "n", 1_000).await,
            Err(IdTokenError::BadSignature)
        );
        // The right key with another RSA algorithm: still only RS256.
        let rs384 = {
            let mut header = Header::new(Algorithm::RS384);
            header.kid = Some(KEY_ID.to_owned());
            let key = EncodingKey::from_rsa_pem(PRIVATE_KEY_PEM.as_bytes()).unwrap();
            jsonwebtoken::encode(&header, &claims, &key).unwrap()
        };
        assert_eq!(
            check(&rs384, "n", 1_000).await,
            Err(IdTokenError::BadSignature)
        );
    }

    #[tokio::test]
    async fn a_missing_or_unknown_kid_is_refused() {
        let claims = good();
        assert_eq!(
            check(&sign_with(PRIVATE_KEY_PEM, None, &claims), "n", 1_000).await,
            Err(IdTokenError::UnknownKey)
        );
        assert_eq!(
            check(&sign_with(PRIVATE_KEY_PEM, Some(""), &claims), "n", 1_000).await,
            Err(IdTokenError::UnknownKey)
        );
        assert_eq!(
            check(
                &sign_with(PRIVATE_KEY_PEM, Some("forged-kid"), &claims),
                "n",
                1_000
            )
            .await,
            Err(IdTokenError::UnknownKey)
        );
        let huge = format!("{}{}", token(claims), "A".repeat(MAX_ID_TOKEN_LEN));
        assert_eq!(check(&huge, "n", 1_000).await, Err(IdTokenError::Malformed));
    }
}
