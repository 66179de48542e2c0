//! [`Mailbox`]: the reads the API offers, for the caller's account only, put together from
//! auth-service (the Google token), Gmail and the account's unread [`Mirror`].
//!
//! A page and the unread count are read from the mirror in one Redis round trip; while the
//! mirror is fresh (`SYNC_MAX_AGE_SECS`) that is all they cost, with no Google call. An older
//! mirror is brought up to date first (`crate::sync`: one `history.list` when little changed).
//! Both read the same set, so the count always equals what the pages list. One message is read
//! from Gmail (`messages.get format=full`). A 401 from Gmail asks auth-service for another
//! token and retries (twice at most: see [`Mailbox::authorized`]); a 401 after that is
//! `reauth_required`.
//!
//! Failures are [`MailboxError`]s; the HTTP edge turns them into problem+json.

use std::{future::Future, sync::Arc};

use crate::{
    account::Account,
    configuration::SyncSettings,
    events::EventLog,
    gmail::{GmailCall, GmailClient, GmailError, MessageFormat},
    google_token::{GoogleAccessToken, TokenSource, TokenSourceError},
    mail::{self, MessageDetail, ThreadDetail, UnreadCount, UnreadPage},
    metrics::ServiceMetrics,
    mirror::{Cursor, Mirror},
};

/// How many refused tokens one Gmail call reports before the account is `reauth_required`.
const MAX_REFUSED_TOKENS: u32 = 2;

/// Why a read failed.
#[derive(Debug, thiserror::Error)]
pub enum MailboxError {
    /// No Google access token could be had for the account.
    #[error(transparent)]
    Token(#[from] TokenSourceError),
    /// Gmail (or the quota budget in front of it) refused or failed.
    #[error(transparent)]
    Gmail(#[from] GmailError),
    /// The caller's `page_token` is not one Gmail accepts (not one it issued, or one it
    /// issued for another query).
    #[error("the page token is not one this service issued")]
    InvalidPageToken,
    /// The mirror in Redis cannot be read or written.
    #[error("the unread mirror is unavailable: {0}")]
    Mirror(String),
    /// The message has no attachment with that id.
    #[error("the message has no such attachment")]
    NoSuchAttachment,
    /// The attachment is larger than `ATTACHMENT_MAX_BYTES`.
    #[error("the attachment is larger than {0} bytes")]
    AttachmentTooLarge(u64),
}

/// Gmail answers 400 "Invalid id value" for an id it could never have made (a mistyped one):
/// for the caller, there is no such message.
fn not_found_for_bad_ids(error: MailboxError) -> MailboxError {
    match error {
        MailboxError::Gmail(GmailError::BadRequest(_)) => MailboxError::Gmail(GmailError::NotFound),
        other => other,
    }
}

/// An attachment to hand out.
pub struct Attachment {
    pub filename: String,
    /// As the message declares it (see `common::download::content_type` for what is sent).
    pub mime_type: String,
    /// Decoded size, as Gmail declares it.
    pub size: u64,
    pub content: AttachmentContent,
    /// `ATTACHMENT_MAX_BYTES`: no more is passed on, whatever Gmail sends.
    pub limit: u64,
}

/// Where an attachment's bytes are.
pub enum AttachmentContent {
    /// In the message itself (small parts).
    Inline(Vec<u8>),
    /// Gmail's `messages.attachments.get` answer, open (JSON; read it with
    /// `mail::attachment::Decoder`).
    Gmail(reqwest::Response),
}

/// Whether Gmail's `attachmentId` can go into a URL path as it is.
fn is_gmail_attachment_id(id: &str) -> bool {
    (1..=4096).contains(&id.len())
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// Reads one account's mail.
pub struct Mailbox {
    pub(crate) gmail: GmailClient,
    tokens: TokenSource,
    pub(crate) mirror: Mirror,
    pub(crate) sync: SyncSettings,
    pub(crate) metrics: ServiceMetrics,
    pub(crate) events: EventLog,
}

/// RFC 3339 (UTC, milliseconds) of a Unix-milliseconds time.
fn synced_at(ms: i64) -> String {
    chrono::DateTime::from_timestamp_millis(ms)
        .unwrap_or_default()
        .to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

impl Mailbox {
    pub fn new(
        gmail: GmailClient,
        tokens: TokenSource,
        mirror: Mirror,
        sync: SyncSettings,
        metrics: ServiceMetrics,
        events: EventLog,
    ) -> Self {
        Self {
            gmail,
            tokens,
            mirror,
            sync,
            metrics,
            events,
        }
    }

    /// Runs a Gmail call with the account's token; on a 401, again with another one, at most
    /// [`MAX_REFUSED_TOKENS`] times.
    ///
    /// Why more than once: the token handed out after a refusal is not always a refreshed one.
    /// When auth-service stores a newer token than the refused one (the person logged in again
    /// while this replica still held the older token), it hands that one out, and Google may
    /// refuse it too (it refuses every access token of a grant at once, e.g. after a password
    /// change). Reported refused in turn, it is the stored one, so auth-service refreshes it (or
    /// answers that the grant is gone). A token is never reported twice, so this ends.
    pub(crate) async fn authorized<'a, T, F, Fut>(
        &'a self,
        caller: &'a Account,
        prepaid: bool,
        call: F,
    ) -> Result<T, MailboxError>
    where
        F: Fn(Arc<GoogleAccessToken>, bool) -> Fut,
        Fut: Future<Output = Result<T, GmailError>> + 'a,
    {
        let mut token = self.tokens.token(caller, None).await?;
        let mut prepaid = prepaid;
        let mut refused = 0;
        loop {
            match call(token.clone(), prepaid).await {
                Err(GmailError::Unauthorized) if refused < MAX_REFUSED_TOKENS => {
                    refused += 1;
                    tracing::debug!(
                        refused,
                        "Gmail refused the access token; asking for another"
                    );
                    token = self.tokens.token(caller, Some(&token)).await?;
                    prepaid = false;
                }
                other => return Ok(other?),
            }
        }
    }

    /// A page of unread messages, newest first, from the mirror (synced first unless fresh);
    /// with `positions`, the page token after each of them too.
    pub async fn unread_page(
        &self,
        caller: &Account,
        limit: u32,
        page_token: Option<&str>,
        positions: bool,
    ) -> Result<UnreadPage, MailboxError> {
        let cursor = page_token
            .map(|token| Cursor::parse(token).ok_or(MailboxError::InvalidPageToken))
            .transpose()?;
        let page = self.mirror_page(caller, cursor.as_ref(), limit).await?;
        let tokens_after = positions.then(|| {
            page.entries
                .iter()
                .map(|e| {
                    Cursor {
                        internal_date: e.internal_date,
                        id: e.summary.id.clone(),
                    }
                    .token()
                })
                .collect()
        });
        Ok(UnreadPage {
            tokens_after,
            messages: page.entries.into_iter().map(|e| e.summary).collect(),
            next_page_token: page.next.map(|c| c.token()),
            result_size_estimate: page.total,
            synced_at: synced_at(page.state.synced_at_ms),
        })
    }

    /// `messages.get` of `id` in `format`, with a token that works; an id Gmail refuses as one
    /// it could never have made is, for the caller, no message.
    async fn read_message(
        &self,
        caller: &Account,
        id: &str,
        format: MessageFormat,
    ) -> Result<crate::gmail::wire::Message, MailboxError> {
        let account = caller.sub();
        let gmail = &self.gmail;
        self.authorized(caller, false, |token, prepaid| async move {
            let call = GmailCall {
                account,
                token: &token,
                prepaid,
            };
            gmail.get_message(call, id, format).await
        })
        .await
        .map_err(not_found_for_bad_ids)
    }

    /// One message with its text and attachment list.
    pub async fn message(&self, caller: &Account, id: &str) -> Result<MessageDetail, MailboxError> {
        let message = self.read_message(caller, id, MessageFormat::Full).await?;
        Ok(mail::detail_from_gmail(&message))
    }

    /// The conversation of message `id`: its thread id from the mirror when the mirror holds
    /// the message (no Google call), else from `messages.get` (metadata); then one
    /// `threads.get` for every message of the thread with its text.
    pub async fn thread(&self, caller: &Account, id: &str) -> Result<ThreadDetail, MailboxError> {
        let account = caller.sub();
        let gmail = &self.gmail;
        let mirrored = self
            .mirror
            .entries(account, &[id])
            .await
            .ok()
            .and_then(|mut entries| entries.pop().flatten())
            .map(|entry| entry.summary.thread_id)
            .filter(|thread| mail::is_valid_message_id(thread));
        let thread_id = match mirrored {
            Some(thread) => thread,
            None => {
                let message = self
                    .read_message(caller, id, MessageFormat::Metadata)
                    .await?;
                if !mail::is_valid_message_id(&message.thread_id) {
                    return Err(
                        GmailError::BadResponse("a thread id that is not one".into()).into(),
                    );
                }
                message.thread_id
            }
        };
        let thread_ref = thread_id.as_str();
        let thread = self
            .authorized(caller, false, |token, prepaid| async move {
                let call = GmailCall {
                    account,
                    token: &token,
                    prepaid,
                };
                gmail.get_thread(call, thread_ref).await
            })
            .await
            .map_err(not_found_for_bad_ids)?;
        Ok(ThreadDetail {
            id: thread.id,
            messages: thread
                .messages
                .iter()
                .map(mail::detail_from_gmail)
                .collect(),
        })
    }

    /// Attachment `part_id` of message `id`: its name, type and size from `messages.get`, and
    /// its content (inline, or Gmail's `messages.attachments.get` answer still open).
    pub async fn attachment(
        &self,
        caller: &Account,
        id: &str,
        part_id: &str,
    ) -> Result<Attachment, MailboxError> {
        let account = caller.sub();
        let gmail = &self.gmail;
        let message = self.read_message(caller, id, MessageFormat::Full).await?;
        let part = message
            .payload
            .as_ref()
            .and_then(|payload| mail::body::attachment_part(payload, part_id))
            .ok_or(MailboxError::NoSuchAttachment)?;
        let limit = gmail.attachment_max_bytes();
        if part.body.size > limit {
            return Err(MailboxError::AttachmentTooLarge(limit));
        }
        let content = match (&part.body.attachment_id, &part.body.data) {
            (_, Some(data)) => {
                AttachmentContent::Inline(mail::body::decode_body_data(data).ok_or_else(|| {
                    GmailError::BadResponse("an attachment's data is not base64url".into())
                })?)
            }
            (Some(gmail_id), None) if is_gmail_attachment_id(gmail_id) => {
                let response = self
                    .authorized(caller, false, |token, prepaid| async move {
                        let call = GmailCall {
                            account,
                            token: &token,
                            prepaid,
                        };
                        gmail.open_attachment(call, id, gmail_id).await
                    })
                    .await?;
                AttachmentContent::Gmail(response)
            }
            _ => {
                return Err(GmailError::BadResponse(
                    "an attachment has neither data nor a usable attachmentId".into(),
                )
                .into());
            }
        };
        Ok(Attachment {
            filename: part.filename.clone(),
            mime_type: part.mime_type.clone(),
            size: part.body.size,
            content,
            limit,
        })
    }

    /// The number of unread messages the unread list holds, from the mirror (synced first
    /// unless fresh): the same set the pages list, so the two always agree.
    pub async fn unread_count(&self, caller: &Account) -> Result<UnreadCount, MailboxError> {
        let page = self.mirror_page(caller, None, 0).await?;
        Ok(UnreadCount {
            unread: page.total,
            synced_at: synced_at(page.state.synced_at_ms),
        })
    }
}
