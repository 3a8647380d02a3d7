//! What a real spreadsheet application does with our files: LibreOffice saves filled
//! forms as .xls and .ods (we must read them alike), and recalculates our consolidated
//! workbook (its formulas must give the totals of report.json).

mod common;

use calamine::{Data, Reader, open_workbook_auto};
use common::{Workdir, has_finding, lo, submission};
use std::path::PathBuf;

#[test]
fn libreoffice_recalculates_in_this_harness() {
    let w = Workdir::new();
    lo::self_test(w.dir.path());
}

#[test]
fn xls_and_ods_saved_by_libreoffice_read_like_xlsx() {
    let w = Workdir::new();
    w.samples(
        "xlsx",
        &["--seed", "5", "--faults", "3", "--faulty-units", "4"],
    );
    w.run_expect(&["run", "xlsx", "--out", "out-xlsx", "--quiet"], 1);
    // Same submissions, five kept as .xlsx, five saved as .xls, five as .ods.
    std::fs::create_dir(w.path("mixed")).unwrap();
    let mut files: Vec<PathBuf> = std::fs::read_dir(w.path("xlsx"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "xlsx"))
        .collect();
    files.sort();
    lo::convert_many(&files[0..5], "xls", &w.path("mixed"));
    lo::convert_many(&files[5..10], "ods", &w.path("mixed"));
    for f in &files[10..] {
        std::fs::copy(f, w.path("mixed").join(f.file_name().unwrap())).unwrap();
    }
    w.run_expect(&["run", "mixed", "--out", "out-mixed", "--quiet"], 1);
    let a = w.json("out-xlsx/report.json");
    let b = w.json("out-mixed/report.json");
    assert_eq!(
        a["totals"], b["totals"],
        "totals differ once saved by LibreOffice"
    );
    let formats: Vec<&str> = b["submissions"]
        .as_array()
        .unwrap()
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
        let stem = f["unit"].as_str().unwrap();
        let sub = b["submissions"]
            .as_array()
            .unwrap()
            .iter()
            .find(|s| s["unit"] == stem)
            .unwrap();
        assert!(
            has_finding(
                sub,
                f["rule"].as_str().unwrap(),
                f["sheet"].as_str().unwrap(),
                f["cell"].as_str()
            ),
            "{} ({}): fault {f} not found; findings {:?}",
            sub["file"],
            sub["format"],
            sub["findings"]
        );
    }
    for s in a["submissions"].as_array().unwrap() {
        let unit = s["unit"].as_str().unwrap();
        let other = b["submissions"]
            .as_array()
            .unwrap()
            .iter()
            .find(|x| x["unit"] == unit)
            .unwrap();
        assert_eq!(s["status"], other["status"], "{unit}");
    }
}

#[test]
fn consolidated_workbook_recalculated_by_libreoffice_matches_report() {
    let w = Workdir::new();
    w.samples(
        "inbox",
        &["--seed", "9", "--faults", "2", "--faulty-units", "3"],
    );
    w.run(&["run", "inbox", "--out", "out", "--quiet"]);
    let report = w.json("out/report.json");
    let totals = report["totals"].as_object().unwrap();
    let recalculated = lo::convert(&w.path("out/tong-hop.xlsx"), "ods", &w.path("lo"));
    let mut wb = open_workbook_auto(&recalculated).unwrap();
    let sheet = wb.worksheet_range("Tổng hợp").unwrap();
    // Row 5 (index 4) holds each column's key; the province row is the one labelled TOÀN TỈNH.
    let total_row = (0..sheet.height() as u32)
        .find(|&r| sheet.get_value((r, 2)) == Some(&Data::String("TOÀN TỈNH".into())))
        .expect("province row");
    let mut checked = 0;
    for col in 4..sheet.width() as u32 {
        let Some(Data::String(key)) = sheet.get_value((4, col)) else {
            continue;
        };
        let ours = totals[key.as_str()].as_f64();
        let theirs = match sheet.get_value((total_row, col)) {
            Some(Data::Float(f)) => Some(*f),
            Some(Data::Int(i)) => Some(*i as f64),
            _ => None,
        };
        match (ours, theirs) {
            (Some(a), Some(b)) => assert!(
                (a - b).abs() < 1e-9 * a.abs().max(1.0),
                "{key}: report {a}, LibreOffice {b}"
            ),
            (a, b) => panic!("{key}: report {a:?}, LibreOffice {b:?}"),
        }
        checked += 1;
    }
    assert_eq!(checked, totals.len());
    // The detail sheet's total row agrees too.
    let detail = wb.worksheet_range("Chi tiết").unwrap();
    let row = (0..detail.height() as u32)
        .find(|&r| detail.get_value((r, 2)) == Some(&Data::String("TOÀN TỈNH".into())))
        .unwrap();
    let admitted = match detail.get_value((row, 5)) {
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

/// (rule, sheet, cell) of every finding of `check --json` on one file.
fn findings_at(w: &Workdir, file: &str) -> std::collections::BTreeSet<(String, String, String)> {
    let out = w.run(&["check", file, "--json"]);
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    report["submissions"][0]["findings"]
        .as_array()
        .unwrap_or_else(|| panic!("{file}: {report}"))
        .iter()
        .map(|f| {
            let s = |k: &str| f[k].as_str().unwrap_or("").to_string();
            (s("rule"), s("sheet"), s("cell"))
        })
        .collect()
}

#[test]
fn a_streamed_returned_workbook_opens_in_libreoffice_whole() {
    // A table over 5,000 rows goes back in a sheet written in constant-memory mode
    // (inline strings, no row spans). The unit opens it in LibreOffice: saved again
    // from there, it must hold every figure and fault it had.
    let w = Workdir::new();
    w.samples(
        "inbox",
        &[
            "--units",
            "1",
            "--rows",
            "6000",
            "--faults",
            "6",
            "--faulty-units",
            "1",
        ],
    );
    w.run_expect(&["run", "inbox", "--out", "out", "--quiet"], 1);
    let returned = std::fs::read_dir(w.path("out/tra-lai"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .next()
        .expect("a returned workbook");
    let saved = lo::convert(&returned, "ods", &w.path("lo"));
    let expected = findings_at(&w, returned.to_str().unwrap());
    assert!(!expected.is_empty());
    assert_eq!(findings_at(&w, saved.to_str().unwrap()), expected);
    let mut wb = open_workbook_auto(&saved).unwrap();
    let table = wb.worksheet_range("Kết nạp").unwrap();
    let labelled = table
        .rows()
        .filter(|r| matches!(r.get(1), Some(Data::String(s)) if !s.is_empty()))
        .count();
    // The header, 6,000 organisations and the total row.
    assert_eq!(labelled, 6_002);
}
