//! "All accounts": the unread lists of a session's accounts merged into one, newest first, with
//! paging that stays stable across them.
//!
//! Gmail pages only go forward, by opaque page tokens, so a merged page cannot be addressed by
//! an offset. Instead the [`Cursor`] of the next page remembers, for every account, where its
//! own list goes on ([`Position`]): the page token that starts right after the last message
//! shown (gmail-service's `tokens_after`), or, from a list without those, the token of that
//! message's page and how many of its messages were shown. A merged page reads, for each
//! account, from its position the messages it may need (one page; two when the position is
//! within a page), merges them by date
//! ([`merge`], ties to the account attached first, each account's own order kept) and takes a
//! page; each account's position moves past what was taken from it.
//!
//! The cursor travels in the page's URL (`?cursor=`), base64url JSON of at most
//! [`MAX_CURSOR`] characters; a cursor that does not parse is a link that does not work.

use std::collections::BTreeMap;

use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use contract::gmail::{MessageSummary, UnreadPage};
use serde::{Deserialize, Serialize};

/// Longest cursor accepted (characters of its base64url form).
pub const MAX_CURSOR: usize = 8 * 1024;

/// Where one account's unread list goes on.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Position {
    /// The page token of the page the next message is on (`None`: the first page).
    pub token: Option<String>,
    /// How many messages of that page were shown already.
    pub skip: usize,
}

/// Where every account's list goes on, by lower-cased address. An account the cursor does not
/// name starts at its first page.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Cursor(pub BTreeMap<String, Position>);

impl Cursor {
    /// A cursor from its URL form; `None` when it is not one of ours.
    pub fn parse(raw: &str) -> Option<Self> {
        if raw.is_empty() || raw.len() > MAX_CURSOR {
            return None;
        }
        let bytes = URL_SAFE_NO_PAD.decode(raw).ok()?;
        let cursor: Self = serde_json::from_slice(&bytes).ok()?;
        let sane = cursor.0.len() <= 16
            && cursor.0.iter().all(|(email, p)| {
                email.len() <= 254
                    && p.skip <= usize::try_from(contract::gmail::MAX_LIMIT).unwrap_or(100)
                    && p.token
                        .as_deref()
                        .is_none_or(contract::gmail::is_plausible_page_token)
            });
        sane.then_some(cursor)
    }

    /// The URL form.
    pub fn encode(&self) -> String {
        URL_SAFE_NO_PAD.encode(serde_json::to_vec(self).unwrap_or_default())
    }

    /// Where the account of `email` goes on.
    pub fn position(&self, email: &str) -> Position {
        self.0
            .get(&email.to_ascii_lowercase())
            .cloned()
            .unwrap_or_default()
    }
}

/// An unread message read from an account's position, with the position just after it.
#[derive(Clone, Debug)]
pub struct Item {
    pub message: MessageSummary,
    pub after: Position,
}

/// What was read of one account from its position: its messages in its own order, and whether
/// its list goes on beyond them.
#[derive(Clone, Debug, Default)]
pub struct Run {
    pub items: Vec<Item>,
    pub more: bool,
}

impl Run {
    /// Appends a page read with `token`, skipping its first `skip` messages. Where the page
    /// gives the token after each message (`tokens_after`), a message's position is that
    /// token; otherwise it is the page's token and a count.
    pub fn push_page(&mut self, token: Option<&str>, skip: usize, page: UnreadPage) {
        let UnreadPage {
            messages,
            next_page_token: next,
            tokens_after,
            ..
        } = page;
        let len = messages.len();
        let tokens_after = tokens_after.filter(|t| t.len() == len);
        for (n, message) in messages.into_iter().enumerate().skip(skip) {
            let after = if let Some(tokens) = &tokens_after {
                Position {
                    token: Some(tokens[n].clone()),
                    skip: 0,
                }
            } else if n + 1 < len || next.is_none() {
                Position {
                    token: token.map(str::to_owned),
                    skip: n + 1,
                }
            } else {
                Position {
                    token: next.clone(),
                    skip: 0,
                }
            };
            self.items.push(Item { message, after });
        }
        self.more = next.is_some();
    }
}

/// A merged page: each row with the index of its account, and the cursor of the next page
/// (`None`: nothing older).
pub struct Merged {
    pub rows: Vec<(usize, MessageSummary)>,
    pub next: Option<Cursor>,
}

fn instant(m: &MessageSummary) -> i64 {
    chrono::DateTime::parse_from_rfc3339(&m.date).map_or(i64::MIN, |d| d.timestamp_millis())
}

/// Merges the runs of the accounts `emails` (same order) from `cursor`, newest first, taking
/// at most `page` rows.
pub fn merge(emails: &[String], runs: Vec<Run>, cursor: &Cursor, page: usize) -> Merged {
    let mut heads = vec![0usize; runs.len()];
    let mut rows = Vec::new();
    while rows.len() < page {
        let pick = runs
            .iter()
            .enumerate()
            .filter_map(|(a, run)| {
                run.items
                    .get(heads[a])
                    .map(|item| (a, instant(&item.message)))
            })
            // Newest first; among equals, the account attached first.
            .max_by(|(a1, t1), (a2, t2)| t1.cmp(t2).then(a2.cmp(a1)));
        let Some((account, _)) = pick else { break };
        rows.push((account, runs[account].items[heads[account]].message.clone()));
        heads[account] += 1;
    }
    let more = runs
        .iter()
        .enumerate()
        .any(|(a, run)| heads[a] < run.items.len() || run.more);
    let next = more.then(|| {
        let mut next = cursor.clone();
        for (a, email) in emails.iter().enumerate() {
            if let Some(taken) = heads[a].checked_sub(1) {
                next.0.insert(
                    email.to_ascii_lowercase(),
                    runs[a].items[taken].after.clone(),
                );
            }
        }
        next
    });
    Merged { rows, next }
}

#[cfg(test)]
mod tests {
    use super::*;
    use contract::gmail::Sender;

    fn message(id: &str, date: &str) -> MessageSummary {
        MessageSummary {
            id: id.into(),
            thread_id: id.into(),
            from: Sender {
                name: None,
                email: "x@example.com".into(),
            },
            subject: id.into(),
            date: date.into(),
            snippet: String::new(),
            labels: vec![],
        }
    }

    /// A mailbox of `dates` (newest first) split into pages of `size`, tokens "p1", "p2", ….
    fn pages(
        prefix: &str,
        dates: &[&str],
        size: usize,
    ) -> Vec<(Option<String>, Vec<MessageSummary>, Option<String>)> {
        let chunks: Vec<_> = dates.chunks(size).collect();
        chunks
            .iter()
            .enumerate()
            .map(|(n, chunk)| {
                let token = (n > 0).then(|| format!("p{n}"));
                let next = (n + 1 < chunks.len()).then(|| format!("p{}", n + 1));
                let messages = chunk
                    .iter()
                    .enumerate()
                    .map(|(k, d)| message(&format!("{prefix}{}", n * size + k), d))
                    .collect();
                (token, messages, next)
            })
            .collect()
    }

    fn page(messages: Vec<MessageSummary>, next: Option<String>) -> UnreadPage {
        UnreadPage {
            messages,
            next_page_token: next,
            result_size_estimate: 0,
            synced_at: String::new(),
            tokens_after: None,
        }
    }

    /// A keyset list as gmail-service's mirror pages it (`positions=true`): the token after a
    /// message is `after.<id>`; a page from there holds the next `size` messages.
    fn read_keyset(list: &[MessageSummary], at: &Position, size: usize) -> Run {
        let start = at.token.as_deref().map_or(0, |t| {
            let id = t.strip_prefix("after.").unwrap();
            list.iter().position(|m| m.id == id).unwrap() + 1
        });
        let messages: Vec<MessageSummary> = list[start..].iter().take(size).cloned().collect();
        let more = start + messages.len() < list.len();
        let mut run = Run::default();
        run.push_page(
            at.token.as_deref(),
            0,
            UnreadPage {
                tokens_after: Some(messages.iter().map(|m| format!("after.{}", m.id)).collect()),
                next_page_token: more.then(|| format!("after.{}", messages.last().unwrap().id)),
                ..page(messages, None)
            },
        );
        run
    }

    #[test]
    fn with_a_token_after_each_message_every_page_reads_one_page_per_account() {
        let day = |d: u32| format!("2026-11-{d:02}T10:00:00Z");
        let list = |prefix: &str, days: &[u32]| -> Vec<MessageSummary> {
            days.iter()
                .enumerate()
                .map(|(n, d)| message(&format!("{prefix}{n}"), &day(*d)))
                .collect()
        };
        let a = list("a", &[30, 29, 27, 26, 25, 20, 19, 3]);
        let b = list("b", &[28, 24, 23, 22, 21, 18, 2, 1]);
        let emails = vec!["a@example.com".to_owned(), "b@example.com".to_owned()];
        let mut cursor = Cursor::default();
        let mut seen = Vec::new();
        for _ in 0..10 {
            let positions = [cursor.position(&emails[0]), cursor.position(&emails[1])];
            // Every position is a token alone: nothing to skip, no second page to read.
            assert!(positions.iter().all(|p| p.skip == 0));
            let runs = vec![
                read_keyset(&a, &positions[0], 3),
                read_keyset(&b, &positions[1], 3),
            ];
            let merged = merge(&emails, runs, &cursor, 3);
            seen.extend(merged.rows.into_iter().map(|(_, m)| m.date));
            match merged.next {
                Some(next) => cursor = Cursor::parse(&next.encode()).unwrap(),
                None => break,
            }
        }
        let mut expected: Vec<String> = a.iter().chain(&b).map(|m| m.date.clone()).collect();
        expected.sort();
        expected.reverse();
        assert_eq!(seen, expected);
    }

    /// What the frontend does: for each account, the page at its position and the next one.
    fn read(
        mailbox: &[(Option<String>, Vec<MessageSummary>, Option<String>)],
        at: &Position,
    ) -> Run {
        let mut run = Run::default();
        let start = mailbox.iter().position(|(t, _, _)| *t == at.token).unwrap();
        for (k, (token, messages, next)) in mailbox[start..].iter().take(2).enumerate() {
            let skip = if k == 0 { at.skip } else { 0 };
            run.push_page(token.as_deref(), skip, page(messages.clone(), next.clone()));
        }
        run
    }

    #[test]
    fn paging_through_the_merge_shows_every_message_once_newest_first() {
        let day = |d: u32| format!("2026-11-{d:02}T10:00:00Z");
        let a_dates: Vec<String> = [30, 29, 27, 26, 25, 20, 19, 3]
            .iter()
            .map(|d| day(*d))
            .collect();
        let b_dates: Vec<String> = [28, 24, 23, 22, 21, 18, 2, 1]
            .iter()
            .map(|d| day(*d))
            .collect();
        let a = pages(
            "a",
            &a_dates.iter().map(String::as_str).collect::<Vec<_>>(),
            3,
        );
        let b = pages(
            "b",
            &b_dates.iter().map(String::as_str).collect::<Vec<_>>(),
            3,
        );
        let emails = vec!["A@example.com".to_owned(), "b@example.com".to_owned()];
        let mut cursor = Cursor::default();
        let mut seen = Vec::new();
        for _ in 0..10 {
            let runs = vec![
                read(&a, &cursor.position(&emails[0])),
                read(&b, &cursor.position(&emails[1])),
            ];
            let merged = merge(&emails, runs, &cursor, 4);
            assert!(merged.rows.len() <= 4);
            seen.extend(merged.rows.into_iter().map(|(_, m)| m.date));
            match merged.next {
                // Through its URL form, as a browser follows it.
                Some(next) => cursor = Cursor::parse(&next.encode()).unwrap(),
                None => break,
            }
        }
        let mut expected: Vec<String> = a_dates.iter().chain(&b_dates).cloned().collect();
        expected.sort();
        expected.reverse();
        assert_eq!(seen, expected);
    }

    #[test]
    fn equal_dates_keep_each_accounts_order_and_the_first_account_first() {
        let same = "2026-11-01T00:00:00Z";
        let mut one = Run::default();
        one.push_page(
            None,
            0,
            page(vec![message("a1", same), message("a2", same)], None),
        );
        let mut two = Run::default();
        two.push_page(None, 0, page(vec![message("b1", same)], None));
        let emails = vec!["a@x".to_owned(), "b@x".to_owned()];
        let merged = merge(&emails, vec![one, two], &Cursor::default(), 10);
        let ids: Vec<_> = merged.rows.iter().map(|(_, m)| m.id.as_str()).collect();
        assert_eq!(ids, ["a1", "a2", "b1"]);
        assert!(merged.next.is_none());
    }

    #[test]
    fn cursors_not_ours_are_refused() {
        assert!(Cursor::parse("").is_none());
        assert!(Cursor::parse("!!!").is_none());
        assert!(Cursor::parse(&URL_SAFE_NO_PAD.encode(b"[1,2]")).is_none());
        let bad_token = r#"{"a@x":{"token":"<script>","skip":0}}"#;
        assert!(Cursor::parse(&URL_SAFE_NO_PAD.encode(bad_token)).is_none());
        let big_skip = r#"{"a@x":{"token":null,"skip":100000}}"#;
        assert!(Cursor::parse(&URL_SAFE_NO_PAD.encode(big_skip)).is_none());
        assert!(Cursor::parse(&"A".repeat(MAX_CURSOR + 1)).is_none());
        let good = r#"{"a@x":{"token":"p1","skip":2}}"#;
        let cursor = Cursor::parse(&URL_SAFE_NO_PAD.encode(good)).unwrap();
        assert_eq!(cursor.position("A@X").skip, 2);
    }
}
