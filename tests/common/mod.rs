//! Test helpers: a temporary work folder and the real binary.

#![allow(dead_code)]

pub mod lo;

use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

pub struct Workdir {
    pub dir: tempfile::TempDir,
}

impl Workdir {
    pub fn new() -> Self {
        Self {
            dir: tempfile::tempdir().expect("temp dir"),
        }
    }

    pub fn path(&self, p: &str) -> PathBuf {
        self.dir.path().join(p)
    }

    /// Run tonghop with `args` in the work folder.
    pub fn run(&self, args: &[&str]) -> Output {
        Command::new(env!("CARGO_BIN_EXE_tonghop"))
            .args(args)
            .current_dir(self.dir.path())
            .output()
            .expect("tonghop runs")
    }

    /// Run and insist on an exit code, showing the output when it differs.
    pub fn run_expect(&self, args: &[&str], code: i32) -> Output {
        let out = self.run(args);
        assert_eq!(
            out.status.code(),
            Some(code),
            "tonghop {args:?} exited {:?}\nstdout:\n{}\nstderr:\n{}",
            out.status.code(),
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        out
    }

    pub fn json(&self, p: &str) -> Value {
        let text =
            std::fs::read_to_string(self.path(p)).unwrap_or_else(|e| panic!("read {p}: {e}"));
        serde_json::from_str(&text).unwrap_or_else(|e| panic!("parse {p}: {e}"))
    }

    /// Generate submissions with the real `samples` command.
    pub fn samples(&self, dir: &str, extra: &[&str]) {
        let mut args = vec!["samples", "--out", dir];
        args.extend_from_slice(extra);
        self.run_expect(&args, 0);
    }
}

pub fn sha256(p: &Path) -> String {
    use sha2::{Digest, Sha256};
    let bytes = std::fs::read(p).unwrap();
    Sha256::digest(&bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// The submission of `file` in a report.json.
pub fn submission<'a>(report: &'a Value, file: &str) -> &'a Value {
    report["submissions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["file"] == file)
        .unwrap_or_else(|| panic!("no submission {file} in report"))
}

/// Does `sub` have a finding with this rule at this sheet and cell?
pub fn has_finding(sub: &Value, rule: &str, sheet: &str, cell: Option<&str>) -> bool {
    sub["findings"]
        .as_array()
        .unwrap()
        .iter()
        .any(|f| f["rule"] == rule && f["sheet"] == sheet && cell.is_none_or(|c| f["cell"] == c))
}

pub fn rules_of(sub: &Value) -> Vec<String> {
    sub["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["rule"].as_str().unwrap().to_string())
        .collect()
}
