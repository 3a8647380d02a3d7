//! What a rule kind needs to check a report: its figures with where they were read, and
//! a place to put findings (capped per code and sheet).

use super::Meta;
use crate::cellref::Pos;
use crate::extract::{Report, Row, Value};
use crate::finding::{Capped, Finding, Shown};
use crate::lang::{Lang, Msg};
use crate::spec::{FieldRef, FieldType, Layout};
use std::borrow::Cow;

/// One place a figure was read: which of the form's sheets, which cell.
#[derive(Debug, Clone, Copy)]
pub struct At {
    /// The form's sheet index.
    pub sheet: usize,
    /// The cell.
    pub pos: Pos,
}

/// Checks one report; rule kinds read its figures and push findings.
pub struct Checker<'a> {
    /// The form.
    pub layout: &'a Layout,
    /// The figures being checked.
    pub report: &'a Report,
    /// What the run knows beyond the file.
    pub ctx: &'a super::Context,
    out: Capped,
    /// The unit code is blank but the name names a unit, or the code is the form's lookup
    /// never calculated: the unit rule speaks of it, so the blank code is not also a
    /// required-cell error.
    pub code_by_name: bool,
    /// The past, for the rules that look back; `None` while the file alone is checked.
    pub past: Option<PastView<'a>>,
}

/// What a look-back rule sees of the past: the run's history and the report's unit.
#[derive(Debug, Clone, Copy)]
pub struct PastView<'a> {
    /// The periods the archive holds around this one.
    pub history: &'a crate::history::History,
    /// The unit (index into the form's units) whose report is checked.
    pub unit: usize,
}

/// Counts are exact integers; decimals compare with a tolerance for binary rounding.
pub const EPS: f64 = 1e-9;

impl<'a> Checker<'a> {
    pub(super) fn new(layout: &'a Layout, report: &'a Report, ctx: &'a super::Context) -> Self {
        Self {
            layout,
            report,
            ctx,
            out: Capped::default(),
            // A lookup never calculated reads blank too: the unit cannot fill it in, and
            // the unit rule says what to do.
            code_by_name: report.code_uncalculated
                || super::unit::code_blank_but_named(layout, report),
            past: None,
        }
    }

    pub(super) fn finish(self) -> Vec<Finding> {
        self.out.finish(&self.report.sheet_names)
    }

    /// The field's label in Vietnamese and in English.
    pub fn label(&self, f: FieldRef) -> (&'a str, &'a str) {
        (
            self.layout.field_label(f, false),
            self.layout.field_label(f, true),
        )
    }

    /// The single figure of a field: a cell, or a column's total row. Borrowed where
    /// the report holds it as a [`Value`], made where a list holds it packed.
    pub fn scalar(&self, f: FieldRef) -> Option<(Cow<'a, Value>, At)> {
        match f {
            FieldRef::Cell(i) => {
                let c = &self.layout.cells[i];
                Some((
                    Cow::Borrowed(&self.report.cells[i]),
                    At {
                        sheet: c.sheet,
                        pos: c.pos,
                    },
                ))
            }
            FieldRef::Column { table, column } => {
                let t = &self.layout.tables[table];
                let total = self.report.tables[table].total.as_ref()?;
                Some((
                    Cow::Borrowed(&total.values[column]),
                    At {
                        sheet: t.sheet,
                        pos: Pos::new(total.row, t.columns[column].col),
                    },
                ))
            }
            FieldRef::Item { list, row, column } => {
                let l = &self.layout.lists[list];
                let found = self.report.lists.get(list)?;
                Some((
                    found.value(row, column)?,
                    At {
                        sheet: l.sheet,
                        pos: Pos::new(found.row(row)?, l.columns[column].col),
                    },
                ))
            }
            // Computed, not typed: placed where it is computed from (the table it
            // counts, the count it divides), for a finding that has no better place.
            FieldRef::Derived(i) => {
                let v = self.report.derived.get(i)?;
                let at = match &self.layout.derived[i].how {
                    crate::spec::Derivation::CountRows { table, column, .. } => {
                        let t = &self.layout.tables[*table];
                        At {
                            sheet: t.sheet,
                            pos: Pos::new(t.header_row, t.columns[*column].col),
                        }
                    }
                    crate::spec::Derivation::Ratio { numerator, .. } => self.scalar(*numerator)?.1,
                    crate::spec::Derivation::Sum { plus } => self.scalar(*plus.first()?)?.1,
                };
                Some((Cow::Borrowed(v), at))
            }
        }
    }

    /// The single figure of a field as a number, when it is one. A blank count that
    /// is not required is nothing to report, and counts as 0; a blank required figure
    /// (which has its own finding) or a blank percentage leaves the rule out.
    pub fn number(&self, f: FieldRef) -> Option<(f64, At)> {
        let (v, at) = self.scalar(f)?;
        match *v {
            Value::Number(n) => Some((n, at)),
            Value::Blank
                if self.layout.field_type(f) == FieldType::Count
                    && !self.layout.field_required(f)
                    && !matches!(f, FieldRef::Derived(_)) =>
            {
                Some((0.0, at))
            }
            _ => None,
        }
    }

    /// Every figure of a field: one for a cell; each row and the total for a column.
    /// An iterator over the report, not over `self`, so a rule can push findings while
    /// walking it; no list is built per field and rule.
    pub fn all(
        &self,
        f: FieldRef,
    ) -> impl Iterator<Item = (Cow<'a, Value>, At, Option<&'a Row>)> + use<'a> {
        let cell = match f {
            FieldRef::Column { .. } => None,
            _ => self.scalar(f).map(|(v, a)| (v, a, None)),
        };
        let rows = match f {
            FieldRef::Cell(_) | FieldRef::Item { .. } | FieldRef::Derived(_) => None,
            FieldRef::Column { table, column } => {
                let sheet = self.layout.tables[table].sheet;
                let col = self.layout.tables[table].columns[column].col;
                let d = &self.report.tables[table];
                Some(d.rows.iter().chain(d.total.as_ref()).map(move |r| {
                    (
                        Cow::Borrowed(&r.values[column]),
                        At {
                            sheet,
                            pos: Pos::new(r.row, col),
                        },
                        Some(r),
                    )
                }))
            }
        };
        cell.into_iter().chain(rows.into_iter().flatten())
    }

    /// Record a finding of `rule` at `at`.
    pub fn push(
        &mut self,
        rule: &Meta,
        at: At,
        message: Msg,
        found: Option<Shown>,
        expected: Option<Shown>,
    ) {
        self.push_as(rule, rule.severity, at, message, found, expected);
    }

    /// [`Checker::push`] with a severity of the check's choosing: a look-back rule
    /// errs only against a closed period, and warns otherwise.
    pub fn push_as(
        &mut self,
        rule: &Meta,
        severity: crate::finding::Severity,
        at: At,
        message: Msg,
        found: Option<Shown>,
        expected: Option<Shown>,
    ) {
        let mut f = Finding::new(rule.code.clone(), severity, message).at(at.sheet, Some(at.pos));
        f.found = found;
        f.expected = expected;
        self.out.push(f);
    }

    /// Whether two figures of type `ty` are equal: counts exactly, others within
    /// binary rounding.
    pub fn same(a: f64, b: f64, ty: FieldType) -> bool {
        match ty {
            FieldType::Count => a == b,
            _ => (a - b).abs() <= 1e-6 * a.abs().max(b.abs()).max(1.0),
        }
    }
}

/// Where on a table a figure is, for a message: ` (dòng 7: Chi bộ A)`; empty for a cell.
pub fn row_note(row: Option<&Row>) -> (String, String) {
    match row {
        Some(r) if !r.label.is_empty() => (
            format!(" (dòng {}: {})", r.row + 1, r.label),
            format!(" (row {}: {})", r.row + 1, r.label),
        ),
        Some(r) => (
            format!(" (dòng {})", r.row + 1),
            format!(" (row {})", r.row + 1),
        ),
        None => (String::new(), String::new()),
    }
}

/// A figure in Vietnamese and in English notation, for the two texts of a message.
pub fn num(v: f64) -> (String, String) {
    (Lang::Vi.number(v), Lang::En.number(v))
}

/// Where a look-back rule's figure came from, for its message: the period and the
/// unit's file, or the units whose figures were added up (and whether that is exact).
pub fn source_note(r: &crate::history::Reference, l: &crate::history::Looked) -> (String, String) {
    let period = r.period.to_string();
    if l.through.is_empty() {
        let file = l.file.as_deref().unwrap_or("?");
        return (
            format!("kỳ {period}, tệp {file}"),
            format!("period {period}, file {file}"),
        );
    }
    let units = l.through.join(", ");
    let (vi, en) = if l.exact {
        ("", "")
    } else {
        (", ước tính", ", approximate")
    };
    (
        format!("kỳ {period}, cộng từ các đơn vị trước đây {units}{vi}"),
        format!("period {period}, added up from the former units {units}{en}"),
    )
}
