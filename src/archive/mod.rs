//! The archive: every period a run accepted, kept in one SQLite file (rusqlite with the
//! bundled library, so nothing is installed) as SQLite advises for an application file
//! format: one file the clerk can copy, transactions for all-or-nothing writes, a
//! schema version with migrations ([`schema`]), readable by any SQLite tool.
//!
//! A period's records are one unit's figures each, with where they were read (file,
//! SHA-256, sheet, cell) and the run that read them. Recording a period replaces what
//! the archive held for it in one transaction: a killed run leaves the period as it was
//! before, never half of it. A period reported upward is closed ([`Archive::close`]) and
//! a run changes it only when told to reopen it.

mod error;
mod import;
mod query;
mod record;
pub mod schema;
mod targets;
mod versions;

pub use error::ArchiveError;
pub use import::{ImportSource, Imported};
pub use query::{Contact, PeriodSummary, StoredFigure, StoredSubmission};
pub use record::{
    FileRecord, RECORDING_CACHE_BYTES, Recorded, RunInfo, UnitFigure, figures_of, files_of,
    files_without_figures, status_name,
};
pub use versions::{Version, VersionStatus, merge as merge_versions};

use crate::period::Period;
use chrono::NaiveDate;
use rusqlite::{Connection, OpenFlags, OptionalExtension};
use std::path::{Path, PathBuf};
use std::time::Duration;

/// The archive's file name when none is given: beside the output folder, so one
/// archive follows a clerk's runs period after period while each period's outputs are
/// replaced (and may be deleted) freely.
pub const DEFAULT_NAME: &str = "tonghop-luu-tru.sqlite";

/// Where a run into `out` keeps its archive by default: beside `out`, or inside it when
/// it has no parent folder (the root of a drive, say).
pub fn default_path(out: &Path) -> PathBuf {
    let absolute = std::path::absolute(out).unwrap_or_else(|_| out.to_path_buf());
    match absolute.parent() {
        Some(parent) if absolute.file_name().is_some() => parent.join(DEFAULT_NAME),
        _ => absolute.join(DEFAULT_NAME),
    }
}

/// An open archive.
pub struct Archive {
    conn: Connection,
    path: PathBuf,
}

impl std::fmt::Debug for Archive {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Archive").field("path", &self.path).finish()
    }
}

/// How long a write waits for another process (a second run into another folder, a
/// clerk's SQLite browser) to release the file before it gives up.
const BUSY_TIMEOUT: Duration = Duration::from_secs(30);

impl Archive {
    /// Open the archive at `path`, creating it when `create` and it does not exist,
    /// and bring its schema up to date.
    pub fn open(path: &Path, create: bool) -> Result<Archive, ArchiveError> {
        let shown = path.display().to_string();
        if !create && !path.is_file() {
            return Err(ArchiveError::Missing { path: shown });
        }
        let mut flags = OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX;
        if create && let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
            // `--archive kho/ho-so.sqlite`: the folder is made as an output folder is.
            std::fs::create_dir_all(parent).map_err(|e| ArchiveError::Open {
                path: shown.clone(),
                source: rusqlite::Error::SqliteFailure(
                    rusqlite::ffi::Error::new(rusqlite::ffi::SQLITE_CANTOPEN),
                    Some(crate::lang::io_text(&e, crate::lang::Lang::En)),
                ),
            })?;
        }
        if create {
            flags |= OpenFlags::SQLITE_OPEN_CREATE;
        }
        let conn =
            Connection::open_with_flags(path, flags).map_err(|source| ArchiveError::Open {
                path: shown.clone(),
                source,
            })?;
        let mut a = Archive {
            conn,
            path: path.to_path_buf(),
        };
        a.prepare()?;
        Ok(a)
    }

    /// The file, as the clerk gave or was told it.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Settings every connection needs, then the migrations it lacks.
    fn prepare(&mut self) -> Result<(), ArchiveError> {
        let shown = self.path.display().to_string();
        let not_ours = |_| ArchiveError::NotArchive {
            path: shown.clone(),
        };
        self.conn.busy_timeout(BUSY_TIMEOUT).map_err(not_ours)?;
        // The first read fails here when the file is no SQLite database at all.
        let app: i32 = self
            .conn
            .query_row("PRAGMA application_id", [], |r| r.get(0))
            .map_err(not_ours)?;
        let version: i64 = self
            .conn
            .query_row("PRAGMA user_version", [], |r| r.get(0))
            .map_err(not_ours)?;
        let tables: i64 = self
            .conn
            .query_row("SELECT count(*) FROM sqlite_master", [], |r| r.get(0))
            .map_err(not_ours)?;
        if app != schema::APPLICATION_ID && (app != 0 || tables > 0) {
            return Err(ArchiveError::NotArchive { path: shown });
        }
        if version > schema::VERSION {
            return Err(ArchiveError::Newer {
                path: shown,
                found: version,
                known: schema::VERSION,
            });
        }
        self.conn
            .execute_batch("PRAGMA foreign_keys = ON")
            .map_err(|e| self.sql(e))?;
        if version < schema::VERSION {
            self.migrate(version)?;
        }
        Ok(())
    }

    /// Apply the migrations after `from`, all in one transaction with the new version:
    /// an interrupted upgrade leaves the archive at its old schema.
    fn migrate(&mut self, from: i64) -> Result<(), ArchiveError> {
        let path = self.path.display().to_string();
        let sql = |source| ArchiveError::Sql {
            path: path.clone(),
            source,
        };
        let tx = self.conn.transaction().map_err(sql)?;
        for m in &schema::MIGRATIONS[from as usize..] {
            tx.execute_batch(m).map_err(sql)?;
        }
        tx.execute_batch(&format!(
            "PRAGMA application_id = {}; PRAGMA user_version = {};",
            schema::APPLICATION_ID,
            schema::VERSION
        ))
        .map_err(sql)?;
        tx.commit().map_err(sql)
    }

    /// The schema version of the open archive.
    pub fn version(&self) -> Result<i64, ArchiveError> {
        self.conn
            .query_row("PRAGMA user_version", [], |r| r.get(0))
            .map_err(|e| self.sql(e))
    }

    fn sql(&self, source: rusqlite::Error) -> ArchiveError {
        ArchiveError::Sql {
            path: self.path.display().to_string(),
            source,
        }
    }

    /// When `period` of form `form_id` was closed, if it was.
    pub fn closed_at(&self, form_id: &str, period: Period) -> Result<Option<String>, ArchiveError> {
        self.conn
            .query_row(
                "SELECT closed_at FROM period WHERE form_id = ?1 AND date_from = ?2 AND date_to = ?3",
                (form_id, iso(period.from), iso(period.to)),
                |r| r.get::<_, Option<String>>(0),
            )
            .optional()
            .map(Option::flatten)
            .map_err(|e| self.sql(e))
    }

    /// Close a recorded period (it was reported upward): a later run over it refuses to
    /// change it unless told to reopen it. Closing a closed period keeps its first date.
    pub fn close(&mut self, form_id: &str, period: Period, at: &str) -> Result<(), ArchiveError> {
        let n = self
            .conn
            .execute(
                "UPDATE period SET closed_at = coalesce(closed_at, ?4)
                 WHERE form_id = ?1 AND date_from = ?2 AND date_to = ?3",
                (form_id, iso(period.from), iso(period.to), at),
            )
            .map_err(|e| self.sql(e))?;
        if n == 0 {
            return Err(ArchiveError::NoPeriod {
                path: self.path.display().to_string(),
                period,
            });
        }
        Ok(())
    }

    /// Open a closed period again, so a run may replace it.
    pub fn reopen(&mut self, form_id: &str, period: Period) -> Result<(), ArchiveError> {
        self.conn
            .execute(
                "UPDATE period SET closed_at = NULL
                 WHERE form_id = ?1 AND date_from = ?2 AND date_to = ?3",
                (form_id, iso(period.from), iso(period.to)),
            )
            .map_err(|e| self.sql(e))?;
        Ok(())
    }
}

/// A date as the archive stores it.
pub(crate) fn iso(d: NaiveDate) -> String {
    d.format("%Y-%m-%d").to_string()
}

/// A date the archive stored.
pub(crate) fn from_iso(s: &str) -> Option<NaiveDate> {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").ok()
}

/// The time now as the archive stores it: RFC 3339 with the local offset, seconds.
pub fn now() -> String {
    chrono::Local::now()
        .format("%Y-%m-%dT%H:%M:%S%:z")
        .to_string()
}

#[cfg(test)]
mod tests;
