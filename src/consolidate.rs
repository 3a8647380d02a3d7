//! Accepted submissions to provincial figures. Counts are summed exactly; a provincial
//! percentage is recomputed from the summed count and base, never averaged.

use crate::finding::{Builtin, Finding};
use crate::form::Form;
use crate::lang::Msg;
use crate::period::Period;
use crate::rules;
use crate::spec::{Derivation, FieldRef, FieldType};
use crate::submission::{Status, Submission};
use crate::text::number::{MAX_FIGURE, within_bound};
use std::cmp::Reverse;
use std::collections::HashMap;
use std::collections::hash_map::Entry;

/// The run's submissions with the decisions consolidation took, and the province's
/// figures.
#[derive(Debug)]
pub struct Consolidation {
    /// Sorted by file name.
    pub submissions: Vec<Submission>,
    /// The period consolidated: the one given, else the one most submissions report.
    pub period: Option<Period>,
    /// Whether [`Consolidation::period`] was inferred from the submissions.
    pub period_inferred: bool,
    /// The units expected for the period, in the form's order: those that exist at
    /// its end.
    pub expected: Vec<usize>,
    /// For each unit of the form: the submission that stands for it.
    pub kept: Vec<Option<usize>>,
    /// Submissions whose figures are summed (accepted, or any kept one with `include_invalid`).
    pub included: Vec<bool>,
    /// The form's numeric fields and their provincial figure (None: nothing to sum,
    /// or a sum past what a figure can hold, listed in [`Consolidation::beyond`]).
    pub totals: Vec<(FieldRef, Option<f64>)>,
    /// Fields whose provincial sum is past 2^53 in size: each unit's figure is within
    /// it (a larger one is a TYPE error at its cell), but together they are not, and an
    /// `f64` would hold the sum only roughly. Left without a figure, and said.
    pub beyond: Vec<FieldRef>,
}

impl Consolidation {
    /// The expected units that sent nothing that could be used (a unit whose file was
    /// held back for the run's memory limit is not one of them).
    pub fn missing_units(&self) -> Vec<usize> {
        let held = self.held_back_flags();
        self.expected
            .iter()
            .copied()
            .filter(|&u| self.kept[u].is_none() && !held[u])
            .collect()
    }

    /// The expected units whose file was read but not consolidated because the run's
    /// memory limit (`--max-memory-mib`) could keep no more figures: for the clerk to
    /// run again with a larger limit, not for the unit to send again.
    pub fn held_back_units(&self) -> Vec<usize> {
        let held = self.held_back_flags();
        self.expected.iter().copied().filter(|&u| held[u]).collect()
    }

    /// For each unit of the form: whether a file of it was held back and none of it
    /// is kept. Flags, not a search: a national inbox can hold back tens of thousands.
    pub fn held_back_flags(&self) -> Vec<bool> {
        let mut held = vec![false; self.kept.len()];
        for u in self
            .submissions
            .iter()
            .filter(|s| s.held_back)
            .filter_map(|s| s.unit)
        {
            if let Some(h) = held.get_mut(u) {
                *h = self.kept[u].is_none();
            }
        }
        held
    }
}

/// The same file sent twice (by mail and on a stick, say) is one report: byte-identical
/// copies leave `tied` (files of one unit and one report date, best first), so only
/// files that differ are compared. Each copy comes with the file it repeats.
fn take_copies(subs: &[Submission], tied: &mut Vec<usize>) -> Vec<(usize, usize)> {
    let mut first: HashMap<&str, usize> = HashMap::new();
    let mut copies = Vec::new();
    tied.retain(|&i| {
        let sha = subs[i].sha256.as_str();
        if sha.is_empty() {
            return true;
        }
        match first.entry(sha) {
            Entry::Occupied(e) => {
                copies.push((i, *e.get()));
                false
            }
            Entry::Vacant(e) => {
                e.insert(i);
                true
            }
        }
    });
    copies
}

/// The period most readable submissions of known units report; of two as common, the
/// later. Deterministic whatever the order of the files.
pub fn infer_period(form: &Form, subs: &[Submission]) -> Option<Period> {
    let id = form.identity;
    let mut count: HashMap<Period, usize> = HashMap::new();
    for s in subs.iter().filter(|s| s.unit.is_some()) {
        let Some(r) = &s.report else { continue };
        if let (Some(from), Some(to)) =
            (r.cells[id.period_from].date(), r.cells[id.period_to].date())
            && from <= to
        {
            *count.entry(Period { from, to }).or_default() += 1;
        }
    }
    count
        .into_iter()
        .max_by_key(|&(p, n)| (n, p.to, p.from))
        .map(|(p, _)| p)
}

/// Decide the period, duplicates and statuses, then add up what is included. Without
/// a `period`, the one most submissions report is taken, and each file is checked
/// against it as the form's `period` rule would have been.
pub fn consolidate(
    form: &Form,
    mut subs: Vec<Submission>,
    include_invalid: bool,
    period: Option<Period>,
) -> Consolidation {
    let period_inferred = period.is_none();
    let period = period.or_else(|| infer_period(form, &subs));
    if let (true, Some(p)) = (period_inferred, period) {
        for s in &mut subs {
            let Some(r) = &s.report else { continue };
            let found = rules::period_findings(form, &form.rules, r, p);
            if found.iter().any(Finding::is_error) && s.status == Status::Accepted {
                s.status = Status::Rejected;
            }
            s.findings.extend(found);
        }
    }
    let expected = form.units.expected(period);
    let mut kept: Vec<Option<usize>> = vec![None; form.units.len()];
    // Submissions by the unit they claim, in one pass (a national roll-up has thousands).
    let mut by_unit: Vec<Vec<usize>> = vec![Vec::new(); form.units.len()];
    for (i, s) in subs.iter().enumerate() {
        if let (Some(u), Some(_)) = (s.unit, &s.report) {
            by_unit[u].push(i);
        }
    }
    // The newest file of each unit that was held back for the memory limit, by date of
    // report, then file time (the name only picks which one is named): its figures are
    // gone, but it may still supersede the files of its unit that were kept.
    let when = |s: &Submission| (s.report_date, s.modified);
    let mut newest_held: Vec<Option<usize>> = vec![None; form.units.len()];
    for (i, s) in subs.iter().enumerate().filter(|(_, s)| s.held_back) {
        if let Some(slot) = s.unit.and_then(|u| newest_held.get_mut(u))
            && slot.is_none_or(|h| {
                (when(s), Reverse(&s.file)) > (when(&subs[h]), Reverse(&subs[h].file))
            })
        {
            *slot = Some(i);
        }
    }
    for (u, slot) in kept.iter_mut().enumerate() {
        let claims = std::mem::take(&mut by_unit[u]);
        if claims.is_empty() {
            continue;
        }
        let report_date = |i: usize| subs[i].report_date;
        // Newest first.
        let mut order = claims.clone();
        order.sort_by(|&a, &b| {
            (when(&subs[b]), &subs[a].file).cmp(&(when(&subs[a]), &subs[b].file))
        });
        let winner = order[0];
        let code = &form.units[u].code;
        // A held-back file supersedes the kept ones unless it is older than the newest
        // of them, or a byte-identical copy of one of them (then nothing is lost). One
        // of the same date and file time but other content would have been a true tie,
        // none of whose files is summed: held back as a whole too, until a larger limit
        // lets the run see the tie.
        let superseding = newest_held[u].filter(|&h| {
            let held = &subs[h];
            when(held) >= when(&subs[winner])
                && (held.sha256.is_empty() || claims.iter().all(|&i| subs[i].sha256 != held.sha256))
        });
        if let Some(h) = superseding {
            // Consolidating an older file in place of the newer one would sum figures
            // the unit has replaced: the unit is held back as a whole, for the clerk to
            // run again with a larger limit.
            let newer = subs[h].file.clone();
            for &i in &order {
                subs[i].findings.push(Finding::warning(
                    Builtin::Dup,
                    Msg::new(
                        format!(
                            "Tệp {newer} của đơn vị {code} (không cũ hơn tệp này) đã được đọc nhưng chưa tổng hợp vì giới hạn bộ nhớ của lần chạy; tệp này không được tổng hợp thay cho nó. Người tổng hợp: chạy lại với --max-memory-mib lớn hơn; đơn vị không cần gửi lại."
                        ),
                        format!(
                            "File {newer} of unit {code} (not older than this one) was read but not consolidated because of the run's memory limit; this one is not consolidated in its place. Clerk: run again with a larger --max-memory-mib; the unit need not send again."
                        ),
                    ),
                ));
                subs[i].status = Status::Duplicate;
                subs[i].superseded_by = Some(newer.clone());
            }
            continue;
        }
        let mut same_date: Vec<usize> = order
            .iter()
            .copied()
            .filter(|&i| report_date(i).is_some() && report_date(i) == report_date(winner))
            .collect();
        let copies = take_copies(&subs, &mut same_date);
        for &(i, of) in &copies {
            let original = subs[of].file.clone();
            subs[i].findings.push(Finding::warning(
                Builtin::Dup,
                Msg::new(
                    format!(
                        "Tệp này giống hệt tệp {original} của đơn vị {code}: hai tệp được xử lý như một."
                    ),
                    format!(
                        "This file is identical to {original} of unit {code}: the two are handled as one."
                    ),
                ),
            ));
            subs[i].status = Status::Duplicate;
            subs[i].superseded_by = Some(original);
        }
        // A true tie: same date of report, same file time, different content. Nothing
        // says which is the correction, so neither is summed: the clerk, who can see the
        // files, keeps one (or the unit, which gets the error back, sends one).
        let tied: Vec<usize> = same_date
            .iter()
            .copied()
            .filter(|&i| subs[i].modified == subs[winner].modified)
            .collect();
        if tied.len() > 1 {
            let names: Vec<String> = tied.iter().map(|&i| subs[i].file.clone()).collect();
            for &i in &tied {
                let others: Vec<&str> = names
                    .iter()
                    .filter(|n| **n != subs[i].file)
                    .map(String::as_str)
                    .collect();
                let others = others.join(", ");
                let this = subs[i].file.clone();
                subs[i].findings.push(Finding::error(
                    Builtin::Dup,
                    Msg::new(
                        format!(
                            "Đơn vị {code} có nhiều tệp cùng ngày báo cáo, cùng thời gian lưu tệp nhưng nội dung khác nhau ({this}; {others}): không xác định được tệp nào là bản sửa, nên chưa tổng hợp tệp nào. Người tổng hợp: chỉ giữ lại tệp đúng trong thư mục bài nộp, xóa các tệp còn lại rồi chạy lại. Đơn vị nhận được thông báo này: hãy gửi lại một tệp duy nhất, là bản đúng."
                        ),
                        format!(
                            "Unit {code} has several files with the same date of report and the same file time but different content ({this}; {others}): which is the correction cannot be told, so none is consolidated. Clerk: keep the right one in the inbox, remove the others and run again. Unit receiving this: send one file, the right one, again."
                        ),
                    ),
                ));
                subs[i].status = Status::Rejected;
            }
        }
        for &i in &order[1..] {
            if tied.contains(&i) || copies.iter().any(|&(c, _)| c == i) {
                continue;
            }
            let newer = subs[winner].file.clone();
            let msg = if same_date.contains(&i) {
                // A correction: said to the clerk, who can undo the choice.
                Msg::new(
                    format!(
                        "Đơn vị {code} đã gửi tệp sửa cùng ngày báo cáo: {newer} (lưu sau) được tổng hợp, tệp này bỏ qua. Nếu tệp này mới là bản đúng, hãy xóa {newer} khỏi thư mục bài nộp rồi chạy lại."
                    ),
                    format!(
                        "Unit {code} sent a corrected file with the same date of report: {newer} (saved later) is consolidated, this one is set aside. If this one is the right one, remove {newer} from the inbox and run again."
                    ),
                )
            } else {
                Msg::new(
                    format!(
                        "Đã có tệp mới hơn của đơn vị {code}: {newer}. Tệp này không được tổng hợp."
                    ),
                    format!(
                        "A newer file of unit {code} was received: {newer}. This one is not consolidated."
                    ),
                )
            };
            subs[i].findings.push(Finding::warning(Builtin::Dup, msg));
            subs[i].status = Status::Duplicate;
            subs[i].superseded_by = Some(newer);
        }
        *slot = Some(winner);
    }
    let included: Vec<bool> = subs
        .iter()
        .enumerate()
        .map(|(i, s)| {
            s.unit
                .is_some_and(|u| kept[u] == Some(i) && form.units[u].exists_on_end(period))
                && (s.status == Status::Accepted
                    || (include_invalid
                        && s.status == Status::Rejected
                        && !s
                            .findings
                            .iter()
                            .any(|f| f.code.is(Builtin::Dup) && f.is_error())))
        })
        .collect();

    let (totals, beyond) = totals(form, &subs, &included);
    Consolidation {
        submissions: subs,
        period,
        period_inferred,
        expected,
        kept,
        included,
        totals,
        beyond,
    }
}

/// The province's figure for every summed field: counts summed exactly; a percentage
/// or a ratio recomputed from the summed count and base, never averaged; a mean (an
/// average age) weighted by the line it is the mean of. With them, the summed fields
/// whose sum is past what a figure can hold ([`Consolidation::beyond`]).
pub(crate) fn totals(
    form: &Form,
    subs: &[Submission],
    included: &[bool],
) -> (Vec<(FieldRef, Option<f64>)>, Vec<FieldRef>) {
    let fields = form.summed_fields();
    let index: HashMap<FieldRef, usize> = fields.iter().enumerate().map(|(k, &f)| (f, k)).collect();
    let weight_of = |f: FieldRef| match f {
        FieldRef::Item { list, row, column } => {
            form.lists[list].rows[row].weight.map(|w| FieldRef::Item {
                list,
                row: w,
                column,
            })
        }
        _ => None,
    };
    let mut sums: Vec<Option<f64>> = vec![None; fields.len()];
    // Whole figures summed exactly, whatever their number: an f64 sum stays exact only
    // while every partial sum is within 2^53. A field with a fraction somewhere is
    // summed as f64 (`whole` false).
    let mut exact: Vec<i128> = vec![0; fields.len()];
    let mut whole: Vec<bool> = vec![true; fields.len()];
    // Σ value × weight and Σ weight, for the means.
    let mut weighted: HashMap<FieldRef, (f64, f64)> = HashMap::new();
    for (s, _) in subs.iter().zip(included).filter(|(_, inc)| **inc) {
        let Some(r) = &s.report else { continue };
        for (k, &f) in fields.iter().enumerate() {
            let Some(v) = r.figure(f) else { continue };
            *sums[k].get_or_insert(0.0) += v;
            if v.fract() == 0.0 && within_bound(v) {
                // Exact: |v| ≤ 2^53, and 2^74 files would be needed to overflow i128.
                exact[k] += v as i128;
            } else {
                whole[k] = false;
            }
            if let Some(w) = weight_of(f).and_then(|w| r.figure(w)) {
                let e = weighted.entry(f).or_insert((0.0, 0.0));
                e.0 += v * w;
                e.1 += w;
            }
        }
    }
    // Sums past the bound; which fields they leave blank is found below.
    let mut over = vec![false; fields.len()];
    for (k, sum) in sums.iter_mut().enumerate() {
        let Some(s) = sum else { continue };
        let value = if whole[k] { exact[k] as f64 } else { *s };
        let fits = if whole[k] {
            exact[k].unsigned_abs() <= MAX_FIGURE as u128
        } else {
            within_bound(value)
        };
        if fits {
            *s = value;
        } else {
            *sum = None;
            over[k] = true;
        }
    }
    let is_over = |f: FieldRef| index.get(&f).is_some_and(|&k| over[k]);
    // The fields left blank by a sum past the bound: the summed ones, and the ratios
    // and percentages computed from them. A weighted mean is no sum of counts.
    let mut beyond = Vec::new();
    let sum_of = |f: FieldRef| index.get(&f).and_then(|&k| sums[k]);
    // A percentage of two means (the average age this period against a year earlier) is
    // the ratio of the province's means, not of the sums of the units' means.
    let value_of = |f: FieldRef| {
        if weight_of(f).is_some() {
            weighted
                .get(&f)
                .and_then(|&(vw, w)| (w != 0.0).then(|| vw / w))
        } else {
            sum_of(f)
        }
    };
    // A ratio or mean is given to 10 decimal places: beyond them lies only the noise of
    // binary fractions, which differs with the program that saved a unit's decimal
    // figure (LibreOffice may read "45.6" one unit in the last place away from Excel),
    // and the province's figure must not depend on that.
    let ratio = |n: Option<f64>, d: Option<f64>, scale: f64| match (n, d) {
        // A tiny base can still make a ratio overflow: no figure rather than infinity,
        // which an output would show as 0.
        (Some(n), Some(d)) if d != 0.0 => {
            Some((n / d * scale * 1e10).round() / 1e10).filter(|r| r.is_finite())
        }
        _ => None,
    };
    let values = fields
        .iter()
        .enumerate()
        .map(|(k, &f)| {
            let (v, blank) = if let FieldRef::Derived(i) = f
                && let Derivation::Ratio {
                    numerator,
                    denominator,
                    scale,
                } = form.derived[i].how
            {
                (
                    ratio(sum_of(numerator), sum_of(denominator), scale),
                    is_over(numerator) || is_over(denominator),
                )
            } else if form.field_type(f) == FieldType::Percent
                && let Some((count, base)) = form.rules.percent_source(f)
            {
                // Before the weighted means: the % column of a mean's line is a ratio of
                // the province's means, not a mean of the units' percentages.
                let summed = |g: FieldRef| weight_of(g).is_none() && is_over(g);
                (
                    ratio(value_of(count), value_of(base), 100.0),
                    summed(count) || summed(base),
                )
            } else if weight_of(f).is_some() {
                let mean = weighted
                    .get(&f)
                    .and_then(|&(vw, w)| ratio(Some(vw), Some(w), 1.0));
                (mean, false)
            } else if form.field_type(f) == FieldType::Percent {
                (None, false)
            } else {
                (sums[k], over[k])
            };
            if blank {
                beyond.push(f);
            }
            (f, v)
        })
        .collect();
    (values, beyond)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::extract::Value;

    /// Each unit's figure is within 2^53 (a larger one is a TYPE error at its cell), but
    /// two of them together are not: the province gets no figure rather than a rounded
    /// one, and the field is named, with every percentage computed from it. Up to 2^53
    /// itself, the sum is exact.
    #[test]
    fn a_provincial_sum_past_two_to_the_53_is_left_blank_and_named() {
        let form = Form::default_form().unwrap();
        let mut subs = crate::pipeline::samples(&form, &["MUONGNHE.xlsx", "CAT.xlsx"]);
        let f = form
            .summed_fields()
            .into_iter()
            .find(|&f| matches!(f, FieldRef::Cell(_)) && form.field_type(f) == FieldType::Count)
            .unwrap();
        let FieldRef::Cell(cell) = f else {
            unreachable!()
        };
        let included = [true, true];
        let mut sum = |a: f64, b: f64| {
            for (s, v) in subs.iter_mut().zip([a, b]) {
                s.report.as_mut().unwrap().cells[cell] = Value::Number(v);
            }
            let (totals, beyond) = totals(&form, &subs, &included);
            let total = totals.iter().find(|(g, _)| *g == f).unwrap().1;
            // What is named is blank.
            for g in &beyond {
                assert!(totals.iter().any(|(h, v)| h == g && v.is_none()), "{g:?}");
            }
            (total, beyond.first().copied())
        };
        assert_eq!(sum(MAX_FIGURE, 1.0), (None, Some(f)));
        assert_eq!(sum(MAX_FIGURE, MAX_FIGURE), (None, Some(f)));
        assert_eq!(sum(MAX_FIGURE - 1.0, 1.0), (Some(MAX_FIGURE), None));
        assert_eq!(sum(12.0, 30.0), (Some(42.0), None));
    }

    /// A unit's newer file held back for the memory limit still supersedes its older
    /// one: the older figures are not summed in its place, the unit is held back (not
    /// missing), and the older file names the newer. When the held-back file is the
    /// older one, or a byte-identical copy of the kept one, the kept file is
    /// consolidated as ever; one of the same date and file time with other content (a
    /// true tie, whatever the names) holds the unit back too.
    #[test]
    fn an_older_file_is_not_consolidated_in_place_of_a_newer_one_held_back() {
        let form = Form::default_form().unwrap();
        // Two files of one unit; `later` days between their dates of report, the second
        // file held back when `held_second`, its bytes the first's when `copy`.
        let run = |later: u64, held_second: bool, copy: bool, name: &str| {
            let mut subs = crate::pipeline::samples(&form, &["MUONGNHE.xlsx", "MUONGNHE.xlsx"]);
            subs[1].file = name.into();
            if !copy {
                subs[1].sha256 = "0".repeat(64);
            }
            let date = subs[0].report_date.unwrap();
            subs[1].report_date = Some(date + chrono::Days::new(later));
            let held = usize::from(held_second);
            crate::keep::Keeper::new(1 << 30).refuse(&mut subs[held], 1);
            consolidate(&form, subs, false, None)
        };
        let c = run(1, true, false, "MUONGNHE-sua.xlsx");
        let u = c.submissions[0].unit.unwrap();
        assert_eq!(c.kept[u], None);
        assert!(!c.included[0]);
        assert_eq!(c.held_back_units(), vec![u]);
        assert!(!c.missing_units().contains(&u));
        let older = &c.submissions[0];
        assert_eq!(older.status, Status::Duplicate);
        assert_eq!(older.superseded_by.as_deref(), Some("MUONGNHE-sua.xlsx"));
        let said = &older.findings.last().unwrap().message.vi;
        assert!(said.contains("--max-memory-mib"), "{said}");

        // The held-back file is the older one.
        let c = run(1, false, false, "MUONGNHE-sua.xlsx");
        assert_eq!(c.kept[u], Some(1));
        assert!(c.included[1] && c.held_back_units().is_empty());
        assert_eq!(c.submissions[1].status, Status::Accepted);

        // A copy held back, however late its date: the kept copy is the same report.
        let c = run(1, true, true, "MUONGNHE (1).xlsx");
        assert_eq!(c.kept[u], Some(0));
        assert!(c.included[0] && c.held_back_units().is_empty());

        // Same date and file time, other content: held back whatever the names' order.
        for name in ["A.xlsx", "Z.xlsx"] {
            let c = run(0, true, false, name);
            assert_eq!(c.kept[u], None, "{name}");
            assert!(!c.included.iter().any(|&i| i), "{name}");
            assert_eq!(c.held_back_units(), vec![u], "{name}");
        }
    }
}
