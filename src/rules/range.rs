//! `range`: figures within bounds.
//!
//! # What it checks
//! Every figure of the fields it applies to (by default every percentage) lies within
//! `min` and `max`, both included.
//!
//! # Why
//! A percentage of members cannot be above 100 or below 0; a figure outside its bounds
//! is a slip (a count typed in a percentage cell, a misplaced decimal point).
//!
//! # Example
//! With `min = 0`, `max = 100`, `women_pct = 140` gives: *"Tỷ lệ đảng viên nữ" phải nằm
//! trong khoảng từ 0 đến 100, nhưng là 140.*

use super::checker::{num, row_note};
use super::{Checker, Doc, Example, Figure, Kind, Meta, Resolver};
use crate::finding::Shown;
use crate::lang::Msg;
use crate::spec::{FieldRef, FieldType};
use serde::Deserialize;

/// Fields of a `range` rule.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Fields {
    keys: Option<Vec<String>>,
    types: Option<Vec<String>>,
    min: Option<f64>,
    max: Option<f64>,
}

/// Every figure of `targets` is within `min..=max`.
#[derive(Debug, Clone)]
pub struct Range {
    targets: Vec<FieldRef>,
    min: f64,
    max: f64,
}

impl Kind for Range {
    const DOC: Doc = Doc {
        kind: "range",
        fields: "`min`, `max`, `keys` or `types` (default: percentages)",
        holds: "min ≤ value ≤ max",
        why: "A percentage cannot leave 0..100; a figure outside its bounds is a count typed in the wrong cell or a misplaced decimal point.",
        example: Example {
            rule: r#"code = "RANGE"
kind = "range"
min = 0
max = 100
description = "Mọi tỷ lệ phần trăm nằm trong khoảng 0..100""#,
            figures: &[("women_pct", Figure::Number(140.0))],
            message: "\"Tỷ lệ đảng viên nữ\" phải nằm trong khoảng từ 0 đến 100, nhưng là 140.",
        },
    };
    type Fields = Fields;

    fn resolve(f: Fields, r: &mut Resolver<'_>) -> Option<Self> {
        if f.min.is_none() && f.max.is_none() {
            r.problem("min/max", "at least one of min and max is required for kind 'range'");
        }
        let (min, max) = (f.min.unwrap_or(f64::MIN), f.max.unwrap_or(f64::MAX));
        if !(min.is_finite() && max.is_finite() && min <= max) {
            r.problem("min/max", "need finite min <= max");
            return None;
        }
        Some(Range {
            targets: r.targets(
                f.keys.as_deref(),
                f.types.as_deref(),
                &[FieldType::Percent],
            ),
            min,
            max,
        })
    }

    fn check(&self, rule: &Meta, c: &mut Checker<'_>) {
        let ((minv, mine), (maxv, maxe)) = (num(self.min), num(self.max));
        for &f in &self.targets {
            let (l, le) = c.label(f);
            for (v, at, row) in c.all(f) {
                let Some(n) = v.number() else { continue };
                if (self.min..=self.max).contains(&n) {
                    continue;
                }
                let (rv, re) = row_note(row);
                let (nv, ne) = num(n);
                c.push(
                    rule,
                    at,
                    Msg::new(
                        format!("\"{l}\"{rv} phải nằm trong khoảng từ {minv} đến {maxv}, nhưng là {nv}."),
                        format!("\"{le}\"{re} must be within {mine} to {maxe}, but is {ne}."),
                    ),
                    Some(Shown::Number(n)),
                    Some(Shown::Between(self.min, self.max)),
                );
            }
        }
    }
}
