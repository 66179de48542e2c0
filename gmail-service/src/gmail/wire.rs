//! Gmail API v1 JSON, as Google sends it (camelCase, 64-bit numbers as strings, absent keys
//! for empty lists). Only the fields gmail-service reads; unknown fields are ignored.

use serde::Deserialize;

/// `users.messages.list`.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MessageList {
    /// Absent when nothing matches.
    #[serde(default)]
    pub messages: Vec<MessageRef>,
    pub next_page_token: Option<String>,
    #[serde(default)]
    pub result_size_estimate: u64,
}

/// One entry of a list answer.
#[derive(Clone, Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MessageRef {
    pub id: String,
    #[serde(default)]
    pub thread_id: String,
}

/// `users.messages.get` (`format=metadata` or `full`).
#[derive(Clone, Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Message {
    pub id: String,
    #[serde(default)]
    pub thread_id: String,
    #[serde(default)]
    pub label_ids: Vec<String>,
    /// HTML-escaped by Gmail (`&#39;`).
    #[serde(default)]
    pub snippet: String,
    /// Epoch milliseconds, as a string.
    pub internal_date: Option<String>,
    /// The id of the last history record that touched the message, as a string.
    pub history_id: Option<String>,
    pub payload: Option<MessagePart>,
}

/// `threads.get`: the thread's messages, oldest first.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Thread {
    pub id: String,
    #[serde(default)]
    pub messages: Vec<Message>,
}

/// A MIME part.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MessagePart {
    /// `""` for the root, `0`, `1`, `1.2`, … below it.
    #[serde(default)]
    pub part_id: String,
    #[serde(default)]
    pub mime_type: String,
    #[serde(default)]
    pub filename: String,
    #[serde(default)]
    pub headers: Vec<Header>,
    #[serde(default)]
    pub body: PartBody,
    #[serde(default)]
    pub parts: Vec<MessagePart>,
}

/// A header, RFC 2047-decoded to UTF-8 by Gmail.
#[derive(Clone, Debug, Deserialize)]
pub struct Header {
    pub name: String,
    pub value: String,
}

/// A part's body: inline `data` (base64url) or an `attachmentId`.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PartBody {
    pub attachment_id: Option<String>,
    #[serde(default)]
    pub size: u64,
    pub data: Option<String>,
}

/// `users.getProfile`.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Profile {
    /// The mailbox's current history id, as a string.
    pub history_id: String,
    /// The mailbox's address (push notifications name the mailbox by it).
    #[serde(default)]
    pub email_address: Option<String>,
}

/// `users.watch`'s answer.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct WatchResponse {
    /// The mailbox's history id when the watch began.
    pub history_id: String,
    /// Epoch milliseconds, as a string: when the watch ends unless renewed.
    pub expiration: String,
}

/// `users.history.list`: the changes after `startHistoryId`, oldest first. No `history` key
/// when nothing changed.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct HistoryList {
    #[serde(default)]
    pub history: Vec<HistoryRecord>,
    pub next_page_token: Option<String>,
    /// The mailbox's current history id (store it after the last page only).
    pub history_id: String,
}

/// One history record; each list holds the messages one kind of change touched.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct HistoryRecord {
    #[serde(default)]
    pub messages_added: Vec<HistoryMessage>,
    #[serde(default)]
    pub messages_deleted: Vec<HistoryMessage>,
    #[serde(default)]
    pub labels_added: Vec<HistoryMessage>,
    #[serde(default)]
    pub labels_removed: Vec<HistoryMessage>,
}

/// `{"message": {…}}` of a history record.
#[derive(Debug, Deserialize)]
pub struct HistoryMessage {
    pub message: HistoryMessageRef,
}

/// A message as history names it: its id and, usually, its labels after the change.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct HistoryMessageRef {
    pub id: String,
    /// `None` when Gmail left the labels out: the message must be read to know them.
    pub label_ids: Option<Vec<String>>,
}

/// Google's error envelope.
#[derive(Debug, Default, Deserialize)]
pub struct ErrorEnvelope {
    #[serde(default)]
    pub error: ErrorBody,
}

#[derive(Debug, Default, Deserialize)]
pub struct ErrorBody {
    #[serde(default)]
    pub message: String,
    #[serde(default)]
    pub errors: Vec<ErrorItem>,
    #[serde(default)]
    pub status: String,
}

#[derive(Debug, Default, Deserialize)]
pub struct ErrorItem {
    #[serde(default)]
    pub reason: String,
}

impl MessagePart {
    /// The first header named `name` (case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|h| h.name.eq_ignore_ascii_case(name))
            .map(|h| h.value.as_str())
    }
}

impl ErrorEnvelope {
    /// Whether a 403 is Gmail's rate limiting rather than a permission problem.
    pub fn is_rate_limit(&self) -> bool {
        self.error.errors.iter().any(|e| {
            matches!(
                e.reason.as_str(),
                "rateLimitExceeded" | "userRateLimitExceeded" | "quotaExceeded"
            )
        }) || self.error.status == "RESOURCE_EXHAUSTED"
    }
}
