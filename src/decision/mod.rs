//! The clerk's decisions on record: `quyet-dinh.toml` in the inbox, beside the files it
//! is about, so a folder copied to another computer keeps them. `tonghop decide` writes
//! it; a clerk never needs to edit it by hand, though it is plain TOML.
//!
//! A decision is about one file of one unit, named by its SHA-256 (or the first 12 or
//! more hex digits): accept it despite its warnings, or despite errors of codes named
//! one by one (only rules that compare figures with each other or with the past, never
//! a figure that could not be read); or keep it instead of the unit's newest file. A
//! decision never changes a figure: it only says which file stands for the unit and
//! whether it is sent back. It holds only while its file is the one named: once the
//! file changes, its hash no longer matches and the decision is shown as expired.

mod apply;
mod file;

pub use apply::{Applied, Outcome, State, apply};
pub use file::{Book, FILE_NAME, clean_hash, load, read_entries, write_entries};

use crate::lang::Msg;

/// What a decision does.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Kind {
    /// Accept the file: its warnings do not send it back, and its errors of these codes
    /// do not either (each named by the clerk; empty for warnings only).
    Accept {
        /// Error codes overridden.
        codes: Vec<String>,
    },
    /// Keep this file for the unit instead of the one consolidation would choose.
    Keep {
        /// The file it was chosen over when decided (hash or prefix): when the unit's
        /// newest file is another one, a newer file came since and the decision lapses.
        instead_of: Option<String>,
    },
}

/// One decision of the file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decision {
    /// Its number in the file, from 1.
    pub n: usize,
    /// The unit's code.
    pub unit: String,
    /// The file's SHA-256 or a prefix of it (lower-case hex, at least 12 digits).
    pub sha256: String,
    /// What it does.
    pub kind: Kind,
    /// Who decided.
    pub by: String,
    /// When, as written (RFC 3339 or a date).
    pub at: String,
    /// Why.
    pub note: String,
    /// The file's name when decided, for the reader.
    pub file: Option<String>,
}

impl Decision {
    /// Whether `sha` (a full hash) is the file this decision names.
    pub fn names(&self, sha: &str) -> bool {
        !sha.is_empty() && sha.starts_with(&self.sha256)
    }

    /// When, as a clerk reads it (`15/07/2026 09:30`).
    pub fn when(&self) -> String {
        shown_time(&self.at)
    }

    /// What it does, in words.
    pub fn what(&self) -> Msg {
        match &self.kind {
            Kind::Accept { codes } if codes.is_empty() => {
                Msg::new("nhận dù có cảnh báo", "accept despite warnings")
            }
            Kind::Accept { codes } => Msg::new(
                format!("NHẬN DÙ CÓ LỖI {}", codes.join(", ")),
                format!("ACCEPT DESPITE ERRORS {}", codes.join(", ")),
            ),
            Kind::Keep { .. } => Msg::new(
                "giữ tệp này thay cho tệp mới nhất",
                "keep this file instead of the newest",
            ),
        }
    }

    /// The kind as report.json and the file write it.
    pub fn kind_name(&self) -> &'static str {
        match self.kind {
            Kind::Accept { .. } => "accept",
            Kind::Keep { .. } => "keep",
        }
    }

    /// One sentence: what, who, when, why (the archive keeps it with the version).
    pub fn sentence(&self) -> Msg {
        let what = self.what();
        Msg::new(
            format!(
                "Quyết định số {} ({}) của {} lúc {}: {}",
                self.n,
                what.vi,
                self.by,
                self.when(),
                self.note
            ),
            format!(
                "Decision {} ({}) by {} at {}: {}",
                self.n,
                what.en,
                self.by,
                self.when(),
                self.note
            ),
        )
    }
}

/// A time as written in the file, shown as a clerk writes it; left as it is when it
/// is not one.
pub fn shown_time(at: &str) -> String {
    if let Ok(t) = chrono::DateTime::parse_from_rfc3339(at) {
        return t.format("%d/%m/%Y %H:%M").to_string();
    }
    match chrono::NaiveDate::parse_from_str(at, "%Y-%m-%d") {
        Ok(d) => crate::text::date::format_date(d),
        Err(_) => at.to_string(),
    }
}

/// The rule kinds whose errors a clerk may accept by naming their code: checks of
/// figures against each other or against the past, where the unit's figures are read
/// and only disagree. Never a figure that could not be read, a blank required cell, a
/// count that is not whole, an unknown unit or another period.
pub const OVERRIDABLE_KINDS: &[&str] = &[
    "sum", "part", "balance", "percent", "equal", "carry", "previous", "change", "outlier",
];

/// Whether errors of `code` may be accepted on `form`: every rule of that code is of an
/// overridable kind (a built-in code never is).
pub fn overridable(form: &crate::form::Form, code: &str) -> bool {
    let mut of_code = form
        .rules
        .iter()
        .filter(|r| r.meta.code.as_str() == code)
        .peekable();
    of_code.peek().is_some() && of_code.all(|r| OVERRIDABLE_KINDS.contains(&r.kind.name()))
}
