//! The subcommands, one file each; shared options here.

mod bench;
mod check;
mod describe;
mod run;
mod samples;
mod template;

use crate::finding::Lang;
use crate::pipeline::Detail;
use crate::rules::Context;
use crate::spec::Form;
use crate::text::date::parse_date_text;
use anyhow::{Context as _, Result, bail};
use clap::{Args, Parser, Subcommand};
use std::path::PathBuf;

/// Check and consolidate party-member development reports (tổng hợp báo cáo phát triển đảng viên).
#[derive(Debug, Parser)]
#[command(name = "tonghop", version, about, long_about = None)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Write the blank form (Excel workbook) to send to the units.
    Template(template::Args),
    /// Show the form: units, input cells, tables and rules.
    Describe(describe::Args),
    /// Check files or folders and print the findings; writes nothing.
    Check(check::Args),
    /// Check a folder of submissions and write the consolidated workbook, the returned workbooks and report.json.
    Run(run::Args),
    /// Generate realistic submissions (some with faults) for trying and testing.
    Samples(samples::Args),
    /// Measure `run` against a calamine-only floor on generated data.
    Bench(bench::Args),
    /// The floor `bench` times: read every cell of every workbook with calamine, nothing else.
    #[command(hide = true)]
    BenchFloor(bench::FloorArgs),
}

/// Options every command that reads a form takes.
#[derive(Debug, Clone, Args)]
pub struct FormArg {
    /// Form specification (TOML); default: the embedded phat-trien-dang-vien form.
    #[arg(long, value_name = "FILE")]
    pub form: Option<PathBuf>,
}

impl FormArg {
    pub fn load(&self) -> Result<Form> {
        Ok(Form::load(self.form.as_deref())?)
    }
}

/// Parse `FROM..TO` (dd/mm/yyyy or yyyy-mm-dd).
pub fn parse_period(s: &str) -> Result<Context> {
    let Some((a, b)) = s.split_once("..") else {
        bail!("--period '{s}' must be FROM..TO, e.g. 01/01/2026..30/06/2026")
    };
    let from = parse_date_text(a)
        .ok()
        .with_context(|| format!("--period: '{a}' is not a date (dd/mm/yyyy)"))?;
    let to = parse_date_text(b)
        .ok()
        .with_context(|| format!("--period: '{b}' is not a date (dd/mm/yyyy)"))?;
    if from > to {
        bail!("--period: {a} is after {b}");
    }
    Ok(Context {
        period: Some((from, to)),
    })
}

/// The run's context from an optional `--period`.
pub fn period_context(period: Option<&str>) -> Result<Context> {
    Ok(period.map(parse_period).transpose()?.unwrap_or_default())
}

/// Run a parsed command line; the number is the process exit code.
pub fn run(cli: Cli) -> Result<u8> {
    match cli.command {
        Command::Template(a) => template::run(a),
        Command::Describe(a) => describe::run(a),
        Command::Check(a) => check::run(a),
        Command::Run(a) => run::run(a),
        Command::Samples(a) => samples::run(a),
        Command::Bench(a) => bench::run(a),
        Command::BenchFloor(a) => bench::run_floor(a),
    }
}

/// The language flag shared by commands that print findings.
#[derive(Debug, Clone, Args)]
pub struct LangArg {
    /// Language of messages: vi (default) or en. Returned workbooks are always in Vietnamese.
    #[arg(long, value_enum, default_value = "vi")]
    pub lang: Lang,
}

/// `--detail` / `--no-detail`; neither: the detail is written up to
/// [`crate::pipeline::DETAIL_AUTO_ROWS`] table rows read in all.
#[derive(Debug, Clone, Args)]
pub struct DetailArg {
    /// Always write the per-organisation detail (Chi tiết sheets, table rows in report.json).
    #[arg(long, conflicts_with = "no_detail")]
    pub detail: bool,
    /// Never write the per-organisation detail.
    #[arg(long)]
    pub no_detail: bool,
}

impl DetailArg {
    pub fn policy(&self) -> Detail {
        match (self.detail, self.no_detail) {
            (true, _) => Detail::Always,
            (_, true) => Detail::Never,
            _ => Detail::Auto,
        }
    }
}
