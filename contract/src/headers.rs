//! The one reading of the headers whose rules cross a boundary: `Authorization: Bearer`
//! ([`bearer_token`]) and `Retry-After` ([`retry_after_secs`]).

/// The token of an `Authorization` header value: the scheme `Bearer` in any case (RFC 7235),
/// one or more spaces, then a non-empty token without spaces; surrounding whitespace ignored.
/// `None` for anything else.
pub fn bearer_token(value: &str) -> Option<&str> {
    let (scheme, token) = value.trim().split_once(' ')?;
    let token = token.trim();
    (scheme.eq_ignore_ascii_case("bearer")
        && !token.is_empty()
        && !token.contains(char::is_whitespace))
    .then_some(token)
}

/// Longest wait a `Retry-After` may ask for; longer values are cut to this.
pub const MAX_RETRY_AFTER_SECS: u64 = 3_600;

/// The seconds of a `Retry-After` value in its delta-seconds form, at most
/// [`MAX_RETRY_AFTER_SECS`]. An HTTP date is `None` (no service of the system sends one, and
/// Gmail's backoff covers it).
pub fn retry_after_secs(value: &str) -> Option<u64> {
    let value = value.trim();
    if value.is_empty() || !value.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    Some(
        value
            .parse::<u64>()
            .unwrap_or(u64::MAX)
            .min(MAX_RETRY_AFTER_SECS),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bearer_scheme_in_any_case_and_a_token() {
        assert_eq!(bearer_token("Bearer abc.def"), Some("abc.def"));
        assert_eq!(bearer_token("bearer abc"), Some("abc"));
        assert_eq!(bearer_token("BEARER   abc  "), Some("abc"));
        assert_eq!(bearer_token("  Bearer abc"), Some("abc"));
        assert_eq!(bearer_token("Bearer"), None);
        assert_eq!(bearer_token("Bearer "), None);
        assert_eq!(bearer_token("Bearer a b"), None);
        assert_eq!(bearer_token("Basic abc"), None);
        assert_eq!(bearer_token("Bearerabc"), None);
        assert_eq!(bearer_token(""), None);
    }

    #[test]
    fn retry_after_in_seconds_bounded() {
        assert_eq!(retry_after_secs("7"), Some(7));
        assert_eq!(retry_after_secs(" 0 "), Some(0));
        assert_eq!(retry_after_secs("86400"), Some(MAX_RETRY_AFTER_SECS));
        assert_eq!(
            retry_after_secs("99999999999999999999999"),
            Some(MAX_RETRY_AFTER_SECS)
        );
        assert_eq!(retry_after_secs("-1"), None);
        assert_eq!(retry_after_secs("1.5"), None);
        assert_eq!(retry_after_secs("Wed, 21 Oct 2015 07:28:00 GMT"), None);
        assert_eq!(retry_after_secs(""), None);
    }
}
