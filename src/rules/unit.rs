//! `unit`: the submission is from one of the expected units.
//!
//! # What it checks
//! The unit code is one of the form's units; failing that, the unit name (or an alias)
//! names one, in which case a `UNITNAME` warning asks for the code instead. This rule
//! is applied by [`identify`], which also decides whose figures the file holds.
//!
//! When the code cell holds the form's lookup of the name and the program that saved the
//! file never calculated it (LibreOffice's `.xls` writes it as 0), the name gives the
//! code as that lookup would (the unit's name exactly, but for case, as texts are read:
//! trimmed and in NFC), and nothing is asked of the unit; a name the lookup would not
//! have matched is still recognised, with a warning asking to choose it again.
//!
//! # Why
//! A file of an unknown unit cannot be summed: its figures belong to nobody in the
//! province, and a code typed wrong must not make a unit look missing.
//!
//! # Example
//! The code `XYZ` with the name `Huyện Không Có` gives: *Mã đơn vị "XYZ" và tên "Huyện
//! Không Có" không thuộc danh sách đơn vị phải báo cáo. Hãy chọn đúng tên đơn vị (mã tự
//! điền) hoặc ghi đúng mã đơn vị.* The code `MUONGNHEE` adds *Có phải là: Đảng bộ xã
//! Mường Nhé (mã MUONGNHE)?*

use super::{Checker, Doc, Example, Figure, Kind, Meta, Resolver, RuleSet};
use crate::extract::{Report, Value};
use crate::finding::{Builtin, Finding, Shown};
use crate::lang::Msg;
use crate::period::Period;
use crate::spec::Layout;
use crate::text::date::format_date;
use crate::text::{is_invisible, strip_invisible};
use chrono::NaiveDate;
use serde::Deserialize;

/// A `unit` rule takes no fields of its own.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Fields {}

/// The unit code or name is one of the form's units.
#[derive(Debug, Clone)]
pub struct Unit;

impl Kind for Unit {
    const DOC: Doc = Doc {
        kind: "unit",
        fields: "—",
        holds: "the unit code (or name) is an expected unit",
        why: "A file of an unknown unit cannot be summed, and a code typed wrong must not make a unit look missing.",
        example: Example {
            rule: r#"code = "UNIT"
kind = "unit"
description = "Mã đơn vị là một trong các đơn vị phải báo cáo""#,
            figures: &[
                ("unit_code", Figure::Text("XYZ")),
                ("unit_name", Figure::Text("Huyện Không Có")),
            ],
            message: "Mã đơn vị \"XYZ\" và tên \"Huyện Không Có\" không thuộc danh sách đơn vị phải báo cáo. Hãy chọn đúng tên đơn vị (mã tự điền) hoặc ghi đúng mã đơn vị.",
        },
    };
    type Fields = Fields;

    fn resolve(_: Fields, _: &mut Resolver<'_>) -> Option<Self> {
        Some(Unit)
    }

    /// Applied by [`identify`], before the other rules, since it decides the unit.
    fn check(&self, _: &Meta, _: &mut Checker<'_>) {}
}

/// Which unit the report is from: its code, else its name (with a UNITNAME warning),
/// else none (with the form's `unit` rule finding, when it has one). A unit is looked
/// for among those that exist at the end of the file's own period, when it states one:
/// a 2024 report is from one of the units of 2024.
pub fn identify(layout: &Layout, rules: &RuleSet, report: &Report) -> (Option<usize>, Vec<Finding>) {
    let id = layout.identity;
    let typed = report.cells[id.unit_code].text().unwrap_or("").trim().to_string();
    // A zero-width space, a byte order mark or a direction override typed or pasted into
    // the code: invisible on screen, so "DBP" looks right and is not. The code is read
    // without them, and the file gets a finding that shows them (`DBP\u{200b}`).
    let code = strip_invisible(&typed).trim().to_string();
    let name = id
        .unit_name
        .and_then(|i| report.cells[i].text())
        .unwrap_or("")
        .to_string();
    let on = report_day(layout, report);
    let cell = &layout.cells[id.unit_code];
    // Whether the blank form offers the names in a drop-down, for what the messages ask.
    let listed = layout.has_unit_list();
    let mut out = Vec::new();
    if let Some(u) = layout.units.by_code(&code) {
        let unit = &layout.units[u];
        if code != typed {
            out.push(hidden_characters(rules.unit_rule(), &typed, &unit.code).at(cell.sheet, Some(cell.pos)));
        }
        // The code decides, but a name holding an invisible character is the same mistake
        // (pasted from a web page or a chat): said, so that the unit's next file is clean.
        if let Some(ni) = id.unit_name
            && name.chars().any(is_invisible)
        {
            let at = &layout.cells[ni];
            let hidden = hidden_list(&name);
            out.push(
                Finding::warning(
                    Builtin::UnitName,
                    Msg::new(
                        format!("Tên đơn vị \"{name}\" chứa ký tự ẩn không nhìn thấy được ({hidden}). Hãy xóa hết nội dung ô rồi {} tên \"{}\".", if listed { "chọn lại" } else { "gõ lại" }, unit.name),
                        format!("Unit name \"{name}\" holds invisible characters ({hidden}). Clear the cell and {} the name \"{}\" again.", if listed { "choose" } else { "type" }, unit.name),
                    ),
                )
                .at(at.sheet, Some(at.pos))
                .found(name.clone())
                .expected(unit.name.clone()),
            );
        }
        match on.filter(|&d| !unit.exists_on(d)) {
            None => return (Some(u), out),
            Some(day) => {
                if let Some(r) = rules.unit_rule() {
                    out.push(not_then(r, unit, day).at(cell.sheet, Some(cell.pos)).found(code));
                }
                return (None, out);
            }
        }
    }
    // The form's lookup, never calculated, gives the code of the unit of the name chosen:
    // VLOOKUP matches the name exactly but for case (the name as every text is read:
    // trimmed, in NFC). The unit chose the name and cannot write into the code's cell.
    if report.code_uncalculated
        && let Some(u) = layout.units.by_exact_name(&name, on)
    {
        return (Some(u), out);
    }
    let by_name = layout.units.by_name(&strip_invisible(&name), on);
    if let Some(u) = by_name {
        let unit = &layout.units[u];
        let message = if report.code_uncalculated {
            Msg::new(
                format!("Tên đơn vị \"{name}\" không ghi đúng như trong danh sách nên mã đơn vị không tự điền; đã nhận theo tên là {} (mã {}). Hãy chọn lại tên đơn vị trong danh sách.", unit.name, unit.code),
                format!("The unit name \"{name}\" is not written as in the list, so the unit code is not filled in; recognised by name as {} (code {}). Choose the name from the list again.", unit.name, unit.code),
            )
        } else {
            Msg::new(
                format!("Mã đơn vị \"{typed}\" không đúng hoặc để trống; đã nhận theo tên là {} (mã {}). Hãy ghi mã {}.", unit.name, unit.code, unit.code),
                format!("Unit code \"{typed}\" is missing or unknown; recognised by name as {} (code {}). Write the code {}.", unit.name, unit.code, unit.code),
            )
        };
        out.push(
            Finding::warning(Builtin::UnitName, message)
            .at(cell.sheet, Some(cell.pos))
            .found(typed)
            .expected(unit.code.clone()),
        );
    } else if let Some(r) = rules.unit_rule()
        && !report.sheet_missing[cell.sheet]
    {
        let expected = layout.units.expected(on.map(|d| Period { from: d, to: d }));
        let codes: Vec<&str> = expected.iter().map(|&u| layout.units[u].code.as_str()).collect();
        // What the unit probably meant, by its code or its name: said in the message, so
        // the clerk need not search a list of 49 codes.
        let near: Vec<&crate::spec::Unit> = layout
            .units
            .nearest(&[&code, &strip_invisible(&name)], &expected, 3)
            .into_iter()
            .map(|u| &layout.units[u])
            .collect();
        let (what, what_en) = if listed {
            (
                "Hãy chọn đúng tên đơn vị (mã tự điền) hoặc ghi đúng mã đơn vị.",
                "Choose the right unit name (the code follows) or write the right unit code.",
            )
        } else {
            ("Hãy ghi đúng tên và mã đơn vị.", "Write the right unit name and code.")
        };
        let (vi, en) = if near.is_empty() {
            (what.to_string(), what_en.to_string())
        } else {
            let list = |w: &str| near.iter().map(|u| format!("{} ({w} {})", u.name, u.code)).collect::<Vec<_>>().join("; ");
            (
                format!("Có phải là: {}? {what}", list("mã")),
                format!("Did you mean: {}? {what_en}", list("code")),
            )
        };
        out.push(
            Finding::new(
                r.code.clone(),
                r.severity,
                Msg::new(
                    format!("Mã đơn vị \"{typed}\" và tên \"{name}\" không thuộc danh sách đơn vị phải báo cáo. {vi}"),
                    format!("Unit code \"{typed}\" and name \"{name}\" are not among the expected units. {en}"),
                ),
            )
            .at(cell.sheet, Some(cell.pos))
            .found(typed)
            .expected(Shown::Text(codes.join(", "))),
        );
    }
    (by_name, out)
}

/// The invisible characters of `s` by their code points: `U+200B, U+202E`.
fn hidden_list(s: &str) -> String {
    let hidden: Vec<String> = s
        .chars()
        .filter(|&c| is_invisible(c))
        .map(|c| format!("U+{:04X}", c as u32))
        .collect();
    hidden.join(", ")
}

/// A unit code that names `code` once its invisible characters are taken out: the
/// form's `unit` rule finding (an error by default: the unit is identified, and its file
/// returned to be fixed), or a UNITNAME warning when the form has no such rule.
fn hidden_characters(rule: Option<&Meta>, typed: &str, code: &str) -> Finding {
    let hidden = hidden_list(typed);
    let message = Msg::new(
        format!("Mã đơn vị \"{typed}\" chứa ký tự ẩn không nhìn thấy được ({hidden}); đã đọc là {code}. Hãy xóa hết nội dung ô rồi gõ lại mã {code}."),
        format!("Unit code \"{typed}\" holds invisible characters ({hidden}); read as {code}. Clear the cell and type the code {code} again."),
    );
    match rule {
        Some(r) => Finding::new(r.code.clone(), r.severity, message),
        None => Finding::warning(Builtin::UnitName, message),
    }
    .found(typed)
    .expected(code)
}

/// The day a report's figures are counted at: the end of its own period.
fn report_day(layout: &Layout, report: &Report) -> Option<NaiveDate> {
    let id = layout.identity;
    report.cells[id.period_to]
        .date()
        .or_else(|| report.cells[id.period_from].date())
}

/// A unit that did not exist at the end of the file's period.
fn not_then(rule: &Meta, unit: &crate::spec::Unit, day: NaiveDate) -> Finding {
    let d = format_date(day);
    let (vi, en) = match (unit.from, unit.to) {
        (Some(f), _) if day < f => (
            format!("chỉ báo cáo từ ngày {}", format_date(f)),
            format!("reports only from {}", format_date(f)),
        ),
        (_, Some(t)) => (
            format!("đã thôi báo cáo từ sau ngày {}", format_date(t)),
            format!("no longer reports after {}", format_date(t)),
        ),
        _ => (String::new(), String::new()),
    };
    Finding::new(
        rule.code.clone(),
        rule.severity,
        Msg::new(
            format!("Mã đơn vị \"{}\" là của {}, đơn vị {vi}; kỳ báo cáo của tệp kết thúc ngày {d}. Hãy dùng đúng mã của đơn vị ở kỳ này.", unit.code, unit.name),
            format!("Unit code \"{}\" is {}, which {en}; the file's period ends on {d}. Use the code of the unit as it is in this period.", unit.code, unit.name),
        ),
    )
}

/// Whether the unit code is blank and the name names a unit: [`identify`] warns, so
/// the blank code is not also a required-cell error.
pub(super) fn code_blank_but_named(layout: &Layout, report: &Report) -> bool {
    let id = layout.identity;
    report.cells[id.unit_code] == Value::Blank
        && id
            .unit_name
            .and_then(|i| report.cells[i].text())
            .is_some_and(|n| {
                layout
                    .units
                    .by_name(&strip_invisible(n), report_day(layout, report))
                    .is_some()
            })
}
