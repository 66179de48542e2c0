//! The exact JSON of every type of the contract: each value serialises to the literal, and the
//! literal reads back as the value. A change here is a change of the wire format.
#![allow(clippy::unwrap_used)]

use contract::{
    auth::{
        GoogleAccessTokenAnswer, GoogleAccessTokenRequest, IssuedToken, LoginFailure, RevokedTokens,
    },
    gmail::{
        AttachmentInfo, MessageDetail, MessageSummary, Sender, UnreadCount, UnreadPage, UnreadQuery,
    },
    jwt::InternalClaims,
    problem::{Problem, ProblemCode},
};
use serde::{Serialize, de::DeserializeOwned};
use serde_json::{Value, json};

/// `value` serialises to exactly `expected` and `expected` reads back as `value`.
fn pins<T>(value: &T, expected: Value)
where
    T: Serialize + DeserializeOwned + PartialEq + std::fmt::Debug,
{
    assert_eq!(serde_json::to_value(value).unwrap(), expected);
    let back: T = serde_json::from_value(expected).unwrap();
    assert_eq!(&back, value);
}

fn summary() -> MessageSummary {
    MessageSummary {
        id: "18c2f0a1b2c3d4e5".into(),
        thread_id: "18c2f0a1b2c3d4e0".into(),
        from: Sender {
            name: Some("Ada Lovelace".into()),
            email: "ada@example.com".into(),
        },
        subject: "Notes".into(),
        date: "2026-11-20T07:10:00Z".into(),
        snippet: "On the engine".into(),
        labels: vec!["UNREAD".into(), "INBOX".into()],
    }
}

fn summary_json() -> Value {
    json!({
        "id": "18c2f0a1b2c3d4e5",
        "thread_id": "18c2f0a1b2c3d4e0",
        "from": {"name": "Ada Lovelace", "email": "ada@example.com"},
        "subject": "Notes",
        "date": "2026-11-20T07:10:00Z",
        "snippet": "On the engine",
        "labels": ["UNREAD", "INBOX"]
    })
}

#[test]
fn unread_page() {
    pins(
        &UnreadPage {
            messages: vec![summary()],
            next_page_token: Some("m1.MTcwMDAwMDAwMDAwMDoxOGMy".into()),
            result_size_estimate: 77,
            synced_at: "2026-12-02T03:40:00.123Z".into(),
            tokens_after: None,
        },
        json!({"messages": [summary_json()], "next_page_token": "m1.MTcwMDAwMDAwMDAwMDoxOGMy",
               "result_size_estimate": 77, "synced_at": "2026-12-02T03:40:00.123Z"}),
    );
    pins(
        &UnreadPage {
            messages: vec![],
            next_page_token: None,
            result_size_estimate: 0,
            synced_at: "2026-12-02T03:40:00.123Z".into(),
            tokens_after: None,
        },
        json!({"messages": [], "next_page_token": null, "result_size_estimate": 0,
               "synced_at": "2026-12-02T03:40:00.123Z"}),
    );
    pins(
        &UnreadPage {
            messages: vec![summary()],
            next_page_token: None,
            result_size_estimate: 1,
            synced_at: "2026-12-02T03:40:00.123Z".into(),
            tokens_after: Some(vec!["m1.MTcwMDAwMDAwMDAwMDoxOGMy".into()]),
        },
        json!({"messages": [summary_json()], "next_page_token": null, "result_size_estimate": 1,
               "synced_at": "2026-12-02T03:40:00.123Z",
               "tokens_after": ["m1.MTcwMDAwMDAwMDAwMDoxOGMy"]}),
    );
}

#[test]
fn a_sender_without_a_name_is_null() {
    pins(
        &Sender {
            name: None,
            email: "a@example.com".into(),
        },
        json!({"name": null, "email": "a@example.com"}),
    );
}

#[test]
fn message_detail_and_its_summary() {
    let detail = MessageDetail {
        id: "18c2f0a1b2c3d4e5".into(),
        thread_id: "18c2f0a1b2c3d4e0".into(),
        from: summary().from,
        subject: "Notes".into(),
        date: "2026-11-20T07:10:00Z".into(),
        snippet: "On the engine".into(),
        labels: vec!["UNREAD".into(), "INBOX".into()],
        body_text: "Dear Charles,\n".into(),
        body_html: None,
        attachments: vec![AttachmentInfo {
            filename: "report.pdf".into(),
            mime_type: "application/pdf".into(),
            size: 1234,
            attachment_id: None,
            content_id: None,
        }],
    };
    let mut expected = summary_json();
    expected["body_text"] = json!("Dear Charles,\n");
    expected["body_html"] = json!(null);
    expected["attachments"] = json!([{"filename": "report.pdf", "mime_type": "application/pdf", "size": 1234, "attachment_id": null, "content_id": null}]);
    pins(&detail, expected.clone());
    assert_eq!(detail.summary(), summary());

    // With an HTML part and an attachment's content at Gmail.
    let mut html = detail;
    html.body_html = Some("<p>Dear <b>Charles</b>,</p>".into());
    html.attachments[0].attachment_id = Some("2".into());
    expected["body_html"] = json!("<p>Dear <b>Charles</b>,</p>");
    expected["attachments"][0]["attachment_id"] = json!("2");
    pins(&html, expected);
}

#[test]
fn a_missing_field_is_an_error_not_a_default() {
    let mut incomplete = summary_json();
    incomplete.as_object_mut().unwrap().remove("subject");
    assert!(serde_json::from_value::<MessageSummary>(incomplete).is_err());
    assert!(serde_json::from_value::<UnreadPage>(json!({"messages": []})).is_err());
}

#[test]
fn unread_count() {
    pins(
        &UnreadCount {
            unread: 79,
            synced_at: "2026-12-02T03:40:00.123Z".into(),
        },
        json!({"unread": 79, "synced_at": "2026-12-02T03:40:00.123Z"}),
    );
}

#[test]
fn unread_query_as_a_query_string() {
    pins(
        &UnreadQuery::new(5, Some("tok")),
        json!({"limit": 5, "page_token": "tok"}),
    );
    pins(&UnreadQuery::default(), json!({}));
    assert!(serde_json::from_value::<UnreadQuery>(json!({"limit": 5, "other": 1})).is_err());
}

#[test]
fn issued_token() {
    pins(
        &IssuedToken {
            access_token: "eyJ.a.b".into(),
            token_type: "Bearer".into(),
            expires_in: 300,
            expires_at: 1_790_000_000,
            email: "alice@example.com".into(),
        },
        json!({
            "access_token": "eyJ.a.b",
            "token_type": "Bearer",
            "expires_in": 300,
            "expires_at": 1_790_000_000,
            "email": "alice@example.com"
        }),
    );
}

#[test]
fn revoked_tokens() {
    pins(
        &RevokedTokens {
            not_before: 1_790_000_001,
        },
        json!({"not_before": 1_790_000_001}),
    );
}

#[test]
fn google_access_token_request_and_answer() {
    pins(&GoogleAccessTokenRequest::default(), json!({}));
    let hash = "ab".repeat(32);
    pins(
        &GoogleAccessTokenRequest {
            rejected_access_token_sha256: Some(hash.clone()),
        },
        json!({"rejected_access_token_sha256": hash}),
    );
    assert!(
        serde_json::from_value::<GoogleAccessTokenRequest>(json!({"account": "other"})).is_err()
    );
    pins(
        &GoogleAccessTokenAnswer {
            access_token: "ya29.x".into(),
            expires_at: 1_790_003_599,
        },
        json!({"access_token": "ya29.x", "expires_at": 1_790_003_599}),
    );
}

#[test]
fn internal_claims() {
    pins(
        &InternalClaims {
            iss: "auth-service".into(),
            aud: "gmail-service".into(),
            sub: "1234".into(),
            email: "alice@example.com".into(),
            iat: 10,
            nbf: 10,
            exp: 310,
            jti: "j".into(),
        },
        json!({
            "iss": "auth-service", "aud": "gmail-service", "sub": "1234",
            "email": "alice@example.com", "iat": 10, "nbf": 10, "exp": 310, "jti": "j"
        }),
    );
}

#[test]
fn problem_with_and_without_retry_after() {
    pins(
        &Problem::new(
            429,
            ProblemCode::UpstreamRateLimited,
            "Gmail asks to slow down",
            "Retry later.",
        )
        .with_retry_after(7),
        json!({
            "type": "urn:gmail-unread:problem:upstream_rate_limited",
            "title": "Gmail asks to slow down",
            "status": 429,
            "detail": "Retry later.",
            "code": "upstream_rate_limited",
            "retry_after": 7
        }),
    );
    pins(
        &Problem::not_found("No such message."),
        json!({
            "type": "urn:gmail-unread:problem:not_found",
            "title": "Not found",
            "status": 404,
            "detail": "No such message.",
            "code": "not_found"
        }),
    );
}

#[test]
fn every_problem_code_is_its_snake_case_name() {
    use ProblemCode as C;
    let all = [
        (C::BadRequest, "bad_request"),
        (C::InvalidToken, "invalid_token"),
        (C::NotLoggedIn, "not_logged_in"),
        (C::ReauthRequired, "reauth_required"),
        (C::InvalidCredential, "invalid_credential"),
        (C::CrossSiteRequest, "cross_site_request"),
        (C::InsufficientScope, "insufficient_scope"),
        (C::NotFound, "not_found"),
        (C::MethodNotAllowed, "method_not_allowed"),
        (C::RequestTimeout, "request_timeout"),
        (C::LengthRequired, "length_required"),
        (C::PayloadTooLarge, "payload_too_large"),
        (C::UriTooLong, "uri_too_long"),
        (C::UnsupportedMediaType, "unsupported_media_type"),
        (
            C::RequestHeaderFieldsTooLarge,
            "request_header_fields_too_large",
        ),
        (C::ClientError, "client_error"),
        (C::RateLimited, "rate_limited"),
        (C::UpstreamRateLimited, "upstream_rate_limited"),
        (C::UpstreamError, "upstream_error"),
        (C::UpstreamUnavailable, "upstream_unavailable"),
        (C::DependencyUnavailable, "dependency_unavailable"),
        (C::NotReady, "not_ready"),
        (C::InternalError, "internal_error"),
        (C::Unknown, "unknown"),
    ];
    for (code, text) in all {
        pins(&code, json!(text));
        assert_eq!(code.as_str(), text);
    }
    // A code from a newer service is read, as unknown.
    assert_eq!(
        serde_json::from_value::<ProblemCode>(json!("brand_new_code")).unwrap(),
        C::Unknown
    );
}

#[test]
fn every_status_a_server_answers_by_itself_has_its_code() {
    for (status, code) in [
        (400, ProblemCode::BadRequest),
        (404, ProblemCode::NotFound),
        (405, ProblemCode::MethodNotAllowed),
        (413, ProblemCode::PayloadTooLarge),
        (418, ProblemCode::ClientError),
        (431, ProblemCode::RequestHeaderFieldsTooLarge),
        (500, ProblemCode::InternalError),
    ] {
        let problem = Problem::for_status(status);
        assert_eq!(problem.code, code, "{status}");
        assert_eq!(
            problem.type_uri,
            format!("urn:gmail-unread:problem:{}", code.as_str())
        );
    }
}

#[test]
fn login_failures_are_their_codes() {
    for reason in LoginFailure::ALL {
        pins(&reason, json!(reason.code()));
    }
}

#[test]
fn attachment_ids_are_part_ids() {
    use contract::gmail::is_valid_attachment_id;
    for good in ["1", "2.1", "10.2.3", "0"] {
        assert!(is_valid_attachment_id(good), "{good}");
    }
    for bad in [
        "",
        ".",
        "1.",
        ".1",
        "1..2",
        "a",
        "1/2",
        "..%2f",
        "ANGjdJ8",
        "12345",
        &"1.".repeat(20),
    ] {
        assert!(!is_valid_attachment_id(bad), "{bad}");
    }
}
