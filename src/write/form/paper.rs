//! What the printed form carries besides its figures (`[report]`, [`Paper`]): over each
//! official form the reporting body and the report's number, under it the place and
//! date and the two signatures, and before the form's sheets an instructions sheet.
//!
//! The body is a formula of the unit-name cell, so a unit chooses its name once (on
//! *Thông tin*) and every form prints it; it sits above the table, in the code column,
//! where no figure is read. The place and date and the names under the signatures are
//! written by hand on a unit's form, as on the official forms; the province's own
//! report has them filled in. The signature block goes two rows under the
//! sheet's last row, so rows a unit inserts into a table push it down with the table,
//! and the reader never meets it: it holds no figure.

use super::data::FormData;
use super::row_order::RowOrder;
use super::values::Out;
use crate::cellref::Pos;
use crate::form::Form;
use crate::spec::Paper;
use crate::write::style;
use chrono::{Datelike, NaiveDate};
use rust_xlsxwriter::{Format, FormatAlign, Workbook, XlsxError};

/// The instructions sheet's name; a form with a sheet of that name gets none.
pub const INSTRUCTIONS: &str = "Hướng dẫn";

/// Dots where a person writes by hand what the form cannot know yet.
const DOTS: &str = "……………";

/// The reporting body before the unit has chosen its name.
const BLANK_BODY: &str = "ĐẢNG BỘ ……………";

/// Whose signature the right block asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Signs {
    /// A unit's form: its committee (`signer`).
    Unit,
    /// The province's own report to the level above (`upward_signer`).
    Upward,
}

/// A reference from sheet `here` to the input cell `ci`.
fn reference(form: &Form, here: usize, ci: usize) -> String {
    let c = &form.cells[ci];
    let pos = format!(
        "${}${}",
        crate::cellref::column_name(c.pos.col),
        c.pos.row + 1
    );
    if c.sheet == here {
        pos
    } else {
        format!("'{}'!{pos}", form.sheets[c.sheet].name.replace('\'', "''"))
    }
}

/// The text an identity cell holds in `data`, if any.
fn text_of<R>(data: Option<&FormData<R>>, ci: usize) -> Option<&str> {
    match data?.cells.get(ci)? {
        Out::Text(t) if !t.trim().is_empty() => Some(t.trim()),
        Out::FormulaText(_, t) if !t.trim().is_empty() => Some(t.trim()),
        _ => None,
    }
}

/// The date an identity cell holds in `data`, if any.
fn date_of<R>(data: Option<&FormData<R>>, ci: usize) -> Option<NaiveDate> {
    match data?.cells.get(ci)? {
        Out::Date(d) => Some(*d),
        _ => None,
    }
}

/// The reporting body over the form, in capitals as the official forms print it, then
/// the report's number on the next line: the unit's name as typed on *Thông tin*. The
/// province's own report names the body that sends it (`upward_body`: the Organisation
/// Board under the provincial committee, who signs it) with that body's number.
fn heading<R>(
    form: &Form,
    paper: &Paper,
    si: usize,
    data: Option<&FormData<R>>,
    signs: Signs,
) -> Out {
    if signs == Signs::Upward
        && let Some(body) = &paper.upward_body
    {
        return Out::Text(format!("{body}\n{}", paper.upward_number));
    }
    let id = form.identity;
    let ci = id.unit_name.unwrap_or(id.unit_code);
    let at = reference(form, si, ci);
    let number = paper.number.replace('"', "\"\"");
    let f = format!("IF(TRIM({at})=\"\",\"{BLANK_BODY}\",UPPER(TRIM({at})))&CHAR(10)&\"{number}\"");
    let body = text_of(data, ci).map_or_else(|| BLANK_BODY.to_string(), str::to_uppercase);
    Out::FormulaText(f, format!("{body}\n{}", paper.number))
}

/// "Điện Biên, ngày 5 tháng 7 năm 2026" from the report's date on the province's own
/// report; dots on a unit's form, completed by hand when it is signed, as on the
/// official forms.
///
/// Not a formula of the date cell: the line sits in the form's figure columns, and a
/// program that saves a formula's text result badly (LibreOffice's .xls keeps it as 0)
/// would make it a figure on a line that is not the form's.
fn place_and_date<R>(
    form: &Form,
    paper: &Paper,
    data: Option<&FormData<R>>,
    signs: Signs,
) -> String {
    let place = match signs {
        Signs::Unit => paper.place.trim(),
        Signs::Upward => paper.upward_place.trim(),
    };
    let place = if place.is_empty() { DOTS } else { place };
    let date = form
        .identity
        .report_date
        .filter(|_| signs == Signs::Upward)
        .and_then(|ci| date_of(data, ci));
    match date {
        Some(d) => format!(
            "{place}, ngày {} tháng {} năm {}",
            d.day(),
            d.month(),
            d.year()
        ),
        None => format!("{place}, ngày …… tháng …… năm ……"),
    }
}

/// The preparer's name under the left signature of the province's own report, as the
/// run was told it; a unit's preparer signs and writes the name by hand.
fn preparer_name<R>(form: &Form, data: Option<&FormData<R>>, signs: Signs) -> Option<String> {
    if signs != Signs::Upward {
        return None;
    }
    text_of(data, form.identity.preparer?).map(str::to_string)
}

/// The sheet's last row holding anything of the form: its cells, texts, list lines
/// (where a filled form has them) and table total rows (`totals`).
fn last_row<R>(form: &Form, si: usize, data: Option<&FormData<R>>, totals: &[u32]) -> u32 {
    let cells = form
        .cells
        .iter()
        .filter(|c| c.sheet == si)
        .map(|c| c.pos.row);
    let texts = form.sheets[si].texts.iter().map(|(p, ..)| p.row);
    let lists = form
        .lists
        .iter()
        .enumerate()
        .filter(|(_, l)| l.sheet == si)
        .map(|(li, l)| {
            let placed = data
                .and_then(|d| d.lists.get(li))
                .and_then(|x| x.rows.iter().flatten().map(|(row, _)| *row).max());
            let template = l.first_row + l.rows.len().saturating_sub(1) as u32;
            placed.map_or(template, |p| p.max(template))
        });
    cells
        .chain(texts)
        .chain(lists)
        .chain(totals.iter().copied())
        .max()
        .unwrap_or(0)
}

/// The columns of the left signature: from A, as many as make about half the sheet's
/// printed width, and never all of them.
fn split(widths: &[f64], last_col: u16) -> u16 {
    let width = |c: u16| widths.get(c as usize).copied().unwrap_or(8.43);
    let total: f64 = (0..=last_col).map(width).sum();
    let mut sum = 0.0;
    for c in 0..last_col {
        sum += width(c);
        if sum >= total / 2.0 {
            return c;
        }
    }
    last_col.saturating_sub(1)
}

fn centred(f: Format) -> Format {
    f.set_align(FormatAlign::Center)
        .set_align(FormatAlign::VerticalCenter)
        .set_text_wrap()
}

/// Queue the heading and the signature block of sheet `si`, if `[report]` prints them
/// on it. `last_col` is the form's last column on the sheet; `totals` its tables' total
/// rows as this workbook has them.
#[allow(clippy::too_many_arguments)]
pub(super) fn queue<R>(
    out: &mut RowOrder,
    form: &Form,
    si: usize,
    data: Option<&FormData<R>>,
    last_col: u16,
    totals: &[u32],
    signs: Signs,
) {
    let Some(paper) = form.paper.as_ref().filter(|p| p.sheets.contains(&si)) else {
        return;
    };
    let (at, to) = paper.heading;
    if last_col == 0 {
        // One column leaves no room for two signatures side by side.
        return;
    }
    out.merge_value(
        at,
        to,
        heading(form, paper, si, data, signs),
        centred(Format::new().set_bold()),
    );
    let lines = match (signs, &paper.upward_body) {
        (Signs::Upward, Some(body)) => body.lines().count() + 1,
        _ => 2,
    };
    out.height(at.row, 16.0 * lines as f64);

    let widths = &form.sheets[si].column_widths;
    let mid = split(widths, last_col);
    let right = mid + 1;
    let row = last_row(form, si, data, totals) + 2;
    let italic = || centred(Format::new().set_italic());
    let strong = || centred(Format::new().set_bold());
    out.merge_value(
        Pos::new(row, right),
        last_col,
        Out::Text(place_and_date(form, paper, data, signs)),
        italic(),
    );
    let signer = match signs {
        Signs::Unit => &paper.signer,
        Signs::Upward => &paper.upward_signer,
    };
    let text = |s: &str| Out::Text(s.to_string());
    out.merge_value(Pos::new(row + 1, 0), mid, text(&paper.preparer), strong());
    out.merge_value(Pos::new(row + 1, right), last_col, text(signer), strong());
    if !paper.preparer_note.is_empty() || !paper.signer_note.is_empty() {
        let notes = [
            (0, mid, &paper.preparer_note),
            (right, last_col, &paper.signer_note),
        ];
        for (first, last, note) in notes {
            out.merge_value(Pos::new(row + 2, first), last, text(note), italic());
            let w: f64 = (first..=last)
                .map(|c| widths.get(c as usize).copied().unwrap_or(8.43))
                .sum();
            out.height(row + 2, style::wrapped_height(note, w).unwrap_or(15.0));
        }
    }
    // Room to sign, then the name.
    if let Some(name) = preparer_name(form, data, signs) {
        out.merge_value(Pos::new(row + 6, 0), mid, Out::Text(name), strong());
    }
}

/// The instructions sheet, first in the workbook: `[report] instructions`, then the
/// deadline and the contact. Always Vietnamese, as every workbook a unit receives.
pub(super) fn instructions(wb: &mut Workbook, form: &Form) -> Result<(), XlsxError> {
    let Some(paper) = form.paper.as_ref().filter(|p| !p.instructions.is_empty()) else {
        return Ok(());
    };
    if form.sheets.iter().any(|s| s.name == INSTRUCTIONS) {
        return Ok(());
    }
    let ws = wb.add_worksheet();
    ws.set_name(INSTRUCTIONS)?;
    const WIDTH: f64 = 96.0;
    ws.set_column_width(0, 5)?;
    ws.set_column_width(1, WIDTH)?;
    ws.set_paper_size(9);
    ws.set_print_fit_to_pages(1, 0);
    ws.set_margins(0.6, 0.6, 0.7, 0.7, 0.3, 0.3);
    ws.merge_range(
        0,
        0,
        0,
        1,
        "HƯỚNG DẪN ĐIỀN BIỂU",
        &style::title().set_text_wrap(),
    )?;
    ws.set_row_height(0, 24)?;
    let sub = format!(
        "{} (mã mẫu biểu {}, phiên bản {})",
        form.title, form.id, form.version
    );
    ws.merge_range(1, 0, 1, 1, &sub, &centred(Format::new().set_italic()))?;
    ws.set_row_height(1, style::wrapped_height(&sub, WIDTH + 5.0).unwrap_or(15.0))?;
    let mut lines: Vec<String> = paper.instructions.clone();
    if let Some(days) = form.deadline_days {
        lines.push(format!(
            "Thời hạn gửi báo cáo: chậm nhất {days} ngày kể từ ngày kết thúc kỳ báo cáo; \
             ngày ghi ở ô Ngày báo cáo (sheet Thông tin) được dùng để xác định báo cáo \
             đúng hạn hay chậm."
        ));
    }
    if let Some(c) = &paper.contact {
        lines.push(format!(
            "Nơi nhận báo cáo và giải đáp vướng mắc: {}.",
            c.trim_end_matches('.')
        ));
    }
    let number = centred(Format::new().set_bold());
    let text = Format::new().set_text_wrap().set_align(FormatAlign::Top);
    for (i, line) in lines.iter().enumerate() {
        let row = 3 + i as u32;
        ws.write_number_with_format(
            row,
            0,
            (i + 1) as f64,
            &number.clone().set_align(FormatAlign::Top),
        )?;
        ws.write_string_with_format(row, 1, line, &text)?;
        let h = style::wrapped_height(line, WIDTH).unwrap_or(15.0);
        ws.set_row_height(row, h + 3.0)?;
    }
    ws.protect();
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_left_signature_takes_about_half_the_width() {
        // Biểu 1: Mã số, Tiêu chí | Kỳ này, Cùng kỳ, (%).
        assert_eq!(split(&[8.0, 62.0, 13.0, 13.0, 16.0], 4), 1);
        // Kết nạp: STT, name, three counts | the rest.
        assert_eq!(
            split(&[6.0, 40.0, 16.0, 16.0, 14.0, 10.0, 12.0, 12.0, 12.0], 8),
            3
        );
        // Never the whole row: the right signature keeps a column.
        assert_eq!(split(&[100.0, 1.0], 1), 0);
        assert_eq!(split(&[], 0), 0);
    }
}
