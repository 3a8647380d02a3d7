//! The per-organisation detail: whether every table row of every unit is written (the
//! *Chi tiết* sheets, table rows in report.json), and so whether a clean file's rows
//! are kept after checking. This module is the one place that decides both: the
//! reading side asks [`Tracker::checked`] after each file, the writing side gets a
//! [`Decision`].

use crate::extract::{Row, Value};
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
///
/// The rows kept for the detail are held in the run's kept share of the memory budget
/// ([`crate::keep`]), together with every file's figures: `--detail` on 4 million rows
/// took 1.4 GB. The figures come first; past the share the detail is left out (the
/// [`Decision`] says why), later clean files let their rows go at once and the earlier
/// ones once every file is read.
#[derive(Debug, Default)]
pub struct Tracker {
    policy: Detail,
    rows: AtomicUsize,
    /// The run's memory budget, in bytes, once a file has been checked.
    budget_cap: AtomicUsize,
    /// What the run's figures and the detail's rows hold of the budget: here because
    /// the tracker lives as long as the run's submissions, whoever reads them.
    keeper: std::sync::OnceLock<crate::keep::Keeper>,
}

/// Bytes one kept row takes: its struct, label and values, and what each allocation
/// costs the allocator. Measured: 1.2 million rows of 7 figures, about 330 bytes each.
pub(crate) fn row_bytes(r: &Row) -> u64 {
    let texts: u64 = r.values.iter().map(Value::heap_bytes).sum();
    (size_of::<Row>() + r.label.capacity() + r.values.capacity() * size_of::<Value>()) as u64
        + 2 * crate::keep::ALLOCATION
        + texts
}

impl Tracker {
    /// What holds the run's figures and rows against a budget of `cap` bytes (the first
    /// cap asked for: one run has one).
    pub fn keeper(&self, cap: u64) -> &crate::keep::Keeper {
        self.budget_cap
            .store(cap.min(usize::MAX as u64) as usize, Ordering::Relaxed);
        self.keeper.get_or_init(|| crate::keep::Keeper::new(cap))
    }

    /// A tracker for a run with `policy`.
    pub fn new(policy: Detail) -> Tracker {
        Tracker {
            policy,
            ..Tracker::default()
        }
    }

    /// Called once per reading of a file after it is checked, with the run's memory
    /// budget (`--max-memory-mib`, in bytes); `again` for a file read a second time,
    /// whose rows were counted the first time. A file with findings keeps its rows for
    /// its returned workbook. The bytes of rows held for the detail, which the caller
    /// gives back if the file's figures are not kept.
    pub fn checked(
        &self,
        layout: &Layout,
        sub: &mut Submission,
        memory_budget: u64,
        again: bool,
    ) -> u64 {
        let Some(r) = &mut sub.report else { return 0 };
        let n: usize = r.tables.iter().map(|t| t.row_count()).sum();
        let so_far = if again {
            self.rows.load(Ordering::Relaxed)
        } else {
            self.rows.fetch_add(n, Ordering::Relaxed) + n
        };
        if !sub.findings.is_empty() {
            return 0;
        }
        let bytes: u64 = r.tables.iter().flat_map(|t| &t.rows).map(row_bytes).sum();
        let keep = bytes == 0
            || (self.policy.written(so_far) && self.keeper(memory_budget).hold_rows(bytes));
        if keep {
            return bytes;
        }
        drop_rows(layout, r);
        0
    }

    /// Whether the detail may still be written, the rows read so far counted: past the
    /// automatic limit it will not, and the rows held before it was passed can go.
    pub fn may_be_written(&self) -> bool {
        self.policy.written(self.rows.load(Ordering::Relaxed))
    }

    /// The figures did not all fit beside the detail's rows: the rows go (from every
    /// clean file of `subs`), so that the figures have the whole share.
    pub fn let_rows_go(&self, layout: &Layout, subs: &mut [&mut Submission], cap: u64) {
        if !self.keeper(cap).drop_rows() {
            return;
        }
        for s in subs.iter_mut().filter(|s| s.findings.is_empty()) {
            if let Some(r) = &mut s.report {
                drop_rows(layout, r);
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
        let over = self.keeper.get().is_some_and(|k| k.rows_off());
        let wanted = self.policy.written(rows);
        Decision {
            written: wanted && !over,
            rows,
            policy: self.policy,
            // Only where the rows would have been written: past the automatic limit,
            // whether the share also ran out depends on which files came first.
            memory_limit: (over && wanted).then(|| self.budget_cap.load(Ordering::Relaxed) as u64),
        }
    }
}

/// Lets a clean file's rows go: they can only serve the detail.
fn drop_rows(layout: &Layout, r: &mut crate::extract::Report) {
    for (t, d) in layout.tables.iter().zip(&mut r.tables) {
        d.drop_rows(t.columns.len());
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
    /// Left out because its rows and the figures together would have taken more than
    /// half of the run's memory budget (this many bytes, `--max-memory-mib`).
    pub memory_limit: Option<u64>,
}

impl Decision {
    /// The line the consolidated workbook shows when the detail is left out.
    pub fn note(&self, lang: Lang) -> Option<String> {
        if self.written || self.rows == 0 {
            return None;
        }
        let rows = lang.count(self.rows as u64);
        if let Some(limit) = self.memory_limit {
            let mib = limit / (1024 * 1024);
            return Some(match lang {
                Lang::Vi => format!(
                    "Không ghi sheet chi tiết từng tổ chức cơ sở ({rows} dòng): giữ chừng ấy dòng cùng số liệu của các đơn vị cần hơn nửa giới hạn bộ nhớ của lần chạy ({mib} MiB). Muốn có, chạy lại với --max-memory-mib lớn hơn."
                ),
                Lang::En => format!(
                    "The per-organisation detail sheet ({rows} rows) is left out: holding that many rows beside the units' figures needs more than half the run's memory limit ({mib} MiB). Run again with a larger --max-memory-mib to include it."
                ),
            });
        }
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
            memory_limit: None,
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
        let memory = Decision {
            policy: Detail::Always,
            memory_limit: Some(1024 << 20),
            ..left
        };
        assert!(memory.note(Lang::Vi).unwrap().contains("--max-memory-mib"));
        assert!(memory.note(Lang::En).unwrap().contains("1024 MiB"));
    }
}
