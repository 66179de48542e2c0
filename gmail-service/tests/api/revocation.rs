//! Revoked tokens (auth-service's `account:<sub>:not-before`): a token issued before the
//! account's not-before time is `401 invalid_token`, at once and before auth-service is asked
//! for anything; later tokens and other accounts work; Redis down is `503`.

use std::time::{Duration, Instant};

use common::{
    config::Env,
    jwt::{InternalClaims, unix_now},
};
use redis::AsyncCommands;
use testkit::{RedisServer, stand_ins::ISSUER};

use crate::helpers::*;

/// A five-minute token for `account` issued `age` seconds ago.
fn issued_ago(app: &TestApp, account: (&str, &str), age: i64) -> String {
    let now = unix_now();
    app.auth.sign(&InternalClaims {
        iat: now - age,
        nbf: now - age,
        exp: now + 300,
        ..InternalClaims::new(ISSUER, account.0, account.1, Duration::from_secs(300))
    })
}

/// Writes the key as auth-service does (the contract of docs/internal-api.md, spelled out).
async fn revoke_before(app: &TestApp, account: (&str, &str), not_before: i64) {
    let key = format!("{}account:{{{}}}:not-before", app.redis.prefix(), account.0);
    assert_eq!(
        key,
        gmail_service::redis_keys::not_before(&app.redis, account.0)
    );
    let () = app
        .redis
        .connection()
        .set_ex(&key, not_before.to_string(), 3_700)
        .await
        .unwrap();
}

#[tokio::test]
async fn a_token_issued_before_the_accounts_not_before_time_is_revoked() {
    let app = spawn_app().await;
    let old = issued_ago(&app, BOB, 60);
    // No key: no revocation.
    app.get_as(&old, "/v1/unread-count")
        .await
        .error_for_status()
        .unwrap();

    let now = unix_now();
    revoke_before(&app, BOB, now - 30).await;
    let token_requests = app.auth.token_requests();
    for path in ["/v1/unread-count", "/v1/messages/unread?limit=2"] {
        let body =
            assert_problem(app.get_as(&old, path).await, 401, ProblemCode::InvalidToken).await;
        assert_eq!(body["detail"], "The token was revoked.");
    }
    assert_eq!(
        app.auth.token_requests(),
        token_requests,
        "a revoked token reached auth-service"
    );

    // Issued at or after the not-before time: works.
    let at_not_before = issued_ago(&app, BOB, 30);
    let fresh = issued_ago(&app, BOB, 0);
    for token in [&at_not_before, &fresh] {
        app.get_as(token, "/v1/unread-count")
            .await
            .error_for_status()
            .unwrap();
    }
    // Another account's old token is not affected.
    app.get_as(&issued_ago(&app, ALICE, 60), "/v1/unread-count")
        .await
        .error_for_status()
        .unwrap();

    // The cost: one GET per request, no cache in between.
    let claims = InternalClaims::new(ISSUER, BOB.0, BOB.1, Duration::from_secs(300));
    let started = Instant::now();
    for _ in 0..1_000 {
        gmail_service::revocation::check(&app.redis, &claims)
            .await
            .unwrap();
    }
    println!(
        "revocation check: {:.1} µs per request (mean of 1000, one Redis GET)",
        started.elapsed().as_secs_f64() * 1e6 / 1_000.0
    );
}

#[tokio::test]
async fn a_revocation_holds_at_once_for_a_token_that_just_worked() {
    let app = spawn_app().await;
    let token = issued_ago(&app, CAROL, 10);
    for _ in 0..3 {
        app.get_as(&token, "/v1/unread-count")
            .await
            .error_for_status()
            .unwrap();
    }
    revoke_before(&app, CAROL, unix_now()).await;
    assert_problem(
        app.get_as(&token, "/v1/unread-count").await,
        401,
        ProblemCode::InvalidToken,
    )
    .await;
}

#[tokio::test]
async fn redis_down_makes_every_request_dependency_unavailable() {
    let mut redis = RedisServer::start();
    // No quota budget: without the revocation check this route would not need Redis at all.
    let app = spawn_app_with(
        Env::default()
            .with("REDIS_URL", redis.url())
            .with("QUOTA_UNITS_PER_MINUTE", "0"),
        |_| {},
    )
    .await;
    let jwt = app.auth.jwt(BOB);
    app.get_as(&jwt, "/v1/unread-count")
        .await
        .error_for_status()
        .unwrap();
    redis.stop();
    let response = app.get_as(&jwt, "/v1/unread-count").await;
    assert!(response.headers().contains_key("retry-after"));
    let body = assert_problem(response, 503, ProblemCode::DependencyUnavailable).await;
    assert!(!body.to_string().contains(&jwt));
    redis.resume();
}

#[tokio::test]
async fn a_revocation_under_the_spelling_before_hash_tags_still_holds() {
    // A deployment upgraded from the layout without hash tags: auth-service wrote
    // `account:<sub>:not-before` before the upgrade, and it must not lose its force.
    let app = spawn_app().await;
    let old = issued_ago(&app, BOB, 60);
    let legacy = format!("{}account:{}:not-before", app.redis.prefix(), BOB.0);
    assert_eq!(
        Some(legacy.clone()),
        gmail_service::redis_keys::legacy_not_before(&app.redis, BOB.0)
    );
    let () = app
        .redis
        .connection()
        .set_ex(&legacy, (unix_now() - 30).to_string(), 3_700)
        .await
        .unwrap();
    let body = assert_problem(
        app.get_as(&old, "/v1/unread-count").await,
        401,
        ProblemCode::InvalidToken,
    )
    .await;
    assert_eq!(body["detail"], "The token was revoked.");
    // A newer time under the new spelling wins over an older one under the old.
    revoke_before(&app, BOB, unix_now() - 120).await;
    assert_eq!(app.get_as(&old, "/v1/unread-count").await.status(), 401);
}
