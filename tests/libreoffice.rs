//! What a real spreadsheet application does with our files: LibreOffice saves filled
//! forms as .xls and .ods (we must read them alike), and recalculates our consolidated
//! workbook (its formulas must give the totals of report.json).

use crate::common::{
    Workdir, as_f64, cells, files_in, findings_at, has_fault, lo, row_labelled, run_args,
    submission, submission_of_unit, submissions, text,
};
use calamine::Data;
use std::path::PathBuf;

#[test]
fn libreoffice_recalculates_in_this_harness() {
    let w = Workdir::new();
    lo::self_test(w.dir.path());
}

#[test]
fn xls_and_ods_saved_by_libreoffice_read_like_xlsx() {
    read_alike_once_saved_by_libreoffice(Workdir::new());
}

#[test]
fn the_official_form_saved_by_libreoffice_as_xls_and_ods_reads_like_xlsx() {
    read_alike_once_saved_by_libreoffice(Workdir::official());
}

/// Fifteen submissions with faults, five kept as .xlsx, five saved by LibreOffice as
/// .xls and five as .ods: the same totals, statuses and faults at the same cells.
fn read_alike_once_saved_by_libreoffice(w: Workdir) {
    w.samples(
        "xlsx",
        &[
            "--seed",
            "5",
            "--faults",
            "3",
            "--faulty-units",
            "4",
            "--units",
            "15",
        ],
    );
    let a = w.run_report("xlsx", "out-xlsx", &[], 1);
    // Same submissions, five kept as .xlsx, five saved as .xls, five as .ods.
    std::fs::create_dir(w.path("mixed")).unwrap();
    let files: Vec<PathBuf> = files_in(&w.path("xlsx"))
        .into_iter()
        .filter(|p| p.extension().is_some_and(|e| e == "xlsx"))
        .collect();
    lo::convert_many(&files[0..5], "xls", &w.path("mixed"));
    lo::convert_many(&files[5..10], "ods", &w.path("mixed"));
    for f in &files[10..] {
        std::fs::copy(f, w.path("mixed").join(f.file_name().unwrap())).unwrap();
    }
    let b = w.run_report("mixed", "out-mixed", &[], 1);
    assert_eq!(
        a["totals"], b["totals"],
        "totals differ once saved by LibreOffice"
    );
    let formats: Vec<&str> = submissions(&b)
        .iter()
        .map(|s| s["format"].as_str().unwrap())
        .collect();
    for f in ["xls", "ods", "xlsx"] {
        assert_eq!(
            formats.iter().filter(|x| **x == f).count(),
            5,
            "{formats:?}"
        );
    }
    // Every injected fault is found at the same place whatever the format.
    let faults = w.json("xlsx/faults.json");
    for f in faults.as_array().unwrap() {
        let sub = submission_of_unit(&b, f["unit"].as_str().unwrap());
        assert!(
            has_fault(sub, f),
            "{} ({}): fault {f} not found; findings {:?}",
            sub["file"],
            sub["format"],
            sub["findings"]
        );
    }
    for s in submissions(&a) {
        let unit = s["unit"].as_str().unwrap();
        let other = submission_of_unit(&b, unit);
        assert_eq!(s["status"], other["status"], "{unit}");
    }
}

#[test]
fn consolidated_workbook_recalculated_by_libreoffice_matches_report() {
    recalculated_summary_matches_report(Workdir::new(), true);
}

#[test]
fn the_official_forms_summary_recalculated_by_libreoffice_matches_report() {
    recalculated_summary_matches_report(Workdir::official(), false);
}

/// Every figure of *Tổng hợp*'s TOÀN TỈNH row, recalculated by LibreOffice, equals
/// report.json's total under the key its column carries; with `every`, the summary
/// shows every total (the 2026.1 form), else the form's chosen few.
fn recalculated_summary_matches_report(w: Workdir, every: bool) {
    w.samples(
        "inbox",
        &[
            "--seed",
            "9",
            "--faults",
            "2",
            "--faulty-units",
            "3",
            "--units",
            "15",
        ],
    );
    w.run(&run_args("inbox", "out", &[]));
    let report = w.report("out");
    let totals = report["totals"].as_object().unwrap();
    let recalculated = lo::convert(&w.path("out/tong-hop.xlsx"), "ods", &w.path("lo"));
    let sheet = cells(&recalculated, "Tổng hợp");
    // Row 6 (index 5) holds each column's key; the province row is the one labelled TOÀN TỈNH.
    let total_row = row_labelled(&sheet, 2, "TOÀN TỈNH").expect("province row");
    let mut checked = 0;
    for (&(_, col), key) in sheet.range((5, 4)..(6, 0)) {
        let Some(key) = text(Some(key)) else {
            continue;
        };
        let ours = totals[key].as_f64();
        let theirs = sheet.get(&(total_row, col)).and_then(as_f64);
        match (ours, theirs) {
            (Some(a), Some(b)) => assert!(
                (a - b).abs() < 1e-9 * a.abs().max(1.0),
                "{key}: report {a}, LibreOffice {b}"
            ),
            (a, b) => panic!("{key}: report {a:?}, LibreOffice {b:?}"),
        }
        checked += 1;
    }
    if every {
        assert_eq!(checked, totals.len());
    } else {
        assert!(checked > 10 && checked < totals.len(), "{checked} columns");
    }
    // The detail sheet's total row agrees too.
    let detail = cells(&recalculated, "Chi tiết");
    let row = row_labelled(&detail, 2, "TOÀN TỈNH").unwrap();
    let admitted = match detail.get(&(row, 5)) {
        Some(Data::Float(f)) => *f,
        other => panic!("{other:?}"),
    };
    assert_eq!(admitted, totals["admissions.admitted"].as_f64().unwrap());
    // A returned unit's submission is in the report with its status.
    let faults = w.json("inbox/faults.json");
    let unit = faults[0]["unit"].as_str().unwrap();
    assert!(
        submission(&report, &format!("{unit}.xlsx"))["findings"]
            .as_array()
            .unwrap()
            .len()
            >= 2
    );
}

#[test]
fn a_streamed_returned_workbook_opens_in_libreoffice_whole() {
    // A table over 5,000 rows goes back in a sheet written in constant-memory mode
    // (inline strings, no row spans). The unit opens it in LibreOffice: saved again
    // from there, it must hold every figure and fault it had.
    let w = Workdir::new();
    w.streamed_return("6");
    let returned = files_in(&w.path("out/tra-lai"))
        .into_iter()
        .next()
        .expect("a returned workbook");
    let saved = lo::convert(&returned, "ods", &w.path("lo"));
    let expected = findings_at(&w, returned.to_str().unwrap());
    assert!(!expected.is_empty());
    assert_eq!(findings_at(&w, saved.to_str().unwrap()), expected);
    let labelled = cells(&saved, "Kết nạp")
        .iter()
        .filter(|&(&(_, c), v)| c == 1 && matches!(v, Data::String(s) if !s.is_empty()))
        .count();
    // The header, 6,000 organisations and the total row.
    assert_eq!(labelled, 6_002);
}

/// One clean sample of the official form with a 15-row table (total on row 19), and the
/// 0-based columns of the admissions table, C to I.
fn clean_sample_with_15_rows(w: &Workdir) -> (PathBuf, Vec<u32>) {
    w.samples(
        "s",
        &[
            "--units",
            "1",
            "--rows",
            "15",
            "--faulty-units",
            "0",
            "--seed",
            "7",
        ],
    );
    let file = files_in(&w.path("s"))
        .into_iter()
        .find(|p| p.extension().is_some_and(|e| e == "xlsx"))
        .expect("a sample");
    (file, (2..=8).collect())
}

/// Each column's figure on `row` (0-based) and the sum of the rows from 0-based `first`
/// to `last` of sheet Kết nạp, as calamine reads the cached values.
fn total_and_rows(path: &std::path::Path, row: u32, first: u32, last: u32, col: u32) -> (f64, f64) {
    let c = cells(path, "Kết nạp");
    let sum = (first..=last)
        .map(|r| c.get(&(r, col)).and_then(as_f64).unwrap_or(0.0))
        .sum();
    let total = c
        .get(&(row, col))
        .and_then(as_f64)
        .unwrap_or_else(|| panic!("no total at row {} column {col}", row + 1));
    (total, sum)
}

#[test]
fn rows_inserted_just_above_the_total_row_in_libreoffice_are_in_the_totals() {
    // What the form's note tells a unit to do when its table needs more rows: insert
    // them just above Tổng cộng (or anywhere in the table). Here LibreOffice inserts two rows there (its own row
    // insertion, through UNO, adjusting the formulas itself) and the figures of rows 4
    // and 5 are typed into them; recalculated and saved as .xlsx.
    let w = Workdir::official();
    let (file, cols) = clean_sample_with_15_rows(&w);
    let (before_total, _) = total_and_rows(&file, 18, 3, 17, 4);
    std::fs::create_dir(w.path("inbox")).unwrap();
    let edited = w.path("inbox/inserted.xlsx");
    let (before, after) =
        lo::insert_rows_above_total(&file, &edited, "Kết nạp", "Tổng cộng", &[4, 5], "B:I", None);
    assert_eq!((before, after), (19, 21));
    // LibreOffice's own figures: every total takes in rows 19–20.
    for &col in &cols {
        let (total, rows) = total_and_rows(&edited, 20, 3, 19, col);
        assert_eq!(total, rows, "column {col}: the total misses rows");
    }
    assert_eq!(total_and_rows(&edited, 20, 3, 19, 4).0, before_total);
    // STT numbers the named rows in order; the inserted rows have no formula of it.
    let adm = cells(&edited, "Kết nạp");
    let stt = |c: &crate::common::Cells, row: u32| c.get(&(row, 0)).and_then(crate::common::as_f64);
    let named_before = |c: &crate::common::Cells, row: u32| {
        (3..=row)
            .filter(|&r| text(c.get(&(r, 1))).is_some_and(|t| !t.trim().is_empty()))
            .count() as f64
    };
    let numbered: Vec<u32> = (3..18).filter(|&r| stt(&adm, r).is_some()).collect();
    assert!(numbered.len() >= 10, "{numbered:?}");
    for &r in &numbered {
        assert_eq!(
            stt(&adm, r),
            Some(named_before(&adm, r)),
            "STT of row {}",
            r + 1
        );
    }
    assert_eq!((stt(&adm, 18), stt(&adm, 19)), (None, None));
    // tonghop accepts it, with the same figures as before the move.
    let report = w.run_report("inbox", "out", &[], 0);
    let sub = submission(&report, "inserted.xlsx");
    assert_eq!(sub["status"], "accepted", "{:#}", sub["findings"]);
    assert!(
        sub["findings"].as_array().unwrap().is_empty(),
        "{:#}",
        sub["findings"]
    );
    assert!(w.returned("out").is_empty());
    let check = w.run(&["check", edited.to_str().unwrap()]);
    assert!(check.status.success(), "{}", crate::common::show(&check));
    // Rows inserted at the other end, just under the header, are summed too: the
    // figures of rows 17 and 18 typed into two rows inserted above row 4.
    let top = w.path("top/inserted.xlsx");
    std::fs::create_dir(w.path("top")).unwrap();
    let (before, after) = lo::insert_rows_above_total(
        &edited,
        &top,
        "Kết nạp",
        "Tổng cộng",
        &[17, 18],
        "B:I",
        Some(4),
    );
    assert_eq!((before, after), (21, 23));
    for &col in &cols {
        let (total, rows) = total_and_rows(&top, 22, 3, 21, col);
        assert_eq!(total, rows, "column {col}: the total misses rows");
    }
    assert_eq!(total_and_rows(&top, 22, 3, 21, 4).0, before_total);
    // The rows below the two named rows inserted at the top renumber from 3, as
    // LibreOffice recalculated them: an anchor on the first row would have moved
    // down with it and counted from 1 again.
    let adm = cells(&top, "Kết nạp");
    assert_eq!((stt(&adm, 3), stt(&adm, 4)), (None, None));
    let mut renumbered = 0;
    for &r in &numbered {
        let moved = r + 2;
        // Rows 17 and 18 were emptied into the new rows: blank, so no number.
        let named = text(adm.get(&(moved, 1))).is_some_and(|t| !t.trim().is_empty());
        let want = named.then(|| named_before(&adm, moved));
        assert_eq!(stt(&adm, moved), want, "STT of row {}", moved + 1);
        renumbered += usize::from(named && want >= Some(3.0));
    }
    assert!(renumbered >= 8, "{renumbered} rows renumbered");
    let report = w.run_report("top", "out-top", &[], 0);
    let sub = submission(&report, "inserted.xlsx");
    assert!(
        sub["findings"].as_array().unwrap().is_empty(),
        "{:#}",
        sub["findings"]
    );
}

#[test]
fn a_total_formula_that_misses_rows_inserted_above_it_is_named_in_the_sum_finding() {
    // A form saved with plain `SUM(C4:C18)` totals (an older template, or one a unit
    // made): rows inserted just above the total are left out, and the SUM message says
    // which, so the unit knows it is the formula and not a figure.
    let w = Workdir::official();
    let (file, cols) = clean_sample_with_15_rows(&w);
    let plain = w.path("plain.xlsx");
    {
        let bytes = std::fs::read(&file).unwrap();
        let mut z = zip::ZipArchive::new(std::io::Cursor::new(&bytes)).unwrap();
        let mut out = zip::ZipWriter::new(std::fs::File::create(&plain).unwrap());
        for i in 0..z.len() {
            let mut f = z.by_index(i).unwrap();
            let name = f.name().unwrap().into_owned();
            let mut data = Vec::new();
            std::io::Read::read_to_end(&mut f, &mut data).unwrap();
            if name.starts_with("xl/worksheets/") {
                let mut t = String::from_utf8(data).unwrap();
                for &col in &cols {
                    let c = char::from(b'A' + col as u8);
                    t = t.replace(
                        &format!("SUM(INDEX({c}:{c},ROW({c}$3)+1):INDEX({c}:{c},ROW()-1))"),
                        &format!("SUM({c}4:{c}18)"),
                    );
                }
                data = t.into_bytes();
            }
            out.start_file(name, zip::write::SimpleFileOptions::default())
                .unwrap();
            std::io::Write::write_all(&mut out, &data).unwrap();
        }
        out.finish().unwrap();
    }
    std::fs::create_dir(w.path("inbox")).unwrap();
    let edited = w.path("inbox/plain.xlsx");
    lo::insert_rows_above_total(
        &plain,
        &edited,
        "Kết nạp",
        "Tổng cộng",
        &[4, 5],
        "B:I",
        None,
    );
    let report = w.run_report("inbox", "out", &[], 1);
    let sub = submission(&report, "plain.xlsx");
    let sums: Vec<&serde_json::Value> = sub["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["rule"] == "SUM")
        .collect();
    // Every column whose rows 4–5 held figures other than 0 (the sample's figures).
    assert!(!sums.is_empty(), "{:#}", sub["findings"]);
    for f in sums {
        let m = f["message"].as_str().unwrap();
        assert!(m.contains("Công thức Tổng cộng chưa gồm dòng 19–20"), "{m}");
    }
}

/// The unit chooses its name in the blank form, and the code follows: the name cell
/// offers the names of the list sheet, the code cell looks the chosen one up (locked).
/// With a name put where the drop-down puts it, LibreOffice computes the code, and the
/// saved file is read as that unit's, with no warning about its code.
#[test]
fn a_name_chosen_in_the_blank_form_fills_in_the_code_in_libreoffice() {
    use crate::common::{sheet_names, zip_of, zip_text};
    use crate::hostile::edit::{Cell, Pkg};
    let w = Workdir::official();
    w.run_expect(&["template", "--out", "blank.xlsx"], 0);
    let blank = w.path("blank.xlsx");
    let names = sheet_names(&blank);
    assert_eq!(names.last().map(String::as_str), Some("Danh sách đơn vị"));
    let list = cells(&blank, "Danh sách đơn vị");
    let listed: Vec<(&str, &str)> = (3..200u32)
        .map_while(|r| Some((text(list.get(&(r, 1)))?, text(list.get(&(r, 2)))?)))
        .collect();
    assert_eq!(listed.len(), 49, "the 49 units of Điện Biên: {listed:?}");
    let (name, code) = *listed
        .iter()
        .find(|(_, c)| *c == "MUONGNHE")
        .expect("MUONGNHE listed");
    let mut zip = zip_of(&blank);
    let info_part = crate::common::sheet_part(&mut zip, "Thông tin");
    let info = zip_text(&mut zip, &info_part);
    assert!(
        info.contains("<f>IFERROR(VLOOKUP(C7,'Danh sách đơn vị'!$B$4:$C$52,2,FALSE),\"\")</f>"),
        "the code cell looks the name up: {info}"
    );
    assert!(
        info.contains("<formula1>'Danh sách đơn vị'!$B$4:$B$52</formula1>"),
        "the name cell's drop-down lists the names: {info}"
    );

    let mut p = Pkg::open(&std::fs::read(&blank).unwrap());
    p.cell("Thông tin", "C7", Cell::Text(name.to_string()));
    let filled = w.put("filled/chosen.xlsx", &p.bytes());
    let saved = lo::convert(&filled, "xlsx", &w.path("saved"));
    let info = cells(&saved, "Thông tin");
    assert_eq!(text(info.get(&(5, 2))), Some(code), "LibreOffice's code");
    // Every printed form names the unit chosen, in capitals, over its table.
    for sheet in ["Biểu 1", "Biểu 2B", "Kết nạp", "Địa bàn"] {
        let heading = cells(&saved, sheet);
        assert_eq!(
            text(heading.get(&(1, 0))),
            Some(format!("{}\nSố ……-BC/ĐU", name.to_uppercase()).as_str()),
            "{sheet}'s heading after LibreOffice recalculated it"
        );
    }
    let report = w.run_json(&["check", saved.to_str().unwrap(), "--json"], 1);
    let sub = &report["submissions"][0];
    assert_eq!(sub["unit"], code, "{sub:#}");
    let about_the_code: Vec<&serde_json::Value> = sub["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["rule"] == "UNITNAME" || f["rule"] == "UNIT")
        .collect();
    assert!(about_the_code.is_empty(), "{about_the_code:#?}");
}

/// A filled form that LibreOffice opens with its default settings (formulas not
/// recalculated, as for any .xlsx it did not write) and saves as .xls: it writes the
/// unit-code formula's text result, never calculated, as the number 0. The code is then
/// the chosen name's, as the formula would give, and the file is accepted with nothing
/// to fix: the unit could not have written the code into that locked cell.
#[test]
fn an_xls_saved_by_libreoffice_without_recalculating_is_read_as_the_named_units() {
    let w = Workdir::official();
    w.samples("xlsx", &["--seed", "11", "--units", "3"]);
    let files: Vec<PathBuf> = files_in(&w.path("xlsx"))
        .into_iter()
        .filter(|p| p.extension().is_some_and(|e| e == "xlsx"))
        .collect();
    let saved = lo::convert_many_with(&files, "xls", &w.path("xls"), false);
    for s in &saved {
        assert_eq!(
            cells(s, "Thông tin").get(&(5, 2)),
            Some(&Data::Float(0.0)),
            "{}: LibreOffice no longer writes 0 for the uncalculated code, so this test \
             no longer shows what it is about",
            s.display()
        );
    }
    let report = w.run_json(&["check", w.path("xls").to_str().unwrap(), "--json"], 0);
    assert_eq!(submissions(&report).len(), 3);
    for file in &saved {
        // The samples are named by their unit's code.
        let sub = submission_of_unit(&report, file.file_stem().unwrap().to_str().unwrap());
        assert_eq!(sub["status"], "accepted", "{sub:#}");
        assert_eq!(sub["findings"], serde_json::json!([]), "{sub:#}");
    }

    // One of them with faults: returned, its workbook shows the code the lookup gives.
    w.samples(
        "faulty",
        &[
            "--seed",
            "11",
            "--units",
            "1",
            "--faults",
            "2",
            "--faulty-units",
            "1",
        ],
    );
    let faulty: Vec<PathBuf> = files_in(&w.path("faulty"))
        .into_iter()
        .filter(|p| p.extension().is_some_and(|e| e == "xlsx"))
        .collect();
    let saved = lo::convert_many_with(&faulty, "xls", &w.path("faulty-xls"), false);
    let code = saved[0].file_stem().unwrap().to_str().unwrap();
    let report = w.run_report("faulty-xls", "out-faulty", &[], 1);
    assert_eq!(submission_of_unit(&report, code)["status"], "rejected");
    let back = w
        .path("out-faulty")
        .join("tra-lai")
        .join(format!("{code}.xlsx"));
    assert_eq!(text(cells(&back, "Thông tin").get(&(5, 2))), Some(code));
}

/// The pages of a PDF LibreOffice wrote: each page's (width, height) in points, from its
/// page objects' `/MediaBox` (the page tree's own box, which a page may inherit, is not
/// a page).
fn pdf_pages(pdf: &std::path::Path) -> Vec<(f64, f64)> {
    let bytes = std::fs::read(pdf).unwrap();
    let text = String::from_utf8_lossy(&bytes);
    let mut pages = Vec::new();
    for (at, _) in text.match_indices("/Type/Page") {
        let rest = &text[at + "/Type/Page".len()..];
        if rest.starts_with('s') {
            continue;
        }
        // The page's dictionary: from the object's start to its end.
        let start = text[..at].rfind(" obj").unwrap_or(0);
        let end = at + rest.find("endobj").unwrap_or(rest.len());
        let dict = &text[start..end];
        let b = dict
            .find("/MediaBox")
            .map(|i| &dict[i + "/MediaBox".len()..])
            .and_then(|s| Some(&s[s.find('[')? + 1..s.find(']')?]))
            .unwrap_or_else(|| panic!("{}: a page without /MediaBox: {dict}", pdf.display()));
        let n: Vec<f64> = b.split_whitespace().map(|x| x.parse().unwrap()).collect();
        pages.push((n[2] - n[0], n[3] - n[1]));
    }
    pages
}

/// What units and clerks print comes out as LibreOffice prints it: on A4, each form in
/// about as many pages as it has sheets (one page wide), the chasing list set up for A4
/// landscape with its header repeated.
#[test]
fn the_forms_print_on_a4_one_sheet_to_a_page() {
    let w = Workdir::official();
    w.samples("nop", &["--faults", "3", "--seed", "8"]);
    w.run_expect(
        &run_args("nop", "kq", &["--period", "6 tháng đầu năm 2026"]),
        1,
    );
    w.run_expect(&["template", "--out", "mau.xlsx"], 0);
    let returned = files_in(&w.path("kq/tra-lai"))[0].clone();
    let inputs = vec![
        w.path("mau.xlsx"),
        returned.clone(),
        w.path("kq/bao-cao-11.xlsx"),
    ];
    let sheets = crate::common::sheet_names(&w.path("mau.xlsx")).len();
    let pdfs = lo::convert_many(&inputs, "pdf", &w.path("pdf"));
    for (input, pdf) in inputs.iter().zip(&pdfs) {
        let pages = pdf_pages(pdf);
        assert!(!pages.is_empty(), "{}: no page", pdf.display());
        for &(wd, ht) in &pages {
            let (a, b) = (wd.min(ht), wd.max(ht));
            assert!(
                (a - 595.3).abs() < 1.0 && (b - 841.9).abs() < 1.0,
                "{}: a page of {wd} × {ht} pt, not A4",
                input.display()
            );
        }
        // A sheet one page wide; the longer lists may run to a second page.
        assert!(
            pages.len() <= sheets + 2,
            "{}: {} pages for {sheets} sheets",
            input.display(),
            pages.len()
        );
    }
    // The chasing list: A4 landscape, one page wide, its header row on every page.
    let mut zip = crate::common::zip_of(&w.path("kq/tong-hop.xlsx"));
    let part = crate::common::sheet_part(&mut zip, "Đôn đốc");
    let xml = crate::common::zip_text(&mut zip, &part);
    let setup = &xml[xml.find("<pageSetup").expect("a page setup")..];
    let setup = &setup[..setup.find("/>").unwrap()];
    for want in [
        "paperSize=\"9\"",
        "orientation=\"landscape\"",
        "fitToHeight=\"0\"",
    ] {
        assert!(setup.contains(want), "{want} not in {setup}");
    }
    assert!(
        xml.contains("<pageSetUpPr fitToPage=\"1\"/>"),
        "fit to page"
    );
    let book = crate::common::zip_text(&mut zip, "xl/workbook.xml");
    assert!(
        book.contains("_xlnm.Print_Titles") && book.contains("'Đôn đốc'!$4:$4"),
        "the header row repeated: {book}"
    );
}

/// A copy of `book` holding only its sheet `keep` (by position) for LibreOffice to print
/// alone: the other sheets are left out of xl/workbook.xml with their defined names,
/// the sheet's own (print titles, print area) kept as the first sheet's.
fn one_sheet_copy(book: &std::path::Path, keep: usize, out: &std::path::Path) {
    use std::io::{Read, Write};
    let mut zip = crate::common::zip_of(book);
    let workbook = crate::common::zip_text(&mut zip, "xl/workbook.xml");
    let mut xml = String::new();
    let mut rest = workbook.as_str();
    let mut n = 0;
    while let Some(at) = rest.find("<sheet ") {
        xml.push_str(&rest[..at]);
        let end = at + rest[at..].find("/>").unwrap() + 2;
        if n == keep {
            xml.push_str(&rest[at..end]);
        }
        n += 1;
        rest = &rest[end..];
    }
    xml.push_str(rest);
    let mut kept = String::new();
    let mut rest = xml.as_str();
    while let Some(at) = rest.find("<definedName ") {
        kept.push_str(&rest[..at]);
        let end = at + rest[at..].find("</definedName>").unwrap() + "</definedName>".len();
        let name = &rest[at..end];
        let own = format!("localSheetId=\"{keep}\"");
        if name.contains(&own) {
            kept.push_str(&name.replace(&own, "localSheetId=\"0\""));
        }
        rest = &rest[end..];
    }
    kept.push_str(rest);
    let kept = kept.replace(" activeTab=\"", " x=\"");
    let mut w = zip::ZipWriter::new(std::fs::File::create(out).unwrap());
    for i in 0..zip.len() {
        let mut f = zip.by_index(i).unwrap();
        let name = f.name().unwrap().to_string();
        let mut data = Vec::new();
        f.read_to_end(&mut data).unwrap();
        if name == "xl/workbook.xml" {
            data = kept.clone().into_bytes();
        }
        w.start_file(name, zip::write::SimpleFileOptions::default())
            .unwrap();
        w.write_all(&data).unwrap();
    }
    w.finish().unwrap();
}

/// The sum of the widths of columns `first..=last` (0-based) as a sheet part's `<cols>`
/// sets them; a column it does not set counts Excel's default 8.43 + padding.
fn columns_width(xml: &str, first: u32, last: u32) -> f64 {
    let mut widths = vec![9.14; (last + 1) as usize];
    for t in xml.split("<col ").skip(1) {
        let t = &t[..t.find("/>").unwrap()];
        let attr = |a: &str| -> f64 {
            let v = &t[t.find(&format!("{a}=\"")).unwrap() + a.len() + 2..];
            v[..v.find('"').unwrap()].parse().unwrap()
        };
        let (min, max, w) = (attr("min") as u32, attr("max") as u32, attr("width"));
        for c in min..=max.min(last + 1) {
            if let Some(x) = widths.get_mut((c - 1) as usize) {
                *x = w;
            }
        }
    }
    widths[first as usize..].iter().sum()
}

/// The last column (0-based) of an A1 range's end, as `A1:K45` or `$A:$J` gives it.
fn range_last_col(range: &str) -> u32 {
    let end = range.rsplit(':').next().unwrap();
    let letters: String = end.chars().filter(|c| c.is_ascii_uppercase()).collect();
    letters
        .chars()
        .fold(0, |n, c| n * 26 + (c as u32 - 'A' as u32 + 1))
        - 1
}

/// The consolidated workbook prints as a clerk would print it: every page A4, each
/// sheet in type no smaller than about 7 points (one page wide only when its printed
/// columns fit at 64 %, else an explicit scale of at least 64 % with its breaks;
/// *Tổng hợp* too, as one printed table per form: it printed at 40 %, about 4 points, to
/// stay two pages wide), and each sheet in a bounded number of pages: a list of 49
/// units printed 50 pages of one unit each.
#[test]
fn the_consolidated_workbook_prints_on_a4_in_legible_type() {
    let w = Workdir::official();
    w.samples("nop", &["--faults", "3", "--seed", "8"]);
    w.run_expect(
        &run_args("nop", "kq", &["--period", "6 tháng đầu năm 2026"]),
        1,
    );
    let book = w.path("kq/tong-hop.xlsx");
    let names = crate::common::sheet_names(&book);
    let mut zip = crate::common::zip_of(&book);
    let workbook = crate::common::zip_text(&mut zip, "xl/workbook.xml");
    for (k, name) in names.iter().enumerate() {
        let part = crate::common::sheet_part(&mut zip, name);
        let xml = crate::common::zip_text(&mut zip, &part);
        let setup = &xml[xml.find("<pageSetup").expect("a page setup")..];
        let setup = &setup[..setup.find("/>").unwrap()];
        assert!(setup.contains("paperSize=\"9\""), "{name}: {setup}");
        let fit = xml.contains("<pageSetUpPr fitToPage=\"1\"/>");
        let scale = setup
            .split("scale=\"")
            .nth(1)
            .map(|s| s[..s.find('"').unwrap()].parse::<u32>().unwrap());
        let breaks = xml.matches("<brk ").count();
        if name == "Biểu đồ" {
            continue;
        }
        match (fit, scale) {
            (true, _) => {
                // Fit to one page wide: the printed columns must fit at 64 %.
                assert!(
                    !setup.contains("fitToWidth=\"0\"") && !setup.contains("fitToWidth=\"2"),
                    "{name}: {setup}"
                );
                let area = format!("_xlnm.Print_Area\" localSheetId=\"{k}\">");
                let last = match workbook.find(&area) {
                    Some(at) => {
                        let r = &workbook[at + area.len()..];
                        range_last_col(&r[..r.find('<').unwrap()])
                    }
                    None => {
                        let d = &xml[xml.find("<dimension ref=\"").unwrap() + 16..];
                        range_last_col(&d[..d.find('"').unwrap()])
                    }
                };
                let wide = columns_width(&xml, 0, last);
                assert!(
                    wide <= 104.0 * 100.0 / 64.0,
                    "{name}: {wide} characters fitted to one page print under 7 points"
                );
            }
            (false, Some(s)) => {
                assert!(s >= 64, "{name}: printed at {s} %");
                assert!(breaks > 0, "{name}: a scale without its column breaks");
            }
            (false, None) => {}
        }
    }
    // Each sheet alone, as LibreOffice prints it.
    let dir = w.path("alone");
    std::fs::create_dir_all(&dir).unwrap();
    let copies: Vec<PathBuf> = (0..names.len())
        .map(|k| {
            let p = dir.join(format!("sheet{:02}.xlsx", k + 1));
            one_sheet_copy(&book, k, &p);
            p
        })
        .collect();
    let pdfs = lo::convert_many(&copies, "pdf", &w.path("alone-pdf"));
    let mut counts = Vec::new();
    for (name, pdf) in names.iter().zip(&pdfs) {
        let pages = pdf_pages(pdf);
        for &(wd, ht) in &pages {
            let (a, b) = (wd.min(ht), wd.max(ht));
            assert!(
                (a - 595.3).abs() < 1.0 && (b - 841.9).abs() < 1.0,
                "{name}: a page of {wd} × {ht} pt, not A4"
            );
        }
        counts.push((name.clone(), pages.len()));
    }
    for (name, n) in &counts {
        let most = match name.as_str() {
            // Five printed tables across (Biểu 1 in two, Biểu 2, the rates, Địa bàn),
            // each two pages down for 49 units.
            "Tổng hợp" => 10,
            "Tóm tắt" | "Đôn đốc" | "Biểu đồ" => 2,
            n if n.ends_with("theo đơn vị") => 14,
            "Chi tiết" => 40,
            "So sánh" => 24,
            _ => 8,
        };
        assert!(
            *n >= 1 && *n <= most,
            "{name}: {n} pages (at most {most}): {counts:?}"
        );
    }
}
