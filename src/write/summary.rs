//! The *Tóm tắt* sheet of tong-hop.xlsx: the summary's sentences ([`crate::summary`]),
//! one paragraph per row, wrapped on one A4 portrait page. LibreOffice does not grow a
//! row to fit wrapped text, so each row's height is set from its text.

use super::style;
use crate::compare::Comparison;
use crate::form::Form;
use crate::lang::Lang;
use crate::period::Period;
use rust_xlsxwriter::{Format, FormatAlign, Worksheet, XlsxError};

/// The sheet's name in `lang`.
pub fn sheet_name(lang: Lang) -> &'static str {
    lang.pick("Tóm tắt", "Brief")
}

/// The text column's width, in characters: what an A4 portrait page holds between its
/// margins at 100 % (80 passed the right margin in LibreOffice, whose default font is
/// wider than Excel's).
const WIDTH: f64 = 72.0;

/// Whether the run has a summary to write.
pub fn wanted(cmp: Option<&Comparison>) -> bool {
    cmp.is_some_and(|c| c.extra.brief.is_some())
}

/// Fill `ws` with the summary of `cmp` (nothing when it has none).
pub fn sheet(
    ws: &mut Worksheet,
    form: &Form,
    cmp: &Comparison,
    period: Option<Period>,
    lang: Lang,
) -> Result<(), XlsxError> {
    let Some(brief) = &cmp.extra.brief else {
        return Ok(());
    };
    ws.set_column_width(0, WIDTH)?;
    let title = format!(
        "{} — {}",
        lang.pick("TÓM TẮT KẾT QUẢ", "SUMMARY OF RESULTS"),
        lang.pick(&form.title, &form.title_en)
    );
    let head = style::title().set_text_wrap();
    ws.write_string_with_format(0, 0, &title, &head)?;
    // The title's large bold capitals take about 1.6 times a body character, and a line
    // needs 22 points or the accents above them are clipped.
    let title_lines = (title.chars().count() as f64 / (WIDTH / 1.6))
        .ceil()
        .max(1.0);
    ws.set_row_height(0, 22.0 * title_lines)?;
    let mut row = 1;
    let sub = [
        form.province.clone(),
        period.map(|p| p.to_string()).unwrap_or_default(),
    ]
    .into_iter()
    .filter(|s| !s.is_empty())
    .collect::<Vec<_>>()
    .join(" — ");
    if !sub.is_empty() {
        ws.write_string_with_format(row, 0, &sub, &style::note().set_align(FormatAlign::Center))?;
        row += 1;
    }
    row += 1;
    let para = Format::new()
        .set_text_wrap()
        .set_align(FormatAlign::Top)
        .set_font_size(11);
    let sentences = brief.sentences(lang);
    if sentences.is_empty() {
        ws.write_string_with_format(
            row,
            0,
            lang.pick(
                "Chưa có câu tóm tắt nào đủ số liệu (thiếu kho lưu trữ hoặc chỉ tiêu).",
                "No summary sentence has all its figures (no archive or no targets).",
            ),
            &para,
        )?;
    }
    for s in sentences {
        ws.write_string_with_format(row, 0, s, &para)?;
        // A little room below each paragraph, so that they read apart.
        let lines = (s.chars().count() as f64 / (WIDTH * 0.9)).ceil().max(1.0);
        ws.set_row_height(row, 15.0 * lines + 6.0)?;
        row += 1;
    }
    ws.set_paper_size(9);
    ws.set_portrait();
    ws.set_print_fit_to_pages(1, 0);
    ws.set_margins(0.7, 0.7, 0.8, 0.8, 0.3, 0.3);
    Ok(())
}
