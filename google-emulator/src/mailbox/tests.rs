//! Tests of the demo mailboxes: determinism, volume and variety, and the
//! round trip spec → raw → mailparse → Gmail JSON → decoded text for every
//! message of every kind.

use std::collections::{BTreeMap, BTreeSet, HashSet};

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE;
use mailparse::{MailHeaderMap as _, ParsedMail};
use serde_json::Value;

use super::*;

const ADA: Owner<'static> = Owner {
    name: "Ada Lovelace",
    email: "ada.lovelace@example.com",
};
const GRACE: Owner<'static> = Owner {
    name: "Grace Hopper",
    email: "grace@example.org",
};
const HANAKO: Owner<'static> = Owner {
    name: "山田 花子",
    email: "hanako.yamada@example.jp",
};

const KINDS: [MailboxKind; 3] = [MailboxKind::Large, MailboxKind::Small, MailboxKind::AllRead];

fn collapse_whitespace(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// A deliberately simple HTML-to-text conversion: drops style, script and
/// title content, breaks lines at block elements, strips tags, decodes entities.
fn html_to_text(html: &str) -> String {
    let mut text = html.to_string();
    for element in ["style", "script", "title"] {
        loop {
            let lower = text.to_ascii_lowercase();
            let Some(start) = lower.find(&format!("<{element}")) else {
                break;
            };
            let close = format!("</{element}>");
            let end = lower[start..]
                .find(&close)
                .map(|offset| start + offset + close.len())
                .unwrap_or(text.len());
            text.replace_range(start..end, "");
        }
    }
    let mut plain = String::new();
    let mut rest = text.as_str();
    while let Some(open) = rest.find('<') {
        plain.push_str(&rest[..open]);
        let Some(close) = rest[open..].find('>') else {
            break;
        };
        let tag = rest[open + 1..open + close].to_ascii_lowercase();
        let name = tag
            .trim_start_matches('/')
            .split([' ', '/'])
            .next()
            .unwrap_or("");
        if [
            "br",
            "p",
            "li",
            "ul",
            "ol",
            "div",
            "h1",
            "h2",
            "h3",
            "tr",
            "table",
            "blockquote",
        ]
        .contains(&name)
        {
            plain.push('\n');
        }
        rest = &rest[open + close + 1..];
    }
    plain.push_str(rest);
    html_escape::decode_html_entities(&plain).into_owned()
}

/// The words of a text, without surrounding punctuation.
fn words(text: &str) -> Vec<String> {
    text.split_whitespace()
        .map(|word| {
            word.trim_matches(|c: char| !c.is_alphanumeric())
                .to_string()
        })
        .filter(|word| !word.is_empty())
        .collect()
}

fn decode_base64url(data: &str) -> Vec<u8> {
    URL_SAFE
        .decode(data)
        .expect("body.data is padded base64url")
}

fn header_value<'a>(part: &'a Value, name: &str) -> Option<&'a str> {
    part["headers"]
        .as_array()?
        .iter()
        .find(|header| {
            header["name"]
                .as_str()
                .is_some_and(|key| key.eq_ignore_ascii_case(name))
        })
        .and_then(|header| header["value"].as_str())
}

/// Leaf parts in depth-first order.
fn leaves(part: &Value) -> Vec<&Value> {
    match part["parts"].as_array() {
        Some(children) => children.iter().flat_map(leaves).collect(),
        None => vec![part],
    }
}

/// The part a reader reads: the first non-attachment text/plain, else text/html.
fn main_text_part(payload: &Value) -> &Value {
    let parts = leaves(payload);
    let readable = |mime_type: &str| {
        parts
            .iter()
            .copied()
            .find(|part| part["mimeType"] == mime_type && part["filename"] == "")
    };
    readable("text/plain")
        .or_else(|| readable("text/html"))
        .expect("a readable text part")
}

/// A text part's body, decoded with the charset of its Content-Type, CRLF → LF, trailing newlines trimmed.
fn decoded_text(part: &Value) -> (String, String) {
    let data = decode_base64url(part["body"]["data"].as_str().expect("body.data"));
    assert_eq!(part["body"]["size"].as_u64(), Some(data.len() as u64));
    let content_type =
        mailparse::parse_content_type(header_value(part, "Content-Type").expect("Content-Type"));
    let encoding = encoding_rs::Encoding::for_label(content_type.charset.as_bytes())
        .unwrap_or_else(|| panic!("unknown charset {}", content_type.charset));
    let (text, had_errors) = encoding.decode_without_bom_handling(&data);
    assert!(
        !had_errors,
        "{} body does not decode cleanly",
        content_type.charset
    );
    let text = text.replace("\r\n", "\n");
    (
        text.trim_end_matches('\n').to_string(),
        content_type.charset,
    )
}

fn check_part_ids(part: &Value, expected_id: &str) {
    assert_eq!(part["partId"], expected_id);
    if let Some(children) = part["parts"].as_array() {
        assert!(part["mimeType"].as_str().unwrap().starts_with("multipart/"));
        assert_eq!(part["body"], serde_json::json!({"size": 0}));
        assert_eq!(part["filename"], "");
        for (index, child) in children.iter().enumerate() {
            let child_id = if expected_id.is_empty() {
                index.to_string()
            } else {
                format!("{expected_id}.{index}")
            };
            check_part_ids(child, &child_id);
        }
    }
}

fn root_mime_type(shape: MessageShape) -> &'static str {
    match shape {
        MessageShape::PlainOnly => "text/plain",
        MessageShape::HtmlOnly => "text/html",
        MessageShape::Alternative => "multipart/alternative",
        MessageShape::MixedWithAttachments
        | MessageShape::MixedAlternativeWithAttachments
        | MessageShape::NestedRelated => "multipart/mixed",
    }
}

/// Line-level checks of the raw bytes of one MIME part and its children.
fn check_raw_encoding(part: &ParsedMail<'_>, context: &str) {
    for child in &part.subparts {
        check_raw_encoding(child, context);
    }
    if !part.subparts.is_empty() {
        return;
    }
    let transfer = part
        .headers
        .get_first_value("Content-Transfer-Encoding")
        .unwrap_or_default()
        .to_ascii_lowercase();
    let body = match part.get_body_encoded() {
        mailparse::body::Body::Base64(body) | mailparse::body::Body::QuotedPrintable(body) => {
            body.get_raw()
        }
        mailparse::body::Body::SevenBit(body) | mailparse::body::Body::EightBit(body) => {
            body.get_raw()
        }
        mailparse::body::Body::Binary(body) => body.get_raw(),
    };
    match transfer.as_str() {
        "base64" | "quoted-printable" => {
            for line in body.split(|&byte| byte == b'\n') {
                assert!(
                    line.len() <= 77,
                    "{context}: {transfer} line of {} bytes",
                    line.len()
                );
                assert!(line.is_ascii(), "{context}: non-ASCII in {transfer}");
            }
        }
        "7bit" => assert!(body.is_ascii(), "{context}: 8-bit data in a 7bit part"),
        "8bit" => {}
        other => panic!("{context}: unexpected transfer encoding {other:?}"),
    }
}

/// Checks everything about one message; returns nothing, panics with context.
fn check_round_trip(message: &StoredMessage) {
    let spec = &message.spec;
    let context = format!("{} ({:?}, {:?})", message.id, spec.subject, spec.shape);

    // Raw: CRLF only, no overlong line, parses.
    for (position, &byte) in message.raw.iter().enumerate() {
        if byte == b'\n' {
            assert_eq!(
                message.raw.get(position.wrapping_sub(1)),
                Some(&b'\r'),
                "{context}: bare LF"
            );
        }
    }
    assert!(
        message
            .raw
            .split(|&byte| byte == b'\n')
            .all(|line| line.len() <= 998),
        "{context}"
    );
    let parsed = mailparse::parse_mail(&message.raw).expect("raw parses");
    check_raw_encoding(&parsed, &context);
    assert_eq!(message.size_estimate, message.raw.len() as u64);

    // Headers, decoded.
    assert_eq!(
        message.header("subject"),
        Some(spec.subject.as_str()),
        "{context}"
    );
    assert_eq!(message.header("TO"), Some(spec.to.as_str()), "{context}");
    let from = message.header("From").expect("From");
    assert!(from.contains(&spec.from_email), "{context}: {from}");
    if let Some(name) = &spec.from_name {
        assert!(
            from.contains(name.as_str()),
            "{context}: {from} lacks {name}"
        );
    }
    let date = mailparse::dateparse(message.header("Date").expect("Date")).expect("Date parses");
    assert_eq!(date, spec.date.timestamp(), "{context}");
    assert!(message.internal_date_ms >= spec.date.timestamp_millis());

    // format=full.
    let full = message.to_gmail_json(MessageFormat::Full, &[]);
    assert_eq!(full["id"], message.id.as_str());
    assert_eq!(full["threadId"], message.thread_id.as_str());
    assert_eq!(full["historyId"], message.history_id.to_string());
    assert_eq!(full["internalDate"], message.internal_date_ms.to_string());
    assert_eq!(full["sizeEstimate"], message.raw.len() as u64);
    assert_eq!(full["snippet"], message.snippet.as_str());
    assert!(full.get("raw").is_none());
    let payload = &full["payload"];
    check_part_ids(payload, "");
    assert_eq!(payload["mimeType"], root_mime_type(spec.shape), "{context}");
    assert_eq!(
        header_value(payload, "Subject"),
        Some(spec.subject.as_str())
    );

    let main = main_text_part(payload);
    let (text, charset) = decoded_text(main);
    assert!(
        charset.eq_ignore_ascii_case(&spec.charset),
        "{context}: {charset} vs {}",
        spec.charset
    );
    assert_eq!(
        header_value(main, "Content-Transfer-Encoding"),
        Some(spec.transfer_encoding.as_str()),
        "{context}"
    );
    if spec.shape == MessageShape::HtmlOnly {
        assert_eq!(main["mimeType"], "text/html");
        let shown = html_to_text(&text);
        assert_eq!(
            collapse_whitespace(&shown),
            collapse_whitespace(&spec.expected_text),
            "{context}"
        );
        for word in words(&spec.expected_text) {
            assert!(
                text.contains(&word) || shown.contains(&word),
                "{context}: HTML lacks {word:?}"
            );
        }
        assert!(
            !spec.expected_text.contains('<'),
            "{context}: tags in expected text"
        );
    } else {
        assert_eq!(main["mimeType"], "text/plain");
        assert_eq!(text, spec.expected_text, "{context}");
    }

    // Every HTML version shows the words of the text.
    let html_parts: Vec<&Value> = leaves(payload)
        .into_iter()
        .filter(|part| part["mimeType"] == "text/html" && part["filename"] == "")
        .collect();
    let has_html = !matches!(
        spec.shape,
        MessageShape::PlainOnly | MessageShape::MixedWithAttachments
    );
    assert_eq!(html_parts.len(), usize::from(has_html), "{context}");
    for html_part in html_parts {
        let (html, _) = decoded_text(html_part);
        let shown = collapse_whitespace(&html_to_text(&html));
        for word in words(&spec.expected_text) {
            assert!(
                shown.contains(&word),
                "{context}: HTML version lacks {word:?}"
            );
        }
    }

    // Attachments: name, type, size; an attachmentId and no data.
    let attachment_parts: Vec<&Value> = leaves(payload)
        .into_iter()
        .filter(|part| part["filename"] != "")
        .collect();
    let listed: Vec<ExpectedAttachment> = attachment_parts
        .iter()
        .map(|part| ExpectedAttachment {
            filename: part["filename"].as_str().unwrap().to_string(),
            mime_type: part["mimeType"].as_str().unwrap().to_string(),
            size: part["body"]["size"].as_u64().unwrap(),
        })
        .collect();
    assert_eq!(listed, spec.attachments, "{context}");
    for part in attachment_parts {
        assert!(part["body"].get("data").is_none());
        let attachment_id = part["body"]["attachmentId"].as_str().expect("attachmentId");
        let data = message
            .attachment_data(attachment_id)
            .expect("attachment bytes");
        assert_eq!(data.len() as u64, part["body"]["size"].as_u64().unwrap());
    }

    // format=raw.
    let raw = message.to_gmail_json(MessageFormat::Raw, &[]);
    assert_eq!(decode_base64url(raw["raw"].as_str().unwrap()), message.raw);
    assert!(raw.get("payload").is_none());

    // format=minimal.
    let minimal = message.to_gmail_json(MessageFormat::Minimal, &[]);
    let keys: BTreeSet<&str> = minimal
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(
        keys,
        BTreeSet::from([
            "id",
            "threadId",
            "labelIds",
            "snippet",
            "historyId",
            "internalDate",
            "sizeEstimate"
        ])
    );

    // format=metadata, unfiltered and filtered case-insensitively.
    let metadata = message.to_gmail_json(MessageFormat::Metadata, &[]);
    assert_eq!(metadata["payload"]["headers"], payload["headers"]);
    assert!(
        metadata["payload"].get("body").is_none() && metadata["payload"].get("parts").is_none()
    );
    assert_eq!(metadata["payload"]["mimeType"], payload["mimeType"]);
    let filtered = message.to_gmail_json(
        MessageFormat::Metadata,
        &["subject".to_string(), "FROM".to_string()],
    );
    let names: Vec<&str> = filtered["payload"]["headers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|header| header["name"].as_str().unwrap())
        .collect();
    let expected_order: Vec<&str> = payload["headers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|header| header["name"].as_str().unwrap())
        .filter(|name| *name == "Subject" || *name == "From")
        .collect();
    assert_eq!(names, expected_order, "{context}");
    assert_eq!(names.len(), 2, "{context}");

    // Snippet and search text.
    assert_eq!(message.snippet, snippet(&spec.expected_text));
    assert!(message.search_text().contains(&spec.subject.to_lowercase()));
    assert!(
        message
            .search_text()
            .contains(&spec.from_email.to_lowercase())
    );
}

#[test]
fn message_format_parses_exact_lowercase_names() {
    assert_eq!(
        MessageFormat::parse("minimal"),
        Some(MessageFormat::Minimal)
    );
    assert_eq!(
        MessageFormat::parse("metadata"),
        Some(MessageFormat::Metadata)
    );
    assert_eq!(MessageFormat::parse("full"), Some(MessageFormat::Full));
    assert_eq!(MessageFormat::parse("raw"), Some(MessageFormat::Raw));
    assert_eq!(MessageFormat::parse("FULL"), None);
    assert_eq!(MessageFormat::parse(" full"), None);
    assert_eq!(MessageFormat::parse(""), None);
}

#[test]
fn building_twice_gives_identical_mailboxes() {
    for kind in KINDS {
        let first = Mailbox::build(kind, &ADA);
        let second = Mailbox::build(kind, &ADA);
        assert_eq!(first.messages().len(), second.messages().len());
        for (a, b) in first.messages().iter().zip(second.messages()) {
            assert_eq!(a.id, b.id);
            assert_eq!(a.raw, b.raw);
            assert_eq!(a.label_ids, b.label_ids);
            assert_eq!(a.history_id, b.history_id);
            assert_eq!(
                a.to_gmail_json(MessageFormat::Full, &[]),
                b.to_gmail_json(MessageFormat::Full, &[])
            );
        }
        assert_eq!(first.history_id(), second.history_id());
    }
}

#[test]
fn ids_are_gmail_shaped_and_unique_across_kinds_and_owners() {
    let mut seen = HashSet::new();
    let mut total = 0;
    for owner in [ADA, GRACE] {
        for kind in KINDS {
            for message in Mailbox::build(kind, &owner).messages() {
                assert_eq!(message.id.len(), 16);
                assert!(
                    message
                        .id
                        .chars()
                        .all(|c| c.is_ascii_hexdigit() && !c.is_ascii_uppercase())
                );
                assert!(
                    seen.insert(message.id.clone()),
                    "duplicate id {}",
                    message.id
                );
                total += 1;
            }
        }
    }
    assert_eq!(seen.len(), total);
}

#[test]
fn mailboxes_of_different_owners_differ() {
    for kind in KINDS {
        let ada = Mailbox::build(kind, &ADA);
        let grace = Mailbox::build(kind, &GRACE);
        for (a, g) in ada.messages().iter().zip(grace.messages()) {
            assert_ne!(a.raw, g.raw);
        }
        let received = ada
            .messages()
            .iter()
            .find(|message| !message.has_label("SENT"))
            .unwrap();
        assert!(received.header("To").unwrap().contains(ADA.email));
    }
}

#[test]
fn messages_are_newest_first_and_found_by_id() {
    for kind in KINDS {
        let mailbox = Mailbox::build(kind, &GRACE);
        for pair in mailbox.messages().windows(2) {
            let (newer, older) = (&pair[0], &pair[1]);
            assert!(
                newer.internal_date_ms > older.internal_date_ms
                    || (newer.internal_date_ms == older.internal_date_ms && newer.id < older.id),
                "not newest first: {} then {}",
                newer.id,
                older.id
            );
        }
        for message in mailbox.messages() {
            assert_eq!(
                mailbox.get(&message.id).map(|found| &found.id),
                Some(&message.id)
            );
        }
        assert!(mailbox.get("0000000000000000").is_none());
        let history_ids: HashSet<u64> = mailbox
            .messages()
            .iter()
            .map(|message| message.history_id)
            .collect();
        assert_eq!(history_ids.len(), mailbox.messages().len());
        assert_eq!(
            Some(mailbox.history_id()),
            history_ids.iter().max().copied()
        );
        // History ids follow delivery order.
        let newest = &mailbox.messages()[0];
        assert_eq!(newest.history_id, mailbox.history_id());
    }
}

#[test]
fn every_message_of_every_kind_round_trips() {
    for (kind, owner) in [
        (MailboxKind::Large, ADA),
        (MailboxKind::Large, HANAKO),
        (MailboxKind::Small, GRACE),
        (MailboxKind::Small, HANAKO),
        (MailboxKind::AllRead, ADA),
    ] {
        let mailbox = Mailbox::build(kind, &owner);
        for message in mailbox.messages() {
            check_round_trip(message);
        }
    }
}

#[test]
fn the_large_mailbox_has_volume_and_spread() {
    let mailbox = Mailbox::build(MailboxKind::Large, &ADA);
    let messages = mailbox.messages();
    assert!(messages.len() >= 130, "{} messages", messages.len());
    let unread = messages
        .iter()
        .filter(|message| message.is_unread())
        .count();
    assert!(unread >= 70, "{unread} unread");
    let inbox_unread = messages
        .iter()
        .filter(|message| message.is_unread() && message.has_label("INBOX"))
        .count();
    assert!(inbox_unread >= 65, "{inbox_unread} unread in the inbox");
    let senders: HashSet<&str> = messages
        .iter()
        .filter(|message| !message.has_label("SENT"))
        .map(|message| message.spec.from_email.as_str())
        .collect();
    assert!(senders.len() >= 25, "{} senders", senders.len());
    let japanese_display_names = messages
        .iter()
        .filter_map(|message| message.spec.from_name.as_deref())
        .filter(|name| name.chars().any(|c| ('\u{3040}'..='\u{9fff}').contains(&c)))
        .collect::<HashSet<_>>();
    assert!(
        japanese_display_names.len() >= 4,
        "{japanese_display_names:?}"
    );

    let first = chrono::DateTime::parse_from_rfc3339("2026-08-01T00:00:00Z").unwrap();
    let last = chrono::DateTime::parse_from_rfc3339("2026-11-21T00:00:00Z").unwrap();
    let mut days = BTreeMap::new();
    for message in messages {
        assert!(
            message.spec.date >= first && message.spec.date < last,
            "{:?}",
            message.spec.date
        );
        *days.entry(message.spec.date.date_naive()).or_insert(0) += 1;
    }
    assert!(days.len() >= 60, "only {} distinct days", days.len());
    assert!(
        days.values().any(|&count| count >= 3),
        "no day with several messages"
    );
    let months: BTreeSet<u32> = messages
        .iter()
        .map(|message| chrono::Datelike::month(&message.spec.date))
        .collect();
    assert_eq!(months, BTreeSet::from([8, 9, 10, 11]));
}

#[test]
fn the_large_mailbox_has_every_shape_charset_and_encoding() {
    let mailbox = Mailbox::build(MailboxKind::Large, &ADA);
    let messages = mailbox.messages();
    for shape in [
        MessageShape::PlainOnly,
        MessageShape::Alternative,
        MessageShape::HtmlOnly,
        MessageShape::MixedWithAttachments,
        MessageShape::MixedAlternativeWithAttachments,
        MessageShape::NestedRelated,
    ] {
        let of_shape: Vec<&StoredMessage> = messages
            .iter()
            .filter(|message| message.spec.shape == shape)
            .collect();
        assert!(of_shape.len() >= 3, "{shape:?}: {}", of_shape.len());
        assert!(
            of_shape.iter().any(|message| message.is_unread()),
            "{shape:?}: none unread"
        );
    }
    let count_charset = |charset: &str| {
        messages
            .iter()
            .filter(|message| message.spec.charset == charset)
            .count()
    };
    for (charset, at_least) in [
        ("UTF-8", 50),
        ("ISO-2022-JP", 3),
        ("Shift_JIS", 3),
        ("ISO-8859-1", 3),
        ("ISO-8859-15", 3),
        ("windows-1252", 2),
    ] {
        assert!(
            count_charset(charset) >= at_least,
            "{charset}: {}",
            count_charset(charset)
        );
    }
    for encoding in ["7bit", "8bit", "quoted-printable", "base64"] {
        assert!(
            messages
                .iter()
                .any(|message| message.spec.transfer_encoding == encoding),
            "{encoding}"
        );
    }
    let unread_charsets: HashSet<&str> = messages
        .iter()
        .filter(|message| message.is_unread())
        .map(|message| message.spec.charset.as_str())
        .collect();
    for charset in [
        "ISO-2022-JP",
        "Shift_JIS",
        "ISO-8859-1",
        "ISO-8859-15",
        "windows-1252",
    ] {
        assert!(
            unread_charsets.contains(charset),
            "no unread {charset} message"
        );
    }

    let raw_texts: Vec<String> = messages
        .iter()
        .map(|message| String::from_utf8_lossy(&message.raw).into_owned())
        .collect();
    let any_raw = |needle: &str| raw_texts.iter().any(|raw| raw.contains(needle));
    assert!(any_raw("Subject: =?ISO-2022-JP?B?"));
    assert!(any_raw("Subject: =?Shift_JIS?B?"));
    assert!(any_raw("Subject: =?ISO-8859-1?Q?Gr=FC=DFe_aus_M=FCnchen?="));
    assert!(any_raw("From: =?ISO-2022-JP?B?"));
    assert!(any_raw("From: =?UTF-8?B?"));
    assert!(any_raw("From: =?ISO-8859-1?Q?J=FCrgen"));
    assert!(any_raw("filename*0*=UTF-8''"), "no RFC 2231 filename");
    assert!(any_raw("filename=\"=?UTF-8?B?"), "no RFC 2047 filename");
    assert!(any_raw(
        "Content-Type: text/plain; charset=\"ISO-8859-15\"\r\nContent-Transfer-Encoding: quoted-printable"
    ));
    assert!(any_raw("Content-Type: multipart/related;"));
    assert!(any_raw("Content-ID: <ii_empty_state>"));

    // Japanese filenames come back decoded.
    let filenames: HashSet<&str> = messages
        .iter()
        .flat_map(|message| {
            message
                .spec
                .attachments
                .iter()
                .map(|attachment| attachment.filename.as_str())
        })
        .collect();
    for name in [
        "会議資料_2026年10月.pdf",
        "設計レビュー_チェックリスト.txt",
        "京都の写真.png",
    ] {
        assert!(filenames.contains(name), "{name}");
    }
    let mime_types: HashSet<&str> = messages
        .iter()
        .flat_map(|message| {
            message
                .spec
                .attachments
                .iter()
                .map(|attachment| attachment.mime_type.as_str())
        })
        .collect();
    for mime_type in ["application/pdf", "image/png", "text/plain", "text/csv"] {
        assert!(mime_types.contains(mime_type), "{mime_type}");
    }

    // An HTML-only mail with style and script that the reader never sees.
    let with_script = messages
        .iter()
        .filter(|message| {
            let raw = String::from_utf8_lossy(&message.raw).into_owned();
            message.spec.shape == MessageShape::HtmlOnly
                && raw.contains("<script")
                && raw.contains("<style")
        })
        .collect::<Vec<_>>();
    assert!(!with_script.is_empty());
    for message in with_script {
        assert!(!message.spec.expected_text.contains("tracking"));
        assert!(!message.spec.expected_text.contains("font-family"));
        assert!(!message.snippet.contains("tracking"));
    }
    // Entities in HTML-only mail.
    for entity in ["&amp;", "&nbsp;", "&#8217;", "<br>", "<li>", "<a href="] {
        assert!(
            messages
                .iter()
                .any(|message| message.spec.shape == MessageShape::HtmlOnly
                    && String::from_utf8_lossy(&message.raw).contains(entity)),
            "no HTML-only message with {entity}"
        );
    }
}

#[test]
fn the_large_mailbox_has_a_long_thread() {
    let mailbox = Mailbox::build(MailboxKind::Large, &ADA);
    let mut threads: BTreeMap<&str, Vec<&StoredMessage>> = BTreeMap::new();
    for message in mailbox.messages() {
        threads
            .entry(message.thread_id.as_str())
            .or_default()
            .push(message);
    }
    let (thread_id, mut thread) = threads
        .into_iter()
        .max_by_key(|(_, messages)| messages.len())
        .unwrap();
    assert!(thread.len() >= 12, "longest thread has {}", thread.len());
    thread.sort_by_key(|message| message.internal_date_ms);
    assert_eq!(
        thread[0].id, thread_id,
        "thread id is the first message's id"
    );
    assert!(thread.iter().filter(|message| message.is_unread()).count() >= 3);
    assert!(thread.iter().any(|message| message.has_label("SENT")));
    let first_message_id = thread[0].header("Message-ID").unwrap().to_string();
    for pair in thread.windows(2) {
        let reply = pair[1];
        assert!(reply.spec.subject.starts_with("Re: "));
        assert_eq!(reply.header("In-Reply-To"), pair[0].header("Message-ID"));
        assert!(
            reply
                .header("References")
                .unwrap()
                .contains(&first_message_id)
        );
        assert!(
            reply
                .spec
                .expected_text
                .lines()
                .any(|line| line.starts_with("> "))
        );
    }
    // Other conversations exist too (two to three messages).
    let mailbox_threads: HashSet<&str> = mailbox
        .messages()
        .iter()
        .map(|message| message.thread_id.as_str())
        .collect();
    assert!(mailbox_threads.len() + 20 < mailbox.messages().len());
}

#[test]
fn labels_cover_folders_categories_stars_and_importance() {
    let mailbox = Mailbox::build(MailboxKind::Large, &ADA);
    let messages = mailbox.messages();
    let count = |label: &str| {
        messages
            .iter()
            .filter(|message| message.has_label(label))
            .count()
    };
    for (label, at_least) in [
        ("SPAM", 3),
        ("TRASH", 3),
        ("SENT", 5),
        ("STARRED", 4),
        ("IMPORTANT", 10),
        ("CATEGORY_PERSONAL", 10),
        ("CATEGORY_SOCIAL", 3),
        ("CATEGORY_PROMOTIONS", 3),
        ("CATEGORY_UPDATES", 10),
        ("CATEGORY_FORUMS", 3),
    ] {
        assert!(count(label) >= at_least, "{label}: {}", count(label));
    }
    for message in messages {
        let folders = ["INBOX", "SENT", "SPAM", "TRASH"]
            .iter()
            .filter(|folder| message.has_label(folder))
            .count();
        assert_eq!(folders, 1, "{}: {:?}", message.id, message.label_ids);
        if message.has_label("SENT") {
            assert_eq!(message.spec.from_email, ADA.email);
            assert!(!message.is_unread());
        } else {
            assert!(
                message.header("To").unwrap().contains(ADA.email)
                    || message
                        .header("Cc")
                        .is_some_and(|cc| cc.contains(ADA.email))
            );
            assert!(message.header("Delivered-To") == Some(ADA.email));
        }
    }
    assert!(
        messages
            .iter()
            .any(|message| message.has_label("SPAM") && message.is_unread())
    );
}

#[test]
fn the_small_and_all_read_mailboxes() {
    let small = Mailbox::build(MailboxKind::Small, &GRACE);
    let count = small.messages().len();
    assert!((22..=28).contains(&count), "{count} messages");
    let unread = small
        .messages()
        .iter()
        .filter(|message| message.is_unread())
        .count();
    assert!((8..=12).contains(&unread), "{unread} unread");
    assert!(small.messages().iter().any(|message| {
        message.spec.charset == "UTF-8"
            && message
                .spec
                .subject
                .chars()
                .any(|c| ('\u{3040}'..='\u{9fff}').contains(&c))
    }));

    let all_read = Mailbox::build(MailboxKind::AllRead, &GRACE);
    assert_eq!(all_read.messages().len(), 6);
    assert!(
        all_read
            .messages()
            .iter()
            .all(|message| !message.is_unread())
    );
    assert!(
        all_read
            .messages()
            .iter()
            .all(|message| message.has_label("INBOX"))
    );
}

#[test]
fn snippets_are_cut_and_escaped_like_gmail() {
    assert_eq!(
        snippet("  Don't  <b>\n\n\"quoted\" & more  "),
        "Don&#39;t &lt;b&gt; &quot;quoted&quot; &amp; more"
    );
    let long = "あ".repeat(150) + " " + &"x".repeat(150);
    let cut = snippet(&long);
    assert_eq!(cut.chars().count(), 200);
    assert!(cut.starts_with(&"あ".repeat(150)));
    // The cut happens before escaping: 200 characters of text, longer once escaped.
    let ampersands = snippet(&"&".repeat(300));
    assert_eq!(ampersands, "&amp;".repeat(200));

    let mailbox = Mailbox::build(MailboxKind::Large, &ADA);
    for message in mailbox.messages() {
        let unescaped = html_escape::decode_html_entities(&message.snippet).into_owned();
        assert!(unescaped.chars().count() <= 200, "{}", message.snippet);
        assert!(
            !message.snippet.contains('\''),
            "unescaped apostrophe in {}",
            message.snippet
        );
        assert!(!message.snippet.contains('\n'));
    }
    assert!(
        mailbox
            .messages()
            .iter()
            .any(|message| message.snippet.contains("&#39;"))
    );
    assert!(
        mailbox
            .messages()
            .iter()
            .any(|message| message.snippet.chars().count() > 190)
    );
}

#[test]
fn headers_are_case_insensitive_and_decoded() {
    let mailbox = Mailbox::build(MailboxKind::Large, &ADA);
    let iso_2022_jp = mailbox
        .messages()
        .iter()
        .find(|message| message.spec.charset == "ISO-2022-JP")
        .unwrap();
    assert_eq!(iso_2022_jp.header("SUBJECT"), iso_2022_jp.header("subject"));
    assert!(
        iso_2022_jp
            .header("from")
            .unwrap()
            .starts_with("山田 太郎 <")
    );
    assert!(iso_2022_jp.search_text().contains("山田"));
    let munich = mailbox
        .messages()
        .iter()
        .find(|message| message.spec.subject == "Grüße aus München")
        .unwrap();
    assert_eq!(munich.spec.charset, "ISO-8859-1");
    assert!(munich.search_text().contains("grüße aus münchen"));
    assert!(munich.header("X-Does-Not-Exist").is_none());
}

/// CRC-32 (IEEE), as PNG chunks carry it.
fn crc32(data: &[u8]) -> u32 {
    let mut crc = 0xFFFF_FFFF_u32;
    for &byte in data {
        crc ^= u32::from(byte);
        for _ in 0..8 {
            crc = if crc & 1 == 1 {
                (crc >> 1) ^ 0xEDB8_8320
            } else {
                crc >> 1
            };
        }
    }
    !crc
}

/// Every attachment of the large mailbox with this MIME type, decoded.
fn attachments_of_type(mime_type: &str) -> Vec<Vec<u8>> {
    let mailbox = Mailbox::build(MailboxKind::Large, &ADA);
    let mut found = Vec::new();
    for message in mailbox.messages() {
        let full = message.to_gmail_json(MessageFormat::Full, &[]);
        for leaf in leaves(&full["payload"]) {
            if leaf["mimeType"] == mime_type
                && let Some(id) = leaf["body"]["attachmentId"].as_str()
            {
                found.push(message.attachment_data(id).unwrap().to_vec());
            }
        }
    }
    found
}

#[test]
fn the_png_and_pdf_attachments_are_well_formed() {
    // CRC-32 of "123456789" is the standard check value.
    assert_eq!(crc32(b"123456789"), 0xCBF4_3926);
    let pngs = attachments_of_type("image/png");
    assert!(!pngs.is_empty());
    for png in pngs {
        assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n");
        let mut position = 8;
        let mut chunk_kinds = Vec::new();
        while position < png.len() {
            let length =
                u32::from_be_bytes(png[position..position + 4].try_into().unwrap()) as usize;
            let kind_and_data = &png[position + 4..position + 8 + length];
            let crc = u32::from_be_bytes(
                png[position + 8 + length..position + 12 + length]
                    .try_into()
                    .unwrap(),
            );
            assert_eq!(crc, crc32(kind_and_data));
            chunk_kinds.push(String::from_utf8_lossy(&kind_and_data[..4]).into_owned());
            position += 12 + length;
        }
        assert_eq!(chunk_kinds.first().map(String::as_str), Some("IHDR"));
        assert_eq!(chunk_kinds.last().map(String::as_str), Some("IEND"));
    }

    let pdfs = attachments_of_type("application/pdf");
    assert!(!pdfs.is_empty());
    for pdf in pdfs {
        let text = String::from_utf8_lossy(&pdf).into_owned();
        assert!(pdf.starts_with(b"%PDF-1."));
        assert!(text.trim_end().ends_with("%%EOF"));
        let startxref: usize = text
            .rsplit("startxref")
            .next()
            .unwrap()
            .split_whitespace()
            .next()
            .unwrap()
            .parse()
            .unwrap();
        assert!(pdf[startxref..].starts_with(b"xref"));
        let xref = &text[text.find("xref\n0 ").unwrap()..];
        for (index, line) in xref
            .lines()
            .skip(3)
            .take_while(|line| line.ends_with(" n "))
            .enumerate()
        {
            let offset: usize = line[..10].parse().unwrap();
            assert!(pdf[offset..].starts_with(format!("{} 0 obj", index + 1).as_bytes()));
        }
    }
}

#[test]
fn the_demo_files_are_numbered_and_html_only_mail_has_its_text_beside_it() {
    for (kind, folder) in [
        (MailboxKind::Large, "large"),
        (MailboxKind::Small, "small"),
        (MailboxKind::AllRead, "all-read"),
    ] {
        let names: Vec<&str> = embedded::FILES
            .iter()
            .filter(|(k, _, _)| *k == folder)
            .map(|(_, name, _)| *name)
            .collect();
        let emls: Vec<&str> = names
            .iter()
            .copied()
            .filter(|n| n.ends_with(".eml"))
            .collect();
        for (index, name) in emls.iter().enumerate() {
            assert!(name.starts_with(&format!("{index:03}-")), "{folder}/{name}");
        }
        let mailbox = Mailbox::build(kind, &ADA);
        assert_eq!(mailbox.messages().len(), emls.len());
        let html_only = mailbox
            .messages()
            .iter()
            .filter(|m| m.spec.shape == MessageShape::HtmlOnly)
            .count();
        let texts: Vec<&str> = names
            .iter()
            .copied()
            .filter(|n| n.ends_with(".txt"))
            .collect();
        assert_eq!(
            texts.len(),
            html_only,
            "{folder}: one .txt per HTML-only message"
        );
        for text in texts {
            let stem = text.trim_end_matches(".txt");
            assert!(
                emls.contains(&format!("{stem}.eml").as_str()),
                "{folder}/{text}"
            );
        }
    }
}

#[test]
fn delivery_and_label_changes_advance_the_history_and_keep_records() {
    let mut mailbox = Mailbox::build(MailboxKind::Small, &GRACE);
    let start = mailbox.history_id();
    let count = mailbox.messages().len();
    let parent = mailbox.messages()[0].clone();
    let parent_message_id = parent.header("Message-ID").unwrap().to_owned();
    let raw = format!(
        "From: x@example.org\nDate: Tue, 01 Dec 2026 09:00:00 +0000\nSubject: Re: hi\nIn-Reply-To: {parent_message_id}\n\nreply\n"
    );
    let delivered = mailbox
        .deliver(
            raw.as_bytes(),
            vec!["INBOX".into(), "UNREAD".into()],
            1_796_000_000_000,
        )
        .unwrap()
        .clone();
    assert_eq!(delivered.thread_id, parent.thread_id);
    assert!(
        delivered.raw.ends_with(b"\r\n\r\nreply\r\n"),
        "CRLF line ends"
    );
    assert_eq!(delivered.history_id, start + HISTORY_ID_STEP);
    assert_eq!(mailbox.history_id(), delivered.history_id);
    assert_eq!(mailbox.messages().len(), count + 1);
    assert_eq!(mailbox.messages()[0].id, delivered.id, "newest first");
    assert_eq!(
        mailbox.deliver(b"", Vec::new(), 0).unwrap_err(),
        DeliveryError::NotAMessage
    );

    // The same delivery into a fresh copy gives the same id: ids are deterministic.
    let mut again = Mailbox::build(MailboxKind::Small, &GRACE);
    let id_again = again
        .deliver(raw.as_bytes(), Vec::new(), 0)
        .unwrap()
        .id
        .clone();
    assert_eq!(id_again, delivered.id);

    let changed = mailbox
        .change_labels(&delivered.id, &["STARRED".into()], &["UNREAD".into()])
        .unwrap();
    assert_eq!(changed.label_ids, ["INBOX", "STARRED"]);
    assert_eq!(changed.history_id, start + 3 * HISTORY_ID_STEP);
    assert!(
        mailbox
            .change_labels(&delivered.id, &[], &["UNREAD".into()])
            .is_some()
    );
    assert_eq!(
        mailbox.history_id(),
        start + 3 * HISTORY_ID_STEP,
        "no change, no history"
    );
    assert!(
        mailbox
            .change_labels("0000000000000000", &[], &[])
            .is_none()
    );
    let changes: Vec<&HistoryChange> = mailbox.history().iter().map(|r| &r.change).collect();
    assert_eq!(
        changes,
        [
            &HistoryChange::MessageAdded,
            &HistoryChange::LabelsRemoved(vec!["UNREAD".into()]),
            &HistoryChange::LabelsAdded(vec!["STARRED".into()]),
        ]
    );
    assert_eq!(mailbox.history_since(start).unwrap().len(), 3);
    assert_eq!(
        mailbox
            .history_since(start + HISTORY_ID_STEP)
            .unwrap()
            .len(),
        2
    );
    assert!(mailbox.history_since(start - 1).is_none());
    // The start-up mailbox is untouched by changes to a copy.
    assert_eq!(
        Mailbox::build(MailboxKind::Small, &GRACE).messages().len(),
        count
    );
}

#[test]
fn deletion_retention_and_forgetting_keep_history_honest() {
    let mut mailbox = Mailbox::build(MailboxKind::Small, &GRACE);
    let start = mailbox.history_id();
    let count = mailbox.messages().len();
    let victim = mailbox.messages()[3].clone();
    let record = mailbox.delete(&victim.id).unwrap().clone();
    assert_eq!(record.change, HistoryChange::MessageDeleted);
    assert_eq!(record.label_ids, victim.label_ids, "the labels it had");
    assert_eq!(record.id, start + HISTORY_ID_STEP);
    assert_eq!(mailbox.history_id(), record.id);
    assert!(mailbox.get(&victim.id).is_none());
    assert_eq!(mailbox.messages().len(), count - 1);
    assert!(
        mailbox
            .messages()
            .iter()
            .all(|m| mailbox.get(&m.id).is_some_and(|found| found.id == m.id)),
        "the id lookup follows the removal"
    );
    assert!(mailbox.delete(&victim.id).is_none());

    // Retention keeps the newest records; the floor moves to the newest dropped one.
    let other = mailbox.messages()[0].id.clone();
    for _ in 0..3 {
        mailbox.change_labels(&other, &["STARRED".into()], &[]);
        mailbox.change_labels(&other, &[], &["STARRED".into()]);
    }
    assert_eq!(mailbox.history().len(), 7);
    mailbox.retain_history(2);
    let kept: Vec<u64> = mailbox.history().iter().map(|r| r.id).collect();
    assert_eq!(
        kept,
        [start + 6 * HISTORY_ID_STEP, start + 7 * HISTORY_ID_STEP]
    );
    assert_eq!(mailbox.history_floor(), start + 5 * HISTORY_ID_STEP);
    assert!(mailbox.history_since(start).is_none());
    assert!(mailbox.history_since(mailbox.history_floor() - 1).is_none());
    assert_eq!(
        mailbox
            .history_since(mailbox.history_floor())
            .unwrap()
            .len(),
        2
    );
    mailbox.retain_history(2);
    assert_eq!(mailbox.history().len(), 2, "nothing more to drop");
    assert_eq!(
        mailbox
            .history_since(mailbox.history_id() + 99)
            .unwrap()
            .len(),
        0,
        "a future id: nothing yet"
    );

    mailbox.forget_history();
    assert!(mailbox.history().is_empty());
    assert!(mailbox.history_since(mailbox.history_id() - 1).is_none());
    assert_eq!(
        mailbox.history_since(mailbox.history_id()).unwrap().len(),
        0
    );
    let mut none_kept = Mailbox::build(MailboxKind::Small, &GRACE);
    let first = none_kept.messages()[0].id.clone();
    none_kept.change_labels(&first, &["STARRED".into()], &[]);
    none_kept.retain_history(0);
    assert!(none_kept.history().is_empty());
    assert_eq!(none_kept.history_floor(), none_kept.history_id());
}
