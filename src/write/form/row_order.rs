//! Row order for constant-memory mode. A streamed sheet is written row by row and
//! rust_xlsxwriter drops a write to a row it has already passed, while the layout
//! visits cells in its own order (title, texts, input cells, table frames, then the
//! body rows). The queue here holds the cells outside the bodies and lets them out as
//! the rows stream past, so a streamed sheet holds what an in-memory one does.

use super::values::Out;
use crate::cellref::Pos;
use rust_xlsxwriter::{Format, Worksheet, XlsxError};
use std::collections::BTreeMap;

/// The cells of a sheet outside its table bodies, held back and written in row order
/// as the table rows stream past: constant-memory mode ignores a write to a row it
/// has already passed, and the layout visits cells in its own order (title, texts,
/// input cells, then tables). A few hundred cells at most wait here.
#[derive(Default)]
pub(super) struct RowOrder {
    pending: Vec<(Pos, Pending)>,
    /// How many of `pending` (sorted) have been written.
    next: usize,
    /// Row heights asked for by what a row holds (a wrapped label, an explanation): the
    /// tallest wins, as the row must fit them all.
    heights: BTreeMap<u32, f64>,
}

/// One held write.
enum Pending {
    Value(Out, Format),
    Merge {
        last_col: u16,
        text: String,
        fmt: Format,
    },
    MergeValue {
        last_col: u16,
        v: Out,
        fmt: Format,
    },
}

impl RowOrder {
    /// Hold a value for `pos`.
    pub(super) fn put(&mut self, pos: Pos, v: Out, fmt: Format) {
        self.pending.push((pos, Pending::Value(v, fmt)));
    }

    /// Hold a text for `pos`.
    pub(super) fn text(&mut self, pos: Pos, text: &str, fmt: Format) {
        self.put(pos, Out::Text(text.to_string()), fmt);
    }

    /// `text` across `pos` to `last_col` on its row.
    pub(super) fn merge(&mut self, pos: Pos, last_col: u16, text: &str, fmt: Format) {
        let text = text.to_string();
        self.pending.push((
            pos,
            Pending::Merge {
                last_col,
                text,
                fmt,
            },
        ));
    }

    /// `v` across `pos` to `last_col` on its row: a formula or a number, where
    /// [`RowOrder::merge`] takes a text (rust_xlsxwriter merges with a text, then the
    /// first cell is written again with the value, in the merge's format).
    pub(super) fn merge_value(&mut self, pos: Pos, last_col: u16, v: Out, fmt: Format) {
        if last_col <= pos.col {
            self.put(pos, v, fmt);
            return;
        }
        self.pending
            .push((pos, Pending::MergeValue { last_col, v, fmt }));
    }

    /// Ask for `row` to be at least `h` points high.
    pub(super) fn height(&mut self, row: u32, h: f64) {
        let e = self.heights.entry(row).or_insert(h);
        *e = e.max(h);
    }

    /// Set the heights asked for, before any row is written (a streamed sheet ignores
    /// the height of a row it has passed).
    pub(super) fn apply_heights(&self, ws: &mut Worksheet) -> Result<(), XlsxError> {
        for (&row, &h) in &self.heights {
            ws.set_row_height(row, h)?;
        }
        Ok(())
    }

    /// Sort once everything is queued. The sort is stable: of two held writes to one
    /// cell the later still wins. A held cell on a table's body row is written before
    /// that row, so in a layout where a table runs into another's header, its rows win.
    pub(super) fn seal(&mut self) {
        self.pending.sort_by_key(|(p, _)| (p.row, p.col));
    }

    /// Write every held cell on or above `row`.
    pub(super) fn through(&mut self, ws: &mut Worksheet, row: u32) -> Result<(), XlsxError> {
        while let Some((pos, item)) = self.pending.get(self.next) {
            if pos.row > row {
                break;
            }
            match item {
                Pending::Value(v, fmt) => {
                    ws.write_with_format(pos.row, pos.col, v, fmt)?;
                }
                Pending::Merge {
                    last_col,
                    text,
                    fmt,
                } => {
                    ws.merge_range(pos.row, pos.col, pos.row, *last_col, text, fmt)?;
                }
                Pending::MergeValue { last_col, v, fmt } => {
                    ws.merge_range(pos.row, pos.col, pos.row, *last_col, "", fmt)?;
                    ws.write_with_format(pos.row, pos.col, v, fmt)?;
                }
            }
            self.next += 1;
        }
        Ok(())
    }
}
