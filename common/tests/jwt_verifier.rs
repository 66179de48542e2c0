//! The internal-JWT verifier against a JWKS served over real HTTP: every forgery the security bar
//! names is refused, and unknown `kid`s cannot make it hammer the JWKS endpoint.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::{
    net::TcpListener,
    sync::{
        Arc,
        atomic::{AtomicUsize, Ordering},
    },
    time::Duration,
};

use actix_web::{App, HttpResponse, HttpServer, web};
use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use common::jwt::{Es256KeyPair, GMAIL_SERVICE_AUDIENCE, InternalClaims, JwtVerifier, TokenError};
use jsonwebtoken::{Algorithm, EncodingKey, Header, jwk::JwkSet};

const ISSUER: &str = "http://auth-service.test";

struct JwksServer {
    url: String,
    fetches: Arc<AtomicUsize>,
}

fn serve_jwks(keys: &[&Es256KeyPair]) -> JwksServer {
    let set = JwkSet {
        keys: keys.iter().map(|k| k.public_jwk().clone()).collect(),
    };
    let body = serde_json::to_string(&set).unwrap();
    let fetches = Arc::new(AtomicUsize::new(0));
    let counter = fetches.clone();
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let server = HttpServer::new(move || {
        let body = body.clone();
        let counter = counter.clone();
        App::new().route(
            "/.well-known/jwks.json",
            web::get().to(move || {
                counter.fetch_add(1, Ordering::SeqCst);
                let body = body.clone();
                async move {
                    HttpResponse::Ok()
                        .content_type("application/json")
                        .body(body)
                }
            }),
        )
    })
    .workers(1)
    .listen(listener)
    .unwrap()
    .run();
    actix_rt::spawn(server);
    JwksServer {
        url: format!("http://127.0.0.1:{port}/.well-known/jwks.json"),
        fetches,
    }
}

fn verifier(url: &str) -> JwtVerifier {
    let http = reqwest::Client::builder()
        .timeout(Duration::from_secs(2))
        .build()
        .unwrap();
    JwtVerifier::new(http, url, ISSUER, GMAIL_SERVICE_AUDIENCE)
}

fn claims() -> InternalClaims {
    InternalClaims::new(ISSUER, "sub-a", "a@example.com", Duration::from_secs(300))
}

fn unsigned_token(header: serde_json::Value, claims: &InternalClaims) -> String {
    let h = URL_SAFE_NO_PAD.encode(header.to_string());
    let c = URL_SAFE_NO_PAD.encode(serde_json::to_string(claims).unwrap());
    format!("{h}.{c}.")
}

#[actix_rt::test]
async fn a_valid_token_verifies_and_returns_its_claims() {
    let key = Es256KeyPair::generate().unwrap();
    let jwks = serve_jwks(&[&key]);
    let expected = claims();
    let token = key.sign(&expected).unwrap();
    let got = verifier(&jwks.url).verify(&token).await.unwrap();
    assert_eq!(got, expected);
}

#[actix_rt::test]
async fn forged_and_invalid_tokens_are_refused() {
    let key = Es256KeyPair::generate().unwrap();
    let stranger = Es256KeyPair::generate().unwrap();
    let jwks = serve_jwks(&[&key]);
    let v = verifier(&jwks.url);
    let kid = key.kid().to_owned();

    // alg=none
    let none = unsigned_token(
        serde_json::json!({"alg":"none","typ":"JWT","kid":kid}),
        &claims(),
    );
    assert_eq!(v.verify(&none).await, Err(TokenError::Malformed));

    // HS256 signed with the public key's JSON as the secret (key-confusion attack)
    let public_json = serde_json::to_vec(key.public_jwk()).unwrap();
    let mut header = Header::new(Algorithm::HS256);
    header.kid = Some(kid.clone());
    let hs =
        jsonwebtoken::encode(&header, &claims(), &EncodingKey::from_secret(&public_json)).unwrap();
    assert_eq!(v.verify(&hs).await, Err(TokenError::WrongAlgorithm));

    // a key the issuer never published
    let foreign = stranger.sign(&claims()).unwrap();
    assert_eq!(v.verify(&foreign).await, Err(TokenError::UnknownKid));

    // the right kid, but signed by another key
    let mut forged_header = Header::new(Algorithm::ES256);
    forged_header.kid = Some(kid.clone());
    let stranger_pem = stranger.to_pkcs8_pem();
    let stranger_key =
        EncodingKey::from_ec_pem(secrecy::ExposeSecret::expose_secret(&stranger_pem).as_bytes())
            .unwrap();
    let forged = jsonwebtoken::encode(&forged_header, &claims(), &stranger_key).unwrap();
    assert_eq!(v.verify(&forged).await, Err(TokenError::BadSignature));

    // wrong issuer / audience
    let mut c = claims();
    c.iss = "https://evil.example".into();
    assert_eq!(
        v.verify(&key.sign(&c).unwrap()).await,
        Err(TokenError::WrongIssuer)
    );
    let mut c = claims();
    c.aud = "frontend".into();
    assert_eq!(
        v.verify(&key.sign(&c).unwrap()).await,
        Err(TokenError::WrongAudience)
    );

    // expired / not yet valid (beyond the 5 s leeway)
    let mut c = claims();
    c.exp = c.iat - 60;
    assert_eq!(
        v.verify(&key.sign(&c).unwrap()).await,
        Err(TokenError::Expired)
    );
    let mut c = claims();
    c.nbf = c.iat + 120;
    assert_eq!(
        v.verify(&key.sign(&c).unwrap()).await,
        Err(TokenError::NotYetValid)
    );

    // no kid
    let mut no_kid = Header::new(Algorithm::ES256);
    no_kid.kid = None;
    let der_pem = key.to_pkcs8_pem();
    let own_key =
        EncodingKey::from_ec_pem(secrecy::ExposeSecret::expose_secret(&der_pem).as_bytes())
            .unwrap();
    let t = jsonwebtoken::encode(&no_kid, &claims(), &own_key).unwrap();
    assert_eq!(v.verify(&t).await, Err(TokenError::MissingKid));

    // malformed, empty, oversized
    for bad in ["", "abc", "a.b.c", "....", &"x".repeat(10_000)] {
        assert_eq!(v.verify(bad).await, Err(TokenError::Malformed), "{bad:.20}");
    }
}

#[actix_rt::test]
async fn unknown_kids_refetch_the_jwks_at_most_once_per_interval() {
    let key = Es256KeyPair::generate().unwrap();
    let jwks = serve_jwks(&[&key]);
    let v = verifier(&jwks.url).with_refetch_interval(Duration::from_secs(60));
    v.verify(&key.sign(&claims()).unwrap()).await.unwrap();
    assert_eq!(jwks.fetches.load(Ordering::SeqCst), 1);
    for _ in 0..20 {
        let stranger = Es256KeyPair::generate().unwrap();
        let token = stranger.sign(&claims()).unwrap();
        assert_eq!(v.verify(&token).await, Err(TokenError::UnknownKid));
    }
    assert_eq!(
        jwks.fetches.load(Ordering::SeqCst),
        1,
        "JWKS refetched too often"
    );
}

#[actix_rt::test]
async fn a_rotated_key_is_picked_up_after_the_interval() {
    let old = Es256KeyPair::generate().unwrap();
    let new = Es256KeyPair::generate().unwrap();
    let jwks = serve_jwks(&[&old, &new]);
    let v = verifier(&jwks.url).with_refetch_interval(Duration::from_millis(0));
    assert_eq!(v.refresh().await.unwrap(), 2);
    v.verify(&old.sign(&claims()).unwrap()).await.unwrap();
    v.verify(&new.sign(&claims()).unwrap()).await.unwrap();
}

#[actix_rt::test]
async fn an_unreachable_jwks_is_a_distinct_error() {
    let port = testkit_core::free_port();
    let v = verifier(&format!("http://127.0.0.1:{port}/jwks"));
    let key = Es256KeyPair::generate().unwrap();
    assert_eq!(
        v.verify(&key.sign(&claims()).unwrap()).await,
        Err(TokenError::KeysUnavailable)
    );
}
