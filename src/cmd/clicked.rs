//! Started by a double-click, or with a folder dropped onto it: the main job with
//! defaults, a summary, and a window that waits.
//!
//! A clerk on Windows does not open `cmd`: they double-click `tonghop.exe`, or drag the
//! folder of the units' files onto it. Windows then starts the program with no
//! arguments, or with the one folder (absolute, quoted when it has spaces), in a console
//! window of its own that closes the moment the program ends. This module is that use,
//! and only that: [`detect`] tells it from a command line before clap sees one, and
//! [`run`] does the job through `tonghop run`'s own code.
//!
//! **When.** Decided on the raw arguments, before clap, so nothing clap does changes it:
//!
//! - no arguments at all: the inbox beside the program (below);
//! - exactly one argument that is an existing folder, and neither an option (`-…`) nor
//!   the name of a command (`run`, `samples`, `help`…, any case): that folder. A command
//!   name always wins, so `tonghop samples` in a folder holding `samples/` is still the
//!   command, as before. A relative folder typed in a terminal counts too
//!   (`tonghop.exe nop` from `cmd`): it is what the clerk meant.
//!   Windows writes a dropped drive root as `"D:\"`, which its own argument rules read as
//!   `D:"`: when the argument as given is not a folder, one ending in `"` is tried
//!   without it (and `D:` as `D:\`, not "the current folder of drive D").
//! - anything else (two arguments, an option, a file) goes to clap as before. The mode
//!   takes no options, `--lang` included: its language is `TONGHOP_LANG`, else
//!   Vietnamese; its form is `TONGHOP_FORM`, else the default, as for every command.
//!
//! **The inbox beside the program.** With no arguments the job runs on the folder
//! [`INBOX_NAME`] (`bai-nop`, *bài nộp*, "submissions", the word the messages use) in
//! the program's folder; a clerk who creates it by hand may write it `Bài nộp`,
//! `bai nop` or `BAI_NOP`: a folder whose name folds to `bai-nop` (diacritics, case,
//! spaces and `_`) is taken when the exact one is absent, and two such folders are
//! refused as ambiguous. One name only, no `inbox`/`hop-thu` as well: the guidance names
//! exactly one folder, and any other folder can be dropped. Without it the program says
//! what to do (put the files in that folder, or drop a folder onto the program; the other
//! commands: `tonghop --help`) and exits 2, creating nothing: on Linux the program's
//! folder is `~/.cargo/bin` or `/usr/local/bin`, where a user typing `tonghop` to learn
//! the commands must not find a folder appear, and on Windows the message names the
//! folder to make. "Beside the program" is `std::env::current_exe()`'s folder, or
//! [`EXE_DIR_VAR`] (`TONGHOP_TEST_EXE_DIR`) when set: for tests only, not offered to
//! clerks.
//!
//! **The outputs** go into a new folder `ket-qua-YYYY-MM-DD` ([`dated_name`]; ISO, so
//! that Explorer lists the runs in order) beside the inbox, `-2`, `-3`… when that exists,
//! each created with `create_dir`, which fails if the folder is there: a previous result
//! is never overwritten, and a clerk who double-clicks twice gets two folders, not two
//! runs into one. Beside the inbox, not beside the program: that is where the clerk
//! looks, a folder they could put files in is one they can write beside, the program's
//! folder may be read-only (a shared drive, a USB stick), and beside is never inside
//! the inbox. With no arguments the two places are the same folder. A dropped drive
//! root has no "beside": its outputs go beside the program. The date is the run's day
//! ([`crate::deadline::today`]: `TONGHOP_TODAY` fixes it in tests). When the run fails
//! before writing, the empty folder it was given is removed again.
//!
//! **The job** is `tonghop run INBOX --out OUT` with every other option at its default
//! (`super::run::Args::defaults`, built by clap), through the same function: the same
//! checks, outputs, summary (it names the returned units and lists every file written),
//! exit codes (0, 1, 2, 130) and archive, `tonghop-luu-tru.sqlite` beside OUT, so beside
//! the inbox. A clerk who keeps dropping folders from the same place (the desktop) keeps
//! one archive; the summary says where it is. A folder that holds `tong-hop.xlsx` and
//! `report.json` is refused (exit 2): it is a previous result dropped by mistake, and
//! its returned workbooks would be read as submissions.
//!
//! **Errors** (no inbox, several, a refused folder, an output folder that cannot be
//! made, any error of the run) are said on standard error in the mode's language, as
//! the commands say theirs, and the window waits after them as after a result. Exit 2,
//! as `run`'s for a run that could not proceed. A panic (a bug) is caught so that the
//! window still waits, with a line asking for a screenshot; its exit code is Rust's
//! 101. A Ctrl-C while the files are read ends the process in the signal handler, as
//! for `run`, leaving the empty dated folder (the next click takes the next name).
//!
//! **Afterwards** the full path of `tong-hop.xlsx` is printed last, where the eye lands.
//! Then, only when the window is the program's own (below), Explorer is opened on the
//! output folder with `tong-hop.xlsx` selected (`explorer /select,…`, Windows only):
//! the clerk sees the workbook and `tra-lai/` to send back, and no spreadsheet program
//! is started. On other systems the path is all.
//!
//! **The wait.** "Nhấn Enter để đóng cửa sổ…" keeps the window open, after a result and
//! after an error alike, only when it would otherwise vanish ([`should_wait`]): on
//! Windows, with standard input a console, and the console not shared with another
//! program (`GetConsoleProcessList` counts one process: Explorer made it for us; typed
//! in `cmd`, the window stays anyway and nothing waits). Never on other systems, where a
//! terminal outlives its programs; never for a pipe or a test, so nothing hangs;
//! never after Ctrl-C (the clerk asked to stop). [`NO_WAIT_VAR`]
//! (`TONGHOP_TEST_NO_WAIT`), for tests only, turns off the wait and Explorer, for a
//! check under Wine whose standard input is a console.

use crate::lang::Lang;
use chrono::NaiveDate;
use std::ffi::{OsStr, OsString};
use std::io::Write;
use std::path::{Path, PathBuf};

/// The inbox beside the program that a start with no arguments runs on.
pub const INBOX_NAME: &str = "bai-nop";
/// The output folders' names: `ket-qua-YYYY-MM-DD`, then `-2`, `-3`…
pub const OUT_PREFIX: &str = "ket-qua";
/// Test-only: the folder taken as the program's own, instead of `current_exe()`'s.
pub const EXE_DIR_VAR: &str = "TONGHOP_TEST_EXE_DIR";
/// Test-only: never wait for Enter, never open Explorer.
pub const NO_WAIT_VAR: &str = "TONGHOP_TEST_NO_WAIT";
/// The exit code when there is nothing to run on, or the folder is refused: as `run`'s
/// for an inbox it cannot read.
pub const EXIT_NOTHING: u8 = 2;
/// Most output folders of one day: far beyond any clerk's clicks.
const MAX_SAME_DAY: u32 = 999;

/// How the program was started, when it is this mode.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Start {
    /// No arguments: a double-click.
    Bare,
    /// One existing folder: dropped onto the program (or typed alone).
    Dropped(PathBuf),
}

/// This mode, when `args` (the program's name first) is a double-click or a drop;
/// `None`: the command line is clap's.
pub fn detect(args: &[OsString]) -> Option<Start> {
    detect_with(args, |p| p.is_dir())
}

fn detect_with(args: &[OsString], is_dir: impl Fn(&Path) -> bool) -> Option<Start> {
    match args {
        [] | [_] => Some(Start::Bare),
        [_, one] => dropped(one, is_dir).map(Start::Dropped),
        _ => None,
    }
}

/// The folder `arg` names, when it is one and neither an option nor a command.
fn dropped(arg: &OsStr, is_dir: impl Fn(&Path) -> bool) -> Option<PathBuf> {
    let text = arg.to_string_lossy();
    if text.is_empty() || text.starts_with('-') || is_command(&text) {
        return None;
    }
    candidates(arg).into_iter().find(|p| is_dir(p))
}

/// Whether `word` is the name of a command (or `help`, which clap would take for one).
fn is_command(word: &str) -> bool {
    use clap::CommandFactory;
    let cli = super::Cli::command();
    let names = cli
        .get_subcommands()
        .flat_map(|s| std::iter::once(s.get_name()).chain(s.get_all_aliases()));
    std::iter::once("help")
        .chain(names)
        .any(|n| n.eq_ignore_ascii_case(word))
}

/// The paths `arg` may mean: itself, then, for Windows' reading of a quoted path that
/// ends in a backslash (`"D:\"` arrives as `D:"`), the path without its trailing quote,
/// a bare drive as its root.
fn candidates(arg: &OsStr) -> Vec<PathBuf> {
    let mut out = vec![PathBuf::from(arg)];
    if let Some(text) = arg.to_str()
        && text.ends_with('"')
    {
        let trimmed = text.trim_end_matches('"').trim_end();
        if !trimmed.is_empty() {
            let bare_drive = trimmed.len() == 2 && trimmed.ends_with(':');
            out.push(PathBuf::from(if bare_drive {
                format!("{trimmed}\\")
            } else {
                trimmed.to_string()
            }));
        }
    }
    out
}

/// A folder name as the clerk may have typed [`INBOX_NAME`]: diacritics, case, spaces,
/// `_` and `-` aside (`Bài nộp` → `bai-nop`).
pub fn folded_name(name: &str) -> String {
    use unicode_normalization::UnicodeNormalization;
    let plain: String = name
        .nfd()
        .filter(|c| !('\u{300}'..='\u{36f}').contains(c))
        .map(|c| match c {
            'đ' | 'Đ' => 'd',
            c => c,
        })
        .flat_map(char::to_lowercase)
        .collect();
    plain
        .split(|c: char| c.is_whitespace() || c == '_' || c == '-')
        .filter(|w| !w.is_empty())
        .collect::<Vec<_>>()
        .join("-")
}

/// The inbox in `dir`: [`INBOX_NAME`] itself, else the one folder whose name folds to it.
/// `Err`: several do.
fn find_inbox(dir: &Path) -> Result<Option<PathBuf>, Vec<PathBuf>> {
    let exact = dir.join(INBOX_NAME);
    if exact.is_dir() {
        return Ok(Some(exact));
    }
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Ok(None);
    };
    let mut found: Vec<PathBuf> = entries
        .flatten()
        .filter(|e| folded_name(&e.file_name().to_string_lossy()) == INBOX_NAME)
        .map(|e| e.path())
        .filter(|p| p.is_dir())
        .collect();
    found.sort();
    match found.len() {
        0 => Ok(None),
        1 => Ok(found.pop()),
        _ => Err(found),
    }
}

/// The name of the `n`th output folder of `date` (from 1).
pub fn dated_name(date: NaiveDate, n: u32) -> String {
    let day = date.format("%Y-%m-%d");
    if n <= 1 {
        format!("{OUT_PREFIX}-{day}")
    } else {
        format!("{OUT_PREFIX}-{day}-{n}")
    }
}

/// Create the first output folder of `date` in `parent` that does not exist yet, and
/// give its path: `create_dir` fails on one that exists, so two runs never share one.
pub fn reserve(parent: &Path, date: NaiveDate) -> std::io::Result<PathBuf> {
    for n in 1..=MAX_SAME_DAY {
        let dir = parent.join(dated_name(date, n));
        match std::fs::create_dir(&dir) {
            Ok(()) => return Ok(dir),
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => continue,
            Err(e) => return Err(e),
        }
    }
    Err(std::io::Error::new(
        std::io::ErrorKind::AlreadyExists,
        format!("{MAX_SAME_DAY} {OUT_PREFIX} folders of {date} already"),
    ))
}

/// Where the output folder goes: beside the inbox, or beside the program when the inbox
/// has no folder above it (a drive's root).
pub fn out_parent(inbox: &Path, exe_dir: Option<&Path>) -> Option<PathBuf> {
    match inbox.parent() {
        Some(p) if inbox.file_name().is_some() && !p.as_os_str().is_empty() => {
            Some(p.to_path_buf())
        }
        _ => exe_dir.map(Path::to_path_buf),
    }
}

/// `path` with its `.` and `..` taken out as written (Windows' `absolute` already does;
/// Unix's keeps them), so that `tonghop ..` has a folder name and a folder above it.
fn normalized(path: &Path) -> PathBuf {
    use std::path::Component;
    let mut out = PathBuf::new();
    for c in path.components() {
        match c {
            Component::CurDir => {}
            // Above a root is the root.
            Component::ParentDir if out.has_root() || out.file_name().is_some() => {
                out.pop();
            }
            c => out.push(c),
        }
    }
    out
}

/// Whether to wait for Enter before the window closes: only on Windows, only when
/// standard input is a console, and not when the console is known to be shared with the
/// shell that started us (`owns_console == Some(false)`); unknown counts as ours, as a
/// window that vanishes is the worse mistake.
pub fn should_wait(windows: bool, stdin_terminal: bool, owns_console: Option<bool>) -> bool {
    windows && stdin_terminal && owns_console != Some(false)
}

/// The program's folder: [`EXE_DIR_VAR`] when set (tests), else the executable's.
fn exe_dir() -> Option<PathBuf> {
    if let Some(dir) = std::env::var_os(EXE_DIR_VAR).filter(|v| !v.is_empty()) {
        return Some(PathBuf::from(dir));
    }
    std::env::current_exe()
        .ok()
        .and_then(|p| p.parent().map(Path::to_path_buf))
}

/// The program's file name as the clerk sees it (`tonghop.exe`).
fn exe_name() -> String {
    std::env::current_exe()
        .ok()
        .and_then(|p| p.file_name().map(|n| n.to_string_lossy().into_owned()))
        .unwrap_or_else(|| "tonghop".into())
}

/// Whether this process is alone on its console: Explorer made the window for it.
/// `None` where that cannot be told.
#[cfg(windows)]
fn owns_console() -> Option<bool> {
    #[link(name = "kernel32")]
    unsafe extern "system" {
        fn GetConsoleProcessList(list: *mut u32, count: u32) -> u32;
    }
    let mut ids = [0u32; 4];
    // SAFETY: the buffer holds `ids.len()` process ids; the call writes at most that many
    // and returns how many processes share the console (0 on failure).
    let n = unsafe { GetConsoleProcessList(ids.as_mut_ptr(), ids.len() as u32) };
    (n > 0).then_some(n == 1)
}

#[cfg(not(windows))]
fn owns_console() -> Option<bool> {
    None
}

/// Whether someone is at this window, to be waited for and shown the folder.
fn attended() -> bool {
    use std::io::IsTerminal;
    if std::env::var_os(NO_WAIT_VAR).is_some_and(|v| !v.is_empty()) {
        return false;
    }
    should_wait(
        cfg!(windows),
        std::io::stdin().is_terminal(),
        owns_console(),
    )
}

/// A line on standard output; a window has no closed pipe to mind.
fn say(text: &str) {
    let mut out = std::io::stdout().lock();
    let _ = writeln!(out, "{text}");
    let _ = out.flush();
}

/// A line on standard error.
fn warn(text: &str) {
    let _ = writeln!(std::io::stderr().lock(), "{text}");
}

/// Run the mode; the number is the process exit code.
pub fn run(start: Start) -> u8 {
    let lang = super::args::env_lang().unwrap_or_default();
    let attended = attended();
    let job = std::panic::catch_unwind(|| job(start, lang, attended));
    let code = job.unwrap_or_else(|_| {
        // The panic hook has said what; the clerk is told what to do with it.
        warn(lang.pick(
            "tonghop: lỗi bên trong chương trình; hãy chụp lại màn hình này và báo cho người phụ trách",
            "tonghop: internal error; take a screenshot of this window and report it",
        ));
        101
    });
    if attended && code != crate::interrupt::EXIT_CODE {
        let mut out = std::io::stdout().lock();
        let _ = write!(
            out,
            "\n{}",
            lang.pick(
                "Nhấn Enter để đóng cửa sổ…",
                "Press Enter to close this window…"
            )
        );
        let _ = out.flush();
        drop(out);
        let _ = std::io::stdin().read_line(&mut String::new());
    }
    code
}

/// The job itself: find the inbox, make the output folder, run, point at the result.
fn job(start: Start, lang: Lang, attended: bool) -> u8 {
    let exe_dir = exe_dir();
    let inbox = match start {
        Start::Dropped(dir) => dir,
        Start::Bare => match exe_dir.as_deref().map(find_inbox) {
            Some(Ok(Some(dir))) => dir,
            Some(Err(several)) => {
                let names: Vec<String> = several.iter().map(|p| p.display().to_string()).collect();
                warn(&match lang {
                    Lang::Vi => format!(
                        "tonghop: có nhiều thư mục bài nộp cạnh chương trình: {}\nHãy chỉ giữ một thư mục {INBOX_NAME}, hoặc kéo thư mục cần tổng hợp thả lên {}.",
                        names.join(", "),
                        exe_name()
                    ),
                    Lang::En => format!(
                        "tonghop: several inbox folders beside the program: {}\nKeep one {INBOX_NAME} folder, or drop the folder to consolidate onto {}.",
                        names.join(", "),
                        exe_name()
                    ),
                });
                return EXIT_NOTHING;
            }
            _ => {
                warn(&guidance(exe_dir.as_deref(), &exe_name(), lang));
                return EXIT_NOTHING;
            }
        },
    };
    // Absolute, so that every path said is one the clerk can find, whatever the current
    // folder (Windows gives a dropped folder absolute already; a typed one may not be).
    let inbox = normalized(&std::path::absolute(&inbox).unwrap_or(inbox));
    if inbox.join("tong-hop.xlsx").is_file() && inbox.join("report.json").is_file() {
        warn(&match lang {
            Lang::Vi => format!(
                "tonghop: '{}' là thư mục kết quả của một lần tổng hợp trước (có tong-hop.xlsx và report.json), không phải thư mục bài nộp; hãy kéo thư mục chứa các bảng tính các đơn vị gửi.",
                inbox.display()
            ),
            Lang::En => format!(
                "tonghop: '{}' is the output folder of an earlier run (it holds tong-hop.xlsx and report.json), not an inbox; drop the folder of the units' workbooks.",
                inbox.display()
            ),
        });
        return EXIT_NOTHING;
    }
    let Some(parent) = out_parent(&inbox, exe_dir.as_deref()) else {
        warn(lang.pick(
            "tonghop: không xác định được nơi ghi kết quả",
            "tonghop: no place to write the outputs could be found",
        ));
        return EXIT_NOTHING;
    };
    let today = match crate::deadline::today() {
        Ok(d) => d,
        Err(e) => {
            warn(&format!("tonghop: {}", e.message(lang)));
            return EXIT_NOTHING;
        }
    };
    let out = match reserve(&parent, today) {
        Ok(dir) => dir,
        Err(e) => {
            warn(&format!(
                "tonghop: {} '{}': {}",
                lang.pick(
                    "không tạo được thư mục kết quả trong",
                    "cannot create the output folder in"
                ),
                parent.display(),
                crate::lang::io_text(&e, lang)
            ));
            return EXIT_NOTHING;
        }
    };
    say(&format!(
        "{}: {}\n{}: {}\n",
        lang.pick("Thư mục bài nộp", "Inbox"),
        inbox.display(),
        lang.pick("Kết quả ghi vào", "Outputs in"),
        out.display()
    ));
    let args = match super::run::Args::defaults(inbox, out.clone()) {
        Ok(a) => a,
        Err(e) => {
            warn(&format!("tonghop: {}", super::error_text(&e, lang)));
            let _ = std::fs::remove_dir(&out);
            return EXIT_NOTHING;
        }
    };
    let code = match super::run::run(args, lang) {
        Ok(code) => code,
        Err(e) => {
            warn(&format!("tonghop: {}", super::error_text(&e, lang)));
            // Only an empty folder goes: the run left nothing in it.
            let _ = std::fs::remove_dir(&out);
            return 2;
        }
    };
    let workbook = out.join("tong-hop.xlsx");
    if !workbook.is_file() {
        // Stopped (Ctrl-C) before its outputs were in place: nothing is left in OUT.
        let _ = std::fs::remove_dir(&out);
        return code;
    }
    if code == crate::interrupt::EXIT_CODE {
        return code;
    }
    say("");
    if code == 1 {
        say(&format!(
            "{}: {}",
            lang.pick(
                "Gửi trả mỗi đơn vị có lỗi tệp mang mã của đơn vị đó, trong thư mục",
                "Send each unit with faults the file named by its code, in the folder"
            ),
            out.join(crate::write::staging::RETURNED_DIR).display()
        ));
    }
    say(&format!(
        "{}: {}",
        lang.pick("Bảng tổng hợp", "Consolidated workbook"),
        workbook.display()
    ));
    if attended {
        reveal(&workbook);
    }
    code
}

/// What to do when there is no inbox beside the program.
fn guidance(exe_dir: Option<&Path>, exe: &str, lang: Lang) -> String {
    let inbox = exe_dir.map_or_else(
        || INBOX_NAME.to_string(),
        |d| d.join(INBOX_NAME).display().to_string(),
    );
    match lang {
        Lang::Vi => format!(
            "tonghop: không tìm thấy thư mục bài nộp {inbox}\n\
             \n\
             Để tổng hợp báo cáo của các đơn vị, làm một trong hai cách:\n\
             \x20 1. Tạo thư mục {INBOX_NAME} cạnh {exe} ({inbox}), chép vào đó các bảng tính các đơn vị gửi (.xlsx, .xls, .ods; để trong thư mục con cũng được), rồi nhấp đúp lại vào {exe}.\n\
             \x20 2. Kéo thư mục chứa các bảng tính đó và thả lên {exe}.\n\
             Kết quả được ghi vào một thư mục mới {OUT_PREFIX}-<năm-tháng-ngày> cạnh thư mục bài nộp.\n\
             \n\
             Các lệnh khác của chương trình (gõ trong cửa sổ dòng lệnh): tonghop --help"
        ),
        Lang::En => format!(
            "tonghop: no inbox folder {inbox}\n\
             \n\
             To consolidate the units' reports, either:\n\
             \x20 1. create the folder {INBOX_NAME} beside {exe} ({inbox}), copy the workbooks the units sent into it (.xlsx, .xls, .ods; sub-folders are fine), and double-click {exe} again; or\n\
             \x20 2. drag the folder holding them and drop it onto {exe}.\n\
             The outputs go into a new folder {OUT_PREFIX}-<year-month-day> beside the inbox.\n\
             \n\
             The program's other commands (typed in a terminal): tonghop --help"
        ),
    }
}

/// Show the clerk the output folder with `workbook` selected: Windows only.
#[cfg(windows)]
fn reveal(workbook: &Path) {
    use std::os::windows::process::CommandExt;
    // Explorer reads its own command line: `/select,"path"`, quoted after the comma
    // (a Windows path holds no quote). Its exit code means nothing, so none is awaited.
    let _ = std::process::Command::new("explorer")
        .raw_arg(format!("/select,\"{}\"", workbook.display()))
        .spawn();
}

#[cfg(not(windows))]
fn reveal(_workbook: &Path) {}

#[cfg(test)]
mod tests {
    use super::*;

    fn os(args: &[&str]) -> Vec<OsString> {
        args.iter().map(OsString::from).collect()
    }

    #[test]
    fn the_mode_is_no_arguments_or_one_folder_that_is_no_command() {
        let dirs = ["/home/c/bai nop", "samples", "run", "D:\\", "C:\\Nộp bài"];
        let is_dir = |p: &Path| dirs.iter().any(|d| Path::new(d) == p);
        let detect = |a: &[&str]| detect_with(&os(a), is_dir);
        assert_eq!(detect(&[]), Some(Start::Bare));
        assert_eq!(detect(&["tonghop"]), Some(Start::Bare));
        assert_eq!(
            detect(&["tonghop", "/home/c/bai nop"]),
            Some(Start::Dropped("/home/c/bai nop".into()))
        );
        // Windows' reading of `"D:\"` and of `"C:\Nộp bài\"`.
        assert_eq!(
            detect(&["tonghop", "D:\""]),
            Some(Start::Dropped("D:\\".into()))
        );
        assert_eq!(
            detect(&["tonghop", "C:\\Nộp bài\""]),
            Some(Start::Dropped("C:\\Nộp bài".into()))
        );
        // A command's name, even when a folder of that name exists; any case.
        assert_eq!(detect(&["tonghop", "samples"]), None);
        assert_eq!(detect(&["tonghop", "run"]), None);
        assert_eq!(detect(&["tonghop", "RUN"]), None);
        assert_eq!(detect(&["tonghop", "help"]), None);
        assert_eq!(detect(&["tonghop", "bench-floor"]), None);
        // Options, files, missing folders and longer command lines are clap's.
        assert_eq!(detect(&["tonghop", "--help"]), None);
        assert_eq!(detect(&["tonghop", "-V"]), None);
        assert_eq!(detect(&["tonghop", "/home/c/a.xlsx"]), None);
        assert_eq!(detect(&["tonghop", "/nowhere"]), None);
        assert_eq!(detect(&["tonghop", ""]), None);
        assert_eq!(detect(&["tonghop", "/home/c/bai nop", "--lang"]), None);
        assert_eq!(detect(&["tonghop", "run", "samples"]), None);
    }

    #[test]
    fn a_trailing_quote_is_tried_off_only_as_a_second_reading() {
        assert_eq!(candidates(OsStr::new("a")), vec![PathBuf::from("a")]);
        assert_eq!(
            candidates(OsStr::new("x\"")),
            vec![PathBuf::from("x\""), PathBuf::from("x")]
        );
        assert_eq!(
            candidates(OsStr::new("E:\"")),
            vec![PathBuf::from("E:\""), PathBuf::from("E:\\")]
        );
        assert_eq!(candidates(OsStr::new("\"")), vec![PathBuf::from("\"")]);
    }

    #[test]
    fn the_inbox_name_as_a_clerk_may_type_it() {
        for name in [
            "bai-nop",
            "Bài nộp",
            "BÀI NỘP",
            "bai_nop",
            " bai  nop ",
            "Bài-Nộp",
        ] {
            assert_eq!(folded_name(name), INBOX_NAME, "{name}");
        }
        // NFD, as macOS writes names.
        assert_eq!(folded_name("Ba\u{300}i no\u{323}\u{302}p"), INBOX_NAME);
        for name in ["bai-nop-cu", "nop", "bainop", "ket-qua"] {
            assert_ne!(folded_name(name), INBOX_NAME, "{name}");
        }
        assert_eq!(folded_name("Đảng ủy"), "dang-uy");
    }

    #[test]
    fn the_inbox_beside_the_program_is_found_exact_or_folded_and_never_guessed() {
        let dir = tempfile::tempdir().unwrap();
        assert_eq!(find_inbox(dir.path()), Ok(None));
        std::fs::write(dir.path().join("Bài nộp"), b"a file, not a folder").unwrap();
        assert_eq!(find_inbox(dir.path()), Ok(None));
        std::fs::create_dir(dir.path().join("BAI_NOP")).unwrap();
        assert_eq!(find_inbox(dir.path()), Ok(Some(dir.path().join("BAI_NOP"))));
        std::fs::create_dir(dir.path().join("bai nop")).unwrap();
        assert_eq!(
            find_inbox(dir.path()),
            Err(vec![dir.path().join("BAI_NOP"), dir.path().join("bai nop")])
        );
        std::fs::create_dir(dir.path().join(INBOX_NAME)).unwrap();
        assert_eq!(
            find_inbox(dir.path()),
            Ok(Some(dir.path().join(INBOX_NAME)))
        );
    }

    #[test]
    fn output_folders_are_dated_and_never_reused() {
        let day = NaiveDate::from_ymd_opt(2026, 12, 3).unwrap();
        assert_eq!(dated_name(day, 1), "ket-qua-2026-12-03");
        assert_eq!(dated_name(day, 2), "ket-qua-2026-12-03-2");
        assert_eq!(dated_name(day, 10), "ket-qua-2026-12-03-10");
        let dir = tempfile::tempdir().unwrap();
        let first = reserve(dir.path(), day).unwrap();
        let second = reserve(dir.path(), day).unwrap();
        assert_eq!(first, dir.path().join("ket-qua-2026-12-03"));
        assert_eq!(second, dir.path().join("ket-qua-2026-12-03-2"));
        assert!(first.is_dir() && second.is_dir());
        // A file in the way is skipped like a folder.
        std::fs::write(dir.path().join("ket-qua-2026-12-03-3"), b"").unwrap();
        assert_eq!(
            reserve(dir.path(), day).unwrap(),
            dir.path().join("ket-qua-2026-12-03-4")
        );
        assert!(reserve(&dir.path().join("missing"), day).is_err());
    }

    #[test]
    fn outputs_go_beside_the_inbox_or_beside_the_program_for_a_drive_root() {
        let exe = Path::new("/opt/th");
        assert_eq!(
            out_parent(Path::new("/home/c/bai-nop"), Some(exe)),
            Some(PathBuf::from("/home/c"))
        );
        assert_eq!(
            out_parent(Path::new("/home/c/bai-nop/"), Some(exe)),
            Some(PathBuf::from("/home/c"))
        );
        assert_eq!(out_parent(Path::new("/"), Some(exe)), Some(exe.into()));
        assert_eq!(out_parent(Path::new("/"), None), None);
    }

    #[test]
    fn dots_are_taken_out_of_a_typed_folder() {
        assert_eq!(normalized(Path::new("/a/b/../c/./d")), Path::new("/a/c/d"));
        assert_eq!(normalized(Path::new("/a/..")), Path::new("/"));
        assert_eq!(normalized(Path::new("/..")), Path::new("/"));
    }

    #[test]
    fn the_window_waits_only_on_windows_at_a_console_of_its_own() {
        assert!(should_wait(true, true, Some(true)));
        assert!(should_wait(true, true, None));
        assert!(!should_wait(true, true, Some(false)));
        assert!(!should_wait(true, false, Some(true)));
        assert!(!should_wait(false, true, Some(true)));
        assert!(!should_wait(false, true, None));
    }
}
