//! Text from a submission never becomes a file name or a formula: unsafe unit codes
//! write nothing outside OUT and name no file; formula-like text stays text in every
//! output.

use super::edit::{Pkg, text, warn};
use super::{
    ADM, FIRST_ROW, INFO, assert_accepted, assert_finding, assert_opens, figure, findings, inbox,
    run_batch, status,
};
use crate::common::{Workdir, submission, tree, zip_of};
use calamine::{Data, Reader, open_workbook_auto};
use serde_json::Value;
use std::io::Read;

fn unsafe_code_case(code: &str, name: &str) -> (Workdir, Value) {
    let mut p = Pkg::of("TCH");
    p.cell(INFO, "C6", text(code)).cell(INFO, "C7", text(name));
    let w = inbox(&[("bao-cao.xlsx", p.bytes())]);
    let report = run_batch(&w, &[], if name.starts_with("Huyện") { 0 } else { 1 });
    // Only what tonghop writes, named by validated codes: nothing beside OUT or INBOX but the archive.
    let mut top: Vec<String> = std::fs::read_dir(w.dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    top.sort();
    assert_eq!(top, vec!["inbox", "out", "tonghop-luu-tru.sqlite"]);
    assert_eq!(tree(&w.path("inbox")), vec!["KDN.xlsx", "bao-cao.xlsx"]);
    for f in tree(&w.path("out")) {
        assert!(
            ["report.json", "don-doc.csv", "tong-hop.xlsx"].contains(&f.as_str())
                || (f.starts_with("tra-lai/") && f.len() == "tra-lai/XXX.xlsx".len()),
            "unexpected output {f:?}"
        );
    }
    (w, report)
}

#[test]
fn a_path_traversal_unit_code_names_no_file() {
    let (w, report) = unsafe_code_case("../../evil", "Huyện Tủa Chùa");
    let sub = submission(&report, "bao-cao.xlsx");
    assert_eq!(sub["unit"], "TCH");
    assert_finding(sub, "UNITNAME", "Thông tin", Some("C6"));
    assert_eq!(findings(sub, "UNITNAME")[0]["found"], "../../evil");
    assert_eq!(
        tree(&w.path("out")),
        vec![
            "don-doc.csv",
            "report.json",
            "tong-hop.xlsx",
            "tra-lai/TCH.xlsx"
        ]
    );
}

#[test]
fn a_reserved_device_name_as_unit_code_names_no_file() {
    let (w, report) = unsafe_code_case("CON", "Đảng bộ Không Rõ");
    let sub = submission(&report, "bao-cao.xlsx");
    assert_eq!(status(sub), "unknown_unit");
    assert_finding(sub, "UNIT", "Thông tin", Some("C6"));
    assert_eq!(
        tree(&w.path("out")),
        vec!["don-doc.csv", "report.json", "tong-hop.xlsx"]
    );
}

#[test]
fn control_characters_in_the_unit_code_name_no_file() {
    // A tab and a line break typed in, a bell escaped the OOXML way (_x0007_), a slash.
    let (w, report) = unsafe_code_case("\tT_x0007_CH/\r\n..", "Huyện Tủa Chùa");
    let sub = submission(&report, "bao-cao.xlsx");
    assert_eq!(sub["unit"], "TCH");
    assert_finding(sub, "UNITNAME", "Thông tin", Some("C6"));
    assert_eq!(
        tree(&w.path("out")),
        vec![
            "don-doc.csv",
            "report.json",
            "tong-hop.xlsx",
            "tra-lai/TCH.xlsx"
        ]
    );
    // The outputs that quote the code still open.
    for f in ["out/tong-hop.xlsx", "out/tra-lai/TCH.xlsx"] {
        assert_opens(&w, f);
    }
}

#[test]
fn text_that_looks_like_a_formula_stays_text_in_every_output() {
    let payloads = [
        "=HYPERLINK(\"http://x\",\"y\")",
        "+cmd|' /C calc'!A0",
        "-2+3+cmd|' /C calc'!A0",
        "@SUM(1+1)*cmd|' /C calc'!A0",
    ];
    let mut p = Pkg::of("TGI");
    p.cell(INFO, "C7", text(payloads[0])) // unit name
        .cell(INFO, "C10", text(payloads[3])) // preparer
        .cell(ADM, &format!("B{FIRST_ROW}"), text(payloads[0]))
        .cell(ADM, &format!("B{}", FIRST_ROW + 1), text(payloads[1]))
        .cell(ADM, &format!("B{}", FIRST_ROW + 2), text(payloads[2]))
        .cell(ADM, &format!("B{}", FIRST_ROW + 3), text(payloads[3]));
    // A warning, so that the unit is summed (its rows reach "Chi tiết") and gets a
    // returned workbook.
    warn(&mut p);
    let w = inbox(&[("TGI.xlsx", p.bytes())]);
    let report = run_batch(&w, &[], 0);
    let sub = &crate::common::keyed(&report, submission(&report, "TGI.xlsx"));
    assert_accepted(sub);
    assert_eq!(sub["unit"], "TGI");
    assert_eq!(figure(sub, "unit_name"), payloads[0]);
    assert!(w.path("out/tra-lai/TGI.xlsx").exists());
    for f in ["out/tong-hop.xlsx", "out/tra-lai/TGI.xlsx"] {
        let mut wb = open_workbook_auto(w.path(f)).unwrap();
        let mut seen = std::collections::BTreeSet::new();
        for name in wb.sheet_names() {
            let values = wb.worksheet_range(&name).unwrap();
            for (_, _, v) in values.used_cells() {
                if let Data::String(s) = v {
                    for p in payloads.iter().filter(|p| s == *p) {
                        seen.insert(*p);
                    }
                }
            }
            let formulas = wb.worksheet_formula(&name).unwrap();
            for (r, c, fm) in formulas.used_cells() {
                assert!(
                    !["HYPERLINK", "cmd", "SUM(1+1)", "2+3"]
                        .iter()
                        .any(|x| fm.contains(x)),
                    "{f} sheet {name} ({r},{c}) holds the formula {fm:?} from a submission"
                );
            }
        }
        // Every payload is in the output, as text.
        assert_eq!(
            seen.len(),
            payloads.len(),
            "{f}: only {seen:?} found as text"
        );
        // And no <f> in the raw sheet XML carries one.
        let mut z = zip_of(&w.path(f));
        for i in 0..z.len() {
            let mut e = z.by_index(i).unwrap();
            let mut x = String::new();
            e.read_to_string(&mut x).unwrap_or_default();
            for (s, _) in x.match_indices("<f>") {
                let fm = &x[s..s + x[s..].find("</f>").unwrap()];
                assert!(
                    !fm.contains("HYPERLINK") && !fm.contains("cmd"),
                    "{f}: {fm}"
                );
            }
        }
    }
}

/// What `check` printed, split into lines: each must begin as one of tonghop's own lines
/// (a file's line, a finding indented by two spaces, a skipped file), never as a forged one.
fn check_lines(w: &Workdir, args: &[&str], code: i32) -> Vec<String> {
    let out = w.run_expect(args, code);
    assert!(
        !out.stdout
            .iter()
            .any(|&b| b == 0x1b || b == 0x07 || b == b'\r'),
        "raw control characters printed: {:?}",
        String::from_utf8_lossy(&out.stdout)
    );
    String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(str::to_string)
        .collect()
}

#[test]
fn check_escapes_control_characters_from_cells_and_file_names() {
    // An ESC sequence that clears the screen and sets the title, a line break followed by
    // a forged verdict, typed into the unit code and name (OOXML escapes `_x001B_`).
    let mut p = Pkg::of("TGI");
    p.cell(INFO, "C6", text("XX_x001B_[2J_x001B_]0;tieu de_x0007_"))
        .cell(INFO, "C7", text("Không Có\n[KDN] đã nhận"));
    let w = inbox(&[("bao-cao.xlsx", p.bytes())]);
    w.put("inbox/a\n[KDN] đã nhận.xlsx", &super::sample("MNH"));
    let lines = check_lines(&w, &["check", "inbox"], 1);
    for l in &lines {
        assert!(
            l.starts_with("inbox/") || l.starts_with("  "),
            "a line not printed by tonghop: {l:?}\n{lines:#?}"
        );
    }
    let all = lines.join("\n");
    assert!(all.contains("\\u{1b}[2J"), "{all}");
    assert!(all.contains("Không Có\\n[KDN] đã nhận"), "{all}");
    assert!(all.contains("inbox/a\\n[KDN] đã nhận.xlsx [MNH]"), "{all}");
    // English too, and the same escapes in report.json's messages.
    let lines = check_lines(&w, &["check", "inbox", "--lang", "en"], 1);
    assert!(
        lines
            .iter()
            .all(|l| l.starts_with("inbox/") || l.starts_with("  ")),
        "{lines:#?}"
    );
    let report = w.run_json(&["check", "inbox", "--json"], 1);
    let sub = submission(&report, "inbox/bao-cao.xlsx");
    let unit = findings(sub, "UNIT");
    assert!(
        unit[0]["message"].as_str().unwrap().contains("\\u{1b}[2J"),
        "{:#}",
        unit[0]
    );
}

#[cfg(unix)]
#[test]
fn a_skipped_file_name_is_escaped_on_the_terminal() {
    let w = inbox(&[]);
    w.put("inbox/ghi chu\x1b[31m\n[KDN] đã nhận.txt", b"hello");
    let lines = check_lines(&w, &["check", "inbox"], 0);
    assert_eq!(lines.len(), 2, "{lines:#?}");
    assert!(lines[1].contains("\\u{1b}[31m\\n[KDN]"), "{lines:#?}");
}

/// An error that stops the run names what it could not use, escaped: an inbox path
/// holding a screen-clearing sequence and a forged line is shown, not obeyed.
#[cfg(unix)]
#[test]
fn an_error_naming_a_path_escapes_its_control_characters() {
    let w = inbox(&[]);
    let out = w.run_expect(&["run", "no\x1b[2J\n[KDN] accepted", "--out", "out"], 2);
    assert!(
        !out.stderr.contains(&0x1b),
        "raw ESC printed: {:?}",
        String::from_utf8_lossy(&out.stderr)
    );
    let said = String::from_utf8(out.stderr).unwrap();
    assert_eq!(said.lines().count(), 1, "{said}");
    assert!(said.contains("no\\u{1b}[2J\\n[KDN] accepted"), "{said}");
}
