//! `percent`: a percentage agrees with its count and base.
//!
//! # What it checks
//! For each pair, `percent` = `count` / `base` × 100, within `tolerance` percentage
//! points (default: the form's `tolerance`). When the base is 0 the percentage must be 0.
//!
//! # Why
//! Units often compute a percentage by hand or from last period's figures. The province
//! recomputes its own percentages from summed counts, never from the units'
//! percentages, but a unit's form must be right as printed.
//!
//! # Example
//! 42 women among 105 members, written as 40,02 %, gives: *"Tỷ lệ đảng viên nữ" ghi
//! 40,02%, nhưng Đảng viên nữ 42 / Đảng viên cuối kỳ 105 × 100 = 40% (sai số cho phép
//! 0,01 điểm %).*

use super::checker::{EPS, num};
use super::{Checker, Doc, Example, Figure, Kind, Meta, Resolver};
use crate::finding::Shown;
use crate::lang::Msg;
use crate::spec::{FieldRef, FieldType};
use serde::Deserialize;

/// One percentage and the count it is the share of.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PairFields {
    percent: String,
    count: String,
}

/// Fields of a `percent` rule.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Fields {
    base: String,
    pairs: Vec<PairFields>,
    tolerance: Option<f64>,
}

/// Each `(percent, count)` pair: percent = count / base × 100 ± tolerance.
#[derive(Debug, Clone)]
pub struct Percent {
    base: FieldRef,
    pairs: Vec<(FieldRef, FieldRef)>,
    tolerance: f64,
}

impl Percent {
    /// The count and base `pct` is computed from, when this rule names it.
    pub fn source_of(&self, pct: FieldRef) -> Option<(FieldRef, FieldRef)> {
        self.pairs
            .iter()
            .find(|(p, _)| *p == pct)
            .map(|(_, c)| (*c, self.base))
    }

    /// Every percentage this rule computes, with its count, and the base.
    pub fn pairs(&self) -> (&[(FieldRef, FieldRef)], FieldRef) {
        (&self.pairs, self.base)
    }
}

impl Kind for Percent {
    const DOC: Doc = Doc {
        kind: "percent",
        fields: "`base`, `pairs` = `[{percent, count}]`, `tolerance` (default: the form's)",
        holds: "percent = count / base × 100 ± tolerance (0 when the base is 0)",
        why: "Units compute percentages by hand or from old figures; the province recomputes its own from summed counts, but a unit's form must be right as printed.",
        example: Example {
            rule: r#"code = "PCT"
kind = "percent"
base = "members_end"
pairs = [{ percent = "women_pct", count = "women" }]
description = "Tỷ lệ % bằng số lượng / đảng viên cuối kỳ x 100""#,
            figures: &[("women_pct", Figure::Number(40.02))],
            message: "\"Tỷ lệ đảng viên nữ\" ghi 40,02%, nhưng Đảng viên nữ 42 / Đảng viên cuối kỳ 105 × 100 = 40% (sai số cho phép 0,01 điểm %).",
        },
    };
    type Fields = Fields;

    fn resolve(f: Fields, r: &mut Resolver<'_>) -> Option<Self> {
        if f.pairs.is_empty() {
            r.problem("pairs", "at least one pair is required for kind 'percent'");
        }
        if let Some(t) = f.tolerance
            && !(t.is_finite() && (0.0..=100.0).contains(&t))
        {
            r.problem("tolerance", format_args!("{t} must be a number within 0..100"));
        }
        let base = r.numeric(&f.base, "base")?;
        let pairs = f
            .pairs
            .iter()
            .filter_map(|p| {
                let pct = r.numeric(&p.percent, "pairs.percent")?;
                let count = r.numeric(&p.count, "pairs.count")?;
                if r.layout().field_type(pct) != FieldType::Percent {
                    r.problem(
                        "pairs.percent",
                        format_args!("'{}' is not of type percent", p.percent),
                    );
                }
                Some((pct, count))
            })
            .collect();
        Some(Percent {
            base,
            pairs,
            tolerance: f.tolerance.unwrap_or(r.layout().tolerance),
        })
    }

    fn check(&self, rule: &Meta, c: &mut Checker<'_>) {
        let Some((b, _)) = c.number(self.base) else {
            return;
        };
        let (bl, ble) = c.label(self.base);
        for &(pf, cf) in &self.pairs {
            let (Some((p, at)), Some((n, _))) = (c.number(pf), c.number(cf)) else {
                continue;
            };
            let (l, le) = c.label(pf);
            let (pv, pe) = num(p);
            if b == 0.0 {
                if p != 0.0 {
                    c.push(
                        rule,
                        at,
                        Msg::new(
                            format!("\"{l}\" ghi {pv}% nhưng \"{bl}\" bằng 0: tỷ lệ phải là 0."),
                            format!("\"{le}\" is {pe}% but \"{ble}\" is 0: the percentage must be 0."),
                        ),
                        Some(Shown::Number(p)),
                        Some(Shown::Number(0.0)),
                    );
                }
                continue;
            }
            let expected = n / b * 100.0;
            if (p - expected).abs() <= self.tolerance + EPS {
                continue;
            }
            let (cl, cle) = c.label(cf);
            let exp = (expected * 100.0).round() / 100.0;
            let ((nv, ne), (bv, be), (ev, ee), (tv, te)) =
                (num(n), num(b), num(exp), num(self.tolerance));
            c.push(
                rule,
                at,
                Msg::new(
                    format!("\"{l}\" ghi {pv}%, nhưng {cl} {nv} / {bl} {bv} × 100 = {ev}% (sai số cho phép {tv} điểm %)."),
                    format!("\"{le}\" is {pe}%, but {cle} {ne} / {ble} {be} × 100 = {ee}% (tolerance {te} points)."),
                ),
                Some(Shown::Number(p)),
                Some(Shown::Number(exp)),
            );
        }
    }
}
