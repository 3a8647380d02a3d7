//! What became of each file: the submission, its status, and files not read at all.
//! The data every stage after checking works on.

use crate::extract::Report;
use crate::finding::Finding;
use crate::lang::Msg;
use crate::read::sniff::Format;
use chrono::NaiveDate;
use serde::Serialize;
use std::time::SystemTime;

/// What became of a submission.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// No error: summed (warnings allowed).
    Accepted,
    /// At least one error: returned to the unit and not summed (unless
    /// `--include-invalid`).
    Rejected,
    /// Not a workbook that can be read (empty, damaged, encrypted, too large...).
    Unreadable,
    /// Another file of the same unit was kept instead ([`Submission::superseded_by`]).
    Duplicate,
    /// Read, but neither its code nor its name is a unit expected for the period.
    UnknownUnit,
}

/// One file of the inbox as it went through the pipeline: what it is, what was read
/// from it, what was found and what became of it.
#[derive(Debug, Clone)]
pub struct Submission {
    /// Path relative to the inbox, with '/' separators: stable across machines.
    pub file: String,
    /// SHA-256 of the file's bytes, hex; empty when the file was refused by its size
    /// before it was read.
    pub sha256: String,
    /// Size in bytes.
    pub size: u64,
    /// File time: which of two files of a unit with the same date of report is later.
    pub modified: Option<SystemTime>,
    /// The format its bytes are (not its name), when it could be told.
    pub format: Option<Format>,
    /// The figures read, when the file could be read at all.
    pub report: Option<Report>,
    /// The unit it is from (index into the form's units), when identified.
    pub unit: Option<usize>,
    /// Everything found, in the order found.
    pub findings: Vec<Finding>,
    /// What became of it.
    pub status: Status,
    /// For a duplicate: the file kept instead.
    pub superseded_by: Option<String>,
    /// Read, but its figures were let go because the run's kept share of
    /// `--max-memory-mib` was full ([`crate::keep`]): the province's limit, not the
    /// unit's fault, so the unit is neither chased nor counted as missing.
    pub held_back: bool,
    /// The date of report its identity cell gives, kept apart from the figures: a
    /// file held back for memory still outranks an older file of its unit, which must
    /// not be consolidated in its place.
    pub report_date: Option<NaiveDate>,
}

impl Submission {
    /// Findings that return the submission.
    pub fn errors(&self) -> usize {
        self.findings.iter().filter(|f| f.is_error()).count()
    }

    /// The name the form's sheet `i` has in this submission's file, or the form's own
    /// when the file has none.
    pub fn sheet_name<'a>(&'a self, form_names: &'a [String], i: usize) -> &'a str {
        self.report
            .as_ref()
            .and_then(|r| r.sheet_names.get(i))
            .or_else(|| form_names.get(i))
            .map_or("", String::as_str)
    }
    /// Findings that do not.
    pub fn warnings(&self) -> usize {
        self.findings.len() - self.errors()
    }
}

/// A file in the inbox that was not read, and why.
#[derive(Debug, Clone, Serialize)]
pub struct Skipped {
    /// Path relative to the inbox.
    pub file: String,
    /// Why it was not read.
    pub reason: Msg,
}
