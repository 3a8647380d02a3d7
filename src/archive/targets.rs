//! The targets the archive keeps (table `target`, migration 3): a period's or a term's,
//! replaced whole by each `archive import-targets`, read by a run that is given no
//! `--targets` file.

use super::{Archive, ArchiveError, iso};
use crate::period::Period;
use crate::targets::{ByUnit, Source, Value};

impl Archive {
    /// Replace the targets of `period` (a period or a term) with `rows`, in one
    /// transaction; returns how many values were kept.
    pub fn record_targets(
        &mut self,
        form_id: &str,
        period: Period,
        rows: &ByUnit,
        at: &str,
    ) -> Result<usize, ArchiveError> {
        let path = self.path.display().to_string();
        let sql = |source| ArchiveError::Sql {
            path: path.clone(),
            source,
        };
        let tx = self.conn.transaction().map_err(sql)?;
        let (from, to) = (iso(period.from), iso(period.to));
        tx.execute(
            "DELETE FROM target WHERE form_id = ?1 AND date_from = ?2 AND date_to = ?3",
            (form_id, &from, &to),
        )
        .map_err(sql)?;
        let mut n = 0;
        {
            let mut q = tx
                .prepare(
                    "INSERT INTO target (form_id, date_from, date_to, unit, figure, value, file, sheet, cell, imported_at)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
                )
                .map_err(sql)?;
            for (unit, figures) in rows {
                for (figure, v) in figures {
                    q.execute((
                        form_id,
                        &from,
                        &to,
                        unit,
                        figure,
                        v.value,
                        &v.source.file,
                        &v.source.sheet,
                        &v.source.cell,
                        at,
                    ))
                    .map_err(sql)?;
                    n += 1;
                }
            }
        }
        tx.commit().map_err(sql)?;
        Ok(n)
    }

    /// The targets of `period` (a period or a term), empty when none were imported.
    pub fn targets(&self, form_id: &str, period: Period) -> Result<ByUnit, ArchiveError> {
        let sql = |source| ArchiveError::Sql {
            path: self.path.display().to_string(),
            source,
        };
        let mut q = self
            .conn
            .prepare_cached(
                "SELECT unit, figure, value, file, sheet, cell FROM target
                 WHERE form_id = ?1 AND date_from = ?2 AND date_to = ?3",
            )
            .map_err(sql)?;
        let rows = q
            .query_map((form_id, iso(period.from), iso(period.to)), |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, String>(1)?,
                    Value {
                        value: r.get(2)?,
                        source: Source {
                            file: r.get(3)?,
                            sheet: r.get::<_, Option<String>>(4)?.unwrap_or_default(),
                            cell: r.get::<_, Option<String>>(5)?.unwrap_or_default(),
                        },
                    },
                ))
            })
            .map_err(sql)?;
        let mut out = ByUnit::new();
        for row in rows {
            let (unit, figure, v) = row.map_err(sql)?;
            out.entry(unit).or_default().insert(figure, v);
        }
        Ok(out)
    }
}
