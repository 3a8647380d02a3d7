//! This period beside the same period a year earlier and the previous period: per unit
//! and for the province, the figures the form compares (`[form] compare`), with the
//! change in persons and per cent (counts) or in percentage points (shares and rates).
//!
//! The province's earlier figures are those its run computed and the archive kept
//! (a percentage recomputed from that period's sums, never a sum of percentages); a
//! unit's are its own, or, for a unit that took others over, theirs added up (counts
//! only), said in the output as exact or approximate. Built after consolidation, before
//! the outputs: the writers only lay it out.

use crate::consolidate::Consolidation;
use crate::form::Form;
use crate::history::{History, Looked, Reference};
use crate::lang::Msg;
use crate::period::Period;
use crate::spec::{Derivation, FieldRef, FieldType};

/// A reference period as the outputs name it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Against {
    /// The period.
    pub period: Period,
    /// It was closed.
    pub closed: bool,
    /// The clerk chose it (`run --compare-with`) in place of the same period a year
    /// earlier.
    pub chosen: bool,
}

/// One figure of one unit (or the province) in the three periods.
#[derive(Debug, Clone, PartialEq)]
pub struct Line {
    /// The figure.
    pub figure: FieldRef,
    /// This period.
    pub this: Option<f64>,
    /// The same period a year earlier.
    pub year_before: Option<f64>,
    /// The previous period.
    pub previous: Option<f64>,
    /// How the earlier figures were found when the unit did not report them itself.
    pub note: Option<Msg>,
}

/// A change of a figure against an earlier one.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Change {
    /// The difference: persons for a count, percentage points for a share or a rate.
    pub by: f64,
    /// The difference in per cent of the earlier figure (counts only, and only over a
    /// base above 0).
    pub percent: Option<f64>,
}

impl Line {
    /// This period against `earlier`.
    pub fn change(&self, earlier: Option<f64>, points: bool) -> Option<Change> {
        let (a, b) = (self.this?, earlier?);
        let by = round10(a - b);
        let percent = (!points && b > 0.0).then(|| round10((a - b) / b * 100.0));
        Some(Change { by, percent })
    }
}

/// Ten decimals: beyond them only the noise of binary fractions.
fn round10(v: f64) -> f64 {
    (v * 1e10).round() / 1e10
}

/// The comparison of a run.
#[derive(Debug, Clone)]
pub struct Comparison {
    /// The same period a year earlier, when the archive holds it.
    pub year_before: Option<Against>,
    /// The previous period, when the archive holds it.
    pub previous: Option<Against>,
    /// Why a comparison was not possible.
    pub not_possible: Vec<Msg>,
    /// The figures compared.
    pub figures: Vec<FieldRef>,
    /// The province's lines, one per figure.
    pub province: Vec<Line>,
    /// Each expected unit's lines, in the form's order.
    pub units: Vec<(usize, Vec<Line>)>,
    /// Codes of the findings that look back, per expected unit (same order), and
    /// [`BELOW_TARGET`] for a unit below a target.
    pub flags: Vec<Vec<String>>,
    /// Targets, the term and the summary ([`Comparison::add`]).
    pub extra: Extra,
}

impl Comparison {
    /// Whether `f` changes in percentage points (a share, a rate, a mean) rather than
    /// in persons.
    pub fn in_points(form: &Form, f: FieldRef) -> bool {
        match f {
            FieldRef::Derived(i) => matches!(form.derived[i].how, Derivation::Ratio { .. }),
            _ => form.field_type(f) != FieldType::Count,
        }
    }

    /// Build it from the consolidation and what the archive holds.
    pub fn build(form: &Form, c: &Consolidation, history: &History) -> Comparison {
        let figures = form.compare.clone();
        let against = |r: &Option<Reference>| {
            r.as_ref().map(|r| Against {
                period: r.period,
                closed: r.closed,
                chosen: r.chosen,
            })
        };
        let not_possible = [history.missing(true), history.missing(false)]
            .into_iter()
            .flatten()
            .collect();
        let total = |f: FieldRef| c.totals.iter().find(|(g, _)| *g == f).and_then(|(_, v)| *v);
        let archived_total =
            |r: &Option<Reference>, key: &str| r.as_ref().and_then(|r| r.totals.get(key).copied());
        let province = figures
            .iter()
            .map(|&f| {
                let key = form.field_key(f);
                Line {
                    figure: f,
                    this: total(f),
                    year_before: archived_total(&history.year_before, &key),
                    previous: archived_total(&history.previous, &key),
                    note: None,
                }
            })
            .collect();
        let mut units = Vec::with_capacity(c.expected.len());
        let mut flags = Vec::with_capacity(c.expected.len());
        for &u in &c.expected {
            let kept = c.kept[u];
            let report = kept
                .filter(|&i| c.included[i])
                .and_then(|i| c.submissions[i].report.as_ref());
            let lines = figures
                .iter()
                .map(|&f| {
                    let key = form.field_key(f);
                    let look =
                        |r: &Option<Reference>| r.as_ref().and_then(|r| r.value(form, u, &key));
                    let (year, prev) = (look(&history.year_before), look(&history.previous));
                    let note = year.as_ref().or(prev.as_ref()).and_then(through_note);
                    // A unit made from parts of others has no earlier figure of its own:
                    // theirs added up would overstate it. The province still compares.
                    let exact = |l: Option<Looked>| l.filter(|l| l.exact).map(|l| l.value);
                    Line {
                        figure: f,
                        this: report.and_then(|r| r.figure(f)),
                        year_before: exact(year),
                        previous: exact(prev),
                        note,
                    }
                })
                .collect();
            units.push((u, lines));
            let mut codes: Vec<String> = kept
                .map(|i| {
                    c.submissions[i]
                        .findings
                        .iter()
                        .filter(|f| looks_back(form, f.code.as_str()))
                        .map(|f| f.code.to_string())
                        .collect()
                })
                .unwrap_or_default();
            codes.dedup();
            flags.push(codes);
        }
        Comparison {
            year_before: against(&history.year_before),
            previous: against(&history.previous),
            not_possible,
            figures,
            province,
            units,
            flags,
            extra: Extra::default(),
        }
    }
}

/// Whether `code` is the code of one of the form's rules that look back.
fn looks_back(form: &Form, code: &str) -> bool {
    form.rules
        .iter()
        .any(|r| r.kind.looks_back() && r.meta.code.as_str() == code)
}

/// "added up from MUONGCHA, NAHY (approximate)" when the figure came through the units
/// a unit took over.
fn through_note(l: &Looked) -> Option<Msg> {
    if l.through.is_empty() {
        return None;
    }
    let units = l.through.join(", ");
    Some(if l.exact {
        Msg::new(
            format!("số kỳ trước cộng từ các đơn vị cũ {units}"),
            format!("earlier figures added up from the former units {units}"),
        )
    } else {
        Msg::new(
            format!(
                "số kỳ trước cộng từ các đơn vị cũ {units} (ước tính: có đơn vị chỉ nhập một phần hoặc thiếu số liệu)"
            ),
            format!(
                "earlier figures added up from the former units {units} (approximate: a unit went in only in part, or has no figures)"
            ),
        )
    })
}

/// Where a target of the province's line came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TargetFrom {
    /// No target for it.
    None,
    /// The targets file's (or the archive's) province row.
    Province,
    /// The units' targets added up: `of` units had one, out of `expected`.
    Summed {
        /// Units with a target.
        of: usize,
        /// Units expected.
        expected: usize,
    },
}

/// One target figure of a unit or the province: what was achieved against what was
/// asked.
#[derive(Debug, Clone, PartialEq)]
pub struct Achievement {
    /// The index of the target in `form.targets`.
    pub target_index: usize,
    /// This period's figure.
    pub this: Option<f64>,
    /// The target.
    pub target: Option<f64>,
    /// Where the target came from (the province's line; `Province` for a unit's own).
    pub from: TargetFrom,
    /// The figure in per cent of the target.
    pub percent: Option<f64>,
    /// The base of its rate (members at the start, for admissions).
    pub base: Option<f64>,
    /// The figure in per cent of the base.
    pub rate: Option<f64>,
    /// Reported, and below the target.
    pub below: bool,
}

impl Achievement {
    fn of(
        target_index: usize,
        this: Option<f64>,
        target: Option<f64>,
        from: TargetFrom,
        base: Option<f64>,
    ) -> Achievement {
        let ratio = |a: Option<f64>, b: Option<f64>| match (a, b) {
            (Some(a), Some(b)) if b > 0.0 => Some(round10(a * 100.0 / b)),
            _ => None,
        };
        Achievement {
            target_index,
            this,
            target,
            from,
            percent: ratio(this, target),
            base,
            rate: ratio(this, base),
            below: matches!((this, target), (Some(a), Some(t)) if a < t),
        }
    }
}

/// The flag a unit below one of its targets carries in `flags`.
pub const BELOW_TARGET: &str = "BELOW_TARGET";

/// What the comparison adds from targets, the term and the summary template.
#[derive(Debug, Clone, Default)]
pub struct Extra {
    /// Where the targets came from, when there are any.
    pub targets_from: Option<Msg>,
    /// The cells of the targets file that could not be used.
    pub target_problems: Vec<crate::targets::Problem>,
    /// The province's achievement of each target of the form.
    pub province: Vec<Achievement>,
    /// Each expected unit's, in the order of [`Comparison::units`].
    pub units: Vec<Vec<Achievement>>,
    /// The term's sums, when the form declares a term that holds the period.
    pub term: Option<crate::term::TermSums>,
    /// The summary's sentences.
    pub brief: Option<crate::summary::Summary>,
}

impl Comparison {
    /// Add the targets' achievement, the term's sums and the summary to the comparison
    /// (`extra`), and flag units below a target.
    pub fn add(
        &mut self,
        form: &Form,
        c: &Consolidation,
        store: Option<&crate::archive::Archive>,
        targets: crate::targets::Targets,
    ) -> Result<(), crate::archive::ArchiveError> {
        use crate::targets::PROVINCE_CODE;
        let total = |f: FieldRef| c.totals.iter().find(|(g, _)| *g == f).and_then(|(_, v)| *v);
        let target_of = |code: &str, key: &str| {
            targets
                .period
                .get(code)
                .and_then(|m| m.get(key))
                .map(|v| v.value)
        };
        let mut extra = Extra {
            targets_from: (!form.targets.is_empty() && !targets.period.is_empty()
                || !targets.term.is_empty())
            .then(|| targets.from.clone())
            .flatten(),
            target_problems: targets.problems.clone(),
            ..Extra::default()
        };
        if !form.targets.is_empty() && !targets.period.is_empty() {
            for (k, spec) in form.targets.iter().enumerate() {
                let given = target_of(PROVINCE_CODE, &spec.key);
                let summed: Vec<f64> = c
                    .expected
                    .iter()
                    .filter_map(|&u| target_of(&form.units[u].code, &spec.key))
                    .collect();
                let (target, from) = match given {
                    Some(t) => (Some(t), TargetFrom::Province),
                    None if !summed.is_empty() => (
                        Some(summed.iter().sum()),
                        TargetFrom::Summed {
                            of: summed.len(),
                            expected: c.expected.len(),
                        },
                    ),
                    None => (None, TargetFrom::None),
                };
                extra.province.push(Achievement::of(
                    k,
                    total(spec.figure),
                    target,
                    from,
                    spec.base.and_then(total),
                ));
            }
            for (n, (u, _)) in self.units.iter().enumerate() {
                let report = c.kept[*u]
                    .filter(|&i| c.included[i])
                    .and_then(|i| c.submissions[i].report.as_ref());
                let code = &form.units[*u].code;
                let lines: Vec<Achievement> = form
                    .targets
                    .iter()
                    .enumerate()
                    .map(|(k, spec)| {
                        let target = target_of(code, &spec.key);
                        Achievement::of(
                            k,
                            report.and_then(|r| r.figure(spec.figure)),
                            target,
                            if target.is_some() {
                                TargetFrom::Province
                            } else {
                                TargetFrom::None
                            },
                            spec.base.and_then(|b| report.and_then(|r| r.figure(b))),
                        )
                    })
                    .collect();
                if lines.iter().any(|a| a.below) && !self.flags[n].iter().any(|f| f == BELOW_TARGET)
                {
                    self.flags[n].push(BELOW_TARGET.to_string());
                }
                extra.units.push(lines);
            }
        }
        if let Some(period) = c.period {
            extra.term = crate::term::sums(form, c, store, period, &targets.term)?;
        }
        self.extra = extra;
        self.extra.brief = form
            .brief
            .as_ref()
            .map(|t| crate::summary::build(t, form, c, self));
        Ok(())
    }
}
