//! Deadlines and the chasing list: each unit's standing against the deadline (from the
//! date of report on its form, never the file's time) in the status sheet and
//! report.json; the units to chase in the *Đôn đốc* sheet, in OUT/don-doc.csv and at the
//! end of `run`'s summary.
//!
//! The story: five units of the official form send their reports for the first half of
//! 2026, due 20 days after it (20/07/2026); the run is on 05/08/2026 (`TONGHOP_TODAY`).
//! MUONGNHE is on time, SINTHAU dated 25/07 (5 days late), MUONGTOONG's movement does not
//! balance (returned), NAMKE left its date of report blank (returned, undated), QUANGLAM
//! dated its report 10/08, after the day of the run. The other 44 units sent nothing.

use crate::common::{Workdir, cells, figure, run_args, sheet_names, show, submission, text};
use crate::hostile::edit::{Cell, Pkg};
use calamine::Data;
use chrono::NaiveDate;
use serde_json::{Value, json};

const PERIOD: [&str; 2] = ["--period", "6 tháng đầu năm 2026"];
const TODAY: (&str, &str) = ("TONGHOP_TODAY", "2026-08-05");
const INFO: &str = "Thông tin";
const BIEU_1: &str = "Biểu 1";
/// The date of report on the official form's Thông tin sheet.
const REPORT_DATE: &str = "C12";
const CHASING: &str = "Đôn đốc";
const STATUS: &str = "Tình trạng nộp";

/// Excel's serial of a day (1900 system, past its phantom leap day).
fn serial(y: i32, m: u32, d: u32) -> f64 {
    let epoch = NaiveDate::from_ymd_opt(1899, 12, 30).unwrap();
    (NaiveDate::from_ymd_opt(y, m, d).unwrap() - epoch).num_days() as f64
}

/// The five units' files in `inbox`, as the story has them.
fn story(w: &Workdir) {
    w.samples("made", &["--units", "5", "--rows", "4", "--seed", "11"]);
    let read =
        |code: &str| Pkg::open(&std::fs::read(w.path(&format!("made/{code}.xlsx"))).unwrap());
    let put = |code: &str, p: &Pkg| {
        w.put(&format!("inbox/{code}.xlsx"), &p.bytes());
    };
    let mut p = read("MUONGNHE");
    p.cell(INFO, REPORT_DATE, Cell::Number(serial(2026, 7, 10)));
    put("MUONGNHE", &p);
    let mut p = read("SINTHAU");
    p.cell(INFO, REPORT_DATE, Cell::Number(serial(2026, 7, 25)));
    put("SINTHAU", &p);
    let mut p = read("MUONGTOONG");
    let d = p.number(BIEU_1, "C22");
    p.cell(BIEU_1, "C22", Cell::Number(d + 1.0)).cell(
        INFO,
        REPORT_DATE,
        Cell::Number(serial(2026, 7, 12)),
    );
    put("MUONGTOONG", &p);
    let mut p = read("NAMKE");
    p.cell(INFO, REPORT_DATE, Cell::Blank);
    put("NAMKE", &p);
    let mut p = read("QUANGLAM");
    p.cell(INFO, REPORT_DATE, Cell::Number(serial(2026, 8, 10)));
    put("QUANGLAM", &p);
}

/// `run` on the story's inbox into `out` with `extra`, on [`TODAY`]; its report.json.
fn run_story(w: &Workdir, out: &str, extra: &[&str]) -> Value {
    let mut args = PERIOD.to_vec();
    args.extend_from_slice(extra);
    w.run_expect_env(&run_args("inbox", out, &args), &[TODAY], 1);
    w.report(out)
}

/// A sheet's rows from `first` on, each as its cells' text (numbers as whole numbers),
/// up to the last non-empty row.
fn rows(path: &std::path::Path, sheet: &str, first: u32) -> Vec<Vec<String>> {
    let c = cells(path, sheet);
    let last = c.keys().map(|&(r, _)| r).max().unwrap_or(0);
    let width = c.keys().map(|&(_, k)| k).max().unwrap_or(0);
    (first..=last)
        .map(|r| {
            (0..=width)
                .map(|k| match c.get(&(r, k)) {
                    Some(Data::String(s)) => s.clone(),
                    Some(Data::Float(f)) => format!("{f}"),
                    Some(Data::Int(i)) => i.to_string(),
                    Some(d) => d.to_string(),
                    None => String::new(),
                })
                .collect()
        })
        .collect()
}

/// The row of `code` (column B) in `rows`.
fn row_of<'a>(rows: &'a [Vec<String>], code: &str) -> &'a [String] {
    rows.iter()
        .find(|r| r.get(1).map(String::as_str) == Some(code))
        .unwrap_or_else(|| panic!("{code} not in {rows:#?}"))
}

/// The status sheet's row of `code`'s kept file (or its missing line): the unit in
/// column B, date of report in I, standing in J, file time in K.
fn status_of(w: &Workdir, out: &str, code: &str) -> Vec<String> {
    let all = rows(&w.path(&format!("{out}/tong-hop.xlsx")), STATUS, 3);
    row_of(&all, code).to_vec()
}

/// A CSV text as records of fields: quotes as RFC 4180 has them, CRLF line ends.
fn parse_csv(text: &str) -> Vec<Vec<String>> {
    let mut records = Vec::new();
    let (mut record, mut field) = (Vec::new(), String::new());
    let (mut quoted, mut chars) = (false, text.chars().peekable());
    while let Some(ch) = chars.next() {
        match (quoted, ch) {
            (true, '"') if chars.peek() == Some(&'"') => {
                chars.next();
                field.push('"');
            }
            (true, '"') => quoted = false,
            (true, _) => field.push(ch),
            (false, '"') => quoted = true,
            (false, ',') => record.push(std::mem::take(&mut field)),
            (false, '\r') => {
                assert_eq!(chars.next(), Some('\n'), "a bare CR in {text:?}");
                record.push(std::mem::take(&mut field));
                records.push(std::mem::take(&mut record));
            }
            (false, '\n') => panic!("a bare LF in {text:?}"),
            (false, _) => field.push(ch),
        }
    }
    assert!(field.is_empty() && record.is_empty(), "no final CRLF");
    records
}

#[test]
fn each_unit_stands_against_the_deadline_by_its_date_of_report() {
    let w = Workdir::official();
    story(&w);
    // File times say nothing: every file was written just now, after the deadline.
    let report = run_story(&w, "out", &[]);
    assert_eq!(
        report["deadline"],
        json!({"date": "20/07/2026", "days_after_period": 20, "source": "form",
               "today": "05/08/2026", "passed": true})
    );
    let standing = |file: &str| submission(&report, file)["deadline"].clone();
    assert_eq!(
        standing("MUONGNHE.xlsx"),
        json!({"date": "10/07/2026", "status": "on_time", "days_late": 0})
    );
    assert_eq!(
        standing("SINTHAU.xlsx"),
        json!({"date": "25/07/2026", "status": "late", "days_late": 5})
    );
    assert_eq!(
        standing("NAMKE.xlsx"),
        json!({"date": null, "status": "undated", "days_late": null})
    );
    assert_eq!(
        standing("QUANGLAM.xlsx"),
        json!({"date": "10/08/2026", "status": "after_run_day", "days_late": null})
    );
    assert_eq!(submission(&report, "SINTHAU.xlsx")["status"], "accepted");
    assert_eq!(submission(&report, "MUONGTOONG.xlsx")["status"], "rejected");

    // The status sheet says the same, beside the file time it does not use.
    let on_time = status_of(&w, "out", "MUONGNHE");
    assert_eq!(on_time[8..10], ["10/07/2026", "Đúng hạn"]);
    assert!(
        !on_time[10].is_empty(),
        "the file time is shown: {on_time:?}"
    );
    assert_eq!(
        status_of(&w, "out", "SINTHAU")[8..10],
        ["25/07/2026", "Muộn 5 ngày"]
    );
    assert_eq!(
        status_of(&w, "out", "NAMKE")[8..10],
        ["", "Không có ngày báo cáo"]
    );
    assert_eq!(
        status_of(&w, "out", "QUANGLAM")[8..10],
        ["10/08/2026", "Ngày báo cáo sau ngày chạy"]
    );
    // A returned report's file is written for the clerk to send: not sent yet.
    let returned = status_of(&w, "out", "MUONGTOONG");
    assert!(
        returned.contains(&"Cần gửi trả tệp lỗi: tra-lai/MUONGTOONG.xlsx".to_string()),
        "{returned:?}"
    );
    let missing = status_of(&w, "out", "CAT");
    assert_eq!(missing[4], "Chưa nộp");
    assert_eq!(missing[9], "Chưa nộp, quá hạn 16 ngày");
    let head = rows(&w.path("out/tong-hop.xlsx"), STATUS, 2);
    assert_eq!(
        head[0][8..11],
        [
            "Ngày báo cáo",
            "Tình trạng hạn nộp",
            "Thời gian lưu tệp (chỉ để xem)"
        ]
    );
}

#[test]
fn the_chasing_sheet_lists_missing_returned_and_late_units_with_whom_to_call() {
    let w = Workdir::official();
    story(&w);
    let report = run_story(&w, "out", &[]);
    let book = w.path("out/tong-hop.xlsx");
    let names = sheet_names(&book);
    // The summary's sentences (Tóm tắt) come between the figures and the chasing list.
    assert_eq!(names[..3], ["Tổng hợp", "Tóm tắt", CHASING], "{names:?}");
    let all = rows(&book, CHASING, 0);
    assert_eq!(all[0][0], "DANH SÁCH ĐƠN VỊ CẦN ĐÔN ĐỐC");
    assert!(all[1][0].contains("Hạn nộp 20/07/2026"), "{:?}", all[1]);
    assert!(all[1][0].contains("Ngày lập 05/08/2026"), "{:?}", all[1]);
    assert_eq!(
        all[3],
        [
            "STT",
            "Mã",
            "Đơn vị",
            "Cần làm",
            "Số lỗi",
            "Người lập biểu",
            "Điện thoại",
            "Ngày báo cáo",
            "Tình trạng hạn nộp"
        ]
    );
    // The province's total says what it covers, and names what it leaves out.
    let summary = cells(&book, "Tổng hợp");
    let province = (0..200u32)
        .find(|&r| text(summary.get(&(r, 2))) == Some("TOÀN TỈNH"))
        .expect("a TOÀN TỈNH row");
    assert_eq!(text(summary.get(&(province, 3))), Some("3/49 đơn vị"));
    // Right of the repeated columns (code, name), which would print clipped pieces of it.
    let under = text(summary.get(&(province + 1, 3))).unwrap_or_default();
    assert!(
        under.starts_with("TOÀN TỈNH cộng 3/49 đơn vị; trả lại: Đảng bộ xã Mường Toong, Đảng bộ xã Nậm Kè; chưa nộp: ")
            && under.ends_with("và 34 đơn vị khác"),
        "{under}"
    );
    let body = &all[4..];
    // 44 missing, then the two returned, then the late one; the on-time unit and the one
    // dated after the run day (accepted) are not chased.
    assert_eq!(body.len(), 44 + 2 + 1, "{body:#?}");
    let codes: Vec<&str> = body.iter().map(|r| r[1].as_str()).collect();
    assert_eq!(codes[44..], ["MUONGTOONG", "NAMKE", "SINTHAU"]);
    assert!(!codes.contains(&"MUONGNHE") && !codes.contains(&"QUANGLAM"));
    for (k, r) in body.iter().enumerate() {
        assert_eq!(r[0], (k + 1).to_string(), "{r:?}");
    }
    assert_eq!(
        row_of(body, "CAT")[2..],
        [
            "Đảng bộ Công an tỉnh",
            "Gửi báo cáo",
            "",
            "",
            "",
            "",
            "Chưa nộp, quá hạn 16 ngày"
        ]
    );

    let fig = |file: &str, key: &str| {
        figure(&report, submission(&report, file), key)
            .value
            .as_str()
            .unwrap_or_else(|| panic!("{file} {key}"))
            .to_string()
    };
    let returned = row_of(body, "MUONGTOONG");
    let errors = submission(&report, "MUONGTOONG.xlsx")["errors"]
        .as_u64()
        .unwrap();
    assert!(errors >= 1);
    assert_eq!(
        returned[3],
        format!("Sửa và gửi lại ({errors} lỗi, xem tra-lai/MUONGTOONG.xlsx)")
    );
    assert!(w.path("out/tra-lai/MUONGTOONG.xlsx").is_file());
    assert_eq!(returned[4], errors.to_string());
    assert_eq!(returned[5], fig("MUONGTOONG.xlsx", "preparer"));
    assert_eq!(returned[6], fig("MUONGTOONG.xlsx", "phone"));
    assert_eq!(returned[7..], ["12/07/2026", "Đúng hạn"]);
    let undated = row_of(body, "NAMKE");
    assert!(undated[3].starts_with("Sửa và gửi lại"), "{undated:?}");
    assert_eq!(undated[7..], ["", "Không có ngày báo cáo"]);
    let late = row_of(body, "SINTHAU");
    assert_eq!(late[3..5], ["Nộp muộn 5 ngày", ""]);
    assert_eq!(late[5], fig("SINTHAU.xlsx", "preparer"));
    assert!(!late[5].is_empty() && !late[6].is_empty(), "{late:?}");
    assert_eq!(late[7..], ["25/07/2026", "Muộn 5 ngày"]);

    // report.json gives the same list.
    let chasing = report["chasing"].as_array().unwrap();
    assert_eq!(chasing.len(), 47);
    let sinthau = chasing.iter().find(|x| x["unit"] == "SINTHAU").unwrap();
    assert_eq!(sinthau["wanted"], "late");
    assert_eq!(sinthau["deadline"]["days_late"], 5);
    let cat = chasing.iter().find(|x| x["unit"] == "CAT").unwrap();
    assert_eq!(
        cat["deadline"],
        json!({"date": null, "status": "overdue", "days_late": 16})
    );
}

#[test]
fn don_doc_csv_is_the_same_list_for_a_mail_merge() {
    let w = Workdir::official();
    story(&w);
    let report = run_story(&w, "out", &[]);
    let bytes = std::fs::read(w.path("out/don-doc.csv")).unwrap();
    assert!(bytes.starts_with(b"\xEF\xBB\xBF"), "no byte-order mark");
    let text = String::from_utf8(bytes[3..].to_vec()).unwrap();
    let records = parse_csv(&text);
    assert_eq!(
        records[0],
        [
            "Mã",
            "Đơn vị",
            "Cần làm",
            "Số lỗi",
            "Người lập biểu",
            "Điện thoại",
            "Ngày báo cáo",
            "Tình trạng hạn nộp"
        ]
    );
    assert_eq!(records.len(), 1 + 47);
    assert!(records.iter().all(|r| r.len() == 8), "{records:#?}");
    // A field with a comma is quoted, and reads back whole.
    assert!(
        text.contains(",\"Chưa nộp, quá hạn 16 ngày\"\r\n"),
        "{text}"
    );
    let cat = records.iter().find(|r| r[0] == "CAT").unwrap();
    assert_eq!(
        cat[1..],
        [
            "Đảng bộ Công an tỉnh",
            "Gửi báo cáo",
            "",
            "",
            "",
            "",
            "Chưa nộp, quá hạn 16 ngày"
        ]
    );
    let errors = submission(&report, "MUONGTOONG.xlsx")["errors"].to_string();
    let returned = records.iter().find(|r| r[0] == "MUONGTOONG").unwrap();
    assert_eq!(returned[3], errors);
    assert_eq!(
        returned[2],
        format!("Sửa và gửi lại ({errors} lỗi, xem tra-lai/MUONGTOONG.xlsx)")
    );
    let late = records.iter().find(|r| r[0] == "SINTHAU").unwrap();
    assert_eq!(late[2], "Nộp muộn 5 ngày");
    assert_eq!(late[6..], ["25/07/2026", "Muộn 5 ngày"]);
    // The sheet and the CSV list the same units in the same order.
    let sheet = rows(&w.path("out/tong-hop.xlsx"), CHASING, 4);
    let from_sheet: Vec<&str> = sheet.iter().map(|r| r[1].as_str()).collect();
    let from_csv: Vec<&str> = records[1..].iter().map(|r| r[0].as_str()).collect();
    assert_eq!(from_sheet, from_csv);

    // Committed with the set: a second run replaces it, and a copy of it in the inbox
    // is named as tonghop's own, not read as a submission.
    std::fs::copy(w.path("out/don-doc.csv"), w.path("inbox/don-doc.csv")).unwrap();
    std::fs::remove_file(w.path("inbox/SINTHAU.xlsx")).unwrap();
    let again = run_story(&w, "out", &[]);
    let skipped = again["skipped"].as_array().unwrap();
    assert_eq!(skipped.len(), 1, "{skipped:?}");
    assert_eq!(skipped[0]["file"], "don-doc.csv");
    assert!(
        skipped[0]["reason"]
            .as_str()
            .unwrap()
            .contains("danh sách đôn đốc do tonghop"),
        "{skipped:?}"
    );
    let text = std::fs::read_to_string(w.path("out/don-doc.csv")).unwrap();
    let records = parse_csv(text.trim_start_matches('\u{FEFF}'));
    let sinthau = records.iter().find(|r| r[0] == "SINTHAU").unwrap();
    assert_eq!(sinthau[2], "Gửi báo cáo");
    let leftovers: Vec<_> = std::fs::read_dir(w.path("out"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with('.') && n != ".tonghop-lock")
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
}

#[test]
fn the_run_summary_names_the_units_to_chase_by_group() {
    let w = Workdir::official();
    story(&w);
    let mut args = vec!["run", "inbox", "--out", "out"];
    args.extend_from_slice(&PERIOD);
    let out = w.run_expect_env(&args, &[TODAY], 1);
    let said = String::from_utf8(out.stdout).unwrap();
    let lines: Vec<&str> = said.lines().collect();
    let at = |head: &str| {
        lines
            .iter()
            .position(|l| l.starts_with(head))
            .unwrap_or_else(|| panic!("no '{head}' in\n{said}"))
    };
    assert!(
        said.contains("Hạn nộp 20/07/2026 (20 ngày sau kỳ báo cáo)\n"),
        "{said}"
    );
    let send = at("Cần gửi báo cáo (44, quá hạn 16 ngày):");
    let fix = at("Cần sửa và gửi lại (2):");
    let late = at("Nộp muộn (1):");
    assert!(send < fix && fix < late, "{said}");
    assert!(
        lines[send + 1..fix].contains(&"  CAT Đảng bộ Công an tỉnh"),
        "{said}"
    );
    assert_eq!(fix - send - 1, 44, "{said}");
    assert!(
        lines[fix + 1].starts_with("  MUONGTOONG Đảng bộ xã Mường Toong ("),
        "{said}"
    );
    assert!(
        lines[fix + 2].starts_with("  NAMKE Đảng bộ xã Nậm Kè ("),
        "{said}"
    );
    assert_eq!(
        lines[late + 1],
        "  SINTHAU Đảng bộ xã Sín Thầu (muộn 5 ngày)"
    );
    assert!(said.contains("out/don-doc.csv\n"), "{said}");

    // In English.
    let mut args = vec!["run", "inbox", "--out", "en", "--lang", "en"];
    args.extend_from_slice(&PERIOD);
    let out = w.run_expect_env(&args, &[TODAY], 1);
    let said = String::from_utf8(out.stdout).unwrap();
    assert!(
        said.contains("Deadline 20/07/2026 (20 days after the period)\n"),
        "{said}"
    );
    assert!(
        said.contains("To send the report (44, 16 days overdue):\n"),
        "{said}"
    );
    assert!(
        said.contains("Sent late (1):\n  SINTHAU Đảng bộ xã Sín Thầu (5 days late)\n"),
        "{said}"
    );
    let book = w.path("en/tong-hop.xlsx");
    let body = rows(&book, "Chasing", 4);
    assert_eq!(row_of(&body, "SINTHAU")[3], "Sent 5 days late");
    assert_eq!(row_of(&body, "SINTHAU")[8], "5 days late");
    let all = rows(&book, "Submissions", 3);
    assert_eq!(row_of(&all, "MUONGNHE")[9], "On time");
}

#[test]
fn a_deadline_given_to_the_run_overrides_the_form() {
    let w = Workdir::official();
    story(&w);
    let report = run_story(&w, "out", &["--deadline", "30/7/2026"]);
    assert_eq!(
        report["deadline"],
        json!({"date": "30/07/2026", "days_after_period": null, "source": "option",
               "today": "05/08/2026", "passed": true})
    );
    assert_eq!(
        submission(&report, "SINTHAU.xlsx")["deadline"]["status"],
        "on_time"
    );
    let body = rows(&w.path("out/tong-hop.xlsx"), CHASING, 4);
    assert!(!body.iter().any(|r| r[1] == "SINTHAU"), "no longer late");
    assert_eq!(row_of(&body, "CAT")[8], "Chưa nộp, quá hạn 6 ngày");
    let head = rows(&w.path("out/tong-hop.xlsx"), CHASING, 1);
    assert!(
        head[0][0].contains("Hạn nộp 30/07/2026 (theo --deadline)"),
        "{:?}",
        head[0]
    );

    // A deadline not yet passed: missing units are not overdue.
    let report = run_story(&w, "early", &["--deadline", "2026-08-31"]);
    assert_eq!(report["deadline"]["passed"], false);
    let cat = report["chasing"]
        .as_array()
        .unwrap()
        .iter()
        .find(|x| x["unit"] == "CAT")
        .unwrap();
    assert_eq!(
        cat["deadline"],
        json!({"date": null, "status": "missing", "days_late": null})
    );

    // A date that is not one is refused, in the clerk's words, before anything is written.
    let out = w.run_env(
        &run_args("inbox", "bad", &["--deadline", "31/02/2026"]),
        &[TODAY],
    );
    assert_eq!(out.status.code(), Some(2), "{}", show(&out));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("--deadline '31/02/2026' không phải là ngày"),
        "{err}"
    );
    assert!(!w.path("bad").exists());
    // So is a day of the run that is not one.
    let out = w.run_env(
        &run_args("inbox", "bad", &[]),
        &[("TONGHOP_TODAY", "hôm nay")],
    );
    assert_eq!(out.status.code(), Some(2), "{}", show(&out));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("TONGHOP_TODAY 'hôm nay' không phải là ngày"),
        "{err}"
    );
    assert!(!w.path("bad").exists());
}

#[test]
fn without_a_period_there_is_no_deadline_and_the_run_says_so() {
    let w = Workdir::official();
    std::fs::create_dir(w.path("inbox")).unwrap();
    let out = w.run_expect_env(&["run", "inbox", "--out", "out"], &[TODAY], 0);
    let said = String::from_utf8(out.stdout).unwrap();
    assert!(
        said.contains("Không có hạn nộp: chưa rõ kỳ báo cáo (hãy cho --period hoặc --deadline)"),
        "{said}"
    );
    let report = w.report("out");
    assert_eq!(report["period"], Value::Null);
    assert_eq!(report["deadline"], Value::Null);
    let book = w.path("out/tong-hop.xlsx");
    let body = rows(&book, CHASING, 4);
    assert!(!body.is_empty());
    for r in &body {
        assert_eq!(
            (r[3].as_str(), r[8].as_str()),
            ("Gửi báo cáo", "Không có hạn nộp"),
            "{r:?}"
        );
    }
    let status = rows(&book, STATUS, 3);
    assert!(
        status.iter().all(|r| r[9] == "Không có hạn nộp"),
        "{status:?}"
    );
    let head = rows(&book, CHASING, 1);
    assert!(head[0][0].contains("Kỳ báo cáo: chưa rõ"), "{:?}", head[0]);
}

#[test]
fn nothing_to_chase_is_said_on_the_sheet_and_the_csv_keeps_its_header() {
    let w = Workdir::official();
    w.samples("inbox", &["--rows", "3", "--seed", "4"]);
    std::fs::remove_file(w.path("inbox/faults.json")).unwrap();
    w.run_expect_env(&run_args("inbox", "out", &PERIOD), &[TODAY], 0);
    let report = w.report("out");
    assert_eq!(report["chasing"], json!([]));
    let sheet = cells(&w.path("out/tong-hop.xlsx"), CHASING);
    assert_eq!(
        text(sheet.get(&(4, 0))),
        Some("Không có đơn vị nào cần đôn đốc.")
    );
    let csv = std::fs::read_to_string(w.path("out/don-doc.csv")).unwrap();
    assert_eq!(csv.lines().count(), 1, "{csv}");
}

/// A unit that sends nothing in a later period is still someone to call: the chasing
/// list gives the preparer, phone and date of its last report in the archive, and says
/// which period that report was for. A unit that never reported has none.
#[test]
fn a_unit_silent_this_period_is_chased_with_whom_its_last_report_named() {
    let w = Workdir::official();
    let (h1, h2) = ("6 tháng đầu năm 2026", "6 tháng cuối năm 2026");
    w.samples(
        "h1",
        &[
            "--units", "5", "--rows", "4", "--seed", "11", "--period", h1,
        ],
    );
    let first = w.run_report("h1", "kq1", &["--period", h1], 0);
    let unit = first["submissions"][0]["unit"]
        .as_str()
        .unwrap()
        .to_string();
    let said = |key: &str| {
        figure(&first, submission(&first, &format!("{unit}.xlsx")), key)
            .value
            .as_str()
            .unwrap_or_else(|| panic!("no {key} in {}", first["submissions"][0]))
            .to_string()
    };
    let (preparer, phone) = (said("preparer"), said("phone"));
    w.samples(
        "h2",
        &[
            "--units", "5", "--rows", "4", "--seed", "12", "--period", h2,
        ],
    );
    std::fs::remove_file(w.path(&format!("h2/{unit}.xlsx"))).unwrap();
    w.run_report("h2", "kq2", &["--period", h2], 0);

    let all = rows(&w.path("kq2/tong-hop.xlsx"), CHASING, 4);
    let row = row_of(&all, &unit);
    assert_eq!(row[3], "Gửi báo cáo", "{row:?}");
    assert_eq!(
        (row[5].as_str(), row[6].as_str()),
        (preparer.as_str(), phone.as_str()),
        "{row:?}"
    );
    assert!(row[7].ends_with("(kỳ 01/01/2026 – 30/06/2026)"), "{row:?}");
    let never = all
        .iter()
        .find(|r| {
            r[1] != unit
                && first["submissions"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .all(|s| s["unit"] != r[1].as_str())
        })
        .expect("a unit that never reported");
    assert!(
        never[5].is_empty() && never[6].is_empty() && never[7].is_empty(),
        "{never:?}"
    );
    // The mail merge has the same.
    let text = std::fs::read_to_string(w.path("kq2/don-doc.csv")).unwrap();
    let csv = parse_csv(text.trim_start_matches('\u{feff}'));
    let line = csv.iter().find(|r| r.contains(&unit)).unwrap();
    assert!(
        line.contains(&preparer) && line.contains(&phone),
        "{line:?}"
    );
}
