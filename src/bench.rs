//! `tonghop bench`: how fast `tonghop run` is, measured against a floor that reads the same
//! files with calamine alone.
//!
//! For each scenario the data is generated first, with [`crate::samples::generate`], and
//! kept out of the timing. Then two child processes of this very binary are timed from
//! spawn to exit, on the same files and the same number of threads:
//!
//! - the **floor**, `tonghop bench-floor INBOX --jobs N`: every file read into memory and
//!   opened with calamine (`open_workbook_auto_from_rs`), every cell of every sheet read
//!   with `worksheet_range`, in a rayon pool of N threads; no validation, no output;
//! - the **inflate-only limit**, `tonghop bench-floor INBOX --inflate --jobs N`: every part
//!   of every package inflated into nothing, not parsed (a file that is not a zip package
//!   is read whole): what reading these files costs at the least;
//! - the **run**, `tonghop run INBOX --out OUT --quiet --jobs N [--form F]`: the real job,
//!   outputs included;
//! - the **check**, `tonghop check INBOX [--form F]` on N threads (`RAYON_NUM_THREADS`):
//!   reading and validating every file, writing nothing.
//!
//! Both are separate processes so that start-up, exit and peak memory are measured the same
//! way: wall time around spawn and `wait4`, peak resident memory (`ru_maxrss`) and CPU time
//! from the child's `rusage`. Each measurement is repeated; the fastest wall time is kept,
//! and the highest peak memory. Where a scenario is measured at two thread counts, their
//! rounds take turns, so that a drift in the machine's speed reaches both alike. The page
//! cache is warmed before timing, so both read the files from memory.

use crate::form::Form;
use crate::inbox::list_inputs;
use crate::samples::{SampleOptions, generate};
use anyhow::{Context as _, Result, bail};
use calamine::{Data, Reader, open_workbook_auto_from_rs};
use chrono::NaiveDate;
use rayon::prelude::*;
use serde::Serialize;
use std::io::{Cursor, Read};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

mod soffice;
pub use soffice::find as find_libreoffice;

/// One workload: how many submissions, how many table rows each, and how they are held.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct Scenario {
    /// Letter naming it on the command line (`a` to `f`), matched ignoring case.
    pub id: &'static str,
    /// Submissions (one per unit; beyond the form's units, synthetic units are added).
    pub units: usize,
    /// Rows of the table (sheet *Kết nạp*) in every submission.
    pub rows: usize,
    /// Every table figure a formula with its cached result.
    pub formulas: bool,
    /// Formats LibreOffice saves the generated files as, one file after another in turn;
    /// empty: the `.xlsx` files as generated.
    pub saved_as: &'static [&'static str],
}

impl Scenario {
    const fn xlsx(id: &'static str, units: usize, rows: usize) -> Scenario {
        Scenario {
            id,
            units,
            rows,
            formulas: false,
            saved_as: &[],
        }
    }

    /// What it measures, in words, for the printed report.
    pub fn title(&self) -> String {
        let (units, rows) = (thousands(self.units as u64), thousands(self.rows as u64));
        if self.saved_as.is_empty() {
            let formulas = if self.formulas { "formula " } else { "" };
            format!("{units} submissions of {rows} {formulas}rows")
        } else {
            let formats: Vec<String> = self.saved_as.iter().map(|f| format!(".{f}")).collect();
            let formulas = if self.formulas { " formula" } else { "" };
            format!("{units} {} of {rows}{formulas} rows", formats.join("/"))
        }
    }

    /// Whether generating it needs LibreOffice.
    pub fn needs_libreoffice(&self) -> bool {
        !self.saved_as.is_empty()
    }
}

/// The workloads of the issues' targets: (a) one province, (b) and (c) many small files,
/// (d) few large ones, (e) a national roll-up of every grassroots organisation directly,
/// (f) large formula-filled `.ods` and `.xls` files as LibreOffice saves them (their
/// reading was once quadratic in the formula cells).
pub const SCENARIOS: [Scenario; 6] = [
    Scenario::xlsx("a", 49, 40),
    Scenario::xlsx("b", 2_000, 40),
    Scenario::xlsx("c", 10_000, 40),
    Scenario::xlsx("d", 50, 20_000),
    Scenario::xlsx("e", 50_000, 5),
    Scenario {
        id: "f",
        units: 10,
        rows: 10_000,
        formulas: true,
        saved_as: &["ods", "xls"],
    },
];

/// The scenario with this id, ignoring case.
pub fn scenario(id: &str) -> Option<Scenario> {
    SCENARIOS
        .iter()
        .copied()
        .find(|s| s.id.eq_ignore_ascii_case(id))
}

/// What the benchmark does.
#[derive(Debug, Clone)]
pub struct Config {
    /// The workloads to measure, in order.
    pub scenarios: Vec<Scenario>,
    /// Threads for both the run and the floor.
    pub jobs: usize,
    /// Measure each case this many times; the fastest wall time is reported.
    pub repeat: usize,
    /// Faults injected in one unit in five (as `tonghop samples --faults`); 0: clean data.
    pub faults: usize,
    /// Seed of the sample generator; the same seed reuses the same kept data.
    pub seed: u64,
    /// Where generated data is kept and reused; `None`: a temporary folder, removed after.
    pub keep: Option<PathBuf>,
    /// The binary to time (this one).
    pub exe: PathBuf,
    /// Scenarios left out, each with why (LibreOffice missing), for the report.
    pub skipped: Vec<String>,
}

/// The number of cores, the default for `--jobs`.
pub fn cores() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get())
}

// ---------------------------------------------------------------------------------------
// Data

/// A scenario's generated submissions.
#[derive(Debug, Clone)]
pub struct Dataset {
    /// The folder given to `run` and to the floor: workbooks only.
    pub inbox: PathBuf,
    /// The extended form, when the scenario has more units than the embedded form.
    pub form: Option<PathBuf>,
    /// Workbooks in the inbox.
    pub files: usize,
    /// Their total size on disk, in bytes.
    pub bytes: u64,
    /// Time spent generating; `None` when kept data was reused.
    pub generated_in: Option<Duration>,
}

const COMPLETE: &str = "complete";

/// Generate a scenario's data under `root`, or reuse it when a previous run completed it.
/// The workbooks go to `inbox/`; `form.toml` and `faults.json` are moved beside it so the
/// run sees nothing but submissions.
pub fn prepare(root: &Path, sc: &Scenario, faults: usize, seed: u64) -> Result<Dataset> {
    let held = match (sc.formulas, sc.saved_as) {
        (false, []) => String::new(),
        (formulas, formats) => {
            let mut h = if formulas {
                "-formulas".to_string()
            } else {
                String::new()
            };
            for f in formats {
                h.push('-');
                h.push_str(f);
            }
            h
        }
    };
    let dir = root.join(format!(
        "{}-{}x{}{held}-f{}-s{}",
        sc.id, sc.units, sc.rows, faults, seed
    ));
    let inbox = dir.join("inbox");
    let form_path = dir.join("form.toml");
    let mut generated_in = None;
    if !dir.join(COMPLETE).is_file() {
        if dir.exists() {
            std::fs::remove_dir_all(&dir)
                .with_context(|| format!("cannot clear '{}'", dir.display()))?;
        }
        std::fs::create_dir_all(&inbox)
            .with_context(|| format!("cannot create '{}'", inbox.display()))?;
        let start = Instant::now();
        let form = Form::load(None)?;
        let period = crate::period::Period {
            from: NaiveDate::from_ymd_opt(2026, 1, 1).expect("valid date"),
            to: NaiveDate::from_ymd_opt(2026, 6, 30).expect("valid date"),
        };
        let opts = SampleOptions {
            units: sc.units,
            rows: Some(sc.rows),
            seed,
            faults,
            faulty_units: None,
            period,
            past: None,
            formulas: sc.formulas,
        };
        let (made, _) = generate(&form, &inbox, &opts)
            .with_context(|| format!("generating scenario {}", sc.id))?;
        if sc.needs_libreoffice() {
            save_as(sc, &made, &inbox, &dir.join("saved"))?;
        }
        for name in ["form.toml", "faults.json"] {
            let from = inbox.join(name);
            if from.exists() {
                std::fs::rename(&from, dir.join(name))?;
            }
        }
        std::fs::write(
            dir.join(COMPLETE),
            format!("{sc:?} faults={faults} seed={seed}\n"),
        )?;
        generated_in = Some(start.elapsed());
    }
    let (files, _) = list_inputs(&inbox)?;
    let mut bytes = 0;
    for (p, _) in &files {
        bytes += std::fs::metadata(p)?.len();
    }
    Ok(Dataset {
        inbox,
        form: form_path.is_file().then_some(form_path),
        files: files.len(),
        bytes,
        generated_in,
    })
}

/// Replace the generated `.xlsx` files in `inbox` by LibreOffice's `.ods`/`.xls` saves
/// of them, the formats taken in turn, each saved in `work` first.
fn save_as(sc: &Scenario, made: &[PathBuf], inbox: &Path, work: &Path) -> Result<()> {
    let soffice = soffice::find().with_context(|| {
        format!(
            "scenario {} needs LibreOffice to save its files as {}: install it, or set \
             SOFFICE to its soffice program",
            sc.id,
            sc.saved_as.join(" and ")
        )
    })?;
    for (k, format) in sc.saved_as.iter().enumerate() {
        let group: Vec<PathBuf> = made
            .iter()
            .skip(k)
            .step_by(sc.saved_as.len())
            .cloned()
            .collect();
        note(&format!(
            "scenario {}: LibreOffice saving {} files as .{format}",
            sc.id,
            group.len()
        ));
        for saved in soffice::convert(&soffice, &group, format, work)? {
            let name = saved.file_name().context("a saved file has a name")?;
            std::fs::rename(&saved, inbox.join(name))?;
        }
        for original in &group {
            std::fs::remove_file(original)?;
        }
    }
    Ok(())
}

/// Read every file once so that both contenders find them in the page cache.
pub fn warm(inbox: &Path) -> Result<()> {
    let (files, _) = list_inputs(inbox)?;
    files
        .par_iter()
        .try_for_each(|(p, _)| std::fs::read(p).map(drop))?;
    Ok(())
}

// ---------------------------------------------------------------------------------------
// The floor

/// What the floor read.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct FloorCount {
    /// Files read.
    pub files: usize,
    /// Sheets read, over every file.
    pub sheets: usize,
    /// Non-empty cells, over every sheet of every file.
    pub cells: u64,
    /// Files calamine could not open or read.
    pub failed: usize,
}

impl FloorCount {
    fn add(self, o: FloorCount) -> FloorCount {
        FloorCount {
            files: self.files + o.files,
            sheets: self.sheets + o.sheets,
            cells: self.cells + o.cells,
            failed: self.failed + o.failed,
        }
    }

    /// The line `bench-floor` prints, parsed back by [`FloorCount::parse`].
    pub fn line(&self) -> String {
        format!(
            "files={} sheets={} cells={} failed={}",
            self.files, self.sheets, self.cells, self.failed
        )
    }

    /// The counts in the first line starting `files=` of `bench-floor`'s output; `None` if absent or malformed.
    pub fn parse(s: &str) -> Option<FloorCount> {
        let mut c = FloorCount::default();
        let line = s.lines().find(|l| l.starts_with("files="))?;
        for kv in line.split_whitespace() {
            let (k, v) = kv.split_once('=')?;
            match k {
                "files" => c.files = v.parse().ok()?,
                "sheets" => c.sheets = v.parse().ok()?,
                "cells" => c.cells = v.parse().ok()?,
                "failed" => c.failed = v.parse().ok()?,
                _ => {}
            }
        }
        Some(c)
    }
}

pub use crate::timing::cpu_seconds;

/// One file, calamine alone: the bytes, the workbook, every cell of every sheet.
pub fn floor_file(path: &Path) -> FloorCount {
    let one = |sheets, cells| FloorCount {
        files: 1,
        sheets,
        cells,
        failed: 0,
    };
    let Ok(bytes) = std::fs::read(path) else {
        return FloorCount {
            files: 1,
            failed: 1,
            ..FloorCount::default()
        };
    };
    let Ok(mut wb) = open_workbook_auto_from_rs(Cursor::new(bytes.as_slice())) else {
        return FloorCount {
            files: 1,
            failed: 1,
            ..FloorCount::default()
        };
    };
    let mut sheets = 0;
    let mut cells = 0u64;
    for name in wb.sheet_names() {
        let Ok(range) = wb.worksheet_range(&name) else {
            return FloorCount {
                files: 1,
                failed: 1,
                ..FloorCount::default()
            };
        };
        sheets += 1;
        for (_, _, v) in range.cells() {
            if !matches!(std::hint::black_box(v), Data::Empty) {
                cells += 1;
            }
        }
    }
    one(sheets, cells)
}

/// One file, inflated only: every part of a zip package inflated into nothing, in the
/// package's order; any other file read whole. `sheets` counts the parts.
pub fn inflate_file(path: &Path) -> FloorCount {
    let failed = FloorCount {
        files: 1,
        failed: 1,
        ..FloorCount::default()
    };
    let Ok(bytes) = std::fs::read(path) else {
        return failed;
    };
    if !bytes.starts_with(b"PK") {
        std::hint::black_box(&bytes);
        return FloorCount {
            files: 1,
            ..FloorCount::default()
        };
    }
    let Ok(mut zip) = zip::ZipArchive::new(Cursor::new(bytes.as_slice())) else {
        return failed;
    };
    let mut parts = 0;
    for i in 0..zip.len() {
        let Ok(mut part) = zip.by_index(i) else {
            return failed;
        };
        if std::io::copy(&mut part, &mut std::io::sink()).is_err() {
            return failed;
        }
        parts += 1;
    }
    FloorCount {
        files: 1,
        sheets: parts,
        cells: 0,
        failed: 0,
    }
}

/// The floor over a folder's workbooks (the files `run` would read), on `jobs` threads:
/// read by calamine, or only inflated (`inflate`).
pub fn floor(inbox: &Path, jobs: usize, inflate: bool) -> Result<FloorCount> {
    let (files, _) = list_inputs(inbox)?;
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(jobs.max(1))
        .build()?;
    Ok(pool.install(|| {
        // One file a task, as `run` schedules them: a floor split into halves of unequal
        // files would be slowed by the imbalance, not by reading.
        files
            .par_iter()
            .with_max_len(1)
            .map(|(p, _)| {
                if inflate {
                    inflate_file(p)
                } else {
                    floor_file(p)
                }
            })
            .reduce(FloorCount::default, FloorCount::add)
    }))
}

// ---------------------------------------------------------------------------------------
// Measuring a child process

/// One child process, spawn to exit.
#[derive(Debug, Clone)]
pub struct Measured {
    /// Spawn to exit, measured by the parent.
    pub wall: Duration,
    /// User + system CPU time of the child.
    pub cpu: Option<Duration>,
    /// Peak resident set size of the child, in bytes.
    pub peak_rss: Option<u64>,
    /// Exit code; `None` when killed by a signal.
    pub code: Option<i32>,
    /// CPU time other processes used meanwhile, in cores on average (Linux: from
    /// /proc/stat; `None` under half a second, too short to tell). Above a fraction of a
    /// core, the timing was disturbed.
    pub other_load: Option<f64>,
    /// The child's standard output, captured whole.
    pub stdout: String,
    /// The child's standard error, captured whole.
    pub stderr: String,
}

/// Run `cmd` to completion and measure it. Output is captured, stdin is closed.
pub fn measure(cmd: &mut Command) -> Result<Measured> {
    cmd.stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let busy_before = system_busy();
    let start = Instant::now();
    let mut child = cmd
        .spawn()
        .with_context(|| format!("cannot start {cmd:?}"))?;
    let out = drain(child.stdout.take());
    let err = drain(child.stderr.take());
    let (code, cpu, peak_rss) = wait(&mut child)?;
    let wall = start.elapsed();
    // /proc/stat counts in clock ticks (10 ms): below MIN_LOAD_WALL a single tick of
    // anything would read as a whole core, so short runs are not judged.
    let other_load = match (busy_before, system_busy(), cpu) {
        (Some(a), Some(b), Some(cpu)) if wall >= MIN_LOAD_WALL => {
            let other = (b - a) - cpu.as_secs_f64();
            Some((other / wall.as_secs_f64()).max(0.0))
        }
        _ => None,
    };
    let stdout = out.join().unwrap_or_default();
    let stderr = err.join().unwrap_or_default();
    Ok(Measured {
        wall,
        cpu,
        peak_rss,
        code,
        other_load,
        stdout,
        stderr,
    })
}

/// Read a child's pipe to the end on a thread of its own, so that neither pipe fills up.
fn drain<R: Read + Send + 'static>(pipe: Option<R>) -> std::thread::JoinHandle<String> {
    std::thread::spawn(move || {
        let mut s = Vec::new();
        if let Some(mut p) = pipe {
            let _ = p.read_to_end(&mut s);
        }
        String::from_utf8_lossy(&s).into_owned()
    })
}

/// CPU seconds every process on the machine has used since boot (Linux), to tell whether
/// something else ran during a measurement.
#[cfg(target_os = "linux")]
fn system_busy() -> Option<f64> {
    let stat = std::fs::read_to_string("/proc/stat").ok()?;
    let fields: Vec<u64> = stat
        .lines()
        .next()?
        .split_whitespace()
        .skip(1)
        .filter_map(|f| f.parse().ok())
        .collect();
    // user nice system idle iowait irq softirq steal (guest time is inside user).
    let busy: u64 = [0, 1, 2, 5, 6, 7]
        .iter()
        .filter_map(|&i| fields.get(i))
        .sum();
    // SAFETY: sysconf has no preconditions.
    let hz = unsafe { libc::sysconf(libc::_SC_CLK_TCK) };
    (hz > 0).then(|| busy as f64 / hz as f64)
}

#[cfg(not(target_os = "linux"))]
fn system_busy() -> Option<f64> {
    None
}

/// The shortest measurement whose disturbance by other processes can be told.
const MIN_LOAD_WALL: Duration = Duration::from_millis(500);

/// Reap the child with `wait4`, which hands back its resource usage.
#[cfg(unix)]
fn wait(child: &mut std::process::Child) -> Result<(Option<i32>, Option<Duration>, Option<u64>)> {
    use std::os::unix::process::ExitStatusExt;
    let pid = child.id() as libc::pid_t;
    let mut status: libc::c_int = 0;
    // SAFETY: rusage is plain data; zero is a valid value for every field.
    let mut ru: libc::rusage = unsafe { std::mem::zeroed() };
    loop {
        // SAFETY: pid is our own child, not yet reaped (std only reaps in wait/try_wait,
        // which are never called on it); the pointers are to live locals.
        let r = unsafe { libc::wait4(pid, &mut status, 0, &mut ru) };
        if r == pid {
            break;
        }
        let e = std::io::Error::last_os_error();
        if e.kind() != std::io::ErrorKind::Interrupted {
            return Err(e).context("wait4");
        }
    }
    let tv = |t: libc::timeval| {
        Duration::from_secs(t.tv_sec as u64) + Duration::from_micros(t.tv_usec as u64)
    };
    let cpu = tv(ru.ru_utime) + tv(ru.ru_stime);
    // Linux and the BSDs count ru_maxrss in KiB, macOS in bytes.
    let rss = if cfg!(target_os = "macos") {
        ru.ru_maxrss as u64
    } else {
        ru.ru_maxrss as u64 * 1024
    };
    let status = std::process::ExitStatus::from_raw(status);
    Ok((status.code(), Some(cpu), Some(rss)))
}

#[cfg(not(unix))]
fn wait(child: &mut std::process::Child) -> Result<(Option<i32>, Option<Duration>, Option<u64>)> {
    Ok((child.wait()?.code(), None, None))
}

// ---------------------------------------------------------------------------------------
// The benchmark

/// The best of the repeats of one contender.
#[derive(Debug, Clone, Serialize)]
pub struct Sample {
    /// Fastest wall time of the repeats, in seconds.
    pub wall_s: f64,
    /// CPU time of that fastest repeat, in seconds; `None` where the platform does not tell.
    pub cpu_s: Option<f64>,
    /// Other processes' CPU use during this measurement, in cores on average.
    pub other_load: Option<f64>,
    /// Highest peak resident memory of the repeats, in bytes.
    pub peak_rss_bytes: Option<u64>,
    /// Files per second of the fastest wall time.
    pub files_per_s: f64,
    /// Non-empty cells per second of the fastest wall time.
    pub cells_per_s: f64,
}

/// One scenario at one thread count: the floor and the run side by side.
#[derive(Debug, Clone, Serialize)]
pub struct Case {
    /// The scenario's id.
    pub scenario: &'static str,
    /// The scenario's title.
    pub title: String,
    /// Threads given to both contenders (`--jobs`).
    pub jobs: usize,
    /// Workbooks in the scenario's inbox.
    pub files: usize,
    /// Their total size on disk, in bytes.
    pub bytes: u64,
    /// Non-empty cells in the files (what the floor read).
    pub cells: u64,
    /// Calamine alone: `tonghop bench-floor`.
    pub floor: Sample,
    /// Inflating every part, parsing nothing: `tonghop bench-floor --inflate`.
    pub inflate: Sample,
    /// The real job: `tonghop run`.
    pub run: Sample,
    /// Reading and validating, writing nothing: `tonghop check`.
    pub check: Sample,
    /// Run wall time / floor wall time.
    pub ratio: f64,
    /// Run wall time / inflate-only wall time.
    pub ratio_inflate: f64,
    /// Check wall time / inflate-only wall time.
    pub check_inflate: f64,
    /// Exit code of `tonghop run` (0: all accepted, 1: some returned).
    pub run_exit: i32,
    /// What the archive cost the fastest run; `None` when it did not say (its timings
    /// lacked the archive's spans).
    pub archive: Option<ArchiveCost>,
}

/// The archive's share of a run, from the spans the run times itself
/// (`TONGHOP_TIMINGS`, see [`crate::timing::Phases::took`]): the issue asks that its
/// writes and queries stay a small fraction of a run at national scale.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct ArchiveCost {
    /// Recording the period (opening the archive, the transaction, its commit), in
    /// seconds.
    pub write_s: f64,
    /// Reading what the run looks back at (the earlier periods, each unit's own
    /// history, targets, the term's periods, the versions of the files), in seconds.
    pub history_s: f64,
    /// What recording added to the run's wall time, in seconds: all of `write_s` when
    /// recorded after the outputs, the wait for its commit when recorded beside them
    /// (`--jobs` 2 and more, see `Recording::overlaps` in `run.rs`).
    pub added_s: f64,
    /// What the archive added to the run (`added_s` and `history_s`), over its wall time.
    pub share: f64,
}

impl ArchiveCost {
    /// From a run's standard error and its wall time; `None` unless both spans are
    /// there (a run with `--no-archive` still times them, as nothing).
    pub fn from_timings(stderr: &str, wall_s: f64) -> Option<ArchiveCost> {
        let (mut write, mut history, mut wait) = (None, None, None);
        for (name, secs) in stderr.lines().filter_map(crate::timing::parse_took) {
            match name {
                crate::timing::ARCHIVE_WRITE => write = Some(secs),
                crate::timing::HISTORY_LOAD => history = Some(secs),
                crate::timing::ARCHIVE_WAIT => wait = Some(secs),
                _ => {}
            }
        }
        let (write_s, history_s) = (write?, history?);
        let added_s = wait.unwrap_or(write_s);
        Some(ArchiveCost {
            write_s,
            history_s,
            added_s,
            share: if wall_s > 0.0 {
                (added_s + history_s) / wall_s
            } else {
                0.0
            },
        })
    }
}

/// One target of the issue, measured, and whether it is met.
#[derive(Debug, Clone, Serialize)]
pub struct Target {
    /// The target, naming its scenario and thread count.
    pub what: String,
    /// The figure measured, in `unit`.
    pub measured: f64,
    /// How `measured` must compare with `limit`: "<=", "<" or ">=".
    pub cmp: &'static str,
    /// The bound it must meet, in `unit`.
    pub limit: f64,
    /// `x` (a ratio), `s` (seconds) or `MB` (10^6 bytes).
    pub unit: &'static str,
    /// Whether `measured` compares with `limit` as `cmp` says.
    pub met: bool,
}

/// What `tonghop bench` prints and writes as JSON.
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    /// `release` or `debug`: timings of a debug build say nothing of the release.
    pub build: &'static str,
    /// Cores available to the process.
    pub cores: usize,
    /// `--jobs`; scenario (b) is also measured on one thread for the speed-up.
    pub jobs: usize,
    /// Measurements per case (at least 1).
    pub repeat: usize,
    /// Faults injected per faulty unit; 0 for clean data.
    pub faults: usize,
    /// Seed of the sample generator.
    pub seed: u64,
    /// Where the generated data was kept, or `temporary, removed`.
    pub data: String,
    /// Every scenario at every thread count measured.
    pub cases: Vec<Case>,
    /// The targets for the scenarios measured.
    pub targets: Vec<Target>,
    /// Scenarios asked for but not measured, each with why.
    pub skipped: Vec<String>,
}

/// Progress, on stderr: what is being generated or measured.
fn note(s: &str) {
    eprintln!("bench: {s}");
}

fn best(runs: &[Measured], files: usize, cells: u64) -> Sample {
    let fastest = runs
        .iter()
        .min_by_key(|m| m.wall)
        .expect("at least one repeat");
    let wall_s = fastest.wall.as_secs_f64();
    Sample {
        wall_s,
        cpu_s: fastest.cpu.map(|c| c.as_secs_f64()),
        other_load: fastest.other_load,
        peak_rss_bytes: runs.iter().filter_map(|m| m.peak_rss).max(),
        files_per_s: files as f64 / wall_s,
        cells_per_s: cells as f64 / wall_s,
    }
}

fn check_exit(what: &str, m: &Measured, ok: &[i32]) -> Result<i32> {
    match m.code {
        Some(c) if ok.contains(&c) => Ok(c),
        c => bail!("{what} failed (exit {c:?}):\n{}{}", m.stdout, m.stderr),
    }
}

/// What the rounds of one case have measured so far: each round measures every
/// contender once, in the order floor, inflate-only, check, run.
#[derive(Default)]
struct Rounds {
    floors: Vec<Measured>,
    inflates: Vec<Measured>,
    checks: Vec<Measured>,
    runs: Vec<Measured>,
    count: FloorCount,
    run_exit: i32,
}

/// Measure each contender of one scenario at one thread count once more, adding to
/// `r`: round `i` of the bench's repeats.
fn round(
    cfg: &Config,
    sc: &Scenario,
    data: &Dataset,
    out: &Path,
    jobs: usize,
    i: usize,
    r: &mut Rounds,
) -> Result<()> {
    // What the run keeps of each submission is held against its memory limit (about
    // 28 KB a submission of the official form, in half the limit: `crate::keep`): past
    // 18,000 submissions the default 1 GiB would refuse files, which is a measurement
    // of something else. The limit is raised to hold them all, and the README says so.
    let memory_mib = (sc.units as u64 * 64 / 1024).max(1024).to_string();
    note(&format!(
        "scenario {} --jobs {jobs}: floor and run, {}/{}",
        sc.id,
        i + 1,
        cfg.repeat.max(1)
    ));
    let m = measure(
        Command::new(&cfg.exe)
            .arg("bench-floor")
            .arg(&data.inbox)
            .arg("--jobs")
            .arg(jobs.to_string()),
    )?;
    check_exit("bench-floor", &m, &[0])?;
    r.count = FloorCount::parse(&m.stdout)
        .with_context(|| format!("bench-floor printed no count: {}", m.stdout))?;
    r.floors.push(m);

    let m = measure(
        Command::new(&cfg.exe)
            .arg("bench-floor")
            .arg(&data.inbox)
            .arg("--inflate")
            .arg("--jobs")
            .arg(jobs.to_string()),
    )?;
    check_exit("bench-floor --inflate", &m, &[0])?;
    r.inflates.push(m);

    let mut cmd = Command::new(&cfg.exe);
    cmd.arg("check")
        .arg(&data.inbox)
        .arg("--max-memory-mib")
        .arg(&memory_mib)
        .env("RAYON_NUM_THREADS", jobs.to_string());
    match &data.form {
        Some(f) => cmd.arg("--form").arg(f),
        None => cmd.env_remove("TONGHOP_FORM"),
    };
    let m = measure(&mut cmd)?;
    check_exit("tonghop check", &m, &[0, 1])?;
    r.checks.push(m);

    if out.exists() {
        std::fs::remove_dir_all(out)?;
    }
    // Every run records the period into an archive that holds no period yet:
    // replacing a period recorded by the run before costs about twice as much, and
    // the first of all the runs would otherwise be the only one that did less (it
    // made 1 thread look faster). The archive exists, as it does for every run but a
    // province's first: a run creates a new one only after its outputs, but records
    // into an existing one beside them (with 2 jobs or more).
    let archive = out.with_extension("sqlite");
    for end in ["", "-wal", "-shm", "-journal"] {
        let mut p = archive.clone().into_os_string();
        p.push(end);
        match std::fs::remove_file(&p) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => return Err(e.into()),
            _ => {}
        }
    }
    drop(crate::archive::Archive::open(&archive, true)?);
    let mut cmd = Command::new(&cfg.exe);
    cmd.arg("run")
        .arg(&data.inbox)
        .arg("--out")
        .arg(out)
        .arg("--archive")
        .arg(&archive)
        .arg("--quiet")
        .arg("--max-memory-mib")
        .arg(&memory_mib)
        .arg("--jobs")
        .arg(jobs.to_string())
        // The run's own timings of the archive's spans, read back below.
        .env("TONGHOP_TIMINGS", "1");
    // The form the data was generated for, whatever TONGHOP_FORM says.
    match &data.form {
        Some(f) => cmd.arg("--form").arg(f),
        None => cmd.env_remove("TONGHOP_FORM"),
    };
    let m = measure(&mut cmd)?;
    r.run_exit = check_exit("tonghop run", &m, &[0, 1])?;
    r.runs.push(m);
    Ok(())
}

/// What the rounds of one scenario at one thread count measured.
fn case(sc: &Scenario, data: &Dataset, jobs: usize, r: Rounds) -> Result<Case> {
    let Rounds {
        floors,
        inflates,
        checks,
        runs,
        count,
        run_exit,
    } = r;
    if count.failed > 0 {
        bail!(
            "the floor could not read {} of {} files",
            count.failed,
            count.files
        );
    }
    let floor = best(&floors, count.files, count.cells);
    let inflate = best(&inflates, count.files, count.cells);
    let run = best(&runs, count.files, count.cells);
    let check = best(&checks, count.files, count.cells);
    let ratio = run.wall_s / floor.wall_s;
    let ratio_inflate = run.wall_s / inflate.wall_s;
    let check_inflate = check.wall_s / inflate.wall_s;
    let archive = runs
        .iter()
        .min_by_key(|m| m.wall)
        .and_then(|m| ArchiveCost::from_timings(&m.stderr, m.wall.as_secs_f64()));
    Ok(Case {
        scenario: sc.id,
        title: sc.title(),
        jobs,
        files: count.files,
        bytes: data.bytes,
        cells: count.cells,
        floor,
        inflate,
        run,
        check,
        ratio,
        ratio_inflate,
        check_inflate,
        run_exit,
        archive,
    })
}

/// Generate, measure every scenario, and judge the targets.
pub fn run(cfg: &Config) -> Result<Report> {
    let tmp;
    let root = match &cfg.keep {
        Some(d) => {
            std::fs::create_dir_all(d)
                .with_context(|| format!("cannot create '{}'", d.display()))?;
            d.clone()
        }
        None => {
            tmp = tempfile::Builder::new()
                .prefix("tonghop-bench-")
                .tempdir()?;
            tmp.path().to_path_buf()
        }
    };
    let outs = tempfile::Builder::new()
        .prefix("tonghop-bench-out-")
        .tempdir()?;
    let mut cases = Vec::new();
    for sc in &cfg.scenarios {
        note(&format!(
            "scenario {} ({}): preparing data in {}",
            sc.id,
            sc.title(),
            root.display()
        ));
        let data = prepare(&root, sc, cfg.faults, cfg.seed)?;
        match data.generated_in {
            Some(t) => note(&format!(
                "scenario {}: {} files ({:.1} MB) generated in {:.1} s (not timed)",
                sc.id,
                data.files,
                data.bytes as f64 / 1e6,
                t.as_secs_f64()
            )),
            None => note(&format!(
                "scenario {}: reusing {} files ({:.1} MB)",
                sc.id,
                data.files,
                data.bytes as f64 / 1e6
            )),
        }
        warm(&data.inbox)?;
        let out = outs.path().join(sc.id);
        // Scenario (b) is also measured on one thread, for the parallel speed-up.
        let mut jobs = vec![cfg.jobs];
        if sc.id == "b" && cfg.jobs > 1 {
            jobs.insert(0, 1);
        }
        // The thread counts take turns round by round: this machine's speed drifts
        // from minute to minute, and measured one after the other, all the rounds of one
        // count could fall in a faster minute than those of the other, which is the
        // speed-up the bench reports.
        let mut rounds: Vec<Rounds> = jobs.iter().map(|_| Rounds::default()).collect();
        for i in 0..cfg.repeat.max(1) {
            for (&j, r) in jobs.iter().zip(&mut rounds) {
                round(cfg, sc, &data, &out, j, i, r)?;
            }
        }
        for (&j, r) in jobs.iter().zip(rounds) {
            cases.push(case(sc, &data, j, r)?);
        }
        if out.exists() {
            std::fs::remove_dir_all(&out)?;
        }
    }
    let targets = targets(&cases, cfg.jobs);
    Ok(Report {
        build: if cfg!(debug_assertions) {
            "debug"
        } else {
            "release"
        },
        cores: cores(),
        jobs: cfg.jobs,
        repeat: cfg.repeat.max(1),
        faults: cfg.faults,
        seed: cfg.seed,
        data: if cfg.keep.is_some() {
            root.display().to_string()
        } else {
            "temporary, removed".into()
        },
        cases,
        targets,
        skipped: cfg.skipped.clone(),
    })
}

/// The targets of the issue, for the scenarios measured.
pub fn targets(cases: &[Case], jobs: usize) -> Vec<Target> {
    let mut t = Vec::new();
    let at = |id: &str, j: usize| cases.iter().find(|c| c.scenario == id && c.jobs == j);
    for id in ["b", "c", "d", "e", "f"] {
        if let Some(c) = at(id, jobs) {
            t.push(Target {
                what: format!("({id}) run / floor, --jobs {jobs}"),
                measured: c.ratio,
                cmp: "<=",
                limit: 1.3,
                unit: "x",
                met: c.ratio <= 1.3,
            });
        }
    }
    // Issue 16, the streaming reader: half the calamine floor, and near the physical
    // limit of inflating the files, for the xlsx scenarios.
    let mut ratio = |what: String, measured: f64, limit: f64| {
        t.push(Target {
            what,
            measured,
            cmp: "<=",
            limit,
            unit: "x",
            met: measured <= limit,
        });
    };
    for id in ["b", "c", "d"] {
        if let Some(c) = at(id, jobs) {
            if c.run_exit == 0 {
                ratio(
                    format!("({id}) run / floor, clean, --jobs {jobs}"),
                    c.ratio,
                    0.5,
                );
            } else {
                // A fifth of the units faulty: their returned workbooks are written too.
                ratio(
                    format!("({id}) run / floor, with faults, --jobs {jobs}"),
                    c.ratio,
                    1.0,
                );
            }
            ratio(
                format!("({id}) run / inflate-only, --jobs {jobs}"),
                c.ratio_inflate,
                2.0,
            );
            ratio(
                format!("({id}) check / inflate-only, --jobs {jobs}"),
                c.check_inflate,
                1.5,
            );
        }
    }
    if jobs > 1
        && let (Some(one), Some(n)) = (at("b", 1), at("b", jobs))
    {
        let s = one.run.wall_s / n.run.wall_s;
        t.push(Target {
            what: format!("(b) run speed-up, --jobs {jobs} over --jobs 1"),
            measured: s,
            cmp: ">=",
            limit: 1.8,
            unit: "x",
            met: s >= 1.8,
        });
    }
    // Memory stays flat however many files: the 50,000 of (e) within what the 10,000 of
    // (c) may take.
    for id in ["c", "e"] {
        if let Some(c) = at(id, jobs)
            && let Some(rss) = c.run.peak_rss_bytes
        {
            let mb = rss as f64 / 1e6;
            t.push(Target {
                what: format!("({id}) run peak memory"),
                measured: mb,
                cmp: "<",
                limit: 300.0,
                unit: "MB",
                met: mb < 300.0,
            });
        }
    }
    // Time grows linearly with the files: a submission of (e), smaller than one of (c),
    // costs no more than it.
    if let (Some(c), Some(e)) = (at("c", jobs), at("e", jobs))
        && c.files > 0
        && e.files > 0
    {
        let per = |k: &Case| k.run.wall_s / k.files as f64;
        let r = per(e) / per(c);
        t.push(Target {
            what: "(e) run time per submission / (c)'s".into(),
            measured: r,
            cmp: "<=",
            limit: 1.1,
            unit: "x",
            met: r <= 1.1,
        });
    }
    if let Some(c) = at("a", jobs) {
        t.push(Target {
            what: "(a) run, process start to exit".into(),
            measured: c.run.wall_s,
            cmp: "<",
            limit: 1.0,
            unit: "s",
            met: c.run.wall_s < 1.0,
        });
    }
    t
}

// ---------------------------------------------------------------------------------------
// Printing

/// Other processes' load, in cores, above which a measurement is marked as disturbed.
const DISTURBED: f64 = 0.25;

/// 1234567 as "1,234,567": the bench table is in English, whatever `--lang` says.
fn thousands(n: u64) -> String {
    crate::lang::Lang::En.count(n)
}

fn mb(b: Option<u64>) -> String {
    b.map_or_else(|| "-".into(), |b| format!("{:.1}", b as f64 / 1e6))
}

impl Report {
    /// The table, one line per contender, the run's line carrying its ratio to the floor.
    pub fn table(&self) -> String {
        let mut s = String::new();
        s.push_str(&format!(
            "tonghop bench: {} build, {} cores, --jobs {}, best of {}, {} (data: {})\n",
            self.build,
            self.cores,
            self.jobs,
            self.repeat,
            if self.faults == 0 {
                "clean submissions".to_string()
            } else {
                format!("{} faults in one unit in five", self.faults)
            },
            self.data
        ));
        if self.build == "debug" {
            s.push_str("note: a debug build; the figures say nothing about release speed\n");
        }
        s.push_str(&format!(
            "{:<40} {:>4}  {:<5} {:>7} {:>11} {:>9} {:>9} {:>11} {:>8} {:>8} {:>8} {:>8} {:>9} {:>9} {:>9}\n",
            "scenario",
            "jobs",
            "what",
            "files",
            "cells read",
            "wall s",
            "files/s",
            "cells/s",
            "cpu s",
            "peak MB",
            "x floor",
            "x infl.",
            "archive s",
            "history s",
            "archive %"
        ));
        let mut disturbed = 0.0f64;
        for c in &self.cases {
            for (what, x, ratio) in [
                ("floor", &c.floor, None),
                ("infl.", &c.inflate, None),
                ("run", &c.run, Some((c.ratio, c.ratio_inflate))),
                (
                    "check",
                    &c.check,
                    Some((c.check.wall_s / c.floor.wall_s, c.check_inflate)),
                ),
            ] {
                let name = if what == "floor" {
                    format!("({}) {}", c.scenario, c.title)
                } else {
                    String::new()
                };
                // The archive's cost is the run's: the others have none.
                let cost = c.archive.filter(|_| what == "run");
                let (write, history, share) = match cost {
                    Some(a) => (
                        format!("{:.3}", a.write_s),
                        format!("{:.3}", a.history_s),
                        format!("{:.1}", a.share * 100.0),
                    ),
                    None => Default::default(),
                };
                s.push_str(&format!(
                    "{:<40} {:>4}  {:<5} {:>7} {:>11} {:>9.3} {:>9.0} {:>11} {:>8} {:>8} {:>8} {:>8} {:>9} {:>9} {:>9}\n",
                    name,
                    c.jobs,
                    what,
                    c.files,
                    thousands(c.cells),
                    x.wall_s,
                    x.files_per_s,
                    thousands(x.cells_per_s as u64),
                    x.cpu_s.map_or_else(|| "-".into(), |v| format!("{v:.2}")),
                    mb(x.peak_rss_bytes),
                    ratio.map_or_else(String::new, |r| format!("{:.2}", r.0)),
                    ratio.map_or_else(String::new, |r| format!("{:.2}", r.1)),
                    write,
                    history,
                    share,
                ));
                if let Some(l) = x.other_load.filter(|&l| l >= DISTURBED) {
                    s.pop();
                    s.push_str(&format!("  ! {l:.1} other cores busy\n"));
                    disturbed = disturbed.max(l);
                }
            }
        }
        if disturbed > 0.0 {
            s.push_str(&format!(
                "! other processes kept up to {disturbed:.1} of the {} cores busy during the marked measurements: \
                 rerun on an idle machine for figures to rely on\n",
                self.cores
            ));
        }
        for why in &self.skipped {
            s.push_str(&format!("skipped: {why}\n"));
        }
        if !self.targets.is_empty() {
            s.push_str("targets:\n");
            for t in &self.targets {
                s.push_str(&format!(
                    "  {:<48} {:>8.2} {:<2} (target {} {} {})  {}\n",
                    t.what,
                    t.measured,
                    t.unit,
                    t.cmp,
                    t.limit,
                    t.unit,
                    if t.met { "met" } else { "MISSED" }
                ));
            }
        }
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn floor_line_round_trips() {
        let c = FloorCount {
            files: 3,
            sheets: 15,
            cells: 12_345,
            failed: 0,
        };
        assert_eq!(FloorCount::parse(&c.line()), Some(c));
    }

    #[test]
    fn the_archive_cost_is_read_from_the_runs_timings_and_shown_on_its_line() {
        let stderr = "timing form loaded, inbox listed: 0.100s (cpu 0.100s)\n\
                      timing history load took 0.500s\n\
                      timing outputs swapped in: 7.000s (cpu 9.000s)\n\
                      timing archive write took 1.500s\n\
                      timing archive: 8.600s (cpu 10.600s)\n";
        let cost = ArchiveCost::from_timings(stderr, 10.0).unwrap();
        assert_eq!((cost.write_s, cost.history_s), (1.5, 0.5));
        assert!((cost.share - 0.2).abs() < 1e-12, "{cost:?}");
        // Recorded beside the outputs: the run waited 0.1 s of the 1.5 s for its commit.
        let beside = format!("{stderr}timing archive wait took 0.100s\n");
        let overlapped = ArchiveCost::from_timings(&beside, 10.0).unwrap();
        assert_eq!((overlapped.write_s, overlapped.added_s), (1.5, 0.1));
        assert!((overlapped.share - 0.06).abs() < 1e-12, "{overlapped:?}");
        // A run that did not time its archive (an older tonghop) has no cost to show.
        assert_eq!(
            ArchiveCost::from_timings("timing archive: 8.6s", 10.0),
            None
        );

        let sample = |wall_s: f64| Sample {
            wall_s,
            cpu_s: None,
            other_load: None,
            peak_rss_bytes: None,
            files_per_s: 1.0,
            cells_per_s: 1.0,
        };
        let report = Report {
            build: "release",
            cores: 2,
            jobs: 2,
            repeat: 1,
            faults: 0,
            seed: 1,
            data: "kept".into(),
            cases: vec![Case {
                scenario: "b",
                title: SCENARIOS[1].title(),
                jobs: 2,
                files: 10,
                bytes: 1,
                cells: 100,
                floor: sample(2.0),
                inflate: sample(0.5),
                run: sample(10.0),
                check: sample(1.0),
                ratio: 5.0,
                ratio_inflate: 20.0,
                check_inflate: 2.0,
                run_exit: 0,
                archive: Some(cost),
            }],
            targets: Vec::new(),
            skipped: Vec::new(),
        };
        let table = report.table();
        let header = table.lines().nth(1).unwrap();
        assert!(
            header.ends_with("archive s history s archive %"),
            "{header}"
        );
        let run = table.lines().find(|l| l.contains(" run ")).unwrap();
        assert!(
            run.ends_with("5.00    20.00     1.500     0.500      20.0"),
            "{run}"
        );
        let check = table.lines().find(|l| l.contains(" check ")).unwrap();
        assert!(check.trim_end().ends_with("0.50     2.00"), "{check}");
        let floor = table.lines().find(|l| l.contains(" floor ")).unwrap();
        assert!(!floor.contains("1.500"), "{floor}");
        let json = serde_json::to_value(&report).unwrap();
        assert_eq!(json["cases"][0]["archive"]["write_s"], 1.5);
        assert_eq!(json["cases"][0]["archive"]["history_s"], 0.5);
        assert_eq!(json["cases"][0]["archive"]["share"], 0.2);
    }

    #[test]
    fn thousands_groups() {
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(1_000), "1,000");
        assert_eq!(thousands(12_345_678), "12,345,678");
    }

    #[test]
    fn scenarios_by_id() {
        assert_eq!(scenario("C").map(|s| s.units), Some(10_000));
        assert_eq!(scenario("e").map(|s| s.units), Some(50_000));
        assert!(scenario("F").is_some_and(|s| s.needs_libreoffice() && s.formulas));
        assert!(scenario("g").is_none());
        assert_eq!(SCENARIOS[0].title(), "49 submissions of 40 rows");
        assert_eq!(SCENARIOS[5].title(), "10 .ods/.xls of 10,000 formula rows");
    }
}
