//! tong-hop.xlsx: the provincial workbook. A summary row per expected unit with a total
//! row of formulas (cached values set, so readers that do not recalculate see the right
//! figures), the consolidated row table, the submission status, every finding, a chart.
//!
//! Every sheet is written top to bottom in constant-memory mode: cells go straight to
//! XML instead of into a table that is sorted and serialised at save, which is both
//! faster and flat in memory for a roll-up of thousands of units.

use super::form::{Out, put};
use super::mark::{Output, output_workbook};
use super::report::{Report, status_text};
use super::{WriteError, cell_text, chasing, io_failure, new_workbook, save, style, xlsx_err};
use crate::cellref::{Pos, column_name};
use crate::compare::{Comparison, Line};
use crate::consolidate::Consolidation;
use crate::extract::Value;
use crate::finding::{Builtin, Notation};
use crate::form::Form;
use crate::guard::catch_quietly;
use crate::lang::Lang;
use crate::spec::{FieldRef, FieldType};
use crate::submission::Status;
use rust_xlsxwriter::{Chart, ChartType, Format, Workbook, Worksheet, XlsxError};
use std::path::Path;

/// Above this many rows the workbook is deflated at level 1: deflate dominates saving a
/// big workbook, and level 1 is several times faster for a file a few percent larger.
const FAST_ZIP_ROWS: usize = 500;

/// The workbook's sheet names, in the operator's language: the summary's formulas and
/// the chart refer to sheets by name, so each name is spelt once.
struct Names {
    summary: &'static str,
    table: &'static str,
    status: &'static str,
    errors: &'static str,
    chart: &'static str,
    compare: &'static str,
}

fn sheet_names(lang: Lang) -> Names {
    match lang {
        Lang::Vi => Names {
            summary: "Tổng hợp",
            table: "Chi tiết",
            status: "Tình trạng nộp",
            errors: "Lỗi",
            chart: "Biểu đồ",
            compare: "So sánh",
        },
        Lang::En => Names {
            summary: "Summary",
            table: "Detail",
            status: "Submissions",
            errors: "Findings",
            chart: "Chart",
            compare: "Comparison",
        },
    }
}

fn fmt_for(ty: FieldType) -> Format {
    match ty {
        FieldType::Percent => style::percent(),
        FieldType::Decimal => style::decimal(),
        _ => style::count(),
    }
}

/// Write tong-hop.xlsx, and run `alongside` (the caller's other output) beside it.
///
/// Every sheet is created first, in its order. Then one side fills the summary (the
/// longest part), the detail and the findings, while the other fills the status sheet
/// and goes on to `alongside`. Whichever side hands in its sheets last saves the
/// workbook, so saving overlaps `alongside` instead of waiting for it. With one thread
/// the same steps run one after the other.
///
/// Formats get their index in the workbook on first use. To keep the file the same
/// from run to run, only the first side uses formats while both run: the status sheet's
/// formatted header is written before, and its rows carry no format.
pub fn write<R: Send>(
    path: &Path,
    run: &Report<'_>,
    alongside: impl FnOnce() -> R + Send,
) -> (Result<(), WriteError>, R) {
    let &Report {
        form,
        c,
        skipped: _,
        lang,
        detail: decision,
        run: mark,
        comparison,
        chase,
        versions,
        decisions,
    } = run;
    let detail = decision.written;
    let e = xlsx_err(path);
    let table_rows = decision.rows;
    let names = sheet_names(lang);
    // A list's units go across; past Excel's 16,384 columns they continue on the next
    // sheet (a national roll-up of every grassroots organisation).
    let list_parts = c.expected.len().div_ceil(UNIT_COLUMNS).max(1);
    let parts: Vec<(usize, usize)> = if detail {
        (0..form.tables.len())
            .map(|ti| (ti, detail_rows(c, ti).div_ceil(SHEET_ROWS as usize).max(1)))
            .collect()
    } else {
        Vec::new()
    };
    let prepared = catch_quietly(|| -> Result<_, XlsxError> {
        let title = lang.pick(&form.title, &form.title_en);
        // Marked as tonghop's own, so that a copy in an inbox is not read as a unit's.
        let mut wb = match mark {
            Some(m) => output_workbook(title, Output::Consolidated, &m.id),
            None => new_workbook(title),
        };
        // Streamed sheets spool to unnamed temporary files: beside the output, whose
        // folder is known to be writable, rather than in a system temp folder.
        let dir = path.parent().filter(|d| !d.as_os_str().is_empty());
        wb.set_tempdir(dir.unwrap_or(Path::new(".")))?;
        if (detail && table_rows > FAST_ZIP_ROWS) || c.submissions.len() > FAST_ZIP_ROWS {
            wb.set_zip_compression_level(1);
        }
        // A streamed sheet forgets a row's height once the row is written (patched
        // rust_xlsxwriter): the comparison sheet sizes every row of every unit, and a
        // national roll-up held a whole Format per row until the save. These sheets
        // carry no drawing object, the one thing placed by earlier rows' heights.
        let add = |wb: &mut Workbook, name: &str| -> Result<(), XlsxError> {
            wb.add_worksheet_with_constant_memory()?
                .set_name(name)?
                .forget_written_rows(true);
            Ok(())
        };
        // The chart keeps its own copy of its data, so the summary streams whatever
        // its size.
        add(&mut wb, names.summary)?;
        let brief_at = super::summary::wanted(comparison).then(|| wb.worksheets_mut().len());
        if brief_at.is_some() {
            wb.add_worksheet()
                .set_name(super::summary::sheet_name(lang))?;
        }
        // The chasing list next to the summary: what the clerk acts on first.
        let chasing_at = match chase {
            Some(_) => {
                add(&mut wb, chasing::sheet_name(lang))?;
                Some(wb.worksheets_mut().len() - 1)
            }
            None => None,
        };
        chart_sheet(&mut wb, form, c, comparison, lang, &names)?;
        let lists_at = wb.worksheets_mut().len();
        for li in 0..form.lists.len() {
            for part in 0..list_parts {
                add(&mut wb, &list_sheet_name(form, li, part, list_parts, lang))?;
            }
        }
        if comparison.is_some() {
            add(&mut wb, names.compare)?;
        }
        super::history_sheet::add(&mut wb, form, c, versions, decisions, lang)?;
        for &(ti, n) in &parts {
            for part in 0..n {
                add(&mut wb, &detail_name(form, &names, ti, part, n))?;
            }
        }
        let status_at = wb.worksheets_mut().len();
        add(&mut wb, names.status)?;
        status_head(&mut wb.worksheets_mut()[status_at], form, lang)?;
        add(&mut wb, names.errors)?;
        Ok((wb, status_at, lists_at, chasing_at, brief_at))
    });
    let (mut wb, status_at, lists_at, chasing_at, brief_at) = match prepared {
        Ok(Ok(p)) => p,
        Ok(Err(err)) => return (Err(e(err)), alongside()),
        Err(msg) => return (Err(io_failure(path, msg)), alongside()),
    };
    let left_out = decision.note(lang);

    // The sheets leave the workbook while they are filled, so each side owns its own.
    let mut mine = std::mem::take(wb.worksheets_mut());
    let status_ws = mine.remove(status_at);
    let done = std::sync::Mutex::new((wb, None::<Vec<Worksheet>>, None::<Worksheet>));
    let hand_in =
        |sheets: Option<Vec<Worksheet>>, status: Option<Worksheet>| -> Result<(), WriteError> {
            let mut guard = done.lock().unwrap_or_else(|p| p.into_inner());
            let (wb, a, b) = &mut *guard;
            match (sheets.or(a.take()), status.or(b.take())) {
                (Some(mut all), Some(status)) => {
                    all.insert(status_at, status);
                    *wb.worksheets_mut() = all;
                    save(wb, path)
                }
                // The other side is still filling: leave this one's sheets for it.
                (sheets, status) => {
                    (*a, *b) = (sheets, status);
                    Ok(())
                }
            }
        };
    // rust_xlsxwriter panics when a streamed sheet cannot be written (a full disk):
    // that is an error for this output, not a crash of the run.
    let caught = |side: Result<Result<(), WriteError>, String>| {
        side.unwrap_or_else(|msg| Err(io_failure(path, msg)))
    };
    let (a, (b, r)) = rayon::join(
        || {
            caught(catch_quietly(|| {
                let filled = (|| -> Result<(), XlsxError> {
                    summary(&mut mine[0], form, c, lang, left_out.as_deref(), comparison)?;
                    if let (Some(k), Some(cmp)) = (brief_at, comparison) {
                        super::summary::sheet(&mut mine[k], form, cmp, c.period, lang)?;
                    }
                    if let (Some(k), Some(chase)) = (chasing_at, chase) {
                        chasing::sheet(&mut mine[k], form, c, chase, lang)?;
                    }
                    let mut at = lists_at;
                    for li in 0..form.lists.len() {
                        for (part, units) in c.expected.chunks(UNIT_COLUMNS).enumerate() {
                            let of = (part, list_parts);
                            list_sheet(&mut mine[at], form, c, li, units, of, lang)?;
                            at += 1;
                        }
                        // No unit expected: the list's sheet still holds the province.
                        if c.expected.is_empty() {
                            list_sheet(&mut mine[at], form, c, li, &[], (0, 1), lang)?;
                            at += 1;
                        }
                    }
                    if let Some(cmp) = comparison {
                        super::compare::sheet(&mut mine[at], form, cmp, c.period, lang)?;
                    }
                    let n_detail: usize = parts.iter().map(|&(_, n)| n).sum();
                    let last = mine.len() - 1;
                    let mut rest = &mut mine[last - n_detail..last];
                    for &(ti, n) in &parts {
                        let (these, after) = std::mem::take(&mut rest).split_at_mut(n);
                        table(these, form, c, ti, lang)?;
                        rest = after;
                    }
                    errors(&mut mine[last], form, c, lang)
                })();
                filled.map_err(&e).and_then(|()| hand_in(Some(mine), None))
            }))
        },
        || {
            let handed = caught(catch_quietly(|| {
                let mut ws = status_ws;
                status_rows(&mut ws, run)
                    .map_err(&e)
                    .and_then(|()| hand_in(None, Some(ws)))
            }));
            (handed, alongside())
        },
    );
    (a.and(b), r)
}

/// Number formats for the figure columns from `first` on. Data cells are written without
/// a format of their own and take their column's: a per-cell format costs a lookup per
/// cell, a third of writing a big summary. Borders would draw down all 1,048,576 rows
/// as a column format, so printed sheets get gridlines instead (see [`headers`]).
fn number_columns(
    ws: &mut Worksheet,
    first: u16,
    types: impl Iterator<Item = FieldType>,
) -> Result<(), XlsxError> {
    for (k, ty) in types.enumerate() {
        let fmt = match ty {
            FieldType::Percent => "0.00",
            FieldType::Decimal => "#,##0.00",
            _ => "#,##0",
        };
        ws.set_column_format(first + k as u16, &Format::new().set_num_format(fmt))?;
    }
    Ok(())
}

/// A sheet's header row, its column widths and its page setup: these sheets get
/// printed and signed, so on A4 landscape, the header on every page, as many pages
/// across as legible type needs (see [`super::print`]) with the first `repeat` columns
/// on each. Only the first `printed` columns print (the rest are for the screen).
fn headers(
    ws: &mut Worksheet,
    row: u32,
    items: &[&str],
    widths: &[f64],
    repeat: usize,
    printed: usize,
) -> Result<(), XlsxError> {
    let h = style::header();
    let tall = items
        .iter()
        .zip(widths)
        .map(|(t, w)| heading_height(t, *w))
        .fold(48.0f64, f64::max);
    ws.set_row_height(row, tall.min(409.0))?;
    for (i, t) in items.iter().enumerate() {
        ws.write_string_with_format(row, i as u16, *t, &h)?;
        if let Some(w) = widths.get(i) {
            ws.set_column_width(i as u16, *w)?;
        }
    }
    let printed = printed.min(widths.len());
    super::print::across(ws, &widths[..printed], repeat, &|_| true, None)?;
    if printed < widths.len() {
        ws.set_print_area(0, 0, 1_048_575, printed as u16 - 1)?;
    }
    ws.set_repeat_rows(row, row)?;
    ws.set_print_gridlines(true);
    Ok(())
}

/// Which of a figure's columns a summary column is: the official three for a figure the
/// form compares (*Kỳ này / Cùng kỳ năm trước / % so với cùng kỳ*), the first alone
/// for the others.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Part {
    This,
    Year,
    Versus,
}

/// One figure column of the summary: the figure, which of its columns, and the index
/// of its line in the comparison when it is compared.
#[derive(Debug, Clone, Copy)]
struct Col {
    field: FieldRef,
    part: Part,
    line: Option<usize>,
}

/// The summary's figure columns from [`FIXED`] on: each compared figure as a group of
/// three when there is a comparison, every other figure one column.
fn summary_columns(form: &Form, cmp: Option<&Comparison>) -> Vec<Col> {
    let mut cols = Vec::new();
    for &f in &form.summary {
        let line = cmp.and_then(|c| c.figures.iter().position(|&g| g == f));
        cols.push(Col {
            field: f,
            part: Part::This,
            line,
        });
        if line.is_some() {
            for part in [Part::Year, Part::Versus] {
                cols.push(Col {
                    field: f,
                    part,
                    line,
                });
            }
        }
    }
    cols
}

/// The printed table a summary figure belongs to: its list (a form's sheet), its
/// table, the sheet of its cell, or the derived figures (rates and shares) together.
fn group_of(form: &Form, f: FieldRef) -> (u8, usize) {
    match f {
        FieldRef::Item { list, .. } => (0, form.lists[list].sheet),
        FieldRef::Column { table, .. } => (0, form.tables[table].sheet),
        FieldRef::Cell(i) => (0, form.cells[i].sheet),
        FieldRef::Derived(_) => (1, 0),
    }
}

/// The columns before the figures: STT, code, unit, status.
const FIXED: u16 = 4;

/// "Cùng kỳ năm trước: 6 tháng đầu năm 2025 (đã chốt)", the chosen period, or why there
/// is none: what the summary's second row says of its comparison columns.
fn compared_with(cmp: &Comparison, lang: Lang) -> String {
    match cmp.year_before {
        Some(a) => format!(
            "{}: {}{}",
            if a.chosen {
                lang.pick(
                    "So sánh với kỳ (chọn bằng --compare-with, thay cho cùng kỳ năm trước)",
                    "Compared with (chosen with --compare-with, in place of the same period a year earlier)",
                )
            } else {
                lang.pick("Cùng kỳ năm trước", "Same period a year earlier")
            },
            a.period,
            if a.closed {
                lang.pick(" (đã chốt)", " (closed)")
            } else {
                lang.pick(" (chưa chốt)", " (not closed)")
            }
        ),
        None => {
            let why = cmp
                .not_possible
                .first()
                .map_or("", |m| m.get(lang))
                .to_string();
            format!(
                "{}: {why}",
                lang.pick("Cùng kỳ năm trước", "Same period a year earlier")
            )
        }
    }
}

/// The second column of a compared figure's group: its header, by whether the clerk
/// chose the period and whether the archive has one.
fn year_head(cmp: &Comparison, lang: Lang) -> &'static str {
    match cmp.year_before {
        Some(a) if a.chosen => lang.pick("Kỳ so sánh", "Period compared"),
        Some(_) => lang.pick("Cùng kỳ năm trước", "Same period a year earlier"),
        None => lang.pick(
            "Cùng kỳ năm trước: không có trong kho",
            "Same period a year earlier: not in the archive",
        ),
    }
}

/// What a comparison cell says when it has no figure: the archive has no such period,
/// the unit has no figure in it, or its figure would be an estimate (see the notes
/// under the table).
fn no_year(cmp: &Comparison, line: Option<&Line>, lang: Lang) -> &'static str {
    if cmp.year_before.is_none() {
        return lang.pick("không có kỳ", "no period");
    }
    match line.and_then(|l| l.note.as_ref()) {
        Some(_) => lang.pick("ước tính *", "estimate *"),
        None => lang.pick("không có số", "none"),
    }
}

/// The third column's formula over the row's first two: the official *% so với cùng
/// kỳ* (this × 100 / a year earlier) for a count, the change in percentage points for a
/// share, a rate or a mean; blank when either is not a number.
fn versus(this: &str, year: &str, points: bool) -> String {
    let body = if points {
        format!("{this}-{year}")
    } else {
        format!("IF({year}=0,\"\",{this}*100/{year})")
    };
    format!("IF(AND(ISNUMBER({this}),ISNUMBER({year})),{body},\"\")")
}

fn versus_value(this: Option<f64>, year: Option<f64>, points: bool) -> Option<f64> {
    let (a, b) = (this?, year?);
    let v = if points {
        a - b
    } else if b == 0.0 {
        return None;
    } else {
        a * 100.0 / b
    };
    Some((v * 1e10).round() / 1e10).filter(|v| v.is_finite())
}

/// The height in points a line of plain text needs, wrapped in cells `width`
/// characters wide: as a heading's, at least one line.
fn text_height(text: &str, width: f64) -> f64 {
    heading_height(text, width).max(15.0)
}

/// The height in points a bold, wrapped heading needs in a cell `width` characters
/// wide: its words laid out greedily at a little under one character per unit of
/// width (bold and accented letters run wider), 15 points a line and a margin.
fn heading_height(text: &str, width: f64) -> f64 {
    let room = (width * 0.85).max(1.0);
    let mut lines = 1.0;
    let mut used = 0.0;
    for word in text.split_whitespace() {
        let n = word.chars().count() as f64;
        if used > 0.0 && used + 1.0 + n > room {
            lines += 1.0 + ((n - 1.0) / room).floor().max(0.0);
            used = n % room;
        } else if used == 0.0 {
            lines += ((n - 1.0) / room).floor().max(0.0);
            used = if n > room { n % room } else { n };
        } else {
            used += 1.0 + n;
        }
    }
    lines * 15.0 + 6.0
}

#[allow(clippy::too_many_arguments)]
fn summary(
    ws: &mut Worksheet,
    form: &Form,
    c: &Consolidation,
    lang: Lang,
    detail_left_out: Option<&str>,
    cmp: Option<&Comparison>,
) -> Result<(), XlsxError> {
    // A formula with nothing to show yet (a % of a figure a year earlier that is
    // "không có kỳ") caches an empty text, not rust_xlsxwriter's default 0: readers
    // that do not recalculate showed 0.00. Every other formula here sets its value.
    ws.set_formula_result_default("");
    let cols = summary_columns(form, cmp);
    let grouped = cols.iter().any(|c| c.line.is_some());
    let fixed = FIXED;
    let last_col = fixed + cols.len() as u16 - 1;
    let width = |col: &Col| match col.part {
        Part::Versus => 9.0,
        _ if grouped => 10.0,
        _ => 13.0,
    };
    let mut widths = vec![5.0, 12.0, 30.0, 14.0];
    style::fit_codes(form, &mut widths, 1, 2);
    widths.extend(cols.iter().map(width));
    // Printed as tables: each page across starts at a form's first figure (Biểu 1,
    // Biểu 2, the rates, Địa bàn), in type a clerk reads (at least 64 %), the unit's
    // number, code and name repeated. A group wider than a page breaks at a figure's
    // first column, never inside its three: a heading merged over them split by the
    // page printed its fill past the page's edge.
    let groups: Vec<(u8, usize)> = cols.iter().map(|c| group_of(form, c.field)).collect();
    let room = super::print::A4_LANDSCAPE * 100.0 / super::print::LEGIBLE_SCALE
        - widths[..3].iter().sum::<f64>();
    let group_width = |g: (u8, usize)| -> f64 {
        cols.iter()
            .zip(&groups)
            .filter(|(_, h)| **h == g)
            .map(|(c, _)| width(c) + 0.71)
            .sum()
    };
    let may_start = |k: usize| {
        let Some(i) = k.checked_sub(fixed as usize) else {
            return false;
        };
        cols[i].part == Part::This
            && (i == 0 || groups[i - 1] != groups[i] || group_width(groups[i]) > room)
    };
    let plan = super::print::across(ws, &widths, 3, &may_start, None)?;
    // The title and the lines under it sit over the unit's number, code and name,
    // which every page across repeats: each printed table carries them whole. Merged
    // wider, every page after the first printed a clipped piece of them. They wrap, as
    // tall as their text: LibreOffice does not grow a row to fit.
    let first_page = plan.first_page_end.min(last_col);
    let head_end: u16 = 2;
    let page_width: f64 = widths[..=head_end as usize].iter().sum();
    let title = format!(
        "{} — {}",
        lang.pick(&form.title, &form.title_en),
        form.province
    );
    ws.set_row_height(
        0,
        (heading_height(&title, page_width / 1.3) * 1.3).max(24.0),
    )?;
    ws.merge_range(0, 0, 0, head_end, &title, &style::title().set_text_wrap())?;
    let period = c.period.map_or_else(String::new, |p| {
        format!("{} {p}", lang.pick("Kỳ báo cáo", "Period"))
    });
    let against = match cmp {
        Some(cmp) if !cmp.figures.is_empty() => format!("   {}", compared_with(cmp, lang)),
        _ => String::new(),
    };
    let subtitle = format!(
        "{period}   {} {} {}{against}",
        lang.pick("Mẫu", "Form"),
        form.id,
        form.version
    );
    let wrapped = Format::new()
        .set_text_wrap()
        .set_align(rust_xlsxwriter::FormatAlign::Top);
    ws.set_row_height(1, text_height(&subtitle, page_width))?;
    ws.merge_range(1, 0, 1, head_end, &subtitle, &wrapped)?;
    if let Some(note) = detail_left_out {
        let note_fmt = style::note()
            .set_text_wrap()
            .set_align(rust_xlsxwriter::FormatAlign::Top);
        ws.set_row_height(2, text_height(note, page_width))?;
        ws.merge_range(2, 0, 2, head_end, note, &note_fmt)?;
    }
    let head_row = SUMMARY_HEAD_ROW;
    let sub_row = head_row + 1;
    let h = style::header();
    // Widths and heights before any header is written (the sheet may stream): each
    // header row as tall as its longest wrapped heading, a figure's own heading down
    // both rows, so none is cut.
    for (k, w) in widths.iter().enumerate() {
        ws.set_column_width(k as u16, *w)?;
    }
    let (mut head_h, mut sub_h, mut both_h) = (48.0f64, 36.0f64, 0.0f64);
    for (k, col) in cols.iter().enumerate() {
        let label = form.field_label(col.field, lang.en());
        match (col.part, col.line, cmp) {
            (Part::This, None, _) => both_h = both_h.max(heading_height(label, width(col))),
            (Part::This, Some(_), Some(cmp)) => {
                let across: f64 = cols[k..(k + 3).min(cols.len())].iter().map(width).sum();
                head_h = head_h.max(heading_height(label, across));
                let points = Comparison::in_points(form, col.field);
                for (t, w) in [
                    (lang.pick("Kỳ này", "This period"), width(col)),
                    (year_head(cmp, lang), 10.0),
                    (
                        if points {
                            lang.pick("Tăng, giảm (điểm %)", "Change (points)")
                        } else {
                            lang.pick("% so với cùng kỳ", "% of a year earlier")
                        },
                        9.0,
                    ),
                ] {
                    sub_h = sub_h.max(heading_height(t, w));
                }
            }
            _ => {}
        }
    }
    head_h = head_h.max(both_h - sub_h);
    ws.set_row_height(head_row, head_h.min(409.0))?;
    ws.set_row_height(sub_row, sub_h.min(409.0))?;
    // Headers over two rows: a compared figure's label across its three columns, the
    // three official headings under it; every other column's heading down both rows.
    // All of the first row is written before the second (the sheet may stream).
    for (k, t) in [
        lang.pick("STT", "No."),
        lang.pick("Mã", "Code"),
        lang.pick("Đơn vị", "Unit"),
        lang.pick("Tình trạng", "Status"),
    ]
    .iter()
    .enumerate()
    {
        ws.merge_range(head_row, k as u16, sub_row, k as u16, t, &h)?;
    }
    for (k, col) in cols.iter().enumerate() {
        let at = fixed + k as u16;
        let label = form.field_label(col.field, lang.en());
        match (col.part, col.line) {
            (Part::This, None) => {
                ws.merge_range(head_row, at, sub_row, at, label, &h)?;
            }
            (Part::This, Some(_)) => {
                ws.merge_range(head_row, at, head_row, at + 2, label, &h)?;
            }
            _ => {}
        }
    }
    for (k, col) in cols.iter().enumerate() {
        let at = fixed + k as u16;
        let Some(cmp) = cmp.filter(|_| col.line.is_some()) else {
            continue;
        };
        let points = Comparison::in_points(form, col.field);
        let t = match col.part {
            Part::This => lang.pick("Kỳ này", "This period"),
            Part::Year => year_head(cmp, lang),
            Part::Versus if points => lang.pick("Tăng, giảm (điểm %)", "Change (points)"),
            Part::Versus => lang.pick("% so với cùng kỳ", "% of a year earlier"),
        };
        ws.write_string_with_format(sub_row, at, t, &h)?;
    }
    // A key row under the headers so every column is traceable to report.json: the
    // figure's key over its Kỳ này column only (the other two are not totals).
    // Hidden: the keys are for programs, not for paper.
    let key_fmt = style::note();
    let key_row = sub_row + 1;
    ws.set_row_hidden(key_row)?;
    for (k, col) in cols.iter().enumerate() {
        if col.part == Part::This {
            ws.write_string_with_format(
                key_row,
                fixed + k as u16,
                form.field_key(col.field),
                &key_fmt,
            )?;
        }
    }
    let first = FIRST_ROW;
    number_columns(
        ws,
        fixed,
        cols.iter().map(|col| match col.part {
            Part::Versus => FieldType::Percent,
            _ => form.field_type(col.field),
        }),
    )?;
    let cell = |row: u32, col: u16| format!("{}{}", column_name(col), row + 1);
    let mut notes: Vec<(String, String)> = Vec::new();
    let held = c.held_back_flags();
    for (k, &u) in c.expected.iter().enumerate() {
        let unit = &form.units[u];
        let row = first + k as u32;
        ws.write_number(row, 0, (k + 1) as f64)?;
        ws.write_string(row, 1, &unit.code)?;
        ws.write_string(row, 2, &unit.name)?;
        let sub = c.kept[u];
        let msg;
        let st = match sub {
            Some(i) => {
                msg = status_text(&c.submissions[i], c.included[i]);
                msg.get(lang)
            }
            None if held[u] => lang.pick(super::report::HELD_BACK.0, super::report::HELD_BACK.1),
            None => lang.pick("Chưa nộp", "missing"),
        };
        ws.write_string(row, 3, st)?;
        let report = sub
            .filter(|&i| c.included[i])
            .and_then(|i| c.submissions[i].report.as_ref());
        let lines = cmp.and_then(|cmp| {
            cmp.units
                .iter()
                .find(|(x, _)| *x == u)
                .map(|(_, l)| l.as_slice())
        });
        if let Some(note) = lines.into_iter().flatten().find_map(|l| l.note.as_ref()) {
            notes.push((unit.code.clone(), note.get(lang).to_string()));
        }
        for (k, col) in cols.iter().enumerate() {
            let at = fixed + k as u16;
            let line = col.line.and_then(|i| lines.and_then(|l| l.get(i)));
            let this = report.and_then(|r| r.figure(col.field));
            match col.part {
                Part::This => {
                    if let Some(n) = this {
                        ws.write_number(row, at, n)?;
                    }
                }
                Part::Year => match line.and_then(|l| l.year_before) {
                    Some(v) => {
                        ws.write_number(row, at, v)?;
                    }
                    None => {
                        let cmp = cmp.expect("a group only with a comparison");
                        ws.write_string(row, at, no_year(cmp, line, lang))?;
                    }
                },
                Part::Versus => {
                    let points = Comparison::in_points(form, col.field);
                    let fm = versus(&cell(row, at - 2), &cell(row, at - 1), points);
                    let out = match versus_value(this, line.and_then(|l| l.year_before), points) {
                        Some(v) => Out::Formula(fm, v),
                        None => Out::FormulaBlank(fm),
                    };
                    ws.write(row, at, &out)?;
                }
            }
        }
    }
    let last = first + (c.expected.len() as u32).max(1) - 1;
    let total_row = last + 1;
    let bold = style::bold();
    ws.write_string_with_format(total_row, 2, lang.pick("TOÀN TỈNH", "PROVINCE"), &bold)?;
    for c0 in [0u16, 1] {
        ws.write_blank(total_row, c0, &bold)?;
    }
    // What the total covers, on its row and, naming the units left out, under it (below):
    // a sum of 11 units of 15 must not read as the province's.
    let coverage = super::upward::Coverage::counted(form, c);
    let counted = format!(
        "{}/{} {}",
        coverage.covered_expected(),
        coverage.expected,
        lang.pick("đơn vị", "units")
    );
    ws.write_string_with_format(total_row, 3, &counted, &bold)?;
    let col_of = |f: FieldRef| {
        cols.iter()
            .position(|x| x.field == f && x.part == Part::This)
            .map(|k| fixed + k as u16)
    };
    let total_of: std::collections::HashMap<FieldRef, Option<f64>> =
        c.totals.iter().copied().collect();
    // The province's figure under each summary column: a count as the SUM of the units
    // above it, a percentage as the formula of its count and base when both are columns
    // here; a mean, a ratio of figures not shown or a derived figure as its value (a SUM
    // of averages would be wrong). A year earlier, the province's figure as that
    // period's run computed it from its sums (not the sum of the units shown, which
    // leaves out those not comparable one by one), and the third column from the two.
    for (k, col) in cols.iter().enumerate() {
        let at = fixed + k as u16;
        let f = col.field;
        let ty = form.field_type(f);
        let province = col
            .line
            .and_then(|i| cmp.and_then(|cmp| cmp.province.get(i)));
        match col.part {
            Part::This => {
                let fmt = fmt_for(ty).set_bold();
                let name = column_name(at);
                let total = total_of.get(&f).copied().flatten();
                let formula = match ty {
                    FieldType::Percent => form
                        .rules
                        .percent_source(f)
                        .and_then(|(cnt, base)| Some((col_of(cnt)?, col_of(base)?)))
                        .map(|(cc, bc)| {
                            let (cn, bn, r) = (column_name(cc), column_name(bc), total_row + 1);
                            format!("IF({bn}{r}=0,\"\",{cn}{r}/{bn}{r}*100)")
                        }),
                    FieldType::Count => {
                        Some(format!("SUM({name}{}:{name}{})", first + 1, last + 1))
                    }
                    _ => None,
                };
                let out = match (formula, total) {
                    (Some(fm), Some(v)) => Out::Formula(fm, v),
                    (Some(fm), None) if ty == FieldType::Count => Out::Formula(fm, 0.0),
                    (None, Some(v)) => Out::Number(v),
                    _ => Out::Blank,
                };
                put(ws, Pos::new(total_row, at), &out, &fmt)?;
            }
            Part::Year => match province.and_then(|l| l.year_before) {
                Some(v) => put(
                    ws,
                    Pos::new(total_row, at),
                    &Out::Number(v),
                    &fmt_for(ty).set_bold(),
                )?,
                None => {
                    let cmp = cmp.expect("a group only with a comparison");
                    let t = no_year(cmp, None, lang);
                    ws.write_string_with_format(total_row, at, t, &bold)?;
                }
            },
            Part::Versus => {
                let points = Comparison::in_points(form, f);
                let fm = versus(&cell(total_row, at - 2), &cell(total_row, at - 1), points);
                let v = versus_value(
                    province.and_then(|l| l.this),
                    province.and_then(|l| l.year_before),
                    points,
                );
                let out = match v {
                    Some(v) => Out::Formula(fm, v),
                    None => Out::FormulaBlank(fm),
                };
                put(
                    ws,
                    Pos::new(total_row, at),
                    &out,
                    &style::percent().set_bold(),
                )?;
            }
        }
    }
    // Under the total (rows are streamed: after its last cell), the units it leaves out.
    if coverage.covered_expected() < coverage.expected {
        let line = format!(
            "{} {}",
            lang.pick("TOÀN TỈNH cộng", "PROVINCE sums"),
            coverage.sentence(form, COVERAGE_NAMES, lang)
        );
        let fmt = style::note()
            .set_text_wrap()
            .set_align(rust_xlsxwriter::FormatAlign::Top);
        // Right of the repeated columns, on the first page across only: merged into
        // them, the pages after it printed a clipped piece.
        let end = first_page.max(FIXED);
        let room: f64 = widths[FIXED as usize - 1..=end as usize].iter().sum();
        ws.set_row_height(total_row + 1, text_height(&line, room))?;
        ws.merge_range(total_row + 1, FIXED - 1, total_row + 1, end, &line, &fmt)?;
    }
    // How a unit's earlier figures were found when it did not report them itself:
    // added up from the units it took over, exact or an estimate (then not shown).
    // Wrapped right of the repeated columns as the coverage line: unwrapped, a long
    // note ran past the printed page.
    let mut row = total_row + 2;
    let end = first_page.max(FIXED);
    let room: f64 = widths[FIXED as usize - 1..=end as usize].iter().sum();
    let note_fmt = style::note()
        .set_text_wrap()
        .set_align(rust_xlsxwriter::FormatAlign::Top);
    for (code, note) in &notes {
        let text = format!("* {code}: {note}");
        ws.set_row_height(row, text_height(&text, room))?;
        ws.merge_range(row, FIXED - 1, row, end, &text, &note_fmt)?;
        row += 1;
    }
    ws.set_freeze_panes(FIRST_ROW, 3)?;
    ws.autofilter(sub_row, 0, last, last_col)?;
    // The headers repeated on every page (the pages across are set above).
    ws.set_repeat_rows(head_row, sub_row)?;
    ws.set_print_gridlines(true);
    ws.set_print_area(0, 0, row.max(total_row), last_col)?;
    Ok(())
}

/// The summary's first header row; a second header row and the key row follow.
const SUMMARY_HEAD_ROW: u32 = 3;

/// The summary's first unit row.
const FIRST_ROW: u32 = SUMMARY_HEAD_ROW + 3;

/// A unit's name as a chart's axis reads it: without "Đảng bộ", "xã", "Huyện" and the
/// like, which every bar would repeat.
fn short_name(name: &str) -> &str {
    let mut s = name.trim();
    for prefix in ["Đảng bộ ", "Đảng ủy "] {
        s = s.strip_prefix(prefix).unwrap_or(s);
    }
    for prefix in [
        "xã ",
        "phường ",
        "Thành phố ",
        "Thị xã ",
        "Huyện ",
        "thị trấn ",
    ] {
        if let Some(rest) = s.strip_prefix(prefix) {
            return rest;
        }
    }
    s
}

/// The chart of the form's chart field by unit, on its own sheet, this period beside
/// the same period a year earlier (or the period chosen) when the archive has it. Its
/// data are a small table under the chart (short name, this period, a year earlier),
/// so the axis reads "Mường Nhé" rather than a code and the cached values are there for
/// previews; the sheet prints the chart alone, on one A4 page.
fn chart_sheet(
    wb: &mut Workbook,
    form: &Form,
    c: &Consolidation,
    cmp: Option<&Comparison>,
    lang: Lang,
    names: &Names,
) -> Result<(), XlsxError> {
    let Some(f) = form.chart.filter(|f| form.summary.contains(f)) else {
        return Ok(());
    };
    let units = c.expected.len();
    let year: Option<Vec<Option<f64>>> = cmp.filter(|c| c.year_before.is_some()).and_then(|cmp| {
        let i = cmp.figures.iter().position(|&g| g == f)?;
        let by_unit: std::collections::HashMap<usize, &Vec<crate::compare::Line>> =
            cmp.units.iter().map(|(u, l)| (*u, l)).collect();
        Some(
            c.expected
                .iter()
                .map(|&u| by_unit.get(&u).and_then(|l| l.get(i)?.year_before))
                .collect(),
        )
    });
    let label = form.field_label(f, lang.en()).to_string();
    let cws = wb.add_worksheet();
    cws.set_name(names.chart)?;
    // The data table, below the chart's 22 rows.
    let top = 26u32;
    let h = style::header();
    cws.write_string_with_format(top, 0, lang.pick("Đơn vị", "Unit"), &h)?;
    cws.write_string_with_format(top, 1, lang.pick("Kỳ này", "This period"), &h)?;
    let year_label = match cmp.and_then(|c| c.year_before) {
        Some(a) if a.chosen => format!("{} {}", lang.pick("Kỳ", "Period"), a.period),
        _ => lang
            .pick("Cùng kỳ năm trước", "Same period a year earlier")
            .to_string(),
    };
    if year.is_some() {
        cws.write_string_with_format(top, 2, &year_label, &h)?;
    }
    cws.set_column_width(0, 22)?;
    cws.set_column_width(1, 12)?;
    cws.set_column_width(2, 12)?;
    for (k, &u) in c.expected.iter().enumerate() {
        let row = top + 1 + k as u32;
        cws.write_string(row, 0, short_name(&form.units[u].name))?;
        let this = c.kept[u]
            .filter(|&i| c.included[i])
            .and_then(|i| c.submissions[i].report.as_ref())
            .and_then(|r| r.figure(f));
        if let Some(v) = this {
            cws.write_number(row, 1, v)?;
        }
        if let Some(v) = year.as_ref().and_then(|y| y[k]) {
            cws.write_number(row, 2, v)?;
        }
    }
    // A bar per unit reads up to a few hundred units; past them the chart shows the
    // first ones, and says so (its width would also run past Excel's last column).
    let shown = units.min(CHART_MAX_UNITS);
    let (first, last) = (top + 1, top + (shown as u32).max(1));
    let sheet = names.chart;
    let mut chart = Chart::new(ChartType::Column);
    chart
        .add_series()
        .set_categories((sheet, first, 0, last, 0))
        .set_values((sheet, first, 1, last, 1))
        .set_name(lang.pick("Kỳ này", "This period"));
    if year.is_some() {
        chart
            .add_series()
            .set_categories((sheet, first, 0, last, 0))
            .set_values((sheet, first, 2, last, 2))
            .set_name(year_label.as_str());
        chart
            .legend()
            .set_position(rust_xlsxwriter::ChartLegendPosition::Top);
    } else {
        chart.legend().set_hidden();
    }
    let coverage = super::upward::Coverage::counted(form, c);
    let mut title = format!("{} {}", label, lang.pick("theo đơn vị", "by unit"));
    if coverage.covered_expected() < coverage.expected {
        title.push_str(&format!(
            " ({} {}/{} {})",
            lang.pick("toàn tỉnh cộng", "the province sums"),
            coverage.covered_expected(),
            coverage.expected,
            lang.pick("đơn vị", "units")
        ));
    }
    if units > shown {
        title.push_str(&format!(
            " ({})",
            lang.pick(
                &format!(
                    "{} đơn vị đầu trong {}",
                    lang.count(shown as u64),
                    lang.count(units as u64)
                ),
                &format!(
                    "the first {} of {} units",
                    lang.count(shown as u64),
                    lang.count(units as u64)
                ),
            )
        ));
    }
    chart.title().set_name(&title);
    chart.x_axis().set_font(
        rust_xlsxwriter::ChartFont::new()
            .set_rotation(-90)
            .set_size(8),
    );
    // A bar wide enough for its label per unit (two with last year), and the sheet
    // printed on one A4 page across: rust_xlsxwriter's default 480 px cut the last of
    // 49 units off the page.
    let per_unit = if year.is_some() { 26 } else { 22 };
    chart
        .set_width((shown as u32 * per_unit).max(720))
        .set_height(440);
    cws.insert_chart(1, 1, &chart)?;
    cws.set_landscape();
    cws.set_paper_size(9);
    cws.set_print_fit_to_pages(1, 1);
    // The chart's page: the table under it is its data, not for paper.
    let cols_wide = ((units as u32 * per_unit).max(720) / 64 + 2).min(16_000) as u16;
    cws.set_print_area(0, 0, top - 2, cols_wide)?;
    Ok(())
}

/// Units a chart shows at most.
const CHART_MAX_UNITS: usize = 500;

/// Units named, per group (returned, missing), under a TOÀN TỈNH that leaves some out;
/// the rest are counted (the chasing list names them all).
const COVERAGE_NAMES: usize = 10;

/// Units across one list sheet: Excel's 16,384 columns, less the list's own.
const UNIT_COLUMNS: usize = 16_000;

/// A list's sheet in the consolidated workbook: the form's sheet name, "theo đơn vị";
/// numbered when its units take several sheets.
fn list_sheet_name(form: &Form, li: usize, part: usize, parts: usize, lang: Lang) -> String {
    let l = &form.lists[li];
    let base = &form.sheets[l.sheet].name;
    let shared = form.lists.iter().filter(|o| o.sheet == l.sheet).count() > 1;
    let name = match (shared, lang) {
        (false, Lang::Vi) => format!("{base} theo đơn vị"),
        (false, Lang::En) => format!("{base} by unit"),
        (true, _) => format!("{base} ({})", l.key),
    };
    let suffix = if parts > 1 {
        format!(" {}", part + 1)
    } else {
        String::new()
    };
    let keep = 31 - suffix.chars().count();
    name.chars().take(keep).chain(suffix.chars()).collect()
}

/// Lines of a list gathered at a time for its units-across sheet ([`gather`]).
const GATHER_LINES: usize = 16;

/// The first figure of `lines` of list `li` for every unit, line by line (`block[line *
/// units + unit]`), read unit by unit.
///
/// Why: the sheet is written a line at a time across every unit, and each unit's figures
/// are in a store of its own, so reading them in the sheet's order took a cache miss or
/// more per figure: on 10,000 units that lookup was the largest single cost of a whole
/// run (perf). Read so, a unit's few lines are one or two cache lines, and the block at
/// most 16 lines of 16,000 units (4 MB).
fn gather(
    block: &mut Vec<Option<f64>>,
    reports: &[Option<&crate::extract::Report>],
    li: usize,
    lines: std::ops::Range<usize>,
) {
    let n = reports.len();
    block.clear();
    block.resize(lines.len() * n, None);
    for (k, r) in reports.iter().enumerate() {
        let Some(r) = r else { continue };
        for (at, row) in lines.clone().enumerate() {
            block[at * n + k] = r.figure(FieldRef::Item {
                list: li,
                row,
                column: 0,
            });
        }
    }
}

/// One list as the province reads it: its lines down the sheet as the official form
/// has them, the province's figures (every column, percentages recomputed from the
/// summed counts, means weighted), then each expected unit's first figure column (Kỳ
/// này) across, blank when the unit's report is not summed. Printed landscape with the
/// lines and the province's figures repeated on every page. `units` are those of this
/// sheet, part `of.0` of `of.1`.
fn list_sheet(
    ws: &mut Worksheet,
    form: &Form,
    c: &Consolidation,
    li: usize,
    units: &[usize],
    of: (usize, usize),
    lang: Lang,
) -> Result<(), XlsxError> {
    let l = &form.lists[li];
    let total_of: std::collections::HashMap<FieldRef, Option<f64>> =
        c.totals.iter().copied().collect();
    let code_col = 0u16;
    let label_col = 1u16;
    let first_fig = 2u16;
    let units_at = first_fig + l.columns.len() as u16;
    // "— theo đơn vị" on a line of its own: wrapped by width, it broke inside itself.
    let mut title = format!(
        "{}\n— {}",
        form.sheets[l.sheet]
            .title
            .as_deref()
            .unwrap_or(&form.sheets[l.sheet].name),
        lang.pick("theo đơn vị", "by unit")
    );
    if of.1 > 1 {
        title.push_str(&format!(
            " ({} {}/{})",
            lang.pick("phần", "part"),
            of.0 + 1,
            of.1
        ));
    }
    // Over the columns every printed page repeats (code and label), wrapped: merged
    // over the province's columns too, a page further right showed only the part of
    // the title above its repeated columns, cut in the middle of a word.
    ws.merge_range(0, 0, 0, label_col, &title, &style::title().set_text_wrap())?;
    // About 0.65 of a column's width in 14-point bold capitals: two lines for most.
    let per_line = ACROSS_HEAD.iter().sum::<f64>() * 0.65;
    let lines: f64 = (title.split('\n'))
        .map(|l| (l.chars().count() as f64 / per_line).ceil().max(1.0))
        .sum();
    if lines > 1.0 {
        ws.set_row_height(0, 19.0 * lines)?;
    }
    let period = c.period.map_or_else(String::new, |p| {
        format!("{} {p}", lang.pick("Kỳ báo cáo", "Period"))
    });
    ws.write_string(1, 0, period)?;
    let head_row = 3u32;
    let mut head: Vec<String> = vec![
        l.code_label.clone(),
        lang.pick(&l.label, &l.label_en).to_string(),
    ];
    head.extend(l.columns.iter().map(|col| {
        format!(
            "{}: {}",
            lang.pick("Toàn tỉnh", "Province"),
            lang.pick(&col.label, &col.label_en)
        )
    }));
    let first = l.columns.first();
    // The code on a line of its own: wrapped by width it broke inside the code.
    head.extend(units.iter().map(|&u| {
        format!(
            "{}\n({})",
            form.units[u].code,
            first.map_or("", |col| lang.pick(&col.label, &col.label_en))
        )
    }));
    let refs: Vec<&str> = head.iter().map(String::as_str).collect();
    let mut widths = ACROSS_HEAD.to_vec();
    widths.extend(l.columns.iter().map(|_| 13.0));
    widths.extend(units.iter().map(|_| 11.0));
    // The lines' codes and labels on every page; the province's figures once.
    headers(ws, head_row, &refs, &widths, 2, widths.len())?;
    // A unit's code in bold 11-point type wraps inside itself past nine letters
    // ("MUONGTOO" over "NG"); at 9 points the codes of the default roster fit.
    let small = style::header().set_font_size(9);
    for (k, t) in refs.iter().enumerate().skip(units_at as usize) {
        ws.write_string_with_format(head_row, k as u16, *t, &small)?;
    }
    for (k, col) in l.columns.iter().enumerate() {
        let fmt = fmt_for(col.ty).set_bold();
        ws.set_column_format(first_fig + k as u16, &fmt)?;
    }
    // The units' figures carry their number format cell by cell: a format set on each
    // of 50,000 columns was a whole Format held per column until the sheet was saved.
    let unit_fmt = first.map(|col| fmt_for(col.ty));
    let reports: Vec<Option<&crate::extract::Report>> = units
        .iter()
        .map(|&u| {
            c.kept[u]
                .filter(|&i| c.included[i])
                .and_then(|i| c.submissions[i].report.as_ref())
        })
        .collect();
    // Each unit's first figure of a few lines at a time, read unit by unit (see
    // [`gather`]); `block` holds the lines `gathered` of them, line by line.
    let mut block: Vec<Option<f64>> = Vec::new();
    let mut gathered = 0..0;
    for (row, (ri, r)) in (head_row + 1..).zip(l.rows.iter().enumerate()) {
        if let Some(code) = &r.code {
            ws.write_string(row, code_col, code)?;
        }
        let label = lang.pick(&r.label, &r.label_en);
        match r.style {
            crate::spec::RowStyle::Bold => {
                ws.write_string_with_format(row, label_col, label, &style::bold())?
            }
            crate::spec::RowStyle::Italic => {
                ws.write_string_with_format(row, label_col, label, &Format::new().set_italic())?
            }
            crate::spec::RowStyle::Plain => ws.write_string(row, label_col, label)?,
        };
        if r.figures {
            for k in 0..l.columns.len() {
                let f = FieldRef::Item {
                    list: li,
                    row: ri,
                    column: k,
                };
                if let Some(Some(v)) = total_of.get(&f) {
                    ws.write_number(row, first_fig + k as u16, *v)?;
                }
            }
            if !gathered.contains(&ri) {
                gathered = ri..(ri + GATHER_LINES).min(l.rows.len());
                gather(&mut block, &reports, li, gathered.clone());
            }
            let n = reports.len();
            let line = &block[(ri - gathered.start) * n..][..n];
            for (k, v) in line.iter().enumerate() {
                if let Some(v) = *v {
                    match &unit_fmt {
                        Some(fmt) => {
                            ws.write_number_with_format(row, units_at + k as u16, v, fmt)?
                        }
                        None => ws.write_number(row, units_at + k as u16, v)?,
                    };
                }
            }
        }
    }
    ws.set_freeze_panes(head_row + 1, units_at)?;
    Ok(())
}

/// Widths of the code and label columns of a units-across sheet, which every printed
/// page repeats.
const ACROSS_HEAD: [f64; 2] = [8.0, 46.0];

/// Width of the message column of *Lỗi*, in characters.
const MESSAGE_WIDTH: f64 = 80.0;

/// Rows a detail sheet holds before the next one starts: Excel's limit, less the header.
const SHEET_ROWS: u32 = 1_048_576 - 8;

/// Submissions whose rows go to the detail, in the summary's unit order.
fn detail_subs(c: &Consolidation) -> impl Iterator<Item = usize> + '_ {
    c.kept.iter().filter_map(|k| k.filter(|&i| c.included[i]))
}

fn detail_rows(c: &Consolidation, ti: usize) -> usize {
    detail_subs(c)
        .filter_map(|i| c.submissions[i].report.as_ref())
        .map(|r| r.tables[ti].rows.len())
        .sum()
}

fn detail_name(form: &Form, names: &Names, ti: usize, part: usize, parts: usize) -> String {
    let base = if form.tables.len() == 1 {
        names.table.to_string()
    } else {
        format!("{} {}", names.table, ti + 1)
    };
    if parts > 1 {
        format!("{base} ({})", part + 1)
    } else {
        base
    }
}

/// One table's rows from every summed submission, over `sheets` (more than one only
/// past Excel's row limit).
fn table(
    sheets: &mut [Worksheet],
    form: &Form,
    c: &Consolidation,
    ti: usize,
    lang: Lang,
) -> Result<(), XlsxError> {
    let t = &form.tables[ti];
    let included: Vec<usize> = detail_subs(c).collect();
    let rows = detail_rows(c, ti);
    let parts = sheets.len();
    let mut sheets = sheets.iter_mut();
    let mut ws = sheets.next().expect("at least one detail sheet");
    detail_sheet(ws, form, t, lang, rows, 0)?;
    let mut part = 0;
    let mut row = 3u32;
    for &i in &included {
        let s = &c.submissions[i];
        let (Some(r), Some(u)) = (&s.report, s.unit) else {
            continue;
        };
        for data in &r.tables[ti].rows {
            if row - 3 == SHEET_ROWS {
                part += 1;
                ws = sheets.next().expect("sheets counted from the rows");
                detail_sheet(ws, form, t, lang, rows, part)?;
                row = 3;
            }
            // Unformatted writes take the column's format: no per-cell format lookup.
            ws.write_string(row, 0, &form.units[u].code)?;
            ws.write_string(row, 1, &form.units[u].name)?;
            ws.write_string(row, 2, &data.label)?;
            for (k, v) in data.values.iter().enumerate() {
                if let Value::Number(n) = v {
                    ws.write_number(row, 3 + k as u16, *n)?;
                }
            }
            let src = format!(
                "{} › {}!{}",
                s.file,
                r.sheet(t.sheet),
                Pos::new(data.row, t.label_col)
            );
            ws.write_string(row, 3 + t.columns.len() as u16, &src)?;
            row += 1;
        }
    }
    let bold = style::bold();
    ws.write_string_with_format(row, 2, lang.pick("TOÀN TỈNH", "PROVINCE"), &bold)?;
    for (k, col) in t.columns.iter().enumerate() {
        let cc = 3 + k as u16;
        let total = c
            .totals
            .iter()
            .find(|(f, _)| {
                *f == FieldRef::Column {
                    table: ti,
                    column: k,
                }
            })
            .and_then(|(_, v)| *v)
            .unwrap_or(0.0);
        // One sheet: a live SUM; split across sheets: the figure, as a SUM cannot span them.
        let v = if parts > 1 {
            Out::Number(total)
        } else if row > 3 {
            let n = column_name(cc);
            Out::Formula(format!("SUM({n}4:{n}{row})"), total)
        } else {
            Out::Number(0.0)
        };
        put(ws, Pos::new(row, cc), &v, &fmt_for(col.ty).set_bold())?;
    }
    Ok(())
}

/// A detail sheet's title, headers and column formats.
fn detail_sheet(
    ws: &mut Worksheet,
    form: &Form,
    t: &crate::spec::Table,
    lang: Lang,
    rows: usize,
    part: u32,
) -> Result<(), XlsxError> {
    let last = 3 + t.columns.len() as u16;
    number_columns(ws, 3, t.columns.iter().map(|c| c.ty))?;
    ws.write_string_with_format(
        0,
        0,
        format!(
            "{} — {}",
            lang.pick(&t.label, &t.label_en),
            form.sheets[t.sheet].name
        ),
        &style::title(),
    )?;
    let mut head: Vec<String> = vec![
        lang.pick("Mã", "Code").into(),
        lang.pick("Đơn vị", "Unit").into(),
        lang.pick(&t.label, &t.label_en).into(),
    ];
    head.extend(
        t.columns
            .iter()
            .map(|col| lang.pick(&col.label, &col.label_en).to_string()),
    );
    head.push(lang.pick("Nguồn (tệp › ô)", "Source (file › cell)").into());
    let refs: Vec<&str> = head.iter().map(String::as_str).collect();
    // One page across in legible type for the columns that print.
    let mut widths = vec![8.0, 26.0, 38.0];
    style::fit_codes(form, &mut widths, 0, 2);
    widths.extend(t.columns.iter().map(|_| 11.0));
    widths.push(40.0);
    // The source (file › cell) is for tracing on screen: on paper it would take a
    // second page across for every page down.
    headers(ws, 2, &refs, &widths, 3, widths.len() - 1)?;
    ws.set_freeze_panes(3, 3)?;
    let part_rows = (rows as u32 - (part * SHEET_ROWS).min(rows as u32)).min(SHEET_ROWS);
    ws.autofilter(2, 0, 2 + part_rows.max(1), last)?;
    Ok(())
}

/// The status sheet's title and headers: every format the sheet uses.
fn status_head(ws: &mut Worksheet, form: &Form, lang: Lang) -> Result<(), XlsxError> {
    // Centred across the table: in A1 alone the title ran off the page's left edge.
    ws.merge_range(
        0,
        0,
        0,
        11,
        lang.pick("TÌNH TRẠNG NỘP BÁO CÁO", "SUBMISSION STATUS"),
        &style::title(),
    )?;
    let head = [
        lang.pick("STT", "No."),
        lang.pick("Mã", "Code"),
        lang.pick("Đơn vị", "Unit"),
        lang.pick("Tệp", "File"),
        lang.pick("Tình trạng", "Status"),
        lang.pick("Số lỗi", "Errors"),
        lang.pick("Số cảnh báo", "Warnings"),
        lang.pick("Ghi chú", "Note"),
        lang.pick("Ngày báo cáo", "Date of report"),
        lang.pick("Tình trạng hạn nộp", "Deadline status"),
        lang.pick("Thời gian lưu tệp (chỉ để xem)", "File time (shown only)"),
        "SHA-256",
    ];
    // Two pages across, the unit on both: the file and its standing, then the note and
    // the dates. The note wraps (its rows carry no format: the column's).
    let mut widths = STATUS_WIDTHS;
    // The name gives the room: the note's rows are sized for its width.
    style::fit_codes(form, &mut widths, 1, 2);
    headers(ws, 2, &head, &widths, 3, widths.len())?;
    ws.set_column_format(STATUS_NOTE_COL, &Format::new().set_text_wrap())?;
    Ok(())
}

/// The status sheet's column widths.
const STATUS_WIDTHS: [f64; 12] = [
    5.0, 8.0, 34.0, 36.0, 24.0, 9.0, 11.0, 40.0, 12.0, 18.0, 17.0, 20.0,
];

/// The status sheet's note column, which wraps.
const STATUS_NOTE_COL: u16 = 7;

/// The status sheet's rows, without formats (see [`write`]).
fn status_rows(ws: &mut Worksheet, run: &Report<'_>) -> Result<(), XlsxError> {
    let &Report {
        form,
        c,
        skipped,
        lang,
        run: mark,
        chase,
        decisions,
        ..
    } = run;
    // A file with warnings only for the clerk (a change on last year) is not returned:
    // the sheet names a returned workbook only where the run writes one.
    let returned: Option<std::collections::HashSet<&str>> =
        mark.map(|m| m.returned.iter().map(|r| r.file.as_str()).collect());
    let written = |code: &str| {
        returned.as_ref().is_none_or(|set| {
            set.contains(format!("{}/{code}.xlsx", super::staging::RETURNED_DIR).as_str())
        })
    };
    let mut row = 3u32;
    let mut n = 1;
    // The date of report, the standing it gives, and the file time, shown beside it
    // only: a copied or re-saved file has a new time, so the standing never uses it.
    let dated = |i: usize| -> [String; 3] {
        let s = &c.submissions[i];
        let date = form
            .identity
            .report_date
            .and_then(|k| s.report.as_ref().and_then(|r| r.cells[k].date()));
        let standing = match chase {
            Some(ch) if s.report.is_some() => chasing::standing_cell(ch.standings[i], lang),
            _ => String::new(),
        };
        let time = s.modified.map_or_else(String::new, |t| {
            chrono::DateTime::<chrono::Local>::from(t)
                .format("%d/%m/%Y %H:%M")
                .to_string()
        });
        [
            date.map(crate::text::date::format_date).unwrap_or_default(),
            standing,
            time,
        ]
    };
    let missing = || -> [String; 3] {
        let standing = chase.map_or_else(String::new, |ch| {
            let st = ch
                .deadline
                .map(|d| crate::deadline::Standing::missing(d.date, ch.today));
            chasing::standing_cell(st, lang)
        });
        [String::new(), standing, String::new()]
    };
    let mut line = |ws: &mut Worksheet,
                    code: &str,
                    unit: &str,
                    file: &str,
                    st: &str,
                    counts: Option<(usize, usize)>,
                    note: &str,
                    sha: &str,
                    more: &[String; 3]|
     -> Result<(), XlsxError> {
        // Unformatted, as in the summary: gridlines frame the printed sheet.
        if let Some(h) = style::wrapped_height(note, STATUS_WIDTHS[STATUS_NOTE_COL as usize]) {
            ws.set_row_height(row, h)?;
        }
        ws.write_number(row, 0, n as f64)?;
        for (col, s) in [
            (1u16, code),
            (2, unit),
            (3, file),
            (4, st),
            (7, note),
            (8, &more[0]),
            (9, &more[1]),
            (10, &more[2]),
            (11, sha),
        ] {
            if !s.is_empty() {
                ws.write_string(row, col, s)?;
            }
        }
        if let Some((e, w)) = counts {
            ws.write_number(row, 5, e as f64)?;
            ws.write_number(row, 6, w as f64)?;
        }
        row += 1;
        n += 1;
        Ok(())
    };
    let held = c.held_back_flags();
    for &u in &c.expected {
        let unit = &form.units[u];
        match c.kept[u] {
            Some(i) => {
                let s = &c.submissions[i];
                let decided = decisions.and_then(|d| d.note(i, lang));
                let note = if let Some(d) = decided {
                    d
                } else if s.status == Status::Rejected {
                    // tonghop writes the file; sending it is the clerk's to do.
                    lang.pick("Cần gửi trả tệp lỗi: tra-lai/", "To return: tra-lai/")
                        .to_string()
                        + &unit.code
                        + ".xlsx"
                } else if s.findings.is_empty() {
                    String::new()
                } else if !written(&unit.code) {
                    lang.pick(
                        "Có cảnh báo cần xác nhận với đơn vị (xem sheet Lỗi); không có tệp gửi trả",
                        "Warnings to confirm with the unit (see the Findings sheet); no file to return",
                    )
                    .to_string()
                } else {
                    lang.pick("Có cảnh báo: tra-lai/", "Warnings: tra-lai/")
                        .to_string()
                        + &unit.code
                        + ".xlsx"
                };
                line(
                    ws,
                    &unit.code,
                    &unit.name,
                    &s.file,
                    status_text(s, c.included[i]).get(lang),
                    Some((s.errors(), s.warnings())),
                    &note,
                    &s.sha256,
                    &dated(i),
                )?;
            }
            // Read, but held back for the run's memory limit: its file is listed below.
            None if held[u] => line(
                ws,
                &unit.code,
                &unit.name,
                "",
                lang.pick(super::report::HELD_BACK.0, super::report::HELD_BACK.1),
                None,
                lang.pick(
                    "Chạy lại với --max-memory-mib lớn hơn; đơn vị không cần gửi lại",
                    "Run again with a larger --max-memory-mib; the unit need not send again",
                ),
                "",
                &[String::new(), String::new(), String::new()],
            )?,
            None => line(
                ws,
                &unit.code,
                &unit.name,
                "",
                lang.pick("Chưa nộp", "missing"),
                None,
                "",
                "",
                &missing(),
            )?,
        }
    }
    let mut expected = vec![false; form.units.len()];
    for &u in &c.expected {
        expected[u] = true;
    }
    for (i, s) in c.submissions.iter().enumerate() {
        if s.unit.is_some_and(|u| expected[u] && c.kept[u] == Some(i)) {
            continue;
        }
        let (code, name) = s.unit.map_or(("", ""), |u| {
            (form.units[u].code.as_str(), form.units[u].name.as_str())
        });
        // A file set aside says why: in the DUP warning, addressed to the clerk (which
        // file was kept and how to undo the choice), or, set aside by a clerk's `keep`,
        // in that decision's finding (who chose which file). Its own first error is in
        // *Lỗi*; here it would read as the reason the file was not used.
        let dup = s.findings.iter().find(|f| f.code.is(Builtin::Dup));
        let decided = s
            .findings
            .iter()
            .rev()
            .find(|f| f.code.is(Builtin::Decision));
        let why = match s.superseded_by {
            Some(_) => dup.or(decided),
            None => dup,
        };
        let note = match (&s.superseded_by, why, s.findings.first()) {
            (_, Some(f), _) => cell_text(f.message.get(lang)).into_owned(),
            (Some(by), None, _) => format!("{} {by}", lang.pick("Thay bằng", "Superseded by")),
            (None, None, Some(f)) => cell_text(f.message.get(lang)).into_owned(),
            (None, None, None) => String::new(),
        };
        line(
            ws,
            code,
            name,
            &s.file,
            status_text(s, c.included[i]).get(lang),
            Some((s.errors(), s.warnings())),
            &note,
            &s.sha256,
            &dated(i),
        )?;
    }
    for s in skipped {
        line(
            ws,
            "",
            "",
            &s.file,
            lang.pick("Bỏ qua", "skipped"),
            None,
            s.reason.get(lang),
            "",
            &Default::default(),
        )?;
    }
    ws.set_freeze_panes(3, 0)?;
    ws.autofilter(2, 0, row.saturating_sub(1).max(2), 11)?;
    // The table and no further: a hash running past the last column would otherwise
    // widen the printed page with empty columns and shrink the whole sheet to fit.
    ws.set_print_area(0, 0, row.saturating_sub(1).max(2), 11)?;
    Ok(())
}

fn errors(ws: &mut Worksheet, form: &Form, c: &Consolidation, lang: Lang) -> Result<(), XlsxError> {
    ws.write_string_with_format(
        0,
        0,
        lang.pick("DANH SÁCH LỖI VÀ CẢNH BÁO", "FINDINGS"),
        &style::title(),
    )?;
    let head = [
        lang.pick("STT", "No."),
        lang.pick("Mã ĐV", "Unit"),
        lang.pick("Đơn vị", "Unit name"),
        lang.pick("Tệp", "File"),
        "Sheet",
        lang.pick("Ô", "Cell"),
        lang.pick("Mã lỗi", "Rule"),
        lang.pick("Mức độ", "Severity"),
        lang.pick("Nội dung", "Message"),
        lang.pick("Giá trị tìm thấy", "Found"),
        lang.pick("Giá trị theo quy tắc", "Expected"),
    ];
    let mut widths = [
        5.0,
        8.0,
        28.0,
        30.0,
        14.0,
        7.0,
        11.0,
        10.0,
        MESSAGE_WIDTH,
        16.0,
        16.0,
    ];
    // The file's name gives the room: the message's rows are sized for its width.
    style::fit_codes(form, &mut widths, 1, 3);
    headers(ws, 2, &head, &widths, 3, 11)?;
    let text = style::text();
    let wrap = style::label();
    let form_names: Vec<String> = form.sheets.iter().map(|s| s.name.clone()).collect();
    let shown = |v: &Option<crate::finding::Shown>| {
        v.as_ref()
            .map(|v| v.render(Notation::Human(lang)))
            .unwrap_or_default()
    };
    let mut row = 3u32;
    for s in &c.submissions {
        let (code, name) = s.unit.map_or(("", ""), |u| {
            (form.units[u].code.as_str(), form.units[u].name.as_str())
        });
        for f in &s.findings {
            let message = cell_text(f.message.get(lang));
            if let Some(h) = style::wrapped_height(&message, MESSAGE_WIDTH) {
                ws.set_row_height(row, h)?;
            }
            ws.write_number_with_format(row, 0, (row - 2) as f64, &text)?;
            let cell = f.at.cell.map(|p| p.to_string()).unwrap_or_default();
            let cols: [&str; 7] = [
                code,
                name,
                &s.file,
                f.at.sheet.map_or("", |i| s.sheet_name(&form_names, i)),
                &cell,
                f.code.as_str(),
                f.severity.word(lang),
            ];
            for (k, v) in cols.iter().enumerate() {
                ws.write_string_with_format(row, 1 + k as u16, *v, &text)?;
            }
            ws.write_string_with_format(row, 8, message, &wrap)?;
            ws.write_string_with_format(row, 9, cell_text(&shown(&f.found)), &text)?;
            ws.write_string_with_format(row, 10, cell_text(&shown(&f.expected)), &text)?;
            row += 1;
        }
    }
    ws.set_freeze_panes(3, 0)?;
    ws.autofilter(2, 0, row.saturating_sub(1).max(2), 10)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_lists_units_past_excels_columns_go_on_numbered_sheets_of_31_characters() {
        let form = Form::load(None).unwrap();
        let li = (0..form.lists.len())
            .max_by_key(|&li| form.sheets[form.lists[li].sheet].name.len())
            .unwrap();
        let one = list_sheet_name(&form, li, 0, 1, Lang::Vi);
        assert!(one.ends_with("theo đơn vị") || one.contains('('), "{one}");
        let names: Vec<String> = (0..4)
            .map(|p| list_sheet_name(&form, li, p, 4, Lang::Vi))
            .collect();
        for (p, n) in names.iter().enumerate() {
            assert!(n.chars().count() <= 31, "{n}");
            assert!(n.ends_with(&format!(" {}", p + 1)), "{n}");
        }
        let distinct: std::collections::HashSet<&String> = names.iter().collect();
        assert_eq!(distinct.len(), 4);
        // 50,000 units take four sheets, each within Excel's 16,384 columns.
        assert_eq!(50_000usize.div_ceil(UNIT_COLUMNS), 4);
        assert!(UNIT_COLUMNS + 2 + form.lists[li].columns.len() <= 16_384);
    }
}
