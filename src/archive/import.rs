//! Periods into the archive from elsewhere: an earlier run's report.json or output
//! folder (a run made before the archive existed, or on another computer), or a
//! one-row-per-unit workbook ([`crate::write::units_table`]) typed by hand for a year
//! tonghop never saw. An import is all or nothing: one unreadable figure refuses the
//! file, naming every cell at fault, and the archive stays as it was.

use super::record::{FileRecord, UnitFigure};
use super::{Archive, ArchiveError, Recorded, RunInfo};
use crate::cellref::Pos;
use crate::form::Form;
use crate::period::Period;
use crate::spec::FieldType;
use crate::text::number::{NumberKind, parse_number_text, within_bound};
use crate::write::units_table::{self, CODE_KEY, FIRST_UNIT_ROW, KEY_ROW, PERIOD_ROW, SHEET};
use calamine::{Data, Reader};
use chrono::NaiveDate;
use serde_json::Value as Json;
use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};

/// The largest file an import reads: a report.json of a national roll-up is tens of
/// megabytes; anything far beyond is not one.
const MAX_IMPORT_BYTES: u64 = 2 * 1024 * 1024 * 1024;
/// Problems named in a refusal; the rest are counted.
const SHOWN_PROBLEMS: usize = 10;

/// What is imported, told from the path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ImportSource {
    /// A run's report.json (given, or found in the output folder given).
    ReportJson(PathBuf),
    /// A one-row-per-unit workbook.
    Table(PathBuf),
}

impl ImportSource {
    /// A folder is an output folder (its report.json); a `.json` file a report; any
    /// other file a workbook.
    pub fn of(path: &Path) -> ImportSource {
        if path.is_dir() {
            return ImportSource::ReportJson(path.join("report.json"));
        }
        let json = path
            .extension()
            .and_then(|e| e.to_str())
            .is_some_and(|e| e.eq_ignore_ascii_case("json"));
        if json {
            ImportSource::ReportJson(path.to_path_buf())
        } else {
            ImportSource::Table(path.to_path_buf())
        }
    }

    /// The file read.
    pub fn path(&self) -> &Path {
        match self {
            ImportSource::ReportJson(p) | ImportSource::Table(p) => p,
        }
    }
}

/// What an import recorded.
#[derive(Debug, Clone)]
pub struct Imported {
    /// What the archive recorded.
    pub recorded: Recorded,
    /// The file read.
    pub source: ImportSource,
}

fn refuse(path: &Path, en: impl Into<String>, vi: impl Into<String>) -> ArchiveError {
    ArchiveError::Import {
        path: path.display().to_string(),
        reason: en.into(),
        reason_vi: vi.into(),
    }
}

impl Archive {
    /// Import `path` (see [`ImportSource::of`]) as a period of `form`. `period`, when
    /// given, must agree with the file's own, or stands for it when the file has none.
    pub fn import(
        &mut self,
        form: &Form,
        path: &Path,
        period: Option<Period>,
        reopen: bool,
    ) -> Result<Imported, ArchiveError> {
        let source = ImportSource::of(path);
        let file = source.path();
        let size = std::fs::metadata(file)
            .map_err(|e| {
                refuse(
                    file,
                    format!("cannot be read ({e})"),
                    format!(
                        "không đọc được tệp ({})",
                        crate::lang::io_text(&e, crate::lang::Lang::Vi)
                    ),
                )
            })?
            .len();
        if size > MAX_IMPORT_BYTES {
            return Err(refuse(file, "too large", "tệp quá lớn"));
        }
        let (found, files, totals) = match &source {
            ImportSource::ReportJson(p) => from_report(form, p)?,
            ImportSource::Table(p) => from_table(form, p)?,
        };
        let period = match (found, period) {
            (Some(a), Some(b)) if a != b => {
                return Err(refuse(
                    file,
                    format!("the file is of period {a}, not {b}"),
                    format!("tệp là số liệu kỳ {a}, không phải kỳ {b}"),
                ));
            }
            (Some(p), _) | (None, Some(p)) => p,
            (None, None) => {
                return Err(refuse(
                    file,
                    "the file does not say its period: give it with --period",
                    "tệp không ghi kỳ báo cáo: hãy cho biết kỳ bằng --period",
                ));
            }
        };
        let absolute = std::path::absolute(file).unwrap_or_else(|_| file.to_path_buf());
        let info = RunInfo {
            started_at: super::now(),
            run_key: None,
            source: "import",
            inbox: &absolute,
            out: None,
        };
        let recorded = self.record_files(
            &form.id,
            &form.version,
            period,
            &files,
            &totals,
            &info,
            reopen,
        )?;
        Ok(Imported { recorded, source })
    }
}

type Parts = (Option<Period>, Vec<FileRecord>, Vec<(String, f64)>);

/// A date as report.json writes it.
fn json_date(v: Option<&Json>) -> Option<NaiveDate> {
    NaiveDate::parse_from_str(v?.as_str()?, "%d/%m/%Y").ok()
}

/// A run's report.json: its period, every file with its outcome, the included files'
/// figures (a table column as the sum of its rows, or its total row when the run wrote
/// no rows), and the province's figures.
fn from_report(form: &Form, path: &Path) -> Result<Parts, ArchiveError> {
    let text = std::fs::read_to_string(path).map_err(|e| {
        refuse(
            path,
            format!("cannot be read ({e})"),
            format!(
                "không đọc được tệp ({})",
                crate::lang::io_text(&e, crate::lang::Lang::Vi)
            ),
        )
    })?;
    let json: Json = serde_json::from_str(&text).map_err(|e| {
        refuse(
            path,
            format!("not a report.json ({e})"),
            format!("không phải tệp report.json của tonghop ({e})"),
        )
    })?;
    let form_id = json.pointer("/form/id").and_then(Json::as_str);
    if form_id != Some(form.id.as_str()) {
        let id = form_id.unwrap_or("?");
        return Err(refuse(
            path,
            format!(
                "made with form '{id}', not '{}': give its form with --form",
                form.id
            ),
            format!(
                "tệp làm theo biểu mẫu '{id}', không phải '{}': hãy chỉ biểu mẫu bằng --form",
                form.id
            ),
        ));
    }
    let period = match (
        json_date(json.pointer("/period/from")),
        json_date(json.pointer("/period/to")),
    ) {
        (Some(from), Some(to)) if from <= to => Some(Period { from, to }),
        _ => None,
    };
    let keys: HashMap<String, crate::spec::FieldRef> = form
        .summed_fields()
        .into_iter()
        .map(|f| (form.field_key(f), f))
        .collect();
    let layout = FigureLayout::of(&json);
    let mut files = Vec::new();
    for s in json
        .get("submissions")
        .and_then(Json::as_array)
        .into_iter()
        .flatten()
    {
        let text = |k: &str| s.get(k).and_then(Json::as_str).map(str::to_string);
        let count = |k: &str| s.get(k).and_then(Json::as_u64).unwrap_or(0) as usize;
        let unit = text("unit").filter(|c| form.units.by_code(c).is_some());
        let included = s
            .get("included_in_totals")
            .and_then(Json::as_bool)
            .unwrap_or(false)
            && unit.is_some();
        let given = layout.figures(s);
        let mut figures = Vec::new();
        if included {
            for f in &given {
                if !keys.contains_key(f.key) {
                    continue;
                }
                let Some(value) = f.value.as_f64() else {
                    continue;
                };
                figures.push(UnitFigure {
                    key: f.key.to_string(),
                    value,
                    sheet: f.sheet.map(str::to_string),
                    cell: f.cell.map(str::to_string),
                });
            }
            for (tkey, t) in s
                .get("tables")
                .and_then(Json::as_object)
                .into_iter()
                .flatten()
            {
                figures.extend(table_figures(form, tkey, t, &keys));
            }
        }
        files.push(FileRecord {
            unit,
            file: text("file").unwrap_or_default(),
            sha256: text("sha256").filter(|h| !h.is_empty()),
            size: s.get("size").and_then(Json::as_u64),
            status: text("status").unwrap_or_else(|| "accepted".into()),
            included,
            errors: count("errors"),
            warnings: count("warnings"),
            report_date: json_date(identity_value(form, &given, form.identity.report_date))
                .map(super::iso),
            figures,
            current: included,
            preparer: identity_text(form, &given, form.identity.preparer),
            phone: identity_text(form, &given, form.identity.phone),
            ..FileRecord::default()
        });
    }
    let totals = json
        .get("totals")
        .and_then(Json::as_object)
        .into_iter()
        .flatten()
        .filter(|(k, _)| keys.contains_key(*k))
        .filter_map(|(k, v)| v.as_f64().map(|v| (k.clone(), v)))
        .collect();
    Ok((period, files, totals))
}

/// A table's column figures from report.json: the sum of its rows where the rows are
/// given, else the unit's total row.
fn table_figures(
    form: &Form,
    tkey: &str,
    t: &Json,
    keys: &HashMap<String, crate::spec::FieldRef>,
) -> Vec<UnitFigure> {
    let columns: Vec<&str> = t
        .get("columns")
        .and_then(Json::as_array)
        .into_iter()
        .flatten()
        .filter_map(Json::as_str)
        .collect();
    let sheet = t.get("sheet").and_then(Json::as_str).map(str::to_string);
    let rows = t.get("rows").and_then(Json::as_array);
    let total = t.get("total").and_then(Json::as_array);
    // The rows a column's figure adds up, as the run records them: from the table's
    // first row to the row above the total row (else its last row given). A row is
    // `[row, label, ...]`, its row counted from 1.
    let spec = form.tables.iter().find(|s| s.key == tkey);
    let row_of = |r: Option<&Vec<Json>>| r?.first()?.as_u64()?.checked_sub(1);
    let last = spec.map(|s| {
        row_of(total)
            .map(|r| r.saturating_sub(1))
            .or_else(|| row_of(rows.and_then(|r| r.last()).and_then(Json::as_array)))
            .and_then(|r| u32::try_from(r).ok())
            .unwrap_or(s.first_row)
            .max(s.first_row)
    });
    let mut out = Vec::new();
    for (k, col) in columns.iter().enumerate().skip(2) {
        let key = format!("{tkey}.{col}");
        if !keys.contains_key(&key) {
            continue;
        }
        let value = match rows {
            Some(rows) => {
                let vals: Vec<f64> = rows
                    .iter()
                    .filter_map(|r| r.get(k).and_then(Json::as_f64))
                    .collect();
                (!vals.is_empty() || total.is_some()).then(|| vals.iter().sum())
            }
            None => total.and_then(|r| r.get(k)).and_then(Json::as_f64),
        };
        if let Some(value) = value {
            let cell = spec.zip(last).and_then(|(s, last)| {
                let c = s.columns.iter().find(|c| c.key == *col)?.col;
                Some(format!(
                    "{}:{}",
                    Pos::new(s.first_row, c),
                    Pos::new(last, c)
                ))
            });
            out.push(UnitFigure {
                key,
                value,
                sheet: sheet.clone(),
                cell,
            });
        }
    }
    out
}

/// A one-row-per-unit workbook: its period, one included "file" per unit row (the
/// workbook, with each figure's cell), and the province's sums of its counts.
fn from_table(form: &Form, path: &Path) -> Result<Parts, ArchiveError> {
    let mut wb = calamine::open_workbook_auto(path).map_err(|e| {
        refuse(
            path,
            format!("not a workbook that can be read ({e})"),
            format!("không đọc được bảng tính ({e})"),
        )
    })?;
    let range = wb.worksheet_range(SHEET).map_err(|_| {
        refuse(
            path,
            format!("no sheet '{SHEET}': write the blank with `tonghop archive template`"),
            format!("không có trang '{SHEET}': hãy lập bảng từ mẫu `tonghop archive template`"),
        )
    })?;
    let at = |row: u32, col: u32| range.get_value((row, col));
    let date = |row: u32, col: u32| match at(row, col) {
        Some(Data::DateTime(d)) if d.is_datetime() && (0.0..2_958_466.0).contains(&d.as_f64()) => {
            let (y, m, day, ..) = d.to_ymd_hms_milli();
            NaiveDate::from_ymd_opt(y as i32, m as u32, day as u32)
        }
        Some(Data::Float(f)) => crate::text::date::from_excel_serial(*f, false).ok(),
        Some(Data::String(s)) => crate::text::date::parse_date_text(s).ok(),
        _ => None,
    };
    let period = match (date(PERIOD_ROW, 1), date(PERIOD_ROW, 3)) {
        (Some(from), Some(to)) if from <= to => Some(Period { from, to }),
        _ => None,
    };
    if let Some(Data::String(id)) = at(units_table::FORM_ROW, 1)
        && id.trim() != form.id
    {
        return Err(refuse(
            path,
            format!(
                "made for form '{id}', not '{}': give its form with --form",
                form.id
            ),
            format!(
                "bảng lập theo biểu mẫu '{id}', không phải '{}': hãy chỉ biểu mẫu bằng --form",
                form.id
            ),
        ));
    }
    let (_, width) = range.end().unwrap_or((0, 0));
    let fields: HashMap<String, crate::spec::FieldRef> = form
        .summed_fields()
        .into_iter()
        .map(|f| (form.field_key(f), f))
        .collect();
    let mut columns: Vec<(u32, String, FieldType)> = Vec::new();
    let mut problems: Vec<String> = Vec::new();
    for col in 0..=width {
        let Some(Data::String(key)) = at(KEY_ROW, col) else {
            continue;
        };
        let key = key.trim();
        if col < 2 || key == CODE_KEY || key == units_table::NAME_KEY {
            continue;
        }
        match fields.get(key) {
            Some(&f) => columns.push((col, key.to_string(), form.field_type(f))),
            None => problems.push(format!("{}: '{key}'", Pos::new(KEY_ROW, col as u16))),
        }
    }
    if !problems.is_empty() {
        return Err(refuse(
            path,
            format!("figures the form does not know: {}", shown(&problems)),
            format!("cột số liệu biểu mẫu không có: {}", shown(&problems)),
        ));
    }
    let absolute = std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf());
    let file = absolute.display().to_string();
    let (height, _) = range.end().unwrap_or((0, 0));
    let mut files: Vec<FileRecord> = Vec::new();
    let mut seen: HashMap<String, u32> = HashMap::new();
    let mut sums: BTreeMap<String, f64> = BTreeMap::new();
    for row in FIRST_UNIT_ROW..=height {
        let Some(code) = crate::write::units_table::unit_code(at(row, 0)) else {
            continue;
        };
        let cell = Pos::new(row, 0);
        if form.units.by_code(&code).is_none() {
            // Language-neutral: the list goes into a message of either language.
            problems.push(format!("{cell}: '{code}' ∉"));
            continue;
        }
        if let Some(first) = seen.insert(code.clone(), row) {
            problems.push(format!("{cell}: '{code}' = {}", Pos::new(first, 0)));
            continue;
        }
        let mut figures = Vec::new();
        for (col, key, ty) in &columns {
            let pos = Pos::new(row, *col as u16);
            let kind = match ty {
                FieldType::Count => NumberKind::Count,
                FieldType::Percent => NumberKind::Percent,
                _ => NumberKind::Decimal,
            };
            let value = match at(row, *col) {
                None | Some(Data::Empty) => continue,
                Some(Data::Float(f)) => Some(*f),
                Some(Data::Int(i)) => Some(*i as f64),
                Some(Data::String(s)) if s.trim().is_empty() => continue,
                Some(Data::String(s)) => parse_number_text(s, kind).ok().map(|p| p.value),
                Some(_) => None,
            };
            let value = value
                .filter(|v| within_bound(*v))
                .filter(|v| *ty != FieldType::Count || (v.fract() == 0.0 && *v >= 0.0));
            let Some(value) = value else {
                problems.push(format!("{pos}"));
                continue;
            };
            if *ty != FieldType::Percent {
                *sums.entry(key.clone()).or_default() += value;
            }
            figures.push(UnitFigure {
                key: key.clone(),
                value,
                sheet: Some(SHEET.to_string()),
                cell: Some(pos.to_string()),
            });
        }
        // A unit row left blank is no report: the unit is simply not in the period.
        if figures.is_empty() {
            continue;
        }
        files.push(FileRecord {
            unit: Some(code),
            file: file.clone(),
            sha256: None,
            size: None,
            status: "accepted".into(),
            included: true,
            errors: 0,
            warnings: 0,
            report_date: None,
            figures,
            ..FileRecord::default()
        });
    }
    if !problems.is_empty() {
        return Err(refuse(
            path,
            format!(
                "cells that cannot be imported: a unit code not in the form (marked ∉), a unit code repeated (marked = and the cell of its first entry), or a figure not valid for its column (the cell's address alone): {}",
                shown(&problems)
            ),
            format!(
                "có ô không nhập được — mã đơn vị không có trong biểu mẫu (đánh dấu ∉), mã đơn vị ghi lặp lại (đánh dấu = và ô ghi lần đầu), hoặc số liệu không hợp lệ với cột (chỉ ghi địa chỉ ô): {}",
                shown(&problems)
            ),
        ));
    }
    if files.is_empty() {
        return Err(refuse(
            path,
            format!("no unit row with figures (from row {})", FIRST_UNIT_ROW + 1),
            format!(
                "không có dòng đơn vị nào có số liệu (từ dòng {})",
                FIRST_UNIT_ROW + 1
            ),
        ));
    }
    Ok((period, files, sums.into_iter().collect()))
}

fn shown(problems: &[String]) -> String {
    let mut s = problems
        .iter()
        .take(SHOWN_PROBLEMS)
        .cloned()
        .collect::<Vec<_>>()
        .join("; ");
    if problems.len() > SHOWN_PROBLEMS {
        s.push_str(&format!("; … (+{})", problems.len() - SHOWN_PROBLEMS));
    }
    s
}

/// An identity text of a submission in report.json (its preparer, its phone).
fn identity_text(form: &Form, given: &[JsonFigure], cell: Option<usize>) -> Option<String> {
    let t = identity_value(form, given, cell)?.as_str()?.trim();
    (!t.is_empty()).then(|| t.to_string())
}

/// The value of an identity cell among a submission's figures.
fn identity_value<'a>(
    form: &Form,
    given: &[JsonFigure<'a>],
    cell: Option<usize>,
) -> Option<&'a Json> {
    let key = &form.cells[cell?].key;
    given.iter().find(|f| f.key == key).map(|f| f.value)
}

/// One figure of a submission in report.json.
struct JsonFigure<'a> {
    key: &'a str,
    value: &'a Json,
    sheet: Option<&'a str>,
    cell: Option<&'a str>,
}

/// How a report.json lays out its submissions' figures. Since version 0.2 they are bare
/// values in the order of `form.figures`, which gives each one's key, sheet and cell (a
/// submission names its own sheets and the cells it has elsewhere, under `moved`). A
/// report.json of an earlier version gives each figure as `{"value","sheet","cell"}` by
/// key; a province may still import those.
struct FigureLayout<'a> {
    /// `form.figures` and `form.sheets`; `None` in an earlier report.json.
    figures: Option<(&'a [Json], &'a [Json])>,
}

impl<'a> FigureLayout<'a> {
    fn of(json: &'a Json) -> FigureLayout<'a> {
        let arr = |p: &str| json.pointer(p).and_then(Json::as_array).map(Vec::as_slice);
        FigureLayout {
            figures: arr("/form/figures").map(|f| (f, arr("/form/sheets").unwrap_or(&[]))),
        }
    }

    /// A submission's figures; a list line its file lacks is not among them.
    fn figures(&self, s: &'a Json) -> Vec<JsonFigure<'a>> {
        let Some((layout, form_sheets)) = self.figures else {
            return s
                .get("figures")
                .and_then(Json::as_object)
                .into_iter()
                .flatten()
                .map(|(key, v)| JsonFigure {
                    key,
                    value: v.get("value").unwrap_or(&Json::Null),
                    sheet: v.get("sheet").and_then(Json::as_str),
                    cell: v.get("cell").and_then(Json::as_str),
                })
                .collect();
        };
        let values = s
            .get("figures")
            .and_then(Json::as_array)
            .map_or(&[][..], Vec::as_slice);
        let moved = s.get("moved").and_then(Json::as_object);
        let sheets = s.get("sheets").and_then(Json::as_array);
        layout
            .iter()
            .zip(values)
            .filter_map(|(f, value)| {
                let key = f.get("key")?.as_str()?;
                let cell = match moved.and_then(|m| m.get(key)) {
                    Some(Json::Null) => return None,
                    Some(c) => c.as_str(),
                    None => f.get("cell").and_then(Json::as_str),
                };
                let form_sheet = f.get("sheet").and_then(Json::as_str);
                // The unit's own name of the sheet, found by the form's sheet's place.
                let sheet = form_sheet.map(|name| {
                    form_sheets
                        .iter()
                        .position(|n| n.as_str() == Some(name))
                        .and_then(|i| sheets?.get(i)?.as_str())
                        .unwrap_or(name)
                });
                Some(JsonFigure {
                    key,
                    value,
                    sheet,
                    cell,
                })
            })
            .collect()
    }
}
