//! `tonghop bench` completes scenario (a) and prints its figures. Timings are not checked:
//! they depend on the machine and the build.

use crate::common::Workdir;

#[test]
fn bench_scenario_a_prints_its_figures() {
    let out = Workdir::new().run_expect(&["bench", "--scenario", "a", "--repeat", "1"], 0);
    let stdout = String::from_utf8_lossy(&out.stdout);

    let header = stdout
        .lines()
        .find(|l| l.starts_with("scenario"))
        .unwrap_or_else(|| panic!("no table header:\n{stdout}"));
    for col in [
        "files",
        "cells read",
        "wall s",
        "files/s",
        "cells/s",
        "peak MB",
        "x floor",
    ] {
        assert!(
            header.contains(col),
            "column '{col}' missing from: {header}"
        );
    }
    // A floor line and a run line for scenario (a), each with 15 files and a count of cells.
    let lines: Vec<Vec<&str>> = stdout
        .lines()
        .skip_while(|l| !l.starts_with("scenario"))
        .skip(1)
        .take_while(|l| !l.starts_with("targets"))
        .map(|l| l.split_whitespace().collect())
        .collect();
    for what in ["floor", "run"] {
        let line = lines
            .iter()
            .find(|w| w.contains(&what))
            .unwrap_or_else(|| panic!("no {what} line:\n{stdout}"));
        let at = line.iter().position(|w| *w == what).unwrap();
        let figures = &line[at + 1..];
        assert_eq!(figures[0], "15", "{what}: files in {line:?}");
        let cells: u64 = figures[1]
            .replace(',', "")
            .parse()
            .unwrap_or_else(|_| panic!("{what}: cells in {line:?}"));
        assert!(
            cells > 15 * 40,
            "{what}: {cells} cells for 15 files of 40 rows"
        );
        let wall: f64 = figures[2]
            .parse()
            .unwrap_or_else(|_| panic!("{what}: wall time in {line:?}"));
        assert!(wall > 0.0, "{what}: wall time {wall}");
        if cfg!(target_os = "linux") {
            let peak: f64 = figures[6]
                .parse()
                .unwrap_or_else(|_| panic!("{what}: peak memory in {line:?}"));
            assert!(peak > 0.0, "{what}: peak memory {peak}");
        }
    }
    let run = lines.iter().find(|w| w.contains(&"run")).unwrap();
    // files, cells, wall, files/s, cells/s, cpu, peak, then the ratio (a note may follow).
    let at = run.iter().position(|w| *w == "run").unwrap();
    let ratio: f64 = run
        .get(at + 8)
        .and_then(|r| r.parse().ok())
        .unwrap_or_else(|| panic!("no ratio to the floor in {run:?}"));
    assert!(ratio > 0.0);
    assert!(
        stdout.contains("(a) run, process start to exit"),
        "target line missing:\n{stdout}"
    );
}
