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
    pub payload: Option<MessagePart>,
}

/// A MIME part.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MessagePart {
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

/// `users.labels.get`.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Label {
    #[serde(default)]
    pub messages_unread: u64,
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
