//! The resolved form: every reference checked and turned into an index.

use super::cellref::{Pos, parse_column};
use super::file::{RuleFile, SpecFile};
use crate::text::fold;
use std::collections::{BTreeMap, HashMap};

/// What a cell or column holds; decides how text is parsed and which rules apply.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum FieldType {
    Count,
    Percent,
    Decimal,
    Text,
    Date,
}

impl FieldType {
    fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "count" => Self::Count,
            "percent" => Self::Percent,
            "decimal" => Self::Decimal,
            "text" => Self::Text,
            "date" => Self::Date,
            _ => return None,
        })
    }
    pub fn is_numeric(self) -> bool {
        matches!(self, Self::Count | Self::Percent | Self::Decimal)
    }
    pub fn name(self) -> &'static str {
        match self {
            Self::Count => "count",
            Self::Percent => "percent",
            Self::Decimal => "decimal",
            Self::Text => "text",
            Self::Date => "date",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Warning,
    Error,
}

#[derive(Debug, Clone)]
pub struct Unit {
    pub code: String,
    pub name: String,
    pub aliases: Vec<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TextStyle {
    Plain,
    Header,
    Section,
    Note,
}

#[derive(Debug, Clone)]
pub struct Sheet {
    pub name: String,
    pub title: Option<String>,
    pub column_widths: Vec<f64>,
    pub texts: Vec<(Pos, String, TextStyle)>,
}

#[derive(Debug, Clone)]
pub struct Cell {
    pub key: String,
    pub sheet: usize,
    pub pos: Pos,
    pub ty: FieldType,
    pub label: String,
    pub label_en: String,
    pub required: bool,
}

#[derive(Debug, Clone)]
pub struct Column {
    pub key: String,
    pub col: u16,
    pub ty: FieldType,
    pub label: String,
    pub label_en: String,
    pub required: bool,
}

#[derive(Debug, Clone)]
pub struct Table {
    pub key: String,
    pub sheet: usize,
    /// Zero-based rows.
    pub header_row: u32,
    pub first_row: u32,
    pub label_col: u16,
    pub label: String,
    pub label_en: String,
    pub total_label: String,
    pub template_rows: u32,
    pub max_rows: u32,
    pub columns: Vec<Column>,
}

impl Table {
    /// The last row the reader needs to look at: the total row may sit anywhere below.
    pub fn last_row(&self) -> u32 {
        self.first_row.saturating_add(self.max_rows)
    }
}

/// A figure a rule can refer to: a single cell, or a column of a table.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum FieldRef {
    Cell(usize),
    Column { table: usize, column: usize },
}

#[derive(Debug, Clone)]
pub enum RuleKind {
    WholeNumber {
        targets: Vec<FieldRef>,
    },
    Range {
        targets: Vec<FieldRef>,
        min: f64,
        max: f64,
    },
    Required {
        targets: Vec<FieldRef>,
    },
    Sum {
        table: usize,
        columns: Vec<usize>,
    },
    Part {
        whole: FieldRef,
        parts: Vec<Vec<FieldRef>>,
    },
    Balance {
        result: FieldRef,
        plus: Vec<FieldRef>,
        minus: Vec<FieldRef>,
    },
    Percent {
        base: FieldRef,
        pairs: Vec<(FieldRef, FieldRef)>,
        tolerance: f64,
    },
    Equal {
        keys: Vec<FieldRef>,
    },
    Unit,
    Period,
}

#[derive(Debug, Clone)]
pub struct Rule {
    pub code: String,
    pub kind_name: String,
    pub severity: Severity,
    pub description: String,
    pub description_en: String,
}

#[derive(Debug, Clone)]
pub struct RuleDef {
    pub meta: Rule,
    pub kind: RuleKind,
}

impl std::ops::Deref for RuleDef {
    type Target = Rule;
    fn deref(&self) -> &Rule {
        &self.meta
    }
}

#[derive(Debug, Clone, Copy)]
pub struct Stamp {
    pub sheet: usize,
    pub id: Pos,
    pub version: Pos,
}

#[derive(Debug, Clone, Copy)]
pub struct Identity {
    pub unit_code: usize,
    pub unit_name: Option<usize>,
    pub period_from: usize,
    pub period_to: usize,
    pub report_date: Option<usize>,
}

#[derive(Debug, Clone)]
pub struct Form {
    pub id: String,
    pub version: String,
    pub title: String,
    pub title_en: String,
    pub province: String,
    pub tolerance: f64,
    pub stamp: Option<Stamp>,
    pub identity: Identity,
    pub units: Vec<Unit>,
    pub sheets: Vec<Sheet>,
    pub cells: Vec<Cell>,
    pub tables: Vec<Table>,
    pub rules: Vec<RuleDef>,
    /// The figure charted by unit in the consolidated workbook.
    pub chart: Option<FieldRef>,
    /// The specification text it was loaded from (samples extend it with more units).
    pub source: String,
    /// Unit code to index: every submission is looked up, and a roll-up has thousands.
    unit_codes: HashMap<String, usize>,
    keys: BTreeMap<String, FieldRef>,
}

impl Form {
    /// `key` or `table.column` as used in rules, describe and report.json.
    pub fn field(&self, key: &str) -> Option<FieldRef> {
        self.keys.get(key).copied()
    }

    pub fn field_key(&self, f: FieldRef) -> String {
        match f {
            FieldRef::Cell(i) => self.cells[i].key.clone(),
            FieldRef::Column { table, column } => {
                format!(
                    "{}.{}",
                    self.tables[table].key, self.tables[table].columns[column].key
                )
            }
        }
    }

    pub fn field_type(&self, f: FieldRef) -> FieldType {
        match f {
            FieldRef::Cell(i) => self.cells[i].ty,
            FieldRef::Column { table, column } => self.tables[table].columns[column].ty,
        }
    }

    /// The label in the chosen language.
    pub fn field_label(&self, f: FieldRef, en: bool) -> &str {
        match f {
            FieldRef::Cell(i) => {
                let c = &self.cells[i];
                if en { &c.label_en } else { &c.label }
            }
            FieldRef::Column { table, column } => {
                let c = &self.tables[table].columns[column];
                if en { &c.label_en } else { &c.label }
            }
        }
    }

    /// Every numeric field in declaration order: the columns of the consolidated summary.
    pub fn numeric_fields(&self) -> Vec<FieldRef> {
        let mut out: Vec<FieldRef> = (0..self.cells.len())
            .filter(|&i| self.cells[i].ty.is_numeric())
            .map(FieldRef::Cell)
            .collect();
        for (t, table) in self.tables.iter().enumerate() {
            for (c, col) in table.columns.iter().enumerate() {
                if col.ty.is_numeric() {
                    out.push(FieldRef::Column {
                        table: t,
                        column: c,
                    });
                }
            }
        }
        out
    }

    /// For a percentage field, the count and base it must be computed from (from a
    /// `percent` rule), so provincial percentages are recomputed, never averaged.
    pub fn percent_source(&self, pct: FieldRef) -> Option<(FieldRef, FieldRef)> {
        self.rules.iter().find_map(|r| match &r.kind {
            RuleKind::Percent { base, pairs, .. } => pairs
                .iter()
                .find(|(p, _)| *p == pct)
                .map(|(_, c)| (*c, *base)),
            _ => None,
        })
    }

    pub fn unit_by_code(&self, code: &str) -> Option<usize> {
        self.unit_codes
            .get(&code.trim().to_ascii_uppercase())
            .copied()
    }

    /// Match a unit by its name or an alias, whatever the Unicode form, case or legacy
    /// encoding it was typed in.
    pub fn unit_by_name(&self, name: &str) -> Option<usize> {
        let n = fold(name);
        if n.is_empty() {
            return None;
        }
        self.units
            .iter()
            .position(|u| fold(&u.name) == n || u.aliases.iter().any(|a| fold(a) == n))
    }
}

/// Resolve names to indices; every problem is collected, not just the first.
pub(super) fn resolve(raw: SpecFile) -> Result<Form, Vec<String>> {
    let mut p: Vec<String> = Vec::new();

    let mut sheets = Vec::new();
    let mut sheet_idx: HashMap<String, usize> = HashMap::new();
    for (i, s) in raw.sheets.iter().enumerate() {
        if sheet_idx.insert(fold(&s.name), i).is_some() {
            p.push(format!("sheets[{i}].name: duplicate sheet '{}'", s.name));
        }
        let mut texts = Vec::new();
        for (j, t) in s.texts.iter().enumerate() {
            let style = match t.style.as_deref() {
                None | Some("plain") => TextStyle::Plain,
                Some("header") => TextStyle::Header,
                Some("section") => TextStyle::Section,
                Some("note") => TextStyle::Note,
                Some(o) => {
                    p.push(format!("sheets[{i}].texts[{j}].style: '{o}' is not one of plain, header, section, note"));
                    TextStyle::Plain
                }
            };
            if let Ok(pos) = t.cell.parse() {
                texts.push((pos, t.text.clone(), style));
            }
        }
        if s.column_widths
            .iter()
            .any(|w| !w.is_finite() || *w < 0.0 || *w > 255.0)
        {
            p.push(format!(
                "sheets[{i}].column_widths: each width must be within 0..255"
            ));
        }
        sheets.push(Sheet {
            name: s.name.clone(),
            title: s.title.clone(),
            column_widths: s.column_widths.clone(),
            texts,
        });
    }
    let find_sheet = |name: &str, path: &str, p: &mut Vec<String>| -> usize {
        match sheet_idx.get(&fold(name)) {
            Some(&i) => i,
            None => {
                p.push(format!(
                    "{path}: sheet '{name}' is not declared in [[sheets]]"
                ));
                0
            }
        }
    };

    let mut keys: BTreeMap<String, FieldRef> = BTreeMap::new();
    let mut occupied: HashMap<(usize, Pos), String> = HashMap::new();
    let mut cells = Vec::new();
    for (i, c) in raw.cells.iter().enumerate() {
        let sheet = find_sheet(&c.sheet, &format!("cells[{i}].sheet"), &mut p);
        let ty = FieldType::parse(&c.ty).unwrap_or_else(|| {
            p.push(format!(
                "cells[{i}].type: '{}' is not one of count, percent, decimal, text, date",
                c.ty
            ));
            FieldType::Text
        });
        let pos: Pos = c.cell.parse().unwrap_or(Pos::new(0, 0));
        if let Some(other) = occupied.insert((sheet, pos), c.key.clone()) {
            p.push(format!(
                "cells[{i}].cell: {} on '{}' is used by both '{other}' and '{}'",
                c.cell, c.sheet, c.key
            ));
        }
        if keys.insert(c.key.clone(), FieldRef::Cell(i)).is_some() {
            p.push(format!("cells[{i}].key: duplicate key '{}'", c.key));
        }
        cells.push(Cell {
            key: c.key.clone(),
            sheet,
            pos,
            ty,
            label: c.label.clone(),
            label_en: c.label_en.clone().unwrap_or_else(|| c.label.clone()),
            required: c.required,
        });
    }

    let mut tables = Vec::new();
    for (i, t) in raw.tables.iter().enumerate() {
        let sheet = find_sheet(&t.sheet, &format!("tables[{i}].sheet"), &mut p);
        if t.first_row <= t.header_row {
            p.push(format!(
                "tables[{i}].first_row: {} must be below header_row {}",
                t.first_row, t.header_row
            ));
        }
        let label_col = parse_column(&t.label_column).unwrap_or(0);
        let mut columns = Vec::new();
        for (j, c) in t.columns.iter().enumerate() {
            let ty = FieldType::parse(&c.ty)
                .filter(|t| t.is_numeric())
                .unwrap_or_else(|| {
                    p.push(format!(
                        "tables[{i}].columns[{j}].type: '{}' must be count, percent or decimal",
                        c.ty
                    ));
                    FieldType::Count
                });
            let col = parse_column(&c.column).unwrap_or(0);
            if col == label_col || columns.iter().any(|o: &Column| o.col == col) {
                p.push(format!(
                    "tables[{i}].columns[{j}].column: column {} is used twice in table '{}'",
                    c.column, t.key
                ));
            }
            let key = format!("{}.{}", t.key, c.key);
            if keys
                .insert(
                    key.clone(),
                    FieldRef::Column {
                        table: i,
                        column: j,
                    },
                )
                .is_some()
            {
                p.push(format!(
                    "tables[{i}].columns[{j}].key: duplicate key '{key}'"
                ));
            }
            columns.push(Column {
                key: c.key.clone(),
                col,
                ty,
                label: c.label.clone(),
                label_en: c.label_en.clone().unwrap_or_else(|| c.label.clone()),
                required: c.required,
            });
        }
        // A table's rows must not run over a scalar input cell of the same sheet.
        for ((s, pos), key) in &occupied {
            if *s == sheet
                && pos.row + 1 >= t.first_row
                && (pos.col == label_col || columns.iter().any(|c| c.col == pos.col))
            {
                p.push(format!(
                    "tables[{i}]: cell {pos} ('{key}') lies inside table '{}', whose rows may grow",
                    t.key
                ));
            }
        }
        tables.push(Table {
            key: t.key.clone(),
            sheet,
            header_row: t.header_row - 1,
            first_row: t.first_row - 1,
            label_col,
            label: t.label.clone(),
            label_en: t.label_en.clone().unwrap_or_else(|| t.label.clone()),
            total_label: t.total_label.clone(),
            template_rows: t.template_rows,
            max_rows: t.max_rows,
            columns,
        });
    }

    let cell_key = |k: &str, path: &str, want: &[FieldType], p: &mut Vec<String>| -> usize {
        match keys.get(k) {
            Some(FieldRef::Cell(i)) if want.is_empty() || want.contains(&cells[*i].ty) => *i,
            Some(_) => {
                p.push(format!(
                    "{path}: '{k}' must be a cell of type {}",
                    want.iter()
                        .map(|t| t.name())
                        .collect::<Vec<_>>()
                        .join(" or ")
                ));
                0
            }
            None => {
                p.push(format!("{path}: no cell with key '{k}'"));
                0
            }
        }
    };
    let identity = Identity {
        unit_code: cell_key(
            &raw.identity.unit_code,
            "identity.unit_code",
            &[FieldType::Text],
            &mut p,
        ),
        unit_name: raw
            .identity
            .unit_name
            .as_deref()
            .map(|k| cell_key(k, "identity.unit_name", &[FieldType::Text], &mut p)),
        period_from: cell_key(
            &raw.identity.period_from,
            "identity.period_from",
            &[FieldType::Date],
            &mut p,
        ),
        period_to: cell_key(
            &raw.identity.period_to,
            "identity.period_to",
            &[FieldType::Date],
            &mut p,
        ),
        report_date: raw
            .identity
            .report_date
            .as_deref()
            .map(|k| cell_key(k, "identity.report_date", &[FieldType::Date], &mut p)),
    };

    let stamp = raw.form.stamp.as_ref().map(|s| {
        let sheet = find_sheet(&s.sheet, "form.stamp.sheet", &mut p);
        let mut pos = |a: &str, path: &str| match a.parse::<Pos>() {
            Ok(x) => {
                if let Some(k) = occupied.get(&(sheet, x)) {
                    p.push(format!("{path}: {a} is the input cell '{k}'"));
                }
                x
            }
            Err(e) => {
                p.push(format!("{path}: {e}"));
                Pos::new(0, 0)
            }
        };
        Stamp {
            sheet,
            id: pos(&s.id_cell, "form.stamp.id_cell"),
            version: pos(&s.version_cell, "form.stamp.version_cell"),
        }
    });

    let mut codes = HashMap::new();
    let mut names = HashMap::new();
    let mut units = Vec::new();
    for (i, u) in raw.units.iter().enumerate() {
        if codes.insert(u.code.clone(), i).is_some() {
            p.push(format!("units[{i}].code: duplicate unit code '{}'", u.code));
        }
        for n in std::iter::once(&u.name).chain(&u.aliases) {
            if let Some(j) = names.insert(fold(n), i)
                && j != i
            {
                p.push(format!("units[{i}]: name '{n}' also names units[{j}]"));
            }
        }
        units.push(Unit {
            code: u.code.clone(),
            name: u.name.clone(),
            aliases: u.aliases.clone(),
        });
    }

    let form_meta = (&cells, &tables);
    let mut rules = Vec::new();
    for (i, r) in raw.rules.iter().enumerate() {
        let path = format!("rules[{i}]");
        let severity = match r.severity.as_str() {
            "error" => Severity::Error,
            "warning" => Severity::Warning,
            o => {
                p.push(format!("{path}.severity: '{o}' is not error or warning"));
                Severity::Error
            }
        };
        if let Some(kind) = resolve_rule(r, &path, &keys, form_meta, &mut p) {
            rules.push(RuleDef {
                meta: Rule {
                    code: r.code.clone(),
                    kind_name: r.kind.clone(),
                    severity,
                    description: r.description.clone(),
                    description_en: r
                        .description_en
                        .clone()
                        .unwrap_or_else(|| r.description.clone()),
                },
                kind,
            });
        }
    }

    let chart = raw.form.chart.as_deref().and_then(|k| match keys.get(k) {
        Some(f)
            if matches!(f, FieldRef::Cell(i) if cells[*i].ty.is_numeric())
                || matches!(f, FieldRef::Column { .. }) =>
        {
            Some(*f)
        }
        _ => {
            p.push(format!("form.chart: '{k}' is not a numeric cell or column"));
            None
        }
    });
    if !p.is_empty() {
        return Err(p);
    }
    let unit_codes = units
        .iter()
        .enumerate()
        .map(|(i, u)| (u.code.clone(), i))
        .collect();
    for r in &mut rules {
        if let RuleKind::Percent { tolerance, .. } = &mut r.kind
            && tolerance.is_nan()
        {
            *tolerance = raw.form.tolerance;
        }
    }
    Ok(Form {
        id: raw.form.id,
        version: raw.form.version,
        title_en: raw.form.title_en.unwrap_or_else(|| raw.form.title.clone()),
        title: raw.form.title,
        province: raw.form.province.unwrap_or_default(),
        tolerance: raw.form.tolerance,
        stamp,
        identity,
        units,
        sheets,
        cells,
        tables,
        rules,
        chart,
        source: String::new(),
        unit_codes,
        keys,
    })
}

fn resolve_rule(
    r: &RuleFile,
    path: &str,
    keys: &BTreeMap<String, FieldRef>,
    (cells, tables): (&Vec<Cell>, &Vec<Table>),
    p: &mut Vec<String>,
) -> Option<RuleKind> {
    let ty = |f: FieldRef| match f {
        FieldRef::Cell(i) => cells[i].ty,
        FieldRef::Column { table, column } => tables[table].columns[column].ty,
    };
    let numeric = |k: &str, field: &str, p: &mut Vec<String>| -> Option<FieldRef> {
        match keys.get(k) {
            Some(f) if ty(*f).is_numeric() => Some(*f),
            Some(_) => {
                p.push(format!(
                    "{path}.{field}: '{k}' is not a numeric cell or column"
                ));
                None
            }
            None => {
                p.push(format!("{path}.{field}: no cell or column with key '{k}'"));
                None
            }
        }
    };
    let list = |ks: &Option<Vec<String>>, field: &str, p: &mut Vec<String>| -> Vec<FieldRef> {
        ks.iter()
            .flatten()
            .filter_map(|k| numeric(k, field, p))
            .collect()
    };
    let need = |v: bool, field: &str, p: &mut Vec<String>| {
        if !v {
            p.push(format!("{path}.{field}: required for kind '{}'", r.kind));
        }
    };
    let all_fields = || -> Vec<FieldRef> {
        let mut v: Vec<FieldRef> = (0..cells.len()).map(FieldRef::Cell).collect();
        for (t, table) in tables.iter().enumerate() {
            v.extend((0..table.columns.len()).map(|c| FieldRef::Column {
                table: t,
                column: c,
            }));
        }
        v
    };
    // Targets: explicit keys, else every field of the listed types.
    let targets = |default_types: &[FieldType], p: &mut Vec<String>| -> Vec<FieldRef> {
        if let Some(ks) = &r.keys {
            return ks
                .iter()
                .filter_map(|k| match keys.get(k) {
                    Some(f) => Some(*f),
                    None => {
                        p.push(format!("{path}.keys: no cell or column with key '{k}'"));
                        None
                    }
                })
                .collect();
        }
        let types: Vec<FieldType> = match &r.types {
            Some(ts) => ts
                .iter()
                .filter_map(|t| {
                    let x = FieldType::parse(t);
                    if x.is_none() {
                        p.push(format!("{path}.types: '{t}' is not a field type"));
                    }
                    x
                })
                .collect(),
            None => default_types.to_vec(),
        };
        all_fields()
            .into_iter()
            .filter(|f| types.contains(&ty(*f)))
            .collect()
    };
    let kind = match r.kind.as_str() {
        "whole_number" => RuleKind::WholeNumber {
            targets: targets(&[FieldType::Count], p),
        },
        "range" => {
            need(r.min.is_some() || r.max.is_some(), "min/max", p);
            let min = r.min.unwrap_or(f64::MIN);
            let max = r.max.unwrap_or(f64::MAX);
            if !(min.is_finite() && max.is_finite() && min <= max) {
                p.push(format!("{path}.min/max: need finite min <= max"));
            }
            RuleKind::Range {
                targets: targets(&[FieldType::Percent], p),
                min,
                max,
            }
        }
        "required" => {
            let t = if r.keys.is_some() {
                targets(&[], p)
            } else {
                let mut v: Vec<FieldRef> = (0..cells.len())
                    .filter(|&i| cells[i].required)
                    .map(FieldRef::Cell)
                    .collect();
                for (t, table) in tables.iter().enumerate() {
                    v.extend(
                        (0..table.columns.len())
                            .filter(|&c| table.columns[c].required)
                            .map(|c| FieldRef::Column {
                                table: t,
                                column: c,
                            }),
                    );
                }
                v
            };
            RuleKind::Required { targets: t }
        }
        "sum" => {
            need(r.table.is_some(), "table", p);
            let t = tables.iter().position(|t| Some(&t.key) == r.table.as_ref());
            let Some(t) = t else {
                if let Some(name) = &r.table {
                    p.push(format!("{path}.table: no table with key '{name}'"));
                }
                return None;
            };
            let columns = match &r.columns {
                Some(cs) => cs
                    .iter()
                    .filter_map(|c| {
                        let x = tables[t].columns.iter().position(|col| &col.key == c);
                        if x.is_none() {
                            p.push(format!(
                                "{path}.columns: table '{}' has no column '{c}'",
                                tables[t].key
                            ));
                        }
                        x
                    })
                    .collect(),
                None => (0..tables[t].columns.len()).collect(),
            };
            RuleKind::Sum { table: t, columns }
        }
        "part" => {
            need(r.whole.is_some(), "whole", p);
            need(r.parts.as_ref().is_some_and(|x| !x.is_empty()), "parts", p);
            let whole = numeric(r.whole.as_deref().unwrap_or_default(), "whole", p)?;
            let parts: Vec<Vec<FieldRef>> = r
                .parts
                .iter()
                .flatten()
                .map(|group| {
                    group
                        .iter()
                        .filter_map(|k| numeric(k, "parts", p))
                        .collect()
                })
                .collect();
            RuleKind::Part { whole, parts }
        }
        "balance" => {
            need(r.result.is_some(), "result", p);
            let result = numeric(r.result.as_deref().unwrap_or_default(), "result", p)?;
            RuleKind::Balance {
                result,
                plus: list(&r.plus, "plus", p),
                minus: list(&r.minus, "minus", p),
            }
        }
        "percent" => {
            need(r.base.is_some(), "base", p);
            need(r.pairs.as_ref().is_some_and(|x| !x.is_empty()), "pairs", p);
            let base = numeric(r.base.as_deref().unwrap_or_default(), "base", p)?;
            let pairs = r
                .pairs
                .iter()
                .flatten()
                .filter_map(|pair| {
                    let pc = numeric(&pair.percent, "pairs.percent", p)?;
                    let c = numeric(&pair.count, "pairs.count", p)?;
                    if ty(pc) != FieldType::Percent {
                        p.push(format!(
                            "{path}.pairs.percent: '{}' is not of type percent",
                            pair.percent
                        ));
                    }
                    Some((pc, c))
                })
                .collect();
            RuleKind::Percent {
                base,
                pairs,
                tolerance: r.tolerance.unwrap_or(f64::NAN),
            }
        }
        "equal" => {
            let ks = list(&r.keys, "keys", p);
            if ks.len() < 2 {
                p.push(format!("{path}.keys: 'equal' needs at least two keys"));
            }
            RuleKind::Equal { keys: ks }
        }
        "unit" => RuleKind::Unit,
        "period" => RuleKind::Period,
        o => {
            p.push(format!(
                "{path}.kind: '{o}' is not one of whole_number, range, required, sum, part, balance, percent, equal, unit, period"
            ));
            return None;
        }
    };
    Some(kind)
}
