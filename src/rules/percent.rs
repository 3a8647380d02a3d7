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
    /// A list whose every line the rule holds on: `base` and `pairs` then name its
    /// columns (`% so với cùng kỳ` = Kỳ này / Cùng kỳ năm trước × 100).
    list: Option<String>,
    /// `zero` (default): a percentage of a zero base is 0; `blank`: it is left blank,
    /// as a growth rate over nothing is undefined (0 is tolerated, see the check).
    zero_base: Option<String>,
}

/// Each `(percent, count)` pair of each lane: percent = count / base × 100 ±
/// tolerance. One lane, or one per line of a list.
#[derive(Debug, Clone)]
pub struct Percent {
    lanes: Vec<Lane>,
    tolerance: f64,
    /// The percentage of a zero base is blank rather than 0.
    blank_on_zero: bool,
}

#[derive(Debug, Clone)]
struct Lane {
    base: FieldRef,
    pairs: Vec<(FieldRef, FieldRef)>,
}

impl Percent {
    /// The count and base `pct` is computed from, when this rule names it.
    pub fn source_of(&self, pct: FieldRef) -> Option<(FieldRef, FieldRef)> {
        self.lanes.iter().find_map(|l| {
            l.pairs
                .iter()
                .find(|(p, _)| *p == pct)
                .map(|(_, c)| (*c, l.base))
        })
    }

    /// Every (percentage, count, base) this rule computes.
    pub fn triples(&self) -> impl Iterator<Item = (FieldRef, FieldRef, FieldRef)> + '_ {
        self.lanes
            .iter()
            .flat_map(|l| l.pairs.iter().map(move |&(p, c)| (p, c, l.base)))
    }

    /// Whether the percentage of a zero base is blank (else 0).
    pub fn blank_on_zero(&self) -> bool {
        self.blank_on_zero
    }
}

impl Kind for Percent {
    const DOC: Doc = Doc {
        kind: "percent",
        fields: "`base`, `pairs` = `[{percent, count}]`, `tolerance` (default: the form's); `list` (columns of a list, on every line), `zero_base` (`zero` or `blank`)",
        holds: "percent = count / base × 100 ± tolerance (0, or blank or 0 with `zero_base = \"blank\"`, when the base is 0)",
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
        let blank_on_zero = match f.zero_base.as_deref() {
            None | Some("zero") => false,
            Some("blank") => true,
            Some(o) => {
                r.problem("zero_base", format_args!("'{o}' is not zero or blank"));
                false
            }
        };
        let lanes = match &f.list {
            None => {
                let base = r.numeric(&f.base, "base")?;
                let pairs = f
                    .pairs
                    .iter()
                    .filter_map(|p| {
                        let pct = r.numeric(&p.percent, "pairs.percent")?;
                        let count = r.numeric(&p.count, "pairs.count")?;
                        Some((pct, count))
                    })
                    .collect();
                vec![Lane { base, pairs }]
            }
            Some(key) => {
                let layout = r.layout();
                let Some(li) = layout.lists.iter().position(|l| &l.key == key) else {
                    r.problem("list", format_args!("no list with key '{key}'"));
                    return None;
                };
                let l = &layout.lists[li];
                let column = |k: &str, field: &str, r: &mut Resolver<'_>| {
                    let c = l.columns.iter().position(|c| c.key == k);
                    if c.is_none() {
                        r.problem(field, format_args!("list '{key}' has no column '{k}'"));
                    }
                    c
                };
                let base = column(&f.base, "base", r)?;
                let pairs: Vec<(usize, usize)> = f
                    .pairs
                    .iter()
                    .filter_map(|p| {
                        Some((
                            column(&p.percent, "pairs.percent", r)?,
                            column(&p.count, "pairs.count", r)?,
                        ))
                    })
                    .collect();
                let item = |row, column| FieldRef::Item { list: li, row, column };
                (0..l.rows.len())
                    .filter(|&row| l.rows[row].figures)
                    .map(|row| Lane {
                        base: item(row, base),
                        pairs: pairs.iter().map(|&(p, c)| (item(row, p), item(row, c))).collect(),
                    })
                    .collect()
            }
        };
        for lane in &lanes {
            for &(pct, _) in &lane.pairs {
                if r.layout().field_type(pct) != FieldType::Percent {
                    r.problem(
                        "pairs.percent",
                        format_args!("'{}' is not of type percent", r.layout().field_key(pct)),
                    );
                    return None;
                }
            }
        }
        Some(Percent {
            lanes,
            tolerance: f.tolerance.unwrap_or(r.layout().tolerance),
            blank_on_zero,
        })
    }

    fn check(&self, rule: &Meta, c: &mut Checker<'_>) {
        for lane in &self.lanes {
            self.check_lane(lane, rule, c);
        }
    }
}

impl Percent {
    fn check_lane(&self, lane: &Lane, rule: &Meta, c: &mut Checker<'_>) {
        let Some((b, _)) = c.number(lane.base) else {
            return;
        };
        let (bl, ble) = c.label(lane.base);
        for &(pf, cf) in &lane.pairs {
            // Labels and numbers are written out only for a finding: formatting them
            // for every pair of a clean file cost 3 % of a check.
            let Some((n, _)) = c.number(cf) else {
                continue;
            };
            if b == 0.0 && self.blank_on_zero {
                // Undefined: the cell must be left blank. A 0 is let through: it is what
                // an .xls saved by LibreOffice holds for the template's formula, whose
                // result is an empty text, and it claims nothing a reader could take
                // for a growth rate.
                if let Some((p, at)) = c.scalar(pf).and_then(|(v, at)| Some((v.number()?, at)))
                    && p != 0.0
                {
                    let (l, le) = c.label(pf);
                    let (pv, pe) = num(p);
                    c.push(
                        rule,
                        at,
                        Msg::new(
                            format!("\"{l}\" ghi {pv}% nhưng \"{bl}\" bằng 0: tỷ lệ so với 0 không tính được, hãy để trống."),
                            format!("\"{le}\" is {pe}% but \"{ble}\" is 0: a percentage of 0 is undefined; leave it blank."),
                        ),
                        Some(Shown::Number(p)),
                        Some(Shown::Blank),
                    );
                }
                continue;
            }
            let Some((p, at)) = c.number(pf) else {
                continue;
            };
            if b == 0.0 {
                if p != 0.0 {
                    let (l, le) = c.label(pf);
                    let (pv, pe) = num(p);
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
            let (l, le) = c.label(pf);
            let (pv, pe) = num(p);
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
