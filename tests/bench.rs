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
