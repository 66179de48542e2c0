//! gmail-service authenticates itself to auth-service's internal route with
//! `X-Service-Credential`: the configured one, or in demo mode one generated once and shared
//! through Redis. A wrong credential fails cleanly (503 problem, no secret in the body).

use common::{config::Env, redis_store::RedisStore};
use redis::AsyncCommands;

use crate::helpers::*;

#[tokio::test]
async fn gmail_service_sends_its_credential_and_a_wrong_one_fails_cleanly() {
    let app = spawn_app().await;
    app.count(BOB).await;
    assert_eq!(app.auth.credential_refusals(), 0);

    let wrong = "wrong-credential-0123456789";
    let address = spawn_service(app.auth.env().with("GMAIL_SERVICE_CREDENTIAL", wrong).with(
        "GMAIL_API_BASE",
        format!("{}/gmail/v1/users/me", app.emulator.url),
    ))
    .await;
    for path in ["/v1/unread-count", "/v1/messages/unread?limit=2"] {
        let response = app
            .http
            .get(format!("{address}{path}"))
            .bearer_auth(app.auth.jwt(ALICE))
            .send()
            .await
            .unwrap();
        assert!(response.headers().contains_key("retry-after"));
        let body = assert_problem(response, 503, ProblemCode::DependencyUnavailable).await;
        let text = body.to_string();
        assert!(!text.contains(wrong), "the credential leaked: {text}");
        assert!(!text.contains(app.auth.credential().unwrap()));
    }
    assert!(app.auth.credential_refusals() >= 2);
}

#[tokio::test]
async fn demo_mode_generates_one_credential_and_shares_it_through_redis() {
    let prefix = testkit::unique_prefix();
    let env = Env::default()
        .with("REDIS_URL", testkit::redis_url())
        .with("REDIS_KEY_PREFIX", &prefix);
    let redis =
        RedisStore::connect(&common::redis_store::RedisSettings::from_env(&env).unwrap()).unwrap();
    let emulator = google_emulator::spawn(google_emulator::EmulatorConfig::for_tests(&[REDIRECT]))
        .await
        .unwrap();
    let auth = AuthStandIn::start_sharing_demo_credential(&emulator.url, redis.clone());
    assert!(auth.env().get("GMAIL_SERVICE_CREDENTIAL").is_none());
    let env = auth.env().with("REDIS_KEY_PREFIX", &prefix).with(
        "GMAIL_API_BASE",
        format!("{}/gmail/v1/users/me", emulator.url),
    );
    // Two gmail-service instances, no credential configured, first calls at the same time.
    let one = spawn_service(env.clone()).await;
    let other = spawn_service(env).await;
    let http = reqwest::Client::new();
    let call = |address: &str, account: (&str, &str)| {
        http.get(format!("{address}/v1/unread-count"))
            .bearer_auth(auth.jwt(account))
            .send()
    };
    let (a, b) = tokio::join!(call(&one, BOB), call(&other, ALICE));
    assert_eq!(a.unwrap().status(), 200);
    assert_eq!(b.unwrap().status(), 200);
    assert_eq!(auth.credential_refusals(), 0);

    let stored: Vec<String> = redis
        .connection()
        .keys(format!("{prefix}keys:*"))
        .await
        .unwrap();
    assert_eq!(
        stored,
        vec![format!("{prefix}keys:gmail-service-credential")]
    );
    let value: String = redis.connection().get(&stored[0]).await.unwrap();
    assert_eq!(value.len(), 43, "32 random bytes, base64url");
}
