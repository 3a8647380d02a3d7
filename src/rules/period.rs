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
//! A period from 01/07/2026 to 30/06/2026 gives: *Kỳ báo cáo từ ngày 01/07/2026 sau đến
//! ngày 30/06/2026.*

use super::checker::At;
use super::{Checker, Doc, Example, Figure, Kind, Meta, Resolver};
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
            message: "Kỳ báo cáo từ ngày 01/07/2026 sau đến ngày 30/06/2026.",
        },
    };
    type Fields = Fields;

    fn resolve(_: Fields, _: &mut Resolver<'_>) -> Option<Self> {
        Some(PeriodRule)
    }

    fn check(&self, rule: &Meta, c: &mut Checker<'_>) {
        let id = c.layout.identity;
        let (from_cell, to_cell) = (&c.layout.cells[id.period_from], &c.layout.cells[id.period_to]);
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
                    format!("Kỳ báo cáo từ ngày {f} sau đến ngày {t}."),
                    format!("The period starts on {f} after it ends on {t}."),
                ),
                Some(Shown::Date(from)),
                Some(Shown::NotAfter(to)),
            );
        }
        let Some(want) = c.ctx.period else { return };
        for (got, expected, cell) in [(from, want.from, from_cell), (to, want.to, to_cell)] {
            if got == expected {
                continue;
            }
            let g = format_date(got);
            c.push(
                rule,
                at(cell),
                Msg::new(
                    format!("\"{}\" ghi {g}, nhưng kỳ đang tổng hợp là {want}.", cell.label),
                    format!("\"{}\" is {g}, but the period being collected is {want}.", cell.label_en),
                ),
                Some(Shown::Date(got)),
                Some(Shown::Date(expected)),
            );
        }
    }
}
