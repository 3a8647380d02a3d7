//! The past a run looks back at: from the archive, the previous period of the same
//! length and the same period a year earlier, each unit's figures in them (a unit that
//! took over others adding theirs up), and this run's units' rates for the rules that
//! compare a unit with its peers.
//!
//! Loaded once per run, after every file is read and the period is known, and before
//! consolidation: the look-back rules ([`crate::rules::check_past`]) then add their
//! findings to each submission like any other rule.

use crate::archive::{Archive, ArchiveError};
use crate::form::Form;
use crate::period::Period;
use crate::spec::{FieldRef, FieldType, Layout};
use crate::submission::Submission;
use chrono::{Datelike, Months, NaiveDate};
use std::collections::HashMap;
use std::path::PathBuf;

/// A period the run compares itself with, as the archive holds it.
#[derive(Debug, Clone)]
pub struct Reference {
    /// The period.
    pub period: Period,
    /// It was closed (reported upward): what it says is final.
    pub closed: bool,
    /// Each unit's figures, by code and key.
    pub values: HashMap<String, HashMap<String, f64>>,
    /// Each unit's file, by code.
    pub files: HashMap<String, String>,
    /// The province's figures as that period's run computed them, by key.
    pub totals: std::collections::BTreeMap<String, f64>,
    /// The clerk chose it (`run --compare-with`) instead of the same period a year
    /// earlier: the outputs name it as chosen, not as "cùng kỳ năm trước".
    pub chosen: bool,
}

/// A unit's figure in a reference period.
#[derive(Debug, Clone, PartialEq)]
pub struct Looked {
    /// The figure.
    pub value: f64,
    /// The unit's own file, when it reported itself.
    pub file: Option<String>,
    /// The units it took over whose figures were added up, when it did not exist then.
    pub through: Vec<String>,
    /// Every one of them went wholly into the unit: the sum is the unit's figure, not
    /// an estimate.
    pub exact: bool,
}

impl Reference {
    /// Unit `unit`'s figure `key` as it stands now: its own, plus those of the units it
    /// took over that still reported then (a committee that absorbed the border guard
    /// starts from both ends). Only counts add up; a percentage or a mean of a unit that
    /// took others over since is not comparable and is `None`.
    pub fn value(&self, layout: &Layout, unit: usize, key: &str) -> Option<Looked> {
        let u = &layout.units[unit];
        let own = self.values.get(&u.code).and_then(|m| m.get(key)).copied();
        let found: Vec<(&str, f64, bool)> = u
            .predecessors
            .iter()
            .filter_map(|p| {
                let code = layout.units[p.unit].code.as_str();
                let v = self.values.get(code).and_then(|m| m.get(key))?;
                Some((code, *v, p.whole))
            })
            .collect();
        if found.is_empty() {
            return own.map(|value| Looked {
                value,
                file: self.files.get(&u.code).cloned(),
                through: Vec::new(),
                exact: true,
            });
        }
        let addable = layout
            .field(key)
            .is_some_and(|f| layout.field_type(f) == FieldType::Count);
        if !addable {
            return None;
        }
        // Without its own figure, a predecessor missing from the archive would make the
        // sum understate.
        let all_there = own.is_some() || found.len() == u.predecessors.len();
        Some(Looked {
            value: own.unwrap_or(0.0) + found.iter().map(|f| f.1).sum::<f64>(),
            file: own.and_then(|_| self.files.get(&u.code).cloned()),
            through: found.iter().map(|f| f.0.to_string()).collect(),
            exact: all_there && found.iter().all(|f| f.2),
        })
    }
}

/// The spread of one rate over this run's units, for the `outlier` rule.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Peers {
    /// The median rate.
    pub median: f64,
    /// The scale a modified z-score divides by: the median absolute deviation, or, when
    /// more than half the units share one rate (MAD 0), the mean absolute deviation.
    pub spread: f64,
    /// Whether `spread` is the median absolute deviation (z = 0.6745 d / MAD) or the
    /// mean one (z = d / (1.253314 MeanAD)), as Iglewicz and Hoaglin give them.
    pub median_deviation: bool,
    /// Units the rate was computed for.
    pub units: usize,
}

impl Peers {
    /// The modified z-score of `rate`; `None` when every unit has the same rate.
    pub fn z(&self, rate: f64) -> Option<f64> {
        if self.spread <= 0.0 {
            return None;
        }
        let d = rate - self.median;
        Some(if self.median_deviation {
            0.6745 * d / self.spread
        } else {
            d / (1.253314 * self.spread)
        })
    }

    /// From the rates of the units; `None` for fewer than `min` of them.
    pub fn of(rates: &[f64], min: usize) -> Option<Peers> {
        if rates.len() < min.max(3) {
            return None;
        }
        let mid = median(rates.to_vec());
        let deviations: Vec<f64> = rates.iter().map(|r| (r - mid).abs()).collect();
        let mad = median(deviations.clone());
        let (spread, median_deviation) = if mad > 0.0 {
            (mad, true)
        } else {
            (
                deviations.iter().sum::<f64>() / deviations.len() as f64,
                false,
            )
        };
        // Rates a few tenths of a point apart (a unit's own three or four periods often
        // are) give a spread so small that half a point reads as 20 to 100 z-scores: a
        // warning a clerk learns to ignore. All alike stays no spread at all.
        let spread = if spread > 0.0 {
            spread.max(MIN_SPREAD)
        } else {
            0.0
        };
        Some(Peers {
            median: mid,
            spread,
            median_deviation,
            units: rates.len(),
        })
    }
}

/// The least spread a modified z-score divides by, in percentage points: with the default
/// threshold of 3 a rate is flagged only beyond about 2.2 points from the median.
pub const MIN_SPREAD: f64 = 0.5;

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    let n = v.len();
    if n % 2 == 1 {
        v[n / 2]
    } else {
        (v[n / 2 - 1] + v[n / 2]) / 2.0
    }
}

/// What a run knows of the past.
#[derive(Debug, Clone)]
pub struct History {
    /// The archive it came from; `None` when the run uses none (`--no-archive`). An
    /// archive not made yet is an empty one: the outputs say the same before and after
    /// its first period.
    pub archive: Option<PathBuf>,
    /// The period being consolidated, when known.
    pub period: Option<Period>,
    /// The previous period of the same length, if the archive holds it.
    pub previous: Option<Reference>,
    /// The same period a year earlier, if the archive holds it.
    pub year_before: Option<Reference>,
    /// This run's units' spread of each rate an `outlier` rule looks at, by its
    /// numerator and denominator.
    pub peers: HashMap<(FieldRef, FieldRef), Peers>,
    /// The period the clerk chose to compare with (`run --compare-with`), in place of
    /// the same period a year earlier in the comparison only: the rules that look back
    /// still check the typed *Cùng kỳ năm trước* against the real one.
    pub chosen: Option<Reference>,
    /// Each unit's own earlier rates for the `outlier` rules, by numerator and
    /// denominator, then by unit: see [`OwnHistory`].
    pub own: HashMap<(FieldRef, FieldRef), OwnHistory>,
    /// Each unit's preparer and phone from its latest file of an earlier period, by
    /// code: whom the chasing list names for a unit that has sent nothing yet.
    pub contacts: HashMap<String, crate::archive::Contact>,
}

/// A rate in the archive's earlier periods of the same length as this one, per unit:
/// what the `outlier` rule sets a unit's rate against besides its peers'. Only periods
/// before this one starts, the [`OWN_PERIODS`] most recent; a unit that took others
/// over counts theirs only where they went in wholly (an estimate is no history).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct OwnHistory {
    /// The periods looked at, oldest first.
    pub periods: Vec<Period>,
    /// By unit index: its rate in each period where it had one, oldest first.
    pub rates: HashMap<usize, Vec<f64>>,
}

/// How many earlier periods a unit's own history reaches back: a few years of the same
/// period length, enough for a median and its spread, and a bounded query however long
/// the archive grows.
pub const OWN_PERIODS: usize = 8;

/// Whether two periods have the same length: whole months against whole months (a
/// half-year of 181 days is one of 184), days otherwise. Rates over periods of other
/// lengths (a year's admissions against a half-year's) are not comparable.
pub fn same_length(a: Period, b: Period) -> bool {
    let months = |p: Period| {
        (is_month_start(p.from) && is_month_end(p.to)).then(|| {
            (p.to.year() - p.from.year()) * 12 + p.to.month() as i32 - p.from.month() as i32 + 1
        })
    };
    match (months(a), months(b)) {
        (Some(x), Some(y)) => x == y,
        (None, None) => (a.to - a.from) == (b.to - b.from),
        _ => false,
    }
}

impl History {
    /// The references of `period` from the archive.
    pub fn load(store: &Archive, form: &Form, period: Period) -> Result<History, ArchiveError> {
        History::load_with(store, form, period, None)
    }

    /// [`History::load`], comparing with `compare_with` instead of the same period a
    /// year earlier when given (`run --compare-with`): a period the archive does not
    /// hold is an error that lists those it does.
    pub fn load_with(
        store: &Archive,
        form: &Form,
        period: Period,
        compare_with: Option<Period>,
    ) -> Result<History, ArchiveError> {
        let reference = |p: Period| -> Result<Option<Reference>, ArchiveError> {
            let Some(summary) = store.period(&form.id, p)? else {
                return Ok(None);
            };
            let files = store
                .submissions(&form.id, p)?
                .into_iter()
                .filter(|s| s.included)
                .filter_map(|s| s.unit.map(|u| (u, s.file)))
                .collect();
            Ok(Some(Reference {
                period: p,
                closed: summary.closed_at.is_some(),
                values: store.unit_values(&form.id, p)?,
                files,
                totals: store.totals(&form.id, p)?,
                chosen: false,
            }))
        };
        let chosen = match compare_with {
            None => None,
            Some(p) => match reference(p)? {
                Some(r) => Some(Reference { chosen: true, ..r }),
                None => {
                    return Err(ArchiveError::NotToCompare {
                        path: store.path().display().to_string(),
                        period: p,
                        held: archived_periods(store, form)?,
                    });
                }
            },
        };
        Ok(History {
            archive: Some(store.path().to_path_buf()),
            period: Some(period),
            previous: previous_period(period)
                .map(reference)
                .transpose()?
                .flatten(),
            year_before: year_before(period).map(reference).transpose()?.flatten(),
            peers: HashMap::new(),
            chosen,
            own: own_history(store, form, period)?,
            contacts: store.contacts(&form.id, period.from)?,
        })
    }

    /// The history the comparison is built from: the chosen period in place of the
    /// same period a year earlier, when the clerk chose one.
    pub fn for_comparison(&self) -> std::borrow::Cow<'_, History> {
        match &self.chosen {
            None => std::borrow::Cow::Borrowed(self),
            Some(r) => std::borrow::Cow::Owned(History {
                year_before: Some(r.clone()),
                ..self.clone()
            }),
        }
    }

    /// Nothing to look back at (no archive, one not made yet, or no period): only this
    /// run's own units can be compared with one another.
    pub fn without_archive(period: Option<Period>, archive: Option<PathBuf>) -> History {
        History {
            archive,
            period,
            previous: None,
            year_before: None,
            peers: HashMap::new(),
            chosen: None,
            own: HashMap::new(),
            contacts: HashMap::new(),
        }
    }

    /// Why a reference period is missing, for the outputs: "the comparison was not
    /// possible, and why".
    pub fn missing(&self, year: bool) -> Option<crate::lang::Msg> {
        use crate::lang::Msg;
        let found = if year {
            &self.year_before
        } else {
            &self.previous
        };
        if found.is_some() {
            return None;
        }
        let Some(period) = self.period else {
            return Some(Msg::new(
                "không so sánh được: không xác định được kỳ báo cáo (hãy cho biết kỳ bằng --period)",
                "no comparison: the period could not be told (give it with --period)",
            ));
        };
        let wanted = if year {
            year_before(period)
        } else {
            previous_period(period)
        };
        let wanted = wanted.map(|p| p.to_string()).unwrap_or_default();
        Some(match &self.archive {
            None => Msg::new(
                format!(
                    "không so sánh được với kỳ {wanted}: lần chạy này không dùng kho lưu trữ (--no-archive)"
                ),
                format!("no comparison with {wanted}: this run uses no archive (--no-archive)"),
            ),
            Some(_) => Msg::new(
                format!(
                    "không so sánh được với kỳ {wanted}: kho lưu trữ chưa có kỳ này (nhập số liệu cũ bằng tonghop archive import)"
                ),
                format!(
                    "no comparison with {wanted}: the archive does not hold it (import earlier figures with tonghop archive import)"
                ),
            ),
        })
    }

    /// The spread of every rate the form's `outlier` rules look at, over the units of
    /// `subs` (each unit once: its first readable file).
    pub fn set_peers(&mut self, form: &Form, subs: &[Submission]) {
        let mut seen = vec![false; form.units.len()];
        let reports: Vec<_> = subs
            .iter()
            .filter_map(|s| Some((s.unit?, s.report.as_ref()?)))
            .filter(|&(u, _)| !std::mem::replace(&mut seen[u], true))
            .map(|(_, r)| r)
            .collect();
        for (num, den, min) in form.rules.outlier_rates() {
            let rates: Vec<f64> = reports
                .iter()
                .filter_map(|r| rate(r.figure(num)?, r.figure(den)?))
                .collect();
            if let Some(p) = Peers::of(&rates, min) {
                self.peers.insert((num, den), p);
            }
        }
    }
}

/// The periods of `form` the archive holds, oldest first: what an error about a period
/// it lacks lists.
pub fn archived_periods(store: &Archive, form: &Form) -> Result<Vec<Period>, ArchiveError> {
    Ok(store
        .periods()?
        .into_iter()
        .filter(|p| p.form_id == form.id)
        .map(|p| p.period)
        .collect())
}

/// Every unit's rate of each `outlier` rule in the archive's earlier periods of the
/// length of `period` (see [`OwnHistory`]).
fn own_history(
    store: &Archive,
    form: &Form,
    period: Period,
) -> Result<HashMap<(FieldRef, FieldRef), OwnHistory>, ArchiveError> {
    let rates = form.rules.outlier_rates();
    let mut out = HashMap::new();
    if rates.is_empty() {
        return Ok(out);
    }
    let mut earlier: Vec<Period> = archived_periods(store, form)?
        .into_iter()
        .filter(|p| p.to < period.from && same_length(*p, period))
        .collect();
    earlier.sort_by_key(|p| (p.to, p.from));
    let earlier = earlier.split_off(earlier.len().saturating_sub(OWN_PERIODS));
    let mut keys: Vec<String> = rates
        .iter()
        .flat_map(|&(n, d, _)| [form.field_key(n), form.field_key(d)])
        .collect();
    keys.sort();
    keys.dedup();
    for &(n, d, _) in &rates {
        out.insert(
            (n, d),
            OwnHistory {
                periods: earlier.clone(),
                rates: HashMap::new(),
            },
        );
    }
    for &p in &earlier {
        let r = Reference {
            period: p,
            closed: false,
            values: store.values_of(&form.id, p, &keys)?,
            files: HashMap::new(),
            totals: Default::default(),
            chosen: false,
        };
        for &(n, d, _) in &rates {
            let (nk, dk) = (form.field_key(n), form.field_key(d));
            let own = out.get_mut(&(n, d)).expect("inserted above");
            for u in 0..form.units.len() {
                let exact = |k: &str| r.value(form, u, k).filter(|l| l.exact).map(|l| l.value);
                if let Some(v) = exact(&nk).zip(exact(&dk)).and_then(|(a, b)| rate(a, b)) {
                    own.rates.entry(u).or_default().push(v);
                }
            }
        }
    }
    Ok(out)
}

/// `n / d` in per cent, when `d` is a positive base.
pub fn rate(n: f64, d: f64) -> Option<f64> {
    (d > 0.0).then(|| n / d * 100.0).filter(|r| r.is_finite())
}

fn is_month_start(d: NaiveDate) -> bool {
    d.day() == 1
}

fn is_month_end(d: NaiveDate) -> bool {
    d.succ_opt().is_none_or(|n| n.day() == 1)
}

/// The last day of the month `months` before `d`'s (`d` is a month's last day).
fn month_end_before(d: NaiveDate, months: u32) -> Option<NaiveDate> {
    let first = d.with_day(1)?.checked_sub_months(Months::new(months))?;
    first.checked_add_months(Months::new(1))?.pred_opt()
}

/// The period of the same length just before: whole months for a period of whole
/// months (the first half-year before the second, December before January), days
/// otherwise.
pub fn previous_period(p: Period) -> Option<Period> {
    if is_month_start(p.from) && is_month_end(p.to) {
        let months = (p.to.year() - p.from.year()) as u32 * 12 + p.to.month() - p.from.month() + 1;
        let from = p.from.checked_sub_months(Months::new(months))?;
        return Some(Period {
            from,
            to: p.from.pred_opt()?,
        });
    }
    let days = (p.to - p.from).num_days() + 1;
    Some(Period {
        from: p.from - chrono::Duration::days(days),
        to: p.from.pred_opt()?,
    })
}

/// The same period a year earlier (29 February becomes 28).
pub fn year_before(p: Period) -> Option<Period> {
    let to = if is_month_end(p.to) {
        month_end_before(p.to, 12)?
    } else {
        p.to.checked_sub_months(Months::new(12))?
    };
    Some(Period {
        from: p.from.checked_sub_months(Months::new(12))?,
        to,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(s: &str) -> Period {
        Period::parse(s).unwrap()
    }

    #[test]
    fn the_previous_period_is_the_same_length_just_before() {
        assert_eq!(
            previous_period(p("6 tháng cuối năm 2026")),
            Some(p("6 tháng đầu năm 2026"))
        );
        assert_eq!(
            previous_period(p("6 tháng đầu năm 2026")),
            Some(p("6 tháng cuối năm 2025"))
        );
        assert_eq!(previous_period(p("quý 1/2026")), Some(p("quý 4/2025")));
        assert_eq!(previous_period(p("2026")), Some(p("2025")));
        assert_eq!(previous_period(p("3/2024")), Some(p("2/2024")));
        assert_eq!(
            previous_period(p("11/01/2026..20/01/2026")),
            Some(p("01/01/2026..10/01/2026"))
        );
    }

    #[test]
    fn the_same_period_a_year_earlier_keeps_month_ends() {
        assert_eq!(
            year_before(p("6 tháng đầu năm 2026")),
            Some(p("6 tháng đầu năm 2025"))
        );
        assert_eq!(year_before(p("2/2025")), Some(p("2/2024")));
        assert_eq!(year_before(p("2/2024")), Some(p("2/2023")));
        assert_eq!(
            year_before(p("05/01/2026..20/01/2026")),
            Some(p("05/01/2025..20/01/2025"))
        );
    }

    #[test]
    fn a_modified_z_score_flags_the_far_unit_only() {
        let rates = [1.0, 1.2, 0.9, 1.1, 1.0, 1.3, 0.8, 6.5];
        let peers = Peers::of(&rates, 5).unwrap();
        assert!(peers.z(6.5).unwrap() > 3.5);
        assert!(peers.z(1.3).unwrap().abs() < 3.5);
        // Most units alike: the mean absolute deviation stands in for a MAD of 0.
        let same = [2.0, 2.0, 2.0, 2.0, 2.0, 9.0];
        let peers = Peers::of(&same, 5).unwrap();
        assert!(!peers.median_deviation);
        assert!(peers.z(9.0).unwrap() > 3.5);
        assert!(Peers::of(&[1.0, 2.0], 2).is_none());
        assert_eq!(Peers::of(&[3.0; 6], 5).unwrap().z(3.0), None);
    }

    #[test]
    fn rates_a_few_tenths_apart_do_not_make_half_a_point_an_outlier() {
        // A unit's own periods: MAD 0.05, so 0.6 points off would be z = 8.
        let own = [2.0, 2.05, 2.1, 2.0];
        let peers = Peers::of(&own, 3).unwrap();
        assert_eq!(peers.spread, MIN_SPREAD);
        assert!(peers.z(2.6).unwrap() < 1.0);
        // Far off is still far off.
        assert!(peers.z(6.0).unwrap() > 3.0);
    }
}

#[cfg(test)]
mod predecessor_tests {
    use super::*;

    fn reference(values: &[(&str, &str, f64)]) -> Reference {
        let mut r = Reference {
            period: Period::parse("2024").unwrap(),
            closed: true,
            values: HashMap::new(),
            files: HashMap::new(),
            totals: Default::default(),
            chosen: false,
        };
        for &(unit, key, v) in values {
            r.values
                .entry(unit.to_string())
                .or_default()
                .insert(key.to_string(), v);
        }
        r
    }

    #[test]
    fn a_unit_that_took_others_over_adds_their_counts_up_exact_only_when_whole() {
        let form = Form::default_form().unwrap();
        let by = |c: &str| form.units.by_code(c).unwrap();
        let key = "movement.d.this";
        // The military committee took the border guard over whole: exact.
        let successor = form
            .units
            .iter()
            .position(|u| {
                u.predecessors
                    .iter()
                    .any(|p| p.whole && p.unit == by("BPT"))
            })
            .expect("a unit that took BPT over");
        let r = reference(&[("BPT", key, 900.0)]);
        let l = r.value(&form, successor, key).unwrap();
        assert_eq!(
            (l.value, l.exact, l.through.clone()),
            (900.0, true, vec!["BPT".to_string()])
        );
        // Before the merge both reported: the unit as it is now is both.
        let own = &form.units[successor].code;
        let r = reference(&[("BPT", key, 900.0), (own, key, 1500.0)]);
        let l = r.value(&form, successor, key).unwrap();
        assert_eq!((l.value, l.exact), (2400.0, true));
        // After it, only its own.
        let r = reference(&[(own, key, 2400.0)]);
        let l = r.value(&form, successor, key).unwrap();
        assert_eq!((l.value, l.through.len()), (2400.0, 0));
        // A commune made from part of a district: the district's figure, approximate.
        let r = reference(&[("MNH", key, 5000.0)]);
        let l = r.value(&form, by("MUONGNHE"), key).unwrap();
        assert!(!l.exact);
        // A percentage is never added up.
        let r = reference(&[("BPT", "women_share", 30.0)]);
        assert!(r.value(&form, successor, "women_share").is_none());
    }
}
