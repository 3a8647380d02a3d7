//! tonghop: check and consolidate the party-member development reports that subordinate
//! party committees submit as spreadsheets.
//!
//! The modules read as the pipeline, each stage taking the previous one's data and
//! knowing nothing of the later ones:
//!
//! - base: [`text`] (text as clerks type it), [`lang`] (languages and number notation),
//!   [`cellref`] (cell addresses), [`period`], [`finding`] (findings as data);
//! - [`spec`]: the form specification and its layout; [`rules`]: the rule kinds, each
//!   resolved against the layout; [`form`]: the two together;
//! - [`read`] (bytes to raw cells) → [`extract`] (cells to typed figures) → [`rules`]
//!   (figures to findings) → [`submission`] (what became of each file) →
//!   [`consolidate`] (accepted reports to provincial totals) → [`deadline`] (who is late,
//!   whom to chase) → [`write`] (workbooks, report.json and the chasing list);
//! - [`inbox`] lists the files, [`pipeline`] runs the per-file stages in parallel,
//!   [`detail`] decides whether table rows are kept, [`guard`] keeps a dependency's
//!   panic to its file, and [`run`] is the main job end to end, holding OUT's [`lock`]
//!   and stopping cleanly on a signal ([`interrupt`]);
//! - tools beside the pipeline: [`samples`] (generated submissions), [`prefill`] (the
//!   figures the archive writes into a unit's form before it is sent), [`bench`], and
//!   [`cmd`], the command line.
//!
//! Load a form and check one file's bytes:
//!
//! ```
//! use tonghop::form::Form;
//! use tonghop::pipeline::{Options, process_bytes};
//! let form = Form::default_form().unwrap();
//! let out = process_bytes(&form, b"", &Options::default());
//! assert_eq!(out.findings[0].code.as_str(), "FILE_EMPTY");
//! ```

pub mod archive;
pub mod bench;
pub mod cellref;
pub mod cmd;
pub mod compare;
pub mod consolidate;
pub mod deadline;
pub mod decision;
pub mod detail;
pub mod extract;
pub mod finding;
pub mod form;
pub mod guard;
pub mod history;
pub mod inbox;
pub mod interrupt;
pub mod keep;
pub mod lang;
pub mod lock;
pub mod period;
pub mod pipeline;
pub mod prefill;
pub mod read;
pub mod rules;
pub mod run;
pub mod samples;
pub mod spec;
pub mod submission;
pub mod summary;
pub mod targets;
pub mod term;
pub mod text;
pub mod timing;
pub mod write;
