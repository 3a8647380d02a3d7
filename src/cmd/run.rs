//! `tonghop run`: arguments to [`crate::run::RunOptions`], then the summary.

use super::{DetailArg, FormArg, LangArg, parse_period, stdout};
use crate::read::sniff::{DEFAULT_MAX_MEMORY_MIB, Limits};
use crate::run::{RunOptions, run as run_job};
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
    /// Memory the whole run may use to read files, shared by all jobs, in MiB; a file
    /// needing more alone is refused (FILE_SIZE).
    #[arg(long, default_value_t = DEFAULT_MAX_MEMORY_MIB)]
    max_memory_mib: u64,
}

pub fn run(a: Args) -> Result<u8> {
    let mib = 1024 * 1024;
    let opts = RunOptions {
        form: a.form.path(),
        period: parse_period(a.period.as_deref())?,
        jobs: a.jobs,
        lang: a.lang.lang,
        detail: a.detail.policy(),
        include_invalid: a.include_invalid,
        limits: Limits {
            max_file_bytes: a.max_file_mib * mib,
            max_total_bytes: a.max_unzipped_mib * mib,
            max_entry_bytes: a.max_unzipped_mib * mib,
            max_memory_bytes: a.max_memory_mib.saturating_mul(mib),
            ..Limits::default()
        },
        progress: !a.quiet && std::io::stderr().is_terminal(),
        ..RunOptions::new(a.inbox, a.out)
    };
    let done = run_job(&opts)?;
    let code = done.exit_code();
    if !a.quiet {
        let lang = opts.lang;
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
            let files: Vec<&str> = done.skipped.iter().map(|s| s.file.as_str()).collect();
            writeln!(
                out,
                "{}: {}",
                lang.pick("Bỏ qua", "Skipped"),
                files.join(", ")
            )?;
        }
        writeln!(out, "{}", opts.out.join("tong-hop.xlsx").display())?;
        writeln!(out, "{}", opts.out.join("report.json").display())?;
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
