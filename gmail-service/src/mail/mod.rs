//! What the API shows of a message, made from Gmail's wire format: [`MessageSummary`] (sender,
//! subject, date, snippet, labels), [`MessageDetail`] (plus the readable text and the
//! attachment list), [`UnreadPage`] and [`UnreadCount`].
//!
//! - `address`: the sender from the `From` header.
//! - `date`: the RFC 3339 date from `Date` or `internalDate`.
//! - `body`: the readable text (charsets, nested multiparts) and attachments.
//! - `html`: HTML to text.

pub mod address;
pub mod body;
pub mod date;
pub mod html;

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

pub use address::Sender;

use crate::gmail::wire::Message;

/// One message as listed.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct MessageSummary {
    /// Gmail's message id.
    #[schema(example = "18c2f0a1b2c3d4e5")]
    pub id: String,
    /// Gmail's thread id.
    #[schema(example = "18c2f0a1b2c3d4e5")]
    pub thread_id: String,
    /// Who wrote it.
    pub from: Sender,
    /// The decoded subject (empty when there is none).
    pub subject: String,
    /// When it was written (RFC 3339): the `Date` header, else when Gmail received it.
    #[schema(example = "2026-11-20T07:10:00Z")]
    pub date: String,
    /// Gmail's short plain-text excerpt, HTML entities decoded.
    pub snippet: String,
    /// Gmail label ids, e.g. `UNREAD`, `INBOX`, `CATEGORY_UPDATES`.
    pub labels: Vec<String>,
}

/// An attachment as listed (no content).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct AttachmentInfo {
    #[schema(example = "report.pdf")]
    pub filename: String,
    #[schema(example = "application/pdf")]
    pub mime_type: String,
    /// Decoded size in bytes.
    pub size: u64,
}

/// One message with its text.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct MessageDetail {
    #[schema(example = "18c2f0a1b2c3d4e5")]
    pub id: String,
    pub thread_id: String,
    pub from: Sender,
    pub subject: String,
    /// RFC 3339.
    pub date: String,
    pub snippet: String,
    pub labels: Vec<String>,
    /// The readable text: `text/plain` when there is one, else the HTML as text; any charset.
    pub body_text: String,
    pub attachments: Vec<AttachmentInfo>,
}

/// A page of unread messages, newest first.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct UnreadPage {
    pub messages: Vec<MessageSummary>,
    /// Pass as `page_token` for the next page; `null` on the last page.
    pub next_page_token: Option<String>,
    /// Gmail's estimate of how many unread messages there are in all.
    pub result_size_estimate: u64,
}

/// How many messages are unread.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct UnreadCount {
    pub unread: u64,
}

impl MessageSummary {
    /// The summary of a Gmail message (`format=metadata` or `full`).
    pub fn from_gmail(message: &Message) -> Self {
        let header = |name: &str| message.payload.as_ref().and_then(|p| p.header(name));
        Self {
            id: message.id.clone(),
            thread_id: message.thread_id.clone(),
            from: header("From").map(Sender::parse).unwrap_or_default(),
            subject: header("Subject").unwrap_or_default().trim().to_owned(),
            date: date::message_date(header("Date"), message.internal_date.as_deref()),
            snippet: html_escape::decode_html_entities(&message.snippet).into_owned(),
            labels: message.label_ids.clone(),
        }
    }
}

impl MessageDetail {
    /// The detail of a Gmail message fetched with `format=full`.
    pub fn from_gmail(message: &Message) -> Self {
        let summary = MessageSummary::from_gmail(message);
        let (body_text, attachments) = match &message.payload {
            Some(payload) => (body::readable_text(payload), body::attachments(payload)),
            None => (String::new(), Vec::new()),
        };
        Self {
            id: summary.id,
            thread_id: summary.thread_id,
            from: summary.from,
            subject: summary.subject,
            date: summary.date,
            snippet: summary.snippet,
            labels: summary.labels,
            body_text,
            attachments,
        }
    }

    /// The summary part, for the metadata cache.
    pub fn summary(&self) -> MessageSummary {
        MessageSummary {
            id: self.id.clone(),
            thread_id: self.thread_id.clone(),
            from: self.from.clone(),
            subject: self.subject.clone(),
            date: self.date.clone(),
            snippet: self.snippet.clone(),
            labels: self.labels.clone(),
        }
    }
}

/// A Gmail message id as accepted in paths: 1..=64 ASCII letters and digits (Gmail's are hex).
pub fn is_valid_message_id(id: &str) -> bool {
    (1..=64).contains(&id.len()) && id.bytes().all(|b| b.is_ascii_alphanumeric())
}
