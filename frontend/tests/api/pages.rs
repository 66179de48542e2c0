//! The pages through the whole system (no browser: HTML checked as text).

use crate::stack::*;

/// The `href` of the link with this id.
fn link(html: &str, id: &str) -> Option<String> {
    html.split("<a ")
        .map(|tag| tag.split('>').next().unwrap_or(""))
        .find(|tag| tag.contains(&format!("id=\"{id}\"")))
        .map(|tag| between(tag, "href=\"", "\"").concat().replace("&amp;", "&"))
}

fn between<'a>(html: &'a str, start: &str, end: &str) -> Vec<&'a str> {
    html.split(start)
        .skip(1)
        .filter_map(|s| s.split(end).next())
        .collect()
}

#[tokio::test]
async fn logged_out_visitors_see_the_connect_page_with_security_headers() {
    let stack = spawn_stack().await;
    let response = reqwest::get(format!("{}/", stack.base)).await.unwrap();
    assert_eq!(response.status(), 200);
    let h = response.headers();
    let csp = h["content-security-policy"].to_str().unwrap();
    assert!(
        csp.contains("frame-ancestors 'none'")
            && csp.contains("script-src 'self'")
            && !csp.contains("unsafe-inline")
    );
    assert_eq!(h["x-content-type-options"], "nosniff");
    assert_eq!(h["referrer-policy"], "same-origin");
    let html = response.text().await.unwrap();
    assert!(html.contains("id=\"connect\""));
    assert!(!html.contains("<script>"), "inline script");
}

#[tokio::test]
async fn every_get_route_answers_head_as_it_answers_get() {
    let stack = spawn_stack().await;
    let mut browser = Browser::new();
    let html = stack.login(&mut browser).await;
    let message = format!("/messages/{}", between(&html, "href=\"/messages/", "\"")[0]);
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let cookie = browser.jar.header();
    for (path, signed_in, status) in [
        ("/healthz", false, 200),
        ("/readyz", false, 200),
        ("/metrics", false, 200),
        ("/", false, 200),
        ("/", true, 200),
        (message.as_str(), true, 200),
        ("/messages/doesnotexist0000", true, 404),
        ("/oauth/login", false, 302),
        ("/nope", false, 404),
    ] {
        let send = |method: reqwest::Method| {
            let mut request = http.request(method, format!("{}{path}", stack.base));
            if signed_in {
                request = request.header("cookie", &cookie);
            }
            request.send()
        };
        let get = send(reqwest::Method::GET).await.unwrap();
        let head = send(reqwest::Method::HEAD).await.unwrap();
        assert_eq!(get.status(), status, "GET {path}");
        assert_eq!(head.status(), status, "HEAD {path}");
        for name in [
            "content-type",
            "cache-control",
            "content-security-policy",
            "x-content-type-options",
        ] {
            assert_eq!(
                head.headers().get(name),
                get.headers().get(name),
                "{path}: {name}"
            );
        }
        assert!(
            head.bytes().await.unwrap().is_empty(),
            "{path}: HEAD with a body"
        );
    }
}

#[tokio::test]
async fn connect_then_the_inbox_shows_unread_subjects_count_and_account() {
    let stack = spawn_stack().await;
    let mut browser = Browser::new();
    let html = stack.login(&mut browser).await;
    assert!(html.contains("alice@example.com"));
    let mailbox = stack.emulator.state.mailbox(0).unwrap();
    let unread: Vec<_> = mailbox
        .messages()
        .iter()
        .filter(|m| m.is_unread() && !m.has_label("SPAM") && !m.has_label("TRASH"))
        .collect();
    // The count is what the list holds: spam and trash are in neither.
    let count: String = between(&html, "id=\"unread-count\">", "<").concat();
    assert_eq!(count.parse::<usize>().unwrap(), unread.len());
    let subjects = between(&html, "<span class=\"subject\">", "</span>");
    assert_eq!(subjects.len(), 50);
    // The newest unread subject is shown (escaped as askama escapes it).
    let first = unread[0]
        .spec
        .subject
        .replace('&', "&#38;")
        .replace('<', "&#60;")
        .replace('>', "&#62;")
        .replace('"', "&#34;")
        .replace('\'', "&#39;");
    assert!(
        subjects.iter().any(|s| *s == first),
        "{first} not in {subjects:?}"
    );
    assert!(html.contains("<time datetime=\""));
}

#[tokio::test]
async fn paging_goes_older_and_back_newer() {
    let stack = spawn_stack().await;
    let mut browser = Browser::new();
    let first = stack.login(&mut browser).await;
    let href = link(&first, "older").expect("no older link");
    assert!(first.contains("Page 1") && !first.contains("id=\"newer\""));
    let (second, _) = browser.get(&format!("{}{href}", stack.base)).await;
    let second = second.text().await.unwrap();
    assert!(second.contains("Page 2"));
    let ids = |html: &str| {
        between(html, "href=\"/messages/", "\"")
            .into_iter()
            .map(str::to_owned)
            .collect::<Vec<_>>()
    };
    let (a, b) = (ids(&first), ids(&second));
    assert!(
        !b.is_empty() && a.iter().all(|id| !b.contains(id)),
        "pages overlap"
    );
    assert_eq!(link(&second, "newer").as_deref(), Some("/"));
    // Together the pages hold every unread message once.
    let count: usize = between(&first, "id=\"unread-count\">", "<")
        .concat()
        .parse()
        .unwrap();
    assert!(link(&second, "older").is_none() || a.len() + b.len() < count);
}

#[tokio::test]
async fn a_japanese_message_reads_as_text() {
    let stack = spawn_stack().await;
    let mut browser = Browser::new();
    stack.login(&mut browser).await;
    let mailbox = stack.emulator.state.mailbox(0).unwrap();
    let japanese = mailbox
        .messages()
        .iter()
        .find(|m| m.spec.charset.eq_ignore_ascii_case("ISO-2022-JP"))
        .expect("the demo mailbox has an ISO-2022-JP message");
    let (page, _) = browser
        .get(&format!("{}/messages/{}", stack.base, japanese.id))
        .await;
    assert_eq!(page.status(), 200);
    let html = page.text().await.unwrap();
    assert!(
        html.contains(&japanese.spec.subject),
        "subject {}",
        japanese.spec.subject
    );
    let first_line = japanese
        .spec
        .expected_text
        .lines()
        .find(|l| !l.trim().is_empty())
        .unwrap()
        .trim();
    assert!(html.contains(first_line), "body line {first_line}");
    assert!(html.contains("id=\"back\""));
}

#[tokio::test]
async fn html_mail_is_shown_as_escaped_text_never_as_markup() {
    let stack = spawn_stack().await;
    let mut browser = Browser::new();
    stack.login(&mut browser).await;
    let mailbox = stack.emulator.state.mailbox(0).unwrap();
    for m in mailbox
        .messages()
        .iter()
        .filter(|m| m.spec.attachments.is_empty())
        .take(40)
    {
        let (page, _) = browser
            .get(&format!("{}/messages/{}", stack.base, m.id))
            .await;
        let html = page.text().await.unwrap();
        let body = between(&html, "id=\"body\">", "</div>").concat();
        assert!(!body.contains('<'), "raw markup in the body of {}", m.id);
        assert_eq!(
            html.matches("<script").count(),
            1,
            "only the page's own script"
        );
    }
}

#[tokio::test]
async fn an_api_token_is_shown_once_and_works_with_curl_like_calls() {
    let stack = spawn_stack().await;
    let mut browser = Browser::new();
    stack.login(&mut browser).await;
    let (page, _) = browser
        .post(&format!("{}/api-token", stack.base), &stack.base)
        .await;
    assert_eq!(page.status(), 200);
    assert_eq!(page.headers()["cache-control"], "no-store");
    let html = page.text().await.unwrap();
    let token = between(&html, "id=\"token\" readonly rows=\"4\">", "</textarea>").concat();
    assert!(token.split('.').count() == 3, "{token}");
    assert!(html.contains(&format!("{}/v1/messages/unread", stack.gmail)));
    assert!(html.contains("openapi.json"));
    let unread: serde_json::Value = reqwest::Client::new()
        .get(format!("{}/v1/messages/unread?limit=3", stack.gmail))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(unread["messages"].as_array().unwrap().len(), 3);
    // Cross-site: refused with a page.
    let (refused, _) = browser
        .post(&format!("{}/api-token", stack.base), "https://evil.example")
        .await;
    assert_eq!(refused.status(), 403);
}

#[tokio::test]
async fn logout_returns_to_the_connect_page() {
    let stack = spawn_stack().await;
    let mut browser = Browser::new();
    stack.login(&mut browser).await;
    let (page, url) = browser
        .post(&format!("{}/oauth/logout", stack.base), &stack.base)
        .await;
    assert_eq!(url, format!("{}/", stack.base));
    assert!(page.text().await.unwrap().contains("id=\"connect\""));
}

#[tokio::test]
async fn failures_have_friendly_pages() {
    let stack = spawn_stack_with(StackOptions {
        auto_approve: false,
        ..Default::default()
    })
    .await;
    let mut browser = Browser::new();
    // Deny at consent.
    let (consent, _) = browser.get(&format!("{}/oauth/login", stack.base)).await;
    let html = consent.text().await.unwrap();
    let request_id = between(&html, "name=\"request_id\" value=\"", "\"").concat();
    let response = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
        .post(format!("{}/o/oauth2/v2/auth/decision", stack.emulator.url))
        .form(&[("request_id", request_id.as_str()), ("decision", "deny")])
        .send()
        .await
        .unwrap();
    let back = response.headers()["location"].to_str().unwrap().to_owned();
    let (page, url) = browser.get(&back).await;
    assert!(url.contains("login_error=access_denied"));
    let html = page.text().await.unwrap();
    assert!(html.contains("You did not give access") && html.contains("id=\"connect\""));
    // Unknown page, unknown message (logged out: asked to connect).
    let (page, _) = browser.get(&format!("{}/no/such/page", stack.base)).await;
    assert_eq!(page.status(), 404);
    assert!(page.text().await.unwrap().contains("Page not found"));
    let (page, _) = browser
        .get(&format!("{}/messages/<script>", stack.base))
        .await;
    assert_eq!(page.status(), 404);
}

#[tokio::test]
async fn reauth_rate_limits_and_unknown_messages_have_pages() {
    let stack = spawn_stack().await;
    let mut browser = Browser::new();
    stack.login(&mut browser).await;
    let (page, _) = browser
        .get(&format!("{}/messages/0123456789abcdef", stack.base))
        .await;
    assert_eq!(page.status(), 404);
    assert!(
        page.text()
            .await
            .unwrap()
            .contains("data-kind=\"not_found\"")
    );
    let http = reqwest::Client::new();
    stack
        .emulator
        .set_faults(serde_json::json!({"gmail": {"rate_limited": 1.0}}))
        .unwrap();
    let (page, _) = browser.get(&format!("{}/", stack.base)).await;
    assert_eq!(page.status(), 429);
    assert!(page.headers().get("retry-after").is_some());
    assert!(
        page.text()
            .await
            .unwrap()
            .contains("data-kind=\"rate_limited\"")
    );
    stack.emulator.set_faults(serde_json::json!({})).unwrap();
    http.post(format!(
        "{}/emulator/accounts/alice@example.com/revoke",
        stack.emulator.url
    ))
    .send()
    .await
    .unwrap();
    http.post(format!("{}/emulator/tokens/expire", stack.emulator.url))
        .send()
        .await
        .unwrap();
    let (page, _) = browser.get(&format!("{}/", stack.base)).await;
    let html = page.text().await.unwrap();
    assert!(
        html.contains("data-kind=\"reauth_required\""),
        "{html:.400}"
    );
}

#[tokio::test]
async fn redis_down_shows_the_unavailable_page_and_recovers() {
    let mut redis = testkit::RedisServer::start();
    let stack = spawn_stack_with(StackOptions {
        redis_url: Some(redis.url()),
        ..Default::default()
    })
    .await;
    let mut browser = Browser::new();
    stack.login(&mut browser).await;
    redis.stop();
    let (page, _) = browser.get(&format!("{}/", stack.base)).await;
    assert_eq!(page.status(), 503);
    assert!(
        page.text()
            .await
            .unwrap()
            .contains("data-kind=\"unavailable\"")
    );
    let (page, _) = browser.get(&format!("{}/oauth/login", stack.base)).await;
    assert_eq!(page.status(), 503);
    assert!(
        page.text()
            .await
            .unwrap()
            .contains("Temporarily unavailable")
    );
    redis.resume();
    let mut ok = false;
    for _ in 0..50 {
        let (page, _) = browser.get(&format!("{}/", stack.base)).await;
        if page.status() == 200 {
            ok = page.text().await.unwrap().contains("id=\"unread-count\"");
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert!(ok, "the inbox did not come back after Redis returned");
}

#[tokio::test]
async fn every_login_failure_reason_has_its_own_explanation() {
    let stack = spawn_stack().await;
    let mut seen = std::collections::HashSet::new();
    for (reason, expected) in [
        ("access_denied", "You did not give access"),
        ("login_expired", "Your sign-in expired"),
        ("login_tampered", "We could not verify this sign-in"),
        ("code_rejected", "Google did not accept the sign-in"),
        ("google_unavailable", "Google did not answer"),
        ("gmail_scope_missing", "Gmail access was not granted"),
        ("google_error", "could not be used"),
        ("something_new", "The sign-in did not complete"),
        ("<script>", "The sign-in did not complete"),
    ] {
        let html = reqwest::get(format!(
            "{}/?login_error={}",
            stack.base,
            url::form_urlencoded::byte_serialize(reason.as_bytes()).collect::<String>()
        ))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
        let notice = between(
            &html,
            "<div class=\"notice\" role=\"alert\" id=\"notice\">",
            "</div>",
        )
        .concat();
        assert!(notice.contains(expected), "{reason}: {notice}");
        assert!(
            html.contains("id=\"connect\""),
            "{reason}: no way to start again"
        );
        seen.insert(notice);
    }
    assert!(seen.len() >= 8, "reasons share explanations");
}

#[tokio::test]
async fn google_unavailable_has_its_own_page() {
    let stack = spawn_stack().await;
    let mut browser = Browser::new();
    stack.login(&mut browser).await;
    stack
        .emulator
        .set_faults(serde_json::json!({"gmail": {"unavailable": 1.0}}))
        .unwrap();
    let (page, _) = browser.get(&format!("{}/", stack.base)).await;
    assert_eq!(page.status(), 503);
    let html = page.text().await.unwrap();
    assert!(
        html.contains("data-kind=\"unavailable\"") && html.contains("Google did not answer"),
        "{html:.600}"
    );
}

#[tokio::test]
async fn mistyped_message_ids_and_refused_page_tokens_are_the_persons_input_not_failures() {
    let stack = spawn_stack().await;
    let mut browser = Browser::new();
    stack.login(&mut browser).await;
    // Gmail refuses these ids (`Invalid id value`): a message that does not exist.
    for id in ["doesnotexist0000", &"a".repeat(40), &"0".repeat(64)] {
        let (page, _) = browser.get(&format!("{}/messages/{id}", stack.base)).await;
        assert_eq!(page.status(), 404, "{id}");
        let html = page.text().await.unwrap();
        assert!(
            html.contains("data-kind=\"not_found\""),
            "{id}: {html:.400}"
        );
        assert!(!html.contains("Something went wrong"), "{id}");
    }
    // A page token gmail-service did not issue: a link that does not work.
    let (page, _) = browser.get(&format!("{}/?trail=AAAA", stack.base)).await;
    assert_eq!(page.status(), 400);
    let html = page.text().await.unwrap();
    assert!(html.contains("data-kind=\"bad_request\""), "{html:.400}");
    assert!(!html.contains("Something went wrong"));
    assert!(html.contains("href=\"/\""), "no way back to the first page");
}

#[tokio::test]
async fn unavailable_pages_carry_retry_after() {
    // Google failing: gmail-service's own Retry-After reaches the person.
    let stack = spawn_stack().await;
    let mut browser = Browser::new();
    stack.login(&mut browser).await;
    stack
        .emulator
        .set_faults(serde_json::json!({"gmail": {"unavailable": 1.0}}))
        .unwrap();
    let (page, _) = browser.get(&format!("{}/", stack.base)).await;
    assert_eq!(page.status(), 503);
    let seconds: u64 = page.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!(seconds >= 1, "{seconds}");
    stack.emulator.set_faults(serde_json::json!({})).unwrap();

    // Nothing answering at all: a default wait.
    let closed = format!("http://127.0.0.1:{}", testkit::free_port());
    let app = crate::helpers::spawn_app(&closed, &closed).await;
    let page = app
        .http
        .get(format!("{}/", app.address))
        .header("cookie", "session=x")
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), 503);
    assert_eq!(page.headers()["retry-after"], "5");
    assert!(
        page.text()
            .await
            .unwrap()
            .contains("data-kind=\"unavailable\"")
    );
}

/// Refresh-token grants the emulator answered so far.
fn refreshes(stack: &Stack) -> u64 {
    stack
        .emulator
        .state
        .counts()
        .get("token.refresh_token")
        .copied()
        .unwrap_or(0)
}

/// A person who logs in a second time leaves gmail-service holding the first login's access
/// token (it serves it from memory) while auth-service stores the second login's. When Google
/// then refuses every access token of the grant (as after a password change), the refusal of
/// the first must not end in the second, equally refused one and a "reconnect" page: the page
/// shows the inbox after one refresh. (Found under a Redis failover, where a login retried
/// after its page failed leaves exactly this behind.)
#[tokio::test]
async fn a_refused_token_is_refreshed_even_when_auth_service_stores_a_newer_one() {
    let stack = spawn_stack().await;
    let mut first = Browser::new();
    stack.login(&mut first).await;
    let mut second = Browser::new();
    let inbox = stack.login(&mut second).await;
    assert!(inbox.contains("href=\"/messages/"), "{inbox:.300}");
    let response = reqwest::Client::new()
        .post(format!("{}/emulator/tokens/expire", stack.emulator.url))
        .send()
        .await
        .unwrap();
    assert!(response.status().is_success());
    let before = refreshes(&stack);
    let (page, _) = first.get(&format!("{}/", stack.base)).await;
    let status = page.status();
    let html = page.text().await.unwrap();
    assert_eq!(status, 200, "{html:.400}");
    assert!(html.contains("href=\"/messages/"), "{html:.400}");
    assert_eq!(
        refreshes(&stack) - before,
        1,
        "one refresh, not none or several"
    );
    let (page, _) = second.get(&format!("{}/", stack.base)).await;
    assert_eq!(page.status(), 200);
    assert_eq!(refreshes(&stack) - before, 1);
}
