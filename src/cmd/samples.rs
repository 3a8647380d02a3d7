//! `tonghop samples`: realistic submissions, some with faults at known cells.

use super::{FormArg, MAX_FAULTS, MAX_ROWS, MAX_UNITS, print};
use crate::period::Period;
use crate::samples::{SampleOptions, default_units, generate};
use anyhow::{Result, bail};
use clap::builder::RangedU64ValueParser;
use std::path::PathBuf;

#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(flatten)]
    form: FormArg,
    /// Folder to write the submissions into.
    #[arg(long, value_name = "DIR")]
    out: PathBuf,
    /// Number of units (default: every unit the form expects for the period). More adds synthetic units and writes DIR/form.toml.
    #[arg(long, value_parser = RangedU64ValueParser::<usize>::new().range(1..=MAX_UNITS))]
    units: Option<usize>,
    /// Table rows per unit (default: 10 to 60, drawn per unit).
    #[arg(long, value_parser = RangedU64ValueParser::<usize>::new().range(0..=MAX_ROWS))]
    rows: Option<usize>,
    /// Random seed: the same seed gives the same files.
    #[arg(long, default_value_t = 2026)]
    seed: u64,
    /// Faults injected in each faulty unit (listed in DIR/faults.json).
    #[arg(long, default_value_t = 0, value_parser = RangedU64ValueParser::<usize>::new().range(0..=MAX_FAULTS))]
    faults: usize,
    /// How many units get faults (default: one in five).
    #[arg(long, value_parser = RangedU64ValueParser::<usize>::new().range(0..=MAX_UNITS))]
    faulty_units: Option<usize>,
    /// Period written in the submissions (written as for run --period).
    #[arg(long, default_value = "01/01/2026..30/06/2026")]
    period: String,
    /// Continue the periods of this archive: each unit starts where it ended the previous period and repeats last year's figures as Cùng kỳ năm trước.
    #[arg(long, value_name = "FILE")]
    archive: Option<PathBuf>,
    /// With --archive: units whose start is not the previous period's end (faults.json lists them as CARRY).
    #[arg(long, default_value_t = 0, requires = "archive")]
    carry_faults: usize,
    /// Write every table figure as a formula with its value (=3+0 showing 3), as hand-built sheets have them.
    #[arg(long)]
    formulas: bool,
}

pub fn run(a: Args, lang: crate::lang::Lang) -> Result<u8> {
    let form = a.form.load()?;
    let period = Period::parse(&a.period)?;
    let past = match &a.archive {
        Some(path) => Some(
            crate::samples::SamplePast::from_archive(path, &form, period, a.carry_faults)
                .map_err(|e| anyhow::anyhow!(e.message(lang)))?,
        ),
        None => None,
    };
    let units = a.units.unwrap_or(default_units(&form, period));
    if units == 0 {
        bail!(
            "{}",
            lang.pick("--units phải ít nhất là 1", "--units must be at least 1")
        );
    }
    std::fs::create_dir_all(&a.out)?;
    let opts = SampleOptions {
        units,
        rows: a.rows,
        seed: a.seed,
        faults: a.faults,
        faulty_units: a.faulty_units,
        period,
        past,
        formulas: a.formulas,
    };
    let (files, faults) = generate(&form, &a.out, &opts)?;
    let (n, f) = (
        lang.count(files.len() as u64),
        lang.count(faults.len() as u64),
    );
    let dir = a.out.display();
    print(&match lang {
        crate::lang::Lang::Vi => format!("Đã ghi {n} tệp, {f} lỗi cài sẵn vào {dir}\n"),
        crate::lang::Lang::En => format!("{n} files, {f} faults written to {dir}\n"),
    })?;
    Ok(0)
}
