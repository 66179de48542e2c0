//! Renders a [`Draft`] to RFC 5322 bytes with CRLF line endings: the
//! envelope headers Gmail adds on delivery, the message headers (RFC 2047
//! encoded where not ASCII) and the MIME tree of the draft's shape.

use chrono::DateTime;
use sha2::{Digest as _, Sha256};

use super::corpus::{
    Attachment, Draft, FilenameEncoding, Folder, InlineImage, Person, needs_quoting, quote_escaped,
};
use super::mime::{self, Charset, HeaderStyle, TransferEncoding};
use super::{MessageShape, hex};

/// What the mailbox decides about a message beyond its draft.
pub(super) struct Envelope<'a> {
    /// The `Message-ID:` value, with angle brackets.
    pub message_id: &'a str,
    pub in_reply_to: Option<&'a str>,
    /// Earlier messages of the conversation, oldest first.
    pub references: &'a [String],
    pub owner_email: &'a str,
    /// When Gmail received the message (its internal date).
    pub received_at_ms: i64,
    /// Makes the MIME boundaries of this message unique and deterministic.
    pub boundary_seed: &'a str,
}

/// A MIME entity: its header fields (each possibly folded) and its encoded body.
struct Entity {
    headers: Vec<String>,
    body: Vec<u8>,
}

pub(super) fn render(draft: &Draft, envelope: &Envelope<'_>) -> Vec<u8> {
    let mut boundaries = Boundaries {
        seed: envelope.boundary_seed,
        issued: 0,
    };
    let content = content_entity(draft, &mut boundaries);
    let mut headers = message_headers(draft, envelope);
    headers.extend(content.headers);
    serialize(&Entity {
        headers,
        body: content.body,
    })
}

fn message_headers(draft: &Draft, envelope: &Envelope<'_>) -> Vec<String> {
    let mut headers = Vec::new();
    if draft.placement.folder != Folder::Sent {
        let relay = draft
            .from
            .email
            .rsplit_once('@')
            .map(|(_, domain)| format!("mail-out.{domain}"))
            .unwrap_or_else(|| "mail-out.example".to_string());
        let received_at = DateTime::from_timestamp_millis(envelope.received_at_ms)
            .map(|utc| utc.format("%a, %d %b %Y %H:%M:%S %z (%Z)").to_string())
            .unwrap_or_default();
        let relay_host_number = envelope.received_at_ms.rem_euclid(200) + 20;
        headers.push(format!("Delivered-To: {}", envelope.owner_email));
        headers.push(format!(
            "Received: from {relay} ({relay} [192.0.2.{relay_host_number}])\r\n        by mx.google.com with ESMTPS id {}\r\n        for <{}>;\r\n        {received_at}",
            envelope.boundary_seed.get(..12).unwrap_or(envelope.boundary_seed),
            envelope.owner_email
        ));
        headers.push(format!("Return-Path: <{}>", draft.from.email));
    }
    headers.push("MIME-Version: 1.0".to_string());
    headers.push(format!(
        "Date: {}",
        draft.date.format("%a, %d %b %Y %H:%M:%S %z")
    ));
    headers.push(format!("Message-ID: {}", envelope.message_id));
    if let Some(parent) = envelope.in_reply_to {
        headers.push(format!("In-Reply-To: {parent}"));
    }
    if !envelope.references.is_empty() {
        headers.push(mime::folded_header("References", envelope.references));
    }
    headers.push(mime::folded_header(
        "Subject",
        &mime::header_text_tokens(&draft.subject, draft.subject_style),
    ));
    headers.push(mime::folded_header("From", &address_tokens(&[&draft.from])));
    let to: Vec<&Person> = draft.to.iter().collect();
    headers.push(mime::folded_header("To", &address_tokens(&to)));
    if !draft.cc.is_empty() {
        let cc: Vec<&Person> = draft.cc.iter().collect();
        headers.push(mime::folded_header("Cc", &address_tokens(&cc)));
    }
    for (name, value) in &draft.extra_headers {
        headers.push(format!("{name}: {value}"));
    }
    headers
}

/// An address list as header tokens: `Name <email>`, names encoded as needed.
fn address_tokens(people: &[&Person]) -> Vec<String> {
    let mut tokens = Vec::new();
    for (index, person) in people.iter().enumerate() {
        match &person.name {
            Some(name) if !name.is_ascii() => {
                tokens.extend(mime::encoded_words(name, person.name_style));
            }
            Some(name) if needs_quoting(name) => {
                tokens.push(format!("\"{}\"", quote_escaped(name)));
            }
            Some(name) => tokens.extend(name.split(' ').map(str::to_string)),
            None => {}
        }
        let address = if person.name.is_some() {
            format!("<{}>", person.email)
        } else {
            person.email.clone()
        };
        tokens.push(if index + 1 < people.len() {
            format!("{address},")
        } else {
            address
        });
    }
    tokens
}

fn content_entity(draft: &Draft, boundaries: &mut Boundaries<'_>) -> Entity {
    let plain = || text_entity("plain", &draft.text, draft.charset, draft.transfer);
    let html_source = draft.html.as_deref().unwrap_or_default();
    let html = || text_entity("html", html_source, draft.charset, draft.transfer);
    let alternative = |boundaries: &mut Boundaries<'_>, html_entity: Entity| {
        multipart("alternative", boundaries, vec![plain(), html_entity])
    };
    let with_attachments = |boundaries: &mut Boundaries<'_>, first: Entity| {
        let mut children = vec![first];
        children.extend(draft.attachments.iter().map(attachment_entity));
        multipart("mixed", boundaries, children)
    };
    match draft.shape {
        MessageShape::PlainOnly => plain(),
        MessageShape::HtmlOnly => html(),
        MessageShape::Alternative => alternative(boundaries, html()),
        MessageShape::MixedWithAttachments => with_attachments(boundaries, plain()),
        MessageShape::MixedAlternativeWithAttachments => {
            let body = alternative(boundaries, html());
            with_attachments(boundaries, body)
        }
        MessageShape::NestedRelated => {
            let mut related_children = vec![html()];
            related_children.extend(draft.inline_image.iter().map(inline_image_entity));
            let related = multipart("related", boundaries, related_children);
            let body = alternative(boundaries, related);
            with_attachments(boundaries, body)
        }
    }
}

/// A `text/*` part; text with `\n` line ends is sent with CRLF and a final CRLF.
fn text_entity(subtype: &str, text: &str, charset: Charset, transfer: TransferEncoding) -> Entity {
    let canonical = format!("{}\r\n", text.replace('\n', "\r\n"));
    let bytes = charset.encode(&canonical);
    // A 7bit HTML part cannot carry the 8-bit bytes its plain sibling did not have.
    let transfer = if transfer == TransferEncoding::SevenBit && !bytes.is_ascii() {
        TransferEncoding::QuotedPrintable
    } else {
        transfer
    };
    let charset_parameter = match charset {
        // Japanese mailers traditionally leave these unquoted.
        Charset::Iso2022Jp | Charset::ShiftJis => charset.label().to_string(),
        _ => format!("\"{}\"", charset.label()),
    };
    Entity {
        headers: vec![
            format!("Content-Type: text/{subtype}; charset={charset_parameter}"),
            format!("Content-Transfer-Encoding: {}", transfer.label()),
        ],
        body: transfer.encode_body(&bytes),
    }
}

fn attachment_entity(attachment: &Attachment) -> Entity {
    let mime_type = &attachment.mime_type;
    let (type_parameter, disposition_parameters) = match attachment.filename_encoding {
        FilenameEncoding::Plain => {
            let quoted = quote_escaped(&attachment.filename);
            (
                format!("name=\"{quoted}\""),
                vec![format!("filename=\"{quoted}\"")],
            )
        }
        FilenameEncoding::Rfc2047 => {
            let words = mime::encoded_words(&attachment.filename, HeaderStyle::UTF8_B).join(" ");
            (
                format!("name=\"{words}\""),
                vec![format!("filename=\"{words}\"")],
            )
        }
        FilenameEncoding::Rfc2231 => {
            let words = mime::encoded_words(&attachment.filename, HeaderStyle::UTF8_B).join(" ");
            (
                format!("name=\"{words}\""),
                mime::rfc2231_parameter_segments("filename", &attachment.filename),
            )
        }
    };
    let attachment_tag = attachment_tag(&attachment.data);
    let mut disposition = String::from("Content-Disposition: attachment");
    for parameter in disposition_parameters {
        disposition.push_str(";\r\n\t");
        disposition.push_str(&parameter);
    }
    Entity {
        headers: vec![
            format!("Content-Type: {mime_type};\r\n\t{type_parameter}"),
            disposition,
            "Content-Transfer-Encoding: base64".to_string(),
            format!("Content-ID: <{attachment_tag}>"),
            format!("X-Attachment-Id: {attachment_tag}"),
        ],
        body: mime::base64_lines(&attachment.data).into_bytes(),
    }
}

fn inline_image_entity(image: &InlineImage) -> Entity {
    Entity {
        headers: vec![
            format!("Content-Type: image/png; name=\"{}\"", image.filename),
            format!(
                "Content-Disposition: inline; filename=\"{}\"",
                image.filename
            ),
            "Content-Transfer-Encoding: base64".to_string(),
            format!("Content-ID: <{}>", image.content_id),
            format!("X-Attachment-Id: {}", image.content_id),
        ],
        body: mime::base64_lines(&image.data).into_bytes(),
    }
}

/// Gmail-style attachment tag (`f_…`), derived from the content.
fn attachment_tag(data: &[u8]) -> String {
    format!("f_{}", &hex(&Sha256::digest(data))[..10])
}

fn multipart(subtype: &str, boundaries: &mut Boundaries<'_>, children: Vec<Entity>) -> Entity {
    let boundary = boundaries.next();
    let mut body = Vec::new();
    for child in &children {
        body.extend_from_slice(format!("--{boundary}\r\n").as_bytes());
        body.extend_from_slice(&serialize(child));
        body.extend_from_slice(b"\r\n");
    }
    body.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
    Entity {
        headers: vec![format!(
            "Content-Type: multipart/{subtype}; boundary=\"{boundary}\""
        )],
        body,
    }
}

fn serialize(entity: &Entity) -> Vec<u8> {
    let mut bytes = Vec::with_capacity(entity.body.len() + 512);
    for header in &entity.headers {
        bytes.extend_from_slice(header.as_bytes());
        bytes.extend_from_slice(b"\r\n");
    }
    bytes.extend_from_slice(b"\r\n");
    bytes.extend_from_slice(&entity.body);
    bytes
}

/// Gmail-like boundaries (`000000000000` + hex), unique per message and level.
struct Boundaries<'a> {
    seed: &'a str,
    issued: u32,
}

impl Boundaries<'_> {
    fn next(&mut self) -> String {
        self.issued += 1;
        let digest = Sha256::digest(format!("boundary\n{}\n{}", self.seed, self.issued));
        format!("000000000000{}", &hex(&digest)[..16])
    }
}
