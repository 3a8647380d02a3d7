//! What became of each file: the submission, its status, and files not read at all.
//! The data every stage after checking works on.

use crate::extract::Report;
use crate::finding::Finding;
use crate::lang::Msg;
use crate::read::sniff::Format;
use serde::Serialize;
use std::time::SystemTime;

/// What became of a submission.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    Accepted,
    Rejected,
    Unreadable,
    Duplicate,
    UnknownUnit,
}

#[derive(Debug, Clone)]
pub struct Submission {
    /// Path relative to the inbox, with '/' separators: stable across machines.
    pub file: String,
    pub sha256: String,
    pub size: u64,
    pub modified: Option<SystemTime>,
    pub format: Option<Format>,
    pub report: Option<Report>,
    pub unit: Option<usize>,
    pub findings: Vec<Finding>,
    pub status: Status,
    /// For a duplicate: the file kept instead.
    pub superseded_by: Option<String>,
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
