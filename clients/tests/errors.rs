//! The clients against a stand-in server: contract answers are read as contract types, and
//! every failure is one `ClientError` with the status, the problem's code and Retry-After.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::net::TcpListener;

use actix_web::{App, HttpRequest, HttpResponse, HttpServer, web};
use clients::{AuthClient, BrowserHeaders, ClientError, GmailServiceClient};
use contract::{
    auth::GoogleAccessTokenRequest,
    gmail::UnreadQuery,
    paths::{self, auth, gmail},
    problem::{PROBLEM_JSON, Problem, ProblemCode},
};
use serde_json::json;

/// A stand-in answering each route as the services would, or wrongly.
fn stand_in() -> String {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let server = HttpServer::new(|| {
        App::new()
            .route(
                gmail::UNREAD,
                web::get().to(|request: HttpRequest| async move {
                    // Echo what arrived, as a page, so the test sees the query and bearer.
                    let query = request.query_string().to_owned();
                    let bearer = request
                        .headers()
                        .get("authorization")
                        .unwrap()
                        .to_str()
                        .unwrap()
                        .to_owned();
                    HttpResponse::Ok().json(json!({
                        "messages": [],
                        "next_page_token": format!("{query}|{bearer}"),
                        "result_size_estimate": 0,
                        "synced_at": "2026-12-02T03:40:00.000Z"
                    }))
                }),
            )
            .route(
                gmail::UNREAD_COUNT,
                web::get().to(|| async {
                    // A field missing: not the contract.
                    HttpResponse::Ok().json(json!({"count": "secret-looking-value"}))
                }),
            )
            .route(
                gmail::MESSAGE,
                web::get().to(|| async {
                    HttpResponse::ServiceUnavailable()
                        .content_type(PROBLEM_JSON)
                        .insert_header(("retry-after", "9"))
                        .json(
                            Problem::new(
                                503,
                                ProblemCode::UpstreamUnavailable,
                                "Google is unavailable",
                                "later",
                            )
                            .with_retry_after(9),
                        )
                }),
            )
            .route(
                auth::SESSION_TOKEN,
                web::post().to(|request: HttpRequest| async move {
                    let headers = request.headers();
                    if headers.get("cookie").map(|v| v.as_bytes()) != Some(b"s=1")
                        || headers.get(paths::X_FORWARDED_FOR).unwrap() != "203.0.113.7"
                    {
                        return HttpResponse::Unauthorized()
                            .content_type(PROBLEM_JSON)
                            .json(Problem::new(401, ProblemCode::NotLoggedIn, "t", "d"));
                    }
                    HttpResponse::Ok().json(json!({
                        "access_token": "jwt", "token_type": "Bearer", "expires_in": 300,
                        "expires_at": 10, "email": "a@example.com"
                    }))
                }),
            )
            .route(
                auth::API_TOKENS,
                web::post().to(|| async {
                    // A proxy's page: no problem body.
                    HttpResponse::BadGateway().body("<html>bad gateway</html>")
                }),
            )
            .route(
                auth::INTERNAL_GOOGLE_ACCESS_TOKEN,
                web::post().to(|request: HttpRequest, body: web::Bytes| async move {
                    let credential = request
                        .headers()
                        .get(paths::SERVICE_CREDENTIAL_HEADER)
                        .unwrap()
                        .to_str()
                        .unwrap()
                        .to_owned();
                    let sent: GoogleAccessTokenRequest = serde_json::from_slice(&body).unwrap();
                    if credential != "cred" || sent.rejected_access_token_sha256.is_some() {
                        return HttpResponse::Unauthorized()
                            .content_type(PROBLEM_JSON)
                            .json(Problem::new(401, ProblemCode::InvalidCredential, "t", "d"));
                    }
                    HttpResponse::Ok().json(json!({"access_token": "ya29", "expires_at": 5}))
                }),
            )
    })
    .workers(1)
    .listen(listener)
    .unwrap()
    .run();
    tokio::spawn(server);
    format!("http://127.0.0.1:{port}")
}

#[tokio::test]
async fn gmail_service_answers_and_refusals() {
    let base = stand_in();
    let client = GmailServiceClient::new(reqwest::Client::new(), &base);
    let page = client
        .unread("jwt", &UnreadQuery::new(5, Some("t")))
        .await
        .unwrap();
    assert_eq!(
        page.next_page_token.as_deref(),
        Some("limit=5&page_token=t|Bearer jwt")
    );

    let refused = client.message("jwt", "abc").await.unwrap_err();
    assert_eq!(refused.status(), Some(503));
    assert_eq!(refused.code(), Some(ProblemCode::UpstreamUnavailable));
    assert_eq!(refused.retry_after(), Some(9));
    assert_eq!(refused.service(), "gmail-service");

    let malformed = client.unread_count("jwt").await.unwrap_err();
    assert!(matches!(
        malformed,
        ClientError::Malformed { status: 200, .. }
    ));
    assert!(
        !malformed.to_string().contains("secret-looking-value"),
        "{malformed}"
    );
}

#[tokio::test]
async fn auth_service_answers_and_refusals() {
    let base = stand_in();
    let client = AuthClient::new(reqwest::Client::new(), format!("{base}/"));
    let browser = BrowserHeaders::new()
        .cookie("s=1")
        .forwarded_for("203.0.113.7".parse().unwrap());
    let token = client.session_token(&browser, None).await.unwrap();
    assert_eq!(token.email, "a@example.com");
    assert_eq!(token.expires_in, 300);

    let refused = client
        .session_token(&BrowserHeaders::new().cookie("s=2"), None)
        .await
        .unwrap_err();
    assert_eq!(refused.status(), Some(401));
    assert_eq!(refused.code(), Some(ProblemCode::NotLoggedIn));

    // Not a problem body: a status without a code.
    let proxy = client.api_token(&browser, None).await.unwrap_err();
    assert_eq!(proxy.status(), Some(502));
    assert_eq!(proxy.code(), None);

    let answer = client
        .google_access_token("cred", "jwt", &GoogleAccessTokenRequest::default())
        .await
        .unwrap();
    assert_eq!(
        (answer.access_token.as_str(), answer.expires_at),
        ("ya29", 5)
    );
    let refused = client
        .google_access_token("wrong", "jwt", &GoogleAccessTokenRequest::default())
        .await
        .unwrap_err();
    assert_eq!(refused.code(), Some(ProblemCode::InvalidCredential));
}

#[tokio::test]
async fn no_answer_is_unreachable() {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    drop(listener);
    let client =
        GmailServiceClient::new(reqwest::Client::new(), format!("http://127.0.0.1:{port}"));
    let error = client.unread_count("jwt").await.unwrap_err();
    assert_eq!(
        error,
        ClientError::Unreachable {
            service: "gmail-service",
            timed_out: false
        }
    );
    assert_eq!(error.status(), None);
}
