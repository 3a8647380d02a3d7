//! report.json: everything the run decided, for machines. Keys are the form's describe
//! keys. A submission's figures are an array in the order of `form.figures`, which says
//! each one's key, sheet and cell; the submission names only the cells its file has
//! elsewhere (`moved`) and its sheets' names.

use super::{WriteError, atomic_write_with};
use crate::consolidate::Consolidation;
use crate::deadline::{Chase, Standing};
use crate::detail::Decision;
use crate::extract::Value;
use crate::finding::{Notation, Severity};
use crate::form::Form;
use crate::lang::{EXACT_INTEGERS, Lang, Msg};
use crate::spec::FieldRef;
use crate::submission::{Skipped, Status};
use crate::text::date::format_date;
use serde::Serialize;
use serde::ser::{SerializeMap, Serializer};
use serde_json::{Map, Value as Json, json};
use std::borrow::Cow;
use std::io::Write;
use std::path::Path;

/// Finite, and -0 as 0: JSON and spreadsheet cells never see NaN or a signed zero.
pub fn tidy(v: f64) -> f64 {
    if v.is_finite() && v != 0.0 { v } else { 0.0 }
}

/// `v` as an integer when it is one an f64 holds exactly: report.json says `8443`, not
/// `8443.0`, and never an integer that the f64 only approximates.
fn whole(v: f64) -> Option<i64> {
    (v.fract() == 0.0 && v.abs() < EXACT_INTEGERS).then_some(v as i64)
}

fn number(v: f64) -> Json {
    let v = tidy(v);
    whole(v).map_or_else(|| json!(v), |i| json!(i))
}

#[derive(Serialize)]
struct FindingJson<'a> {
    rule: &'a str,
    severity: Severity,
    sheet: Option<&'a str>,
    cell: Option<String>,
    message: &'a str,
    found: Option<String>,
    expected: Option<String>,
}

/// The whole report, borrowing the run's data: serialised straight to the file, so a run
/// of thousands of submissions never holds a second copy of its figures as JSON values.
pub struct Report<'a> {
    /// The form the files were checked against.
    pub form: &'a Form,
    /// Every submission and the province's figures.
    pub c: &'a Consolidation,
    /// Files of the inbox that were not read.
    pub skipped: &'a [Skipped],
    /// The language of messages and sheet names.
    pub lang: Lang,
    /// Whether table rows are written; without them each table gives its row count
    /// and its total row.
    pub detail: Decision,
    /// The run that writes this report into OUT; `None` for `check --json`.
    pub run: Option<&'a RunMark>,
    /// This period beside earlier ones, for a run; `None` for `check --json`.
    pub comparison: Option<&'a crate::compare::Comparison>,
    /// The deadline and the units to chase; `None` for `check --json`, which judges files,
    /// not a collection.
    pub chase: Option<&'a Chase>,
    /// Every version of each unit's file seen for the period; `None` for `check --json`.
    pub versions: Option<&'a super::history_sheet::Versions>,
    /// The clerk's decisions and what became of them; `None` for `check --json`.
    pub decisions: Option<&'a crate::decision::Applied>,
}

/// What ties a run's outputs together: its id, written into report.json and
/// tong-hop.xlsx, and each returned workbook with the stamp written into it (see
/// [`super::mark`]). A set found in OUT is one run's when report.json and tong-hop.xlsx
/// have one id and report.json lists exactly the returned workbooks present, each with
/// the stamp it carries.
#[derive(Debug, Clone)]
pub struct RunMark {
    /// A digest of what the outputs are made from (version, form, options, every file's
    /// name, hash and outcome): the same inputs give the same id, so outputs stay
    /// byte-identical across reruns, and different inputs a different one.
    pub id: String,
    /// The returned workbooks, in the form's order.
    pub returned: Vec<ReturnedMark>,
}

/// One returned workbook of a run.
#[derive(Debug, Clone, Serialize)]
pub struct ReturnedMark {
    /// Relative to OUT: `tra-lai/<CODE>.xlsx`.
    pub file: String,
    /// A digest of what this workbook is made from (the form, the unit's file and its
    /// findings) and nothing else: a unit's returned workbook does not change when
    /// another unit's file or a run option does.
    pub stamp: String,
}

impl Serialize for Report<'_> {
    fn serialize<S: Serializer>(&self, ser: S) -> Result<S::Ok, S::Error> {
        let (form, c, lang) = (self.form, self.c, self.lang);
        let count = |st: Status| c.submissions.iter().filter(|s| s.status == st).count();
        let held_back = c.submissions.iter().filter(|s| s.held_back).count();
        let mut totals = Map::new();
        for (f, v) in &c.totals {
            totals.insert(form.field_key(*f), v.map_or(Json::Null, number));
        }
        let mut m = ser.serialize_map(None)?;
        m.serialize_entry(
            "tool",
            &json!({ "name": "tonghop", "version": env!("CARGO_PKG_VERSION") }),
        )?;
        if let Some(run) = self.run {
            m.serialize_entry("run", &json!({ "id": run.id, "returned": run.returned }))?;
        }
        let sheet_names: Vec<String> = form.sheets.iter().map(|s| s.name.clone()).collect();
        let layout = FigureLayout::of(form);
        m.serialize_entry(
            "form",
            &FormJson {
                id: &form.id,
                version: &form.version,
                title: &form.title,
                sheets: &sheet_names,
                figures: LayoutJson {
                    layout: &layout,
                    sheet_names: &sheet_names,
                },
            },
        )?;
        m.serialize_entry(
            "period",
            &c.period.map(|p| {
                json!({ "from": format_date(p.from), "to": format_date(p.to), "inferred": c.period_inferred })
            }),
        )?;
        m.serialize_entry("detail", &self.detail.written)?;
        if let Some(chase) = self.chase {
            m.serialize_entry(
                "deadline",
                &chase.deadline.map(|d| {
                    json!({
                        "date": format_date(d.date),
                        "days_after_period": d.days,
                        "source": if d.days.is_some() { "form" } else { "option" },
                        "today": format_date(chase.today),
                        "passed": chase.today > d.date,
                    })
                }),
            )?;
        }
        m.serialize_entry(
            "summary",
            &json!({
                "expected_units": c.expected.len(),
                "files": c.submissions.len(),
                "accepted": count(Status::Accepted),
                "rejected": count(Status::Rejected),
                // A file held back for the memory limit was read: counted apart.
                "unreadable": count(Status::Unreadable) - held_back,
                "held_back": held_back,
                "duplicate": count(Status::Duplicate),
                "unknown_unit": count(Status::UnknownUnit),
                "missing": c.missing_units().len(),
                "skipped": self.skipped.len(),
                "sentences": self.comparison.and_then(|c| c.extra.brief.as_ref()).map(|b| b.sentences(lang)),
                "values": self.comparison.and_then(|c| c.extra.brief.as_ref()).map(|b| &b.values),
            }),
        )?;
        // The province's own submission, written only by a run into OUT.
        if let Some(cov) = self.run.and_then(|_| super::upward::Coverage::of(form, c)) {
            let codes = |units: &[usize]| -> Vec<&str> {
                units.iter().map(|&u| form.units[u].code.as_str()).collect()
            };
            m.serialize_entry(
                "upward",
                &json!({
                    "path": cov.file,
                    "unit": form.province_code,
                    "units": codes(&cov.covered),
                    "covered": cov.covered_expected(),
                    "expected": cov.expected,
                    "returned": codes(&cov.returned),
                    "missing": codes(&cov.missing),
                    "held_back": codes(&cov.held_back),
                    "complete": cov.complete(),
                }),
            )?;
        }
        let subs: Vec<SubmissionJson> = (0..c.submissions.len())
            .map(|i| SubmissionJson {
                form,
                sheet_names: &sheet_names,
                c,
                i,
                lang,
                detail: self.detail.written,
                layout: &layout,
                standing: self.chase.and_then(|ch| ch.standings[i]),
            })
            .collect();
        m.serialize_entry("submissions", &subs)?;
        m.serialize_entry(
            "missing_units",
            &c.missing_units()
                .iter()
                .map(|&u| &form.units[u].code)
                .collect::<Vec<_>>(),
        )?;
        m.serialize_entry(
            "totals_beyond_bound",
            &c.beyond
                .iter()
                .map(|&f| form.field_key(f))
                .collect::<Vec<_>>(),
        )?;
        m.serialize_entry(
            "held_back_units",
            &c.held_back_units()
                .iter()
                .map(|&u| &form.units[u].code)
                .collect::<Vec<_>>(),
        )?;
        if let Some(chase) = self.chase {
            let units: Vec<Json> = chase
                .units
                .iter()
                .map(|x| {
                    json!({
                        "unit": form.units[x.unit].code,
                        "unit_name": form.units[x.unit].name,
                        "wanted": match x.want {
                            crate::deadline::Want::Send => "send",
                            crate::deadline::Want::Correct => "correct",
                            crate::deadline::Want::Late => "late",
                        },
                        "errors": x.errors,
                        "returned": x.returned,
                        "preparer": x.preparer,
                        "phone": x.phone,
                        "report_date": x.report_date.map(format_date),
                        "deadline": standing_json(x.report_date, x.standing),
                    })
                })
                .collect();
            m.serialize_entry("chasing", &units)?;
        }
        m.serialize_entry(
            "skipped",
            &self
                .skipped
                .iter()
                .map(|s| json!({ "file": s.file, "reason": s.reason.get(lang) }))
                .collect::<Vec<_>>(),
        )?;
        m.serialize_entry("totals", &totals)?;
        if let Some(cmp) = self.comparison {
            m.serialize_entry("comparison", &comparison_json(form, cmp, lang))?;
        }
        if let Some(v) = self.versions {
            m.serialize_entry("versions", &v.json())?;
        }
        if let Some(d) = self.decisions {
            m.serialize_entry(
                "decisions",
                &super::history_sheet::decisions_json(c, d, lang),
            )?;
        }
        m.end()
    }
}

/// An object of report.json written as it is made, not built whole first: a national
/// roll-up's comparison (every unit × every compared figure × three periods) built as
/// one `serde_json::Value` held 750 MB at 5,000 units; written unit by unit it holds one
/// unit's. Keys go out in byte order, as `serde_json::Map` (a `BTreeMap`) orders them,
/// so the file is byte for byte what the whole value gave.
struct Obj<'a>(Vec<(&'static str, Field<'a>)>);

enum Field<'a> {
    Json(Json),
    Obj(Obj<'a>),
    /// One entry per key, each value made when it is written.
    Each(Vec<(String, usize)>, Box<dyn Fn(usize) -> Json + 'a>),
}

impl Serialize for Obj<'_> {
    fn serialize<S: Serializer>(&self, ser: S) -> Result<S::Ok, S::Error> {
        let mut fields: Vec<&(&str, Field<'_>)> = self.0.iter().collect();
        fields.sort_by_key(|(k, _)| *k);
        let mut m = ser.serialize_map(Some(fields.len()))?;
        for (k, v) in fields {
            m.serialize_entry(k, v)?;
        }
        m.end()
    }
}

impl Serialize for Field<'_> {
    fn serialize<S: Serializer>(&self, ser: S) -> Result<S::Ok, S::Error> {
        match self {
            Field::Json(j) => j.serialize(ser),
            Field::Obj(o) => o.serialize(ser),
            Field::Each(keys, make) => {
                let mut keys: Vec<&(String, usize)> = keys.iter().collect();
                keys.sort_by(|a, b| a.0.cmp(&b.0));
                let mut m = ser.serialize_map(Some(keys.len()))?;
                for (k, i) in keys {
                    m.serialize_entry(k, &make(*i))?;
                }
                m.end()
            }
        }
    }
}

/// `Field::Json` of anything `json!` takes.
fn j(v: Json) -> Field<'static> {
    Field::Json(v)
}

fn opt(v: Option<f64>) -> Json {
    v.map_or(Json::Null, number)
}

/// One compared figure per key: this period, the two before and the changes.
fn compared_lines(form: &Form, lines: &[crate::compare::Line], lang: Lang) -> Json {
    use crate::compare::Comparison;
    let mut m = Map::new();
    for l in lines {
        let points = Comparison::in_points(form, l.figure);
        let change = |earlier| {
            l.change(earlier, points).map(|c| {
                json!({ if points { "points" } else { "persons" }: number(c.by), "percent": opt(c.percent) })
            })
        };
        m.insert(
            form.field_key(l.figure),
            json!({
                "this": opt(l.this),
                "year_before": opt(l.year_before),
                "previous": opt(l.previous),
                "change_year": change(l.year_before),
                "change_previous": change(l.previous),
                "note": l.note.as_ref().map(|n| n.get(lang)),
            }),
        );
    }
    Json::Object(m)
}

/// The units of `units` (form indexes, in the comparison's order) as keys of an
/// [`Field::Each`]: their codes, each with its place in the list.
fn unit_keys<'u>(form: &Form, units: impl Iterator<Item = &'u usize>) -> Vec<(String, usize)> {
    units
        .enumerate()
        .map(|(i, u)| (form.units[*u].code.clone(), i))
        .collect()
}

/// `comparison`: the reference periods (or why there are none), and for the province
/// and each expected unit every compared figure in the three periods with its change.
fn comparison_json<'a>(form: &'a Form, cmp: &'a crate::compare::Comparison, lang: Lang) -> Obj<'a> {
    let against = |a: Option<crate::compare::Against>| {
        a.map(|a| {
            json!({ "from": format_date(a.period.from), "to": format_date(a.period.to), "closed": a.closed, "chosen": a.chosen })
        })
    };
    let units = Field::Each(
        unit_keys(form, cmp.units.iter().map(|(u, _)| u)),
        Box::new(move |i| {
            let mut v = compared_lines(form, &cmp.units[i].1, lang);
            if let Json::Object(o) = &mut v {
                o.insert("flags".into(), json!(cmp.flags[i]));
            }
            v
        }),
    );
    Obj(vec![
        ("year_before", j(json!(against(cmp.year_before)))),
        ("previous", j(json!(against(cmp.previous)))),
        (
            "not_possible",
            j(json!(
                cmp.not_possible
                    .iter()
                    .map(|m| m.get(lang))
                    .collect::<Vec<_>>()
            )),
        ),
        (
            "figures",
            j(json!(
                cmp.figures
                    .iter()
                    .map(|&f| form.field_key(f))
                    .collect::<Vec<_>>()
            )),
        ),
        ("province", j(compared_lines(form, &cmp.province, lang))),
        ("units", units),
        ("targets", Field::Obj(targets_json(form, cmp, lang))),
        ("term", term_json(form, cmp, lang)),
    ])
}

fn achievement(a: &crate::compare::Achievement) -> Json {
    json!({
        "this": opt(a.this),
        "target": opt(a.target),
        "percent": opt(a.percent),
        "base": opt(a.base),
        "rate": opt(a.rate),
        "below": a.below,
    })
}

/// `comparison.targets`: where they came from, the cells that could not be read, and
/// per target figure the province's and each unit's achievement.
fn targets_json<'a>(form: &'a Form, cmp: &'a crate::compare::Comparison, lang: Lang) -> Obj<'a> {
    use crate::compare::TargetFrom;
    let extra = &cmp.extra;
    let mut province = Map::new();
    for a in &extra.province {
        let mut v = achievement(a);
        if let Json::Object(o) = &mut v {
            let (source, of) = match a.from {
                TargetFrom::Province => ("province", Json::Null),
                TargetFrom::Summed { of, expected } => {
                    ("units_summed", json!({ "units": of, "expected": expected }))
                }
                TargetFrom::None => ("none", Json::Null),
            };
            o.insert("target_source".into(), json!(source));
            o.insert("summed_from".into(), of);
        }
        province.insert(form.targets[a.target_index].key.clone(), v);
    }
    let n = cmp.units.len().min(extra.units.len());
    let units = Field::Each(
        unit_keys(form, cmp.units[..n].iter().map(|(u, _)| u)),
        Box::new(move |i| {
            let mut m = Map::new();
            for a in &extra.units[i] {
                m.insert(form.targets[a.target_index].key.clone(), achievement(a));
            }
            Json::Object(m)
        }),
    );
    Obj(vec![
        (
            "from",
            j(json!(extra.targets_from.as_ref().map(|m| m.get(lang)))),
        ),
        (
            "figures",
            j(json!(
                form.targets.iter().map(|t| &t.key).collect::<Vec<_>>()
            )),
        ),
        (
            "problems",
            j(json!(extra.target_problems.iter().map(|p| json!({
                "file": p.file, "sheet": p.sheet, "cell": p.cell, "message": p.message.get(lang),
            })).collect::<Vec<_>>())),
        ),
        ("province", j(Json::Object(province))),
        ("units", units),
    ])
}

/// One term sum per key.
fn term_lines(form: &Form, ls: &[crate::term::TermLine]) -> Json {
    let mut m = Map::new();
    for l in ls {
        m.insert(
            form.field_key(l.figure),
            json!({
                "sum": opt(l.sum),
                "previous_term": opt(l.previous),
                "change_percent": opt(l.change_pct()),
                "target": opt(l.target),
                "target_percent": opt(l.target_pct()),
                "target_summed": l.target_summed,
            }),
        );
    }
    Json::Object(m)
}

/// `comparison.term`: the term, the periods summed, the months missing, and the sums.
fn term_json<'a>(form: &'a Form, cmp: &'a crate::compare::Comparison, lang: Lang) -> Field<'a> {
    let Some(t) = &cmp.extra.term else {
        return j(Json::Null);
    };
    let period =
        |p: &crate::period::Period| json!({ "from": format_date(p.from), "to": format_date(p.to) });
    let months = |runs: &[(chrono::NaiveDate, chrono::NaiveDate)]| {
        runs.iter()
            .map(|(a, b)| json!({ "from": a.format("%m/%Y").to_string(), "to": b.format("%m/%Y").to_string() }))
            .collect::<Vec<_>>()
    };
    let units = Field::Each(
        unit_keys(form, t.units.iter().map(|(u, _)| u)),
        Box::new(move |i| term_lines(form, &t.units[i].1)),
    );
    Field::Obj(Obj(vec![
        ("name", j(json!(t.term.name.get(lang)))),
        ("from", j(json!(format_date(t.term.period.from)))),
        ("to", j(json!(format_date(t.term.period.to)))),
        ("until", j(json!(format_date(t.until)))),
        (
            "periods",
            j(json!(t.periods.iter().map(period).collect::<Vec<_>>())),
        ),
        ("missing_months", j(json!(months(&t.missing)))),
        ("complete", j(json!(t.missing.is_empty()))),
        ("previous", j(json!(t.previous.as_ref().map(period)))),
        (
            "previous_periods",
            j(json!(
                t.previous_periods.iter().map(period).collect::<Vec<_>>()
            )),
        ),
        (
            "previous_missing_months",
            j(json!(months(&t.previous_missing))),
        ),
        (
            "notes",
            j(json!(
                t.notes()
                    .iter()
                    .map(|m| m.get(lang).to_string())
                    .collect::<Vec<_>>()
            )),
        ),
        ("province", j(term_lines(form, &t.province))),
        ("units", units),
    ]))
}

struct SubmissionJson<'a> {
    form: &'a Form,
    sheet_names: &'a [String],
    c: &'a Consolidation,
    i: usize,
    lang: Lang,
    detail: bool,
    layout: &'a FigureLayout,
    /// Against the run's deadline; `None` without one, or for a file not read.
    standing: Option<Standing>,
}

/// A standing as report.json gives it: the date of report judged, the standing's key
/// and the days past the deadline (0 on time, null where they cannot be told).
fn standing_json(date: Option<chrono::NaiveDate>, standing: Option<Standing>) -> Json {
    match standing {
        Some(st) => json!({
            "date": date.map(format_date),
            "status": st.key(),
            "days_late": st.days_late(),
        }),
        None => Json::Null,
    }
}

impl Serialize for SubmissionJson<'_> {
    fn serialize<S: Serializer>(&self, ser: S) -> Result<S::Ok, S::Error> {
        let (form, s) = (self.form, &self.c.submissions[self.i]);
        let unit = s.unit.map(|u| &form.units[u]);
        let findings: Vec<FindingJson> = s
            .findings
            .iter()
            .map(|f| FindingJson {
                rule: f.code.as_str(),
                severity: f.severity,
                sheet: f.at.sheet.map(|i| s.sheet_name(self.sheet_names, i)),
                cell: f.at.cell.map(|p| p.to_string()),
                message: f.message.get(self.lang),
                found: f.found.as_ref().map(|v| v.render(Notation::Plain)),
                expected: f.expected.as_ref().map(|v| v.render(Notation::Plain)),
            })
            .collect();
        let mut m = ser.serialize_map(None)?;
        m.serialize_entry("file", &s.file)?;
        // A file refused by its size is never hashed: null, not a hash of nothing.
        m.serialize_entry("sha256", &(!s.sha256.is_empty()).then_some(&s.sha256))?;
        m.serialize_entry("size", &s.size)?;
        m.serialize_entry("format", &s.format.map(|f| format!("{f:?}").to_lowercase()))?;
        m.serialize_entry("unit", &unit.map(|u| &u.code))?;
        m.serialize_entry("unit_name", &unit.map(|u| &u.name))?;
        m.serialize_entry("status", &s.status)?;
        m.serialize_entry("held_back", &s.held_back)?;
        m.serialize_entry("included_in_totals", &self.c.included[self.i])?;
        m.serialize_entry("superseded_by", &s.superseded_by)?;
        m.serialize_entry("errors", &s.errors())?;
        m.serialize_entry("warnings", &s.warnings())?;
        m.serialize_entry(
            "deadline",
            &standing_json(
                form.identity
                    .report_date
                    .and_then(|c| s.report.as_ref().and_then(|r| r.cells[c].date())),
                self.standing,
            ),
        )?;
        m.serialize_entry("findings", &findings)?;
        let figures = FiguresJson {
            form,
            r: s.report.as_ref(),
            layout: self.layout,
        };
        // The name each form sheet has in the unit's file, for `form.figures`' sheets.
        m.serialize_entry("sheets", &s.report.as_ref().map(|r| &r.sheet_names))?;
        m.serialize_entry("figures", &figures)?;
        m.serialize_entry("moved", &MovedJson(&figures))?;
        let tables: Vec<TableJson> = match &s.report {
            Some(r) => form
                .tables
                .iter()
                .enumerate()
                .map(|(ti, t)| TableJson {
                    t,
                    r,
                    ti,
                    detail: self.detail,
                })
                .collect(),
            None => Vec::new(),
        };
        m.serialize_entry("tables", &TablesJson(&tables))?;
        m.end()
    }
}

/// Where the form has each of its figures, in the order of every submission's
/// `figures` array: its key, its sheet and its cell (none for a derived figure, which is
/// computed). Written once under `form`, so a submission's figures are bare values: at
/// 600 figures a file, repeating key, sheet and cell made 43 KB of every submission's
/// 44, 2 GB of a national roll-up's report.json.
struct FigureLayout {
    figures: Vec<FigureAt>,
}

struct FigureAt {
    key: String,
    field: FieldRef,
    /// The form's sheet index and the cell, for a figure read from the file.
    at: Option<(usize, crate::cellref::Pos)>,
}

impl FigureLayout {
    /// Input cells, then each list's figures line by line, then the derived figures.
    fn of(form: &Form) -> FigureLayout {
        let mut figures: Vec<FigureAt> = form
            .cells
            .iter()
            .enumerate()
            .map(|(i, c)| FigureAt {
                key: c.key.clone(),
                field: FieldRef::Cell(i),
                at: Some((c.sheet, c.pos)),
            })
            .collect();
        for l in 0..form.lists.len() {
            for f in form.list_fields(l) {
                let FieldRef::Item { list, row, column } = f else {
                    continue;
                };
                let spec = &form.lists[list];
                let pos = crate::cellref::Pos::new(spec.form_row(row), spec.columns[column].col);
                figures.push(FigureAt {
                    key: form.field_key(f),
                    field: f,
                    at: Some((spec.sheet, pos)),
                });
            }
        }
        figures.extend(form.derived.iter().enumerate().map(|(i, d)| FigureAt {
            key: d.key.clone(),
            field: FieldRef::Derived(i),
            at: None,
        }));
        FigureLayout { figures }
    }
}

/// `form`: what the files were checked against, and the layout of their figures.
#[derive(Serialize)]
struct FormJson<'a> {
    id: &'a str,
    version: &'a str,
    title: &'a str,
    sheets: &'a [String],
    figures: LayoutJson<'a>,
}

/// `form.figures`: `[{"key","sheet","cell"}]`, sheet and cell null for a derived figure.
struct LayoutJson<'a> {
    layout: &'a FigureLayout,
    sheet_names: &'a [String],
}

impl Serialize for LayoutJson<'_> {
    fn serialize<S: Serializer>(&self, ser: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeSeq;
        let mut q = ser.serialize_seq(Some(self.layout.figures.len()))?;
        for f in &self.layout.figures {
            q.serialize_element(&FigureAtJson {
                key: &f.key,
                sheet: f.at.map(|(s, _)| self.sheet_names[s].as_str()),
                cell: f.at.map(|(_, p)| CellJson(p)),
            })?;
        }
        q.end()
    }
}

#[derive(Serialize)]
struct FigureAtJson<'a> {
    key: &'a str,
    sheet: Option<&'a str>,
    cell: Option<CellJson>,
}

/// A submission's figure: its value, and the cell it was read from when that is not the
/// form's (a list line found on another row: `Some(Some(pos))`; a line the file lacks:
/// `Some(None)`, its value null).
fn figure_of<'r>(
    f: &FigureAt,
    form: &Form,
    r: &'r crate::extract::Report,
) -> (Option<Cow<'r, Value>>, Option<Option<crate::cellref::Pos>>) {
    match f.field {
        FieldRef::Cell(i) => (Some(Cow::Borrowed(&r.cells[i])), None),
        FieldRef::Derived(i) => (r.derived.get(i).map(Cow::Borrowed), None),
        FieldRef::Item { list, row, column } => {
            let found = r
                .lists
                .get(list)
                .and_then(|d| Some((d.row(row)?, d.value(row, column)?)));
            match found {
                None => (None, Some(None)),
                Some((at, v)) => {
                    let pos = crate::cellref::Pos::new(at, form.lists[list].columns[column].col);
                    (
                        Some(v),
                        (Some(pos) != f.at.map(|(_, p)| p)).then_some(Some(pos)),
                    )
                }
            }
        }
        FieldRef::Column { .. } => (None, None),
    }
}

/// A submission's `figures`: one value for each of `form.figures`, serialised one by
/// one (a roll-up of thousands of submissions builds no JSON tree on the way). Empty
/// when the file was not read.
struct FiguresJson<'a> {
    form: &'a Form,
    r: Option<&'a crate::extract::Report>,
    layout: &'a FigureLayout,
}

impl Serialize for FiguresJson<'_> {
    fn serialize<S: Serializer>(&self, ser: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeSeq;
        let Some(r) = self.r else {
            return ser.serialize_seq(Some(0))?.end();
        };
        let mut q = ser.serialize_seq(Some(self.layout.figures.len()))?;
        for f in &self.layout.figures {
            match figure_of(f, self.form, r).0 {
                Some(v) => q.serialize_element(&ValueJson(&v))?,
                None => q.serialize_element(&None::<()>)?,
            }
        }
        q.end()
    }
}

/// A submission's `moved`: `{KEY: CELL}` for each figure its file holds elsewhere than
/// the form's cell, `{KEY: null}` for a list line the file lacks. Nearly always empty.
struct MovedJson<'a>(&'a FiguresJson<'a>);

impl Serialize for MovedJson<'_> {
    fn serialize<S: Serializer>(&self, ser: S) -> Result<S::Ok, S::Error> {
        let mut m = ser.serialize_map(None)?;
        if let Some(r) = self.0.r {
            for f in &self.0.layout.figures {
                if let Some(moved) = figure_of(f, self.0.form, r).1 {
                    m.serialize_entry(&f.key, &moved.map(CellJson))?;
                }
            }
        }
        m.end()
    }
}

/// A cell's address, written out as it is serialised, without a `String` made for each.
struct CellJson(crate::cellref::Pos);

impl Serialize for CellJson {
    fn serialize<S: Serializer>(&self, ser: S) -> Result<S::Ok, S::Error> {
        ser.serialize_str(self.0.a1(&mut [0; 16]))
    }
}

/// A figure: null when blank, an integer when whole, `{"invalid": text}` when the cell
/// held something that is not a value of its type.
struct ValueJson<'a>(&'a Value);

impl Serialize for ValueJson<'_> {
    fn serialize<S: Serializer>(&self, ser: S) -> Result<S::Ok, S::Error> {
        match self.0 {
            Value::Blank => ser.serialize_none(),
            Value::Number(n) => {
                let v = tidy(*n);
                match whole(v) {
                    Some(i) => ser.serialize_i64(i),
                    None => ser.serialize_f64(v),
                }
            }
            Value::Text(t) => ser.serialize_str(t),
            Value::Date(d) => ser.collect_str(&format_date(*d)),
            Value::Invalid(t) => {
                let mut m = ser.serialize_map(Some(1))?;
                m.serialize_entry("invalid", t)?;
                m.end()
            }
        }
    }
}

struct TablesJson<'a>(&'a [TableJson<'a>]);

impl Serialize for TablesJson<'_> {
    fn serialize<S: Serializer>(&self, ser: S) -> Result<S::Ok, S::Error> {
        let mut m = ser.serialize_map(Some(self.0.len()))?;
        for t in self.0 {
            m.serialize_entry(&t.t.key, t)?;
        }
        m.end()
    }
}

struct TableJson<'a> {
    t: &'a crate::spec::Table,
    r: &'a crate::extract::Report,
    ti: usize,
    detail: bool,
}

/// A table row as an array `[row, label, value per column]`: the column keys are given
/// once per table, so a table of 20,000 rows does not repeat them 20,000 times.
struct RowJson<'a>(&'a crate::extract::Row);

impl Serialize for RowJson<'_> {
    fn serialize<S: Serializer>(&self, ser: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeSeq;
        let mut q = ser.serialize_seq(Some(2 + self.0.values.len()))?;
        q.serialize_element(&(self.0.row + 1))?;
        q.serialize_element(&self.0.label)?;
        for v in &self.0.values {
            q.serialize_element(&ValueJson(v))?;
        }
        q.end()
    }
}

impl Serialize for TableJson<'_> {
    fn serialize<S: Serializer>(&self, ser: S) -> Result<S::Ok, S::Error> {
        let d = &self.r.tables[self.ti];
        let mut columns = vec!["row", "label"];
        columns.extend(self.t.columns.iter().map(|c| c.key.as_str()));
        let mut m = ser.serialize_map(None)?;
        m.serialize_entry("sheet", self.r.sheet(self.t.sheet))?;
        m.serialize_entry("columns", &columns)?;
        m.serialize_entry("row_count", &d.row_count())?;
        if self.detail {
            m.serialize_entry("rows", &d.rows.iter().map(RowJson).collect::<Vec<_>>())?;
        }
        m.serialize_entry("total", &d.total.as_ref().map(RowJson))?;
        m.end()
    }
}

/// Write report.json through a temporary file.
pub fn write(path: &Path, report: &Report) -> Result<(), WriteError> {
    atomic_write_with(path, |w| {
        // Compact: report.json is for programs (`jq .` pretty-prints it), and at tens of
        // thousands of submissions indentation alone costs a third of its size.
        // A concrete writer, not `dyn Write`: serde_json writes in small pieces, and
        // each would otherwise be a call through a vtable.
        serde_json::to_writer(&mut *w, report)?;
        w.write_all(b"\n")
    })
}

/// The status of a unit whose file was held back for the run's memory limit.
pub const HELD_BACK: (&str, &str) = (
    "Đã đọc, chưa tổng hợp (giới hạn bộ nhớ)",
    "read, not consolidated (memory limit)",
);

/// Status words shown to people, for a submission summed (`included`) or not.
pub fn status_text(s: &crate::submission::Submission, included: bool) -> Msg {
    if s.held_back {
        return Msg::new(HELD_BACK.0, HELD_BACK.1);
    }
    match (s.status, included) {
        (Status::Accepted, _) => Msg::new("Đã nhận", "accepted"),
        (Status::Rejected, true) => Msg::new("Trả lại (vẫn tổng hợp)", "returned (summed anyway)"),
        (Status::Rejected, false) => Msg::new("Trả lại", "returned"),
        (Status::Unreadable, _) => Msg::new("Không đọc được", "unreadable"),
        (Status::Duplicate, _) => Msg::new("Trùng, đã có tệp mới hơn", "duplicate, superseded"),
        (Status::UnknownUnit, _) => Msg::new("Không rõ đơn vị", "unknown unit"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Written piece by piece, an object gives the bytes the whole `serde_json::Value`
    /// gave: its keys and its units' keys in byte order, whatever order they were made in.
    #[test]
    fn an_object_written_as_made_is_the_value_built_whole() {
        let codes = ["MUONGNHE", "BUNGLAO", "Z", "AN"];
        let made = Obj(vec![
            (
                "units",
                Field::Each(
                    codes
                        .iter()
                        .enumerate()
                        .map(|(i, c)| (c.to_string(), i))
                        .collect(),
                    Box::new(|i| json!({ "b": i, "a": [codes[i]] })),
                ),
            ),
            ("figures", j(json!(["x"]))),
            (
                "term",
                Field::Obj(Obj(vec![("z", j(Json::Null)), ("a", j(json!(1.5)))])),
            ),
        ]);
        let whole = json!({
            "units": {
                "MUONGNHE": { "b": 0, "a": ["MUONGNHE"] },
                "BUNGLAO": { "b": 1, "a": ["BUNGLAO"] },
                "Z": { "b": 2, "a": ["Z"] },
                "AN": { "b": 3, "a": ["AN"] },
            },
            "figures": ["x"],
            "term": { "z": null, "a": 1.5 },
        });
        assert_eq!(
            serde_json::to_string_pretty(&made).unwrap(),
            serde_json::to_string_pretty(&whole).unwrap()
        );
    }
}
