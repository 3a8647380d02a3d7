//! A file that could not be read, as a finding that tells the unit what to do.

use super::ReadError;
use super::sniff::SniffError;
use crate::finding::{Builtin, Finding, Shown};
use crate::lang::Msg;

/// The file could not be opened or read from disk.
pub fn io_finding(e: &std::io::Error) -> Finding {
    Finding::error(
        Builtin::FileCorrupt,
        Msg::new(
            format!("Không đọc được tệp: {e}."),
            format!("The file cannot be read: {e}."),
        ),
    )
}

/// A whole-file failure as a finding that tells the unit what to do.
pub fn file_finding(e: &ReadError) -> Finding {
    let save = (
        "Hãy mở bằng Excel/LibreOffice và lưu lại dạng .xlsx rồi gửi lại.",
        "Open it in Excel/LibreOffice, save it as .xlsx and send it again.",
    );
    match e {
        ReadError::Sniff(SniffError::Empty) => Finding::error(
            Builtin::FileEmpty,
            Msg::new(format!("Tệp rỗng (0 byte), có thể gửi lỗi. {}", save.0), format!("The file is empty (0 bytes), perhaps a failed transfer. {}", save.1)),
        ),
        ReadError::Sniff(SniffError::Encrypted) => Finding::error(
            Builtin::FileEncrypted,
            Msg::new(
                "Tệp có đặt mật khẩu nên không đọc được. Hãy gỡ mật khẩu (File > Info > Protect Workbook) rồi gửi lại.",
                "The workbook is password-protected. Remove the password (File > Info > Protect Workbook) and send it again.",
            ),
        ),
        ReadError::Sniff(SniffError::TooLarge { size, limit }) => Finding::error(
            Builtin::FileSize,
            Msg::new(
                format!("Tệp quá lớn ({size} byte, giới hạn {limit} byte, nâng bằng --max-file-mib) so với một biểu mẫu; tệp không được đọc và không tính mã băm SHA-256. Hãy xóa dữ liệu thừa, lưu lại và gửi lại."),
                format!("The file is too large ({size} bytes, limit {limit}, raised by --max-file-mib); it was not read and its SHA-256 was not taken. Delete extra content, save and send it again."),
            ),
        )
        .found(Shown::Number(*size as f64))
        .expected(Shown::AtMost(*limit as f64)),
        ReadError::Sniff(SniffError::ZipBomb { entry, declared, .. }) => Finding::error(
            Builtin::FileSize,
            Msg::new(
                format!("Tệp chứa phần \"{entry}\" giải nén ra {declared} byte, vượt giới hạn an toàn; tệp bị từ chối. Hãy lưu lại từ biểu mẫu gốc."),
                format!("The file's part \"{entry}\" inflates to {declared} bytes, beyond the safe limit; refused. Save it again from the original form."),
            ),
        )
        .found(Shown::Number(*declared as f64)),
        ReadError::Sniff(SniffError::NotASpreadsheet { detail }) => Finding::error(
            Builtin::FileType,
            Msg::new(format!("Tệp không phải bảng tính ({detail}). {}", save.0), format!("The file is not a spreadsheet ({detail}). {}", save.1)),
        )
        .found(detail.clone()),
        ReadError::Sniff(SniffError::UnsupportedFormat { detail }) => Finding::error(
            Builtin::FileType,
            Msg::new(format!("Định dạng tệp không được hỗ trợ ({detail}). {}", save.0), format!("Unsupported file format ({detail}). {}", save.1)),
        )
        .found(detail.clone()),
        ReadError::Sniff(SniffError::TooManyEntries { count, limit }) => Finding::error(
            Builtin::FileSize,
            Msg::new(
                format!("Tệp chứa {count} phần (giới hạn {limit}), bất thường với một biểu mẫu; tệp bị từ chối. Hãy lưu lại từ biểu mẫu gốc."),
                format!("The file holds {count} parts (limit {limit}), abnormal for a form; refused. Save it again from the original form."),
            ),
        )
        .found(Shown::Number(*count as f64)),
        ReadError::Sniff(SniffError::SheetTooLarge { sheet, rows, cols, .. }) => Finding::error(
            Builtin::FileSize,
            Msg::new(
                format!("Sheet thứ {} trải trên {rows} dòng x {cols} cột, quá lớn so với biểu mẫu. Hãy xóa dữ liệu thừa, lưu lại và gửi lại.", sheet + 1),
                format!("Sheet {} spans {rows} rows x {cols} columns, far beyond the form. Delete extra content, save and send it again.", sheet + 1),
            ),
        ),
        ReadError::Sniff(SniffError::TextTooLarge { sheet, limit }) => Finding::error(
            Builtin::FileSize,
            Msg::new(
                format!("Sheet thứ {} chứa chữ lặp lại hoặc khoảng trắng quá nhiều (hơn {} MB khi mở), bất thường với biểu mẫu. Hãy xóa dữ liệu thừa, lưu lại và gửi lại.", sheet + 1, limit / (1024 * 1024)),
                format!("Sheet {} holds repeated text or spaces that would take more than {} MB to open, abnormal for the form. Delete extra content, save and send it again.", sheet + 1, limit / (1024 * 1024)),
            ),
        ),
        ReadError::Sniff(SniffError::CorruptXls { detail }) | ReadError::Sniff(SniffError::CorruptZip { detail }) => Finding::error(
            Builtin::FileCorrupt,
            Msg::new(format!("Tệp bị hỏng hoặc không đầy đủ ({detail}). {}", save.0), format!("The file is damaged or incomplete ({detail}). {}", save.1)),
        ),
        ReadError::OverBudget(crate::read::budget::OverBudget { needed, limit }) => {
            let mib = |b: u64| b.div_ceil(1024 * 1024);
            let (needed, limit) = (mib(*needed), mib(*limit));
            Finding::error(
                Builtin::FileSize,
                Msg::new(
                    format!("Đọc tệp này cần khoảng {needed} MiB bộ nhớ, vượt giới hạn bộ nhớ của cả lần chạy ({limit} MiB, nâng bằng --max-memory-mib); tệp không được đọc, các tệp khác vẫn được xử lý. Tệp chứa quá nhiều chuỗi chữ hoặc định dạng so với một biểu mẫu: hãy chép số liệu sang biểu mẫu gốc, lưu lại và gửi lại."),
                    format!("Reading this file needs about {needed} MiB of memory, over the whole run's memory limit ({limit} MiB, raised by --max-memory-mib); it was not read, the other files were. It holds far more texts or formats than a form: copy the figures into the original form, save and send it again."),
                ),
            )
            .found(Shown::Number(needed as f64))
            .expected(Shown::AtMost(limit as f64))
        }
        ReadError::Open { format, detail } => Finding::error(
            Builtin::FileCorrupt,
            Msg::new(format!("Tệp {format:?} bị hỏng, không mở được ({detail}). {}", save.0), format!("The {format:?} file is damaged and cannot be opened ({detail}). {}", save.1)),
        ),
    }
}
