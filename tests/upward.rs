//! The province's own submission: `run` writes `bao-cao-<CODE>.xlsx`, the same form filled
//! with the province's figures, and the national form (the default one with the 34
//! provinces as its units) reads it as one more submission. Three provinces are made of
//! real `tonghop samples` inboxes, each consolidated by `tonghop run`; their upward
//! reports make a national inbox, and the national totals must be the sums of the
//! provinces' and of all their units' figures.

use crate::common::{Workdir, cells, find_figure, run_args, show, submissions, text};
use serde_json::Value;
use std::collections::BTreeMap;

const PERIOD: &str = "01/01/2026..30/06/2026";
const NATIONAL: &str = "phat-trien-dang-vien-toan-quoc";
const DEFAULT_TOML: &str = include_str!("../templates/phat-trien-dang-vien.toml");

/// The default form as another province would have it: only `province` and its code
/// differ.
fn province_form(w: &Workdir, code: &str, name: &str) -> String {
    let text = DEFAULT_TOML
        .replace(
            "province = \"Tỉnh ủy Điện Biên\"",
            &format!("province = \"{name}\""),
        )
        .replace(
            "province_code = \"11\"",
            &format!("province_code = \"{code}\""),
        );
    assert!(
        code == "11" || text != DEFAULT_TOML,
        "the default form has no province to replace"
    );
    let rel = format!("form-{code}.toml");
    w.put(&rel, text.as_bytes());
    rel
}

/// The keys of every count of the national form, by `describe --json`: counts add up,
/// percentages and means do not. The derived figures are left out here; the
/// organisations that admitted are checked apart.
fn count_keys(w: &Workdir) -> Vec<String> {
    let d = w.run_json(&["describe", "--json", "--form", NATIONAL], 0);
    let mut keys = Vec::new();
    for c in d["cells"].as_array().unwrap() {
        if c["type"] == "count" {
            keys.push(c["key"].as_str().unwrap().to_string());
        }
    }
    for t in d["tables"].as_array().unwrap() {
        for c in t["columns"].as_array().unwrap() {
            if c["type"] == "count" {
                keys.push(format!(
                    "{}.{}",
                    t["key"].as_str().unwrap(),
                    c["key"].as_str().unwrap()
                ));
            }
        }
    }
    for l in d["lists"].as_array().unwrap() {
        for r in l["rows"].as_array().unwrap() {
            if r["figures"] != true {
                continue;
            }
            for (i, c) in l["columns"].as_array().unwrap().iter().enumerate() {
                if r["types"][i] == "count" {
                    keys.push(format!(
                        "{}.{}.{}",
                        l["key"].as_str().unwrap(),
                        r["key"].as_str().unwrap(),
                        c["key"].as_str().unwrap()
                    ));
                }
            }
        }
    }
    assert!(keys.len() > 300, "{}", keys.len());
    keys
}

/// Every count of every unit summed in a province's report.json, added into `sums`:
/// list and cell figures as read, a table column as the sum of its rows.
fn add_units(report: &Value, keys: &[String], sums: &mut BTreeMap<String, f64>) {
    for s in submissions(report) {
        if s["included_in_totals"] != true {
            continue;
        }
        for k in keys {
            if let Some(v) = find_figure(report, s, k).and_then(|f| f.value.as_f64()) {
                *sums.entry(k.clone()).or_default() += v;
            }
        }
        for (tkey, t) in s["tables"].as_object().unwrap() {
            let cols: Vec<&str> = t["columns"]
                .as_array()
                .unwrap()
                .iter()
                .map(|c| c.as_str().unwrap())
                .collect();
            let rows = t["rows"].as_array().expect("detail written");
            for (i, col) in cols.iter().enumerate().skip(2) {
                let sum: f64 = rows.iter().filter_map(|r| r[i].as_f64()).sum();
                *sums.entry(format!("{tkey}.{col}")).or_default() += sum;
            }
        }
    }
}

#[test]
fn the_national_run_over_three_provinces_upward_reports_sums_their_figures() {
    let w = Workdir::official();
    let provinces = [
        ("11", "Tỉnh ủy Điện Biên", "7", &[][..]),
        ("12", "Tỉnh ủy Lai Châu", "8", &["--units", "6"][..]),
        ("14", "Tỉnh ủy Sơn La", "9", &["--units", "4"][..]),
    ];
    std::fs::create_dir_all(w.path("toan-quoc")).unwrap();
    let mut reports = Vec::new();
    for (code, name, seed, units) in provinces {
        let form = province_form(&w, code, name);
        let inbox = format!("nop-{code}");
        let mut args = vec!["--form", form.as_str(), "--seed", seed, "--rows", "3"];
        args.extend_from_slice(units);
        w.samples(&inbox, &args);
        std::fs::remove_file(w.path(&format!("{inbox}/faults.json"))).unwrap();
        let out = format!("kq-{code}");
        let run = w.run_expect(
            &[
                "run", &inbox, "--out", &out, "--form", &form, "--period", PERIOD,
            ],
            0,
        );
        let said = String::from_utf8_lossy(&run.stdout).to_string();
        let file = format!("bao-cao-{code}.xlsx");
        let report = w.report(&out);
        let up = &report["upward"];
        assert_eq!(up["path"], file.as_str(), "{up}");
        assert_eq!(up["unit"], code);
        if units.is_empty() {
            // Every one of the 49 accepted: complete, and said plainly.
            assert_eq!(up["complete"], true, "{up}");
            assert_eq!(up["units"].as_array().unwrap().len(), 49);
            assert!(!said.contains("CHƯA ĐỦ"), "{said}");
        } else {
            let n = units[1];
            assert_eq!(up["complete"], false, "{up}");
            assert_eq!(up["covered"], n.parse::<u64>().unwrap());
            assert_eq!(up["expected"], 49);
            assert_eq!(
                up["missing"].as_array().unwrap().len(),
                49 - n.parse::<usize>().unwrap()
            );
            let mark = format!("CHƯA ĐỦ: {n}/49 đơn vị");
            assert!(said.contains(&format!("{file} ({mark})")), "{said}");
            let info = cells(&w.path(&format!("{out}/{file}")), "Thông tin");
            assert!(
                info.values().any(|c| text(Some(c)) == Some(mark.as_str())),
                "{mark} not on the first sheet"
            );
        }
        // Its Kết nạp rows are the units summed, and its header says so.
        let kn = cells(&w.path(&format!("{out}/{file}")), "Kết nạp");
        assert_eq!(
            text(kn.get(&crate::common::a1("B3"))),
            Some("Tên đơn vị (đảng bộ trực thuộc)")
        );
        // A valid submission to the level above, as `check` with its form says.
        let path = format!("{out}/{file}");
        let check = w.run(&["check", "--form", NATIONAL, "--period", PERIOD, &path]);
        assert_eq!(check.status.code(), Some(0), "{}", show(&check));
        std::fs::copy(w.path(&path), w.path(&format!("toan-quoc/{file}"))).unwrap();
        reports.push(report);
    }
    // The province's consolidated workbook dropped in by mistake is still skipped as
    // tonghop's own output; the upward reports beside it are read.
    std::fs::copy(
        w.path("kq-11/tong-hop.xlsx"),
        w.path("toan-quoc/tong-hop.xlsx"),
    )
    .unwrap();
    let national = w.run_report(
        "toan-quoc",
        "kq-tw",
        &["--form", NATIONAL, "--period", PERIOD],
        0,
    );
    let subs = submissions(&national);
    assert_eq!(subs.len(), 3, "{:?}", national["skipped"]);
    for s in subs {
        assert_eq!(
            s["status"], "accepted",
            "{}: {:?}",
            s["file"], s["findings"]
        );
    }
    let skipped = national["skipped"].to_string();
    assert!(skipped.contains("tong-hop.xlsx"), "{skipped}");
    assert_eq!(national["summary"]["missing"], 31);
    // The national form has no level above.
    assert!(national.get("upward").is_none());
    assert!(!w.path("kq-tw").read_dir().unwrap().any(|e| {
        e.unwrap()
            .file_name()
            .to_string_lossy()
            .starts_with("bao-cao-")
    }));

    let keys = count_keys(&w);
    let mut of_units = BTreeMap::new();
    for r in &reports {
        add_units(r, &keys, &mut of_units);
    }
    let mut compared = 0;
    for k in &keys {
        // A blank line stays blank in a province's totals: nothing to add.
        let present: Vec<f64> = reports
            .iter()
            .filter_map(|r| r["totals"][k].as_f64())
            .collect();
        let of_provinces = (!present.is_empty()).then(|| present.iter().sum::<f64>());
        let total = national["totals"][k].as_f64();
        match (total, of_provinces) {
            (Some(t), Some(p)) => {
                assert_eq!(t, p, "{k}: national {t}, provinces {p}");
                assert_eq!(Some(&t), of_units.get(k), "{k}: national {t}, units");
                compared += 1;
            }
            (t, p) => assert!(
                t.is_none() && reports.iter().all(|r| r["totals"][k].is_null()),
                "{k}: national {t:?}, provinces {p:?}"
            ),
        }
    }
    assert!(compared > 300, "{compared}");
    // The organisations that admitted: each province's counted from its organisations'
    // rows, the nation's added up from Biểu 2's (its table's rows are units), so the
    // nation's is the provinces' sum, not the number of units that admitted.
    let key = "tccsd_admitting";
    let of_provinces: f64 = reports
        .iter()
        .map(|r| r["totals"][key].as_f64().unwrap())
        .sum();
    assert_eq!(national["totals"][key].as_f64(), Some(of_provinces));
    // A percentage is recomputed from the national sums, never averaged.
    let t = &national["totals"];
    let rate = t["admission_rate"].as_f64().unwrap();
    let (b1, a) = (
        t["movement.b1.this"].as_f64().unwrap(),
        t["movement.a.this"].as_f64().unwrap(),
    );
    assert!((rate - b1 * 100.0 / a).abs() < 1e-6, "{rate} vs {b1}/{a}");
}

#[test]
fn an_upward_report_of_another_province_code_left_by_an_earlier_run_goes_only_if_ours() {
    let w = Workdir::official();
    w.samples("nop", &["--units", "3", "--rows", "2"]);
    std::fs::remove_file(w.path("nop/faults.json")).unwrap();
    w.run_expect(&run_args("nop", "kq", &["--period", PERIOD]), 0);
    let ours = w.path("kq/bao-cao-11.xlsx");
    assert!(ours.is_file());
    // The code is corrected in the form; a clerk keeps a file of their own that looks
    // like an upward report but is not tonghop's.
    let unit = crate::common::files_in(&w.path("nop"))
        .into_iter()
        .find(|p| p.extension().is_some_and(|e| e == "xlsx"))
        .unwrap();
    std::fs::copy(unit, w.path("kq/bao-cao-99.xlsx")).unwrap();
    let form = province_form(&w, "12", "Tỉnh ủy Lai Châu");
    w.run_expect(
        &run_args("nop", "kq", &["--period", PERIOD, "--form", &form]),
        0,
    );
    assert!(w.path("kq/bao-cao-12.xlsx").is_file());
    assert!(
        !ours.exists(),
        "the old upward report stayed beside the new one"
    );
    assert!(
        w.path("kq/bao-cao-99.xlsx").is_file(),
        "the clerk's file went"
    );
    // A form without a level above writes none: the 2026.1 form has no province_code.
    let w = Workdir::new();
    w.samples("nop", &["--units", "2", "--rows", "2"]);
    std::fs::remove_file(w.path("nop/faults.json")).unwrap();
    let report = w.run_report("nop", "kq", &[], 0);
    assert!(report.get("upward").is_none());
}

/// The province opens its upward report in LibreOffice and saves it before sending it:
/// the level above reads the same figures from the saved file.
#[test]
fn an_upward_report_saved_by_libreoffice_gives_the_same_national_totals() {
    let w = Workdir::official();
    w.samples("nop", &["--units", "5", "--rows", "3", "--seed", "3"]);
    std::fs::remove_file(w.path("nop/faults.json")).unwrap();
    w.run_expect(&run_args("nop", "kq", &["--period", PERIOD]), 0);
    std::fs::create_dir_all(w.path("xlsx")).unwrap();
    std::fs::create_dir_all(w.path("ods")).unwrap();
    let ours = w.path("kq/bao-cao-11.xlsx");
    std::fs::copy(&ours, w.path("xlsx/bao-cao-11.xlsx")).unwrap();
    crate::common::lo::convert(&ours, "ods", &w.path("ods"));
    let args = ["--form", NATIONAL, "--period", PERIOD];
    let a = w.run_report("xlsx", "kq-xlsx", &args, 0);
    let b = w.run_report("ods", "kq-ods", &args, 0);
    for r in [&a, &b] {
        let s = &submissions(r)[0];
        assert_eq!(
            s["status"], "accepted",
            "{}: {:?}",
            s["file"], s["findings"]
        );
    }
    assert_eq!(
        a["totals"], b["totals"],
        "totals differ once saved by LibreOffice"
    );
    let province = w.report("kq");
    assert_eq!(
        a["totals"]["movement.d.this"],
        province["totals"]["movement.d.this"]
    );
}

#[test]
fn an_upward_report_of_a_thousand_units_names_thirty_and_counts_the_rest() {
    // Listed in full, 1,200 units' names pass Excel's 32,767 characters in one cell and
    // the whole run failed writing bao-cao-11.xlsx (found by the benchmark at 10,000).
    let w = Workdir::official();
    w.samples("inbox", &["--units", "1200", "--rows", "1"]);
    let form = w.path("inbox/form.toml");
    let form_copy = w.path("form.toml");
    std::fs::rename(&form, &form_copy).unwrap();
    let report = w.run_report(
        "inbox",
        "out",
        &["--no-archive", "--form", form_copy.to_str().unwrap()],
        0,
    );
    assert!(report["upward"].is_object(), "{report}");
    let first = crate::common::sheet_names(&w.path("out/bao-cao-11.xlsx"))[0].clone();
    let cells = crate::common::cells(&w.path("out/bao-cao-11.xlsx"), &first);
    let listed = cells
        .values()
        .filter_map(|d| crate::common::text(Some(d)))
        .find(|t| t.contains("đơn vị khác"))
        .expect("the covered units' list ends with a count")
        .to_string();
    assert!(listed.chars().count() < 32_767);
    assert_eq!(listed.matches(';').count(), 30, "{listed}");
    assert!(listed.contains("và 1.170 đơn vị khác"), "{listed}");
}

/// The province's own report names who prepared it: `--preparer` and `--phone`, or the
/// board's name as a placeholder (a blank preparer would make the level above return
/// it) and no phone.
#[test]
fn the_upward_report_names_its_preparer() {
    let w = Workdir::official();
    w.samples("nop", &["--units", "3", "--rows", "3", "--seed", "4"]);
    w.run_expect(
        &[
            "run",
            "nop",
            "--out",
            "kq",
            "--period",
            PERIOD,
            "--quiet",
            "--preparer",
            " Lò Văn Minh ",
            "--phone",
            "0215 3826 000",
        ],
        0,
    );
    let info = cells(&w.path("kq/bao-cao-11.xlsx"), "Thông tin");
    let at = |c: &str| text(info.get(&crate::common::a1(c))).map(str::to_string);
    assert_eq!(at("C10").as_deref(), Some("Lò Văn Minh"));
    assert_eq!(at("C11").as_deref(), Some("0215 3826 000"));
    // Signed as the form's own foot says ([report]), not in words of its own.
    let foot = (0..60u32)
        .find(|&r| text(info.get(&(r, 2))) == Some("TRƯỞNG BAN"))
        .expect("the signer's line");
    assert_eq!(text(info.get(&(foot, 1))), Some("NGƯỜI LẬP BIỂU"));
    assert_eq!(
        text(info.get(&(foot + 1, 1))),
        Some("(Ký, ghi rõ họ và tên; số điện thoại liên hệ)")
    );
    assert_eq!(
        text(info.get(&(foot + 1, 2))),
        Some("(Ký, đóng dấu, ghi rõ chức vụ, họ và tên)")
    );
    // Dated the day the run is told it is, as its deadlines are.
    w.run_expect_env(
        &["run", "nop", "--out", "kq2", "--period", PERIOD, "--quiet"],
        &[("TONGHOP_TODAY", "2026-07-25")],
        0,
    );
    let info = cells(&w.path("kq2/bao-cao-11.xlsx"), "Thông tin");
    let serial = chrono::NaiveDate::from_ymd_opt(2026, 7, 25).unwrap()
        - chrono::NaiveDate::from_ymd_opt(1899, 12, 30).unwrap();
    assert_eq!(
        info.get(&crate::common::a1("C12")).map(|d| d.to_string()),
        Some(serial.num_days().to_string()),
        "the date of report, as Excel counts days"
    );
    assert_eq!(
        text(info.get(&crate::common::a1("C10"))),
        Some("Ban Tổ chức Tỉnh ủy Điện Biên")
    );
    assert_eq!(info.get(&crate::common::a1("C11")), None);
}
