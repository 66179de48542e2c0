//! A message's readable text and its attachment list, from Gmail's `format=full` payload.
//!
//! Gmail hands leaf bodies over transfer-decoded (no base64 or quoted-printable left) but in
//! their original charset, base64url-encoded. The text is the first inline `text/plain` part,
//! depth first through nested multiparts, else the first inline `text/html` part converted to
//! text; the charset comes from the part's `Content-Type` and is decoded with `encoding_rs`.

use base64::{
    Engine, alphabet,
    engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig},
};
use encoding_rs::{Encoding, UTF_8};

use crate::{
    gmail::wire::MessagePart,
    mail::{AttachmentInfo, html::html_to_text},
};

/// base64url with or without padding, as Gmail (and others) send it.
pub(crate) const BASE64URL: GeneralPurpose = GeneralPurpose::new(
    &alphabet::URL_SAFE,
    GeneralPurposeConfig::new()
        .with_decode_padding_mode(DecodePaddingMode::Indifferent)
        .with_decode_allow_trailing_bits(true),
);

/// Decodes `body.data`, tolerating padding, whitespace and the standard alphabet.
pub fn decode_body_data(data: &str) -> Option<Vec<u8>> {
    let cleaned: String = data
        .chars()
        .filter(|c| !c.is_ascii_whitespace())
        .map(|c| match c {
            '+' => '-',
            '/' => '_',
            other => other,
        })
        .collect();
    BASE64URL.decode(cleaned.as_bytes()).ok()
}

/// The readable text of a message payload (LF line ends, trailing blank lines removed).
pub fn readable_text(payload: &MessagePart) -> String {
    let mut leaves = Vec::new();
    collect_leaves(payload, &mut leaves, 0);
    let inline = |mime: &str| {
        leaves
            .iter()
            .copied()
            .find(|part| part.mime_type.eq_ignore_ascii_case(mime) && is_inline_text(part))
    };
    if let Some(plain) = inline("text/plain") {
        return normalise(&decode_part(plain));
    }
    if let Some(html) = inline("text/html") {
        return html_to_text(&decode_part(html));
    }
    String::new()
}

/// The first inline `text/html` part, depth first, through [`common::mail_html::sanitise`].
pub fn safe_html(payload: &MessagePart) -> Option<String> {
    let mut leaves = Vec::new();
    collect_leaves(payload, &mut leaves, 0);
    let html = leaves
        .into_iter()
        .find(|part| part.mime_type.eq_ignore_ascii_case("text/html") && is_inline_text(part))?;
    Some(common::mail_html::sanitise(&decode_part(html)))
}

/// Every part with a filename, as Gmail lists attachments (inline images included).
pub fn attachments(payload: &MessagePart) -> Vec<AttachmentInfo> {
    let mut leaves = Vec::new();
    collect_leaves(payload, &mut leaves, 0);
    leaves
        .into_iter()
        .filter(|part| !part.filename.is_empty())
        .map(|part| AttachmentInfo {
            filename: part.filename.clone(),
            mime_type: part.mime_type.clone(),
            size: part.body.size,
            attachment_id: (!part.part_id.is_empty()).then(|| part.part_id.clone()),
            content_id: part.header("Content-ID").and_then(content_id),
        })
        .collect()
}

/// A `Content-ID` header's id: without its angle brackets, if it is a sane one.
fn content_id(value: &str) -> Option<String> {
    let id = value
        .trim()
        .trim_start_matches('<')
        .trim_end_matches('>')
        .trim();
    let sane = (1..=256).contains(&id.len())
        && id
            .bytes()
            .all(|b| b.is_ascii_graphic() && b != b'"' && b != b'<' && b != b'>');
    sane.then(|| id.to_owned())
}

/// The part with a filename whose part id is `part_id`.
pub fn attachment_part<'a>(payload: &'a MessagePart, part_id: &str) -> Option<&'a MessagePart> {
    let mut leaves = Vec::new();
    collect_leaves(payload, &mut leaves, 0);
    leaves
        .into_iter()
        .find(|part| !part.filename.is_empty() && part.part_id == part_id)
}

/// Deeper nesting than this is not followed (Gmail itself stops far earlier).
const MAX_DEPTH: usize = 32;

fn collect_leaves<'a>(part: &'a MessagePart, leaves: &mut Vec<&'a MessagePart>, depth: usize) {
    if depth > MAX_DEPTH {
        return;
    }
    if part.parts.is_empty() {
        leaves.push(part);
    } else {
        for child in &part.parts {
            collect_leaves(child, leaves, depth + 1);
        }
    }
}

fn is_inline_text(part: &MessagePart) -> bool {
    let attachment_disposition = part.header("Content-Disposition").is_some_and(|d| {
        d.trim_start()
            .to_ascii_lowercase()
            .starts_with("attachment")
    });
    part.filename.is_empty() && !attachment_disposition && part.body.data.is_some()
}

fn decode_part(part: &MessagePart) -> String {
    let bytes = part
        .body
        .data
        .as_deref()
        .and_then(decode_body_data)
        .unwrap_or_default();
    let encoding = part
        .header("Content-Type")
        .and_then(charset_of)
        .and_then(|label| Encoding::for_label(label.as_bytes()))
        .unwrap_or(UTF_8);
    let (text, _had_errors) = encoding.decode_without_bom_handling(&bytes);
    text.into_owned()
}

/// The `charset` parameter of a `Content-Type` value.
pub fn charset_of(content_type: &str) -> Option<String> {
    content_type.split(';').skip(1).find_map(|param| {
        let (name, value) = param.split_once('=')?;
        name.trim()
            .eq_ignore_ascii_case("charset")
            .then(|| value.trim().trim_matches(['"', '\'']).trim().to_owned())
    })
}

fn normalise(text: &str) -> String {
    text.replace("\r\n", "\n")
        .replace('\r', "\n")
        .trim_end_matches(['\n', ' ', '\t'])
        .to_owned()
}

#[cfg(test)]
mod tests {
    use base64::engine::general_purpose::{URL_SAFE, URL_SAFE_NO_PAD};

    use super::*;
    use crate::gmail::wire::{Header, PartBody};

    fn leaf(mime: &str, charset: &str, bytes: &[u8]) -> MessagePart {
        MessagePart {
            mime_type: mime.into(),
            headers: vec![Header {
                name: "Content-Type".into(),
                value: format!("{mime}; charset=\"{charset}\""),
            }],
            body: PartBody {
                size: bytes.len() as u64,
                data: Some(URL_SAFE.encode(bytes)),
                attachment_id: None,
            },
            ..Default::default()
        }
    }

    fn multipart(mime: &str, parts: Vec<MessagePart>) -> MessagePart {
        MessagePart {
            mime_type: mime.into(),
            parts,
            ..Default::default()
        }
    }

    #[test]
    fn base64url_with_and_without_padding() {
        let bytes = b"hello?>world";
        assert_eq!(decode_body_data(&URL_SAFE.encode(bytes)).unwrap(), bytes);
        assert_eq!(
            decode_body_data(&URL_SAFE_NO_PAD.encode(bytes)).unwrap(),
            bytes
        );
        assert!(decode_body_data("!!!").is_none());
    }

    #[test]
    fn plain_is_preferred_in_nested_multiparts_and_charsets_decode() {
        let (sjis, _, _) = encoding_rs::SHIFT_JIS.encode("こんにちは\r\n世界\r\n");
        let payload = multipart(
            "multipart/mixed",
            vec![
                multipart(
                    "multipart/alternative",
                    vec![
                        leaf("text/html", "utf-8", b"<p>html</p>"),
                        leaf("text/plain", "Shift_JIS", &sjis),
                    ],
                ),
                MessagePart {
                    filename: "a.pdf".into(),
                    mime_type: "application/pdf".into(),
                    body: PartBody {
                        attachment_id: Some("X".into()),
                        size: 42,
                        data: None,
                    },
                    ..Default::default()
                },
            ],
        );
        assert_eq!(readable_text(&payload), "こんにちは\n世界");
        let listed = attachments(&payload);
        assert_eq!(listed.len(), 1);
        assert_eq!(listed[0].filename, "a.pdf");
        assert_eq!(listed[0].size, 42);
    }

    #[test]
    fn html_only_and_legacy_charsets() {
        let (jis, _, _) = encoding_rs::ISO_2022_JP.encode("<p>日本語</p><p>です</p>");
        assert_eq!(
            readable_text(&leaf("text/html", "ISO-2022-JP", &jis)),
            "日本語\n\nです"
        );
        let latin = [b'G', 0xfc, b'r', b'e'];
        assert_eq!(
            readable_text(&leaf("text/plain", "iso-8859-1", &latin)),
            "Güre"
        );
        assert_eq!(readable_text(&leaf("text/plain", "x-unknown", b"ok")), "ok");
        assert_eq!(readable_text(&MessagePart::default()), "");
    }

    #[test]
    fn charset_parameter_forms() {
        assert_eq!(
            charset_of("text/plain; charset=UTF-8").as_deref(),
            Some("UTF-8")
        );
        assert_eq!(
            charset_of("text/plain;CHARSET=\"iso-2022-jp\"").as_deref(),
            Some("iso-2022-jp")
        );
        assert_eq!(charset_of("text/plain"), None);
    }
}
