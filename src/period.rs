//! The reporting period being collected: what `--period` says, what a submission's
//! period cells must equal, and what the outputs are headed with.

use crate::text::date::{format_date, parse_date_text};
use chrono::NaiveDate;
use std::fmt;

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
    /// No `..` between the two dates.
    #[error("--period '{0}' must be FROM..TO, e.g. 01/01/2026..30/06/2026")]
    Shape(String),
    /// One end is not a date.
    #[error("--period: '{0}' is not a date (dd/mm/yyyy)")]
    Date(String),
    /// The period ends before it starts.
    #[error("--period: {0} is after {1}")]
    Reversed(String, String),
}

impl Period {
    /// Parse `FROM..TO` with dates as `dd/mm/yyyy` (or `yyyy-mm-dd`).
    ///
    /// ```
    /// use tonghop::period::Period;
    /// let p = Period::parse("01/01/2026..30/06/2026").unwrap();
    /// assert_eq!(p.to_string(), "01/01/2026 – 30/06/2026");
    /// assert!(Period::parse("30/06/2026..01/01/2026").is_err());
    /// ```
    pub fn parse(s: &str) -> Result<Period, PeriodError> {
        let Some((a, b)) = s.split_once("..") else {
            return Err(PeriodError::Shape(s.to_string()));
        };
        let date = |t: &str| parse_date_text(t).map_err(|_| PeriodError::Date(t.to_string()));
        let (from, to) = (date(a)?, date(b)?);
        if from > to {
            return Err(PeriodError::Reversed(a.to_string(), b.to_string()));
        }
        Ok(Period { from, to })
    }
}

impl fmt::Display for Period {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} – {}", format_date(self.from), format_date(self.to))
    }
}
