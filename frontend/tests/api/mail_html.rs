//! A message's HTML through the whole system: the message page frames it in a sandbox and
//! offers its text; `/messages/{id}/html` serves it under a policy that allows nothing but
//! inline style, with no image (none is loaded until asked) and nothing that runs, submits,
//! frames or navigates; a message without HTML, or a visitor without a session, gets none.

use frontend::http::mail_frame::{MAIL_FRAME_POLICY, MAIL_FRAME_SANDBOX};
use testkit::fixtures::hostile_html_mail;

use crate::stack::*;

#[tokio::test]
async fn the_message_page_frames_the_html_in_a_sandbox_and_offers_the_text() {
    let stack = spawn_stack().await;
    let mut browser = Browser::new();
    stack.login(&mut browser).await;
    let id = stack
        .deliver("alice@example.com", &hostile_html_mail("canary.invalid"))
        .await;

    let page = stack.get_as(&browser, &format!("/messages/{id}")).await;
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

    let text = stack
        .get_as(&browser, &format!("/messages/{id}?view=text"))
        .await;
    assert_eq!(text.status(), 200);
    let text = text.text().await.unwrap();
    assert!(text.contains("小包が届いています 📦"));
    assert!(!text.contains("<iframe"));
    assert!(text.contains(&format!(r#"href="/messages/{id}""#)));

    let frame = stack
        .get_as(&browser, &format!("/messages/{id}/html"))
        .await;
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
    // Images: only the message's own, embedded; nothing remote until asked.
    let img_src: Vec<&str> = MAIL_FRAME_POLICY
        .split(';')
        .map(str::trim)
        .filter(|d| d.starts_with("img-src"))
        .collect();
    assert_eq!(img_src, ["img-src data:"]);
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
    let page = stack.get_as(&browser, &format!("/messages/{plain}")).await;
    let html = page.text().await.unwrap();
    assert!(html.contains("Just text."));
    assert!(!html.contains("<iframe"));
    assert!(!html.contains("Show as text"));
    let frame = stack
        .get_as(&browser, &format!("/messages/{plain}/html"))
        .await;
    assert_eq!(frame.status(), 404);

    let html_mail = stack
        .deliver("alice@example.com", &hostile_html_mail("canary.invalid"))
        .await;
    let stranger = Browser::new();
    let frame = stack
        .get_as(&stranger, &format!("/messages/{html_mail}/html"))
        .await;
    assert_eq!(frame.status(), 401);
    assert!(!frame.text().await.unwrap().contains("Track it"));
    let bad = stack.get_as(&browser, "/messages/..%2f..%2fetc/html").await;
    assert_eq!(bad.status(), 404);
}

/// A message's own inline images (`cid:`) show in its frame as `data:` URLs, without asking
/// (they are part of the message); a part that only claims to be an image does not.
#[tokio::test]
async fn inline_images_are_embedded_and_only_real_ones() {
    use base64::Engine;
    let stack = spawn_stack().await;
    let mut browser = Browser::new();
    stack.login(&mut browser).await;
    let png = testkit::image_server::LOGO_PNG;
    let encoded = base64::engine::general_purpose::STANDARD.encode(png);
    let fake = base64::engine::general_purpose::STANDARD.encode(b"<svg onload=alert(1)>");
    let raw = format!(
        "From: Shop <shop@example.net>\r\nSubject: receipt\r\nMIME-Version: 1.0\r\n\
         Content-Type: multipart/related; boundary=\"r\"\r\n\r\n\
         --r\r\nContent-Type: text/html; charset=utf-8\r\n\r\n\
         <p><img src=\"cid:logo@shop\" alt=\"Shop\"><img src=\"cid:fake@shop\" alt=\"Fake\"></p>\r\n\
         --r\r\nContent-Type: image/png; name=\"logo.png\"\r\nContent-Disposition: inline; filename=\"logo.png\"\r\n\
         Content-Transfer-Encoding: base64\r\nContent-ID: <logo@shop>\r\n\r\n{encoded}\r\n\
         --r\r\nContent-Type: image/png; name=\"fake.png\"\r\nContent-Disposition: inline; filename=\"fake.png\"\r\n\
         Content-Transfer-Encoding: base64\r\nContent-ID: <fake@shop>\r\n\r\n{fake}\r\n--r--\r\n"
    );
    let id = stack.deliver("alice@example.com", &raw).await;
    let page = stack
        .get_as(&browser, &format!("/messages/{id}"))
        .await
        .text()
        .await
        .unwrap();
    assert!(
        !page.contains("Remote images are hidden"),
        "no remote image here"
    );
    let frame = stack
        .get_as(&browser, &format!("/messages/{id}/html"))
        .await
        .text()
        .await
        .unwrap();
    assert!(
        frame.contains(&format!(
            r#"<img src="data:image/png;base64,{encoded}" alt="Shop">"#
        )),
        "{frame}"
    );
    assert!(frame.contains(r#"<img alt="Fake">"#), "{frame}");
    assert!(!frame.contains("cid:"), "{frame}");
}

/// The message page shows the rest of the conversation, collapsed, the newest open when it is
/// newer than the message shown; one `threads.get` for it.
#[tokio::test]
async fn the_message_page_shows_its_conversation() {
    let stack = spawn_stack().await;
    let mut browser = Browser::new();
    stack.login(&mut browser).await;
    let mut ids = Vec::new();
    for (n, (from, body)) in [
        ("Ann", "Here is the plan."),
        ("Cy", "Agreed."),
        ("Di", "Shipped <today>."),
    ]
    .iter()
    .enumerate()
    {
        let reply = if n == 0 {
            String::new()
        } else {
            "In-Reply-To: <plan@example.com>\r\nReferences: <plan@example.com>\r\n".to_owned()
        };
        let raw = format!(
            "From: {from} <{}@example.com>\r\nDate: Sat, 05 Dec 2026 0{}:00:00 +0000\r\n\
             Message-ID: <{}@example.com>\r\n{reply}Subject: The plan\r\n\r\n{body}\r\n",
            from.to_lowercase(),
            n + 7,
            if n == 0 {
                "plan".to_owned()
            } else {
                format!("r{n}")
            },
        );
        ids.push(stack.deliver("alice@example.com", &raw).await);
    }
    let page = stack
        .get_as(&browser, &format!("/messages/{}", ids[0]))
        .await
        .text()
        .await
        .unwrap();
    assert!(page.contains("In this conversation (2 more)"), "{page}");
    assert!(page.contains(&format!(r#"href="/messages/{}">Open this message"#, ids[1])));
    assert!(page.contains(&format!(r#"href="/messages/{}">Open this message"#, ids[2])));
    // The newest is open, the other collapsed; mail text stays escaped.
    assert_eq!(page.matches("<details class=\"card\" open>").count(), 1);
    assert_eq!(page.matches("<details class=\"card\">").count(), 1);
    assert!(page.contains("Shipped &#60;today&#62;."), "{page}");
    assert!(!page.contains("Shipped <today>"));
    // From the newest, nothing newer: all collapsed.
    let newest = stack
        .get_as(&browser, &format!("/messages/{}", ids[2]))
        .await
        .text()
        .await
        .unwrap();
    assert_eq!(newest.matches("<details class=\"card\" open>").count(), 0);
    assert_eq!(newest.matches("<details class=\"card\">").count(), 2);
    // A message alone has no conversation section.
    let alone = stack
        .deliver(
            "alice@example.com",
            "From: Eve <eve@example.com>\r\nSubject: alone\r\n\r\nJust me.\r\n",
        )
        .await;
    let page = stack
        .get_as(&browser, &format!("/messages/{alone}"))
        .await
        .text()
        .await
        .unwrap();
    assert!(!page.contains("In this conversation"));
    assert!(page.contains("Just me."));
}
