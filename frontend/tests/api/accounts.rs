//! Several Google accounts in one browser's session (alice, bob, carol at the emulator): attach,
//! switch, the merged view by date and its paging, messages of each, removal, logout, the
//! account limit, shared grants across browsers, and the hostile cases (a callback that would
//! attach another browser's account, a session changed under a started attach, a JWT of one
//! account asking for another's mail).

use crate::stack::{Browser, Stack, StackOptions, spawn_stack, spawn_stack_with};

const ALICE: &str = "alice@example.com";
const BOB: &str = "bob@example.com";
const CAROL: &str = "carol@example.com";

/// A row of an inbox page: its message id, its account (merged view only), its date.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Row {
    id: String,
    account: Option<String>,
    date: String,
    href: String,
}

fn attribute(tag: &str, name: &str) -> Option<String> {
    let start = tag.find(&format!("{name}=\""))? + name.len() + 2;
    let end = tag[start..].find('"')? + start;
    Some(tag[start..end].replace("&#64;", "@").replace("&amp;", "&"))
}

fn rows(html: &str) -> Vec<Row> {
    html.split("<li class=\"message\"")
        .skip(1)
        .map(|chunk| {
            let tag = &chunk[..chunk.find('>').unwrap()];
            Row {
                id: attribute(tag, "data-id").unwrap(),
                account: attribute(tag, "data-account"),
                date: attribute(chunk, "datetime").unwrap_or_default(),
                href: attribute(chunk, "href").unwrap(),
            }
        })
        .collect()
}

/// The "Older" link of a page, if any.
fn older(html: &str) -> Option<String> {
    let at = html.find("id=\"older\"")?;
    let tag_start = html[..at].rfind('<')?;
    attribute(&html[tag_start..at + 20], "href")
}

/// How many Google token records the stack's Redis holds.
async fn token_records(stack: &Stack) -> usize {
    let prefix = stack.shared_env.get("REDIS_KEY_PREFIX").unwrap().to_owned();
    testkit::redis_dump::values_under(&testkit::redis_url(), &prefix)
        .await
        .into_iter()
        .filter(|(key, _)| {
            key.starts_with(&format!("{prefix}account:")) && key.ends_with(":tokens")
        })
        .count()
}

/// Google revocations the emulator has seen.
async fn revocations(stack: &Stack) -> u64 {
    let stats: serde_json::Value = reqwest::get(format!("{}/emulator/stats", stack.emulator.url))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    stats["requests"]["revoke"].as_u64().unwrap_or(0)
}

/// A session token for one account of `browser`'s session, straight from auth-service.
async fn session_jwt(stack: &Stack, browser: &Browser, account: &str) -> reqwest::Response {
    let url = format!("{}/v1/session/token", stack.auth);
    reqwest::Client::new()
        .post(&url)
        .query(&[("account", account)])
        .header("cookie", browser.jar.header_for(&url))
        .send()
        .await
        .unwrap()
}

async fn jwt_of(stack: &Stack, browser: &Browser, account: &str) -> String {
    let response = session_jwt(stack, browser, account).await;
    assert_eq!(response.status(), 200, "a session token for {account}");
    let body: serde_json::Value = response.json().await.unwrap();
    assert_eq!(body["email"], account);
    body["access_token"].as_str().unwrap().to_owned()
}

async fn unread_count(stack: &Stack, jwt: &str) -> u64 {
    let body: serde_json::Value = reqwest::Client::new()
        .get(format!("{}/v1/unread-count", stack.gmail))
        .bearer_auth(jwt)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    body["unread"].as_u64().unwrap()
}

/// The count a tab shows for `email` (`data-count-of`), or the "All accounts" one (`None`).
fn tab_count(html: &str, email: Option<&str>) -> Option<u64> {
    let marker = match email {
        Some(email) => format!("data-count-of=\"{email}\">"),
        None => "data-count-all=\"1\">".to_owned(),
    };
    let at = html.find(&marker)? + marker.len();
    html[at..].split('<').next()?.trim().parse().ok()
}

/// Follows "Older" from the merged page `first` to the end; asserts the merge is newest first,
/// shows each message once and every unread message of each of `accounts`; returns its rows.
async fn every_merged_page(
    stack: &Stack,
    browser: &Browser,
    first: &str,
    accounts: &[&str],
) -> Vec<Row> {
    let mut seen = rows(first);
    let mut next = older(first);
    let mut pages = 1;
    while let Some(href) = next {
        let page = stack.get_as(browser, &href).await;
        assert_eq!(page.status(), 200, "{href}");
        let html = page.text().await.unwrap();
        seen.extend(rows(&html));
        next = older(&html);
        pages += 1;
        assert!(pages < 400, "the merge never ends");
    }
    let instants: Vec<i64> = seen
        .iter()
        .map(|r| {
            chrono::DateTime::parse_from_rfc3339(&r.date)
                .unwrap()
                .timestamp()
        })
        .collect();
    assert!(
        instants.windows(2).all(|w| w[0] >= w[1]),
        "the merge is not ordered by date, newest first: {instants:?}"
    );
    let mut keys: Vec<(Option<String>, String)> = seen
        .iter()
        .map(|r| (r.account.clone(), r.id.clone()))
        .collect();
    keys.sort();
    keys.dedup();
    assert_eq!(keys.len(), seen.len(), "a message shown twice while paging");
    for account in accounts {
        let unread = unread_count(stack, &jwt_of(stack, browser, account).await).await;
        let shown = seen
            .iter()
            .filter(|r| r.account.as_deref() == Some(*account))
            .count();
        assert_eq!(
            shown as u64, unread,
            "every unread message of {account}, once"
        );
        assert_eq!(
            tab_count(first, Some(account)),
            Some(unread),
            "{account}'s tab count"
        );
    }
    seen
}

fn account_query(email: &str) -> String {
    format!("account={}", email.replace('@', "%40"))
}

#[tokio::test]
async fn two_accounts_merge_by_date_page_open_switch_remove_and_log_out() {
    let stack = spawn_stack().await;
    let mut browser = Browser::new();
    let alone = stack.login(&mut browser).await;
    assert!(
        !alone.contains("id=\"all-accounts\""),
        "one account has no tabs"
    );
    assert!(alone.contains("id=\"add-account\""));
    // New mail at bob's, so the merged page's top is his.
    let fresh = stack
        .deliver(
            BOB,
            "From: Dora <dora@example.com>\r\nSubject: For Bob, just now\r\n\r\nHi Bob.\r\n",
        )
        .await;

    let (merged, url) = stack.attach(&mut browser, BOB).await;
    assert_eq!(url, format!("{}/", stack.base));
    assert!(
        merged.contains("id=\"all-accounts\""),
        "no All accounts tab"
    );
    assert!(merged.contains(&format!("data-account=\"{ALICE}\"")));
    assert!(merged.contains(&format!("data-account=\"{BOB}\"")));
    let first = rows(&merged);
    assert_eq!(first.len(), 50);
    assert_eq!(first[0].id, fresh, "the newest message, bob's, is on top");
    assert_eq!(first[0].account.as_deref(), Some(BOB));
    assert!(first[0].href.contains(&account_query(BOB)));
    assert!(
        merged.contains("<span class=\"visually-hidden\">Account: </span>bob@example.com"),
        "a row's account is read out"
    );

    // Every page of the merge, to its end: newest first, each message once, both accounts whole.
    let bob_unread = unread_count(&stack, &jwt_of(&stack, &browser, BOB).await).await;
    let seen = every_merged_page(&stack, &browser, &merged, &[ALICE, BOB]).await;

    // One account alone: its rows only, its links name it.
    let only_bob = stack
        .get_as(&browser, &format!("/?{}", account_query(BOB)))
        .await
        .text()
        .await
        .unwrap();
    let bob_rows = rows(&only_bob);
    assert_eq!(bob_rows.len() as u64, bob_unread.min(50));
    assert!(
        bob_rows
            .iter()
            .all(|r| r.href.contains(&account_query(BOB)))
    );
    assert!(only_bob.contains("id=\"remove-account\""));

    // A message of each account opens; one of bob's asked as alice's is not found.
    let page = stack
        .get_as(
            &browser,
            &format!("/messages/{fresh}?{}", account_query(BOB)),
        )
        .await;
    assert_eq!(page.status(), 200);
    assert!(page.text().await.unwrap().contains("For Bob, just now"));
    let alice_row = seen
        .iter()
        .find(|r| r.account.as_deref() == Some(ALICE))
        .unwrap();
    let page = stack.get_as(&browser, &alice_row.href).await;
    assert_eq!(page.status(), 200);
    let page = stack
        .get_as(
            &browser,
            &format!("/messages/{fresh}?{}", account_query(ALICE)),
        )
        .await;
    assert_eq!(page.status(), 404);
    // An address the session does not hold is not found either.
    let page = stack
        .get_as(&browser, &format!("/?{}", account_query(CAROL)))
        .await;
    assert_eq!(page.status(), 404);

    // Remove bob: his tokens go, alice stays.
    assert_eq!(token_records(&stack).await, 2);
    let before = revocations(&stack).await;
    let (page, url) = browser
        .post_form(
            &format!("{}/oauth/accounts/remove", stack.base),
            &stack.base,
            &[("account", BOB)],
        )
        .await;
    assert_eq!(url, format!("{}/", stack.base));
    let html = page.text().await.unwrap();
    assert!(
        !html.contains("id=\"all-accounts\""),
        "bob is still attached"
    );
    assert!(!rows(&html).is_empty(), "alice's mail is gone too");
    assert_eq!(token_records(&stack).await, 1);
    assert_eq!(
        revocations(&stack).await,
        before + 1,
        "bob's grant was not revoked"
    );
    assert_eq!(session_jwt(&stack, &browser, BOB).await.status(), 404);

    // Re-attach, then log out: every grant revoked, no token left.
    let (again, _) = stack.attach(&mut browser, BOB).await;
    assert!(again.contains("id=\"all-accounts\""));
    let before = revocations(&stack).await;
    let (_, url) = browser
        .post(&format!("{}/oauth/logout", stack.base), &stack.base)
        .await;
    assert_eq!(url, format!("{}/", stack.base));
    assert_eq!(revocations(&stack).await, before + 2);
    assert_eq!(token_records(&stack).await, 0);
    let home = stack.get_as(&browser, "/").await.text().await.unwrap();
    assert!(home.contains("id=\"connect\""));
}

#[tokio::test]
async fn three_accounts_merge_with_counts_live_mail_from_the_third_and_a_middle_removed() {
    let stack = spawn_stack().await;
    let mut browser = Browser::new();
    stack.login(&mut browser).await;
    stack.attach(&mut browser, BOB).await;
    // carol has read everything: her tab says 0 and she adds no row.
    let (merged, _) = stack.attach(&mut browser, CAROL).await;
    assert_eq!(tab_count(&merged, Some(CAROL)), Some(0));
    assert!(
        rows(&merged)
            .iter()
            .all(|r| r.account.as_deref() != Some(CAROL))
    );
    let all = every_merged_page(&stack, &browser, &merged, &[ALICE, BOB, CAROL]).await;
    assert_eq!(tab_count(&merged, None), Some(all.len() as u64));

    // New mail at carol's: the next merged page has it on top, marked as hers, and her count.
    let fresh = stack
        .deliver(
            CAROL,
            "From: Erin <erin@example.com>\r\nSubject: For Carol\r\n\r\nHello.\r\n",
        )
        .await;
    let html = stack.get_as(&browser, "/").await.text().await.unwrap();
    let top = &rows(&html)[0];
    assert_eq!(
        (top.id.as_str(), top.account.as_deref()),
        (fresh.as_str(), Some(CAROL))
    );
    assert_eq!(tab_count(&html, Some(CAROL)), Some(1));
    assert_eq!(tab_count(&html, None), Some(all.len() as u64 + 1));
    let page = stack.get_as(&browser, &top.href).await;
    assert_eq!(page.status(), 200);
    assert!(page.text().await.unwrap().contains("For Carol"));

    // Remove the middle account: the other two stay, merged, with their colours in order.
    let (page, _) = browser
        .post_form(
            &format!("{}/oauth/accounts/remove", stack.base),
            &stack.base,
            &[("account", BOB)],
        )
        .await;
    let html = page.text().await.unwrap();
    assert!(html.contains("id=\"all-accounts\""));
    assert_eq!(tab_count(&html, Some(BOB)), None, "bob is still shown");
    every_merged_page(&stack, &browser, &html, &[ALICE, CAROL]).await;
    assert_eq!(session_jwt(&stack, &browser, BOB).await.status(), 404);
}

#[tokio::test]
async fn a_jwt_for_bob_never_returns_alices_mail() {
    let stack = spawn_stack().await;
    let mut browser = Browser::new();
    let alice_page = stack.login(&mut browser).await;
    stack.attach(&mut browser, BOB).await;
    let alice_id = rows(&alice_page)[0].id.clone();
    let bob = jwt_of(&stack, &browser, BOB).await;
    let http = reqwest::Client::new();
    let message = http
        .get(format!("{}/v1/messages/{alice_id}", stack.gmail))
        .bearer_auth(&bob)
        .send()
        .await
        .unwrap();
    assert_eq!(message.status(), 404, "bob's token read alice's message");
    let list: serde_json::Value = http
        .get(format!("{}/v1/messages/unread?limit=100", stack.gmail))
        .bearer_auth(&bob)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let ids: Vec<&str> = list["messages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["id"].as_str().unwrap())
        .collect();
    assert!(!ids.is_empty());
    assert!(!ids.contains(&alice_id.as_str()));
    // The JWT names exactly one account.
    let claims = bob.split('.').nth(1).unwrap();
    let claims: serde_json::Value = serde_json::from_slice(
        &base64::Engine::decode(&base64::engine::general_purpose::URL_SAFE_NO_PAD, claims).unwrap(),
    )
    .unwrap();
    assert_eq!(claims["email"], BOB);
    assert!(claims["sub"].is_string());
}

#[tokio::test]
async fn a_session_at_its_limit_refuses_another_account_with_a_friendly_page() {
    let stack = spawn_stack_with(StackOptions {
        auth_env: vec![("MAX_ACCOUNTS_PER_SESSION", "2".into())],
        ..StackOptions::default()
    })
    .await;
    let mut browser = Browser::new();
    stack.login(&mut browser).await;
    // Logging in again with the same account refreshes it: still one.
    let (same, _) = stack.attach(&mut browser, ALICE).await;
    assert!(
        !same.contains("id=\"all-accounts\""),
        "alice was attached twice"
    );
    stack.attach(&mut browser, BOB).await;
    let (page, url) = stack.attach(&mut browser, CAROL).await;
    assert!(url.contains("login_error=too_many_accounts"), "{url}");
    assert!(
        page.contains("No room for another account"),
        "no friendly notice"
    );
    assert!(!page.contains(&format!("data-account=\"{CAROL}\"")));
    // An account already attached may log in again at the limit.
    let (again, url) = stack.attach(&mut browser, BOB).await;
    assert_eq!(url, format!("{}/", stack.base));
    assert_eq!(again.matches("class=\"account-tab").count(), 2);
    assert_eq!(token_records(&stack).await, 2);
}

#[tokio::test]
async fn a_callback_that_would_attach_another_browsers_account_is_refused() {
    let stack = spawn_stack().await;
    let mut victim = Browser::new();
    stack.login(&mut victim).await;
    // The attacker, logged in as bob, starts adding carol and stops at Google's answer.
    let mut attacker = Browser::new();
    stack.login(&mut attacker).await;
    let to_google = attacker
        .get_once(&format!(
            "{}/oauth/login?add=1&login_hint={}",
            stack.base,
            CAROL.replace('@', "%40")
        ))
        .await;
    assert_eq!(to_google.status(), 302);
    let google = to_google.headers()["location"].to_str().unwrap().to_owned();
    assert!(google.contains("prompt=select_account"), "{google}");
    let answer = attacker.get_once(&google).await;
    let callback = answer.headers()["location"].to_str().unwrap().to_owned();
    assert!(callback.contains("/oauth/callback?"), "{callback}");
    // The victim's browser is made to open it.
    let (page, url) = victim.get(&callback).await;
    assert!(url.contains("login_error="), "{url}");
    let html = page.text().await.unwrap();
    assert!(
        !html.contains(CAROL),
        "carol was attached to the victim's session"
    );
    assert_eq!(session_jwt(&stack, &victim, CAROL).await.status(), 404);
    // And the attacker cannot use it afterwards either: the state is burnt.
    let (_, url) = attacker.get(&callback).await;
    assert!(url.contains("login_error="), "{url}");
    assert_eq!(session_jwt(&stack, &attacker, CAROL).await.status(), 404);
}

#[tokio::test]
async fn an_attach_completes_only_in_the_session_that_started_it() {
    let stack = spawn_stack().await;
    let mut browser = Browser::new();
    stack.login(&mut browser).await;
    let to_google = browser
        .get_once(&format!(
            "{}/oauth/login?add=1&login_hint={}",
            stack.base,
            BOB.replace('@', "%40")
        ))
        .await;
    let google = to_google.headers()["location"].to_str().unwrap().to_owned();
    let callback = browser.get_once(&google).await.headers()["location"]
        .to_str()
        .unwrap()
        .to_owned();
    // Meanwhile the session ended and another began in the same browser (whose login cookie is
    // put back: only the session differs).
    let binding = browser.jar.get("gu_login").unwrap();
    browser
        .post(&format!("{}/oauth/logout", stack.base), &stack.base)
        .await;
    stack.login(&mut browser).await;
    browser.jar.set("gu_login", &binding);
    let (_, url) = browser.get(&callback).await;
    assert!(url.contains("login_error=login_tampered"), "{url}");
    assert_eq!(session_jwt(&stack, &browser, BOB).await.status(), 404);
}

#[tokio::test]
async fn a_grant_two_browsers_share_stays_until_the_last_lets_go() {
    let stack = spawn_stack().await;
    let mut home = Browser::new();
    let mut work = Browser::new();
    stack.login(&mut home).await;
    stack.login(&mut work).await;
    let before = revocations(&stack).await;
    home.post(&format!("{}/oauth/logout", stack.base), &stack.base)
        .await;
    assert_eq!(
        revocations(&stack).await,
        before,
        "the shared grant was revoked"
    );
    let page = stack.get_as(&work, "/").await;
    assert_eq!(page.status(), 200);
    assert!(
        !rows(&page.text().await.unwrap()).is_empty(),
        "the other browser lost its mail"
    );
    work.post(&format!("{}/oauth/logout", stack.base), &stack.base)
        .await;
    assert_eq!(revocations(&stack).await, before + 1);
    assert_eq!(token_records(&stack).await, 0);
}
