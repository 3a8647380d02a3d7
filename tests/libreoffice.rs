//! What a real spreadsheet application does with our files: LibreOffice saves filled
//! forms as .xls and .ods (we must read them alike), and recalculates our consolidated
//! workbook (its formulas must give the totals of report.json).

use crate::common::{
    Workdir, as_f64, cells, files_in, findings_at, has_fault, lo, row_labelled, run_args,
    submission, submission_of_unit, submissions, text,
};
use calamine::Data;
use std::path::PathBuf;

#[test]
fn libreoffice_recalculates_in_this_harness() {
    let w = Workdir::new();
    lo::self_test(w.dir.path());
}

#[test]
fn xls_and_ods_saved_by_libreoffice_read_like_xlsx() {
    read_alike_once_saved_by_libreoffice(Workdir::new());
}

#[test]
fn the_official_form_saved_by_libreoffice_as_xls_and_ods_reads_like_xlsx() {
    read_alike_once_saved_by_libreoffice(Workdir::official());
}

/// Fifteen submissions with faults, five kept as .xlsx, five saved by LibreOffice as
/// .xls and five as .ods: the same totals, statuses and faults at the same cells.
fn read_alike_once_saved_by_libreoffice(w: Workdir) {
    w.samples(
        "xlsx",
        &[
            "--seed",
            "5",
            "--faults",
            "3",
            "--faulty-units",
            "4",
            "--units",
            "15",
        ],
    );
    let a = w.run_report("xlsx", "out-xlsx", &[], 1);
    // Same submissions, five kept as .xlsx, five saved as .xls, five as .ods.
    std::fs::create_dir(w.path("mixed")).unwrap();
    let files: Vec<PathBuf> = files_in(&w.path("xlsx"))
        .into_iter()
        .filter(|p| p.extension().is_some_and(|e| e == "xlsx"))
        .collect();
    lo::convert_many(&files[0..5], "xls", &w.path("mixed"));
    lo::convert_many(&files[5..10], "ods", &w.path("mixed"));
    for f in &files[10..] {
        std::fs::copy(f, w.path("mixed").join(f.file_name().unwrap())).unwrap();
    }
    let b = w.run_report("mixed", "out-mixed", &[], 1);
    assert_eq!(
        a["totals"], b["totals"],
        "totals differ once saved by LibreOffice"
    );
    let formats: Vec<&str> = submissions(&b)
        .iter()
        .map(|s| s["format"].as_str().unwrap())
        .collect();
    for f in ["xls", "ods", "xlsx"] {
        assert_eq!(
            formats.iter().filter(|x| **x == f).count(),
            5,
            "{formats:?}"
        );
    }
    // Every injected fault is found at the same place whatever the format.
    let faults = w.json("xlsx/faults.json");
    for f in faults.as_array().unwrap() {
        let sub = submission_of_unit(&b, f["unit"].as_str().unwrap());
        assert!(
            has_fault(sub, f),
            "{} ({}): fault {f} not found; findings {:?}",
            sub["file"],
            sub["format"],
            sub["findings"]
        );
    }
    for s in submissions(&a) {
        let unit = s["unit"].as_str().unwrap();
        let other = submission_of_unit(&b, unit);
        assert_eq!(s["status"], other["status"], "{unit}");
    }
}

#[test]
fn consolidated_workbook_recalculated_by_libreoffice_matches_report() {
    recalculated_summary_matches_report(Workdir::new(), true);
}

#[test]
fn the_official_forms_summary_recalculated_by_libreoffice_matches_report() {
    recalculated_summary_matches_report(Workdir::official(), false);
}

/// Every figure of *Tổng hợp*'s TOÀN TỈNH row, recalculated by LibreOffice, equals
/// report.json's total under the key its column carries; with `every`, the summary
/// shows every total (the 2026.1 form), else the form's chosen few.
fn recalculated_summary_matches_report(w: Workdir, every: bool) {
    w.samples(
        "inbox",
        &[
            "--seed",
            "9",
            "--faults",
            "2",
            "--faulty-units",
            "3",
            "--units",
            "15",
        ],
    );
    w.run(&run_args("inbox", "out", &[]));
    let report = w.report("out");
    let totals = report["totals"].as_object().unwrap();
    let recalculated = lo::convert(&w.path("out/tong-hop.xlsx"), "ods", &w.path("lo"));
    let sheet = cells(&recalculated, "Tổng hợp");
    // Row 5 (index 4) holds each column's key; the province row is the one labelled TOÀN TỈNH.
    let total_row = row_labelled(&sheet, 2, "TOÀN TỈNH").expect("province row");
    let mut checked = 0;
    for (&(_, col), key) in sheet.range((4, 4)..(5, 0)) {
        let Some(key) = text(Some(key)) else {
            continue;
        };
        let ours = totals[key].as_f64();
        let theirs = sheet.get(&(total_row, col)).and_then(as_f64);
        match (ours, theirs) {
            (Some(a), Some(b)) => assert!(
                (a - b).abs() < 1e-9 * a.abs().max(1.0),
                "{key}: report {a}, LibreOffice {b}"
            ),
            (a, b) => panic!("{key}: report {a:?}, LibreOffice {b:?}"),
        }
        checked += 1;
    }
    if every {
        assert_eq!(checked, totals.len());
    } else {
        assert!(checked > 10 && checked < totals.len(), "{checked} columns");
    }
    // The detail sheet's total row agrees too.
    let detail = cells(&recalculated, "Chi tiết");
    let row = row_labelled(&detail, 2, "TOÀN TỈNH").unwrap();
    let admitted = match detail.get(&(row, 5)) {
        Some(Data::Float(f)) => *f,
        other => panic!("{other:?}"),
    };
    assert_eq!(admitted, totals["admissions.admitted"].as_f64().unwrap());
    // A returned unit's submission is in the report with its status.
    let faults = w.json("inbox/faults.json");
    let unit = faults[0]["unit"].as_str().unwrap();
    assert!(
        submission(&report, &format!("{unit}.xlsx"))["findings"]
            .as_array()
            .unwrap()
            .len()
            >= 2
    );
}

#[test]
fn a_streamed_returned_workbook_opens_in_libreoffice_whole() {
    // A table over 5,000 rows goes back in a sheet written in constant-memory mode
    // (inline strings, no row spans). The unit opens it in LibreOffice: saved again
    // from there, it must hold every figure and fault it had.
    let w = Workdir::new();
    w.streamed_return("6");
    let returned = files_in(&w.path("out/tra-lai"))
        .into_iter()
        .next()
        .expect("a returned workbook");
    let saved = lo::convert(&returned, "ods", &w.path("lo"));
    let expected = findings_at(&w, returned.to_str().unwrap());
    assert!(!expected.is_empty());
    assert_eq!(findings_at(&w, saved.to_str().unwrap()), expected);
    let labelled = cells(&saved, "Kết nạp")
        .iter()
        .filter(|&(&(_, c), v)| c == 1 && matches!(v, Data::String(s) if !s.is_empty()))
        .count();
    // The header, 6,000 organisations and the total row.
    assert_eq!(labelled, 6_002);
}
