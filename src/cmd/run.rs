//! `tonghop run`: arguments to [`crate::run::RunOptions`], then the summary.

use super::{DetailArg, FormArg, LimitsArg, jobs_parser, parse_period, resolve_jobs, stdout};
use crate::run::{RunError, RunOptions, run as run_job};
use crate::submission::Status;
use crate::write::returned_path;
use anyhow::Result;
use std::io::{IsTerminal, Write};
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
    /// The period being collected, e.g. 01/01/2026..30/06/2026, 1/1/2026-30/6/2026, "6 tháng đầu năm 2026", "quý 2/2026", 6/2026 or 2026. Without it, only from <= to is checked.
    #[arg(long)]
    period: Option<String>,
    /// Worker threads (default, or 0: one per core; at most 4 per core).
    #[arg(long, value_parser = jobs_parser())]
    jobs: Option<usize>,
    /// No progress bar and no summary.
    #[arg(long)]
    quiet: bool,
    #[command(flatten)]
    detail: DetailArg,
    /// Sum returned submissions anyway (marked in the status sheet).
    #[arg(long)]
    include_invalid: bool,
    #[command(flatten)]
    limits: LimitsArg,
}

pub fn run(a: Args, lang: crate::lang::Lang) -> Result<u8> {
    let (jobs, capped) = resolve_jobs(a.jobs, crate::bench::cores());
    if let Some(msg) = capped {
        eprintln!("tonghop: {}", msg.get(lang));
    }
    let opts = RunOptions {
        form: a.form.path(),
        period: parse_period(a.period.as_deref())?,
        jobs: Some(jobs),
        lang,
        detail: a.detail.policy(),
        include_invalid: a.include_invalid,
        limits: a.limits.limits(),
        progress: !a.quiet && std::io::stderr().is_terminal(),
        ..RunOptions::new(a.inbox, a.out)
    };
    // Ctrl-C or SIGTERM: the run removes its staging folder and lock, and says so.
    crate::interrupt::install(opts.lang);
    let done = match run_job(&opts) {
        Err(e @ RunError::Interrupted { .. }) => {
            eprintln!("tonghop: {e}");
            return Ok(crate::interrupt::EXIT_CODE);
        }
        done => done?,
    };
    let code = done.exit_code();
    if !a.quiet {
        let (form, c) = (&done.form, &done.consolidation);
        let mut out = stdout();
        let missing = c.missing_units();
        writeln!(
            out,
            "{}: {} {}, {} {}, {} {}, {} {}, {} {}, {} {}",
            lang.pick("Kết quả", "Result"),
            done.count(Status::Accepted),
            lang.pick("đã nhận", "accepted"),
            done.count(Status::Rejected),
            lang.pick("trả lại", "returned"),
            done.count(Status::Unreadable),
            lang.pick("không đọc được", "unreadable"),
            done.count(Status::Duplicate),
            lang.pick("trùng", "duplicate"),
            done.count(Status::UnknownUnit),
            lang.pick("không rõ đơn vị", "unknown unit"),
            missing.len(),
            lang.pick("chưa nộp", "missing"),
        )?;
        if !missing.is_empty() {
            let codes: Vec<&str> = missing
                .iter()
                .map(|&u| form.units[u].code.as_str())
                .collect();
            writeln!(
                out,
                "{}: {}",
                lang.pick("Chưa nộp", "Missing"),
                codes.join(", ")
            )?;
        }
        if !done.skipped.is_empty() {
            // Names as the inbox has them, escaped: a file name can hold a line break.
            let files: Vec<_> = done
                .skipped
                .iter()
                .map(|s| crate::text::visible(&s.file))
                .collect();
            writeln!(
                out,
                "{}: {}",
                lang.pick("Bỏ qua", "Skipped"),
                files.join(", ")
            )?;
        }
        writeln!(out, "{}", opts.out.join("tong-hop.xlsx").display())?;
        writeln!(out, "{}", opts.out.join("report.json").display())?;
        if let Some(up) = &done.upward {
            let path = opts.out.join(&up.file);
            if up.complete() {
                writeln!(out, "{}", path.display())?;
            } else {
                // Said where the clerk looks before sending it up: the figures lack units.
                writeln!(out, "{} ({})", path.display(), up.headline(lang))?;
            }
        }
        for &u in &done.returned {
            writeln!(
                out,
                "{}",
                returned_path(&opts.out, &form.units[u].code).display()
            )?;
        }
        out.flush()?;
    }
    // The process ends here: freeing thousands of submissions one by one only delays it.
    std::mem::forget(done);
    Ok(code)
}
