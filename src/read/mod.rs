//! Workbook bytes to the raw cells the form needs, any format.
//!
//! Only the sheets the form declares are read, and in them only the columns and rows the
//! form can use: a hostile sheet with a value at XFD1048576 or a million rows costs a scan
//! that stops at the form's bound, never a dense allocation.

mod finding;
mod ods_grid;
pub mod sniff;

pub use finding::{file_finding, io_finding};

use crate::cellref::Pos;
use crate::spec::Layout;
use crate::text::fold;
use calamine::{Data, DataRef, Ods, Reader, SheetVisible, Xls, Xlsx};
use chrono::NaiveDate;
use sniff::{Format, Limits, SniffError};
use std::io::Cursor;

/// A cell's content before it is interpreted against the form.
#[derive(Debug, Clone, PartialEq)]
pub enum RawValue {
    Empty,
    Number(f64),
    Text(String),
    Bool(bool),
    Date(NaiveDate),
    /// A date-time the calendar cannot hold (out of Excel's range).
    BadDate(f64),
    /// `#DIV/0!`, `#REF!`...
    Error(String),
    /// A formula whose cached value is missing: its value is unknown, not zero.
    Uncalculated(String),
}

impl RawValue {
    pub fn is_empty(&self) -> bool {
        match self {
            RawValue::Empty => true,
            RawValue::Text(s) => s.trim().is_empty(),
            _ => false,
        }
    }
}

/// One declared sheet as found in the workbook.
#[derive(Debug, Default)]
pub struct SheetCells {
    /// The name as written in the workbook (it may differ in case, spaces or encoding).
    pub actual_name: String,
    pub hidden: bool,
    /// Cells inside the form's bounds, in row-major order, empty cells left out.
    pub cells: Vec<(Pos, RawValue)>,
    /// The sheet had content past the form's last row; the scan stopped there.
    pub truncated: bool,
}

/// What the reader found for each sheet of the form, by the form's sheet index.
#[derive(Debug)]
pub struct WorkbookCells {
    pub format: Format,
    pub sheets: Vec<Result<SheetCells, SheetError>>,
    /// Sheet names in the workbook, for messages about a missing sheet.
    pub sheet_names: Vec<String>,
}

#[derive(Debug, Clone, thiserror::Error)]
pub enum SheetError {
    #[error("sheet not found")]
    Missing,
    #[error("sheet cannot be read: {0}")]
    Broken(String),
}

/// Why a whole file could not be read.
#[derive(Debug, thiserror::Error)]
pub enum ReadError {
    #[error(transparent)]
    Sniff(#[from] SniffError),
    #[error("{format:?} workbook cannot be opened: {detail}")]
    Open { format: Format, detail: String },
}

/// Which part of a sheet the form can use.
#[derive(Debug, Clone)]
struct Window {
    last_row: u32,
    cols: Vec<bool>,
}

impl Window {
    fn wants(&self, pos: Pos) -> bool {
        pos.row <= self.last_row && self.cols.get(pos.col as usize).copied().unwrap_or(false)
    }
}

fn windows(form: &Layout) -> Vec<Window> {
    let mut w: Vec<Window> = form
        .sheets
        .iter()
        .map(|_| Window {
            last_row: 0,
            cols: Vec::new(),
        })
        .collect();
    let mut add = |sheet: usize, pos: Pos| {
        let win = &mut w[sheet];
        win.last_row = win.last_row.max(pos.row);
        let c = pos.col as usize;
        if win.cols.len() <= c {
            win.cols.resize(c + 1, false);
        }
        win.cols[c] = true;
    };
    for c in &form.cells {
        add(c.sheet, c.pos);
    }
    if let Some(s) = &form.stamp {
        add(s.sheet, s.id);
        add(s.sheet, s.version);
    }
    for l in &form.lists {
        let last = l.last_row();
        for col in l.code_col.into_iter().chain([l.label_col]) {
            add(l.sheet, Pos::new(last, col));
        }
        for c in &l.columns {
            add(l.sheet, Pos::new(last, c.col));
        }
    }
    for t in &form.tables {
        let last = t.last_row();
        // Column A too: a total label is often typed, or merged, into the first column.
        add(t.sheet, Pos::new(last, 0));
        add(t.sheet, Pos::new(last, t.label_col));
        for c in &t.columns {
            add(t.sheet, Pos::new(last, c.col));
        }
    }
    w
}

/// Read the cells the form needs from a workbook held in memory.
pub fn read_workbook(
    bytes: &[u8],
    form: &Layout,
    limits: &Limits,
) -> Result<WorkbookCells, ReadError> {
    let format = sniff::sniff(bytes, limits)?;
    let wins = windows(form);
    let open_err = |detail: String| ReadError::Open { format, detail };
    match format {
        Format::Xlsx => {
            let mut wb: Xlsx<_> =
                Xlsx::new(Cursor::new(bytes)).map_err(|e| open_err(e.to_string()))?;
            let meta = wb.sheets_metadata().to_vec();
            let names: Vec<String> = meta.iter().map(|s| s.name.clone()).collect();
            let mut sheets = Vec::with_capacity(form.sheets.len());
            for (i, spec_sheet) in form.sheets.iter().enumerate() {
                let Some(m) = find_sheet(&meta, &spec_sheet.name) else {
                    sheets.push(Err(SheetError::Missing));
                    continue;
                };
                sheets.push(
                    stream_xlsx(&mut wb, &m.name, &wins[i])
                        .map(|(cells, truncated)| SheetCells {
                            actual_name: m.name.clone(),
                            hidden: m.visible != SheetVisible::Visible,
                            cells,
                            truncated,
                        })
                        .map_err(|e| SheetError::Broken(e.to_string())),
                );
            }
            Ok(WorkbookCells {
                format,
                sheets,
                sheet_names: names,
            })
        }
        Format::Xls => {
            let wb: Xls<_> = Xls::new(Cursor::new(bytes)).map_err(|e| open_err(e.to_string()))?;
            Ok(read_in_memory(wb, format, form, &wins))
        }
        Format::Ods => {
            let wb: Ods<_> = Ods::new(Cursor::new(bytes)).map_err(|e| open_err(e.to_string()))?;
            Ok(read_in_memory(wb, format, form, &wins))
        }
    }
}

fn find_sheet<'a>(meta: &'a [calamine::Sheet], name: &str) -> Option<&'a calamine::Sheet> {
    meta.iter().find(|s| s.name == name).or_else(|| {
        let want = fold(name);
        meta.iter().find(|s| fold(&s.name) == want)
    })
}

type Cells = (Vec<(Pos, RawValue)>, bool);

fn stream_xlsx<RS: std::io::Read + std::io::Seek>(
    wb: &mut Xlsx<RS>,
    name: &str,
    win: &Window,
) -> Result<Cells, calamine::XlsxError> {
    let mut reader = wb.worksheet_cells_reader(name)?;
    let mut cells = Vec::new();
    let mut truncated = false;
    while let Some(c) = reader.next_cell_with_formula()? {
        let (row, col) = c.pos;
        if row > win.last_row {
            if !matches!(c.value, DataRef::Empty) || c.formula.is_some() {
                truncated = true;
                break;
            }
            continue;
        }
        let pos = Pos::new(row, col.min(u16::MAX as u32) as u16);
        if !win.wants(pos) {
            continue;
        }
        let v = match (c.value, c.formula) {
            (DataRef::Empty, Some(f)) if !f.is_empty() => RawValue::Uncalculated(capped(f)),
            (v, _) => from_ref(v),
        };
        if !matches!(v, RawValue::Empty) {
            cells.push((pos, v));
        }
    }
    // The XML is row-major in every writer we know, but nothing forces it: sort so the
    // extractor's binary search and row grouping hold for any file.
    if !cells.is_sorted_by_key(|(p, _)| *p) {
        cells.sort_by_key(|(p, _)| *p);
    }
    cells.dedup_by_key(|(p, _)| *p);
    Ok((cells, truncated))
}

fn read_in_memory<RS: std::io::Read + std::io::Seek, R: Reader<RS>>(
    mut wb: R,
    format: Format,
    form: &Layout,
    wins: &[Window],
) -> WorkbookCells
where
    R::Error: std::fmt::Display,
{
    let meta = wb.sheets_metadata().to_vec();
    let names: Vec<String> = meta.iter().map(|s| s.name.clone()).collect();
    let mut sheets = Vec::with_capacity(form.sheets.len());
    for (i, spec_sheet) in form.sheets.iter().enumerate() {
        let Some(m) = find_sheet(&meta, &spec_sheet.name) else {
            sheets.push(Err(SheetError::Missing));
            continue;
        };
        let win = &wins[i];
        let range = match wb.worksheet_range(&m.name) {
            Ok(r) => r,
            Err(e) => {
                sheets.push(Err(SheetError::Broken(e.to_string())));
                continue;
            }
        };
        let formulas = wb.worksheet_formula(&m.name).ok();
        let mut cells = Vec::new();
        let mut truncated = false;
        for (row, col, v) in range.used_cells() {
            let (row, col) = (
                range.start().map_or(0, |s| s.0) + row as u32,
                range.start().map_or(0, |s| s.1) + col as u32,
            );
            if row > win.last_row {
                truncated = true;
                break;
            }
            let pos = Pos::new(row, col.min(u16::MAX as u32) as u16);
            if win.wants(pos) {
                cells.push((pos, from_data(v)));
            }
        }
        // A formula whose cached value is missing reads as empty: name it instead.
        if let Some(f) = formulas {
            for (row, col, text) in f.used_cells() {
                let (row, col) = (
                    f.start().map_or(0, |s| s.0) + row as u32,
                    f.start().map_or(0, |s| s.1) + col as u32,
                );
                let pos = Pos::new(row, col.min(u16::MAX as u32) as u16);
                if win.wants(pos) && !text.is_empty() && !cells.iter().any(|(p, _)| *p == pos) {
                    cells.push((pos, RawValue::Uncalculated(capped(text.clone()))));
                }
            }
            cells.sort_by_key(|(p, _)| *p);
        }
        sheets.push(Ok(SheetCells {
            actual_name: m.name.clone(),
            hidden: m.visible != SheetVisible::Visible,
            cells,
            truncated,
        }));
    }
    WorkbookCells {
        format,
        sheets,
        sheet_names: names,
    }
}

fn date_of(d: &calamine::ExcelDateTime) -> RawValue {
    let serial = d.as_f64();
    if !(0.0..2_958_466.0).contains(&serial) || !d.is_datetime() {
        return RawValue::BadDate(serial);
    }
    let (y, m, day, ..) = d.to_ymd_hms_milli();
    NaiveDate::from_ymd_opt(y as i32, m as u32, day as u32)
        .map_or(RawValue::BadDate(serial), RawValue::Date)
}

fn from_ref(v: DataRef<'_>) -> RawValue {
    match v {
        DataRef::Empty => RawValue::Empty,
        DataRef::Int(i) => RawValue::Number(i as f64),
        DataRef::Float(f) => RawValue::Number(f),
        DataRef::String(s) => text(s),
        DataRef::SharedString(s) => text(s.to_string()),
        DataRef::Bool(b) => RawValue::Bool(b),
        DataRef::DateTime(d) => date_of(&d),
        DataRef::DateTimeIso(s) | DataRef::DurationIso(s) => iso(&s),
        DataRef::Error(e) => RawValue::Error(e.to_string()),
    }
}

fn from_data(v: &Data) -> RawValue {
    match v {
        Data::Empty => RawValue::Empty,
        Data::Int(i) => RawValue::Number(*i as f64),
        Data::Float(f) => RawValue::Number(*f),
        Data::String(s) => text(s.clone()),
        Data::Bool(b) => RawValue::Bool(*b),
        Data::DateTime(d) => date_of(d),
        Data::DateTimeIso(s) | Data::DurationIso(s) => iso(s),
        Data::Error(e) => RawValue::Error(e.to_string()),
    }
}

/// Longest text kept from a cell. No cell of a form needs more, and everything read is
/// echoed into messages and output cells, which Excel caps at 32,767 characters.
pub const MAX_TEXT_CHARS: usize = 1_000;

fn text(s: String) -> RawValue {
    RawValue::Text(capped(s))
}

/// `s` cut to [`MAX_TEXT_CHARS`], marked with an ellipsis when cut.
pub fn capped(mut s: String) -> String {
    // A char is at least one byte: short texts, nearly all of them, need no scan.
    if s.len() <= MAX_TEXT_CHARS {
        return s;
    }
    if let Some((i, _)) = s.char_indices().nth(MAX_TEXT_CHARS) {
        s.truncate(i);
        s.push('…');
    }
    s
}

/// ODS stores dates as ISO text; keep them dates.
fn iso(s: &str) -> RawValue {
    crate::text::date::parse_date_text(s).map_or_else(|_| text(s.to_string()), RawValue::Date)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn texts_and_formulas_are_capped_when_read() {
        let s = capped("1+".repeat(30_000));
        assert_eq!(s.chars().count(), MAX_TEXT_CHARS + 1);
        assert_eq!(capped("=SUM(C4:C9)".into()), "=SUM(C4:C9)");
    }
}
