//! A form: its layout (sheets, cells, tables, units) and its rules, loaded from a
//! specification and validated as a whole before any file is read.

use crate::rules::RuleSet;
use crate::spec::{self, Layout, SpecError};
use std::path::Path;

/// The default form, shipped in `templates/` and embedded so the binary works alone: the
/// official forms of the Central Organisation Commission (version 2026.2).
pub const DEFAULT_SPEC: &str = include_str!("../templates/phat-trien-dang-vien.toml");

/// The form before the official one (version 2026.1, the 2010-era layout and its 15
/// units), for reading the files of earlier periods.
pub const FORM_2026_1: &str = include_str!("../templates/phat-trien-dang-vien-2026.1.toml");

/// The units of the level above the provinces (the 34 provinces and centrally-run
/// cities), put in place of the province's own units to make [`national_spec`].
pub const NATIONAL_UNITS: &str = include_str!("../templates/don-vi-toan-quoc.toml");

/// Who the national form is for, in place of the province.
pub const NATIONAL_BODY: &str = "Ban Tổ chức Trung ương";

/// Where the units begin and end in the default form's text.
const UNITS_MARK: &str = "# ---------------------------------------------------------------- units";
const SHEETS_MARK: &str =
    "# ---------------------------------------------------------------- sheets";
/// The comment and rule the national form leaves out (see [`national_spec`]).
const ADMITORG_MARK: &str = "# ADMITORG: the organisations";

/// The form of the level above the province: the default form's text with its units
/// replaced by the provinces' and its `province` by the Central Organisation
/// Commission. Built from the one text rather than kept as a second file, so the sheets,
/// rows and rules of the two can never drift apart, and a province's upward report,
/// stamped with the same id and version, is a valid submission of the national run.
pub fn national_spec() -> Result<String, SpecError> {
    let origin = "phat-trien-dang-vien-toan-quoc (embedded)";
    let invalid = |what: &str| SpecError::Invalid {
        origin: origin.to_string(),
        problems: vec![format!("default form: {what}")],
    };
    let start = DEFAULT_SPEC
        .find(UNITS_MARK)
        .ok_or_else(|| invalid("no units section"))?;
    let end = DEFAULT_SPEC[start..]
        .find(SHEETS_MARK)
        .map(|e| start + e)
        .ok_or_else(|| invalid("no sheets section after the units"))?;
    let head: String = DEFAULT_SPEC[..start]
        .lines()
        .filter(|l| !l.starts_with("province_code ="))
        .map(|l| {
            if l.starts_with("province =") {
                format!("province = \"{NATIONAL_BODY}\"\n")
            } else {
                format!("{l}\n")
            }
        })
        .collect();
    if !head.contains(NATIONAL_BODY) {
        return Err(invalid("no `province` in [form]"));
    }
    // A province's Kết nạp table holds one row per unit, not per organisation: counted,
    // its rows are units, so the rule that matches that count with Biểu 2's
    // organisations (III.1.1 + III.2.1, which are summed and stay right) cannot hold.
    let rest = &DEFAULT_SPEC[end..];
    let rule = rest
        .find(ADMITORG_MARK)
        .ok_or_else(|| invalid("no ADMITORG rule"))?;
    let code = rest[rule..]
        .find("code = \"ADMITORG\"")
        .map(|e| rule + e)
        .ok_or_else(|| invalid("no ADMITORG rule"))?;
    let after = rest[code..]
        .find("[[rules]]")
        .map(|e| code + e)
        .ok_or_else(|| invalid("no rule after ADMITORG"))?;
    // For the same reason the organisations that admitted are not counted from the
    // table's rows (they would be the units that admitted) but added up from Biểu 2's,
    // which ADMITORG held equal to the count in every province.
    let (before, after) = (&rest[..rule], &rest[after..]);
    if !before.contains(COUNTED_ADMITTING) {
        return Err(invalid("no count_rows derivation of tccsd_admitting"));
    }
    let before = before.replace(COUNTED_ADMITTING, SUMMED_ADMITTING);
    Ok(format!("{head}{NATIONAL_UNITS}\n{before}{after}"))
}

/// The default form's derivation of the organisations that admitted, and the national
/// form's (see [`national_spec`]).
const COUNTED_ADMITTING: &str =
    "label = \"Số tổ chức cơ sở đảng có kết nạp đảng viên (tính từ sheet Kết nạp)\"
label_en = \"Grassroots organisations that admitted members (from the Kết nạp sheet)\"
kind = \"count_rows\"
table = \"admissions\"
column = \"admitted\"";
const SUMMED_ADMITTING: &str =
    "label = \"Số tổ chức cơ sở đảng có kết nạp đảng viên (Biểu 2: III.1.1 + III.2.1)\"
label_en = \"Grassroots organisations that admitted members (Biểu 2: III.1.1 + III.2.1)\"
kind = \"sum\"
plus = [\"admitted.iii1_co.this\", \"admitted.iii2_co.this\"]";

/// Where a shipped form's text comes from.
#[derive(Debug, Clone, Copy)]
pub enum Shipped {
    /// A specification embedded as written.
    Text(&'static str),
    /// The national form, built from the default one ([`national_spec`]).
    National,
}

impl Shipped {
    /// The specification's text.
    pub fn text(self) -> Result<std::borrow::Cow<'static, str>, SpecError> {
        match self {
            Shipped::Text(t) => Ok(t.into()),
            Shipped::National => national_spec().map(Into::into),
        }
    }
}

/// Every form shipped in `templates/` and embedded, by the name `--form` knows it by
/// (its file name without `.toml`): a clerk with only the program can still read the
/// files of an earlier layout, and the Central Organisation Commission's board (or a
/// test of it) the provinces' upward reports.
pub const SHIPPED: &[(&str, Shipped)] = &[
    ("phat-trien-dang-vien", Shipped::Text(DEFAULT_SPEC)),
    ("phat-trien-dang-vien-2026.2", Shipped::Text(DEFAULT_SPEC)),
    ("phat-trien-dang-vien-2026.1", Shipped::Text(FORM_2026_1)),
    ("phat-trien-dang-vien-toan-quoc", Shipped::National),
];

/// A loaded form. It reads as its [`Layout`] (`form.cells`, `form.units`...); its
/// rules are [`Form::rules`].
#[derive(Debug, Clone)]
pub struct Form {
    /// What the form asks for and where.
    pub layout: Layout,
    /// What the figures must satisfy.
    pub rules: RuleSet,
    /// The specification text it was loaded from (samples extend it with more units).
    pub source: String,
}

impl std::ops::Deref for Form {
    type Target = Layout;
    fn deref(&self) -> &Layout {
        &self.layout
    }
}

impl Form {
    /// The embedded default form.
    pub fn default_form() -> Result<Form, SpecError> {
        Form::from_toml(
            DEFAULT_SPEC,
            "templates/phat-trien-dang-vien.toml (embedded)",
        )
    }

    /// Load `path`, or the embedded default when `None`. A path that is no file but
    /// the name of a shipped form (`phat-trien-dang-vien-2026.1`, with or without
    /// `.toml`) loads that form.
    pub fn load(path: Option<&Path>) -> Result<Form, SpecError> {
        match path {
            None => Form::default_form(),
            Some(p) if !p.exists() && Form::shipped(p).is_some() => {
                let (name, source) = Form::shipped(p).expect("just checked");
                Form::from_toml(&source.text()?, &format!("{name} (embedded)"))
            }
            Some(p) => {
                let text = std::fs::read_to_string(p).map_err(|source| SpecError::Io {
                    path: p.display().to_string(),
                    source,
                })?;
                Form::from_toml(&text, &p.display().to_string())
            }
        }
    }

    /// The shipped form a path names by its file name, if any.
    fn shipped(p: &Path) -> Option<(&'static str, Shipped)> {
        let name = p.to_str()?;
        let name = name.strip_suffix(".toml").unwrap_or(name);
        let name = name.rsplit(['/', '\\']).next()?;
        SHIPPED.iter().copied().find(|(n, _)| *n == name)
    }

    /// Parse, validate and resolve a specification held in memory.
    ///
    /// ```
    /// use tonghop::form::{DEFAULT_SPEC, Form};
    /// let form = Form::from_toml(DEFAULT_SPEC, "default").unwrap();
    /// assert_eq!(form.units.by_code("tgi"), form.units.by_name("HUYỆN TUẦN GIÁO", None));
    /// // A bad specification names the key and the reason.
    /// let bad = DEFAULT_SPEC.replace("cell = \"C10\"", "cell = \"C0\"");
    /// let err = Form::from_toml(&bad, "bad.toml").unwrap_err().to_string();
    /// assert!(err.contains("cells[") && err.contains("C0"));
    /// ```
    pub fn from_toml(text: &str, origin: &str) -> Result<Form, SpecError> {
        let spec::Parsed {
            layout,
            rules,
            mut problems,
        } = spec::parse(text, origin)?;
        let rules = RuleSet::resolve(&layout, &rules, &mut problems);
        if problems.is_empty() {
            return Ok(Form {
                layout,
                rules,
                source: text.to_string(),
            });
        }
        problems.sort();
        problems.dedup();
        Err(SpecError::Invalid {
            origin: origin.to_string(),
            problems,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_shipped_form_loads_and_is_found_by_name() {
        for (name, source) in SHIPPED {
            let text = source.text().unwrap();
            let f = Form::from_toml(&text, name).unwrap_or_else(|e| panic!("{name}: {e}"));
            let by_name = Form::load(Some(Path::new(&format!("{name}.toml")))).unwrap();
            assert_eq!(
                (f.id.as_str(), f.version.as_str()),
                (by_name.id.as_str(), by_name.version.as_str())
            );
        }
        let official = Form::load(Some(Path::new("phat-trien-dang-vien-2026.2"))).unwrap();
        assert_eq!(official.version, "2026.2");
        assert_eq!(official.lists.len(), 5);
        let period = crate::period::Period::parse("01/01/2026..30/06/2026").unwrap();
        assert_eq!(official.units.expected(Some(period)).len(), 49);
        let p2024 = crate::period::Period::parse("01/01/2024..31/12/2024").unwrap();
        assert_eq!(official.units.expected(Some(p2024)).len(), 15);
    }

    #[test]
    fn the_national_form_is_the_default_with_the_provinces_as_units() {
        let national = Form::load(Some(Path::new("phat-trien-dang-vien-toan-quoc"))).unwrap();
        let default = Form::default_form().unwrap();
        assert_eq!(default.province_code, "11");
        assert_eq!(
            (national.id.as_str(), national.version.as_str()),
            (default.id.as_str(), default.version.as_str())
        );
        assert_eq!(national.province, NATIONAL_BODY);
        assert_eq!(national.province_code, "");
        assert_eq!(national.sheets.len(), default.sheets.len());
        // All the rules but ADMITORG, which counts organisations where the national form's
        // table has provinces.
        assert_eq!(
            national.rules.iter().count() + 1,
            default.rules.iter().count()
        );
        assert!(
            !national
                .rules
                .iter()
                .any(|r| r.meta.code.as_str() == "ADMITORG")
        );
        assert_eq!(national.lists.len(), default.lists.len());
        let period = crate::period::Period::parse("01/01/2026..30/06/2026").unwrap();
        assert_eq!(national.units.expected(Some(period)).len(), 34);
        // The province's code names it among the provinces, under its own `province`.
        let u = national.units.by_code(&default.province_code).unwrap();
        assert_eq!(national.units[u].name, default.province);
        assert_eq!(
            national.units.by_name("Thành ủy Hà Nội", None),
            national.units.by_code("01")
        );
    }

    #[test]
    fn a_bad_province_code_is_rejected_at_load() {
        let bad = DEFAULT_SPEC.replace("province_code = \"11\"", "province_code = \"đb 1\"");
        let p = rejected(&bad);
        assert!(p.iter().any(|m| m.contains("province_code")), "{p:?}");
    }

    #[test]
    fn default_form_loads() {
        let f = Form::default_form().unwrap();
        assert_eq!(
            (f.id.as_str(), f.version.as_str()),
            ("phat-trien-dang-vien", "2026.2")
        );
        assert_eq!(f.units.len(), 62);
        assert_eq!(f.sheets.len(), 8);
        assert!(f.rules.iter().any(|r| r.meta.code.as_str() == "BALANCE"));
        let old = Form::from_toml(FORM_2026_1, "2026.1").unwrap();
        assert_eq!((old.version.as_str(), old.units.len()), ("2026.1", 15));
    }

    fn rejected(text: &str) -> Vec<String> {
        match Form::from_toml(text, "test") {
            Err(SpecError::Invalid { problems, .. }) => problems,
            Err(e) => vec![e.to_string()],
            Ok(_) => panic!("accepted a bad specification"),
        }
    }

    #[test]
    fn rejects_bad_cell_address_naming_the_key() {
        let bad = FORM_2026_1.replace("cell = \"C10\"", "cell = \"C0\"");
        let p = rejected(&bad);
        assert!(
            p.iter()
                .any(|m| m.contains("cells[") && m.contains("cell") && m.contains("C0")),
            "{p:?}"
        );
    }

    #[test]
    fn rejects_unknown_key_in_rule() {
        let bad = FORM_2026_1.replace("result = \"members_end\"", "result = \"members_ned\"");
        let p = rejected(&bad);
        assert!(p.iter().any(|m| m.contains("members_ned")), "{p:?}");
    }

    #[test]
    fn rejects_a_field_the_kind_does_not_take() {
        let bad = FORM_2026_1.replace("result = \"members_end\"", "reslt = \"members_end\"");
        let p = rejected(&bad);
        assert!(
            p.iter()
                .any(|m| m.starts_with("rules[") && m.contains("reslt")),
            "{p:?}"
        );
    }

    #[test]
    fn rejects_duplicate_unit_codes_and_bad_tolerance() {
        let bad = FORM_2026_1
            .replace("code = \"MLA\"", "code = \"DBP\"")
            .replace("tolerance = 0.01", "tolerance = -1.0");
        let p = rejected(&bad);
        assert!(
            p.iter()
                .any(|m| m.contains("DBP") && m.contains("duplicate")),
            "{p:?}"
        );
        assert!(p.iter().any(|m| m.contains("form.tolerance")), "{p:?}");
    }

    #[test]
    fn rejects_typo_in_field_name() {
        let bad = FORM_2026_1.replacen("required = true", "requird = true", 1);
        let e = Form::from_toml(&bad, "x").unwrap_err().to_string();
        assert!(e.contains("requird"), "{e}");
    }

    #[test]
    fn rejects_two_inputs_on_one_cell() {
        let bad = FORM_2026_1.replace("cell = \"C11\"", "cell = \"C10\"");
        let p = rejected(&bad);
        assert!(
            p.iter().any(|m| m.contains("C10") && m.contains("phone")),
            "{p:?}"
        );
    }

    #[test]
    fn rejects_a_builtin_code_as_a_rule_code() {
        let bad = FORM_2026_1.replace("code = \"BALANCE\"", "code = \"DUP\"");
        let p = rejected(&bad);
        assert!(
            p.iter().any(|m| m.starts_with("rules[")
                && m.contains("'DUP'")
                && m.contains("tonghop raises itself")),
            "{p:?}"
        );
    }

    #[test]
    fn rejects_one_code_for_two_kinds_of_rule() {
        let bad = FORM_2026_1.replace("code = \"PCT\"", "code = \"PART\"");
        let p = rejected(&bad);
        assert!(
            p.iter()
                .any(|m| m.contains("'PART'") && m.contains("kind 'part'")),
            "{p:?}"
        );
        // Several rules of one kind may share a code, as the default form's PART rules do.
        assert!(Form::default_form().is_ok());
    }
}

#[cfg(test)]
mod derived_sum_tests {
    use super::*;

    /// The default form with its organisations that admitted derived as `derivation`.
    fn with(derivation: &str) -> Result<Form, SpecError> {
        Form::from_toml(&DEFAULT_SPEC.replace(COUNTED_ADMITTING, derivation), "test")
    }

    #[test]
    fn a_sum_adds_counts_and_refuses_anything_else() {
        let ok = with(SUMMED_ADMITTING).unwrap();
        let f = ok.field("tccsd_admitting").unwrap();
        assert_eq!(ok.field_type(f), crate::spec::FieldType::Count);
        let refused = |plus: &str| {
            let spec = SUMMED_ADMITTING.replace(
                "plus = [\"admitted.iii1_co.this\", \"admitted.iii2_co.this\"]",
                plus,
            );
            with(&spec).unwrap_err().to_string()
        };
        assert!(
            refused("plus = [\"admitted.nope.this\"]")
                .contains("no figure with key 'admitted.nope.this'")
        );
        assert!(
            refused("plus = [\"movement.b1.pct\"]").contains("'movement.b1.pct' is not a count")
        );
        assert!(refused("plus = []").contains("empty"));
        assert!(refused("").contains("plus: required"));
    }
}
