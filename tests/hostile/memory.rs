//! What one file, or a whole inbox, may cost in memory: counts a workbook declares are
//! claims, not sizes, and the run holds one memory budget (`--max-memory-mib`) whatever
//! the inbox holds and however many jobs read it.
//!
//! Memory is measured, not timed: each run's peak resident set is taken from the kernel
//! when the child is reaped (`wait4`), so tests running side by side do not see each
//! other's peaks.

use super::edit::Pkg;
use super::{ADM, batch_went_on, inbox, status, submission};
use crate::common::{Workdir, run_args};
use std::time::{Duration, Instant};

/// A run's exit code (`None` when a signal ended it) and peak resident set in MiB.
struct Measured {
    code: Option<i32>,
    signal: Option<i32>,
    peak_mib: u64,
    stderr: String,
}

/// Runs tonghop with `args` in `w`, reaps it with `wait4` for its own peak RSS, and
/// kills it past `limit`.
fn measured(w: &Workdir, args: &[&str], limit: Duration) -> Measured {
    let stderr = w.path("measured.stderr");
    let child = w
        .command(args)
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::fs::File::create(&stderr).unwrap())
        .spawn()
        .expect("tonghop runs");
    let pid = child.id() as libc::pid_t;
    let done = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let watchdog = {
        let done = done.clone();
        std::thread::spawn(move || {
            let started = Instant::now();
            while !done.load(std::sync::atomic::Ordering::SeqCst) {
                if started.elapsed() > limit {
                    // Still our unreaped child: the pid cannot have been reused.
                    unsafe { libc::kill(pid, libc::SIGKILL) };
                    return;
                }
                std::thread::sleep(Duration::from_millis(50));
            }
        })
    };
    let mut wstatus = 0;
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    let got = unsafe { libc::wait4(pid, &mut wstatus, 0, &mut usage) };
    done.store(true, std::sync::atomic::Ordering::SeqCst);
    watchdog.join().unwrap();
    assert_eq!(got, pid, "wait4 failed");
    // Reaped by hand: the std handle must not wait again.
    std::mem::forget(child);
    let (code, signal) = if libc::WIFEXITED(wstatus) {
        (Some(libc::WEXITSTATUS(wstatus)), None)
    } else {
        (None, Some(libc::WTERMSIG(wstatus)))
    };
    // Linux reports ru_maxrss in KiB.
    let peak_mib = usage.ru_maxrss as u64 / 1024;
    eprintln!("tonghop {args:?}: exit {code:?} signal {signal:?}, peak {peak_mib} MiB");
    Measured {
        code,
        signal,
        peak_mib,
        stderr: std::fs::read_to_string(&stderr).unwrap_or_default(),
    }
}

/// `run inbox --out out --quiet [extra]`, measured; insists it ended with `code`.
fn run_measured(w: &Workdir, extra: &[&str], code: i32) -> (serde_json::Value, u64) {
    let m = measured(
        w,
        &run_args("inbox", "out", extra),
        Duration::from_secs(120),
    );
    assert_eq!(
        (m.code, m.signal),
        (Some(code), None),
        "peak {} MiB; stderr: {}",
        m.peak_mib,
        m.stderr
    );
    let report = w.report("out");
    batch_went_on(&report);
    (report, m.peak_mib)
}

/// A submission whose `sharedStrings.xml` claims `count` strings.
fn claiming_strings(count: &str) -> Vec<u8> {
    let mut p = Pkg::of("TGI");
    p.edit("xl/sharedStrings.xml", |x| {
        let at = x.find("uniqueCount=\"").expect("uniqueCount") + 13;
        let end = at + x[at..].find('"').unwrap();
        format!("{}{count}{}", &x[..at], &x[end..])
    });
    p.bytes()
}

/// A submission whose admissions sheet holds, past the columns the form reads (K1:L1 of
/// the title row), a shared formula anchored at index `si` and one cell that uses it.
fn with_shared_formula(si: &str) -> Vec<u8> {
    let mut p = Pkg::of("TGI");
    p.edit(ADM, |x| {
        let row = x.find("<row r=\"1\"").expect("row 1");
        let end = row + x[row..].find("</row>").unwrap();
        let cells = format!(
            "<c r=\"K1\"><f t=\"shared\" ref=\"K1:L1\" si=\"{si}\">1+1</f><v>2</v></c>\
             <c r=\"L1\"><f t=\"shared\" si=\"{si}\"/><v>2</v></c>"
        );
        format!("{}{cells}{}", &x[..end], &x[end..])
    });
    p.bytes()
}

/// calamine reserved `uniqueCount` strings up front: two billion of them is 48 GB, the
/// allocation failed and the process aborted (signal 6, exit 134) with no outputs and no
/// name for the culprit.
#[test]
fn a_shared_strings_count_of_two_billion_does_not_abort_the_run() {
    for count in ["2000000000", "1000000000000"] {
        let w = inbox(&[("TGI.xlsx", claiming_strings(count))]);
        let (report, peak) = run_measured(&w, &["--jobs", "2"], 0);
        assert_eq!(status(submission(&report, "TGI.xlsx")), "accepted");
        assert!(peak < 200, "uniqueCount={count}: peak {peak} MiB");
    }
}

/// calamine kept shared formulas in a vector indexed by `si`: `si="2000000000"` asked
/// for 100 GB and aborted the run; `si="60000000"` took 2.35 GB for one 12 KB file.
#[test]
fn a_shared_formula_index_of_billions_costs_nothing() {
    for si in ["2000000000", "60000000"] {
        let w = inbox(&[("TGI.xlsx", with_shared_formula(si))]);
        let (report, peak) = run_measured(&w, &["--jobs", "2"], 0);
        assert_eq!(status(submission(&report, "TGI.xlsx")), "accepted");
        assert!(peak < 200, "si={si}: peak {peak} MiB");
    }
}
