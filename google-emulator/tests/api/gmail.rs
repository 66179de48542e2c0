//! The Gmail API: paging, formats, labels, scopes, expired tokens, quota and Google's errors.

use std::collections::HashSet;
use std::time::Duration;

use base64::{Engine, engine::general_purpose::URL_SAFE};
use serde_json::Value;

use crate::helpers::*;

#[tokio::test]
async fn paging_through_the_whole_unread_set_returns_each_message_once() {
    let app = spawn_app().await;
    let token = app.login().await.access_token;
    let mailbox = app.emulator.state.mailbox(0).unwrap();
    let expected: HashSet<String> = mailbox
        .messages()
        .iter()
        .filter(|m| m.is_unread() && !m.has_label("SPAM") && !m.has_label("TRASH"))
        .map(|m| m.id.clone())
        .collect();
    assert!(expected.len() >= 60);
    let mut seen = Vec::new();
    let mut page_token: Option<String> = None;
    let mut pages = 0;
    loop {
        let mut path = "messages?q=is:unread&maxResults=7".to_owned();
        if let Some(t) = &page_token {
            path.push_str(&format!("&pageToken={t}"));
        }
        let page = app.gmail_json(&token, &path).await;
        assert_eq!(
            page["resultSizeEstimate"].as_u64().unwrap() as usize,
            expected.len()
        );
        for m in page["messages"].as_array().unwrap() {
            seen.push(m["id"].as_str().unwrap().to_owned());
            assert!(m["threadId"].is_string());
        }
        pages += 1;
        match page["nextPageToken"].as_str() {
            Some(t) => page_token = Some(t.to_owned()),
            None => break,
        }
    }
    assert_eq!(pages, expected.len().div_ceil(7));
    let unique: HashSet<String> = seen.iter().cloned().collect();
    assert_eq!(unique.len(), seen.len(), "a message came twice");
    assert_eq!(unique, expected);
    // The same set through labelIds=UNREAD, newest first.
    let by_label = app
        .gmail_json(&token, "messages?labelIds=UNREAD&maxResults=500")
        .await;
    let ids: Vec<&str> = by_label["messages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, seen.iter().map(String::as_str).collect::<Vec<_>>());
}

#[tokio::test]
async fn an_empty_result_has_no_messages_key() {
    let app = spawn_app().await;
    let token = app
        .login_with(&[("login_hint", "carol@example.com")])
        .await
        .access_token;
    let body = app.gmail_json(&token, "messages?q=is:unread").await;
    assert_eq!(body, serde_json::json!({ "resultSizeEstimate": 0 }));
    let label = app.gmail_json(&token, "labels/UNREAD").await;
    assert_eq!(label["messagesUnread"], 0);
}

#[tokio::test]
async fn list_parameters_follow_googles_rules() {
    let app = spawn_app().await;
    let token = app.login().await.access_token;
    let all = app.gmail_json(&token, "messages").await;
    assert_eq!(
        all["messages"].as_array().unwrap().len(),
        100,
        "default page is 100"
    );
    let capped = app
        .gmail_json(&token, "messages?maxResults=100000&includeSpamTrash=true")
        .await;
    let total = capped["resultSizeEstimate"].as_u64().unwrap() as usize;
    assert_eq!(capped["messages"].as_array().unwrap().len(), total.min(500));
    for bad in [
        "messages?maxResults=0",
        "messages?maxResults=abc",
        "messages?pageToken=garbage",
        "messages?includeSpamTrash=maybe",
        "messages?q=a&q=b",
    ] {
        let (reason, _) = google_error(app.gmail(&token, bad).await, 400).await;
        assert_eq!(reason, "invalidArgument", "{bad}");
    }
    // A page token is bound to its query.
    let first = app
        .gmail_json(&token, "messages?q=is:unread&maxResults=5")
        .await;
    let next = first["nextPageToken"].as_str().unwrap();
    let (reason, _) = google_error(
        app.gmail(&token, &format!("messages?q=is:read&pageToken={next}"))
            .await,
        400,
    )
    .await;
    assert_eq!(reason, "invalidArgument");
    // labelIds: all must match; spam and trash only when asked for.
    let starred_unread = app
        .gmail_json(
            &token,
            "messages?labelIds=UNREAD&labelIds=STARRED&maxResults=500",
        )
        .await;
    let mailbox = app.emulator.state.mailbox(0).unwrap();
    for m in starred_unread["messages"].as_array().unwrap_or(&vec![]) {
        let stored = mailbox.get(m["id"].as_str().unwrap()).unwrap();
        assert!(stored.has_label("UNREAD") && stored.has_label("STARRED"));
    }
    let spam = app.gmail_json(&token, "messages?q=in:spam").await;
    assert!(spam["resultSizeEstimate"].as_u64().unwrap() > 0);
    let default = app.gmail_json(&token, "messages?maxResults=500").await;
    for m in default["messages"].as_array().unwrap() {
        let stored = mailbox.get(m["id"].as_str().unwrap()).unwrap();
        assert!(!stored.has_label("SPAM") && !stored.has_label("TRASH"));
    }
}

#[tokio::test]
async fn message_formats_agree_with_each_other() {
    let app = spawn_app().await;
    let token = app.login().await.access_token;
    let list = app.gmail_json(&token, "messages?maxResults=30").await;
    for m in list["messages"].as_array().unwrap() {
        let id = m["id"].as_str().unwrap();
        let minimal = app
            .gmail_json(&token, &format!("messages/{id}?format=minimal"))
            .await;
        assert!(minimal.get("payload").is_none());
        assert_eq!(minimal["id"], id);
        assert!(minimal["historyId"].is_string() && minimal["internalDate"].is_string());
        let metadata = app
            .gmail_json(
                &token,
                &format!(
                    "messages/{id}?format=metadata&metadataHeaders=subject&metadataHeaders=FROM"
                ),
            )
            .await;
        let headers = metadata["payload"]["headers"].as_array().unwrap();
        assert!(headers.iter().all(|h| {
            ["subject", "from"].contains(&h["name"].as_str().unwrap().to_lowercase().as_str())
        }));
        let subject = headers
            .iter()
            .find(|h| h["name"].as_str().unwrap().eq_ignore_ascii_case("subject"))
            .map(|h| h["value"].clone());
        let raw = app
            .gmail_json(&token, &format!("messages/{id}?format=raw"))
            .await;
        let bytes = URL_SAFE.decode(raw["raw"].as_str().unwrap()).unwrap();
        let parsed = mailparse::parse_mail(&bytes).unwrap();
        let raw_subject = parsed
            .headers
            .iter()
            .find(|h| h.get_key().eq_ignore_ascii_case("subject"))
            .map(|h| h.get_value());
        assert_eq!(
            subject.as_ref().and_then(Value::as_str),
            raw_subject.as_deref(),
            "{id}"
        );
        let full = app.gmail_json(&token, &format!("messages/{id}")).await;
        assert_eq!(
            full["payload"]["mimeType"].as_str().unwrap(),
            parsed.ctype.mimetype
        );
        assert_eq!(full["snippet"], minimal["snippet"]);
    }
}

#[tokio::test]
async fn unknown_and_malformed_message_ids_and_formats() {
    let app = spawn_app().await;
    let token = app.login().await.access_token;
    let (reason, body) =
        google_error(app.gmail(&token, "messages/0123456789abcdef").await, 404).await;
    assert_eq!(reason, "notFound");
    assert_eq!(body["error"]["status"], "NOT_FOUND");
    let (reason, _) = google_error(app.gmail(&token, "messages/not-an-id!").await, 400).await;
    assert_eq!(reason, "invalidArgument");
    let id = app.emulator.state.mailbox(0).unwrap().messages()[0]
        .id
        .clone();
    let (reason, _) = google_error(
        app.gmail(&token, &format!("messages/{id}?format=html"))
            .await,
        400,
    )
    .await;
    assert_eq!(reason, "invalidArgument");
    let (reason, _) = google_error(app.gmail(&token, "labels/NOT_A_LABEL").await, 404).await;
    assert_eq!(reason, "notFound");
}

#[tokio::test]
async fn labels_and_profile_count_the_mailbox() {
    let app = spawn_app().await;
    let token = app.login().await.access_token;
    let mailbox = app.emulator.state.mailbox(0).unwrap();
    let label = app.gmail_json(&token, "labels/UNREAD").await;
    let unread = mailbox.messages().iter().filter(|m| m.is_unread()).count();
    assert_eq!(label["messagesUnread"].as_u64().unwrap() as usize, unread);
    assert_eq!(label["messagesTotal"].as_u64().unwrap() as usize, unread);
    assert!(label["threadsUnread"].as_u64().unwrap() <= unread as u64);
    let profile = app.gmail_json(&token, "profile").await;
    assert_eq!(profile["emailAddress"], "alice@example.com");
    assert_eq!(
        profile["messagesTotal"].as_u64().unwrap() as usize,
        mailbox.messages().len()
    );
    assert!(mailbox.messages().len() >= 120);
}

#[tokio::test]
async fn missing_invalid_and_expired_tokens_are_401_in_googles_envelope() {
    let app = spawn_app_with(|c| c.token_ttl = Duration::from_secs(1)).await;
    let tokens = app.login().await;
    let response = app
        .http
        .get(app.url("/gmail/v1/users/me/profile"))
        .send()
        .await
        .unwrap();
    assert!(response.headers().get("www-authenticate").is_some());
    let (reason, _) = google_error(response, 401).await;
    assert_eq!(reason, "required");
    let (reason, body) = google_error(app.gmail("ya29.not-a-token", "profile").await, 401).await;
    assert_eq!(reason, "authError");
    assert_eq!(body["error"]["status"], "UNAUTHENTICATED");
    assert_eq!(body["error"]["errors"][0]["locationType"], "header");
    assert_eq!(
        app.gmail(&tokens.access_token, "profile").await.status(),
        200
    );
    tokio::time::sleep(Duration::from_millis(1_200)).await;
    let (reason, _) = google_error(app.gmail(&tokens.access_token, "profile").await, 401).await;
    assert_eq!(reason, "authError");
    // A refresh brings access back.
    let refreshed: Value = app
        .refresh(tokens.refresh_token.as_deref().unwrap())
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        app.gmail(refreshed["access_token"].as_str().unwrap(), "profile")
            .await
            .status(),
        200
    );
    // The control endpoint expires tokens at once, too.
    let fresh: Value = app
        .refresh(tokens.refresh_token.as_deref().unwrap())
        .await
        .json()
        .await
        .unwrap();
    app.http
        .post(app.url("/emulator/tokens/expire"))
        .send()
        .await
        .unwrap();
    assert_eq!(
        app.gmail(fresh["access_token"].as_str().unwrap(), "profile")
            .await
            .status(),
        401
    );
}

#[tokio::test]
async fn scopes_are_enforced() {
    let app = spawn_app().await;
    let identity_only = app
        .login_with(&[("scope", "openid email")])
        .await
        .access_token;
    let (reason, body) = google_error(app.gmail(&identity_only, "messages").await, 403).await;
    assert_eq!(reason, "insufficientPermissions");
    assert_eq!(body["error"]["status"], "PERMISSION_DENIED");
    let metadata = app
        .login_with(&[(
            "scope",
            "openid https://www.googleapis.com/auth/gmail.metadata",
        )])
        .await
        .access_token;
    assert_eq!(
        app.gmail(&metadata, "messages?labelIds=UNREAD")
            .await
            .status(),
        200
    );
    assert_eq!(
        google_error(app.gmail(&metadata, "messages?q=is:unread").await, 403)
            .await
            .0,
        "forbidden"
    );
    let id = app.emulator.state.mailbox(0).unwrap().messages()[0]
        .id
        .clone();
    assert_eq!(
        google_error(app.gmail(&metadata, &format!("messages/{id}")).await, 403)
            .await
            .0,
        "forbidden"
    );
    assert_eq!(
        app.gmail(&metadata, &format!("messages/{id}?format=metadata"))
            .await
            .status(),
        200
    );
    // Another user's mailbox: delegation denied.
    let token = app.login().await.access_token;
    let response = app
        .http
        .get(app.url("/gmail/v1/users/bob@example.com/profile"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(google_error(response, 403).await.0, "forbidden");
    let response = app
        .http
        .get(app.url("/gmail/v1/users/alice@example.com/profile"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
}

#[tokio::test]
async fn the_per_user_quota_answers_429_with_retry_after() {
    let app = spawn_app_with(|c| c.quota_units_per_minute = 20).await;
    let alice = app.login().await.access_token;
    for _ in 0..4 {
        assert_eq!(
            app.gmail(&alice, "messages?maxResults=1").await.status(),
            200
        );
    }
    let response = app.gmail(&alice, "messages?maxResults=1").await;
    let retry_after: u64 = response.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=60).contains(&retry_after));
    let (reason, body) = google_error(response, 429).await;
    assert_eq!(reason, "rateLimitExceeded");
    assert_eq!(body["error"]["status"], "RESOURCE_EXHAUSTED");
    // The budget is per user.
    let bob = app
        .login_with(&[("login_hint", "bob@example.com")])
        .await
        .access_token;
    assert_eq!(app.gmail(&bob, "messages?maxResults=1").await.status(), 200);
}

/// `messages.attachments.get`: the part's bytes by the `attachmentId` of `format=full`, 5
/// units; an id of another message is 400 "Invalid attachment token", an unknown message 404,
/// the metadata scope 403.
#[tokio::test]
async fn attachments_come_by_their_id() {
    let app = spawn_app().await;
    let token = app.login().await.access_token;
    let bytes: Vec<u8> = (0..70_000u32).map(|n| (n % 251) as u8).collect();
    let encoded = base64::engine::general_purpose::STANDARD.encode(&bytes);
    let lines: Vec<&str> = encoded
        .as_bytes()
        .chunks(76)
        .map(|c| std::str::from_utf8(c).unwrap())
        .collect();
    let raw = format!(
        "From: Ann <ann@example.com>\r\nDate: Sat, 05 Dec 2026 09:00:00 +0000\r\nSubject: with a file\r\n\
         MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=\"b\"\r\n\r\n\
         --b\r\nContent-Type: text/plain\r\n\r\nSee the file.\r\n\
         --b\r\nContent-Type: application/octet-stream; name=\"data.bin\"\r\n\
         Content-Disposition: attachment; filename=\"data.bin\"\r\nContent-Transfer-Encoding: base64\r\n\r\n{}\r\n--b--\r\n",
        lines.join("\r\n")
    );
    let delivered = app
        .deliver("alice@example.com", "", "message/rfc822", raw)
        .await;
    assert_eq!(delivered.status(), 201);
    let id = delivered.json::<Value>().await.unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let message = app
        .gmail_json(&token, &format!("messages/{id}?format=full"))
        .await;
    let part = message["payload"]["parts"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["filename"] == "data.bin")
        .unwrap()
        .clone();
    assert_eq!(part["body"]["size"], 70_000);
    assert!(part["body"].get("data").is_none());
    let attachment_id = part["body"]["attachmentId"].as_str().unwrap();
    let before =
        app.get_json("/emulator/stats").await["requests"]["gmail.messages.attachments.get"]
            .as_u64()
            .unwrap_or(0);
    let answer = app
        .gmail_json(
            &token,
            &format!("messages/{id}/attachments/{attachment_id}"),
        )
        .await;
    assert_eq!(answer["size"], 70_000);
    assert_eq!(answer["attachmentId"], attachment_id);
    let data = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(answer["data"].as_str().unwrap().trim_end_matches('='))
        .unwrap();
    assert_eq!(data, bytes);
    assert_eq!(
        app.get_json("/emulator/stats").await["requests"]["gmail.messages.attachments.get"],
        before + 1
    );

    let (_, body) = google_error(
        app.gmail(
            &token,
            &format!("messages/{id}/attachments/ANGjdJnotthisone"),
        )
        .await,
        400,
    )
    .await;
    assert_eq!(body["error"]["message"], "Invalid attachment token");
    google_error(
        app.gmail(
            &token,
            &format!("messages/00000000000000ff/attachments/{attachment_id}"),
        )
        .await,
        404,
    )
    .await;
    let metadata = app
        .login_with(&[(
            "scope",
            "openid https://www.googleapis.com/auth/gmail.metadata",
        )])
        .await
        .access_token;
    google_error(
        app.gmail(
            &metadata,
            &format!("messages/{id}/attachments/{attachment_id}"),
        )
        .await,
        403,
    )
    .await;
}

/// `threads.get`: the thread's messages oldest first, in the asked format; 10 units; Gmail's
/// errors for an unknown thread, `raw`, and `full` under the metadata scope.
#[tokio::test]
async fn threads_come_whole_and_in_date_order() {
    let app = spawn_app().await;
    let token = app.login().await.access_token;
    let first = "From: Ann <ann@example.com>\r\nDate: Sat, 05 Dec 2026 09:00:00 +0000\r\n\
                 Message-ID: <plan@example.com>\r\nSubject: The plan\r\n\r\nHere is the plan.\r\n";
    let reply = "From: Bob <bob@example.com>\r\nDate: Sat, 05 Dec 2026 10:00:00 +0000\r\n\
                 Message-ID: <re-plan@example.com>\r\nIn-Reply-To: <plan@example.com>\r\n\
                 References: <plan@example.com>\r\nSubject: Re: The plan\r\n\r\nAgreed.\r\n";
    let mut ids = Vec::new();
    for raw in [first, reply] {
        let answer = app
            .deliver("alice@example.com", "", "message/rfc822", raw)
            .await;
        assert_eq!(answer.status(), 201);
        ids.push(answer.json::<Value>().await.unwrap());
    }
    assert_eq!(ids[0]["threadId"], ids[1]["threadId"]);
    let thread = ids[0]["threadId"].as_str().unwrap().to_owned();
    let before = app.get_json("/emulator/stats").await["requests"]["gmail.threads.get"]
        .as_u64()
        .unwrap_or(0);
    let full = app.gmail_json(&token, &format!("threads/{thread}")).await;
    assert_eq!(full["id"], thread.as_str());
    let messages = full["messages"].as_array().unwrap();
    assert_eq!(messages.len(), 2);
    assert_eq!(messages[0]["id"], ids[0]["id"]);
    assert_eq!(messages[1]["id"], ids[1]["id"]);
    assert!(messages[0]["payload"]["body"]["data"].is_string());
    assert!(full["historyId"].as_str().unwrap().parse::<u64>().is_ok());
    let metadata = app
        .gmail_json(
            &token,
            &format!("threads/{thread}?format=metadata&metadataHeaders=Subject"),
        )
        .await;
    let headers = metadata["messages"][1]["payload"]["headers"]
        .as_array()
        .unwrap();
    assert_eq!(headers.len(), 1);
    assert_eq!(headers[0]["value"], "Re: The plan");
    let minimal = app
        .gmail_json(&token, &format!("threads/{thread}?format=minimal"))
        .await;
    assert!(minimal["messages"][0].get("payload").is_none());
    assert_eq!(
        app.get_json("/emulator/stats").await["requests"]["gmail.threads.get"],
        before + 3
    );
    google_error(app.gmail(&token, "threads/00000000000000ff").await, 404).await;
    google_error(
        app.gmail(&token, &format!("threads/{thread}?format=raw"))
            .await,
        400,
    )
    .await;
    google_error(app.gmail(&token, "threads/not-an-id").await, 400).await;
    let metadata_only = app
        .login_with(&[(
            "scope",
            "openid https://www.googleapis.com/auth/gmail.metadata",
        )])
        .await
        .access_token;
    google_error(
        app.gmail(&metadata_only, &format!("threads/{thread}"))
            .await,
        403,
    )
    .await;
}
