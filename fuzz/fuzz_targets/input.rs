//! How an input of `read_differential` becomes a workbook, and what the two readers must
//! agree on: shared by the fuzz target and by `tests/differential.rs`, which compares the
//! readers the same way on its own corpus and replays every input kept in
//! `fuzz/regressions/read_differential`.
//!
//! Raw zip bytes are a poor thing to mutate: almost every change breaks the deflate
//! stream or a checksum, and the XML the readers differ on is never reached. So the
//! input's first byte picks a part of a real submission (one of the shipped samples) and
//! the rest of the input replaces that part, in a package written without compression;
//! a first byte past the parts' count gives the rest as a whole file instead.

use std::io::{Cursor, Read, Write};
use std::panic::{AssertUnwindSafe, catch_unwind};
use tonghop::read::sniff::Limits;
use tonghop::read::{Want, read_cells};
use zip::write::SimpleFileOptions;
use zip::{CompressionMethod, ZipArchive, ZipWriter};

/// The window over every sheet (300 rows × 40 columns): cells no form looks at are
/// compared too.
pub const WIDE: Want<'static> = Want::Every {
    last_row: 299,
    cols: 40,
};

/// The submission every input is made from: a sample of the default form.
const BASE: &[u8] = include_bytes!("../../samples/DIENBIENPHU.xlsx");

/// The base package, taken apart once.
pub struct Base {
    /// The base package's entries, in their order.
    entries: Vec<(String, Vec<u8>)>,
    /// The entries an input may replace (indices into `entries`, sorted by name): the
    /// XML parts the readers parse.
    mutable: Vec<usize>,
}

impl Base {
    pub fn new() -> Self {
        let mut z = ZipArchive::new(Cursor::new(BASE)).expect("the sample is a zip");
        let mut entries = Vec::new();
        for i in 0..z.len() {
            let mut f = z.by_index(i).expect("the sample's entry");
            let name = f.name().expect("a UTF-8 name").into_owned();
            let mut data = Vec::new();
            f.read_to_end(&mut data)
                .expect("the sample's entry inflates");
            entries.push((name, data));
        }
        let mut mutable: Vec<usize> = (0..entries.len())
            .filter(|&i| is_parsed(&entries[i].0))
            .collect();
        mutable.sort_by(|&a, &b| entries[a].0.cmp(&entries[b].0));
        Base { entries, mutable }
    }

    /// The workbook `data` stands for; `None` for an empty input.
    pub fn workbook(&self, data: &[u8]) -> Option<Vec<u8>> {
        let (&pick, rest) = data.split_first()?;
        Some(match self.mutable.get(usize::from(pick)) {
            Some(&at) => self.package(at, rest),
            None => rest.to_vec(),
        })
    }

    /// The base package with entry `at` replaced by `data`, stored uncompressed.
    fn package(&self, at: usize, data: &[u8]) -> Vec<u8> {
        let mut z = ZipWriter::new(Cursor::new(Vec::new()));
        let opts = SimpleFileOptions::default().compression_method(CompressionMethod::Stored);
        for (i, (name, original)) in self.entries.iter().enumerate() {
            z.start_file(name.as_str(), opts).expect("a zip entry");
            z.write_all(if i == at { data } else { original })
                .expect("writing to memory");
        }
        z.finish().expect("the zip's directory").into_inner()
    }
}

/// The parts either reader parses (the seed script in `fuzz/README.md` picks the same).
fn is_parsed(name: &str) -> bool {
    name == "[Content_Types].xml"
        || name.starts_with("xl/worksheets/sheet")
        || matches!(
            name,
            "xl/workbook.xml"
                | "xl/_rels/workbook.xml.rels"
                | "xl/sharedStrings.xml"
                | "xl/styles.xml"
        )
}

/// Wherever calamine reads a sheet of `bytes`, the reader must read it alike (the same
/// cells, truncation, sums and visibility), and it must never panic: what the fuzz target
/// `read_differential` requires. `what` names the input in a failure. Returns how many
/// sheets were compared.
pub fn alike_where_calamine_reads(
    bytes: &[u8],
    want: Want<'_>,
    what: impl Fn() -> String,
) -> usize {
    let limits = Limits::default();
    let oracle = catch_unwind(AssertUnwindSafe(|| read_cells(bytes, want, &limits, true)));
    let own = catch_unwind(AssertUnwindSafe(|| read_cells(bytes, want, &limits, false)))
        .unwrap_or_else(|_| panic!("the reader panicked on {}", what()));
    let Ok(Ok(oracle)) = oracle else { return 0 };
    let own =
        own.unwrap_or_else(|e| panic!("{}: calamine read it, the reader refused: {e}", what()));
    assert_eq!(own.format, oracle.format, "{}", what());
    assert_eq!(own.sheet_names, oracle.sheet_names, "{}", what());
    assert_eq!(own.sheets.len(), oracle.sheets.len(), "{}", what());
    let mut compared = 0;
    for (i, (a, b)) in own.sheets.iter().zip(&oracle.sheets).enumerate() {
        let Ok(b) = b else { continue };
        let a = a
            .as_ref()
            .unwrap_or_else(|e| panic!("{} sheet {i}: calamine read it, the reader: {e}", what()));
        compared += 1;
        assert_eq!(
            (&a.cells, a.truncated, &a.sums, a.hidden),
            (&b.cells, b.truncated, &b.sums, b.hidden),
            "{} sheet {i}",
            what()
        );
    }
    compared
}
