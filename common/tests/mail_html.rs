//! The mail HTML policy (`common::mail_html`) against a public XSS corpus: every code block of
//! OWASP's XSS Filter Evasion Cheat Sheet (`tests/data/owasp-xss-filter-evasion.txt`, its
//! source and licence in its header), alone and wrapped in an ordinary message.
//!
//! What comes out is read back as ammonia writes it (lower-case names, every attribute value
//! in double quotes with `"` escaped, `<` escaped in text), and must hold no element that can
//! run, load, frame or submit anything, no event attribute, no URL outside the allowed schemes,
//! no style that can fetch or escape its box; and sanitising it again changes nothing.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use common::mail_html::{for_display, sanitise};

const CORPUS: &str = include_str!("data/owasp-xss-filter-evasion.txt");

fn vectors() -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = Vec::new();
    for line in CORPUS.lines() {
        if line.starts_with('#') && out.is_empty() {
            continue;
        }
        if let Some(title) = line.strip_prefix("==== ") {
            out.push((title.to_owned(), String::new()));
        } else if let Some((_, body)) = out.last_mut() {
            body.push_str(line);
            body.push('\n');
        }
    }
    out
}

/// One start tag as ammonia serialises it: its name and attributes.
#[derive(Debug)]
struct Tag {
    name: String,
    attributes: Vec<(String, String)>,
}

/// The start tags of ammonia's output; panics on anything it would not write.
fn start_tags(html: &str) -> Vec<Tag> {
    let bytes = html.as_bytes();
    let mut tags = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] != b'<' {
            assert_ne!(bytes[i], b'>', "a bare > in text: {html}");
            i += 1;
            continue;
        }
        i += 1;
        let closing = bytes.get(i) == Some(&b'/');
        if closing {
            i += 1;
        }
        let start = i;
        while i < bytes.len() && bytes[i].is_ascii_alphanumeric() {
            i += 1;
        }
        let name = html[start..i].to_owned();
        assert!(!name.is_empty(), "a < that starts no tag: {html}");
        assert_eq!(name, name.to_ascii_lowercase());
        let mut attributes = Vec::new();
        loop {
            while bytes[i] == b' ' {
                i += 1;
            }
            if bytes[i] == b'>' {
                i += 1;
                break;
            }
            assert!(!closing, "a closing tag with attributes: {html}");
            let start = i;
            while bytes[i] != b'=' && bytes[i] != b' ' && bytes[i] != b'>' {
                i += 1;
            }
            let attribute = html[start..i].to_owned();
            let mut value = String::new();
            if bytes[i] == b'=' {
                assert_eq!(bytes[i + 1], b'"', "an unquoted value: {html}");
                let from = i + 2;
                let to = from + html[from..].find('"').expect("an unterminated value");
                value = html[from..to].to_owned();
                i = to + 1;
            }
            attributes.push((attribute, value));
        }
        if !closing {
            tags.push(Tag { name, attributes });
        }
    }
    tags
}

/// Elements that run, load, frame, submit, restyle or navigate: none may come out.
const NEVER: &[&str] = &[
    "script", "style", "iframe", "frame", "frameset", "object", "embed", "applet", "form", "input",
    "button", "textarea", "select", "option", "svg", "math", "link", "meta", "base", "body",
    "html", "head", "title", "video", "audio", "source", "bgsound", "layer", "ilayer", "xml",
    "xss", "isindex", "marquee", "template", "portal", "noscript", "animate", "set", "use",
];

fn decoded(value: &str) -> String {
    value
        .replace("&quot;", "\"")
        .replace("&amp;", "&")
        .replace("&nbsp;", "\u{a0}")
}

fn check(vector: &str, clean: &str, allowed_src: &[&str]) {
    for tag in start_tags(clean) {
        assert!(
            !NEVER.contains(&tag.name.as_str()),
            "<{}> from {vector:?}: {clean}",
            tag.name
        );
        for (name, value) in &tag.attributes {
            let value = decoded(value);
            assert!(!name.starts_with("on"), "{name} from {vector:?}: {clean}");
            assert!(
                !["id", "class", "srcset", "background", "formaction", "xmlns"]
                    .contains(&name.as_str()),
                "{name} from {vector:?}: {clean}"
            );
            let lower = value.to_ascii_lowercase();
            for bad in ["javascript:", "vbscript:", "livescript:", "data:"] {
                assert!(
                    !lower.contains(bad),
                    "{bad} in {name} from {vector:?}: {clean}"
                );
            }
            if name == "style" {
                for bad in [
                    "url(",
                    "expression",
                    "behavior",
                    "position",
                    "-moz-binding",
                    "@import",
                    "z-index",
                ] {
                    assert!(
                        !lower.contains(bad),
                        "{bad} in style from {vector:?}: {clean}"
                    );
                }
            }
            if name == "href" {
                let scheme = lower.split(':').next().unwrap();
                assert!(
                    ["http", "https", "mailto", "tel"].contains(&scheme),
                    "href {value:?} from {vector:?}"
                );
                assert!(
                    value.contains(':'),
                    "a relative href {value:?} from {vector:?}"
                );
            }
            if name == "src" {
                assert!(
                    allowed_src.iter().any(|s| lower.starts_with(s)),
                    "src {value:?} from {vector:?}"
                );
            }
        }
    }
}

#[test]
fn the_corpus_is_the_whole_cheat_sheet() {
    let vectors = vectors();
    assert_eq!(vectors.len(), 110);
    assert!(vectors.iter().all(|(_, body)| !body.trim().is_empty()));
    assert!(vectors.iter().any(|(_, b)| b.contains("<SCRIPT")));
}

#[test]
fn no_vector_of_the_corpus_survives_sanitising() {
    for (title, vector) in vectors() {
        for input in [
            vector.clone(),
            format!(
                "<div><p>Dear reader,</p>{vector}<table><tr><td>{vector}</td></tr></table></div>"
            ),
        ] {
            let clean = sanitise(&input);
            check(
                &format!("{title}: {vector}"),
                &clean,
                &["http:", "https:", "cid:"],
            );
            assert_eq!(sanitise(&clean), clean, "not stable: {title}");
        }
    }
}

#[test]
fn no_vector_of_the_corpus_loads_anything_when_displayed_without_images() {
    for (title, vector) in vectors() {
        let shown = for_display(&vector, |_| None);
        check(&format!("{title}: {vector}"), &shown, &[]);
        assert!(!shown.contains(" src="), "{title}: {shown}");
    }
}

#[test]
fn displayed_images_are_only_what_the_page_makes_of_them() {
    for (title, vector) in vectors() {
        let shown = for_display(&vector, |_| Some("/image/1".to_owned()));
        check(&format!("{title}: {vector}"), &shown, &["/image/1"]);
    }
}
