//! Periods in sequence into one archive: each period's start checked against the last
//! one's end, the typed *Cùng kỳ năm trước* against what was reported a year earlier,
//! and the comparison with both equal to what the earlier runs computed.

use super::hostile::edit::{Cell, Pkg};
use crate::common::{Workdir, has_finding, submission_of_unit};
use serde_json::Value;

const H1: &str = "6 tháng đầu năm 2026";
const H2: &str = "6 tháng cuối năm 2026";
const H1_NEXT: &str = "6 tháng đầu năm 2027";
const BIEU_1: &str = "Biểu 1";

/// Clean samples of 10 units for `period`, continuing the archive when it exists.
fn samples(w: &Workdir, dir: &str, period: &str, seed: &str, carry_faults: &str) {
    let mut args = vec![
        "--units", "10", "--faults", "0", "--seed", seed, "--period", period,
    ];
    if w.path("tonghop-luu-tru.sqlite").exists() {
        args.extend([
            "--archive",
            "tonghop-luu-tru.sqlite",
            "--carry-faults",
            carry_faults,
        ]);
    }
    w.samples(dir, &args);
}

fn faults(w: &Workdir, dir: &str) -> Vec<Value> {
    w.json(&format!("{dir}/faults.json"))
        .as_array()
        .unwrap()
        .clone()
}

fn figure(report: &Value, unit: &str, key: &str) -> f64 {
    crate::common::figure(report, submission_of_unit(report, unit), key)
        .value
        .as_f64()
        .unwrap()
}

#[test]
fn consecutive_periods_carry_over_and_compare_with_the_archived_figures() {
    let w = Workdir::official();
    samples(&w, "h1", H1, "3", "0");
    let first = w.run_report("h1", "kq1", &["--period", H1], 0);
    let c = &first["comparison"];
    assert!(c["previous"].is_null() && c["year_before"].is_null());
    assert_eq!(c["not_possible"].as_array().unwrap().len(), 2, "{c}");

    samples(&w, "h2", H2, "4", "2");
    let carried = faults(&w, "h2");
    assert_eq!(carried.len(), 2);
    // The previous period is open: a start that does not carry is a warning, for the
    // clerk to confirm with the unit; nothing goes back for it.
    let second = w.run_report("h2", "kq2", &["--period", H2], 0);
    for f in &carried {
        let unit = f["unit"].as_str().unwrap();
        let s = submission_of_unit(&second, unit);
        assert!(has_finding(s, "CARRY", "Biểu 1", Some("C6")), "{unit}: {s}");
        assert_eq!(s["status"], "accepted");
        assert!(!w.path(&format!("kq2/tra-lai/{unit}.xlsx")).exists());
        // And the status sheet does not point the clerk at a file that is not there.
        let status = crate::common::cells(&w.path("kq2/tong-hop.xlsx"), "Tình trạng nộp");
        let note = (0..100u32)
            .find(|&r| crate::common::text(status.get(&(r, 1))) == Some(unit))
            .and_then(|r| crate::common::text(status.get(&(r, 7))));
        assert_eq!(
            note,
            Some("Có cảnh báo cần xác nhận với đơn vị (xem sheet Lỗi); không có tệp gửi trả"),
            "{unit}"
        );
    }
    let with_carry = second["submissions"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|s| {
            s["findings"]
                .as_array()
                .unwrap()
                .iter()
                .any(|f| f["rule"] == "CARRY")
        })
        .count();
    assert_eq!(with_carry, 2, "only the units that do not carry");
    // Every other unit starts where it ended.
    for s in second["submissions"].as_array().unwrap() {
        let unit = s["unit"].as_str().unwrap();
        if carried.iter().any(|f| f["unit"] == unit) {
            continue;
        }
        assert_eq!(
            figure(&second, unit, "movement.a.this"),
            figure(&first, unit, "movement.d.this"),
            "{unit}"
        );
    }

    // The comparison: this period from this run, the previous one from the first run's
    // figures, each change their difference, the province's rate recomputed there.
    let c = &second["comparison"];
    assert_eq!(c["previous"]["from"], "01/01/2026");
    assert_eq!(c["previous"]["closed"], false);
    assert!(c["year_before"].is_null());
    for key in c["figures"].as_array().unwrap() {
        let key = key.as_str().unwrap();
        let p = &c["province"][key];
        assert_eq!(p["this"], second["totals"][key], "{key}");
        assert_eq!(p["previous"], first["totals"][key], "{key}");
        let (a, b) = (p["this"].as_f64().unwrap(), p["previous"].as_f64().unwrap());
        let by = p["change_previous"]
            .get("persons")
            .or(p["change_previous"].get("points"))
            .unwrap()
            .as_f64()
            .unwrap();
        assert!((by - (a - b)).abs() < 1e-9, "{key}: {by} vs {a} - {b}");
        if let Some(pct) = p["change_previous"]["percent"].as_f64() {
            assert!((pct - (a - b) / b * 100.0).abs() < 1e-6, "{key}");
        }
    }
    let unit = second["submissions"][0]["unit"].as_str().unwrap();
    assert_eq!(
        c["units"][unit]["movement.b1.this"]["previous"]
            .as_f64()
            .unwrap(),
        figure(&first, unit, "movement.b1.this")
    );
    // The sheet shows the same.
    let sheet = crate::common::cells(&w.path("kq2/tong-hop.xlsx"), "So sánh");
    let province_row = (0..20u32)
        .find(|&r| crate::common::text(sheet.get(&(r, 1))) == Some("TOÀN TỈNH"))
        .expect("a TOÀN TỈNH row");
    assert_eq!(
        crate::common::number(sheet.get(&(province_row, 3))),
        c["province"]["movement.b1.this"]["this"].as_f64().unwrap()
    );
    assert_eq!(
        crate::common::number(sheet.get(&(province_row, 7))),
        c["province"]["movement.b1.this"]["previous"]
            .as_f64()
            .unwrap()
    );

    // Once the first period is closed, the same start is an error, and the units that
    // do not carry are returned and left out of the totals.
    w.run_expect(&["archive", "close", H1], 0);
    let closed = w.run_report("h2", "kq2", &["--period", H2], 1);
    for f in &carried {
        let unit = f["unit"].as_str().unwrap();
        let s = submission_of_unit(&closed, unit);
        assert_eq!(s["status"], "rejected", "{unit}");
        assert_eq!(s["included_in_totals"], false);
        assert!(w.path(&format!("kq2/tra-lai/{unit}.xlsx")).exists());
        let f = s["findings"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["rule"] == "CARRY")
            .unwrap();
        assert_eq!(f["severity"], "error");
        assert_eq!(
            f["expected"].as_str().unwrap().parse::<f64>().unwrap(),
            figure(&first, unit, "movement.d.this")
        );
    }
}

#[test]
fn a_year_later_the_typed_previous_year_is_checked_against_the_archive() {
    let w = Workdir::official();
    samples(&w, "h1", H1, "3", "0");
    w.run_report("h1", "kq1", &["--period", H1], 0);
    w.run_expect(&["archive", "close", H1], 0);
    samples(&w, "h1b", H1_NEXT, "9", "0");
    let report = w.run_report("h1b", "kq", &["--period", H1_NEXT], 0);
    for s in report["submissions"].as_array().unwrap() {
        assert!(
            !s["findings"]
                .as_array()
                .unwrap()
                .iter()
                .any(|f| f["rule"] == "PREV" || f["rule"] == "CARRY"),
            "{s}"
        );
    }
    assert_eq!(report["comparison"]["year_before"]["closed"], true);
    assert!(report["comparison"]["previous"].is_null());

    // One unit retypes last year's B.1 wrong: PREV at its cell, the archive's figure
    // expected, an error because that period is closed.
    let unit = report["submissions"][0]["unit"]
        .as_str()
        .unwrap()
        .to_string();
    let file = w.path(&format!("h1b/{unit}.xlsx"));
    let mut p = Pkg::open(&std::fs::read(&file).unwrap());
    let archived = p.number(BIEU_1, "D8");
    p.cell(BIEU_1, "D8", Cell::Number(archived + 5.0));
    std::fs::write(&file, p.bytes()).unwrap();
    let report = w.run_report("h1b", "kq", &["--period", H1_NEXT], 1);
    let s = submission_of_unit(&report, &unit);
    let f = s["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["rule"] == "PREV" && f["cell"] == "D8")
        .unwrap_or_else(|| panic!("no PREV at D8: {s}"));
    assert_eq!(f["severity"], "error");
    assert_eq!(
        f["expected"].as_str().unwrap().parse::<f64>().unwrap(),
        archived
    );
}

#[test]
fn without_an_archive_nothing_looks_back_and_the_outputs_say_why() {
    let w = Workdir::official();
    samples(&w, "h1", H1, "3", "0");
    w.run_report("h1", "kq1", &["--period", H1], 0);
    samples(&w, "h2", H2, "4", "2");
    let report = w.run_report("h2", "kq2", &["--period", H2, "--no-archive"], 0);
    assert!(
        report["submissions"]
            .as_array()
            .unwrap()
            .iter()
            .all(|s| s["findings"].as_array().unwrap().is_empty())
    );
    let why = report["comparison"]["not_possible"].to_string();
    assert!(why.contains("--no-archive"), "{why}");
}

/// `template --per-unit` after two periods: each unit's form has its code, name and
/// period, its start as the previous period's end and its *Cùng kỳ năm trước* as a year
/// earlier, those cells locked, pale blue and noted. Those are the figures `samples`
/// continues the archive with, computed apart, so the forms must agree with them cell
/// for cell; filled in LibreOffice with the rest of the unit's figures, a form comes
/// back accepted, no CARRY or PREV finding.
#[test]
fn per_unit_forms_carry_the_archive_and_come_back_accepted() {
    let w = Workdir::official();
    samples(&w, "h1", H1, "3", "0");
    w.run_report("h1", "kq1", &["--period", H1], 0);
    samples(&w, "h2", H2, "4", "0");
    w.run_report("h2", "kq2", &["--period", H2], 0);
    // The unit's own figures for the next period, as many table rows as the blank form
    // has, so they fit its cells one for one.
    w.samples(
        "h3",
        &[
            "--units",
            "10",
            "--faults",
            "0",
            "--seed",
            "5",
            "--period",
            H1_NEXT,
            "--rows",
            "15",
            "--archive",
            "tonghop-luu-tru.sqlite",
        ],
    );
    let units: Vec<String> = crate::common::files_in(&w.path("h3"))
        .iter()
        .filter(|p| p.extension().is_some_and(|e| e == "xlsx"))
        .map(|p| p.file_stem().unwrap().to_string_lossy().into_owned())
        .collect();
    assert_eq!(units.len(), 10);
    let (a, b) = (units[0].as_str(), units[1].as_str());
    let out = w.run_expect(
        &[
            "template",
            "--per-unit",
            "--period",
            H1_NEXT,
            "--out",
            "mau",
            "--unit",
            a,
            "--unit",
            b,
        ],
        0,
    );
    let said = String::from_utf8_lossy(&out.stdout);
    assert!(
        said.contains("Kỳ trước 01/07/2026 – 31/12/2026: có trong kho"),
        "{said}"
    );
    assert!(
        said.contains("Cùng kỳ năm trước 01/01/2026 – 30/06/2026: có trong kho"),
        "{said}"
    );
    assert_eq!(
        crate::common::files_in(&w.path("mau")).len(),
        2,
        "only the units asked for"
    );

    let form = w.path(&format!("mau/{a}.xlsx"));
    let info = crate::common::cells(&form, "Thông tin");
    assert!(
        info.values()
            .any(|v| crate::common::text(Some(v)) == Some(a))
    );
    let sheet = crate::common::cells(&form, "Biểu 1");
    let h2 = w.report("kq2");
    let h1 = w.report("kq1");
    assert_eq!(
        crate::common::number(sheet.get(&crate::common::a1("C6"))),
        figure(&h2, a, "movement.d.this"),
        "the start is the previous period's end"
    );
    assert_eq!(
        crate::common::number(sheet.get(&crate::common::a1("D8"))),
        figure(&h1, a, "movement.b1.this"),
        "last year's admissions are last year's"
    );
    for cell in ["C6", "D8"] {
        assert!(
            crate::common::fill(&form, "Biểu 1", cell).contains("DDEBF7"),
            "{cell}"
        );
    }
    let notes = crate::common::notes(&form, "Biểu 1");
    assert!(
        notes["C6"].contains("kho lưu trữ") && notes["C6"].contains("01/07/2026"),
        "{notes:?}"
    );
    assert!(notes["D8"].contains("cùng kỳ năm trước"), "{notes:?}");

    // The unit types its figures into the yellow cells in LibreOffice and sends it back.
    std::fs::create_dir_all(w.path("nop")).unwrap();
    for u in [a, b] {
        let (typed, differs) = crate::common::lo::fill_inputs(
            &w.path(&format!("mau/{u}.xlsx")),
            &w.path(&format!("h3/{u}.xlsx")),
            &w.path(&format!("nop/{u}.xlsx")),
        );
        // The legend of the blue cells is the one text the unit's own file lacks.
        let differs: Vec<_> = differs
            .into_iter()
            .filter(|d| {
                let legend =
                    d.2.starts_with("Các ô nền xanh") || d.2.starts_with("lấy từ kho lưu trữ");
                !(d.0 == "Thông tin" && d.3 == "null" && legend)
            })
            .collect();
        assert!(typed > 100, "{u}: {typed} cells typed");
        assert!(
            differs.is_empty(),
            "{u}: locked cells differ from the unit's figures: {differs:?}"
        );
    }
    let report = w.run_report("nop", "kq3", &["--period", H1_NEXT], 0);
    for u in [a, b] {
        let s = submission_of_unit(&report, u);
        assert_eq!(s["status"], "accepted", "{s}");
        assert!(
            s["findings"]
                .as_array()
                .unwrap()
                .iter()
                .all(|f| f["rule"] != "CARRY" && f["rule"] != "PREV"),
            "{s}"
        );
    }
}

/// Unit `unit`'s admissions (Biểu 1, B.1) in `dir` set to half its members at the start:
/// a rate far from any it had.
fn inflate_admissions(w: &Workdir, dir: &str, unit: &str) {
    let file = w.path(&format!("{dir}/{unit}.xlsx"));
    let mut p = Pkg::open(&std::fs::read(&file).unwrap());
    let start = p.number(BIEU_1, "C6");
    p.cell(BIEU_1, "C8", Cell::Number((start / 2.0).round()));
    std::fs::write(&file, p.bytes()).unwrap();
}

/// The OUTLIER message for `unit` in a report, if any.
fn outlier(report: &Value, unit: &str) -> Option<String> {
    submission_of_unit(report, unit)["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["rule"] == "OUTLIER")
        .map(|f| f["message"].as_str().unwrap().to_string())
}

/// `outlier` looks at a unit's own history only once the archive holds `min_periods`
/// (3 by default) earlier periods of the same length: with two the far rate is judged
/// against the other units only, with three against the unit's own past too.
#[test]
fn own_history_counts_only_from_min_periods_earlier_periods() {
    let w = Workdir::official();
    // Since 1 July 2025: the units of the first half of 2025 were others.
    let periods = ["6 tháng cuối năm 2025", H1, H2, H1_NEXT];
    let mut unit = String::new();
    for (i, period) in periods.iter().enumerate() {
        let dir = format!("p{i}");
        samples(&w, &dir, period, &(10 + i).to_string(), "0");
        if i >= 2 {
            if unit.is_empty() {
                unit = crate::common::files_in(&w.path(&dir))[0]
                    .file_stem()
                    .unwrap()
                    .to_string_lossy()
                    .into_owned();
            }
            // A copy with the far rate is checked; the period is then archived as sent.
            let far = format!("{dir}-far");
            std::fs::create_dir_all(w.path(&far)).unwrap();
            for f in crate::common::files_in(&w.path(&dir)) {
                if f.extension().is_some_and(|e| e == "xlsx") {
                    std::fs::copy(&f, w.path(&far).join(f.file_name().unwrap())).unwrap();
                }
            }
            inflate_admissions(&w, &far, &unit);
            // `check` looks back at the archive without recording the period.
            let checked = w.run_json(
                &[
                    "check",
                    &far,
                    "--period",
                    period,
                    "--archive",
                    "tonghop-luu-tru.sqlite",
                    "--json",
                ],
                1,
            );
            let said = outlier(&checked, &unit)
                .unwrap_or_else(|| panic!("no OUTLIER for {unit} in {period}"));
            let own = said.contains("khác thường nhiều so với các kỳ trước của đơn vị");
            assert!(
                said.contains("khác thường nhiều so với các đơn vị khác"),
                "{said}"
            );
            if i == 2 {
                assert!(
                    !own,
                    "two earlier periods are fewer than min_periods: {said}"
                );
            } else {
                assert!(
                    own && said.contains("(3 kỳ"),
                    "three earlier periods: {said}"
                );
            }
        }
        w.run_report(&dir, &format!("kq{i}"), &["--period", period], 0);
    }
}

/// The previous term (1/10/2020 – 30/9/2025) from the periods the archive holds within
/// it: its sum is theirs added up, nothing missing once they cover it, and this term's
/// change against it is computed from the two sums.
#[test]
fn the_previous_term_is_the_sum_of_its_archived_periods() {
    let w = Workdir::official();
    let halves = ["01/10/2020..30/09/2023", "01/10/2023..30/09/2025"];
    let mut before = 0.0;
    for (i, p) in halves.iter().enumerate() {
        w.samples(
            &format!("t{i}"),
            &[
                "--faults",
                "0",
                "--seed",
                &(20 + i).to_string(),
                "--period",
                p,
            ],
        );
        let r = w.run_report(&format!("t{i}"), &format!("kqt{i}"), &["--period", p], 0);
        before += r["totals"]["movement.b1.this"].as_f64().unwrap();
    }
    samples(&w, "h1", H1, "3", "0");
    let report = w.run_report("h1", "kq", &["--period", H1], 0);
    let term = &report["comparison"]["term"];
    let line = &term["province"]["movement.b1.this"];
    assert_eq!(line["previous_term"].as_f64(), Some(before), "{term}");
    let sum = line["sum"].as_f64().unwrap();
    let pct = line["change_percent"].as_f64().unwrap();
    assert!(
        (pct - (sum - before) / before * 100.0).abs() < 0.05,
        "{pct} vs {sum} / {before}"
    );
    assert_eq!(term["previous"]["from"], "01/10/2020");
    assert_eq!(
        term["previous_periods"].as_array().unwrap().len(),
        2,
        "{term}"
    );
    assert_eq!(term["previous_missing_months"], serde_json::json!([]));
    let notes = term["notes"].to_string();
    assert!(
        !notes.contains("nhiệm kỳ trước"),
        "the previous term is whole: {notes}"
    );
    // Half of it gone from the archive: the sum says it is incomplete.
    let w2 = Workdir::official();
    w2.samples(
        "t1",
        &["--faults", "0", "--seed", "21", "--period", halves[1]],
    );
    w2.run_report("t1", "kqt1", &["--period", halves[1]], 0);
    samples(&w2, "h1", H1, "3", "0");
    let report = w2.run_report("h1", "kq", &["--period", H1], 0);
    let notes = report["comparison"]["term"]["notes"].to_string();
    assert!(
        notes.contains("nhiệm kỳ trước") && notes.contains("10/2020"),
        "{notes}"
    );
}

/// `template --per-unit` without an archive still writes the forms, with only the unit
/// and period filled in, and says why; an unknown unit code names the nearest ones; an
/// archive named with --archive that is not there is an error, not an empty archive.
#[test]
fn per_unit_forms_without_an_archive_and_with_a_wrong_code() {
    let w = Workdir::official();
    let out = w.run_expect(
        &[
            "template",
            "--per-unit",
            "--period",
            H1,
            "--out",
            "mau",
            "--unit",
            "MUONGNHE",
        ],
        0,
    );
    let said = String::from_utf8_lossy(&out.stdout);
    assert!(said.contains("MUONGNHE.xlsx: 0 ô số liệu"), "{said}");
    assert!(said.contains("chưa có trong kho lưu trữ"), "{said}");
    let sheet = crate::common::cells(&w.path("mau/MUONGNHE.xlsx"), "Biểu 1");
    assert_eq!(
        sheet.get(&crate::common::a1("C6")),
        None,
        "the start is the unit's to type"
    );
    assert!(
        crate::common::fill(&w.path("mau/MUONGNHE.xlsx"), "Thông tin", "C6").contains("DDEBF7")
    );

    let wrong = w.run_expect(
        &[
            "template",
            "--per-unit",
            "--period",
            H1,
            "--out",
            "mau2",
            "--unit",
            "MUONGNHEE",
        ],
        2,
    );
    let err = String::from_utf8_lossy(&wrong.stderr);
    assert!(
        err.contains("'MUONGNHEE'") && err.contains("MUONGNHE (Đảng bộ xã Mường Nhé)"),
        "{err}"
    );
    assert!(!w.path("mau2").exists(), "nothing written for a wrong code");

    let missing = w.run_expect(
        &[
            "template",
            "--per-unit",
            "--period",
            H1,
            "--out",
            "mau3",
            "--archive",
            "khong-co.sqlite",
        ],
        2,
    );
    assert!(String::from_utf8_lossy(&missing.stderr).contains("khong-co.sqlite"));
}
