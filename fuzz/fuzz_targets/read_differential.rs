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

use input::{WIDE, alike_where_calamine_reads};
use libfuzzer_sys::fuzz_target;
use std::sync::OnceLock;
use tonghop::form::Form;
use tonghop::read::Want;

fn base() -> &'static (input::Base, Form) {
    static BASE: OnceLock<(input::Base, Form)> = OnceLock::new();
    BASE.get_or_init(|| {
        (
            input::Base::new(),
            Form::default_form().expect("the default form loads"),
        )
    })
}

fuzz_target!(|data: &[u8]| {
    let (base, form) = base();
    let Some(bytes) = base.workbook(data) else {
        return;
    };
    for want in [Want::Form(&form.layout), WIDE] {
        alike_where_calamine_reads(&bytes, want, || "the input".to_string());
    }
});
