//! One run at a time in an output folder.
//!
//! Two runs into one OUT would each swap in their own set and delete the other's
//! returned workbooks. A run holds an exclusive lock on `OUT/.tonghop-lock` (an operating
//! system lock on the open file, `flock` or `LockFileEx`, through std) from before it
//! reads until its outputs are in place. The file says who holds it (process id and start
//! time) so the second run can tell the clerk. A run that was killed holds nothing: the
//! system drops its lock with the process, so the file it left is stale and the next run
//! simply takes it.

use crate::lang::Lang;
use std::fs::{File, OpenOptions, TryLockError};
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

/// The lock file's name in OUT.
pub const LOCK_FILE: &str = ".tonghop-lock";

/// Why the lock could not be had.
#[derive(Debug, thiserror::Error)]
pub enum LockError {
    /// Another run holds it.
    #[error("{}", busy_message(*.lang, .out, .holder.as_deref()))]
    Busy {
        /// The clerk's language.
        lang: Lang,
        /// The output folder.
        out: String,
        /// What the lock file says of its holder, when it could be read.
        holder: Option<String>,
    },
    /// The lock file could not be created or locked: OUT is not writable, mostly.
    #[error("{} '{out}': {}", .lang.pick("không ghi được vào thư mục kết quả", "output folder is not writable"), crate::lang::io_text(.error, *.lang))]
    Io {
        /// The clerk's language.
        lang: Lang,
        /// The output folder.
        out: String,
        /// Why (said in the message, not again as a cause).
        error: std::io::Error,
    },
}

fn busy_message(lang: Lang, out: &str, holder: Option<&str>) -> String {
    let who = holder.map(|h| format!(" ({h})")).unwrap_or_default();
    match lang {
        Lang::Vi => format!(
            "một lần chạy khác{who} đang ghi vào thư mục kết quả '{out}'; hãy đợi lần chạy đó xong rồi chạy lại, hoặc chọn thư mục khác với --out"
        ),
        Lang::En => format!(
            "another run{who} is writing into the output folder '{out}'; wait for it to finish and run again, or choose another folder with --out"
        ),
    }
}

/// The held lock; dropping it removes the file, then the system lock goes with the handle.
#[derive(Debug)]
pub struct OutLock {
    file: File,
    path: PathBuf,
}

/// Take the lock on `out` (an existing folder), or say who holds it.
pub fn acquire(out: &Path, lang: Lang) -> Result<OutLock, LockError> {
    let path = out.join(LOCK_FILE);
    let io = |error| LockError::Io {
        lang,
        out: out.display().to_string(),
        error,
    };
    // A holder removes the file as it ends: a handle opened just before may lock a file
    // that is no longer there, so the lock counts only while the name is still its file.
    for _ in 0..5 {
        let mut file = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(&path)
            .map_err(io)?;
        match file.try_lock() {
            Ok(()) => {}
            Err(TryLockError::WouldBlock) => {
                return Err(LockError::Busy {
                    lang,
                    out: out.display().to_string(),
                    holder: holder(&mut file, lang),
                });
            }
            Err(TryLockError::Error(e)) => return Err(io(e)),
        }
        if !same_file(&file, &path) {
            continue;
        }
        crate::interrupt::set_lock(Some(path.clone()));
        // Whatever a killed run left here is stale: this run's own line replaces it.
        let line = format!(
            "pid {}\nstarted {}\n",
            std::process::id(),
            chrono::Local::now().format("%Y-%m-%d %H:%M:%S")
        );
        file.set_len(0).map_err(io)?;
        file.seek(SeekFrom::Start(0)).map_err(io)?;
        file.write_all(line.as_bytes()).map_err(io)?;
        return Ok(OutLock { file, path });
    }
    Err(LockError::Busy {
        lang,
        out: out.display().to_string(),
        holder: None,
    })
}

/// The holder as the lock file tells it, in the clerk's words.
fn holder(file: &mut File, lang: Lang) -> Option<String> {
    let mut text = String::new();
    // Windows locks keep others from reading the locked file: no holder then.
    file.take(256).read_to_string(&mut text).ok()?;
    let field = |key: &str| {
        text.lines()
            .find_map(|l| l.strip_prefix(key))
            .map(|v| v.trim().to_string())
            .filter(|v| !v.is_empty() && v.chars().all(|c| c.is_ascii_graphic() || c == ' '))
    };
    let pid = field("pid ")?;
    let started = field("started ").unwrap_or_default();
    Some(match lang {
        Lang::Vi => format!("tiến trình {pid}, bắt đầu lúc {started}"),
        Lang::En => format!("process {pid}, started {started}"),
    })
}

#[cfg(unix)]
fn same_file(file: &File, path: &Path) -> bool {
    use std::os::unix::fs::MetadataExt;
    match (file.metadata(), std::fs::metadata(path)) {
        (Ok(a), Ok(b)) => a.dev() == b.dev() && a.ino() == b.ino(),
        _ => false,
    }
}

/// Windows keeps a name whose file is open and deleted until the last handle closes, and
/// refuses to open it meanwhile: the name cannot move to another file under a handle.
#[cfg(not(unix))]
fn same_file(_file: &File, path: &Path) -> bool {
    path.exists()
}

impl Drop for OutLock {
    fn drop(&mut self) {
        crate::interrupt::set_lock(None);
        let _ = std::fs::remove_file(&self.path);
        let _ = self.file.unlock();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_second_lock_names_the_holder_and_a_released_one_is_taken() {
        let dir = tempfile::tempdir().unwrap();
        let first = acquire(dir.path(), Lang::Vi).unwrap();
        match acquire(dir.path(), Lang::Vi) {
            Err(e @ LockError::Busy { .. }) => {
                let text = e.to_string();
                assert!(text.contains("một lần chạy khác"), "{text}");
                assert!(
                    text.contains(&format!("tiến trình {}", std::process::id())),
                    "{text}"
                );
            }
            other => panic!("{other:?}"),
        }
        drop(first);
        assert!(!dir.path().join(LOCK_FILE).exists());
        // A file left by a killed run, locked by no one: stale, taken over.
        std::fs::write(dir.path().join(LOCK_FILE), "pid 999999\nstarted x\n").unwrap();
        let again = acquire(dir.path(), Lang::En).unwrap();
        let text = std::fs::read_to_string(dir.path().join(LOCK_FILE)).unwrap();
        assert!(
            text.starts_with(&format!("pid {}\n", std::process::id())),
            "{text}"
        );
        drop(again);
    }
}
