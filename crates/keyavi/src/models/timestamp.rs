//! Keyavi's timestamps: `2023-05-05T15:54:22.5071276`, without an offset.

use std::cmp::Ordering;
use std::fmt;
use std::hash::{Hash, Hasher};
use std::str::FromStr;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use vendor_core::kit::{civil, lenient};

/// A timestamp as Keyavi writes it: `2023-05-05T15:54:22.5071276`, with up to seven
/// (here: up to nine) fractional digits and **no offset**.
///
/// The text does not say which offset it is in; Keyavi's examples are in UTC, so
/// [`unix_seconds`](Self::unix_seconds) and [`to_system_time`](Self::to_system_time)
/// assume UTC. When the text does carry `Z` or `±HH:MM`, it is honoured and
/// [`offset_seconds`](Self::offset_seconds) returns it. The original text is kept
/// ([`as_str`](Self::as_str)) and is what serializes back.
///
/// ```
/// use keyavi::LocalTimestamp;
///
/// let ts: LocalTimestamp = "2023-05-05T15:54:22.5071276".parse()?;
/// assert_eq!(ts.date(), (2023, 5, 5));
/// assert_eq!(ts.time(), (15, 54, 22));
/// assert_eq!(ts.subsec_nanos(), 507_127_600);
/// assert_eq!(ts.unix_seconds(), 1_683_302_062);
/// assert_eq!(ts.offset_seconds(), None);
/// assert_eq!(ts.as_str(), "2023-05-05T15:54:22.5071276");
/// # Ok::<(), keyavi::ParseTimestampError>(())
/// ```
#[derive(Clone)]
pub struct LocalTimestamp {
    raw: String,
    date: (i32, u8, u8),
    time: (u8, u8, u8),
    nanos: u32,
    offset: Option<i32>,
    unix: i64,
}

/// Why a text is not a timestamp.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParseTimestampError {
    text: String,
    problem: &'static str,
}

impl fmt::Display for ParseTimestampError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "`{}` is not a timestamp like 2023-05-05T15:54:22.5071276: {}",
            self.text, self.problem
        )
    }
}

impl std::error::Error for ParseTimestampError {}

impl LocalTimestamp {
    /// Parses `YYYY-MM-DDTHH:MM:SS[.fraction][Z|±HH:MM]` (a space may replace the `T`).
    ///
    /// # Errors
    ///
    /// When the text has another shape or a field is out of range.
    pub fn parse(text: &str) -> Result<Self, ParseTimestampError> {
        let fail = |problem| ParseTimestampError {
            text: text.chars().take(64).collect(),
            problem,
        };
        let trimmed = text.trim();
        let b = trimmed.as_bytes();
        if b.len() < 19 {
            return Err(fail("too short"));
        }
        let num = |range: std::ops::Range<usize>| -> Option<u32> {
            let part = b.get(range)?;
            if part.iter().all(u8::is_ascii_digit) {
                Some(part.iter().fold(0u32, |n, d| n * 10 + u32::from(d - b'0')))
            } else {
                None
            }
        };
        if b[4] != b'-' || b[7] != b'-' || b[13] != b':' || b[16] != b':' {
            return Err(fail("expected YYYY-MM-DD and HH:MM:SS"));
        }
        if !matches!(b[10], b'T' | b't' | b' ') {
            return Err(fail("expected `T` between date and time"));
        }
        let (Some(year), Some(month), Some(day), Some(hour), Some(minute), Some(second)) = (
            num(0..4),
            num(5..7),
            num(8..10),
            num(11..13),
            num(14..16),
            num(17..19),
        ) else {
            return Err(fail("expected digits"));
        };
        // Two digits each, so they fit a u8.
        let (month, day) = (month as u8, day as u8);
        if !civil::is_valid_date(i64::from(year), month, day) {
            return Err(fail("no such date"));
        }
        if hour > 23 || minute > 59 || second > 59 {
            return Err(fail("no such time of day"));
        }
        let mut rest = &b[19..];
        let mut nanos = 0u32;
        if let Some((b'.', frac)) = rest.split_first() {
            let digits = frac.iter().take_while(|c| c.is_ascii_digit()).count();
            if digits == 0 {
                return Err(fail("expected digits after `.`"));
            }
            for i in 0..9 {
                let d = frac.get(i).filter(|_| i < digits).map_or(0, |d| d - b'0');
                nanos = nanos * 10 + u32::from(d);
            }
            rest = &frac[digits..];
        }
        let offset = match rest {
            [] => None,
            [b'Z' | b'z'] => Some(0),
            [sign @ (b'+' | b'-'), tail @ ..] => {
                let (h, m) = match tail {
                    [h1, h2, b':', m1, m2] | [h1, h2, m1, m2] => {
                        let two = |a: u8, b: u8| {
                            (a.is_ascii_digit() && b.is_ascii_digit())
                                .then(|| i32::from(a - b'0') * 10 + i32::from(b - b'0'))
                        };
                        match (two(*h1, *h2), two(*m1, *m2)) {
                            (Some(h), Some(m)) if h <= 23 && m <= 59 => (h, m),
                            _ => return Err(fail("bad offset")),
                        }
                    }
                    _ => return Err(fail("bad offset")),
                };
                let secs = h * 3600 + m * 60;
                Some(if *sign == b'-' { -secs } else { secs })
            }
            _ => return Err(fail("unexpected text after the time")),
        };
        let year_i = i32::try_from(year).map_err(|_| fail("no such date"))?;
        let days = civil::days_from_civil(i64::from(year_i), month, day);
        let local =
            days * 86_400 + i64::from(hour) * 3600 + i64::from(minute) * 60 + i64::from(second);
        Ok(Self {
            raw: trimmed.to_owned(),
            date: (year_i, month, day),
            time: (hour as u8, minute as u8, second as u8),
            nanos,
            offset,
            unix: local - i64::from(offset.unwrap_or(0)),
        })
    }

    /// The text as the API sent it.
    pub fn as_str(&self) -> &str {
        &self.raw
    }

    /// Year, month (1–12) and day (1–31), as written (before any offset is applied).
    pub fn date(&self) -> (i32, u8, u8) {
        self.date
    }

    /// Hour, minute and second, as written.
    pub fn time(&self) -> (u8, u8, u8) {
        self.time
    }

    /// The fraction of the second, in nanoseconds (digits past the ninth are dropped).
    pub fn subsec_nanos(&self) -> u32 {
        self.nanos
    }

    /// The offset written in the text, in seconds east of UTC; `None` when the text had
    /// none (Keyavi's usual case), in which case UTC is assumed.
    pub fn offset_seconds(&self) -> Option<i32> {
        self.offset
    }

    /// Whole seconds since the Unix epoch, assuming UTC when the text has no offset.
    pub fn unix_seconds(&self) -> i64 {
        self.unix
    }

    /// The instant, assuming UTC when the text has no offset.
    pub fn to_system_time(&self) -> SystemTime {
        let nanos = Duration::from_nanos(u64::from(self.nanos));
        match u64::try_from(self.unix) {
            Ok(secs) => UNIX_EPOCH + Duration::from_secs(secs) + nanos,
            Err(_) => UNIX_EPOCH - Duration::from_secs(self.unix.unsigned_abs()) + nanos,
        }
    }
}

impl FromStr for LocalTimestamp {
    type Err = ParseTimestampError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

impl fmt::Display for LocalTimestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.raw)
    }
}

impl fmt::Debug for LocalTimestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "LocalTimestamp({:?})", self.raw)
    }
}

/// Equal when they denote the same instant (under the UTC assumption).
impl PartialEq for LocalTimestamp {
    fn eq(&self, other: &Self) -> bool {
        (self.unix, self.nanos) == (other.unix, other.nanos)
    }
}

impl Eq for LocalTimestamp {}

impl Hash for LocalTimestamp {
    fn hash<H: Hasher>(&self, state: &mut H) {
        (self.unix, self.nanos).hash(state);
    }
}

impl PartialOrd for LocalTimestamp {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for LocalTimestamp {
    fn cmp(&self, other: &Self) -> Ordering {
        (self.unix, self.nanos).cmp(&(other.unix, other.nanos))
    }
}

impl Serialize for LocalTimestamp {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.raw)
    }
}

impl<'de> Deserialize<'de> for LocalTimestamp {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        lenient::from_str(d)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_keyavi_timestamps() {
        let ts = LocalTimestamp::parse("2023-05-05T15:54:22.5071276").unwrap();
        assert_eq!(ts.unix_seconds(), 1_683_302_062);
        assert_eq!(ts.subsec_nanos(), 507_127_600);
        assert_eq!(
            ts.to_system_time(),
            UNIX_EPOCH + Duration::new(1_683_302_062, 507_127_600)
        );

        let plain = LocalTimestamp::parse("1970-01-01 00:00:00").unwrap();
        assert_eq!((plain.unix_seconds(), plain.subsec_nanos()), (0, 0));

        let long = LocalTimestamp::parse("2024-02-29T23:59:59.1234567891").unwrap();
        assert_eq!(long.subsec_nanos(), 123_456_789);
        assert_eq!(long.date(), (2024, 2, 29));

        let before = LocalTimestamp::parse("1969-12-31T23:59:59.5").unwrap();
        assert_eq!(before.unix_seconds(), -1);
        assert_eq!(
            before.to_system_time(),
            UNIX_EPOCH - Duration::from_millis(500)
        );
    }

    #[test]
    fn honours_an_offset_when_present() {
        let z = LocalTimestamp::parse("2023-05-05T15:54:22Z").unwrap();
        let plus = LocalTimestamp::parse("2023-05-05T17:54:22+02:00").unwrap();
        let minus = LocalTimestamp::parse("2023-05-05T10:54:22-0500").unwrap();
        assert_eq!(z.offset_seconds(), Some(0));
        assert_eq!(plus.offset_seconds(), Some(7200));
        assert_eq!(z, plus);
        assert_eq!(z, minus);
        assert_eq!(plus.as_str(), "2023-05-05T17:54:22+02:00");
    }

    #[test]
    fn refuses_what_is_not_a_timestamp() {
        for bad in [
            "",
            "2023-05-05",
            "2023-13-05T00:00:00",
            "2023-02-29T00:00:00",
            "2023-05-05T24:00:00",
            "2023-05-05T15:54:22.",
            "2023-05-05T15:54:22 junk",
            "2023/05/05T15:54:22",
            "2023-05-05X15:54:22",
        ] {
            assert!(LocalTimestamp::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn serializes_the_original_text() {
        let ts: LocalTimestamp = serde_json::from_str(r#""2023-05-05T15:54:22.5071276""#).unwrap();
        assert_eq!(
            serde_json::to_string(&ts).unwrap(),
            r#""2023-05-05T15:54:22.5071276""#
        );
    }
}
