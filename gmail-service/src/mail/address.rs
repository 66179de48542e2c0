//! The sender of a message from Gmail's decoded `From` header: `Name <addr>`, `"Last, First"
//! <addr>`, a bare `addr`, `<addr>`, or `addr (Name)`. Gmail has already undone RFC 2047, so
//! only RFC 5322's quoting, comments and address lists are left to read.

use contract::gmail::Sender;

/// Reads the first mailbox of a decoded `From` header value.
pub fn parse_sender(header: &str) -> Sender {
    let first = first_mailbox(header);
    let first = first.trim();
    if let Some((display, address)) = split_angle(first) {
        let name = unquote(display.trim());
        return Sender {
            name: (!name.is_empty()).then_some(name),
            email: address.trim().to_owned(),
        };
    }
    // `addr (Comment Name)` or a bare address.
    let (address, comment) = split_comment(first);
    let comment = comment.trim();
    Sender {
        name: (!comment.is_empty()).then(|| comment.to_owned()),
        email: unquote(address.trim()),
    }
}

/// The text up to the first comma that is outside quotes, angle brackets and comments.
fn first_mailbox(header: &str) -> &str {
    let mut in_quotes = false;
    let mut escaped = false;
    let mut angle = 0_u32;
    let mut comment = 0_u32;
    for (index, c) in header.char_indices() {
        if escaped {
            escaped = false;
            continue;
        }
        match c {
            '\\' if in_quotes || comment > 0 => escaped = true,
            '"' if comment == 0 => in_quotes = !in_quotes,
            '(' if !in_quotes => comment += 1,
            ')' if !in_quotes && comment > 0 => comment -= 1,
            '<' if !in_quotes && comment == 0 => angle += 1,
            '>' if !in_quotes && comment == 0 && angle > 0 => angle -= 1,
            ',' if !in_quotes && comment == 0 && angle == 0 => {
                let candidate = &header[..index];
                // `, bob@x` after an empty first entry: keep looking.
                if !candidate.trim().is_empty() {
                    return candidate;
                }
            }
            _ => {}
        }
    }
    header
}

/// Splits `display <address>` at the last top-level `<`.
fn split_angle(mailbox: &str) -> Option<(&str, &str)> {
    let mut in_quotes = false;
    let mut escaped = false;
    let mut open = None;
    for (index, c) in mailbox.char_indices() {
        if escaped {
            escaped = false;
            continue;
        }
        match c {
            '\\' if in_quotes => escaped = true,
            '"' => in_quotes = !in_quotes,
            '<' if !in_quotes => open = Some(index),
            _ => {}
        }
    }
    let open = open?;
    let rest = &mailbox[open + 1..];
    let close = rest.find('>').unwrap_or(rest.len());
    Some((&mailbox[..open], &rest[..close]))
}

/// `addr (comment)` → (`addr`, `comment`).
fn split_comment(mailbox: &str) -> (String, String) {
    let mut address = String::new();
    let mut comment = String::new();
    let mut depth = 0_u32;
    for c in mailbox.chars() {
        match c {
            '(' => {
                if depth > 0 {
                    comment.push(c);
                }
                depth += 1;
            }
            ')' if depth > 0 => {
                depth -= 1;
                if depth > 0 {
                    comment.push(c);
                }
            }
            _ if depth > 0 => comment.push(c),
            _ => address.push(c),
        }
    }
    (address, comment)
}

/// Removes surrounding double quotes and backslash escapes; collapses whitespace.
fn unquote(text: &str) -> String {
    let inner = text
        .strip_prefix('"')
        .and_then(|t| t.strip_suffix('"'))
        .unwrap_or(text);
    let mut out = String::with_capacity(inner.len());
    let mut escaped = false;
    for c in inner.chars() {
        if escaped {
            out.push(c);
            escaped = false;
        } else if c == '\\' {
            escaped = true;
        } else if c != '"' {
            out.push(c);
        }
    }
    out.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sender(name: Option<&str>, email: &str) -> Sender {
        Sender {
            name: name.map(str::to_owned),
            email: email.to_owned(),
        }
    }

    #[test]
    fn reads_the_usual_shapes() {
        let cases = [
            (
                "Ada Lovelace <ada@example.com>",
                sender(Some("Ada Lovelace"), "ada@example.com"),
            ),
            (
                "\"Lovelace, Ada\" <ada@example.com>",
                sender(Some("Lovelace, Ada"), "ada@example.com"),
            ),
            (
                "\"Ada \\\"The Countess\\\" L.\" <ada@x.org>",
                sender(Some("Ada \"The Countess\" L."), "ada@x.org"),
            ),
            ("ada@example.com", sender(None, "ada@example.com")),
            ("<ada@example.com>", sender(None, "ada@example.com")),
            (
                "ada@example.com (Ada Lovelace)",
                sender(Some("Ada Lovelace"), "ada@example.com"),
            ),
            (
                "山田 花子 <hanako@example.jp>",
                sender(Some("山田 花子"), "hanako@example.jp"),
            ),
            ("\"a, b\" <a@x>, Other <o@x>", sender(Some("a, b"), "a@x")),
            ("  ", sender(None, "")),
            ("Broken <no-close@x", sender(Some("Broken"), "no-close@x")),
        ];
        for (header, expected) in cases {
            assert_eq!(parse_sender(header), expected, "{header}");
        }
    }

    #[test]
    fn never_panics_on_odd_input() {
        for header in [
            "<<>>",
            "\"",
            "\\",
            "(((",
            ")",
            ",,,",
            "\"a\\",
            "<",
            "a <b> <c>",
        ] {
            let _ = parse_sender(header);
        }
    }
}
