//! Hostile requests at the frontend, sent as an attacker sends them: raw request lines over TCP
//! (no client that would normalise the path), forged `X-Forwarded-For`, oversized bodies.

use crate::{helpers::*, stack::*};

/// Paths under `/oauth/` that must not reach auth-service, however they are encoded.
const ESCAPES: &[&str] = &[
    "GET /oauth/%2e%2e/metrics",
    "GET /oauth/..%2fmetrics",
    "GET /oauth/%2e%2e%2fmetrics",
    "GET /oauth/%252e%252e/metrics",
    "GET /oauth/%5c..%5cmetrics",
    "GET /oauth/..%5cmetrics",
    "GET /oauth/login/../../metrics",
    "GET /oauth/./../metrics",
    "GET /oauth//metrics",
    "GET /oauth/%2e%2e/.well-known/jwks.json",
    "POST /oauth/%2e%2e/v1/session/token",
    "POST /oauth/%2e%2e/v1/api-tokens",
    "POST /oauth/%2e%2e/internal/google-access-token",
    "GET /oauth/%2e%2e/internal/google-access-token",
];

#[tokio::test]
async fn oauth_paths_that_escape_to_other_auth_service_routes_are_404_pages() {
    let stack = spawn_stack().await;
    let mut browser = Browser::new();
    stack.login(&mut browser).await;
    let cookie = browser.jar.header();
    let origin = &stack.base;
    for line in ESCAPES {
        let head = format!(
            "{line} HTTP/1.1\r\nCookie: {cookie}\r\nOrigin: {origin}\r\nSec-Fetch-Site: same-origin"
        );
        let (status, headers, body) = raw(&stack.base, &head, b"").await;
        assert_eq!(status, 404, "{line}: {body:.300}");
        assert!(headers.contains("content-type: text/html"), "{line}");
        assert!(body.contains("data-kind=\"page_not_found\""), "{line}");
        for leak in ["http_requests_total", "access_token", "\"keys\"", "ya29"] {
            assert!(!body.contains(leak), "{line} answered {leak}: {body:.300}");
        }
    }
    // The session those requests carried is still good: the page works.
    let (inbox, _) = browser.get(&format!("{}/", stack.base)).await;
    assert!(inbox.text().await.unwrap().contains("alice@example.com"));
}

#[tokio::test]
async fn only_login_callback_and_logout_reach_auth_service_at_fixed_paths() {
    let auth = RecordingAuth::start(false);
    let app = spawn_app_with(&auth.base, "http://127.0.0.1:9", &[]).await;
    for line in ESCAPES
        .iter()
        .copied()
        .chain([
            "GET /oauth/logout",
            "POST /oauth/login",
            "DELETE /oauth/callback",
        ])
        .chain([
            "GET /oauth/",
            "GET /oauth/login/",
            "GET /oauth/%2e%2e",
            "PUT /oauth/x",
        ])
    {
        let (status, _, body) = raw(&app.address, &format!("{line} HTTP/1.1"), b"").await;
        assert_eq!(status, 404, "{line}");
        assert!(body.contains("data-kind=\"page_not_found\""), "{line}");
    }
    assert!(
        auth.seen().is_empty(),
        "reached auth-service: {:?}",
        auth.seen()
    );

    let (status, headers, _) = raw(
        &app.address,
        "GET /oauth/login?next=%2Fmessages%2Fabc&redirect_uri=https%3A%2F%2Fevil.example&login_hint=a%40b.example HTTP/1.1",
        b"",
    )
    .await;
    assert_eq!(status, 302);
    assert!(headers.contains("location: http://google.invalid/auth"));
    raw(
        &app.address,
        "GET /oauth/callback?state=s&code=c%2Fd&scope=x HTTP/1.1",
        b"",
    )
    .await;
    raw(&app.address, "POST /oauth/logout?x=1 HTTP/1.1", b"").await;
    let seen: Vec<_> = auth
        .seen()
        .into_iter()
        .map(|s| (s.method, s.path, s.query))
        .collect();
    assert_eq!(
        seen,
        [
            (
                "GET".to_owned(),
                "/oauth/login".to_owned(),
                "next=%2Fmessages%2Fabc&login_hint=a%40b.example".to_owned()
            ),
            (
                "GET".into(),
                "/oauth/callback".into(),
                "state=s&code=c%2Fd&scope=x".into()
            ),
            ("POST".into(), "/oauth/logout".into(), String::new()),
        ]
    );
}

/// Every route of the frontend that calls auth-service, as raw requests with `extra` headers.
async fn call_every_auth_route(app: &TestApp, extra: &str) -> Vec<(u16, String, String)> {
    let mut answers = Vec::new();
    for line in [
        "GET /oauth/login?next=%2F",
        "GET /oauth/callback?state=s&code=c",
        "POST /oauth/logout",
        "GET /",
        "POST /api-token",
    ] {
        let head = format!(
            "{line} HTTP/1.1\r\nCookie: gu_session=abc\r\nOrigin: {}{extra}",
            app.address
        );
        answers.push(raw(&app.address, &head, b"").await);
    }
    answers
}

#[tokio::test]
async fn auth_service_is_told_the_client_address_never_the_browsers_claim() {
    // No trusted proxy: the browser's X-Forwarded-For is replaced by the TCP peer.
    let auth = RecordingAuth::start(false);
    let app = spawn_app_with(&auth.base, "http://127.0.0.1:9", &[]).await;
    call_every_auth_route(&app, "\r\nX-Forwarded-For: 203.0.113.9").await;
    let seen = auth.seen();
    let paths: Vec<_> = seen.iter().map(|s| s.path.as_str()).collect();
    assert_eq!(
        paths,
        [
            "/oauth/login",
            "/oauth/callback",
            "/oauth/logout",
            "/v1/session/tokens",
            "/v1/api-tokens"
        ]
    );
    for s in &seen {
        assert_eq!(s.forwarded_for, ["127.0.0.1"], "{}", s.path);
    }

    // Behind a trusted proxy (here: the test itself at 127.0.0.1), the address it names.
    let auth = RecordingAuth::start(false);
    let app = spawn_app_with(
        &auth.base,
        "http://127.0.0.1:9",
        &[("TRUSTED_PROXIES", "127.0.0.1/32")],
    )
    .await;
    call_every_auth_route(&app, "\r\nX-Forwarded-For: 198.51.100.7, 203.0.113.9").await;
    let seen = auth.seen();
    assert_eq!(seen.len(), 5);
    for s in &seen {
        assert_eq!(s.forwarded_for, ["203.0.113.9"], "{}", s.path);
    }
}

#[tokio::test]
async fn auth_service_rate_limits_become_a_too_many_attempts_page_with_retry_after() {
    let auth = RecordingAuth::start(true);
    let app = spawn_app_with(&auth.base, "http://127.0.0.1:9", &[]).await;
    let answers = call_every_auth_route(&app, "").await;
    assert_eq!(answers.len(), 5);
    for (status, headers, body) in answers {
        assert_eq!(status, 429, "{body:.300}");
        assert!(headers.contains("retry-after: 42"), "{headers}");
        assert!(headers.contains("content-type: text/html"), "{headers}");
        assert!(
            body.contains("data-kind=\"too_many_attempts\""),
            "{body:.300}"
        );
        assert!(body.contains("from this connection"));
        assert!(body.contains("Try again in 42 seconds."));
        assert!(!body.contains("Gmail asked us to slow down"));
    }
}

#[tokio::test]
async fn an_oversized_body_is_a_friendly_413_page() {
    let auth = RecordingAuth::start(false);
    let app = spawn_app_with(&auth.base, "http://127.0.0.1:9", &[]).await;
    let body = vec![b'a'; 64 * 1024];
    let head = format!(
        "POST /oauth/logout HTTP/1.1\r\nOrigin: {}\r\nContent-Type: application/x-www-form-urlencoded",
        app.address
    );
    let (status, headers, page) = raw(&app.address, &head, &body).await;
    assert_eq!(status, 413, "{page:.300}");
    assert!(headers.contains("content-type: text/html"), "{headers}");
    assert!(
        page.contains("data-kind=\"payload_too_large\""),
        "{page:.300}"
    );
    assert!(headers.contains("content-security-policy:"));
    assert!(auth.seen().is_empty(), "{:?}", auth.seen());
}

#[tokio::test]
async fn https_public_urls_get_hsts_on_every_response_http_none() {
    let https = spawn_app_with(
        "http://127.0.0.1:9",
        "http://127.0.0.1:9",
        &[("PUBLIC_BASE_URL", "https://mail.example.com")],
    )
    .await;
    let http = spawn_app("http://127.0.0.1:9", "http://127.0.0.1:9").await;
    let oversized = vec![b'a'; 64 * 1024];
    for (app, expected) in [
        (&https, Some("max-age=31536000; includeSubDomains")),
        (&http, None),
    ] {
        // A page (here: upstream down), a 404, a health check, metrics, an asset, a 413.
        for (head, body) in [
            ("GET / HTTP/1.1", &b""[..]),
            ("GET /nowhere HTTP/1.1", b""),
            ("GET /oauth/%2e%2e/metrics HTTP/1.1", b""),
            ("GET /healthz HTTP/1.1", b""),
            ("GET /metrics HTTP/1.1", b""),
            ("GET /static/style.css HTTP/1.1", b""),
            ("POST /oauth/logout HTTP/1.1", &oversized),
        ] {
            let (status, headers, _) = raw(&app.address, head, body).await;
            let hsts = headers
                .lines()
                .find_map(|l| l.strip_prefix("strict-transport-security: "));
            assert_eq!(
                hsts,
                expected.map(str::to_ascii_lowercase).as_deref(),
                "{head} ({status})"
            );
        }
    }
}
