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
use std::collections::HashMap;
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
    form.summed_fields()
        .into_iter()
        .filter_map(|f| {
            let value = r.figure(f)?;
            let place = place_of(form, r, f);
            Some(UnitFigure {
                key: form.field_key(f),
                value,
                sheet: place.map(|(s, _)| r.sheet(s).to_string()),
                cell: place.map(|(_, p)| p.text()),
            })
        })
        .collect()
}

/// Where a figure was read in its sheet: a cell, or a table column's rows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Place {
    Cell(Pos),
    Rows(Pos, Pos),
}

impl Place {
    /// As the archive stores it: `C8`, `E4:E18`.
    fn text(self) -> String {
        match self {
            Place::Cell(p) => p.to_string(),
            Place::Rows(a, b) => format!("{a}:{b}"),
        }
    }
}

/// The sheet (by index) and the place figure `f` of `r` was read from; `None` for a
/// derived figure, or a list's row the file did not have.
fn place_of(form: &Form, r: &Report, f: FieldRef) -> Option<(usize, Place)> {
    match f {
        FieldRef::Cell(i) => {
            let c = &form.cells[i];
            Some((c.sheet, Place::Cell(c.pos)))
        }
        FieldRef::Item { list, row, column } => {
            let l = &form.lists[list];
            r.lists
                .get(list)
                .and_then(|d| d.row(row))
                .map(|at| (l.sheet, Place::Cell(Pos::new(at, l.columns[column].col))))
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
                Place::Rows(Pos::new(t.first_row, col), Pos::new(last, col)),
            ))
        }
        FieldRef::Derived(_) => None,
    }
}

/// A run's files as the archive records them: every file with its outcome, the kept
/// and summed ones with their figures. `decisions` (by submission, or empty) are the
/// clerk's decisions applied to them.
pub fn files_of(form: &Form, c: &Consolidation, decisions: &[Option<String>]) -> Vec<FileRecord> {
    records(form, c, decisions, true)
}

/// [`files_of`] without their figures: what the versions of the files need, and only a
/// fraction of the cost (a national run has millions of figures).
pub fn files_without_figures(
    form: &Form,
    c: &Consolidation,
    decisions: &[Option<String>],
) -> Vec<FileRecord> {
    records(form, c, decisions, false)
}

fn records(
    form: &Form,
    c: &Consolidation,
    decisions: &[Option<String>],
    with_figures: bool,
) -> Vec<FileRecord> {
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
                figures: match (&s.report, included && with_figures) {
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
        self.record_when(form, c, decisions, info, reopen, &mut || true)
    }

    /// [`Archive::record`], committed only if `commit` says so once everything is
    /// written: a run records its period while it writes its outputs, and commits once
    /// they are in place (`false`: they are not, and the archive stays as it was,
    /// [`ArchiveError::Interrupted`]).
    pub fn record_when(
        &mut self,
        form: &Form,
        c: &Consolidation,
        decisions: &[Option<String>],
        info: &RunInfo<'_>,
        reopen: bool,
        commit: &mut dyn FnMut() -> bool,
    ) -> Result<Option<Recorded>, ArchiveError> {
        let Some(period) = c.period else {
            return Ok(None);
        };
        let totals: Vec<(String, f64)> = c
            .totals
            .iter()
            .filter_map(|&(f, v)| v.map(|v| (form.field_key(f), v)))
            .collect();
        let files = files_without_figures(form, c, decisions);
        let fields = form.summed_fields();
        let figures = Figures::Read {
            form,
            c,
            keys: fields.iter().map(|&f| form.field_key(f)).collect(),
            fields,
        };
        self.record_period(
            &form.id,
            &form.version,
            period,
            &files,
            &figures,
            &totals,
            info,
            reopen,
            commit,
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
        self.record_period(
            form_id,
            form_version,
            period,
            files,
            &Figures::Listed,
            totals,
            info,
            reopen,
            &mut || true,
        )
    }

    /// [`Archive::record_files`], the figures as `figures` says.
    ///
    /// A national period's pages (tens of MB) do not fit SQLite's default page cache
    /// (2 MB): the transaction would spill pages to the file as it goes, each spill
    /// syncing the journal first. The cache is enlarged for the recording only; it
    /// holds the pages the recording changes, not the whole file.
    ///
    /// And foreign keys are not checked meanwhile: each of millions of figure rows
    /// would look its submission and its key up again, though both were written (or
    /// read) by this same transaction; the rows the period's deletion would cascade to
    /// are deleted by the recording itself. SQLite allows the switch only outside a
    /// transaction, so it is made around it and restored after.
    #[allow(clippy::too_many_arguments)]
    fn record_period(
        &mut self,
        form_id: &str,
        form_version: &str,
        period: Period,
        files: &[FileRecord],
        figures: &Figures<'_>,
        totals: &[(String, f64)],
        info: &RunInfo<'_>,
        reopen: bool,
        commit: &mut dyn FnMut() -> bool,
    ) -> Result<Recorded, ArchiveError> {
        let cache: i64 = self
            .conn
            .query_row("PRAGMA cache_size", [], |r| r.get(0))
            .map_err(|e| self.sql(e))?;
        self.conn
            .execute_batch(&format!(
                "PRAGMA cache_size = -{RECORDING_CACHE_KIB}; PRAGMA foreign_keys = OFF"
            ))
            .map_err(|e| self.sql(e))?;
        let recorded = self.record_in_cache(
            form_id,
            form_version,
            period,
            files,
            figures,
            totals,
            info,
            reopen,
            commit,
        );
        let restored = self
            .conn
            .execute_batch(&format!(
                "PRAGMA cache_size = {cache}; PRAGMA foreign_keys = ON"
            ))
            .map_err(|e| self.sql(e));
        let recorded = recorded?;
        restored?;
        Ok(recorded)
    }

    #[allow(clippy::too_many_arguments)]
    fn record_in_cache(
        &mut self,
        form_id: &str,
        form_version: &str,
        period: Period,
        files: &[FileRecord],
        figures: &Figures<'_>,
        totals: &[(String, f64)],
        info: &RunInfo<'_>,
        reopen: bool,
        commit: &mut dyn FnMut() -> bool,
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
        // What the period's deletion cascades to, deleted first and in bulk: the
        // recording runs without foreign key checks (see `record_period`).
        for delete in [
            "DELETE FROM figure_value WHERE submission_id IN
                 (SELECT id FROM submission WHERE form_id = ?1 AND date_from = ?2 AND date_to = ?3)",
            "DELETE FROM submission WHERE form_id = ?1 AND date_from = ?2 AND date_to = ?3",
            "DELETE FROM total WHERE form_id = ?1 AND date_from = ?2 AND date_to = ?3",
        ] {
            tx.execute(delete, (key.0, &key.1, &key.2)).map_err(sql)?;
        }
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
        let (units, figures) =
            insert_files(&tx, &key, form_version, files, figures).map_err(sql)?;
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
        if !commit() {
            // Dropped, the transaction is rolled back.
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

/// Where the figures of a period's files come from.
enum Figures<'a> {
    /// Each file's own `figures` (an import).
    Listed,
    /// The reports of a run's consolidation, file by file (the files are its
    /// submissions, in order): a national run's millions of figures are read as they
    /// are written, never held as strings all at once. `keys` are the `fields`' keys.
    Read {
        form: &'a Form,
        c: &'a Consolidation,
        fields: Vec<FieldRef>,
        keys: Vec<String>,
    },
}

/// The page cache while a period is recorded, in KiB: the pages a national period's
/// recording changes ((c)'s 10,000 units: about 70 MB), so none is spilled before the
/// commit. SQLite takes the memory only as pages are used. A roll-up of every grassroots
/// organisation ((e), 50,000 units, 346 MB of pages) spills past it: at 256 MiB its
/// recording added 310 MB on top of the output phase's memory; at 128 MiB the run's
/// peak is 1,098 MB against 1,184 to 1,218 at 256 MiB (both after the output phase's
/// memory was given back), and the recording took 8.9 s against 10.6 s.
const RECORDING_CACHE_KIB: i64 = 128 * 1024;

/// [`RECORDING_CACHE_KIB`] in bytes: the most memory a recording's pages take.
pub const RECORDING_CACHE_BYTES: u64 = RECORDING_CACHE_KIB as u64 * 1024;

/// Figure rows per INSERT statement: one statement of many rows costs SQLite (and
/// rusqlite) far less per row than a statement per row.
const BATCH: usize = 100;

/// The files and figures of one period; the number of units and figures stored.
///
/// A national roll-up writes millions of figures, so each costs as little as SQLite
/// allows: its place (key, sheet, cell) is the id of a `figure_key` row, found in memory
/// (most units read their figures from the same places) and stored only when new; the
/// rows are written in the primary key's order (submission ids grow, key ids sorted),
/// so the table is appended to rather than split, and [`BATCH`] rows per statement.
fn insert_files(
    tx: &Transaction<'_>,
    key: &(&str, String, String),
    form_version: &str,
    files: &[FileRecord],
    source: &Figures<'_>,
) -> rusqlite::Result<(usize, usize)> {
    let mut put_file = tx.prepare(
        "INSERT INTO submission (form_id, date_from, date_to, unit, file, sha256, size, status, included, errors, warnings, report_date, form_version, preparer, phone)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15)",
    )?;
    let insert = |rows: usize| {
        let values = vec!["(?, ?, ?)"; rows].join(", ");
        tx.prepare(&format!(
            "INSERT INTO figure_value (submission_id, key_id, value) VALUES {values}"
        ))
    };
    let (mut put_batch, mut put_one) = (insert(BATCH)?, insert(1)?);
    let mut places = Places::load(tx)?;
    let mut row: Vec<(i64, f64)> = Vec::new();
    let mut pending: Vec<(i64, i64, f64)> = Vec::with_capacity(BATCH);
    let (mut units, mut figures) = (0, 0);
    for (n, f) in files.iter().enumerate() {
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
            form_version,
            f.preparer,
            f.phone,
        ])?;
        let id = tx.last_insert_rowid();
        if f.unit.is_none() || !f.included {
            continue;
        }
        units += 1;
        row.clear();
        match source {
            Figures::Listed => {
                for (i, g) in f.figures.iter().enumerate() {
                    row.push((places.listed(tx, i, g)?, g.value));
                }
            }
            Figures::Read {
                form,
                c,
                fields,
                keys,
            } => {
                let Some(r) = &c.submissions[n].report else {
                    continue;
                };
                for (i, &field) in fields.iter().enumerate() {
                    let Some(value) = r.figure(field) else {
                        continue;
                    };
                    let place = place_of(form, r, field).map(|(s, p)| (r.sheet(s), p));
                    row.push((places.read(tx, i, &keys[i], place)?, value));
                }
            }
        }
        row.sort_by_key(|&(k, _)| k);
        for &(k, value) in &row {
            pending.push((id, k, value));
            if pending.len() == BATCH {
                put_rows(&mut put_batch, &pending)?;
                pending.clear();
            }
        }
        figures += row.len();
    }
    for &one in &pending {
        put_rows(&mut put_one, &[one])?;
    }
    Ok((units, figures))
}

/// One execution of an INSERT of `rows.len()` figure rows.
fn put_rows(stmt: &mut rusqlite::Statement<'_>, rows: &[(i64, i64, f64)]) -> rusqlite::Result<()> {
    for (i, &(submission, key, value)) in rows.iter().enumerate() {
        stmt.raw_bind_parameter(3 * i + 1, submission)?;
        stmt.raw_bind_parameter(3 * i + 2, key)?;
        stmt.raw_bind_parameter(3 * i + 3, value)?;
    }
    stmt.raw_execute().map(drop)
}

/// A place as `figure_key` holds it: key, sheet, cell.
type PlaceKey = (String, Option<String>, Option<String>);

/// A field's place as the last file had it: its id, and the sheet's name and the cells
/// (`None` for a figure read from no cell).
type LastRead = (i64, Option<(String, Place)>);

/// The `figure_key` rows by place, and what the last unit's figures were, so that the
/// next unit's figure at the same position, almost always at the same place, is told
/// without hashing or allocating.
struct Places {
    ids: HashMap<PlaceKey, i64>,
    /// By position in a file's own figures ([`Figures::Listed`]).
    listed: Vec<(i64, PlaceKey)>,
    /// By field ([`Figures::Read`]): the id, the sheet's name and the place.
    read: Vec<Option<LastRead>>,
}

impl Places {
    fn load(tx: &Transaction<'_>) -> rusqlite::Result<Places> {
        let mut q = tx.prepare("SELECT id, figure, sheet, cell FROM figure_key")?;
        let ids = q
            .query_map([], |r| Ok(((r.get(1)?, r.get(2)?, r.get(3)?), r.get(0)?)))?
            .collect::<rusqlite::Result<_>>()?;
        Ok(Places {
            ids,
            listed: Vec::new(),
            read: Vec::new(),
        })
    }

    /// The id of `place`, stored when new.
    fn intern(&mut self, tx: &Transaction<'_>, place: PlaceKey) -> rusqlite::Result<i64> {
        if let Some(&id) = self.ids.get(&place) {
            return Ok(id);
        }
        tx.prepare_cached("INSERT INTO figure_key (figure, sheet, cell) VALUES (?1, ?2, ?3)")?
            .execute((&place.0, &place.1, &place.2))?;
        let id = tx.last_insert_rowid();
        self.ids.insert(place, id);
        Ok(id)
    }

    /// The id of the place of `g`, the `i`th figure of its file.
    fn listed(&mut self, tx: &Transaction<'_>, i: usize, g: &UnitFigure) -> rusqlite::Result<i64> {
        if let Some((id, (key, sheet, cell))) = self.listed.get(i)
            && *key == g.key
            && *sheet == g.sheet
            && *cell == g.cell
        {
            return Ok(*id);
        }
        let place = (g.key.clone(), g.sheet.clone(), g.cell.clone());
        let id = self.intern(tx, place.clone())?;
        if i < self.listed.len() {
            self.listed[i] = (id, place);
        } else {
            self.listed.push((id, place));
        }
        Ok(id)
    }

    /// The id of field `i`'s place, `key` read from `place` (sheet name and cells).
    fn read(
        &mut self,
        tx: &Transaction<'_>,
        i: usize,
        key: &str,
        place: Option<(&str, Place)>,
    ) -> rusqlite::Result<i64> {
        if let Some(Some((id, last))) = self.read.get(i)
            && last.as_ref().map(|(s, p)| (s.as_str(), *p)) == place
        {
            return Ok(*id);
        }
        let id = self.intern(
            tx,
            (
                key.to_string(),
                place.map(|(s, _)| s.to_string()),
                place.map(|(_, p)| p.text()),
            ),
        )?;
        if self.read.len() <= i {
            self.read.resize(i + 1, None);
        }
        self.read[i] = Some((id, place.map(|(s, p)| (s.to_string(), p))));
        Ok(id)
    }
}
