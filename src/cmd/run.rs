//! `tonghop run`: arguments to [`crate::run::RunOptions`], then the summary.

use super::{DetailArg, FormArg, LimitsArg, jobs_parser, parse_period, resolve_jobs, stdout};
use crate::deadline::{parse_deadline, today};
use crate::run::{ArchiveOutcome, RunError, RunOptions, run as run_job};
use crate::submission::Status;
use crate::write::returned_path;
use crate::write::upward::Signer;
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
    /// The day reports are due, e.g. 20/07/2026: over the form's deadline_days after the period (the default form: 20 days).
    #[arg(long, value_name = "DATE")]
    deadline: Option<String>,
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
    /// The archive the period is recorded in (SQLite); default: tonghop-luu-tru.sqlite beside the output folder.
    #[arg(long, value_name = "FILE", conflicts_with = "no_archive")]
    archive: Option<PathBuf>,
    /// Record nothing in an archive.
    #[arg(long)]
    no_archive: bool,
    /// Replace the period in the archive even if it was closed (reported upward).
    #[arg(long)]
    reopen: bool,
    /// Compare with this archived period instead of the same period a year earlier, e.g. "6 tháng đầu năm 2025".
    #[arg(long, value_name = "PERIOD", conflicts_with = "no_archive")]
    compare_with: Option<String>,
    /// Targets workbook (as `tonghop targets template` writes it); default: the archive's targets of the period.
    #[arg(long, value_name = "FILE")]
    targets: Option<PathBuf>,
    /// Who prepared the province's own report (bao-cao-<code>.xlsx, Người lập biểu); default: the Organisation Board's name.
    #[arg(long, value_name = "NAME")]
    preparer: Option<String>,
    /// The preparer's phone, written in the province's own report.
    #[arg(long, value_name = "PHONE")]
    phone: Option<String>,
}

impl Args {
    /// `tonghop run INBOX --out OUT` with every other option at its default, as clap
    /// gives it: what a double-click runs ([`super::clicked`]). Built by clap from that
    /// command line, so a flag added later gets its default here without a change.
    pub(super) fn defaults(inbox: PathBuf, out: PathBuf) -> Result<Args> {
        use clap::FromArgMatches;
        let cmd = <Args as clap::Args>::augment_args(clap::Command::new("run"));
        // `--` before INBOX: a folder whose name starts with '-' is still the folder.
        let line = [
            "run".into(),
            "--out".into(),
            out.into_os_string(),
            "--".into(),
            inbox.into_os_string(),
        ];
        let matches = cmd.try_get_matches_from(line)?;
        Ok(Args::from_arg_matches(&matches)?)
    }
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
        reopen: a.reopen,
        compare_with: parse_period(a.compare_with.as_deref())?,
        deadline: a.deadline.as_deref().map(parse_deadline).transpose()?,
        today: Some(today()?),
        targets: a.targets,
        signer: Signer {
            preparer: a
                .preparer
                .map(|s| s.trim().to_string())
                .filter(|s| !s.is_empty()),
            phone: a
                .phone
                .map(|s| s.trim().to_string())
                .filter(|s| !s.is_empty()),
        },
        ..RunOptions::new(a.inbox, a.out)
    };
    let opts = RunOptions {
        archive: match (a.no_archive, a.archive) {
            (true, _) => None,
            (false, Some(path)) => Some(path),
            (false, None) => opts.archive.clone(),
        },
        ..opts
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
    let mut code = done.exit_code();
    // The outputs are in place whatever became of the archive; a failed recording is
    // said even with --quiet, and makes the run fail.
    if let Some(ArchiveOutcome::Failed { error, .. }) = &done.archive {
        eprintln!(
            "tonghop: {}; {}",
            error.message(lang),
            lang.pick(
                "các kết quả đã được ghi, riêng kho lưu trữ chưa được cập nhật: hãy chạy lại",
                "the outputs were written, but the archive was not updated: run again"
            )
        );
        code = 2;
    }
    // A targets cell that cannot be read is said where the clerk sees it, named by
    // file, sheet and cell; the rest of the targets are used.
    for p in &done.comparison.extra.target_problems {
        eprintln!(
            "tonghop: {}: {}",
            lang.pick("chỉ tiêu", "targets"),
            p.shown(lang)
        );
    }
    // A provincial sum past 2^53 is left blank: said even with --quiet.
    for &f in &done.consolidation.beyond {
        let form = &done.form;
        eprintln!(
            "tonghop: {} '{}' ({}) {}",
            lang.pick("tổng toàn tỉnh của", "the provincial total of"),
            form.field_label(f, lang == crate::lang::Lang::En),
            form.field_key(f),
            lang.pick(
                "vượt 2^53 (9.007.199.254.740.992), quá lớn để cộng chính xác, nên để trống; hãy xem lại số liệu các đơn vị",
                "is past 2^53 (9,007,199,254,740,992), too large to add exactly, and is left blank; check the units' figures"
            )
        );
    }
    if !a.quiet {
        let (form, c) = (&done.form, &done.consolidation);
        let mut out = stdout();
        let missing = c.missing_units();
        // Read, but held back for the memory limit: said on its own line below.
        let held_files = c.submissions.iter().filter(|s| s.held_back).count();
        writeln!(
            out,
            "{}: {} {}, {} {}, {} {}, {} {}, {} {}, {} {}",
            lang.pick("Kết quả", "Result"),
            done.count(Status::Accepted),
            lang.pick("đã nhận", "accepted"),
            done.count(Status::Rejected),
            lang.pick("trả lại", "returned"),
            done.count(Status::Unreadable) - held_files,
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
        let held = c.held_back_units();
        if !held.is_empty() {
            let codes: Vec<&str> = held.iter().map(|&u| form.units[u].code.as_str()).collect();
            writeln!(
                out,
                "{}: {}",
                lang.pick(
                    "Đã đọc nhưng chưa tổng hợp vì giới hạn bộ nhớ (chạy lại với --max-memory-mib lớn hơn)",
                    "Read but not consolidated for the memory limit (run again with a larger --max-memory-mib)"
                ),
                codes.join(", ")
            )?;
        }
        for line in done.chase.summary(&done.form, lang) {
            writeln!(out, "{line}")?;
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
        writeln!(
            out,
            "{}",
            opts.out.join(crate::write::chasing::CSV_FILE).display()
        )?;
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
        match &done.archive {
            Some(ArchiveOutcome::Recorded { path, recorded: r }) => writeln!(
                out,
                "{}: {} ({} {}, {} {}{})",
                lang.pick("Lưu trữ", "Archive"),
                path.display(),
                lang.pick("kỳ", "period"),
                r.period,
                r.units,
                lang.pick("đơn vị", "units"),
                match (r.replaced, r.reopened) {
                    (_, true) => lang.pick(
                        ", đã mở lại kỳ đã chốt và thay số liệu",
                        ", closed period reopened and replaced"
                    ),
                    (true, false) => lang.pick(
                        ", thay số liệu cũ của kỳ",
                        ", replacing the period's earlier records"
                    ),
                    (false, false) => "",
                }
            )?,
            Some(ArchiveOutcome::NoPeriod { path }) => writeln!(
                out,
                "{}: {} ({})",
                lang.pick("Lưu trữ", "Archive"),
                path.display(),
                lang.pick(
                    "không ghi: không xác định được kỳ báo cáo, hãy cho biết kỳ bằng --period",
                    "nothing recorded: no period could be told; give it with --period"
                )
            )?,
            Some(ArchiveOutcome::Failed { .. }) | None => {}
        }
        out.flush()?;
    }
    // The process ends here: freeing thousands of submissions one by one only delays it.
    std::mem::forget(done);
    Ok(code)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_are_the_plain_command_line() {
        let a = Args::defaults("-odd inbox".into(), "out dir".into()).unwrap();
        assert_eq!(a.inbox, PathBuf::from("-odd inbox"));
        assert_eq!(a.out, PathBuf::from("out dir"));
        assert!(!a.quiet && !a.no_archive && !a.reopen && !a.include_invalid);
        assert!(a.archive.is_none() && a.period.is_none() && a.form.form.is_none());
        assert_eq!(a.limits.max_file_mib, 50);
    }
}
