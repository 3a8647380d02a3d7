//! The default form: the official forms of the Central Organisation Commission (version
//! 2026.2: Biểu 1, 2, 2B, 3 as fixed-row lists, Địa bàn, the admissions table) and the
//! 49 units since 1 July 2025, with the units of earlier periods by their dates. The
//! submissions are the real `tonghop samples`; the variants are made from them by editing
//! the package ([`Pkg`]), as a unit's spreadsheet program would leave it.

use crate::common::{Workdir, has_fault, has_finding, rules_of, submission, submissions};
use crate::hostile::edit::{Cell, Pkg, renumber, split_rows, text};
use serde_json::Value;

const PERIOD: [&str; 2] = ["--period", "01/01/2026..30/06/2026"];

/// Sheet parts of a sample of the official form, in the form's order.
const BIEU_1: &str = "Biểu 1";
const BIEU_2B: &str = "Biểu 2B";

/// Every submission accepted, without a single finding.
fn all_clean(report: &Value) {
    for s in submissions(report) {
        assert_eq!(
            s["status"], "accepted",
            "{}: {:?}",
            s["file"], s["findings"]
        );
        assert!(rules_of(s).is_empty(), "{}: {:?}", s["file"], s["findings"]);
    }
}

/// A figure of a submission as report.json gives it: (value, sheet, cell).
fn figure(report: &Value, sub: &Value, key: &str) -> (f64, String, String) {
    let f = crate::common::figure(report, sub, key);
    (
        f.value.as_f64().unwrap_or_else(|| panic!("{key}: {f:?}")),
        f.sheet.unwrap_or_default().to_string(),
        f.cell.unwrap_or_default().to_string(),
    )
}

#[test]
fn the_49_units_report_on_the_official_form_and_are_all_accepted() {
    let w = Workdir::official();
    w.samples("inbox", &["--rows", "6"]);
    let report = w.run_report("inbox", "out", &PERIOD, 0);
    assert_eq!(submissions(&report).len(), 49);
    all_clean(&report);
    assert_eq!(report["missing_units"], serde_json::json!([]), "{report:#}");
    // The movement balances in the province's totals too, restored members included.
    let t = &report["totals"];
    let n = |k: &str| {
        t[k].as_f64()
            .unwrap_or_else(|| panic!("total {k}: {}", t[k]))
    };
    assert_eq!(
        n("movement.d.this"),
        n("movement.a.this") + n("movement.b.this") - n("movement.c.this")
    );
    assert_eq!(n("movement.d.this"), n("members.i.this"));
    // A provincial percentage is recomputed from the summed counts, never averaged.
    let pct = n("movement.b1.this") * 100.0 / n("movement.b1.prev");
    assert!((n("movement.b1.pct") - pct).abs() < 1e-9, "{pct}");
}

#[test]
fn a_clean_submission_of_every_shipped_form_is_accepted() {
    for form in [
        "phat-trien-dang-vien-2026.1",
        "phat-trien-dang-vien-2026.2",
        "phat-trien-dang-vien",
    ] {
        let w = Workdir::official();
        w.samples("inbox", &["--form", form, "--units", "3", "--rows", "5"]);
        let report = w.run_json(&["check", "inbox", "--form", form, "--json"], 0);
        assert_eq!(submissions(&report).len(), 3, "{form}");
        all_clean(&report);
    }
}

#[test]
fn a_period_before_july_2025_expects_the_15_units_of_that_time() {
    let w = Workdir::official();
    let period = "01/01/2024..31/12/2024";
    w.samples("inbox", &["--period", period, "--rows", "4"]);
    let report = w.run_report("inbox", "out", &["--period", period], 0);
    let units: Vec<&str> = submissions(&report)
        .iter()
        .map(|s| s["unit"].as_str().unwrap())
        .collect();
    assert_eq!(units.len(), 15, "{units:?}");
    assert!(
        units.contains(&"TGI") && !units.contains(&"MUONGNHE"),
        "{units:?}"
    );
    all_clean(&report);
    assert_eq!(report["missing_units"], serde_json::json!([]));
}

#[test]
fn every_fault_kind_of_the_official_form_is_found_at_its_cell() {
    let w = Workdir::official();
    w.samples(
        "inbox",
        &[
            "--seed",
            "7",
            "--faults",
            "13",
            "--faulty-units",
            "3",
            "--rows",
            "8",
        ],
    );
    let faults = w.json("inbox/faults.json");
    let faults = faults.as_array().unwrap();
    let mut kinds: Vec<&str> = faults.iter().map(|f| f["rule"].as_str().unwrap()).collect();
    kinds.sort();
    kinds.dedup();
    // Every rule kind the official form adds, over lists and derived figures, is among them.
    assert_eq!(
        kinds,
        [
            "ADMITORG", "BALANCE", "INT", "LINES", "PART", "PCT", "PERIOD", "RANGE", "REQ", "SUM",
            "TEXTNUM", "TYPE", "XSHEET"
        ],
        "{faults:?}"
    );
    let report = w.run_report("inbox", "out", &PERIOD, 1);
    for f in faults {
        let sub = submission(&report, f["file"].as_str().unwrap());
        assert!(
            has_fault(sub, f),
            "fault {f} not reported; findings: {:?}",
            sub["findings"]
        );
        assert_eq!(sub["status"], "rejected", "{}", sub["file"]);
    }
    let faulty: Vec<&str> = faults.iter().map(|f| f["file"].as_str().unwrap()).collect();
    for s in submissions(&report) {
        if !faulty.contains(&s["file"].as_str().unwrap()) {
            assert!(rules_of(s).is_empty(), "{}: {:?}", s["file"], s["findings"]);
        }
    }
}

/// Biểu 2B's Thái line (row 9) and Mông line (row 14) change places, their percentages
/// written as the values LibreOffice would show.
fn swap_thai_and_mong(p: &mut Pkg) {
    p.edit(BIEU_2B, |xml| {
        let (head, rows, tail) = split_rows(&xml);
        let mut rows: Vec<(u32, String)> = rows
            .into_iter()
            .map(|(n, r)| match n {
                9 => (14, renumber(&r, 9, 14)),
                14 => (9, renumber(&r, 14, 9)),
                _ => (n, r),
            })
            .collect();
        rows.sort_by_key(|(n, _)| *n);
        let body: String = rows.into_iter().map(|(_, r)| r).collect();
        format!("{head}{body}{tail}")
    });
    for row in [9, 14] {
        let e = format!("E{row}");
        let v = p.value(BIEU_2B, &e);
        p.cell(BIEU_2B, &e, v.parse().map_or(Cell::Blank, Cell::Number));
    }
}

/// The first sample of `inbox` (file name, package).
fn first_sample(w: &Workdir, inbox: &str) -> (String, Pkg) {
    let mut files: Vec<String> = std::fs::read_dir(w.path(inbox))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".xlsx"))
        .collect();
    files.sort();
    let name = files[0].clone();
    let bytes = std::fs::read(w.path(&format!("{inbox}/{name}"))).unwrap();
    (name, Pkg::open(&bytes))
}

#[test]
fn a_reordered_list_with_a_tcvn3_label_is_read_right() {
    let w = Workdir::official();
    w.samples("made", &["--units", "1", "--rows", "6", "--seed", "3"]);
    let (name, mut p) = first_sample(&w, "made");
    let first = w.run_json(&["check", &format!("made/{name}"), "--json"], 0);
    let before = &submissions(&first)[0];
    let thai = figure(&first, before, "by_group.thai.total");
    let mong = figure(&first, before, "by_group.mong.total");
    assert_eq!((thai.2.as_str(), mong.2.as_str()), ("C9", "C14"));
    assert!(thai.0 + mong.0 > 0.0, "a sample with Thái or Mông admitted");
    // The Thái line (row 9) and the Mông line (row 14) change places; the Thái label is
    // typed in TCVN3 (the ABC fonts' "Th¸i") and its code is cleared, so the label alone
    // must find it.
    swap_thai_and_mong(&mut p);
    p.cell(BIEU_2B, "A14", Cell::Blank);
    p.cell(BIEU_2B, "B14", text("Th¸i"));
    w.put(&format!("edited/{name}"), &p.bytes());
    let second = w.run_json(&["check", &format!("edited/{name}"), "--json"], 0);
    let after = &submissions(&second)[0];
    assert!(rules_of(after).is_empty(), "{:?}", after["findings"]);
    assert_eq!(
        figure(&second, after, "by_group.thai.total"),
        (thai.0, thai.1.clone(), "C14".to_string())
    );
    assert_eq!(after["moved"]["by_group.thai.total"], "C14");
    assert_eq!(
        figure(&second, after, "by_group.mong.total"),
        (mong.0, mong.1, "C9".to_string())
    );
}

/// An archived figure: unit, key, value, sheet, cell.
type Archived = (String, String, f64, Option<String>, Option<String>);

/// A run's report.json imported into another archive gives the figures the run itself
/// recorded, with their sheets and cells, also for a list line the unit moved (found at
/// another row: report.json's `moved`) on a sheet it renamed (report.json's `sheets`).
#[test]
fn an_imported_report_json_traces_moved_lines_on_renamed_sheets_as_the_run_did() {
    let w = Workdir::official();
    w.samples(
        "nop",
        &[
            "--units", "2", "--rows", "6", "--seed", "3", "--faults", "0",
        ],
    );
    let (name, mut p) = first_sample(&w, "nop");
    swap_thai_and_mong(&mut p);
    p.edit("xl/workbook.xml", |x| {
        x.replace("name=\"Biểu 2B\"", "name=\"biểu 2b \"")
    });
    w.put(&format!("nop/{name}"), &p.bytes());
    let mut args = vec!["run", "nop", "--out", "out", "--archive", "chay.sqlite"];
    args.extend(PERIOD);
    w.run_expect(&args, 0);
    let report = w.json("out/report.json");
    let sub = submission(&report, &name);
    assert_eq!(
        sub["moved"]["by_group.thai.total"], "C14",
        "{}",
        sub["moved"]
    );
    assert_eq!(sub["sheets"][3], "biểu 2b ", "{}", sub["sheets"]);
    w.run_expect(
        &[
            "archive",
            "import",
            "out/report.json",
            "--archive",
            "nhap.sqlite",
        ],
        0,
    );
    let figures = |archive: &str| -> Vec<Archived> {
        let c = rusqlite::Connection::open(w.path(archive)).unwrap();
        let mut q = c
            .prepare("SELECT unit, figure, value, sheet, cell FROM figure ORDER BY unit, figure")
            .unwrap();
        q.query_map([], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?))
        })
        .unwrap()
        .map(Result::unwrap)
        .collect()
    };
    let (ran, imported) = (figures("chay.sqlite"), figures("nhap.sqlite"));
    assert!(ran.len() > 2 * 300, "{}", ran.len());
    let thai = ran
        .iter()
        .find(|f| f.1 == "by_group.thai.total" && f.0 == sub["unit"].as_str().unwrap())
        .unwrap();
    assert_eq!(
        (thai.3.as_deref(), thai.4.as_deref()),
        (Some("biểu 2b "), Some("C14"))
    );
    let only = |a: &[Archived], b: &[Archived]| -> Vec<Archived> {
        a.iter().filter(|f| !b.contains(f)).cloned().collect()
    };
    assert_eq!(
        (only(&ran, &imported), only(&imported, &ran)),
        (vec![], vec![]),
        "recorded by the run, and imported"
    );
}

/// A list line deleted from the unit's sheet: report.json says the file lacks it
/// (`moved` null, its figures null), not a blank where the form has it.
#[test]
fn a_deleted_list_line_is_named_as_absent_in_report_json() {
    let w = Workdir::official();
    w.samples("made", &["--units", "1", "--rows", "6", "--seed", "3"]);
    let (name, mut p) = first_sample(&w, "made");
    p.edit(BIEU_2B, |xml| {
        let (head, rows, tail) = split_rows(&xml);
        let body: String = rows
            .into_iter()
            .filter(|(n, _)| *n != 9)
            .map(|(_, r)| r)
            .collect();
        format!("{head}{body}{tail}")
    });
    w.put(&format!("edited/{name}"), &p.bytes());
    let report = w.run_json(&["check", &format!("edited/{name}"), "--json"], 1);
    let sub = &submissions(&report)[0];
    assert!(!rules_of(sub).is_empty(), "{:?}", sub["findings"]);
    let thai = crate::common::figure(&report, sub, "by_group.thai.total");
    assert_eq!(
        sub["moved"]["by_group.thai.total"],
        Value::Null,
        "{}",
        sub["moved"]
    );
    assert!(sub["moved"].get("by_group.thai.total").is_some());
    assert_eq!((thai.value, thai.cell), (&Value::Null, None));
    // The lines around it are where the form has them.
    assert!(sub["moved"].get("by_group.mong.total").is_none());
    assert_eq!(
        crate::common::figure(&report, sub, "by_group.mong.total").cell,
        Some("C14")
    );
}

#[test]
fn a_report_with_a_restored_membership_balances() {
    let w = Workdir::official();
    w.samples("inbox", &["--rows", "4", "--seed", "2026"]);
    let report = w.run_report("inbox", "out", &PERIOD, 0);
    let restoring = submissions(&report)
        .iter()
        .find(|s| figure(&report, s, "movement.b3.this").0 > 0.0)
        .expect("a sample with a membership restored (B.3)");
    // Accepted: D = A + B − C with B.3 in B.
    assert_eq!(restoring["status"], "accepted");
    let b3 = figure(&report, restoring, "movement.b3.this").0;
    let d = figure(&report, restoring, "movement.d.this").0;
    // The same report with D computed as the 2010-era form had it, without B.3: the
    // balance names D.
    let file = restoring["file"].as_str().unwrap();
    let mut p = Pkg::open(&std::fs::read(w.path(&format!("inbox/{file}"))).unwrap());
    p.cell(BIEU_1, "C22", Cell::Number(d - b3));
    w.put(&format!("old-arithmetic/{file}"), &p.bytes());
    let checked = w.run_json(&["check", &format!("old-arithmetic/{file}"), "--json"], 1);
    let sub = &submissions(&checked)[0];
    assert!(
        has_finding(sub, "BALANCE", "Biểu 1", Some("C22")),
        "{:?}",
        sub["findings"]
    );
}

#[test]
fn a_file_of_the_old_form_is_told_to_use_the_new_template() {
    let w = Workdir::official();
    w.samples(
        "old",
        &["--form", "phat-trien-dang-vien-2026.1", "--units", "1"],
    );
    let report = w.run_json(&["check", "old", "--json"], 1);
    let sub = &submissions(&report)[0];
    assert!(
        has_finding(sub, "FORM", "Thông tin", Some("C4")),
        "{:?}",
        sub["findings"]
    );
    let form = sub["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["rule"] == "FORM")
        .unwrap();
    let message = form["message"].as_str().unwrap();
    assert!(
        message.contains("2026.1") && message.contains("2026.2"),
        "{message}"
    );
}

/// A unit that deleted the *Tổng cộng* label: the table has no end, and the signatures
/// printed under it must not be read as rows. One finding says what is wrong; the rows
/// above keep their names and figures.
#[test]
fn a_deleted_total_row_is_one_finding_not_the_signatures_read_as_rows() {
    let w = Workdir::official();
    w.samples("inbox", &["--units", "1", "--rows", "4"]);
    let file = crate::common::files_in(&w.path("inbox"))
        .into_iter()
        .find(|p| p.extension().is_some_and(|e| e == "xlsx"))
        .unwrap();
    let adm = crate::common::cells(&file, "Kết nạp");
    let total = crate::common::row_labelled(&adm, 1, "Tổng cộng").expect("a total row");
    // What follows the table is the signature block, which this test is about.
    assert!(
        crate::common::row_labelled(&adm, 0, "NGƯỜI LẬP BIỂU").is_some_and(|r| r > total),
        "the blank form signs under the table"
    );
    let mut p = Pkg::open(&std::fs::read(&file).unwrap());
    p.cell("Kết nạp", &format!("B{}", total + 1), Cell::Blank);
    w.put("cut/x.xlsx", &p.bytes());
    let checked = w.run_json(&["check", "cut/x.xlsx", "--json"], 1);
    let sub = &submissions(&checked)[0];
    let on_the_table: Vec<&Value> = sub["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["sheet"] == "Kết nạp")
        .collect();
    assert_eq!(on_the_table.len(), 1, "{on_the_table:#?}");
    assert_eq!(on_the_table[0]["rule"], "TOTAL");
    assert_eq!(
        sub["tables"]["admissions"]["rows"].as_array().map(Vec::len),
        Some(4),
        "{:#}",
        sub["tables"]["admissions"]
    );
}
