//! The drafts of every demo mailbox: who writes what to whom and when, in
//! which charset and MIME shape, with which labels.
//!
//! A [`Draft`] is everything needed to render one message and to state its
//! ground truth ([`MessageSpec`]). The content lives in the submodules, by
//! kind of correspondent:
//! - `corpus/work.rs`: colleagues, the long launch thread, code-forge and CI
//!   notifications, calendar and team-chat mail;
//! - `corpus/services.rs`: newsletters, shops, the bank, travel, social
//!   networks, utility bills, spam;
//! - `corpus/international.rs`: Japanese mail (UTF-8, ISO-2022-JP, Shift_JIS)
//!   and German / French mail in legacy Western charsets;
//! - `corpus/personal.rs`: family and friends.
//!
//! Dates are fixed (2026-08-01 .. 2026-11-20); nothing here is random.

mod international;
mod personal;
mod services;
mod work;

use chrono::{DateTime, FixedOffset, NaiveDate, Offset as _, TimeZone as _, Utc};

use super::mime::{Charset, HeaderStyle, TransferEncoding};
use super::{ExpectedAttachment, MailboxKind, MessageShape, MessageSpec, Owner};

/// All drafts of one mailbox, in corpus order (the order message ids are derived from).
pub(super) fn drafts(kind: MailboxKind, owner: &Person) -> Vec<Draft> {
    match kind {
        MailboxKind::Large => large(owner),
        MailboxKind::Small => small(owner),
        MailboxKind::AllRead => all_read(owner),
    }
}

fn large(owner: &Person) -> Vec<Draft> {
    let mut drafts = Vec::new();
    drafts.extend(work::launch_thread(owner));
    drafts.extend(work::colleague_mail(owner));
    drafts.extend(work::forge_notifications(owner, work::LARGE_FORGE_EVENTS));
    drafts.extend(work::ci_reports(owner, work::LARGE_CI_RUNS));
    drafts.extend(work::calendar_invitations(owner, work::LARGE_MEETINGS));
    drafts.extend(work::chat_digests(owner, work::LARGE_CHAT_DIGESTS));
    drafts.extend(international::japanese_mail(owner));
    drafts.extend(international::european_mail(owner));
    drafts.extend(services::newsletters(
        owner,
        services::LARGE_NEWSLETTER_ISSUES,
    ));
    drafts.extend(services::morning_briefs(
        owner,
        services::LARGE_MORNING_BRIEFS,
    ));
    drafts.extend(services::shop_mail(owner));
    drafts.extend(services::bank_mail(owner, services::LARGE_CARD_PAYMENTS));
    drafts.extend(services::bank_statements(owner, services::LARGE_STATEMENTS));
    drafts.extend(services::travel_mail(owner));
    drafts.extend(services::social_notifications(
        owner,
        services::LARGE_SOCIAL_EVENTS,
    ));
    drafts.extend(services::utility_bills(
        owner,
        services::LARGE_UTILITY_BILLS,
    ));
    drafts.extend(services::spam(owner));
    drafts.extend(personal::family_and_friends(owner));
    drafts
}

fn small(owner: &Person) -> Vec<Draft> {
    let mut drafts = Vec::new();
    drafts.extend(work::forge_notifications(owner, work::SMALL_FORGE_EVENTS));
    drafts.extend(work::ci_reports(owner, work::SMALL_CI_RUNS));
    drafts.extend(work::calendar_invitations(owner, work::SMALL_MEETINGS));
    drafts.extend(work::small_colleague_mail(owner));
    drafts.extend(services::newsletters(
        owner,
        services::SMALL_NEWSLETTER_ISSUES,
    ));
    drafts.extend(services::bank_mail(owner, services::SMALL_CARD_PAYMENTS));
    drafts.extend(services::bank_statements(owner, services::SMALL_STATEMENTS));
    drafts.extend(services::social_notifications(
        owner,
        services::SMALL_SOCIAL_EVENTS,
    ));
    drafts.extend(international::small_japanese_mail(owner));
    drafts.extend(personal::small_family_mail(owner));
    drafts
}

fn all_read(owner: &Person) -> Vec<Draft> {
    let mut drafts = Vec::new();
    drafts.extend(work::ci_reports(owner, work::ALL_READ_CI_RUNS));
    drafts.extend(services::newsletters(
        owner,
        services::ALL_READ_NEWSLETTER_ISSUES,
    ));
    drafts.extend(services::bank_mail(owner, services::ALL_READ_CARD_PAYMENTS));
    drafts.extend(personal::all_read_family_mail(owner));
    for draft in &mut drafts {
        draft.placement.unread = false;
    }
    drafts
}

/// A moment in 2026 at the sender's UTC offset (whole hours).
pub(super) fn at(
    month: u32,
    day: u32,
    hour: u32,
    minute: u32,
    utc_offset_hours: i32,
) -> DateTime<FixedOffset> {
    let offset = FixedOffset::east_opt(utc_offset_hours * 3600).unwrap_or(Utc.fix());
    NaiveDate::from_ymd_opt(2026, month, day)
        .and_then(|date| date.and_hms_opt(hour, minute, 0))
        .and_then(|local| offset.from_local_datetime(&local).single())
        // Only reachable with an impossible date in the corpus; the tests check the range.
        .unwrap_or_else(|| DateTime::<Utc>::UNIX_EPOCH.with_timezone(&offset))
}

/// Someone who sends or receives mail.
#[derive(Clone, Debug)]
pub(super) struct Person {
    pub name: Option<String>,
    pub email: String,
    /// How a non-ASCII display name is written in headers.
    pub name_style: HeaderStyle,
}

impl Person {
    pub(super) fn owner(owner: &Owner<'_>) -> Self {
        let name = owner.name.trim();
        Self {
            name: (!name.is_empty()).then(|| name.to_string()),
            email: owner.email.to_string(),
            name_style: HeaderStyle::UTF8_B,
        }
    }

    pub(super) fn new(name: &str, email: &str) -> Self {
        Self::styled(name, email, HeaderStyle::UTF8_B)
    }

    pub(super) fn styled(name: &str, email: &str, name_style: HeaderStyle) -> Self {
        Self {
            name: Some(name.to_string()),
            email: email.to_string(),
            name_style,
        }
    }

    /// A sender known only by address (`From: noreply@…`).
    pub(super) fn address_only(email: &str) -> Self {
        Self {
            name: None,
            email: email.to_string(),
            name_style: HeaderStyle::UTF8_B,
        }
    }

    /// The same address shown under another display name (forge notifications
    /// come from one address under each actor's name).
    pub(super) fn via(&self, name: &str) -> Self {
        Self {
            name: Some(name.to_string()),
            ..self.clone()
        }
    }

    /// The first word of the display name, for greetings.
    pub(super) fn first_name(&self) -> &str {
        self.name
            .as_deref()
            .and_then(|name| name.split_whitespace().next())
            .unwrap_or("there")
    }

    /// The display name, or the address when there is none.
    pub(super) fn short_name(&self) -> &str {
        self.name.as_deref().unwrap_or(&self.email)
    }

    /// The address as a person reads the decoded header: `Name <email>`, the
    /// name quoted when an ASCII name needs it, or the bare address.
    pub(super) fn display(&self) -> String {
        match &self.name {
            None => self.email.clone(),
            Some(name) if name.is_ascii() && needs_quoting(name) => {
                format!("\"{}\" <{}>", quote_escaped(name), self.email)
            }
            Some(name) => format!("{name} <{}>", self.email),
        }
    }
}

pub(super) fn needs_quoting(name: &str) -> bool {
    name.chars().any(|c| "()<>[]:;@\\,.\"".contains(c))
}

pub(super) fn quote_escaped(name: &str) -> String {
    name.replace('\\', "\\\\").replace('"', "\\\"")
}

/// Where a message sits.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Folder {
    Inbox,
    Sent,
    Spam,
    Trash,
}

/// Gmail's inbox tabs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Category {
    Personal,
    Social,
    Promotions,
    Updates,
    Forums,
}

/// The labels a message carries.
#[derive(Clone, Copy, Debug)]
pub(super) struct Placement {
    pub folder: Folder,
    pub category: Option<Category>,
    pub unread: bool,
    pub starred: bool,
    pub important: bool,
}

impl Placement {
    /// Gmail's label ids, in the order Gmail tends to list them.
    pub(super) fn label_ids(&self) -> Vec<String> {
        let mut labels = Vec::new();
        if self.unread {
            labels.push("UNREAD");
        }
        if self.starred {
            labels.push("STARRED");
        }
        if self.important {
            labels.push("IMPORTANT");
        }
        if let Some(category) = self.category {
            labels.push(match category {
                Category::Personal => "CATEGORY_PERSONAL",
                Category::Social => "CATEGORY_SOCIAL",
                Category::Promotions => "CATEGORY_PROMOTIONS",
                Category::Updates => "CATEGORY_UPDATES",
                Category::Forums => "CATEGORY_FORUMS",
            });
        }
        labels.push(match self.folder {
            Folder::Inbox => "INBOX",
            Folder::Sent => "SENT",
            Folder::Spam => "SPAM",
            Folder::Trash => "TRASH",
        });
        labels.into_iter().map(str::to_string).collect()
    }
}

/// How an attachment's filename is written in its headers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum FilenameEncoding {
    /// `filename="report.pdf"` (ASCII names).
    Plain,
    /// RFC 2231: `filename*0*=UTF-8''%E8%AD…` in Content-Disposition, and an
    /// RFC 2047 `name=` in Content-Type for old readers.
    Rfc2231,
    /// RFC 2047 encoded words inside the quoted `filename=` and `name=`.
    Rfc2047,
}

#[derive(Clone, Debug)]
pub(super) struct Attachment {
    pub filename: String,
    pub mime_type: String,
    pub data: Vec<u8>,
    pub filename_encoding: FilenameEncoding,
}

impl Attachment {
    pub(super) fn new(filename: &str, mime_type: &str, data: Vec<u8>) -> Self {
        let filename_encoding = if filename.is_ascii() {
            FilenameEncoding::Plain
        } else {
            FilenameEncoding::Rfc2231
        };
        Self {
            filename: filename.to_string(),
            mime_type: mime_type.to_string(),
            data,
            filename_encoding,
        }
    }

    pub(super) fn filename_encoding(mut self, encoding: FilenameEncoding) -> Self {
        self.filename_encoding = encoding;
        self
    }
}

/// An image the HTML shows through `cid:` (inside `multipart/related`).
#[derive(Clone, Debug)]
pub(super) struct InlineImage {
    pub filename: String,
    pub content_id: String,
    pub data: Vec<u8>,
}

/// One message before rendering.
#[derive(Clone, Debug)]
pub(super) struct Draft {
    pub from: Person,
    pub to: Vec<Person>,
    pub cc: Vec<Person>,
    pub subject: String,
    pub subject_style: HeaderStyle,
    pub date: DateTime<FixedOffset>,
    /// The readable text (`MessageSpec::expected_text`); the `text/plain` part when there is one.
    pub text: String,
    pub shape: MessageShape,
    /// The `text/html` source, for every shape but the plain-text ones.
    pub html: Option<String>,
    pub inline_image: Option<InlineImage>,
    pub attachments: Vec<Attachment>,
    /// Charset and transfer encoding of the text parts.
    pub charset: Charset,
    pub transfer: TransferEncoding,
    pub placement: Placement,
    /// Messages with the same key form one conversation, in date order.
    pub thread: Option<String>,
    /// Further ASCII headers (List-Unsubscribe, X-Mailer, …).
    pub extra_headers: Vec<(String, String)>,
}

impl Draft {
    /// A read `text/plain` message in the inbox (Personal tab), in UTF-8:
    /// 7bit when ASCII, else quoted-printable.
    pub(super) fn new(
        from: &Person,
        to: &Person,
        date: DateTime<FixedOffset>,
        subject: impl Into<String>,
        text: impl Into<String>,
    ) -> Self {
        let text = text.into();
        let transfer = if text.is_ascii() {
            TransferEncoding::SevenBit
        } else {
            TransferEncoding::QuotedPrintable
        };
        Self {
            from: from.clone(),
            to: vec![to.clone()],
            cc: Vec::new(),
            subject: subject.into(),
            subject_style: HeaderStyle::UTF8_B,
            date,
            text,
            shape: MessageShape::PlainOnly,
            html: None,
            inline_image: None,
            attachments: Vec::new(),
            charset: Charset::Utf8,
            transfer,
            placement: Placement {
                folder: Folder::Inbox,
                category: Some(Category::Personal),
                unread: false,
                starred: false,
                important: false,
            },
            thread: None,
            extra_headers: Vec::new(),
        }
    }

    /// Adds an HTML version: `multipart/alternative`.
    pub(super) fn alternative(mut self, html: impl Into<String>) -> Self {
        self.html = Some(html.into());
        self.shape = MessageShape::Alternative;
        self
    }

    /// HTML only; `text` must then be what a reader sees in it.
    pub(super) fn html_only(mut self, html: impl Into<String>) -> Self {
        self.html = Some(html.into());
        self.shape = MessageShape::HtmlOnly;
        self
    }

    /// Wraps the text (or text + HTML) in `multipart/mixed` with attachments.
    pub(super) fn attachments(mut self, attachments: Vec<Attachment>) -> Self {
        self.shape = match self.shape {
            MessageShape::Alternative | MessageShape::MixedAlternativeWithAttachments => {
                MessageShape::MixedAlternativeWithAttachments
            }
            MessageShape::NestedRelated => MessageShape::NestedRelated,
            _ => MessageShape::MixedWithAttachments,
        };
        self.attachments = attachments;
        self
    }

    /// `multipart/mixed` > `multipart/alternative` > (`text/plain`,
    /// `multipart/related` > (`text/html`, the inline image)), then the attachments.
    pub(super) fn nested_related(
        mut self,
        html: impl Into<String>,
        inline_image: InlineImage,
        attachments: Vec<Attachment>,
    ) -> Self {
        self.html = Some(html.into());
        self.inline_image = Some(inline_image);
        self.attachments = attachments;
        self.shape = MessageShape::NestedRelated;
        self
    }

    pub(super) fn encoded(mut self, charset: Charset, transfer: TransferEncoding) -> Self {
        self.charset = charset;
        self.transfer = transfer;
        self
    }

    pub(super) fn subject_style(mut self, style: HeaderStyle) -> Self {
        self.subject_style = style;
        self
    }

    pub(super) fn cc(mut self, people: &[&Person]) -> Self {
        self.cc = people.iter().map(|&person| person.clone()).collect();
        self
    }

    pub(super) fn thread(mut self, key: impl Into<String>) -> Self {
        self.thread = Some(key.into());
        self
    }

    pub(super) fn header(mut self, name: &str, value: impl Into<String>) -> Self {
        self.extra_headers.push((name.to_string(), value.into()));
        self
    }

    pub(super) fn unread_if(mut self, unread: bool) -> Self {
        self.placement.unread = unread;
        self
    }

    pub(super) fn unread(self) -> Self {
        self.unread_if(true)
    }

    pub(super) fn starred(mut self) -> Self {
        self.placement.starred = true;
        self
    }

    pub(super) fn important(mut self) -> Self {
        self.placement.important = true;
        self
    }

    pub(super) fn category(mut self, category: Category) -> Self {
        self.placement.category = Some(category);
        self
    }

    /// Written by the owner: in Sent, read, no inbox tab.
    pub(super) fn sent(mut self) -> Self {
        self.placement.folder = Folder::Sent;
        self.placement.category = None;
        self.placement.unread = false;
        self
    }

    pub(super) fn spam(mut self) -> Self {
        self.placement.folder = Folder::Spam;
        self.placement.category = None;
        self.placement.important = false;
        self
    }

    pub(super) fn trash(mut self) -> Self {
        self.placement.folder = Folder::Trash;
        self
    }

    /// The ground truth of this draft.
    pub(super) fn spec(&self) -> MessageSpec {
        let inline = self.inline_image.iter().map(|image| ExpectedAttachment {
            filename: image.filename.clone(),
            mime_type: "image/png".to_string(),
            size: image.data.len() as u64,
        });
        let attached = self
            .attachments
            .iter()
            .map(|attachment| ExpectedAttachment {
                filename: attachment.filename.clone(),
                mime_type: attachment.mime_type.clone(),
                size: attachment.data.len() as u64,
            });
        MessageSpec {
            from_name: self.from.name.clone(),
            from_email: self.from.email.clone(),
            to: self
                .to
                .iter()
                .map(Person::display)
                .collect::<Vec<_>>()
                .join(", "),
            subject: self.subject.clone(),
            date: self.date,
            expected_text: self.text.clone(),
            attachments: inline.chain(attached).collect(),
            shape: self.shape,
            charset: self.charset.label().to_string(),
            transfer_encoding: self.transfer.label().to_string(),
        }
    }
}

/// Joins paragraphs with blank lines.
pub(super) fn paragraphs(parts: &[&str]) -> String {
    parts.join("\n\n")
}

/// Wraps a paragraph's words into lines of at most `width` characters.
pub(super) fn wrap(paragraph: &str, width: usize) -> String {
    let mut lines: Vec<String> = Vec::new();
    let mut line = String::new();
    for word in paragraph.split_whitespace() {
        if !line.is_empty() && line.chars().count() + 1 + word.chars().count() > width {
            lines.push(std::mem::take(&mut line));
        }
        if !line.is_empty() {
            line.push(' ');
        }
        line.push_str(word);
    }
    if !line.is_empty() {
        lines.push(line);
    }
    lines.join("\n")
}

/// Wraps every paragraph of a text (paragraphs separated by blank lines) to 72 columns.
pub(super) fn wrapped(parts: &[&str]) -> String {
    parts
        .iter()
        .map(|part| wrap(part, 72))
        .collect::<Vec<_>>()
        .join("\n\n")
}

/// The reply quoting Gmail writes under a new message: the attribution line
/// and the quoted text, every line prefixed with `> `.
pub(super) fn quoted_reply(
    new_text: &str,
    previous_author: &Person,
    previous_date: DateTime<FixedOffset>,
    previous_text: &str,
) -> String {
    let attribution = format!(
        "On {}, {} wrote:",
        previous_date.format("%a, %-d %b %Y at %H:%M"),
        previous_author.display()
    );
    let quoted: Vec<String> = previous_text
        .lines()
        .map(|line| {
            if line.is_empty() {
                ">".to_string()
            } else if line.starts_with('>') {
                format!(">{line}")
            } else {
                format!("> {line}")
            }
        })
        .collect();
    format!("{new_text}\n\n{attribution}\n{}", quoted.join("\n"))
}

/// The HTML a webmail client writes for a plain-text message: the text's
/// lines, escaped, separated by `<br>`, quoted lines inside `<blockquote>`.
pub(super) fn html_from_text(text: &str) -> String {
    let mut html = String::from("<div dir=\"ltr\">");
    let mut in_quote = false;
    for (index, line) in text.lines().enumerate() {
        let is_quote = line.starts_with('>');
        if is_quote && !in_quote {
            html.push_str("\n<blockquote class=\"gmail_quote\">");
            in_quote = true;
        } else if !is_quote && in_quote {
            html.push_str("</blockquote>\n");
            in_quote = false;
        } else if index > 0 {
            html.push_str("<br>\n");
        }
        html.push_str(&escape_html_with_links(line));
    }
    if in_quote {
        html.push_str("</blockquote>");
    }
    html.push_str("</div>\n");
    html
}

/// Escapes text for HTML and turns `https://` addresses into links showing the address.
pub(super) fn escape_html_with_links(text: &str) -> String {
    let mut html = String::new();
    for (index, word) in text.split(' ').enumerate() {
        if index > 0 {
            html.push(' ');
        }
        if word.starts_with("https://") {
            let escaped = html_escape::encode_double_quoted_attribute(word);
            html.push_str(&format!(
                "<a href=\"{escaped}\">{}</a>",
                html_escape::encode_text(word)
            ));
        } else {
            html.push_str(&html_escape::encode_text(word));
        }
    }
    html
}
