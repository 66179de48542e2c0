//! The trust boundaries of auth-service, tried as an attacker would (issue "Close the trust
//! boundaries"): what a person's token can reach, what real mode may generate, what grows with
//! anonymous load, what survives a logout, and what a `login_hint` tells a stranger.

use std::{collections::BTreeMap, time::Duration};

use futures_util::{StreamExt, stream};
use redis::AsyncCommands;
use serde_json::Value;

use crate::helpers::*;

fn options(env: &[(&'static str, &str)]) -> Options {
    Options {
        env: env.iter().map(|(k, v)| (*k, (*v).to_owned())).collect(),
        ..Options::default()
    }
}

async fn api_token(browser: &mut Browser) -> reqwest::Response {
    browser.post("/v1/api-tokens", &[]).await
}

async fn access_token_of(response: reqwest::Response) -> String {
    assert_eq!(response.status(), 200);
    let body: Value = response.json().await.unwrap();
    body["access_token"].as_str().unwrap().to_owned()
}

async fn problem_code(response: reqwest::Response) -> String {
    let body: Value = response.json().await.unwrap();
    body["code"].as_str().unwrap_or_default().to_owned()
}

// Finding 4: a person's token alone buys no Google access token.

#[tokio::test]
async fn a_persons_token_alone_gets_nothing_from_the_internal_route() {
    let app = spawn_app().await;
    let mut browser = Browser::new(&app);
    browser.login().await;
    let session_jwt = browser.session_token().await;
    let api_jwt = access_token_of(api_token(&mut browser).await).await;
    for jwt in [&session_jwt, &api_jwt] {
        for credential in [None, Some("guess"), Some("")] {
            let mut request = app
                .http
                .post(format!("{}/internal/google-access-token", app.internal))
                .bearer_auth(jwt);
            if let Some(c) = credential {
                request = request.header("x-service-credential", c);
            }
            let response = request.send().await.unwrap();
            assert_eq!(response.status(), 401, "credential {credential:?}");
            let text = response.text().await.unwrap();
            assert!(text.contains("invalid_credential"), "{text}");
            assert!(!text.contains("ya29"), "{text}");
        }
        // The public port has no internal routes at all, whatever the caller presents.
        let public = app
            .http
            .post(format!("{}/internal/google-access-token", app.address))
            .header("x-service-credential", GMAIL_SERVICE_CREDENTIAL)
            .bearer_auth(jwt)
            .send()
            .await
            .unwrap();
        assert_eq!(public.status(), 404);
        assert!(!public.text().await.unwrap().contains("access_token"));
    }
    // gmail-service, with its credential, still gets the token.
    assert_eq!(app.google_token(&session_jwt, None).await.status(), 200);
    // And the internal listener serves nothing else.
    let other = app
        .http
        .get(format!("{}/.well-known/jwks.json", app.internal))
        .send()
        .await
        .unwrap();
    assert_eq!(other.status(), 404);
}

#[tokio::test]
async fn a_demo_credential_is_generated_once_and_shared_through_redis() {
    let app = spawn_app_with(options(&[("GMAIL_SERVICE_CREDENTIAL", "")])).await;
    let mut browser = Browser::new(&app);
    browser.login().await;
    let jwt = browser.session_token().await;
    let refused = app
        .http
        .post(format!("{}/internal/google-access-token", app.internal))
        .header("x-service-credential", GMAIL_SERVICE_CREDENTIAL)
        .bearer_auth(&jwt)
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), 401);
    let mut redis = app.redis().await;
    let shared: String = redis
        .get(format!("{}keys:gmail-service-credential", app.prefix))
        .await
        .unwrap();
    assert!(shared.len() >= 43, "a weak generated credential");
    let accepted = app
        .http
        .post(format!("{}/internal/google-access-token", app.internal))
        .header("x-service-credential", &shared)
        .bearer_auth(&jwt)
        .send()
        .await
        .unwrap();
    assert_eq!(accepted.status(), 200);
}

#[tokio::test]
async fn a_forced_refresh_is_single_flight_and_at_most_one_per_few_seconds() {
    let app = spawn_app().await;
    let (_browser, jwt, first) = app.logged_in().await;
    let hash = sha256_hex(&first);
    let calls = (0..10).map(|_| app.google_token(&jwt, Some(&hash)));
    let answers = futures_util::future::join_all(calls).await;
    let mut tokens = Vec::new();
    for answer in answers {
        tokens.push(access_token_of(answer).await);
    }
    assert!(tokens.iter().all(|t| *t == tokens[0] && *t != first));
    assert_eq!(app.emulator.count("token.refresh_token"), 1);
    // The fresh token is "rejected" again at once, over and over: no further refresh.
    let second = sha256_hex(&tokens[0]);
    for _ in 0..20 {
        let response = app.google_token(&jwt, Some(&second)).await;
        assert_eq!(response.status(), 503);
        let retry: u64 = response.headers()["retry-after"]
            .to_str()
            .unwrap()
            .parse()
            .unwrap();
        assert!((1..=5).contains(&retry), "Retry-After {retry}");
        assert_eq!(problem_code(response).await, "upstream_unavailable");
    }
    assert_eq!(
        app.emulator.count("token.refresh_token"),
        1,
        "rejections turned into refreshes"
    );
    // Past the cooldown a forced refresh works again.
    tokio::time::sleep(Duration::from_millis(5_200)).await;
    let again = access_token_of(app.google_token(&jwt, Some(&second)).await).await;
    assert_ne!(again, tokens[0]);
    assert_eq!(app.emulator.count("token.refresh_token"), 2);
}

// Finding 3: real mode never generates its own keys.

#[tokio::test]
async fn real_mode_without_keys_stops_at_start_naming_them_and_writes_nothing() {
    let prefix = testkit::unique_prefix();
    let output = tokio::process::Command::new(env!("CARGO_BIN_EXE_auth-service"))
        .env_clear()
        .env("GOOGLE_CLIENT_ID", "123.apps.googleusercontent.com")
        .env("GOOGLE_CLIENT_SECRET", "GOCSPX-test")
        .env("REDIS_URL", testkit::redis_url())
        .env("REDIS_KEY_PREFIX", &prefix)
        .env("LISTEN_ADDR", "127.0.0.1:0")
        .env("INTERNAL_LISTEN_ADDR", "127.0.0.1:0")
        .output()
        .await
        .unwrap();
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned()
        + &String::from_utf8_lossy(&output.stdout);
    for name in [
        "JWT_SIGNING_KEY",
        "TOKEN_ENCRYPTION_KEY",
        "GMAIL_SERVICE_CREDENTIAL",
    ] {
        assert!(stderr.contains(name), "{stderr}");
    }
    assert!(!stderr.contains("GOCSPX-test"), "{stderr}");
    let mut redis = redis::Client::open(testkit::redis_url())
        .unwrap()
        .get_multiplexed_async_connection()
        .await
        .unwrap();
    let keys: Vec<String> = redis.keys(format!("{prefix}*")).await.unwrap();
    assert!(keys.is_empty(), "{keys:?}");
}

// Finding 5: anonymous load is limited per client address and per account.

/// Keys this app holds in Redis, besides its generated demo keys.
async fn key_count(app: &TestApp) -> usize {
    let mut redis = app.redis().await;
    let keys: Vec<String> = redis.keys(format!("{}*", app.prefix)).await.unwrap();
    let demo_keys = format!("{}keys:", app.prefix);
    keys.iter().filter(|k| !k.starts_with(&demo_keys)).count()
}

#[tokio::test]
async fn a_login_flood_from_one_address_gets_429s_and_bounded_keys_while_another_logs_in() {
    let app = spawn_app_with(options(&[("TRUSTED_PROXIES", "127.0.0.1/32,::1/128")])).await;
    let flood = 50_000;
    let url = format!("{}/oauth/login", app.address);
    let began = std::time::Instant::now();
    let statuses: BTreeMap<u16, usize> = stream::iter(0..flood)
        .map(|_| {
            let request = app
                .http
                .get(&url)
                .header("x-forwarded-for", "203.0.113.7")
                .send();
            async move {
                let response = request.await.unwrap();
                let status = response.status().as_u16();
                if status == 429 {
                    assert!(response.headers().contains_key("retry-after"));
                    assert!(
                        response.headers()["content-type"]
                            .to_str()
                            .unwrap()
                            .starts_with("application/problem+json")
                    );
                }
                status
            }
        })
        .buffer_unordered(32)
        .fold(BTreeMap::new(), |mut counts, status| async move {
            *counts.entry(status).or_insert(0) += 1;
            counts
        })
        .await;
    let keys = key_count(&app).await;
    eprintln!("{flood} logins from one address: {statuses:?}; Redis keys afterwards: {keys}");
    let started = statuses.get(&302).copied().unwrap_or(0);
    // The default budget: a burst of 30, then one every 2 seconds.
    let budget = 30 + usize::try_from(began.elapsed().as_secs() / 2).unwrap() + 1;
    assert!(started <= budget, "{statuses:?}, budget {budget}");
    assert_eq!(started + statuses.get(&429).copied().unwrap_or(0), flood);
    // The pending logins of the address are capped, plus the limiter's own key and the set.
    assert!(keys <= 20 + 2, "{keys} keys after the flood");
    // Another address logs in normally meanwhile.
    let mut other = Browser::new(&app).behind_proxy_as("198.51.100.2");
    let done = other.login().await;
    assert_eq!(location(&done), format!("{PUBLIC}/"));
    assert_eq!(app.session_count().await, 1);
}

#[tokio::test]
async fn x_forwarded_for_from_an_untrusted_peer_is_ignored() {
    let app = spawn_app().await;
    let mut limited = 0;
    for i in 0..40 {
        let response = app
            .http
            .get(format!("{}/oauth/login", app.address))
            .header("x-forwarded-for", format!("198.51.100.{i}"))
            .send()
            .await
            .unwrap();
        if response.status() == 429 {
            limited += 1;
        }
    }
    assert_eq!(limited, 10, "spoofed addresses bought fresh budgets");
}

#[tokio::test]
async fn one_address_holds_a_bounded_number_of_pending_logins_newest_kept() {
    let app = spawn_app_with(options(&[
        ("RATE_LIMIT_LOGINS_PER_MINUTE", "1000"),
        ("MAX_PENDING_LOGINS_PER_ADDRESS", "5"),
    ]))
    .await;
    let mut first = Browser::new(&app);
    let first_callback = first.authorize("/oauth/login").await;
    for _ in 0..19 {
        assert_eq!(app.get("/oauth/login").await.status(), 302);
    }
    let mut redis = app.redis().await;
    let pending: Vec<String> = redis.keys(format!("{}login:*", app.prefix)).await.unwrap();
    assert_eq!(pending.len(), 5, "{pending:?}");
    // The oldest was dropped; a new one completes.
    assert_eq!(
        login_error(&first.get(&first_callback).await),
        "login_expired"
    );
    let mut newest = Browser::new(&app);
    let done = newest.login().await;
    assert_eq!(location(&done), format!("{PUBLIC}/"));
}

#[tokio::test]
async fn minting_is_limited_per_account_across_addresses_and_per_address() {
    let app = spawn_app_with(options(&[
        ("TRUSTED_PROXIES", "127.0.0.1/32"),
        ("RATE_LIMIT_API_TOKENS_PER_MINUTE", "3"),
        ("RATE_LIMIT_SESSION_TOKENS_PER_MINUTE", "5"),
    ]))
    .await;
    let mut browser = Browser::new(&app).behind_proxy_as("198.51.100.10");
    browser.login().await;
    for _ in 0..3 {
        assert_eq!(api_token(&mut browser).await.status(), 200);
    }
    // The same account from another address: the account's budget is spent.
    browser.headers = vec![("x-forwarded-for", "198.51.100.11".to_owned())];
    let refused = api_token(&mut browser).await;
    assert_eq!(refused.status(), 429);
    assert!(refused.headers().contains_key("retry-after"));
    assert_eq!(problem_code(refused).await, "rate_limited");
    for _ in 0..5 {
        assert_eq!(browser.post("/v1/session/token", &[]).await.status(), 200);
    }
    assert_eq!(browser.post("/v1/session/token", &[]).await.status(), 429);
}

// Finding 7: stored Google tokens do not outlive the sessions that use them.

#[tokio::test]
async fn stored_google_tokens_expire_with_the_last_session() {
    let app = spawn_app_with(options(&[("SESSION_TTL_SECS", "2")])).await;
    let mut browser = Browser::new(&app);
    browser.login().await;
    let key = format!("{}account:{{{ALICE_SUB}}}:tokens", app.prefix);
    let mut redis = app.redis().await;
    let ttl: i64 = redis.pttl(&key).await.unwrap();
    assert!((1..=2_000).contains(&ttl), "token record TTL {ttl} ms");
    tokio::time::sleep(Duration::from_millis(2_300)).await;
    let exists: bool = redis.exists(&key).await.unwrap();
    assert!(!exists, "the token record outlived the session");
    let leftovers: Vec<String> = redis.keys(format!("{}*", app.prefix)).await.unwrap();
    assert!(
        !leftovers
            .iter()
            .any(|k| k.contains("account:") || k.contains("session:")),
        "{leftovers:?}"
    );
}

#[tokio::test]
async fn an_api_token_keeps_the_token_record_as_long_as_it_lives() {
    let app = spawn_app_with(options(&[("SESSION_TTL_SECS", "60")])).await;
    let mut browser = Browser::new(&app);
    browser.login().await;
    assert_eq!(api_token(&mut browser).await.status(), 200);
    let mut redis = app.redis().await;
    let ttl: i64 = redis
        .pttl(format!("{}account:{{{ALICE_SUB}}}:tokens", app.prefix))
        .await
        .unwrap();
    assert!(ttl > 3_500_000 && ttl <= 3_600_000, "TTL {ttl} ms");
}

// Finding 8: tokens handed out can be revoked, and a logout revokes them.

#[tokio::test]
async fn a_token_minted_before_logout_stays_refused_after_a_new_login() {
    let app = spawn_app().await;
    let mut browser = Browser::new(&app);
    browser.login().await;
    let old_api = access_token_of(api_token(&mut browser).await).await;
    let old_session = browser.session_token().await;
    assert_eq!(app.google_token(&old_api, None).await.status(), 200);
    let logout = browser.post("/oauth/logout", &[]).await;
    assert_eq!(logout.status(), 303);
    let mut again = Browser::new(&app);
    let done = again.login().await;
    assert_eq!(location(&done), format!("{PUBLIC}/"));
    for old in [&old_api, &old_session] {
        let response = app.google_token(old, None).await;
        assert_eq!(response.status(), 401);
        assert_eq!(problem_code(response).await, "invalid_token");
    }
    // Tokens of the new login work, even minted in the same second as the logout.
    let fresh = again.session_token().await;
    assert_eq!(app.google_token(&fresh, None).await.status(), 200);
    let mut redis = app.redis().await;
    let ttl: i64 = redis
        .pttl(format!("{}account:{{{ALICE_SUB}}}:not-before", app.prefix))
        .await
        .unwrap();
    assert!(ttl > 3_600_000 && ttl <= 3_660_000, "not-before TTL {ttl}");
}

#[tokio::test]
async fn revoking_api_tokens_refuses_every_earlier_token_and_only_those() {
    let app = spawn_app().await;
    let mut browser = Browser::new(&app);
    browser.login().await;
    let old = access_token_of(api_token(&mut browser).await).await;
    let cross_site = browser
        .post(
            "/v1/api-tokens/revoke",
            &[("origin", "https://evil.example")],
        )
        .await;
    assert_eq!(cross_site.status(), 403);
    assert_eq!(app.google_token(&old, None).await.status(), 200);
    let revoked = browser
        .post("/v1/api-tokens/revoke", &[("origin", PUBLIC)])
        .await;
    assert_eq!(revoked.status(), 200);
    let body: Value = revoked.json().await.unwrap();
    assert!(body["not_before"].as_i64().unwrap() > 0);
    assert_eq!(app.google_token(&old, None).await.status(), 401);
    let new = access_token_of(api_token(&mut browser).await).await;
    assert_eq!(app.google_token(&new, None).await.status(), 200);
    // Not logged in: nothing to revoke.
    let anonymous = Browser::new(&app).post("/v1/api-tokens/revoke", &[]).await;
    assert_eq!(anonymous.status(), 401);
}

// Finding 9: a login_hint does not tell anybody whether an address has a grant here.

/// The authorization request's parameters that do not change from one login to the next.
fn stable_params(location: &str) -> BTreeMap<String, String> {
    url::Url::parse(location)
        .unwrap()
        .query_pairs()
        .filter(|(k, _)| !["state", "nonce", "code_challenge", "login_hint"].contains(&k.as_ref()))
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect()
}

#[tokio::test]
async fn login_hint_redirects_are_identical_for_known_and_unknown_addresses() {
    let app = spawn_app().await;
    let (_browser, jwt, first) = app.logged_in().await;
    // Alice's grant goes bad (she revoked it at Google): a known account that needs consent.
    app.revoke_at_google("alice@example.com").await;
    let response = app.google_token(&jwt, Some(&sha256_hex(&first))).await;
    assert_eq!(problem_code(response).await, "reauth_required");
    let mut redirects = Vec::new();
    for hint in [
        "alice@example.com",
        "nobody@example.com",
        "ALICE@example.com",
    ] {
        let response = app.get(&format!("/oauth/login?login_hint={hint}")).await;
        assert_eq!(response.status(), 302);
        redirects.push(stable_params(&location(&response)));
    }
    assert_eq!(redirects[0], redirects[1]);
    assert_eq!(redirects[0], redirects[2]);
    assert!(!redirects[0].contains_key("prompt"), "{:?}", redirects[0]);
}
