//! The chasing list: the *Đôn đốc* sheet of tong-hop.xlsx, printed and worked down by
//! phone, and OUT/don-doc.csv, the same rows for a mail merge. Every unit that sent
//! nothing, whose report went back, or whose report came late, with what is wanted from
//! it and whom to call (see [`crate::deadline`]).

use super::{WriteError, atomic_write, cell_text, style};
use crate::consolidate::Consolidation;
use crate::deadline::{Chase, Chased, Standing};
use crate::form::Form;
use crate::lang::Lang;
use crate::text::date::format_date;
use rust_xlsxwriter::{Worksheet, XlsxError};
use std::path::Path;

/// The file name of the list in OUT.
pub const CSV_FILE: &str = "don-doc.csv";

/// The sheet's name in tong-hop.xlsx.
pub fn sheet_name(lang: Lang) -> &'static str {
    lang.pick("Đôn đốc", "Chasing")
}

/// The columns, each with its width on paper (characters).
fn columns(lang: Lang) -> [(&'static str, f64); 9] {
    [
        (lang.pick("STT", "No."), 5.0),
        (lang.pick("Mã", "Code"), 11.0),
        (lang.pick("Đơn vị", "Unit"), 28.0),
        (lang.pick("Cần làm", "Wanted"), 40.0),
        (lang.pick("Số lỗi", "Errors"), 7.0),
        (lang.pick("Người lập biểu", "Prepared by"), 18.0),
        (lang.pick("Điện thoại", "Phone"), 15.0),
        (lang.pick("Ngày báo cáo", "Date of report"), 12.0),
        (lang.pick("Tình trạng hạn nộp", "Deadline status"), 18.0),
    ]
}

/// The column of what is wanted, whose text wraps.
const WANTED_COL: u16 = 3;
/// The header row, repeated on every printed page.
const HEAD_ROW: u32 = 3;

/// One unit's cells, as the sheet and the CSV give them (without the line number).
fn cells(form: &Form, x: &Chased, lang: Lang) -> [String; 8] {
    let unit = &form.units[x.unit];
    let deadline = standing_cell(x.standing, lang);
    [
        unit.code.clone(),
        unit.name.clone(),
        x.wanted(lang),
        if x.errors > 0 {
            x.errors.to_string()
        } else {
            String::new()
        },
        x.preparer.clone().unwrap_or_default(),
        x.phone.clone().unwrap_or_default(),
        match (x.report_date, x.earlier) {
            (Some(d), Some(p)) => format!("{} ({} {p})", format_date(d), lang.pick("kỳ", "period")),
            (Some(d), None) => format_date(d),
            (None, Some(p)) => format!("({} {p})", lang.pick("kỳ", "period")),
            (None, None) => String::new(),
        },
        deadline,
    ]
}

/// The line under the title: the period, the deadline and the day the list was made.
fn subtitle(c: &Consolidation, chase: &Chase, lang: Lang) -> String {
    let period = c.period.map_or_else(
        || {
            lang.pick("Kỳ báo cáo: chưa rõ", "Period: not known")
                .to_string()
        },
        |p| format!("{} {p}", lang.pick("Kỳ báo cáo", "Period")),
    );
    format!(
        "{period}. {}. {} {}.",
        chase.describe(lang),
        lang.pick("Ngày lập", "Made on"),
        format_date(chase.today)
    )
}

/// Fill the *Đôn đốc* sheet (streamed: rows top to bottom). Printed on A4 landscape, one
/// page wide, the header row on every page, the title centred across the table.
pub fn sheet(
    ws: &mut Worksheet,
    form: &Form,
    c: &Consolidation,
    chase: &Chase,
    lang: Lang,
) -> Result<(), XlsxError> {
    let mut cols = columns(lang);
    let give = WANTED_COL as usize;
    (cols[1].1, cols[give].1) = style::fitted(form, cols[1].1, cols[give].1);
    let last = cols.len() as u16 - 1;
    for (k, (_, w)) in cols.iter().enumerate() {
        ws.set_column_width(k as u16, *w)?;
    }
    ws.set_row_height(0, 24)?;
    ws.merge_range(
        0,
        0,
        0,
        last,
        lang.pick("DANH SÁCH ĐƠN VỊ CẦN ĐÔN ĐỐC", "UNITS TO CHASE"),
        &style::title(),
    )?;
    ws.merge_range(
        1,
        0,
        1,
        last,
        &subtitle(c, chase, lang),
        &style::note().set_align(rust_xlsxwriter::FormatAlign::Center),
    )?;
    let head = style::header();
    ws.set_row_height(HEAD_ROW, 32)?;
    for (k, (t, _)) in cols.iter().enumerate() {
        ws.write_string_with_format(HEAD_ROW, k as u16, *t, &head)?;
    }
    // Centred vertically, as the wrapped column is, so a taller row reads as one line.
    let middle =
        |f: rust_xlsxwriter::Format| f.set_align(rust_xlsxwriter::FormatAlign::VerticalCenter);
    let (text, wrap, count) = (
        middle(style::text()),
        style::label(),
        middle(style::count()),
    );
    let mut row = HEAD_ROW + 1;
    for (n, x) in chase.units.iter().enumerate() {
        let values = cells(form, x, lang);
        if let Some(h) = style::wrapped_height(&values[2], cols[WANTED_COL as usize].1) {
            ws.set_row_height(row, h)?;
        }
        ws.write_number_with_format(row, 0, (n + 1) as f64, &count)?;
        for (k, v) in values.iter().enumerate() {
            let col = 1 + k as u16;
            let v = cell_text(v);
            match col {
                WANTED_COL => ws.write_string_with_format(row, col, v, &wrap)?,
                4 if x.errors > 0 => {
                    ws.write_number_with_format(row, col, x.errors as f64, &count)?
                }
                _ => ws.write_string_with_format(row, col, v, &text)?,
            };
        }
        row += 1;
    }
    if chase.units.is_empty() {
        ws.merge_range(
            row,
            0,
            row,
            last,
            lang.pick("Không có đơn vị nào cần đôn đốc.", "No unit to chase."),
            &style::note().set_align(rust_xlsxwriter::FormatAlign::Center),
        )?;
    }
    ws.set_freeze_panes(HEAD_ROW + 1, 0)?;
    // One page across in legible type (the widths are chosen for it).
    let widths: Vec<f64> = cols.iter().map(|c| c.1).collect();
    super::print::across(ws, &widths, 2, &|_| true, None)?;
    ws.set_repeat_rows(HEAD_ROW, HEAD_ROW)?;
    ws.set_print_center_horizontally(true);
    ws.set_footer(lang.pick("&CTrang &P/&N", "&CPage &P of &N"));
    Ok(())
}

/// The CSV header, in the clerk's language: the merge fields' names. A mail-merge
/// template names them, so they stay as they are; README lists them.
fn csv_header(lang: Lang) -> [&'static str; 8] {
    let cols = columns(lang);
    [
        cols[1].0, cols[2].0, cols[3].0, cols[4].0, cols[5].0, cols[6].0, cols[7].0, cols[8].0,
    ]
}

/// The list as CSV text: UTF-8 with a byte-order mark (without it Excel on Windows reads
/// the Vietnamese as mojibake), commas, CRLF line ends, one header row.
pub fn csv_text(form: &Form, chase: &Chase, lang: Lang) -> String {
    let mut out = String::from("\u{FEFF}");
    let line = |out: &mut String, fields: &mut dyn Iterator<Item = String>| {
        let joined: Vec<String> = fields.map(|f| super::csv_field(&f)).collect();
        out.push_str(&joined.join(","));
        out.push_str("\r\n");
    };
    line(
        &mut out,
        &mut csv_header(lang).into_iter().map(str::to_string),
    );
    for x in &chase.units {
        line(&mut out, &mut cells(form, x, lang).into_iter());
    }
    out
}

/// Write don-doc.csv at `path`, through a temporary file.
pub fn write_csv(path: &Path, form: &Form, chase: &Chase, lang: Lang) -> Result<(), WriteError> {
    atomic_write(path, csv_text(form, chase, lang).as_bytes())
}

/// Whether the file at `path` is a chasing list tonghop wrote (its byte-order mark and
/// header in either language): a copy of it in an inbox is named so, not just "not a
/// workbook".
pub fn is_own_csv(path: &Path) -> bool {
    use std::io::Read;
    let Ok(file) = std::fs::File::open(path) else {
        return false;
    };
    let mut head = Vec::new();
    if file.take(512).read_to_end(&mut head).is_err() {
        return false;
    }
    is_own_head(&String::from_utf8_lossy(&head))
}

/// The last column's name in lists written by the builds of 2 to 4 December 2026, before
/// commit 338a2a2 renamed it *Tình trạng hạn nộp* (*Deadline status*): such a list copied
/// into an inbox is still known as tonghop's.
const FORMER_LAST: [&str; 2] = ["Hạn nộp", "Deadline"];

/// Whether a file beginning with `head` is a chasing list: the byte-order mark and the
/// header of either language, as now or as before the last column was renamed.
fn is_own_head(head: &str) -> bool {
    [(Lang::Vi, FORMER_LAST[0]), (Lang::En, FORMER_LAST[1])]
        .into_iter()
        .any(|(lang, former)| {
            let now = csv_header(lang);
            let mut before = now;
            before[before.len() - 1] = former;
            [now, before].iter().any(|header| {
                let fields: Vec<String> = header.iter().map(|h| super::csv_field(h)).collect();
                head.starts_with(&format!("\u{FEFF}{}\r\n", fields.join(",")))
            })
        })
}

/// A standing as a cell says it; a run without a deadline says so in every row.
pub fn standing_cell(standing: Option<Standing>, lang: Lang) -> String {
    match standing {
        Some(s) => s.text().get(lang).to_string(),
        None => lang.pick("Không có hạn nộp", "No deadline").to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The merge fields are what a clerk's mail-merge template names: README lists them
    /// exactly, in both languages.
    #[test]
    fn readme_lists_the_csv_header_exactly() {
        let readme = include_str!("../../README.md");
        for lang in [Lang::Vi, Lang::En] {
            let header = format!("`{}`", csv_header(lang).join(","));
            assert!(readme.contains(&header), "README.md does not list {header}");
        }
    }

    #[test]
    fn a_list_is_known_by_its_header_as_now_and_as_before_the_rename() {
        for head in [
            "\u{FEFF}Mã,Đơn vị,Cần làm,Số lỗi,Người lập biểu,Điện thoại,Ngày báo cáo,Tình trạng hạn nộp\r\n",
            "\u{FEFF}Mã,Đơn vị,Cần làm,Số lỗi,Người lập biểu,Điện thoại,Ngày báo cáo,Hạn nộp\r\n",
            "\u{FEFF}Code,Unit,Wanted,Errors,Prepared by,Phone,Date of report,Deadline status\r\nX",
            "\u{FEFF}Code,Unit,Wanted,Errors,Prepared by,Phone,Date of report,Deadline\r\n",
        ] {
            assert!(is_own_head(head), "{head}");
        }
        for head in [
            "Mã,Đơn vị,Cần làm,Số lỗi,Người lập biểu,Điện thoại,Ngày báo cáo,Hạn nộp\r\n",
            "\u{FEFF}Mã,Đơn vị,Cần làm,Số lỗi,Người lập biểu,Điện thoại,Ngày báo cáo,Deadline\r\n",
            "\u{FEFF}Mã,Đơn vị\r\n",
        ] {
            assert!(!is_own_head(head), "{head}");
        }
    }
}
