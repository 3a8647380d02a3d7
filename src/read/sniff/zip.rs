//! Zip packages: xlsx, ods and their look-alikes (docx, pptx, xlsb, Numbers, EPUB...).
//!
//! calamine opens a zip and inflates what its entries hold with no budget, folds part names'
//! case when it looks for xlsx parts, and finds an ODS workbook by an exact `mimetype`
//! entry. So every size is taken from the central directory before anything is inflated
//! (the entry count from the end record, before the zip crate even builds its index), names
//! are compared as calamine compares them, and the package is classified by the parts that
//! decide which reader calamine would use. No worksheet data is inflated here: an ODS
//! workbook's repeat attributes, which can multiply a few bytes of `content.xml` into
//! gigabytes of cells, are bounded by calamine itself as it expands them (the budget given
//! to `Ods::new_with_budget`, see `crate::read`), so the XML is parsed once.

use std::io::{Cursor, Read};

use zip::ZipArchive;

use super::{
    Format, Limits, MAX_ZIP_ENTRIES, RATIO_FLOOR, SniffError, Sniffed, WHOLE_PART_MAX, ZIP_EMPTY,
    not_sheet, u16_at, u64_at, unsupported,
};

/// What an ODS package names itself in its `mimetype` entry (a template adds `-template`).
pub(super) const ODS_MIMETYPE: &[u8] = b"application/vnd.oasis.opendocument.spreadsheet";
/// Small package parts (mimetype, manifest, content types) are read whole up to this size.
const SMALL_PART: u64 = 1024 * 1024;

/// Checks a zip package's sizes and names, then says which reader it is for.
pub(super) fn sniff_zip(bytes: &[u8], limits: &Limits) -> Result<Sniffed, SniffError> {
    if let Some(count) = declared_zip_entries(bytes)
        && count > MAX_ZIP_ENTRIES
    {
        return Err(SniffError::TooManyEntries {
            count,
            limit: MAX_ZIP_ENTRIES,
        });
    }
    // No end-of-central-directory record at all: the file stops before its index, as a
    // cut-off attachment does (the record is the last thing a zip writer writes).
    let no_end = declared_zip_entries(bytes).is_none() && !bytes.starts_with(ZIP_EMPTY);
    let mut archive = ZipArchive::new(Cursor::new(bytes)).map_err(|e| {
        if no_end {
            truncated(e.to_string())
        } else {
            corrupt_zip(e.to_string())
        }
    })?;
    if archive.len() as u64 > MAX_ZIP_ENTRIES {
        return Err(SniffError::TooManyEntries {
            count: archive.len() as u64,
            limit: MAX_ZIP_ENTRIES,
        });
    }
    if archive.is_empty() {
        return Err(not_sheet("empty zip archive"));
    }

    let file_len = bytes.len() as u64;
    // Names as calamine's xlsx reader matches them: `\` as `/`, ASCII case folded.
    let mut names = Vec::with_capacity(archive.len());
    let (mut total, mut total_compressed) = (0u64, 0u64);
    for i in 0..archive.len() {
        let e = archive
            .by_index_data(i)
            .map_err(|e| corrupt_zip(e.to_string()))?;
        let name = String::from_utf8_lossy(e.name_raw()).into_owned();
        if e.encrypted() {
            return Err(SniffError::Encrypted);
        }
        let (declared, compressed) = (e.size(), e.compressed_size());
        if e.header_start().saturating_add(compressed) > file_len {
            return Err(truncated(format!(
                "entry '{name}' runs past the end of the file (truncated download?)"
            )));
        }
        if declared > limits.max_entry_bytes {
            return Err(SniffError::ZipBomb {
                entry: name,
                declared,
                compressed,
                limit: limits.max_entry_bytes,
            });
        }
        let ratio_limit = compressed.saturating_mul(limits.max_ratio);
        if declared > RATIO_FLOOR && declared > ratio_limit {
            return Err(SniffError::ZipRatio {
                entry: name,
                declared,
                compressed,
                ratio: limits.max_ratio,
            });
        }
        if !zip::SUPPORTED_COMPRESSION_METHODS.contains(&e.compression()) {
            return Err(unsupported(format!(
                "zip entry '{name}' uses compression {:?}, which cannot be read; re-save the file",
                e.compression()
            )));
        }
        total = total.saturating_add(declared);
        total_compressed = total_compressed.saturating_add(compressed);
        names.push(name.replace('\\', "/").to_ascii_lowercase());
    }
    // Two parts under one name (calamine folds case) let two readers see two workbooks.
    // The zip index keeps one entry per exact name, so exact repeats only show in its flag.
    let mut sorted: Vec<&str> = names.iter().map(String::as_str).collect();
    sorted.sort_unstable();
    if archive.has_duplicate_names() || sorted.windows(2).any(|w| w[0] == w[1]) {
        return Err(corrupt_zip("two entries share one name"));
    }
    if total > limits.max_total_bytes {
        return Err(SniffError::ZipBomb {
            entry: "(all entries)".to_string(),
            declared: total,
            compressed: total_compressed,
            limit: limits.max_total_bytes,
        });
    }
    let format = classify_package(&mut archive, &names)?;
    let cost = match format {
        // calamine charges what it expands as it reads (`crate::read`): nothing to
        // reserve before it opens the file.
        Format::Ods => 0,
        _ => xlsx_cost(&mut archive, &names),
    };
    Ok(Sniffed {
        format,
        cost,
        force_codepage: None,
    })
}

/// What tonghop's xlsx reader (`crate::read::xlsx`) holds while it reads a package, from
/// the sizes the central directory declares (already bounded above), nothing inflated:
/// - the cells the form's window keeps until the file is checked, and then its table
///   rows: about four bytes per byte of worksheet XML (`<c r="C5"><v>7</v></c>` is 23
///   bytes; its cell about 40, its share of a row about 50). Measured: a table of 80,000
///   rows, 18 MB of XML, peaked at about 65 MB while read and checked;
/// - at most the text of the shared strings the window uses: the part's size;
/// - one format per cell style and the custom number formats: less than the styles
///   part's size;
/// - the one part being read, when it is small enough to be inflated whole
///   ([`WHOLE_PART_MAX`]): at most the largest such part's size.
///
/// calamine, which built every shared string and a full style per `<xf>`, needed the
/// elements counted; the reader allocates nothing from what a part declares.
fn xlsx_cost(archive: &mut ZipArchive<Cursor<&[u8]>>, names: &[String]) -> u64 {
    let mut cost = 0u64;
    let mut whole = 0u64;
    for (i, name) in names.iter().enumerate() {
        if let Ok(part) = archive.by_index_raw(i)
            && part.size() <= WHOLE_PART_MAX
        {
            whole = whole.max(part.size());
        }
        let per_byte = if name.contains("worksheets/") {
            4
        } else if name.ends_with("sharedstrings.xml") || name.ends_with("styles.xml") {
            1
        } else {
            continue;
        };
        if let Ok(part) = archive.by_index_raw(i) {
            cost = cost.saturating_add(part.size().saturating_mul(per_byte));
        }
    }
    cost.saturating_add(whole)
}

/// The entry count the end-of-central-directory record claims, read without building the
/// zip index. `None` when the record cannot be found; the zip crate then has its say.
fn declared_zip_entries(bytes: &[u8]) -> Option<u64> {
    let last = bytes.len().checked_sub(22)?;
    let first = last.saturating_sub(u16::MAX as usize);
    let eocd = (first..=last)
        .rev()
        .find(|&i| bytes[i..].starts_with(ZIP_EMPTY))?;
    let count = u16_at(bytes, eocd + 10)?;
    if count != u16::MAX {
        return Some(u64::from(count));
    }
    // ZIP64: the locator sits right before the classic record and points at the real one.
    let locator = eocd.checked_sub(20)?;
    if !bytes[locator..].starts_with(b"PK\x06\x07") {
        return Some(u64::from(count));
    }
    let record = usize::try_from(u64_at(bytes, locator + 8)?).ok()?;
    if !bytes.get(record..)?.starts_with(b"PK\x06\x06") {
        return None;
    }
    u64_at(bytes, record.checked_add(32)?)
}

fn classify_package(
    archive: &mut ZipArchive<Cursor<&[u8]>>,
    names: &[String],
) -> Result<Format, SniffError> {
    let find = |n: &str| names.iter().position(|x| x == n);
    let has = |n: &str| find(n).is_some();

    // ODF names its own type in an entry calamine reads by exact (case-sensitive) name.
    if let Some(i) = archive.index_for_name("mimetype") {
        let mimetype = read_part(archive, i, "mimetype")?;
        return classify_odf(archive, &mimetype);
    }
    if has("xl/workbook.bin") {
        return Err(unsupported(
            "Excel binary workbook (.xlsb); save it as .xlsx",
        ));
    }
    if has("xl/workbook.xml") {
        return ooxml_workbook(names);
    }
    if has("word/document.xml") {
        return Err(not_sheet("Word document (.docx)"));
    }
    if has("ppt/presentation.xml") {
        return Err(not_sheet("PowerPoint presentation (.pptx)"));
    }
    if let Some(i) = find("[content_types].xml") {
        // The workbook part may live elsewhere; the content types say what the package is.
        let types = read_part(archive, i, "[Content_Types].xml")?.to_ascii_lowercase();
        let says = |needle: &str| contains(&types, needle.as_bytes());
        if says("sheet.binary.macroenabled.main") {
            return Err(unsupported(
                "Excel binary workbook (.xlsb); save it as .xlsx",
            ));
        }
        if says("spreadsheetml.sheet.main+xml")
            || says("spreadsheetml.template.main+xml")
            || says("ms-excel.sheet.macroenabled.main+xml")
            || says("ms-excel.template.macroenabled.main+xml")
            || says("ms-excel.addin.macroenabled.main+xml")
        {
            return ooxml_workbook(names);
        }
        if says("wordprocessingml") {
            return Err(not_sheet("Word document (.docx)"));
        }
        if says("presentationml") {
            return Err(not_sheet("PowerPoint presentation (.pptx)"));
        }
        return Err(unsupported("Office Open XML package with no workbook part"));
    }
    if names
        .iter()
        .any(|n| n.starts_with("index/") && n.ends_with(".iwa"))
    {
        return Err(unsupported(
            "Apple Numbers (iWork) document; export it to .xlsx",
        ));
    }
    if has("content.xml")
        && let Some(i) = archive.index_for_name("META-INF/manifest.xml")
    {
        let manifest = read_part(archive, i, "META-INF/manifest.xml")?;
        if contains(&manifest, b"opendocument.spreadsheet") {
            return Err(unsupported(
                "OpenDocument spreadsheet without its 'mimetype' entry; re-save it as .ods or .xlsx",
            ));
        }
        return Err(not_sheet("OpenDocument file that is not a spreadsheet"));
    }
    // Worksheets without the workbook part or content types: a workbook that lost parts
    // (exceljs's missing-bits.xlsx, which LibreOffice cannot open either), not an
    // attachment to unzip.
    if names
        .iter()
        .any(|n| n.to_ascii_lowercase().starts_with("xl/worksheets/"))
    {
        return Err(corrupt_zip(
            "Excel package without its workbook part (xl/workbook.xml)",
        ));
    }
    Err(zip_attachment(archive))
}

/// A plain zip archive, as units send when a mail client or portal packs the
/// attachments: the workbooks it holds are named so the clerk knows what to unzip.
fn zip_attachment(archive: &ZipArchive<Cursor<&[u8]>>) -> SniffError {
    let inside = archive
        .file_names()
        .filter_map(Result::ok)
        .filter(|n| {
            let n = n.to_ascii_lowercase();
            [".xlsx", ".xlsm", ".xls", ".ods"]
                .iter()
                .any(|e| n.ends_with(e))
        })
        .map(|n| printable(n.rsplit(['/', '\\']).next().unwrap_or(&n).as_bytes(), 80))
        .take(5)
        .collect();
    SniffError::ZipAttachment { inside }
}

/// calamine finds the workbook through `_rels/.rels`, and fails without it.
fn ooxml_workbook(names: &[String]) -> Result<Format, SniffError> {
    if names.iter().any(|n| n == "_rels/.rels") {
        Ok(Format::Xlsx)
    } else {
        Err(unsupported(
            "xlsx package without '_rels/.rels' (damaged, or not written by a spreadsheet program)",
        ))
    }
}

fn classify_odf(
    archive: &mut ZipArchive<Cursor<&[u8]>>,
    mimetype: &[u8],
) -> Result<Format, SniffError> {
    // calamine compares exactly the first 46 bytes, so a template (.ots) passes too.
    if mimetype.starts_with(ODS_MIMETYPE) {
        let Some(manifest) = archive.index_for_name("META-INF/manifest.xml") else {
            return Err(unsupported(
                "ODS package without 'META-INF/manifest.xml'; re-save it",
            ));
        };
        if archive.index_for_name("content.xml").is_none() {
            return Err(unsupported("ODS package without 'content.xml'; re-save it"));
        }
        let manifest = read_part(archive, manifest, "META-INF/manifest.xml")?;
        if contains(&manifest, b"encryption-data") {
            return Err(SniffError::Encrypted);
        }
        return Ok(Format::Ods);
    }
    let kind = match mimetype {
        m if m.starts_with(b"application/vnd.oasis.opendocument.text") => {
            "OpenDocument text (.odt)".to_string()
        }
        m if m.starts_with(b"application/vnd.oasis.opendocument.presentation") => {
            "OpenDocument presentation (.odp)".to_string()
        }
        m if m.starts_with(b"application/vnd.oasis.opendocument.graphics") => {
            "OpenDocument drawing (.odg)".to_string()
        }
        b"application/epub+zip" => "EPUB e-book".to_string(),
        m => format!("zip package of type '{}'", printable(m, 80)),
    };
    Err(not_sheet(kind))
}

/// See [`super::damaged_part`]. Each part is inflated into a sink, at most one byte past
/// its declared size, so nothing is held and a lying header cannot run on.
pub(super) fn damaged_part(bytes: &[u8]) -> Option<SniffError> {
    let mut archive = ZipArchive::new(Cursor::new(bytes)).ok()?;
    for i in 0..archive.len() {
        let mut entry = match archive.by_index(i) {
            Ok(e) => e,
            Err(_) => continue,
        };
        let part = entry.name().map(|n| n.to_string()).unwrap_or_default();
        let limit = entry.size().saturating_add(1);
        if let Err(e) = std::io::copy(&mut (&mut entry).take(limit), &mut std::io::sink()) {
            return Some(SniffError::DamagedPart {
                part,
                detail: e.to_string(),
            });
        }
    }
    None
}

/// Reads a small package part, at most [`SMALL_PART`] bytes of it.
fn read_part(
    archive: &mut ZipArchive<Cursor<&[u8]>>,
    index: usize,
    what: &str,
) -> Result<Vec<u8>, SniffError> {
    let mut buf = Vec::new();
    let entry = archive
        .by_index(index)
        .map_err(|e| corrupt_zip(format!("cannot read '{what}': {e}")))?;
    // The entry's header was sound and its bytes were not: damaged after saving.
    entry
        .take(SMALL_PART)
        .read_to_end(&mut buf)
        .map_err(|e| SniffError::DamagedPart {
            part: what.to_string(),
            detail: e.to_string(),
        })?;
    Ok(buf)
}

fn truncated(detail: impl Into<String>) -> SniffError {
    SniffError::Truncated {
        detail: detail.into(),
    }
}

fn corrupt_zip(detail: impl Into<String>) -> SniffError {
    SniffError::CorruptZip {
        detail: detail.into(),
    }
}

fn contains(hay: &[u8], needle: &[u8]) -> bool {
    hay.windows(needle.len()).any(|w| w == needle)
}

fn printable(b: &[u8], max: usize) -> String {
    String::from_utf8_lossy(b)
        .chars()
        .filter(|c| !c.is_control())
        .take(max)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::read::sniff::fixtures::*;
    use crate::read::sniff::{MIB, sniff, u32_at};
    use std::io::Cursor;

    /// Offsets of the central directory headers, from the end-of-central-directory record.
    fn central_headers(z: &[u8]) -> Vec<usize> {
        let eocd = (0..=z.len() - 22)
            .rev()
            .find(|&i| z[i..].starts_with(ZIP_EMPTY))
            .unwrap();
        let count = u16_at(z, eocd + 10).unwrap() as usize;
        let mut at = u32_at(z, eocd + 16).unwrap() as usize;
        let mut out = Vec::new();
        for _ in 0..count {
            assert!(z[at..].starts_with(b"PK\x01\x02"));
            out.push(at);
            let n = u16_at(z, at + 28).unwrap() as usize
                + u16_at(z, at + 30).unwrap() as usize
                + u16_at(z, at + 32).unwrap() as usize;
            at += 46 + n;
        }
        out
    }

    fn header_name(z: &[u8], cd: usize) -> &[u8] {
        let n = u16_at(z, cd + 28).unwrap() as usize;
        &z[cd + 46..cd + 46 + n]
    }

    /// Rewrites the sizes an entry declares, in the central directory and the local header.
    fn declare(z: &mut [u8], name: &str, uncompressed: u32, compressed: Option<u32>) {
        let cd = *central_headers(z)
            .iter()
            .find(|&&cd| header_name(z, cd) == name.as_bytes())
            .unwrap();
        let local = u32_at(z, cd + 42).unwrap() as usize;
        set32(z, cd + 24, uncompressed);
        set32(z, local + 22, uncompressed);
        if let Some(c) = compressed {
            set32(z, cd + 20, c);
            set32(z, local + 18, c);
        }
    }

    /// The reader's cost follows the declared sizes of the parts it reads, inflating
    /// nothing: a worksheet four times, the strings and styles once, other parts not; and
    /// the largest part, which is inflated whole while it is read.
    #[test]
    fn the_cost_of_an_xlsx_is_its_parts_declared_sizes() {
        let z = zip_of(&[
            ("xl/worksheets/sheet1.xml", &[b'a'; 1000][..]),
            ("xl/sharedStrings.xml", &[b'b'; 300][..]),
            ("xl/styles.xml", &[b'c'; 200][..]),
            ("docProps/app.xml", &[b'd'; 5000][..]),
        ]);
        let mut a = ZipArchive::new(Cursor::new(&z[..])).unwrap();
        let names: Vec<String> = (0..a.len())
            .map(|i| a.name_for_index(i).unwrap().unwrap().to_ascii_lowercase())
            .collect();
        assert_eq!(xlsx_cost(&mut a, &names), 4 * 1000 + 300 + 200 + 5000);
    }

    #[test]
    fn xlsx_is_xlsx_and_calamine_agrees() {
        let bytes = xlsx();
        assert_eq!(check(&bytes).unwrap(), Format::Xlsx);
        let mut wb: calamine::Xlsx<_> =
            calamine::open_workbook_from_rs(Cursor::new(&bytes)).unwrap();
        use calamine::Reader;
        let r = wb.worksheet_range("Data").unwrap();
        assert_eq!(r.get_value((1, 0)), Some(&calamine::Data::Float(42.0)));
    }

    #[test]
    fn xlsx_found_through_content_types_when_the_workbook_part_moved() {
        let types = br#"<Types><Override PartName="/book/main.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/></Types>"#;
        let z = zip_of(&[
            ("[Content_Types].xml", types),
            ("_rels/.rels", b"<Relationships/>"),
            ("book/main.xml", b"<workbook/>"),
        ]);
        assert_eq!(check(&z).unwrap(), Format::Xlsx);
    }

    #[test]
    fn ods_is_ods_and_calamine_agrees() {
        let bytes = ods();
        assert_eq!(check(&bytes).unwrap(), Format::Ods);
        use calamine::Reader;
        let mut wb: calamine::Ods<_> =
            calamine::open_workbook_from_rs(Cursor::new(&bytes)).unwrap();
        let r = wb.worksheet_range("Data").unwrap();
        assert_eq!(r.get_value((0, 0)), Some(&calamine::Data::Float(42.0)));
        // A template carries the same content, and calamine accepts it.
        let ots = ods_with(
            b"application/vnd.oasis.opendocument.spreadsheet-template",
            false,
        );
        assert_eq!(check(&ots).unwrap(), Format::Ods);
    }

    #[test]
    fn other_packages_are_named() {
        let docx = zip_of(&[
            ("[Content_Types].xml", b"<Types/>"),
            ("word/document.xml", b"<w:document/>"),
        ]);
        assert!(not_sheet_detail(&docx).contains("Word"));
        let pptx = zip_of(&[
            ("[Content_Types].xml", b"<Types/>"),
            ("ppt/presentation.xml", b"<p/>"),
        ]);
        assert!(not_sheet_detail(&pptx).contains("PowerPoint"));
        let odt = zip_of(&[
            ("mimetype", b"application/vnd.oasis.opendocument.text"),
            ("content.xml", b"<x/>"),
        ]);
        assert!(not_sheet_detail(&odt).contains(".odt"));
        let lost_parts = zip_of(&[
            ("xl/_rels/workbook.xml.rels", b"<Relationships/>"),
            ("xl/worksheets/sheet1.xml", b"<worksheet/>"),
        ]);
        assert!(
            matches!(check(&lost_parts), Err(SniffError::CorruptZip { detail }) if detail.contains("xl/workbook.xml"))
        );
        let plain = zip_of(&[("photos/a.jpg", b"\xFF\xD8\xFF"), ("notes.txt", b"hi")]);
        assert!(
            matches!(check(&plain), Err(SniffError::ZipAttachment { inside }) if inside.is_empty())
        );
        let attached = zip_of(&[
            ("bao-cao/TGI.xlsx", b"PK"),
            ("MNH.XLS", b"x"),
            ("a.txt", b""),
        ]);
        assert!(
            matches!(check(&attached), Err(SniffError::ZipAttachment { inside }) if inside == ["TGI.xlsx", "MNH.XLS"])
        );
        let empty = zip::ZipWriter::new(Cursor::new(Vec::new()))
            .finish()
            .unwrap()
            .into_inner();
        assert!(empty.starts_with(ZIP_EMPTY));
        assert!(not_sheet_detail(&empty).contains("empty zip"));
    }

    #[test]
    fn unsupported_packages_say_what_to_do() {
        let xlsb = zip_of(&[
            ("[Content_Types].xml", b"<Types/>"),
            ("_rels/.rels", b"<R/>"),
            ("xl/workbook.bin", b"\x83\x01"),
        ]);
        assert!(unsupported_detail(&xlsb).contains(".xlsb"));
        let numbers = zip_of(&[
            ("Index/Document.iwa", b"\0"),
            ("Metadata/Properties.plist", b"x"),
        ]);
        assert!(unsupported_detail(&numbers).contains("Numbers"));
        let no_mimetype = zip_of(&[
            ("META-INF/manifest.xml", &manifest(false)),
            ("content.xml", ODS_CONTENT),
        ]);
        assert!(unsupported_detail(&no_mimetype).contains("mimetype"));
        let no_rels = zip_of(&[
            ("[Content_Types].xml", b"<Types/>"),
            ("xl/workbook.xml", b"<workbook/>"),
        ]);
        assert!(unsupported_detail(&no_rels).contains("_rels/.rels"));
    }

    #[test]
    fn encrypted_packages() {
        let ods = ods_with(ODS_MIMETYPE, true);
        assert!(matches!(check(&ods), Err(SniffError::Encrypted)));
        // Zip-level encryption (general purpose flag bit 0) on a part of an xlsx.
        let mut z = xlsx();
        for cd in central_headers(&z) {
            z[cd + 8] |= 1;
        }
        assert!(matches!(check(&z), Err(SniffError::Encrypted)));
    }

    #[test]
    fn corrupt_zips() {
        let z = xlsx();
        // The end-of-central-directory record is gone: a truncated download.
        // A cut-off file is to be sent again, not re-saved: it is named as cut short.
        for cut in [z.len() - 1, z.len() - 30, z.len() / 2, 10] {
            match check(&z[..cut]) {
                Err(SniffError::Truncated { .. }) => {}
                other => panic!("cut at {cut}: {other:?}"),
            }
        }
        let mut past_end = z.clone();
        declare(&mut past_end, "xl/workbook.xml", 1000, Some(0x00FF_FFFF));
        assert!(
            matches!(check(&past_end), Err(SniffError::Truncated { detail }) if detail.contains("past the end"))
        );
        let mut dup = zip_of(&[
            ("xl/workbook.xml", b"a"),
            ("xl/workbook.xmm", b"b"),
            ("_rels/.rels", b"c"),
        ]);
        let cd = central_headers(&dup)[1];
        dup[cd + 46 + 14] = b'l';
        let got = check(&dup);
        assert!(
            matches!(&got, Err(SniffError::CorruptZip { detail }) if detail.contains("name")),
            "{got:?}"
        );
        // Names that differ only in case are one name to calamine.
        let case = zip_of(&[
            ("xl/workbook.xml", b"a"),
            ("XL/Workbook.xml", b"b"),
            ("_rels/.rels", b"c"),
        ]);
        assert!(matches!(check(&case), Err(SniffError::CorruptZip { .. })));
    }

    #[test]
    fn zip_bombs() {
        // Real deflated zeros: 8 MiB from about 8 KiB, far over the 200:1 ratio.
        let zeros = vec![0u8; 8 << 20];
        let bomb = zip_of(&[
            ("[Content_Types].xml", b"<Types/>"),
            ("_rels/.rels", b"<R/>"),
            ("xl/workbook.xml", b"<w/>"),
            ("xl/worksheets/sheet1.xml", &zeros),
        ]);
        match check(&bomb) {
            Err(SniffError::ZipRatio {
                entry,
                declared,
                compressed,
                ratio,
            }) => {
                assert_eq!(entry, "xl/worksheets/sheet1.xml");
                assert_eq!(declared, 8 << 20);
                assert_eq!(ratio, 200);
                assert!(declared > compressed * ratio);
            }
            other => panic!("{other:?}"),
        }
        // The same entry passes with a looser ratio: the check is a limit, not a verdict.
        let loose = Limits {
            max_ratio: 10_000,
            ..Limits::default()
        };
        assert_eq!(sniff(&bomb, &loose).unwrap(), Format::Xlsx);

        // A header declaring 3 GiB for one entry: refused before anything is inflated.
        let mut huge = xlsx();
        declare(&mut huge, "xl/worksheets/sheet1.xml", 3 << 30, None);
        match check(&huge) {
            Err(SniffError::ZipBomb {
                declared, limit, ..
            }) => {
                assert_eq!(declared, 3 << 30);
                assert_eq!(limit, 100 * MIB);
            }
            other => panic!("{other:?}"),
        }
        // Four entries of 90 MiB each: every one under the entry limit, the sum over 300 MiB.
        let ninety = 90 * MIB as u32;
        let mut many = zip_of(&[
            ("a.xml", &[0u8; 100_000]),
            ("b.xml", &[0u8; 100_000]),
            ("c.xml", &[0u8; 100_000]),
            ("d.xml", &[0u8; 100_000]),
        ]);
        let loose = Limits {
            max_ratio: u64::MAX,
            ..Limits::default()
        };
        for n in ["a.xml", "b.xml", "c.xml", "d.xml"] {
            declare(&mut many, n, ninety, None);
        }
        match sniff(&many, &loose) {
            Err(SniffError::ZipBomb {
                entry,
                declared,
                limit,
                ..
            }) => {
                assert_eq!(entry, "(all entries)");
                assert_eq!(declared, 4 * u64::from(ninety));
                assert_eq!(limit, 300 * MIB);
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn too_many_entries_refused_before_indexing() {
        let mut z = zip_of(&[("a", b"1")]);
        let eocd = z.len() - 22;
        z[eocd + 8..eocd + 12].copy_from_slice(&[0x60, 0xEA, 0x60, 0xEA]); // 60000 entries
        match check(&z) {
            Err(SniffError::TooManyEntries {
                count: 60_000,
                limit,
            }) => assert_eq!(limit, MAX_ZIP_ENTRIES),
            other => panic!("{other:?}"),
        }
    }

    /// What makes sniffing sizes enough: zip 9 (since 9.0.1) fails a read as soon as an
    /// entry inflates past its declared size, so a header that lies low cannot slip a bomb
    /// past these checks, not even into calamine, which reads through the same crate.
    #[test]
    fn zip_stops_inflating_at_the_declared_size() {
        let zeros = vec![0u8; 8 << 20];
        let mut z = zip_of(&[("big.xml", &zeros)]);
        declare(&mut z, "big.xml", 1000, None);
        let mut archive = ZipArchive::new(Cursor::new(&z[..])).unwrap();
        let mut out = Vec::new();
        let err = archive
            .by_name("big.xml")
            .unwrap()
            .read_to_end(&mut out)
            .unwrap_err();
        assert!(
            err.to_string().contains("declared uncompressed size"),
            "{err}"
        );
        assert!(out.len() <= 1001, "inflated {} bytes", out.len());

        // End to end: a worksheet part that lies low sniffs as xlsx, and calamine's read of
        // it fails instead of inflating.
        let mut lying = xlsx();
        declare(&mut lying, "xl/worksheets/sheet1.xml", 10, None);
        assert_eq!(check(&lying).unwrap(), Format::Xlsx);
        use calamine::Reader;
        let mut wb: calamine::Xlsx<_> =
            calamine::open_workbook_from_rs(Cursor::new(&lying)).unwrap();
        assert!(wb.worksheet_range("Data").is_err());
    }
}
