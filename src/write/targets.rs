//! The blank targets workbook `tonghop targets template` writes: the layout of the
//! archive's one-row-per-unit table ([`super::units_table`]) with one column per target
//! of the form (and, when the form declares a term, one per term target, keyed
//! `term:` and the figure), a row per unit and a last row for the province, which
//! [`crate::targets::read`] reads back.

use super::units_table::{FIRST_UNIT_ROW, KEY_ROW, LABEL_ROW};
use super::{WriteError, new_workbook, save, style, xlsx_err};
use crate::form::Form;
use crate::lang::Lang;
use crate::period::Period;
use crate::targets::{PROVINCE_CODE, SHEET, TERM_PREFIX};
use rust_xlsxwriter::{Workbook, XlsxError};
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
    super::units_table::head(
        ws,
        form,
        period,
        lang,
        (
            lang.pick("CHỈ TIÊU CÁC ĐƠN VỊ", "TARGETS BY UNIT"),
            u16::MAX,
        ),
        &columns,
        18.0,
    )?;
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
