//! Mail files to messages: the labels and dates written beside a message, and the three
//! formats `EMULATOR_MAILBOX` reads (an mbox file, a folder of `.eml` files, a Maildir).
//!
//! A message file may open with metadata header lines that are not part of the message
//! (Google Takeout writes the first two; the demo mailboxes use all three):
//! - `X-GM-THRID: <decimal>`: Gmail's thread id;
//! - `X-Gmail-Labels: Inbox,Unread,Category Updates,…`: Takeout's label names;
//! - `X-Emulator-Internal-Date: <RFC 3339>`: when Gmail received the message.
//!
//! Only these names, and only before the first other header, are metadata; they are cut
//! off, so the message Gmail serves (`format=raw`) is the rest of the file, byte for byte.

use std::path::{Path, PathBuf};

use chrono::DateTime;

/// One message read from a file, its metadata separated.
#[derive(Clone, Debug, Default)]
pub(super) struct MailFile {
    /// Where it came from, for warnings (a file name, or `mbox message 12`).
    pub(super) origin: String,
    /// The RFC 5322 message.
    pub(super) raw: Vec<u8>,
    /// Gmail label ids, when the file says (Takeout labels or Maildir flags).
    pub(super) labels: Option<Vec<String>>,
    /// `X-Emulator-Internal-Date`: wins over the `Date:` header.
    pub(super) internal_date_ms: Option<i64>,
    /// The mbox `From ` line's date or the file's mtime: used when there is no `Date:`.
    pub(super) fallback_date_ms: Option<i64>,
    /// Gmail's thread id (`X-GM-THRID`, as 16 hex digits).
    pub(super) thread_id: Option<String>,
    /// What a reader sees in an HTML-only message, from a `.txt` file beside it.
    pub(super) expected_text: Option<String>,
}

/// Why `EMULATOR_MAILBOX` could not be read at all (single bad messages are skipped instead).
#[derive(Debug, thiserror::Error)]
pub enum MailboxSourceError {
    #[error("cannot read {path}: {source}")]
    Unreadable {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{path} holds no readable message (an mbox file, a folder of .eml files or a Maildir)")]
    Empty { path: PathBuf },
}

const THREAD_HEADER: &str = "X-GM-THRID";
const LABELS_HEADER: &str = "X-Gmail-Labels";
const INTERNAL_DATE_HEADER: &str = "X-Emulator-Internal-Date";

/// Splits the leading metadata header lines off a message file.
pub(super) fn with_metadata(origin: String, bytes: &[u8]) -> MailFile {
    let mut file = MailFile {
        origin,
        ..MailFile::default()
    };
    let mut rest = bytes;
    while let Some((name, value, after)) = leading_header(rest) {
        if name.eq_ignore_ascii_case(LABELS_HEADER) {
            // Non-ASCII label names come as RFC 2047 encoded words.
            let decoded = mailparse::parse_header(format!("{LABELS_HEADER}: {value}").as_bytes())
                .map(|(header, _)| header.get_value())
                .unwrap_or(value);
            file.labels = Some(takeout_labels(&decoded));
        } else if name.eq_ignore_ascii_case(THREAD_HEADER) {
            file.thread_id = value
                .trim()
                .parse::<u64>()
                .ok()
                .map(|id| format!("{id:016x}"));
        } else if name.eq_ignore_ascii_case(INTERNAL_DATE_HEADER) {
            file.internal_date_ms = DateTime::parse_from_rfc3339(value.trim())
                .ok()
                .map(|date| date.timestamp_millis());
        } else {
            break;
        }
        rest = after;
    }
    file.raw = rest.to_vec();
    file
}

/// The first header of `bytes` (with its folded continuation lines): name, unfolded value, rest.
fn leading_header(bytes: &[u8]) -> Option<(String, String, &[u8])> {
    let mut end = 0;
    loop {
        let line_end = bytes[end..]
            .iter()
            .position(|&b| b == b'\n')
            .map(|i| end + i + 1)?;
        end = line_end;
        match bytes.get(end) {
            Some(b' ' | b'\t') => continue,
            _ => break,
        }
    }
    let text = std::str::from_utf8(&bytes[..end]).ok()?;
    let (name, value) = text.split_once(':')?;
    if name.is_empty() || name.contains(char::is_whitespace) {
        return None;
    }
    let value = value.split_whitespace().collect::<Vec<_>>().join(" ");
    Some((name.to_owned(), value, &bytes[end..]))
}

/// Takeout's label names to Gmail's label ids, in the order given. `Opened` and `Archived`
/// are states, not labels; any other name is a user label, `Label_<name>`.
pub(super) fn takeout_labels(value: &str) -> Vec<String> {
    let mut labels: Vec<String> = Vec::new();
    for name in value.split(',').map(str::trim).filter(|n| !n.is_empty()) {
        let id = match name.to_ascii_lowercase().as_str() {
            "opened" | "archived" => continue,
            "inbox" => "INBOX".to_owned(),
            "unread" => "UNREAD".to_owned(),
            "starred" => "STARRED".to_owned(),
            "important" => "IMPORTANT".to_owned(),
            "sent" => "SENT".to_owned(),
            "draft" | "drafts" => "DRAFT".to_owned(),
            "spam" => "SPAM".to_owned(),
            "trash" => "TRASH".to_owned(),
            "chat" => "CHAT".to_owned(),
            lower => match lower.strip_prefix("category ") {
                Some(category) => format!("CATEGORY_{}", category.trim().to_ascii_uppercase()),
                None => format!("Label_{}", name.replace(char::is_whitespace, "_")),
            },
        };
        if !labels.contains(&id) {
            labels.push(id);
        }
    }
    labels
}

/// Maildir flags (after `:2,`) to labels: no `S` = unread, `T` = trashed, `F` = starred.
fn maildir_labels(file_name: &str) -> Vec<String> {
    let flags = file_name
        .rsplit_once(":2,")
        .map(|(_, flags)| flags)
        .unwrap_or_default();
    let mut labels = Vec::new();
    if !flags.contains('S') {
        labels.push("UNREAD".to_owned());
    }
    if flags.contains('F') {
        labels.push("STARRED".to_owned());
    }
    labels.push(
        if flags.contains('T') {
            "TRASH"
        } else {
            "INBOX"
        }
        .to_owned(),
    );
    labels
}

/// Reads `EMULATOR_MAILBOX`: a file is an mbox; a folder with `cur/` or `new/` is a Maildir;
/// another folder holds `.eml` files. Unreadable single files are skipped with a warning.
pub(super) fn read_path(path: &Path) -> Result<Vec<MailFile>, MailboxSourceError> {
    let unreadable = |source| MailboxSourceError::Unreadable {
        path: path.to_owned(),
        source,
    };
    let metadata = std::fs::metadata(path).map_err(unreadable)?;
    let files = if metadata.is_file() {
        let bytes = std::fs::read(path).map_err(unreadable)?;
        split_mbox(&bytes)
            .into_iter()
            .enumerate()
            .map(|(index, (from_line_date, message))| {
                let mut file = with_metadata(
                    format!("{} message {}", path.display(), index + 1),
                    &message,
                );
                file.fallback_date_ms = from_line_date;
                file
            })
            .collect()
    } else if path.join("cur").is_dir() || path.join("new").is_dir() {
        let mut files = Vec::new();
        for sub in ["new", "cur"] {
            let dir = path.join(sub);
            if !dir.is_dir() {
                continue;
            }
            for entry in sorted_entries(&dir).map_err(unreadable)? {
                let name = entry
                    .file_name()
                    .map(|n| n.to_string_lossy().into_owned())
                    .unwrap_or_default();
                if name.starts_with('.') {
                    continue;
                }
                if let Some(mut file) = read_one(&entry) {
                    if file.labels.is_none() {
                        file.labels = Some(maildir_labels(&name));
                    }
                    files.push(file);
                }
            }
        }
        files
    } else {
        sorted_entries(path)
            .map_err(unreadable)?
            .into_iter()
            .filter(|p| {
                p.extension()
                    .is_some_and(|ext| ext.eq_ignore_ascii_case("eml"))
            })
            .filter_map(|p| read_one(&p))
            .collect()
    };
    let files: Vec<MailFile> = files
        .into_iter()
        .filter(|file| {
            let ok = is_message(&file.raw);
            if !ok {
                tracing::warn!(file = %file.origin, "skipping a file that is not an RFC 5322 message");
            }
            ok
        })
        .collect();
    if files.is_empty() {
        return Err(MailboxSourceError::Empty {
            path: path.to_owned(),
        });
    }
    Ok(files)
}

fn sorted_entries(dir: &Path) -> std::io::Result<Vec<PathBuf>> {
    let mut entries = std::fs::read_dir(dir)?
        .filter_map(|entry| entry.ok().map(|e| e.path()))
        .filter(|p| p.is_file())
        .collect::<Vec<_>>();
    entries.sort();
    Ok(entries)
}

/// One message file, with its mtime as the fallback internal date.
fn read_one(path: &Path) -> Option<MailFile> {
    match std::fs::read(path) {
        Ok(bytes) => {
            let mut file = with_metadata(path.display().to_string(), &normalize_crlf(&bytes));
            let mtime = std::fs::metadata(path)
                .and_then(|m| m.modified())
                .ok()
                .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
                .and_then(|d| i64::try_from(d.as_millis()).ok());
            file.fallback_date_ms = mtime;
            Some(file)
        }
        Err(error) => {
            tracing::warn!(file = %path.display(), %error, "skipping an unreadable mail file");
            None
        }
    }
}

/// Has a header block that parses, with a `From:` or a `Date:` header.
pub(super) fn is_message(raw: &[u8]) -> bool {
    if raw.iter().all(u8::is_ascii_whitespace) {
        return false;
    }
    match mailparse::parse_headers(raw) {
        Ok((headers, _)) => headers.iter().any(|h| {
            let key = h.get_key_ref();
            key.eq_ignore_ascii_case("From") || key.eq_ignore_ascii_case("Date")
        }),
        Err(_) => false,
    }
}

/// Bare LF line ends to CRLF (as Gmail stores messages); CRLF stays.
pub(super) fn normalize_crlf(bytes: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(bytes.len() + bytes.len() / 40);
    for (index, &byte) in bytes.iter().enumerate() {
        if byte == b'\n' && (index == 0 || bytes[index - 1] != b'\r') {
            out.push(b'\r');
        }
        out.push(byte);
    }
    out
}

/// Splits an mbox (mboxo or mboxrd, as Takeout writes): a message starts at a line beginning
/// `From ` at the start of the file or after a line break; one `>` is removed from lines
/// `>From `, `>>From `, …. Returns each message (CRLF line ends) with the date of its `From `
/// line when that parses (`From sender Tue Oct 13 20:02:06 +0000 2020` or asctime).
pub(super) fn split_mbox(bytes: &[u8]) -> Vec<(Option<i64>, Vec<u8>)> {
    let mut messages = Vec::new();
    let mut current: Option<(Option<i64>, Vec<u8>)> = None;
    for line in bytes.split_inclusive(|&b| b == b'\n') {
        if line.starts_with(b"From ") {
            messages.extend(current.take());
            current = Some((from_line_date(line), Vec::new()));
            continue;
        }
        let Some((_, body)) = current.as_mut() else {
            // Text before the first `From ` line is not a message.
            continue;
        };
        let quoted = line.iter().take_while(|&&b| b == b'>').count();
        if quoted > 0 && line[quoted..].starts_with(b"From ") {
            body.extend_from_slice(&line[1..]);
        } else {
            body.extend_from_slice(line);
        }
    }
    messages.extend(current);
    messages
        .into_iter()
        .map(|(date, mut body)| {
            // The blank line before the next `From ` separates messages; it is not content.
            if body.ends_with(b"\r\n\r\n") {
                body.truncate(body.len() - 2);
            } else if body.ends_with(b"\n\n") {
                body.truncate(body.len() - 1);
            }
            (date, normalize_crlf(&body))
        })
        .collect()
}

fn from_line_date(line: &[u8]) -> Option<i64> {
    let text = String::from_utf8_lossy(line);
    let mut words = text.split_whitespace().skip(2);
    let rest: Vec<&str> = words.by_ref().collect();
    let joined = rest.join(" ");
    for format in ["%a %b %d %H:%M:%S %z %Y", "%a %b %e %H:%M:%S %Y"] {
        if let Ok(date) = DateTime::parse_from_str(&joined, format) {
            return Some(date.timestamp_millis());
        }
        if let Ok(naive) = chrono::NaiveDateTime::parse_from_str(&joined, format) {
            return Some(naive.and_utc().timestamp_millis());
        }
    }
    None
}

/// Writes `owner` where the file's demo owner stands in the top-level header block: the
/// address everywhere in it, the display name where written whole. Bodies are left alone.
pub(super) fn rewrite_owner(raw: &[u8], from: (&str, &str), to: (&str, &str)) -> Vec<u8> {
    let (from_name, from_email) = from;
    let (to_name, to_email) = to;
    if from_name == to_name && from_email.eq_ignore_ascii_case(to_email) {
        return raw.to_vec();
    }
    let split = raw
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .map(|i| i + 2)
        .unwrap_or(raw.len());
    let (head, body) = raw.split_at(split);
    let Ok(head) = std::str::from_utf8(head) else {
        return raw.to_vec();
    };
    let name = if to_name.is_ascii() {
        if to_name.chars().any(|c| "()<>[]:;@\\,.\"".contains(c)) {
            format!("\"{}\"", to_name.replace('\\', "\\\\").replace('"', "\\\""))
        } else {
            to_name.to_owned()
        }
    } else {
        use base64::Engine as _;
        format!(
            "=?UTF-8?B?{}?=",
            base64::engine::general_purpose::STANDARD.encode(to_name)
        )
    };
    let head = head
        .replace(from_email, to_email)
        .replace(&format!("{from_name} <"), &format!("{name} <"));
    [head.as_bytes(), body].concat()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn leading_metadata_lines_are_cut_off_and_read() {
        let file = with_metadata(
            "t".into(),
            b"X-GM-THRID: 1790000000000000002\r\nX-Gmail-Labels: Inbox,Unread,\r\n Category Promotions,Opened,My  label\r\nX-Emulator-Internal-Date: 2026-08-03T09:14:07.357Z\r\nFrom: a@example.com\r\nX-Gmail-Labels: Spam\r\n\r\nbody\r\n",
        );
        assert_eq!(
            file.raw, b"From: a@example.com\r\nX-Gmail-Labels: Spam\r\n\r\nbody\r\n",
            "only leading metadata lines are metadata"
        );
        assert_eq!(
            file.labels.unwrap(),
            ["INBOX", "UNREAD", "CATEGORY_PROMOTIONS", "Label_My_label"]
        );
        assert_eq!(file.thread_id.as_deref(), Some("18d75b8423f30002"));
        assert_eq!(file.internal_date_ms, Some(1_785_748_447_357));

        let encoded = with_metadata(
            "t".into(),
            b"X-Gmail-Labels: Inbox,=?UTF-8?Q?R=C3=A9unions?=\r\nFrom: a@example.com\r\n\r\n",
        );
        assert_eq!(encoded.labels.unwrap(), ["INBOX", "Label_R\u{e9}unions"]);

        let plain = with_metadata("t".into(), b"From: a@example.com\r\n\r\nx");
        assert!(plain.labels.is_none() && plain.internal_date_ms.is_none());
        assert_eq!(plain.raw, b"From: a@example.com\r\n\r\nx");
    }

    #[test]
    fn takeout_label_names_map_to_gmail_ids() {
        assert_eq!(
            takeout_labels(
                "Archived,Sent,Starred,Important,Trash,Drafts,Category Social,Unread,unread"
            ),
            [
                "SENT",
                "STARRED",
                "IMPORTANT",
                "TRASH",
                "DRAFT",
                "CATEGORY_SOCIAL",
                "UNREAD"
            ]
        );
        assert!(takeout_labels(" , ,Opened").is_empty());
    }

    #[test]
    fn maildir_flags_give_unread_star_and_trash() {
        assert_eq!(maildir_labels("1.M1.host:2,S"), ["INBOX"]);
        assert_eq!(maildir_labels("1.M1.host:2,"), ["UNREAD", "INBOX"]);
        assert_eq!(maildir_labels("1.M1.host"), ["UNREAD", "INBOX"]);
        assert_eq!(maildir_labels("1.M1.host:2,FRST"), ["STARRED", "TRASH"]);
    }

    #[test]
    fn mbox_splits_at_from_lines_and_unquotes_from() {
        let mbox = b"preamble is not mail\nFrom a@b Tue Oct 13 20:02:06 +0000 2026\nSubject: one\n\nFrom here on, no separator: not at a line start? it is!\n>From quoted\n>>From twice\n>Fromage\n\nFrom b@c Thu Jan  1 00:00:10 1970\r\nSubject: two\r\n\r\nlast";
        let messages = split_mbox(mbox);
        assert_eq!(messages.len(), 3);
        assert_eq!(messages[0].0, Some(1_791_921_726_000));
        // The blank line before the next `From ` line separates; it is not content.
        assert_eq!(messages[0].1, b"Subject: one\r\n");
        // A line starting `From ` always separates (mboxo cannot tell; Takeout quotes them).
        assert_eq!(messages[1].1, b"From quoted\r\n>From twice\r\n>Fromage\r\n");
        assert_eq!(messages[1].0, None);
        assert_eq!(messages[2].0, Some(10_000));
        assert_eq!(messages[2].1, b"Subject: two\r\n\r\nlast");
        assert!(split_mbox(b"no From line at all\n").is_empty());
    }

    #[test]
    fn only_header_blocks_with_from_or_date_are_messages() {
        assert!(is_message(b"From: a@example.com\r\n\r\nhi"));
        assert!(is_message(b"Date: Tue, 13 Oct 2026 20:02:00 +0000\n\nhi"));
        assert!(!is_message(b""));
        assert!(!is_message(b" \r\n\r\n"));
        assert!(!is_message(b"Subject: no sender\r\n\r\nhi"));
        assert!(!is_message(b"just some words\r\n\r\nand more"));
        assert!(!is_message(b"\x00\x01\xff binary"));
    }

    #[test]
    fn line_ends_become_crlf_once() {
        assert_eq!(normalize_crlf(b"a\nb\r\nc\n\n"), b"a\r\nb\r\nc\r\n\r\n");
        assert_eq!(normalize_crlf(b"\n"), b"\r\n");
    }

    #[test]
    fn the_owner_is_rewritten_in_the_headers_only() {
        let raw = b"Delivered-To: alice@example.com\r\nTo: Alice Example <alice@example.com>\r\n\r\nHi Alice, alice@example.com\r\n";
        let ascii = rewrite_owner(
            raw,
            ("Alice Example", "alice@example.com"),
            ("Ada Lovelace", "ada@example.org"),
        );
        assert_eq!(
            ascii,
            b"Delivered-To: ada@example.org\r\nTo: Ada Lovelace <ada@example.org>\r\n\r\nHi Alice, alice@example.com\r\n"
        );
        let quoted = rewrite_owner(
            raw,
            ("Alice Example", "alice@example.com"),
            ("Dr. A", "a@x.org"),
        );
        assert!(
            String::from_utf8(quoted)
                .unwrap()
                .contains("To: \"Dr. A\" <a@x.org>")
        );
        let encoded = rewrite_owner(
            raw,
            ("Alice Example", "alice@example.com"),
            ("山田", "y@x.jp"),
        );
        let (header, _) = mailparse::parse_header(
            &encoded[encoded.iter().position(|&b| b == b'\n').unwrap() + 1..],
        )
        .unwrap();
        assert_eq!(header.get_value(), "山田 <y@x.jp>");
        assert_eq!(
            rewrite_owner(
                raw,
                ("Alice Example", "alice@example.com"),
                ("Alice Example", "alice@example.com")
            ),
            raw
        );
    }
}
