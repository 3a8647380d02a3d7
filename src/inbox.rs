//! The inbox: which files under a folder are submissions, and which are skipped and why.

use crate::lang::Msg;
use crate::submission::Skipped;
use rayon::prelude::*;
use std::path::{Path, PathBuf};

/// Why the inbox itself could not be listed.
#[derive(Debug, thiserror::Error)]
pub enum InboxError {
    /// The inbox folder itself could not be listed; an unreadable entry below it is
    /// skipped with a reason instead.
    #[error("cannot read folder '{path}'")]
    Walk {
        /// The inbox, as given.
        path: String,
        /// The I/O error itself: walkdir's own error says it and returns it as its
        /// source, which would print the cause twice.
        source: std::io::Error,
    },
    /// The path given as the inbox, which does not exist.
    #[error("'{0}' is neither a file nor a folder")]
    NotFound(String),
}

impl InboxError {
    /// The error as the clerk reads it, in `lang`, with its cause.
    pub fn message(&self, lang: crate::lang::Lang) -> String {
        match (self, lang) {
            (InboxError::Walk { path, source }, _) => format!(
                "{} '{path}': {}",
                lang.pick("không đọc được thư mục", "cannot read folder"),
                crate::lang::io_text(source, lang)
            ),
            (InboxError::NotFound(p), crate::lang::Lang::Vi) => {
                format!("không tìm thấy '{p}': đây không phải là tệp hay thư mục")
            }
            (e, crate::lang::Lang::En) => e.to_string(),
        }
    }
}

/// A workbook to read: its path, and its name relative to the inbox.
pub type Input = (PathBuf, String);

/// Names a spreadsheet program gives its workbooks and templates: a file so named is a
/// unit's attempt at a submission even when its bytes are not a workbook (an empty
/// `TGI.xlsb` from a failed upload, a real `.xlsb`), so it gets a finding from the reader
/// (FILE_EMPTY, FILE_TYPE) instead of being skipped and its unit shown as not submitted.
const EXTENSIONS: &[&str] = &[
    "xlsx", "xls", "ods", "xlsm", "xlsb", "xltx", "xltm", "xlam", "xlt", "ots",
];

/// How a workbook's bytes begin: a zip package (xlsx, ods and their templates, and the
/// zip attachments and `.xlsb` files that deserve a finding rather than silence) or an
/// OLE compound file (`.xls`). A file under another name, or none, is read when it
/// begins so: clerks and mail gateways rename files, and a unit whose workbook arrived
/// as `TGI.xlsb` or `TGI` must not be shown as not having submitted.
const MAGICS: &[&[u8]] = &[
    b"PK\x03\x04",
    b"PK\x05\x06",
    b"PK\x07\x08",
    b"\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1",
];

/// List the workbooks under `root` (a folder or a single file). `root` itself may be a
/// symbolic link, followed: the operator named it on the command line. Links inside it are
/// never followed, so nothing outside the inbox is read; lock files and other files are
/// listed as skipped so the operator sees them. A file is a workbook by its extension or,
/// under any other name, by its first bytes.
pub fn list_inputs(root: &Path) -> Result<(Vec<Input>, Vec<Skipped>), InboxError> {
    list_inputs_except(root, None)
}

/// As [`list_inputs`], leaving out the folder `except` (the output folder, when it lies
/// inside the inbox: a run must never read back its own outputs as submissions).
pub fn list_inputs_except(
    root: &Path,
    except: Option<&Path>,
) -> Result<(Vec<Input>, Vec<Skipped>), InboxError> {
    let except = except.and_then(|p| p.canonicalize().ok());
    // `metadata`, not `symlink_metadata`: a link given as the inbox is followed (walkdir
    // follows a root link too), those inside it are not.
    let meta =
        std::fs::metadata(root).map_err(|_| InboxError::NotFound(root.display().to_string()))?;
    if meta.is_file() {
        let name = root
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        return Ok((vec![(root.to_path_buf(), name)], Vec::new()));
    }
    if !meta.is_dir() {
        return Err(InboxError::NotFound(root.display().to_string()));
    }
    let mut listed = Vec::new();
    let outside = |e: &walkdir::DirEntry| {
        !e.file_type().is_dir() || except.is_none() || e.path().canonicalize().ok() != except
    };
    for entry in walkdir::WalkDir::new(root)
        .follow_links(false)
        .sort_by_file_name()
        .into_iter()
        .filter_entry(outside)
    {
        let entry = match entry {
            Ok(e) => e,
            Err(e) if e.depth() == 0 => {
                let path = root.display().to_string();
                let source = match e.into_io_error() {
                    Some(io) => io,
                    None => std::io::Error::other("file system loop"),
                };
                return Err(InboxError::Walk { path, source });
            }
            Err(e) => {
                let file = e.path().map(|p| rel(root, p)).unwrap_or_default();
                let kind = e.io_error().map(std::io::Error::kind);
                listed.push(Listed::Skip(Skipped {
                    file,
                    reason: unreadable(kind, &e.to_string()),
                }));
                continue;
            }
        };
        if entry.depth() == 0 || entry.file_type().is_dir() {
            continue;
        }
        let file = rel(root, entry.path());
        let name = entry.file_name().to_string_lossy();
        if entry.file_type().is_symlink() {
            listed.push(Listed::Skip(Skipped {
                file,
                reason: Msg::new(
                    "liên kết tượng trưng, không đọc theo",
                    "symbolic link, not followed",
                ),
            }));
        } else if name.starts_with("~$") || name.starts_with(".~lock") {
            listed.push(Listed::Skip(Skipped {
                file,
                reason: Msg::new(
                    "tệp khóa tạm của Excel/LibreOffice",
                    "Excel/LibreOffice lock file",
                ),
            }));
        } else if name == crate::decision::FILE_NAME {
            // The clerk's decisions, read by `run` from the inbox itself.
            listed.push(Listed::Skip(Skipped {
                file,
                reason: if entry.depth() == 1 {
                    Msg::new(
                        "tệp quyết định của người tổng hợp (tonghop decide), không phải báo cáo: xem sheet Quyết định",
                        "the clerk's decisions (tonghop decide), not a report: see the Decisions sheet",
                    )
                } else {
                    Msg::new(
                        "tệp quyết định ở thư mục con: không đọc, chỉ đọc tệp quyết định ở ngay thư mục bài nộp",
                        "a decisions' file in a sub-folder: not read, only the one directly in the inbox is",
                    )
                },
            }));
        } else if name.starts_with('.') {
            listed.push(Listed::Skip(Skipped {
                file,
                reason: Msg::new("tệp ẩn", "hidden file"),
            }));
        } else if !entry.file_type().is_file() {
            listed.push(Listed::Skip(Skipped {
                file,
                reason: Msg::new("không phải tệp thường", "not a regular file"),
            }));
        } else {
            let known = has_workbook_extension(&name);
            listed.push(Listed::Look(entry.into_path(), file, known));
        }
    }
    // What each file holds is looked at on every core (of the pool the caller installed):
    // opening 50,000 files one after the other to read their zip directories took 1 s
    // with the folder in the system's cache and 3 s without; 0.6 s now on two cores.
    let mut files = Vec::new();
    let mut skipped = Vec::new();
    for l in listed.into_par_iter().map(Listed::look).collect::<Vec<_>>() {
        match l {
            Ok(input) => files.push(input),
            Err(s) => skipped.push(s),
        }
    }
    Ok((files, skipped))
}

/// An entry of the inbox, in the order of the walk: skipped for its name or type, or to
/// be looked at (its path, its name in the inbox, whether its extension is a workbook's).
enum Listed {
    Skip(Skipped),
    Look(PathBuf, String, bool),
}

impl Listed {
    /// The entry as a submission, or skipped: a file looked at is a workbook by its first
    /// bytes (unless its extension says so) and not a previous run's output.
    fn look(self) -> Result<Input, Skipped> {
        let (path, file, known) = match self {
            Listed::Skip(s) => return Err(s),
            Listed::Look(path, file, known) => (path, file, known),
        };
        // Recognised by content whatever the name; a known name saves the read.
        let workbook = if known {
            Ok(true)
        } else {
            begins_like_a_workbook(&path)
        };
        let reason = match workbook {
            Ok(true) => match crate::write::mark::own_output(&path) {
                // A previous run's tong-hop.xlsx or returned workbook, unchanged.
                Some(reason) => reason,
                None => return Ok((path, file)),
            },
            // A previous run's don-doc.csv: named as what it is.
            Ok(false) if crate::write::chasing::is_own_csv(&path) => Msg::new(
                "danh sách đôn đốc do tonghop tạo ra, không phải báo cáo của đơn vị",
                "a chasing list written by tonghop, not a unit's report",
            ),
            Ok(false) => Msg::new(
                "không phải bảng tính (nội dung không phải .xlsx, .xls, .ods)",
                "not a workbook (its content is not .xlsx, .xls or .ods)",
            ),
            Err(e) => unreadable(Some(e.kind()), &e.to_string()),
        };
        Err(Skipped { file, reason })
    }
}

/// Why a file or folder could not be read, in each language; the system's own words
/// (English, or the system's language) only after, as the technical detail.
fn unreadable(kind: Option<std::io::ErrorKind>, detail: &str) -> Msg {
    use std::io::ErrorKind;
    let (vi, en) = match kind {
        Some(ErrorKind::PermissionDenied) => ("không có quyền đọc", "permission denied"),
        Some(ErrorKind::NotFound) => (
            "tệp đã bị xóa hoặc đổi tên trong khi đọc",
            "deleted or renamed while being read",
        ),
        _ => ("lỗi đọc ổ đĩa", "a disk read error"),
    };
    Msg::new(
        format!("không đọc được ({vi}); chi tiết kỹ thuật: {detail}"),
        format!("cannot be read ({en}); technical detail: {detail}"),
    )
}

/// Whether the file's first bytes are those of a zip package or an OLE compound file.
/// Only those few bytes are read: the sniffer decides the rest when the file is read.
fn begins_like_a_workbook(path: &Path) -> std::io::Result<bool> {
    use std::io::Read;
    let mut head = [0u8; 8];
    let mut n = 0;
    let mut f = std::fs::File::open(path)?.take(head.len() as u64);
    loop {
        match f.read(&mut head[n..]) {
            Ok(0) => break,
            Ok(k) => n += k,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(MAGICS.iter().any(|m| head[..n].starts_with(m)))
}

fn has_workbook_extension(name: &str) -> bool {
    Path::new(name)
        .extension()
        .map(|e| e.to_string_lossy().to_ascii_lowercase())
        .is_some_and(|e| EXTENSIONS.contains(&e.as_str()))
}

fn rel(root: &Path, p: &Path) -> String {
    let r = p.strip_prefix(root).unwrap_or(p);
    r.components()
        .map(|c| c.as_os_str().to_string_lossy())
        .collect::<Vec<_>>()
        .join("/")
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    /// A temporary inbox with `files` (relative paths, `/`-separated) written into it.
    fn inbox(files: &[&str]) -> tempfile::TempDir {
        let dir = tempfile::tempdir().unwrap();
        for f in files {
            let p = dir.path().join(f);
            std::fs::create_dir_all(p.parent().unwrap()).unwrap();
            std::fs::write(&p, f.as_bytes()).unwrap();
        }
        dir
    }

    /// The relative names of the inputs, in the order listed.
    fn names(inputs: &[Input]) -> Vec<&str> {
        inputs.iter().map(|(_, name)| name.as_str()).collect()
    }

    /// Each skipped file with its reason, in English.
    fn reasons(skipped: &[Skipped]) -> BTreeMap<&str, &str> {
        skipped
            .iter()
            .map(|s| (s.file.as_str(), s.reason.en.as_str()))
            .collect()
    }

    #[test]
    fn workbooks_in_sub_folders_are_listed_in_file_name_order_with_slashed_names() {
        let dir = inbox(&[
            "b.xlsx",
            "a/d/e.ods",
            "a/c.xls",
            "Z.XLSM",
            "a-b.Xlsx",
            "huyen/xa/thon/TGI.xlsx",
        ]);
        let (inputs, skipped) = list_inputs(dir.path()).unwrap();
        // Each folder's entries sorted by name, a sub-folder's files where its name
        // sorts (`a/` before `a-b.Xlsx`); byte order, so capitals first.
        assert_eq!(
            names(&inputs),
            [
                "Z.XLSM",
                "a/c.xls",
                "a/d/e.ods",
                "a-b.Xlsx",
                "b.xlsx",
                "huyen/xa/thon/TGI.xlsx"
            ]
        );
        for (path, name) in &inputs {
            assert_eq!(*path, dir.path().join(name), "{name}");
        }
        assert!(skipped.is_empty(), "{:?}", reasons(&skipped));
    }

    #[test]
    fn lock_hidden_and_other_files_are_skipped_with_their_reason() {
        let dir = inbox(&[
            "TGI.xlsx",
            "~$TGI.xlsx",
            ".~lock.TGI.xlsx#",
            "con/.~lock.MNH.ods#",
            ".an.xlsx",
            "con/.DS_Store",
            "ghi-chu.txt",
            "TGI.xlsx.bak",
            "khong-duoi",
        ]);
        let (inputs, skipped) = list_inputs(dir.path()).unwrap();
        assert_eq!(names(&inputs), ["TGI.xlsx"]);
        let lock = "Excel/LibreOffice lock file";
        let other = "not a workbook (its content is not .xlsx, .xls or .ods)";
        assert_eq!(
            reasons(&skipped),
            BTreeMap::from([
                ("~$TGI.xlsx", lock),
                (".~lock.TGI.xlsx#", lock),
                ("con/.~lock.MNH.ods#", lock),
                (".an.xlsx", "hidden file"),
                ("con/.DS_Store", "hidden file"),
                ("ghi-chu.txt", other),
                ("TGI.xlsx.bak", other),
                ("khong-duoi", other),
            ])
        );
        // The operator reads the reason in Vietnamese too.
        assert!(skipped.iter().all(|s| !s.reason.vi.is_empty()));
    }

    #[cfg(unix)]
    #[test]
    fn symbolic_links_and_pipes_are_skipped_not_followed() {
        let outside = inbox(&["MNH.xlsx", "thu-muc/DBP.xlsx"]);
        let dir = inbox(&["TGI.xlsx"]);
        let link = |target: &Path, name: &str| {
            std::os::unix::fs::symlink(target, dir.path().join(name)).unwrap();
        };
        link(&outside.path().join("MNH.xlsx"), "MNH.xlsx");
        link(&outside.path().join("thu-muc"), "thu-muc");
        link(&outside.path().join("khong-co.xlsx"), "treo.xlsx");
        let fifo = std::ffi::CString::new(
            dir.path()
                .join("ong.xlsx")
                .into_os_string()
                .into_encoded_bytes(),
        )
        .unwrap();
        // SAFETY: a valid NUL-terminated path; mkfifo only creates a file there.
        assert_eq!(unsafe { libc::mkfifo(fifo.as_ptr(), 0o644) }, 0);
        let (inputs, skipped) = list_inputs(dir.path()).unwrap();
        assert_eq!(names(&inputs), ["TGI.xlsx"]);
        let link = "symbolic link, not followed";
        assert_eq!(
            reasons(&skipped),
            BTreeMap::from([
                ("MNH.xlsx", link),
                ("ong.xlsx", "not a regular file"),
                ("thu-muc", link),
                ("treo.xlsx", link),
            ])
        );
    }

    #[test]
    fn a_workbook_under_another_name_or_none_is_listed_by_its_first_bytes() {
        let dir = inbox(&["notes.txt", "TGI.xlsx"]);
        for (name, bytes) in [
            ("TGI.xlsb", &b"PK\x03\x04rest of a zip"[..]),
            ("MNH.xltx", b"PK\x03\x04"),
            ("DBP.xlam", b"PK\x03\x04"),
            ("KDN", b"PK\x03\x04"),
            ("ho-so.zip", b"PK\x05\x06"),
            ("TCH.dat", b"\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1 an ole file"),
            ("anh.jpg", b"\xFF\xD8\xFF\xE0"),
            ("PK", b"PK"),
            ("rong", b""),
            ("MNE.xlsb", b""),
            ("TGI.ots", b"not an ods"),
        ] {
            std::fs::write(dir.path().join(name), bytes).unwrap();
        }
        let (inputs, skipped) = list_inputs(dir.path()).unwrap();
        assert_eq!(
            names(&inputs),
            [
                "DBP.xlam",
                "KDN",
                "MNE.xlsb",
                "MNH.xltx",
                "TCH.dat",
                "TGI.ots",
                "TGI.xlsb",
                "TGI.xlsx",
                "ho-so.zip"
            ]
        );
        let other = "not a workbook (its content is not .xlsx, .xls or .ods)";
        assert_eq!(
            reasons(&skipped),
            BTreeMap::from([
                ("PK", other),
                ("anh.jpg", other),
                ("notes.txt", other),
                ("rong", other)
            ])
        );
    }

    #[cfg(unix)]
    #[test]
    fn an_inbox_given_as_a_symbolic_link_is_followed_but_not_links_inside_it() {
        let real = inbox(&["TGI.xlsx", "con/MNH.xlsx"]);
        let outside = inbox(&["DBP.xlsx"]);
        std::os::unix::fs::symlink(outside.path(), real.path().join("ngoai")).unwrap();
        let dir = inbox(&[]);
        let link = dir.path().join("hop-thu");
        std::os::unix::fs::symlink(real.path(), &link).unwrap();
        let (inputs, skipped) = list_inputs(&link).unwrap();
        assert_eq!(names(&inputs), ["TGI.xlsx", "con/MNH.xlsx"]);
        assert_eq!(
            reasons(&skipped),
            BTreeMap::from([("ngoai", "symbolic link, not followed")])
        );
        // A link to a file, given as the one input, is read too.
        let file = dir.path().join("TGI.xlsx");
        std::os::unix::fs::symlink(real.path().join("TGI.xlsx"), &file).unwrap();
        assert_eq!(names(&list_inputs(&file).unwrap().0), ["TGI.xlsx"]);
    }

    #[test]
    fn the_except_folder_is_left_out_whatever_its_spelling() {
        let dir = inbox(&[
            "TGI.xlsx",
            "ket-qua/tong-hop.xlsx",
            "ket-qua/tra-lai/MNH.xlsx",
            "ket-qua-cu/DBP.xlsx",
        ]);
        let root = dir.path();
        for except in [
            root.join("ket-qua"),
            root.join("ket-qua/"),
            root.join("ket-qua-cu/../ket-qua"),
        ] {
            let (inputs, skipped) = list_inputs_except(root, Some(&except)).unwrap();
            assert_eq!(
                names(&inputs),
                ["TGI.xlsx", "ket-qua-cu/DBP.xlsx"],
                "except {}",
                except.display()
            );
            assert!(skipped.is_empty(), "{:?}", reasons(&skipped));
        }
        // An output folder that does not exist yet, or lies elsewhere, leaves out nothing.
        let elsewhere = inbox(&["ket-qua/tong-hop.xlsx"]);
        for except in [root.join("chua-co"), elsewhere.path().join("ket-qua")] {
            let (inputs, _) = list_inputs_except(root, Some(&except)).unwrap();
            assert_eq!(inputs.len(), 4, "except {}", except.display());
        }
        let (all, _) = list_inputs(root).unwrap();
        assert_eq!(
            names(&all),
            [
                "TGI.xlsx",
                "ket-qua/tong-hop.xlsx",
                "ket-qua/tra-lai/MNH.xlsx",
                "ket-qua-cu/DBP.xlsx"
            ]
        );
    }

    #[test]
    fn a_file_given_as_root_is_the_one_input_whatever_its_name() {
        let dir = inbox(&["con/TGI.xlsx", "con/bao-cao.dat", "con/MNH.xlsx"]);
        for name in ["TGI.xlsx", "bao-cao.dat"] {
            let file = dir.path().join("con").join(name);
            let (inputs, skipped) = list_inputs(&file).unwrap();
            assert_eq!(inputs, [(file.clone(), name.to_string())]);
            assert!(skipped.is_empty());
        }
    }

    #[test]
    fn an_empty_folder_lists_nothing() {
        let dir = inbox(&[]);
        let (inputs, skipped) = list_inputs(dir.path()).unwrap();
        assert!(inputs.is_empty() && skipped.is_empty());
    }

    #[test]
    fn a_missing_root_is_not_found_and_named() {
        let dir = inbox(&[]);
        let missing = dir.path().join("hop-thu");
        let err = list_inputs(&missing).unwrap_err();
        assert!(
            matches!(&err, InboxError::NotFound(p) if *p == missing.display().to_string()),
            "{err:?}"
        );
        assert_eq!(
            err.to_string(),
            format!("'{}' is neither a file nor a folder", missing.display())
        );
    }
}
