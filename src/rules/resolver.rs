//! What a rule kind needs to resolve its fields against the form: keys to fields, with
//! every problem recorded under the rule's path (`rules[3].base: ...`), so one load of a
//! bad specification names every problem.

use crate::spec::{FieldRef, FieldType, Layout};
use std::fmt::Display;

/// Resolves one rule's fields; problems go to the specification's list.
pub struct Resolver<'a> {
    layout: &'a Layout,
    path: &'a str,
    problems: &'a mut Vec<String>,
}

impl<'a> Resolver<'a> {
    pub(super) fn new(layout: &'a Layout, path: &'a str, problems: &'a mut Vec<String>) -> Self {
        Self {
            layout,
            path,
            problems,
        }
    }

    /// The form the rule is resolved against.
    pub fn layout(&self) -> &'a Layout {
        self.layout
    }

    /// Record a problem with the rule's field `field`.
    pub fn problem(&mut self, field: &str, msg: impl Display) {
        self.problems.push(format!("{}.{field}: {msg}", self.path));
    }

    /// The kind's fields from what the rule's table holds beyond the common fields.
    pub(super) fn fields<T: serde::de::DeserializeOwned>(&mut self, t: toml::Table) -> Option<T> {
        match toml::Value::Table(t).try_into() {
            Ok(f) => Some(f),
            Err(e) => {
                self.problems
                    .push(format!("{}: {}", self.path, e.to_string().trim()));
                None
            }
        }
    }

    /// Any cell or column by its key.
    pub fn field(&mut self, key: &str, field: &str) -> Option<FieldRef> {
        let f = self.layout.field(key);
        if f.is_none() {
            self.problem(field, format_args!("no cell or column with key '{key}'"));
        }
        f
    }

    /// A numeric cell or column by its key.
    pub fn numeric(&mut self, key: &str, field: &str) -> Option<FieldRef> {
        let f = self.field(key, field)?;
        if self.layout.field_type(f).is_numeric() {
            Some(f)
        } else {
            self.problem(
                field,
                format_args!("'{key}' is not a numeric cell or column"),
            );
            None
        }
    }

    /// Each of `keys` as a numeric field; the bad ones recorded and left out.
    pub fn numerics(&mut self, keys: &[String], field: &str) -> Vec<FieldRef> {
        keys.iter().filter_map(|k| self.numeric(k, field)).collect()
    }

    /// The keys of a rule, as lanes (`lanes[lane][key]`): one lane when every key names
    /// a single figure; when the keys name lines of lists (`movement.b`), one lane per
    /// figure column of those lines that is not a percentage (Kỳ này, Cùng kỳ năm
    /// trước), so the rule holds in each column. Every figure is numeric.
    pub fn lanes(&mut self, keys: &[&str], field: &str) -> Option<Vec<Vec<FieldRef>>> {
        let layout = self.layout;
        let mut ones = Vec::new();
        let mut lines = Vec::new();
        for &k in keys {
            if let Some(f) = layout.field(k) {
                ones.push(f);
            } else if let Some(line) = layout.line(k) {
                lines.push(line);
            } else {
                self.problem(
                    field,
                    format_args!("no cell, column or list line with key '{k}'"),
                );
                return None;
            }
        }
        let lanes = match (ones.is_empty(), lines.is_empty()) {
            (_, true) => vec![ones],
            (true, false) => {
                let (l0, _) = lines[0];
                let columns: Vec<&str> = layout.lists[l0]
                    .columns
                    .iter()
                    .filter(|c| c.ty != FieldType::Percent)
                    .map(|c| c.key.as_str())
                    .collect();
                let mut lanes = Vec::with_capacity(columns.len());
                for ck in columns {
                    let mut lane = Vec::with_capacity(lines.len());
                    for &(list, row) in &lines {
                        let l = &layout.lists[list];
                        let Some(column) = l.columns.iter().position(|c| c.key == ck) else {
                            self.problem(field, format_args!("list '{}' has no column '{ck}' for every line to be compared in", l.key));
                            return None;
                        };
                        lane.push(FieldRef::Item { list, row, column });
                    }
                    lanes.push(lane);
                }
                lanes
            }
            (false, false) => {
                self.problem(field, "lines of lists (list.line) and single figures cannot be mixed in one rule; name the column (list.line.column)");
                return None;
            }
        };
        for (f, k) in lanes.iter().flatten().zip(keys.iter().cycle()) {
            if !layout.field_type(*f).is_numeric() {
                self.problem(field, format_args!("'{k}' is not a numeric figure"));
                return None;
            }
        }
        Some(lanes)
    }

    /// The fields a rule applies to: the `keys` given (a list's line stands for each of
    /// its figures, `list.*.column` for that column of every line), else every field of the `types` given, else every field of the
    /// `default` types.
    pub fn targets(
        &mut self,
        keys: Option<&[String]>,
        types: Option<&[String]>,
        default: &[FieldType],
    ) -> Vec<FieldRef> {
        if let Some(keys) = keys {
            let layout = self.layout;
            let mut out = Vec::new();
            for k in keys {
                if let Some((list, column)) = layout.list_column(k) {
                    let l = &layout.lists[list];
                    out.extend(
                        (0..l.rows.len())
                            .filter(|&row| l.rows[row].figures)
                            .map(|row| FieldRef::Item { list, row, column }),
                    );
                } else if let Some((list, row)) = layout.line(k) {
                    out.extend(
                        (0..layout.lists[list].columns.len()).map(|column| FieldRef::Item {
                            list,
                            row,
                            column,
                        }),
                    );
                } else if let Some(f) = self.field(k, "keys") {
                    out.push(f);
                }
            }
            return out;
        }
        let types: Vec<FieldType> = match types {
            Some(ts) => ts
                .iter()
                .filter_map(|t| {
                    let ty = FieldType::parse(t);
                    if ty.is_none() {
                        self.problem("types", format_args!("'{t}' is not a field type"));
                    }
                    ty
                })
                .collect(),
            None => default.to_vec(),
        };
        self.layout
            .fields()
            .filter(|&f| types.contains(&self.layout.field_type(f)))
            .collect()
    }

    /// A table by its key.
    pub fn table(&mut self, key: &str, field: &str) -> Option<usize> {
        let t = self.layout.tables.iter().position(|t| t.key == key);
        if t.is_none() {
            self.problem(field, format_args!("no table with key '{key}'"));
        }
        t
    }
}
