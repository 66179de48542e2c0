//! gmail-service's API: the answers of `GET /v1/messages/unread` ([`UnreadPage`] of
//! [`MessageSummary`]), `GET /v1/messages/{id}` ([`MessageDetail`] with [`AttachmentInfo`]) and
//! `GET /v1/unread-count` ([`UnreadCount`]); the query of the unread list ([`UnreadQuery`],
//! bounds [`MIN_LIMIT`]..=[`MAX_LIMIT`], default [`DEFAULT_LIMIT`]); and which message ids the
//! API accepts ([`is_valid_message_id`]).

use std::fmt;

use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

/// Smallest page size.
pub const MIN_LIMIT: u32 = 1;
/// Largest page size.
pub const MAX_LIMIT: u32 = 100;
/// Page size when `limit` is not given.
pub const DEFAULT_LIMIT: u32 = 50;
/// Gmail's page tokens are short; anything much longer is not one.
pub const MAX_PAGE_TOKEN_LEN: usize = 1024;
/// Longest message id accepted.
pub const MAX_MESSAGE_ID_LEN: usize = 64;

/// A Gmail message id as accepted in paths: 1..=64 ASCII letters and digits (Gmail's are hex).
pub fn is_valid_message_id(id: &str) -> bool {
    (1..=MAX_MESSAGE_ID_LEN).contains(&id.len()) && id.bytes().all(|b| b.is_ascii_alphanumeric())
}

/// Whether `token` can be a page token worth passing on: 1..=[`MAX_PAGE_TOKEN_LEN`] characters
/// that need no escaping in a URL (`A-Za-z0-9-_=.~`; Gmail's and gmail-service's are such).
/// The frontend checks the tokens its page links carry with it.
pub fn is_plausible_page_token(token: &str) -> bool {
    (1..=MAX_PAGE_TOKEN_LEN).contains(&token.len())
        && token
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-_=.~".contains(&b))
}

/// Whether `id` can be an attachment's id: a MIME part id, numbers joined by dots (`1`,
/// `2.1`), at most 32 characters.
pub fn is_valid_attachment_id(id: &str) -> bool {
    id.len() <= 32
        && !id.is_empty()
        && id
            .split('.')
            .all(|n| !n.is_empty() && n.len() <= 4 && n.bytes().all(|b| b.is_ascii_digit()))
}

/// Who wrote a message.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Sender {
    /// The display name, when the header has one (`null` otherwise).
    #[schema(example = "Ada Lovelace")]
    pub name: Option<String>,
    /// The address (may be empty for a message without a usable `From`).
    #[schema(example = "ada@example.com")]
    pub email: String,
}

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
    /// The attachment's id for `GET /v1/messages/{id}/attachments/{attachment_id}`: its MIME
    /// part id (`1`, `2.1`), which stays the same across reads of the message (Gmail's own
    /// attachment ids may not); `null` for a message that is one single part.
    #[schema(example = "2")]
    #[serde(default)]
    pub attachment_id: Option<String>,
    /// The part's `Content-ID` without its angle brackets, for an inline image the HTML names
    /// as `cid:<content_id>`; `null` when it has none.
    #[schema(example = "logo@example.com")]
    #[serde(default)]
    pub content_id: Option<String>,
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
    /// The message's HTML part as it may be shown (`common::mail_html`'s allow-list: no script,
    /// forms, frames or styles that fetch; links open apart; images keep their `http(s)` or
    /// `cid:` source, for the reader to load or not); `null` when the message has no HTML.
    #[serde(default)]
    pub body_html: Option<String>,
    pub attachments: Vec<AttachmentInfo>,
}

impl MessageDetail {
    /// The summary part (what the unread list shows of it).
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

/// The conversation a message belongs to: every message of its thread, oldest first, each
/// with its text (`GET /v1/messages/{id}/thread`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ThreadDetail {
    /// Gmail's thread id.
    #[schema(example = "18c2f0a1b2c3d4e0")]
    pub id: String,
    pub messages: Vec<MessageDetail>,
}

/// A page of unread messages, newest first.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct UnreadPage {
    pub messages: Vec<MessageSummary>,
    /// Pass as `page_token` for the next page; `null` on the last page.
    pub next_page_token: Option<String>,
    /// How many unread messages the list holds in all (what `GET /v1/unread-count` says).
    pub result_size_estimate: u64,
    /// When the answer last matched Gmail (RFC 3339, UTC): at most `SYNC_MAX_AGE_SECS` ago.
    pub synced_at: String,
    /// Only when asked (`positions=true`): for each message, in the same order, the
    /// `page_token` whose page starts right after it (to go on from any message of the page,
    /// as a view merging several lists does).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tokens_after: Option<Vec<String>>,
}

/// How many messages are unread.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct UnreadCount {
    pub unread: u64,
    /// When the count last matched Gmail (RFC 3339, UTC).
    pub synced_at: String,
}

/// Query of `GET /v1/messages/unread`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct UnreadQuery {
    /// Messages per page.
    #[param(minimum = 1, maximum = 100, default = 50)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub limit: Option<u32>,
    /// `next_page_token` of the previous page (opaque).
    #[param(min_length = 1, max_length = 1024)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub page_token: Option<String>,
    /// `true`: the answer also gives, for each message, the page token that goes on right
    /// after it (`tokens_after`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub positions: Option<bool>,
}

/// Why an [`UnreadQuery`] is refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum QueryError {
    /// `limit` outside [`MIN_LIMIT`]..=[`MAX_LIMIT`].
    Limit,
    /// `page_token` empty or longer than [`MAX_PAGE_TOKEN_LEN`].
    PageToken,
}

impl fmt::Display for QueryError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Limit => write!(f, "limit must be between {MIN_LIMIT} and {MAX_LIMIT}."),
            Self::PageToken => f.write_str("page_token is not a page token."),
        }
    }
}

impl std::error::Error for QueryError {}

impl UnreadQuery {
    /// A query for `limit` messages after `page_token`.
    pub fn new(limit: u32, page_token: Option<&str>) -> Self {
        Self {
            limit: Some(limit),
            page_token: page_token.map(str::to_owned),
            positions: None,
        }
    }

    /// The same query, asking for `tokens_after` too.
    pub fn with_positions(mut self) -> Self {
        self.positions = Some(true);
        self
    }

    /// The page size, [`DEFAULT_LIMIT`] when not given.
    pub fn limit(&self) -> Result<u32, QueryError> {
        let limit = self.limit.unwrap_or(DEFAULT_LIMIT);
        if (MIN_LIMIT..=MAX_LIMIT).contains(&limit) {
            Ok(limit)
        } else {
            Err(QueryError::Limit)
        }
    }

    /// The page token, if any.
    pub fn page_token(&self) -> Result<Option<&str>, QueryError> {
        match self.page_token.as_deref() {
            Some(token) if token.is_empty() || token.len() > MAX_PAGE_TOKEN_LEN => {
                Err(QueryError::PageToken)
            }
            token => Ok(token),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn message_ids_are_letters_and_digits_up_to_64() {
        assert!(is_valid_message_id("18c2f0a1b2c3d4e5"));
        assert!(is_valid_message_id(&"a".repeat(64)));
        assert!(!is_valid_message_id(&"a".repeat(65)));
        assert!(!is_valid_message_id(""));
        assert!(!is_valid_message_id("abc-def"));
        assert!(!is_valid_message_id("<script>"));
        assert!(!is_valid_message_id("é"));
    }

    #[test]
    fn query_bounds() {
        assert_eq!(UnreadQuery::default().limit(), Ok(DEFAULT_LIMIT));
        assert!(is_plausible_page_token("m1.MTcwMDAwMDAwMDAwMDoxOGMy"));
        assert!(!is_plausible_page_token(""));
        assert!(!is_plausible_page_token("a,b"));
        assert!(!is_plausible_page_token("a b"));
        assert!(!is_plausible_page_token(
            &"a".repeat(MAX_PAGE_TOKEN_LEN + 1)
        ));
        assert_eq!(UnreadQuery::new(1, None).limit(), Ok(1));
        assert_eq!(UnreadQuery::new(100, None).limit(), Ok(100));
        assert_eq!(UnreadQuery::new(0, None).limit(), Err(QueryError::Limit));
        assert_eq!(UnreadQuery::new(101, None).limit(), Err(QueryError::Limit));
        assert_eq!(
            UnreadQuery::new(5, Some("")).page_token(),
            Err(QueryError::PageToken)
        );
        assert_eq!(
            UnreadQuery::new(5, Some(&"t".repeat(1025))).page_token(),
            Err(QueryError::PageToken)
        );
        assert_eq!(UnreadQuery::new(5, Some("t")).page_token(), Ok(Some("t")));
        assert_eq!(
            QueryError::Limit.to_string(),
            "limit must be between 1 and 100."
        );
    }
}

/// The events of `GET /v1/events` (Server-Sent Events; the frontend's `GET /events` passes the
/// same stream on). Each change Gmail reports comes as one batch: its `unread_added` and
/// `unread_removed` events, then one `unread_count` that carries the batch's `id:`, the Gmail
/// `historyId` the list now reflects. A client that reconnects with `Last-Event-ID` gets the
/// batches after it, or `resync` when they are no longer kept (then it reloads the list).
pub mod events {
    use serde::{Deserialize, Serialize};
    use utoipa::ToSchema;

    /// `event: unread_added`, data: the new message's `MessageSummary`.
    pub const UNREAD_ADDED: &str = "unread_added";
    /// `event: unread_removed`, data: [`UnreadRemoved`].
    pub const UNREAD_REMOVED: &str = "unread_removed";
    /// `event: unread_count`, data: [`UnreadCountChanged`]; carries the batch's `id:`.
    pub const UNREAD_COUNT: &str = "unread_count";
    /// `event: resync`, data `{}`: reload the list (too much changed, or the client's
    /// `Last-Event-ID` is older than what is kept).
    pub const RESYNC: &str = "resync";

    /// A message that left the unread list (read, archived to spam or trash, deleted).
    #[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
    pub struct UnreadRemoved {
        pub id: String,
    }

    /// How many messages the unread list holds now.
    #[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
    pub struct UnreadCountChanged {
        pub unread: u64,
    }
}
