//! Who can sign in at the emulator and which mailbox each one has: the three demo accounts,
//! plus, for load tests and benchmarks, any number of generated ones (`EMULATOR_EXTRA_ACCOUNTS`).
//!
//! Accounts are numbered: the demo accounts first (0 is the default, alice), then the generated
//! `user1@example.com`, `user2@example.com`, … Grants, tokens and quota windows refer to an
//! account by that number.

use std::{collections::HashMap, sync::Arc};

use crate::mailbox::{Mailbox, MailboxKind, Owner};

/// The most generated accounts the emulator accepts (they share one mailbox, so the limit is
/// about the consent page and the `/emulator/accounts` listing, not memory).
pub const MAX_EXTRA_ACCOUNTS: usize = 100_000;

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

/// The address of generated account number `n` (1-based).
pub fn extra_account_email(n: usize) -> String {
    format!("user{n}@example.com")
}

/// One account the emulator knows.
#[derive(Clone, Debug)]
pub struct Account {
    /// Google's stable numeric subject (21 digits).
    pub sub: String,
    pub email: String,
    pub name: String,
    /// The account's mail. Generated accounts share one.
    pub mailbox: Arc<Mailbox>,
}

/// Every account, by number, with a lookup by address.
#[derive(Debug)]
pub struct Accounts {
    all: Vec<Account>,
    by_email: HashMap<String, usize>,
}

impl Accounts {
    /// The demo accounts followed by `extra` generated ones. The generated accounts all hold the
    /// same large mailbox (built once, for the owner "Test User <users@example.com>"): as in
    /// Gmail, message ids are per mailbox, so the same id in two accounts is two messages.
    pub fn build(extra: usize) -> Self {
        Self::build_with(extra, None)
    }

    /// As [`Self::build`], the default account (alice) holding `default_mailbox` when given
    /// (`EMULATOR_MAILBOX`) instead of the large demo mailbox.
    pub fn build_with(extra: usize, default_mailbox: Option<Mailbox>) -> Self {
        let mut default_mailbox = default_mailbox;
        let mut all: Vec<Account> = DEMO_ACCOUNTS
            .iter()
            .enumerate()
            .map(|(index, a)| Account {
                sub: a.sub.to_owned(),
                email: a.email.to_owned(),
                name: a.name.to_owned(),
                mailbox: Arc::new(
                    (if index == 0 {
                        default_mailbox.take()
                    } else {
                        None
                    })
                    .unwrap_or_else(|| {
                        Mailbox::build(
                            a.mailbox,
                            &Owner {
                                name: a.name,
                                email: a.email,
                            },
                        )
                    }),
                ),
            })
            .collect();
        if extra > 0 {
            let shared = Arc::new(Mailbox::build(
                MailboxKind::Large,
                &Owner {
                    name: "Test User",
                    email: "users@example.com",
                },
            ));
            all.extend((1..=extra).map(|n| Account {
                // 21 digits like Google's, never equal to a demo account's (those start with 1).
                sub: format!("3{n:020}"),
                email: extra_account_email(n),
                name: format!("Test User {n}"),
                mailbox: Arc::clone(&shared),
            }));
        }
        let by_email = all
            .iter()
            .enumerate()
            .map(|(i, a)| (a.email.to_ascii_lowercase(), i))
            .collect();
        Self { all, by_email }
    }

    /// Account number `index`.
    pub fn get(&self, index: usize) -> Option<&Account> {
        self.all.get(index)
    }

    /// The number of the account with this address (case-insensitive), as a `login_hint` names it.
    pub fn find(&self, email: &str) -> Option<usize> {
        self.by_email
            .get(&email.trim().to_ascii_lowercase())
            .copied()
    }

    pub fn len(&self) -> usize {
        self.all.len()
    }

    pub fn is_empty(&self) -> bool {
        self.all.is_empty()
    }

    /// All accounts in number order.
    pub fn iter(&self) -> impl Iterator<Item = &Account> {
        self.all.iter()
    }
}
