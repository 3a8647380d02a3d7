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

use crate::consolidate::{Consolidation, consolidate};
use crate::detail::{Decision, Detail, Tracker};
use crate::extract::Report;
use crate::form::Form;
use crate::inbox::{InboxError, Input, list_inputs_except};
use crate::lang::Lang;
use crate::period::Period;
use crate::pipeline::{self, Options};
use crate::read::sniff::Limits;
use crate::rules::Context;
use crate::spec::SpecError;
use crate::submission::{Skipped, Status};
use crate::timing::Phases;
use crate::write::{WriteError, consolidated, report, returned, returned_path};
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
}

impl RunOptions {
    /// The defaults for `inbox` into `out`.
    pub fn new(inbox: PathBuf, out: PathBuf) -> RunOptions {
        RunOptions {
            inbox,
            out,
            form: None,
            period: None,
            jobs: None,
            lang: Lang::Vi,
            detail: Detail::Auto,
            include_invalid: false,
            limits: Limits::default(),
            progress: false,
        }
    }
}

/// Why the run could not proceed; nothing of this run is published then.
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
    /// The output folder could not be created or written to.
    #[error("output folder '{path}' is not writable")]
    Out {
        /// The folder.
        path: String,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// An output could not be written.
    #[error(transparent)]
    Write(#[from] WriteError),
    /// A returned workbook of an earlier run could not be removed.
    #[error("cannot remove stale '{path}'")]
    Stale {
        /// The file.
        path: String,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// The worker threads could not be started.
    #[error("cannot start worker threads")]
    Pool(#[from] rayon::ThreadPoolBuildError),
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
        u8::from(bad > 0)
    }
}

/// Run the main job.
pub fn run(opts: &RunOptions) -> Result<RunOutcome, RunError> {
    let phases = Phases::from_env();
    if !opts.inbox.is_dir() {
        return Err(RunError::NotAFolder(opts.inbox.display().to_string()));
    }
    // A roll-up's form lists thousands of units and its inbox thousands of files: parse
    // the one while listing the other.
    let (form, listed) = std::thread::scope(|s| {
        let listing = s.spawn(|| list_inputs_except(&opts.inbox, Some(&opts.out)));
        let form = Form::load(opts.form.as_deref());
        (form, listing.join())
    });
    let form = form?;
    let (inputs, skipped) = match listed {
        Ok(listed) => listed?,
        Err(panic) => std::panic::resume_unwind(panic),
    };
    phases.mark("form loaded, inbox listed");
    let out_err = |source| RunError::Out {
        path: opts.out.display().to_string(),
        source,
    };
    std::fs::create_dir_all(&opts.out).map_err(out_err)?;
    tempfile::tempfile_in(&opts.out).map_err(out_err)?;
    let popts = Options {
        limits: opts.limits,
        ctx: Context {
            period: opts.period,
        },
        progress: opts.progress,
    };
    let mut pool = rayon::ThreadPoolBuilder::new();
    if let Some(j) = opts.jobs {
        pool = pool.num_threads(j.max(1));
    }
    let pool = pool.build()?;
    let tracker = Tracker::new(opts.detail);
    let subs = pool.install(|| pipeline::process_all(&form, &inputs, &popts, &tracker));
    phases.mark("read and check");
    let detail = tracker.decide(&subs);
    let c = consolidate(&form, subs, opts.include_invalid, opts.period);

    // Returned workbooks first, then the consolidated workbook and report.json, which
    // refer to them. Each is written whole to a temporary file and renamed.
    let returns: Vec<(usize, usize)> = (0..form.units.len())
        .filter_map(|u| c.kept[u].map(|i| (u, i)))
        .filter(|&(_, i)| !c.submissions[i].findings.is_empty())
        .collect();
    pool.install(|| {
        returns
            .par_iter()
            .try_for_each(|&(u, i)| write_returned(&form, &c, &inputs, &popts, opts, u, i))
    })?;
    phases.mark("returned workbooks");
    let returned: Vec<usize> = returns.iter().map(|&(u, _)| u).collect();
    remove_stale(&form, opts, &returned)?;
    // The two big outputs are independent: report.json is written beside the workbook.
    let report = report::Report {
        form: &form,
        c: &c,
        skipped: &skipped,
        lang: opts.lang,
        detail,
    };
    let (workbook, json) = pool.install(|| {
        consolidated::write(&opts.out.join("tong-hop.xlsx"), &report, || {
            let r = report::write(&opts.out.join("report.json"), &report);
            phases.mark("report.json written");
            r
        })
    });
    workbook?;
    json?;
    phases.mark("consolidated workbook and report.json");
    Ok(RunOutcome {
        form,
        consolidation: c,
        skipped,
        returned,
        detail,
    })
}

/// The returned workbook of unit `u`, whose kept submission is `i`.
fn write_returned(
    form: &Form,
    c: &Consolidation,
    inputs: &[Input],
    popts: &Options,
    opts: &RunOptions,
    u: usize,
    i: usize,
) -> Result<(), WriteError> {
    let path = returned_path(&opts.out, &form.units[u].code);
    let sub = &c.submissions[i];
    if !sub.report.as_ref().is_some_and(Report::rows_dropped) {
        return returned::write(&path, form, sub);
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
    returned::write(&path, form, &sub)
}

/// A unit returned by an earlier run into the same OUT and clean now: its old returned
/// workbook would contradict this run, so it goes (only files named by the form's codes).
fn remove_stale(form: &Form, opts: &RunOptions, returned: &[usize]) -> Result<(), RunError> {
    let returned: HashSet<usize> = returned.iter().copied().collect();
    // One listing of tra-lai/ rather than a lookup per unit: a roll-up has thousands.
    let present: HashSet<OsString> = match std::fs::read_dir(opts.out.join("tra-lai")) {
        Ok(dir) => dir.filter_map(|e| e.ok().map(|e| e.file_name())).collect(),
        Err(_) => HashSet::new(),
    };
    for (u, unit) in form.units.iter().enumerate() {
        let stale = returned_path(&opts.out, &unit.code);
        if !returned.contains(&u)
            && stale.file_name().is_some_and(|n| present.contains(n))
            && stale.is_file()
        {
            std::fs::remove_file(&stale).map_err(|source| RunError::Stale {
                path: stale.display().to_string(),
                source,
            })?;
        }
    }
    Ok(())
}
