//! `tonghop targets template`: the blank targets workbook, one row per unit of the
//! period and one for the province, one column per target of the form (and per term
//! target when the form declares a term).

use super::{FormArg, parse_period};
use anyhow::Result;
use std::path::PathBuf;

#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(subcommand)]
    command: Sub,
}

#[derive(Debug, clap::Subcommand)]
enum Sub {
    /// Write the blank targets workbook that `run --targets` and `archive import-targets` read.
    Template(TemplateArgs),
}

#[derive(Debug, clap::Args)]
struct TemplateArgs {
    /// Where to write it (.xlsx).
    #[arg(long, value_name = "FILE")]
    out: PathBuf,
    /// The period the targets are for: its units are listed and its dates filled in.
    #[arg(long)]
    period: Option<String>,
    #[command(flatten)]
    form: FormArg,
}

pub fn run(a: Args, lang: crate::lang::Lang) -> Result<u8> {
    match a.command {
        Sub::Template(a) => {
            let form = a.form.load()?;
            if form.targets.is_empty() {
                anyhow::bail!(
                    "{}",
                    lang.pick(
                        "biểu mẫu không có chỉ tiêu nào ([form] targets)",
                        "the form declares no target ([form] targets)"
                    )
                );
            }
            let period = parse_period(a.period.as_deref())?;
            crate::write::targets::template(&a.out, &form, period, lang)?;
            super::print(&format!("{}\n", a.out.display()))?;
            Ok(0)
        }
    }
}
