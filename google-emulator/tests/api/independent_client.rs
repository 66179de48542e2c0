//! The emulator driven by an OAuth client library nobody here wrote (`oauth2` crate): its
//! authorization-code + PKCE flow, refresh and revocation must all work unmodified.

use oauth2::{
    AuthUrl, AuthorizationCode, ClientId, ClientSecret, CsrfToken, PkceCodeChallenge, RedirectUrl,
    RefreshToken, RevocationUrl, Scope, StandardRevocableToken, TokenResponse, TokenUrl,
    basic::BasicClient,
};

use crate::helpers::*;

#[tokio::test]
async fn the_oauth2_crate_completes_a_pkce_login_refresh_and_revocation() {
    let app = spawn_app().await;
    let client = BasicClient::new(ClientId::new(CLIENT_ID.into()))
        .set_client_secret(ClientSecret::new(CLIENT_SECRET.into()))
        .set_auth_uri(AuthUrl::new(app.url("/o/oauth2/v2/auth")).unwrap())
        .set_token_uri(TokenUrl::new(app.url("/token")).unwrap())
        .set_revocation_url(RevocationUrl::new(app.url("/revoke")).unwrap())
        .set_redirect_uri(RedirectUrl::new(REDIRECT.into()).unwrap());
    let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
    let (auth_url, csrf) = client
        .authorize_url(CsrfToken::new_random)
        .add_scope(Scope::new("openid".into()))
        .add_scope(Scope::new("email".into()))
        .add_scope(Scope::new(GMAIL_SCOPE.into()))
        .add_extra_param("access_type", "offline")
        .set_pkce_challenge(challenge)
        .url();
    let http = oauth2::reqwest::ClientBuilder::new()
        .redirect(oauth2::reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let response = http.get(auth_url).send().await.unwrap();
    assert_eq!(response.status(), 302);
    let location = url::Url::parse(response.headers()["location"].to_str().unwrap()).unwrap();
    let params: std::collections::HashMap<_, _> = location.query_pairs().into_owned().collect();
    assert_eq!(&params["state"], csrf.secret());
    let token = client
        .exchange_code(AuthorizationCode::new(params["code"].clone()))
        .set_pkce_verifier(verifier)
        .request_async(&http)
        .await
        .unwrap();
    let access = token.access_token().secret().clone();
    assert_eq!(app.gmail(&access, "profile").await.status(), 200);
    assert!(
        token
            .scopes()
            .unwrap()
            .iter()
            .any(|s| s.as_str() == GMAIL_SCOPE)
    );
    let refresh = token.refresh_token().unwrap().clone();
    let refreshed = client
        .exchange_refresh_token(&RefreshToken::new(refresh.secret().clone()))
        .request_async(&http)
        .await
        .unwrap();
    assert_eq!(
        app.gmail(refreshed.access_token().secret(), "profile")
            .await
            .status(),
        200
    );
    // The crate refuses a revocation URL that is not https (RFC 7009 requires TLS), and the
    // emulator serves plain http on loopback; so revoke with the same form request by hand.
    assert!(matches!(
        client.revoke_token(StandardRevocableToken::RefreshToken(refresh.clone())),
        Err(oauth2::ConfigurationError::InsecureUrl(_))
    ));
    let revoked = http
        .post(app.url("/revoke"))
        .form(&[("token", refresh.secret())])
        .send()
        .await
        .unwrap();
    assert_eq!(revoked.status(), 200);
    assert_eq!(
        app.gmail(refreshed.access_token().secret(), "profile")
            .await
            .status(),
        401
    );
    // The emulator saw Basic client authentication (the crate's default) throughout.
    assert_eq!(app.emulator.count("token.authorization_code"), 1);
    assert_eq!(app.emulator.count("token.refresh_token"), 1);
}
