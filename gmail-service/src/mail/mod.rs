//! What the API shows of a message, made from Gmail's wire format: [`summary_from_gmail`] and
//! [`detail_from_gmail`] fill the contract's [`MessageSummary`] (sender, subject, date,
//! snippet, labels) and [`MessageDetail`] (plus the readable text and the attachment list);
//! the answer types themselves ([`UnreadPage`], [`UnreadCount`], …) are `contract::gmail`'s.
//!
//! - `address`: the sender from the `From` header.
//! - `date`: the RFC 3339 date from `Date` or `internalDate`.
//! - `body`: the readable text (charsets, nested multiparts), the HTML part made safe
//!   (`common::mail_html`), and attachments.
//! - `html`: HTML to text.
//! - `attachment`: an attachment's bytes out of Gmail's answer as it arrives, and how to hand
//!   them to a browser.

pub mod address;
pub mod attachment;
pub mod body;
pub mod date;
pub mod html;

pub use address::parse_sender;
pub use contract::gmail::{
    AttachmentInfo, MessageDetail, MessageSummary, Sender, ThreadDetail, UnreadCount, UnreadPage,
    is_valid_message_id,
};

use crate::gmail::wire::Message;

/// The summary of a Gmail message (`format=metadata` or `full`).
pub fn summary_from_gmail(message: &Message) -> MessageSummary {
    let header = |name: &str| message.payload.as_ref().and_then(|p| p.header(name));
    MessageSummary {
        id: message.id.clone(),
        thread_id: message.thread_id.clone(),
        from: header("From").map(parse_sender).unwrap_or_default(),
        subject: header("Subject").unwrap_or_default().trim().to_owned(),
        date: date::message_date(header("Date"), message.internal_date.as_deref()),
        snippet: html_escape::decode_html_entities(&message.snippet).into_owned(),
        labels: message.label_ids.clone(),
    }
}

/// The detail of a Gmail message fetched with `format=full`.
pub fn detail_from_gmail(message: &Message) -> MessageDetail {
    let summary = summary_from_gmail(message);
    let (body_text, body_html, attachments) = match &message.payload {
        Some(payload) => (
            body::readable_text(payload),
            body::safe_html(payload),
            body::attachments(payload),
        ),
        None => (String::new(), None, Vec::new()),
    };
    MessageDetail {
        id: summary.id,
        thread_id: summary.thread_id,
        from: summary.from,
        subject: summary.subject,
        date: summary.date,
        snippet: summary.snippet,
        labels: summary.labels,
        body_text,
        body_html,
        attachments,
    }
}
