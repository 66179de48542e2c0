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
