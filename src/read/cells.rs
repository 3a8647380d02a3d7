//! One pass from a sheet's cells, as any calamine reader yields them, to the raw cells the
//! form can use.
//!
//! xlsx sheets are streamed (`worksheet_cells_reader`: a far cell costs a scan, not a
//! dense range), while `.xls` and `.ods` sheets only exist as calamine's ranges, built when
//! the file is opened. Both become one row-major sequence of [`Cell`]s: the value, and the
//! formula when there is one, at each position. [`window_cells`] then applies every rule
//! once, whatever the format: the form's window, the stop at its last row, a formula with
//! no cached value named as such, and the order and uniqueness the extractor relies on.

use super::{RawValue, capped};
use crate::cellref::Pos;
use crate::spec::Layout;
use calamine::{CellType, Data, DataRef, Range};
use chrono::NaiveDate;
use std::iter::Peekable;

/// Which part of a sheet the form can use.
#[derive(Debug, Clone)]
pub(super) struct Window {
    last_row: u32,
    cols: Vec<bool>,
    /// The unit-code cell, when it is on this sheet: its formula's cached value is read
    /// with a care no other cell needs (see [`RawValue::UncalculatedText`]).
    code: Option<Pos>,
}

impl Window {
    /// Rows `0..=last_row`, columns `0..cols`.
    pub(super) fn every(last_row: u32, cols: u16) -> Window {
        Window {
            last_row,
            cols: vec![true; cols as usize],
            code: None,
        }
    }

    pub(super) fn wants(&self, pos: Pos) -> bool {
        pos.row <= self.last_row && self.cols.get(pos.col as usize).copied().unwrap_or(false)
    }
}

/// Each declared sheet's window, by the form's sheet index.
pub(super) fn windows(form: &Layout) -> Vec<Window> {
    let mut w: Vec<Window> = form
        .sheets
        .iter()
        .map(|_| Window {
            last_row: 0,
            cols: Vec::new(),
            code: None,
        })
        .collect();
    // Only a form with a unit list makes the code a lookup of the name.
    if form.has_unit_list() {
        let code = &form.cells[form.identity.unit_code];
        w[code.sheet].code = Some(code.pos);
    }
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

/// One position of a sheet as a reader yields it: 0-based row and column, the cached
/// value, and the formula text when the cell holds one.
pub(super) struct Cell<V, F> {
    pub row: u32,
    pub col: u32,
    pub value: V,
    pub formula: Option<F>,
}

/// A cell value from either kind of calamine reader, converted only once the cell is known
/// to be wanted: most cells of a sheet are outside the window.
pub(super) trait CellValue {
    /// calamine's empty value, which is what a formula without a cached value reads as.
    fn is_empty(&self) -> bool;
    /// The value as the extractor sees it: numbers as `f64`, texts capped, dates checked.
    fn into_raw(self) -> RawValue;
}

impl CellValue for DataRef<'_> {
    fn is_empty(&self) -> bool {
        matches!(self, DataRef::Empty)
    }

    fn into_raw(self) -> RawValue {
        match self {
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
}

impl CellValue for &Data {
    fn is_empty(&self) -> bool {
        matches!(self, Data::Empty)
    }

    fn into_raw(self) -> RawValue {
        match self {
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
}

/// A sheet's cells in row-major order, empty ones left out, and whether the sheet had
/// content past the form's last row (where the pass stopped).
pub(super) struct Cells {
    pub cells: Vec<(Pos, RawValue)>,
    pub truncated: bool,
    /// The rows each one-column `SUM` formula with a figure adds up, in `Pos` order.
    pub sums: Vec<(Pos, SumRange)>,
    /// Whether two cells were read at one position (the first was kept): only a damaged
    /// or hand-made file has them, and a reader that fills cells in afterwards (the
    /// shared strings of `.xlsx`) must then tell which cell was kept.
    pub duplicates: bool,
}

/// The rows a one-column `SUM(E4:E18)` formula adds up, 0-based and inclusive. Kept
/// for the message of a total row that disagrees with its rows: a formula that stops
/// short of rows inserted below its range is the usual cause, and the unit must be
/// told which rows it misses. Only this shape is recognised; any other formula (the
/// template's own, which grows with inserted rows) says nothing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SumRange {
    /// First row the formula adds, zero-based.
    pub first: u32,
    /// Last row it adds, zero-based, inclusive.
    pub last: u32,
}

impl SumRange {
    /// `SUM(E4:E18)` in column `col` (0-based) as Excel stores it (`E$4`, a leading
    /// `=`) or LibreOffice's .ods (`of:=SUM([.E4:.E18])`); `None` for anything else,
    /// including a range over another column or several columns.
    pub fn parse(formula: &str, col: u32) -> Option<SumRange> {
        let f = formula.trim();
        let f = f.strip_prefix("of:").unwrap_or(f);
        let f = f.strip_prefix('=').unwrap_or(f).trim();
        let inner = f
            .get(..4)
            .filter(|h| h.eq_ignore_ascii_case("SUM("))
            .and_then(|_| f[4..].strip_suffix(')'))?;
        let inner = inner.trim();
        let inner = inner
            .strip_prefix('[')
            .and_then(|i| i.strip_suffix(']'))
            .unwrap_or(inner);
        let (a, b) = inner.split_once(':')?;
        let end = |r: &str| -> Option<u32> {
            let r = r.trim();
            let r = r.strip_prefix('.').unwrap_or(r);
            let r = r.strip_prefix('$').unwrap_or(r);
            let letters = r.bytes().take_while(u8::is_ascii_alphabetic).count();
            let (name, rest) = r.split_at(letters);
            let rest = rest.strip_prefix('$').unwrap_or(rest);
            if name.is_empty() || rest.is_empty() || !rest.bytes().all(|b| b.is_ascii_digit()) {
                return None;
            }
            (u32::from(crate::cellref::parse_column(name).ok()?) == col)
                .then(|| rest.parse::<u32>().ok())
                .flatten()
                .filter(|&n| n >= 1)
                .map(|n| n - 1)
        };
        let (first, last) = (end(a)?, end(b)?);
        (first <= last).then_some(SumRange { first, last })
    }
}

/// The cells of `source` the form can use. Reading stops at the first value or formula
/// past the window's last row, so a sheet of a million rows costs no more than the form.
pub(super) fn window_cells<V: CellValue, F: AsRef<str> + Into<String>, E>(
    source: impl IntoIterator<Item = Result<Cell<V, F>, E>>,
    win: &Window,
) -> Result<Cells, E> {
    let mut cells = Vec::new();
    let mut sums = Vec::new();
    let mut truncated = false;
    for c in source {
        let Cell {
            row,
            col,
            value,
            formula,
        } = c?;
        if row > win.last_row {
            if !value.is_empty() || formula.is_some() {
                truncated = true;
                break;
            }
            continue;
        }
        let pos = Pos::new(row, col.min(u16::MAX as u32) as u16);
        if !win.wants(pos) {
            continue;
        }
        let v = match formula {
            // A formula whose cached value is missing reads as empty: name it instead.
            // Unless it can yield an empty text (`IF(N(D9)=0;"";…)`, the template's
            // percentage of a zero base): LibreOffice saves that result in an .ods as a
            // cell with no value, which is a computed blank, not a missing one.
            Some(f)
                if value.is_empty() && !f.as_ref().is_empty() && !f.as_ref().contains("\"\"") =>
            {
                RawValue::Uncalculated(capped(f.into()))
            }
            Some(f) => {
                let v = value.into_raw();
                // The form's unit code is a lookup of the chosen name, so its result is a
                // text. LibreOffice, saving as .xls a workbook it opened without
                // recalculating, writes each text result it never calculated as 0.
                if win.code == Some(pos) && v == RawValue::Number(0.0) {
                    RawValue::UncalculatedText
                } else {
                    if matches!(v, RawValue::Number(_))
                        && let Some(r) = SumRange::parse(f.as_ref(), col)
                    {
                        sums.push((pos, r));
                    }
                    v
                }
            }
            None => value.into_raw(),
        };
        if !matches!(v, RawValue::Empty) {
            cells.push((pos, v));
        }
    }
    // Readers yield row-major in every file we know, but nothing in an xlsx forces it:
    // sort so the extractor's binary search and row grouping hold for any file, and keep
    // the first of two cells at one position.
    if !cells.is_sorted_by_key(|(p, _)| *p) {
        cells.sort_by_key(|(p, _)| *p);
    }
    let read = cells.len();
    cells.dedup_by_key(|(p, _)| *p);
    let duplicates = cells.len() != read;
    if !sums.is_sorted_by_key(|(p, _)| *p) {
        sums.sort_by_key(|(p, _)| *p);
    }
    sums.dedup_by_key(|(p, _)| *p);
    Ok(Cells {
        cells,
        truncated,
        sums,
        duplicates,
    })
}

static EMPTY: Data = Data::Empty;

/// The non-empty cells of a sheet's value range and formula range, merged into one
/// row-major sequence: a position in both yields one cell with both. Linear in the cells,
/// however many formulas there are.
pub(super) fn range_cells<'a>(
    values: &'a Range<Data>,
    formulas: Option<&'a Range<String>>,
) -> impl Iterator<Item = Result<Cell<&'a Data, &'a String>, std::convert::Infallible>> + 'a {
    fn absolute<T: CellType>(range: &Range<T>) -> Peekable<impl Iterator<Item = ((u32, u32), &T)>> {
        let (r0, c0) = range.start().unwrap_or((0, 0));
        range
            .used_cells()
            .map(move |(r, c, v)| ((r0 + r as u32, c0 + c as u32), v))
            .peekable()
    }
    let mut values = absolute(values);
    let mut formulas = formulas.map(absolute);
    std::iter::from_fn(move || {
        let next_value = values.peek().map(|(p, _)| *p);
        let next_formula = formulas.as_mut().and_then(|f| f.peek().map(|(p, _)| *p));
        let pos = match (next_value, next_formula) {
            (Some(v), Some(f)) => v.min(f),
            (Some(p), None) | (None, Some(p)) => p,
            (None, None) => return None,
        };
        let value = values
            .next_if(|(p, _)| *p == pos)
            .map_or(&EMPTY, |(_, v)| v);
        let formula = formulas
            .as_mut()
            .and_then(|f| f.next_if(|(p, _)| *p == pos))
            .map(|(_, f)| f);
        Some(Ok(Cell {
            row: pos.0,
            col: pos.1,
            value,
            formula,
        }))
    })
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

fn text(s: String) -> RawValue {
    RawValue::Text(capped(s))
}

/// ODS stores dates as ISO text; keep them dates.
fn iso(s: &str) -> RawValue {
    crate::text::date::parse_date_text(s).map_or_else(|_| text(s.to_string()), RawValue::Date)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn window(last_row: u32, cols: usize) -> Window {
        Window {
            last_row,
            cols: vec![true; cols],
            code: None,
        }
    }

    fn cells_of(
        values: &Range<Data>,
        formulas: &Range<String>,
        win: &Window,
    ) -> (Vec<(Pos, RawValue)>, bool) {
        let Ok(c) = window_cells(range_cells(values, Some(formulas)), win);
        (c.cells, c.truncated)
    }

    #[test]
    fn a_one_column_sum_is_read_as_its_rows_in_either_notation() {
        let r = |first, last| Some(SumRange { first, last });
        assert_eq!(SumRange::parse("SUM(E4:E18)", 4), r(3, 17));
        assert_eq!(SumRange::parse("=sum($E$4:E$18)", 4), r(3, 17));
        assert_eq!(SumRange::parse("of:=SUM([.E4:.E18])", 4), r(3, 17));
        for other in [
            "SUM(E4:E18)+1",
            "SUM(D4:D18)",
            "SUM(E4:F18)",
            "SUM(E18:E4)",
            "SUM(INDEX(E:E,ROW(E$3)+1):INDEX(E:E,ROW()-1))",
            "SUM(E4:INDEX(E:E,ROW()-1))",
            "E4+E5",
            "SUM(E0:E4)",
        ] {
            assert_eq!(SumRange::parse(other, 4), None, "{other}");
        }
    }

    #[test]
    fn a_formula_that_can_yield_an_empty_text_reads_blank_without_a_value() {
        // LibreOffice's .ods of the template: a percentage of a zero base, computed "".
        let mut formulas = Range::new((0, 0), (0, 1));
        formulas.set_value(
            (0, 0),
            "of:=IF(N([.D9])=0;\"\";N([.C9])*100/N([.D9]))".to_string(),
        );
        formulas.set_value((0, 1), "of:=N([.C9])*100".to_string());
        let (cells, _) = cells_of(&Range::empty(), &formulas, &window(3, 3));
        assert_eq!(
            cells,
            vec![(
                Pos::new(0, 1),
                RawValue::Uncalculated("of:=N([.C9])*100".into())
            )]
        );
    }

    #[test]
    fn only_the_unit_code_formula_with_a_number_reads_as_an_uncalculated_text() {
        // LibreOffice's .xls of a form it did not recalculate: the code lookup cached as 0.
        let lookup = "IFERROR(VLOOKUP(C7,'Danh sách đơn vị'!$B$4:$C$52,2,FALSE),\"\")";
        let mut values = Range::new((0, 0), (1, 2));
        let mut formulas = Range::new((0, 0), (1, 2));
        for col in 0..3 {
            values.set_value((0, col), Data::Float(0.0));
            values.set_value((1, col), Data::String("MUONGNHE".into()));
        }
        // Column 0 holds the lookup, column 1 a number typed; column 2 another formula.
        for row in 0..2 {
            formulas.set_value((row, 0), lookup.to_string());
            formulas.set_value((row, 2), "C5+1".to_string());
        }
        let row = |r: u32| {
            let (cells, _) = cells_of(
                &values,
                &formulas,
                &Window {
                    code: Some(Pos::new(r, 0)),
                    ..window(1, 3)
                },
            );
            cells
        };
        let number = RawValue::Number(0.0);
        let code = RawValue::Text("MUONGNHE".into());
        assert_eq!(
            row(0)[..3],
            [
                (Pos::new(0, 0), RawValue::UncalculatedText),
                (Pos::new(0, 1), number.clone()),
                (Pos::new(0, 2), number.clone()),
            ]
        );
        // A number typed at the code cell, with no formula, stays a number.
        let typed = cells_of(
            &values,
            &Range::empty(),
            &Window {
                code: Some(Pos::new(0, 1)),
                ..window(1, 3)
            },
        )
        .0;
        assert_eq!(typed[1], (Pos::new(0, 1), number.clone()));
        // A text the lookup did calculate, and a number anywhere but the code cell, stay.
        assert_eq!(
            row(1)[..3],
            [
                (Pos::new(0, 0), number.clone()),
                (Pos::new(0, 1), number.clone()),
                (Pos::new(0, 2), number)
            ]
        );
        assert_eq!(row(1)[3], (Pos::new(1, 0), code));
    }

    #[test]
    fn ranges_merge_values_and_formulas_into_one_pass() {
        // Ranges that do not start at A1, as calamine builds them from the first used cell.
        let mut values = Range::new((1, 1), (4, 2));
        values.set_value((1, 1), Data::Float(1.0));
        values.set_value((2, 2), Data::String("tổng".into()));
        values.set_value((4, 1), Data::Float(9.0));
        let mut formulas = Range::new((2, 1), (3, 2));
        // A formula with its cached value, and one without.
        formulas.set_value((2, 2), "=B2".to_string());
        formulas.set_value((3, 1), "=SUM(B2:B3)".to_string());
        let (cells, truncated) = cells_of(&values, &formulas, &window(3, 3));
        assert_eq!(
            cells,
            vec![
                (Pos::new(1, 1), RawValue::Number(1.0)),
                (Pos::new(2, 2), RawValue::Text("tổng".into())),
                (Pos::new(3, 1), RawValue::Uncalculated("=SUM(B2:B3)".into())),
            ]
        );
        assert!(truncated, "B5 lies past the last row");
        // Only columns the form uses; nothing past the last row, and then no truncation.
        let narrow = Window {
            last_row: 4,
            cols: vec![false, true],
            code: None,
        };
        let (cells, truncated) = cells_of(&values, &formulas, &narrow);
        assert_eq!(cells.len(), 3);
        assert!(!truncated);
        // A formula alone past the last row stops the pass like a value does.
        let mut beyond = Range::new((9, 0), (9, 0));
        beyond.set_value((9, 0), "=1".to_string());
        let (_, truncated) = cells_of(&Range::empty(), &beyond, &window(3, 3));
        assert!(truncated);
    }

    /// Each formula used to be checked against every cell read before it: 200,000
    /// uncalculated formulas (a column of a form's size copied down, saved by a writer that
    /// caches no values) took 2·10¹⁰ comparisons. The merge takes one step per cell.
    #[test]
    fn many_formulas_cost_linear_time() {
        const N: u32 = 200_000;
        let values = Range::new((0, 0), (N - 1, 1));
        let mut formulas = Range::new((0, 0), (N - 1, 0));
        for row in 0..N {
            formulas.set_value((row, 0), format!("=B{}", row + 1));
        }
        let started = std::time::Instant::now();
        let (cells, _) = cells_of(&values, &formulas, &window(N, 2));
        assert_eq!(cells.len(), N as usize);
        assert_eq!(
            cells[N as usize - 1],
            (Pos::new(N - 1, 0), RawValue::Uncalculated(format!("=B{N}")))
        );
        assert!(
            started.elapsed() < std::time::Duration::from_secs(5),
            "{:?}",
            started.elapsed()
        );
    }
}
