//! `users.history.list` as Gmail answers it: retention (`EMULATOR_HISTORY_RETENTION`) and the
//! forget control (404 for a too old `startHistoryId`), ids in gaps and in the future, deleted
//! messages (`messagesDeleted`), `historyTypes` and `labelId` filters, paging a burst of 500.

use serde_json::{Value, json};

use crate::helpers::*;

const BOB: &str = "bob@example.com";

async fn bob_token(app: &TestApp) -> String {
    app.login_with(&[("login_hint", BOB)]).await.access_token
}

async fn history(app: &TestApp, token: &str, query: &str) -> Value {
    app.gmail_json(token, &format!("history?{query}")).await
}

fn record_ids(page: &Value) -> Vec<u64> {
    page["history"]
        .as_array()
        .map(|records| {
            records
                .iter()
                .map(|r| r["id"].as_str().unwrap().parse().unwrap())
                .collect()
        })
        .unwrap_or_default()
}

/// The one change array a record carries besides `id` and `messages`.
fn change_kind(record: &Value) -> String {
    let keys: Vec<&String> = record
        .as_object()
        .unwrap()
        .keys()
        .filter(|k| *k != "id" && *k != "messages")
        .collect();
    assert_eq!(keys.len(), 1, "{record}");
    keys[0].clone()
}

#[tokio::test]
async fn records_beyond_the_retention_are_dropped_and_older_starts_answer_404() {
    let app = spawn_app_with(|c| c.history_retention = 3).await;
    let token = bob_token(&app).await;
    let start = app.profile_history_id(&token).await;
    let mut ids = Vec::new();
    for n in 0..5 {
        ids.push(app.deliver_mail(BOB, &format!("Kept {n}"), "").await.1);
    }
    assert_eq!(app.profile_history_id(&token).await, ids[4]);

    let (reason, body) = google_error(
        app.gmail(&token, &format!("history?startHistoryId={start}"))
            .await,
        404,
    )
    .await;
    assert_eq!(reason, "notFound");
    assert_eq!(body["error"]["status"], "NOT_FOUND");
    google_error(
        app.gmail(&token, &format!("history?startHistoryId={}", ids[0]))
            .await,
        404,
    )
    .await;
    // From the newest dropped record on, the three kept ones are complete.
    let kept = history(&app, &token, &format!("startHistoryId={}", ids[1])).await;
    assert_eq!(record_ids(&kept), ids[2..].to_vec());
    assert_eq!(kept["historyId"], ids[4].to_string());
    let latest = history(&app, &token, &format!("startHistoryId={}", ids[4])).await;
    assert_eq!(latest, json!({"historyId": ids[4].to_string()}));
}

#[tokio::test]
async fn ids_in_gaps_and_in_the_future_and_the_forget_control() {
    let app = spawn_app().await;
    let token = bob_token(&app).await;
    let (_, first) = app.deliver_mail(BOB, "One", "").await;
    let (_, second) = app.deliver_mail(BOB, "Two", "").await;
    assert!(second > first + 1, "history ids have gaps");

    // An id between two records answers the records after it.
    let gap = history(&app, &token, &format!("startHistoryId={}", first + 1)).await;
    assert_eq!(record_ids(&gap), vec![second]);
    // An id beyond the current one: no history, the current id (as Gmail).
    let future = history(&app, &token, &format!("startHistoryId={}", second + 1000)).await;
    assert_eq!(future, json!({"historyId": second.to_string()}));

    let forgot = app
        .control_post(&format!("/emulator/accounts/{BOB}/history/forget"), None)
        .await;
    assert_eq!(forgot.status(), 200);
    let forgot: Value = forgot.json().await.unwrap();
    assert_eq!(forgot, json!({"historyId": second.to_string()}));
    google_error(
        app.gmail(&token, &format!("history?startHistoryId={first}"))
            .await,
        404,
    )
    .await;
    let now = history(&app, &token, &format!("startHistoryId={second}")).await;
    assert_eq!(now, json!({"historyId": second.to_string()}));
    let (_, third) = app.deliver_mail(BOB, "Three", "").await;
    let after = history(&app, &token, &format!("startHistoryId={second}")).await;
    assert_eq!(record_ids(&after), vec![third]);

    let unknown = app
        .control_post("/emulator/accounts/nobody@example.com/history/forget", None)
        .await;
    assert_eq!(unknown.status(), 404);
}

#[tokio::test]
async fn a_deleted_message_is_gone_and_reported_as_messages_deleted() {
    let app = spawn_app().await;
    let token = bob_token(&app).await;
    let start = app.profile_history_id(&token).await;
    let total = app.gmail_json(&token, "profile").await["messagesTotal"]
        .as_u64()
        .unwrap();
    let (id, added) = app.deliver_mail(BOB, "Soon gone", "INBOX,UNREAD").await;
    assert_eq!(
        app.gmail(&token, &format!("messages/{id}")).await.status(),
        200
    );

    let delete = |id: String| {
        let app = &app;
        async move {
            app.http
                .delete(app.url(&format!("/emulator/accounts/{BOB}/messages/{id}")))
                .send()
                .await
                .unwrap()
        }
    };
    let response = delete(id.clone()).await;
    assert_eq!(response.status(), 200);
    let deleted: Value = response.json().await.unwrap();
    assert_eq!(deleted["id"], id.as_str());
    assert_eq!(deleted["threadId"], id.as_str());
    assert_eq!(deleted["labelIds"], json!(["INBOX", "UNREAD"]));
    let deleted_at: u64 = deleted["historyId"].as_str().unwrap().parse().unwrap();
    assert!(deleted_at > added);
    assert_eq!(app.profile_history_id(&token).await, deleted_at);

    // Gone, as in Gmail: 404 for the message, not in lists or counts.
    let (reason, _) = google_error(app.gmail(&token, &format!("messages/{id}")).await, 404).await;
    assert_eq!(reason, "notFound");
    let listed = app.gmail_json(&token, "messages?maxResults=500").await;
    assert!(
        listed["messages"]
            .as_array()
            .unwrap()
            .iter()
            .all(|m| m["id"] != id.as_str())
    );
    let profile = app.gmail_json(&token, "profile").await;
    assert_eq!(profile["messagesTotal"].as_u64().unwrap(), total);
    assert_eq!(delete(id.clone()).await.status(), 404, "already deleted");
    let unknown = app
        .http
        .delete(app.url("/emulator/accounts/nobody@example.com/messages/0000000000000000"))
        .send()
        .await
        .unwrap();
    assert_eq!(unknown.status(), 404);

    let all = history(&app, &token, &format!("startHistoryId={start}")).await;
    let records = all["history"].as_array().unwrap();
    assert_eq!(records.len(), 2, "{all}");
    assert_eq!(change_kind(&records[1]), "messagesDeleted");
    assert_eq!(
        records[1],
        json!({
            "id": deleted_at.to_string(),
            "messages": [{"id": id, "threadId": id}],
            "messagesDeleted": [{"message": {"id": id, "threadId": id, "labelIds": ["INBOX", "UNREAD"]}}],
        })
    );
    let only_deleted = history(
        &app,
        &token,
        &format!("startHistoryId={start}&historyTypes=messageDeleted"),
    )
    .await;
    assert_eq!(record_ids(&only_deleted), vec![deleted_at]);

    // A message of the mailbox as built at start-up can be deleted too.
    let demo = app.emulator.state.mailbox(1).unwrap().messages()[0]
        .id
        .clone();
    assert_eq!(delete(demo.clone()).await.status(), 200);
    assert_eq!(
        app.gmail(&token, &format!("messages/{demo}"))
            .await
            .status(),
        404
    );
}

#[tokio::test]
async fn history_types_and_label_id_filter_as_gmail_does() {
    let app = spawn_app().await;
    let token = bob_token(&app).await;
    let start = app.profile_history_id(&token).await;
    let (a, a_added) = app.deliver_mail(BOB, "Inbox mail", "INBOX,UNREAD").await;
    let (b, b_added) = app.deliver_mail(BOB, "Spam mail", "SPAM").await;
    let read = app.relabel(BOB, &a, json!({"remove": ["UNREAD"]})).await;
    let read: Value = read.json().await.unwrap();
    let starred = app.relabel(BOB, &a, json!({"add": ["STARRED"]})).await;
    let starred: Value = starred.json().await.unwrap();
    let deleted = app
        .http
        .delete(app.url(&format!("/emulator/accounts/{BOB}/messages/{b}")))
        .send()
        .await
        .unwrap();
    let deleted: Value = deleted.json().await.unwrap();
    let id = |v: &Value| -> u64 { v["historyId"].as_str().unwrap().parse().unwrap() };
    let (a_read, a_starred, b_deleted) = (id(&read), id(&starred), id(&deleted));

    let all = history(&app, &token, &format!("startHistoryId={start}")).await;
    let ids = record_ids(&all);
    assert_eq!(ids, vec![a_added, b_added, a_read, a_starred, b_deleted]);
    assert!(
        ids.windows(2).all(|w| w[1] > w[0] + 1),
        "increasing, with gaps: {ids:?}"
    );
    let kinds: Vec<String> = all["history"]
        .as_array()
        .unwrap()
        .iter()
        .map(change_kind)
        .collect();
    assert_eq!(
        kinds,
        [
            "messagesAdded",
            "messagesAdded",
            "labelsRemoved",
            "labelsAdded",
            "messagesDeleted"
        ]
    );
    // Records carry only id, threadId and labelIds of each message.
    for record in all["history"].as_array().unwrap() {
        let change = &record[change_kind(record)][0]["message"];
        let mut keys: Vec<&String> = change.as_object().unwrap().keys().collect();
        keys.sort();
        assert_eq!(keys, ["id", "labelIds", "threadId"]);
    }

    let cases: [(&str, Vec<u64>); 7] = [
        ("historyTypes=messageAdded", vec![a_added, b_added]),
        (
            "historyTypes=labelAdded&historyTypes=labelRemoved",
            vec![a_read, a_starred],
        ),
        ("historyTypes=messageDeleted", vec![b_deleted]),
        // labelId: the message as the record shows it carries the label.
        ("labelId=SPAM", vec![b_added, b_deleted]),
        ("labelId=INBOX", vec![a_added, a_read, a_starred]),
        // Marking read removes UNREAD: the record's message no longer carries it.
        ("labelId=UNREAD", vec![a_added]),
        ("labelId=INBOX&historyTypes=labelAdded", vec![a_starred]),
    ];
    for (query, expected) in cases {
        let page = history(&app, &token, &format!("startHistoryId={start}&{query}")).await;
        assert_eq!(record_ids(&page), expected, "{query}");
        assert_eq!(page["historyId"], b_deleted.to_string(), "{query}");
    }
}

#[tokio::test]
async fn a_burst_of_500_changes_pages_in_order() {
    let app = spawn_app().await;
    let token = bob_token(&app).await;
    let start = app.profile_history_id(&token).await;
    let (first, _) = app.deliver_mail(BOB, "Burst 0", "").await;
    for n in 1..100 {
        app.deliver_mail(BOB, &format!("Burst {n}"), "").await;
    }
    for n in 0..400 {
        let change = if n % 2 == 0 {
            json!({"add": ["STARRED"]})
        } else {
            json!({"remove": ["STARRED"]})
        };
        assert_eq!(app.relabel(BOB, &first, change).await.status(), 200);
    }
    let current = app.profile_history_id(&token).await;

    let mut seen = Vec::new();
    let mut token_param = String::new();
    let mut pages = 0;
    loop {
        let page = history(
            &app,
            &token,
            &format!("startHistoryId={start}&maxResults=100{token_param}"),
        )
        .await;
        pages += 1;
        assert_eq!(page["historyId"], current.to_string());
        seen.extend(record_ids(&page));
        match page["nextPageToken"].as_str() {
            Some(next) => token_param = format!("&pageToken={next}"),
            None => break,
        }
    }
    assert_eq!(pages, 5);
    assert_eq!(seen.len(), 500);
    assert!(seen.windows(2).all(|w| w[1] > w[0]));
    assert_eq!(*seen.last().unwrap(), current);

    let default_page = history(&app, &token, &format!("startHistoryId={start}")).await;
    assert_eq!(record_ids(&default_page).len(), 100, "default 100");
    let next = default_page["nextPageToken"].as_str().unwrap();
    let capped = history(
        &app,
        &token,
        &format!("startHistoryId={start}&maxResults=1000"),
    )
    .await;
    assert_eq!(record_ids(&capped), seen, "at most 500 per page");
    assert!(capped.get("nextPageToken").is_none());

    // A page token belongs to its query; a bad maxResults is refused.
    for bad in [
        format!("history?startHistoryId={}&pageToken={next}", start + 1),
        format!("history?startHistoryId={start}&historyTypes=labelAdded&pageToken={next}"),
        format!("history?startHistoryId={start}&maxResults=0"),
    ] {
        let (reason, _) = google_error(app.gmail(&token, &bad).await, 400).await;
        assert_eq!(reason, "invalidArgument", "{bad}");
    }
}

#[tokio::test]
async fn messages_list_has_no_history_id_and_profile_has_the_current_one() {
    let app = spawn_app().await;
    let token = bob_token(&app).await;
    let list = app.gmail_json(&token, "messages?maxResults=2").await;
    assert!(list.get("historyId").is_none(), "{list}");
    assert!(list["messages"][0].get("historyId").is_none());
    let (id, delivered) = app.deliver_mail(BOB, "Profile", "").await;
    assert_eq!(app.profile_history_id(&token).await, delivered);
    let changed = app.relabel(BOB, &id, json!({"add": ["STARRED"]})).await;
    let changed: Value = changed.json().await.unwrap();
    let message = app.gmail_json(&token, &format!("messages/{id}")).await;
    assert_eq!(message["historyId"], changed["historyId"]);
    assert_eq!(
        app.profile_history_id(&token).await.to_string(),
        changed["historyId"].as_str().unwrap()
    );
}
