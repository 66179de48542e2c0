//! Speed by design, proved by counting requests at the emulator: a cold page of 50 is one list
//! call and one concurrent round of `messages.get`; a warm page is the list call alone.

use std::time::{Duration, Instant};

use common::config::Env;

use crate::helpers::*;

#[tokio::test]
async fn cold_page_is_one_list_and_one_round_of_gets_warm_page_is_one_list() {
    const LATENCY_MS: u64 = 400;
    let app = spawn_app_with(Env::default(), |config| {
        config.faults.latency_ms = LATENCY_MS;
    })
    .await;
    // The Google token is fetched once beforehand, so the timing below is Gmail's alone.
    app.count(CAROL).await;
    app.count(ALICE).await;

    let (lists, gets) = (
        app.emulator.count("gmail.messages.list"),
        app.emulator.count("gmail.messages.get"),
    );
    let started = Instant::now();
    let page = app.unread(ALICE, Some(50), None).await;
    let cold = started.elapsed();
    assert_eq!(page.messages.len(), 50);
    assert_eq!(app.emulator.count("gmail.messages.list"), lists + 1);
    assert_eq!(app.emulator.count("gmail.messages.get"), gets + 50);
    // Two round trips (list, then all gets at once): fewer than three, let alone 51.
    assert!(
        cold < Duration::from_millis(3 * LATENCY_MS),
        "cold page took {cold:?}"
    );
    assert!(cold >= Duration::from_millis(2 * LATENCY_MS));

    let started = Instant::now();
    let again = app.unread(ALICE, Some(50), None).await;
    let warm = started.elapsed();
    assert_eq!(again, page);
    assert_eq!(app.emulator.count("gmail.messages.list"), lists + 2);
    assert_eq!(app.emulator.count("gmail.messages.get"), gets + 50);
    assert!(
        warm < Duration::from_millis(2 * LATENCY_MS),
        "warm page took {warm:?}"
    );
}

#[tokio::test]
async fn opening_a_message_costs_one_get_and_warms_its_summary() {
    let app = spawn_app().await;
    let id = app
        .mailbox(BOB.1)
        .messages()
        .iter()
        .find(|m| m.is_unread())
        .unwrap()
        .id
        .clone();
    let gets = app.emulator.count("gmail.messages.get");
    app.message(BOB, &id).await;
    assert_eq!(app.emulator.count("gmail.messages.get"), gets + 1);
    let page = app.unread(BOB, Some(100), None).await;
    let listed = page.messages.len() as u64;
    // Every listed message but the opened one needed a get.
    assert_eq!(
        app.emulator.count("gmail.messages.get"),
        gets + 1 + listed - 1
    );
}
