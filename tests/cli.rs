//! The command line as a clerk meets it: help and mistakes in Vietnamese by default,
//! English with `--lang en` or `TONGHOP_LANG=en`, and the period typed as the
//! province's letters write it.

use crate::common::{Workdir, show};

fn stdout(out: &std::process::Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn stderr(out: &std::process::Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// clap's English words that must not reach a clerk reading the Vietnamese help.
const CLAP_ENGLISH: [&str; 7] = [
    "Usage:",
    "Options:",
    "Arguments:",
    "Commands:",
    "Print help",
    "[default:",
    "[OPTIONS]",
];

#[test]
fn help_of_every_command_is_vietnamese_and_exits_0() {
    let w = Workdir::new();
    for args in [
        &["--help"][..],
        &["-h"],
        &["run", "--help"],
        &["check", "--help"],
        &["template", "--help"],
        &["describe", "--help"],
        &["samples", "--help"],
        &["bench", "--help"],
    ] {
        let out = w.run_expect(args, 0);
        let help = stdout(&out);
        assert!(help.contains("Cách dùng: tonghop"), "{args:?}:\n{help}");
        assert!(help.contains("Tuỳ chọn"), "{args:?}:\n{help}");
        for en in CLAP_ENGLISH {
            assert!(!help.contains(en), "{args:?}: {en} in\n{help}");
        }
    }
    let help = stdout(&w.run_expect(&["run", "--help"], 0));
    assert!(help.contains("Thư mục kết quả"), "{help}");
    assert!(help.contains("6 tháng đầu năm 2026"), "{help}");
    assert!(help.contains("[mặc định: 50]"), "{help}");
    let out = w.run_expect(&["--version"], 0);
    assert!(stdout(&out).starts_with("tonghop "), "{}", show(&out));
}

#[test]
fn english_help_with_lang_en_anywhere_or_the_environment() {
    let w = Workdir::new();
    for args in [
        &["--lang", "en", "--help"][..],
        &["--help", "--lang=en"],
        &["run", "--help", "--lang", "en"],
    ] {
        let help = stdout(&w.run_expect(args, 0));
        assert!(help.contains("Usage: tonghop"), "{args:?}:\n{help}");
        assert!(!help.contains("Cách dùng"), "{args:?}:\n{help}");
    }
    let out = w.run_expect_env(&["run", "--help"], &[("TONGHOP_LANG", "en")], 0);
    assert!(stdout(&out).contains("Output folder"), "{}", show(&out));
    // The command line wins over the environment.
    let out = w.run_expect_env(&["--lang", "vi", "--help"], &[("TONGHOP_LANG", "en")], 0);
    assert!(stdout(&out).contains("Cách dùng"), "{}", show(&out));
}

#[test]
fn a_mistyped_flag_is_said_in_vietnamese_naming_it_with_exit_2() {
    let w = Workdir::new();
    let out = w.run_expect(&["run", "--bogus"], 2);
    let err = stderr(&out);
    assert!(err.contains("lỗi: không có tuỳ chọn '--bogus'"), "{err}");
    assert!(err.contains("Cách dùng: tonghop run"), "{err}");
    assert!(err.contains("Xem thêm: tonghop run --help"), "{err}");
    for en in [
        "error:",
        "unexpected argument",
        "Usage:",
        "For more information",
    ] {
        assert!(!err.contains(en), "{en} in {err}");
    }
    assert!(out.stdout.is_empty(), "{}", show(&out));
    // A near miss is suggested; a missing value and a value out of range are named.
    let err = stderr(&w.run_expect(&["runn"], 2));
    assert!(
        err.contains("không có lệnh 'runn'") && err.contains("'run'"),
        "{err}"
    );
    let err = stderr(&w.run_expect(&["run", "inbox"], 2));
    assert!(err.contains("thiếu --out"), "{err}");
    let err = stderr(&w.run_expect(&["bench", "--repeat", "0"], 2));
    assert!(
        err.contains("--repeat") && err.contains("1 đến 100"),
        "{err}"
    );
    let err = stderr(&w.run_expect(&["check", "x", "--lang", "fr"], 2));
    assert!(err.contains("'fr'") && err.contains("vi, en"), "{err}");
    // In English, clap's own words.
    let err = stderr(&w.run_expect(&["run", "--bogus", "--lang", "en"], 2));
    assert!(err.contains("unexpected argument '--bogus'"), "{err}");
}

#[test]
fn io_and_period_errors_are_vietnamese_and_english_on_request() {
    let w = Workdir::new();
    std::fs::write(w.path("file"), "x").unwrap();
    let err = stderr(&w.run_expect(&["template", "--out", "file/blank.xlsx"], 2));
    assert!(
        err.contains("không ghi được 'file/blank.xlsx'") && err.contains("mã lỗi hệ thống"),
        "{err}"
    );
    assert!(
        !err.contains("File exists") && !err.contains("os error"),
        "{err}"
    );
    let err = stderr(&w.run_expect(&["check", "nowhere"], 2));
    assert!(err.contains("không tìm thấy 'nowhere'"), "{err}");
    assert!(!err.contains("neither"), "{err}");
    let err = stderr(&w.run_expect(&["check", "nowhere", "--lang", "en"], 2));
    assert!(
        err.contains("'nowhere' is neither a file nor a folder"),
        "{err}"
    );
    let err = stderr(&w.run_expect(&["run", "nowhere", "--out", "o"], 2));
    assert!(err.contains("thư mục bài nộp 'nowhere'"), "{err}");
    let err = stderr(&w.run_expect(&["run", "x", "--out", "o", "--period", "hôm qua"], 2));
    assert!(
        err.contains("không hiểu kỳ báo cáo") && err.contains("6 tháng đầu năm 2026"),
        "{err}"
    );
    let err = stderr(&w.run_expect(
        &[
            "run", "x", "--out", "o", "--period", "hôm qua", "--lang", "en",
        ],
        2,
    ));
    assert!(err.contains("is not a period"), "{err}");
}

#[test]
fn the_period_as_a_clerk_types_it_runs() {
    let w = Workdir::new();
    w.samples("inbox", &[]);
    let expected = w.run_report("inbox", "out0", &["--period", "01/01/2026..30/06/2026"], 0);
    for (i, period) in [
        "1/1/2026-30/6/2026",
        "01/01/2026 - 30/06/2026",
        "01/01/2026 – 30/06/2026",
        "6 tháng đầu năm 2026",
    ]
    .iter()
    .enumerate()
    {
        let out = format!("out{}", i + 1);
        let report = w.run_report("inbox", &out, &["--period", period], 0);
        assert_eq!(
            report["submissions"], expected["submissions"],
            "{period} read differently"
        );
    }
    // A period that is not the one the submissions say: each is a PERIOD error.
    let report = w.run_report("inbox", "outq", &["--period", "quý 2/2026"], 1);
    let subs = report["submissions"].as_array().unwrap();
    assert!(
        subs.iter()
            .all(|s| crate::common::rules_of(s).contains(&"PERIOD".to_string())),
        "quý 2/2026 is 01/04–30/06, not the samples' half-year"
    );
}

#[test]
fn the_summary_of_samples_is_vietnamese() {
    let w = Workdir::new();
    let out = w.run_expect(&["samples", "--out", "s", "--units", "3"], 0);
    let said = stdout(&out);
    assert!(said.starts_with("Đã ghi 3 tệp, 0 lỗi"), "{said}");
    let out = w.run_expect(
        &["samples", "--out", "s2", "--units", "3", "--lang", "en"],
        0,
    );
    assert!(
        stdout(&out).starts_with("3 files, 0 faults written to"),
        "{}",
        show(&out)
    );
}

#[test]
fn completions_and_the_manual_page_come_from_the_same_definitions() {
    let w = Workdir::new();
    for shell in ["bash", "zsh", "fish", "powershell", "elvish"] {
        let script = stdout(&w.run_expect(&["completions", shell], 0));
        assert!(
            script.contains("period") && script.contains("max-memory-mib"),
            "{shell}: {script}"
        );
    }
    let zsh = stdout(&w.run_expect(&["completions", "zsh"], 0));
    assert!(
        zsh.contains("Thư mục kết quả"),
        "descriptions in Vietnamese"
    );
    let err = stderr(&w.run_expect(&["completions", "tcsh"], 2));
    assert!(err.contains("'tcsh'") && err.contains("bash"), "{err}");
    let man = stdout(&w.run_expect(&["man"], 0));
    assert!(
        man.starts_with(".ie") && man.contains(".TH tonghop 1"),
        "{man}"
    );
    assert!(
        man.contains("run") && man.contains("In số phiên bản"),
        "{man}"
    );
    w.run_expect(&["man", "--out", "man"], 0);
    for page in [
        "tonghop.1",
        "tonghop-run.1",
        "tonghop-check.1",
        "tonghop-samples.1",
    ] {
        let text = std::fs::read_to_string(w.path("man").join(page)).unwrap();
        assert!(text.contains(".TH"), "{page}");
    }
    let run = std::fs::read_to_string(w.path("man/tonghop-run.1")).unwrap();
    assert!(run.contains("include\\-invalid"), "{run}");
}

#[test]
fn check_prints_no_colour_into_a_pipe() {
    // A terminal gets coloured severities; a pipe or a file (a clerk's `> loi.txt`)
    // gets plain text whatever NO_COLOR says.
    let w = Workdir::new();
    w.samples(
        "inbox",
        &["--units", "3", "--faults", "2", "--faulty-units", "3"],
    );
    let out = w.run_expect(&["check", "inbox"], 1);
    let said = stdout(&out);
    assert!(said.contains("lỗi"), "{said}");
    assert!(!said.contains('\u{1b}'), "{said:?}");
}

#[test]
fn describe_speaks_the_clerks_language() {
    let w = Workdir::official();
    let vi = stdout(&w.run_expect(&["describe"], 0));
    assert!(
        vi.starts_with("Biểu mẫu phat-trien-dang-vien phiên bản"),
        "{vi}"
    );
    assert!(
        vi.contains("\nĐơn vị (") && vi.contains("\nQuy tắc kiểm tra:"),
        "{vi}"
    );
    for en in ["Units (", "Input cells", "Rules:", "lines found by code"] {
        assert!(!vi.contains(en), "{en} in the Vietnamese description");
    }
    let en = stdout(&w.run_expect(&["describe", "--lang", "en"], 0));
    assert!(en.starts_with("Form phat-trien-dang-vien version"), "{en}");
    assert!(en.contains("\nRules:\n"), "{en}");
}
