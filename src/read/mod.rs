//! Workbook bytes to the raw cells the form needs, any format.
//!
//! Only the sheets the form declares are read, and in them only the columns and rows the
//! form can use: a hostile sheet with a value at XFD1048576 or a million rows costs a scan
//! that stops at the form's bound, never a dense allocation.
//!
//! [`sniff`] decides the format from the bytes and refuses what calamine could not
//! survive; then each format's cells, streamed (xlsx) or from calamine's ranges (`.xls`,
//! `.ods`), go through one pass (`cells.rs`) that applies the form's window and the rules
//! for truncation and uncalculated formulas the same way for all three.

pub mod budget;
mod cells;
mod finding;
mod ods_grid;
pub mod sniff;
mod xlsx;

pub use finding::{file_finding, io_finding};

use crate::cellref::Pos;
use crate::spec::Layout;
use crate::text::fold;
use calamine::{Ods, Reader, SheetVisible, Xls, XlsOptions, Xlsx};
pub use cells::SumRange;
use cells::{Cell, Cells, Window, range_cells, window_cells, windows};
use chrono::NaiveDate;
use sniff::{Format, Limits, SniffError};
use std::io::{Cursor, Read, Seek};

/// A cell's content before it is interpreted against the form.
#[derive(Debug, Clone, PartialEq)]
pub enum RawValue {
    /// Nothing there; kept apart from `Text("")` and `Number(0.0)`, which a unit typed.
    Empty,
    /// Every numeric cell as `f64`: xlsx gives floats only, `.xls` and `.ods` sometimes
    /// integers, and the rules must not see the difference.
    Number(f64),
    /// Text as typed, capped at [`MAX_TEXT_CHARS`].
    Text(String),
    /// A TRUE/FALSE cell, which no input cell of a form expects: kept to be named.
    Bool(bool),
    /// A date, whether the workbook stored a serial with a date format or ISO text (ODS).
    Date(NaiveDate),
    /// A date-time the calendar cannot hold (out of Excel's range).
    BadDate(f64),
    /// `#DIV/0!`, `#REF!`...
    Error(String),
    /// A formula whose cached value is missing: its value is unknown, not zero.
    Uncalculated(String),
}

impl RawValue {
    /// Blank as a clerk sees it: an empty cell, or one holding only spaces, counts as not
    /// filled in.
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
    /// Hidden or very hidden in the workbook; its figures count all the same.
    pub hidden: bool,
    /// Cells inside the form's bounds, in row-major order, empty cells left out.
    pub cells: Vec<(Pos, RawValue)>,
    /// The sheet had content past the form's last row; the scan stopped there.
    pub truncated: bool,
    /// The rows each one-column `SUM` formula adds up, in `Pos` order: what a total
    /// row's formula covers.
    pub sums: Vec<(Pos, SumRange)>,
}

/// What the reader found for each sheet of the form, by the form's sheet index.
#[derive(Debug)]
pub struct WorkbookCells {
    /// The format found in the bytes, whatever the file name says.
    pub format: Format,
    /// One entry per sheet of the form, in the form's order: one broken or missing sheet
    /// leaves the others readable.
    pub sheets: Vec<Result<SheetCells, SheetError>>,
    /// Sheet names in the workbook, for messages about a missing sheet.
    pub sheet_names: Vec<String>,
}

/// Which sheets to read, and which part of each.
#[derive(Debug, Clone, Copy)]
pub enum Want<'a> {
    /// The form's sheets, each through its window: what every command reads.
    Form(&'a Layout),
    /// Every sheet of the workbook, rows `0..=last_row` and columns `0..cols`: for the
    /// differential tests, which compare the two xlsx readers on cells no form looks at.
    Every {
        /// Last row read, zero-based.
        last_row: u32,
        /// Columns read.
        cols: u16,
    },
}

/// Why one declared sheet has no cells, kept to that sheet.
#[derive(Debug, Clone, thiserror::Error)]
pub enum SheetError {
    /// No sheet of the workbook has the declared name, even folded (case, spaces, accents).
    #[error("sheet not found")]
    Missing,
    /// calamine could not read it (some newer error values make a whole sheet fail): the
    /// message is calamine's.
    #[error("sheet cannot be read: {0}")]
    Broken(String),
}

/// Why a whole file could not be read.
#[derive(Debug, thiserror::Error)]
pub enum ReadError {
    /// Refused from its bytes, before calamine saw it.
    #[error(transparent)]
    Sniff(#[from] SniffError),
    /// Passed the sniffer, then calamine failed to open it: a damage the sniffer does not
    /// look for. `detail` is calamine's message.
    #[error("{format:?} workbook cannot be opened: {detail}")]
    Open {
        /// The format the sniffer found, which chose calamine's reader.
        format: Format,
        /// Calamine's own message.
        detail: String,
    },
    /// Reading it would cost more memory than reading may hold of the run's budget
    /// (half of `--max-memory-mib`); refused before calamine opened it.
    #[error(transparent)]
    OverBudget(#[from] budget::OverBudget),
}

/// Read the cells the form needs from a workbook held in memory.
pub fn read_workbook(
    bytes: &[u8],
    form: &Layout,
    limits: &Limits,
) -> Result<WorkbookCells, ReadError> {
    let budget = budget::shared(limits.max_memory_bytes);
    let mut held = budget.reserve(bytes.len() as u64)?;
    read_workbook_within(bytes, form, limits, &mut held)
}

/// [`read_workbook`] for a caller that already holds the file's bytes from the run's
/// budget in `held`: it grows to the bytes plus what calamine will hold, before calamine
/// opens anything.
pub fn read_workbook_within(
    bytes: &[u8],
    form: &Layout,
    limits: &Limits,
    held: &mut budget::Reservation,
) -> Result<WorkbookCells, ReadError> {
    let sniffed = sniff::inspect(bytes, limits)?;
    if sniffed.format == Format::Xlsx && !calamine_for_xlsx() {
        held.grow_to((bytes.len() as u64).saturating_add(sniffed.cost))?;
        return xlsx::read(bytes, Want::Form(form));
    }
    read_with_calamine(bytes, Want::Form(form), limits, held, sniffed)
}

/// Whether xlsx files are read by calamine instead of tonghop's own reader: set by
/// `TONGHOP_XLSX_READER=calamine`, a hook for the differential tests and the benchmark,
/// which run the whole job both ways and compare what it found.
fn calamine_for_xlsx() -> bool {
    static FORCED: std::sync::OnceLock<bool> = std::sync::OnceLock::new();
    *FORCED.get_or_init(|| std::env::var_os("TONGHOP_XLSX_READER").is_some_and(|v| v == "calamine"))
}

/// The cells `want` asks for, read by tonghop's xlsx reader or (`calamine`) as calamine
/// reads them, for the differential tests (`tests/differential.rs`): calamine is the
/// oracle of the streaming reader. Formats other than xlsx are calamine's either way.
#[doc(hidden)]
pub fn read_cells(
    bytes: &[u8],
    want: Want<'_>,
    limits: &Limits,
    calamine: bool,
) -> Result<WorkbookCells, ReadError> {
    let budget = budget::shared(limits.max_memory_bytes);
    let mut held = budget.reserve(bytes.len() as u64)?;
    let sniffed = sniff::inspect(bytes, limits)?;
    if sniffed.format == Format::Xlsx && !calamine {
        return xlsx::read(bytes, want);
    }
    read_with_calamine(bytes, want, limits, &mut held, sniffed)
}

/// What a reading of [`read_cells`] found, as one text two readings are compared by:
/// the format, the sheet names, and each sheet's cells, flags and sums; a sheet that
/// could not be read counts as "broken" whatever the message (the readers word it apart).
#[doc(hidden)]
pub fn comparable(r: &Result<WorkbookCells, ReadError>) -> String {
    let Ok(wb) = r else {
        return "refused".into();
    };
    let mut s = format!("{:?} sheets={:?}\n", wb.format, wb.sheet_names);
    for sheet in &wb.sheets {
        match sheet {
            Ok(c) => s.push_str(&format!(
                "{:?} hidden={} truncated={} sums={:?}\n{:?}\n",
                c.actual_name, c.hidden, c.truncated, c.sums, c.cells
            )),
            Err(SheetError::Missing) => s.push_str("missing\n"),
            Err(SheetError::Broken(_)) => s.push_str("broken\n"),
        }
    }
    s
}

/// calamine's reading: how `.xls` and `.ods` are read. An xlsx is first repaired where
/// calamine would refuse a valid workbook (see `sniff::repair`).
fn read_with_calamine(
    bytes: &[u8],
    want: Want<'_>,
    limits: &Limits,
    held: &mut budget::Reservation,
    sniffed: sniff::Sniffed,
) -> Result<WorkbookCells, ReadError> {
    let repaired = sniff::repair_for_calamine(bytes, &sniffed, limits)?;
    // A repaired package is held beside the file's own bytes.
    let repaired_len = repaired.as_ref().map_or(0, |r| r.len() as u64);
    held.grow_to(
        (bytes.len() as u64)
            .saturating_add(sniffed.cost)
            .saturating_add(repaired_len),
    )?;
    let format = sniffed.format;
    let bytes = repaired.as_deref().unwrap_or(bytes);
    let raw = bytes;
    // A part whose bytes were damaged after saving says so by name, rather than as the
    // layout calamine did not understand (see `SniffError::DamagedPart`).
    let open_err = |detail: String| match format {
        Format::Xlsx | Format::Ods => {
            sniff::damaged_part(raw).map_or(ReadError::Open { format, detail }, ReadError::Sniff)
        }
        Format::Xls => ReadError::Open { format, detail },
    };
    let bytes = Cursor::new(bytes);
    Ok(match format {
        Format::Xlsx => streamed(Xlsx::new(bytes).map_err(|e| open_err(e.to_string()))?, want),
        Format::Xls => ranged(
            match sniffed.force_codepage {
                None => Xls::new(bytes),
                Some(codepage) => {
                    let mut options = XlsOptions::default();
                    options.force_codepage = Some(codepage);
                    Xls::new_with_options(bytes, options)
                }
            }
            .map_err(|e| open_err(e.to_string()))?,
            format,
            want,
        ),
        Format::Ods => ranged(
            Ods::new(bytes).map_err(|e| open_err(e.to_string()))?,
            format,
            want,
        ),
    })
}

/// The sheets of an xlsx, streamed: the XML is read cell by cell up to the form's last
/// row, so no sheet is ever held whole.
fn streamed<RS: Read + Seek>(mut wb: Xlsx<RS>, want: Want<'_>) -> WorkbookCells {
    let meta = wb.sheets_metadata().to_vec();
    read_sheets(Format::Xlsx, want, &meta, |_, name, win| {
        let mut reader = wb.worksheet_cells_reader(name)?;
        let source = std::iter::from_fn(|| reader.next_cell_with_formula().transpose());
        window_cells(
            source.map(|c| {
                c.map(|c| Cell {
                    row: c.pos.0,
                    col: c.pos.1,
                    value: c.value,
                    formula: c.formula,
                })
            }),
            win,
        )
    })
}

/// The sheets of a reader that only offers whole ranges (`.xls`, `.ods`): calamine built
/// them when the file was opened, within the bounds the sniffer checked.
fn ranged<RS: Read + Seek, R: Reader<RS>>(
    mut wb: R,
    format: Format,
    want: Want<'_>,
) -> WorkbookCells
where
    R::Error: std::fmt::Display,
{
    let meta = wb.sheets_metadata().to_vec();
    read_sheets(format, want, &meta, |_, name, win| {
        let values = wb.worksheet_range(name)?;
        // Without its formulas a sheet still reads; only uncalculated formulas go unnamed.
        let formulas = wb.worksheet_formula(name).ok();
        let Ok(cells) = window_cells(range_cells(&values, formulas.as_ref()), win);
        Ok::<_, R::Error>(cells)
    })
}

/// Finds each sheet `want` asks for in `meta` and reads it with `read` (given the index
/// of the sheet in the result, its name in the workbook and its window): one sheet's
/// failure is that sheet's error, not the workbook's.
fn read_sheets<E: std::fmt::Display>(
    format: Format,
    want: Want<'_>,
    meta: &[calamine::Sheet],
    mut read: impl FnMut(usize, &str, &Window) -> Result<Cells, E>,
) -> WorkbookCells {
    let targets: Vec<(Option<&calamine::Sheet>, Window)> = match want {
        Want::Form(form) => form
            .sheets
            .iter()
            .zip(windows(form))
            .map(|(s, w)| (find_sheet(meta, &s.name), w))
            .collect(),
        Want::Every { last_row, cols } => meta
            .iter()
            .map(|m| (Some(m), Window::every(last_row, cols)))
            .collect(),
    };
    let sheets = targets
        .into_iter()
        .enumerate()
        .map(|(index, (m, win))| {
            let m = m.ok_or(SheetError::Missing)?;
            let Cells {
                cells,
                truncated,
                sums,
            } = read(index, &m.name, &win).map_err(|e| SheetError::Broken(e.to_string()))?;
            Ok(SheetCells {
                actual_name: m.name.clone(),
                hidden: m.visible != SheetVisible::Visible,
                cells,
                truncated,
                sums,
            })
        })
        .collect();
    WorkbookCells {
        format,
        sheets,
        sheet_names: meta.iter().map(|s| s.name.clone()).collect(),
    }
}

fn find_sheet<'a>(meta: &'a [calamine::Sheet], name: &str) -> Option<&'a calamine::Sheet> {
    meta.iter().find(|s| s.name == name).or_else(|| {
        let want = fold(name);
        meta.iter().find(|s| fold(&s.name) == want)
    })
}

/// Longest text kept from a cell. No cell of a form needs more, and everything read is
/// echoed into messages and output cells, which Excel caps at 32,767 characters.
pub const MAX_TEXT_CHARS: usize = 1_000;

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
