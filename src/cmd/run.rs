use super::{DetailArg, FormArg, LangArg, period_context};
use crate::consolidate::consolidate;
use crate::extract::Report;
use crate::pipeline::{self, Options, Status};
use crate::read::sniff::Limits;
use crate::write::{consolidated, report, returned, returned_path};
use anyhow::{Context as _, Result, bail};
use std::io::IsTerminal;
use std::path::PathBuf;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Folder of submitted workbooks (.xlsx, .xls, .ods; sub-folders included).
    inbox: PathBuf,
    /// Output folder: tong-hop.xlsx, report.json and tra-lai/<CODE>.xlsx go here.
    #[arg(long, value_name = "DIR")]
    out: PathBuf,
    #[command(flatten)]
    form: FormArg,
    /// The period being collected, FROM..TO (e.g. 01/01/2026..30/06/2026). Without it, only from <= to is checked.
    #[arg(long)]
    period: Option<String>,
    /// Worker threads (default: one per core).
    #[arg(long)]
    jobs: Option<usize>,
    /// No progress bar and no summary.
    #[arg(long)]
    quiet: bool,
    #[command(flatten)]
    lang: LangArg,
    #[command(flatten)]
    detail: DetailArg,
    /// Sum returned submissions anyway (marked in the status sheet).
    #[arg(long)]
    include_invalid: bool,
    /// Refuse files larger than this many MiB.
    #[arg(long, default_value_t = 50)]
    max_file_mib: u64,
    /// Refuse workbooks that inflate to more than this many MiB.
    #[arg(long, default_value_t = 300)]
    max_unzipped_mib: u64,
}

pub fn run(a: Args) -> Result<u8> {
    // TONGHOP_TIMINGS=1 prints where the time goes, for the benchmark and profiling.
    let timings = std::env::var_os("TONGHOP_TIMINGS").is_some();
    let clock = std::time::Instant::now();
    let phase = |name: &str| {
        if timings {
            eprintln!(
                "timing {name}: {:.3}s (cpu {:.3}s)",
                clock.elapsed().as_secs_f64(),
                crate::bench::cpu_seconds()
            );
        }
    };
    let ctx = period_context(a.period.as_deref())?;
    if !a.inbox.is_dir() {
        bail!("INBOX '{}' is not a readable folder", a.inbox.display());
    }
    // A roll-up's form lists thousands of units and its inbox thousands of files: parse
    // the one while listing the other.
    let (form, listed) = std::thread::scope(|s| {
        let listing = s.spawn(|| pipeline::list_inputs_except(&a.inbox, Some(&a.out)));
        let form = a.form.load();
        (form, listing.join())
    });
    let form = form?;
    let (inputs, skipped) = match listed {
        Ok(listed) => listed?,
        Err(panic) => std::panic::resume_unwind(panic),
    };
    phase("form loaded, inbox listed");
    std::fs::create_dir_all(&a.out)
        .with_context(|| format!("cannot create output folder '{}'", a.out.display()))?;
    tempfile::tempfile_in(&a.out)
        .with_context(|| format!("output folder '{}' is not writable", a.out.display()))?;
    let mib = 1024 * 1024;
    let limits = Limits {
        max_file_bytes: a.max_file_mib * mib,
        max_total_bytes: a.max_unzipped_mib * mib,
        max_entry_bytes: a.max_unzipped_mib * mib,
        ..Limits::default()
    };
    let opts = Options {
        limits,
        ctx,
        progress: !a.quiet && std::io::stderr().is_terminal(),
        detail: a.detail.policy(),
    };
    let mut pool = rayon::ThreadPoolBuilder::new();
    if let Some(j) = a.jobs {
        pool = pool.num_threads(j.max(1));
    }
    let pool = pool.build()?;
    let subs = pool.install(|| pipeline::process_all(&form, &inputs, &opts));
    phase("read and check");
    let c = consolidate(&form, subs, a.include_invalid);
    let lang = a.lang.lang;
    let detail = opts.detail.written(c.table_rows_read());

    // Returned workbooks first, then the consolidated workbook and report.json, which
    // refer to them. Each is written whole to a temporary file and renamed.
    let returns: Vec<(usize, usize)> = (0..form.units.len())
        .filter_map(|u| c.kept[u].map(|i| (u, i)))
        .filter(|&(_, i)| !c.submissions[i].findings.is_empty())
        .collect();
    pool.install(|| {
        use rayon::prelude::*;
        returns.par_iter().try_for_each(|&(u, i)| {
            let path = returned_path(&a.out, &form.units[u].code);
            let sub = &c.submissions[i];
            if !sub.report.as_ref().is_some_and(Report::rows_dropped) {
                return returned::write(&path, &form, sub);
            }
            // A clean file whose rows were let go, returned only for what consolidation
            // found (two files of one unit and one date): read it again for its rows.
            let again = inputs
                .iter()
                .find(|(_, name)| *name == sub.file)
                .map(|(p, name)| pipeline::process_file(&form, p, name, &opts))
                .filter(|again| again.sha256 == sub.sha256);
            let mut sub = sub.clone();
            // Gone or changed since: its findings go back, but never a form whose table
            // is empty for want of the rows.
            sub.report = again.and_then(|again| again.report);
            returned::write(&path, &form, &sub)
        })
    })?;
    phase("returned workbooks");
    // A unit returned by an earlier run into the same OUT and clean now: its old returned
    // workbook would contradict this run, so it goes (only files named by the form's codes).
    let returned_units: std::collections::HashSet<usize> =
        returns.iter().map(|&(u, _)| u).collect();
    // One listing of tra-lai/ rather than a lookup per unit: a roll-up has thousands.
    let present: std::collections::HashSet<std::ffi::OsString> =
        match std::fs::read_dir(a.out.join("tra-lai")) {
            Ok(dir) => dir.filter_map(|e| e.ok().map(|e| e.file_name())).collect(),
            Err(_) => Default::default(),
        };
    for (u, unit) in form.units.iter().enumerate() {
        let stale = returned_path(&a.out, &unit.code);
        if !returned_units.contains(&u)
            && stale.file_name().is_some_and(|n| present.contains(n))
            && stale.is_file()
        {
            std::fs::remove_file(&stale)
                .with_context(|| format!("cannot remove stale '{}'", stale.display()))?;
        }
    }
    // The two big outputs are independent: report.json is written beside the workbook.
    let report = report::Report {
        form: &form,
        c: &c,
        skipped: &skipped,
        ctx: &ctx,
        lang,
        detail,
    };
    let book = consolidated::Book {
        run: &report,
        policy: opts.detail,
    };
    let (workbook, json) = pool.install(|| {
        consolidated::write(&a.out.join("tong-hop.xlsx"), &book, || {
            let r = report::write(&a.out.join("report.json"), &report);
            phase("report.json written");
            r
        })
    });
    workbook?;
    json?;
    phase("consolidated workbook and report.json");

    let count = |st: Status| c.submissions.iter().filter(|s| s.status == st).count();
    if !a.quiet {
        let missing = c.missing_units();
        println!(
            "{}: {} {}, {} {}, {} {}, {} {}, {} {}, {} {}",
            lang.pick("Kết quả", "Result"),
            count(Status::Accepted),
            lang.pick("đã nhận", "accepted"),
            count(Status::Rejected),
            lang.pick("trả lại", "returned"),
            count(Status::Unreadable),
            lang.pick("không đọc được", "unreadable"),
            count(Status::Duplicate),
            lang.pick("trùng", "duplicate"),
            count(Status::UnknownUnit),
            lang.pick("không rõ đơn vị", "unknown unit"),
            missing.len(),
            lang.pick("chưa nộp", "missing"),
        );
        if !missing.is_empty() {
            let codes: Vec<&str> = missing
                .iter()
                .map(|&u| form.units[u].code.as_str())
                .collect();
            println!("{}: {}", lang.pick("Chưa nộp", "Missing"), codes.join(", "));
        }
        if !skipped.is_empty() {
            println!(
                "{}: {}",
                lang.pick("Bỏ qua", "Skipped"),
                skipped
                    .iter()
                    .map(|s| s.file.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            );
        }
        println!("{}", a.out.join("tong-hop.xlsx").display());
        println!("{}", a.out.join("report.json").display());
        for (u, _) in &returns {
            println!("{}", returned_path(&a.out, &form.units[*u].code).display());
        }
    }
    let bad = count(Status::Rejected) + count(Status::Unreadable) + count(Status::UnknownUnit);
    // The process ends here: freeing thousands of submissions one by one only delays it.
    std::mem::forget(c);
    Ok(u8::from(bad > 0))
}
