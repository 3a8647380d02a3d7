//! `equal`: one figure written in several places is the same everywhere.
//!
//! # What it checks
//! All the `keys` (two or more) hold the same figure: the first is the reference, each
//! other that differs gets a finding.
//!
//! # Why
//! A form repeats some figures across sheets (members admitted on the admissions table
//! and in the membership movement); when they differ, one of them is wrong.
//!
//! # Example
//! 5 admitted on the *Kết nạp* total row and 4 on *Đảng viên* gives: *"Kết nạp mới trong
//! kỳ" ghi 4, nhưng "Đảng viên được kết nạp" ở sheet "Kết nạp" là 5: hai số phải bằng
//! nhau.*

use super::checker::num;
use super::{Checker, Doc, Example, Figure, Kind, Meta, Resolver};
use crate::finding::Shown;
use crate::lang::Msg;
use crate::spec::FieldRef;
use serde::Deserialize;

/// Fields of an `equal` rule.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Fields {
    keys: Vec<String>,
    /// The blank form computes every other key as a copy of the first and locks it.
    #[serde(default)]
    formula: bool,
}

/// Every one of `keys` equals the first, in each lane.
#[derive(Debug, Clone)]
pub struct Equal {
    lanes: Vec<Vec<FieldRef>>,
    formula: bool,
}

impl Kind for Equal {
    const DOC: Doc = Doc {
        kind: "equal",
        fields: "`keys` (two or more; lines of lists: in each figure column), `formula` (the blank form computes the other keys as copies of the first)",
        holds: "all are equal",
        why: "A form repeats some figures across sheets; when the copies differ, one of them is wrong.",
        example: Example {
            rule: r#"code = "XSHEET"
kind = "equal"
keys = ["admissions.admitted", "admitted"]
description = "Số kết nạp ở dòng Tổng cộng bằng số kết nạp ở sheet Đảng viên""#,
            figures: &[("admitted", Figure::Number(4.0))],
            message: "\"Kết nạp mới trong kỳ\" ghi 4, nhưng \"Đảng viên được kết nạp\" ở sheet \"Kết nạp\" là 5: hai số phải bằng nhau.",
        },
    };
    type Fields = Fields;

    fn resolve(f: Fields, r: &mut Resolver<'_>) -> Option<Self> {
        if f.keys.len() < 2 {
            r.problem("keys", "'equal' needs at least two keys");
        }
        let keys: Vec<&str> = f.keys.iter().map(String::as_str).collect();
        Some(Equal {
            lanes: r.lanes(&keys, "keys")?,
            formula: f.formula,
        })
    }

    fn check(&self, rule: &Meta, c: &mut Checker<'_>) {
        for lane in &self.lanes {
            check_lane(lane, rule, c);
        }
    }
}

impl Equal {
    /// When the blank form computes the copies: each (copy, the figure it copies). The
    /// first key is the one a unit types (or a table's total), so a finding always
    /// names the copy, the figure that was typed over or not recalculated.
    pub fn formulas(&self) -> impl Iterator<Item = (FieldRef, FieldRef)> + '_ {
        self.lanes
            .iter()
            .filter(|_| self.formula)
            .filter_map(|l| l.split_first())
            .flat_map(|(&first, rest)| rest.iter().map(move |&k| (k, first)))
    }
}

fn check_lane(keys: &[FieldRef], rule: &Meta, c: &mut Checker<'_>) {
    {
        let Some((&first, rest)) = keys.split_first() else {
            return;
        };
        let Some((a, first_at)) = c.number(first) else {
            return;
        };
        let (la, lae) = c.label(first);
        let sheet = &c.report.sheet_names[first_at.sheet];
        for &k in rest {
            let Some((b, at)) = c.number(k) else {
                continue;
            };
            if Checker::same(a, b, c.layout.field_type(k)) {
                continue;
            }
            let (lb, lbe) = c.label(k);
            let ((av, ae), (bv, be)) = (num(a), num(b));
            c.push(
                rule,
                at,
                Msg::new(
                    format!("\"{lb}\" ghi {bv}, nhưng \"{la}\" ở sheet \"{sheet}\" là {av}: hai số phải bằng nhau."),
                    format!("\"{lbe}\" is {be}, but \"{lae}\" on sheet \"{sheet}\" is {ae}: they must be equal."),
                ),
                Some(Shown::Number(b)),
                Some(Shown::Number(a)),
            );
        }
    }
}
