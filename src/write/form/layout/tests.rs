//! The layout's own tests: a streamed sheet must hold what an in-memory one does, cell
//! for cell, style for style, note for note.

use super::*;
use crate::form::Form;
use crate::spec::TextStyle;
use crate::write::form::{BuiltRows, TableOut};
use calamine::{Data, Reader, Xlsx};
use chrono::NaiveDate;
use std::collections::BTreeMap;
use std::io::{Cursor, Read};

/// The default form filled with `n` table rows, a few cells of each type and a
/// given total; marks on a body figure, a body label, the total and an input cell.
fn filled(n: u32) -> (Form, FormData, Marks) {
    let mut form = Form::from_toml(crate::form::FORM_2026_1, "2026.1").unwrap();
    // Texts on the table's sheet, given out of row order: one below the total row,
    // one beside the body, one above the header.
    let (sheet, first_row) = (form.tables[0].sheet, form.tables[0].first_row);
    form.layout.sheets[sheet].texts.extend([
        (
            Pos::new(first_row + n + 2, 1),
            "Người lập biểu".to_string(),
            TextStyle::Plain,
        ),
        (
            Pos::new(first_row + 10, 10),
            "Ghi chú bên bảng".to_string(),
            TextStyle::Note,
        ),
        (
            Pos::new(1, 1),
            "Đơn vị: Đảng bộ huyện".to_string(),
            TextStyle::Section,
        ),
    ]);
    let t = &form.tables[0];
    let rows: BuiltRows = (0..n)
        .map(|i| {
            let values = (0..t.columns.len())
                .map(|c| match (i + c as u32) % 5 {
                    0 => Out::Blank,
                    1 => Out::Text(format!("=SUM({i})")),
                    _ => Out::Number(f64::from(i * 7 + c as u32)),
                })
                .collect();
            (t.first_row + i, Out::Text(format!("Chi bộ số {i}")), values)
        })
        .collect();
    let cells = form
        .cells
        .iter()
        .enumerate()
        .map(|(i, c)| match c.ty {
            FieldType::Text => Out::Text(format!("ô {i}")),
            FieldType::Date => Out::Date(NaiveDate::from_ymd_opt(2026, 6, 30).unwrap()),
            _ => Out::Number(i as f64),
        })
        .collect();
    let mut marks = Marks::default();
    let mid = t.first_row + n / 2;
    marks.add(t.sheet, Pos::new(mid, t.columns[1].col), true, "sai".into());
    marks.add(t.sheet, Pos::new(mid, t.label_col), false, "lưu ý".into());
    // Its explanation goes in a column right of the table, on the streamed row.
    marks.explain(t.sheet, Pos::new(mid, t.columns[1].col), "⚠ Lỗi sai".into());
    let total_row = t.first_row + n;
    marks.add(
        t.sheet,
        Pos::new(total_row, t.columns[0].col),
        true,
        "tổng".into(),
    );
    let c = &form.cells[0];
    marks.add(c.sheet, c.pos, true, "ô nhập".into());
    let data = FormData {
        form_id: form.id.clone(),
        form_version: form.version.clone(),
        cells,
        tables: vec![TableOut {
            rows,
            total_row,
            total: None,
            total_label: Some("Cộng".into()),
            label: None,
        }],
        lists: Vec::new(),
    };
    (form, data, marks)
}

fn save(form: &Form, data: &FormData, marks: &Marks, stream_rows: usize) -> Vec<u8> {
    let mut wb = Workbook::new();
    lay_out(
        &mut wb,
        form,
        Some(data),
        marks,
        Mode::Returned,
        stream_rows,
    )
    .unwrap();
    wb.save_to_buffer().unwrap()
}

fn parts(xlsx: &[u8]) -> BTreeMap<String, String> {
    let mut zip = zip::ZipArchive::new(Cursor::new(xlsx)).unwrap();
    (0..zip.len())
        .map(|i| {
            let mut f = zip.by_index(i).unwrap();
            let mut text = String::new();
            f.read_to_string(&mut text).unwrap();
            (f.name().unwrap().to_string(), text)
        })
        .collect()
}

/// The elements between `<{list}` and `</{list}>`, each as text.
fn elements<'a>(xml: &'a str, list: &str, item: &str) -> Vec<&'a str> {
    let Some((_, rest)) = xml.split_once(&format!("<{list}")) else {
        return Vec::new();
    };
    let body = &rest[..rest.find(&format!("</{list}>")).unwrap()];
    let open = format!("<{item}");
    let mut out = Vec::new();
    let mut at = body.find(&open);
    while let Some(i) = at {
        let tail = &body[i + open.len()..];
        let next = tail.find(&open).map(|j| i + open.len() + j);
        out.push(&body[i..next.unwrap_or(body.len())]);
        at = next;
    }
    out
}

fn attr<'a>(element: &'a str, name: &str) -> &'a str {
    let (_, v) = element.split_once(&format!(" {name}=\"")).unwrap();
    &v[..v.find('"').unwrap()]
}

/// Each cell style of styles.xml spelt out (number format, font, fill, border and
/// alignment), as the index a cell refers to depends on when the style was first used.
fn cell_styles(styles_xml: &str) -> Vec<String> {
    let formats: BTreeMap<&str, &str> = elements(styles_xml, "numFmts", "numFmt")
        .into_iter()
        .map(|f| (attr(f, "numFmtId"), attr(f, "formatCode")))
        .collect();
    let fonts = elements(styles_xml, "fonts", "font");
    let fills = elements(styles_xml, "fills", "fill");
    let borders = elements(styles_xml, "borders", "border");
    let index = |s: &str| s.parse::<usize>().unwrap();
    elements(styles_xml, "cellXfs", "xf")
        .into_iter()
        .map(|xf| {
            let id = attr(xf, "numFmtId");
            let alignment = xf.split_once('>').map_or("", |(_, a)| a);
            format!(
                "{} {} {} {} {alignment}",
                formats.get(id).copied().unwrap_or(id),
                fonts[index(attr(xf, "fontId"))],
                fills[index(attr(xf, "fillId"))],
                borders[index(attr(xf, "borderId"))],
            )
        })
        .collect()
}

/// (cell, style spelt out) of every cell of a sheet part, in document order.
fn styles(sheet_xml: &str, cell_styles: &[String]) -> Vec<(String, String)> {
    sheet_xml
        .split("<c r=\"")
        .skip(1)
        .map(|c| {
            let cell = c[..c.find('"').unwrap()].to_string();
            let head = &c[..c.find('>').unwrap()];
            let style = head
                .split_once(" s=\"")
                .map_or("0", |(_, s)| &s[..s.find('"').unwrap()]);
            (cell, cell_styles[style.parse::<usize>().unwrap()].clone())
        })
        .collect()
}

/// Everything of a sheet part but its cells.
fn frame(sheet_xml: &str) -> String {
    let (a, rest) = sheet_xml.split_once("<sheetData>").unwrap();
    let (_, b) = rest.split_once("</sheetData>").unwrap();
    format!("{a}{b}")
}

/// Row attributes (height) of a sheet part, but `spans`: an optional hint that only
/// an in-memory sheet knows in time to write.
fn rows(sheet_xml: &str) -> Vec<String> {
    sheet_xml
        .split("<row ")
        .skip(1)
        .map(|r| {
            let head = &r[..r.find('>').unwrap()];
            match head.split_once(" spans=\"") {
                Some((a, b)) => format!("{a}{}", &b[b.find('"').unwrap() + 1..]),
                None => head.to_string(),
            }
        })
        .collect()
}

type Sheets = Vec<(String, Vec<(u32, u32, Data)>, Vec<(u32, u32, String)>)>;

fn read_back(xlsx: &[u8]) -> Sheets {
    let mut wb = Xlsx::new(Cursor::new(xlsx.to_vec())).unwrap();
    wb.sheet_names()
        .into_iter()
        .map(|name| {
            let values = wb.worksheet_range(&name).unwrap();
            let formulas = wb.worksheet_formula(&name).unwrap();
            let (vr, vc) = values.start().unwrap_or((0, 0));
            let (fr, fc) = formulas.start().unwrap_or((0, 0));
            (
                name,
                values
                    .used_cells()
                    .map(|(r, c, v)| (vr + r as u32, vc + c as u32, v.clone()))
                    .collect(),
                formulas
                    .used_cells()
                    .filter(|(_, _, f)| !f.is_empty())
                    .map(|(r, c, f)| (fr + r as u32, fc + c as u32, f.clone()))
                    .collect(),
            )
        })
        .collect()
}

#[test]
fn a_streamed_sheet_holds_what_an_in_memory_one_does() {
    let (form, data, marks) = filled(300);
    let streamed = save(&form, &data, &marks, 0);
    let held = save(&form, &data, &marks, usize::MAX);
    let (s, h) = (parts(&streamed), parts(&held));
    let table_part = format!("xl/worksheets/sheet{}.xml", form.tables[0].sheet + 1);
    // Only the table's sheet was streamed (its strings inline), the others were not.
    for (name, xml) in &s {
        if name.starts_with("xl/worksheets/sheet") {
            assert_eq!(xml.contains("inlineStr"), *name == table_part, "{name}");
        }
    }
    assert!(!h[&table_part].contains("inlineStr"));
    // Cell by cell the same values, formulas (with their cached results) and styles.
    assert_eq!(read_back(&streamed), read_back(&held));
    let (ss, hs) = (
        cell_styles(&s["xl/styles.xml"]),
        cell_styles(&h["xl/styles.xml"]),
    );
    assert_eq!(
        ss.iter().collect::<HashSet<_>>(),
        hs.iter().collect::<HashSet<_>>()
    );
    for (name, xml) in &s {
        let other = &h[name];
        if name.starts_with("xl/worksheets/sheet") {
            assert_eq!(styles(xml, &ss), styles(other, &hs), "{name}");
            assert_eq!(frame(xml), frame(other), "{name}");
            assert_eq!(rows(xml), rows(other), "{name}");
        } else if ![
            "xl/sharedStrings.xml",
            "xl/styles.xml",
            // Stamped with the time of the save: two saves a second apart differ.
            "docProps/core.xml",
        ]
        .contains(&name.as_str())
        {
            // Notes, their drawings, relationships: byte for byte.
            assert_eq!(xml, other, "{name}");
        }
    }
}

#[test]
fn streamed_rows_are_the_rows_given() {
    let (form, data, marks) = filled(300);
    let book = read_back(&save(&form, &data, &marks, 0));
    let t = &form.tables[0];
    let (_, values, formulas) = &book[t.sheet];
    let at = |r: u32, c: u16| {
        values
            .iter()
            .find(|(vr, vc, _)| *vr == r && *vc == u32::from(c))
            .map(|x| x.2.clone())
            .unwrap_or(Data::Empty)
    };
    for (row, label, cells) in &data.tables[0].rows {
        let i = row - t.first_row;
        assert_eq!(at(*row, 0), Data::Float(f64::from(i + 1)), "STT of row {i}");
        let Out::Text(label) = label else { panic!() };
        assert_eq!(at(*row, t.label_col), Data::String(label.clone()));
        for (c, v) in t.columns.iter().zip(cells) {
            let expected = match v {
                Out::Blank => Data::Empty,
                Out::Number(n) => Data::Float(*n),
                // Text that looks like a formula stays text.
                Out::Text(s) => Data::String(s.clone()),
                other => panic!("{other:?}"),
            };
            assert_eq!(at(*row, c.col), expected, "row {i} column {}", c.key);
        }
    }
    // The total row sums the body, as a formula with its value cached.
    let total = t.first_row + 300;
    let col = t.columns[2].col;
    let name = crate::cellref::column_name(col);
    let sum: f64 = data.tables[0]
        .rows
        .iter()
        .filter_map(|r| match r.2[2] {
            Out::Number(n) => Some(n),
            _ => None,
        })
        .sum();
    assert_eq!(at(total, col), Data::Float(sum));
    assert!(formulas.iter().any(|(r, c, f)| *r == total
        && *c == u32::from(col)
        && *f
            == format!(
                "SUM(INDEX({name}:{name},ROW({name}${})+{}):INDEX({name}:{name},ROW()-1))",
                t.header_row + 1,
                t.first_row - t.header_row
            )));
}

#[test]
fn marks_reach_streamed_body_cells_and_the_total_row() {
    let (form, data, marks) = filled(300);
    let p = parts(&save(&form, &data, &marks, 0));
    let t = &form.tables[0];
    let sheet = &p[&format!("xl/worksheets/sheet{}.xml", t.sheet + 1)];
    let all = cell_styles(&p["xl/styles.xml"]);
    let style_of = |r: u32, c: u16| {
        let cell = Pos::new(r, c).to_string();
        styles(sheet, &all)
            .into_iter()
            .find(|(x, _)| *x == cell)
            .unwrap()
            .1
    };
    let mid = t.first_row + 150;
    let total = t.first_row + 300;
    let fill = |style: String| {
        [style::FAULT_FILL, style::WARN_FILL]
            .into_iter()
            .find(|f| style.contains(&format!("FF{f:06X}")))
    };
    assert_eq!(
        fill(style_of(mid, t.columns[1].col)),
        Some(style::FAULT_FILL)
    );
    assert_eq!(fill(style_of(mid, t.label_col)), Some(style::WARN_FILL));
    assert_eq!(
        fill(style_of(total, t.columns[0].col)),
        Some(style::FAULT_FILL)
    );
    assert_eq!(fill(style_of(mid + 1, t.columns[1].col)), None);
    assert_eq!(fill(style_of(mid + 1, t.label_col)), None);
    assert_eq!(fill(style_of(total, t.columns[2].col)), None);
    let comments: String = p
        .iter()
        .filter(|(n, _)| n.starts_with("xl/comments"))
        .map(|(_, x)| x.as_str())
        .collect();
    for (cell, text) in [
        (Pos::new(mid, t.columns[1].col), "sai"),
        (Pos::new(mid, t.label_col), "lưu ý"),
        (Pos::new(total, t.columns[0].col), "tổng"),
    ] {
        let r = cell.to_string();
        assert!(comments.contains(&format!("ref=\"{r}\"")), "no note at {r}");
        assert!(comments.contains(text));
    }
    // The explanation is printed on the faulty row, right of the table.
    let row = sheet
        .split("<row ")
        .find(|r| r.starts_with(&format!("r=\"{}\"", mid + 1)))
        .map(|r| &r[..r.find("</row>").unwrap()])
        .unwrap();
    assert!(row.contains("⚠ Lỗi sai"), "{row}");
}

#[test]
fn rows_out_of_order_are_held_in_memory_rather_than_lost() {
    let (form, mut data, marks) = filled(20);
    data.tables[0].rows.swap(3, 4);
    let streamed = save(&form, &data, &marks, 0);
    let p = parts(&streamed);
    let table_part = format!("xl/worksheets/sheet{}.xml", form.tables[0].sheet + 1);
    assert!(!p[&table_part].contains("inlineStr"));
    assert_eq!(
        read_back(&streamed),
        read_back(&save(&form, &data, &marks, usize::MAX))
    );
}
