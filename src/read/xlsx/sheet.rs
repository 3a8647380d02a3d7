//! A worksheet part, streamed cell by cell into the one pass of `cells.rs`.
//!
//! Each cell is read as calamine's `XlsxCellReader::next_cell_with_formula` reads it
//! (the same positions for cells without `r=`, the same value for every type, shared
//! formulas expanded from their anchor, the same faults), so that the window, the stop at
//! the form's last row and the truncation rule stay in one place for every format. What
//! differs is the cost: a cell outside the form's window is checked but not built, and a
//! shared string is only noted by its index, resolved once the strings part is scanned.
//! Rows of the plain shape spreadsheet programs write are delimited by the scanner of
//! `rows.rs` instead of quick-xml's events; it also picks each cell's `r`, `s` and `t`,
//! and everything else in their tags is read by the same functions as on quick-xml's path.

use std::borrow::Cow;
use std::collections::HashMap;

use calamine::tonghop::{
    CellFormat, RawAttributes, format_excel_f64_ref, get_dimension, get_row, get_row_column,
    parse_f64, parse_usize, unescape_xml,
};
use calamine::{CellErrorType, DataRef, Dimensions, expand_shared_formula};
use quick_xml::events::{BytesStart, Event};

use super::rows::{self, RawCell, RowCells, Scanned};
use super::strings::{TextBufs, read_string};
use super::xml::{Fault, Part, attrs, eof, invalid};
use crate::cellref::Pos;
use crate::read::RawValue;
use crate::read::cells::{Cell, CellValue, Window};

/// What the workbook tells every sheet's cells.
pub(super) struct Context {
    /// Each cell style's format, by the style's index.
    pub formats: Vec<CellFormat>,
    /// Dates count from 1904 (`workbookPr date1904`).
    pub is_1904: bool,
}

/// A cell's value as streamed: built only where the form's window wants it.
pub(super) enum Value {
    /// A wanted cell, as calamine would give it.
    Data(DataRef<'static>),
    /// A wanted cell holding a shared string, filled in after the strings part (its index
    /// is in [`State::strings`]).
    Shared,
    /// A cell outside the window: only whether it holds something matters (past the last
    /// row it ends the pass).
    Unwanted { empty: bool },
}

impl CellValue for Value {
    fn is_empty(&self) -> bool {
        match self {
            Value::Data(d) => matches!(d, DataRef::Empty),
            Value::Shared => false,
            Value::Unwanted { empty } => *empty,
        }
    }

    fn into_raw(self) -> RawValue {
        match self {
            Value::Data(d) => d.into_raw(),
            // A placeholder, replaced by `resolve` once the strings are known.
            Value::Shared => RawValue::Text(String::new()),
            Value::Unwanted { .. } => RawValue::Empty,
        }
    }
}

/// The cell with its value replaced by whether it holds a shared string (`true`), any
/// other value (`false`) or nothing: read through `window_cells`, the cells it keeps
/// tell which positions kept a shared-string cell (see `read_sheet`).
pub(super) fn mark_shared(mut c: SheetCell<'_>) -> SheetCell<'_> {
    c.value = match c.value {
        Value::Shared => Value::Data(DataRef::Bool(true)),
        Value::Data(DataRef::Empty) => Value::Data(DataRef::Empty),
        Value::Data(_) => Value::Data(DataRef::Bool(false)),
        u @ Value::Unwanted { .. } => u,
    };
    c
}

/// A cell as streamed, its formula borrowed from the part where it can be.
pub(super) type SheetCell<'p> = Cell<Value, Cow<'p, str>>;

/// A shared formula's anchor: its text and the range it was written for.
struct Anchor {
    formula: String,
    range: Dimensions,
}

/// One worksheet, from `<sheetData>` on.
pub(super) struct Sheet<'s, 'p, 'c> {
    part: &'s mut Part<'p>,
    /// The events of the row and cell elements being read; apart from `st` so that a
    /// cell's attributes can be held while its children are read.
    buf: Vec<u8>,
    cell_buf: Vec<u8>,
    /// The start tag of the row `rows.rs` delimited, being handed out cell by cell: its
    /// cells (in `cells`) from `next` on are still to read, its start tag too unless
    /// `started`.
    fast: Option<&'p str>,
    cells: RowCells<'p>,
    next: usize,
    started: bool,
    /// Whether quick-xml's last event left nothing pending, so that the scanner may read
    /// on from where quick-xml stands (see [`Sheet::next_event`]).
    clean: bool,
    pub st: State<'c>,
}

/// What reading a sheet keeps between cells.
pub(super) struct State<'c> {
    ctx: &'c Context,
    win: &'c Window,
    row: u32,
    col: u32,
    inner: Vec<u8>,
    text: String,
    formula: String,
    bufs: TextBufs,
    anchors: HashMap<usize, Anchor>,
    /// The wanted cells holding a shared string, with its index, in stream order.
    pub strings: Vec<(Pos, usize)>,
    /// The highest shared-string index of any cell read: calamine fails the sheet when a
    /// cell points past the table, wanted or not.
    pub max_string: Option<usize>,
}

impl<'s, 'p, 'c> Sheet<'s, 'p, 'c> {
    /// Reads up to `<sheetData>`, checking what calamine checks on the way.
    pub fn open(part: &'s mut Part<'p>, ctx: &'c Context, win: &'c Window) -> Result<Self, Fault> {
        let mut buf = Vec::with_capacity(1024);
        let mut kind: Option<String> = None;
        loop {
            match part.next(&mut buf)? {
                Event::Start(e) => match e.local_name().as_ref() {
                    "dimension" => match e.raw_attr("ref")? {
                        Some(r) => {
                            get_dimension(r)?;
                        }
                        None => return Err(invalid("Unexpected node: 'dimension'")),
                    },
                    "sheetData" => break,
                    other => {
                        kind.get_or_insert_with(|| other.to_string());
                    }
                },
                Event::Eof => {
                    return Err(match kind {
                        Some(k) => invalid(format!("'{k}' is not a worksheet")),
                        None => eof("worksheet"),
                    });
                }
                _ => {}
            }
        }
        Ok(Sheet {
            part,
            buf,
            cell_buf: Vec::with_capacity(1024),
            fast: None,
            cells: RowCells::default(),
            next: 0,
            started: false,
            // `<sheetData>` was just read, and may have been `<sheetData/>`.
            clean: false,
            st: State {
                ctx,
                win,
                row: 0,
                col: 0,
                inner: Vec::with_capacity(256),
                text: String::new(),
                formula: String::new(),
                bufs: TextBufs::default(),
                anchors: HashMap::new(),
                strings: Vec::new(),
                max_string: None,
            },
        })
    }

    /// The next cell in stream order, `None` at the end of `<sheetData>`. Rows of the
    /// plain shape are delimited by `rows.rs`; any other is read from quick-xml's events.
    pub fn next_cell(&mut self) -> Result<Option<SheetCell<'p>>, Fault> {
        loop {
            if let Some(tag) = self.fast {
                let st = &mut self.st;
                if !self.started {
                    self.started = true;
                    if let Some(r) = BytesStart::from_content(tag, 3).raw_attr("r")? {
                        st.row = get_row(r)?;
                    }
                }
                if let Some(&cell) = self.cells.cells.get(self.next) {
                    self.next += 1;
                    return fast_cell(st, &cell).map(Some);
                }
                st.row += 1;
                st.col = 0;
                self.fast = None;
            }
            if self.clean
                && let Some(rest) = self.part.rest()
            {
                match rows::scan(rest, &mut self.cells) {
                    Some(Scanned::Row(tag, len)) => {
                        self.part.advance(len);
                        self.fast = Some(tag);
                        self.next = 0;
                        self.started = false;
                        continue;
                    }
                    Some(Scanned::End(len)) => {
                        self.part.advance(len);
                        return Ok(None);
                    }
                    None => {}
                }
            }
            if let Some(cell) = self.next_event()? {
                return Ok(cell);
            }
        }
    }

    /// One event of quick-xml's, read as the sheet reader reads it: `Some` with the next
    /// cell (or `None` at the end of `<sheetData>`), or `None` to read on.
    #[allow(clippy::option_option)]
    fn next_event(&mut self) -> Result<Option<Option<SheetCell<'p>>>, Fault> {
        let st = &mut self.st;
        let event = self.part.next(&mut self.buf)?;
        // Only an end tag leaves quick-xml between tags with nothing pending: a start tag
        // may owe its end (`<row/>`), and after a text it stands on the next tag's `<`.
        self.clean = matches!(event, Event::End(_));
        match event {
            Event::Start(e) if e.local_name().as_ref() == "row" => {
                if let Some(r) = e.raw_attr("r")? {
                    st.row = get_row(r)?;
                }
            }
            Event::End(e) if e.local_name().as_ref() == "row" => {
                st.row += 1;
                st.col = 0;
            }
            Event::Start(c) if c.local_name().as_ref() == "c" => {
                let [r, s, t] = attrs(&c, ["r", "s", "t"])?;
                let (row, col) = place(st, r)?;
                let wanted = st.win.wants(pos_of(row, col));
                let mut value = Value::Data(DataRef::Empty);
                let mut formula = None;
                // A later `<v>` or `<is>` replaces an earlier one, as in calamine: the
                // shared string an earlier one pointed at is no longer this cell's.
                let refs = st.strings.len();
                loop {
                    match self.part.next(&mut self.cell_buf)? {
                        Event::Start(e) if e.local_name().as_ref() == "f" => {
                            formula = read_formula(
                                self.part,
                                &mut st.anchors,
                                &e,
                                (row, col),
                                &mut st.formula,
                                &mut st.inner,
                            )?
                            .map(|f| Cow::Owned(f.into_owned()));
                        }
                        Event::Start(e) => {
                            st.strings.truncate(refs);
                            let cell = CellType { style: s, kind: t };
                            value = read_value(self.part, st, &e, cell, (row, col), wanted)?;
                        }
                        Event::End(e) if e.local_name().as_ref() == "c" => break,
                        Event::Eof => return Err(eof("c")),
                        _ => {}
                    }
                }
                // The cell's end was read: nothing is pending.
                self.clean = true;
                return Ok(Some(Some(finish_cell(
                    st, row, col, value, formula, wanted,
                ))));
            }
            Event::End(e) if e.local_name().as_ref() == "sheetData" => return Ok(Some(None)),
            Event::Eof => return Err(eof("sheetData")),
            _ => {}
        }
        Ok(None)
    }
}

/// A cell's position: its `r`, or the one after the previous cell's (calamine's rule).
fn place(st: &mut State<'_>, r: Option<&str>) -> Result<(u32, u32), Fault> {
    Ok(match r {
        Some(r) => {
            let (row, col) = get_row_column(r)?;
            st.col = col;
            (row, col)
        }
        None => (st.row, st.col),
    })
}

fn pos_of(row: u32, col: u32) -> Pos {
    Pos::new(row, col.min(u16::MAX as u32) as u16)
}

/// The cell read, the next one's column counted on.
fn finish_cell<'a>(
    st: &mut State<'_>,
    row: u32,
    col: u32,
    value: Value,
    formula: Option<Cow<'a, str>>,
    wanted: bool,
) -> Cell<Value, Cow<'a, str>> {
    st.col += 1;
    Cell {
        row,
        col,
        value,
        // Past the window only the presence of a formula matters.
        formula: if wanted {
            formula
        } else {
            formula.map(|_| Cow::Borrowed(""))
        },
    }
}

/// A cell `rows.rs` delimited, read as [`Sheet::next_event`] reads the same bytes: its
/// attributes (picked out by the scan as calamine's attribute reader gives them), then
/// its formula, then its value, each through the same functions.
fn fast_cell<'p>(
    st: &mut State<'_>,
    cell: &RawCell<'p>,
) -> Result<Cell<Value, Cow<'p, str>>, Fault> {
    let (s, t) = (cell.s, cell.t);
    let (row, col) = place(st, cell.r)?;
    let wanted = st.win.wants(pos_of(row, col));
    let mut formula = None;
    if let Some((tag, text)) = cell.formula {
        let f = BytesStart::from_content(tag, 1);
        formula = formula_of(&mut st.anchors, &f, (row, col), text)?;
    }
    let mut value = Value::Data(DataRef::Empty);
    if let Some(text) = cell.value {
        let cell = CellType { style: s, kind: t };
        value = match cell.kind {
            // As `read_value`: an inline string's `<v>` is ignored; for the plain types an
            // empty `<v>` is empty without being parsed.
            Some("inlineStr" | "is") => Value::Data(DataRef::Empty),
            Some("n" | "s" | "b" | "e") | None if text.is_empty() => Value::Data(DataRef::Empty),
            _ => typed(st, text, cell, (row, col), wanted)?,
        };
    }
    Ok(finish_cell(st, row, col, value, formula, wanted))
}

/// A cell's `s` and `t` attributes.
#[derive(Clone, Copy)]
struct CellType<'a> {
    style: Option<&'a str>,
    kind: Option<&'a str>,
}

/// The formula of a cell, its `<f>` start just read: its text, a shared formula's anchor
/// noted, a cell of a shared formula given the anchor's formula moved to it (nothing when
/// its anchor has not been met yet, as calamine gives).
fn read_formula<'t>(
    part: &mut Part<'_>,
    anchors: &mut HashMap<usize, Anchor>,
    e: &BytesStart<'_>,
    pos: (u32, u32),
    text: &'t mut String,
    buf: &mut Vec<u8>,
) -> Result<Option<Cow<'t, str>>, Fault> {
    text.clear();
    part.text_into(e.name().as_ref(), text, buf, "f")?;
    formula_of(anchors, e, pos, text)
}

/// A formula's text read: itself (borrowed, most cells' formulas being read only to be
/// dropped or tested), or for a cell of a shared formula the anchor's formula moved to it
/// (an anchor, with `ref`, noted).
fn formula_of<'t>(
    anchors: &mut HashMap<usize, Anchor>,
    e: &BytesStart<'_>,
    pos: (u32, u32),
    text: &'t str,
) -> Result<Option<Cow<'t, str>>, Fault> {
    let [t, si, range] = attrs(e, ["t", "si", "ref"])?;
    if t != Some("shared") {
        return Ok(Some(Cow::Borrowed(text)));
    }
    let index = match si {
        Some(si) => parse_usize(si).ok_or_else(|| invalid("si attribute must be a number"))?,
        None => return Err(invalid("si attribute is mandatory if it is shared")),
    };
    match range {
        Some(range) => {
            let range = get_dimension(range)?;
            anchors.insert(
                index,
                Anchor {
                    formula: text.to_string(),
                    range,
                },
            );
            Ok(Some(Cow::Borrowed(text)))
        }
        None => anchors
            .get(&index)
            .map(|a| expand_shared_formula(&a.formula, a.range.start, pos).map(Cow::Owned))
            .transpose()
            .map_err(Fault::from),
    }
}

/// A cell's value, the start of its `<v>` or `<is>` just read.
fn read_value(
    part: &mut Part<'_>,
    sheet: &mut State<'_>,
    e: &BytesStart<'_>,
    cell: CellType<'_>,
    pos: (u32, u32),
    wanted: bool,
) -> Result<Value, Fault> {
    let name = e.name();
    let name = name.as_ref();
    match e.local_name().as_ref() {
        "is" => {
            let s = read_string(part, name, wanted, &mut sheet.bufs)?;
            Ok(match s {
                Some(s) => Value::Data(DataRef::String(s)),
                None if wanted => Value::Data(DataRef::Empty),
                // An inline string is never empty for calamine, even with no text.
                None => Value::Unwanted { empty: false },
            })
        }
        // The value of an inline string is in `<is>`; a `<v>` beside it is ignored.
        "v" if matches!(cell.kind, Some("inlineStr" | "is")) => {
            part.skip(name, &mut sheet.inner)?;
            Ok(Value::Data(DataRef::Empty))
        }
        "v" => {
            sheet.text.clear();
            match cell.kind {
                // Types that are plain ASCII: calamine takes the first piece of text as
                // it is, without resolving entities.
                Some("n" | "s" | "b" | "e") | None => {
                    match part.next(&mut sheet.inner)? {
                        Event::Text(t) => sheet.text.push_str(&t),
                        Event::End(end) if end.name().as_ref() == name => {
                            return Ok(Value::Data(DataRef::Empty));
                        }
                        Event::Eof => return Err(eof("v")),
                        _ => return finish_v(part, name, &mut sheet.inner, DataRef::Empty),
                    }
                    part.skip(name, &mut sheet.inner)?;
                }
                _ => part.text_into(name, &mut sheet.text, &mut sheet.inner, "v")?,
            }
            let text = std::mem::take(&mut sheet.text);
            let v = typed(sheet, &text, cell, pos, wanted);
            sheet.text = text;
            v
        }
        "f" => {
            part.skip(name, &mut sheet.inner)?;
            Ok(Value::Data(DataRef::Empty))
        }
        _ => Err(invalid("Unexpected node: 'v, f, or is'")),
    }
}

/// The rest of a `<v>` skipped, the value being `v`.
fn finish_v(
    part: &mut Part<'_>,
    name: &str,
    buf: &mut Vec<u8>,
    v: DataRef<'static>,
) -> Result<Value, Fault> {
    part.skip(name, buf)?;
    Ok(Value::Data(v))
}

/// A `<v>`'s text as a value of the cell's type (calamine's `read_v`).
fn typed(
    sheet: &mut State<'_>,
    v: &str,
    cell: CellType<'_>,
    pos: (u32, u32),
    wanted: bool,
) -> Result<Value, Fault> {
    let data = |d: DataRef<'static>| {
        if wanted {
            Value::Data(d)
        } else {
            Value::Unwanted {
                empty: matches!(d, DataRef::Empty),
            }
        }
    };
    Ok(match cell.kind {
        Some("s") => {
            if v.is_empty() {
                return Ok(data(DataRef::Empty));
            }
            let index = parse_usize(v).unwrap_or(0);
            sheet.max_string = sheet.max_string.max(Some(index));
            if wanted {
                let p = Pos::new(pos.0, pos.1.min(u16::MAX as u32) as u16);
                sheet.strings.push((p, index));
                Value::Shared
            } else {
                Value::Unwanted { empty: false }
            }
        }
        Some("b") => data(read_bool(v)?),
        Some("d") => data(DataRef::DateTimeIso(v.to_string())),
        Some("e") => data(DataRef::Error(v.parse::<CellErrorType>()?)),
        Some("str") => data(DataRef::String(unescape_xml(v).into_owned())),
        Some("n") | None => {
            if v.is_empty() {
                return Ok(data(DataRef::Empty));
            }
            let format = match cell.style {
                Some(s) => sheet.ctx.formats.get(parse_usize(s).unwrap_or(0)),
                None => Some(&CellFormat::Other),
            };
            match parse_f64(v) {
                Some(n) => data(format_excel_f64_ref(n, format, sheet.ctx.is_1904)),
                None if cell.kind.is_none() => data(DataRef::String(v.to_string())),
                None => return Err(invalid(format!("invalid float '{v}'"))),
            }
        }
        Some(t) => return Err(invalid(format!("Unrecognized cell t attribute: '{t}'"))),
    })
}

/// A boolean cell's `<v>`, as calamine accepts it.
fn read_bool(v: &str) -> Result<DataRef<'static>, Fault> {
    let value = v.trim();
    if value.is_empty() {
        Ok(DataRef::Empty)
    } else if value == "0" || value.eq_ignore_ascii_case("false") {
        Ok(DataRef::Bool(false))
    } else if value == "1" || value.eq_ignore_ascii_case("true") {
        Ok(DataRef::Bool(true))
    } else {
        Err(invalid(format!("Unrecognized boolean cell value: '{v}'")))
    }
}
