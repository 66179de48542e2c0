//! The demo Google accounts: who can sign in at the emulator and which mailbox each one has.

use crate::mailbox::MailboxKind;

/// A demo account, with Google's stable numeric `sub`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DemoAccount {
    pub sub: &'static str,
    pub email: &'static str,
    pub name: &'static str,
    pub mailbox: MailboxKind,
}

/// All demo accounts; the first is the default (large mailbox, the one demos and benchmarks use).
pub const DEMO_ACCOUNTS: &[DemoAccount] = &[
    DemoAccount {
        sub: "104216548201937465021",
        email: "alice@example.com",
        name: "Alice Example",
        mailbox: MailboxKind::Large,
    },
    DemoAccount {
        sub: "109873450129834765102",
        email: "bob@example.com",
        name: "Bob Example",
        mailbox: MailboxKind::Small,
    },
    DemoAccount {
        sub: "112093487561203948576",
        email: "carol@example.com",
        name: "Carol Example",
        mailbox: MailboxKind::AllRead,
    },
];

/// Index of the account with this address (case-insensitive), as a `login_hint` names it.
pub fn find_by_email(email: &str) -> Option<usize> {
    DEMO_ACCOUNTS
        .iter()
        .position(|a| a.email.eq_ignore_ascii_case(email.trim()))
}
