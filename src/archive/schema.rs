//! The archive's schema, as the list of migrations that build it.
//!
//! A migration is appended, never edited: an archive made by an older tonghop holds the
//! schema of the migrations it knew (its `user_version`), and a newer tonghop applies
//! the rest in one transaction when it opens it. An archive of a newer schema than this
//! program knows is refused rather than misread.
//!
//! Dates are ISO 8601 text (`2026-06-30`), times RFC 3339 with the local offset, so any
//! SQLite tool (DB Browser for SQLite, the `sqlite3` shell, Python) reads them as they
//! are. Figures are `NUMERIC`: a count stays an exact integer, a ratio a real.

/// What `PRAGMA application_id` holds in every archive ("THop"): a SQLite file of
/// another program is told apart from an empty archive.
pub const APPLICATION_ID: i32 = 0x5448_6f70;

/// The migrations, in order; the archive's `user_version` is how many it has applied.
pub const MIGRATIONS: &[&str] = &[
    // 1: runs, periods, the files of each period and their figures.
    "
    CREATE TABLE run (
        id              INTEGER PRIMARY KEY,
        started_at      TEXT NOT NULL,
        tonghop_version TEXT NOT NULL,
        -- the outputs' run id (report.json run.id); NULL for an import
        run_key         TEXT,
        form_id         TEXT NOT NULL,
        form_version    TEXT NOT NULL,
        -- 'run', or 'import' (from report.json, an output folder or a workbook)
        source          TEXT NOT NULL,
        inbox           TEXT NOT NULL,
        out             TEXT
    );
    CREATE TABLE period (
        form_id   TEXT NOT NULL,
        date_from TEXT NOT NULL,
        date_to   TEXT NOT NULL,
        run_id    INTEGER NOT NULL REFERENCES run(id),
        PRIMARY KEY (form_id, date_from, date_to)
    );
    CREATE TABLE submission (
        id          INTEGER PRIMARY KEY,
        form_id     TEXT NOT NULL,
        date_from   TEXT NOT NULL,
        date_to     TEXT NOT NULL,
        unit        TEXT,
        file        TEXT NOT NULL,
        sha256      TEXT,
        size        INTEGER,
        status      TEXT NOT NULL,
        included    INTEGER NOT NULL,
        errors      INTEGER NOT NULL,
        warnings    INTEGER NOT NULL,
        report_date TEXT,
        FOREIGN KEY (form_id, date_from, date_to) REFERENCES period ON DELETE CASCADE
    );
    CREATE INDEX submission_period ON submission (form_id, date_from, date_to);
    CREATE TABLE figure (
        form_id       TEXT NOT NULL,
        date_from     TEXT NOT NULL,
        date_to       TEXT NOT NULL,
        unit          TEXT NOT NULL,
        figure        TEXT NOT NULL,
        value         NUMERIC NOT NULL,
        form_version  TEXT NOT NULL,
        submission_id INTEGER NOT NULL REFERENCES submission(id) ON DELETE CASCADE,
        sheet         TEXT,
        cell          TEXT,
        PRIMARY KEY (form_id, date_from, date_to, unit, figure),
        FOREIGN KEY (form_id, date_from, date_to) REFERENCES period ON DELETE CASCADE
    ) WITHOUT ROWID;
    CREATE INDEX figure_submission ON figure (submission_id);
    ",
    // 2: closing a period once it is reported upward, and the province's figures as
    // the run computed them (a percentage recomputed from sums cannot be summed back).
    "
    ALTER TABLE period ADD COLUMN closed_at TEXT;
    CREATE TABLE total (
        form_id   TEXT NOT NULL,
        date_from TEXT NOT NULL,
        date_to   TEXT NOT NULL,
        figure    TEXT NOT NULL,
        value     NUMERIC NOT NULL,
        PRIMARY KEY (form_id, date_from, date_to, figure),
        FOREIGN KEY (form_id, date_from, date_to) REFERENCES period ON DELETE CASCADE
    ) WITHOUT ROWID;
    ",
    // 3 (targets): the targets (chỉ tiêu) of a period or a term, per unit ('TOAN_TINH'
    // for the province's own), from `archive import-targets`; kept apart from the
    // periods, since targets are set before a period is reported.
    "
    CREATE TABLE target (
        form_id     TEXT NOT NULL,
        date_from   TEXT NOT NULL,
        date_to     TEXT NOT NULL,
        unit        TEXT NOT NULL,
        figure      TEXT NOT NULL,
        value       NUMERIC NOT NULL,
        file        TEXT NOT NULL,
        sheet       TEXT,
        cell        TEXT,
        imported_at TEXT NOT NULL,
        PRIMARY KEY (form_id, date_from, date_to, unit, figure)
    ) WITHOUT ROWID;
    ",
    // 4: every version of a unit's file ever seen for a period. Not tied to the period
    // row, whose records a re-run replaces: a version once seen is kept, and only its
    // standing changes (a file gone from the inbox is 'superseded').
    "
    CREATE TABLE version (
        form_id     TEXT NOT NULL,
        date_from   TEXT NOT NULL,
        date_to     TEXT NOT NULL,
        unit        TEXT NOT NULL,
        sha256      TEXT NOT NULL,
        -- the file's name in the inbox when last seen
        file        TEXT NOT NULL,
        size        INTEGER,
        -- the file's modification time, shown only (RFC 3339)
        file_time   TEXT,
        report_date TEXT,
        first_run   INTEGER NOT NULL REFERENCES run(id),
        last_run    INTEGER NOT NULL REFERENCES run(id),
        first_seen  TEXT NOT NULL,
        last_seen   TEXT NOT NULL,
        -- 'accepted', 'returned', 'duplicate', 'superseded' or 'decided' (used by a
        -- clerk's decision), as of the last run of the period
        status      TEXT NOT NULL,
        -- what the last run that read it made of it (report.json's status)
        outcome     TEXT NOT NULL,
        errors      INTEGER NOT NULL,
        warnings    INTEGER NOT NULL,
        -- 1 for the file that stands for the unit now
        current     INTEGER NOT NULL,
        -- the clerk's decision applied to it: kind, who, when, note
        decision    TEXT,
        PRIMARY KEY (form_id, date_from, date_to, unit, sha256)
    ) WITHOUT ROWID;
    ",
    // 5: a leaner figure row, for a national roll-up's millions of them. A figure's key
    // and where it was read are the same for most units (only a table column's range
    // varies with its rows): each such place is stored once (`figure_key`) and a
    // figure is its submission, its place and its value, in the order it is written.
    // The period, the unit and the form version are the submission's. The view
    // `figure` shows the rows as migration 1 stored them, for SQLite tools and queries
    // written against it.
    "
    ALTER TABLE submission ADD COLUMN form_version TEXT;
    CREATE TABLE figure_key (
        id     INTEGER PRIMARY KEY,
        -- the describe key (movement.b1.this)
        figure TEXT NOT NULL,
        sheet  TEXT,
        cell   TEXT
    );
    CREATE INDEX figure_key_figure ON figure_key (figure);
    CREATE TABLE figure_value (
        submission_id INTEGER NOT NULL REFERENCES submission(id) ON DELETE CASCADE,
        key_id        INTEGER NOT NULL REFERENCES figure_key(id),
        value         NUMERIC NOT NULL,
        PRIMARY KEY (submission_id, key_id)
    ) WITHOUT ROWID;
    INSERT INTO figure_key (figure, sheet, cell)
        SELECT DISTINCT figure, sheet, cell FROM figure ORDER BY figure, sheet, cell;
    UPDATE submission SET form_version = coalesce(
        (SELECT f.form_version FROM figure f WHERE f.submission_id = submission.id LIMIT 1),
        (SELECT r.form_version FROM period p JOIN run r ON r.id = p.run_id
         WHERE p.form_id = submission.form_id AND p.date_from = submission.date_from
           AND p.date_to = submission.date_to));
    INSERT INTO figure_value (submission_id, key_id, value)
        SELECT f.submission_id, k.id, f.value FROM figure f
        JOIN figure_key k ON k.figure = f.figure AND k.sheet IS f.sheet AND k.cell IS f.cell
        ORDER BY f.submission_id, k.id;
    DROP TABLE figure;
    CREATE VIEW figure AS
        SELECT s.form_id AS form_id, s.date_from AS date_from, s.date_to AS date_to,
               s.unit AS unit, k.figure AS figure, v.value AS value,
               s.form_version AS form_version, v.submission_id AS submission_id,
               k.sheet AS sheet, k.cell AS cell
        FROM figure_value v
        JOIN submission s ON s.id = v.submission_id
        JOIN figure_key k ON k.id = v.key_id;
    ",
    // 6: whom to call about a unit's file (the preparer and phone it gives), so the
    // chasing list of a later period names them for a unit that has sent nothing yet.
    "
    ALTER TABLE submission ADD COLUMN preparer TEXT;
    ALTER TABLE submission ADD COLUMN phone TEXT;
    ",
];

/// The schema this program writes: the number of [`MIGRATIONS`].
pub const VERSION: i64 = MIGRATIONS.len() as i64;

/// The README's description of the schema: the tables as the migrations leave them.
pub fn describe() -> String {
    let mut s = String::new();
    for (i, m) in MIGRATIONS.iter().enumerate() {
        s.push_str(&format!("-- migration {}\n", i + 1));
        for line in m
            .lines()
            .map(str::trim_end)
            .filter(|l| !l.trim().is_empty())
        {
            s.push_str(line.strip_prefix("    ").unwrap_or(line));
            s.push('\n');
        }
    }
    s
}
