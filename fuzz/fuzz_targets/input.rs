//! How an input of `read_differential` becomes a workbook, shared by the fuzz target and
//! by `tests/differential.rs`, which replays every input kept in
//! `fuzz/regressions/read_differential` in the test suite.
//!
//! Raw zip bytes are a poor thing to mutate: almost every change breaks the deflate
//! stream or a checksum, and the XML the readers differ on is never reached. So the
//! input's first byte picks a part of a real submission (one of the shipped samples) and
//! the rest of the input replaces that part, in a package written without compression;
//! a first byte past the parts' count gives the rest as a whole file instead.

use std::io::{Cursor, Read, Write};
use zip::write::SimpleFileOptions;
use zip::{CompressionMethod, ZipArchive, ZipWriter};

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
