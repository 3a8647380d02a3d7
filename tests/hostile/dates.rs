//! Dates of the period: typed as text, day and month with or without their leading
//! zero, serials with or without a date format, and text that is no date.

use super::edit::{Cell, Pkg, text};
use super::{
    INFO, assert_accepted, assert_finding, assert_no_rule, figure, findings, run_one, status,
    typed_into,
};
use crate::common::rules_of;
use serde_json::Value;

fn period_case(edit: impl FnOnce(&mut Pkg)) -> Value {
    let mut p = Pkg::of("TGI");
    edit(&mut p);
    let sub = run_one(
        "TGI.xlsx",
        p.bytes(),
        &["--period", "01/01/2026..30/06/2026"],
        0,
    );
    assert_accepted(&sub);
    assert_no_rule(&sub, "PERIOD");
    assert_eq!(figure(&sub, "period_from"), "01/01/2026");
    assert_eq!(figure(&sub, "period_to"), "30/06/2026");
    sub
}

#[test]
fn period_typed_as_text_dd_mm_yyyy_is_accepted() {
    period_case(|p| {
        p.cell(INFO, "C8", text("01/01/2026"))
            .cell(INFO, "C9", text("30/06/2026"));
    });
}

#[test]
fn period_typed_as_text_d_m_yyyy_is_accepted() {
    period_case(|p| {
        p.cell(INFO, "C8", text("1/1/2026"))
            .cell(INFO, "C9", text(" 30/6/2026 "));
    });
}

#[test]
fn period_as_numbers_is_accepted_with_or_without_a_date_format() {
    // From: a date-time serial in the form's date format (typed "01/01/2026 08:30");
    // to: the bare serial in a General cell, as pasted from another program.
    let sub = period_case(|p| {
        p.cell(INFO, "C8", Cell::Number(46023.354166666664)).cell(
            INFO,
            "C9",
            Cell::Number(46203.0),
        );
        // Drop C9's style attribute, whatever its index.
        p.edit(INFO, |x| {
            let at = x.find("<c r=\"C9\" s=\"").expect("C9 has a style");
            let end = at + x[at..].find('>').unwrap();
            format!("{}<c r=\"C9\"{}", &x[..at], &x[end..])
        });
        assert!(
            p.text(INFO).contains("<c r=\"C9\"><v>46203</v>"),
            "C9 kept its date format"
        );
    });
    assert!(rules_of(&sub).is_empty(), "{:#}", sub["findings"]);
}

#[test]
fn garbage_date_text_is_a_type_error() {
    let sub = &typed_into(
        "TGI",
        INFO,
        "C8",
        "đầu năm 2026",
        &["--period", "01/01/2026..30/06/2026"],
        1,
    );
    assert_eq!(status(sub), "rejected");
    assert_finding(sub, "TYPE", "Thông tin", Some("C8"));
    assert_eq!(findings(sub, "TYPE")[0]["found"], "đầu năm 2026");
    assert_eq!(
        figure(sub, "period_from"),
        &serde_json::json!({ "invalid": "đầu năm 2026" })
    );
    // The period rule does not judge a date it could not read.
    assert_no_rule(sub, "PERIOD");
}
