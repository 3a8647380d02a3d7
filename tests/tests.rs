//! The integration tests, in one test binary (as xsv's `tests/tests.rs`): a change to the
//! library relinks one binary, not one per file, and the helpers of [`common`] are
//! compiled once. Each test drives the real `tonghop` binary in a temporary folder
//! ([`common::Workdir`]) and reads its outputs back without tonghop's reader.
//!
//! `cargo test --release --test tests hostile::files` runs one theme.

mod common;

mod archive;
mod bench;
mod chasing;
mod cli;
mod clicked;
mod commands;
mod decisions;
mod detail;
mod differential;
mod history;
mod hostile;
mod libreoffice;
mod official;
mod pipeline;
mod returned;
mod targets;
mod timecols;
mod upward;
