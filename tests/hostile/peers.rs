//! Workbooks from other projects' test suites (tests/peers/README.md): files no one made
//! for tonghop, which is what a new user's red team throws at it first. Each must come
//! out with the outcome written in `tests/peers/expected.tsv`, once, in a batch that
//! finishes within its memory budget at 2 and at 4 jobs, every message in the chosen
//! language.

use super::memory::measured;
use crate::common::{Workdir, run_args, submissions};
use std::collections::BTreeMap;
use std::path::Path;
use std::time::Duration;

const PEERS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/peers");

/// file name -> outcome (`read` or the file-level finding's code).
fn expected() -> BTreeMap<String, String> {
    std::fs::read_to_string(Path::new(PEERS).join("expected.tsv"))
        .unwrap()
        .lines()
        .map(|l| {
            let (file, outcome) = l.split_once('\t').expect("file<TAB>outcome");
            (file.to_string(), outcome.to_string())
        })
        .collect()
}

/// A work folder whose inbox holds a copy of every peer file.
fn inbox_of_peers() -> Workdir {
    let w = Workdir::official();
    for entry in std::fs::read_dir(Path::new(PEERS).join("files")).unwrap() {
        let entry = entry.unwrap();
        let name = entry.file_name().into_string().unwrap();
        w.put(
            &format!("inbox/{name}"),
            &std::fs::read(entry.path()).unwrap(),
        );
    }
    w
}

/// What became of each file: `read` when no FILE_* finding refused it.
fn outcomes(report: &serde_json::Value) -> BTreeMap<String, String> {
    submissions(report)
        .iter()
        .map(|s| {
            let refused = s["findings"]
                .as_array()
                .unwrap()
                .iter()
                .map(|f| f["rule"].as_str().unwrap())
                .find(|r| r.starts_with("FILE_"));
            (
                s["file"].as_str().unwrap().to_string(),
                refused.unwrap_or("read").to_string(),
            )
        })
        .collect()
}

#[test]
fn peers_workbooks_each_get_their_outcome_within_the_budget_at_two_and_four_jobs() {
    let want = expected();
    assert_eq!(want.len(), 56, "tests/peers/expected.tsv");
    let budget_mib = 256;
    for jobs in ["2", "4"] {
        let w = inbox_of_peers();
        let budget = budget_mib.to_string();
        let args = run_args(
            "inbox",
            "out",
            &["--jobs", jobs, "--no-archive", "--max-memory-mib", &budget],
        );
        let m = measured(&w, &args, Duration::from_secs(120));
        // Findings in every file (none is the form): exit 1, never an abort.
        assert_eq!((m.code, m.signal), (Some(1), None), "{}", m.stderr);
        assert!(
            m.peak_mib < budget_mib,
            "{jobs} jobs: peak {} MiB over the {budget_mib} MiB budget",
            m.peak_mib
        );
        let report = w.report("out");
        assert_eq!(report["skipped"], serde_json::json!([]));
        let got = outcomes(&report);
        assert_eq!(
            submissions(&report).len(),
            got.len(),
            "each file listed once"
        );
        assert_eq!(got, want, "{jobs} jobs");
    }
}

#[test]
fn peers_workbooks_are_spoken_of_in_the_chosen_language() {
    let w = inbox_of_peers();
    // Vietnamese letters outside ASCII that English never uses; sheet and unit names
    // quoted from the files or the form are left out of the scan.
    let vietnamese = |s: &str| {
        let mut quoted = false;
        s.chars().any(|c| {
            if c == '"' {
                quoted = !quoted;
            }
            !quoted && "ăâđêôơưạảấầẩẫậắằẳẵặẹẻẽếềểễệỉịọỏốồổỗộớờởỡợụủứừửữựỳỵỷỹ".contains(c)
        })
    };
    let report = w.run_report("inbox", "out", &["--no-archive", "--lang", "en"], 1);
    for s in submissions(&report) {
        for f in s["findings"].as_array().unwrap() {
            let m = f["message"].as_str().unwrap();
            assert!(!vietnamese(m), "{}: {m}", s["file"]);
        }
    }
    let report = w.run_report("inbox", "out-vi", &["--no-archive"], 1);
    for s in submissions(&report) {
        for f in s["findings"].as_array().unwrap() {
            let m = f["message"].as_str().unwrap();
            // The Vietnamese message carries no reader's English (calamine's words go
            // into `found`, the technical detail).
            for english in ["error", "invalid", "Could not", "not found"] {
                assert!(!m.contains(english), "{}: {m}", s["file"]);
            }
        }
    }
}

/// calamine's issue252.xlsx has a relationships part whose bytes do not match their
/// checksum: LibreOffice opens it as an empty workbook, its figures lost. The finding
/// names that part and asks for the unit's own copy, rather than telling the clerk to
/// re-save it (which gives the empty workbook).
#[test]
fn a_peer_file_damaged_after_saving_names_its_part() {
    let w = Workdir::official();
    let name = "calamine--tests-issue252.xlsx";
    w.put(
        &format!("inbox/{name}"),
        &std::fs::read(Path::new(PEERS).join("files").join(name)).unwrap(),
    );
    let report = w.run_report("inbox", "out", &["--no-archive"], 1);
    let f = &submissions(&report)[0]["findings"][0];
    assert_eq!(f["rule"], "FILE_CORRUPT", "{f}");
    let msg = f["message"].as_str().unwrap();
    assert!(msg.contains("\"xl/_rels/workbook.xml.rels\""), "{msg}");
    assert!(
        msg.contains("gửi lại tệp") && !msg.contains("Hãy mở bằng"),
        "{msg}"
    );
}
