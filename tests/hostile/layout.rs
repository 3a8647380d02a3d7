//! Layout drift: tables with blank or inserted rows, merged cells, hidden, extra and
//! stale sheets, another form or an old version of it.

use super::edit::{Book, Cell, Pkg, V, add_sheet, col, set_cell, sheet_xml};
use super::{
    ADM, AREA, FIRST_ROW, INFO, MEM, OK_UNIT, ROWS, SRC, TOTAL_ROW, assert_accepted,
    assert_finding, assert_no_rule, column, figure, findings, rows_listed, run_inbox, run_one,
    sample, status, typed_into,
};
use crate::common::{rules_of, submission};
use serde_json::Value;
use std::collections::BTreeMap;

/// The admissions table of `unit` rewritten by rust_xlsxwriter: data row `i` moves to
/// `rows[i]`, `extra` rows are added, and the total row goes to `total_row` with its
/// formulas and cached values following. Returns the workbook and the expected column sums.
fn moved_table(
    unit: &str,
    rows: &[u32],
    extra: &[(u32, &str, [f64; 7])],
    total_row: u32,
) -> (Vec<u8>, [f64; 7]) {
    let mut book = Book::read(&sample(unit));
    let t = book.sheet("Kết nạp");
    let cols: Vec<u16> = "CDEFGHI".chars().map(col).collect();
    let old: Vec<BTreeMap<(u32, u16), V>> = (0..ROWS)
        .map(|i| {
            t.iter()
                .filter(|((r, _), _)| *r == FIRST_ROW - 1 + i)
                .map(|(k, v)| (*k, v.clone()))
                .collect()
        })
        .collect();
    let total: BTreeMap<(u32, u16), V> = t
        .iter()
        .filter(|((r, _), _)| *r == TOTAL_ROW - 1)
        .map(|(k, v)| (*k, v.clone()))
        .collect();
    t.retain(|(r, _), _| *r < FIRST_ROW - 1);
    let mut sums = [0.0; 7];
    for (i, cells) in old.iter().enumerate() {
        for ((_, c), v) in cells {
            t.insert((rows[i] - 1, *c), v.clone());
            if let (Some(k), V::N(n)) = (cols.iter().position(|x| x == c), v) {
                sums[k] += n;
            }
        }
    }
    for (row, label, values) in extra {
        t.insert((row - 1, col('B')), V::S(label.to_string()));
        for (k, v) in values.iter().enumerate() {
            t.insert((row - 1, cols[k]), V::N(*v));
            sums[k] += v;
        }
    }
    let last = rows.iter().chain(extra.iter().map(|e| &e.0)).max().unwrap();
    for ((_, c), v) in total {
        let v = match (cols.iter().position(|x| *x == c), v) {
            (Some(k), V::F(..)) => {
                let l = (b'A' + c as u8) as char;
                V::F(format!("SUM({l}{FIRST_ROW}:{l}{last})"), sums[k])
            }
            (_, v) => v,
        };
        t.insert((total_row - 1, c), v);
    }
    (book.bytes(), sums)
}

fn assert_table_sums(report: &Value, sub: &Value, sums: [f64; 7]) {
    let keys = [
        "introduced",
        "trained",
        "admitted",
        "women",
        "ethnic",
        "youth",
        "under30",
    ];
    let ok = submission(report, &format!("{OK_UNIT}.xlsx"));
    for (k, key) in keys.iter().enumerate() {
        let table = &sub["tables"]["admissions"];
        let total = column(table, &table["total"], key);
        assert_eq!(total.as_f64(), Some(sums[k]), "total of {key}");
        let ok_sum: f64 = ok["tables"]["admissions"]["rows"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| {
                column(&ok["tables"]["admissions"], r, key)
                    .as_f64()
                    .unwrap()
            })
            .sum();
        assert_eq!(
            report["totals"][format!("admissions.{key}")].as_f64(),
            Some(sums[k] + ok_sum),
            "provincial admissions.{key}"
        );
    }
}

#[test]
fn blank_rows_inside_the_table_are_skipped_and_sums_are_right() {
    // Rows 4, 6, 9, 10 used; 5, 7, 8 blank; the total row moved down to 12 (one blank
    // row left above it).
    let (bytes, sums) = moved_table("TGI", &[4, 6, 9, 10], &[], 12);
    let report = run_inbox(&[("TGI.xlsx", bytes)], &[], 0);
    let sub = submission(&report, "TGI.xlsx");
    assert_accepted(sub);
    assert!(rules_of(sub).is_empty(), "{:#}", sub["findings"]);
    let t = &sub["tables"]["admissions"];
    let rows: Vec<u64> = t["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r[0].as_u64().unwrap())
        .collect();
    assert_eq!(rows, vec![4, 6, 9, 10]);
    assert_eq!(t["total"][0], 12);
    assert_table_sums(&report, sub, sums);
}

#[test]
fn rows_inserted_above_the_total_row_are_read_and_summed() {
    // Three organisations added above the total row, which moves from row 8 to row 11.
    // They introduced and trained candidates but admitted nobody, so the figures on
    // other sheets stay consistent.
    let extra = [
        (8, "Chi bộ bản Huổi Só", [3.0, 5.0, 0.0, 0.0, 0.0, 0.0, 0.0]),
        (
            9,
            "Chi bộ trường THCS Mường Đun",
            [2.0, 2.0, 0.0, 0.0, 0.0, 0.0, 0.0],
        ),
        (
            10,
            "Đảng bộ xã Tả Sìn Thàng",
            [7.0, 9.0, 0.0, 0.0, 0.0, 0.0, 0.0],
        ),
    ];
    let (bytes, sums) = moved_table("TGI", &[4, 5, 6, 7], &extra, 11);
    let report = run_inbox(&[("TGI.xlsx", bytes)], &[], 0);
    let sub = submission(&report, "TGI.xlsx");
    assert_accepted(sub);
    assert!(rules_of(sub).is_empty(), "{:#}", sub["findings"]);
    let t = &sub["tables"]["admissions"];
    assert_eq!(t["rows"].as_array().unwrap().len(), 7);
    assert_eq!(t["rows"][6][1], "Đảng bộ xã Tả Sìn Thàng");
    assert_eq!(t["total"][0], 11);
    assert_table_sums(&report, sub, sums);
}

#[test]
fn merged_cells_in_titles_and_total_label_are_read() {
    let mut p = Pkg::of("TGI");
    // The total label typed into column A and merged across A:B, as many units do; a
    // merged subtitle on row 2; the title already merged across the sheet.
    p.edit(ADM, |x| {
        let x = set_cell(&x, &format!("B{TOTAL_ROW}"), Cell::Blank);
        let x = x.replace(
            &format!("<row r=\"{TOTAL_ROW}\" spans=\"1:9\">"),
            &format!("<row r=\"{TOTAL_ROW}\" spans=\"1:9\"><c r=\"A{TOTAL_ROW}\" t=\"inlineStr\"><is><t>Tổng cộng</t></is></c>"),
        );
        let x = x.replace(
            "<row r=\"3\"",
            "<row r=\"2\"><c r=\"A2\" t=\"inlineStr\"><is><t>(Kèm theo báo cáo số 15-BC/HU)</t></is></c></row><row r=\"3\"",
        );
        x.replace(
            "<mergeCells count=\"1\"><mergeCell ref=\"A1:I1\"/></mergeCells>",
            &format!("<mergeCells count=\"3\"><mergeCell ref=\"A1:I1\"/><mergeCell ref=\"A2:I2\"/><mergeCell ref=\"A{TOTAL_ROW}:B{TOTAL_ROW}\"/></mergeCells>"),
        )
    });
    assert!(
        p.text(ADM).contains(&format!("A{TOTAL_ROW}:B{TOTAL_ROW}")),
        "merge not planted"
    );
    p.edit(INFO, |x| {
        x.replace(
            "<mergeCells count=\"1\"><mergeCell ref=\"A1:C1\"/>",
            "<mergeCells count=\"2\"><mergeCell ref=\"A1:C1\"/><mergeCell ref=\"A14:C14\"/>",
        )
    });
    let sub = &run_one("TGI.xlsx", p.bytes(), &[], 0);
    assert_no_rule(sub, "TOTAL");
    assert_accepted(sub);
    assert_eq!(sub["tables"]["admissions"]["total"][0], TOTAL_ROW);
    assert_eq!(rows_listed(sub), ROWS as usize);
}

#[test]
fn hidden_sheets_are_read() {
    let mut p = Pkg::of("TGI");
    p.edit("xl/workbook.xml", |x| {
        x.replace(
            "<sheet name=\"Tạo nguồn\" sheetId=\"3\"",
            "<sheet name=\"Tạo nguồn\" sheetId=\"3\" state=\"hidden\"",
        )
        .replace(
            "<sheet name=\"Địa bàn\" sheetId=\"5\"",
            "<sheet name=\"Địa bàn\" sheetId=\"5\" state=\"veryHidden\"",
        )
    });
    assert!(p.text("xl/workbook.xml").contains("veryHidden"));
    let classes = Pkg::of("TGI").number(SRC, "C4");
    let villages = Pkg::of("TGI").number(AREA, "C4");
    let sub = &run_one("TGI.xlsx", p.bytes(), &[], 0);
    assert_accepted(sub);
    assert_eq!(figure(sub, "classes").as_f64(), Some(classes));
    assert_eq!(figure(sub, "villages").as_f64(), Some(villages));
}

#[test]
fn an_extra_sheet_even_a_stale_copy_placed_first_is_ignored() {
    let mut p = Pkg::of("TGI");
    // A stale copy of a form sheet, first in the tab order, with other figures.
    let mut stale = p.text(MEM);
    for c in ["C4", "C5", "C10", "C12", "D12"] {
        stale = set_cell(&stale, c, Cell::Number(1.0));
    }
    add_sheet(&mut p, 99, "Đảng viên (cũ)", &stale, true);
    // And a sheet of notes, last.
    let notes = sheet_xml(
        "<row r=\"1\"><c r=\"A1\" t=\"inlineStr\"><is><t>Ghi chú của văn phòng</t></is></c></row>",
    );
    add_sheet(&mut p, 98, "Ghi chú", &notes, false);
    let members_end = Pkg::of("TGI").number(MEM, "C10");
    let sub = &run_one("TGI.xlsx", p.bytes(), &[], 0);
    assert_accepted(sub);
    assert_eq!(
        figure(sub, "members_end").as_f64(),
        Some(members_end),
        "read from the right sheet"
    );
    assert_eq!(sub["figures"]["members_end"]["sheet"], "Đảng viên");
}

#[test]
fn an_old_form_version_is_a_form_error() {
    let sub = &typed_into("TGI", INFO, "C4", "2025.1", &[], 1);
    assert_eq!(status(sub), "rejected");
    assert_finding(sub, "FORM", "Thông tin", Some("C4"));
    let f = findings(sub, "FORM")[0];
    assert_eq!(
        (f["found"].as_str(), f["expected"].as_str()),
        (Some("2025.1"), Some("2026.1"))
    );
    assert_eq!(sub["included_in_totals"], false);
}

#[test]
fn another_form_id_is_a_form_error() {
    let sub = &typed_into("TGI", INFO, "C3", "bao-cao-dang-vien", &[], 1);
    assert_eq!(status(sub), "rejected");
    assert_finding(sub, "FORM", "Thông tin", Some("C3"));
    assert_eq!(findings(sub, "FORM")[0]["found"], "bao-cao-dang-vien");
}
