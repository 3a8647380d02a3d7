//! Versions of a unit's file across runs (the archive's version table, the *Lịch sử*
//! sheet, report.json's `versions`) and the clerk's decisions on record
//! (`tonghop decide`, quyet-dinh.toml in the inbox): applied by `run`, shown in the
//! status sheet and report.json, expiring when the file they name changes.
//!
//! The story: three units of the official form report for the first half of 2026.
//! MUONGNHE sends v1 (dated 10/07), then v2 (dated 12/07, another file).

use crate::common::{Workdir, cells, run_args, sha256, sheet_names, show, text};
use crate::hostile::edit::{Cell, Pkg};
use chrono::NaiveDate;
use serde_json::Value;

const PERIOD: [&str; 2] = ["--period", "6 tháng đầu năm 2026"];
const INFO: &str = "Thông tin";
const BIEU_1: &str = "Biểu 1";
const REPORT_DATE: &str = "C12";

fn serial(y: i32, m: u32, d: u32) -> f64 {
    let epoch = NaiveDate::from_ymd_opt(1899, 12, 30).unwrap();
    (NaiveDate::from_ymd_opt(y, m, d).unwrap() - epoch).num_days() as f64
}

/// The three units' files in `inbox`; MUONGNHE's dated `day` of July (its own bytes).
fn setup(w: &Workdir) {
    w.samples("made", &["--units", "3", "--rows", "4", "--seed", "5"]);
    std::fs::create_dir_all(w.path("inbox")).unwrap();
    for e in std::fs::read_dir(w.path("made")).unwrap() {
        let p = e.unwrap().path();
        if p.extension().is_some_and(|x| x == "xlsx") {
            let name = p.file_name().unwrap().to_string_lossy().into_owned();
            std::fs::copy(&p, w.path(&format!("inbox/{name}"))).unwrap();
        }
    }
}

fn muongnhe(w: &Workdir, day: u32) -> Pkg {
    let mut p = Pkg::open(&std::fs::read(w.path("made/MUONGNHE.xlsx")).unwrap());
    p.cell(INFO, REPORT_DATE, Cell::Number(serial(2026, 7, day)));
    p
}

fn run(w: &Workdir, code: i32) -> Value {
    let mut args = run_args("inbox", "out", &PERIOD);
    args.push("--lang");
    args.push("vi");
    w.run_expect(&args, code);
    w.report("out")
}

fn versions_of<'a>(report: &'a Value, unit: &str) -> Vec<&'a Value> {
    report["versions"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|v| v["unit"] == unit)
        .collect()
}

/// The version table as another SQLite tool (Python's) reads it.
fn archive_versions(w: &Workdir, unit: &str) -> Vec<(String, String, i64)> {
    let script = format!(
        "import sqlite3,json;c=sqlite3.connect('{}');print(json.dumps(c.execute(\"SELECT sha256,status,current FROM version WHERE unit='{unit}' ORDER BY first_seen, sha256\").fetchall()))",
        w.path("tonghop-luu-tru.sqlite").display()
    );
    let out = std::process::Command::new("python3")
        .args(["-c", &script])
        .output()
        .expect("python3");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let rows: Vec<(String, String, i64)> = serde_json::from_slice(&out.stdout).unwrap();
    rows
}

fn status_row_note(w: &Workdir, unit: &str) -> String {
    let c = cells(&w.path("out/tong-hop.xlsx"), "Tình trạng nộp");
    let row = (0..200u32)
        .find(|&r| text(c.get(&(r, 1))) == Some(unit))
        .unwrap_or_else(|| panic!("{unit} not in the status sheet"));
    text(c.get(&(row, 7))).unwrap_or("").to_string()
}

#[test]
fn two_versions_are_kept_and_a_decision_keeps_the_older_until_it_changes() {
    let w = Workdir::official();
    setup(&w);
    let v1 = muongnhe(&w, 10);
    w.put("inbox/MUONGNHE.xlsx", &v1.bytes());
    let sha1 = sha256(&w.path("inbox/MUONGNHE.xlsx"));
    run(&w, 0);
    // v2 replaces v1 in the inbox.
    let v2 = muongnhe(&w, 12);
    w.put("inbox/MUONGNHE.xlsx", &v2.bytes());
    let sha2 = sha256(&w.path("inbox/MUONGNHE.xlsx"));
    assert_ne!(sha1, sha2);
    let report = run(&w, 0);
    let vs = versions_of(&report, "MUONGNHE");
    assert_eq!(vs.len(), 2, "{vs:#?}");
    assert_eq!(
        vs[0]["sha256"],
        sha1.as_str(),
        "{vs:#?} sha1={sha1} sha2={sha2}"
    );
    assert_eq!(vs[0]["status"], "superseded");
    assert_eq!(vs[0]["current"], false);
    assert_eq!(vs[1]["sha256"], sha2.as_str());
    assert_eq!(vs[1]["status"], "accepted");
    assert_eq!(vs[1]["current"], true);
    let stored = archive_versions(&w, "MUONGNHE");
    let mut expected = vec![
        (sha1.clone(), "superseded".to_string(), 0),
        (sha2.clone(), "accepted".to_string(), 1),
    ];
    expected.sort();
    let mut got = stored.clone();
    got.sort();
    assert_eq!(got, expected);
    // Lịch sử lists both, with the short and the full hash.
    let names = sheet_names(&w.path("out/tong-hop.xlsx"));
    assert!(names.iter().any(|n| n == "Lịch sử"), "{names:?}");
    let h = cells(&w.path("out/tong-hop.xlsx"), "Lịch sử");
    let all: Vec<&str> = h.values().filter_map(|d| text(Some(d))).collect();
    assert!(
        all.contains(&&sha1[..12]) && all.contains(&&sha2[..12]),
        "{all:?}"
    );
    assert!(all.iter().any(|t| t.replace('\n', "") == sha1));
    assert!(all.contains(&"Đã thay (không còn trong thư mục bài nộp)"));

    // Both files in the inbox; the clerk keeps the older one.
    w.put("inbox/MUONGNHE-cu.xlsx", &v1.bytes());
    let out = w.run_expect(
        &[
            "decide",
            "keep",
            "inbox",
            "--unit",
            "MUONGNHE",
            "--file",
            "MUONGNHE-cu.xlsx",
            "--note",
            "Bản ngày 12/7 gửi nhầm",
            "--by",
            "Lò Thị Hoa",
        ],
        0,
    );
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("quyết định số 1"),
        "{}",
        show(&out)
    );
    let list = w.run_expect(&["decide", "list", "inbox"], 0);
    assert!(String::from_utf8_lossy(&list.stdout).contains("Lò Thị Hoa"));
    let report = run(&w, 0);
    let sub = |file: &str| -> Value {
        report["submissions"]
            .as_array()
            .unwrap()
            .iter()
            .find(|s| s["file"] == file)
            .cloned()
            .unwrap()
    };
    assert_eq!(sub("MUONGNHE-cu.xlsx")["status"], "accepted");
    assert_eq!(sub("MUONGNHE-cu.xlsx")["included_in_totals"], true);
    assert_eq!(sub("MUONGNHE.xlsx")["status"], "duplicate");
    assert_eq!(sub("MUONGNHE.xlsx")["superseded_by"], "MUONGNHE-cu.xlsx");
    let d = &report["decisions"]["decisions"][0];
    assert_eq!(d["state"], "applied", "{d}");
    assert_eq!(d["by"], "Lò Thị Hoa");
    assert_eq!(d["note"], "Bản ngày 12/7 gửi nhầm");
    let note = status_row_note(&w, "MUONGNHE");
    assert!(
        note.contains("Lò Thị Hoa") && note.contains("giữ tệp này"),
        "{note}"
    );
    // The file set aside says why on its own row: the clerk's decision, naming the
    // file used instead.
    let c = cells(&w.path("out/tong-hop.xlsx"), "Tình trạng nộp");
    let row = (0..200u32)
        .find(|&r| text(c.get(&(r, 3))) == Some("MUONGNHE.xlsx"))
        .expect("the file set aside has its row");
    let aside = text(c.get(&(row, 7))).unwrap_or("");
    assert!(
        aside.contains("Lò Thị Hoa")
            && aside.contains("MUONGNHE-cu.xlsx")
            && aside.contains("được dùng thay cho tệp này"),
        "{aside}"
    );
    let vs = versions_of(&report, "MUONGNHE");
    let decided: Vec<&&Value> = vs.iter().filter(|v| v["status"] == "decided").collect();
    assert_eq!(decided.len(), 1, "{vs:#?}");
    assert_eq!(decided[0]["sha256"], sha1.as_str());
    assert!(
        sheet_names(&w.path("out/tong-hop.xlsx"))
            .iter()
            .any(|n| n == "Quyết định")
    );

    // The kept file changes: the decision expires, the newest file is used again.
    let v1b = muongnhe(&w, 9);
    w.put("inbox/MUONGNHE-cu.xlsx", &v1b.bytes());
    let report = run(&w, 0);
    let d = &report["decisions"]["decisions"][0];
    assert_eq!(d["state"], "expired", "{d}");
    assert!(d["reason"].as_str().unwrap().contains("HẾT HIỆU LỰC"));
    let kept = report["submissions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["unit"] == "MUONGNHE" && s["status"] == "accepted")
        .unwrap();
    assert_eq!(kept["file"], "MUONGNHE.xlsx");
    assert!(kept["findings"].as_array().unwrap().iter().any(
        |f| f["rule"] == "DECISION" && f["message"].as_str().unwrap().contains("HẾT HIỆU LỰC")
    ));
    // Three versions of MUONGNHE are on record now, none lost.
    assert_eq!(archive_versions(&w, "MUONGNHE").len(), 3);
}

#[test]
fn accepting_despite_a_warning_sends_nothing_back_and_says_who_and_why() {
    let w = Workdir::official();
    setup(&w);
    // A count typed as text: a TEXTNUM warning, which sends the workbook back.
    let mut p = Pkg::open(&std::fs::read(w.path("made/SINTHAU.xlsx")).unwrap());
    let a = p.number(BIEU_1, "C6");
    p.cell(BIEU_1, "C6", Cell::Text(format!("{a}")));
    w.put("inbox/SINTHAU.xlsx", &p.bytes());
    run(&w, 0);
    assert_eq!(w.returned("out"), vec!["SINTHAU.xlsx".to_string()]);
    w.run_expect(
        &[
            "decide",
            "accept",
            "inbox",
            "--unit",
            "SINTHAU",
            "--file",
            "SINTHAU.xlsx",
            "--note",
            "Đã gọi điện xác nhận",
            "--by",
            "Lò Thị Hoa",
        ],
        0,
    );
    let report = run(&w, 0);
    assert!(w.returned("out").is_empty(), "{:?}", w.returned("out"));
    let d = &report["decisions"]["decisions"][0];
    assert_eq!(d["state"], "applied", "{d}");
    assert_eq!(d["kind"], "accept");
    assert_eq!(d["by"], "Lò Thị Hoa");
    assert_eq!(d["note"], "Đã gọi điện xác nhận");
    assert!(d["at"].as_str().unwrap().starts_with("20"));
    let note = status_row_note(&w, "SINTHAU");
    assert!(
        note.contains("nhận dù có cảnh báo")
            && note.contains("Lò Thị Hoa")
            && note.contains("Đã gọi điện"),
        "{note}"
    );
    // An error code that reading raises cannot be accepted.
    let out = w.run_expect(
        &[
            "decide",
            "accept",
            "inbox",
            "--unit",
            "SINTHAU",
            "--file",
            "SINTHAU.xlsx",
            "--note",
            "x",
            "--code",
            "TYPE",
        ],
        2,
    );
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("TYPE"),
        "{}",
        show(&out)
    );
}

#[test]
fn a_malformed_decisions_file_gives_findings_and_the_batch_goes_on() {
    let w = Workdir::official();
    setup(&w);
    w.put("inbox/quyet-dinh.toml", b"[[decision]\nunit = ");
    let report = run(&w, 0);
    assert_eq!(report["summary"]["accepted"], 3);
    let f = report["decisions"]["findings"].as_array().unwrap();
    assert_eq!(f.len(), 1);
    assert!(
        f[0].as_str().unwrap().contains("quyet-dinh.toml viết sai"),
        "{f:?}"
    );
    let skipped = report["skipped"].as_array().unwrap();
    assert!(skipped.iter().any(|s| s["file"] == "quyet-dinh.toml"
        && s["reason"].as_str().unwrap().contains("tệp quyết định")));
    // One good entry and two bad ones: the bad ones are named, the good one holds.
    let sha = sha256(&w.path("inbox/SINTHAU.xlsx"));
    let toml = format!(
        "[[decision]]\nunit = \"SINTHAU\"\nsha256 = \"{}\"\nkind = \"accept\"\nby = \"A\"\nat = \"2026-07-15\"\nnote = \"ok\"\n\n[[decision]]\nunit = \"KHONGCO\"\nsha256 = \"{}\"\nkind = \"accept\"\nby = \"A\"\nat = \"2026-07-15\"\nnote = \"x\"\n\n[[decision]]\nunit = \"SINTHAU\"\nsha256 = \"abc\"\nkind = \"keep\"\nby = \"A\"\nat = \"2026-07-15\"\nnote = \"x\"\n",
        &sha[..16],
        &sha[..16]
    );
    w.put("inbox/quyet-dinh.toml", toml.as_bytes());
    let report = run(&w, 0);
    let f: Vec<&str> = report["decisions"]["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f.as_str().unwrap())
        .collect();
    assert_eq!(f.len(), 2, "{f:?}");
    assert!(
        f[0].contains("quyết định số 2 (KHONGCO)") && f[0].contains("không có trong biểu mẫu"),
        "{f:?}"
    );
    assert!(
        f[1].contains("quyết định số 3 (SINTHAU)") && f[1].contains("sha256"),
        "{f:?}"
    );
    assert_eq!(report["decisions"]["decisions"][0]["state"], "applied");
}
