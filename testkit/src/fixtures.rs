//! Mail written to attack the reader, kept as data in `testkit/fixtures/`.

/// A message whose HTML part tries everything a sender could to run script, load from its own
/// server, submit a form, navigate the reader's page or draw over it
/// (`testkit/fixtures/hostile-html.eml`); every URL it would reach is on `canary` (a host and
/// port: a test server that counts what reaches it, or a name that never resolves). The text
/// part and the harmless parts (a Japanese line with an emoji, bold, an `https` link, a green
/// paragraph) show what must survive.
pub fn hostile_html_mail(canary: &str) -> String {
    include_str!("../fixtures/hostile-html.eml")
        .replace("CANARY", canary)
        .replace('\n', "\r\n")
}

/// A newsletter with its logo and picture on `images` (a host and port, e.g. a
/// [`crate::image_server::ImageServer`]'s): `testkit/fixtures/newsletter.eml`.
pub fn newsletter_mail(images: &str) -> String {
    include_str!("../fixtures/newsletter.eml")
        .replace("IMAGES", images)
        .replace('\n', "\r\n")
}

/// A message with a short text part and one base64 part per `(filename, content type, bytes)`,
/// each `Content-Disposition: attachment`; Gmail numbers its parts `0` (the text), `1`, `2`, …
pub fn mail_with_attachments(subject: &str, files: &[(&str, &str, &[u8])]) -> String {
    use base64::Engine;
    let mut raw = format!(
        "From: Ann Example <ann@example.com>\r\nDate: Sat, 05 Dec 2026 09:00:00 +0000\r\n\
         Subject: {subject}\r\nMIME-Version: 1.0\r\n\
         Content-Type: multipart/mixed; boundary=\"attached\"\r\n\r\n\
         --attached\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nFiles attached.\r\n"
    );
    for (filename, content_type, bytes) in files {
        let encoded = base64::engine::general_purpose::STANDARD.encode(bytes);
        raw.push_str(&format!(
            "--attached\r\nContent-Type: {content_type}\r\n\
             Content-Disposition: attachment; filename*=UTF-8''{}\r\n\
             Content-Transfer-Encoding: base64\r\n\r\n",
            percent_encode(filename)
        ));
        for line in encoded.as_bytes().chunks(76) {
            raw.push_str(std::str::from_utf8(line).unwrap_or_default());
            raw.push_str("\r\n");
        }
    }
    raw.push_str("--attached--\r\n");
    raw
}

fn percent_encode(name: &str) -> String {
    name.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}
