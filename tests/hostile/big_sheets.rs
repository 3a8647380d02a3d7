//! Sheets far bigger than a form: a million rows, a table at the form's row limit, a
//! cell at XFD1048576. Each run is bounded in memory and time ([`super::run_bounded`]).

use super::edit::{Cell, Pkg, insert_rows};
use super::{
    ADM, AREA, FIRST_ROW, INFO, MEM, ROWS, SRC, TOTAL_ROW, assert_accepted, assert_finding,
    assert_no_rule, inbox, rows_listed, run_bounded, status,
};
use crate::common::{rules_of, submission};
use std::time::{Duration, Instant};

/// Stream the admissions sheet of `unit` with `blank` rows of formatted but empty cells
/// (what formatting whole columns leaves) inserted at row `at`; the rows from `at` on
/// move down.
pub(super) fn million_rows(unit: &str, at: u32, blank: u32, stray: Option<&str>) -> Vec<u8> {
    let mut p = Pkg::of(unit);
    p.edit(ADM, |x| {
        x.replace(
            "<dimension ref=\"A1:I8\"/>",
            "<dimension ref=\"A1:I1048576\"/>",
        )
    });
    let last = stray.map_or(String::new(), |s| {
        let n = 1_048_576;
        format!("<row r=\"{n}\"><c r=\"B{n}\" t=\"inlineStr\"><is><t>{s}</t></is></c></row>")
    });
    insert_rows(
        &p,
        at,
        blank,
        |out, n| {
            write!(
                out,
                "<row r=\"{n}\"><c r=\"B{n}\" s=\"3\"/><c r=\"E{n}\" s=\"3\"/></row>"
            )
            .unwrap();
        },
        &last,
    )
}

#[test]
fn a_sheet_with_a_million_rows_is_handled_quickly_in_bounded_memory() {
    let t = Instant::now();
    // TGI: a million blank formatted rows inserted above the total row, pushing it far
    // past the rows the form searches (max_rows): the total row is missing.
    let pushed = million_rows("TGI", TOTAL_ROW, 1_000_000, None);
    // MNH: the same million rows below the total row, and a stray text at the last row
    // of the sheet: the table ended at its total row, the rest is ignored.
    let below = million_rows("MNH", TOTAL_ROW + 1, 1_000_000, Some("rác"));
    eprintln!(
        "million rows: {} and {} bytes, built in {:?}",
        pushed.len(),
        below.len(),
        t.elapsed()
    );
    for f in [&pushed, &below] {
        assert!(
            f.len() < 50 << 20,
            "keep it under the default file limit: {}",
            f.len()
        );
    }
    let w = inbox(&[("TGI.xlsx", pushed), ("MNH.xlsx", below)]);
    let (report, took) = run_bounded(&w, 1);
    assert!(took < Duration::from_secs(30), "took {took:?}");
    let sub = submission(&report, "TGI.xlsx");
    assert_eq!(status(sub), "rejected");
    assert_finding(sub, "TOTAL", "Kết nạp", None);
    assert_eq!(rows_listed(sub), ROWS as usize);
    let sub = submission(&report, "MNH.xlsx");
    assert_accepted(sub);
    assert_eq!(sub["tables"]["admissions"]["total"][0], TOTAL_ROW);
}

#[test]
fn a_million_rows_of_zeros_without_names_stay_within_bounds() {
    // A fill-down gone too far: a 0 in "admitted" on a million rows below the table, no
    // organisation names, the total row pushed to the end. A file of a few MiB must not
    // need gigabytes or minutes, nor produce outputs hundreds of times its size.
    let bytes = insert_rows(
        &Pkg::of("TGI"),
        TOTAL_ROW,
        1_000_000,
        |out, n| write!(out, "<row r=\"{n}\"><c r=\"E{n}\"><v>0</v></c></row>").unwrap(),
        "",
    );
    assert!(bytes.len() < 50 << 20, "{}", bytes.len());
    let w = inbox(&[("TGI.xlsx", bytes)]);
    let (report, took) = run_bounded(&w, 1);
    assert!(took < Duration::from_secs(30), "took {took:?}");
    let sub = submission(&report, "TGI.xlsx");
    assert_eq!(status(sub), "rejected");
    assert_finding(sub, "TOTAL", "Kết nạp", None);
    // The table ends at its last named row when its total is lost: the zeros under it
    // are no rows, so no finding per row (one NAME per zero, capped, before).
    assert_no_rule(sub, "NAME");
    for f in [
        "out/report.json",
        "out/tong-hop.xlsx",
        "out/tra-lai/TGI.xlsx",
    ] {
        let size = std::fs::metadata(w.path(f)).unwrap().len();
        assert!(size < 32 << 20, "{f} is {size} bytes");
    }
}

/// The admissions table of `unit` with `extra` valid rows added above the total row
/// (each introduced 1 and trained 1 candidate, admitted none), the total row's figures
/// set to the new sums. Returns the file and the total row (one-based).
fn long_table(unit: &str, extra: u32) -> (Vec<u8>, u32) {
    (added_rows(unit, extra, false), TOTAL_ROW + extra)
}

/// [`long_table`] whose added rows' seven figures are all formulas with their cached
/// results (`=1+0`, `=0+0`), as a clerk's sheet is when each village's row is computed.
fn formula_table(unit: &str, extra: u32) -> Vec<u8> {
    added_rows(unit, extra, true)
}

fn added_rows(unit: &str, extra: u32, formulas: bool) -> Vec<u8> {
    let mut p = Pkg::of(unit);
    // The total row's new sums, set before it moves down.
    for c in ['C', 'D'] {
        let at = format!("{c}{TOTAL_ROW}");
        let sum = p.number(ADM, &at) + extra as f64;
        p.cell(ADM, &at, Cell::Number(sum));
    }
    insert_rows(
        &p,
        TOTAL_ROW,
        extra,
        |out, n| {
            write!(out, "<row r=\"{n}\"><c r=\"A{n}\"><v>{}</v></c><c r=\"B{n}\" t=\"inlineStr\"><is><t>Chi bộ thôn số {n}</t></is></c>", n - FIRST_ROW + 1).unwrap();
            for (c, v) in "CDEFGHI".chars().zip([1, 1, 0, 0, 0, 0, 0]) {
                if formulas {
                    write!(out, "<c r=\"{c}{n}\"><f>{v}+0</f><v>{v}</v></c>").unwrap();
                } else {
                    write!(out, "<c r=\"{c}{n}\"><v>{v}</v></c>").unwrap();
                }
            }
            out.write_all(b"</row>").unwrap();
        },
        "",
    )
}

#[test]
fn a_table_at_the_forms_row_limit_is_checked_in_linear_time() {
    // The form searches 100,000 rows for the total row: a valid table that long (a
    // province collecting from every village cell directly) is checked in seconds.
    let extra = 99_990;
    let (bytes, total_row) = long_table("TGI", extra);
    assert!(bytes.len() < 50 << 20, "{}", bytes.len());
    let w = inbox(&[("TGI.xlsx", bytes)]);
    let (report, _) = run_bounded(&w, 0);
    let sub = submission(&report, "TGI.xlsx");
    assert_accepted(sub);
    assert!(rules_of(sub).is_empty(), "{:#}", sub["findings"]);
    let t = &sub["tables"]["admissions"];
    // 100,000 rows are over the detail's automatic limit: counted, summed, not listed.
    assert_eq!(report["detail"], false);
    assert_eq!(t["row_count"], (ROWS + extra) as u64);
    assert!(t.get("rows").is_none());
    assert_eq!(t["total"][0], total_row);
}

#[test]
fn a_cell_at_xfd1048576_does_not_allocate_the_sheet() {
    let mut p = Pkg::of("TGI");
    for part in [INFO, ADM, SRC, MEM, AREA] {
        p.edit(part, |x| {
            let x = x.replace(
                "</sheetData>",
                "<row r=\"1048576\"><c r=\"XFD1048576\"><v>1</v></c></row></sheetData>",
            );
            let s = x.find("<dimension ref=\"").unwrap() + "<dimension ref=\"".len();
            let e = s + x[s..].find('"').unwrap();
            format!("{}A1:XFD1048576{}", &x[..s], &x[e..])
        });
    }
    let w = inbox(&[("TGI.xlsx", p.bytes())]);
    let (report, _) = run_bounded(&w, 0);
    assert_accepted(submission(&report, "TGI.xlsx"));
}

/// `.xls` and `.ods` sheets come as calamine's value and formula ranges, and each formula
/// used to be matched against every value cell collected before it: 10,000 rows with
/// formulas in the 7 figure columns took 10.5 s as `.ods` and 9.5 s as `.xls` (0.2 s as
/// `.xlsx`), several times that in a debug build, past this test's 30 s. Made by
/// LibreOffice, as clerks' converted files are, they now read in linear time, every
/// cached result a figure.
#[test]
fn formula_filled_xls_and_ods_read_in_linear_time() {
    let extra = 10_000;
    let w = inbox(&[]);
    for (unit, format) in [("TGI", "ods"), ("MNH", "xls")] {
        let xlsx = w.put(&format!("src/{unit}.xlsx"), &formula_table(unit, extra));
        let made = crate::common::lo::convert(&xlsx, format, &w.path("made"));
        std::fs::copy(&made, w.path(&format!("inbox/{unit}.{format}"))).unwrap();
    }
    let (report, took) = run_bounded(&w, 0);
    for f in ["TGI.ods", "MNH.xls"] {
        let sub = submission(&report, f);
        assert_accepted(sub);
        let t = &sub["tables"]["admissions"];
        assert_eq!(t["row_count"], (ROWS + extra) as u64, "{f}");
        assert_eq!(t["total"][0], TOTAL_ROW + extra, "{f}");
    }
    eprintln!("two files of {} formulas each: {took:?}", 7 * extra);
}
