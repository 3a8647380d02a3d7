//! The one-row-per-unit workbook of a period: what `archive export` writes, what
//! `archive template` writes blank, and what `archive import` reads back. A province's
//! first year has last year's figures only in a hand-made workbook; this layout is the
//! one it fills in, so the archive can start from it.
//!
//! Layout of the sheet [`SHEET`]: the title on row 1; the form's id and version on row
//! 2 (B2, C2); the period's first and last day on row 3 (B3, D3); the figures' labels on
//! row 5 and their keys on row 6 (what import reads: a column is found by its key, so
//! columns may be reordered or left out); one unit per row from row 7, its code in A
//! and its name in B.

use super::{WriteError, new_workbook, save, style, xlsx_err};
use crate::form::Form;
use crate::lang::Lang;
use crate::period::Period;
use crate::spec::{FieldRef, FieldType};
use rust_xlsxwriter::{Format, FormatAlign, Workbook, Worksheet, XlsxError};
use std::collections::HashMap;
use std::path::Path;

/// The sheet's name.
pub const SHEET: &str = "Số liệu";
/// Zero-based row of the form's id (column B) and version (column C).
pub const FORM_ROW: u32 = 1;
/// Zero-based row of the period: first day in B, last day in D.
pub const PERIOD_ROW: u32 = 2;
/// Zero-based row of the labels.
pub const LABEL_ROW: u32 = 4;
/// Zero-based row of the keys.
pub const KEY_ROW: u32 = 5;
/// Zero-based first unit row.
pub const FIRST_UNIT_ROW: u32 = 6;
/// The key of the unit code column (A) and the name column (B).
pub const CODE_KEY: &str = "unit";
/// See [`CODE_KEY`].
pub const NAME_KEY: &str = "unit_name";

/// The unit code in column A of a unit row, as typed (trimmed; a number typed as a code
/// kept as its text); `None` for a row without one, which readers pass over.
pub fn unit_code(cell: Option<&calamine::Data>) -> Option<String> {
    let code = match cell? {
        calamine::Data::String(s) => s.trim().to_string(),
        calamine::Data::Empty => return None,
        other => other.to_string(),
    };
    (!code.is_empty()).then_some(code)
}

/// One unit's row.
#[derive(Debug, Clone, Default)]
pub struct UnitRow {
    /// The unit's code.
    pub code: String,
    /// Its name.
    pub name: String,
    /// Its figures by key; a key absent is a blank cell.
    pub values: HashMap<String, f64>,
}

/// The figures a hand-made table holds: every count or number the form sums, but not
/// what it derives or recomputes (percentages, ratios), which come from the counts.
pub fn table_fields(form: &Form) -> Vec<FieldRef> {
    form.summed_fields()
        .into_iter()
        .filter(|&f| !matches!(f, FieldRef::Derived(_)))
        .filter(|&f| form.field_type(f) != FieldType::Percent)
        .collect()
}

/// Write the table of `rows` for `period` (blank dates when `None`).
pub fn write(
    path: &Path,
    form: &Form,
    period: Option<Period>,
    rows: &[UnitRow],
    lang: Lang,
) -> Result<(), WriteError> {
    let mut wb = new_workbook(&form.title);
    fill(&mut wb, form, period, rows, lang).map_err(xlsx_err(path))?;
    save(&mut wb, path)
}

fn fill(
    wb: &mut Workbook,
    form: &Form,
    period: Option<Period>,
    rows: &[UnitRow],
    lang: Lang,
) -> Result<(), XlsxError> {
    let fields = table_fields(form);
    let ws: &mut Worksheet = wb.add_worksheet();
    ws.set_name(SHEET)?;
    let en = lang.en();
    let columns: Vec<(String, String)> = fields
        .iter()
        .map(|&f| {
            (
                form.field_key(f).to_string(),
                form.field_label(f, en).to_string(),
            )
        })
        .collect();
    head(
        ws,
        form,
        period,
        lang,
        (lang.pick("SỐ LIỆU CÁC ĐƠN VỊ", "FIGURES BY UNIT"), 12),
        &columns,
        14.0,
    )?;
    ws.set_row_height(LABEL_ROW, 60)?;
    let text = style::text();
    let count = style::count();
    let decimal = style::decimal();
    let blank = style::input(style::count());
    for (i, r) in rows.iter().enumerate() {
        let row = FIRST_UNIT_ROW + i as u32;
        ws.write_string_with_format(row, 0, &r.code, &text)?;
        ws.write_string_with_format(row, 1, &r.name, &text)?;
        for (k, &f) in fields.iter().enumerate() {
            let col = (k + 2) as u16;
            match r.values.get(&form.field_key(f)) {
                Some(&v) => {
                    let fmt = if v.fract() == 0.0 { &count } else { &decimal };
                    ws.write_number_with_format(row, col, v, fmt)?;
                }
                None => {
                    ws.write_blank(row, col, &blank)?;
                }
            }
        }
    }
    ws.set_freeze_panes(FIRST_UNIT_ROW, 2)?;
    ws.set_landscape();
    ws.set_paper_size(9);
    ws.set_print_fit_to_pages(1, 0);
    ws.set_repeat_rows(LABEL_ROW, KEY_ROW)?;
    ws.set_repeat_columns(0, 1)?;
    Ok(())
}

/// The same table as CSV, as don-doc.csv is written (UTF-8 with a byte-order mark, so
/// Excel on Windows shows the Vietnamese right; RFC 4180 fields, CRLF): a header of
/// keys, then one line per unit. Values are written as
/// numbers with a point, whatever the locale.
pub fn csv(path: &Path, form: &Form, rows: &[UnitRow]) -> Result<(), WriteError> {
    let fields = table_fields(form);
    super::atomic_write_with(path, |w| {
        use std::io::Write;
        w.write_all("\u{feff}".as_bytes())?;
        let mut head = vec![CODE_KEY.to_string(), NAME_KEY.to_string()];
        head.extend(fields.iter().map(|&f| form.field_key(f)));
        let head: Vec<String> = head.iter().map(|s| super::csv_field(s)).collect();
        write!(w, "{}\r\n", head.join(","))?;
        for r in rows {
            let mut line = vec![super::csv_field(&r.code), super::csv_field(&r.name)];
            for &f in &fields {
                line.push(
                    r.values
                        .get(&form.field_key(f))
                        .map(|v| crate::write::report::tidy(*v).to_string())
                        .unwrap_or_default(),
                );
            }
            write!(w, "{}\r\n", line.join(","))?;
        }
        Ok(())
    })
}

/// The rows above the units, as [`crate::archive`]'s import and the targets' reader find
/// them: the title over at most `title.1` columns, the form's id and version, the period
/// (blank input cells when none is given), and the labels and keys of the unit code, the
/// unit name and each `(key, label)` of `columns`, `width` characters wide.
pub(super) fn head(
    ws: &mut Worksheet,
    form: &Form,
    period: Option<Period>,
    lang: Lang,
    title: (&str, u16),
    columns: &[(String, String)],
    width: f64,
) -> Result<(), XlsxError> {
    let en = lang.en();
    let last_col = (columns.len() + 1).min(16_383) as u16;
    ws.merge_range(
        0,
        0,
        0,
        last_col.min(title.1).max(4),
        &format!(
            "{} — {}",
            title.0,
            if en { &form.title_en } else { &form.title }
        ),
        &style::title().set_align(FormatAlign::Left),
    )?;
    ws.write_string(FORM_ROW, 0, lang.pick("Biểu mẫu", "Form"))?;
    ws.write_string(FORM_ROW, 1, &form.id)?;
    ws.write_string(FORM_ROW, 2, &form.version)?;
    ws.write_string(PERIOD_ROW, 0, lang.pick("Kỳ từ ngày", "Period from"))?;
    ws.write_string(PERIOD_ROW, 2, lang.pick("đến ngày", "to"))?;
    match period {
        Some(p) => {
            ws.write_date_with_format(PERIOD_ROW, 1, p.from, &style::date())?;
            ws.write_date_with_format(PERIOD_ROW, 3, p.to, &style::date())?;
        }
        None => {
            let input = style::input(style::date());
            ws.write_blank(PERIOD_ROW, 1, &input)?;
            ws.write_blank(PERIOD_ROW, 3, &input)?;
        }
    }
    let header = style::header();
    let key_fmt = Format::new().set_font_size(8).set_font_color(0x7F7F7F);
    ws.write_string_with_format(LABEL_ROW, 0, lang.pick("Mã đơn vị", "Unit code"), &header)?;
    ws.write_string_with_format(LABEL_ROW, 1, lang.pick("Tên đơn vị", "Unit name"), &header)?;
    ws.write_string_with_format(KEY_ROW, 0, CODE_KEY, &key_fmt)?;
    ws.write_string_with_format(KEY_ROW, 1, NAME_KEY, &key_fmt)?;
    ws.set_column_width(0, style::code_width(form, 12.0))?;
    ws.set_column_width(1, 34)?;
    for (k, (key, label)) in columns.iter().enumerate() {
        let col = (k + 2) as u16;
        ws.write_string_with_format(LABEL_ROW, col, label, &header)?;
        ws.write_string_with_format(KEY_ROW, col, key, &key_fmt)?;
        ws.set_column_width(col, width)?;
    }
    Ok(())
}
