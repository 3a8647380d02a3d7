//! Targets (chỉ tiêu): what the province's resolution asks of each unit and of the
//! province, per period or per term, for the figures the form marks (`[form] targets`).
//!
//! They come from a workbook laid out as the archive's one-row-per-unit table
//! ([`crate::write::units_table`]): the same title, form and period rows, labels on row
//! 5 and keys on row 6, one unit per row from row 7, plus one row for the province
//! (code [`PROVINCE_CODE`]). A column keyed by a figure holds the target for the period;
//! a column keyed `term:` and the figure holds the target for the form's term. A run
//! takes them from `--targets FILE`, or from the archive (`archive import-targets`).
//! Every cell that cannot be read is a [`Problem`] naming file, sheet and cell; the
//! rest of the file is used.

use crate::cellref::Pos;
use crate::form::Form;
use crate::lang::Msg;
use crate::period::Period;
use crate::spec::FieldRef;
use crate::text::number::{NumberKind, parse_number_text};
use calamine::{Data, Reader};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::Path;

/// The sheet of a targets workbook.
pub const SHEET: &str = "Chỉ tiêu";
/// The code of the province's row: its target, when given, wins over the sum of the
/// units' targets.
pub const PROVINCE_CODE: &str = "TOAN_TINH";
/// The prefix of a column key that holds a target for the term rather than the period.
pub const TERM_PREFIX: &str = "term:";

/// A target as the form declares it: a figure's key, or a table with its label and
/// the base its rate is taken over.
#[derive(Debug, Serialize, Deserialize)]
#[serde(untagged)]
pub enum TargetFile {
    /// Only the figure: the label is made from the figure's.
    Key(String),
    /// The figure with its label and base.
    Full {
        /// The figure, as `[form] compare` names it.
        figure: String,
        /// Vietnamese label ("Chỉ tiêu kết nạp").
        #[serde(default)]
        label: Option<String>,
        /// English label.
        #[serde(default)]
        label_en: Option<String>,
        /// The figure the achievement is also shown as a percentage of (members at the
        /// start, for admissions).
        #[serde(default)]
        base: Option<String>,
        /// The base's name as So sánh heads its column ("Đảng viên đầu kỳ"); absent:
        /// the base figure's label in the form.
        #[serde(default)]
        base_label: Option<String>,
        /// English name of the base; absent: `base_label`, else the figure's label.
        #[serde(default)]
        base_label_en: Option<String>,
    },
}

/// A resolved target figure.
#[derive(Debug, Clone, PartialEq)]
pub struct TargetSpec {
    /// The figure.
    pub figure: FieldRef,
    /// Its key.
    pub key: String,
    /// Vietnamese label; empty when the figure's own label is to be used.
    pub label: String,
    /// English label; empty likewise.
    pub label_en: String,
    /// The base of its rate.
    pub base: Option<FieldRef>,
    /// Vietnamese name of the base; empty when the base figure's own label is to be used.
    pub base_label: String,
    /// English name of the base; empty likewise.
    pub base_label_en: String,
}

impl TargetSpec {
    /// The label in the chosen language: the declared one, or "Chỉ tiêu: " and the
    /// figure's.
    pub fn label(&self, form: &Form, en: bool) -> String {
        let own = if en { &self.label_en } else { &self.label };
        if !own.is_empty() {
            return own.clone();
        }
        let figure = form.field_label(self.figure, en);
        if en {
            format!("Target: {figure}")
        } else {
            format!("Chỉ tiêu: {figure}")
        }
    }

    /// The base's name in the chosen language: the declared one, or the base figure's
    /// label in the form; `None` without a base.
    pub fn base_label(&self, form: &Form, en: bool) -> Option<String> {
        let base = self.base?;
        let own = if en {
            &self.base_label_en
        } else {
            &self.base_label
        };
        Some(if own.is_empty() {
            form.field_label(base, en).to_string()
        } else {
            own.clone()
        })
    }
}

/// `[form] targets` checked: each a numeric figure, none twice.
pub fn resolve(
    raw: &[TargetFile],
    field: &dyn Fn(&str) -> Option<FieldRef>,
    p: &mut Vec<String>,
) -> Vec<TargetSpec> {
    let mut out: Vec<TargetSpec> = Vec::new();
    for (i, t) in raw.iter().enumerate() {
        let (key, label, label_en, base, base_names) = match t {
            TargetFile::Key(k) => (k, None, None, None, (None, None)),
            TargetFile::Full {
                figure,
                label,
                label_en,
                base,
                base_label,
                base_label_en,
            } => (
                figure,
                label.as_ref(),
                label_en.as_ref(),
                base.as_ref(),
                (base_label.as_ref(), base_label_en.as_ref()),
            ),
        };
        if base.is_none() && (base_names.0.is_some() || base_names.1.is_some()) {
            p.push(format!(
                "form.targets[{i}].base_label: names the base of a target that has none"
            ));
        }
        let Some(f) = field(key) else {
            p.push(format!(
                "form.targets[{i}]: '{key}' is not a numeric figure"
            ));
            continue;
        };
        if out.iter().any(|t| t.figure == f) {
            p.push(format!("form.targets[{i}]: '{key}' is given twice"));
            continue;
        }
        let base = base.and_then(|b| {
            let found = field(b);
            if found.is_none() {
                p.push(format!(
                    "form.targets[{i}].base: '{b}' is not a numeric figure"
                ));
            }
            found
        });
        let label_vi = label.cloned().unwrap_or_default();
        let base_vi = base_names.0.cloned().unwrap_or_default();
        out.push(TargetSpec {
            figure: f,
            key: key.clone(),
            label_en: label_en.cloned().unwrap_or_else(|| label_vi.clone()),
            label: label_vi,
            base,
            base_label_en: base_names.1.cloned().unwrap_or_else(|| base_vi.clone()),
            base_label: base_vi,
        });
    }
    out
}

/// Where a target was read.
#[derive(Debug, Clone, PartialEq)]
pub struct Source {
    /// The file.
    pub file: String,
    /// Its sheet.
    pub sheet: String,
    /// The cell.
    pub cell: String,
}

/// One target value.
#[derive(Debug, Clone, PartialEq)]
pub struct Value {
    /// The target.
    pub value: f64,
    /// Where it was read.
    pub source: Source,
}

/// The targets of one period (or term): by unit code ([`PROVINCE_CODE`] for the
/// province), then by figure key.
pub type ByUnit = BTreeMap<String, BTreeMap<String, Value>>;

/// Targets a run uses.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Targets {
    /// Where they came from ("the file X", "the archive"), for the outputs.
    pub from: Option<Msg>,
    /// The period's targets.
    pub period: ByUnit,
    /// The term's targets.
    pub term: ByUnit,
    /// The cells that could not be read.
    pub problems: Vec<Problem>,
}

/// A cell of a targets workbook that could not be used.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Problem {
    /// The file.
    pub file: String,
    /// The sheet, when the problem is in one.
    pub sheet: Option<String>,
    /// The cell, when the problem is in one.
    pub cell: Option<String>,
    /// What is wrong, in both languages.
    pub message: Msg,
}

impl Problem {
    /// "tệp X, sheet Y, ô Z: ..." in the chosen language.
    pub fn shown(&self, lang: crate::lang::Lang) -> String {
        let mut at = format!("{} {}", lang.pick("tệp", "file"), self.file);
        if let Some(s) = &self.sheet {
            at.push_str(&format!(", sheet {s}"));
        }
        if let Some(c) = &self.cell {
            at.push_str(&format!(", {} {c}", lang.pick("ô", "cell")));
        }
        format!("{at}: {}", self.message.get(lang))
    }
}

/// Read a targets workbook for `period` (the run's; `None` when unknown). A file whose
/// period row names another period gives one problem and no targets: a target of
/// another period would judge this one wrongly. A blank period row is this period.
pub fn read(form: &Form, path: &Path, period: Option<Period>) -> Targets {
    let file = path.display().to_string();
    let mut t = Targets {
        from: Some(Msg::new(
            format!("tệp chỉ tiêu {file}"),
            format!("the targets file {file}"),
        )),
        ..Targets::default()
    };
    let whole = |message: Msg| Problem {
        file: file.clone(),
        sheet: None,
        cell: None,
        message,
    };
    let mut wb = match calamine::open_workbook_auto(path) {
        Ok(wb) => wb,
        Err(e) => {
            t.problems.push(whole(Msg::new(
                format!("không đọc được bảng tính chỉ tiêu ({e})"),
                format!("the targets workbook cannot be read ({e})"),
            )));
            return t;
        }
    };
    let range = match wb.worksheet_range(SHEET) {
        Ok(r) => r,
        Err(_) => {
            t.problems.push(whole(Msg::new(
                format!("không có sheet '{SHEET}': hãy lập tệp từ mẫu `tonghop targets template`"),
                format!("no sheet '{SHEET}': make the file from `tonghop targets template`"),
            )));
            return t;
        }
    };
    let at = |row: u32, col: u32| range.get_value((row, col));
    let problem = |row: u32, col: u32, message: Msg, t: &mut Targets| {
        t.problems.push(Problem {
            file: file.clone(),
            sheet: Some(SHEET.to_string()),
            cell: Some(Pos::new(row, col as u16).to_string()),
            message,
        });
    };
    use crate::write::units_table::{FIRST_UNIT_ROW, FORM_ROW, KEY_ROW, NAME_KEY, PERIOD_ROW};
    if let Some(Data::String(id)) = at(FORM_ROW, 1)
        && id.trim() != form.id
    {
        problem(
            FORM_ROW,
            1,
            Msg::new(
                format!(
                    "tệp lập theo biểu mẫu '{}', không phải '{}'",
                    id.trim(),
                    form.id
                ),
                format!("made for form '{}', not '{}'", id.trim(), form.id),
            ),
            &mut t,
        );
        return t;
    }
    let (from, to) = (date(at(PERIOD_ROW, 1)), date(at(PERIOD_ROW, 3)));
    match (from, to, period) {
        (None, None, _) => {}
        (Some(a), Some(b), Some(p)) if a == p.from && b == p.to => {}
        (Some(a), Some(b), Some(p)) => {
            problem(
                PERIOD_ROW,
                1,
                Msg::new(
                    format!(
                        "chỉ tiêu của kỳ {}, không phải kỳ đang tổng hợp {p}",
                        Period { from: a, to: b }
                    ),
                    format!(
                        "targets of the period {}, not of the period consolidated, {p}",
                        Period { from: a, to: b }
                    ),
                ),
                &mut t,
            );
            return t;
        }
        (Some(_), Some(_), None) => {}
        _ => {
            problem(
                PERIOD_ROW,
                1,
                Msg::new(
                    "kỳ chỉ tiêu phải có cả ngày đầu (B3) và ngày cuối (D3), hoặc để trống cả hai",
                    "the period needs both its first (B3) and last day (D3), or neither",
                ),
                &mut t,
            );
            return t;
        }
    }
    // The columns: a figure of `[form] targets`, or one with `term:` for the term.
    let (height, width) = range.end().unwrap_or((0, 0));
    let mut columns: Vec<(u32, String, bool)> = Vec::new();
    for col in 2..=width {
        let Some(Data::String(key)) = at(KEY_ROW, col) else {
            continue;
        };
        let key = key.trim();
        if key.is_empty() || key == NAME_KEY {
            continue;
        }
        let (term, figure) = match key.strip_prefix(TERM_PREFIX) {
            Some(f) => (true, f.trim()),
            None => (false, key),
        };
        if !form.targets.iter().any(|s| s.key == figure) {
            let known: Vec<&str> = form.targets.iter().map(|s| s.key.as_str()).collect();
            problem(
                KEY_ROW,
                col,
                Msg::new(
                    format!(
                        "'{key}' không phải chỉ tiêu của biểu mẫu (có: {})",
                        known.join(", ")
                    ),
                    format!(
                        "'{key}' is not a target of the form (known: {})",
                        known.join(", ")
                    ),
                ),
                &mut t,
            );
            continue;
        }
        if term && form.term.is_none() {
            problem(
                KEY_ROW,
                col,
                Msg::new(
                    format!(
                        "cột '{key}' là chỉ tiêu nhiệm kỳ, nhưng biểu mẫu không khai báo nhiệm kỳ ([form] term)"
                    ),
                    format!(
                        "column '{key}' is a term target, but the form declares no term ([form] term)"
                    ),
                ),
                &mut t,
            );
            continue;
        }
        columns.push((col, figure.to_string(), term));
    }
    let mut seen: BTreeMap<String, u32> = BTreeMap::new();
    for row in FIRST_UNIT_ROW..=height {
        let Some(code) = crate::write::units_table::unit_code(at(row, 0)) else {
            continue;
        };
        let code = if is_province(&code) {
            PROVINCE_CODE.to_string()
        } else if let Some(u) = form.units.by_code(&code) {
            form.units[u].code.clone()
        } else {
            let near = nearest(form, &code);
            problem(
                row,
                0,
                Msg::new(
                    format!(
                        "mã đơn vị '{code}' không có trong danh sách đơn vị{}",
                        if near.is_empty() {
                            String::new()
                        } else {
                            format!("; gần nhất: {}", near.join(", "))
                        }
                    ),
                    format!(
                        "unit code '{code}' is not one of the form's units{}",
                        if near.is_empty() {
                            String::new()
                        } else {
                            format!("; nearest: {}", near.join(", "))
                        }
                    ),
                ),
                &mut t,
            );
            continue;
        };
        if let Some(first) = seen.insert(code.clone(), row) {
            problem(
                row,
                0,
                Msg::new(
                    format!(
                        "đơn vị '{code}' đã có ở dòng {}: mỗi đơn vị một dòng",
                        first + 1
                    ),
                    format!(
                        "unit '{code}' is already on row {}: one row per unit",
                        first + 1
                    ),
                ),
                &mut t,
            );
            continue;
        }
        for (col, key, term) in &columns {
            let value = match at(row, *col) {
                None | Some(Data::Empty) => continue,
                Some(Data::String(s)) if s.trim().is_empty() => continue,
                Some(Data::Float(f)) => Some(*f),
                Some(Data::Int(i)) => Some(*i as f64),
                Some(Data::String(s)) => parse_number_text(s, NumberKind::Count)
                    .ok()
                    .map(|p| p.value),
                Some(_) => None,
            };
            let Some(value) = value.filter(|v| v.is_finite() && *v >= 0.0 && v.abs() < 1e12) else {
                let shown = at(row, *col).map(|d| d.to_string()).unwrap_or_default();
                problem(
                    row,
                    *col,
                    Msg::new(
                        format!("chỉ tiêu '{shown}' không phải số không âm"),
                        format!("target '{shown}' is not a number of at least 0"),
                    ),
                    &mut t,
                );
                continue;
            };
            let into = if *term { &mut t.term } else { &mut t.period };
            into.entry(code.clone()).or_default().insert(
                key.clone(),
                Value {
                    value,
                    source: Source {
                        file: file.clone(),
                        sheet: SHEET.to_string(),
                        cell: Pos::new(row, *col as u16).to_string(),
                    },
                },
            );
        }
    }
    t
}

/// The province's row: its code, or "Toàn tỉnh" however typed.
fn is_province(code: &str) -> bool {
    let folded = crate::text::fold(code).replace([' ', '_', '-'], "");
    // fold keeps the accents: typed with or without them.
    folded == "toantinh" || folded == "toàntỉnh" || code.trim().eq_ignore_ascii_case(PROVINCE_CODE)
}

fn date(d: Option<&Data>) -> Option<NaiveDate> {
    match d? {
        Data::DateTime(d) if (0.0..2_958_466.0).contains(&d.as_f64()) => {
            let (y, m, day, ..) = d.to_ymd_hms_milli();
            NaiveDate::from_ymd_opt(y as i32, m as u32, day as u32)
        }
        Data::Float(f) => crate::text::date::from_excel_serial(*f, false).ok(),
        Data::String(s) => crate::text::date::parse_date_text(s).ok(),
        _ => None,
    }
}

/// The three units whose code or name is nearest `typed`, "CODE (Name)": what the clerk
/// probably meant.
pub fn nearest(form: &Form, typed: &str) -> Vec<String> {
    let all: Vec<usize> = (0..form.units.len()).collect();
    form.units
        .nearest(&[typed], &all, 3)
        .into_iter()
        .map(|i| format!("{} ({})", form.units[i].code, form.units[i].name))
        .collect()
}

/// The archive's targets of `period`, and of the form's term when it has one.
pub fn from_archive(
    store: &crate::archive::Archive,
    form: &Form,
    period: Period,
) -> Result<Targets, crate::archive::ArchiveError> {
    let of_period = store.targets(&form.id, period)?;
    let of_term = match &form.term {
        Some(t) => store.targets(&form.id, t.period)?,
        None => ByUnit::new(),
    };
    let path = store.path().display().to_string();
    Ok(Targets {
        from: (!of_period.is_empty() || !of_term.is_empty())
            .then(|| Msg::new(format!("kho lưu trữ {path}"), format!("the archive {path}"))),
        period: of_period,
        term: of_term,
        problems: Vec::new(),
    })
}

/// `archive import-targets`: the file's targets recorded for `period` (and its term
/// targets for the form's term), all or nothing: any problem and nothing changes.
/// Returns how many values were recorded, or the problems.
pub fn import(
    store: &mut crate::archive::Archive,
    form: &Form,
    period: Period,
    path: &Path,
) -> Result<Result<usize, Vec<Problem>>, crate::archive::ArchiveError> {
    let t = read(form, path, Some(period));
    if !t.problems.is_empty() {
        return Ok(Err(t.problems));
    }
    if t.period.is_empty() && t.term.is_empty() {
        return Ok(Err(vec![Problem {
            file: path.display().to_string(),
            sheet: Some(SHEET.to_string()),
            cell: None,
            message: Msg::new(
                "tệp không có chỉ tiêu nào (mọi ô chỉ tiêu để trống)",
                "the file holds no target (every target cell is blank)",
            ),
        }]));
    }
    let at = crate::archive::now();
    let mut n = store.record_targets(&form.id, period, &t.period, &at)?;
    if let Some(term) = &form.term
        && !t.term.is_empty()
    {
        n += store.record_targets(&form.id, term.period, &t.term, &at)?;
    }
    Ok(Ok(n))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_code_one_letter_off_is_shown_with_the_unit_it_probably_means() {
        let form = Form::load(None).unwrap();
        let near = nearest(&form, "MUONGNHEE");
        assert!(
            near.first().is_some_and(|n| n.starts_with("MUONGNHE ")),
            "{near:?}"
        );
    }

    #[test]
    fn the_base_is_named_as_declared_else_by_its_figure() {
        let form = Form::load(None).unwrap();
        let t = &form.targets[0];
        assert_eq!(
            t.base_label(&form, false).as_deref(),
            Some("Đảng viên đầu kỳ")
        );
        assert_eq!(
            t.base_label(&form, true).as_deref(),
            Some("Members at the start")
        );
        let raw: Vec<TargetFile> = toml::from_str::<toml::Table>(
            r#"t = [
  { figure = "f", base = "b" },
  { figure = "g", base_label = "Đảng viên đầu kỳ" },
]"#,
        )
        .unwrap()["t"]
            .clone()
            .try_into()
            .unwrap();
        let field = |k: &str| match k {
            "f" => Some(form.targets[0].figure),
            "b" => form.targets[0].base,
            "g" => form.field("movement.b2.this"),
            _ => None,
        };
        let mut p = Vec::new();
        let specs = resolve(&raw, &field, &mut p);
        // Without a label of its own, the base is the figure the form labels.
        assert_eq!(
            specs[0].base_label(&form, false).as_deref(),
            Some(form.field_label(form.targets[0].base.unwrap(), false))
        );
        // A name for a base that is not there is the spec's mistake.
        assert_eq!(specs[1].base_label(&form, false), None);
        assert_eq!(p.len(), 1, "{p:?}");
        assert!(p[0].starts_with("form.targets[1].base_label"), "{p:?}");
    }

    #[test]
    fn the_province_row_is_found_however_typed() {
        assert!(is_province("TOAN_TINH"));
        assert!(is_province("Toàn tỉnh"));
        assert!(is_province("TOÀN TỈNH"));
        assert!(!is_province("MUONGNHE"));
    }
}
