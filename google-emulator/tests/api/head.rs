//! `HEAD` answers wherever `GET` does: same status and headers, no body.

use crate::helpers::*;

/// `GET` and `HEAD` of `path` (with `token` as bearer, if any) agree; returns the status.
async fn head_matches_get(app: &TestApp, path: &str, token: Option<&str>) -> u16 {
    let send = |method: reqwest::Method| {
        let mut request = app.http.request(method, app.url(path));
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        request.send()
    };
    let get = send(reqwest::Method::GET).await.unwrap();
    let head = send(reqwest::Method::HEAD).await.unwrap();
    assert_eq!(head.status(), get.status(), "{path}");
    // A GET body that does not change between calls has its length announced by HEAD too.
    for name in ["content-type", "www-authenticate", "content-length"] {
        assert_eq!(
            head.headers().get(name),
            get.headers().get(name),
            "{path}: {name}"
        );
    }
    // A redirect carries a fresh code each time: both have one.
    assert_eq!(
        head.headers().contains_key("location"),
        get.headers().contains_key("location"),
        "{path}"
    );
    let status = head.status().as_u16();
    assert!(
        head.bytes().await.unwrap().is_empty(),
        "{path}: HEAD with a body"
    );
    status
}

#[tokio::test]
async fn every_get_route_answers_head() {
    let app = spawn_app().await;
    assert_eq!(head_matches_get(&app, "/healthz", None).await, 200);
    assert_eq!(
        head_matches_get(&app, "/.well-known/openid-configuration", None).await,
        200
    );
    assert_eq!(head_matches_get(&app, "/oauth2/v3/certs", None).await, 200);
    // The authorization endpoint (auto-approving in tests: a redirect with a code).
    let (_, challenge) = pkce();
    let query = serde_urlencoded::to_string(TestApp::auth_params(&challenge)).unwrap();
    assert_eq!(
        head_matches_get(&app, &format!("/o/oauth2/v2/auth?{query}"), None).await,
        302
    );
    // Gmail, with and without a token.
    let token = app.login().await.access_token;
    for path in [
        "profile",
        "labels/UNREAD",
        "messages?q=is:unread&maxResults=2",
    ] {
        let path = format!("/gmail/v1/users/me/{path}");
        assert_eq!(head_matches_get(&app, &path, Some(&token)).await, 200);
        assert_eq!(head_matches_get(&app, &path, None).await, 401);
    }
}
