//! Targets, the term and the summary over two consecutive periods in one archive: the
//! achievement, the units below target, the term's sum and the summary's sentences,
//! each checked against what is computed here from the runs' own sums.

use crate::common::{Workdir, cells, figure, sheet_names, show, submission_of_unit, text};
use rust_xlsxwriter::Workbook;
use serde_json::Value;

const H1: &str = "6 tháng đầu năm 2026";
const H2: &str = "6 tháng cuối năm 2026";
const B1: &str = "movement.b1.this";

/// Clean samples of 10 units for `period`, continuing the archive when it exists.
fn samples(w: &Workdir, dir: &str, period: &str, seed: &str) {
    let mut args = vec![
        "--units", "10", "--faults", "0", "--seed", seed, "--period", period,
    ];
    if w.path("tonghop-luu-tru.sqlite").exists() {
        args.extend(["--archive", "tonghop-luu-tru.sqlite", "--carry-faults", "0"]);
    }
    w.samples(dir, &args);
}

/// A number as a Vietnamese report writes it, rounded to two decimals: 6.611, 111,1.
fn vn(v: f64) -> String {
    notation(v, '.', ',')
}

/// The same in English: 6,611, 111.1.
fn en(v: f64) -> String {
    notation(v, ',', '.')
}

fn notation(v: f64, group: char, point: char) -> String {
    let r = (v * 100.0).round() / 100.0;
    let s = format!("{r:.2}");
    let (int, frac) = s.split_once('.').unwrap();
    let frac = frac.trim_end_matches('0');
    let digits: Vec<char> = int.chars().collect();
    let mut g = String::new();
    for (i, d) in digits.iter().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            g.push(group);
        }
        g.push(*d);
    }
    if frac.is_empty() {
        g
    } else {
        format!("{g}{point}{frac}")
    }
}

fn r10(v: f64) -> f64 {
    (v * 1e10).round() / 1e10
}

fn total(report: &Value, key: &str) -> f64 {
    report["totals"][key].as_f64().unwrap()
}

fn units(report: &Value) -> Vec<(String, f64, f64)> {
    report["submissions"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|s| s["included_in_totals"] == true)
        .map(|s| {
            (
                s["unit"].as_str().unwrap().to_string(),
                figure(report, s, B1).value.as_f64().unwrap(),
                figure(report, s, "movement.a.this").value.as_f64().unwrap(),
            )
        })
        .collect()
}

/// A targets workbook as `targets template` lays it out: keys on row 6, units from
/// row 7, the province's row last.
fn targets_file(w: &Workdir, name: &str, keys: &[&str], rows: &[(&str, Vec<Option<&str>>)]) {
    let mut wb = Workbook::new();
    let ws = wb.add_worksheet();
    ws.set_name("Chỉ tiêu").unwrap();
    ws.write_string(0, 0, "CHỈ TIÊU").unwrap();
    ws.write_string(1, 1, "phat-trien-dang-vien").unwrap();
    ws.write_string(5, 0, "unit").unwrap();
    ws.write_string(5, 1, "unit_name").unwrap();
    for (k, key) in keys.iter().enumerate() {
        ws.write_string(5, 2 + k as u16, *key).unwrap();
    }
    for (i, (code, values)) in rows.iter().enumerate() {
        let row = 6 + i as u32;
        ws.write_string(row, 0, *code).unwrap();
        for (k, v) in values.iter().enumerate() {
            match v.map(|v| v.parse::<f64>()) {
                Some(Ok(n)) => ws.write_number(row, 2 + k as u16, n).unwrap(),
                Some(Err(_)) => ws.write_string(row, 2 + k as u16, v.unwrap()).unwrap(),
                None => continue,
            };
        }
    }
    wb.save(w.path(name)).unwrap();
}

/// A block of So sánh found by its title: its column heads, and its lines below them
/// (11 cells each, blank as "").
fn block(path: &std::path::Path, sheet: &str, title: &str) -> (Vec<String>, Vec<Vec<String>>) {
    let c = cells(path, sheet);
    let at = c
        .iter()
        .find(|(_, v)| text(Some(v)).is_some_and(|t| t.starts_with(title)))
        .map(|((r, _), _)| *r)
        .unwrap_or_else(|| panic!("no block {title}"));
    let line = |r: u32| -> Vec<String> {
        (0..11)
            .map(|col| text(c.get(&(r, col))).unwrap_or("").to_string())
            .collect()
    };
    let last = c.keys().map(|(r, _)| *r).max().unwrap_or(at);
    let lines = (at + 2..=last)
        .map(line)
        .take_while(|l| l.iter().any(|t| !t.is_empty()))
        .collect();
    (line(at + 1), lines)
}

#[test]
fn two_periods_give_targets_achieved_the_term_so_far_and_the_summary() {
    let w = Workdir::official();
    samples(&w, "h1", H1, "3");
    let first = w.run_report("h1", "kq1", &["--period", H1], 0);
    samples(&w, "h2", H2, "4");
    let plain = w.run_report("h2", "kq2", &["--period", H2], 0);
    // Without targets the comparison says so, and the summary falls back.
    assert!(plain["comparison"]["targets"]["from"].is_null());
    assert_eq!(
        plain["summary"]["sentences"][0],
        format!("Toàn tỉnh kết nạp {} đảng viên.", vn(total(&plain, B1)))
    );

    // Targets: odd units one above what they admitted (below target), even ones at it;
    // no province row, so the province's target is the units' added up.
    let us = units(&plain);
    assert_eq!(us.len(), 10);
    let target_of = |i: usize, admitted: f64| admitted + (i % 2) as f64;
    let values: Vec<String> = us
        .iter()
        .enumerate()
        .map(|(i, u)| target_of(i, u.1).to_string())
        .collect();
    let mut rows: Vec<(&str, Vec<Option<&str>>)> = us
        .iter()
        .zip(&values)
        .map(|(u, v)| (u.0.as_str(), vec![Some(v.as_str()), None]))
        .collect();
    rows.push(("TOAN_TINH", vec![None, Some("2000")]));
    targets_file(&w, "chi-tieu.xlsx", &[B1, "term:movement.b1.this"], &rows);
    let out = w.run_expect(
        &[
            "run",
            "h2",
            "--out",
            "kq3",
            "--period",
            H2,
            "--targets",
            "chi-tieu.xlsx",
        ],
        0,
    );
    assert!(
        !String::from_utf8_lossy(&out.stderr).contains("tonghop: chỉ tiêu:"),
        "{}",
        show(&out)
    );
    let report = w.report("kq3");
    let t = &report["comparison"]["targets"];
    assert!(t["problems"].as_array().unwrap().is_empty(), "{t}");
    let p = &t["province"][B1];
    let sum_targets: f64 = us.iter().enumerate().map(|(i, u)| target_of(i, u.1)).sum();
    let admitted = total(&report, B1);
    assert_eq!(admitted, us.iter().map(|u| u.1).sum::<f64>());
    assert_eq!(p["this"].as_f64().unwrap(), admitted);
    assert_eq!(p["target"].as_f64().unwrap(), sum_targets);
    assert_eq!(p["target_source"], "units_summed");
    assert_eq!(p["summed_from"]["units"], 10);
    let pct = r10(admitted * 100.0 / sum_targets);
    assert_eq!(p["percent"].as_f64().unwrap(), pct);
    let start = total(&report, "movement.a.this");
    let rate = r10(admitted * 100.0 / start);
    assert_eq!(p["rate"].as_f64().unwrap(), rate);
    for (i, u) in us.iter().enumerate() {
        let line = &t["units"][&u.0][B1];
        assert_eq!(
            line["target"].as_f64().unwrap(),
            target_of(i, u.1),
            "{}",
            u.0
        );
        assert_eq!(line["below"], i % 2 == 1, "{}", u.0);
        let flagged = report["comparison"]["units"][&u.0]["flags"]
            .as_array()
            .unwrap()
            .iter()
            .any(|f| f == "BELOW_TARGET");
        assert_eq!(flagged, i % 2 == 1, "{}", u.0);
        if u.1 + (i % 2) as f64 > 0.0 {
            assert_eq!(
                line["percent"].as_f64().unwrap(),
                r10(u.1 * 100.0 / target_of(i, u.1))
            );
        }
        assert_eq!(line["rate"].as_f64().unwrap(), r10(u.1 * 100.0 / u.2));
    }

    // The term: both halves of 2026 summed; October to December 2025 are not in the
    // archive, and said so; the previous term is not there at all.
    let term = &report["comparison"]["term"];
    assert_eq!(term["name"], "nhiệm kỳ 2025–2030");
    assert_eq!(
        term["periods"],
        serde_json::json!([
            {"from": "01/01/2026", "to": "30/06/2026"},
            {"from": "01/07/2026", "to": "31/12/2026"}
        ])
    );
    assert_eq!(
        term["missing_months"],
        serde_json::json!([{"from": "10/2025", "to": "12/2025"}])
    );
    assert_eq!(term["complete"], false);
    let term_sum = total(&first, B1) + admitted;
    let tp = &term["province"][B1];
    assert_eq!(tp["sum"].as_f64().unwrap(), term_sum);
    assert_eq!(tp["target"].as_f64().unwrap(), 2000.0);
    assert_eq!(tp["target_summed"], false);
    assert_eq!(
        tp["target_percent"].as_f64().unwrap(),
        r10(term_sum * 100.0 / 2000.0)
    );
    assert!(tp["previous_term"].is_null());
    let notes = term["notes"].as_array().unwrap();
    assert!(
        notes
            .iter()
            .any(|n| n.as_str().unwrap().contains("10/2025–12/2025")),
        "{notes:?}"
    );
    assert!(
        notes.iter().any(|n| n
            .as_str()
            .unwrap()
            .starts_with("không so sánh được với nhiệm kỳ trước")),
        "{notes:?}"
    );
    for (u, a, _) in &us {
        let first_b1 = figure(&first, submission_of_unit(&first, u), B1)
            .value
            .as_f64()
            .unwrap();
        assert_eq!(
            term["units"][u][B1]["sum"].as_f64().unwrap(),
            first_b1 + a,
            "{u}"
        );
    }

    // The summary, sentence by sentence: no same period a year earlier in the archive,
    // so the sentences that need it fall back.
    let below = us.iter().enumerate().filter(|(i, _)| i % 2 == 1).count();
    let expected_units = report["summary"]["expected_units"].as_u64().unwrap();
    let missing = report["summary"]["missing"].as_u64().unwrap();
    let want = vec![
        format!(
            "Toàn tỉnh kết nạp {} đảng viên, đạt {}% chỉ tiêu.",
            vn(admitted),
            vn(pct)
        ),
        format!(
            "Số đảng viên mới kết nạp bằng {}% số đảng viên đầu kỳ; {below}/10 đơn vị chưa đạt chỉ tiêu kết nạp.",
            vn(total(&report, "admission_rate"))
        ),
        format!(
            "Cuối kỳ toàn tỉnh có {} đảng viên; đảng viên nữ chiếm {}%, đảng viên dân tộc thiểu số {}%.",
            vn(total(&report, "movement.d.this")),
            vn(total(&report, "women_share")),
            vn(total(&report, "ethnic_share"))
        ),
        format!(
            "Từ đầu nhiệm kỳ 2025–2030 đến 31/12/2026, các kỳ có trong kho lưu trữ cộng lại được {} đảng viên kết nạp (chưa có số liệu các tháng 10/2025–12/2025).",
            vn(term_sum)
        ),
        format!(
            "Đã nhận báo cáo của 10/{expected_units} đơn vị; 0 đơn vị phải sửa và gửi lại, {missing} đơn vị chưa nộp."
        ),
    ];
    let got: Vec<String> = report["summary"]["sentences"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s.as_str().unwrap().to_string())
        .collect();
    assert_eq!(got, want);
    assert_eq!(
        report["summary"]["values"]["admitted"].as_f64().unwrap(),
        admitted
    );
    assert_eq!(
        report["summary"]["values"]["admitted.target_pct"]
            .as_f64()
            .unwrap(),
        pct
    );
    // Tóm tắt is the consolidated workbook's second sheet, So sánh holds the blocks.
    let names = sheet_names(&w.path("kq3/tong-hop.xlsx"));
    assert_eq!(names[1], "Tóm tắt", "{names:?}");
    assert!(names.iter().any(|n| n == "So sánh"));
    // The targets block heads its base column with the base's name (`base_label`).
    let vi = block(
        &w.path("kq3/tong-hop.xlsx"),
        "So sánh",
        "CHỈ TIÊU VÀ MỨC ĐẠT",
    )
    .0;
    assert_eq!(
        vi[6..8],
        ["Gốc so sánh: Đảng viên đầu kỳ", "% so với gốc so sánh"],
        "{vi:?}"
    );

    // The same in English.
    let english = w.run_report(
        "h2",
        "kq4",
        &["--period", H2, "--targets", "chi-tieu.xlsx", "--lang", "en"],
        0,
    );
    assert_eq!(
        english["summary"]["sentences"][0],
        format!(
            "The province admitted {} members, {}% of the target.",
            en(admitted),
            en(pct)
        )
    );
    let in_en = block(
        &w.path("kq4/tong-hop.xlsx"),
        "Comparison",
        "TARGETS AND ACHIEVEMENT",
    )
    .0;
    assert_eq!(
        in_en[6..8],
        ["Base: Members at the start", "% of the base"],
        "{in_en:?}"
    );

    // Kept in the archive, the targets serve a run given none.
    w.run_expect(&["archive", "import-targets", H2, "chi-tieu.xlsx"], 0);
    let kept = w.run_report("h2", "kq5", &["--period", H2], 0);
    let k = &kept["comparison"]["targets"];
    assert!(
        k["from"].as_str().unwrap().starts_with("kho lưu trữ"),
        "{k}"
    );
    assert_eq!(k["province"][B1]["target"].as_f64().unwrap(), sum_targets);
    assert_eq!(
        kept["comparison"]["term"]["province"][B1]["target"]
            .as_f64()
            .unwrap(),
        2000.0
    );
}

#[test]
fn a_broken_targets_file_gives_findings_naming_file_sheet_and_cell() {
    let w = Workdir::official();
    samples(&w, "h1", H1, "3");
    let rows = vec![
        ("MUONGNHEE", vec![Some("10")]),
        ("MUONGNHE", vec![Some("mười")]),
        ("TOAN_TINH", vec![Some("-5")]),
    ];
    targets_file(&w, "hong.xlsx", &[B1, "movement.zz"], &rows);
    let out = w.run_expect(
        &[
            "run",
            "h1",
            "--out",
            "kq",
            "--period",
            H1,
            "--targets",
            "hong.xlsx",
        ],
        0,
    );
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("sheet Chỉ tiêu, ô A7: mã đơn vị 'MUONGNHEE' không có trong danh sách đơn vị; gần nhất: MUONGNHE"), "{err}");
    assert!(
        err.contains("ô C8: chỉ tiêu 'mười' không phải số không âm"),
        "{err}"
    );
    assert!(
        err.contains("ô D6: 'movement.zz' không phải chỉ tiêu của biểu mẫu"),
        "{err}"
    );
    let report = w.report("kq");
    let problems = report["comparison"]["targets"]["problems"]
        .as_array()
        .unwrap();
    let cells: Vec<&str> = problems
        .iter()
        .map(|p| p["cell"].as_str().unwrap())
        .collect();
    assert_eq!(cells, vec!["D6", "A7", "C8", "C9"], "{problems:?}");
    for p in problems {
        assert!(p["file"].as_str().unwrap().ends_with("hong.xlsx"));
        assert_eq!(p["sheet"], "Chỉ tiêu");
    }
    // The archive takes a targets file whole or not at all.
    w.run_expect(&["archive", "import-targets", H1, "hong.xlsx"], 2);
}

#[test]
fn the_blank_targets_workbook_lists_the_units_and_the_province() {
    let w = Workdir::official();
    w.run_expect(
        &["targets", "template", "--period", H2, "--out", "ct.xlsx"],
        0,
    );
    let cells = crate::common::cells(&w.path("ct.xlsx"), "Chỉ tiêu");
    let text = |r: u32, c: u32| crate::common::text(cells.get(&(r, c))).map(str::to_string);
    assert_eq!(text(5, 2).as_deref(), Some(B1));
    assert_eq!(text(5, 3).as_deref(), Some("term:movement.b1.this"));
    assert_eq!(text(4, 2).as_deref(), Some("Chỉ tiêu kết nạp"));
    let codes: Vec<String> = (6..200).filter_map(|r| text(r, 0)).collect();
    assert_eq!(codes.last().map(String::as_str), Some("TOAN_TINH"));
    assert_eq!(codes.len(), 50, "49 units and the province");
}

/// Targets over different bases: no one name heads the base column, so each line's note
/// names its own base, declared or the form's label of the figure.
#[test]
fn targets_over_different_bases_name_each_base_in_the_note() {
    let w = Workdir::official();
    let one = r#"base = "movement.a.this", base_label = "Đảng viên đầu kỳ", base_label_en = "Members at the start" },"#;
    let spec = include_str!("../templates/phat-trien-dang-vien.toml");
    assert!(spec.contains(one));
    let two = format!(
        "{one}\n  {{ figure = \"movement.b2.this\", label = \"Chỉ tiêu tiếp nhận\", base = \"movement.d.this\" }},"
    );
    std::fs::write(w.path("hai-goc.toml"), spec.replace(one, &two)).unwrap();
    w.samples(
        "h2",
        &[
            "--form",
            "hai-goc.toml",
            "--units",
            "3",
            "--faults",
            "0",
            "--seed",
            "5",
            "--period",
            H2,
        ],
    );
    targets_file(
        &w,
        "chi-tieu.xlsx",
        &[B1, "movement.b2.this"],
        &[("TOAN_TINH", vec![Some("100"), Some("50")])],
    );
    w.run_report(
        "h2",
        "kq",
        &[
            "--form",
            "hai-goc.toml",
            "--period",
            H2,
            "--targets",
            "chi-tieu.xlsx",
            "--no-archive",
        ],
        0,
    );
    let (heads, lines) = block(
        &w.path("kq/tong-hop.xlsx"),
        "So sánh",
        "CHỈ TIÊU VÀ MỨC ĐẠT",
    );
    assert_eq!(
        heads[6..8],
        ["Gốc so sánh", "% so với gốc so sánh"],
        "{heads:?}"
    );
    let note = |label: &str| -> Vec<&str> {
        lines
            .iter()
            .filter(|l| l[2] == label)
            .map(|l| l[10].as_str())
            .collect()
    };
    let admitted = note("Chỉ tiêu kết nạp");
    let moved_in = note("Chỉ tiêu tiếp nhận");
    // The province and every unit expected, a line each.
    assert_eq!(admitted.len(), 1 + 49, "{lines:?}");
    assert_eq!(moved_in.len(), admitted.len(), "{lines:?}");
    assert!(
        admitted
            .iter()
            .all(|n| n.contains("gốc so sánh: Đảng viên đầu kỳ")),
        "{admitted:?}"
    );
    assert!(
        moved_in
            .iter()
            .all(|n| n.contains("gốc so sánh: Biểu 1, dòng D (")),
        "{moved_in:?}"
    );
}
