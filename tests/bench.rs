//! `tonghop bench` completes scenario (a) and reports real figures, read from its JSON
//! (`--json`, the shape of `bench::Report`). Timings are not compared with anything:
//! they depend on the machine and the build.

use crate::common::Workdir;

#[test]
fn bench_scenario_a_prints_its_figures() {
    let report =
        Workdir::new().run_json(&["bench", "--scenario", "a", "--repeat", "1", "--json"], 0);
    assert_eq!(report["repeat"], 1);
    let cases = report["cases"].as_array().unwrap();
    assert_eq!(cases.len(), 1, "{report:#}");
    let case = &cases[0];
    assert_eq!(case["scenario"], "a");
    // The 49 units of 40 organisations: every file read, by the floor and by the run.
    assert_eq!(case["files"], 49, "{case:#}");
    let cells = case["cells"].as_u64().unwrap();
    assert!(cells > 49 * 40, "{cells} cells for 49 files of 40 rows");
    assert!(case["bytes"].as_u64().unwrap() > 0, "{case:#}");
    assert!(case["ratio"].as_f64().unwrap() > 0.0, "{case:#}");
    assert_eq!(case["run_exit"], 0, "clean submissions: {case:#}");
    for what in ["floor", "run"] {
        let s = &case[what];
        let wall = s["wall_s"].as_f64().unwrap();
        assert!(wall > 0.0, "{what}: wall time {wall}");
        let files_per_s = s["files_per_s"].as_f64().unwrap();
        assert!(
            (files_per_s * wall - 49.0).abs() < 1e-6,
            "{what}: {files_per_s} files/s over {wall} s"
        );
        let cells_per_s = s["cells_per_s"].as_f64().unwrap();
        assert!(
            (cells_per_s * wall - cells as f64).abs() < 1e-3 * cells as f64,
            "{what}: {cells_per_s} cells/s over {wall} s"
        );
        if cfg!(target_os = "linux") {
            let peak = s["peak_rss_bytes"].as_u64().unwrap_or(0);
            assert!(peak > 0, "{what}: peak memory {peak}");
        }
    }
    // The archive's cost, as the run timed it: recording the period, what recording
    // added to the run's wall time (all of it, or with 2 jobs the wait for the commit
    // of a recording made beside the outputs), reading what it looks back at, and what
    // the archive added over the run.
    let archive = &case["archive"];
    let write = archive["write_s"].as_f64().unwrap_or(-1.0);
    let added = archive["added_s"].as_f64().unwrap_or(-1.0);
    let history = archive["history_s"].as_f64().unwrap_or(-1.0);
    let run_wall = case["run"]["wall_s"].as_f64().unwrap();
    assert!(write > 0.0 && write < run_wall, "{case:#}");
    assert!(added >= 0.0 && added <= write, "{case:#}");
    assert!(history >= 0.0 && history < run_wall, "{case:#}");
    let share = archive["share"].as_f64().unwrap();
    assert!(
        (share - (added + history) / run_wall).abs() < 1e-9,
        "{archive}"
    );
    // The ratio is the run's wall time over the floor's.
    let ratio = case["run"]["wall_s"].as_f64().unwrap() / case["floor"]["wall_s"].as_f64().unwrap();
    assert!((case["ratio"].as_f64().unwrap() - ratio).abs() < 1e-9 * ratio);
    // Scenario (a)'s target is judged on the run, process start to exit.
    let target = report["targets"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["what"] == "(a) run, process start to exit")
        .unwrap_or_else(|| panic!("target missing: {report:#}"));
    assert_eq!(target["measured"], case["run"]["wall_s"]);
    assert!(target["met"].is_boolean(), "{target}");
}

/// Scenario (f), small: the generated files saved by LibreOffice as `.ods` and `.xls`,
/// every table figure a formula; the run accepts them all (the clean data has no fault),
/// and the report names what it measured.
#[test]
fn bench_scenario_f_reads_formula_filled_ods_and_xls_saved_by_libreoffice() {
    let w = Workdir::official();
    let report = w.run_json(
        &[
            "bench",
            "--scenario",
            "f",
            "--units",
            "4",
            "--rows",
            "60",
            "--repeat",
            "1",
            "--keep",
            "data",
            "--json",
        ],
        0,
    );
    let case = &report["cases"][0];
    assert_eq!(case["scenario"], "f", "{report:#}");
    assert_eq!(case["title"], "4 .ods/.xls of 60 formula rows");
    assert_eq!(case["files"], 4, "{case:#}");
    assert_eq!(
        case["run_exit"], 0,
        "clean submissions, all accepted: {case:#}"
    );
    let dir = std::fs::read_dir(w.path("data"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.is_dir())
        .unwrap();
    let mut kinds: Vec<String> = std::fs::read_dir(dir.join("inbox"))
        .unwrap()
        .map(|e| {
            let p = e.unwrap().path();
            p.extension().unwrap().to_string_lossy().into_owned()
        })
        .collect();
    kinds.sort();
    assert_eq!(kinds, ["ods", "ods", "xls", "xls"]);
    assert!(
        report["targets"]
            .as_array()
            .unwrap()
            .iter()
            .any(|t| t["what"].as_str().unwrap().starts_with("(f) run / floor")),
        "{report:#}"
    );
}

/// `samples --formulas` changes how the figures are held, not what they are: the run
/// reads the same tables as from the same seed without formulas, every total included.
#[test]
fn samples_with_formulas_hold_the_same_figures() {
    let w = Workdir::official();
    let args = ["--units", "3", "--rows", "12", "--seed", "9"];
    w.samples("plain", &args);
    w.samples("formulas", &[&args[..], &["--formulas"]].concat());
    let mut zip = crate::common::zip_of(&w.path("formulas/MUONGNHE.xlsx"));
    let sheets: Vec<String> = (0..zip.len())
        .map(|i| zip.by_index(i).unwrap().name().unwrap().to_string())
        .filter(|n| n.starts_with("xl/worksheets/sheet"))
        .collect();
    let held = sheets
        .iter()
        .map(|n| {
            crate::common::zip_text(&mut zip, n)
                .matches("+0</f>")
                .count()
        })
        .sum::<usize>();
    assert!(held >= 12, "{held} figures held as formulas");
    let a = w.run_report("plain", "out-plain", &[], 0);
    let b = w.run_report("formulas", "out-formulas", &[], 0);
    let tables = |r: &serde_json::Value| {
        r["submissions"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| (s["file"].clone(), s["tables"].clone(), s["figures"].clone()))
            .collect::<Vec<_>>()
    };
    assert_eq!(tables(&a), tables(&b));
}
