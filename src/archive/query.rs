//! What the archive holds, read back: its periods, a period's files and figures, and
//! the figures of the periods a run compares itself with.

use super::{Archive, ArchiveError, from_iso, iso};
use crate::period::Period;
use chrono::NaiveDate;
use rusqlite::Row;
use std::collections::{BTreeMap, HashMap};

/// One recorded period, as `archive list` shows it.
#[derive(Debug, Clone, PartialEq)]
pub struct PeriodSummary {
    /// The form's id.
    pub form_id: String,
    /// The period.
    pub period: Period,
    /// The form version of its run.
    pub form_version: String,
    /// When it was recorded.
    pub recorded_at: String,
    /// `run` or `import`.
    pub source: String,
    /// The inbox (or imported file) its figures came from.
    pub inbox: String,
    /// Files recorded.
    pub files: usize,
    /// Units whose figures are recorded.
    pub units: usize,
    /// When it was closed, if it was.
    pub closed_at: Option<String>,
}

/// One file of a period.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredSubmission {
    /// Its unit, when identified.
    pub unit: Option<String>,
    /// As the inbox names it.
    pub file: String,
    /// Its SHA-256.
    pub sha256: Option<String>,
    /// What became of it.
    pub status: String,
    /// Its figures are the unit's.
    pub included: bool,
    /// Errors found.
    pub errors: usize,
    /// Warnings found.
    pub warnings: usize,
    /// Its date of report, ISO.
    pub report_date: Option<String>,
}

/// Whom to call about a unit: the preparer and phone of its latest file in an earlier
/// period, with that file and period.
#[derive(Debug, Clone, PartialEq)]
pub struct Contact {
    /// The preparer it names.
    pub preparer: Option<String>,
    /// The phone it gives.
    pub phone: Option<String>,
    /// Its date of report.
    pub report_date: Option<NaiveDate>,
    /// As the inbox named it.
    pub file: String,
    /// The period it was for.
    pub period: Period,
}

/// One unit's figure with where it came from.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredFigure {
    /// The unit's code.
    pub unit: String,
    /// The field's key.
    pub figure: String,
    /// The value.
    pub value: f64,
    /// The form version it was read on.
    pub form_version: String,
    /// The file.
    pub file: String,
    /// The file's SHA-256.
    pub sha256: Option<String>,
    /// The sheet, when read from a cell.
    pub sheet: Option<String>,
    /// The cell or range.
    pub cell: Option<String>,
}

/// Per unit, per figure key: the values of one period.
pub type UnitValues = HashMap<String, HashMap<String, f64>>;

fn period_of(r: &Row<'_>, from: usize) -> rusqlite::Result<Period> {
    let bad = |i: usize| {
        rusqlite::Error::FromSqlConversionFailure(
            i,
            rusqlite::types::Type::Text,
            "not an ISO date".into(),
        )
    };
    let a: String = r.get(from)?;
    let b: String = r.get(from + 1)?;
    Ok(Period {
        from: from_iso(&a).ok_or_else(|| bad(from))?,
        to: from_iso(&b).ok_or_else(|| bad(from + 1))?,
    })
}

impl Archive {
    /// Every recorded period, oldest first.
    pub fn periods(&self) -> Result<Vec<PeriodSummary>, ArchiveError> {
        self.summaries(None)
    }

    /// The recorded period of `form_id`, if any.
    pub fn period(
        &self,
        form_id: &str,
        period: Period,
    ) -> Result<Option<PeriodSummary>, ArchiveError> {
        Ok(self.summaries(Some((form_id, period)))?.into_iter().next())
    }

    /// The periods, all or one. A period's units are counted on its submissions (those
    /// with a figure), not over its figures: a run looks a period up several times, and
    /// a national one has millions of figures.
    fn summaries(&self, only: Option<(&str, Period)>) -> Result<Vec<PeriodSummary>, ArchiveError> {
        let mut q = self
            .conn
            .prepare_cached(
                "SELECT p.form_id, p.date_from, p.date_to, r.form_version, r.started_at, r.source, r.inbox,
                        (SELECT count(*) FROM submission s WHERE s.form_id = p.form_id AND s.date_from = p.date_from AND s.date_to = p.date_to),
                        (SELECT count(DISTINCT s.unit) FROM submission s
                         WHERE s.form_id = p.form_id AND s.date_from = p.date_from AND s.date_to = p.date_to
                           AND EXISTS (SELECT 1 FROM figure_value v WHERE v.submission_id = s.id)),
                        p.closed_at
                 FROM period p JOIN run r ON r.id = p.run_id
                 WHERE ?1 IS NULL OR (p.form_id = ?1 AND p.date_from = ?2 AND p.date_to = ?3)
                 ORDER BY p.date_to, p.date_from, p.form_id",
            )
            .map_err(|e| self.sql(e))?;
        let key = only.map(|(f, p)| (f, iso(p.from), iso(p.to)));
        let rows = q
            .query_map(
                (
                    key.as_ref().map(|k| k.0),
                    key.as_ref().map(|k| k.1.as_str()),
                    key.as_ref().map(|k| k.2.as_str()),
                ),
                |r| {
                    Ok(PeriodSummary {
                        form_id: r.get(0)?,
                        period: period_of(r, 1)?,
                        form_version: r.get(3)?,
                        recorded_at: r.get(4)?,
                        source: r.get(5)?,
                        inbox: r.get(6)?,
                        files: r.get::<_, i64>(7)? as usize,
                        units: r.get::<_, i64>(8)? as usize,
                        closed_at: r.get(9)?,
                    })
                },
            )
            .map_err(|e| self.sql(e))?;
        rows.collect::<Result<_, _>>().map_err(|e| self.sql(e))
    }

    /// Each unit's [`Contact`] from its latest file naming a preparer or a phone in a
    /// period that ended before `before`: a unit that has sent nothing yet this period
    /// is still someone to call.
    pub fn contacts(
        &self,
        form_id: &str,
        before: NaiveDate,
    ) -> Result<HashMap<String, Contact>, ArchiveError> {
        let mut q = self
            .conn
            .prepare(
                "SELECT unit, preparer, phone, report_date, file, date_from, date_to
                 FROM submission
                 WHERE form_id = ?1 AND unit IS NOT NULL AND date_to < ?2
                   AND (preparer IS NOT NULL OR phone IS NOT NULL)
                 ORDER BY date_to DESC, report_date DESC, id DESC",
            )
            .map_err(|e| self.sql(e))?;
        let day = |t: Option<String>| t.as_deref().and_then(from_iso);
        let rows = q
            .query_map((form_id, iso(before)), |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, Option<String>>(1)?,
                    r.get::<_, Option<String>>(2)?,
                    r.get::<_, Option<String>>(3)?,
                    r.get::<_, String>(4)?,
                    r.get::<_, String>(5)?,
                    r.get::<_, String>(6)?,
                ))
            })
            .map_err(|e| self.sql(e))?;
        let mut out = HashMap::new();
        for row in rows {
            let (unit, preparer, phone, report_date, file, from, to) =
                row.map_err(|e| self.sql(e))?;
            let (Some(from), Some(to)) = (day(Some(from)), day(Some(to))) else {
                continue;
            };
            out.entry(unit).or_insert(Contact {
                preparer,
                phone,
                report_date: day(report_date),
                file,
                period: Period { from, to },
            });
        }
        Ok(out)
    }

    /// The files of a period, by unit then file.
    pub fn submissions(
        &self,
        form_id: &str,
        period: Period,
    ) -> Result<Vec<StoredSubmission>, ArchiveError> {
        let mut q = self
            .conn
            .prepare(
                "SELECT unit, file, sha256, status, included, errors, warnings, report_date
                 FROM submission WHERE form_id = ?1 AND date_from = ?2 AND date_to = ?3
                 ORDER BY unit, file",
            )
            .map_err(|e| self.sql(e))?;
        let rows = q
            .query_map((form_id, iso(period.from), iso(period.to)), |r| {
                Ok(StoredSubmission {
                    unit: r.get(0)?,
                    file: r.get(1)?,
                    sha256: r.get(2)?,
                    status: r.get(3)?,
                    included: r.get(4)?,
                    errors: r.get::<_, i64>(5)? as usize,
                    warnings: r.get::<_, i64>(6)? as usize,
                    report_date: r.get(7)?,
                })
            })
            .map_err(|e| self.sql(e))?;
        rows.collect::<Result<_, _>>().map_err(|e| self.sql(e))
    }

    /// The figures of a period, of one unit or all, by unit then figure, each with its
    /// file and cell.
    pub fn figures(
        &self,
        form_id: &str,
        period: Period,
        unit: Option<&str>,
    ) -> Result<Vec<StoredFigure>, ArchiveError> {
        let mut q = self
            .conn
            .prepare(
                "SELECT s.unit, k.figure, v.value, s.form_version, s.file, s.sha256, k.sheet, k.cell
                 FROM submission s
                 JOIN figure_value v ON v.submission_id = s.id
                 JOIN figure_key k ON k.id = v.key_id
                 WHERE s.form_id = ?1 AND s.date_from = ?2 AND s.date_to = ?3
                   AND (?4 IS NULL OR s.unit = ?4)
                 ORDER BY s.unit, k.figure",
            )
            .map_err(|e| self.sql(e))?;
        let rows = q
            .query_map((form_id, iso(period.from), iso(period.to), unit), |r| {
                Ok(StoredFigure {
                    unit: r.get(0)?,
                    figure: r.get(1)?,
                    value: r.get(2)?,
                    form_version: r.get(3)?,
                    file: r.get(4)?,
                    sha256: r.get(5)?,
                    sheet: r.get(6)?,
                    cell: r.get(7)?,
                })
            })
            .map_err(|e| self.sql(e))?;
        rows.collect::<Result<_, _>>().map_err(|e| self.sql(e))
    }

    /// Every unit's figures of a period, by unit and key: what a comparison looks up.
    ///
    /// A national period has millions of figures: their keys are named from the few
    /// hundred `figure_key` rows held in memory rather than joined row by row, and a
    /// unit's code is copied once per unit, not once per figure.
    pub fn unit_values(&self, form_id: &str, period: Period) -> Result<UnitValues, ArchiveError> {
        let names = self.key_names().map_err(|e| self.sql(e))?;
        let mut q = self
            .conn
            .prepare_cached(
                "SELECT s.unit, v.key_id, v.value
                 FROM submission s JOIN figure_value v ON v.submission_id = s.id
                 WHERE s.form_id = ?1 AND s.date_from = ?2 AND s.date_to = ?3",
            )
            .map_err(|e| self.sql(e))?;
        let mut out: UnitValues = HashMap::new();
        let mut unit: Option<(String, HashMap<String, f64>)> = None;
        let mut rows = q
            .query((form_id, iso(period.from), iso(period.to)))
            .map_err(|e| self.sql(e))?;
        let mut keep = |unit: Option<(String, HashMap<String, f64>)>| {
            if let Some((code, values)) = unit {
                out.entry(code).or_default().extend(values);
            }
        };
        while let Some(r) = rows.next().map_err(|e| self.sql(e))? {
            let code = r
                .get_ref(0)
                .and_then(|v| v.as_str().map_err(Into::into))
                .map_err(|e| self.sql(e))?;
            if unit.as_ref().is_none_or(|(u, _)| u != code) {
                let next = (code.to_string(), HashMap::new());
                keep(unit.replace(next));
            }
            let key: i64 = r.get(1).map_err(|e| self.sql(e))?;
            let value: f64 = r.get(2).map_err(|e| self.sql(e))?;
            if let (Some((_, values)), Some(name)) = (unit.as_mut(), names.get(&key)) {
                values.insert(name.clone(), value);
            }
        }
        keep(unit);
        Ok(out)
    }

    /// The figures' keys by the id of their place.
    fn key_names(&self) -> rusqlite::Result<HashMap<i64, String>> {
        let mut q = self
            .conn
            .prepare_cached("SELECT id, figure FROM figure_key")?;
        q.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?.collect()
    }

    /// Every unit's value of each figure in `keys` for a period: the few figures an
    /// own-history look-back needs, without reading every figure of every unit.
    pub fn values_of(
        &self,
        form_id: &str,
        period: Period,
        keys: &[String],
    ) -> Result<UnitValues, ArchiveError> {
        let mut q = self
            .conn
            .prepare_cached(
                "SELECT s.unit, v.value
                 FROM submission s JOIN figure_value v ON v.submission_id = s.id
                 WHERE s.form_id = ?1 AND s.date_from = ?2 AND s.date_to = ?3
                   AND v.key_id IN (SELECT id FROM figure_key WHERE figure = ?4)",
            )
            .map_err(|e| self.sql(e))?;
        let mut out: UnitValues = HashMap::new();
        for key in keys {
            let mut rows = q
                .query((form_id, iso(period.from), iso(period.to), key))
                .map_err(|e| self.sql(e))?;
            while let Some(r) = rows.next().map_err(|e| self.sql(e))? {
                let unit: String = r.get(0).map_err(|e| self.sql(e))?;
                let value: f64 = r.get(1).map_err(|e| self.sql(e))?;
                out.entry(unit).or_default().insert(key.clone(), value);
            }
        }
        Ok(out)
    }

    /// The province's figures of a period as the run computed them, by key.
    pub fn totals(
        &self,
        form_id: &str,
        period: Period,
    ) -> Result<BTreeMap<String, f64>, ArchiveError> {
        let mut q = self
            .conn
            .prepare(
                "SELECT figure, value FROM total
                 WHERE form_id = ?1 AND date_from = ?2 AND date_to = ?3",
            )
            .map_err(|e| self.sql(e))?;
        let rows = q
            .query_map((form_id, iso(period.from), iso(period.to)), |r| {
                Ok((r.get::<_, String>(0)?, r.get::<_, f64>(1)?))
            })
            .map_err(|e| self.sql(e))?;
        rows.collect::<Result<_, _>>().map_err(|e| self.sql(e))
    }
}
