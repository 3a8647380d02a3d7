//! The returned workbook as the unit uses it: a copy of its form that it corrects and
//! sends back, which must then be accepted; and the blank form's *Tổng cộng* row, which
//! is the form's to compute, not the unit's to type. The submissions are the real
//! `tonghop samples` of the default form, their faults made by editing the package
//! ([`Pkg`]) as a unit's spreadsheet program would leave it.

use crate::common::lo;
use crate::common::{
    Cells, Workdir, cells, has_finding, row_labelled, sheet_part, submission, text, zip_of,
    zip_text,
};
use crate::hostile::edit::{Cell, Pkg};
use calamine::{Reader, open_workbook_auto};
use std::path::Path;

const PERIOD: [&str; 2] = ["--period", "01/01/2026..30/06/2026"];
const INFO: &str = "Thông tin";
const ADMISSIONS: &str = "Kết nạp";

/// The A1 name of a 0-based (row, column).
fn a1(row: u32, col: u32) -> String {
    let mut name = String::new();
    let mut c = col + 1;
    while c > 0 {
        name.insert(0, (b'A' + ((c - 1) % 26) as u8) as char);
        c = (c - 1) / 26;
    }
    format!("{name}{}", row + 1)
}

/// The part of sheet `sheet` of the workbook at `path`, as text.
fn sheet_xml(path: &Path, sheet: &str) -> String {
    let mut zip = zip_of(path);
    let part = sheet_part(&mut zip, sheet);
    zip_text(&mut zip, &part)
}

/// The element `item` number `index` of section `section` of xl/styles.xml (`<xf …/>`
/// or `<xf …>…</xf>`).
fn style_item(styles: &str, section: &str, item: &str, index: usize) -> String {
    let s = styles.find(&format!("<{section}")).unwrap();
    let e = s + styles[s..].find(&format!("</{section}>")).unwrap();
    let body = &styles[s..e];
    let open = format!("<{item}");
    let starts: Vec<usize> = body
        .match_indices(&open)
        .map(|(i, _)| i)
        .filter(|&i| matches!(body.as_bytes()[i + open.len()], b' ' | b'>' | b'/'))
        .collect();
    let at = starts[index];
    let tag_end = at + body[at..].find('>').unwrap();
    let end = if body.as_bytes()[tag_end - 1] == b'/' {
        tag_end + 1
    } else {
        let close = format!("</{item}>");
        at + body[at..].find(&close).unwrap() + close.len()
    };
    body[at..end].to_string()
}

/// How cell `cell` of sheet `sheet` is styled: its `<xf>` (protection inside) and its
/// `<border>`.
fn style_of(path: &Path, sheet: &str, cell: &str) -> (String, String) {
    let xml = sheet_xml(path, sheet);
    let tag_at = xml
        .find(&format!("<c r=\"{cell}\""))
        .unwrap_or_else(|| panic!("no cell {cell} in {sheet}"));
    let tag = &xml[tag_at..tag_at + xml[tag_at..].find('>').unwrap()];
    let s: usize = tag.find(" s=\"").map_or(0, |i| {
        tag[i + 4..i + 4 + tag[i + 4..].find('"').unwrap()]
            .parse()
            .unwrap()
    });
    let mut zip = zip_of(path);
    let styles = zip_text(&mut zip, "xl/styles.xml");
    let xf = style_item(&styles, "cellXfs", "xf", s);
    let border_id: usize = xf.find(" borderId=\"").map_or(0, |i| {
        xf[i + 11..i + 11 + xf[i + 11..].find('"').unwrap()]
            .parse()
            .unwrap()
    });
    (
        xf.clone(),
        style_item(&styles, "borders", "border", border_id),
    )
}

fn unlocked(path: &Path, sheet: &str, cell: &str) -> bool {
    style_of(path, sheet, cell).0.contains("locked=\"0\"")
}

/// The text of the cell right of the form on `row` holding an explanation, if any.
fn explanation_on(cells: &Cells, row: u32) -> Option<String> {
    cells
        .iter()
        .filter(|((r, _), _)| *r == row)
        .filter_map(|(_, v)| text(Some(v)))
        .find(|t| t.starts_with('⚠'))
        .map(str::to_string)
}

/// The total row's figure cells: the cells right of its label up to the last number.
fn total_cells(cells: &Cells, row: u32) -> Vec<String> {
    let numbers: Vec<u32> = cells
        .iter()
        .filter(|((r, _), v)| *r == row && crate::common::as_f64(v).is_some())
        .map(|((_, c), _)| *c)
        .collect();
    assert!(
        numbers.len() >= 3,
        "a total row with its figures: {numbers:?}"
    );
    numbers.into_iter().map(|c| a1(row, c)).collect()
}

#[test]
fn a_unit_that_corrects_the_returned_workbook_itself_gets_it_accepted() {
    let w = Workdir::official();
    w.samples("inbox", &["--rows", "3"]);
    let mut files: Vec<String> = std::fs::read_dir(w.path("inbox"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".xlsx"))
        .collect();
    files.sort();
    let file = files[0].clone();
    let unit = file.trim_end_matches(".xlsx").to_string();
    let path = w.path(&format!("inbox/{file}"));
    let info = cells(&path, INFO);
    let adm = cells(&path, ADMISSIONS);
    let preparer_row = row_labelled(&info, 1, "Người lập biểu").expect("a preparer row");
    let preparer = a1(preparer_row, 2);
    let total_row = row_labelled(&adm, 1, "Tổng cộng").expect("a total row");
    let total = total_cells(&adm, total_row)[1].clone();
    // The unit leaves the preparer blank and types a total over the form's SUM.
    let (info_part, adm_part) = {
        let mut zip = zip_of(&path);
        (sheet_part(&mut zip, INFO), sheet_part(&mut zip, ADMISSIONS))
    };
    let mut pkg = Pkg::open(&std::fs::read(&path).unwrap());
    let typed = pkg.number(&adm_part, &total) + 5.0;
    pkg.cell(&info_part, &preparer, Cell::Blank)
        .cell(&adm_part, &total, Cell::Number(typed));
    w.put(&format!("inbox/{file}"), &pkg.bytes());

    let report = w.run_report("inbox", "out", &PERIOD, 1);
    let sub = submission(&report, &file);
    assert_eq!(sub["status"], "rejected", "{sub:#}");
    assert!(has_finding(sub, "REQ", INFO, Some(&preparer)), "{sub:#}");
    assert!(has_finding(sub, "SUM", ADMISSIONS, Some(&total)), "{sub:#}");
    let returned = w.path(&format!("out/tra-lai/{unit}.xlsx"));

    // The copy is the form: its totals are the form's formulas, the unit's typed total
    // replaced, and the figures it computes (percentages) formulas too.
    let mut wb = open_workbook_auto(&returned).unwrap();
    let formulas = wb.worksheet_formula(ADMISSIONS).unwrap();
    let back = cells(&returned, ADMISSIONS);
    for cell in total_cells(&back, total_row) {
        let (r, c) = crate::common::a1(&cell);
        let f = formulas.get_value((r, c)).cloned().unwrap_or_default();
        assert!(f.starts_with("SUM(INDEX("), "{ADMISSIONS}!{cell}: {f:?}");
    }
    let computed = wb
        .worksheet_formula("Biểu 1")
        .unwrap()
        .used_cells()
        .filter(|(_, _, f)| !f.is_empty())
        .count();
    assert!(computed > 0, "no formula on Biểu 1");
    // Protected as the blank form: the faulty input cell open to the correction, the
    // total locked; both framed thick, which prints in black.
    for sheet in wb.sheet_names().iter().skip(1) {
        assert!(
            sheet_xml(&returned, sheet).contains("<sheetProtection"),
            "{sheet} is not protected"
        );
    }
    assert!(unlocked(&returned, INFO, &preparer));
    assert!(!unlocked(&returned, ADMISSIONS, &total));
    for (sheet, cell) in [(INFO, &preparer), (ADMISSIONS, &total)] {
        let border = style_of(&returned, sheet, cell).1;
        assert!(
            border.contains("style=\"thick\""),
            "{sheet}!{cell}: {border}"
        );
    }
    // Each fault explained in print, beside its row.
    let info_back = cells(&returned, INFO);
    let why = explanation_on(&info_back, preparer_row).expect("no explanation of REQ");
    assert!(why.contains("REQ") && why.contains(&preparer), "{why}");
    let why = explanation_on(&back, total_row).expect("no explanation of SUM");
    assert!(why.contains("SUM") && why.contains(&total), "{why}");
    // On paper: the row as tall as the wrapped explanation, the sheet on A4 landscape,
    // one page wide.
    let xml = sheet_xml(&returned, ADMISSIONS);
    let row = &xml[xml.find(&format!("<row r=\"{}\"", total_row + 1)).unwrap()..];
    let row = &row[..row.find('>').unwrap()];
    let height: f64 = row
        .split_once(" ht=\"")
        .map(|(_, h)| h[..h.find('"').unwrap()].parse().unwrap())
        .unwrap_or_else(|| panic!("no height: {row}"));
    assert!(height >= 30.0, "{row}");
    let setup = &xml[xml.find("<pageSetup").unwrap()..];
    let setup = &setup[..setup.find("/>").unwrap()];
    for attr in [
        "paperSize=\"9\"",
        "orientation=\"landscape\"",
        "fitToHeight=\"0\"",
    ] {
        assert!(setup.contains(attr), "{setup}");
    }

    // The unit types the preparer's name in the returned workbook and saves it (the save
    // stamps its time, as Excel and LibreOffice do), and sends it back in place of the
    // first file.
    let mut fixed = Pkg::open(&std::fs::read(&returned).unwrap());
    let info_back_part = sheet_part(&mut zip_of(&returned), INFO);
    fixed.cell(&info_back_part, &preparer, Cell::Text("Lò Văn Sửa".into()));
    let corrected = fixed.bytes();
    fixed.edit("docProps/core.xml", |x| {
        x.replace("2026-01-01T00:00:00Z", "2026-07-06T08:09:10Z")
    });
    w.put(&format!("inbox/{file}"), &fixed.bytes());
    accepted(&w, "again", &file, &unit);

    // The same correction saved by LibreOffice, which also moves the first organisation's
    // figures into a row it inserts just above the total, recalculating the formulas.
    let before = w.put("lo/corrected.xlsx", &corrected);
    let (total_before, total_after) = lo::insert_rows_above_total(
        &before,
        &w.path(&format!("inbox/{file}")),
        ADMISSIONS,
        "Tổng cộng",
        &[4],
        "B:I",
        None,
    );
    assert_eq!(total_after, total_before + 1);
    accepted(&w, "in-lo", &file, &unit);
}

/// Run `inbox` into `out`: the submission `file` is accepted, without an error, and
/// nothing goes back to the unit.
fn accepted(w: &Workdir, out: &str, file: &str, unit: &str) {
    let report = w.run_report("inbox", out, &PERIOD, 0);
    let sub = submission(&report, file);
    assert_eq!(sub["status"], "accepted", "{sub:#}");
    let errors: Vec<_> = sub["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["severity"] == "error")
        .collect();
    assert!(errors.is_empty(), "{errors:#?}");
    assert!(!w.path(&format!("{out}/tra-lai/{unit}.xlsx")).exists());
}

#[test]
fn the_blank_forms_total_row_is_locked_and_styled_apart_from_the_inputs() {
    let w = Workdir::official();
    w.run_expect(&["template", "--out", "mau.xlsx"], 0);
    let path = w.path("mau.xlsx");
    let adm = cells(&path, ADMISSIONS);
    let total_row = row_labelled(&adm, 1, "Tổng cộng").expect("a total row");
    let input = a1(total_row - 1, 2);
    assert!(unlocked(&path, ADMISSIONS, &input), "{input} is an input");
    let input_fill = crate::common::fill(&path, ADMISSIONS, &input);
    for col in 1..=4 {
        let cell = a1(total_row, col);
        assert!(!unlocked(&path, ADMISSIONS, &cell), "{cell} is unlocked");
        let fill = crate::common::fill(&path, ADMISSIONS, &cell);
        assert_ne!(fill, input_fill, "{cell} is filled as an input");
        let (xf, border) = style_of(&path, ADMISSIONS, &cell);
        assert!(border.contains("<top style=\"medium\""), "{cell}: {border}");
        let mut zip = zip_of(&path);
        let styles = zip_text(&mut zip, "xl/styles.xml");
        let font: usize = xf.find(" fontId=\"").map_or(0, |i| {
            xf[i + 9..i + 9 + xf[i + 9..].find('"').unwrap()]
                .parse()
                .unwrap()
        });
        assert!(
            style_item(&styles, "fonts", "font", font).contains("<b/>"),
            "{cell} is not bold"
        );
    }
}
