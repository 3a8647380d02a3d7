//! `tonghop bench` and the hidden `tonghop bench-floor` it times (see [`crate::bench`]).

use super::{jobs_parser, print, resolve_jobs};
use crate::bench::{self, Config, SCENARIOS};
use anyhow::{Context as _, Result, bail};
use std::path::PathBuf;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Scenario: a (49 units x 40 rows), b (2,000 x 40), c (10,000 x 40), d (50 x 20,000), e (50,000 x 5), f (10 x 10,000 formula rows as .ods and .xls, needs LibreOffice), several separated by commas, or all.
    #[arg(long, default_value = "all")]
    scenario: String,
    /// Submissions in each scenario chosen, instead of its own number (to measure at another scale).
    #[arg(long, value_parser = clap::builder::RangedU64ValueParser::<usize>::new().range(1..=super::MAX_UNITS))]
    units: Option<usize>,
    /// Table rows in every submission, instead of the scenario's own number.
    #[arg(long, value_parser = clap::builder::RangedU64ValueParser::<usize>::new().range(0..=super::MAX_ROWS))]
    rows: Option<usize>,
    /// Threads for the run and the floor (default, or 0: one per core; at most 4 per core). Scenario b is also measured with 1.
    #[arg(long, value_parser = jobs_parser())]
    jobs: Option<usize>,
    /// Keep the generated data in DIR and reuse it on the next bench (default: a temporary folder, removed).
    #[arg(long, value_name = "DIR")]
    keep: Option<PathBuf>,
    /// Print the figures as JSON instead of a table.
    #[arg(long)]
    json: bool,
    /// Measure each case this many times and report the fastest (1 to 100).
    #[arg(long, default_value_t = 3,
          value_parser = clap::builder::RangedU64ValueParser::<usize>::new().range(1..=100))]
    repeat: usize,
    /// Faults injected in one unit in five, as `tonghop samples --faults` (default: clean submissions).
    #[arg(long, default_value_t = 0,
          value_parser = clap::builder::RangedU64ValueParser::<usize>::new().range(0..=super::MAX_FAULTS))]
    faults: usize,
    /// Seed of the generated data.
    #[arg(long, default_value_t = 2026)]
    seed: u64,
}

pub fn run(a: Args, lang: crate::lang::Lang) -> Result<u8> {
    let all = a.scenario.eq_ignore_ascii_case("all");
    let mut scenarios = if all {
        SCENARIOS.to_vec()
    } else {
        let mut v = Vec::new();
        for id in a.scenario.split(',') {
            match bench::scenario(id.trim()) {
                Some(s) => v.push(s),
                None => bail!(
                    "--scenario '{id}': {}",
                    lang.pick(
                        "không có kịch bản này; hãy chọn a, b, c, d, e, f hoặc all",
                        "expected a, b, c, d, e, f or all"
                    )
                ),
            }
        }
        v
    };
    for s in &mut scenarios {
        s.units = a.units.unwrap_or(s.units);
        s.rows = a.rows.unwrap_or(s.rows);
    }
    // Asked for by name, a scenario LibreOffice must save fails below, saying so; among
    // all of them it is left out and the report says why.
    let mut skipped = Vec::new();
    if all && bench::find_libreoffice().is_none() {
        scenarios.retain(|s| {
            let keep = !s.needs_libreoffice();
            if !keep {
                skipped.push(format!(
                    "({}) {}: LibreOffice (soffice) not found, it saves these files",
                    s.id,
                    s.title()
                ));
            }
            keep
        });
    }
    let (jobs, capped) = resolve_jobs(a.jobs, bench::cores());
    if let Some(msg) = capped {
        eprintln!("tonghop: {}", msg.get(lang));
    }
    let exe = std::env::current_exe().context("cannot locate the tonghop binary to time")?;
    let cfg = Config {
        scenarios,
        jobs,
        repeat: a.repeat,
        faults: a.faults,
        seed: a.seed,
        keep: a.keep,
        exe,
        skipped,
    };
    let report = bench::run(&cfg)?;
    if a.json {
        print(&(serde_json::to_string_pretty(&report)? + "\n"))?;
    } else {
        print(&report.table())?;
    }
    Ok(0)
}

#[derive(Debug, clap::Args)]
pub struct FloorArgs {
    /// Folder of workbooks, listed as `run` lists them.
    inbox: PathBuf,
    /// Threads (default: one per core).
    #[arg(long, value_parser = jobs_parser())]
    jobs: Option<usize>,
    /// Only inflate every part of every package, parsing nothing: the least that reading
    /// these files can cost.
    #[arg(long)]
    inflate: bool,
}

/// Read every cell of every sheet of every workbook with calamine alone (or only inflate
/// their parts) and print the count.
pub fn run_floor(a: FloorArgs) -> Result<u8> {
    let (jobs, _) = resolve_jobs(a.jobs, bench::cores());
    let count = bench::floor(&a.inbox, jobs, a.inflate)?;
    print(&format!("{}\n", count.line()))?;
    Ok(u8::from(count.failed > 0))
}
