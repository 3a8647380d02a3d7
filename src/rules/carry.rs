//! `carry`: this period starts where the previous one ended.
//!
//! # What it checks
//! The unit's `start` figure (members at the start, villages without members at the
//! start...) equals its `end` figure of the previous period of the same length, as the
//! archive holds it; for a unit that took over others, their `end` figures added up.
//!
//! # Why
//! The most natural error of a movement report: the start is typed from memory or from
//! another sheet, not carried from the last report, and the balance of the period still
//! holds. Only the previous report can tell.
//!
//! # Severity
//! The rule's severity when the archive holds the previous period closed (reported
//! upward, so final); a warning while it is open, as its figures may still change.
//!
//! # Example
//! 100 members at the start against 98 at the end of the previous period gives:
//! *"Đảng viên đầu kỳ" ghi 100, nhưng cuối kỳ trước (kỳ 01/07/2025 – 31/12/2025, tệp
//! DBP.xlsx) "Đảng viên cuối kỳ" là 98: số đầu kỳ này phải bằng số cuối kỳ trước.*

use super::checker::{num, source_note};
use super::{Checker, Doc, Example, Kind, Meta, PastExample, Resolver};
use crate::finding::{Severity, Shown};
use crate::lang::Msg;
use crate::spec::FieldRef;
use serde::Deserialize;

/// Fields of a `carry` rule.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Fields {
    start: String,
    end: String,
}

/// `start` of this period = `end` of the previous one.
#[derive(Debug, Clone)]
pub struct Carry {
    start: FieldRef,
    end: FieldRef,
}

impl Carry {
    /// (start, end): a pre-filled form writes the previous `end` into `start`.
    pub fn fields(&self) -> (FieldRef, FieldRef) {
        (self.start, self.end)
    }
}

impl Kind for Carry {
    const DOC: Doc = Doc {
        kind: "carry",
        fields: "`start` (this period's figure), `end` (the figure of the previous period it continues)",
        holds: "`start` = the archive's `end` of the previous period of the same length (for a unit that took others over wholly, theirs added up); an error only when that period is closed, a warning otherwise",
        why: "A start typed from memory still balances the period; only the previous report shows it is not where the last period ended.",
        example: Example {
            rule: r#"code = "CARRY"
kind = "carry"
severity = "error"
start = "members_start"
end = "members_end"
description = "Đảng viên đầu kỳ bằng đảng viên cuối kỳ trước""#,
            figures: &[],
            message: "\"Đảng viên đầu kỳ\" ghi 100, nhưng cuối kỳ trước (kỳ 01/07/2025 – 31/12/2025, tệp DBP.xlsx) \"Đảng viên cuối kỳ\" là 98: số đầu kỳ này phải bằng số cuối kỳ trước.",
        },
    };
    const LOOKS_BACK: bool = true;
    const PAST: PastExample = PastExample {
        figures: &[("members_end", 98.0)],
        closed: true,
        peers: None,
        own: &[],
    };
    type Fields = Fields;

    fn resolve(f: Fields, r: &mut Resolver<'_>) -> Option<Self> {
        let start = r.numeric(&f.start, "start");
        let end = r.numeric(&f.end, "end");
        Some(Carry {
            start: start?,
            end: end?,
        })
    }

    fn check(&self, rule: &Meta, c: &mut Checker<'_>) {
        let Some(past) = c.past else { return };
        let Some(previous) = &past.history.previous else {
            return;
        };
        let Some((a, at)) = c.number(self.start) else {
            return;
        };
        let key = c.layout.field_key(self.end);
        // Through units that went in only in part, the figure is an estimate: not a
        // ground for a finding.
        let Some(looked) = previous.value(c.layout, past.unit, &key).filter(|l| l.exact) else {
            return;
        };
        if Checker::same(a, looked.value, c.layout.field_type(self.start)) {
            return;
        }
        let severity = if previous.closed {
            rule.severity
        } else {
            Severity::Warning
        };
        let (ls, lse) = c.label(self.start);
        let (le, lee) = c.label(self.end);
        let ((av, ae), (bv, be)) = (num(a), num(looked.value));
        let (src, srce) = source_note(previous, &looked);
        c.push_as(
            rule,
            severity,
            at,
            Msg::new(
                format!("\"{ls}\" ghi {av}, nhưng cuối kỳ trước ({src}) \"{le}\" là {bv}: số đầu kỳ này phải bằng số cuối kỳ trước."),
                format!("\"{lse}\" is {ae}, but at the end of the previous period ({srce}) \"{lee}\" was {be}: this period must start where the last one ended."),
            ),
            Some(Shown::Number(a)),
            Some(Shown::Number(looked.value)),
        );
    }
}
