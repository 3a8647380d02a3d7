//! Dates as Excel stores them (serial day numbers) and as clerks type them.

use chrono::{Datelike, NaiveDate, NaiveTime};

/// Why a cell could not be read as a date.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum DateError {
    /// Not a day-first date nor a finite serial: a two-digit year or an impossible day (31/02) included.
    #[error("not a date")]
    NotADate,
    /// A real date shape outside the years 1900 to 9999, or serial 60 (Excel's phantom 29/02/1900).
    #[error("date out of range")]
    OutOfRange,
}

/// Years outside this span are typing mistakes in these reports, and Excel
/// itself cannot show a date past 9999.
const YEARS: std::ops::RangeInclusive<i32> = 1900..=9999;

/// Excel serial (1900 system, with the Lotus 1900-02-29 bug: serial 60 is the
/// fake leap day; serials < 61 are off by one) → date. `is_1904` for the 1904
/// system. Accept fractional serials (time part ignored). Range: years
/// 1900..=9999.
///
/// Serial 60 is [`DateError::OutOfRange`]: Excel shows it as 29/02/1900, a day
/// that never existed, so no real date can stand for it. So is serial 0 in the
/// 1900 system, which Excel shows as the equally fictional 00/01/1900.
/// Non-finite serials are [`DateError::NotADate`].
pub fn from_excel_serial(serial: f64, is_1904: bool) -> Result<NaiveDate, DateError> {
    if !serial.is_finite() {
        return Err(DateError::NotADate);
    }
    // Checked on the float so the cast below cannot saturate; the year check
    // at the end gives the exact bound.
    if !(0.0..3_000_000.0).contains(&serial) {
        return Err(DateError::OutOfRange);
    }
    let days = serial.floor() as u64;
    let (epoch, offset) = match (is_1904, days) {
        (true, _) => ((1904, 1, 1), days),
        (false, 60) => return Err(DateError::OutOfRange),
        (false, ..60) => ((1899, 12, 31), days),
        (false, _) => ((1899, 12, 30), days),
    };
    let epoch = NaiveDate::from_ymd_opt(epoch.0, epoch.1, epoch.2).expect("valid epoch");
    epoch
        .checked_add_days(chrono::Days::new(offset))
        .filter(|d| YEARS.contains(&d.year()))
        .ok_or(DateError::OutOfRange)
}

/// Text typed as a date: `dd/mm/yyyy`, `d/m/yyyy`, also `-` or `.` as
/// separator, optional surrounding spaces, also ISO `yyyy-mm-dd` (as written by
/// LibreOffice/ODS `DateTimeIso` values, possibly followed by `T00:00:00`).
/// Day-first always (Vietnam). Two-digit years are NotADate (ambiguous).
/// Validates the calendar (31/02/2026 → NotADate).
///
/// A four-digit first part can only be a year, so `yyyy/mm/dd` and
/// `yyyy.mm.dd` are read year-first too. Both separators must match, since
/// `01/02-2026` is more likely a slip than a date. A time is accepted only
/// after an ISO date, where software wrote it; it is dropped. Years outside
/// 1900..=9999 are [`DateError::OutOfRange`], as for serials.
pub fn parse_date_text(s: &str) -> Result<NaiveDate, DateError> {
    let s = s.trim_matches(|c: char| c.is_whitespace() || matches!(c, '\u{200B}' | '\u{FEFF}'));
    let (date, time) = match s.split_once('T') {
        Some((date, time)) => (date, Some(time)),
        None => (s, None),
    };
    let sep = date
        .chars()
        .find(|c| matches!(c, '/' | '-' | '.'))
        .ok_or(DateError::NotADate)?;
    let mut parts = date.split(sep);
    let (Some(a), Some(b), Some(c), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(DateError::NotADate);
    };
    let year_first = a.len() == 4;
    if let Some(time) = time {
        let iso = year_first && sep == '-';
        if !iso || NaiveTime::parse_from_str(time, "%H:%M:%S%.f").is_err() {
            return Err(DateError::NotADate);
        }
    }
    let (year, month, day) = if year_first { (a, b, c) } else { (c, b, a) };
    let day_month_ok = [day, month].iter().all(|p| (1..=2).contains(&p.len()));
    if year.len() != 4 || !day_month_ok {
        return Err(DateError::NotADate);
    }
    let (year, month, day) = (number(year)?, number(month)?, number(day)?);
    if !YEARS.contains(&year) {
        return Err(DateError::OutOfRange);
    }
    NaiveDate::from_ymd_opt(year, month, day).ok_or(DateError::NotADate)
}

/// Only ASCII digits: `str::parse` would also take a leading `+`.
fn number<T: std::str::FromStr>(s: &str) -> Result<T, DateError> {
    if s.bytes().all(|b| b.is_ascii_digit()) {
        s.parse().map_err(|_| DateError::NotADate)
    } else {
        Err(DateError::NotADate)
    }
}

/// Format as dd/mm/yyyy for messages.
pub fn format_date(d: NaiveDate) -> String {
    d.format("%d/%m/%Y").to_string()
}

#[cfg(test)]
mod tests {
    use super::DateError::{NotADate, OutOfRange};
    use super::*;

    fn ymd(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    #[test]
    fn serials_1900_system() {
        let cases = [
            (1.0, Ok(ymd(1900, 1, 1))),
            (2.0, Ok(ymd(1900, 1, 2))),
            (31.0, Ok(ymd(1900, 1, 31))),
            (32.0, Ok(ymd(1900, 2, 1))),
            (59.0, Ok(ymd(1900, 2, 28))),
            (59.999, Ok(ymd(1900, 2, 28))),
            (60.0, Err(OutOfRange)),
            (60.5, Err(OutOfRange)),
            (61.0, Ok(ymd(1900, 3, 1))),
            (367.0, Ok(ymd(1901, 1, 1))),
            (36526.0, Ok(ymd(2000, 1, 1))),
            (45658.0, Ok(ymd(2025, 1, 1))),
            (45658.75, Ok(ymd(2025, 1, 1))),
            (46054.0, Ok(ymd(2026, 2, 1))),
            (2_958_465.0, Ok(ymd(9999, 12, 31))),
            (2_958_465.9, Ok(ymd(9999, 12, 31))),
            (2_958_466.0, Err(OutOfRange)),
            (0.0, Err(OutOfRange)),
            (0.5, Err(OutOfRange)),
            (-0.5, Err(OutOfRange)),
            (-1.0, Err(OutOfRange)),
            (1e300, Err(OutOfRange)),
            (-1e300, Err(OutOfRange)),
            (f64::NAN, Err(NotADate)),
            (f64::INFINITY, Err(NotADate)),
            (f64::NEG_INFINITY, Err(NotADate)),
        ];
        for (serial, want) in cases {
            assert_eq!(from_excel_serial(serial, false), want, "serial {serial}");
        }
    }

    #[test]
    fn serials_1904_system() {
        let cases = [
            (0.0, Ok(ymd(1904, 1, 1))),
            (0.99, Ok(ymd(1904, 1, 1))),
            (1.0, Ok(ymd(1904, 1, 2))),
            (59.0, Ok(ymd(1904, 2, 29))),
            (60.0, Ok(ymd(1904, 3, 1))),
            (44196.0, Ok(ymd(2025, 1, 1))),
            (2_957_003.0, Ok(ymd(9999, 12, 31))),
            (2_957_004.0, Err(OutOfRange)),
            (-1.0, Err(OutOfRange)),
            (f64::NAN, Err(NotADate)),
        ];
        for (serial, want) in cases {
            assert_eq!(from_excel_serial(serial, true), want, "serial {serial}");
        }
    }

    #[test]
    fn systems_differ_by_1462_days_after_the_fake_leap_day() {
        for serial in (61..2_957_003).step_by(997) {
            let s = f64::from(serial);
            assert_eq!(
                from_excel_serial(s, true),
                from_excel_serial(s + 1462.0, false)
            );
        }
    }

    /// The serial rust_xlsxwriter writes for a date (what every date cell of
    /// tonghop's workbooks holds) reads back as that date.
    fn written_serial(d: NaiveDate) -> f64 {
        rust_xlsxwriter::IntoExcelDateTime::to_excel_serial_date(&d)
    }

    #[test]
    fn serial_round_trip() {
        for serial in (1..=2_958_465).filter(|&s| s != 60) {
            let date = from_excel_serial(f64::from(serial), false).unwrap();
            assert_eq!(written_serial(date), f64::from(serial), "{date}");
        }
    }

    #[test]
    fn written_serials_are_excels() {
        assert_eq!(written_serial(ymd(1900, 1, 1)), 1.0);
        assert_eq!(written_serial(ymd(1900, 2, 28)), 59.0);
        assert_eq!(written_serial(ymd(1900, 3, 1)), 61.0);
        assert_eq!(written_serial(ymd(2025, 1, 1)), 45658.0);
        assert_eq!(written_serial(ymd(9999, 12, 31)), 2_958_465.0);
        assert_eq!(written_serial(ymd(1899, 12, 31)), 0.0);
    }

    #[test]
    fn text_dates() {
        let ok = [
            ("01/01/2025", ymd(2025, 1, 1)),
            ("1/1/2025", ymd(2025, 1, 1)),
            ("5/9/2025", ymd(2025, 9, 5)),
            ("05/09/2025", ymd(2025, 9, 5)),
            ("31/12/2025", ymd(2025, 12, 31)),
            ("12/01/2025", ymd(2025, 1, 12)),
            ("29/02/2024", ymd(2024, 2, 29)),
            ("01-02-2026", ymd(2026, 2, 1)),
            ("1.2.2026", ymd(2026, 2, 1)),
            ("  01/02/2026  ", ymd(2026, 2, 1)),
            ("\u{a0}01/02/2026\u{202f}", ymd(2026, 2, 1)),
            ("\u{feff}01/02/2026", ymd(2026, 2, 1)),
            ("2025-01-31", ymd(2025, 1, 31)),
            ("2025-1-3", ymd(2025, 1, 3)),
            ("2025-01-31T00:00:00", ymd(2025, 1, 31)),
            ("2025-01-31T13:45:10", ymd(2025, 1, 31)),
            ("2025-01-31T13:45:10.250", ymd(2025, 1, 31)),
            ("2025/01/31", ymd(2025, 1, 31)),
            ("2025.01.31", ymd(2025, 1, 31)),
            ("01/01/1900", ymd(1900, 1, 1)),
            ("31/12/9999", ymd(9999, 12, 31)),
        ];
        for (text, want) in ok {
            assert_eq!(parse_date_text(text), Ok(want), "{text:?}");
        }
    }

    #[test]
    fn text_non_dates() {
        let bad = [
            ("", NotADate),
            ("   ", NotADate),
            ("abc", NotADate),
            ("45658", NotADate),
            ("31/02/2026", NotADate),
            ("29/02/2025", NotADate),
            ("29/02/1900", NotADate),
            ("00/01/2025", NotADate),
            ("01/00/2025", NotADate),
            ("32/01/2025", NotADate),
            ("01/13/2025", NotADate),
            ("12/31/2025", NotADate),
            ("01/01/25", NotADate),
            ("1/1/99", NotADate),
            ("01/01/025", NotADate),
            ("01/01/02025", NotADate),
            ("001/01/2025", NotADate),
            ("01/001/2025", NotADate),
            ("01/02-2026", NotADate),
            ("01/02", NotADate),
            ("01/02/2026/1", NotADate),
            ("01//2026", NotADate),
            ("/01/2026", NotADate),
            ("01/02/2026/", NotADate),
            ("+1/02/2026", NotADate),
            ("01/+2/2026", NotADate),
            ("-1/02/2026", NotADate),
            ("01 / 02 / 2026", NotADate),
            ("01/02/2026 10:00", NotADate),
            ("01/02/2026T00:00:00", NotADate),
            ("2025/01/31T00:00:00", NotADate),
            ("2025-01-31T", NotADate),
            ("2025-01-31T25:00:00", NotADate),
            ("2025-01-31Tnoon", NotADate),
            ("2025-02-30", NotADate),
            ("2025-13-01", NotADate),
            ("25-01-31", NotADate),
            ("\u{661}/\u{662}/\u{662}\u{660}\u{662}\u{665}", NotADate),
            ("31/12/1899", OutOfRange),
            ("01/01/0001", OutOfRange),
            ("1899-12-31", OutOfRange),
        ];
        for (text, want) in bad {
            assert_eq!(parse_date_text(text), Err(want), "{text:?}");
        }
    }

    #[test]
    fn formats_day_first_with_padding() {
        assert_eq!(format_date(ymd(2025, 1, 5)), "05/01/2025");
        assert_eq!(format_date(ymd(1900, 12, 31)), "31/12/1900");
    }

    #[test]
    fn formatted_dates_parse_back() {
        for serial in (1..=2_958_465).step_by(101).filter(|&s| s != 60) {
            let date = from_excel_serial(f64::from(serial), false).unwrap();
            assert_eq!(parse_date_text(&format_date(date)), Ok(date));
        }
    }
}
