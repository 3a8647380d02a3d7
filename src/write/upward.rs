//! bao-cao-<CODE>.xlsx: the province's own submission to the level above. The same form
//! a unit fills (every sheet, row code and comparison column), filled with the province's
//! figures: the consolidation's totals, never a unit's figures adjusted; percentages and
//! derived figures as the consolidation recomputed them from the sums; the admissions
//! table one row per unit that was summed. So the level above reads it with the same
//! form (the national form differs only in its units) as one more submission.
//!
//! The figures cover only the accepted units: the first sheet says which, and when some
//! are returned or missing it says CHƯA ĐỦ (incomplete) where the reader of the paper
//! copy sees it, as report.json's `upward` says it to a program.

use super::form::{BuiltRows, FormData, ListOut, Marks, Out, TableOut, write_form};
use super::mark::{Output, output_workbook};
use super::{WriteError, io_failure, save, style, xlsx_err};
use crate::consolidate::Consolidation;
use crate::form::Form;
use crate::guard::catch_quietly;
use crate::spec::FieldRef;
use chrono::NaiveDate;
use rust_xlsxwriter::{Format, Workbook, XlsxError};
use std::collections::HashMap;

/// The header of a table's label column in the upward report, whose rows are units.
const UNITS_HEADER: &str = "Tên đơn vị (đảng bộ trực thuộc)";
use std::path::Path;

/// Which of the expected units the upward report's figures cover.
#[derive(Debug, Clone, PartialEq)]
pub struct Coverage {
    /// The file's name in OUT: `bao-cao-<CODE>.xlsx`.
    pub file: String,
    /// Units whose figures are summed, in the form's order.
    pub covered: Vec<usize>,
    /// Expected units whose report was returned (or not summed for another reason).
    pub returned: Vec<usize>,
    /// Expected units that sent nothing.
    pub missing: Vec<usize>,
    /// Expected units whose file was read but held back for the run's memory limit.
    pub held_back: Vec<usize>,
    /// How many units were expected.
    pub expected: usize,
}

impl Coverage {
    /// The coverage of the run's upward report; `None` when the form names no
    /// `province_code`, so there is no level above to report to.
    pub fn of(form: &Form, c: &Consolidation) -> Option<Coverage> {
        if form.province_code.is_empty() {
            return None;
        }
        Some(Coverage::counted(form, c))
    }

    /// Which expected units the province's figures cover, whatever the level above:
    /// what the consolidated workbook's TOÀN TỈNH row says it sums.
    pub fn counted(form: &Form, c: &Consolidation) -> Coverage {
        let summed = |u: usize| c.kept[u].is_some_and(|i| c.included[i]);
        let covered: Vec<usize> = (0..form.units.len()).filter(|&u| summed(u)).collect();
        let returned = c
            .expected
            .iter()
            .copied()
            .filter(|&u| c.kept[u].is_some() && !summed(u))
            .collect();
        Coverage {
            file: file_name(&form.province_code),
            covered,
            returned,
            missing: c.missing_units(),
            held_back: c.held_back_units(),
            expected: c.expected.len(),
        }
    }

    /// "11/15 đơn vị; trả lại: ...; chưa nộp: ..." naming up to `names` units of each
    /// group (the rest counted): what a total that leaves units out says of itself.
    pub fn sentence(&self, form: &Form, names: usize, lang: crate::lang::Lang) -> String {
        let (n, all) = (self.covered_expected(), self.expected);
        let mut s = match lang {
            crate::lang::Lang::Vi => format!("{n}/{all} đơn vị"),
            crate::lang::Lang::En => format!("{n}/{all} units"),
        };
        let group = |units: &[usize], vi: &str, en: &str| -> Option<String> {
            if units.is_empty() {
                return None;
            }
            let mut listed: Vec<String> = units
                .iter()
                .take(names)
                .map(|&u| form.units[u].name.clone())
                .collect();
            if units.len() > names {
                listed.push(match lang {
                    crate::lang::Lang::Vi => format!("và {} đơn vị khác", units.len() - names),
                    crate::lang::Lang::En => format!("and {} more", units.len() - names),
                });
            }
            Some(format!("{}: {}", lang.pick(vi, en), listed.join(", ")))
        };
        for part in [
            group(&self.returned, "trả lại", "returned"),
            group(&self.missing, "chưa nộp", "missing"),
            group(
                &self.held_back,
                "chưa tổng hợp vì giới hạn bộ nhớ",
                "not consolidated for the memory limit",
            ),
        ]
        .into_iter()
        .flatten()
        {
            s.push_str("; ");
            s.push_str(&part);
        }
        s
    }

    /// Whether every expected unit is summed.
    pub fn complete(&self) -> bool {
        self.returned.is_empty() && self.missing.is_empty() && self.held_back.is_empty()
    }

    /// How many of the expected units are summed.
    pub fn covered_expected(&self) -> usize {
        self.expected - self.returned.len() - self.missing.len() - self.held_back.len()
    }

    /// "CHƯA ĐỦ: n/N đơn vị", or "ĐỦ: N/N đơn vị", as the first sheet and `run` say it.
    pub fn headline(&self, lang: crate::lang::Lang) -> String {
        let (n, all) = (self.covered_expected(), self.expected);
        match (self.complete(), lang) {
            (false, crate::lang::Lang::Vi) => format!("CHƯA ĐỦ: {n}/{all} đơn vị"),
            (false, crate::lang::Lang::En) => format!("INCOMPLETE: {n}/{all} units"),
            (true, crate::lang::Lang::Vi) => format!("ĐỦ: {n}/{all} đơn vị"),
            (true, crate::lang::Lang::En) => format!("COMPLETE: {n}/{all} units"),
        }
    }
}

/// The upward report's name for a province code.
pub fn file_name(code: &str) -> String {
    format!("bao-cao-{code}.xlsx")
}

/// Whether `name` is the name of an upward report (of any province code).
pub fn is_file_name(name: &str) -> bool {
    name.strip_prefix("bao-cao-")
        .and_then(|r| r.strip_suffix(".xlsx"))
        .is_some_and(|code| {
            !code.is_empty()
                && code
                    .chars()
                    .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_' || c == '-')
        })
}

/// Who prepared the province's own report, as `run --preparer` and `--phone` give it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Signer {
    /// The preparer's name; `None`: the board's, a placeholder the clerk replaces.
    pub preparer: Option<String>,
    /// The preparer's phone; `None`: left blank.
    pub phone: Option<String>,
}

/// The province's figures laid into the form.
pub fn form_data(
    form: &Form,
    c: &Consolidation,
    coverage: &Coverage,
    day: NaiveDate,
    signer: &Signer,
) -> FormData {
    let totals: HashMap<FieldRef, f64> = c
        .totals
        .iter()
        .filter_map(|(f, v)| v.filter(|v| v.is_finite()).map(|v| (*f, v)))
        .collect();
    let figure = |f: FieldRef| totals.get(&f).map_or(Out::Blank, |v| Out::Number(*v));
    let id = form.identity;
    let cells = (0..form.cells.len())
        .map(|i| {
            if i == id.unit_code {
                Out::Text(form.province_code.clone())
            } else if Some(i) == id.unit_name {
                Out::Text(form.province.clone())
            } else if i == id.period_from {
                c.period.map_or(Out::Blank, |p| Out::Date(p.from))
            } else if i == id.period_to {
                c.period.map_or(Out::Blank, |p| Out::Date(p.to))
            } else if Some(i) == id.report_date {
                Out::Date(day)
            } else if form.cells[i].ty.is_numeric() {
                figure(FieldRef::Cell(i))
            } else if Some(i) == id.preparer {
                // Without --preparer, the board that consolidated, until the clerk types
                // a name before signing: a blank would make the level above return it.
                Out::Text(
                    signer
                        .preparer
                        .clone()
                        .unwrap_or_else(|| format!("Ban Tổ chức {}", form.province)),
                )
            } else if Some(i) == id.phone {
                signer.phone.clone().map_or(Out::Blank, Out::Text)
            } else if form.cells[i].required {
                // Another required text the province has no figure for: who it is.
                Out::Text(format!("Ban Tổ chức {}", form.province))
            } else {
                Out::Blank
            }
        })
        .collect();
    let tables = form
        .tables
        .iter()
        .enumerate()
        .map(|(t, table)| {
            // A summed unit always has its report; `filter_map` keeps that an
            // assumption of the consolidation, never a panic here.
            let rows: BuiltRows = coverage
                .covered
                .iter()
                .filter_map(|&u| {
                    let r = c.kept[u].and_then(|i| c.submissions[i].report.as_ref())?;
                    Some((u, r))
                })
                .enumerate()
                .map(|(k, (u, r))| {
                    let values = (0..table.columns.len())
                        .map(|column| {
                            r.figure(FieldRef::Column { table: t, column })
                                .map_or(Out::Blank, Out::Number)
                        })
                        .collect();
                    (
                        table.first_row + k as u32,
                        Out::Text(form.units[u].name.clone()),
                        values,
                    )
                })
                .collect();
            let total = (0..table.columns.len())
                .map(|column| figure(FieldRef::Column { table: t, column }))
                .collect();
            TableOut {
                total_row: table.first_row + rows.len() as u32,
                rows,
                total: Some(total),
                total_label: None,
                // Its rows are the units summed, not organisations.
                label: Some(UNITS_HEADER.to_string()),
            }
        })
        .collect();
    let lists = form
        .lists
        .iter()
        .enumerate()
        .map(|(l, list)| ListOut {
            rows: list
                .rows
                .iter()
                .enumerate()
                .map(|(row, line)| {
                    let values = (0..list.columns.len())
                        .map(|column| {
                            if line.figures {
                                figure(FieldRef::Item {
                                    list: l,
                                    row,
                                    column,
                                })
                            } else {
                                Out::Blank
                            }
                        })
                        .collect();
                    Some((list.form_row(row), values))
                })
                .collect(),
        })
        .collect();
    FormData {
        form_id: form.id.clone(),
        form_version: form.version.clone(),
        cells,
        tables,
        lists,
    }
}

/// Write the upward report, marked as tonghop's own submission with the run's id.
pub fn write(
    path: &Path,
    form: &Form,
    c: &Consolidation,
    coverage: &Coverage,
    day: NaiveDate,
    run: &str,
    signer: &Signer,
) -> Result<(), WriteError> {
    catch_quietly(|| build_and_save(path, form, c, coverage, day, run, signer))
        .unwrap_or_else(|msg| Err(io_failure(path, msg)))
}

fn build_and_save(
    path: &Path,
    form: &Form,
    c: &Consolidation,
    coverage: &Coverage,
    day: NaiveDate,
    run: &str,
    signer: &Signer,
) -> Result<(), WriteError> {
    let e = xlsx_err(path);
    let mut wb = output_workbook(
        &format!("Báo cáo của {} ({})", form.province, form.province_code),
        Output::Submission,
        run,
    );
    let data = form_data(form, c, coverage, day, signer);
    write_form(&mut wb, form, Some(&data), &Marks::default(), false).map_err(&e)?;
    coverage_block(&mut wb, form, coverage).map_err(&e)?;
    save(&mut wb, path)
}

/// Below the identity cells of the first sheet: which units the figures cover, and a
/// place to sign. Text only, where the form reads nothing, so the report stays a valid
/// submission.
fn coverage_block(wb: &mut Workbook, form: &Form, cov: &Coverage) -> Result<(), XlsxError> {
    let Some(first) = form.sheets.first() else {
        return Ok(());
    };
    let last = form
        .cells
        .iter()
        .filter(|c| c.sheet == 0)
        .map(|c| c.pos.row)
        .chain(first.texts.iter().map(|t| t.0.row))
        .max()
        .unwrap_or(0);
    let ws = wb.worksheet_from_name(&first.name)?;
    // A national roll-up covers thousands of units: listed in full, the names pass Excel's
    // 32,767 characters per cell (and the run failed writing this file) and no one reads
    // them on paper; the status sheet lists them all.
    const MAX_NAMED: usize = 30;
    let names = |units: &[usize]| -> String {
        if units.is_empty() {
            return "không có".to_string();
        }
        let mut text = units
            .iter()
            .take(MAX_NAMED)
            .map(|&u| format!("{} ({})", form.units[u].name, form.units[u].code))
            .collect::<Vec<_>>()
            .join("; ");
        if units.len() > MAX_NAMED {
            text.push_str(&format!(
                "; và {} đơn vị khác (danh sách đầy đủ ở sheet Tình trạng nộp của tong-hop.xlsx)",
                crate::lang::Lang::Vi.count((units.len() - MAX_NAMED) as u64)
            ));
        }
        text
    };
    let mut row = last + 2;
    let head = if cov.complete() {
        style::title()
    } else {
        style::title().set_font_color("#C00000")
    };
    ws.merge_range(
        row,
        0,
        row,
        2,
        "SỐ LIỆU TỔNG HỢP TỪ BÁO CÁO CỦA CÁC ĐƠN VỊ",
        &style::title(),
    )?;
    ws.merge_range(
        row + 1,
        0,
        row + 1,
        2,
        &cov.headline(crate::lang::Lang::Vi),
        &head,
    )?;
    row += 2;
    let wrap = style::label();
    let mut lines = vec![
        (
            format!("Đã tổng hợp ({} đơn vị):", cov.covered.len()),
            names(&cov.covered),
        ),
        (
            format!("Trả lại, chưa tổng hợp ({} đơn vị):", cov.returned.len()),
            names(&cov.returned),
        ),
        (
            format!("Chưa nộp ({} đơn vị):", cov.missing.len()),
            names(&cov.missing),
        ),
    ];
    // Only when the run's memory limit held some back: the clerk runs again.
    if !cov.held_back.is_empty() {
        lines.push((
            format!(
                "Đã đọc nhưng chưa tổng hợp vì giới hạn bộ nhớ ({} đơn vị):",
                cov.held_back.len()
            ),
            names(&cov.held_back),
        ));
    }
    for (label, text) in lines {
        ws.merge_range(row, 0, row, 2, &label, &style::bold())?;
        ws.merge_range(row + 1, 0, row + 1, 2, &text, &wrap)?;
        // The three columns are about 80 characters wide together.
        if let Some(h) = style::wrapped_height(&text, 80.0) {
            ws.set_row_height(row + 1, h)?;
        }
        row += 2;
    }
    row += 1;
    let sign = Format::new()
        .set_bold()
        .set_align(rust_xlsxwriter::FormatAlign::Center);
    // The signers and their notes of the form's own foot ([report]), so that this
    // sheet and the Biểu say the same; a form without them gets the usual words.
    let paper = form.paper.as_ref();
    let pick = |f: fn(&crate::spec::Paper) -> &String, default: &'static str| {
        paper
            .map(f)
            .filter(|s| !s.trim().is_empty())
            .map_or(default, |s| s.as_str())
    };
    let preparer = pick(|p| &p.preparer, "NGƯỜI LẬP BIỂU");
    let signer = pick(|p| &p.upward_signer, "TRƯỞNG BAN");
    let hint = style::note().set_align(rust_xlsxwriter::FormatAlign::Center);
    ws.write_string_with_format(row, 1, preparer, &sign)?;
    ws.write_string_with_format(row, 2, signer, &sign)?;
    let preparer_note = pick(|p| &p.preparer_note, "(Ký, ghi rõ họ và tên)");
    let signer_note = pick(|p| &p.signer_note, "(Ký, đóng dấu, ghi rõ họ và tên)");
    ws.write_string_with_format(row + 1, 1, preparer_note, &hint)?;
    ws.write_string_with_format(row + 1, 2, signer_note, &hint)?;
    Ok(())
}
