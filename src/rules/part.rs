//! `part`: a breakdown never exceeds its whole.
//!
//! # What it checks
//! For each group of `parts`, the sum of its fields is at most `whole`. When the whole
//! and all parts are columns of one table, this holds on every row and on the total
//! row; otherwise on the single figures.
//!
//! # Why
//! Women admitted cannot outnumber those admitted, nor villages without a member the
//! villages: such a figure is a slip in one of the two cells.
//!
//! # Example
//! 40 women among 30 members at the end gives: *"Đảng viên nữ" là 40 nhưng không được
//! vượt quá "Đảng viên cuối kỳ" (30).*

use super::checker::{At, EPS, num, row_note};
use super::{Checker, Doc, Example, Figure, Kind, Meta, Resolver};
use crate::extract::{Row, Value};
use crate::finding::Shown;
use crate::lang::Msg;
use crate::spec::FieldRef;
use serde::Deserialize;
use std::borrow::Cow;

/// One part's figures down a table, each with where it was read.
type LaneFigures<'a> = Vec<(Cow<'a, Value>, At)>;

/// Fields of a `part` rule.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Fields {
    whole: String,
    parts: Vec<Vec<String>>,
    /// A list whose every line the rule holds on: `whole` and `parts` then name its
    /// columns (Trong đó: nữ ≤ Tổng số on each line of Biểu 2B).
    list: Option<String>,
}

/// Each group of `parts` sums to at most `whole`, in each lane.
#[derive(Debug, Clone)]
pub struct Part {
    lanes: Vec<Lane>,
}

#[derive(Debug, Clone)]
struct Lane {
    whole: FieldRef,
    parts: Vec<Vec<FieldRef>>,
}

impl Kind for Part {
    const DOC: Doc = Doc {
        kind: "part",
        fields: "`whole`, `parts` (a list of groups; a group's keys are added; lines of lists: in each figure column); `list` (columns of a list, on every line)",
        holds: "each group's sum ≤ whole",
        why: "A breakdown cannot exceed its whole (women admitted ≤ admitted, villages without a member ≤ villages): such a figure is a slip in one of the cells.",
        example: Example {
            rule: r#"code = "PART"
kind = "part"
whole = "members_end"
parts = [["women"]]
description = "Các thành phần cơ cấu không vượt quá số đảng viên cuối kỳ""#,
            figures: &[("members_end", Figure::Number(30.0)), ("women", Figure::Number(40.0))],
            message: "\"Đảng viên nữ\" là 40 nhưng không được vượt quá \"Đảng viên cuối kỳ\" (30).",
        },
    };
    type Fields = Fields;

    fn resolve(f: Fields, r: &mut Resolver<'_>) -> Option<Self> {
        if f.parts.is_empty() {
            r.problem("parts", "at least one group is required for kind 'part'");
        }
        if let Some(key) = &f.list {
            let layout = r.layout();
            let Some(li) = layout.lists.iter().position(|l| &l.key == key) else {
                r.problem("list", format_args!("no list with key '{key}'"));
                return None;
            };
            let l = &layout.lists[li];
            let mut column = |k: &str| {
                let c = l.columns.iter().position(|c| c.key == k);
                if c.is_none() {
                    r.problem("whole/parts", format_args!("list '{key}' has no column '{k}'"));
                }
                c
            };
            let whole = column(&f.whole)?;
            let parts: Vec<Vec<usize>> = f
                .parts
                .iter()
                .map(|g| g.iter().map(|k| column(k)).collect::<Option<Vec<_>>>())
                .collect::<Option<_>>()?;
            let item = |row, column| FieldRef::Item { list: li, row, column };
            return Some(Part {
                lanes: (0..l.rows.len())
                    .filter(|&row| l.rows[row].figures)
                    .map(|row| Lane {
                        whole: item(row, whole),
                        parts: parts
                            .iter()
                            .map(|g| g.iter().map(|&c| item(row, c)).collect())
                            .collect(),
                    })
                    .collect(),
            });
        }
        let keys: Vec<&str> = std::iter::once(f.whole.as_str())
            .chain(f.parts.iter().flatten().map(String::as_str))
            .collect();
        let lanes = r.lanes(&keys, "whole/parts")?;
        Some(Part {
            lanes: lanes
                .into_iter()
                .map(|l| {
                    let mut rest = &l[1..];
                    let parts = f
                        .parts
                        .iter()
                        .map(|g| {
                            let (group, after) = rest.split_at(g.len());
                            rest = after;
                            group.to_vec()
                        })
                        .collect();
                    Lane { whole: l[0], parts }
                })
                .collect(),
        })
    }

    fn check(&self, rule: &Meta, c: &mut Checker<'_>) {
        for lane in &self.lanes {
            lane.check(rule, c);
        }
    }
}

impl Lane {
    fn check(&self, rule: &Meta, c: &mut Checker<'_>) {
        // Within one table, the rule holds on every row; otherwise on the single figures.
        let same_table = |f: FieldRef| match (f, self.whole) {
            (FieldRef::Column { table: a, .. }, FieldRef::Column { table: b, .. }) => a == b,
            _ => false,
        };
        let per_row = self.parts.iter().flatten().all(|&f| same_table(f));
        let (wl, wle) = c.label(self.whole);
        let wholes: Vec<(Cow<Value>, At, Option<&Row>)> = if per_row {
            c.all(self.whole).collect()
        } else {
            c.scalar(self.whole)
                .map(|(v, a)| (v, a, None))
                .into_iter()
                .collect()
        };
        // Each part's figures, fetched once: a 20,000-row table must not be walked per row.
        // Single figures are fetched where they are used, without a list of lists for
        // each lane of every file.
        let part_values: Vec<Vec<LaneFigures>> = if per_row {
            self.parts
                .iter()
                .map(|group| {
                    group
                        .iter()
                        .map(|&f| c.all(f).map(|(v, a, _)| (v, a)).collect())
                        .collect()
                })
                .collect()
        } else {
            Vec::new()
        };
        for (i, (wv, _, row)) in wholes.iter().enumerate() {
            let Some(w) = wv.number() else { continue };
            for (g, group) in self.parts.iter().enumerate() {
                let mut sum = 0.0;
                let mut at = None;
                let mut ok = true;
                for (k, &f) in group.iter().enumerate() {
                    let v = if per_row {
                        part_values[g][k].get(i).and_then(|(v, a)| Some((v.number()?, *a)))
                    } else {
                        c.scalar(f).and_then(|(v, a)| Some((v.number()?, a)))
                    };
                    match v {
                        Some((n, a)) => {
                            sum += n;
                            at.get_or_insert(a);
                        }
                        None => ok = false,
                    }
                }
                let Some(at) = at else { continue };
                if !ok || sum <= w + EPS {
                    continue;
                }
                let (names, names_en): (Vec<&str>, Vec<&str>) =
                    group.iter().map(|&f| c.label(f)).unzip();
                let (rv, re) = row_note(*row);
                let ((sv, se), (wv, we)) = (num(sum), num(w));
                c.push(
                    rule,
                    at,
                    Msg::new(
                        format!(
                            "\"{}\"{rv} là {sv} nhưng không được vượt quá \"{wl}\" ({wv}).",
                            names.join(" + ")
                        ),
                        format!(
                            "\"{}\"{re} is {se} but must not exceed \"{wle}\" ({we}).",
                            names_en.join(" + ")
                        ),
                    ),
                    Some(Shown::Number(sum)),
                    Some(Shown::AtMost(w)),
                );
            }
        }
    }
}
