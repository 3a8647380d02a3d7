//! The comparison columns of *Tổng hợp* over periods in one archive: the official three
//! columns equal to what the units reported a year earlier, the province's from its
//! sums; `--compare-with` and its refusal of a period not archived; `check --archive`
//! looking back as `run` does.

use crate::common::{Workdir, cells, has_finding, number, submission_of_unit, text};
use serde_json::Value;

const H1: &str = "6 tháng đầu năm 2026";
const H2: &str = "6 tháng cuối năm 2026";
const H1_NEXT: &str = "6 tháng đầu năm 2027";
const ARCHIVE: &str = "tonghop-luu-tru.sqlite";

/// Clean samples of 10 units for `period`, continuing the archive when there is one.
fn samples(w: &Workdir, dir: &str, period: &str, seed: &str, carry_faults: &str) {
    let mut args = vec![
        "--units", "10", "--faults", "0", "--seed", seed, "--period", period,
    ];
    if w.path(ARCHIVE).exists() {
        args.extend(["--archive", ARCHIVE, "--carry-faults", carry_faults]);
    }
    w.samples(dir, &args);
}

/// A unit's figure `key` in a report.json, if it has one.
fn figure(report: &Value, unit: &str, key: &str) -> Option<f64> {
    crate::common::figure(report, submission_of_unit(report, unit), key)
        .value
        .as_f64()
}

/// The units a report.json has figures for.
fn units(report: &Value) -> Vec<String> {
    report["submissions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["unit"].as_str().unwrap().to_string())
        .collect()
}

#[test]
fn the_summary_shows_the_official_three_columns_from_the_archived_year() {
    let w = Workdir::official();
    samples(&w, "h1", H1, "3", "0");
    let first = w.run_report("h1", "kq1", &["--period", H1], 0);
    // Nothing archived yet: the columns say so instead of blank zeros.
    let sheet = cells(&w.path("kq1/tong-hop.xlsx"), "Tổng hợp");
    let key_col = |sheet: &crate::common::Cells, key: &str| {
        (0..200u32)
            .find(|&c| text(sheet.get(&(5, c))) == Some(key))
            .unwrap_or_else(|| panic!("no column {key}"))
    };
    let b1 = key_col(&sheet, "movement.b1.this");
    assert_eq!(text(sheet.get(&(6, b1 + 1))), Some("không có kỳ"));
    // Its % column is blank, in the value cached for readers that do not recalculate
    // too (rust_xlsxwriter's default was 0, shown as 0.00), the province's as well.
    let province_row = (6..200u32)
        .find(|&r| text(sheet.get(&(r, 2))) == Some("TOÀN TỈNH"))
        .unwrap();
    for r in [6, province_row] {
        let pct = sheet.get(&(r, b1 + 2));
        assert!(
            matches!(pct, None | Some(calamine::Data::Empty))
                || matches!(pct, Some(calamine::Data::String(s)) if s.is_empty()),
            "row {r}: {pct:?}"
        );
    }
    // The keys row (row 6) is for programs: hidden, so it does not print.
    let mut zip = crate::common::zip_of(&w.path("kq1/tong-hop.xlsx"));
    let part = crate::common::sheet_part(&mut zip, "Tổng hợp");
    let xml = crate::common::zip_text(&mut zip, &part);
    let row6 = &xml[xml.find("<row r=\"6\"").expect("row 6")..];
    let row6 = &row6[..row6.find('>').unwrap()];
    assert!(row6.contains("hidden=\"1\""), "{row6}");
    assert!(
        text(sheet.get(&(1, 0)))
            .unwrap()
            .contains("kho lưu trữ chưa có kỳ này"),
        "{:?}",
        sheet.get(&(1, 0))
    );

    samples(&w, "h1b", H1_NEXT, "4", "0");
    let second = w.run_report("h1b", "kq2", &["--period", H1_NEXT], 0);
    let sheet = cells(&w.path("kq2/tong-hop.xlsx"), "Tổng hợp");
    assert_eq!(text(sheet.get(&(4, b1))), Some("Kỳ này"));
    assert_eq!(text(sheet.get(&(4, b1 + 1))), Some("Cùng kỳ năm trước"));
    assert_eq!(text(sheet.get(&(4, b1 + 2))), Some("% so với cùng kỳ"));
    let row_of = |code: &str| {
        (6..200u32)
            .find(|&r| text(sheet.get(&(r, 1))) == Some(code))
            .unwrap_or_else(|| panic!("no row {code}"))
    };
    let province = (6..200u32)
        .find(|&r| text(sheet.get(&(r, 2))) == Some("TOÀN TỈNH"))
        .unwrap();
    // Each count: the unit's figure of a year earlier, and this × 100 / that; the
    // province's from the sums, computed here from each run's units.
    for key in ["movement.b1.this", "movement.d.this", "admitted.women.this"] {
        let col = key_col(&sheet, key);
        let (mut this_sum, mut year_sum) = (0.0, 0.0);
        for unit in units(&first) {
            let year = figure(&first, &unit, key).unwrap();
            let this = figure(&second, &unit, key).unwrap();
            let r = row_of(&unit);
            assert_eq!(number(sheet.get(&(r, col))), this, "{unit} {key}");
            assert_eq!(number(sheet.get(&(r, col + 1))), year, "{unit} {key}");
            if year > 0.0 {
                let pct = number(sheet.get(&(r, col + 2)));
                assert!((pct - this * 100.0 / year).abs() < 1e-9, "{unit} {key}");
            }
            this_sum += this;
            year_sum += year;
        }
        assert_eq!(number(sheet.get(&(province, col))), this_sum, "{key}");
        assert_eq!(number(sheet.get(&(province, col + 1))), year_sum, "{key}");
        let pct = number(sheet.get(&(province, col + 2)));
        assert!(
            (pct - this_sum * 100.0 / year_sum).abs() < 1e-9,
            "{key}: {pct}"
        );
    }
    // A share: the province's a year earlier recomputed from that year's sums, and the
    // change in points, never an average of the units' shares.
    let col = key_col(&sheet, "women_share");
    assert_eq!(text(sheet.get(&(4, col + 2))), Some("Tăng, giảm (điểm %)"));
    let (mut women, mut members) = (0.0, 0.0);
    for unit in units(&first) {
        women += figure(&first, &unit, "members.women.this").unwrap();
        members += figure(&first, &unit, "members.i.this").unwrap();
    }
    let year = number(sheet.get(&(province, col + 1)));
    assert!((year - women * 100.0 / members).abs() < 1e-9, "{year}");
    let this = number(sheet.get(&(province, col)));
    let by = number(sheet.get(&(province, col + 2)));
    assert!((by - (this - year)).abs() < 1e-9);
    // A unit that did not report a year earlier says so.
    let missing = (6..province)
        .find(|&r| {
            !units(&first)
                .iter()
                .any(|u| Some(u.as_str()) == text(sheet.get(&(r, 1))))
        })
        .unwrap();
    assert_eq!(text(sheet.get(&(missing, b1 + 1))), Some("không có số"));

    // The chart: this period beside a year earlier, by short name.
    let chart = cells(&w.path("kq2/tong-hop.xlsx"), "Biểu đồ");
    let names: Vec<&str> = (27..40u32)
        .filter_map(|r| text(chart.get(&(r, 0))))
        .collect();
    assert!(names.iter().all(|n| !n.starts_with("Đảng bộ")), "{names:?}");
    assert_eq!(text(chart.get(&(26, 2))), Some("Cùng kỳ năm trước"));

    // Another period chosen: named as chosen in report.json and on the sheet.
    let chosen = w.run_report(
        "h1b",
        "kq3",
        &["--period", H1_NEXT, "--compare-with", H1],
        0,
    );
    assert_eq!(chosen["comparison"]["year_before"]["chosen"], true);
    let sheet = cells(&w.path("kq3/tong-hop.xlsx"), "Tổng hợp");
    assert!(text(sheet.get(&(1, 0))).unwrap().contains("--compare-with"));
    assert_eq!(text(sheet.get(&(4, b1 + 1))), Some("Kỳ so sánh"));
    // One the archive lacks stops the run, listing those it holds.
    let out = w.run_expect(
        &crate::common::run_args(
            "h1b",
            "kq4",
            &["--period", H1_NEXT, "--compare-with", "2020"],
        ),
        2,
    );
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("không so sánh được với kỳ 01/01/2020"),
        "{err}"
    );
    assert!(err.contains("01/01/2026 – 30/06/2026"), "{err}");
    assert!(!w.path("kq4/tong-hop.xlsx").exists());
}

#[test]
fn check_looks_back_only_with_an_archive() {
    let w = Workdir::official();
    samples(&w, "h1", H1, "5", "0");
    w.run_report("h1", "kq1", &["--period", H1], 0);
    samples(&w, "h2", H2, "6", "2");
    let faults = w.json("h2/faults.json");
    let faults = faults.as_array().unwrap();
    assert_eq!(faults.len(), 2);
    let with = w.run_json(
        &[
            "check",
            "h2",
            "--period",
            H2,
            "--archive",
            ARCHIVE,
            "--json",
        ],
        0,
    );
    let without = w.run_json(&["check", "h2", "--period", H2, "--json"], 0);
    for f in faults {
        let unit = f["unit"].as_str().unwrap();
        assert!(
            has_finding(
                submission_of_unit(&with, unit),
                "CARRY",
                "Biểu 1",
                Some("C6")
            ),
            "{unit}"
        );
        assert!(!has_finding(
            submission_of_unit(&without, unit),
            "CARRY",
            "Biểu 1",
            None
        ));
    }
    // An archive that is not there is said, not created.
    let out = w.run_expect(&["check", "h2", "--archive", "khong-co.sqlite"], 2);
    assert!(String::from_utf8_lossy(&out.stderr).contains("chưa có kho lưu trữ"));
    assert!(!w.path("khong-co.sqlite").exists());
}

/// `--compare-with` takes its figures from the period chosen, not from the same period
/// a year earlier: with both in the archive, each comparison figure is the chosen
/// period's, per unit and for the province, while `PREV` still checks the typed
/// *Cùng kỳ năm trước* against the real year earlier.
#[test]
fn compare_with_takes_the_chosen_periods_figures() {
    let w = Workdir::official();
    samples(&w, "h1", H1, "3", "0");
    let first = w.run_report("h1", "kq1", &["--period", H1], 0);
    samples(&w, "h2", H2, "4", "0");
    let second = w.run_report("h2", "kq2", &["--period", H2], 0);
    samples(&w, "h3", H1_NEXT, "5", "0");
    let report = w.run_report("h3", "kq3", &["--period", H1_NEXT, "--compare-with", H2], 0);
    let c = &report["comparison"];
    assert_eq!(c["year_before"]["chosen"], true, "{}", c["year_before"]);
    assert_eq!(c["year_before"]["from"], "01/07/2026");
    let key = "movement.b1.this";
    let (h1, h2) = (&first["totals"][key], &second["totals"][key]);
    assert_ne!(
        h1, h2,
        "the two periods must differ for the test to tell them apart"
    );
    assert_eq!(
        c["province"][key]["year_before"], *h2,
        "{}",
        c["province"][key]
    );
    let mut told_apart = 0;
    for unit in units(&report) {
        let chosen = figure(&second, &unit, key).unwrap();
        assert_eq!(
            c["units"][&unit][key]["year_before"].as_f64(),
            Some(chosen),
            "{unit}"
        );
        if figure(&first, &unit, key) != Some(chosen) {
            told_apart += 1;
        }
    }
    assert!(
        told_apart > 0,
        "some unit's figure differs between the periods"
    );
    // The sheet shows the chosen period's province figure in its comparison column.
    let sheet = cells(&w.path("kq3/tong-hop.xlsx"), "Tổng hợp");
    let col = (0..200u32)
        .find(|&c| text(sheet.get(&(5, c))) == Some(key))
        .unwrap();
    let province = (6..200u32)
        .find(|&r| text(sheet.get(&(r, 2))) == Some("TOÀN TỈNH"))
        .expect("a TOÀN TỈNH row");
    assert_eq!(
        number(sheet.get(&(province, col + 1))),
        h2.as_f64().unwrap()
    );
    // The units typed last year's figures as Cùng kỳ năm trước: checked against the
    // real year earlier, nothing is found.
    for s in report["submissions"].as_array().unwrap() {
        assert!(!has_finding(s, "PREV", "Biểu 1", None), "{s}");
    }
}
