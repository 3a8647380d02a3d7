//! What can go wrong with the archive, each naming the file (and the period) so the
//! clerk knows which archive and what to do.

use crate::lang::Lang;
use crate::period::Period;

/// An archive that could not be opened, read or written.
#[derive(Debug, thiserror::Error)]
pub enum ArchiveError {
    /// No archive at the path (a command that only reads it).
    #[error("no archive at '{path}'")]
    Missing {
        /// The file.
        path: String,
    },
    /// SQLite could not open the file.
    #[error("cannot open the archive '{path}'")]
    Open {
        /// The file.
        path: String,
        /// What SQLite said.
        #[source]
        source: rusqlite::Error,
    },
    /// The file is not a tonghop archive (another program's database, or no database).
    #[error("'{path}' is not a tonghop archive")]
    NotArchive {
        /// The file.
        path: String,
    },
    /// Made by a newer tonghop, whose schema this one does not know.
    #[error("the archive '{path}' has schema {found}; this tonghop knows up to {known}")]
    Newer {
        /// The file.
        path: String,
        /// Its schema version.
        found: i64,
        /// The newest this program knows.
        known: i64,
    },
    /// A query or a write failed (a full disk, a file locked by another program).
    #[error("archive '{path}': {source}")]
    Sql {
        /// The file.
        path: String,
        /// What SQLite said.
        #[source]
        source: rusqlite::Error,
    },
    /// The period is not in the archive.
    #[error("the archive '{path}' holds no period {period}")]
    NoPeriod {
        /// The file.
        path: String,
        /// The period asked for.
        period: Period,
    },
    /// The period to compare with (`run --compare-with`) is not in the archive.
    #[error("cannot compare with {period}: the archive '{path}' does not hold it (it holds: {})", held_list(.held, Lang::En))]
    NotToCompare {
        /// The file.
        path: String,
        /// The period asked for.
        period: Period,
        /// The form's periods the archive holds, oldest first.
        held: Vec<Period>,
    },
    /// The period was closed (reported upward): a run may not change it unreopened.
    #[error("period {period} was closed on {closed_at} in the archive '{path}'")]
    Closed {
        /// The file.
        path: String,
        /// The period.
        period: Period,
        /// When it was closed.
        closed_at: String,
    },
    /// The run was stopped while it recorded: the transaction was rolled back.
    #[error("stopped while recording into the archive '{path}'; it is as it was before")]
    Interrupted {
        /// The file.
        path: String,
    },
    /// A file to import could not be read or is not in a known layout.
    #[error("cannot import '{path}': {reason}")]
    Import {
        /// The file.
        path: String,
        /// Why, in English.
        reason: String,
        /// Why, in Vietnamese.
        reason_vi: String,
    },
}

impl ArchiveError {
    /// The message in the clerk's language, with what to do.
    pub fn message(&self, lang: Lang) -> String {
        if lang == Lang::En {
            return match self {
                ArchiveError::Missing { path } => format!(
                    "there is no archive at '{path}' yet: a run records one (or give its place with --archive)"
                ),
                ArchiveError::Newer { .. } => {
                    format!("{self}: use the newer tonghop that made it")
                }
                ArchiveError::Closed { .. } => format!(
                    "{self}: it was reported upward and is not changed; to replace it, run again with --reopen"
                ),
                ArchiveError::Open { source, .. } | ArchiveError::Sql { source, .. } => {
                    format!("{self} ({source})")
                }
                _ => self.to_string(),
            };
        }
        match self {
            ArchiveError::Missing { path } => format!(
                "chưa có kho lưu trữ '{path}': lần chạy đầu tiên sẽ tạo kho (hoặc chỉ đúng chỗ của kho bằng --archive)"
            ),
            ArchiveError::Open { path, source } => {
                format!("không mở được kho lưu trữ '{path}' ({source})")
            }
            ArchiveError::NotArchive { path } => format!(
                "'{path}' không phải kho lưu trữ của tonghop (tệp của chương trình khác hoặc tệp hỏng); hãy chỉ đúng tệp bằng --archive"
            ),
            ArchiveError::Newer { path, found, known } => format!(
                "kho lưu trữ '{path}' do phiên bản tonghop mới hơn tạo (lược đồ {found}, phiên bản này chỉ biết đến {known}): hãy dùng phiên bản tonghop mới hơn"
            ),
            ArchiveError::Sql { path, source } => format!(
                "lỗi khi đọc/ghi kho lưu trữ '{path}' ({source}); tệp có đang mở trong chương trình khác không?"
            ),
            ArchiveError::NoPeriod { path, period } => {
                format!("kho lưu trữ '{path}' không có kỳ {period}")
            }
            ArchiveError::NotToCompare { path, period, held } => format!(
                "không so sánh được với kỳ {period}: kho lưu trữ '{path}' không có kỳ này (các kỳ trong kho: {})",
                held_list(held, Lang::Vi)
            ),
            ArchiveError::Closed {
                path,
                period,
                closed_at,
            } => format!(
                "kỳ {period} đã chốt (báo cáo lên cấp trên) lúc {closed_at} trong kho '{path}': số liệu kỳ này không bị thay đổi; muốn thay, hãy chạy lại với --reopen"
            ),
            ArchiveError::Interrupted { path } => {
                format!("đã dừng khi đang ghi vào kho lưu trữ '{path}'; kho giữ nguyên như trước")
            }
            ArchiveError::Import {
                path, reason_vi, ..
            } => format!("không nhập được '{path}': {reason_vi}"),
        }
    }
}

/// The periods an archive holds, for a message: "none" when it holds none.
fn held_list(held: &[Period], lang: Lang) -> String {
    if held.is_empty() {
        return lang.pick("chưa có kỳ nào", "none yet").to_string();
    }
    held.iter()
        .map(|p| p.to_string())
        .collect::<Vec<_>>()
        .join("; ")
}
