//! The resolved layout: every reference checked and turned into an index.

use super::file::SpecFile;
use super::units::Roster;
use crate::cellref::{Pos, parse_column};
use crate::text::fold;
use std::collections::{BTreeMap, HashMap};

/// What a cell or column holds; decides how text is parsed and which rules apply.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum FieldType {
    /// A head count, whole and never negative (the `whole_number` rule); summed for the province.
    Count,
    /// A rate in percent (36.56 means 36.56 %), recomputed for the province from its count and base.
    Percent,
    /// A figure that may be fractional, such as a mean age.
    Decimal,
    /// Free text, such as a unit's name; never summed.
    Text,
    /// A date, typed or an Excel serial.
    Date,
}

impl FieldType {
    /// The type named `s` in the specification.
    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "count" => Self::Count,
            "percent" => Self::Percent,
            "decimal" => Self::Decimal,
            "text" => Self::Text,
            "date" => Self::Date,
            _ => return None,
        })
    }
    /// Whether it holds a figure (count, percent, decimal) rather than text or a date.
    pub fn is_numeric(self) -> bool {
        matches!(self, Self::Count | Self::Percent | Self::Decimal)
    }
    /// Its name in the specification (`type = "count"`), the inverse of [`FieldType::parse`].
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

/// How a fixed text of the template is printed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TextStyle {
    /// Ordinary text, wrapped.
    Plain,
    /// A column heading: bold, centred, wrapped, filled and bordered.
    Header,
    /// A section heading: bold italic.
    Section,
    /// A note to the clerk: grey italic.
    Note,
}

/// A sheet of the form, as the template writes it.
#[derive(Debug, Clone)]
pub struct Sheet {
    /// The sheet's name, by which a submission's sheet is found.
    pub name: String,
    /// Title printed in row 1, merged across the used columns.
    pub title: Option<String>,
    /// Column widths in Excel's character units, from column A; each within 0..255.
    pub column_widths: Vec<f64>,
    /// Fixed texts written at zero-based positions, with their style.
    pub texts: Vec<(Pos, String, TextStyle)>,
    /// Texts merged across their row: the text's cell and the last column it spans.
    pub merges: Vec<(Pos, u16)>,
}

/// A single input cell of the form (a unit's name, a period's figure).
#[derive(Debug, Clone)]
pub struct Cell {
    /// The cell's key, unique among all fields; rules name it by this.
    pub key: String,
    /// Index of its sheet in [`Layout::sheets`].
    pub sheet: usize,
    /// Its zero-based position on that sheet.
    pub pos: Pos,
    /// What it holds; decides how its text is read.
    pub ty: FieldType,
    /// Vietnamese label, used in findings and outputs.
    pub label: String,
    /// English label; the Vietnamese one when the spec gives none.
    pub label_en: String,
    /// A blank cell is a finding; otherwise blank is allowed.
    pub required: bool,
}

/// A figure column of a table or list.
#[derive(Debug, Clone)]
pub struct Column {
    /// The column's key, unique within its table or list.
    pub key: String,
    /// Zero-based column on the sheet.
    pub col: u16,
    /// What its cells hold.
    pub ty: FieldType,
    /// Vietnamese heading, used in findings and outputs.
    pub label: String,
    /// English heading; the Vietnamese one when absent.
    pub label_en: String,
    /// Every row with figures must have this column filled.
    pub required: bool,
}

/// A table of variable length (one row per organisation), closed by its total row.
#[derive(Debug, Clone)]
pub struct Table {
    /// The table's key, unique in the form.
    pub key: String,
    /// Index of its sheet in [`Layout::sheets`].
    pub sheet: usize,
    /// Zero-based rows.
    pub header_row: u32,
    /// First data row, zero-based.
    pub first_row: u32,
    /// Zero-based column holding each row's label and, at the end, the total label.
    pub label_col: u16,
    /// The table's name in Vietnamese, used in findings.
    pub label: String,
    /// The table's name in English; the Vietnamese one when absent.
    pub label_en: String,
    /// Label of the total row (`Tổng cộng`), matched after folding case and accents.
    pub total_label: String,
    /// Blank data rows the template writes before the total row (default 15).
    pub template_rows: u32,
    /// Rows searched from `first_row` for the total row (default 100,000).
    pub max_rows: u32,
    /// Its figure columns.
    pub columns: Vec<Column>,
}

impl Table {
    /// The last row the reader needs to look at: the total row may sit anywhere below.
    pub fn last_row(&self) -> u32 {
        self.first_row.saturating_add(self.max_rows)
    }
}

/// A figure a rule can refer to: a single cell, a column of a table, one figure of a
/// fixed-row list, or a figure derived from others.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum FieldRef {
    /// An input cell, by index.
    Cell(usize),
    /// A table's column: its rows and its total row.
    Column {
        /// The table.
        table: usize,
        /// The column.
        column: usize,
    },
    /// A list's line and column.
    Item {
        /// The list.
        list: usize,
        /// The line.
        row: usize,
        /// The figure column.
        column: usize,
    },
    /// A derived figure, by index.
    Derived(usize),
}

/// Cells where the template writes the form's id and version, so a submission on another form is told apart.
#[derive(Debug, Clone, Copy)]
pub struct Stamp {
    /// Index of the sheet holding them in [`Layout::sheets`].
    pub sheet: usize,
    /// Zero-based position of the form id.
    pub id: Pos,
    /// Zero-based position of the form version.
    pub version: Pos,
}

/// The cells that say who reports and for which period, as indexes into [`Layout::cells`].
#[derive(Debug, Clone, Copy)]
pub struct Identity {
    /// The unit's code, matched against the roster.
    pub unit_code: usize,
    /// The unit's name, when the form asks for it.
    pub unit_name: Option<usize>,
    /// First day of the reporting period.
    pub period_from: usize,
    /// Last day of the reporting period.
    pub period_to: usize,
    /// The date the report was signed, when the form asks for it.
    pub report_date: Option<usize>,
    /// Who prepared the report, when the form asks: whom the province calls about it.
    pub preparer: Option<usize>,
    /// The preparer's phone, when the form asks.
    pub phone: Option<usize>,
}

/// A form's layout: what it asks for and where. Its rules are resolved against it
/// (see [`crate::rules`]) and together they make a [`crate::form::Form`].
#[derive(Debug, Clone)]
pub struct Layout {
    /// The form's id (a slug such as `phat-trien-dang-vien`), checked against the stamp.
    pub id: String,
    /// The form's version, checked against the stamp.
    pub version: String,
    /// Vietnamese title, printed on the template and the outputs.
    pub title: String,
    /// English title; the Vietnamese one when absent.
    pub title_en: String,
    /// The province, printed after the title of the consolidated workbook; may be empty.
    pub province: String,
    /// The province's code as a unit of the level above (`[form] province_code`); empty
    /// when the form has none, and then no upward report is written.
    pub province_code: String,
    /// Default tolerance of percentage checks, in percentage points (0.01 unless set).
    pub tolerance: f64,
    /// Days after the end of the period by which a report is due, when the form says.
    pub deadline_days: Option<u32>,
    /// Where the form's id and version are stamped, if the form has a stamp.
    pub stamp: Option<Stamp>,
    /// Which cells say who reports and when.
    pub identity: Identity,
    /// Every unit of the form, past and present, by code.
    pub units: Roster,
    /// The form's sheets, in order; other items refer to them by index.
    pub sheets: Vec<Sheet>,
    /// Single input cells.
    pub cells: Vec<Cell>,
    /// Variable-length tables closed by a total row.
    pub tables: Vec<Table>,
    /// Fixed-row lists.
    pub lists: Vec<super::lists::List>,
    /// Figures computed from others.
    pub derived: Vec<super::derived::Derived>,
    /// The figure charted by unit in the consolidated workbook.
    pub chart: Option<FieldRef>,
    /// The figures of the consolidated summary, one column each.
    pub summary: Vec<FieldRef>,
    /// The figures compared with earlier periods.
    pub compare: Vec<FieldRef>,
    /// The figures with a target (`[form] targets`).
    pub targets: Vec<crate::targets::TargetSpec>,
    /// The congress term, when the form declares one.
    pub term: Option<crate::term::Term>,
    /// The summary's sentences, when the form has them.
    pub brief: Option<crate::summary::Template>,
    /// The printed form's heading, signatures and instructions, when the form has them.
    pub paper: Option<super::report::Paper>,
    keys: BTreeMap<String, FieldRef>,
}

/// The sheet of the blank form that lists the units by name and code for the unit-name
/// cell's drop-down; a form with a sheet of that name of its own gets no list.
pub const UNIT_LIST_SHEET: &str = "Danh sách đơn vị";

/// Whether the blank form carries the units' name list: it asks for the unit's name, no
/// sheet of its own bears the list's name, and the roster is small enough to list
/// ([`Roster::listed`]).
fn lists_units(identity: &Identity, units: &Roster, sheets: &[Sheet]) -> bool {
    identity.unit_name.is_some()
        && units.listed()
        && !sheets.iter().any(|s| s.name == UNIT_LIST_SHEET)
}

impl Layout {
    /// Whether the blank form offers the unit names in a drop-down (and fills the code
    /// from the name): what its instructions and the messages may ask the unit to do.
    pub fn has_unit_list(&self) -> bool {
        lists_units(&self.identity, &self.units, &self.sheets)
    }

    /// `key` or `table.column` as used in rules, describe and report.json.
    pub fn field(&self, key: &str) -> Option<FieldRef> {
        self.keys.get(key).copied()
    }

    /// The field's key as written in the spec: `key`, `table.column` or `list.row.column`.
    pub fn field_key(&self, f: FieldRef) -> String {
        match f {
            FieldRef::Cell(i) => self.cells[i].key.clone(),
            FieldRef::Column { table, column } => {
                format!(
                    "{}.{}",
                    self.tables[table].key, self.tables[table].columns[column].key
                )
            }
            FieldRef::Item { list, row, column } => {
                let l = &self.lists[list];
                format!("{}.{}.{}", l.key, l.rows[row].key, l.columns[column].key)
            }
            FieldRef::Derived(i) => self.derived[i].key.clone(),
        }
    }

    /// What the field holds; a list line may override its column's type.
    pub fn field_type(&self, f: FieldRef) -> FieldType {
        match f {
            FieldRef::Cell(i) => self.cells[i].ty,
            FieldRef::Column { table, column } => self.tables[table].columns[column].ty,
            FieldRef::Item { list, row, column } => self.lists[list].item_type(row, column),
            FieldRef::Derived(i) => self.derived[i].ty(),
        }
    }

    /// Whether the field must be filled: a blank required figure is a finding, a blank
    /// optional count is nothing to report.
    pub fn field_required(&self, f: FieldRef) -> bool {
        match f {
            FieldRef::Cell(i) => self.cells[i].required,
            FieldRef::Column { table, column } => self.tables[table].columns[column].required,
            FieldRef::Item { list, row, column } => self.lists[list].item_required(row, column),
            FieldRef::Derived(_) => false,
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
            FieldRef::Item { list, row, column } => {
                let (vi, e) = &self.lists[list].item_labels[row][column];
                if en { e } else { vi }
            }
            FieldRef::Derived(i) => {
                let d = &self.derived[i];
                if en { &d.label_en } else { &d.label }
            }
        }
    }

    /// Every typed field in declaration order: the cells, each table's columns, each
    /// list's figures (lines with figures only). Derived figures are not typed.
    pub fn fields(&self) -> impl Iterator<Item = FieldRef> + '_ {
        let cells = (0..self.cells.len()).map(FieldRef::Cell);
        let columns = self.tables.iter().enumerate().flat_map(|(table, t)| {
            (0..t.columns.len()).map(move |column| FieldRef::Column { table, column })
        });
        let items = self.lists.iter().enumerate().flat_map(|(list, l)| {
            l.rows
                .iter()
                .enumerate()
                .filter(|(_, r)| r.figures)
                .flat_map(move |(row, _)| {
                    (0..l.columns.len()).map(move |column| FieldRef::Item { list, row, column })
                })
        });
        cells.chain(columns).chain(items)
    }

    /// Every figure the province adds up: the numeric cells, table columns and derived
    /// figures, then every list's, each once.
    pub fn summed_fields(&self) -> Vec<FieldRef> {
        let mut out: Vec<FieldRef> = (0..self.cells.len())
            .filter(|&i| self.cells[i].ty.is_numeric())
            .map(FieldRef::Cell)
            .collect();
        for (t, table) in self.tables.iter().enumerate() {
            out.extend((0..table.columns.len()).map(|c| FieldRef::Column {
                table: t,
                column: c,
            }));
        }
        out.extend((0..self.derived.len()).map(FieldRef::Derived));
        for l in 0..self.lists.len() {
            out.extend(self.list_fields(l));
        }
        out
    }

    /// The column of every line of a list, when `key` is `list.*.column`.
    pub fn list_column(&self, key: &str) -> Option<(usize, usize)> {
        let mut parts = key.split('.');
        let (list, star, column, None) =
            (parts.next()?, parts.next()?, parts.next()?, parts.next())
        else {
            return None;
        };
        if star != "*" {
            return None;
        }
        let l = self.lists.iter().position(|l| l.key == list)?;
        let c = self.lists[l].columns.iter().position(|c| c.key == column)?;
        Some((l, c))
    }

    /// The line `list.row` of a list, when `key` names one that has figures.
    pub fn line(&self, key: &str) -> Option<(usize, usize)> {
        let (list, row) = key.split_once('.')?;
        let l = self.lists.iter().position(|l| l.key == list)?;
        let r = self.lists[l]
            .rows
            .iter()
            .position(|r| r.key == row && r.figures)?;
        Some((l, r))
    }

    /// Every figure of every list, in the list's order: line by line, column by column.
    pub fn list_fields(&self, list: usize) -> Vec<FieldRef> {
        let l = &self.lists[list];
        l.rows
            .iter()
            .enumerate()
            .filter(|(_, r)| r.figures)
            .flat_map(|(row, _)| {
                (0..l.columns.len()).map(move |column| FieldRef::Item { list, row, column })
            })
            .collect()
    }
}

/// Resolve names to indices; every problem is collected, not just the first. The
/// layout is built whatever the problems (a bad reference points at index 0), so the
/// rules can still be resolved against it and their problems named too.
pub(super) fn resolve(raw: &SpecFile) -> (Layout, Vec<String>) {
    let mut p: Vec<String> = Vec::new();

    let mut sheets = Vec::new();
    let mut sheet_idx: HashMap<String, usize> = HashMap::new();
    // Texts worded otherwise for a blank form with no unit list: (sheet, text, wording),
    // put in place once the units are known.
    let mut unlisted: Vec<(usize, usize, String)> = Vec::new();
    for (i, s) in raw.sheets.iter().enumerate() {
        if sheet_idx.insert(fold(&s.name), i).is_some() {
            p.push(format!("sheets[{i}].name: duplicate sheet '{}'", s.name));
        }
        let mut texts = Vec::new();
        let mut merges = Vec::new();
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
            if let Ok(pos) = t.cell.parse::<Pos>() {
                if let Some(to) = &t.to {
                    match to.parse::<Pos>() {
                        Ok(end) if end.row == pos.row && end.col > pos.col => merges.push((pos, end.col)),
                        _ => p.push(format!(
                            "sheets[{i}].texts[{j}].to: '{to}' must be a cell to the right on the same row"
                        )),
                    }
                }
                if let Some(u) = &t.unlisted {
                    unlisted.push((i, texts.len(), u.clone()));
                }
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
            merges,
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

    let sheet_names: Vec<String> = sheets.iter().map(|s: &Sheet| s.name.clone()).collect();
    let lists = super::lists::resolve(&raw.lists, &find_sheet, &sheet_names, &mut keys, &mut p);
    let type_of = |f: FieldRef, derived: &[super::derived::Derived]| match f {
        FieldRef::Cell(i) => cells[i].ty,
        FieldRef::Column { table, column } => tables[table].columns[column].ty,
        FieldRef::Item { list, row, column } => lists[list].item_type(row, column),
        FieldRef::Derived(i) => derived[i].ty(),
    };
    let derived = super::derived::resolve(&raw.derived, &tables, &mut keys, &type_of, &mut p);

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
        preparer: raw
            .identity
            .preparer
            .as_deref()
            .map(|k| cell_key(k, "identity.preparer", &[FieldType::Text], &mut p)),
        phone: raw
            .identity
            .phone
            .as_deref()
            .map(|k| cell_key(k, "identity.phone", &[FieldType::Text], &mut p)),
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

    let units = super::units::resolve(&raw.units, &mut p);
    let listed = lists_units(&identity, &units, &sheets);
    if !listed {
        for (s, t, text) in unlisted {
            sheets[s].texts[t].1 = text;
        }
    }

    let numeric = |f: &FieldRef| type_of(*f, &derived).is_numeric();
    let chart = raw.form.chart.as_deref().and_then(|k| match keys.get(k) {
        Some(f) if numeric(f) => Some(*f),
        _ => {
            p.push(format!("form.chart: '{k}' is not a numeric figure"));
            None
        }
    });
    let summary: Vec<FieldRef> = match &raw.form.summary {
        Some(ks) => ks
            .iter()
            .filter_map(|k| match keys.get(k) {
                Some(f) if numeric(f) => Some(*f),
                _ => {
                    p.push(format!("form.summary: '{k}' is not a numeric figure"));
                    None
                }
            })
            .chain(chart.filter(|c| !ks.iter().any(|k| keys.get(k) == Some(c))))
            .collect(),
        None => {
            let mut v: Vec<FieldRef> = (0..cells.len())
                .filter(|&i| cells[i].ty.is_numeric())
                .map(FieldRef::Cell)
                .collect();
            for (t, table) in tables.iter().enumerate() {
                v.extend((0..table.columns.len()).map(|c| FieldRef::Column {
                    table: t,
                    column: c,
                }));
            }
            v.extend((0..derived.len()).map(FieldRef::Derived));
            v.extend(chart.filter(|c| matches!(c, FieldRef::Item { .. })));
            v
        }
    };
    let compare: Vec<FieldRef> = match &raw.form.compare {
        Some(ks) => ks
            .iter()
            .filter_map(|k| match keys.get(k) {
                Some(f) if numeric(f) => Some(*f),
                _ => {
                    p.push(format!("form.compare: '{k}' is not a numeric figure"));
                    None
                }
            })
            .collect(),
        None => chart.into_iter().collect(),
    };
    let numeric_key = |k: &str| keys.get(k).copied().filter(|f| numeric(f));
    let targets = crate::targets::resolve(&raw.form.targets, &numeric_key, &mut p);
    let term = raw
        .form
        .term
        .as_ref()
        .and_then(|t| crate::term::resolve(t, &targets, &numeric_key, &mut p));
    let paper = raw.report.as_ref().and_then(|r| {
        super::report::resolve(
            r,
            &|name| sheet_idx.get(&fold(name)).copied(),
            listed,
            &mut p,
        )
    });
    let brief = raw
        .summary
        .as_ref()
        .map(|s| crate::summary::resolve(s, &numeric_key, &mut p));
    let layout = Layout {
        id: raw.form.id.clone(),
        version: raw.form.version.clone(),
        title_en: raw
            .form
            .title_en
            .clone()
            .unwrap_or_else(|| raw.form.title.clone()),
        title: raw.form.title.clone(),
        province: raw.form.province.clone().unwrap_or_default(),
        province_code: raw.form.province_code.clone().unwrap_or_default(),
        tolerance: raw.form.tolerance,
        deadline_days: raw.form.deadline_days,
        stamp,
        identity,
        units,
        sheets,
        cells,
        tables,
        lists,
        derived,
        chart,
        summary,
        compare,
        targets,
        term,
        brief,
        paper,
        keys,
    };
    (layout, p)
}
