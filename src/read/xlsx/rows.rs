//! A hand-written scanner for the rows of a worksheet's `<sheetData>` in the one shape
//! spreadsheet programs write them: `<row …>`, then cells `<c …/>` or `<c …>` with at
//! most a plain `<f>` and a plain `<v>`, then `</row>`, nothing between the tags.
//!
//! Why hand-written: a sheet is most of what the reader parses, and a cell such as
//! `<c r="C7" s="22"><v>5</v></c>` costs quick-xml five events, each checked, named and
//! matched; profiled on 2,000 small submissions, that was a third of the time. This scan
//! delimits a row's tags and, while it delimits a cell's start tag, picks out its `r`,
//! `s` and `t` (profiled on 50 submissions of 20,000 rows, reading them again from the
//! delimited tag was a fifth of the time). Those three are then picked by a second
//! reader of attributes, [`cell_tag`]: the two paths agree because it declines every
//! shape calamine's attribute reader might read otherwise (see its doc and
//! `tests/differential.rs`). What they say (references, types, values), and everything
//! else in the row, is still read by the code that reads quick-xml's events.
//!
//! It only accepts a row it can delimit without judging it. Anything else (a prefixed
//! name such as `<x:c>` of Strict or prefixed OOXML, an entity or `\r` in a text,
//! CDATA, a comment, white space or text between tags, an inline string, a tag cut off,
//! bytes that are not UTF-8, a cell's attributes written other than as ` name="value"`
//! or ` name='value'`, or `r`, `s` or `t` given twice) makes it decline the whole row before anything is read
//! from it, and quick-xml reads that row as before, with its own checks and faults. A row
//! is taken whole or not at all, so quick-xml never sees half of an element.

/// One cell of a scanned row, as slices of the part.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(super) struct RawCell<'a> {
    /// Its `r`, `s` and `t` attributes, as calamine's attribute reader gives them: the
    /// quoted text as it stands.
    pub r: Option<&'a str>,
    pub s: Option<&'a str>,
    pub t: Option<&'a str>,
    /// The `<f>` child: its start tag's content and its text.
    pub formula: Option<(&'a str, &'a str)>,
    /// The text of the `<v>` child; empty for `<v></v>` or `<v/>`.
    pub value: Option<&'a str>,
}

/// A scanned row's cells, kept by the sheet reader from row to row so that scanning a
/// row allocates nothing once the longest row was met.
#[derive(Debug, Default)]
pub(super) struct RowCells<'a> {
    /// The cells in order, valid after [`scan`] gave a row.
    pub cells: Vec<RawCell<'a>>,
    bytes: Vec<CellBytes<'a>>,
}

/// What the bytes at the start of `b` hold, when it is a row of the plain shape or the
/// end of `<sheetData>`; `None` to let quick-xml read what is there.
#[derive(Debug, PartialEq, Eq)]
pub(super) enum Scanned<'a> {
    /// A whole row (its start tag's content; its cells in [`RowCells::cells`]), and the
    /// bytes it spans.
    Row(&'a str, usize),
    /// `</sheetData>`, and its length.
    End(usize),
}

/// Scans what starts at `b`. Leading XML white space is skipped (quick-xml reads it as a
/// text, which the sheet reader ignores).
pub(super) fn scan<'a>(b: &'a [u8], out: &mut RowCells<'a>) -> Option<Scanned<'a>> {
    let lead = b
        .iter()
        .position(|c| !matches!(c, b' ' | b'\t' | b'\r' | b'\n'))?;
    let b = &b[lead..];
    if b.starts_with(b"</sheetData>") {
        return Some(Scanned::End(lead + b"</sheetData>".len()));
    }
    let (tag, len) = scan_row(b, out)?;
    Some(Scanned::Row(tag, lead + len))
}

/// A start tag at `b[0]` (`<`): its content, whether it closed itself, and its length;
/// the end found as quick-xml finds it (the first `>` outside quotes). A plain loop: a
/// cell's tag is a few dozen bytes with six quotes, where restarting `memchr3` after each
/// quote cost more than looking at every byte.
fn start_tag(b: &[u8]) -> Option<(&[u8], bool, usize)> {
    debug_assert_eq!(b.first(), Some(&b'<'));
    let mut quote = 0u8;
    for (i, &c) in b.iter().enumerate().skip(1) {
        if quote != 0 {
            if c == quote {
                quote = 0;
            }
        } else if c == b'>' {
            let content = &b[1..i];
            return Some(match content.strip_suffix(b"/") {
                Some(c) => (c, true, i + 1),
                None => (content, false, i + 1),
            });
        } else if c == b'"' || c == b'\'' {
            quote = c;
        }
    }
    None
}

/// The name of a start tag's content, as quick-xml delimits it (up to white space).
fn name(content: &[u8]) -> &[u8] {
    let end = content
        .iter()
        .position(|c| matches!(c, b' ' | b'\t' | b'\r' | b'\n'))
        .unwrap_or(content.len());
    &content[..end]
}

/// A start tag named `want` at `b[0]`: (content, self-closed, length).
fn start_named<'b>(b: &'b [u8], want: &[u8]) -> Option<(&'b [u8], bool, usize)> {
    if !b.starts_with(b"<") || !b[1..].starts_with(want) {
        return None;
    }
    let (content, empty, len) = start_tag(b)?;
    (name(content) == want).then_some((content, empty, len))
}

/// The text at `b[0]` up to `</{closing}>`, when it holds nothing quick-xml would split
/// or change (`<`, `&`, `\r`): (text, length including the end tag). Texts here are
/// numbers and formulas, a few bytes: one loop checks and delimits them.
fn text_until<'b>(b: &'b [u8], closing: &[u8]) -> Option<(&'b [u8], usize)> {
    let i = b.iter().position(|&c| matches!(c, b'<' | b'&' | b'\r'))?;
    if b[i] != b'<' {
        return None;
    }
    let text = &b[..i];
    let rest = &b[i..];
    let end_len = closing.len() + 3;
    (rest.len() >= end_len
        && rest.starts_with(b"</")
        && &rest[2..2 + closing.len()] == closing
        && rest[2 + closing.len()] == b'>')
        .then_some((text, i + end_len))
}

fn scan_row<'a>(b: &'a [u8], out: &mut RowCells<'a>) -> Option<(&'a str, usize)> {
    let (tag, empty, mut at) = start_named(b, b"row")?;
    out.bytes.clear();
    out.cells.clear();
    if !empty {
        loop {
            let rest = &b[at..];
            if rest.starts_with(b"</row>") {
                at += b"</row>".len();
                break;
            }
            let (cell, len) = scan_cell(rest)?;
            out.bytes.push(cell);
            at += len;
        }
    }
    // Validated once for the row: every piece is then a `str`, as quick-xml would have
    // checked each event's bytes.
    let whole = std::str::from_utf8(&b[..at]).ok()?;
    let base = b.as_ptr() as usize;
    let piece = |s: &[u8]| {
        let from = s.as_ptr() as usize - base;
        &whole[from..from + s.len()]
    };
    out.cells.extend(out.bytes.iter().map(|c| RawCell {
        r: c.attrs[0].map(piece),
        s: c.attrs[1].map(piece),
        t: c.attrs[2].map(piece),
        formula: c.formula.map(|(t, x)| (piece(t), piece(x))),
        value: c.value.map(piece),
    }));
    Some((piece(tag), at))
}

/// A cell's `r`, `s` and `t`, as bytes.
type Attrs<'b> = [Option<&'b [u8]>; 3];

/// One cell's bytes, before they are known to be UTF-8.
#[derive(Debug, Clone, Copy)]
struct CellBytes<'b> {
    attrs: Attrs<'b>,
    formula: Option<(&'b [u8], &'b [u8])>,
    value: Option<&'b [u8]>,
}

/// A cell's start tag at `b[0]`, in the one shape programs write: `<c`, then each
/// attribute as one space, a name, `=` and a quoted value, then `>` or `/>`. Gives `r`,
/// `s` and `t`, whether it closed itself, and its length.
///
/// Read so, the three are what calamine's attribute reader gives for the same tag (the
/// quoted text as it stands, the tag ended by the first `>` outside quotes); anything it
/// might read otherwise is declined: other white space, a name of unusual bytes, no
/// quotes, one of the three twice.
fn cell_tag(b: &[u8]) -> Option<(Attrs<'_>, bool, usize)> {
    if !b.starts_with(b"<c") {
        return None;
    }
    let mut attrs = [None; 3];
    let mut i = 2;
    loop {
        match *b.get(i)? {
            b'>' => return Some((attrs, false, i + 1)),
            b'/' => return (*b.get(i + 1)? == b'>').then_some((attrs, true, i + 2)),
            b' ' => i += 1,
            _ => return None,
        }
        let key = i;
        while b
            .get(i)
            .is_some_and(|c| c.is_ascii_alphanumeric() || matches!(c, b':' | b'_' | b'-' | b'.'))
        {
            i += 1;
        }
        let name = &b[key..i];
        if name.is_empty() || b.get(i) != Some(&b'=') {
            return None;
        }
        let quote = *b.get(i + 1)?;
        if quote != b'"' && quote != b'\'' {
            return None;
        }
        let from = i + 2;
        let len = b.get(from..)?.iter().position(|&c| c == quote)?;
        i = from + len + 1;
        let slot = match name {
            b"r" => 0,
            b"s" => 1,
            b"t" => 2,
            _ => continue,
        };
        if attrs[slot].replace(&b[from..from + len]).is_some() {
            return None;
        }
    }
}

/// A cell at `b[0]`: `<c …/>`, or `<c …>`, an optional `<f …>…</f>` or `<f …/>`, an
/// optional `<v>…</v>` or `<v/>`, then `</c>`.
fn scan_cell(b: &[u8]) -> Option<(CellBytes<'_>, usize)> {
    let (attrs, empty, mut at) = cell_tag(b)?;
    let mut cell = CellBytes {
        attrs,
        formula: None,
        value: None,
    };
    if empty {
        return Some((cell, at));
    }
    if let Some((ftag, fempty, len)) = start_named(&b[at..], b"f") {
        at += len;
        let text = if fempty {
            &b[at..at]
        } else {
            let (text, len) = text_until(&b[at..], b"f")?;
            at += len;
            text
        };
        cell.formula = Some((ftag, text));
    }
    let rest = &b[at..];
    if rest.starts_with(b"<v/>") {
        at += b"<v/>".len();
        cell.value = Some(&b[at..at]);
    } else if rest.starts_with(b"<v>") {
        at += b"<v>".len();
        let (text, len) = text_until(&b[at..], b"v")?;
        at += len;
        cell.value = Some(text);
    }
    b[at..]
        .starts_with(b"</c>")
        .then_some((cell, at + b"</c>".len()))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A scanned row: its tag, its cells and its length.
    #[derive(Debug, PartialEq, Eq)]
    struct RawRow<'a> {
        tag: &'a str,
        cells: Vec<RawCell<'a>>,
    }

    fn row(xml: &str) -> Option<(RawRow<'_>, usize)> {
        let mut out = RowCells::default();
        match scan(xml.as_bytes(), &mut out)? {
            Scanned::Row(tag, len) => Some((
                RawRow {
                    tag,
                    cells: out.cells,
                },
                len,
            )),
            Scanned::End(_) => None,
        }
    }

    /// A cell of `[r, s, t]`, each the attribute's value or `""` for none.
    fn cell<'a>(
        attrs: [&'a str; 3],
        formula: Option<(&'a str, &'a str)>,
        value: Option<&'a str>,
    ) -> RawCell<'a> {
        let some = |a: &'a str| (!a.is_empty()).then_some(a);
        RawCell {
            r: some(attrs[0]),
            s: some(attrs[1]),
            t: some(attrs[2]),
            formula,
            value,
        }
    }

    #[test]
    fn a_plain_row_is_delimited_cell_by_cell() {
        let xml = r#"<row r="7" spans="1:5"><c r="A7" s="8" t="s"><v>84</v></c><c r="C7" s="22"/><c r="E7"><f>IF(N(C7)=0,0,1)</f><v>20</v></c><c r="F7"><f t="shared" si="0"/><v></v></c><c r="G7"><v/></c></row><row r="8">"#;
        let (r, len) = row(xml).unwrap();
        assert_eq!(&xml[len..], r#"<row r="8">"#);
        assert_eq!(r.tag, r#"row r="7" spans="1:5""#);
        assert_eq!(
            r.cells,
            vec![
                cell(["A7", "8", "s"], None, Some("84")),
                cell(["C7", "22", ""], None, None),
                cell(["E7", "", ""], Some(("f", "IF(N(C7)=0,0,1)")), Some("20")),
                cell(
                    ["F7", "", ""],
                    Some((r#"f t="shared" si="0""#, "")),
                    Some("")
                ),
                cell(["G7", "", ""], None, Some("")),
            ]
        );
    }

    #[test]
    fn white_space_before_a_row_and_the_end_of_the_sheet_data() {
        let (r, len) = row("\n  <row/>x").unwrap();
        assert_eq!((r.tag, r.cells.len(), len), ("row", 0, 9));
        assert_eq!(
            scan(b" </sheetData><x/>", &mut RowCells::default()),
            Some(Scanned::End(13))
        );
        assert_eq!(scan(b"  ", &mut RowCells::default()), None);
        assert_eq!(scan(b"", &mut RowCells::default()), None);
    }

    #[test]
    fn quotes_hide_a_closing_bracket_as_quick_xml_reads_them() {
        let (r, _) = row(r#"<row a='>"' b=">'"><c r="A1" x='/>' s="2>"/></row>"#).unwrap();
        assert_eq!(r.tag, r#"row a='>"' b=">'""#);
        assert_eq!(r.cells, vec![cell(["A1", "2>", ""], None, None)]);
    }

    #[test]
    fn attributes_in_any_order_or_missing_are_read_by_name() {
        let (r, _) = row(
            r#"<row><c t="n" x14ac:dy-1.x="r" s="1" r="B2"><v>1</v></c><c><v>2</v></c><c rr="A1" ss='x' tt="n"/></row>"#,
        )
        .unwrap();
        assert_eq!(
            r.cells,
            vec![
                cell(["B2", "1", "n"], None, Some("1")),
                cell(["", "", ""], None, Some("2")),
                cell(["", "", ""], None, None),
            ]
        );
    }

    #[test]
    fn anything_but_the_plain_shape_is_declined() {
        for xml in [
            // Cut off, anywhere.
            r#"<row r="1"><c r="A1"><v>1</v></c>"#,
            r#"<row r="1"><c r="A1"><v>1</v>"#,
            r#"<row r="1"><c r="A1"><v>1"#,
            r#"<row r="1"><c r="A1""#,
            r#"<row r="1" a="x>"#,
            "<row",
            // Prefixed names (Strict or prefixed OOXML), other names.
            r#"<x:row r="1"></x:row>"#,
            r#"<row r="1"><x:c r="A1"><x:v>1</x:v></x:c></row>"#,
            r#"<row r="1"><c r="A1"><x:v>1</x:v></c></row>"#,
            r#"<rows r="1"></rows>"#,
            r#"<row r="1"><cell r="A1"/></row>"#,
            r#"<row r="1"><c/ ></row>"#,
            // A cell's attributes in any other shape, or one of r, s, t twice.
            r#"<row r="1"><c  r="A1"/></row>"#,
            r#"<row r="1"><c r="A1" /></row>"#,
            r#"<row r="1"><c r = "A1"/></row>"#,
            r#"<row r="1"><c r=A1/></row>"#,
            r#"<row r="1"><c r="A1"s="1"/></row>"#,
            "<row r=\"1\"><c\tr=\"A1\"/></row>",
            r#"<row r="1"><c r="A1" r="B1"/></row>"#,
            r#"<row r="1"><c t="n" s="1" t="s"><v>1</v></c></row>"#,
            r#"<row r="1"><c r="A1" x/></row>"#,
            r#"<row r="1"><c r="A1" a/b="1"/></row>"#,
            r#"<row r="1"><c r="A1"/ ></row>"#,
            // Entities, CDATA, comments, line ends quick-xml would rewrite.
            r#"<row r="1"><c r="A1" t="str"><v>a&amp;b</v></c></row>"#,
            r#"<row r="1"><c r="A1"><f>A&lt;B</f><v>1</v></c></row>"#,
            r#"<row r="1"><c r="A1"><v><![CDATA[1]]></v></c></row>"#,
            r#"<row r="1"><!-- c --><c r="A1"/></row>"#,
            r#"<row r="1"><c r="A1"><v>1<!-- c --></v></c></row>"#,
            "<row r=\"1\"><c r=\"A1\" t=\"str\"><v>a\r\nb</v></c></row>",
            // White space or text between tags, other children, odd end tags.
            r#"<row r="1"> <c r="A1"/></row>"#,
            r#"<row r="1"><c r="A1"> <v>1</v></c></row>"#,
            r#"<row r="1"><c r="A1"><v>1</v> </c></row>"#,
            r#"<row r="1"><c r="A1" t="inlineStr"><is><t>x</t></is></c></row>"#,
            r#"<row r="1"><c r="A1"><v>1</v><v>2</v></c></row>"#,
            r#"<row r="1"><c r="A1"><v>1</v><f>A1</f></c></row>"#,
            r#"<row r="1"><c r="A1"><v a="1">1</v></c></row>"#,
            r#"<row r="1"><c r="A1"><v>1</v ></c></row>"#,
            r#"<row r="1"><c r="A1"><v>1</v></c ></row>"#,
            r#"<row r="1"><c r="A1"/></row >"#,
            r#"<row r="1"><c r="A1"><v>1</x></c></row>"#,
            "text<row/>",
            "</row>",
            "<?pi?><row/>",
        ] {
            assert_eq!(row(xml), None, "{xml}");
        }
    }

    /// One `RowCells` serves every row: a shorter row after a longer one, or after a
    /// row declined halfway, holds its own cells only.
    #[test]
    fn kept_cell_lists_hold_only_the_row_just_scanned() {
        let mut out = RowCells::default();
        let long = r#"<row r="1"><c r="A1"><v>1</v></c><c r="B1"><v>2</v></c><c r="C1"><v>3</v></c></row>"#;
        assert!(matches!(
            scan(long.as_bytes(), &mut out),
            Some(Scanned::Row(_, _))
        ));
        assert_eq!(out.cells.len(), 3);
        let cut = r#"<row r="2"><c r="A2"><v>1</v></c><c r="B2"> <v>2</v></c></row>"#;
        assert_eq!(scan(cut.as_bytes(), &mut out), None);
        let short = r#"<row r="3"><c r="A3" t="s"><v>7</v></c></row>"#;
        assert!(matches!(
            scan(short.as_bytes(), &mut out),
            Some(Scanned::Row(_, _))
        ));
        assert_eq!(out.cells, vec![cell(["A3", "", "s"], None, Some("7"))]);
        assert!(matches!(
            scan(b"<row/>", &mut out),
            Some(Scanned::Row("row", 6))
        ));
        assert!(out.cells.is_empty());
    }

    #[test]
    fn a_row_that_is_not_utf8_is_declined() {
        let mut xml = b"<row r=\"1\"><c r=\"A1\" t=\"str\"><v>".to_vec();
        xml.extend_from_slice(&[0xC3, 0x28]);
        xml.extend_from_slice(b"</v></c></row>");
        assert_eq!(scan(&xml, &mut RowCells::default()), None);
    }

    #[test]
    fn utf8_texts_are_kept_whole() {
        // The formula holds an entity: declined.
        assert_eq!(
            row(r#"<row><c r="A2" t="str"><f>"Số "&amp;A1</f><v>Số 1</v></c></row>"#),
            None
        );
        let (r, _) = row(r#"<row><c r="A2" t="str"><v>Đảng bộ</v></c></row>"#).unwrap();
        assert_eq!(r.cells[0].value, Some("Đảng bộ"));
    }
}
