//! `GET /v1/messages/{id}/attachments/{attachment_id}` over real HTTP: every attachment of a
//! message comes back byte for byte as a download, types a browser would run as
//! `application/octet-stream`; 20 MB stream through; unknown, malformed and oversized ones are
//! refused with problem details; each costs one `messages.attachments.get`.

use common::config::Env;
use sha2::{Digest, Sha256};
use testkit::fixtures::mail_with_attachments;

use crate::helpers::*;

fn pattern(len: usize) -> Vec<u8> {
    (0..len).map(|n| (n * 7 % 256) as u8).collect()
}

async fn download(app: &TestApp, id: &str, attachment: &str) -> reqwest::Response {
    reqwest::Client::new()
        .get(format!(
            "{}/v1/messages/{id}/attachments/{attachment}",
            app.address
        ))
        .bearer_auth(app.auth.jwt(BOB))
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn every_attachment_downloads_as_sent_and_none_can_run() {
    let app = spawn_app().await;
    let pdf = pattern(70_000);
    let html = b"<html><script>alert(document.domain)</script></html>".to_vec();
    let svg = b"<svg xmlns=\"http://www.w3.org/2000/svg\" onload=\"alert(1)\"/>".to_vec();
    let id = app
        .deliver(
            BOB.1,
            &mail_with_attachments(
                "files",
                &[
                    ("report.pdf", "application/pdf", &pdf),
                    ("invoice.html", "text/html; charset=utf-8", &html),
                    ("logo.svg", "image/svg+xml", &svg),
                    (
                        "請求書.txt",
                        "text/plain; charset=utf-8",
                        "お支払い".as_bytes(),
                    ),
                ],
            ),
        )
        .await;
    let detail = app.message(BOB, &id).await;
    let listed: Vec<(String, Option<String>)> = detail
        .attachments
        .iter()
        .map(|a| (a.filename.clone(), a.attachment_id.clone()))
        .collect();
    assert_eq!(
        listed,
        [
            ("report.pdf".to_owned(), Some("1".to_owned())),
            ("invoice.html".to_owned(), Some("2".to_owned())),
            ("logo.svg".to_owned(), Some("3".to_owned())),
            ("請求書.txt".to_owned(), Some("4".to_owned())),
        ]
    );
    let before = app.emulator.count("gmail.messages.attachments.get");
    for (part, bytes, content_type, disposition) in [
        (
            "1",
            &pdf,
            "application/pdf",
            "attachment; filename=\"report.pdf\"; filename*=UTF-8''report.pdf",
        ),
        (
            "2",
            &html,
            "application/octet-stream",
            "attachment; filename=\"invoice.html\"; filename*=UTF-8''invoice.html",
        ),
        (
            "3",
            &svg,
            "application/octet-stream",
            "attachment; filename=\"logo.svg\"; filename*=UTF-8''logo.svg",
        ),
        (
            "4",
            &"お支払い".as_bytes().to_vec(),
            "text/plain",
            "attachment; filename=\"___.txt\"; filename*=UTF-8''%E8%AB%8B%E6%B1%82%E6%9B%B8.txt",
        ),
    ] {
        let response = download(&app, &id, part).await;
        assert_eq!(response.status(), 200, "part {part}");
        let headers = response.headers().clone();
        assert_eq!(headers["content-type"], content_type, "part {part}");
        assert_eq!(headers["content-disposition"], disposition, "part {part}");
        assert_eq!(headers["x-content-type-options"], "nosniff");
        assert_eq!(
            headers["content-security-policy"],
            "default-src 'none'; sandbox"
        );
        assert_eq!(headers["cache-control"], "private, no-store");
        assert_eq!(
            &response.bytes().await.unwrap().to_vec(),
            bytes,
            "part {part}"
        );
    }
    assert_eq!(
        app.emulator.count("gmail.messages.attachments.get"),
        before + 4
    );
}

#[tokio::test]
async fn twenty_megabytes_stream_through() {
    let app = spawn_app().await;
    let big = pattern(20 * 1000 * 1000);
    let expected = Sha256::digest(&big);
    let id = app
        .deliver(
            BOB.1,
            &mail_with_attachments("big", &[("big.bin", "application/octet-stream", &big)]),
        )
        .await;
    drop(big);
    let mut response = download(&app, &id, "1").await;
    assert_eq!(response.status(), 200);
    // Streamed as it is decoded, not sent whole with a length.
    assert!(response.headers().get("content-length").is_none());
    let mut digest = Sha256::new();
    let mut total = 0;
    let mut chunks = 0;
    while let Some(chunk) = response.chunk().await.unwrap() {
        total += chunk.len();
        chunks += 1;
        digest.update(&chunk);
    }
    assert_eq!(total, 20 * 1000 * 1000);
    assert!(chunks > 10, "{chunks} chunks");
    assert_eq!(digest.finalize(), expected);
}

#[tokio::test]
async fn unknown_malformed_and_oversized_attachments_are_refused() {
    let app = spawn_app_with(Env::default().with("ATTACHMENT_MAX_BYTES", "50000"), |_| {}).await;
    let id = app
        .deliver(
            BOB.1,
            &mail_with_attachments(
                "files",
                &[
                    ("big.bin", "application/octet-stream", &pattern(60_000)),
                    ("small.bin", "application/octet-stream", &pattern(100)),
                ],
            ),
        )
        .await;
    for (path, status, code) in [
        (format!("{id}/attachments/9"), 404, "not_found"),
        // The text part is no attachment.
        (format!("{id}/attachments/0"), 404, "not_found"),
        (format!("{id}/attachments/1"), 413, "payload_too_large"),
        (format!("{id}/attachments/ANGjdJ8x"), 400, "bad_request"),
        (format!("{id}/attachments/2..3"), 400, "bad_request"),
        (format!("{id}/attachments/%2e%2e%2f2"), 400, "bad_request"),
        (
            "0000000000000000/attachments/1".to_owned(),
            404,
            "not_found",
        ),
        ("not-an-id/attachments/2".to_owned(), 400, "bad_request"),
    ] {
        let response = reqwest::Client::new()
            .get(format!("{}/v1/messages/{path}", app.address))
            .bearer_auth(app.auth.jwt(BOB))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), status, "{path}");
        assert_eq!(
            response.headers()["content-type"],
            "application/problem+json",
            "{path}"
        );
        let body: serde_json::Value = response.json().await.unwrap();
        assert_eq!(body["code"], code, "{path}");
    }
    let small = download(&app, &id, "2").await;
    assert_eq!(small.status(), 200);
    assert_eq!(small.bytes().await.unwrap().to_vec(), pattern(100));
    // Another account's token reaches only its own mailbox.
    let theirs = reqwest::Client::new()
        .get(format!("{}/v1/messages/{id}/attachments/2", app.address))
        .bearer_auth(app.auth.jwt(ALICE))
        .send()
        .await
        .unwrap();
    assert_eq!(theirs.status(), 404);
    let unauthenticated = reqwest::Client::new()
        .get(format!("{}/v1/messages/{id}/attachments/2", app.address))
        .send()
        .await
        .unwrap();
    assert_eq!(unauthenticated.status(), 401);
}
