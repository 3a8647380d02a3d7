//! What lies in an inbox besides submissions: deep folders, symbolic links, lock files,
//! named pipes, file names that are not UTF-8, and the run's own output folder.

use super::edit::{Pkg, warn};
use super::{
    assert_accepted, assert_no_rule, batch_went_on, files_of, inbox, is_missing, run_batch, sample,
};
use crate::common::{run_args, sha256, submission, submissions, wait_or_kill};
use std::collections::BTreeMap;
use std::time::{Duration, Instant};

#[test]
fn a_file_fifty_folders_deep_is_read() {
    let w = inbox(&[]);
    let deep: String = (1..=50).map(|i| format!("cap-{i:02}/")).collect();
    w.put(&format!("inbox/{deep}TGI.xlsx"), &sample("TGI"));
    let report = run_batch(&w, &[], 0);
    let sub = submission(&report, &format!("{deep}TGI.xlsx"));
    assert_accepted(sub);
    assert_eq!(sub["unit"], "TGI");
}

#[cfg(unix)]
#[test]
fn symbolic_links_out_of_the_inbox_are_not_followed() {
    let w = inbox(&[("TGI.xlsx", sample("TGI"))]);
    let outside = w.put("elsewhere/MNH.xlsx", &sample("MNH"));
    std::os::unix::fs::symlink(&outside, w.path("inbox/MNH.xlsx")).unwrap();
    std::os::unix::fs::symlink(w.path("elsewhere"), w.path("inbox/thu-muc-khac")).unwrap();
    let report = run_batch(&w, &[], 0);
    let files = files_of(&report, "submissions");
    assert_eq!(files, vec!["KDN.xlsx", "TGI.xlsx"]);
    let skipped = files_of(&report, "skipped");
    assert!(
        skipped.contains(&"MNH.xlsx") && skipped.contains(&"thu-muc-khac"),
        "{:#}",
        report["skipped"]
    );
    for s in report["skipped"].as_array().unwrap() {
        assert!(!s["reason"].as_str().unwrap().is_empty(), "{s}");
    }
    assert!(is_missing(&report, "MNH"));
}

#[test]
fn lock_files_and_other_files_are_skipped_and_listed() {
    let w = inbox(&[
        ("TGI.xlsx", sample("TGI")),
        ("~$TGI.xlsx", b"\x0bNguyen Van A\x00\x00".to_vec()),
        (".~lock.TGI.xlsx#", b"Nguyen Van A,may-tinh,may-tinh,28.11.2026 08:00,file:///C:/Users/a/AppData/Roaming/LibreOffice/4;".to_vec()),
        ("notes.txt", "Ghi chú: còn thiếu Mường Chà".as_bytes().to_vec()),
    ]);
    let report = run_batch(&w, &[], 0);
    assert_accepted(submission(&report, "TGI.xlsx"));
    let skipped: BTreeMap<&str, &str> = report["skipped"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| (s["file"].as_str().unwrap(), s["reason"].as_str().unwrap()))
        .collect();
    for f in ["~$TGI.xlsx", ".~lock.TGI.xlsx#", "notes.txt"] {
        assert!(
            skipped.get(f).is_some_and(|r| !r.is_empty()),
            "{f} not listed as skipped: {skipped:?}"
        );
    }
    assert_eq!(submissions(&report).len(), 2);
    assert_eq!(report["summary"]["skipped"], 3);
}

#[cfg(unix)]
#[test]
fn a_named_pipe_in_the_inbox_is_skipped_without_hanging() {
    let w = inbox(&[("TGI.xlsx", sample("TGI"))]);
    let made = std::process::Command::new("mkfifo")
        .arg(w.path("inbox/MNH.xlsx"))
        .status()
        .expect("mkfifo runs");
    assert!(made.success());
    // Nobody ever writes to the pipe: reading it would block the run for ever.
    let mut child = w.command(&run_args("inbox", "out", &[])).spawn().unwrap();
    let status = wait_or_kill(
        &mut child,
        Instant::now(),
        Duration::from_secs(30),
        "tonghop still running after 30 s: it is reading the named pipe",
    );
    assert_eq!(status.code(), Some(0));
    let report = w.report("out");
    batch_went_on(&report);
    assert_accepted(submission(&report, "TGI.xlsx"));
    let skipped = files_of(&report, "skipped");
    assert_eq!(skipped, vec!["MNH.xlsx"]);
}

#[cfg(unix)]
#[test]
fn a_file_name_that_is_not_utf8_is_still_read() {
    use std::os::unix::ffi::OsStrExt;
    // "Báo cáo TGI.xlsx" with its letters in a Windows code page, as unzipped from an
    // archive made on an old machine.
    let w = inbox(&[]);
    let name = std::ffi::OsStr::from_bytes(b"B\xe1o c\xe1o TGI.xlsx");
    std::fs::write(w.path("inbox").join(name), sample("TGI")).unwrap();
    let report = run_batch(&w, &[], 0);
    let subs = submissions(&report);
    assert_eq!(subs.len(), 2);
    let sub = subs.iter().find(|s| s["file"] != "KDN.xlsx").unwrap();
    assert!(
        sub["file"].as_str().unwrap().ends_with("TGI.xlsx"),
        "{}",
        sub["file"]
    );
    assert_accepted(sub);
    assert_eq!(sub["unit"], "TGI");
    assert_eq!(
        sub["sha256"].as_str().unwrap(),
        sha256(&w.path("inbox").join(name))
    );
}

#[test]
fn an_out_folder_inside_the_inbox_is_not_read_back() {
    // A clerk runs `tonghop run inbox --out inbox/ket-qua`, twice. The outputs of the
    // first run (a consolidated workbook, a returned workbook laid out like the form)
    // must not become submissions of the second.
    let mut p = Pkg::of("TGI");
    warn(&mut p); // TGI gets a returned workbook
    let w = inbox(&[("TGI.xlsx", p.bytes())]);
    let first = w.run_report("inbox", "inbox/ket-qua", &[], 0);
    assert!(w.path("inbox/ket-qua/tra-lai/TGI.xlsx").exists());
    let report = w.run_report("inbox", "inbox/ket-qua", &[], 0);
    batch_went_on(&report);
    let files = files_of(&report, "submissions");
    assert_eq!(
        files,
        vec!["KDN.xlsx", "TGI.xlsx"],
        "the second run read its own outputs"
    );
    let sub = submission(&report, "TGI.xlsx");
    assert_accepted(sub);
    assert_no_rule(sub, "DUP");
    assert_eq!(report["submissions"], first["submissions"]);
}
