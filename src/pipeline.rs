//! One file to one submission, and a folder's files to many, in parallel: the
//! per-file stages (read, extract, identify, check) run for each file on the rayon
//! pool, and nothing of a file but its extracted figures outlives its turn.

use crate::detail::Tracker;
use crate::extract::{self, Report};
use crate::finding::{Builtin, Finding};
use crate::form::Form;
use crate::guard::catch_quietly;
use crate::inbox::Input;
use crate::keep::{self, Keeper};
use crate::lang::Msg;
use crate::read::sniff::{Format, Limits, SniffError};
use crate::read::{self, ReadError, file_finding, io_finding};
use crate::rules::{self, Context};
use crate::submission::{Status, Submission};
use crate::text::hex;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use rayon::prelude::*;
use sha2::{Digest, Sha256};
use std::path::Path;

/// How files are read and checked.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// What a file may cost to read.
    pub limits: Limits,
    /// What the rules know beyond the file.
    pub ctx: Context,
    /// Show a progress bar on standard error.
    pub progress: bool,
}

/// Read and check every file in parallel. The result is sorted by file name so the
/// output does not depend on which thread finished first. `detail` lets a clean
/// file's table rows go as soon as they can only serve a detail that will not be
/// written.
pub fn process_all(
    form: &Form,
    inputs: &[Input],
    opts: &Options,
    detail: &Tracker,
) -> Vec<Submission> {
    let bar = ProgressBar::new(inputs.len() as u64);
    if opts.progress {
        bar.set_draw_target(ProgressDrawTarget::stderr());
        bar.set_style(
            ProgressStyle::with_template(
                "{spinner} [{elapsed_precise}] {bar:40} {pos}/{len} {msg}",
            )
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
        );
    } else {
        bar.set_draw_target(ProgressDrawTarget::hidden());
    }
    let cap = opts.limits.max_memory_bytes;
    let keeper = detail.keeper(cap);
    let checked = |path: &Path, name: &str, again: bool| {
        let mut s = process_file(form, path, name, opts);
        let rows = detail.checked(form, &mut s, cap, again);
        let bytes = keep::kept_bytes(&s);
        let kept = keeper.keep(bytes);
        if !kept {
            // Let go at once: holding it until the end is what the share prevents.
            keeper.release_rows(rows);
            keeper.refuse(&mut s, 0);
        }
        Kept { s, bytes, kept }
    };
    // One file a task: rayon otherwise splits the list into a few runs of neighbours
    // (names, not sizes, decide who they are), and a thread whose run holds the large
    // files is still reading them when the other has nothing left it may take. Ten
    // files of (f), four of them .xls three times the work of an .ods: 0.38 s to 0.31.
    let mut done: Vec<Kept> = inputs
        .par_iter()
        .with_max_len(1)
        .map(|(path, name)| {
            let k = checked(path, name, false);
            bar.inc(1);
            k
        })
        .collect();
    bar.finish_and_clear();
    done.sort_by(|a, b| a.s.file.cmp(&b.s.file));
    if keeper.refused_any() || keeper.rows_off() || !detail.may_be_written() {
        // The figures come first: the detail's rows give them the whole share; and
        // once the detail is left out (for memory, or past the automatic limit), the
        // rows held before are of no use.
        let mut subs: Vec<&mut Submission> = done.iter_mut().map(|k| &mut k.s).collect();
        detail.let_rows_go(form, &mut subs, cap);
    }
    if keeper.refused_any() {
        settle(keeper, &mut done, inputs, &|path: &Path, name: &str| {
            checked(path, name, true)
        });
    }
    done.into_iter().map(|k| k.s).collect()
}

/// A checked file, what it keeps and whether it could keep it.
struct Kept {
    s: Submission,
    bytes: u64,
    kept: bool,
}

/// Once the share was full: in name order, each file that fits in what the files kept
/// before it leave keeps its figures (read again where it lost them), and the others
/// give theirs back ([`crate::keep`]).
fn settle(
    keeper: &Keeper,
    done: &mut [Kept],
    inputs: &[Input],
    checked: &(dyn Fn(&Path, &str) -> Kept + Sync),
) {
    let fits = keeper.fitting(done.iter().map(|k| k.bytes));
    // For each file: the files kept before it, which its finding counts.
    let mut before = vec![0; done.len()];
    let mut kept = 0;
    for ((k, &fit), b) in done.iter_mut().zip(&fits).zip(&mut before) {
        *b = kept;
        if fit {
            kept += 1;
            continue;
        }
        if k.kept {
            keeper.release(k.bytes);
            k.kept = false;
        }
        keeper.refuse(&mut k.s, kept);
    }
    let paths: std::collections::HashMap<&str, &Path> = inputs
        .iter()
        .map(|(path, name)| (name.as_str(), path.as_path()))
        .collect();
    done.par_iter_mut()
        .zip(&fits)
        .zip(&before)
        .filter(|((k, fit), _)| **fit && !k.kept)
        .for_each(|((k, _), &before)| {
            if let Some(path) = paths.get(k.s.file.as_str()) {
                let again = checked(path, &k.s.file);
                // Read again, a file that changed meanwhile may no longer fit.
                if again.kept {
                    *k = again;
                } else {
                    keeper.refuse(&mut k.s, before);
                }
            }
        });
}

/// One file, start to finish. Never panics outward: a panic inside a reader becomes a
/// finding on this file and the batch goes on.
pub fn process_file(form: &Form, path: &Path, name: &str, opts: &Options) -> Submission {
    let mut sub = Submission {
        file: name.to_string(),
        sha256: String::new(),
        size: 0,
        modified: None,
        format: None,
        report: None,
        unit: None,
        findings: Vec::new(),
        status: Status::Unreadable,
        superseded_by: None,
        held_back: false,
        report_date: None,
    };
    let too_large = |size| {
        file_finding(&ReadError::Sniff(SniffError::TooLarge {
            size,
            limit: opts.limits.max_file_bytes,
        }))
    };
    // A test-only point (see `interrupt::step`): the batch paused while reading, for the
    // tests of a signal then, and of files deleted or changed before they are read. A
    // signal there is seen by the run after the batch.
    let _ = crate::interrupt::step("reading");
    // Opened once and measured through the handle: one lookup of the path, and the size
    // checked is the size of the file read.
    let opened = std::fs::File::open(path).and_then(|f| Ok((f.metadata()?, f)));
    let (meta, mut file) = match opened {
        Ok(m) => m,
        Err(e) => {
            sub.findings.push(io_finding(&e));
            return sub;
        }
    };
    sub.size = meta.len();
    sub.modified = meta.modified().ok();
    if meta.len() > opts.limits.max_file_bytes {
        // Refused by its size alone: hashing it would read it whole, and a 16 GiB sparse
        // file (no bytes on disk) took up to a minute. Its hash is left empty, and the
        // finding says it was not taken.
        sub.findings.push(too_large(meta.len()));
        return sub;
    }
    // The bytes are held from the run's one memory budget before they are read, and
    // until the file is done; reading grows the hold to what calamine will keep.
    let budget = read::budget::shared(opts.limits.max_memory_bytes);
    let mut held = match budget.reserve(meta.len()) {
        Ok(h) => h,
        Err(e) => {
            sub.findings.push(file_finding(&ReadError::OverBudget(e)));
            return sub;
        }
    };
    let mut bytes = Vec::with_capacity(meta.len() as usize);
    // A file growing while it is read stops at the limit, like one that was too big.
    let read = std::io::Read::read_to_end(
        &mut std::io::Read::take(&mut file, opts.limits.max_file_bytes + 1),
        &mut bytes,
    );
    if let Err(e) = read {
        sub.findings.push(io_finding(&e));
        return sub;
    }
    if bytes.len() as u64 > opts.limits.max_file_bytes {
        sub.findings.push(too_large(bytes.len() as u64));
        return sub;
    }
    sub.sha256 = hex(&Sha256::digest(&bytes));
    let out = process_held(form, &bytes, opts, &mut held);
    drop(held);
    sub.format = out.format;
    sub.report = out.report;
    sub.unit = out.unit;
    sub.report_date = form
        .identity
        .report_date
        .and_then(|c| sub.report.as_ref().and_then(|r| r.cells[c].date()));
    sub.findings = out.findings;
    sub.status = if sub.report.is_none() {
        Status::Unreadable
    } else if sub.unit.is_none() {
        Status::UnknownUnit
    } else if sub.errors() > 0 {
        Status::Rejected
    } else {
        Status::Accepted
    };
    sub
}

/// What reading, extracting and checking a file's bytes gives.
#[derive(Debug, Default)]
pub struct Outcome {
    /// The format recognised from the bytes, when they are a workbook.
    pub format: Option<Format>,
    /// The figures, when the workbook could be read.
    pub report: Option<Report>,
    /// The unit, when identified.
    pub unit: Option<usize>,
    /// Everything found.
    pub findings: Vec<Finding>,
}

/// The whole per-file pipeline on bytes in memory (also the fuzz target's entry point).
///
/// ```
/// use tonghop::form::Form;
/// use tonghop::pipeline::{Options, process_bytes};
/// let form = Form::default_form().unwrap();
/// let out = process_bytes(&form, b"not a workbook", &Options::default());
/// assert!(out.report.is_none());
/// assert_eq!(out.findings[0].code.as_str(), "FILE_TYPE");
/// ```
pub fn process_bytes(form: &Form, bytes: &[u8], opts: &Options) -> Outcome {
    let budget = read::budget::shared(opts.limits.max_memory_bytes);
    match budget.reserve(bytes.len() as u64) {
        Ok(mut held) => process_held(form, bytes, opts, &mut held),
        Err(e) => Outcome {
            findings: vec![file_finding(&ReadError::OverBudget(e))],
            ..Outcome::default()
        },
    }
}

/// [`process_bytes`] with the bytes already held from the run's budget.
fn process_held(
    form: &Form,
    bytes: &[u8],
    opts: &Options,
    held: &mut read::budget::Reservation,
) -> Outcome {
    let run = || {
        let wb = match read::read_workbook_within(bytes, form, &opts.limits, held) {
            Ok(wb) => wb,
            Err(e) => {
                return Outcome {
                    findings: vec![file_finding(&e)],
                    ..Outcome::default()
                };
            }
        };
        let (report, mut findings) = extract::extract(form, &wb);
        let (unit, unit_findings) = rules::identify(form, &form.rules, &report);
        findings.extend(unit_findings);
        findings.extend(rules::check(form, &form.rules, &report, &opts.ctx));
        Outcome {
            format: Some(wb.format),
            report: Some(report),
            unit,
            findings,
        }
    };
    catch_quietly(run).unwrap_or_else(|_| Outcome {
        findings: vec![Finding::error(
            Builtin::FileCorrupt,
            Msg::new(
                "Tệp có cấu trúc bất thường, không đọc được. Hãy mở bằng Excel/LibreOffice và lưu lại dạng .xlsx.",
                "The file has an abnormal structure and cannot be read. Open it in Excel/LibreOffice and save it as .xlsx.",
            ),
        )],
        ..Outcome::default()
    })
}

/// The shipped samples `names`, each read and checked as a run reads it: for the tests of
/// what comes after the pipeline.
#[cfg(test)]
pub(crate) fn samples(form: &Form, names: &[&str]) -> Vec<Submission> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("samples");
    names
        .iter()
        .map(|n| process_file(form, &dir.join(n), n, &Options::default()))
        .collect()
}
