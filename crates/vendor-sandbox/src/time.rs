//! Civil-time formatting without a date crate: the sandbox only needs a few fixed formats.

use std::time::{SystemTime, UNIX_EPOCH};

/// Seconds since the Unix epoch, now.
pub(crate) fn now_unix() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
        .unwrap_or(0)
}

/// Seconds since the epoch and the sub-second part in 100 ns ticks (0..10_000_000), now.
pub(crate) fn now_unix_ticks() -> (i64, u32) {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| {
            (
                i64::try_from(d.as_secs()).unwrap_or(i64::MAX),
                d.subsec_nanos() / 100,
            )
        })
        .unwrap_or((0, 0))
}

/// Year, month, day from days since 1970-01-01 (Howard Hinnant's `civil_from_days`).
fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month as u32, day as u32)
}

/// Days since 1970-01-01 from a civil date (Howard Hinnant's `days_from_civil`).
fn days_from_civil(year: i64, month: u32, day: u32) -> i64 {
    let year = if month <= 2 { year - 1 } else { year };
    let era = year.div_euclid(400);
    let yoe = year.rem_euclid(400);
    let month = i64::from(month);
    let mp = if month > 2 { month - 3 } else { month + 9 };
    let doy = (153 * mp + 2) / 5 + i64::from(day) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

fn split(secs: i64) -> (i64, u32, u32, i64, i64, i64) {
    let days = secs.div_euclid(86_400);
    let rem = secs.rem_euclid(86_400);
    let (y, m, d) = civil_from_days(days);
    (y, m, d, rem / 3600, (rem % 3600) / 60, rem % 60)
}

/// `YYYY-MM-DD HH:MM:SS`, the Kaisa format (UTC).
pub(crate) fn format_plain(secs: i64) -> String {
    let (y, mo, d, h, mi, s) = split(secs);
    format!("{y:04}-{mo:02}-{d:02} {h:02}:{mi:02}:{s:02}")
}

/// `YYYY-MM-DD HH:MM:SSZ`, the Azure AD error timestamp format.
pub(crate) fn format_azure(secs: i64) -> String {
    format!("{}Z", format_plain(secs))
}

/// `YYYY-MM-DDTHH:MM:SS.fffffff` without an offset, the Keyavi format.
pub(crate) fn format_keyavi(secs: i64, ticks: u32) -> String {
    let (y, mo, d, h, mi, s) = split(secs);
    format!("{y:04}-{mo:02}-{d:02}T{h:02}:{mi:02}:{s:02}.{ticks:07}")
}

/// `YYYY-MM-DDTHH:MM:SSZ`.
pub(crate) fn format_rfc3339(secs: i64) -> String {
    let (y, mo, d, h, mi, s) = split(secs);
    format!("{y:04}-{mo:02}-{d:02}T{h:02}:{mi:02}:{s:02}Z")
}

/// Parses `YYYY-MM-DD HH:MM:SS` or `YYYY-MM-DD` (then at `default_time` seconds into the day).
pub(crate) fn parse_plain(text: &str, default_time: i64) -> Option<i64> {
    let text = text.trim();
    let (date, time) = match text.split_once([' ', 'T']) {
        Some((date, time)) => (date, Some(time)),
        None => (text, None),
    };
    let mut date_parts = date.splitn(3, '-');
    let year: i64 = date_parts.next()?.parse().ok()?;
    let month: u32 = date_parts.next()?.parse().ok()?;
    let day: u32 = date_parts.next()?.parse().ok()?;
    if !(1..=12).contains(&month) || !(1..=31).contains(&day) {
        return None;
    }
    let seconds_into_day = match time {
        None => default_time,
        Some(time) => {
            let mut parts = time.splitn(3, ':');
            let h: i64 = parts.next()?.parse().ok()?;
            let m: i64 = parts.next()?.parse().ok()?;
            let s: i64 = parts.next().unwrap_or("0").parse().ok()?;
            if !(0..24).contains(&h) || !(0..60).contains(&m) || !(0..61).contains(&s) {
                return None;
            }
            h * 3600 + m * 60 + s
        }
    };
    Some(days_from_civil(year, month, day) * 86_400 + seconds_into_day)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_known_instant() {
        // 2023-05-05T15:54:22Z
        let secs = 1_683_302_062;
        assert_eq!(format_plain(secs), "2023-05-05 15:54:22");
        assert_eq!(format_azure(secs), "2023-05-05 15:54:22Z");
        assert_eq!(
            format_keyavi(secs, 5_071_276),
            "2023-05-05T15:54:22.5071276"
        );
        assert_eq!(format_rfc3339(secs), "2023-05-05T15:54:22Z");
    }

    #[test]
    fn parses_round_trip() {
        let secs = 1_709_251_199;
        assert_eq!(parse_plain(&format_plain(secs), 0), Some(secs));
        assert_eq!(parse_plain("2024-03-01", 0), Some(1_709_251_200));
        assert_eq!(parse_plain("2024-13-01", 0), None);
        assert_eq!(parse_plain("yesterday", 0), None);
    }
}
