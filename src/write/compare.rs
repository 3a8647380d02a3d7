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
    // Narrow enough for one A4 page across in legible type: the figure's name and the
    // note wrap instead (their rows are as tall as they need).
    let heads = [
        (lang.pick("Mã", "Code"), style::code_width(form, 11.0)),
        (lang.pick("Đơn vị", "Unit"), UNIT_WIDTH),
        (lang.pick("Nội dung", "Figure"), FIGURE_WIDTH),
        (lang.pick("Kỳ này", "This period"), 9.0),
        (
            lang.pick("Cùng kỳ năm trước", "Same period a year earlier"),
            9.0,
        ),
        (lang.pick("Tăng (+), giảm (−)", "Change"), 9.0),
        (lang.pick("% tăng, giảm", "Change %"), 8.0),
        (lang.pick("Kỳ trước", "Previous period"), 9.0),
        (lang.pick("Tăng (+), giảm (−)", "Change"), 9.0),
        (lang.pick("% tăng, giảm", "Change %"), 8.0),
        (lang.pick("Ghi chú", "Note"), NOTE_WIDTH),
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
    let sub = format!(
        "{this}{}; {}.",
        reference(
            lang,
            ("cùng kỳ năm trước", "same period a year earlier"),
            cmp.year_before
        ),
        reference(lang, ("kỳ trước", "previous period"), cmp.previous),
    );
    let mut sub = crate::text::sentence_case(&sub);
    for m in &cmp.not_possible {
        sub.push(' ');
        sub.push_str(&crate::text::sentence_case(m.get(lang)));
        sub.push('.');
    }
    // One row per unit and figure, in up to three blocks: past Excel's rows (a national
    // roll-up of every grassroots organisation) the sheet holds the units that fit, and
    // says where the rest are.
    let shown = units_that_fit(cmp);
    if shown < cmp.units.len() {
        sub.push_str(&format!(
            " {}",
            lang.pick(
                &format!(
                    "Sheet này chỉ ghi {} đơn vị đầu tiên trong số {} (giới hạn số dòng của Excel); số liệu so sánh của mọi đơn vị có trong report.json (comparison).",
                    lang.count(shown as u64),
                    lang.count(cmp.units.len() as u64)
                ),
                &format!(
                    "This sheet holds the first {} of {} units (Excel's row limit); every unit's comparison is in report.json (comparison).",
                    lang.count(shown as u64),
                    lang.count(cmp.units.len() as u64)
                ),
            )
        ));
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
            if let Some(hgt) = style::wrapped_height(&joined, NOTE_WIDTH)
                .into_iter()
                .chain(style::wrapped_height(
                    form.field_label(l.figure, lang.en()),
                    FIGURE_WIDTH,
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
    for ((u, lines), flags) in cmp.units.iter().zip(&cmp.flags).take(shown) {
        let unit = &form.units[*u];
        block(ws, &unit.code, &unit.name, lines, flags, false)?;
    }
    let row = targets_block(ws, form, cmp, row + 1, shown, lang)?;
    term_block(ws, form, cmp, row + 1, shown, lang)?;
    // As many pages across as legible type needs, the unit starting each.
    let widths: Vec<f64> = heads.iter().map(|h| h.1).collect();
    super::print::across(ws, &widths, 2, &|_| true, None)?;
    ws.set_repeat_rows(HEAD, HEAD)?;
    ws.set_freeze_panes(HEAD + 1, 3)?;
    Ok(())
}

/// Rows Excel holds on a sheet, less the heading rows and the blocks' own heads.
const SHEET_ROWS: usize = 1_048_576 - 64;

/// How many of the comparison's units fit on the sheet with all their rows: the
/// province's, each unit's lines, its target lines and its term lines.
fn units_that_fit(cmp: &Comparison) -> usize {
    let term: std::collections::HashMap<usize, usize> = cmp
        .extra
        .term
        .iter()
        .flat_map(|t| t.units.iter().map(|(u, l)| (*u, l.len())))
        .collect();
    let term_lines = |k: usize| term.get(&cmp.units[k].0).copied().unwrap_or(0);
    let mut rows = cmp.province.len()
        + cmp.extra.province.len()
        + cmp.extra.term.as_ref().map_or(0, |t| t.province.len());
    for k in 0..cmp.units.len() {
        rows += cmp.units[k].1.len() + cmp.extra.units.get(k).map_or(0, Vec::len) + term_lines(k);
        if rows > SHEET_ROWS {
            return k;
        }
    }
    cmp.units.len()
}

/// A block's heading over the full width, and its column headers below it.
fn block_head(ws: &mut Worksheet, row: u32, title: &str, heads: &[&str]) -> Result<u32, XlsxError> {
    ws.merge_range(row, 0, row, 10, title, &style::section())?;
    let h = style::header();
    for (i, t) in heads.iter().enumerate() {
        ws.write_string_with_format(row + 1, i as u16, *t, &h)?;
    }
    ws.set_row_height(row + 1, 45)?;
    Ok(row + 2)
}

fn put(
    ws: &mut Worksheet,
    row: u32,
    col: u16,
    v: Option<f64>,
    fmt: &Format,
) -> Result<(), XlsxError> {
    match v {
        Some(v) => ws.write_number_with_format(row, col, v, fmt).map(|_| ()),
        None => ws.write_blank(row, col, &style::text()).map(|_| ()),
    }
}

/// The note of a line, and the line's height from it, its unit's name and its label
/// (LibreOffice does not grow a row to fit wrapped text).
/// Widths of the columns whose text wraps: the unit's name, the figure's, the note.
const UNIT_WIDTH: f64 = 20.0;
const FIGURE_WIDTH: f64 = 36.0;
const NOTE_WIDTH: f64 = 22.0;
/// Width of the targets block's base column (the main block's first "% tăng, giảm").
const BASE_WIDTH: f64 = 8.0;

fn note_cell(
    ws: &mut Worksheet,
    row: u32,
    notes: &[String],
    name: &str,
    label: &str,
) -> Result<(), XlsxError> {
    let joined = notes.join("; ");
    ws.write_string_with_format(row, 10, &joined, &style::text().set_text_wrap())?;
    let height = style::wrapped_height(&joined, NOTE_WIDTH)
        .into_iter()
        .chain(style::wrapped_height(name, UNIT_WIDTH))
        .chain(style::wrapped_height(label, FIGURE_WIDTH))
        .reduce(f64::max);
    if let Some(h) = height {
        ws.set_row_height(row, h)?;
    }
    Ok(())
}

fn two_decimals() -> Format {
    Format::new()
        .set_num_format("0.00")
        .set_border(FormatBorder::Thin)
}

/// Targets and their achievement, province first: the target, % achieved, the rate
/// over the base, units below target marked. Returns the next free row.
fn targets_block(
    ws: &mut Worksheet,
    form: &Form,
    cmp: &Comparison,
    mut row: u32,
    shown: usize,
    lang: Lang,
) -> Result<u32, XlsxError> {
    use crate::compare::TargetFrom;
    let extra = &cmp.extra;
    if form.targets.is_empty() {
        return Ok(row);
    }
    let mut title = lang
        .pick("CHỈ TIÊU VÀ MỨC ĐẠT", "TARGETS AND ACHIEVEMENT")
        .to_string();
    match &extra.targets_from {
        Some(m) => title.push_str(&format!(
            " ({}: {})",
            lang.pick("nguồn", "from"),
            m.get(lang)
        )),
        None => title.push_str(lang.pick(
            " — chưa có chỉ tiêu (--targets TỆP hoặc archive import-targets)",
            " — no targets (--targets FILE or archive import-targets)",
        )),
    }
    // The base column is headed by the base's name when the targets share one (the
    // default form's one target: members at the start); where they differ, each line's
    // note names its own.
    let base = lang.pick("Gốc so sánh", "Base");
    let bases: Vec<(crate::spec::FieldRef, String)> = form
        .targets
        .iter()
        .filter_map(|t| Some((t.base?, t.base_label(form, lang.en())?)))
        .collect();
    let shared = bases
        .first()
        .filter(|b| bases.iter().all(|o| o == *b))
        .map(|b| b.1.as_str());
    let base_head = shared.map_or_else(|| base.to_string(), |name| format!("{base}: {name}"));
    row = block_head(
        ws,
        row,
        &title,
        &[
            lang.pick("Mã", "Code"),
            lang.pick("Đơn vị", "Unit"),
            lang.pick("Nội dung", "Figure"),
            lang.pick("Kỳ này", "This period"),
            lang.pick("Chỉ tiêu giao", "Target set"),
            lang.pick("% đạt chỉ tiêu", "% of target"),
            &base_head,
            lang.pick("% so với gốc so sánh", "% of the base"),
            "",
            "",
            lang.pick("Ghi chú", "Note"),
        ],
    )?;
    if let Some(h) = style::wrapped_height(&base_head, BASE_WIDTH).filter(|&h| h > 45.0) {
        ws.set_row_height(row - 1, h)?;
    }
    for p in &extra.target_problems {
        ws.merge_range(
            row,
            0,
            row,
            10,
            &p.shown(lang),
            &style::text().set_text_wrap(),
        )?;
        if let Some(h) = style::wrapped_height(&p.shown(lang), 180.0) {
            ws.set_row_height(row, h)?;
        }
        row += 1;
    }
    let count = style::count();
    let dec = two_decimals();
    let text = style::text().set_text_wrap();
    let bold = style::bold().set_text_wrap();
    let line = |ws: &mut Worksheet,
                row: u32,
                code: &str,
                name: &str,
                a: &crate::compare::Achievement,
                strong: bool|
     -> Result<(), XlsxError> {
        let fmt = if strong { &bold } else { &text };
        let spec = &form.targets[a.target_index];
        ws.write_string_with_format(row, 0, code, fmt)?;
        ws.write_string_with_format(row, 1, name, fmt)?;
        ws.write_string_with_format(row, 2, spec.label(form, lang.en()), fmt)?;
        put(ws, row, 3, a.this, &count)?;
        put(ws, row, 4, a.target, &count)?;
        put(ws, row, 5, a.percent, &dec)?;
        put(ws, row, 6, a.base, &count)?;
        put(ws, row, 7, a.rate, &dec)?;
        ws.write_blank(row, 8, &style::text())?;
        ws.write_blank(row, 9, &style::text())?;
        let mut notes = Vec::new();
        if strong {
            match a.from {
                TargetFrom::Province => notes.push(
                    lang.pick(
                        "chỉ tiêu toàn tỉnh ghi ở dòng Toàn tỉnh",
                        "the province's own target (its row)",
                    )
                    .to_string(),
                ),
                TargetFrom::Summed { of, expected } => notes.push(format!(
                    "{} {of}/{expected} {}",
                    lang.pick("cộng chỉ tiêu của", "the targets of"),
                    lang.pick("đơn vị", "units added up"),
                )),
                TargetFrom::None => {}
            }
        }
        if a.below {
            notes.push(lang.pick("DƯỚI CHỈ TIÊU", "BELOW TARGET").to_string());
        }
        if shared.is_none()
            && let Some(name) = spec.base_label(form, lang.en())
        {
            notes.push(format!("{}: {name}", base.to_lowercase()));
        }
        note_cell(ws, row, &notes, name, &spec.label(form, lang.en()))
    };
    for a in &extra.province {
        line(ws, row, "", lang.pick("TOÀN TỈNH", "PROVINCE"), a, true)?;
        row += 1;
    }
    for ((u, _), lines) in cmp.units.iter().zip(&extra.units).take(shown) {
        let unit = &form.units[*u];
        for a in lines {
            line(ws, row, &unit.code, &unit.name, a, false)?;
            row += 1;
        }
    }
    Ok(row)
}

/// The term's sums: per unit and province, the sum so far, the previous term, the
/// change, the term's target and % achieved, with the months missing said.
fn term_block(
    ws: &mut Worksheet,
    form: &Form,
    cmp: &Comparison,
    mut row: u32,
    shown: usize,
    lang: Lang,
) -> Result<u32, XlsxError> {
    let Some(t) = &cmp.extra.term else {
        return Ok(row);
    };
    let title = format!(
        "{} {} ({}; {} {})",
        lang.pick("KẾT NẠP TRONG", "ADMITTED IN THE"),
        t.term.name.get(lang).to_uppercase(),
        t.term.period,
        lang.pick("cộng đến hết ngày", "summed to"),
        crate::text::date::format_date(t.until),
    );
    row = block_head(
        ws,
        row,
        &title,
        &[
            lang.pick("Mã", "Code"),
            lang.pick("Đơn vị", "Unit"),
            lang.pick("Nội dung", "Figure"),
            lang.pick("Trong nhiệm kỳ", "In the term"),
            lang.pick("Nhiệm kỳ trước", "Previous term"),
            lang.pick("% tăng, giảm", "Change %"),
            lang.pick("Chỉ tiêu nhiệm kỳ", "Term target"),
            lang.pick("% đạt chỉ tiêu", "% of target"),
            "",
            "",
            lang.pick("Ghi chú", "Note"),
        ],
    )?;
    let periods = t
        .periods
        .iter()
        .map(|p| p.to_string())
        .collect::<Vec<_>>()
        .join("; ");
    let mut head = vec![format!(
        "{}: {periods}",
        lang.pick("Các kỳ đã cộng", "Periods summed")
    )];
    head.extend(
        t.notes()
            .iter()
            .map(|m| crate::text::sentence_case(m.get(lang))),
    );
    let text = head.join(". ");
    ws.merge_range(row, 0, row, 10, &text, &style::note().set_text_wrap())?;
    if let Some(h) = style::wrapped_height(&text, 180.0) {
        ws.set_row_height(row, h)?;
    }
    row += 1;
    let count = style::count();
    let dec = two_decimals();
    let plain = style::text().set_text_wrap();
    let bold = style::bold().set_text_wrap();
    let line = |ws: &mut Worksheet,
                row: u32,
                code: &str,
                name: &str,
                l: &crate::term::TermLine,
                strong: bool|
     -> Result<(), XlsxError> {
        let fmt = if strong { &bold } else { &plain };
        ws.write_string_with_format(row, 0, code, fmt)?;
        ws.write_string_with_format(row, 1, name, fmt)?;
        ws.write_string_with_format(row, 2, form.field_label(l.figure, lang.en()), fmt)?;
        put(ws, row, 3, l.sum, &count)?;
        put(ws, row, 4, l.previous, &count)?;
        put(ws, row, 5, l.change_pct(), &dec)?;
        put(ws, row, 6, l.target, &count)?;
        put(ws, row, 7, l.target_pct(), &dec)?;
        ws.write_blank(row, 8, &style::text())?;
        ws.write_blank(row, 9, &style::text())?;
        let mut notes = Vec::new();
        if l.target_summed {
            notes.push(
                lang.pick(
                    "chỉ tiêu: cộng chỉ tiêu các đơn vị",
                    "target: the units' added up",
                )
                .to_string(),
            );
        }
        if matches!((l.sum, l.target), (Some(a), Some(b)) if a < b) && !strong {
            notes.push(
                lang.pick("chưa đạt chỉ tiêu nhiệm kỳ", "below the term target")
                    .to_string(),
            );
        }
        note_cell(ws, row, &notes, name, form.field_label(l.figure, lang.en()))
    };
    for l in &t.province {
        line(ws, row, "", lang.pick("TOÀN TỈNH", "PROVINCE"), l, true)?;
        row += 1;
    }
    let shown: std::collections::HashSet<usize> =
        cmp.units.iter().take(shown).map(|(u, _)| *u).collect();
    for (u, lines) in t.units.iter().filter(|(u, _)| shown.contains(u)) {
        let unit = &form.units[*u];
        for l in lines {
            line(ws, row, &unit.code, &unit.name, l, false)?;
            row += 1;
        }
    }
    Ok(row)
}
