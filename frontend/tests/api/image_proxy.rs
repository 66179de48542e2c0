//! Remote images: hidden until asked; then through the image proxy only, which refuses every
//! address inside (loopback, private, `[::1]`, the cloud metadata address, a name resolving to
//! loopback, a redirect to the metadata address), anything not an image, anything too large,
//! and any link it did not sign for that message.

use testkit::image_server::{BANNER_PNG, ImageServer};

use crate::stack::*;

fn mail_with_images(urls: &[String]) -> String {
    let images: String = urls
        .iter()
        .map(|url| format!("<p><img src=\"{url}\" alt=\"image\" width=\"64\"></p>"))
        .collect();
    format!(
        "From: News <news@example.net>\r\nSubject: With pictures\r\nMIME-Version: 1.0\r\n\
         Content-Type: text/html; charset=utf-8\r\n\r\n<html><body><h1>This week</h1>{images}</body></html>\r\n"
    )
}

/// The proxy links of the frame's document, in order.
fn proxy_links(frame: &str) -> Vec<String> {
    frame
        .split("src=\"")
        .skip(1)
        .filter_map(|rest| rest.split('"').next())
        .map(|src| src.replace("&amp;", "&"))
        .collect()
}

/// Fetches a link as the sandboxed frame does: no cookie.
async fn fetch(stack: &Stack, link: &str) -> reqwest::Response {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
        .get(format!("{}{link}", stack.base))
        .send()
        .await
        .unwrap()
}

async fn frames(stack: &Stack, urls: &[String]) -> (String, String, Vec<String>) {
    let mut browser = Browser::new();
    stack.login(&mut browser).await;
    let id = stack
        .deliver("alice@example.com", &mail_with_images(urls))
        .await;
    let page = stack
        .get_as(&browser, &format!("/messages/{id}"))
        .await
        .text()
        .await
        .unwrap();
    let hidden = stack
        .get_as(&browser, &format!("/messages/{id}/html"))
        .await
        .text()
        .await
        .unwrap();
    let shown = stack
        .get_as(&browser, &format!("/messages/{id}/html?images=1"))
        .await;
    assert_eq!(
        shown.headers()["content-security-policy"],
        frontend::http::mail_frame::MAIL_FRAME_POLICY_WITH_IMAGES
    );
    let links = proxy_links(&shown.text().await.unwrap());
    assert_eq!(links.len(), urls.len(), "one proxy link per image");
    (page, hidden, links)
}

fn demo_mode() -> StackOptions {
    StackOptions {
        frontend_env: vec![("IMAGE_PROXY_ALLOW_PRIVATE", "1".to_owned())],
        ..Default::default()
    }
}

#[tokio::test]
async fn images_come_only_when_asked_and_only_through_the_proxy() {
    let images = ImageServer::start();
    let stack = spawn_stack_with(demo_mode()).await;
    let (page, hidden, links) = frames(&stack, &[format!("{}/banner.png", images.base)]).await;
    assert!(page.contains("Remote images are hidden"), "{page}");
    assert!(page.contains("?images=1\" id=\"show-images\">Show images</a>"));
    assert!(!hidden.contains("src="), "{hidden}");
    assert!(
        images.seen().is_empty(),
        "nothing reached the image server before asking"
    );

    assert!(links[0].starts_with("/image-proxy?"), "{links:?}");
    let answer = fetch(&stack, &links[0]).await;
    assert_eq!(answer.status(), 200);
    assert_eq!(answer.headers()["content-type"], "image/png");
    assert_eq!(answer.headers()["x-content-type-options"], "nosniff");
    assert!(
        answer.headers()["cache-control"]
            .to_str()
            .unwrap()
            .contains("max-age=")
    );
    assert!(answer.headers().get("set-cookie").is_none());
    assert_eq!(answer.bytes().await.unwrap().to_vec(), BANNER_PNG);
    let seen = images.seen();
    assert_eq!(seen.len(), 1);
    assert_eq!(seen[0].path, "/banner.png");
    assert_eq!(seen[0].user_agent, "gmail-unread-image-proxy");
}

#[tokio::test]
async fn the_proxy_refuses_what_is_no_image_too_large_unsigned_or_foreign() {
    let images = ImageServer::start();
    let stack = spawn_stack_with(demo_mode()).await;
    let other = spawn_stack_with(demo_mode()).await;
    let urls: Vec<String> = [
        "/page.html",
        "/lying.png",
        "/logo.svg",
        "/huge.png",
        "/to-metadata",
        "/loop",
        "/banner.png",
    ]
    .iter()
    .map(|path| format!("{}{path}", images.base))
    .collect();
    let (_, _, links) = frames(&stack, &urls).await;
    for (link, (status, reason)) in links.iter().zip([
        (502, "not an image"),
        (502, "not an image"),
        (502, "not an image"),
        (502, "larger than"),
        (403, "not one this proxy may reach"),
        (502, "too many redirects"),
    ]) {
        let answer = fetch(&stack, link).await;
        assert_eq!(answer.status(), status, "{link}");
        let text = answer.text().await.unwrap();
        assert!(text.contains(reason), "{link}: {reason}: {text}");
    }
    let good = links.last().unwrap();
    assert_eq!(fetch(&stack, good).await.status(), 200);
    // Another frontend's key, a changed URL, a changed signature, no signature: refused.
    assert_eq!(fetch(&other, good).await.status(), 403);
    let changed_url = good.replace("banner.png", "page.html");
    assert_ne!(&changed_url, good);
    assert_eq!(fetch(&stack, &changed_url).await.status(), 403);
    let (before, signature) = good.rsplit_once("&s=").unwrap();
    let flipped = format!("{before}&s={}", signature.chars().rev().collect::<String>());
    assert_eq!(fetch(&stack, &flipped).await.status(), 403);
    assert_eq!(fetch(&stack, before).await.status(), 403);
    let unsigned = format!(
        "/image-proxy?m=0&e=99999999999&u={}/banner.png&s=AAAA",
        images.base
    );
    assert_eq!(fetch(&stack, &unsigned).await.status(), 403);
    assert!(
        !images
            .seen()
            .iter()
            .any(|s| s.path == "/page.html" && s.user_agent != "gmail-unread-image-proxy"),
        "only the proxy reached the image server"
    );
}

#[tokio::test]
async fn the_proxy_never_reaches_inside_addresses() {
    let images = ImageServer::start();
    // The default: private addresses refused.
    let stack = spawn_stack().await;
    let port = images.port;
    let urls = vec![
        format!("http://127.0.0.1:{port}/banner.png"),
        format!("http://[::1]:{port}/banner.png"),
        format!("http://localhost:{port}/banner.png"),
        format!("http://0x7f000001:{port}/banner.png"),
        "http://10.0.0.1/banner.png".to_owned(),
        "http://192.168.1.1/banner.png".to_owned(),
        "http://169.254.169.254/latest/meta-data/".to_owned(),
        "http://[fd00:ec2::254]/latest/meta-data/".to_owned(),
        format!("http://[::ffff:127.0.0.1]:{port}/banner.png"),
    ];
    let (_, _, links) = frames(&stack, &urls).await;
    for link in &links {
        let answer = fetch(&stack, link).await;
        assert_eq!(answer.status(), 403, "{link}");
        let text = answer.text().await.unwrap();
        assert!(
            text.contains("not one this proxy may reach"),
            "{link}: {text}"
        );
    }
    assert!(images.seen().is_empty(), "{:?}", images.seen());
}
