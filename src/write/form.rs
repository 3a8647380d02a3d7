//! The form as a workbook, laid out from the specification: blank (the template), filled
//! (generated samples), or filled with a unit's own figures and its faults marked (the
//! returned workbook). One writer for all three keeps them cell for cell the same.

use super::style;
use crate::spec::{FieldType, Form, Pos};
use crate::text::date::to_excel_serial;
use chrono::NaiveDate;
use rust_xlsxwriter::{
    DataValidation, DataValidationErrorStyle, DataValidationRule, ExcelDateTime, Format, Formula,
    Note, ProtectionOptions, Workbook, Worksheet, XlsxError,
};
use std::collections::{BTreeMap, HashSet};

/// A value to put in a cell.
#[derive(Debug, Clone, PartialEq)]
pub enum Out {
    Blank,
    Number(f64),
    /// Text, written as text even when it looks like a number or a formula.
    Text(String),
    Date(NaiveDate),
    /// A formula with the value readers that do not recalculate should show.
    Formula(String, f64),
}

#[derive(Debug, Clone)]
pub struct TableOut {
    /// (zero-based row, label, one value per column)
    pub rows: Vec<(u32, Out, Vec<Out>)>,
    /// Where the total row goes, and its values; `None` values mean "write the SUM formula".
    pub total_row: u32,
    pub total: Option<Vec<Out>>,
    /// Label text of the total row as the unit wrote it (defaults to the form's).
    pub total_label: Option<String>,
}

/// Figures to lay into the form.
#[derive(Debug, Clone)]
pub struct FormData {
    pub form_id: String,
    pub form_version: String,
    pub cells: Vec<Out>,
    pub tables: Vec<TableOut>,
}

/// A cell to highlight, with the note that explains why.
#[derive(Debug, Clone, Default)]
pub struct Marks {
    pub notes: BTreeMap<(usize, Pos), (bool, Vec<String>)>,
}

impl Marks {
    /// `error` false: a warning (highlighted in amber instead of red).
    pub fn add(&mut self, sheet: usize, pos: Pos, error: bool, text: String) {
        let e = self
            .notes
            .entry((sheet, pos))
            .or_insert((false, Vec::new()));
        e.0 |= error;
        e.1.push(text);
    }
}

fn base_format(ty: FieldType) -> Format {
    match ty {
        FieldType::Count => style::count(),
        FieldType::Percent => style::percent(),
        FieldType::Decimal => style::decimal(),
        FieldType::Text => style::text(),
        FieldType::Date => style::date(),
    }
}

/// Write one cell value with a format.
pub fn put(ws: &mut Worksheet, pos: Pos, v: &Out, fmt: &Format) -> Result<(), XlsxError> {
    let (r, c) = (pos.row, pos.col);
    match v {
        Out::Blank => ws.write_blank(r, c, fmt).map(|_| ()),
        Out::Number(n) if n.is_finite() => ws.write_number_with_format(r, c, *n, fmt).map(|_| ()),
        Out::Number(_) => ws.write_blank(r, c, fmt).map(|_| ()),
        Out::Text(s) => ws
            .write_string_with_format(r, c, super::cell_text(s), fmt)
            .map(|_| ()),
        Out::Date(d) => ws
            .write_number_with_format(r, c, to_excel_serial(*d), fmt)
            .map(|_| ()),
        Out::Formula(f, result) => {
            let formula =
                Formula::new(f).set_result(super::report::plain_number(*result).to_string());
            ws.write_formula_with_format(r, c, formula, fmt).map(|_| ())
        }
    }
}

/// Lay the form into `wb`: one worksheet per sheet of the form.
/// `protect` locks everything but the input cells (the blank template and samples).
pub fn write_form(
    wb: &mut Workbook,
    form: &Form,
    data: Option<&FormData>,
    marks: &Marks,
    protect: bool,
) -> Result<(), XlsxError> {
    for (si, sheet) in form.sheets.iter().enumerate() {
        let ws = wb.add_worksheet();
        ws.set_name(&sheet.name)?;
        for (i, w) in sheet.column_widths.iter().enumerate() {
            ws.set_column_width(i as u16, *w)?;
        }
        // A4, one page wide: units print the form to sign and file it.
        ws.set_paper_size(9);
        ws.set_print_fit_to_pages(1, 0);
        let mut taken: HashSet<Pos> = HashSet::new();
        let inputs: HashSet<Pos> = form
            .cells
            .iter()
            .filter(|c| c.sheet == si)
            .map(|c| c.pos)
            .collect();
        let last_col = last_column(form, si);
        if let Some(t) = &sheet.title {
            if last_col > 0 {
                ws.merge_range(0, 0, 0, last_col, t, &style::title())?;
            } else {
                ws.write_string_with_format(0, 0, t, &style::title())?;
            }
            ws.set_row_height(0, 24)?;
            taken.insert(Pos::new(0, 0));
        }
        for (pos, text, st) in &sheet.texts {
            let f = match st {
                crate::spec::TextStyle::Header => style::header(),
                crate::spec::TextStyle::Section => style::section(),
                crate::spec::TextStyle::Note => style::note(),
                crate::spec::TextStyle::Plain => style::label(),
            };
            ws.write_string_with_format(pos.row, pos.col, text, &f)?;
            taken.insert(*pos);
        }
        if let Some(st) = form.stamp.filter(|s| s.sheet == si) {
            let (id, ver) = data.map_or((form.id.as_str(), form.version.as_str()), |d| {
                (d.form_id.as_str(), d.form_version.as_str())
            });
            ws.write_string_with_format(st.id.row, st.id.col, id, &style::text())?;
            ws.write_string_with_format(st.version.row, st.version.col, ver, &style::text())?;
            taken.extend([st.id, st.version]);
        }
        let mut number = 0;
        for (ci, c) in form.cells.iter().enumerate().filter(|(_, c)| c.sheet == si) {
            if c.pos.col > 0 {
                let left = Pos::new(c.pos.row, c.pos.col - 1);
                if !inputs.contains(&left) && !taken.contains(&left) {
                    ws.write_string_with_format(left.row, left.col, &c.label, &style::label())?;
                    taken.insert(left);
                    let stt = Pos::new(c.pos.row, 0);
                    if left.col == 1 && !taken.contains(&stt) {
                        number += 1;
                        ws.write_number_with_format(
                            stt.row,
                            0,
                            number as f64,
                            &style::text().set_align(rust_xlsxwriter::FormatAlign::Center),
                        )?;
                        taken.insert(stt);
                    }
                }
            }
            let v = data.map_or(Out::Blank, |d| d.cells[ci].clone());
            let fmt = cell_format(base_format(c.ty), protect, marks.notes.get(&(si, c.pos)));
            put(ws, c.pos, &v, &fmt)?;
            if protect {
                ws.add_data_validation(
                    c.pos.row,
                    c.pos.col,
                    c.pos.row,
                    c.pos.col,
                    &validation(form, c.ty, ci == form.identity.unit_code)?,
                )?;
            }
        }
        for ti in (0..form.tables.len()).filter(|&t| form.tables[t].sheet == si) {
            write_table(ws, form, ti, data.map(|d| &d.tables[ti]), marks, protect)?;
        }
        for ((s, pos), (error, texts)) in &marks.notes {
            if *s != si {
                continue;
            }
            let note = Note::new(super::cell_text(&texts.join("\n")))
                .set_author(if *error {
                    "tonghop: lỗi"
                } else {
                    "tonghop: lưu ý"
                })
                .set_width(360)
                .set_height(140);
            ws.insert_note(pos.row, pos.col, &note)?;
        }
        if protect {
            let opts = ProtectionOptions {
                insert_rows: true,
                delete_rows: true,
                format_columns: true,
                format_rows: true,
                ..ProtectionOptions::default()
            };
            ws.protect_with_options(&opts);
        }
        if si == 0 && protect {
            ws.set_active(true);
        }
    }
    Ok(())
}

fn cell_format(base: Format, input: bool, mark: Option<&(bool, Vec<String>)>) -> Format {
    match mark {
        Some((true, _)) => style::fault(base),
        Some((false, _)) => style::warn(base),
        None if input => style::input(base),
        None => base,
    }
}

fn last_column(form: &Form, si: usize) -> u16 {
    let cells = form
        .cells
        .iter()
        .filter(|c| c.sheet == si)
        .map(|c| c.pos.col);
    let tables = form
        .tables
        .iter()
        .filter(|t| t.sheet == si)
        .flat_map(|t| t.columns.iter().map(|c| c.col).chain([t.label_col]));
    let texts = form.sheets[si]
        .texts
        .iter()
        .filter(|(p, ..)| p.row > 1)
        .map(|(p, ..)| p.col);
    cells.chain(tables).chain(texts).max().unwrap_or(0)
}

fn validation(form: &Form, ty: FieldType, unit_code: bool) -> Result<DataValidation, XlsxError> {
    let v = DataValidation::new().set_error_style(DataValidationErrorStyle::Stop);
    let v = match ty {
        FieldType::Count => v
            .allow_whole_number(DataValidationRule::GreaterThanOrEqualTo(0))
            .set_error_title("Số không hợp lệ")?
            .set_error_message("Nhập số nguyên không âm (0, 1, 2, ...).")?,
        FieldType::Percent => v
            .allow_decimal_number(DataValidationRule::Between(0.0, 100.0))
            .set_error_title("Tỷ lệ không hợp lệ")?
            .set_error_message("Nhập tỷ lệ phần trăm từ 0 đến 100, ví dụ 36,56.")?,
        FieldType::Decimal => v.allow_decimal_number(DataValidationRule::GreaterThanOrEqualTo(0.0)),
        FieldType::Date => v
            .allow_date(DataValidationRule::Between(
                ExcelDateTime::from_ymd(1990, 1, 1)?,
                ExcelDateTime::from_ymd(2100, 12, 31)?,
            ))
            .set_error_title("Ngày không hợp lệ")?
            .set_error_message("Nhập ngày dạng ngày/tháng/năm, ví dụ 30/06/2026.")?,
        FieldType::Text if unit_code => {
            let codes: Vec<&str> = form.units.iter().map(|u| u.code.as_str()).collect();
            // Excel limits an inline list to 255 characters; beyond it, any text.
            if codes.join(",").len() <= 255 {
                v.allow_list_strings(&codes)?
                    .set_error_title("Mã đơn vị không hợp lệ")?
                    .set_error_message("Chọn mã đơn vị trong danh sách.")?
            } else {
                v.allow_any_value()
            }
        }
        FieldType::Text => v.allow_any_value(),
    };
    Ok(v)
}

fn write_table(
    ws: &mut Worksheet,
    form: &Form,
    ti: usize,
    data: Option<&TableOut>,
    marks: &Marks,
    protect: bool,
) -> Result<(), XlsxError> {
    let t = &form.tables[ti];
    let hdr = style::header();
    ws.set_row_height(t.header_row, 45)?;
    if t.label_col > 0 {
        ws.write_string_with_format(t.header_row, 0, "STT", &hdr)?;
    }
    ws.write_string_with_format(t.header_row, t.label_col, &t.label, &hdr)?;
    for c in &t.columns {
        ws.write_string_with_format(t.header_row, c.col, &c.label, &hdr)?;
    }
    let si = t.sheet;
    let blank_rows: Vec<(u32, Out, Vec<Out>)>;
    let rows: &[(u32, Out, Vec<Out>)] = match data {
        Some(d) => &d.rows,
        None => {
            blank_rows = (0..t.template_rows)
                .map(|i| {
                    (
                        t.first_row + i,
                        Out::Blank,
                        vec![Out::Blank; t.columns.len()],
                    )
                })
                .collect();
            &blank_rows
        }
    };
    let total_row = data.map_or(t.first_row + t.template_rows, |d| d.total_row);
    let fmt_at = |pos: Pos, base: Format| cell_format(base, protect, marks.notes.get(&(si, pos)));
    for (n, (row, label, values)) in rows.iter().enumerate() {
        if t.label_col > 0 {
            ws.write_number_with_format(*row, 0, (n + 1) as f64, &style::text())?;
        }
        put(
            ws,
            Pos::new(*row, t.label_col),
            label,
            &fmt_at(Pos::new(*row, t.label_col), style::label()),
        )?;
        for (c, v) in t.columns.iter().zip(values) {
            put(
                ws,
                Pos::new(*row, c.col),
                v,
                &fmt_at(Pos::new(*row, c.col), base_format(c.ty)),
            )?;
        }
    }
    let label = data
        .and_then(|d| d.total_label.clone())
        .unwrap_or_else(|| t.total_label.clone());
    ws.write_string_with_format(
        total_row,
        t.label_col,
        &label,
        &fmt_at(Pos::new(total_row, t.label_col), style::bold()),
    )?;
    let first = rows.first().map_or(t.first_row, |r| r.0);
    let last = rows.last().map_or(t.first_row, |r| r.0).max(first);
    for (ci, c) in t.columns.iter().enumerate() {
        let pos = Pos::new(total_row, c.col);
        let given = data.and_then(|d| d.total.as_ref()).map(|v| v[ci].clone());
        let v = given.unwrap_or_else(|| {
            let sum: f64 = rows
                .iter()
                .filter_map(|r| match &r.2[ci] {
                    Out::Number(n) => Some(*n),
                    _ => None,
                })
                .sum();
            let col = crate::spec::cellref::column_name(c.col);
            Out::Formula(format!("SUM({col}{}:{col}{})", first + 1, last + 1), sum)
        });
        put(ws, pos, &v, &fmt_at(pos, base_format(c.ty).set_bold()))?;
    }
    if protect && total_row > t.first_row {
        let (r0, r1) = (t.first_row, total_row - 1);
        ws.add_data_validation(
            r0,
            t.label_col,
            r1,
            t.label_col,
            &DataValidation::new().allow_any_value(),
        )?;
        for c in &t.columns {
            ws.add_data_validation(r0, c.col, r1, c.col, &validation(form, c.ty, false)?)?;
        }
    }
    ws.set_freeze_panes(t.first_row, 0)?;
    Ok(())
}
