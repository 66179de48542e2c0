//! The emulator's mailboxes: the demo mail, your own mail (`EMULATOR_MAILBOX`), and mail
//! delivered while it runs.
//!
//! The demo mailboxes are real mail files, `google-emulator/mailboxes/<kind>/NNN-subject.eml`
//! (`large`, `small`, `all-read`), embedded at build time by `build.rs`. Each file opens with
//! metadata lines that are not part of the message (`X-Gmail-Labels`, Takeout's label names;
//! `X-Emulator-Internal-Date`); an HTML-only message has a `.txt` beside it with the text a
//! reader sees in it. The files are addressed to their demo account (alice, bob, carol); a
//! mailbox built for another owner has that name and address replaced in the top-level
//! headers (bodies keep their greetings).
//!
//! Every message is parsed with `mailparse`: Gmail's `payload` for `format=full|metadata`, and
//! its [`MessageSpec`] (sender, subject, date, shape, charset, readable text, attachments),
//! which other crates' tests compare what they show against. Nothing depends on randomness
//! or on the current time: building the same kind for the same owner twice gives identical
//! messages, ids, threads and history ids. After start-up, [`Mailbox::deliver`],
//! [`Mailbox::change_labels`] and [`Mailbox::delete`] change a mailbox, advance its history id
//! (by a fixed step: increasing, with gaps, as Gmail's) and keep [`HistoryRecord`]s; the
//! oldest are dropped beyond `EMULATOR_HISTORY_RETENTION` ([`Mailbox::retain_history`]).
//!
//! Files:
//! - `mod.rs`: the public types, [`Mailbox::build`] / [`Mailbox::load`] (ids, threads, history
//!   ids, labels), delivery, label changes, deletion and their history.
//! - `files.rs`: metadata lines, Takeout labels, Maildir flags, mbox splitting, reading a path.
//! - `spec.rs`: a message's [`MessageSpec`], read back from its bytes.
//! - `gmail_json.rs`: raw bytes, parsed with `mailparse`, to Gmail's message JSON.

mod files;
mod gmail_json;
mod spec;

/// The demo mailboxes' files, embedded by `build.rs`.
mod embedded {
    include!(concat!(env!("OUT_DIR"), "/mailboxes.rs"));
}

pub use files::MailboxSourceError;
use files::{MailFile, read_path};
#[cfg(test)]
mod tests;

use std::collections::HashMap;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE;
use chrono::{DateTime, FixedOffset};
use serde::Serialize;
use serde_json::{Map, Value, json};
use sha2::{Digest as _, Sha256};

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

/// The MIME structure of a message.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
pub enum MessageShape {
    /// `text/plain` at the root (and any other shape of mail not listed here).
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

/// The ground truth of a message, read from its file. Other crates' tests compare
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

/// One account's messages, newest first, and the changes made to them since start-up.
#[derive(Clone, Debug)]
pub struct Mailbox {
    messages: Vec<StoredMessage>,
    position_by_id: HashMap<String, usize>,
    /// Message ids are derived from this (the owner's address and the mailbox kind).
    id_seed: String,
    history_id: u64,
    /// The oldest `startHistoryId` the kept history answers completely: the history id at
    /// start-up, later the id of the newest record dropped (retention, [`Mailbox::forget_history`]).
    history_floor: u64,
    /// The records kept, oldest first, ids increasing.
    history: Vec<HistoryRecord>,
    /// Messages delivered since start-up.
    delivered: usize,
}

/// Gmail's system labels (what `labels.get` knows and delivery accepts).
pub const SYSTEM_LABELS: &[&str] = &[
    "INBOX",
    "UNREAD",
    "STARRED",
    "IMPORTANT",
    "SENT",
    "DRAFT",
    "SPAM",
    "TRASH",
    "CATEGORY_PERSONAL",
    "CATEGORY_SOCIAL",
    "CATEGORY_PROMOTIONS",
    "CATEGORY_UPDATES",
    "CATEGORY_FORUMS",
];

/// What one history record says happened (Gmail's `messagesAdded`, `messagesDeleted`,
/// `labelsAdded`, `labelsRemoved`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub enum HistoryChange {
    MessageAdded,
    /// Deleted for good (not moved to `TRASH`, which is a label change).
    MessageDeleted,
    LabelsAdded(Vec<String>),
    LabelsRemoved(Vec<String>),
}

/// One change to a mailbox after start-up, for `users.history.list`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct HistoryRecord {
    /// The mailbox's history id after the change.
    pub id: u64,
    pub message_id: String,
    pub thread_id: String,
    /// The message's labels right after the change (for a deletion: the labels it had).
    pub label_ids: Vec<String>,
    pub change: HistoryChange,
}

impl HistoryRecord {
    /// Whether the message, as this record shows it (`labelIds`), carries `label`: what
    /// `users.history.list`'s `labelId` and a watch's label filter match on. A removal of
    /// `label` itself does not match (the message no longer has it): the stricter reading of
    /// Google's "only return messages with a label matching the ID".
    pub fn shows_label(&self, label: &str) -> bool {
        self.label_ids.iter().any(|l| l == label)
    }
}

impl HistoryRecord {
    /// A record of `change` to `message`, now at history id `id`.
    fn of(message: &StoredMessage, id: u64, change: HistoryChange) -> Self {
        Self {
            id,
            message_id: message.id.clone(),
            thread_id: message.thread_id.clone(),
            label_ids: message.label_ids.clone(),
            change,
        }
    }
}

/// Why a delivered body was refused.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum DeliveryError {
    #[error("the body is not an RFC 5322 message (it needs a header block with From: or Date:)")]
    NotAMessage,
}

/// History ids of a mailbox start here and grow by [`HISTORY_ID_STEP`] per
/// message in delivery order (Gmail's are large, increasing, not contiguous).
const FIRST_HISTORY_ID: u64 = 2_183_400;
const HISTORY_ID_STEP: u64 = 17;

impl Mailbox {
    /// The demo mailbox of `kind` for `owner`: the embedded files of `mailboxes/<kind>/`, with
    /// the demo owner they are written for replaced by `owner` in the headers.
    pub fn build(kind: MailboxKind, owner: &Owner<'_>) -> Mailbox {
        let (folder, file_owner) = kind.files();
        let files = embedded_files(folder)
            .into_iter()
            .map(|mut file| {
                file.raw = files::rewrite_owner(
                    &file.raw,
                    (file_owner.name, file_owner.email),
                    (owner.name, owner.email),
                );
                file
            })
            .collect();
        Self::from_files(&id_seed(owner.email, &format!("{kind:?}")), files)
    }

    /// The mailbox in `path` (`EMULATOR_MAILBOX`: an mbox, a folder of `.eml` files or a Maildir).
    pub fn load(path: &std::path::Path, owner_email: &str) -> Result<Mailbox, MailboxSourceError> {
        let files = read_path(path)?;
        Ok(Self::from_files(&id_seed(owner_email, "Custom"), files))
    }

    /// Messages from files: ids from `seed` and the file's position, threads from `X-GM-THRID`
    /// or `References` / `In-Reply-To`, history ids in delivery order (by `Date:`).
    fn from_files(seed: &str, files: Vec<MailFile>) -> Mailbox {
        let ids: Vec<String> = (0..files.len())
            .map(|index| message_id(seed, index))
            .collect();
        let headers: Vec<Vec<(String, String)>> = files
            .iter()
            .map(|file| {
                mailparse::parse_headers(&file.raw)
                    .map(|(headers, _)| {
                        headers
                            .iter()
                            .map(|h| (h.get_key(), h.get_value()))
                            .collect()
                    })
                    .unwrap_or_default()
            })
            .collect();
        let header = |index: usize, name: &str| -> Option<&str> {
            headers[index]
                .iter()
                .find(|(key, _)| key.eq_ignore_ascii_case(name))
                .map(|(_, value)| value.as_str())
        };
        let internal_dates: Vec<i64> = (0..files.len())
            .map(|index| {
                files[index]
                    .internal_date_ms
                    .or_else(|| header_date_ms(header(index, "Date")))
                    .or(files[index].fallback_date_ms)
                    .unwrap_or_default()
            })
            .collect();
        let mut delivery_order: Vec<usize> = (0..files.len()).collect();
        delivery_order.sort_by_key(|&index| {
            (
                header_date_ms(header(index, "Date")).unwrap_or(internal_dates[index]),
                index,
            )
        });

        let mut thread_ids = ids.clone();
        let mut by_message_id: HashMap<String, usize> = HashMap::new();
        for &index in &delivery_order {
            if let Some(thread) = &files[index].thread_id {
                thread_ids[index] = thread.clone();
            } else {
                let parents = references(header(index, "References"), header(index, "In-Reply-To"));
                if let Some(&parent) = parents.iter().find_map(|id| by_message_id.get(id)) {
                    thread_ids[index] = thread_ids[parent].clone();
                }
            }
            if let Some(own) = header(index, "Message-ID") {
                by_message_id.entry(own.trim().to_owned()).or_insert(index);
            }
        }

        let mut history_ids = vec![0_u64; files.len()];
        for (rank, &index) in delivery_order.iter().enumerate() {
            history_ids[index] = FIRST_HISTORY_ID + HISTORY_ID_STEP * (rank as u64 + 1);
        }
        let messages: Vec<StoredMessage> = files
            .into_iter()
            .enumerate()
            .map(|(index, file)| {
                let labels = file
                    .labels
                    .clone()
                    .unwrap_or_else(|| vec!["UNREAD".to_owned(), "INBOX".to_owned()]);
                store(
                    file,
                    labels,
                    StoredIds {
                        id: ids[index].clone(),
                        thread_id: thread_ids[index].clone(),
                        history_id: history_ids[index],
                        internal_date_ms: internal_dates[index],
                    },
                )
            })
            .collect();
        let history_id = messages
            .iter()
            .map(|message| message.history_id)
            .max()
            .unwrap_or(FIRST_HISTORY_ID);
        let mut mailbox = Mailbox {
            messages,
            position_by_id: HashMap::new(),
            id_seed: seed.to_owned(),
            history_id,
            history_floor: history_id,
            history: Vec::new(),
            delivered: 0,
        };
        mailbox.reindex();
        mailbox
    }

    /// Sorts newest first (ties by id) and rebuilds the id lookup.
    fn reindex(&mut self) {
        self.messages.sort_by(|a, b| {
            b.internal_date_ms
                .cmp(&a.internal_date_ms)
                .then_with(|| a.id.cmp(&b.id))
        });
        self.position_by_id = self
            .messages
            .iter()
            .enumerate()
            .map(|(position, message)| (message.id.clone(), position))
            .collect();
    }

    /// Whether `label` may be put on a message here: a system label or one the mailbox uses.
    pub fn knows_label(&self, label: &str) -> bool {
        SYSTEM_LABELS.contains(&label) || self.messages.iter().any(|m| m.has_label(label))
    }

    /// Delivers `raw` (RFC 5322) with `label_ids`, received at `received_at_ms`: a new message
    /// with the next history id, in the thread its `References` / `In-Reply-To` name.
    pub fn deliver(
        &mut self,
        raw: &[u8],
        label_ids: Vec<String>,
        received_at_ms: i64,
    ) -> Result<&StoredMessage, DeliveryError> {
        let raw = files::normalize_crlf(raw);
        if !files::is_message(&raw) {
            return Err(DeliveryError::NotAMessage);
        }
        let mut id;
        loop {
            id = message_id(&format!("{}\ndelivered", self.id_seed), self.delivered);
            self.delivered += 1;
            if !self.position_by_id.contains_key(&id) {
                break;
            }
        }
        let thread_id = {
            let parsed = mailparse::parse_headers(&raw)
                .map(|(h, _)| h)
                .unwrap_or_default();
            let get = |name: &str| {
                parsed
                    .iter()
                    .find(|h| h.get_key_ref().eq_ignore_ascii_case(name))
                    .map(|h| h.get_value())
            };
            let parents = references(get("References").as_deref(), get("In-Reply-To").as_deref());
            let thread = parents.iter().find_map(|parent| {
                self.messages
                    .iter()
                    .find(|m| {
                        m.header("Message-ID")
                            .is_some_and(|own| own.trim() == parent)
                    })
                    .map(|m| m.thread_id.clone())
            });
            thread.unwrap_or_else(|| id.clone())
        };
        self.history_id += HISTORY_ID_STEP;
        let file = MailFile {
            origin: "delivery".to_owned(),
            raw,
            ..MailFile::default()
        };
        let message = store(
            file,
            label_ids,
            StoredIds {
                id: id.clone(),
                thread_id: thread_id.clone(),
                history_id: self.history_id,
                internal_date_ms: received_at_ms,
            },
        );
        self.history.push(HistoryRecord {
            id: self.history_id,
            message_id: id.clone(),
            thread_id,
            label_ids: message.label_ids.clone(),
            change: HistoryChange::MessageAdded,
        });
        self.messages.push(message);
        self.reindex();
        self.get(&id).ok_or(DeliveryError::NotAMessage)
    }

    /// Adds and removes labels on message `id` as another mail client would; each actual
    /// change is a history record and advances the history id. `None`: no such message.
    pub fn change_labels(
        &mut self,
        id: &str,
        add: &[String],
        remove: &[String],
    ) -> Option<&StoredMessage> {
        let position = *self.position_by_id.get(id)?;
        let message = self.messages.get_mut(position)?;
        // Removals first, then additions: a label both removed and added stays.
        let removed: Vec<String> = remove
            .iter()
            .filter(|label| message.has_label(label) && !add.contains(label))
            .cloned()
            .collect();
        if !removed.is_empty() {
            message.label_ids.retain(|label| !removed.contains(label));
            self.history_id += HISTORY_ID_STEP;
            self.history.push(HistoryRecord::of(
                message,
                self.history_id,
                HistoryChange::LabelsRemoved(removed),
            ));
        }
        let added: Vec<String> = add
            .iter()
            .filter(|label| !message.has_label(label))
            .cloned()
            .collect();
        if !added.is_empty() {
            message.label_ids.extend(added.iter().cloned());
            self.history_id += HISTORY_ID_STEP;
            self.history.push(HistoryRecord::of(
                message,
                self.history_id,
                HistoryChange::LabelsAdded(added),
            ));
        }
        if self
            .history
            .last()
            .is_some_and(|last| last.id == self.history_id && last.message_id == message.id)
        {
            message.history_id = self.history_id;
        }
        self.messages.get(position)
    }

    /// Deletes message `id` for good, as another client would (not to `TRASH`: that is a
    /// label change): a `messagesDeleted` record with the labels it had. `None`: no such message.
    pub fn delete(&mut self, id: &str) -> Option<&HistoryRecord> {
        let position = *self.position_by_id.get(id)?;
        let message = self.messages.remove(position);
        self.history_id += HISTORY_ID_STEP;
        self.history.push(HistoryRecord::of(
            &message,
            self.history_id,
            HistoryChange::MessageDeleted,
        ));
        self.reindex();
        self.history.last()
    }

    /// Keeps at most `retention` history records, dropping the oldest: a `startHistoryId`
    /// before the oldest kept record then answers 404, as Gmail does once history expires.
    pub fn retain_history(&mut self, retention: usize) {
        let excess = self.history.len().saturating_sub(retention);
        if excess > 0 {
            if let Some(newest_dropped) = self.history.get(excess - 1) {
                self.history_floor = newest_dropped.id;
            }
            self.history.drain(..excess);
        }
    }

    /// Drops all history: every id before the current one is too old (404) from now on.
    pub fn forget_history(&mut self) {
        self.history.clear();
        self.history_floor = self.history_id;
    }

    /// The changes kept, oldest first (all since start-up unless retention dropped some).
    pub fn history(&self) -> &[HistoryRecord] {
        &self.history
    }

    /// The changes after history id `start`, oldest first. `None` when `start` is older than
    /// the history kept (before start-up, or before records retention or
    /// [`Self::forget_history`] dropped): the client must sync in full (Gmail's 404). An id in
    /// a gap between records answers the records after it; an id beyond the current one
    /// answers nothing (Gmail: no `history`, the current `historyId`).
    pub fn history_since(&self, start: u64) -> Option<&[HistoryRecord]> {
        if start < self.history_floor {
            return None;
        }
        let from = self.history.partition_point(|record| record.id <= start);
        Some(&self.history[from..])
    }

    /// The oldest `startHistoryId` [`Self::history_since`] answers.
    pub fn history_floor(&self) -> u64 {
        self.history_floor
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

    /// The mailbox's current history id: the largest of its messages' at start-up, then
    /// advanced by every delivery, label change and deletion.
    pub fn history_id(&self) -> u64 {
        self.history_id
    }
}

struct StoredIds {
    id: String,
    thread_id: String,
    history_id: u64,
    internal_date_ms: i64,
}

/// A message from a file: parsed once for Gmail's payload, headers and the spec.
fn store(file: MailFile, label_ids: Vec<String>, ids: StoredIds) -> StoredMessage {
    let raw = file.raw;
    let parsed = gmail_json::parse(&raw, &ids.id);
    let spec = spec::derive(
        &raw,
        &parsed.payload,
        ids.internal_date_ms,
        file.expected_text.as_deref(),
    );
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

impl MailboxKind {
    /// The folder under `mailboxes/` and the demo account its files are addressed to.
    fn files(self) -> (&'static str, Owner<'static>) {
        match self {
            MailboxKind::Large => (
                "large",
                Owner {
                    name: "Alice Example",
                    email: "alice@example.com",
                },
            ),
            MailboxKind::Small => (
                "small",
                Owner {
                    name: "Bob Example",
                    email: "bob@example.com",
                },
            ),
            MailboxKind::AllRead => (
                "all-read",
                Owner {
                    name: "Carol Example",
                    email: "carol@example.com",
                },
            ),
        }
    }
}

/// The embedded `.eml` files of one folder in name order, each with the `.txt` beside it.
fn embedded_files(folder: &str) -> Vec<MailFile> {
    let in_folder = || {
        embedded::FILES
            .iter()
            .filter(move |(kind, _, _)| *kind == folder)
    };
    in_folder()
        .filter_map(|(_, name, bytes)| {
            let stem = name.strip_suffix(".eml")?;
            let mut file = files::with_metadata(format!("{folder}/{name}"), bytes);
            file.expected_text = in_folder()
                .find(|(_, other, _)| other.strip_suffix(".txt") == Some(stem))
                .map(|(_, _, text)| {
                    let text = String::from_utf8_lossy(text);
                    text.strip_suffix('\n').unwrap_or(&text).to_owned()
                });
            Some(file)
        })
        .collect()
}

/// What message ids of a mailbox derive from: the owner's address and the mailbox's kind.
fn id_seed(owner_email: &str, kind: &str) -> String {
    format!("{}\n{kind}", owner_email.to_ascii_lowercase())
}

/// Gmail message ids look like `18f0c2a4b6d8e0f1`: 16 lowercase hex characters, here from
/// the mailbox's seed and the message's position.
fn message_id(seed: &str, index: usize) -> String {
    let digest = Sha256::digest(format!("gmail-message-id\n{seed}\n{index}"));
    hex(&digest)[..16].to_string()
}

/// A `Date:` header value as milliseconds since the epoch.
fn header_date_ms(value: Option<&str>) -> Option<i64> {
    DateTime::parse_from_rfc2822(value?.trim())
        .ok()
        .map(|date| date.timestamp_millis())
}

/// The message ids a message answers: `References` oldest first, then `In-Reply-To`.
fn references(references: Option<&str>, in_reply_to: Option<&str>) -> Vec<String> {
    references
        .into_iter()
        .chain(in_reply_to)
        .flat_map(|value| value.split_whitespace())
        .filter(|token| token.starts_with('<') && token.ends_with('>'))
        .map(str::to_owned)
        .collect()
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
