//! `GET /v1/events` over real HTTP: the stream opens with the count, follows deliveries and
//! mail read elsewhere (the poller of a watched account syncs it), resumes after
//! `Last-Event-ID` (or says `resync`), reaches a stream open on one replica when another
//! replica syncs, bounds the streams of one account, and ends when the account's tokens are
//! revoked.

use std::time::Duration;

use common::config::Env;
use testkit::{
    sse::{EventStream, SseEvent},
    unique_prefix,
};

use crate::helpers::*;

/// A watched account is synced every second.
fn watching() -> Env {
    Env::default().with("WATCH_POLL_SECS", "1")
}

pub(crate) const WAIT: Duration = Duration::from_secs(10);

pub(crate) async fn open(base: &str, jwt: &str, last_event_id: Option<&str>) -> EventStream {
    let mut request = reqwest::Client::new()
        .get(format!("{base}/v1/events"))
        .bearer_auth(jwt);
    if let Some(id) = last_event_id {
        request = request.header("last-event-id", id);
    }
    let response = request.send().await.unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(
        response.headers()["content-type"].to_str().unwrap(),
        "text/event-stream"
    );
    EventStream::new(response)
}

pub(crate) fn mail(subject: &str) -> String {
    format!("From: Ann Example <ann@example.com>\r\nSubject: {subject}\r\n\r\nAbout {subject}.\r\n")
}

fn unread(event: &SseEvent) -> u64 {
    event.json()["unread"].as_u64().unwrap()
}

fn history_id(event: &SseEvent) -> u64 {
    event.id.as_deref().unwrap().parse().unwrap()
}

#[tokio::test]
async fn a_stream_opens_with_the_count_and_follows_new_and_read_mail() {
    let app = spawn_app_with(watching(), |_| {}).await;
    let jwt = app.auth.jwt(BOB);
    let mut stream = open(&app.address, &jwt, None).await;
    let first = stream.next(WAIT).await.expect("the opening count");
    assert_eq!(first.event, "unread_count");
    let count = app.count(BOB).await;
    assert_eq!(unread(&first), count);

    let id = app.deliver(BOB.1, &mail("live")).await;
    let added = stream.next(WAIT).await.expect("the new message");
    assert_eq!(added.event, "unread_added");
    assert_eq!(added.json()["id"], id.as_str());
    assert_eq!(added.json()["subject"], "live");
    assert_eq!(added.json()["from"]["name"], "Ann Example");
    let after = stream.next(WAIT).await.unwrap();
    assert_eq!(after.event, "unread_count");
    assert_eq!(unread(&after), count + 1);
    assert!(history_id(&after) > history_id(&first));

    app.relabel(BOB.1, &id, &[], &["UNREAD"]).await;
    let removed = stream.next(WAIT).await.expect("the read message");
    assert_eq!(removed.event, "unread_removed");
    assert_eq!(removed.json()["id"], id.as_str());
    assert_eq!(unread(&stream.next(WAIT).await.unwrap()), count);
}

#[tokio::test]
async fn a_client_that_reconnects_gets_exactly_what_it_missed() {
    // No poller in the way: the pages sync (SYNC_MAX_AGE_SECS=0).
    let app = spawn_app_with(
        Env::default()
            .with("WATCH_POLL_SECS", "3600")
            .with("SYNC_MAX_AGE_SECS", "0"),
        |_| {},
    )
    .await;
    let jwt = app.auth.jwt(BOB);
    let seen = {
        let mut stream = open(&app.address, &jwt, None).await;
        stream.next(WAIT).await.unwrap()
    };
    let first = app.deliver(BOB.1, &mail("missed one")).await;
    app.count(BOB).await;
    let second = app.deliver(BOB.1, &mail("missed two")).await;
    app.count(BOB).await;

    let mut stream = open(&app.address, &jwt, seen.id.as_deref()).await;
    let mut names = Vec::new();
    let mut added = Vec::new();
    while let Some(event) = stream.next(Duration::from_millis(500)).await {
        if event.event == "unread_added" {
            added.push(event.json()["id"].as_str().unwrap().to_owned());
        }
        names.push(event.event);
    }
    assert_eq!(added, [first, second]);
    assert!(!names.contains(&"resync".to_owned()), "{names:?}");

    // An id older than the log, or one this service never sent: start over.
    for stale in ["1", "yesterday"] {
        let mut stream = open(&app.address, &jwt, Some(stale)).await;
        let event = stream.next(WAIT).await.unwrap();
        assert_eq!(event.event, "resync", "{stale}");
        assert_eq!(stream.next(WAIT).await.unwrap().event, "unread_count");
    }
}

#[tokio::test]
async fn a_stream_on_one_replica_hears_of_a_sync_on_the_other() {
    let prefix = unique_prefix();
    let shared = Env::default()
        .with("REDIS_KEY_PREFIX", &prefix)
        .with("SYNC_MAX_AGE_SECS", "0")
        .with("WATCH_POLL_SECS", "3600");
    let app = spawn_app_with(shared.clone(), |_| {}).await;
    let replica = spawn_service(app.auth.env().merged(shared).with(
        "GMAIL_API_BASE",
        format!("{}/gmail/v1/users/me", app.emulator.url),
    ))
    .await;
    let jwt = app.auth.jwt(BOB);
    let mut stream = open(&app.address, &jwt, None).await;
    stream.next(WAIT).await.unwrap();
    let id = app.deliver(BOB.1, &mail("via the other replica")).await;
    let answer = reqwest::Client::new()
        .get(format!("{replica}/v1/unread-count"))
        .bearer_auth(&jwt)
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status(), 200);
    let added = stream.next_named("unread_added", WAIT).await.unwrap();
    assert_eq!(added.json()["id"], id.as_str());
}

/// How the frontend holds its streams: HTTP/2 without TLS (prior knowledge), every stream one
/// of a single connection; plain HTTP/1.1 clients are served on the same port.
#[tokio::test]
async fn streams_over_one_http2_connection_each_follow_the_mail() {
    let app = spawn_app_with(watching(), |_| {}).await;
    let jwt = app.auth.jwt(BOB);
    let h2 = reqwest::Client::builder()
        .http2_prior_knowledge()
        .build()
        .unwrap();
    let mut streams = Vec::new();
    for _ in 0..3 {
        let response = h2
            .get(format!("{}/v1/events", app.address))
            .bearer_auth(&jwt)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 200);
        assert_eq!(response.version(), reqwest::Version::HTTP_2);
        let mut stream = EventStream::new(response);
        assert_eq!(stream.next(WAIT).await.unwrap().event, "unread_count");
        streams.push(stream);
    }
    let h1 = reqwest::Client::builder().http1_only().build().unwrap();
    let answer = h1
        .get(format!("{}/v1/unread-count", app.address))
        .bearer_auth(&jwt)
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status(), 200);
    assert_eq!(answer.version(), reqwest::Version::HTTP_11);

    let id = app.deliver(BOB.1, &mail("to every stream")).await;
    for stream in &mut streams {
        let added = stream.next_named("unread_added", WAIT).await.unwrap();
        assert_eq!(added.json()["id"], id.as_str());
    }
}

#[tokio::test]
async fn an_account_may_hold_only_so_many_streams() {
    let app = spawn_app_with(
        Env::default()
            .with("EVENTS_MAX_STREAMS_PER_ACCOUNT", "2")
            .with("EVENTS_HEARTBEAT_SECS", "1"),
        |_| {},
    )
    .await;
    let jwt = app.auth.jwt(BOB);
    let _one = open(&app.address, &jwt, None).await;
    let two = open(&app.address, &jwt, None).await;
    let refused = app.get_as(&jwt, "/v1/events").await;
    assert!(
        refused.headers().get("retry-after").is_some(),
        "{refused:?}"
    );
    assert_problem(refused, 429, ProblemCode::RateLimited).await;
    // Another account is not affected; a closed stream frees its place (at its next
    // heartbeat, when the server finds the connection gone).
    open(&app.address, &app.auth.jwt(ALICE), None).await;
    drop(two);
    let deadline = tokio::time::Instant::now() + WAIT;
    loop {
        let answer = app.get_as(&jwt, "/v1/events").await;
        if answer.status() == 200 {
            break;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "the place was not freed"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test]
async fn revoking_the_accounts_tokens_ends_their_open_streams() {
    use redis::AsyncCommands;
    let app = spawn_app_with(Env::default().with("EVENTS_HEARTBEAT_SECS", "1"), |_| {}).await;
    let jwt = app.auth.jwt(BOB);
    let mut stream = open(&app.address, &jwt, None).await;
    stream.next(WAIT).await.unwrap();
    assert!(!stream.ends_within(Duration::from_millis(1_500)).await);
    // As auth-service does on logout: tokens issued before now are revoked.
    let now = chrono::Utc::now().timestamp() + 1;
    let () = app
        .redis
        .connection()
        .set_ex(
            gmail_service::redis_keys::not_before(&app.redis, BOB.0),
            now.to_string(),
            3_700,
        )
        .await
        .unwrap();
    assert!(
        stream.ends_within(WAIT).await,
        "a revoked token kept its stream"
    );
}

#[tokio::test]
async fn a_stream_hears_only_of_its_own_account() {
    let app = spawn_app_with(watching(), |_| {}).await;
    let mut bobs = open(&app.address, &app.auth.jwt(BOB), None).await;
    bobs.next(WAIT).await.unwrap();
    let mut alices = open(&app.address, &app.auth.jwt(ALICE), None).await;
    alices.next(WAIT).await.unwrap();
    let id = app.deliver(ALICE.1, &mail("for alice only")).await;
    let added = alices.next_named("unread_added", WAIT).await.unwrap();
    assert_eq!(added.json()["id"], id.as_str());
    // Bob's stream got nothing of it (a second poll period included).
    assert!(
        bobs.next(Duration::from_millis(2_500)).await.is_none(),
        "alice's mail reached bob's stream"
    );
}

#[tokio::test]
async fn a_stream_without_a_valid_jwt_is_refused() {
    let app = spawn_app().await;
    let answer = reqwest::Client::new()
        .get(format!("{}/v1/events", app.address))
        .send()
        .await
        .unwrap();
    assert_problem(answer, 401, ProblemCode::InvalidToken).await;
}
