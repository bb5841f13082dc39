//! The sandbox's few fixed date-time formats, with the `time` crate (`::time`: this
//! module is `crate::time`).

use std::time::{SystemTime, UNIX_EPOCH};

use ::time::format_description::BorrowedFormatItem;
use ::time::macros::format_description;
use ::time::{Date, Month, OffsetDateTime};

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

/// How the Kaisa API writes a date-time.
const PLAIN: &[BorrowedFormatItem<'static>] =
    format_description!("[year]-[month]-[day] [hour]:[minute]:[second]");
/// How Azure AD writes the timestamp of an error.
const AZURE: &[BorrowedFormatItem<'static>] =
    format_description!("[year]-[month]-[day] [hour]:[minute]:[second]Z");
/// How the Keyavi API writes a timestamp: 100 ns ticks, no offset.
const KEYAVI: &[BorrowedFormatItem<'static>] =
    format_description!("[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond digits:7]");
/// RFC 3339 in UTC, whole seconds.
const RFC3339: &[BorrowedFormatItem<'static>] =
    format_description!("[year]-[month]-[day]T[hour]:[minute]:[second]Z");

/// `secs` seconds and `nanos` nanoseconds after the epoch, in `format`. The sandbox only
/// formats instants near now or fixed ones; outside years -9999..=9999 it writes the
/// epoch.
fn format(secs: i64, nanos: u32, format: &[BorrowedFormatItem<'_>]) -> String {
    OffsetDateTime::from_unix_timestamp(secs)
        .and_then(|t| t.replace_nanosecond(nanos))
        .unwrap_or(OffsetDateTime::UNIX_EPOCH)
        .format(format)
        .unwrap_or_default()
}

/// `YYYY-MM-DD HH:MM:SS`, the Kaisa format (UTC).
pub(crate) fn format_plain(secs: i64) -> String {
    format(secs, 0, PLAIN)
}

/// `YYYY-MM-DD HH:MM:SSZ`, the Azure AD error timestamp format.
pub(crate) fn format_azure(secs: i64) -> String {
    format(secs, 0, AZURE)
}

/// `YYYY-MM-DDTHH:MM:SS.fffffff` without an offset, the Keyavi format; `ticks` are
/// 100 ns (0..10_000_000).
pub(crate) fn format_keyavi(secs: i64, ticks: u32) -> String {
    format(secs, ticks.saturating_mul(100), KEYAVI)
}

/// `YYYY-MM-DDTHH:MM:SSZ`.
pub(crate) fn format_rfc3339(secs: i64) -> String {
    format(secs, 0, RFC3339)
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
    let month: u8 = date_parts.next()?.parse().ok()?;
    let day: u8 = date_parts.next()?.parse().ok()?;
    let date =
        Date::from_calendar_date(i32::try_from(year).ok()?, Month::try_from(month).ok()?, day)
            .ok()?;
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
    Some(date.midnight().assume_utc().unix_timestamp() + seconds_into_day)
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
        assert_eq!(format_plain(-1), "1969-12-31 23:59:59");
        assert_eq!(format_plain(951_782_400), "2000-02-29 00:00:00");
        assert_eq!(format_keyavi(0, 1), "1970-01-01T00:00:00.0000001");
        assert_eq!(format_keyavi(-1, 9_999_999), "1969-12-31T23:59:59.9999999");
        assert_eq!(format_rfc3339(253_402_300_799), "9999-12-31T23:59:59Z");
    }

    #[test]
    fn parses_round_trip() {
        let secs = 1_709_251_199;
        assert_eq!(parse_plain(&format_plain(secs), 0), Some(secs));
        assert_eq!(parse_plain("2024-03-01", 0), Some(1_709_251_200));
        assert_eq!(parse_plain("2024-13-01", 0), None);
        assert_eq!(parse_plain("2024-02-29 23:59:59", 0), Some(1_709_251_199));
        assert_eq!(parse_plain("2024-02-29", 86_399), Some(1_709_251_199));
        assert_eq!(parse_plain("2024-3-1T00:00", 0), Some(1_709_251_200));
        assert_eq!(parse_plain("1969-12-31 23:59:59", 0), Some(-1));
        assert_eq!(parse_plain("2023-02-29", 0), None);
        assert_eq!(parse_plain("2024-04-31", 0), None);
        assert_eq!(parse_plain("2024-03-01 24:00:00", 0), None);
        assert_eq!(parse_plain("yesterday", 0), None);
    }
}
