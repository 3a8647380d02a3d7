//! Real submissions: messy, legacy and hostile files.
//!
//! Every bad file is built here, in code, from a valid submission made by the real
//! `tonghop samples` (generated once per test process and kept in memory): its zip is
//! opened, one sheet's XML edited, and the package zipped again ([`Pkg`]); or the
//! workbook is read with calamine and written anew with rust_xlsxwriter with rows moved
//! ([`edit::Book`]); or the bytes are crafted outright (an encrypted OLE container, a zip
//! bomb, a million rows streamed into the zip). Each test puts its file in an inbox beside
//! an untouched valid submission of another unit and runs the real binary, then checks
//! the status in report.json, the rule and the cell of the finding, that the valid
//! submission was still accepted (the batch went on) and the exit code.
//!
//! This module holds what every theme shares: the valid submissions, running and
//! checking; [`edit`] how bad files are made. The themes: [`numbers`] and
//! [`vietnamese_text`] and [`dates`] as clerks type them, [`layout`] drift,
//! [`units_and_duplicates`], broken or hostile [`files`], [`big_sheets`], what lies in
//! the [`inbox`] beside the submissions, [`injection`] of paths and formulas, what
//! the [`outputs`] owe the inputs, and the outputs as one set whatever [`interrupt`]s
//! the run.
//!
//! The committed fixtures are a workbook encrypted with a password (see
//! tests/fixtures/README.md), which cannot be made without the cryptography, and the
//! sample of [`peers`]' workbooks from other projects' test suites (tests/peers/).

mod arguments;
mod big_sheets;
pub(crate) mod corpus;
mod dates;
pub(crate) mod edit;
mod files;
mod inbox;
mod injection;
#[cfg(unix)]
mod interrupt;
mod layout;
mod memory;
mod numbers;
mod outputs;
mod peers;
mod recognition;
mod units_and_duplicates;
mod vietnamese_text;

use crate::common::{Workdir, has_finding, keyed, run_args, show, submission, wait_or_kill};
use calamine::{Reader, open_workbook_auto};
use edit::{Pkg, text};
use serde_json::Value;
use std::collections::BTreeMap;
use std::process::Output;
use std::sync::OnceLock;
use std::time::{Duration, Instant};

// ---------------------------------------------------------------------------------------
// The valid submissions everything starts from.

/// Rows per unit in the base samples: the table is rows 4..=7 of "Kết nạp" and the
/// total row is row 8 (one-based, as the user sees them).
const ROWS: u32 = 4;
const FIRST_ROW: u32 = 4;
const TOTAL_ROW: u32 = FIRST_ROW + ROWS;

/// The untouched submission put beside every bad file: it must be accepted whatever
/// happens to the other.
const OK_UNIT: &str = "KDN";

/// Sheet parts of the sample workbooks, in the form's order.
const INFO: &str = "xl/worksheets/sheet1.xml"; // Thông tin
const ADM: &str = "xl/worksheets/sheet2.xml"; // Kết nạp
const SRC: &str = "xl/worksheets/sheet3.xml"; // Tạo nguồn
const MEM: &str = "xl/worksheets/sheet4.xml"; // Đảng viên
const AREA: &str = "xl/worksheets/sheet5.xml"; // Địa bàn

/// Every unit's valid submission, from `tonghop samples --seed 5 --rows 4`.
fn base() -> &'static BTreeMap<String, Vec<u8>> {
    static BASE: OnceLock<BTreeMap<String, Vec<u8>>> = OnceLock::new();
    BASE.get_or_init(|| {
        let w = Workdir::new();
        w.samples("s", &["--seed", "5", "--rows", &ROWS.to_string()]);
        let mut out = BTreeMap::new();
        for e in std::fs::read_dir(w.path("s")).unwrap() {
            let p = e.unwrap().path();
            if p.extension().is_some_and(|x| x == "xlsx") {
                let code = p.file_stem().unwrap().to_string_lossy().into_owned();
                out.insert(code, std::fs::read(&p).unwrap());
            }
        }
        assert_eq!(out.len(), 15, "samples wrote {:?}", out.keys());
        out
    })
}

fn sample(code: &str) -> Vec<u8> {
    base()
        .get(code)
        .unwrap_or_else(|| panic!("no sample {code}"))
        .clone()
}

// ---------------------------------------------------------------------------------------
// Running and checking.

/// An inbox holding the valid submission of [`OK_UNIT`] plus `files`.
fn inbox(files: &[(&str, Vec<u8>)]) -> Workdir {
    let w = Workdir::new();
    w.put(&format!("inbox/{OK_UNIT}.xlsx"), &sample(OK_UNIT));
    for (name, bytes) in files {
        w.put(&format!("inbox/{name}"), bytes);
    }
    w
}

/// `tonghop run inbox --out out --quiet [extra]`, insisting on the exit code; the report.
fn run(w: &Workdir, extra: &[&str], code: i32) -> Value {
    w.run_report("inbox", "out", extra, code)
}

/// [`run`], and the batch went on ([`batch_went_on`]).
fn run_batch(w: &Workdir, extra: &[&str], code: i32) -> Value {
    let report = run(w, extra, code);
    batch_went_on(&report);
    report
}

/// [`run_batch`] on an [`inbox`] of `files`, for a test that needs only the report.
fn run_inbox(files: &[(&str, Vec<u8>)], extra: &[&str], code: i32) -> Value {
    run_batch(&inbox(files), extra, code)
}

/// [`run_inbox`] of one file beside the valid submission, for a test that needs only
/// what became of that file: its submission.
fn run_one(name: &str, bytes: Vec<u8>, extra: &[&str], code: i32) -> Value {
    let report = run_inbox(&[(name, bytes)], extra, code);
    keyed(&report, submission(&report, name))
}

/// [`run_one`] on `unit`'s valid submission with `typed` typed into `part`!`cell`: what
/// most messy files are, one cell typed the way a clerk types it.
fn typed_into(unit: &str, part: &str, cell: &str, typed: &str, extra: &[&str], code: i32) -> Value {
    let mut p = Pkg::of(unit);
    p.cell(part, cell, text(typed));
    run_one(&format!("{unit}.xlsx"), p.bytes(), extra, code)
}

/// The batch went on: the valid submission beside the bad one was accepted and summed.
fn batch_went_on(report: &Value) {
    let ok = submission(report, &format!("{OK_UNIT}.xlsx"));
    assert_eq!(
        ok["status"], "accepted",
        "the valid submission beside the bad one: {ok:#}"
    );
    assert_eq!(ok["included_in_totals"], true);
}

fn status(sub: &Value) -> &str {
    sub["status"].as_str().unwrap()
}

fn findings<'a>(sub: &'a Value, rule: &str) -> Vec<&'a Value> {
    sub["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["rule"] == rule)
        .collect()
}

/// Has a finding with this rule, sheet and cell, or fails showing every finding.
fn assert_finding(sub: &Value, rule: &str, sheet: &str, cell: Option<&str>) {
    assert!(
        has_finding(sub, rule, sheet, cell),
        "{}: no {rule} finding at {sheet}!{}; findings: {:#}",
        sub["file"],
        cell.unwrap_or("*"),
        sub["findings"]
    );
}

/// Has a whole-file finding with this rule (no sheet, no cell).
fn assert_file_finding(sub: &Value, rule: &str) {
    let fs = findings(sub, rule);
    assert!(
        !fs.is_empty(),
        "{}: no {rule} finding; findings: {:#}",
        sub["file"],
        sub["findings"]
    );
    for f in fs {
        assert!(
            f["sheet"].is_null() && f["cell"].is_null(),
            "{rule} names a place: {f}"
        );
        assert_eq!(f["severity"], "error", "{f}");
    }
}

pub(crate) fn assert_no_rule(sub: &Value, rule: &str) {
    assert!(
        findings(sub, rule).is_empty(),
        "{}: unexpected {rule}: {:#}",
        sub["file"],
        sub["findings"]
    );
}

/// Accepted, summed, and without a single error.
fn assert_accepted(sub: &Value) {
    assert_eq!(
        status(sub),
        "accepted",
        "{}: {:#}",
        sub["file"],
        sub["findings"]
    );
    assert_eq!(sub["errors"], 0, "{:#}", sub["findings"]);
    assert_eq!(sub["included_in_totals"], true);
}

/// Every sheet of the output `f` reads: text quoted from a submission broke no output.
fn assert_opens(w: &Workdir, f: &str) {
    let mut wb = open_workbook_auto(w.path(f)).unwrap_or_else(|e| panic!("{f}: {e}"));
    for name in wb.sheet_names() {
        wb.worksheet_range(&name)
            .unwrap_or_else(|e| panic!("{f} {name}: {e}"));
    }
}

/// The `file` of every entry of a report's list (`submissions` or `skipped`).
fn files_of<'a>(report: &'a Value, list: &str) -> Vec<&'a str> {
    report[list]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["file"].as_str().unwrap())
        .collect()
}

fn is_missing(report: &Value, unit: &str) -> bool {
    report["missing_units"]
        .as_array()
        .unwrap()
        .iter()
        .any(|u| u == unit)
}

/// How many rows of the admissions table a submission lists.
fn rows_listed(sub: &Value) -> usize {
    sub["tables"]["admissions"]["rows"]
        .as_array()
        .unwrap()
        .len()
}

fn nothing_returned(w: &Workdir) -> bool {
    w.returned("out").is_empty()
}

/// A figure's value in a submission [`keyed`] by figure.
fn figure<'a>(sub: &'a Value, key: &str) -> &'a Value {
    &sub["figures"][key]["value"]
}

/// A value of a report.json table row (`[row, label, values...]`) by its column key.
fn column<'a>(
    table: &serde_json::Value,
    row: &'a serde_json::Value,
    key: &str,
) -> &'a serde_json::Value {
    let i = table["columns"]
        .as_array()
        .unwrap()
        .iter()
        .position(|c| c == key)
        .unwrap_or_else(|| panic!("no column {key} in {}", table["columns"]));
    &row[i]
}

/// Run tonghop with an address-space limit, so that a huge allocation aborts the process
/// (and fails the test) instead of passing unnoticed on a big machine; and with a time
/// limit, past which it is killed and the test fails.
fn run_limited(w: &Workdir, args: &[&str], limit_mib: u64, limit: Duration) -> Output {
    use std::process::Stdio;
    let started = Instant::now();
    let (stdout, stderr) = (w.path("limited.stdout"), w.path("limited.stderr"));
    // `exec`: the child is tonghop itself, so killing it kills tonghop.
    let mut child = w
        .with_form(&mut std::process::Command::new("sh"))
        .arg("-c")
        .arg(format!(
            "ulimit -v {} && exec \"$0\" \"$@\"",
            limit_mib * 1024
        ))
        .arg(env!("CARGO_BIN_EXE_tonghop"))
        .args(args)
        .current_dir(w.dir.path())
        .stdin(Stdio::null())
        .stdout(std::fs::File::create(&stdout).unwrap())
        .stderr(std::fs::File::create(&stderr).unwrap())
        .spawn()
        .expect("sh runs");
    let status = wait_or_kill(
        &mut child,
        started,
        limit,
        &format!("tonghop {args:?} still running after {limit:?}: killed"),
    );
    eprintln!(
        "tonghop {args:?} under {limit_mib} MiB: {:?}",
        started.elapsed()
    );
    let out = Output {
        status,
        stdout: std::fs::read(&stdout).unwrap(),
        stderr: std::fs::read(&stderr).unwrap(),
    };
    std::fs::remove_file(stdout).unwrap();
    std::fs::remove_file(stderr).unwrap();
    out
}

/// `run inbox --out out --quiet --jobs 2` under 1 GiB and 30 s ([`run_limited`]),
/// insisting on the exit code, and the batch went on: the report, and how long the run
/// took.
fn run_bounded(w: &Workdir, code: i32) -> (Value, Duration) {
    let started = Instant::now();
    let out = run_limited(
        w,
        &run_args("inbox", "out", &["--jobs", "2"]),
        1024,
        Duration::from_secs(30),
    );
    let took = started.elapsed();
    assert_eq!(out.status.code(), Some(code), "{}", show(&out));
    let report = w.report("out");
    batch_went_on(&report);
    (report, took)
}
