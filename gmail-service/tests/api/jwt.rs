//! Internal-JWT verification (RFC 8725): ES256 only, keys from the JWKS, `iss`, `aud`, `exp`,
//! `nbf` checked; every refusal is 401 `invalid_token`. A token for one account never reads
//! another account's mail.

use std::time::Duration;

use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use common::jwt::{Es256KeyPair, InternalClaims, unix_now};
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use testkit::stand_ins::ISSUER;

use crate::helpers::*;

fn claims() -> InternalClaims {
    InternalClaims::new(ISSUER, BOB.0, BOB.1, Duration::from_secs(300))
}

fn b64(json: serde_json::Value) -> String {
    URL_SAFE_NO_PAD.encode(json.to_string())
}

#[tokio::test]
async fn forged_expired_and_malformed_tokens_are_invalid_token() {
    let app = spawn_app().await;
    let kid = app.auth.key.kid().to_owned();
    let payload = b64(serde_json::to_value(claims()).unwrap());

    let alg_none = format!(
        "{}.{payload}.",
        b64(serde_json::json!({"alg": "none", "typ": "JWT", "kid": kid}))
    );
    let public_jwk = serde_json::to_vec(app.auth.key.public_jwk()).unwrap();
    let mut hs_header = Header::new(Algorithm::HS256);
    hs_header.kid = Some(kid.clone());
    let hs256_with_public_key = jsonwebtoken::encode(
        &hs_header,
        &claims(),
        &EncodingKey::from_secret(&public_jwk),
    )
    .unwrap();
    let unknown_kid = Es256KeyPair::generate().unwrap().sign(&claims()).unwrap();
    let wrong_iss = app.auth.sign(&InternalClaims {
        iss: "someone-else".into(),
        ..claims()
    });
    let wrong_aud = app.auth.sign(&InternalClaims {
        aud: "auth-service".into(),
        ..claims()
    });
    let now = unix_now();
    let expired = app.auth.sign(&InternalClaims {
        iat: now - 600,
        nbf: now - 600,
        exp: now - 60,
        ..claims()
    });
    let not_yet_valid = app.auth.sign(&InternalClaims {
        nbf: now + 600,
        exp: now + 900,
        ..claims()
    });
    let valid = app.auth.sign(&claims());
    let mut tampered = valid.clone();
    tampered.replace_range(tampered.len() - 4.., "AAAA");
    let other_sub = {
        let (header, rest) = valid.split_once('.').unwrap();
        let signature = rest.split_once('.').unwrap().1;
        let forged = b64(serde_json::to_value(InternalClaims {
            sub: ALICE.0.into(),
            ..claims()
        })
        .unwrap());
        format!("{header}.{forged}.{signature}")
    };

    let cases = [
        ("alg none", alg_none),
        ("HS256 signed with the public key", hs256_with_public_key),
        ("unknown kid", unknown_kid),
        ("wrong iss", wrong_iss),
        ("wrong aud", wrong_aud),
        ("expired", expired),
        ("not yet valid", not_yet_valid),
        ("bad signature", tampered),
        ("claims swapped", other_sub),
        ("malformed", "not.a.jwt".into()),
        ("garbage", "x".into()),
        ("huge", "a".repeat(20_000)),
    ];
    for path in [
        "/v1/messages/unread",
        "/v1/messages/0123456789abcdef",
        "/v1/unread-count",
    ] {
        for (name, token) in &cases {
            let response = app.get_as(token, path).await;
            assert_eq!(response.status(), 401, "{name} on {path}");
            assert_eq!(
                response.headers().get("www-authenticate").unwrap(),
                "Bearer"
            );
            assert_problem(response, 401, ProblemCode::InvalidToken).await;
        }
        // No header, another scheme, an empty bearer.
        assert_problem(app.get(path).await, 401, ProblemCode::InvalidToken).await;
        for header in ["Basic Ym9iOnB3", "Bearer ", "Bearer"] {
            let response = app
                .http
                .get(format!("{}{path}", app.address))
                .header("authorization", header)
                .send()
                .await
                .unwrap();
            assert_problem(response, 401, ProblemCode::InvalidToken).await;
        }
    }
    // None of that reached auth-service's token endpoint or Gmail.
    assert_eq!(app.auth.token_requests(), 0);
    assert_eq!(app.emulator.count("gmail.messages.list"), 0);
}

#[tokio::test]
async fn a_flood_of_unknown_kids_does_not_flood_the_jwks() {
    let app = spawn_app().await;
    for _ in 0..20 {
        let forged = Es256KeyPair::generate().unwrap().sign(&claims()).unwrap();
        assert_problem(
            app.get_as(&forged, "/v1/unread-count").await,
            401,
            ProblemCode::InvalidToken,
        )
        .await;
    }
    // One fetch at the first unknown kid; the others fall inside JWKS_REFETCH_SECS.
    assert_eq!(app.auth.jwks_requests(), 1);
    // A valid token still works: its kid came with that fetch.
    app.count(BOB).await;
}

#[tokio::test]
async fn a_token_for_one_account_never_reads_another() {
    let app = spawn_app().await;
    let bob_ids: std::collections::BTreeSet<&str> = app
        .mailbox(BOB.1)
        .messages()
        .iter()
        .map(|m| m.id.as_str())
        .collect();
    let listed = app.all_unread(BOB, 100).await;
    assert!(!listed.is_empty());
    for message in &listed {
        assert!(bob_ids.contains(message.id.as_str()));
    }
    // Alice's messages do not exist for Bob, even once Alice's are cached.
    app.all_unread(ALICE, 100).await;
    let jwt = app.auth.jwt(BOB);
    for stored in app.mailbox(ALICE.1).messages().iter().take(5) {
        let response = app
            .get_as(&jwt, &format!("/v1/messages/{}", stored.id))
            .await;
        assert_problem(response, 404, ProblemCode::NotFound).await;
    }
    let bob_page = app.unread(BOB, Some(100), None).await;
    for message in &bob_page.messages {
        assert!(bob_ids.contains(message.id.as_str()));
    }
}
