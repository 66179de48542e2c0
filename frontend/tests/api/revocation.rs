//! API tokens can be revoked (issue "Close the trust boundaries", finding 8), through the whole
//! system: a token handed out before a logout, or before "Revoke all my API tokens", is refused
//! by gmail-service at once, and stays refused after the account logs in again.

use crate::stack::{Browser, Stack, spawn_stack};

/// Creates an API token on the page and returns it.
async fn create_api_token(stack: &Stack, browser: &mut Browser) -> String {
    let (page, _) = browser
        .post(&format!("{}/api-token", stack.base), &stack.base)
        .await;
    assert_eq!(page.status(), 200);
    let html = page.text().await.unwrap();
    let start = html.find("id=\"token\" readonly rows=\"4\">").unwrap();
    let rest = &html[start..];
    let token = &rest[rest.find('>').unwrap() + 1..rest.find("</textarea>").unwrap()];
    token.to_owned()
}

/// The status gmail-service answers an unread-page request with `token`.
async fn gmail_status(stack: &Stack, token: &str) -> u16 {
    reqwest::Client::new()
        .get(format!("{}/v1/messages/unread?limit=1", stack.gmail))
        .bearer_auth(token)
        .send()
        .await
        .unwrap()
        .status()
        .as_u16()
}

#[tokio::test]
async fn an_api_token_from_before_a_logout_stays_refused_after_logging_in_again() {
    let stack = spawn_stack().await;
    let mut browser = Browser::new();
    stack.login(&mut browser).await;
    let token = create_api_token(&stack, &mut browser).await;
    assert_eq!(gmail_status(&stack, &token).await, 200);
    let (_, url) = browser
        .post(&format!("{}/oauth/logout", stack.base), &stack.base)
        .await;
    assert_eq!(url, format!("{}/", stack.base));
    assert_eq!(gmail_status(&stack, &token).await, 401);
    let mut again = Browser::new();
    stack.login(&mut again).await;
    assert_eq!(
        gmail_status(&stack, &token).await,
        401,
        "the old token came back to life with the new login"
    );
    let fresh = create_api_token(&stack, &mut again).await;
    assert_eq!(gmail_status(&stack, &fresh).await, 200);
}

#[tokio::test]
async fn revoke_all_my_api_tokens_refuses_earlier_tokens_and_keeps_the_page_working() {
    let stack = spawn_stack().await;
    let mut browser = Browser::new();
    let inbox = stack.login(&mut browser).await;
    assert!(inbox.contains("id=\"revoke-tokens\""), "no revoke button");
    let first = create_api_token(&stack, &mut browser).await;
    let second = create_api_token(&stack, &mut browser).await;
    // Cross-site: refused with a page, nothing revoked.
    let (refused, _) = browser
        .post(
            &format!("{}/api-tokens/revoke", stack.base),
            "https://evil.example",
        )
        .await;
    assert_eq!(refused.status(), 403);
    assert_eq!(gmail_status(&stack, &first).await, 200);
    let (page, _) = browser
        .post(&format!("{}/api-tokens/revoke", stack.base), &stack.base)
        .await;
    assert_eq!(page.status(), 200);
    assert!(page.text().await.unwrap().contains("api_tokens_revoked"));
    for token in [&first, &second] {
        assert_eq!(gmail_status(&stack, token).await, 401);
    }
    // The person's own pages go on (their session mints new tokens).
    let (home, _) = browser.get(&format!("{}/", stack.base)).await;
    assert_eq!(home.status(), 200);
    assert!(home.text().await.unwrap().contains("id=\"revoke-tokens\""));
    let third = create_api_token(&stack, &mut browser).await;
    assert_eq!(gmail_status(&stack, &third).await, 200);
}
