//! The unit chooses its name, and the code follows: the blank form (and a sample) carries
//! a sheet listing the units by name and code, the unit-name cell offers those names in a
//! drop-down, and the unit-code cell looks the chosen name up, locked. Clerks know their
//! unit's name; a bare code (MUONGNHE, DBP) is what they mistype.
//!
//! A returned workbook keeps the code as the unit's file had it: the unit's typed name
//! need not be one of the list's, and a lookup would then blank a code that was right.
//! The checks stay as they are for files typed by hand (the name is still recognised,
//! an unknown one named with the nearest units).

use super::values::Out;
use crate::cellref::Pos;
use crate::form::Form;
use crate::spec::Layout;
use crate::write::style;
use rust_xlsxwriter::{
    DataValidation, DataValidationErrorStyle, Formula, Workbook, Worksheet, XlsxError,
};

/// The list sheet's name; a form that has a sheet of that name gets no list.
pub const SHEET: &str = crate::spec::UNIT_LIST_SHEET;
/// Header row of the list (zero-based); units start on the row below.
const HEADER_ROW: u32 = 2;

/// Where the list is: the units it holds (in the form's order) and its sheet.
#[derive(Debug, Clone)]
pub struct UnitList {
    units: Vec<usize>,
}

impl UnitList {
    /// The list for `form`: the units that exist today (no end date). `None` when the
    /// form has no unit-name cell, no units, more than [`crate::spec::MAX_LISTED`], or a sheet of the
    /// list's name already.
    pub fn of(form: &Layout) -> Option<UnitList> {
        form.has_unit_list().then(|| UnitList {
            units: form.units.expected(None),
        })
    }

    /// `'Danh sách đơn vị'!$B$4:$C$52`: the names, and the codes beside them.
    fn range(&self, columns: &str) -> String {
        let first = HEADER_ROW + 2;
        let last = HEADER_ROW + 1 + self.units.len() as u32;
        let (a, b) = columns.split_once(':').unwrap_or((columns, columns));
        format!("'{SHEET}'!${a}${first}:${b}${last}")
    }

    /// The unit-name cell's drop-down of the listed names.
    pub fn name_validation(&self) -> Result<DataValidation, XlsxError> {
        DataValidation::new()
            .allow_list_formula(Formula::new(format!("={}", self.range("B:B"))))
            .set_error_style(DataValidationErrorStyle::Stop)
            .set_error_title("Tên đơn vị không hợp lệ")?
            .set_error_message(
                "Chọn tên đơn vị trong danh sách (bấm vào mũi tên bên phải ô). Mã đơn vị tự điền theo tên.",
            )
    }

    /// The unit-code cell: the code of the name chosen at `name` (on sheet `name_sheet`,
    /// from the code cell's sheet `here`), blank until one is; cached as `code`.
    pub fn code_formula(
        &self,
        sheets: &[String],
        here: usize,
        name_sheet: usize,
        name: Pos,
        code: &str,
    ) -> Out {
        let at = if here == name_sheet {
            name.to_string()
        } else {
            format!("'{}'!{name}", sheets[name_sheet].replace('\'', "''"))
        };
        Out::FormulaText(
            format!("IFERROR(VLOOKUP({at},{},2,FALSE),\"\")", self.range("B:C")),
            code.to_string(),
        )
    }

    /// The list's sheet, appended after the form's, protected; printable as the form's
    /// annex.
    pub fn write(&self, wb: &mut Workbook, form: &Form) -> Result<(), XlsxError> {
        let ws: &mut Worksheet = wb.add_worksheet();
        ws.set_name(SHEET)?;
        ws.set_column_width(0, 6)?;
        ws.set_column_width(1, 48)?;
        ws.set_column_width(2, 16)?;
        ws.set_paper_size(9);
        ws.set_print_fit_to_pages(1, 0);
        ws.set_repeat_rows(HEADER_ROW, HEADER_ROW)?;
        ws.merge_range(0, 0, 0, 2, "DANH SÁCH ĐƠN VỊ BÁO CÁO", &style::title())?;
        ws.set_row_height(0, 24)?;
        let on = form
            .identity
            .unit_name
            .map_or("", |i| form.sheets[form.cells[i].sheet].name.as_str());
        ws.write_string_with_format(
            1,
            0,
            format!(
                "Chọn tên đơn vị ở ô Tên đơn vị (sheet {on}): mã đơn vị tự điền theo danh sách này."
            ),
            &style::note(),
        )?;
        for (c, h) in ["STT", "Tên đơn vị", "Mã đơn vị"].iter().enumerate() {
            ws.write_string_with_format(HEADER_ROW, c as u16, *h, &style::header())?;
        }
        for (k, &u) in self.units.iter().enumerate() {
            let row = HEADER_ROW + 1 + k as u32;
            let unit = &form.units[u];
            ws.write_number_with_format(row, 0, (k + 1) as f64, &style::text())?;
            ws.write_string_with_format(row, 1, &unit.name, &style::text())?;
            ws.write_string_with_format(row, 2, &unit.code, &style::text())?;
        }
        ws.protect();
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::spec::MAX_LISTED;

    /// The default form with units appended up to `n` expected ones.
    fn form_of(n: usize) -> Form {
        let base = Form::from_toml(crate::form::DEFAULT_SPEC, "default").unwrap();
        let mut text = base.source.clone();
        for i in base.units.expected(None).len()..n {
            text.push_str(&format!(
                "\n[[units]]\ncode = \"U{i:05}\"\nname = \"Đảng bộ cơ sở số {i}\"\n"
            ));
        }
        Form::from_toml(&text, "many").unwrap()
    }

    #[test]
    fn a_list_holds_at_most_max_listed_units() {
        let at = UnitList::of(&form_of(MAX_LISTED)).expect("a list at the limit");
        assert_eq!(at.units.len(), MAX_LISTED);
        assert!(at.range("B:C").ends_with(&format!("$C${}", MAX_LISTED + 3)));
        let past = form_of(MAX_LISTED + 1);
        assert!(UnitList::of(&past).is_none());
        // The messages that ask to choose from the list know there is none.
        assert!(!past.units.listed() && form_of(MAX_LISTED).units.listed());
    }

    /// The form's own words (the instructions sheet, the note on Thông tin) ask to
    /// choose the name from the list only where the blank form has one.
    #[test]
    fn past_the_limit_the_form_asks_to_write_the_name_and_code() {
        let said = |f: &Form| -> Vec<String> {
            let info = f.sheets.iter().find(|s| s.name == "Thông tin").unwrap();
            f.paper
                .as_ref()
                .unwrap()
                .instructions
                .iter()
                .cloned()
                .chain(info.texts.iter().map(|t| t.1.clone()))
                .filter(|t| t.contains("tên đơn vị"))
                .collect()
        };
        let listed = said(&form_of(MAX_LISTED));
        assert_eq!(listed.len(), 2, "{listed:?}");
        for t in &listed {
            assert!(
                t.to_lowercase().contains("chọn tên đơn vị trong danh sách")
                    && t.contains("tự điền"),
                "{t}"
            );
        }
        let unlisted = said(&form_of(MAX_LISTED + 1));
        assert_eq!(unlisted.len(), 2, "{unlisted:?}");
        for t in &unlisted {
            let t = t.to_lowercase();
            assert!(t.contains("ghi đúng tên đơn vị và mã đơn vị"), "{t}");
            assert!(!t.contains("chọn") && !t.contains("tự điền"), "{t}");
        }
    }
}
