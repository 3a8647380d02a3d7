//! Numbers on the command line: each is checked before anything runs, with a message
//! that names the flag; none wraps, and none can make the machine start thousands of
//! threads.

use super::{files_of, inbox, sample};
use crate::common::{run_args, show};

#[test]
fn a_huge_file_limit_is_refused_naming_the_flag_not_wrapped_to_zero() {
    // 17592186044416 MiB is 2^64 bytes: multiplied unchecked it wrapped to a 0-byte
    // limit, and every file was refused as too large.
    let w = inbox(&[("TGI.xlsx", sample("TGI"))]);
    for (flag, value) in [
        ("--max-file-mib", "17592186044416"),
        ("--max-file-mib", "0"),
        ("--max-unzipped-mib", "18446744073709551615"),
        ("--max-zip-ratio", "0"),
        ("--jobs", "1e9"),
        // The run's memory budget: below what one form needs, and past 1 TiB.
        ("--max-memory-mib", "0"),
        ("--max-memory-mib", "63"),
        ("--max-memory-mib", "1048577"),
        ("--max-memory-mib", "18446744073709551615"),
    ] {
        let out = w.run(&run_args("inbox", "out", &[flag, value]));
        assert_eq!(out.status.code(), Some(2), "{flag} {value}: {}", show(&out));
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains(flag), "{flag} {value}: {err}");
        assert!(!w.path("out").exists(), "{flag} {value} wrote outputs");
    }
    // A negative count is not a count.
    let out = w.run(&run_args("inbox", "out", &["--jobs", "-1"]));
    assert_eq!(out.status.code(), Some(2), "{}", show(&out));
    // The largest value allowed is read as it says.
    let report = w.run_report("inbox", "out", &["--max-file-mib", "16384"], 0);
    assert_eq!(files_of(&report, "submissions"), ["KDN.xlsx", "TGI.xlsx"]);
    // So are the ends of the memory budget's range.
    for mib in ["64", "1048576"] {
        let report = w.run_report("inbox", "out", &["--max-memory-mib", mib], 0);
        assert_eq!(
            files_of(&report, "submissions"),
            ["KDN.xlsx", "TGI.xlsx"],
            "{mib}"
        );
    }
    // In English the message names the flag and the range too.
    let out = w.run(&run_args(
        "inbox",
        "out-en",
        &["--lang", "en", "--max-memory-mib", "0"],
    ));
    assert_eq!(out.status.code(), Some(2), "{}", show(&out));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("--max-memory-mib") && err.contains("64"),
        "{err}"
    );
    assert!(!w.path("out-en").exists());
}

#[test]
fn too_many_jobs_are_capped_with_a_message_and_zero_means_one_per_core() {
    let w = inbox(&[("TGI.xlsx", sample("TGI"))]);
    let out = w.run_expect(&run_args("inbox", "out", &["--jobs", "20000"]), 0);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("--jobs 20000") && err.contains("luồng"),
        "no message on the cap: {err}"
    );
    let out = w.run_expect(
        &run_args("inbox", "out", &["--jobs", "20000", "--lang", "en"]),
        0,
    );
    assert!(String::from_utf8_lossy(&out.stderr).contains("threads"));
    let out = w.run_expect(&run_args("inbox", "out2", &["--jobs", "0"]), 0);
    assert!(out.stderr.is_empty(), "{}", show(&out));
    // The same report but for the run's own id, which names its output folder, and the
    // comparison's notes, in each run's language (`out` was last written in English).
    let report = |out: &str| {
        let mut r = w.report(out);
        r.as_object_mut().unwrap().remove("run");
        r["comparison"]
            .as_object_mut()
            .unwrap()
            .remove("not_possible");
        r
    };
    assert_eq!(report("out"), report("out2"));
}

#[test]
fn check_takes_the_same_limits_as_run() {
    let w = inbox(&[("TGI.xlsx", sample("TGI"))]);
    let out = w.run(&["check", "inbox", "--max-file-mib", "17592186044416"]);
    assert_eq!(out.status.code(), Some(2), "{}", show(&out));
    // A 1 MiB limit refuses nothing of a form-sized file.
    w.run_expect(&["check", "inbox", "--max-file-mib", "1"], 0);
    let out = w.run(&["check", "inbox", "--max-memory-mib", "0"]);
    assert_eq!(out.status.code(), Some(2), "{}", show(&out));
    w.run_expect(&["check", "inbox", "--max-memory-mib", "64"], 0);
}
