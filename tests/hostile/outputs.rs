//! Nothing lost, nothing changed: on one inbox of everything (valid, messy, hostile),
//! inputs are never modified and report.json's hashes match them, two runs give the same
//! bytes, no temporary file is left, and a failed run leaves the previous outputs intact.

use super::edit::{Cell, Pkg, text};
use super::files::encrypted_cfb;
use super::{ADM, FIRST_ROW, INFO, MEM, assert_file_finding, inbox, run, run_batch, sample};
use crate::common::{Workdir, run_args, sha256, show, submission, submissions, tree};
use std::collections::BTreeMap;
use std::path::Path;
use std::time::SystemTime;

/// One of everything, in one inbox: valid, messy, hostile.
fn hostile_inbox() -> Workdir {
    let mut textnum = Pkg::of("DBP");
    textnum.cell(MEM, "D12", text("1.234"));
    let mut legacy = Pkg::of("TCH");
    legacy
        .cell(INFO, "C6", text("../../TCH"))
        .cell(INFO, "C7", text("HuyÖn Tña Chïa"));
    let mut inject = Pkg::of("TGI");
    inject.cell(
        ADM,
        &format!("B{FIRST_ROW}"),
        text("=HYPERLINK(\"http://x\",\"y\")"),
    );
    let mut unknown = Pkg::of("MLA");
    unknown
        .cell(INFO, "C6", text("ZZZ"))
        .cell(INFO, "C7", text("Không rõ"));
    let mut newer = Pkg::of("MNH");
    let d = newer.number(INFO, "C12");
    newer.cell(INFO, "C12", Cell::Number(d + 1.0));
    let full = sample("DBI");
    inbox(&[
        ("DBP.xlsx", textnum.bytes()),
        ("legacy/bao cao TCH.xlsx", legacy.bytes()),
        ("TGI.xlsx", inject.bytes()),
        ("unknown.xlsx", unknown.bytes()),
        ("MNH.xlsx", sample("MNH")),
        ("MNH-sua.xlsx", newer.bytes()),
        ("CAT.xlsx", sample("CAT")),
        ("CAT copy.xlsx", {
            let mut p = Pkg::of("CAT");
            p.cell(INFO, "C10", text("Người khác"));
            p.bytes()
        }),
        ("empty.xlsx", Vec::new()),
        ("letter.xlsx", b"not a workbook".to_vec()),
        ("half.xlsx", full[..full.len() / 2].to_vec()),
        ("locked.xlsx", encrypted_cfb()),
        ("~$TGI.xlsx", b"lock".to_vec()),
        ("notes.txt", b"notes".to_vec()),
        ("a/b/c/d/e/QST.xlsx", sample("QST")),
        // Over the 1 MiB limit these runs set with --max-file-mib.
        ("huge.xlsx", {
            let mut v = sample("BPT");
            v.resize((1 << 20) + 1, 0);
            v
        }),
    ])
}

const HOSTILE_RUN: &[&str] = &["--max-file-mib", "1"];

fn hashes(dir: &Path) -> BTreeMap<String, String> {
    tree(dir)
        .into_iter()
        .map(|f| {
            let h = sha256(&dir.join(&f));
            (f, h)
        })
        .collect()
}

/// The modification time of every file under `dir`, in [`tree`] order: a run that
/// rewrote an input with the same bytes still changed it.
fn modified(dir: &Path) -> Vec<SystemTime> {
    tree(dir)
        .iter()
        .map(|f| std::fs::metadata(dir.join(f)).unwrap().modified().unwrap())
        .collect()
}

#[test]
fn inputs_are_never_modified_and_report_hashes_match_them() {
    let w = hostile_inbox();
    let before = hashes(&w.path("inbox"));
    let mtimes = modified(&w.path("inbox"));
    let report = run_batch(&w, HOSTILE_RUN, 1);
    assert_eq!(hashes(&w.path("inbox")), before, "an input changed");
    assert_eq!(mtimes, modified(&w.path("inbox")));
    let subs = submissions(&report);
    let listed: usize = subs.len() + report["skipped"].as_array().unwrap().len();
    assert_eq!(
        listed,
        before.len(),
        "every input is either a submission or skipped"
    );
    for s in subs {
        let f = s["file"].as_str().unwrap();
        // A file refused by its size alone is neither read nor hashed: its hash is empty,
        // never a wrong one.
        let want = if f == "huge.xlsx" {
            ""
        } else {
            before[f].as_str()
        };
        assert_eq!(
            s["sha256"].as_str(),
            Some(want),
            "sha256 of {f} in report.json"
        );
        assert_eq!(
            s["size"].as_u64(),
            Some(std::fs::metadata(w.path("inbox").join(f)).unwrap().len()),
            "size of {f}"
        );
    }
    // What each hostile file became, in one place.
    let st = |f: &str| {
        submission(&report, f)["status"]
            .as_str()
            .unwrap()
            .to_string()
    };
    assert_eq!(st("DBP.xlsx"), "rejected");
    assert_eq!(st("legacy/bao cao TCH.xlsx"), "accepted");
    assert_eq!(st("TGI.xlsx"), "accepted");
    assert_eq!(st("unknown.xlsx"), "unknown_unit");
    assert_eq!(st("MNH.xlsx"), "duplicate");
    assert_eq!(st("MNH-sua.xlsx"), "accepted");
    assert_eq!(
        (st("CAT.xlsx"), st("CAT copy.xlsx")),
        ("rejected".into(), "rejected".into())
    );
    for f in [
        "empty.xlsx",
        "letter.xlsx",
        "half.xlsx",
        "locked.xlsx",
        "huge.xlsx",
    ] {
        assert_eq!(st(f), "unreadable", "{f}");
    }
    assert_file_finding(submission(&report, "huge.xlsx"), "FILE_SIZE");
    assert_eq!(st("a/b/c/d/e/QST.xlsx"), "accepted");
}

#[test]
fn two_runs_give_byte_identical_outputs() {
    let w = hostile_inbox();
    w.run_expect(&run_args("inbox", "out1", HOSTILE_RUN), 1);
    w.run_expect(
        &run_args(
            "inbox",
            "out2",
            &[&["--jobs", "1"][..], HOSTILE_RUN].concat(),
        ),
        1,
    );
    let (a, b) = (hashes(&w.path("out1")), hashes(&w.path("out2")));
    assert!(
        a.contains_key("report.json") && a.contains_key("tong-hop.xlsx"),
        "{a:?}"
    );
    assert!(a.keys().any(|k| k.starts_with("tra-lai/")), "{a:?}");
    assert_eq!(a, b, "outputs differ between two runs");
}

#[test]
fn no_temporary_files_are_left_in_out() {
    let w = hostile_inbox();
    run(&w, HOSTILE_RUN, 1);
    let files = tree(&w.path("out"));
    let tmp: Vec<&String> = files
        .iter()
        .filter(|f| f.ends_with(".tmp") || f.contains("/.") || f.starts_with('.'))
        .collect();
    assert!(tmp.is_empty(), "left behind: {tmp:?}");
}

#[test]
fn a_failed_run_leaves_the_previous_outputs_intact() {
    let w = hostile_inbox();
    run(&w, HOSTILE_RUN, 1);
    let before = hashes(&w.path("out"));
    std::fs::write(w.path("broken.toml"), "[form]\nid = \"x\"\nversion = \n").unwrap();
    for bad in [
        &["--form", "broken.toml"][..],
        &["--form", "no-such-form.toml"][..],
        &["--period", "30/06/2026..01/01/2026"][..],
        &["--period", "hôm qua"][..],
    ] {
        let out = w.run(&run_args("inbox", "out", &[HOSTILE_RUN, bad].concat()));
        assert_eq!(out.status.code(), Some(2), "{bad:?}: {}", show(&out));
        assert_eq!(
            hashes(&w.path("out")),
            before,
            "{bad:?} touched the previous outputs"
        );
    }
}
