//! One file to one submission, and a folder to many, in parallel.

use crate::extract::{self, Report};
use crate::finding::{Finding, Msg};
use crate::read::{
    self, ReadError,
    sniff::{Format, Limits, SniffError},
};
use crate::rules::{self, Context};
use crate::spec::Form;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use rayon::prelude::*;
use serde::Serialize;
use sha2::{Digest, Sha256};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::SystemTime;

/// What became of a submission.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    Accepted,
    Rejected,
    Unreadable,
    Duplicate,
    UnknownUnit,
}

#[derive(Debug, Clone)]
pub struct Submission {
    /// Path relative to the inbox, with '/' separators: stable across machines.
    pub file: String,
    pub sha256: String,
    pub size: u64,
    pub modified: Option<SystemTime>,
    pub format: Option<Format>,
    pub report: Option<Report>,
    pub unit: Option<usize>,
    pub findings: Vec<Finding>,
    pub status: Status,
    /// For a duplicate: the file kept instead.
    pub superseded_by: Option<String>,
}

impl Submission {
    pub fn errors(&self) -> usize {
        self.findings.iter().filter(|f| f.is_error()).count()
    }
    pub fn warnings(&self) -> usize {
        self.findings.len() - self.errors()
    }
}

/// A file in the inbox that was not read, and why.
#[derive(Debug, Clone, Serialize)]
pub struct Skipped {
    pub file: String,
    pub reason: Msg,
}

#[derive(Debug, Clone, Default)]
pub struct Options {
    pub limits: Limits,
    pub ctx: Context,
    pub progress: bool,
    pub detail: Detail,
}

/// Whether the per-organisation detail (every table row of every unit) is written.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Detail {
    /// Up to [`DETAIL_AUTO_ROWS`] table rows read in all.
    #[default]
    Auto,
    Always,
    Never,
}

/// Table rows read in all above which [`Detail::Auto`] leaves the detail out: a
/// province's few thousand organisations are worth a sheet to filter; a national
/// roll-up's million rows are not, and writing them would cost more than reading every
/// workbook.
pub const DETAIL_AUTO_ROWS: usize = 10_000;

impl Detail {
    /// Whether the detail is written, `rows_read` table rows having been read so far.
    /// Rows only grow, so once this is false for a partial count it stays false.
    pub fn written(self, rows_read: usize) -> bool {
        match self {
            Detail::Always => true,
            Detail::Never => false,
            Detail::Auto => rows_read <= DETAIL_AUTO_ROWS,
        }
    }
}

/// Why the inbox itself could not be listed.
#[derive(Debug, thiserror::Error)]
pub enum InboxError {
    #[error("cannot read folder '{path}'")]
    Walk {
        path: String,
        /// The I/O error itself: walkdir's own error says it and returns it as its
        /// source, which would print the cause twice.
        source: std::io::Error,
    },
    #[error("'{0}' is neither a file nor a folder")]
    NotFound(String),
}

/// A workbook to read: its path, and its name relative to the inbox.
pub type Input = (PathBuf, String);

const EXTENSIONS: &[&str] = &["xlsx", "xls", "ods", "xlsm"];

/// List the workbooks under `root` (a folder or a single file). Symbolic links are never
/// followed, so nothing outside the inbox is read; lock files and other files are listed
/// as skipped so the operator sees them.
pub fn list_inputs(root: &Path) -> Result<(Vec<Input>, Vec<Skipped>), InboxError> {
    list_inputs_except(root, None)
}

/// As [`list_inputs`], leaving out the folder `except` (the output folder, when it lies
/// inside the inbox: a run must never read back its own outputs as submissions).
pub fn list_inputs_except(
    root: &Path,
    except: Option<&Path>,
) -> Result<(Vec<Input>, Vec<Skipped>), InboxError> {
    let except = except.and_then(|p| p.canonicalize().ok());
    let meta = std::fs::symlink_metadata(root)
        .map_err(|_| InboxError::NotFound(root.display().to_string()))?;
    if meta.is_file() {
        let name = root
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        return Ok((vec![(root.to_path_buf(), name)], Vec::new()));
    }
    if !meta.is_dir() {
        return Err(InboxError::NotFound(root.display().to_string()));
    }
    let mut files = Vec::new();
    let mut skipped = Vec::new();
    let outside = |e: &walkdir::DirEntry| {
        !e.file_type().is_dir() || except.is_none() || e.path().canonicalize().ok() != except
    };
    for entry in walkdir::WalkDir::new(root)
        .follow_links(false)
        .sort_by_file_name()
        .into_iter()
        .filter_entry(outside)
    {
        let entry = match entry {
            Ok(e) => e,
            Err(e) if e.depth() == 0 => {
                let path = root.display().to_string();
                let source = match e.into_io_error() {
                    Some(io) => io,
                    None => std::io::Error::other("file system loop"),
                };
                return Err(InboxError::Walk { path, source });
            }
            Err(e) => {
                let file = e.path().map(|p| rel(root, p)).unwrap_or_default();
                skipped.push(Skipped {
                    file,
                    reason: Msg::new(
                        format!("không đọc được: {e}"),
                        format!("cannot be read: {e}"),
                    ),
                });
                continue;
            }
        };
        if entry.depth() == 0 || entry.file_type().is_dir() {
            continue;
        }
        let file = rel(root, entry.path());
        let name = entry.file_name().to_string_lossy();
        if entry.file_type().is_symlink() {
            skipped.push(Skipped {
                file,
                reason: Msg::new(
                    "liên kết tượng trưng, không đọc theo",
                    "symbolic link, not followed",
                ),
            });
        } else if name.starts_with("~$") || name.starts_with(".~lock") {
            skipped.push(Skipped {
                file,
                reason: Msg::new(
                    "tệp khóa tạm của Excel/LibreOffice",
                    "Excel/LibreOffice lock file",
                ),
            });
        } else if name.starts_with('.') {
            skipped.push(Skipped {
                file,
                reason: Msg::new("tệp ẩn", "hidden file"),
            });
        } else if !entry.file_type().is_file() {
            skipped.push(Skipped {
                file,
                reason: Msg::new("không phải tệp thường", "not a regular file"),
            });
        } else if !has_workbook_extension(&name) {
            skipped.push(Skipped {
                file,
                reason: Msg::new(
                    "không phải tệp .xlsx, .xls, .ods",
                    "not an .xlsx, .xls or .ods file",
                ),
            });
        } else {
            files.push((entry.path().to_path_buf(), file));
        }
    }
    Ok((files, skipped))
}

fn has_workbook_extension(name: &str) -> bool {
    Path::new(name)
        .extension()
        .map(|e| e.to_string_lossy().to_ascii_lowercase())
        .is_some_and(|e| EXTENSIONS.contains(&e.as_str()))
}

fn rel(root: &Path, p: &Path) -> String {
    let r = p.strip_prefix(root).unwrap_or(p);
    r.components()
        .map(|c| c.as_os_str().to_string_lossy())
        .collect::<Vec<_>>()
        .join("/")
}

/// Read and check every file in parallel. The result is sorted by file name so the
/// output does not depend on which thread finished first.
pub fn process_all(form: &Form, inputs: &[Input], opts: &Options) -> Vec<Submission> {
    let bar = ProgressBar::new(inputs.len() as u64);
    if opts.progress {
        bar.set_draw_target(ProgressDrawTarget::stderr());
        bar.set_style(
            ProgressStyle::with_template(
                "{spinner} [{elapsed_precise}] {bar:40} {pos}/{len} {msg}",
            )
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
        );
    } else {
        bar.set_draw_target(ProgressDrawTarget::hidden());
    }
    let rows_read = AtomicUsize::new(0);
    let mut subs: Vec<Submission> = inputs
        .par_iter()
        .map(|(path, name)| {
            let mut s = process_file(form, path, name, opts);
            if let Some(r) = &mut s.report {
                let n: usize = r.tables.iter().map(|t| t.row_count()).sum();
                let so_far = rows_read.fetch_add(n, Ordering::Relaxed) + n;
                // A clean file's rows serve only the detail. A file with findings keeps
                // them for its returned workbook.
                if s.findings.is_empty() && !opts.detail.written(so_far) {
                    for (t, d) in form.tables.iter().zip(&mut r.tables) {
                        d.drop_rows(t.columns.len());
                    }
                }
            }
            bar.inc(1);
            s
        })
        .collect();
    bar.finish_and_clear();
    subs.sort_by(|a, b| a.file.cmp(&b.file));
    subs
}

/// One file, start to finish. Never panics outward: a panic inside a reader becomes a
/// finding on this file and the batch goes on.
pub fn process_file(form: &Form, path: &Path, name: &str, opts: &Options) -> Submission {
    let mut sub = Submission {
        file: name.to_string(),
        sha256: String::new(),
        size: 0,
        modified: None,
        format: None,
        report: None,
        unit: None,
        findings: Vec::new(),
        status: Status::Unreadable,
        superseded_by: None,
    };
    let too_large = |size| {
        file_finding(&ReadError::Sniff(SniffError::TooLarge {
            size,
            limit: opts.limits.max_file_bytes,
        }))
    };
    // Opened once and measured through the handle: one lookup of the path, and the size
    // checked is the size of the file read.
    let opened = std::fs::File::open(path).and_then(|f| Ok((f.metadata()?, f)));
    let (meta, mut file) = match opened {
        Ok(m) => m,
        Err(e) => {
            sub.findings.push(io_finding(&e));
            return sub;
        }
    };
    sub.size = meta.len();
    sub.modified = meta.modified().ok();
    if meta.len() > opts.limits.max_file_bytes {
        // Too big to read into memory, but report.json still names it by its hash:
        // streamed, a buffer at a time.
        let mut hasher = Sha256::new();
        if std::io::copy(&mut file, &mut hasher).is_ok() {
            sub.sha256 = hex(&hasher.finalize());
        }
        sub.findings.push(too_large(meta.len()));
        return sub;
    }
    let mut bytes = Vec::with_capacity(meta.len() as usize);
    // A file growing while it is read stops at the limit, like one that was too big.
    let read = std::io::Read::read_to_end(
        &mut std::io::Read::take(&mut file, opts.limits.max_file_bytes + 1),
        &mut bytes,
    );
    if let Err(e) = read {
        sub.findings.push(io_finding(&e));
        return sub;
    }
    if bytes.len() as u64 > opts.limits.max_file_bytes {
        sub.findings.push(too_large(bytes.len() as u64));
        return sub;
    }
    sub.sha256 = hex(&Sha256::digest(&bytes));
    let out = process_bytes(form, &bytes, opts);
    sub.format = out.format;
    sub.report = out.report;
    sub.unit = out.unit;
    sub.findings = out.findings;
    sub.status = if sub.report.is_none() {
        Status::Unreadable
    } else if sub.unit.is_none() {
        Status::UnknownUnit
    } else if sub.errors() > 0 {
        Status::Rejected
    } else {
        Status::Accepted
    };
    sub
}

/// What reading, extracting and checking a file's bytes gives.
#[derive(Debug, Default)]
pub struct Outcome {
    pub format: Option<Format>,
    pub report: Option<Report>,
    pub unit: Option<usize>,
    pub findings: Vec<Finding>,
}

thread_local! {
    /// Set inside [`catch_quietly`]: a panic there is caught and reported otherwise.
    static READING: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// Keep panics caught inside a reader off the terminal: the file already gets a
/// finding, and a backtrace would only alarm the clerk. Panics anywhere else still print.
pub fn install_panic_hook() {
    let default = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        if !READING.with(|r| r.get()) {
            default(info);
        }
    }));
}

/// Run `f`, turning a panic into `Err` with its message, printed by no hook: for code
/// in our dependencies that panics on bad input (a reader) or on a failed write (a
/// streamed worksheet on a full disk), where the caller has a better message to give.
pub fn catch_quietly<T>(f: impl FnOnce() -> T) -> Result<T, String> {
    let was = READING.with(|r| r.replace(true));
    let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(f));
    READING.with(|r| r.set(was));
    result.map_err(|payload| {
        payload
            .downcast_ref::<String>()
            .cloned()
            .or_else(|| payload.downcast_ref::<&str>().map(|s| s.to_string()))
            .unwrap_or_else(|| "panic".into())
    })
}

/// The whole per-file pipeline on bytes in memory (also the fuzz target's entry point).
pub fn process_bytes(form: &Form, bytes: &[u8], opts: &Options) -> Outcome {
    let run = || {
        let wb = match read::read_workbook(bytes, form, &opts.limits) {
            Ok(wb) => wb,
            Err(e) => {
                return Outcome {
                    findings: vec![file_finding(&e)],
                    ..Outcome::default()
                };
            }
        };
        let (report, mut findings) = extract::extract(form, &wb);
        let (unit, unit_findings) = rules::identify(form, &report);
        findings.extend(unit_findings);
        findings.extend(rules::check(form, &report, &opts.ctx));
        Outcome {
            format: Some(wb.format),
            report: Some(report),
            unit,
            findings,
        }
    };
    catch_quietly(run).unwrap_or_else(|_| Outcome {
        findings: vec![Finding::error(
            "FILE_CORRUPT",
            Msg::new(
                "Tệp có cấu trúc bất thường, không đọc được. Hãy mở bằng Excel/LibreOffice và lưu lại dạng .xlsx.",
                "The file has an abnormal structure and cannot be read. Open it in Excel/LibreOffice and save it as .xlsx.",
            ),
        )],
        ..Outcome::default()
    })
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn io_finding(e: &std::io::Error) -> Finding {
    Finding::error(
        "FILE_CORRUPT",
        Msg::new(
            format!("Không đọc được tệp: {e}."),
            format!("The file cannot be read: {e}."),
        ),
    )
}

/// A whole-file failure as a finding that tells the unit what to do.
pub fn file_finding(e: &ReadError) -> Finding {
    let save = (
        "Hãy mở bằng Excel/LibreOffice và lưu lại dạng .xlsx rồi gửi lại.",
        "Open it in Excel/LibreOffice, save it as .xlsx and send it again.",
    );
    match e {
        ReadError::Sniff(SniffError::Empty) => Finding::error(
            "FILE_EMPTY",
            Msg::new(format!("Tệp rỗng (0 byte), có thể gửi lỗi. {}", save.0), format!("The file is empty (0 bytes), perhaps a failed transfer. {}", save.1)),
        ),
        ReadError::Sniff(SniffError::Encrypted) => Finding::error(
            "FILE_ENCRYPTED",
            Msg::new(
                "Tệp có đặt mật khẩu nên không đọc được. Hãy gỡ mật khẩu (File > Info > Protect Workbook) rồi gửi lại.",
                "The workbook is password-protected. Remove the password (File > Info > Protect Workbook) and send it again.",
            ),
        ),
        ReadError::Sniff(SniffError::TooLarge { size, limit }) => Finding::error(
            "FILE_SIZE",
            Msg::new(
                format!("Tệp quá lớn ({size} byte, giới hạn {limit} byte) so với một biểu mẫu. Hãy xóa dữ liệu thừa, lưu lại và gửi lại."),
                format!("The file is too large ({size} bytes, limit {limit}). Delete extra content, save and send it again."),
            ),
        )
        .found(size.to_string())
        .expected(format!("<= {limit}")),
        ReadError::Sniff(SniffError::ZipBomb { entry, declared, .. }) => Finding::error(
            "FILE_SIZE",
            Msg::new(
                format!("Tệp chứa phần \"{entry}\" giải nén ra {declared} byte, vượt giới hạn an toàn; tệp bị từ chối. Hãy lưu lại từ biểu mẫu gốc."),
                format!("The file's part \"{entry}\" inflates to {declared} bytes, beyond the safe limit; refused. Save it again from the original form."),
            ),
        )
        .found(declared.to_string()),
        ReadError::Sniff(SniffError::NotASpreadsheet { detail }) => Finding::error(
            "FILE_TYPE",
            Msg::new(format!("Tệp không phải bảng tính ({detail}). {}", save.0), format!("The file is not a spreadsheet ({detail}). {}", save.1)),
        )
        .found(detail.clone()),
        ReadError::Sniff(SniffError::UnsupportedFormat { detail }) => Finding::error(
            "FILE_TYPE",
            Msg::new(format!("Định dạng tệp không được hỗ trợ ({detail}). {}", save.0), format!("Unsupported file format ({detail}). {}", save.1)),
        )
        .found(detail.clone()),
        ReadError::Sniff(SniffError::TooManyEntries { count, limit }) => Finding::error(
            "FILE_SIZE",
            Msg::new(
                format!("Tệp chứa {count} phần (giới hạn {limit}), bất thường với một biểu mẫu; tệp bị từ chối. Hãy lưu lại từ biểu mẫu gốc."),
                format!("The file holds {count} parts (limit {limit}), abnormal for a form; refused. Save it again from the original form."),
            ),
        )
        .found(count.to_string()),
        ReadError::Sniff(SniffError::SheetTooLarge { sheet, rows, cols, .. }) => Finding::error(
            "FILE_SIZE",
            Msg::new(
                format!("Sheet thứ {} trải trên {rows} dòng x {cols} cột, quá lớn so với biểu mẫu. Hãy xóa dữ liệu thừa, lưu lại và gửi lại.", sheet + 1),
                format!("Sheet {} spans {rows} rows x {cols} columns, far beyond the form. Delete extra content, save and send it again.", sheet + 1),
            ),
        ),
        ReadError::Sniff(SniffError::TextTooLarge { sheet, limit }) => Finding::error(
            "FILE_SIZE",
            Msg::new(
                format!("Sheet thứ {} chứa chữ lặp lại hoặc khoảng trắng quá nhiều (hơn {} MB khi mở), bất thường với biểu mẫu. Hãy xóa dữ liệu thừa, lưu lại và gửi lại.", sheet + 1, limit / (1024 * 1024)),
                format!("Sheet {} holds repeated text or spaces that would take more than {} MB to open, abnormal for the form. Delete extra content, save and send it again.", sheet + 1, limit / (1024 * 1024)),
            ),
        ),
        ReadError::Sniff(SniffError::CorruptXls { detail }) | ReadError::Sniff(SniffError::CorruptZip { detail }) => Finding::error(
            "FILE_CORRUPT",
            Msg::new(format!("Tệp bị hỏng hoặc không đầy đủ ({detail}). {}", save.0), format!("The file is damaged or incomplete ({detail}). {}", save.1)),
        ),
        ReadError::Open { format, detail } => Finding::error(
            "FILE_CORRUPT",
            Msg::new(format!("Tệp {format:?} bị hỏng, không mở được ({detail}). {}", save.0), format!("The {format:?} file is damaged and cannot be opened ({detail}). {}", save.1)),
        ),
    }
}
