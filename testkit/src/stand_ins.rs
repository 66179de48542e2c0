//! Stand-ins for the services and Google endpoints a test does not start for real.
//!
//! - [`AuthStandIn`]: auth-service as gmail-service sees it (the JWKS, and the internal
//!   Google-token route with the service credential), issuing real Google tokens from the
//!   emulator; gmail-service's tests, the fuzz stack and the gmail-service benchmark use it.
//! - [`FakeTokenEndpoint`]: a Google token endpoint answering whatever id_token a test puts in
//!   its slot (auth-service's id_token and hostile suites).
//! - [`serve_jwks`]: a bare `/.well-known/jwks.json`, as auth-service publishes it.

mod auth_service;

use std::{
    net::TcpListener,
    sync::{Arc, Mutex},
};

use actix_web::{App, HttpResponse, HttpServer, web};
use common::jwt::Es256KeyPair;
use serde_json::json;

pub use auth_service::{
    ALICE, AuthStandIn, BOB, CAROL, CLIENT_ID, CLIENT_SECRET, ExpectedCredential, ISSUER, REDIRECT,
};

/// Serves `/.well-known/jwks.json` with `key`, as auth-service does; returns its base URL.
pub fn serve_jwks(key: &Es256KeyPair) -> String {
    let body = json!({ "keys": [key.public_jwk()] }).to_string();
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let server = HttpServer::new(move || {
        let body = body.clone();
        App::new().route(
            "/.well-known/jwks.json",
            web::get().to(move || {
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
    tokio::spawn(server);
    format!("http://127.0.0.1:{port}")
}

/// A token endpoint whose next answer carries whatever id_token the test put in its slot.
pub struct FakeTokenEndpoint {
    /// Its `/token` URL (auth-service's `GOOGLE_TOKEN_URL`).
    pub url: String,
    pub id_token: Arc<Mutex<String>>,
}

/// Starts a [`FakeTokenEndpoint`] on a free port.
pub fn fake_token_endpoint() -> FakeTokenEndpoint {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let id_token = Arc::new(Mutex::new(String::new()));
    let slot = id_token.clone();
    let server = HttpServer::new(move || {
        let slot = slot.clone();
        App::new().route(
            "/token",
            web::post().to(move || {
                let id_token = slot.lock().unwrap().clone();
                async move {
                    HttpResponse::Ok().json(json!({
                        "access_token": "ya29.fake", "expires_in": 3599, "token_type": "Bearer",
                        "refresh_token": "1//0fake",
                        "scope": "openid https://www.googleapis.com/auth/userinfo.email https://www.googleapis.com/auth/gmail.readonly",
                        "id_token": id_token,
                    }))
                }
            }),
        )
    })
    .workers(1)
    .listen(listener)
    .unwrap()
    .run();
    tokio::spawn(server);
    FakeTokenEndpoint {
        url: format!("http://127.0.0.1:{port}/token"),
        id_token,
    }
}
