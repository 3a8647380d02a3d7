//! Making bad files from good ones: a workbook's package edited part by part ([`Pkg`]),
//! cell by cell ([`set_cell`]) or row by row ([`split_rows`]); a workbook read whole and
//! written anew with rust_xlsxwriter ([`Book`]); a sheet far larger than memory streamed
//! into the zip ([`with_streamed_sheet`], [`insert_rows`]).

use super::{ADM, OK_UNIT, SRC, base, sample};
use calamine::{Data, Reader, Xlsx};
use std::collections::BTreeMap;
use std::io::{Cursor, Read, Write};
use zip::write::SimpleFileOptions;
use zip::{CompressionMethod, ZipArchive, ZipWriter};

/// An .xlsx as its zip entries, in order.
pub(crate) struct Pkg {
    entries: Vec<(String, Vec<u8>)>,
}

impl Pkg {
    pub(crate) fn open(bytes: &[u8]) -> Pkg {
        let mut z = ZipArchive::new(Cursor::new(bytes)).unwrap();
        let mut entries = Vec::new();
        for i in 0..z.len() {
            let mut f = z.by_index(i).unwrap();
            let name = f.name().unwrap().into_owned();
            let mut data = Vec::new();
            f.read_to_end(&mut data).unwrap();
            entries.push((name, data));
        }
        Pkg { entries }
    }

    pub(crate) fn of(code: &str) -> Pkg {
        Pkg::open(&sample(code))
    }

    /// A part by its path, or a sheet's part by the sheet's name (no `/` in it), as
    /// the workbook finds it: the form's sheets do not sit at fixed part names.
    fn part(&self, name: &str) -> String {
        if name.contains('/') || name.ends_with(".xml") || name.ends_with(".rels") {
            return name.to_string();
        }
        crate::common::sheet_part_of(
            &self.text("xl/workbook.xml"),
            &self.text("xl/_rels/workbook.xml.rels"),
            name,
        )
    }

    pub(crate) fn text(&self, name: &str) -> String {
        let name = &self.part(name);
        let (_, d) = self
            .entries
            .iter()
            .find(|(n, _)| n == name)
            .unwrap_or_else(|| panic!("no part {name}"));
        String::from_utf8(d.clone()).unwrap()
    }

    pub(crate) fn set(&mut self, name: &str, data: Vec<u8>) {
        let name = &self.part(name);
        match self.entries.iter_mut().find(|(n, _)| n == name) {
            Some(e) => e.1 = data,
            None => self.entries.push((name.to_string(), data)),
        }
    }

    pub(crate) fn edit(&mut self, name: &str, f: impl FnOnce(String) -> String) -> &mut Self {
        let t = f(self.text(name));
        self.set(name, t.into_bytes());
        self
    }

    /// Replace cell `r` of a sheet part (its style kept).
    pub(crate) fn cell(&mut self, part: &str, r: &str, v: Cell) -> &mut Self {
        self.edit(part, |x| set_cell(&x, r, v))
    }

    pub(crate) fn bytes(&self) -> Vec<u8> {
        let mut z = ZipWriter::new(Cursor::new(Vec::new()));
        let opts = SimpleFileOptions::default().compression_method(CompressionMethod::Deflated);
        for (n, d) in &self.entries {
            z.start_file(n.as_str(), opts).unwrap();
            z.write_all(d).unwrap();
        }
        z.finish().unwrap().into_inner()
    }

    /// The raw `<v>` of a cell, as stored.
    pub(crate) fn value(&self, part: &str, r: &str) -> String {
        let x = self.text(part);
        let (s, e) = cell_span(&x, r).unwrap_or_else(|| panic!("no cell {r} in {part}"));
        let c = &x[s..e];
        let v = c.find("<v>").map(|i| &c[i + 3..c.find("</v>").unwrap()]);
        v.unwrap_or("").to_string()
    }

    pub(crate) fn number(&self, part: &str, r: &str) -> f64 {
        self.value(part, r).parse().unwrap()
    }
}

/// What to put in a cell.
pub(crate) enum Cell {
    /// Text, stored inline (`t="inlineStr"`), as many programs other than Excel write it.
    Text(String),
    Number(f64),
    /// An error value (`t="e"`), e.g. `#DIV/0!`.
    Error(&'static str),
    /// Nothing: the cell keeps its style and loses its value.
    Blank,
}

pub(crate) fn text(s: &str) -> Cell {
    Cell::Text(s.to_string())
}

pub(crate) fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// Byte span of the element `<c r="R" …>…</c>` (or `<c r="R" …/>`).
pub(crate) fn cell_span(xml: &str, r: &str) -> Option<(usize, usize)> {
    let start = xml.find(&format!("<c r=\"{r}\""))?;
    let open_end = start + xml[start..].find('>')?;
    if xml.as_bytes()[open_end - 1] == b'/' {
        return Some((start, open_end + 1));
    }
    let close = open_end + xml[open_end..].find("</c>")?;
    Some((start, close + 4))
}

pub(crate) fn set_cell(xml: &str, r: &str, v: Cell) -> String {
    let (s, e) = cell_span(xml, r).unwrap_or_else(|| panic!("cell {r} not in the sheet"));
    let old = &xml[s..e];
    let style = old
        .find(" s=\"")
        .filter(|&i| i < old.find('>').unwrap())
        .map(|i| {
            let rest = &old[i + 4..];
            format!(" s=\"{}\"", &rest[..rest.find('"').unwrap()])
        })
        .unwrap_or_default();
    let new = match v {
        Cell::Text(t) => format!(
            "<c r=\"{r}\"{style} t=\"inlineStr\"><is><t xml:space=\"preserve\">{}</t></is></c>",
            esc(&t)
        ),
        Cell::Number(n) => format!("<c r=\"{r}\"{style}><v>{n}</v></c>"),
        Cell::Error(e) => format!("<c r=\"{r}\"{style} t=\"e\"><v>{}</v></c>", esc(e)),
        Cell::Blank => format!("<c r=\"{r}\"{style}/>"),
    };
    format!("{}{new}{}", &xml[..s], &xml[e..])
}

/// The `<row r="N" …>…</row>` elements of a sheet, with the text before and after them.
pub(crate) fn split_rows(xml: &str) -> (String, Vec<(u32, String)>, String) {
    let open = xml.find("<sheetData>").unwrap() + "<sheetData>".len();
    let close = xml.find("</sheetData>").unwrap();
    let mut rows = Vec::new();
    let mut body = &xml[open..close];
    while let Some(s) = body.find("<row ") {
        let e = body[s..].find("</row>").map(|i| s + i + 6).unwrap();
        let row = &body[s..e];
        let n: u32 = row["<row r=\"".len()..]
            .split('"')
            .next()
            .unwrap()
            .parse()
            .unwrap();
        rows.push((n, row.to_string()));
        body = &body[e..];
    }
    (xml[..open].to_string(), rows, xml[close..].to_string())
}

/// A row element renumbered from `from` to `to` (its cells too).
pub(crate) fn renumber(row: &str, from: u32, to: u32) -> String {
    let mut s = row.replacen(
        &format!("<row r=\"{from}\""),
        &format!("<row r=\"{to}\""),
        1,
    );
    for col in 'A'..='Z' {
        s = s.replace(
            &format!("<c r=\"{col}{from}\""),
            &format!("<c r=\"{col}{to}\""),
        );
    }
    s
}

/// Add a worksheet part `sheet{id}.xml` named `name` to the package, first or last in
/// the tab order: the form's sheets must be found by name, wherever they stand.
pub(crate) fn add_sheet(p: &mut Pkg, id: u32, name: &str, sheet_xml: &str, first: bool) {
    let part = format!("worksheets/sheet{id}.xml");
    p.set(&format!("xl/{part}"), sheet_xml.as_bytes().to_vec());
    p.edit("xl/_rels/workbook.xml.rels", |x| {
        x.replace(
            "</Relationships>",
            &format!("<Relationship Id=\"rId{id}\" Type=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet\" Target=\"{part}\"/></Relationships>"),
        )
    });
    p.edit("[Content_Types].xml", |x| {
        x.replace(
            "</Types>",
            &format!("<Override PartName=\"/xl/{part}\" ContentType=\"application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml\"/></Types>"),
        )
    });
    let sheet = format!(
        "<sheet name=\"{}\" sheetId=\"{id}\" r:id=\"rId{id}\"/>",
        esc(name)
    );
    p.edit("xl/workbook.xml", |x| {
        if first {
            x.replace("<sheets>", &format!("<sheets>{sheet}"))
        } else {
            x.replace("</sheets>", &format!("{sheet}</sheets>"))
        }
    });
}

pub(crate) fn sheet_xml(rows: &str) -> String {
    format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n<worksheet xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\" xmlns:r=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships\"><sheetData>{rows}</sheetData></worksheet>"
    )
}

/// A warning and nothing worse (a count typed as text, spaces around): the unit is still
/// summed, so its rows reach the outputs, and it gets a returned workbook.
pub(crate) fn warn(p: &mut Pkg) -> &mut Pkg {
    let classes = p.number(SRC, "C4");
    p.cell(SRC, "C4", text(&format!(" {classes} ")))
}

/// `8443` as `8.443`: thousands grouped Vietnamese style.
pub(crate) fn grouped(n: f64) -> String {
    let s = format!("{}", n as u64);
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i) % 3 == 0 {
            out.push('.');
        }
        out.push(c);
    }
    out
}

/// A unit whose value at `part`!`cell` satisfies `ok`, the companion unit excluded.
pub(crate) fn unit_where(part: &str, cell: &str, ok: impl Fn(f64) -> bool) -> (String, f64) {
    base()
        .keys()
        .filter(|c| *c != OK_UNIT)
        .map(|c| (c.clone(), Pkg::of(c).number(part, cell)))
        .find(|(_, v)| ok(*v))
        .unwrap_or_else(|| panic!("no sample has a fitting value at {part} {cell}"))
}

#[derive(Clone, Debug, PartialEq)]
pub(crate) enum V {
    S(String),
    N(f64),
    /// An Excel date serial, written with a date format.
    D(f64),
    /// A formula and the value it shows.
    F(String, f64),
    /// A formula and the text it shows (the unit code looked up from the name).
    FT(String, String),
}

/// One sheet's cells, (row, col) zero-based.
pub(crate) type SheetCells = BTreeMap<(u32, u16), V>;

/// A workbook as cells by sheet.
pub(crate) struct Book {
    sheets: Vec<(String, SheetCells)>,
}

impl Book {
    pub(crate) fn read(bytes: &[u8]) -> Book {
        let mut wb: Xlsx<_> = Xlsx::new(Cursor::new(bytes.to_vec())).unwrap();
        let names = wb.sheet_names();
        let mut sheets = Vec::new();
        for name in names {
            let range = wb.worksheet_range(&name).unwrap();
            let formulas = wb.worksheet_formula(&name).unwrap();
            let mut cells = BTreeMap::new();
            let (r0, c0) = range.start().unwrap_or((0, 0));
            for (r, c, d) in range.used_cells() {
                let at = (r0 + r as u32, (c0 + c as u32) as u16);
                let v = match d {
                    Data::String(s) => V::S(s.clone()),
                    Data::Float(f) => V::N(*f),
                    Data::Int(i) => V::N(*i as f64),
                    Data::DateTime(d) => V::D(d.as_f64()),
                    Data::Empty => continue,
                    other => panic!("unexpected cell {other:?}"),
                };
                cells.insert(at, v);
            }
            let (f0, g0) = formulas.start().unwrap_or((0, 0));
            for (r, c, f) in formulas.used_cells() {
                if f.is_empty() {
                    continue;
                }
                let at = (f0 + r as u32, (g0 + c as u32) as u16);
                let v = match cells.get(&at) {
                    Some(V::N(n)) => V::F(f.clone(), *n),
                    Some(V::S(t)) => V::FT(f.clone(), t.clone()),
                    _ => V::F(f.clone(), 0.0),
                };
                cells.insert(at, v);
            }
            sheets.push((name, cells));
        }
        Book { sheets }
    }

    pub(crate) fn sheet(&mut self, name: &str) -> &mut BTreeMap<(u32, u16), V> {
        &mut self.sheets.iter_mut().find(|(n, _)| n == name).unwrap().1
    }

    pub(crate) fn bytes(&self) -> Vec<u8> {
        use rust_xlsxwriter::{Format, Formula, Workbook};
        let mut wb = Workbook::new();
        let date = Format::new().set_num_format("dd/mm/yyyy");
        for (name, cells) in &self.sheets {
            let ws = wb.add_worksheet();
            ws.set_name(name).unwrap();
            for (&(r, c), v) in cells {
                match v {
                    V::S(s) => ws.write_string(r, c, s).map(|_| ()),
                    V::N(n) => ws.write_number(r, c, *n).map(|_| ()),
                    V::D(d) => ws.write_number_with_format(r, c, *d, &date).map(|_| ()),
                    V::F(f, shown) => ws
                        .write_formula(r, c, Formula::new(f).set_result(shown.to_string()))
                        .map(|_| ()),
                    V::FT(f, shown) => ws
                        .write_formula(r, c, Formula::new(f).set_result(shown))
                        .map(|_| ()),
                }
                .unwrap();
            }
        }
        wb.save_to_buffer().unwrap()
    }
}

/// Zero-based column of a letter.
pub(crate) fn col(letter: char) -> u16 {
    letter as u16 - 'A' as u16
}

/// The package `p` whose sheet `part` is streamed into the zip: `write` is called with
/// the part's writer, so that a sheet far larger than memory allows is never held whole.
pub(crate) fn with_streamed_sheet(
    p: &Pkg,
    part: &str,
    write: impl FnOnce(&mut dyn Write),
) -> Vec<u8> {
    let mut z = ZipWriter::new(Cursor::new(Vec::new()));
    let opts = SimpleFileOptions::default()
        .compression_method(CompressionMethod::Deflated)
        .compression_level(Some(1));
    let mut write = Some(write);
    for (n, d) in &p.entries {
        z.start_file(n.as_str(), opts).unwrap();
        if n == part {
            (write.take().unwrap())(&mut z);
        } else {
            z.write_all(d).unwrap();
        }
    }
    z.finish().unwrap().into_inner()
}

/// The package `p` with its admissions sheet streamed: `count` rows written by `row`
/// (given each row's number) inserted at row `at`, the rows from `at` on moved down past
/// them, and `last` after them all.
pub(crate) fn insert_rows(
    p: &Pkg,
    at: u32,
    count: u32,
    mut row: impl FnMut(&mut dyn Write, u32),
    last: &str,
) -> Vec<u8> {
    let (head, rows, tail) = split_rows(&p.text(ADM));
    with_streamed_sheet(p, ADM, |w| {
        let mut out = std::io::BufWriter::with_capacity(1 << 16, w);
        out.write_all(head.as_bytes()).unwrap();
        for (n, xml) in &rows {
            if *n < at {
                out.write_all(xml.as_bytes()).unwrap();
            }
        }
        for n in at..at + count {
            row(&mut out, n);
        }
        for (n, xml) in &rows {
            if *n >= at {
                out.write_all(renumber(xml, *n, n + count).as_bytes())
                    .unwrap();
            }
        }
        out.write_all(last.as_bytes()).unwrap();
        out.write_all(tail.as_bytes()).unwrap();
        out.flush().unwrap();
    })
}
