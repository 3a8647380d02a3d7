//! The per-organisation detail (the "Chi tiết" sheet of tong-hop.xlsx and the table
//! rows of report.json): written up to 10,000 table rows read in all, always with
//! `--detail`, never with `--no-detail`; everything else is the same either way, and a
//! returned unit's rows are always in its returned workbook, even when they were let go
//! in memory after checking (two files of one unit and one report date).
//!
//! Every test runs the real binary on submissions made by `tonghop samples` and reads
//! the outputs back with calamine and serde_json.

use crate::common::{
    Workdir, cells, number, row_labelled, rules_of, run_args, sheet_names, submission, submissions,
    text, zip_of,
};
use serde_json::Value;
use std::path::Path;

/// Detail::Auto's limit (pipeline::DETAIL_AUTO_ROWS), as the README states it.
const AUTO_ROWS: u64 = 10_000;
const SUMMARY: &str = "Tổng hợp";
const DETAIL: &str = "Chi tiết";
/// The form's table: sheet, first data row (1-based), label column B, columns C..I.
const TABLE_SHEET: &str = "Kết nạp";
const FIRST_ROW: u32 = 4;
const TOTAL_LABEL: &str = "Tổng cộng";
const COLUMNS: usize = 7;

fn admissions(sub: &Value) -> &Value {
    &sub["tables"]["admissions"]
}

fn row_count(sub: &Value) -> u64 {
    admissions(sub)["row_count"]
        .as_u64()
        .unwrap_or_else(|| panic!("{}: no row_count", sub["file"]))
}

fn total_row_count(report: &Value) -> u64 {
    submissions(report).iter().map(row_count).sum()
}

/// The organisation rows of the form's table sheet, read with calamine: (label, the
/// seven figures), from the first data row down to the "Tổng cộng" row.
fn table_rows(path: &Path) -> Vec<(String, Vec<f64>)> {
    let cells = cells(path, TABLE_SHEET);
    let mut rows = Vec::new();
    let mut row = FIRST_ROW - 1;
    loop {
        let label = text(cells.get(&(row, 1))).unwrap_or_else(|| {
            panic!(
                "{} {TABLE_SHEET}!B{}: no label before the total row",
                path.display(),
                row + 1
            )
        });
        if label == TOTAL_LABEL {
            break;
        }
        let values = (0..COLUMNS as u32)
            .map(|k| number(cells.get(&(row, 2 + k))))
            .collect();
        rows.push((label.to_string(), values));
        row += 1;
        assert!(row < 100_000, "{}: no total row", path.display());
    }
    rows
}

/// The A3 note of "Tổng hợp", if any.
fn summary_note(book: &Path) -> Option<String> {
    text(cells(book, SUMMARY).get(&(2, 0))).map(str::to_string)
}

/// Checks shared by every run whose detail is on: report.json lists every row (as many
/// as row_count says), "Chi tiết" has them all with the provincial total, no A3 note.
fn assert_detail_written(w: &Workdir, out: &str) -> Value {
    let report = w.report(out);
    assert_eq!(report["detail"], true);
    for s in submissions(&report) {
        let t = admissions(s);
        let rows = t["rows"]
            .as_array()
            .unwrap_or_else(|| panic!("{}: no rows with the detail on", s["file"]));
        assert_eq!(rows.len() as u64, row_count(s), "{}", s["file"]);
        assert!(
            rows.iter()
                .all(|r| r.as_array().unwrap().len() == 2 + COLUMNS)
        );
    }
    let book = w.path(&format!("{out}/tong-hop.xlsx"));
    let names = sheet_names(&book);
    assert!(names.iter().any(|n| n == DETAIL), "sheets: {names:?}");
    assert_eq!(summary_note(&book), None);

    // "Chi tiết": a row per organisation of every summed unit (rows 4..), then the
    // TOÀN TỈNH row; the admitted column (F) adds up to the provincial figure.
    let detail = cells(&book, DETAIL);
    let summed: Vec<&Value> = submissions(&report)
        .iter()
        .filter(|s| s["included_in_totals"] == true)
        .collect();
    let expected_rows: u64 = summed.iter().map(|s| row_count(s)).sum();
    let total_row = row_labelled(&detail, 2, "TOÀN TỈNH").unwrap();
    assert_eq!(u64::from(total_row - 3), expected_rows);
    let admitted = report["totals"]["admissions.admitted"].as_f64().unwrap();
    assert!(admitted > 0.0);
    assert_eq!(number(detail.get(&(total_row, 5))), admitted);
    let column: f64 = (3..total_row).map(|r| number(detail.get(&(r, 5)))).sum();
    assert_eq!(column, admitted);
    // The first data row is the first organisation of the first summed unit in the
    // form's order, with its figures.
    let described = w.run_json(&["describe", "--json"], 0);
    let first_unit = described["units"]
        .as_array()
        .unwrap()
        .iter()
        .find_map(|u| summed.iter().find(|s| s["unit"] == u["code"]))
        .unwrap();
    let first = &admissions(first_unit)["rows"][0];
    assert_eq!(text(detail.get(&(3, 0))), first_unit["unit"].as_str());
    assert_eq!(text(detail.get(&(3, 2))), first[1].as_str());
    assert_eq!(number(detail.get(&(3, 5))), first[4].as_f64().unwrap());
    report
}

/// Checks shared by every run whose detail is off: row counts and totals only, no
/// "Chi tiết", and the A3 note telling how to get it.
fn assert_detail_left_out(w: &Workdir, out: &str) -> Value {
    let report = w.report(out);
    assert_eq!(report["detail"], false);
    for s in submissions(&report) {
        let t = admissions(s);
        assert!(t.get("rows").is_none(), "{}: rows listed", s["file"]);
        assert!(row_count(s) > 0, "{}", s["file"]);
        assert_eq!(t["total"][1], TOTAL_LABEL, "{}", s["file"]);
    }
    let book = w.path(&format!("{out}/tong-hop.xlsx"));
    let names = sheet_names(&book);
    assert!(
        !names.iter().any(|n| n.starts_with(DETAIL)),
        "sheets: {names:?}"
    );
    assert!(names.iter().any(|n| n == SUMMARY), "sheets: {names:?}");
    let note = summary_note(&book).expect("no note in Tổng hợp!A3");
    // `--detail` to get it back, or `--no-detail` as the reason it is absent.
    assert!(note.contains("-detail"), "{note}");
    report
}

#[test]
fn the_shipped_size_set_gets_its_detail_by_default() {
    let w = Workdir::new();
    w.samples("inbox", &["--rows", "40"]);
    w.run_expect(&run_args("inbox", "out", &[]), 0);
    let report = assert_detail_written(&w, "out");
    assert_eq!(submissions(&report).len(), 15);
    assert_eq!(total_row_count(&report), 15 * 40);
    // The rows are the unit's own, as read from its file.
    let sub = submission(&report, "TGI.xlsx");
    let from_file = table_rows(&w.path("inbox/TGI.xlsx"));
    let listed = admissions(sub)["rows"].as_array().unwrap();
    assert_eq!(listed.len(), from_file.len());
    for (k, (r, (label, values))) in listed.iter().zip(&from_file).enumerate() {
        assert_eq!(r[0], u64::from(FIRST_ROW) + k as u64);
        assert_eq!(r[1], label.as_str());
        let figures: Vec<f64> = r.as_array().unwrap()[2..]
            .iter()
            .map(|v| v.as_f64().unwrap())
            .collect();
        assert_eq!(&figures, values, "row {k}");
    }
    // `--detail` on a set under the limit changes nothing.
    w.run_expect(&run_args("inbox", "out2", &["--detail"]), 0);
    assert_eq!(w.report("out2"), report);
    assert_eq!(
        std::fs::read(w.path("out/tong-hop.xlsx")).unwrap(),
        std::fs::read(w.path("out2/tong-hop.xlsx")).unwrap()
    );
}

#[test]
fn no_detail_keeps_counts_totals_and_figures_identical() {
    let w = Workdir::new();
    w.samples("inbox", &["--rows", "40"]);
    w.run_expect(&run_args("inbox", "with", &["--detail"]), 0);
    w.run_expect(&run_args("inbox", "without", &["--no-detail"]), 0);
    let with = assert_detail_written(&w, "with");
    let without = assert_detail_left_out(&w, "without");
    assert_eq!(total_row_count(&without), 15 * 40);
    // The note gives the flag as the reason, not a size limit 600 rows are far below.
    let note = summary_note(&w.path("without/tong-hop.xlsx")).unwrap();
    assert!(
        note.contains("600 dòng") && note.contains("--no-detail"),
        "{note}"
    );
    assert!(!note.contains("10.000"), "{note}");
    assert_eq!(without["totals"], with["totals"]);
    assert_eq!(without["summary"], with["summary"]);
    let (a, b) = (submissions(&with), submissions(&without));
    assert_eq!(a.len(), b.len());
    for (x, y) in a.iter().zip(b) {
        assert_eq!(x["file"], y["file"]);
        let listed = admissions(x)["rows"].as_array().unwrap().len() as u64;
        assert_eq!(row_count(y), listed, "{}", y["file"]);
        assert_eq!(row_count(y), 40, "{}", y["file"]);
        assert_eq!(admissions(x)["total"], admissions(y)["total"]);
        assert_eq!(x["figures"], y["figures"]);
        assert_eq!(x["status"], y["status"]);
        // The whole submission but the rows.
        let mut x = x.clone();
        x["tables"]["admissions"]
            .as_object_mut()
            .unwrap()
            .remove("rows");
        assert_eq!(&x, y);
    }
    // "Tổng hợp" is the same cell for cell but for the note in row 3.
    let note = summary_note(&w.path("without/tong-hop.xlsx")).unwrap();
    assert!(note.contains("600"), "{note}");
    let strip = |out: &str| {
        let mut c = cells(&w.path(&format!("{out}/tong-hop.xlsx")), SUMMARY);
        c.retain(|&(r, _), _| r != 2);
        c
    };
    let (sa, sb) = (strip("with"), strip("without"));
    assert!(sa.len() > 15 * 10, "{}", sa.len());
    assert_eq!(sa, sb);
    // The same for `check --json`, which shares report.json's shape.
    let check = |flag: &str| w.run_json(&["check", "inbox", "--json", flag], 0);
    let (cw, cn) = (check("--detail"), check("--no-detail"));
    assert_eq!(cw["detail"], true);
    assert_eq!(cn["detail"], false);
    assert_eq!(cw["totals"], with["totals"]);
    assert_eq!(cn["totals"], with["totals"]);
    for s in submissions(&cn) {
        assert!(admissions(s).get("rows").is_none());
        assert_eq!(row_count(s), 40);
    }
    for s in submissions(&cw) {
        assert_eq!(admissions(s)["rows"].as_array().unwrap().len(), 40);
    }
}

#[test]
fn over_the_automatic_limit_the_detail_is_left_out_unless_asked_for() {
    let w = Workdir::new();
    // 15 units x 700 rows = 10,500 table rows, over 10,000.
    w.samples("inbox", &["--rows", "700"]);
    w.run_expect(&run_args("inbox", "auto", &[]), 0);
    let auto = assert_detail_left_out(&w, "auto");
    assert_eq!(total_row_count(&auto), 15 * 700);
    assert!(total_row_count(&auto) > AUTO_ROWS);
    let note = summary_note(&w.path("auto/tong-hop.xlsx")).unwrap();
    assert!(note.contains("10.500 dòng, quá 10.000"), "{note}");
    assert!(note.contains("--detail"), "{note}");

    w.run_expect(&run_args("inbox", "forced", &["--detail"]), 0);
    let forced = assert_detail_written(&w, "forced");
    assert_eq!(total_row_count(&forced), 15 * 700);
    assert_eq!(forced["totals"], auto["totals"]);
    // Every unit's rows are listed, each as read from its file.
    let sub = submission(&forced, "DBP.xlsx");
    let rows = admissions(sub)["rows"].as_array().unwrap();
    assert_eq!(rows.len(), 700);
    let from_file = table_rows(&w.path("inbox/DBP.xlsx"));
    assert_eq!(rows[699][1], from_file[699].0.as_str());

    // In English: the same note, and no "Detail" sheet.
    w.run_expect(&run_args("inbox", "en", &["--lang", "en"]), 0);
    let en = w.path("en/tong-hop.xlsx");
    let names = sheet_names(&en);
    assert!(names.iter().any(|n| n == "Summary"), "{names:?}");
    assert!(!names.iter().any(|n| n.starts_with("Detail")), "{names:?}");
    let note = text(cells(&en, "Summary").get(&(2, 0)))
        .unwrap()
        .to_string();
    assert!(
        note.contains("--detail") && note.contains("10,500 rows, over 10,000"),
        "{note}"
    );
}

#[test]
fn the_automatic_limit_is_ten_thousand_rows_inclusive() {
    let w = Workdir::new();
    // The first ten units with 1,000 rows each: exactly 10,000, still listed.
    w.samples("inbox", &["--units", "10", "--rows", "1000"]);
    w.run_expect(&run_args("inbox", "at", &[]), 0);
    let at = assert_detail_written(&w, "at");
    assert_eq!(total_row_count(&at), AUTO_ROWS);
    // One more unit of one row: 10,001, left out.
    w.samples("extra", &["--units", "11", "--rows", "1"]);
    let eleventh = "CAT.xlsx";
    assert!(!w.path(&format!("inbox/{eleventh}")).exists());
    std::fs::copy(
        w.path(&format!("extra/{eleventh}")),
        w.path(&format!("inbox/{eleventh}")),
    )
    .unwrap();
    w.run_expect(&run_args("inbox", "over", &[]), 0);
    let over = assert_detail_left_out(&w, "over");
    assert_eq!(total_row_count(&over), AUTO_ROWS + 1);
    assert_eq!(row_count(submission(&over, eleventh)), 1);
}

#[test]
fn detail_and_no_detail_together_are_refused() {
    let w = Workdir::new();
    w.samples("inbox", &["--rows", "5"]);
    for args in [
        vec!["run", "inbox", "--out", "out", "--detail", "--no-detail"],
        vec!["run", "inbox", "--out", "out", "--no-detail", "--detail"],
        vec!["check", "inbox", "--detail", "--no-detail"],
    ] {
        let out = w.run_expect(&args, 2);
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(
            err.contains("--detail không dùng được cùng với --no-detail")
                || err.contains("--no-detail không dùng được cùng với --detail"),
            "{args:?}: {err}"
        );
        assert!(out.stdout.is_empty(), "{args:?}");
    }
    assert!(!w.path("out").exists(), "a refused run wrote its outputs");
}

/// A submission set for [`duplicate_is_returned_with_its_rows`].
struct Dup<'a> {
    /// `--units` given to `samples`: the form's first N units.
    units: usize,
    rows: usize,
    /// The unit whose file is copied.
    unit: &'a str,
    /// Extra options of `run`.
    flags: &'a [&'a str],
}

/// The workbook at `from` saved again at `to` with its parts stored rather than
/// deflated: the same cells in a different file, as when a unit saves its report twice.
/// (Byte-identical copies count as one report.)
fn resave(from: &Path, to: &Path) {
    let mut zip = zip_of(from);
    let mut out = zip::ZipWriter::new(std::fs::File::create(to).unwrap());
    let stored =
        zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Stored);
    for i in 0..zip.len() {
        let mut part = zip.by_index(i).unwrap();
        out.start_file(part.name().unwrap().to_string(), stored)
            .unwrap();
        std::io::copy(&mut part, &mut out).unwrap();
    }
    out.finish().unwrap();
}

/// Two files of a clean unit with the same figures, report date and file time, saved
/// apart (a true tie, which nothing decides): both are rejected with a DUP error, and the returned workbook holds the unit's rows
/// although the detail is off and the rows of clean files were let go after checking.
fn duplicate_is_returned_with_its_rows(d: Dup) {
    let w = Workdir::new();
    let (units, rows) = (d.units.to_string(), d.rows.to_string());
    w.samples("inbox", &["--units", &units, "--rows", &rows]);
    let file = format!("{}.xlsx", d.unit);
    let copy = format!("{}-ban-sao.xlsx", d.unit);
    resave(
        &w.path(&format!("inbox/{file}")),
        &w.path(&format!("inbox/{copy}")),
    );
    for f in [&file, &copy] {
        std::fs::File::options()
            .write(true)
            .open(w.path(&format!("inbox/{f}")))
            .unwrap()
            .set_modified(
                std::time::SystemTime::UNIX_EPOCH + std::time::Duration::from_secs(1_780_000_000),
            )
            .unwrap();
    }
    let report = w.run_report("inbox", "out", d.flags, 1);
    assert_eq!(report["detail"], false);
    assert_eq!(total_row_count(&report), ((d.units + 1) * d.rows) as u64);
    for f in [&file, &copy] {
        let sub = submission(&report, f);
        assert_eq!(sub["status"], "rejected", "{f}");
        assert_eq!(rules_of(sub), ["DUP"], "{f}");
        assert_eq!(sub["findings"][0]["severity"], "error", "{f}");
        assert_eq!(sub["included_in_totals"], false, "{f}");
        assert_eq!(row_count(sub) as usize, d.rows, "{f}");
    }
    assert_eq!(report["summary"]["rejected"], 2);
    assert_eq!(report["summary"]["accepted"], d.units - 1);

    let returned = w.path(&format!("out/tra-lai/{}.xlsx", d.unit));
    assert!(returned.is_file(), "no returned workbook for {}", d.unit);
    let names = sheet_names(&returned);
    assert_eq!(names[0], "Lỗi cần sửa");
    assert!(names.iter().any(|n| n == TABLE_SHEET), "{names:?}");
    // The DUP finding is listed on the first sheet.
    let list = cells(&returned, "Lỗi cần sửa");
    assert!(
        list.values().any(|v| text(Some(v)) == Some("DUP")),
        "no DUP in the returned workbook's list"
    );
    // Its table sheet holds every organisation of the unit's file, figures included.
    let original = table_rows(&w.path(&format!("inbox/{file}")));
    assert_eq!(original.len(), d.rows);
    let back = table_rows(&returned);
    assert_eq!(
        back.len(),
        d.rows,
        "returned workbook has {} rows",
        back.len()
    );
    assert_eq!(back[0].0, original[0].0);
    assert_eq!(back, original);
    // The total row is there too.
    let c = cells(&returned, TABLE_SHEET);
    let total_row = FIRST_ROW - 1 + d.rows as u32;
    assert_eq!(text(c.get(&(total_row, 1))), Some(TOTAL_LABEL));
    let admitted: f64 = original.iter().map(|(_, v)| v[2]).sum();
    assert_eq!(number(c.get(&(total_row, 4))), admitted);
    // And it is the very workbook a run with the detail on returns.
    w.run_expect(&run_args("inbox", "detailed", &["--detail"]), 1);
    assert_eq!(
        std::fs::read(&returned).unwrap(),
        std::fs::read(w.path(&format!("detailed/tra-lai/{}.xlsx", d.unit))).unwrap(),
        "the returned workbook differs with --detail"
    );
    assert_eq!(
        w.report("detailed")["totals"],
        report["totals"],
        "totals differ with --detail"
    );
}

#[test]
fn a_duplicate_is_returned_with_its_rows_under_no_detail() {
    duplicate_is_returned_with_its_rows(Dup {
        units: 15,
        rows: 40,
        unit: "TGI",
        flags: &["--no-detail"],
    });
}

#[test]
fn a_duplicate_is_returned_with_its_rows_over_the_automatic_limit() {
    // Each copy alone is over 10,000 rows, so whichever is read first, both are let
    // go after checking: the returned workbook can only have the rows by reading again.
    duplicate_is_returned_with_its_rows(Dup {
        units: 1,
        rows: 10_001,
        unit: "DBP",
        flags: &[],
    });
}

#[test]
fn a_duplicate_read_after_the_limit_is_crossed_is_returned_with_its_rows() {
    // 15 x 700 + the copy's 700 = 11,200 rows. On one thread the files are read in
    // name order: BPT..TCH make 9,800 rows, so both TGI files come past the limit.
    duplicate_is_returned_with_its_rows(Dup {
        units: 15,
        rows: 700,
        unit: "TGI",
        flags: &["--jobs", "1"],
    });
}

#[test]
fn faulty_units_keep_their_rows_in_returned_workbooks_without_the_detail() {
    let w = Workdir::new();
    w.samples(
        "inbox",
        &["--rows", "40", "--faults", "3", "--faulty-units", "4"],
    );
    let with = w.run_report("inbox", "with", &["--detail"], 1);
    let without = w.run_report("inbox", "without", &["--no-detail"], 1);
    assert_eq!(with["totals"], without["totals"]);
    let returned: Vec<&str> = submissions(&without)
        .iter()
        .filter(|s| !s["findings"].as_array().unwrap().is_empty())
        .map(|s| s["unit"].as_str().unwrap())
        .collect();
    assert_eq!(returned.len(), 4, "{returned:?}");
    for unit in returned {
        let a = w.path(&format!("with/tra-lai/{unit}.xlsx"));
        let b = w.path(&format!("without/tra-lai/{unit}.xlsx"));
        let rows = table_rows(&b);
        assert_eq!(rows.len(), 40, "{unit}");
        assert_eq!(rows, table_rows(&a), "{unit}");
        assert_eq!(
            std::fs::read(&a).unwrap(),
            std::fs::read(&b).unwrap(),
            "{unit}: the returned workbook differs with --no-detail"
        );
    }
}
