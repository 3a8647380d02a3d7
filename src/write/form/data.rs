//! What the layout is given: the figures of one workbook (input cells, each table's
//! rows and total) and the cells to mark. Kept apart from the layout so the three
//! writers (template, samples, returned workbook) share one description of a filled
//! form, and a table's rows can stay wherever they are held ([`TableRows`]).

use super::values::{Out, OutRef};
use crate::cellref::Pos;
use crate::form::Form;
use crate::spec::FieldRef;
use std::collections::BTreeMap;

/// The body rows of one table, however they are held: built for a sample, or as read
/// from a unit's workbook (a returned workbook borrows those instead of copying them).
/// Rows are asked for by index, in order; a writer streams them without collecting them.
pub trait TableRows {
    /// How many body rows.
    fn len(&self) -> usize;
    /// Whether there is no body row: the total row then sums an empty range.
    fn is_empty(&self) -> bool {
        self.len() == 0
    }
    /// Zero-based sheet row of the `i`-th row: a unit's rows stay where the unit put
    /// them, so notes point at the unit's own cells.
    fn row(&self, i: usize) -> u32;
    /// What the label column shows on the `i`-th row.
    fn label(&self, i: usize) -> OutRef<'_>;
    /// The `i`-th row's value in the table's `column`-th column; `None` leaves the cell
    /// unwritten.
    fn value(&self, i: usize, column: usize) -> Option<OutRef<'_>>;
}

/// Rows built in memory: (zero-based row, label, one value per column).
pub type BuiltRows = Vec<(u32, Out, Vec<Out>)>;

impl TableRows for BuiltRows {
    fn len(&self) -> usize {
        Vec::len(self)
    }
    fn row(&self, i: usize) -> u32 {
        self[i].0
    }
    fn label(&self, i: usize) -> OutRef<'_> {
        self[i].1.view()
    }
    fn value(&self, i: usize, column: usize) -> Option<OutRef<'_>> {
        self[i].2.get(column).map(Out::view)
    }
}

/// One table of a filled form. The total row is given apart from the body because a
/// unit may have inserted rows, moving it, and may have typed figures over the SUM.
#[derive(Debug, Clone)]
pub struct TableOut<R = BuiltRows> {
    /// The body rows.
    pub rows: R,
    /// Zero-based sheet row of the total row: where the unit's total row was.
    pub total_row: u32,
    /// The total row's values as the unit wrote them, one per column; `None` writes
    /// each column's SUM formula, as the blank form has it.
    pub total: Option<Vec<Out>>,
    /// Label text of the total row as the unit wrote it (defaults to the form's).
    pub total_label: Option<String>,
    /// The header of the label column when its rows are not what the form says (a
    /// province's upward report lists units where a unit's lists organisations).
    pub label: Option<String>,
}

/// Figures to lay into the form; without them the layout writes the blank template.
#[derive(Debug, Clone)]
pub struct FormData<R = BuiltRows> {
    /// The form id stamped on the workbook: a returned workbook keeps the one the unit's
    /// file carried, so the unit sees which form it filled.
    pub form_id: String,
    /// The form version stamped beside the id, kept the same way.
    pub form_version: String,
    /// One value per input cell of the form, in the form's order.
    pub cells: Vec<Out>,
    /// One entry per table of the form, in the form's order.
    pub tables: Vec<TableOut<R>>,
    /// One entry per fixed-row list of the form, in the form's order.
    pub lists: Vec<ListOut>,
}

impl FormData {
    /// The blank form as data: every input cell and list figure blank, each table its
    /// template's empty rows under the form's SUM totals. What a pre-filled form starts
    /// from, so it is laid out cell for cell as the blank template.
    pub fn blank(form: &Form) -> FormData {
        FormData {
            form_id: form.id.clone(),
            form_version: form.version.clone(),
            cells: vec![Out::Blank; form.cells.len()],
            tables: form
                .tables
                .iter()
                .map(|t| TableOut {
                    rows: (0..t.template_rows)
                        .map(|i| {
                            (
                                t.first_row + i,
                                Out::Blank,
                                vec![Out::Blank; t.columns.len()],
                            )
                        })
                        .collect(),
                    total_row: t.first_row + t.template_rows,
                    total: None,
                    total_label: None,
                    label: None,
                })
                .collect(),
            lists: form
                .lists
                .iter()
                .map(|l| ListOut {
                    rows: (0..l.rows.len())
                        .map(|i| Some((l.first_row + i as u32, vec![Out::Blank; l.columns.len()])))
                        .collect(),
                })
                .collect(),
        }
    }

    /// Write `value` as figure `f` (an input cell or a list's cell); its sheet and cell,
    /// or `None` for a figure the data has no cell for (a table's total, a derived one).
    pub fn set(&mut self, form: &Form, f: FieldRef, value: Out) -> Option<(usize, Pos)> {
        match f {
            FieldRef::Cell(i) => {
                *self.cells.get_mut(i)? = value;
                Some((form.cells[i].sheet, form.cells[i].pos))
            }
            FieldRef::Item { list, row, column } => {
                let (at, values) = self.lists.get_mut(list)?.rows.get_mut(row)?.as_mut()?;
                *values.get_mut(column)? = value;
                let l = &form.lists[list];
                Some((l.sheet, Pos::new(*at, l.columns[column].col)))
            }
            FieldRef::Column { .. } | FieldRef::Derived(_) => None,
        }
    }
}

/// One fixed-row list of a filled form: each line's sheet row and figures, `None` for a
/// line the unit's file lacks (a returned workbook then leaves it out: its finding says
/// so). A sample puts each line where the blank form has it.
#[derive(Debug, Clone, Default)]
pub struct ListOut {
    /// By the list's line: (zero-based sheet row, one value per figure column).
    pub rows: Vec<Option<(u32, Vec<Out>)>>,
}

/// The cells to highlight, each with the note that explains why: how a returned
/// workbook points the unit at its faults in its own layout.
#[derive(Debug, Clone, Default)]
pub struct Marks {
    /// (sheet index, cell) to (any error among them, the notes' texts in order). Sorted,
    /// so the notes are written in the same order run to run.
    pub notes: BTreeMap<(usize, Pos), (bool, Vec<String>)>,
    /// (sheet index, cell) to the lines explaining its faults on paper, written beside
    /// the cell's row by [`super::write_returned_form`]: a note does not print.
    pub lines: BTreeMap<(usize, Pos), Vec<String>>,
    /// (sheet index, cell) to where its value comes from: a cell the province filled in
    /// before sending the form (`template --per-unit`), locked so the unit keeps it, its
    /// note saying where the figure was taken.
    pub fixed: BTreeMap<(usize, Pos), String>,
}

impl Marks {
    /// Mark a cell; several notes on one cell are joined. `error` false: a warning
    /// (highlighted in amber instead of red, unless an error marks the cell too).
    pub fn add(&mut self, sheet: usize, pos: Pos, error: bool, text: String) {
        let e = self
            .notes
            .entry((sheet, pos))
            .or_insert((false, Vec::new()));
        e.0 |= error;
        e.1.push(text);
    }

    /// A line explaining a fault of a cell, printed beside its row in a returned
    /// workbook ([`super::write_returned_form`]).
    pub fn explain(&mut self, sheet: usize, pos: Pos, line: String) {
        self.lines.entry((sheet, pos)).or_default().push(line);
    }

    /// Whether the province filled the cell in ([`Marks::fixed`]).
    pub(super) fn is_fixed(&self, sheet: usize, pos: Pos) -> bool {
        !self.fixed.is_empty() && self.fixed.contains_key(&(sheet, pos))
    }

    /// The mark on a cell, if any; a workbook without marks (the template, samples)
    /// asks nothing of the map.
    pub(super) fn get(&self, sheet: usize, pos: Pos) -> Option<&(bool, Vec<String>)> {
        if self.notes.is_empty() {
            return None;
        }
        self.notes.get(&(sheet, pos))
    }
}
