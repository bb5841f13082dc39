//! Kaisa's date-times: `YYYY-MM-DD HH:MM:SS`, in UTC, backed by the `time` crate.

use std::fmt;
use std::str::FromStr;
use std::time::{SystemTime, UNIX_EPOCH};

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use time::format_description::BorrowedFormatItem;
use time::macros::format_description;
use time::{Date, Month, OffsetDateTime, PlainDateTime, Time, UtcOffset};
use vendor_core::kit::lenient;

use crate::{Error, Result};

/// How Kaisa writes a date-time: `2024-03-01 13:45:00`.
const WIRE: &[BorrowedFormatItem<'static>] =
    format_description!("[year]-[month]-[day] [hour]:[minute]:[second]");

/// A date and time as Kaisa writes them, `2024-03-01 13:45:00`, in UTC (the statistics
/// API documents `from_date`/`to_date` as UTC; the same format appears in sources and
/// CDRs). Whole seconds; years 1 to 9999.
///
/// It holds a [`time::PlainDateTime`] read as UTC, and converts to and from
/// [`time::OffsetDateTime`] and [`SystemTime`] (fractions of a second are dropped on
/// the way in).
///
/// ```
/// use std::time::SystemTime;
///
/// use kaisa::time::macros::datetime;
/// use kaisa::KaisaDateTime;
///
/// let from = KaisaDateTime::new(2024, 3, 1, 0, 0, 0)?;
/// assert_eq!(from.to_string(), "2024-03-01 00:00:00");
/// let to: KaisaDateTime = "2024-03-31 23:59:59".parse()?;
/// assert!(from < to);
/// assert_eq!(KaisaDateTime::from_unix_seconds(from.unix_seconds())?, from);
///
/// assert_eq!(from.as_offset_date_time(), datetime!(2024-03-01 00:00:00 UTC));
/// assert_eq!(KaisaDateTime::try_from(datetime!(2024-03-01 01:00:00.9 +01:00))?, from);
/// let instant: SystemTime = to.into();
/// assert_eq!(KaisaDateTime::try_from(instant)?, to);
/// # Ok::<(), kaisa::Error>(())
/// ```
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct KaisaDateTime(PlainDateTime);

fn invalid(problem: impl Into<String>) -> Error {
    Error::invalid("datetime", problem.into())
}

/// Nanoseconds since the Unix epoch; `None` beyond ±1.7 × 10²⁰ years.
fn unix_nanos(time: SystemTime) -> Option<i128> {
    match time.duration_since(UNIX_EPOCH) {
        Ok(after) => i128::try_from(after.as_nanos()).ok(),
        Err(before) => i128::try_from(before.duration().as_nanos())
            .ok()
            .map(|n| -n),
    }
}

impl KaisaDateTime {
    /// A date-time from its parts (month 1–12, day 1–31, hour 0–23, ...).
    ///
    /// # Errors
    ///
    /// [`Error::InvalidArgument`] when a part is out of range or the date does not
    /// exist (`2023-02-29`).
    pub fn new(year: u16, month: u8, day: u8, hour: u8, minute: u8, second: u8) -> Result<Self> {
        if !(1..=9999).contains(&year) {
            return Err(invalid(format!("year {year} is outside 1..=9999")));
        }
        let date = Month::try_from(month)
            .and_then(|m| Date::from_calendar_date(i32::from(year), m, day))
            .map_err(|_| invalid(format!("{year:04}-{month:02}-{day:02} is not a date")))?;
        let time = Time::from_hms(hour, minute, second).map_err(|_| {
            invalid(format!(
                "{hour:02}:{minute:02}:{second:02} is not a time of day"
            ))
        })?;
        Ok(Self(PlainDateTime::new(date, time)))
    }

    /// Midnight (UTC) of a date.
    ///
    /// # Errors
    ///
    /// As [`KaisaDateTime::new`].
    pub fn date(year: u16, month: u8, day: u8) -> Result<Self> {
        Self::new(year, month, day, 0, 0, 0)
    }

    /// Parses `YYYY-MM-DD HH:MM:SS`; also accepted: a `T` instead of the space, a
    /// trailing `Z`, and a bare date `YYYY-MM-DD` (midnight).
    ///
    /// # Errors
    ///
    /// [`Error::InvalidArgument`] for any other text.
    pub fn parse(text: &str) -> Result<Self> {
        let shape = || invalid(format!("`{text}` is not formatted YYYY-MM-DD HH:MM:SS"));
        let t = text.trim();
        let t = t.strip_suffix(['Z', 'z']).unwrap_or(t);
        let b = t.as_bytes();
        let num = |range: std::ops::Range<usize>| -> Option<u32> {
            let part = b.get(range)?;
            part.iter()
                .all(u8::is_ascii_digit)
                .then(|| part.iter().fold(0, |n, d| n * 10 + u32::from(d - b'0')))
        };
        let dashes = b.get(4) == Some(&b'-') && b.get(7) == Some(&b'-');
        let (Some(y), Some(mo), Some(d), true) = (num(0..4), num(5..7), num(8..10), dashes) else {
            return Err(shape());
        };
        let (h, mi, s) = match b.len() {
            10 => (0, 0, 0),
            19 if matches!(b[10], b' ' | b'T' | b't') && b[13] == b':' && b[16] == b':' => {
                match (num(11..13), num(14..16), num(17..19)) {
                    (Some(h), Some(mi), Some(s)) => (h, mi, s),
                    _ => return Err(shape()),
                }
            }
            _ => return Err(shape()),
        };
        // Each part has at most 4 digits, so the casts cannot truncate.
        Self::new(y as u16, mo as u8, d as u8, h as u8, mi as u8, s as u8)
    }

    /// From a date-time read as UTC (fractions of a second are dropped).
    ///
    /// # Errors
    ///
    /// [`Error::InvalidArgument`] outside years 1 to 9999.
    pub fn from_plain_date_time(datetime: PlainDateTime) -> Result<Self> {
        if !(1..=9999).contains(&datetime.year()) {
            return Err(invalid(format!("{datetime} is outside years 1..=9999")));
        }
        Ok(Self(datetime.truncate_to_second()))
    }

    /// From a date-time at any offset, converted to UTC (fractions of a second are
    /// dropped).
    ///
    /// # Errors
    ///
    /// [`Error::InvalidArgument`] when it falls outside years 1 to 9999 in UTC.
    pub fn from_offset_date_time(datetime: OffsetDateTime) -> Result<Self> {
        let utc = datetime
            .checked_to_offset(UtcOffset::UTC)
            .ok_or_else(|| invalid(format!("{datetime} is outside years 1..=9999 in UTC")))?;
        Self::from_plain_date_time(PlainDateTime::new(utc.date(), utc.time()))
    }

    /// From seconds since the Unix epoch.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidArgument`] outside years 1 to 9999.
    pub fn from_unix_seconds(seconds: i64) -> Result<Self> {
        OffsetDateTime::from_unix_timestamp(seconds)
            .map_err(|_| invalid(format!("{seconds} s since 1970 is outside years 1..=9999")))
            .and_then(Self::from_offset_date_time)
    }

    /// From a system time (fractions of a second are dropped: 0.5 s before the epoch
    /// is `1969-12-31 23:59:59`).
    ///
    /// # Errors
    ///
    /// [`Error::InvalidArgument`] outside years 1 to 9999.
    pub fn from_system_time(time: SystemTime) -> Result<Self> {
        unix_nanos(time)
            .and_then(|nanos| OffsetDateTime::from_unix_timestamp_nanos(nanos).ok())
            .ok_or_else(|| invalid(format!("{time:?} is outside years 1..=9999")))
            .and_then(Self::from_offset_date_time)
    }

    /// The date-time, in UTC.
    pub fn as_plain_date_time(&self) -> PlainDateTime {
        self.0
    }

    /// The instant, at offset UTC.
    pub fn as_offset_date_time(&self) -> OffsetDateTime {
        self.0.assume_utc()
    }

    /// Seconds since the Unix epoch.
    pub fn unix_seconds(&self) -> i64 {
        self.as_offset_date_time().unix_timestamp()
    }

    /// The instant.
    pub fn to_system_time(&self) -> SystemTime {
        SystemTime::from(self.as_offset_date_time())
    }

    /// Year, 1–9999.
    pub fn year(&self) -> u16 {
        // 1..=9999 by construction.
        self.0.year() as u16
    }
    /// Month, 1–12.
    pub fn month(&self) -> u8 {
        u8::from(self.0.month())
    }
    /// Day of the month, 1–31.
    pub fn day(&self) -> u8 {
        self.0.day()
    }
    /// Hour, 0–23.
    pub fn hour(&self) -> u8 {
        self.0.hour()
    }
    /// Minute, 0–59.
    pub fn minute(&self) -> u8 {
        self.0.minute()
    }
    /// Second, 0–59.
    pub fn second(&self) -> u8 {
        self.0.second()
    }
}

/// `2024-03-01 13:45:00`, the text Kaisa reads and writes.
impl fmt::Display for KaisaDateTime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Cannot fail: the value has a date and a time, and a four-digit year.
        let text = self.0.format(WIRE).map_err(|_| fmt::Error)?;
        f.pad(&text)
    }
}

impl fmt::Debug for KaisaDateTime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "KaisaDateTime({self})")
    }
}

impl FromStr for KaisaDateTime {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        Self::parse(s)
    }
}

impl TryFrom<SystemTime> for KaisaDateTime {
    type Error = Error;
    fn try_from(time: SystemTime) -> Result<Self> {
        Self::from_system_time(time)
    }
}

impl TryFrom<OffsetDateTime> for KaisaDateTime {
    type Error = Error;
    fn try_from(datetime: OffsetDateTime) -> Result<Self> {
        Self::from_offset_date_time(datetime)
    }
}

impl TryFrom<PlainDateTime> for KaisaDateTime {
    type Error = Error;
    fn try_from(datetime: PlainDateTime) -> Result<Self> {
        Self::from_plain_date_time(datetime)
    }
}

impl From<KaisaDateTime> for SystemTime {
    fn from(datetime: KaisaDateTime) -> Self {
        datetime.to_system_time()
    }
}

impl From<KaisaDateTime> for OffsetDateTime {
    fn from(datetime: KaisaDateTime) -> Self {
        datetime.as_offset_date_time()
    }
}

impl From<KaisaDateTime> for PlainDateTime {
    fn from(datetime: KaisaDateTime) -> Self {
        datetime.0
    }
}

impl Serialize for KaisaDateTime {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for KaisaDateTime {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        lenient::from_str(d)
    }
}

/// An optional date-time; `null`, `""` and MySQL's zero date `0000-00-00 00:00:00`
/// (how such APIs write "never") are absent.
pub(crate) fn opt_datetime<'de, D: Deserializer<'de>>(
    d: D,
) -> Result<Option<KaisaDateTime>, D::Error> {
    match Option::<String>::deserialize(d)? {
        Some(text) => {
            let t = text.trim();
            if t.is_empty() || t.starts_with("0000-00-00") {
                Ok(None)
            } else {
                KaisaDateTime::parse(t)
                    .map(Some)
                    .map_err(serde::de::Error::custom)
            }
        }
        None => Ok(None),
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use time::macros::{datetime, offset};

    use super::*;

    #[test]
    fn formats_and_parses() {
        let t = KaisaDateTime::new(2024, 3, 1, 9, 5, 7).unwrap();
        assert_eq!(t.to_string(), "2024-03-01 09:05:07");
        assert_eq!(KaisaDateTime::parse("2024-03-01 09:05:07").unwrap(), t);
        assert_eq!(KaisaDateTime::parse("2024-03-01T09:05:07Z").unwrap(), t);
        assert_eq!(
            KaisaDateTime::parse("2024-03-01").unwrap(),
            KaisaDateTime::date(2024, 3, 1).unwrap()
        );
        for bad in [
            "",
            "2024-3-1 00:00:00",
            "2024-02-30 00:00:00",
            "2024-03-01 24:00:00",
            "2024-03-01 00:00",
            "2024-03-01 00:00:00.5",
            "yesterday",
        ] {
            assert!(
                matches!(
                    KaisaDateTime::parse(bad),
                    Err(Error::InvalidArgument(e))
                 if e.name() == "datetime"),
                "{bad}"
            );
        }
    }

    #[test]
    fn unix_round_trip() {
        let t = KaisaDateTime::new(2024, 3, 1, 0, 0, 0).unwrap();
        assert_eq!(t.unix_seconds(), 1_709_251_200);
        for s in [
            0,
            1_709_251_200,
            -1,
            951_782_400,
            253_402_300_799,
            -62_135_596_800,
        ] {
            let t = KaisaDateTime::from_unix_seconds(s).unwrap();
            assert_eq!(t.unix_seconds(), s, "{t}");
        }
        assert_eq!(
            KaisaDateTime::from_unix_seconds(-1).unwrap().to_string(),
            "1969-12-31 23:59:59"
        );
        assert!(KaisaDateTime::from_unix_seconds(253_402_300_800).is_err());
        let now = SystemTime::now();
        let t = KaisaDateTime::from_system_time(now).unwrap();
        assert!(now.duration_since(t.to_system_time()).unwrap() < Duration::from_secs(1));
        let before = UNIX_EPOCH - Duration::from_millis(500);
        assert_eq!(
            KaisaDateTime::from_system_time(before)
                .unwrap()
                .unix_seconds(),
            -1
        );
    }

    #[test]
    fn zero_dates_are_absent() {
        #[derive(Deserialize)]
        struct S {
            #[serde(default, deserialize_with = "opt_datetime")]
            t: Option<KaisaDateTime>,
        }
        for json in [
            r#"{"t":""}"#,
            r#"{"t":null}"#,
            r#"{"t":"0000-00-00 00:00:00"}"#,
            "{}",
        ] {
            assert_eq!(serde_json::from_str::<S>(json).unwrap().t, None, "{json}");
        }
        assert!(serde_json::from_str::<S>(r#"{"t":"soon"}"#).is_err());
    }

    #[test]
    fn the_wire_format_is_kept_exactly() {
        #[derive(Serialize, Deserialize)]
        struct S {
            t: KaisaDateTime,
        }
        for json in [
            r#"{"t":"2024-03-01 09:05:07"}"#,
            r#"{"t":"0001-01-01 00:00:00"}"#,
            r#"{"t":"0999-02-03 04:05:06"}"#,
            r#"{"t":"2024-02-29 23:59:59"}"#,
            r#"{"t":"9999-12-31 23:59:59"}"#,
        ] {
            let s: S = serde_json::from_str(json).unwrap();
            assert_eq!(serde_json::to_string(&s).unwrap(), json);
        }
        // The other accepted spellings are written back in Kaisa's own.
        for text in [
            "2024-03-01T09:05:07Z",
            "2024-03-01t09:05:07z",
            " 2024-03-01 09:05:07 ",
        ] {
            let t: KaisaDateTime = serde_json::from_value(serde_json::json!(text)).unwrap();
            assert_eq!(
                serde_json::to_string(&t).unwrap(),
                r#""2024-03-01 09:05:07""#
            );
        }
        let midnight: KaisaDateTime = "2024-03-01".parse().unwrap();
        assert_eq!(midnight.to_string(), "2024-03-01 00:00:00");
        for bad in [
            "+2024-03-01 00:00:00",
            "-2024-03-01",
            "0000-01-01",
            "12024-03-01",
        ] {
            assert!(KaisaDateTime::parse(bad).is_err(), "{bad}");
        }
        let t = KaisaDateTime::new(2024, 3, 1, 9, 5, 7).unwrap();
        assert_eq!(format!("{t:?}"), "KaisaDateTime(2024-03-01 09:05:07)");
        assert_eq!(format!("[{t:>21}]"), "[  2024-03-01 09:05:07]");
        assert_eq!(
            (
                t.year(),
                t.month(),
                t.day(),
                t.hour(),
                t.minute(),
                t.second()
            ),
            (2024, 3, 1, 9, 5, 7)
        );
    }

    #[test]
    fn system_time_round_trip() {
        for s in [
            0_i64,
            1_709_251_200,
            -1,
            -86_401,
            951_782_400,
            253_402_300_799,
            -62_135_596_800,
        ] {
            let instant = match u64::try_from(s) {
                Ok(after) => UNIX_EPOCH + Duration::from_secs(after),
                Err(_) => UNIX_EPOCH - Duration::from_secs(s.unsigned_abs()),
            };
            let t = KaisaDateTime::try_from(instant).unwrap();
            assert_eq!(t.unix_seconds(), s, "{t}");
            assert_eq!(SystemTime::from(t), instant, "{t}");
            assert_eq!(t.to_system_time(), instant, "{t}");
            // Fractions of a second are dropped, rounding down.
            let later = instant + Duration::from_nanos(999_999_999);
            assert_eq!(KaisaDateTime::from_system_time(later).unwrap(), t);
        }
        let end = UNIX_EPOCH + Duration::from_secs(253_402_300_800);
        assert!(KaisaDateTime::from_system_time(end).is_err());
        let start = UNIX_EPOCH - Duration::from_secs(62_135_596_801);
        assert!(KaisaDateTime::from_system_time(start).is_err());
    }

    #[test]
    fn time_crate_conversions() {
        let t = KaisaDateTime::new(2024, 3, 1, 9, 5, 7).unwrap();
        assert_eq!(t.as_offset_date_time(), datetime!(2024-03-01 09:05:07 UTC));
        assert_eq!(t.as_offset_date_time().offset(), UtcOffset::UTC);
        assert_eq!(t.as_plain_date_time(), datetime!(2024-03-01 09:05:07));
        assert_eq!(OffsetDateTime::from(t), datetime!(2024-03-01 09:05:07 UTC));
        assert_eq!(PlainDateTime::from(t), datetime!(2024-03-01 09:05:07));
        assert_eq!(
            KaisaDateTime::try_from(datetime!(2024-03-01 09:05:07.999 UTC)).unwrap(),
            t
        );
        assert_eq!(
            KaisaDateTime::try_from(datetime!(2024-03-01 11:05:07 +02:00)).unwrap(),
            t
        );
        assert_eq!(
            KaisaDateTime::try_from(datetime!(2024-02-29 23:05:07.5 -10:00)).unwrap(),
            t
        );
        assert_eq!(
            KaisaDateTime::try_from(datetime!(2024-03-01 09:05:07.25)).unwrap(),
            t
        );
        let t = KaisaDateTime::from_offset_date_time(
            datetime!(2024-03-01 09:05:07).assume_offset(offset!(+05:30)),
        )
        .unwrap();
        assert_eq!(t.to_string(), "2024-03-01 03:35:07");
        for outside in [
            datetime!(0000-12-31 23:59:59 UTC),
            datetime!(0001-01-01 00:30:00 +01:00),
            datetime!(9999-12-31 23:00:00 -01:00),
        ] {
            assert!(KaisaDateTime::try_from(outside).is_err(), "{outside}");
        }
        assert!(KaisaDateTime::try_from(datetime!(0000-06-01 00:00:00)).is_err());
        assert_eq!(
            KaisaDateTime::try_from(datetime!(9999-12-31 23:59:59.999999999 UTC))
                .unwrap()
                .to_string(),
            "9999-12-31 23:59:59"
        );
    }
}
