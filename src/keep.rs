//! What the run keeps of each file once it is read (its figures and findings, to be
//! summed and written, and the detail's table rows), held against the run's one memory
//! budget.
//!
//! Reading is bounded file by file ([`crate::read::budget`]), but what is kept grows
//! with the inbox: about 28 KB a submission of the official form, so an inbox of a few
//! hundred thousand small files would have passed any budget. Kept bytes have half of
//! `--max-memory-mib` to themselves (reading has the other half): each file's figures
//! once it is checked, and the clean files' table rows while the detail may still be
//! written. One account for both, so that together they can never take reading's room.
//!
//! What is kept must not depend on which thread finished first. The figures come
//! first: if the figures and the detail's rows together do not fit, the detail is left
//! out (its rows let go), whichever was refused first. Then, once every file is read,
//! the files are taken in name order and each keeps its figures if they fit in what the
//! files kept before it leave of the share; a file that does not gives its figures back
//! and gets `FILE_SIZE` naming `--max-memory-mib`, and a file that fits but lost its
//! figures while others held the share is read again. Two runs on one inbox keep the
//! same files, and write the detail or not alike.
//! A count-based refusal before reading would be wrong: junk files keep next to nothing.

use crate::finding::{Builtin, Finding, Shown};
use crate::lang::Msg;
use crate::submission::{Status, Submission};
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};

/// What the allocator adds to each allocation, as [`crate::detail`] measured it.
pub const ALLOCATION: u64 = 32;

/// Bytes the run holds for `s` once it is checked: the submission, its findings and its
/// figures. A clean file's table rows are the detail's ([`crate::detail::Tracker`]
/// holds them in the same share, or lets them go), so they count only for a file with
/// findings, which keeps them for its returned workbook. The column sums a clean file
/// keeps once its rows go (a few hundred bytes) are left out: whether the rows went at
/// the first reading depends on which files came first, and the count must not, or the
/// files kept in name order would.
pub fn kept_bytes(s: &Submission) -> u64 {
    let text = |t: &String| t.capacity() as u64 + ALLOCATION;
    let shown = |v: &Option<Shown>| match v {
        Some(Shown::Text(t)) => text(t),
        _ => 0,
    };
    let findings: u64 = s
        .findings
        .iter()
        .map(|f| text(&f.message.vi) + text(&f.message.en) + shown(&f.found) + shown(&f.expected))
        .sum::<u64>()
        + (s.findings.capacity() * size_of::<Finding>()) as u64;
    let report = s.report.as_ref().map_or(0, |r| {
        let values = |v: &Vec<crate::extract::Value>| {
            v.iter().map(crate::extract::Value::heap_bytes).sum::<u64>()
                + (v.capacity() * size_of::<crate::extract::Value>()) as u64
        };
        let tables: u64 = r
            .tables
            .iter()
            .map(|t| {
                let rows: u64 = if s.findings.is_empty() {
                    0
                } else {
                    t.rows.iter().map(crate::detail::row_bytes).sum()
                };
                rows + t.total.as_ref().map_or(0, crate::detail::row_bytes)
                    + (t.total_ranges.capacity() * size_of::<Option<crate::read::SumRange>>())
                        as u64
                    + size_of::<crate::extract::TableData>() as u64
            })
            .sum();
        size_of::<crate::extract::Report>() as u64
            + values(&r.cells)
            + values(&r.derived)
            + tables
            + r.lists.iter().map(|l| l.heap_bytes()).sum::<u64>()
            + r.sheet_names.iter().map(text).sum::<u64>()
            + r.sheet_missing.capacity() as u64
            + r.form_id.as_ref().map_or(0, text)
            + r.form_version.as_ref().map_or(0, text)
    });
    size_of::<Submission>() as u64 + text(&s.file) + text(&s.sha256) + findings + report
}

/// The kept share of the run's budget, shared by every job.
#[derive(Debug)]
pub struct Keeper {
    /// The run's budget, in bytes (`--max-memory-mib`).
    cap: u64,
    /// What the figures and the detail's rows may hold of it together.
    share: u64,
    held: Mutex<Held>,
    /// A file lost its figures: the run ends with a second pass in name order.
    refused: AtomicBool,
}

/// What is held of the share now.
#[derive(Debug, Default)]
struct Held {
    figures: u64,
    rows: u64,
    /// The detail's rows did not fit, or were let go for the figures: no more are held.
    rows_off: bool,
}

impl Keeper {
    /// The keeper of a run whose budget is `cap` bytes.
    pub fn new(cap: u64) -> Keeper {
        Keeper {
            cap,
            share: cap / 2,
            held: Mutex::new(Held::default()),
            refused: AtomicBool::new(false),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Held> {
        self.held.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Holds `bytes` for a file's figures if they fit in the share now.
    pub fn keep(&self, bytes: u64) -> bool {
        let mut held = self.lock();
        let fits = held.figures.saturating_add(held.rows).saturating_add(bytes) <= self.share;
        if fits {
            held.figures += bytes;
        } else {
            self.refused.store(true, Ordering::Relaxed);
        }
        fits
    }

    /// Holds `bytes` for a clean file's rows, for the detail, if they fit in the share
    /// now and no rows were refused before (the detail is then left out for good).
    pub fn hold_rows(&self, bytes: u64) -> bool {
        let mut held = self.lock();
        if held.rows_off {
            return false;
        }
        if held.figures.saturating_add(held.rows).saturating_add(bytes) > self.share {
            held.rows_off = true;
            return false;
        }
        held.rows += bytes;
        true
    }

    /// Gives back `bytes` a file's figures held.
    pub fn release(&self, bytes: u64) {
        let mut held = self.lock();
        held.figures = held.figures.saturating_sub(bytes);
    }

    /// Gives back `bytes` a file's rows held (its figures were not kept).
    pub fn release_rows(&self, bytes: u64) {
        let mut held = self.lock();
        held.rows = held.rows.saturating_sub(bytes);
    }

    /// Lets every row go, for the figures' sake: no more rows are held. Whether some
    /// were held (they must then be dropped from the submissions).
    pub fn drop_rows(&self) -> bool {
        let mut held = self.lock();
        held.rows_off = true;
        std::mem::take(&mut held.rows) > 0
    }

    /// Whether the detail's rows stopped being held: they did not fit.
    pub fn rows_off(&self) -> bool {
        self.lock().rows_off
    }

    /// Whether some file lost its figures while the files were read.
    pub fn refused_any(&self) -> bool {
        self.refused.load(Ordering::Relaxed)
    }

    /// Which of `bytes` (each file's kept bytes, in name order) keep their figures:
    /// each in turn, if it fits in what the ones kept before it leave of the share. A
    /// large file past the room does not stop the smaller ones after it.
    pub fn fitting(&self, bytes: impl IntoIterator<Item = u64>) -> Vec<bool> {
        let mut total = 0u64;
        bytes
            .into_iter()
            .map(|b| {
                let fits = total.saturating_add(b) <= self.share;
                if fits {
                    total += b;
                }
                fits
            })
            .collect()
    }

    /// Takes the figures away from `s`, which did not fit: a FILE_SIZE finding takes
    /// their place. `before` files, in name order, were kept before it.
    pub fn refuse(&self, s: &mut Submission, before: usize) {
        s.report = None;
        s.findings = vec![self.finding(before)];
        s.status = Status::Unreadable;
        s.held_back = true;
    }

    fn finding(&self, before: usize) -> Finding {
        let mib = |b: u64| b.div_ceil(1024 * 1024);
        let (share, cap) = (mib(self.share), mib(self.cap));
        Finding::error(
            Builtin::FileSize,
            Msg::new(
                format!(
                    "Số liệu của {before} tệp đứng trước tệp này (theo thứ tự tên tệp) đã dùng hết phần bộ nhớ dành để giữ số liệu của lần chạy ({share} MiB, một nửa giới hạn bộ nhớ {cap} MiB); tệp này không được tổng hợp, các tệp đứng trước vẫn được tổng hợp. Người tổng hợp có thể nâng bằng --max-memory-mib, hoặc chia thư mục bài nộp để chạy nhiều lần."
                ),
                format!(
                    "The figures of the {before} files before this one (in file-name order) fill the part of the run's memory kept for figures ({share} MiB, half the {cap} MiB limit); this file is not consolidated, the files before it are. Raise it with --max-memory-mib, or split the inbox into several runs."
                ),
            ),
        )
        .found(Shown::Number(before as f64))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::form::Form;
    use crate::pipeline::Options;
    use std::path::Path;

    fn sample(name: &str) -> Submission {
        let form = Form::default_form().unwrap();
        crate::pipeline::samples(&form, &[name]).remove(0)
    }

    #[test]
    fn a_submission_keeps_kilobytes_and_its_findings_count() {
        let clean = sample("MUONGNHE.xlsx");
        let faulty = sample("DIENBIENPHU.xlsx");
        let (c, f) = (kept_bytes(&clean), kept_bytes(&faulty));
        assert!(clean.findings.is_empty() && !faulty.findings.is_empty());
        assert!((2_000..100_000).contains(&c), "{c}");
        assert!(f > c, "{f} {c}");
    }

    #[test]
    fn a_large_file_does_not_stop_the_smaller_ones_after_it() {
        // Half of 200 for the figures: 30 + 30 + 40 fit, the 80 between them does not.
        let keeper = Keeper::new(200);
        assert_eq!(
            keeper.fitting([30, 80, 30, 40, 1]),
            [true, false, true, true, false]
        );
        assert_eq!(keeper.fitting([101, 100]), [false, true]);
    }

    /// With the detail asked for, the figures and the rows share one account: the
    /// figures all fit, the rows beside them do not, so every file is consolidated and
    /// the detail is left out, saying why, whatever the threads. (Each used to have half
    /// the budget of its own: both fitted, and reading was left no room.)
    #[test]
    fn the_figures_come_first_and_the_detail_goes_alike_however_many_jobs() {
        use crate::detail::{Detail, Tracker, row_bytes};
        let form = Form::default_form().unwrap();
        let (_dir, inputs) = inbox(150);
        let opts = Options::default();
        let first = |policy| {
            let detail = Tracker::new(policy);
            crate::pipeline::process_all(&form, &inputs[..1], &opts, &detail).remove(0)
        };
        // What a file keeps once its rows are let go (the larger), and its rows.
        let one = kept_bytes(&first(Detail::Never));
        let with_rows = first(Detail::Always);
        let rows: u64 = (with_rows.report.as_ref().unwrap().tables.iter())
            .flat_map(|t| &t.rows)
            .map(row_bytes)
            .sum();
        assert!(rows > 0 && kept_bytes(&with_rows) <= one);
        // The figures fit, with room for half the rows.
        let cap = 2 * (150 * one + 75 * rows) + 11;
        let mut opts = Options::default();
        opts.limits.max_memory_bytes = cap;
        for jobs in [1, 2, 4] {
            let pool = rayon::ThreadPoolBuilder::new()
                .num_threads(jobs)
                .build()
                .unwrap();
            let detail = Tracker::new(Detail::Always);
            let subs =
                pool.install(|| crate::pipeline::process_all(&form, &inputs, &opts, &detail));
            for s in &subs {
                assert_eq!(s.status, Status::Accepted, "jobs {jobs}: {:?}", s.findings);
                let r = s.report.as_ref().unwrap();
                assert!(r.tables.iter().all(|t| t.rows.is_empty()), "rows let go");
            }
            let decision = detail.decide(&subs);
            assert!(!decision.written, "jobs {jobs}");
            assert_eq!(decision.memory_limit, Some(cap), "jobs {jobs}");
        }
    }

    /// Files named so that each keeps the same bytes: `n` copies of a clean sample.
    fn inbox(n: usize) -> (tempfile::TempDir, Vec<crate::inbox::Input>) {
        let dir = tempfile::tempdir().unwrap();
        let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("samples/MUONGNHE.xlsx");
        let inputs = (0..n)
            .map(|k| {
                let name = format!("f{k:03}.xlsx");
                let path = dir.path().join(&name);
                std::fs::copy(&src, &path).unwrap();
                (path, name)
            })
            .collect();
        (dir, inputs)
    }

    /// The same files are kept whatever the threads and the order they finish in: the
    /// first in name order that fit in half the budget, read again where a later file
    /// took their room; the others get FILE_SIZE naming the flag.
    #[test]
    fn the_files_that_fit_are_the_first_by_name_however_many_jobs() {
        let form = Form::default_form().unwrap();
        let (_dir, inputs) = inbox(300);
        // What one file keeps, as the run keeps it (its rows let go: no detail).
        let one = {
            let detail = crate::detail::Tracker::new(crate::detail::Detail::Never);
            let opts = Options::default();
            let subs = crate::pipeline::process_all(&form, &inputs[..1], &opts, &detail);
            kept_bytes(&subs[0])
        };
        // 150 fit in the share, which leaves room to read one more (reading costs a
        // few hundred KB); a cap of its own, so no other test shares the budget.
        let cap = 2 * (150 * one + one / 2) + 7;
        let mut opts = Options::default();
        opts.limits.max_memory_bytes = cap;
        let mut seen = Vec::new();
        for jobs in [1, 2, 4] {
            let pool = rayon::ThreadPoolBuilder::new()
                .num_threads(jobs)
                .build()
                .unwrap();
            let detail = crate::detail::Tracker::new(crate::detail::Detail::Never);
            let subs =
                pool.install(|| crate::pipeline::process_all(&form, &inputs, &opts, &detail));
            let kept: Vec<bool> = subs.iter().map(|s| s.report.is_some()).collect();
            assert_eq!(kept.iter().filter(|&&k| k).count(), 150, "jobs {jobs}");
            assert!(kept[..150].iter().all(|&k| k), "jobs {jobs}");
            let refused = &subs[150];
            assert_eq!(refused.findings.len(), 1);
            assert_eq!(refused.findings[0].code.as_str(), "FILE_SIZE");
            assert!(refused.findings[0].message.vi.contains("--max-memory-mib"));
            assert!(refused.findings[0].message.vi.contains("150 tệp"));
            assert_eq!(refused.status, Status::Unreadable);
            seen.push(
                subs.iter()
                    .map(|s| (s.file.clone(), s.report.is_some()))
                    .collect::<Vec<_>>(),
            );
            // Everything kept is given back when the run's figures go.
            drop(subs);
        }
        assert!(seen.windows(2).all(|w| w[0] == w[1]));
    }
}
