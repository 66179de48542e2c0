//! Speed by design, proved by counting requests at the emulator: a cold page syncs the
//! account's mirror in full (getProfile, messages.list, then one concurrent round of
//! `messages.get`); a warm page makes no Google call at all; a stale one makes one
//! `history.list`, plus one `messages.get` per message that arrived.

use common::config::Env;

use crate::helpers::*;

/// Google calls the emulator has seen, by kind.
fn calls(app: &TestApp) -> [u64; 4] {
    [
        "gmail.profile",
        "gmail.messages.list",
        "gmail.messages.get",
        "gmail.history.list",
    ]
    .map(|kind| app.emulator.count(kind))
}

#[tokio::test]
async fn cold_page_is_one_full_sync_warm_page_makes_no_google_call() {
    let app = spawn_app().await;
    let unread = app.listed_unread(ALICE.1).len() as u64;
    assert!(unread > 50 && unread <= 100, "{unread}");

    let [profiles, lists, gets, histories] = calls(&app);
    let page = app.unread(ALICE, Some(50), None).await;
    assert_eq!(page.messages.len(), 50);
    assert_eq!(
        calls(&app),
        [profiles + 1, lists + 1, gets + unread, histories]
    );
    let again = app.unread(ALICE, Some(50), None).await;
    assert_eq!(again.messages, page.messages);
    assert_eq!(again.synced_at, page.synced_at);
    assert_eq!(
        calls(&app),
        [profiles + 1, lists + 1, gets + unread, histories],
        "a warm page called Google"
    );
}

#[tokio::test]
async fn a_stale_page_makes_one_history_call_and_reads_only_what_arrived() {
    let app = spawn_app_with(Env::default().with("SYNC_MAX_AGE_SECS", "0"), |_| {}).await;
    app.unread(BOB, Some(5), None).await;
    let [profiles, lists, gets, histories] = calls(&app);
    let id = app
        .deliver(
            BOB.1,
            "From: Ann <ann@example.com>\r\nSubject: fresh\r\n\r\nnew mail\r\n",
        )
        .await;
    let page = app.unread(BOB, Some(5), None).await;
    assert_eq!(page.messages[0].id, id);
    assert_eq!(calls(&app), [profiles, lists, gets + 1, histories + 1]);
}

#[tokio::test]
async fn opening_a_message_costs_one_get_and_no_page_call() {
    let app = spawn_app().await;
    let id = app
        .mailbox(BOB.1)
        .messages()
        .iter()
        .find(|m| m.is_unread())
        .unwrap()
        .id
        .clone();
    app.unread(BOB, Some(100), None).await;
    let [profiles, lists, gets, histories] = calls(&app);
    app.message(BOB, &id).await;
    assert_eq!(calls(&app), [profiles, lists, gets + 1, histories]);
}
