//! `EMULATOR_MAILBOX`: an mbox (Takeout), a folder of `.eml` files and a Maildir each become
//! the default account's mailbox, read back through the Gmail API.

use std::path::{Path, PathBuf};

use base64::{Engine, engine::general_purpose::URL_SAFE};
use serde_json::Value;

use crate::helpers::*;

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}

async fn app_with_mailbox(name: &str) -> (TestApp, String) {
    let path = fixture(name);
    let app = spawn_app_with(|config| config.mailbox_path = Some(path)).await;
    let token = app.login().await.access_token;
    (app, token)
}

/// Every message of the mailbox, `format=full`, newest first.
async fn all_messages(app: &TestApp, token: &str) -> Vec<Value> {
    let list = app
        .gmail_json(token, "messages?includeSpamTrash=true&maxResults=500")
        .await;
    let mut out = Vec::new();
    for m in list["messages"].as_array().cloned().unwrap_or_default() {
        let id = m["id"].as_str().unwrap();
        out.push(app.gmail_json(token, &format!("messages/{id}")).await);
    }
    out
}

fn header<'a>(message: &'a Value, name: &str) -> &'a str {
    message["payload"]["headers"]
        .as_array()
        .unwrap()
        .iter()
        .find(|h| h["name"].as_str().unwrap().eq_ignore_ascii_case(name))
        .map(|h| h["value"].as_str().unwrap())
        .unwrap_or_default()
}

fn by_subject<'a>(messages: &'a [Value], subject: &str) -> &'a Value {
    messages
        .iter()
        .find(|m| header(m, "Subject") == subject)
        .unwrap_or_else(|| panic!("no message {subject:?}"))
}

fn labels(message: &Value) -> Vec<&str> {
    message["labelIds"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l.as_str().unwrap())
        .collect()
}

#[tokio::test]
async fn a_takeout_mbox_gives_labels_threads_and_dates() {
    let (app, token) = app_with_mailbox("takeout.mbox").await;
    let messages = all_messages(&app, &token).await;
    // Five `From ` lines; the fifth is no message and is skipped.
    assert_eq!(messages.len(), 4);

    let offer = by_subject(&messages, "Autumn offers");
    assert_eq!(
        labels(offer),
        ["INBOX", "UNREAD", "CATEGORY_PROMOTIONS", "IMPORTANT"]
    );
    assert_eq!(offer["internalDate"], "1791921720000");
    // `>From ` lines lose one `>`; the metadata headers are not part of the message.
    let raw = app
        .gmail_json(
            &token,
            &format!("messages/{}?format=raw", offer["id"].as_str().unwrap()),
        )
        .await;
    let raw = String::from_utf8(URL_SAFE.decode(raw["raw"].as_str().unwrap()).unwrap()).unwrap();
    assert!(
        raw.starts_with("Delivered-To: alice@example.com\r\n"),
        "{raw}"
    );
    assert!(raw.contains("\r\nFrom the manager: this line"), "{raw}");
    assert!(raw.contains("\r\n>From a quote in a quote."), "{raw}");
    assert!(!raw.contains("X-Gmail-Labels"));
    assert!(
        !raw.contains("\r\n\r\nFrom "),
        "the separator line is not in the message"
    );

    let trip = by_subject(&messages, "Trip to Lyon");
    let reply = by_subject(&messages, "Re: Trip to Lyon");
    assert_eq!(labels(trip), ["SENT", "Label_Travel_plans"]);
    assert_eq!(labels(reply), ["INBOX", "Label_Travel_plans"]);
    // X-GM-THRID, in Gmail's hex form.
    assert_eq!(
        trip["threadId"],
        format!("{:016x}", 1_790_000_000_000_000_002_u64)
    );
    assert_eq!(reply["threadId"], trip["threadId"]);

    let spam = by_subject(&messages, "You won");
    assert_eq!(labels(spam), ["SPAM", "UNREAD"]);

    // Counts follow the labels; spam is not listed by default.
    let unread = app.gmail_json(&token, "labels/UNREAD").await;
    assert_eq!(unread["messagesUnread"], 2);
    let listed = app.gmail_json(&token, "messages?q=is:unread").await;
    assert_eq!(listed["resultSizeEstimate"], 1);
    let travel = app.gmail_json(&token, "labels/Label_Travel_plans").await;
    assert_eq!(travel["messagesTotal"], 2);
    assert_eq!(travel["type"], "user");
    let profile = app.gmail_json(&token, "profile").await;
    assert_eq!(profile["messagesTotal"], 4);
    assert_eq!(profile["threadsTotal"], 3);
}

#[tokio::test]
async fn a_folder_of_eml_files_is_unread_in_the_inbox() {
    let (app, token) = app_with_mailbox("eml").await;
    let messages = all_messages(&app, &token).await;
    // The broken file is skipped, notes.txt is not read.
    assert_eq!(messages.len(), 2);
    let first = by_subject(&messages, "Hello from a folder");
    let reply = by_subject(&messages, "Re: Hello from a folder");
    for message in [first, reply] {
        assert_eq!(labels(message), ["UNREAD", "INBOX"]);
    }
    // internalDate from the Date header (10:00 +01:00).
    assert_eq!(first["internalDate"], "1793610000000");
    assert_eq!(
        reply["threadId"], first["id"],
        "threads from In-Reply-To/References"
    );
    assert_eq!(messages[0]["id"], reply["id"], "newest first");
    // The Latin-1 body is served in its charset (base64url of the decoded bytes).
    let data = reply["payload"]["body"]["data"].as_str().unwrap();
    assert_eq!(URL_SAFE.decode(data).unwrap(), b"Gr\xfc\xdfe again.\r\n");
}

#[tokio::test]
async fn a_maildir_takes_unread_and_trash_from_its_flags() {
    let (app, token) = app_with_mailbox("maildir").await;
    let messages = all_messages(&app, &token).await;
    assert_eq!(messages.len(), 4);
    assert_eq!(labels(by_subject(&messages, "Read already")), ["INBOX"]);
    assert_eq!(
        labels(by_subject(&messages, "Re: Read already")),
        ["UNREAD", "INBOX"]
    );
    assert_eq!(
        labels(by_subject(&messages, "Thrown away")),
        ["STARRED", "TRASH"]
    );
    assert_eq!(
        labels(by_subject(&messages, "Just arrived")),
        ["UNREAD", "INBOX"]
    );
    assert_eq!(
        by_subject(&messages, "Re: Read already")["threadId"],
        by_subject(&messages, "Read already")["id"]
    );
    let inbox_unread = app.gmail_json(&token, "messages?q=is:unread").await;
    assert_eq!(inbox_unread["resultSizeEstimate"], 2);
}

#[tokio::test]
async fn an_unreadable_path_stops_the_start_with_a_clear_error() {
    let mut config = google_emulator::EmulatorConfig::for_tests(&[REDIRECT]);
    config.mailbox_path = Some(fixture("does-not-exist.mbox"));
    let error = google_emulator::spawn(config)
        .await
        .err()
        .unwrap()
        .to_string();
    assert!(error.contains("EMULATOR_MAILBOX"), "{error}");
    assert!(error.contains("does-not-exist.mbox"), "{error}");

    let mut config = google_emulator::EmulatorConfig::for_tests(&[REDIRECT]);
    config.mailbox_path = Some(fixture("maildir/tmp"));
    let error = google_emulator::spawn(config)
        .await
        .err()
        .unwrap()
        .to_string();
    assert!(error.contains("no readable message"), "{error}");
}
