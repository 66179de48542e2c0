//! The live inbox through the whole system: `GET /events` relays gmail-service's event stream
//! on the frontend's origin with the session cookie, follows new and read mail, and keeps
//! going when gmail-service ends its stream (as it does when the JWT expires), resuming after
//! the last id; the first inbox page carries the script and the count in its title.

use std::time::Duration;

use testkit::sse::EventStream;

use crate::stack::*;

const WAIT: Duration = Duration::from_secs(10);

async fn open(stack: &Stack, browser: &Browser) -> EventStream {
    let url = format!("{}/events", stack.base);
    let response = reqwest::Client::new()
        .get(&url)
        .header("cookie", browser.jar.header_for(&url))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(
        response.headers()["content-type"].to_str().unwrap(),
        "text/event-stream"
    );
    EventStream::new(response)
}

async fn deliver(stack: &Stack, subject: &str) -> String {
    stack
        .deliver(
            "alice@example.com",
            &format!(
                "From: Ann Example <ann@example.com>\r\nSubject: {subject}\r\n\r\nAbout {subject}.\r\n"
            ),
        )
        .await
}

#[tokio::test]
async fn the_page_stream_follows_new_mail_across_a_new_jwt() {
    let stack = spawn_stack().await;
    let mut browser = Browser::new();
    stack.login(&mut browser).await;
    let mut stream = open(&stack, &browser).await;
    let first = stream.next(WAIT).await.expect("the opening count");
    assert_eq!(first.event, "unread_count");

    let id = deliver(&stack, "first live one").await;
    let added = stream.next_named("unread_added", WAIT).await.unwrap();
    assert_eq!(added.json()["id"], id.as_str());
    let count = stream.next_named("unread_count", WAIT).await.unwrap();
    assert_eq!(
        count.json()["unread"].as_u64().unwrap(),
        first.json()["unread"].as_u64().unwrap() + 1
    );

    // Revoking the account's tokens ends gmail-service's stream (as the JWT's expiry does);
    // the frontend mints a new JWT and reopens it after the last id: the page's stream goes on.
    let (page, _) = browser
        .post(&format!("{}/api-tokens/revoke", stack.base), &stack.base)
        .await;
    assert_eq!(page.status(), 200);
    tokio::time::sleep(Duration::from_secs(3)).await;
    let id = deliver(&stack, "after the new jwt").await;
    let added = stream.next_named("unread_added", WAIT).await.unwrap();
    assert_eq!(added.json()["id"], id.as_str());
    assert_eq!(added.json()["subject"], "after the new jwt");
}

#[tokio::test]
async fn the_stream_needs_a_session_and_ends_with_it() {
    let stack = spawn_stack().await;
    let response = reqwest::get(format!("{}/events", stack.base))
        .await
        .unwrap();
    assert_eq!(response.status(), 401);
    let mut browser = Browser::new();
    stack.login(&mut browser).await;
    let mut stream = open(&stack, &browser).await;
    stream.next(WAIT).await.unwrap();
    browser
        .post(&format!("{}/oauth/logout", stack.base), &stack.base)
        .await;
    assert!(
        stream.ends_within(WAIT).await,
        "the stream outlived the session"
    );
}

#[tokio::test]
async fn the_first_inbox_page_is_live_and_says_the_count_in_its_title() {
    let stack = spawn_stack().await;
    let mut browser = Browser::new();
    let inbox = stack.login(&mut browser).await;
    let count = inbox
        .split("id=\"unread-count\">")
        .nth(1)
        .and_then(|rest| rest.split('<').next())
        .unwrap()
        .to_owned();
    assert!(
        inbox.contains(&format!("<title>({count}) gmail-unread</title>")),
        "{inbox:.400}"
    );
    assert!(inbox.contains("<script src=\"/static/live.js\" defer></script>"));
    assert!(inbox.contains("data-live=\"1\""));
    assert!(inbox.contains("aria-live=\"polite\""));
    // Later pages stay as rendered: new mail belongs on the first.
    let older = inbox
        .split("id=\"older\"")
        .next()
        .and_then(|before| before.rsplit("href=\"").next())
        .and_then(|href| href.split('"').next())
        .unwrap()
        .replace("&amp;", "&");
    let (page, _) = browser.get(&format!("{}{older}", stack.base)).await;
    let html = page.text().await.unwrap();
    assert!(html.contains("id=\"messages\""));
    assert!(!html.contains("live.js") && !html.contains("data-live"));
    let script = reqwest::get(format!("{}/static/live.js", stack.base))
        .await
        .unwrap();
    assert_eq!(script.status(), 200);
    let script = script.text().await.unwrap();
    assert!(script.contains(
        "new EventSource(email ? '/events?account=' + encodeURIComponent(email) : '/events')"
    ));
}
