//! `outlier`: a unit's rate far from the other units' is flagged for the clerk to
//! confirm.
//!
//! # What it checks
//! The unit's rate `numerator` / `denominator` × 100 (admitted per 100 members at the
//! start, say) against the same rate of every unit of the run: a finding when its
//! modified z-score (Iglewicz and Hoaglin: 0.6745 × the distance to the median / the
//! median absolute deviation, as DHIS2's outlier analysis) exceeds `threshold`
//! (default 3.5). Computed only when at least `min_units` units (default 7) have the
//! rate, and never for a unit whose base is 0.
//!
//! # Why
//! A figure can be consistent in every cell and still be a slip (an extra digit in the
//! admissions): next to its peers it stands out.
//!
//! # Example
//! 30 admitted of 100 members at the start, where the units' median is 5% with a median
//! absolute deviation of 1, gives: *Tỷ lệ "Kết nạp mới trong kỳ" trên "Đảng viên đầu
//! kỳ" là 30%, khác xa các đơn vị khác (trung vị 5%, điểm z hiệu chỉnh 16,9 > 3,5); hãy
//! xác nhận số liệu với đơn vị.*

use super::{Checker, Doc, Example, Figure, Kind, Meta, PastExample, Resolver};
use crate::finding::Shown;
use crate::history::rate;
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
}

/// The unit's rate within `threshold` modified z-scores of the units' median.
#[derive(Debug, Clone)]
pub struct Outlier {
    numerator: FieldRef,
    denominator: FieldRef,
    threshold: f64,
    min_units: usize,
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
        fields: "`numerator`, `denominator`, `threshold` (default 3.5), `min_units` (default 7)",
        holds: "the unit's rate numerator / denominator × 100 lies within `threshold` modified z-scores (median, median absolute deviation) of the run's units' rates",
        why: "A slip can be consistent in every cell and still stand out beside the other units.",
        example: Example {
            rule: r#"code = "OUTLIER"
kind = "outlier"
severity = "warning"
numerator = "admitted"
denominator = "members_start"
description = "Tỷ lệ kết nạp khác xa các đơn vị khác""#,
            figures: &[("admitted", Figure::Number(30.0))],
            message: "Tỷ lệ \"Kết nạp mới trong kỳ\" trên \"Đảng viên đầu kỳ\" là 30%, khác xa các đơn vị khác (trung vị 5%, điểm z hiệu chỉnh 16,9 > 3,5); hãy xác nhận số liệu với đơn vị.",
        },
    };
    const LOOKS_BACK: bool = true;
    const PAST: PastExample = PastExample {
        figures: &[],
        closed: false,
        peers: Some((5.0, 1.0)),
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
        let numerator = r.numeric(&f.numerator, "numerator");
        let denominator = r.numeric(&f.denominator, "denominator");
        Some(Outlier {
            numerator: numerator?,
            denominator: denominator?,
            threshold,
            min_units,
        })
    }

    fn check(&self, rule: &Meta, c: &mut Checker<'_>) {
        let Some(past) = c.past else { return };
        let Some(peers) = past.history.peers.get(&(self.numerator, self.denominator)) else {
            return;
        };
        let (Some((n, at)), Some((d, _))) = (c.number(self.numerator), c.number(self.denominator))
        else {
            return;
        };
        let Some(r) = rate(n, d) else { return };
        let Some(z) = peers.z(r) else { return };
        if z.abs() <= self.threshold {
            return;
        }
        let (ln, lne) = c.label(self.numerator);
        let (ld, lde) = c.label(self.denominator);
        let pct = |v: f64, lang: Lang| lang.number((v * 100.0).round() / 100.0);
        c.push(
            rule,
            at,
            Msg::new(
                format!(
                    "Tỷ lệ \"{ln}\" trên \"{ld}\" là {}%, khác xa các đơn vị khác (trung vị {}%, điểm z hiệu chỉnh {} > {}); hãy xác nhận số liệu với đơn vị.",
                    pct(r, Lang::Vi),
                    pct(peers.median, Lang::Vi),
                    one(z.abs(), Lang::Vi),
                    one(self.threshold, Lang::Vi)
                ),
                format!(
                    "The rate \"{lne}\" per \"{lde}\" is {}%, far from the other units' (median {}%, modified z-score {} > {}); confirm the figures with the unit.",
                    pct(r, Lang::En),
                    pct(peers.median, Lang::En),
                    one(z.abs(), Lang::En),
                    one(self.threshold, Lang::En)
                ),
            ),
            Some(Shown::Number(n)),
            None,
        );
    }
}
