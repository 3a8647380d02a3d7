//! A fixed-row list read from a unit's sheet: each line found by its row code or its
//! label wherever it moved, its figures converted like any cell's.

use super::{Ctx, Value};
use crate::cellref::Pos;
use crate::finding::{Builtin, Finding, Shown};
use crate::lang::{Msg, plain_number};
use crate::read::{RawValue, SheetCells};
use crate::spec::{List, match_key};
use crate::text;
use std::borrow::Cow;

/// What a unit's sheet holds of a list: each line where it was found, `None` when it
/// is missing (its figures are then absent, never zero).
///
/// Flat and packed, because a run holds every list of every submission until it has
/// consolidated them: one `Line` (8 bytes) per line of the form and one 4-byte slot per
/// figure, no allocation per line and no copy of the line's label (the form has it). A
/// `Vec` of rows each with its label and its own `Vec` of values cost 30 KB per
/// submission of the official form; a [`Value`] of 16 bytes per figure still 9.4 KB of
/// the 13 KB a national roll-up held per file (heaptrack, 20,000 files of scenario (e)).
/// Nearly every figure is a count: blank or a whole number, which a slot holds itself;
/// the few others (a fraction, a text, a date, a cell that was not a value) are kept
/// whole beside the slots.
#[derive(Debug, Clone, Default)]
pub struct ListData {
    lines: Vec<Line>,
    /// Every found line's figures, the line's `first` onwards, `width` of them: a whole
    /// number up to [`LAST_WHOLE`], [`BLANK`], or [`OTHER`].
    slots: Vec<u32>,
    /// The figures of the [`OTHER`] slots, by slot index, in ascending order.
    others: Vec<(u32, Value)>,
    width: u32,
}

/// A blank figure's slot.
const BLANK: u32 = u32::MAX;
/// The slot of a figure kept in `others`.
const OTHER: u32 = u32::MAX - 1;
/// The largest whole number a slot holds.
const LAST_WHOLE: u32 = u32::MAX - 2;

/// The slot that holds `v` itself, if one does. Exact: `-0.0` is kept as it is.
fn slot_of(v: &Value) -> Option<u32> {
    match *v {
        Value::Blank => Some(BLANK),
        Value::Number(n)
            if n.fract() == 0.0
                && (0.0..=f64::from(LAST_WHOLE)).contains(&n)
                && n.is_sign_positive() =>
        {
            Some(n as u32)
        }
        _ => None,
    }
}

/// Where a line is in the unit's sheet and where its figures are in `slots`.
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
            slots: Vec::new(),
            others: Vec::new(),
            width: width as u32,
        }
    }

    /// Bytes the list holds on the heap, texts included (see [`crate::keep`]).
    pub fn heap_bytes(&self) -> u64 {
        (self.lines.capacity() * size_of::<Line>()
            + self.slots.capacity() * size_of::<u32>()
            + self.others.capacity() * size_of::<(u32, Value)>()) as u64
            + self.others.iter().map(|(_, v)| v.heap_bytes()).sum::<u64>()
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

    /// Where `line`'s figures are in `slots`, when it was found (empty for a line
    /// without figures).
    fn span(&self, line: usize) -> Option<std::ops::Range<usize>> {
        let l = self.lines.get(line).filter(|l| l.row != Line::MISSING)?;
        if l.first == Line::MISSING {
            return Some(0..0);
        }
        let first = l.first as usize;
        Some(first..first + self.width as usize)
    }

    /// The figure in slot `i`.
    fn at(&self, i: usize) -> Cow<'_, Value> {
        match self.slots[i] {
            BLANK => Cow::Owned(Value::Blank),
            OTHER => {
                let k = self.others.binary_search_by_key(&(i as u32), |&(j, _)| j);
                debug_assert!(k.is_ok(), "slot {i} marked other, not among them");
                k.map_or(Cow::Owned(Value::Blank), |k| {
                    Cow::Borrowed(&self.others[k].1)
                })
            }
            n => Cow::Owned(Value::Number(f64::from(n))),
        }
    }

    /// The figures of `line`, when it was found (none for a line without figures).
    pub fn values(&self, line: usize) -> Option<impl Iterator<Item = Cow<'_, Value>>> {
        Some(self.span(line)?.map(|i| self.at(i)))
    }

    /// The figure of `line`, `column`, when the line was found.
    pub fn value(&self, line: usize, column: usize) -> Option<Cow<'_, Value>> {
        let span = self.span(line)?;
        (column < span.len()).then(|| self.at(span.start + column))
    }

    /// Change the figure of a found `line`, `column` (tests that build a report by
    /// hand); false when the line was not found.
    pub fn set_value(&mut self, line: usize, column: usize, v: Value) -> bool {
        let Some(span) = self.span(line).filter(|s| column < s.len()) else {
            return false;
        };
        let i = span.start + column;
        let k = self.others.binary_search_by_key(&(i as u32), |&(j, _)| j);
        match (slot_of(&v), k) {
            (Some(slot), Ok(k)) => {
                self.others.remove(k);
                self.slots[i] = slot;
            }
            (Some(slot), Err(_)) => self.slots[i] = slot,
            (None, Ok(k)) => self.others[k].1 = v,
            (None, Err(k)) => {
                self.others.insert(k, (i as u32, v));
                self.slots[i] = OTHER;
            }
        }
        true
    }

    /// `line` found at `row` of the unit's sheet with `values` (the list's width of
    /// them), or `None` for a line without figures. Taken as they are converted, into
    /// the list's one store: no `Vec` for each line of every file.
    fn set(&mut self, line: usize, row: u32, values: Option<impl Iterator<Item = Value>>) {
        let first = match values {
            Some(values) if self.width > 0 => {
                let first = self.slots.len();
                for v in values {
                    let slot = slot_of(&v).unwrap_or_else(|| {
                        // Ascending, as slots are only ever appended.
                        self.others.push((self.slots.len() as u32, v));
                        OTHER
                    });
                    self.slots.push(slot);
                }
                debug_assert_eq!(self.slots.len() - first, self.width as usize);
                first as u32
            }
            _ => Line::MISSING,
        };
        self.lines[line] = Line { row, first };
    }

    /// Once every line is read: the figures' room trimmed to what they hold.
    fn finish(&mut self) {
        self.slots.shrink_to_fit();
        self.others.shrink_to_fit();
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

    fn all(d: &ListData, line: usize) -> Option<Vec<Value>> {
        Some(d.values(line)?.map(Cow::into_owned).collect())
    }

    /// A found line gives its row and its own figures, a line without figures none, a
    /// missing line nothing: the flat store keeps each line's figures apart.
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
        assert_eq!((d.len(), d.row(1), all(&d, 1)), (4, None, None));
        assert_eq!((d.row(0), all(&d, 0)), (Some(10), Some(vec![])));
        assert_eq!(d.value(0, 0), None);
        assert_eq!(d.row(2), Some(30));
        assert_eq!(d.value(2, 0).as_deref(), Some(&Value::Number(1.0)));
        assert_eq!(d.value(2, 1).as_deref(), Some(&Value::Blank));
        assert_eq!(d.value(2, 2), None);
        assert_eq!(d.value(3, 1).as_deref(), Some(&Value::Number(4.0)));
        assert!(d.set_value(3, 1, Value::Number(5.0)));
        assert_eq!(all(&d, 3).unwrap()[1], Value::Number(5.0));
        assert!(!d.set_value(3, 2, Value::Blank) && !d.set_value(0, 0, Value::Blank));
        assert_eq!(
            d.value(2, 1).as_deref(),
            Some(&Value::Blank),
            "the next line is untouched"
        );
    }

    /// Packing loses nothing: every kind of figure comes back as it went in (a negative
    /// zero, fractions, numbers past what a slot holds, texts, dates, invalid cells
    /// beside whole numbers), also after figures are changed from one kind to another.
    #[test]
    fn packed_figures_come_back_exactly() {
        let day = chrono::NaiveDate::from_ymd_opt(2026, 6, 30).unwrap();
        let kinds = [
            Value::Blank,
            Value::Number(0.0),
            Value::Number(-0.0),
            Value::Number(7.0),
            Value::Number(f64::from(LAST_WHOLE)),
            Value::Number(f64::from(LAST_WHOLE) + 1.0),
            Value::Number(f64::from(u32::MAX)),
            Value::Number(1e300),
            Value::Number(-3.0),
            Value::Number(2.5),
            Value::Text(Box::new("năm".into())),
            Value::Date(day),
            Value::Invalid(Box::new("nhiều".into())),
        ];
        let width = kinds.len();
        let mut d = ListData::new(3, width);
        d.set(0, 5, Some(kinds.iter().cloned()));
        d.set(2, 9, Some(kinds.iter().rev().cloned()));
        d.finish();
        let same = |a: &Value, b: &Value| match (a, b) {
            (Value::Number(x), Value::Number(y)) => x.to_bits() == y.to_bits(),
            _ => a == b,
        };
        let got = all(&d, 0).unwrap();
        assert!(got.iter().zip(&kinds).all(|(a, b)| same(a, b)), "{got:?}");
        let got = all(&d, 2).unwrap();
        assert!(
            got.iter().zip(kinds.iter().rev()).all(|(a, b)| same(a, b)),
            "{got:?}"
        );
        assert_eq!(
            d.others.len(),
            2 * 9,
            "only what a slot cannot hold is kept whole"
        );
        // Each figure of line 0 turned into the kind of the next one, in both ways.
        for c in 0..width {
            let v = kinds[(c + 1) % width].clone();
            assert!(d.set_value(0, c, v));
        }
        for c in 0..width {
            let got = d.value(0, c).unwrap();
            assert!(same(&got, &kinds[(c + 1) % width]), "{c}: {got:?}");
        }
        let got = all(&d, 2).unwrap();
        assert!(
            got.iter().zip(kinds.iter().rev()).all(|(a, b)| same(a, b)),
            "{got:?}"
        );
        assert!(d.others.windows(2).all(|w| w[0].0 < w[1].0));
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
                .map(|at| (at, data.value(r, 0).unwrap().into_owned()))
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
