//! A run's outputs as one set: written into a staging folder inside OUT, then swapped in.
//!
//! Replacing the outputs one by one leaves OUT holding two runs whenever the run stops
//! half-way (a signal, a full disk, a tong-hop.xlsx held open by Excel): new returned
//! workbooks beside an old tong-hop.xlsx, a report.json listing files already deleted.
//! So a run writes everything into `OUT/.tonghop-staging-XXXX/` (same names, same
//! layout), syncs it, and only then swaps it in:
//!
//! 1. the journal `OUT/.tonghop-journal.json` is written (synced, renamed into place)
//!    naming the staging folder, the outputs of the new set and the stale outputs of the
//!    old one;
//! 2. every old output is moved aside into the staging folder's `old/`;
//! 3. every new output is moved into place;
//! 4. OUT is synced, the journal removed, OUT synced again, the staging folder deleted.
//!
//! Each step is a rename within one file system. If moving an old output aside fails
//! (Windows refuses to rename a file open in Excel), the moves already made are undone
//! and the previous set stays whole. If the process dies between 1 and 4, the next run
//! finds the journal and completes the swap ([`recover`]) before it does anything else:
//! the staged set was complete and synced before the journal was written. Outside the
//! swap, a dead run leaves only a staging folder, which the next run deletes
//! ([`remove_leftovers`]); the previous set was never touched.

use super::WriteError;
use crate::interrupt::{self, Step};
use serde::{Deserialize, Serialize};
use std::io;
use std::path::{Path, PathBuf};

/// The journal's name in OUT.
pub const JOURNAL: &str = ".tonghop-journal.json";
/// Staging folders are named with this prefix and a random tail.
pub const STAGING_PREFIX: &str = ".tonghop-staging-";
/// Where old outputs wait inside the staging folder during the swap.
const OLD: &str = "old";
/// The folder of returned workbooks, in OUT as in the staging folder.
pub const RETURNED_DIR: &str = "tra-lai";

/// Why the new set could not be swapped in; the previous set is whole unless said.
#[derive(Debug, thiserror::Error)]
pub enum SwapError {
    /// An old output could not be moved aside (open in another program, say): nothing
    /// was replaced.
    #[error("cannot replace '{path}'")]
    Replace {
        /// The output that stayed.
        path: String,
        /// Why.
        #[source]
        source: io::Error,
    },
    /// A file system step of the swap failed.
    #[error("cannot write '{path}'")]
    Io {
        /// The file or folder.
        path: String,
        /// Why.
        #[source]
        source: io::Error,
    },
    /// The run was asked to stop.
    #[error("interrupted")]
    Interrupted,
}

impl From<Step> for SwapError {
    fn from(s: Step) -> SwapError {
        match s {
            Step::Interrupted => SwapError::Interrupted,
            Step::Failed(source) => SwapError::Io {
                path: "(test)".into(),
                source,
            },
        }
    }
}

impl From<SwapError> for WriteError {
    fn from(e: SwapError) -> WriteError {
        match e {
            SwapError::Replace { path, source } | SwapError::Io { path, source } => {
                WriteError::Io { path, source }
            }
            SwapError::Interrupted => WriteError::Io {
                path: String::new(),
                source: io::Error::from(io::ErrorKind::Interrupted),
            },
        }
    }
}

/// What the journal records: enough for a later run to finish the swap alone.
#[derive(Debug, Serialize, Deserialize, PartialEq)]
struct Journal {
    /// The staging folder's name in OUT.
    staging: String,
    /// The new set's outputs, relative to OUT (`/`-separated).
    files: Vec<String>,
    /// Outputs of the old set that the new one has not (returned workbooks of units
    /// clean now): they leave with the old set.
    remove: Vec<String>,
}

impl Journal {
    /// Only names tonghop writes: a journal edited by hand must not move other files.
    fn is_sane(&self) -> bool {
        let name_ok =
            |n: &str| !n.is_empty() && n != "." && n != ".." && !n.contains(['/', '\\', ':', '\0']);
        let output_ok = |f: &String| match f.split_once('/') {
            None => {
                f == "tong-hop.xlsx"
                    || f == "report.json"
                    || f == super::chasing::CSV_FILE
                    || super::upward::is_file_name(f)
            }
            Some((dir, name)) => dir == RETURNED_DIR && name_ok(name),
        };
        self.staging.starts_with(STAGING_PREFIX)
            && name_ok(&self.staging)
            && self.files.iter().all(output_ok)
            && self.remove.iter().all(output_ok)
    }
}

/// The staging folder of one run, deleted when dropped unless swapped in.
#[derive(Debug)]
pub struct Staging {
    out: PathBuf,
    dir: PathBuf,
}

impl Staging {
    /// A new staging folder in `out`, with its `tra-lai/` made.
    pub fn begin(out: &Path) -> Result<Staging, WriteError> {
        let io = super::io_err(out);
        let dir = interrupt::create_staging(|| {
            let dir = tempfile::Builder::new()
                .prefix(STAGING_PREFIX)
                .tempdir_in(out)?
                .keep();
            std::fs::create_dir(dir.join(RETURNED_DIR))?;
            Ok((dir.clone(), dir))
        })
        .map_err(io)?;
        Ok(Staging {
            out: out.to_path_buf(),
            dir,
        })
    }

    /// Where the outputs are written: the same layout as OUT.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Swap the staged set in. `files` are the outputs written into the staging folder
    /// and `remove` the old outputs the new set has not, both relative to OUT.
    pub fn commit(self, files: Vec<String>, remove: Vec<String>) -> Result<(), SwapError> {
        let io_at = |p: &Path| {
            let path = p.display().to_string();
            move |source| SwapError::Io { path, source }
        };
        // Every staged file was synced as it was written; their folders now.
        sync_dir(&self.dir.join(RETURNED_DIR)).map_err(io_at(&self.dir))?;
        std::fs::create_dir_all(self.dir.join(OLD).join(RETURNED_DIR)).map_err(io_at(&self.dir))?;
        sync_dir(&self.dir).map_err(io_at(&self.dir))?;
        interrupt::step("staged")?;
        let journal = Journal {
            staging: file_name(&self.dir),
            files,
            remove,
        };
        let Some(swapping) = interrupt::begin_swap() else {
            return Err(SwapError::Interrupted);
        };
        if let Err(e) = write_journal(&self.out, &journal) {
            // Nothing was moved yet: without its journal the failure leaves OUT as it was.
            let _ = std::fs::remove_file(self.out.join(JOURNAL));
            return Err(e);
        }
        let swapped = swap(&self.out, &journal);
        drop(swapping);
        // The old set, now in old/, goes with the staging folder; or, after a failure,
        // whatever is left of the new one.
        swapped?;
        interrupt::set_published();
        Ok(())
    }
}

impl Drop for Staging {
    fn drop(&mut self) {
        // The journal names this folder while a swap is unfinished: it stays then, for
        // the next run to complete the swap from.
        if !self.out.join(JOURNAL).exists() {
            let _ = std::fs::remove_dir_all(&self.dir);
        }
        interrupt::clear_staging();
    }
}

fn file_name(p: &Path) -> String {
    p.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default()
}

fn rel(root: &Path, f: &str) -> PathBuf {
    f.split('/').fold(root.to_path_buf(), |p, c| p.join(c))
}

fn write_journal(out: &Path, j: &Journal) -> Result<(), SwapError> {
    let path = out.join(JOURNAL);
    let bytes = serde_json::to_vec_pretty(j).map_err(|e| SwapError::Io {
        path: path.display().to_string(),
        source: io::Error::other(e),
    })?;
    super::atomic_write(&path, &bytes).map_err(|e| match e {
        WriteError::Io { path, source } => SwapError::Io { path, source },
        other => SwapError::Io {
            path: path.display().to_string(),
            source: io::Error::other(other.to_string()),
        },
    })?;
    sync_dir(out).map_err(|source| SwapError::Io {
        path: out.display().to_string(),
        source,
    })?;
    interrupt::step("journal")?;
    Ok(())
}

/// Steps 2 to 4, each skipped when already done: the same call finishes a swap that a
/// dead run began. On a failure before the journal is removed, the moves made are undone
/// (when they can be), so a failed swap leaves the previous set, never part of each.
fn swap(out: &Path, j: &Journal) -> Result<(), SwapError> {
    let staging = out.join(&j.staging);
    let io_at = |p: PathBuf| {
        move |source| SwapError::Io {
            path: p.display().to_string(),
            source,
        }
    };
    let moved = (|| {
        move_aside(out, &staging, j)?;
        place(out, &staging, j)?;
        sync_dir(&out.join(RETURNED_DIR))
            .or_else(ignore_missing)
            .map_err(io_at(out.join(RETURNED_DIR)))?;
        sync_dir(out).map_err(io_at(out.to_path_buf()))?;
        interrupt::step("swapped")?;
        Ok(())
    })();
    if let Err(e) = moved {
        // Undone whole, the journal has nothing left to finish: it goes, and the
        // previous set stands. Not undone, it stays for the next run to finish.
        if roll_back(out, &staging, j).is_ok() {
            let _ = std::fs::remove_file(out.join(JOURNAL));
            let _ = sync_dir(out);
        }
        return Err(e);
    }
    // The new set is in place for good: what is left is tidying, and a journal that
    // could not be removed only makes the next run find nothing to finish.
    let _ = std::fs::remove_file(out.join(JOURNAL));
    let _ = sync_dir(out);
    let _ = std::fs::remove_dir_all(&staging);
    Ok(())
}

fn ignore_missing(e: io::Error) -> io::Result<()> {
    if e.kind() == io::ErrorKind::NotFound {
        Ok(())
    } else {
        Err(e)
    }
}

/// Step 2: every old output that the new set replaces or drops goes into `old/`. The
/// consolidated workbook first: it is the one a clerk has open in Excel, and if it cannot
/// move nothing else has.
fn move_aside(out: &Path, staging: &Path, j: &Journal) -> Result<(), SwapError> {
    let old = staging.join(OLD);
    let mut order: Vec<&String> = j.files.iter().chain(&j.remove).collect();
    order.sort_by_key(|f| (f.contains('/'), f.as_str() != "tong-hop.xlsx"));
    for f in order {
        let (from, to) = (rel(out, f), rel(&old, f));
        // Placed already (a swap resumed past this file), or no old file of that name.
        let placed = j.files.contains(f) && !rel(staging, f).exists();
        if placed || !from.exists() {
            continue;
        }
        interrupt::step(&format!("aside {f}"))?;
        std::fs::rename(&from, &to).map_err(|source| SwapError::Replace {
            path: from.display().to_string(),
            source,
        })?;
    }
    interrupt::step("aside")?;
    Ok(())
}

/// Step 3: every new output into place; the returned workbooks first, tong-hop.xlsx last.
fn place(out: &Path, staging: &Path, j: &Journal) -> Result<(), SwapError> {
    if j.files.iter().any(|f| f.contains('/')) {
        std::fs::create_dir_all(out.join(RETURNED_DIR)).map_err(|source| SwapError::Io {
            path: out.join(RETURNED_DIR).display().to_string(),
            source,
        })?;
    }
    let mut order: Vec<&String> = j.files.iter().collect();
    order.sort_by_key(|f| (!f.contains('/'), f.as_str() == "tong-hop.xlsx"));
    let half = order.len() / 2;
    for (k, f) in order.into_iter().enumerate() {
        let (from, to) = (rel(staging, f), rel(out, f));
        if !from.exists() {
            continue;
        }
        if k == half {
            interrupt::step("placing")?;
        }
        std::fs::rename(&from, &to).map_err(|source| SwapError::Io {
            path: to.display().to_string(),
            source,
        })?;
    }
    Ok(())
}

/// Undo steps 3 and 2: new outputs back into the staging folder, old ones back in place.
fn roll_back(out: &Path, staging: &Path, j: &Journal) -> io::Result<()> {
    let old = staging.join(OLD);
    for f in &j.files {
        let (placed, new) = (rel(out, f), rel(staging, f));
        if !new.exists() && placed.exists() {
            std::fs::rename(&placed, &new)?;
        }
    }
    for f in j.files.iter().chain(&j.remove) {
        let (aside, home) = (rel(&old, f), rel(out, f));
        if aside.exists() && !home.exists() {
            std::fs::rename(&aside, &home)?;
        }
    }
    sync_dir(&out.join(RETURNED_DIR)).or_else(ignore_missing)?;
    sync_dir(out)
}

/// A swap that a dead run left unfinished, completed; `Ok(true)` when there was one.
/// Call with OUT's lock held, before anything else touches OUT.
pub fn recover(out: &Path) -> Result<bool, SwapError> {
    let path = out.join(JOURNAL);
    let text = match std::fs::read(&path) {
        Ok(t) => t,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(false),
        Err(source) => {
            return Err(SwapError::Io {
                path: path.display().to_string(),
                source,
            });
        }
    };
    let journal: Option<Journal> = serde_json::from_slice(&text).ok();
    match journal {
        Some(j) if j.is_sane() && out.join(&j.staging).is_dir() => {
            let Some(swapping) = interrupt::begin_swap() else {
                return Err(SwapError::Interrupted);
            };
            let done = swap(out, &j);
            drop(swapping);
            done?;
        }
        // Unreadable, or its staging folder gone: nothing it names can be finished.
        _ => {
            std::fs::remove_file(&path).map_err(|source| SwapError::Io {
                path: path.display().to_string(),
                source,
            })?;
        }
    }
    Ok(true)
}

/// Delete what earlier runs left in OUT: staging folders of runs that died, temporary
/// files of older versions (`.tonghop-*.tmp`, in OUT and tra-lai/). Call after
/// [`recover`], with the lock held: no other run is writing them.
pub fn remove_leftovers(out: &Path) {
    let ours = |name: &str, dir: bool| {
        if dir {
            name.starts_with(STAGING_PREFIX)
        } else {
            name.starts_with(".tonghop-") && name.ends_with(".tmp")
        }
    };
    for dir in [out.to_path_buf(), out.join(RETURNED_DIR)] {
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        for e in entries.flatten() {
            let name = e.file_name().to_string_lossy().into_owned();
            let Ok(ty) = e.file_type() else { continue };
            if ty.is_dir() && ours(&name, true) {
                let _ = std::fs::remove_dir_all(e.path());
            } else if ty.is_file() && ours(&name, false) {
                let _ = std::fs::remove_file(e.path());
            }
        }
    }
}

/// Make a folder's entries (a rename, a new file) durable. Windows has no such call for
/// folders; NTFS journals its metadata.
#[cfg(unix)]
pub fn sync_dir(dir: &Path) -> io::Result<()> {
    std::fs::File::open(dir)?.sync_all()
}

/// Make a folder's entries durable: a no-op where folders cannot be opened to sync.
#[cfg(not(unix))]
pub fn sync_dir(_dir: &Path) -> io::Result<()> {
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn put(p: &Path, text: &str) {
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, text).unwrap();
    }

    fn read(p: &Path) -> Option<String> {
        std::fs::read_to_string(p).ok()
    }

    /// OUT with an old set (a.xlsx returned, b.xlsx returned), and a staged new set with
    /// a.xlsx and c.xlsx: b is clean now.
    fn setup() -> (tempfile::TempDir, Staging) {
        let out = tempfile::tempdir().unwrap();
        for f in [
            "tong-hop.xlsx",
            "report.json",
            "tra-lai/a.xlsx",
            "tra-lai/b.xlsx",
        ] {
            put(&out.path().join(f), &format!("old {f}"));
        }
        put(&out.path().join("tra-lai/notes.txt"), "the clerk's");
        let s = Staging::begin(out.path()).unwrap();
        for f in [
            "tong-hop.xlsx",
            "report.json",
            "tra-lai/a.xlsx",
            "tra-lai/c.xlsx",
        ] {
            put(&rel(s.dir(), f), &format!("new {f}"));
        }
        (out, s)
    }

    fn files() -> Vec<String> {
        [
            "tong-hop.xlsx",
            "report.json",
            "tra-lai/a.xlsx",
            "tra-lai/c.xlsx",
        ]
        .map(String::from)
        .to_vec()
    }

    fn listing(out: &Path) -> Vec<String> {
        let mut all = Vec::new();
        for dir in ["", "tra-lai"] {
            for e in std::fs::read_dir(out.join(dir)).unwrap().flatten() {
                if e.file_type().unwrap().is_file() {
                    let n = e.file_name().to_string_lossy().into_owned();
                    all.push(if dir.is_empty() {
                        n
                    } else {
                        format!("{dir}/{n}")
                    });
                }
            }
        }
        all.sort();
        all
    }

    #[test]
    fn a_commit_swaps_the_whole_set_and_leaves_nothing_behind() {
        let (out, s) = setup();
        s.commit(files(), vec!["tra-lai/b.xlsx".into()]).unwrap();
        let out = out.path();
        assert_eq!(
            listing(out),
            [
                "report.json",
                "tong-hop.xlsx",
                "tra-lai/a.xlsx",
                "tra-lai/c.xlsx",
                "tra-lai/notes.txt"
            ]
        );
        for f in files() {
            assert_eq!(read(&rel(out, &f)), Some(format!("new {f}")));
        }
        assert_eq!(read(&out.join("tra-lai/notes.txt")).unwrap(), "the clerk's");
        let dots: Vec<_> = std::fs::read_dir(out)
            .unwrap()
            .flatten()
            .filter(|e| e.file_name().to_string_lossy().starts_with('.'))
            .collect();
        assert!(dots.is_empty(), "{dots:?}");
    }

    #[test]
    fn a_dropped_staging_folder_leaves_the_old_set_alone() {
        let (out, s) = setup();
        let dir = s.dir().to_path_buf();
        drop(s);
        assert!(!dir.exists());
        assert_eq!(
            read(&out.path().join("tong-hop.xlsx")).unwrap(),
            "old tong-hop.xlsx"
        );
        assert_eq!(
            read(&out.path().join("tra-lai/b.xlsx")).unwrap(),
            "old tra-lai/b.xlsx"
        );
    }

    #[test]
    fn a_swap_left_half_done_is_finished_by_recover() {
        let (out, s) = setup();
        let out = out.path();
        let j = Journal {
            staging: file_name(s.dir()),
            files: files(),
            remove: vec!["tra-lai/b.xlsx".into()],
        };
        std::fs::create_dir_all(s.dir().join("old/tra-lai")).unwrap();
        write_journal(out, &j).unwrap();
        // Died after moving two old files aside and placing one new one.
        let staging = s.dir().to_path_buf();
        std::mem::forget(s);
        for f in ["tong-hop.xlsx", "tra-lai/b.xlsx"] {
            std::fs::rename(rel(out, f), rel(&staging.join("old"), f)).unwrap();
        }
        std::fs::rename(rel(&staging, "tong-hop.xlsx"), rel(out, "tong-hop.xlsx")).unwrap();
        assert!(recover(out).unwrap());
        for f in files() {
            assert_eq!(read(&rel(out, &f)), Some(format!("new {f}")), "{f}");
        }
        assert!(!out.join("tra-lai/b.xlsx").exists());
        assert!(!out.join(JOURNAL).exists());
        assert!(!staging.exists());
        assert!(!recover(out).unwrap());
    }

    #[test]
    fn a_journal_naming_other_files_is_not_followed() {
        let out = tempfile::tempdir().unwrap();
        let out = out.path();
        put(&out.join("keep.txt"), "mine");
        std::fs::create_dir(out.join(".tonghop-staging-x")).unwrap();
        let j = Journal {
            staging: ".tonghop-staging-x".into(),
            files: vec!["../keep.txt".into()],
            remove: vec!["keep.txt".into()],
        };
        assert!(!j.is_sane());
        std::fs::write(out.join(JOURNAL), serde_json::to_vec(&j).unwrap()).unwrap();
        assert!(recover(out).unwrap());
        assert_eq!(read(&out.join("keep.txt")).unwrap(), "mine");
        assert!(!out.join(JOURNAL).exists());
    }

    #[test]
    fn a_journal_naming_the_chasing_list_is_followed() {
        let j = Journal {
            staging: ".tonghop-staging-x".into(),
            files: vec![
                "report.json".into(),
                "don-doc.csv".into(),
                "tong-hop.xlsx".into(),
            ],
            remove: Vec::new(),
        };
        assert!(j.is_sane());
        let elsewhere = Journal {
            files: vec!["tra-lai/../don-doc.csv".into(), "other.csv".into()],
            ..j
        };
        assert!(!elsewhere.is_sane());
    }

    #[test]
    fn leftovers_of_dead_runs_are_removed_and_nothing_else() {
        let out = tempfile::tempdir().unwrap();
        let out = out.path();
        put(&out.join(".tonghop-staging-abc/tra-lai/X.xlsx"), "x");
        put(&out.join(".tonghop-a1b2.tmp"), "x");
        put(&out.join("tra-lai/.tonghop-zz.tmp"), "x");
        put(&out.join("tra-lai/X.xlsx"), "keep");
        put(&out.join(".hidden"), "keep");
        remove_leftovers(out);
        assert!(!out.join(".tonghop-staging-abc").exists());
        assert!(!out.join(".tonghop-a1b2.tmp").exists());
        assert!(!out.join("tra-lai/.tonghop-zz.tmp").exists());
        assert!(out.join("tra-lai/X.xlsx").exists() && out.join(".hidden").exists());
    }
}
