//! `GET /v1/messages/unread` and `GET /v1/unread-count` against the emulator's demo mailboxes.

use std::collections::BTreeSet;

use chrono::DateTime;
use contract::gmail::{MessageSummary, UnreadQuery};
use google_emulator::mailbox::StoredMessage;

use crate::helpers::*;

/// The unread messages Gmail lists (`is:unread` leaves spam and trash out), newest first.
fn expected_unread<'a>(app: &'a TestApp, email: &str) -> Vec<&'a StoredMessage> {
    app.mailbox(email)
        .messages()
        .iter()
        .filter(|m| m.is_unread() && !m.has_label("SPAM") && !m.has_label("TRASH"))
        .collect()
}

fn check_summary(listed: &MessageSummary, stored: &StoredMessage) {
    let spec = &stored.spec;
    let context = format!("{} {:?}", stored.id, spec.subject);
    assert_eq!(listed.id, stored.id);
    assert_eq!(listed.thread_id, stored.thread_id, "{context}");
    assert_eq!(listed.from.email, spec.from_email, "{context}");
    assert_eq!(listed.from.name, spec.from_name, "{context}");
    assert_eq!(listed.subject, spec.subject, "{context}");
    let date = DateTime::parse_from_rfc3339(&listed.date).unwrap();
    assert_eq!(date, spec.date, "{context}");
    assert_eq!(listed.labels, stored.label_ids, "{context}");
    let snippet = listed.snippet.as_str();
    let collapsed: String = spec
        .expected_text
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    assert!(collapsed.starts_with(snippet), "{context}: {snippet:?}");
}

#[tokio::test]
async fn paging_returns_every_unread_message_exactly_once_in_order() {
    let app = spawn_app().await;
    let expected = expected_unread(&app, ALICE.1);
    assert!(expected.len() >= 60);
    for limit in [7, 50, 100] {
        let listed = app.all_unread(ALICE, limit).await;
        let ids: Vec<&str> = listed.iter().map(|m| m.id.as_str()).collect();
        let unique: BTreeSet<&str> = ids.iter().copied().collect();
        assert_eq!(unique.len(), ids.len(), "limit {limit}: a message twice");
        let expected_ids: Vec<&str> = expected.iter().map(|m| m.id.as_str()).collect();
        assert_eq!(ids, expected_ids, "limit {limit}");
        for (listed, stored) in listed.iter().zip(&expected) {
            check_summary(listed, stored);
        }
        // Gmail's snippets are HTML-escaped (`&#39;`); ours are not.
        assert!(listed.iter().any(|m| m.snippet.as_str().contains('\'')));
    }
}

#[tokio::test]
async fn the_page_reports_gmails_estimate_and_the_last_page_has_no_token() {
    let app = spawn_app().await;
    let expected = expected_unread(&app, BOB.1);
    let page = app.unread(BOB, None, None).await;
    assert_eq!(page.result_size_estimate, expected.len() as u64);
    assert_eq!(page.messages.len(), expected.len().min(50));
    assert!(page.next_page_token.is_none());
    let first = app.unread(BOB, Some(2), None).await;
    assert_eq!(first.messages.len(), 2);
    assert!(first.next_page_token.is_some());
}

#[tokio::test]
async fn with_positions_each_message_has_the_token_that_goes_on_right_after_it() {
    let app = spawn_app().await;
    let expected = expected_unread(&app, ALICE.1);
    let jwt = app.auth.jwt(ALICE);
    let client = app.client();
    let query = |token: Option<&str>| UnreadQuery::new(10, token).with_positions();
    let first = client.unread(&jwt, &query(None)).await.unwrap();
    let tokens = first
        .tokens_after
        .clone()
        .expect("tokens_after was asked for");
    assert_eq!(tokens.len(), first.messages.len());
    // The last one is where the next page starts.
    assert_eq!(tokens.last(), first.next_page_token.as_ref());
    for (n, token) in tokens.iter().enumerate() {
        let page = client.unread(&jwt, &query(Some(token))).await.unwrap();
        let ids: Vec<&str> = page.messages.iter().map(|m| m.id.as_str()).collect();
        let want: Vec<&str> = expected[n + 1..]
            .iter()
            .take(10)
            .map(|m| m.id.as_str())
            .collect();
        assert_eq!(ids, want, "the page after message {n}");
    }
    // Not asked: not there.
    let plain = app.unread(ALICE, Some(10), None).await;
    assert!(plain.tokens_after.is_none());
    let raw = app.get_as(&jwt, "/v1/messages/unread?limit=3").await;
    let body: serde_json::Value = raw.json().await.unwrap();
    assert!(body.get("tokens_after").is_none());
    // Anything but a boolean is a bad request.
    let bad = app
        .get_as(&jwt, "/v1/messages/unread?positions=maybe")
        .await;
    assert_eq!(bad.status(), 400);
}

#[tokio::test]
async fn an_empty_mailbox_is_an_empty_list() {
    let app = spawn_app().await;
    let page = app.unread(CAROL, None, None).await;
    assert!(page.messages.is_empty());
    assert!(page.next_page_token.is_none());
    assert_eq!(page.result_size_estimate, 0);
    assert_eq!(app.count(CAROL).await, 0);
}

#[tokio::test]
async fn the_unread_count_is_what_the_unread_list_holds() {
    let app = spawn_app().await;
    for account in [ALICE, BOB] {
        let mailbox = app.mailbox(account.1);
        let in_spam_or_trash = mailbox
            .messages()
            .iter()
            .filter(|m| m.is_unread() && (m.has_label("SPAM") || m.has_label("TRASH")))
            .count();
        let count = app.count(account).await;
        let before = app.emulator.count("gmail.history.list") + app.emulator.count("gmail.profile");
        let listed = app.all_unread(account, 100).await;
        // Both from the same fresh mirror: the pages called Google no more.
        assert_eq!(
            app.emulator.count("gmail.history.list") + app.emulator.count("gmail.profile"),
            before
        );
        assert_eq!(count, listed.len() as u64, "{}", account.1);
        assert_eq!(count as usize, expected_unread(&app, account.1).len());
        if account == ALICE {
            // The demo account has unread spam and trash, which the UNREAD label counts.
            assert!(in_spam_or_trash > 0);
        }
    }
}

#[tokio::test]
async fn bad_paging_parameters_are_400_problems() {
    let app = spawn_app().await;
    let jwt = app.auth.jwt(BOB);
    for query in [
        "limit=0",
        "limit=101",
        "limit=-1",
        "limit=abc",
        "limit=1.5",
        "limit=99999999999999999999",
        "limit=1&limit=2",
        "page_token=",
        "unknown=1",
    ] {
        let response = app
            .get_as(&jwt, &format!("/v1/messages/unread?{query}"))
            .await;
        assert_problem(response, 400, ProblemCode::BadRequest).await;
    }
    let long = "a".repeat(2000);
    let response = app
        .get_as(&jwt, &format!("/v1/messages/unread?page_token={long}"))
        .await;
    assert_problem(response, 400, ProblemCode::BadRequest).await;
    // Tokens Gmail does not know: Gmail's 400 becomes ours, which says what was wrong.
    for token in ["bm90LWEtdG9rZW4", "AAAA"] {
        let response = app
            .get_as(
                &jwt,
                &format!("/v1/messages/unread?page_token={}", encode(token)),
            )
            .await;
        let body = assert_problem(response, 400, ProblemCode::BadRequest).await;
        assert!(
            body["detail"].as_str().unwrap().contains("page_token"),
            "{body}"
        );
    }
}
