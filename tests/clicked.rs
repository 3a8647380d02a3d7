//! Started with no arguments (a double-click) or with one folder (dropped onto the
//! program): the main job with defaults, into a dated folder beside the inbox
//! (src/cmd/clicked.rs). "Beside the program" is pointed at a folder of the test through
//! `TONGHOP_TEST_EXE_DIR`, the day fixed through `TONGHOP_TODAY`.

use crate::common::*;
use std::path::Path;
use std::process::{Output, Stdio};
use std::time::{Duration, Instant};

const TODAY: &str = "2026-12-03";
const OUT: &str = "ket-qua-2026-12-03";
const SAMPLES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/samples");

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        if e.file_type().unwrap().is_dir() {
            copy_dir(&e.path(), &to.join(e.file_name()));
        } else {
            std::fs::copy(e.path(), to.join(e.file_name())).unwrap();
        }
    }
}

/// tonghop with `args` in the work folder, the program's folder being `exe_dir`, its
/// standard input a pipe kept open: a run that waited for Enter would hang, and fails
/// the test after a minute instead.
fn clicked(w: &Workdir, args: &[&str], exe_dir: &Path, env: &[(&str, &str)]) -> Output {
    let mut cmd = w.command(args);
    cmd.env("TONGHOP_TODAY", TODAY)
        .env("TONGHOP_TEST_EXE_DIR", exe_dir)
        .env_remove("TONGHOP_LANG")
        .envs(env.iter().copied())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = cmd.spawn().expect("tonghop starts");
    let stdin = child.stdin.take();
    let started = Instant::now();
    wait_or_kill(
        &mut child,
        started,
        Duration::from_secs(60),
        "tonghop still running after 60 s: it waits for a key with no terminal",
    );
    drop(stdin);
    child.wait_with_output().unwrap()
}

fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// The codes of the units a report.json says were returned.
fn returned_units(report: &serde_json::Value) -> Vec<String> {
    submissions(report)
        .iter()
        .filter(|s| s["status"] == "rejected")
        .map(|s| s["unit"].as_str().unwrap().to_string())
        .collect()
}

#[test]
fn a_folder_dropped_onto_the_program_runs_the_job_into_a_dated_folder_beside_it() {
    let w = Workdir::official();
    // As Explorer gives it: absolute, with a space and diacritics.
    let inbox = w.path("Báo cáo 6 tháng");
    copy_dir(Path::new(SAMPLES), &inbox);
    let before = tree(&inbox);
    // The same inbox through `run`, its archive elsewhere so both start from none.
    let reference = w.run(&[
        "run",
        inbox.to_str().unwrap(),
        "--out",
        "ref",
        "--quiet",
        "--archive",
        "ref.sqlite",
    ]);
    let exe_dir = w.path("chuong-trinh");
    std::fs::create_dir(&exe_dir).unwrap();
    let out = clicked(&w, &[inbox.to_str().unwrap()], &exe_dir, &[]);
    assert_eq!(out.status.code(), reference.status.code(), "{}", show(&out));
    assert_eq!(out.status.code(), Some(1), "{}", show(&out));
    let dir = w.path(OUT);
    assert!(dir.join("tong-hop.xlsx").is_file() && dir.join("report.json").is_file());
    assert_eq!(
        tree(&dir),
        tree(&w.path("ref")),
        "the same files as `run` writes"
    );
    // The archive is run's default: beside the output folder.
    assert!(w.path("tonghop-luu-tru.sqlite").is_file());
    assert_eq!(tree(&inbox), before, "nothing written into the inbox");
    assert!(tree(&exe_dir).is_empty(), "nothing beside the program");
    // The summary names the returned units and ends with the workbook's full path.
    let text = stdout(&out);
    let report = w.report(OUT);
    let returned = returned_units(&report);
    assert_eq!(returned, returned_units(&w.report("ref")));
    assert_eq!(returned.len(), 10, "{returned:?}");
    for code in &returned {
        assert!(text.contains(&format!("  {code} ")), "{code} in:\n{text}");
    }
    let workbook = dir.join("tong-hop.xlsx");
    let last = text.lines().last().unwrap_or("");
    assert_eq!(
        last,
        format!("Bảng tổng hợp: {}", workbook.display()),
        "{text}"
    );
    assert!(text.contains("Kết quả: 39 đã nhận, 10 trả lại"), "{text}");
    assert!(
        text.contains(&format!("Thư mục bài nộp: {}", inbox.display())),
        "{text}"
    );
    assert!(
        !text.contains("Nhấn Enter"),
        "no wait without a console:\n{text}"
    );
    assert!(!stderr(&out).contains("panicked"), "{}", stderr(&out));
}

#[test]
fn no_arguments_runs_on_the_inbox_beside_the_program() {
    let w = Workdir::official();
    let exe_dir = w.path("Tổng hợp");
    copy_dir(Path::new(SAMPLES), &exe_dir.join("bai-nop"));
    let out = clicked(&w, &[], &exe_dir, &[]);
    assert_eq!(out.status.code(), Some(1), "{}", show(&out));
    let dir = exe_dir.join(OUT);
    assert!(dir.join("tong-hop.xlsx").is_file(), "{}", show(&out));
    assert_eq!(
        returned_units(&w.report(&format!("Tổng hợp/{OUT}"))).len(),
        10
    );
    assert!(exe_dir.join("tonghop-luu-tru.sqlite").is_file());
    // The folder it was started from is not where anything goes.
    let mut top: Vec<_> = files_in(w.dir.path());
    top.retain(|p| p != &exe_dir);
    assert!(top.is_empty(), "{top:?}");
    assert!(
        stdout(&out).ends_with(&format!(
            "Bảng tổng hợp: {}\n",
            dir.join("tong-hop.xlsx").display()
        )),
        "{}",
        show(&out)
    );
}

#[test]
fn no_arguments_and_no_inbox_says_what_to_do_and_creates_nothing() {
    let w = Workdir::official();
    let exe_dir = w.path("prog");
    std::fs::create_dir(&exe_dir).unwrap();
    let out = clicked(&w, &[], &exe_dir, &[]);
    assert_eq!(out.status.code(), Some(2), "{}", show(&out));
    let err = stderr(&out);
    let inbox = exe_dir.join("bai-nop");
    for said in [
        format!("không tìm thấy thư mục bài nộp {}", inbox.display()),
        "Tạo thư mục bai-nop cạnh tonghop".to_string(),
        "Kéo thư mục chứa các bảng tính đó và thả lên tonghop".to_string(),
        "ket-qua-<năm-tháng-ngày>".to_string(),
        "tonghop --help".to_string(),
    ] {
        assert!(err.contains(&said), "{said} in:\n{err}");
    }
    assert!(stdout(&out).is_empty(), "{}", show(&out));
    assert!(tree(&exe_dir).is_empty() && !inbox.exists());
    assert_eq!(files_in(w.dir.path()), vec![exe_dir.clone()]);
    // TONGHOP_LANG is the only language setting of this mode.
    let out = clicked(&w, &[], &exe_dir, &[("TONGHOP_LANG", "en")]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("no inbox folder") && stderr(&out).contains("tonghop --help"),
        "{}",
        show(&out)
    );
}

#[test]
fn a_second_click_the_same_day_writes_a_new_folder_and_leaves_the_first() {
    let w = Workdir::official();
    w.samples("nop", &["--units", "3", "--faults", "0"]);
    let inbox = w.path("nop");
    let exe_dir = w.path("prog");
    std::fs::create_dir(&exe_dir).unwrap();
    let first = clicked(&w, &[inbox.to_str().unwrap()], &exe_dir, &[]);
    let code = first.status.code();
    assert!(matches!(code, Some(0 | 1)), "{}", show(&first));
    let report = w.path(&format!("{OUT}/report.json"));
    let sha = sha256(&report);
    let second = clicked(&w, &[inbox.to_str().unwrap()], &exe_dir, &[]);
    assert_eq!(second.status.code(), code, "{}", show(&second));
    let again = w.path(&format!("{OUT}-2"));
    assert!(again.join("tong-hop.xlsx").is_file(), "{}", show(&second));
    assert!(
        stdout(&second).contains(&format!("Kết quả ghi vào: {}", again.display())),
        "{}",
        show(&second)
    );
    assert_eq!(sha256(&report), sha, "the first result is untouched");
    // Another day, its own folder; the folder typed relative, as from `cmd`, is said
    // by its full path.
    let third = clicked(&w, &["nop"], &exe_dir, &[("TONGHOP_TODAY", "2026-12-04")]);
    assert_eq!(third.status.code(), code, "{}", show(&third));
    assert!(w.path("ket-qua-2026-12-04/tong-hop.xlsx").is_file());
    assert!(
        stdout(&third).contains(&format!("Thư mục bài nộp: {}\n", inbox.display())),
        "{}",
        show(&third)
    );
    assert!(!w.path(&format!("{OUT}-3")).exists());
}

#[test]
fn a_command_name_a_file_or_an_option_alone_is_still_the_command_line() {
    let w = Workdir::official();
    // A folder named as a command: the command wins, as before (`samples` wants --out).
    copy_dir(Path::new(SAMPLES), &w.path("samples"));
    let exe_dir = w.path("prog");
    std::fs::create_dir(&exe_dir).unwrap();
    let out = clicked(&w, &["samples"], &exe_dir, &[]);
    assert_eq!(out.status.code(), Some(2), "{}", show(&out));
    assert!(stderr(&out).contains("thiếu --out"), "{}", show(&out));
    // A file, or a folder that does not exist: clap's error, as before.
    let file = w.path("samples/CAT.xlsx");
    for arg in [file.to_str().unwrap(), "khong-co-thu-muc-nay"] {
        let out = clicked(&w, &[arg], &exe_dir, &[]);
        assert_eq!(out.status.code(), Some(2), "{}", show(&out));
        assert!(
            stderr(&out).contains(&format!("lỗi: không có lệnh '{arg}'")),
            "{}",
            show(&out)
        );
    }
    let out = clicked(&w, &["--help"], &exe_dir, &[]);
    assert_eq!(out.status.code(), Some(0), "{}", show(&out));
    assert!(
        stdout(&out).contains("Cách dùng: tonghop"),
        "{}",
        show(&out)
    );
    // A folder with anything after it is a command line too.
    let samples = w.path("samples");
    let out = clicked(
        &w,
        &[samples.to_str().unwrap(), "--lang", "en"],
        &exe_dir,
        &[],
    );
    assert_eq!(out.status.code(), Some(2), "{}", show(&out));
    assert!(
        !w.dir.path().read_dir().unwrap().any(|e| e
            .unwrap()
            .file_name()
            .to_string_lossy()
            .starts_with("ket-qua")),
        "no run happened"
    );
}

#[test]
fn a_previous_result_dropped_by_mistake_is_refused() {
    let w = Workdir::official();
    w.samples("nop", &["--units", "3", "--faults", "0"]);
    let exe_dir = w.path("prog");
    std::fs::create_dir(&exe_dir).unwrap();
    let inbox = w.path("nop");
    let first = clicked(&w, &[inbox.to_str().unwrap()], &exe_dir, &[]);
    assert!(
        matches!(first.status.code(), Some(0 | 1)),
        "{}",
        show(&first)
    );
    let result = w.path(OUT);
    let out = clicked(&w, &[result.to_str().unwrap()], &exe_dir, &[]);
    assert_eq!(out.status.code(), Some(2), "{}", show(&out));
    assert!(
        stderr(&out).contains("là thư mục kết quả của một lần tổng hợp trước"),
        "{}",
        show(&out)
    );
    assert!(!w.path(&format!("{OUT}-2")).exists());
}

#[test]
fn a_run_that_cannot_start_says_why_in_vietnamese_and_leaves_no_empty_folder() {
    let w = Workdir::official();
    w.samples("nop", &["--units", "3", "--faults", "0"]);
    w.put("sai.toml", b"[form]\nid = 'x'\n");
    let exe_dir = w.path("prog");
    std::fs::create_dir(&exe_dir).unwrap();
    let inbox = w.path("nop");
    let form = w.path("sai.toml");
    let out = clicked(
        &w,
        &[inbox.to_str().unwrap()],
        &exe_dir,
        &[("TONGHOP_FORM", form.to_str().unwrap())],
    );
    assert_eq!(out.status.code(), Some(2), "{}", show(&out));
    assert!(
        stderr(&out).contains("tonghop: tệp đặc tả biểu mẫu"),
        "{}",
        show(&out)
    );
    assert!(!w.path(OUT).exists(), "the empty output folder is removed");
    assert!(!w.path("tonghop-luu-tru.sqlite").exists());
}
