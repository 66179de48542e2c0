//! [`Mailbox`]: the reads the API offers, for the caller's account only, put together from
//! auth-service (the Google token), Gmail and the metadata cache.
//!
//! A page costs one `messages.list` plus, for the messages not yet cached, one round of
//! concurrent `messages.get format=metadata` (at most `GMAIL_GET_CONCURRENCY` in flight, their
//! quota charged in one go); a page seen before costs the list call alone. A 401 from Gmail
//! asks auth-service for another token and retries (twice at most: see
//! [`Mailbox::authorized`]); a 401 after that is `reauth_required`. The
//! unread count is the `UNREAD` label's less the unread in `SPAM` and `TRASH` (three
//! `labels.get`), so it equals what the list holds.
//!
//! Failures are [`MailboxError`]s; the HTTP edge turns them into problem+json.

use std::{future::Future, sync::Arc};

use futures_util::{StreamExt, stream};

use crate::{
    account::Account,
    gmail::{
        GmailCall, GmailClient, GmailError, MessageFormat, UNITS_LABELS_GET, UNITS_MESSAGES_GET,
    },
    google_token::{GoogleAccessToken, TokenSource, TokenSourceError},
    mail::{self, MessageDetail, MessageSummary, UnreadCount, UnreadPage, is_valid_message_id},
    message_cache::MessageCache,
};

/// How many refused tokens one Gmail call reports before the account is `reauth_required`.
const MAX_REFUSED_TOKENS: u32 = 2;

/// The label every listed message carries.
const UNREAD: &str = "UNREAD";

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
    #[error("the page token is not one Gmail accepts")]
    InvalidPageToken,
}

/// Reads one account's mail.
pub struct Mailbox {
    gmail: GmailClient,
    tokens: TokenSource,
    cache: MessageCache,
}

impl Mailbox {
    pub fn new(gmail: GmailClient, tokens: TokenSource, cache: MessageCache) -> Self {
        Self {
            gmail,
            tokens,
            cache,
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
    async fn authorized<'a, T, F, Fut>(
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

    /// A page of unread messages, newest first.
    pub async fn unread_page(
        &self,
        caller: &Account,
        limit: u32,
        page_token: Option<&str>,
    ) -> Result<UnreadPage, MailboxError> {
        let account = caller.sub();
        let gmail = &self.gmail;
        let list = self
            .authorized(caller, false, |token, prepaid| async move {
                let call = GmailCall {
                    account,
                    token: &token,
                    prepaid,
                };
                gmail.list_unread(call, limit, page_token).await
            })
            .await
            .map_err(|error| match error {
                // The caller's only free-form input: Gmail refuses a token it did not issue,
                // or one it issued for another query.
                MailboxError::Gmail(GmailError::BadRequest(_)) if page_token.is_some() => {
                    MailboxError::InvalidPageToken
                }
                other => other,
            })?;
        // Ids go into URLs and cache keys: take only what Gmail's ids look like.
        let ids: Vec<&str> = list
            .messages
            .iter()
            .map(|m| m.id.as_str())
            .filter(|id| is_valid_message_id(id))
            .collect();
        let mut found = self.cache.get_many(account, &ids).await;
        let missing: Vec<usize> = (0..found.len()).filter(|&i| found[i].is_none()).collect();
        if !missing.is_empty() {
            let units =
                UNITS_MESSAGES_GET.saturating_mul(u32::try_from(missing.len()).unwrap_or(u32::MAX));
            gmail
                .quota()
                .acquire(account, units)
                .await
                .map_err(GmailError::from)?;
            let fetched: Vec<(usize, Result<MessageSummary, MailboxError>)> = stream::iter(missing)
                .map(|index| {
                    let id = ids[index];
                    async move {
                        let message = self
                            .authorized(caller, true, |token, prepaid| async move {
                                let call = GmailCall {
                                    account,
                                    token: &token,
                                    prepaid,
                                };
                                gmail.get_message(call, id, MessageFormat::Metadata).await
                            })
                            .await;
                        (index, message.map(|m| mail::summary_from_gmail(&m)))
                    }
                })
                .buffer_unordered(gmail.get_concurrency())
                .collect()
                .await;
            let mut fresh = Vec::with_capacity(fetched.len());
            for (index, outcome) in fetched {
                match outcome {
                    Ok(summary) => {
                        fresh.push(summary.clone());
                        found[index] = Some(summary);
                    }
                    // Deleted between the list and the get: leave it out.
                    Err(MailboxError::Gmail(GmailError::NotFound)) => {}
                    Err(error) => return Err(error),
                }
            }
            self.cache.put_many(account, &fresh).await;
        }
        let messages = found
            .into_iter()
            .flatten()
            .map(|mut summary| {
                if !summary.labels.iter().any(|l| l == UNREAD) {
                    summary.labels.insert(0, UNREAD.to_owned());
                }
                summary
            })
            .collect();
        Ok(UnreadPage {
            messages,
            next_page_token: list.next_page_token.filter(|t| !t.is_empty()),
            result_size_estimate: list.result_size_estimate,
        })
    }

    /// One message with its text and attachment list.
    pub async fn message(&self, caller: &Account, id: &str) -> Result<MessageDetail, MailboxError> {
        let account = caller.sub();
        let gmail = &self.gmail;
        let message = self
            .authorized(caller, false, |token, prepaid| async move {
                let call = GmailCall {
                    account,
                    token: &token,
                    prepaid,
                };
                gmail.get_message(call, id, MessageFormat::Full).await
            })
            .await
            .map_err(|error| match error {
                // Gmail answers 400 "Invalid id value" for an id it could never have made
                // (a mistyped one): for the caller, there is no such message.
                MailboxError::Gmail(GmailError::BadRequest(_)) => {
                    MailboxError::Gmail(GmailError::NotFound)
                }
                other => other,
            })?;
        let detail = mail::detail_from_gmail(&message);
        self.cache.put_many(account, &[detail.summary()]).await;
        Ok(detail)
    }

    /// The number of unread messages the unread list holds: the `UNREAD` label's count less
    /// the unread messages in `SPAM` and `TRASH`, which `is:unread` leaves out (Gmail keeps the
    /// two apart: moving a message to one takes it out of the other). Three `labels.get`
    /// calls at once, 1 unit each, charged together (a count is paid whole or not at all).
    pub async fn unread_count(&self, caller: &Account) -> Result<UnreadCount, MailboxError> {
        const LABELS: u32 = 3;
        let account = caller.sub();
        let gmail = &self.gmail;
        gmail
            .quota()
            .acquire(account, LABELS * UNITS_LABELS_GET)
            .await
            .map_err(GmailError::from)?;
        let label = |id: &'static str| {
            self.authorized(caller, true, move |token, prepaid| async move {
                let call = GmailCall {
                    account,
                    token: &token,
                    prepaid,
                };
                gmail.label(call, id).await
            })
        };
        // All three run to their end (they fail alike when Gmail does), so each call's
        // retries are as for any other call.
        let (unread, spam, trash) = tokio::join!(label(UNREAD), label("SPAM"), label("TRASH"));
        let (unread, spam, trash) = (unread?, spam?, trash?);
        Ok(UnreadCount {
            unread: unread
                .messages_unread
                .saturating_sub(spam.messages_unread)
                .saturating_sub(trash.messages_unread),
        })
    }
}
