//! `tonghop man`: the manual page (roff), generated from the same definitions as the
//! parse and `--help`, so the two cannot disagree.

use super::{args, stdout};
use crate::lang::Lang;
use anyhow::{Context as _, Result};
use std::io::Write;
use std::path::PathBuf;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Write tonghop.1 and one page per command (tonghop-run.1, ...) into DIR instead of printing tonghop.1.
    #[arg(long, value_name = "DIR")]
    out: Option<PathBuf>,
}

pub fn run(a: Args, lang: Lang) -> Result<u8> {
    let cmd = args::command(lang);
    match a.out {
        Some(dir) => {
            std::fs::create_dir_all(&dir)
                .and_then(|()| clap_mangen::generate_to(cmd, &dir))
                .with_context(|| {
                    format!(
                        "{} '{}'",
                        lang.pick(
                            "không ghi được trang hướng dẫn vào",
                            "cannot write the manual pages into"
                        ),
                        dir.display()
                    )
                })?;
        }
        None => {
            let mut out = stdout();
            clap_mangen::Man::new(cmd).render(&mut out)?;
            out.flush()?;
        }
    }
    Ok(0)
}
