//! Everything that is neither a zip nor a compound file: name what it looks like (a PDF, a
//! photo, a web page saved as `.xls`, a CSV export, a bare BIFF stream), so the message
//! tells the clerk what was sent and what to do, rather than "cannot open".
//!
//! calamine would pick its reader from the file name and fail with a parse error that says
//! nothing of the kind; nothing here is handed to calamine, so these checks only read a
//! prefix of the bytes and never refuse a workbook.

use super::{SniffError, not_sheet, unsupported};

/// How much of a non-container file is examined.
const PREFIX: usize = 8192;

/// The refusal for a file with neither a zip nor a compound-file signature.
pub(super) fn classify_other(bytes: &[u8]) -> SniffError {
    const SIGNATURES: &[(&[u8], &str)] = &[
        (b"%PDF", "PDF document"),
        (b"\x89PNG\r\n\x1a\n", "PNG image"),
        (b"\xFF\xD8\xFF", "JPEG image"),
        (b"GIF87a", "GIF image"),
        (b"GIF89a", "GIF image"),
        (b"II*\x00", "TIFF image"),
        (b"MM\x00*", "TIFF image"),
        (b"{\\rtf", "RTF document"),
        (b"Rar!\x1a\x07", "RAR archive"),
        (b"7z\xBC\xAF\x27\x1C", "7-Zip archive"),
        (b"\x1F\x8B", "gzip archive"),
        (b"MZ", "Windows program"),
        (b"\x7FELF", "ELF program"),
    ];
    if let Some((_, what)) = SIGNATURES.iter().find(|(sig, _)| bytes.starts_with(sig)) {
        return not_sheet(*what);
    }
    if bytes.starts_with(b"RIFF") && bytes.get(8..12) == Some(b"WEBP") {
        return not_sheet("WebP image");
    }
    // A bare BIFF stream: BOF (0x0009, 0x0209, 0x0409 or 0x0809) with a small length.
    if bytes.len() >= 8
        && bytes[0] == 0x09
        && matches!(bytes[1], 0x00 | 0x02 | 0x04 | 0x08)
        && bytes[3] == 0
        && (4..=20).contains(&bytes[2])
    {
        return if bytes[1] == 0x08 {
            unsupported("BIFF5/8 stream without its OLE container; re-save it as .xlsx")
        } else {
            unsupported("Excel 2.x-4.x workbook (BIFF2-4); save it as .xlsx")
        };
    }
    match decode_text(&bytes[..bytes.len().min(PREFIX)], bytes.len() > PREFIX) {
        Some(text) => classify_text(&text, bytes.len() > PREFIX),
        None => not_sheet(format!(
            "unrecognised binary data starting {}",
            crate::text::hex(&bytes[..bytes.len().min(8)])
        )),
    }
}

/// The prefix as text when it reads as text (UTF-8, UTF-16, or a legacy 8-bit code page such
/// as TCVN3 or Windows-1258), `None` for binary data.
fn decode_text(prefix: &[u8], cut: bool) -> Option<String> {
    let utf16 = |rest: &[u8], le: bool| -> String {
        let units = rest.chunks_exact(2).map(|p| {
            let p = [p[0], p[1]];
            if le {
                u16::from_le_bytes(p)
            } else {
                u16::from_be_bytes(p)
            }
        });
        char::decode_utf16(units)
            .map(|c| c.unwrap_or(char::REPLACEMENT_CHARACTER))
            .collect()
    };
    let text = if let Some(rest) = prefix.strip_prefix(b"\xEF\xBB\xBF") {
        String::from_utf8_lossy(rest).into_owned()
    } else if let Some(rest) = prefix.strip_prefix(b"\xFF\xFE") {
        utf16(rest, true)
    } else if let Some(rest) = prefix.strip_prefix(b"\xFE\xFF") {
        utf16(rest, false)
    } else if let Some(le) = utf16_without_bom(prefix) {
        utf16(prefix, le)
    } else {
        match std::str::from_utf8(prefix) {
            Ok(s) => s.to_string(),
            // A character cut by the prefix boundary is still text.
            Err(e) if cut && e.error_len().is_none() => {
                String::from_utf8_lossy(&prefix[..e.valid_up_to()]).into_owned()
            }
            Err(_) => {
                let controls = prefix.iter().filter(|&&b| is_binary_byte(b)).count();
                if controls > 0 {
                    return None;
                }
                String::from_utf8_lossy(prefix).into_owned()
            }
        }
    };
    let controls = text
        .chars()
        .filter(|&c| c.is_control() && !matches!(c, '\t' | '\n' | '\r' | '\x0C'))
        .count();
    (controls * 100 <= text.chars().count()).then_some(text)
}

fn is_binary_byte(b: u8) -> bool {
    b < 0x20 && !matches!(b, b'\t' | b'\n' | b'\r' | 0x0C | 0x1A)
}

/// UTF-16 text without a byte-order mark shows zero bytes on one side of mostly-ASCII text.
fn utf16_without_bom(prefix: &[u8]) -> Option<bool> {
    let pairs = prefix.len() / 2;
    if pairs < 4 {
        return None;
    }
    let zero_at = |k: usize| {
        prefix
            .iter()
            .skip(k)
            .step_by(2)
            .filter(|&&b| b == 0)
            .count()
    };
    let (even, odd) = (zero_at(0), zero_at(1));
    // Vietnamese puts many characters in U+1Exx, so only part of the high bytes are zero.
    if odd * 10 >= pairs * 4 && even * 10 <= pairs {
        Some(true)
    } else if even * 10 >= pairs * 4 && odd * 10 <= pairs {
        Some(false)
    } else {
        None
    }
}

fn classify_text(text: &str, cut: bool) -> SniffError {
    let body = text.trim_start_matches(|c: char| c.is_whitespace() || c == '\u{FEFF}');
    let lower = body.to_ascii_lowercase();
    if lower.starts_with("mime-version:") {
        return not_sheet(if lower.contains("x-document-type: workbook") {
            "single-file web page (MHTML) saved by Excel"
        } else {
            "single-file web page (MHTML)"
        });
    }
    if lower.starts_with('<') {
        let says = |s: &str| lower.contains(s);
        if (says("urn:schemas-microsoft-com:office:spreadsheet") || says("progid=\"excel.sheet\""))
            && !says("<html")
        {
            return unsupported("Excel 2003 XML spreadsheet; save it as .xlsx");
        }
        if says("office:document") && says("opendocument.spreadsheet") {
            return unsupported("flat OpenDocument spreadsheet (.fods); save it as .ods or .xlsx");
        }
        if says("<html") || says("<!doctype html") || lower.starts_with("<table") {
            return not_sheet(if says("urn:schemas-microsoft-com:office:excel") {
                "HTML page saved by Excel as a web page"
            } else {
                "HTML page"
            });
        }
        if lower.starts_with("<?xml") {
            return not_sheet("XML document");
        }
    }
    match csv_delimiter(body, cut) {
        Some(name) => unsupported(format!("{name} text (CSV); open it and save it as .xlsx")),
        None => not_sheet("plain text"),
    }
}

/// A delimiter that splits every sampled line into the same number of fields (at least two),
/// over at least two lines: CSV exports look like this, prose does not.
fn csv_delimiter(text: &str, cut: bool) -> Option<&'static str> {
    let mut lines: Vec<&str> = text.lines().filter(|l| !l.trim().is_empty()).collect();
    if cut {
        lines.pop();
    }
    lines.truncate(50);
    if lines.len() < 2 {
        return None;
    }
    let count = |line: &str, d: char| {
        let mut quoted = false;
        line.chars()
            .filter(|&c| {
                if c == '"' {
                    quoted = !quoted;
                }
                c == d && !quoted
            })
            .count()
    };
    [
        (',', "comma-separated"),
        (';', "semicolon-separated"),
        ('\t', "tab-separated"),
        ('|', "pipe-separated"),
    ]
    .into_iter()
    .find(|&(d, _)| {
        let first = count(lines[0], d);
        first > 0 && lines.iter().all(|l| count(l, d) == first)
    })
    .map(|(_, name)| name)
}

#[cfg(test)]
mod tests {
    use crate::read::sniff::fixtures::*;

    #[test]
    fn other_files_are_named() {
        let cases: &[(&[u8], &str)] = &[
            (b"%PDF-1.7\n%\xE2\xE3\xCF\xD3\n1 0 obj", "PDF"),
            (b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR", "PNG"),
            (b"\xFF\xD8\xFF\xE0\0\x10JFIF", "JPEG"),
            (
                b"<!DOCTYPE html>\n<html><body><table><tr><td>1</td></tr></table></body></html>",
                "HTML",
            ),
            (
                b"\xEF\xBB\xBF  <html xmlns:x=\"urn:schemas-microsoft-com:office:excel\"><table>",
                "HTML page saved by Excel",
            ),
            (b"<table border=1><tr><td>Chi bo</td></tr></table>", "HTML"),
            (b"<?xml version=\"1.0\"?><note>hello</note>", "XML"),
            (
                "Báo cáo tổng hợp\nKết nạp đảng viên mới.\n".as_bytes(),
                "plain text",
            ),
            (
                b"\x00\x01\x02\x03\x04\x05\x06\x07\x08\x09",
                "binary data starting 0001020304050607",
            ),
        ];
        for (bytes, want) in cases {
            let got = not_sheet_detail(bytes);
            assert!(got.contains(want), "{want:?} not in {got:?}");
        }
        let mht = b"MIME-Version: 1.0\r\nX-Document-Type: Workbook\r\nContent-Type: multipart/related; boundary=\"----=_NextPart\"\r\n";
        assert!(not_sheet_detail(mht).contains("MHTML"));
        // UTF-16 text, with and without a byte-order mark.
        let mut le: Vec<u8> = vec![0xFF, 0xFE];
        le.extend(
            "Danh sách đảng viên\r\n"
                .encode_utf16()
                .flat_map(u16::to_le_bytes),
        );
        assert_eq!(not_sheet_detail(&le), "plain text");
        let le: Vec<u8> = "Danh sách đảng viên của chi bộ\r\n"
            .encode_utf16()
            .flat_map(u16::to_le_bytes)
            .collect();
        assert_eq!(not_sheet_detail(&le), "plain text");
        let be: Vec<u8> = "Danh sach dang vien\r\n"
            .encode_utf16()
            .flat_map(u16::to_be_bytes)
            .collect();
        assert_eq!(not_sheet_detail(&be), "plain text");
        // Legacy 8-bit Vietnamese (TCVN3) is text too, not binary.
        assert_eq!(
            not_sheet_detail(b"B\xb8o c\xb8o t\xe6ng h\xeep\r\n"),
            "plain text"
        );
    }

    #[test]
    fn unsupported_formats_say_what_to_do() {
        let xml2003 = br#"<?xml version="1.0"?>
<?mso-application progid="Excel.Sheet"?>
<Workbook xmlns="urn:schemas-microsoft-com:office:spreadsheet"><Worksheet ss:Name="S"/></Workbook>"#;
        assert!(unsupported_detail(xml2003).contains("Excel 2003 XML"));
        let fods = br#"<?xml version="1.0"?><office:document office:mimetype="application/vnd.oasis.opendocument.spreadsheet"/>"#;
        assert!(unsupported_detail(fods).contains(".fods"));
        assert!(
            unsupported_detail(
                b"stt,ho ten,ngay\n1,Nguyen Van A,2024-01-02\n2,Tran Thi B,2024-02-03\n"
            )
            .contains("comma")
        );
        assert!(unsupported_detail(b"a;b;c\r\n1;2;3\r\n").contains("semicolon"));
        let tsv: Vec<u8> = "\u{FEFF}a\tb\r\n1\t2\r\n"
            .encode_utf16()
            .flat_map(u16::to_le_bytes)
            .collect();
        assert!(unsupported_detail(&tsv).contains("tab"));
        let biff4 = [0x09, 0x04, 0x06, 0x00, 0x00, 0x04, 0x10, 0x00, 0x00, 0x00];
        assert!(unsupported_detail(&biff4).contains("BIFF2-4"));
    }
}
