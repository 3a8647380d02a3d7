//! `tonghop template`: the blank form to send to the units.

use super::{FormArg, print};
use crate::write::{
    form::{FormData, Marks, write_form},
    new_workbook, save, xlsx_err,
};
use anyhow::Result;
use std::path::PathBuf;

#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(flatten)]
    form: FormArg,
    /// Where to write the blank form; default: <form id>.xlsx in the current folder.
    #[arg(long, value_name = "FILE")]
    out: Option<PathBuf>,
}

pub fn run(a: Args) -> Result<u8> {
    let form = a.form.load()?;
    let out = a
        .out
        .unwrap_or_else(|| PathBuf::from(format!("{}.xlsx", form.id)));
    let mut wb = new_workbook(&form.title);
    write_form(&mut wb, &form, None::<&FormData>, &Marks::default(), true)
        .map_err(xlsx_err(&out))?;
    save(&mut wb, &out)?;
    print(&format!("{}\n", out.display()))?;
    Ok(0)
}
