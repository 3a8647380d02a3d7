//! Fixed-row lists laid out as the official forms print them: a header row (code,
//! label, one column per figure), then every line with its code, its label (bold for a
//! total, italic for an "of which", indented by level) and its figure cells. A list is a
//! few dozen lines, so its cells go through the row-order queue with the form's other
//! cells.

use super::computed::Computed;
use super::data::{FormData, TableRows};
use super::layout::{Paint, base_format};
use super::row_order::RowOrder;
use super::validation;
use super::values::{Out, OutRef};
use crate::cellref::Pos;
use crate::form::Form;
use crate::spec::{FieldRef, RowStyle};
use crate::write::style;
use rust_xlsxwriter::{Format, FormatAlign, Worksheet, XlsxError};

/// Where a figure is written: the sheet and cell of a list line (the unit's row in a
/// filled form, the template's otherwise), an input cell, a table's total row.
pub(super) fn position<R>(
    form: &Form,
    data: Option<&FormData<R>>,
    f: FieldRef,
) -> Option<(usize, Pos)> {
    match f {
        FieldRef::Cell(i) => Some((form.cells[i].sheet, form.cells[i].pos)),
        FieldRef::Column { table, column } => {
            let t = &form.tables[table];
            let row = data.map_or(t.first_row + t.template_rows, |d| d.tables[table].total_row);
            Some((t.sheet, Pos::new(row, t.columns[column].col)))
        }
        FieldRef::Item { list, row, column } => {
            let l = &form.lists[list];
            let at = match data {
                Some(d) => d.lists.get(list)?.rows.get(row)?.as_ref()?.0,
                None => l.form_row(row),
            };
            Some((l.sheet, Pos::new(at, l.columns[column].col)))
        }
        FieldRef::Derived(_) => None,
    }
}

/// A figure's value in the data, when it is a number.
pub(super) fn value<R>(data: Option<&FormData<R>>, f: FieldRef) -> Option<f64> {
    let d = data?;
    let v = match f {
        FieldRef::Cell(i) => d.cells.get(i)?,
        FieldRef::Item { list, row, column } => {
            d.lists.get(list)?.rows.get(row)?.as_ref()?.1.get(column)?
        }
        FieldRef::Column { .. } | FieldRef::Derived(_) => return None,
    };
    match v {
        Out::Number(n) | Out::Formula(_, n) => Some(*n),
        _ => None,
    }
}

/// A figure's value for a formula's cached result: [`value`], and a table column's
/// total as the total row shows it: the total the unit typed over its SUM, or the sum
/// of its rows, which is what the total's formula gives. With `sums` (a returned
/// workbook, whose totals are all formulas again) always the sum of the rows.
pub(super) fn figure<R: TableRows>(
    data: Option<&FormData<R>>,
    f: FieldRef,
    sums: bool,
) -> Option<f64> {
    match (data, f) {
        (Some(d), FieldRef::Column { table, column }) => {
            let t = d.tables.get(table)?;
            if !sums && let Some(given) = &t.total {
                return match given.get(column)? {
                    Out::Number(n) | Out::Formula(_, n) => Some(*n),
                    _ => None,
                };
            }
            let rows = &t.rows;
            Some(
                (0..rows.len())
                    .filter_map(|i| match rows.value(i, column) {
                        Some(OutRef::Number(n) | OutRef::Formula(_, n)) if n.is_finite() => Some(n),
                        _ => None,
                    })
                    .sum(),
            )
        }
        _ => value(data, f),
    }
}

/// Queue the lists of sheet `si`. With `computed` (the blank form and samples), the
/// figures the form computes are formulas, locked and grey.
pub(super) fn queue<R: TableRows>(
    ws: &mut Worksheet,
    out: &mut RowOrder,
    form: &Form,
    si: usize,
    data: Option<&FormData<R>>,
    paint: &Paint<'_>,
    computed: Option<&Computed>,
) -> Result<(), XlsxError> {
    let sheet_names: Vec<String> = form.sheets.iter().map(|s| s.name.clone()).collect();
    for (li, l) in form.lists.iter().enumerate().filter(|(_, l)| l.sheet == si) {
        let hdr = style::header();
        ws.set_row_height(l.header_row, 45)?;
        if let Some(cc) = l.code_col {
            out.text(Pos::new(l.header_row, cc), &l.code_label, hdr.clone());
        }
        out.text(Pos::new(l.header_row, l.label_col), &l.label, hdr.clone());
        for c in &l.columns {
            out.text(Pos::new(l.header_row, c.col), &c.label, hdr.clone());
        }
        let width = form.sheets[si]
            .column_widths
            .get(l.label_col as usize)
            .copied()
            .unwrap_or(40.0);
        for (ri, r) in l.rows.iter().enumerate() {
            let row = match data {
                Some(d) => match d
                    .lists
                    .get(li)
                    .and_then(|x| x.rows.get(ri))
                    .and_then(Option::as_ref)
                {
                    Some((row, _)) => *row,
                    // Missing from the unit's file: its finding says so.
                    None => continue,
                },
                None => l.form_row(ri),
            };
            let styled = |f: Format| match r.style {
                RowStyle::Plain => f,
                RowStyle::Bold => f.set_bold(),
                RowStyle::Italic => f.set_italic(),
            };
            if let (Some(cc), Some(code)) = (l.code_col, &r.code) {
                let pos = Pos::new(row, cc);
                out.text(
                    pos,
                    code,
                    styled(style::text().set_align(FormatAlign::Center)),
                );
            }
            let pos = Pos::new(row, l.label_col);
            out.text(
                pos,
                &r.label,
                paint.marked(si, pos, styled(style::label().set_indent(r.indent))),
            );
            if let Some(h) = style::wrapped_height(&r.label, width) {
                out.height(row, h);
            }
            if !r.figures {
                for c in &l.columns {
                    out.put(Pos::new(row, c.col), Out::Blank, styled(style::text()));
                }
                continue;
            }
            for (ci, c) in l.columns.iter().enumerate() {
                let f = FieldRef::Item {
                    list: li,
                    row: ri,
                    column: ci,
                };
                let pos = Pos::new(row, c.col);
                let base = styled(base_format(l.item_type(ri, ci)));
                let formula = computed.and_then(|comp| {
                    comp.formula(
                        f,
                        si,
                        &sheet_names,
                        &|g| position(form, data, g),
                        &|g| figure(data, g, paint.restore),
                        paint.restore,
                    )
                });
                match formula {
                    Some(v) => out.put(pos, v, paint.marked(si, pos, style::computed(base))),
                    None => {
                        let v = data
                            .and_then(|d| {
                                d.lists.get(li)?.rows.get(ri)?.as_ref()?.1.get(ci).cloned()
                            })
                            .unwrap_or(Out::Blank);
                        out.put(pos, v, paint.format(si, pos, base));
                        if paint.protect && !paint.marks.is_fixed(si, pos) {
                            validation::list_cell(ws, form, f, pos)?;
                        }
                    }
                }
            }
        }
    }
    Ok(())
}
