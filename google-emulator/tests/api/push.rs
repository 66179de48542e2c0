//! `users.watch` / `users.stop` and push delivery as Cloud Pub/Sub does it for Gmail: the
//! envelope, the OIDC token (verified against the emulator's JWKS), label filters, one
//! notification per second per user (coalesced, newest history id last), retries, and the
//! `drop` / `duplicate` / `delay` modes. A small receiver plays the push endpoint.

use std::{
    net::TcpListener,
    sync::{
        Arc, Mutex,
        atomic::{AtomicU64, AtomicUsize, Ordering},
    },
    time::{Duration, Instant},
};

use actix_web::{App, HttpRequest, HttpResponse, HttpServer, web};
use base64::{Engine, engine::general_purpose::STANDARD};
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use serde_json::{Value, json};

use crate::helpers::*;

const BOB: &str = "bob@example.com";
const TOPIC: &str = "projects/gmail-unread-test/topics/gmail";
const WAIT: Duration = Duration::from_secs(5);

/// One request the endpoint received.
#[derive(Clone, Debug)]
struct Received {
    at: Instant,
    authorization: Option<String>,
    body: Value,
}

impl Received {
    /// The decoded `message.data`: `{"emailAddress","historyId"}`.
    fn data(&self) -> Value {
        let data = self.body["message"]["data"].as_str().unwrap();
        serde_json::from_slice(&STANDARD.decode(data).unwrap()).unwrap()
    }

    fn history_id(&self) -> u64 {
        self.data()["historyId"].as_u64().unwrap()
    }

    fn message_id(&self) -> String {
        self.body["message"]["messageId"]
            .as_str()
            .unwrap()
            .to_owned()
    }
}

/// The push endpoint: records every request on arrival; answers 500 to the next `fail_next`
/// of them, and each only after `hold_ms`.
#[derive(Default)]
struct Endpoint {
    received: Mutex<Vec<Received>>,
    fail_next: AtomicUsize,
    hold_ms: AtomicU64,
}

struct Receiver {
    url: String,
    endpoint: Arc<Endpoint>,
}

impl Receiver {
    async fn start() -> Self {
        let endpoint = Arc::new(Endpoint::default());
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!(
            "http://127.0.0.1:{}/v1/gmail/push",
            listener.local_addr().unwrap().port()
        );
        let data = web::Data::from(Arc::clone(&endpoint));
        let server = HttpServer::new(move || {
            App::new().app_data(data.clone()).route(
                "/v1/gmail/push",
                web::post().to(
                    |request: HttpRequest, body: web::Bytes, endpoint: web::Data<Endpoint>| async move {
                        endpoint.received.lock().unwrap().push(Received {
                            at: Instant::now(),
                            authorization: request
                                .headers()
                                .get("authorization")
                                .map(|v| v.to_str().unwrap().to_owned()),
                            body: serde_json::from_slice(&body).unwrap_or(Value::Null),
                        });
                        let failing = endpoint
                            .fail_next
                            .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1))
                            .is_ok();
                        let hold = endpoint.hold_ms.load(Ordering::SeqCst);
                        if hold > 0 {
                            tokio::time::sleep(Duration::from_millis(hold)).await;
                        }
                        if failing {
                            HttpResponse::InternalServerError().finish()
                        } else {
                            HttpResponse::NoContent().finish()
                        }
                    },
                ),
            )
        })
        .workers(1)
        .listen(listener)
        .unwrap()
        .run();
        tokio::spawn(server);
        Self { url, endpoint }
    }

    fn received(&self) -> Vec<Received> {
        self.endpoint.received.lock().unwrap().clone()
    }

    /// Waits for a received request whose notification carries `history_id`.
    async fn wait_for(&self, history_id: u64) -> Received {
        eventually(WAIT, &format!("a push with historyId {history_id}"), || {
            self.received()
                .into_iter()
                .find(|r| r.history_id() == history_id)
        })
        .await
    }
}

/// An emulator pushing to a fresh receiver, and bob's access token.
async fn watched_app() -> (TestApp, Receiver, String) {
    let receiver = Receiver::start().await;
    let url = receiver.url.clone();
    let app = spawn_app_with(|c| {
        c.push.endpoint = Some(url.clone());
        c.push.audience = url;
    })
    .await;
    let token = app.login_with(&[("login_hint", BOB)]).await.access_token;
    (app, receiver, token)
}

async fn watch(app: &TestApp, token: &str, body: Value) -> Value {
    let response = app.gmail_post(token, "watch", body).await;
    assert_eq!(response.status(), 200);
    response.json().await.unwrap()
}

async fn set_mode(app: &TestApp, mode: Value) {
    let response = app.control_post("/emulator/push/mode", Some(mode)).await;
    assert_eq!(response.status(), 200);
}

fn count(app: &TestApp, kind: &str) -> u64 {
    app.emulator.count(kind)
}

#[tokio::test]
async fn watch_and_stop_answer_as_gmail_and_charge_their_units() {
    let app = spawn_app_with(|c| c.quota_units_per_minute = 151).await;
    let token = app.login_with(&[("login_hint", BOB)]).await.access_token;
    let before = chrono::Utc::now().timestamp_millis();
    let answer = watch(
        &app,
        &token,
        json!({"topicName": TOPIC, "labelIds": ["INBOX"], "labelFilterBehavior": "include"}),
    )
    .await;
    let mut keys: Vec<&String> = answer.as_object().unwrap().keys().collect();
    keys.sort();
    assert_eq!(keys, ["expiration", "historyId"]);
    assert_eq!(
        answer["historyId"].as_str().unwrap(),
        app.gmail_json(&token, "profile").await["historyId"]
    );
    let expiration: i64 = answer["expiration"].as_str().unwrap().parse().unwrap();
    let week = 7 * 24 * 3600 * 1000;
    let after = chrono::Utc::now().timestamp_millis();
    assert!((before + week..=after + week).contains(&expiration));
    let kept = app
        .get_json(&format!("/emulator/accounts/{BOB}/watch"))
        .await;
    assert_eq!(kept["topicName"], TOPIC);
    assert_eq!(kept["labelIds"], json!(["INBOX"]));
    assert_eq!(kept["labelFilterBehavior"], "include");
    assert_eq!(
        kept["subscription"],
        "projects/gmail-unread-test/subscriptions/gmail-push"
    );

    let stop = app.gmail_post(&token, "stop", json!({})).await;
    assert_eq!(stop.status(), 204);
    assert!(stop.bytes().await.unwrap().is_empty());
    let gone = app
        .http
        .get(app.url(&format!("/emulator/accounts/{BOB}/watch")))
        .send()
        .await
        .unwrap();
    assert_eq!(gone.status(), 404);
    assert_eq!(count(&app, "gmail.watch"), 1);
    assert_eq!(count(&app, "gmail.stop"), 1);

    // watch 100 + stop 50 + profile 1 = 151: the next unit is over the minute's budget.
    let (reason, _) = google_error(app.gmail(&token, "profile").await, 429).await;
    assert_eq!(reason, "rateLimitExceeded");
}

#[tokio::test]
async fn bad_watch_requests_are_refused_in_googles_envelope() {
    let app = spawn_app().await;
    let token = app.login().await.access_token;
    for body in [
        json!({"topicName": "gmail"}),
        json!({"topicName": "projects/p/subscriptions/s"}),
        json!({"topicName": "projects//topics/t"}),
        json!({"topicName": "projects/p/topics/"}),
        json!({"labelIds": ["INBOX"]}),
        json!({"topicName": TOPIC, "labelFilterBehavior": "sometimes"}),
        json!({"topicName": TOPIC, "colour": "blue"}),
        json!({"topicName": TOPIC, "labelIds": "INBOX"}),
        json!(["not", "an", "object"]),
    ] {
        let (reason, error) =
            google_error(app.gmail_post(&token, "watch", body.clone()).await, 400).await;
        assert_eq!(reason, "invalidArgument", "{body}");
        assert_eq!(error["error"]["status"], "INVALID_ARGUMENT", "{body}");
    }
    let not_json = app
        .http
        .post(app.url("/gmail/v1/users/me/watch"))
        .bearer_auth(&token)
        .header("content-type", "application/json")
        .body("{topicName:")
        .send()
        .await
        .unwrap();
    google_error(not_json, 400).await;
    let (message_reason, error) = google_error(
        app.gmail_post(&token, "watch", json!({"topicName": "nope"}))
            .await,
        400,
    )
    .await;
    assert_eq!(message_reason, "invalidArgument");
    assert_eq!(
        error["error"]["message"],
        "Invalid topicName does not match projects/SOME-PROJECT/topics/SOME-TOPIC"
    );
    // No token: 401, as every Gmail call.
    let anonymous = app
        .http
        .post(app.url("/gmail/v1/users/me/watch"))
        .json(&json!({"topicName": TOPIC}))
        .send()
        .await
        .unwrap();
    google_error(anonymous, 401).await;
    let anonymous_stop = app
        .http
        .post(app.url("/gmail/v1/users/me/stop"))
        .send()
        .await
        .unwrap();
    google_error(anonymous_stop, 401).await;
}

#[tokio::test]
async fn a_change_is_pushed_with_a_token_that_verifies_against_the_jwks() {
    let (app, receiver, token) = watched_app().await;
    let watched = watch(&app, &token, json!({"topicName": TOPIC})).await;
    let (_, delivered) = app.deliver_mail(BOB, "Pushed", "").await;
    assert!(delivered > watched["historyId"].as_str().unwrap().parse().unwrap());
    let push = receiver.wait_for(delivered).await;

    // The envelope, and the data with historyId as a JSON number.
    let message = &push.body["message"];
    assert_eq!(
        push.data(),
        json!({"emailAddress": BOB, "historyId": delivered})
    );
    assert!(push.data()["historyId"].is_u64());
    let message_id = message["messageId"].as_str().unwrap();
    assert!(!message_id.is_empty() && message_id.bytes().all(|b| b.is_ascii_digit()));
    assert_eq!(message["message_id"], message_id);
    let published = message["publishTime"].as_str().unwrap();
    chrono::DateTime::parse_from_rfc3339(published).unwrap();
    assert_eq!(message["publish_time"], published);
    assert_eq!(message["attributes"], json!({}));
    assert_eq!(
        push.body["subscription"],
        "projects/gmail-unread-test/subscriptions/gmail-push"
    );

    // The OIDC token: RS256 with a kid from /oauth2/v3/certs, Google's claims.
    let bearer = push.authorization.as_deref().unwrap();
    let jwt = bearer.strip_prefix("Bearer ").unwrap();
    let header = jsonwebtoken::decode_header(jwt).unwrap();
    assert_eq!(header.alg, Algorithm::RS256);
    let kid = header.kid.unwrap();
    let jwks = app.get_json("/oauth2/v3/certs").await;
    let key = jwks["keys"]
        .as_array()
        .unwrap()
        .iter()
        .find(|k| k["kid"] == kid.as_str())
        .expect("the push token's kid is in the JWKS");
    let key =
        DecodingKey::from_rsa_components(key["n"].as_str().unwrap(), key["e"].as_str().unwrap())
            .unwrap();
    let mut validation = Validation::new(Algorithm::RS256);
    validation.set_audience(&[receiver.url.as_str()]);
    validation.set_issuer(&[app.emulator.state.issuer.as_str()]);
    let claims = jsonwebtoken::decode::<Value>(jwt, &key, &validation)
        .unwrap()
        .claims;
    assert_eq!(
        claims["email"],
        google_emulator::config::DEFAULT_PUSH_SERVICE_ACCOUNT
    );
    assert_eq!(claims["email_verified"], true);
    let sub = claims["sub"].as_str().unwrap();
    assert!(sub.len() == 21 && sub.bytes().all(|b| b.is_ascii_digit()));
    let (iat, exp) = (
        claims["iat"].as_i64().unwrap(),
        claims["exp"].as_i64().unwrap(),
    );
    assert_eq!(exp - iat, 3600);
    assert!((iat - chrono::Utc::now().timestamp()).abs() < 60);
    // Another audience, or the token with its signature changed, does not verify.
    let mut other = Validation::new(Algorithm::RS256);
    other.set_audience(&["https://elsewhere.example/push"]);
    assert!(jsonwebtoken::decode::<Value>(jwt, &key, &other).is_err());
    let forged = format!("{}x", &jwt[..jwt.len() - 1]);
    assert!(jsonwebtoken::decode::<Value>(&forged, &key, &validation).is_err());

    eventually(WAIT, "the acknowledgement", || {
        (count(&app, "push.acknowledged") == 1).then_some(())
    })
    .await;
    assert_eq!(count(&app, "push.published"), 1);
    assert_eq!(count(&app, "push.sent"), 1);
    let stats = app.get_json("/emulator/stats").await;
    assert_eq!(stats["requests"]["push.acknowledged"], 1);
}

#[tokio::test]
async fn the_audience_and_service_account_are_configurable_and_nothing_is_sent_unset() {
    let receiver = Receiver::start().await;
    let url = receiver.url.clone();
    let app = spawn_app_with(|c| {
        c.push.endpoint = Some(url);
        c.push.audience = "gmail-unread-push".into();
        c.push.service_account = "push@my-project.iam.gserviceaccount.com".into();
    })
    .await;
    let token = app.login().await.access_token;
    watch(&app, &token, json!({"topicName": TOPIC})).await;
    let (_, id) = app.deliver_mail("alice@example.com", "Hi", "").await;
    let push = receiver.wait_for(id).await;
    let jwt = push.authorization.clone().unwrap()["Bearer ".len()..].to_owned();
    let mut validation = Validation::new(Algorithm::RS256);
    validation.set_audience(&["gmail-unread-push"]);
    let jwks = google_emulator::oauth::id_token::IdTokenSigner::jwks();
    let key = DecodingKey::from_rsa_components(
        jwks["keys"][0]["n"].as_str().unwrap(),
        jwks["keys"][0]["e"].as_str().unwrap(),
    )
    .unwrap();
    let claims = jsonwebtoken::decode::<Value>(&jwt, &key, &validation)
        .unwrap()
        .claims;
    assert_eq!(claims["email"], "push@my-project.iam.gserviceaccount.com");
    assert_eq!(push.data()["emailAddress"], "alice@example.com");

    // Without EMULATOR_PUSH_ENDPOINT: the watch answers, nothing is published.
    let quiet = spawn_app().await;
    let token = quiet.login().await.access_token;
    watch(&quiet, &token, json!({"topicName": TOPIC})).await;
    quiet.deliver_mail("alice@example.com", "Hi", "").await;
    assert_eq!(quiet.emulator.count("push.published"), 0);
}

#[tokio::test]
async fn include_filters_pass_only_changes_to_messages_with_the_labels() {
    let (app, receiver, token) = watched_app().await;
    watch(
        &app,
        &token,
        json!({"topicName": TOPIC, "labelIds": ["STARRED"], "labelFilterBehavior": "include"}),
    )
    .await;
    let (_, plain) = app.deliver_mail(BOB, "Not starred", "INBOX,UNREAD").await;
    let (_, starred) = app.deliver_mail(BOB, "Starred", "INBOX,STARRED").await;
    receiver.wait_for(starred).await;
    let received = receiver.received();
    assert_eq!(received.len(), 1, "only the starred delivery: {received:?}");
    assert!(received[0].history_id() > plain);
}

#[tokio::test]
async fn exclude_filters_pass_only_changes_to_messages_without_the_labels() {
    let (app, receiver, token) = watched_app().await;
    watch(
        &app,
        &token,
        json!({"topicName": TOPIC, "labelIds": ["SPAM"], "labelFilterBehavior": "exclude"}),
    )
    .await;
    let (_, spam) = app.deliver_mail(BOB, "Spam", "SPAM").await;
    let (_, inbox) = app.deliver_mail(BOB, "Inbox", "INBOX,UNREAD").await;
    receiver.wait_for(inbox).await;
    let received = receiver.received();
    assert_eq!(received.len(), 1, "only the inbox delivery: {received:?}");
    assert!(received[0].history_id() > spam);
}

#[tokio::test]
async fn stopped_and_expired_watches_push_nothing() {
    let (app, receiver, token) = watched_app().await;
    watch(&app, &token, json!({"topicName": TOPIC})).await;
    assert_eq!(
        app.gmail_post(&token, "stop", json!({})).await.status(),
        204
    );
    app.deliver_mail(BOB, "After stop", "").await;
    watch(&app, &token, json!({"topicName": TOPIC})).await;
    let expire = app
        .control_post(&format!("/emulator/accounts/{BOB}/watch/expire"), None)
        .await;
    assert_eq!(expire.status(), 204);
    app.deliver_mail(BOB, "After expiry", "").await;
    watch(&app, &token, json!({"topicName": TOPIC})).await;
    let (_, renewed) = app.deliver_mail(BOB, "After renewal", "").await;
    receiver.wait_for(renewed).await;
    assert_eq!(receiver.received().len(), 1, "{:?}", receiver.received());
    assert_eq!(count(&app, "push.published"), 1);
}

#[tokio::test]
async fn changes_within_a_second_are_coalesced_newest_history_id_last() {
    let (app, receiver, token) = watched_app().await;
    watch(&app, &token, json!({"topicName": TOPIC})).await;
    let (first_id, first) = app.deliver_mail(BOB, "Burst 0", "").await;
    let mut newest = first;
    for n in 1..5 {
        newest = app.deliver_mail(BOB, &format!("Burst {n}"), "").await.1;
    }
    let changed = app
        .relabel(BOB, &first_id, json!({"add": ["STARRED"]}))
        .await;
    let changed: Value = changed.json().await.unwrap();
    newest = newest.max(changed["historyId"].as_str().unwrap().parse().unwrap());
    assert_eq!(app.profile_history_id(&token).await, newest);

    let last = receiver.wait_for(newest).await;
    let received = receiver.received();
    assert!(
        received.len() <= 2,
        "at most one now and one a second later: {received:?}"
    );
    assert_eq!(received.last().unwrap().history_id(), newest);
    let ids: Vec<u64> = received.iter().map(Received::history_id).collect();
    assert!(ids.windows(2).all(|w| w[0] < w[1]), "{ids:?}");
    if let [first_push, second_push] = received.as_slice() {
        assert!(
            second_push.at.duration_since(first_push.at) >= Duration::from_millis(900),
            "one notification per second per user"
        );
    }
    assert_eq!(last.history_id(), newest);
    // A change after the window is sent on its own, again at most once a second.
    let (_, later) = app.deliver_mail(BOB, "Later", "").await;
    let later_push = receiver.wait_for(later).await;
    assert!(later_push.at.duration_since(last.at) >= Duration::from_millis(900));
    assert_eq!(
        count(&app, "push.published"),
        receiver.received().len() as u64
    );
}

#[tokio::test]
async fn each_account_has_its_own_rate_window() {
    let (app, receiver, bob) = watched_app().await;
    let alice = app.login().await.access_token;
    watch(&app, &bob, json!({"topicName": TOPIC})).await;
    watch(&app, &alice, json!({"topicName": TOPIC})).await;
    let started = Instant::now();
    let (_, bob_id) = app.deliver_mail(BOB, "For Bob", "").await;
    let (_, alice_id) = app.deliver_mail("alice@example.com", "For Alice", "").await;
    let bob_push = receiver.wait_for(bob_id).await;
    let alice_push = receiver.wait_for(alice_id).await;
    assert_eq!(alice_push.data()["emailAddress"], "alice@example.com");
    assert_eq!(bob_push.data()["emailAddress"], BOB);
    assert!(
        alice_push.at.duration_since(started) < Duration::from_millis(900),
        "alice's first notification waits for nobody"
    );
}

#[tokio::test]
async fn a_push_answered_500_is_retried_with_backoff() {
    let (app, receiver, token) = watched_app().await;
    receiver.endpoint.fail_next.store(2, Ordering::SeqCst);
    watch(&app, &token, json!({"topicName": TOPIC})).await;
    let (_, id) = app.deliver_mail(BOB, "Retried", "").await;
    eventually(WAIT, "the acknowledgement", || {
        (count(&app, "push.acknowledged") == 1).then_some(())
    })
    .await;
    let received = receiver.received();
    assert_eq!(received.len(), 3, "two 500s, then 204");
    assert!(received.iter().all(|r| r.history_id() == id));
    let message_ids: Vec<String> = received.iter().map(Received::message_id).collect();
    assert!(
        message_ids.iter().all(|m| *m == message_ids[0]),
        "a redelivery keeps its id"
    );
    // Backoff 100 ms, then 200 ms (lower bounds: a busy machine only adds to them).
    assert!(received[1].at.duration_since(received[0].at) >= Duration::from_millis(95));
    assert!(
        received[2].at.duration_since(received[1].at) >= Duration::from_millis(195),
        "the backoff grows"
    );
    assert_eq!(count(&app, "push.sent"), 3);
    assert_eq!(count(&app, "push.failed"), 2);
    assert_eq!(count(&app, "push.dropped"), 0);
}

#[tokio::test]
async fn a_push_never_acknowledged_is_dropped_after_a_few_attempts() {
    let (app, receiver, token) = watched_app().await;
    receiver
        .endpoint
        .fail_next
        .store(usize::MAX, Ordering::SeqCst);
    watch(&app, &token, json!({"topicName": TOPIC})).await;
    app.deliver_mail(BOB, "Refused", "").await;
    eventually(WAIT, "the push to be given up", || {
        (count(&app, "push.dropped") == 1).then_some(())
    })
    .await;
    let attempts = google_emulator::push::DELIVERY_ATTEMPTS as u64;
    assert_eq!(receiver.received().len() as u64, attempts);
    assert_eq!(count(&app, "push.sent"), attempts);
    assert_eq!(count(&app, "push.failed"), attempts);
    assert_eq!(count(&app, "push.acknowledged"), 0);
}

#[tokio::test]
async fn an_unreachable_endpoint_is_retried_then_dropped() {
    // A port that was free a moment ago: nothing listens there.
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let app = spawn_app_with(|c| {
        c.push.endpoint = Some(format!("http://127.0.0.1:{port}/push"));
    })
    .await;
    let token = app.login().await.access_token;
    watch(&app, &token, json!({"topicName": TOPIC})).await;
    let started = Instant::now();
    let (_, id) = app
        .deliver_mail("alice@example.com", "Nobody home", "")
        .await;
    assert!(
        started.elapsed() < Duration::from_millis(500),
        "the change does not wait for the push"
    );
    assert_eq!(app.profile_history_id(&token).await, id);
    eventually(WAIT, "the push to be given up", || {
        (count(&app, "push.dropped") == 1).then_some(())
    })
    .await;
    assert_eq!(
        count(&app, "push.failed"),
        google_emulator::push::DELIVERY_ATTEMPTS as u64
    );
}

#[tokio::test]
async fn a_slow_endpoint_does_not_hold_up_the_change() {
    let (app, receiver, token) = watched_app().await;
    receiver.endpoint.hold_ms.store(3_000, Ordering::SeqCst);
    watch(&app, &token, json!({"topicName": TOPIC})).await;
    let started = Instant::now();
    let (_, first) = app.deliver_mail(BOB, "Slowly pushed", "").await;
    receiver.wait_for(first).await;
    // The push is on the wire and unanswered; changes go on meanwhile.
    let (_, second) = app.deliver_mail(BOB, "Meanwhile", "").await;
    assert_eq!(app.profile_history_id(&token).await, second);
    assert!(
        started.elapsed() < Duration::from_millis(2_000),
        "changes do not wait for the endpoint's answer"
    );
    assert_eq!(count(&app, "push.acknowledged"), 0, "still held");
}

#[tokio::test]
async fn drop_mode_loses_a_notification_and_normal_mode_sends_the_next() {
    let (app, receiver, token) = watched_app().await;
    watch(&app, &token, json!({"topicName": TOPIC})).await;
    set_mode(&app, json!({"mode": "drop"})).await;
    app.deliver_mail(BOB, "Lost", "").await;
    eventually(WAIT, "the drop", || {
        (count(&app, "push.dropped") == 1).then_some(())
    })
    .await;
    assert!(receiver.received().is_empty());
    set_mode(&app, json!({"mode": "normal"})).await;
    let (_, next) = app.deliver_mail(BOB, "Found", "").await;
    receiver.wait_for(next).await;
    assert_eq!(receiver.received().len(), 1);
    assert_eq!(count(&app, "push.sent"), 1);
}

#[tokio::test]
async fn duplicate_mode_sends_the_same_message_twice() {
    let (app, receiver, token) = watched_app().await;
    watch(&app, &token, json!({"topicName": TOPIC})).await;
    set_mode(&app, json!({"mode": "duplicate"})).await;
    let (_, id) = app.deliver_mail(BOB, "Twice", "").await;
    let received = eventually(WAIT, "two deliveries", || {
        let received = receiver.received();
        (received.len() == 2).then_some(received)
    })
    .await;
    assert!(received.iter().all(|r| r.history_id() == id));
    assert_eq!(received[0].message_id(), received[1].message_id());
    assert_eq!(count(&app, "push.published"), 1);
    eventually(WAIT, "both acknowledged", || {
        (count(&app, "push.acknowledged") == 2).then_some(())
    })
    .await;
}

#[tokio::test]
async fn delay_mode_sends_late() {
    let (app, receiver, token) = watched_app().await;
    watch(&app, &token, json!({"topicName": TOPIC})).await;
    set_mode(&app, json!({"mode": "delay", "delay_ms": 400})).await;
    let mode = app.get_json("/emulator/push/mode").await;
    assert_eq!(mode, json!({"mode": "delay", "delay_ms": 400}));
    let started = Instant::now();
    let (_, id) = app.deliver_mail(BOB, "Late", "").await;
    let push = receiver.wait_for(id).await;
    assert!(push.at.duration_since(started) >= Duration::from_millis(400));
    for bad in [
        json!({"mode": "sometimes"}),
        json!({"mode": "delay", "delay": 1}),
    ] {
        let response = app.control_post("/emulator/push/mode", Some(bad)).await;
        assert_eq!(response.status(), 400);
    }
}
