//! Keyavi's timestamps: `2023-05-05T15:54:22.5071276`, without an offset, backed by the
//! `time` crate.

use std::cmp::Ordering;
use std::fmt;
use std::hash::{Hash, Hasher};
use std::str::FromStr;
use std::time::{SystemTime, UNIX_EPOCH};

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use time::format_description::BorrowedFormatItem;
use time::macros::format_description;
use time::{Date, Month, OffsetDateTime, PlainDateTime, Time, UtcOffset};
use vendor_core::kit::lenient;

use crate::Error;

/// How Keyavi writes a timestamp: UTC, 100 ns ticks, no offset.
const WIRE: &[BorrowedFormatItem<'static>] =
    format_description!("[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond digits:7]");

/// A timestamp as Keyavi writes it: `2023-05-05T15:54:22.5071276`, with up to seven
/// (here: up to nine) fractional digits and **no offset**.
///
/// The text does not say which offset it is in; Keyavi's examples are in UTC, so
/// [`unix_seconds`](Self::unix_seconds), [`to_system_time`](Self::to_system_time) and
/// [`as_offset_date_time`](Self::as_offset_date_time) assume UTC. When the text does
/// carry `Z` or `±HH:MM`, it is honoured and [`offset`](Self::offset) returns it. The
/// original text is kept ([`as_str`](Self::as_str)) and is what serializes back.
///
/// One made from an instant ([`from_system_time`](Self::from_system_time),
/// [`from_offset_date_time`](Self::from_offset_date_time)) is written as Keyavi writes
/// them: in UTC, with seven fractional digits (100 ns; finer digits are dropped) and
/// no offset.
///
/// ```
/// use std::time::SystemTime;
///
/// use keyavi::time::macros::datetime;
/// use keyavi::LocalTimestamp;
///
/// let ts: LocalTimestamp = "2023-05-05T15:54:22.5071276".parse()?;
/// assert_eq!(ts.date(), (2023, 5, 5));
/// assert_eq!(ts.time(), (15, 54, 22));
/// assert_eq!(ts.subsec_nanos(), 507_127_600);
/// assert_eq!(ts.unix_seconds(), 1_683_302_062);
/// assert_eq!(ts.offset_seconds(), None);
/// assert_eq!(ts.as_str(), "2023-05-05T15:54:22.5071276");
/// assert_eq!(ts.as_offset_date_time(), datetime!(2023-05-05 15:54:22.5071276 UTC));
///
/// let instant: SystemTime = ts.to_system_time();
/// let again = LocalTimestamp::from_system_time(instant)?;
/// assert_eq!(again.as_str(), "2023-05-05T15:54:22.5071276");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone)]
pub struct LocalTimestamp {
    raw: String,
    /// The date and time as written, before any offset is applied.
    written: PlainDateTime,
    offset: Option<UtcOffset>,
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

fn out_of_range(what: impl fmt::Debug) -> Error {
    Error::invalid(
        "timestamp",
        format!("{what:?} is outside years 0000..=9999 in UTC"),
    )
}

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
        // Four digits for the year and two for the others, so the casts cannot truncate.
        let date = Month::try_from(month as u8)
            .and_then(|m| Date::from_calendar_date(year as i32, m, day as u8))
            .map_err(|_| fail("no such date"))?;
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
        let time = Time::from_hms_nano(hour as u8, minute as u8, second as u8, nanos)
            .map_err(|_| fail("no such time of day"))?;
        let offset = match rest {
            [] => None,
            [b'Z' | b'z'] => Some(UtcOffset::UTC),
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
                let secs = if *sign == b'-' { -secs } else { secs };
                Some(UtcOffset::from_whole_seconds(secs).map_err(|_| fail("bad offset"))?)
            }
            _ => return Err(fail("unexpected text after the time")),
        };
        Ok(Self {
            raw: trimmed.to_owned(),
            written: PlainDateTime::new(date, time),
            offset,
        })
    }

    /// The instant written as Keyavi writes it: in UTC, `YYYY-MM-DDTHH:MM:SS.fffffff`
    /// (digits past the seventh are dropped), without an offset.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidArgument`] when it falls outside years 0000 to 9999 in UTC.
    pub fn from_offset_date_time(datetime: OffsetDateTime) -> Result<Self, Error> {
        let utc = datetime
            .checked_to_offset(UtcOffset::UTC)
            .filter(|utc| (0..=9999).contains(&utc.year()))
            .ok_or_else(|| out_of_range(datetime))?;
        let nanos = utc.nanosecond();
        let written = PlainDateTime::new(utc.date(), utc.time())
            .replace_nanosecond(nanos - nanos % 100)
            .map_err(|_| out_of_range(datetime))?;
        let raw = written.format(WIRE).map_err(|_| out_of_range(datetime))?;
        Ok(Self {
            raw,
            written,
            offset: None,
        })
    }

    /// The instant written as Keyavi writes it, as
    /// [`from_offset_date_time`](Self::from_offset_date_time) does.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidArgument`] when it falls outside years 0000 to 9999.
    pub fn from_system_time(time: SystemTime) -> Result<Self, Error> {
        let nanos = match time.duration_since(UNIX_EPOCH) {
            Ok(after) => i128::try_from(after.as_nanos()).ok(),
            Err(before) => i128::try_from(before.duration().as_nanos())
                .ok()
                .map(|n| -n),
        };
        let datetime = nanos
            .and_then(|n| OffsetDateTime::from_unix_timestamp_nanos(n).ok())
            .ok_or_else(|| out_of_range(time))?;
        Self::from_offset_date_time(datetime)
    }

    /// The text as the API sent it.
    pub fn as_str(&self) -> &str {
        &self.raw
    }

    /// The date and time as written (before any offset is applied).
    pub fn as_plain_date_time(&self) -> PlainDateTime {
        self.written
    }

    /// The instant: the date and time as written, at the offset written, or at UTC
    /// when the text had none.
    pub fn as_offset_date_time(&self) -> OffsetDateTime {
        self.written
            .assume_offset(self.offset.unwrap_or(UtcOffset::UTC))
    }

    /// Year, month (1–12) and day (1–31), as written (before any offset is applied).
    pub fn date(&self) -> (i32, u8, u8) {
        let (year, month, day) = self.written.to_calendar_date();
        (year, u8::from(month), day)
    }

    /// Hour, minute and second, as written.
    pub fn time(&self) -> (u8, u8, u8) {
        self.written.as_hms()
    }

    /// The fraction of the second, in nanoseconds (digits past the ninth are dropped).
    pub fn subsec_nanos(&self) -> u32 {
        self.written.nanosecond()
    }

    /// The offset written in the text; `None` when the text had none (Keyavi's usual
    /// case), in which case UTC is assumed.
    pub fn offset(&self) -> Option<UtcOffset> {
        self.offset
    }

    /// The offset written in the text, in seconds east of UTC; `None` when the text had
    /// none (Keyavi's usual case), in which case UTC is assumed.
    pub fn offset_seconds(&self) -> Option<i32> {
        self.offset.map(UtcOffset::whole_seconds)
    }

    /// Whole seconds since the Unix epoch, assuming UTC when the text has no offset.
    pub fn unix_seconds(&self) -> i64 {
        self.as_offset_date_time().unix_timestamp()
    }

    /// The instant, assuming UTC when the text has no offset.
    pub fn to_system_time(&self) -> SystemTime {
        SystemTime::from(self.as_offset_date_time())
    }

    /// Nanoseconds since the Unix epoch: what equality, order and hash compare.
    fn instant(&self) -> i128 {
        self.as_offset_date_time().unix_timestamp_nanos()
    }
}

impl FromStr for LocalTimestamp {
    type Err = ParseTimestampError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

impl TryFrom<SystemTime> for LocalTimestamp {
    type Error = Error;
    fn try_from(time: SystemTime) -> Result<Self, Error> {
        Self::from_system_time(time)
    }
}

impl TryFrom<OffsetDateTime> for LocalTimestamp {
    type Error = Error;
    fn try_from(datetime: OffsetDateTime) -> Result<Self, Error> {
        Self::from_offset_date_time(datetime)
    }
}

impl From<&LocalTimestamp> for SystemTime {
    fn from(ts: &LocalTimestamp) -> Self {
        ts.to_system_time()
    }
}

impl From<LocalTimestamp> for SystemTime {
    fn from(ts: LocalTimestamp) -> Self {
        ts.to_system_time()
    }
}

impl From<&LocalTimestamp> for OffsetDateTime {
    fn from(ts: &LocalTimestamp) -> Self {
        ts.as_offset_date_time()
    }
}

impl From<LocalTimestamp> for OffsetDateTime {
    fn from(ts: LocalTimestamp) -> Self {
        ts.as_offset_date_time()
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
        self.instant() == other.instant()
    }
}

impl Eq for LocalTimestamp {}

impl Hash for LocalTimestamp {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.instant().hash(state);
    }
}

impl PartialOrd for LocalTimestamp {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for LocalTimestamp {
    fn cmp(&self, other: &Self) -> Ordering {
        self.instant().cmp(&other.instant())
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
    use std::collections::HashSet;
    use std::time::Duration;

    use time::macros::{datetime, offset};

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

    #[test]
    fn keeps_every_text_byte_identical() {
        for text in [
            "2023-05-05T15:54:22.5071276",
            "2023-05-05T15:54:22.5",
            "2023-05-05T15:54:22.0000000",
            "2023-05-05T15:54:22",
            "2023-05-05 15:54:22.50712769",
            "2024-02-29T23:59:59.1234567891",
            "2023-05-05t15:54:22z",
            "2023-05-05T17:54:22+02:00",
            "2023-05-05T10:54:22-0500",
            "0000-01-01T00:00:00+01:00",
            "9999-12-31T23:59:59.9999999-01:00",
        ] {
            let json = serde_json::to_string(text).unwrap();
            let ts: LocalTimestamp = serde_json::from_str(&json).unwrap();
            assert_eq!(serde_json::to_string(&ts).unwrap(), json);
            assert_eq!(ts.as_str(), text);
            assert_eq!(ts.to_string(), text);
            assert_eq!(format!("{ts:?}"), format!("LocalTimestamp({text:?})"));
            // The instant survives a trip through SystemTime, to 100 ns, when it falls
            // within the years Keyavi's text can hold in UTC.
            let back = LocalTimestamp::from_system_time(ts.to_system_time());
            if text.starts_with("0000") || text.starts_with("9999") {
                assert!(back.is_err(), "{text}");
            } else {
                let dropped = Duration::from_nanos(u64::from(ts.subsec_nanos() % 100));
                assert_eq!(
                    back.unwrap().to_system_time() + dropped,
                    ts.to_system_time(),
                    "{text}"
                );
            }
        }
        // Surrounding blanks are not part of the timestamp.
        let ts: LocalTimestamp =
            serde_json::from_str(r#"" 2023-05-05T15:54:22.5071276 ""#).unwrap();
        assert_eq!(
            serde_json::to_string(&ts).unwrap(),
            r#""2023-05-05T15:54:22.5071276""#
        );
    }

    #[test]
    fn writes_instants_as_keyavi_does() {
        for (instant, text) in [
            (
                UNIX_EPOCH + Duration::new(1_683_302_062, 507_127_600),
                "2023-05-05T15:54:22.5071276",
            ),
            (UNIX_EPOCH, "1970-01-01T00:00:00.0000000"),
            (
                UNIX_EPOCH - Duration::from_millis(500),
                "1969-12-31T23:59:59.5000000",
            ),
            (
                UNIX_EPOCH - Duration::from_nanos(100),
                "1969-12-31T23:59:59.9999999",
            ),
            (
                UNIX_EPOCH - Duration::from_secs(62_167_219_200),
                "0000-01-01T00:00:00.0000000",
            ),
            (
                UNIX_EPOCH + Duration::new(253_402_300_799, 999_999_900),
                "9999-12-31T23:59:59.9999999",
            ),
        ] {
            let ts = LocalTimestamp::try_from(instant).unwrap();
            assert_eq!(ts.as_str(), text);
            assert_eq!(ts.offset(), None);
            // Round trip through SystemTime, exact at 100 ns.
            assert_eq!(ts.to_system_time(), instant, "{text}");
            assert_eq!(SystemTime::from(&ts), instant, "{text}");
            // And through the text.
            let parsed = LocalTimestamp::parse(text).unwrap();
            assert_eq!(parsed, ts);
            assert_eq!(parsed.as_str(), ts.as_str());
        }
        // Digits past the seventh are dropped, not rounded.
        let fine = UNIX_EPOCH + Duration::new(1_683_302_062, 507_127_699);
        let ts = LocalTimestamp::from_system_time(fine).unwrap();
        assert_eq!(ts.as_str(), "2023-05-05T15:54:22.5071276");
        assert_eq!(ts.subsec_nanos(), 507_127_600);
        for outside in [
            UNIX_EPOCH + Duration::from_secs(253_402_300_800),
            UNIX_EPOCH - Duration::from_secs(62_167_219_201),
        ] {
            assert!(matches!(
                LocalTimestamp::from_system_time(outside),
                Err(Error::InvalidArgument(e)) if e.name() == "timestamp"
            ));
        }
    }

    #[test]
    fn time_crate_conversions() {
        let ts = LocalTimestamp::parse("2023-05-05T15:54:22.5071276").unwrap();
        assert_eq!(
            ts.as_plain_date_time(),
            datetime!(2023-05-05 15:54:22.5071276)
        );
        assert_eq!(
            ts.as_offset_date_time(),
            datetime!(2023-05-05 15:54:22.5071276 UTC)
        );
        assert_eq!(ts.as_offset_date_time().offset(), UtcOffset::UTC);
        assert_eq!(
            OffsetDateTime::from(&ts),
            datetime!(2023-05-05 15:54:22.5071276 UTC)
        );

        // A written offset is kept, and the instant is the same.
        let plus = LocalTimestamp::parse("2023-05-05T17:54:22.5071276+02:00").unwrap();
        assert_eq!(plus.offset(), Some(offset!(+02:00)));
        assert_eq!(
            plus.as_plain_date_time(),
            datetime!(2023-05-05 17:54:22.5071276)
        );
        assert_eq!(plus.as_offset_date_time().offset(), offset!(+02:00));
        assert_eq!(plus.as_offset_date_time(), ts.as_offset_date_time());
        assert_eq!(OffsetDateTime::from(plus.clone()), ts.as_offset_date_time());
        assert_eq!(plus, ts);

        // From any offset, written in UTC without one.
        let made =
            LocalTimestamp::try_from(datetime!(2023-05-05 17:54:22.507127699 +02:00)).unwrap();
        assert_eq!(made.as_str(), "2023-05-05T15:54:22.5071276");
        assert_eq!(made, ts);
        assert!(LocalTimestamp::try_from(datetime!(9999-12-31 23:00:00 -01:00)).is_err());
        assert!(LocalTimestamp::try_from(datetime!(-0001-12-31 23:59:59 UTC)).is_err());

        // At the edges of the years written, with an offset that leaves them.
        let last = LocalTimestamp::parse("9999-12-31T23:59:59.9999999-01:00").unwrap();
        assert_eq!(last.unix_seconds(), 253_402_304_399);
        assert_eq!(last.date(), (9999, 12, 31));
        let first = LocalTimestamp::parse("0000-01-01T00:00:00+01:00").unwrap();
        assert_eq!(first.unix_seconds(), -62_167_222_800);
        assert!(first < ts && ts < last);
        assert_eq!(
            first.to_system_time(),
            UNIX_EPOCH - Duration::from_secs(62_167_222_800)
        );
    }

    #[test]
    fn equal_instants_hash_alike() {
        let texts = [
            "2023-05-05T15:54:22Z",
            "2023-05-05T15:54:22",
            "2023-05-05T17:54:22+02:00",
            "2023-05-05 10:54:22.000-05:00",
        ];
        let set: HashSet<LocalTimestamp> = texts
            .iter()
            .map(|t| LocalTimestamp::parse(t).unwrap())
            .collect();
        assert_eq!(set.len(), 1);
        let mut sorted: Vec<LocalTimestamp> = [
            "2023-05-05T15:54:22.0000001",
            "2023-05-05T15:54:22",
            "2023-05-05T16:54:21.9+01:00",
        ]
        .iter()
        .map(|t| LocalTimestamp::parse(t).unwrap())
        .collect();
        sorted.sort();
        let order: Vec<&str> = sorted.iter().map(LocalTimestamp::as_str).collect();
        assert_eq!(
            order,
            [
                "2023-05-05T16:54:21.9+01:00",
                "2023-05-05T15:54:22",
                "2023-05-05T15:54:22.0000001"
            ]
        );
    }
}
