//! The scopes the emulator knows, how Google normalises them, and what the consent page says.

use std::collections::BTreeSet;

/// Read-only Gmail access.
pub const GMAIL_READONLY: &str = "https://www.googleapis.com/auth/gmail.readonly";
/// Gmail metadata only: no `q`, no bodies.
pub const GMAIL_METADATA: &str = "https://www.googleapis.com/auth/gmail.metadata";
/// The account's email address.
pub const USERINFO_EMAIL: &str = "https://www.googleapis.com/auth/userinfo.email";
/// The account's basic profile.
pub const USERINFO_PROFILE: &str = "https://www.googleapis.com/auth/userinfo.profile";
/// OpenID Connect.
pub const OPENID: &str = "openid";

/// Google's canonical spelling of a requested scope, or `None` if the scope does not exist.
pub fn normalise(scope: &str) -> Option<&'static str> {
    Some(match scope {
        "openid" => OPENID,
        "email" | USERINFO_EMAIL => USERINFO_EMAIL,
        "profile" | USERINFO_PROFILE => USERINFO_PROFILE,
        GMAIL_READONLY => GMAIL_READONLY,
        GMAIL_METADATA => GMAIL_METADATA,
        _ => return None,
    })
}

/// Parses a space-separated scope list; `Err(scope)` names the first unknown one.
pub fn parse(list: &str) -> Result<BTreeSet<String>, String> {
    list.split(' ')
        .filter(|s| !s.is_empty())
        .map(|s| normalise(s).map(str::to_owned).ok_or_else(|| s.to_owned()))
        .collect()
}

/// The space-separated form Google returns.
pub fn join(scopes: &BTreeSet<String>) -> String {
    scopes
        .iter()
        .map(String::as_str)
        .collect::<Vec<_>>()
        .join(" ")
}

/// What the consent page tells the person about a scope.
pub fn describe(scope: &str) -> &'static str {
    match scope {
        OPENID => "Associate you with your personal info on Google",
        USERINFO_EMAIL => "See your primary Google Account email address",
        USERINFO_PROFILE => {
            "See your personal info, including any personal info you've made publicly available"
        }
        GMAIL_READONLY => "View your email messages and settings",
        GMAIL_METADATA => {
            "View your email message metadata such as labels and headers, but not the email body"
        }
        _ => "Unknown access",
    }
}
