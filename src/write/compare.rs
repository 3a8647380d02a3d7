//! The *So sánh* sheet of tong-hop.xlsx: for the province, then each unit, the figures
//! the form compares, this period beside the same period a year earlier and the
//! previous period, with the change. One line per figure, so it prints on A4 landscape
//! at a legible size however many figures are compared.

use super::style;
use crate::compare::{Change, Comparison, Line};
use crate::form::Form;
use crate::lang::Lang;
use crate::period::Period;
use rust_xlsxwriter::{Format, FormatAlign, FormatBorder, Worksheet, XlsxError};

/// The zero-based row of the column headers.
const HEAD: u32 = 3;

fn reference(lang: Lang, what: (&str, &str), p: Option<crate::compare::Against>) -> String {
    let what = match p {
        Some(a) if a.chosen => lang.pick(
            "kỳ so sánh (chọn bằng --compare-with, thay cho cùng kỳ năm trước)",
            "period compared with (chosen with --compare-with, in place of the same period a year earlier)",
        ),
        _ => lang.pick(what.0, what.1),
    };
    match p {
        Some(a) => format!(
            "{what}: {}{}",
            a.period,
            if a.closed {
                lang.pick(" (đã chốt)", " (closed)")
            } else {
                lang.pick(" (chưa chốt)", " (not closed)")
            }
        ),
        None => format!(
            "{what}: {}",
            lang.pick("không có trong kho", "not in the archive")
        ),
    }
}

/// Fill `ws` (named by the caller) with `cmp`.
pub fn sheet(
    ws: &mut Worksheet,
    form: &Form,
    cmp: &Comparison,
    period: Option<Period>,
    lang: Lang,
) -> Result<(), XlsxError> {
    let heads = [
        (lang.pick("Mã", "Code"), 13.0),
        (lang.pick("Đơn vị", "Unit"), 24.0),
        (lang.pick("Chỉ tiêu", "Figure"), 48.0),
        (lang.pick("Kỳ này", "This period"), 11.0),
        (
            lang.pick("Cùng kỳ năm trước", "Same period a year earlier"),
            11.0,
        ),
        (lang.pick("Tăng (+), giảm (−)", "Change"), 11.0),
        (lang.pick("% tăng, giảm", "Change %"), 9.0),
        (lang.pick("Kỳ trước", "Previous period"), 11.0),
        (lang.pick("Tăng (+), giảm (−)", "Change"), 11.0),
        (lang.pick("% tăng, giảm", "Change %"), 9.0),
        (lang.pick("Ghi chú", "Note"), 36.0),
    ];
    let last = (heads.len() - 1) as u16;
    ws.merge_range(
        0,
        0,
        0,
        last,
        lang.pick(
            "SO SÁNH VỚI CÙNG KỲ NĂM TRƯỚC VÀ KỲ TRƯỚC",
            "COMPARISON WITH THE SAME PERIOD A YEAR EARLIER AND THE PREVIOUS PERIOD",
        ),
        &style::title(),
    )?;
    let this = period.map_or_else(String::new, |p| {
        format!("{}: {p}; ", lang.pick("Kỳ này", "This period"))
    });
    let mut sub = format!(
        "{this}{}; {}.",
        reference(
            lang,
            ("cùng kỳ năm trước", "same period a year earlier"),
            cmp.year_before
        ),
        reference(lang, ("kỳ trước", "previous period"), cmp.previous),
    );
    for m in &cmp.not_possible {
        sub.push(' ');
        sub.push_str(m.get(lang));
        sub.push('.');
    }
    let note = style::note().set_text_wrap().set_align(FormatAlign::Top);
    ws.merge_range(1, 0, 2, last, &sub, &note)?;
    ws.set_row_height(1, 30)?;
    let h = style::header();
    for (i, (t, w)) in heads.iter().enumerate() {
        ws.write_string_with_format(HEAD, i as u16, *t, &h)?;
        ws.set_column_width(i as u16, *w)?;
    }
    ws.set_row_height(HEAD, 45)?;
    let text = style::text().set_text_wrap();
    let bold = style::bold().set_text_wrap();
    let count = style::count();
    let decimal = Format::new()
        .set_num_format("0.00")
        .set_border(FormatBorder::Thin);
    let signed = Format::new()
        .set_num_format("+#,##0;−#,##0;0")
        .set_border(FormatBorder::Thin);
    let points = Format::new()
        .set_num_format("+0.00\" điểm\";−0.00\" điểm\";0")
        .set_border(FormatBorder::Thin);
    let pct = Format::new()
        .set_num_format("+0.0\"%\";−0.0\"%\";0\"%\"")
        .set_border(FormatBorder::Thin);
    let blank = style::text();
    let mut row = HEAD + 1;
    let mut block = |ws: &mut Worksheet,
                     code: &str,
                     name: &str,
                     lines: &[Line],
                     flags: &[String],
                     strong: bool|
     -> Result<(), XlsxError> {
        let label_fmt = if strong { &bold } else { &text };
        for (k, l) in lines.iter().enumerate() {
            let in_points = Comparison::in_points(form, l.figure);
            let value_fmt = if in_points { &decimal } else { &count };
            ws.write_string_with_format(row, 0, code, label_fmt)?;
            if k == 0 {
                ws.write_string_with_format(row, 1, name, label_fmt)?;
            } else {
                ws.write_blank(row, 1, label_fmt)?;
            }
            ws.write_string_with_format(row, 2, form.field_label(l.figure, lang.en()), label_fmt)?;
            let mut put = |col: u16, v: Option<f64>, fmt: &Format| -> Result<(), XlsxError> {
                match v {
                    Some(v) => ws.write_number_with_format(row, col, v, fmt).map(|_| ()),
                    None => ws.write_blank(row, col, &blank).map(|_| ()),
                }
            };
            put(3, l.this, value_fmt)?;
            for (col, earlier) in [(4u16, l.year_before), (7, l.previous)] {
                put(col, earlier, value_fmt)?;
                let ch: Option<Change> = l.change(earlier, in_points);
                put(
                    col + 1,
                    ch.map(|c| c.by),
                    if in_points { &points } else { &signed },
                )?;
                put(col + 2, ch.and_then(|c| c.percent), &pct)?;
            }
            let mut notes: Vec<String> = Vec::new();
            if let Some(n) = &l.note {
                notes.push(n.get(lang).to_string());
            }
            if k == 0 && !flags.is_empty() {
                notes.push(format!(
                    "{}: {}",
                    lang.pick("cần xác nhận", "to confirm"),
                    flags.join(", ")
                ));
            }
            let joined = notes.join("; ");
            ws.write_string_with_format(row, 10, &joined, &text)?;
            if let Some(hgt) = style::wrapped_height(&joined, 36.0)
                .into_iter()
                .chain(style::wrapped_height(
                    form.field_label(l.figure, lang.en()),
                    48.0,
                ))
                .reduce(f64::max)
            {
                ws.set_row_height(row, hgt)?;
            }
            row += 1;
        }
        Ok(())
    };
    block(
        ws,
        "",
        lang.pick("TOÀN TỈNH", "PROVINCE"),
        &cmp.province,
        &[],
        true,
    )?;
    for ((u, lines), flags) in cmp.units.iter().zip(&cmp.flags) {
        let unit = &form.units[*u];
        block(ws, &unit.code, &unit.name, lines, flags, false)?;
    }
    ws.set_landscape();
    ws.set_paper_size(9);
    ws.set_print_fit_to_pages(1, 0);
    ws.set_repeat_rows(HEAD, HEAD)?;
    ws.set_freeze_panes(HEAD + 1, 3)?;
    Ok(())
}
