//! The archive: every run records its period beside OUT; re-running replaces it, a
//! closed period is refused, a killed run leaves it whole, and periods come in and go
//! out as workbooks (export, template, import) and from an earlier run's report.json.

use crate::common::{Workdir, cells, figure, run_args, sha256, show, text};
use rusqlite::Connection;
use serde_json::Value;
use std::io::{BufRead, BufReader};
use std::process::Stdio;
use std::time::{Duration, Instant};

const ARCHIVE: &str = "tonghop-luu-tru.sqlite";
const PERIOD: &str = "01/01/2026..30/06/2026";

/// An inbox of `n` clean units of the default form.
fn inbox(w: &Workdir, dir: &str, n: &str) {
    w.samples(dir, &["--units", n, "--faults", "0", "--seed", "7"]);
}

fn db(w: &Workdir, rel: &str) -> Connection {
    Connection::open(w.path(rel)).unwrap()
}

fn count(c: &Connection, sql: &str) -> i64 {
    c.query_row(sql, [], |r| r.get(0)).unwrap()
}

/// Each included submission's figure `key` in report.json, by unit.
fn reported(report: &Value, key: &str) -> Vec<(String, f64)> {
    let mut v: Vec<(String, f64)> = report["submissions"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|s| s["included_in_totals"] == true)
        .map(|s| {
            (
                s["unit"].as_str().unwrap().to_string(),
                figure(report, s, key).value.as_f64().unwrap(),
            )
        })
        .collect();
    v.sort_by(|a, b| a.0.cmp(&b.0));
    v
}

fn archived(c: &Connection, key: &str) -> Vec<(String, f64)> {
    let mut q = c
        .prepare("SELECT unit, value FROM figure WHERE figure = ?1 ORDER BY unit")
        .unwrap();
    q.query_map([key], |r| Ok((r.get(0)?, r.get(1)?)))
        .unwrap()
        .map(Result::unwrap)
        .collect()
}

#[test]
fn a_run_records_its_period_beside_out_with_each_figures_file_and_cell() {
    let w = Workdir::official();
    inbox(&w, "nop", "4");
    let out = w.run_expect(&["run", "nop", "--out", "ket-qua", "--period", PERIOD], 0);
    let stdout = String::from_utf8_lossy(&out.stdout);
    let shown = w.path(ARCHIVE).canonicalize().unwrap();
    assert!(
        stdout.contains(&format!("Lưu trữ: {}", shown.display())),
        "{stdout}"
    );
    let report = w.report("ket-qua");
    let c = db(&w, ARCHIVE);
    assert_eq!(count(&c, "SELECT count(*) FROM period"), 1);
    assert_eq!(
        archived(&c, "movement.b1.this"),
        reported(&report, "movement.b1.this")
    );
    // Provenance: the file, its hash, the sheet and the cell report.json names.
    let s = &report["submissions"][0];
    let unit = s["unit"].as_str().unwrap();
    let (file, sha, sheet, cell): (String, String, String, String) = c
        .query_row(
            "SELECT s.file, s.sha256, f.sheet, f.cell FROM figure f JOIN submission s ON s.id = f.submission_id
             WHERE f.unit = ?1 AND f.figure = 'movement.a.this'",
            [unit],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
        )
        .unwrap();
    assert_eq!(file, s["file"].as_str().unwrap());
    assert_eq!(sha, s["sha256"].as_str().unwrap());
    assert_eq!(sheet, figure(&report, s, "movement.a.this").sheet.unwrap());
    assert_eq!(cell, figure(&report, s, "movement.a.this").cell.unwrap());
    // The province's figures as the run computed them.
    let total: f64 = c
        .query_row(
            "SELECT value FROM total WHERE figure = 'movement.d.this'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(total, report["totals"]["movement.d.this"].as_f64().unwrap());

    // `archive show --unit` gives the same figure with its place.
    let out = w.run_expect(&["archive", "show", PERIOD, "--unit", unit], 0);
    let shown = String::from_utf8_lossy(&out.stdout);
    assert!(shown.contains(&format!("'{sheet}'!{cell}")), "{shown}");
    let out = w.run_expect(&["archive", "list"], 0);
    let listed = String::from_utf8_lossy(&out.stdout);
    assert!(listed.contains("01/01/2026 – 30/06/2026"), "{listed}");
    assert!(listed.contains("4 đơn vị"), "{listed}");
}

#[test]
fn running_a_period_again_replaces_it_and_other_periods_stay() {
    let w = Workdir::official();
    inbox(&w, "nop", "3");
    w.run_expect(
        &["run", "nop", "--out", "a", "--quiet", "--period", PERIOD],
        0,
    );
    let c = db(&w, ARCHIVE);
    let figures = count(&c, "SELECT count(*) FROM figure");
    assert!(figures > 100, "{figures}");
    drop(c);
    // The same period again, with one unit fewer: the period is replaced, not doubled.
    let first = std::fs::read_dir(w.path("nop"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "xlsx"))
        .min()
        .unwrap();
    std::fs::remove_file(first).unwrap();
    w.run_expect(
        &["run", "nop", "--out", "a", "--quiet", "--period", PERIOD],
        0,
    );
    let c = db(&w, ARCHIVE);
    assert_eq!(count(&c, "SELECT count(*) FROM period"), 1);
    assert_eq!(count(&c, "SELECT count(DISTINCT unit) FROM figure"), 2);
    assert_eq!(count(&c, "SELECT count(*) FROM submission"), 2);
}

#[test]
fn no_archive_and_another_place_are_the_clerks_choice() {
    let w = Workdir::official();
    inbox(&w, "nop", "2");
    w.run_expect(&["run", "nop", "--out", "a", "--quiet", "--no-archive"], 0);
    assert!(!w.path(ARCHIVE).exists());
    w.run_expect(
        &[
            "run",
            "nop",
            "--out",
            "a",
            "--quiet",
            "--archive",
            "kho/ho-so.sqlite",
        ],
        0,
    );
    assert!(!w.path(ARCHIVE).exists());
    let c = db(&w, "kho/ho-so.sqlite");
    assert_eq!(count(&c, "SELECT count(*) FROM period"), 1);
    // OUT inside the inbox puts the archive in the inbox: it is not read as a file.
    let out = w.run_expect(
        &["run", "nop", "--out", "nop/ket-qua", "--period", PERIOD],
        0,
    );
    assert!(w.path("nop").join(ARCHIVE).is_file());
    let out2 = w.run_expect(
        &["run", "nop", "--out", "nop/ket-qua", "--period", PERIOD],
        0,
    );
    for o in [&out, &out2] {
        let s = String::from_utf8_lossy(&o.stdout);
        let skipped = s.lines().find(|l| l.starts_with("Bỏ qua: ")).unwrap_or("");
        assert!(!skipped.contains("sqlite"), "{s}");
    }
    let report = w.report("nop/ket-qua");
    assert!(
        !report["skipped"]
            .as_array()
            .unwrap()
            .iter()
            .any(|s| s["file"].as_str().unwrap().contains("sqlite")),
        "{report}"
    );
}

#[test]
fn a_closed_period_is_not_changed_unless_reopened() {
    let w = Workdir::official();
    inbox(&w, "nop", "2");
    w.run_expect(&run_args("nop", "out", &["--period", PERIOD]), 0);
    let out = w.run_expect(&["archive", "close", "6 tháng đầu năm 2026"], 0);
    assert!(String::from_utf8_lossy(&out.stdout).contains("Đã chốt kỳ"));
    let before = sha256(&w.path("out/tong-hop.xlsx"));
    let c = db(&w, ARCHIVE);
    let runs = count(&c, "SELECT count(*) FROM run");
    drop(c);
    let out = w.run_expect(&run_args("nop", "out", &["--period", PERIOD]), 2);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("đã chốt") && err.contains("--reopen"), "{err}");
    assert_eq!(
        sha256(&w.path("out/tong-hop.xlsx")),
        before,
        "outputs changed"
    );
    assert_eq!(count(&db(&w, ARCHIVE), "SELECT count(*) FROM run"), runs);
    // Without --period the period is inferred, and still refused.
    w.run_expect(&run_args("nop", "out", &[]), 2);
    let out = w.run_expect(
        &[
            "--lang", "en", "run", "nop", "--out", "out", "--reopen", "--period", PERIOD,
        ],
        0,
    );
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("closed period reopened"),
        "{}",
        show(&out)
    );
    let c = db(&w, ARCHIVE);
    assert_eq!(
        count(&c, "SELECT count(*) FROM period WHERE closed_at IS NULL"),
        1
    );
}

#[test]
fn a_run_killed_while_it_records_leaves_the_archive_as_it_was() {
    let w = Workdir::official();
    inbox(&w, "a", "3");
    inbox(&w, "b", "1");
    w.run_expect(&run_args("a", "out", &["--period", PERIOD]), 0);
    let before = archived(&db(&w, ARCHIVE), "movement.a.this");
    assert_eq!(before.len(), 3);
    let mut child = w
        .command(&run_args("b", "out", &["--period", PERIOD]))
        .env("TONGHOP_TEST_PAUSE_AT", "archive")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let stderr = child.stderr.take().unwrap();
    let mut lines = BufReader::new(stderr).lines();
    let started = Instant::now();
    loop {
        let line = lines.next().expect("the run pauses at archive").unwrap();
        if line.contains("test pause at archive") {
            break;
        }
        assert!(started.elapsed() < Duration::from_secs(60), "no pause");
    }
    // Mid-transaction: nothing of the new records is visible to a reader meanwhile.
    assert_eq!(archived(&db(&w, ARCHIVE), "movement.a.this"), before);
    child.kill().unwrap();
    child.wait().unwrap();
    let c = db(&w, ARCHIVE);
    assert_eq!(archived(&c, "movement.a.this"), before);
    let check: String = c
        .query_row("PRAGMA integrity_check", [], |r| r.get(0))
        .unwrap();
    assert_eq!(check, "ok");
    drop(c);
    // And the next run records its period whole.
    w.run_expect(&run_args("b", "out", &["--period", PERIOD]), 0);
    assert_eq!(archived(&db(&w, ARCHIVE), "movement.a.this").len(), 1);
}

/// The period is recorded while the outputs are written and committed only once they
/// are in place: a run whose outputs fail records nothing, creates no archive where
/// there was none, and leaves an existing one as it was; on one thread (recorded after
/// the outputs) as on two (recorded beside them).
#[test]
fn a_run_whose_outputs_fail_records_nothing_and_creates_no_archive() {
    for jobs in ["1", "2"] {
        let w = Workdir::official();
        inbox(&w, "a", "3");
        inbox(&w, "b", "1");
        let fail = [("TONGHOP_TEST_FAIL_AT", "swapped")];
        let args = |dir| run_args(dir, "out", &["--period", PERIOD, "--jobs", jobs]).to_vec();
        let failed = w.run_env(&args("a"), &fail);
        assert_eq!(failed.status.code(), Some(2), "{jobs}: {}", show(&failed));
        assert!(!w.path(ARCHIVE).exists(), "{jobs}: an archive was left");
        assert!(!w.path(&format!("{ARCHIVE}-journal")).exists());
        w.run_expect(&args("a"), 0);
        let before = archived(&db(&w, ARCHIVE), "movement.a.this");
        assert_eq!(before.len(), 3);
        let failed = w.run_env(&args("b"), &fail);
        assert_eq!(failed.status.code(), Some(2), "{jobs}: {}", show(&failed));
        let c = db(&w, ARCHIVE);
        assert_eq!(archived(&c, "movement.a.this"), before, "{jobs}");
        assert_eq!(count(&c, "SELECT count(*) FROM run"), 1, "{jobs}");
        drop(c);
        w.run_expect(&args("b"), 0);
        assert_eq!(archived(&db(&w, ARCHIVE), "movement.a.this").len(), 1);
    }
}

/// With two jobs the period is recorded while the outputs are written: paused before
/// the outputs are swapped in, the run already holds the archive's write lock (its
/// transaction open, nothing visible); killed there, it leaves the archive as it was.
/// With one job nothing of the archive is touched before the outputs are in place.
#[test]
fn with_two_jobs_the_period_is_recorded_beside_the_outputs_and_committed_after() {
    for jobs in ["2", "1"] {
        let w = Workdir::official();
        inbox(&w, "a", "3");
        inbox(&w, "b", "1");
        w.run_expect(&run_args("a", "out", &["--period", PERIOD]), 0);
        let before = archived(&db(&w, ARCHIVE), "movement.a.this");
        let mut child = w
            .command(&run_args("b", "out", &["--period", PERIOD, "--jobs", jobs]))
            .env("TONGHOP_TEST_PAUSE_AT", "staged")
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let mut lines = BufReader::new(child.stderr.take().unwrap()).lines();
        loop {
            let line = lines.next().expect("the run pauses at staged").unwrap();
            if line.contains("test pause at staged") {
                break;
            }
        }
        // Whether another writer can take the archive's write lock at once.
        let writable = || {
            let c = db(&w, ARCHIVE);
            c.busy_timeout(Duration::ZERO).unwrap();
            c.execute_batch("BEGIN IMMEDIATE; ROLLBACK").is_ok()
        };
        let started = Instant::now();
        if jobs == "2" {
            // The recorder's first statement may come a moment after the pause.
            while writable() {
                assert!(
                    started.elapsed() < Duration::from_secs(30),
                    "never recorded"
                );
                std::thread::sleep(Duration::from_millis(20));
            }
        } else {
            assert!(
                writable(),
                "--jobs 1 touched the archive before its outputs"
            );
        }
        assert_eq!(archived(&db(&w, ARCHIVE), "movement.a.this"), before);
        child.kill().unwrap();
        child.wait().unwrap();
        let c = db(&w, ARCHIVE);
        assert_eq!(archived(&c, "movement.a.this"), before, "{jobs}");
        let check: String = c
            .query_row("PRAGMA integrity_check", [], |r| r.get(0))
            .unwrap();
        assert_eq!(check, "ok");
    }
}

#[test]
fn a_file_that_is_no_archive_stops_the_run_before_anything_changes() {
    let w = Workdir::official();
    inbox(&w, "nop", "1");
    w.put(
        "la.sqlite",
        b"these are the clerk's notes, not a database at all.......",
    );
    let out = w.run_expect(&run_args("nop", "out", &["--archive", "la.sqlite"]), 2);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("không phải kho lưu trữ"), "{err}");
    assert!(!w.path("out/tong-hop.xlsx").exists());
    assert_eq!(
        std::fs::read(w.path("la.sqlite")).unwrap(),
        b"these are the clerk's notes, not a database at all......."
    );
}

#[test]
fn an_exported_period_imports_back_into_another_archive_unchanged() {
    let w = Workdir::official();
    inbox(&w, "nop", "3");
    w.run_expect(&run_args("nop", "out", &["--period", PERIOD]), 0);
    w.run_expect(&["archive", "export", PERIOD, "--out", "ky.xlsx"], 0);
    let sheet = cells(&w.path("ky.xlsx"), "Số liệu");
    assert_eq!(text(sheet.get(&(5, 0))), Some("unit"));
    w.run_expect(
        &["archive", "import", "ky.xlsx", "--archive", "moi.sqlite"],
        0,
    );
    let (a, b) = (db(&w, ARCHIVE), db(&w, "moi.sqlite"));
    for key in [
        "movement.a.this",
        "movement.d.this",
        "admitted.women.this",
        "admissions.admitted",
    ] {
        assert_eq!(archived(&a, key), archived(&b, key), "{key}");
    }
    // The imported figure names the workbook and the cell it came from.
    let cell: String = b
        .query_row(
            "SELECT cell FROM figure WHERE figure = 'movement.a.this' LIMIT 1",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert!(cell.starts_with(|c: char| c.is_ascii_uppercase()), "{cell}");
    // CSV for a mail merge or a spreadsheet: a BOM, a header of keys, a line per unit.
    w.run_expect(&["archive", "export", PERIOD, "--out", "ky.csv"], 0);
    let csv = std::fs::read_to_string(w.path("ky.csv")).unwrap();
    assert!(csv.starts_with("\u{feff}unit,unit_name,"), "{csv}");
    assert!(csv.lines().count() >= 4);
}

#[test]
fn a_first_year_starts_from_a_hand_made_workbook_and_a_report_json() {
    let w = Workdir::official();
    // The blank lists the period's units and the figures, keyed.
    w.run_expect(
        &[
            "archive",
            "template",
            "--out",
            "nam-truoc.xlsx",
            "--period",
            "2025",
        ],
        0,
    );
    let blank = cells(&w.path("nam-truoc.xlsx"), "Số liệu");
    assert!(
        (0..400u32).any(|c| text(blank.get(&(5, c))) == Some("movement.b1.this")),
        "no column for B.1"
    );
    let codes: Vec<&str> = (6..60u32)
        .filter_map(|r| text(blank.get(&(r, 0))))
        .collect();
    assert!(codes.len() >= 15, "{codes:?}");
    // A clerk's own workbook in that layout: two units, figures in another column order.
    let mut wb = rust_xlsxwriter::Workbook::new();
    let ws = wb.add_worksheet().set_name("Số liệu").unwrap();
    ws.write(2, 1, "01/01/2025").unwrap();
    ws.write(2, 3, "31/12/2025").unwrap();
    for (c, k) in ["unit", "unit_name", "movement.d.this", "movement.b1.this"]
        .iter()
        .enumerate()
    {
        ws.write(5, c as u16, *k).unwrap();
    }
    ws.write(6, 0, codes[0]).unwrap();
    ws.write(6, 2, 1200).unwrap();
    ws.write(6, 3, 31).unwrap();
    ws.write(7, 0, codes[1]).unwrap();
    ws.write(7, 2, "1.045").unwrap();
    ws.write(7, 3, 12).unwrap();
    wb.save(w.path("tay.xlsx")).unwrap();
    let out = w.run_expect(&["archive", "import", "tay.xlsx"], 0);
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("01/01/2025 – 31/12/2025"),
        "{}",
        show(&out)
    );
    let c = db(&w, ARCHIVE);
    let mut want = vec![
        (codes[0].to_string(), 1200.0),
        (codes[1].to_string(), 1045.0),
    ];
    want.sort_by(|a, b| a.0.cmp(&b.0));
    assert_eq!(archived(&c, "movement.d.this"), want);
    let total: f64 = c
        .query_row(
            "SELECT value FROM total WHERE figure = 'movement.b1.this'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(total, 43.0);
    drop(c);

    // A cell that is not a figure refuses the whole file, naming the cell.
    let mut wb = rust_xlsxwriter::Workbook::new();
    let ws = wb.add_worksheet().set_name("Số liệu").unwrap();
    ws.write(2, 1, "01/01/2024").unwrap();
    ws.write(2, 3, "31/12/2024").unwrap();
    ws.write(5, 2, "movement.d.this").unwrap();
    ws.write(6, 0, codes[0]).unwrap();
    ws.write(6, 2, "nhiều").unwrap();
    ws.write(7, 0, "KHONGCO").unwrap();
    ws.write(7, 2, 5).unwrap();
    wb.save(w.path("sai.xlsx")).unwrap();
    let out = w.run_expect(&["archive", "import", "sai.xlsx"], 2);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("C7") && err.contains("A8") && err.contains("KHONGCO"),
        "{err}"
    );
    assert_eq!(count(&db(&w, ARCHIVE), "SELECT count(*) FROM period"), 1);

    // An earlier run made without the archive comes in from its output folder.
    inbox(&w, "nop", "2");
    w.run_expect(
        &run_args("nop", "cu", &["--no-archive", "--period", PERIOD]),
        0,
    );
    w.run_expect(&["archive", "import", "cu"], 0);
    let report = w.report("cu");
    let c = db(&w, ARCHIVE);
    assert_eq!(
        archived(&c, "admissions.admitted"),
        reported_tables(&report, "admissions", "admitted")
    );
    assert_eq!(
        count(&c, "SELECT count(*) FROM run WHERE source = 'import'"),
        2
    );
}

/// report.json as tonghop 0.1 wrote it: each submission's figures an object of
/// `{"value","sheet","cell"}` by key, a list line the file lacks left out, and no
/// `form.figures`, `form.sheets`, `sheets` or `moved`.
fn as_first_version(report: &Value) -> Value {
    let mut old = report.clone();
    for s in old["submissions"].as_array_mut().unwrap() {
        let mut figures = serde_json::Map::new();
        for f in report["form"]["figures"].as_array().unwrap() {
            let key = f["key"].as_str().unwrap();
            if s["moved"].get(key) == Some(&Value::Null) {
                continue;
            }
            let at = figure(report, s, key);
            let mut one = serde_json::Map::new();
            one.insert("value".into(), at.value.clone());
            if let (Some(sheet), Some(cell)) = (at.sheet, at.cell) {
                one.insert("sheet".into(), sheet.into());
                one.insert("cell".into(), cell.into());
            }
            figures.insert(key.to_string(), Value::Object(one));
        }
        let s = s.as_object_mut().unwrap();
        s.insert("figures".into(), Value::Object(figures));
        s.remove("sheets");
        s.remove("moved");
    }
    let form = old["form"].as_object_mut().unwrap();
    form.remove("figures");
    form.remove("sheets");
    old
}

/// An archived figure: unit, key, value, sheet, cell.
type Traced = (String, String, f64, Option<String>, Option<String>);

/// A province that kept the report.json of a run of tonghop 0.1 can still import it:
/// the same figures, with their sheets and cells, as from today's layout.
#[test]
fn a_report_json_of_the_first_version_imports_as_todays_does() {
    let w = Workdir::official();
    inbox(&w, "nop", "3");
    w.run_expect(
        &run_args("nop", "out", &["--no-archive", "--period", PERIOD]),
        0,
    );
    let report = w.report("out");
    assert_eq!(
        report["submissions"][0]["figures"]
            .as_array()
            .unwrap()
            .len(),
        report["form"]["figures"].as_array().unwrap().len()
    );
    let old = as_first_version(&report);
    w.put(
        "cu/report.json",
        serde_json::to_string(&old).unwrap().as_bytes(),
    );
    let provenance = "SELECT unit, figure, value, sheet, cell FROM figure ORDER BY unit, figure";
    let mut seen = Vec::new();
    for (from, archive) in [
        ("out/report.json", "nay.sqlite"),
        ("cu/report.json", "cu.sqlite"),
    ] {
        w.run_expect(&["archive", "import", from, "--archive", archive], 0);
        let c = db(&w, archive);
        let mut q = c.prepare(provenance).unwrap();
        let rows: Vec<Traced> = q
            .query_map([], |r| {
                Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?))
            })
            .unwrap()
            .map(Result::unwrap)
            .collect();
        seen.push(rows);
    }
    let traced = seen[0].iter().filter(|r| r.3.is_some() && r.4.is_some());
    assert!(traced.count() > 3 * 100, "{} figures", seen[0].len());
    assert_eq!(seen[0], seen[1]);
    assert_eq!(
        archived(&db(&w, "cu.sqlite"), "movement.d.this"),
        reported(&report, "movement.d.this")
    );
}

/// A table column's figure of each included unit: the sum of its rows.
fn reported_tables(report: &Value, table: &str, column: &str) -> Vec<(String, f64)> {
    let mut v: Vec<(String, f64)> = report["submissions"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|s| s["included_in_totals"] == true)
        .map(|s| {
            let t = &s["tables"][table];
            let k = t["columns"]
                .as_array()
                .unwrap()
                .iter()
                .position(|c| c == column)
                .unwrap();
            let sum = t["rows"]
                .as_array()
                .unwrap()
                .iter()
                .filter_map(|r| r[k].as_f64())
                .sum();
            (s["unit"].as_str().unwrap().to_string(), sum)
        })
        .collect();
    v.sort_by(|a, b| a.0.cmp(&b.0));
    v
}
