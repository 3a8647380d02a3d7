//! The subcommands, one file each; shared options here.

mod archive;
pub mod args;
mod bench;
mod check;
pub mod clicked;
mod completions;
mod decide;
pub mod describe;
mod man;
mod run;
mod samples;
mod targets;
mod template;

use crate::detail::Detail;
use crate::form::Form;
use crate::lang::{Lang, Msg};
use crate::period::Period;
use crate::read::sniff::{DEFAULT_MAX_MEMORY_MIB, Limits};
use anyhow::Result;
use clap::{Args, Parser, Subcommand};
use std::io::Write;
use std::path::PathBuf;

/// Check and consolidate party-member development reports (tổng hợp báo cáo phát triển đảng viên).
#[derive(Debug, Parser)]
#[command(name = "tonghop", version, about, long_about = None)]
pub struct Cli {
    /// The command asked for.
    #[command(subcommand)]
    pub command: Command,
    /// Language of messages: vi (default) or en; also the TONGHOP_LANG environment
    /// variable. Returned workbooks are always in Vietnamese.
    #[arg(long, value_enum, global = true, hide_possible_values = true)]
    pub lang: Option<Lang>,
}

/// The commands, each with its own arguments.
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
    /// The archive of every period recorded: list, show, export, import, close.
    Archive(archive::Args),
    /// The clerk's decisions about units' files (quyet-dinh.toml in the inbox): accept, keep, list, remove.
    Decide(decide::Args),
    /// Generate realistic submissions (some with faults) for trying and testing.
    Samples(samples::Args),
    /// Targets (chỉ tiêu): write the blank workbook, one row per unit.
    Targets(targets::Args),
    /// Measure `run` against a calamine-only floor on generated data.
    Bench(bench::Args),
    /// Print the shell's completion script (bash, zsh, fish, powershell, elvish).
    Completions(completions::Args),
    /// Print the manual page (roff), or write one per command with --out.
    Man(man::Args),
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

/// The optional `--period`, in any of the ways [`Period::parse`] reads.
pub fn parse_period(period: Option<&str>) -> Result<Option<Period>> {
    Ok(period.map(Period::parse).transpose()?)
}

/// An error that ended a command, as the clerk reads it in `lang`: the causes that
/// tonghop's own errors do not already say, joined as anyhow's `{:#}` joins them, with
/// the system's English words (`File exists (os error 17)`) said in Vietnamese.
pub fn error_text(e: &anyhow::Error, lang: Lang) -> String {
    use crate::inbox::InboxError;
    use crate::period::PeriodError;
    use crate::run::RunError;
    use crate::spec::SpecError;
    use crate::write::WriteError;
    // Paths, cells and file contents reach these texts: each piece is escaped
    // (`visible`), so that none drives the terminal; a list keeps its own line breaks.
    let v = |s: &str| crate::text::visible(s).into_owned();
    let spec = |e: &SpecError| match e {
        SpecError::Io { path, source } => format!(
            "{} '{}': {}",
            lang.pick(
                "không đọc được tệp đặc tả biểu mẫu",
                "cannot read form specification"
            ),
            v(path),
            crate::lang::io_text(source, lang)
        ),
        SpecError::Toml { origin, message } => format!(
            "{} '{}' {}: {}",
            lang.pick("tệp đặc tả biểu mẫu", "form specification"),
            v(origin),
            lang.pick("không phải TOML hợp lệ", "is not valid TOML"),
            // The parser's own text points at the line in the file, over several lines.
            message.lines().map(v).collect::<Vec<_>>().join("\n")
        ),
        SpecError::Invalid { origin, problems } => format!(
            "{} '{}' {}:\n{}",
            lang.pick("tệp đặc tả biểu mẫu", "form specification"),
            v(origin),
            lang.pick("có lỗi", "is invalid"),
            problems
                .iter()
                .map(|p| format!("  - {}", v(p)))
                .collect::<Vec<_>>()
                .join("\n")
        ),
    };
    let mut parts = Vec::new();
    for cause in e.chain() {
        // Each known error says its own cause: the chain ends with it.
        let said = if let Some(x) = cause.downcast_ref::<std::io::Error>() {
            crate::lang::io_text(x, lang)
        } else if let Some(x) = cause.downcast_ref::<WriteError>() {
            x.message(lang)
        } else if let Some(x) = cause.downcast_ref::<InboxError>() {
            x.message(lang)
        } else if let Some(x) = cause.downcast_ref::<PeriodError>() {
            x.message(lang)
        } else if let Some(x) = cause.downcast_ref::<crate::deadline::DeadlineError>() {
            x.message(lang)
        } else if let Some(x) = cause.downcast_ref::<SpecError>() {
            parts.push(spec(x));
            break;
        } else if let Some(x) = cause.downcast_ref::<RunError>() {
            match (x, lang) {
                (RunError::Form(x), _) => {
                    parts.push(spec(x));
                    break;
                }
                (RunError::Inbox(x), _) => x.message(lang),
                (RunError::NotAFolder(p), Lang::Vi) => {
                    format!(
                        "không đọc được thư mục bài nộp '{p}': không có, hoặc không phải là thư mục"
                    )
                }
                (RunError::Pool(_), Lang::Vi) => "không khởi động được các luồng xử lý".into(),
                (x, _) => x.to_string(),
            }
        } else {
            parts.push(v(&cause.to_string()));
            continue;
        };
        parts.push(v(&said));
        break;
    }
    parts.join(": ")
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
/// `lang` is the language of messages, as [`args::parse`] settled it.
pub fn run(cli: Cli, lang: Lang) -> Result<u8> {
    // The other commands that write files: Ctrl-C removes the temporary file being
    // written and ends at once (`run` installs it itself, with its staging folder).
    if matches!(
        cli.command,
        Command::Template(_)
            | Command::Samples(_)
            | Command::Targets(_)
            | Command::Decide(_)
            | Command::Archive(_)
    ) {
        crate::interrupt::install(lang);
    }
    match cli.command {
        Command::Template(a) => template::run(a, lang),
        Command::Describe(a) => describe::run(a, lang),
        Command::Check(a) => check::run(a, lang),
        Command::Run(a) => run::run(a, lang),
        Command::Archive(a) => archive::run(a, lang),
        Command::Decide(a) => decide::run(a, lang),
        Command::Samples(a) => samples::run(a, lang),
        Command::Targets(a) => targets::run(a, lang),
        Command::Bench(a) => bench::run(a, lang),
        Command::Completions(a) => completions::run(a, lang),
        Command::Man(a) => man::run(a, lang),
        Command::BenchFloor(a) => bench::run_floor(a),
    }
}

const MIB: u64 = 1024 * 1024;

/// The largest `--max-file-mib`: a file is read into memory whole, and 16 GiB is far
/// beyond any form; the bound also keeps `MIB * value` from wrapping to a 0-byte limit.
pub const MAX_FILE_MIB: u64 = 16 * 1024;
/// The largest `--max-unzipped-mib` (64 GiB inflated), for the same reasons.
pub const MAX_UNZIPPED_MIB: u64 = 64 * 1024;

/// What a file may cost to read, as `run` and `check` take it. Each bound is checked by
/// clap, so a typo (`--max-file-mib 17592186044416`) is an error that names the flag,
/// never a limit that wrapped to 0 and refuses every file.
#[derive(Debug, Clone, Args)]
pub struct LimitsArg {
    /// Refuse files larger than this many MiB (1 to 16384).
    #[arg(long, default_value_t = 50, value_name = "MIB",
          value_parser = clap::value_parser!(u64).range(1..=MAX_FILE_MIB))]
    pub max_file_mib: u64,
    /// Refuse workbooks that inflate to more than this many MiB, in one part or in all (1 to 65536).
    #[arg(long, default_value_t = 300, value_name = "MIB",
          value_parser = clap::value_parser!(u64).range(1..=MAX_UNZIPPED_MIB))]
    pub max_unzipped_mib: u64,
    /// Refuse a part over 1 MiB that inflates more than this many times its compressed size (2 to 1000000).
    #[arg(long, default_value_t = Limits::default().max_ratio, value_name = "RATIO",
          value_parser = clap::value_parser!(u64).range(2..=1_000_000))]
    pub max_zip_ratio: u64,
    /// Memory the whole run may use to read files, shared by all jobs, in MiB (64 to
    /// 1048576); a file needing more alone is refused (FILE_SIZE).
    #[arg(long, default_value_t = DEFAULT_MAX_MEMORY_MIB, value_name = "MIB",
          value_parser = clap::value_parser!(u64).range(64..=1_048_576))]
    pub max_memory_mib: u64,
}

impl LimitsArg {
    /// The limits in bytes; the ranges above keep every product far from overflowing.
    pub fn limits(&self) -> Limits {
        Limits {
            max_file_bytes: self.max_file_mib * MIB,
            max_total_bytes: self.max_unzipped_mib * MIB,
            max_entry_bytes: self.max_unzipped_mib * MIB,
            max_ratio: self.max_zip_ratio,
            max_memory_bytes: self.max_memory_mib * MIB,
        }
    }
}

/// Most faults `samples` and `bench` inject per faulty unit: more than a form has cells
/// to break.
pub const MAX_FAULTS: u64 = 1_000;
/// Most units `samples` generates: far beyond any province, well within memory.
pub const MAX_UNITS: u64 = 100_000;
/// Most table rows per unit `samples` writes: what one Excel sheet can hold below the
/// form's header.
pub const MAX_ROWS: u64 = 1_000_000;

/// Most worker threads `--jobs` starts, whatever it asks: each thread holds a workbook in
/// memory, so 20,000 of them would exhaust the machine long before they helped.
pub fn max_jobs(cores: usize) -> usize {
    cores.saturating_mul(4).clamp(4, 256)
}

/// `--jobs` as a thread count: absent or 0 is one per core; more than [`max_jobs`] is
/// capped, with the message saying so.
pub fn resolve_jobs(asked: Option<usize>, cores: usize) -> (usize, Option<Msg>) {
    let cores = cores.max(1);
    match asked {
        None | Some(0) => (cores, None),
        Some(n) if n > max_jobs(cores) => {
            let cap = max_jobs(cores);
            let msg = Msg::new(
                format!(
                    "--jobs {n} quá nhiều cho máy có {cores} nhân; dùng {cap} luồng (tối đa 4 luồng mỗi nhân, không quá 256)."
                ),
                format!(
                    "--jobs {n} is too many for a machine with {cores} cores; using {cap} threads (at most 4 per core, 256 in all)."
                ),
            );
            (cap, Some(msg))
        }
        Some(n) => (n, None),
    }
}

/// The `--jobs` flag's parser: a number clap can check before anything runs.
pub fn jobs_parser() -> clap::builder::RangedU64ValueParser<usize> {
    clap::builder::RangedU64ValueParser::<usize>::new().range(0..=1_000_000)
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
    /// The two flags (which clap refuses together) as one policy.
    pub fn policy(&self) -> Detail {
        match (self.detail, self.no_detail) {
            (true, _) => Detail::Always,
            (_, true) => Detail::Never,
            _ => Detail::Auto,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn jobs_zero_is_one_per_core_and_too_many_is_capped_with_a_message() {
        assert_eq!(resolve_jobs(None, 6), (6, None));
        assert_eq!(resolve_jobs(Some(0), 6), (6, None));
        assert_eq!(resolve_jobs(Some(3), 6), (3, None));
        assert_eq!(resolve_jobs(Some(24), 6), (24, None));
        let (n, msg) = resolve_jobs(Some(20_000), 2);
        assert_eq!(n, 8);
        let msg = msg.unwrap();
        assert!(
            msg.vi.contains("20000") && msg.vi.contains("dùng 8"),
            "{}",
            msg.vi
        );
        assert_eq!(resolve_jobs(Some(20_000), 512).0, 256);
        assert_eq!(resolve_jobs(Some(3), 1), (3, None));
    }

    #[test]
    fn limits_never_wrap() {
        let a = LimitsArg {
            max_file_mib: MAX_FILE_MIB,
            max_unzipped_mib: MAX_UNZIPPED_MIB,
            max_zip_ratio: 1_000_000,
            max_memory_mib: 1_048_576,
        };
        let l = a.limits();
        assert_eq!(l.max_file_bytes, 16 << 30);
        assert_eq!(l.max_entry_bytes, 64 << 30);
        assert_eq!(l.max_memory_bytes, 1 << 40);
    }
}
