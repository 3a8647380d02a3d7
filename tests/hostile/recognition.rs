//! What a file is, told from its bytes: valid workbooks under any name are read, valid
//! workbooks with parts the reader did not expect (an Excel 4 macro sheet, an unusual
//! sheet state, parts in UTF-16) are read as LibreOffice reads them, and what is not a
//! workbook (an `.xlsb`, a zip attachment, a file cut off in transit) gets a finding that
//! says what to do, in the clerk's language.

use super::edit::Pkg;
use super::{
    ADM, INFO, assert_accepted, assert_file_finding, files_of, findings, inbox, is_missing,
    run_batch, run_one, sample, status,
};
use crate::common::{show, submission};
use std::io::{Cursor, Write};
use zip::write::SimpleFileOptions;
use zip::{CompressionMethod, ZipWriter};

pub(super) fn zip_of(entries: &[(&str, &[u8])]) -> Vec<u8> {
    let mut z = ZipWriter::new(Cursor::new(Vec::new()));
    let opts = SimpleFileOptions::default().compression_method(CompressionMethod::Deflated);
    for (n, d) in entries {
        z.start_file(*n, opts).unwrap();
        z.write_all(d).unwrap();
    }
    z.finish().unwrap().into_inner()
}

/// The text as UTF-16 little-endian with its byte order mark, its declaration saying so.
fn utf16(xml: &str) -> Vec<u8> {
    let xml = xml
        .replace("encoding=\"UTF-8\"", "encoding=\"UTF-16\"")
        .replace("encoding=\"utf-8\"", "encoding=\"UTF-16\"");
    let mut out = vec![0xFF, 0xFE];
    for u in xml.encode_utf16() {
        out.extend_from_slice(&u.to_le_bytes());
    }
    out
}

/// A message is in one language: no English words of the readers' inside Vietnamese.
fn assert_vietnamese(message: &str) {
    for en in [
        "invalid",
        "Zip",
        "EOCD",
        "archive",
        "damaged",
        "file",
        "entry",
        "truncated",
    ] {
        assert!(!message.contains(en), "English {en:?} in: {message}");
    }
}

// ---------------------------------------------------------------------------------------
// Point 5: by content, not by name.

#[test]
fn a_valid_workbook_under_any_name_or_none_is_read() {
    let w = inbox(&[
        ("TGI.xlsb", sample("TGI")),
        ("MNH.xltx", sample("MNH")),
        ("DBP.xlam", sample("DBP")),
        ("TCH", sample("TCH")),
    ]);
    // `check` reads by content too: a folder of them, and the file with no extension
    // named on its own.
    let checked = w.run_json(&["check", "inbox", "--json"], 0);
    for (file, unit) in [("inbox/TGI.xlsb", "TGI"), ("inbox/TCH", "TCH")] {
        let sub = submission(&checked, file);
        assert_accepted(sub);
        assert_eq!(sub["unit"], unit);
    }
    let checked = w.run_json(&["check", "inbox/TCH", "--json"], 0);
    assert_eq!(submission(&checked, "inbox/TCH")["unit"], "TCH");
    let report = run_batch(&w, &[], 0);
    for (file, unit) in [
        ("TGI.xlsb", "TGI"),
        ("MNH.xltx", "MNH"),
        ("DBP.xlam", "DBP"),
        ("TCH", "TCH"),
    ] {
        let sub = submission(&report, file);
        assert_accepted(sub);
        assert_eq!(sub["unit"], unit);
        assert!(!is_missing(&report, unit), "{unit} shown as not submitted");
    }
    assert!(
        files_of(&report, "skipped").is_empty(),
        "{:#}",
        report["skipped"]
    );
}

/// An Excel binary workbook: the reader has no way in, and the unit must save as .xlsx.
pub(super) fn xlsb() -> Vec<u8> {
    zip_of(&[
        ("[Content_Types].xml", br#"<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Override PartName="/xl/workbook.bin" ContentType="application/vnd.ms-excel.sheet.binary.macroEnabled.main"/></Types>"#),
        ("_rels/.rels", b"<Relationships/>"),
        ("xl/workbook.bin", b"\x83\x01\x00"),
        ("xl/worksheets/sheet1.bin", b"\x81\x01\x00"),
    ])
}

#[test]
fn a_real_xlsb_is_file_type_in_run_as_in_check() {
    let w = inbox(&[("TGI.xlsb", xlsb()), ("MNH", xlsb())]);
    let report = run_batch(&w, &[], 1);
    for file in ["TGI.xlsb", "MNH"] {
        let sub = submission(&report, file);
        assert_eq!(status(sub), "unreadable", "{sub:#}");
        assert_file_finding(sub, "FILE_TYPE");
        let msg = findings(sub, "FILE_TYPE")[0]["message"].as_str().unwrap();
        assert!(msg.contains(".xlsb") && msg.contains(".xlsx"), "{msg}");
        assert_vietnamese(msg);
    }
    let checked = w.run_json(&["check", "inbox", "--json"], 1);
    let sub = submission(&checked, "inbox/TGI.xlsb");
    assert_file_finding(sub, "FILE_TYPE");
    let out = w.run_expect(&["check", "inbox"], 1);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("inbox/TGI.xlsb") && text.contains("FILE_TYPE"),
        "{text}"
    );
}

#[test]
fn a_zip_attachment_gets_a_finding_that_says_to_unzip_it() {
    let tgi = sample("TGI");
    let attachment = zip_of(&[("Bao cao/TGI.xlsx", &tgi), ("thu.txt", b"Kinh gui")]);
    let w = inbox(&[("bao-cao-TGI.zip", attachment)]);
    let report = run_batch(&w, &[], 1);
    let sub = submission(&report, "bao-cao-TGI.zip");
    assert_file_finding(sub, "FILE_TYPE");
    let msg = findings(sub, "FILE_TYPE")[0]["message"].as_str().unwrap();
    assert!(
        msg.contains("giải nén") && msg.contains("TGI.xlsx"),
        "{msg}"
    );
    let report = run_batch(&w, &["--lang", "en"], 1);
    let msg = findings(submission(&report, "bao-cao-TGI.zip"), "FILE_TYPE")[0]["message"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(msg.contains("Unzip") && msg.contains("TGI.xlsx"), "{msg}");
    let checked = w.run_json(&["check", "inbox", "--json"], 1);
    assert_file_finding(submission(&checked, "inbox/bao-cao-TGI.zip"), "FILE_TYPE");
}

// ---------------------------------------------------------------------------------------
// Point 10: messages in the chosen language, limits named, links to the inbox followed.

#[test]
fn a_truncated_attachment_is_to_be_sent_again_in_vietnamese() {
    let tgi = sample("TGI");
    let cut = tgi[..tgi.len() / 2].to_vec();
    let sub = run_one("TGI.xlsx", cut.clone(), &[], 1);
    assert_file_finding(&sub, "FILE_CORRUPT");
    let msg = findings(&sub, "FILE_CORRUPT")[0]["message"]
        .as_str()
        .unwrap();
    assert!(
        msg.contains("đề nghị đơn vị gửi lại tệp") || msg.contains("Đề nghị đơn vị gửi lại tệp"),
        "{msg}"
    );
    assert!(
        !msg.contains("lưu lại"),
        "a cut-off file cannot be fixed by re-saving: {msg}"
    );
    assert_vietnamese(msg);
    let sub = run_one("TGI.xlsx", cut, &["--lang", "en"], 1);
    let msg = findings(&sub, "FILE_CORRUPT")[0]["message"]
        .as_str()
        .unwrap();
    assert!(msg.contains("send the file again"), "{msg}");
}

#[test]
fn a_damaged_part_is_reported_without_english_in_the_vietnamese_message() {
    let mut p = Pkg::of("TGI");
    p.set(
        "xl/workbook.xml",
        b"<workbook><sheets><sheet name=".to_vec(),
    );
    let sub = run_one("TGI.xlsx", p.bytes(), &[], 1);
    assert_eq!(status(&sub), "unreadable", "{sub:#}");
    let f = &sub["findings"][0];
    let msg = f["message"].as_str().unwrap();
    assert_vietnamese(msg);
    // The reader's own words stay available, after the message, for whoever debugs.
    assert!(!f["found"].is_null(), "{f}");
}

/// The package with one bit flipped halfway through `part`'s compressed bytes: what a
/// faulty copy or mail gateway does to a file after it was saved. Its checksum no longer
/// matches; the part may still inflate, to other figures than the unit typed.
pub(super) fn damaged(bytes: &[u8], part: &str) -> Vec<u8> {
    let mut z = zip::ZipArchive::new(Cursor::new(bytes)).unwrap();
    let i = z.index_for_name(part).expect(part);
    let e = z.by_index_raw(i).unwrap();
    let at = e.data_start().unwrap() + e.compressed_size() / 2;
    drop(e);
    let mut out = bytes.to_vec();
    out[at as usize] ^= 0x10;
    out
}

/// calamine stops reading a part at its closing tag (or at the form's last row), before
/// the zip reader compares the checksum at the part's end: a sheet damaged after saving
/// was read, its figures changed, and accepted. Each part the figures come from is now
/// verified: a damaged one is FILE_CORRUPT naming the part and asking for the unit's
/// own copy (re-saving cannot bring the figures back), in either language; a damaged
/// part the form does not need (a document property) leaves the file read.
#[test]
fn a_part_damaged_after_saving_is_named_and_its_figures_not_read() {
    let tgi = sample("TGI");
    for part in [ADM, INFO, "xl/sharedStrings.xml", "xl/workbook.xml"] {
        let sub = run_one("TGI.xlsx", damaged(&tgi, part), &[], 1);
        assert_eq!(status(&sub), "unreadable", "{part}: {sub:#}");
        assert_file_finding(&sub, "FILE_CORRUPT");
        let msg = findings(&sub, "FILE_CORRUPT")[0]["message"]
            .as_str()
            .unwrap();
        assert!(msg.contains(&format!("\"{part}\"")), "{msg}");
        assert!(msg.contains("Đề nghị đơn vị gửi lại tệp"), "{msg}");
        assert!(
            !msg.contains("Hãy mở bằng"),
            "re-saving does not help: {msg}"
        );
    }
    let sub = run_one("TGI.xlsx", damaged(&tgi, ADM), &["--lang", "en"], 1);
    let msg = findings(&sub, "FILE_CORRUPT")[0]["message"]
        .as_str()
        .unwrap();
    assert!(
        msg.contains(ADM) && msg.contains("send the file again"),
        "{msg}"
    );
    let sub = run_one("TGI.xlsx", damaged(&tgi, "docProps/app.xml"), &[], 0);
    assert_accepted(&sub);
}

#[test]
fn a_compression_ratio_refusal_names_its_limit_and_the_flag_that_raises_it() {
    // A 4 MiB part of spaces that deflates to a few KiB: over 200:1.
    let mut p = Pkg::of("TGI");
    let pad = " ".repeat(4 << 20);
    p.edit(ADM, |x| {
        x.replacen("<sheetData>", &format!("<sheetData>{pad}"), 1)
    });
    let bytes = p.bytes();
    let sub = run_one("TGI.xlsx", bytes.clone(), &[], 1);
    assert_file_finding(&sub, "FILE_SIZE");
    let msg = findings(&sub, "FILE_SIZE")[0]["message"].as_str().unwrap();
    assert!(
        msg.contains("--max-zip-ratio") && msg.contains("200"),
        "{msg}"
    );
    // --max-unzipped-mib does not raise it, --max-zip-ratio does.
    let sub = run_one(
        "TGI.xlsx",
        bytes.clone(),
        &["--max-unzipped-mib", "1000"],
        1,
    );
    assert_file_finding(&sub, "FILE_SIZE");
    let sub = run_one("TGI.xlsx", bytes, &["--max-zip-ratio", "100000"], 0);
    assert_accepted(&sub);
}

#[cfg(unix)]
#[test]
fn an_inbox_given_as_a_symbolic_link_to_a_folder_is_followed() {
    let w = inbox(&[("TGI.xlsx", sample("TGI"))]);
    std::os::unix::fs::symlink(w.path("inbox"), w.path("hop-thu")).unwrap();
    let out = w.run(&["run", "hop-thu", "--out", "out", "--quiet"]);
    assert_eq!(out.status.code(), Some(0), "{}", show(&out));
    let report = w.report("out");
    assert_eq!(files_of(&report, "submissions"), ["KDN.xlsx", "TGI.xlsx"]);
    w.run_expect(&["check", "hop-thu"], 0);
}

// ---------------------------------------------------------------------------------------
// Point 4: valid workbooks the reader did not expect, read as LibreOffice reads them.

/// `unit`'s submission with a hidden Excel 4 macro sheet added.
pub(super) fn with_macro_sheet(unit: &str) -> Vec<u8> {
    let mut p = Pkg::of(unit);
    p.set(
        "xl/macrosheets/sheet1.xml",
        br#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?><xm:macrosheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:xm="http://schemas.microsoft.com/office/excel/2006/main"><sheetData><row r="1"><c r="A1" t="str"><f>RETURN()</f><v></v></c></row></sheetData></xm:macrosheet>"#.to_vec(),
    );
    p.edit("xl/_rels/workbook.xml.rels", |x| {
        x.replace("</Relationships>", r#"<Relationship Id="rId99" Type="http://schemas.microsoft.com/office/2006/relationships/xlMacrosheet" Target="macrosheets/sheet1.xml"/></Relationships>"#)
    })
    .edit("[Content_Types].xml", |x| {
        x.replace("</Types>", r#"<Override PartName="/xl/macrosheets/sheet1.xml" ContentType="application/vnd.ms-excel.macrosheet+xml"/></Types>"#)
    })
    .edit("xl/workbook.xml", |x| {
        x.replace("</sheets>", r#"<sheet name="Macro1" sheetId="99" state="hidden" r:id="rId99"/></sheets>"#)
    });
    p.bytes()
}

#[test]
fn a_workbook_with_an_excel_4_macro_sheet_is_read() {
    let sub = run_one("TGI.xlsm", with_macro_sheet("TGI"), &[], 0);
    assert_accepted(&sub);
    assert_eq!(sub["unit"], "TGI");
}

/// `unit`'s submission with sheet states no reader lists (`show`, `Visible`).
pub(super) fn with_unknown_states(unit: &str) -> Vec<u8> {
    let mut p = Pkg::of(unit);
    p.edit("xl/workbook.xml", |x| {
        x.replacen("r:id=\"rId1\"", "state=\"show\" r:id=\"rId1\"", 1)
            .replacen("r:id=\"rId2\"", "state=\"Visible\" r:id=\"rId2\"", 1)
    });
    p.bytes()
}

#[test]
fn a_sheet_with_state_show_or_another_unknown_state_is_read_as_visible() {
    let sub = run_one("TGI.xlsx", with_unknown_states("TGI"), &[], 0);
    assert_accepted(&sub);
}

/// `unit`'s submission with its main parts in UTF-16.
pub(super) fn in_utf16(unit: &str) -> Vec<u8> {
    let mut p = Pkg::of(unit);
    for part in [
        "[Content_Types].xml",
        "xl/workbook.xml",
        "xl/_rels/workbook.xml.rels",
        "xl/sharedStrings.xml",
        INFO,
        ADM,
    ] {
        let x = p.text(part);
        p.set(part, utf16(&x));
    }
    p.bytes()
}

#[test]
fn a_workbook_with_parts_in_utf16_is_read() {
    let sub = run_one("TGI.xlsx", in_utf16("TGI"), &[], 0);
    assert_accepted(&sub);
    assert_eq!(sub["unit"], "TGI");
}

#[test]
fn a_sheet_relationship_that_is_missing_leaves_the_other_sheets_readable() {
    // A sheet listed in the workbook whose relationship is gone (a tool removed a part
    // badly): LibreOffice opens the rest, and so must the reader.
    let mut p = Pkg::of("TGI");
    p.edit("xl/workbook.xml", |x| {
        x.replace(
            "</sheets>",
            r#"<sheet name="Ghi chú" sheetId="98" r:id="rId98"/></sheets>"#,
        )
    });
    let sub = run_one("TGI.xlsx", p.bytes(), &[], 0);
    assert_accepted(&sub);
}
