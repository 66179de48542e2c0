//! Keys from configuration: the signing key from a `*_FILE` secret, the previous key published
//! during a rotation (its tokens still accepted), and the configured encryption key used.
//! And cookies under an https public URL: `Secure` with the `__Host-` prefix.

use std::time::Duration;

use base64::{Engine, engine::general_purpose::STANDARD};
use common::jwt::{Es256KeyPair, InternalClaims};
use redis::AsyncCommands;
use secrecy::ExposeSecret;
use serde_json::Value;

use crate::helpers::*;

#[tokio::test]
async fn configured_keys_are_used_and_the_previous_key_still_verifies() {
    let current = Es256KeyPair::generate().unwrap();
    let previous = Es256KeyPair::generate().unwrap();
    let dir = std::env::temp_dir().join(format!("gu-keys-{}", uuid_like()));
    std::fs::create_dir_all(&dir).unwrap();
    let key_file = dir.join("jwt.pem");
    std::fs::write(&key_file, current.to_pkcs8_pem().expose_secret()).unwrap();
    let encryption = format!("prod1:{}", STANDARD.encode([7u8; 32]));
    let app = spawn_app_with(Options {
        env: vec![
            (
                "JWT_SIGNING_KEY_FILE",
                key_file.to_string_lossy().into_owned(),
            ),
            (
                "JWT_PREVIOUS_SIGNING_KEY",
                previous.to_pkcs8_pem().expose_secret().to_owned(),
            ),
            ("TOKEN_ENCRYPTION_KEY", encryption),
        ],
        ..Default::default()
    })
    .await;
    let jwks: Value = app
        .get("/.well-known/jwks.json")
        .await
        .json()
        .await
        .unwrap();
    let kids: Vec<&str> = jwks["keys"]
        .as_array()
        .unwrap()
        .iter()
        .map(|k| k["kid"].as_str().unwrap())
        .collect();
    assert_eq!(kids, [current.kid(), previous.kid()]);

    let mut browser = Browser::new(&app);
    browser.login().await;
    let jwt = browser.session_token().await;
    let header: Value = serde_json::from_slice(
        &base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(jwt.split('.').next().unwrap())
            .unwrap(),
    )
    .unwrap();
    assert_eq!(
        header["kid"],
        current.kid(),
        "not signed with the configured key"
    );
    assert_eq!(header["alg"], "ES256");
    // A token the previous key signed (before the rotation) is still good.
    let old = previous
        .sign(&InternalClaims::new(
            "auth-service",
            ALICE_SUB,
            "alice@example.com",
            Duration::from_secs(60),
        ))
        .unwrap();
    assert_eq!(app.google_token(&old, None).await.status(), 200);
    // Nothing was generated into Redis, and the tokens are sealed with the configured key.
    let mut c = app.redis().await;
    let generated: Vec<String> = c.keys(format!("{}keys:*", app.prefix)).await.unwrap();
    assert!(generated.is_empty(), "{generated:?}");
    let sealed: String = c
        .get(format!("{}account:{{{ALICE_SUB}}}:tokens", app.prefix))
        .await
        .unwrap();
    assert!(sealed.contains("\"kid\":\"prod1\""));
    std::fs::remove_dir_all(dir).unwrap();
}

fn uuid_like() -> String {
    format!(
        "{:x}",
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_nanos()
    )
}

#[tokio::test]
async fn https_public_urls_get_secure_host_prefixed_cookies() {
    let app = spawn_app_with(Options {
        env: vec![("PUBLIC_BASE_URL", "https://mail.example.com".into())],
        emulator: Box::new(|c| {
            c.client.redirect_uris = vec!["https://mail.example.com/oauth/callback".into()]
        }),
        ..Default::default()
    })
    .await;
    let start = app.get("/oauth/login").await;
    let cookie = start.headers()["set-cookie"].to_str().unwrap().to_owned();
    assert!(cookie.starts_with("__Host-gu_login="), "{cookie}");
    for flag in ["Secure", "HttpOnly", "SameSite=Lax", "Path=/"] {
        assert!(cookie.contains(flag), "{cookie}");
    }
    assert!(
        !cookie.contains("Domain="),
        "__Host- cookies must not carry a Domain"
    );
    let to_google = location(&start);
    assert!(to_google.contains("redirect_uri=https%3A%2F%2Fmail.example.com%2Foauth%2Fcallback"));
}
