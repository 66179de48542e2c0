//! `GET /o/oauth2/v2/auth`: consent page, Allow/Deny, exact redirect URIs, Google's parameters.

use crate::helpers::*;

#[tokio::test]
async fn consent_page_lists_accounts_scopes_and_allow_deny() {
    let app = spawn_app_with(|c| c.auto_approve = false).await;
    let (_, challenge) = pkce();
    let response = app.authorize(&TestApp::auth_params(&challenge)).await;
    assert_eq!(response.status(), 200);
    let html = response.text().await.unwrap();
    for expected in [
        "alice@example.com",
        "bob@example.com",
        "View your email messages and settings",
        "See your primary Google Account email address",
        "value=\"allow\"",
        "value=\"deny\"",
    ] {
        assert!(html.contains(expected), "consent page lacks {expected}");
    }
}

fn request_id(html: &str) -> String {
    let start = html.find("name=\"request_id\" value=\"").unwrap() + 25;
    html[start..].split('"').next().unwrap().to_owned()
}

#[tokio::test]
async fn deny_redirects_with_access_denied_and_the_state() {
    let app = spawn_app_with(|c| c.auto_approve = false).await;
    let (_, challenge) = pkce();
    let html = app
        .authorize(&TestApp::auth_params(&challenge))
        .await
        .text()
        .await
        .unwrap();
    let response = app
        .http
        .post(app.url("/o/oauth2/v2/auth/decision"))
        .form(&[
            ("request_id", request_id(&html).as_str()),
            ("account", "0"),
            ("decision", "deny"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 302);
    let params = as_map(&location_params(&response));
    assert_eq!(params["error"], "access_denied");
    assert_eq!(params["state"], "st-123");
    assert!(!params.contains_key("code"));
}

#[tokio::test]
async fn allow_for_the_chosen_account_yields_that_accounts_tokens() {
    let app = spawn_app_with(|c| c.auto_approve = false).await;
    let (verifier, challenge) = pkce();
    let html = app
        .authorize(&TestApp::auth_params(&challenge))
        .await
        .text()
        .await
        .unwrap();
    let id = request_id(&html);
    let response = app
        .http
        .post(app.url("/o/oauth2/v2/auth/decision"))
        .form(&[
            ("request_id", id.as_str()),
            ("account", "1"),
            ("decision", "allow"),
        ])
        .send()
        .await
        .unwrap();
    let params = as_map(&location_params(&response));
    assert_eq!(params["prompt"], "consent");
    let tokens: serde_json::Value = app
        .exchange(&params["code"], Some(&verifier), REDIRECT)
        .await
        .json()
        .await
        .unwrap();
    let profile = app
        .gmail_json(tokens["access_token"].as_str().unwrap(), "profile")
        .await;
    assert_eq!(profile["emailAddress"], "bob@example.com");
    // The consent request is single-use.
    let again = app
        .http
        .post(app.url("/o/oauth2/v2/auth/decision"))
        .form(&[
            ("request_id", id.as_str()),
            ("account", "1"),
            ("decision", "allow"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(again.status(), 400);
    assert!(again.headers().get("location").is_none());
}

#[tokio::test]
async fn success_redirect_carries_googles_parameters_in_order() {
    let app = spawn_app().await;
    let (_, challenge) = pkce();
    let response = app.authorize(&TestApp::auth_params(&challenge)).await;
    assert_eq!(response.status(), 302);
    let params = location_params(&response);
    let names: Vec<&str> = params.iter().map(|(k, _)| k.as_str()).collect();
    assert_eq!(
        names,
        ["state", "iss", "code", "scope", "authuser", "prompt"]
    );
    let map = as_map(&params);
    assert_eq!(map["state"], "st-123");
    assert_eq!(map["iss"], app.emulator.state.issuer);
    assert!(map["code"].starts_with("4/0A") && map["code"].len() <= 256);
    assert!(map["scope"].split(' ').any(|s| s == GMAIL_SCOPE));
    assert!(
        map["scope"]
            .split(' ')
            .any(|s| s == "https://www.googleapis.com/auth/userinfo.email")
    );
}

#[tokio::test]
async fn login_hint_picks_the_account() {
    let app = spawn_app().await;
    let tokens = app.login_with(&[("login_hint", "carol@example.com")]).await;
    let profile = app.gmail_json(&tokens.access_token, "profile").await;
    assert_eq!(profile["emailAddress"], "carol@example.com");
}

#[tokio::test]
async fn redirect_uri_must_match_exactly_and_a_mismatch_never_redirects() {
    let app = spawn_app().await;
    let (_, challenge) = pkce();
    for wrong in [
        "http://127.0.0.1:9/oauth/callback/",
        "http://127.0.0.1:9/OAUTH/callback",
        "https://127.0.0.1:9/oauth/callback",
        "http://127.0.0.1:10/oauth/callback",
        "http://evil.example/oauth/callback",
        "http://127.0.0.1:9/oauth/callback?next=http://evil.example",
    ] {
        let mut params = TestApp::auth_params(&challenge);
        params.retain(|(k, _)| *k != "redirect_uri");
        params.push(("redirect_uri", wrong.into()));
        let response = app.authorize(&params).await;
        assert_eq!(response.status(), 400, "{wrong}");
        assert!(
            response.headers().get("location").is_none(),
            "{wrong} redirected"
        );
        assert!(
            response
                .text()
                .await
                .unwrap()
                .contains("redirect_uri_mismatch")
        );
    }
}

#[tokio::test]
async fn malformed_requests_get_an_error_page_not_a_redirect() {
    let app = spawn_app().await;
    let (_, challenge) = pkce();
    let cases: Vec<(&str, Option<&str>, u16, &str)> = vec![
        ("client_id", None, 400, "invalid_request"),
        (
            "client_id",
            Some("other.apps.googleusercontent.com"),
            401,
            "invalid_client",
        ),
        ("redirect_uri", None, 400, "invalid_request"),
        ("response_type", None, 400, "invalid_request"),
        (
            "response_type",
            Some("token"),
            400,
            "unsupported_response_type",
        ),
        ("scope", None, 400, "invalid_request"),
        (
            "scope",
            Some("openid https://www.googleapis.com/auth/gmail.modify"),
            400,
            "invalid_scope",
        ),
        (
            "code_challenge_method",
            Some("S512"),
            400,
            "invalid_request",
        ),
        ("code_challenge", Some("too-short"), 400, "invalid_request"),
        ("access_type", Some("forever"), 400, "invalid_request"),
        ("prompt", Some("none consent"), 400, "invalid_request"),
    ];
    for (name, value, status, error) in cases {
        let mut params = TestApp::auth_params(&challenge);
        params.retain(|(k, _)| *k != name);
        if let Some(v) = value {
            params.push((name, v.into()));
        }
        let response = app.authorize(&params).await;
        assert_eq!(response.status(), status, "{name}={value:?}");
        assert!(response.headers().get("location").is_none());
        let html = response.text().await.unwrap();
        assert!(
            html.contains(&format!("<span id=\"error-code\">{error}</span>")),
            "{name}: {html}"
        );
    }
    // A parameter given twice is refused.
    let mut params = TestApp::auth_params(&challenge);
    params.push(("state", "second".into()));
    assert_eq!(app.authorize(&params).await.status(), 400);
}

#[tokio::test]
async fn prompt_none_without_a_grant_answers_consent_required() {
    let app = spawn_app().await;
    let (_, challenge) = pkce();
    let mut params = TestApp::auth_params(&challenge);
    params.push(("prompt", "none".into()));
    let response = app.authorize(&params).await;
    assert_eq!(response.status(), 302);
    assert_eq!(
        as_map(&location_params(&response))["error"],
        "consent_required"
    );
    app.login().await;
    let response = app.authorize(&params).await;
    let map = as_map(&location_params(&response));
    assert!(map.contains_key("code"));
    assert_eq!(map["prompt"], "none");
}
