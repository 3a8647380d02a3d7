//! tonghop's own xlsx reader against calamine, its oracle, on mutated inputs (issue 16):
//! the reader never panics, and wherever calamine reads a sheet the reader reads it
//! alike (the same cells, truncation, sums and visibility), through the default form's
//! window and through a wide one over every sheet.
//!
//! Raw zip bytes are a poor thing to mutate: almost every change breaks the deflate
//! stream or a checksum, and the XML the readers differ on is never reached. So the
//! input's first byte picks a part of a real submission (one of the shipped samples) and
//! the rest of the input replaces that part, in a package written without compression;
//! a first byte past the parts' count gives the rest as a whole file instead. The seed
//! corpus (see `fuzz/README.md`) is each part as it is, behind its byte.
//!
//! A panic in calamine is the oracle failing, not the reader: the oracle's reading runs
//! under `catch_unwind` and such an input is skipped. A panic in the reader is a crash.

#![no_main]

use libfuzzer_sys::fuzz_target;
use std::io::{Cursor, Read, Write};
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::OnceLock;
use tonghop::form::Form;
use tonghop::read::sniff::Limits;
use tonghop::read::{Want, read_cells};
use zip::write::SimpleFileOptions;
use zip::{CompressionMethod, ZipArchive, ZipWriter};

/// The submission every input is made from: a sample of the default form.
const BASE: &[u8] = include_bytes!("../../samples/DIENBIENPHU.xlsx");

/// The window over every sheet, as in `tests/differential.rs`.
const WIDE: Want<'static> = Want::Every {
    last_row: 299,
    cols: 40,
};

struct Base {
    form: Form,
    /// The base package's entries, in their order.
    entries: Vec<(String, Vec<u8>)>,
    /// The entries an input may replace (indices into `entries`, sorted by name): the
    /// XML parts the readers parse.
    mutable: Vec<usize>,
}

fn base() -> &'static Base {
    static BASE_PKG: OnceLock<Base> = OnceLock::new();
    BASE_PKG.get_or_init(|| {
        let mut z = ZipArchive::new(Cursor::new(BASE)).expect("the sample is a zip");
        let mut entries = Vec::new();
        for i in 0..z.len() {
            let mut f = z.by_index(i).expect("the sample's entry");
            let name = f.name().expect("a UTF-8 name").into_owned();
            let mut data = Vec::new();
            f.read_to_end(&mut data).expect("the sample's entry inflates");
            entries.push((name, data));
        }
        let mut mutable: Vec<usize> = (0..entries.len())
            .filter(|&i| is_parsed(&entries[i].0))
            .collect();
        mutable.sort_by(|&a, &b| entries[a].0.cmp(&entries[b].0));
        Base {
            form: Form::default_form().expect("the default form loads"),
            entries,
            mutable,
        }
    })
}

/// The parts either reader parses (the seed script in `fuzz/README.md` picks the same).
fn is_parsed(name: &str) -> bool {
    name == "[Content_Types].xml"
        || name.starts_with("xl/worksheets/sheet")
        || matches!(
            name,
            "xl/workbook.xml" | "xl/_rels/workbook.xml.rels" | "xl/sharedStrings.xml" | "xl/styles.xml"
        )
}

/// The base package with entry `at` replaced by `data`, stored uncompressed.
fn package(base: &Base, at: usize, data: &[u8]) -> Vec<u8> {
    let mut z = ZipWriter::new(Cursor::new(Vec::new()));
    let opts = SimpleFileOptions::default().compression_method(CompressionMethod::Stored);
    for (i, (name, original)) in base.entries.iter().enumerate() {
        z.start_file(name.as_str(), opts).expect("a zip entry");
        z.write_all(if i == at { data } else { original })
            .expect("writing to memory");
    }
    z.finish().expect("the zip's directory").into_inner()
}

fn compare(bytes: &[u8], want: Want<'_>) {
    let limits = Limits::default();
    let oracle = catch_unwind(AssertUnwindSafe(|| read_cells(bytes, want, &limits, true)));
    let own = read_cells(bytes, want, &limits, false);
    let Ok(Ok(oracle)) = oracle else { return };
    let own = own.unwrap_or_else(|e| panic!("calamine read it, the reader refused: {e}"));
    assert_eq!(own.format, oracle.format);
    assert_eq!(own.sheet_names, oracle.sheet_names);
    assert_eq!(own.sheets.len(), oracle.sheets.len());
    for (i, (a, b)) in own.sheets.iter().zip(&oracle.sheets).enumerate() {
        let Ok(b) = b else { continue };
        let a = a
            .as_ref()
            .unwrap_or_else(|e| panic!("sheet {i}: calamine read it, the reader: {e}"));
        assert_eq!(
            (&a.cells, a.truncated, &a.sums, a.hidden),
            (&b.cells, b.truncated, &b.sums, b.hidden),
            "sheet {i}"
        );
    }
}

fuzz_target!(|data: &[u8]| {
    let Some((&pick, rest)) = data.split_first() else {
        return;
    };
    let base = base();
    let bytes = match base.mutable.get(usize::from(pick)) {
        Some(&at) => package(base, at, rest),
        None => rest.to_vec(),
    };
    compare(&bytes, Want::Form(&base.form.layout));
    compare(&bytes, WIDE);
});
