//! The layout: where each part of the form goes on its sheet, in what format. One pass
//! per sheet queues the form's own cells (title, texts, stamp, input cells with their
//! labels) and each table's frame (header, total row), then streams the table bodies in
//! row order with the queued cells in between, so the same code writes an in-memory
//! sheet and a constant-memory one.

use super::computed::Computed;
use super::data::{FormData, Marks, TableRows};
use super::lists;
use super::paper::{self, Signs};
use super::row_order::RowOrder;
use super::unit_list::UnitList;
use super::validation;
use super::values::{Out, OutRef};
use crate::cellref::Pos;
use crate::form::Form;
use crate::spec::{FieldRef, FieldType, Layout};
use crate::write::style;
use rust_xlsxwriter::{Format, Formula, Note, ProtectionOptions, Workbook, Worksheet, XlsxError};
use std::collections::HashSet;

/// Table rows on one sheet above which the sheet is streamed in constant-memory mode.
/// Below it the in-memory sheet is cheaper: no temporary file per sheet, which counts
/// when a province returns thousands of small workbooks. A unit's table may run to the
/// form's `max_rows` (100,000 by default), whose cells in memory would cost ~100 MB.
pub const STREAM_ROWS: usize = 5_000;

/// Lay the form into `wb`: one worksheet per sheet of the form, held in memory.
/// `protect` locks everything but the input cells (the blank template and samples).
/// Samples stay in memory whatever their size: shared strings, as Excel saves a form,
/// so what the benchmark and the tests read looks like a unit's file.
pub fn write_form<R: TableRows>(
    wb: &mut Workbook,
    form: &Form,
    data: Option<&FormData<R>>,
    marks: &Marks,
    protect: bool,
) -> Result<(), XlsxError> {
    lay_out(wb, form, data, marks, Mode::of(protect), usize::MAX)
}

/// [`write_form`], but a sheet whose tables hold more than [`STREAM_ROWS`] rows is
/// streamed in constant-memory mode, through the workbook's temporary folder
/// (`set_tempdir`): a returned workbook costs memory by its findings, not its rows.
pub fn write_form_streamed<R: TableRows>(
    wb: &mut Workbook,
    form: &Form,
    data: Option<&FormData<R>>,
    marks: &Marks,
    protect: bool,
) -> Result<(), XlsxError> {
    lay_out(wb, form, data, marks, Mode::of(protect), STREAM_ROWS)
}

/// The returned workbook's sheets: a copy of the unit's form it can correct and send
/// back. Protected as the blank form is (input cells unlocked, the rest locked), every
/// figure the form computes a formula again (each total row's SUM, the percentages and
/// balances), so a corrected row updates its total; each marked cell framed and its
/// [`Marks::explain`] lines printed in a column right of the form, which the reader
/// never reads. Streamed as [`write_form_streamed`].
pub fn write_returned_form<R: TableRows>(
    wb: &mut Workbook,
    form: &Form,
    data: &FormData<R>,
    marks: &Marks,
) -> Result<(), XlsxError> {
    lay_out(wb, form, Some(data), marks, Mode::Returned, STREAM_ROWS)
}

/// What the layout is writing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    /// The figures as given, nothing locked: the province's own report to the level
    /// above, signed by the head of its board.
    Plain,
    /// The blank form or a sample: protected, the computed figures formulas, except where
    /// a sample's figure disagrees (a fault injected as a unit would type it).
    Form,
    /// A returned workbook: protected, every computed figure and total a formula, the
    /// faults explained beside their rows.
    Returned,
}

impl Mode {
    fn of(protect: bool) -> Mode {
        if protect { Mode::Form } else { Mode::Plain }
    }
}

/// Width of the explanation column, in characters.
const EXPLANATION_WIDTH: f64 = 60.0;

/// The form, streaming a sheet whose tables hold more than `stream_rows` rows.
fn lay_out<R: TableRows>(
    wb: &mut Workbook,
    form: &Form,
    data: Option<&FormData<R>>,
    marks: &Marks,
    mode: Mode,
    stream_rows: usize,
) -> Result<(), XlsxError> {
    let protect = mode != Mode::Plain;
    let computed = protect.then(|| Computed::of(form));
    // The blank form and samples: the unit chooses its name, and the code follows.
    let units = if mode == Mode::Form {
        UnitList::of(form)
    } else {
        None
    };
    // The instructions come first, where a unit opening the form looks.
    if mode == Mode::Form {
        paper::instructions(wb, form)?;
    }
    let signs = if mode == Mode::Plain {
        Signs::Upward
    } else {
        Signs::Unit
    };
    for (si, sheet) in form.sheets.iter().enumerate() {
        let on_sheet: Vec<usize> = (0..form.tables.len())
            .filter(|&t| form.tables[t].sheet == si)
            .collect();
        let blank: Vec<BlankRows> = match data {
            Some(_) => Vec::new(),
            None => on_sheet
                .iter()
                .map(|&ti| BlankRows {
                    first_row: form.tables[ti].first_row,
                    count: form.tables[ti].template_rows,
                    columns: form.tables[ti].columns.len(),
                })
                .collect(),
        };
        let bodies: Vec<&dyn TableRows> = match data {
            Some(d) => on_sheet
                .iter()
                .map(|&ti| &d.tables[ti].rows as &dyn TableRows)
                .collect(),
            None => blank.iter().map(|b| b as &dyn TableRows).collect(),
        };
        let rows: usize = bodies.iter().map(|b| b.len()).sum();
        let ws = if rows > stream_rows && bodies.iter().all(|b| ascending(*b)) {
            wb.add_worksheet_with_constant_memory()?
        } else {
            wb.add_worksheet()
        };
        ws.set_name(&sheet.name)?;
        // A formula with no value yet (a percentage of a blank base) caches an empty
        // text, not rust_xlsxwriter's default 0, which readers would take for a figure.
        ws.set_formula_result_default("");
        for (i, w) in sheet.column_widths.iter().enumerate() {
            ws.set_column_width(i as u16, *w)?;
        }
        // A4, one page wide: units print the form to sign and file it.
        ws.set_paper_size(9);
        ws.set_print_fit_to_pages(1, 0);
        let mut out = RowOrder::default();
        let paint = Paint {
            marks,
            protect,
            restore: mode == Mode::Returned,
            units: units.as_ref(),
        };
        queue_cells(ws, &mut out, form, si, data, &paint, computed.as_ref())?;
        lists::queue(ws, &mut out, form, si, data, &paint, computed.as_ref())?;
        let mut totals = Vec::new();
        for (k, &ti) in on_sheet.iter().enumerate() {
            let d = data.map(|d| &d.tables[ti]);
            let frame = TableFrame {
                total_row: d.map_or(
                    form.tables[ti].first_row + form.tables[ti].template_rows,
                    |d| d.total_row,
                ),
                // A returned workbook's totals are the form's formulas again, whatever
                // the unit typed over them: its finding says what was there.
                total: d
                    .filter(|_| !paint.restore)
                    .and_then(|d| d.total.as_deref()),
                total_label: d.and_then(|d| d.total_label.as_deref()),
                label: d.and_then(|d| d.label.as_deref()),
            };
            totals.push(frame.total_row);
            table_frame(ws, &mut out, form, ti, bodies[k], &frame, &paint)?;
        }
        paper::queue(
            &mut out,
            form,
            si,
            data,
            last_column(form, si),
            &totals,
            signs,
        );
        if paint.restore {
            explanations(ws, &mut out, form, si, marks)?;
        }
        if let Some(pos) = legend_at(form, si, marks) {
            for (i, line) in PREFILLED_LEGEND.iter().enumerate() {
                out.text(Pos::new(pos.row + i as u32, pos.col), line, style::note());
            }
        }
        out.apply_heights(ws)?;
        out.seal();
        write_bodies(ws, &mut out, form, &on_sheet, &bodies, &paint)?;
        out.through(ws, u32::MAX)?;
        for ((s, pos), (error, texts)) in &marks.notes {
            if *s != si {
                continue;
            }
            let note = Note::new(crate::write::cell_text(&texts.join("\n")))
                .set_author(if *error {
                    "tonghop: lỗi"
                } else {
                    "tonghop: cảnh báo"
                })
                .set_width(360)
                .set_height(140);
            ws.insert_note(pos.row, pos.col, &note)?;
        }
        for ((s, pos), text) in &marks.fixed {
            if *s != si || marks.notes.contains_key(&(*s, *pos)) {
                continue;
            }
            let note = Note::new(crate::write::cell_text(text))
                .set_author("tonghop")
                .set_width(360)
                .set_height(110);
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
        if si == 0 && mode == Mode::Form {
            ws.set_active(true);
        }
    }
    if let Some(units) = &units {
        units.write(wb, form)?;
    }
    Ok(())
}

/// What the first sheet of a form filled in by the province says of its blue cells, one
/// line per row: a longer line would run past the form's width and shrink the printed
/// page. Always Vietnamese, as every workbook a unit receives.
const PREFILLED_LEGEND: [&str; 2] = [
    "Các ô nền xanh nhạt do Ban Tổ chức điền sẵn và đã khóa: đơn vị, kỳ báo cáo và số liệu",
    "lấy từ kho lưu trữ (đầu kỳ, cùng kỳ năm trước) nếu có; ghi chú ở từng ô ghi rõ nguồn.",
];

/// Where [`PREFILLED_LEGEND`] goes: on the first sheet of a form with cells the
/// province filled in, under its last text or input cell, when that sheet holds no
/// table or list whose rows could run into it.
fn legend_at(form: &Form, si: usize, marks: &Marks) -> Option<Pos> {
    if si != 0
        || marks.fixed.is_empty()
        || form.tables.iter().any(|t| t.sheet == si)
        || form.lists.iter().any(|l| l.sheet == si)
    {
        return None;
    }
    let texts = form.sheets[si].texts.iter().map(|(p, ..)| p.row);
    let cells = form
        .cells
        .iter()
        .filter(|c| c.sheet == si)
        .map(|c| c.pos.row);
    let stamp = form
        .stamp
        .filter(|s| s.sheet == si)
        .map(|s| s.id.row.max(s.version.row));
    Some(Pos::new(texts.chain(cells).chain(stamp).max()? + 1, 0))
}

/// The blank template's body: as many empty rows as the form's `template_rows`, each
/// formatted and validated like a filled one.
struct BlankRows {
    first_row: u32,
    count: u32,
    columns: usize,
}

impl TableRows for BlankRows {
    fn len(&self) -> usize {
        self.count as usize
    }
    fn row(&self, i: usize) -> u32 {
        self.first_row + i as u32
    }
    fn label(&self, _: usize) -> OutRef<'_> {
        OutRef::Blank
    }
    fn value(&self, _: usize, column: usize) -> Option<OutRef<'_>> {
        (column < self.columns).then_some(OutRef::Blank)
    }
}

/// Queue the form's own cells of a sheet: title, texts, stamp, and each input cell
/// with the label (and number) left of it when the form puts none there.
fn queue_cells<R: TableRows>(
    ws: &mut Worksheet,
    out: &mut RowOrder,
    form: &Form,
    si: usize,
    data: Option<&FormData<R>>,
    paint: &Paint<'_>,
    computed: Option<&Computed>,
) -> Result<(), XlsxError> {
    let units = paint.units;
    let sheet_names: Vec<String> = form.sheets.iter().map(|s| s.name.clone()).collect();
    let mut taken: HashSet<Pos> = HashSet::new();
    let inputs: HashSet<Pos> = form
        .cells
        .iter()
        .filter(|c| c.sheet == si)
        .map(|c| c.pos)
        .collect();
    let last_col = last_column(form, si);
    if let Some(t) = &form.sheets[si].title {
        let pos = Pos::new(0, 0);
        if last_col > 0 {
            out.merge(pos, last_col, t, style::title());
        } else {
            out.text(pos, t, style::title());
        }
        ws.set_row_height(0, 24)?;
        taken.insert(pos);
    }
    for (pos, text, st) in &form.sheets[si].texts {
        let f = match st {
            crate::spec::TextStyle::Header => style::header(),
            crate::spec::TextStyle::Section => style::section(),
            crate::spec::TextStyle::Note => style::note(),
            crate::spec::TextStyle::Plain => style::label(),
        };
        match form.sheets[si].merges.iter().find(|(p, _)| p == pos) {
            Some(&(_, last)) => out.merge(*pos, last, text, f),
            None => out.text(*pos, text, f),
        }
        taken.insert(*pos);
    }
    if let Some(st) = form.stamp.filter(|s| s.sheet == si) {
        let (id, ver) = data.map_or((form.id.as_str(), form.version.as_str()), |d| {
            (d.form_id.as_str(), d.form_version.as_str())
        });
        out.text(st.id, id, style::text());
        out.text(st.version, ver, style::text());
        taken.extend([st.id, st.version]);
    }
    let mut number = 0;
    for (ci, c) in form.cells.iter().enumerate().filter(|(_, c)| c.sheet == si) {
        if c.pos.col > 0 {
            let left = Pos::new(c.pos.row, c.pos.col - 1);
            if !inputs.contains(&left) && !taken.contains(&left) {
                out.text(left, &c.label, style::label());
                taken.insert(left);
                let stt = Pos::new(c.pos.row, 0);
                if left.col == 1 && !taken.contains(&stt) {
                    number += 1;
                    out.put(
                        stt,
                        Out::Number(number as f64),
                        style::text().set_align(rust_xlsxwriter::FormatAlign::Center),
                    );
                    taken.insert(stt);
                }
            }
        }
        let f = FieldRef::Cell(ci);
        let formula = computed.and_then(|comp| {
            comp.formula(
                f,
                si,
                &sheet_names,
                &|g| lists::position(form, data, g),
                &|g| lists::figure(data, g, paint.restore),
                paint.restore,
            )
        });
        let id = form.identity;
        // A code the province filled in stays as written: the unit cannot choose another.
        let lookup = match (units, id.unit_name) {
            (Some(list), Some(name)) if ci == id.unit_code && !paint.marks.is_fixed(si, c.pos) => {
                let code = data.and_then(|d| match &d.cells[ci] {
                    Out::Text(t) => Some(t.as_str()),
                    _ => None,
                });
                let at = &form.cells[name];
                Some(list.code_formula(&sheet_names, si, at.sheet, at.pos, code.unwrap_or("")))
            }
            _ => None,
        };
        match formula.or(lookup) {
            Some(v) => out.put(
                c.pos,
                v,
                paint.marked(si, c.pos, style::computed(base_format(c.ty))),
            ),
            None => {
                let v = data.map_or(Out::Blank, |d| d.cells[ci].clone());
                out.put(c.pos, v, paint.format(si, c.pos, base_format(c.ty)));
                match units {
                    _ if paint.marks.is_fixed(si, c.pos) => {}
                    Some(list) if Some(ci) == id.unit_name => {
                        ws.add_data_validation(
                            c.pos.row,
                            c.pos.col,
                            c.pos.row,
                            c.pos.col,
                            &list.name_validation()?,
                        )?;
                    }
                    _ if paint.protect => validation::input_cell(ws, form, ci)?,
                    _ => {}
                }
            }
        }
    }
    Ok(())
}

/// How cells are formatted: marked cells stand out, and with `protect` (the blank
/// template and samples) input cells are unlocked and tinted.
pub(super) struct Paint<'a> {
    pub(super) marks: &'a Marks,
    pub(super) protect: bool,
    /// A returned workbook: the form's formulas replace what the unit typed over them.
    pub(super) restore: bool,
    /// The blank form and samples: the unit-name drop-down and the code looked up.
    pub(super) units: Option<&'a UnitList>,
}

impl Paint<'_> {
    /// The format of the cell at `pos` on sheet `sheet`.
    pub(super) fn format(&self, sheet: usize, pos: Pos, base: Format) -> Format {
        if self.marks.is_fixed(sheet, pos) {
            return style::prefilled(base);
        }
        cell_format(base, self.protect, self.marks.get(sheet, pos))
    }

    /// The format of a cell that is never an input (a label): marked or plain.
    pub(super) fn marked(&self, sheet: usize, pos: Pos, base: Format) -> Format {
        cell_format(base, false, self.marks.get(sheet, pos))
    }

    /// The format of an unmarked cell.
    fn plain(&self, base: Format) -> Format {
        cell_format(base, self.protect, None)
    }
}

/// The format of a cell of type `ty`, before marks and input tint.
pub(super) fn base_format(ty: FieldType) -> Format {
    match ty {
        FieldType::Count => style::count(),
        FieldType::Percent => style::percent(),
        FieldType::Decimal => style::decimal(),
        FieldType::Text => style::text(),
        FieldType::Date => style::date(),
    }
}

/// `base` as a marked cell (red for an error, amber for a warning) or an input cell shows.
/// A marked input cell stays unlocked: the unit corrects it in the returned workbook.
fn cell_format(base: Format, input: bool, mark: Option<&(bool, Vec<String>)>) -> Format {
    let marked = match mark {
        Some((true, _)) => style::fault(base),
        Some((false, _)) => style::warn(base),
        None if input => return style::input(base),
        None => return base,
    };
    if input { marked.set_unlocked() } else { marked }
}

/// The column right of everything the form puts on sheet `si`: where a returned
/// workbook explains its faults, outside the cells the reader reads.
fn explanation_column(form: &Form, si: usize) -> u16 {
    let sheet = &form.sheets[si];
    let merged = sheet.merges.iter().map(|(_, last)| *last);
    let widths = (sheet.column_widths.len() as u16).saturating_sub(1);
    last_column(form, si)
        .max(merged.max().unwrap_or(0))
        .max(widths)
        + 1
}

/// Queue the explanation of each marked cell of sheet `si` beside its row, one line per
/// fault, the row as tall as its lines; a header above it on each table's and list's
/// header row. A sheet with explanations prints landscape: the form and the column
/// together are wide.
fn explanations(
    ws: &mut Worksheet,
    out: &mut RowOrder,
    form: &Form,
    si: usize,
    marks: &Marks,
) -> Result<(), XlsxError> {
    let mut by_row: std::collections::BTreeMap<u32, Vec<&str>> = Default::default();
    for ((s, pos), lines) in &marks.lines {
        if *s == si {
            by_row
                .entry(pos.row)
                .or_default()
                .extend(lines.iter().map(String::as_str));
        }
    }
    if by_row.is_empty() {
        return Ok(());
    }
    let col = explanation_column(form, si);
    ws.set_column_width(col, EXPLANATION_WIDTH)?;
    ws.set_landscape();
    let headers = form
        .tables
        .iter()
        .filter(|t| t.sheet == si)
        .map(|t| t.header_row)
        .chain(
            form.lists
                .iter()
                .filter(|l| l.sheet == si)
                .map(|l| l.header_row),
        );
    for row in headers {
        out.text(Pos::new(row, col), "⚠ Lỗi cần sửa", style::header());
    }
    for (row, lines) in by_row {
        let text = crate::write::cell_text(&lines.join("\n")).into_owned();
        // A narrower width than the column's: a line of Vietnamese, its marks above and
        // below, wraps sooner than the estimate, and a last line cut off on paper is lost.
        if let Some(h) = style::wrapped_height(&text, EXPLANATION_WIDTH * 0.85) {
            out.height(row, h);
        }
        out.put(Pos::new(row, col), Out::Text(text), style::explanation());
    }
    Ok(())
}

/// The sheet's rightmost used column, which the title spans; the texts of its first two
/// rows (under the title) do not widen it.
fn last_column(form: &Layout, si: usize) -> u16 {
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
    let lists = form
        .lists
        .iter()
        .filter(|l| l.sheet == si)
        .flat_map(|l| l.columns.iter().map(|c| c.col).chain([l.label_col]));
    cells
        .chain(tables)
        .chain(texts)
        .chain(lists)
        .max()
        .unwrap_or(0)
}

/// Rows in ascending order, which is how a table is read; constant-memory mode needs it.
fn ascending(rows: &dyn TableRows) -> bool {
    (1..rows.len()).all(|i| rows.row(i - 1) < rows.row(i))
}

/// Where a table's total row goes and what it holds.
struct TableFrame<'a> {
    total_row: u32,
    /// `None`: write the SUM formula of each column.
    total: Option<&'a [Out]>,
    /// Label text of the total row as the unit wrote it (defaults to the form's).
    total_label: Option<&'a str>,
    /// The label column's header, when not the form's.
    label: Option<&'a str>,
}

/// Everything of a table but its body rows: header, total row, validation, panes.
fn table_frame(
    ws: &mut Worksheet,
    out: &mut RowOrder,
    form: &Layout,
    ti: usize,
    rows: &dyn TableRows,
    frame: &TableFrame<'_>,
    paint: &Paint<'_>,
) -> Result<(), XlsxError> {
    let t = &form.tables[ti];
    let si = t.sheet;
    let hdr = style::header();
    ws.set_row_height(t.header_row, 45)?;
    if t.label_col > 0 {
        out.text(Pos::new(t.header_row, 0), "STT", hdr.clone());
    }
    out.text(
        Pos::new(t.header_row, t.label_col),
        frame.label.unwrap_or(&t.label),
        hdr.clone(),
    );
    for c in &t.columns {
        out.text(Pos::new(t.header_row, c.col), &c.label, hdr.clone());
    }
    let total_row = frame.total_row;
    let label = frame.total_label.unwrap_or(&t.total_label);
    // Locked and grey, not an input's yellow: the formulas fill it.
    let total_at = |pos: Pos, base: Format| paint.marked(si, pos, style::total(base));
    let pos = Pos::new(total_row, t.label_col);
    out.text(pos, label, total_at(pos, style::bold()));
    if t.label_col > 0 {
        let stt = Pos::new(total_row, 0);
        out.put(stt, Out::Blank, total_at(stt, style::text()));
    }
    for (ci, c) in t.columns.iter().enumerate() {
        let pos = Pos::new(total_row, c.col);
        let v = match frame.total {
            Some(given) => given[ci].clone(),
            None => {
                // A figure the unit holds as a formula counts by its cached result:
                // a reader that does not recalculate sees this total as cached.
                let sum: f64 = (0..rows.len())
                    .filter_map(|i| match rows.value(i, ci) {
                        Some(OutRef::Number(n) | OutRef::Formula(_, n)) if n.is_finite() => Some(n),
                        _ => None,
                    })
                    .sum();
                Out::Formula(total_formula(c.col, t.header_row, t.first_row), sum)
            }
        };
        out.put(pos, v, total_at(pos, base_format(c.ty)));
    }
    if paint.protect && total_row > t.first_row {
        validation::table_body(ws, form, ti, total_row - 1)?;
    }
    ws.set_freeze_panes(t.first_row, 0)?;
    Ok(())
}

/// The total row's formula for column `col`: the sum from the first row under the
/// header to the row just above the total, both found when the formula is computed.
/// A plain `SUM(E4:E18)` does not grow when a unit inserts rows just above the total
/// row (as the form tells it to) or just under the header: Excel and LibreOffice only
/// stretch a range for rows inserted inside it. Here the ends are the header cell, which
/// rows inserted below it leave in place, and `ROW()-1`, which moves with the total
/// row, so rows inserted anywhere in the table are summed, in both programs.
fn total_formula(col: u16, header_row: u32, first: u32) -> String {
    let c = crate::cellref::column_name(col);
    // A header that is not above the rows (a form may say so) cannot anchor the start.
    if header_row < first {
        format!(
            "SUM(INDEX({c}:{c},ROW({c}${})+{}):INDEX({c}:{c},ROW()-1))",
            header_row + 1,
            first - header_row
        )
    } else {
        format!("SUM({c}{}:INDEX({c}:{c},ROW()-1))", first + 1)
    }
}

/// The STT of a table row: its rank among the named rows from the table's first row,
/// blank on a row without a name. Rows a unit deletes leave no gap and rows below an
/// inserted one renumber, in Excel and LibreOffice; typed numbers kept the old order.
/// The inserted row itself has no formula: its number is the gap, until the unit fills
/// its name and the clerk copies the formula, or not at all; the reader ignores it.
///
/// The count starts at the header's cell, less the header itself: rows inserted just
/// under the header would move an anchor on the first row with them, and the rows
/// below would count from 1 again (as the total's SUM, see [`total_formula`]).
fn stt_formula(label_col: u16, header_row: u32, first: u32, row: u32) -> String {
    let l = crate::cellref::column_name(label_col);
    let r = row + 1;
    if header_row < first {
        let h = header_row + 1;
        format!("IF(TRIM({l}{r})=\"\",\"\",COUNTIF({l}${h}:{l}{r},\"?*\")-COUNTIF({l}${h},\"?*\"))")
    } else {
        let f = first + 1;
        format!("IF(TRIM({l}{r})=\"\",\"\",COUNTIF({l}${f}:{l}{r},\"?*\"))")
    }
}

/// Stream the body rows of a sheet's tables in row order, the held cells in between.
/// Formats are built once per column; only a marked cell gets its own.
fn write_bodies(
    ws: &mut Worksheet,
    out: &mut RowOrder,
    form: &Layout,
    on_sheet: &[usize],
    bodies: &[&dyn TableRows],
    paint: &Paint<'_>,
) -> Result<(), XlsxError> {
    struct Plain {
        number: Format,
        label: Format,
        columns: Vec<Format>,
    }
    let plain: Vec<Plain> = on_sheet
        .iter()
        .map(|&ti| Plain {
            number: style::text(),
            label: paint.plain(style::label()),
            columns: form.tables[ti]
                .columns
                .iter()
                .map(|c| paint.plain(base_format(c.ty)))
                .collect(),
        })
        .collect();
    let mut next = vec![0usize; bodies.len()];
    // Each table's named rows so far: the STT its formula shows, cached.
    let mut named = vec![0usize; bodies.len()];
    // Tables are few: the next row is the least among their next rows.
    while let Some(k) = (0..bodies.len())
        .filter(|&k| next[k] < bodies[k].len())
        .min_by_key(|&k| bodies[k].row(next[k]))
    {
        let (rows, i, t, p) = (bodies[k], next[k], &form.tables[on_sheet[k]], &plain[k]);
        let row = rows.row(i);
        out.through(ws, row)?;
        let si = t.sheet;
        // A marked cell gets its own format, the rest their column's.
        let put_at = |ws: &mut Worksheet, col: u16, v: OutRef<'_>, plain: &Format, ty| {
            let marked = paint.marks.get(si, Pos::new(row, col)).map(|m| {
                let base = if col == t.label_col {
                    style::label()
                } else {
                    base_format(ty)
                };
                cell_format(base, paint.protect, Some(m))
            });
            ws.write_with_format(row, col, v, marked.as_ref().unwrap_or(plain))
                .map(|_| ())
        };
        if t.label_col > 0 {
            let label = rows.label(i);
            let is_named = match label {
                OutRef::Blank => false,
                OutRef::Text(s) => !s.trim().is_empty(),
                _ => true,
            };
            let f = stt_formula(t.label_col, t.header_row, t.first_row, row);
            let f = if is_named {
                named[k] += 1;
                Formula::new(f).set_result(named[k].to_string())
            } else {
                Formula::new(f).set_result("")
            };
            ws.write_formula_with_format(row, 0, f, &p.number)?;
        }
        put_at(ws, t.label_col, rows.label(i), &p.label, FieldType::Text)?;
        for (ci, c) in t.columns.iter().enumerate() {
            if let Some(v) = rows.value(i, ci) {
                put_at(ws, c.col, v, &p.columns[ci], c.ty)?;
            }
        }
        next[k] += 1;
    }
    Ok(())
}

#[cfg(test)]
mod tests;
