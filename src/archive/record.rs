//! A run's period into the archive: its files and what they reported, each figure with
//! the file, sheet and cell it was read from, replacing what the archive held for the
//! period in one transaction.

use super::{Archive, ArchiveError, iso};
use crate::cellref::Pos;
use crate::consolidate::Consolidation;
use crate::extract::Report;
use crate::form::Form;
use crate::period::Period;
use crate::spec::FieldRef;
use crate::submission::Status;
use rusqlite::Transaction;
use std::path::Path;

/// What the run is, as the archive records it.
#[derive(Debug, Clone)]
pub struct RunInfo<'a> {
    /// When the run started ([`super::now`]).
    pub started_at: String,
    /// The outputs' run id, or `None` for an import.
    pub run_key: Option<&'a str>,
    /// `run` or `import`.
    pub source: &'a str,
    /// Where the files came from: the inbox, or the imported file.
    pub inbox: &'a Path,
    /// The output folder, for a run.
    pub out: Option<&'a Path>,
}

/// What a recording did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Recorded {
    /// The period recorded.
    pub period: Period,
    /// Units whose figures were recorded.
    pub units: usize,
    /// Figures recorded.
    pub figures: usize,
    /// The archive held the period before: its records were replaced.
    pub replaced: bool,
    /// The period was closed and was reopened to be replaced.
    pub reopened: bool,
}

/// One figure of a unit, ready to be stored.
#[derive(Debug, Clone, PartialEq)]
pub struct UnitFigure {
    /// The field's key (`movement.b1.this`).
    pub key: String,
    /// Its value.
    pub value: f64,
    /// The sheet it was read from (as the file names it), if read from a cell.
    pub sheet: Option<String>,
    /// The cell or range (`C8`, `E4:E18` for a table column's rows).
    pub cell: Option<String>,
}

/// One file of a period, ready to be stored.
#[derive(Debug, Clone, Default)]
pub struct FileRecord {
    /// The unit's code, when identified.
    pub unit: Option<String>,
    /// As the inbox names it, or the imported file.
    pub file: String,
    /// Its SHA-256, when known.
    pub sha256: Option<String>,
    /// Its size in bytes.
    pub size: Option<u64>,
    /// What became of it (`accepted`, `rejected`...).
    pub status: String,
    /// Its figures are the unit's figures for the period.
    pub included: bool,
    /// Findings that returned it.
    pub errors: usize,
    /// Findings that did not.
    pub warnings: usize,
    /// Its date of report, ISO.
    pub report_date: Option<String>,
    /// The unit's figures, when included.
    pub figures: Vec<UnitFigure>,
    /// Its modification time (RFC 3339), shown only.
    pub file_time: Option<String>,
    /// It stands for its unit (consolidation kept it, summed or returned).
    pub current: bool,
    /// The clerk's decision applied to it, as a sentence.
    pub decision: Option<String>,
    /// The preparer it names, for the chasing list of a later period.
    pub preparer: Option<String>,
    /// The phone it gives.
    pub phone: Option<String>,
}

/// Every summed figure of a report with where it was read: a cell or a list's cell as
/// read, a table column as the range of its rows, a derived figure without a place.
pub fn figures_of(form: &Form, r: &Report) -> Vec<UnitFigure> {
    let mut out = Vec::new();
    for f in form.summed_fields() {
        let Some(value) = r.figure(f) else { continue };
        let place: Option<(usize, String)> = match f {
            FieldRef::Cell(i) => {
                let c = &form.cells[i];
                Some((c.sheet, c.pos.to_string()))
            }
            FieldRef::Item { list, row, column } => {
                let l = &form.lists[list];
                r.lists
                    .get(list)
                    .and_then(|d| d.rows.get(row))
                    .and_then(Option::as_ref)
                    .map(|found| {
                        (
                            l.sheet,
                            Pos::new(found.row, l.columns[column].col).to_string(),
                        )
                    })
            }
            FieldRef::Column { table, column } => {
                let t = &form.tables[table];
                let col = t.columns[column].col;
                let data = &r.tables[table];
                let last = data
                    .total
                    .as_ref()
                    .map(|tr| tr.row.saturating_sub(1))
                    .or_else(|| data.rows.last().map(|row| row.row))
                    .unwrap_or(t.first_row)
                    .max(t.first_row);
                Some((
                    t.sheet,
                    format!("{}:{}", Pos::new(t.first_row, col), Pos::new(last, col)),
                ))
            }
            FieldRef::Derived(_) => None,
        };
        let (sheet, cell) = match place {
            Some((s, c)) => (Some(r.sheet(s).to_string()), Some(c)),
            None => (None, None),
        };
        out.push(UnitFigure {
            key: form.field_key(f),
            value,
            sheet,
            cell,
        });
    }
    out
}

/// A run's files as the archive records them: every file with its outcome, the kept
/// and summed ones with their figures. `decisions` (by submission, or empty) are the
/// clerk's decisions applied to them.
pub fn files_of(form: &Form, c: &Consolidation, decisions: &[Option<String>]) -> Vec<FileRecord> {
    c.submissions
        .iter()
        .enumerate()
        .map(|(i, s)| {
            let report_date = form.identity.report_date.and_then(|cell| {
                s.report
                    .as_ref()
                    .and_then(|r| r.cells[cell].date())
                    .map(super::iso)
            });
            let included = c.included[i];
            FileRecord {
                unit: s.unit.map(|u| form.units[u].code.clone()),
                file: s.file.clone(),
                sha256: (!s.sha256.is_empty()).then(|| s.sha256.clone()),
                size: Some(s.size),
                status: status_name(s.status).to_string(),
                included,
                errors: s.errors(),
                warnings: s.warnings(),
                report_date,
                figures: match (&s.report, included) {
                    (Some(r), true) => figures_of(form, r),
                    _ => Vec::new(),
                },
                file_time: s.modified.map(|t| {
                    chrono::DateTime::<chrono::Local>::from(t)
                        .format("%Y-%m-%dT%H:%M:%S%:z")
                        .to_string()
                }),
                current: s.unit.is_some_and(|u| c.kept[u] == Some(i)),
                decision: decisions.get(i).cloned().flatten(),
                preparer: crate::deadline::text_of(s, form.identity.preparer),
                phone: crate::deadline::text_of(s, form.identity.phone),
            }
        })
        .collect()
}

/// The status as report.json spells it.
pub fn status_name(s: Status) -> &'static str {
    match s {
        Status::Accepted => "accepted",
        Status::Rejected => "rejected",
        Status::Unreadable => "unreadable",
        Status::Duplicate => "duplicate",
        Status::UnknownUnit => "unknown_unit",
    }
}

impl Archive {
    /// Record a run's period, replacing what the archive held for it (but not the
    /// versions of its files seen before, see [`super::versions`]). A closed period is
    /// refused unless `reopen`. `decisions` are the clerk's decisions applied, by
    /// submission (or empty).
    pub fn record(
        &mut self,
        form: &Form,
        c: &Consolidation,
        decisions: &[Option<String>],
        info: &RunInfo<'_>,
        reopen: bool,
    ) -> Result<Option<Recorded>, ArchiveError> {
        let Some(period) = c.period else {
            return Ok(None);
        };
        let totals: Vec<(String, f64)> = c
            .totals
            .iter()
            .filter_map(|&(f, v)| v.map(|v| (form.field_key(f), v)))
            .collect();
        let files = files_of(form, c, decisions);
        self.record_files(
            &form.id,
            &form.version,
            period,
            &files,
            &totals,
            info,
            reopen,
        )
        .map(Some)
    }

    /// Record a period's files and the province's figures, replacing what the archive
    /// held for it, all in one transaction.
    #[allow(clippy::too_many_arguments)]
    pub fn record_files(
        &mut self,
        form_id: &str,
        form_version: &str,
        period: Period,
        files: &[FileRecord],
        totals: &[(String, f64)],
        info: &RunInfo<'_>,
        reopen: bool,
    ) -> Result<Recorded, ArchiveError> {
        let path = self.path.display().to_string();
        let sql = |source| ArchiveError::Sql {
            path: path.clone(),
            source,
        };
        let closed = self.closed_at(form_id, period)?;
        if let (Some(closed_at), false) = (&closed, reopen) {
            return Err(ArchiveError::Closed {
                path,
                period,
                closed_at: closed_at.clone(),
            });
        }
        let tx = self.conn.transaction().map_err(sql)?;
        let key = (form_id, iso(period.from), iso(period.to));
        let replaced = tx
            .execute(
                "DELETE FROM period WHERE form_id = ?1 AND date_from = ?2 AND date_to = ?3",
                (key.0, &key.1, &key.2),
            )
            .map_err(sql)?
            > 0;
        tx.execute(
            "INSERT INTO run (started_at, tonghop_version, run_key, form_id, form_version, source, inbox, out)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
            (
                &info.started_at,
                env!("CARGO_PKG_VERSION"),
                info.run_key,
                form_id,
                form_version,
                info.source,
                info.inbox.display().to_string(),
                info.out.map(|p| p.display().to_string()),
            ),
        )
        .map_err(sql)?;
        let run_id = tx.last_insert_rowid();
        tx.execute(
            "INSERT INTO period (form_id, date_from, date_to, run_id) VALUES (?1, ?2, ?3, ?4)",
            (key.0, &key.1, &key.2, run_id),
        )
        .map_err(sql)?;
        let (units, figures) = insert_files(&tx, &key, form_version, files).map_err(sql)?;
        super::versions::record(&tx, &key, period, files, &info.started_at, run_id).map_err(sql)?;
        {
            let mut put = tx
                .prepare(
                    "INSERT INTO total (form_id, date_from, date_to, figure, value) VALUES (?1, ?2, ?3, ?4, ?5)",
                )
                .map_err(sql)?;
            for (figure, value) in totals {
                put.execute((key.0, &key.1, &key.2, figure, value))
                    .map_err(sql)?;
            }
        }
        // A test kills the run here: the transaction is open, nothing of it is visible.
        // A signal that came during the swap of the outputs lets the run end as it
        // would have, so it does not stop the recording either (it is short).
        if let Err(crate::interrupt::Step::Failed(_)) = crate::interrupt::step("archive") {
            return Err(ArchiveError::Interrupted { path });
        }
        tx.commit().map_err(sql)?;
        Ok(Recorded {
            period,
            units,
            figures,
            replaced,
            reopened: closed.is_some(),
        })
    }
}

/// The files and figures of one period; the number of units and figures stored.
fn insert_files(
    tx: &Transaction<'_>,
    key: &(&str, String, String),
    form_version: &str,
    files: &[FileRecord],
) -> rusqlite::Result<(usize, usize)> {
    let mut put_file = tx.prepare(
        "INSERT INTO submission (form_id, date_from, date_to, unit, file, sha256, size, status, included, errors, warnings, report_date, preparer, phone)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)",
    )?;
    let mut put_figure = tx.prepare(
        "INSERT INTO figure (form_id, date_from, date_to, unit, figure, value, form_version, submission_id, sheet, cell)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
    )?;
    let (mut units, mut figures) = (0, 0);
    for f in files {
        put_file.execute(rusqlite::params![
            key.0,
            key.1,
            key.2,
            f.unit,
            f.file,
            f.sha256,
            f.size.map(|s| s as i64),
            f.status,
            f.included,
            f.errors as i64,
            f.warnings as i64,
            f.report_date,
            f.preparer,
            f.phone,
        ])?;
        let id = tx.last_insert_rowid();
        let Some(unit) = f.unit.as_deref().filter(|_| f.included) else {
            continue;
        };
        units += 1;
        for g in &f.figures {
            put_figure.execute(rusqlite::params![
                key.0,
                key.1,
                key.2,
                unit,
                g.key,
                g.value,
                form_version,
                id,
                g.sheet,
                g.cell
            ])?;
            figures += 1;
        }
    }
    Ok((units, figures))
}
