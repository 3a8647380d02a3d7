//! The main job, `tonghop run`, as a library call: list the inbox and load the form,
//! read and check every file in parallel, consolidate, then write the returned
//! workbooks, the consolidated workbook and report.json into the output folder.
//!
//! ```no_run
//! use tonghop::run::{RunOptions, run};
//! let opts = RunOptions::new("nop".into(), "ket-qua".into());
//! let done = run(&opts).unwrap();
//! println!("{} units returned", done.returned.len());
//! ```

use crate::archive::{self, Archive, ArchiveError, Recorded, RunInfo};
use crate::compare::Comparison;
use crate::consolidate::{Consolidation, consolidate};
use crate::deadline::{Chase, Deadline};
use crate::detail::{Decision, Detail, Tracker};
use crate::extract::Report;
use crate::form::Form;
use crate::history::History;
use crate::inbox::{InboxError, Input, list_inputs_except};
use crate::lang::Lang;
use crate::lock::{self, LockError};
use crate::period::Period;
use crate::pipeline::{self, Options};
use crate::read::sniff::Limits;
use crate::rules::Context;
use crate::spec::SpecError;
use crate::submission::{Skipped, Status};
use crate::timing::Phases;
use crate::write::report::{ReturnedMark, RunMark};
use crate::write::staging::{self, Staging, SwapError};
use crate::write::upward::{self, Coverage, Signer};
use crate::write::{WriteError, chasing, consolidated, report, returned, returned_path};
use rayon::prelude::*;
use std::collections::HashSet;
use std::ffi::OsString;
use std::path::PathBuf;

/// What `run` is asked to do.
#[derive(Debug, Clone)]
pub struct RunOptions {
    /// The folder of submitted workbooks.
    pub inbox: PathBuf,
    /// The output folder.
    pub out: PathBuf,
    /// The form specification; `None` for the embedded default.
    pub form: Option<PathBuf>,
    /// The period being collected.
    pub period: Option<Period>,
    /// Worker threads; `None` for one per core.
    pub jobs: Option<usize>,
    /// The language of the consolidated workbook and report.json.
    pub lang: Lang,
    /// Whether the per-organisation detail is written.
    pub detail: Detail,
    /// Sum returned submissions anyway.
    pub include_invalid: bool,
    /// What a file may cost to read.
    pub limits: Limits,
    /// Show a progress bar on standard error.
    pub progress: bool,
    /// The archive the period is recorded in; `None` for none. [`RunOptions::new`]
    /// puts it beside `out` ([`archive::default_path`]).
    pub archive: Option<PathBuf>,
    /// Replace a period the archive holds as closed.
    pub reopen: bool,
    /// The deadline given for this run, over the form's `deadline_days`.
    pub deadline: Option<chrono::NaiveDate>,
    /// The day the run judges lateness on; `None` for the computer's local date.
    pub today: Option<chrono::NaiveDate>,
    /// The archived period to compare with instead of the same period a year earlier
    /// (`--compare-with`); one the archive lacks stops the run.
    pub compare_with: Option<Period>,
    /// The targets workbook (`--targets`); `None`: the archive's targets of the period.
    pub targets: Option<PathBuf>,
    /// Who prepared the province's own report (`--preparer`, `--phone`).
    pub signer: Signer,
}

impl RunOptions {
    /// The defaults for `inbox` into `out`.
    pub fn new(inbox: PathBuf, out: PathBuf) -> RunOptions {
        RunOptions {
            inbox,
            form: None,
            period: None,
            jobs: None,
            lang: Lang::Vi,
            detail: Detail::Auto,
            include_invalid: false,
            limits: Limits::default(),
            progress: false,
            archive: Some(archive::default_path(&out)),
            reopen: false,
            out,
            deadline: None,
            today: None,
            compare_with: None,
            targets: None,
            signer: Signer::default(),
        }
    }
}

/// Why the run could not proceed; nothing of this run is published then, and the
/// previous outputs in OUT are as they were.
#[derive(Debug, thiserror::Error)]
pub enum RunError {
    /// The form specification is unreadable or invalid.
    #[error(transparent)]
    Form(#[from] SpecError),
    /// The inbox is not a folder that can be read.
    #[error("INBOX '{0}' is not a readable folder")]
    NotAFolder(String),
    /// The inbox could not be listed.
    #[error(transparent)]
    Inbox(#[from] InboxError),
    /// OUT is the inbox, or holds it where outputs are written: the run would read its
    /// own outputs, or replace submissions with them.
    #[error("{}", same_folder(*.lang, .inbox, .out))]
    SameFolder {
        /// The clerk's language.
        lang: Lang,
        /// The inbox as given.
        inbox: String,
        /// OUT as given.
        out: String,
    },
    /// Another run holds OUT.
    #[error(transparent)]
    Locked(#[from] LockError),
    /// The output folder could not be created or written to.
    #[error("{} '{path}': {}", .lang.pick("không ghi được vào thư mục kết quả", "output folder is not writable"), crate::lang::io_text(.error, *.lang))]
    Out {
        /// The clerk's language.
        lang: Lang,
        /// The folder.
        path: String,
        /// Why (said in the message, not again as a cause).
        error: std::io::Error,
    },
    /// OUT's disk has less free space than the outputs are estimated to need.
    #[error("{}", no_space(*.lang, .out, *.needed, *.available))]
    NoSpace {
        /// The clerk's language.
        lang: Lang,
        /// The output folder.
        out: String,
        /// Bytes the outputs are estimated to need, beside the previous set.
        needed: u64,
        /// Bytes free.
        available: u64,
    },
    /// An output could not be written or swapped in.
    #[error("{}; {}", .error.message(*.lang), .lang.pick("kết quả của lần chạy trước được giữ nguyên", "the previous outputs are as they were"))]
    Write {
        /// The clerk's language.
        lang: Lang,
        /// What failed (said in the message, not again as a cause).
        error: WriteError,
    },
    /// An output of the previous run could not be replaced (open in Excel, say).
    #[error("{}", replace_message(*.lang, .path, .error))]
    Replace {
        /// The clerk's language.
        lang: Lang,
        /// The output that could not be moved.
        path: String,
        /// Why.
        error: std::io::Error,
    },
    /// A signal (Ctrl-C, SIGTERM) stopped the run; its staging folder is gone.
    #[error("{}", crate::interrupt::message(*.lang))]
    Interrupted {
        /// The clerk's language.
        lang: Lang,
    },
    /// The archive could not be opened, or holds the period closed.
    #[error("{}", .error.message(*.lang))]
    Archive {
        /// The clerk's language.
        lang: Lang,
        /// What went wrong.
        error: ArchiveError,
    },
    /// The worker threads could not be started.
    #[error("cannot start worker threads")]
    Pool(#[from] rayon::ThreadPoolBuildError),
}

fn same_folder(lang: Lang, inbox: &str, out: &str) -> String {
    match lang {
        Lang::Vi => format!(
            "thư mục kết quả '{out}' trùng với thư mục bài nộp '{inbox}' hoặc nằm ở chỗ tonghop sẽ ghi đè bài nộp; hãy chọn một thư mục khác cho --out (ví dụ: ket-qua)"
        ),
        Lang::En => format!(
            "the output folder '{out}' is the inbox '{inbox}', or overlaps it where tonghop writes; choose another folder for --out (e.g. ket-qua)"
        ),
    }
}

fn no_space(lang: Lang, out: &str, needed: u64, available: u64) -> String {
    let mib = |b: u64| lang.count(b.div_ceil(1024 * 1024));
    match lang {
        Lang::Vi => format!(
            "ổ đĩa của thư mục kết quả '{out}' không đủ chỗ trống: cần khoảng {} MiB, còn {} MiB; chưa ghi gì, kết quả của lần chạy trước được giữ nguyên; hãy giải phóng chỗ trống hoặc chọn thư mục khác cho --out",
            mib(needed),
            mib(available)
        ),
        Lang::En => format!(
            "not enough free space for the output folder '{out}': about {} MiB needed, {} MiB free; nothing was written, the previous outputs are as they were; free some space or choose another folder for --out",
            mib(needed),
            mib(available)
        ),
    }
}

fn replace_message(lang: Lang, path: &str, error: &std::io::Error) -> String {
    match lang {
        Lang::Vi => format!(
            "không thay được '{path}' ({}); tệp có đang mở trong Excel không? Hãy đóng rồi chạy lại; kết quả của lần chạy trước được giữ nguyên",
            crate::lang::io_text(error, lang)
        ),
        Lang::En => format!(
            "cannot replace '{path}' ({error}); is it open in Excel? Close it and run again; the previous outputs are as they were"
        ),
    }
}

/// What the run did.
#[derive(Debug)]
pub struct RunOutcome {
    /// The form the files were checked against.
    pub form: Form,
    /// Every submission and the province's figures.
    pub consolidation: Consolidation,
    /// Files of the inbox that were not read.
    pub skipped: Vec<Skipped>,
    /// The units whose returned workbook was written, in the form's order.
    pub returned: Vec<usize>,
    /// Whether the detail was written.
    pub detail: Decision,
    /// What became of the archive; `None` without one (`--no-archive`).
    pub archive: Option<ArchiveOutcome>,
    /// The earlier periods the run compared itself with.
    pub history: History,
    /// This period beside them.
    pub comparison: Comparison,
    /// The deadline, and the units to chase.
    pub chase: Chase,
    /// The province's upward report (`bao-cao-<CODE>.xlsx`) and the units it covers;
    /// `None` when the form names no `province_code`.
    pub upward: Option<Coverage>,
    /// Every version of each unit's file seen for the period, this run's included.
    pub versions: crate::write::history_sheet::Versions,
    /// The clerk's decisions and what became of them.
    pub decisions: crate::decision::Applied,
}

/// What a run did with its archive.
#[derive(Debug)]
pub enum ArchiveOutcome {
    /// The period was recorded.
    Recorded {
        /// The archive.
        path: PathBuf,
        /// What was recorded.
        recorded: Recorded,
    },
    /// No period was given or could be inferred: nothing to record it under.
    NoPeriod {
        /// The archive.
        path: PathBuf,
    },
    /// The outputs are in place, but the archive could not be written; it is as it was.
    Failed {
        /// The archive.
        path: PathBuf,
        /// Why.
        error: ArchiveError,
    },
}

impl RunOutcome {
    /// How many submissions ended with `status`.
    pub fn count(&self, status: Status) -> usize {
        self.consolidation
            .submissions
            .iter()
            .filter(|s| s.status == status)
            .count()
    }

    /// The process exit code: 1 when a submission was returned, unreadable or of an
    /// unknown unit, 0 otherwise (missing units do not change it).
    pub fn exit_code(&self) -> u8 {
        let bad = self.count(Status::Rejected)
            + self.count(Status::Unreadable)
            + self.count(Status::UnknownUnit);
        // A provincial total left blank, past 2^53, is as much for the clerk to see.
        u8::from(bad > 0 || !self.consolidation.beyond.is_empty())
    }
}

/// Run the main job.
///
/// The outputs appear as one set or not at all: with OUT locked for the run, they are
/// written into a staging folder in OUT and swapped in at the end
/// ([`crate::write::staging`]); any failure before leaves the previous set as it was.
///
/// Check and consolidate a folder of submissions (here three generated ones):
///
/// ```
/// use tonghop::form::Form;
/// use tonghop::period::Period;
/// use tonghop::run::{RunOptions, run};
/// use tonghop::samples::{SampleOptions, generate};
/// let dir = tempfile::tempdir().unwrap();
/// let (inbox, out) = (dir.path().join("inbox"), dir.path().join("out"));
/// std::fs::create_dir(&inbox).unwrap();
/// let period = Period::parse("01/01/2026..30/06/2026").unwrap();
/// let samples = SampleOptions { units: 3, rows: Some(4), seed: 1, faults: 0, faulty_units: None, period, past: None, formulas: false };
/// generate(&Form::default_form().unwrap(), &inbox, &samples).unwrap();
/// std::fs::remove_file(inbox.join("faults.json")).unwrap();
/// let mut opts = RunOptions::new(inbox, out.clone());
/// opts.period = Some(period);
/// let outcome = run(&opts).unwrap();
/// assert_eq!(outcome.consolidation.submissions.len(), 3);
/// assert_eq!(outcome.exit_code(), 0);
/// assert!(out.join("tong-hop.xlsx").is_file() && out.join("report.json").is_file());
/// ```
pub fn run(opts: &RunOptions) -> Result<RunOutcome, RunError> {
    let phases = Phases::from_env();
    let lang = opts.lang;
    if !opts.inbox.is_dir() {
        return Err(RunError::NotAFolder(opts.inbox.display().to_string()));
    }
    refuse_overlap(opts)?;
    let mut pool = rayon::ThreadPoolBuilder::new();
    if let Some(j) = opts.jobs {
        pool = pool.num_threads(j.max(1));
    }
    let pool = pool.build()?;
    // A roll-up's form lists thousands of units and its inbox thousands of files: parse
    // the one while listing the other (on the run's threads: `--jobs 1` is one).
    let (form, listed) = std::thread::scope(|s| {
        let listing = s.spawn(|| pool.install(|| list_inputs_except(&opts.inbox, Some(&opts.out))));
        let form = Form::load(opts.form.as_deref());
        (form, listing.join())
    });
    let form = form?;
    let (inputs, skipped) = match listed {
        Ok(listed) => listed?,
        Err(panic) => std::panic::resume_unwind(panic),
    };
    phases.mark("form loaded, inbox listed");
    let out_err = |error| RunError::Out {
        lang,
        path: opts.out.display().to_string(),
        error,
    };
    std::fs::create_dir_all(&opts.out).map_err(out_err)?;
    // Held until the outputs are in place: a second run into OUT is refused meanwhile.
    let _lock = lock::acquire(&opts.out, lang)?;
    // What a run killed mid-swap left is finished first, then what dead runs left goes.
    staging::recover(&opts.out).map_err(|e| swap_error(lang, e))?;
    staging::remove_leftovers(&opts.out);
    tempfile::tempfile_in(&opts.out).map_err(out_err)?;
    step(lang, "locked")?;
    let started_at = archive::now();
    // Opened before anything is read: an archive that cannot be used stops the run
    // while nothing has changed.
    // An archive not there yet is created only when the period is recorded: a run that
    // fails leaves nothing behind, not even an empty archive.
    let mut store = match &opts.archive {
        Some(path) if path.exists() => {
            Some(Archive::open(path, false).map_err(|error| RunError::Archive { lang, error })?)
        }
        _ => None,
    };
    let (inputs, skipped) =
        leave_out_archive(&opts.inbox, opts.archive.as_deref(), inputs, skipped);
    let popts = Options {
        limits: opts.limits,
        ctx: Context {
            period: opts.period,
        },
        progress: opts.progress,
    };
    let tracker = Tracker::new(opts.detail);
    let subs = pool.install(|| pipeline::process_all(&form, &inputs, &popts, &tracker));
    phases.mark("read and check");
    let detail = tracker.decide(&subs);
    let mut subs = subs;
    let period = opts
        .period
        .or_else(|| crate::consolidate::infer_period(&form, &subs));
    let loading = std::time::Instant::now();
    let mut history = match (&store, period) {
        (Some(store), Some(period)) => History::load_with(store, &form, period, opts.compare_with)
            .map_err(|error| RunError::Archive { lang, error })?,
        // Nothing archived to compare with: said before anything is written.
        _ if opts.compare_with.is_some() => {
            return Err(RunError::Archive {
                lang,
                error: ArchiveError::NotToCompare {
                    path: opts
                        .archive
                        .as_ref()
                        .map_or_else(String::new, |p| p.display().to_string()),
                    period: opts.compare_with.expect("matched"),
                    held: Vec::new(),
                },
            });
        }
        _ => History::without_archive(period, opts.archive.clone()),
    };
    // What the run reads from the archive, timed together for the benchmark: the
    // history here, the targets and the term's periods for the comparison, the versions.
    let mut looked_up = loading.elapsed();
    history.set_peers(&form, &subs);
    pool.install(|| look_back(&form, &mut subs, &history));
    phases.mark("looked back");
    let mut c = consolidate(&form, subs, opts.include_invalid, opts.period);
    // The clerk's decisions (quyet-dinh.toml in the inbox): which file stands for a unit,
    // whether it is sent back; never a figure.
    let decisions = crate::decision::apply(
        &form,
        &mut c,
        crate::decision::load(&opts.inbox, &form),
        opts.include_invalid,
    );
    let mut comparison = Comparison::build(&form, &c, &history.for_comparison());
    let loading = std::time::Instant::now();
    let targets = match (&opts.targets, &store, c.period) {
        (Some(path), _, _) => crate::targets::read(&form, path, c.period),
        (None, Some(store), Some(period)) => crate::targets::from_archive(store, &form, period)
            .map_err(|error| RunError::Archive { lang, error })?,
        _ => crate::targets::Targets::default(),
    };
    comparison
        .add(&form, &c, store.as_ref(), targets)
        .map_err(|error| RunError::Archive { lang, error })?;
    looked_up += loading.elapsed();
    // A period reported upward is not replaced behind the clerk's back: refused before
    // any output changes.
    if let (Some(store), Some(period), false) = (&store, c.period, opts.reopen)
        && let Some(closed_at) = store
            .closed_at(&form.id, period)
            .map_err(|error| RunError::Archive { lang, error })?
    {
        return Err(RunError::Archive {
            lang,
            error: ArchiveError::Closed {
                path: store.path().display().to_string(),
                period,
                closed_at,
            },
        });
    }
    let today = opts
        .today
        .unwrap_or_else(|| chrono::Local::now().date_naive());
    let chase = Chase::new(
        &form,
        &c,
        Deadline::of(&form, c.period, opts.deadline),
        today,
        &history.contacts,
    );

    let returns: Vec<(usize, usize)> = (0..form.units.len())
        .filter_map(|u| c.kept[u].map(|i| (u, i)))
        .filter(|&(_, i)| {
            !decisions.accepted(i)
                && c.submissions[i]
                    .findings
                    .iter()
                    .any(|f| !for_the_clerk(&form, f))
        })
        .collect();
    let returned: Vec<usize> = returns.iter().map(|&(u, _)| u).collect();
    let mark = RunMark {
        id: run_id(&form, &c, &skipped, opts, detail, &chase),
        returned: returns
            .iter()
            .map(|&(u, i)| ReturnedMark {
                file: returned_rel(&form.units[u].code),
                stamp: returned_stamp(&form, &c.submissions[i]),
            })
            .collect(),
    };
    check_space(opts, &c, &returns)?;
    let upward = Coverage::of(&form, &c);
    // Every version of each unit's file, this run's beside those the archive holds.
    let noted = decisions.sentences(c.submissions.len());
    let loading = std::time::Instant::now();
    let versions = crate::write::history_sheet::Versions {
        archive: opts.archive.clone(),
        list: match (&store, c.period) {
            (Some(store), Some(period)) => store
                .versions(&form.id, period)
                .map_err(|error| RunError::Archive { lang, error })?,
            _ => Vec::new(),
        },
    };
    looked_up += loading.elapsed();
    let versions = versions.with_run(&form, &c, &noted, &started_at);
    phases.took(crate::timing::HISTORY_LOAD, looked_up);
    // The files are read: what they freed, and what the outputs will free, goes back to
    // the system rather than staying in each thread's arena (see the function).
    crate::read::budget::return_freed_memory();
    let write = || {
        let written = write_outputs(
            opts,
            &form,
            &c,
            &inputs,
            &popts,
            &pool,
            &returns,
            &skipped,
            detail,
            &mark,
            &comparison,
            &chase,
            upward.as_ref(),
            &versions,
            &decisions,
            &phases,
        );
        written.map_err(|e| {
            if crate::interrupt::requested() {
                RunError::Interrupted { lang }
            } else {
                e
            }
        })?;
        // The outputs are in place: a signal from here on changes nothing of them, and
        // the run ends as it would have (a test may still pause here, then be killed).
        match crate::interrupt::step("done") {
            Err(crate::interrupt::Step::Failed(source)) => Err(RunError::Write {
                lang,
                error: WriteError::Io {
                    path: "done".into(),
                    source,
                },
            }),
            Ok(()) | Err(crate::interrupt::Step::Interrupted) => Ok(()),
        }
    };
    let recording = Recording {
        opts,
        form: &form,
        c: &c,
        noted: &noted,
        started_at: &started_at,
        run_key: &mark.id,
    };
    let archive = if recording.overlaps(store.as_ref(), pool.current_num_threads()) {
        // Recorded while the outputs are written, committed once they are in place.
        std::thread::scope(|scope| {
            let (go, wait) = std::sync::mpsc::channel::<bool>();
            let store = &mut store;
            let recorder =
                scope.spawn(move || recording.record(store, &mut || wait.recv().unwrap_or(false)));
            let written = write();
            // Failed outputs: the recording is rolled back (a dropped sender says no).
            let _ = go.send(written.is_ok());
            let waiting = std::time::Instant::now();
            let recorded = recorder
                .join()
                .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
            written.map(|()| recorded.map(|(outcome, took)| (outcome, took, waiting.elapsed())))
        })?
    } else {
        write()?;
        // What writing the outputs freed stays in glibc's arenas; the recording's page
        // cache (up to RECORDING_CACHE_BYTES) would otherwise come on top of it. Measured
        // on (e), 50,000 submissions recorded after the outputs: the peak was the output
        // phase's ~1,010 MB plus ~310 MB of pages.
        crate::read::budget::give_back_freed_memory();
        recording
            .record(&mut store, &mut || true)
            .map(|(outcome, took)| (outcome, took, took))
    };
    if let Some((_, took, waited)) = &archive {
        phases.took(crate::timing::ARCHIVE_WRITE, *took);
        phases.took(crate::timing::ARCHIVE_WAIT, *waited);
    }
    let archive = archive.map(|(outcome, ..)| outcome);
    phases.mark("archive");
    Ok(RunOutcome {
        form,
        consolidation: c,
        skipped,
        returned,
        detail,
        archive,
        history,
        comparison,
        chase,
        upward,
        versions,
        decisions,
    })
}

/// What recording a run's period into its archive needs.
struct Recording<'a> {
    opts: &'a RunOptions,
    form: &'a Form,
    c: &'a Consolidation,
    noted: &'a [Option<String>],
    started_at: &'a str,
    run_key: &'a str,
}

/// The pages a recording changes for each figure it stores (the row, its index entries
/// and the page slack), as measured: a new archive of 2,000 units of the official form
/// is 13.6 MB for 876,099 figures, one of 50,000 units 346 MB for 21.8 million.
const RECORDED_BYTES_PER_FIGURE: u64 = 16;

impl Recording<'_> {
    /// Whether to record while the outputs are written rather than after: the recording
    /// is one thread's work, about a tenth of a 2-thread run, that the output phase
    /// leaves room for. Only into an archive that exists (`store`): a new one is created
    /// after the outputs, so that a run that fails, however it fails, leaves none. Not
    /// on one thread (`--jobs 1` is a promise of one), and not where SQLite's page cache
    /// for the recording, held beside the output phase's memory, would take more than a
    /// sixteenth of the run's memory limit (a national period's millions of figures,
    /// whose output phase keeps both cores busy anyway: recorded beside it, (e) took as
    /// long and 180 MB more); those record after.
    fn overlaps(&self, store: Option<&Archive>, threads: usize) -> bool {
        if store.is_none() || self.opts.archive.is_none() || self.c.period.is_none() {
            return false;
        }
        let figures = self.c.included.iter().filter(|&&i| i).count() as u64
            * self.form.summed_fields().len() as u64;
        // Replacing a period dirties the pages of the rows it deletes as well.
        let pages = (2 * figures * RECORDED_BYTES_PER_FIGURE).min(archive::RECORDING_CACHE_BYTES);
        threads >= 2 && pages <= self.opts.limits.max_memory_bytes / 16
    }

    /// Record the period in the archive (opened, or created, here), committing it when
    /// `commit` says so; how long it took. `None` without an archive.
    fn record(
        &self,
        slot: &mut Option<Archive>,
        commit: &mut dyn FnMut() -> bool,
    ) -> Option<(ArchiveOutcome, std::time::Duration)> {
        let path = self.opts.archive.as_deref()?;
        if self.c.period.is_none() {
            return Some((
                ArchiveOutcome::NoPeriod {
                    path: path.to_path_buf(),
                },
                std::time::Duration::ZERO,
            ));
        }
        let started = std::time::Instant::now();
        let store = match slot {
            Some(store) => store,
            None => match Archive::open(path, true) {
                Ok(opened) => slot.insert(opened),
                Err(error) => {
                    let path = path.to_path_buf();
                    return Some((ArchiveOutcome::Failed { path, error }, started.elapsed()));
                }
            },
        };
        let info = RunInfo {
            started_at: self.started_at.to_string(),
            run_key: Some(self.run_key),
            source: "run",
            inbox: &self.opts.inbox,
            out: Some(&self.opts.out),
        };
        let at = store.path().to_path_buf();
        let recorded = store.record_when(
            self.form,
            self.c,
            self.noted,
            &info,
            self.opts.reopen,
            commit,
        );
        let outcome = match recorded {
            Ok(Some(recorded)) => ArchiveOutcome::Recorded { path: at, recorded },
            Ok(None) => ArchiveOutcome::NoPeriod { path: at },
            Err(error) => ArchiveOutcome::Failed { path: at, error },
        };
        Some((outcome, started.elapsed()))
    }
}

/// A warning of a rule that looks back (a change or an outlier to confirm, a start that
/// differs from an open period's end) is for the clerk to confirm with the unit: it does
/// not send the unit's workbook back by itself; nor does a word on a clerk's decision.
fn for_the_clerk(form: &Form, f: &crate::finding::Finding) -> bool {
    f.code.is(crate::finding::Builtin::Decision)
        || !f.is_error()
            && form
                .rules
                .iter()
                .any(|r| r.kind.looks_back() && r.meta.code.as_str() == f.code.as_str())
}

/// The rules that look back, on every identified file against `history`: their errors
/// return a file as any other rule's do, before consolidation decides what is summed.
fn look_back(form: &Form, subs: &mut [crate::submission::Submission], history: &History) {
    subs.par_iter_mut().for_each(|s| {
        let (Some(unit), Some(report)) = (s.unit, &s.report) else {
            return;
        };
        let found = crate::rules::check_past(form, &form.rules, report, unit, history);
        if found.iter().any(crate::finding::Finding::is_error) && s.status == Status::Accepted {
            s.status = Status::Rejected;
        }
        s.findings.extend(found);
    });
}

/// The archive (and SQLite's journal beside it) is no submission: when it lies in the
/// inbox (OUT inside the inbox puts it there) it is left out of the listing silently.
fn leave_out_archive(
    inbox: &std::path::Path,
    archive: Option<&std::path::Path>,
    inputs: Vec<Input>,
    mut skipped: Vec<Skipped>,
) -> (Vec<Input>, Vec<Skipped>) {
    let Some(archive) = archive.and_then(|a| std::path::absolute(a).ok()) else {
        return (inputs, skipped);
    };
    let ours = |p: &std::path::Path| {
        let p = std::path::absolute(p).unwrap_or_else(|_| p.to_path_buf());
        let journal = |suffix: &str| {
            let mut j = archive.clone().into_os_string();
            j.push(suffix);
            PathBuf::from(j)
        };
        p == archive || p == journal("-journal") || p == journal("-wal") || p == journal("-shm")
    };
    let inputs = inputs.into_iter().filter(|(p, _)| !ours(p)).collect();
    skipped.retain(|s| !ours(&inbox.join(&s.file)));
    (inputs, skipped)
}

/// Write every output into a staging folder, then swap the set into OUT.
#[allow(clippy::too_many_arguments)]
fn write_outputs(
    opts: &RunOptions,
    form: &Form,
    c: &Consolidation,
    inputs: &[Input],
    popts: &Options,
    pool: &rayon::ThreadPool,
    returns: &[(usize, usize)],
    skipped: &[Skipped],
    detail: Decision,
    mark: &RunMark,
    comparison: &Comparison,
    chase: &Chase,
    upward: Option<&Coverage>,
    versions: &crate::write::history_sheet::Versions,
    decisions: &crate::decision::Applied,
    phases: &Phases,
) -> Result<(), RunError> {
    let lang = opts.lang;
    let staging = Staging::begin(&opts.out).map_err(|error| RunError::Write { lang, error })?;
    step(lang, "staging")?;
    let dir = staging.dir();
    let write_err = |error: WriteError| RunError::Write {
        lang,
        error: error.relocated(dir, &opts.out),
    };
    // Returned workbooks, the consolidated workbook and report.json, each written whole
    // to a temporary file in the staging folder and synced.
    pool.install(|| {
        // One workbook a task, as the files were read (see `pipeline::process_all`).
        returns
            .par_iter()
            .enumerate()
            .with_max_len(1)
            .try_for_each(|(k, &(u, i))| {
                if crate::interrupt::requested() {
                    return Err(RunError::Interrupted { lang });
                }
                let stamp = &mark.returned[k].stamp;
                write_returned(form, c, inputs, popts, dir, stamp, u, i).map_err(write_err)
            })
    })?;
    phases.mark("returned workbooks");
    step(lang, "returned")?;
    // The two big outputs are independent: report.json is written beside the workbook.
    let report = report::Report {
        form,
        c,
        skipped,
        lang,
        detail,
        run: Some(mark),
        comparison: Some(comparison),
        chase: Some(chase),
        versions: Some(versions),
        decisions: Some(decisions),
    };
    let (workbook, json) = pool.install(|| {
        consolidated::write(&dir.join("tong-hop.xlsx"), &report, || {
            let r = report::write(&dir.join("report.json"), &report)
                .and_then(|()| chasing::write_csv(&dir.join(chasing::CSV_FILE), form, chase, lang));
            phases.mark("report.json and don-doc.csv written");
            r
        })
    });
    workbook.map_err(write_err)?;
    json.map_err(write_err)?;
    phases.mark("consolidated workbook and report.json");
    // Saving the workbook freed its buffers into the arenas of the threads that saved it,
    // partly below what the thresholds give back (`return_freed_memory`): out of reach of
    // what comes next on this one.
    crate::read::budget::give_back_freed_memory();
    // The report date of the province's submission is the day it is made (the day the
    // run is told it is, as for the deadlines).
    let today = opts
        .today
        .unwrap_or_else(|| chrono::Local::now().date_naive());
    if let Some(cov) = upward {
        upward::write(
            &dir.join(&cov.file),
            form,
            c,
            cov,
            today,
            &mark.id,
            &opts.signer,
        )
        .map_err(write_err)?;
    }
    step(lang, "written")?;
    let mut files: Vec<String> = mark.returned.iter().map(|r| r.file.clone()).collect();
    let mut stale = stale(form, opts, &files);
    stale.extend(stale_upward(opts, upward.map(|u| u.file.as_str())));
    files.extend([
        "report.json".to_string(),
        chasing::CSV_FILE.to_string(),
        "tong-hop.xlsx".to_string(),
    ]);
    files.extend(upward.map(|u| u.file.clone()));
    staging
        .commit(files, stale)
        .map_err(|e| swap_error(lang, e))?;
    phases.mark("outputs swapped in");
    Ok(())
}

/// A failed swap step as the run reports it.
fn swap_error(lang: Lang, e: SwapError) -> RunError {
    match e {
        SwapError::Replace { path, source } => RunError::Replace {
            lang,
            path,
            error: source,
        },
        SwapError::Interrupted => RunError::Interrupted { lang },
        other => RunError::Write {
            lang,
            error: other.into(),
        },
    }
}

/// A test-only step point ([`crate::interrupt::step`]) as the run's error.
fn step(lang: Lang, name: &str) -> Result<(), RunError> {
    crate::interrupt::step(name).map_err(|s| match s {
        crate::interrupt::Step::Interrupted => RunError::Interrupted { lang },
        crate::interrupt::Step::Failed(source) => RunError::Write {
            lang,
            error: WriteError::Io {
                path: name.to_string(),
                source,
            },
        },
    })
}

/// OUT as the inbox reads nothing (every unit "missing", exit 0), and an inbox inside
/// OUT's tra-lai/ would have its files replaced by returned workbooks. OUT inside the
/// inbox is fine: the listing leaves it out.
fn refuse_overlap(opts: &RunOptions) -> Result<(), RunError> {
    let refuse = || RunError::SameFolder {
        lang: opts.lang,
        inbox: opts.inbox.display().to_string(),
        out: opts.out.display().to_string(),
    };
    let (Ok(inbox), Ok(out)) = (opts.inbox.canonicalize(), opts.out.canonicalize()) else {
        // An OUT that does not exist yet cannot be the existing inbox.
        return Ok(());
    };
    if inbox == out || inbox.starts_with(out.join(staging::RETURNED_DIR)) {
        return Err(refuse());
    }
    Ok(())
}

/// Left free on the disk beyond the estimate: the outputs are estimated, and a disk
/// filled to the last byte hurts every other program the clerk runs.
const SPACE_MARGIN: u64 = 1024 * 1024;

/// Refuse to start writing when OUT's disk visibly cannot take the new set beside the
/// previous one (both exist until the swap). The estimate is the previous set's size
/// (the same units, mostly the same files), or at least the returned submissions' own
/// sizes: a returned workbook holds the unit's figures. Where free space cannot be read,
/// the write itself finds out, and its failure leaves the previous set as it was.
fn check_space(
    opts: &RunOptions,
    c: &Consolidation,
    returns: &[(usize, usize)],
) -> Result<(), RunError> {
    let Ok(available) = fs4::available_space(&opts.out) else {
        return Ok(());
    };
    let size = |p: &std::path::Path| std::fs::metadata(p).map_or(0, |m| m.len());
    let mut previous = size(&opts.out.join("tong-hop.xlsx"))
        + size(&opts.out.join("report.json"))
        + size(&opts.out.join(chasing::CSV_FILE));
    if let Ok(dir) = std::fs::read_dir(opts.out.join(staging::RETURNED_DIR)) {
        previous += dir
            .flatten()
            .filter(|e| e.file_type().is_ok_and(|t| t.is_file()))
            .map(|e| e.metadata().map_or(0, |m| m.len()))
            .sum::<u64>();
    }
    let returned: u64 = returns.iter().map(|&(_, i)| c.submissions[i].size).sum();
    let needed = previous.max(returned) + SPACE_MARGIN;
    if available < needed {
        return Err(RunError::NoSpace {
            lang: opts.lang,
            out: opts.out.display().to_string(),
            needed,
            available,
        });
    }
    Ok(())
}

/// What the outputs are made of, digested: the run's id (see [`RunMark::id`]).
fn run_id(
    form: &Form,
    c: &Consolidation,
    skipped: &[Skipped],
    opts: &RunOptions,
    detail: Decision,
    chase: &Chase,
) -> String {
    let mut h = digest_of(form);
    let mut put = |s: &str| put_part(&mut h, s);
    // Who is late depends on the deadline and the day of the run, and the chasing list
    // is dated.
    put(&format!(
        "{} {:?}",
        chase.today,
        chase.deadline.map(|d| (d.date, d.days))
    ));
    put(&format!(
        "{:?} {:?} {} {} {}",
        opts.lang,
        opts.period,
        opts.include_invalid,
        detail.written,
        form.units.len()
    ));
    for (i, s) in c.submissions.iter().enumerate() {
        put(&s.file);
        put(&s.sha256);
        put(&format!(
            "{} {:?} {} {} {}",
            s.size,
            s.status,
            s.errors(),
            s.warnings(),
            c.included[i]
        ));
    }
    for s in skipped {
        put(&s.file);
        put(&s.reason.en);
    }
    crate::text::hex(&sha2::Digest::finalize(h)[..8])
}

/// What one returned workbook is made of, digested (see [`ReturnedMark::stamp`]).
fn returned_stamp(form: &Form, s: &crate::submission::Submission) -> String {
    let mut h = digest_of(form);
    let mut put = |s: &str| put_part(&mut h, s);
    put(&s.file);
    put(&s.sha256);
    for f in &s.findings {
        put(f.code.as_str());
        put(&f.message.vi);
        put(&format!("{:?} {:?}", f.at.sheet, f.at.cell));
    }
    crate::text::hex(&sha2::Digest::finalize(h)[..8])
}

/// A digest begun with what every mark depends on: the program's version and the form.
fn digest_of(form: &Form) -> sha2::Sha256 {
    let mut h = <sha2::Sha256 as sha2::Digest>::new();
    for s in [env!("CARGO_PKG_VERSION"), &form.id, &form.version] {
        put_part(&mut h, s);
    }
    h
}

/// One part of a digest, length first, so that no two sequences of parts hash alike.
fn put_part(h: &mut sha2::Sha256, s: &str) {
    sha2::Digest::update(h, (s.len() as u64).to_le_bytes());
    sha2::Digest::update(h, s.as_bytes());
}

/// A returned workbook's name relative to OUT, as report.json and the journal give it.
fn returned_rel(code: &str) -> String {
    format!("{}/{code}.xlsx", staging::RETURNED_DIR)
}

/// The returned workbook of unit `u`, whose kept submission is `i`, into `dir`.
#[allow(clippy::too_many_arguments)]
fn write_returned(
    form: &Form,
    c: &Consolidation,
    inputs: &[Input],
    popts: &Options,
    dir: &std::path::Path,
    run: &str,
    u: usize,
    i: usize,
) -> Result<(), WriteError> {
    let path = returned_path(dir, &form.units[u].code);
    let sub = &c.submissions[i];
    if !sub.report.as_ref().is_some_and(Report::rows_dropped) {
        return returned::write(&path, form, sub, run);
    }
    // A clean file whose rows were let go, returned only for what consolidation found
    // (two files of one unit and one date): read it again for its rows.
    let again = inputs
        .iter()
        .find(|(_, name)| *name == sub.file)
        .map(|(p, name)| pipeline::process_file(form, p, name, popts))
        .filter(|again| again.sha256 == sub.sha256);
    let mut sub = sub.clone();
    // Gone or changed since: its findings go back, but never a form whose table is empty
    // for want of the rows.
    sub.report = again.and_then(|again| again.report);
    returned::write(&path, form, &sub, run)
}

/// Returned workbooks of an earlier run into the same OUT for units clean now: they
/// would contradict this run, so they leave with the old set (only files named by the
/// form's codes; anything else in tra-lai/ is the clerk's).
fn stale(form: &Form, opts: &RunOptions, returned: &[String]) -> Vec<String> {
    let returned: HashSet<&str> = returned.iter().map(String::as_str).collect();
    // One listing of tra-lai/ rather than a lookup per unit: a roll-up has thousands.
    let present: HashSet<OsString> = match std::fs::read_dir(opts.out.join(staging::RETURNED_DIR)) {
        Ok(dir) => dir
            .filter_map(|e| e.ok())
            .filter(|e| e.file_type().is_ok_and(|t| t.is_file()))
            .map(|e| e.file_name())
            .collect(),
        Err(_) => HashSet::new(),
    };
    form.units
        .iter()
        .map(|unit| returned_rel(&unit.code))
        .filter(|rel| !returned.contains(rel.as_str()))
        .filter(|rel| {
            rel.rsplit('/')
                .next()
                .is_some_and(|n| present.contains(std::ffi::OsStr::new(n)))
        })
        .collect()
}

/// Upward reports of an earlier run into the same OUT under another province code (the
/// form's `province_code` was corrected): they would be sent up beside this one. Only
/// files that are clearly ours go: named as an upward report, and still carrying the
/// mark tonghop wrote (a clerk's own file of that name, or one saved since, stays).
fn stale_upward(opts: &RunOptions, current: Option<&str>) -> Vec<String> {
    let Ok(dir) = std::fs::read_dir(&opts.out) else {
        return Vec::new();
    };
    let mut old: Vec<String> = dir
        .filter_map(|e| e.ok())
        .filter(|e| e.file_type().is_ok_and(|t| t.is_file()))
        .filter_map(|e| e.file_name().into_string().ok())
        .filter(|n| upward::is_file_name(n) && Some(n.as_str()) != current)
        .filter(|n| {
            crate::write::mark::read_mark(&opts.out.join(n))
                .is_some_and(|m| m.output == crate::write::mark::Output::Submission)
        })
        .collect();
    old.sort();
    old
}
