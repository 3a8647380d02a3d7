use super::record::{FileRecord, UnitFigure};
use super::*;
use std::collections::HashMap;

fn p(s: &str) -> Period {
    Period::parse(s).unwrap()
}

fn info(dir: &Path) -> RunInfo<'_> {
    RunInfo {
        started_at: "2026-07-20T08:00:00+07:00".into(),
        run_key: Some("abc"),
        source: "run",
        inbox: dir,
        out: None,
    }
}

fn file(unit: &str, values: &[(&str, f64)]) -> FileRecord {
    FileRecord {
        unit: Some(unit.into()),
        file: format!("{unit}.xlsx"),
        sha256: Some("00".into()),
        size: Some(1),
        status: "accepted".into(),
        included: true,
        errors: 0,
        warnings: 0,
        report_date: Some("2026-07-05".into()),
        figures: values
            .iter()
            .map(|&(k, v)| UnitFigure {
                key: k.into(),
                value: v,
                sheet: Some("Biểu 1".into()),
                cell: Some("C6".into()),
            })
            .collect(),
        ..FileRecord::default()
    }
}

#[test]
fn a_new_archive_is_created_at_the_current_schema_and_marked_as_ours() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("a.sqlite");
    let a = Archive::open(&path, true).unwrap();
    assert_eq!(a.version().unwrap(), schema::VERSION);
    let app: i32 = a
        .conn
        .query_row("PRAGMA application_id", [], |r| r.get(0))
        .unwrap();
    assert_eq!(app, schema::APPLICATION_ID);
}

#[test]
fn a_missing_archive_is_not_created_by_a_command_that_only_reads() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("none.sqlite");
    assert!(matches!(
        Archive::open(&path, false),
        Err(ArchiveError::Missing { .. })
    ));
    assert!(!path.exists());
}

#[test]
fn another_programs_database_and_a_text_file_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let other = dir.path().join("other.sqlite");
    let c = Connection::open(&other).unwrap();
    c.execute_batch("CREATE TABLE t (x)").unwrap();
    drop(c);
    assert!(matches!(
        Archive::open(&other, true),
        Err(ArchiveError::NotArchive { .. })
    ));
    let text = dir.path().join("text.sqlite");
    std::fs::write(
        &text,
        "not a database at all, just some text of some length....",
    )
    .unwrap();
    assert!(matches!(
        Archive::open(&text, true),
        Err(ArchiveError::NotArchive { .. })
    ));
}

#[test]
fn an_archive_of_a_newer_schema_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("a.sqlite");
    drop(Archive::open(&path, true).unwrap());
    let c = Connection::open(&path).unwrap();
    c.execute_batch(&format!("PRAGMA user_version = {}", schema::VERSION + 1))
        .unwrap();
    drop(c);
    let e = Archive::open(&path, true).unwrap_err();
    assert!(matches!(e, ArchiveError::Newer { .. }), "{e}");
    assert!(e.message(crate::lang::Lang::Vi).contains("mới hơn"));
}

#[test]
fn an_archive_of_the_first_schema_opens_with_its_records_kept() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("v1.sqlite");
    let c = Connection::open(&path).unwrap();
    c.execute_batch(schema::MIGRATIONS[0]).unwrap();
    c.execute_batch(&format!(
        "PRAGMA application_id = {}; PRAGMA user_version = 1;
         INSERT INTO run VALUES (1, '2025-07-20T08:00:00+07:00', '0.0.9', NULL, 'f', '1', 'run', 'nop', NULL);
         INSERT INTO period VALUES ('f', '2025-01-01', '2025-06-30', 1);
         INSERT INTO submission VALUES (1, 'f', '2025-01-01', '2025-06-30', 'DBP', 'DBP.xlsx', NULL, 1, 'accepted', 1, 0, 0, NULL);
         INSERT INTO figure VALUES ('f', '2025-01-01', '2025-06-30', 'DBP', 'movement.b1.this', 12, '1', 1, 'Biểu 1', 'C8');",
        schema::APPLICATION_ID
    ))
    .unwrap();
    drop(c);
    let a = Archive::open(&path, true).unwrap();
    assert_eq!(a.version().unwrap(), schema::VERSION);
    let per = p("01/01/2025..30/06/2025");
    let v = a.unit_values("f", per).unwrap();
    assert_eq!(v["DBP"]["movement.b1.this"], 12.0);
    assert_eq!(a.closed_at("f", per).unwrap(), None);
}

#[test]
fn recording_a_period_again_replaces_it_and_a_closed_one_needs_reopening() {
    let dir = tempfile::tempdir().unwrap();
    let mut a = Archive::open(&dir.path().join("a.sqlite"), true).unwrap();
    let per = p("01/01/2026..30/06/2026");
    let other = p("01/07/2025..31/12/2025");
    let i = info(dir.path());
    let first = [
        file("DBP", &[("x", 1.0), ("y", 2.0)]),
        file("MLA", &[("x", 3.0)]),
    ];
    let r = a
        .record_files("f", "1", per, &first, &[("x".into(), 4.0)], &i, false)
        .unwrap();
    assert_eq!((r.units, r.figures, r.replaced), (2, 3, false));
    a.record_files("f", "1", other, &first, &[], &i, false)
        .unwrap();
    let second = [file("DBP", &[("x", 5.0)])];
    let r = a
        .record_files("f", "1", per, &second, &[("x".into(), 5.0)], &i, false)
        .unwrap();
    assert!(r.replaced);
    let v = a.unit_values("f", per).unwrap();
    assert_eq!(v.len(), 1);
    assert_eq!(v["DBP"], HashMap::from([("x".to_string(), 5.0)]));
    assert_eq!(a.totals("f", per).unwrap()["x"], 5.0);
    assert_eq!(a.submissions("f", per).unwrap().len(), 1);
    // The other period is untouched.
    assert_eq!(a.unit_values("f", other).unwrap().len(), 2);
    let figures = a.figures("f", per, Some("DBP")).unwrap();
    assert_eq!(figures[0].file, "DBP.xlsx");
    assert_eq!(figures[0].cell.as_deref(), Some("C6"));

    a.close("f", per, "2026-07-25T10:00:00+07:00").unwrap();
    let e = a
        .record_files("f", "1", per, &first, &[], &i, false)
        .unwrap_err();
    assert!(matches!(e, ArchiveError::Closed { .. }));
    assert!(e.message(crate::lang::Lang::Vi).contains("--reopen"));
    assert_eq!(a.unit_values("f", per).unwrap().len(), 1);
    let r = a
        .record_files("f", "1", per, &first, &[], &i, true)
        .unwrap();
    assert!(r.reopened);
    assert_eq!(a.closed_at("f", per).unwrap(), None);
    assert_eq!(a.periods().unwrap().len(), 2);
    assert!(matches!(
        a.close("f", p("2024"), "now"),
        Err(ArchiveError::NoPeriod { .. })
    ));
}

#[test]
fn counts_are_stored_as_exact_integers() {
    let dir = tempfile::tempdir().unwrap();
    let mut a = Archive::open(&dir.path().join("a.sqlite"), true).unwrap();
    let per = p("2026");
    let big = 9_007_199_254_740_991.0;
    a.record_files(
        "f",
        "1",
        per,
        &[file("DBP", &[("x", big), ("r", 1.25)])],
        &[],
        &info(dir.path()),
        false,
    )
    .unwrap();
    let kind: String = a
        .conn
        .query_row(
            "SELECT typeof(value) FROM figure WHERE figure = 'x'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(kind, "integer");
    let v = a.unit_values("f", per).unwrap();
    assert_eq!(v["DBP"]["x"], big);
    assert_eq!(v["DBP"]["r"], 1.25);
}

#[test]
fn the_default_archive_sits_beside_the_output_folder() {
    let p = default_path(Path::new("/data/ket-qua"));
    assert_eq!(p, Path::new("/data").join(DEFAULT_NAME));
    let root = default_path(Path::new("/"));
    assert_eq!(root, Path::new("/").join(DEFAULT_NAME));
}

#[test]
fn the_readme_shows_the_schema_as_the_migrations_build_it() {
    let readme = include_str!("../../README.md");
    let schema = schema::describe();
    assert!(
        readme.contains(&schema),
        "README.md's archive schema differs from the migrations; it should read:\n{schema}"
    );
}

/// An archive an earlier tonghop wrote (the schema of migrations 1 to 4, a figure per
/// row with its period, unit, form version, sheet and cell) opens in this one, and its
/// figures read as they did: through the `figure` view with the same columns, and
/// through the queries a run and `archive show` make.
#[test]
fn an_archive_of_schema_4_opens_and_its_figures_read_the_same() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("v4.sqlite");
    let c = Connection::open(&path).unwrap();
    for m in &schema::MIGRATIONS[..4] {
        c.execute_batch(m).unwrap();
    }
    c.execute_batch(&format!(
        "PRAGMA application_id = {}; PRAGMA user_version = 4;
         INSERT INTO run VALUES (1, '2025-07-20T08:00:00+07:00', '0.1.0', 'r1', 'f', '2026.1', 'run', 'nop', 'out');
         INSERT INTO run VALUES (2, '2026-01-20T08:00:00+07:00', '0.1.0', 'r2', 'f', '2026.2', 'run', 'nop2', 'out2');
         INSERT INTO period VALUES ('f', '2025-01-01', '2025-06-30', 1, '2025-07-25T10:00:00+07:00');
         INSERT INTO period VALUES ('f', '2025-07-01', '2025-12-31', 2, NULL);
         INSERT INTO submission VALUES (1, 'f', '2025-01-01', '2025-06-30', 'DBP', 'DBP.xlsx', 'aa', 10, 'accepted', 1, 0, 1, '2025-07-05');
         INSERT INTO submission VALUES (2, 'f', '2025-01-01', '2025-06-30', 'MLA', 'MLA.xlsx', 'bb', 11, 'accepted', 1, 0, 0, NULL);
         INSERT INTO submission VALUES (3, 'f', '2025-01-01', '2025-06-30', NULL, 'la.xlsx', 'cc', 12, 'unknown_unit', 0, 1, 0, NULL);
         INSERT INTO submission VALUES (4, 'f', '2025-01-01', '2025-06-30', 'TGI', 'TGI.xlsx', 'dd', 13, 'rejected', 0, 2, 0, NULL);
         INSERT INTO submission VALUES (5, 'f', '2025-07-01', '2025-12-31', 'DBP', 'DBP-2.xlsx', 'ee', 14, 'accepted', 1, 0, 0, NULL);
         INSERT INTO figure VALUES ('f', '2025-01-01', '2025-06-30', 'DBP', 'movement.b1.this', 12, '2026.1', 1, 'Biểu 1', 'C8');
         INSERT INTO figure VALUES ('f', '2025-01-01', '2025-06-30', 'DBP', 'admitted.age', 9007199254740991, '2026.1', 1, 'Kết nạp', 'E4:E18');
         INSERT INTO figure VALUES ('f', '2025-01-01', '2025-06-30', 'DBP', 'rate.women', 12.5, '2026.1', 1, NULL, NULL);
         INSERT INTO figure VALUES ('f', '2025-01-01', '2025-06-30', 'MLA', 'movement.b1.this', 3, '2026.1', 2, 'biểu 1', 'C8');
         INSERT INTO figure VALUES ('f', '2025-01-01', '2025-06-30', 'MLA', 'admitted.age', 4, '2026.1', 2, 'Kết nạp', 'E4:E30');
         INSERT INTO figure VALUES ('f', '2025-07-01', '2025-12-31', 'DBP', 'movement.b1.this', 15, '2026.2', 5, 'Biểu 1', 'C8');
         INSERT INTO total VALUES ('f', '2025-01-01', '2025-06-30', 'movement.b1.this', 15);
         INSERT INTO target VALUES ('f', '2025-01-01', '2025-12-31', 'DBP', 'admitted', 20, 'ct.xlsx', 'Chỉ tiêu', 'C5', '2025-01-02T08:00:00+07:00');
         INSERT INTO version VALUES ('f', '2025-01-01', '2025-06-30', 'DBP', 'aa', 'DBP.xlsx', 10, NULL, '2025-07-05', 1, 1,
             '2025-07-20T08:00:00+07:00', '2025-07-20T08:00:00+07:00', 'accepted', 'accepted', 0, 1, 1, NULL);",
        schema::APPLICATION_ID
    ))
    .unwrap();
    // Every column of every figure, and how SQLite holds its value.
    let rows = |c: &Connection| -> Vec<Vec<String>> {
        let mut q = c
            .prepare(
                "SELECT form_id, date_from, date_to, unit, figure, value, typeof(value),
                        form_version, submission_id, sheet, cell
                 FROM figure ORDER BY date_from, unit, figure",
            )
            .unwrap();
        q.query_map([], |r| {
            (0..11)
                .map(|i| {
                    r.get::<_, rusqlite::types::Value>(i)
                        .map(|v| format!("{v:?}"))
                })
                .collect()
        })
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap()
    };
    let before = rows(&c);
    assert_eq!(before.len(), 6);
    drop(c);

    let mut a = Archive::open(&path, false).unwrap();
    assert_eq!(a.version().unwrap(), schema::VERSION);
    assert_eq!(rows(&a.conn), before);
    let first = p("01/01/2025..30/06/2025");
    let second = p("01/07/2025..31/12/2025");
    let v = a.unit_values("f", first).unwrap();
    assert_eq!(v.len(), 2);
    assert_eq!(v["DBP"]["admitted.age"], 9_007_199_254_740_991.0);
    assert_eq!(v["DBP"]["rate.women"], 12.5);
    assert_eq!(v["MLA"]["movement.b1.this"], 3.0);
    let some = a
        .values_of("f", first, &["admitted.age".to_string()])
        .unwrap();
    assert_eq!(some["MLA"], HashMap::from([("admitted.age".into(), 4.0)]));
    assert_eq!(some.len(), 2);
    let shown = a.figures("f", first, Some("MLA")).unwrap();
    assert_eq!(
        shown,
        [
            StoredFigure {
                unit: "MLA".into(),
                figure: "admitted.age".into(),
                value: 4.0,
                form_version: "2026.1".into(),
                file: "MLA.xlsx".into(),
                sha256: Some("bb".into()),
                sheet: Some("Kết nạp".into()),
                cell: Some("E4:E30".into()),
            },
            StoredFigure {
                unit: "MLA".into(),
                figure: "movement.b1.this".into(),
                value: 3.0,
                form_version: "2026.1".into(),
                file: "MLA.xlsx".into(),
                sha256: Some("bb".into()),
                sheet: Some("biểu 1".into()),
                cell: Some("C8".into()),
            },
        ]
    );
    let periods = a.periods().unwrap();
    let units: Vec<(Period, usize, usize, bool)> = periods
        .iter()
        .map(|s| (s.period, s.files, s.units, s.closed_at.is_some()))
        .collect();
    assert_eq!(units, [(first, 4, 2, true), (second, 1, 1, false)]);
    assert_eq!(a.submissions("f", first).unwrap().len(), 4);
    assert_eq!(a.totals("f", first).unwrap()["movement.b1.this"], 15.0);
    assert_eq!(a.versions("f", first).unwrap().len(), 1);

    // A run over the migrated archive replaces its period and leaves the other as it was.
    a.record_files(
        "f",
        "2026.2",
        second,
        &[file("DBP", &[("movement.b1.this", 16.0)])],
        &[],
        &info(dir.path()),
        false,
    )
    .unwrap();
    assert_eq!(rows(&a.conn)[..5], before[..5]);
    assert_eq!(
        a.unit_values("f", second).unwrap()["DBP"]["movement.b1.this"],
        16.0
    );
    let check: String = a
        .conn
        .query_row("PRAGMA foreign_key_check", [], |r| r.get(0))
        .unwrap_or_else(|_| "none".into());
    assert_eq!(check, "none");
}
