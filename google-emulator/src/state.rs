//! The emulator's memory: pending authorization requests, authorization codes, grants with their
//! access and refresh tokens, per-user quota windows, request counters, the fault plan, and the
//! mailboxes changed since start-up (mail delivered, labels changed, messages deleted; copy on
//! write, history trimmed to `EMULATOR_HISTORY_RETENTION`). Beside it: the Gmail requests in
//! flight per account (`EMULATOR_MAX_CONCURRENT_PER_USER`, released by an [`InFlight`] guard)
//! and the push side ([`Pusher`]: watches, delivery), each with its own lock.
//!
//! Everything else lives behind one mutex; the emulator is a test double, and a single lock keeps
//! the OAuth rules (single-use codes, revocation of everything a grant issued) easy to see.

use std::{
    collections::{BTreeMap, BTreeSet, HashMap, VecDeque},
    sync::{Arc, Mutex},
    time::{Duration, Instant},
};

use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use rand::{RngCore, rngs::StdRng};

use crate::{
    accounts::Accounts,
    config::EmulatorConfig,
    faults::{Fault, FaultPlan, FaultShares, fault_rng},
    mailbox::{HistoryRecord, Mailbox},
    oauth::id_token::IdTokenSigner,
    push::Pusher,
};

/// Google keeps at most this many live refresh tokens per account and client.
pub const MAX_REFRESH_TOKENS_PER_GRANT: usize = 100;

/// How the PKCE challenge was made.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ChallengeMethod {
    Plain,
    S256,
}

/// An authorization request waiting for the person's decision on the consent page.
#[derive(Clone, Debug)]
pub struct PendingAuthorization {
    pub client_id: String,
    pub redirect_uri: String,
    pub scopes: BTreeSet<String>,
    pub state: Option<String>,
    pub challenge: Option<(String, ChallengeMethod)>,
    pub offline: bool,
    pub prompt_consent: bool,
    pub include_granted_scopes: bool,
    pub login_hint: Option<usize>,
    pub nonce: Option<String>,
    pub created: Instant,
}

/// An issued authorization code.
#[derive(Clone, Debug)]
pub struct AuthorizationCode {
    pub client_id: String,
    pub redirect_uri: String,
    pub account: usize,
    pub scopes: BTreeSet<String>,
    pub challenge: Option<(String, ChallengeMethod)>,
    pub nonce: Option<String>,
    /// A refresh token is issued with this code (offline, and first consent or prompt=consent).
    pub issue_refresh_token: bool,
    pub expires: Instant,
    pub used: bool,
    /// Tokens issued when the code was redeemed; revoked if it is presented again.
    pub issued: Vec<String>,
}

/// What one account granted one client.
#[derive(Clone, Debug)]
pub struct Grant {
    pub account: usize,
    pub client_id: String,
    pub scopes: BTreeSet<String>,
    /// Live refresh tokens, oldest first.
    pub refresh_tokens: VecDeque<String>,
}

/// A live access token.
#[derive(Clone, Debug)]
pub struct AccessToken {
    pub account: usize,
    pub client_id: String,
    pub scopes: BTreeSet<String>,
    pub expires: Instant,
    pub grant: u64,
}

/// Requests seen, by kind (e.g. `token.refresh_token`, `gmail.messages.get`).
pub type RequestCounts = BTreeMap<String, u64>;

/// The mutable part of the emulator.
pub struct Store {
    pub pending: HashMap<String, PendingAuthorization>,
    pub codes: HashMap<String, AuthorizationCode>,
    pub grants: HashMap<u64, Grant>,
    pub access_tokens: HashMap<String, AccessToken>,
    /// refresh token -> grant id
    pub refresh_tokens: HashMap<String, u64>,
    next_grant: u64,
    pub counts: RequestCounts,
    pub faults: FaultPlan,
    rng: StdRng,
    /// Per account: start of the current quota minute and units used in it.
    quota: HashMap<usize, (Instant, u32)>,
    /// Lifetime of access tokens issued from now on (starts as `EMULATOR_TOKEN_TTL_SECS`).
    token_ttl: Duration,
    /// The mailboxes changed since start-up, by account; the others are as [`Accounts`] built them.
    changed_mailboxes: HashMap<usize, Arc<Mailbox>>,
}

/// Shared, immutable configuration and the mutable [`Store`].
pub struct EmulatorState {
    pub config: EmulatorConfig,
    /// Base URL browsers see, without a trailing slash.
    pub public_url: String,
    /// `iss` of id_tokens and authorization responses.
    pub issuer: String,
    /// Who can sign in, and their mail.
    pub accounts: Accounts,
    pub id_tokens: IdTokenSigner,
    pub store: Mutex<Store>,
    /// Watches and push delivery.
    pub push: Pusher,
    /// Gmail API requests in flight, by account (kept only with a concurrency limit).
    in_flight: Arc<Mutex<HashMap<usize, usize>>>,
}

/// One Gmail request of an account counted as in flight; dropping it (the answer is sent, the
/// handler failed, or the client went away and the request was dropped) releases the slot.
#[derive(Debug)]
pub struct InFlight {
    counts: Arc<Mutex<HashMap<usize, usize>>>,
    account: usize,
}

impl Drop for InFlight {
    fn drop(&mut self) {
        let mut counts = self
            .counts
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if let Some(n) = counts.get_mut(&self.account) {
            *n = n.saturating_sub(1);
            if *n == 0 {
                counts.remove(&self.account);
            }
        }
    }
}

/// A Gmail request refused because the account already has as many in flight as allowed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TooManyConcurrent;

/// A random URL-safe token of `bytes` random bytes after `prefix`.
pub fn random_token(prefix: &str, bytes: usize) -> String {
    let mut buf = vec![0u8; bytes];
    rand::rng().fill_bytes(&mut buf);
    format!("{prefix}{}", URL_SAFE_NO_PAD.encode(buf))
}

impl EmulatorState {
    /// Builds the state; `public_url` is known only once the listener is bound.
    pub fn new(config: EmulatorConfig, public_url: String) -> anyhow::Result<Self> {
        let issuer = config.issuer.clone().unwrap_or_else(|| public_url.clone());
        let default_mailbox = match &config.mailbox_path {
            Some(path) => {
                let owner = crate::accounts::DEMO_ACCOUNTS[0].email;
                let mailbox = Mailbox::load(path, owner)
                    .map_err(|e| anyhow::anyhow!("EMULATOR_MAILBOX: {e}"))?;
                tracing::info!(
                    path = %path.display(),
                    messages = mailbox.messages().len(),
                    account = owner,
                    "loaded EMULATOR_MAILBOX"
                );
                Some(mailbox)
            }
            None => None,
        };
        let accounts = Accounts::build_with(config.extra_accounts, default_mailbox);
        let store = Store {
            pending: HashMap::new(),
            codes: HashMap::new(),
            grants: HashMap::new(),
            access_tokens: HashMap::new(),
            refresh_tokens: HashMap::new(),
            next_grant: 1,
            counts: RequestCounts::new(),
            faults: config.faults,
            rng: fault_rng(config.fault_seed),
            quota: HashMap::new(),
            token_ttl: config.token_ttl,
            changed_mailboxes: HashMap::new(),
        };
        Ok(Self {
            push: Pusher::new(config.push.clone(), issuer.clone())?,
            public_url,
            issuer,
            accounts,
            id_tokens: IdTokenSigner::new()?,
            store: Mutex::new(store),
            in_flight: Arc::new(Mutex::new(HashMap::new())),
            config,
        })
    }

    /// The mailbox of account number `account` as it was built at start-up (the demo mail,
    /// which tests compare against); [`Self::current_mailbox`] has later deliveries too.
    pub fn mailbox(&self, account: usize) -> Option<&Mailbox> {
        self.accounts.get(account).map(|a| &*a.mailbox)
    }

    /// The mailbox of account number `account` as it is now.
    pub fn current_mailbox(&self, account: usize) -> Option<Arc<Mailbox>> {
        let start = &self.accounts.get(account)?.mailbox;
        Some(self.with_store(|s| {
            s.changed_mailboxes
                .get(&account)
                .map_or_else(|| Arc::clone(start), Arc::clone)
        }))
    }

    /// Runs `change` on the mailbox of account number `account` (copied first when shared),
    /// keeps its history within `EMULATOR_HISTORY_RETENTION`, and hands the new history records
    /// to the push side (which notifies a watch that wants them, in the background).
    pub fn change_mailbox<T>(
        &self,
        account: usize,
        change: impl FnOnce(&mut Mailbox) -> T,
    ) -> Option<T> {
        let owner = self.accounts.get(account)?;
        let retention = self.config.history_retention;
        let (outcome, news, history_id): (T, Vec<HistoryRecord>, u64) = self.with_store(|s| {
            let mailbox = s
                .changed_mailboxes
                .entry(account)
                .or_insert_with(|| Arc::clone(&owner.mailbox));
            let mailbox = Arc::make_mut(mailbox);
            let before = mailbox.history_id();
            let outcome = change(mailbox);
            let news = if mailbox.history_id() == before {
                Vec::new()
            } else {
                mailbox
                    .history_since(before)
                    .map(<[HistoryRecord]>::to_vec)
                    .unwrap_or_default()
            };
            mailbox.retain_history(retention);
            (outcome, news, mailbox.history_id())
        });
        if !news.is_empty() {
            self.push.changed(account, &owner.email, &news, history_id);
        }
        Some(outcome)
    }

    /// Counts a Gmail request of `account` as in flight, unless `EMULATOR_MAX_CONCURRENT_PER_USER`
    /// of them already are. `Ok(None)`: no limit set (nothing is counted).
    pub fn enter_gmail(&self, account: usize) -> Result<Option<InFlight>, TooManyConcurrent> {
        let Some(limit) = self.config.max_concurrent_per_user else {
            return Ok(None);
        };
        let mut counts = self
            .in_flight
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let n = counts.entry(account).or_default();
        if *n >= limit {
            return Err(TooManyConcurrent);
        }
        *n += 1;
        Ok(Some(InFlight {
            counts: Arc::clone(&self.in_flight),
            account,
        }))
    }

    /// Gmail requests of `account` in flight now (0 without a concurrency limit).
    pub fn in_flight(&self, account: usize) -> usize {
        self.in_flight
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .get(&account)
            .copied()
            .unwrap_or(0)
    }

    /// Runs `f` with the store locked. A poisoned lock (a panic elsewhere) is recovered: the
    /// store holds no invariants a half-finished update could break badly enough to matter.
    pub fn with_store<T>(&self, f: impl FnOnce(&mut Store) -> T) -> T {
        let mut guard = self
            .store
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        f(&mut guard)
    }

    /// Counts one request of `kind`.
    pub fn count(&self, kind: &str) {
        self.with_store(|s| *s.counts.entry(kind.to_owned()).or_default() += 1);
    }

    /// Lifetime of the access tokens issued from now on.
    pub fn token_ttl(&self) -> Duration {
        self.with_store(|s| s.token_ttl)
    }

    /// Changes the lifetime of access tokens issued from now on (tokens already issued keep
    /// theirs), e.g. short tokens for a login, then long ones so a refresh is not repeated.
    pub fn set_token_ttl(&self, ttl: Duration) {
        self.with_store(|s| s.token_ttl = ttl);
    }

    /// A copy of the request counters, with the push counters (`push.*`).
    pub fn counts(&self) -> RequestCounts {
        let mut counts = self.with_store(|s| s.counts.clone());
        counts.extend(self.push.counts());
        counts
    }

    /// Clears every counter.
    pub fn reset_counts(&self) {
        self.with_store(|s| s.counts.clear());
        self.push.reset_counts();
    }

    /// Latency to add and the fault to inject for one call of a group.
    pub fn draw_fault(
        &self,
        pick: impl Fn(&FaultPlan) -> FaultShares,
    ) -> (Duration, Fault, Duration) {
        self.with_store(|s| {
            let plan = s.faults;
            let fault = pick(&plan).decide(&mut s.rng);
            if fault != Fault::None {
                *s.counts.entry("faults.injected".into()).or_default() += 1;
            }
            (
                Duration::from_millis(plan.latency_ms),
                fault,
                Duration::from_millis(plan.slow_ms),
            )
        })
    }

    /// Charges `units` of Gmail quota to `account`; `Err(seconds until the window resets)` when
    /// the per-user budget of this minute is spent.
    pub fn charge_quota(&self, account: usize, units: u32) -> Result<(), u64> {
        let limit = self.config.quota_units_per_minute;
        if limit == 0 {
            return Ok(());
        }
        self.with_store(|s| {
            let now = Instant::now();
            let window = s.quota.entry(account).or_insert((now, 0));
            if now.duration_since(window.0) >= Duration::from_secs(60) {
                *window = (now, 0);
            }
            if window.1.saturating_add(units) > limit {
                let reset = Duration::from_secs(60).saturating_sub(now.duration_since(window.0));
                return Err(reset.as_secs().max(1));
            }
            window.1 += units;
            Ok(())
        })
    }
}

impl Store {
    /// The live grant of `account` to `client_id`, if any.
    pub fn grant_of(&self, account: usize, client_id: &str) -> Option<(u64, &Grant)> {
        self.grants
            .iter()
            .find(|(_, g)| g.account == account && g.client_id == client_id)
            .map(|(id, g)| (*id, g))
    }

    /// Records consent of `account` to `client_id` for `scopes` (merging with what was granted
    /// before when `include_granted_scopes`), returning the grant id.
    pub fn upsert_grant(
        &mut self,
        account: usize,
        client_id: &str,
        scopes: &BTreeSet<String>,
        include_granted_scopes: bool,
    ) -> u64 {
        if let Some((id, _)) = self.grant_of(account, client_id) {
            if let Some(grant) = self.grants.get_mut(&id) {
                if include_granted_scopes {
                    grant.scopes.extend(scopes.iter().cloned());
                } else {
                    grant.scopes = scopes.clone();
                }
            }
            return id;
        }
        let id = self.next_grant;
        self.next_grant += 1;
        self.grants.insert(
            id,
            Grant {
                account,
                client_id: client_id.to_owned(),
                scopes: scopes.clone(),
                refresh_tokens: VecDeque::new(),
            },
        );
        id
    }

    /// Issues an access token on `grant` with `scopes`, valid for `ttl`.
    pub fn issue_access_token(
        &mut self,
        grant: u64,
        scopes: &BTreeSet<String>,
        ttl: Duration,
    ) -> Option<String> {
        let g = self.grants.get(&grant)?;
        let token = random_token("ya29.a0", 120);
        self.access_tokens.insert(
            token.clone(),
            AccessToken {
                account: g.account,
                client_id: g.client_id.clone(),
                scopes: scopes.clone(),
                expires: Instant::now() + ttl,
                grant,
            },
        );
        Some(token)
    }

    /// Issues a refresh token on `grant`, dropping the oldest beyond Google's limit.
    pub fn issue_refresh_token(&mut self, grant: u64) -> Option<String> {
        let token = random_token("1//0", 72);
        let g = self.grants.get_mut(&grant)?;
        g.refresh_tokens.push_back(token.clone());
        let mut dropped = Vec::new();
        while g.refresh_tokens.len() > MAX_REFRESH_TOKENS_PER_GRANT {
            dropped.extend(g.refresh_tokens.pop_front());
        }
        for old in dropped {
            self.refresh_tokens.remove(&old);
        }
        self.refresh_tokens.insert(token.clone(), grant);
        Some(token)
    }

    /// Revokes a whole grant: every access and refresh token it issued.
    pub fn revoke_grant(&mut self, grant: u64) {
        self.grants.remove(&grant);
        self.access_tokens.retain(|_, t| t.grant != grant);
        self.refresh_tokens.retain(|_, g| *g != grant);
    }

    /// The grant a token (access or refresh) belongs to.
    pub fn grant_of_token(&self, token: &str) -> Option<u64> {
        self.refresh_tokens
            .get(token)
            .copied()
            .or_else(|| self.access_tokens.get(token).map(|t| t.grant))
    }

    /// Removes expired codes, pending requests and access tokens.
    pub fn sweep(&mut self, pending_ttl: Duration) {
        let now = Instant::now();
        self.codes.retain(|_, c| c.expires > now);
        self.pending
            .retain(|_, p| now.duration_since(p.created) < pending_ttl);
        self.access_tokens.retain(|_, t| t.expires > now);
    }

    /// Marks every access token as expired now (for refresh tests).
    pub fn expire_access_tokens(&mut self) {
        let now = Instant::now();
        for token in self.access_tokens.values_mut() {
            token.expires = now;
        }
    }
}
