//! The one policy for a sender's HTML: what of it may be shown (`ammonia`, an allow-list
//! sanitiser; nothing here parses HTML by hand).
//!
//! gmail-service applies [`sanitise`] to a message's HTML part and answers it as `body_html`;
//! the frontend applies [`for_display`] to that answer to decide, per image, what the page may
//! load (nothing, by default: see `frontend/src/http/mail_frame.rs`). Both run the same policy,
//! so what the frontend shows never holds more than the API answered.
//!
//! What passes: text formatting, tables and their layout attributes, links (`http`, `https`,
//! `mailto`, `tel`; they open in a new tab with `rel="noopener noreferrer"`), images (`http`,
//! `https`, `cid:`), and inline `style` limited to [`STYLE_PROPERTIES`] (none of which can name
//! a URL). What never passes: script and its event attributes, `javascript:` and every other
//! scheme, forms and their controls, frames, objects, SVG and MathML, `<style>` sheets (they
//! cannot be filtered, so their contents go), `<base>`, `<meta>`, `<link>`, comments, relative
//! URLs (mail has no base to resolve them against), `id` and `class` (they could reach into the
//! page around the mail). The isolation (a sandboxed frame with its own CSP) is the second
//! wall; this is the first.

use std::{borrow::Cow, collections::HashSet};

use ammonia::{Builder, UrlRelative};

/// Elements besides ammonia's defaults that mail is written with.
const EXTRA_TAGS: &[&str] = &["center", "font"];

/// Inline CSS properties a message may set: layout and typography, none that takes a URL
/// (`background`, `background-image`, `list-style`, `content`, `cursor`, `border-image`) or
/// can leave the message's box (`position`, `z-index`).
pub const STYLE_PROPERTIES: &[&str] = &[
    "background-color",
    "border",
    "border-bottom",
    "border-bottom-color",
    "border-bottom-style",
    "border-bottom-width",
    "border-collapse",
    "border-color",
    "border-left",
    "border-left-color",
    "border-left-style",
    "border-left-width",
    "border-radius",
    "border-right",
    "border-right-color",
    "border-right-style",
    "border-right-width",
    "border-spacing",
    "border-style",
    "border-top",
    "border-top-color",
    "border-top-style",
    "border-top-width",
    "border-width",
    "clear",
    "color",
    "direction",
    "display",
    "float",
    "font",
    "font-family",
    "font-size",
    "font-style",
    "font-variant",
    "font-weight",
    "height",
    "letter-spacing",
    "line-height",
    "list-style-type",
    "margin",
    "margin-bottom",
    "margin-left",
    "margin-right",
    "margin-top",
    "max-height",
    "max-width",
    "min-height",
    "min-width",
    "overflow",
    "padding",
    "padding-bottom",
    "padding-left",
    "padding-right",
    "padding-top",
    "table-layout",
    "text-align",
    "text-decoration",
    "text-indent",
    "text-transform",
    "vertical-align",
    "white-space",
    "width",
    "word-break",
    "word-spacing",
];

/// The URL schemes that may appear at all; [`allowed_url`] narrows them per attribute.
const URL_SCHEMES: &[&str] = &["http", "https", "mailto", "tel", "cid"];

/// Whether `value` may stay as `attribute` of `element` (after ammonia's scheme check).
fn allowed_url(element: &str, attribute: &str, value: &str) -> bool {
    let scheme = value
        .split_once(':')
        .map(|(scheme, _)| scheme.trim().to_ascii_lowercase());
    match (element, attribute, scheme.as_deref()) {
        ("img", "src", Some("http" | "https" | "cid")) => true,
        ("img", "src", _) => false,
        ("a", "href", Some("http" | "https" | "mailto" | "tel")) => true,
        ("a", "href", _) => false,
        _ => true,
    }
}

fn policy(relative: UrlRelative<'static>) -> Builder<'static> {
    let mut builder = Builder::default();
    builder
        .add_tags(EXTRA_TAGS)
        .add_generic_attributes(["style", "dir", "align"])
        .add_tag_attributes("a", ["title"])
        .add_tag_attributes("font", ["color", "face", "size"])
        .add_tag_attributes(
            "table",
            [
                "width",
                "height",
                "bgcolor",
                "border",
                "cellpadding",
                "cellspacing",
            ],
        )
        .add_tag_attributes("tr", ["valign", "bgcolor"])
        .add_tag_attributes("td", ["width", "height", "valign", "bgcolor", "nowrap"])
        .add_tag_attributes("th", ["width", "height", "valign", "bgcolor", "nowrap"])
        .add_tag_attributes("img", ["border"])
        .filter_style_properties(STYLE_PROPERTIES.iter().copied().collect::<HashSet<_>>())
        .url_schemes(URL_SCHEMES.iter().copied().collect::<HashSet<_>>())
        .url_relative(relative)
        .link_rel(Some("noopener noreferrer"))
        .set_tag_attribute_value("a", "target", "_blank")
        .strip_comments(true);
    builder
}

/// A sender's HTML as it may be shown: [the policy](self) applied, images left as they are
/// (`http`, `https` or `cid:`).
pub fn sanitise(html: &str) -> String {
    let mut builder = policy(UrlRelative::Deny);
    builder.attribute_filter(|element, attribute, value| {
        allowed_url(element, attribute, value).then_some(Cow::Borrowed(value))
    });
    builder.clean(html).to_string()
}

/// What the page shows of a sender's HTML: [`sanitise`]d, then every image's `src` put through
/// `image` (its answer, which may be a URL of the page's own origin, replaces the `src`; `None`
/// drops it, keeping `alt` and the size).
pub fn for_display<F>(html: &str, image: F) -> String
where
    F: Fn(&str) -> Option<String> + Send + Sync + 'static,
{
    let clean = sanitise(html);
    // Relative URLs are gone from `clean`: the only ones now are those `image` makes.
    let mut builder = policy(UrlRelative::PassThrough);
    builder.attribute_filter(move |element, attribute, value| {
        if !allowed_url(element, attribute, value) {
            return None;
        }
        if (element, attribute) == ("img", "src") {
            return image(value).map(Cow::Owned);
        }
        Some(Cow::Borrowed(value))
    });
    builder.clean(&clean).to_string()
}

/// Whether the sanitised HTML would load anything from a sender's server (an `http(s)` image).
pub fn has_remote_images(html: &str) -> bool {
    let seen = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let found = std::sync::Arc::clone(&seen);
    for_display(html, move |src| {
        let scheme = src.split_once(':').map(|(s, _)| s.to_ascii_lowercase());
        if matches!(scheme.as_deref(), Some("http" | "https")) {
            found.store(true, std::sync::atomic::Ordering::Relaxed);
        }
        None
    });
    seen.load(std::sync::atomic::Ordering::Relaxed)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn newsletter_markup_survives() {
        let html = r##"<center><table width="600" cellpadding="4" bgcolor="#ffffff"><tr><td align="center" style="color: #333; font-size: 16px">Hello <b>there</b> <font color="red">sale</font></td></tr></table></center>"##;
        let clean = sanitise(html);
        assert!(
            clean.contains(r##"<table width="600" cellpadding="4" bgcolor="#ffffff">"##),
            "{clean}"
        );
        assert!(
            clean.contains(r##"style="color:#333;font-size:16px""##),
            "{clean}"
        );
        assert!(clean.contains(r#"<font color="red">"#), "{clean}");
        assert!(clean.contains("<center>"), "{clean}");
    }

    #[test]
    fn links_open_apart_and_only_known_schemes_stay() {
        let clean = sanitise(
            r#"<a href="https://example.com/x">a</a><a href="javascript:alert(1)">b</a><a href="cid:part">c</a><a href="/relative">d</a><a href="mailto:a@example.com">e</a>"#,
        );
        assert!(
            clean.contains(
                r#"<a href="https://example.com/x" target="_blank" rel="noopener noreferrer">a</a>"#
            ),
            "{clean}"
        );
        assert!(!clean.contains("javascript"), "{clean}");
        assert!(!clean.contains("cid:"), "{clean}");
        assert!(!clean.contains("/relative"), "{clean}");
        assert!(clean.contains("mailto:a@example.com"), "{clean}");
    }

    #[test]
    fn styles_that_could_fetch_or_escape_are_dropped() {
        let clean = sanitise(
            r#"<p style="background-image: url(https://tracker.example/p.gif); position: fixed; z-index: 9; color: blue; background: url(x)">x</p><style>body{background:url(https://t.example)}</style>"#,
        );
        assert_eq!(clean, r#"<p style="color:blue">x</p>"#);
    }

    #[test]
    fn images_keep_their_source_until_displayed() {
        let html = r#"<img src="https://img.example/a.png" alt="A" width="10"><img src="cid:logo@x" alt="L"><img src="data:image/png;base64,AAAA" alt="D">"#;
        let clean = sanitise(html);
        assert!(
            clean.contains(r#"src="https://img.example/a.png""#),
            "{clean}"
        );
        assert!(clean.contains(r#"src="cid:logo@x""#), "{clean}");
        assert!(!clean.contains("data:"), "{clean}");
        let hidden = for_display(&clean, |_| None);
        assert!(!hidden.contains("src="), "{hidden}");
        assert!(
            hidden.contains(r#"alt="A""#) && hidden.contains(r#"width="10""#),
            "{hidden}"
        );
        let proxied = for_display(html, |src| Some(format!("/proxy?u={}", src.len())));
        assert!(proxied.contains(r#"src="/proxy?u=25""#), "{proxied}");
        assert!(proxied.contains(r#"src="/proxy?u=10""#), "{proxied}");
        // Raw HTML goes through the whole policy first.
        let raw = for_display(
            r#"<a href="/x">x</a><img src="javascript:alert(1)">"#,
            |s| Some(s.to_owned()),
        );
        assert_eq!(
            raw,
            "<a target=\"_blank\" rel=\"noopener noreferrer\">x</a><img>"
        );
        assert!(has_remote_images(html));
        assert!(!has_remote_images(
            r#"<img src="cid:a"><p style="color:red">x</p>"#
        ));
    }
}
