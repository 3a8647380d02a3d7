//! Finding codes: the ones tonghop raises itself ([`Builtin`]) and the ones a form
//! declares for its rules ([`RuleCode`]). Codes are stable: report.json and the clerks'
//! error sheets quote them, so a code never changes meaning, and logic compares
//! variants, never strings.

use super::Severity;
use serde::{Serialize, Serializer};
use std::fmt;

/// Declares the built-in codes once: variant, code, the severities it is raised with,
/// and what it means in both languages.
macro_rules! builtin {
    ($($(#[$doc:meta])* $variant:ident = $code:literal, [$($sev:ident),+], $vi:literal, $en:literal;)+) => {
        /// A code raised by reading, extraction or consolidation, whatever the form.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum Builtin {
            $($(#[$doc])* $variant,)+
        }

        impl Builtin {
            /// Every built-in code, in the order the README lists them.
            pub const ALL: &'static [Builtin] = &[$(Builtin::$variant),+];

            /// The code as report.json and the error sheets write it.
            pub const fn code(self) -> &'static str {
                match self { $(Builtin::$variant => $code,)+ }
            }

            /// The severities the code is raised with (most have one).
            pub const fn severities(self) -> &'static [Severity] {
                match self { $(Builtin::$variant => &[$(Severity::$sev),+],)+ }
            }

            /// What the code means, in Vietnamese and in English.
            pub const fn meaning(self) -> (&'static str, &'static str) {
                match self { $(Builtin::$variant => ($vi, $en),)+ }
            }
        }
    };
}

builtin! {
    /// A zero-byte file, often a failed transfer.
    FileEmpty = "FILE_EMPTY", [Error],
        "Tệp rỗng (0 byte)",
        "the file is empty (0 bytes)";
    /// Not a workbook: a text, PDF, image or other file, whatever its name.
    FileType = "FILE_TYPE", [Error],
        "Tệp không phải bảng tính .xlsx, .xls hoặc .ods (tệp văn bản, PDF, ảnh hay tệp khác đổi tên)",
        "not an .xlsx, .xls or .ods workbook (a text, PDF, image or other file renamed)";
    /// A password-protected workbook.
    FileEncrypted = "FILE_ENCRYPTED", [Error],
        "Bảng tính có đặt mật khẩu",
        "the workbook is password-protected";
    /// A damaged or truncated file.
    FileCorrupt = "FILE_CORRUPT", [Error],
        "Tệp bị hỏng hoặc không đầy đủ",
        "damaged or truncated file";
    /// Far larger than a form can be, or inflating past the safe limit.
    FileSize = "FILE_SIZE", [Error],
        "Tệp lớn bất thường so với một biểu mẫu, hoặc giải nén vượt giới hạn an toàn",
        "far larger than a form can be, or inflates beyond the safe limit (zip bomb)";
    /// A sheet of the form is missing or cannot be read.
    Sheet = "SHEET", [Error],
        "Thiếu sheet của biểu mẫu hoặc sheet không đọc được",
        "a sheet of the form is missing or unreadable";
    /// The file is of another form or another version of the form.
    Form = "FORM", [Error],
        "Tệp không đúng biểu mẫu hoặc phiên bản biểu mẫu",
        "the file is of another form or another form version";
    /// A cell holds the wrong kind of value.
    Type = "TYPE", [Error],
        "Ô chứa giá trị sai kiểu (chữ trong ô số, ngày không hợp lệ)",
        "a cell holds the wrong kind of value (text in a number cell, an invalid date)";
    /// A number typed as text that reads two ways.
    Ambiguous = "AMBIGUOUS", [Error],
        "Số nhập dạng chữ có thể hiểu theo hai cách (1.234 trong ô tỷ lệ)",
        "a number typed as text that reads two ways (`1.234` in a percentage cell)";
    /// A number typed as text, converted.
    TextNum = "TEXTNUM", [Warning],
        "Số nhập dạng chữ (8.443, 36,56%), đã tự chuyển đổi",
        "a number typed as text (`8.443`, `36,56%`), converted";
    /// Text in a legacy Vietnamese encoding, converted.
    Encoding = "ENCODING", [Warning],
        "Chữ gõ bằng bảng mã cũ TCVN3 (ABC) hoặc VNI, đã chuyển sang Unicode",
        "text typed in the legacy TCVN3 (ABC) or VNI encoding, converted to Unicode";
    /// A formula saved without its calculated value.
    Formula = "FORMULA", [Error],
        "Công thức chưa có giá trị tính toán: tính lại và lưu",
        "a formula without a calculated value: recalculate and save";
    /// An error value in a cell.
    CellErr = "CELLERR", [Error],
        "Ô chứa giá trị lỗi như #DIV/0! hoặc #REF!",
        "an error value such as `#DIV/0!` or `#REF!`";
    /// A table's total row is missing.
    Total = "TOTAL", [Error],
        "Không có dòng Tổng cộng của bảng",
        "the table's *Tổng cộng* row is missing";
    /// A line of a fixed-row list is missing.
    RowMissing = "ROW_MISSING", [Error],
        "Thiếu một dòng của biểu (dòng bị xóa hoặc đổi tên)",
        "a line of a fixed-row list (an official form's) is missing: deleted or renamed";
    /// A row with figures is not a line of the list, or repeats one.
    RowExtra = "ROW_EXTRA", [Error],
        "Dòng có số liệu nhưng không phải dòng của biểu, hoặc lặp lại một dòng",
        "a row with figures is not a line of the list, or repeats one";
    /// A table row has figures but no organisation name.
    Name = "NAME", [Error],
        "Dòng của bảng có số liệu nhưng không có tên tổ chức",
        "a table row has figures but no organisation name";
    /// The unit code is missing or unknown but the name matches a unit.
    UnitName = "UNITNAME", [Warning],
        "Mã đơn vị thiếu hoặc sai nhưng tên đơn vị đúng: đã nhận theo tên",
        "the unit code is missing or unknown but the unit name matches: recognised by name";
    /// A unit sent several files.
    Dup = "DUP", [Warning, Error],
        "Đơn vị gửi nhiều tệp: tệp có ngày báo cáo mới nhất, cùng ngày thì tệp lưu sau, được tổng hợp, các tệp khác bỏ qua (cảnh báo cho người tổng hợp, không trả lại đơn vị); các tệp khác nhau cùng ngày báo cáo và cùng thời gian lưu không phân biệt được: không tệp nào được tổng hợp, người tổng hợp xóa tệp không đúng (lỗi)",
        "the unit sent several files: the one with the latest date of report, of the same date the one saved last, is consolidated and the others set aside (a warning for the clerk, nothing returned to the unit); different files with the same date of report and the same file time cannot be told apart: none is consolidated and the clerk removes the wrong ones (error)";
    /// A clerk's decision (quyet-dinh.toml) applied, expired, or not usable.
    Decision = "DECISION", [Warning],
        "Quyết định của người tổng hợp (quyet-dinh.toml): đã áp dụng, hết hiệu lực vì tệp đã thay đổi, hoặc ghi sai (cảnh báo cho người tổng hợp, không trả lại đơn vị)",
        "a clerk's decision (quyet-dinh.toml): applied, expired because the file changed, or malformed (a warning for the clerk, nothing returned to the unit)";
}

impl Builtin {
    /// The built-in code written as `code`, if there is one.
    pub fn from_code(code: &str) -> Option<Builtin> {
        Builtin::ALL.iter().copied().find(|b| b.code() == code)
    }
}

/// A rule code declared by a form (`BALANCE`, `PCT`): 1 to 16 of A-Z, 0-9 and `_`,
/// never one of the [`Builtin`] codes, so a form cannot make its findings pass for the
/// program's own.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct RuleCode(Box<str>);

/// Why a text is not a rule code.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RuleCodeError {
    /// Not of the code alphabet or length.
    #[error("'{0}' must be 1-16 of A-Z, 0-9 and '_'")]
    Malformed(String),
    /// A code tonghop raises itself.
    #[error("'{0}' is a code tonghop raises itself; choose another")]
    Builtin(String),
}

impl RuleCode {
    /// Validate `s` as a form's rule code.
    ///
    /// ```
    /// use tonghop::finding::RuleCode;
    /// assert_eq!(RuleCode::new("BALANCE").unwrap().as_str(), "BALANCE");
    /// assert!(RuleCode::new("DUP").is_err()); // the program's own
    /// assert!(RuleCode::new("balance").is_err());
    /// ```
    pub fn new(s: &str) -> Result<RuleCode, RuleCodeError> {
        let ok = !s.is_empty()
            && s.len() <= 16
            && s.chars()
                .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_');
        if !ok {
            return Err(RuleCodeError::Malformed(s.to_string()));
        }
        if Builtin::from_code(s).is_some() {
            return Err(RuleCodeError::Builtin(s.to_string()));
        }
        Ok(RuleCode(s.into()))
    }

    /// The code as written.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// The code of a finding: the program's own, or one of the form's rules.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Code {
    /// Raised by reading, extraction or consolidation.
    Builtin(Builtin),
    /// Raised by a rule the form declares.
    Rule(RuleCode),
}

impl Code {
    /// The code as written in outputs.
    pub fn as_str(&self) -> &str {
        match self {
            Code::Builtin(b) => b.code(),
            Code::Rule(r) => r.as_str(),
        }
    }

    /// Whether this is the built-in code `b`.
    pub fn is(&self, b: Builtin) -> bool {
        *self == Code::Builtin(b)
    }
}

impl From<Builtin> for Code {
    fn from(b: Builtin) -> Code {
        Code::Builtin(b)
    }
}

impl From<RuleCode> for Code {
    fn from(r: RuleCode) -> Code {
        Code::Rule(r)
    }
}

impl fmt::Display for Code {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(self.as_str())
    }
}

impl Serialize for Code {
    fn serialize<S: Serializer>(&self, ser: S) -> Result<S::Ok, S::Error> {
        ser.serialize_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtin_codes_are_unique_and_round_trip() {
        let mut seen = std::collections::HashSet::new();
        for &b in Builtin::ALL {
            assert!(seen.insert(b.code()), "{} twice", b.code());
            assert_eq!(Builtin::from_code(b.code()), Some(b));
            assert!(RuleCode::new(b.code()).is_err());
        }
    }

    #[test]
    fn rule_codes_are_validated() {
        for bad in ["", "balance", "TOO_LONG_A_CODE_X", "A-B", "ĐV"] {
            assert!(
                matches!(RuleCode::new(bad), Err(RuleCodeError::Malformed(_))),
                "{bad}"
            );
        }
        assert!(matches!(
            RuleCode::new("FILE_SIZE"),
            Err(RuleCodeError::Builtin(_))
        ));
        let c: Code = RuleCode::new("PCT").unwrap().into();
        assert_eq!(c.to_string(), "PCT");
        assert!(!c.is(Builtin::Dup));
        assert!(Code::from(Builtin::Dup).is(Builtin::Dup));
    }
}
