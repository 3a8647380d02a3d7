//! `outlier`: a unit's rate far from the other units', or from its own earlier
//! periods, is flagged for the clerk to confirm.
//!
//! # What it checks
//! The unit's rate `numerator` / `denominator` × 100 (admitted per 100 members at the
//! start, say), two ways, each by the modified z-score of Iglewicz and Hoaglin (0.6745 ×
//! the distance to the median / the median absolute deviation, as DHIS2's outlier
//! analysis; the mean absolute deviation × 1.253314 stands in when more than half the
//! rates are equal and the MAD is 0), a finding when one exceeds `threshold` (default
//! 3.5):
//! - against the same rate of every unit of the run, when at least `min_units` units
//!   (default 7) have it;
//! - against the unit's own rate in the archive's earlier periods of the same length
//!   (the last 8 at most, before this one starts; a unit that took others over wholly
//!   counts theirs added up), when it has one in at least `min_periods` of them
//!   (default 3). A median and a median deviation are robust: one odd earlier period
//!   does not hide a jump now, and no distribution is assumed for a handful of points.
//!
//! Never for a unit whose base is 0, and not against a history whose rates are all the
//! same (no spread to score against). One finding names both comparisons when both
//! are far.
//!
//! # Why
//! A figure can be consistent in every cell and still be a slip (an extra digit in the
//! admissions): next to its peers it stands out, and a unit unlike the others every
//! period (a police committee admits more than a commune) stands out against its own
//! record instead.
//!
//! # Example
//! 30 admitted of 100 members at the start, where the units' median is 5% with a median
//! absolute deviation of 1, and the unit's own four earlier periods gave 4%, 5%, 4% and
//! 3%, gives: *Tỷ lệ "Kết nạp mới trong kỳ" so với "Đảng viên đầu kỳ" là 30%, khác
//! thường nhiều so với các đơn vị khác (mức giữa của các đơn vị: 5%; độ lệch gấp 16,9 lần
//! mức chênh lệch thường gặp, ngưỡng 3,5) và khác thường nhiều so với các kỳ trước của
//! đơn vị (4 kỳ, mức giữa: 4%; độ lệch gấp 35,1 lần mức chênh lệch thường gặp, ngưỡng
//! 3,5). Đề nghị đơn vị kiểm tra lại; nếu số liệu đúng, giải trình rõ lý do.*
//!
//! The message says the score in plain words, as a commune's clerk reads it: "mức giữa"
//! is the median, and the score is how many times the usual difference between the rates
//! (the median absolute deviation, scaled) the unit's rate lies from it.

use super::{Checker, Doc, Example, Figure, Kind, Meta, PastExample, Resolver};
use crate::finding::Shown;
use crate::history::{Peers, rate};
use crate::lang::{Lang, Msg};
use crate::spec::FieldRef;
use serde::Deserialize;

/// Fields of an `outlier` rule.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Fields {
    numerator: String,
    denominator: String,
    threshold: Option<f64>,
    min_units: Option<usize>,
    min_periods: Option<usize>,
}

/// The unit's rate within `threshold` modified z-scores of the units' median.
#[derive(Debug, Clone)]
pub struct Outlier {
    numerator: FieldRef,
    denominator: FieldRef,
    threshold: f64,
    min_units: usize,
    min_periods: usize,
}

impl Outlier {
    /// Numerator, denominator and the fewest units, for [`crate::history::History::set_peers`].
    pub fn rate(&self) -> (FieldRef, FieldRef, usize) {
        (self.numerator, self.denominator, self.min_units)
    }
}

/// 1 decimal place, as a score is read.
fn one(v: f64, lang: Lang) -> String {
    lang.number((v * 10.0).round() / 10.0)
}

impl Kind for Outlier {
    const DOC: Doc = Doc {
        kind: "outlier",
        fields: "`numerator`, `denominator`, `threshold` (default 3.5), `min_units` (default 7), `min_periods` (default 3)",
        holds: "the unit's rate numerator / denominator × 100 lies within `threshold` modified z-scores (median, median absolute deviation) of the run's units' rates (the spread taken as at least 0.5 points), and of the unit's own rates in the archive's earlier periods of the same length (at least `min_periods` of them, the last 8 at most)",
        why: "A slip can be consistent in every cell and still stand out beside the other units, or beside the unit's own earlier periods.",
        example: Example {
            rule: r#"code = "OUTLIER"
kind = "outlier"
severity = "warning"
numerator = "admitted"
denominator = "members_start"
description = "Tỷ lệ kết nạp khác xa các đơn vị khác""#,
            figures: &[("admitted", Figure::Number(30.0))],
            message: "Tỷ lệ \"Kết nạp mới trong kỳ\" so với \"Đảng viên đầu kỳ\" là 30%, khác thường nhiều so với các đơn vị khác (mức giữa của các đơn vị: 5%; độ lệch gấp 16,9 lần mức chênh lệch thường gặp, ngưỡng 3,5) và khác thường nhiều so với các kỳ trước của đơn vị (4 kỳ, mức giữa: 4%; độ lệch gấp 35,1 lần mức chênh lệch thường gặp, ngưỡng 3,5). Đề nghị đơn vị kiểm tra lại; nếu số liệu đúng, giải trình rõ lý do.",
        },
    };
    const LOOKS_BACK: bool = true;
    const PAST: PastExample = PastExample {
        figures: &[],
        closed: false,
        peers: Some((5.0, 1.0)),
        own: &[4.0, 5.0, 4.0, 3.0],
    };
    type Fields = Fields;

    fn resolve(f: Fields, r: &mut Resolver<'_>) -> Option<Self> {
        let threshold = f.threshold.unwrap_or(3.5);
        if !(threshold.is_finite() && threshold > 0.0) {
            r.problem("threshold", format_args!("{threshold} must be a number above 0"));
        }
        let min_units = f.min_units.unwrap_or(7);
        if min_units < 3 {
            r.problem("min_units", "at least 3 units are needed for a median and its spread");
        }
        let min_periods = f.min_periods.unwrap_or(3);
        if min_periods < 3 {
            r.problem(
                "min_periods",
                "at least 3 earlier periods are needed for a median and its spread",
            );
        }
        let numerator = r.numeric(&f.numerator, "numerator");
        let denominator = r.numeric(&f.denominator, "denominator");
        Some(Outlier {
            numerator: numerator?,
            denominator: denominator?,
            threshold,
            min_units,
            min_periods,
        })
    }

    fn check(&self, rule: &Meta, c: &mut Checker<'_>) {
        let Some(past) = c.past else { return };
        let key = (self.numerator, self.denominator);
        let (Some((n, at)), Some((d, _))) = (c.number(self.numerator), c.number(self.denominator))
        else {
            return;
        };
        let Some(r) = rate(n, d) else { return };
        let far = |z: Option<f64>| z.filter(|z| z.abs() > self.threshold);
        let peers = past.history.peers.get(&key).and_then(|p| Some((p, far(p.z(r))?)));
        let own = past
            .history
            .own
            .get(&key)
            .and_then(|h| h.rates.get(&past.unit))
            .and_then(|rates| Peers::of(rates, self.min_periods))
            .and_then(|p| Some((p, far(p.z(r))?)));
        if peers.is_none() && own.is_none() {
            return;
        }
        let (ln, lne) = c.label(self.numerator);
        let (ld, lde) = c.label(self.denominator);
        let pct = |v: f64, lang: Lang| lang.number((v * 100.0).round() / 100.0);
        let says = |lang: Lang| {
            let t = one(self.threshold, lang);
            let mut parts = Vec::new();
            if let Some((p, z)) = peers {
                parts.push(lang.pick(
                    &format!(
                        "khác thường nhiều so với các đơn vị khác (mức giữa của các đơn vị: {}%; độ lệch gấp {} lần mức chênh lệch thường gặp, ngưỡng {t})",
                        pct(p.median, lang),
                        one(z.abs(), lang)
                    ),
                    &format!(
                        "unusually far from the other units' (their middle rate: {}%; {} times the usual difference between rates, the limit {t})",
                        pct(p.median, lang),
                        one(z.abs(), lang)
                    ),
                ).to_string());
            }
            if let Some((p, z)) = own {
                parts.push(lang.pick(
                    &format!(
                        "khác thường nhiều so với các kỳ trước của đơn vị ({} kỳ, mức giữa: {}%; độ lệch gấp {} lần mức chênh lệch thường gặp, ngưỡng {t})",
                        p.units,
                        pct(p.median, lang),
                        one(z.abs(), lang)
                    ),
                    &format!(
                        "unusually far from the unit's own earlier periods ({} periods, their middle rate: {}%; {} times the usual difference between rates, the limit {t})",
                        p.units,
                        pct(p.median, lang),
                        one(z.abs(), lang)
                    ),
                ).to_string());
            }
            parts.join(lang.pick(" và ", " and "))
        };
        c.push(
            rule,
            at,
            Msg::new(
                format!(
                    "Tỷ lệ \"{ln}\" so với \"{ld}\" là {}%, {}. Đề nghị đơn vị kiểm tra lại; nếu số liệu đúng, giải trình rõ lý do.",
                    pct(r, Lang::Vi),
                    says(Lang::Vi)
                ),
                format!(
                    "The rate \"{lne}\" per \"{lde}\" is {}%, {}. Ask the unit to check them; if the figures are right, the unit explains why.",
                    pct(r, Lang::En),
                    says(Lang::En)
                ),
            ),
            Some(Shown::Number(n)),
            None,
        );
    }
}
