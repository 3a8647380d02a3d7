//! OLE compound files (CFB): `.xls`, password-protected OOXML, and whatever else Office
//! 97-2003 wrote.
//!
//! This is not a CFB reader but a replay of calamine's (`cfb.rs` in 0.38.0), so that every
//! sector calamine will touch is proven to exist and every chain it will follow to end.
//! calamine reads the directory chain with no length bound, follows every chain without loop
//! detection (a cycle is an endless loop that allocates until the process dies), indexes its
//! FAT without a bounds check (a panic), and builds its FAT from every sector the DIFAT lists,
//! repeats included (a table many times the file). None of that can be caught by the caller.
//! A general CFB library, such as the `cfb` crate the tests write compound files with, checks
//! other things (the directory tree, sector kinds) and reads streams its own way, so it would
//! pass files calamine loops on and refuse files calamine reads: hence the hand-written walk,
//! matching calamine's lookups too (names compared ignoring ASCII case over every entry,
//! whatever its type; the 4096-byte mini stream cutoff whatever the header says).

use super::biff::check_biff;
use super::{
    Format, Limits, SniffError, Sniffed, corrupt_xls, not_sheet, u16_at, u32_at, u64_at,
    unsupported,
};

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
            return Err(SniffError::Truncated {
                detail: format!("OLE header cut short at {} bytes", data.len()),
            });
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
            Err(SniffError::Truncated {
                detail: format!("{what} sector {id} lies past the end of the file"),
            })
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
    /// A chain that points past the last sector of the file is a file cut short (an
    /// attachment or download that stopped): named so, to be sent again.
    fn read_chain(&self, start: u32, want: u64, what: &str) -> Result<Vec<u8>, SniffError> {
        let ids = walk_chain(
            start,
            &self.fat,
            self.sectors,
            |i| self.sector(i).len(),
            want,
            what,
        )
        .map_err(|e| match e {
            SniffError::CorruptXls { detail }
                if detail.contains("past the end of the data") && self.lost_sectors() =>
            {
                SniffError::Truncated { detail }
            }
            e => e,
        })?;
        let mut out = Vec::new();
        for i in ids {
            out.extend_from_slice(self.sector(i));
        }
        Ok(out)
    }

    /// Whether the allocation table gives sectors the file no longer holds: it was longer
    /// when it was written, so a chain past its end is a cut, not a bad pointer.
    fn lost_sectors(&self) -> bool {
        self.fat
            .iter()
            .skip(self.sectors)
            .any(|&v| v <= MAXREGSECT || v == ENDOFCHAIN)
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

/// Walks a compound file as calamine will, then names what it holds: an `.xls` (whose
/// Workbook stream goes on to the BIFF checks), an encrypted OOXML package, or another
/// Office 97-2003 document.
pub(super) fn sniff_cfb(bytes: &[u8], limits: &Limits) -> Result<Sniffed, SniffError> {
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
    let biff = check_biff(&stream, limits)?;
    // calamine holds the Workbook stream it read out of the container, and the grids.
    Ok(Sniffed {
        format: Format::Xls,
        cost: (stream.len() as u64).saturating_add(biff.cost),
        force_codepage: biff.force_codepage,
    })
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

fn u16s(b: &[u8]) -> impl Iterator<Item = u16> + '_ {
    b.chunks_exact(2).map(|c| u16::from_le_bytes([c[0], c[1]]))
}

fn u32s(b: &[u8]) -> impl Iterator<Item = u32> + '_ {
    b.chunks_exact(4)
        .map(|c| u32::from_le_bytes([c[0], c[1], c[2], c[3]]))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::read::sniff::fixtures::*;
    use std::io::{Cursor, Write};

    #[test]
    fn other_compound_files_are_named() {
        let doc = compound(&[("WordDocument", &[0u8; 300]), ("1Table", &[0u8; 100])]);
        assert!(not_sheet_detail(&doc).contains("Word 97-2003"));
        let ole = compound(&[("Contents", &[0u8; 10])]);
        assert!(not_sheet_detail(&ole).contains("without a Workbook stream"));
    }

    #[test]
    fn encrypted_ooxml_is_encrypted() {
        // Password-protected xlsx/docx: an OLE file with the encrypted package inside.
        let ooxml = compound(&[
            ("\u{6}DataSpaces", &[0u8; 64]),
            ("EncryptionInfo", &[4, 0, 4, 0, 0x40, 0, 0, 0]),
            ("EncryptedPackage", &[0x5Au8; 5000]),
        ]);
        assert!(matches!(check(&ooxml), Err(SniffError::Encrypted)));
    }

    #[test]
    fn corrupt_ole_files() {
        let good = xls();
        // Truncated: the directory, or the stream, now points past the end of the file.
        // Named as cut short: sending it again fixes it, re-saving cannot.
        for cut in [good.len() / 2, good.len() - 512, 600, 300] {
            match check(&good[..cut]) {
                Err(SniffError::Truncated { .. }) => {}
                other => panic!("cut at {cut}: {other:?}"),
            }
        }

        let sector = |id: u32| 512 * (id as usize + 1);
        let first_fat = u32_at(&good, 76).unwrap();
        let fat = sector(first_fat);
        let dir_start = u32_at(&good, 48).unwrap();
        // The directory chain points back at itself: calamine would loop and allocate forever.
        let mut looped = good.clone();
        set32(&mut looped, fat + 4 * dir_start as usize, dir_start);
        assert!(corrupt_xls_detail(&looped).contains("loops"));
        // The same FAT sector listed twice: calamine would build a FAT many times the file.
        assert_eq!(u32_at(&good, 76 + 4), Some(0xFFFF_FFFF), "one FAT sector");
        let mut twice = good.clone();
        set32(&mut twice, 76 + 4, first_fat);
        assert!(corrupt_xls_detail(&twice).contains("listed twice"));
        // A chain that leaves the FAT: calamine indexes its FAT without a bounds check.
        let mut off_table = good.clone();
        set32(&mut off_table, fat + 4 * dir_start as usize, 5000);
        corrupt_xls_detail(&off_table);
        // The Workbook stream's chain loops through the mini FAT.
        let first = Ole::parse(&good).unwrap().find("Workbook").unwrap().start;
        let minifat = sector(u32_at(&good, 60).unwrap());
        let mut mini_loop = good.clone();
        set32(&mut mini_loop, minifat + 4 * first as usize, first);
        assert!(corrupt_xls_detail(&mini_loop).contains("loops"));
        // Bad sector shift.
        let mut shift = good.clone();
        shift[30] = 7;
        assert!(corrupt_xls_detail(&shift).contains("sector shift"));
    }

    /// calamine 0.38.0 finds a stream by its name ignoring ASCII case, and reads every
    /// stream under 4096 bytes from the mini stream whatever cutoff the header declares. The
    /// walker does the same; if calamine stopped doing either, the walker would be checking
    /// a stream calamine does not read.
    #[test]
    fn calamine_pin_finds_and_reads_streams_as_the_walker_does() {
        use calamine::Reader;
        let mut shouting = compound(&[("WORKBOOK", &biff(&Book::default()))]);
        // By the header's cutoff (0), every stream would live in regular sectors.
        set32(&mut shouting, 56, 0);
        assert_eq!(check(&shouting).unwrap(), Format::Xls);
        let mut wb: calamine::Xls<_> =
            calamine::open_workbook_from_rs(Cursor::new(&shouting)).unwrap();
        let r = wb.worksheet_range("Sheet1").unwrap();
        assert_eq!(r.get_value((1, 1)), Some(&calamine::Data::Float(7.5)));
    }

    /// A version-4 file (4096-byte sectors) whose streams are all big has no mini stream:
    /// legal, but calamine 0.38.0 refuses it on open, so the sniffer names it instead.
    #[test]
    fn calamine_pin_refuses_a_version_4_file_without_a_mini_stream() {
        let stream = biff(&Book {
            pad: 6000,
            ..Book::default()
        });
        let mut file =
            cfb::CompoundFile::create_with_version(cfb::Version::V4, Cursor::new(Vec::new()))
                .unwrap();
        file.create_stream("/Workbook")
            .unwrap()
            .write_all(&stream)
            .unwrap();
        file.flush().unwrap();
        let bytes = file.into_inner().into_inner();
        assert_eq!(Ole::parse(&bytes).unwrap().dirs[0].start, ENDOFCHAIN);
        assert!(unsupported_detail(&bytes).contains("version-4"));
        let err = <calamine::Xls<_> as calamine::Reader<_>>::new(Cursor::new(&bytes)).err();
        assert!(
            matches!(&err, Some(e) if e.to_string().contains("Empty Root")),
            "{err:?}"
        );
    }
}
