//! Tokens never reach the logs: a page, a message, a forced refresh and a failing call with
//! logging at trace level, then the captured output is searched for the caller's JWT and the
//! Google access tokens gmail-service used, and for gmail-service's own service credential.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use testkit::gmail::*;

async fn google_token(app: &TestApp, jwt: &str) -> String {
    let answer: serde_json::Value = app
        .http
        .post(format!(
            "{}/internal/google-access-token",
            app.auth.internal_url
        ))
        .header("x-service-credential", app.auth.credential().unwrap())
        .bearer_auth(jwt)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    answer["access_token"].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn no_token_is_ever_logged_even_at_trace_level() {
    let captured = testkit::logs::LogCapture::install_trace();
    let app = spawn_app().await;
    let jwt = app.auth.jwt(BOB);
    app.unread(BOB, Some(5), None).await;
    let first = google_token(&app, &jwt).await;
    app.emulator_post("/emulator/tokens/expire").await;
    let page = app.unread(BOB, Some(5), None).await;
    let id = page.messages[0].id.clone();
    app.message(BOB, &id).await;
    let second = google_token(&app, &jwt).await;
    assert_ne!(first, second, "the refresh did not happen");
    app.get_as(&jwt, "/v1/messages/0123456789abcdef").await;

    let logs = captured.text();
    assert!(logs.contains("request finished"), "nothing was captured");
    let jwt_signature = jwt.rsplit('.').next().unwrap();
    for (what, secret) in [
        ("the JWT", jwt.as_str()),
        ("the JWT's signature", jwt_signature),
        ("the first Google token", first.as_str()),
        ("the refreshed Google token", second.as_str()),
        ("the service credential", app.auth.credential().unwrap()),
    ] {
        assert!(!logs.contains(secret), "{what} was logged");
    }
}
