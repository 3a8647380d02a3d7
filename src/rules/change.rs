//! `change`: a figure that moved far from the same period a year earlier is flagged for
//! the clerk to confirm, never blocked.
//!
//! # What it checks
//! Each of `keys` against the same figure of the unit in the archive's same period a
//! year earlier: a finding when it moved by more than `percent` per cent *and* by more
//! than `persons` (both, so that 2 admitted after 1 is not a 100% alarm, nor 40 more
//! members in a committee of 4,000).
//!
//! # Why
//! The provincial report quotes these changes (Mường Nhé +221.6%): a real change must be
//! confirmed before it is printed, and a typing slip (an extra digit) looks the same.
//!
//! # Example
//! 30 admitted against 10 a year earlier, with 50% and 10 persons as thresholds, gives:
//! *"Kết nạp mới trong kỳ" là 30, cùng kỳ năm trước (kỳ 01/01/2025 – 30/06/2025, tệp
//! DBP.xlsx) là 10: tăng 20 (200%), vượt cả hai ngưỡng 50% và 10 người. Đề nghị đơn vị
//! kiểm tra lại; nếu số liệu đúng, giải trình rõ lý do.*

use super::checker::{num, source_note};
use super::{Checker, Doc, Example, Figure, Kind, Meta, PastExample, Resolver};
use crate::finding::Shown;
use crate::lang::{Lang, Msg};
use crate::spec::FieldRef;
use serde::Deserialize;

/// Fields of a `change` rule.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Fields {
    keys: Vec<String>,
    percent: f64,
    persons: f64,
}

/// Each of `keys` within `percent` % or `persons` of its figure a year earlier.
#[derive(Debug, Clone)]
pub struct Change {
    keys: Vec<FieldRef>,
    percent: f64,
    persons: f64,
}

impl Kind for Change {
    const DOC: Doc = Doc {
        kind: "change",
        fields: "`keys`, `percent`, `persons`",
        holds: "each figure moved, against the archive's same period a year earlier, by at most `percent` % or at most `persons` (a finding needs both exceeded)",
        why: "A change the provincial report will quote must be confirmed; a typing slip looks the same.",
        example: Example {
            rule: r#"code = "CHANGE"
kind = "change"
severity = "warning"
keys = ["admitted"]
percent = 50
persons = 10
description = "Số kết nạp thay đổi nhiều so với cùng kỳ""#,
            figures: &[("admitted", Figure::Number(30.0))],
            message: "\"Kết nạp mới trong kỳ\" là 30, cùng kỳ năm trước (kỳ 01/01/2025 – 30/06/2025, tệp DBP.xlsx) là 10: tăng 20 (200%), vượt cả hai ngưỡng 50% và 10 người. Đề nghị đơn vị kiểm tra lại; nếu số liệu đúng, giải trình rõ lý do.",
        },
    };
    const LOOKS_BACK: bool = true;
    const PAST: PastExample = PastExample {
        figures: &[("admitted", 10.0)],
        closed: false,
        peers: None,
        own: &[],
    };
    type Fields = Fields;

    fn resolve(f: Fields, r: &mut Resolver<'_>) -> Option<Self> {
        for (name, v) in [("percent", f.percent), ("persons", f.persons)] {
            if !(v.is_finite() && v >= 0.0) {
                r.problem(name, format_args!("{v} must be a number of at least 0"));
            }
        }
        let keys = r.numerics(&f.keys, "keys");
        if keys.is_empty() {
            r.problem("keys", "at least one figure is required for kind 'change'");
        }
        Some(Change {
            keys,
            percent: f.percent,
            persons: f.persons,
        })
    }

    fn check(&self, rule: &Meta, c: &mut Checker<'_>) {
        let Some(past) = c.past else { return };
        let Some(reference) = &past.history.year_before else {
            return;
        };
        for &k in &self.keys {
            let Some((a, at)) = c.number(k) else { continue };
            let key = c.layout.field_key(k);
            // Through units that went in only in part, the figure is an estimate: not a
        // ground for a finding.
        let Some(looked) = reference.value(c.layout, past.unit, &key).filter(|l| l.exact) else {
                continue;
            };
            let b = looked.value;
            let moved = a - b;
            // From nothing, any rise beyond `persons` is the change to confirm.
            let pct = if b != 0.0 { moved / b * 100.0 } else { f64::INFINITY };
            if moved.abs() <= self.persons || pct.abs() <= self.percent {
                continue;
            }
            let (l, le) = c.label(k);
            let ((av, ae), (bv, be)) = (num(a), num(b));
            let ((dv, de), (tv, te)) = (num(moved.abs()), num(self.persons));
            let (pv, pe) = (Lang::Vi.number(self.percent), Lang::En.number(self.percent));
            let (sv, se) = if b != 0.0 {
                let p = (pct.abs() * 10.0).round() / 10.0;
                (
                    format!(" ({}%)", Lang::Vi.number(p)),
                    format!(" ({}%)", Lang::En.number(p)),
                )
            } else {
                (String::new(), String::new())
            };
            let (up, upe) = if moved > 0.0 {
                ("tăng", "up")
            } else {
                ("giảm", "down")
            };
            let (src, srce) = source_note(reference, &looked);
            c.push(
                rule,
                at,
                Msg::new(
                    format!("\"{l}\" là {av}, cùng kỳ năm trước ({src}) là {bv}: {up} {dv}{sv}, vượt cả hai ngưỡng {pv}% và {tv} người. Đề nghị đơn vị kiểm tra lại; nếu số liệu đúng, giải trình rõ lý do."),
                    format!("\"{le}\" is {ae}, against {be} in the same period a year earlier ({srce}): {upe} {de}{se}, beyond both thresholds, {pe}% and {te} persons. Ask the unit to check it; if the figure is right, the unit explains why."),
                ),
                Some(Shown::Number(a)),
                // Last year's figure is in the message; as the expected value it would
                // read "the rule wants 10" and invite overwriting a right 30.
                None,
            );
        }
    }
}
