//! The formats every workbook shares, so the template, the returned forms and the
//! consolidated workbook look like one family.

use rust_xlsxwriter::{Format, FormatAlign, FormatBorder};

pub const INPUT_FILL: u32 = 0xFFF2CC;
pub const FAULT_FILL: u32 = 0xFFC7CE;
pub const WARN_FILL: u32 = 0xFFEB9C;
pub const HEADER_FILL: u32 = 0xD9E1F2;
/// A figure the form computes: grey, locked.
pub const COMPUTED_FILL: u32 = 0xEDEDED;
/// A figure the province filled in before sending the form: pale blue, locked, told
/// apart from the grey the form computes and the yellow the unit types.
pub const PREFILLED_FILL: u32 = 0xDDEBF7;
/// A table's *Tổng cộng* row: a darker grey than a computed figure, so the row reads as
/// the end of the table, and not yellow: nothing is typed there.
pub const TOTAL_FILL: u32 = 0xD9D9D9;
/// The text of an explanation beside a faulty row: dark red, still dark on paper.
pub const FAULT_TEXT: u32 = 0x9C0006;

pub fn title() -> Format {
    Format::new()
        .set_bold()
        .set_font_size(14)
        .set_align(FormatAlign::Center)
        .set_align(FormatAlign::VerticalCenter)
}
pub fn header() -> Format {
    Format::new()
        .set_bold()
        .set_text_wrap()
        .set_align(FormatAlign::Center)
        .set_align(FormatAlign::VerticalCenter)
        .set_background_color(HEADER_FILL)
        .set_border(FormatBorder::Thin)
}
pub fn label() -> Format {
    Format::new()
        .set_text_wrap()
        .set_align(FormatAlign::VerticalCenter)
        .set_border(FormatBorder::Thin)
}
pub fn section() -> Format {
    Format::new().set_bold().set_italic()
}
pub fn note() -> Format {
    Format::new().set_italic().set_font_color(0x595959)
}
pub fn bold() -> Format {
    Format::new().set_bold().set_border(FormatBorder::Thin)
}
pub fn text() -> Format {
    Format::new().set_border(FormatBorder::Thin)
}
pub fn count() -> Format {
    Format::new()
        .set_num_format("#,##0")
        .set_border(FormatBorder::Thin)
}
pub fn percent() -> Format {
    Format::new()
        .set_num_format("0.00")
        .set_border(FormatBorder::Thin)
}
pub fn decimal() -> Format {
    Format::new()
        .set_num_format("#,##0.00")
        .set_border(FormatBorder::Thin)
}
pub fn date() -> Format {
    Format::new()
        .set_num_format("dd/mm/yyyy")
        .set_border(FormatBorder::Thin)
}
/// An input cell: unlocked (the sheet is protected) and highlighted.
pub fn input(base: Format) -> Format {
    base.set_unlocked().set_background_color(INPUT_FILL)
}
/// A cell with an error: red, and a thick frame, which a black-and-white printer keeps
/// when the red prints as a pale grey.
pub fn fault(base: Format) -> Format {
    base.set_background_color(FAULT_FILL)
        .set_border(FormatBorder::Thick)
}
/// A cell with a warning: amber, and a dashed frame, told apart from an error's on paper.
pub fn warn(base: Format) -> Format {
    base.set_background_color(WARN_FILL)
        .set_border(FormatBorder::MediumDashed)
}

/// A cell of a table's *Tổng cộng* row: bold, grey, a line above it, locked (the
/// formulas add the rows up).
pub fn total(base: Format) -> Format {
    base.set_bold()
        .set_background_color(TOTAL_FILL)
        .set_border_top(FormatBorder::Medium)
}

/// The explanation written beside a faulty row, in the column right of the form: wrapped,
/// so it prints whole; outside the cells the reader reads, so a corrected workbook sent
/// back is read as the form alone.
pub fn explanation() -> Format {
    Format::new()
        .set_text_wrap()
        .set_align(FormatAlign::VerticalCenter)
        .set_font_color(FAULT_TEXT)
        .set_border(FormatBorder::Thin)
}

/// A figure the form computes with a formula: locked and grey, so no one types over it.
pub fn computed(base: Format) -> Format {
    base.set_background_color(COMPUTED_FILL)
}

/// A cell the province filled in ([`PREFILLED_FILL`]): locked, whatever the cell is.
pub fn prefilled(base: Format) -> Format {
    base.set_background_color(PREFILLED_FILL).set_locked()
}

/// The height of a row whose text wraps in a column `width` characters wide, when it
/// takes more than one line: LibreOffice does not grow a row to fit wrapped text, so
/// without it the lines overlap the next row on screen and on paper.
pub fn wrapped_height(text: &str, width: f64) -> Option<f64> {
    let lines = text
        .split('\n')
        .map(|l| {
            (l.chars().count() as f64 / (width * 0.95).max(8.0))
                .ceil()
                .max(1.0)
        })
        .sum::<f64>();
    (lines > 1.0).then_some(15.0 * lines)
}

/// The width of a column of unit codes, at least `least`: a code is upper-case ASCII,
/// wider than the digit a column's width is counted in, and a code that wraps
/// ("MUONGTOO" over "NG") reads as two units on paper. Sized from the form's longest
/// code (DIENBIENPHU, eleven letters, was seen to fit in 12 on LibreOffice's page).
pub fn code_width(form: &crate::form::Form, least: f64) -> f64 {
    form.units
        .iter()
        .map(|u| width_of_code(&u.code, least))
        .fold(least, f64::max)
}

/// The width [`code_width`] gives one code, capped so that a hostile roster cannot push
/// the rest of a table off the page.
pub fn width_of_code(code: &str, least: f64) -> f64 {
    (code.chars().count() as f64 * 1.1 + 0.5).clamp(least, 24.0)
}

/// Widens `widths[code]` to [`code_width`] and takes what it gains from
/// `widths[give]`, a column whose text wraps: the table prints on the pages it printed
/// on before (a sheet planned for one page across stays one page across).
pub fn fit_codes(form: &crate::form::Form, widths: &mut [f64], code: usize, give: usize) {
    (widths[code], widths[give]) = fitted(form, widths[code], widths[give]);
}

/// [`fit_codes`] on two widths: the code column's and the giving column's, as they
/// become.
pub fn fitted(form: &crate::form::Form, code: f64, give: f64) -> (f64, f64) {
    let wanted = code_width(form, code);
    (wanted, (give - (wanted - code)).max(10.0))
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_longest_code_fits_its_column() {
        let form = crate::form::Form::default_form().unwrap();
        // DIENBIENPHU, eleven letters, is the default roster's longest.
        assert_eq!(super::code_width(&form, 8.0), 11.0 * 1.1 + 0.5);
        assert_eq!(super::code_width(&form, 20.0), 20.0);
        assert_eq!(super::width_of_code("CAT", 11.0), 11.0);
        assert_eq!(super::width_of_code(&"X".repeat(500), 11.0), 24.0);
        let mut widths = [5.0, 8.0, 40.0];
        super::fit_codes(&form, &mut widths, 1, 2);
        assert_eq!(widths.iter().sum::<f64>(), 53.0);
        assert!(widths[1] > 12.0);
    }

    #[test]
    fn a_long_text_gets_a_row_for_each_line() {
        assert_eq!(super::wrapped_height("ngắn", 20.0), None);
        assert_eq!(super::wrapped_height(&"x".repeat(50), 20.0), Some(45.0));
        assert_eq!(super::wrapped_height("a\nb", 20.0), Some(30.0));
    }
}
