//! A summary a report can quote: a few sentences with the province's figures, written
//! as the provincial report writes them ("Toàn tỉnh kết nạp 6.611 đảng viên, tăng 0,69%
//! so với cùng kỳ năm trước, đạt 111,1% chỉ tiêu"), from the form's `[summary]`
//! template so that a province words them its own way.
//!
//! A sentence names its values with placeholders: `{NAME}` is this period's figure of
//! a name declared in `[summary.values]`, `{NAME.ATTR}` one of [`ATTRS`] of it, and a
//! few names need no declaration ([`GLOBALS`]). A sentence whose values are not all
//! known (no archive, no target) gives way to its first fallback whose values are,
//! or is left out: a summary never prints a blank or NaN. The template is checked when
//! the form loads: an unknown placeholder is a form error naming the sentence.

use crate::compare::Comparison;
use crate::consolidate::Consolidation;
use crate::form::Form;
use crate::lang::Lang;
use crate::spec::FieldRef;
use crate::submission::Status;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// `[summary]` as written.
#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SummaryFile {
    /// Names the sentences use, each a figure's key (`admitted = "movement.b1.this"`).
    #[serde(default)]
    pub values: BTreeMap<String, String>,
    /// The sentences, in order.
    pub sentences: Vec<SentenceFile>,
}

/// One sentence with its fallbacks.
#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SentenceFile {
    /// The Vietnamese sentence.
    pub vi: String,
    /// The English sentence.
    pub en: String,
    /// Said instead, the first whose values are known, when the sentence's are not.
    #[serde(default)]
    pub fallbacks: Vec<AlternativeFile>,
}

/// A fallback sentence.
#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AlternativeFile {
    /// Vietnamese.
    pub vi: String,
    /// English.
    pub en: String,
}

/// What a named figure offers, each `{NAME.ATTR}`.
pub const ATTRS: &[(&str, &str)] = &[
    ("year_before", "the same period a year earlier"),
    ("previous", "the previous period"),
    (
        "change",
        "the change on the same period a year earlier, persons or points, without sign",
    ),
    (
        "change_pct",
        "the change on the same period a year earlier, per cent, without sign",
    ),
    (
        "trend",
        "tăng / giảm / thay đổi (up / down / changed, before a 0 %) on the same period a year earlier",
    ),
    (
        "previous_change_pct",
        "the change on the previous period, per cent, without sign",
    ),
    (
        "previous_trend",
        "tăng / giảm / thay đổi on the previous period",
    ),
    ("target", "this period's target"),
    ("target_pct", "the figure in per cent of its target"),
    (
        "rate",
        "the figure in per cent of its target's base (admissions per 100 members at the start)",
    ),
    (
        "term",
        "the sum over the term so far, only when no month of it is missing from the archive",
    ),
    (
        "term_so_far",
        "the sum over the term so far, months missing or not (say them with {term.missing})",
    ),
    ("term_previous", "the sum over the previous term"),
    (
        "term_change_pct",
        "the term's sum against the previous term, per cent, without sign",
    ),
    ("term_trend", "tăng / giảm / thay đổi on the previous term"),
    ("term_target", "the term's target"),
    (
        "term_target_pct",
        "the term's sum in per cent of the term's target",
    ),
];

/// Names every template may use.
pub const GLOBALS: &[(&str, &str)] = &[
    ("period", "the period consolidated"),
    ("term.name", "the term's name"),
    ("term.until", "the last day the term is summed to"),
    (
        "term.missing",
        "the term's months missing from the archive (absent when none is)",
    ),
    ("units.expected", "units expected"),
    ("units.accepted", "units whose reports are summed"),
    ("units.returned", "units whose reports were returned"),
    ("units.missing", "units that sent nothing"),
    (
        "units.with_target",
        "units with a target for the first target figure",
    ),
    ("units.below_target", "units below a target"),
    (
        "units.reached_target",
        "units at or above every target they have",
    ),
];

/// A checked template.
#[derive(Debug, Clone, PartialEq)]
pub struct Template {
    /// The declared names and their figures.
    pub values: BTreeMap<String, FieldRef>,
    /// Each sentence: its alternatives in order, each (vi, en).
    pub sentences: Vec<Vec<(String, String)>>,
}

/// The placeholders of `text`, without braces; `Err` on an unclosed brace.
fn placeholders(text: &str) -> Result<Vec<&str>, ()> {
    let mut out = Vec::new();
    let mut rest = text;
    while let Some(i) = rest.find('{') {
        let after = &rest[i + 1..];
        let j = after.find('}').ok_or(())?;
        out.push(after[..j].trim());
        rest = &after[j + 1..];
    }
    Ok(out)
}

/// `[summary]` checked against the form: every name a numeric figure, every
/// placeholder known, and an attribute only where it can have a value (a target's
/// attributes on a target's figure, a change on a compared one).
pub fn resolve(
    raw: &SummaryFile,
    field: &dyn Fn(&str) -> Option<FieldRef>,
    p: &mut Vec<String>,
) -> Template {
    let mut values = BTreeMap::new();
    for (name, key) in &raw.values {
        let bad_name = name.is_empty()
            || !name
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
            || name == "units"
            || name == "term"
            || name == "period";
        if bad_name {
            p.push(format!(
                "summary.values.{name}: a name is a-z, 0-9 and '_', and not units, term or period"
            ));
            continue;
        }
        match field(key) {
            Some(f) => {
                values.insert(name.clone(), f);
            }
            None => p.push(format!(
                "summary.values.{name}: '{key}' is not a numeric figure"
            )),
        }
    }
    let mut sentences = Vec::new();
    for (i, s) in raw.sentences.iter().enumerate() {
        let mut alts = vec![(s.vi.clone(), s.en.clone())];
        alts.extend(s.fallbacks.iter().map(|a| (a.vi.clone(), a.en.clone())));
        for (k, (vi, en)) in alts.iter().enumerate() {
            let path = if k == 0 {
                format!("summary.sentences[{i}]")
            } else {
                format!("summary.sentences[{i}].fallbacks[{}]", k - 1)
            };
            for (lang, text) in [("vi", vi), ("en", en)] {
                match placeholders(text) {
                    Err(()) => p.push(format!("{path}.{lang}: a '{{' is not closed: \"{text}\"")),
                    Ok(names) => {
                        for n in names {
                            if !known(n, &values) {
                                p.push(format!(
                                    "{path}.{lang}: unknown placeholder {{{n}}} in \"{text}\" (names: {}; attributes: {}; also {})",
                                    values.keys().cloned().collect::<Vec<_>>().join(", "),
                                    ATTRS.iter().map(|a| a.0).collect::<Vec<_>>().join(", "),
                                    GLOBALS.iter().map(|a| a.0).collect::<Vec<_>>().join(", ")
                                ));
                            }
                        }
                    }
                }
            }
        }
        sentences.push(alts);
    }
    Template { values, sentences }
}

fn known(placeholder: &str, values: &BTreeMap<String, FieldRef>) -> bool {
    if GLOBALS.iter().any(|g| g.0 == placeholder) {
        return true;
    }
    match placeholder.split_once('.') {
        None => values.contains_key(placeholder),
        Some((name, attr)) => values.contains_key(name) && ATTRS.iter().any(|a| a.0 == attr),
    }
}

/// The sentences of a run in both languages, and the values they used.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Summary {
    /// The Vietnamese sentences.
    pub vi: Vec<String>,
    /// The English sentences.
    pub en: Vec<String>,
    /// Every placeholder used in a sentence said, with its value (a number, or text
    /// for the period and the term's name).
    pub values: BTreeMap<String, serde_json::Value>,
}

impl Summary {
    /// The sentences in `lang`.
    pub fn sentences(&self, lang: Lang) -> &[String] {
        match lang {
            Lang::Vi => &self.vi,
            Lang::En => &self.en,
        }
    }
}

/// A placeholder's value.
#[derive(Debug, Clone, PartialEq)]
enum Said {
    Number(f64),
    Trend(f64),
    Text(crate::lang::Msg),
}

fn round2(v: f64) -> f64 {
    (v * 100.0).round() / 100.0
}

impl Said {
    fn shown(&self, lang: Lang) -> String {
        match self {
            Said::Number(v) => lang.number(round2(*v)),
            Said::Trend(v) if round2(*v) > 0.0 => lang.pick("tăng", "up").into(),
            Said::Trend(v) if round2(*v) < 0.0 => lang.pick("giảm", "down").into(),
            // Followed by its percentage, which is 0 here: "bằng 0%" would read as
            // "equal to 0 % of last year".
            Said::Trend(_) => lang.pick("thay đổi", "changed").into(),
            Said::Text(m) => m.get(lang).to_string(),
        }
    }

    fn json(&self) -> serde_json::Value {
        match self {
            Said::Number(v) | Said::Trend(v) => {
                let v = crate::write::report::tidy(*v);
                if v.fract() == 0.0 && v.abs() < 9e15 {
                    serde_json::json!(v as i64)
                } else {
                    serde_json::json!(v)
                }
            }
            Said::Text(m) => serde_json::json!(m.vi),
        }
    }
}

/// The value of `placeholder` in this run, when it has one.
fn value(
    t: &Template,
    form: &Form,
    c: &Consolidation,
    cmp: &Comparison,
    placeholder: &str,
) -> Option<Said> {
    use crate::lang::Msg;
    let count = |n: usize| Some(Said::Number(n as f64));
    let extra = &cmp.extra;
    match placeholder {
        "period" => {
            return c
                .period
                .map(|p| Said::Text(Msg::new(p.to_string(), p.to_string())));
        }
        "term.name" => return extra.term.as_ref().map(|s| Said::Text(s.term.name.clone())),
        "term.until" => {
            return extra.term.as_ref().map(|s| {
                let d = crate::text::date::format_date(s.until);
                Said::Text(Msg::new(d.clone(), d))
            });
        }
        "term.missing" => {
            let s = extra.term.as_ref().filter(|s| !s.missing.is_empty())?;
            let m = crate::term::TermSums::months(&s.missing);
            return Some(Said::Text(Msg::new(m.clone(), m)));
        }
        "units.expected" => return count(c.expected.len()),
        "units.accepted" => {
            return count(
                c.expected
                    .iter()
                    .filter(|&&u| c.kept[u].is_some_and(|i| c.included[i]))
                    .count(),
            );
        }
        "units.returned" => {
            return count(
                c.expected
                    .iter()
                    .filter(|&&u| {
                        c.kept[u].is_some_and(|i| c.submissions[i].status == Status::Rejected)
                    })
                    .count(),
            );
        }
        "units.missing" => return count(c.missing_units().len()),
        "units.with_target" => {
            return (!extra.units.is_empty()).then(|| {
                Said::Number(
                    extra
                        .units
                        .iter()
                        .filter(|l| l.first().is_some_and(|a| a.target.is_some()))
                        .count() as f64,
                )
            });
        }
        "units.below_target" | "units.reached_target" => {
            if extra.units.is_empty() {
                return None;
            }
            let below = placeholder == "units.below_target";
            let n = extra
                .units
                .iter()
                .filter(|l| {
                    let has = l.iter().any(|a| a.target.is_some() && a.this.is_some());
                    let any_below = l.iter().any(|a| a.below);
                    if below { any_below } else { has && !any_below }
                })
                .count();
            return count(n);
        }
        _ => {}
    }
    let (name, attr) = placeholder.split_once('.').unwrap_or((placeholder, ""));
    let f = *t.values.get(name)?;
    let points = Comparison::in_points(form, f);
    let line = cmp.province.iter().find(|l| l.figure == f);
    let achieved = extra
        .province
        .iter()
        .find(|a| form.targets[a.target_index].figure == f);
    let term = extra
        .term
        .as_ref()
        .and_then(|s| s.province.iter().find(|l| l.figure == f));
    let num = |v: Option<f64>| v.map(Said::Number);
    match attr {
        "" => num(c.totals.iter().find(|(g, _)| *g == f).and_then(|(_, v)| *v)),
        "year_before" => num(line?.year_before),
        "previous" => num(line?.previous),
        "change" => num(line?.change(line?.year_before, points).map(|c| c.by.abs())),
        "change_pct" => num(line?
            .change(line?.year_before, points)?
            .percent
            .map(f64::abs)),
        "trend" => line?
            .change(line?.year_before, points)
            .map(|c| Said::Trend(c.by)),
        "previous_change_pct" => num(line?.change(line?.previous, points)?.percent.map(f64::abs)),
        "previous_trend" => line?
            .change(line?.previous, points)
            .map(|c| Said::Trend(c.by)),
        "target" => num(achieved?.target),
        "target_pct" => num(achieved?.percent),
        "rate" => num(achieved?.rate),
        "term" => num(term?
            .sum
            .filter(|_| extra.term.as_ref().is_some_and(|s| s.missing.is_empty()))),
        "term_so_far" => num(term?.sum),
        "term_previous" => num(term?.previous),
        "term_change_pct" => num(term?.change_pct().map(f64::abs)),
        "term_trend" => {
            let (a, b) = (term?.sum?, term?.previous?);
            Some(Said::Trend(a - b))
        }
        "term_target" => num(term?.target),
        "term_target_pct" => num(term?.target_pct()),
        _ => None,
    }
}

/// The run's sentences from the template: each sentence, or its first fallback whose
/// placeholders all have a value, or nothing.
pub fn build(t: &Template, form: &Form, c: &Consolidation, cmp: &Comparison) -> Summary {
    let mut out = Summary::default();
    for alts in &t.sentences {
        for (lang, pick) in [(Lang::Vi, 0usize), (Lang::En, 1)] {
            for alt in alts {
                let text = if pick == 0 { &alt.0 } else { &alt.1 };
                let Ok(names) = placeholders(text) else {
                    continue;
                };
                let said: Option<Vec<(&str, Said)>> = names
                    .iter()
                    .map(|n| value(t, form, c, cmp, n).map(|v| (*n, v)))
                    .collect();
                let Some(said) = said else { continue };
                let mut s = String::new();
                let mut rest = text.as_str();
                for (n, v) in &said {
                    let i = rest.find('{').unwrap_or(rest.len());
                    s.push_str(&rest[..i]);
                    s.push_str(&v.shown(lang));
                    let j = rest[i..].find('}').map_or(rest.len(), |j| i + j + 1);
                    rest = &rest[j..];
                    if lang == Lang::Vi {
                        out.values.insert((*n).to_string(), v.json());
                    }
                }
                s.push_str(rest);
                match lang {
                    Lang::Vi => out.vi.push(s),
                    Lang::En => out.en.push(s),
                }
                break;
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn template(text: &str) -> (Template, Vec<String>) {
        let raw: SummaryFile = toml::from_str(text).unwrap();
        let form = Form::load(None).unwrap();
        let mut p = Vec::new();
        let field = |k: &str| form.field(k);
        let t = resolve(&raw, &field, &mut p);
        (t, p)
    }

    #[test]
    fn an_unknown_placeholder_is_a_form_error_naming_the_sentence() {
        let (_, p) = template(
            r#"
            values = { admitted = "movement.b1.this" }
            [[sentences]]
            vi = "Kết nạp {admitted}."
            en = "Admitted {admitted}."
            [[sentences]]
            vi = "Kết nạp {admitted.growth}."
            en = "Admitted {admited}."
            "#,
        );
        assert_eq!(p.len(), 2, "{p:?}");
        assert!(
            p[0].starts_with("summary.sentences[1].vi: unknown placeholder {admitted.growth}"),
            "{p:?}"
        );
        assert!(
            p[1].starts_with("summary.sentences[1].en: unknown placeholder {admited}"),
            "{p:?}"
        );
    }

    #[test]
    fn an_unclosed_brace_and_a_name_that_is_no_figure_are_form_errors() {
        let (_, p) = template(
            r#"
            values = { admitted = "movement.zz" }
            [[sentences]]
            vi = "Kết nạp {admitted"
            en = "Admitted"
            "#,
        );
        assert!(
            p.iter().any(|m| m.starts_with("summary.values.admitted:")),
            "{p:?}"
        );
        assert!(p.iter().any(|m| m.contains("is not closed")), "{p:?}");
    }

    #[test]
    fn numbers_are_said_in_the_language_of_the_sentence() {
        assert_eq!(Said::Number(6611.0).shown(Lang::Vi), "6.611");
        assert_eq!(Said::Number(111.1111).shown(Lang::Vi), "111,11");
        assert_eq!(Said::Number(0.694).shown(Lang::En), "0.69");
        assert_eq!(Said::Trend(-3.0).shown(Lang::Vi), "giảm");
        assert_eq!(Said::Trend(0.001).shown(Lang::En), "changed");
        assert_eq!(Said::Trend(0.001).shown(Lang::Vi), "thay đổi");
    }
}
