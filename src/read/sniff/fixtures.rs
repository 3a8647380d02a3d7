//! Workbooks built in memory for the unit tests of the sniffing and reading layer: real
//! writers where one exists (rust_xlsxwriter, the zip crate, the cfb crate), and hand-made
//! BIFF records, since nothing maintained writes `.xls`. Every fixture is a file calamine
//! reads; a test breaks one field at a time and checks what the sniffer says.

use super::biff::{BOF, BOUNDSHEET, DIMENSIONS, EOF, FILEPASS};
use super::zip::ODS_MIMETYPE;
use super::{Format, Limits, SniffError, sniff};
use ::zip::CompressionMethod;
use ::zip::write::SimpleFileOptions;
use std::io::{Cursor, Write};

/// A one-sheet xlsx ("Data": a text in A1, 42 in A2), as rust_xlsxwriter writes it.
pub fn xlsx() -> Vec<u8> {
    let mut wb = rust_xlsxwriter::Workbook::new();
    let ws = wb.add_worksheet();
    ws.set_name("Data").unwrap();
    ws.write_string(0, 0, "Chi bộ").unwrap();
    ws.write_number(1, 0, 42.0).unwrap();
    wb.save_to_buffer().unwrap()
}

/// A zip of `parts` in order; `mimetype` stored, as ODF requires, the rest deflated.
pub fn zip_of(parts: &[(&str, &[u8])]) -> Vec<u8> {
    let mut w = ::zip::ZipWriter::new(Cursor::new(Vec::new()));
    for (name, data) in parts {
        let method = if *name == "mimetype" {
            CompressionMethod::Stored
        } else {
            CompressionMethod::Deflated
        };
        let opts = SimpleFileOptions::default()
            .compression_method(method)
            .large_file(data.len() > u32::MAX as usize);
        w.start_file(*name, opts).unwrap();
        w.write_all(data).unwrap();
    }
    w.finish().unwrap().into_inner()
}

/// One sheet, "Data", holding 42 in A1.
pub const ODS_CONTENT: &[u8] = br#"<?xml version="1.0" encoding="UTF-8"?>
<office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" office:version="1.2"><office:body><office:spreadsheet><table:table table:name="Data"><table:table-row><table:table-cell office:value-type="float" office:value="42"><text:p>42</text:p></table:table-cell></table:table-row></table:table></office:spreadsheet></office:body></office:document-content>"#;

/// An ODF manifest, with `encryption-data` on `content.xml` when `encrypted`.
pub fn manifest(encrypted: bool) -> Vec<u8> {
    let enc = if encrypted {
        r#"<manifest:encryption-data manifest:checksum-type="SHA1/1K" manifest:checksum="x"><manifest:algorithm manifest:algorithm-name="Blowfish CFB" manifest:initialisation-vector="x"/></manifest:encryption-data>"#
    } else {
        ""
    };
    format!(
        r#"<?xml version="1.0" encoding="UTF-8"?>
<manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" manifest:version="1.2"><manifest:file-entry manifest:full-path="/" manifest:media-type="application/vnd.oasis.opendocument.spreadsheet"/><manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml">{enc}</manifest:file-entry></manifest:manifest>"#
    )
    .into_bytes()
}

/// An ODS package of [`ODS_CONTENT`] under another `mimetype`.
pub fn ods_with(mimetype: &[u8], encrypted: bool) -> Vec<u8> {
    let manifest = manifest(encrypted);
    zip_of(&[
        ("mimetype", mimetype),
        ("META-INF/manifest.xml", &manifest),
        ("content.xml", ODS_CONTENT),
    ])
}

/// A plain ODS workbook calamine reads.
pub fn ods() -> Vec<u8> {
    ods_with(ODS_MIMETYPE, false)
}

/// An ODS package whose only sheet is `rows`.
pub fn ods_of(rows: &str) -> Vec<u8> {
    let content = String::from_utf8(ODS_CONTENT.to_vec()).unwrap().replace(
        r#"<table:table-row><table:table-cell office:value-type="float" office:value="42"><text:p>42</text:p></table:table-cell></table:table-row>"#,
        rows,
    );
    ods_package(content.as_bytes())
}

/// An ODS package around `content` (a whole `content.xml`), unencrypted.
pub fn ods_package(content: &[u8]) -> Vec<u8> {
    zip_of(&[
        ("mimetype", ODS_MIMETYPE),
        ("META-INF/manifest.xml", &manifest(false)),
        ("content.xml", content),
    ])
}

/// A version-3 compound file (512-byte sectors) with every stream in the root storage,
/// written by the cfb crate: streams under 4096 bytes go to the mini stream, as real
/// writers do.
pub fn compound(streams: &[(&str, &[u8])]) -> Vec<u8> {
    let mut file =
        cfb::CompoundFile::create_with_version(cfb::Version::V3, Cursor::new(Vec::new())).unwrap();
    for (name, data) in streams {
        file.create_stream(format!("/{name}"))
            .unwrap()
            .write_all(data)
            .unwrap();
    }
    file.flush().unwrap();
    file.into_inner().into_inner()
}

/// Appends one BIFF record.
pub fn rec(out: &mut Vec<u8>, typ: u16, data: &[u8]) {
    out.extend_from_slice(&typ.to_le_bytes());
    out.extend_from_slice(&(data.len() as u16).to_le_bytes());
    out.extend_from_slice(data);
}

/// What an `.xls` fixture holds; the default is the workbook of [`xls`].
#[derive(Clone)]
pub struct Book {
    pub biff5: bool,
    pub filepass: bool,
    /// Per sheet: (row, col, value).
    pub sheets: Vec<Vec<(u16, u16, f64)>>,
    /// Records appended to every sheet, before its EOF.
    pub extra: Vec<(u16, Vec<u8>)>,
    /// Bytes added at the end of the stream, to push it past the mini stream cutoff.
    pub pad: usize,
    /// The CODEPAGE record's value; by default 1252 for BIFF5 and 1200 for BIFF8.
    pub codepage: Option<u16>,
}

impl Default for Book {
    fn default() -> Self {
        Book {
            biff5: false,
            filepass: false,
            sheets: vec![vec![(0, 0, 42.0), (1, 1, 7.5)]],
            extra: Vec::new(),
            pad: 0,
            codepage: None,
        }
    }
}

/// A Workbook stream calamine reads: globals with BOUNDSHEETs, then each sheet.
pub fn biff(book: &Book) -> Vec<u8> {
    let mut s = Vec::new();
    if book.biff5 {
        rec(&mut s, BOF, &[0x00, 0x05, 0x05, 0x00, 0, 0, 0, 0]);
    } else {
        rec(
            &mut s,
            BOF,
            &[
                0x00, 0x06, 0x05, 0x00, 0xAF, 0x18, 0xCD, 0x07, 0, 0, 0, 0, 0x06, 0x03, 0, 0,
            ],
        );
    }
    if book.filepass {
        let mut fp = vec![1, 0, 1, 0, 1, 0];
        fp.resize(54, 0xAB);
        rec(&mut s, FILEPASS, &fp);
    }
    let codepage: u16 = book
        .codepage
        .unwrap_or(if book.biff5 { 1252 } else { 1200 });
    rec(&mut s, 0x0042, &codepage.to_le_bytes());
    let mut pos_fields = Vec::new();
    for k in 0..book.sheets.len() {
        let name = format!("Sheet{}", k + 1);
        let mut d = vec![0, 0, 0, 0, 0, 0, name.len() as u8];
        if !book.biff5 {
            d.push(0);
        }
        d.extend_from_slice(name.as_bytes());
        pos_fields.push(s.len() + 4);
        rec(&mut s, BOUNDSHEET, &d);
    }
    rec(&mut s, EOF, &[]);
    for (k, cells) in book.sheets.iter().enumerate() {
        let pos = s.len() as u32;
        s[pos_fields[k]..pos_fields[k] + 4].copy_from_slice(&pos.to_le_bytes());
        let ver: u8 = if book.biff5 { 5 } else { 6 };
        rec(&mut s, BOF, &[0x00, ver, 0x10, 0x00, 0, 0, 0, 0]);
        let rows = cells.iter().map(|c| u32::from(c.0) + 1).max().unwrap_or(0);
        // Keep DIMENSIONS inside the grid even when a test puts a cell outside it.
        let cols = cells
            .iter()
            .map(|c| c.1.saturating_add(1).min(256))
            .max()
            .unwrap_or(0);
        let mut dim = Vec::new();
        if book.biff5 {
            dim.extend_from_slice(&0u16.to_le_bytes());
            dim.extend_from_slice(&(rows as u16).to_le_bytes());
        } else {
            dim.extend_from_slice(&0u32.to_le_bytes());
            dim.extend_from_slice(&rows.to_le_bytes());
        }
        dim.extend_from_slice(&0u16.to_le_bytes());
        dim.extend_from_slice(&cols.to_le_bytes());
        dim.extend_from_slice(&0u16.to_le_bytes());
        rec(&mut s, DIMENSIONS, &dim);
        for &(row, col, v) in cells {
            let mut d = Vec::new();
            d.extend_from_slice(&row.to_le_bytes());
            d.extend_from_slice(&col.to_le_bytes());
            d.extend_from_slice(&0u16.to_le_bytes());
            d.extend_from_slice(&v.to_le_bytes());
            rec(&mut s, 0x0203, &d);
        }
        for (typ, data) in &book.extra {
            rec(&mut s, *typ, data);
        }
        rec(&mut s, EOF, &[]);
    }
    s.resize(s.len() + book.pad, 0);
    s
}

/// An `.xls` of `book`: its Workbook (or, for BIFF5, Book) stream beside a summary stream.
pub fn xls_of(book: &Book) -> Vec<u8> {
    let stream = biff(book);
    let name = if book.biff5 { "Book" } else { "Workbook" };
    compound(&[(name, &stream), ("\u{5}SummaryInformation", &[0u8; 200])])
}

/// A one-sheet BIFF8 `.xls` calamine reads: 42 in A1, 7.5 in B2.
pub fn xls() -> Vec<u8> {
    xls_of(&Book::default())
}

/// Sniffs with the default limits.
pub fn check(bytes: &[u8]) -> Result<Format, SniffError> {
    sniff(bytes, &Limits::default())
}

/// The detail of a refusal that carries one.
pub fn detail(err: SniffError) -> String {
    match err {
        SniffError::NotASpreadsheet { detail }
        | SniffError::UnsupportedFormat { detail }
        | SniffError::CorruptZip { detail }
        | SniffError::DamagedPart { detail, .. }
        | SniffError::Truncated { detail }
        | SniffError::CorruptXls { detail } => detail,
        other => panic!("expected an error with a detail, got {other:?}"),
    }
}

pub fn not_sheet_detail(bytes: &[u8]) -> String {
    match check(bytes) {
        Err(e @ SniffError::NotASpreadsheet { .. }) => detail(e),
        other => panic!("expected NotASpreadsheet, got {other:?}"),
    }
}

pub fn unsupported_detail(bytes: &[u8]) -> String {
    match check(bytes) {
        Err(e @ SniffError::UnsupportedFormat { .. }) => detail(e),
        other => panic!("expected UnsupportedFormat, got {other:?}"),
    }
}

pub fn corrupt_xls_detail(bytes: &[u8]) -> String {
    match check(bytes) {
        Err(e @ SniffError::CorruptXls { .. }) => detail(e),
        other => panic!("expected CorruptXls, got {other:?}"),
    }
}

/// Overwrites a little-endian u32.
pub fn set32(z: &mut [u8], at: usize, v: u32) {
    z[at..at + 4].copy_from_slice(&v.to_le_bytes());
}
