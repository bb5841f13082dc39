//! Kaisa's date-times: `YYYY-MM-DD HH:MM:SS`, in UTC.

use std::fmt;
use std::str::FromStr;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use vendor_core::kit::{civil, lenient};

use crate::{Error, Result};

/// A date and time as Kaisa writes them, `2024-03-01 13:45:00`, in UTC (the statistics
/// API documents `from_date`/`to_date` as UTC; the same format appears in sources and
/// CDRs). Whole seconds; years 1 to 9999.
///
/// ```
/// use kaisa::KaisaDateTime;
///
/// let from = KaisaDateTime::new(2024, 3, 1, 0, 0, 0)?;
/// assert_eq!(from.to_string(), "2024-03-01 00:00:00");
/// let to: KaisaDateTime = "2024-03-31 23:59:59".parse()?;
/// assert!(from < to);
/// assert_eq!(KaisaDateTime::from_unix_seconds(from.unix_seconds())?, from);
/// # Ok::<(), kaisa::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct KaisaDateTime {
    year: u16,
    month: u8,
    day: u8,
    hour: u8,
    minute: u8,
    second: u8,
}

fn invalid(problem: impl Into<String>) -> Error {
    Error::InvalidArgument {
        name: "datetime",
        problem: problem.into(),
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
        if !civil::is_valid_date(i64::from(year), month, day) {
            return Err(invalid(format!(
                "{year:04}-{month:02}-{day:02} is not a date"
            )));
        }
        if hour > 23 || minute > 59 || second > 59 {
            return Err(invalid(format!(
                "{hour:02}:{minute:02}:{second:02} is not a time of day"
            )));
        }
        Ok(Self {
            year,
            month,
            day,
            hour,
            minute,
            second,
        })
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

    /// From seconds since the Unix epoch.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidArgument`] outside years 1 to 9999.
    pub fn from_unix_seconds(seconds: i64) -> Result<Self> {
        let days = seconds.div_euclid(86_400);
        let secs = seconds.rem_euclid(86_400);
        let (y, m, d) = civil::civil_from_days(days);
        let year = u16::try_from(y)
            .ok()
            .filter(|y| (1..=9999).contains(y))
            .ok_or_else(|| invalid(format!("{seconds} s since 1970 is outside years 1..=9999")))?;
        Self::new(
            year,
            m,
            d,
            (secs / 3600) as u8,
            (secs % 3600 / 60) as u8,
            (secs % 60) as u8,
        )
    }

    /// From a system time (fractions of a second are dropped).
    ///
    /// # Errors
    ///
    /// [`Error::InvalidArgument`] outside years 1 to 9999.
    pub fn from_system_time(time: SystemTime) -> Result<Self> {
        let seconds = match time.duration_since(UNIX_EPOCH) {
            Ok(after) => i64::try_from(after.as_secs()).unwrap_or(i64::MAX),
            Err(before) => {
                let d = before.duration();
                let whole = i64::try_from(d.as_secs()).unwrap_or(i64::MAX);
                // Round down: 0.5 s before the epoch is 23:59:59 of the day before.
                -whole - i64::from(d.subsec_nanos() > 0)
            }
        };
        Self::from_unix_seconds(seconds)
    }

    /// Seconds since the Unix epoch.
    pub fn unix_seconds(&self) -> i64 {
        civil::days_from_civil(i64::from(self.year), self.month, self.day) * 86_400
            + i64::from(self.hour) * 3600
            + i64::from(self.minute) * 60
            + i64::from(self.second)
    }

    /// The instant.
    pub fn to_system_time(&self) -> SystemTime {
        let s = self.unix_seconds();
        match u64::try_from(s) {
            Ok(after) => UNIX_EPOCH + Duration::from_secs(after),
            Err(_) => UNIX_EPOCH - Duration::from_secs(s.unsigned_abs()),
        }
    }

    /// Year.
    pub fn year(&self) -> u16 {
        self.year
    }
    /// Month, 1–12.
    pub fn month(&self) -> u8 {
        self.month
    }
    /// Day of the month, 1–31.
    pub fn day(&self) -> u8 {
        self.day
    }
    /// Hour, 0–23.
    pub fn hour(&self) -> u8 {
        self.hour
    }
    /// Minute, 0–59.
    pub fn minute(&self) -> u8 {
        self.minute
    }
    /// Second, 0–59.
    pub fn second(&self) -> u8 {
        self.second
    }
}

impl fmt::Display for KaisaDateTime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{:04}-{:02}-{:02} {:02}:{:02}:{:02}",
            self.year, self.month, self.day, self.hour, self.minute, self.second
        )
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
                    Err(Error::InvalidArgument {
                        name: "datetime",
                        ..
                    })
                ),
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
}
