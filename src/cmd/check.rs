//! `tonghop check`: read and check files or folders, print the findings, write nothing.

use super::{DetailArg, FormArg, LimitsArg, parse_period, stdout};
use crate::consolidate::consolidate;
use crate::detail::Tracker;
use crate::finding::Severity;
use crate::inbox::list_inputs;
use crate::lang::Lang;
use crate::pipeline::{self, Options};
use crate::rules::Context;
use crate::submission::Status;
use crate::text::visible;
use crate::write::report;
use anyhow::Result;
use std::io::{IsTerminal, Write};
use std::path::PathBuf;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Files or folders of submissions.
    #[arg(required = true)]
    paths: Vec<PathBuf>,
    #[command(flatten)]
    form: FormArg,
    /// The period being collected, e.g. 01/01/2026..30/06/2026, 1/1/2026-30/6/2026, "6 tháng đầu năm 2026", "quý 2/2026", 6/2026 or 2026.
    #[arg(long)]
    period: Option<String>,
    /// Print the report as JSON (the same shape as report.json).
    #[arg(long)]
    json: bool,
    #[command(flatten)]
    detail: DetailArg,
    #[command(flatten)]
    limits: LimitsArg,
    /// The archive to look back at (SQLite, as run writes it): the rules carry, previous, change and outlier check each file against its earlier periods. Without it check looks back at nothing.
    #[arg(long, value_name = "FILE")]
    archive: Option<PathBuf>,
}

pub fn run(a: Args, lang: Lang) -> Result<u8> {
    let form = a.form.load()?;
    let period = parse_period(a.period.as_deref())?;
    let mut inputs = Vec::new();
    let mut skipped = Vec::new();
    for p in &a.paths {
        let (f, s) = list_inputs(p)?;
        let prefix = if p.is_dir() {
            format!("{}/", p.display())
        } else {
            String::new()
        };
        inputs.extend(f.into_iter().map(|(path, name)| {
            let shown = if prefix.is_empty() {
                path.display().to_string()
            } else {
                format!("{prefix}{name}")
            };
            (path, shown)
        }));
        skipped.extend(s);
    }
    let opts = Options {
        limits: a.limits.limits(),
        ctx: Context { period },
        ..Options::default()
    };
    let tracker = Tracker::new(a.detail.policy());
    let mut subs = pipeline::process_all(&form, &inputs, &opts, &tracker);
    let detail = tracker.decide(&subs);
    if let Some(path) = &a.archive {
        look_back(&form, &mut subs, path, period, lang)?;
    }
    let c = consolidate(&form, subs, false, period);
    let mut out = stdout();
    if a.json {
        let report = report::Report {
            form: &form,
            c: &c,
            skipped: &skipped,
            lang,
            detail,
            run: None,
            comparison: None,
            chase: None,
            versions: None,
            decisions: None,
        };
        serde_json::to_writer_pretty(&mut out, &report)?;
        writeln!(out)?;
    } else {
        let colour = colour_wanted();
        let form_names: Vec<String> = form.sheets.iter().map(|s| s.name.clone()).collect();
        for s in &c.submissions {
            let unit = s.unit.map_or("?", |u| form.units[u].code.as_str());
            // File names, sheet names and messages quote what a unit wrote: escaped, so
            // that none can move the cursor, retitle the terminal or forge a line.
            writeln!(
                out,
                "{} [{unit}] {}",
                visible(&s.file),
                report::status_text(s, false).get(lang)
            )?;
            for f in &s.findings {
                let at = match (f.at.sheet, f.at.cell) {
                    (Some(i), Some(c)) => format!("{}!{c}", s.sheet_name(&form_names, i)),
                    (Some(i), None) => s.sheet_name(&form_names, i).to_string(),
                    _ => String::new(),
                };
                let word = format!("{:<8}", f.severity.word(lang).to_lowercase());
                writeln!(
                    out,
                    "  {} {:<10} {:<18} {}",
                    paint(colour, f.severity, &word),
                    f.code,
                    visible(&at),
                    visible(f.message.get(lang))
                )?;
            }
        }
        for s in &skipped {
            writeln!(
                out,
                "{} {}: {}",
                visible(&s.file),
                lang.pick("bỏ qua", "skipped"),
                visible(s.reason.get(lang))
            )?;
        }
    }
    out.flush()?;
    let bad = c.submissions.iter().any(|s| {
        matches!(
            s.status,
            Status::Rejected | Status::Unreadable | Status::UnknownUnit
        )
    });
    Ok(u8::from(bad))
}

/// The rules that look back, on every identified file, against the archive at `path`
/// (which must exist: check never creates one) as `run` checks them: against the
/// previous period and the same period a year earlier of the period given or told
/// from the files, and against this check's units and each unit's own earlier periods.
/// An error among them makes the file one that would be returned.
fn look_back(
    form: &crate::form::Form,
    subs: &mut [crate::submission::Submission],
    path: &std::path::Path,
    period: Option<crate::period::Period>,
    lang: Lang,
) -> Result<()> {
    let failed = |e: crate::archive::ArchiveError| anyhow::anyhow!(e.message(lang));
    if !path.exists() {
        return Err(failed(crate::archive::ArchiveError::Missing {
            path: path.display().to_string(),
        }));
    }
    let store = crate::archive::Archive::open(path, false).map_err(failed)?;
    let mut history = match period.or_else(|| crate::consolidate::infer_period(form, subs)) {
        Some(p) => crate::history::History::load(&store, form, p).map_err(failed)?,
        None => crate::history::History::without_archive(None, Some(path.to_path_buf())),
    };
    history.set_peers(form, subs);
    for s in subs.iter_mut() {
        let (Some(unit), Some(report)) = (s.unit, &s.report) else {
            continue;
        };
        let found = crate::rules::check_past(form, &form.rules, report, unit, &history);
        if found.iter().any(crate::finding::Finding::is_error) && s.status == Status::Accepted {
            s.status = Status::Rejected;
        }
        s.findings.extend(found);
    }
    Ok(())
}

/// Whether the findings are coloured: on a terminal only, so that a file or a pipe gets
/// plain text, and never when `NO_COLOR` is set (no-color.org).
fn colour_wanted() -> bool {
    std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
}

/// `word` in the colour of `severity` when `colour`: errors red, warnings yellow, so
/// that a clerk scanning a long list sees what returns a file.
fn paint(colour: bool, severity: Severity, word: &str) -> String {
    if !colour {
        return word.to_string();
    }
    let style = match severity {
        Severity::Error => anstyle::AnsiColor::Red.on_default().bold(),
        Severity::Warning => anstyle::AnsiColor::Yellow.on_default(),
    };
    format!("{style}{word}{style:#}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn severities_are_painted_only_when_asked() {
        assert_eq!(paint(false, Severity::Error, "lỗi    "), "lỗi    ");
        let red = paint(true, Severity::Error, "lỗi");
        assert!(
            red.starts_with("\x1b[") && red.contains("lỗi") && red.ends_with("\x1b[0m"),
            "{red:?}"
        );
        assert_ne!(red, paint(true, Severity::Warning, "lỗi"));
    }
}
