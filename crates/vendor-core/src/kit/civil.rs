//! Calendar arithmetic on the proleptic Gregorian calendar, for vendor date and time
//! types that convert to and from Unix time without a date-time dependency.
//!
//! Days count from 1970-01-01 (day 0); years are astronomical (year 0 is 1 BC).
//! The conversions are H. Hinnant's `days_from_civil` and `civil_from_days`
//! (<https://howardhinnant.github.io/date_algorithms.html>).
//!
//! ```
//! use vendor_core::kit::civil::{civil_from_days, days_from_civil, days_in_month, is_valid_date};
//!
//! assert_eq!(days_from_civil(2024, 3, 1), 19_783);
//! assert_eq!(civil_from_days(19_783), (2024, 3, 1));
//! assert_eq!(days_in_month(2024, 2), 29);
//! assert!(!is_valid_date(2023, 2, 29));
//! ```

/// Whether `year` has a 29 February.
pub fn is_leap_year(year: i64) -> bool {
    (year % 4 == 0 && year % 100 != 0) || year % 400 == 0
}

/// The number of days in `month` (1–12) of `year`; 0 for a month outside 1–12.
pub fn days_in_month(year: i64, month: u8) -> u8 {
    match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if is_leap_year(year) => 29,
        2 => 28,
        _ => 0,
    }
}

/// Whether `year`-`month`-`day` is a date (month 1–12, day within the month).
pub fn is_valid_date(year: i64, month: u8, day: u8) -> bool {
    (1..=days_in_month(year, month)).contains(&day)
}

/// Days since 1970-01-01 of a date; negative before it.
///
/// `month` is 1–12 and `day` 1–31; the date is not checked (check it with
/// [`is_valid_date`]): 31 April counts as 1 May.
pub fn days_from_civil(year: i64, month: u8, day: u8) -> i64 {
    let month = i64::from(month);
    let y = if month <= 2 { year - 1 } else { year };
    let era = if y >= 0 { y } else { y - 399 } / 400;
    let yoe = y - era * 400;
    let mp = (month + 9) % 12;
    let doy = (153 * mp + 2) / 5 + i64::from(day) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The date (year, month 1–12, day 1–31) of a day count since 1970-01-01: the inverse
/// of [`days_from_civil`].
///
/// Valid for day counts within about ±2.5 × 10¹⁸ days (far beyond any timestamp in
/// seconds divided by 86 400).
pub fn civil_from_days(days: i64) -> (i64, u8, u8) {
    let z = days + 719_468;
    let era = if z >= 0 { z } else { z - 146_096 } / 146_097;
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    // doy is 0..=365 and mp 0..=11, so day and month fit a u8.
    let day = (doy - (153 * mp + 2) / 5 + 1) as u8;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u8;
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_dates() {
        for (date, days) in [
            ((1970, 1, 1), 0),
            ((1969, 12, 31), -1),
            ((2000, 3, 1), 11_017),
            ((2024, 2, 29), 19_782),
            ((2024, 3, 1), 19_783),
            ((1, 1, 1), -719_162),
            ((9999, 12, 31), 2_932_896),
            ((0, 3, 1), -719_468),
            ((-1, 12, 31), -719_529),
        ] {
            let (y, m, d) = date;
            assert_eq!(days_from_civil(y, m, d), days, "{date:?}");
            assert_eq!(civil_from_days(days), date, "{days}");
        }
    }

    #[test]
    fn every_day_round_trips_and_follows_the_previous() {
        let mut previous = civil_from_days(-800_000);
        for days in -799_999..=3_000_000 {
            let (y, m, d) = civil_from_days(days);
            assert_eq!(days_from_civil(y, m, d), days);
            assert!((1..=12).contains(&m) && (1..=days_in_month(y, m)).contains(&d));
            let (py, pm, pd) = previous;
            let next = if pd < days_in_month(py, pm) {
                (py, pm, pd + 1)
            } else if pm < 12 {
                (py, pm + 1, 1)
            } else {
                (py + 1, 1, 1)
            };
            assert_eq!((y, m, d), next, "{days}");
            previous = (y, m, d);
        }
    }

    #[test]
    fn month_lengths() {
        assert_eq!(days_in_month(2023, 2), 28);
        assert_eq!(days_in_month(2024, 2), 29);
        assert_eq!(days_in_month(1900, 2), 28);
        assert_eq!(days_in_month(2000, 2), 29);
        assert_eq!(days_in_month(2024, 4), 30);
        assert_eq!(days_in_month(2024, 12), 31);
        assert_eq!(days_in_month(2024, 0), 0);
        assert_eq!(days_in_month(2024, 13), 0);
        assert!(is_leap_year(0) && is_leap_year(-4) && !is_leap_year(-1));
        assert!(is_valid_date(2024, 2, 29) && is_valid_date(2023, 12, 31));
        for (y, m, d) in [
            (2023, 2, 29),
            (2024, 4, 31),
            (2024, 0, 1),
            (2024, 13, 1),
            (2024, 1, 0),
        ] {
            assert!(!is_valid_date(y, m, d), "{y}-{m}-{d}");
        }
    }
}
