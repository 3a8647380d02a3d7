//! `tonghop archive ...`: what the archive holds, and the ways in and out of it.

use super::{FormArg, parse_period, stdout};
use crate::archive::{self, Archive, StoredFigure};
use crate::form::Form;
use crate::lang::Lang;
use crate::period::Period;
use crate::write::units_table::{self, UnitRow};
use anyhow::{Result, anyhow};
use std::collections::HashMap;
use std::io::Write;
use std::path::{Path, PathBuf};

#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(subcommand)]
    command: Sub,
}

#[derive(Debug, clap::Subcommand)]
enum Sub {
    /// List the periods the archive holds: units, when, from which files.
    List(ListArgs),
    /// Show a period: the province's figures and each unit's file, or one unit's figures with their cells.
    Show(ShowArgs),
    /// Write a period as a workbook or CSV, one row per unit and one column per figure.
    Export(ExportArgs),
    /// Record a period from an earlier run's report.json or output folder, or from a workbook laid out as `archive template` writes it.
    Import(ImportArgs),
    /// Write the blank one-row-per-unit workbook that `archive import` reads (last year's figures typed by hand).
    Template(TemplateArgs),
    /// Close a period once it is reported upward: a later run does not change it unless --reopen.
    Close(CloseArgs),
    /// Keep a period's targets (and its term's) from a workbook that `targets template` wrote; all or nothing.
    ImportTargets(ImportTargetsArgs),
}

#[derive(Debug, clap::Args)]
struct ImportTargetsArgs {
    /// The period, e.g. 01/01/2026..30/06/2026, "6 tháng đầu năm 2026" or 2026.
    period: String,
    /// The targets workbook.
    file: PathBuf,
    #[command(flatten)]
    form: FormArg,
    #[command(flatten)]
    archive: ArchiveArg,
}

/// Where the archive is: `--archive`, else the default a run into `./ket-qua` (or any
/// folder of the current one) uses.
#[derive(Debug, Clone, clap::Args)]
struct ArchiveArg {
    /// The archive (SQLite file); default: tonghop-luu-tru.sqlite in the current folder, where `run --out DIR` puts it for a DIR of the current folder.
    #[arg(long, value_name = "FILE")]
    archive: Option<PathBuf>,
}

impl ArchiveArg {
    fn path(&self) -> PathBuf {
        self.archive
            .clone()
            .unwrap_or_else(|| PathBuf::from(archive::DEFAULT_NAME))
    }

    fn open(&self, create: bool, lang: Lang) -> Result<Archive> {
        Archive::open(&self.path(), create).map_err(|e| anyhow!(e.message(lang)))
    }
}

#[derive(Debug, clap::Args)]
struct ListArgs {
    #[command(flatten)]
    archive: ArchiveArg,
}

#[derive(Debug, clap::Args)]
struct ShowArgs {
    /// The period, e.g. 01/01/2026..30/06/2026, "6 tháng đầu năm 2026" or 2026.
    period: String,
    /// Only this unit, with each figure's file, sheet and cell.
    #[arg(long, value_name = "CODE")]
    unit: Option<String>,
    #[command(flatten)]
    form: FormArg,
    #[command(flatten)]
    archive: ArchiveArg,
}

#[derive(Debug, clap::Args)]
struct ExportArgs {
    /// The period, e.g. 01/01/2026..30/06/2026, "6 tháng đầu năm 2026" or 2026.
    period: String,
    /// The file to write: .xlsx (a workbook `archive import` reads back) or .csv.
    #[arg(long, value_name = "FILE")]
    out: PathBuf,
    #[command(flatten)]
    form: FormArg,
    #[command(flatten)]
    archive: ArchiveArg,
}

#[derive(Debug, clap::Args)]
struct ImportArgs {
    /// A report.json, an output folder holding one, or a workbook (.xlsx, .xls, .ods) laid out as `archive template` writes it.
    path: PathBuf,
    /// The period, when the file does not say it (or to check that it says this one).
    #[arg(long)]
    period: Option<String>,
    /// Replace the period even if it was closed.
    #[arg(long)]
    reopen: bool,
    #[command(flatten)]
    form: FormArg,
    #[command(flatten)]
    archive: ArchiveArg,
}

#[derive(Debug, clap::Args)]
struct TemplateArgs {
    /// Where to write it.
    #[arg(long, value_name = "FILE")]
    out: PathBuf,
    /// The period it is for: its units are listed and its dates filled in.
    #[arg(long)]
    period: Option<String>,
    #[command(flatten)]
    form: FormArg,
}

#[derive(Debug, clap::Args)]
struct CloseArgs {
    /// The period, e.g. 01/01/2026..30/06/2026, "6 tháng đầu năm 2026" or 2026.
    period: String,
    #[command(flatten)]
    form: FormArg,
    #[command(flatten)]
    archive: ArchiveArg,
}

pub fn run(a: Args, lang: Lang) -> Result<u8> {
    match a.command {
        Sub::List(a) => list(a, lang),
        Sub::Show(a) => show(a, lang),
        Sub::Export(a) => export(a, lang),
        Sub::Import(a) => import(a, lang),
        Sub::Template(a) => template(a, lang),
        Sub::Close(a) => close(a, lang),
        Sub::ImportTargets(a) => import_targets(a, lang),
    }
}

fn import_targets(a: ImportTargetsArgs, lang: Lang) -> Result<u8> {
    let form = a.form.load()?;
    let period = period_arg(&a.period)?;
    let mut store = a.archive.open(true, lang)?;
    match crate::targets::import(&mut store, &form, period, &a.file)
        .map_err(|e| anyhow!(e.message(lang)))?
    {
        Ok(n) => {
            super::print(&format!(
                "{}: {n} {} {period} ({})\n",
                lang.pick("Đã lưu chỉ tiêu", "Targets kept"),
                lang.pick("chỉ tiêu, kỳ", "targets, period"),
                store.path().display()
            ))?;
            Ok(0)
        }
        Err(problems) => {
            for p in &problems {
                eprintln!("tonghop: {}", p.shown(lang));
            }
            eprintln!(
                "tonghop: {}",
                lang.pick(
                    "không lưu chỉ tiêu nào: hãy sửa các ô trên rồi chạy lại",
                    "no target kept: correct the cells above and run again"
                )
            );
            Ok(2)
        }
    }
}

fn period_arg(s: &str) -> Result<Period> {
    Ok(parse_period(Some(s))?.expect("a period was given"))
}

fn list(a: ListArgs, lang: Lang) -> Result<u8> {
    let store = a.archive.open(false, lang)?;
    let periods = store.periods().map_err(|e| anyhow!(e.message(lang)))?;
    let mut out = stdout();
    writeln!(out, "{}", store.path().display())?;
    if periods.is_empty() {
        writeln!(
            out,
            "{}",
            lang.pick("Kho chưa có kỳ nào.", "The archive holds no period yet.")
        )?;
    }
    for p in &periods {
        let closed = match &p.closed_at {
            Some(at) => format!(", {} {at}", lang.pick("đã chốt lúc", "closed on")),
            None => String::new(),
        };
        writeln!(
            out,
            "{}  {} {}  {} {}, {} {}  {} {} ({}: {}){closed}",
            p.period,
            p.form_id,
            p.form_version,
            p.units,
            lang.pick("đơn vị", "units"),
            p.files,
            lang.pick("tệp", "files"),
            lang.pick("ghi lúc", "recorded"),
            p.recorded_at,
            if p.source == "import" {
                lang.pick("nhập từ", "imported from")
            } else {
                lang.pick("từ thư mục", "from folder")
            },
            p.inbox,
        )?;
    }
    out.flush()?;
    Ok(0)
}

/// The form, and the archive's period of it (an error naming both when absent).
fn period_of(store: &Archive, form: &Form, period: Period, lang: Lang) -> Result<()> {
    let found = store
        .period(&form.id, period)
        .map_err(|e| anyhow!(e.message(lang)))?;
    if found.is_none() {
        return Err(anyhow!(
            crate::archive::ArchiveError::NoPeriod {
                path: store.path().display().to_string(),
                period,
            }
            .message(lang)
        ));
    }
    Ok(())
}

fn show(a: ShowArgs, lang: Lang) -> Result<u8> {
    let form = a.form.load()?;
    let period = period_arg(&a.period)?;
    let store = a.archive.open(false, lang)?;
    period_of(&store, &form, period, lang)?;
    let err = |e: crate::archive::ArchiveError| anyhow!(e.message(lang));
    let mut out = stdout();
    let label = |key: &str| {
        form.field(key)
            .map(|f| form.field_label(f, lang.en()).to_string())
            .unwrap_or_default()
    };
    match &a.unit {
        Some(code) => {
            let figures = store.figures(&form.id, period, Some(code)).map_err(err)?;
            if figures.is_empty() {
                return Err(anyhow!(
                    "{} {code} {} {period}",
                    lang.pick(
                        "kho không có số liệu của đơn vị",
                        "the archive holds no figures of unit"
                    ),
                    lang.pick("trong kỳ", "for")
                ));
            }
            writeln!(out, "{code} — {period}")?;
            for f in &figures {
                writeln!(
                    out,
                    "{}\t{}\t{}\t{}",
                    f.figure,
                    lang.number(f.value),
                    label(&f.figure),
                    place(f)
                )?;
            }
        }
        None => {
            writeln!(out, "{} — {}", form.title, period)?;
            for (key, v) in store.totals(&form.id, period).map_err(err)? {
                writeln!(out, "{key}\t{}\t{}", lang.number(v), label(&key))?;
            }
            writeln!(out)?;
            for s in store.submissions(&form.id, period).map_err(err)? {
                writeln!(
                    out,
                    "{}\t{}\t{}\t{}",
                    s.unit.as_deref().unwrap_or("?"),
                    s.status,
                    s.file,
                    s.sha256.as_deref().unwrap_or("")
                )?;
            }
        }
    }
    out.flush()?;
    Ok(0)
}

/// Where a figure was read: file, sheet and cell.
fn place(f: &StoredFigure) -> String {
    match (&f.sheet, &f.cell) {
        (Some(s), Some(c)) => format!("{} '{s}'!{c}", f.file),
        (Some(s), None) => format!("{} '{s}'", f.file),
        _ => f.file.clone(),
    }
}

/// Rows for `units` in the form's order, each with the archive's figures if any.
fn unit_rows(
    form: &Form,
    units: &[usize],
    values: &HashMap<String, HashMap<String, f64>>,
) -> Vec<UnitRow> {
    let mut rows: Vec<UnitRow> = units
        .iter()
        .map(|&u| UnitRow {
            code: form.units[u].code.clone(),
            name: form.units[u].name.clone(),
            values: values.get(&form.units[u].code).cloned().unwrap_or_default(),
        })
        .collect();
    // Units the archive has that the list above lacks (a unit no longer expected).
    let mut extra: Vec<&String> = values
        .keys()
        .filter(|c| !rows.iter().any(|r| &r.code == *c))
        .collect();
    extra.sort();
    for code in extra {
        let name = form
            .units
            .by_code(code)
            .map(|u| form.units[u].name.clone())
            .unwrap_or_default();
        rows.push(UnitRow {
            code: code.clone(),
            name,
            values: values[code].clone(),
        });
    }
    rows
}

fn export(a: ExportArgs, lang: Lang) -> Result<u8> {
    let form = a.form.load()?;
    let period = period_arg(&a.period)?;
    let store = a.archive.open(false, lang)?;
    period_of(&store, &form, period, lang)?;
    let values = store
        .unit_values(&form.id, period)
        .map_err(|e| anyhow!(e.message(lang)))?;
    let rows = unit_rows(&form, &form.units.expected(Some(period)), &values);
    write_table(&a.out, &form, Some(period), &rows, lang)?;
    super::print(&format!("{}\n", a.out.display()))?;
    Ok(0)
}

fn write_table(
    path: &Path,
    form: &Form,
    period: Option<Period>,
    rows: &[UnitRow],
    lang: Lang,
) -> Result<()> {
    let csv = path
        .extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| e.eq_ignore_ascii_case("csv"));
    let written = if csv {
        units_table::csv(path, form, rows)
    } else {
        units_table::write(path, form, period, rows, lang)
    };
    written.map_err(|e| anyhow!(e.message(lang)))
}

fn import(a: ImportArgs, lang: Lang) -> Result<u8> {
    let form = a.form.load()?;
    let period = parse_period(a.period.as_deref())?;
    let mut store = a.archive.open(true, lang)?;
    let done = store
        .import(&form, &a.path, period, a.reopen)
        .map_err(|e| anyhow!(e.message(lang)))?;
    let r = done.recorded;
    let mut out = stdout();
    writeln!(
        out,
        "{} {}: {} {}, {} {} ({}) → {}",
        lang.pick("Đã nhập kỳ", "Imported period"),
        r.period,
        r.units,
        lang.pick("đơn vị", "units"),
        r.figures,
        lang.pick("số liệu", "figures"),
        if r.replaced {
            lang.pick(
                "thay số liệu cũ của kỳ",
                "replacing the period's earlier records",
            )
        } else {
            lang.pick("kỳ mới", "a new period")
        },
        store.path().display()
    )?;
    out.flush()?;
    Ok(0)
}

fn template(a: TemplateArgs, lang: Lang) -> Result<u8> {
    let form = a.form.load()?;
    let period = parse_period(a.period.as_deref())?;
    let rows = unit_rows(&form, &form.units.expected(period), &HashMap::new());
    write_table(&a.out, &form, period, &rows, lang)?;
    super::print(&format!("{}\n", a.out.display()))?;
    Ok(0)
}

fn close(a: CloseArgs, lang: Lang) -> Result<u8> {
    let form = a.form.load()?;
    let period = period_arg(&a.period)?;
    let mut store = a.archive.open(false, lang)?;
    store
        .close(&form.id, period, &archive::now())
        .map_err(|e| anyhow!(e.message(lang)))?;
    let at = store
        .closed_at(&form.id, period)
        .map_err(|e| anyhow!(e.message(lang)))?
        .unwrap_or_default();
    super::print(&format!(
        "{} {period} ({} {at}): {}\n",
        lang.pick("Đã chốt kỳ", "Closed period"),
        lang.pick("lúc", "on"),
        lang.pick(
            "lần chạy sau không thay đổi số liệu kỳ này trừ khi có --reopen",
            "a later run does not change it unless --reopen"
        )
    ))?;
    Ok(0)
}
