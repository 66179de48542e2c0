//! `GET /o/oauth2/v2/auth`: validate the request like Google, show the consent page (or approve
//! at once with `EMULATOR_AUTO_APPROVE=1`), and on the decision redirect back with a code or with
//! `error=access_denied`.
//!
//! Requests that cannot be trusted to redirect (unknown client, redirect URI not registered
//! exactly, malformed parameters) get an error page and never a redirect, as at Google.

use std::time::Instant;

use actix_web::{HttpRequest, HttpResponse, http::StatusCode, web};
use serde::Deserialize;

use crate::{
    oauth::{Params, pages, scopes},
    state::{
        AuthorizationCode, ChallengeMethod, EmulatorState, PendingAuthorization, random_token,
    },
};

/// How long a consent page stays valid.
pub const PENDING_TTL: std::time::Duration = std::time::Duration::from_secs(600);

/// A request Google answers with an error page instead of a redirect.
#[derive(Debug)]
struct Refusal {
    status: StatusCode,
    error: &'static str,
    description: String,
}

impl Refusal {
    fn new(status: StatusCode, error: &'static str, description: impl Into<String>) -> Self {
        Self {
            status,
            error,
            description: description.into(),
        }
    }

    fn page(&self) -> HttpResponse {
        pages::error_page(self.status, self.error, &self.description)
    }
}

fn invalid(description: impl Into<String>) -> Refusal {
    Refusal::new(StatusCode::BAD_REQUEST, "invalid_request", description)
}

fn is_base64url(s: &str) -> bool {
    s.bytes()
        .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

fn is_unreserved(s: &str) -> bool {
    s.bytes()
        .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~'))
}

/// Validates an authorization request; `Err` is the page to show.
fn validate(state: &EmulatorState, params: &Params) -> Result<PendingAuthorization, Refusal> {
    let get = |name: &str| params.get(name).map_err(invalid);
    let client_id =
        get("client_id")?.ok_or_else(|| invalid("Missing required parameter: client_id"))?;
    let client = &state.config.client;
    if client_id != client.client_id {
        return Err(Refusal::new(
            StatusCode::UNAUTHORIZED,
            "invalid_client",
            "The OAuth client was not found.",
        ));
    }
    let redirect_uri =
        get("redirect_uri")?.ok_or_else(|| invalid("Missing required parameter: redirect_uri"))?;
    if !client.redirect_uris.iter().any(|r| r == redirect_uri) {
        return Err(Refusal::new(
            StatusCode::BAD_REQUEST,
            "redirect_uri_mismatch",
            format!(
                "You can't sign in to this app because it doesn't comply with Google's OAuth 2.0 \
                 policy. If you're the app developer, register the redirect URI in the Google \
                 Cloud Console. redirect_uri={redirect_uri}"
            ),
        ));
    }
    match get("response_type")? {
        None => return Err(invalid("Required parameter is missing: response_type")),
        Some("code") => {}
        Some(other) => {
            return Err(Refusal::new(
                StatusCode::BAD_REQUEST,
                "unsupported_response_type",
                format!("Invalid response_type: {other}"),
            ));
        }
    }
    let requested = get("scope")?.ok_or_else(|| invalid("Missing required parameter: scope"))?;
    let scopes = scopes::parse(requested).map_err(|unknown| {
        Refusal::new(
            StatusCode::BAD_REQUEST,
            "invalid_scope",
            format!("Some requested scopes were invalid. {{invalid=[{unknown}]}}"),
        )
    })?;
    if scopes.is_empty() {
        return Err(invalid("Missing required parameter: scope"));
    }
    let challenge = match (get("code_challenge")?, get("code_challenge_method")?) {
        (None, None) => None,
        (None, Some(_)) => return Err(invalid("Missing code_challenge.")),
        (Some(c), method) => {
            // Google assumes `plain` when the method is omitted.
            let method = match method {
                None | Some("plain") => ChallengeMethod::Plain,
                Some("S256") => ChallengeMethod::S256,
                Some(other) => {
                    return Err(invalid(format!("Invalid code_challenge_method: {other}")));
                }
            };
            let well_formed = match method {
                ChallengeMethod::S256 => c.len() == 43 && is_base64url(c),
                ChallengeMethod::Plain => (43..=128).contains(&c.len()) && is_unreserved(c),
            };
            if !well_formed {
                return Err(invalid("Invalid code_challenge."));
            }
            Some((c.to_owned(), method))
        }
    };
    let offline = match get("access_type")? {
        None | Some("online") => false,
        Some("offline") => true,
        Some(other) => return Err(invalid(format!("Invalid access_type: {other}"))),
    };
    let prompts: Vec<&str> = get("prompt")?
        .unwrap_or_default()
        .split(' ')
        .filter(|p| !p.is_empty())
        .collect();
    if prompts
        .iter()
        .any(|p| !matches!(*p, "none" | "consent" | "select_account"))
        || (prompts.contains(&"none") && prompts.len() > 1)
    {
        return Err(invalid("Invalid prompt value."));
    }
    let include_granted_scopes = match get("include_granted_scopes")? {
        None | Some("false") => false,
        Some("true") => true,
        Some(_) => return Err(invalid("Invalid include_granted_scopes value.")),
    };
    Ok(PendingAuthorization {
        client_id: client_id.to_owned(),
        redirect_uri: redirect_uri.to_owned(),
        scopes,
        state: get("state")?.map(str::to_owned),
        challenge,
        offline,
        prompt_consent: prompts.contains(&"consent"),
        include_granted_scopes,
        login_hint: get("login_hint")?.and_then(|hint| state.accounts.find(hint)),
        nonce: get("nonce")?.map(str::to_owned),
        created: Instant::now(),
    })
}

/// Builds the redirect back to the client with `params` appended to its redirect URI.
fn redirect_back(redirect_uri: &str, params: &[(&str, &str)]) -> HttpResponse {
    let Ok(mut url) = url::Url::parse(redirect_uri) else {
        return invalid("The redirect URI is not a valid URL.").page();
    };
    {
        let mut query = url.query_pairs_mut();
        for (k, v) in params {
            query.append_pair(k, v);
        }
    }
    HttpResponse::Found()
        .insert_header(("Location", url.as_str()))
        .insert_header(("Cache-Control", "no-store"))
        .finish()
}

/// Approves `pending` for `account`: records the grant, issues a code, redirects back.
fn approve(
    state: &EmulatorState,
    pending: &PendingAuthorization,
    account: usize,
    consent_shown: bool,
) -> HttpResponse {
    let code = random_token("4/0A", 54);
    let granted = state.with_store(|s| {
        let had_refresh_token = s
            .grant_of(account, &pending.client_id)
            .is_some_and(|(_, g)| !g.refresh_tokens.is_empty());
        let grant = s.upsert_grant(
            account,
            &pending.client_id,
            &pending.scopes,
            pending.include_granted_scopes,
        );
        let scopes = s
            .grants
            .get(&grant)
            .map(|g| g.scopes.clone())
            .unwrap_or_default();
        s.codes.insert(
            code.clone(),
            AuthorizationCode {
                client_id: pending.client_id.clone(),
                redirect_uri: pending.redirect_uri.clone(),
                account,
                scopes: scopes.clone(),
                challenge: pending.challenge.clone(),
                nonce: pending.nonce.clone(),
                issue_refresh_token: pending.offline
                    && (pending.prompt_consent || !had_refresh_token),
                expires: Instant::now() + state.config.code_ttl,
                used: false,
                issued: Vec::new(),
            },
        );
        scopes
    });
    let scope = scopes::join(&granted);
    let mut params: Vec<(&str, &str)> = Vec::new();
    if let Some(s) = pending.state.as_deref() {
        params.push(("state", s));
    }
    params.extend([
        ("iss", state.issuer.as_str()),
        ("code", code.as_str()),
        ("scope", scope.as_str()),
        ("authuser", "0"),
        ("prompt", if consent_shown { "consent" } else { "none" }),
    ]);
    redirect_back(&pending.redirect_uri, &params)
}

fn deny(pending: &PendingAuthorization, error: &str) -> HttpResponse {
    let mut params = vec![("error", error)];
    if let Some(s) = pending.state.as_deref() {
        params.push(("state", s));
    }
    redirect_back(&pending.redirect_uri, &params)
}

/// `GET /o/oauth2/v2/auth`.
pub async fn authorize(request: HttpRequest, state: web::Data<EmulatorState>) -> HttpResponse {
    state.count("authorize");
    let params = Params::parse(request.query_string());
    let prompt_none = matches!(params.get("prompt"), Ok(Some("none")));
    let pending = match validate(&state, &params) {
        Ok(p) => p,
        Err(refusal) => return refusal.page(),
    };
    if prompt_none {
        let account = pending.login_hint.unwrap_or(0);
        let covered = state.with_store(|s| {
            s.grant_of(account, &pending.client_id)
                .is_some_and(|(_, g)| pending.scopes.is_subset(&g.scopes))
        });
        return if covered {
            approve(&state, &pending, account, false)
        } else {
            deny(&pending, "consent_required")
        };
    }
    if state.config.auto_approve {
        let account = pending.login_hint.unwrap_or(0);
        return approve(&state, &pending, account, true);
    }
    let request_id = random_token("", 24);
    let page = pages::consent_page(
        &request_id,
        &pending.client_id,
        &pending.scopes,
        &state.accounts,
        pending.login_hint.unwrap_or(0),
    );
    state.with_store(|s| {
        s.sweep(PENDING_TTL);
        s.pending.insert(request_id, pending);
    });
    page
}

/// The consent form's fields.
#[derive(Deserialize)]
pub struct Decision {
    request_id: String,
    account: Option<String>,
    decision: String,
}

/// `POST /o/oauth2/v2/auth/decision`: the person pressed Allow or Deny.
pub async fn decide(form: web::Form<Decision>, state: web::Data<EmulatorState>) -> HttpResponse {
    let Some(pending) = state.with_store(|s| s.pending.remove(&form.request_id)) else {
        return invalid(
            "This sign-in request has expired or was already answered. Start again from the app.",
        )
        .page();
    };
    if pending.created.elapsed() > PENDING_TTL {
        return invalid("This sign-in request has expired. Start again from the app.").page();
    }
    match form.decision.as_str() {
        "allow" => {
            let account = form
                .account
                .as_deref()
                .and_then(|a| a.parse::<usize>().ok())
                .filter(|a| *a < state.accounts.len())
                .or(pending.login_hint)
                .unwrap_or(0);
            approve(&state, &pending, account, true)
        }
        "deny" => deny(&pending, "access_denied"),
        _ => invalid("Unknown decision.").page(),
    }
}
