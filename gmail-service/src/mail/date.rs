//! A message's date: the `Date` header (RFC 5322, obsolete forms tolerated), else Gmail's
//! `internalDate` (epoch milliseconds). Shown as RFC 3339.

use chrono::{DateTime, FixedOffset, SecondsFormat, TimeZone, Utc};

/// The RFC 3339 date of a message.
pub fn message_date(date_header: Option<&str>, internal_date_ms: Option<&str>) -> String {
    date_header
        .and_then(parse_rfc5322)
        .or_else(|| {
            internal_date_ms
                .and_then(|ms| ms.trim().parse::<i64>().ok())
                .and_then(|ms| Utc.timestamp_millis_opt(ms).single())
                .map(|d| d.fixed_offset())
        })
        .unwrap_or_else(|| DateTime::<Utc>::UNIX_EPOCH.fixed_offset())
        .to_rfc3339_opts(SecondsFormat::Secs, true)
}

/// Parses an RFC 5322 date, tolerating comments (`(PST)`), extra whitespace, a missing day of
/// week, obsolete zone names and two-digit years.
pub fn parse_rfc5322(value: &str) -> Option<DateTime<FixedOffset>> {
    let cleaned = strip_comments(value);
    let cleaned = cleaned.split_whitespace().collect::<Vec<_>>().join(" ");
    if cleaned.is_empty() || cleaned.len() > 200 {
        return None;
    }
    if let Ok(date) = DateTime::parse_from_rfc2822(&cleaned) {
        return Some(date);
    }
    // Without the day of week, and with zone names chrono does not know.
    let without_weekday = match cleaned.split_once(',') {
        Some((day, rest)) if day.chars().all(|c| c.is_ascii_alphabetic()) => rest.trim(),
        _ => cleaned.as_str(),
    };
    let mut words: Vec<String> = without_weekday.split(' ').map(str::to_owned).collect();
    if let Some(zone) = words.last_mut() {
        if let Some(offset) = zone_offset(zone) {
            *zone = offset.to_owned();
        }
    } else {
        return None;
    }
    // Seconds are optional in RFC 5322.
    if let Some(time) = words.get_mut(3)
        && time.matches(':').count() == 1
    {
        time.push_str(":00");
    }
    // Two-digit years (obsolete): 50..99 → 19xx, 00..49 → 20xx.
    if let Some(year) = words.get_mut(2)
        && year.len() == 2
        && let Ok(y) = year.parse::<u32>()
    {
        *year = (if y >= 50 { 1900 + y } else { 2000 + y }).to_string();
    }
    let candidate = words.join(" ");
    DateTime::parse_from_str(&candidate, "%d %b %Y %H:%M:%S %z").ok()
}

fn zone_offset(zone: &str) -> Option<&'static str> {
    Some(match zone.to_ascii_uppercase().as_str() {
        "UT" | "UTC" | "GMT" | "Z" => "+0000",
        "EST" => "-0500",
        "EDT" => "-0400",
        "CST" => "-0600",
        "CDT" => "-0500",
        "MST" => "-0700",
        "MDT" => "-0600",
        "PST" => "-0800",
        "PDT" => "-0700",
        _ => return None,
    })
}

fn strip_comments(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    let mut depth = 0_u32;
    for c in value.chars() {
        match c {
            '(' => depth += 1,
            ')' if depth > 0 => depth -= 1,
            _ if depth == 0 => out.push(c),
            _ => {}
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_rfc5322_and_obsolete_forms() {
        let cases = [
            ("Fri, 20 Nov 2026 07:10:00 +0000", "2026-11-20T07:10:00Z"),
            (
                "Fri, 20 Nov 2026 16:10:00 +0900",
                "2026-11-20T16:10:00+09:00",
            ),
            ("20 Nov 2026 07:10:00 GMT", "2026-11-20T07:10:00Z"),
            (
                "Fri, 20 Nov 2026 07:10 -0800 (PST)",
                "2026-11-20T07:10:00-08:00",
            ),
            (
                "Fri,  20  Nov 2026 07:10:00 PST",
                "2026-11-20T07:10:00-08:00",
            ),
            ("Thu, 1 Jan 98 00:00:00 UT", "1998-01-01T00:00:00Z"),
        ];
        for (header, expected) in cases {
            assert_eq!(message_date(Some(header), None), expected, "{header}");
        }
    }

    #[test]
    fn falls_back_to_internal_date_then_epoch() {
        assert_eq!(
            message_date(Some("not a date"), Some("1700000000000")),
            "2023-11-14T22:13:20Z"
        );
        assert_eq!(
            message_date(None, Some("1700000000000")),
            "2023-11-14T22:13:20Z"
        );
        assert_eq!(message_date(None, Some("x")), "1970-01-01T00:00:00Z");
    }
}
