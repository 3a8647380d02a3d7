//! Findings: rule violations and reading problems, as data.
//!
//! A finding is never an error of the program: it is what the program found in a
//! submission. Codes are stable (report.json and the clerks' error sheets quote them);
//! a code never changes meaning, new problems get new codes.

use crate::spec::{Form, Pos, Severity};
use serde::Serialize;

/// A text in both languages: returned workbooks go to units in Vietnamese whatever
/// language the operator chose for the console and report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Msg {
    pub vi: String,
    pub en: String,
}

impl Msg {
    pub fn new(vi: impl Into<String>, en: impl Into<String>) -> Self {
        Self {
            vi: vi.into(),
            en: en.into(),
        }
    }
    pub fn get(&self, lang: Lang) -> &str {
        match lang {
            Lang::Vi => &self.vi,
            Lang::En => &self.en,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum Lang {
    #[default]
    Vi,
    En,
}

impl Lang {
    pub fn en(self) -> bool {
        self == Lang::En
    }
    /// Pick the text for this language.
    pub fn pick<'a>(self, vi: &'a str, en: &'a str) -> &'a str {
        if self.en() { en } else { vi }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Finding {
    pub rule: String,
    pub severity: Severity,
    pub sheet: Option<String>,
    pub cell: Option<String>,
    pub message: Msg,
    pub found: Option<String>,
    pub expected: Option<String>,
}

impl Finding {
    pub fn new(rule: &str, severity: Severity, message: Msg) -> Self {
        Self {
            rule: rule.to_string(),
            severity,
            sheet: None,
            cell: None,
            message,
            found: None,
            expected: None,
        }
    }
    pub fn error(rule: &str, message: Msg) -> Self {
        Self::new(rule, Severity::Error, message)
    }
    pub fn warning(rule: &str, message: Msg) -> Self {
        Self::new(rule, Severity::Warning, message)
    }
    pub fn at(mut self, sheet: &str, pos: Option<Pos>) -> Self {
        self.sheet = Some(sheet.to_string());
        self.cell = pos.map(|p| p.to_string());
        self
    }
    pub fn found(mut self, v: impl Into<String>) -> Self {
        self.found = Some(v.into());
        self
    }
    pub fn expected(mut self, v: impl Into<String>) -> Self {
        self.expected = Some(v.into());
        self
    }
    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }
}

/// A rule code the program itself raises (the form declares the others).
pub struct Builtin {
    pub code: &'static str,
    pub severity: Severity,
    pub vi: &'static str,
    pub en: &'static str,
}

const fn b(code: &'static str, severity: Severity, vi: &'static str, en: &'static str) -> Builtin {
    Builtin {
        code,
        severity,
        vi,
        en,
    }
}

use Severity::{Error as E, Warning as W};

/// Every code raised by reading and extraction, with what it means.
pub const BUILTIN: &[Builtin] = &[
    b(
        "FILE_EMPTY",
        E,
        "Tệp rỗng (0 byte)",
        "The file is empty (0 bytes)",
    ),
    b(
        "FILE_TYPE",
        E,
        "Tệp không phải bảng tính Excel/LibreOffice (.xlsx, .xls, .ods)",
        "The file is not an .xlsx, .xls or .ods workbook",
    ),
    b(
        "FILE_ENCRYPTED",
        E,
        "Tệp có đặt mật khẩu",
        "The workbook is password-protected",
    ),
    b(
        "FILE_CORRUPT",
        E,
        "Tệp bị hỏng hoặc không đầy đủ",
        "The file is damaged or incomplete",
    ),
    b(
        "FILE_SIZE",
        E,
        "Tệp lớn bất thường so với một biểu mẫu",
        "The file is far larger than a form can be",
    ),
    b(
        "SHEET",
        E,
        "Thiếu sheet của biểu mẫu hoặc sheet không đọc được",
        "A sheet of the form is missing or unreadable",
    ),
    b(
        "FORM",
        E,
        "Tệp không đúng mẫu biểu hoặc phiên bản mẫu",
        "The file is of another form or form version",
    ),
    b(
        "TYPE",
        E,
        "Ô chứa giá trị không đúng kiểu (chữ trong ô số, ngày không hợp lệ...)",
        "A cell holds a value of the wrong type",
    ),
    b(
        "AMBIGUOUS",
        E,
        "Số nhập dạng chữ có thể hiểu theo hai cách",
        "A number typed as text can be read two ways",
    ),
    b(
        "TEXTNUM",
        W,
        "Số được nhập dạng chữ (đã tự chuyển đổi)",
        "A number was typed as text (converted)",
    ),
    b(
        "ENCODING",
        W,
        "Chữ nhập bằng bảng mã cũ TCVN3/VNI (đã tự chuyển sang Unicode)",
        "Text typed in a legacy TCVN3/VNI encoding (converted)",
    ),
    b(
        "FORMULA",
        E,
        "Công thức chưa có giá trị tính toán",
        "A formula has no calculated value",
    ),
    b(
        "CELLERR",
        E,
        "Ô chứa lỗi công thức (#DIV/0!, #REF!...)",
        "A cell holds a formula error",
    ),
    b(
        "TOTAL",
        E,
        "Không tìm thấy dòng Tổng cộng của bảng",
        "The table's total row is missing",
    ),
    b(
        "NAME",
        E,
        "Dòng có số liệu nhưng thiếu tên tổ chức",
        "A table row has figures but no name",
    ),
    b(
        "UNITNAME",
        W,
        "Mã đơn vị sai hoặc thiếu, đã nhận đơn vị theo tên",
        "Unit code missing or unknown; unit recognised by its name",
    ),
    b(
        "DUP",
        E,
        "Một đơn vị nộp nhiều tệp",
        "A unit sent more than one file",
    ),
];

/// A row of the rule table shown by `describe` and in the README: the form's declared
/// rules, then the built-in codes.
#[derive(Debug, Clone, Serialize)]
pub struct RuleDoc {
    pub code: String,
    pub severity: Severity,
    pub kind: String,
    pub description: String,
    pub description_en: String,
}

pub fn rule_docs(form: &Form) -> Vec<RuleDoc> {
    let mut out: Vec<RuleDoc> = form
        .rules
        .iter()
        .map(|r| RuleDoc {
            code: r.code.clone(),
            severity: r.severity,
            kind: r.kind_name.clone(),
            description: r.description.clone(),
            description_en: r.description_en.clone(),
        })
        .collect();
    out.extend(BUILTIN.iter().map(|b| RuleDoc {
        code: b.code.into(),
        severity: b.severity,
        kind: "builtin".into(),
        description: b.vi.into(),
        description_en: b.en.into(),
    }));
    out
}

/// A number as found/expected text: integers without decimals, others trimmed.
pub fn num(v: f64) -> String {
    if v.fract() == 0.0 && v.abs() < 1e15 {
        format!("{}", v as i64)
    } else {
        let s = format!("{v:.4}");
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    }
}

/// The same in Vietnamese style (decimal comma) for Vietnamese messages.
pub fn num_vi(v: f64) -> String {
    num(v).replace('.', ",")
}

/// Findings of one rule on one sheet beyond which only a count is kept. A sheet filled
/// down with junk must give the unit a readable list, not a million lines, and must not
/// cost memory or time in proportion to its rows.
pub const CAP_PER_RULE: usize = 200;

/// A list of findings that keeps at most [`CAP_PER_RULE`] per rule and sheet, then
/// counts the rest and says so in one closing finding.
#[derive(Debug, Default)]
pub struct Capped {
    list: Vec<Finding>,
    seen: std::collections::HashMap<(String, Option<String>), usize>,
    over: std::collections::BTreeMap<(String, Option<String>), (Severity, usize)>,
}

impl Capped {
    pub fn push(&mut self, f: Finding) {
        let key = (f.rule.clone(), f.sheet.clone());
        let n = self.seen.entry(key.clone()).or_insert(0);
        *n += 1;
        if *n <= CAP_PER_RULE {
            self.list.push(f);
        } else {
            let e = self.over.entry(key).or_insert((f.severity, 0));
            e.0 = e.0.max(f.severity);
            e.1 += 1;
        }
    }

    pub fn extend(&mut self, fs: impl IntoIterator<Item = Finding>) {
        for f in fs {
            self.push(f);
        }
    }

    pub fn finish(mut self) -> Vec<Finding> {
        for ((rule, sheet), (severity, n)) in self.over {
            let at = sheet.clone().unwrap_or_default();
            let mut f = Finding::new(
                &rule,
                severity,
                Msg::new(
                    format!(
                        "Còn {n} lỗi {rule} khác trên sheet \"{at}\" không liệt kê ra đây (chỉ liệt kê {CAP_PER_RULE} lỗi đầu). Hãy kiểm tra lại cả sheet."
                    ),
                    format!(
                        "{n} more {rule} findings on sheet \"{at}\" are not listed (only the first {CAP_PER_RULE} are). Check the whole sheet."
                    ),
                ),
            );
            f.sheet = sheet;
            f.found = Some(format!("+{n}"));
            self.list.push(f);
        }
        self.list
    }
}
