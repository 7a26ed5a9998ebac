//! Durations and times as people type them: `30m`, `12h`, `7d`, `2w`; RFC 3339 or a bare date.

use chrono::{DateTime, Duration, Utc};

/// `7d` → 7 days. Units: s, m, h, d, w.
pub fn parse_duration(text: &str) -> Result<Duration, String> {
    let text = text.trim();
    let split = text.find(|c: char| !c.is_ascii_digit()).unwrap_or(text.len());
    let (number, unit) = text.split_at(split);
    let n: i64 = number.parse().map_err(|_| format!("{text:?} is not a duration such as 30m, 12h, 7d or 2w"))?;
    match unit {
        "s" => Ok(Duration::seconds(n)),
        "m" => Ok(Duration::minutes(n)),
        "h" | "" => Ok(Duration::hours(n)),
        "d" => Ok(Duration::days(n)),
        "w" => Ok(Duration::weeks(n)),
        _ => Err(format!("{text:?} is not a duration such as 30m, 12h, 7d or 2w")),
    }
}

/// RFC 3339, or a bare date (midnight UTC).
pub fn parse_time(text: &str) -> Result<DateTime<Utc>, String> {
    if let Ok(time) = DateTime::parse_from_rfc3339(text) {
        return Ok(time.with_timezone(&Utc));
    }
    chrono::NaiveDate::parse_from_str(text, "%Y-%m-%d")
        .ok()
        .and_then(|d| d.and_hms_opt(0, 0, 0))
        .map(|t| t.and_utc())
        .ok_or_else(|| format!("{text:?} is not a time: use RFC 3339 (2026-11-01T09:00:00Z) or a date (2026-11-01)"))
}
