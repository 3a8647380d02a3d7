//! What the province writes into a unit's form before sending it (`template
//! --per-unit`): the figures the archive knows better than the unit's memory.
//!
//! Each `carry` rule's start (members at the start...) is the unit's end of the
//! previous period, and each `previous` rule's *Cùng kỳ năm trước* figure is what the
//! unit reported a year earlier. These are exactly the figures those rules check when
//! the form comes back, so they are taken from the same place the rules look
//! ([`History`], a unit that took others over adding theirs up) and a form filled from
//! the archive passes them by construction. Only an exact figure is written: one
//! estimated through a unit that went in only in part is left for the unit to type.

use crate::form::Form;
use crate::history::{History, Looked, Reference};
use crate::lang::Msg;
use crate::rules::RuleKind;
use crate::spec::FieldRef;

/// One figure the province fills in, with where it comes from.
#[derive(Debug, Clone, PartialEq)]
pub struct Filled {
    /// The figure of the form it goes into (a single cell or a list's cell).
    pub field: FieldRef,
    /// Its value, as the archive holds it.
    pub value: f64,
    /// Where it comes from, for the note on its cell.
    pub note: Msg,
}

/// The figures the archive gives unit `unit`'s form for the period `history` was
/// loaded for, in the rules' order; a field two rules would fill is filled once.
pub fn figures(form: &Form, history: &History, unit: usize) -> Vec<Filled> {
    let computed = computed(form);
    let mut out: Vec<Filled> = Vec::new();
    let mut push = |field: FieldRef, from: FieldRef, r: &Reference, year: bool| {
        if out.iter().any(|f| f.field == field) || !fillable(field) || computed.contains(&field) {
            return;
        }
        let key = form.field_key(from);
        let Some(looked) = r.value(form, unit, &key).filter(|l| l.exact) else {
            return;
        };
        out.push(Filled {
            field,
            value: looked.value,
            note: note(form, from, r, &looked, year),
        });
    };
    for rule in form.rules.iter() {
        match &rule.kind {
            RuleKind::Carry(c) => {
                if let Some(r) = &history.previous {
                    let (start, end) = c.fields();
                    push(start, end, r, false);
                }
            }
            RuleKind::Previous(p) => {
                if let Some(r) = &history.year_before {
                    for &(prev, this) in p.pairs() {
                        push(prev, this, r, true);
                    }
                }
            }
            _ => {}
        }
    }
    out
}

/// The figures the blank form computes with a formula (a balance's result, a
/// percentage): left to the formula, which gives them from the parts filled in, so a
/// locked constant never sits where the parts could be typed to disagree with it.
fn computed(form: &Form) -> std::collections::HashSet<FieldRef> {
    let mut out = std::collections::HashSet::new();
    for rule in form.rules.iter() {
        match &rule.kind {
            RuleKind::Balance(b) => out.extend(b.formulas().map(|(result, ..)| result)),
            RuleKind::Percent(p) => out.extend(p.triples().map(|(pct, ..)| pct)),
            _ => {}
        }
    }
    out
}

/// A figure the unit types: a single cell or a line of a list. A table's total is the
/// sum of its rows and a derived figure has no cell.
fn fillable(f: FieldRef) -> bool {
    matches!(f, FieldRef::Cell(_) | FieldRef::Item { .. })
}

/// "Ban Tổ chức điền sẵn từ kho lưu trữ: ...", naming the period, the file and the
/// figure it was read as.
fn note(form: &Form, from: FieldRef, r: &Reference, l: &Looked, year: bool) -> Msg {
    let (src, srce) = crate::rules::source_note(r, l);
    let (label, label_en) = (form.field_label(from, false), form.field_label(from, true));
    let (what, what_en) = if year {
        (
            "số liệu cùng kỳ năm trước do đơn vị đã báo cáo",
            "what the unit reported for the same period a year earlier",
        )
    } else {
        (
            "số liệu cuối kỳ trước của đơn vị",
            "the unit's figure at the end of the previous period",
        )
    };
    Msg::new(
        format!(
            "Điền sẵn từ kho lưu trữ: {what}, \"{label}\" ({src}). Ô đã khóa; nếu số liệu chưa đúng, đề nghị báo Ban Tổ chức."
        ),
        format!(
            "Filled in from the archive: {what_en}, \"{label_en}\" ({srce}). The cell is locked; if it is wrong, tell the Organisation Board."
        ),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::period::Period;
    use std::collections::{BTreeMap, HashMap};

    fn reference(period: &str, unit: &str, figures: &[(&str, f64)]) -> Reference {
        let values = figures.iter().map(|(k, v)| (k.to_string(), *v)).collect();
        Reference {
            period: Period::parse(period).unwrap(),
            closed: false,
            values: HashMap::from([(unit.to_string(), values)]),
            files: HashMap::from([(unit.to_string(), format!("{unit}.xlsx"))]),
            totals: BTreeMap::new(),
            chosen: false,
        }
    }

    fn filled(form: &Form, h: &History, code: &str) -> Vec<(String, f64, String)> {
        let u = form.units.by_code(code).unwrap();
        figures(form, h, u)
            .into_iter()
            .map(|f| {
                (
                    form.field_key(f.field),
                    f.value,
                    f.note.get(crate::lang::Lang::Vi).to_string(),
                )
            })
            .collect()
    }

    #[test]
    fn the_start_is_the_previous_end_and_last_year_is_last_years() {
        let form = Form::default_form().unwrap();
        let mut h = History::without_archive(Period::parse("6 tháng đầu năm 2026").ok(), None);
        h.previous = Some(reference(
            "6 tháng cuối năm 2025",
            "CAT",
            &[("movement.d.this", 98.0)],
        ));
        h.year_before = Some(reference(
            "6 tháng đầu năm 2025",
            "CAT",
            &[("movement.b1.this", 10.0), ("movement.d.this", 90.0)],
        ));
        let got = filled(&form, &h, "CAT");
        let at = |key: &str| got.iter().find(|f| f.0 == key).cloned();
        let start = at("movement.a.this").expect("the start is filled");
        assert_eq!(start.1, 98.0);
        assert!(
            start.2.contains("01/07/2025 – 31/12/2025") && start.2.contains("CAT.xlsx"),
            "{}",
            start.2
        );
        assert_eq!(at("movement.b1.prev").map(|f| f.1), Some(10.0));
        // D is the form's formula of A, B and C: computed from them, never a constant.
        assert_eq!(at("movement.d.prev"), None);
        // What the archive does not hold is left for the unit.
        assert_eq!(at("movement.c1.prev"), None);
        assert_eq!(got.len(), 2, "{got:?}");
        // Another unit's figures are not this one's.
        assert!(filled(&form, &h, "QST").is_empty());
    }

    #[test]
    fn a_figure_through_a_unit_that_went_in_only_in_part_is_not_filled() {
        let form = Form::default_form().unwrap();
        let mut h = History::without_archive(Period::parse("6 tháng đầu năm 2026").ok(), None);
        // Mường Nhé took over part of the old district MNH: last year's figure of MNH
        // is not Mường Nhé's.
        h.year_before = Some(reference(
            "6 tháng đầu năm 2025",
            "MNH",
            &[("movement.b1.this", 10.0)],
        ));
        h.previous = Some(reference(
            "6 tháng cuối năm 2025",
            "MUONGNHE",
            &[("movement.d.this", 77.0)],
        ));
        let got = filled(&form, &h, "MUONGNHE");
        assert_eq!(got.len(), 1, "{got:?}");
        assert_eq!((got[0].0.as_str(), got[0].1), ("movement.a.this", 77.0));
    }

    #[test]
    fn nothing_is_filled_without_an_earlier_period() {
        let form = Form::default_form().unwrap();
        let h = History::without_archive(Period::parse("6 tháng đầu năm 2026").ok(), None);
        assert!(filled(&form, &h, "CAT").is_empty());
    }
}
