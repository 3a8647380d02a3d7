//! The subcommands, one file each; shared options here.

mod bench;
mod check;
pub mod describe;
mod run;
mod samples;
mod template;

use crate::detail::Detail;
use crate::form::Form;
use crate::lang::Lang;
use crate::period::Period;
use anyhow::Result;
use clap::{Args, Parser, Subcommand};
use std::io::Write;
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
    /// The form asked for: `--form`, else the `TONGHOP_FORM` environment variable (a
    /// province that collects on another form sets it once), else the default.
    pub fn path(&self) -> Option<PathBuf> {
        self.form
            .clone()
            .or_else(|| std::env::var_os("TONGHOP_FORM").map(PathBuf::from))
    }

    /// The form asked for, loaded.
    pub fn load(&self) -> Result<Form> {
        Ok(Form::load(self.path().as_deref())?)
    }
}

/// The optional `--period FROM..TO`.
pub fn parse_period(period: Option<&str>) -> Result<Option<Period>> {
    Ok(period.map(Period::parse).transpose()?)
}

/// Standard output, buffered: a command's lines are written through it so that a closed
/// pipe (`tonghop check ... | head`) is an error to return, not a panic.
pub fn stdout() -> std::io::BufWriter<std::io::StdoutLock<'static>> {
    std::io::BufWriter::new(std::io::stdout().lock())
}

/// Whether `e` is, somewhere in its chain, a write to a closed pipe: the reader has
/// all it wants, and the command ends quietly, as ripgrep does.
pub fn is_broken_pipe(e: &anyhow::Error) -> bool {
    e.chain().any(|c| {
        let kind = match c.downcast_ref::<std::io::Error>() {
            Some(io) => Some(io.kind()),
            // serde_json's error holds the io::Error without giving it as its source.
            None => c
                .downcast_ref::<serde_json::Error>()
                .and_then(serde_json::Error::io_error_kind),
        };
        kind == Some(std::io::ErrorKind::BrokenPipe)
    })
}

/// Write `text` to standard output and flush it.
pub fn print(text: &str) -> Result<()> {
    let mut out = stdout();
    out.write_all(text.as_bytes())?;
    out.flush()?;
    Ok(())
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
/// [`crate::detail::DETAIL_AUTO_ROWS`] table rows read in all.
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
