//! The per-organisation detail: whether every table row of every unit is written (the
//! *Chi tiết* sheets, table rows in report.json), and so whether a clean file's rows
//! are kept after checking. This module is the one place that decides both: the
//! reading side asks [`Tracker::checked`] after each file, the writing side gets a
//! [`Decision`].

use crate::lang::Lang;
use crate::spec::Layout;
use crate::submission::Submission;
use std::sync::atomic::{AtomicUsize, Ordering};

/// Whether the per-organisation detail (every table row of every unit) is written.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Detail {
    /// Up to [`DETAIL_AUTO_ROWS`] table rows read in all.
    #[default]
    Auto,
    /// Whatever the size (`--detail`).
    Always,
    /// Never (`--no-detail`).
    Never,
}

/// Table rows read in all above which [`Detail::Auto`] leaves the detail out: a
/// province's few thousand organisations are worth a sheet to filter; a national
/// roll-up's million rows are not, and writing them would cost more than reading every
/// workbook.
pub const DETAIL_AUTO_ROWS: usize = 10_000;

impl Detail {
    /// Whether the detail is written, `rows_read` table rows having been read so far.
    /// Rows only grow, so once this is false for a partial count it stays false.
    fn written(self, rows_read: usize) -> bool {
        match self {
            Detail::Always => true,
            Detail::Never => false,
            Detail::Auto => rows_read <= DETAIL_AUTO_ROWS,
        }
    }
}

/// Counts table rows while files are read, and lets a clean file's rows go once they
/// can only serve a detail that will not be written: a national roll-up then holds a
/// few numbers per unit instead of every organisation.
#[derive(Debug, Default)]
pub struct Tracker {
    policy: Detail,
    rows: AtomicUsize,
}

impl Tracker {
    /// A tracker for a run with `policy`.
    pub fn new(policy: Detail) -> Tracker {
        Tracker {
            policy,
            rows: AtomicUsize::new(0),
        }
    }

    /// Called once per file after it is checked. A file with findings keeps its rows
    /// for its returned workbook.
    pub fn checked(&self, layout: &Layout, sub: &mut Submission) {
        let Some(r) = &mut sub.report else { return };
        let n: usize = r.tables.iter().map(|t| t.row_count()).sum();
        let so_far = self.rows.fetch_add(n, Ordering::Relaxed) + n;
        if sub.findings.is_empty() && !self.policy.written(so_far) {
            for (t, d) in layout.tables.iter().zip(&mut r.tables) {
                d.drop_rows(t.columns.len());
            }
        }
    }

    /// The decision for the outputs, once every file is read.
    pub fn decide(&self, subs: &[Submission]) -> Decision {
        let rows = subs
            .iter()
            .filter_map(|s| s.report.as_ref())
            .map(|r| r.tables.iter().map(|t| t.row_count()).sum::<usize>())
            .sum();
        Decision {
            written: self.policy.written(rows),
            rows,
            policy: self.policy,
        }
    }
}

/// Whether this run's outputs carry the detail, and why not.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Decision {
    /// The detail is written.
    pub written: bool,
    /// Table rows read in all.
    pub rows: usize,
    /// What was asked for.
    pub policy: Detail,
}

impl Decision {
    /// The line the consolidated workbook shows when the detail is left out.
    pub fn note(&self, lang: Lang) -> Option<String> {
        if self.written || self.rows == 0 {
            return None;
        }
        let rows = lang.count(self.rows as u64);
        Some(if self.policy == Detail::Never {
            match lang {
                Lang::Vi => format!(
                    "Không ghi sheet chi tiết từng tổ chức cơ sở ({rows} dòng) vì chạy với --no-detail."
                ),
                Lang::En => format!(
                    "The per-organisation detail sheet ({rows} rows) is left out (--no-detail)."
                ),
            }
        } else {
            let max = lang.count(DETAIL_AUTO_ROWS as u64);
            match lang {
                Lang::Vi => format!(
                    "Không ghi sheet chi tiết từng tổ chức cơ sở ({rows} dòng, quá {max} dòng). Muốn có, chạy lại với --detail."
                ),
                Lang::En => format!(
                    "The per-organisation detail sheet is left out ({rows} rows, over {max}). Run again with --detail to include it."
                ),
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_automatic_limit_is_inclusive_and_the_note_says_why() {
        assert!(Detail::Auto.written(DETAIL_AUTO_ROWS));
        assert!(!Detail::Auto.written(DETAIL_AUTO_ROWS + 1));
        assert!(Detail::Always.written(usize::MAX) && !Detail::Never.written(0));
        let left = Decision {
            written: false,
            rows: 12_345,
            policy: Detail::Auto,
        };
        assert!(
            left.note(Lang::Vi)
                .unwrap()
                .contains("12.345 dòng, quá 10.000")
        );
        assert!(
            left.note(Lang::En)
                .unwrap()
                .contains("12,345 rows, over 10,000")
        );
        let never = Decision {
            policy: Detail::Never,
            ..left
        };
        assert!(never.note(Lang::Vi).unwrap().contains("--no-detail"));
        assert_eq!(
            Decision {
                written: true,
                ..left
            }
            .note(Lang::Vi),
            None
        );
    }
}
