//! What calamine will allocate when it opens an `.ods` file, estimated from `content.xml`
//! before calamine sees it.
//!
//! calamine reads every sheet of an ODS workbook when the file is opened, and expands its
//! repeat attributes into cells: `table:number-columns-repeated` up to 16,384 columns per
//! row element, `table:number-rows-repeated` up to 1,048,576 rows, `text:s text:c` into that
//! many spaces. An 800-byte file that repeats a number over 6,000 rows of 16,000 columns
//! made it take 6 GB and 14 s before refusing nothing. The zip checks bound the XML, not
//! what the XML expands to, so this scan walks `content.xml` as calamine will and adds up
//! what it would hold, never holding more than one row's counters itself.
//!
//! "As calamine will" is the whole point: any difference is a way past the check. The
//! same XML reader and settings; calamine's own lenient attribute scanner, entities
//! decoded where it decodes them; the same caps; empty runs pushed when the next cell
//! starts; a skipped cell skipped to its matching end, a read one ended at the first
//! cell end; a note skipped to its first end tag. A file that ends inside a sheet is
//! flagged: calamine would loop on it forever.

use quick_xml::Reader;
use quick_xml::events::{BytesStart, Event};
use quick_xml::name::QName;
use std::io::BufRead;

/// calamine's caps (ods.rs: `MAX_ROWS`, `MAX_COLUMNS`).
const MAX_ROWS: u64 = 1_048_576;
const MAX_COLUMNS: u64 = 16_384;

/// Bytes per cell: a value and a formula (calamine keeps both grids).
const CELL: u64 = (size_of::<calamine::Data>() + size_of::<String>()) as u64;

/// The estimate for the sheet that costs the most, and for the whole workbook.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Estimate {
    /// 0-based sheet (table) index.
    pub sheet: usize,
    /// The sheet's non-empty area, repeats expanded.
    pub rows: u64,
    pub cols: u64,
    /// Peak bytes for opening the workbook and reading its biggest sheet once.
    pub bytes: u64,
    /// Text, rather than cells, is most of it.
    pub mostly_text: bool,
    /// The file ends inside a sheet: calamine would loop forever opening it.
    pub unterminated: bool,
}

/// One `table:table` as calamine will hold it.
#[derive(Debug, Default)]
struct Table {
    /// Row elements' cells as first read (before the non-empty area is cut out), and
    /// their text: alive only while the sheet is being read.
    raw_cells: u64,
    raw_text: u64,
    /// Rows (repeats expanded) before the current row element, capped like calamine.
    rows: u64,
    /// Non-empty area: rows `first_row..end_row`, columns `col_min..=col_max`.
    first_row: Option<u64>,
    end_row: u64,
    col_min: u64,
    col_max: u64,
    /// Text in the non-empty area, copied once per repeated row.
    text: u64,
}

impl Table {
    fn area(&self) -> (u64, u64) {
        match self.first_row {
            Some(first) => (self.end_row - first, self.col_max + 1 - self.col_min),
            None => (0, 0),
        }
    }

    /// Bytes held once the sheet is read: its grids and their text.
    fn kept(&self) -> u64 {
        let (rows, cols) = self.area();
        rows.saturating_mul(cols)
            .saturating_mul(CELL)
            .saturating_add(self.text)
    }

    /// Bytes while the sheet is read: the row elements' cells, then the cut-out grids.
    fn transient(&self) -> u64 {
        self.raw_cells
            .saturating_mul(CELL)
            .saturating_add(self.raw_text)
    }
}

/// One row element being read.
#[derive(Debug, Default)]
struct Row {
    repeats: u64,
    /// Cells calamine pushes for this row element (trailing empty ones are not).
    cells: u64,
    /// The last empty run, pushed when another cell follows it.
    pending_empty: u64,
    first: Option<u64>,
    last: u64,
    text: u64,
}

/// One cell element being read.
#[derive(Debug, Default)]
struct CellState {
    repeats: u64,
    non_empty: bool,
    /// Its text as calamine builds it (string value, content, formula), each string
    /// with what its allocation costs beyond its bytes.
    text: u64,
    /// calamine reads the content of this cell (a string with no `office:string-value`)
    /// up to the first end of a cell element; otherwise it skips to the matching end.
    reads_content: bool,
    /// `table:covered-table-cell` rather than `table:table-cell`.
    covered: bool,
    /// Cell elements of the same name opened inside this one (skipped cells only).
    depth: u32,
    /// Inside `office:annotation`, whose text calamine skips up to its first end tag.
    in_annotation: bool,
}

/// What a heap string costs beyond its bytes: its allocation's header and rounding.
const STRING_OVERHEAD: u64 = 32;

/// Scan `content.xml` and estimate what opening the workbook will take; stop early once
/// `budget` is exceeded (the figures are then what was seen so far). An XML error ends the
/// scan with what was seen: calamine parses with the same reader and settings, so it
/// stops at the same place with an error of its own.
pub fn estimate(content: impl BufRead, budget: u64) -> Estimate {
    let mut reader = Reader::from_reader(content);
    let config = reader.config_mut();
    config.check_end_names = false;
    config.trim_text(false);
    config.expand_empty_elements = true;

    let mut scan = Scan::default();
    let mut buf = Vec::with_capacity(1024);
    loop {
        buf.clear();
        match reader.read_event_into(&mut buf) {
            Ok(Event::Eof) => {
                // calamine reads a sheet until its end tag and loops at the end of the
                // file when there is none: a file that ends inside a sheet never opens.
                scan.unterminated = scan.table.is_some();
                break;
            }
            Err(_) => break,
            Ok(Event::Start(e)) => scan.start(&e),
            Ok(Event::Text(t)) => scan.text(t.len() as u64),
            // An entity (`&amp;`) is a character or a few.
            Ok(Event::GeneralRef(_)) => scan.text(4),
            Ok(Event::End(e)) => scan.end(e.name()),
            Ok(_) => {}
        }
        if scan.peak() > budget {
            break;
        }
    }
    scan.estimate()
}

/// Where the scan is, and what the sheets seen so far take.
#[derive(Default)]
struct Scan {
    table: Option<Table>,
    row: Option<Row>,
    cell: Option<CellState>,
    /// Sheets finished.
    sheets: usize,
    /// What finished sheets keep.
    kept: u64,
    /// The most a sheet adds at its peak beyond what is kept: its transient cells, or
    /// the copy `worksheet_range` hands out.
    extra: u64,
    /// The sheet whose grids take the most: (index, rows, columns).
    worst: (usize, u64, u64),
    /// What finished sheets' grids and text take, apart.
    grids: u64,
    texts: u64,
    /// The file ended inside a sheet.
    unterminated: bool,
}

impl Scan {
    fn start(&mut self, e: &BytesStart<'_>) {
        let name = e.name();
        if let Some(c) = self.cell.as_mut() {
            if !c.reads_content {
                if name == cell_name(c.covered) {
                    c.depth += 1;
                }
            } else if c.in_annotation {
                // A note's content is skipped whole.
            } else if name == QName("office:annotation") {
                c.in_annotation = true;
            } else {
                // text:s is that many spaces; text:p (a line break between paragraphs),
                // text:tab and text:line-break are one character.
                let n = if name == QName("text:s") {
                    number_attr(e, "text:c").unwrap_or(1)
                } else {
                    1
                };
                c.text = c.text.saturating_add(n);
            }
        } else if let Some(r) = self.row.as_ref() {
            if name == QName("table:table-cell") || name == QName("table:covered-table-cell") {
                self.cell = Some(open_cell(e, r));
            }
        } else if let Some(t) = self.table.as_ref() {
            if name == QName("table:table-row") {
                let asked = number_attr(e, "table:number-rows-repeated").unwrap_or(1);
                self.row = Some(Row {
                    repeats: asked.min(MAX_ROWS.saturating_sub(t.rows)),
                    ..Row::default()
                });
            }
        } else if name == QName("table:table") {
            self.table = Some(Table::default());
        }
    }

    fn text(&mut self, len: u64) {
        if let Some(c) = self.cell.as_mut()
            && c.reads_content
            && !c.in_annotation
        {
            c.text = c.text.saturating_add(len);
        }
    }

    fn end(&mut self, name: QName<'_>) {
        if self.cell.is_some() {
            self.end_in_cell(name);
        } else if name == QName("table:table-row") {
            if let (Some(r), Some(t)) = (self.row.take(), self.table.as_mut()) {
                close_row(r, t);
            }
        } else if name == QName("table:table")
            && let Some(t) = self.table.take()
        {
            let (rows, cols) = t.area();
            self.kept = self.kept.saturating_add(t.kept());
            self.grids = self
                .grids
                .saturating_add(rows.saturating_mul(cols).saturating_mul(CELL));
            self.texts = self.texts.saturating_add(t.text);
            self.extra = self.extra.max(t.transient()).max(t.kept());
            if rows.saturating_mul(cols) >= self.worst.1.saturating_mul(self.worst.2) {
                self.worst = (self.sheets, rows, cols);
            }
            self.sheets += 1;
        }
    }

    fn end_in_cell(&mut self, name: QName<'_>) {
        let Some(c) = self.cell.as_mut() else {
            return;
        };
        let closes = if !c.reads_content {
            // Skipped to the matching end, nested cells of the same name counted.
            if name != cell_name(c.covered) {
                false
            } else if c.depth > 0 {
                c.depth -= 1;
                false
            } else {
                true
            }
        } else if c.in_annotation {
            c.in_annotation = name != QName("office:annotation");
            false
        } else {
            name == QName("table:table-cell") || name == QName("table:covered-table-cell")
        };
        if closes && let (Some(c), Some(r)) = (self.cell.take(), self.row.as_mut()) {
            close_cell(c, r);
        }
    }

    /// Peak bytes so far, the sheet being read included.
    fn peak(&self) -> u64 {
        let current = self
            .table
            .as_ref()
            .map_or(0, |t| t.transient().saturating_add(t.kept()));
        self.kept.saturating_add(self.extra.max(current))
    }

    fn estimate(&self) -> Estimate {
        // A sheet still open (the scan stopped in it) is the one to name.
        let (sheet, rows, cols) = match &self.table {
            Some(t) => {
                let (rows, cols) = t.area();
                (self.sheets, rows, cols)
            }
            None => self.worst,
        };
        let (mut grids, mut texts) = (self.grids, self.texts);
        if let Some(t) = &self.table {
            grids = grids.saturating_add(rows.saturating_mul(cols).saturating_mul(CELL));
            grids = grids.saturating_add(t.raw_cells.saturating_mul(CELL));
            texts = texts.saturating_add(t.text).saturating_add(t.raw_text);
        }
        Estimate {
            sheet,
            rows,
            cols,
            bytes: self.peak(),
            mostly_text: texts > grids,
            unterminated: self.unterminated,
        }
    }
}

/// A non-negative integer attribute as calamine reads it: entities decoded (`&#54;` is
/// 6), `None` if absent or not a number.
fn number_attr(e: &BytesStart<'_>, name: &str) -> Option<u64> {
    let (_, raw) = raw_attrs(e.attributes_raw()).find(|(k, _)| *k == name)?;
    quick_xml::escape::unescape(raw).ok()?.parse::<u64>().ok()
}

/// Attributes as calamine's own lenient scanner reads them (calamine `attrs.rs`,
/// `RawAttrIter`, MIT): a key is everything up to `=` (so `x y="1"` is one key), the
/// value anything between matching quotes. quick-xml's stricter parser would stop where
/// calamine reads on. The scan ends at the first malformed attribute, where calamine
/// fails to open the file.
fn raw_attrs(raw: &str) -> impl Iterator<Item = (&str, &str)> {
    let bytes = raw.as_bytes();
    let mut pos = 0;
    std::iter::from_fn(move || {
        while pos < bytes.len() && bytes[pos].is_ascii_whitespace() {
            pos += 1;
        }
        let key_start = pos;
        while pos < bytes.len() && bytes[pos] != b'=' {
            pos += 1;
        }
        if pos >= bytes.len() {
            return None;
        }
        let key = raw[key_start..pos].trim_ascii_end();
        pos += 1;
        while pos < bytes.len() && bytes[pos].is_ascii_whitespace() {
            pos += 1;
        }
        let quote = *bytes.get(pos).filter(|q| **q == b'"' || **q == b'\'')?;
        pos += 1;
        let start = pos;
        while pos < bytes.len() && bytes[pos] != quote {
            pos += 1;
        }
        let value = &raw[start..pos];
        pos = (pos + 1).min(bytes.len());
        Some((key, value))
    })
}

/// The element name a cell closes on.
fn cell_name(covered: bool) -> QName<'static> {
    if covered {
        QName("table:covered-table-cell")
    } else {
        QName("table:table-cell")
    }
}

fn open_cell(e: &BytesStart<'_>, r: &Row) -> CellState {
    let asked = number_attr(e, "table:number-columns-repeated").unwrap_or(1);
    let mut c = CellState {
        // calamine caps repeats by the columns already pushed in this row.
        repeats: asked.min(MAX_COLUMNS.saturating_sub(r.cells)),
        covered: e.name() == QName("table:covered-table-cell"),
        ..CellState::default()
    };
    let string = |v: &str| (v.len() as u64).saturating_add(STRING_OVERHEAD);
    let (mut value_set, mut is_string, mut is_error) = (false, false, false);
    for (key, value) in raw_attrs(e.attributes_raw()) {
        match key {
            "office:value" | "office:boolean-value" if !value_set => value_set = true,
            "office:string-value" | "office:date-value" | "office:time-value" if !value_set => {
                value_set = true;
                c.text = c.text.saturating_add(string(value));
            }
            "office:value-type" if !value_set => is_string = value == "string",
            "calcext:value-type" => is_error = value == "error",
            "table:formula" => {
                c.non_empty = true;
                c.text = c.text.saturating_add(string(value));
            }
            _ => {}
        }
    }
    c.reads_content = (!value_set && is_string) || (is_error && value_set);
    if c.reads_content {
        c.text = c.text.saturating_add(STRING_OVERHEAD);
    }
    c.non_empty |= value_set || is_string;
    c
}

/// calamine pushes the previous empty run when the next cell starts, whatever that
/// cell holds; only a row's trailing empty run is never pushed.
fn close_cell(c: CellState, r: &mut Row) {
    let pending = r.pending_empty.min(MAX_COLUMNS.saturating_sub(r.cells));
    r.cells += pending;
    r.pending_empty = 0;
    let repeats = c.repeats.min(MAX_COLUMNS.saturating_sub(r.cells));
    if !c.non_empty {
        r.pending_empty = repeats;
        return;
    }
    if repeats == 0 {
        return;
    }
    r.first.get_or_insert(r.cells);
    r.cells += repeats;
    r.last = r.cells - 1;
    r.text = r.text.saturating_add(c.text.saturating_mul(repeats));
}

fn close_row(r: Row, t: &mut Table) {
    t.raw_cells = t.raw_cells.saturating_add(r.cells);
    t.raw_text = t.raw_text.saturating_add(r.text);
    let start = t.rows;
    t.rows = t.rows.saturating_add(r.repeats);
    let Some(first) = r.first else {
        return;
    };
    if t.first_row.is_none() {
        t.first_row = Some(start);
        t.col_min = first;
        t.col_max = r.last;
    } else {
        t.col_min = t.col_min.min(first);
        t.col_max = t.col_max.max(r.last);
    }
    t.end_row = t.rows;
    t.text = t.text.saturating_add(r.text.saturating_mul(r.repeats));
}

#[cfg(test)]
mod tests {
    use super::*;

    fn content(tables: &str) -> String {
        format!(
            r#"<?xml version="1.0" encoding="UTF-8"?>
<office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0"><office:body><office:spreadsheet>{tables}</office:spreadsheet></office:body></office:document-content>"#
        )
    }

    fn est(tables: &str) -> Estimate {
        estimate(content(tables).as_bytes(), u64::MAX)
    }

    const NUM: &str = r#"office:value-type="float" office:value="1""#;

    #[test]
    fn a_plain_sheet_is_its_cells() {
        let e = est(&format!(
            r#"<table:table table:name="A"><table:table-row><table:table-cell {NUM}/><table:table-cell {NUM}/></table:table-row><table:table-row><table:table-cell/><table:table-cell office:value-type="string"><text:p>ab</text:p></table:table-cell></table:table-row></table:table>"#
        ));
        assert_eq!((e.sheet, e.rows, e.cols), (0, 2, 2));
        assert!(e.bytes >= 4 * CELL && e.bytes < 20 * CELL, "{e:?}");
    }

    #[test]
    fn repeated_values_expand_and_trailing_empties_do_not() {
        // LibreOffice ends every sheet with empty repeats to the last row and column.
        let e = est(&format!(
            r#"<table:table table:name="A"><table:table-row table:number-rows-repeated="3"><table:table-cell table:number-columns-repeated="4" {NUM}/><table:table-cell table:number-columns-repeated="1020"/></table:table-row><table:table-row table:number-rows-repeated="1048573"><table:table-cell table:number-columns-repeated="1024"/></table:table-row></table:table>"#
        ));
        assert_eq!((e.rows, e.cols), (3, 4));
        assert!(e.bytes < 100 * CELL, "{e:?}");
    }

    #[test]
    fn a_repeat_bomb_is_measured_not_expanded() {
        let e = est(&format!(
            r#"<table:table table:name="A"><table:table-row table:number-rows-repeated="6000"><table:table-cell table:number-columns-repeated="16000" {NUM}/></table:table-row></table:table>"#
        ));
        assert_eq!((e.rows, e.cols), (6000, 16000));
        assert!(e.bytes >= 6000 * 16000 * CELL, "{e:?}");
        // Capped like calamine: no more than 1,048,576 rows and 16,384 columns.
        let e = est(&format!(
            r#"<table:table table:name="A"><table:table-row table:number-rows-repeated="99999999"><table:table-cell table:number-columns-repeated="99999999" {NUM}/></table:table-row></table:table>"#
        ));
        assert_eq!((e.rows, e.cols), (MAX_ROWS, MAX_COLUMNS));
    }

    #[test]
    fn values_far_apart_span_the_area_between() {
        let e = est(&format!(
            r#"<table:table table:name="A"><table:table-row><table:table-cell {NUM}/></table:table-row><table:table-row table:number-rows-repeated="500000"><table:table-cell/></table:table-row><table:table-row><table:table-cell table:number-columns-repeated="2000"/><table:table-cell {NUM}/></table:table-row></table:table>"#
        ));
        assert_eq!((e.rows, e.cols), (500_002, 2001));
    }

    #[test]
    fn spaces_and_repeated_text_count() {
        // One cell of a billion spaces, in content calamine reads.
        let e = est(
            r#"<table:table table:name="A"><table:table-row><table:table-cell office:value-type="string"><text:p><text:s text:c="1000000000"/></text:p></table:table-cell></table:table-row></table:table>"#,
        );
        assert!(e.bytes >= 1_000_000_000, "{e:?}");
        assert_eq!((e.rows, e.cols), (1, 1));
        // A long string value copied across columns and rows.
        let long = "x".repeat(1000);
        let e = est(&format!(
            r#"<table:table table:name="A"><table:table-row table:number-rows-repeated="100"><table:table-cell table:number-columns-repeated="100" office:value-type="string" office:string-value="{long}"/></table:table-row></table:table>"#
        ));
        assert!(e.bytes >= 100 * 100 * 1000, "{e:?}");
        // Spaces inside a note are not read by calamine.
        let e = est(
            r#"<table:table table:name="A"><table:table-row><table:table-cell office:value-type="string"><office:annotation><text:p><text:s text:c="1000000000"/></text:p></office:annotation><text:p>a</text:p></table:table-cell></table:table-row></table:table>"#,
        );
        assert!(e.bytes < 1000 * CELL, "{e:?}");
    }

    #[test]
    fn every_sheet_counts_and_the_costliest_is_named() {
        let small = format!(
            r#"<table:table table:name="A"><table:table-row><table:table-cell {NUM}/></table:table-row></table:table>"#
        );
        let big = format!(
            r#"<table:table table:name="B"><table:table-row table:number-rows-repeated="1000"><table:table-cell table:number-columns-repeated="10" {NUM}/></table:table-row></table:table>"#
        );
        let e = est(&format!("{small}{big}{small}"));
        assert_eq!((e.sheet, e.rows, e.cols), (1, 1000, 10));
        assert!(e.bytes >= 1000 * 10 * CELL);
    }

    #[test]
    fn the_scan_stops_at_the_budget() {
        let rows = format!(r#"<table:table-row><table:table-cell table:number-columns-repeated="16384" {NUM}/></table:table-row>"#)
            .repeat(1000);
        let e = estimate(
            content(&format!(
                r#"<table:table table:name="A">{rows}</table:table>"#
            ))
            .as_bytes(),
            10 * MAX_COLUMNS * CELL,
        );
        assert!(e.bytes > 10 * MAX_COLUMNS * CELL);
        assert!(e.rows < 1000, "{e:?}");
    }

    #[test]
    fn the_scan_reads_what_calamine_reads() {
        let huge = 2000 * 16384 * CELL;
        // Repeats written with character references: calamine decodes them.
        let e = est(&format!(
            r#"<table:table table:name="A"><table:table-row table:number-rows-repeated="&#50;000"><table:table-cell table:number-columns-repeated="16384" {NUM}/></table:table-row></table:table>"#
        ));
        assert!(e.bytes >= huge, "{e:?}");
        let e = est(
            r#"<table:table table:name="A"><table:table-row><table:table-cell office:value-type="string"><text:p><text:s text:c="&#49;000000000"/></text:p></table:table-cell></table:table-row></table:table>"#,
        );
        assert!(e.bytes >= 1_000_000_000 && e.mostly_text, "{e:?}");
        // An attribute calamine's lenient scanner accepts and quick-xml's would not.
        let e = est(&format!(
            r#"<table:table table:name="A"><table:table-row x y="" table:number-rows-repeated="2000"><table:table-cell x y="" table:number-columns-repeated="16384" {NUM}/></table:table-row></table:table>"#
        ));
        assert!(e.bytes >= huge, "{e:?}");
        // Empty runs are pushed when the next cell starts, empty or not.
        let row = format!(
            r#"<table:table-row><table:table-cell table:number-columns-repeated="16382"/><table:table-cell/><table:table-cell {NUM}/></table:table-row>"#
        );
        let e = est(&format!(
            r#"<table:table table:name="A">{}</table:table>"#,
            row.repeat(2000)
        ));
        assert!(e.bytes >= huge, "{e:?}");
        // calamine skips a note up to its first end tag, nested or not.
        let e = est(
            r#"<table:table table:name="A"><table:table-row><table:table-cell office:value-type="string"><office:annotation><office:annotation></office:annotation><text:p><text:s text:c="1000000000"/></text:p></office:annotation></table:table-cell></table:table-row></table:table>"#,
        );
        assert!(e.bytes >= 1_000_000_000, "{e:?}");
        // A table inside a number cell is skipped whole, and the sheet goes on.
        let e = est(&format!(
            r#"<table:table table:name="A"><table:table-row><table:table-cell {NUM}><table:table><table:table-row><table:table-cell/></table:table-row></table:table></table:table-cell></table:table-row><table:table-row table:number-rows-repeated="2000"><table:table-cell table:number-columns-repeated="16384" {NUM}/></table:table-row></table:table>"#
        ));
        assert!(e.bytes >= huge, "{e:?}");
        assert_eq!((e.rows, e.cols), (2001, 16384));
    }

    /// The scan is only as good as its model of calamine: for each shape of repeats,
    /// calamine 0.38.0 (the version `Cargo.toml` pins) must expand the sheet to exactly the
    /// area the scan predicts. A calamine that expands differently fails here first.
    #[test]
    fn calamine_pin_expands_repeats_to_the_predicted_area() {
        use calamine::Reader;
        let str_cell = r#"office:value-type="string"><text:p>ab</text:p></table:table-cell"#;
        let sheets = [
            // LibreOffice's trailing empty repeats, to the last row and column.
            format!(
                r#"<table:table-row table:number-rows-repeated="3"><table:table-cell table:number-columns-repeated="4" {NUM}/><table:table-cell table:number-columns-repeated="1020"/></table:table-row><table:table-row table:number-rows-repeated="1048573"><table:table-cell table:number-columns-repeated="1024"/></table:table-row>"#
            ),
            // Values far apart, empty rows and columns repeated between them.
            format!(
                r#"<table:table-row><table:table-cell {NUM}/></table:table-row><table:table-row table:number-rows-repeated="50"><table:table-cell/></table:table-row><table:table-row><table:table-cell table:number-columns-repeated="20"/><table:table-cell {NUM}/></table:table-row>"#
            ),
            // Leading empty rows and columns.
            format!(
                r#"<table:table-row table:number-rows-repeated="5"><table:table-cell table:number-columns-repeated="7"/></table:table-row><table:table-row><table:table-cell table:number-columns-repeated="3"/><table:table-cell {NUM}/></table:table-row>"#
            ),
            // A row repeat written as a character reference (calamine decodes it there,
            // not in column repeats), on elements with attributes calamine's lenient
            // scanner accepts.
            format!(
                r#"<table:table-row x y="" table:number-rows-repeated="&#50;0"><table:table-cell x y="" table:number-columns-repeated="7" {NUM}/></table:table-row>"#
            ),
            // Covered cells hold their columns; text repeated across columns.
            format!(
                r#"<table:table-row><table:table-cell {NUM}/><table:covered-table-cell table:number-columns-repeated="3"/><table:table-cell table:number-columns-repeated="2" {str_cell}></table:table-row>"#
            ),
            // Nothing but empty cells.
            r#"<table:table-row table:number-rows-repeated="9"><table:table-cell table:number-columns-repeated="9"/></table:table-row>"#.to_string(),
        ];
        for rows in sheets {
            let xml = content(&format!(
                r#"<table:table table:name="A">{rows}</table:table>"#
            ));
            let e = estimate(xml.as_bytes(), u64::MAX);
            let ods = crate::read::sniff::fixtures::ods_package(xml.as_bytes());
            let mut wb: calamine::Ods<_> =
                calamine::open_workbook_from_rs(std::io::Cursor::new(ods)).unwrap();
            let range = wb.worksheet_range("A").unwrap();
            assert_eq!(
                range.get_size(),
                (e.rows as usize, e.cols as usize),
                "{rows}"
            );
        }
    }

    #[test]
    fn a_file_ending_inside_a_sheet_is_flagged() {
        // calamine loops forever on it.
        let e = estimate(
            &br#"<office:document-content><office:body><office:spreadsheet><table:table table:name="A"><table:table-row><table:table-cell/></table:table-row>"#[..],
            u64::MAX,
        );
        assert!(e.unterminated);
        assert!(!est(r#"<table:table table:name="A"></table:table>"#).unterminated);
    }

    #[test]
    fn damaged_xml_ends_the_scan_quietly() {
        let e = estimate(
            &b"<office:document-content><table:table><table:table-row><table:table-cell"[..],
            1,
        );
        assert_eq!(e.bytes, 0);
    }
}
