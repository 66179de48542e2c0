//! A message's ground truth ([`MessageSpec`]) read back from its RFC 5322 bytes: sender,
//! recipients, subject and date from the headers; shape, charset and transfer encoding from
//! the MIME tree; the readable text from the `text/plain` part, or, for HTML-only mail, from
//! the `.txt` file beside it (the demo mailboxes) or a simple HTML-to-text conversion.

use chrono::{DateTime, FixedOffset, Utc};
use mailparse::{MailAddr, MailHeaderMap as _, ParsedMail};
use serde_json::Value;

use super::{ExpectedAttachment, MessageShape, MessageSpec};

/// The spec of `raw`; `payload` is its `format=full` payload, `internal_date_ms` the
/// fallback when the `Date:` header is missing or broken.
pub(super) fn derive(
    raw: &[u8],
    payload: &Value,
    internal_date_ms: i64,
    expected_text: Option<&str>,
) -> MessageSpec {
    let fallback_date = DateTime::<Utc>::from_timestamp_millis(internal_date_ms)
        .unwrap_or_default()
        .fixed_offset();
    let Ok(mail) = mailparse::parse_mail(raw) else {
        return MessageSpec {
            from_name: None,
            from_email: String::new(),
            to: String::new(),
            subject: String::new(),
            date: fallback_date,
            expected_text: expected_text.unwrap_or_default().to_owned(),
            attachments: Vec::new(),
            shape: MessageShape::PlainOnly,
            charset: "us-ascii".into(),
            transfer_encoding: "7bit".into(),
        };
    };
    let addresses = |name: &str| -> Vec<(Option<String>, String)> {
        mail.headers
            .get_first_header(name)
            .and_then(|h| mailparse::addrparse_header(h).ok())
            .map(|list| {
                list.iter()
                    .flat_map(|addr| match addr {
                        MailAddr::Single(single) => vec![single.clone()],
                        MailAddr::Group(group) => group.addrs.clone(),
                    })
                    .map(|single| (single.display_name, single.addr))
                    .collect()
            })
            .unwrap_or_default()
    };
    let (from_name, from_email) = addresses("From").into_iter().next().unwrap_or_default();
    let to = addresses("To")
        .iter()
        .map(|(name, email)| display(name.as_deref(), email))
        .collect::<Vec<_>>()
        .join(", ");
    let date = mail
        .headers
        .get_first_value("Date")
        .and_then(|value| DateTime::<FixedOffset>::parse_from_rfc2822(value.trim()).ok())
        .unwrap_or(fallback_date);
    let main = main_text_part(&mail);
    let (charset, transfer_encoding) = main
        .map(|part| {
            (
                part.ctype.charset.clone(),
                part.headers
                    .get_first_value("Content-Transfer-Encoding")
                    .map(|v| v.trim().to_owned())
                    .unwrap_or_else(|| "7bit".to_owned()),
            )
        })
        .unwrap_or_else(|| ("us-ascii".into(), "7bit".into()));
    let readable = match (expected_text, main) {
        (Some(text), _) => text.to_owned(),
        (None, Some(part)) if part.ctype.mimetype == "text/plain" => {
            let text = part.get_body().unwrap_or_default().replace("\r\n", "\n");
            text.strip_suffix('\n').unwrap_or(&text).to_owned()
        }
        (None, Some(part)) => html_to_text(&part.get_body().unwrap_or_default()),
        (None, None) => String::new(),
    };
    let mut attachments = Vec::new();
    collect_attachments(payload, &mut attachments);
    MessageSpec {
        from_name,
        from_email,
        to,
        subject: mail.headers.get_first_value("Subject").unwrap_or_default(),
        date,
        expected_text: readable,
        attachments,
        shape: shape(&mail),
        charset,
        transfer_encoding,
    }
}

/// `Name <email>`, the name quoted when an ASCII name needs it, or the bare address.
fn display(name: Option<&str>, email: &str) -> String {
    match name {
        None => email.to_owned(),
        Some(name) if name.is_ascii() && name.chars().any(|c| "()<>[]:;@\\,.\"".contains(c)) => {
            format!(
                "\"{}\" <{email}>",
                name.replace('\\', "\\\\").replace('"', "\\\"")
            )
        }
        Some(name) => format!("{name} <{email}>"),
    }
}

/// The first `text/plain` leaf that is not an attachment, else the first `text/html` one.
fn main_text_part<'a>(mail: &'a ParsedMail<'a>) -> Option<&'a ParsedMail<'a>> {
    fn leaves<'a>(part: &'a ParsedMail<'a>, out: &mut Vec<&'a ParsedMail<'a>>) {
        if part.subparts.is_empty() {
            out.push(part);
        } else {
            for sub in &part.subparts {
                leaves(sub, out);
            }
        }
    }
    let mut all = Vec::new();
    leaves(mail, &mut all);
    let body_part = |mime: &str| {
        all.iter().copied().find(|part| {
            part.ctype.mimetype == mime
                && part.get_content_disposition().disposition
                    != mailparse::DispositionType::Attachment
        })
    };
    body_part("text/plain").or_else(|| body_part("text/html"))
}

fn shape(mail: &ParsedMail<'_>) -> MessageShape {
    let mime = |part: &ParsedMail<'_>| part.ctype.mimetype.clone();
    match mime(mail).as_str() {
        "text/html" => MessageShape::HtmlOnly,
        "multipart/alternative" => MessageShape::Alternative,
        "multipart/mixed" => match mail.subparts.first() {
            Some(first) if mime(first) == "multipart/alternative" => {
                let related = first
                    .subparts
                    .iter()
                    .any(|p| mime(p) == "multipart/related");
                if related {
                    MessageShape::NestedRelated
                } else {
                    MessageShape::MixedAlternativeWithAttachments
                }
            }
            _ => MessageShape::MixedWithAttachments,
        },
        _ => MessageShape::PlainOnly,
    }
}

/// Every part with a filename, in tree order, as Gmail lists attachments.
fn collect_attachments(part: &Value, out: &mut Vec<ExpectedAttachment>) {
    let filename = part["filename"].as_str().unwrap_or_default();
    if !filename.is_empty() {
        out.push(ExpectedAttachment {
            filename: filename.to_owned(),
            mime_type: part["mimeType"].as_str().unwrap_or_default().to_owned(),
            size: part["body"]["size"].as_u64().unwrap_or_default(),
        });
    }
    for sub in part["parts"].as_array().into_iter().flatten() {
        collect_attachments(sub, out);
    }
}

/// A deliberately simple HTML-to-text conversion for HTML-only mail without a `.txt` file:
/// drops style, script and title content, breaks lines at block elements, strips tags,
/// decodes entities, collapses blank runs.
pub(super) fn html_to_text(html: &str) -> String {
    let mut text = html.to_owned();
    for element in ["style", "script", "title", "head"] {
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
        plain.push_str(&rest[..open].replace(['\r', '\n'], " "));
        let Some(close) = rest[open..].find('>') else {
            rest = "";
            break;
        };
        let tag = rest[open + 1..open + close].to_ascii_lowercase();
        let name = tag
            .trim_start_matches('/')
            .split(|c: char| c.is_whitespace() || c == '/')
            .next()
            .unwrap_or_default();
        match name {
            "br" | "tr" | "li" => plain.push('\n'),
            "p" | "div" | "h1" | "h2" | "h3" | "h4" | "table" | "ul" | "ol" | "blockquote" => {
                plain.push_str("\n\n")
            }
            _ => {}
        }
        rest = &rest[open + close + 1..];
    }
    plain.push_str(&rest.replace(['\r', '\n'], " "));
    let decoded = html_escape::decode_html_entities(&plain).replace('\u{a0}', " ");
    let lines: Vec<String> = decoded
        .lines()
        .map(|line| line.split_whitespace().collect::<Vec<_>>().join(" "))
        .collect();
    let mut out: Vec<&str> = Vec::new();
    for line in &lines {
        if line.is_empty() && out.last().is_none_or(|last| last.is_empty()) {
            continue;
        }
        out.push(line);
    }
    while out.last().is_some_and(|last| last.is_empty()) {
        out.pop();
    }
    out.join("\n")
}
