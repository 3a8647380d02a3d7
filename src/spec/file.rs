//! The specification exactly as written in TOML. Field-level checks are declared here with
//! `validator`; references between fields are checked when resolving.

use serde::{Deserialize, Serialize};
use validator::{Validate, ValidationError, ValidationErrors, ValidationErrorsKind};

#[derive(Debug, Serialize, Deserialize, Validate)]
#[serde(deny_unknown_fields)]
pub struct SpecFile {
    #[validate(nested)]
    pub form: FormMeta,
    pub identity: IdentityFile,
    #[validate(length(min = 1, message = "at least one unit is expected"), nested)]
    pub units: Vec<UnitFile>,
    #[validate(
        length(min = 1, max = 200, message = "between 1 and 200 sheets"),
        nested
    )]
    pub sheets: Vec<SheetFile>,
    #[serde(default)]
    #[validate(nested)]
    pub cells: Vec<CellFile>,
    #[serde(default)]
    #[validate(nested)]
    pub tables: Vec<TableFile>,
    #[serde(default)]
    #[validate(nested)]
    pub lists: Vec<super::lists::ListFile>,
    #[serde(default)]
    pub derived: Vec<super::derived::DerivedFile>,
    #[serde(default)]
    #[validate(nested)]
    pub rules: Vec<RuleFile>,
    /// The sentences of the *Tóm tắt* sheet and report.json's `summary` (see
    /// [`crate::summary`]).
    #[serde(default)]
    pub summary: Option<crate::summary::SummaryFile>,
    /// The printed form's heading, signatures and instructions (see [`super::report`]).
    #[serde(default)]
    pub report: Option<super::report::ReportFile>,
}

#[derive(Debug, Serialize, Deserialize, Validate)]
#[serde(deny_unknown_fields)]
pub struct FormMeta {
    #[validate(custom(function = "slug"))]
    pub id: String,
    #[validate(length(min = 1, max = 32))]
    pub version: String,
    #[validate(length(min = 1, max = 200))]
    pub title: String,
    #[serde(default)]
    pub title_en: Option<String>,
    #[serde(default)]
    pub province: Option<String>,
    /// The province's code among the units of the level above: its upward report
    /// (`bao-cao-<CODE>.xlsx`) is named by it and carries it as the unit code.
    #[serde(default)]
    #[validate(custom(function = "unit_code"))]
    pub province_code: Option<String>,
    #[serde(default = "default_tolerance")]
    #[validate(custom(function = "check_tolerance"))]
    pub tolerance: f64,
    #[serde(default)]
    pub stamp: Option<StampFile>,
    /// The numeric field charted by unit in the consolidated workbook.
    #[serde(default)]
    pub chart: Option<String>,
    /// The figures of the consolidated summary, one column each (default: every
    /// numeric cell, table column and derived figure).
    #[serde(default)]
    pub summary: Option<Vec<String>>,
    /// The figures compared with earlier periods in the consolidated workbook's
    /// *So sánh* sheet and report.json (default: the charted figure).
    #[serde(default)]
    pub compare: Option<Vec<String>>,
    /// Days after the end of the period by which a unit's report is due; absent: the
    /// form sets no deadline (a run may still be given one).
    #[serde(default)]
    #[validate(range(max = 366, message = "must be a number of days within 0..366"))]
    pub deadline_days: Option<u32>,
    /// The figures with a target (chỉ tiêu), as `compare` names them (see
    /// [`crate::targets`]).
    #[serde(default)]
    pub targets: Vec<crate::targets::TargetFile>,
    /// The congress term (nhiệm kỳ) the periods add up into (see [`crate::term`]).
    #[serde(default)]
    pub term: Option<crate::term::TermFile>,
}

fn default_tolerance() -> f64 {
    0.01
}

#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StampFile {
    pub sheet: String,
    pub id_cell: String,
    pub version_cell: String,
}

#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IdentityFile {
    pub unit_code: String,
    #[serde(default)]
    pub unit_name: Option<String>,
    pub period_from: String,
    pub period_to: String,
    #[serde(default)]
    pub report_date: Option<String>,
    /// The preparer's name, for the chasing list.
    #[serde(default)]
    pub preparer: Option<String>,
    /// The preparer's phone, for the chasing list.
    #[serde(default)]
    pub phone: Option<String>,
}

#[derive(Debug, Serialize, Deserialize, Validate)]
#[serde(deny_unknown_fields)]
pub struct UnitFile {
    #[validate(custom(function = "unit_code"))]
    pub code: String,
    #[validate(length(min = 1, max = 200))]
    pub name: String,
    #[serde(default)]
    pub aliases: Vec<String>,
    /// First day the unit reports (a TOML date); absent: always has.
    #[serde(default)]
    pub from: Option<toml::value::Datetime>,
    /// Last day the unit exists (a TOML date); absent: it still does.
    #[serde(default)]
    pub to: Option<toml::value::Datetime>,
    /// The units it took over.
    #[serde(default)]
    pub predecessors: Vec<PredecessorFile>,
}

/// A unit another unit took over, wholly or in part.
#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PredecessorFile {
    pub code: String,
    /// The predecessor went entirely into this unit (and into no other).
    #[serde(default)]
    pub whole: bool,
}

#[derive(Debug, Serialize, Deserialize, Validate)]
#[serde(deny_unknown_fields)]
pub struct SheetFile {
    #[validate(custom(function = "sheet_name"))]
    pub name: String,
    #[serde(default)]
    pub title: Option<String>,
    #[serde(default)]
    pub column_widths: Vec<f64>,
    #[serde(default)]
    #[validate(nested)]
    pub texts: Vec<TextFile>,
}

#[derive(Debug, Serialize, Deserialize, Validate)]
#[serde(deny_unknown_fields)]
pub struct TextFile {
    #[validate(custom(function = "address"))]
    pub cell: String,
    pub text: String,
    #[serde(default)]
    pub style: Option<String>,
    /// The text spans its row from `cell` to this cell (merged), as a header over two
    /// columns ("Thực hiện" over Kỳ này and Cùng kỳ).
    #[serde(default)]
    pub to: Option<String>,
    /// The text in its place when the blank form has no drop-down list of unit names
    /// (more than [`super::MAX_LISTED`] units): a note that says to choose the name from
    /// the list says instead to write it.
    #[serde(default)]
    pub unlisted: Option<String>,
}

#[derive(Debug, Serialize, Deserialize, Validate)]
#[serde(deny_unknown_fields)]
pub struct CellFile {
    #[validate(custom(function = "key"))]
    pub key: String,
    pub sheet: String,
    #[validate(custom(function = "address"))]
    pub cell: String,
    #[serde(rename = "type")]
    pub ty: String,
    #[validate(length(min = 1, max = 300))]
    pub label: String,
    #[serde(default)]
    pub label_en: Option<String>,
    #[serde(default)]
    pub required: bool,
}

#[derive(Debug, Serialize, Deserialize, Validate)]
#[serde(deny_unknown_fields)]
pub struct TableFile {
    #[validate(custom(function = "key"))]
    pub key: String,
    pub sheet: String,
    #[validate(range(min = 1, max = 1_000_000))]
    pub header_row: u32,
    #[validate(range(min = 2, max = 1_000_000))]
    pub first_row: u32,
    #[validate(custom(function = "column"))]
    pub label_column: String,
    #[validate(length(min = 1))]
    pub label: String,
    #[serde(default)]
    pub label_en: Option<String>,
    #[validate(length(min = 1, max = 100))]
    pub total_label: String,
    #[serde(default = "default_template_rows")]
    #[validate(range(min = 1, max = 10_000))]
    pub template_rows: u32,
    #[serde(default = "default_max_rows")]
    #[validate(range(min = 1, max = 1_000_000))]
    pub max_rows: u32,
    #[validate(length(min = 1, max = 200), nested)]
    pub columns: Vec<ColumnFile>,
}

fn default_template_rows() -> u32 {
    15
}
fn default_max_rows() -> u32 {
    100_000
}

#[derive(Debug, Serialize, Deserialize, Validate)]
#[serde(deny_unknown_fields)]
pub struct ColumnFile {
    #[validate(custom(function = "key"))]
    pub key: String,
    #[validate(custom(function = "column"))]
    pub column: String,
    #[serde(rename = "type")]
    pub ty: String,
    #[validate(length(min = 1, max = 300))]
    pub label: String,
    #[serde(default)]
    pub label_en: Option<String>,
    #[serde(default = "yes")]
    pub required: bool,
}

fn yes() -> bool {
    true
}

/// One rule: the fields every rule has, and the rest for its kind to read (see
/// [`crate::rules`], where each kind declares and checks its own fields).
#[derive(Debug, Serialize, Deserialize, Validate)]
pub struct RuleFile {
    /// The stable rule code its findings carry; rules sharing a code must be of the same kind.
    pub code: String,
    /// Which check it is: one of the kinds in [`crate::rules`].
    pub kind: String,
    /// `error` (the default) or `warning`.
    #[serde(default = "default_severity")]
    pub severity: String,
    /// What the rule checks, in Vietnamese, shown with its findings.
    #[validate(length(min = 1, max = 500))]
    pub description: String,
    /// The English description; the Vietnamese one when absent.
    #[serde(default)]
    pub description_en: Option<String>,
    /// The kind's own fields.
    #[serde(flatten)]
    pub fields: toml::Table,
}

fn default_severity() -> String {
    "error".into()
}

fn fail(code: &'static str, msg: String) -> Result<(), ValidationError> {
    Err(ValidationError::new(code).with_message(msg.into()))
}

fn slug(s: &str) -> Result<(), ValidationError> {
    let ok = !s.is_empty()
        && s.len() <= 64
        && s.chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
    if ok {
        Ok(())
    } else {
        fail("slug", format!("'{s}' must be 1-64 of a-z, 0-9 and '-'"))
    }
}

fn key(s: &str) -> Result<(), ValidationError> {
    let ok = s.len() <= 64
        && s.starts_with(|c: char| c.is_ascii_lowercase())
        && s.chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
    if ok {
        Ok(())
    } else {
        fail(
            "key",
            format!("'{s}' must start with a-z and use only a-z, 0-9 and '_' (at most 64)"),
        )
    }
}

/// The same check as the `key` validator, for parts resolved by hand.
pub(super) fn check_key(s: &str, path: &str, p: &mut Vec<String>) {
    if let Err(e) = key(s) {
        p.push(format!(
            "{path}: {}",
            e.message.as_deref().unwrap_or("is not a valid key")
        ));
    }
}

/// Unit codes become output file names (`tra-lai/<CODE>.xlsx`), so they are kept to a
/// character set that is safe on every file system.
fn unit_code(s: &str) -> Result<(), ValidationError> {
    let ok = !s.is_empty()
        && s.len() <= 16
        && s.chars()
            .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_' || c == '-')
        && !s.starts_with('-');
    if ok {
        Ok(())
    } else {
        fail(
            "unit_code",
            format!("'{s}' must be 1-16 of A-Z, 0-9, '_' and '-'"),
        )
    }
}

fn sheet_name(s: &str) -> Result<(), ValidationError> {
    let n = s.chars().count();
    if n == 0 || n > 31 || s.contains(['[', ']', ':', '*', '?', '/', '\\']) || s.starts_with('\'') {
        return fail(
            "sheet_name",
            format!("'{s}' is not a valid Excel sheet name (1-31 characters, none of []:*?/\\)"),
        );
    }
    Ok(())
}

fn address(s: &str) -> Result<(), ValidationError> {
    match s.parse::<crate::cellref::Pos>() {
        Ok(_) => Ok(()),
        Err(e) => fail("address", e.to_string()),
    }
}

fn column(s: &str) -> Result<(), ValidationError> {
    match crate::cellref::parse_column(s) {
        Ok(_) => Ok(()),
        Err(_) => fail("column", format!("'{s}' is not a column like C")),
    }
}

fn check_tolerance(t: f64) -> Result<(), ValidationError> {
    if t.is_finite() && (0.0..=100.0).contains(&t) {
        Ok(())
    } else {
        fail("tolerance", format!("{t} must be a number within 0..100"))
    }
}

/// Field-level problems as sorted `path: reason` lines.
pub fn validate(spec: &SpecFile) -> Vec<String> {
    let mut out = Vec::new();
    if let Err(e) = spec.validate() {
        flatten("", &e, &mut out);
    }
    out.sort();
    out
}

fn flatten(prefix: &str, errors: &ValidationErrors, out: &mut Vec<String>) {
    for (field, kind) in errors.errors() {
        let path = if prefix.is_empty() {
            field.to_string()
        } else {
            format!("{prefix}.{field}")
        };
        match kind {
            ValidationErrorsKind::Field(errs) => {
                for e in errs {
                    let msg = e
                        .message
                        .as_ref()
                        .map(|m| m.to_string())
                        .unwrap_or_else(|| describe(e));
                    out.push(format!("{path}: {msg}"));
                }
            }
            ValidationErrorsKind::Struct(inner) => flatten(&path, inner, out),
            ValidationErrorsKind::List(items) => {
                for (i, inner) in items {
                    flatten(&format!("{path}[{i}]"), inner, out);
                }
            }
        }
    }
}

fn describe(e: &ValidationError) -> String {
    let mut params: Vec<String> = e
        .params
        .iter()
        .filter(|(k, _)| k.as_ref() != "value")
        .map(|(k, v)| format!("{k} {v}"))
        .collect();
    params.sort();
    let value = e
        .params
        .get("value")
        .map(|v| format!(" (found {v})"))
        .unwrap_or_default();
    format!("fails {} {}{value}", e.code, params.join(", "))
}
