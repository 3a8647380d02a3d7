//! The mark tonghop writes into its own output workbooks (tong-hop.xlsx and each
//! tra-lai/<CODE>.xlsx), and its recognition in an inbox.
//!
//! A previous run's outputs copied into the inbox (or an OUT that lies inside it) would
//! otherwise be read as submissions: each returned workbook holds the unit's own figures,
//! so it reads as a second submission of that unit and earns it a false DUP. The mark is
//! a pair of custom document properties (File > Info > Properties > Advanced > Custom in
//! Excel): which output it is, and a stamp: in tong-hop.xlsx the run's id, as report.json's
//! `run.id`; in a returned workbook a digest of what it was made from, as report.json's
//! `run.returned[].stamp`. So a set of outputs can be told to be of one run.
//!
//! A unit may correct the returned workbook itself and send it back; Excel and LibreOffice
//! keep custom properties when they save, but both stamp the save time into
//! `docProps/core.xml`. A marked workbook is skipped only while that time is still the
//! fixed one tonghop writes: one saved again by anyone is a submission like any other.

use crate::lang::Msg;
use rust_xlsxwriter::{DocProperties, ExcelDateTime, Workbook};
use std::io::{Read, Seek, SeekFrom};
use std::path::Path;

/// The custom property naming which output a workbook is.
pub const OUTPUT_PROPERTY: &str = "tonghop.output";
/// The custom property holding the stamp: the run id, or a returned workbook's own.
pub const RUN_PROPERTY: &str = "tonghop.run";

/// The creation (and so modification) time of every workbook tonghop writes: fixed, so
/// the same inputs give byte-identical files, and a file saved since no longer has it.
const FIXED_TIME: (u16, u8, u8) = (2026, 1, 1);
/// How rust_xlsxwriter writes [`FIXED_TIME`] into docProps/core.xml.
const FIXED_MODIFIED: &str = "<dcterms:modified xsi:type=\"dcterms:W3CDTF\">2026-01-01T00:00:00Z";

/// Which of tonghop's outputs a workbook is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Output {
    /// tong-hop.xlsx, the consolidated workbook.
    Consolidated,
    /// tra-lai/<CODE>.xlsx, a returned workbook.
    Returned,
    /// bao-cao-<CODE>.xlsx, the province's own submission to the level above: written by
    /// tonghop, yet a report like any unit's, so an inbox reads it (see [`own_output`]).
    Submission,
}

impl Output {
    fn value(self) -> &'static str {
        match self {
            Output::Consolidated => "tong-hop",
            Output::Returned => "tra-lai",
            Output::Submission => "bao-cao",
        }
    }
}

/// Document properties with a fixed creation time, `title`, and, for a run's output, the
/// mark: which output it is and its stamp.
pub fn properties(title: &str, mark: Option<(Output, &str)>) -> DocProperties {
    let (y, m, d) = FIXED_TIME;
    let when = ExcelDateTime::from_ymd(y, m, d).expect("a valid constant date");
    let props = DocProperties::new()
        .set_title(title)
        .set_author("tonghop")
        .set_creation_datetime(&when);
    match mark {
        Some((output, run)) => props
            .set_custom_property(OUTPUT_PROPERTY, output.value())
            .set_custom_property(RUN_PROPERTY, run),
        None => props,
    }
}

/// A new workbook for one of a run's outputs, marked as such (see the module's doc).
pub fn output_workbook(title: &str, output: Output, run: &str) -> Workbook {
    let mut wb = Workbook::new();
    wb.set_properties(&properties(title, Some((output, run))));
    wb
}

/// What a marked workbook says about itself.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mark {
    /// Which output.
    pub output: Output,
    /// Its stamp (see [`RUN_PROPERTY`]).
    pub run: String,
}

/// The most entries a workbook tonghop writes has is far below this (a consolidated
/// workbook with many detail parts has a few hundred): more, and it is not ours.
const MAX_ENTRIES: u64 = 10_000;
/// docProps parts of tonghop's workbooks are under a kilobyte.
const MAX_PART: u64 = 64 * 1024;
/// The end-of-central-directory record and its longest comment.
const TAIL: u64 = 22 + u16::MAX as u64;

/// The bytes looked at first for the end-of-central-directory record: it and a comment
/// of up to a kilobyte.
const NEAR_TAIL: u64 = 1024;

/// Why a workbook in an inbox is skipped as tonghop's own output, or `None` when it is
/// not one (or cannot be read: the reader then has its say). Reads the zip's directory
/// and two small parts, never the sheets: a cost of a few reads per file.
///
/// A province's upward report is marked too (so a later run into the same OUT can tell
/// an old one of another province code for its own and remove it), but it is made to be
/// read: in the inbox of the level above it is the province's submission, so its mark
/// never skips it.
pub fn own_output(path: &Path) -> Option<Msg> {
    let mark = read_mark(path)?;
    let what = match mark.output {
        Output::Submission => return None,
        Output::Consolidated => Msg::new(
            "bảng tổng hợp do tonghop tạo ra",
            "a consolidated workbook written by tonghop",
        ),
        Output::Returned => Msg::new(
            "tệp trả lại do tonghop tạo ra",
            "a returned workbook written by tonghop",
        ),
    };
    Some(Msg::new(
        format!(
            "{} (mã {}), không phải báo cáo của đơn vị; để nộp lại, hãy mở, sửa và lưu tệp",
            what.vi, mark.run
        ),
        format!(
            "{} (stamp {}), not a unit's report; to submit it, open, correct and save it",
            what.en, mark.run
        ),
    ))
}

/// The mark of the workbook at `path`, when it has one and was not saved since.
pub fn read_mark(path: &Path) -> Option<Mark> {
    let mut file = std::fs::File::open(path).ok()?;
    let len = file.metadata().ok()?.len();
    // A small zip's directory is within its last bytes; refuse to let a hostile count
    // of entries size the zip crate's index.
    // The record is in the last kilobyte unless a long comment follows it: every file
    // of an inbox is looked at before any is read, and reading up to 64 KB of each (most
    // submissions whole) took 0.8 s of a run of 10,000 files, on one thread. Where the
    // last kilobyte has the record it is the last one the whole tail would show.
    let mut entries = None;
    for size in [NEAR_TAIL, TAIL] {
        file.seek(SeekFrom::Start(len.saturating_sub(size))).ok()?;
        let mut tail = Vec::new();
        (&mut file).take(size).read_to_end(&mut tail).ok()?;
        entries = declared_entries(&tail);
        if entries.is_some() || size >= len {
            break;
        }
    }
    if entries? > MAX_ENTRIES {
        return None;
    }
    file.seek(SeekFrom::Start(0)).ok()?;
    let mut zip = zip::ZipArchive::new(std::io::BufReader::new(file)).ok()?;
    let custom = part(&mut zip, "docProps/custom.xml")?;
    let output = if custom.contains(&property(OUTPUT_PROPERTY, Output::Consolidated.value())) {
        Output::Consolidated
    } else if custom.contains(&property(OUTPUT_PROPERTY, Output::Returned.value())) {
        Output::Returned
    } else if custom.contains(&property(OUTPUT_PROPERTY, Output::Submission.value())) {
        Output::Submission
    } else {
        return None;
    };
    let core = part(&mut zip, "docProps/core.xml")?;
    if !core.contains(FIXED_MODIFIED) {
        return None;
    }
    let run = text_property(&custom, RUN_PROPERTY).unwrap_or_default();
    Some(Mark { output, run })
}

/// A small part as text; `None` when absent, too big or not UTF-8.
fn part<R: Read + Seek>(zip: &mut zip::ZipArchive<R>, name: &str) -> Option<String> {
    let entry = zip.by_name(name).ok()?;
    if entry.size() > MAX_PART {
        return None;
    }
    let mut text = String::new();
    entry.take(MAX_PART).read_to_string(&mut text).ok()?;
    Some(text)
}

/// A text custom property as rust_xlsxwriter writes it.
fn property(name: &str, value: &str) -> String {
    format!("name=\"{name}\"><vt:lpwstr>{value}</vt:lpwstr>")
}

fn text_property(xml: &str, name: &str) -> Option<String> {
    let (_, rest) = xml.split_once(&format!("name=\"{name}\"><vt:lpwstr>"))?;
    let (value, _) = rest.split_once("</vt:lpwstr>")?;
    // Stamps are hex; anything else is not ours to repeat in a message.
    value
        .chars()
        .all(|c| c.is_ascii_alphanumeric())
        .then(|| value.to_string())
}

/// The entry count of the end-of-central-directory record found in `tail`; a ZIP64
/// archive (the classic count saturated) counts as too many: tonghop never writes one.
fn declared_entries(tail: &[u8]) -> Option<u64> {
    let last = tail.len().checked_sub(22)?;
    let at = (0..=last)
        .rev()
        .find(|&i| tail[i..].starts_with(b"PK\x05\x06"))?;
    let count = u16::from_le_bytes([*tail.get(at + 10)?, *tail.get(at + 11)?]);
    Some(if count == u16::MAX {
        u64::MAX
    } else {
        u64::from(count)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn saved(mark: Option<(Output, &str)>) -> (tempfile::TempDir, std::path::PathBuf) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("x.xlsx");
        let mut wb = Workbook::new();
        wb.set_properties(&properties("t", mark));
        wb.add_worksheet().write_string(0, 0, "a").unwrap();
        wb.save(&path).unwrap();
        (dir, path)
    }

    #[test]
    fn a_marked_workbook_is_recognised_with_its_run() {
        let (_d, path) = saved(Some((Output::Returned, "0123abcd")));
        assert_eq!(
            read_mark(&path),
            Some(Mark {
                output: Output::Returned,
                run: "0123abcd".into()
            })
        );
        let (_d, path) = saved(Some((Output::Consolidated, "ff")));
        assert_eq!(read_mark(&path).unwrap().output, Output::Consolidated);
        assert!(own_output(&path).unwrap().vi.contains("bảng tổng hợp"));
    }

    /// The directory's record is looked for in the last kilobyte first: behind a longer
    /// zip comment (up to the format's 65,535 bytes) it is found all the same.
    #[test]
    fn a_marked_workbook_behind_a_long_zip_comment_is_recognised() {
        for comment in [0usize, 900, 5_000, 65_535] {
            let (_d, path) = saved(Some((Output::Returned, "77")));
            let mut bytes = std::fs::read(&path).unwrap();
            let eocd = bytes.len() - 22;
            assert!(bytes[eocd..].starts_with(b"PK\x05\x06"));
            bytes[eocd + 20..eocd + 22].copy_from_slice(&(comment as u16).to_le_bytes());
            bytes.extend(std::iter::repeat_n(b'c', comment));
            std::fs::write(&path, &bytes).unwrap();
            assert_eq!(
                read_mark(&path).map(|m| (m.output, m.run)),
                Some((Output::Returned, "77".to_string())),
                "a comment of {comment} bytes"
            );
        }
    }

    #[test]
    fn an_upward_report_is_recognised_as_ours_yet_read_as_a_submission() {
        let (_d, path) = saved(Some((Output::Submission, "c0ffee")));
        assert_eq!(read_mark(&path).unwrap().output, Output::Submission);
        assert_eq!(own_output(&path), None);
        let (_d, path) = saved(Some((Output::Returned, "c0ffee")));
        assert!(own_output(&path).is_some());
    }

    #[test]
    fn an_unmarked_or_resaved_workbook_is_a_submission() {
        let (_d, path) = saved(None);
        assert_eq!(read_mark(&path), None);
        // Saved again by Excel: the same properties, a new modification time.
        let (_d, path) = saved(Some((Output::Returned, "ab")));
        let bytes = std::fs::read(&path).unwrap();
        let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes)).unwrap();
        let mut out = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
        for i in 0..zip.len() {
            let mut e = zip.by_index(i).unwrap();
            let mut text = Vec::new();
            e.read_to_end(&mut text).unwrap();
            let name = e.name().unwrap().to_string();
            if name == "docProps/core.xml" {
                text = String::from_utf8(text)
                    .unwrap()
                    .replace("2026-01-01T00:00:00Z", "2026-03-04T05:06:07Z")
                    .into_bytes();
            }
            out.start_file(name, zip::write::SimpleFileOptions::default())
                .unwrap();
            std::io::Write::write_all(&mut out, &text).unwrap();
        }
        std::fs::write(&path, out.finish().unwrap().into_inner()).unwrap();
        assert_eq!(read_mark(&path), None);
    }

    #[test]
    fn what_is_not_a_zip_is_not_ours() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("x.xlsx");
        for bytes in [
            &b""[..],
            b"PK\x05\x06",
            b"not a workbook at all, not at all",
        ] {
            std::fs::write(&path, bytes).unwrap();
            assert_eq!(read_mark(&path), None);
        }
    }
}
