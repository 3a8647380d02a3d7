//! Derived figures: figures the form computes from others instead of asking for them
//! (the number of grassroots organisations that admitted someone, from the admissions
//! table; a rate from two counts). They are computed for each submission after its
//! figures are read, checked by rules like typed figures, summed or recomputed for the
//! province, and written to the outputs beside the typed ones.

use super::resolve::{FieldRef, FieldType};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// A `[[derived]]` table as written.
#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DerivedFile {
    pub key: String,
    pub label: String,
    #[serde(default)]
    pub label_en: Option<String>,
    /// `count_rows`, `ratio` or `sum`.
    pub kind: String,
    /// `count_rows`: the table whose rows are counted.
    #[serde(default)]
    pub table: Option<String>,
    /// `count_rows`: the column that must be above `above` for a row to count.
    #[serde(default)]
    pub column: Option<String>,
    #[serde(default)]
    pub above: Option<f64>,
    /// `ratio`: numerator / denominator × scale.
    #[serde(default)]
    pub numerator: Option<String>,
    #[serde(default)]
    pub denominator: Option<String>,
    #[serde(default)]
    pub scale: Option<f64>,
    /// `sum`: the counts added up.
    #[serde(default)]
    pub plus: Option<Vec<String>>,
}

/// How a derived figure is computed.
#[derive(Debug, Clone)]
pub enum Derivation {
    /// The rows of `table` whose `column` is above `above`.
    CountRows {
        /// The table.
        table: usize,
        /// The column tested.
        column: usize,
        /// The bound a row's figure must exceed.
        above: f64,
    },
    /// `numerator / denominator × scale`; blank when the denominator is 0.
    Ratio {
        /// The count.
        numerator: FieldRef,
        /// The base.
        denominator: FieldRef,
        /// 100 for a percentage.
        scale: f64,
    },
    /// The counts `plus` added up; blank when all are blank. Where a level's figure is
    /// typed in parts, not counted from rows: a province's upward report lists units,
    /// not organisations, so the national form adds Biểu 2's organisations instead.
    Sum {
        /// The counts.
        plus: Vec<FieldRef>,
    },
}

/// A derived figure, resolved.
#[derive(Debug, Clone)]
pub struct Derived {
    /// The figure's key, unique among all fields; rules and outputs name it by this.
    pub key: String,
    /// The Vietnamese label printed in the outputs.
    pub label: String,
    /// The English label; the Vietnamese one when the spec gives none.
    pub label_en: String,
    /// How it is computed from the typed figures, per submission.
    pub how: Derivation,
}

impl Derived {
    /// A count of rows or a sum of counts is a count; a ratio scaled by 100 a percentage.
    pub fn ty(&self) -> FieldType {
        match self.how {
            Derivation::CountRows { .. } | Derivation::Sum { .. } => FieldType::Count,
            Derivation::Ratio { scale: 100.0, .. } => FieldType::Percent,
            Derivation::Ratio { .. } => FieldType::Decimal,
        }
    }
}

/// Resolve `[[derived]]` once every typed field has its key; their own keys are added.
/// A ratio may use an earlier derived figure, never a later one (no cycles).
pub(super) fn resolve(
    files: &[DerivedFile],
    tables: &[super::Table],
    keys: &mut BTreeMap<String, FieldRef>,
    types: &dyn Fn(FieldRef, &[Derived]) -> FieldType,
    p: &mut Vec<String>,
) -> Vec<Derived> {
    let mut out: Vec<Derived> = Vec::with_capacity(files.len());
    for (i, d) in files.iter().enumerate() {
        let path = format!("derived[{i}]");
        super::file::check_key(&d.key, &format!("{path}.key"), p);
        let need = |v: &Option<String>, field: &str, p: &mut Vec<String>| -> Option<String> {
            if v.is_none() {
                p.push(format!("{path}.{field}: required for kind '{}'", d.kind));
            }
            v.clone()
        };
        let how = match d.kind.as_str() {
            "count_rows" => {
                let table = need(&d.table, "table", p);
                let column = need(&d.column, "column", p);
                let (Some(table), Some(column)) = (table, column) else {
                    continue;
                };
                let Some(t) = tables.iter().position(|t| t.key == table) else {
                    p.push(format!("{path}.table: no table with key '{table}'"));
                    continue;
                };
                let Some(c) = tables[t].columns.iter().position(|c| c.key == column) else {
                    p.push(format!(
                        "{path}.column: table '{table}' has no column '{column}'"
                    ));
                    continue;
                };
                Derivation::CountRows {
                    table: t,
                    column: c,
                    above: d.above.unwrap_or(0.0),
                }
            }
            "ratio" => {
                let field = |k: &Option<String>, name: &str, p: &mut Vec<String>| {
                    let k = need(k, name, p)?;
                    match keys.get(&k) {
                        Some(&f) if types(f, &out).is_numeric() => Some(f),
                        Some(_) => {
                            p.push(format!("{path}.{name}: '{k}' is not a numeric figure"));
                            None
                        }
                        None => {
                            p.push(format!("{path}.{name}: no figure with key '{k}'"));
                            None
                        }
                    }
                };
                let (Some(numerator), Some(denominator)) = (
                    field(&d.numerator, "numerator", p),
                    field(&d.denominator, "denominator", p),
                ) else {
                    continue;
                };
                let scale = d.scale.unwrap_or(100.0);
                if !(scale.is_finite() && scale > 0.0) {
                    p.push(format!("{path}.scale: {scale} must be a positive number"));
                }
                Derivation::Ratio {
                    numerator,
                    denominator,
                    scale,
                }
            }
            "sum" => {
                let Some(keys_given) = d.plus.clone() else {
                    p.push(format!("{path}.plus: required for kind 'sum'"));
                    continue;
                };
                if keys_given.is_empty() {
                    p.push(format!("{path}.plus: empty: the sum would be of nothing"));
                    continue;
                }
                let mut plus = Vec::with_capacity(keys_given.len());
                for k in &keys_given {
                    match keys.get(k) {
                        Some(&f) if types(f, &out) == FieldType::Count => plus.push(f),
                        Some(_) => p.push(format!("{path}.plus: '{k}' is not a count")),
                        None => p.push(format!("{path}.plus: no figure with key '{k}'")),
                    }
                }
                if plus.len() != keys_given.len() {
                    continue;
                }
                Derivation::Sum { plus }
            }
            o => {
                p.push(format!(
                    "{path}.kind: '{o}' is not one of count_rows, ratio, sum"
                ));
                continue;
            }
        };
        if keys
            .insert(d.key.clone(), FieldRef::Derived(out.len()))
            .is_some()
        {
            p.push(format!("{path}.key: duplicate key '{}'", d.key));
        }
        out.push(Derived {
            key: d.key.clone(),
            label: d.label.clone(),
            label_en: d.label_en.clone().unwrap_or_else(|| d.label.clone()),
            how,
        });
    }
    out
}
