//! Cell values and how one is written. Every cell of a form goes through here, so the
//! rules that keep a workbook honest are kept once: text stays text even when it looks
//! like a formula, a NaN or an infinity never reaches a cell (rust_xlsxwriter would
//! write it as the text `NAN`), a date is a date serial, and a formula carries the value
//! readers that do not recalculate show.
//!
//! Both value types implement rust_xlsxwriter's [`IntoExcelData`], so a worksheet writes
//! them as it writes its own types: `ws.write_with_format(row, col, value, &format)`.

use crate::cellref::Pos;
use crate::write::{cell_text, report::tidy};
use chrono::NaiveDate;
use rust_xlsxwriter::{ColNum, Format, Formula, IntoExcelData, RowNum, Worksheet, XlsxError};

/// A value to put in a cell, owned: what a sample or a total row is built from.
#[derive(Debug, Clone, PartialEq)]
pub enum Out {
    /// An empty cell, which still carries its format (input tint, border).
    Blank,
    /// A number; a NaN or an infinity is written as a blank.
    Number(f64),
    /// Text, written as text even when it looks like a number or a formula.
    Text(String),
    /// A date, written as a date serial: the cell's format shows it as a date.
    Date(NaiveDate),
    /// A formula with the value readers that do not recalculate should show.
    Formula(String, f64),
    /// A formula whose value is empty for now (a percentage of a blank base).
    FormulaBlank(String),
    /// A formula whose value is a text (the unit code looked up from the chosen name).
    FormulaText(String, String),
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
            Out::FormulaBlank(f) => OutRef::FormulaBlank(f),
            Out::FormulaText(f, t) => OutRef::FormulaText(f, t),
        }
    }
}

/// [`Out`] borrowed from wherever the figures are held, so a table read from a unit's
/// workbook is written back without copying it first.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum OutRef<'a> {
    /// See [`Out::Blank`].
    Blank,
    /// See [`Out::Number`].
    Number(f64),
    /// See [`Out::Text`].
    Text(&'a str),
    /// See [`Out::Date`].
    Date(NaiveDate),
    /// See [`Out::Formula`].
    Formula(&'a str, f64),
    /// See [`Out::FormulaBlank`].
    FormulaBlank(&'a str),
    /// See [`Out::FormulaText`].
    FormulaText(&'a str, &'a str),
}

impl From<OutRef<'_>> for Out {
    fn from(v: OutRef<'_>) -> Out {
        match v {
            OutRef::Blank => Out::Blank,
            OutRef::Number(n) => Out::Number(n),
            OutRef::Text(s) => Out::Text(s.to_string()),
            OutRef::Date(d) => Out::Date(d),
            OutRef::Formula(f, n) => Out::Formula(f.to_string(), n),
            OutRef::FormulaBlank(f) => Out::FormulaBlank(f.to_string()),
            OutRef::FormulaText(f, t) => Out::FormulaText(f.to_string(), t.to_string()),
        }
    }
}

/// A formula with its cached result: a NaN result is cached as 0, never as `NAN`.
fn formula(f: &str, result: f64) -> Formula {
    Formula::new(f).set_result(tidy(result).to_string())
}

impl IntoExcelData for OutRef<'_> {
    /// Without a format a blank (or a non-finite number) writes nothing, as an empty
    /// cell with no format is no cell; a date shows as its serial, as rust_xlsxwriter's
    /// own dates do.
    fn write(
        self,
        ws: &mut Worksheet,
        row: RowNum,
        col: ColNum,
    ) -> Result<&mut Worksheet, XlsxError> {
        match self {
            OutRef::Blank => Ok(ws),
            OutRef::Number(n) if n.is_finite() => ws.write_number(row, col, n),
            OutRef::Number(_) => Ok(ws),
            OutRef::Text(s) => ws.write_string(row, col, cell_text(s)),
            OutRef::Date(d) => ws.write(row, col, &d),
            OutRef::Formula(f, result) => ws.write_formula(row, col, formula(f, result)),
            OutRef::FormulaBlank(f) => ws.write_formula(row, col, Formula::new(f).set_result("")),
            OutRef::FormulaText(f, t) => {
                ws.write_formula(row, col, Formula::new(f).set_result(cell_text(t)))
            }
        }
    }

    fn write_with_format<'a>(
        self,
        ws: &'a mut Worksheet,
        row: RowNum,
        col: ColNum,
        fmt: &Format,
    ) -> Result<&'a mut Worksheet, XlsxError> {
        match self {
            OutRef::Blank => ws.write_blank(row, col, fmt),
            OutRef::Number(n) if n.is_finite() => ws.write_number_with_format(row, col, n, fmt),
            OutRef::Number(_) => ws.write_blank(row, col, fmt),
            OutRef::Text(s) => ws.write_string_with_format(row, col, cell_text(s), fmt),
            OutRef::Date(d) => ws.write_with_format(row, col, &d, fmt),
            OutRef::Formula(f, result) => {
                ws.write_formula_with_format(row, col, formula(f, result), fmt)
            }
            OutRef::FormulaBlank(f) => {
                ws.write_formula_with_format(row, col, Formula::new(f).set_result(""), fmt)
            }
            OutRef::FormulaText(f, t) => ws.write_formula_with_format(
                row,
                col,
                Formula::new(f).set_result(cell_text(t)),
                fmt,
            ),
        }
    }
}

impl IntoExcelData for &Out {
    fn write(
        self,
        ws: &mut Worksheet,
        row: RowNum,
        col: ColNum,
    ) -> Result<&mut Worksheet, XlsxError> {
        self.view().write(ws, row, col)
    }

    fn write_with_format<'a>(
        self,
        ws: &'a mut Worksheet,
        row: RowNum,
        col: ColNum,
        fmt: &Format,
    ) -> Result<&'a mut Worksheet, XlsxError> {
        self.view().write_with_format(ws, row, col, fmt)
    }
}

/// Write one value with a format at a position of the crate's own kind, as the
/// consolidated workbook's total rows do.
pub fn put(ws: &mut Worksheet, pos: Pos, v: &Out, fmt: &Format) -> Result<(), XlsxError> {
    ws.write_with_format(pos.row, pos.col, v, fmt)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::text::date::from_excel_serial;
    use calamine::{Data, Reader, Xlsx};
    use rust_xlsxwriter::Workbook;
    use std::io::Cursor;

    /// Each value written in column A of its own row (a date under a date format, as
    /// the form writes one), then read back: (value, formula) per row.
    fn round_trip(values: &[OutRef<'_>]) -> Vec<(Data, String)> {
        let mut wb = Workbook::new();
        let ws = wb.add_worksheet();
        let (plain, date) = (Format::new(), Format::new().set_num_format("dd/mm/yyyy"));
        for (r, v) in values.iter().enumerate() {
            let fmt = if matches!(v, OutRef::Date(_)) {
                &date
            } else {
                &plain
            };
            ws.write_with_format(r as u32, 0, *v, fmt).unwrap();
        }
        let mut book = Xlsx::new(Cursor::new(wb.save_to_buffer().unwrap())).unwrap();
        let cells = book.worksheet_range("Sheet1").unwrap();
        let formulas = book.worksheet_formula("Sheet1").unwrap();
        (0..values.len() as u32)
            .map(|r| {
                (
                    cells.get_value((r, 0)).cloned().unwrap_or(Data::Empty),
                    formulas.get_value((r, 0)).cloned().unwrap_or_default(),
                )
            })
            .collect()
    }

    #[test]
    fn each_value_reads_back_as_what_it_is() {
        let date = NaiveDate::from_ymd_opt(2026, 6, 30).unwrap();
        let got = round_trip(&[
            OutRef::Blank,
            OutRef::Number(36.56),
            OutRef::Number(f64::NAN),
            OutRef::Number(f64::NEG_INFINITY),
            OutRef::Text("=SUM(A1:A2)"),
            OutRef::Text("+84"),
            OutRef::Date(date),
            OutRef::Formula("1+1", 2.0),
            OutRef::Formula("0/0", f64::NAN),
        ]);
        let text = |s: &str| Data::String(s.into());
        let none = String::new();
        assert_eq!(got[0], (Data::Empty, none.clone()));
        assert_eq!(got[1], (Data::Float(36.56), none.clone()));
        // Never the text NAN or INF.
        assert_eq!(got[2], (Data::Empty, none.clone()));
        assert_eq!(got[3], (Data::Empty, none.clone()));
        // Text that looks like a formula stays text, with no formula behind it.
        assert_eq!(got[4], (text("=SUM(A1:A2)"), none.clone()));
        assert_eq!(got[5], (text("+84"), none));
        // A date is a date serial under the date format: 30/06/2026 is serial 46203.
        match &got[6].0 {
            Data::DateTime(d) => {
                assert_eq!(d.as_f64(), 46_203.0);
                assert_eq!(from_excel_serial(d.as_f64(), false), Ok(date));
            }
            other => panic!("{other:?}"),
        }
        // A formula carries its result; a NaN result is cached as 0.
        assert_eq!(got[7], (Data::Float(2.0), "1+1".to_string()));
        assert_eq!(got[8], (Data::Float(0.0), "0/0".to_string()));
    }

    #[test]
    fn an_owned_value_writes_as_its_view() {
        let mut wb = Workbook::new();
        let ws = wb.add_worksheet();
        put(ws, Pos::new(0, 0), &Out::Text("=1".into()), &Format::new()).unwrap();
        ws.write(1, 0, &Out::Number(7.0)).unwrap();
        // Unformatted, a blank is no cell at all.
        ws.write(2, 0, &Out::Blank).unwrap();
        let mut book = Xlsx::new(Cursor::new(wb.save_to_buffer().unwrap())).unwrap();
        let cells = book.worksheet_range("Sheet1").unwrap();
        assert_eq!(cells.get_value((0, 0)), Some(&Data::String("=1".into())));
        assert_eq!(cells.get_value((1, 0)), Some(&Data::Float(7.0)));
        assert_eq!(cells.end(), Some((1, 0)));
    }
}
