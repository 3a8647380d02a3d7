//! Every version of a unit's file seen for a period, kept across runs: re-running a
//! period replaces its figures, but a file once read stays on record with its hash,
//! dates and what became of it, so the clerk can tell which of a unit's files was used
//! and which came before (the *Lịch sử* sheet).
//!
//! One function, [`merge`], says what the table holds after a run: the run computes
//! it before writing its outputs (for the sheet), and recording computes it again in
//! its transaction from what is stored then, so both agree.

use super::record::FileRecord;
use super::{Archive, ArchiveError, iso};
use crate::period::Period;
use rusqlite::Transaction;
use std::collections::HashMap;

/// The standing of a version as of the last run of its period.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum VersionStatus {
    /// The unit's file now, summed.
    Accepted,
    /// The unit's file now (or tied with it), returned for its errors.
    Returned,
    /// In the inbox, set aside for another file of the unit.
    Duplicate,
    /// No longer in the inbox: a later file took its place.
    Superseded,
    /// The unit's file now by a clerk's decision (kept over a newer file, or accepted).
    Decided,
}

impl VersionStatus {
    /// As the archive and report.json write it.
    pub fn as_str(self) -> &'static str {
        match self {
            VersionStatus::Accepted => "accepted",
            VersionStatus::Returned => "returned",
            VersionStatus::Duplicate => "duplicate",
            VersionStatus::Superseded => "superseded",
            VersionStatus::Decided => "decided",
        }
    }

    /// Read back from the archive; an unknown word (a newer tonghop's) as superseded.
    pub fn parse(s: &str) -> VersionStatus {
        match s {
            "accepted" => VersionStatus::Accepted,
            "returned" => VersionStatus::Returned,
            "duplicate" => VersionStatus::Duplicate,
            "decided" => VersionStatus::Decided,
            _ => VersionStatus::Superseded,
        }
    }

    /// The words a clerk reads.
    pub fn text(self) -> crate::lang::Msg {
        use crate::lang::Msg;
        match self {
            VersionStatus::Accepted => Msg::new("Đã nhận", "accepted"),
            VersionStatus::Returned => Msg::new("Trả lại", "returned"),
            VersionStatus::Duplicate => {
                Msg::new("Bỏ qua (dùng tệp khác)", "set aside (another file used)")
            }
            VersionStatus::Superseded => Msg::new(
                "Đã thay (không còn trong thư mục bài nộp)",
                "superseded (no longer in the inbox)",
            ),
            VersionStatus::Decided => {
                Msg::new("Dùng theo quyết định", "used by a clerk's decision")
            }
        }
    }
}

/// One version of a unit's file.
#[derive(Debug, Clone, PartialEq)]
pub struct Version {
    /// The unit's code.
    pub unit: String,
    /// The file's SHA-256, hex: what tells one version from another.
    pub sha256: String,
    /// Its name in the inbox when last seen.
    pub file: String,
    /// Its size in bytes.
    pub size: Option<u64>,
    /// Its modification time (RFC 3339), shown only.
    pub file_time: Option<String>,
    /// Its date of report, ISO.
    pub report_date: Option<String>,
    /// When it was first seen (the run's start, RFC 3339).
    pub first_seen: String,
    /// When it was last seen.
    pub last_seen: String,
    /// The run that first saw it; `None` for the run being recorded.
    pub first_run: Option<i64>,
    /// The run that last saw it; `None` for the run being recorded.
    pub last_run: Option<i64>,
    /// Its standing now.
    pub status: VersionStatus,
    /// What the last run that read it made of it (`accepted`, `rejected`, `duplicate`).
    pub outcome: String,
    /// Errors found when last read.
    pub errors: usize,
    /// Warnings found when last read.
    pub warnings: usize,
    /// It stands for the unit now.
    pub current: bool,
    /// The clerk's decision applied to it, as a sentence.
    pub decision: Option<String>,
}

impl Version {
    /// The first 12 hex digits: enough to tell a unit's versions apart, and what a
    /// decision may quote.
    pub fn short_hash(&self) -> &str {
        self.sha256.get(..12).unwrap_or(&self.sha256)
    }
}

/// The versions a period holds after a run whose files are `files`, from those stored
/// before (`stored`), at time `now`. A file seen again keeps when it was first seen;
/// a stored version not among the files is superseded. Files without a unit or a hash
/// (unreadable, refused by size) are no unit's version. Sorted by unit, then by the run
/// that first saw it, then file.
pub fn merge(stored: Vec<Version>, files: &[FileRecord], now: &str) -> Vec<Version> {
    let mut by_key: HashMap<(String, String), Version> = stored
        .into_iter()
        .map(|mut v| {
            v.status = VersionStatus::Superseded;
            v.current = false;
            ((v.unit.clone(), v.sha256.clone()), v)
        })
        .collect();
    let mut seen: HashMap<(String, String), bool> = HashMap::new();
    // The file that stands for its unit first: of byte-identical copies, its name wins.
    let mut order: Vec<&FileRecord> = files.iter().collect();
    order.sort_by_key(|f| !f.current);
    for f in order {
        let (Some(unit), Some(sha)) = (&f.unit, &f.sha256) else {
            continue;
        };
        let key = (unit.clone(), sha.clone());
        if seen.insert(key.clone(), true).is_some() {
            continue;
        }
        let status = match (f.current, f.decision.is_some(), f.status.as_str()) {
            (true, true, _) => VersionStatus::Decided,
            (true, false, "accepted") => VersionStatus::Accepted,
            (_, _, "rejected") => VersionStatus::Returned,
            _ => VersionStatus::Duplicate,
        };
        let earlier = by_key.remove(&key);
        by_key.insert(
            key,
            Version {
                unit: unit.clone(),
                sha256: sha.clone(),
                file: f.file.clone(),
                size: f.size,
                file_time: f.file_time.clone(),
                report_date: f.report_date.clone(),
                first_seen: earlier
                    .as_ref()
                    .map_or_else(|| now.to_string(), |e| e.first_seen.clone()),
                first_run: earlier.as_ref().and_then(|e| e.first_run),
                last_seen: now.to_string(),
                last_run: None,
                status,
                outcome: f.status.clone(),
                errors: f.errors,
                warnings: f.warnings,
                current: f.current,
                decision: f.decision.clone(),
            },
        );
    }
    let mut out: Vec<Version> = by_key.into_values().collect();
    // By the run that first saw it: two runs within one second have the same time, and
    // a version new in this run (no run id yet) comes after every stored one.
    let first = |v: &Version| v.first_run.unwrap_or(i64::MAX);
    out.sort_by(|a, b| {
        (&a.unit, first(a), &a.first_seen, &a.file, &a.sha256).cmp(&(
            &b.unit,
            first(b),
            &b.first_seen,
            &b.file,
            &b.sha256,
        ))
    });
    out
}

const COLUMNS: &str = "unit, sha256, file, size, file_time, report_date, first_seen, last_seen, first_run, last_run, status, outcome, errors, warnings, current, decision";

fn read(r: &rusqlite::Row<'_>) -> rusqlite::Result<Version> {
    Ok(Version {
        unit: r.get(0)?,
        sha256: r.get(1)?,
        file: r.get(2)?,
        size: r.get::<_, Option<i64>>(3)?.map(|s| s.max(0) as u64),
        file_time: r.get(4)?,
        report_date: r.get(5)?,
        first_seen: r.get(6)?,
        last_seen: r.get(7)?,
        first_run: r.get(8)?,
        last_run: r.get(9)?,
        status: VersionStatus::parse(&r.get::<_, String>(10)?),
        outcome: r.get(11)?,
        errors: r.get::<_, i64>(12)?.max(0) as usize,
        warnings: r.get::<_, i64>(13)?.max(0) as usize,
        current: r.get(14)?,
        decision: r.get(15)?,
    })
}

/// The stored versions of a period (through a connection or a transaction).
fn stored(
    conn: &rusqlite::Connection,
    form_id: &str,
    period: Period,
) -> rusqlite::Result<Vec<Version>> {
    let mut q = conn.prepare(&format!(
        "SELECT {COLUMNS} FROM version WHERE form_id = ?1 AND date_from = ?2 AND date_to = ?3
         ORDER BY unit, first_run, first_seen, file, sha256"
    ))?;
    let rows = q.query_map((form_id, iso(period.from), iso(period.to)), read)?;
    rows.collect()
}

impl Archive {
    /// Every version of every unit's file seen for the period, by unit then when first
    /// seen.
    pub fn versions(&self, form_id: &str, period: Period) -> Result<Vec<Version>, ArchiveError> {
        stored(&self.conn, form_id, period).map_err(|e| self.sql(e))
    }
}

/// Inside the recording's transaction: the period's versions merged with the run's
/// files, the run being `run_id`.
pub(super) fn record(
    tx: &Transaction<'_>,
    key: &(&str, String, String),
    period: Period,
    files: &[FileRecord],
    now: &str,
    run_id: i64,
) -> rusqlite::Result<()> {
    let merged = merge(stored(tx, key.0, period)?, files, now);
    tx.execute(
        "DELETE FROM version WHERE form_id = ?1 AND date_from = ?2 AND date_to = ?3",
        (key.0, &key.1, &key.2),
    )?;
    let mut put = tx.prepare(&format!(
        "INSERT INTO version (form_id, date_from, date_to, {COLUMNS})
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19)"
    ))?;
    for v in &merged {
        put.execute(rusqlite::params![
            key.0,
            key.1,
            key.2,
            v.unit,
            v.sha256,
            v.file,
            v.size.map(|s| s as i64),
            v.file_time,
            v.report_date,
            v.first_seen,
            v.last_seen,
            v.first_run.unwrap_or(run_id),
            v.last_run.unwrap_or(run_id),
            v.status.as_str(),
            v.outcome,
            v.errors as i64,
            v.warnings as i64,
            v.current,
            v.decision,
        ])?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file(unit: &str, sha: &str, status: &str, current: bool) -> FileRecord {
        FileRecord {
            unit: Some(unit.into()),
            file: format!("{unit}-{sha}.xlsx"),
            sha256: Some(sha.into()),
            status: status.into(),
            current,
            ..FileRecord::default()
        }
    }

    #[test]
    fn a_version_seen_again_keeps_its_first_sighting_and_one_gone_is_superseded() {
        let first = merge(
            Vec::new(),
            &[file("A", "aa", "rejected", true)],
            "2026-07-01T08:00:00+07:00",
        );
        assert_eq!(first.len(), 1);
        assert_eq!(first[0].status, VersionStatus::Returned);
        let second = merge(
            first,
            &[file("A", "bb", "accepted", true)],
            "2026-07-03T08:00:00+07:00",
        );
        let st: Vec<(&str, VersionStatus, bool)> = second
            .iter()
            .map(|v| (v.sha256.as_str(), v.status, v.current))
            .collect();
        assert_eq!(
            st,
            [
                ("aa", VersionStatus::Superseded, false),
                ("bb", VersionStatus::Accepted, true)
            ]
        );
        // Both again, the older decided: it is seen again, first seen on the first day.
        let mut older = file("A", "aa", "accepted", true);
        older.decision = Some("kept".into());
        let third = merge(
            second,
            &[older, file("A", "bb", "duplicate", false)],
            "2026-07-04T08:00:00+07:00",
        );
        assert_eq!(third[0].sha256, "aa");
        assert_eq!(third[0].first_seen, "2026-07-01T08:00:00+07:00");
        assert_eq!(third[0].last_seen, "2026-07-04T08:00:00+07:00");
        assert_eq!(third[0].status, VersionStatus::Decided);
        assert_eq!(third[1].status, VersionStatus::Duplicate);
    }

    #[test]
    fn files_without_a_unit_or_a_hash_are_no_version_and_copies_count_once() {
        let mut copy = file("A", "aa", "duplicate", false);
        copy.file = "copy.xlsx".into();
        let mut unknown = file("A", "cc", "unknown_unit", false);
        unknown.unit = None;
        let mut unhashed = file("A", "dd", "unreadable", false);
        unhashed.sha256 = None;
        let v = merge(
            Vec::new(),
            &[copy, file("A", "aa", "accepted", true), unknown, unhashed],
            "t",
        );
        assert_eq!(v.len(), 1);
        assert_eq!(v[0].file, "A-aa.xlsx");
        assert!(v[0].current);
    }

    #[test]
    fn versions_seen_in_the_same_second_are_in_the_order_of_their_runs() {
        // Stored by run 7; the newer file, seen in this run, sorts after it even though
        // its hash sorts first and both were seen at the same second.
        let mut stored = merge(Vec::new(), &[file("A", "ff", "accepted", true)], "t");
        stored[0].first_run = Some(7);
        let v = merge(stored, &[file("A", "00", "accepted", true)], "t");
        let order: Vec<&str> = v.iter().map(|v| v.sha256.as_str()).collect();
        assert_eq!(order, ["ff", "00"]);
        assert_eq!(v[0].status, VersionStatus::Superseded);
    }
}
