//! One-off: writes the rendered demo mailboxes to `mailboxes/<kind>/`.

use super::*;

fn takeout_name(label: &str) -> String {
    match label {
        "UNREAD" => "Unread".into(),
        "STARRED" => "Starred".into(),
        "IMPORTANT" => "Important".into(),
        "INBOX" => "Inbox".into(),
        "SENT" => "Sent".into(),
        "SPAM" => "Spam".into(),
        "TRASH" => "Trash".into(),
        other => match other.strip_prefix("CATEGORY_") {
            Some(category) => {
                let lower = category.to_ascii_lowercase();
                format!("Category {}{}", lower[..1].to_ascii_uppercase(), &lower[1..])
            }
            None => panic!("{other}"),
        },
    }
}

fn slug(subject: &str) -> String {
    let mut slug = String::new();
    for c in subject.chars() {
        if c.is_ascii_alphanumeric() {
            slug.push(c.to_ascii_lowercase());
        } else if !slug.ends_with('-') && !slug.is_empty() {
            slug.push('-');
        }
        if slug.len() >= 40 {
            break;
        }
    }
    let slug = slug.trim_end_matches('-').to_string();
    if slug.is_empty() { "message".into() } else { slug }
}

#[test]
fn dump() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("mailboxes");
    for (kind, folder, owner) in [
        (MailboxKind::Large, "large", Owner { name: "Alice Example", email: "alice@example.com" }),
        (MailboxKind::Small, "small", Owner { name: "Bob Example", email: "bob@example.com" }),
        (MailboxKind::AllRead, "all-read", Owner { name: "Carol Example", email: "carol@example.com" }),
    ] {
        let dir = root.join(folder);
        std::fs::create_dir_all(&dir).unwrap();
        let mailbox = Mailbox::build_rendered(kind, &owner);
        // Corpus order = id order of creation.
        let mut by_index: Vec<&StoredMessage> = mailbox.messages().iter().collect();
        let index_of = |id: &str| (0..10_000).find(|i| message_id_for(owner.email, kind, *i) == id).unwrap();
        by_index.sort_by_key(|m| index_of(&m.id));
        for message in by_index {
            let index = index_of(&message.id);
            let stem = format!("{index:03}-{}", slug(&message.spec.subject));
            let labels: Vec<String> = message.label_ids.iter().map(|l| takeout_name(l)).collect();
            let date = chrono::DateTime::from_timestamp_millis(message.internal_date_ms).unwrap();
            let mut bytes = format!(
                "X-Gmail-Labels: {}\r\nX-Emulator-Internal-Date: {}\r\n",
                labels.join(","),
                date.to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
            )
            .into_bytes();
            bytes.extend_from_slice(&message.raw);
            std::fs::write(dir.join(format!("{stem}.eml")), bytes).unwrap();
            if message.spec.shape == MessageShape::HtmlOnly {
                std::fs::write(dir.join(format!("{stem}.txt")), format!("{}\n", message.spec.expected_text)).unwrap();
            }
        }
    }
}

#[test]
fn files_equal_the_rendered_mailboxes() {
    let owners = [
        (MailboxKind::Large, Owner { name: "Alice Example", email: "alice@example.com" }, true),
        (MailboxKind::Small, Owner { name: "Bob Example", email: "bob@example.com" }, true),
        (MailboxKind::AllRead, Owner { name: "Carol Example", email: "carol@example.com" }, true),
        (MailboxKind::Large, Owner { name: "Test User", email: "users@example.com" }, false),
        (MailboxKind::Large, Owner { name: "山田 花子", email: "hanako.yamada@example.jp" }, false),
        (MailboxKind::Small, Owner { name: "Grace Hopper", email: "grace@example.org" }, false),
    ];
    for (kind, owner, exact) in owners {
        let old = Mailbox::build_rendered(kind, &owner);
        let new = Mailbox::build(kind, &owner);
        assert_eq!(old.messages().len(), new.messages().len());
        assert_eq!(old.history_id(), new.history_id());
        for (a, b) in old.messages().iter().zip(new.messages()) {
            let context = format!("{kind:?} {} {:?}", a.id, a.spec.subject);
            assert_eq!(a.id, b.id, "{context}");
            assert_eq!(a.thread_id, b.thread_id, "{context}");
            assert_eq!(a.label_ids, b.label_ids, "{context}");
            assert_eq!(a.internal_date_ms, b.internal_date_ms, "{context}");
            assert_eq!(a.history_id, b.history_id, "{context}");
            let mut spec_b = b.spec.clone();
            if exact {
                assert_eq!(a.raw, b.raw, "{context}");
                assert_eq!(a.snippet, b.snippet, "{context}");
                assert_eq!(a.search_text, b.search_text, "{context}");
                assert_eq!(a.to_gmail_json(MessageFormat::Full, &[]), b.to_gmail_json(MessageFormat::Full, &[]), "{context}");
            } else {
                // Owner rewritten in headers only; bodies keep the demo greeting.
                spec_b.expected_text = a.spec.expected_text.clone();
                spec_b.transfer_encoding = a.spec.transfer_encoding.clone();
                for (x, y) in a.spec.attachments.iter().zip(spec_b.attachments.iter_mut()) {
                    y.size = x.size;
                }
            }
            assert_eq!(a.spec, spec_b, "{context}");
        }
    }
}
