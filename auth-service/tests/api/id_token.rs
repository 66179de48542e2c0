//! The id_token as an attacker would forge it: signed by another key under Google's `kid`,
//! `alg=none`, HS256 keyed with the public key, an unknown `kid`, `email_verified` false or
//! absent; and Google's key set flooded with unknown `kid`s, rotated, or down.
//!
//! The logins go through the real callback: the emulator authorizes, and a fake token endpoint
//! answers with the id_token under test (carrying the login's real nonce, so that the only thing
//! wrong with it is the thing tested). The key-set tests run against a tiny JWKS server that
//! counts its requests.

use std::{
    net::TcpListener,
    sync::{
        Arc, Mutex,
        atomic::{AtomicU16, AtomicUsize, Ordering},
    },
    time::Duration,
};

use actix_web::{App, HttpResponse, HttpServer, web};
use auth_service::{
    configuration::Settings,
    google::{
        IdTokenError, check_id_token,
        jwks::{DEFAULT_REFETCH_INTERVAL, GoogleKeys},
    },
};
use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use common::config::Env;
use google_emulator::oauth::id_token::{IdTokenSigner, KEY_ID, PRIVATE_KEY_PEM};
use serde_json::{Value, json};
use testkit::stand_ins::{FakeTokenEndpoint, fake_token_endpoint};

use crate::helpers::*;

const OTHER_KEY: &str = include_str!("../fixtures/other_rsa_key.pem");
const OTHER_JWK: &str = include_str!("../fixtures/other_rsa_key.jwk.json");
const EMULATOR_PUBLIC_KEY: &str = include_str!("../fixtures/emulator_public_key.pem");
const CLIENT: &str = "demo-client.apps.googleusercontent.com";

/// Signs `claims` as an RS256 id_token with `pem` (PKCS#8 or PKCS#1) under `kid`.
pub fn sign_id_token(pem: &str, kid: Option<&str>, claims: &Value) -> String {
    let mut header = jsonwebtoken::Header::new(jsonwebtoken::Algorithm::RS256);
    header.kid = kid.map(str::to_owned);
    let key = jsonwebtoken::EncodingKey::from_rsa_pem(pem.as_bytes()).unwrap();
    jsonwebtoken::encode(&header, claims, &key).unwrap()
}

/// Signed as the emulator signs: its key, its `kid`.
pub fn emulator_id_token(claims: &Value) -> String {
    sign_id_token(PRIVATE_KEY_PEM, Some(KEY_ID), claims)
}

/// auth-service against the emulator (and its JWKS), with the fake token endpoint.
async fn app_with_fake_token_endpoint() -> (TestApp, FakeTokenEndpoint) {
    let fake = fake_token_endpoint();
    let app = spawn_app_with(Options {
        env: vec![("GOOGLE_TOKEN_URL", fake.url.clone())],
        ..Default::default()
    })
    .await;
    (app, fake)
}

/// Claims as Google sends them for this login's `nonce`.
fn claims(app: &TestApp, nonce: &str) -> Value {
    let now = common::jwt::unix_now();
    json!({
        "iss": app.emulator.state.issuer, "aud": CLIENT, "azp": CLIENT,
        "sub": "7001", "email": "forged@example.com", "email_verified": true,
        "nonce": nonce, "iat": now, "exp": now + 3600,
    })
}

/// One login whose token endpoint answers `make(claims for this login)`; the callback's answer.
async fn login_with(
    app: &TestApp,
    fake: &FakeTokenEndpoint,
    make: impl FnOnce(Value) -> String,
) -> reqwest::Response {
    let mut browser = Browser::new(app);
    let start = browser.get("/oauth/login").await;
    let authorize = location(&start);
    let nonce = url::Url::parse(&authorize)
        .unwrap()
        .query_pairs()
        .find(|(k, _)| k == "nonce")
        .map(|(_, v)| v.into_owned())
        .unwrap();
    let at_google = browser.get(&authorize).await;
    let callback = location(&at_google).replacen(PUBLIC, &browser.base, 1);
    *fake.id_token.lock().unwrap() = make(claims(app, &nonce));
    browser.get(&callback).await
}

async fn assert_refused(app: &TestApp, response: &reqwest::Response, what: &str) {
    assert_eq!(login_error(response), "id_token_invalid", "{what}");
    assert_eq!(app.session_count().await, 0, "{what} left a session");
}

/// A JWT with the given header and claims and a made-up signature.
fn unsigned(header: Value, claims: &Value, signature: &str) -> String {
    let enc = |v: &Value| URL_SAFE_NO_PAD.encode(v.to_string());
    format!("{}.{}.{signature}", enc(&header), enc(claims))
}

#[tokio::test]
async fn a_genuine_id_token_logs_in_and_the_key_set_is_fetched_once() {
    // The control for the forgeries below: the same harness with a genuine token logs in.
    let (app, fake) = app_with_fake_token_endpoint().await;
    let done = login_with(&app, &fake, |c| emulator_id_token(&c)).await;
    assert_eq!(done.status(), 302, "{:?}", done.headers().get("location"));
    assert_eq!(location(&done), format!("{PUBLIC}/"));
    assert_eq!(app.session_count().await, 1);
    // The emulator's own logins: the key set is cached, not fetched per login.
    let app = spawn_app().await;
    for _ in 0..3 {
        let done = Browser::new(&app).login().await;
        assert_eq!(location(&done), format!("{PUBLIC}/"));
    }
    assert_eq!(app.emulator.count("certs"), 1, "JWKS fetches for 3 logins");
}

#[tokio::test]
async fn an_id_token_signed_by_another_key_under_googles_kid_is_refused() {
    let (app, fake) = app_with_fake_token_endpoint().await;
    let done = login_with(&app, &fake, |c| sign_id_token(OTHER_KEY, Some(KEY_ID), &c)).await;
    assert_refused(&app, &done, "another key under the published kid").await;
    // A genuine signature with the claims swapped for another account's.
    let done = login_with(&app, &fake, |c| {
        let genuine = emulator_id_token(&c);
        let mut other = c;
        other["sub"] = ALICE_SUB.into();
        let payload = URL_SAFE_NO_PAD.encode(other.to_string());
        let mut parts: Vec<&str> = genuine.split('.').collect();
        parts[1] = &payload;
        parts.join(".")
    })
    .await;
    assert_refused(&app, &done, "a swapped payload").await;
}

#[tokio::test]
async fn alg_none_and_hs256_signed_with_the_public_key_are_refused() {
    let (app, fake) = app_with_fake_token_endpoint().await;
    for alg in ["none", "None", "NONE"] {
        let done = login_with(&app, &fake, |c| {
            unsigned(json!({"alg": alg, "kid": KEY_ID, "typ": "JWT"}), &c, "")
        })
        .await;
        assert_refused(&app, &done, alg).await;
    }
    let modulus = IdTokenSigner::jwks()["keys"][0]["n"]
        .as_str()
        .unwrap()
        .to_owned();
    for secret in [EMULATOR_PUBLIC_KEY.as_bytes(), modulus.as_bytes()] {
        let done = login_with(&app, &fake, |c| {
            let mut header = jsonwebtoken::Header::new(jsonwebtoken::Algorithm::HS256);
            header.kid = Some(KEY_ID.to_owned());
            let key = jsonwebtoken::EncodingKey::from_secret(secret);
            jsonwebtoken::encode(&header, &c, &key).unwrap()
        })
        .await;
        assert_refused(&app, &done, "HS256 keyed with the public key").await;
    }
}

#[tokio::test]
async fn an_unknown_or_missing_kid_is_refused() {
    let (app, fake) = app_with_fake_token_endpoint().await;
    let done = login_with(&app, &fake, |c| {
        sign_id_token(PRIVATE_KEY_PEM, Some("not-a-google-kid"), &c)
    })
    .await;
    assert_refused(&app, &done, "an unknown kid").await;
    let done = login_with(&app, &fake, |c| sign_id_token(OTHER_KEY, None, &c)).await;
    assert_refused(&app, &done, "no kid").await;
}

#[tokio::test]
async fn email_verified_false_or_absent_is_refused() {
    let (app, fake) = app_with_fake_token_endpoint().await;
    for verified in [Some(json!(false)), Some(json!("false")), None] {
        let done = login_with(&app, &fake, |mut c| {
            match &verified {
                Some(v) => c["email_verified"] = v.clone(),
                None => drop(c.as_object_mut().unwrap().remove("email_verified")),
            }
            emulator_id_token(&c)
        })
        .await;
        assert_refused(&app, &done, &format!("email_verified {verified:?}")).await;
    }
    // The string "true" (some providers) is accepted.
    let done = login_with(&app, &fake, |mut c| {
        c["email_verified"] = json!("true");
        emulator_id_token(&c)
    })
    .await;
    assert_eq!(location(&done), format!("{PUBLIC}/"));
}

/// A JWKS endpoint that counts its requests and answers `status` with `document`.
struct JwksServer {
    url: String,
    hits: Arc<AtomicUsize>,
    status: Arc<AtomicU16>,
    document: Arc<Mutex<Value>>,
}

fn jwks_server() -> JwksServer {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let hits = Arc::new(AtomicUsize::new(0));
    let status = Arc::new(AtomicU16::new(200));
    let document = Arc::new(Mutex::new(IdTokenSigner::jwks()));
    let (h, s, d) = (hits.clone(), status.clone(), document.clone());
    let server = HttpServer::new(move || {
        let (h, s, d) = (h.clone(), s.clone(), d.clone());
        App::new().route(
            "/certs",
            web::get().to(move || {
                h.fetch_add(1, Ordering::SeqCst);
                let status = s.load(Ordering::SeqCst);
                let body = d.lock().unwrap().clone();
                async move {
                    let status = actix_web::http::StatusCode::from_u16(status).unwrap();
                    HttpResponse::build(status)
                        .insert_header(("Cache-Control", "public, max-age=21600"))
                        .json(body)
                }
            }),
        )
    })
    .workers(1)
    .listen(listener)
    .unwrap()
    .run();
    tokio::spawn(server);
    JwksServer {
        url: format!("http://127.0.0.1:{port}/certs"),
        hits,
        status,
        document,
    }
}

fn demo_settings() -> auth_service::configuration::GoogleSettings {
    Settings::from_env(&Env::default()).unwrap().google
}

fn random_kid() -> String {
    use rand::Rng;
    let bytes: [u8; 16] = rand::rng().random();
    URL_SAFE_NO_PAD.encode(bytes)
}

#[tokio::test]
async fn a_flood_of_unknown_kids_costs_one_jwks_fetch() {
    let server = jwks_server();
    let keys = GoogleKeys::new(reqwest::Client::new(), &server.url)
        .with_refetch_interval(Duration::from_secs(600));
    let settings = demo_settings();
    let claims = json!({
        "iss": "http://localhost:5003", "aud": CLIENT, "azp": CLIENT, "sub": "1",
        "email": "a@example.com", "email_verified": true, "nonce": "n",
        "exp": common::jwt::unix_now() + 3600,
    });
    // 200 forged kids at once, on a cold cache: one fetch between them (single-flight) …
    let forged: Vec<String> = (0..200)
        .map(|_| sign_id_token(OTHER_KEY, Some(&random_kid()), &claims))
        .collect();
    let results = futures_util::future::join_all(
        forged
            .iter()
            .map(|t| check_id_token(Some(t), &keys, &settings, "n", common::jwt::unix_now())),
    )
    .await;
    assert!(
        results.iter().all(|r| *r == Err(IdTokenError::UnknownKey)),
        "{results:?}"
    );
    // … and 200 more one after another, within the refetch interval: none.
    for _ in 0..200 {
        let forged = sign_id_token(PRIVATE_KEY_PEM, Some(&random_kid()), &claims);
        let result = check_id_token(
            Some(&forged),
            &keys,
            &settings,
            "n",
            common::jwt::unix_now(),
        )
        .await;
        assert_eq!(result, Err(IdTokenError::UnknownKey));
    }
    // Genuine tokens are served from the cache.
    let genuine = emulator_id_token(&claims);
    for _ in 0..10 {
        check_id_token(
            Some(&genuine),
            &keys,
            &settings,
            "n",
            common::jwt::unix_now(),
        )
        .await
        .unwrap();
    }
    let fetches = server.hits.load(Ordering::SeqCst);
    assert_eq!(
        fetches, 1,
        "JWKS fetches for 400 forged kids and 10 genuine tokens"
    );
}

#[tokio::test]
async fn an_unknown_kid_refetches_the_key_set_so_a_rotated_key_is_accepted() {
    let server = jwks_server();
    // No minimum interval here, so that the refetch is not left to the clock.
    let keys =
        GoogleKeys::new(reqwest::Client::new(), &server.url).with_refetch_interval(Duration::ZERO);
    let settings = demo_settings();
    let claims = json!({
        "iss": "http://localhost:5003", "aud": CLIENT, "sub": "1", "email_verified": true,
        "nonce": "n", "exp": common::jwt::unix_now() + 3600,
    });
    let rotated = sign_id_token(OTHER_KEY, Some("other-rsa-test-key"), &claims);
    let check = |t: &str| {
        let (keys, settings, t) = (&keys, &settings, t.to_owned());
        async move { check_id_token(Some(&t), keys, settings, "n", common::jwt::unix_now()).await }
    };
    assert_eq!(check(&rotated).await, Err(IdTokenError::UnknownKey));
    assert!(check(&emulator_id_token(&claims)).await.is_ok());
    assert_eq!(server.hits.load(Ordering::SeqCst), 1);
    // Google publishes the new key next to the old one.
    server.document.lock().unwrap()["keys"]
        .as_array_mut()
        .unwrap()
        .push(serde_json::from_str(OTHER_JWK).unwrap());
    assert!(check(&rotated).await.is_ok());
    assert_eq!(server.hits.load(Ordering::SeqCst), 2);
    // Known kids do not refetch.
    assert!(check(&rotated).await.is_ok());
    assert!(check(&emulator_id_token(&claims)).await.is_ok());
    assert_eq!(server.hits.load(Ordering::SeqCst), 2);
}

#[tokio::test]
async fn a_jwks_that_cannot_be_fetched_makes_the_login_google_unavailable() {
    // Nothing listens at the configured JWKS address.
    let closed = {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap().port()
    };
    let app = spawn_app_with(Options {
        env: vec![(
            "GOOGLE_JWKS_URL",
            format!("http://127.0.0.1:{closed}/oauth2/v3/certs"),
        )],
        ..Default::default()
    })
    .await;
    let done = Browser::new(&app).login().await;
    assert_eq!(login_error(&done), "google_unavailable");
    assert_eq!(app.session_count().await, 0);
    // A JWKS answering 503, then a document with no usable key, then coming back.
    let server = jwks_server();
    server.status.store(503, Ordering::SeqCst);
    let app = spawn_app_with(Options {
        env: vec![("GOOGLE_JWKS_URL", server.url.clone())],
        ..Default::default()
    })
    .await;
    let done = Browser::new(&app).login().await;
    assert_eq!(login_error(&done), "google_unavailable");
    *server.document.lock().unwrap() =
        json!({"keys": [{"kty": "oct", "k": "c2VjcmV0", "kid": KEY_ID}]});
    server.status.store(200, Ordering::SeqCst);
    tokio::time::sleep(DEFAULT_REFETCH_INTERVAL + Duration::from_millis(200)).await;
    let done = Browser::new(&app).login().await;
    assert_eq!(login_error(&done), "google_unavailable");
    assert_eq!(app.session_count().await, 0);
    *server.document.lock().unwrap() = IdTokenSigner::jwks();
    tokio::time::sleep(DEFAULT_REFETCH_INTERVAL + Duration::from_millis(200)).await;
    let done = Browser::new(&app).login().await;
    assert_eq!(location(&done), format!("{PUBLIC}/"), "recovered");
    assert_eq!(app.session_count().await, 1);
}
