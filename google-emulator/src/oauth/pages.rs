//! The HTML the emulator shows people: the consent page (pick an account, Allow or Deny) and
//! Google-style error pages for requests that must not redirect.

use actix_web::{HttpResponse, http::StatusCode};
use html_escape::{encode_double_quoted_attribute as attr, encode_text as text};

use crate::{
    accounts::{Accounts, DEMO_ACCOUNTS},
    oauth::scopes,
};

const STYLE: &str = "body{font-family:system-ui,sans-serif;max-width:32rem;margin:2rem auto;padding:0 1rem;color:#202124}\
h1{font-size:1.4rem}fieldset{border:1px solid #dadce0;border-radius:8px;margin:1rem 0}\
label{display:block;padding:.4rem 0}ul{padding-left:1.2rem}\
button{font-size:1rem;padding:.6rem 1.4rem;margin-right:.6rem;border-radius:4px;border:1px solid #1a73e8;cursor:pointer}\
button[value=allow]{background:#1a73e8;color:#fff}button[value=deny]{background:#fff;color:#1a73e8}\
.note{color:#5f6368;font-size:.9rem}";

fn page(status: StatusCode, title: &str, body: &str) -> HttpResponse {
    HttpResponse::build(status)
        .content_type("text/html; charset=utf-8")
        .insert_header(("Cache-Control", "no-store"))
        .insert_header(("X-Frame-Options", "DENY"))
        .insert_header((
            "Content-Security-Policy",
            "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'",
        ))
        .body(format!(
            "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">\
             <meta name=\"viewport\" content=\"width=device-width,initial-scale=1\">\
             <title>{}</title><style>{STYLE}</style></head><body>{body}</body></html>",
            text(title)
        ))
}

/// Google's "Access blocked" page for a request it will not send back to the client.
pub fn error_page(status: StatusCode, error: &str, description: &str) -> HttpResponse {
    page(
        status,
        &format!("Error {}: {error}", status.as_u16()),
        &format!(
            "<main><h1>Access blocked: this app's request is invalid</h1>\
             <p><strong>Error {}: <span id=\"error-code\">{}</span></strong></p><p>{}</p>\
             <p class=\"note\">Google emulator: the request was not redirected back to the app.</p></main>",
            status.as_u16(),
            text(error),
            text(description)
        ),
    )
}

/// The consent page for the pending request `request_id`.
pub fn consent_page(
    request_id: &str,
    client_id: &str,
    requested: &std::collections::BTreeSet<String>,
    known: &Accounts,
    preselected: usize,
) -> HttpResponse {
    // The demo accounts, and a generated one only when the login_hint named it.
    let shown = (0..DEMO_ACCOUNTS.len())
        .chain((preselected >= DEMO_ACCOUNTS.len()).then_some(preselected))
        .filter_map(|i| Some((i, known.get(i)?)));
    let accounts: String = shown
        .map(|(i, a)| {
            format!(
                "<label><input type=\"radio\" name=\"account\" value=\"{i}\"{}> {} &lt;{}&gt;</label>",
                if i == preselected { " checked" } else { "" },
                text(&a.name),
                text(&a.email)
            )
        })
        .collect();
    let scope_items: String = requested
        .iter()
        .map(|s| format!("<li>{}</li>", text(scopes::describe(s))))
        .collect();
    page(
        StatusCode::OK,
        "Sign in - Google Accounts (emulator)",
        &format!(
            "<main><h1>Choose an account to continue</h1>\
             <p>The app <strong>{}</strong> wants to access your Google Account.</p>\
             <form method=\"post\" action=\"/o/oauth2/v2/auth/decision\">\
             <input type=\"hidden\" name=\"request_id\" value=\"{}\">\
             <fieldset><legend>Account</legend>{accounts}</fieldset>\
             <p>This will allow the app to:</p><ul id=\"scopes\">{scope_items}</ul>\
             <button type=\"submit\" name=\"decision\" value=\"allow\" id=\"allow\">Allow</button>\
             <button type=\"submit\" name=\"decision\" value=\"deny\" id=\"deny\">Deny</button>\
             </form><p class=\"note\">This is the offline Google emulator; no real account is used.</p></main>",
            text(client_id),
            attr(request_id)
        ),
    )
}
