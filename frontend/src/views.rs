//! What the pages show: askama templates (`frontend/templates/`) and the view models that fill
//! them. Every value is escaped by askama; mail text is shown as text, never as HTML.

use askama::Template;
use chrono::{DateTime, Utc};

use contract::{
    auth::LoginFailure,
    gmail::{AttachmentInfo, MessageDetail, MessageSummary},
};

/// The logged-out home page, with an optional notice after a failed login.
#[derive(Template)]
#[template(path = "connect.html")]
pub struct ConnectPage {
    pub account: Option<String>,
    pub notice: Option<Notice>,
}

/// A message about a failed login: what happened and what to do.
pub struct Notice {
    pub title: &'static str,
    pub explanation: &'static str,
    pub what_to_do: &'static str,
}

impl Notice {
    /// The notice for auth-service's `login_error` reason (`None`: one this build does not know).
    pub fn for_login_error(reason: Option<LoginFailure>) -> Self {
        use LoginFailure as F;
        let (title, explanation, what_to_do) = match reason {
            Some(F::AccessDenied) => (
                "You did not give access",
                "Google says you chose not to let gmail-unread read your mail.",
                "To see your unread mail, connect again and press Allow.",
            ),
            Some(F::LoginExpired) => (
                "Your sign-in expired",
                "The sign-in took too long, or its link was already used.",
                "Start again: press Connect to Gmail.",
            ),
            Some(F::LoginTampered) => (
                "We could not verify this sign-in",
                "The sign-in did not start in this browser, or its reply was altered, so it was stopped for your safety.",
                "Start again from this page.",
            ),
            Some(F::CodeRejected) => (
                "Google did not accept the sign-in",
                "The sign-in code was already used or has expired.",
                "Start again: press Connect to Gmail.",
            ),
            Some(F::GoogleUnavailable) => (
                "Google did not answer",
                "Google's sign-in service did not respond in time.",
                "Wait a minute and connect again.",
            ),
            Some(F::GmailScopeMissing) => (
                "Gmail access was not granted",
                "You signed in, but did not allow reading your Gmail.",
                "Connect again and leave the Gmail permission ticked.",
            ),
            Some(F::TooManyAccounts) => (
                "No room for another account",
                "This browser already shows as many Google accounts as it may.",
                "Remove an account you no longer read here, then add the new one.",
            ),
            Some(F::GoogleError | F::IdTokenInvalid) => (
                "Google's answer could not be used",
                "Google answered in a way this application cannot accept; it may be misconfigured.",
                "Try again later, or tell the administrator.",
            ),
            Some(F::InvalidRequest) | None => (
                "The sign-in did not complete",
                "The reply from Google was incomplete.",
                "Start again: press Connect to Gmail.",
            ),
        };
        Self {
            title,
            explanation,
            what_to_do,
        }
    }
}

/// Which account a row of the merged view belongs to.
pub struct RowAccount {
    pub email: String,
    /// Its colour (`account-0` … `account-4`), by the order the accounts were attached.
    pub colour: usize,
}

/// One unread message as a row.
pub struct Row {
    pub id: String,
    /// The message's page (naming its account when the session has several).
    pub href: String,
    /// Set in the merged view.
    pub account: Option<RowAccount>,
    pub from_label: String,
    pub from_email: String,
    pub subject: String,
    pub date_iso: String,
    pub date_fallback: String,
    pub snippet: String,
}

/// `(RFC 3339, readable UTC)`; the page script turns the latter into the reader's local time.
pub fn dates(raw: &str) -> (String, String) {
    if raw.is_empty() {
        return (String::new(), String::new());
    }
    match DateTime::parse_from_rfc3339(raw) {
        Ok(d) => (
            raw.to_owned(),
            d.with_timezone(&Utc)
                .format("%-d %b %Y, %H:%M UTC")
                .to_string(),
        ),
        Err(_) => (String::new(), raw.to_owned()),
    }
}

fn label(name: Option<&str>, email: &str) -> String {
    match name.map(str::trim).filter(|n| !n.is_empty()) {
        Some(n) => n.to_owned(),
        None if !email.is_empty() => email.to_owned(),
        None => "(unknown sender)".to_owned(),
    }
}

fn subject_or_placeholder(subject: &str) -> String {
    if subject.trim().is_empty() {
        "(no subject)".to_owned()
    } else {
        subject.to_owned()
    }
}

impl From<MessageSummary> for Row {
    fn from(m: MessageSummary) -> Self {
        let (date_iso, date_fallback) = dates(&m.date);
        Self {
            from_label: label(m.from.name.as_deref(), &m.from.email),
            from_email: m.from.email,
            subject: subject_or_placeholder(&m.subject),
            snippet: m.snippet,
            href: format!("/messages/{}", m.id),
            account: None,
            id: m.id,
            date_iso,
            date_fallback,
        }
    }
}

/// `href` naming the account `account` (`?account=` or `&account=`), when one is given.
pub fn with_account(href: String, account: Option<&str>) -> String {
    match account {
        Some(email) => {
            let encoded: String = url::form_urlencoded::byte_serialize(email.as_bytes()).collect();
            let joint = if href.contains('?') { '&' } else { '?' };
            format!("{href}{joint}account={encoded}")
        }
        None => href,
    }
}

impl Row {
    /// The row of a session with several accounts: its link names the account, and in the
    /// merged view the row shows it.
    pub fn of_account(m: MessageSummary, email: &str, colour: usize, merged: bool) -> Self {
        let mut row = Self::from(m);
        row.href = with_account(row.href, Some(email));
        row.account = merged.then(|| RowAccount {
            email: email.to_owned(),
            colour,
        });
        row
    }
}

/// One account of the session in the inbox's header.
pub struct AccountTab {
    pub email: String,
    /// Its unread count (`None`: it could not be read just now).
    pub unread: Option<u64>,
    pub colour: usize,
    pub href: String,
    pub current: bool,
}

/// The session's accounts, when it has several: the tabs, and whether "All accounts" is shown.
pub struct AccountsNav {
    pub tabs: Vec<AccountTab>,
    pub all_current: bool,
    pub all_unread: u64,
    /// The addresses, as JSON, for the page script (one event stream each).
    pub live_accounts: String,
}

/// The inbox.
#[derive(Template)]
#[template(path = "inbox.html")]
pub struct InboxPage {
    pub account: Option<String>,
    /// The account shown alone (`None`: the only one, or all of them merged); named in the
    /// page's forms and links.
    pub shown_account: Option<String>,
    /// `?account=<address>` of the shown account (empty when there is none), for its forms.
    pub account_query: String,
    /// Several accounts: the header's tabs.
    pub accounts: Option<AccountsNav>,
    /// Why adding an account did not work, when it did not.
    pub notice: Option<Notice>,
    pub unread: u64,
    pub messages: Vec<Row>,
    pub newer: Option<String>,
    pub older: Option<String>,
    pub page_number: usize,
    pub openapi_url: String,
    /// The first page follows new mail as it arrives (`static/live.js`); later pages do not.
    pub live: bool,
}

/// An attachment row.
pub struct AttachmentRow {
    pub filename: String,
    pub mime_type: String,
    pub size_label: String,
    /// Its download (`/messages/{id}/attachments/{attachment_id}`), when it has an id.
    pub href: Option<String>,
}

impl AttachmentRow {
    fn new(message_id: &str, a: AttachmentInfo) -> Self {
        let href = a
            .attachment_id
            .as_deref()
            .filter(|id| contract::gmail::is_valid_attachment_id(id))
            .map(|id| format!("/messages/{message_id}/attachments/{id}"));
        let size_label = match a.size {
            s if s >= 1024 * 1024 => format!("{:.1} MB", s as f64 / (1024.0 * 1024.0)),
            s if s >= 1024 => format!("{:.0} KB", s as f64 / 1024.0),
            s => format!("{s} bytes"),
        };
        Self {
            filename: if a.filename.is_empty() {
                "(unnamed)".into()
            } else {
                a.filename
            },
            mime_type: a.mime_type,
            size_label,
            href,
        }
    }
}

/// One message.
#[derive(Template)]
#[template(path = "message.html")]
pub struct MessagePage {
    pub account: Option<String>,
    pub subject: String,
    pub from_label: String,
    pub from_email: String,
    pub date_iso: String,
    pub date_fallback: String,
    pub body_text: String,
    /// The message's own route and a switch to the other view, when it has HTML.
    pub html: Option<HtmlView>,
    pub attachments: Vec<AttachmentRow>,
    /// The other messages of its conversation, oldest first.
    pub conversation: Vec<ConversationEntry>,
}

/// Another message of the conversation, collapsed (`<details>`) unless it is the newest and
/// newer than the message shown.
pub struct ConversationEntry {
    pub href: String,
    pub from_label: String,
    pub date_iso: String,
    pub date_fallback: String,
    pub snippet: String,
    pub body_text: String,
    pub open: bool,
}

/// What the message page's `<iframe sandbox>` allows: links that open a new tab, nothing else
/// (no script, no same-origin access, no forms, no top navigation).
pub const MAIL_FRAME_SANDBOX: &str = "allow-popups allow-popups-to-escape-sandbox";

/// How a message with HTML is shown: its sandboxed frame, or its text with a way back.
pub struct HtmlView {
    /// Show the HTML (in its frame) rather than the text.
    pub as_html: bool,
    /// `/messages/{id}/html`, the frame's document.
    pub frame_src: String,
    /// The same message in the other view.
    pub switch_href: String,
    /// The frame's `sandbox` attribute.
    pub sandbox: &'static str,
    /// The message has remote images, not shown: where to show them.
    pub show_images_href: Option<String>,
}

/// What the reader asked of a message's page.
#[derive(Clone, Copy, Default)]
pub struct MessageView {
    /// The text of a message that has HTML.
    pub as_text: bool,
    /// Its remote images (through the image proxy).
    pub images: bool,
}

impl MessagePage {
    /// `others`: the rest of its conversation, oldest first.
    pub fn new(
        account: String,
        m: MessageDetail,
        view: MessageView,
        others: Vec<MessageDetail>,
        named: Option<&str>,
    ) -> Self {
        let mut page = Self::build(account, m, view, others);
        page.name_account(named);
        page
    }

    /// Every link of the page names `named` (the session's account the page is of).
    fn name_account(&mut self, named: Option<&str>) {
        if named.is_none() {
            return;
        }
        let name = |href: &mut String| *href = with_account(std::mem::take(href), named);
        if let Some(html) = self.html.as_mut() {
            name(&mut html.frame_src);
            name(&mut html.switch_href);
            if let Some(href) = html.show_images_href.as_mut() {
                name(href);
            }
        }
        for entry in &mut self.conversation {
            name(&mut entry.href);
        }
        for attachment in &mut self.attachments {
            if let Some(href) = attachment.href.as_mut() {
                name(href);
            }
        }
    }

    fn build(
        account: String,
        m: MessageDetail,
        view: MessageView,
        others: Vec<MessageDetail>,
    ) -> Self {
        let (date_iso, date_fallback) = dates(&m.date);
        let newest_other = others.len().checked_sub(1);
        let instant = |date: &str| chrono::DateTime::parse_from_rfc3339(date).ok();
        let shown_date = instant(&m.date);
        let conversation = others
            .into_iter()
            .enumerate()
            .map(|(n, other)| {
                let (date_iso, date_fallback) = dates(&other.date);
                ConversationEntry {
                    href: format!("/messages/{}", other.id),
                    from_label: label(other.from.name.as_deref(), &other.from.email),
                    open: Some(n) == newest_other && instant(&other.date) > shown_date,
                    date_iso,
                    date_fallback,
                    snippet: other.snippet,
                    body_text: other.body_text,
                }
            })
            .collect();
        let html = m.body_html.as_ref().map(|html| HtmlView {
            as_html: !view.as_text,
            frame_src: if view.images {
                format!("/messages/{}/html?images=1", m.id)
            } else {
                format!("/messages/{}/html", m.id)
            },
            switch_href: if view.as_text {
                format!("/messages/{}", m.id)
            } else {
                format!("/messages/{}?view=text", m.id)
            },
            sandbox: MAIL_FRAME_SANDBOX,
            show_images_href: (!view.as_text
                && !view.images
                && common::mail_html::has_remote_images(html))
            .then(|| format!("/messages/{}?images=1", m.id)),
        });
        Self {
            conversation,
            html,
            account: Some(account),
            subject: subject_or_placeholder(&m.subject),
            from_label: label(m.from.name.as_deref(), &m.from.email),
            from_email: m.from.email,
            date_iso,
            date_fallback,
            body_text: m.body_text,
            attachments: m
                .attachments
                .into_iter()
                .map(|a| AttachmentRow::new(&m.id, a))
                .collect(),
        }
    }
}

/// The freshly created API token, shown once.
#[derive(Template)]
#[template(path = "api_token.html")]
pub struct ApiTokenPage {
    pub account: Option<String>,
    pub token: String,
    pub curl: String,
    pub openapi_url: String,
    pub expires: String,
}

/// API tokens were revoked.
#[derive(Template)]
#[template(path = "api_tokens_revoked.html")]
pub struct ApiTokensRevokedPage {
    pub account: Option<String>,
}

/// A friendly error page.
#[derive(Template)]
#[template(path = "problem.html")]
pub struct ProblemPage {
    pub account: Option<String>,
    /// Machine-readable kind, e.g. `reauth_required` (tests and styling use it).
    pub kind: &'static str,
    pub title: &'static str,
    pub explanation: String,
    pub what_to_do: String,
    pub action_href: Option<String>,
    pub action_label: &'static str,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_fall_back_to_utc_text() {
        let (iso, text) = dates("2026-11-20T09:05:00+09:00");
        assert_eq!(iso, "2026-11-20T09:05:00+09:00");
        assert_eq!(text, "20 Nov 2026, 00:05 UTC");
        assert_eq!(dates(""), (String::new(), String::new()));
    }

    #[test]
    fn templates_escape_mail_content() {
        let page = ProblemPage {
            account: Some("<b>x</b>@example.com".into()),
            kind: "not_found",
            title: "t",
            explanation: "<script>alert(1)</script>".into(),
            what_to_do: "w".into(),
            action_href: None,
            action_label: "",
        };
        let html = page.render().unwrap();
        assert!(!html.contains("<script>alert"));
        assert!(html.contains("&#60;script&#62;alert(1)"), "{html}");
        assert!(!html.contains("<b>x</b>"));
    }
}
