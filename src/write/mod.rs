//! Outputs: the blank form, filled forms (samples, returned workbooks), the consolidated
//! workbook and report.json. Every file is written to a temporary file beside its final
//! name and renamed into place, so a failed run never leaves half a file.

pub mod chasing;
pub mod compare;
pub mod consolidated;
pub mod form;
pub mod history_sheet;
pub mod mark;
mod print;
pub mod report;
pub mod returned;
pub mod staging;
mod style;
pub mod summary;
pub mod targets;
pub mod units_table;
pub mod upward;

use crate::lang::Lang;
use rust_xlsxwriter::{Workbook, XlsxError};
use std::io::Write;
use std::path::{Path, PathBuf};

/// An output that could not be written, naming the file: a run writes many, and the
/// clerk needs to know which one failed and why.
#[derive(Debug, thiserror::Error)]
pub enum WriteError {
    /// rust_xlsxwriter refused the workbook (a limit of the format, say).
    #[error("cannot build workbook '{path}'")]
    Xlsx {
        /// The output file.
        path: String,
        /// What rust_xlsxwriter said.
        #[source]
        source: XlsxError,
    },
    /// The file system refused the file (a full disk, no permission).
    #[error("cannot write '{path}'")]
    Io {
        /// The output file.
        path: String,
        /// What the system said.
        #[source]
        source: std::io::Error,
    },
    /// A JSON output (report.json, a sample set's faults.json) could not be encoded.
    #[error("cannot encode '{path}'")]
    Json {
        /// The output file.
        path: String,
        /// What serde_json said.
        #[source]
        source: serde_json::Error,
    },
}

/// One CSV field as RFC 4180 has it: quoted when it holds a comma, a quote or a line
/// break, quotes doubled. A field that Excel would take for a formula (a preparer's name
/// typed as `=HYPERLINK(...)` in a unit's file) is kept text by a leading apostrophe.
pub(crate) fn csv_field(s: &str) -> String {
    let s = if s.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{s}")
    } else {
        s.to_string()
    };
    if s.contains([',', '"', '\n', '\r']) || s.starts_with(' ') || s.ends_with(' ') {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s
    }
}

/// A fixed creation time: the same inputs give byte-identical workbooks.
pub fn new_workbook(title: &str) -> Workbook {
    let mut wb = Workbook::new();
    wb.set_properties(&mark::properties(title, None));
    wb
}

impl WriteError {
    /// The same failure named by the output's final place: a file written in the
    /// staging folder `from` is the clerk's `to/...`.
    pub fn relocated(self, from: &Path, to: &Path) -> WriteError {
        let moved = |path: String| match Path::new(&path).strip_prefix(from) {
            Ok(rest) => to.join(rest).display().to_string(),
            Err(_) => path,
        };
        match self {
            WriteError::Io { path, source } => WriteError::Io {
                path: moved(path),
                source,
            },
            WriteError::Xlsx { path, source } => WriteError::Xlsx {
                path: moved(path),
                source,
            },
            WriteError::Json { path, source } => WriteError::Json {
                path: moved(path),
                source,
            },
        }
    }

    /// The failure as the clerk reads it, in `lang`: what could not be written, why in
    /// plain words, then the system's own wording once.
    pub fn message(&self, lang: Lang) -> String {
        match self {
            WriteError::Io { path, source } => {
                let why = match source.kind() {
                    std::io::ErrorKind::StorageFull | std::io::ErrorKind::QuotaExceeded => lang
                        .pick(
                            "ổ đĩa đã đầy, hãy giải phóng chỗ trống rồi chạy lại",
                            "the disk is full; free some space and run again",
                        ),
                    std::io::ErrorKind::PermissionDenied => lang.pick(
                        "không có quyền ghi (tệp đang mở trong Excel, hoặc thư mục chỉ đọc?)",
                        "permission denied (is the file open in Excel, or the folder read-only?)",
                    ),
                    std::io::ErrorKind::ReadOnlyFilesystem => {
                        lang.pick("ổ đĩa chỉ cho đọc", "the disk is read-only")
                    }
                    _ if lang.en() => "write error",
                    // The system's reason, in Vietnamese and with its code.
                    _ => {
                        return format!(
                            "không ghi được '{path}': {}",
                            crate::lang::io_text(source, lang)
                        );
                    }
                };
                let cause = match (lang, source.raw_os_error()) {
                    (Lang::Vi, Some(n)) => format!("mã lỗi hệ thống {n}"),
                    _ => crate::lang::io_text(source, lang),
                };
                format!(
                    "{} '{path}': {why} ({cause})",
                    lang.pick("không ghi được", "cannot write")
                )
            }
            WriteError::Xlsx { path, source } => format!(
                "{} '{path}': {source}",
                lang.pick("không tạo được bảng tính", "cannot build workbook")
            ),
            WriteError::Json { path, source } => format!(
                "{} '{path}': {source}",
                lang.pick("không mã hóa được", "cannot encode")
            ),
        }
    }
}

/// Write `bytes` to `path` through a temporary file in the same folder.
pub fn atomic_write(path: &Path, bytes: &[u8]) -> Result<(), WriteError> {
    atomic_write_with(path, |w| w.write_all(bytes))
}

/// Stream into a temporary file in the same folder, then rename it over `path`: readers
/// see the old file or the new one, never half of one. A failed write leaves no trace.
pub fn atomic_write_with(
    path: &Path,
    fill: impl FnOnce(&mut std::io::BufWriter<&std::fs::File>) -> std::io::Result<()>,
) -> Result<(), WriteError> {
    let tmp = temp_beside(path)?;
    // 64 KiB, as for the workbooks: report.json of a national period is 2 GB, and with
    // the default 8 KiB its writes took a third more system time (dd here: 1.3–1.5 s
    // against 0.8–1.1 s for 2 GB).
    let mut w = std::io::BufWriter::with_capacity(1 << 16, tmp.as_file());
    fill(&mut w).map_err(io_err(path))?;
    w.into_inner().map_err(|e| io_err(path)(e.into_error()))?;
    publish(tmp, path)
}

pub(crate) fn io_err(path: &Path) -> impl Fn(std::io::Error) -> WriteError + '_ {
    move |source| WriteError::Io {
        path: path.display().to_string(),
        source,
    }
}

/// A temporary file in `path`'s folder (created if needed), so the final rename stays
/// within one file system and is atomic.
fn temp_beside(path: &Path) -> Result<Temp, WriteError> {
    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir).map_err(io_err(path))?;
    let tmp = crate::interrupt::create_temp(
        || {
            tempfile::Builder::new()
                .prefix(".tonghop-")
                .suffix(".tmp")
                .tempfile_in(dir)
        },
        |t| t.path(),
    )
    .map_err(io_err(path))?;
    Ok(Temp(Some(tmp)))
}

/// A temporary file the signal handler knows of until it is dropped (removed by
/// tempfile) or renamed into place.
struct Temp(Option<tempfile::NamedTempFile>);

impl Temp {
    fn as_file(&self) -> &std::fs::File {
        self.0.as_ref().expect("held until published").as_file()
    }
}

impl Drop for Temp {
    fn drop(&mut self) {
        if let Some(t) = self.0.take() {
            let path = t.path().to_path_buf();
            // Removed first, forgotten after: a signal between them removes nothing.
            drop(t);
            crate::interrupt::forget_temp(&path);
        }
    }
}

/// Temporary files are created private (0600); outputs are ordinary files for the
/// clerk's other programs, so they get the usual 0644 before being renamed into place.
fn publish(mut tmp: Temp, path: &Path) -> Result<(), WriteError> {
    let io = &io_err(path);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        tmp.as_file()
            .set_permissions(std::fs::Permissions::from_mode(0o644))
            .map_err(io)?;
    }
    tmp.as_file().sync_all().map_err(io)?;
    let Some(named) = tmp.0.take() else {
        unreachable!("a temporary file is published once")
    };
    let temp_path = named.path().to_path_buf();
    // A failed rename gives the file back: removed (dropped) before it is forgotten.
    let persisted = named.persist(path).map_err(|e| io(e.error));
    crate::interrupt::forget_temp(&temp_path);
    persisted?;
    Ok(())
}

/// Save a workbook atomically, streaming it to a temporary file beside `path` (a big
/// workbook is never held whole in memory), then renaming it into place.
pub fn save(wb: &mut Workbook, path: &Path) -> Result<(), WriteError> {
    let tmp = temp_beside(path)?;
    // A test-only point (see `interrupt::step`): a signal while a workbook is written.
    let _ = crate::interrupt::step("saving");
    let mut w = Latched::new(std::io::BufWriter::with_capacity(1 << 16, tmp.as_file()));
    let saved = wb.save_to_writer(&mut w);
    let flushed = w.inner.flush();
    // The first failure is the cause; what rust_xlsxwriter made of it comes second.
    if let Some(first) = w.failed.take() {
        return Err(io_err(path)(first));
    }
    saved.map_err(xlsx_err(path))?;
    flushed.map_err(io_err(path))?;
    drop(w);
    publish(tmp, path)
}

/// A writer that remembers its first failure and takes everything after it in silence.
///
/// When a write fails (a full disk), rust_xlsxwriter returns the error and drops its
/// zip writer, whose `Drop` tries to finish the archive, fails again and prints
/// `ZipWriter::drop: failed to finalize archive: Io(Os { .. })` on the clerk's terminal.
/// Past the first failure the file is discarded anyway, so the later writes need not
/// reach it. It also stops the write when the run is interrupted, so a big workbook does
/// not keep the clerk waiting after Ctrl-C.
struct Latched<W> {
    inner: W,
    failed: Option<std::io::Error>,
}

impl<W: Write> Latched<W> {
    fn new(inner: W) -> Self {
        Latched {
            inner,
            failed: None,
        }
    }
}

impl<W: Write> Write for Latched<W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        if self.failed.is_some() {
            return Ok(buf.len());
        }
        let result = if crate::interrupt::requested() {
            Err(std::io::Error::from(std::io::ErrorKind::Interrupted))
        } else {
            self.inner.write(buf)
        };
        match result {
            Err(e) => {
                let told = std::io::Error::new(e.kind(), e.to_string());
                self.failed = Some(e);
                Err(told)
            }
            ok => ok,
        }
    }

    fn flush(&mut self) -> std::io::Result<()> {
        if self.failed.is_some() {
            return Ok(());
        }
        self.inner.flush().inspect_err(|e| {
            self.failed = Some(std::io::Error::new(e.kind(), e.to_string()));
        })
    }
}

/// A write that panicked inside rust_xlsxwriter (it does on a failed write to a
/// streamed sheet's spool, such as a full disk), as an error naming the output.
pub(crate) fn io_failure(path: &Path, msg: String) -> WriteError {
    let plain = plain_panic(&msg);
    // The system's error code, when the message has one, gives the error its kind: a
    // full disk is then said as one.
    let source = os_code(&msg)
        .map(std::io::Error::from_raw_os_error)
        .unwrap_or_else(|| std::io::Error::other(plain));
    WriteError::Io {
        path: path.display().to_string(),
        source,
    }
}

/// The `code: N` of a debug-printed `Os { code: N, .. }` error.
fn os_code(msg: &str) -> Option<i32> {
    let (_, rest) = msg.split_once("Os { code: ")?;
    let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
    digits.parse().ok()
}

/// rust_xlsxwriter panics with the debug form of its I/O error (`Couldn't write to xml
/// file: Os { code: 28, kind: StorageFull, message: "No space left on device" }`); a
/// clerk reads the message part. Anything else is kept as it is.
fn plain_panic(msg: &str) -> String {
    // `.unwrap()` inside rust_xlsxwriter words it as Rust does; the error is what counts.
    let msg = msg
        .split_once("called `Result::unwrap()` on an `Err` value: ")
        .map_or(msg, |(_, error)| error);
    let Some((head, rest)) = msg.split_once("Os {") else {
        return msg.to_string();
    };
    match rest
        .split_once("message: \"")
        .and_then(|(_, m)| m.split_once('"'))
    {
        Some((message, _)) => format!("{}: {message}", head.trim_end_matches([' ', ':'])),
        None => msg.to_string(),
    }
}

/// rust_xlsxwriter's I/O errors (its temporary files, its zip writer's) are reported as
/// the I/O errors they are: their wrappers repeat the cause's words or return it again as
/// their source, and the clerk would read it twice.
pub(crate) fn xlsx_err(path: &Path) -> impl Fn(XlsxError) -> WriteError + '_ {
    move |error| match error {
        XlsxError::TempFileError(_, source)
        | XlsxError::IoError(source)
        | XlsxError::ZipError(zip::result::ZipError::Io(source)) => WriteError::Io {
            path: path.display().to_string(),
            source,
        },
        source => WriteError::Xlsx {
            path: path.display().to_string(),
            source,
        },
    }
}

/// Text as a cell can hold it: Excel refuses more than 32,767 characters (a note a bit
/// less), and one over-long message must not cost the whole run its outputs.
pub fn cell_text(s: &str) -> std::borrow::Cow<'_, str> {
    const MAX: usize = 32_000;
    match s.char_indices().nth(MAX) {
        Some((i, _)) => std::borrow::Cow::Owned(format!("{}…", &s[..i])),
        None => std::borrow::Cow::Borrowed(s),
    }
}

/// The file name of a unit's returned workbook: from the validated code only, never
/// from anything a submission contains.
pub fn returned_path(out: &Path, code: &str) -> PathBuf {
    out.join("tra-lai").join(format!("{code}.xlsx"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_write_panic_reads_as_its_message() {
        assert_eq!(
            plain_panic(
                r#"Couldn't write to xml file: Os { code: 28, kind: StorageFull, message: "No space left on device" }"#
            ),
            "Couldn't write to xml file: No space left on device"
        );
        assert_eq!(
            plain_panic("called `Result::unwrap()` on an `Err` value: No space left on device"),
            "No space left on device"
        );
        assert_eq!(plain_panic("index out of bounds"), "index out of bounds");
    }

    /// A disk that fills after `room` bytes.
    struct Filling {
        room: usize,
    }

    impl Write for Filling {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            if buf.len() > self.room {
                return Err(std::io::Error::from_raw_os_error(28));
            }
            self.room -= buf.len();
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    #[test]
    fn a_full_disk_fails_the_save_once_and_is_said_once() {
        let mut wb = new_workbook("t");
        let ws = wb.add_worksheet();
        for r in 0..2000 {
            ws.write_string(r, 0, format!("hàng {r}")).unwrap();
        }
        let mut w = Latched::new(Filling { room: 3000 });
        assert!(wb.save_to_writer(&mut w).is_err());
        let first = w.failed.take().expect("the first failure is kept");
        assert_eq!(first.kind(), std::io::ErrorKind::StorageFull);
        // What follows the failure (the zip writer finishing the archive as it drops)
        // is taken in silence, and prints nothing.
        w.failed = Some(first);
        assert_eq!(w.write(b"more").unwrap(), 4);
        let e = WriteError::Io {
            path: "ket-qua/tong-hop.xlsx".into(),
            source: w.failed.take().unwrap(),
        };
        let said = e.message(Lang::Vi);
        assert!(
            said.starts_with("không ghi được 'ket-qua/tong-hop.xlsx': ổ đĩa đã đầy"),
            "{said}"
        );
        assert_eq!(said.matches("mã lỗi hệ thống 28").count(), 1, "{said}");
        assert!(!said.contains("No space"), "{said}");
        assert!(e.message(Lang::En).contains("the disk is full"));
    }

    #[test]
    fn xlsx_io_errors_are_io_errors() {
        let e = xlsx_err(Path::new("x.xlsx"))(XlsxError::IoError(
            std::io::Error::from_raw_os_error(28),
        ));
        assert!(
            matches!(&e, WriteError::Io { source, .. } if source.kind() == std::io::ErrorKind::StorageFull)
        );
        let e = io_failure(
            Path::new("x.xlsx"),
            r#"Couldn't write to xml file: Os { code: 28, kind: StorageFull, message: "No space left on device" }"#.into(),
        );
        assert!(e.message(Lang::Vi).contains("ổ đĩa đã đầy"));
    }

    /// The patched rust_xlsxwriter (vendor/rust_xlsxwriter) drops a streamed row's
    /// options once the row is written: the sheet's XML must be the one written when
    /// they are kept, heights and hidden rows included, rows sized ahead of the data
    /// or not, the last row sized (upstream writes its options twice) or not.
    #[test]
    fn a_streamed_sheet_that_forgets_its_rows_writes_the_same_xml() {
        let sheet = |forget: bool, last: u32, ahead: bool| -> String {
            let mut wb = new_workbook("t");
            let ws = wb.add_worksheet_with_constant_memory().unwrap();
            ws.forget_written_rows(forget);
            ws.set_row_height(0, 30).unwrap();
            for r in 0..=last {
                if r % 3 == 0 {
                    ws.set_row_height(r, 15.0 + f64::from(r % 7)).unwrap();
                }
                if r % 50 == 7 {
                    ws.set_row_hidden(r).unwrap();
                }
                ws.write_string(r, 0, format!("hàng {r}")).unwrap();
                ws.write_number(r, 1, f64::from(r)).unwrap();
            }
            if ahead {
                // A row sized with no data, and one past the last written.
                ws.set_row_height(last + 5, 40).unwrap();
                ws.set_row_height(last + 10, 50).unwrap();
            }
            let bytes = wb.save_to_buffer().unwrap();
            let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes)).unwrap();
            let mut xml = String::new();
            std::io::Read::read_to_string(
                &mut zip.by_name("xl/worksheets/sheet1.xml").unwrap(),
                &mut xml,
            )
            .unwrap();
            xml
        };
        for (last, ahead) in [(299, true), (300, true), (299, false), (300, false)] {
            let kept = sheet(false, last, ahead);
            assert!(kept.contains(r#"<row r="4" ht="18" customHeight="1">"#));
            assert_eq!(
                sheet(true, last, ahead),
                kept,
                "last row {last}, ahead {ahead}"
            );
        }
    }

    #[test]
    fn over_long_text_is_cut_to_what_a_cell_holds() {
        let long = "ư".repeat(40_000);
        let cut = cell_text(&long);
        assert_eq!(cut.chars().count(), 32_001);
        assert!(cut.ends_with('…'));
        assert!(matches!(
            cell_text("ngắn"),
            std::borrow::Cow::Borrowed("ngắn")
        ));
        // And such a cell really saves.
        let mut wb = Workbook::new();
        wb.add_worksheet()
            .write_string(0, 0, cell_text(&long))
            .unwrap();
        wb.save_to_buffer().unwrap();
    }
}

#[cfg(test)]
mod csv_tests {
    use super::csv_field;

    #[test]
    fn fields_are_quoted_as_rfc_4180_and_formulas_kept_text() {
        assert_eq!(csv_field("Lò Thị Hoa"), "Lò Thị Hoa");
        assert_eq!(csv_field("Hoa, Mai"), "\"Hoa, Mai\"");
        assert_eq!(csv_field("say \"hi\""), "\"say \"\"hi\"\"\"");
        assert_eq!(csv_field("a\nb"), "\"a\nb\"");
        assert_eq!(csv_field("=1+1"), "'=1+1");
        assert_eq!(csv_field("=A1,B1"), "\"'=A1,B1\"");
        assert_eq!(csv_field(""), "");
    }
}
