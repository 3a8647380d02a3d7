//! The congress term (nhiệm kỳ): "kết nạp trong nhiệm kỳ" is the sum of the term's
//! periods, as the archive holds them, up to and including the period being
//! consolidated; it is compared with the previous term (the same length, just before)
//! and with the term's target.
//!
//! Periods overlap in an archive (a year beside its two halves): the sum takes this
//! period, then the longest recorded periods that do not overlap what is taken, so
//! nothing is counted twice. Months of the term that no taken period covers are listed
//! in the outputs: a sum with gaps is said to have them, never shown as the whole.

use crate::archive::{Archive, ArchiveError};
use crate::consolidate::Consolidation;
use crate::form::Form;
use crate::history::Reference;
use crate::lang::Msg;
use crate::period::Period;
use crate::spec::{FieldRef, FieldType};
use crate::targets::{ByUnit, PROVINCE_CODE};
use chrono::{Datelike, Months, NaiveDate};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;

/// `[form] term` as written.
#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TermFile {
    /// First day, `yyyy-mm-dd`.
    pub from: String,
    /// Last day, `yyyy-mm-dd`.
    pub to: String,
    /// How the outputs name it ("nhiệm kỳ 2025–2030").
    pub name: String,
    /// The English name.
    #[serde(default)]
    pub name_en: Option<String>,
    /// The figures summed over the term (default: the counts among the targets).
    #[serde(default)]
    pub figures: Option<Vec<String>>,
}

/// A resolved term.
#[derive(Debug, Clone, PartialEq)]
pub struct Term {
    /// Its days.
    pub period: Period,
    /// Its name in both languages.
    pub name: Msg,
    /// The figures summed over it (counts only: a share of several periods is no sum).
    pub figures: Vec<FieldRef>,
}

impl Term {
    /// The previous term: as many months, ending the day before this one starts.
    pub fn previous(&self) -> Option<Period> {
        let months = months_between(self.period.from, self.period.to.succ_opt()?);
        let from = self.period.from.checked_sub_months(Months::new(months))?;
        Some(Period {
            from,
            to: self.period.from.pred_opt()?,
        })
    }
}

fn months_between(a: NaiveDate, b: NaiveDate) -> u32 {
    let m = (b.year() - a.year()) * 12 + b.month() as i32 - a.month() as i32;
    m.max(1) as u32
}

/// `[form] term` checked: two dates in order, and count figures.
pub fn resolve(
    raw: &TermFile,
    targets: &[crate::targets::TargetSpec],
    field: &dyn Fn(&str) -> Option<FieldRef>,
    p: &mut Vec<String>,
) -> Option<Term> {
    let day = |s: &str, path: &str, p: &mut Vec<String>| {
        let d = NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d").ok();
        if d.is_none() {
            p.push(format!("{path}: '{s}' is not a date yyyy-mm-dd"));
        }
        d
    };
    let from = day(&raw.from, "form.term.from", p);
    let to = day(&raw.to, "form.term.to", p);
    let (from, to) = (from?, to?);
    if from > to {
        p.push(format!("form.term: {from} is after {to}"));
        return None;
    }
    if raw.name.trim().is_empty() {
        p.push("form.term.name: must not be empty".into());
    }
    let figures: Vec<FieldRef> = match &raw.figures {
        Some(keys) => keys
            .iter()
            .filter_map(|k| {
                let f = field(k);
                if f.is_none() {
                    p.push(format!("form.term.figures: '{k}' is not a numeric figure"));
                }
                f
            })
            .collect(),
        None => targets.iter().map(|t| t.figure).collect(),
    };
    Some(Term {
        period: Period { from, to },
        name: Msg::new(
            raw.name.clone(),
            raw.name_en.clone().unwrap_or_else(|| raw.name.clone()),
        ),
        figures,
    })
}

/// One figure over a term, for the province or a unit.
#[derive(Debug, Clone, PartialEq)]
pub struct TermLine {
    /// The figure.
    pub figure: FieldRef,
    /// Its sum over the periods taken.
    pub sum: Option<f64>,
    /// Its sum over the previous term's periods, when the archive holds any.
    pub previous: Option<f64>,
    /// The term's target.
    pub target: Option<f64>,
    /// The target was the units' targets added up (the province's line only).
    pub target_summed: bool,
}

impl TermLine {
    /// The sum against the previous term, in per cent of it.
    pub fn change_pct(&self) -> Option<f64> {
        let (a, b) = (self.sum?, self.previous?);
        (b > 0.0).then(|| round10((a - b) / b * 100.0))
    }

    /// The sum in per cent of the target.
    pub fn target_pct(&self) -> Option<f64> {
        let (a, t) = (self.sum?, self.target?);
        (t > 0.0).then(|| round10(a / t * 100.0))
    }
}

fn round10(v: f64) -> f64 {
    (v * 1e10).round() / 1e10
}

/// The sums of a term.
#[derive(Debug, Clone, PartialEq)]
pub struct TermSums {
    /// The term.
    pub term: Term,
    /// Up to which day it is summed: the end of this period, or of the term.
    pub until: NaiveDate,
    /// The periods taken, oldest first.
    pub periods: Vec<Period>,
    /// The months from the term's start to `until` that no period taken covers, as
    /// runs of months (first month, last month).
    pub missing: Vec<(NaiveDate, NaiveDate)>,
    /// The previous term.
    pub previous: Option<Period>,
    /// Its periods in the archive.
    pub previous_periods: Vec<Period>,
    /// Its months that no recorded period covers.
    pub previous_missing: Vec<(NaiveDate, NaiveDate)>,
    /// The province's lines.
    pub province: Vec<TermLine>,
    /// Each expected unit's lines.
    pub units: Vec<(usize, Vec<TermLine>)>,
}

impl TermSums {
    /// "10/2025–12/2025, 3/2026" for a list of runs of months.
    pub fn months(runs: &[(NaiveDate, NaiveDate)]) -> String {
        runs.iter()
            .map(|&(a, b)| {
                if a == b {
                    format!("{}/{}", a.month(), a.year())
                } else {
                    format!("{}/{}–{}/{}", a.month(), a.year(), b.month(), b.year())
                }
            })
            .collect::<Vec<_>>()
            .join(", ")
    }

    /// What the outputs say of the sums' coverage: the months missing, or that the
    /// previous term is not in the archive.
    pub fn notes(&self) -> Vec<Msg> {
        let mut out = Vec::new();
        let name = &self.term.name;
        if !self.missing.is_empty() {
            let m = Self::months(&self.missing);
            out.push(Msg::new(
                format!(
                    "tổng {} chưa đủ: kho lưu trữ không có số liệu các tháng {m}",
                    name.vi
                ),
                format!(
                    "the {} sum is incomplete: the archive has no figures for {m}",
                    name.en
                ),
            ));
        }
        match (self.previous, self.previous_periods.is_empty()) {
            (Some(p), true) => out.push(Msg::new(
                format!("không so sánh được với nhiệm kỳ trước ({p}): kho lưu trữ không có kỳ nào của nhiệm kỳ đó"),
                format!("no comparison with the previous term ({p}): the archive holds none of its periods"),
            )),
            (Some(p), false) if !self.previous_missing.is_empty() => {
                let m = Self::months(&self.previous_missing);
                out.push(Msg::new(
                    format!("tổng nhiệm kỳ trước ({p}) chưa đủ: thiếu các tháng {m}"),
                    format!("the previous term's sum ({p}) is incomplete: {m} missing"),
                ));
            }
            _ => {}
        }
        out
    }
}

/// Sum the term that holds `this` (the period consolidated).
pub fn sums(
    form: &Form,
    c: &Consolidation,
    store: Option<&Archive>,
    this: Period,
    targets: &ByUnit,
) -> Result<Option<TermSums>, ArchiveError> {
    let Some(term) = form.term.clone() else {
        return Ok(None);
    };
    if this.from < term.period.from || this.to > term.period.to {
        return Ok(None);
    }
    let recorded: Vec<Period> = match store {
        Some(s) => s
            .periods()?
            .into_iter()
            .filter(|p| p.form_id == form.id)
            .map(|p| p.period)
            .collect(),
        None => Vec::new(),
    };
    let until = this.to;
    let within = |p: &Period, range: Period| p.from >= range.from && p.to <= range.to;
    let range = Period {
        from: term.period.from,
        to: until,
    };
    let periods = choose(
        Some(this),
        recorded
            .iter()
            .filter(|p| **p != this && within(p, range))
            .copied(),
    );
    let missing = uncovered(range, &periods);
    let previous = term.previous();
    let previous_periods = previous
        .map(|pt| choose(None, recorded.iter().filter(|p| within(p, pt)).copied()))
        .unwrap_or_default();
    let previous_missing = previous
        .map(|pt| uncovered(pt, &previous_periods))
        .unwrap_or_default();
    // Each taken period's figures: this one from the consolidation, the others from
    // the archive.
    let load = |p: &Period| -> Result<Option<Reference>, ArchiveError> {
        let Some(s) = store else { return Ok(None) };
        Ok(Some(Reference {
            period: *p,
            closed: false,
            values: s.unit_values(&form.id, *p)?,
            files: HashMap::new(),
            totals: s.totals(&form.id, *p)?,
            chosen: false,
        }))
    };
    let mut earlier = Vec::new();
    for p in periods.iter().filter(|p| **p != this) {
        earlier.extend(load(p)?);
    }
    let mut before = Vec::new();
    for p in &previous_periods {
        before.extend(load(p)?);
    }
    let summable: Vec<FieldRef> = term
        .figures
        .iter()
        .copied()
        .filter(|&f| form.field_type(f) == FieldType::Count)
        .collect();
    let total = |f: FieldRef| c.totals.iter().find(|(g, _)| *g == f).and_then(|(_, v)| *v);
    let add = |refs: &[Reference], key: &str| -> Option<f64> {
        let vals: Vec<f64> = refs
            .iter()
            .filter_map(|r| r.totals.get(key).copied())
            .collect();
        (!vals.is_empty()).then(|| vals.iter().sum())
    };
    let target_of =
        |code: &str, key: &str| targets.get(code).and_then(|m| m.get(key)).map(|v| v.value);
    let province = summable
        .iter()
        .map(|&f| {
            let key = form.field_key(f);
            let sum = [total(f), add(&earlier, &key)]
                .into_iter()
                .flatten()
                .reduce(|a, b| a + b);
            let given = target_of(PROVINCE_CODE, &key);
            let summed: Vec<f64> = c
                .expected
                .iter()
                .filter_map(|&u| target_of(&form.units[u].code, &key))
                .collect();
            let (target, target_summed) = match given {
                Some(t) => (Some(t), false),
                None if !summed.is_empty() => (Some(summed.iter().sum()), true),
                None => (None, false),
            };
            TermLine {
                figure: f,
                sum,
                previous: add(&before, &key),
                target,
                target_summed,
            }
        })
        .collect();
    let units = c
        .expected
        .iter()
        .map(|&u| {
            let code = &form.units[u].code;
            let report = c.kept[u]
                .filter(|&i| c.included[i])
                .and_then(|i| c.submissions[i].report.as_ref());
            let lines = summable
                .iter()
                .map(|&f| {
                    let key = form.field_key(f);
                    let from_refs = |refs: &[Reference]| -> Option<f64> {
                        let vals: Vec<f64> = refs
                            .iter()
                            .filter_map(|r| r.value(form, u, &key).filter(|l| l.exact))
                            .map(|l| l.value)
                            .collect();
                        (!vals.is_empty()).then(|| vals.iter().sum())
                    };
                    let sum = [report.and_then(|r| r.figure(f)), from_refs(&earlier)]
                        .into_iter()
                        .flatten()
                        .reduce(|a, b| a + b);
                    TermLine {
                        figure: f,
                        sum,
                        previous: from_refs(&before),
                        target: target_of(code, &key),
                        target_summed: false,
                    }
                })
                .collect();
            (u, lines)
        })
        .collect();
    Ok(Some(TermSums {
        term,
        until,
        periods,
        missing,
        previous,
        previous_periods,
        previous_missing,
        province,
        units,
    }))
}

/// `first`, then the longest of `others` that overlap nothing taken (the earlier of
/// two as long), oldest first.
fn choose(first: Option<Period>, others: impl Iterator<Item = Period>) -> Vec<Period> {
    let mut others: Vec<Period> = others.collect();
    others.sort_by_key(|p| (std::cmp::Reverse(p.to - p.from), p.from));
    let mut taken: Vec<Period> = first.into_iter().collect();
    for p in others {
        if !taken.iter().any(|t| p.from <= t.to && t.from <= p.to) {
            taken.push(p);
        }
    }
    taken.sort();
    taken
}

/// The months of `range` with a day no period of `taken` covers, as runs of
/// consecutive months (the first day of the first and of the last month).
fn uncovered(range: Period, taken: &[Period]) -> Vec<(NaiveDate, NaiveDate)> {
    let mut runs: Vec<(NaiveDate, NaiveDate)> = Vec::new();
    let Some(mut month) = range.from.with_day(1) else {
        return runs;
    };
    while month <= range.to {
        let next = month + Months::new(1);
        let start = month.max(range.from);
        let end = next.pred_opt().unwrap_or(next).min(range.to);
        let mut day = start;
        let mut whole = true;
        while day <= end {
            match taken.iter().find(|p| p.from <= day && day <= p.to) {
                Some(p) => day = p.to.succ_opt().unwrap_or(p.to),
                None => {
                    whole = false;
                    break;
                }
            }
            if day == NaiveDate::MAX {
                break;
            }
        }
        if !whole {
            match runs.last_mut() {
                Some((_, last)) if *last + Months::new(1) == month => *last = month,
                _ => runs.push((month, month)),
            }
        }
        month = next;
    }
    runs
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }
    fn p(a: NaiveDate, b: NaiveDate) -> Period {
        Period { from: a, to: b }
    }

    #[test]
    fn overlapping_periods_are_counted_once_the_longest_first() {
        let half1 = p(d(2026, 1, 1), d(2026, 6, 30));
        let year = p(d(2026, 1, 1), d(2026, 12, 31));
        let q1 = p(d(2027, 1, 1), d(2027, 3, 31));
        let this = p(d(2027, 4, 1), d(2027, 6, 30));
        let taken = choose(Some(this), [half1, year, q1].into_iter());
        assert_eq!(taken, vec![year, q1, this]);
    }

    #[test]
    fn the_months_no_period_covers_are_listed_as_runs() {
        let range = p(d(2025, 10, 1), d(2026, 12, 31));
        let taken = [
            p(d(2026, 1, 1), d(2026, 6, 30)),
            p(d(2026, 10, 1), d(2026, 12, 31)),
        ];
        let runs = uncovered(range, &taken);
        assert_eq!(TermSums::months(&runs), "10/2025–12/2025, 7/2026–9/2026");
        assert!(uncovered(p(d(2026, 1, 1), d(2026, 6, 30)), &taken).is_empty());
    }

    #[test]
    fn the_previous_term_has_the_same_length_and_ends_the_day_before() {
        let t = Term {
            period: p(d(2025, 10, 1), d(2030, 9, 30)),
            name: Msg::new("nhiệm kỳ 2025–2030", "2025–2030 term"),
            figures: Vec::new(),
        };
        assert_eq!(t.previous(), Some(p(d(2020, 10, 1), d(2025, 9, 30))));
    }
}
