//! The form specification: a TOML file that declares the sheets, input cells, row tables,
//! expected units and rules of a form. It is parsed into plain serde types (`file`),
//! checked field by field with `validator`, then resolved into [`Form`], whose references
//! are indices, so later stages never look a key up by name or meet a dangling one.

pub mod cellref;
mod file;
mod resolve;

pub use cellref::Pos;
pub use resolve::*;

use std::path::Path;

/// The default form, shipped in `templates/` and embedded so the binary works alone.
pub const DEFAULT_SPEC: &str = include_str!("../../templates/phat-trien-dang-vien.toml");

/// Why a form specification was rejected. Each names the key and the reason so the
/// author can fix the file without reading code.
#[derive(Debug, thiserror::Error)]
pub enum SpecError {
    #[error("cannot read form specification '{path}'")]
    Io {
        path: String,
        #[source]
        source: std::io::Error,
    },
    #[error("form specification '{origin}' is not valid TOML: {message}")]
    Toml { origin: String, message: String },
    #[error("form specification '{origin}' is invalid:\n{}", .problems.iter().map(|p| format!("  - {p}")).collect::<Vec<_>>().join("\n"))]
    Invalid {
        origin: String,
        problems: Vec<String>,
    },
}

impl Form {
    /// The embedded default form.
    pub fn default_form() -> Result<Form, SpecError> {
        Form::from_toml(
            DEFAULT_SPEC,
            "templates/phat-trien-dang-vien.toml (embedded)",
        )
    }

    /// Load `path`, or the embedded default when `None`.
    pub fn load(path: Option<&Path>) -> Result<Form, SpecError> {
        match path {
            None => Form::default_form(),
            Some(p) => {
                let text = std::fs::read_to_string(p).map_err(|source| SpecError::Io {
                    path: p.display().to_string(),
                    source,
                })?;
                Form::from_toml(&text, &p.display().to_string())
            }
        }
    }

    /// Parse, validate and resolve a specification held in memory.
    ///
    /// ```
    /// use tonghop::spec::{Form, DEFAULT_SPEC};
    /// let form = Form::from_toml(DEFAULT_SPEC, "default").unwrap();
    /// assert_eq!(form.unit_by_code("tgi"), form.unit_by_name("HUYỆN TUẦN GIÁO"));
    /// // A bad specification names the key and the reason.
    /// let bad = DEFAULT_SPEC.replace("cell = \"C10\"", "cell = \"C0\"");
    /// let err = Form::from_toml(&bad, "bad.toml").unwrap_err().to_string();
    /// assert!(err.contains("cells[") && err.contains("C0"));
    /// ```
    pub fn from_toml(text: &str, origin: &str) -> Result<Form, SpecError> {
        let raw: file::SpecFile = toml::from_str(text).map_err(|e| SpecError::Toml {
            origin: origin.to_string(),
            message: e.to_string(),
        })?;
        // Field checks and cross-references both run, so one pass names every problem.
        let mut problems = file::validate(&raw);
        match resolve::resolve(raw) {
            Ok(mut form) if problems.is_empty() => {
                form.source = text.to_string();
                return Ok(form);
            }
            Ok(_) => {}
            Err(p) => problems.extend(p),
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
    fn default_form_loads() {
        let f = Form::default_form().unwrap();
        assert_eq!(f.id, "phat-trien-dang-vien");
        assert_eq!(f.units.len(), 15);
        assert_eq!(f.sheets.len(), 5);
        assert!(f.rules.iter().any(|r| r.code == "BALANCE"));
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
        let bad = DEFAULT_SPEC.replace("cell = \"C10\"", "cell = \"C0\"");
        let p = rejected(&bad);
        assert!(
            p.iter()
                .any(|m| m.contains("cells[") && m.contains("cell") && m.contains("C0")),
            "{p:?}"
        );
    }

    #[test]
    fn rejects_unknown_key_in_rule() {
        let bad = DEFAULT_SPEC.replace("result = \"members_end\"", "result = \"members_ned\"");
        let p = rejected(&bad);
        assert!(p.iter().any(|m| m.contains("members_ned")), "{p:?}");
    }

    #[test]
    fn rejects_duplicate_unit_codes_and_bad_tolerance() {
        let bad = DEFAULT_SPEC
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
        let bad = DEFAULT_SPEC.replacen("required = true", "requird = true", 1);
        let e = Form::from_toml(&bad, "x").unwrap_err().to_string();
        assert!(e.contains("requird"), "{e}");
    }

    #[test]
    fn rejects_two_inputs_on_one_cell() {
        let bad = DEFAULT_SPEC.replace("cell = \"C11\"", "cell = \"C10\"");
        let p = rejected(&bad);
        assert!(
            p.iter().any(|m| m.contains("C10") && m.contains("phone")),
            "{p:?}"
        );
    }
}
