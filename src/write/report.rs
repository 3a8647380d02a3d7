//! report.json: everything the run decided, for machines. Keys are the form's describe
//! keys; figures carry the sheet and cell they were read from.

use super::{WriteError, atomic_write};
use crate::consolidate::Consolidation;
use crate::extract::Value;
use crate::finding::{Lang, Msg};
use crate::pipeline::{Skipped, Status};
use crate::rules::Context;
use crate::spec::{FieldRef, Form, Pos};
use crate::text::date::format_date;
use serde::Serialize;
use serde_json::{Map, Value as Json, json};
use std::path::Path;

/// Finite, and -0 as 0: JSON and spreadsheet cells never see NaN or a signed zero.
pub fn plain_number(v: f64) -> f64 {
    if v.is_finite() && v != 0.0 { v } else { 0.0 }
}

fn number(v: f64) -> Json {
    let v = plain_number(v);
    if v.fract() == 0.0 && v.abs() < 9.0e15 { json!(v as i64) } else { json!(v) }
}

fn value(v: &Value) -> Json {
    match v {
        Value::Blank => Json::Null,
        Value::Number(n) => number(*n),
        Value::Text(s) => json!(s),
        Value::Date(d) => json!(format_date(*d)),
        Value::Invalid(s) => json!({ "invalid": s }),
    }
}

#[derive(Serialize)]
struct FindingJson<'a> {
    rule: &'a str,
    severity: crate::spec::Severity,
    sheet: &'a Option<String>,
    cell: &'a Option<String>,
    message: &'a str,
    found: &'a Option<String>,
    expected: &'a Option<String>,
}

/// Build the report as a JSON value (also printed by `check --json`).
pub fn build(form: &Form, c: &Consolidation, skipped: &[Skipped], ctx: &Context, lang: Lang) -> Json {
    let subs: Vec<Json> = c
        .submissions
        .iter()
        .enumerate()
        .map(|(i, s)| {
            let unit = s.unit.map(|u| &form.units[u]);
            let findings: Vec<FindingJson> = s
                .findings
                .iter()
                .map(|f| FindingJson {
                    rule: &f.rule,
                    severity: f.severity,
                    sheet: &f.sheet,
                    cell: &f.cell,
                    message: f.message.get(lang),
                    found: &f.found,
                    expected: &f.expected,
                })
                .collect();
            let mut figures = Map::new();
            let mut tables = Map::new();
            if let Some(r) = &s.report {
                for (ci, cell) in form.cells.iter().enumerate() {
                    figures.insert(
                        cell.key.clone(),
                        json!({ "value": value(&r.cells[ci]), "sheet": r.sheet(cell.sheet), "cell": cell.pos.to_string() }),
                    );
                }
                for (ti, t) in form.tables.iter().enumerate() {
                    let d = &r.tables[ti];
                    let row_json = |row: &crate::extract::Row| {
                        let mut vals = Map::new();
                        for (col, v) in t.columns.iter().zip(&row.values) {
                            vals.insert(col.key.clone(), value(v));
                        }
                        json!({ "row": row.row + 1, "label": row.label, "values": vals })
                    };
                    tables.insert(
                        t.key.clone(),
                        json!({
                            "sheet": r.sheet(t.sheet),
                            "rows": d.rows.iter().map(row_json).collect::<Vec<_>>(),
                            "total": d.total.as_ref().map(row_json),
                        }),
                    );
                }
            }
            json!({
                "file": s.file,
                "sha256": s.sha256,
                "size": s.size,
                "format": s.format.map(|f| format!("{f:?}").to_lowercase()),
                "unit": unit.map(|u| u.code.clone()),
                "unit_name": unit.map(|u| u.name.clone()),
                "status": s.status,
                "included_in_totals": c.included[i],
                "superseded_by": s.superseded_by,
                "errors": s.errors(),
                "warnings": s.warnings(),
                "findings": findings,
                "figures": figures,
                "tables": tables,
            })
        })
        .collect();
    let mut totals = Map::new();
    for (f, v) in &c.totals {
        totals.insert(form.field_key(*f), v.map_or(Json::Null, number));
    }
    let count = |st: Status| c.submissions.iter().filter(|s| s.status == st).count();
    json!({
        "tool": { "name": "tonghop", "version": env!("CARGO_PKG_VERSION") },
        "form": { "id": form.id, "version": form.version, "title": form.title },
        "period": ctx.period.map(|(a, b)| json!({ "from": format_date(a), "to": format_date(b) })),
        "summary": {
            "expected_units": form.units.len(),
            "files": c.submissions.len(),
            "accepted": count(Status::Accepted),
            "rejected": count(Status::Rejected),
            "unreadable": count(Status::Unreadable),
            "duplicate": count(Status::Duplicate),
            "unknown_unit": count(Status::UnknownUnit),
            "missing": c.missing_units().len(),
            "skipped": skipped.len(),
        },
        "submissions": subs,
        "missing_units": c.missing_units().iter().map(|&u| form.units[u].code.clone()).collect::<Vec<_>>(),
        "skipped": skipped.iter().map(|s| json!({ "file": s.file, "reason": s.reason.get(lang) })).collect::<Vec<_>>(),
        "totals": totals,
    })
}

pub fn write(path: &Path, report: &Json) -> Result<(), WriteError> {
    let mut bytes = serde_json::to_vec_pretty(report).map_err(|source| WriteError::Json { path: path.display().to_string(), source })?;
    bytes.push(b'\n');
    atomic_write(path, &bytes)
}

/// Where a field's figure sits in the form, for messages and traceability.
pub fn field_place(form: &Form, f: FieldRef) -> (usize, Option<Pos>) {
    match f {
        FieldRef::Cell(i) => (form.cells[i].sheet, Some(form.cells[i].pos)),
        FieldRef::Column { table, .. } => (form.tables[table].sheet, None),
    }
}

/// Status words shown to people.
pub fn status_text(st: Status, included: bool) -> Msg {
    match (st, included) {
        (Status::Accepted, _) => Msg::new("Đã nhận", "accepted"),
        (Status::Rejected, true) => Msg::new("Trả lại (vẫn tổng hợp)", "returned (summed anyway)"),
        (Status::Rejected, false) => Msg::new("Trả lại", "returned"),
        (Status::Unreadable, _) => Msg::new("Không đọc được", "unreadable"),
        (Status::Duplicate, _) => Msg::new("Trùng, đã có tệp mới hơn", "duplicate, superseded"),
        (Status::UnknownUnit, _) => Msg::new("Không rõ đơn vị", "unknown unit"),
    }
}
