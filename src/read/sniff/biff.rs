//! BIFF records inside an `.xls` Workbook (or BIFF5 Book) stream.
//!
//! calamine's `Xls::new` (0.38.0) parses every sheet when the file is opened, trusting the
//! records: it slices the stream at each BOUNDSHEET offset (a panic past the end), reserves
//! rows x columns cells from each DIMENSIONS record with unchecked arithmetic (an inverted
//! or huge range asks for terabytes, and the allocation failure aborts the process), then
//! turns each sheet's cells and formulas into dense grids spanning their bounding boxes,
//! kept while the workbook is open and copied again by every `worksheet_range`. A sheet
//! with two cells in opposite corners is 16 million cells. So the records are walked in
//! place, as calamine cuts them, and the grids it would build are priced against the
//! budget before it sees the file: nothing here copies the stream or allocates per cell.

use super::{Limits, SniffError, corrupt_xls, u16_at, u32_at, unsupported};

pub(super) const BOF: u16 = 0x0809;
pub(super) const EOF: u16 = 0x000A;
pub(super) const FILEPASS: u16 = 0x002F;
pub(super) const BOUNDSHEET: u16 = 0x0085;
const CODEPAGE: u16 = 0x0042;
pub(super) const DIMENSIONS: u16 = 0x0200;
const FORMULA: u16 = 0x0006;
const MULRK: u16 = 0x00BD;
/// Records whose first four bytes are the row and column of one cell calamine keeps.
const CELL_RECORDS: [u16; 6] = [0x0203, 0x0204, 0x00D6, 0x0205, 0x027E, 0x00FD];
/// The BIFF5/8 grid.
const MAX_ROWS: u64 = 65_536;
const MAX_COLS: u64 = 256;

/// BIFF records one after another from `offset`, as calamine's iterator cuts them.
struct Records<'a> {
    stream: &'a [u8],
    offset: usize,
}

struct Record<'a> {
    typ: u16,
    data: &'a [u8],
}

impl<'a> Iterator for Records<'a> {
    /// `Err` carries the offset of a record that runs past the end of the stream.
    type Item = Result<Record<'a>, usize>;

    fn next(&mut self) -> Option<Self::Item> {
        let at = self.offset;
        let rest = self.stream.get(at..)?;
        if rest.is_empty() {
            return None;
        }
        let (Some(typ), Some(len)) = (u16_at(rest, 0), u16_at(rest, 2)) else {
            self.offset = self.stream.len();
            return Some(Err(at));
        };
        let Some(data) = rest.get(4..4 + usize::from(len)) else {
            self.offset = self.stream.len();
            return Some(Err(at));
        };
        self.offset = at + 4 + data.len();
        Some(Ok(Record { typ, data }))
    }
}

fn truncated_record(at: usize) -> SniffError {
    corrupt_xls(format!(
        "Workbook stream is cut inside the record at offset {at}"
    ))
}

/// The bounding box of cell positions a sheet holds.
#[derive(Default)]
struct Span(Option<(u32, u32, u32, u32)>);

impl Span {
    fn add(&mut self, row: u32, col: u32) {
        self.0 = Some(match self.0 {
            None => (row, row, col, col),
            Some((r0, r1, c0, c1)) => (r0.min(row), r1.max(row), c0.min(col), c1.max(col)),
        });
    }

    fn rows_cols(&self) -> (u64, u64) {
        self.0.map_or((0, 0), |(r0, r1, c0, c1)| {
            (u64::from(r1 - r0) + 1, u64::from(c1 - c0) + 1)
        })
    }
}

/// What the walk of a Workbook stream found that opening it needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct BiffCheck {
    /// Peak bytes calamine's grids will take (all sheets' grids plus the largest extra).
    pub cost: u64,
    /// The code page to open it with, when its CODEPAGE record names one that calamine's
    /// table lacks but MS-XLS 2.4.52 defines (see [`codepage_alias`]).
    pub force_codepage: Option<u16>,
}

/// MS-XLS 2.4.52 gives two code pages of its own, kept from BIFF2-3: 32768 for Mac Roman
/// and 32769 for Windows-1252. Writers still put them in BIFF5 files (SheetJS's
/// `write_57.xls`, which LibreOffice opens); calamine's table knows only the Windows
/// numbers and refuses the workbook, so they are mapped to those.
fn codepage_alias(codepage: u16) -> Option<u16> {
    match codepage {
        32768 => Some(10000),
        32769 => Some(1252),
        _ => None,
    }
}

/// Refuses encrypted workbooks, BIFF versions calamine cannot read, and sheets whose records
/// would make calamine allocate beyond the budget (or abort on a bogus DIMENSIONS).
/// Checks the records calamine parses on open, and returns the peak bytes its grids will
/// take (all sheets' grids plus the largest extra), which the run's memory budget holds.
pub(super) fn check_biff(stream: &[u8], limits: &Limits) -> Result<BiffCheck, SniffError> {
    match u16_at(stream, 0) {
        _ if stream.is_empty() => return Err(corrupt_xls("Workbook stream is empty")),
        Some(BOF) => {}
        Some(0x0009 | 0x0209 | 0x0409) => {
            return Err(unsupported(
                "Excel 2.x-4.x workbook (BIFF2-4); save it as .xlsx",
            ));
        }
        _ => {
            return Err(corrupt_xls(
                "Workbook stream does not start with a BOF record",
            ));
        }
    }
    let bof = match (Records { stream, offset: 0 }).next() {
        Some(Ok(r)) => r,
        _ => return Err(truncated_record(0)),
    };
    match u16_at(bof.data, 0) {
        None => return Err(corrupt_xls("BOF record too short")),
        Some(0x0200 | 0x0300 | 0x0400) => {
            return Err(unsupported(
                "Excel 2.x-4.x workbook (BIFF2-4); save it as .xlsx",
            ));
        }
        Some(_) => {}
    }

    // Workbook globals, up to their EOF, as calamine reads them on open.
    let mut sheets = Vec::new();
    let mut force_codepage = None;
    let mut records = Records { stream, offset: 0 };
    for r in records.by_ref() {
        let r = r.map_err(truncated_record)?;
        match r.typ {
            FILEPASS => return Err(SniffError::Encrypted),
            BOF if r.data.len() < 2 => return Err(corrupt_xls("BOF record too short")),
            BOUNDSHEET => match (u32_at(r.data, 0), r.data.len() >= 6) {
                (Some(pos), true) => sheets.push(pos as usize),
                _ => return Err(corrupt_xls("BOUNDSHEET record too short")),
            },
            // calamine takes the last CODEPAGE record it meets.
            CODEPAGE => force_codepage = u16_at(r.data, 0).and_then(codepage_alias),
            EOF => break,
            _ => {}
        }
    }

    // Each sheet is parsed from its BOUNDSHEET offset at open time. Offsets that overlap
    // would make calamine parse the same records again and again: bound the total work.
    let mut budget = stream.len().saturating_mul(2).saturating_add(4096);
    // calamine keeps every sheet's dense grids (values and formulas) while the workbook is
    // open; building one also holds its sparse cells, and `worksheet_range` and
    // `worksheet_formula` hand out copies. Peak: all grids, plus the largest of those extras.
    let (mut grids, mut extra) = (0u64, 0u64);
    for (sheet, &pos) in sheets.iter().enumerate() {
        if pos > stream.len() {
            return Err(corrupt_xls(format!(
                "sheet {} starts at offset {pos}, past the end of the Workbook stream ({} bytes)",
                sheet + 1,
                stream.len()
            )));
        }
        let (cells, formulas, ncells, nformulas) = scan_sheet(stream, pos, sheet, &mut budget)?;
        let (rows, cols) = cells.rows_cols();
        let (frows, fcols) = formulas.rows_cols();
        let grid = (rows * cols).saturating_mul(size_of::<calamine::Data>() as u64)
            + (frows * fcols).saturating_mul(size_of::<String>() as u64);
        let sparse = ncells.saturating_mul(size_of::<calamine::Cell<calamine::Data>>() as u64)
            + nformulas.saturating_mul(size_of::<calamine::Cell<String>>() as u64);
        grids = grids.saturating_add(grid);
        extra = extra.max(grid).max(sparse);
        let bytes = grids.saturating_add(extra);
        if bytes > limits.max_total_bytes {
            let (rows, cols) = if rows * cols >= frows * fcols {
                (rows, cols)
            } else {
                (frows, fcols)
            };
            return Err(SniffError::SheetTooLarge {
                sheet,
                name: None,
                rows,
                cols,
                bytes,
                limit: limits.max_total_bytes,
            });
        }
    }
    Ok(BiffCheck {
        cost: grids.saturating_add(extra),
        force_codepage,
    })
}

/// One sheet's substream, walked as calamine walks it: embedded substreams (charts) are
/// skipped, and the sheet ends at its EOF. Returns the spans of cells and formulas and how
/// many of each calamine would keep.
fn scan_sheet(
    stream: &[u8],
    pos: usize,
    sheet: usize,
    budget: &mut usize,
) -> Result<(Span, Span, u64, u64), SniffError> {
    let (mut cells, mut formulas, mut ncells, mut nformulas) =
        (Span::default(), Span::default(), 0u64, 0u64);
    let mut seen_bof = false;
    let mut depth = 0usize;
    for r in (Records {
        stream,
        offset: pos,
    }) {
        let r = r.map_err(truncated_record)?;
        *budget = budget.checked_sub(4 + r.data.len()).ok_or_else(|| {
            corrupt_xls("sheets overlap in the Workbook stream (bad BOUNDSHEET offsets)")
        })?;
        if depth > 0 {
            match r.typ {
                BOF => depth += 1,
                EOF => depth -= 1,
                _ => {}
            }
            continue;
        }
        let row_col = || Some((u32::from(u16_at(r.data, 0)?), u32::from(u16_at(r.data, 2)?)));
        match r.typ {
            BOF if seen_bof => depth += 1,
            BOF => seen_bof = true,
            EOF => break,
            DIMENSIONS => check_dimensions(r.data, sheet)?,
            FORMULA => {
                if let Some((row, col)) = row_col() {
                    cells.add(row, col);
                    formulas.add(row, col);
                    ncells += 1;
                    nformulas += 1;
                }
            }
            MULRK => {
                let (Some((row, first)), Some(last)) = (
                    row_col(),
                    r.data
                        .len()
                        .checked_sub(2)
                        .and_then(|at| u16_at(r.data, at)),
                ) else {
                    continue;
                };
                if u32::from(last) < first {
                    return Err(corrupt_xls(format!(
                        "sheet {}: MULRK record with its columns reversed",
                        sheet + 1
                    )));
                }
                let n = (r.data.len().saturating_sub(6) / 6) as u32;
                if n > 0 {
                    cells.add(row, first);
                    cells.add(row, first + n - 1);
                    ncells += u64::from(n);
                }
            }
            t if CELL_RECORDS.contains(&t) => {
                if let Some((row, col)) = row_col() {
                    cells.add(row, col);
                    ncells += 1;
                }
            }
            _ => {}
        }
    }
    Ok((cells, formulas, ncells, nformulas))
}

/// calamine reserves rows x columns cells from this record with unchecked arithmetic: an
/// inverted or huge range either panics or asks for terabytes, which aborts the process.
fn check_dimensions(data: &[u8], sheet: usize) -> Result<(), SniffError> {
    let (rf, rl, cf, cl) = match data.len() {
        10 => (
            u32::from(u16_at(data, 0).unwrap_or(0)),
            u32::from(u16_at(data, 2).unwrap_or(0)),
            u32::from(u16_at(data, 4).unwrap_or(0)),
            u32::from(u16_at(data, 6).unwrap_or(0)),
        ),
        14 | 16 => (
            u32_at(data, 0).unwrap_or(0),
            u32_at(data, 4).unwrap_or(0),
            u32::from(u16_at(data, 8).unwrap_or(0)),
            u32::from(u16_at(data, 10).unwrap_or(0)),
        ),
        // calamine refuses other lengths with an error of its own.
        _ => return Ok(()),
    };
    let c0 = if cf > 0xFF || cl < cf { 0 } else { cf };
    let (end_r, end_c) = if rl >= 1 && cl >= 1 {
        (rl - 1, cl - 1)
    } else {
        (rf, c0)
    };
    let rows = end_r.checked_sub(rf).and_then(|d| d.checked_add(1));
    let cols = end_c.checked_sub(c0).and_then(|d| d.checked_add(1));
    match (rows, cols) {
        (Some(r), Some(c)) if u64::from(r) <= MAX_ROWS && u64::from(c) <= MAX_COLS => Ok(()),
        _ => Err(corrupt_xls(format!(
            "sheet {}: DIMENSIONS record out of range (rows {rf}..{rl}, columns {cf}..{cl})",
            sheet + 1
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::read::sniff::fixtures::*;
    use crate::read::sniff::{Format, MIB};
    use std::io::Cursor;

    #[test]
    fn xls_biff8_is_xls_and_calamine_agrees() {
        use calamine::Reader;
        let small = xls();
        // A Workbook stream of 4096 bytes or more lives in regular sectors, not the mini stream.
        let big = xls_of(&Book {
            pad: 6000,
            ..Book::default()
        });
        for bytes in [small, big] {
            assert_eq!(check(&bytes).unwrap(), Format::Xls);
            let mut wb: calamine::Xls<_> =
                calamine::open_workbook_from_rs(Cursor::new(&bytes)).unwrap();
            let r = wb.worksheet_range("Sheet1").unwrap();
            assert_eq!(r.get_value((0, 0)), Some(&calamine::Data::Float(42.0)));
            assert_eq!(r.get_value((1, 1)), Some(&calamine::Data::Float(7.5)));
        }
    }

    #[test]
    fn biff_only_code_pages_are_opened_with_the_windows_code_page_they_stand_for() {
        let limits = Limits::default();
        for (codepage, windows) in [(32769, Some(1252)), (32768, Some(10000)), (1252, None)] {
            let bytes = xls_of(&Book {
                biff5: true,
                codepage: Some(codepage),
                ..Book::default()
            });
            let sniffed = crate::read::sniff::inspect(&bytes, &limits).unwrap();
            assert_eq!(sniffed.force_codepage, windows, "{codepage}");
        }
        // Without the alias calamine refuses the workbook: the reason for the mapping.
        let bytes = xls_of(&Book {
            biff5: true,
            codepage: Some(32769),
            ..Book::default()
        });
        assert!(<calamine::Xls<_> as calamine::Reader<_>>::new(Cursor::new(&bytes)).is_err());
    }

    #[test]
    fn xls_biff5_book_stream_is_xls_and_calamine_agrees() {
        use calamine::Reader;
        let bytes = xls_of(&Book {
            biff5: true,
            ..Book::default()
        });
        assert_eq!(check(&bytes).unwrap(), Format::Xls);
        let mut wb: calamine::Xls<_> =
            calamine::open_workbook_from_rs(Cursor::new(&bytes)).unwrap();
        let r = wb.worksheet_range("Sheet1").unwrap();
        assert_eq!(r.get_value((0, 0)), Some(&calamine::Data::Float(42.0)));
    }

    #[test]
    fn filepass_is_encrypted() {
        let rc4 = xls_of(&Book {
            filepass: true,
            ..Book::default()
        });
        assert!(matches!(check(&rc4), Err(SniffError::Encrypted)));
        let biff5 = xls_of(&Book {
            filepass: true,
            biff5: true,
            ..Book::default()
        });
        assert!(matches!(check(&biff5), Err(SniffError::Encrypted)));
    }

    #[test]
    fn old_biff_says_what_to_do() {
        let mut s = Vec::new();
        rec(&mut s, 0x0209, &[0x00, 0x03, 0x10, 0x00, 0, 0]);
        assert!(unsupported_detail(&compound(&[("Workbook", &s)])).contains("BIFF2-4"));
    }

    #[test]
    fn corrupt_biff_records() {
        // A BOUNDSHEET pointing past the stream: calamine slices there and panics.
        let mut stream = biff(&Book::default());
        let pos = stream
            .windows(2)
            .position(|w| w == BOUNDSHEET.to_le_bytes())
            .unwrap()
            + 4;
        stream[pos..pos + 4].copy_from_slice(&u32::MAX.to_le_bytes());
        assert!(corrupt_xls_detail(&compound(&[("Workbook", &stream)])).contains("past the end"));
        // Inverted and absurd DIMENSIONS: calamine reserves rows x columns and aborts.
        let mut inverted = Vec::new();
        for v in [10u32, 3] {
            inverted.extend_from_slice(&v.to_le_bytes());
        }
        inverted.extend_from_slice(&[0, 0, 1, 0, 0, 0]);
        let mut absurd = Vec::new();
        for v in [0u32, u32::MAX] {
            absurd.extend_from_slice(&v.to_le_bytes());
        }
        absurd.extend_from_slice(&[0, 0, 0xFF, 0, 0, 0]);
        for dims in [inverted, absurd] {
            let book = Book {
                extra: vec![(DIMENSIONS, dims)],
                ..Book::default()
            };
            assert!(corrupt_xls_detail(&xls_of(&book)).contains("DIMENSIONS"));
        }
        // Reversed MULRK columns.
        let mut mulrk = vec![0, 0, 5, 0];
        mulrk.extend_from_slice(&[0; 6]);
        mulrk.extend_from_slice(&[2, 0]);
        let book = Book {
            extra: vec![(MULRK, mulrk)],
            ..Book::default()
        };
        assert!(corrupt_xls_detail(&xls_of(&book)).contains("MULRK"));
        // Not BIFF at all.
        let d = corrupt_xls_detail(&compound(&[("Workbook", b"hello world, not records")]));
        assert!(d.contains("BOF"), "{d}");
        assert!(corrupt_xls_detail(&compound(&[("Workbook", b"")])).contains("empty"));
        // Hundreds of sheets that all start at the same records.
        let mut s = Vec::new();
        rec(&mut s, BOF, &[0x00, 0x06, 0x05, 0x00, 0, 0, 0, 0]);
        let first_sheet = 4 + 8 + 400 * (4 + 14) + 4;
        for _ in 0..400 {
            let mut d = (first_sheet as u32).to_le_bytes().to_vec();
            d.extend_from_slice(&[0, 0, 6, 0, b'S', b'h', b'e', b'e', b't', b'X']);
            rec(&mut s, BOUNDSHEET, &d);
        }
        rec(&mut s, EOF, &[]);
        assert_eq!(s.len(), first_sheet);
        rec(&mut s, BOF, &[0x00, 0x06, 0x10, 0x00, 0, 0, 0, 0]);
        for _ in 0..100 {
            rec(&mut s, 0x0203, &[0; 14]);
        }
        rec(&mut s, EOF, &[]);
        assert!(corrupt_xls_detail(&compound(&[("Workbook", &s)])).contains("overlap"));
    }

    #[test]
    fn xls_sheets_that_would_allocate_densely() {
        // Two cells in opposite corners of the BIFF8 grid: 16.7 M dense cells, over 300 MiB.
        let corners = Book {
            sheets: vec![vec![(0, 0, 1.0), (65_535, 255, 2.0)]],
            ..Book::default()
        };
        match check(&xls_of(&corners)) {
            Err(SniffError::SheetTooLarge {
                sheet: 0,
                rows: 65_536,
                cols: 256,
                limit,
                ..
            }) => {
                assert_eq!(limit, 300 * MIB)
            }
            other => panic!("{other:?}"),
        }
        // A column past the BIFF8 grid: 4 G dense cells, which would abort the process.
        let wide = Book {
            sheets: vec![vec![(0, 0, 1.0), (65_535, 65_535, 2.0)]],
            ..Book::default()
        };
        assert!(matches!(
            check(&xls_of(&wide)),
            Err(SniffError::SheetTooLarge { .. })
        ));
        // Several modest sheets add up.
        let tall = vec![(0, 0, 1.0), (60_000, 49, 2.0)];
        let book = Book {
            sheets: vec![tall.clone(), tall.clone(), tall],
            ..Book::default()
        };
        assert!(matches!(
            check(&xls_of(&book)),
            Err(SniffError::SheetTooLarge { sheet: 2, .. })
        ));
    }

    /// The offset of the first sheet's substream, from its BOUNDSHEET record.
    fn first_sheet(stream: &[u8]) -> usize {
        let r = (Records { stream, offset: 0 })
            .map(Result::unwrap)
            .find(|r| r.typ == BOUNDSHEET)
            .unwrap();
        u32_at(r.data, 0).unwrap() as usize
    }

    /// calamine 0.38.0 sizes an `.xls` sheet's grids by the cells it holds, not by its
    /// DIMENSIONS record: the spans `scan_sheet` measures (number, MULRK and formula
    /// records here, under a DIMENSIONS that claims far more) are calamine's ranges.
    #[test]
    fn calamine_pin_sizes_xls_grids_by_their_cells() {
        use calamine::Reader;
        let mut claims = Vec::new();
        for v in [0u32, 1000] {
            claims.extend_from_slice(&v.to_le_bytes());
        }
        claims.extend_from_slice(&[0, 0, 200, 0, 0, 0]);
        // Row 7, columns 4..=6, as integer RKs.
        let mut mulrk = vec![7, 0, 4, 0];
        for v in [1u32, 2, 3] {
            mulrk.extend_from_slice(&[0, 0]);
            mulrk.extend_from_slice(&((v << 2) | 2).to_le_bytes());
        }
        mulrk.extend_from_slice(&[6, 0]);
        // =1 in C10, cached value 1.0.
        let mut formula = vec![9, 0, 2, 0, 0, 0];
        formula.extend_from_slice(&1.0f64.to_le_bytes());
        formula.extend_from_slice(&[0, 0, 0, 0, 0, 0, 3, 0, 0x1E, 1, 0]);
        let book = Book {
            sheets: vec![vec![(2, 1, 42.0)]],
            extra: vec![(DIMENSIONS, claims), (MULRK, mulrk), (FORMULA, formula)],
            ..Book::default()
        };
        let stream = biff(&book);
        let mut budget = usize::MAX;
        let (cells, formulas, ncells, nformulas) =
            scan_sheet(&stream, first_sheet(&stream), 0, &mut budget).unwrap();
        assert_eq!((cells.rows_cols(), ncells), ((8, 6), 5));
        assert_eq!((formulas.rows_cols(), nformulas), ((1, 1), 1));

        let bytes = xls_of(&book);
        assert_eq!(check(&bytes).unwrap(), Format::Xls);
        let mut wb: calamine::Xls<_> =
            calamine::open_workbook_from_rs(Cursor::new(&bytes)).unwrap();
        let values = wb.worksheet_range("Sheet1").unwrap();
        assert_eq!((values.start(), values.end()), (Some((2, 1)), Some((9, 6))));
        assert_eq!(values.get_size(), (8, 6));
        let f = wb.worksheet_formula("Sheet1").unwrap();
        assert_eq!(f.get_size(), (1, 1));
    }

    /// `check_dimensions` leaves a DIMENSIONS record of another length to calamine, which
    /// 0.38.0 refuses with an error (caught, named) when the file is opened.
    #[test]
    fn calamine_pin_refuses_dimensions_of_another_length() {
        let book = Book {
            extra: vec![(DIMENSIONS, vec![0; 12])],
            ..Book::default()
        };
        let bytes = xls_of(&book);
        assert_eq!(check(&bytes).unwrap(), Format::Xls);
        let err = <calamine::Xls<_> as calamine::Reader<_>>::new(Cursor::new(&bytes)).err();
        assert!(
            matches!(&err, Some(e) if e.to_string().contains("dimensions")),
            "{err:?}"
        );
    }
}
