//! Several submissions: the newer report of a unit supersedes the older, two of the same
//! date are both returned, the same file twice counts once; unknown and missing units.

use super::edit::{Cell, Pkg, text};
use super::{
    INFO, OK_UNIT, assert_accepted, assert_finding, figure, findings, inbox, is_missing,
    nothing_returned, run_batch, run_inbox, run_one, sample, status,
};
use crate::common::submission;
use std::time::Duration;

#[test]
fn the_newer_report_of_a_unit_supersedes_the_older() {
    let old = Pkg::of("TGI");
    let date = old.number(INFO, "C12");
    let mut new = Pkg::of("TGI");
    new.cell(INFO, "C12", Cell::Number(date + 5.0))
        .cell(INFO, "C10", text("Lò Văn Sửa"));
    // The older report has the newer file time and sorts first by name: only the date of
    // report may decide.
    let w = inbox(&[("TGI-lan-2.xlsx", new.bytes())]);
    std::thread::sleep(Duration::from_millis(20));
    w.put("inbox/A-TGI-lan-1.xlsx", &old.bytes());
    let report = run_batch(&w, &[], 0);
    let kept = submission(&report, "TGI-lan-2.xlsx");
    assert_accepted(kept);
    assert!(kept["superseded_by"].is_null());
    let older = submission(&report, "A-TGI-lan-1.xlsx");
    assert_eq!(status(older), "duplicate", "{older:#}");
    assert_eq!(older["superseded_by"], "TGI-lan-2.xlsx");
    assert_eq!(older["included_in_totals"], false);
    let dup = findings(older, "DUP");
    assert_eq!(dup.len(), 1, "{:#}", older["findings"]);
    assert_eq!(dup[0]["severity"], "warning");
    assert_eq!(figure(kept, "preparer"), "Lò Văn Sửa");
    assert_eq!(report["summary"]["duplicate"], 1);
}

#[test]
fn two_reports_of_a_unit_with_the_same_date_are_both_returned() {
    let a = Pkg::of("TGI");
    let mut b = Pkg::of("TGI");
    b.cell(INFO, "C10", text("Người khác"));
    let report = run_inbox(
        &[("TGI.xlsx", a.bytes()), ("TGI (1).xlsx", b.bytes())],
        &[],
        1,
    );
    for file in ["TGI.xlsx", "TGI (1).xlsx"] {
        let sub = submission(&report, file);
        assert_eq!(status(sub), "rejected", "{file}");
        let dup = findings(sub, "DUP");
        assert_eq!(dup.len(), 1, "{file}: {:#}", sub["findings"]);
        assert_eq!(dup[0]["severity"], "error");
        assert_eq!(sub["included_in_totals"], false);
    }
    assert!(
        report["totals"]["members_end"].as_f64().unwrap()
            == submission(&report, "KDN.xlsx")["figures"]["members_end"]["value"]
                .as_f64()
                .unwrap()
    );
}

#[test]
fn the_same_file_sent_twice_counts_once() {
    // Byte-identical copies (mailed twice, or copied under another name) are one report:
    // one is summed, the other set aside with a warning, and nothing goes back.
    let a = Pkg::of("TGI");
    let w = inbox(&[("TGI.xlsx", a.bytes()), ("TGI (1).xlsx", a.bytes())]);
    // Equal file times too: the file name decides which is kept.
    let when = std::time::SystemTime::UNIX_EPOCH + std::time::Duration::from_secs(1_780_000_000);
    for f in ["TGI.xlsx", "TGI (1).xlsx"] {
        std::fs::File::options()
            .write(true)
            .open(w.path(&format!("inbox/{f}")))
            .unwrap()
            .set_modified(when)
            .unwrap();
    }
    let report = run_batch(&w, &[], 0);
    let kept = submission(&report, "TGI (1).xlsx");
    assert_eq!(status(kept), "accepted", "{kept:#}");
    assert_eq!(kept["included_in_totals"], true);
    assert!(findings(kept, "DUP").is_empty());
    let copy = submission(&report, "TGI.xlsx");
    assert_eq!(status(copy), "duplicate");
    assert_eq!(copy["superseded_by"], "TGI (1).xlsx");
    assert_eq!(copy["included_in_totals"], false);
    let dup = findings(copy, "DUP");
    assert_eq!(dup.len(), 1, "{:#}", copy["findings"]);
    assert_eq!(dup[0]["severity"], "warning");
    assert!(dup[0]["message"].as_str().unwrap().contains("giống hệt"));
    // Summed once.
    let end = |f: &str| {
        submission(&report, f)["figures"]["members_end"]["value"]
            .as_f64()
            .unwrap()
    };
    assert_eq!(
        report["totals"]["members_end"].as_f64().unwrap(),
        end("TGI (1).xlsx") + end(&format!("{OK_UNIT}.xlsx"))
    );
    assert!(nothing_returned(&w));
}

#[test]
fn an_unknown_code_and_name_is_an_unknown_unit() {
    let mut p = Pkg::of("TGI");
    p.cell(INFO, "C6", text("XYZ"))
        .cell(INFO, "C7", text("Huyện Không Có"));
    let w = inbox(&[("la.xlsx", p.bytes())]);
    let report = run_batch(&w, &[], 1);
    let sub = submission(&report, "la.xlsx");
    assert_eq!(status(sub), "unknown_unit");
    assert!(sub["unit"].is_null());
    assert_finding(sub, "UNIT", "Thông tin", Some("C6"));
    assert_eq!(findings(sub, "UNIT")[0]["found"], "XYZ");
    assert_eq!(sub["included_in_totals"], false);
    assert!(is_missing(&report, "TGI"));
    assert!(nothing_returned(&w));
}

#[test]
fn units_that_sent_nothing_are_listed_as_missing() {
    let report = run_inbox(&[("TGI.xlsx", sample("TGI"))], &[], 0);
    let missing: Vec<&str> = report["missing_units"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u.as_str().unwrap())
        .collect();
    let all = [
        "DBP", "MLA", "DBI", "DBD", "MAN", "TGI", "TCH", "MCH", "MNH", "NPO", "CAT", "QST", "BPT",
        "DCD", "KDN",
    ];
    let want: Vec<&str> = all
        .iter()
        .copied()
        .filter(|u| *u != "TGI" && *u != OK_UNIT)
        .collect();
    assert_eq!(missing, want);
    assert_eq!(report["summary"]["missing"], 13);
}

#[test]
fn invisible_characters_in_the_unit_code_are_shown_and_are_a_unit_error() {
    for (typed, shown) in [
        ("DBP\u{200b}", "DBP\\u{200b}"),
        ("\u{feff}DBP", "\\u{feff}DBP"),
        ("D\u{202e}BP", "D\\u{202e}BP"),
        ("DB\u{2060}P", "DB\\u{2060}P"),
    ] {
        let mut p = Pkg::of("DBP");
        p.cell(INFO, "C6", text(typed));
        let sub = run_one("DBP.xlsx", p.bytes(), &[], 1);
        // The unit is known (it is not shown as missing), and the file goes back to it.
        assert_eq!(sub["unit"], "DBP", "{typed:?}: {sub:#}");
        assert_eq!(status(&sub), "rejected", "{typed:?}: {:#}", sub["findings"]);
        assert_finding(&sub, "UNIT", "Thông tin", Some("C6"));
        let f = findings(&sub, "UNIT")[0];
        let msg = f["message"].as_str().unwrap();
        assert!(msg.contains(shown), "{typed:?}: {msg}");
        assert!(
            !msg.chars()
                .any(|c| c == '\u{200b}' || c == '\u{feff}' || c == '\u{202e}'),
            "{msg}"
        );
        assert_eq!(f["expected"], "DBP");
    }
}

#[test]
fn an_invisible_character_in_the_unit_name_does_not_hide_the_unit() {
    // Code left blank, the name pasted from a web page with a zero-width joiner.
    let mut p = Pkg::of("DBP");
    p.cell(INFO, "C6", Cell::Blank)
        .cell(INFO, "C7", text("Thành phố Điện Biên\u{200d} Phủ"));
    let sub = run_one("DBP.xlsx", p.bytes(), &[], 0);
    assert_eq!(sub["unit"], "DBP", "{:#}", sub["findings"]);
    assert_finding(&sub, "UNITNAME", "Thông tin", Some("C6"));
}
