//! `GET /v1/messages/{id}`: the readable text of every demo message (every MIME shape and
//! charset, Japanese included) against the text the message was written from.

use chrono::DateTime;
use google_emulator::mailbox::MessageShape;

use crate::helpers::*;

#[tokio::test]
async fn every_demo_message_reads_as_the_text_it_was_written_from() {
    let app = spawn_app().await;
    let mut shapes = std::collections::BTreeSet::new();
    let mut charsets = std::collections::BTreeSet::new();
    for account in [ALICE, BOB, CAROL] {
        for stored in app.mailbox(account.1).messages() {
            let spec = &stored.spec;
            let detail = app.message(account, &stored.id).await;
            let context = format!(
                "{} {:?} ({:?}, {})",
                stored.id, spec.subject, spec.shape, spec.charset
            );
            assert_eq!(detail.body_text, spec.expected_text, "{context}");
            assert_eq!(detail.subject, spec.subject, "{context}");
            assert_eq!(detail.from.email, spec.from_email, "{context}");
            assert_eq!(detail.from.name, spec.from_name, "{context}");
            let date = DateTime::parse_from_rfc3339(&detail.date).unwrap();
            assert_eq!(date, spec.date, "{context}");
            let attachments: Vec<(String, String, u64)> = detail
                .attachments
                .iter()
                .map(|a| (a.filename.clone(), a.mime_type.clone(), a.size))
                .collect();
            let expected: Vec<(String, String, u64)> = spec
                .attachments
                .iter()
                .map(|a| (a.filename.clone(), a.mime_type.clone(), a.size))
                .collect();
            assert_eq!(attachments, expected, "{context}");
            assert_eq!(detail.thread_id, stored.thread_id);
            shapes.insert(format!("{:?}", spec.shape));
            charsets.insert(spec.charset.to_ascii_lowercase());
        }
    }
    // The corpus really exercised what the issue names.
    assert!(shapes.contains(&format!("{:?}", MessageShape::HtmlOnly)));
    assert!(shapes.contains(&format!("{:?}", MessageShape::NestedRelated)));
    for charset in ["utf-8", "iso-2022-jp", "shift_jis", "iso-8859-1"] {
        assert!(
            charsets.contains(charset),
            "{charset} not seen: {charsets:?}"
        );
    }
}

#[tokio::test]
async fn unknown_and_malformed_ids() {
    let app = spawn_app().await;
    let jwt = app.auth.jwt(BOB);
    assert_problem(
        app.get_as(&jwt, "/v1/messages/0123456789abcdef").await,
        404,
        ProblemCode::NotFound,
    )
    .await;
    for id in ["not-hex!", "%00", &"a".repeat(65), "a%20b"] {
        let response = app.get_as(&jwt, &format!("/v1/messages/{id}")).await;
        assert_problem(response, 400, ProblemCode::BadRequest).await;
    }
}

#[tokio::test]
async fn a_mistyped_id_gmail_refuses_is_not_found() {
    let app = spawn_app().await;
    let jwt = app.auth.jwt(BOB);
    // Letters and digits, so they look like ids, but Gmail answers 400 "Invalid id value".
    for id in [
        "doesnotexist0000".to_owned(),
        "0".repeat(40),
        "f".repeat(64),
        "0123456789ABCDEFxyz".to_owned(),
    ] {
        let before = app.emulator.count("gmail.messages.get");
        let response = app.get_as(&jwt, &format!("/v1/messages/{id}")).await;
        let body = assert_problem(response, 404, ProblemCode::NotFound).await;
        assert!(!body.to_string().contains("Invalid id"), "{body}");
        // It was Gmail's answer, not ours.
        assert_eq!(app.emulator.count("gmail.messages.get"), before + 1, "{id}");
    }
}

/// The HTML part comes as `body_html`, through the allow-list: what a sender designed stays,
/// nothing that runs, submits, frames, navigates or restyles the reader's page does.
#[tokio::test]
async fn html_mail_comes_sanitised_beside_its_text() {
    let app = spawn_app().await;
    let id = app
        .deliver(
            BOB.1,
            &testkit::fixtures::hostile_html_mail("canary.invalid"),
        )
        .await;
    let detail = app.message(BOB, &id).await;
    assert_eq!(
        detail.body_text,
        "Your parcel is waiting. 小包が届いています 📦"
    );
    let html = detail.body_html.expect("the HTML part");
    for kept in [
        "小包が届いています 📦 <b>Track it</b>",
        r#"<a href="https://parcels.example/track?id=1" target="_blank" rel="noopener noreferrer">here</a>"#,
        r#"<p style="color:green">Thanks, The Parcel Team</p>"#,
        r#"<td style="color:#c00">Reply within 24 hours</td>"#,
        // Remote images stay in the API's answer: the reader decides (the page shows none).
        r#"<img src="http://canary.invalid/pixel.gif" alt="tracking pixel" width="1" height="1">"#,
    ] {
        assert!(html.contains(kept), "{kept} is missing from {html}");
    }
    for gone in [
        "<script",
        "script ran",
        "<style",
        "@import",
        "<meta",
        "<base",
        "<link",
        "<iframe",
        "<object",
        "<embed",
        "<svg",
        "<video",
        "<source",
        "poster",
        "<form",
        "<input",
        "<button",
        "javascript:",
        "onload",
        "onerror",
        "onfocus",
        "onmouseover",
        "url(",
        "position",
        "z-index",
        "background=",
        "target=\"_top\"",
        " id=",
        " class=",
    ] {
        assert!(!html.contains(gone), "{gone} survived: {html}");
    }
    assert!(detail.attachments.is_empty());
}

/// `GET /v1/messages/{id}/thread`: the whole conversation, oldest first; one `threads.get`, and
/// no `messages.get` when the mirror holds the message.
#[tokio::test]
async fn a_message_brings_its_conversation() {
    let app = spawn_app().await;
    let first = app
        .deliver(
            BOB.1,
            "From: Ann <ann@example.com>\r\nDate: Sat, 05 Dec 2026 09:00:00 +0000\r\n\
             Message-ID: <plan@example.com>\r\nSubject: The plan\r\n\r\nHere is the plan.\r\n",
        )
        .await;
    let reply = app
        .deliver(
            BOB.1,
            "From: Cy <cy@example.com>\r\nDate: Sat, 05 Dec 2026 10:00:00 +0000\r\n\
             Message-ID: <re@example.com>\r\nIn-Reply-To: <plan@example.com>\r\n\
             Subject: Re: The plan\r\n\r\nAgreed, <b>ship it</b>.\r\n",
        )
        .await;
    // Into the mirror (a page), then the conversation of the reply.
    app.unread(BOB, Some(50), None).await;
    let gets = app.emulator.count("gmail.messages.get");
    let threads = app.emulator.count("gmail.threads.get");
    let response = app
        .get_as(&app.auth.jwt(BOB), &format!("/v1/messages/{reply}/thread"))
        .await;
    assert_eq!(response.status(), 200);
    let thread: contract::gmail::ThreadDetail = response.json().await.unwrap();
    let ids: Vec<&str> = thread.messages.iter().map(|m| m.id.as_str()).collect();
    assert_eq!(ids, [first.as_str(), reply.as_str()]);
    assert_eq!(thread.messages[0].body_text, "Here is the plan.");
    assert_eq!(thread.messages[1].subject, "Re: The plan");
    assert_eq!(app.emulator.count("gmail.threads.get"), threads + 1);
    assert_eq!(
        app.emulator.count("gmail.messages.get"),
        gets,
        "the mirror knew the thread"
    );
    for (path, status) in [
        ("/v1/messages/0000000000000000/thread".to_owned(), 404),
        ("/v1/messages/not-an-id/thread".to_owned(), 400),
    ] {
        let response = app.get_as(&app.auth.jwt(BOB), &path).await;
        assert_eq!(response.status(), status, "{path}");
    }
    // Another account's token: no such message there.
    let theirs = app
        .get_as(
            &app.auth.jwt(ALICE),
            &format!("/v1/messages/{reply}/thread"),
        )
        .await;
    assert_eq!(theirs.status(), 404);
}
