//! Findings: rule violations and reading problems, as data.
//!
//! A finding is never an error of the program: it is what the program found in a
//! submission. It has a typed [`Code`], a [`Severity`], a typed [`Location`] in the
//! form's terms (sheet index, cell position), a message in both languages, and typed
//! found and expected values ([`Shown`]). Nothing is turned into text until an output
//! writes it, in that output's language and notation.

mod code;
mod shown;

pub use code::{Builtin, Code, RuleCode, RuleCodeError};
pub use shown::{Notation, Shown};

use crate::cellref::Pos;
use crate::lang::Msg;
use serde::Serialize;
use std::collections::{BTreeMap, HashMap};

/// How serious a finding is: an error returns the submission, a warning does not.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// Summed, but the unit should fix it.
    Warning,
    /// The submission is returned and not summed.
    Error,
}

impl Severity {
    /// The word for it in `lang` (`Lỗi`, `Cảnh báo`).
    pub fn word(self, lang: crate::lang::Lang) -> &'static str {
        match self {
            Severity::Error => lang.pick("Lỗi", "error"),
            Severity::Warning => lang.pick("Cảnh báo", "warning"),
        }
    }

    /// As report.json and the form specification write it.
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
        }
    }
}

/// Where a finding is, in the form's terms: which of the form's sheets (its index in
/// the specification) and which cell. Both are absent for a fault of the whole file;
/// the cell alone is absent for a fault of a whole sheet.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, PartialOrd, Ord, Hash)]
pub struct Location {
    /// The form's sheet index.
    pub sheet: Option<usize>,
    /// The cell on that sheet.
    pub cell: Option<Pos>,
}

/// One thing found in a submission.
#[derive(Debug, Clone, PartialEq)]
pub struct Finding {
    /// What kind of fault: stable, safe to filter on.
    pub code: Code,
    /// Whether it returns the submission.
    pub severity: Severity,
    /// Where it is in the unit's file.
    pub at: Location,
    /// What is wrong and what to do, in both languages.
    pub message: Msg,
    /// The value found, when there is one to show.
    pub found: Option<Shown>,
    /// The value expected, or the bound it must respect.
    pub expected: Option<Shown>,
}

impl Finding {
    /// A finding of the whole file; place it with [`Finding::at`]. Control and invisible
    /// characters in the message (quoted from a cell, a sheet or a file name) are
    /// written out ([`crate::text::visible`]): every message reaches a terminal, a
    /// returned workbook or report.json, and none may forge a line or hide a character.
    pub fn new(code: impl Into<Code>, severity: Severity, message: Msg) -> Self {
        Self {
            code: code.into(),
            severity,
            at: Location::default(),
            message: visible_msg(message),
            found: None,
            expected: None,
        }
    }

    /// An error with a built-in code.
    pub fn error(code: Builtin, message: Msg) -> Self {
        Self::new(code, Severity::Error, message)
    }

    /// A warning with a built-in code.
    pub fn warning(code: Builtin, message: Msg) -> Self {
        Self::new(code, Severity::Warning, message)
    }

    /// On the form's sheet `sheet`, at `cell` when the fault is in one cell.
    pub fn at(mut self, sheet: usize, cell: Option<Pos>) -> Self {
        self.at = Location {
            sheet: Some(sheet),
            cell,
        };
        self
    }

    /// With the value found.
    pub fn found(mut self, v: impl Into<Shown>) -> Self {
        self.found = Some(v.into());
        self
    }

    /// With the value expected.
    pub fn expected(mut self, v: impl Into<Shown>) -> Self {
        self.expected = Some(v.into());
        self
    }

    /// Whether it returns the submission.
    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }
}

/// `m` with [`crate::text::visible`] applied to each language; nearly always unchanged.
fn visible_msg(m: Msg) -> Msg {
    use crate::text::visible;
    let vi = match visible(&m.vi) {
        std::borrow::Cow::Borrowed(_) => m.vi,
        std::borrow::Cow::Owned(v) => v,
    };
    let en = match visible(&m.en) {
        std::borrow::Cow::Borrowed(_) => m.en,
        std::borrow::Cow::Owned(e) => e,
    };
    Msg { vi, en }
}

/// Findings of one rule on one sheet beyond which only a count is kept. A sheet filled
/// down with junk must give the unit a readable list, not a million lines, and must not
/// cost memory or time in proportion to its rows.
pub const CAP_PER_RULE: usize = 200;

/// A list of findings that keeps at most [`CAP_PER_RULE`] per code and sheet, then
/// counts the rest and says so in one closing finding.
#[derive(Debug, Default)]
pub struct Capped {
    list: Vec<Finding>,
    seen: HashMap<(Code, Option<usize>), usize>,
    over: BTreeMap<(Code, Option<usize>), (Severity, usize)>,
}

impl Capped {
    /// Keep `f`, or count it when its code and sheet already have [`CAP_PER_RULE`].
    pub fn push(&mut self, f: Finding) {
        let n = self.seen.entry((f.code.clone(), f.at.sheet)).or_insert(0);
        *n += 1;
        if *n <= CAP_PER_RULE {
            self.list.push(f);
        } else {
            let e = self
                .over
                .entry((f.code, f.at.sheet))
                .or_insert((f.severity, 0));
            e.0 = e.0.max(f.severity);
            e.1 += 1;
        }
    }

    /// [`Capped::push`] each of `fs`.
    pub fn extend(&mut self, fs: impl IntoIterator<Item = Finding>) {
        for f in fs {
            self.push(f);
        }
    }

    /// The findings kept, then one per code and sheet that went over the cap.
    /// `sheet_names` names the form's sheets as the unit's file has them.
    pub fn finish(mut self, sheet_names: &[String]) -> Vec<Finding> {
        for ((code, sheet), (severity, n)) in self.over {
            let at = sheet
                .and_then(|s| sheet_names.get(s))
                .map_or("", String::as_str);
            let message = Msg::new(
                format!(
                    "Còn {n} lỗi {code} khác trên sheet \"{at}\" không liệt kê ra đây (chỉ liệt kê {CAP_PER_RULE} lỗi đầu). Hãy kiểm tra lại cả sheet."
                ),
                format!(
                    "{n} more {code} findings on sheet \"{at}\" are not listed (only the first {CAP_PER_RULE} are). Check the whole sheet."
                ),
            );
            let mut f = Finding::new(code, severity, message).found(Shown::More(n));
            f.at.sheet = sheet;
            self.list.push(f);
        }
        self.list
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn control_and_invisible_characters_in_a_message_are_written_out() {
        let f = Finding::error(
            Builtin::Type,
            Msg::new("Mã \"DBP\u{200b}\"\n[KDN] đã nhận", "code \"\x1b[2J\""),
        );
        assert_eq!(f.message.vi, "Mã \"DBP\\u{200b}\"\\n[KDN] đã nhận");
        assert_eq!(f.message.en, "code \"\\u{1b}[2J\"");
    }

    #[test]
    fn over_the_cap_one_line_counts_the_rest() {
        let mut c = Capped::default();
        for i in 0..CAP_PER_RULE + 5 {
            c.push(
                Finding::error(Builtin::Type, Msg::new("x", "x"))
                    .at(1, Some(Pos::new(i as u32, 2))),
            );
        }
        c.push(Finding::warning(Builtin::TextNum, Msg::new("y", "y")).at(1, None));
        let names = vec!["Thông tin".to_string(), "Kết nạp".to_string()];
        let list = c.finish(&names);
        assert_eq!(list.len(), CAP_PER_RULE + 2);
        let last = list.last().unwrap();
        assert!(last.code.is(Builtin::Type) && last.is_error());
        assert_eq!(last.found, Some(Shown::More(5)));
        assert!(last.message.vi.contains("Kết nạp"), "{}", last.message.vi);
    }
}
