//! `whole_number`: counts are whole numbers, never negative.
//!
//! # What it checks
//! Every figure of the fields it applies to (by default every count; for a table
//! column, every row and the total row) is an integer ≥ 0.
//!
//! # Why
//! A count of people or organisations cannot be negative or fractional; `-1` or `2,5`
//! is a typing slip, and summed it would quietly corrupt the province's figure.
//!
//! # Example
//! `deceased = -1` gives: *"Từ trần" phải là số nguyên không âm, nhưng là -1 (số âm).*

use super::checker::{num, row_note};
use super::{Checker, Doc, Example, Figure, Kind, Meta, Resolver};
use crate::finding::Shown;
use crate::lang::Msg;
use crate::spec::{FieldRef, FieldType};
use serde::Deserialize;

/// Fields of a `whole_number` rule.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Fields {
    keys: Option<Vec<String>>,
    types: Option<Vec<String>>,
}

/// Every figure of `targets` is an integer ≥ 0.
#[derive(Debug, Clone)]
pub struct WholeNumber {
    targets: Vec<FieldRef>,
}

impl Kind for WholeNumber {
    const DOC: Doc = Doc {
        kind: "whole_number",
        fields: "`keys` or `types` (default: every count)",
        holds: "the value is an integer ≥ 0",
        why: "A count of people or organisations cannot be negative or fractional: it is a typing slip that, summed, would corrupt the province's figure.",
        example: Example {
            rule: r#"code = "INT"
kind = "whole_number"
description = "Mọi chỉ tiêu số lượng là số nguyên không âm""#,
            figures: &[("deceased", Figure::Number(-1.0))],
            message: "\"Từ trần\" phải là số nguyên không âm, nhưng là -1 (số âm).",
        },
    };
    type Fields = Fields;

    fn resolve(f: Fields, r: &mut Resolver<'_>) -> Option<Self> {
        Some(WholeNumber {
            targets: r.targets(f.keys.as_deref(), f.types.as_deref(), &[FieldType::Count]),
        })
    }

    fn check(&self, rule: &Meta, c: &mut Checker<'_>) {
        for &f in &self.targets {
            let (l, le) = c.label(f);
            for (v, at, row) in c.all(f) {
                let Some(n) = v.number() else { continue };
                if n >= 0.0 && n.fract() == 0.0 {
                    continue;
                }
                let (rv, re) = row_note(row);
                let (why, why_en) = if n < 0.0 {
                    ("số âm", "negative")
                } else {
                    ("số lẻ thập phân", "fractional")
                };
                let (nv, ne) = num(n);
                c.push(
                    rule,
                    at,
                    Msg::new(
                        format!("\"{l}\"{rv} phải là số nguyên không âm, nhưng là {nv} ({why})."),
                        format!("\"{le}\"{re} must be a whole number ≥ 0, but is {ne} ({why_en})."),
                    ),
                    Some(Shown::Number(n)),
                    Some(if n < 0.0 {
                        Shown::AtLeast(0.0)
                    } else {
                        Shown::Number(n.round())
                    }),
                );
            }
        }
    }
}
