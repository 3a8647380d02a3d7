//! The blank targets workbook `tonghop targets template` writes: the layout of the
//! archive's one-row-per-unit table ([`super::units_table`]) with one column per target
//! of the form (and, when the form declares a term, one per term target, keyed
//! `term:` and the figure), a row per unit and a last row for the province, which
//! [`crate::targets::read`] reads back.

use super::units_table::{FIRST_UNIT_ROW, FORM_ROW, KEY_ROW, LABEL_ROW, NAME_KEY, PERIOD_ROW};
use super::{WriteError, new_workbook, save, style, xlsx_err};
use crate::form::Form;
use crate::lang::Lang;
use crate::period::Period;
use crate::targets::{PROVINCE_CODE, SHEET, TERM_PREFIX};
use rust_xlsxwriter::{Format, FormatAlign, Workbook, XlsxError};
use std::path::Path;

/// Write the blank for `period`'s units (the units that still exist without one).
pub fn template(
    path: &Path,
    form: &Form,
    period: Option<Period>,
    lang: Lang,
) -> Result<(), WriteError> {
    let mut wb = new_workbook(&form.title);
    fill(&mut wb, form, period, lang).map_err(xlsx_err(path))?;
    save(&mut wb, path)
}

fn fill(
    wb: &mut Workbook,
    form: &Form,
    period: Option<Period>,
    lang: Lang,
) -> Result<(), XlsxError> {
    let en = lang.en();
    let ws = wb.add_worksheet();
    ws.set_name(SHEET)?;
    let mut columns: Vec<(String, String)> = form
        .targets
        .iter()
        .map(|t| (t.key.clone(), t.label(form, en)))
        .collect();
    if let Some(term) = &form.term {
        columns.extend(form.targets.iter().map(|t| {
            (
                format!("{TERM_PREFIX}{}", t.key),
                format!("{} — {}", t.label(form, en), term.name.get(lang)),
            )
        }));
    }
    ws.merge_range(
        0,
        0,
        0,
        (columns.len() + 1).max(4) as u16,
        &format!(
            "{} — {}",
            lang.pick("CHỈ TIÊU CÁC ĐƠN VỊ", "TARGETS BY UNIT"),
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
            ws.write_blank(PERIOD_ROW, 1, &style::input(style::date()))?;
            ws.write_blank(PERIOD_ROW, 3, &style::input(style::date()))?;
        }
    }
    let header = style::header();
    let key_fmt = Format::new().set_font_size(8).set_font_color(0x7F7F7F);
    ws.write_string_with_format(LABEL_ROW, 0, lang.pick("Mã đơn vị", "Unit code"), &header)?;
    ws.write_string_with_format(LABEL_ROW, 1, lang.pick("Tên đơn vị", "Unit name"), &header)?;
    ws.write_string_with_format(KEY_ROW, 0, super::units_table::CODE_KEY, &key_fmt)?;
    ws.write_string_with_format(KEY_ROW, 1, NAME_KEY, &key_fmt)?;
    ws.set_column_width(0, 12)?;
    ws.set_column_width(1, 34)?;
    for (k, (key, label)) in columns.iter().enumerate() {
        let col = (k + 2) as u16;
        ws.write_string_with_format(LABEL_ROW, col, label, &header)?;
        ws.write_string_with_format(KEY_ROW, col, key, &key_fmt)?;
        ws.set_column_width(col, 18)?;
    }
    ws.set_row_height(LABEL_ROW, 60)?;
    let text = style::text();
    let bold = style::bold();
    let blank = style::input(style::count());
    let units = form.units.expected(period);
    let rows = units
        .iter()
        .map(|&u| {
            (
                form.units[u].code.as_str(),
                form.units[u].name.as_str(),
                &text,
            )
        })
        .chain(std::iter::once((
            PROVINCE_CODE,
            lang.pick(
                "Toàn tỉnh (để trống: cộng chỉ tiêu các đơn vị)",
                "Province (blank: the units' targets added up)",
            ),
            &bold,
        )));
    for (i, (code, name, fmt)) in rows.enumerate() {
        let row = FIRST_UNIT_ROW + i as u32;
        ws.write_string_with_format(row, 0, code, fmt)?;
        ws.write_string_with_format(row, 1, name, fmt)?;
        for k in 0..columns.len() {
            ws.write_blank(row, (k + 2) as u16, &blank)?;
        }
    }
    ws.set_freeze_panes(FIRST_UNIT_ROW, 2)?;
    ws.set_paper_size(9);
    ws.set_print_fit_to_pages(1, 0);
    ws.set_repeat_rows(LABEL_ROW, KEY_ROW)?;
    Ok(())
}
