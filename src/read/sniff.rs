//! Decide what a submitted file really is, and refuse it early when reading it would hurt.
//!
//! calamine trusts its input: it picks a reader from the file extension, inflates zip entries
//! without a budget, follows OLE sector chains without looking for loops, and allocates a
//! dense grid for every `.xls` sheet when the workbook is opened. Clerks rename files, save
//! web pages as `.xls` and forward whatever a portal produced, so every check here looks at
//! the bytes only, runs before calamine sees them, and costs no inflation of worksheet data:
//! sizes come from the zip central directory, and the `.xls` checks walk records in place.
//! The exception is an ODS workbook's `content.xml`, scanned once (see [`super::ods_grid`]):
//! its repeat attributes multiply cells that no declared size bounds.
//!
//! What is refused is what calamine would read wrongly, or could not survive: a loop, a
//! memory blow-up or an abort cannot be caught by the caller, while a plain parse error can.
//! calamine's `.xls` record parsers still index into records without checking every length,
//! so a crafted record can make them panic; the caller should keep calamine behind
//! `std::panic::catch_unwind`. Nothing here panics, whatever the input.

use std::fmt;
use std::io::{Cursor, Read};

use zip::ZipArchive;

/// The readers calamine offers for the files we accept.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Format {
    Xlsx,
    Xls,
    Ods,
}

impl Format {
    /// The extension a file of this format should carry, for telling a clerk that a file was
    /// renamed.
    pub fn extension(self) -> &'static str {
        match self {
            Format::Xlsx => "xlsx",
            Format::Xls => "xls",
            Format::Ods => "ods",
        }
    }
}

impl fmt::Display for Format {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.extension())
    }
}

const MIB: u64 = 1024 * 1024;

/// Size limits checked before inflating anything.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// The whole file, as submitted.
    pub max_file_bytes: u64,
    /// Declared uncompressed size of one zip entry.
    pub max_entry_bytes: u64,
    /// Sum of declared uncompressed sizes of all zip entries. An `.xls` has no compression,
    /// but calamine expands its cells into dense per-sheet grids when the file is opened; the
    /// same budget bounds the estimated size of those grids.
    pub max_total_bytes: u64,
    /// Uncompressed/compressed ratio of one zip entry above which it is refused, applied only
    /// to entries over [`RATIO_FLOOR`] uncompressed: small XML parts legitimately compress
    /// very well, and they cannot hurt.
    pub max_ratio: u64,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_file_bytes: 50 * MIB,
            max_entry_bytes: 100 * MIB,
            max_total_bytes: 300 * MIB,
            max_ratio: 200,
        }
    }
}

/// Entries at or below this declared size escape the ratio check.
pub const RATIO_FLOOR: u64 = MIB;

/// More entries than any real workbook has. Checked against the end-of-central-directory
/// record before the zip crate builds its index, whose memory grows with the entry count.
pub const MAX_ZIP_ENTRIES: u64 = 10_000;

/// Why a file is refused. Messages are short English naming the thing; the caller adds the
/// file name and the Vietnamese text.
#[derive(Debug, thiserror::Error)]
pub enum SniffError {
    #[error("file is empty")]
    Empty,
    #[error("file is {size} bytes, over the limit of {limit} bytes")]
    TooLarge { size: u64, limit: u64 },
    /// `detail` names what the file looks like instead ("PDF document", "HTML page"...).
    #[error("not a spreadsheet ({detail})")]
    NotASpreadsheet { detail: String },
    /// Password-protected OOXML, encrypted `.xls` (any FILEPASS), encrypted ODS or zip
    /// entries. None of these can be read without the password.
    #[error("file is password-protected (encrypted)")]
    Encrypted,
    #[error("damaged zip container: {detail}")]
    CorruptZip { detail: String },
    /// A broken OLE compound file or BIFF record structure (in practice, a damaged `.xls`).
    #[error("damaged .xls file: {detail}")]
    CorruptXls { detail: String },
    /// `limit` is in bytes: `max_entry_bytes`, `max_total_bytes` (then `entry` is
    /// `"(all entries)"`) or, for a ratio refusal, `compressed * max_ratio`.
    #[error(
        "zip entry '{entry}' declares {declared} bytes uncompressed from {compressed} bytes \
         (limit {limit} bytes): possible zip bomb"
    )]
    ZipBomb {
        entry: String,
        declared: u64,
        compressed: u64,
        limit: u64,
    },
    #[error("zip archive has {count} entries, over the limit of {limit}")]
    TooManyEntries { count: u64, limit: u64 },
    /// An `.xls` whose cells span grids calamine would allocate densely: it builds one per
    /// sheet when the file is opened, and copies it on every `worksheet_range`. `sheet` is
    /// 0-based; `bytes` estimates the peak for this and earlier sheets.
    #[error(
        "sheet {} spans {rows} rows x {cols} columns; opening the file would take about \
         {bytes} bytes (limit {limit})",
        .sheet + 1
    )]
    SheetTooLarge {
        sheet: usize,
        rows: u64,
        cols: u64,
        bytes: u64,
        limit: u64,
    },
    /// An ODS sheet whose text, repeated as its cells and rows repeat (or spaces written
    /// as a count), would take more than the budget once calamine expands it.
    #[error(
        "sheet {} holds text that would take more than {limit} bytes to open",
        .sheet + 1
    )]
    TextTooLarge { sheet: usize, limit: u64 },
    #[error("unsupported format: {detail}")]
    UnsupportedFormat { detail: String },
}

fn not_sheet(detail: impl Into<String>) -> SniffError {
    SniffError::NotASpreadsheet {
        detail: detail.into(),
    }
}

fn unsupported(detail: impl Into<String>) -> SniffError {
    SniffError::UnsupportedFormat {
        detail: detail.into(),
    }
}

fn corrupt_zip(detail: impl Into<String>) -> SniffError {
    SniffError::CorruptZip {
        detail: detail.into(),
    }
}

fn corrupt_xls(detail: impl Into<String>) -> SniffError {
    SniffError::CorruptXls {
        detail: detail.into(),
    }
}

const ZIP_LOCAL: &[u8] = b"PK\x03\x04";
const ZIP_EMPTY: &[u8] = b"PK\x05\x06";
/// Written first by some tools for split or spanned archives; the archive follows.
const ZIP_SPANNED: &[u8] = b"PK\x07\x08PK\x03\x04";
const CFB_MAGIC: &[u8] = b"\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1";

/// Inspect the file's bytes (the whole file, already in memory) and say which calamine
/// reader may open it. The extension is deliberately not an input.
pub fn sniff(bytes: &[u8], limits: &Limits) -> Result<Format, SniffError> {
    if bytes.is_empty() {
        return Err(SniffError::Empty);
    }
    let size = bytes.len() as u64;
    if size > limits.max_file_bytes {
        return Err(SniffError::TooLarge {
            size,
            limit: limits.max_file_bytes,
        });
    }
    if bytes.starts_with(ZIP_LOCAL)
        || bytes.starts_with(ZIP_EMPTY)
        || bytes.starts_with(ZIP_SPANNED)
    {
        return sniff_zip(bytes, limits);
    }
    if bytes.starts_with(CFB_MAGIC) {
        return sniff_cfb(bytes, limits);
    }
    Err(classify_other(bytes))
}

// ---------------------------------------------------------------------------------------
// Zip packages: xlsx, ods and their look-alikes.

const ODS_MIMETYPE: &[u8] = b"application/vnd.oasis.opendocument.spreadsheet";
/// Small package parts (mimetype, manifest, content types) are read whole up to this size.
const SMALL_PART: u64 = 1024 * 1024;

fn sniff_zip(bytes: &[u8], limits: &Limits) -> Result<Format, SniffError> {
    if let Some(count) = declared_zip_entries(bytes)
        && count > MAX_ZIP_ENTRIES
    {
        return Err(SniffError::TooManyEntries {
            count,
            limit: MAX_ZIP_ENTRIES,
        });
    }
    let mut archive =
        ZipArchive::new(Cursor::new(bytes)).map_err(|e| corrupt_zip(e.to_string()))?;
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
            return Err(corrupt_zip(format!(
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
            return Err(SniffError::ZipBomb {
                entry: name,
                declared,
                compressed,
                limit: ratio_limit,
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
    if format == Format::Ods {
        ods_grids(&mut archive, limits)?;
    }
    Ok(format)
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
    Err(not_sheet("zip archive with no workbook inside"))
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

/// Reads a small package part, at most [`SMALL_PART`] bytes of it.
/// calamine expands an ODS workbook's repeats into every sheet's cells when it opens the
/// file; refuse one whose expansion would exceed `max_total_bytes`, the budget the zip
/// entries and the `.xls` grids are held to. This is the one check here that inflates
/// worksheet data: repeat attributes cannot be bounded from sizes.
fn ods_grids(archive: &mut ZipArchive<Cursor<&[u8]>>, limits: &Limits) -> Result<(), SniffError> {
    let content = archive
        .by_name("content.xml")
        .map_err(|e| corrupt_zip(format!("cannot read 'content.xml': {e}")))?;
    let limit = limits.max_total_bytes;
    let e = super::ods_grid::estimate(std::io::BufReader::new(content), limit);
    if e.unterminated {
        return Err(corrupt_zip(format!(
            "'content.xml' ends inside sheet {} (truncated?)",
            e.sheet + 1
        )));
    }
    if e.bytes <= limit {
        return Ok(());
    }
    Err(if e.mostly_text {
        SniffError::TextTooLarge {
            sheet: e.sheet,
            limit,
        }
    } else {
        SniffError::SheetTooLarge {
            sheet: e.sheet,
            rows: e.rows,
            cols: e.cols,
            bytes: e.bytes,
            limit,
        }
    })
}

fn read_part(
    archive: &mut ZipArchive<Cursor<&[u8]>>,
    index: usize,
    what: &str,
) -> Result<Vec<u8>, SniffError> {
    let mut buf = Vec::new();
    archive
        .by_index(index)
        .and_then(|f| Ok(f.take(SMALL_PART).read_to_end(&mut buf)?))
        .map_err(|e| corrupt_zip(format!("cannot read '{what}': {e}")))?;
    Ok(buf)
}

// ---------------------------------------------------------------------------------------
// OLE compound files (CFB): xls, and whatever else Office 97-2003 wrote.
//
// The reader below mirrors what calamine's own CFB code does when it opens an .xls, so that
// every sector calamine will touch has been proven to exist, and every chain it will follow
// to end: calamine indexes its FAT without bounds checks and follows chains without loop
// detection, so a cycle there is an endless loop that allocates until the process dies.

const MAXREGSECT: u32 = 0xFFFF_FFFA;
const DIFSECT: u32 = 0xFFFF_FFFC;
const ENDOFCHAIN: u32 = 0xFFFF_FFFE;
/// calamine reads streams shorter than this from the mini stream, whatever the header says.
const MINI_CUTOFF: u64 = 4096;
const MINI_SECTOR: usize = 64;

struct DirEntry {
    name: String,
    start: u32,
    size: u64,
}

struct Ole<'a> {
    data: &'a [u8],
    sector_size: usize,
    /// Sectors whose first byte is inside the file.
    sectors: usize,
    fat: Vec<u32>,
    dirs: Vec<DirEntry>,
    major_version: u16,
    mini_fat_start: u32,
    mini_fat_sectors: u32,
}

impl<'a> Ole<'a> {
    fn parse(data: &'a [u8]) -> Result<Self, SniffError> {
        if data.len() < 512 {
            return Err(corrupt_xls(format!(
                "OLE header cut short at {} bytes",
                data.len()
            )));
        }
        let sector_size = match u16_at(data, 30) {
            Some(9) => 512,
            Some(12) => 4096,
            other => {
                return Err(corrupt_xls(format!(
                    "OLE sector shift {:?} is neither 9 nor 12",
                    other.unwrap_or(0)
                )));
            }
        };
        if u16_at(data, 32) != Some(6) {
            return Err(corrupt_xls("OLE mini sector shift is not 6"));
        }
        if data.len() < sector_size {
            return Err(corrupt_xls("OLE header sector cut short"));
        }
        let mut ole = Ole {
            data,
            sector_size,
            sectors: (data.len() - sector_size).div_ceil(sector_size),
            fat: Vec::new(),
            dirs: Vec::new(),
            major_version: u16_at(data, 26).unwrap_or(0),
            mini_fat_start: u32_at(data, 60).unwrap_or(ENDOFCHAIN),
            mini_fat_sectors: u32_at(data, 64).unwrap_or(0),
        };
        ole.load_fat()?;
        ole.load_directory()?;
        Ok(ole)
    }

    fn sector(&self, id: usize) -> &'a [u8] {
        let start = (id + 1)
            .saturating_mul(self.sector_size)
            .min(self.data.len());
        let end = start.saturating_add(self.sector_size).min(self.data.len());
        &self.data[start..end]
    }

    /// A table sector: it must be whole, or the table it carries is cut.
    fn full_sector(&self, id: u32, what: &str) -> Result<&'a [u8], SniffError> {
        let i = id as usize;
        let s = if i < self.sectors {
            self.sector(i)
        } else {
            &[]
        };
        if s.len() == self.sector_size {
            Ok(s)
        } else {
            Err(corrupt_xls(format!(
                "{what} sector {id} lies past the end of the file (truncated?)"
            )))
        }
    }

    fn load_fat(&mut self) -> Result<(), SniffError> {
        // The header holds the first 109 FAT sector numbers; more come in a DIFAT chain whose
        // sectors end with the number of the next one.
        let mut difat: Vec<u32> = u32s(&self.data[76..512]).collect();
        let mut seen = vec![false; self.sectors];
        let mut id = u32_at(self.data, 68).unwrap_or(ENDOFCHAIN);
        while id < MAXREGSECT {
            let s = self.full_sector(id, "DIFAT")?;
            if std::mem::replace(&mut seen[id as usize], true) {
                return Err(corrupt_xls(format!("DIFAT chain loops at sector {id}")));
            }
            difat.extend(u32s(s));
            id = difat.pop().unwrap_or(ENDOFCHAIN);
        }
        // A FAT sector listed twice multiplies the table calamine builds: refuse repeats.
        let mut seen = vec![false; self.sectors];
        for id in difat.into_iter().filter(|&id| id < DIFSECT) {
            let s = self.full_sector(id, "FAT")?;
            if std::mem::replace(&mut seen[id as usize], true) {
                return Err(corrupt_xls(format!("FAT sector {id} is listed twice")));
            }
            self.fat.extend(u32s(s));
        }
        if self.fat.is_empty() {
            return Err(corrupt_xls("OLE file has no allocation table"));
        }
        Ok(())
    }

    fn load_directory(&mut self) -> Result<(), SniffError> {
        let start = u32_at(self.data, 48).unwrap_or(ENDOFCHAIN);
        let raw = self.read_chain(start, u64::MAX, "directory")?;
        self.dirs = raw
            .chunks_exact(128)
            .map(|e| {
                let name = char::decode_utf16(u16s(&e[..64]))
                    .map(|c| c.unwrap_or(char::REPLACEMENT_CHARACTER))
                    .take_while(|&c| c != '\0')
                    .collect();
                let size = if self.sector_size == 512 {
                    u64::from(u32_at(e, 120).unwrap_or(0))
                } else {
                    u64_at(e, 120).unwrap_or(0)
                };
                DirEntry {
                    name,
                    start: u32_at(e, 116).unwrap_or(ENDOFCHAIN),
                    size,
                }
            })
            .collect();
        if self.dirs.is_empty() {
            return Err(corrupt_xls("OLE directory is empty"));
        }
        Ok(())
    }

    /// Walks a chain of regular sectors the way calamine does, stopping once `want` bytes
    /// are gathered, and returns the bytes (possibly more than `want`).
    fn read_chain(&self, start: u32, want: u64, what: &str) -> Result<Vec<u8>, SniffError> {
        let ids = walk_chain(
            start,
            &self.fat,
            self.sectors,
            |i| self.sector(i).len(),
            want,
            what,
        )?;
        let mut out = Vec::new();
        for i in ids {
            out.extend_from_slice(self.sector(i));
        }
        Ok(out)
    }

    fn find(&self, name: &str) -> Option<&DirEntry> {
        // calamine searches every entry, whatever its type, ignoring ASCII case.
        self.dirs.iter().find(|d| d.name.eq_ignore_ascii_case(name))
    }

    fn has(&self, name: &str) -> bool {
        self.find(name).is_some()
    }

    /// The stream's bytes as calamine will see them; also proves the mini stream and mini
    /// FAT that calamine loads on open are sound.
    fn read_stream(&self, entry: &DirEntry, what: &str) -> Result<Vec<u8>, SniffError> {
        if self.major_version != 3 && self.dirs[0].start == ENDOFCHAIN {
            // Legal, but calamine refuses it ("Empty Root directory").
            return Err(unsupported(
                "version-4 OLE file without a mini stream; re-save it as .xlsx",
            ));
        }
        let (mini_stream, mini_fat) = self.load_mini()?;
        let mut out = if entry.size < MINI_CUTOFF {
            let units = mini_stream.len().div_ceil(MINI_SECTOR);
            let chunk = |i: usize| -> &[u8] {
                let s = (i * MINI_SECTOR).min(mini_stream.len());
                &mini_stream[s..(s + MINI_SECTOR).min(mini_stream.len())]
            };
            let ids = walk_chain(
                entry.start,
                &mini_fat,
                units,
                |i| chunk(i).len(),
                entry.size,
                what,
            )?;
            ids.into_iter().flat_map(chunk).copied().collect()
        } else {
            self.read_chain(entry.start, entry.size, what)?
        };
        out.truncate(usize::try_from(entry.size).unwrap_or(usize::MAX));
        Ok(out)
    }

    fn load_mini(&self) -> Result<(Vec<u8>, Vec<u32>), SniffError> {
        if self.mini_fat_sectors == 0 {
            return Ok((Vec::new(), Vec::new()));
        }
        let root = &self.dirs[0];
        let mut stream = self.read_chain(root.start, root.size, "mini stream")?;
        stream.truncate(usize::try_from(root.size).unwrap_or(usize::MAX));
        let want = u64::from(self.mini_fat_sectors) * self.sector_size as u64;
        let mut table = self.read_chain(self.mini_fat_start, want, "mini FAT")?;
        table.truncate(usize::try_from(want).unwrap_or(usize::MAX));
        Ok((stream, u32s(&table).collect()))
    }
}

/// Follows `table` from `start` over `units` sectors until ENDOFCHAIN or `want` bytes.
/// Refuses what would make calamine loop, index out of its table or read past the file.
fn walk_chain(
    start: u32,
    table: &[u32],
    units: usize,
    unit_len: impl Fn(usize) -> usize,
    want: u64,
    what: &str,
) -> Result<Vec<usize>, SniffError> {
    let mut seen = vec![false; units];
    let mut ids = Vec::new();
    let mut got = 0u64;
    let mut id = start;
    while id != ENDOFCHAIN {
        let i = id as usize;
        if id > MAXREGSECT {
            return Err(corrupt_xls(format!(
                "{what} chain is cut by marker {id:#010x}"
            )));
        }
        if i >= units {
            return Err(corrupt_xls(format!(
                "{what} chain points to sector {id}, past the end of the data (truncated?)"
            )));
        }
        if std::mem::replace(&mut seen[i], true) {
            return Err(corrupt_xls(format!("{what} chain loops at sector {id}")));
        }
        ids.push(i);
        got = got.saturating_add(unit_len(i) as u64);
        if got >= want {
            break;
        }
        id = *table.get(i).ok_or_else(|| {
            corrupt_xls(format!(
                "{what} chain runs off the allocation table at sector {id}"
            ))
        })?;
    }
    Ok(ids)
}

fn sniff_cfb(bytes: &[u8], limits: &Limits) -> Result<Format, SniffError> {
    let ole = Ole::parse(bytes)?;
    // Password-protected OOXML is an OLE file holding the encrypted zip.
    if ole.has("EncryptedPackage") || ole.has("EncryptionInfo") {
        return Err(SniffError::Encrypted);
    }
    // calamine tries "Workbook" (BIFF8), then "Book" (BIFF5, Excel 5/95).
    let Some(entry) = ole.find("Workbook").or_else(|| ole.find("Book")) else {
        return Err(not_sheet(ole_kind(&ole)));
    };
    let stream = ole.read_stream(entry, "Workbook stream")?;
    check_biff(&stream, limits)?;
    Ok(Format::Xls)
}

fn ole_kind(ole: &Ole<'_>) -> &'static str {
    if ole.has("WordDocument") {
        "Word 97-2003 document (.doc)"
    } else if ole.has("PowerPoint Document") {
        "PowerPoint 97-2003 presentation (.ppt)"
    } else if ole.has("VisioDocument") {
        "Visio drawing"
    } else if ole.dirs.iter().any(|d| d.name.starts_with("__substg1.0_")) {
        "Outlook message (.msg)"
    } else {
        "OLE compound file without a Workbook stream"
    }
}

// ---------------------------------------------------------------------------------------
// BIFF records inside the Workbook stream.

const BOF: u16 = 0x0809;
const EOF: u16 = 0x000A;
const FILEPASS: u16 = 0x002F;
const BOUNDSHEET: u16 = 0x0085;
const DIMENSIONS: u16 = 0x0200;
const FORMULA: u16 = 0x0006;
const MULRK: u16 = 0x00BD;
/// Records whose first four bytes are the row and column of one cell calamine keeps.
const CELL_RECORDS: [u16; 6] = [0x0203, 0x0204, 0x00D6, 0x0205, 0x027E, 0x00FD];
/// The BIFF5/8 grid.
const MAX_ROWS: u64 = 65_536;
const MAX_COLS: u64 = 256;

/// BIFF records one after another from `offset`, as calamine's iterator cuts them.
struct Records<'a> {
    stream: &'a [u8],
    offset: usize,
}

struct Record<'a> {
    typ: u16,
    data: &'a [u8],
}

impl<'a> Iterator for Records<'a> {
    /// `Err` carries the offset of a record that runs past the end of the stream.
    type Item = Result<Record<'a>, usize>;

    fn next(&mut self) -> Option<Self::Item> {
        let at = self.offset;
        let rest = self.stream.get(at..)?;
        if rest.is_empty() {
            return None;
        }
        let (Some(typ), Some(len)) = (u16_at(rest, 0), u16_at(rest, 2)) else {
            self.offset = self.stream.len();
            return Some(Err(at));
        };
        let Some(data) = rest.get(4..4 + usize::from(len)) else {
            self.offset = self.stream.len();
            return Some(Err(at));
        };
        self.offset = at + 4 + data.len();
        Some(Ok(Record { typ, data }))
    }
}

fn truncated_record(at: usize) -> SniffError {
    corrupt_xls(format!(
        "Workbook stream is cut inside the record at offset {at}"
    ))
}

/// The bounding box of cell positions a sheet holds.
#[derive(Default)]
struct Span(Option<(u32, u32, u32, u32)>);

impl Span {
    fn add(&mut self, row: u32, col: u32) {
        self.0 = Some(match self.0 {
            None => (row, row, col, col),
            Some((r0, r1, c0, c1)) => (r0.min(row), r1.max(row), c0.min(col), c1.max(col)),
        });
    }

    fn rows_cols(&self) -> (u64, u64) {
        self.0.map_or((0, 0), |(r0, r1, c0, c1)| {
            (u64::from(r1 - r0) + 1, u64::from(c1 - c0) + 1)
        })
    }
}

/// Refuses encrypted workbooks, BIFF versions calamine cannot read, and sheets whose records
/// would make calamine allocate beyond the budget (or abort on a bogus DIMENSIONS).
fn check_biff(stream: &[u8], limits: &Limits) -> Result<(), SniffError> {
    match u16_at(stream, 0) {
        _ if stream.is_empty() => return Err(corrupt_xls("Workbook stream is empty")),
        Some(BOF) => {}
        Some(0x0009 | 0x0209 | 0x0409) => {
            return Err(unsupported(
                "Excel 2.x-4.x workbook (BIFF2-4); save it as .xlsx",
            ));
        }
        _ => {
            return Err(corrupt_xls(
                "Workbook stream does not start with a BOF record",
            ));
        }
    }
    let bof = match (Records { stream, offset: 0 }).next() {
        Some(Ok(r)) => r,
        _ => return Err(truncated_record(0)),
    };
    match u16_at(bof.data, 0) {
        None => return Err(corrupt_xls("BOF record too short")),
        Some(0x0200 | 0x0300 | 0x0400) => {
            return Err(unsupported(
                "Excel 2.x-4.x workbook (BIFF2-4); save it as .xlsx",
            ));
        }
        Some(_) => {}
    }

    // Workbook globals, up to their EOF, as calamine reads them on open.
    let mut sheets = Vec::new();
    let mut records = Records { stream, offset: 0 };
    for r in records.by_ref() {
        let r = r.map_err(truncated_record)?;
        match r.typ {
            FILEPASS => return Err(SniffError::Encrypted),
            BOF if r.data.len() < 2 => return Err(corrupt_xls("BOF record too short")),
            BOUNDSHEET => match (u32_at(r.data, 0), r.data.len() >= 6) {
                (Some(pos), true) => sheets.push(pos as usize),
                _ => return Err(corrupt_xls("BOUNDSHEET record too short")),
            },
            EOF => break,
            _ => {}
        }
    }

    // Each sheet is parsed from its BOUNDSHEET offset at open time. Offsets that overlap
    // would make calamine parse the same records again and again: bound the total work.
    let mut budget = stream.len().saturating_mul(2).saturating_add(4096);
    // calamine keeps every sheet's dense grids (values and formulas) while the workbook is
    // open; building one also holds its sparse cells, and `worksheet_range` and
    // `worksheet_formula` hand out copies. Peak: all grids, plus the largest of those extras.
    let (mut grids, mut extra) = (0u64, 0u64);
    for (sheet, &pos) in sheets.iter().enumerate() {
        if pos > stream.len() {
            return Err(corrupt_xls(format!(
                "sheet {} starts at offset {pos}, past the end of the Workbook stream ({} bytes)",
                sheet + 1,
                stream.len()
            )));
        }
        let (cells, formulas, ncells, nformulas) = scan_sheet(stream, pos, sheet, &mut budget)?;
        let (rows, cols) = cells.rows_cols();
        let (frows, fcols) = formulas.rows_cols();
        let grid = (rows * cols).saturating_mul(size_of::<calamine::Data>() as u64)
            + (frows * fcols).saturating_mul(size_of::<String>() as u64);
        let sparse = ncells.saturating_mul(size_of::<calamine::Cell<calamine::Data>>() as u64)
            + nformulas.saturating_mul(size_of::<calamine::Cell<String>>() as u64);
        grids = grids.saturating_add(grid);
        extra = extra.max(grid).max(sparse);
        let bytes = grids.saturating_add(extra);
        if bytes > limits.max_total_bytes {
            let (rows, cols) = if rows * cols >= frows * fcols {
                (rows, cols)
            } else {
                (frows, fcols)
            };
            return Err(SniffError::SheetTooLarge {
                sheet,
                rows,
                cols,
                bytes,
                limit: limits.max_total_bytes,
            });
        }
    }
    Ok(())
}

/// One sheet's substream, walked as calamine walks it: embedded substreams (charts) are
/// skipped, and the sheet ends at its EOF. Returns the spans of cells and formulas and how
/// many of each calamine would keep.
fn scan_sheet(
    stream: &[u8],
    pos: usize,
    sheet: usize,
    budget: &mut usize,
) -> Result<(Span, Span, u64, u64), SniffError> {
    let (mut cells, mut formulas, mut ncells, mut nformulas) =
        (Span::default(), Span::default(), 0u64, 0u64);
    let mut seen_bof = false;
    let mut depth = 0usize;
    for r in (Records {
        stream,
        offset: pos,
    }) {
        let r = r.map_err(truncated_record)?;
        *budget = budget.checked_sub(4 + r.data.len()).ok_or_else(|| {
            corrupt_xls("sheets overlap in the Workbook stream (bad BOUNDSHEET offsets)")
        })?;
        if depth > 0 {
            match r.typ {
                BOF => depth += 1,
                EOF => depth -= 1,
                _ => {}
            }
            continue;
        }
        let row_col = || Some((u32::from(u16_at(r.data, 0)?), u32::from(u16_at(r.data, 2)?)));
        match r.typ {
            BOF if seen_bof => depth += 1,
            BOF => seen_bof = true,
            EOF => break,
            DIMENSIONS => check_dimensions(r.data, sheet)?,
            FORMULA => {
                if let Some((row, col)) = row_col() {
                    cells.add(row, col);
                    formulas.add(row, col);
                    ncells += 1;
                    nformulas += 1;
                }
            }
            MULRK => {
                let (Some((row, first)), Some(last)) = (
                    row_col(),
                    r.data
                        .len()
                        .checked_sub(2)
                        .and_then(|at| u16_at(r.data, at)),
                ) else {
                    continue;
                };
                if u32::from(last) < first {
                    return Err(corrupt_xls(format!(
                        "sheet {}: MULRK record with its columns reversed",
                        sheet + 1
                    )));
                }
                let n = (r.data.len().saturating_sub(6) / 6) as u32;
                if n > 0 {
                    cells.add(row, first);
                    cells.add(row, first + n - 1);
                    ncells += u64::from(n);
                }
            }
            t if CELL_RECORDS.contains(&t) => {
                if let Some((row, col)) = row_col() {
                    cells.add(row, col);
                    ncells += 1;
                }
            }
            _ => {}
        }
    }
    Ok((cells, formulas, ncells, nformulas))
}

/// calamine reserves rows x columns cells from this record with unchecked arithmetic: an
/// inverted or huge range either panics or asks for terabytes, which aborts the process.
fn check_dimensions(data: &[u8], sheet: usize) -> Result<(), SniffError> {
    let (rf, rl, cf, cl) = match data.len() {
        10 => (
            u32::from(u16_at(data, 0).unwrap_or(0)),
            u32::from(u16_at(data, 2).unwrap_or(0)),
            u32::from(u16_at(data, 4).unwrap_or(0)),
            u32::from(u16_at(data, 6).unwrap_or(0)),
        ),
        14 | 16 => (
            u32_at(data, 0).unwrap_or(0),
            u32_at(data, 4).unwrap_or(0),
            u32::from(u16_at(data, 8).unwrap_or(0)),
            u32::from(u16_at(data, 10).unwrap_or(0)),
        ),
        // calamine refuses other lengths with an error of its own.
        _ => return Ok(()),
    };
    let c0 = if cf > 0xFF || cl < cf { 0 } else { cf };
    let (end_r, end_c) = if rl >= 1 && cl >= 1 {
        (rl - 1, cl - 1)
    } else {
        (rf, c0)
    };
    let rows = end_r.checked_sub(rf).and_then(|d| d.checked_add(1));
    let cols = end_c.checked_sub(c0).and_then(|d| d.checked_add(1));
    match (rows, cols) {
        (Some(r), Some(c)) if u64::from(r) <= MAX_ROWS && u64::from(c) <= MAX_COLS => Ok(()),
        _ => Err(corrupt_xls(format!(
            "sheet {}: DIMENSIONS record out of range (rows {rf}..{rl}, columns {cf}..{cl})",
            sheet + 1
        ))),
    }
}

// ---------------------------------------------------------------------------------------
// Everything else: name what the file looks like, so a clerk knows what was sent.

/// How much of a non-container file is examined.
const PREFIX: usize = 8192;

fn classify_other(bytes: &[u8]) -> SniffError {
    const SIGNATURES: &[(&[u8], &str)] = &[
        (b"%PDF", "PDF document"),
        (b"\x89PNG\r\n\x1a\n", "PNG image"),
        (b"\xFF\xD8\xFF", "JPEG image"),
        (b"GIF87a", "GIF image"),
        (b"GIF89a", "GIF image"),
        (b"II*\x00", "TIFF image"),
        (b"MM\x00*", "TIFF image"),
        (b"{\\rtf", "RTF document"),
        (b"Rar!\x1a\x07", "RAR archive"),
        (b"7z\xBC\xAF\x27\x1C", "7-Zip archive"),
        (b"\x1F\x8B", "gzip archive"),
        (b"MZ", "Windows program"),
        (b"\x7FELF", "ELF program"),
    ];
    if let Some((_, what)) = SIGNATURES.iter().find(|(sig, _)| bytes.starts_with(sig)) {
        return not_sheet(*what);
    }
    if bytes.starts_with(b"RIFF") && bytes.get(8..12) == Some(b"WEBP") {
        return not_sheet("WebP image");
    }
    // A bare BIFF stream: BOF (0x0009, 0x0209, 0x0409 or 0x0809) with a small length.
    if bytes.len() >= 8
        && bytes[0] == 0x09
        && matches!(bytes[1], 0x00 | 0x02 | 0x04 | 0x08)
        && bytes[3] == 0
        && (4..=20).contains(&bytes[2])
    {
        return if bytes[1] == 0x08 {
            unsupported("BIFF5/8 stream without its OLE container; re-save it as .xlsx")
        } else {
            unsupported("Excel 2.x-4.x workbook (BIFF2-4); save it as .xlsx")
        };
    }
    match decode_text(&bytes[..bytes.len().min(PREFIX)], bytes.len() > PREFIX) {
        Some(text) => classify_text(&text, bytes.len() > PREFIX),
        None => not_sheet(format!(
            "unrecognised binary data starting {}",
            crate::text::hex(&bytes[..bytes.len().min(8)])
        )),
    }
}

/// The prefix as text when it reads as text (UTF-8, UTF-16, or a legacy 8-bit code page such
/// as TCVN3 or Windows-1258), `None` for binary data.
fn decode_text(prefix: &[u8], cut: bool) -> Option<String> {
    let utf16 = |rest: &[u8], le: bool| -> String {
        let units = rest.chunks_exact(2).map(|p| {
            let p = [p[0], p[1]];
            if le {
                u16::from_le_bytes(p)
            } else {
                u16::from_be_bytes(p)
            }
        });
        char::decode_utf16(units)
            .map(|c| c.unwrap_or(char::REPLACEMENT_CHARACTER))
            .collect()
    };
    let text = if let Some(rest) = prefix.strip_prefix(b"\xEF\xBB\xBF") {
        String::from_utf8_lossy(rest).into_owned()
    } else if let Some(rest) = prefix.strip_prefix(b"\xFF\xFE") {
        utf16(rest, true)
    } else if let Some(rest) = prefix.strip_prefix(b"\xFE\xFF") {
        utf16(rest, false)
    } else if let Some(le) = utf16_without_bom(prefix) {
        utf16(prefix, le)
    } else {
        match std::str::from_utf8(prefix) {
            Ok(s) => s.to_string(),
            // A character cut by the prefix boundary is still text.
            Err(e) if cut && e.error_len().is_none() => {
                String::from_utf8_lossy(&prefix[..e.valid_up_to()]).into_owned()
            }
            Err(_) => {
                let controls = prefix.iter().filter(|&&b| is_binary_byte(b)).count();
                if controls > 0 {
                    return None;
                }
                String::from_utf8_lossy(prefix).into_owned()
            }
        }
    };
    let controls = text
        .chars()
        .filter(|&c| c.is_control() && !matches!(c, '\t' | '\n' | '\r' | '\x0C'))
        .count();
    (controls * 100 <= text.chars().count()).then_some(text)
}

fn is_binary_byte(b: u8) -> bool {
    b < 0x20 && !matches!(b, b'\t' | b'\n' | b'\r' | 0x0C | 0x1A)
}

/// UTF-16 text without a byte-order mark shows zero bytes on one side of mostly-ASCII text.
fn utf16_without_bom(prefix: &[u8]) -> Option<bool> {
    let pairs = prefix.len() / 2;
    if pairs < 4 {
        return None;
    }
    let zero_at = |k: usize| {
        prefix
            .iter()
            .skip(k)
            .step_by(2)
            .filter(|&&b| b == 0)
            .count()
    };
    let (even, odd) = (zero_at(0), zero_at(1));
    // Vietnamese puts many characters in U+1Exx, so only part of the high bytes are zero.
    if odd * 10 >= pairs * 4 && even * 10 <= pairs {
        Some(true)
    } else if even * 10 >= pairs * 4 && odd * 10 <= pairs {
        Some(false)
    } else {
        None
    }
}

fn classify_text(text: &str, cut: bool) -> SniffError {
    let body = text.trim_start_matches(|c: char| c.is_whitespace() || c == '\u{FEFF}');
    let lower = body.to_ascii_lowercase();
    if lower.starts_with("mime-version:") {
        return not_sheet(if lower.contains("x-document-type: workbook") {
            "single-file web page (MHTML) saved by Excel"
        } else {
            "single-file web page (MHTML)"
        });
    }
    if lower.starts_with('<') {
        let says = |s: &str| lower.contains(s);
        if (says("urn:schemas-microsoft-com:office:spreadsheet") || says("progid=\"excel.sheet\""))
            && !says("<html")
        {
            return unsupported("Excel 2003 XML spreadsheet; save it as .xlsx");
        }
        if says("office:document") && says("opendocument.spreadsheet") {
            return unsupported("flat OpenDocument spreadsheet (.fods); save it as .ods or .xlsx");
        }
        if says("<html") || says("<!doctype html") || lower.starts_with("<table") {
            return not_sheet(if says("urn:schemas-microsoft-com:office:excel") {
                "HTML page saved by Excel as a web page"
            } else {
                "HTML page"
            });
        }
        if lower.starts_with("<?xml") {
            return not_sheet("XML document");
        }
    }
    match csv_delimiter(body, cut) {
        Some(name) => unsupported(format!("{name} text (CSV); open it and save it as .xlsx")),
        None => not_sheet("plain text"),
    }
}

/// A delimiter that splits every sampled line into the same number of fields (at least two),
/// over at least two lines: CSV exports look like this, prose does not.
fn csv_delimiter(text: &str, cut: bool) -> Option<&'static str> {
    let mut lines: Vec<&str> = text.lines().filter(|l| !l.trim().is_empty()).collect();
    if cut {
        lines.pop();
    }
    lines.truncate(50);
    if lines.len() < 2 {
        return None;
    }
    let count = |line: &str, d: char| {
        let mut quoted = false;
        line.chars()
            .filter(|&c| {
                if c == '"' {
                    quoted = !quoted;
                }
                c == d && !quoted
            })
            .count()
    };
    [
        (',', "comma-separated"),
        (';', "semicolon-separated"),
        ('\t', "tab-separated"),
        ('|', "pipe-separated"),
    ]
    .into_iter()
    .find(|&(d, _)| {
        let first = count(lines[0], d);
        first > 0 && lines.iter().all(|l| count(l, d) == first)
    })
    .map(|(_, name)| name)
}

// ---------------------------------------------------------------------------------------
// Little-endian reads that cannot panic.

fn u16_at(b: &[u8], at: usize) -> Option<u16> {
    Some(u16::from_le_bytes(
        b.get(at..at.checked_add(2)?)?.try_into().ok()?,
    ))
}

fn u32_at(b: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_le_bytes(
        b.get(at..at.checked_add(4)?)?.try_into().ok()?,
    ))
}

fn u64_at(b: &[u8], at: usize) -> Option<u64> {
    Some(u64::from_le_bytes(
        b.get(at..at.checked_add(8)?)?.try_into().ok()?,
    ))
}

fn u16s(b: &[u8]) -> impl Iterator<Item = u16> + '_ {
    b.chunks_exact(2).map(|c| u16::from_le_bytes([c[0], c[1]]))
}

fn u32s(b: &[u8]) -> impl Iterator<Item = u32> + '_ {
    b.chunks_exact(4)
        .map(|c| u32::from_le_bytes([c[0], c[1], c[2], c[3]]))
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
    use std::io::Write;
    use zip::CompressionMethod;
    use zip::write::SimpleFileOptions;

    // --- fixtures -----------------------------------------------------------------------

    fn xlsx() -> Vec<u8> {
        let mut wb = rust_xlsxwriter::Workbook::new();
        let ws = wb.add_worksheet();
        ws.set_name("Data").unwrap();
        ws.write_string(0, 0, "Chi bộ").unwrap();
        ws.write_number(1, 0, 42.0).unwrap();
        wb.save_to_buffer().unwrap()
    }

    fn zip_of(parts: &[(&str, &[u8])]) -> Vec<u8> {
        let mut w = zip::ZipWriter::new(Cursor::new(Vec::new()));
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

    const ODS_CONTENT: &[u8] = br#"<?xml version="1.0" encoding="UTF-8"?>
<office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" office:version="1.2"><office:body><office:spreadsheet><table:table table:name="Data"><table:table-row><table:table-cell office:value-type="float" office:value="42"><text:p>42</text:p></table:table-cell></table:table-row></table:table></office:spreadsheet></office:body></office:document-content>"#;

    fn manifest(encrypted: bool) -> Vec<u8> {
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

    fn ods_with(mimetype: &[u8], encrypted: bool) -> Vec<u8> {
        let manifest = manifest(encrypted);
        zip_of(&[
            ("mimetype", mimetype),
            ("META-INF/manifest.xml", &manifest),
            ("content.xml", ODS_CONTENT),
        ])
    }

    fn ods() -> Vec<u8> {
        ods_with(ODS_MIMETYPE, false)
    }

    /// A version-3 compound file (512-byte sectors) with every stream in the root storage.
    /// Streams under 4096 bytes go to the mini stream, as real writers do.
    fn cfb(streams: &[(&str, &[u8])]) -> Vec<u8> {
        const FREE: u32 = 0xFFFF_FFFF;
        let sectors_of = |n: usize| n.div_ceil(512);
        let mut mini = Vec::new();
        let mut mini_chains = Vec::new(); // (first mini sector, count)
        for (_, data) in streams.iter().filter(|(_, d)| d.len() < 4096) {
            let first = mini.len() / 64;
            mini.extend_from_slice(data);
            mini.resize(mini.len().div_ceil(64) * 64, 0);
            mini_chains.push((first, data.len().div_ceil(64)));
        }
        let n_mini = mini.len() / 64;
        let n_dir = (streams.len() + 1).div_ceil(4);
        let n_minifat = (n_mini * 4).div_ceil(512);
        let n_ministream = sectors_of(mini.len());
        let big: usize = streams
            .iter()
            .filter(|(_, d)| d.len() >= 4096)
            .map(|(_, d)| sectors_of(d.len()))
            .sum();
        let others = n_dir + n_minifat + n_ministream + big;
        let mut n_fat = 1;
        while n_fat * 128 < others + n_fat {
            n_fat += 1;
        }
        assert!(n_fat <= 109, "test CFB too large");
        let total = n_fat + others;
        let mut fat = vec![FREE; n_fat * 128];
        let mut next = n_fat;
        let mut chain = |fat: &mut Vec<u32>, len: usize| -> u32 {
            if len == 0 {
                return ENDOFCHAIN;
            }
            let first = next;
            for k in 0..len {
                fat[first + k] = if k + 1 == len {
                    ENDOFCHAIN
                } else {
                    (first + k + 1) as u32
                };
            }
            next += len;
            first as u32
        };
        for f in fat.iter_mut().take(n_fat) {
            *f = 0xFFFF_FFFD;
        }
        let dir_start = chain(&mut fat, n_dir);
        let minifat_start = chain(&mut fat, n_minifat);
        let ministream_start = chain(&mut fat, n_ministream);
        let mut starts = Vec::new();
        let mut minis = mini_chains.iter();
        for (_, data) in streams {
            if data.len() >= 4096 {
                starts.push(chain(&mut fat, sectors_of(data.len())));
            } else {
                let &(first, count) = minis.next().unwrap();
                starts.push(if count == 0 { ENDOFCHAIN } else { first as u32 });
            }
        }

        let mut out = vec![0u8; 512 * (total + 1)];
        out[..8].copy_from_slice(CFB_MAGIC);
        let put16 = |out: &mut Vec<u8>, at: usize, v: u16| {
            out[at..at + 2].copy_from_slice(&v.to_le_bytes())
        };
        let put32 = |out: &mut Vec<u8>, at: usize, v: u32| {
            out[at..at + 4].copy_from_slice(&v.to_le_bytes())
        };
        put16(&mut out, 24, 0x3E);
        put16(&mut out, 26, 3);
        put16(&mut out, 28, 0xFFFE);
        put16(&mut out, 30, 9);
        put16(&mut out, 32, 6);
        put32(&mut out, 44, n_fat as u32);
        put32(&mut out, 48, dir_start);
        put32(&mut out, 56, 4096);
        put32(
            &mut out,
            60,
            if n_minifat == 0 {
                ENDOFCHAIN
            } else {
                minifat_start
            },
        );
        put32(&mut out, 64, n_minifat as u32);
        put32(&mut out, 68, ENDOFCHAIN);
        for k in 0..109 {
            put32(
                &mut out,
                76 + 4 * k,
                if k < n_fat { k as u32 } else { FREE },
            );
        }
        let at = |sector: usize| 512 * (sector + 1);
        for (k, v) in fat.iter().enumerate() {
            put32(&mut out, at(0) + 4 * k, *v);
        }
        // Directory: root, then each stream as the right sibling of the one before.
        let entry = |out: &mut Vec<u8>,
                     k: usize,
                     name: &str,
                     kind: u8,
                     child: u32,
                     right: u32,
                     start: u32,
                     size: usize| {
            let base = at(dir_start as usize) + 128 * k;
            let units: Vec<u16> = name.encode_utf16().collect();
            for (j, u) in units.iter().enumerate() {
                put16(out, base + 2 * j, *u);
            }
            put16(out, base + 64, ((units.len() + 1) * 2) as u16);
            out[base + 66] = kind;
            out[base + 67] = 1;
            put32(out, base + 68, FREE);
            put32(out, base + 72, right);
            put32(out, base + 76, child);
            put32(out, base + 116, start);
            put32(out, base + 120, size as u32);
        };
        let root_start = if n_ministream == 0 {
            ENDOFCHAIN
        } else {
            ministream_start
        };
        let first_child = if streams.is_empty() { FREE } else { 1 };
        entry(
            &mut out,
            0,
            "Root Entry",
            5,
            first_child,
            FREE,
            root_start,
            mini.len(),
        );
        for (k, (name, data)) in streams.iter().enumerate() {
            let right = if k + 1 < streams.len() {
                (k + 2) as u32
            } else {
                FREE
            };
            entry(&mut out, k + 1, name, 2, FREE, right, starts[k], data.len());
        }
        for k in streams.len() + 1..n_dir * 4 {
            let base = at(dir_start as usize) + 128 * k;
            for off in [68, 72, 76] {
                put32(&mut out, base + off, FREE);
            }
        }
        for (first, count) in &mini_chains {
            for j in 0..*count {
                let v = if j + 1 == *count {
                    ENDOFCHAIN
                } else {
                    (first + j + 1) as u32
                };
                put32(&mut out, at(minifat_start as usize) + 4 * (first + j), v);
            }
        }
        // Unused mini FAT slots are free.
        for j in n_mini..n_minifat * 128 {
            put32(&mut out, at(minifat_start as usize) + 4 * j, FREE);
        }
        if !mini.is_empty() {
            let ms = at(ministream_start as usize);
            out[ms..ms + mini.len()].copy_from_slice(&mini);
        }
        for (k, (_, data)) in streams.iter().enumerate() {
            if data.len() >= 4096 {
                let s = at(starts[k] as usize);
                out[s..s + data.len()].copy_from_slice(data);
            }
        }
        out
    }

    fn rec(out: &mut Vec<u8>, typ: u16, data: &[u8]) {
        out.extend_from_slice(&typ.to_le_bytes());
        out.extend_from_slice(&(data.len() as u16).to_le_bytes());
        out.extend_from_slice(data);
    }

    #[derive(Clone)]
    struct Book {
        biff5: bool,
        filepass: bool,
        /// Per sheet: (row, col, value).
        sheets: Vec<Vec<(u16, u16, f64)>>,
        /// Records appended to every sheet, before its EOF.
        extra: Vec<(u16, Vec<u8>)>,
        /// Bytes added at the end of the stream, to push it past the mini stream cutoff.
        pad: usize,
    }

    impl Default for Book {
        fn default() -> Self {
            Book {
                biff5: false,
                filepass: false,
                sheets: vec![vec![(0, 0, 42.0), (1, 1, 7.5)]],
                extra: Vec::new(),
                pad: 0,
            }
        }
    }

    /// A Workbook stream calamine reads: globals with BOUNDSHEETs, then each sheet.
    fn biff(book: &Book) -> Vec<u8> {
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
        let codepage: u16 = if book.biff5 { 1252 } else { 1200 };
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

    fn xls_of(book: &Book) -> Vec<u8> {
        let stream = biff(book);
        let name = if book.biff5 { "Book" } else { "Workbook" };
        cfb(&[(name, &stream), ("\u{5}SummaryInformation", &[0u8; 200])])
    }

    fn xls() -> Vec<u8> {
        xls_of(&Book::default())
    }

    fn check(bytes: &[u8]) -> Result<Format, SniffError> {
        sniff(bytes, &Limits::default())
    }

    fn detail(err: SniffError) -> String {
        match err {
            SniffError::NotASpreadsheet { detail }
            | SniffError::UnsupportedFormat { detail }
            | SniffError::CorruptZip { detail }
            | SniffError::CorruptXls { detail } => detail,
            other => panic!("expected an error with a detail, got {other:?}"),
        }
    }

    fn not_sheet_detail(bytes: &[u8]) -> String {
        match check(bytes) {
            Err(e @ SniffError::NotASpreadsheet { .. }) => detail(e),
            other => panic!("expected NotASpreadsheet, got {other:?}"),
        }
    }

    fn unsupported_detail(bytes: &[u8]) -> String {
        match check(bytes) {
            Err(e @ SniffError::UnsupportedFormat { .. }) => detail(e),
            other => panic!("expected UnsupportedFormat, got {other:?}"),
        }
    }

    fn corrupt_xls_detail(bytes: &[u8]) -> String {
        match check(bytes) {
            Err(e @ SniffError::CorruptXls { .. }) => detail(e),
            other => panic!("expected CorruptXls, got {other:?}"),
        }
    }

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

    fn set32(z: &mut [u8], at: usize, v: u32) {
        z[at..at + 4].copy_from_slice(&v.to_le_bytes());
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

    // --- formats ------------------------------------------------------------------------

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

    /// An ODS package whose only sheet is `rows`.
    fn ods_of(rows: &str) -> Vec<u8> {
        let content = String::from_utf8(ODS_CONTENT.to_vec()).unwrap().replace(
            r#"<table:table-row><table:table-cell office:value-type="float" office:value="42"><text:p>42</text:p></table:table-cell></table:table-row>"#,
            rows,
        );
        zip_of(&[
            ("mimetype", ODS_MIMETYPE),
            ("META-INF/manifest.xml", &manifest(false)),
            ("content.xml", content.as_bytes()),
        ])
    }

    #[test]
    fn ods_repeats_that_would_expand_past_the_budget_are_refused() {
        // Under 1 KB: one value repeated over 6,000 rows of 16,000 columns. calamine
        // would expand it into 96 M cells (about 6 GB) when opening the file.
        let bomb = ods_of(
            r#"<table:table-row table:number-rows-repeated="6000"><table:table-cell table:number-columns-repeated="16000" office:value-type="float" office:value="1"/></table:table-row>"#,
        );
        assert!(bomb.len() < 2048);
        match check(&bomb) {
            Err(SniffError::SheetTooLarge {
                sheet: 0,
                rows: 6000,
                cols: 16000,
                bytes,
                limit,
            }) => assert!(bytes > limit),
            other => panic!("{other:?}"),
        }
        // A billion spaces written as one count, in a cell calamine reads.
        let spaces = ods_of(
            r#"<table:table-row><table:table-cell office:value-type="string"><text:p><text:s text:c="1000000000"/></text:p></table:table-cell></table:table-row>"#,
        );
        assert!(matches!(
            check(&spaces),
            Err(SniffError::TextTooLarge { sheet: 0, .. })
        ));
        // LibreOffice's own trailing repeats (empty, to the last row and column) are fine,
        // and so is a form-sized table.
        let form = ods_of(
            r#"<table:table-row table:number-rows-repeated="20000"><table:table-cell table:number-columns-repeated="9" office:value-type="float" office:value="7"/><table:table-cell table:number-columns-repeated="16375"/></table:table-row><table:table-row table:number-rows-repeated="1028556"><table:table-cell table:number-columns-repeated="16384"/></table:table-row>"#,
        );
        assert_eq!(check(&form).unwrap(), Format::Ods);
        use calamine::Reader;
        let mut wb: calamine::Ods<_> = calamine::open_workbook_from_rs(Cursor::new(form)).unwrap();
        let range = wb.worksheet_range("Data").unwrap();
        assert_eq!(range.get_size(), (20_000, 9));
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
    fn xls_biff8_is_xls_and_calamine_agrees() {
        use calamine::Reader;
        let small = xls();
        // A Workbook stream of 4096 bytes or more lives in regular sectors, not the mini stream.
        let big = xls_of(&Book {
            pad: 6000,
            ..Book::default()
        });
        for bytes in [small, big] {
            assert_eq!(check(&bytes).unwrap(), Format::Xls);
            let mut wb: calamine::Xls<_> =
                calamine::open_workbook_from_rs(Cursor::new(&bytes)).unwrap();
            let r = wb.worksheet_range("Sheet1").unwrap();
            assert_eq!(r.get_value((0, 0)), Some(&calamine::Data::Float(42.0)));
            assert_eq!(r.get_value((1, 1)), Some(&calamine::Data::Float(7.5)));
        }
    }

    #[test]
    fn xls_biff5_book_stream_is_xls_and_calamine_agrees() {
        use calamine::Reader;
        let bytes = xls_of(&Book {
            biff5: true,
            ..Book::default()
        });
        assert_eq!(check(&bytes).unwrap(), Format::Xls);
        let mut wb: calamine::Xls<_> =
            calamine::open_workbook_from_rs(Cursor::new(&bytes)).unwrap();
        let r = wb.worksheet_range("Sheet1").unwrap();
        assert_eq!(r.get_value((0, 0)), Some(&calamine::Data::Float(42.0)));
    }

    // --- refusals -----------------------------------------------------------------------

    #[test]
    fn empty_and_too_large() {
        assert!(matches!(check(b""), Err(SniffError::Empty)));
        let limits = Limits {
            max_file_bytes: 1000,
            ..Limits::default()
        };
        let bytes = xlsx();
        match sniff(&bytes, &limits) {
            Err(SniffError::TooLarge { size, limit: 1000 }) => assert_eq!(size, bytes.len() as u64),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn other_files_are_named() {
        let cases: &[(&[u8], &str)] = &[
            (b"%PDF-1.7\n%\xE2\xE3\xCF\xD3\n1 0 obj", "PDF"),
            (b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR", "PNG"),
            (b"\xFF\xD8\xFF\xE0\0\x10JFIF", "JPEG"),
            (
                b"<!DOCTYPE html>\n<html><body><table><tr><td>1</td></tr></table></body></html>",
                "HTML",
            ),
            (
                b"\xEF\xBB\xBF  <html xmlns:x=\"urn:schemas-microsoft-com:office:excel\"><table>",
                "HTML page saved by Excel",
            ),
            (b"<table border=1><tr><td>Chi bo</td></tr></table>", "HTML"),
            (b"<?xml version=\"1.0\"?><note>hello</note>", "XML"),
            (
                "Báo cáo tổng hợp\nKết nạp đảng viên mới.\n".as_bytes(),
                "plain text",
            ),
            (
                b"\x00\x01\x02\x03\x04\x05\x06\x07\x08\x09",
                "binary data starting 0001020304050607",
            ),
        ];
        for (bytes, want) in cases {
            let got = not_sheet_detail(bytes);
            assert!(got.contains(want), "{want:?} not in {got:?}");
        }
        let mht = b"MIME-Version: 1.0\r\nX-Document-Type: Workbook\r\nContent-Type: multipart/related; boundary=\"----=_NextPart\"\r\n";
        assert!(not_sheet_detail(mht).contains("MHTML"));
        // UTF-16 text, with and without a byte-order mark.
        let mut le: Vec<u8> = vec![0xFF, 0xFE];
        le.extend(
            "Danh sách đảng viên\r\n"
                .encode_utf16()
                .flat_map(u16::to_le_bytes),
        );
        assert_eq!(not_sheet_detail(&le), "plain text");
        let le: Vec<u8> = "Danh sách đảng viên của chi bộ\r\n"
            .encode_utf16()
            .flat_map(u16::to_le_bytes)
            .collect();
        assert_eq!(not_sheet_detail(&le), "plain text");
        let be: Vec<u8> = "Danh sach dang vien\r\n"
            .encode_utf16()
            .flat_map(u16::to_be_bytes)
            .collect();
        assert_eq!(not_sheet_detail(&be), "plain text");
        // Legacy 8-bit Vietnamese (TCVN3) is text too, not binary.
        assert_eq!(
            not_sheet_detail(b"B\xb8o c\xb8o t\xe6ng h\xeep\r\n"),
            "plain text"
        );
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
        let plain = zip_of(&[("photos/a.jpg", b"\xFF\xD8\xFF"), ("notes.txt", b"hi")]);
        assert!(not_sheet_detail(&plain).contains("no workbook"));
        let empty = zip::ZipWriter::new(Cursor::new(Vec::new()))
            .finish()
            .unwrap()
            .into_inner();
        assert!(empty.starts_with(ZIP_EMPTY));
        assert!(not_sheet_detail(&empty).contains("empty zip"));
        let doc = cfb(&[("WordDocument", &[0u8; 300]), ("1Table", &[0u8; 100])]);
        assert!(not_sheet_detail(&doc).contains("Word 97-2003"));
        let ole = cfb(&[("Contents", &[0u8; 10])]);
        assert!(not_sheet_detail(&ole).contains("without a Workbook stream"));
    }

    #[test]
    fn unsupported_formats_say_what_to_do() {
        let xlsb = zip_of(&[
            ("[Content_Types].xml", b"<Types/>"),
            ("_rels/.rels", b"<R/>"),
            ("xl/workbook.bin", b"\x83\x01"),
        ]);
        assert!(unsupported_detail(&xlsb).contains(".xlsb"));
        let xml2003 = br#"<?xml version="1.0"?>
<?mso-application progid="Excel.Sheet"?>
<Workbook xmlns="urn:schemas-microsoft-com:office:spreadsheet"><Worksheet ss:Name="S"/></Workbook>"#;
        assert!(unsupported_detail(xml2003).contains("Excel 2003 XML"));
        let fods = br#"<?xml version="1.0"?><office:document office:mimetype="application/vnd.oasis.opendocument.spreadsheet"/>"#;
        assert!(unsupported_detail(fods).contains(".fods"));
        assert!(
            unsupported_detail(
                b"stt,ho ten,ngay\n1,Nguyen Van A,2024-01-02\n2,Tran Thi B,2024-02-03\n"
            )
            .contains("comma")
        );
        assert!(unsupported_detail(b"a;b;c\r\n1;2;3\r\n").contains("semicolon"));
        let tsv: Vec<u8> = "\u{FEFF}a\tb\r\n1\t2\r\n"
            .encode_utf16()
            .flat_map(u16::to_le_bytes)
            .collect();
        assert!(unsupported_detail(&tsv).contains("tab"));
        let biff4 = [0x09, 0x04, 0x06, 0x00, 0x00, 0x04, 0x10, 0x00, 0x00, 0x00];
        assert!(unsupported_detail(&biff4).contains("BIFF2-4"));
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
        let biff3_in_ole = {
            let mut s = Vec::new();
            rec(&mut s, 0x0209, &[0x00, 0x03, 0x10, 0x00, 0, 0]);
            cfb(&[("Workbook", &s)])
        };
        assert!(unsupported_detail(&biff3_in_ole).contains("BIFF2-4"));
    }

    #[test]
    fn encrypted_files() {
        // Password-protected xlsx/docx: an OLE file with the encrypted package inside.
        let ooxml = cfb(&[
            ("\u{6}DataSpaces", &[0u8; 64]),
            ("EncryptionInfo", &[4, 0, 4, 0, 0x40, 0, 0, 0]),
            ("EncryptedPackage", &[0x5Au8; 5000]),
        ]);
        assert!(matches!(check(&ooxml), Err(SniffError::Encrypted)));
        let rc4 = xls_of(&Book {
            filepass: true,
            ..Book::default()
        });
        assert!(matches!(check(&rc4), Err(SniffError::Encrypted)));
        let biff5 = xls_of(&Book {
            filepass: true,
            biff5: true,
            ..Book::default()
        });
        assert!(matches!(check(&biff5), Err(SniffError::Encrypted)));
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
        for cut in [z.len() - 1, z.len() - 30, z.len() / 2, 10] {
            match check(&z[..cut]) {
                Err(SniffError::CorruptZip { .. }) => {}
                other => panic!("cut at {cut}: {other:?}"),
            }
        }
        let mut past_end = z.clone();
        declare(&mut past_end, "xl/workbook.xml", 1000, Some(0x00FF_FFFF));
        assert!(
            matches!(check(&past_end), Err(SniffError::CorruptZip { detail }) if detail.contains("past the end"))
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
            Err(SniffError::ZipBomb {
                entry,
                declared,
                compressed,
                limit,
            }) => {
                assert_eq!(entry, "xl/worksheets/sheet1.xml");
                assert_eq!(declared, 8 << 20);
                assert_eq!(limit, compressed * 200);
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

    #[test]
    fn corrupt_ole_files() {
        let good = xls();
        // Truncated: the directory, or the stream, now points past the end of the file.
        for cut in [good.len() / 2, good.len() - 512, 600] {
            corrupt_xls_detail(&good[..cut]);
        }
        assert!(corrupt_xls_detail(&good[..300]).contains("header"));

        let fat = 512; // the FAT is sector 0
        let dir_start = u32_at(&good, 48).unwrap() as usize;
        // The directory chain points back at itself: calamine would loop and allocate forever.
        let mut looped = good.clone();
        set32(&mut looped, fat + 4 * dir_start, dir_start as u32);
        assert!(corrupt_xls_detail(&looped).contains("loops"));
        // The same FAT sector listed twice: calamine would build a FAT many times the file.
        let mut twice = good.clone();
        set32(&mut twice, 76 + 4, 0);
        assert!(corrupt_xls_detail(&twice).contains("listed twice"));
        // A chain that leaves the FAT: calamine indexes its FAT without a bounds check.
        let mut off_table = good.clone();
        set32(&mut off_table, fat + 4 * dir_start, 5000);
        corrupt_xls_detail(&off_table);
        // The mini stream chain loops through the mini FAT.
        let minifat = u32_at(&good, 60).unwrap() as usize;
        let mut mini_loop = good.clone();
        set32(&mut mini_loop, 512 * (minifat + 1), 0);
        assert!(corrupt_xls_detail(&mini_loop).contains("loops"));
        // Bad sector shift.
        let mut shift = good.clone();
        shift[30] = 7;
        assert!(corrupt_xls_detail(&shift).contains("sector shift"));
    }

    #[test]
    fn corrupt_biff_records() {
        // A BOUNDSHEET pointing past the stream: calamine slices there and panics.
        let mut stream = biff(&Book::default());
        let pos = stream
            .windows(2)
            .position(|w| w == BOUNDSHEET.to_le_bytes())
            .unwrap()
            + 4;
        stream[pos..pos + 4].copy_from_slice(&u32::MAX.to_le_bytes());
        assert!(corrupt_xls_detail(&cfb(&[("Workbook", &stream)])).contains("past the end"));
        // Inverted and absurd DIMENSIONS: calamine reserves rows x columns and aborts.
        let mut inverted = Vec::new();
        for v in [10u32, 3] {
            inverted.extend_from_slice(&v.to_le_bytes());
        }
        inverted.extend_from_slice(&[0, 0, 1, 0, 0, 0]);
        let mut absurd = Vec::new();
        for v in [0u32, u32::MAX] {
            absurd.extend_from_slice(&v.to_le_bytes());
        }
        absurd.extend_from_slice(&[0, 0, 0xFF, 0, 0, 0]);
        for dims in [inverted, absurd] {
            let book = Book {
                extra: vec![(DIMENSIONS, dims)],
                ..Book::default()
            };
            assert!(corrupt_xls_detail(&xls_of(&book)).contains("DIMENSIONS"));
        }
        // Reversed MULRK columns.
        let mut mulrk = vec![0, 0, 5, 0];
        mulrk.extend_from_slice(&[0; 6]);
        mulrk.extend_from_slice(&[2, 0]);
        let book = Book {
            extra: vec![(MULRK, mulrk)],
            ..Book::default()
        };
        assert!(corrupt_xls_detail(&xls_of(&book)).contains("MULRK"));
        // Not BIFF at all.
        let d = corrupt_xls_detail(&cfb(&[("Workbook", b"hello world, not records")]));
        assert!(d.contains("BOF"), "{d}");
        assert!(corrupt_xls_detail(&cfb(&[("Workbook", b"")])).contains("empty"));
        // Hundreds of sheets that all start at the same records.
        let mut s = Vec::new();
        rec(&mut s, BOF, &[0x00, 0x06, 0x05, 0x00, 0, 0, 0, 0]);
        let first_sheet = 4 + 8 + 400 * (4 + 14) + 4;
        for _ in 0..400 {
            let mut d = (first_sheet as u32).to_le_bytes().to_vec();
            d.extend_from_slice(&[0, 0, 6, 0, b'S', b'h', b'e', b'e', b't', b'X']);
            rec(&mut s, BOUNDSHEET, &d);
        }
        rec(&mut s, EOF, &[]);
        assert_eq!(s.len(), first_sheet);
        rec(&mut s, BOF, &[0x00, 0x06, 0x10, 0x00, 0, 0, 0, 0]);
        for _ in 0..100 {
            rec(&mut s, 0x0203, &[0; 14]);
        }
        rec(&mut s, EOF, &[]);
        assert!(corrupt_xls_detail(&cfb(&[("Workbook", &s)])).contains("overlap"));
    }

    #[test]
    fn xls_sheets_that_would_allocate_densely() {
        // Two cells in opposite corners of the BIFF8 grid: 16.7 M dense cells, over 300 MiB.
        let corners = Book {
            sheets: vec![vec![(0, 0, 1.0), (65_535, 255, 2.0)]],
            ..Book::default()
        };
        match check(&xls_of(&corners)) {
            Err(SniffError::SheetTooLarge {
                sheet: 0,
                rows: 65_536,
                cols: 256,
                limit,
                ..
            }) => {
                assert_eq!(limit, 300 * MIB)
            }
            other => panic!("{other:?}"),
        }
        // A column past the BIFF8 grid: 4 G dense cells, which would abort the process.
        let wide = Book {
            sheets: vec![vec![(0, 0, 1.0), (65_535, 65_535, 2.0)]],
            ..Book::default()
        };
        assert!(matches!(
            check(&xls_of(&wide)),
            Err(SniffError::SheetTooLarge { .. })
        ));
        // Several modest sheets add up.
        let tall = vec![(0, 0, 1.0), (60_000, 49, 2.0)];
        let book = Book {
            sheets: vec![tall.clone(), tall.clone(), tall],
            ..Book::default()
        };
        assert!(matches!(
            check(&xls_of(&book)),
            Err(SniffError::SheetTooLarge { sheet: 2, .. })
        ));
    }

    #[test]
    fn messages_name_the_thing() {
        let e = SniffError::ZipBomb {
            entry: "xl/worksheets/sheet1.xml".into(),
            declared: 5,
            compressed: 1,
            limit: 2,
        };
        assert!(e.to_string().contains("xl/worksheets/sheet1.xml"));
        assert_eq!(SniffError::Empty.to_string(), "file is empty");
        let e = SniffError::SheetTooLarge {
            sheet: 0,
            rows: 2,
            cols: 3,
            bytes: 9,
            limit: 1,
        };
        assert!(
            e.to_string()
                .starts_with("sheet 1 spans 2 rows x 3 columns")
        );
        assert_eq!(Format::Xls.to_string(), "xls");
    }

    // --- robustness ---------------------------------------------------------------------

    struct XorShift(u64);

    impl XorShift {
        fn next(&mut self) -> u64 {
            self.0 ^= self.0 << 13;
            self.0 ^= self.0 >> 7;
            self.0 ^= self.0 << 17;
            self.0
        }

        fn below(&mut self, n: usize) -> usize {
            (self.next() % n as u64) as usize
        }
    }

    /// Every prefix and thousands of corrupted copies of real files, and random bytes behind
    /// each magic number: sniff must answer, never panic. Limits are kept tiny-but-sane so
    /// corrupted size fields reach the deeper checks.
    #[test]
    fn never_panics_on_truncated_mutated_or_random_input() {
        let limits = Limits::default();
        let samples = [
            xlsx(),
            ods(),
            xls(),
            xls_of(&Book {
                biff5: true,
                pad: 5000,
                ..Book::default()
            }),
        ];
        for s in &samples {
            for cut in 0..s.len() {
                let _ = sniff(&s[..cut], &limits);
            }
        }
        let mut rng = XorShift(0x9E37_79B9_7F4A_7C15);
        for s in &samples {
            for _ in 0..3000 {
                let mut m = s.clone();
                for _ in 0..1 + rng.below(8) {
                    let at = rng.below(m.len());
                    m[at] = match rng.below(4) {
                        0 => 0,
                        1 => 0xFF,
                        _ => rng.next() as u8,
                    };
                }
                let _ = sniff(&m, &limits);
            }
        }
        let magics: [&[u8]; 5] = [b"", ZIP_LOCAL, ZIP_EMPTY, CFB_MAGIC, b"\x09\x08\x10\x00"];
        for _ in 0..3000 {
            let mut m = magics[rng.below(magics.len())].to_vec();
            let n = rng.below(4096);
            m.extend((0..n).map(|_| rng.next() as u8));
            let _ = sniff(&m, &limits);
        }
    }
}
