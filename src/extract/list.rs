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
                            l.item_required(r, ci),
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::finding::Capped;
    use crate::form::Form;
    use crate::text::legacy;

    fn form() -> Form {
        Form::from_toml(crate::form::DEFAULT_SPEC, "2026.2").unwrap()
    }

    fn text(row: u32, col: u16, s: &str) -> (Pos, RawValue) {
        (Pos::new(row, col), RawValue::Text(s.to_string()))
    }

    fn num(row: u32, col: u16, n: f64) -> (Pos, RawValue) {
        (Pos::new(row, col), RawValue::Number(n))
    }

    /// Biểu 1 as a unit may send it: lines out of order, a blank row inserted, one line
    /// found by code only, one label in TCVN3, one line missing, one row that is no line.
    #[test]
    fn lines_are_found_wherever_they_moved() {
        let form = form();
        let li = form.lists.iter().position(|l| l.key == "movement").unwrap();
        let l = &form.lists[li];
        let tcvn3 = legacy::encode_tcvn3_for_tests("Phục hồi đảng tịch");
        let mut cells = vec![
            text(5, 0, "A"),
            text(5, 1, "A - Tổng số đảng viên cuối kỳ trước chuyển sang"),
            num(5, 2, 100.0),
            // B.1 by code alone, its label blank.
            text(6, 0, "B.1"),
            num(6, 2, 5.0),
            // A blank row, then B.3 typed in TCVN3 without its code, before B.2.
            text(8, 1, &tcvn3),
            num(8, 2, 1.0),
            text(9, 1, "2. Chuyển đến"),
            num(9, 2, 2.0),
            // Not a line of the form, with a figure.
            text(10, 1, "Đảng viên khác"),
            num(10, 2, 9.0),
            // A note below the list, text only: ignored.
            text(30, 1, "Người lập biểu"),
        ];
        cells.sort_by_key(|(p, _)| *p);
        let sheet = SheetCells {
            cells,
            ..SheetCells::default()
        };
        let mut findings = Capped::default();
        let data = Ctx {
            findings: &mut findings,
        }
        .list(l, &sheet, l.sheet);
        let row = |key: &str| {
            let r = l.rows.iter().position(|r| r.key == key).unwrap();
            data.rows[r].as_ref().map(|x| (x.row, x.values[0].clone()))
        };
        use crate::extract::Value::Number;
        assert_eq!(row("a"), Some((5, Number(100.0))));
        assert_eq!(row("b1"), Some((6, Number(5.0))));
        assert_eq!(row("b3"), Some((8, Number(1.0))));
        assert_eq!(row("b2"), Some((9, Number(2.0))));
        assert_eq!(row("d"), None);
        let found = findings.finish(&[]);
        let extra: Vec<_> = found
            .iter()
            .filter(|f| f.code.is(Builtin::RowExtra))
            .collect();
        assert_eq!(extra.len(), 1, "{found:?}");
        assert_eq!(extra[0].at.cell, Some(Pos::new(10, 1)));
        let missing: Vec<&str> = found
            .iter()
            .filter(|f| f.code.is(Builtin::RowMissing))
            .map(|f| f.message.vi.as_str())
            .collect();
        // Every line but the five found (A, B.1, B.2, B.3, and none else).
        assert_eq!(missing.len(), l.rows.len() - 4, "{missing:?}");
        assert!(
            missing
                .iter()
                .any(|m| m.contains("D \"Đảng viên trong danh sách cuối kỳ báo cáo\""))
        );
    }

    /// Two lines with one label ("Có kết nạp đảng viên" under đảng bộ cơ sở and chi bộ
    /// cơ sở) are taken in the form's order.
    #[test]
    fn repeated_labels_are_taken_in_order() {
        let form = form();
        let l = form.lists.iter().find(|l| l.key == "admitted").unwrap();
        let pos = |key: &str| l.rows.iter().position(|r| r.key == key).unwrap();
        let (a, b) = (pos("iii1_co"), pos("iii2_co"));
        assert_eq!(
            l.rows[a].keys, l.rows[b].keys,
            "the two lines share a label"
        );
        let label = l.rows[a].label.clone();
        let mut cells = vec![
            text(20, 1, &label),
            num(20, 2, 3.0),
            text(24, 1, &label),
            num(24, 2, 7.0),
        ];
        cells.sort_by_key(|(p, _)| *p);
        let sheet = SheetCells {
            cells,
            ..SheetCells::default()
        };
        let mut findings = Capped::default();
        let data = Ctx {
            findings: &mut findings,
        }
        .list(l, &sheet, l.sheet);
        assert_eq!(data.rows[a].as_ref().map(|r| r.row), Some(20));
        assert_eq!(data.rows[b].as_ref().map(|r| r.row), Some(24));
    }
}
