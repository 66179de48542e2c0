//! The same login against an authorization server nobody here wrote: `oidc-provider` 8 (npm),
//! strict: PKCE S256 required, exact redirect URIs, HTTP Basic client authentication only. Its
//! login and consent pages are real HTML forms, filled in like a person would. Its id_tokens
//! are verified against its own JWKS (discovery's `jwks_uri`), RS256, and carry `email_verified` (the `email`
//! scope's claims).

use std::{
    io::{BufRead, BufReader},
    path::PathBuf,
    process::{Child, Command, Stdio},
};

use base64::{
    Engine,
    engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD},
};
use common::config::Env;
use secrecy::ExposeSecret;
use serde_json::Value;

use crate::helpers::*;

const SECRET: &str = "oidc-test-secret";

fn random_bytes() -> [u8; 32] {
    rand::random()
}

struct Node(Child);

impl Drop for Node {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn provider_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/oidc-provider")
}

/// Starts oidc-provider on a free port (installing it from the lockfile first if needed).
fn start_provider() -> (Node, String) {
    let dir = provider_dir();
    if !dir.join("node_modules/oidc-provider").exists() {
        let status = Command::new("npm")
            .args(["ci", "--no-audit", "--no-fund"])
            .current_dir(&dir)
            .status()
            .expect(
                "npm is needed for the oidc-provider test (Debian: apt-get install nodejs npm)",
            );
        assert!(status.success(), "npm ci failed in {}", dir.display());
    }
    let port = testkit::free_port();
    let mut child = Command::new("node")
        .arg("provider.mjs")
        .arg(port.to_string())
        .arg(REDIRECT)
        .arg(SECRET)
        .current_dir(&dir)
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("node is needed for the oidc-provider test");
    let stdout = child.stdout.take().unwrap();
    let mut reader = BufReader::new(stdout);
    let mut line = String::new();
    reader.read_line(&mut line).unwrap();
    assert!(
        line.contains("listening"),
        "oidc-provider did not start: {line}"
    );
    // Keep draining its output: a closed pipe would kill it on its next write.
    std::thread::spawn(move || for _ in reader.lines() {});
    (Node(child), format!("http://127.0.0.1:{port}"))
}

/// The first `<form>` of a page: its action and its named inputs with their values.
fn form_of(html: &str) -> (String, Vec<(String, String)>) {
    let form_start = html.find("<form").expect("no form on the page");
    let form = &html[form_start
        ..html[form_start..]
            .find("</form>")
            .map_or(html.len(), |e| form_start + e)];
    let attr = |tag: &str, name: &str| -> Option<String> {
        let key = format!("{name}=\"");
        let start = tag.find(&key)? + key.len();
        Some(tag[start..].split('"').next()?.replace("&amp;", "&"))
    };
    let action = attr(form, "action").unwrap();
    let inputs = form
        .split("<input")
        .skip(1)
        .filter_map(|tag| {
            let tag = tag.split('>').next()?;
            let name = attr(tag, "name")?;
            let value = attr(tag, "value").unwrap_or_else(|| {
                if name == "login" {
                    "alice".into()
                } else {
                    "any".into()
                }
            });
            Some((name, value))
        })
        .collect();
    (action, inputs)
}

#[tokio::test]
async fn the_login_completes_against_a_strict_oidc_provider() {
    let (_node, issuer) = start_provider();
    let discovery: Value = client()
        .get(format!("{issuer}/.well-known/openid-configuration"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let jwks_uri = discovery["jwks_uri"].as_str().unwrap().to_owned();
    let credential = URL_SAFE_NO_PAD.encode(random_bytes());
    let env = Env::default()
        .with("REDIS_URL", testkit::redis_url())
        .with("REDIS_KEY_PREFIX", testkit::unique_prefix())
        .with("GOOGLE_CLIENT_ID", "gmail-unread-test")
        .with("GOOGLE_CLIENT_SECRET", SECRET)
        .with("GOOGLE_AUTH_URL", format!("{issuer}/auth"))
        .with("GOOGLE_TOKEN_URL", format!("{issuer}/token"))
        .with("GOOGLE_REVOKE_URL", format!("{issuer}/token/revocation"))
        .with("GOOGLE_ISSUER", issuer.clone())
        // The provider's own key set (its discovery's `jwks_uri`): its id_tokens are verified.
        .with("GOOGLE_JWKS_URL", jwks_uri)
        // Real mode (a client id is set): keys and credentials given, not generated.
        .with(
            "JWT_SIGNING_KEY",
            common::jwt::Es256KeyPair::generate()
                .unwrap()
                .to_pkcs8_pem()
                .expose_secret()
                .to_owned(),
        )
        .with("TOKEN_ENCRYPTION_KEY", STANDARD.encode(random_bytes()))
        .with("GMAIL_SERVICE_CREDENTIAL", credential.clone());
    // The provider is strict: no PKCE, or a redirect URI not registered exactly, is refused.
    let http = client();
    let without_pkce = http
        .get(format!("{issuer}/auth"))
        .query(&[
            ("client_id", "gmail-unread-test"),
            ("response_type", "code"),
            ("scope", "openid"),
            ("redirect_uri", REDIRECT),
            ("state", "s"),
        ])
        .send()
        .await
        .unwrap();
    assert!(
        location(&without_pkce).contains("error=invalid_request"),
        "PKCE is not required"
    );
    let wrong_redirect = http
        .get(format!("{issuer}/auth"))
        .query(&[
            ("client_id", "gmail-unread-test"),
            ("response_type", "code"),
            ("scope", "openid"),
            ("redirect_uri", "http://localhost:5000/oauth/callback/"),
            (
                "code_challenge",
                "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM",
            ),
            ("code_challenge_method", "S256"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(
        wrong_redirect.status(),
        400,
        "a foreign redirect URI was accepted"
    );
    let (address, internal) = start_instance_with_internal(&env).await;
    let mut browser = Browser::at(&address);
    let start = browser.get("/oauth/login").await;
    let mut next = location(&start);
    // Follow the provider's redirects and fill in its login and consent forms.
    let mut forms = 0;
    while !next.starts_with(REDIRECT) {
        let url = if next.starts_with('/') {
            format!("{issuer}{next}")
        } else {
            next.clone()
        };
        let response = browser.get(&url).await;
        if response.status().is_redirection() {
            next = location(&response);
            continue;
        }
        let html = response.text().await.unwrap();
        let (action, fields) = form_of(&html);
        forms += 1;
        assert!(forms <= 4, "stuck in the provider's pages: {html:.300}");
        let action = if action.starts_with('/') {
            format!("{issuer}{action}")
        } else {
            action.clone()
        };
        let posted = browser
            .http
            .post(&action)
            .header("cookie", browser.jar.header_for(&action))
            .form(&fields)
            .send()
            .await
            .unwrap();
        browser.jar.keep(&posted);
        assert!(
            posted.status().is_redirection(),
            "form post answered {}",
            posted.status()
        );
        next = location(&posted);
    }
    assert!(next.contains("iss="), "the provider sends iss (RFC 9207)");
    let done = browser.get(&next.replacen(PUBLIC, &address, 1)).await;
    assert_eq!(done.status(), 302, "{:?}", done.headers().get("location"));
    assert_eq!(location(&done), format!("{PUBLIC}/"));

    let jwt = browser.session_token().await;
    let token = |body: Value| {
        let request = http
            .post(format!("{internal}/internal/google-access-token"))
            .header("x-service-credential", &credential)
            .bearer_auth(&jwt)
            .json(&body);
        async move {
            let response = request.send().await.unwrap();
            assert_eq!(response.status(), 200);
            response.json::<Value>().await.unwrap()["access_token"]
                .as_str()
                .unwrap()
                .to_owned()
        }
    };
    let first = token(serde_json::json!({})).await;
    assert!(!first.is_empty());
    // The refresh grant works against it too (HTTP Basic again).
    let refreshed =
        token(serde_json::json!({ "rejected_access_token_sha256": sha256_hex(&first) })).await;
    assert_ne!(first, refreshed);
    // Logout revokes at the provider.
    let out = browser.post("/oauth/logout", &[]).await;
    assert_eq!(out.status(), 303);
}
