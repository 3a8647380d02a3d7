//! Derived figures computed for one report once its typed figures are read.

use super::{Report, Value};
use crate::spec::{Derivation, Layout};

/// Each derived figure of the form, in order (a ratio may use an earlier one).
pub(super) fn compute(layout: &Layout, report: &Report) -> Vec<Value> {
    let mut out: Vec<Value> = Vec::with_capacity(layout.derived.len());
    for d in &layout.derived {
        let v = match &d.how {
            Derivation::CountRows {
                table,
                column,
                above,
            } => {
                let t = &report.tables[*table];
                if report.sheet_missing[layout.tables[*table].sheet] {
                    Value::Blank
                } else {
                    let n = t
                        .rows
                        .iter()
                        .filter(|r| r.values[*column].number().is_some_and(|v| v > *above))
                        .count();
                    Value::Number(n as f64)
                }
            }
            Derivation::Ratio {
                numerator,
                denominator,
                scale,
            } => {
                let get = |f| report.figure_with(f, &out);
                match (get(*numerator), get(*denominator)) {
                    (Some(n), Some(b)) if b != 0.0 => Value::Number(n / b * scale),
                    _ => Value::Blank,
                }
            }
            Derivation::Sum { plus } => {
                let parts: Vec<f64> = plus
                    .iter()
                    .filter_map(|&f| report.figure_with(f, &out))
                    .collect();
                if parts.is_empty() {
                    Value::Blank
                } else {
                    Value::Number(parts.iter().sum())
                }
            }
        };
        out.push(v);
    }
    out
}
