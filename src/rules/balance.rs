//! `balance`: a stock at the end follows from its movements.
//!
//! # What it checks
//! `result` equals the sum of the `plus` fields less the sum of the `minus` fields:
//! members at the end = at the start + admitted + transferred in + restored − deceased
//! − removed − transferred out, as the form lists them.
//!
//! # Why
//! A movement report that does not balance has a wrong figure somewhere; the province
//! must not adjust a unit's figures to make them balance, so the report goes back.
//!
//! # Example
//! 106 members at the end where 100 + 5 + 2 − 1 − 1 − 0 = 105 gives: *"Đảng viên cuối
//! kỳ" ghi 106, nhưng Đảng viên đầu kỳ 100 + Kết nạp mới trong kỳ 5 + Chuyển đến 2 −
//! Chuyển đi 1 − Từ trần 1 − Khai trừ, xóa tên, ra khỏi Đảng 0 = 105.*

use super::checker::num;
use super::{Checker, Doc, Example, Figure, Kind, Meta, Resolver};
use crate::finding::Shown;
use crate::lang::Msg;
use crate::spec::FieldRef;
use serde::Deserialize;

/// Fields of a `balance` rule.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Fields {
    result: String,
    #[serde(default)]
    plus: Vec<String>,
    #[serde(default)]
    minus: Vec<String>,
    /// The blank form computes the result with a formula (D = A + B − C) and locks it.
    #[serde(default)]
    formula: bool,
}

/// `result` = Σ `plus` − Σ `minus`, in each lane (one, or one per figure column when
/// the keys are lines of lists).
#[derive(Debug, Clone)]
pub struct Balance {
    lanes: Vec<Lane>,
    formula: bool,
}

#[derive(Debug, Clone)]
struct Lane {
    result: FieldRef,
    plus: Vec<FieldRef>,
    minus: Vec<FieldRef>,
}

impl Kind for Balance {
    const DOC: Doc = Doc {
        kind: "balance",
        fields: "`result`, `plus`, `minus` (lines of lists: in each figure column), `formula` (the blank form computes the result)",
        holds: "result = Σ plus − Σ minus",
        why: "A movement report that does not balance has a wrong figure; the province must never adjust a unit's figures to make them balance, so the report goes back.",
        example: Example {
            rule: r#"code = "BALANCE"
kind = "balance"
result = "members_end"
plus = ["members_start", "admitted", "transferred_in"]
minus = ["transferred_out", "deceased", "removed"]
description = "Cuối kỳ = đầu kỳ + kết nạp + chuyển đến - chuyển đi - từ trần - khai trừ, xóa tên""#,
            figures: &[("members_end", Figure::Number(106.0))],
            message: "\"Đảng viên cuối kỳ\" ghi 106, nhưng Đảng viên đầu kỳ 100 + Kết nạp mới trong kỳ 5 + Chuyển đến 2 − Chuyển đi 1 − Từ trần 1 − Khai trừ, xóa tên, ra khỏi Đảng 0 = 105.",
        },
    };
    type Fields = Fields;

    fn resolve(f: Fields, r: &mut Resolver<'_>) -> Option<Self> {
        let keys: Vec<&str> = std::iter::once(f.result.as_str())
            .chain(f.plus.iter().map(String::as_str))
            .chain(f.minus.iter().map(String::as_str))
            .collect();
        let lanes = r.lanes(&keys, "result/plus/minus")?;
        let np = f.plus.len();
        Some(Balance {
            lanes: lanes
                .into_iter()
                .map(|l| Lane {
                    result: l[0],
                    plus: l[1..1 + np].to_vec(),
                    minus: l[1 + np..].to_vec(),
                })
                .collect(),
            formula: f.formula,
        })
    }

    fn check(&self, rule: &Meta, c: &mut Checker<'_>) {
        for lane in &self.lanes {
            lane.check(rule, c);
        }
    }
}

impl Balance {
    /// When the blank form computes the result: each lane's (result, plus, minus).
    pub fn formulas(&self) -> impl Iterator<Item = (FieldRef, &[FieldRef], &[FieldRef])> {
        self.lanes
            .iter()
            .filter(|_| self.formula)
            .map(|l| (l.result, l.plus.as_slice(), l.minus.as_slice()))
    }
}

/// Terms beyond which a message names only those that are not 0.
const MANY_TERMS: usize = 8;

impl Lane {
    fn check(&self, rule: &Meta, c: &mut Checker<'_>) {
        let Some((found, mut at)) = c.number(self.result) else {
            return;
        };
        // A derived result (computed, not typed) is checked against the typed figures:
        // the finding goes where the unit typed.
        if matches!(self.result, FieldRef::Derived(_))
            && let Some((_, first)) = self.plus.iter().chain(&self.minus).find_map(|&f| c.number(f))
        {
            at = first;
        }
        let mut expected = 0.0;
        for (fs, sign) in [(&self.plus, 1.0), (&self.minus, -1.0)] {
            for &f in fs {
                let Some((n, _)) = c.number(f) else { return };
                expected += sign * n;
            }
        }
        // Nearly every lane of a clean file balances: its terms are written out only
        // for a finding (formatting them every time cost 2 % of a check).
        if Checker::same(found, expected, c.layout.field_type(self.result)) {
            return;
        }
        // Every term with its figure, but for a long breakdown (56 ethnic groups) only
        // the terms that are not 0: the unit needs the lines that count.
        let many = self.plus.len() + self.minus.len() > MANY_TERMS;
        let (mut terms, mut terms_en) = (Vec::new(), Vec::new());
        let mut zeros = 0;
        for (fs, sign) in [(&self.plus, 1.0), (&self.minus, -1.0)] {
            for &f in fs {
                let Some((n, _)) = c.number(f) else { return };
                if many && n == 0.0 {
                    zeros += 1;
                    continue;
                }
                let (l, le) = c.label(f);
                let s = if sign > 0.0 { "+" } else { "−" };
                let (nv, ne) = num(n);
                terms.push(format!("{s} {l} {nv}"));
                terms_en.push(format!("{s} {le} {ne}"));
            }
        }
        let (l, le) = c.label(self.result);
        let join = |v: Vec<String>| {
            let s = v.join(" ").trim_start_matches("+ ").to_string();
            if s.is_empty() { "0".to_string() } else { s }
        };
        let (rest, rest_en) = if zeros > 0 {
            (
                format!(" (các {zeros} dòng khác bằng 0)"),
                format!(" (the {zeros} other lines are 0)"),
            )
        } else {
            (String::new(), String::new())
        };
        let ((fv, fe), (ev, ee)) = (num(found), num(expected));
        // A derived figure is counted by tonghop from the unit's sheet, not written by
        // the unit: "ghi" (wrote) would blame the unit for a number it never typed.
        let (verb, verb_en) = if matches!(self.result, FieldRef::Derived(_)) {
            ("đếm được là", "counts")
        } else {
            ("ghi", "is")
        };
        c.push(
            rule,
            at,
            Msg::new(
                format!("\"{l}\" {verb} {fv}, nhưng {} = {ev}{rest}.", join(terms)),
                format!("\"{le}\" {verb_en} {fe}, but {} = {ee}{rest_en}.", join(terms_en)),
            ),
            Some(Shown::Number(found)),
            Some(Shown::Number(expected)),
        );
    }
}
