//! Valid xlsx packages that calamine 0.38 refuses to open, rewritten so that it reads
//! them as LibreOffice and Excel do.
//!
//! calamine fails the whole workbook, and tonghop then called it damaged, on three
//! things a real spreadsheet program writes or accepts:
//! - a `<sheet>` whose relationship is not a worksheet, chart sheet or dialog sheet (an
//!   Excel 4 macro sheet, `xl/macrosheets/`), or whose relationship is missing:
//!   calamine's `Unrecognized sheet:type` / `RelationshipNotFound`. The form never lives
//!   on such a sheet, so the `<sheet>` is left out of the workbook's list;
//! - a sheet `state` other than `visible`, `hidden`, `veryHidden` (`state="show"`, or
//!   another case): read as LibreOffice reads it, `hidden` and `veryHidden` in any case
//!   kept, anything else visible;
//! - parts in UTF-16 (a byte order mark, or `<?xml` in two-byte units): quick-xml parses
//!   only ASCII-compatible encodings, so each such part is transcoded to UTF-8 and its
//!   declaration says so.
//!
//! Only the parts that need it are rewritten, stored uncompressed; every other entry is
//! copied as it is, still compressed, so a repair costs the size of those parts and no
//! inflation of the rest. A package that needs nothing costs a look at three small parts,
//! the first bytes of each XML part, and one inflation of the parts the figures are read
//! from, which verifies their checksums (calamine stops before the point where the zip
//! reader would: see `read_head`). The upstream fix would be in calamine's
//! `read_workbook` (skip unknown sheet types and states) and `xml_reader` (decode
//! UTF-16); until then this wrapper runs before it.

use std::collections::HashMap;
use std::io::{Cursor, Read, Write};

use quick_xml::Reader;
use quick_xml::Writer;
use quick_xml::events::{BytesStart, Event};
use zip::ZipArchive;
use zip::write::SimpleFileOptions;

use super::{Limits, SniffError};

/// Parts read whole to decide (workbook, relationships) are at most this large.
const SMALL_PART: u64 = 4 * 1024 * 1024;

/// The package rewritten for calamine, or `None` when it reads as it is.
pub(super) fn repair_xlsx(bytes: &[u8], limits: &Limits) -> Result<Option<Vec<u8>>, SniffError> {
    let mut archive = ZipArchive::new(Cursor::new(bytes)).map_err(corrupt)?;
    // calamine finds parts by name with ASCII case folded and `\` as `/`.
    let mut by_name: HashMap<String, usize> = HashMap::new();
    let mut xml_parts = Vec::new();
    for i in 0..archive.len() {
        let e = archive.by_index_raw(i).map_err(corrupt)?;
        let folded = String::from_utf8_lossy(e.name_raw())
            .replace('\\', "/")
            .to_ascii_lowercase();
        if folded.ends_with(".xml") || folded.ends_with(".rels") {
            xml_parts.push((i, carries_figures(&folded)));
        }
        by_name.insert(folded, i);
    }

    // Which parts are UTF-16: their first four bytes say so.
    let mut utf16 = Vec::new();
    for &(i, verify) in &xml_parts {
        let mut head = [0u8; 4];
        let n = read_head(&mut archive, i, &mut head, verify)?;
        if utf16_order(&head[..n]).is_some() {
            utf16.push(i);
        }
    }
    let mut replaced: HashMap<usize, Vec<u8>> = HashMap::new();
    for &i in &utf16 {
        text_of(&mut archive, &mut replaced, i, limits.max_entry_bytes)?;
    }

    // The workbook part, found as calamine finds it: through `_rels/.rels`.
    let workbook = match by_name.get("_rels/.rels") {
        Some(&i) => {
            let rels = text_of(&mut archive, &mut replaced, i, SMALL_PART)?;
            relationships(&rels)
                .into_iter()
                .find(|r| r.kind.ends_with("/relationships/officeDocument"))
                .map(|r| r.target.trim_start_matches('/').to_string())
        }
        None => None,
    };
    let Some(workbook) = workbook else {
        return finish(&mut archive, replaced);
    };
    let (dir, file) = workbook
        .rfind('/')
        .map_or(("", workbook.as_str()), |k| workbook.split_at(k + 1));
    let rels_name = format!("{dir}_rels/{file}.rels").to_ascii_lowercase();
    let (Some(&wb), Some(&wb_rels)) = (
        by_name.get(&workbook.to_ascii_lowercase()),
        by_name.get(&rels_name),
    ) else {
        return finish(&mut archive, replaced);
    };
    let rels = text_of(&mut archive, &mut replaced, wb_rels, SMALL_PART)?;
    let kinds: HashMap<String, String> = relationships(&rels)
        .into_iter()
        .map(|r| (r.id, r.kind))
        .collect();
    let xml = text_of(&mut archive, &mut replaced, wb, SMALL_PART)?;
    if let Some(fixed) = fix_sheets(&xml, &kinds) {
        replaced.insert(wb, fixed);
    }
    finish(&mut archive, replaced)
}

/// Entry `i` as UTF-8 text: as replaced already, or read and, when it is UTF-16,
/// transcoded and kept as a replacement.
fn text_of(
    archive: &mut ZipArchive<Cursor<&[u8]>>,
    replaced: &mut HashMap<usize, Vec<u8>>,
    i: usize,
    limit: u64,
) -> Result<Vec<u8>, SniffError> {
    if let Some(t) = replaced.get(&i) {
        return Ok(t.clone());
    }
    let raw = read_part(archive, i, limit)?;
    Ok(match utf16_order(&raw) {
        Some(le) => {
            let t = to_utf8(&raw, le);
            replaced.insert(i, t.clone());
            t
        }
        None => raw,
    })
}

/// The package with `replaced` parts written anew, or `None` when nothing changed.
fn finish(
    archive: &mut ZipArchive<Cursor<&[u8]>>,
    replaced: HashMap<usize, Vec<u8>>,
) -> Result<Option<Vec<u8>>, SniffError> {
    if replaced.is_empty() {
        return Ok(None);
    }
    let mut out = zip::ZipWriter::new(Cursor::new(Vec::new()));
    let stored = SimpleFileOptions::default().compression_method(zip::CompressionMethod::Stored);
    for i in 0..archive.len() {
        match replaced.get(&i) {
            Some(data) => {
                let name = archive
                    .by_index_raw(i)
                    .map_err(corrupt)?
                    .name()
                    .map_err(corrupt)?
                    .into_owned();
                out.start_file(name, stored).map_err(corrupt)?;
                out.write_all(data)
                    .map_err(|e| corrupt(zip::result::ZipError::Io(e)))?;
            }
            None => {
                let e = archive.by_index_raw(i).map_err(corrupt)?;
                out.raw_copy_file(e).map_err(corrupt)?;
            }
        }
    }
    Ok(Some(out.finish().map_err(corrupt)?.into_inner()))
}

/// The byte order of a UTF-16 text: `Some(true)` little-endian, `Some(false)` big-endian.
pub(crate) fn utf16_order(head: &[u8]) -> Option<bool> {
    match head {
        [0xFF, 0xFE, ..] | [b'<', 0, b'?', 0, ..] | [b'<', 0, ..] => Some(true),
        [0xFE, 0xFF, ..] | [0, b'<', 0, b'?', ..] | [0, b'<', ..] => Some(false),
        _ => None,
    }
}

/// UTF-16 bytes as UTF-8, the byte order mark dropped and the declaration corrected.
/// Unpaired surrogates become U+FFFD, as a spreadsheet program would show them.
pub(crate) fn to_utf8(raw: &[u8], le: bool) -> Vec<u8> {
    let body = if raw.starts_with(&[0xFF, 0xFE]) || raw.starts_with(&[0xFE, 0xFF]) {
        &raw[2..]
    } else {
        raw
    };
    let units = body.chunks_exact(2).map(|p| {
        if le {
            u16::from_le_bytes([p[0], p[1]])
        } else {
            u16::from_be_bytes([p[0], p[1]])
        }
    });
    let text: String = char::decode_utf16(units)
        .map(|c| c.unwrap_or(char::REPLACEMENT_CHARACTER))
        .collect();
    declare_utf8(&text).into_bytes()
}

/// `text` with the encoding its XML declaration names replaced by UTF-8.
pub(crate) fn declare_utf8(text: &str) -> String {
    if !text.starts_with("<?xml") {
        return text.to_string();
    }
    let Some(end) = text.find("?>") else {
        return text.to_string();
    };
    let (decl, rest) = text.split_at(end);
    let lower = decl.to_ascii_lowercase();
    let Some(at) = lower.find("encoding") else {
        return text.to_string();
    };
    let after = &decl[at..];
    let Some(q) = after.find(['"', '\'']) else {
        return text.to_string();
    };
    let quote = after.as_bytes()[q] as char;
    let Some(len) = after[q + 1..].find(quote) else {
        return text.to_string();
    };
    let start = at + q + 1;
    format!("{}UTF-8{}{rest}", &decl[..start], &decl[start + len..])
}

struct Relationship {
    id: String,
    kind: String,
    target: String,
}

/// The relationships a `.rels` part lists; a part that does not parse lists what it
/// could, and calamine gives its own error on it.
fn relationships(xml: &[u8]) -> Vec<Relationship> {
    let mut reader = Reader::from_reader(xml);
    let mut buf = Vec::new();
    let mut out = Vec::new();
    loop {
        match reader.read_event_into(&mut buf) {
            Ok(Event::Start(e) | Event::Empty(e)) if e.local_name().as_ref() == "Relationship" => {
                let get = |key: &str| attr(&e, key).unwrap_or_default();
                out.push(Relationship {
                    id: get("Id"),
                    kind: get("Type"),
                    target: get("Target"),
                });
            }
            Ok(Event::Eof) | Err(_) => break,
            _ => {}
        }
        buf.clear();
    }
    out
}

/// An attribute's value by its local name, unescaped.
fn attr(e: &BytesStart<'_>, local: &str) -> Option<String> {
    e.attributes().flatten().find_map(|a| {
        (a.key.local_name().as_ref() == local).then(|| {
            a.normalized_value(quick_xml::XmlVersion::Implicit1_0)
                .map(|v| v.into_owned())
                .unwrap_or_else(|_| a.value.to_string())
        })
    })
}

/// The sheet types calamine 0.38 accepts, by the last segment of the relationship type.
const READABLE: &[&str] = &["worksheet", "chartsheet", "dialogsheet"];

/// What calamine would refuse in a `<sheet>`: `Some(None)` leaves it out, `Some(Some(s))`
/// gives it the state `s`, `None` keeps it as it is.
fn sheet_fix(e: &BytesStart<'_>, kinds: &HashMap<String, String>) -> Option<Option<&'static str>> {
    let id = attr(e, "id");
    let kind = id.as_ref().and_then(|id| kinds.get(id));
    let readable = kind
        .and_then(|k| k.rsplit('/').next())
        .is_some_and(|k| READABLE.contains(&k));
    if !readable {
        return Some(None);
    }
    let state = attr(e, "state")?;
    if ["visible", "hidden", "veryHidden"].contains(&state.as_str()) {
        return None;
    }
    Some(Some(match state.to_ascii_lowercase().as_str() {
        "hidden" => "hidden",
        "veryhidden" => "veryHidden",
        _ => "visible",
    }))
}

/// The workbook part with its `<sheet>` elements fixed ([`sheet_fix`]), or `None` when
/// none needed it (or the part does not parse: calamine then names the fault).
fn fix_sheets(xml: &[u8], kinds: &HashMap<String, String>) -> Option<Vec<u8>> {
    let mut reader = Reader::from_reader(xml);
    let mut writer = Writer::new(Vec::with_capacity(xml.len()));
    let mut buf = Vec::new();
    let mut changed = false;
    // Inside a `<sheet>` left out (written with children, which Excel never does).
    let mut skipping = 0usize;
    loop {
        let event = reader.read_event_into(&mut buf).ok()?;
        match &event {
            Event::Eof => break,
            _ if skipping > 0 => match event {
                Event::Start(_) => skipping += 1,
                Event::End(_) => skipping -= 1,
                _ => {}
            },
            Event::Start(e) | Event::Empty(e) if e.local_name().as_ref() == "sheet" => {
                match sheet_fix(e, kinds) {
                    None => writer.write_event(event.borrow()).ok()?,
                    Some(None) => {
                        changed = true;
                        if matches!(event, Event::Start(_)) {
                            skipping = 1;
                        }
                    }
                    Some(Some(state)) => {
                        changed = true;
                        let mut fixed = BytesStart::new(e.name().as_ref().to_string());
                        for a in e.attributes().flatten() {
                            if a.key.local_name().as_ref() == "state" {
                                fixed.push_attribute((a.key.as_ref(), state));
                            } else {
                                fixed.push_attribute(a);
                            }
                        }
                        let fixed = match event {
                            Event::Start(_) => Event::Start(fixed),
                            _ => Event::Empty(fixed),
                        };
                        writer.write_event(fixed).ok()?;
                    }
                }
            }
            _ => writer.write_event(event.borrow()).ok()?,
        }
        buf.clear();
    }
    changed.then(|| writer.into_inner())
}

/// Whether a part (its name folded) holds what the figures are read from: the sheets,
/// their strings and number formats, the workbook's list of sheets and the relationships
/// that find them. A damaged document property, theme, drawing or comment loses nothing
/// the form needs, and LibreOffice opens such a file; it is read.
fn carries_figures(folded: &str) -> bool {
    let file = folded.rsplit('/').next().unwrap_or(folded);
    (folded.contains("worksheets/") && !folded.contains("/_rels/"))
        || file == "sharedstrings.xml"
        || file == "styles.xml"
        || file.ends_with("workbook.xml")
        || file == ".rels"
        || file.ends_with("workbook.xml.rels")
}

/// The first bytes of entry `i`, as many as `head` holds or the part has; when `verify`,
/// the rest of it is inflated into nothing so that its checksum is verified. calamine stops reading a
/// part at its closing tag (or at the form's last row), before the zip reader reaches
/// the end where it compares the checksum: a part damaged after saving would be read as
/// figures that differ from what the unit typed, and accepted. Reading the rest here is
/// the one extra inflation of the XML parts a sound file pays; the sizes were bounded by
/// the sniffer before.
fn read_head(
    archive: &mut ZipArchive<Cursor<&[u8]>>,
    i: usize,
    head: &mut [u8],
    verify: bool,
) -> Result<usize, SniffError> {
    let mut f = archive.by_index(i).map_err(corrupt)?;
    let damaged = |f: &zip::read::ZipFile<'_, _>, e: std::io::Error| SniffError::DamagedPart {
        part: f.name().map(|n| n.into_owned()).unwrap_or_default(),
        detail: e.to_string(),
    };
    let mut n = 0;
    while n < head.len() {
        match f.read(&mut head[n..]) {
            Ok(0) => return Ok(n),
            Ok(k) => n += k,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(damaged(&f, e)),
        }
    }
    if !verify {
        return Ok(n);
    }
    let limit = f.size().saturating_add(1);
    if let Err(e) = std::io::copy(&mut (&mut f).take(limit), &mut std::io::sink()) {
        return Err(damaged(&f, e));
    }
    Ok(n)
}

/// Entry `i` whole, at most `limit` bytes of it.
fn read_part(
    archive: &mut ZipArchive<Cursor<&[u8]>>,
    i: usize,
    limit: u64,
) -> Result<Vec<u8>, SniffError> {
    let mut buf = Vec::new();
    let mut entry = archive.by_index(i).map_err(corrupt)?;
    let part = entry.name().map(|n| n.into_owned()).unwrap_or_default();
    // The entry's header was sound and its bytes were not: damaged after saving.
    (&mut entry)
        .take(limit)
        .read_to_end(&mut buf)
        .map_err(|e| SniffError::DamagedPart {
            part,
            detail: e.to_string(),
        })?;
    Ok(buf)
}

fn corrupt(e: zip::result::ZipError) -> SniffError {
    SniffError::CorruptZip {
        detail: e.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_parts_figures_come_from_are_the_ones_verified() {
        for part in [
            "xl/worksheets/sheet1.xml",
            "xl/sharedstrings.xml",
            "xl/styles.xml",
            "xl/workbook.xml",
            "_rels/.rels",
            "xl/_rels/workbook.xml.rels",
        ] {
            assert!(carries_figures(part), "{part}");
        }
        for part in [
            "docprops/app.xml",
            "xl/theme/theme1.xml",
            "xl/worksheets/_rels/sheet1.xml.rels",
            "xl/drawings/drawing1.xml",
            "xl/comments1.xml",
        ] {
            assert!(!carries_figures(part), "{part}");
        }
    }

    #[test]
    fn utf16_in_either_order_becomes_utf8_with_its_declaration() {
        let xml = "<?xml version=\"1.0\" encoding=\"UTF-16\" standalone=\"yes\"?><a>Mường Nhé</a>";
        let mut le = vec![0xFF, 0xFE];
        let mut be = vec![0xFE, 0xFF];
        for u in xml.encode_utf16() {
            le.extend(u.to_le_bytes());
            be.extend(u.to_be_bytes());
        }
        let want = "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?><a>Mường Nhé</a>";
        assert_eq!(utf16_order(&le), Some(true));
        assert_eq!(utf16_order(&be), Some(false));
        assert_eq!(String::from_utf8(to_utf8(&le, true)).unwrap(), want);
        assert_eq!(String::from_utf8(to_utf8(&be, false)).unwrap(), want);
        // Without a byte order mark, from `<?` in two-byte units.
        assert_eq!(String::from_utf8(to_utf8(&le[2..], true)).unwrap(), want);
        assert_eq!(utf16_order(b"<?xml"), None);
        assert_eq!(utf16_order(b"\xEF\xBB\xBF<?xml"), None);
        assert_eq!(declare_utf8("<a/>"), "<a/>");
        assert_eq!(
            declare_utf8("<?xml version='1.0' encoding='utf-16'?><a/>"),
            "<?xml version='1.0' encoding='UTF-8'?><a/>"
        );
    }

    #[test]
    fn sheets_of_unknown_kinds_are_left_out_and_unknown_states_made_visible() {
        let kinds: HashMap<String, String> = [
            (
                "rId1",
                "http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet",
            ),
            (
                "rId2",
                "http://schemas.microsoft.com/office/2006/relationships/xlMacrosheet",
            ),
            (
                "rId3",
                "http://purl.oclc.org/ooxml/officeDocument/relationships/worksheet",
            ),
        ]
        .into_iter()
        .map(|(a, b)| (a.to_string(), b.to_string()))
        .collect();
        let wb = br#"<workbook xmlns:r="r"><sheets><sheet name="A" sheetId="1" state="show" r:id="rId1"/><sheet name="M" sheetId="2" r:id="rId2"/><sheet name="B" sheetId="3" state="Hidden" r:id="rId3"/><sheet name="C" sheetId="4" r:id="rId9"/><sheet name="D&amp;E" sheetId="5" state="veryHidden" r:id="rId1"/></sheets></workbook>"#;
        let fixed = String::from_utf8(fix_sheets(wb, &kinds).unwrap()).unwrap();
        assert_eq!(
            fixed,
            r#"<workbook xmlns:r="r"><sheets><sheet name="A" sheetId="1" state="visible" r:id="rId1"/><sheet name="B" sheetId="3" state="hidden" r:id="rId3"/><sheet name="D&amp;E" sheetId="5" state="veryHidden" r:id="rId1"/></sheets></workbook>"#
        );
        let fine =
            br#"<workbook><sheets><sheet name="A" sheetId="1" r:id="rId1"/></sheets></workbook>"#;
        assert!(fix_sheets(fine, &kinds).is_none());
    }

    #[test]
    fn a_package_that_needs_nothing_is_not_rewritten() {
        let bytes = super::super::fixtures::xlsx();
        assert!(repair_xlsx(&bytes, &Limits::default()).unwrap().is_none());
    }
}
