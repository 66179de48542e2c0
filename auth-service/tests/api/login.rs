//! The happy paths: login → session → JWT → Google token; logout; API tokens; two replicas.

use common::jwt::{GMAIL_SERVICE_AUDIENCE, JwtVerifier};
use serde_json::Value;

use crate::helpers::*;

#[tokio::test]
async fn login_session_jwt_and_google_token_for_that_account() {
    let app = spawn_app().await;
    let mut browser = Browser::new(&app);
    let start = browser.get("/oauth/login").await;
    let to_google = url::Url::parse(&location(&start)).unwrap();
    let params: std::collections::HashMap<_, _> = to_google.query_pairs().into_owned().collect();
    assert_eq!(params["response_type"], "code");
    assert_eq!(params["code_challenge_method"], "S256");
    assert_eq!(params["code_challenge"].len(), 43);
    assert_eq!(params["access_type"], "offline");
    assert_eq!(params["include_granted_scopes"], "true");
    assert_eq!(params["redirect_uri"], REDIRECT);
    assert!(params["scope"].contains("https://www.googleapis.com/auth/gmail.readonly"));
    assert!(
        !params.contains_key("prompt"),
        "no prompt=consent for an unknown account"
    );
    let login_cookie = start
        .headers()
        .get("set-cookie")
        .unwrap()
        .to_str()
        .unwrap()
        .to_owned();
    assert!(
        login_cookie.contains("HttpOnly")
            && login_cookie.contains("SameSite=Lax")
            && login_cookie.contains("Path=/")
    );

    let callback = {
        let at_google = browser.get(&location(&start)).await;
        location(&at_google).replacen(PUBLIC, &browser.base, 1)
    };
    let done = browser.get(&callback).await;
    assert_eq!(done.status(), 302);
    assert_eq!(location(&done), format!("{PUBLIC}/"));
    let session_cookie = done
        .headers()
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap().to_owned())
        .find(|c| c.starts_with("gu_session="))
        .unwrap();
    for flag in ["HttpOnly", "SameSite=Lax", "Path=/"] {
        assert!(session_cookie.contains(flag), "{session_cookie}");
    }
    assert!(!session_cookie.contains("Secure"), "plain http public URL");
    let session_id = browser.jar.get("gu_session").unwrap();
    assert!(session_id.len() >= 22, "at least 128 bits");

    // Session → JWT, verified with the published JWKS.
    let jwt = browser.session_token().await;
    let verifier = JwtVerifier::new(
        reqwest::Client::new(),
        &format!("{}/.well-known/jwks.json", app.address),
        "auth-service",
        GMAIL_SERVICE_AUDIENCE,
    );
    let claims = verifier.verify(&jwt).await.unwrap();
    assert_eq!(claims.sub, ALICE_SUB);
    assert_eq!(claims.email, "alice@example.com");
    assert!(claims.exp - claims.iat <= 300);

    // JWT → Google access token for that account.
    let response = app.google_token(&jwt, None).await;
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["cache-control"], "no-store");
    let body: Value = response.json().await.unwrap();
    let access = body["access_token"].as_str().unwrap();
    let profile: Value = app.gmail_profile(access).await.json().await.unwrap();
    assert_eq!(profile["emailAddress"], "alice@example.com");

    // Redis holds no usable secret: no token, no cookie value, only hashes and ciphertext.
    let dump = app.dump().await;
    assert!(dump.iter().any(|(k, _)| k.contains(":tokens")));
    for (key, value) in &dump {
        for secret in [access, session_id.as_str(), jwt.as_str()] {
            assert!(
                !key.contains(secret) && !value.contains(secret),
                "{key} leaks a secret"
            );
        }
        assert!(
            !value.contains("1//0"),
            "{key} holds a refresh token in clear"
        );
    }
    assert_eq!(app.session_count().await, 1);
}

#[tokio::test]
async fn api_tokens_live_an_hour_and_are_refused_cross_site() {
    let app = spawn_app().await;
    let mut browser = Browser::new(&app);
    browser.login().await;
    let response = browser.post("/v1/api-tokens", &[("origin", PUBLIC)]).await;
    assert_eq!(response.status(), 200);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["expires_in"], 3600);
    assert_eq!(body["token_type"], "Bearer");
    let cross = browser
        .post("/v1/api-tokens", &[("origin", "https://evil.example")])
        .await;
    assert_eq!(cross.status(), 403);
    assert_eq!(cross.headers()["content-type"], "application/problem+json");
    let cross = browser
        .post("/v1/api-tokens", &[("sec-fetch-site", "cross-site")])
        .await;
    assert_eq!(cross.status(), 403);
    // Without a session there is no token.
    let mut stranger = Browser::new(&app);
    let response = stranger.post("/v1/session/token", &[]).await;
    assert_eq!(response.status(), 401);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["code"], "not_logged_in");
}

#[tokio::test]
async fn logout_ends_the_session_and_revokes_the_grant() {
    let app = spawn_app().await;
    let mut browser = Browser::new(&app);
    browser.login().await;
    let jwt = browser.session_token().await;
    let access: Value = app.google_token(&jwt, None).await.json().await.unwrap();
    let access = access["access_token"].as_str().unwrap().to_owned();
    // A cross-site logout is refused and changes nothing.
    let refused = browser
        .post("/oauth/logout", &[("origin", "https://evil.example")])
        .await;
    assert_eq!(refused.status(), 403);
    assert_eq!(app.session_count().await, 1);
    let done = browser.post("/oauth/logout", &[("origin", PUBLIC)]).await;
    assert_eq!(done.status(), 303);
    assert_eq!(location(&done), format!("{PUBLIC}/"));
    assert!(!browser.jar.contains("gu_session"), "cookie not cleared");
    assert_eq!(app.session_count().await, 0);
    assert_eq!(
        app.gmail_profile(&access).await.status(),
        401,
        "grant not revoked at Google"
    );
    assert_eq!(app.emulator.count("revoke"), 1);
    // The session's JWT was revoked with the logout.
    let response = app.google_token(&jwt, None).await;
    assert_eq!(response.status(), 401);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["code"], "invalid_token");
}

#[tokio::test]
async fn a_login_started_on_one_replica_completes_on_another() {
    let app = spawn_app().await;
    let (other, other_internal) = start_instance_with_internal(&app.env).await;
    let mut browser = Browser::new(&app);
    let callback = browser.authorize("/oauth/login").await;
    let callback_on_other = callback.replacen(&app.address, &other, 1);
    let done = browser.get(&callback_on_other).await;
    assert_eq!(done.status(), 302);
    assert_eq!(location(&done), format!("{PUBLIC}/"));
    // Either replica serves the session, and both sign with the one shared key.
    let jwt_a = browser.session_token().await;
    browser.base = other.clone();
    let jwt_b = browser.session_token().await;
    for jwt in [&jwt_a, &jwt_b] {
        assert_eq!(app.google_token(jwt, None).await.status(), 200);
        let response = client()
            .post(format!("{other_internal}/internal/google-access-token"))
            .header("x-service-credential", GMAIL_SERVICE_CREDENTIAL)
            .bearer_auth(jwt)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 200);
    }
}

#[tokio::test]
async fn login_rotates_the_session_and_returns_only_to_local_paths() {
    let app = spawn_app().await;
    let mut browser = Browser::new(&app);
    browser.login().await;
    let first = browser.jar.get("gu_session").unwrap();
    let callback = browser.authorize("/oauth/login?next=/messages/abc").await;
    let done = browser.get(&callback).await;
    assert_eq!(location(&done), format!("{PUBLIC}/messages/abc"));
    assert_ne!(
        browser.jar.get("gu_session").unwrap(),
        first,
        "session id not rotated"
    );
    assert_eq!(app.session_count().await, 1, "the old session survived");
    for hostile in [
        "https://evil.example/",
        "//evil.example/x",
        "/\\evil.example",
    ] {
        let encoded: String = url::form_urlencoded::byte_serialize(hostile.as_bytes()).collect();
        let callback = browser
            .authorize(&format!("/oauth/login?next={encoded}"))
            .await;
        let done = browser.get(&callback).await;
        assert_eq!(location(&done), format!("{PUBLIC}/"), "{hostile}");
    }
}

#[tokio::test]
async fn consent_is_asked_again_only_when_no_refresh_token_is_stored() {
    let app = spawn_app().await;
    Browser::new(&app).login().await;
    // The account is known now and has a refresh token: no prompt.
    let mut browser = Browser::new(&app);
    let start = browser
        .get("/oauth/login?login_hint=alice@example.com")
        .await;
    assert!(!location(&start).contains("prompt=consent"));
    // A deployment with empty storage meets the existing grant: Google sends no refresh token,
    // so the login goes round once more with prompt=consent and ends with one.
    let prefix = testkit::unique_prefix();
    let (fresh, fresh_internal) =
        start_instance_with_internal(&app.env.clone().with("REDIS_KEY_PREFIX", prefix)).await;
    let mut browser = Browser::at(&fresh);
    let callback = browser.authorize("/oauth/login").await;
    let again = browser.get(&callback).await;
    assert_eq!(again.status(), 302);
    assert!(
        location(&again).contains("prompt=consent"),
        "{}",
        location(&again)
    );
    let at_google = browser.get(&location(&again)).await;
    let done = browser
        .get(&location(&at_google).replacen(PUBLIC, &fresh, 1))
        .await;
    assert_eq!(location(&done), format!("{PUBLIC}/"));
    // The stored refresh token works: expire the access token and get a new one.
    let jwt = browser.session_token().await;
    let internal = |hash: Option<String>| {
        let jwt = jwt.clone();
        let fresh_internal = fresh_internal.clone();
        async move {
            let body = serde_json::json!({ "rejected_access_token_sha256": hash });
            let response = client()
                .post(format!("{fresh_internal}/internal/google-access-token"))
                .header("x-service-credential", GMAIL_SERVICE_CREDENTIAL)
                .bearer_auth(jwt)
                .json(&body)
                .send()
                .await
                .unwrap();
            assert_eq!(response.status(), 200);
            response.json::<Value>().await.unwrap()["access_token"]
                .as_str()
                .unwrap()
                .to_owned()
        }
    };
    let old = internal(None).await;
    app.http
        .post(format!("{}/emulator/tokens/expire", app.emulator.url))
        .send()
        .await
        .unwrap();
    let new = internal(Some(sha256_hex(&old))).await;
    assert_ne!(old, new);
    assert_eq!(app.gmail_profile(&new).await.status(), 200);
}
