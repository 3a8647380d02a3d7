//! Figures the form computes. In the blank form and the samples they are formulas,
//! locked: a percentage from its count and base, a total the form declares as computed
//! (D = A + B − C). A unit cannot type over them, and Excel and LibreOffice recompute
//! them when a figure changes. The rules still check them, for reports typed by hand or
//! saved by other programs.

use super::values::Out;
use crate::cellref::Pos;
use crate::form::Form;
use crate::rules::RuleKind;
use crate::spec::FieldRef;
use std::collections::HashMap;

/// How a computed figure is computed.
#[derive(Debug, Clone)]
enum How {
    /// `count / base × 100`; with a zero base, blank or 0.
    Percent {
        count: FieldRef,
        base: FieldRef,
        blank_on_zero: bool,
    },
    /// `Σ plus − Σ minus`.
    Sum {
        plus: Vec<FieldRef>,
        minus: Vec<FieldRef>,
    },
    /// The same figure written elsewhere (B.1 of Biểu 1 from the *Kết nạp* total).
    Copy(FieldRef),
}

/// The form's computed figures.
#[derive(Debug, Default)]
pub(super) struct Computed {
    map: HashMap<FieldRef, How>,
}

impl Computed {
    /// Every percentage of a `percent` rule, every result of a `balance` rule with
    /// `formula = true` and every copy of an `equal` rule with `formula = true`.
    pub(super) fn of(form: &Form) -> Computed {
        let mut map = HashMap::new();
        for r in form.rules.iter() {
            match &r.kind {
                RuleKind::Percent(p) => {
                    for (pct, count, base) in p.triples() {
                        map.entry(pct).or_insert(How::Percent {
                            count,
                            base,
                            blank_on_zero: p.blank_on_zero(),
                        });
                    }
                }
                RuleKind::Balance(b) => {
                    for (result, plus, minus) in b.formulas() {
                        map.entry(result).or_insert(How::Sum {
                            plus: plus.to_vec(),
                            minus: minus.to_vec(),
                        });
                    }
                }
                RuleKind::Equal(e) => {
                    for (copy, of) in e.formulas() {
                        map.entry(copy).or_insert(How::Copy(of));
                    }
                }
                _ => {}
            }
        }
        Computed { map }
    }

    /// The formula of `f`, written on sheet `here`, with the value it has for the
    /// figures given (`value`); `at` places a figure (sheet, cell). A filled form whose
    /// figure disagrees with its formula (a sample with a fault injected, as a unit
    /// that typed over it would have) keeps the typed figure: `None`; unless `restore`
    /// (a returned workbook): the unit gets the form's formula back, its fault marked,
    /// so the copy it corrects computes as the blank form does.
    pub(super) fn formula(
        &self,
        f: FieldRef,
        here: usize,
        sheet_names: &[String],
        at: &dyn Fn(FieldRef) -> Option<(usize, Pos)>,
        value: &dyn Fn(FieldRef) -> Option<f64>,
        restore: bool,
    ) -> Option<Out> {
        let out = self.built(f, here, sheet_names, at, value)?;
        if restore {
            return Some(out);
        }
        match (&out, value(f)) {
            (Out::Formula(_, v), Some(typed)) if (v - typed).abs() > 0.005 => None,
            (Out::FormulaBlank(_), Some(_)) => None,
            _ => Some(out),
        }
    }

    fn built(
        &self,
        f: FieldRef,
        here: usize,
        sheet_names: &[String],
        at: &dyn Fn(FieldRef) -> Option<(usize, Pos)>,
        value: &dyn Fn(FieldRef) -> Option<f64>,
    ) -> Option<Out> {
        let r = |g: FieldRef| -> Option<String> {
            let (sheet, pos) = at(g)?;
            Some(if sheet == here {
                pos.to_string()
            } else {
                format!("'{}'!{pos}", sheet_names[sheet].replace('\'', "''"))
            })
        };
        match self.map.get(&f)? {
            How::Percent {
                count,
                base,
                blank_on_zero,
            } => {
                let (c, b) = (r(*count)?, r(*base)?);
                let zero = if *blank_on_zero { "\"\"" } else { "0" };
                let text = format!("IF(N({b})=0,{zero},N({c})*100/N({b}))");
                match (value(*count), value(*base)) {
                    (Some(n), Some(d)) if d != 0.0 => Some(Out::Formula(text, n * 100.0 / d)),
                    _ if *blank_on_zero => Some(Out::FormulaBlank(text)),
                    _ => Some(Out::Formula(text, 0.0)),
                }
            }
            How::Sum { plus, minus } => {
                let mut text = String::new();
                let mut v = 0.0;
                for (fs, sign) in [(plus, '+'), (minus, '-')] {
                    for &g in fs {
                        if !text.is_empty() || sign == '-' {
                            text.push(sign);
                        }
                        text.push_str(&format!("N({})", r(g)?));
                        let n = value(g).unwrap_or(0.0);
                        v += if sign == '+' { n } else { -n };
                    }
                }
                Some(Out::Formula(text, v))
            }
            How::Copy(of) => Some(Out::Formula(r(*of)?, value(*of).unwrap_or(0.0))),
        }
    }
}
