//! Test helpers: a temporary work folder and the real binary ([`Workdir`]), what a run
//! reports ([`submission`], [`has_finding`]...), and its outputs read back without
//! tonghop's reader ([`cells`], [`notes`], [`fill`]...).

pub mod lo;

use calamine::{Data, Reader, open_workbook_auto};
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};
use std::fs::File;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Output};
use std::time::{Duration, Instant};

pub struct Workdir {
    pub dir: tempfile::TempDir,
    /// The form every command of this folder uses unless it says `--form`, through
    /// `TONGHOP_FORM`; `None`: the default (official) form.
    form: Option<&'static str>,
}

/// The 2010-era form (version 2026.1), still shipped for earlier periods: most tests
/// were written against its cells (members_start, women_pct...) and keep testing it.
pub const FORM_2026_1: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/templates/phat-trien-dang-vien-2026.1.toml"
);

impl Workdir {
    /// A folder whose commands use the 2026.1 form.
    pub fn new() -> Self {
        Self {
            dir: tempfile::tempdir().expect("temp dir"),
            form: Some(FORM_2026_1),
        }
    }

    /// A folder whose commands use the default form: the official forms (2026.2).
    pub fn official() -> Self {
        Self {
            dir: tempfile::tempdir().expect("temp dir"),
            form: None,
        }
    }

    pub fn path(&self, p: &str) -> PathBuf {
        self.dir.path().join(p)
    }

    /// Run tonghop with `args` in the work folder.
    pub fn run(&self, args: &[&str]) -> Output {
        self.run_env(args, &[])
    }

    /// Write `bytes` at `rel`, creating the folders above it.
    pub fn put(&self, rel: &str, bytes: &[u8]) -> PathBuf {
        let p = self.path(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(&p, bytes).unwrap();
        p
    }

    /// tonghop with `args` in the work folder, not started yet: for a test that needs
    /// the process itself (its pipes, a time limit).
    pub fn command(&self, args: &[&str]) -> Command {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_tonghop"));
        cmd.args(args).current_dir(self.dir.path());
        self.with_form(&mut cmd);
        cmd
    }

    /// Give `cmd` (tonghop, or a shell that execs it) this folder's form.
    pub fn with_form<'c>(&self, cmd: &'c mut Command) -> &'c mut Command {
        match self.form {
            Some(form) => cmd.env("TONGHOP_FORM", form),
            None => cmd.env_remove("TONGHOP_FORM"),
        }
    }

    /// [`Workdir::run`] with environment variables set.
    pub fn run_env(&self, args: &[&str], env: &[(&str, &str)]) -> Output {
        self.command(args)
            .envs(env.iter().copied())
            .output()
            .expect("tonghop runs")
    }

    /// Run and insist on an exit code, showing the output when it differs.
    pub fn run_expect(&self, args: &[&str], code: i32) -> Output {
        self.run_expect_env(args, &[], code)
    }

    /// [`Workdir::run_expect`] with environment variables set.
    pub fn run_expect_env(&self, args: &[&str], env: &[(&str, &str)], code: i32) -> Output {
        let out = self.run_env(args, env);
        assert_eq!(
            out.status.code(),
            Some(code),
            "tonghop {args:?}: {}",
            show(&out)
        );
        out
    }

    /// For `--json` commands: a test reads their output as the programs they serve do.
    pub fn run_json(&self, args: &[&str], code: i32) -> Value {
        let out = self.run_expect(args, code);
        serde_json::from_slice(&out.stdout)
            .unwrap_or_else(|e| panic!("tonghop {args:?}: stdout is not JSON: {e}"))
    }

    /// `tonghop run` on `inbox` into `out` ([`run_args`]), insisting on the exit code;
    /// the report.json it wrote.
    pub fn run_report(&self, inbox: &str, out: &str, extra: &[&str], code: i32) -> Value {
        self.run_expect(&run_args(inbox, out, extra), code);
        self.report(out)
    }

    /// report.json, not the console, is where a run's outcome for every file is kept.
    pub fn report(&self, out: &str) -> Value {
        self.json(&format!("{out}/report.json"))
    }

    /// The returned workbooks a run into `out` wrote (`tra-lai/`), relative, sorted; none
    /// when it wrote no such folder.
    pub fn returned(&self, out: &str) -> Vec<String> {
        let dir = self.path(&format!("{out}/tra-lai"));
        if dir.exists() { tree(&dir) } else { Vec::new() }
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

    /// One unit in `inbox` whose table is over 5,000 rows, with `faults` faults, run into
    /// `out`: its returned workbook is written in constant-memory mode, which is what
    /// the tests of a streamed returned workbook need to look at. The system temporary
    /// folder points nowhere: the streamed sheet must spool in OUT, whose disk is known
    /// to take the output, never in a /tmp that may be a small tmpfs.
    pub fn streamed_return(&self, faults: &str) {
        self.samples(
            "inbox",
            &[
                "--units",
                "1",
                "--rows",
                "6000",
                "--faults",
                faults,
                "--faulty-units",
                "1",
            ],
        );
        let nowhere = self.path("no-such-temp-folder");
        let env = [("TMPDIR", nowhere.to_str().unwrap())];
        self.run_expect_env(&run_args("inbox", "out", &[]), &env, 1);
    }
}

/// `tonghop run INBOX --out OUT --quiet [extra]`: quiet, so that a run prints nothing
/// a test would have to wade through when it fails.
pub fn run_args<'a>(inbox: &'a str, out: &'a str, extra: &[&'a str]) -> Vec<&'a str> {
    let mut args = vec!["run", inbox, "--out", out, "--quiet"];
    args.extend_from_slice(extra);
    args
}

/// (rule, sheet, cell) of every finding of `check --json` on one file: a set, so that
/// two checks compare whatever order they list their findings in.
pub fn findings_at(w: &Workdir, file: &str) -> BTreeSet<(String, String, String)> {
    let out = w.run(&["check", file, "--json"]);
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    report["submissions"][0]["findings"]
        .as_array()
        .unwrap_or_else(|| panic!("{file}: {report}"))
        .iter()
        .map(|f| {
            let s = |k: &str| f[k].as_str().unwrap_or("").to_string();
            (s("rule"), s("sheet"), s("cell"))
        })
        .collect()
}

/// The files directly in `dir`, sorted, so that tests do not depend on the order the
/// file system lists them in.
pub fn files_in(dir: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.unwrap().path())
        .collect();
    files.sort();
    files
}

/// Every file under `dir`, relative, sorted.
pub fn tree(dir: &Path) -> Vec<String> {
    let mut out = Vec::new();
    fn walk(root: &Path, dir: &Path, out: &mut Vec<String>) {
        for e in std::fs::read_dir(dir).unwrap() {
            let e = e.unwrap();
            let t = e.file_type().unwrap();
            let rel = e
                .path()
                .strip_prefix(root)
                .unwrap()
                .to_string_lossy()
                .into_owned();
            if t.is_dir() {
                walk(root, &e.path(), out);
            } else {
                out.push(rel);
            }
        }
    }
    walk(dir, dir, &mut out);
    out.sort();
    out
}

/// Wait for `child`, killing it once `limit` has passed since `started`: a run that hangs
/// fails its test, saying `why`, instead of hanging the suite.
pub fn wait_or_kill(child: &mut Child, started: Instant, limit: Duration, why: &str) -> ExitStatus {
    loop {
        if let Some(st) = child.try_wait().unwrap() {
            return st;
        }
        if started.elapsed() > limit {
            child.kill().unwrap();
            child.wait().unwrap();
            panic!("{why}");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// A finished process's exit status and output, for a failing assertion's message.
pub fn show(out: &Output) -> String {
    format!(
        "exit {:?}\nstdout:\n{}\nstderr:\n{}",
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

pub fn sha256(p: &Path) -> String {
    use sha2::{Digest, Sha256};
    let bytes = std::fs::read(p).unwrap();
    Sha256::digest(&bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// The submissions of a report.json (or of `check --json`).
pub fn submissions(report: &Value) -> &[Value] {
    report["submissions"]
        .as_array()
        .unwrap_or_else(|| panic!("no submissions in {report}"))
}

/// The submission of `file` in a report.json.
pub fn submission<'a>(report: &'a Value, file: &str) -> &'a Value {
    submissions(report)
        .iter()
        .find(|s| s["file"] == file)
        .unwrap_or_else(|| panic!("no submission {file} in report"))
}

/// The submission of `unit` in a report.json, whatever its file is named (the same unit
/// saved in another format keeps its code, not its file name).
pub fn submission_of_unit<'a>(report: &'a Value, unit: &str) -> &'a Value {
    submissions(report)
        .iter()
        .find(|s| s["unit"] == unit)
        .unwrap_or_else(|| panic!("no submission of {unit} in report"))
}

/// A submission's figure `key` in a report.json: its value (null when blank, or when
/// the file lacks the list line), and the sheet and cell it was read from (none for a
/// derived figure). report.json gives the figures as values in the order of
/// `form.figures`, with the cells a file has elsewhere under `moved`.
pub fn figure<'a>(report: &'a Value, sub: &'a Value, key: &str) -> Figure<'a> {
    find_figure(report, sub, key).unwrap_or_else(|| panic!("no figure {key} in form.figures"))
}

/// [`figure`], or `None` for a key that is not among `form.figures` (a table column).
pub fn find_figure<'a>(report: &'a Value, sub: &'a Value, key: &str) -> Option<Figure<'a>> {
    let layout = report["form"]["figures"]
        .as_array()
        .unwrap_or_else(|| panic!("no form.figures in report"));
    let i = layout.iter().position(|f| f["key"] == key)?;
    let moved = &sub["moved"][key];
    let cell = if sub["moved"].get(key).is_some() {
        moved.as_str()
    } else {
        layout[i]["cell"].as_str()
    };
    let sheet = layout[i]["sheet"].as_str().map(|name| {
        let at = report["form"]["sheets"]
            .as_array()
            .unwrap()
            .iter()
            .position(|n| n == name)
            .unwrap();
        sub["sheets"][at].as_str().unwrap_or(name)
    });
    Some(Figure {
        value: &sub["figures"][i],
        sheet,
        cell,
    })
}

/// `sub` with its `figures` given by key, `{KEY: {"value","sheet","cell"}}`, as
/// [`figure`] reads them: for tests that look at many figures of one submission.
pub fn keyed(report: &Value, sub: &Value) -> Value {
    let mut out = sub.clone();
    let mut figures = serde_json::Map::new();
    for f in report["form"]["figures"].as_array().unwrap() {
        let key = f["key"].as_str().unwrap();
        let at = figure(report, sub, key);
        figures.insert(
            key.to_string(),
            serde_json::json!({ "value": at.value, "sheet": at.sheet, "cell": at.cell }),
        );
    }
    out["figures"] = Value::Object(figures);
    out
}

/// One figure of a submission, as [`figure`] finds it.
#[derive(Debug)]
pub struct Figure<'a> {
    pub value: &'a Value,
    pub sheet: Option<&'a str>,
    pub cell: Option<&'a str>,
}

/// Does `sub` have a finding with this rule at this sheet and cell?
pub fn has_finding(sub: &Value, rule: &str, sheet: &str, cell: Option<&str>) -> bool {
    sub["findings"]
        .as_array()
        .unwrap()
        .iter()
        .any(|f| f["rule"] == rule && f["sheet"] == sheet && cell.is_none_or(|c| f["cell"] == c))
}

/// Was a fault that `samples` injected (an entry of its faults.json) found where it was
/// put?
pub fn has_fault(sub: &Value, fault: &Value) -> bool {
    has_finding(
        sub,
        fault["rule"].as_str().unwrap(),
        fault["sheet"].as_str().unwrap(),
        fault["cell"].as_str(),
    )
}

pub fn rules_of(sub: &Value) -> Vec<String> {
    sub["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["rule"].as_str().unwrap().to_string())
        .collect()
}

// ---------------------------------------------------------------------------------------
// Reading outputs back without tonghop's reader: calamine and the zip itself.

/// One sheet's non-empty cells by absolute (row, column), 0-based.
pub type Cells = BTreeMap<(u32, u32), Data>;

/// Every non-empty cell of a sheet: absolute positions, so that a sheet whose used range
/// does not start at A1 reads like one that does.
pub fn cells(path: &Path, sheet: &str) -> Cells {
    let mut wb = open_workbook_auto(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let range = wb
        .worksheet_range(sheet)
        .unwrap_or_else(|e| panic!("{} sheet {sheet}: {e}", path.display()));
    let (r0, c0) = range.start().unwrap_or((0, 0));
    range
        .used_cells()
        .filter(|(_, _, v)| !matches!(v, Data::Empty))
        .map(|(r, c, v)| ((r0 + r as u32, c0 + c as u32), v.clone()))
        .collect()
}

pub fn sheet_names(path: &Path) -> Vec<String> {
    open_workbook_auto(path)
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
        .sheet_names()
}

pub fn text(d: Option<&Data>) -> Option<&str> {
    match d {
        Some(Data::String(s)) => Some(s),
        _ => None,
    }
}

/// A number as calamine reads it: an application may store a whole number as a float or
/// as an integer.
pub fn as_f64(d: &Data) -> Option<f64> {
    match d {
        Data::Float(f) => Some(*f),
        Data::Int(i) => Some(*i as f64),
        _ => None,
    }
}

/// A count cell's figure: blank is zero, as on the form; anything but a number fails.
pub fn number(d: Option<&Data>) -> f64 {
    match d {
        None | Some(Data::Empty) => 0.0,
        Some(d) => as_f64(d).unwrap_or_else(|| panic!("not a number: {d:?}")),
    }
}

/// A row found by its label, top down, not by its number: how many rows stand above a
/// total row depends on the data.
pub fn row_labelled(cells: &Cells, col: u32, label: &str) -> Option<u32> {
    cells
        .iter()
        .find(|((_, c), v)| *c == col && text(Some(v)) == Some(label))
        .map(|((r, _), _)| *r)
}

/// The form's map gives cells as A1 addresses (`C10`); calamine wants a 0-based
/// (row, column).
pub fn a1(cell: &str) -> (u32, u32) {
    let split = cell.find(|c: char| c.is_ascii_digit()).unwrap();
    let (letters, digits) = cell.split_at(split);
    let col = letters
        .bytes()
        .fold(0u32, |n, b| n * 26 + (b - b'A' + 1) as u32)
        - 1;
    (digits.parse::<u32>().unwrap() - 1, col)
}

pub fn zip_of(path: &Path) -> zip::ZipArchive<File> {
    let file = File::open(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    zip::ZipArchive::new(file).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// A part of a workbook's package as text, for what calamine does not show (notes,
/// charts' cached values, how a sheet was written).
pub fn zip_text(zip: &mut zip::ZipArchive<File>, name: &str) -> String {
    let mut s = String::new();
    std::io::Read::read_to_string(&mut zip.by_name(name).unwrap(), &mut s).unwrap();
    s
}

/// The value of attribute `name` in the start tag `tag` (`<c r="E7" s="3">`), as written.
fn attr<'a>(tag: &'a str, name: &str) -> Option<&'a str> {
    let at = tag.find(&format!(" {name}=\""))? + name.len() + 3;
    Some(&tag[at..at + tag[at..].find('"')?])
}

/// The start tags `<name ...>` (or `<name .../>`) of a part, in order.
fn tags<'a>(xml: &'a str, name: &str) -> Vec<&'a str> {
    let open = format!("<{name} ");
    xml.match_indices(&open)
        .map(|(i, _)| &xml[i..i + xml[i..].find('>').unwrap() + 1])
        .collect()
}

/// The target of the relationship of `kind` (`worksheet`, `comments`) with `id`, or the
/// first of that kind, in a `.rels` part; relative to the folder above `_rels`.
fn rel_target<'a>(rels: &'a str, kind: &str, id: Option<&str>) -> Option<&'a str> {
    tags(rels, "Relationship")
        .into_iter()
        .filter(|t| attr(t, "Type").is_some_and(|ty| ty.ends_with(&format!("/{kind}"))))
        .find(|t| id.is_none_or(|id| attr(t, "Id") == Some(id)))
        .and_then(|t| attr(t, "Target"))
}

/// The part of the sheet named `sheet` (`xl/worksheets/sheet3.xml`), found as a
/// spreadsheet program finds it: by name in xl/workbook.xml, then through the workbook's
/// relationships.
pub fn sheet_part(zip: &mut zip::ZipArchive<File>, sheet: &str) -> String {
    let workbook = zip_text(zip, "xl/workbook.xml");
    let rels = zip_text(zip, "xl/_rels/workbook.xml.rels");
    sheet_part_of(&workbook, &rels, sheet)
}

/// [`sheet_part`] from the texts of xl/workbook.xml and its relationships.
pub fn sheet_part_of(workbook: &str, rels: &str, sheet: &str) -> String {
    let id = tags(workbook, "sheet")
        .into_iter()
        .find(|t| attr(t, "name") == Some(sheet))
        .and_then(|t| attr(t, "r:id"))
        .unwrap_or_else(|| panic!("no sheet {sheet} in xl/workbook.xml"))
        .to_string();
    let target = rel_target(rels, "worksheet", Some(&id))
        .unwrap_or_else(|| panic!("no worksheet {id} in xl/_rels/workbook.xml.rels"));
    match target.strip_prefix('/') {
        Some(absolute) => absolute.to_string(),
        None => format!("xl/{target}"),
    }
}

/// The notes of sheet `sheet` of an .xlsx, by cell (`E7` → its text): the sheet's
/// comments part, found through the sheet's relationships
/// (`xl/worksheets/_rels/sheetN.xml.rels`). None when the sheet has no notes.
pub fn notes(path: &Path, sheet: &str) -> BTreeMap<String, String> {
    let mut zip = zip_of(path);
    let part = sheet_part(&mut zip, sheet);
    let (dir, file) = part.rsplit_once('/').unwrap();
    let rels_name = format!("{dir}/_rels/{file}.rels");
    if zip.by_name(&rels_name).is_err() {
        return BTreeMap::new();
    }
    let rels = zip_text(&mut zip, &rels_name);
    let Some(target) = rel_target(&rels, "comments", None) else {
        return BTreeMap::new();
    };
    // `../comments1.xml` from xl/worksheets is xl/comments1.xml.
    let mut at: Vec<&str> = dir.split('/').collect();
    for step in target.split('/') {
        match step {
            ".." => {
                at.pop();
            }
            s => at.push(s),
        }
    }
    let xml = zip_text(&mut zip, &at.join("/"));
    xml.split("<comment ")
        .skip(1)
        .map(|c| {
            let cell = attr(&format!(" {c}"), "ref").unwrap().to_string();
            let body = &c[..c.find("</comment>").unwrap()];
            // The runs' `<t>` elements, not `<text>`.
            let text: String = body
                .match_indices("<t")
                .map(|(i, _)| &body[i + 2..])
                .filter(|t| t.starts_with(['>', ' ']))
                .map(|t| &t[t.find('>').unwrap() + 1..t.find("</t>").unwrap()])
                .collect();
            (cell, text)
        })
        .collect()
}

/// The fill of cell `cell` of sheet `sheet` of an .xlsx: its `<fill>` element in
/// xl/styles.xml, through the cell's style (`s`, an index into `cellXfs`); the default
/// fill for a cell without a style or not written at all.
pub fn fill(path: &Path, sheet: &str, cell: &str) -> String {
    let mut zip = zip_of(path);
    let part = sheet_part(&mut zip, sheet);
    let xml = zip_text(&mut zip, &part);
    let style: usize = tags(&xml, "c")
        .into_iter()
        .find(|t| attr(t, "r") == Some(cell))
        .and_then(|t| attr(t, "s"))
        .map_or(0, |s| s.parse().unwrap());
    let styles = zip_text(&mut zip, "xl/styles.xml");
    let section = |name: &str| {
        let s = styles.find(&format!("<{name}")).unwrap();
        let e = styles.find(&format!("</{name}>")).unwrap();
        &styles[s..e]
    };
    let xf = tags(section("cellXfs"), "xf")[style];
    let fill_id: usize = attr(xf, "fillId").map_or(0, |f| f.parse().unwrap());
    let fills = section("fills");
    let fill = fills
        .match_indices("<fill>")
        .nth(fill_id)
        .map(|(i, _)| &fills[i..i + fills[i..].find("</fill>").unwrap() + 7])
        .unwrap_or_else(|| panic!("no fill {fill_id} in xl/styles.xml"));
    fill.to_string()
}
