//! The invariants of ARCHITECTURE.md that hold the system's boundaries, proven through the
//! whole system in this process:
//! - refresh tokens never leave auth-service (no answer, no page, nothing in Redis in the clear);
//! - the frontend keeps no state (a session made through one frontend works through another);
//! - only gmail-service calls Gmail (every Gmail request the emulator saw is one gmail-service
//!   counted as its own).

use testkit::redis_dump::values_under;

use crate::stack::{Browser, GMAIL_SERVICE_CREDENTIAL, Stack, spawn_stack};

/// The first message link of an inbox page.
fn first_message_path(inbox: &str) -> String {
    let start = inbox
        .find("href=\"/messages/")
        .expect("no message link in the inbox")
        + 6;
    let end = start + inbox[start..].find('"').unwrap();
    inbox[start..end].to_owned()
}

/// Every refresh token the emulator has handed out so far.
fn refresh_tokens(stack: &Stack) -> Vec<String> {
    stack
        .emulator
        .state
        .with_store(|s| s.refresh_tokens.keys().cloned().collect())
}

async fn expire_google_access_tokens(stack: &Stack) {
    let response = reqwest::Client::new()
        .post(format!("{}/emulator/tokens/expire", stack.emulator.url))
        .send()
        .await
        .unwrap();
    assert!(response.status().is_success());
}

/// `POST url` with the browser's cookies, as the frontend calls auth-service; status and body.
async fn post_with_cookies(browser: &Browser, url: &str, origin: &str) -> (u16, String) {
    let response = reqwest::Client::new()
        .post(url)
        .header("cookie", browser.jar.header_for(url))
        .header("origin", origin)
        .send()
        .await
        .unwrap();
    (response.status().as_u16(), response.text().await.unwrap())
}

#[tokio::test]
async fn refresh_tokens_never_leave_auth_service() {
    let stack = spawn_stack().await;
    let mut browser = Browser::new();
    let mut seen = vec![stack.login(&mut browser).await];
    // Everything a person, a developer or gmail-service can get from auth-service or the pages.
    let message = first_message_path(&seen[0]);
    let (page, _) = browser.get(&format!("{}{message}", stack.base)).await;
    seen.push(page.text().await.unwrap());
    let (page, _) = browser
        .post(&format!("{}/api-token", stack.base), &stack.base)
        .await;
    seen.push(page.text().await.unwrap());
    let (status, session_answer) = post_with_cookies(
        &browser,
        &format!("{}/v1/session/token", stack.auth),
        &stack.base,
    )
    .await;
    assert_eq!(status, 200, "{session_answer}");
    let jwt = serde_json::from_str::<serde_json::Value>(&session_answer).unwrap()["access_token"]
        .as_str()
        .unwrap()
        .to_owned();
    seen.push(session_answer);
    let internal = reqwest::Client::new()
        .post(format!(
            "{}/internal/google-access-token",
            stack.auth_internal
        ))
        .header("x-service-credential", GMAIL_SERVICE_CREDENTIAL)
        .bearer_auth(&jwt)
        .json(&serde_json::json!({}))
        .send()
        .await
        .unwrap();
    assert_eq!(internal.status(), 200);
    seen.push(internal.text().await.unwrap());
    // A refresh (Google's access token expired): its answers too.
    expire_google_access_tokens(&stack).await;
    let (page, _) = browser.get(&format!("{}/", stack.base)).await;
    assert_eq!(page.status(), 200);
    seen.push(page.text().await.unwrap());
    seen.push(browser.jar.header());

    let issued = refresh_tokens(&stack);
    assert!(!issued.is_empty(), "the emulator issued no refresh token");
    for token in &issued {
        for (index, text) in seen.iter().enumerate() {
            assert!(
                !text.contains(token.as_str()),
                "answer {index} carries a refresh token"
            );
        }
    }
    let redis_url = stack.shared_env.get("REDIS_URL").unwrap();
    let prefix = stack.shared_env.get("REDIS_KEY_PREFIX").unwrap();
    let stored = values_under(redis_url, prefix).await;
    assert!(
        stored.iter().any(|(key, _)| key.contains(":tokens")),
        "the account's token record is not where the test looks: {:?}",
        stored.iter().map(|(k, _)| k).collect::<Vec<_>>()
    );
    for token in &issued {
        for (key, value) in &stored {
            assert!(
                !value
                    .windows(token.len())
                    .any(|window| window == token.as_bytes()),
                "{key} holds a refresh token in the clear"
            );
        }
    }
}

#[tokio::test]
async fn the_frontend_keeps_no_state() {
    let stack = spawn_stack().await;
    let mut browser = Browser::new();
    let inbox = stack.login(&mut browser).await;
    assert!(inbox.contains("Unread"), "{inbox}");
    // A second frontend, sharing nothing with the first but the services behind it.
    let env = common::config::Env::default()
        .with("LISTEN_ADDR", "127.0.0.1:0")
        .with("AUTH_SERVICE_URL", stack.auth.clone())
        .with("GMAIL_SERVICE_URL", stack.gmail.clone())
        .with("GMAIL_PUBLIC_URL", stack.gmail.clone());
    let other = frontend::startup::Application::build(
        frontend::configuration::Settings::from_env(&env).unwrap(),
    )
    .await
    .unwrap();
    let other_base = format!("http://127.0.0.1:{}", other.port());
    tokio::spawn(other.run_until_stopped());

    // Cookies belong to the host, not the port: the browser sends its session to both.
    let (page, url) = browser.get(&format!("{other_base}/")).await;
    assert_eq!(url, format!("{other_base}/"));
    assert_eq!(page.status(), 200);
    let page = page.text().await.unwrap();
    let message = first_message_path(&inbox);
    assert!(
        page.contains(&format!("href=\"{message}\"")),
        "the other frontend does not show the same inbox"
    );
    let (page, _) = browser.get(&format!("{other_base}{message}")).await;
    assert_eq!(page.status(), 200);
    // And a browser without the session sees the connect page there.
    let (page, _) = Browser::new().get(&format!("{other_base}/")).await;
    let page = page.text().await.unwrap();
    assert!(
        !page.contains(&format!("href=\"{message}\"")),
        "a browser without a session saw the inbox"
    );
}

/// Gmail requests that gmail-service counted as its own (`gmail_api_calls_total`).
async fn gmail_calls_counted_by_gmail_service(stack: &Stack) -> u64 {
    let metrics = reqwest::get(format!("{}/metrics", stack.gmail))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    metrics
        .lines()
        .filter(|line| line.starts_with("gmail_api_calls_total{"))
        .filter_map(|line| line.rsplit(' ').next()?.parse::<f64>().ok())
        .sum::<f64>() as u64
}

/// Gmail requests the emulator saw (every kind `gmail.*`).
fn gmail_requests_seen_by_gmail(stack: &Stack) -> u64 {
    stack
        .emulator
        .state
        .counts()
        .iter()
        .filter(|(kind, _)| kind.starts_with("gmail."))
        .map(|(_, count)| *count)
        .sum()
}

#[tokio::test]
async fn only_gmail_service_calls_gmail() {
    let stack = spawn_stack().await;
    let before = gmail_requests_seen_by_gmail(&stack);
    let mut browser = Browser::new();
    // Everything the system does: log in, read, open, mint, refresh, revoke, log out.
    let inbox = stack.login(&mut browser).await;
    let message = first_message_path(&inbox);
    browser.get(&format!("{}{message}", stack.base)).await;
    browser
        .post(&format!("{}/api-token", stack.base), &stack.base)
        .await;
    expire_google_access_tokens(&stack).await;
    browser.get(&format!("{}/", stack.base)).await;
    browser
        .post(&format!("{}/api-tokens/revoke", stack.base), &stack.base)
        .await;
    browser
        .post(&format!("{}/oauth/logout", stack.base), &stack.base)
        .await;

    let seen = gmail_requests_seen_by_gmail(&stack) - before;
    let made_by_gmail_service = gmail_calls_counted_by_gmail_service(&stack).await;
    assert!(seen > 0, "the journey reached Gmail not at all");
    assert_eq!(
        seen, made_by_gmail_service,
        "Gmail saw {seen} requests; gmail-service made {made_by_gmail_service}: another service calls Gmail"
    );
}
