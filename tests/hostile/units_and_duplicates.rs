//! Several submissions: the newer report of a unit supersedes the older, of the same
//! date the file saved later (a correction) supersedes the earlier, two different files
//! nothing tells apart are a tie for the clerk, the same file twice counts once; unknown
//! and missing units.

use super::edit::{Cell, Pkg, text};
use super::{
    INFO, OK_UNIT, assert_accepted, assert_finding, figure, findings, inbox, is_missing,
    nothing_returned, run, run_batch, run_inbox, run_one, sample, status,
};
use crate::common::{Workdir, cells, keyed, submission};
use std::time::{Duration, SystemTime};

/// Give the inbox file `name` the modification time `secs` after the epoch, as a file
/// saved then (copies and mail attachments keep it).
fn saved_at(w: &Workdir, name: &str, secs: u64) {
    std::fs::File::options()
        .write(true)
        .open(w.path(&format!("inbox/{name}")))
        .unwrap()
        .set_modified(SystemTime::UNIX_EPOCH + Duration::from_secs(secs))
        .unwrap();
}

/// The status sheet's note (column H) on the row of `file` (column D).
fn status_note(w: &Workdir, file: &str) -> String {
    let c = cells(&w.path("out/tong-hop.xlsx"), "Tình trạng nộp");
    let row = c
        .iter()
        .find(|((_, col), v)| *col == 3 && crate::common::text(Some(v)) == Some(file))
        .map(|((r, _), _)| *r)
        .unwrap_or_else(|| panic!("{file} not in the status sheet"));
    crate::common::text(c.get(&(row, 7)))
        .unwrap_or("")
        .to_string()
}

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
    let kept = &keyed(&report, submission(&report, "TGI-lan-2.xlsx"));
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
fn a_corrected_file_with_the_same_date_of_report_supersedes_the_first() {
    // TGI fixed its file and sent it again, keeping the date of report, as units do. The
    // first has a fault; the correction, saved later, sorts first by name and arrives in
    // the listing before it: only the file time may decide.
    let mut first = Pkg::of("TGI");
    first.cell(INFO, "C10", Cell::Blank);
    let mut fixed = Pkg::of("TGI");
    fixed.cell(INFO, "C10", text("Lò Văn Sửa"));
    let w = inbox(&[("TGI.xlsx", first.bytes()), ("A-TGI.xlsx", fixed.bytes())]);
    saved_at(&w, "TGI.xlsx", 1_780_000_000);
    saved_at(&w, "A-TGI.xlsx", 1_780_003_600);
    let report = run_batch(&w, &[], 0);
    let kept = &keyed(&report, submission(&report, "A-TGI.xlsx"));
    assert_accepted(kept);
    assert_eq!(kept["included_in_totals"], true);
    assert!(findings(kept, "DUP").is_empty(), "{:#}", kept["findings"]);
    assert_eq!(figure(kept, "preparer"), "Lò Văn Sửa");
    let earlier = submission(&report, "TGI.xlsx");
    assert_eq!(status(earlier), "duplicate", "{earlier:#}");
    assert_eq!(earlier["superseded_by"], "A-TGI.xlsx");
    assert_eq!(earlier["included_in_totals"], false);
    let dup = findings(earlier, "DUP");
    assert_eq!(dup.len(), 1, "{:#}", earlier["findings"]);
    assert_eq!(dup[0]["severity"], "warning");
    // Nothing goes back to TGI: no returned workbook, so no DUP error in one.
    assert!(nothing_returned(&w), "{:?}", w.returned("out"));
    assert_eq!(report["summary"]["duplicate"], 1);
    // The clerk reads in the status sheet which file was kept and how to undo it.
    let note = status_note(&w, "TGI.xlsx");
    assert!(
        note.contains("tệp sửa") && note.contains("A-TGI.xlsx") && note.contains("xóa"),
        "{note}"
    );
    // Saved the other way round, the other file wins.
    saved_at(&w, "TGI.xlsx", 1_780_007_200);
    let report = run(&w, &[], 1);
    assert_eq!(status(submission(&report, "A-TGI.xlsx")), "duplicate");
    let kept = submission(&report, "TGI.xlsx");
    assert_eq!(status(kept), "rejected");
    assert!(findings(kept, "DUP").is_empty(), "{:#}", kept["findings"]);
    assert_eq!(w.returned("out").len(), 1);
    let back = w.path("out/tra-lai/TGI.xlsx");
    for sheet in crate::common::sheet_names(&back) {
        for v in cells(&back, &sheet).values() {
            let t = crate::common::text(Some(v)).unwrap_or("");
            assert!(!t.contains("DUP") && !t.contains("A-TGI"), "{sheet}: {t}");
        }
    }
}

#[test]
fn two_different_files_of_a_unit_with_the_same_date_and_time_are_a_tie_for_the_clerk() {
    let a = Pkg::of("TGI");
    let mut b = Pkg::of("TGI");
    b.cell(INFO, "C10", text("Người khác"));
    let w = inbox(&[("TGI.xlsx", a.bytes()), ("TGI (1).xlsx", b.bytes())]);
    for f in ["TGI.xlsx", "TGI (1).xlsx"] {
        saved_at(&w, f, 1_780_000_000);
    }
    let report = run_batch(&w, &[], 1);
    for (file, other) in [("TGI.xlsx", "TGI (1).xlsx"), ("TGI (1).xlsx", "TGI.xlsx")] {
        let sub = submission(&report, file);
        assert_eq!(status(sub), "rejected", "{file}");
        let dup = findings(sub, "DUP");
        assert_eq!(dup.len(), 1, "{file}: {:#}", sub["findings"]);
        assert_eq!(dup[0]["severity"], "error");
        let msg = dup[0]["message"].as_str().unwrap();
        assert!(msg.contains(other) && msg.contains("xóa"), "{msg}");
        assert_eq!(sub["included_in_totals"], false);
    }
    // The clerk reads in the status sheet which files to remove; the kept one's error
    // goes back too, should the clerk not know which is right.
    assert!(status_note(&w, "TGI.xlsx").contains("xóa"));
    assert_eq!(w.returned("out").len(), 1);
    assert!(
        report["totals"]["members_end"].as_f64().unwrap()
            == keyed(&report, submission(&report, "KDN.xlsx"))["figures"]["members_end"]["value"]
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
    for f in ["TGI.xlsx", "TGI (1).xlsx"] {
        saved_at(&w, f, 1_780_000_000);
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
        keyed(&report, submission(&report, f))["figures"]["members_end"]["value"]
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
fn a_unit_typed_a_letter_off_is_told_which_units_it_may_be() {
    // A code one letter off, and a name without its "Huyện": both point at Tuần Giáo.
    for (code, name) in [("TGII", "Không rõ"), ("", "Tuần Giao")] {
        let mut p = Pkg::of("TGI");
        p.cell(INFO, "C6", text(code)).cell(INFO, "C7", text(name));
        let w = inbox(&[("la.xlsx", p.bytes())]);
        let report = run_batch(&w, &[], 1);
        let sub = submission(&report, "la.xlsx");
        assert_eq!(status(sub), "unknown_unit", "{code:?} {name:?}");
        let msg = findings(sub, "UNIT")[0]["message"]
            .as_str()
            .unwrap()
            .to_string();
        assert!(
            msg.contains("Có phải là: Huyện Tuần Giáo (mã TGI)"),
            "{code:?} {name:?}: {msg}"
        );
    }
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

/// With the right code, a name holding a right-to-left override still gets its warning
/// at the name's cell, the characters named by code point (the code decides the unit).
#[test]
fn an_invisible_character_in_the_name_beside_a_right_code_is_a_warning() {
    let mut p = Pkg::of("DBP");
    p.cell(INFO, "C7", text("Thành phố Điện\u{202e} Biên Phủ"));
    let sub = run_one("DBP.xlsx", p.bytes(), &[], 0);
    assert_eq!(sub["unit"], "DBP");
    assert_eq!(sub["status"], "accepted");
    assert_finding(&sub, "UNITNAME", "Thông tin", Some("C7"));
    let f = sub["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["rule"] == "UNITNAME")
        .unwrap();
    let said = f["message"].as_str().unwrap();
    assert!(
        said.contains("U+202E") && said.contains("chọn lại tên"),
        "{said}"
    );
    assert_eq!(f["expected"], "Thành phố Điện Biên Phủ");
}
