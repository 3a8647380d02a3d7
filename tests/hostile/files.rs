//! Files that are no submission: empty, another type under a workbook's name, truncated,
//! encrypted; zip bombs and ODS repeat bombs, refused before they expand.

use super::edit::{Pkg, with_streamed_sheet};
use super::{
    ADM, assert_file_finding, findings, inbox, run_bounded, run_inbox, run_limited, run_one,
    sample, status,
};
use crate::common::{rules_of, run_args, show, submission};
use std::io::{Cursor, Write};
use std::path::Path;
use std::time::{Duration, Instant};
use zip::write::SimpleFileOptions;
use zip::{CompressionMethod, ZipWriter};

#[test]
fn a_zero_byte_file_is_unreadable_file_empty() {
    let sub = &run_one("TGI.xlsx", Vec::new(), &[], 1);
    assert_eq!(status(sub), "unreadable");
    assert_file_finding(sub, "FILE_EMPTY");
    assert_eq!(rules_of(sub), vec!["FILE_EMPTY"]);
    assert_eq!(sub["size"], 0);
}

#[test]
fn a_text_file_renamed_xlsx_is_file_type() {
    let letter = "Kính gửi Ban Tổ chức Tỉnh ủy,\r\nĐơn vị xin gửi báo cáo kèm theo.\r\n"
        .as_bytes()
        .to_vec();
    let sub = &run_one("TGI.xlsx", letter, &[], 1);
    assert_eq!(status(sub), "unreadable");
    assert_file_finding(sub, "FILE_TYPE");
    assert_eq!(rules_of(sub), vec!["FILE_TYPE"]);
}

#[test]
fn a_truncated_xlsx_is_file_corrupt() {
    let full = sample("TGI");
    let sub = &run_one("TGI.xlsx", full[..full.len() / 2].to_vec(), &[], 1);
    assert_eq!(status(sub), "unreadable");
    assert_file_finding(sub, "FILE_CORRUPT");
    assert_eq!(rules_of(sub), vec!["FILE_CORRUPT"]);
}

/// A password-protected OOXML workbook as Excel stores it: an OLE compound file (CFB,
/// version 3, 512-byte sectors) holding the streams `EncryptionInfo` and
/// `EncryptedPackage`, both long enough to live in regular sectors.
pub(super) fn encrypted_cfb() -> Vec<u8> {
    const END: u32 = 0xFFFF_FFFE;
    const FREE: u32 = 0xFFFF_FFFF;
    const FAT: u32 = 0xFFFF_FFFD;
    const NONE: u32 = 0xFFFF_FFFF;
    let info_sectors = 8u32; // 4096 bytes
    let pkg_sectors = 9u32; // 4608 bytes
    let mut head = vec![0u8; 512];
    head[..8].copy_from_slice(b"\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1");
    let w16 = |b: &mut Vec<u8>, at: usize, v: u16| b[at..at + 2].copy_from_slice(&v.to_le_bytes());
    let w32 = |b: &mut Vec<u8>, at: usize, v: u32| b[at..at + 4].copy_from_slice(&v.to_le_bytes());
    w16(&mut head, 24, 0x003E); // minor version
    w16(&mut head, 26, 3); // major version
    w16(&mut head, 28, 0xFFFE); // little-endian
    w16(&mut head, 30, 9); // 512-byte sectors
    w16(&mut head, 32, 6); // 64-byte mini sectors
    w32(&mut head, 44, 1); // FAT sectors
    w32(&mut head, 48, 1); // first directory sector
    w32(&mut head, 56, 4096); // mini stream cutoff
    w32(&mut head, 60, END); // no mini FAT
    w32(&mut head, 68, END); // no DIFAT sectors
    w32(&mut head, 76, 0); // the FAT is sector 0
    for i in 1..109 {
        w32(&mut head, 76 + 4 * i, FREE);
    }
    // Sector 0: the FAT. 1: directory. 2..: EncryptionInfo, then EncryptedPackage.
    let mut fat = vec![FREE; 128];
    fat[0] = FAT;
    fat[1] = END;
    let chain = |fat: &mut Vec<u32>, first: u32, n: u32| {
        for s in first..first + n {
            fat[s as usize] = if s + 1 == first + n { END } else { s + 1 };
        }
    };
    chain(&mut fat, 2, info_sectors);
    chain(&mut fat, 2 + info_sectors, pkg_sectors);
    let fat: Vec<u8> = fat.iter().flat_map(|v| v.to_le_bytes()).collect();
    let entry = |name: &str, kind: u8, left: u32, right: u32, child: u32, start: u32, size: u32| {
        let mut e = vec![0u8; 128];
        let utf16: Vec<u8> = name
            .encode_utf16()
            .chain([0])
            .flat_map(|c| c.to_le_bytes())
            .collect();
        e[..utf16.len()].copy_from_slice(&utf16);
        e[64..66].copy_from_slice(&(utf16.len() as u16).to_le_bytes());
        e[66] = kind;
        e[67] = 1; // black
        e[68..72].copy_from_slice(&left.to_le_bytes());
        e[72..76].copy_from_slice(&right.to_le_bytes());
        e[76..80].copy_from_slice(&child.to_le_bytes());
        e[116..120].copy_from_slice(&start.to_le_bytes());
        e[120..124].copy_from_slice(&size.to_le_bytes());
        e
    };
    let mut dir = Vec::new();
    dir.extend(entry("Root Entry", 5, NONE, NONE, 1, END, 0));
    dir.extend(entry(
        "EncryptionInfo",
        2,
        NONE,
        2,
        NONE,
        2,
        info_sectors * 512,
    ));
    dir.extend(entry(
        "EncryptedPackage",
        2,
        NONE,
        NONE,
        NONE,
        2 + info_sectors,
        pkg_sectors * 512,
    ));
    dir.extend(vec![0u8; 128]);
    // EncryptionInfo: version 4.4 (agile), then its XML descriptor.
    let mut info = vec![4, 0, 4, 0, 0x40, 0, 0, 0];
    info.extend_from_slice(
        b"<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\r\n<encryption xmlns=\"http://schemas.microsoft.com/office/2006/encryption\"><keyData saltSize=\"16\" blockSize=\"16\" keyBits=\"256\" hashSize=\"64\" cipherAlgorithm=\"AES\" cipherChaining=\"ChainingModeCBC\" hashAlgorithm=\"SHA512\" saltValue=\"AAAAAAAAAAAAAAAAAAAAAA==\"/></encryption>",
    );
    info.resize(info_sectors as usize * 512, 0);
    // EncryptedPackage: the plain size, then noise standing for ciphertext.
    let mut pkg = (12_000u64).to_le_bytes().to_vec();
    let mut x = 0x2545_F491_4F6C_DD1Du64;
    while pkg.len() < pkg_sectors as usize * 512 {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        pkg.push(x as u8);
    }
    let mut out = head;
    out.extend(fat);
    out.extend(dir);
    out.extend(info);
    out.extend(pkg);
    out
}

pub(super) fn fixture(name: &str) -> Vec<u8> {
    let p = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name);
    std::fs::read(&p).unwrap_or_else(|e| panic!("fixture {}: {e}", p.display()))
}

#[test]
fn password_protected_workbooks_are_file_encrypted() {
    // One encrypted by Excel's method for real (committed fixture), one crafted here.
    let real = fixture("encrypted.xlsx");
    assert!(
        real.starts_with(b"\xD0\xCF\x11\xE0"),
        "the fixture is an OLE container"
    );
    let report = run_inbox(&[("TGI.xlsx", real), ("MNH.xlsx", encrypted_cfb())], &[], 1);
    for file in ["TGI.xlsx", "MNH.xlsx"] {
        let sub = submission(&report, file);
        assert_eq!(status(sub), "unreadable", "{file}");
        assert_file_finding(sub, "FILE_ENCRYPTED");
        assert_eq!(rules_of(sub), vec!["FILE_ENCRYPTED"], "{file}");
    }
}

/// Overwrite the uncompressed size that the zip's local and central headers declare for
/// entry `name` (a 32-bit size field, no ZIP64).
fn lie_about_size(zip: &mut [u8], name: &str, declared: u32) {
    let mut patched = 0;
    for (sig, size_at, name_len_at, name_at) in
        [(b"PK\x03\x04", 22, 26, 30), (b"PK\x01\x02", 24, 28, 46)]
    {
        let mut i = 0;
        while let Some(k) = zip[i..].windows(4).position(|w| w == sig) {
            let at = i + k;
            let len =
                u16::from_le_bytes([zip[at + name_len_at], zip[at + name_len_at + 1]]) as usize;
            if zip.get(at + name_at..at + name_at + len) == Some(name.as_bytes()) {
                zip[at + size_at..at + size_at + 4].copy_from_slice(&declared.to_le_bytes());
                patched += 1;
            }
            i = at + 4;
        }
    }
    assert_eq!(patched, 2, "headers of {name} not found");
}

/// 1 GiB of zeros deflated into the sheet part: about 1 MiB on disk.
pub(super) fn zip_bomb() -> Vec<u8> {
    let zeros = vec![0u8; 1 << 20];
    with_streamed_sheet(&Pkg::of("TGI"), ADM, |w| {
        for _ in 0..1024 {
            w.write_all(&zeros).unwrap();
        }
    })
}

#[test]
fn zip_bombs_are_refused_without_inflating_them() {
    let t = Instant::now();
    let bomb = zip_bomb();
    eprintln!("bomb: {} bytes, built in {:?}", bomb.len(), t.elapsed());
    assert!(bomb.len() < 16 << 20, "{}", bomb.len());
    // A liar: 64 MiB of blank rows after the sheet, the header claiming the original size.
    let real = Pkg::of("MNH").text(ADM);
    let (head, tail) = real.split_at(real.find("</sheetData>").unwrap());
    let mut liar = with_streamed_sheet(&Pkg::of("MNH"), ADM, |w| {
        w.write_all(head.as_bytes()).unwrap();
        let row = b"<row r=\"1048576\"><c r=\"E1048576\" s=\"3\"/></row>";
        for _ in 0..(64 << 20) / row.len() {
            w.write_all(row).unwrap();
        }
        w.write_all(tail.as_bytes()).unwrap();
    });
    lie_about_size(&mut liar, ADM, real.len() as u32);
    let w = inbox(&[("TGI.xlsx", bomb), ("MNH.xlsx", liar)]);
    let (report, _) = run_bounded(&w, 1);
    let sub = submission(&report, "TGI.xlsx");
    assert_eq!(status(sub), "unreadable");
    assert_file_finding(sub, "FILE_SIZE");
    // The liar is never accepted: its sheet stops at the declared size and fails its
    // checksum, so the file or the sheet is reported broken.
    let sub = submission(&report, "MNH.xlsx");
    assert_ne!(status(sub), "accepted", "{sub:#}");
    let rules = rules_of(sub);
    assert!(
        rules
            .iter()
            .any(|r| ["FILE_SIZE", "FILE_CORRUPT", "SHEET"].contains(&r.as_str())),
        "MNH.xlsx: {:#}",
        sub["findings"]
    );
}

/// The opening of an `.ods` `content.xml`, up to its spreadsheet body.
const ODS_CONTENT_OPEN: &str = r#"<?xml version="1.0" encoding="UTF-8"?><office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" office:version="1.2"><office:body><office:spreadsheet>"#;

/// An `.ods` package: the mimetype stored first, as ODF requires, then a manifest listing
/// the root and `entries`, then `content`, those two packed with `method`.
fn ods_package(content: &str, entries: &str, method: CompressionMethod) -> Vec<u8> {
    let manifest = format!(
        r#"<?xml version="1.0" encoding="UTF-8"?><manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" manifest:version="1.2"><manifest:file-entry manifest:full-path="/" manifest:media-type="application/vnd.oasis.opendocument.spreadsheet"/>{entries}</manifest:manifest>"#
    );
    let mut z = ZipWriter::new(Cursor::new(Vec::new()));
    let stored = SimpleFileOptions::default().compression_method(CompressionMethod::Stored);
    let packed = SimpleFileOptions::default().compression_method(method);
    z.start_file("mimetype", stored).unwrap();
    z.write_all(b"application/vnd.oasis.opendocument.spreadsheet")
        .unwrap();
    z.start_file("META-INF/manifest.xml", packed).unwrap();
    z.write_all(manifest.as_bytes()).unwrap();
    z.start_file("content.xml", packed).unwrap();
    z.write_all(content.as_bytes()).unwrap();
    z.finish().unwrap().into_inner()
}

/// An `.ods` package whose sheet "Thông tin" holds `rows`.
pub(super) fn ods_with_rows(rows: &str) -> Vec<u8> {
    let content = format!(
        r#"{ODS_CONTENT_OPEN}<table:table table:name="Thông tin">{rows}</table:table></office:spreadsheet></office:body></office:document-content>"#
    );
    ods_package(
        &content,
        r#"<manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/>"#,
        CompressionMethod::Deflated,
    )
}

/// One number repeated over 6,000 rows x 16,000 columns, in under a kilobyte.
pub(super) fn ods_grid_bomb() -> Vec<u8> {
    ods_with_rows(
        r#"<table:table-row table:number-rows-repeated="6000"><table:table-cell table:number-columns-repeated="16000" office:value-type="float" office:value="1"/></table:table-row>"#,
    )
}

/// A billion spaces written as repeat counts, in under a kilobyte.
pub(super) fn ods_spaces_bomb() -> Vec<u8> {
    ods_with_rows(
        r#"<table:table-row table:number-rows-repeated="200"><table:table-cell table:number-columns-repeated="100" office:value-type="string"><text:p><text:s text:c="100000"/></text:p></table:table-cell></table:table-row>"#,
    )
}

#[test]
fn ods_repeat_bombs_are_refused_before_they_expand() {
    // Under a kilobyte each. The reader expands repeats when it opens the file: one
    // number over 6,000 rows x 16,000 columns took 6 GB, a billion spaces written as one
    // count took 4 GB. Both runs stay under 1 GiB here, and the batch goes on.
    let (grid, spaces) = (ods_grid_bomb(), ods_spaces_bomb());
    assert!(grid.len() < 1024 && spaces.len() < 1024);
    let w = inbox(&[("TGI.ods", grid), ("MNH.ods", spaces)]);
    let (report, _) = run_bounded(&w, 1);
    // Each names its limit and the flag that raises it.
    for (file, says) in [("TGI.ods", "16.000 cột"), ("MNH.ods", "MiB")] {
        let sub = submission(&report, file);
        assert_eq!(status(sub), "unreadable", "{sub:#}");
        assert_file_finding(sub, "FILE_SIZE");
        let message = findings(sub, "FILE_SIZE")[0]["message"].as_str().unwrap();
        assert!(message.contains(says), "{file}: {message}");
        assert!(message.contains("--max-unzipped-mib"), "{file}: {message}");
    }
}

/// The reader now refuses an `.ods` as it expands it (calamine's budget, patch 5) rather
/// than after a scan of its own: the finding names the sheet by its number and its name,
/// the limit and the flag, in both languages. A repeat past the reader's own cell cap
/// (over a million rows of 16,384 columns) gets the same finding, not a damaged-file one,
/// and a `content.xml` cut inside a sheet or a note is damaged, not a hang.
#[test]
fn ods_refused_while_read_names_the_sheet_and_the_batch_goes_on() {
    let huge = ods_with_rows(
        r#"<table:table-row table:number-rows-repeated="99999999"><table:table-cell table:number-columns-repeated="99999999" office:value-type="float" office:value="1"/></table:table-row>"#,
    );
    let w = inbox(&[
        ("TGI.ods", ods_grid_bomb()),
        ("MNH.ods", huge),
        ("LDU.ods", ods_cut_inside_a_sheet()),
    ]);
    let (report, took) = run_bounded(&w, 1);
    assert!(took < Duration::from_secs(20), "{took:?}");
    for file in ["TGI.ods", "MNH.ods"] {
        let sub = submission(&report, file);
        assert_eq!(status(sub), "unreadable", "{sub:#}");
        let message = findings(sub, "FILE_SIZE")[0]["message"].as_str().unwrap();
        for says in [
            "Sheet thứ 1 (\"Thông tin\")",
            "dòng x",
            "--max-unzipped-mib",
        ] {
            assert!(message.contains(says), "{file}: {message}");
        }
    }
    let sub = submission(&report, "LDU.ods");
    assert_file_finding(sub, "FILE_CORRUPT");
    // English on request.
    let out = run_limited(
        &w,
        &run_args("inbox", "out-en", &["--jobs", "2", "--lang", "en"]),
        1024,
        Duration::from_secs(30),
    );
    assert_eq!(out.status.code(), Some(1), "{}", show(&out));
    let report = w.report("out-en");
    let message = findings(submission(&report, "TGI.ods"), "FILE_SIZE")[0]["message"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(
        message.contains("Sheet 1 (\"Thông tin\") spans 6,000 rows x 16,000 columns"),
        "{message}"
    );
}

/// An `.ods` whose `content.xml` stops inside a note of its first sheet, its parts stored.
fn ods_cut_inside_a_sheet() -> Vec<u8> {
    let content = format!(
        r#"{ODS_CONTENT_OPEN}<table:table table:name="Thông tin"><table:table-row><table:table-cell office:value-type="string"><office:annotation><text:p>x"#
    );
    ods_package(&content, "", CompressionMethod::Stored)
}

/// A package claiming 60,000 parts is refused before they are listed, and the message
/// says that this limit is fixed: no flag the clerk could try raises it.
#[test]
fn a_package_of_too_many_parts_says_no_option_raises_the_limit() {
    let mut z = super::recognition::zip_of(&[("a", b"1")]);
    let eocd = z.len() - 22;
    z[eocd + 8..eocd + 12].copy_from_slice(&[0x60, 0xEA, 0x60, 0xEA]);
    let sub = run_one("TGI.xlsx", z, &[], 1);
    assert_file_finding(&sub, "FILE_SIZE");
    let message = findings(&sub, "FILE_SIZE")[0]["message"].as_str().unwrap();
    assert!(
        message.contains("60.000 phần") && message.contains("không thể nâng bằng tùy chọn nào"),
        "{message}"
    );
}

/// A 16 GiB sparse file (no bytes on disk) named like a submission: refused by its size
/// before a byte is read. It used to be hashed in full first, 26 to 54 s of reading
/// zeros; now its hash is left empty and the finding says it was not taken.
#[test]
fn an_oversized_file_is_refused_by_size_before_it_is_hashed() {
    let w = inbox(&[]);
    let huge = std::fs::File::create(w.path("inbox/TGI.xlsx")).unwrap();
    huge.set_len(16 << 30).unwrap();
    drop(huge);
    let (report, took) = run_bounded(&w, 1);
    let sub = submission(&report, "TGI.xlsx");
    assert_eq!(status(sub), "unreadable");
    assert_file_finding(sub, "FILE_SIZE");
    assert_eq!(sub["size"], 16u64 << 30);
    assert_eq!(
        sub["sha256"],
        serde_json::Value::Null,
        "no hash may be taken of a refused file"
    );
    let message = findings(sub, "FILE_SIZE")[0]["message"].as_str().unwrap();
    assert!(
        message.contains("--max-file-mib") && message.contains("SHA-256"),
        "{message}"
    );
    assert!(took < std::time::Duration::from_secs(10), "{took:?}");
}
