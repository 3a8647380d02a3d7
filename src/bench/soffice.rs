//! LibreOffice, headless, to save a scenario's generated `.xlsx` files as `.ods` and
//! `.xls`: clerks' converted files are saved by an office suite, not by us, and only a
//! real one writes the formulas and cached results the readers of those formats meet.
//!
//! No crate drives LibreOffice; starting `soffice --convert-to` is the documented way.
//! Each call uses a throw-away user profile, so a LibreOffice the developer has open is
//! neither disturbed nor waited for, and LibreOffice's default of keeping formula
//! results as cached in the file holds.

use anyhow::{Context as _, Result, bail};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// Past this, a conversion is taken as hung and killed: LibreOffice saves a
/// 10,000-row workbook in a few seconds.
const TIMEOUT_PER_FILE: Duration = Duration::from_secs(120);

/// First-start dialogs off, so a fresh profile converts without waiting for anyone.
const PROFILE: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<oor:items xmlns:oor="http://openoffice.org/2001/registry" xmlns:xs="http://www.w3.org/2001/XMLSchema" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
<item oor:path="/org.openoffice.Office.Common/Misc"><prop oor:name="FirstRun" oor:op="fuse"><value>false</value></prop></item>
<item oor:path="/org.openoffice.Office.Common/Misc"><prop oor:name="ShowTipOfTheDay" oor:op="fuse"><value>false</value></prop></item>
</oor:items>
"#;

/// The `soffice` binary: `$SOFFICE` when it names a file, then `soffice` or
/// `libreoffice` on `PATH`, then where the installers put it.
pub fn find() -> Option<PathBuf> {
    if let Some(p) = std::env::var_os("SOFFICE").map(PathBuf::from)
        && p.is_file()
    {
        return Some(p);
    }
    let names: &[&str] = if cfg!(windows) {
        &["soffice.exe", "soffice.com"]
    } else {
        &["soffice", "libreoffice"]
    };
    if let Some(path) = std::env::var_os("PATH") {
        for dir in std::env::split_paths(&path) {
            if let Some(p) = names.iter().map(|n| dir.join(n)).find(|p| p.is_file()) {
                return Some(p);
            }
        }
    }
    [
        r"C:\Program Files\LibreOffice\program\soffice.exe",
        "/usr/lib/libreoffice/program/soffice",
        "/opt/libreoffice/program/soffice",
        "/Applications/LibreOffice.app/Contents/MacOS/soffice",
    ]
    .iter()
    .map(PathBuf::from)
    .find(|p| p.is_file())
}

/// LibreOffice's export filter for a format it saves as.
fn filter(format: &str) -> Result<&'static str> {
    Ok(match format {
        "ods" => "ods:calc8",
        "xls" => "xls:MS Excel 97",
        other => bail!("LibreOffice is not asked to save as '{other}'"),
    })
}

/// Save each of `inputs` as `format` into `out_dir` (`<stem>.<format>`), in one start
/// of LibreOffice, and return the files written.
pub fn convert(
    soffice: &Path,
    inputs: &[PathBuf],
    format: &str,
    out_dir: &Path,
) -> Result<Vec<PathBuf>> {
    if inputs.is_empty() {
        return Ok(Vec::new());
    }
    let convert_to = filter(format)?;
    std::fs::create_dir_all(out_dir)
        .with_context(|| format!("cannot create '{}'", out_dir.display()))?;
    let work = tempfile::Builder::new()
        .prefix("tonghop-soffice-")
        .tempdir()?;
    let user = work.path().join("profile").join("user");
    std::fs::create_dir_all(&user)?;
    std::fs::write(user.join("registrymodifications.xcu"), PROFILE)?;
    let profile = file_url(&work.path().join("profile"));
    let log = work.path().join("soffice.log");
    let mut cmd = Command::new(soffice);
    cmd.arg(format!("-env:UserInstallation={profile}"))
        .args([
            "--headless",
            "--invisible",
            "--nologo",
            "--nodefault",
            "--norestore",
            "--nolockcheck",
            "--convert-to",
            convert_to,
            "--outdir",
        ])
        .arg(out_dir)
        .args(inputs)
        .stdin(Stdio::null())
        .stdout(std::fs::File::create(&log)?)
        .stderr(Stdio::null());
    let timeout = TIMEOUT_PER_FILE * inputs.len() as u32;
    let started = Instant::now();
    let mut child = cmd
        .spawn()
        .with_context(|| format!("cannot start '{}'", soffice.display()))?;
    let status = loop {
        if let Some(status) = child.try_wait()? {
            break status;
        }
        if started.elapsed() > timeout {
            let _ = child.kill();
            let _ = child.wait();
            bail!(
                "LibreOffice did not save {} files within {timeout:?}",
                inputs.len()
            );
        }
        std::thread::sleep(Duration::from_millis(100));
    };
    let outputs: Vec<PathBuf> = inputs
        .iter()
        .map(|i| {
            let stem = i.file_stem().unwrap_or_default();
            out_dir.join(Path::new(stem).with_extension(format))
        })
        .collect();
    if !status.success() || outputs.iter().any(|p| !p.is_file()) {
        bail!(
            "LibreOffice ({status}) did not save every file as .{format}:\n{}",
            std::fs::read_to_string(&log).unwrap_or_default()
        );
    }
    Ok(outputs)
}

/// A file URL for LibreOffice's `-env:UserInstallation`: the path's bytes outside the
/// unreserved set percent-encoded (a Windows user folder has spaces and accents).
fn file_url(path: &Path) -> String {
    let text = path.to_string_lossy().replace('\\', "/");
    let mut url = String::from(if text.starts_with('/') {
        "file://"
    } else {
        "file:///"
    });
    for b in text.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' | b'/' | b':' => {
                url.push(b as char)
            }
            _ => url.push_str(&format!("%{b:02X}")),
        }
    }
    url
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_urls_encode_spaces_and_accents() {
        assert_eq!(
            file_url(Path::new("/tmp/Nguyễn A/p")),
            "file:///tmp/Nguy%E1%BB%85n%20A/p"
        );
        assert_eq!(
            file_url(Path::new(r"C:\Users\A B\p")),
            "file:///C:/Users/A%20B/p"
        );
    }
}
