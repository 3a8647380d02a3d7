//! `period`: the submission reports the period being collected.
//!
//! # What it checks
//! The period's first day is not after its last, and, when the run is given the period
//! being collected (`--period`), both ends equal it.
//!
//! # Why
//! A unit that sends last period's file, or types the wrong year, would otherwise have
//! old figures summed into this period's report.
//!
//! # Example
//! A period from 01/07/2026 to 30/06/2026 gives: *Ngày bắt đầu kỳ báo cáo (01/07/2026)
//! muộn hơn ngày kết thúc (30/06/2026).*

use super::checker::At;
use super::{Checker, Doc, Example, Figure, Kind, Meta, Resolver, RuleSet};
use crate::extract::Report;
use crate::finding::Finding;
use crate::period::Period;
use crate::spec::Layout;
use crate::finding::Shown;
use crate::lang::Msg;
use crate::text::date::format_date;
use serde::Deserialize;

/// A `period` rule takes no fields of its own.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Fields {}

/// The identity's period is well formed and is the run's period.
#[derive(Debug, Clone)]
pub struct PeriodRule;

impl Kind for PeriodRule {
    const DOC: Doc = Doc {
        kind: "period",
        fields: "—",
        holds: "from ≤ to, and equal to `--period` when given",
        why: "A unit that sends last period's file, or types the wrong year, would otherwise have old figures summed into this period.",
        example: Example {
            rule: r#"code = "PERIOD"
kind = "period"
description = "Kỳ báo cáo đúng kỳ đang tổng hợp""#,
            figures: &[("period_from", Figure::Text("01/07/2026"))],
            message: "Ngày bắt đầu kỳ báo cáo (01/07/2026) muộn hơn ngày kết thúc (30/06/2026). Hãy sửa lại cho đúng kỳ báo cáo.",
        },
    };
    type Fields = Fields;

    fn resolve(_: Fields, _: &mut Resolver<'_>) -> Option<Self> {
        Some(PeriodRule)
    }

    fn check(&self, rule: &Meta, c: &mut Checker<'_>) {
        let id = c.layout.identity;
        let from_cell = &c.layout.cells[id.period_from];
        let (Some(from), Some(to)) = (
            c.report.cells[id.period_from].date(),
            c.report.cells[id.period_to].date(),
        ) else {
            return;
        };
        let at = |cell: &crate::spec::Cell| At {
            sheet: cell.sheet,
            pos: cell.pos,
        };
        if from > to {
            let (f, t) = (format_date(from), format_date(to));
            c.push(
                rule,
                at(from_cell),
                Msg::new(
                    format!("Ngày bắt đầu kỳ báo cáo ({f}) muộn hơn ngày kết thúc ({t}). Hãy sửa lại cho đúng kỳ báo cáo."),
                    format!("The period starts on {f}, after it ends on {t}. Correct it to the period reported."),
                ),
                Some(Shown::Date(from)),
                Some(Shown::NotAfter(to)),
            );
        }
        if let Some(want) = c.ctx.period {
            not_the_period(rule, c, want);
        }
    }
}

/// A finding at each end of the report's period that differs from `want`.
fn not_the_period(rule: &Meta, c: &mut Checker<'_>, want: Period) {
    let id = c.layout.identity;
    for (cell, expected) in [(id.period_from, want.from), (id.period_to, want.to)] {
        let Some(got) = c.report.cells[cell].date() else {
            continue;
        };
        if got == expected {
            continue;
        }
        let cell = &c.layout.cells[cell];
        let g = format_date(got);
        c.push(
            rule,
            At {
                sheet: cell.sheet,
                pos: cell.pos,
            },
            Msg::new(
                format!("\"{}\" ghi {g}, nhưng kỳ đang tổng hợp là {want}.", cell.label),
                format!("\"{}\" is {g}, but the period being collected is {want}.", cell.label_en),
            ),
            Some(Shown::Date(got)),
            Some(Shown::Date(expected)),
        );
    }
}

/// The findings of the form's `period` rules for a report whose run did not know the
/// period when the file was checked: consolidation infers it from the submissions and
/// checks each against it afterwards.
pub fn against(layout: &Layout, rules: &RuleSet, report: &Report, want: Period) -> Vec<Finding> {
    let ctx = super::Context { period: Some(want) };
    let mut c = Checker::new(layout, report, &ctx);
    for rule in rules.iter() {
        if matches!(rule.kind, super::RuleKind::PeriodRule(_)) {
            not_the_period(&rule.meta, &mut c, want);
        }
    }
    c.finish()
}
