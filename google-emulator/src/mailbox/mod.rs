//! The emulator's deterministic demo mailboxes.
//!
//! This module owns the mail the emulator serves: which messages each kind of
//! mailbox holds, how each one is written as real RFC 5322 bytes, and how
//! those bytes are shown through the Gmail API (`format=minimal|metadata|full|raw`).
//!
//! Every message starts as a [`MessageSpec`] (the ground truth: who wrote what,
//! in which charset and MIME shape), is rendered to raw RFC 5322 bytes, and is
//! then parsed back with `mailparse` to produce Gmail's `payload`, so the `raw`
//! and `full` formats agree by construction. Nothing depends on randomness or on
//! the current time: building the same kind for the same owner twice gives
//! byte-identical messages.
//!
//! Files:
//! - `mod.rs`: the public types and [`Mailbox::build`] (ids, threads, history ids, labels).
//! - `corpus.rs` and `corpus/`: the drafts, i.e. who writes what to whom, per mailbox kind.
//! - `mime.rs`: charsets, base64 / quoted-printable bodies, RFC 2047 words, RFC 2231 parameters.
//! - `render.rs`: a draft to RFC 5322 bytes.
//! - `assets.rs`: the attachment bytes (a tiny real PNG, a small PDF, CSV and text files).
//! - `gmail_json.rs`: raw bytes, parsed with `mailparse`, to Gmail's message JSON.

mod assets;
mod corpus;
mod gmail_json;
mod mime;
mod render;
#[cfg(test)]
mod tests;

use std::collections::HashMap;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE;
use chrono::{DateTime, FixedOffset};
use serde::Serialize;
use serde_json::{Map, Value, json};
use sha2::{Digest as _, Sha256};

use corpus::{Draft, Folder, Person};

/// The account whose mailbox is built: its address appears in `To:` of received
/// mail and in `From:` of the few messages it sent.
#[derive(Clone, Copy, Debug)]
pub struct Owner<'a> {
    pub name: &'a str,
    pub email: &'a str,
}

/// Which demo mailbox to build.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MailboxKind {
    /// The main demo account: 140+ messages of every shape and charset, about half unread.
    Large,
    /// About 25 simpler messages, 10 of them unread.
    Small,
    /// Six messages, none unread (for "nothing unread" screens).
    AllRead,
}

/// The Gmail `format` parameter of `messages.get`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MessageFormat {
    Minimal,
    Metadata,
    Full,
    Raw,
}

impl MessageFormat {
    /// Parses the exact lowercase query value (`minimal`, `metadata`, `full`, `raw`).
    pub fn parse(value: &str) -> Option<Self> {
        match value {
            "minimal" => Some(Self::Minimal),
            "metadata" => Some(Self::Metadata),
            "full" => Some(Self::Full),
            "raw" => Some(Self::Raw),
            _ => None,
        }
    }
}

/// The MIME structure a message was rendered with.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
pub enum MessageShape {
    /// `text/plain` at the root.
    PlainOnly,
    /// `multipart/alternative` of `text/plain` and `text/html`.
    Alternative,
    /// `text/html` at the root (no plain-text version).
    HtmlOnly,
    /// `multipart/mixed` of `text/plain` and attachments.
    MixedWithAttachments,
    /// `multipart/mixed` of `multipart/alternative` (plain + html) and attachments.
    MixedAlternativeWithAttachments,
    /// `multipart/mixed` > `multipart/alternative` > (`text/plain`,
    /// `multipart/related` > (`text/html`, inline `image/png` with a Content-ID)),
    /// followed by attachments.
    NestedRelated,
}

/// An attachment as Gmail lists it: every part with a filename, including
/// inline images of `multipart/related` that carry one.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ExpectedAttachment {
    /// The decoded filename (RFC 2231 / RFC 2047 undone).
    pub filename: String,
    pub mime_type: String,
    /// Decoded byte length, as Gmail's `body.size`.
    pub size: u64,
}

/// The ground truth a message was rendered from. Other crates' tests compare
/// what they show against it.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct MessageSpec {
    pub from_name: Option<String>,
    pub from_email: String,
    /// The `To:` header as a person reads it (decoded), e.g. `Ada Example <ada@example.com>`.
    pub to: String,
    /// The decoded subject.
    pub subject: String,
    pub date: DateTime<FixedOffset>,
    /// The readable text: the `text/plain` part when there is one, else the
    /// text a reader sees in the HTML (paragraphs separated by blank lines,
    /// list items and `<br>` lines on their own lines, no tags, no style or
    /// script content, entities decoded, non-breaking spaces as plain spaces).
    /// Lines are separated by `\n`; the raw message uses CRLF.
    pub expected_text: String,
    pub attachments: Vec<ExpectedAttachment>,
    pub shape: MessageShape,
    /// Charset of the main text part as written in its Content-Type, e.g. `ISO-2022-JP`.
    pub charset: String,
    /// Content-Transfer-Encoding of the main text part, e.g. `quoted-printable`.
    pub transfer_encoding: String,
}

/// One message as the emulator stores it.
#[derive(Clone, Debug)]
pub struct StoredMessage {
    /// 16 lowercase hex characters, derived (SHA-256) from the owner's address, the mailbox kind and the message's index.
    pub id: String,
    /// The id of the thread's first message.
    pub thread_id: String,
    pub label_ids: Vec<String>,
    pub internal_date_ms: i64,
    pub history_id: u64,
    /// The RFC 5322 message with CRLF line endings.
    pub raw: Vec<u8>,
    /// Gmail-style snippet (HTML-escaped, at most 200 characters before escaping).
    pub snippet: String,
    /// `raw.len()`.
    pub size_estimate: u64,
    pub spec: MessageSpec,
    /// Top-level headers, decoded, in message order.
    headers: Vec<(String, String)>,
    /// The `format=full` payload.
    full_payload: Value,
    /// Attachment bytes by the `attachmentId` given in the payload.
    attachments: Vec<(String, Vec<u8>)>,
    search_text: String,
}

impl StoredMessage {
    pub fn is_unread(&self) -> bool {
        self.has_label("UNREAD")
    }

    pub fn has_label(&self, label: &str) -> bool {
        self.label_ids.iter().any(|id| id == label)
    }

    /// The first top-level header with this name (case-insensitive), decoded to UTF-8.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(key, _)| key.eq_ignore_ascii_case(name))
            .map(|(_, value)| value.as_str())
    }

    /// Lowercase From + To + Subject + readable text, for free-text search.
    pub fn search_text(&self) -> &str {
        &self.search_text
    }

    /// The decoded bytes of the attachment Gmail would serve for this
    /// `attachmentId` (`messages.attachments.get`), if it belongs to this message.
    pub fn attachment_data(&self, attachment_id: &str) -> Option<&[u8]> {
        self.attachments
            .iter()
            .find(|(id, _)| id == attachment_id)
            .map(|(_, data)| data.as_slice())
    }

    /// The message as Gmail's `users.messages.get` returns it.
    pub fn to_gmail_json(&self, format: MessageFormat, metadata_headers: &[String]) -> Value {
        let mut message = Map::new();
        message.insert("id".into(), json!(self.id));
        message.insert("threadId".into(), json!(self.thread_id));
        message.insert("labelIds".into(), json!(self.label_ids));
        message.insert("snippet".into(), json!(self.snippet));
        message.insert("sizeEstimate".into(), json!(self.size_estimate));
        message.insert("historyId".into(), json!(self.history_id.to_string()));
        message.insert(
            "internalDate".into(),
            json!(self.internal_date_ms.to_string()),
        );
        match format {
            MessageFormat::Minimal => {}
            MessageFormat::Metadata => {
                let mime_type = self.full_payload.get("mimeType").cloned();
                message.insert(
                    "payload".into(),
                    gmail_json::metadata_payload(
                        mime_type.unwrap_or_else(|| json!("text/plain")),
                        &self.headers,
                        metadata_headers,
                    ),
                );
            }
            MessageFormat::Full => {
                message.insert("payload".into(), self.full_payload.clone());
            }
            MessageFormat::Raw => {
                message.insert("raw".into(), json!(URL_SAFE.encode(&self.raw)));
            }
        }
        Value::Object(message)
    }
}

/// One account's messages, newest first.
#[derive(Clone, Debug)]
pub struct Mailbox {
    messages: Vec<StoredMessage>,
    position_by_id: HashMap<String, usize>,
}

/// History ids of a mailbox start here and grow by [`HISTORY_ID_STEP`] per
/// message in delivery order (Gmail's are large, increasing, not contiguous).
const FIRST_HISTORY_ID: u64 = 2_183_400;
const HISTORY_ID_STEP: u64 = 17;

impl Mailbox {
    pub fn build(kind: MailboxKind, owner: &Owner<'_>) -> Mailbox {
        let owner = Person::owner(owner);
        let drafts = corpus::drafts(kind, &owner);
        let ids: Vec<String> = (0..drafts.len())
            .map(|index| message_id_for(&owner.email, kind, index))
            .collect();
        let header_message_ids: Vec<String> = drafts
            .iter()
            .enumerate()
            .map(|(index, draft)| rfc5322_message_id(&ids[index], draft))
            .collect();

        // Delivery order: by date, then by corpus position.
        let mut delivery_order: Vec<usize> = (0..drafts.len()).collect();
        delivery_order.sort_by_key(|&index| (drafts[index].date, index));

        // Threads: each message replies to the previous one of its conversation.
        let mut thread_ids = ids.clone();
        let mut in_reply_to: Vec<Option<String>> = vec![None; drafts.len()];
        let mut references: Vec<Vec<String>> = vec![Vec::new(); drafts.len()];
        let mut conversations: HashMap<&str, Vec<usize>> = HashMap::new();
        for &index in &delivery_order {
            let Some(key) = drafts[index].thread.as_deref() else {
                continue;
            };
            let earlier = conversations.entry(key).or_default();
            if let (Some(&first), Some(&previous)) = (earlier.first(), earlier.last()) {
                thread_ids[index] = ids[first].clone();
                in_reply_to[index] = Some(header_message_ids[previous].clone());
                references[index] = earlier
                    .iter()
                    .map(|&earlier_index| header_message_ids[earlier_index].clone())
                    .collect();
            }
            earlier.push(index);
        }

        let mut history_ids = vec![0_u64; drafts.len()];
        for (rank, &index) in delivery_order.iter().enumerate() {
            history_ids[index] = FIRST_HISTORY_ID + HISTORY_ID_STEP * (rank as u64 + 1);
        }

        let mut messages: Vec<StoredMessage> = drafts
            .into_iter()
            .enumerate()
            .map(|(index, draft)| {
                let received_at_ms =
                    draft.date.timestamp_millis() + delivery_delay_ms(&draft, index);
                let envelope = render::Envelope {
                    message_id: &header_message_ids[index],
                    in_reply_to: in_reply_to[index].as_deref(),
                    references: &references[index],
                    owner_email: &owner.email,
                    received_at_ms,
                    boundary_seed: &ids[index],
                };
                let raw = render::render(&draft, &envelope);
                store(
                    draft,
                    raw,
                    StoredIds {
                        id: ids[index].clone(),
                        thread_id: thread_ids[index].clone(),
                        history_id: history_ids[index],
                        internal_date_ms: received_at_ms,
                    },
                )
            })
            .collect();
        messages.sort_by(|a, b| {
            b.internal_date_ms
                .cmp(&a.internal_date_ms)
                .then_with(|| a.id.cmp(&b.id))
        });
        let position_by_id = messages
            .iter()
            .enumerate()
            .map(|(position, message)| (message.id.clone(), position))
            .collect();
        Mailbox {
            messages,
            position_by_id,
        }
    }

    /// All messages, newest first (by internal date, ties by id).
    pub fn messages(&self) -> &[StoredMessage] {
        &self.messages
    }

    pub fn get(&self, id: &str) -> Option<&StoredMessage> {
        self.position_by_id
            .get(id)
            .and_then(|&position| self.messages.get(position))
    }

    /// The mailbox's current history id (the largest of its messages').
    pub fn history_id(&self) -> u64 {
        self.messages
            .iter()
            .map(|message| message.history_id)
            .max()
            .unwrap_or(FIRST_HISTORY_ID)
    }
}

struct StoredIds {
    id: String,
    thread_id: String,
    history_id: u64,
    internal_date_ms: i64,
}

fn store(draft: Draft, raw: Vec<u8>, ids: StoredIds) -> StoredMessage {
    let parsed = gmail_json::parse(&raw, &ids.id);
    let spec = draft.spec();
    let label_ids = draft.placement.label_ids();
    let snippet = snippet(&spec.expected_text);
    let header_value = |name: &str| {
        parsed
            .headers
            .iter()
            .find(|(key, _)| key.eq_ignore_ascii_case(name))
            .map(|(_, value)| value.as_str())
            .unwrap_or_default()
    };
    let search_text = [
        header_value("From"),
        header_value("To"),
        header_value("Subject"),
        spec.expected_text.as_str(),
    ]
    .join("\n")
    .to_lowercase();
    StoredMessage {
        id: ids.id,
        thread_id: ids.thread_id,
        label_ids,
        internal_date_ms: ids.internal_date_ms,
        history_id: ids.history_id,
        size_estimate: raw.len() as u64,
        raw,
        snippet,
        spec,
        headers: parsed.headers,
        full_payload: parsed.payload,
        attachments: parsed.attachments,
        search_text,
    }
}

/// Gmail message ids look like `18f0c2a4b6d8e0f1`: 16 lowercase hex
/// characters, here from the owner's address, the mailbox kind and the index.
fn message_id_for(owner_email: &str, kind: MailboxKind, index: usize) -> String {
    let digest = Sha256::digest(format!(
        "gmail-message-id\n{}\n{kind:?}\n{index}",
        owner_email.to_ascii_lowercase()
    ));
    hex(&digest)[..16].to_string()
}

/// The `Message-ID:` header value, on the sender's domain.
fn rfc5322_message_id(gmail_id: &str, draft: &Draft) -> String {
    let digest = Sha256::digest(format!("rfc5322-message-id\n{gmail_id}"));
    let domain = draft
        .from
        .email
        .rsplit_once('@')
        .map(|(_, domain)| domain)
        .unwrap_or("mail.example");
    format!("<{}@{domain}>", &hex(&digest)[..32])
}

/// Received mail reaches Gmail a few seconds after its `Date:`; sent mail is stored at once.
fn delivery_delay_ms(draft: &Draft, index: usize) -> i64 {
    if draft.placement.folder == Folder::Sent {
        0
    } else {
        1_000 + (index as i64 * 2_357) % 40_000
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|byte| format!("{byte:02x}")).collect()
}

/// Longest snippet, in characters, before HTML escaping.
const SNIPPET_MAX_CHARS: usize = 200;

/// Gmail's snippet: the readable text with whitespace collapsed, trimmed, cut
/// to 200 characters, then HTML-escaped (`&`, `<`, `>`, `"`, and `'` as `&#39;`).
fn snippet(readable_text: &str) -> String {
    let collapsed = readable_text
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    let cut: String = collapsed.chars().take(SNIPPET_MAX_CHARS).collect();
    let mut escaped = String::with_capacity(cut.len());
    for character in cut.trim_end().chars() {
        match character {
            '&' => escaped.push_str("&amp;"),
            '<' => escaped.push_str("&lt;"),
            '>' => escaped.push_str("&gt;"),
            '"' => escaped.push_str("&quot;"),
            '\'' => escaped.push_str("&#39;"),
            other => escaped.push(other),
        }
    }
    escaped
}
