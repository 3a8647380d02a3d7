//! `previous`: the figures typed as *Cùng kỳ năm trước* are those reported a year ago.
//!
//! # What it checks
//! On every line of the lists that have both columns, the unit's `prev` column (same
//! period a year earlier) equals the `this` column of the same line in the archive's
//! same period a year earlier; for a unit that took over others, theirs added up.
//!
//! # Why
//! Units retype last year's figures into the comparison column by hand, from whatever
//! copy they have; the province has the figures they reported, and the percentage
//! change printed beside them is only as right as they are.
//!
//! # Severity
//! The rule's severity when the archive holds that period closed; a warning otherwise.
//!
//! # Example
//! 12 written for last year's members admitted, where the archive holds 10, gives:
//! *"Kết nạp — Cùng kỳ năm trước" ghi 12, nhưng kho lưu trữ ghi 10 cho cùng kỳ năm
//! trước (kỳ 01/01/2025 – 30/06/2025, tệp DBP.xlsx).*

use super::checker::{num, source_note};
use super::{Checker, Doc, Example, Figure, Kind, Meta, PastExample, Resolver};
use crate::finding::{Severity, Shown};
use crate::lang::Msg;
use crate::spec::FieldRef;
use serde::Deserialize;

/// Fields of a `previous` rule.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Fields {
    /// The key of the lists' column for the same period a year earlier.
    prev: String,
    /// The key of the lists' column for this period.
    this: String,
    /// The lists; default: every list that has both columns.
    lists: Option<Vec<String>>,
    /// Single figures instead: pairs `[prev, this]` of keys.
    pairs: Option<Vec<[String; 2]>>,
}

/// Each `(prev, this)`: the unit's `prev` = the archive's `this` a year earlier.
#[derive(Debug, Clone)]
pub struct Previous {
    pairs: Vec<(FieldRef, FieldRef)>,
}

impl Previous {
    /// Each (prev, this): a pre-filled form writes a year earlier's `this` into `prev`.
    pub fn pairs(&self) -> &[(FieldRef, FieldRef)] {
        &self.pairs
    }
}

impl Kind for Previous {
    const DOC: Doc = Doc {
        kind: "previous",
        fields: "`prev`, `this` (column keys of lists), `lists` (default: every list with both), or `pairs` = `[[prev, this]]` of single figures",
        holds: "each `prev` figure = the archive's `this` figure of the same line in the same period a year earlier; an error only when that period is closed, a warning otherwise",
        why: "Last year's figures are retyped by hand from whatever copy a unit has; the province holds what was reported.",
        example: Example {
            rule: r#"code = "PREV"
kind = "previous"
severity = "error"
prev = "prev"
this = "this"
pairs = [["admitted", "admitted"]]
description = "Cùng kỳ năm trước bằng số đã báo cáo năm trước""#,
            figures: &[("admitted", Figure::Number(12.0))],
            message: "\"Kết nạp mới trong kỳ\" ghi 12, nhưng kho lưu trữ ghi 10 cho cùng kỳ năm trước (kỳ 01/01/2025 – 30/06/2025, tệp DBP.xlsx).",
        },
    };
    const LOOKS_BACK: bool = true;
    const PAST: PastExample = PastExample {
        figures: &[("admitted", 10.0)],
        closed: true,
        peers: None,
        own: &[],
    };
    type Fields = Fields;

    fn resolve(f: Fields, r: &mut Resolver<'_>) -> Option<Self> {
        let layout = r.layout();
        let mut pairs = Vec::new();
        if let Some(given) = &f.pairs {
            for [p, t] in given {
                if let (Some(p), Some(t)) = (r.numeric(p, "pairs"), r.numeric(t, "pairs")) {
                    pairs.push((p, t));
                }
            }
            return Some(Previous { pairs });
        }
        let chosen: Vec<usize> = match &f.lists {
            Some(keys) => keys
                .iter()
                .filter_map(|k| {
                    let found = layout.lists.iter().position(|l| &l.key == k);
                    if found.is_none() {
                        r.problem("lists", format_args!("no list with key '{k}'"));
                    }
                    found
                })
                .collect(),
            None => (0..layout.lists.len()).collect(),
        };
        for list in chosen {
            let l = &layout.lists[list];
            let col = |k: &str| l.columns.iter().position(|c| c.key == k);
            let (Some(p), Some(t)) = (col(&f.prev), col(&f.this)) else {
                if f.lists.is_some() {
                    r.problem(
                        "lists",
                        format_args!("list '{}' has no columns '{}' and '{}'", l.key, f.prev, f.this),
                    );
                }
                continue;
            };
            for (row, line) in l.rows.iter().enumerate() {
                if !line.figures {
                    continue;
                }
                let at = |column| FieldRef::Item { list, row, column };
                if layout.field_type(at(p)).is_numeric() {
                    pairs.push((at(p), at(t)));
                }
            }
        }
        if pairs.is_empty() {
            r.problem("prev", "no list has both columns: the rule would check nothing");
        }
        Some(Previous { pairs })
    }

    fn check(&self, rule: &Meta, c: &mut Checker<'_>) {
        let Some(past) = c.past else { return };
        let Some(reference) = &past.history.year_before else {
            return;
        };
        for &(prev, this) in &self.pairs {
            let Some((a, at)) = c.number(prev) else {
                continue;
            };
            let key = c.layout.field_key(this);
            // Through units that went in only in part, the figure is an estimate: not a
        // ground for a finding.
        let Some(looked) = reference.value(c.layout, past.unit, &key).filter(|l| l.exact) else {
                continue;
            };
            if Checker::same(a, looked.value, c.layout.field_type(prev)) {
                continue;
            }
            let severity = if reference.closed {
                rule.severity
            } else {
                Severity::Warning
            };
            let (l, le) = c.label(prev);
            let ((av, ae), (bv, be)) = (num(a), num(looked.value));
            let (src, srce) = source_note(reference, &looked);
            c.push_as(
                rule,
                severity,
                at,
                Msg::new(
                    format!("\"{l}\" ghi {av}, nhưng kho lưu trữ ghi {bv} cho cùng kỳ năm trước ({src})."),
                    format!("\"{le}\" is {ae}, but the archive holds {be} for the same period a year earlier ({srce})."),
                ),
                Some(Shown::Number(a)),
                Some(Shown::Number(looked.value)),
            );
        }
    }
}
