//! Ctrl-C, SIGTERM and SIGHUP (and Ctrl-C or a closed console on Windows) during a run.
//!
//! Without a handler the process dies where it stands and leaves its staging folder
//! (a complete report.json, half a workbook) and its lock in OUT. With it:
//!
//! - while reading, nothing is written yet: the lock is removed and the process ends at
//!   once ([`EXIT_CODE`]);
//! - while writing into the staging folder, the run is asked to stop: the next output
//!   step or write sees [`requested`] and fails, and the failure path removes the staging
//!   folder and the lock as for any other error. A second signal ends the process at
//!   once, removing both itself;
//! - while the finished set is swapped in (a few renames), the signal waits for the swap,
//!   which then completes, so OUT never holds half of two runs;
//! - in the other commands that write (`template`, `samples`, ...), every output is
//!   written to a temporary file beside it and renamed into place: the temporary files
//!   being written are removed and the process ends at once, so a stop leaves each output
//!   as it was or whole, and no `.tonghop-*.tmp` behind.
//!
//! It also holds the test-only pause and failure points ([`step`]) that the kill tests
//! use to land a signal or a failure between two output steps.

use crate::lang::Lang;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Mutex, MutexGuard, OnceLock};
use std::time::{Duration, Instant};

/// The exit code of an interrupted run, as shells give a process ended by SIGINT.
pub const EXIT_CODE: u8 = 130;

static STOP: AtomicBool = AtomicBool::new(false);

/// What the handler must clean up if it ends the process itself.
struct State {
    lang: Lang,
    lock: Option<PathBuf>,
    staging: Option<PathBuf>,
    swapping: bool,
    /// The new set is in place: a stop now loses nothing, and says so.
    published: bool,
    signals: u32,
    /// Temporary files being written outside a staging folder.
    temps: Vec<PathBuf>,
}

static STATE: Mutex<State> = Mutex::new(State {
    lang: Lang::Vi,
    lock: None,
    staging: None,
    swapping: false,
    published: false,
    signals: 0,
    temps: Vec::new(),
});

fn state() -> MutexGuard<'static, State> {
    STATE.lock().unwrap_or_else(|p| p.into_inner())
}

/// Install the handler (once per process; later calls only set the language). A
/// process that never calls it (a library user, a test) keeps the default behaviour,
/// and [`requested`] stays false.
pub fn install(lang: Lang) {
    state().lang = lang;
    static ONCE: OnceLock<()> = OnceLock::new();
    ONCE.get_or_init(|| {
        // Another handler already set by the embedding program: it keeps its own.
        let _ = ctrlc::set_handler(on_signal);
    });
}

/// Whether a signal asked the run to stop.
pub fn requested() -> bool {
    STOP.load(Ordering::Relaxed)
}

/// What the clerk reads when the run stops on a signal after its outputs were swapped in.
pub fn message_published(lang: Lang) -> &'static str {
    lang.pick(
        "đã dừng theo yêu cầu (Ctrl-C) sau khi đã ghi đủ kết quả",
        "stopped on request (Ctrl-C) after the outputs were written in full",
    )
}

/// Record that the run's outputs are in place.
pub fn set_published() {
    state().published = true;
}

/// What the clerk reads when a command that holds no output folder stops on a signal.
pub fn message_no_run(lang: Lang) -> &'static str {
    lang.pick(
        "đã dừng theo yêu cầu (Ctrl-C); không có tệp nào bị ghi dở",
        "stopped on request (Ctrl-C); no file was left half-written",
    )
}

/// What the clerk reads when the run stops on a signal.
pub fn message(lang: Lang) -> &'static str {
    lang.pick(
        "đã dừng theo yêu cầu (Ctrl-C); kết quả của lần chạy trước trong thư mục kết quả được giữ nguyên",
        "stopped on request (Ctrl-C); the previous outputs in the output folder are as they were",
    )
}

fn on_signal() {
    STOP.store(true, Ordering::SeqCst);
    let mut st = state();
    st.signals += 1;
    if st.swapping {
        // The swap holds no lock on this state while it renames; it completes, and the
        // run then ends as it would have.
        return;
    }
    if st.staging.is_some() && st.signals == 1 {
        // The writer stops at its next step and cleans up on its failure path.
        return;
    }
    if let Some(dir) = st.staging.take() {
        let _ = std::fs::remove_dir_all(dir);
    }
    for temp in std::mem::take(&mut st.temps) {
        let _ = std::fs::remove_file(temp);
    }
    let run = st.lock.is_some();
    if let Some(lock) = st.lock.take() {
        let _ = std::fs::remove_file(lock);
    }
    let said = if st.published {
        message_published(st.lang)
    } else if run {
        message(st.lang)
    } else {
        message_no_run(st.lang)
    };
    eprintln!("tonghop: {said}");
    // The state stays locked: nothing registers a new staging folder after this.
    std::process::exit(i32::from(EXIT_CODE));
}

/// Record the lock file the handler removes if it ends the process (`None`: released).
pub fn set_lock(path: Option<PathBuf>) {
    state().lock = path;
}

/// Create the staging folder with `create` and record it, in one step the handler
/// cannot fall between: a signal then either finds no folder or a recorded one.
pub fn create_staging<T>(
    create: impl FnOnce() -> std::io::Result<(T, PathBuf)>,
) -> std::io::Result<T> {
    let mut st = state();
    let (made, path) = create()?;
    st.staging = Some(path);
    Ok(made)
}

/// Create a temporary file with `create` and record its path (`path_of`), in one step the
/// handler cannot fall between, so a signal removes it.
pub fn create_temp<T>(
    create: impl FnOnce() -> std::io::Result<T>,
    path_of: impl FnOnce(&T) -> &std::path::Path,
) -> std::io::Result<T> {
    let mut st = state();
    let made = create()?;
    st.temps.push(path_of(&made).to_path_buf());
    Ok(made)
}

/// Forget a temporary file (renamed into place, or removed).
pub fn forget_temp(path: &std::path::Path) {
    state().temps.retain(|p| p != path);
}

/// Forget the staging folder (removed, or swapped in).
pub fn clear_staging() {
    state().staging = None;
}

/// Marks the swap of a finished set into OUT: a signal meanwhile waits for it.
#[must_use]
pub struct Swapping(());

/// Start a swap, unless a signal already asked the run to stop.
pub fn begin_swap() -> Option<Swapping> {
    let mut st = state();
    if requested() {
        return None;
    }
    st.swapping = true;
    Some(Swapping(()))
}

impl Drop for Swapping {
    fn drop(&mut self) {
        state().swapping = false;
    }
}

/// What a test-only step point did.
#[derive(Debug)]
pub enum Step {
    /// A signal arrived while paused there.
    Interrupted,
    /// The failure asked for there.
    Failed(std::io::Error),
}

/// The test-only points between output steps, from two environment variables that no
/// clerk sets and the README does not offer: `TONGHOP_TEST_PAUSE_AT=<step>` makes the run
/// say `tonghop: test pause at <step>` on standard error and wait there (up to a minute,
/// until a signal, or until the file `TONGHOP_TEST_RESUME` names exists), so a test can
/// kill it at that moment, or change the inbox and let it go on;
/// `TONGHOP_TEST_FAIL_AT=<step>` makes the run fail there as a full disk would. Paused
/// inside the swap, a signal only ends the pause: the swap goes on, as it would.
pub fn step(name: &str) -> Result<(), Step> {
    type Points = (Option<String>, Option<String>, Option<std::path::PathBuf>);
    static POINTS: OnceLock<Points> = OnceLock::new();
    let (pause, fail, resume) = POINTS.get_or_init(|| {
        let var = |k| std::env::var(k).ok().filter(|v: &String| !v.is_empty());
        (
            var("TONGHOP_TEST_PAUSE_AT"),
            var("TONGHOP_TEST_FAIL_AT"),
            var("TONGHOP_TEST_RESUME").map(std::path::PathBuf::from),
        )
    });
    let resumed = || resume.as_ref().is_some_and(|p| p.exists());
    if pause.as_deref() == Some(name) && !resumed() {
        eprintln!("tonghop: test pause at {name}");
        let start = Instant::now();
        while !requested() && !resumed() && start.elapsed() < Duration::from_secs(60) {
            std::thread::sleep(Duration::from_millis(5));
        }
    }
    if fail.as_deref() == Some(name) {
        return Err(Step::Failed(std::io::Error::new(
            std::io::ErrorKind::StorageFull,
            format!("test failure at {name}"),
        )));
    }
    if requested() && !state().swapping {
        return Err(Step::Interrupted);
    }
    Ok(())
}
