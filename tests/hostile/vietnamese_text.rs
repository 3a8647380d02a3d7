//! Vietnamese text: Unicode forms (NFD), legacy encodings (TCVN3 read as cp1252), case
//! and spaces, in unit names, the total row's label and sheet names; text longer than
//! Excel allows.

use super::edit::{Cell, Pkg, text, warn};
use super::{
    ADM, FIRST_ROW, INFO, MEM, ROWS, SRC, TOTAL_ROW, assert_accepted, assert_finding,
    assert_no_rule, assert_opens, figure, findings, inbox, is_missing, rows_listed, run_batch,
    run_inbox, run_one, status,
};
use crate::common::{rules_of, submission};
use serde_json::Value;

/// The unit code left blank and the name typed as `name`: recognised by name.
fn unit_by_name_case(name: &str) -> Value {
    let mut p = Pkg::of("TCH");
    p.cell(INFO, "C6", Cell::Blank).cell(INFO, "C7", text(name));
    let report = run_inbox(&[("bao-cao.xlsx", p.bytes())], &[], 0);
    let sub = crate::common::keyed(&report, submission(&report, "bao-cao.xlsx"));
    assert_eq!(sub["unit"], "TCH", "{:#}", sub["findings"]);
    assert_finding(&sub, "UNITNAME", "Thông tin", Some("C6"));
    assert_eq!(findings(&sub, "UNITNAME")[0]["severity"], "warning");
    assert_eq!(findings(&sub, "UNITNAME")[0]["expected"], "TCH");
    assert_accepted(&sub);
    assert!(!is_missing(&report, "TCH"));
    sub
}

#[test]
fn unit_name_in_nfd_without_code_is_recognised_by_name() {
    use unicode_normalization::UnicodeNormalization;
    let nfd: String = "Huyện Tủa Chùa".nfd().collect();
    assert_ne!(nfd, "Huyện Tủa Chùa");
    let sub = unit_by_name_case(&nfd);
    assert_eq!(
        figure(&sub, "unit_name"),
        "Huyện Tủa Chùa",
        "stored composed (NFC)"
    );
}

#[test]
fn unit_name_in_tcvn3_without_code_is_recognised_by_name() {
    // "Huyện Tủa Chùa" typed with a .VnTime font: each TCVN3 byte read as cp1252.
    let sub = unit_by_name_case("HuyÖn Tña Chïa");
    assert_finding(&sub, "ENCODING", "Thông tin", Some("C7"));
    assert_eq!(findings(&sub, "ENCODING")[0]["severity"], "warning");
    assert_eq!(figure(&sub, "unit_name"), "Huyện Tủa Chùa");
}

/// The total row's label typed as `label`: the total row is still found.
fn total_label_case(label: &str) {
    let mut p = Pkg::of("TGI");
    p.cell(ADM, &format!("B{TOTAL_ROW}"), text(label));
    let sub = &run_one("TGI.xlsx", p.bytes(), &[], 0);
    assert_no_rule(sub, "TOTAL");
    assert_accepted(sub);
    let t = &sub["tables"]["admissions"];
    assert_eq!(t["total"][0], TOTAL_ROW, "{t:#}");
    assert_eq!(
        t["rows"].as_array().unwrap().len(),
        ROWS as usize,
        "the total row is not a data row: {t:#}"
    );
}

#[test]
fn total_label_in_tcvn3_is_found() {
    total_label_case("Tæng céng");
}

#[test]
fn total_label_in_capitals_is_found() {
    total_label_case("TỔNG CỘNG");
}

#[test]
fn total_label_in_nfd_with_extra_spaces_is_found() {
    use unicode_normalization::UnicodeNormalization;
    total_label_case(&format!("  {}  ", "Tổng  cộng".nfd().collect::<String>()));
}

#[test]
fn sheets_renamed_in_another_case_or_with_spaces_are_still_read() {
    let mut p = Pkg::of("TGI");
    p.edit("xl/workbook.xml", |x| {
        x.replace("name=\"Đảng viên\"", "name=\"đảng viên \"")
            .replace("name=\"Kết nạp\"", "name=\"KẾT NẠP\"")
            // "Tạo nguồn" typed with a .VnTime font (TCVN3).
            .replace("name=\"Tạo nguồn\"", "name=\"T¹o  nguån\"")
    });
    // A fault on each renamed sheet, so the findings show which name they cite.
    p.cell(MEM, "C5", text("chưa có"));
    let sub = &run_one("TGI.xlsx", p.bytes(), &[], 1);
    assert_no_rule(sub, "SHEET");
    // The sheet was read: only the planted fault, at the unit's own sheet name.
    assert_eq!(rules_of(sub), vec!["TYPE"], "{:#}", sub["findings"]);
    assert_finding(sub, "TYPE", "đảng viên ", Some("C5"));
    assert_eq!(rows_listed(sub), ROWS as usize);
    assert_eq!(sub["tables"]["admissions"]["sheet"], "KẾT NẠP");
    assert!(figure(sub, "members_end").is_number());
    assert_eq!(
        figure(sub, "classes").as_f64(),
        Some(Pkg::of("TGI").number(SRC, "C4"))
    );
}

#[test]
fn overlong_text_in_a_cell_does_not_stop_the_run() {
    // Excel stops at 32,767 characters a cell; a file written by another program does
    // not. TGI: an organisation name of 42,000 characters (summed, so it reaches
    // "Chi tiết", and a warning, so it gets a returned workbook). MNH: 40,000
    // characters in a count cell (a TYPE error quoting them).
    let long_name = "Chi bộ ".repeat(6000);
    let mut tgi = Pkg::of("TGI");
    warn(tgi.cell(ADM, &format!("B{FIRST_ROW}"), text(&long_name)));
    let mut mnh = Pkg::of("MNH");
    mnh.cell(SRC, "C5", text(&"x".repeat(40_000)));
    let w = inbox(&[("TGI.xlsx", tgi.bytes()), ("MNH.xlsx", mnh.bytes())]);
    let report = run_batch(&w, &[], 1);
    let sub = submission(&report, "TGI.xlsx");
    assert_accepted(sub);
    assert_finding(sub, "TEXTNUM", "Tạo nguồn", Some("C4"));
    let sub = submission(&report, "MNH.xlsx");
    assert_eq!(status(sub), "rejected");
    assert_finding(sub, "TYPE", "Tạo nguồn", Some("C5"));
    for f in [
        "out/tong-hop.xlsx",
        "out/tra-lai/TGI.xlsx",
        "out/tra-lai/MNH.xlsx",
    ] {
        assert_opens(&w, f);
    }
}
