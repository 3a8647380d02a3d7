//! The form specification: a TOML file that declares the sheets, input cells, row tables,
//! expected units and rules of a form. It is parsed into plain serde types (`file`),
//! checked field by field with `validator`, then resolved into a [`Layout`], whose
//! references are indices, so later stages never look a key up by name or meet a
//! dangling one. The `[[rules]]` are resolved against the layout by [`crate::rules`];
//! [`crate::form::Form`] puts the two together.

mod derived;
mod file;
mod lists;
mod report;
mod resolve;
mod units;

pub use derived::{Derivation, Derived};
pub use file::RuleFile;
pub use lists::{List, ListRow, RowStyle, match_key};
pub use report::Paper;
pub use resolve::*;
pub use units::{MAX_LISTED, Predecessor, Roster, Unit};

/// Why a form specification was rejected. Each names the key and the reason so the
/// author can fix the file without reading code.
#[derive(Debug, thiserror::Error)]
pub enum SpecError {
    /// The file could not be read.
    #[error("cannot read form specification '{path}'")]
    Io {
        /// The file.
        path: String,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// The file is not TOML, or not of the specification's shape.
    #[error("form specification '{origin}' is not valid TOML: {message}")]
    Toml {
        /// Where the text came from.
        origin: String,
        /// The parser's message, with the line.
        message: String,
    },
    /// The file is of the right shape but some of its values are wrong.
    #[error("form specification '{origin}' is invalid:\n{}", .problems.iter().map(|p| format!("  - {p}")).collect::<Vec<_>>().join("\n"))]
    Invalid {
        /// Where the text came from.
        origin: String,
        /// Every problem, as `key: reason`, sorted.
        problems: Vec<String>,
    },
}

/// A specification parsed and its layout resolved; its rules still to resolve.
#[derive(Debug)]
pub struct Parsed {
    /// The layout, built even when it has problems (references to index 0).
    pub layout: Layout,
    /// The `[[rules]]` tables as written.
    pub rules: Vec<RuleFile>,
    /// Field checks and references that failed, as `key: reason`.
    pub problems: Vec<String>,
}

/// Parse a specification and resolve its layout. Only a text that is not TOML of the
/// specification's shape is an `Err`; every other problem is listed in
/// [`Parsed::problems`], so one pass names them all.
pub fn parse(text: &str, origin: &str) -> Result<Parsed, SpecError> {
    let raw: file::SpecFile = toml::from_str(text).map_err(|e| SpecError::Toml {
        origin: origin.to_string(),
        message: e.to_string(),
    })?;
    let mut problems = file::validate(&raw);
    let (layout, more) = resolve::resolve(&raw);
    problems.extend(more);
    Ok(Parsed {
        layout,
        rules: raw.rules,
        problems,
    })
}
