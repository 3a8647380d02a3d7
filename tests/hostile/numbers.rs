//! Numbers as they arrive: counts and percentages typed as text, Vietnamese style
//! (`8.443`, `66,03`) or English style, ambiguous ones refused rather than guessed;
//! non-finite numbers, error values, formulas without their cached values.

use super::edit::{Cell, Pkg, cell_span, grouped, split_rows, unit_where};
use super::{
    ADM, FIRST_ROW, MEM, SRC, TOTAL_ROW, assert_accepted, assert_finding, assert_no_rule, column,
    figure, findings, run_one, status, typed_into,
};
use serde_json::Value;

/// `text` typed into `part`!`cell` of `unit`'s file: converted with a TEXTNUM warning at
/// that cell, the value used, the submission accepted.
fn textnum_case(
    unit: &str,
    part: &str,
    sheet: &str,
    cell: &str,
    key: &str,
    typed: &str,
    value: f64,
) {
    let sub = &typed_into(unit, part, cell, typed, &[], 0);
    assert_accepted(sub);
    assert_finding(sub, "TEXTNUM", sheet, Some(cell));
    let f = findings(sub, "TEXTNUM")[0];
    assert_eq!(f["severity"], "warning");
    assert_eq!(f["found"], typed.trim(), "{f}");
    assert_eq!(
        figure(sub, key).as_f64(),
        Some(value),
        "figures.{key} of {typed:?}: {:#}",
        sub["figures"][key]
    );
}

#[test]
fn count_typed_as_plain_digit_text_is_converted() {
    let (unit, v) = unit_where(MEM, "C4", |_| true);
    textnum_case(
        &unit,
        MEM,
        "Đảng viên",
        "C4",
        "members_start",
        &format!("{v}"),
        v,
    );
}

#[test]
fn count_typed_as_text_with_spaces_around_is_converted() {
    let (unit, v) = unit_where(MEM, "C4", |_| true);
    textnum_case(
        &unit,
        MEM,
        "Đảng viên",
        "C4",
        "members_start",
        &format!(" {v} "),
        v,
    );
}

#[test]
fn count_typed_with_vietnamese_thousands_dot_is_converted() {
    let (unit, v) = unit_where(MEM, "C4", |v| v >= 1000.0);
    let typed = grouped(v);
    assert!(typed.contains('.'), "{typed}");
    textnum_case(&unit, MEM, "Đảng viên", "C4", "members_start", &typed, v);
}

#[test]
fn percentage_typed_with_decimal_comma_is_converted() {
    let (unit, v) = unit_where(MEM, "D12", |v| v.fract() != 0.0);
    textnum_case(
        &unit,
        MEM,
        "Đảng viên",
        "D12",
        "women_pct",
        &format!("{v}").replace('.', ","),
        v,
    );
}

#[test]
fn percentage_typed_with_decimal_comma_and_percent_sign_is_converted() {
    let (unit, v) = unit_where(MEM, "D12", |v| v.fract() != 0.0);
    textnum_case(
        &unit,
        MEM,
        "Đảng viên",
        "D12",
        "women_pct",
        &format!("{}%", format!("{v}").replace('.', ",")),
        v,
    );
}

#[test]
fn percentage_typed_english_style_is_converted_when_unambiguous() {
    // Two decimals at most (the samples round to 0.01): never three, so never ambiguous.
    let (unit, v) = unit_where(MEM, "D12", |v| v.fract() != 0.0);
    textnum_case(
        &unit,
        MEM,
        "Đảng viên",
        "D12",
        "women_pct",
        &format!("{v}"),
        v,
    );
}

#[test]
fn percentage_typed_as_ambiguous_thousands_is_an_error_not_a_guess() {
    let sub = &typed_into("TGI", MEM, "D12", "1.234", &[], 1);
    assert_eq!(status(sub), "rejected");
    assert_finding(sub, "AMBIGUOUS", "Đảng viên", Some("D12"));
    assert_eq!(findings(sub, "AMBIGUOUS")[0]["severity"], "error");
    assert_eq!(findings(sub, "AMBIGUOUS")[0]["found"], "1.234");
    assert_no_rule(sub, "TEXTNUM");
    // Not read as 1234 nor as 1.234: the figure is invalid, and no rule judged a guess.
    assert_eq!(
        figure(sub, "women_pct"),
        &serde_json::json!({ "invalid": "1.234" })
    );
    assert_no_rule(sub, "RANGE");
    assert_no_rule(sub, "PCT");
    assert_eq!(sub["included_in_totals"], false);
}

#[test]
fn percentage_typed_with_thousands_dot_and_decimal_comma_is_read_in_full() {
    // `1.234,5` is 1234.5 (the default form has no decimal cell, so a percentage cell
    // takes it): converted, then out of range, never cut to 1.2345 or 1234.
    let sub = &typed_into("TGI", MEM, "D13", "1.234,5", &[], 1);
    assert_eq!(status(sub), "rejected");
    assert_finding(sub, "TEXTNUM", "Đảng viên", Some("D13"));
    assert_finding(sub, "RANGE", "Đảng viên", Some("D13"));
    assert_eq!(figure(sub, "ethnic_pct").as_f64(), Some(1234.5));
}

#[test]
fn non_finite_numbers_are_errors_not_silent_gaps() {
    // `<v>NaN</v>` and `<v>1e400</v>` (infinity once parsed) in count cells: a program
    // that wrote them had a bug, and the figure is unknown. It must be reported, never
    // dropped from the provincial sum while the unit counts as accepted.
    let mut p = Pkg::of("TGI");
    p.edit(SRC, |x| {
        x.replace(
            &format!("<v>{}</v>", Pkg::of("TGI").value(SRC, "C4")),
            "<v>NaN</v>",
        )
    });
    p.edit(SRC, |x| {
        let (s, e) = cell_span(&x, "C5").unwrap();
        let cell = x[s..e].to_string();
        let v = &cell[cell.find("<v>").unwrap()..cell.find("</v>").unwrap() + 4];
        x.replacen(&cell, &cell.replace(v, "<v>1e400</v>"), 1)
    });
    assert!(p.text(SRC).contains("<v>NaN</v>") && p.text(SRC).contains("<v>1e400</v>"));
    let sub = &run_one("TGI.xlsx", p.bytes(), &[], 1);
    assert_eq!(status(sub), "rejected", "{sub:#}");
    assert_eq!(sub["included_in_totals"], false);
    for cell in ["C4", "C5"] {
        let at: Vec<&Value> = sub["findings"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|f| f["sheet"] == "Tạo nguồn" && f["cell"] == cell)
            .collect();
        assert!(
            at.iter().any(
                |f| f["severity"] == "error" && (f["rule"] == "TYPE" || f["rule"] == "CELLERR")
            ),
            "no TYPE error at Tạo nguồn!{cell}: {:#}",
            sub["findings"]
        );
    }
}

#[test]
fn error_values_in_cells_are_cellerr_findings() {
    let mut p = Pkg::of("TGI");
    p.cell(MEM, "D12", Cell::Error("#DIV/0!")).cell(
        ADM,
        &format!("E{}", FIRST_ROW + 1),
        Cell::Error("#REF!"),
    );
    let sub = &run_one("TGI.xlsx", p.bytes(), &[], 1);
    assert_eq!(status(sub), "rejected");
    assert_finding(sub, "CELLERR", "Đảng viên", Some("D12"));
    assert_finding(
        sub,
        "CELLERR",
        "Kết nạp",
        Some(&format!("E{}", FIRST_ROW + 1)),
    );
    let found: Vec<&str> = findings(sub, "CELLERR")
        .iter()
        .map(|f| f["found"].as_str().unwrap())
        .collect();
    assert!(
        found.contains(&"#DIV/0!") && found.contains(&"#REF!"),
        "{found:?}"
    );
    assert_no_rule(sub, "PCT");
    assert_no_rule(sub, "SUM");
}

#[test]
fn formulas_without_cached_values_are_findings_not_zeros() {
    let mut p = Pkg::of("TGI");
    // Strip the calculated values of the total row's SUM formulas, as openpyxl writes them.
    p.edit(ADM, |x| {
        let (head, rows, tail) = split_rows(&x);
        let mut out = head;
        for (n, row) in rows {
            if n == TOTAL_ROW {
                let mut r = row.clone();
                while let Some(s) = r.find("</f><v>") {
                    let e = s + r[s..].find("</v>").unwrap() + 4;
                    r.replace_range(s + 4..e, "");
                }
                assert!(
                    r.contains("<f>SUM(") && r.matches("<v>").count() == 1,
                    "{r}"
                );
                out.push_str(&r);
            } else {
                out.push_str(&row);
            }
        }
        out + &tail
    });
    let sub = &run_one("TGI.xlsx", p.bytes(), &[], 1);
    assert_eq!(status(sub), "rejected");
    for c in ['C', 'D', 'E', 'F', 'G', 'H', 'I'] {
        assert_finding(sub, "FORMULA", "Kết nạp", Some(&format!("{c}{TOTAL_ROW}")));
    }
    let table = &sub["tables"]["admissions"];
    assert_eq!(
        *column(table, &table["total"], "admitted"),
        serde_json::json!({
            "invalid": format!(
                "=SUM(INDEX(E:E,ROW(E${})+1):INDEX(E:E,ROW()-1))",
                FIRST_ROW - 1
            )
        })
    );
    // Not taken as 0: neither SUM nor the cross-sheet check judged a missing value.
    assert_no_rule(sub, "SUM");
    assert_no_rule(sub, "XSHEET");
}

/// Two units reporting 1e308 classes were accepted, and the provincial total, infinity
/// once summed, was written as 0. A number beyond what a form can hold (2^53) is a TYPE
/// error at its cell, typed as a number or as text; even with --include-invalid it is
/// never summed, and the total is the other units' figure.
#[test]
fn a_count_beyond_what_a_form_holds_is_a_type_error_and_no_total_overflows() {
    let mut files = Vec::new();
    for unit in ["TGI", "MNH"] {
        let mut p = Pkg::of(unit);
        p.cell(SRC, "C4", Cell::Number(1e308));
        p.cell(SRC, "C5", super::edit::text("100.000.000.000.000.000.000"));
        files.push((format!("{unit}.xlsx"), p.bytes()));
    }
    let files: Vec<(&str, Vec<u8>)> = files.iter().map(|(n, b)| (n.as_str(), b.clone())).collect();
    let report = super::run_inbox(&files, &["--include-invalid"], 1);
    for (file, _) in &files {
        let sub = super::submission(&report, file);
        assert_eq!(status(sub), "rejected", "{sub:#}");
        assert_finding(sub, "TYPE", "Tạo nguồn", Some("C4"));
        assert_finding(sub, "TYPE", "Tạo nguồn", Some("C5"));
        let f = findings(sub, "TYPE")
            .into_iter()
            .find(|f| f["cell"] == "C4")
            .unwrap();
        // Shown short, not as 309 digits.
        assert_eq!(f["found"], "1e308", "{f}");
    }
    let ok = &crate::common::keyed(&report, super::submission(&report, "KDN.xlsx"));
    for key in ["classes", "attendees"] {
        assert_eq!(
            report["totals"][key], ok["figures"][key]["value"],
            "provincial {key}: {}",
            report["totals"]
        );
    }
}

/// Each unit's figure is within what a form holds (2^53 itself is the last), but two such
/// figures summed are not: an `f64` would hold the provincial total only roughly. It is
/// left without a figure and named in report.json's `totals_beyond_bound`, rather than
/// printed rounded, and the run exits 1; the other totals stand.
#[test]
fn a_provincial_total_past_two_to_the_53_is_left_blank_and_named() {
    let mut files = Vec::new();
    for unit in ["TGI", "MNH"] {
        let mut p = Pkg::of(unit);
        p.cell(SRC, "C4", Cell::Number(9_007_199_254_740_992.0));
        files.push((format!("{unit}.xlsx"), p.bytes()));
    }
    let files: Vec<(&str, Vec<u8>)> = files.iter().map(|(n, b)| (n.as_str(), b.clone())).collect();
    let report = super::run_inbox(&files, &["--include-invalid"], 1);
    for (file, _) in &files {
        let sub = super::submission(&report, file);
        assert_no_rule(sub, "TYPE");
        assert_eq!(sub["included_in_totals"], true, "{sub:#}");
    }
    assert!(
        report["totals"]["classes"].is_null(),
        "{}",
        report["totals"]
    );
    assert_eq!(
        report["totals_beyond_bound"],
        serde_json::json!(["classes"])
    );
    let ok = &crate::common::keyed(&report, super::submission(&report, "KDN.xlsx"));
    assert_eq!(
        report["totals"]["attendees"],
        ok["figures"]["attendees"]["value"].as_f64().unwrap()
            + files
                .iter()
                .map(
                    |(f, _)| crate::common::keyed(&report, super::submission(&report, f))["figures"]["attendees"]["value"]
                        .as_f64()
                        .unwrap()
                )
                .sum::<f64>()
    );
}

/// A cell reference past what a row number holds: `C4294967300` is row 2^32 + 4, which
/// release builds wrapped around to row 4, so its value was read as C4's, a form cell
/// (found by the `read_differential` fuzz target: debug builds panicked). It is no cell
/// of the form: the sheet is refused with a finding, the batch goes on.
#[test]
fn a_cell_reference_past_a_row_number_does_not_wrap_onto_a_form_cell() {
    let mut p = Pkg::of("TGI");
    p.edit(SRC, |x| {
        let (from, to) = cell_span(&x, "C4").expect("C4 on Tạo nguồn");
        let cell = x[from..to].replacen("r=\"C4\"", "r=\"C4294967300\"", 1);
        assert_ne!(cell, x[from..to]);
        format!("{}{cell}{}", &x[..from], &x[to..])
    });
    let report = super::run_inbox(&[("TGI.xlsx", p.bytes())], &[], 1);
    let sub = &crate::common::keyed(&report, super::submission(&report, "TGI.xlsx"));
    assert_finding(sub, "SHEET", "Tạo nguồn", None);
    // Not read as C4's figure.
    assert!(!sub["figures"]["classes"]["value"].is_number(), "{sub:#}");
}
