//! Generated accounts (`EMULATOR_EXTRA_ACCOUNTS`): each is its own Google account (sub, address,
//! grants, quota), all reading the same generated large mailbox, reachable by `login_hint` and
//! on the consent page.

use google_emulator::{EmulatorConfig, accounts::MAX_EXTRA_ACCOUNTS};

use crate::helpers::*;

fn decode_id_token(tokens: &Tokens) -> serde_json::Value {
    use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
    let id_token = tokens.body["id_token"].as_str().unwrap();
    let payload = id_token.split('.').nth(1).unwrap();
    serde_json::from_slice(&URL_SAFE_NO_PAD.decode(payload).unwrap()).unwrap()
}

#[tokio::test]
async fn each_generated_account_is_a_separate_google_account() {
    let app = spawn_app_with(|c| c.extra_accounts = 50).await;
    let mut subs = std::collections::BTreeSet::new();
    for n in [1, 2, 50] {
        let email = format!("user{n}@example.com");
        let tokens = app.login_with(&[("login_hint", &email)]).await;
        let claims = decode_id_token(&tokens);
        assert_eq!(claims["email"], email.as_str());
        assert!(subs.insert(claims["sub"].as_str().unwrap().to_owned()));
        let profile = app.gmail_json(&tokens.access_token, "profile").await;
        assert_eq!(profile["emailAddress"], email.as_str());
        let unread = app
            .gmail_json(&tokens.access_token, "messages?q=is:unread&maxResults=50")
            .await;
        assert_eq!(unread["messages"].as_array().unwrap().len(), 50);
        // Asking for another user's mail is refused, as for the demo accounts.
        let other = app
            .http
            .get(app.url("/gmail/v1/users/alice@example.com/profile"))
            .bearer_auth(&tokens.access_token)
            .send()
            .await
            .unwrap();
        assert_eq!(other.status(), 403);
    }
    // No generated account collides with a demo one.
    let alice = decode_id_token(&app.login().await);
    assert!(!subs.contains(alice["sub"].as_str().unwrap()));
    assert_eq!(alice["email"], "alice@example.com");

    let listed = app.get_json("/emulator/accounts").await;
    assert_eq!(listed.as_array().unwrap().len(), 3 + 50);
    assert_eq!(listed[3]["email"], "user1@example.com");
    assert_eq!(listed[52]["email"], "user50@example.com");
}

#[tokio::test]
async fn an_unknown_hint_falls_back_to_the_default_account() {
    let app = spawn_app_with(|c| c.extra_accounts = 2).await;
    let claims = decode_id_token(&app.login_with(&[("login_hint", "user3@example.com")]).await);
    assert_eq!(claims["email"], "alice@example.com");
}

#[tokio::test]
async fn the_consent_page_shows_a_hinted_generated_account_only() {
    let app = spawn_app_with(|c| {
        c.auto_approve = false;
        c.extra_accounts = 20;
    })
    .await;
    let (_, challenge) = pkce();
    let mut params = TestApp::auth_params(&challenge);
    let plain = app.authorize(&params).await.text().await.unwrap();
    assert!(plain.contains("alice@example.com"));
    assert!(
        !plain.contains("Test User"),
        "generated accounts are not listed unasked"
    );
    params.push(("login_hint", "USER7@example.com".into()));
    let hinted = app.authorize(&params).await.text().await.unwrap();
    assert!(hinted.contains("value=\"9\" checked> Test User 7 &lt;user7@example.com&gt;"));
    assert!(!hinted.contains("user8@"));
}

#[test]
fn the_number_of_generated_accounts_is_bounded() {
    let env = common::config::Env::default().with("EMULATOR_EXTRA_ACCOUNTS", "100001");
    assert!(EmulatorConfig::from_env(&env).is_err());
    let env = common::config::Env::default()
        .with("EMULATOR_EXTRA_ACCOUNTS", MAX_EXTRA_ACCOUNTS.to_string());
    assert_eq!(
        EmulatorConfig::from_env(&env).unwrap().extra_accounts,
        MAX_EXTRA_ACCOUNTS
    );
    let env = common::config::Env::default().with("EMULATOR_EXTRA_ACCOUNTS", "many");
    assert!(EmulatorConfig::from_env(&env).is_err());
}
