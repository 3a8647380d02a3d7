//! A file that could not be read, as a finding that tells the unit what to do.
//!
//! Every message is whole in each language: the sniffer's and the readers' English
//! details ("invalid Zip archive: Could not find EOCD") never appear inside the
//! Vietnamese text. What a file looks like instead ("PDF document") is translated; a
//! technical detail that only a developer reads goes into the finding's `found` value,
//! after the message, where report.json keeps it.

use super::ReadError;
use super::sniff::SniffError;
use crate::finding::{Builtin, Finding, Shown};
use crate::lang::{Lang, Msg};

/// The file could not be opened or read from disk.
pub fn io_finding(e: &std::io::Error) -> Finding {
    let msg = match e.kind() {
        // Listed, then gone before it was read: the inbox changed during the run.
        std::io::ErrorKind::NotFound => Msg::new(
            "Tệp đã bị xóa hoặc đổi tên trong khi đang tổng hợp. Hãy chạy lại khi thư mục bài nộp không còn thay đổi.",
            "The file was deleted or renamed while the run was reading the inbox. Run again once the inbox no longer changes.",
        ),
        _ => Msg::new(
            "Không đọc được tệp từ ổ đĩa. Hãy kiểm tra quyền đọc tệp, hoặc đề nghị đơn vị gửi lại tệp.",
            "The file cannot be read from disk. Check that it can be read, or ask the unit to send the file again.",
        ),
    };
    Finding::error(Builtin::FileCorrupt, msg).found(e.to_string())
}

/// What the sniffer says a file is, in Vietnamese: the English details are fixed phrases
/// (see `sniff`), matched here by their opening words. `None` for a phrase not listed,
/// which the message then leaves out rather than quote in English.
fn vi_kind(detail: &str) -> Option<&'static str> {
    const KINDS: &[(&str, &str)] = &[
        ("PDF document", "tài liệu PDF"),
        ("PNG image", "ảnh PNG"),
        ("JPEG image", "ảnh JPEG"),
        ("GIF image", "ảnh GIF"),
        ("TIFF image", "ảnh TIFF"),
        ("WebP image", "ảnh WebP"),
        ("RTF document", "văn bản RTF"),
        ("RAR archive", "tệp nén RAR (hãy giải nén)"),
        ("7-Zip archive", "tệp nén 7-Zip (hãy giải nén)"),
        ("gzip archive", "tệp nén gzip (hãy giải nén)"),
        ("Windows program", "chương trình máy tính"),
        ("ELF program", "chương trình máy tính"),
        ("unrecognised binary data", "dữ liệu không rõ loại"),
        (
            "single-file web page (MHTML) saved by Excel",
            "trang web một tệp (MHTML) do Excel lưu",
        ),
        ("single-file web page", "trang web một tệp (MHTML)"),
        ("HTML page saved by Excel", "trang web HTML do Excel lưu"),
        ("HTML page", "trang web HTML"),
        ("XML document", "tài liệu XML"),
        ("plain text", "văn bản thường"),
        ("Word 97-2003", "văn bản Word 97-2003 (.doc)"),
        ("Word document", "văn bản Word (.docx)"),
        (
            "PowerPoint 97-2003",
            "bản trình chiếu PowerPoint 97-2003 (.ppt)",
        ),
        (
            "PowerPoint presentation",
            "bản trình chiếu PowerPoint (.pptx)",
        ),
        ("Visio drawing", "bản vẽ Visio"),
        ("Outlook message", "thư Outlook (.msg)"),
        (
            "OLE compound file without a Workbook stream",
            "tệp OLE không chứa bảng tính",
        ),
        ("OpenDocument text", "văn bản OpenDocument (.odt)"),
        (
            "OpenDocument presentation",
            "bản trình chiếu OpenDocument (.odp)",
        ),
        ("OpenDocument drawing", "bản vẽ OpenDocument (.odg)"),
        (
            "OpenDocument file that is not a spreadsheet",
            "tệp OpenDocument không phải bảng tính",
        ),
        ("EPUB", "sách điện tử EPUB"),
        ("zip package of type", "gói zip của phần mềm khác"),
        ("empty zip archive", "tệp nén zip rỗng"),
        (
            "Excel binary workbook (.xlsb)",
            "bảng tính nhị phân Excel (.xlsb)",
        ),
        ("Excel 2.x-4.x", "bảng tính Excel 2.x–4.x (rất cũ)"),
        ("BIFF5/8 stream without", "bảng tính .xls thiếu phần vỏ OLE"),
        ("Excel 2003 XML spreadsheet", "bảng tính XML của Excel 2003"),
        (
            "flat OpenDocument spreadsheet",
            "bảng tính OpenDocument dạng phẳng (.fods)",
        ),
        ("Apple Numbers", "tài liệu Apple Numbers"),
        (
            "OpenDocument spreadsheet without its 'mimetype'",
            "bảng tính .ods thiếu phần 'mimetype'",
        ),
        (
            "ODS package without",
            "bảng tính .ods thiếu một phần bắt buộc",
        ),
        ("xlsx package without", "gói .xlsx thiếu phần '_rels/.rels'"),
        (
            "Office Open XML package with no workbook",
            "gói Office Open XML không chứa bảng tính",
        ),
        ("zip entry", "tệp nén theo cách không đọc được"),
        ("version-4 OLE file", "tệp OLE phiên bản 4 bất thường"),
    ];
    if detail.contains("text (CSV)") {
        return Some("văn bản CSV");
    }
    KINDS
        .iter()
        .find(|(en, _)| detail.starts_with(en))
        .map(|&(_, vi)| vi)
}

/// `detail` in Vietnamese in parentheses, or nothing when it has no translation.
/// A sheet's name after its number, as ` ("Kết nạp")`, when the reader knew it: cut to
/// 80 characters and shown with its invisible characters, since a hostile file chose it.
fn sheet_called(name: Option<&str>) -> String {
    name.map_or_else(String::new, |n| {
        let cut: String = n.chars().take(80).collect();
        format!(" (\"{}\")", crate::text::visible(&cut))
    })
}

fn vi_paren(detail: &str) -> String {
    vi_kind(detail).map_or_else(String::new, |k| format!(" ({k})"))
}

/// A byte count as each language writes it.
fn bytes(n: u64) -> (String, String) {
    (Lang::Vi.count(n), Lang::En.count(n))
}

/// A size in MiB as each language writes it, for a limit the clerk sets in MiB: whole
/// MiB as they are, others to a tenth rounded up, so a size just over a limit never
/// reads as equal to it (`50,1 MiB` against `50 MiB`).
fn mib(n: u64) -> (String, String) {
    const MIB: u64 = 1024 * 1024;
    let v = if n.is_multiple_of(MIB) {
        (n / MIB) as f64
    } else {
        (n as f64 * 10.0 / MIB as f64).ceil() / 10.0
    };
    (Lang::Vi.number(v), Lang::En.number(v))
}

/// A whole-file failure as a finding that tells the unit what to do.
pub fn file_finding(e: &ReadError) -> Finding {
    let save = (
        "Hãy mở bằng Excel/LibreOffice và lưu lại dạng .xlsx rồi gửi lại.",
        "Open it in Excel/LibreOffice, save it as .xlsx and send it again.",
    );
    let again = (
        "Đề nghị đơn vị gửi lại tệp.",
        "Ask the unit to send the file again.",
    );
    match e {
        ReadError::Sniff(SniffError::Empty) => Finding::error(
            Builtin::FileEmpty,
            Msg::new(format!("Tệp rỗng (0 byte), có thể do gửi tệp bị lỗi. {}", again.0), format!("The file is empty (0 bytes), perhaps a failed transfer. {}", again.1)),
        ),
        ReadError::Sniff(SniffError::Encrypted) => Finding::error(
            Builtin::FileEncrypted,
            Msg::new(
                "Tệp có đặt mật khẩu nên không đọc được. Hãy gỡ mật khẩu (File > Info > Protect Workbook) rồi gửi lại.",
                "The workbook is password-protected. Remove the password (File > Info > Protect Workbook) and send it again.",
            ),
        ),
        ReadError::Sniff(SniffError::TooLarge { size, limit }) => {
            let (s, l) = (mib(*size), mib(*limit));
            Finding::error(
                Builtin::FileSize,
                Msg::new(
                    format!("Tệp quá lớn ({} MiB, giới hạn {} MiB, người tổng hợp có thể nâng bằng --max-file-mib) so với một biểu mẫu; tệp không được đọc và không tính mã băm SHA-256. Hãy xóa dữ liệu thừa, lưu lại và gửi lại.", s.0, l.0),
                    format!("The file is too large ({} MiB, limit {} MiB, raised with --max-file-mib); it was not read and its SHA-256 was not taken. Delete extra content, save and send it again.", s.1, l.1),
                ),
            )
            .found(Shown::Number(*size as f64))
            .expected(Shown::AtMost(*limit as f64))
        }
        ReadError::Sniff(SniffError::ZipBomb { entry, declared, limit, .. }) => {
            let (d, l) = (mib(*declared), mib(*limit));
            let entry = crate::text::visible(entry);
            let (vi_part, en_part) = if entry == "(all entries)" {
                ("Các phần của tệp cộng lại".to_string(), "The file's parts together".to_string())
            } else {
                (format!("Phần \"{entry}\" của tệp"), format!("The file's part \"{entry}\""))
            };
            Finding::error(
                Builtin::FileSize,
                Msg::new(
                    format!("{vi_part} giải nén ra {} MiB, vượt giới hạn {} MiB (người tổng hợp có thể nâng bằng --max-unzipped-mib); tệp bị từ chối. Hãy lưu lại từ biểu mẫu gốc.", d.0, l.0),
                    format!("{en_part} inflates to {} MiB, beyond the limit of {} MiB (raised with --max-unzipped-mib); refused. Save it again from the original form.", d.1, l.1),
                ),
            )
            .found(Shown::Number(*declared as f64))
            .expected(Shown::AtMost(*limit as f64))
        }
        ReadError::Sniff(SniffError::ZipRatio { entry, declared, compressed, ratio }) => {
            let d = bytes(*declared);
            let entry = crate::text::visible(entry);
            let times = declared / (*compressed).max(1);
            Finding::error(
                Builtin::FileSize,
                Msg::new(
                    format!("Phần \"{entry}\" của tệp giải nén ra {} byte, gấp {} lần cỡ nén, vượt tỷ lệ an toàn {ratio} lần (người tổng hợp có thể nâng bằng --max-zip-ratio; --max-unzipped-mib không đổi tỷ lệ này); tệp bị từ chối. Hãy lưu lại từ biểu mẫu gốc.", d.0, Lang::Vi.count(times)),
                    format!("The file's part \"{entry}\" inflates to {} bytes, {} times its compressed size, beyond the safe ratio of {ratio} (raised with --max-zip-ratio; --max-unzipped-mib does not change it); refused. Save it again from the original form.", d.1, Lang::En.count(times)),
                ),
            )
            .found(Shown::Number(*declared as f64))
        }
        ReadError::Sniff(SniffError::NotASpreadsheet { detail }) => Finding::error(
            Builtin::FileType,
            Msg::new(
                format!("Tệp không phải bảng tính{}. Đề nghị đơn vị gửi đúng tệp biểu mẫu (.xlsx).", vi_paren(detail)),
                format!("The file is not a spreadsheet ({detail}). Ask the unit to send the form's workbook (.xlsx)."),
            ),
        )
        .found(detail.clone()),
        ReadError::Sniff(SniffError::UnsupportedFormat { detail }) => Finding::error(
            Builtin::FileType,
            Msg::new(format!("Định dạng tệp không được hỗ trợ{}. {}", vi_paren(detail), save.0), format!("Unsupported file format ({detail}). {}", save.1)),
        )
        .found(detail.clone()),
        ReadError::Sniff(SniffError::ZipAttachment { inside }) => {
            let (vi_in, en_in) = if inside.is_empty() {
                (" và không chứa bảng tính nào".to_string(), " and holds no workbook".to_string())
            } else {
                let names = inside.iter().map(|n| crate::text::visible(n)).collect::<Vec<_>>().join(", ");
                (format!(", bên trong có {names}"), format!(", holding {names}"))
            };
            Finding::error(
                Builtin::FileType,
                Msg::new(
                    format!("Tệp là tệp nén .zip, không phải bảng tính{vi_in}. Hãy giải nén và đặt từng bảng tính vào thư mục bài nộp (hoặc đề nghị đơn vị gửi bảng tính .xlsx, không nén)."),
                    format!("The file is a .zip archive, not a workbook{en_in}. Unzip it and put each workbook in the inbox (or ask the unit to send the .xlsx workbook itself, not zipped)."),
                ),
            )
        }
        ReadError::Sniff(SniffError::TooManyEntries { count, limit }) => Finding::error(
            Builtin::FileSize,
            Msg::new(
                format!("Tệp chứa {} phần (giới hạn cố định {}, không thể nâng bằng tùy chọn nào), bất thường với một biểu mẫu; tệp bị từ chối. Hãy lưu lại từ biểu mẫu gốc.", Lang::Vi.count(*count), Lang::Vi.count(*limit)),
                format!("The file holds {} parts (a fixed limit of {}, which no option raises), abnormal for a form; refused. Save it again from the original form.", Lang::En.count(*count), Lang::En.count(*limit)),
            ),
        )
        .found(Shown::Number(*count as f64)),
        ReadError::Sniff(SniffError::SheetTooLarge { sheet, name, rows, cols, bytes: need, limit }) => {
            let (n, l) = (mib(*need), mib(*limit));
            let called = sheet_called(name.as_deref());
            Finding::error(
                Builtin::FileSize,
                Msg::new(
                    format!("Sheet thứ {}{called} trải trên {} dòng x {} cột, quá lớn so với biểu mẫu: để mở cần khoảng {} MiB bộ nhớ, vượt giới hạn {} MiB (người tổng hợp có thể nâng bằng --max-unzipped-mib). Hãy xóa các dòng, cột thừa, lưu lại và gửi lại.", sheet + 1, Lang::Vi.count(*rows), Lang::Vi.count(*cols), n.0, l.0),
                    format!("Sheet {}{called} spans {} rows x {} columns, far beyond the form: opening it takes about {} MiB, beyond the limit of {} MiB (raised with --max-unzipped-mib). Delete extra content, save and send it again.", sheet + 1, Lang::En.count(*rows), Lang::En.count(*cols), n.1, l.1),
                ),
            )
            .found(Shown::Number(*need as f64))
            .expected(Shown::AtMost(*limit as f64))
        }
        ReadError::Sniff(SniffError::TextTooLarge { sheet, name, limit }) => {
            let called = sheet_called(name.as_deref());
            Finding::error(
            Builtin::FileSize,
            Msg::new(
                format!("Sheet thứ {}{called} chứa chữ lặp lại hoặc khoảng trắng quá nhiều (hơn {} MiB khi mở, người tổng hợp có thể nâng bằng --max-unzipped-mib), bất thường với biểu mẫu. Hãy xóa dữ liệu thừa, lưu lại và gửi lại.", sheet + 1, mib(*limit).0),
                format!("Sheet {}{called} holds repeated text or spaces that would take more than {} MiB to open (raised with --max-unzipped-mib), abnormal for the form. Delete extra content, save and send it again.", sheet + 1, mib(*limit).1),
            ),
        )
        }
        ReadError::Sniff(SniffError::Truncated { detail }) => Finding::error(
            Builtin::FileCorrupt,
            Msg::new(
                format!("Tệp không đầy đủ, có thể bị cắt khi gửi hoặc tải về. {}", again.0),
                format!("The file is incomplete, perhaps cut off when it was sent or downloaded. {}", again.1),
            ),
        )
        .found(detail.clone()),
        ReadError::Sniff(SniffError::DamagedPart { part, detail }) => Finding::error(
            Builtin::FileCorrupt,
            Msg::new(
                format!("Phần \"{part}\" bên trong tệp bị hỏng (không khớp mã kiểm tra khi nén): tệp đã bị hỏng sau khi lưu, có thể khi sao chép hoặc gửi. Mở rồi lưu lại cũng không lấy lại được số liệu của phần này. {}", again.0),
                format!("The part \"{part}\" inside the file is damaged (it does not match its checksum): the file was damaged after it was saved, perhaps when copied or sent. Opening and saving it again cannot bring back what this part held. {}", again.1),
            ),
        )
        .found(detail.clone()),
        ReadError::Sniff(SniffError::CorruptXls { detail }) | ReadError::Sniff(SniffError::CorruptZip { detail }) => Finding::error(
            Builtin::FileCorrupt,
            Msg::new(
                format!("Tệp bị hỏng, không đọc được. {} Nếu Excel cũng không mở được, {}", save.0, again.0.to_lowercase()),
                format!("The file is damaged and cannot be read. {} If Excel cannot open it either, {}", save.1, lower_first(again.1)),
            ),
        )
        .found(detail.clone()),
        ReadError::OverBudget(crate::read::budget::OverBudget { needed, limit }) => {
            let mib = |b: u64| b.div_ceil(1024 * 1024);
            let (needed, limit) = (mib(*needed), mib(*limit));
            Finding::error(
                Builtin::FileSize,
                Msg::new(
                    format!("Đọc tệp này cần khoảng {needed} MiB bộ nhớ, vượt phần bộ nhớ dành cho việc đọc tệp ({limit} MiB, một nửa giới hạn bộ nhớ của lần chạy, người tổng hợp có thể nâng bằng --max-memory-mib); tệp không được đọc, các tệp khác vẫn được xử lý. Tệp chứa quá nhiều chuỗi chữ hoặc định dạng so với một biểu mẫu: hãy chép số liệu sang biểu mẫu gốc, lưu lại và gửi lại."),
                    format!("Reading this file needs about {needed} MiB of memory, over the part of the run's memory kept for reading files ({limit} MiB, half the run's limit, raised with --max-memory-mib); it was not read, the other files were. It holds far more texts or formats than a form: copy the figures into the original form, save and send it again."),
                ),
            )
            .found(Shown::Number(needed as f64))
            .expected(Shown::AtMost(limit as f64))
        }
        ReadError::Open { format, detail } => Finding::error(
            Builtin::FileCorrupt,
            Msg::new(
                format!("Tệp .{format} bị hỏng hoặc có cấu trúc chương trình đọc không hiểu được. {} Nếu Excel cũng không mở được, {}", save.0, again.0.to_lowercase()),
                format!("The .{format} file is damaged or laid out in a way the reader does not understand. {} If Excel cannot open it either, {}", save.1, lower_first(again.1)),
            ),
        )
        .found(detail.clone()),
    }
}

fn lower_first(s: &str) -> String {
    let mut c = s.chars();
    c.next()
        .map_or_else(String::new, |f| f.to_lowercase().chain(c).collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::read::sniff::Format;

    /// Every English phrase the sniffer writes into a detail, with a Vietnamese word for
    /// it: none is quoted in English inside a Vietnamese message.
    #[test]
    fn no_english_detail_inside_a_vietnamese_message() {
        let details = [
            "invalid Zip archive: Could not find EOCD",
            "entry 'xl/workbook.xml' runs past the end of the file (truncated download?)",
            "PDF document",
            "Excel binary workbook (.xlsb); save it as .xlsx",
            "Semicolon-separated text (CSV); open it and save it as .xlsx",
            "unrecognised binary data starting 0001",
        ];
        let mut errors = vec![
            ReadError::Open {
                format: Format::Xlsx,
                detail: details[0].into(),
            },
            ReadError::Sniff(SniffError::ZipAttachment {
                inside: vec!["TGI.xlsx".into()],
            }),
        ];
        for d in details {
            errors.push(ReadError::Sniff(SniffError::CorruptZip {
                detail: d.into(),
            }));
            errors.push(ReadError::Sniff(SniffError::CorruptXls {
                detail: d.into(),
            }));
            errors.push(ReadError::Sniff(SniffError::Truncated { detail: d.into() }));
            errors.push(ReadError::Sniff(SniffError::NotASpreadsheet {
                detail: d.into(),
            }));
            errors.push(ReadError::Sniff(SniffError::UnsupportedFormat {
                detail: d.into(),
            }));
        }
        for e in &errors {
            let f = file_finding(e);
            for d in details {
                for word in [
                    "Zip archive",
                    "EOCD",
                    "runs past",
                    "document",
                    "binary",
                    "save it",
                    "text (CSV)",
                ] {
                    assert!(
                        !(d.contains(word) && f.message.vi.contains(word)),
                        "{e:?}: {}",
                        f.message.vi
                    );
                }
            }
        }
        let pdf = file_finding(&ReadError::Sniff(SniffError::NotASpreadsheet {
            detail: "PDF document".into(),
        }));
        assert!(
            pdf.message.vi.contains("tài liệu PDF"),
            "{}",
            pdf.message.vi
        );
        assert!(pdf.message.en.contains("PDF document"));
    }

    #[test]
    fn a_truncated_file_is_to_be_sent_again_not_re_saved() {
        let f = file_finding(&ReadError::Sniff(SniffError::Truncated {
            detail: "no end of central directory".into(),
        }));
        assert!(
            f.message.vi.contains("đề nghị đơn vị gửi lại tệp")
                || f.message.vi.contains("Đề nghị đơn vị gửi lại tệp"),
            "{}",
            f.message.vi
        );
        assert!(
            f.message.en.contains("ask the unit to send the file again")
                || f.message.en.contains("Ask the unit to send the file again")
        );
        assert!(!f.message.vi.contains("lưu lại") && !f.message.en.contains("save it"));
        assert!(f.code.is(Builtin::FileCorrupt));
    }

    #[test]
    fn each_size_refusal_names_its_limit_and_the_flag_that_raises_it() {
        let ratio = file_finding(&ReadError::Sniff(SniffError::ZipRatio {
            entry: "xl/worksheets/sheet1.xml".into(),
            declared: 3_503_420,
            compressed: 3_000,
            ratio: 200,
        }));
        assert!(
            ratio.message.vi.contains("--max-zip-ratio") && ratio.message.vi.contains("200 lần"),
            "{}",
            ratio.message.vi
        );
        assert!(
            ratio.message.en.contains("--max-zip-ratio") && ratio.message.en.contains("3,503,420"),
            "{}",
            ratio.message.en
        );
        let size = file_finding(&ReadError::Sniff(SniffError::ZipBomb {
            entry: "(all entries)".into(),
            declared: 400 << 20,
            compressed: 1 << 20,
            limit: 300 << 20,
        }));
        // A limit set in MiB is said in MiB, in both languages.
        assert!(
            size.message.vi.contains("--max-unzipped-mib")
                && size.message.vi.contains("400 MiB, vượt giới hạn 300 MiB"),
            "{}",
            size.message.vi
        );
        assert!(
            size.message
                .en
                .contains("400 MiB, beyond the limit of 300 MiB"),
            "{}",
            size.message.en
        );
        let file = file_finding(&ReadError::Sniff(SniffError::TooLarge {
            size: (50 << 20) + 1,
            limit: 50 << 20,
        }));
        assert!(file.message.en.contains("--max-file-mib"));
        // Just over the limit reads as over it, never as equal to it.
        assert!(
            file.message.vi.contains("(50,1 MiB, giới hạn 50 MiB"),
            "{}",
            file.message.vi
        );
        assert!(
            file.message.en.contains("(50.1 MiB, limit 50 MiB"),
            "{}",
            file.message.en
        );
        let text = file_finding(&ReadError::Sniff(SniffError::TextTooLarge {
            sheet: 0,
            name: None,
            limit: 256 << 20,
        }));
        assert!(
            text.message.vi.contains("hơn 256 MiB") && text.message.en.contains("than 256 MiB"),
            "{:?}",
            text.message
        );
        // The run's memory budget says who raises it, and with what.
        let budget = file_finding(&ReadError::OverBudget(crate::read::budget::OverBudget {
            needed: 700 << 20,
            limit: 512 << 20,
        }));
        assert!(
            budget
                .message
                .vi
                .contains("(512 MiB, một nửa giới hạn bộ nhớ của lần chạy, người tổng hợp có thể nâng bằng --max-memory-mib)"),
            "{}",
            budget.message.vi
        );
        assert!(
            budget
                .message
                .en
                .contains("(512 MiB, half the run's limit, raised with --max-memory-mib)"),
            "{}",
            budget.message.en
        );
    }
}
