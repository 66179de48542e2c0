//! The unread mirror (`src/mirror.rs`, `src/sync.rs`) against the emulator over real HTTP with
//! a real Redis: a fresh mirror answers with no Google call; a stale one follows Gmail's
//! history (deliveries, mail read, archived, moved to spam or trash elsewhere, a burst of
//! changes over several history pages, a message deleted); a history id Gmail no longer has
//! falls back to a full sync; a cold sync stays within Gmail's concurrent requests per user;
//! paging stays stable while mail arrives; two replicas sync an account once.

use std::collections::BTreeSet;

use common::config::Env;
use testkit::unique_prefix;

use crate::helpers::*;

/// Every read syncs first (a stale mirror at each request).
fn syncing() -> Env {
    Env::default().with("SYNC_MAX_AGE_SECS", "0")
}

async fn listed_ids(app: &TestApp, account: (&str, &str)) -> Vec<String> {
    app.all_unread(account, 100)
        .await
        .into_iter()
        .map(|m| m.id)
        .collect()
}

fn mail(subject: &str) -> String {
    format!("From: Ann Example <ann@example.com>\r\nSubject: {subject}\r\n\r\nAbout {subject}.\r\n")
}

/// Google calls of every kind the emulator counts.
fn google_calls(app: &TestApp) -> u64 {
    app.emulator
        .state
        .counts()
        .iter()
        .filter(|(kind, _)| kind.starts_with("gmail."))
        .map(|(_, n)| *n)
        .sum()
}

#[tokio::test]
async fn a_fresh_mirror_answers_pages_and_counts_with_no_google_call() {
    let app = spawn_app().await;
    let first = app.unread(ALICE, Some(10), None).await;
    let calls = google_calls(&app);
    let again = app.unread(ALICE, Some(10), None).await;
    let next = app
        .unread(ALICE, Some(10), first.next_page_token.as_deref())
        .await;
    let count = app.count(ALICE).await;
    assert_eq!(google_calls(&app), calls, "a fresh page called Google");
    assert_eq!(again, first);
    assert_eq!(next.synced_at, first.synced_at);
    assert_eq!(count, first.result_size_estimate);
    // Mail that arrives now shows once the mirror is older than SYNC_MAX_AGE_SECS (30 s):
    // until then the answer says how old it is.
    app.deliver(ALICE.1, &mail("later")).await;
    assert_eq!(app.count(ALICE).await, count);
    assert_eq!(google_calls(&app), calls);
}

#[tokio::test]
async fn mail_delivered_read_archived_or_moved_elsewhere_is_followed() {
    let app = spawn_app_with(syncing(), |_| {}).await;
    assert_eq!(listed_ids(&app, BOB).await, app.listed_unread(BOB.1));
    let before = app.count(BOB).await;

    let new = app.deliver(BOB.1, &mail("news")).await;
    let page = app.unread(BOB, Some(3), None).await;
    assert_eq!(page.messages[0].id, new);
    assert_eq!(page.messages[0].subject, "news");
    assert_eq!(page.messages[0].from.name.as_deref(), Some("Ann Example"));
    assert_eq!(app.count(BOB).await, before + 1);

    // Archived elsewhere: still unread, listed without INBOX.
    app.relabel(BOB.1, &new, &[], &["INBOX"]).await;
    let page = app.unread(BOB, Some(3), None).await;
    assert_eq!(page.messages[0].id, new);
    assert!(!page.messages[0].labels.iter().any(|l| l == "INBOX"));

    // Read elsewhere: gone, and the count follows.
    app.relabel(BOB.1, &new, &[], &["UNREAD"]).await;
    assert!(!listed_ids(&app, BOB).await.contains(&new));
    assert_eq!(app.count(BOB).await, before);

    // Marked unread again: back, at its date's place.
    app.relabel(BOB.1, &new, &["UNREAD"], &[]).await;
    assert_eq!(listed_ids(&app, BOB).await, app.listed_unread(BOB.1));

    // Moved to spam, then to trash, then back to the inbox.
    let victim = app.listed_unread(BOB.1)[1].clone();
    app.relabel(BOB.1, &victim, &["SPAM"], &["INBOX"]).await;
    assert!(!listed_ids(&app, BOB).await.contains(&victim));
    app.relabel(BOB.1, &victim, &["TRASH"], &["SPAM"]).await;
    assert!(!listed_ids(&app, BOB).await.contains(&victim));
    app.relabel(BOB.1, &victim, &["INBOX"], &["TRASH"]).await;
    let listed = listed_ids(&app, BOB).await;
    assert!(listed.contains(&victim));
    assert_eq!(listed, app.listed_unread(BOB.1));
    assert_eq!(app.count(BOB).await, listed.len() as u64);
}

#[tokio::test]
async fn a_burst_of_changes_over_several_history_pages_is_applied_once() {
    let app = spawn_app_with(syncing(), |_| {}).await;
    app.count(CAROL).await;
    let (histories, gets) = (
        app.emulator.count("gmail.history.list"),
        app.emulator.count("gmail.messages.get"),
    );
    // 600 changes: 400 deliveries, then 200 of them read.
    let mut delivered = Vec::new();
    for n in 0..400 {
        delivered.push(app.deliver(CAROL.1, &mail(&format!("burst {n}"))).await);
    }
    for id in delivered.iter().step_by(2) {
        app.relabel(CAROL.1, id, &[], &["UNREAD"]).await;
    }
    let count = app.count(CAROL).await;
    // Two history pages (500 records at most each) and one get per message still unread:
    // the read ones are never fetched.
    assert_eq!(app.emulator.count("gmail.history.list"), histories + 2);
    assert_eq!(app.emulator.count("gmail.messages.get"), gets + 200);
    assert_eq!(count, 200);
    let listed = listed_ids(&app, CAROL).await;
    assert_eq!(listed, app.listed_unread(CAROL.1));
    let unique: BTreeSet<&String> = listed.iter().collect();
    assert_eq!(unique.len(), 200);
}

#[tokio::test]
async fn a_history_id_gmail_no_longer_has_falls_back_to_a_full_sync() {
    let app = spawn_app_with(syncing(), |_| {}).await;
    let before = listed_ids(&app, BOB).await;
    let new = app.deliver(BOB.1, &mail("while away")).await;
    // As after a week away: Gmail keeps no history from before now (the emulator's control).
    app.emulator_post("/emulator/accounts/bob@example.com/history/forget")
        .await;
    let (profiles, lists, gets) = (
        app.emulator.count("gmail.profile"),
        app.emulator.count("gmail.messages.list"),
        app.emulator.count("gmail.messages.get"),
    );
    let after = listed_ids(&app, BOB).await;
    assert_eq!(after[0], new);
    assert_eq!(after[1..], before[..]);
    // A full sync: the profile and the list again, but only the new message is read.
    assert_eq!(app.emulator.count("gmail.profile"), profiles + 1);
    assert_eq!(app.emulator.count("gmail.messages.list"), lists + 1);
    assert_eq!(app.emulator.count("gmail.messages.get"), gets + 1);
}

#[tokio::test]
async fn a_message_deleted_elsewhere_leaves() {
    let app = spawn_app_with(syncing(), |_| {}).await;
    let before = listed_ids(&app, BOB).await;
    let victim = before[2].clone();
    let response = app
        .http
        .delete(format!(
            "{}/emulator/accounts/{}/messages/{victim}",
            app.emulator.url, BOB.1
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let gets = app.emulator.count("gmail.messages.get");
    let after = listed_ids(&app, BOB).await;
    assert_eq!(after.len(), before.len() - 1);
    assert!(!after.contains(&victim));
    assert_eq!(after, app.listed_unread(BOB.1));
    // History said it was deleted: nothing to read.
    assert_eq!(app.emulator.count("gmail.messages.get"), gets);
}

#[tokio::test]
async fn a_cold_sync_stays_within_gmails_concurrent_requests_per_user() {
    // Gmail refuses more than some number of one user's requests at once (unpublished; the
    // emulator at 10): the full sync's fan-out (GMAIL_GET_CONCURRENCY, default 10) stays
    // within it, so a cold page of a mailbox with 60+ unread messages meets no 429.
    let app = spawn_app_with(Env::default(), |config| {
        config.max_concurrent_per_user = Some(10);
        config.faults.latency_ms = 20;
    })
    .await;
    let listed = listed_ids(&app, ALICE).await;
    assert!(listed.len() > 50);
    assert_eq!(listed, app.listed_unread(ALICE.1));
    assert_eq!(app.emulator.count("gmail.concurrent_rejected"), 0);
    // A fan-out of 50 meets the limit: Gmail refuses calls, and the page may be a 429.
    let eager = spawn_app_with(
        Env::default()
            .with("GMAIL_GET_CONCURRENCY", "50")
            .with("GMAIL_MAX_CONCURRENT_PER_ACCOUNT", "0"),
        |config| {
            config.max_concurrent_per_user = Some(10);
            config.faults.latency_ms = 20;
        },
    )
    .await;
    let status = eager
        .get_as(&eager.auth.jwt(ALICE), "/v1/messages/unread")
        .await
        .status();
    assert!(status == 200 || status == 429, "{status}");
    assert!(eager.emulator.count("gmail.concurrent_rejected") > 0);
}

/// Two replicas opening one account's messages at once, the emulator refusing more than 4 of
/// its calls in flight: with `GMAIL_MAX_CONCURRENT_PER_ACCOUNT` 4 (kept in Redis, shared by
/// both) Gmail refuses none; with no bound it refuses some.
#[tokio::test]
async fn message_opens_on_two_replicas_stay_within_gmails_concurrent_requests_per_user() {
    for bound in ["4", "0"] {
        let shared = Env::default()
            .with("REDIS_KEY_PREFIX", unique_prefix())
            .with("GMAIL_MAX_CONCURRENT_PER_ACCOUNT", bound)
            // One attempt: a refusal is not hidden by a retry.
            .with("GMAIL_MAX_ATTEMPTS", "1");
        let app = spawn_app_with(shared.clone(), |config| {
            config.max_concurrent_per_user = Some(4);
            config.faults.latency_ms = 30;
        })
        .await;
        let replica = spawn_service(app.auth.env().merged(shared).with(
            "GMAIL_API_BASE",
            format!("{}/gmail/v1/users/me", app.emulator.url),
        ))
        .await;
        let jwt = app.auth.jwt(ALICE);
        let ids: Vec<String> = app.listed_unread(ALICE.1).into_iter().take(24).collect();
        let http = reqwest::Client::new();
        let opens = ids.iter().enumerate().map(|(n, id)| {
            let base = if n % 2 == 0 { &app.address } else { &replica };
            http.get(format!("{base}/v1/messages/{id}"))
                .bearer_auth(&jwt)
                .send()
        });
        let statuses: Vec<u16> = futures_util::future::join_all(opens)
            .await
            .into_iter()
            .map(|r| r.unwrap().status().as_u16())
            .collect();
        let rejected = app.emulator.count("gmail.concurrent_rejected");
        if bound == "4" {
            assert!(statuses.iter().all(|s| *s == 200), "{statuses:?}");
            assert_eq!(rejected, 0);
            assert_eq!(app.emulator.count("gmail.messages.get"), 24);
        } else {
            assert!(
                rejected > 0,
                "without a bound Gmail should refuse some: {statuses:?}"
            );
        }
    }
}

#[tokio::test]
async fn paging_stays_stable_while_mail_arrives() {
    let app = spawn_app_with(syncing(), |_| {}).await;
    let original = listed_ids(&app, ALICE).await;
    let first = app.unread(ALICE, Some(7), None).await;
    for n in 0..3 {
        app.deliver(ALICE.1, &mail(&format!("meanwhile {n}"))).await;
    }
    let second = app
        .unread(ALICE, Some(7), first.next_page_token.as_deref())
        .await;
    let paged: Vec<&str> = first
        .messages
        .iter()
        .chain(&second.messages)
        .map(|m| m.id.as_str())
        .collect();
    let expected: Vec<&str> = original.iter().take(14).map(String::as_str).collect();
    assert_eq!(paged, expected, "a page repeated or skipped a message");
    assert_eq!(second.result_size_estimate, original.len() as u64 + 3);
}

#[tokio::test]
async fn the_mirror_holds_the_newest_sync_max_messages() {
    let app = spawn_app_with(syncing().with("SYNC_MAX_MESSAGES", "10"), |_| {}).await;
    let gets = app.emulator.count("gmail.messages.get");
    let listed = listed_ids(&app, ALICE).await;
    assert_eq!(listed, app.listed_unread(ALICE.1)[..10]);
    assert_eq!(app.emulator.count("gmail.messages.get"), gets + 10);
    let new = app.deliver(ALICE.1, &mail("newest")).await;
    let listed = listed_ids(&app, ALICE).await;
    assert_eq!(listed.len(), 10);
    assert_eq!(listed, app.listed_unread(ALICE.1)[..10]);
    assert_eq!(listed[0], new);
    assert_eq!(app.count(ALICE).await, 10);
}

#[tokio::test]
async fn two_replicas_sync_a_stale_account_once() {
    let prefix = unique_prefix();
    let shared = syncing().with("REDIS_KEY_PREFIX", &prefix);
    let app = spawn_app_with(shared.clone(), |_| {}).await;
    let replica = spawn_service(app.auth.env().merged(shared).with(
        "GMAIL_API_BASE",
        format!("{}/gmail/v1/users/me", app.emulator.url),
    ))
    .await;
    app.count(BOB).await;
    app.put_faults(serde_json::json!({"latency_ms": 300})).await;
    let histories = app.emulator.count("gmail.history.list");
    let jwt = app.auth.jwt(BOB);
    let http = reqwest::Client::new();
    let requests = (0..12).map(|n| {
        let base = if n % 2 == 0 { &app.address } else { &replica };
        http.get(format!("{base}/v1/unread-count"))
            .bearer_auth(&jwt)
            .send()
    });
    let statuses: Vec<u16> = futures_util::future::join_all(requests)
        .await
        .into_iter()
        .map(|r| r.unwrap().status().as_u16())
        .collect();
    assert!(statuses.iter().all(|s| *s == 200), "{statuses:?}");
    // Twelve stale reads on two replicas: one sync (a request that came late may start a
    // second), not twelve.
    let made = app.emulator.count("gmail.history.list") - histories;
    assert!((1..=2).contains(&made), "{made} history calls");
}
