//! `POST /token` and `POST /revoke`: PKCE, single-use codes, client authentication, refresh
//! tokens, revocation and the id_token.

use std::time::Duration;

use base64::{Engine, engine::general_purpose::STANDARD};
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use serde_json::Value;

use crate::helpers::*;

#[tokio::test]
async fn a_full_s256_login_returns_tokens_and_a_verifiable_id_token() {
    let app = spawn_app().await;
    let tokens = app.login_with(&[("nonce", "n-42")]).await;
    assert!(tokens.access_token.starts_with("ya29.") && tokens.access_token.len() <= 2048);
    let refresh = tokens
        .refresh_token
        .clone()
        .expect("offline login returns a refresh token");
    assert!(refresh.len() <= 512);
    assert_eq!(tokens.body["token_type"], "Bearer");
    assert_eq!(tokens.body["expires_in"], 3599);
    // The id_token verifies with the published JWKS.
    let jwks: Value = app
        .http
        .get(app.url("/oauth2/v3/certs"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let key = &jwks["keys"][0];
    let decoding =
        DecodingKey::from_rsa_components(key["n"].as_str().unwrap(), key["e"].as_str().unwrap())
            .unwrap();
    let mut validation = Validation::new(Algorithm::RS256);
    validation.set_audience(&[CLIENT_ID]);
    validation.set_issuer(&[app.emulator.state.issuer.as_str()]);
    let id = jsonwebtoken::decode::<Value>(
        tokens.body["id_token"].as_str().unwrap(),
        &decoding,
        &validation,
    )
    .unwrap();
    assert_eq!(id.claims["email"], "alice@example.com");
    assert_eq!(id.claims["sub"], "104216548201937465021");
    assert_eq!(id.claims["nonce"], "n-42");
    assert_eq!(id.claims["azp"], CLIENT_ID);
    // The discovery document names the same issuer and endpoints.
    let discovery: Value = app
        .http
        .get(app.url("/.well-known/openid-configuration"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(discovery["issuer"], app.emulator.state.issuer);
    assert_eq!(
        discovery["code_challenge_methods_supported"],
        serde_json::json!(["plain", "S256"])
    );
    // userinfo agrees.
    let info: Value = app
        .http
        .get(app.url("/v1/userinfo"))
        .bearer_auth(&tokens.access_token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(info["email"], "alice@example.com");
}

#[tokio::test]
async fn a_wrong_or_missing_verifier_is_invalid_grant() {
    let app = spawn_app().await;
    let (_, challenge) = pkce();
    let code = app.code_for(&TestApp::auth_params(&challenge)).await;
    let (other_verifier, _) = pkce();
    let (error, description) = oauth_error(
        app.exchange(&code, Some(&other_verifier), REDIRECT).await,
        400,
    )
    .await;
    assert_eq!(
        (error.as_str(), description.as_str()),
        ("invalid_grant", "Invalid code verifier.")
    );
    let code = app.code_for(&TestApp::auth_params(&challenge)).await;
    let (error, description) = oauth_error(app.exchange(&code, None, REDIRECT).await, 400).await;
    assert_eq!(
        (error.as_str(), description.as_str()),
        ("invalid_grant", "Missing code verifier.")
    );
}

#[tokio::test]
async fn plain_and_s256_are_told_apart_and_plain_is_the_default() {
    let app = spawn_app().await;
    let plain = "plain-verifier-0123456789-0123456789-0123456789";
    // method=plain: the verifier is the challenge itself.
    let mut params = TestApp::auth_params(plain);
    params.retain(|(k, _)| *k != "code_challenge_method");
    params.push(("code_challenge_method", "plain".into()));
    let code = app.code_for(&params).await;
    assert_eq!(
        app.exchange(&code, Some(plain), REDIRECT).await.status(),
        200
    );
    // No method: Google assumes plain, so the S256 verifier of that challenge fails ...
    let (verifier, challenge) = pkce();
    let mut params = TestApp::auth_params(&challenge);
    params.retain(|(k, _)| *k != "code_challenge_method");
    let code = app.code_for(&params).await;
    assert_eq!(
        oauth_error(app.exchange(&code, Some(&verifier), REDIRECT).await, 400)
            .await
            .0,
        "invalid_grant"
    );
    // ... and the challenge string itself passes as a plain verifier.
    let code = app.code_for(&params).await;
    assert_eq!(
        app.exchange(&code, Some(&challenge), REDIRECT)
            .await
            .status(),
        200
    );
    // S256: presenting the challenge as the verifier fails.
    let code = app.code_for(&TestApp::auth_params(&challenge)).await;
    assert_eq!(
        oauth_error(app.exchange(&code, Some(&challenge), REDIRECT).await, 400)
            .await
            .0,
        "invalid_grant"
    );
}

#[tokio::test]
async fn a_reused_code_fails_and_revokes_what_it_issued() {
    let app = spawn_app().await;
    let (verifier, challenge) = pkce();
    let code = app.code_for(&TestApp::auth_params(&challenge)).await;
    let first: Value = app
        .exchange(&code, Some(&verifier), REDIRECT)
        .await
        .json()
        .await
        .unwrap();
    let access = first["access_token"].as_str().unwrap();
    assert_eq!(app.gmail(access, "profile").await.status(), 200);
    let (error, _) = oauth_error(app.exchange(&code, Some(&verifier), REDIRECT).await, 400).await;
    assert_eq!(error, "invalid_grant");
    assert_eq!(app.gmail(access, "profile").await.status(), 401);
    let (error, _) = oauth_error(
        app.refresh(first["refresh_token"].as_str().unwrap()).await,
        400,
    )
    .await;
    assert_eq!(error, "invalid_grant");
}

#[tokio::test]
async fn an_expired_code_is_invalid_grant() {
    let app = spawn_app_with(|c| c.code_ttl = Duration::from_millis(300)).await;
    let (verifier, challenge) = pkce();
    let code = app.code_for(&TestApp::auth_params(&challenge)).await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    let (error, _) = oauth_error(app.exchange(&code, Some(&verifier), REDIRECT).await, 400).await;
    assert_eq!(error, "invalid_grant");
}

#[tokio::test]
async fn the_redirect_uri_must_repeat_the_authorization_requests() {
    let app = spawn_app().await;
    let (verifier, challenge) = pkce();
    let code = app.code_for(&TestApp::auth_params(&challenge)).await;
    let (error, _) = oauth_error(
        app.exchange(&code, Some(&verifier), "http://127.0.0.1:9/other")
            .await,
        400,
    )
    .await;
    assert_eq!(error, "redirect_uri_mismatch");
    let code = app.code_for(&TestApp::auth_params(&challenge)).await;
    let response = app
        .http
        .post(app.url("/token"))
        .form(&[
            ("grant_type", "authorization_code"),
            ("code", code.as_str()),
            ("code_verifier", verifier.as_str()),
            ("client_id", CLIENT_ID),
            ("client_secret", CLIENT_SECRET),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(oauth_error(response, 400).await.0, "invalid_request");
}

#[tokio::test]
async fn client_authentication_by_basic_or_body_and_wrong_secrets_are_401() {
    let app = spawn_app().await;
    let (verifier, challenge) = pkce();
    // Basic works (with the RFC 6749 form-encoding of each part).
    let code = app.code_for(&TestApp::auth_params(&challenge)).await;
    let basic = STANDARD.encode(format!("{CLIENT_ID}:{CLIENT_SECRET}"));
    let response = app
        .http
        .post(app.url("/token"))
        .header("Authorization", format!("Basic {basic}"))
        .form(&[
            ("grant_type", "authorization_code"),
            ("code", code.as_str()),
            ("code_verifier", verifier.as_str()),
            ("redirect_uri", REDIRECT),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    // Wrong secret in the body, wrong secret in Basic, unknown client.
    let code = app.code_for(&TestApp::auth_params(&challenge)).await;
    let form = [
        ("grant_type", "authorization_code"),
        ("code", code.as_str()),
        ("code_verifier", verifier.as_str()),
        ("redirect_uri", REDIRECT),
        ("client_id", CLIENT_ID),
        ("client_secret", "wrong"),
    ];
    let (error, description) = oauth_error(
        app.http
            .post(app.url("/token"))
            .form(&form)
            .send()
            .await
            .unwrap(),
        401,
    )
    .await;
    assert_eq!(
        (error.as_str(), description.as_str()),
        ("invalid_client", "Unauthorized")
    );
    let bad_basic = STANDARD.encode(format!("{CLIENT_ID}:nope"));
    let response = app
        .http
        .post(app.url("/token"))
        .header("Authorization", format!("Basic {bad_basic}"))
        .form(&[("grant_type", "refresh_token"), ("refresh_token", "x")])
        .send()
        .await
        .unwrap();
    assert_eq!(oauth_error(response, 401).await.0, "invalid_client");
    let response = app
        .http
        .post(app.url("/token"))
        .form(&[
            ("grant_type", "refresh_token"),
            ("refresh_token", "x"),
            ("client_id", "someone-else"),
            ("client_secret", "s"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(oauth_error(response, 401).await.0, "invalid_client");
    // Both methods at once is refused.
    let good_basic = STANDARD.encode(format!("{CLIENT_ID}:{CLIENT_SECRET}"));
    let response = app
        .http
        .post(app.url("/token"))
        .header("Authorization", format!("Basic {good_basic}"))
        .form(&[
            ("grant_type", "refresh_token"),
            ("refresh_token", "x"),
            ("client_secret", CLIENT_SECRET),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(oauth_error(response, 400).await.0, "invalid_request");
}

#[tokio::test]
async fn malformed_token_requests_are_400() {
    let app = spawn_app().await;
    let response = app
        .http
        .post(app.url("/token"))
        .json(&serde_json::json!({"grant_type": "refresh_token"}))
        .send()
        .await
        .unwrap();
    assert_eq!(oauth_error(response, 400).await.0, "invalid_request");
    let response = app
        .http
        .post(app.url("/token"))
        .form(&[
            ("grant_type", "password"),
            ("client_id", CLIENT_ID),
            ("client_secret", CLIENT_SECRET),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(oauth_error(response, 400).await.0, "unsupported_grant_type");
    let (error, description) = oauth_error(
        app.exchange("4/0Anot-a-code", Some("v"), REDIRECT).await,
        400,
    )
    .await;
    assert_eq!(
        (error.as_str(), description.as_str()),
        ("invalid_grant", "Bad Request")
    );
}

#[tokio::test]
async fn refresh_tokens_only_offline_and_on_first_consent_or_prompt_consent() {
    let app = spawn_app().await;
    let online = app.login_with(&[("access_type", "online")]).await;
    assert!(online.refresh_token.is_none());
    let first = app.login().await;
    let first_refresh = first.refresh_token.expect("first offline consent");
    let second = app.login().await;
    assert!(
        second.refresh_token.is_none(),
        "no new refresh token without prompt=consent"
    );
    let third = app.login_with(&[("prompt", "consent")]).await;
    assert!(third.refresh_token.is_some());
    // The refresh grant works, returns no new refresh token, and the old one stays valid.
    let refreshed: Value = app.refresh(&first_refresh).await.json().await.unwrap();
    assert!(
        refreshed["access_token"]
            .as_str()
            .unwrap()
            .starts_with("ya29.")
    );
    assert!(refreshed.get("refresh_token").is_none());
    assert!(refreshed["id_token"].is_string());
    assert_eq!(app.refresh(&first_refresh).await.status(), 200);
}

#[tokio::test]
async fn revoking_either_token_kills_the_grant() {
    let app = spawn_app().await;
    let tokens = app.login().await;
    let refresh = tokens.refresh_token.unwrap();
    let response = app
        .http
        .post(app.url("/revoke"))
        .form(&[("token", tokens.access_token.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(
        app.gmail(&tokens.access_token, "profile").await.status(),
        401
    );
    let (error, description) = oauth_error(app.refresh(&refresh).await, 400).await;
    assert_eq!(
        (error.as_str(), description.as_str()),
        ("invalid_grant", "Token has been expired or revoked.")
    );
    let response = app
        .http
        .post(app.url("/revoke"))
        .form(&[("token", refresh.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(oauth_error(response, 400).await.0, "invalid_token");
    // Revoking by refresh token, too.
    let tokens = app.login_with(&[("prompt", "consent")]).await;
    let response = app
        .http
        .post(app.url(&format!("/revoke?token={}", tokens.refresh_token.unwrap())))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(
        app.gmail(&tokens.access_token, "profile").await.status(),
        401
    );
}

#[tokio::test]
async fn at_most_100_refresh_tokens_live_per_account_and_the_oldest_is_dropped() {
    let app = spawn_app().await;
    let oldest = app.login().await.refresh_token.unwrap();
    let second = app
        .login_with(&[("prompt", "consent")])
        .await
        .refresh_token
        .unwrap();
    for _ in 0..99 {
        app.login_with(&[("prompt", "consent")]).await;
    }
    assert_eq!(
        oauth_error(app.refresh(&oldest).await, 400).await.0,
        "invalid_grant"
    );
    assert_eq!(app.refresh(&second).await.status(), 200);
}

#[tokio::test]
async fn the_token_lifetime_can_change_at_run_time() {
    let app = spawn_app_with(|c| c.token_ttl = Duration::from_secs(2)).await;
    let tokens = app.login().await;
    assert_eq!(tokens.body["expires_in"], 2);
    app.emulator.state.set_token_ttl(Duration::from_secs(3599));
    let refreshed: Value = app
        .refresh(tokens.refresh_token.as_deref().unwrap())
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(refreshed["expires_in"], 3599);
}
