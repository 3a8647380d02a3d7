//! `tonghop completions SHELL`: the shell's completion script, generated from the same
//! definitions as the parse (descriptions in the language asked for), so that it never
//! offers a flag tonghop does not take.

use super::{args, stdout};
use crate::lang::Lang;
use anyhow::Result;
use std::io::Write;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// The shell: bash, zsh, fish, powershell or elvish.
    #[arg(value_enum)]
    shell: clap_complete::Shell,
}

pub fn run(a: Args, lang: Lang) -> Result<u8> {
    let mut cmd = args::command(lang);
    let mut out = stdout();
    clap_complete::generate(a.shell, &mut cmd, "tonghop", &mut out);
    out.flush()?;
    Ok(0)
}
