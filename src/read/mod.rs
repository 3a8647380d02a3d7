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
    /// The unit-code cell's formula (the form's lookup of the chosen name) with 0 for its
    /// result: a text result never calculated, which LibreOffice writes into an `.xls` as
    /// 0 when it saves a workbook it opened without recalculating. The code is then the
    /// name's, as the formula would have given. Only on a form with a unit list.
    UncalculatedText,
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
            open_ods(raw, limits, held).map_err(|e| match e {
                OdsOpenError::Refused(e) => e,
                OdsOpenError::Calamine(e) => open_err(e.to_string()),
            })?,
            format,
            want,
        ),
    })
}

/// Why [`open_ods`] did not open a workbook.
enum OdsOpenError {
    /// Over a limit or the run's budget: the finding is decided.
    Refused(ReadError),
    /// calamine's own failure to read the file.
    Calamine(calamine::OdsError),
}

/// Why calamine's budget refused to grow.
enum Refusal {
    /// Past `--max-unzipped-mib`: the file is refused.
    Limit,
    /// Past what reading may hold of the run's budget: the file is refused.
    Budget(budget::OverBudget),
    /// Other files hold the budget now: read again once `ask` bytes are free (twice
    /// what was asked, so that a busy run reads a file again a few times at most, not
    /// once per MiB), or `need` if `ask` is over the budget.
    Busy { need: u64, ask: u64 },
}

/// Opens an ODS workbook whose sheets may hold no more than `max_total_bytes`
/// (`--max-unzipped-mib`), charging what they hold to `held` as calamine reads them.
///
/// calamine expands every sheet's repeats (`table:number-rows-repeated`,
/// `number-columns-repeated`, `text:s text:c`) when it opens the file: an 800-byte file
/// repeating one number over 6,000 rows of 16,000 columns took 6 GB. Its reader is
/// patched to ask a budget before it grows (vendor/calamine, patch 5), so the file is
/// parsed once and refused at the point the limit is passed, naming the sheet. The
/// budget is charged as the sheets grow, never more than they hold (rounded up to a MiB).
/// When other files hold the run's budget, calamine does not wait holding what it read
/// (the budget would not count it while it waited): it stops, frees it all, and the file
/// is read again once the bytes are free.
fn open_ods<'a>(
    bytes: &'a [u8],
    limits: &Limits,
    held: &mut budget::Reservation,
) -> Result<Ods<Cursor<&'a [u8]>>, OdsOpenError> {
    let file = bytes.len() as u64;
    let limit = limits.max_total_bytes;
    loop {
        let mut refusal = None;
        let opened = Ods::new_with_budget(Cursor::new(bytes), &mut |need: u64| {
            let why = if need > limit {
                Refusal::Limit
            } else {
                match held.try_grow_to(file.saturating_add(need)) {
                    Ok(true) => return true,
                    Ok(false) => Refusal::Busy {
                        need,
                        ask: need.saturating_mul(2).min(limit),
                    },
                    Err(e) => Refusal::Budget(e),
                }
            };
            refusal = Some(why);
            false
        });
        let (sheet, name, rows, cols, bytes_needed, mostly_text) = match opened {
            Ok(wb) => return Ok(wb),
            Err(calamine::OdsError::OverBudget {
                sheet,
                name,
                rows,
                cols,
                bytes,
                mostly_text,
            }) => (sheet, name, rows, cols, bytes, mostly_text),
            // A file that ends inside a sheet: cut short, or damaged.
            Err(calamine::OdsError::Eof(node)) => {
                return Err(OdsOpenError::Refused(ReadError::Sniff(
                    SniffError::CorruptZip {
                        detail: format!("'content.xml' ends inside '{node}' (truncated?)"),
                    },
                )));
            }
            Err(e) => return Err(OdsOpenError::Calamine(e)),
        };
        let refused = |e: SniffError| Err(OdsOpenError::Refused(ReadError::Sniff(e)));
        match refusal {
            Some(Refusal::Busy { need, ask }) => held
                .grow_to(file.saturating_add(ask))
                .or_else(|_| held.grow_to(file.saturating_add(need)))
                .map_err(|e| OdsOpenError::Refused(e.into()))?,
            Some(Refusal::Budget(e)) => return Err(OdsOpenError::Refused(e.into())),
            Some(Refusal::Limit) | None if mostly_text => {
                return refused(SniffError::TextTooLarge {
                    sheet,
                    name: Some(name),
                    limit,
                });
            }
            Some(Refusal::Limit) | None => {
                return refused(SniffError::SheetTooLarge {
                    sheet,
                    name: Some(name),
                    rows,
                    cols,
                    bytes: bytes_needed,
                    limit,
                });
            }
        }
    }
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

/// A calamine reader that holds every sheet's ranges once opened (`.xls`, `.ods`), and
/// lends them (vendor/calamine, patch 6): `worksheet_range` and `worksheet_formula`
/// hand out copies, which took a tenth of a check of `.xls` files and as much memory
/// again as the sheet.
trait HeldRanges {
    fn meta(&self) -> &[calamine::Sheet];
    fn ranges(
        &self,
        name: &str,
    ) -> Option<(&calamine::Range<calamine::Data>, &calamine::Range<String>)>;
}

/// Both readers hold their ranges alike (patch 6).
macro_rules! held_ranges {
    ($($reader:ident),+) => {$(
        impl<RS: Read + Seek> HeldRanges for $reader<RS> {
            fn meta(&self) -> &[calamine::Sheet] {
                self.sheets_metadata()
            }
            fn ranges(
                &self,
                name: &str,
            ) -> Option<(&calamine::Range<calamine::Data>, &calamine::Range<String>)> {
                self.sheet_ranges(name)
            }
        }
    )+};
}

held_ranges!(Xls, Ods);

/// The sheets of a reader that only offers whole ranges (`.xls`, `.ods`): calamine built
/// them when the file was opened, within the bounds the sniffer checked (`.xls`) or the
/// budget it was given (`.ods`).
fn ranged(wb: impl HeldRanges, format: Format, want: Want<'_>) -> WorkbookCells {
    read_sheets(format, want, wb.meta(), |_, name, win| {
        // The name comes from the workbook's own list of sheets.
        let (values, formulas) = wb.ranges(name).ok_or("sheet listed but not read")?;
        let Ok(cells) = window_cells(range_cells(values, Some(formulas)), win);
        Ok::<_, &str>(cells)
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
                ..
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

    /// Opens an ODS package of `rows` (one sheet, "Data") within `limit` bytes of sheets
    /// and a run budget of `run` bytes: the workbook's sheet sizes, or why it was refused,
    /// and what the reservation held once it was open.
    fn open_rows(rows: &str, limit: u64, run: u64) -> Result<((usize, usize), u64), ReadError> {
        use sniff::fixtures::ods_of;
        let bytes = ods_of(rows);
        let limits = Limits {
            max_total_bytes: limit,
            ..Limits::default()
        };
        let budget = std::sync::Arc::new(budget::Budget::new(run));
        let mut held = budget.reserve(bytes.len() as u64)?;
        match open_ods(&bytes, &limits, &mut held) {
            Ok(wb) => {
                let (values, _) = wb.sheet_ranges("Data").expect("the sheet is read");
                Ok((values.get_size(), held.bytes()))
            }
            Err(OdsOpenError::Refused(e)) => Err(e),
            Err(OdsOpenError::Calamine(e)) => Err(ReadError::Open {
                format: Format::Ods,
                detail: e.to_string(),
            }),
        }
    }

    const MIB: u64 = 1 << 20;
    const NUM: &str = r#"office:value-type="float" office:value="1""#;

    /// Under 1 KB: one value repeated over 6,000 rows of 16,000 columns, which calamine
    /// expanded into 96 M cells (about 6 GB) when opening the file. It is refused as the
    /// repeats are expanded, before the grid is allocated, naming the sheet and its size.
    #[test]
    fn ods_repeats_past_the_limit_are_refused_as_calamine_expands_them() {
        let started = std::time::Instant::now();
        let bomb = format!(
            r#"<table:table-row table:number-rows-repeated="6000"><table:table-cell table:number-columns-repeated="16000" {NUM}/></table:table-row>"#
        );
        match open_rows(&bomb, 300 * MIB, 1 << 40) {
            Err(ReadError::Sniff(SniffError::SheetTooLarge {
                sheet: 0,
                name: Some(name),
                rows: 6000,
                cols: 16000,
                bytes,
                limit,
            })) => assert!(name == "Data" && bytes > limit && limit == 300 * MIB),
            other => panic!("{other:?}"),
        }
        // Capped like calamine: no more than 1,048,576 rows and 16,384 columns.
        let capped = format!(
            r#"<table:table-row table:number-rows-repeated="99999999"><table:table-cell table:number-columns-repeated="99999999" {NUM}/></table:table-row>"#
        );
        assert!(matches!(
            open_rows(&capped, 300 * MIB, 1 << 40),
            Err(ReadError::Sniff(SniffError::SheetTooLarge {
                rows: 1_048_576,
                cols: 16_384,
                ..
            }))
        ));
        // Rows of full width, one after another: refused while the rows are read.
        let wide = format!(
            r#"<table:table-row><table:table-cell table:number-columns-repeated="16384" {NUM}/></table:table-row>"#
        )
        .repeat(2000);
        match open_rows(&wide, 100 * MIB, 1 << 40) {
            Err(ReadError::Sniff(SniffError::SheetTooLarge {
                rows, cols: 16_384, ..
            })) => assert!(rows < 2000, "{rows}"),
            other => panic!("{other:?}"),
        }
        assert!(started.elapsed() < std::time::Duration::from_secs(10));
    }

    #[test]
    fn ods_spaces_and_repeated_text_past_the_limit_are_refused_as_text() {
        // A billion spaces written as one count, in a cell calamine reads.
        let spaces = r#"<table:table-row><table:table-cell office:value-type="string"><text:p><text:s text:c="1000000000"/></text:p></table:table-cell></table:table-row>"#;
        assert!(matches!(
            open_rows(spaces, 300 * MIB, 1 << 40),
            Err(ReadError::Sniff(SniffError::TextTooLarge { sheet: 0, name: Some(n), .. })) if n == "Data"
        ));
        // A long string value copied across columns and rows.
        let long = "x".repeat(10_000);
        let copied = format!(
            r#"<table:table-row table:number-rows-repeated="1000"><table:table-cell table:number-columns-repeated="1000" office:value-type="string" office:string-value="{long}"/></table:table-row>"#
        );
        assert!(matches!(
            open_rows(&copied, 300 * MIB, 1 << 40),
            Err(ReadError::Sniff(SniffError::TextTooLarge { .. }))
        ));
        // Spaces inside a note are skipped by calamine, and cost nothing.
        let note = r#"<table:table-row><table:table-cell office:value-type="string"><office:annotation><text:p><text:s text:c="1000000000"/></text:p></office:annotation><text:p>a</text:p></table:table-cell></table:table-row>"#;
        assert_eq!(open_rows(note, MIB, 1 << 40).unwrap().0, (1, 1));
    }

    /// LibreOffice ends every sheet with empty repeats to the last row and column, which
    /// calamine does not expand; a form-sized table is read, and what it holds is charged.
    #[test]
    fn ods_forms_are_read_and_what_they_hold_is_charged() {
        let form = r#"<table:table-row table:number-rows-repeated="20000"><table:table-cell table:number-columns-repeated="9" office:value-type="float" office:value="7"/><table:table-cell table:number-columns-repeated="16375"/></table:table-row><table:table-row table:number-rows-repeated="1028556"><table:table-cell table:number-columns-repeated="16384"/></table:table-row>"#;
        let (size, held) = open_rows(form, 300 * MIB, 1 << 40).unwrap();
        assert_eq!(size, (20_000, 9));
        // A value per cell (no formula: calamine keeps an empty formula range), rounded
        // up to a MiB, and not much more.
        let cells = 20_000 * 9 * size_of::<calamine::Data>() as u64;
        assert!(
            held >= cells && held <= 2 * cells + 2 * MIB,
            "{held} for {cells}"
        );
        // Past what reading may hold of the run's budget: that budget's finding.
        assert!(matches!(
            open_rows(form, 300 * MIB, 4 * MIB),
            Err(ReadError::OverBudget(budget::OverBudget { limit, .. })) if limit == 4 * MIB
        ));
    }

    /// calamine read a sheet to its end tag and looped forever at the end of a file
    /// without one, inside a sheet or inside a note.
    #[test]
    fn an_ods_ending_inside_a_sheet_is_damaged_not_a_hang() {
        use sniff::fixtures::ods_package;
        let head = r#"<office:document-content><office:body><office:spreadsheet><table:table table:name="A"><table:table-row><table:table-cell/></table:table-row>"#;
        let note = r#"<office:document-content><office:body><office:spreadsheet><table:table table:name="A"><table:table-row><table:table-cell office:value-type="string"><office:annotation><text:p>x"#;
        for content in [head, note] {
            let bytes = ods_package(content.as_bytes());
            let budget = std::sync::Arc::new(budget::Budget::new(1 << 30));
            let mut held = budget.reserve(0).unwrap();
            match open_ods(&bytes, &Limits::default(), &mut held) {
                Err(OdsOpenError::Refused(ReadError::Sniff(SniffError::CorruptZip { detail }))) => {
                    assert!(detail.contains("ends inside"), "{detail}")
                }
                Err(OdsOpenError::Calamine(e)) => panic!("{e}"),
                Err(OdsOpenError::Refused(e)) => panic!("{e}"),
                Ok(_) => panic!("opened"),
            }
        }
    }

    /// While other files hold the run's budget, calamine stops rather than wait holding
    /// what it read; the file is read again once they are done, and opens.
    #[test]
    fn an_ods_read_while_the_budget_is_busy_waits_for_it_holding_nothing() {
        use sniff::fixtures::ods_of;
        let rows = format!(
            r#"<table:table-row table:number-rows-repeated="20000"><table:table-cell table:number-columns-repeated="9" {NUM}/></table:table-row>"#
        );
        let bytes = ods_of(&rows);
        // Opened from a budget of `cap` MiB while another reader holds `busy` MiB of it
        // for a moment; what the file's reading holds at the end.
        let opens = |cap: u64, busy: u64| {
            let budget = std::sync::Arc::new(budget::Budget::new(cap * MIB));
            let other = budget.reserve(busy * MIB).unwrap();
            let mut held = budget.reserve(bytes.len() as u64).unwrap();
            std::thread::scope(|s| {
                s.spawn(move || {
                    std::thread::sleep(std::time::Duration::from_millis(100));
                    drop(other);
                });
                let wb = open_ods(&bytes, &Limits::default(), &mut held)
                    .ok()
                    .unwrap();
                assert_eq!(wb.sheet_ranges("Data").unwrap().0.get_size(), (20_000, 9));
            });
            held.bytes()
        };
        assert!(opens(64, 60) > 4 * MIB);
        // Busy where twice what is asked would pass the budget: what is asked is waited
        // for instead, and the file opens.
        // (The sheet holds about 5.5 MiB: asked for as 6.)
        opens(12, 6);
    }

    /// The budget only watches calamine: it must read every shape of repeats exactly as
    /// it does without one.
    #[test]
    fn the_budget_changes_nothing_calamine_reads() {
        use calamine::Reader;
        use sniff::fixtures::ods_of;
        let str_cell = r#"office:value-type="string"><text:p>ab</text:p></table:table-cell"#;
        let sheets = [
            format!(
                r#"<table:table-row table:number-rows-repeated="3"><table:table-cell table:number-columns-repeated="4" {NUM}/><table:table-cell table:number-columns-repeated="1020"/></table:table-row><table:table-row table:number-rows-repeated="1048573"><table:table-cell table:number-columns-repeated="1024"/></table:table-row>"#
            ),
            format!(
                r#"<table:table-row><table:table-cell {NUM}/></table:table-row><table:table-row table:number-rows-repeated="50"><table:table-cell/></table:table-row><table:table-row><table:table-cell table:number-columns-repeated="20"/><table:table-cell {NUM}/></table:table-row>"#
            ),
            format!(
                r#"<table:table-row table:number-rows-repeated="5"><table:table-cell table:number-columns-repeated="7"/></table:table-row><table:table-row><table:table-cell table:number-columns-repeated="3"/><table:table-cell {NUM}/></table:table-row>"#
            ),
            format!(
                r#"<table:table-row x y="" table:number-rows-repeated="&#50;0"><table:table-cell x y="" table:number-columns-repeated="7" {NUM}/></table:table-row>"#
            ),
            format!(
                r#"<table:table-row><table:table-cell {NUM}/><table:covered-table-cell table:number-columns-repeated="3"/><table:table-cell table:number-columns-repeated="2" {str_cell}></table:table-row>"#
            ),
            r#"<table:table-row table:number-rows-repeated="9"><table:table-cell table:number-columns-repeated="9"/></table:table-row>"#.to_string(),
            r#"<table:table-row><table:table-cell office:value-type="string"><text:p>a<text:s text:c="3"/>b</text:p><text:p>c</text:p></table:table-cell></table:table-row>"#.to_string(),
        ];
        for rows in sheets {
            let bytes = ods_of(&rows);
            let mut plain: Ods<_> = calamine::open_workbook_from_rs(Cursor::new(&bytes)).unwrap();
            let mut asked = Vec::new();
            let metered = Ods::new_with_budget(Cursor::new(&bytes), &mut |b| {
                asked.push(b);
                true
            })
            .unwrap();
            let (values, formulas) = metered.sheet_ranges("Data").unwrap();
            assert_eq!(values, &plain.worksheet_range("Data").unwrap(), "{rows}");
            assert_eq!(
                formulas,
                &plain.worksheet_formula("Data").unwrap(),
                "{rows}"
            );
            // Asked in whole steps, each more than the last.
            assert!(asked.windows(2).all(|w| w[0] < w[1]), "{asked:?}");
            assert!(asked.iter().all(|b| b % calamine::BUDGET_STEP == 0));
        }
    }
}
