//! `sum`: a table's total row adds up its rows.
//!
//! # What it checks
//! For each column of the table (or the columns listed), the figure on the total row
//! equals the sum of the figures on the rows above it.
//!
//! # Why
//! The total row is what a reader of the unit's form sees; if it disagrees with the
//! rows, one of them is wrong, and the province must not pick one silently. (tonghop
//! sums the rows, never the total row.)
//!
//! # Example
//! A total of 6 admitted over rows that add up to 5 gives: *Dòng "Tổng cộng" cột "Đảng
//! viên được kết nạp" ghi 6, nhưng tổng các dòng 4–5 là 5.*

use super::checker::num;
use super::{Checker, Doc, Example, Figure, Kind, Meta, Resolver};
use crate::cellref::Pos;
use crate::extract::Value;
use crate::finding::Shown;
use crate::lang::Msg;
use serde::Deserialize;

/// Fields of a `sum` rule.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Fields {
    table: String,
    columns: Option<Vec<String>>,
}

/// The total row of `table` equals the sum of its rows, in each of `columns`.
#[derive(Debug, Clone)]
pub struct Sum {
    table: usize,
    columns: Vec<usize>,
}

impl Kind for Sum {
    const DOC: Doc = Doc {
        kind: "sum",
        fields: "`table`, `columns` (default: all)",
        holds: "total row = sum of the rows",
        why: "The total row is what a reader of the unit's form sees; when it disagrees with the rows one of them is wrong, and the province must not pick one silently.",
        example: Example {
            rule: r#"code = "SUM"
kind = "sum"
table = "admissions"
description = "Dòng Tổng cộng của mỗi cột bằng tổng các dòng phía trên""#,
            figures: &[("admissions.admitted", Figure::Number(6.0))],
            message: "Dòng \"Tổng cộng\" cột \"Đảng viên được kết nạp\" ghi 6, nhưng tổng các dòng 4–5 là 5.",
        },
    };
    type Fields = Fields;

    fn resolve(f: Fields, r: &mut Resolver<'_>) -> Option<Self> {
        let table = r.table(&f.table, "table")?;
        let t = &r.layout().tables[table];
        let columns = match &f.columns {
            Some(cs) => cs
                .iter()
                .filter_map(|c| {
                    let k = t.columns.iter().position(|col| &col.key == c);
                    if k.is_none() {
                        r.problem(
                            "columns",
                            format_args!("table '{}' has no column '{c}'", t.key),
                        );
                    }
                    k
                })
                .collect(),
            None => (0..t.columns.len()).collect(),
        };
        Some(Sum { table, columns })
    }

    fn check(&self, rule: &Meta, c: &mut Checker<'_>) {
        let t = &c.layout.tables[self.table];
        let d = &c.report.tables[self.table];
        let Some(total) = &d.total else { return };
        'column: for &k in &self.columns {
            let Some(found) = total.values[k].number() else {
                continue;
            };
            let mut sum = 0.0;
            for r in &d.rows {
                match &r.values[k] {
                    Value::Number(n) => sum += n,
                    Value::Blank => {}
                    // A figure that could not be read has its own finding; the sum
                    // of the others proves nothing.
                    _ => continue 'column,
                }
            }
            let col = &t.columns[k];
            if Checker::same(found, sum, col.ty) {
                continue;
            }
            let (first, last) = (
                d.rows.first().map_or(t.first_row, |r| r.row) + 1,
                d.rows.last().map_or(t.first_row, |r| r.row) + 1,
            );
            let ((fv, fe), (sv, se)) = (num(found), num(sum));
            // The usual cause: rows inserted below the end of a `SUM(E4:E18)` (just
            // above the total row), which the formula does not grow to take in.
            let missed = d
                .total_ranges
                .get(k)
                .copied()
                .flatten()
                .map(|r| {
                    runs(d.rows.iter().filter(|row| {
                        matches!(row.values[k], Value::Number(_))
                            && (row.row < r.first || row.row > r.last)
                    })
                    .map(|row| row.row + 1))
                })
                .filter(|m| !m.is_empty());
            let (why_vi, why_en) = match &missed {
                Some(m) => (
                    format!(" Công thức {} chưa gồm dòng {m}: hãy sửa công thức để cộng cả các dòng này.", t.total_label),
                    format!(" The total's formula leaves out rows {m}: extend it to include them."),
                ),
                None => (String::new(), String::new()),
            };
            c.push(
                rule,
                super::checker::At {
                    sheet: t.sheet,
                    pos: Pos::new(total.row, col.col),
                },
                Msg::new(
                    format!("Dòng \"{}\" cột \"{}\" ghi {fv}, nhưng tổng các dòng {first}–{last} là {sv}.{why_vi}", t.total_label, col.label),
                    format!("The total of column \"{}\" is {fe}, but rows {first}–{last} add up to {se}.{why_en}", col.label_en),
                ),
                Some(Shown::Number(found)),
                Some(Shown::Number(sum)),
            );
        }
    }
}

/// Row numbers, ascending, as runs a reader takes in at a glance: `19–20, 25`.
fn runs(rows: impl Iterator<Item = u32>) -> String {
    let mut out: Vec<(u32, u32)> = Vec::new();
    for r in rows {
        match out.last_mut() {
            Some((_, last)) if r == *last + 1 => *last = r,
            _ => out.push((r, r)),
        }
    }
    out.iter()
        .map(|&(a, b)| if a == b { a.to_string() } else { format!("{a}–{b}") })
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests {
    #[test]
    fn rows_are_shown_as_runs() {
        assert_eq!(super::runs([19, 20, 25, 27, 28, 29].into_iter()), "19–20, 25, 27–29");
        assert_eq!(super::runs(std::iter::empty()), "");
    }
}
