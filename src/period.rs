//! The reporting period being collected: what `--period` says, what a submission's
//! period cells must equal, and what the outputs are headed with.
//!
//! A clerk types the period as the province's letters name it, not as a program would:
//! `1/1/2026-30/6/2026`, `6 tháng đầu năm 2026`, `quý 2/2026`, `2026`. [`Period::parse`]
//! reads all of these, so that a clerk never has to learn a notation to start a run.

use crate::lang::Lang;
use crate::text::date::{format_date, parse_date_text};
use chrono::NaiveDate;
use std::fmt;
use unicode_normalization::UnicodeNormalization;

/// A reporting period, both ends included.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Period {
    /// The first day.
    pub from: NaiveDate,
    /// The last day.
    pub to: NaiveDate,
}

/// Why a text is not a period.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PeriodError {
    /// Neither two dates nor a year, month, quarter or half-year.
    #[error("--period '{0}' is not a period; write e.g. {EXAMPLES}")]
    Shape(String),
    /// One end is not a date.
    #[error("--period: '{0}' is not a date (dd/mm/yyyy); write e.g. {EXAMPLES}")]
    Date(String),
    /// The period ends before it starts.
    #[error("--period: {0} is after {1}")]
    Reversed(String, String),
}

/// What a clerk may type, shown with every error so that the fix is one copy away.
const EXAMPLES: &str = "01/01/2026..30/06/2026, 1/1/2026-30/6/2026, \"6 tháng đầu năm 2026\", \"quý 2/2026\", 6/2026, 2026";

impl PeriodError {
    /// The error as the clerk reads it, in `lang`, with examples of what is read.
    pub fn message(&self, lang: Lang) -> String {
        match (self, lang) {
            (PeriodError::Shape(s), Lang::Vi) => {
                format!("không hiểu kỳ báo cáo --period '{s}'; hãy viết, ví dụ: {EXAMPLES}")
            }
            (PeriodError::Date(s), Lang::Vi) => format!(
                "--period: '{s}' không phải là ngày (ngày/tháng/năm, ví dụ 30/06/2026); hãy viết, ví dụ: {EXAMPLES}"
            ),
            (PeriodError::Reversed(a, b), Lang::Vi) => format!(
                "--period: ngày bắt đầu {a} ở sau ngày kết thúc {b}; hãy viết ngày bắt đầu trước, ví dụ 01/01/2026..30/06/2026"
            ),
            (e, Lang::En) => e.to_string(),
        }
    }
}

impl Period {
    /// Parse a period as a clerk types it: two dates (`dd/mm/yyyy`, `d/m/yyyy` or
    /// `yyyy-mm-dd`) joined by `..`, `-`, ` - `, an en dash or `đến`; a year (`2026`,
    /// `năm 2026`); a month (`6/2026`, `tháng 6/2026`); a quarter (`quý 2/2026`,
    /// `quý II năm 2026`); or the months at the start or end of a year (`6 tháng đầu năm
    /// 2026`, `6 tháng cuối năm 2026`, `9 tháng đầu năm 2026`). Upper or lower case, any
    /// spacing.
    ///
    /// ```
    /// use tonghop::period::Period;
    /// let p = Period::parse("01/01/2026..30/06/2026").unwrap();
    /// assert_eq!(p.to_string(), "01/01/2026 – 30/06/2026");
    /// assert_eq!(Period::parse("1/1/2026-30/6/2026").unwrap(), p);
    /// assert_eq!(Period::parse("6 tháng đầu năm 2026").unwrap(), p);
    /// assert_eq!(Period::parse("quý 2/2026").unwrap().to_string(), "01/04/2026 – 30/06/2026");
    /// assert_eq!(Period::parse("2026").unwrap().to_string(), "01/01/2026 – 31/12/2026");
    /// assert!(Period::parse("30/06/2026..01/01/2026").is_err());
    /// ```
    pub fn parse(s: &str) -> Result<Period, PeriodError> {
        let text: String = s.nfc().collect::<String>().to_lowercase();
        let words: Vec<&str> = text.split_whitespace().collect();
        let text = words.join(" ");
        let text = text.strip_prefix("từ ").unwrap_or(&text).trim();
        if let Some(p) = named(text) {
            return Ok(p);
        }
        let (from, to) = split_range(text).ok_or_else(|| {
            // Two parts of which one is not a date: name that one.
            RANGE_SEPARATORS
                .iter()
                .find_map(|sep| text.split_once(sep))
                .and_then(|(a, b)| {
                    [a, b]
                        .into_iter()
                        .map(str::trim)
                        .find(|t| parse_date_text(t).is_err())
                })
                .map_or_else(
                    || PeriodError::Shape(s.trim().to_string()),
                    |bad| PeriodError::Date(bad.to_string()),
                )
        })?;
        if from > to {
            return Err(PeriodError::Reversed(format_date(from), format_date(to)));
        }
        Ok(Period { from, to })
    }

    /// The whole of `year`, if it is a year a date can have.
    fn year(year: i32) -> Option<Period> {
        Period::months(year, 1, 12)
    }

    /// The months `first` to `last` of `year`, both included.
    fn months(year: i32, first: u32, last: u32) -> Option<Period> {
        if !(1900..=9999).contains(&year) || first < 1 || last > 12 || first > last {
            return None;
        }
        let from = NaiveDate::from_ymd_opt(year, first, 1)?;
        let next = if last == 12 {
            NaiveDate::from_ymd_opt(year + 1, 1, 1)?
        } else {
            NaiveDate::from_ymd_opt(year, last + 1, 1)?
        };
        Some(Period {
            from,
            to: next.pred_opt()?,
        })
    }
}

/// What joins two dates, besides a hyphen (see [`split_range`]).
const RANGE_SEPARATORS: [&str; 5] = ["..", "–", "—", " đến ", " tới "];

/// Two dates joined by one of the separators clerks use, or `None`.
fn split_range(text: &str) -> Option<(NaiveDate, NaiveDate)> {
    let date = |t: &str| parse_date_text(t.trim()).ok();
    for sep in RANGE_SEPARATORS {
        if let Some((a, b)) = text.split_once(sep) {
            return Some((date(a)?, date(b)?));
        }
    }
    // A hyphen is also inside ISO dates (2026-01-01-2026-06-30) and dashed dates
    // (1-1-2026-30-6-2026): the split is the one hyphen with a date on both sides.
    text.match_indices('-')
        .find_map(|(i, _)| Some((date(&text[..i])?, date(&text[i + 1..])?)))
}

/// A year, month, quarter or run of months named in words, or `None`.
fn named(text: &str) -> Option<Period> {
    let number = |t: &str| t.trim().parse::<u32>().ok();
    let year = |t: &str| {
        t.trim()
            .parse::<i32>()
            .ok()
            .filter(|y| (1900..=9999).contains(y))
    };
    // `2026`, `năm 2026`.
    let bare = text.strip_prefix("năm ").unwrap_or(text);
    if bare.len() == 4
        && let Some(y) = year(bare)
    {
        return Period::year(y);
    }
    // `6/2026`, `06/2026`, `tháng 6/2026`, `tháng 6 năm 2026`.
    let month_text = text.strip_prefix("tháng ").unwrap_or(text);
    if let Some((m, y)) = split_year(month_text)
        && let (Some(m), Some(y)) = (number(m), year(y))
        && (1..=12).contains(&m)
    {
        return Period::months(y, m, m);
    }
    // `quý 2/2026`, `quý II năm 2026`.
    if let Some(rest) = text.strip_prefix("quý ")
        && let Some((q, y)) = split_year(rest)
        && let (Some(q), Some(y)) = (quarter(q.trim()), year(y))
    {
        return Period::months(y, 3 * q - 2, 3 * q);
    }
    // `6 tháng đầu năm 2026`, `6 tháng cuối năm 2026`, `9 tháng đầu 2026`.
    if let Some((n, rest)) = text.split_once(" tháng ")
        && let Some(n) = number(n).filter(|n| (1..=12).contains(n))
    {
        let (first, rest) = if let Some(r) = rest.strip_prefix("đầu") {
            (true, r)
        } else {
            (false, rest.strip_prefix("cuối")?)
        };
        let rest = rest.trim_start();
        let y = year(
            rest.strip_prefix("năm")
                .unwrap_or(rest)
                .trim_start_matches([' ', '/']),
        )?;
        return if first {
            Period::months(y, 1, n)
        } else {
            Period::months(y, 13 - n, 12)
        };
    }
    None
}

/// `X/2026` or `X năm 2026` as (`X`, `2026`).
fn split_year(text: &str) -> Option<(&str, &str)> {
    text.rsplit_once('/')
        .or_else(|| text.rsplit_once(" năm "))
        .filter(|(_, y)| y.trim().len() == 4)
}

/// A quarter's number, in figures or in Roman numerals as letters write it (`II`).
fn quarter(q: &str) -> Option<u32> {
    match q {
        "1" | "i" => Some(1),
        "2" | "ii" => Some(2),
        "3" | "iii" => Some(3),
        "4" | "iv" => Some(4),
        _ => None,
    }
}

impl fmt::Display for Period {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} – {}", format_date(self.from), format_date(self.to))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(s: &str) -> String {
        match Period::parse(s) {
            Ok(p) => p.to_string(),
            Err(e) => format!("error: {}", e.message(Lang::Vi)),
        }
    }

    const H1: &str = "01/01/2026 – 30/06/2026";

    #[test]
    fn two_dates_with_every_separator_clerks_type() {
        for s in [
            "01/01/2026..30/06/2026",
            "1/1/2026-30/6/2026",
            "01/01/2026 - 30/06/2026",
            "01/01/2026 – 30/06/2026",
            "01/01/2026–30/06/2026",
            "1/1/2026 đến 30/6/2026",
            "từ 1/1/2026 đến 30/6/2026",
            "2026-01-01..2026-06-30",
            "2026-01-01-2026-06-30",
            "1-1-2026-30-6-2026",
            "  01/01/2026 .. 30/06/2026 ",
        ] {
            assert_eq!(p(s), H1, "{s}");
        }
    }

    #[test]
    fn a_year_a_month_a_quarter_and_half_years() {
        assert_eq!(p("2026"), "01/01/2026 – 31/12/2026");
        assert_eq!(p("năm 2026"), "01/01/2026 – 31/12/2026");
        assert_eq!(p("Năm 2026"), "01/01/2026 – 31/12/2026");
        assert_eq!(p("6/2026"), "01/06/2026 – 30/06/2026");
        assert_eq!(p("06/2026"), "01/06/2026 – 30/06/2026");
        assert_eq!(p("2/2028"), "01/02/2028 – 29/02/2028");
        assert_eq!(p("tháng 12/2026"), "01/12/2026 – 31/12/2026");
        assert_eq!(p("tháng 6 năm 2026"), "01/06/2026 – 30/06/2026");
        assert_eq!(p("6 tháng đầu năm 2026"), H1);
        assert_eq!(p("6 THÁNG ĐẦU NĂM 2026"), H1);
        assert_eq!(p("6  tháng  đầu  2026"), H1);
        assert_eq!(p("6 tháng cuối năm 2026"), "01/07/2026 – 31/12/2026");
        assert_eq!(p("9 tháng đầu năm 2026"), "01/01/2026 – 30/09/2026");
        assert_eq!(p("quý 2/2026"), "01/04/2026 – 30/06/2026");
        assert_eq!(p("Quý II năm 2026"), "01/04/2026 – 30/06/2026");
        assert_eq!(p("quý 4/2026"), "01/10/2026 – 31/12/2026");
        // Typed with combining marks (NFD), as some Windows keyboards send it.
        let nfd: String = "6 tháng đầu năm 2026".nfd().collect();
        assert_eq!(p(&nfd), H1);
    }

    #[test]
    fn unreadable_periods_say_so_in_vietnamese_with_examples() {
        for s in [
            "hôm qua",
            "13/2026",
            "quý 5/2026",
            "13 tháng đầu năm 2026",
            "01/01/2026",
            "26",
            "",
        ] {
            let e = Period::parse(s).unwrap_err();
            let vi = e.message(Lang::Vi);
            assert!(
                vi.contains("ví dụ") && vi.contains("6 tháng đầu năm 2026"),
                "{s}: {vi}"
            );
        }
        let e = Period::parse("01/01/2026..31/02/2026").unwrap_err();
        assert_eq!(e, PeriodError::Date("31/02/2026".into()));
        assert!(e.message(Lang::Vi).contains("không phải là ngày"));
        let e = Period::parse("30/06/2026..01/01/2026").unwrap_err();
        assert!(
            e.message(Lang::Vi).contains("ở sau"),
            "{}",
            e.message(Lang::Vi)
        );
        assert!(e.message(Lang::En).contains("is after"));
    }
}
