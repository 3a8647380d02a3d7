//! The form as a workbook, laid out from the specification: blank (the template), filled
//! (generated samples), or filled with a unit's own figures and its faults marked (the
//! returned workbook). One writer for all three keeps them cell for cell the same.

use super::style;
use crate::cellref::Pos;
use crate::spec::{FieldType, Layout};
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

impl Out {
    /// The value borrowed, as the writer takes every value.
    pub fn view(&self) -> OutRef<'_> {
        match self {
            Out::Blank => OutRef::Blank,
            Out::Number(n) => OutRef::Number(*n),
            Out::Text(s) => OutRef::Text(s),
            Out::Date(d) => OutRef::Date(*d),
            Out::Formula(f, v) => OutRef::Formula(f, *v),
        }
    }
}

/// [`Out`] borrowed from wherever the figures are held, so a table read from a unit's
/// workbook is written back without copying it first.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum OutRef<'a> {
    Blank,
    Number(f64),
    Text(&'a str),
    Date(NaiveDate),
    Formula(&'a str, f64),
}

impl From<OutRef<'_>> for Out {
    fn from(v: OutRef<'_>) -> Out {
        match v {
            OutRef::Blank => Out::Blank,
            OutRef::Number(n) => Out::Number(n),
            OutRef::Text(s) => Out::Text(s.to_string()),
            OutRef::Date(d) => Out::Date(d),
            OutRef::Formula(f, n) => Out::Formula(f.to_string(), n),
        }
    }
}

/// The body rows of one table, however they are held: built for a sample, or as read
/// from a unit's workbook (a returned workbook borrows those instead of copying them).
/// Rows are asked for by index, in order; a writer streams them without collecting them.
pub trait TableRows {
    /// How many body rows.
    fn len(&self) -> usize;
    fn is_empty(&self) -> bool {
        self.len() == 0
    }
    /// Zero-based sheet row of the `i`-th row: a unit's rows stay where the unit put
    /// them, so notes point at the unit's own cells.
    fn row(&self, i: usize) -> u32;
    /// What the label column shows on the `i`-th row.
    fn label(&self, i: usize) -> OutRef<'_>;
    /// The `i`-th row's value in the table's `column`-th column; `None` leaves the cell
    /// unwritten.
    fn value(&self, i: usize, column: usize) -> Option<OutRef<'_>>;
}

/// Rows built in memory: (zero-based row, label, one value per column).
pub type BuiltRows = Vec<(u32, Out, Vec<Out>)>;

impl TableRows for BuiltRows {
    fn len(&self) -> usize {
        Vec::len(self)
    }
    fn row(&self, i: usize) -> u32 {
        self[i].0
    }
    fn label(&self, i: usize) -> OutRef<'_> {
        self[i].1.view()
    }
    fn value(&self, i: usize, column: usize) -> Option<OutRef<'_>> {
        self[i].2.get(column).map(Out::view)
    }
}

/// The blank template's empty rows.
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

#[derive(Debug, Clone)]
pub struct TableOut<R = BuiltRows> {
    pub rows: R,
    /// Where the total row goes, and its values; `None` values mean "write the SUM formula".
    pub total_row: u32,
    pub total: Option<Vec<Out>>,
    /// Label text of the total row as the unit wrote it (defaults to the form's).
    pub total_label: Option<String>,
}

/// Figures to lay into the form.
#[derive(Debug, Clone)]
pub struct FormData<R = BuiltRows> {
    pub form_id: String,
    pub form_version: String,
    pub cells: Vec<Out>,
    pub tables: Vec<TableOut<R>>,
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

    fn get(&self, sheet: usize, pos: Pos) -> Option<&(bool, Vec<String>)> {
        if self.notes.is_empty() {
            return None;
        }
        self.notes.get(&(sheet, pos))
    }
}

/// Table rows on one sheet above which the sheet is streamed in constant-memory mode.
/// Below it the in-memory sheet is cheaper: no temporary file per sheet, which counts
/// when a province returns thousands of small workbooks. A unit's table may run to the
/// form's `max_rows` (100,000 by default), whose cells in memory would cost ~100 MB.
pub const STREAM_ROWS: usize = 5_000;

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
    put_cell(ws, pos, v.view(), fmt)
}

fn put_cell(ws: &mut Worksheet, pos: Pos, v: OutRef<'_>, fmt: &Format) -> Result<(), XlsxError> {
    let (r, c) = (pos.row, pos.col);
    match v {
        OutRef::Blank => ws.write_blank(r, c, fmt).map(|_| ()),
        OutRef::Number(n) if n.is_finite() => ws.write_number_with_format(r, c, n, fmt).map(|_| ()),
        OutRef::Number(_) => ws.write_blank(r, c, fmt).map(|_| ()),
        OutRef::Text(s) => ws
            .write_string_with_format(r, c, super::cell_text(s), fmt)
            .map(|_| ()),
        OutRef::Date(d) => ws
            .write_number_with_format(r, c, to_excel_serial(d), fmt)
            .map(|_| ()),
        OutRef::Formula(f, result) => {
            let formula = Formula::new(f).set_result(super::report::tidy(result).to_string());
            ws.write_formula_with_format(r, c, formula, fmt).map(|_| ())
        }
    }
}

/// The cells of a sheet outside its table bodies, held back and written in row order
/// as the table rows stream past: constant-memory mode ignores a write to a row it
/// has already passed, and the layout visits cells in its own order (title, texts,
/// input cells, then tables). A few hundred cells at most wait here.
#[derive(Default)]
struct RowOrder {
    pending: Vec<(Pos, Pending)>,
    next: usize,
}

enum Pending {
    Value(Out, Format),
    Merge {
        last_col: u16,
        text: String,
        fmt: Format,
    },
}

impl RowOrder {
    fn put(&mut self, pos: Pos, v: Out, fmt: Format) {
        self.pending.push((pos, Pending::Value(v, fmt)));
    }

    fn text(&mut self, pos: Pos, text: &str, fmt: Format) {
        self.put(pos, Out::Text(text.to_string()), fmt);
    }

    /// `text` across `pos` to `last_col` on its row.
    fn merge(&mut self, pos: Pos, last_col: u16, text: &str, fmt: Format) {
        let text = text.to_string();
        self.pending.push((
            pos,
            Pending::Merge {
                last_col,
                text,
                fmt,
            },
        ));
    }

    /// Sort once everything is queued. The sort is stable: of two held writes to one
    /// cell the later still wins. A held cell on a table's body row is written before
    /// that row, so in a layout where a table runs into another's header, its rows win.
    fn seal(&mut self) {
        self.pending.sort_by_key(|(p, _)| (p.row, p.col));
    }

    /// Write every held cell on or above `row`.
    fn through(&mut self, ws: &mut Worksheet, row: u32) -> Result<(), XlsxError> {
        while let Some((pos, item)) = self.pending.get(self.next) {
            if pos.row > row {
                break;
            }
            match item {
                Pending::Value(v, fmt) => put(ws, *pos, v, fmt)?,
                Pending::Merge {
                    last_col,
                    text,
                    fmt,
                } => {
                    ws.merge_range(pos.row, pos.col, pos.row, *last_col, text, fmt)?;
                }
            }
            self.next += 1;
        }
        Ok(())
    }
}

/// Lay the form into `wb`: one worksheet per sheet of the form, held in memory.
/// `protect` locks everything but the input cells (the blank template and samples).
/// Samples stay in memory whatever their size: shared strings, as Excel saves a form,
/// so what the benchmark and the tests read looks like a unit's file.
pub fn write_form<R: TableRows>(
    wb: &mut Workbook,
    form: &Layout,
    data: Option<&FormData<R>>,
    marks: &Marks,
    protect: bool,
) -> Result<(), XlsxError> {
    lay_out(wb, form, data, marks, protect, usize::MAX)
}

/// [`write_form`], but a sheet whose tables hold more than [`STREAM_ROWS`] rows is
/// streamed in constant-memory mode, through the workbook's temporary folder
/// (`set_tempdir`): a returned workbook costs memory by its findings, not its rows.
pub fn write_form_streamed<R: TableRows>(
    wb: &mut Workbook,
    form: &Layout,
    data: Option<&FormData<R>>,
    marks: &Marks,
    protect: bool,
) -> Result<(), XlsxError> {
    lay_out(wb, form, data, marks, protect, STREAM_ROWS)
}

/// The form, streaming a sheet whose tables hold more than `stream_rows` rows.
fn lay_out<R: TableRows>(
    wb: &mut Workbook,
    form: &Layout,
    data: Option<&FormData<R>>,
    marks: &Marks,
    protect: bool,
    stream_rows: usize,
) -> Result<(), XlsxError> {
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
        for (i, w) in sheet.column_widths.iter().enumerate() {
            ws.set_column_width(i as u16, *w)?;
        }
        // A4, one page wide: units print the form to sign and file it.
        ws.set_paper_size(9);
        ws.set_print_fit_to_pages(1, 0);
        let mut out = RowOrder::default();
        let paint = Paint { marks, protect };
        queue_cells(ws, &mut out, form, si, data, &paint)?;
        for (k, &ti) in on_sheet.iter().enumerate() {
            let d = data.map(|d| &d.tables[ti]);
            let frame = TableFrame {
                total_row: d.map_or(
                    form.tables[ti].first_row + form.tables[ti].template_rows,
                    |d| d.total_row,
                ),
                total: d.and_then(|d| d.total.as_deref()),
                total_label: d.and_then(|d| d.total_label.as_deref()),
            };
            table_frame(ws, &mut out, form, ti, bodies[k], &frame, &paint)?;
        }
        out.seal();
        write_bodies(ws, &mut out, form, &on_sheet, &bodies, &paint)?;
        out.through(ws, u32::MAX)?;
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

/// Queue the form's own cells of a sheet: title, texts, stamp, and each input cell
/// with the label (and number) left of it when the form puts none there.
fn queue_cells<R>(
    ws: &mut Worksheet,
    out: &mut RowOrder,
    form: &Layout,
    si: usize,
    data: Option<&FormData<R>>,
    paint: &Paint<'_>,
) -> Result<(), XlsxError> {
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
        out.text(*pos, text, f);
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
        let v = data.map_or(Out::Blank, |d| d.cells[ci].clone());
        out.put(c.pos, v, paint.format(si, c.pos, base_format(c.ty)));
        if paint.protect {
            ws.add_data_validation(
                c.pos.row,
                c.pos.col,
                c.pos.row,
                c.pos.col,
                &validation(form, c.ty, ci == form.identity.unit_code)?,
            )?;
        }
    }
    Ok(())
}

/// How cells are formatted: marked cells stand out, and with `protect` (the blank
/// template and samples) input cells are unlocked and tinted.
struct Paint<'a> {
    marks: &'a Marks,
    protect: bool,
}

impl Paint<'_> {
    /// The format of the cell at `pos` on sheet `sheet`.
    fn format(&self, sheet: usize, pos: Pos, base: Format) -> Format {
        cell_format(base, self.protect, self.marks.get(sheet, pos))
    }

    /// The format of an unmarked cell.
    fn plain(&self, base: Format) -> Format {
        cell_format(base, self.protect, None)
    }
}

fn cell_format(base: Format, input: bool, mark: Option<&(bool, Vec<String>)>) -> Format {
    match mark {
        Some((true, _)) => style::fault(base),
        Some((false, _)) => style::warn(base),
        None if input => style::input(base),
        None => base,
    }
}

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
    cells.chain(tables).chain(texts).max().unwrap_or(0)
}

fn validation(form: &Layout, ty: FieldType, unit_code: bool) -> Result<DataValidation, XlsxError> {
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
    out.text(Pos::new(t.header_row, t.label_col), &t.label, hdr.clone());
    for c in &t.columns {
        out.text(Pos::new(t.header_row, c.col), &c.label, hdr.clone());
    }
    let total_row = frame.total_row;
    let fmt_at = |pos: Pos, base: Format| paint.format(si, pos, base);
    let label = frame.total_label.unwrap_or(&t.total_label);
    let pos = Pos::new(total_row, t.label_col);
    out.text(pos, label, fmt_at(pos, style::bold()));
    let (first, last) = if rows.is_empty() {
        (t.first_row, t.first_row)
    } else {
        (rows.row(0), rows.row(rows.len() - 1))
    };
    let last = last.max(first);
    for (ci, c) in t.columns.iter().enumerate() {
        let pos = Pos::new(total_row, c.col);
        let v = match frame.total {
            Some(given) => given[ci].clone(),
            None => {
                let sum: f64 = (0..rows.len())
                    .filter_map(|i| match rows.value(i, ci) {
                        Some(OutRef::Number(n)) => Some(n),
                        _ => None,
                    })
                    .sum();
                let col = crate::cellref::column_name(c.col);
                Out::Formula(format!("SUM({col}{}:{col}{})", first + 1, last + 1), sum)
            }
        };
        out.put(pos, v, fmt_at(pos, base_format(c.ty).set_bold()));
    }
    if paint.protect && total_row > t.first_row {
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
        let put_at =
            |ws: &mut Worksheet, col: u16, v: OutRef<'_>, plain: &Format, ty: FieldType| {
                let pos = Pos::new(row, col);
                match paint.marks.get(si, pos) {
                    None => put_cell(ws, pos, v, plain),
                    Some(m) => {
                        let base = if col == t.label_col {
                            style::label()
                        } else {
                            base_format(ty)
                        };
                        put_cell(ws, pos, v, &cell_format(base, paint.protect, Some(m)))
                    }
                }
            };
        if t.label_col > 0 {
            put_cell(
                ws,
                Pos::new(row, 0),
                OutRef::Number((i + 1) as f64),
                &p.number,
            )?;
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
mod tests {
    use super::*;
    use crate::form::Form;
    use crate::spec::TextStyle;
    use calamine::{Data, Reader, Xlsx};
    use std::io::{Cursor, Read};

    /// The default form filled with `n` table rows, a few cells of each type and a
    /// given total; marks on a body figure, a body label, the total and an input cell.
    fn filled(n: u32) -> (Form, FormData, Marks) {
        let mut form = Form::default_form().unwrap();
        // Texts on the table's sheet, given out of row order: one below the total row,
        // one beside the body, one above the header.
        let (sheet, first_row) = (form.tables[0].sheet, form.tables[0].first_row);
        form.layout.sheets[sheet].texts.extend([
            (
                Pos::new(first_row + n + 2, 1),
                "Người lập biểu".to_string(),
                TextStyle::Plain,
            ),
            (
                Pos::new(first_row + 10, 10),
                "Ghi chú bên bảng".to_string(),
                TextStyle::Note,
            ),
            (
                Pos::new(1, 1),
                "Đơn vị: Đảng bộ huyện".to_string(),
                TextStyle::Section,
            ),
        ]);
        let t = &form.tables[0];
        let rows: BuiltRows = (0..n)
            .map(|i| {
                let values = (0..t.columns.len())
                    .map(|c| match (i + c as u32) % 5 {
                        0 => Out::Blank,
                        1 => Out::Text(format!("=SUM({i})")),
                        _ => Out::Number(f64::from(i * 7 + c as u32)),
                    })
                    .collect();
                (t.first_row + i, Out::Text(format!("Chi bộ số {i}")), values)
            })
            .collect();
        let cells = form
            .cells
            .iter()
            .enumerate()
            .map(|(i, c)| match c.ty {
                FieldType::Text => Out::Text(format!("ô {i}")),
                FieldType::Date => Out::Date(NaiveDate::from_ymd_opt(2026, 6, 30).unwrap()),
                _ => Out::Number(i as f64),
            })
            .collect();
        let mut marks = Marks::default();
        let mid = t.first_row + n / 2;
        marks.add(t.sheet, Pos::new(mid, t.columns[1].col), true, "sai".into());
        marks.add(t.sheet, Pos::new(mid, t.label_col), false, "lưu ý".into());
        let total_row = t.first_row + n;
        marks.add(
            t.sheet,
            Pos::new(total_row, t.columns[0].col),
            true,
            "tổng".into(),
        );
        let c = &form.cells[0];
        marks.add(c.sheet, c.pos, true, "ô nhập".into());
        let data = FormData {
            form_id: form.id.clone(),
            form_version: form.version.clone(),
            cells,
            tables: vec![TableOut {
                rows,
                total_row,
                total: None,
                total_label: Some("Cộng".into()),
            }],
        };
        (form, data, marks)
    }

    fn save(form: &Form, data: &FormData, marks: &Marks, stream_rows: usize) -> Vec<u8> {
        let mut wb = Workbook::new();
        lay_out(&mut wb, form, Some(data), marks, false, stream_rows).unwrap();
        wb.save_to_buffer().unwrap()
    }

    fn parts(xlsx: &[u8]) -> BTreeMap<String, String> {
        let mut zip = zip::ZipArchive::new(Cursor::new(xlsx)).unwrap();
        (0..zip.len())
            .map(|i| {
                let mut f = zip.by_index(i).unwrap();
                let mut text = String::new();
                f.read_to_string(&mut text).unwrap();
                (f.name().unwrap().to_string(), text)
            })
            .collect()
    }

    /// The elements between `<{list}` and `</{list}>`, each as text.
    fn elements<'a>(xml: &'a str, list: &str, item: &str) -> Vec<&'a str> {
        let Some((_, rest)) = xml.split_once(&format!("<{list}")) else {
            return Vec::new();
        };
        let body = &rest[..rest.find(&format!("</{list}>")).unwrap()];
        let open = format!("<{item}");
        let mut out = Vec::new();
        let mut at = body.find(&open);
        while let Some(i) = at {
            let tail = &body[i + open.len()..];
            let next = tail.find(&open).map(|j| i + open.len() + j);
            out.push(&body[i..next.unwrap_or(body.len())]);
            at = next;
        }
        out
    }

    fn attr<'a>(element: &'a str, name: &str) -> &'a str {
        let (_, v) = element.split_once(&format!(" {name}=\"")).unwrap();
        &v[..v.find('"').unwrap()]
    }

    /// Each cell style of styles.xml spelt out (number format, font, fill, border and
    /// alignment), as the index a cell refers to depends on when the style was first used.
    fn cell_styles(styles_xml: &str) -> Vec<String> {
        let formats: BTreeMap<&str, &str> = elements(styles_xml, "numFmts", "numFmt")
            .into_iter()
            .map(|f| (attr(f, "numFmtId"), attr(f, "formatCode")))
            .collect();
        let fonts = elements(styles_xml, "fonts", "font");
        let fills = elements(styles_xml, "fills", "fill");
        let borders = elements(styles_xml, "borders", "border");
        let index = |s: &str| s.parse::<usize>().unwrap();
        elements(styles_xml, "cellXfs", "xf")
            .into_iter()
            .map(|xf| {
                let id = attr(xf, "numFmtId");
                let alignment = xf.split_once('>').map_or("", |(_, a)| a);
                format!(
                    "{} {} {} {} {alignment}",
                    formats.get(id).copied().unwrap_or(id),
                    fonts[index(attr(xf, "fontId"))],
                    fills[index(attr(xf, "fillId"))],
                    borders[index(attr(xf, "borderId"))],
                )
            })
            .collect()
    }

    /// (cell, style spelt out) of every cell of a sheet part, in document order.
    fn styles(sheet_xml: &str, cell_styles: &[String]) -> Vec<(String, String)> {
        sheet_xml
            .split("<c r=\"")
            .skip(1)
            .map(|c| {
                let cell = c[..c.find('"').unwrap()].to_string();
                let head = &c[..c.find('>').unwrap()];
                let style = head
                    .split_once(" s=\"")
                    .map_or("0", |(_, s)| &s[..s.find('"').unwrap()]);
                (cell, cell_styles[style.parse::<usize>().unwrap()].clone())
            })
            .collect()
    }

    /// Everything of a sheet part but its cells.
    fn frame(sheet_xml: &str) -> String {
        let (a, rest) = sheet_xml.split_once("<sheetData>").unwrap();
        let (_, b) = rest.split_once("</sheetData>").unwrap();
        format!("{a}{b}")
    }

    /// Row attributes (height) of a sheet part, but `spans`: an optional hint that only
    /// an in-memory sheet knows in time to write.
    fn rows(sheet_xml: &str) -> Vec<String> {
        sheet_xml
            .split("<row ")
            .skip(1)
            .map(|r| {
                let head = &r[..r.find('>').unwrap()];
                match head.split_once(" spans=\"") {
                    Some((a, b)) => format!("{a}{}", &b[b.find('"').unwrap() + 1..]),
                    None => head.to_string(),
                }
            })
            .collect()
    }

    type Sheets = Vec<(String, Vec<(u32, u32, Data)>, Vec<(u32, u32, String)>)>;

    fn read_back(xlsx: &[u8]) -> Sheets {
        let mut wb = Xlsx::new(Cursor::new(xlsx.to_vec())).unwrap();
        wb.sheet_names()
            .into_iter()
            .map(|name| {
                let values = wb.worksheet_range(&name).unwrap();
                let formulas = wb.worksheet_formula(&name).unwrap();
                let (vr, vc) = values.start().unwrap_or((0, 0));
                let (fr, fc) = formulas.start().unwrap_or((0, 0));
                (
                    name,
                    values
                        .used_cells()
                        .map(|(r, c, v)| (vr + r as u32, vc + c as u32, v.clone()))
                        .collect(),
                    formulas
                        .used_cells()
                        .filter(|(_, _, f)| !f.is_empty())
                        .map(|(r, c, f)| (fr + r as u32, fc + c as u32, f.clone()))
                        .collect(),
                )
            })
            .collect()
    }

    #[test]
    fn a_streamed_sheet_holds_what_an_in_memory_one_does() {
        let (form, data, marks) = filled(300);
        let streamed = save(&form, &data, &marks, 0);
        let held = save(&form, &data, &marks, usize::MAX);
        let (s, h) = (parts(&streamed), parts(&held));
        let table_part = format!("xl/worksheets/sheet{}.xml", form.tables[0].sheet + 1);
        // Only the table's sheet was streamed (its strings inline), the others were not.
        for (name, xml) in &s {
            if name.starts_with("xl/worksheets/sheet") {
                assert_eq!(xml.contains("inlineStr"), *name == table_part, "{name}");
            }
        }
        assert!(!h[&table_part].contains("inlineStr"));
        // Cell by cell the same values, formulas (with their cached results) and styles.
        assert_eq!(read_back(&streamed), read_back(&held));
        let (ss, hs) = (
            cell_styles(&s["xl/styles.xml"]),
            cell_styles(&h["xl/styles.xml"]),
        );
        assert_eq!(
            ss.iter().collect::<HashSet<_>>(),
            hs.iter().collect::<HashSet<_>>()
        );
        for (name, xml) in &s {
            let other = &h[name];
            if name.starts_with("xl/worksheets/sheet") {
                assert_eq!(styles(xml, &ss), styles(other, &hs), "{name}");
                assert_eq!(frame(xml), frame(other), "{name}");
                assert_eq!(rows(xml), rows(other), "{name}");
            } else if !["xl/sharedStrings.xml", "xl/styles.xml"].contains(&name.as_str()) {
                // Notes, their drawings, relationships: byte for byte.
                assert_eq!(xml, other, "{name}");
            }
        }
    }

    #[test]
    fn streamed_rows_are_the_rows_given() {
        let (form, data, marks) = filled(300);
        let book = read_back(&save(&form, &data, &marks, 0));
        let t = &form.tables[0];
        let (_, values, formulas) = &book[t.sheet];
        let at = |r: u32, c: u16| {
            values
                .iter()
                .find(|(vr, vc, _)| *vr == r && *vc == u32::from(c))
                .map(|x| x.2.clone())
                .unwrap_or(Data::Empty)
        };
        for (row, label, cells) in &data.tables[0].rows {
            let i = row - t.first_row;
            assert_eq!(at(*row, 0), Data::Float(f64::from(i + 1)), "STT of row {i}");
            let Out::Text(label) = label else { panic!() };
            assert_eq!(at(*row, t.label_col), Data::String(label.clone()));
            for (c, v) in t.columns.iter().zip(cells) {
                let expected = match v {
                    Out::Blank => Data::Empty,
                    Out::Number(n) => Data::Float(*n),
                    // Text that looks like a formula stays text.
                    Out::Text(s) => Data::String(s.clone()),
                    other => panic!("{other:?}"),
                };
                assert_eq!(at(*row, c.col), expected, "row {i} column {}", c.key);
            }
        }
        // The total row sums the body, as a formula with its value cached.
        let total = t.first_row + 300;
        let col = t.columns[2].col;
        let name = crate::cellref::column_name(col);
        let sum: f64 = data.tables[0]
            .rows
            .iter()
            .filter_map(|r| match r.2[2] {
                Out::Number(n) => Some(n),
                _ => None,
            })
            .sum();
        assert_eq!(at(total, col), Data::Float(sum));
        assert!(formulas.iter().any(|(r, c, f)| *r == total
            && *c == u32::from(col)
            && *f == format!("SUM({name}{}:{name}{})", t.first_row + 1, total)));
    }

    #[test]
    fn marks_reach_streamed_body_cells_and_the_total_row() {
        let (form, data, marks) = filled(300);
        let p = parts(&save(&form, &data, &marks, 0));
        let t = &form.tables[0];
        let sheet = &p[&format!("xl/worksheets/sheet{}.xml", t.sheet + 1)];
        let all = cell_styles(&p["xl/styles.xml"]);
        let style_of = |r: u32, c: u16| {
            let cell = Pos::new(r, c).to_string();
            styles(sheet, &all)
                .into_iter()
                .find(|(x, _)| *x == cell)
                .unwrap()
                .1
        };
        let mid = t.first_row + 150;
        let total = t.first_row + 300;
        let fill = |style: String| {
            [style::FAULT_FILL, style::WARN_FILL]
                .into_iter()
                .find(|f| style.contains(&format!("FF{f:06X}")))
        };
        assert_eq!(
            fill(style_of(mid, t.columns[1].col)),
            Some(style::FAULT_FILL)
        );
        assert_eq!(fill(style_of(mid, t.label_col)), Some(style::WARN_FILL));
        assert_eq!(
            fill(style_of(total, t.columns[0].col)),
            Some(style::FAULT_FILL)
        );
        assert_eq!(fill(style_of(mid + 1, t.columns[1].col)), None);
        assert_eq!(fill(style_of(mid + 1, t.label_col)), None);
        assert_eq!(fill(style_of(total, t.columns[2].col)), None);
        let comments: String = p
            .iter()
            .filter(|(n, _)| n.starts_with("xl/comments"))
            .map(|(_, x)| x.as_str())
            .collect();
        for (cell, text) in [
            (Pos::new(mid, t.columns[1].col), "sai"),
            (Pos::new(mid, t.label_col), "lưu ý"),
            (Pos::new(total, t.columns[0].col), "tổng"),
        ] {
            let r = cell.to_string();
            assert!(comments.contains(&format!("ref=\"{r}\"")), "no note at {r}");
            assert!(comments.contains(text));
        }
    }

    #[test]
    fn rows_out_of_order_are_held_in_memory_rather_than_lost() {
        let (form, mut data, marks) = filled(20);
        data.tables[0].rows.swap(3, 4);
        let streamed = save(&form, &data, &marks, 0);
        let p = parts(&streamed);
        let table_part = format!("xl/worksheets/sheet{}.xml", form.tables[0].sheet + 1);
        assert!(!p[&table_part].contains("inlineStr"));
        assert_eq!(
            read_back(&streamed),
            read_back(&save(&form, &data, &marks, usize::MAX))
        );
    }
}
