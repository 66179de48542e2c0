//! Raw RFC 5322 bytes, parsed with `mailparse`, to the `payload` of Gmail's
//! message resource (`format=full` and `format=metadata`).
//!
//! Gmail numbers parts `""` (root), `"0"`, `"1"`, … and `"0.0"`, `"0.1"`, …;
//! header values are RFC 2047 decoded; leaf bodies are the transfer-decoded
//! bytes in their original charset, base64url; parts with a filename (or a
//! `Content-Disposition: attachment`) carry an `attachmentId` instead of data;
//! multipart bodies have size 0.

use base64::Engine as _;
use base64::engine::general_purpose::{URL_SAFE, URL_SAFE_NO_PAD};
use mailparse::{DispositionType, ParsedMail};
use serde_json::{Map, Value, json};
use sha2::{Digest as _, Sha256};

/// What the mailbox keeps from parsing a message.
pub(super) struct ParsedMessage {
    /// Top-level headers, decoded, in message order.
    pub headers: Vec<(String, String)>,
    /// The `format=full` payload.
    pub payload: Value,
    /// Attachment bytes by `attachmentId`.
    pub attachments: Vec<(String, Vec<u8>)>,
}

pub(super) fn parse(raw: &[u8], message_id: &str) -> ParsedMessage {
    match mailparse::parse_mail(raw) {
        Ok(mail) => {
            let mut attachments = Vec::new();
            let payload = part_json(&mail, String::new(), message_id, &mut attachments);
            ParsedMessage {
                headers: decoded_headers(&mail),
                payload,
                attachments,
            }
        }
        // The renderer writes well-formed messages; the tests parse every one.
        Err(_) => ParsedMessage {
            headers: Vec::new(),
            payload: json!({
                "partId": "",
                "mimeType": "text/plain",
                "filename": "",
                "headers": [],
                "body": {"size": 0},
            }),
            attachments: Vec::new(),
        },
    }
}

/// The `format=metadata` payload: no body or parts; only the requested
/// headers (case-insensitive, message order) when any are requested.
pub(super) fn metadata_payload(
    mime_type: Value,
    headers: &[(String, String)],
    wanted: &[String],
) -> Value {
    let selected: Vec<&(String, String)> = headers
        .iter()
        .filter(|(name, _)| {
            wanted.is_empty()
                || wanted
                    .iter()
                    .any(|wanted| wanted.eq_ignore_ascii_case(name))
        })
        .collect();
    json!({
        "partId": "",
        "mimeType": mime_type,
        "filename": "",
        "headers": headers_json(selected),
    })
}

fn decoded_headers(part: &ParsedMail<'_>) -> Vec<(String, String)> {
    part.headers
        .iter()
        .map(|header| (header.get_key(), header.get_value()))
        .collect()
}

fn headers_json<'a>(headers: impl IntoIterator<Item = &'a (String, String)>) -> Value {
    Value::Array(
        headers
            .into_iter()
            .map(|(name, value)| json!({"name": name, "value": value}))
            .collect(),
    )
}

fn part_json(
    part: &ParsedMail<'_>,
    part_id: String,
    message_id: &str,
    attachments: &mut Vec<(String, Vec<u8>)>,
) -> Value {
    let headers = decoded_headers(part);
    let mime_type = part.ctype.mimetype.clone();
    let mut json_part = Map::new();
    json_part.insert("partId".into(), json!(part_id));
    json_part.insert("mimeType".into(), json!(mime_type));

    if mime_type.starts_with("multipart/") {
        json_part.insert("filename".into(), json!(""));
        json_part.insert("headers".into(), headers_json(&headers));
        json_part.insert("body".into(), json!({"size": 0}));
        let children: Vec<Value> = part
            .subparts
            .iter()
            .enumerate()
            .map(|(index, child)| {
                let child_id = if part_id.is_empty() {
                    index.to_string()
                } else {
                    format!("{part_id}.{index}")
                };
                part_json(child, child_id, message_id, attachments)
            })
            .collect();
        json_part.insert("parts".into(), Value::Array(children));
        return Value::Object(json_part);
    }

    let data = part.get_body_raw().unwrap_or_default();
    let disposition = part.get_content_disposition();
    let filename = disposition
        .params
        .get("filename")
        .or_else(|| part.ctype.params.get("name"))
        .cloned()
        .unwrap_or_default();
    let is_attachment =
        disposition.disposition == DispositionType::Attachment || !filename.is_empty();
    json_part.insert("filename".into(), json!(filename));
    json_part.insert("headers".into(), headers_json(&headers));
    if is_attachment {
        let attachment_id = attachment_id(message_id, &part_id);
        json_part.insert(
            "body".into(),
            json!({"attachmentId": attachment_id, "size": data.len()}),
        );
        attachments.push((attachment_id, data));
    } else {
        json_part.insert(
            "body".into(),
            json!({"size": data.len(), "data": URL_SAFE.encode(&data)}),
        );
    }
    Value::Object(json_part)
}

/// Opaque and deterministic, shaped like Gmail's (`ANGjdJ…`).
fn attachment_id(message_id: &str, part_id: &str) -> String {
    let digest = Sha256::digest(format!("attachment\n{message_id}\n{part_id}"));
    format!("ANGjdJ{}", URL_SAFE_NO_PAD.encode(digest))
}
