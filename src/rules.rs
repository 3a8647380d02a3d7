//! Figures to findings: the rules the form declares, applied to one report.

use crate::extract::{Report, Row, Value};
use crate::finding::{Capped, Finding, Msg, num, num_vi};
use crate::spec::{FieldRef, FieldType, Form, Pos, RuleDef, RuleKind};
use crate::text::date::format_date;
use chrono::NaiveDate;

/// What the run knows beyond the file: the period being collected.
#[derive(Debug, Clone, Copy, Default)]
pub struct Context {
    pub period: Option<(NaiveDate, NaiveDate)>,
}

/// Counts are exact integers; decimals compare with a tolerance for binary rounding.
const EPS: f64 = 1e-9;

/// Apply every declared rule.
pub fn check(form: &Form, report: &Report, ctx: &Context) -> Vec<Finding> {
    let mut c = Checker {
        form,
        report,
        out: Capped::default(),
        code_by_name: code_blank_but_named(form, report),
    };
    for rule in &form.rules {
        c.rule(rule, ctx);
    }
    c.out.finish()
}

/// Which unit the report is from: its code, else its name (with a warning), else none.
pub fn identify(form: &Form, report: &Report) -> (Option<usize>, Vec<Finding>) {
    let id = form.identity;
    let code = report.cells[id.unit_code]
        .text()
        .unwrap_or("")
        .trim()
        .to_string();
    let name = id
        .unit_name
        .and_then(|i| report.cells[i].text())
        .unwrap_or("")
        .to_string();
    if let Some(u) = form.unit_by_code(&code) {
        return (Some(u), Vec::new());
    }
    let cell = &form.cells[id.unit_code];
    let sheet = report.sheet(cell.sheet);
    let by_name = form.unit_by_name(&name);
    let unit_rule = form.rules.iter().find(|r| matches!(r.kind, RuleKind::Unit));
    let mut out = Vec::new();
    if let Some(u) = by_name {
        let unit = &form.units[u];
        out.push(
            Finding::warning(
                "UNITNAME",
                Msg::new(
                    format!("Mã đơn vị \"{code}\" không đúng hoặc để trống; đã nhận theo tên là {} (mã {}). Hãy ghi mã {}.", unit.name, unit.code, unit.code),
                    format!("Unit code \"{code}\" is missing or unknown; recognised by name as {} (code {}). Write the code {}.", unit.name, unit.code, unit.code),
                ),
            )
            .at(sheet, Some(cell.pos))
            .found(code)
            .expected(unit.code.clone()),
        );
    } else if let Some(r) = unit_rule
        && !report.sheet_missing[cell.sheet]
    {
        let codes: Vec<&str> = form.units.iter().map(|u| u.code.as_str()).collect();
        out.push(
            Finding::new(
                &r.code,
                r.severity,
                Msg::new(
                    format!("Mã đơn vị \"{code}\" và tên \"{name}\" không thuộc danh sách đơn vị phải báo cáo. Hãy ghi đúng mã đơn vị."),
                    format!("Unit code \"{code}\" and name \"{name}\" are not among the expected units. Write the right unit code."),
                ),
            )
            .at(sheet, Some(cell.pos))
            .found(code)
            .expected(codes.join(", ")),
        );
    }
    (by_name, out)
}

struct Checker<'a> {
    form: &'a Form,
    report: &'a Report,
    out: Capped,
    /// The unit code is blank but the name names a unit: `identify` warns (UNITNAME),
    /// so the blank code is not also a REQ error.
    code_by_name: bool,
}

fn code_blank_but_named(form: &Form, report: &Report) -> bool {
    let id = form.identity;
    report.cells[id.unit_code] == Value::Blank
        && id
            .unit_name
            .and_then(|i| report.cells[i].text())
            .is_some_and(|n| form.unit_by_name(n).is_some())
}

/// One place a figure was read: which sheet and cell.
#[derive(Clone, Copy)]
struct At {
    sheet: usize,
    pos: Pos,
}

impl<'a> Checker<'a> {
    fn label(&self, f: FieldRef) -> (&'a str, &'a str) {
        (
            self.form.field_label(f, false),
            self.form.field_label(f, true),
        )
    }

    /// The single figure of a field: a cell, or a column's total row.
    fn scalar(&self, f: FieldRef) -> Option<(&'a Value, At)> {
        match f {
            FieldRef::Cell(i) => {
                let c = &self.form.cells[i];
                Some((
                    &self.report.cells[i],
                    At {
                        sheet: c.sheet,
                        pos: c.pos,
                    },
                ))
            }
            FieldRef::Column { table, column } => {
                let t = &self.form.tables[table];
                let total = self.report.tables[table].total.as_ref()?;
                Some((
                    &total.values[column],
                    At {
                        sheet: t.sheet,
                        pos: Pos::new(total.row, t.columns[column].col),
                    },
                ))
            }
        }
    }

    fn number(&self, f: FieldRef) -> Option<(f64, At)> {
        self.scalar(f)
            .and_then(|(v, at)| v.number().map(|n| (n, at)))
    }

    /// Every figure of a field: one for a cell; each row and the total for a column.
    /// An iterator over the report, not over `self`, so a rule can push findings while
    /// walking it; no list is built per field and rule.
    fn all(&self, f: FieldRef) -> impl Iterator<Item = (&'a Value, At, Option<&'a Row>)> + use<'a> {
        let cell = match f {
            FieldRef::Cell(_) => self.scalar(f).map(|(v, a)| (v, a, None)),
            FieldRef::Column { .. } => None,
        };
        let rows = match f {
            FieldRef::Cell(_) => None,
            FieldRef::Column { table, column } => {
                let sheet = self.form.tables[table].sheet;
                let col = self.form.tables[table].columns[column].col;
                let d = &self.report.tables[table];
                Some(d.rows.iter().chain(d.total.as_ref()).map(move |r| {
                    (
                        &r.values[column],
                        At {
                            sheet,
                            pos: Pos::new(r.row, col),
                        },
                        Some(r),
                    )
                }))
            }
        };
        cell.into_iter().chain(rows.into_iter().flatten())
    }

    fn push(
        &mut self,
        rule: &RuleDef,
        at: At,
        msg: Msg,
        found: Option<String>,
        expected: Option<String>,
    ) {
        let mut f = Finding::new(&rule.code, rule.severity, msg)
            .at(self.report.sheet(at.sheet), Some(at.pos));
        f.found = found;
        f.expected = expected;
        self.out.push(f);
    }

    fn row_note(row: Option<&Row>) -> (String, String) {
        match row {
            Some(r) if !r.label.is_empty() => (
                format!(" (dòng {}: {})", r.row + 1, r.label),
                format!(" (row {}: {})", r.row + 1, r.label),
            ),
            Some(r) => (
                format!(" (dòng {})", r.row + 1),
                format!(" (row {})", r.row + 1),
            ),
            None => (String::new(), String::new()),
        }
    }

    fn rule(&mut self, rule: &RuleDef, ctx: &Context) {
        match &rule.kind {
            RuleKind::WholeNumber { targets } => {
                for &f in targets {
                    let (l, le) = self.label(f);
                    for (v, at, row) in self.all(f) {
                        let Some(n) = v.number() else { continue };
                        if n < 0.0 || n.fract() != 0.0 {
                            let (rv, re) = Self::row_note(row);
                            let why = if n < 0.0 {
                                ("số âm", "negative")
                            } else {
                                ("số lẻ thập phân", "fractional")
                            };
                            self.push(
                                rule,
                                at,
                                Msg::new(
                                    format!(
                                        "\"{l}\"{rv} phải là số nguyên không âm, nhưng là {} ({}).",
                                        num_vi(n),
                                        why.0
                                    ),
                                    format!(
                                        "\"{le}\"{re} must be a whole number >= 0, but is {} ({}).",
                                        num(n),
                                        why.1
                                    ),
                                ),
                                Some(num(n)),
                                Some(if n < 0.0 {
                                    ">= 0".into()
                                } else {
                                    num(n.round().max(0.0))
                                }),
                            );
                        }
                    }
                }
            }
            RuleKind::Range { targets, min, max } => {
                for &f in targets {
                    let (l, le) = self.label(f);
                    for (v, at, row) in self.all(f) {
                        let Some(n) = v.number() else { continue };
                        if n < *min || n > *max {
                            let (rv, re) = Self::row_note(row);
                            self.push(
                                rule,
                                at,
                                Msg::new(
                                    format!(
                                        "\"{l}\"{rv} phải nằm trong khoảng {}..{}, nhưng là {}.",
                                        num_vi(*min),
                                        num_vi(*max),
                                        num_vi(n)
                                    ),
                                    format!(
                                        "\"{le}\"{re} must be within {}..{}, but is {}.",
                                        num(*min),
                                        num(*max),
                                        num(n)
                                    ),
                                ),
                                Some(num(n)),
                                Some(format!("{}..{}", num(*min), num(*max))),
                            );
                        }
                    }
                }
            }
            RuleKind::Required { targets } => {
                for &f in targets {
                    if self.code_by_name && f == FieldRef::Cell(self.form.identity.unit_code) {
                        continue;
                    }
                    let (l, le) = self.label(f);
                    for (v, at, row) in self.all(f) {
                        if *v == Value::Blank {
                            let (rv, re) = Self::row_note(row);
                            let numeric = self.form.field_type(f).is_numeric();
                            let msg = if numeric {
                                Msg::new(
                                    format!(
                                        "\"{l}\"{rv} chưa nhập. Ô bắt buộc: nếu không có thì ghi 0 (để trống khác với số 0)."
                                    ),
                                    format!(
                                        "\"{le}\"{re} is blank. It is required: write 0 if there is none (blank is not zero)."
                                    ),
                                )
                            } else {
                                Msg::new(
                                    format!("\"{l}\"{rv} chưa nhập. Đây là ô bắt buộc."),
                                    format!("\"{le}\"{re} is blank. It is required."),
                                )
                            };
                            self.push(
                                rule,
                                at,
                                msg,
                                Some(String::new()),
                                Some(if numeric {
                                    ">= 0".into()
                                } else {
                                    l.to_string()
                                }),
                            );
                        }
                    }
                }
            }
            RuleKind::Sum { table, columns } => {
                let t = &self.form.tables[*table];
                let d = &self.report.tables[*table];
                let Some(total) = &d.total else { return };
                for &c in columns {
                    let Some(found) = total.values[c].number() else {
                        continue;
                    };
                    let mut sum = 0.0;
                    let mut complete = true;
                    for r in &d.rows {
                        match &r.values[c] {
                            Value::Number(n) => sum += n,
                            Value::Blank => {}
                            _ => complete = false,
                        }
                    }
                    if !complete || close(found, sum, t.columns[c].ty) {
                        continue;
                    }
                    let col = &t.columns[c];
                    let (first, last) = (
                        d.rows.first().map_or(t.first_row, |r| r.row) + 1,
                        d.rows.last().map_or(t.first_row, |r| r.row) + 1,
                    );
                    self.push(
                        rule,
                        At { sheet: t.sheet, pos: Pos::new(total.row, col.col) },
                        Msg::new(
                            format!("Dòng \"{}\" cột \"{}\" ghi {}, nhưng tổng các dòng {first}–{last} là {}.", t.total_label, col.label, num_vi(found), num_vi(sum)),
                            format!("The total of column \"{}\" is {}, but rows {first}–{last} add up to {}.", col.label_en, num(found), num(sum)),
                        ),
                        Some(num(found)),
                        Some(num(sum)),
                    );
                }
            }
            RuleKind::Part { whole, parts } => self.part(rule, *whole, parts),
            RuleKind::Balance {
                result,
                plus,
                minus,
            } => {
                let Some((found, at)) = self.number(*result) else {
                    return;
                };
                let mut expected = 0.0;
                let mut terms_vi = Vec::new();
                let mut terms_en = Vec::new();
                for (fs, sign) in [(plus, 1.0), (minus, -1.0)] {
                    for &f in fs {
                        let Some((n, _)) = self.number(f) else { return };
                        expected += sign * n;
                        let (l, le) = self.label(f);
                        let s = if sign > 0.0 { "+" } else { "-" };
                        terms_vi.push(format!("{s} {l} {}", num_vi(n)));
                        terms_en.push(format!("{s} {le} {}", num(n)));
                    }
                }
                if close(found, expected, self.form.field_type(*result)) {
                    return;
                }
                let (l, le) = self.label(*result);
                let strip = |v: Vec<String>| v.join(" ").trim_start_matches("+ ").to_string();
                self.push(
                    rule,
                    at,
                    Msg::new(
                        format!(
                            "\"{l}\" ghi {}, nhưng {} = {}.",
                            num_vi(found),
                            strip(terms_vi),
                            num_vi(expected)
                        ),
                        format!(
                            "\"{le}\" is {}, but {} = {}.",
                            num(found),
                            strip(terms_en),
                            num(expected)
                        ),
                    ),
                    Some(num(found)),
                    Some(num(expected)),
                );
            }
            RuleKind::Percent {
                base,
                pairs,
                tolerance,
            } => {
                let Some((b, _)) = self.number(*base) else {
                    return;
                };
                let (bl, ble) = self.label(*base);
                for &(pf, cf) in pairs {
                    let (Some((p, at)), Some((c, _))) = (self.number(pf), self.number(cf)) else {
                        continue;
                    };
                    let (l, le) = self.label(pf);
                    let (cl, cle) = self.label(cf);
                    if b == 0.0 {
                        if p != 0.0 {
                            self.push(
                                rule,
                                at,
                                Msg::new(
                                    format!("\"{l}\" ghi {}% nhưng \"{bl}\" bằng 0: tỷ lệ phải là 0.", num_vi(p)),
                                    format!("\"{le}\" is {}% but \"{ble}\" is 0: the percentage must be 0.", num(p)),
                                ),
                                Some(num(p)),
                                Some("0".into()),
                            );
                        }
                        continue;
                    }
                    let expected = c / b * 100.0;
                    if (p - expected).abs() > tolerance + EPS {
                        let exp = (expected * 100.0).round() / 100.0;
                        self.push(
                            rule,
                            at,
                            Msg::new(
                                format!("\"{l}\" ghi {}%, nhưng {cl} {} / {bl} {} x 100 = {}% (sai số cho phép {} điểm %).", num_vi(p), num_vi(c), num_vi(b), num_vi(exp), num_vi(*tolerance)),
                                format!("\"{le}\" is {}%, but {cle} {} / {ble} {} x 100 = {}% (tolerance {} points).", num(p), num(c), num(b), num(exp), num(*tolerance)),
                            ),
                            Some(num(p)),
                            Some(num(exp)),
                        );
                    }
                }
            }
            RuleKind::Equal { keys } => {
                let Some((&first, rest)) = keys.split_first() else {
                    return;
                };
                let Some((a, _)) = self.number(first) else {
                    return;
                };
                let (la, lae) = self.label(first);
                for &k in rest {
                    let Some((b, at)) = self.number(k) else {
                        continue;
                    };
                    if close(a, b, self.form.field_type(k)) {
                        continue;
                    }
                    let (lb, lbe) = self.label(k);
                    let sa =
                        &self.form.sheets[self.scalar(first).map_or(0, |(_, at)| at.sheet)].name;
                    self.push(
                        rule,
                        at,
                        Msg::new(
                            format!("\"{lb}\" ghi {}, nhưng \"{la}\" ở sheet \"{sa}\" là {}: hai số phải bằng nhau.", num_vi(b), num_vi(a)),
                            format!("\"{lbe}\" is {}, but \"{lae}\" on sheet \"{sa}\" is {}: they must be equal.", num(b), num(a)),
                        ),
                        Some(num(b)),
                        Some(num(a)),
                    );
                }
            }
            RuleKind::Unit => {} // applied by `identify`, which also decides the unit
            RuleKind::Period => self.period(rule, ctx),
        }
    }

    fn part(&mut self, rule: &RuleDef, whole: FieldRef, parts: &[Vec<FieldRef>]) {
        // Within one table, the rule holds on every row; otherwise on the single figures.
        let same_table = |f: FieldRef| match (f, whole) {
            (FieldRef::Column { table: a, .. }, FieldRef::Column { table: b, .. }) => a == b,
            _ => false,
        };
        let per_row = parts.iter().flatten().all(|&f| same_table(f));
        let (wl, wle) = self.label(whole);
        let wholes: Vec<_> = if per_row {
            self.all(whole).collect()
        } else {
            self.scalar(whole)
                .map(|(v, a)| (v, a, None))
                .into_iter()
                .collect()
        };
        // Each part's figures, fetched once: a 20,000-row table must not be walked per row.
        let part_values: Vec<Vec<Vec<(&Value, At)>>> = parts
            .iter()
            .map(|group| {
                group
                    .iter()
                    .map(|&f| {
                        if per_row {
                            self.all(f).map(|(v, a, _)| (v, a)).collect()
                        } else {
                            self.scalar(f).into_iter().collect()
                        }
                    })
                    .collect()
            })
            .collect();
        for (i, (wv, _, row)) in wholes.iter().enumerate() {
            let Some(w) = wv.number() else { continue };
            for (group, values) in parts.iter().zip(&part_values) {
                let mut sum = 0.0;
                let mut at = None;
                let mut ok = true;
                for fv in values {
                    let v = fv.get(if per_row { i } else { 0 }).copied();
                    match v.and_then(|(v, a)| v.number().map(|n| (n, a))) {
                        Some((n, a)) => {
                            sum += n;
                            at.get_or_insert(a);
                        }
                        None => ok = false,
                    }
                }
                let Some(at) = at else { continue };
                if !ok || sum <= w + EPS {
                    continue;
                }
                let names: (Vec<&str>, Vec<&str>) = group.iter().map(|&f| self.label(f)).unzip();
                let (rv, re) = Self::row_note(*row);
                self.push(
                    rule,
                    at,
                    Msg::new(
                        format!(
                            "\"{}\"{rv} là {} nhưng không được vượt quá \"{wl}\" ({}).",
                            names.0.join(" + "),
                            num_vi(sum),
                            num_vi(w)
                        ),
                        format!(
                            "\"{}\"{re} is {} but must not exceed \"{wle}\" ({}).",
                            names.1.join(" + "),
                            num(sum),
                            num(w)
                        ),
                    ),
                    Some(num(sum)),
                    Some(format!("<= {}", num(w))),
                );
            }
        }
    }

    fn period(&mut self, rule: &RuleDef, ctx: &Context) {
        let id = self.form.identity;
        let (from_cell, to_cell) = (
            &self.form.cells[id.period_from],
            &self.form.cells[id.period_to],
        );
        let (Some(from), Some(to)) = (
            self.report.cells[id.period_from].date(),
            self.report.cells[id.period_to].date(),
        ) else {
            return;
        };
        let at = At {
            sheet: from_cell.sheet,
            pos: from_cell.pos,
        };
        if from > to {
            self.push(
                rule,
                at,
                Msg::new(
                    format!(
                        "Kỳ báo cáo từ ngày {} sau đến ngày {}.",
                        format_date(from),
                        format_date(to)
                    ),
                    format!(
                        "The period starts on {} after it ends on {}.",
                        format_date(from),
                        format_date(to)
                    ),
                ),
                Some(format_date(from)),
                Some(format!("<= {}", format_date(to))),
            );
        }
        if let Some((want_from, want_to)) = ctx.period {
            for (got, want, cell) in [(from, want_from, from_cell), (to, want_to, to_cell)] {
                if got != want {
                    self.push(
                        rule,
                        At {
                            sheet: cell.sheet,
                            pos: cell.pos,
                        },
                        Msg::new(
                            format!(
                                "\"{}\" ghi {}, nhưng kỳ đang tổng hợp là {} – {}.",
                                cell.label,
                                format_date(got),
                                format_date(want_from),
                                format_date(want_to)
                            ),
                            format!(
                                "\"{}\" is {}, but the period being collected is {} – {}.",
                                cell.label_en,
                                format_date(got),
                                format_date(want_from),
                                format_date(want_to)
                            ),
                        ),
                        Some(format_date(got)),
                        Some(format_date(want)),
                    );
                }
            }
        }
    }
}

fn close(a: f64, b: f64, ty: FieldType) -> bool {
    match ty {
        FieldType::Count => a == b,
        _ => (a - b).abs() <= 1e-6 * a.abs().max(b.abs()).max(1.0),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::extract::{Row, TableData};

    /// A report of the default form with every figure consistent.
    fn good() -> (Form, Report) {
        let form = Form::default_form().unwrap();
        let mut cells = vec![Value::Blank; form.cells.len()];
        let mut set = |k: &str, v: Value| {
            let Some(FieldRef::Cell(i)) = form.field(k) else {
                panic!("{k}")
            };
            cells[i] = v;
        };
        for (k, v) in [
            ("members_start", 100.0),
            ("admitted", 5.0),
            ("transferred_in", 2.0),
            ("transferred_out", 1.0),
            ("deceased", 1.0),
            ("removed", 0.0),
            ("members_end", 105.0),
            ("women", 42.0),
            ("women_pct", 40.0),
        ] {
            set(k, Value::Number(v));
        }
        let d = |s: &str| Value::Date(crate::text::date::parse_date_text(s).unwrap());
        set("period_from", d("01/01/2026"));
        set("period_to", d("30/06/2026"));
        let row = |r: u32, v: [f64; 7]| Row {
            row: r,
            label: format!("Chi bộ {r}"),
            values: v.iter().map(|n| Value::Number(*n)).collect(),
        };
        let table = TableData {
            rows: vec![
                row(3, [4.0, 5.0, 3.0, 1.0, 1.0, 2.0, 1.0]),
                row(4, [2.0, 2.0, 2.0, 1.0, 0.0, 1.0, 1.0]),
            ],
            total: Some(row(5, [6.0, 7.0, 5.0, 2.0, 1.0, 3.0, 2.0])),
            dropped: None,
        };
        let report = Report {
            form_id: Some(form.id.clone()),
            form_version: Some(form.version.clone()),
            cells,
            tables: vec![table],
            sheet_names: form.sheets.iter().map(|s| s.name.clone()).collect(),
            sheet_missing: vec![false; form.sheets.len()],
        };
        (form, report)
    }

    fn codes(form: &Form, r: &Report, ctx: &Context) -> Vec<(String, String)> {
        check(form, r, ctx)
            .into_iter()
            .filter(|f| f.rule != "REQ")
            .map(|f| (f.rule, f.cell.unwrap_or_default()))
            .collect()
    }

    #[test]
    fn consistent_report_has_no_findings_beyond_blanks() {
        let (form, r) = good();
        assert_eq!(codes(&form, &r, &Context::default()), vec![]);
    }

    #[test]
    fn balance_sum_part_percent_and_cross_sheet() {
        let (form, mut r) = good();
        let idx = |k: &str| match form.field(k) {
            Some(FieldRef::Cell(i)) => i,
            _ => unreachable!(),
        };
        r.cells[idx("members_end")] = Value::Number(106.0);
        r.cells[idx("women_pct")] = Value::Number(40.02); // 42/106 = 39.62: off
        r.tables[0].rows[1].values[3] = Value::Number(3.0); // women 3 > admitted 2
        r.tables[0].total.as_mut().unwrap().values[2] = Value::Number(6.0); // total admitted 6 != 5
        let got = codes(&form, &r, &Context::default());
        for want in [
            ("BALANCE", "C10"),
            ("PCT", "D12"),
            ("PART", "F5"),
            ("SUM", "E6"),
            ("XSHEET", "C5"),
        ] {
            assert!(
                got.contains(&(want.0.to_string(), want.1.to_string())),
                "{want:?} not in {got:?}"
            );
        }
    }

    #[test]
    fn percent_tolerance_is_inclusive_and_zero_base_needs_zero() {
        let (form, mut r) = good();
        let i = match form.field("women_pct") {
            Some(FieldRef::Cell(i)) => i,
            _ => unreachable!(),
        };
        // 42 / 105 = 40.00 exactly; 40.01 is within 0.01 points.
        r.cells[i] = Value::Number(40.01);
        assert!(codes(&form, &r, &Context::default()).is_empty());
        r.cells[i] = Value::Number(40.02);
        assert_eq!(
            codes(&form, &r, &Context::default()),
            vec![("PCT".into(), "D12".into())]
        );
    }

    #[test]
    fn negative_and_fractional_counts_and_period() {
        let (form, mut r) = good();
        r.tables[0].rows[0].values[6] = Value::Number(-1.0);
        r.tables[0].rows[0].values[5] = Value::Number(1.5);
        let ctx = Context {
            period: Some((
                chrono::NaiveDate::from_ymd_opt(2026, 7, 1).unwrap(),
                chrono::NaiveDate::from_ymd_opt(2026, 12, 31).unwrap(),
            )),
        };
        let got = codes(&form, &r, &ctx);
        assert!(got.contains(&("INT".into(), "I4".into())), "{got:?}");
        assert!(got.contains(&("INT".into(), "H4".into())), "{got:?}");
        assert!(
            got.contains(&("PERIOD".into(), "C8".into()))
                && got.contains(&("PERIOD".into(), "C9".into())),
            "{got:?}"
        );
    }

    #[test]
    fn blank_operands_skip_rules_instead_of_counting_as_zero() {
        let (form, mut r) = good();
        let i = match form.field("deceased") {
            Some(FieldRef::Cell(i)) => i,
            _ => unreachable!(),
        };
        r.cells[i] = Value::Blank;
        let all = check(&form, &r, &Context::default());
        assert!(
            all.iter()
                .any(|f| f.rule == "REQ" && f.cell.as_deref() == Some("C8"))
        );
        assert!(!all.iter().any(|f| f.rule == "BALANCE"));
    }
}
