//! Nothing lost, nothing changed: on one inbox of everything (valid, messy, hostile),
//! inputs are never modified and report.json's hashes match them, two runs give the same
//! bytes, no temporary file is left, and a failed run leaves the previous outputs intact;
//! OUT is never the inbox, a previous run's outputs in the inbox are skipped, and a full
//! disk is one message and leaves nothing behind.

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
    let w = inbox(&[
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
    ]);
    // The two CAT files differ and have the same date of report and file time: a
    // true tie, which nothing decides.
    for f in ["CAT.xlsx", "CAT copy.xlsx"] {
        std::fs::File::options()
            .write(true)
            .open(w.path(&format!("inbox/{f}")))
            .unwrap()
            .set_modified(
                std::time::SystemTime::UNIX_EPOCH + std::time::Duration::from_secs(1_780_000_000),
            )
            .unwrap();
    }
    w
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
        // A file refused by its size alone is neither read nor hashed: its hash is null,
        // never a wrong one.
        let want = if f == "huge.xlsx" {
            None
        } else {
            Some(before[f].as_str())
        };
        assert_eq!(s["sha256"].as_str(), want, "sha256 of {f} in report.json");
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

/// Inputs are opened for reading only: on an inbox that cannot be written to (files
/// 0444, folder 0555, as a clerk's inbox on a share or a CD is), the same run gives the
/// same report. As root, permissions bind no one, so the run is made as `nobody`
/// (`setpriv`): an input opened for writing, or a lock file put beside it, would fail.
#[cfg(unix)]
#[test]
fn a_read_only_inbox_is_read_as_a_writable_one() {
    use std::os::unix::fs::PermissionsExt;
    let w = hostile_inbox();
    // No archive: the run as `nobody` could not write root's, and the two runs must
    // see the same past (none).
    let extra = [HOSTILE_RUN, &["--no-archive"]].concat();
    let writable = run_batch(&w, &extra, 1);
    lock(&w.path("inbox"), true);
    // `nobody` must reach the folder and write OUT beside the inbox.
    std::fs::set_permissions(w.path(""), std::fs::Permissions::from_mode(0o777)).unwrap();
    let before = hashes(&w.path("inbox"));
    let root = unsafe { libc_geteuid() } == 0;
    let mut args: Vec<&str> = vec!["run", "inbox", "--out", "out-ro", "--quiet"];
    args.extend_from_slice(&extra);
    let mut cmd = if root {
        let mut c = std::process::Command::new("setpriv");
        c.args(["--reuid=65534", "--regid=65534", "--clear-groups", "--"])
            .arg(env!("CARGO_BIN_EXE_tonghop"))
            .args(&args)
            .current_dir(w.path(""));
        w.with_form(&mut c);
        c
    } else {
        w.command(&args)
    };
    let out = cmd.output().expect("tonghop runs");
    assert_eq!(out.status.code(), Some(1), "{}", show(&out));
    assert_eq!(hashes(&w.path("inbox")), before, "an input changed");
    let strip = |mut r: serde_json::Value| {
        r.as_object_mut().unwrap().remove("run");
        r
    };
    let read_only = w.report("out-ro");
    lock(&w.path("inbox"), false);
    assert_eq!(strip(read_only), strip(writable));
}

/// Every file under `dir` 0444 and every folder 0555 (`locked`), or back to 0644 and
/// 0755: folders are unlocked before their entries are walked and locked after.
#[cfg(unix)]
fn lock(dir: &Path, locked: bool) {
    use std::os::unix::fs::PermissionsExt;
    let set =
        |p: &Path, m: u32| std::fs::set_permissions(p, std::fs::Permissions::from_mode(m)).unwrap();
    if !locked {
        set(dir, 0o755);
    }
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            lock(&p, locked);
        } else {
            set(&p, if locked { 0o444 } else { 0o644 });
        }
    }
    if locked {
        set(dir, 0o555);
    }
}

unsafe extern "C" {
    #[link_name = "geteuid"]
    fn libc_geteuid() -> u32;
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
fn outputs_are_byte_identical_whatever_the_inbox_path_and_the_order_its_files_were_made_in() {
    let w = hostile_inbox();
    w.run_expect(&run_args("inbox", "out1", HOSTILE_RUN), 1);
    // The same files under another path, made in the reverse order (so the folder lists
    // them in another order where the file system keeps the order of creation).
    let mut files = tree(&w.path("inbox"));
    files.reverse();
    for f in &files {
        let from = w.path("inbox").join(f);
        if from.is_file() {
            let bytes = std::fs::read(&from).unwrap();
            let to = w.put(&format!("elsewhere/hộp thư/inbox/{f}"), &bytes);
            let t = std::fs::metadata(&from).unwrap().modified().unwrap();
            std::fs::File::options()
                .write(true)
                .open(&to)
                .unwrap()
                .set_modified(t)
                .unwrap();
        }
    }
    w.run_expect(
        &run_args("elsewhere/hộp thư/inbox", "elsewhere/out2", HOSTILE_RUN),
        1,
    );
    let (a, b) = (hashes(&w.path("out1")), hashes(&w.path("elsewhere/out2")));
    assert!(a.contains_key("tong-hop.xlsx"), "{a:?}");
    assert_eq!(a, b, "outputs differ with the inbox's path or order");
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

#[test]
fn out_as_the_inbox_or_its_returned_folder_is_refused() {
    let w = hostile_inbox();
    let before = hashes(&w.path("inbox"));
    for (inbox, out) in [
        ("inbox", "inbox"),
        ("inbox", "inbox/."),
        ("inbox/a/b/../b", "inbox/a/b"),
    ] {
        let got = w.run(&run_args(inbox, out, HOSTILE_RUN));
        assert_eq!(got.status.code(), Some(2), "{out}: {}", show(&got));
        let err = String::from_utf8_lossy(&got.stderr);
        assert!(err.contains("trùng với thư mục bài nộp"), "{err}");
    }
    // An inbox inside OUT's tra-lai/ would have its files replaced by returned workbooks.
    w.put("out/tra-lai/DBP.xlsx", &sample("DBP"));
    let got = w.run(&run_args("out/tra-lai", "out", &["--lang", "en"]));
    assert_eq!(got.status.code(), Some(2), "{}", show(&got));
    assert!(String::from_utf8_lossy(&got.stderr).contains("is the inbox"));
    assert_eq!(sha256(&w.path("out/tra-lai/DBP.xlsx")), {
        let w2 = Workdir::new();
        sha256(&w2.put("x", &sample("DBP")))
    });
    assert_eq!(hashes(&w.path("inbox")), before, "an input changed");
}

#[test]
fn a_previous_runs_outputs_in_the_inbox_are_skipped_not_read_as_duplicates() {
    let w = hostile_inbox();
    let first = run(&w, HOSTILE_RUN, 1);
    let returned = w.returned("out");
    assert!(!returned.is_empty());
    // The clerk saves last month's outputs into the inbox, unchanged.
    for f in tree(&w.path("out")) {
        w.put(
            &format!("inbox/lan-truoc/{f}"),
            &std::fs::read(w.path("out").join(&f)).unwrap(),
        );
    }
    let second = run(&w, HOSTILE_RUN, 1);
    let status = |r: &serde_json::Value| -> BTreeMap<String, String> {
        submissions(r)
            .iter()
            .map(|s| {
                let f = s["file"].as_str().unwrap().to_string();
                (f, s["status"].as_str().unwrap().to_string())
            })
            .collect()
    };
    assert_eq!(
        status(&second),
        status(&first),
        "the old outputs changed the run"
    );
    let rules = |r: &serde_json::Value| -> BTreeMap<String, Vec<String>> {
        submissions(r)
            .iter()
            .map(|s| (s["file"].to_string(), crate::common::rules_of(s)))
            .collect()
    };
    // No finding more, a false DUP least of all.
    assert_eq!(rules(&second), rules(&first));
    let skipped: BTreeMap<&str, &str> = second["skipped"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| (s["file"].as_str().unwrap(), s["reason"].as_str().unwrap()))
        .collect();
    assert!(
        skipped["lan-truoc/tong-hop.xlsx"].contains("bảng tổng hợp do tonghop tạo ra"),
        "{skipped:?}"
    );
    for f in &returned {
        let reason = skipped[format!("lan-truoc/tra-lai/{f}").as_str()];
        assert!(reason.contains("tệp trả lại do tonghop tạo ra"), "{reason}");
    }
    // One the unit opened, corrected and saved is its submission again.
    let mut resaved = Pkg::open(&std::fs::read(w.path("out/tra-lai").join(&returned[0])).unwrap());
    resaved.edit("docProps/core.xml", |x| {
        x.replace("2026-01-01T00:00:00Z", "2026-02-03T04:05:06Z")
    });
    w.put("inbox/sua-lai.xlsx", &resaved.bytes());
    let third = run(&w, HOSTILE_RUN, 1);
    assert!(
        submissions(&third)
            .iter()
            .any(|s| s["file"] == "sua-lai.xlsx"),
        "a re-saved returned workbook was skipped"
    );
}

/// `tonghop run inbox --out disk/out --quiet [extra]` with `disk` a tmpfs of `kib` KiB
/// mounted for this process alone (a private mount namespace), holding a copy of
/// `previous` (a folder of the work folder) as its OUT first. OUT's files are copied
/// back into `after` before the mount goes. `None` where mounting is not allowed (not
/// root, no namespaces): the caller then has nothing to test, unless
/// `TONGHOP_TEST_REQUIRE_TMPFS` is set (by `.ci/run`, where it found mounting possible).
fn on_small_disk(
    w: &Workdir,
    kib: u64,
    previous: Option<&str>,
    extra: &[&str],
) -> Option<std::process::Output> {
    let disk = w.path("disk");
    std::fs::create_dir_all(&disk).unwrap();
    let copy_in = previous
        .map(|p| format!("cp -a '{}'/. disk/out/ && ", w.path(p).display()))
        .unwrap_or_default();
    let script = format!(
        "mount -t tmpfs -o size={kib}k tmpfs disk || exit 99; mkdir -p disk/out after && {copy_in}\
         \"$0\" run inbox --out disk/out --quiet {extra}; rc=$?; \
         df -k disk | tail -1 > after.df; cp -a disk/out/. after/; exit $rc",
        extra = extra.join(" ")
    );
    let out = w
        .with_form(&mut std::process::Command::new("unshare"))
        .args(["-m", "sh", "-c", &script, env!("CARGO_BIN_EXE_tonghop")])
        .current_dir(w.path(""))
        .output()
        .ok()?;
    if out.status.code() == Some(99) || out.status.code().is_none() {
        // CI sets this where it found the mount possible: there the test must not skip.
        assert!(
            std::env::var_os("TONGHOP_TEST_REQUIRE_TMPFS").is_none(),
            "a private tmpfs was expected to mount: {}",
            show(&out)
        );
        eprintln!("no private tmpfs here (needs root): {}", show(&out));
        return None;
    }
    Some(out)
}

/// Three units of 3,000 rows each with the detail: about 1.3 MB of outputs.
fn big_inbox() -> Workdir {
    let w = Workdir::new();
    w.samples(
        "inbox",
        &[
            "--units", "3", "--rows", "3000", "--seed", "5", "--faults", "0",
        ],
    );
    std::fs::remove_file(w.path("inbox/faults.json")).ok();
    w
}

#[test]
fn a_full_disk_is_one_message_in_vietnamese_and_leaves_nothing_behind() {
    let w = big_inbox();
    // Room for the estimate, not for the outputs.
    let Some(out) = on_small_disk(&w, 1100, None, &["--detail"]) else {
        return;
    };
    assert_eq!(out.status.code(), Some(2), "{}", show(&out));
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(err.lines().count(), 1, "one message: {err}");
    assert!(!err.contains("ZipWriter") && !err.contains("Os {"), "{err}");
    assert_eq!(
        err.matches("mã lỗi hệ thống 28").count(),
        1,
        "the cause once: {err}"
    );
    assert!(err.contains("ổ đĩa đã đầy"), "{err}");
    assert!(
        err.contains("disk/out/tong-hop.xlsx") || err.contains("disk/out/report.json"),
        "names the output, not a temporary file: {err}"
    );
    assert!(!err.contains(".tonghop-"), "{err}");
    // Nothing half-written, no temporary file filling the disk.
    assert!(
        tree(&w.path("after")).is_empty(),
        "{:?}",
        tree(&w.path("after"))
    );
    let df = std::fs::read_to_string(w.path("after.df")).unwrap();
    let used: u64 = df.split_whitespace().nth(2).unwrap().parse().unwrap();
    assert_eq!(used, 0, "left on the disk: {df}");
}

#[test]
fn too_little_free_space_is_refused_before_the_previous_outputs_are_touched() {
    let w = big_inbox();
    w.run_expect(&run_args("inbox", "previous", &["--detail"]), 0);
    let before = hashes(&w.path("previous"));
    // Room for the previous set and a bit, not for a second one beside it.
    let Some(out) = on_small_disk(&w, 2600, Some("previous"), &["--detail"]) else {
        return;
    };
    assert_eq!(out.status.code(), Some(2), "{}", show(&out));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("không đủ chỗ trống"), "{err}");
    assert!(err.contains("chưa ghi gì"), "{err}");
    assert_eq!(
        hashes(&w.path("after")),
        before,
        "the previous outputs changed"
    );
}
