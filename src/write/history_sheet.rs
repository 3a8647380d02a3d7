//! *Lịch sử*: every version of each unit's file seen for the period, this run's and
//! the archive's earlier runs', with its standing, hash, dates and which one is used
//! now; and *Quyết định*, the clerk's decisions and what became of them. Both printed
//! A4 landscape, one page wide, the header row on every page.
//!
//! Dates of sighting are shown as days, not times: two runs of the same inputs on the
//! same day write the same workbook, whether or not the archive saw the files first.

use super::{cell_text, style};
use crate::archive::{FileRecord, Version, files_without_figures, merge_versions};
use crate::consolidate::Consolidation;
use crate::decision::{Applied, State};
use crate::finding::Finding;
use crate::form::Form;
use crate::lang::Lang;
use rust_xlsxwriter::{FormatAlign, Workbook, Worksheet, XlsxError};
use serde_json::{Value as Json, json};
use std::path::PathBuf;

/// The versions of the period's files, as the archive will hold them after this run.
#[derive(Debug, Clone, Default)]
pub struct Versions {
    /// The archive they come from; `None` without one (`--no-archive`).
    pub archive: Option<PathBuf>,
    /// The versions, by unit then when first seen.
    pub list: Vec<Version>,
}

impl Versions {
    /// The stored versions (in `list`) with this run's files merged in, at `now`.
    pub fn with_run(
        self,
        form: &Form,
        c: &Consolidation,
        decisions: &[Option<String>],
        now: &str,
    ) -> Versions {
        let files: Vec<FileRecord> = files_without_figures(form, c, decisions);
        Versions {
            archive: self.archive,
            list: merge_versions(self.list, &files, now),
        }
    }

    /// report.json's `versions`, serialised version by version: built as one JSON tree
    /// it held 2 KB a version while report.json was written (heaptrack, 20,000 files).
    pub fn json(&self) -> impl serde::Serialize + '_ {
        VersionsJson(&self.list)
    }
}

struct VersionsJson<'a>(&'a [Version]);

/// One version as report.json gives it; fields in byte order, as a JSON object built
/// whole would have them.
#[derive(serde::Serialize)]
struct VersionJson<'a> {
    current: bool,
    decision: &'a Option<String>,
    errors: usize,
    file: &'a str,
    file_time: &'a Option<String>,
    first_seen: &'a str,
    last_seen: &'a str,
    outcome: &'a str,
    report_date: &'a Option<String>,
    sha256: &'a str,
    size: Option<u64>,
    status: &'a str,
    unit: &'a str,
    warnings: usize,
}

impl serde::Serialize for VersionsJson<'_> {
    fn serialize<S: serde::Serializer>(&self, ser: S) -> Result<S::Ok, S::Error> {
        ser.collect_seq(self.0.iter().map(|v| VersionJson {
            current: v.current,
            decision: &v.decision,
            errors: v.errors,
            file: &v.file,
            file_time: &v.file_time,
            first_seen: day(&v.first_seen),
            last_seen: day(&v.last_seen),
            outcome: &v.outcome,
            report_date: &v.report_date,
            sha256: &v.sha256,
            size: v.size,
            status: v.status.as_str(),
            unit: &v.unit,
            warnings: v.warnings,
        }))
    }
}

/// The day of an RFC 3339 time (`2026-07-15`).
fn day(t: &str) -> &str {
    t.get(..10).unwrap_or(t)
}

/// A day or a time as a clerk reads it.
fn shown(t: &str, with_time: bool) -> String {
    match chrono::DateTime::parse_from_rfc3339(t) {
        Ok(d) if with_time => d.format("%d/%m/%Y %H:%M").to_string(),
        Ok(d) => d.format("%d/%m/%Y").to_string(),
        Err(_) => chrono::NaiveDate::parse_from_str(day(t), "%Y-%m-%d")
            .map_or_else(|_| t.to_string(), crate::text::date::format_date),
    }
}

/// report.json's `decisions`: the file, each decision with who, when, note and what
/// became of it, and the file's unusable entries.
pub fn decisions_json(c: &Consolidation, d: &Applied, lang: Lang) -> Json {
    let entries: Vec<Json> = d
        .outcomes
        .iter()
        .map(|o| {
            let (state, why) = match &o.state {
                State::Applied => ("applied", None),
                State::NotApplied(w) => ("not_applied", Some(w.get(lang))),
                State::Expired(w) => ("expired", Some(w.get(lang))),
            };
            let codes = match &o.decision.kind {
                crate::decision::Kind::Accept { codes } => codes.clone(),
                crate::decision::Kind::Keep { .. } => Vec::new(),
            };
            json!({
                "n": o.decision.n,
                "unit": o.decision.unit,
                "kind": o.decision.kind_name(),
                "codes": codes,
                "sha256": o.decision.sha256,
                "by": o.decision.by,
                "at": o.decision.at,
                "note": o.decision.note,
                "state": state,
                "reason": why,
                "file": o.submission.map(|i| c.submissions[i].file.as_str()),
            })
        })
        .collect();
    json!({
        "file": d.file,
        "entries": d.count,
        "decisions": entries,
        "findings": d.problems.iter().map(|f| f.message.get(lang)).collect::<Vec<_>>(),
    })
}

const HEAD: u32 = 2;

/// Narrow enough for one A4 page across in legible type: the file's name and the
/// decision wrap (their rows are as tall as they need); the full hash takes its four
/// lines of 16.
fn columns(lang: Lang) -> [(&'static str, f64); 13] {
    [
        (lang.pick("STT", "No."), 5.0),
        (lang.pick("Mã ĐV", "Unit"), 11.0),
        (lang.pick("Tệp", "File"), 18.0),
        (lang.pick("Tình trạng", "Status"), 12.0),
        (lang.pick("Đang dùng", "Used now"), 7.0),
        (lang.pick("Ngày báo cáo", "Date of report"), 10.0),
        (
            lang.pick("Thời gian lưu tệp (chỉ để xem)", "File time (shown only)"),
            14.0,
        ),
        (lang.pick("Nhận lần đầu", "First seen"), 10.0),
        (lang.pick("Thấy lần cuối", "Last seen"), 10.0),
        (lang.pick("Lỗi / cảnh báo", "Errors / warnings"), 8.0),
        (lang.pick("Mã băm (12 ký tự đầu)", "Hash (first 12)"), 13.0),
        (lang.pick("SHA-256 đầy đủ", "Full SHA-256"), 18.0),
        (lang.pick("Quyết định", "Decision"), 16.0),
    ]
}

/// The page setup both sheets share.
/// A4 landscape, as many pages across as legible type needs, the unit's number and
/// code starting each.
fn print_setup(ws: &mut Worksheet, cols: &[(&str, f64)], lang: Lang) -> Result<(), XlsxError> {
    ws.set_freeze_panes(HEAD + 1, 0)?;
    let widths: Vec<f64> = cols.iter().map(|c| c.1).collect();
    let plan = super::print::across(ws, &widths, 2, &|_| true, None)?;
    ws.set_repeat_rows(HEAD, HEAD)?;
    ws.set_print_center_horizontally(plan.pages == 1);
    ws.set_footer(lang.pick("&CTrang &P/&N", "&CPage &P of &N"));
    Ok(())
}

fn head(
    ws: &mut Worksheet,
    title: &str,
    subtitle: &str,
    cols: &[(&str, f64)],
) -> Result<(), XlsxError> {
    let last = cols.len() as u16 - 1;
    for (k, (_, w)) in cols.iter().enumerate() {
        ws.set_column_width(k as u16, *w)?;
    }
    ws.set_row_height(0, 24)?;
    ws.merge_range(0, 0, 0, last, title, &style::title())?;
    ws.merge_range(
        1,
        0,
        1,
        last,
        subtitle,
        &style::note().set_align(FormatAlign::Center),
    )?;
    ws.set_row_height(HEAD, 48)?;
    let h = style::header();
    for (k, (t, _)) in cols.iter().enumerate() {
        ws.write_string_with_format(HEAD, k as u16, *t, &h)?;
    }
    Ok(())
}

/// The full hash in four groups of 16, one per line, so it fits a narrow column;
/// `tonghop decide --sha` takes it with its line breaks.
fn grouped(sha: &str) -> String {
    let chars: Vec<char> = sha.chars().collect();
    chars
        .chunks(16)
        .map(|c| c.iter().collect::<String>())
        .collect::<Vec<_>>()
        .join("\n")
}

/// Add *Lịch sử* (and *Quyết định* when the inbox has a decisions' file) to `wb`, filled.
pub fn add(
    wb: &mut Workbook,
    form: &Form,
    c: &Consolidation,
    versions: Option<&Versions>,
    decisions: Option<&Applied>,
    lang: Lang,
) -> Result<(), XlsxError> {
    let Some(versions) = versions else {
        return Ok(());
    };
    // Streamed, rows forgotten once written: the history has a row per file and
    // two for a unit, 100,000 rows of 13 cells for a national roll-up, which held
    // about 270 MB as a cell table until the save. Both sheets are written top to
    // bottom and carry no drawing object.
    let ws = wb.add_worksheet_with_constant_memory()?;
    ws.set_name(lang.pick("Lịch sử", "History"))?
        .forget_written_rows(true);
    history(ws, form, c, versions, lang)?;
    if let Some(d) = decisions.filter(|d| d.file.is_some() || !d.problems.is_empty()) {
        let ws = wb.add_worksheet_with_constant_memory()?;
        ws.set_name(lang.pick("Quyết định", "Decisions"))?
            .forget_written_rows(true);
        decision_sheet(ws, form, c, d, lang)?;
    }
    Ok(())
}

fn history(
    ws: &mut Worksheet,
    form: &Form,
    c: &Consolidation,
    versions: &Versions,
    lang: Lang,
) -> Result<(), XlsxError> {
    let mut cols = columns(lang);
    (cols[1].1, cols[2].1) = style::fitted(form, cols[1].1, cols[2].1);
    let last = cols.len() as u16 - 1;
    let period = c.period.map_or_else(
        || {
            lang.pick("Kỳ báo cáo: chưa rõ", "Period: not known")
                .to_string()
        },
        |p| format!("{} {p}", lang.pick("Kỳ báo cáo", "Period")),
    );
    let source = match &versions.archive {
        Some(a) => format!(
            "{} {}",
            lang.pick(
                "Các tệp của lần chạy này và của các lần chạy trước lưu trong kho",
                "This run's files and earlier runs' kept in the archive"
            ),
            a.file_name().map_or_else(
                || a.display().to_string(),
                |n| n.to_string_lossy().into_owned()
            )
        ),
        None => lang
            .pick(
                "Không dùng kho lưu trữ (--no-archive): chỉ có các tệp của lần chạy này",
                "No archive (--no-archive): this run's files only",
            )
            .to_string(),
    };
    head(
        ws,
        lang.pick(
            "LỊCH SỬ CÁC TỆP BÁO CÁO CỦA ĐƠN VỊ",
            "HISTORY OF THE UNITS' FILES",
        ),
        &format!("{period}. {source}."),
        &cols,
    )?;
    let middle = |f: rust_xlsxwriter::Format| f.set_align(FormatAlign::VerticalCenter);
    let (text, wrap, group) = (
        middle(style::text()),
        style::label(),
        middle(style::bold().set_background_color(0xF2F2F2)),
    );
    let mut row = HEAD + 1;
    let mut n = 0;
    let mut unit: Option<&str> = None;
    // The list is sorted by unit: a unit's versions follow one another, so each group is
    // counted from where it starts (a national roll-up has 50,000 units).
    for (k, v) in versions.list.iter().enumerate() {
        if unit != Some(v.unit.as_str()) {
            unit = Some(v.unit.as_str());
            let name = form
                .units
                .by_code(&v.unit)
                .map_or("", |u| form.units[u].name.as_str());
            let count = versions.list[k..]
                .iter()
                .take_while(|x| x.unit == v.unit)
                .count();
            let label = format!(
                "{} — {name}: {count} {}",
                v.unit,
                lang.pick("phiên bản", if count == 1 { "version" } else { "versions" })
            );
            ws.merge_range(row, 0, row, last, &cell_text(&label), &group)?;
            row += 1;
        }
        n += 1;
        let decision = v.decision.clone().unwrap_or_default();
        let cells: [String; 12] = [
            v.unit.clone(),
            v.file.clone(),
            v.status.text().get(lang).to_string(),
            // The column's heading says what the tick means; the word did not fit beside it.
            if v.current {
                "✔".to_string()
            } else {
                String::new()
            },
            v.report_date
                .as_deref()
                .map(|d| shown(d, false))
                .unwrap_or_default(),
            v.file_time
                .as_deref()
                .map(|t| shown(t, true))
                .unwrap_or_default(),
            shown(&v.first_seen, false),
            shown(&v.last_seen, false),
            format!("{} / {}", v.errors, v.warnings),
            v.short_hash().to_string(),
            grouped(&v.sha256),
            decision.clone(),
        ];
        let lines = [
            style::wrapped_height(&cells[1], cols[2].1),
            style::wrapped_height(&cells[2], cols[3].1),
            style::wrapped_height(&cells[10], cols[11].1),
            style::wrapped_height(&decision, cols[12].1),
        ]
        .into_iter()
        .flatten()
        .fold(None, |m: Option<f64>, h| Some(m.map_or(h, |m| m.max(h))));
        if let Some(h) = lines {
            ws.set_row_height(row, h)?;
        }
        ws.write_number_with_format(row, 0, n as f64, &text)?;
        for (k, s) in cells.iter().enumerate() {
            let col = 1 + k as u16;
            let f = if matches!(col, 2 | 3 | 12 | 13) {
                &wrap
            } else {
                &text
            };
            ws.write_string_with_format(row, col, cell_text(s), f)?;
        }
        row += 1;
    }
    if versions.list.is_empty() {
        ws.merge_range(
            row,
            0,
            row,
            last,
            lang.pick(
                "Chưa có tệp nào của đơn vị trong kỳ này.",
                "No unit's file for this period yet.",
            ),
            &style::note().set_align(FormatAlign::Center),
        )?;
    }
    print_setup(ws, &cols, lang)
}

fn decision_sheet(
    ws: &mut Worksheet,
    form: &Form,
    c: &Consolidation,
    d: &Applied,
    lang: Lang,
) -> Result<(), XlsxError> {
    let cols: [(&str, f64); 9] = [
        (lang.pick("Số", "No."), 5.0),
        (lang.pick("Mã ĐV", "Unit"), style::code_width(form, 12.0)),
        (lang.pick("Quyết định", "Decision"), 22.0),
        (lang.pick("Mã băm của tệp", "File's hash"), 18.0),
        (lang.pick("Người quyết định", "By"), 18.0),
        (lang.pick("Lúc", "When"), 15.0),
        (lang.pick("Lý do", "Note"), 30.0),
        (lang.pick("Hiệu lực", "Standing"), 36.0),
        (lang.pick("Tệp", "File"), 22.0),
    ];
    let file = d.file.as_deref().unwrap_or(crate::decision::FILE_NAME);
    head(
        ws,
        lang.pick("QUYẾT ĐỊNH CỦA NGƯỜI TỔNG HỢP", "THE CLERK'S DECISIONS"),
        &format!(
            "{} {file}: {} {}; {} {}.",
            lang.pick("Tệp", "File"),
            d.count,
            lang.pick("mục", "entries"),
            d.problems.len(),
            lang.pick("mục không dùng được (bên dưới)", "not usable (below)"),
        ),
        &cols,
    )?;
    let middle = |f: rust_xlsxwriter::Format| f.set_align(FormatAlign::VerticalCenter);
    let (text, wrap) = (middle(style::text()), style::label());
    let mut row = HEAD + 1;
    for o in &d.outcomes {
        let x = &o.decision;
        let standing = match &o.state {
            State::Applied => lang.pick("Đang áp dụng", "in force").to_string(),
            State::NotApplied(w) | State::Expired(w) => w.get(lang).to_string(),
        };
        let cells: [String; 8] = [
            x.unit.clone(),
            x.what().get(lang).to_string(),
            x.sha256.clone(),
            x.by.clone(),
            x.when(),
            x.note.clone(),
            standing,
            o.submission
                .map(|i| c.submissions[i].file.clone())
                .unwrap_or_default(),
        ];
        let h = [(1usize, 2usize), (5, 6), (6, 7), (7, 8)]
            .iter()
            .filter_map(|&(k, col)| style::wrapped_height(&cells[k], cols[col].1))
            .fold(None, |m: Option<f64>, h| Some(m.map_or(h, |m| m.max(h))));
        if let Some(h) = h {
            ws.set_row_height(row, h)?;
        }
        ws.write_number_with_format(row, 0, x.n as f64, &text)?;
        for (k, s) in cells.iter().enumerate() {
            ws.write_string_with_format(row, 1 + k as u16, cell_text(s), &wrap)?;
        }
        row += 1;
    }
    problems(ws, row, &d.problems, cols.len() as u16 - 1, lang)?;
    print_setup(ws, &cols, lang)
}

/// The unusable entries, one merged line each, below the decisions.
fn problems(
    ws: &mut Worksheet,
    mut row: u32,
    list: &[Finding],
    last: u16,
    lang: Lang,
) -> Result<(), XlsxError> {
    if list.is_empty() {
        return Ok(());
    }
    row += 1;
    ws.merge_range(
        row,
        0,
        row,
        last,
        lang.pick("Mục không dùng được", "Entries not usable"),
        &style::section(),
    )?;
    row += 1;
    let wrap = style::label().set_font_color(style::FAULT_TEXT);
    for f in list {
        let m = cell_text(f.message.get(lang));
        if let Some(h) = style::wrapped_height(&m, 170.0) {
            ws.set_row_height(row, h)?;
        }
        ws.merge_range(row, 0, row, last, &m, &wrap)?;
        row += 1;
    }
    Ok(())
}
