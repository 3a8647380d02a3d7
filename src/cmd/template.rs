//! `tonghop template`: the blank form to send to the units, or with `--per-unit` one
//! form per unit with what the province already knows filled in and locked.

use super::{FormArg, print};
use crate::archive::{self, Archive};
use crate::form::Form;
use crate::history::{History, previous_period, year_before};
use crate::lang::Lang;
use crate::period::Period;
use crate::prefill;
use crate::write::{
    form::{FormData, Marks, Out, write_form},
    new_workbook, save, xlsx_err,
};
use anyhow::{Result, anyhow, bail};
use std::path::{Path, PathBuf};

#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(flatten)]
    form: FormArg,
    /// Where to write the blank form; default: <form id>.xlsx in the current folder. With --per-unit: the folder for the units' forms.
    #[arg(long, value_name = "FILE")]
    out: Option<PathBuf>,
    /// One form per unit (DIR/<code>.xlsx), its code, name and period filled in and, from the archive, the start as the previous period's end and the same period a year earlier; those cells locked.
    #[arg(long, requires = "period")]
    per_unit: bool,
    /// The period the forms are for (with --per-unit), e.g. "6 tháng đầu năm 2026" or 01/01/2026..30/06/2026.
    #[arg(long)]
    period: Option<String>,
    /// Only these units (codes; with --per-unit); default: every unit the form expects for the period.
    #[arg(long = "unit", value_name = "CODE", requires = "per_unit")]
    units: Vec<String>,
    /// The archive the figures come from (with --per-unit); default: tonghop-luu-tru.sqlite in the current folder. Without one, only the code, name and period are filled in.
    #[arg(long, value_name = "FILE", requires = "per_unit")]
    archive: Option<PathBuf>,
}

pub fn run(a: Args, lang: Lang) -> Result<u8> {
    let form = a.form.load()?;
    if a.per_unit {
        return per_unit(&form, &a, lang);
    }
    let out = a
        .out
        .unwrap_or_else(|| PathBuf::from(format!("{}.xlsx", form.id)));
    let mut wb = new_workbook(&form.title);
    write_form(&mut wb, &form, None::<&FormData>, &Marks::default(), true)
        .map_err(xlsx_err(&out))?;
    save(&mut wb, &out)?;
    print(&format!("{}\n", out.display()))?;
    Ok(0)
}

/// One form per unit into `--out`, filled from the archive where it holds the previous
/// period or the same period a year earlier.
fn per_unit(form: &Form, a: &Args, lang: Lang) -> Result<u8> {
    let Some(dir) = &a.out else {
        bail!(
            "{}",
            lang.pick(
                "--per-unit cần --out THƯ_MỤC: nơi ghi biểu mẫu của từng đơn vị",
                "--per-unit needs --out DIR: the folder for the units' forms"
            )
        );
    };
    let period = Period::parse(a.period.as_deref().unwrap_or_default())?;
    let units = chosen_units(form, period, &a.units, lang)?;
    let path = a
        .archive
        .clone()
        .unwrap_or_else(|| PathBuf::from(archive::DEFAULT_NAME));
    // No archive yet is a province's first period: the forms still go out, with the
    // unit and the period filled in. An archive named with --archive must be there.
    let history = if path.is_file() || a.archive.is_some() {
        let store = Archive::open(&path, false).map_err(|e| anyhow!(e.message(lang)))?;
        History::load(&store, form, period).map_err(|e| anyhow!(e.message(lang)))?
    } else {
        History::without_archive(Some(period), None)
    };
    std::fs::create_dir_all(dir).map_err(|e| {
        anyhow!(
            "{} '{}': {}",
            lang.pick("không tạo được thư mục", "cannot create folder"),
            dir.display(),
            crate::lang::io_text(&e, lang)
        )
    })?;
    let mut text = String::new();
    for u in units {
        let filled = prefill::figures(form, &history, u);
        let out = dir.join(format!("{}.xlsx", form.units[u].code));
        write_unit_form(form, u, period, &filled, &out)?;
        text.push_str(&format!(
            "{}: {} {}\n",
            out.display(),
            filled.len(),
            lang.pick(
                "ô số liệu điền sẵn từ kho lưu trữ",
                "figures filled in from the archive"
            )
        ));
    }
    text.push_str(&said(&history, &path, period, lang));
    print(&text)?;
    Ok(0)
}

/// The units asked for, in the form's order: `codes`, or every unit the form expects
/// for `period`. An unknown code is an error naming the nearest known ones.
fn chosen_units(form: &Form, period: Period, codes: &[String], lang: Lang) -> Result<Vec<usize>> {
    if codes.is_empty() {
        return Ok(form.units.expected(Some(period)));
    }
    let mut out = Vec::new();
    for code in codes {
        let Some(u) = form.units.by_code(code) else {
            let all: Vec<usize> = (0..form.units.len()).collect();
            let near: Vec<String> = form
                .units
                .nearest(&[code], &all, 3)
                .into_iter()
                .map(|i| format!("{} ({})", form.units[i].code, form.units[i].name))
                .collect();
            bail!(
                "{} '{code}'{}",
                lang.pick(
                    "biểu mẫu không có đơn vị nào mang mã",
                    "the form has no unit with code"
                ),
                if near.is_empty() {
                    String::new()
                } else {
                    format!(
                        "; {} {}",
                        lang.pick("có phải là:", "did you mean:"),
                        near.join(", ")
                    )
                }
            );
        };
        if !out.contains(&u) {
            out.push(u);
        }
    }
    out.sort_unstable();
    Ok(out)
}

/// Unit `u`'s form: the blank form with its code, name and period, and `filled`, each
/// of them locked with a note (in Vietnamese) saying where it comes from.
fn write_unit_form(
    form: &Form,
    u: usize,
    period: Period,
    filled: &[prefill::Filled],
    out: &Path,
) -> Result<()> {
    let unit = &form.units[u];
    let mut data = FormData::blank(form);
    let mut marks = Marks::default();
    // What the unit reads is Vietnamese whatever --lang says, as in every workbook
    // it receives.
    let by_board = "Ban Tổ chức điền sẵn cho đơn vị; ô đã khóa.";
    let id = form.identity;
    let mut fix = |data: &mut FormData, f, v, note: &str| {
        if let Some(at) = data.set(form, f, v) {
            marks.fixed.insert(at, note.to_string());
        }
    };
    use crate::spec::FieldRef::Cell;
    fix(
        &mut data,
        Cell(id.unit_code),
        Out::Text(unit.code.clone()),
        by_board,
    );
    if let Some(i) = id.unit_name {
        fix(&mut data, Cell(i), Out::Text(unit.name.clone()), by_board);
    }
    fix(
        &mut data,
        Cell(id.period_from),
        Out::Date(period.from),
        by_board,
    );
    fix(
        &mut data,
        Cell(id.period_to),
        Out::Date(period.to),
        by_board,
    );
    for f in filled {
        fix(
            &mut data,
            f.field,
            Out::Number(f.value),
            f.note.get(Lang::Vi),
        );
    }
    let mut wb = new_workbook(&form.title);
    write_form(&mut wb, form, Some(&data), &marks, true).map_err(xlsx_err(out))?;
    save(&mut wb, out)?;
    Ok(())
}

/// What the forms were filled from, or why nothing was: the periods the archive held.
fn said(h: &History, path: &Path, period: Period, lang: Lang) -> String {
    let name = |p: Option<Period>| p.map(|p| p.to_string()).unwrap_or_default();
    let line = |found: bool, vi: &str, en: &str, p: Option<Period>| {
        let p = name(p);
        match (found, lang) {
            (true, Lang::Vi) => format!("{vi} {p}: có trong kho lưu trữ {}\n", path.display()),
            (true, Lang::En) => format!("{en} {p}: in the archive {}\n", path.display()),
            (false, Lang::Vi) => format!(
                "{vi} {p}: chưa có trong kho lưu trữ {}, các ô tương ứng để trống cho đơn vị tự ghi\n",
                path.display()
            ),
            (false, Lang::En) => format!(
                "{en} {p}: not in the archive {}, those cells are left for the unit\n",
                path.display()
            ),
        }
    };
    line(
        h.previous.is_some(),
        "Kỳ trước",
        "Previous period",
        previous_period(period),
    ) + &line(
        h.year_before.is_some(),
        "Cùng kỳ năm trước",
        "Same period a year earlier",
        year_before(period),
    )
}
