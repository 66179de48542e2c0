//! Mail delivery and label changes through `/emulator/accounts/{email}/messages…`: new mail
//! shows in the Gmail API, in label counts and in the account's history id.

use serde_json::{Value, json};

use crate::helpers::*;

const BOB: &str = "bob@example.com";

fn message(subject: &str, extra_headers: &str) -> String {
    format!(
        "From: Dora <dora@example.org>\r\nTo: Bob Example <bob@example.com>\r\nDate: Tue, 01 Dec 2026 09:00:00 +0000\r\nSubject: {subject}\r\nMessage-ID: <{}@example.org>\r\n{extra_headers}Content-Type: text/plain; charset=UTF-8\r\n\r\nHello Bob.\r\n",
        subject.replace(' ', "-")
    )
}

async fn bob_token(app: &TestApp) -> String {
    app.login_with(&[("login_hint", BOB)]).await.access_token
}

async fn unread_count(app: &TestApp, token: &str) -> u64 {
    app.gmail_json(token, "labels/UNREAD").await["messagesUnread"]
        .as_u64()
        .unwrap()
}

async fn history_id(app: &TestApp, token: &str) -> u64 {
    app.gmail_json(token, "profile").await["historyId"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap()
}

#[tokio::test]
async fn a_delivered_message_is_listed_counted_and_advances_the_history_id() {
    let app = spawn_app().await;
    let token = bob_token(&app).await;
    let unread_before = unread_count(&app, &token).await;
    let history_before = history_id(&app, &token).await;
    let total_before = app.gmail_json(&token, "profile").await["messagesTotal"]
        .as_u64()
        .unwrap();

    let response = app
        .deliver(BOB, "", "message/rfc822", message("Fresh news", ""))
        .await;
    assert_eq!(response.status(), 201);
    let delivered: Value = response.json().await.unwrap();
    let id = delivered["id"].as_str().unwrap().to_owned();
    assert_eq!(id.len(), 16);
    assert_eq!(delivered["threadId"], id.as_str());
    let history: u64 = delivered["historyId"].as_str().unwrap().parse().unwrap();
    assert!(history > history_before);
    assert_eq!(history_id(&app, &token).await, history);

    assert_eq!(unread_count(&app, &token).await, unread_before + 1);
    let profile = app.gmail_json(&token, "profile").await;
    assert_eq!(profile["messagesTotal"].as_u64().unwrap(), total_before + 1);
    let newest = app
        .gmail_json(&token, "messages?q=is:unread&maxResults=1")
        .await;
    assert_eq!(
        newest["messages"][0]["id"],
        id.as_str(),
        "received now: newest first"
    );
    let full = app.gmail_json(&token, &format!("messages/{id}")).await;
    assert_eq!(full["labelIds"], json!(["INBOX", "UNREAD"]));
    assert_eq!(full["historyId"], history.to_string());
    assert_eq!(full["snippet"], "Hello Bob.");

    // A reply joins the thread; `?labels=` chooses the labels.
    let reply = app
        .deliver(
            BOB,
            "?labels=INBOX,STARRED",
            "message/rfc822; charset=utf-8",
            message(
                "Re Fresh news",
                "In-Reply-To: <Fresh-news@example.org>\r\nReferences: <Fresh-news@example.org>\r\n",
            ),
        )
        .await;
    assert_eq!(reply.status(), 201);
    let reply: Value = reply.json().await.unwrap();
    assert_eq!(reply["threadId"], id.as_str());
    let reply_id = reply["id"].as_str().unwrap();
    let full = app
        .gmail_json(&token, &format!("messages/{reply_id}"))
        .await;
    assert_eq!(full["labelIds"], json!(["INBOX", "STARRED"]));
    assert_eq!(unread_count(&app, &token).await, unread_before + 1);

    // Another account's mailbox is untouched.
    let alice = app.login().await.access_token;
    let alice_total = app.gmail_json(&alice, "profile").await["messagesTotal"].clone();
    assert_eq!(
        alice_total,
        app.emulator.state.mailbox(0).unwrap().messages().len()
    );
}

#[tokio::test]
async fn label_changes_move_counts_and_history() {
    let app = spawn_app().await;
    let token = bob_token(&app).await;
    let unread = app
        .gmail_json(&token, "messages?q=is:unread&maxResults=1")
        .await;
    let id = unread["messages"][0]["id"].as_str().unwrap().to_owned();
    let before = unread_count(&app, &token).await;
    let history_before = history_id(&app, &token).await;

    let response = app
        .relabel(
            BOB,
            &id,
            json!({"remove": ["UNREAD", "INBOX"], "add": ["TRASH"]}),
        )
        .await;
    assert_eq!(response.status(), 200);
    let changed: Value = response.json().await.unwrap();
    assert_eq!(changed["id"], id.as_str());
    let labels: Vec<&str> = changed["labelIds"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l.as_str().unwrap())
        .collect();
    assert!(
        labels.contains(&"TRASH") && !labels.contains(&"UNREAD") && !labels.contains(&"INBOX"),
        "{labels:?}"
    );
    let history: u64 = changed["historyId"].as_str().unwrap().parse().unwrap();
    assert!(history > history_before);
    assert_eq!(history_id(&app, &token).await, history);
    assert_eq!(unread_count(&app, &token).await, before - 1);
    let trash = app.gmail_json(&token, "labels/TRASH").await;
    assert!(trash["messagesTotal"].as_u64().unwrap() >= 1);

    // The same change again changes nothing, the history id stays.
    let again = app.relabel(BOB, &id, json!({"remove": ["UNREAD"]})).await;
    assert_eq!(again.status(), 200);
    assert_eq!(history_id(&app, &token).await, history);

    // The history records are kept for users.history.list.
    let state = &app.emulator.state;
    let account = state.accounts.find(BOB).unwrap();
    let mailbox = state.current_mailbox(account).unwrap();
    let records = mailbox.history();
    assert_eq!(records.len(), 2, "{records:?}");
    assert!(records.iter().all(|r| r.message_id == id));
    assert_eq!(records.last().unwrap().id, history);
}

#[tokio::test]
async fn bad_deliveries_and_label_changes_are_refused_clearly() {
    let app = spawn_app().await;
    let some_id = app.emulator.state.mailbox(1).unwrap().messages()[0]
        .id
        .clone();
    let cases = [
        (
            app.deliver(BOB, "", "text/plain", message("x", "")).await,
            415,
        ),
        (app.deliver(BOB, "", "message/rfc822", "").await, 400),
        (
            app.deliver(BOB, "", "message/rfc822", "just some words\r\n\r\nand more")
                .await,
            400,
        ),
        (
            app.deliver(
                BOB,
                "?labels=INBOX,NOPE",
                "message/rfc822",
                message("x", ""),
            )
            .await,
            400,
        ),
        (
            app.deliver("nobody@example.com", "", "message/rfc822", message("x", ""))
                .await,
            404,
        ),
        (
            app.deliver(
                BOB,
                "",
                "message/rfc822",
                format!("{}{}", message("big", ""), "x".repeat(51 * 1024 * 1024)),
            )
            .await,
            413,
        ),
        (
            app.relabel(BOB, "0000000000000000", json!({"add": ["STARRED"]}))
                .await,
            404,
        ),
        (
            app.relabel("nobody@example.com", &some_id, json!({"add": ["STARRED"]}))
                .await,
            404,
        ),
        (
            app.relabel(BOB, &some_id, json!({"add": ["NOT_A_LABEL"]}))
                .await,
            400,
        ),
        (
            app.relabel(BOB, &some_id, json!({"add": "STARRED"})).await,
            400,
        ),
    ];
    for (index, (response, status)) in cases.into_iter().enumerate() {
        assert_eq!(response.status(), status, "case {index}");
    }
    // Nothing was delivered or changed.
    let token = bob_token(&app).await;
    let total = app.gmail_json(&token, "profile").await["messagesTotal"].clone();
    assert_eq!(
        total,
        app.emulator.state.mailbox(1).unwrap().messages().len()
    );
    let mailbox = app.emulator.state.current_mailbox(1).unwrap();
    assert!(mailbox.history().is_empty());
}

#[tokio::test]
async fn history_list_reports_deliveries_and_label_changes_since_a_history_id() {
    let app = spawn_app().await;
    let token = bob_token(&app).await;
    let start = history_id(&app, &token).await;
    let nothing = app
        .gmail_json(&token, &format!("history?startHistoryId={start}"))
        .await;
    assert_eq!(nothing, json!({"historyId": start.to_string()}));

    let delivered: Value = app
        .deliver(BOB, "", "message/rfc822", message("History one", ""))
        .await
        .json()
        .await
        .unwrap();
    let id = delivered["id"].as_str().unwrap();
    let read = app
        .relabel(BOB, id, json!({"remove": ["UNREAD"], "add": ["STARRED"]}))
        .await;
    assert_eq!(read.status(), 200);
    let now = history_id(&app, &token).await;

    let all = app
        .gmail_json(&token, &format!("history?startHistoryId={start}"))
        .await;
    assert_eq!(all["historyId"], now.to_string());
    let records = all["history"].as_array().unwrap();
    assert_eq!(records.len(), 3, "{all}");
    assert_eq!(records[0]["messagesAdded"][0]["message"]["id"], id);
    assert_eq!(
        records[0]["messagesAdded"][0]["message"]["labelIds"],
        json!(["INBOX", "UNREAD"])
    );
    assert_eq!(
        records[1]["labelsRemoved"][0]["labelIds"],
        json!(["UNREAD"])
    );
    assert_eq!(
        records[1]["labelsRemoved"][0]["message"]["labelIds"],
        json!(["INBOX"])
    );
    assert_eq!(records[2]["labelsAdded"][0]["labelIds"], json!(["STARRED"]));
    assert_eq!(records[2]["id"], now.to_string());
    assert_eq!(records[2]["messages"][0]["id"], id);

    // From the delivery on, filtered, paged.
    let after = records[0]["id"].as_str().unwrap();
    let removed = app
        .gmail_json(
            &token,
            &format!("history?startHistoryId={after}&historyTypes=labelAdded"),
        )
        .await;
    assert_eq!(removed["history"].as_array().unwrap().len(), 1);
    let first_page = app
        .gmail_json(
            &token,
            &format!("history?startHistoryId={start}&maxResults=2"),
        )
        .await;
    assert_eq!(first_page["history"].as_array().unwrap().len(), 2);
    let next = first_page["nextPageToken"].as_str().unwrap();
    let second_page = app
        .gmail_json(
            &token,
            &format!("history?startHistoryId={start}&maxResults=2&pageToken={next}"),
        )
        .await;
    assert_eq!(second_page["history"].as_array().unwrap().len(), 1);
    assert!(second_page.get("nextPageToken").is_none());

    // Older than what is kept: 404, sync in full; no or bad start: 400.
    let old = app.gmail(&token, "history?startHistoryId=1").await;
    google_error(old, 404).await;
    for bad in [
        "history",
        "history?startHistoryId=abc",
        &format!("history?startHistoryId={start}&historyTypes=nope"),
    ] {
        let response = app.gmail(&token, bad).await;
        google_error(response, 400).await;
    }
}
