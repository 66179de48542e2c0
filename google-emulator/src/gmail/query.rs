//! The subset of Gmail's search language (`q`) the emulator understands.
//!
//! Terms are separated by spaces and all must match; `-term` negates; `"quoted phrases"` are
//! one term. Operators: `is:unread|read|starred|important`, `in:inbox|sent|spam|trash|anywhere`,
//! `label:NAME`, `category:primary|social|promotions|updates|forums`, `from:`, `to:`,
//! `subject:`, `has:attachment`. Anything else is free text, matched against sender,
//! recipients, subject and body, as Gmail does.

use crate::mailbox::StoredMessage;

#[derive(Debug, Clone, PartialEq, Eq)]
enum Term {
    Label(String),
    NotLabel(String),
    From(String),
    To(String),
    Subject(String),
    HasAttachment,
    Text(String),
}

/// A parsed `q`.
#[derive(Debug, Clone, Default)]
pub struct Query {
    terms: Vec<(bool, Term)>,
    /// `in:spam`, `in:trash` or `in:anywhere` was asked for: spam and trash are not excluded.
    pub searches_spam_or_trash: bool,
}

fn tokens(q: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut current = String::new();
    let mut quoted = false;
    for c in q.chars() {
        match c {
            '"' => quoted = !quoted,
            c if c.is_whitespace() && !quoted => {
                if !current.is_empty() {
                    out.push(std::mem::take(&mut current));
                }
            }
            c => current.push(c),
        }
    }
    if !current.is_empty() {
        out.push(current);
    }
    out
}

impl Query {
    /// Parses `q`.
    pub fn parse(q: &str) -> Self {
        let mut query = Query::default();
        for token in tokens(q) {
            let (negated, token) = match token.strip_prefix('-') {
                Some(rest) if !rest.is_empty() => (true, rest.to_owned()),
                _ => (false, token),
            };
            let lower = token.to_lowercase();
            let term = match lower.split_once(':') {
                Some(("is", "unread")) => Term::Label("UNREAD".into()),
                Some(("is", "read")) => Term::NotLabel("UNREAD".into()),
                Some(("is", "starred")) => Term::Label("STARRED".into()),
                Some(("is", "important")) => Term::Label("IMPORTANT".into()),
                Some(("in", "anywhere")) => {
                    query.searches_spam_or_trash = true;
                    continue;
                }
                Some(("in", place)) => {
                    if matches!(place, "spam" | "trash") {
                        query.searches_spam_or_trash = true;
                    }
                    Term::Label(place.to_uppercase())
                }
                Some(("label", name)) => Term::Label(name.to_uppercase()),
                Some(("category", "primary")) => Term::Label("CATEGORY_PERSONAL".into()),
                Some(("category", name)) => {
                    Term::Label(format!("CATEGORY_{}", name.to_uppercase()))
                }
                Some(("from", who)) => Term::From(who.to_owned()),
                Some(("to", who)) => Term::To(who.to_owned()),
                Some(("subject", what)) => Term::Subject(what.to_owned()),
                Some(("has", "attachment")) => Term::HasAttachment,
                _ => Term::Text(lower),
            };
            query.terms.push((negated, term));
        }
        query
    }

    /// Whether `message` matches every term.
    pub fn matches(&self, message: &StoredMessage) -> bool {
        self.terms.iter().all(|(negated, term)| {
            let hit = match term {
                Term::Label(l) => message.has_label(l),
                Term::NotLabel(l) => !message.has_label(l),
                Term::From(w) => header_contains(message, "From", w),
                Term::To(w) => {
                    header_contains(message, "To", w) || header_contains(message, "Cc", w)
                }
                Term::Subject(w) => header_contains(message, "Subject", w),
                Term::HasAttachment => !message.spec.attachments.is_empty(),
                Term::Text(t) => message.search_text().contains(t.as_str()),
            };
            hit != *negated
        })
    }
}

fn header_contains(message: &StoredMessage, name: &str, needle: &str) -> bool {
    message
        .header(name)
        .is_some_and(|v| v.to_lowercase().contains(needle))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokenises_quotes_and_negation() {
        assert_eq!(
            tokens(r#"is:unread subject:"a b"  x"#),
            vec!["is:unread", "subject:a b", "x"]
        );
        let q = Query::parse("-in:spam is:unread");
        assert_eq!(q.terms[0], (true, Term::Label("SPAM".into())));
        assert!(q.searches_spam_or_trash);
        assert_eq!(q.terms[1], (false, Term::Label("UNREAD".into())));
    }
}
