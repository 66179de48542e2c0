//! A message's HTML through the whole system: the message page frames it in a sandbox and
//! offers its text; `/messages/{id}/html` serves it under a policy that allows nothing but
//! inline style, with no image (none is loaded until asked) and nothing that runs, submits,
//! frames or navigates; a message without HTML, or a visitor without a session, gets none.

use frontend::http::mail_frame::{MAIL_FRAME_POLICY, MAIL_FRAME_SANDBOX};
use testkit::fixtures::hostile_html_mail;

use crate::stack::*;

async fn get(stack: &Stack, browser: &Browser, path: &str) -> reqwest::Response {
    let url = format!("{}{path}", stack.base);
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
        .get(&url)
        .header("cookie", browser.jar.header_for(&url))
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn the_message_page_frames_the_html_in_a_sandbox_and_offers_the_text() {
    let stack = spawn_stack().await;
    let mut browser = Browser::new();
    stack.login(&mut browser).await;
    let id = stack
        .deliver("alice@example.com", &hostile_html_mail("canary.invalid"))
        .await;

    let page = get(&stack, &browser, &format!("/messages/{id}")).await;
    assert_eq!(page.status(), 200);
    let csp = page.headers()["content-security-policy"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(
        csp.contains("frame-src 'self'") && csp.contains("frame-ancestors 'none'"),
        "{csp}"
    );
    let html = page.text().await.unwrap();
    assert!(
        html.contains(&format!(
            r#"src="/messages/{id}/html" sandbox="{MAIL_FRAME_SANDBOX}""#
        )),
        "{html}"
    );
    assert!(!MAIL_FRAME_SANDBOX.contains("allow-scripts"));
    assert!(!MAIL_FRAME_SANDBOX.contains("allow-same-origin"));
    assert!(!MAIL_FRAME_SANDBOX.contains("allow-top-navigation"));
    assert!(!MAIL_FRAME_SANDBOX.contains("allow-forms"));
    assert!(html.contains(&format!(r#"href="/messages/{id}?view=text""#)));
    assert!(html.contains("Show as text"));
    assert!(
        !html.contains("Track it"),
        "the mail's HTML is only in its frame"
    );

    let text = get(&stack, &browser, &format!("/messages/{id}?view=text")).await;
    assert_eq!(text.status(), 200);
    let text = text.text().await.unwrap();
    assert!(text.contains("小包が届いています 📦"));
    assert!(!text.contains("<iframe"));
    assert!(text.contains(&format!(r#"href="/messages/{id}""#)));

    let frame = get(&stack, &browser, &format!("/messages/{id}/html")).await;
    assert_eq!(frame.status(), 200);
    let headers = frame.headers().clone();
    assert_eq!(headers["content-security-policy"], MAIL_FRAME_POLICY);
    for directive in [
        "default-src 'none'",
        "form-action 'none'",
        "base-uri 'none'",
        "frame-ancestors 'self'",
        "sandbox allow-popups allow-popups-to-escape-sandbox",
    ] {
        assert!(MAIL_FRAME_POLICY.contains(directive), "{directive}");
    }
    assert!(!MAIL_FRAME_POLICY.contains("script-src"));
    assert!(!MAIL_FRAME_POLICY.contains("img-src"));
    assert_eq!(headers["x-frame-options"], "SAMEORIGIN");
    assert_eq!(headers["referrer-policy"], "no-referrer");
    assert_eq!(headers["x-content-type-options"], "nosniff");
    assert_eq!(headers["cache-control"], "no-store");
    let body = frame.text().await.unwrap();
    assert!(
        body.contains("小包が届いています 📦 <b>Track it</b>"),
        "{body}"
    );
    assert!(body.contains(r#"<p style="color:green">"#), "{body}");
    assert!(body.contains(r#"alt="tracking pixel""#), "{body}");
    assert!(
        !body.contains(" src="),
        "no image is loaded until asked: {body}"
    );
    for gone in [
        "<script",
        "<iframe",
        "<form",
        "<meta http-equiv",
        "<base",
        "<link",
        "onload",
        "javascript:",
    ] {
        assert!(!body.contains(gone), "{gone} in {body}");
    }
}

#[tokio::test]
async fn a_message_without_html_and_a_visitor_without_a_session_get_no_frame() {
    let stack = spawn_stack().await;
    let mut browser = Browser::new();
    stack.login(&mut browser).await;
    let plain = stack
        .deliver(
            "alice@example.com",
            "From: Ann <ann@example.com>\r\nSubject: plain\r\n\r\nJust text.\r\n",
        )
        .await;
    let page = get(&stack, &browser, &format!("/messages/{plain}")).await;
    let html = page.text().await.unwrap();
    assert!(html.contains("Just text."));
    assert!(!html.contains("<iframe"));
    assert!(!html.contains("Show as text"));
    let frame = get(&stack, &browser, &format!("/messages/{plain}/html")).await;
    assert_eq!(frame.status(), 404);

    let html_mail = stack
        .deliver("alice@example.com", &hostile_html_mail("canary.invalid"))
        .await;
    let stranger = Browser::new();
    let frame = get(&stack, &stranger, &format!("/messages/{html_mail}/html")).await;
    assert_eq!(frame.status(), 401);
    assert!(!frame.text().await.unwrap().contains("Track it"));
    let bad = get(&stack, &browser, "/messages/..%2f..%2fetc/html").await;
    assert_eq!(bad.status(), 404);
}
