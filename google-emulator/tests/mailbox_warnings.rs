//! `EMULATOR_MAILBOX` skips what is not mail with a warning that names the file, and loads the
//! rest. (Its own test binary: it installs the process-wide log subscriber.)
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::Path;

use google_emulator::mailbox::Mailbox;

#[test]
fn files_that_are_not_mail_are_skipped_with_a_warning_naming_them() {
    let capture = testkit::logs::LogCapture::install_trace();
    let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");

    let folder = Mailbox::load(&fixtures.join("eml"), "alice@example.com").unwrap();
    assert_eq!(folder.messages().len(), 2);
    let mbox = Mailbox::load(&fixtures.join("takeout.mbox"), "alice@example.com").unwrap();
    assert_eq!(mbox.messages().len(), 4);

    let logs = capture.text();
    let warnings: Vec<&str> = logs
        .lines()
        .filter(|line| line.contains("WARN") && line.contains("skipping"))
        .collect();
    assert_eq!(warnings.len(), 2, "{logs}");
    assert!(warnings[0].contains("03-broken.eml"), "{logs}");
    assert!(warnings[1].contains("takeout.mbox message 5"), "{logs}");
    assert!(!logs.contains("notes.txt"), "only .eml files are read");
}
