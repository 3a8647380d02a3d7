//! The inbox: which files under a folder are submissions, and which are skipped and why.

use crate::lang::Msg;
use crate::submission::Skipped;
use std::path::{Path, PathBuf};

/// Why the inbox itself could not be listed.
#[derive(Debug, thiserror::Error)]
pub enum InboxError {
    #[error("cannot read folder '{path}'")]
    Walk {
        path: String,
        /// The I/O error itself: walkdir's own error says it and returns it as its
        /// source, which would print the cause twice.
        source: std::io::Error,
    },
    #[error("'{0}' is neither a file nor a folder")]
    NotFound(String),
}

/// A workbook to read: its path, and its name relative to the inbox.
pub type Input = (PathBuf, String);

const EXTENSIONS: &[&str] = &["xlsx", "xls", "ods", "xlsm"];

/// List the workbooks under `root` (a folder or a single file). Symbolic links are never
/// followed, so nothing outside the inbox is read; lock files and other files are listed
/// as skipped so the operator sees them.
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
    let meta = std::fs::symlink_metadata(root)
        .map_err(|_| InboxError::NotFound(root.display().to_string()))?;
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
    let mut files = Vec::new();
    let mut skipped = Vec::new();
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
                skipped.push(Skipped {
                    file,
                    reason: Msg::new(
                        format!("không đọc được: {e}"),
                        format!("cannot be read: {e}"),
                    ),
                });
                continue;
            }
        };
        if entry.depth() == 0 || entry.file_type().is_dir() {
            continue;
        }
        let file = rel(root, entry.path());
        let name = entry.file_name().to_string_lossy();
        if entry.file_type().is_symlink() {
            skipped.push(Skipped {
                file,
                reason: Msg::new(
                    "liên kết tượng trưng, không đọc theo",
                    "symbolic link, not followed",
                ),
            });
        } else if name.starts_with("~$") || name.starts_with(".~lock") {
            skipped.push(Skipped {
                file,
                reason: Msg::new(
                    "tệp khóa tạm của Excel/LibreOffice",
                    "Excel/LibreOffice lock file",
                ),
            });
        } else if name.starts_with('.') {
            skipped.push(Skipped {
                file,
                reason: Msg::new("tệp ẩn", "hidden file"),
            });
        } else if !entry.file_type().is_file() {
            skipped.push(Skipped {
                file,
                reason: Msg::new("không phải tệp thường", "not a regular file"),
            });
        } else if !has_workbook_extension(&name) {
            skipped.push(Skipped {
                file,
                reason: Msg::new(
                    "không phải tệp .xlsx, .xls, .ods",
                    "not an .xlsx, .xls or .ods file",
                ),
            });
        } else {
            files.push((entry.path().to_path_buf(), file));
        }
    }
    Ok((files, skipped))
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
