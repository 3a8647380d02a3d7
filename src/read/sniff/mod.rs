//! Decide what a submitted file really is, and refuse it early when reading it would hurt.
//!
//! calamine trusts its input: it picks a reader from the file extension, inflates zip entries
//! without a budget, follows OLE sector chains without looking for loops, and allocates a
//! dense grid for every `.xls` sheet when the workbook is opened. Clerks rename files, save
//! web pages as `.xls` and forward whatever a portal produced, so every check here looks at
//! the bytes only, runs before calamine sees them, and costs no inflation of worksheet data:
//! sizes come from the zip central directory, and the `.xls` checks walk records in place.
//! An ODS workbook's repeat attributes, which multiply cells that no declared size bounds,
//! are bounded by calamine as it expands them (see `crate::read`), not here.
//!
//! What is refused is what calamine would read wrongly, or could not survive: a loop, a
//! memory blow-up or an abort cannot be caught by the caller, while a plain parse error can.
//! calamine's `.xls` record parsers still index into records without checking every length,
//! so a crafted record can make them panic; the caller should keep calamine behind
//! `std::panic::catch_unwind`. Nothing here panics, whatever the input.
//!
//! This module holds what every caller sees (the [`Format`], the [`Limits`], the
//! [`SniffError`]) and the dispatch on the first bytes; one submodule per container:
//! `zip` (xlsx, ods and other zip packages), `ole` (compound files: `.xls` and the
//! encrypted OOXML wrapper), `biff` (the records inside an `.xls` Workbook stream) and
//! `other` (naming whatever else was sent). The walkers mirror calamine 0.38.0, the
//! version `Cargo.toml` pins, and are tested against it.

use std::fmt;

mod biff;
mod ole;
mod other;
mod repair;
// The streaming xlsx reader decodes UTF-16 parts as the repair does for calamine.
pub(crate) use repair::{to_utf8, utf16_order};
mod zip;

#[cfg(test)]
pub(in crate::read) mod fixtures;

/// The readers calamine offers for the files we accept.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Format {
    /// Office Open XML (`.xlsx`, `.xlsm`, templates): read cell by cell, so a far cell
    /// costs a scan, not a grid.
    Xlsx,
    /// BIFF5/8 in a compound file: calamine builds every sheet's grid when it opens the
    /// file, hence the record checks before it does.
    Xls,
    /// OpenDocument (`.ods`, `.ots`): calamine expands every sheet when it opens the file,
    /// within the budget tonghop gives it (see `crate::read`).
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
    /// Memory the whole run may spend reading files, shared by every job
    /// (`--max-memory-mib`): each file reserves what reading it will cost
    /// ([`Sniffed::cost`]) before calamine opens it, and waits while other files hold the
    /// budget. A file that alone costs more is refused, not the batch.
    pub max_memory_bytes: u64,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_file_bytes: 50 * MIB,
            max_entry_bytes: 100 * MIB,
            max_total_bytes: 300 * MIB,
            max_ratio: 200,
            max_memory_bytes: DEFAULT_MAX_MEMORY_MIB * MIB,
        }
    }
}

/// The default of `--max-memory-mib`: the run's stated peak, whatever the inbox holds.
pub const DEFAULT_MAX_MEMORY_MIB: u64 = 1024;

/// What [`inspect`] found: the format, and what opening the file will cost in memory.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Sniffed {
    /// The format read from the bytes, whatever the file's extension says.
    pub format: Format,
    /// Bytes calamine will hold while the file is open and its sheets read, beyond the
    /// file's own bytes: shared strings and styles of an xlsx (from counts of their
    /// elements), the grids of an `.xls` or `.ods`. An estimate on the high side.
    pub cost: u64,
    /// An `.xls` whose CODEPAGE record names a BIFF-only code page calamine does not know:
    /// the Windows code page it stands for, to open the workbook with.
    pub force_codepage: Option<u16>,
}

/// tonghop's xlsx reader inflates a part of at most this many bytes whole before parsing
/// it (its events then borrow from the bytes instead of being copied out of a stream);
/// a larger part is streamed. One part is held at a time, and the cost counts it.
pub const WHOLE_PART_MAX: u64 = 8 * MIB;

/// Entries at or below this declared size escape the ratio check.
pub const RATIO_FLOOR: u64 = MIB;

/// More entries than any real workbook has. Checked against the end-of-central-directory
/// record before the zip crate builds its index, whose memory grows with the entry count.
pub const MAX_ZIP_ENTRIES: u64 = 10_000;

/// Why a file is refused. Messages are short English naming the thing; the caller adds the
/// file name and the Vietnamese text.
#[derive(Debug, thiserror::Error)]
pub enum SniffError {
    /// Zero bytes: a failed upload or save.
    #[error("file is empty")]
    Empty,
    /// Over the file size limit, refused before any byte is parsed.
    #[error("file is {size} bytes, over the limit of {limit} bytes")]
    TooLarge {
        /// The file's size in bytes.
        size: u64,
        /// `max_file_bytes` of the limits.
        limit: u64,
    },
    /// `detail` names what the file looks like instead ("PDF document", "HTML page"...).
    #[error("not a spreadsheet ({detail})")]
    NotASpreadsheet {
        /// What the bytes look like instead.
        detail: String,
    },
    /// Password-protected OOXML, encrypted `.xls` (any FILEPASS), encrypted ODS or zip
    /// entries. None of these can be read without the password.
    #[error("file is password-protected (encrypted)")]
    Encrypted,
    /// An xlsx, xlsm or ods whose zip structure is broken (not merely cut short).
    #[error("damaged zip container: {detail}")]
    CorruptZip {
        /// What is broken, from the zip reader.
        detail: String,
    },
    /// One part of a zip package does not match its own checksum or declared size: the
    /// bytes changed after the file was saved (a faulty copy, a mail gateway, a disk).
    /// Re-saving cannot bring back what the part held (LibreOffice opens such a file with
    /// the part dropped, its figures lost); only the unit's own copy can.
    #[error("zip entry '{part}' is damaged: {detail}")]
    DamagedPart {
        /// The entry's name inside the zip.
        part: String,
        /// The zip reader's message.
        detail: String,
    },
    /// The file ends before its own structure says it does: an attachment cut off in
    /// transit or a download that stopped. Sending it again fixes it; re-saving cannot.
    #[error("file is cut short: {detail}")]
    Truncated {
        /// Which structure ends early.
        detail: String,
    },
    /// One part inflates more than `ratio` times its compressed size: what a zip bomb
    /// does, and no spreadsheet part over [`RATIO_FLOOR`] needs to.
    #[error(
        "zip entry '{entry}' declares {declared} bytes uncompressed from {compressed} bytes, \
         over the ratio of {ratio}: possible zip bomb"
    )]
    ZipRatio {
        /// The entry's name inside the zip.
        entry: String,
        /// Uncompressed size in bytes, as its header declares.
        declared: u64,
        /// Compressed size in bytes.
        compressed: u64,
        /// The largest ratio allowed, uncompressed over compressed.
        ratio: u64,
    },
    /// A broken OLE compound file or BIFF record structure (in practice, a damaged `.xls`).
    #[error("damaged .xls file: {detail}")]
    CorruptXls {
        /// The broken structure.
        detail: String,
    },
    /// `limit` is in bytes: `max_entry_bytes`, or `max_total_bytes` (then `entry` is
    /// `"(all entries)"`); both are raised with `--max-unzipped-mib`. A ratio refusal is
    /// [`SniffError::ZipRatio`].
    #[error(
        "zip entry '{entry}' declares {declared} bytes uncompressed from {compressed} bytes \
         (limit {limit} bytes): possible zip bomb"
    )]
    ZipBomb {
        /// The entry's name, or `"(all entries)"` for the total.
        entry: String,
        /// Uncompressed bytes declared (for the total, the sum).
        declared: u64,
        /// Compressed bytes.
        compressed: u64,
        /// The limit in bytes it exceeds.
        limit: u64,
    },
    /// More entries than [`MAX_ZIP_ENTRIES`], read from the end-of-central-directory record.
    #[error("zip archive has {count} entries, over the limit of {limit}")]
    TooManyEntries {
        /// Entries the archive declares.
        count: u64,
        /// [`MAX_ZIP_ENTRIES`].
        limit: u64,
    },
    /// An `.xls` whose cells span grids calamine would allocate densely (it builds one per
    /// sheet when the file is opened), or an `.ods` whose repeats calamine would expand
    /// into more cells than the budget (refused by calamine's meter as it reads, see
    /// `crate::read`). `sheet` is 0-based; `bytes` estimates the peak for this and earlier
    /// sheets.
    #[error(
        "sheet {} spans {rows} rows x {cols} columns; opening the file would take about \
         {bytes} bytes (limit {limit})",
        .sheet + 1
    )]
    SheetTooLarge {
        /// The sheet, 0-based in the workbook's order.
        sheet: usize,
        /// Its name, where the reader that refused it knew it (`.ods`).
        name: Option<String>,
        /// Rows the sheet's cells span.
        rows: u64,
        /// Columns the sheet's cells span.
        cols: u64,
        /// Estimated peak in bytes for this and earlier sheets.
        bytes: u64,
        /// The memory budget in bytes for opening the file.
        limit: u64,
    },
    /// An ODS sheet whose text, repeated as its cells and rows repeat (or spaces written
    /// as a count), would take more than the budget once calamine expands it.
    #[error(
        "sheet {} holds text that would take more than {limit} bytes to open",
        .sheet + 1
    )]
    TextTooLarge {
        /// The sheet, 0-based in the workbook's order.
        sheet: usize,
        /// Its name, where the reader that refused it knew it (`.ods`).
        name: Option<String>,
        /// The memory budget in bytes for opening the file.
        limit: u64,
    },
    /// A spreadsheet calamine cannot read (Excel 2.x-4.x, a bare BIFF stream); re-saving it
    /// as `.xlsx` fixes it.
    #[error("unsupported format: {detail}")]
    UnsupportedFormat {
        /// What the file is, with that advice.
        detail: String,
    },
    /// A plain zip archive (an attachment packed by a mail client or portal), not a
    /// workbook package; `inside` names up to five workbooks it holds.
    #[error("zip archive, not a workbook (holding {})", if .inside.is_empty() { "no workbook".to_string() } else { .inside.join(", ") })]
    ZipAttachment {
        /// Names of up to five workbooks inside, in archive order.
        inside: Vec<String>,
    },
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
    inspect(bytes, limits).map(|s| s.format)
}

/// [`sniff`], and what reading the file will cost in memory.
pub fn inspect(bytes: &[u8], limits: &Limits) -> Result<Sniffed, SniffError> {
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
        return zip::sniff_zip(bytes, limits);
    }
    if bytes.starts_with(CFB_MAGIC) {
        return ole::sniff_cfb(bytes, limits);
    }
    Err(other::classify_other(bytes))
}

/// For calamine, an xlsx package rewritten where it would refuse a valid workbook (an
/// Excel 4 macro sheet, a sheet state such as `show`, parts in UTF-16; see `repair`):
/// `Some(bytes)` to read instead of the file's own, `None` to read those. tonghop's own
/// xlsx reader needs none of it; calamine reads xlsx only as its oracle.
pub fn repair_for_calamine(
    bytes: &[u8],
    sniffed: &Sniffed,
    limits: &Limits,
) -> Result<Option<Vec<u8>>, SniffError> {
    match sniffed.format {
        Format::Xlsx => repair::repair_xlsx(bytes, limits),
        Format::Xls | Format::Ods => Ok(None),
    }
}

/// After calamine failed to open a zip package: the first part whose bytes do not match
/// its checksum or declared size, if that is why. Only taken on that failure path, so a
/// good file never pays for inflating every part; the sizes were bounded by [`inspect`].
pub fn damaged_part(bytes: &[u8]) -> Option<SniffError> {
    zip::damaged_part(bytes)
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

#[cfg(test)]
mod tests {
    use super::fixtures::*;
    use super::*;

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
            name: None,
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
