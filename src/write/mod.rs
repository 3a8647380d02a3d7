//! Outputs: the blank form, filled forms (samples, returned workbooks), the consolidated
//! workbook and report.json. Every file is written to a temporary file beside its final
//! name and renamed into place, so a failed run never leaves half a file.

pub mod consolidated;
pub mod form;
pub mod report;
pub mod returned;
mod style;

use rust_xlsxwriter::{DocProperties, ExcelDateTime, Workbook, XlsxError};
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

/// A fixed creation time: the same inputs give byte-identical workbooks.
pub fn new_workbook(title: &str) -> Workbook {
    let mut wb = Workbook::new();
    let when = ExcelDateTime::from_ymd(2026, 1, 1).expect("a valid constant date");
    let props = DocProperties::new()
        .set_title(title)
        .set_author("tonghop")
        .set_creation_datetime(&when);
    wb.set_properties(&props);
    wb
}

/// Write `bytes` to `path` through a temporary file in the same folder.
pub fn atomic_write(path: &Path, bytes: &[u8]) -> Result<(), WriteError> {
    atomic_write_with(path, |w| w.write_all(bytes))
}

/// Stream into a temporary file in the same folder, then rename it over `path`: readers
/// see the old file or the new one, never half of one. A failed write leaves no trace.
pub fn atomic_write_with(
    path: &Path,
    fill: impl FnOnce(&mut std::io::BufWriter<tempfile::NamedTempFile>) -> std::io::Result<()>,
) -> Result<(), WriteError> {
    let mut w = std::io::BufWriter::new(temp_beside(path)?);
    fill(&mut w).map_err(io_err(path))?;
    let tmp = w.into_inner().map_err(|e| io_err(path)(e.into_error()))?;
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
fn temp_beside(path: &Path) -> Result<tempfile::NamedTempFile, WriteError> {
    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir).map_err(io_err(path))?;
    tempfile::Builder::new()
        .prefix(".tonghop-")
        .suffix(".tmp")
        .tempfile_in(dir)
        .map_err(io_err(path))
}

/// Temporary files are created private (0600); outputs are ordinary files for the
/// clerk's other programs, so they get the usual 0644 before being renamed into place.
fn publish(tmp: tempfile::NamedTempFile, path: &Path) -> Result<(), WriteError> {
    let io = &io_err(path);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        tmp.as_file()
            .set_permissions(std::fs::Permissions::from_mode(0o644))
            .map_err(io)?;
    }
    tmp.as_file().sync_all().map_err(io)?;
    tmp.persist(path).map_err(|e| io(e.error))?;
    Ok(())
}

/// Save a workbook atomically, streaming it to a temporary file beside `path` (a big
/// workbook is never held whole in memory), then renaming it into place.
pub fn save(wb: &mut Workbook, path: &Path) -> Result<(), WriteError> {
    let tmp = temp_beside(path)?;
    wb.save(tmp.path()).map_err(xlsx_err(path))?;
    publish(tmp, path)
}

/// A write that panicked inside rust_xlsxwriter (it does on a failed write to a
/// streamed sheet's spool, such as a full disk), as an error naming the output.
pub(crate) fn io_failure(path: &Path, msg: String) -> WriteError {
    WriteError::Io {
        path: path.display().to_string(),
        source: std::io::Error::other(plain_panic(&msg)),
    }
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

/// rust_xlsxwriter's temporary-file error says its I/O error and also returns it as its
/// source; it is reported as the I/O error it is, so the cause is said once.
pub(crate) fn xlsx_err(path: &Path) -> impl Fn(XlsxError) -> WriteError + '_ {
    move |error| match error {
        XlsxError::TempFileError(_, source) => WriteError::Io {
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
