//! Gmail push over real HTTP: the emulator plays Cloud Pub/Sub and delivers to gmail-service's
//! `POST /v1/gmail/push` with a signed OIDC token. With polling set to an hour, a push brings
//! new mail to an open stream at once (one `history.list`); a push delivered twice costs one;
//! a lost one is made up for by polling; a push makes a fresh mirror stale for pages. Forged,
//! foreign and expired tokens change nothing (a valid token beside them shows the check can
//! pass), malformed envelopes are 400, and without a topic there is no route.

use std::time::{Duration, Instant};

use common::config::Env;
use google_emulator::{config::DEFAULT_PUSH_SERVICE_ACCOUNT, oauth::id_token::IdTokenSigner};
use serde_json::{Value, json};
use testkit::gmail::{PUSH_AUDIENCE, PUSH_TOPIC, spawn_app_with_push};

use crate::{
    events::{WAIT, mail, open},
    helpers::*,
};

/// Polling too slow to matter within a test.
fn push_only() -> Env {
    Env::default().with("WATCH_POLL_SECS", "3600")
}

/// Waits until the emulator holds a watch of `email` on our topic (the poller's first round).
async fn until_watched(app: &TestApp, email: &str) {
    let started = Instant::now();
    loop {
        let watch = app
            .http
            .get(format!(
                "{}/emulator/accounts/{email}/watch",
                app.emulator.url
            ))
            .send()
            .await
            .unwrap();
        if watch.status() == 200 {
            let watch: Value = watch.json().await.unwrap();
            assert_eq!(watch["topicName"], PUSH_TOPIC);
            return;
        }
        assert!(started.elapsed() < WAIT, "{email} was never watched");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

async fn until_count(app: &TestApp, kind: &str, at_least: u64) {
    let started = Instant::now();
    while app.emulator.count(kind) < at_least {
        assert!(
            started.elapsed() < WAIT,
            "{kind} stayed below {at_least}: {:?}",
            app.emulator.state.counts()
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

async fn push_mode(app: &TestApp, mode: &str) {
    let response = app
        .http
        .post(format!("{}/emulator/push/mode", app.emulator.url))
        .json(&json!({ "mode": mode }))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
}

#[tokio::test]
async fn a_push_brings_new_mail_to_an_open_stream_at_once() {
    let app = spawn_app_with_push(push_only(), |_| {}).await;
    let mut stream = open(&app.address, &app.auth.jwt(BOB), None).await;
    assert_eq!(stream.next(WAIT).await.unwrap().event, "unread_count");
    until_watched(&app, BOB.1).await;
    assert_eq!(app.emulator.count("gmail.watch"), 1);
    let lists_before = app.emulator.count("gmail.history.list");

    let id = app.deliver(BOB.1, &mail("pushed")).await;
    let added = stream.next(WAIT).await.expect("the pushed message");
    assert_eq!(added.event, "unread_added");
    assert_eq!(added.json()["id"], id.as_str());
    assert_eq!(app.emulator.count("push.acknowledged"), 1);
    assert_eq!(app.emulator.count("gmail.history.list"), lists_before + 1);
    // The watch is renewed daily, not per round or per push.
    assert_eq!(app.emulator.count("gmail.watch"), 1);
}

#[tokio::test]
async fn a_push_delivered_twice_costs_one_history_list() {
    let app = spawn_app_with_push(push_only(), |_| {}).await;
    let mut stream = open(&app.address, &app.auth.jwt(BOB), None).await;
    stream.next(WAIT).await.unwrap();
    until_watched(&app, BOB.1).await;
    push_mode(&app, "duplicate").await;
    let lists_before = app.emulator.count("gmail.history.list");

    let id = app.deliver(BOB.1, &mail("twice")).await;
    let added = stream.next(WAIT).await.expect("the pushed message");
    assert_eq!(added.json()["id"], id.as_str());
    until_count(&app, "push.acknowledged", 2).await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(app.emulator.count("gmail.history.list"), lists_before + 1);
}

#[tokio::test]
async fn a_lost_push_is_made_up_for_by_polling() {
    let app = spawn_app_with_push(Env::default().with("WATCH_POLL_SECS", "1"), |_| {}).await;
    let mut stream = open(&app.address, &app.auth.jwt(BOB), None).await;
    stream.next(WAIT).await.unwrap();
    until_watched(&app, BOB.1).await;
    push_mode(&app, "drop").await;

    let id = app.deliver(BOB.1, &mail("lost")).await;
    let added = stream.next(WAIT).await.expect("the message, by polling");
    assert_eq!(added.json()["id"], id.as_str());
    assert_eq!(app.emulator.count("push.acknowledged"), 0);
    assert!(app.emulator.count("push.dropped") >= 1);
}

#[tokio::test]
async fn a_push_makes_a_fresh_mirror_stale_for_pages() {
    let app = spawn_app_with_push(push_only().with("SYNC_MAX_AGE_SECS", "3600"), |_| {}).await;
    // A stream makes the account watched; then nobody watches any more.
    let mut stream = open(&app.address, &app.auth.jwt(BOB), None).await;
    stream.next(WAIT).await.unwrap();
    until_watched(&app, BOB.1).await;
    drop(stream);
    let before = app.count(BOB).await;

    let id = app.deliver(BOB.1, &mail("stale")).await;
    until_count(&app, "push.acknowledged", 1).await;
    let page = app.unread(BOB, Some(100), None).await;
    assert_eq!(page.messages[0].id, id, "the page synced after the push");
    assert_eq!(app.count(BOB).await, before + 1);
}

#[derive(serde::Serialize)]
struct Claims<'a> {
    iss: &'a str,
    aud: &'a str,
    email: &'a str,
    email_verified: bool,
    iat: i64,
    #[serde(skip_serializing_if = "Option::is_none")]
    exp: Option<i64>,
}

fn envelope(email: &str, history_id: u64, message_id: &str) -> Value {
    use base64::Engine;
    let data = json!({ "emailAddress": email, "historyId": history_id }).to_string();
    json!({
        "message": {
            "data": base64::engine::general_purpose::STANDARD.encode(data),
            "messageId": message_id,
            "publishTime": "2026-12-06T00:00:00Z",
            "attributes": {},
        },
        "subscription": "projects/gmail-unread-tests/subscriptions/gmail-push",
    })
}

async fn post_push(app: &TestApp, token: Option<&str>, body: Vec<u8>) -> reqwest::Response {
    let mut request = app
        .http
        .post(format!("{}/v1/gmail/push", app.address))
        .header("content-type", "application/json")
        .body(body);
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    request.send().await.unwrap()
}

#[tokio::test]
async fn forged_foreign_and_expired_tokens_change_nothing() {
    let app = spawn_app_with_push(push_only().with("SYNC_MAX_AGE_SECS", "3600"), |_| {}).await;
    let mut stream = open(&app.address, &app.auth.jwt(BOB), None).await;
    stream.next(WAIT).await.unwrap();
    until_watched(&app, BOB.1).await;
    drop(stream);
    push_mode(&app, "drop").await;
    let id = app.deliver(BOB.1, &mail("behind")).await;
    let history_id = {
        let state = &app.emulator.state;
        let index = state.accounts.find(BOB.1).unwrap();
        state.current_mailbox(index).unwrap().history_id()
    };

    let signer = IdTokenSigner::new().unwrap();
    let issuer = app.emulator.state.issuer.clone();
    let now = chrono::Utc::now().timestamp();
    let sign = |iss: &str, aud: &str, email: &str, verified: bool, exp: Option<i64>| {
        signer
            .sign_claims(&Claims {
                iss,
                aud,
                email,
                email_verified: verified,
                iat: now,
                exp,
            })
            .unwrap()
    };
    let good = sign(
        &issuer,
        PUSH_AUDIENCE,
        DEFAULT_PUSH_SERVICE_ACCOUNT,
        true,
        Some(now + 600),
    );
    let tampered = {
        use base64::Engine;
        let engine = base64::engine::general_purpose::URL_SAFE_NO_PAD;
        let parts: Vec<&str> = good.split('.').collect();
        let mut claims: Value = serde_json::from_slice(&engine.decode(parts[1]).unwrap()).unwrap();
        claims["email"] = "attacker@example.com".into();
        format!(
            "{}.{}.{}",
            parts[0],
            engine.encode(claims.to_string()),
            parts[2]
        )
    };
    let hs256 = jsonwebtoken::encode(
        &jsonwebtoken::Header {
            kid: Some(google_emulator::oauth::id_token::KEY_ID.into()),
            ..jsonwebtoken::Header::new(jsonwebtoken::Algorithm::HS256)
        },
        &json!({"iss": issuer, "aud": PUSH_AUDIENCE, "email": DEFAULT_PUSH_SERVICE_ACCOUNT,
                "email_verified": true, "exp": now + 600}),
        &jsonwebtoken::EncodingKey::from_secret(b"guessable"),
    )
    .unwrap();
    let refused: Vec<(&str, Option<String>)> = vec![
        ("no token", None),
        ("not a JWT", Some("not-a-jwt".into())),
        ("tampered claims", Some(tampered)),
        ("HS256", Some(hs256)),
        (
            "another audience",
            Some(sign(
                &issuer,
                "https://elsewhere.test/push",
                DEFAULT_PUSH_SERVICE_ACCOUNT,
                true,
                Some(now + 600),
            )),
        ),
        (
            "another issuer",
            Some(sign(
                "https://accounts.example.com",
                PUSH_AUDIENCE,
                DEFAULT_PUSH_SERVICE_ACCOUNT,
                true,
                Some(now + 600),
            )),
        ),
        (
            "another service account",
            Some(sign(
                &issuer,
                PUSH_AUDIENCE,
                "other@p.iam.gserviceaccount.com",
                true,
                Some(now + 600),
            )),
        ),
        (
            "unverified email",
            Some(sign(
                &issuer,
                PUSH_AUDIENCE,
                DEFAULT_PUSH_SERVICE_ACCOUNT,
                false,
                Some(now + 600),
            )),
        ),
        (
            "expired",
            Some(sign(
                &issuer,
                PUSH_AUDIENCE,
                DEFAULT_PUSH_SERVICE_ACCOUNT,
                true,
                Some(now - 3600),
            )),
        ),
        (
            "no exp",
            Some(sign(
                &issuer,
                PUSH_AUDIENCE,
                DEFAULT_PUSH_SERVICE_ACCOUNT,
                true,
                None,
            )),
        ),
    ];
    for (n, (why, token)) in refused.iter().enumerate() {
        let body = envelope(BOB.1, history_id, &format!("forged-{n}")).to_string();
        let response = post_push(&app, token.as_deref(), body.into_bytes()).await;
        assert_problem(response, 401, ProblemCode::InvalidToken).await;
        let page = app.unread(BOB, Some(100), None).await;
        assert_ne!(
            page.messages[0].id, id,
            "{why}: the mirror was marked stale"
        );
    }

    // The same request with a good token is acted on.
    let body = envelope(BOB.1, history_id, "genuine").to_string();
    let response = post_push(&app, Some(&good), body.into_bytes()).await;
    assert_eq!(response.status(), 204);
    let page = app.unread(BOB, Some(100), None).await;
    assert_eq!(page.messages[0].id, id);

    // Malformed envelopes under a good token: 400.
    use base64::Engine;
    let encode = |v: &str| base64::engine::general_purpose::STANDARD.encode(v);
    for body in [
        b"not json".to_vec(),
        json!({"message": {"data": "%%%", "messageId": "1"}}).to_string().into_bytes(),
        json!({"message": {"data": encode("{\"hello\":1}"), "messageId": "2"}}).to_string().into_bytes(),
        json!({"message": {"data": encode(&json!({"emailAddress": BOB.1, "historyId": "soon"}).to_string()), "messageId": "3"}})
            .to_string()
            .into_bytes(),
    ] {
        let response = post_push(&app, Some(&good), body).await;
        assert_problem(response, 400, ProblemCode::BadRequest).await;
    }
}

#[tokio::test]
async fn without_a_topic_there_is_no_push_route() {
    let app = spawn_app().await;
    let response = post_push(&app, None, b"{}".to_vec()).await;
    assert_eq!(response.status(), 404);
}
