//! tonghop: check and consolidate the party-member development reports that subordinate
//! party committees submit as spreadsheets.
//!
//! The pipeline reads one way: [`spec`] (the form) → [`read`] (bytes to raw cells) →
//! [`extract`] (cells to typed figures) → [`rules`] (figures to findings) →
//! [`consolidate`] (accepted reports to provincial totals) → [`write`] (workbooks and
//! report.json). [`pipeline`] runs the per-file stages in parallel; [`cmd`] holds the
//! subcommands.

pub mod bench;
pub mod cmd;
pub mod consolidate;
pub mod extract;
pub mod finding;
pub mod pipeline;
pub mod read;
pub mod rules;
pub mod samples;
pub mod spec;
pub mod text;
pub mod write;
