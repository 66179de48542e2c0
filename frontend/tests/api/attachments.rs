//! Attachments through the whole system: the message page links each one, and
//! `/messages/{id}/attachments/{attachment_id}` relays it byte for byte as a download (types a
//! browser would run as `application/octet-stream`), only to the session whose mail it is.

use testkit::fixtures::mail_with_attachments;

use crate::stack::*;

#[tokio::test]
async fn attachments_download_from_the_message_page_and_none_can_run() {
    let stack = spawn_stack().await;
    let mut browser = Browser::new();
    stack.login(&mut browser).await;
    let pdf: Vec<u8> = (0..2_000_000u32).map(|n| (n % 241) as u8).collect();
    let html = b"<script>alert(document.cookie)</script>".to_vec();
    let id = stack
        .deliver(
            "alice@example.com",
            &mail_with_attachments(
                "two files",
                &[
                    ("report.pdf", "application/pdf", &pdf),
                    ("見積書.html", "text/html", &html),
                ],
            ),
        )
        .await;
    let page = stack
        .get_as(&browser, &format!("/messages/{id}"))
        .await
        .text()
        .await
        .unwrap();
    assert!(
        page.contains(&format!(
            r#"<a class="name" href="/messages/{id}/attachments/1" download>report.pdf</a>"#
        )),
        "{page}"
    );
    assert!(page.contains(&format!(
        r#"href="/messages/{id}/attachments/2" download>見積書.html</a>"#
    )));

    let response = stack
        .get_as(&browser, &format!("/messages/{id}/attachments/1"))
        .await;
    assert_eq!(response.status(), 200);
    let headers = response.headers().clone();
    assert_eq!(headers["content-type"], "application/pdf");
    assert_eq!(
        headers["content-disposition"],
        "attachment; filename=\"report.pdf\"; filename*=UTF-8''report.pdf"
    );
    assert_eq!(headers["x-content-type-options"], "nosniff");
    assert_eq!(
        headers["content-security-policy"],
        "default-src 'none'; sandbox"
    );
    assert_eq!(response.bytes().await.unwrap().to_vec(), pdf);

    let response = stack
        .get_as(&browser, &format!("/messages/{id}/attachments/2"))
        .await;
    assert_eq!(response.status(), 200);
    assert_eq!(
        response.headers()["content-type"],
        "application/octet-stream"
    );
    assert_eq!(
        response.headers()["content-disposition"],
        "attachment; filename=\"___.html\"; filename*=UTF-8''%E8%A6%8B%E7%A9%8D%E6%9B%B8.html"
    );
    assert_eq!(response.bytes().await.unwrap().to_vec(), html);

    // Unknown and malformed ids are the friendly 404 page; a stranger gets nothing.
    for path in [
        format!("/messages/{id}/attachments/7"),
        format!("/messages/{id}/attachments/..%2f1"),
        format!("/messages/{id}/attachments/ANGjdJ"),
        "/messages/0000000000000000/attachments/1".to_owned(),
    ] {
        let response = stack.get_as(&browser, &path).await;
        assert_eq!(response.status(), 404, "{path}");
        assert!(
            response.text().await.unwrap().contains("not found"),
            "{path}"
        );
    }
    let stranger = Browser::new();
    let response = stack
        .get_as(&stranger, &format!("/messages/{id}/attachments/1"))
        .await;
    assert_eq!(response.status(), 401);
    assert_ne!(response.bytes().await.unwrap().len(), pdf.len());
}
