//! Every kind of hostile file at once: one inbox holding a variant of each kind the other
//! themes build one at a time (damaged, encrypted, misnamed, bombs, claims of billions,
//! bloated parts, million-row sheets, valid workbooks the reader did not expect, and
//! figures typed to hurt), run at 2 and at 4 jobs under one memory budget. Alone each
//! is handled; together they must still be: no abort, each file listed once with its
//! outcome, the valid ones read, the peak under the budget, every message in the chosen
//! language.

use super::big_sheets::million_rows;
use super::edit::{Cell, Pkg, text};
use super::files::{encrypted_cfb, fixture, ods_grid_bomb, ods_spaces_bomb, zip_bomb};
use super::memory::{
    bloated_strings, bloated_styles, claiming_strings, measured, with_shared_formula,
};
use super::recognition::{damaged, in_utf16, with_macro_sheet, with_unknown_states, xlsb, zip_of};
use super::{ADM, INFO, OK_UNIT, SRC, TOTAL_ROW, batch_went_on, inbox, sample};
use crate::common::{Workdir, run_args, submissions};
use std::collections::BTreeMap;
use std::time::Duration;

/// The run's budget: the bloated parts below need about 70 MB each, the styles far more.
const BUDGET_MIB: u64 = 160;

/// Each hostile file with the outcome it must get: `read` (opened and checked, whatever
/// its findings) or the file-level finding that refuses it.
pub(crate) fn variants() -> Vec<(String, Vec<u8>, &'static str)> {
    let tgi = sample("TGI");
    let typed = |unit: &str, part: &str, cell: &str, v: Cell| {
        let mut p = Pkg::of(unit);
        p.cell(part, cell, v);
        p.bytes()
    };
    let mut ratio = Pkg::of("TGI");
    let pad = " ".repeat(4 << 20);
    ratio.edit(ADM, |x| {
        x.replacen("<sheetData>", &format!("<sheetData>{pad}"), 1)
    });
    let v: Vec<(&str, Vec<u8>, &str)> = vec![
        // Not a workbook, or not one that can be read.
        ("rong.xlsx", Vec::new(), "FILE_EMPTY"),
        (
            "van-ban.xlsx",
            b"Kinh gui Ban To chuc\r\n".to_vec(),
            "FILE_TYPE",
        ),
        (
            "tai-lieu.xlsx",
            b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n".to_vec(),
            "FILE_TYPE",
        ),
        (
            "cat-ngang.xlsx",
            tgi[..tgi.len() / 2].to_vec(),
            "FILE_CORRUPT",
        ),
        ("hong-mot-phan.xlsx", damaged(&tgi, ADM), "FILE_CORRUPT"),
        ("mat-khau.xlsx", fixture("encrypted.xlsx"), "FILE_ENCRYPTED"),
        ("mat-khau-2.xlsx", encrypted_cfb(), "FILE_ENCRYPTED"),
        ("nhi-phan.xlsb", xlsb(), "FILE_TYPE"),
        (
            "dinh-kem.zip",
            zip_of(&[("Bao cao/TGI.xlsx", &tgi), ("thu.txt", b"Kinh gui")]),
            "FILE_TYPE",
        ),
        // Bombs and parts too big for the budget.
        ("bom-1-gib.xlsx", zip_bomb(), "FILE_SIZE"),
        ("bom-ty-le.xlsx", ratio.bytes(), "FILE_SIZE"),
        ("bom-luoi.ods", ods_grid_bomb(), "FILE_SIZE"),
        ("bom-khoang-trang.ods", ods_spaces_bomb(), "FILE_SIZE"),
        ("kieu-phinh.xlsx", bloated_styles("DBP", 20), "read"),
        // Counts that claim billions: read at no cost.
        ("dem-hai-ty.xlsx", claiming_strings("2000000000"), "read"),
        (
            "dem-nghin-ty.xlsx",
            claiming_strings("1000000000000"),
            "read",
        ),
        (
            "cong-thuc-hai-ty.xlsx",
            with_shared_formula("2000000000"),
            "read",
        ),
        (
            "cong-thuc-sau-muoi-trieu.xlsx",
            with_shared_formula("60000000"),
            "read",
        ),
        // Heavy but within the budget: read one after the other.
        ("chuoi-phinh-1.xlsx", bloated_strings("MNH", 20), "read"),
        ("chuoi-phinh-2.xlsx", bloated_strings("MNH", 20), "read"),
        (
            "hai-tram-nghin-dong.xlsx",
            million_rows("MCH", TOTAL_ROW, 200_000, None),
            "read",
        ),
        // Valid workbooks under other names or with parts the reader did not expect.
        ("MLA.xlsb", sample("MLA"), "read"),
        ("DBI", sample("DBI"), "read"),
        ("DBD.xlsm", with_macro_sheet("DBD"), "read"),
        ("MAN.xlsx", with_unknown_states("MAN"), "read"),
        ("TCH.xlsx", in_utf16("TCH"), "read"),
        (
            "tai-lieu-hong.xlsx",
            damaged(&sample("NPO"), "docProps/app.xml"),
            "read",
        ),
        // Figures typed to hurt: each a finding at its cell, never a crash.
        (
            "tran-so.xlsx",
            typed("CAT", SRC, "C4", Cell::Number(1e308)),
            "read",
        ),
        (
            "cong-thuc-doc.xlsx",
            typed("QST", INFO, "C10", text("=cmd|' /C calc'!A0")),
            "read",
        ),
        (
            "ky-tu-dieu-khien.xlsx",
            typed("BPT", INFO, "C7", text("\u{1b}[31mĐảng bộ\u{202e}\u{200b}")),
            "read",
        ),
        (
            "chu-trong-o-so.xlsx",
            typed("DCD", SRC, "C4", text("mười hai")),
            "read",
        ),
    ];
    v.into_iter()
        .map(|(n, b, o)| (n.to_string(), b, o))
        .collect()
}

/// What became of each file: `read` when no FILE_* finding refused it.
fn outcomes(report: &serde_json::Value) -> BTreeMap<String, String> {
    submissions(report)
        .iter()
        .map(|s| {
            let refused = s["findings"]
                .as_array()
                .unwrap()
                .iter()
                .map(|f| f["rule"].as_str().unwrap())
                .find(|r| r.starts_with("FILE_"));
            (
                s["file"].as_str().unwrap().to_string(),
                refused.unwrap_or("read").to_string(),
            )
        })
        .collect()
}

/// Vietnamese letters outside ASCII that English never uses, outside quoted text (names
/// of sheets, units and files quoted from the files or the form).
fn has_vietnamese(s: &str) -> bool {
    let mut quoted = false;
    s.chars().any(|c| {
        if c == '"' {
            quoted = !quoted;
        }
        !quoted && "ăâđêôơưạảấầẩẫậắằẳẵặẹẻẽếềểễệỉịọỏốồổỗộớờởỡợụủứừửữựỳỵỷỹ".contains(c)
    })
}

fn messages(report: &serde_json::Value) -> Vec<(String, String)> {
    submissions(report)
        .iter()
        .flat_map(|s| {
            s["findings"].as_array().unwrap().iter().map(|f| {
                (
                    s["file"].as_str().unwrap().to_string(),
                    f["message"].as_str().unwrap().to_string(),
                )
            })
        })
        .collect()
}

#[test]
fn every_kind_of_hostile_file_in_one_inbox_at_two_and_four_jobs() {
    let variants = variants();
    let files: Vec<(&str, Vec<u8>)> = variants
        .iter()
        .map(|(n, b, _)| (n.as_str(), b.clone()))
        .collect();
    let mut want: BTreeMap<String, String> = variants
        .iter()
        .map(|(n, _, o)| (n.clone(), o.to_string()))
        .collect();
    want.insert(format!("{OK_UNIT}.xlsx"), "read".into());
    let budget = BUDGET_MIB.to_string();
    for jobs in ["2", "4"] {
        let w: Workdir = inbox(&files);
        // A 16 GiB file with no bytes on disk, refused by its size.
        let huge = std::fs::File::create(w.path("inbox/rat-lon.xlsx")).unwrap();
        huge.set_len(16 << 30).unwrap();
        drop(huge);
        let mut want = want.clone();
        want.insert("rat-lon.xlsx".into(), "FILE_SIZE".into());

        let args = run_args(
            "inbox",
            "out",
            &["--jobs", jobs, "--no-archive", "--max-memory-mib", &budget],
        );
        let m = measured(&w, &args, Duration::from_secs(300));
        assert_eq!(
            (m.code, m.signal),
            (Some(1), None),
            "{jobs} jobs: {}",
            m.stderr
        );
        assert!(
            m.peak_mib < BUDGET_MIB,
            "{jobs} jobs: peak {} MiB over the {BUDGET_MIB} MiB budget",
            m.peak_mib
        );
        let report = w.report("out");
        batch_went_on(&report);
        assert_eq!(report["skipped"], serde_json::json!([]), "{jobs} jobs");
        let got = outcomes(&report);
        assert_eq!(
            submissions(&report).len(),
            got.len(),
            "each file listed once"
        );
        assert_eq!(got, want, "{jobs} jobs");
        // The valid workbooks among them were read as the units they are.
        for (file, unit) in [
            ("MLA.xlsb", "MLA"),
            ("DBI", "DBI"),
            ("DBD.xlsm", "DBD"),
            ("MAN.xlsx", "MAN"),
            ("TCH.xlsx", "TCH"),
            ("tai-lieu-hong.xlsx", "NPO"),
        ] {
            let sub = crate::common::submission(&report, file);
            assert_eq!(sub["unit"], unit, "{file}: {sub:#}");
            assert_eq!(sub["status"], "accepted", "{file}: {sub:#}");
        }
        for (file, message) in messages(&report) {
            for english in ["error", "invalid", "Could not", "not found", "failed"] {
                assert!(!message.contains(english), "{file}: {message}");
            }
        }
        if jobs == "2" {
            let report = w.run_report(
                "inbox",
                "out-en",
                &["--no-archive", "--max-memory-mib", &budget, "--lang", "en"],
                1,
            );
            for (file, message) in messages(&report) {
                assert!(!has_vietnamese(&message), "{file}: {message}");
            }
        }
    }
}
