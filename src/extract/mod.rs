//! Raw cells to typed figures, per the form. Every conversion that needed a guess or
//! failed leaves a finding at the cell; nothing is silently read as zero.

mod derived;
mod list;

pub use list::ListData;

use crate::cellref::Pos;
use crate::finding::{Builtin, Capped, Finding, Shown};
use crate::lang::{Lang, Msg, plain_number};
use crate::read::{RawValue, SheetCells, SheetError, SumRange, WorkbookCells};
use crate::spec::{FieldRef, FieldType, Layout, Table};
use crate::text::{self, date, fold, legacy, number};
use chrono::NaiveDate;

/// A typed figure. `Invalid` means the cell held something that is not a value of its
/// type; a finding says what, and rules skip it rather than treat it as blank or zero.
///
/// 16 bytes: a run holds every figure of every submission until it has consolidated
/// them (750 of them per file on the official form, 50,000 files in a national
/// roll-up), and nearly all are numbers. Texts, rare among figures, are boxed twice so
/// that they cost the enum one pointer, not a `String`'s three words.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    /// Nothing typed (blank is not zero: REQ says so where it matters).
    Blank,
    /// A number, converted from text where it was typed as text (TEXTNUM).
    Number(f64),
    /// Text, NFC-normalised and converted from TCVN3/VNI where it was typed so.
    Text(Box<String>),
    /// A calendar day.
    Date(NaiveDate),
    /// What the cell showed, for the returned workbook.
    Invalid(Box<String>),
}

const _: () = assert!(std::mem::size_of::<Value>() == 16);

impl Value {
    /// Bytes a text holds beyond the value itself: the box, the string and what each
    /// allocation costs the allocator (see [`crate::keep`]).
    pub fn heap_bytes(&self) -> u64 {
        match self {
            Value::Text(s) | Value::Invalid(s) => {
                (s.capacity() + size_of::<String>()) as u64 + 2 * crate::keep::ALLOCATION
            }
            _ => 0,
        }
    }

    /// The number, if it is one.
    pub fn number(&self) -> Option<f64> {
        match self {
            Value::Number(v) => Some(*v),
            _ => None,
        }
    }
    /// The text, if it is one.
    pub fn text(&self) -> Option<&str> {
        match self {
            Value::Text(s) => Some(s.as_str()),
            _ => None,
        }
    }
    /// The day, if it is one.
    pub fn date(&self) -> Option<NaiveDate> {
        match self {
            Value::Date(d) => Some(*d),
            _ => None,
        }
    }
}

/// One row of a table (a grassroots organisation of *Kết nạp*, or the total row).
#[derive(Debug, Clone)]
pub struct Row {
    /// Zero-based row in the unit's sheet, so findings point at the unit's own cell.
    pub row: u32,
    /// The label column's text (the organisation's name), cleaned.
    pub label: String,
    /// One value per column of the table, in the form's order.
    pub values: Vec<Value>,
}

/// A table as the unit filled it: its rows in sheet order and its total row.
#[derive(Debug, Clone, Default)]
pub struct TableData {
    /// The body rows with something in them; blank rows are left out.
    pub rows: Vec<Row>,
    /// The *Tổng cộng* row, `None` when it was not found (a TOTAL finding says so).
    pub total: Option<Row>,
    /// For each column, the rows the total row's formula adds up, when it is a plain
    /// one-column `SUM(E4:E18)`: the SUM rule names the rows such a formula misses.
    pub total_ranges: Vec<Option<SumRange>>,
    /// Set when the rows were let go after checking (see [`TableData::drop_rows`]).
    pub dropped: Option<DroppedRows>,
}

/// What is left of a table's rows once they are let go: enough to consolidate.
#[derive(Debug, Clone)]
pub struct DroppedRows {
    /// How many rows there were.
    pub count: usize,
    /// Each column's sum over them (`None` when a value was not a number).
    pub sums: Vec<Option<f64>>,
}

impl TableData {
    /// Rows read, whether or not they are still held.
    pub fn row_count(&self) -> usize {
        self.dropped.as_ref().map_or(self.rows.len(), |d| d.count)
    }

    /// The unit's figure for a column: the sum of its rows (not the total row, which
    /// may be wrong). `None` when a row holds something that is not a number, or when
    /// the table is absent altogether.
    pub fn column_sum(&self, column: usize) -> Option<f64> {
        if let Some(d) = &self.dropped {
            return d.sums.get(column).copied().flatten();
        }
        let mut sum = 0.0;
        let mut any = false;
        for r in &self.rows {
            match r.values.get(column) {
                Some(Value::Number(n)) => {
                    sum += n;
                    any = true;
                }
                Some(Value::Blank) | None => {}
                Some(_) => return None,
            }
        }
        (any || self.total.is_some()).then_some(sum)
    }

    /// Let the rows go, keeping their count and column sums. A clean submission's rows
    /// are needed again only for the per-organisation detail, so a national roll-up
    /// holds a few numbers per unit instead of every organisation.
    pub fn drop_rows(&mut self, columns: usize) {
        if self.dropped.is_some() {
            return;
        }
        let sums = (0..columns).map(|c| self.column_sum(c)).collect();
        self.dropped = Some(DroppedRows {
            count: self.rows.len(),
            sums,
        });
        self.rows = Vec::new();
    }
}

/// The figures of one submission.
#[derive(Debug, Clone)]
pub struct Report {
    /// The form id the file carries in the form's stamp cell (FORM compares it).
    pub form_id: Option<String>,
    /// The form version the file carries beside it.
    pub form_version: Option<String>,
    /// By the form's cell index.
    pub cells: Vec<Value>,
    /// By the form's table index.
    pub tables: Vec<TableData>,
    /// By the form's list index.
    pub lists: Vec<ListData>,
    /// By the form's derived-figure index.
    pub derived: Vec<Value>,
    /// The name each form sheet has in the unit's file (for findings), or the form's.
    pub sheet_names: Vec<String>,
    /// Sheets that were missing or unreadable: their figures are absent, not blank.
    pub sheet_missing: Vec<bool>,
    /// The unit-code cell holds the form's lookup of the name, never calculated by the
    /// program that saved the file ([`RawValue::UncalculatedText`]): the code reads
    /// blank, and the name gives it, with nothing for the unit to fix.
    pub code_uncalculated: bool,
}

impl Report {
    /// The name the form's sheet `i` has in the unit's file.
    pub fn sheet(&self, i: usize) -> &str {
        &self.sheet_names[i]
    }

    /// Whether some table's rows were let go after checking (the detail is not kept).
    pub fn rows_dropped(&self) -> bool {
        self.tables.iter().any(|t| t.dropped.is_some())
    }

    /// The unit's figure for a field, as the province adds it up: a cell, the sum of a
    /// table column's rows (not its total row, which may be wrong), a list's figure, a
    /// derived figure. `None` when blank, unreadable or absent.
    pub fn figure(&self, f: FieldRef) -> Option<f64> {
        self.figure_with(f, &self.derived)
    }

    /// [`Report::figure`], with derived figures taken from `derived` (while they are
    /// being computed).
    fn figure_with(&self, f: FieldRef, derived: &[Value]) -> Option<f64> {
        match f {
            FieldRef::Cell(i) => self.cells[i].number(),
            FieldRef::Column { table, column } => self.tables[table].column_sum(column),
            FieldRef::Item { list, row, column } => {
                self.lists.get(list)?.value(row, column)?.number()
            }
            FieldRef::Derived(i) => derived.get(i)?.number(),
        }
    }
}

/// Interpret a workbook's cells against the form.
pub fn extract(form: &Layout, wb: &WorkbookCells) -> (Report, Vec<Finding>) {
    let mut findings = Capped::default();
    let mut sheet_names = Vec::with_capacity(form.sheets.len());
    let mut sheet_missing = Vec::with_capacity(form.sheets.len());
    let empty = SheetCells::default();
    let mut sheets: Vec<&SheetCells> = Vec::with_capacity(form.sheets.len());
    for (i, s) in form.sheets.iter().enumerate() {
        match &wb.sheets[i] {
            Ok(c) => {
                sheet_names.push(c.actual_name.clone());
                sheet_missing.push(false);
                sheets.push(c);
            }
            Err(e) => {
                sheet_names.push(s.name.clone());
                sheet_missing.push(true);
                sheets.push(&empty);
                // The reader's own words (English) are the technical detail, in `found`:
                // the message itself is all in the chosen language.
                let (vi, en, detail) = match e {
                    SheetError::Missing => (
                        format!(
                            "Thiếu sheet \"{}\" (tệp có các sheet: {}). Hãy dùng đúng biểu mẫu, không đổi tên hoặc xóa sheet.",
                            s.name,
                            sheet_list(&wb.sheet_names)
                        ),
                        format!(
                            "Sheet \"{}\" is missing (the file has: {}). Use the form as sent; do not rename or delete sheets.",
                            s.name,
                            sheet_list(&wb.sheet_names)
                        ),
                        None,
                    ),
                    SheetError::Broken(d) => (
                        format!(
                            "Sheet \"{}\" bị hỏng, không đọc được. Hãy mở tệp, kiểm tra sheet này và lưu lại.",
                            s.name
                        ),
                        format!(
                            "Sheet \"{}\" is damaged and cannot be read. Open the file, check this sheet and save it again.",
                            s.name
                        ),
                        Some(d.clone()),
                    ),
                };
                let finding = Finding::error(Builtin::Sheet, Msg::new(vi, en)).at(i, None);
                findings.push(match detail {
                    Some(d) => finding.found(d),
                    None => finding,
                });
            }
        }
    }

    let mut ctx = Ctx {
        findings: &mut findings,
    };
    let (form_id, form_version) = match form.stamp {
        Some(st) if !sheet_missing[st.sheet] => {
            let get = |p: Pos| match lookup(sheets[st.sheet], p) {
                Some(RawValue::Text(s)) => Some(s.trim().to_string()),
                Some(RawValue::Number(n)) => Some(plain_number(*n)),
                _ => None,
            };
            (get(st.id), get(st.version))
        }
        _ => (None, None),
    };
    if let Some(st) = form.stamp
        && !sheet_missing[st.sheet]
    {
        if form_id.as_deref() != Some(form.id.as_str()) {
            ctx.findings.push(
                Finding::error(
                    Builtin::Form,
                    Msg::new(
                        format!("Tệp không phải biểu mẫu \"{}\". Hãy nhập số liệu vào biểu mẫu do Ban Tổ chức gửi.", form.title),
                        format!("The file is not the form \"{}\". Enter the figures in the form sent by the Organisation Board.", form.title_en),
                    ),
                )
                .at(st.sheet, Some(st.id))
                .found(form_id.clone().unwrap_or_default())
                .expected(form.id.clone()),
            );
        } else if form_version.as_deref() != Some(form.version.as_str()) {
            ctx.findings.push(
                Finding::error(
                    Builtin::Form,
                    Msg::new(
                        format!("Biểu mẫu \"{}\" phiên bản {} đã cũ hoặc khác; phiên bản đang dùng là {}. Hãy nhập số liệu vào biểu mẫu mới do Ban Tổ chức gửi.", form.title, form_version.clone().unwrap_or_default(), form.version),
                        format!("Version {} of the form \"{}\" is old or different; the current version is {}. Enter the figures in the new form sent by the Organisation Board.", form_version.clone().unwrap_or_default(), form.title_en, form.version),
                    ),
                )
                .at(st.sheet, Some(st.version))
                .found(form_version.clone().unwrap_or_default())
                .expected(form.version.clone()),
            );
        }
    }

    let mut cells = Vec::with_capacity(form.cells.len());
    let mut code_uncalculated = false;
    for (ci, c) in form.cells.iter().enumerate() {
        if sheet_missing[c.sheet] {
            cells.push(Value::Invalid(Box::default()));
            continue;
        }
        let raw = lookup(sheets[c.sheet], c.pos);
        code_uncalculated |=
            ci == form.identity.unit_code && matches!(raw, Some(RawValue::UncalculatedText));
        cells.push(ctx.convert(raw, c.ty, c.sheet, c.pos, &c.label, &c.label_en, c.required));
    }

    let mut tables = Vec::with_capacity(form.tables.len());
    for t in &form.tables {
        if sheet_missing[t.sheet] {
            tables.push(TableData::default());
            continue;
        }
        tables.push(ctx.table(t, sheets[t.sheet], t.sheet));
    }

    let mut lists = Vec::with_capacity(form.lists.len());
    for l in &form.lists {
        if sheet_missing[l.sheet] {
            lists.push(ListData::default());
            continue;
        }
        lists.push(ctx.list(l, sheets[l.sheet], l.sheet));
    }

    let findings = findings.finish(&sheet_names);
    let mut report = Report {
        form_id,
        form_version,
        cells,
        tables,
        lists,
        derived: Vec::new(),
        sheet_names,
        sheet_missing,
        code_uncalculated,
    };
    report.derived = derived::compute(form, &report);
    (report, findings)
}

/// A table's total label, folded, and a cheap test that rules out nearly every other
/// label (organisation names) before folding it.
struct TotalLabel {
    folded: String,
    /// The base letter of the folded label's first character.
    first: Option<char>,
}

/// A character's base letter: the first of its canonical decomposition, when that is a
/// starter (`ộ` → `o`, `đ` → `đ`).
fn base_letter(c: char) -> Option<char> {
    use unicode_normalization::{UnicodeNormalization, char::canonical_combining_class};
    let b = std::iter::once(c).nfd().next()?;
    (canonical_combining_class(b) == 0).then_some(b)
}

impl TotalLabel {
    fn new(label: &str) -> Self {
        let folded = fold(label);
        let first = folded.chars().next().and_then(base_letter);
        TotalLabel { folded, first }
    }

    /// Whether `clean` (a text through [`text::clean`]) folds to the total label, with
    /// trailing `:`, `.` or spaces allowed.
    ///
    /// The shortcut: folding lower-cases the first character and may compose it with the
    /// marks after it, but the result still decomposes to the same base letter. A text
    /// whose first character has another base letter cannot match.
    fn matches(&self, clean: &str) -> bool {
        if let (Some(want), Some(c)) = (self.first, clean.chars().next()) {
            let mut lower = c.to_lowercase();
            if let (Some(l), None) = (lower.next(), lower.next())
                && !l.is_whitespace()
                && base_letter(l).is_some_and(|b| b != want)
            {
                return false;
            }
        }
        text::fold_clean(clean).trim_end_matches([':', '.', ' ']) == self.folded
    }
}

/// Cells are in row-major order, which is `Pos` order.
fn lookup(sheet: &SheetCells, pos: Pos) -> Option<&RawValue> {
    sheet
        .cells
        .binary_search_by(|(p, _)| p.cmp(&pos))
        .ok()
        .map(|i| &sheet.cells[i].1)
}

struct Ctx<'a> {
    findings: &'a mut Capped,
}

/// The label of a table row, and whether it is the total row: each text left of the
/// figures is cleaned once; it is the label, or a total label typed (or merged) into an
/// earlier column.
fn row_label(t: &Table, total_label: &TotalLabel, cells: &[(Pos, RawValue)]) -> (bool, String) {
    let mut total = false;
    let mut label = String::new();
    for (p, v) in cells.iter().take_while(|(p, _)| p.col <= t.label_col) {
        match v {
            RawValue::Text(s) => {
                let clean = text::clean(s);
                total |= total_label.matches(&clean);
                if p.col == t.label_col {
                    label = clean;
                }
            }
            RawValue::Number(n) if p.col == t.label_col => label = plain_number(*n),
            _ => {}
        }
    }
    (total, label)
}

/// Each row's (row, is the total row, label) up to the total row, and the table's last
/// row: its total row, or without one its last named row (`None`: no row at all).
/// `cells` start at the table's first row, sorted by row. The labels are kept for the
/// rows' reading: cleaning each label once, not twice, was a tenth of the extraction of
/// a table of 20,000 rows.
fn table_end(
    t: &Table,
    total_label: &TotalLabel,
    cells: &[(Pos, RawValue)],
) -> (Vec<(u32, bool, String)>, Option<u32>) {
    let mut labels = Vec::new();
    let mut last_named = None;
    for row_cells in cells.chunk_by(|a, b| a.0.row == b.0.row) {
        let (total, label) = row_label(t, total_label, row_cells);
        let row = row_cells[0].0.row;
        let named = !label.is_empty();
        labels.push((row, total, label));
        if total {
            return (labels, Some(row));
        }
        if named {
            last_named = Some(row);
        }
    }
    (labels, last_named)
}

/// "tên tổ chức cơ sở đảng" from the label column's heading, which may or may not
/// start with "Tên" already.
fn named(label: &str) -> String {
    let l = label.to_lowercase();
    if l.starts_with("tên ") {
        l
    } else {
        format!("tên {l}")
    }
}

impl Ctx<'_> {
    fn table(&mut self, t: &Table, cells_of: &SheetCells, sheet: usize) -> TableData {
        let total_label = TotalLabel::new(&t.total_label);
        let start = cells_of.cells.partition_point(|(p, _)| p.row < t.first_row);
        // Without its total row the table has no end, and what follows it on the sheet
        // (the signatures, a note) would be read as rows, each with its findings: the
        // table then ends at its last named row, and the missing total is one finding.
        let (mut labels, end) = table_end(t, &total_label, &cells_of.cells[start..]);
        let mut labelled = labels.iter_mut();
        let mut data = TableData::default();
        let mut i = start;
        while i < cells_of.cells.len() {
            let row = cells_of.cells[i].0.row;
            if end.is_none_or(|e| row > e) {
                break;
            }
            let mut j = i;
            while j < cells_of.cells.len() && cells_of.cells[j].0.row == row {
                j += 1;
            }
            let cells = &cells_of.cells[i..j];
            i = j;
            if cells.iter().all(|(_, v)| v.is_empty()) {
                continue;
            }
            let get = |col: u16| cells.iter().find(|(p, _)| p.col == col).map(|(_, v)| v);
            // The rows read are some of those labelled, in the same order.
            let (total, label) = labelled.find(|(r, _, _)| *r == row).map_or_else(
                || row_label(t, &total_label, cells),
                |(_, total, label)| (*total, std::mem::take(label)),
            );
            let values: Vec<Value> = t
                .columns
                .iter()
                .map(|c| {
                    // Every column of a used row is required (the `required` rule's default).
                    self.convert(
                        get(c.col),
                        c.ty,
                        sheet,
                        Pos::new(row, c.col),
                        &c.label,
                        &c.label_en,
                        true,
                    )
                })
                .collect();
            let r = Row { row, label, values };
            if total {
                data.total_ranges = t
                    .columns
                    .iter()
                    .map(|c| {
                        let pos = Pos::new(row, c.col);
                        cells_of
                            .sums
                            .binary_search_by(|(p, _)| p.cmp(&pos))
                            .ok()
                            .map(|i| cells_of.sums[i].1)
                    })
                    .collect();
                data.total = Some(r);
                break;
            }
            if r.label.is_empty() && r.values.iter().all(|v| *v == Value::Blank) {
                continue; // only a row number (STT) typed: an unused template row
            }
            if r.label.is_empty() {
                self.findings.push(
                    Finding::error(
                        Builtin::Name,
                        Msg::new(
                            format!(
                                "Dòng {} có số liệu nhưng chưa ghi {}.",
                                row + 1,
                                named(&t.label)
                            ),
                            format!(
                                "Row {} has figures but no {}.",
                                row + 1,
                                t.label_en.to_lowercase()
                            ),
                        ),
                    )
                    .at(sheet, Some(Pos::new(row, t.label_col))),
                );
            }
            data.rows.push(r);
        }
        if data.total.is_none() {
            let sheet_name = &cells_of.actual_name;
            self.findings.push(
                Finding::error(
                    Builtin::Total,
                    Msg::new(
                        format!("Không tìm thấy dòng \"{}\" ở cuối bảng của sheet \"{}\" (đã tìm {} dòng, từ dòng {}). Không được xóa hay đổi tên dòng này; nếu đã xóa, hãy chép lại bảng từ biểu mẫu gốc.", t.total_label, sheet_name, Lang::Vi.number(t.max_rows as f64), t.first_row + 1),
                        format!("The \"{}\" row at the end of the table on sheet \"{}\" is missing (searched {} rows from row {}). Do not delete or rename it; if it was deleted, copy the table again from the blank form.", t.total_label, sheet_name, Lang::En.number(t.max_rows as f64), t.first_row + 1),
                    ),
                )
                .at(sheet, None)
                .expected(t.total_label.clone()),
            );
        }
        data
    }

    /// One cell to a typed value, with a finding for anything that is not plainly right.
    /// `required`: the form wants the cell filled in (a blank is a REQ error), so a text
    /// in it asks for a 0 rather than a blank when there is nothing to count.
    #[allow(clippy::too_many_arguments)]
    fn convert(
        &mut self,
        raw: Option<&RawValue>,
        ty: FieldType,
        sheet: usize,
        pos: Pos,
        label: &str,
        label_en: &str,
        required: bool,
    ) -> Value {
        let Some(raw) = raw else { return Value::Blank };
        let at = |f: Finding| f.at(sheet, Some(pos));
        match (raw, ty) {
            (RawValue::Empty | RawValue::UncalculatedText, _) => Value::Blank,
            (RawValue::Text(s), _) if s.trim().is_empty() => Value::Blank,
            (RawValue::Uncalculated(f), _) => {
                self.findings.push(at(Finding::error(
                    Builtin::Formula,
                    Msg::new(
                        format!("Ô \"{label}\" có công thức ={f} nhưng chưa có giá trị tính toán. Hãy mở tệp, tính lại (Excel: F9, hoặc Ctrl+Alt+F9 để tính lại tất cả; LibreOffice: Ctrl+Shift+F9) rồi lưu."),
                        format!("\"{label_en}\" holds the formula ={f} without a calculated value. Open the file, recalculate (Excel: F9, or Ctrl+Alt+F9 to recalculate everything; LibreOffice: Ctrl+Shift+F9) and save."),
                    ),
                ))
                .found(format!("={f}")));
                Value::Invalid(Box::new(format!("={f}")))
            }
            (RawValue::Error(e), _) => {
                self.findings.push(at(Finding::error(
                    Builtin::CellErr,
                    Msg::new(
                        format!("Ô \"{label}\" báo lỗi {e}. Hãy sửa công thức hoặc nhập số."),
                        format!("\"{label_en}\" shows the error {e}. Fix the formula or type the number."),
                    ),
                ))
                .found(e.clone()));
                Value::Invalid(Box::new(e.clone()))
            }
            (RawValue::Number(n), t) if t.is_numeric() => {
                if number::within_bound(*n) {
                    Value::Number(*n)
                } else if n.is_finite() {
                    // 1e308 is a number, but no form's: two of them summed overflowed to
                    // infinity and the provincial total was written as 0.
                    self.too_large(at, label, label_en, &format!("{n:e}"))
                } else {
                    // NaN or an overflowing literal in the XML: not a figure, and never
                    // allowed to drop silently out of a sum.
                    self.bad_type(
                        at,
                        label,
                        label_en,
                        &raw_text(raw),
                        "số hữu hạn",
                        "a finite number",
                    )
                }
            }
            (RawValue::Text(s), t) if t.is_numeric() => {
                let kind = match t {
                    FieldType::Count => number::NumberKind::Count,
                    FieldType::Percent => number::NumberKind::Percent,
                    _ => number::NumberKind::Decimal,
                };
                match number::parse_number_text(s, kind) {
                    Ok(p) => {
                        self.findings.push(at(Finding::warning(
                            Builtin::TextNum,
                            Msg::new(
                                format!("Ô \"{label}\" nhập số dạng chữ \"{}\", đã hiểu là {}. Hãy nhập lại dạng số.", s.trim(), Lang::Vi.number(p.value)),
                                format!("\"{label_en}\" holds the text \"{}\", read as {}. Type it as a number.", s.trim(), Lang::En.number(p.value)),
                            ),
                        ))
                        .found(s.trim().to_string())
                        .expected(Shown::Number(p.value)));
                        Value::Number(p.value)
                    }
                    Err(number::NumberTextError::Ambiguous { a, b }) => {
                        self.findings.push(at(Finding::error(
                            Builtin::Ambiguous,
                            Msg::new(
                                format!("Ô \"{label}\" ghi \"{}\": không rõ là {} hay {}. Hãy nhập lại dạng số.", s.trim(), Lang::Vi.number(a), Lang::Vi.number(b)),
                                format!("\"{label_en}\" holds \"{}\": it could be {} or {}. Type it as a number.", s.trim(), Lang::En.number(a), Lang::En.number(b)),
                            ),
                        ))
                        .found(s.trim().to_string()));
                        Value::Invalid(Box::new(s.trim().to_string()))
                    }
                    Err(number::NumberTextError::TooLarge) => {
                        self.too_large(at, label, label_en, s.trim())
                    }
                    Err(_) => {
                        self.findings.push(at(Finding::error(
                            Builtin::Type,
                            Msg::new(
                                format!("Ô \"{label}\" phải ghi số nhưng đang ghi \"{}\". Hãy nhập số; {}.", s.trim(), if required { "nếu không có thì ghi 0, không ghi chữ" } else { "nếu không có thì ghi 0 hoặc để trống; không ghi chữ" }),
                                format!("\"{label_en}\" must be a number but holds \"{}\". Type a number, {}.", s.trim(), if required { "0 if there is none; no words" } else { "or leave it blank if there is none; no words" }),
                            ),
                        ))
                        .found(s.trim().to_string()));
                        Value::Invalid(Box::new(s.trim().to_string()))
                    }
                }
            }
            (RawValue::Text(s), FieldType::Text) => {
                if let Some(enc) = legacy::detect(s) {
                    let fixed = text::clean(s);
                    self.findings.push(at(Finding::warning(
                        Builtin::Encoding,
                        Msg::new(
                            format!("Ô \"{label}\" được gõ bằng bảng mã {}: \"{}\", đã đọc là \"{fixed}\". Hãy gõ lại bằng bảng mã Unicode.", enc.name(), s.trim()),
                            format!("\"{label_en}\" is typed in {} (\"{}\"), read as \"{fixed}\". Retype it in Unicode.", enc.name(), s.trim()),
                        ),
                    ))
                    .found(s.trim().to_string())
                    .expected(fixed.clone()));
                    Value::Text(Box::new(fixed))
                } else {
                    Value::Text(Box::new(text::clean(s)))
                }
            }
            (RawValue::Number(n), FieldType::Text) => Value::Text(Box::new(plain_number(*n))),
            (raw, FieldType::Date) => match date_of(raw) {
                Some(d) => Value::Date(d),
                None => self.bad_type(
                    at,
                    label,
                    label_en,
                    &raw_text(raw),
                    "ngày (dd/mm/yyyy)",
                    "a date (dd/mm/yyyy)",
                ),
            },
            (_, FieldType::Text) => {
                self.bad_type(at, label, label_en, &raw_text(raw), "chữ", "text")
            }
            (_, _) => self.bad_type(at, label, label_en, &raw_text(raw), "số", "a number"),
        }
    }

    /// A number beyond [`number::MAX_FIGURE`]: a TYPE error at its cell, so it is never
    /// summed into a total it would overflow.
    fn too_large(
        &mut self,
        at: impl Fn(Finding) -> Finding,
        label: &str,
        label_en: &str,
        shown: &str,
    ) -> Value {
        let max = (
            Lang::Vi.number(number::MAX_FIGURE),
            Lang::En.number(number::MAX_FIGURE),
        );
        self.findings.push(
            at(Finding::error(
                Builtin::Type,
                Msg::new(
                    format!("Ô \"{label}\" ghi số \"{shown}\", lớn hơn mọi số liệu một biểu mẫu có thể có (tối đa {}). Hãy kiểm tra và nhập lại số đúng.", max.0),
                    format!("\"{label_en}\" holds the number \"{shown}\", larger than any figure a form can hold (at most {}). Check it and type the right number.", max.1),
                ),
            ))
            .found(shown.to_string())
            .expected(Shown::AtMost(number::MAX_FIGURE)),
        );
        Value::Invalid(Box::new(shown.to_string()))
    }

    fn bad_type(
        &mut self,
        at: impl Fn(Finding) -> Finding,
        label: &str,
        label_en: &str,
        shown: &str,
        want_vi: &str,
        want_en: &str,
    ) -> Value {
        self.findings.push(
            at(Finding::error(
                Builtin::Type,
                Msg::new(
                    format!("Ô \"{label}\" phải là {want_vi} nhưng ghi \"{shown}\"."),
                    format!("\"{label_en}\" must be {want_en} but holds \"{shown}\"."),
                ),
            ))
            .found(shown.to_string()),
        );
        Value::Invalid(Box::new(shown.to_string()))
    }
}

fn raw_text(v: &RawValue) -> String {
    match v {
        RawValue::Empty | RawValue::UncalculatedText => String::new(),
        RawValue::Number(n) => plain_number(*n),
        RawValue::Text(s) => s.trim().to_string(),
        RawValue::Bool(b) => if *b { "TRUE" } else { "FALSE" }.into(),
        RawValue::Date(d) => date::format_date(*d),
        RawValue::BadDate(n) => plain_number(*n),
        RawValue::Error(e) => e.clone(),
        RawValue::Uncalculated(f) => format!("={f}"),
    }
}

/// The file's sheet names for a message: a hostile file may have thousands.
fn sheet_list(names: &[String]) -> String {
    let shown: Vec<&str> = names.iter().take(20).map(String::as_str).collect();
    let more = if names.len() > 20 {
        format!(", … (+{})", names.len() - 20)
    } else {
        String::new()
    };
    crate::read::capped(format!("{}{more}", shown.join(", ")))
}

/// A date cell as Excel stores it, as `dd/mm/yyyy` text, or as a bare serial number.
fn date_of(raw: &RawValue) -> Option<NaiveDate> {
    match raw {
        RawValue::Date(d) => Some(*d),
        RawValue::Text(s) => date::parse_date_text(s).ok(),
        RawValue::Number(n) if *n >= 1.0 => date::from_excel_serial(*n, false).ok(),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn total_label_matches_however_typed_and_rejects_names_cheaply() {
        let t = TotalLabel::new("Tổng cộng");
        let nfd: String = unicode_normalization::UnicodeNormalization::nfd("TỔNG  CỘNG:").collect();
        for s in [
            "Tổng cộng",
            "TỔNG CỘNG.",
            "Tæng céng",
            nfd.as_str(),
            "tổng cộng :",
        ] {
            assert!(t.matches(&text::clean(s)), "{s}");
        }
        for s in [
            "Chi bộ thôn Na Son",
            "Tổng số",
            "Đảng bộ xã",
            "1",
            "Tổng cộng thêm",
        ] {
            assert!(!t.matches(&text::clean(s)), "{s}");
        }
        assert_eq!(t.first, Some('t'));
        let d = TotalLabel::new("Ổn định");
        assert_eq!(d.first, Some('o'));
        assert!(d.matches(&text::clean("ỔN ĐỊNH")));
        assert!(d.matches(&text::clean("O\u{302}\u{309}n định")));
        assert!(!d.matches(&text::clean("Ông")));
    }
}
