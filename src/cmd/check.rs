use super::{DetailArg, FormArg, LangArg, period_context};
use crate::consolidate::consolidate;
use crate::pipeline::{self, Options, Status};
use crate::write::report;
use anyhow::Result;
use std::path::PathBuf;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Files or folders of submissions.
    #[arg(required = true)]
    paths: Vec<PathBuf>,
    #[command(flatten)]
    form: FormArg,
    /// The period being collected, FROM..TO (e.g. 01/01/2026..30/06/2026).
    #[arg(long)]
    period: Option<String>,
    #[command(flatten)]
    lang: LangArg,
    /// Print the report as JSON (the same shape as report.json).
    #[arg(long)]
    json: bool,
    #[command(flatten)]
    detail: DetailArg,
}

pub fn run(a: Args) -> Result<u8> {
    let form = a.form.load()?;
    let ctx = period_context(a.period.as_deref())?;
    let lang = a.lang.lang;
    let mut inputs = Vec::new();
    let mut skipped = Vec::new();
    for p in &a.paths {
        let (f, s) = pipeline::list_inputs(p)?;
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
        ctx,
        progress: false,
        detail: a.detail.policy(),
        ..Options::default()
    };
    let subs = pipeline::process_all(&form, &inputs, &opts);
    let c = consolidate(&form, subs, false);
    if a.json {
        println!(
            "{}",
            serde_json::to_string_pretty(&report::Report {
                form: &form,
                c: &c,
                skipped: &skipped,
                ctx: &ctx,
                lang,
                detail: opts.detail.written(c.table_rows_read()),
            })?
        );
    } else {
        for s in &c.submissions {
            let unit = s.unit.map_or("?", |u| form.units[u].code.as_str());
            println!(
                "{} [{unit}] {}",
                s.file,
                report::status_text(s.status, false).get(lang)
            );
            for f in &s.findings {
                let at = match (&f.sheet, &f.cell) {
                    (Some(sh), Some(c)) => format!("{sh}!{c}"),
                    (Some(sh), None) => sh.clone(),
                    _ => String::new(),
                };
                let sev = lang.pick(
                    if f.is_error() { "lỗi" } else { "cảnh báo" },
                    if f.is_error() { "error" } else { "warning" },
                );
                println!("  {sev:<8} {:<10} {at:<18} {}", f.rule, f.message.get(lang));
            }
        }
        for s in &skipped {
            println!(
                "{} {}: {}",
                s.file,
                lang.pick("bỏ qua", "skipped"),
                s.reason.get(lang)
            );
        }
    }
    let bad = c.submissions.iter().any(|s| {
        matches!(
            s.status,
            Status::Rejected | Status::Unreadable | Status::UnknownUnit
        )
    });
    Ok(u8::from(bad))
}
