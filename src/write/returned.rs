//! tra-lai/<CODE>.xlsx: what goes back to a unit. Always in Vietnamese, the unit's
//! language: the list of findings, then the unit's own figures laid out as in the form,
//! each faulty cell highlighted and framed, with a note and, printed beside its row, a
//! line saying what is wrong and what is expected.
//!
//! It is a copy the unit can correct and send back instead of its own file: protected
//! as the blank form, with the form's formulas, and read as a submission once saved
//! (the reader reads only the form's cells, so the findings sheet and the explanation
//! column do not count; the own-output mark of [`super::mark`] lapses with the save).

use super::form::{
    FormData, ListOut, Marks, Out, OutRef, STREAM_ROWS, TableOut, TableRows, write_returned_form,
};
use super::mark::{Output, output_workbook};
use super::{WriteError, cell_text, io_failure, save, style, xlsx_err};
use crate::extract::{Report, Row, Value};
use crate::finding::{Notation, Severity};
use crate::form::Form;
use crate::guard::catch_quietly;
use crate::lang::Lang;
use crate::submission::Submission;
use rust_xlsxwriter::Workbook;
use std::path::Path;

/// What a unit reads: Vietnamese, in its notation.
const VI: Notation = Notation::Human(Lang::Vi);

fn out(v: &Value) -> Out {
    view(v).into()
}

/// What the unit's cell is written back as; a value that could not be read goes back
/// as the text it showed.
fn view(v: &Value) -> OutRef<'_> {
    match v {
        Value::Blank => OutRef::Blank,
        Value::Number(n) => OutRef::Number(*n),
        Value::Text(s) | Value::Invalid(s) => OutRef::Text(s),
        Value::Date(d) => OutRef::Date(*d),
    }
}

/// A unit's table rows are written back from where they were read, not copied.
impl TableRows for &[Row] {
    fn len(&self) -> usize {
        <[Row]>::len(self)
    }
    fn row(&self, i: usize) -> u32 {
        self[i].row
    }
    fn label(&self, i: usize) -> OutRef<'_> {
        OutRef::Text(&self[i].label)
    }
    fn value(&self, i: usize, column: usize) -> Option<OutRef<'_>> {
        self[i].values.get(column).map(view)
    }
}

/// The unit's figures as cells to write back.
pub fn form_data<'a>(form: &Form, r: &'a Report) -> FormData<&'a [Row]> {
    FormData {
        form_id: r.form_id.clone().unwrap_or_else(|| form.id.clone()),
        form_version: r
            .form_version
            .clone()
            .unwrap_or_else(|| form.version.clone()),
        cells: r.cells.iter().map(out).collect(),
        tables: form
            .tables
            .iter()
            .zip(&r.tables)
            .map(|(t, d)| {
                let last = d.rows.last().map_or(t.first_row, |x| x.row + 1);
                TableOut {
                    rows: d.rows.as_slice(),
                    total_row: d.total.as_ref().map_or(last.max(t.first_row), |x| x.row),
                    total: d.total.as_ref().map(|x| x.values.iter().map(out).collect()),
                    total_label: None,
                    label: None,
                }
            })
            .collect(),
        lists: r
            .lists
            .iter()
            .map(|l| ListOut {
                rows: (0..l.len())
                    .map(|line| Some((l.row(line)?, l.values(line)?.map(|v| out(&v)).collect())))
                    .collect(),
            })
            .collect(),
    }
}

/// Write the returned workbook of one submission, marked as tonghop's with `stamp`
/// (see [`super::mark`]).
pub fn write(path: &Path, form: &Form, sub: &Submission, stamp: &str) -> Result<(), WriteError> {
    // rust_xlsxwriter panics when a streamed sheet cannot be spooled (a full disk): that
    // is this output's failure, reported with its name, not a crash of the run.
    catch_quietly(|| build_and_save(path, form, sub, stamp))
        .unwrap_or_else(|msg| Err(io_failure(path, msg)))
}

fn build_and_save(
    path: &Path,
    form: &Form,
    sub: &Submission,
    stamp: &str,
) -> Result<(), WriteError> {
    let e = xlsx_err(path);
    // Marked: sent back, then dropped into the inbox unchanged, it is not the unit's
    // second submission.
    let mut wb = output_workbook(&format!("Trả lại: {}", sub.file), Output::Returned, stamp);
    // A province returning one unit in five writes thousands of these: deflate level 1
    // costs a fraction of the default for a file a few kilobytes larger.
    wb.set_zip_compression_level(1);
    // A big sheet is streamed through temporary files; keep them on the output's disk,
    // not in a /tmp that may be a small tmpfs. Only then: setting the folder probes it
    // with a file, a cost for each of thousands of small returned workbooks.
    let rows = sub
        .report
        .as_ref()
        .map_or(0, |r| r.tables.iter().map(|t| t.rows.len()).sum::<usize>());
    let streams = rows > STREAM_ROWS || sub.findings.len() > STREAM_ROWS;
    if let Some(dir) = path
        .parent()
        .filter(|d| streams && !d.as_os_str().is_empty())
    {
        std::fs::create_dir_all(dir).map_err(super::io_err(path))?;
        wb.set_tempdir(dir).map_err(&e)?;
    }
    findings_sheet(&mut wb, form, sub).map_err(&e)?;
    if let Some(r) = &sub.report {
        let mut marks = Marks::default();
        for f in &sub.findings {
            let (Some(si), Some(pos)) = (f.at.sheet, f.at.cell) else {
                continue;
            };
            let error = f.severity == Severity::Error;
            let expected = f.expected.as_ref().map(|x| x.render(VI));
            let mut text = format!("[{}] {}", f.code, f.message.vi);
            if let Some(x) = &expected {
                text.push_str("\nGiá trị theo quy tắc: ");
                text.push_str(x);
            }
            marks.add(si, pos, error, text);
            marks.explain(
                si,
                pos,
                explanation(
                    f.code.as_str(),
                    pos,
                    error,
                    &f.message.vi,
                    expected.as_deref(),
                ),
            );
        }
        let mut data = form_data(form, r);
        // The code the form's lookup would have given, written in (a returned workbook
        // has no unit list to look it up in): the unit sees its code, not a blank.
        if r.code_uncalculated
            && let Some(u) = sub.unit
        {
            data.cells[form.identity.unit_code] = Out::Text(form.units[u].code.clone());
        }
        write_returned_form(&mut wb, form, &data, &marks).map_err(&e)?;
    }
    save(&mut wb, path)
}

/// The line printed beside a faulty row: the symbol first, which prints in black, then
/// what a clerk reads aloud on the phone to the unit: the rule, the cell, the fault.
fn explanation(
    code: &str,
    pos: crate::cellref::Pos,
    error: bool,
    message: &str,
    expected: Option<&str>,
) -> String {
    let level = if error { "Lỗi" } else { "Cảnh báo" };
    let mut line = format!("⚠ {level} {code} (ô {pos}): {}", message.trim_end());
    if let Some(x) = expected.filter(|x| !x.is_empty()) {
        line.push_str(&format!(" Giá trị theo quy tắc: {x}."));
    }
    line
}

/// Widths of the findings sheet's columns, in characters.
const WIDTHS: [f64; 8] = [5.0, 14.0, 7.0, 11.0, 10.0, 90.0, 18.0, 18.0];

fn findings_sheet(
    wb: &mut Workbook,
    form: &Form,
    sub: &Submission,
) -> Result<(), rust_xlsxwriter::XlsxError> {
    let ws = if sub.findings.len() > STREAM_ROWS {
        wb.add_worksheet_with_constant_memory()?
    } else {
        wb.add_worksheet()
    };
    ws.set_name("Lỗi cần sửa")?;
    let unit = sub
        .unit
        .map(|u| format!("{} ({})", form.units[u].name, form.units[u].code))
        .unwrap_or_default();
    ws.merge_range(
        0,
        0,
        0,
        7,
        "KẾT QUẢ KIỂM TRA BÁO CÁO — ĐỀ NGHỊ SỬA VÀ GỬI LẠI",
        &style::title(),
    )?;
    // Merged across the table and wrapped: a long line left in column A would make the
    // page as wide as the line, and fit to width, unreadably small on paper.
    let width: f64 = WIDTHS.iter().sum();
    let lines = [
        (
            format!(
                "Đơn vị: {unit}    Tệp: {}    Mẫu: {} (phiên bản {})",
                sub.file, form.title, form.version
            ),
            style::label().set_border(rust_xlsxwriter::FormatBorder::None),
        ),
        (
            format!(
                "Có {} lỗi (phải sửa) và {} cảnh báo (nên sửa). Trong các sheet sau, ô sai được tô màu và kẻ khung đậm (lỗi: đỏ, khung liền; cảnh báo: vàng cam, khung đứt), lời giải thích in ở cột \"⚠ Lỗi cần sửa\" bên phải dòng đó. Đơn vị có thể sửa ngay trong tệp này (chỉ nhập vào các ô màu vàng và các ô nhập bị đánh dấu; ô Tổng cộng và ô tỷ lệ tự tính lại) hoặc trong tệp gốc, rồi lưu và gửi lại; sheet này và cột giải thích không cần xóa.",
                sub.errors(),
                sub.warnings()
            ),
            style::note().set_text_wrap(),
        ),
    ];
    for (row, (text, format)) in (1u32..).zip(lines) {
        if let Some(h) = style::wrapped_height(&text, width) {
            ws.set_row_height(row, h)?;
        }
        ws.merge_range(row, 0, row, 7, &text, &format)?;
    }
    let head = [
        "STT",
        "Sheet",
        "Ô",
        "Mã lỗi",
        "Mức độ",
        "Nội dung",
        "Giá trị tìm thấy",
        "Giá trị theo quy tắc",
    ];
    let widths = WIDTHS;
    let h = style::header();
    for (i, (t, w)) in head.iter().zip(widths).enumerate() {
        ws.write_string_with_format(4, i as u16, *t, &h)?;
        ws.set_column_width(i as u16, w)?;
    }
    let text = style::text();
    let wrap = style::label();
    let form_names: Vec<String> = form.sheets.iter().map(|s| s.name.clone()).collect();
    let shown =
        |v: &Option<crate::finding::Shown>| v.as_ref().map(|v| v.render(VI)).unwrap_or_default();
    for (k, f) in sub.findings.iter().enumerate() {
        let row = 5 + k as u32;
        let message = cell_text(&f.message.vi);
        if let Some(h) = style::wrapped_height(&message, widths[5]) {
            ws.set_row_height(row, h)?;
        }
        ws.write_number_with_format(row, 0, (k + 1) as f64, &text)?;
        let cell = f.at.cell.map(|p| p.to_string()).unwrap_or_default();
        for (col, v) in [
            (
                1u16,
                f.at.sheet.map_or("", |i| sub.sheet_name(&form_names, i)),
            ),
            (2, &cell),
            (3, f.code.as_str()),
            (4, f.severity.word(Lang::Vi)),
        ] {
            ws.write_string_with_format(row, col, v, &text)?;
        }
        ws.write_string_with_format(row, 5, message, &wrap)?;
        ws.write_string_with_format(row, 6, cell_text(&shown(&f.found)), &text)?;
        ws.write_string_with_format(row, 7, cell_text(&shown(&f.expected)), &text)?;
    }
    ws.set_freeze_panes(5, 0)?;
    ws.set_landscape();
    ws.set_paper_size(9);
    ws.set_print_fit_to_pages(1, 0);
    ws.set_active(true);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cellref::Pos;
    use crate::finding::{Builtin, Finding, Shown};
    use crate::lang::Msg;
    use crate::submission::Status;
    use calamine::{Data, Reader, open_workbook_auto};
    use std::io::Read;

    #[test]
    fn a_long_list_of_findings_is_streamed_and_complete() {
        let form = Form::from_toml(crate::form::FORM_2026_1, "2026.1").unwrap();
        let n = STREAM_ROWS + 1;
        let findings = (0..n as u32)
            .map(|i| {
                Finding::error(
                    Builtin::Type,
                    Msg::new(format!("lỗi {i}"), format!("fault {i}")),
                )
                .at(1, Some(Pos::new(4 + i, 2)))
                .found(Shown::Number(-1.0))
                .expected(Shown::AtLeast(0.0))
            })
            .collect();
        let sub = Submission {
            file: "DBP.xlsx".into(),
            sha256: String::new(),
            size: 0,
            modified: None,
            format: None,
            report: None,
            unit: Some(0),
            findings,
            status: Status::Rejected,
            superseded_by: None,
            held_back: false,
            report_date: None,
        };
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("tra-lai").join("DBP.xlsx");
        write(&path, &form, &sub, "0").unwrap();
        let mut zip = zip::ZipArchive::new(std::fs::File::open(&path).unwrap()).unwrap();
        let mut xml = String::new();
        zip.by_name("xl/worksheets/sheet1.xml")
            .unwrap()
            .read_to_string(&mut xml)
            .unwrap();
        assert!(xml.contains("t=\"inlineStr\""), "not streamed");
        let mut wb = open_workbook_auto(&path).unwrap();
        let list = wb.worksheet_range("Lỗi cần sửa").unwrap();
        let rows: Vec<_> = list.rows().skip(5).collect();
        assert_eq!(rows.len(), n);
        for (i, r) in rows.iter().enumerate() {
            assert_eq!(r[0], Data::Float((i + 1) as f64));
            assert_eq!(r[2], Data::String(Pos::new(4 + i as u32, 2).to_string()));
            assert_eq!(r[5], Data::String(format!("lỗi {i}")));
        }
    }
}
