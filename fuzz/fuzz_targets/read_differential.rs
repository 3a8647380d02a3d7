//! tonghop's own xlsx reader against calamine, its oracle, on mutated inputs (issue 16):
//! the reader never panics, and wherever calamine reads a sheet the reader reads it
//! alike (the same cells, truncation, sums and visibility), through the default form's
//! window and through a wide one over every sheet.
//!
//! An input is a workbook as `input.rs` builds it: its first byte picks an XML part of a
//! sample, the rest replaces that part. The seed corpus (see `fuzz/README.md`) is each
//! part as it is, behind its byte.
//!
//! A panic in calamine is the oracle failing, not the reader: the oracle's reading runs
//! under `catch_unwind` and such an input is skipped. A panic in the reader is a crash.

#![no_main]

mod input;

use libfuzzer_sys::fuzz_target;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::OnceLock;
use tonghop::form::Form;
use tonghop::read::sniff::Limits;
use tonghop::read::{Want, read_cells};

/// The window over every sheet, as in `tests/differential.rs`.
const WIDE: Want<'static> = Want::Every {
    last_row: 299,
    cols: 40,
};

fn base() -> &'static (input::Base, Form) {
    static BASE: OnceLock<(input::Base, Form)> = OnceLock::new();
    BASE.get_or_init(|| {
        (
            input::Base::new(),
            Form::default_form().expect("the default form loads"),
        )
    })
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
    let (base, form) = base();
    let Some(bytes) = base.workbook(data) else {
        return;
    };
    compare(&bytes, Want::Form(&form.layout));
    compare(&bytes, WIDE);
});
