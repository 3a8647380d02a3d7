//! A fixed-row list read from a unit's sheet: each line found by its row code or its
//! label wherever it moved, its figures converted like any cell's.

use super::{Ctx, Value};
use crate::cellref::Pos;
use crate::finding::{Builtin, Finding, Shown};
use crate::lang::{Msg, plain_number};
use crate::read::{RawValue, SheetCells};
use crate::spec::{List, match_key};
use crate::text;

/// What a unit's sheet holds of a list: each line where it was found, `None` when it
/// is missing (its figures are then absent, never zero).
///
/// Flat, because a run holds every list of every submission until it has consolidated
/// them: one `Line` (8 bytes) per line of the form and one [`Value`] per figure, no
/// allocation per line and no copy of the line's label (the form has it). A `Vec` of
/// rows each with its label and its own `Vec` of values cost 30 KB per submission of
/// the official form, half of all a run held per file.
#[derive(Debug, Clone, Default)]
pub struct ListData {
    lines: Vec<Line>,
    /// Every found line's figures, the line's `first` onwards, `width` of them.
    values: Vec<Value>,
    width: u32,
}

/// Where a line is in the unit's sheet and where its figures are in `values`.
#[derive(Debug, Clone, Copy)]
struct Line {
    /// Zero-based row in the unit's sheet; [`Line::MISSING`] when not found.
    row: u32,
    /// Index of its first figure; [`Line::MISSING`] for a line without figures (a
    /// heading line of the form).
    first: u32,
}

impl Line {
    const MISSING: u32 = u32::MAX;
}

impl ListData {
    /// A list of `lines` lines of `width` figures each, none found yet.
    fn new(lines: usize, width: usize) -> Self {
        ListData {
            lines: vec![
                Line {
                    row: Line::MISSING,
                    first: Line::MISSING,
                };
                lines
            ],
            values: Vec::new(),
            width: width as u32,
        }
    }

    /// Bytes the list holds on the heap, texts included (see [`crate::keep`]).
    pub fn heap_bytes(&self) -> u64 {
        (self.lines.capacity() * size_of::<Line>()) as u64
            + self
                .values
                .iter()
                .map(super::Value::heap_bytes)
                .sum::<u64>()
            + (self.values.capacity() * size_of::<super::Value>()) as u64
    }

    /// The list's lines, found or not.
    pub fn len(&self) -> usize {
        self.lines.len()
    }

    /// Whether the list has no lines (a sheet that was missing).
    pub fn is_empty(&self) -> bool {
        self.lines.is_empty()
    }

    /// The row in the unit's sheet where `line` was found.
    pub fn row(&self, line: usize) -> Option<u32> {
        self.lines
            .get(line)
            .map(|l| l.row)
            .filter(|&r| r != Line::MISSING)
    }

    /// Where `line`'s figures are in `values`, when it was found (empty for a line
    /// without figures).
    fn span(&self, line: usize) -> Option<std::ops::Range<usize>> {
        let l = self.lines.get(line).filter(|l| l.row != Line::MISSING)?;
        if l.first == Line::MISSING {
            return Some(0..0);
        }
        let first = l.first as usize;
        Some(first..first + self.width as usize)
    }

    /// The figures of `line`, when it was found (empty for a line without figures).
    pub fn values(&self, line: usize) -> Option<&[Value]> {
        self.values.get(self.span(line)?)
    }

    /// The figure of `line`, `column`, when the line was found.
    pub fn value(&self, line: usize, column: usize) -> Option<&Value> {
        self.values(line)?.get(column)
    }

    /// [`ListData::value`], to change (tests that build a report by hand).
    pub fn value_mut(&mut self, line: usize, column: usize) -> Option<&mut Value> {
        let span = self.span(line)?;
        self.values.get_mut(span)?.get_mut(column)
    }

    /// `line` found at `row` of the unit's sheet with `values` (the list's width of
    /// them), or `None` for a line without figures. Taken as they are converted, into
    /// the list's one store: no `Vec` for each line of every file.
    fn set(&mut self, line: usize, row: u32, values: Option<impl Iterator<Item = Value>>) {
        let first = match values {
            Some(values) if self.width > 0 => {
                let first = self.values.len();
                self.values.extend(values);
                debug_assert_eq!(self.values.len() - first, self.width as usize);
                first as u32
            }
            _ => Line::MISSING,
        };
        self.lines[line] = Line { row, first };
    }

    /// Once every line is read: the figures' room trimmed to what they hold.
    fn finish(&mut self) {
        self.values.shrink_to_fit();
    }
}

impl Ctx<'_> {
    pub(super) fn list(&mut self, l: &List, cells_of: &SheetCells, sheet: usize) -> ListData {
        let mut data = ListData::new(l.rows.len(), l.columns.len());
        // Lines are expected in order: of two lines with one label (the "Có kết nạp"
        // of đảng bộ cơ sở and of chi bộ cơ sở), the next unmatched one is meant.
        let mut next = 0usize;
        let start = cells_of.cells.partition_point(|(p, _)| p.row < l.first_row);
        let mut i = start;
        // One row's figures, reused from row to row.
        let mut figures: Vec<Option<&RawValue>> = Vec::with_capacity(l.columns.len());
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
            // The label is cleaned (legacy decoding, NFC) only when the line is not found
            // by its code, or a finding quotes it: most lines of the official form are
            // found by code, and cleaning every label cost 3 % of a check.
            let code = text_of(l.code_col);
            let mut label: Option<String> = None;
            figures.clear();
            figures.extend(l.columns.iter().map(|c| get(c.col)));
            let numbers = figures.iter().flatten().any(|v| match v {
                RawValue::Number(_) => true,
                RawValue::Text(s) => s.trim().starts_with(|c: char| c.is_ascii_digit()),
                _ => false,
            });
            let found = l.row_by_code(&code).or_else(|| {
                let key = match_key(label.insert(text_of(Some(l.label_col))));
                let candidates: Vec<usize> = (0..l.rows.len())
                    .filter(|&r| !key.is_empty() && l.rows[r].keys.contains(&key))
                    .collect();
                candidates
                    .iter()
                    .copied()
                    .find(|&r| r >= next && data.row(r).is_none())
                    .or_else(|| candidates.iter().copied().find(|&r| data.row(r).is_none()))
                    .or_else(|| candidates.first().copied())
            });
            let at = Pos::new(row, l.label_col);
            let Some(r) = found else {
                if numbers {
                    let label = label.unwrap_or_else(|| text_of(Some(l.label_col)));
                    let shown = if label.is_empty() { code } else { label };
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
            if let Some(first) = data.row(r) {
                if numbers {
                    self.findings.push(
                        Finding::error(
                            Builtin::RowExtra,
                            Msg::new(
                                format!("Dòng {} lặp lại dòng \"{}\" đã có ở dòng {}. Mỗi dòng của biểu chỉ ghi một lần.", row + 1, spec.label, first + 1),
                                format!("Row {} repeats the line \"{}\" already on row {}. Each line of the form is written once.", row + 1, spec.label_en, first + 1),
                            ),
                        )
                        .at(sheet, Some(at))
                        .found(label.unwrap_or_else(|| text_of(Some(l.label_col)))),
                    );
                }
                continue;
            }
            next = r + 1;
            let values = spec.figures.then(|| {
                l.columns.iter().enumerate().map(|(ci, c)| {
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
            });
            data.set(r, row, values);
        }
        for (r, spec) in l.rows.iter().enumerate() {
            if !spec.figures || data.row(r).is_some() {
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
        data.finish();
        data
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A found line gives its row and its own figures, a line without figures an empty
    /// slice, a missing line nothing: the flat store keeps each line's figures apart.
    #[test]
    fn the_flat_store_gives_each_line_its_own_figures() {
        let mut d = ListData::new(4, 2);
        d.set(2, 30, Some([Value::Number(1.0), Value::Blank].into_iter()));
        d.set(0, 10, None::<std::iter::Empty<Value>>);
        d.set(
            3,
            31,
            Some([Value::Text(Box::new("x".into())), Value::Number(4.0)].into_iter()),
        );
        assert_eq!((d.len(), d.row(1), d.values(1)), (4, None, None));
        assert_eq!((d.row(0), d.values(0)), (Some(10), Some(&[][..])));
        assert_eq!(d.value(0, 0), None);
        assert_eq!(d.row(2), Some(30));
        assert_eq!(d.value(2, 0), Some(&Value::Number(1.0)));
        assert_eq!(d.value(2, 1), Some(&Value::Blank));
        assert_eq!(d.value(2, 2), None);
        assert_eq!(d.value(3, 1), Some(&Value::Number(4.0)));
        *d.value_mut(3, 1).unwrap() = Value::Number(5.0);
        assert_eq!(d.values(3).unwrap()[1], Value::Number(5.0));
        assert!(d.value_mut(3, 2).is_none() && d.value_mut(0, 0).is_none());
        assert_eq!(
            d.value(2, 1),
            Some(&Value::Blank),
            "the next line is untouched"
        );
    }
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
            data.row(r)
                .map(|at| (at, data.value(r, 0).unwrap().clone()))
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
        assert_eq!(data.row(a), Some(20));
        assert_eq!(data.row(b), Some(24));
    }
}
