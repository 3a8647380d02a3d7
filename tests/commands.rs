//! The commands around the main job, and what every command owes a shell: the blank
//! form (`template`), the form's input map (`describe`), the README's rule tables, exit
//! codes and errors that name the thing, and a quiet exit when the reader of the output
//! goes away (`| head`).

use crate::common::{Workdir, cells, has_finding, rules_of, sheet_names, text, wait_or_kill};

#[test]
fn exit_codes_and_nothing_written_when_the_run_cannot_proceed() {
    let w = Workdir::new();
    w.samples("inbox", &[]);
    // A bad form specification: exit 2, the key named, nothing written.
    std::fs::write(
        w.path("bad.toml"),
        tonghop::form::DEFAULT_SPEC.replace("cell = \"C10\"", "cell = \"C0\""),
    )
    .unwrap();
    let out = w.run_expect(&["run", "inbox", "--out", "out1", "--form", "bad.toml"], 2);
    assert!(String::from_utf8_lossy(&out.stderr).contains("C0"));
    assert!(!w.path("out1").exists());
    // A missing inbox.
    w.run_expect(&["run", "nowhere", "--out", "out2"], 2);
    assert!(!w.path("out2").exists());
    // An output path that is a file.
    std::fs::write(w.path("file"), "x").unwrap();
    w.run_expect(&["run", "inbox", "--out", "file/out"], 2);
    // The cause is said once, after the output it stopped.
    let out = w.run_expect(&["template", "--out", "file/blank.xlsx"], 2);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("'file/blank.xlsx'"), "{err}");
    assert_eq!(err.matches("mã lỗi hệ thống").count(), 1, "{err}");
    let out = w.run_expect(&["run", "inbox", "--out", "out4", "--form", "none.toml"], 2);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("'none.toml'"), "{err}");
    assert_eq!(err.matches("mã lỗi hệ thống").count(), 1, "{err}");
    // A bad period.
    w.run_expect(
        &[
            "run",
            "inbox",
            "--out",
            "out3",
            "--period",
            "30/06/2026..01/01/2026",
        ],
        2,
    );
    assert!(!w.path("out3").exists());
}

#[test]
fn blank_template_is_the_committed_one_and_checks_as_incomplete() {
    let w = Workdir::official();
    w.run_expect(&["template", "--out", "blank.xlsx"], 0);
    let committed = std::fs::read(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/templates/phat-trien-dang-vien.xlsx"
    ))
    .unwrap();
    assert_eq!(
        std::fs::read(w.path("blank.xlsx")).unwrap(),
        committed,
        "templates/phat-trien-dang-vien.xlsx is stale: run `tonghop template --out templates/phat-trien-dang-vien.xlsx`"
    );
    let report = w.run_json(&["check", "blank.xlsx", "--json"], 1);
    let sub = &report["submissions"][0];
    assert_eq!(sub["status"], "unknown_unit");
    assert!(
        has_finding(sub, "REQ", "Biểu 1", Some("C6")),
        "{:?}",
        sub["findings"]
    );
    // Blank is not zero: no rule but REQ/UNIT fires on an empty form.
    assert!(
        rules_of(sub).iter().all(|r| r == "REQ" || r == "UNIT"),
        "{:?}",
        rules_of(sub)
    );
}

/// The blank form reads as the official forms print: instructions first (with the
/// deadline and whom to ask, from the specification), each form headed by the reporting
/// body and its number, signed under its last row, and none of it read as a figure.
#[test]
fn the_blank_form_has_instructions_a_heading_and_signatures() {
    let w = Workdir::official();
    w.run_expect(&["template", "--out", "blank.xlsx"], 0);
    let blank = w.path("blank.xlsx");
    let names = sheet_names(&blank);
    assert_eq!(names[0], "Hướng dẫn", "{names:?}");
    assert_eq!(names[1], "Thông tin", "{names:?}");
    let guide = cells(&blank, "Hướng dẫn");
    let lines: Vec<&str> = (3..30u32)
        .filter_map(|r| text(guide.get(&(r, 1))))
        .collect();
    assert!(lines.len() >= 8, "{lines:?}");
    assert!(
        lines.iter().any(|l| l.contains("ngay trên dòng Tổng cộng")),
        "where to insert rows: {lines:?}"
    );
    assert!(
        lines
            .iter()
            .any(|l| l.starts_with("Thời hạn gửi báo cáo: chậm nhất 20 ngày")),
        "the deadline of [form] deadline_days: {lines:?}"
    );
    assert!(
        lines
            .iter()
            .any(|l| l.contains("Ban Tổ chức Tỉnh ủy Điện Biên")),
        "the contact: {lines:?}"
    );
    // Biểu 1: the body over the table, then under D (row 22) the date and signatures.
    let b1 = cells(&blank, "Biểu 1");
    assert_eq!(text(b1.get(&(1, 0))), Some("ĐẢNG BỘ ……………\nSố ……-BC/ĐU"));
    // The unit writes its own place by hand.
    assert_eq!(
        text(b1.get(&(23, 2))),
        Some("……………, ngày …… tháng …… năm ……")
    );
    assert_eq!(text(b1.get(&(24, 0))), Some("NGƯỜI LẬP BIỂU"));
    // What the form can compute it computes: the admissions of Biểu 1 and Biểu 2 from
    // the Kết nạp total (row 19), Biểu 3's members from Biểu 1's D (row 22).
    use calamine::Reader;
    let mut wb = calamine::open_workbook_auto(&blank).unwrap();
    for (sheet, cell, formula) in [
        ("Biểu 1", (7, 2), "'Kết nạp'!E19"),
        ("Biểu 2", (5, 2), "'Kết nạp'!E19"),
        ("Biểu 2", (6, 2), "'Kết nạp'!F19"),
        ("Biểu 2", (5, 3), "'Biểu 1'!D8"),
        ("Biểu 3", (5, 2), "'Biểu 1'!C22"),
        ("Biểu 3", (5, 3), "'Biểu 1'!D22"),
    ] {
        let f = wb.worksheet_formula(sheet).unwrap();
        assert_eq!(
            f.get_value(cell).map(String::as_str),
            Some(formula),
            "{sheet} {cell:?}"
        );
    }
    assert_eq!(text(b1.get(&(24, 2))), Some("T/M BAN THƯỜNG VỤ"));
    // Kết nạp: under its Tổng cộng row (row 19), which rows inserted push down.
    let adm = cells(&blank, "Kết nạp");
    assert_eq!(text(adm.get(&(18, 1))), Some("Tổng cộng"));
    assert_eq!(
        text(adm.get(&(20, 4))),
        Some("……………, ngày …… tháng …… năm ……")
    );
    assert_eq!(text(adm.get(&(21, 0))), Some("NGƯỜI LẬP BIỂU"));
    // The province's own report is sent by the Organisation Board and signed by its
    // head, with the board's number, place and date.
    w.samples("inbox", &["--units", "3"]);
    w.run_expect(&["run", "inbox", "--out", "kq", "--no-archive"], 0);
    let up = cells(&w.path("kq/bao-cao-11.xlsx"), "Biểu 1");
    assert_eq!(
        text(up.get(&(1, 0))),
        Some("TỈNH ỦY ĐIỆN BIÊN\nBAN TỔ CHỨC\nSố ……-BC/BTCTU")
    );
    assert_eq!(text(up.get(&(24, 2))), Some("TRƯỞNG BAN"));
    let dated = text(up.get(&(23, 2))).unwrap_or_default();
    assert!(
        dated.starts_with("Điện Biên, ngày ") && !dated.contains('…'),
        "{dated}"
    );
}

#[test]
fn describe_json_has_the_input_map() {
    let w = Workdir::new();
    let d = w.run_json(&["describe", "--json"], 0);
    assert_eq!(d["form"]["id"], "phat-trien-dang-vien");
    assert_eq!(d["units"].as_array().unwrap().len(), 15);
    let cell = d["cells"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["key"] == "members_end")
        .unwrap();
    assert_eq!(
        (
            cell["sheet"].as_str(),
            cell["cell"].as_str(),
            cell["type"].as_str()
        ),
        (Some("Đảng viên"), Some("C10"), Some("count"))
    );
    let t = &d["tables"][0];
    assert_eq!(t["key"], "admissions");
    assert_eq!(t["total_label"], "Tổng cộng");
    let codes: Vec<&str> = d["rules"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["code"].as_str().unwrap())
        .collect();
    for c in [
        "INT", "RANGE", "REQ", "SUM", "PART", "BALANCE", "PCT", "XSHEET", "UNIT", "PERIOD",
    ] {
        assert!(codes.contains(&c), "{c} missing from {codes:?}");
    }
}

#[test]
fn readme_rule_tables_are_the_codes_own_documentation() {
    use tonghop::cmd::describe::{builtin_table, rules_table};
    let readme =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md")).unwrap();
    let form = tonghop::form::Form::default_form().unwrap();
    for (what, table) in [
        ("the default form's rules", rules_table(&form)),
        ("the built-in codes", builtin_table()),
        ("the rule kinds", tonghop::rules::kinds_table()),
    ] {
        assert!(
            readme.contains(&table),
            "README.md's table of {what} differs from the code; `tonghop describe --markdown` prints it:\n{table}"
        );
    }
}

#[test]
fn a_closed_pipe_ends_check_quietly() {
    // `tonghop check samples --json | head -c1`: the reader takes one byte and goes. The
    // shipped samples make far more JSON than a pipe holds (64 KiB on Linux), so tonghop
    // is still writing when the pipe closes, and its next write fails with EPIPE: that
    // must end it with exit 0 and no panic, as `head` expects of any command.
    use std::io::Read;
    use std::process::Stdio;
    use std::time::{Duration, Instant};
    let w = Workdir::official();
    let samples = concat!(env!("CARGO_MANIFEST_DIR"), "/samples");
    let stderr = w.path("stderr.txt");
    let mut child = w
        .command(&["check", samples, "--json"])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(std::fs::File::create(&stderr).unwrap())
        .spawn()
        .expect("tonghop starts");
    let started = Instant::now();
    let mut pipe = child.stdout.take().unwrap();
    let mut byte = [0u8; 1];
    pipe.read_exact(&mut byte)
        .expect("tonghop writes something before the pipe closes");
    assert_eq!(&byte, b"{");
    drop(pipe);
    let status = wait_or_kill(
        &mut child,
        started,
        Duration::from_secs(60),
        "tonghop still running 60 s after its reader went away",
    );
    let err = std::fs::read_to_string(&stderr).unwrap();
    assert!(!err.contains("panicked"), "{err}");
    assert!(status.success(), "{status}; stderr:\n{err}");
    assert!(err.is_empty(), "{err}");
}
