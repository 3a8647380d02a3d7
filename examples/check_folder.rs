//! Check a folder of submissions with tonghop as a library, write nothing, and print
//! each file's status and the province's members admitted and on the roll: what a
//! province's own tool would do with the crate instead of the `tonghop` program.
//!
//! `cargo run --release --example check_folder -- samples`

use tonghop::consolidate::consolidate;
use tonghop::detail::Tracker;
use tonghop::form::Form;
use tonghop::inbox::list_inputs;
use tonghop::pipeline::{Options, process_all};
use tonghop::submission::Status;

fn main() -> anyhow::Result<()> {
    let folder = std::env::args()
        .nth(1)
        .ok_or_else(|| anyhow::anyhow!("usage: check_folder FOLDER"))?;
    let form = Form::default_form()?;
    let (inputs, skipped) = list_inputs(folder.as_ref())?;
    let opts = Options::default();
    let tracker = Tracker::new(Default::default());
    let subs = process_all(&form, &inputs, &opts, &tracker);
    let c = consolidate(&form, subs, false, None);
    for s in &c.submissions {
        let errors = s.findings.iter().filter(|f| f.is_error()).count();
        let status = match s.status {
            Status::Accepted => "accepted",
            Status::Rejected => "to return",
            Status::Unreadable => "unreadable",
            Status::Duplicate => "duplicate",
            Status::UnknownUnit => "unknown unit",
        };
        println!("{:<28} {status:<12} {errors} error(s)", s.file);
    }
    for s in &skipped {
        println!("{:<28} skipped", s.file);
    }
    // The province's figures, by the keys report.json uses.
    for key in ["movement.b1.this", "movement.d.this"] {
        let f = form.field(key).expect("a figure of the default form");
        let total = c.totals.iter().find(|(g, _)| *g == f).and_then(|(_, v)| *v);
        println!("{} ({key}): {total:?}", form.field_label(f, true));
    }
    Ok(())
}
