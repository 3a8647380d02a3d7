//! A fixed-row list read from a unit's sheet: each line found by its row code or its
//! label wherever it moved, its figures converted like any cell's.

use super::{Ctx, Row};
use crate::cellref::Pos;
use crate::finding::{Builtin, Finding, Shown};
use crate::lang::{Msg, plain_number};
use crate::read::{RawValue, SheetCells};
use crate::spec::{List, match_key};
use crate::text;

/// What a unit's sheet holds of a list: each line where it was found, `None` when it
/// is missing (its figures are then absent, never zero).
#[derive(Debug, Clone, Default)]
pub struct ListData {
    /// By the list's line.
    pub rows: Vec<Option<Row>>,
}

impl ListData {
    /// The figure of `row`, `column`, when the line was found.
    pub fn value(&self, row: usize, column: usize) -> Option<&super::Value> {
        self.rows.get(row)?.as_ref()?.values.get(column)
    }
}

impl Ctx<'_> {
    pub(super) fn list(&mut self, l: &List, cells_of: &SheetCells, sheet: usize) -> ListData {
        let mut data = ListData {
            rows: vec![None; l.rows.len()],
        };
        // Lines are expected in order: of two lines with one label (the "Có kết nạp"
        // of đảng bộ cơ sở and of chi bộ cơ sở), the next unmatched one is meant.
        let mut next = 0usize;
        let start = cells_of.cells.partition_point(|(p, _)| p.row < l.first_row);
        let mut i = start;
        while i < cells_of.cells.len() {
            let row = cells_of.cells[i].0.row;
            if row > l.last_row() {
                break;
            }
            let mut j = i;
            while j < cells_of.cells.len() && cells_of.cells[j].0.row == row {
                j += 1;
            }
            let cells = &cells_of.cells[i..j];
            i = j;
            let get = |col: u16| cells.iter().find(|(p, _)| p.col == col).map(|(_, v)| v);
            let text_of = |col: Option<u16>| match col.and_then(get) {
                Some(RawValue::Text(s)) => text::clean(s),
                Some(RawValue::Number(n)) => plain_number(*n),
                _ => String::new(),
            };
            let (code, label) = (text_of(l.code_col), text_of(Some(l.label_col)));
            let figures: Vec<Option<&RawValue>> = l.columns.iter().map(|c| get(c.col)).collect();
            let numbers = figures.iter().flatten().any(|v| match v {
                RawValue::Number(_) => true,
                RawValue::Text(s) => s.trim().starts_with(|c: char| c.is_ascii_digit()),
                _ => false,
            });
            let found = l.row_by_code(&code).or_else(|| {
                let key = match_key(&label);
                let candidates: Vec<usize> = (0..l.rows.len())
                    .filter(|&r| !key.is_empty() && l.rows[r].keys.contains(&key))
                    .collect();
                candidates
                    .iter()
                    .copied()
                    .find(|&r| r >= next && data.rows[r].is_none())
                    .or_else(|| candidates.iter().copied().find(|&r| data.rows[r].is_none()))
                    .or_else(|| candidates.first().copied())
            });
            let at = Pos::new(row, l.label_col);
            let Some(r) = found else {
                if numbers {
                    let shown = if label.is_empty() {
                        code.clone()
                    } else {
                        label.clone()
                    };
                    self.findings.push(
                        Finding::error(
                            Builtin::RowExtra,
                            Msg::new(
                                format!("Dòng {} (\"{shown}\") có số liệu nhưng không phải một dòng của biểu. Hãy ghi số liệu vào đúng các dòng của biểu mẫu, không thêm dòng.", row + 1),
                                format!("Row {} (\"{shown}\") has figures but is not a line of the form. Enter the figures on the form's own lines; do not add lines.", row + 1),
                            ),
                        )
                        .at(sheet, Some(at))
                        .found(shown),
                    );
                }
                continue;
            };
            let spec = &l.rows[r];
            if let Some(first) = &data.rows[r] {
                if numbers {
                    self.findings.push(
                        Finding::error(
                            Builtin::RowExtra,
                            Msg::new(
                                format!("Dòng {} lặp lại dòng \"{}\" đã có ở dòng {}. Mỗi dòng của biểu chỉ ghi một lần.", row + 1, spec.label, first.row + 1),
                                format!("Row {} repeats the line \"{}\" already on row {}. Each line of the form is written once.", row + 1, spec.label_en, first.row + 1),
                            ),
                        )
                        .at(sheet, Some(at))
                        .found(label),
                    );
                }
                continue;
            }
            next = r + 1;
            let values = if spec.figures {
                l.columns
                    .iter()
                    .enumerate()
                    .map(|(ci, c)| {
                        let (vi, en) = &l.item_labels[r][ci];
                        self.convert(
                            figures[ci],
                            l.item_type(r, ci),
                            sheet,
                            Pos::new(row, c.col),
                            vi,
                            en,
                        )
                    })
                    .collect()
            } else {
                Vec::new()
            };
            data.rows[r] = Some(Row { row, label, values });
        }
        for (r, spec) in l.rows.iter().enumerate() {
            if !spec.figures || data.rows[r].is_some() {
                continue;
            }
            let code = spec
                .code
                .as_deref()
                .map(|c| format!("{c} "))
                .unwrap_or_default();
            self.findings.push(
                Finding::error(
                    Builtin::RowMissing,
                    Msg::new(
                        format!("Thiếu dòng {code}\"{}\" của biểu. Hãy dùng đúng biểu mẫu, không xóa hoặc đổi tên dòng.", spec.label),
                        format!("The line {code}\"{}\" of the form is missing. Use the form as sent; do not delete or rename lines.", spec.label_en),
                    ),
                )
                .at(sheet, None)
                .expected(Shown::Text(spec.label.clone())),
            );
        }
        data
    }
}
