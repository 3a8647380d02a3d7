//! Figures to findings: the rules a form declares, applied to one report.
//!
//! Each rule kind is one file of this folder: the fields it takes in the form
//! specification, how they are resolved against the form, the check, the wording of
//! its messages in both languages, and its documentation ([`Doc`]: what it checks, why,
//! and an example of a violation with its message, which a test runs). The kinds are
//! listed once, in the registry below; adding a kind means adding its file and one line
//! there.
//!
//! A rule is skipped for a submission when one of its figures is blank or unreadable:
//! that cell already has its own `REQ`, `TYPE` or similar finding, and a second finding
//! built on a guess would only mislead.

mod checker;
mod resolver;

pub use checker::{Checker, source_note};
pub use period::against as period_findings;
pub use resolver::Resolver;
pub use unit::identify;

use crate::extract::Report;
use crate::finding::{Finding, RuleCode, Severity};
use crate::history::History;
use crate::period::Period;
use crate::spec::{FieldRef, Layout, RuleFile};
use std::collections::HashMap;

/// A rule kind: how it reads its fields, and how it checks a report.
pub trait Kind: Sized {
    /// Its documentation, in fixed sections.
    const DOC: Doc;
    /// Its fields in the form specification, beside the common `code`, `kind`,
    /// `severity`, `description` and `description_en`.
    type Fields: serde::de::DeserializeOwned;
    /// Resolve the fields against the form; `None` when a problem was recorded.
    fn resolve(fields: Self::Fields, r: &mut Resolver<'_>) -> Option<Self>;
    /// Check one report, pushing a finding for every violation.
    fn check(&self, rule: &Meta, c: &mut Checker<'_>);
    /// The kind looks at the past ([`crate::history`]): it is checked once the archive
    /// is read ([`check_past`]), not with the file.
    const LOOKS_BACK: bool = false;
    /// What the archive holds for the documented example of a kind that looks back.
    const PAST: PastExample = PastExample::NONE;
}

/// The past a look-back kind's example is checked against: the figures the archive
/// holds for the example's unit in the previous period and the same period a year
/// earlier (both), whether those periods are closed, and the spread of this run's
/// units' rates.
#[derive(Debug, Clone, Copy)]
pub struct PastExample {
    /// Archived figures, by key.
    pub figures: &'static [(&'static str, f64)],
    /// The periods are closed.
    pub closed: bool,
    /// The median and the median absolute deviation of the units' rates.
    pub peers: Option<(f64, f64)>,
    /// The unit's own rates in earlier periods, oldest first.
    pub own: &'static [f64],
}

impl PastExample {
    /// No past: a kind that does not look back.
    pub const NONE: PastExample = PastExample {
        figures: &[],
        closed: false,
        peers: None,
        own: &[],
    };
}

/// A rule kind's documentation. `fields` and `holds` are the README's table of kinds
/// (a test keeps it equal); the example is run by a test, so the documented message is
/// the message the rule gives.
#[derive(Debug)]
pub struct Doc {
    /// The `kind` value in the specification.
    pub kind: &'static str,
    /// Its fields, as the README lists them (markdown).
    pub fields: &'static str,
    /// What it checks: when the rule holds (markdown).
    pub holds: &'static str,
    /// Why the rule exists.
    pub why: &'static str,
    /// A rule of this kind on the default form, and figures that violate it.
    pub example: Example,
}

/// A violation of a rule, on the default form.
#[derive(Debug)]
pub struct Example {
    /// The rule, as a `[[rules]]` table in TOML.
    pub rule: &'static str,
    /// Figures changed from a consistent report: a cell key, or `table.column` for the
    /// column's total row, and what is written there.
    pub figures: &'static [(&'static str, Figure)],
    /// The Vietnamese message of the finding it gives.
    pub message: &'static str,
}

/// A figure of an [`Example`].
#[derive(Debug, Clone, Copy)]
pub enum Figure {
    /// A number.
    Number(f64),
    /// A text; in a date cell, a date as `dd/mm/yyyy`.
    Text(&'static str),
    /// Nothing.
    Blank,
}

/// Declares the kinds once: the module, the variant and the type of each.
macro_rules! registry {
    ($($module:ident :: $ty:ident,)+) => {
        $(mod $module;)+

        /// A resolved rule kind, one variant per kind file.
        #[derive(Debug, Clone)]
        pub enum RuleKind {
            $(
                #[doc = concat!("See [`", stringify!($module), "::", stringify!($ty), "`].")]
                $ty($module::$ty),
            )+
        }

        /// Every kind's documentation, in the registry's order.
        pub const DOCS: &[&Doc] = &[$(&<$module::$ty as Kind>::DOC,)+];

        /// Every kind's example past, in the registry's order.
        pub const PASTS: &[PastExample] = &[$(<$module::$ty as Kind>::PAST,)+];

        impl RuleKind {
            /// The kind's name in the specification.
            pub fn name(&self) -> &'static str {
                match self {
                    $(RuleKind::$ty(_) => <$module::$ty as Kind>::DOC.kind,)+
                }
            }

            /// Whether the kind looks at the past.
            pub fn looks_back(&self) -> bool {
                match self {
                    $(RuleKind::$ty(_) => <$module::$ty as Kind>::LOOKS_BACK,)+
                }
            }

            /// Resolve `fields` as a rule of kind `kind`; `Err` for an unknown kind.
            fn resolve(kind: &str, fields: toml::Table, r: &mut Resolver<'_>) -> Result<Option<RuleKind>, ()> {
                $(
                    if kind == <$module::$ty as Kind>::DOC.kind {
                        return Ok(r.fields::<<$module::$ty as Kind>::Fields>(fields)
                            .and_then(|f| <$module::$ty as Kind>::resolve(f, r))
                            .map(RuleKind::$ty));
                    }
                )+
                Err(())
            }

            fn check(&self, rule: &Meta, c: &mut Checker<'_>) {
                match self {
                    $(RuleKind::$ty(k) => k.check(rule, c),)+
                }
            }
        }
    };
}

registry! {
    whole_number::WholeNumber,
    range::Range,
    required::Required,
    sum::Sum,
    part::Part,
    balance::Balance,
    percent::Percent,
    equal::Equal,
    unit::Unit,
    period::PeriodRule,
    carry::Carry,
    previous::Previous,
    change::Change,
    outlier::Outlier,
}

/// What every rule has, whatever its kind.
#[derive(Debug, Clone)]
pub struct Meta {
    /// The code its findings carry.
    pub code: RuleCode,
    /// The severity of its findings.
    pub severity: Severity,
    /// What it checks, in Vietnamese.
    pub description: String,
    /// What it checks, in English.
    pub description_en: String,
}

/// One rule of the form.
#[derive(Debug, Clone)]
pub struct Rule {
    /// Code, severity and description.
    pub meta: Meta,
    /// What it checks.
    pub kind: RuleKind,
}

/// The form's rules, in declaration order.
#[derive(Debug, Clone, Default)]
pub struct RuleSet {
    rules: Vec<Rule>,
}

impl RuleSet {
    /// Resolve the specification's `[[rules]]` against the form's layout, recording
    /// every problem with its key.
    pub fn resolve(layout: &Layout, files: &[RuleFile], problems: &mut Vec<String>) -> RuleSet {
        let mut rules = Vec::new();
        // The kind of each code and the rule that gave it first: a code is one kind of
        // fault, though several rules of that kind may share it.
        let mut kinds: HashMap<&str, (&str, usize)> = HashMap::new();
        for (i, f) in files.iter().enumerate() {
            let path = format!("rules[{i}]");
            let code = RuleCode::new(&f.code)
                .map_err(|e| problems.push(format!("{path}.code: {e}")))
                .ok();
            match kinds.get(f.code.as_str()) {
                Some(&(kind, first)) if kind != f.kind => problems.push(format!(
                    "{path}.code: '{}' is already the code of rules[{first}], of kind '{kind}'; a code names one kind of rule",
                    f.code
                )),
                Some(_) => {}
                None => {
                    kinds.insert(&f.code, (&f.kind, i));
                }
            }
            let severity = match f.severity.as_str() {
                "error" => Severity::Error,
                "warning" => Severity::Warning,
                o => {
                    problems.push(format!("{path}.severity: '{o}' is not error or warning"));
                    Severity::Error
                }
            };
            let mut r = Resolver::new(layout, &path, problems);
            let kind = match RuleKind::resolve(&f.kind, f.fields.clone(), &mut r) {
                Ok(kind) => kind,
                Err(()) => {
                    let names: Vec<&str> = DOCS.iter().map(|d| d.kind).collect();
                    problems.push(format!(
                        "{path}.kind: '{}' is not one of {}",
                        f.kind,
                        names.join(", ")
                    ));
                    None
                }
            };
            if let (Some(code), Some(kind)) = (code, kind) {
                rules.push(Rule {
                    meta: Meta {
                        code,
                        severity,
                        description: f.description.clone(),
                        description_en: f
                            .description_en
                            .clone()
                            .unwrap_or_else(|| f.description.clone()),
                    },
                    kind,
                });
            }
        }
        RuleSet { rules }
    }

    /// The rules in declaration order.
    pub fn iter(&self) -> std::slice::Iter<'_, Rule> {
        self.rules.iter()
    }

    /// For a percentage field, the count and base it is computed from (from a `percent`
    /// rule), so provincial percentages are recomputed, never averaged.
    pub fn percent_source(&self, pct: FieldRef) -> Option<(FieldRef, FieldRef)> {
        self.rules.iter().find_map(|r| match &r.kind {
            RuleKind::Percent(p) => p.source_of(pct),
            _ => None,
        })
    }

    /// The rates the form's `outlier` rules compare across units: numerator,
    /// denominator, and the fewest units a spread is computed for.
    pub fn outlier_rates(&self) -> Vec<(FieldRef, FieldRef, usize)> {
        self.rules
            .iter()
            .filter_map(|r| match &r.kind {
                RuleKind::Outlier(o) => Some(o.rate()),
                _ => None,
            })
            .collect()
    }

    /// The form's `unit` rule, which decides whether an unknown unit is a finding.
    pub fn unit_rule(&self) -> Option<&Meta> {
        self.rules
            .iter()
            .find(|r| matches!(r.kind, RuleKind::Unit(_)))
            .map(|r| &r.meta)
    }
}

/// What the run knows beyond the file.
#[derive(Debug, Clone, Copy, Default)]
pub struct Context {
    /// The period being collected (`--period`).
    pub period: Option<Period>,
}

/// Apply every rule of `rules` that looks at the file alone to `report`.
pub fn check(layout: &Layout, rules: &RuleSet, report: &Report, ctx: &Context) -> Vec<Finding> {
    let mut c = Checker::new(layout, report, ctx);
    for rule in rules.rules.iter().filter(|r| !r.kind.looks_back()) {
        rule.kind.check(&rule.meta, &mut c);
    }
    c.finish()
}

/// Apply the rules of `rules` that look back to `report` of unit `unit`, against what
/// the archive holds ([`History`]). A rule whose past is not there finds nothing.
pub fn check_past(
    layout: &Layout,
    rules: &RuleSet,
    report: &Report,
    unit: usize,
    history: &History,
) -> Vec<Finding> {
    let ctx = Context::default();
    let mut c = Checker::new(layout, report, &ctx);
    c.past = Some(checker::PastView { history, unit });
    for rule in rules.rules.iter().filter(|r| r.kind.looks_back()) {
        rule.kind.check(&rule.meta, &mut c);
    }
    c.finish()
}

/// The README's table of rule kinds, as the kinds document themselves.
pub fn kinds_table() -> String {
    let mut s = String::from("| kind | fields | holds when |\n|---|---|---|\n");
    for d in DOCS {
        s.push_str(&format!("| `{}` | {} | {} |\n", d.kind, d.fields, d.holds));
    }
    s
}

#[cfg(test)]
mod tests;
