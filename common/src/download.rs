//! How a mail attachment is handed to a browser: always as a download, never in a type the
//! browser would render or run. gmail-service answers attachments with these headers and the
//! frontend, passing them on, applies them again.

use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};

/// The type every attachment a browser could run is sent as.
pub const OCTET_STREAM: &str = "application/octet-stream";

/// Types a browser renders as a document or runs as script: HTML, SVG and every XML, script,
/// style sheets, WebAssembly, and anything not a plain `type/subtype`.
fn runs_in_a_browser(essence: &str) -> bool {
    const RUN: &[&str] = &[
        "text/html",
        "application/xhtml+xml",
        "image/svg+xml",
        "text/xml",
        "application/xml",
        "text/xsl",
        "text/javascript",
        "text/ecmascript",
        "text/x-javascript",
        "application/javascript",
        "application/ecmascript",
        "application/x-javascript",
        "application/x-ecmascript",
        "text/css",
        "application/wasm",
        "text/cache-manifest",
        "application/x-shockwave-flash",
        "text/vtt",
    ];
    RUN.contains(&essence)
        || essence.ends_with("+xml")
        || essence.ends_with("/xml")
        || essence.starts_with("multipart/")
        || essence.starts_with("message/")
}

/// The `Content-Type` to send an attachment of declared type `mime` with: its `type/subtype`
/// (lower case, no parameters) when harmless, else [`OCTET_STREAM`].
pub fn content_type(mime: &str) -> String {
    let essence = mime
        .split(';')
        .next()
        .unwrap_or_default()
        .trim()
        .to_ascii_lowercase();
    let token = |s: &str| {
        !s.is_empty()
            && s.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"!#$&-^_.+".contains(&b))
    };
    match essence.split_once('/') {
        Some((kind, sub)) if token(kind) && token(sub) && !runs_in_a_browser(&essence) => essence,
        _ => OCTET_STREAM.to_owned(),
    }
}

/// RFC 5987's `attr-char`: what `filename*` may carry unencoded.
const ATTR_CHAR: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'!')
    .remove(b'#')
    .remove(b'$')
    .remove(b'&')
    .remove(b'+')
    .remove(b'-')
    .remove(b'.')
    .remove(b'^')
    .remove(b'_')
    .remove(b'`')
    .remove(b'|')
    .remove(b'~');

/// The longest file name offered (characters).
const MAX_NAME: usize = 200;

/// `Content-Disposition: attachment` with the file name: a plain-ASCII `filename` (anything
/// else, quotes, backslashes, path separators and control characters as `_`) and the whole
/// name as `filename*` (UTF-8, percent-encoded); no path survives.
pub fn content_disposition(filename: &str) -> String {
    let name: String = filename
        .rsplit(['/', '\\'])
        .next()
        .unwrap_or_default()
        .chars()
        .filter(|c| !c.is_control())
        .take(MAX_NAME)
        .collect();
    let name = name.trim().trim_start_matches('.').trim();
    let name = if name.is_empty() { "attachment" } else { name };
    let ascii: String = name
        .chars()
        .map(|c| match c {
            ' '..='~' if c != '"' && c != '\\' => c,
            _ => '_',
        })
        .collect();
    format!(
        "attachment; filename=\"{ascii}\"; filename*=UTF-8''{}",
        utf8_percent_encode(name, ATTR_CHAR)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn types_a_browser_would_run_are_sent_as_bytes() {
        for runs in [
            "text/html",
            "TEXT/HTML; charset=utf-8",
            "image/svg+xml",
            "application/xhtml+xml",
            "text/xml",
            "application/rss+xml",
            "application/javascript",
            "text/javascript",
            "text/css",
            "multipart/related",
            "message/rfc822",
            "application/wasm",
            "",
            "nonsense",
            "text/html\r\nX-Injected: 1",
            "a/b c",
        ] {
            assert_eq!(content_type(runs), OCTET_STREAM, "{runs:?}");
        }
        assert_eq!(content_type("application/PDF"), "application/pdf");
        assert_eq!(content_type("image/png; name=\"x.png\""), "image/png");
        // Parameters never pass: nothing of them reaches the header.
        assert_eq!(content_type("image/png; x=\"a\r\n\""), "image/png");
        assert_eq!(content_type("text/plain; charset=iso-8859-1"), "text/plain");
        assert_eq!(
            content_type("application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
        );
    }

    #[test]
    fn file_names_lose_paths_quotes_and_control_characters() {
        assert_eq!(
            content_disposition("report.pdf"),
            "attachment; filename=\"report.pdf\"; filename*=UTF-8''report.pdf"
        );
        assert_eq!(
            content_disposition("../../etc/passwd"),
            "attachment; filename=\"passwd\"; filename*=UTF-8''passwd"
        );
        assert_eq!(
            content_disposition("C:\\Users\\a\\evil\".html\r\nX: y"),
            "attachment; filename=\"evil_.htmlX: y\"; filename*=UTF-8''evil%22.htmlX%3A%20y"
        );
        assert_eq!(
            content_disposition("請求書 2026.pdf"),
            "attachment; filename=\"___ 2026.pdf\"; filename*=UTF-8''%E8%AB%8B%E6%B1%82%E6%9B%B8%202026.pdf"
        );
        assert_eq!(
            content_disposition(".."),
            "attachment; filename=\"attachment\"; filename*=UTF-8''attachment"
        );
        assert_eq!(content_disposition(""), content_disposition("/"));
        let long = content_disposition(&"a".repeat(1_000));
        assert!(long.len() < 500);
    }
}
