//! A run stopped or failing at any moment of its output phase, and two runs at once.
//!
//! The run is made to wait at a chosen step by the test-only `TONGHOP_TEST_PAUSE_AT`
//! (or to fail there by `TONGHOP_TEST_FAIL_AT`), then gets SIGTERM or SIGKILL. Whatever
//! the moment, OUT must then hold exactly one run's outputs: report.json and tong-hop.xlsx
//! with one run id, and the returned workbooks report.json lists, each with the stamp
//! it lists, and no other; and, once a run has passed (or at once after SIGTERM), no
//! temporary file, staging folder, journal or lock.

use super::edit::{Pkg, text};
use super::{MEM, sample};
use crate::common::{Workdir, run_args, sha256, show, tree, zip_of, zip_text};
use std::collections::BTreeMap;
use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

/// `code`'s valid submission with `typed` as text in a count cell: returned.
fn faulty(code: &str, typed: &str) -> Vec<u8> {
    let mut p = Pkg::of(code);
    p.cell(MEM, "D12", text(typed));
    p.bytes()
}

/// Inbox `a` returns DBP and CAT; inbox `b` returns CAT (another fault) and TGI, and DBP
/// is clean in it: a swap from a to b replaces, adds and removes returned workbooks.
/// `ref_a` and `ref_b` hold each run's outputs, made into empty folders.
fn two_inboxes() -> Workdir {
    let w = Workdir::new();
    for (dir, files) in [
        (
            "a",
            vec![
                ("KDN", sample("KDN")),
                ("DBP", faulty("DBP", "1.234")),
                ("CAT", faulty("CAT", "1.234")),
            ],
        ),
        (
            "b",
            vec![
                ("KDN", sample("KDN")),
                ("DBP", sample("DBP")),
                ("CAT", faulty("CAT", "9.876")),
                ("TGI", faulty("TGI", "1.234")),
            ],
        ),
    ] {
        for (code, bytes) in files {
            w.put(&format!("{dir}/{code}.xlsx"), &bytes);
        }
    }
    w.run_expect(&run_args("a", "ref_a", &[]), 1);
    w.run_expect(&run_args("b", "ref_b", &[]), 1);
    assert_eq!(w.returned("ref_a"), ["CAT.xlsx", "DBP.xlsx"]);
    assert_eq!(w.returned("ref_b"), ["CAT.xlsx", "TGI.xlsx"]);
    w
}

/// Whether a path relative to OUT is tonghop's own housekeeping (or a leftover of it).
fn hidden(rel: &str) -> bool {
    rel.split('/').any(|c| c.starts_with('.'))
}

/// The outputs in `out`, by hash, housekeeping left out.
fn set(w: &Workdir, out: &str) -> BTreeMap<String, String> {
    let dir = w.path(out);
    tree(&dir)
        .into_iter()
        .filter(|f| !hidden(f))
        .map(|f| {
            let h = sha256(&dir.join(&f));
            (f, h)
        })
        .collect()
}

/// Everything in `out` that is not an output: temporary files, staging folders, the
/// journal, the lock.
fn leftovers(w: &Workdir, out: &str) -> Vec<String> {
    let mut found = Vec::new();
    for dir in ["", "tra-lai"] {
        let Ok(entries) = std::fs::read_dir(w.path(out).join(dir)) else {
            continue;
        };
        for e in entries.flatten() {
            let name = e.file_name().to_string_lossy().into_owned();
            if name.starts_with('.') {
                found.push(format!("{dir}/{name}"));
            }
        }
    }
    found.sort();
    found
}

/// The stamp tonghop wrote into a workbook's custom properties.
fn stamp(path: &Path) -> String {
    let xml = zip_text(&mut zip_of(path), "docProps/custom.xml");
    let (_, rest) = xml
        .split_once("name=\"tonghop.run\"><vt:lpwstr>")
        .unwrap_or_else(|| panic!("{}: no stamp in {xml}", path.display()));
    rest.split_once('<').unwrap().0.to_string()
}

/// OUT holds one run's outputs, nothing else; that run's id.
fn one_run(w: &Workdir, out: &str) -> String {
    let report = w.report(out);
    let id = report["run"]["id"].as_str().expect("run.id").to_string();
    assert_eq!(
        stamp(&w.path(out).join("tong-hop.xlsx")),
        id,
        "tong-hop.xlsx and report.json are of two runs"
    );
    let listed: BTreeMap<String, String> = report["run"]["returned"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["file"].as_str().unwrap().to_string(),
                r["stamp"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    let present: BTreeMap<String, String> = w
        .returned(out)
        .into_iter()
        .filter(|f| !hidden(f))
        .map(|f| {
            let s = stamp(&w.path(out).join("tra-lai").join(&f));
            (format!("tra-lai/{f}"), s)
        })
        .collect();
    assert_eq!(
        present, listed,
        "the returned workbooks are not report.json's"
    );
    id
}

/// Copy the outputs in `from` into a new folder `to`.
fn copy(w: &Workdir, from: &str, to: &str) {
    for f in tree(&w.path(from)) {
        w.put(
            &format!("{to}/{f}"),
            &std::fs::read(w.path(from).join(&f)).unwrap(),
        );
    }
}

/// `tonghop run b --out OUT` paused at `step`, once it says it is there.
fn paused(w: &Workdir, out: &str, step: &str) -> Child {
    paused_with(
        w,
        &run_args("b", out, &[]),
        &[("TONGHOP_TEST_PAUSE_AT", step)],
        step,
    )
}

/// `tonghop ARGS` with `env`, once it says it is paused at `step`.
fn paused_with(w: &Workdir, args: &[&str], env: &[(&str, &str)], step: &str) -> Child {
    let mut child = w
        .command(args)
        .envs(env.iter().copied())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let stderr = child.stderr.take().unwrap();
    let (tx, rx) = mpsc::channel();
    let want = format!("test pause at {step}");
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines() {
            let Ok(line) = line else { break };
            if line.contains(&want) {
                let _ = tx.send(());
            }
        }
    });
    if rx.recv_timeout(Duration::from_secs(30)).is_err() {
        let _ = child.kill();
        let _ = child.wait();
        panic!("the run never paused at {step}");
    }
    child
}

/// Send `signal` (SIGTERM, SIGINT as Ctrl-C does) and wait for the run to end.
fn terminate(child: &mut Child, signal: libc::c_int) -> Option<i32> {
    let pid = child.id() as libc::pid_t;
    assert_eq!(unsafe { libc::kill(pid, signal) }, 0);
    let started = Instant::now();
    loop {
        if let Some(st) = child.try_wait().unwrap() {
            return st.code();
        }
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "the signal did not end the run"
        );
        std::thread::sleep(Duration::from_millis(5));
    }
}

/// The output steps, in order, and whether the new set is (or will be) in place once
/// the run stops there: from the journal on, the swap completes.
const STEPS: &[(&str, bool)] = &[
    ("locked", false),
    ("staging", false),
    ("returned", false),
    ("written", false),
    ("staged", false),
    ("journal", true),
    ("aside tong-hop.xlsx", true),
    ("aside", true),
    ("placing", true),
    ("swapped", true),
    ("done", true),
];

/// Whether the step lies inside the swap, which a signal lets finish.
fn in_swap(step: &str) -> bool {
    step != "done" && STEPS.iter().find(|s| s.0 == step).is_some_and(|s| s.1)
}

#[test]
fn sigterm_or_ctrl_c_at_any_output_step_leaves_one_runs_outputs_and_no_temporary_file() {
    let w = two_inboxes();
    let (a, b) = (set(&w, "ref_a"), set(&w, "ref_b"));
    for (k, &(step, new)) in STEPS.iter().enumerate() {
        let out = format!("term{k}");
        copy(&w, "ref_a", &out);
        let mut child = paused(&w, &out, step);
        let signal = if k % 2 == 0 {
            libc::SIGTERM
        } else {
            libc::SIGINT
        };
        let code = terminate(&mut child, signal);
        // Inside the swap the signal waits for it, and the run ends as it would have.
        let expected = if in_swap(step) { 1 } else { 130 };
        assert_eq!(code, Some(expected), "SIGTERM at {step}");
        assert_eq!(
            &set(&w, &out),
            if new { &b } else { &a },
            "SIGTERM at {step}"
        );
        assert!(
            leftovers(&w, &out).is_empty(),
            "SIGTERM at {step} left {:?}",
            leftovers(&w, &out)
        );
        one_run(&w, &out);
    }
}

#[test]
fn sigkill_at_any_output_step_is_completed_or_undone_by_the_next_run() {
    let w = two_inboxes();
    let (a, b) = (set(&w, "ref_a"), set(&w, "ref_b"));
    let (id_a, id_b) = (one_run(&w, "ref_a"), one_run(&w, "ref_b"));
    assert_ne!(id_a, id_b);
    for (k, &(step, new)) in STEPS.iter().enumerate() {
        let out = format!("kill{k}");
        copy(&w, "ref_a", &out);
        let mut child = paused(&w, &out, step);
        child.kill().unwrap();
        child.wait().unwrap();
        if !new {
            assert_eq!(set(&w, &out), a, "SIGKILL at {step} touched the outputs");
        }
        // The next run into OUT, which here fails as soon as it holds the lock: it has
        // finished the dead run's swap, or left the previous set, and tidied up.
        let next = w.run_env(
            &run_args("b", &out, &[]),
            &[("TONGHOP_TEST_FAIL_AT", "locked")],
        );
        assert_eq!(next.status.code(), Some(2), "after {step}: {}", show(&next));
        assert_eq!(
            &set(&w, &out),
            if new { &b } else { &a },
            "SIGKILL at {step}"
        );
        assert_eq!(
            one_run(&w, &out),
            if new { &id_b } else { &id_a }.clone(),
            "SIGKILL at {step}"
        );
        assert!(
            leftovers(&w, &out).is_empty(),
            "SIGKILL at {step}: the next run left {:?}",
            leftovers(&w, &out)
        );
    }
}

#[test]
fn a_failure_at_any_output_step_leaves_the_previous_outputs_whole() {
    let w = two_inboxes();
    let a = set(&w, "ref_a");
    for (k, step) in [
        "staging",
        "returned",
        "written",
        "staged",
        "journal",
        // tong-hop.xlsx is already aside when report.json cannot be moved (open in
        // another program): it comes back.
        "aside report.json",
        "aside",
        "placing",
        "swapped",
    ]
    .into_iter()
    .enumerate()
    {
        let out = format!("fail{k}");
        copy(&w, "ref_a", &out);
        let run = w.run_env(&run_args("b", &out, &[]), &[("TONGHOP_TEST_FAIL_AT", step)]);
        assert_eq!(run.status.code(), Some(2), "{step}: {}", show(&run));
        let err = String::from_utf8_lossy(&run.stderr);
        assert!(
            err.contains("kết quả của lần chạy trước được giữ nguyên"),
            "{step}: {err}"
        );
        assert_eq!(set(&w, &out), a, "a failure at {step} changed the outputs");
        assert!(
            leftovers(&w, &out).is_empty(),
            "a failure at {step} left {:?}",
            leftovers(&w, &out)
        );
    }
}

#[test]
fn a_second_run_into_the_same_out_is_refused_and_a_killed_runs_lock_is_stale() {
    let w = two_inboxes();
    copy(&w, "ref_a", "out");
    let a = set(&w, "out");
    let mut first = paused(&w, "out", "locked");
    for (lang, words) in [
        (&[][..], "một lần chạy khác (tiến trình "),
        (&["--lang", "en"][..], "another run (process "),
    ] {
        let second = w.run(&run_args("b", "out", lang));
        assert_eq!(second.status.code(), Some(2), "{}", show(&second));
        let err = String::from_utf8_lossy(&second.stderr);
        assert!(
            err.contains(&format!("{words}{}", first.id())),
            "{}",
            show(&second)
        );
        assert_eq!(err.lines().count(), 1, "{err}");
    }
    assert_eq!(set(&w, "out"), a);
    first.kill().unwrap();
    first.wait().unwrap();
    assert!(
        w.path("out/.tonghop-lock").exists(),
        "the killed run's lock"
    );
    // Nobody holds it any more: the next run takes it.
    w.run_expect(&run_args("b", "out", &[]), 1);
    assert_eq!(set(&w, "out"), set(&w, "ref_b"));
    assert!(
        leftovers(&w, "out").is_empty(),
        "{:?}",
        leftovers(&w, "out")
    );
}

#[test]
fn a_second_ctrl_c_while_the_outputs_are_written_still_leaves_the_previous_outputs_and_nothing_else()
 {
    // An impatient clerk presses Ctrl-C twice: the second one ends the process at once,
    // from the handler, which must clean up as the failure path would have.
    let w = two_inboxes();
    let a = set(&w, "ref_a");
    for step in ["staging", "returned", "written", "staged"] {
        let out = format!("twice-{step}");
        copy(&w, "ref_a", &out);
        let mut child = paused(&w, &out, step);
        let pid = child.id() as libc::pid_t;
        assert_eq!(unsafe { libc::kill(pid, libc::SIGINT) }, 0);
        std::thread::sleep(Duration::from_millis(1));
        let code = terminate(&mut child, libc::SIGINT);
        assert_eq!(code, Some(130), "Ctrl-C twice at {step}");
        assert_eq!(set(&w, &out), a, "Ctrl-C twice at {step}");
        assert!(
            leftovers(&w, &out).is_empty(),
            "Ctrl-C twice at {step} left {:?}",
            leftovers(&w, &out)
        );
        one_run(&w, &out);
    }
}

/// `tonghop run b --out OUT --jobs 1` paused as it starts reading each file, until the
/// file `go` exists: files are read one after the other, in the inbox's order.
fn paused_reading(w: &Workdir, out: &str) -> Child {
    let mut args = run_args("b", out, &[]);
    args.extend(["--jobs", "1"]);
    let go = w.path("go");
    let env = [
        ("TONGHOP_TEST_PAUSE_AT", "reading"),
        ("TONGHOP_TEST_RESUME", go.to_str().unwrap()),
    ];
    paused_with(w, &args, &env, "reading")
}

#[test]
fn a_signal_while_the_files_are_read_leaves_the_previous_outputs_and_nothing_else() {
    let w = two_inboxes();
    let a = set(&w, "ref_a");
    for (k, signal) in [libc::SIGTERM, libc::SIGINT].into_iter().enumerate() {
        let out = format!("reading{k}");
        copy(&w, "ref_a", &out);
        let mut child = paused_reading(&w, &out);
        assert_eq!(terminate(&mut child, signal), Some(130), "signal {signal}");
        assert_eq!(set(&w, &out), a, "signal {signal} while reading");
        assert!(leftovers(&w, &out).is_empty(), "{:?}", leftovers(&w, &out));
        one_run(&w, &out);
    }
}

#[test]
fn files_deleted_or_cut_short_while_the_inbox_is_read_get_findings_and_the_batch_goes_on() {
    let w = two_inboxes();
    // Inbox b in its order: CAT, DBP, KDN, TGI. The run waits at CAT; then TGI goes away
    // and KDN is cut to half, as a copy still arriving would be.
    let mut child = paused_reading(&w, "out");
    std::fs::remove_file(w.path("b/TGI.xlsx")).unwrap();
    let kdn = std::fs::read(w.path("b/KDN.xlsx")).unwrap();
    std::fs::write(w.path("b/KDN.xlsx"), &kdn[..kdn.len() / 2]).unwrap();
    std::fs::write(w.path("go"), b"").unwrap();
    let status = child.wait().unwrap();
    assert_eq!(status.code(), Some(1));
    let report = w.report("out");
    let subs = report["submissions"].as_array().unwrap();
    let of = |file: &str| {
        subs.iter()
            .find(|s| s["file"] == file)
            .unwrap_or_else(|| panic!("{file} not in report.json"))
    };
    let tgi = of("TGI.xlsx");
    assert_eq!(tgi["status"], "unreadable", "{tgi:#}");
    let msg = tgi["findings"][0]["message"].as_str().unwrap();
    assert!(
        msg.contains("bị xóa hoặc đổi tên trong khi đang tổng hợp"),
        "{msg}"
    );
    let kdn = of("KDN.xlsx");
    assert_eq!(kdn["status"], "unreadable", "{kdn:#}");
    assert_eq!(kdn["findings"][0]["rule"], "FILE_CORRUPT", "{kdn:#}");
    // The others are read as they are: DBP clean, CAT returned for its own fault.
    assert_eq!(of("DBP.xlsx")["status"], "accepted");
    assert_eq!(of("CAT.xlsx")["status"], "rejected");
}

/// `template` and `samples` stopped by Ctrl-C or SIGTERM while a workbook is being
/// written: the temporary file is removed and the process ends at once, saying so; no
/// `.tonghop-*.tmp` is left beside the outputs (they used to stay, the process dying
/// where it stood).
#[test]
fn a_signal_while_template_or_samples_writes_leaves_no_temporary_file() {
    let w = Workdir::new();
    let cases: [(&[&str], &str); 2] = [
        (&["template", "--out", "mau/mau.xlsx"], "mau"),
        (&["samples", "--out", "mau2"], "mau2"),
    ];
    for (args, dir) in cases {
        for signal in [libc::SIGINT, libc::SIGTERM] {
            let mut child = paused_with(&w, args, &[("TONGHOP_TEST_PAUSE_AT", "saving")], "saving");
            // The temporary file is there while the workbook is written.
            let temps = || -> Vec<String> {
                tree(&w.path(dir))
                    .into_iter()
                    .filter(|f| f.contains(".tonghop-"))
                    .collect()
            };
            assert_eq!(temps().len(), 1, "{args:?}: {:?}", temps());
            assert_eq!(
                terminate(&mut child, signal),
                Some(130),
                "{args:?} {signal}"
            );
            assert!(temps().is_empty(), "{args:?} {signal}: {:?}", temps());
        }
    }
}
