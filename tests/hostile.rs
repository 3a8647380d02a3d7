//! Real submissions: messy, legacy and hostile files.
//!
//! Every bad file is built here, in code, from a valid submission made by the real
//! `tonghop samples` (generated once per test process and kept in memory): its zip is
//! opened, one sheet's XML edited, and the package zipped again ([`Pkg`]); or the
//! workbook is read with calamine and written anew with rust_xlsxwriter with rows moved
//! ([`Book`]); or the bytes are crafted outright (an encrypted OLE container, a zip bomb,
//! a million rows streamed into the zip). Each test puts its file in an inbox beside an
//! untouched valid submission of another unit and runs the real binary, then checks the
//! status in report.json, the rule and the cell of the finding, that the valid
//! submission was still accepted (the batch went on) and the exit code.
//!
//! The only committed fixture is a workbook encrypted with a password (see
//! tests/fixtures/README.md): that one cannot be made without the cryptography.

mod common;

use calamine::{Data, Reader, Xlsx, open_workbook_auto};
use common::{Workdir, has_finding, rules_of, run_args, sha256, submission, submissions, zip_of};
use serde_json::Value;
use std::collections::BTreeMap;
use std::io::{Cursor, Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, ExitStatus, Output};
use std::sync::OnceLock;
use std::time::{Duration, Instant, SystemTime};
use zip::write::SimpleFileOptions;
use zip::{CompressionMethod, ZipArchive, ZipWriter};

// ---------------------------------------------------------------------------------------
// The valid submissions everything starts from.

/// Rows per unit in the base samples: the table is rows 4..=7 of "Kết nạp" and the
/// total row is row 8 (one-based, as the user sees them).
const ROWS: u32 = 4;
const FIRST_ROW: u32 = 4;
const TOTAL_ROW: u32 = FIRST_ROW + ROWS;
/// The untouched submission put beside every bad file: it must be accepted whatever
/// happens to the other.
const OK_UNIT: &str = "KDN";

/// Sheet parts of the sample workbooks, in the form's order.
const INFO: &str = "xl/worksheets/sheet1.xml"; // Thông tin
const ADM: &str = "xl/worksheets/sheet2.xml"; // Kết nạp
const SRC: &str = "xl/worksheets/sheet3.xml"; // Tạo nguồn
const MEM: &str = "xl/worksheets/sheet4.xml"; // Đảng viên
const AREA: &str = "xl/worksheets/sheet5.xml"; // Địa bàn

/// Every unit's valid submission, from `tonghop samples --seed 5 --rows 4`.
fn base() -> &'static BTreeMap<String, Vec<u8>> {
    static BASE: OnceLock<BTreeMap<String, Vec<u8>>> = OnceLock::new();
    BASE.get_or_init(|| {
        let w = Workdir::new();
        w.samples("s", &["--seed", "5", "--rows", &ROWS.to_string()]);
        let mut out = BTreeMap::new();
        for e in std::fs::read_dir(w.path("s")).unwrap() {
            let p = e.unwrap().path();
            if p.extension().is_some_and(|x| x == "xlsx") {
                let code = p.file_stem().unwrap().to_string_lossy().into_owned();
                out.insert(code, std::fs::read(&p).unwrap());
            }
        }
        assert_eq!(out.len(), 15, "samples wrote {:?}", out.keys());
        out
    })
}

fn sample(code: &str) -> Vec<u8> {
    base()
        .get(code)
        .unwrap_or_else(|| panic!("no sample {code}"))
        .clone()
}

// ---------------------------------------------------------------------------------------
// Running and checking.

fn put(w: &Workdir, rel: &str, bytes: &[u8]) -> PathBuf {
    let p = w.path(rel);
    std::fs::create_dir_all(p.parent().unwrap()).unwrap();
    std::fs::write(&p, bytes).unwrap();
    p
}

/// An inbox holding the valid submission of [`OK_UNIT`] plus `files`.
fn inbox(files: &[(&str, Vec<u8>)]) -> Workdir {
    let w = Workdir::new();
    put(&w, &format!("inbox/{OK_UNIT}.xlsx"), &sample(OK_UNIT));
    for (name, bytes) in files {
        put(&w, &format!("inbox/{name}"), bytes);
    }
    w
}

/// `tonghop run inbox --out out --quiet [extra]`, insisting on the exit code; the report.
fn run(w: &Workdir, extra: &[&str], code: i32) -> Value {
    w.run_report("inbox", "out", extra, code)
}

/// [`run`], and the batch went on ([`batch_went_on`]).
fn run_batch(w: &Workdir, extra: &[&str], code: i32) -> Value {
    let report = run(w, extra, code);
    batch_went_on(&report);
    report
}

/// [`run_batch`] on an [`inbox`] of `files`, for a test that needs only the report.
fn run_inbox(files: &[(&str, Vec<u8>)], extra: &[&str], code: i32) -> Value {
    run_batch(&inbox(files), extra, code)
}

/// [`run_inbox`] of one file beside the valid submission, for a test that needs only
/// what became of that file: its submission.
fn run_one(name: &str, bytes: Vec<u8>, extra: &[&str], code: i32) -> Value {
    submission(&run_inbox(&[(name, bytes)], extra, code), name).clone()
}

/// [`run_one`] on `unit`'s valid submission with `typed` typed into `part`!`cell`: what
/// most messy files are, one cell typed the way a clerk types it.
fn typed_into(unit: &str, part: &str, cell: &str, typed: &str, extra: &[&str], code: i32) -> Value {
    let mut p = Pkg::of(unit);
    p.cell(part, cell, text(typed));
    run_one(&format!("{unit}.xlsx"), p.bytes(), extra, code)
}

/// The batch went on: the valid submission beside the bad one was accepted and summed.
fn batch_went_on(report: &Value) {
    let ok = submission(report, &format!("{OK_UNIT}.xlsx"));
    assert_eq!(
        ok["status"], "accepted",
        "the valid submission beside the bad one: {ok:#}"
    );
    assert_eq!(ok["included_in_totals"], true);
}

fn status(sub: &Value) -> &str {
    sub["status"].as_str().unwrap()
}

fn findings<'a>(sub: &'a Value, rule: &str) -> Vec<&'a Value> {
    sub["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["rule"] == rule)
        .collect()
}

/// Has a finding with this rule, sheet and cell, or fails showing every finding.
fn assert_finding(sub: &Value, rule: &str, sheet: &str, cell: Option<&str>) {
    assert!(
        has_finding(sub, rule, sheet, cell),
        "{}: no {rule} finding at {sheet}!{}; findings: {:#}",
        sub["file"],
        cell.unwrap_or("*"),
        sub["findings"]
    );
}

/// Has a whole-file finding with this rule (no sheet, no cell).
fn assert_file_finding(sub: &Value, rule: &str) {
    let fs = findings(sub, rule);
    assert!(
        !fs.is_empty(),
        "{}: no {rule} finding; findings: {:#}",
        sub["file"],
        sub["findings"]
    );
    for f in fs {
        assert!(
            f["sheet"].is_null() && f["cell"].is_null(),
            "{rule} names a place: {f}"
        );
        assert_eq!(f["severity"], "error", "{f}");
    }
}

fn assert_no_rule(sub: &Value, rule: &str) {
    assert!(
        findings(sub, rule).is_empty(),
        "{}: unexpected {rule}: {:#}",
        sub["file"],
        sub["findings"]
    );
}

/// Accepted, summed, and without a single error.
fn assert_accepted(sub: &Value) {
    assert_eq!(
        status(sub),
        "accepted",
        "{}: {:#}",
        sub["file"],
        sub["findings"]
    );
    assert_eq!(sub["errors"], 0, "{:#}", sub["findings"]);
    assert_eq!(sub["included_in_totals"], true);
}

/// Every sheet of the output `f` reads: text quoted from a submission broke no output.
fn assert_opens(w: &Workdir, f: &str) {
    let mut wb = open_workbook_auto(w.path(f)).unwrap_or_else(|e| panic!("{f}: {e}"));
    for name in wb.sheet_names() {
        wb.worksheet_range(&name)
            .unwrap_or_else(|e| panic!("{f} {name}: {e}"));
    }
}

/// The `file` of every entry of a report's list (`submissions` or `skipped`).
fn files_of<'a>(report: &'a Value, list: &str) -> Vec<&'a str> {
    report[list]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["file"].as_str().unwrap())
        .collect()
}

fn is_missing(report: &Value, unit: &str) -> bool {
    report["missing_units"]
        .as_array()
        .unwrap()
        .iter()
        .any(|u| u == unit)
}

/// How many rows of the admissions table a submission lists.
fn rows_listed(sub: &Value) -> usize {
    sub["tables"]["admissions"]["rows"]
        .as_array()
        .unwrap()
        .len()
}

fn nothing_returned(w: &Workdir) -> bool {
    !w.path("out/tra-lai").exists() || tree(&w.path("out/tra-lai")).is_empty()
}

fn figure<'a>(sub: &'a Value, key: &str) -> &'a Value {
    &sub["figures"][key]["value"]
}

/// Every file under `dir`, relative, sorted.
fn tree(dir: &Path) -> Vec<String> {
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

/// Run tonghop with an address-space limit, so that a huge allocation aborts the process
/// (and fails the test) instead of passing unnoticed on a big machine; and with a time
/// limit, past which it is killed and the test fails.
fn run_limited(w: &Workdir, args: &[&str], limit_mib: u64, limit: Duration) -> Output {
    use std::process::Stdio;
    let started = Instant::now();
    let (stdout, stderr) = (w.path("limited.stdout"), w.path("limited.stderr"));
    // `exec`: the child is tonghop itself, so killing it kills tonghop.
    let mut child = std::process::Command::new("sh")
        .arg("-c")
        .arg(format!(
            "ulimit -v {} && exec \"$0\" \"$@\"",
            limit_mib * 1024
        ))
        .arg(env!("CARGO_BIN_EXE_tonghop"))
        .args(args)
        .current_dir(w.dir.path())
        .stdin(Stdio::null())
        .stdout(std::fs::File::create(&stdout).unwrap())
        .stderr(std::fs::File::create(&stderr).unwrap())
        .spawn()
        .expect("sh runs");
    let status = wait_or_kill(
        &mut child,
        started,
        limit,
        &format!("tonghop {args:?} still running after {limit:?}: killed"),
    );
    eprintln!(
        "tonghop {args:?} under {limit_mib} MiB: {:?}",
        started.elapsed()
    );
    let out = Output {
        status,
        stdout: std::fs::read(&stdout).unwrap(),
        stderr: std::fs::read(&stderr).unwrap(),
    };
    std::fs::remove_file(stdout).unwrap();
    std::fs::remove_file(stderr).unwrap();
    out
}

/// Wait for `child`, killing it once `limit` has passed since `started`: a run that hangs
/// fails its test, saying `why`, instead of hanging the suite.
fn wait_or_kill(child: &mut Child, started: Instant, limit: Duration, why: &str) -> ExitStatus {
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

/// `run inbox --out out --quiet --jobs 2` under 1 GiB and 30 s ([`run_limited`]),
/// insisting on the exit code, and the batch went on: the report, and how long the run
/// took.
fn run_bounded(w: &Workdir, code: i32) -> (Value, Duration) {
    let started = Instant::now();
    let out = run_limited(
        w,
        &run_args("inbox", "out", &["--jobs", "2"]),
        1024,
        Duration::from_secs(30),
    );
    let took = started.elapsed();
    assert_eq!(out.status.code(), Some(code), "{}", show(&out));
    let report = w.report("out");
    batch_went_on(&report);
    (report, took)
}

fn show(out: &Output) -> String {
    format!(
        "exit {:?}\nstdout:\n{}\nstderr:\n{}",
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

// ---------------------------------------------------------------------------------------
// Editing a workbook's package.

/// An .xlsx as its zip entries, in order.
struct Pkg {
    entries: Vec<(String, Vec<u8>)>,
}

impl Pkg {
    fn open(bytes: &[u8]) -> Pkg {
        let mut z = ZipArchive::new(Cursor::new(bytes)).unwrap();
        let mut entries = Vec::new();
        for i in 0..z.len() {
            let mut f = z.by_index(i).unwrap();
            let name = f.name().unwrap().into_owned();
            let mut data = Vec::new();
            f.read_to_end(&mut data).unwrap();
            entries.push((name, data));
        }
        Pkg { entries }
    }

    fn of(code: &str) -> Pkg {
        Pkg::open(&sample(code))
    }

    fn text(&self, name: &str) -> String {
        let (_, d) = self
            .entries
            .iter()
            .find(|(n, _)| n == name)
            .unwrap_or_else(|| panic!("no part {name}"));
        String::from_utf8(d.clone()).unwrap()
    }

    fn set(&mut self, name: &str, data: Vec<u8>) {
        match self.entries.iter_mut().find(|(n, _)| n == name) {
            Some(e) => e.1 = data,
            None => self.entries.push((name.to_string(), data)),
        }
    }

    fn edit(&mut self, name: &str, f: impl FnOnce(String) -> String) -> &mut Self {
        let t = f(self.text(name));
        self.set(name, t.into_bytes());
        self
    }

    /// Replace cell `r` of a sheet part (its style kept).
    fn cell(&mut self, part: &str, r: &str, v: Cell) -> &mut Self {
        self.edit(part, |x| set_cell(&x, r, v))
    }

    fn bytes(&self) -> Vec<u8> {
        let mut z = ZipWriter::new(Cursor::new(Vec::new()));
        let opts = SimpleFileOptions::default().compression_method(CompressionMethod::Deflated);
        for (n, d) in &self.entries {
            z.start_file(n.as_str(), opts).unwrap();
            z.write_all(d).unwrap();
        }
        z.finish().unwrap().into_inner()
    }

    /// The raw `<v>` of a cell, as stored.
    fn value(&self, part: &str, r: &str) -> String {
        let x = self.text(part);
        let (s, e) = cell_span(&x, r).unwrap_or_else(|| panic!("no cell {r} in {part}"));
        let c = &x[s..e];
        let v = c.find("<v>").map(|i| &c[i + 3..c.find("</v>").unwrap()]);
        v.unwrap_or("").to_string()
    }

    fn number(&self, part: &str, r: &str) -> f64 {
        self.value(part, r).parse().unwrap()
    }
}

/// What to put in a cell.
enum Cell {
    /// Text, stored inline (`t="inlineStr"`), as many programs other than Excel write it.
    Text(String),
    Number(f64),
    /// An error value (`t="e"`), e.g. `#DIV/0!`.
    Error(&'static str),
    /// Nothing: the cell keeps its style and loses its value.
    Blank,
}

fn text(s: &str) -> Cell {
    Cell::Text(s.to_string())
}

fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// Byte span of the element `<c r="R" …>…</c>` (or `<c r="R" …/>`).
fn cell_span(xml: &str, r: &str) -> Option<(usize, usize)> {
    let start = xml.find(&format!("<c r=\"{r}\""))?;
    let open_end = start + xml[start..].find('>')?;
    if xml.as_bytes()[open_end - 1] == b'/' {
        return Some((start, open_end + 1));
    }
    let close = open_end + xml[open_end..].find("</c>")?;
    Some((start, close + 4))
}

fn set_cell(xml: &str, r: &str, v: Cell) -> String {
    let (s, e) = cell_span(xml, r).unwrap_or_else(|| panic!("cell {r} not in the sheet"));
    let old = &xml[s..e];
    let style = old
        .find(" s=\"")
        .filter(|&i| i < old.find('>').unwrap())
        .map(|i| {
            let rest = &old[i + 4..];
            format!(" s=\"{}\"", &rest[..rest.find('"').unwrap()])
        })
        .unwrap_or_default();
    let new = match v {
        Cell::Text(t) => format!(
            "<c r=\"{r}\"{style} t=\"inlineStr\"><is><t xml:space=\"preserve\">{}</t></is></c>",
            esc(&t)
        ),
        Cell::Number(n) => format!("<c r=\"{r}\"{style}><v>{n}</v></c>"),
        Cell::Error(e) => format!("<c r=\"{r}\"{style} t=\"e\"><v>{}</v></c>", esc(e)),
        Cell::Blank => format!("<c r=\"{r}\"{style}/>"),
    };
    format!("{}{new}{}", &xml[..s], &xml[e..])
}

/// The `<row r="N" …>…</row>` elements of a sheet, with the text before and after them.
fn split_rows(xml: &str) -> (String, Vec<(u32, String)>, String) {
    let open = xml.find("<sheetData>").unwrap() + "<sheetData>".len();
    let close = xml.find("</sheetData>").unwrap();
    let mut rows = Vec::new();
    let mut body = &xml[open..close];
    while let Some(s) = body.find("<row ") {
        let e = body[s..].find("</row>").map(|i| s + i + 6).unwrap();
        let row = &body[s..e];
        let n: u32 = row["<row r=\"".len()..]
            .split('"')
            .next()
            .unwrap()
            .parse()
            .unwrap();
        rows.push((n, row.to_string()));
        body = &body[e..];
    }
    (xml[..open].to_string(), rows, xml[close..].to_string())
}

/// A row element renumbered from `from` to `to` (its cells too).
fn renumber(row: &str, from: u32, to: u32) -> String {
    let mut s = row.replacen(
        &format!("<row r=\"{from}\""),
        &format!("<row r=\"{to}\""),
        1,
    );
    for col in 'A'..='Z' {
        s = s.replace(
            &format!("<c r=\"{col}{from}\""),
            &format!("<c r=\"{col}{to}\""),
        );
    }
    s
}

/// Add a worksheet part `sheet{id}.xml` named `name` to the package, first or last in
/// the tab order: the form's sheets must be found by name, wherever they stand.
fn add_sheet(p: &mut Pkg, id: u32, name: &str, sheet_xml: &str, first: bool) {
    let part = format!("worksheets/sheet{id}.xml");
    p.set(&format!("xl/{part}"), sheet_xml.as_bytes().to_vec());
    p.edit("xl/_rels/workbook.xml.rels", |x| {
        x.replace(
            "</Relationships>",
            &format!("<Relationship Id=\"rId{id}\" Type=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet\" Target=\"{part}\"/></Relationships>"),
        )
    });
    p.edit("[Content_Types].xml", |x| {
        x.replace(
            "</Types>",
            &format!("<Override PartName=\"/xl/{part}\" ContentType=\"application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml\"/></Types>"),
        )
    });
    let sheet = format!(
        "<sheet name=\"{}\" sheetId=\"{id}\" r:id=\"rId{id}\"/>",
        esc(name)
    );
    p.edit("xl/workbook.xml", |x| {
        if first {
            x.replace("<sheets>", &format!("<sheets>{sheet}"))
        } else {
            x.replace("</sheets>", &format!("{sheet}</sheets>"))
        }
    });
}

fn sheet_xml(rows: &str) -> String {
    format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n<worksheet xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\" xmlns:r=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships\"><sheetData>{rows}</sheetData></worksheet>"
    )
}

/// A warning and nothing worse (a count typed as text, spaces around): the unit is still
/// summed, so its rows reach the outputs, and it gets a returned workbook.
fn warn(p: &mut Pkg) -> &mut Pkg {
    let classes = p.number(SRC, "C4");
    p.cell(SRC, "C4", text(&format!(" {classes} ")))
}

/// `8443` as `8.443`: thousands grouped Vietnamese style.
fn grouped(n: f64) -> String {
    let s = format!("{}", n as u64);
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i) % 3 == 0 {
            out.push('.');
        }
        out.push(c);
    }
    out
}

/// A unit whose value at `part`!`cell` satisfies `ok`, the companion unit excluded.
fn unit_where(part: &str, cell: &str, ok: impl Fn(f64) -> bool) -> (String, f64) {
    base()
        .keys()
        .filter(|c| *c != OK_UNIT)
        .map(|c| (c.clone(), Pkg::of(c).number(part, cell)))
        .find(|(_, v)| ok(*v))
        .unwrap_or_else(|| panic!("no sample has a fitting value at {part} {cell}"))
}

// ---------------------------------------------------------------------------------------
// Reading a workbook whole and writing it anew with rust_xlsxwriter.

#[derive(Clone, Debug, PartialEq)]
enum V {
    S(String),
    N(f64),
    /// An Excel date serial, written with a date format.
    D(f64),
    /// A formula and the value it shows.
    F(String, f64),
}

/// One sheet's cells, (row, col) zero-based.
type SheetCells = BTreeMap<(u32, u16), V>;

/// A workbook as cells by sheet.
struct Book {
    sheets: Vec<(String, SheetCells)>,
}

impl Book {
    fn read(bytes: &[u8]) -> Book {
        let mut wb: Xlsx<_> = Xlsx::new(Cursor::new(bytes.to_vec())).unwrap();
        let names = wb.sheet_names();
        let mut sheets = Vec::new();
        for name in names {
            let range = wb.worksheet_range(&name).unwrap();
            let formulas = wb.worksheet_formula(&name).unwrap();
            let mut cells = BTreeMap::new();
            let (r0, c0) = range.start().unwrap_or((0, 0));
            for (r, c, d) in range.used_cells() {
                let at = (r0 + r as u32, (c0 + c as u32) as u16);
                let v = match d {
                    Data::String(s) => V::S(s.clone()),
                    Data::Float(f) => V::N(*f),
                    Data::Int(i) => V::N(*i as f64),
                    Data::DateTime(d) => V::D(d.as_f64()),
                    Data::Empty => continue,
                    other => panic!("unexpected cell {other:?}"),
                };
                cells.insert(at, v);
            }
            let (f0, g0) = formulas.start().unwrap_or((0, 0));
            for (r, c, f) in formulas.used_cells() {
                if f.is_empty() {
                    continue;
                }
                let at = (f0 + r as u32, (g0 + c as u32) as u16);
                let shown = match cells.get(&at) {
                    Some(V::N(n)) => *n,
                    _ => 0.0,
                };
                cells.insert(at, V::F(f.clone(), shown));
            }
            sheets.push((name, cells));
        }
        Book { sheets }
    }

    fn sheet(&mut self, name: &str) -> &mut BTreeMap<(u32, u16), V> {
        &mut self.sheets.iter_mut().find(|(n, _)| n == name).unwrap().1
    }

    fn bytes(&self) -> Vec<u8> {
        use rust_xlsxwriter::{Format, Formula, Workbook};
        let mut wb = Workbook::new();
        let date = Format::new().set_num_format("dd/mm/yyyy");
        for (name, cells) in &self.sheets {
            let ws = wb.add_worksheet();
            ws.set_name(name).unwrap();
            for (&(r, c), v) in cells {
                match v {
                    V::S(s) => ws.write_string(r, c, s).map(|_| ()),
                    V::N(n) => ws.write_number(r, c, *n).map(|_| ()),
                    V::D(d) => ws.write_number_with_format(r, c, *d, &date).map(|_| ()),
                    V::F(f, shown) => ws
                        .write_formula(r, c, Formula::new(f).set_result(shown.to_string()))
                        .map(|_| ()),
                }
                .unwrap();
            }
        }
        wb.save_to_buffer().unwrap()
    }
}

/// Zero-based column of a letter.
fn col(letter: char) -> u16 {
    letter as u16 - 'A' as u16
}

// =======================================================================================
// Locale: numbers typed as text.

/// `text` typed into `part`!`cell` of `unit`'s file: converted with a TEXTNUM warning at
/// that cell, the value used, the submission accepted.
fn textnum_case(
    unit: &str,
    part: &str,
    sheet: &str,
    cell: &str,
    key: &str,
    typed: &str,
    value: f64,
) {
    let sub = &typed_into(unit, part, cell, typed, &[], 0);
    assert_accepted(sub);
    assert_finding(sub, "TEXTNUM", sheet, Some(cell));
    let f = findings(sub, "TEXTNUM")[0];
    assert_eq!(f["severity"], "warning");
    assert_eq!(f["found"], typed.trim(), "{f}");
    assert_eq!(
        figure(sub, key).as_f64(),
        Some(value),
        "figures.{key} of {typed:?}: {:#}",
        sub["figures"][key]
    );
}

#[test]
fn count_typed_as_plain_digit_text_is_converted() {
    let (unit, v) = unit_where(MEM, "C4", |_| true);
    textnum_case(
        &unit,
        MEM,
        "Đảng viên",
        "C4",
        "members_start",
        &format!("{v}"),
        v,
    );
}

#[test]
fn count_typed_as_text_with_spaces_around_is_converted() {
    let (unit, v) = unit_where(MEM, "C4", |_| true);
    textnum_case(
        &unit,
        MEM,
        "Đảng viên",
        "C4",
        "members_start",
        &format!(" {v} "),
        v,
    );
}

#[test]
fn count_typed_with_vietnamese_thousands_dot_is_converted() {
    let (unit, v) = unit_where(MEM, "C4", |v| v >= 1000.0);
    let typed = grouped(v);
    assert!(typed.contains('.'), "{typed}");
    textnum_case(&unit, MEM, "Đảng viên", "C4", "members_start", &typed, v);
}

#[test]
fn percentage_typed_with_decimal_comma_is_converted() {
    let (unit, v) = unit_where(MEM, "D12", |v| v.fract() != 0.0);
    textnum_case(
        &unit,
        MEM,
        "Đảng viên",
        "D12",
        "women_pct",
        &format!("{v}").replace('.', ","),
        v,
    );
}

#[test]
fn percentage_typed_with_decimal_comma_and_percent_sign_is_converted() {
    let (unit, v) = unit_where(MEM, "D12", |v| v.fract() != 0.0);
    textnum_case(
        &unit,
        MEM,
        "Đảng viên",
        "D12",
        "women_pct",
        &format!("{}%", format!("{v}").replace('.', ",")),
        v,
    );
}

#[test]
fn percentage_typed_english_style_is_converted_when_unambiguous() {
    // Two decimals at most (the samples round to 0.01): never three, so never ambiguous.
    let (unit, v) = unit_where(MEM, "D12", |v| v.fract() != 0.0);
    textnum_case(
        &unit,
        MEM,
        "Đảng viên",
        "D12",
        "women_pct",
        &format!("{v}"),
        v,
    );
}

#[test]
fn percentage_typed_as_ambiguous_thousands_is_an_error_not_a_guess() {
    let sub = &typed_into("TGI", MEM, "D12", "1.234", &[], 1);
    assert_eq!(status(sub), "rejected");
    assert_finding(sub, "AMBIGUOUS", "Đảng viên", Some("D12"));
    assert_eq!(findings(sub, "AMBIGUOUS")[0]["severity"], "error");
    assert_eq!(findings(sub, "AMBIGUOUS")[0]["found"], "1.234");
    assert_no_rule(sub, "TEXTNUM");
    // Not read as 1234 nor as 1.234: the figure is invalid, and no rule judged a guess.
    assert_eq!(
        figure(sub, "women_pct"),
        &serde_json::json!({ "invalid": "1.234" })
    );
    assert_no_rule(sub, "RANGE");
    assert_no_rule(sub, "PCT");
    assert_eq!(sub["included_in_totals"], false);
}

#[test]
fn percentage_typed_with_thousands_dot_and_decimal_comma_is_read_in_full() {
    // `1.234,5` is 1234.5 (the default form has no decimal cell, so a percentage cell
    // takes it): converted, then out of range, never cut to 1.2345 or 1234.
    let sub = &typed_into("TGI", MEM, "D13", "1.234,5", &[], 1);
    assert_eq!(status(sub), "rejected");
    assert_finding(sub, "TEXTNUM", "Đảng viên", Some("D13"));
    assert_finding(sub, "RANGE", "Đảng viên", Some("D13"));
    assert_eq!(figure(sub, "ethnic_pct").as_f64(), Some(1234.5));
}

// =======================================================================================
// Vietnamese text: Unicode forms, legacy encodings, case and spaces.

/// The unit code left blank and the name typed as `name`: recognised by name.
fn unit_by_name_case(name: &str) -> Value {
    let mut p = Pkg::of("TCH");
    p.cell(INFO, "C6", Cell::Blank).cell(INFO, "C7", text(name));
    let report = run_inbox(&[("bao-cao.xlsx", p.bytes())], &[], 0);
    let sub = submission(&report, "bao-cao.xlsx").clone();
    assert_eq!(sub["unit"], "TCH", "{:#}", sub["findings"]);
    assert_finding(&sub, "UNITNAME", "Thông tin", Some("C6"));
    assert_eq!(findings(&sub, "UNITNAME")[0]["severity"], "warning");
    assert_eq!(findings(&sub, "UNITNAME")[0]["expected"], "TCH");
    assert_accepted(&sub);
    assert!(!is_missing(&report, "TCH"));
    sub
}

#[test]
fn unit_name_in_nfd_without_code_is_recognised_by_name() {
    use unicode_normalization::UnicodeNormalization;
    let nfd: String = "Huyện Tủa Chùa".nfd().collect();
    assert_ne!(nfd, "Huyện Tủa Chùa");
    let sub = unit_by_name_case(&nfd);
    assert_eq!(
        figure(&sub, "unit_name"),
        "Huyện Tủa Chùa",
        "stored composed (NFC)"
    );
}

#[test]
fn unit_name_in_tcvn3_without_code_is_recognised_by_name() {
    // "Huyện Tủa Chùa" typed with a .VnTime font: each TCVN3 byte read as cp1252.
    let sub = unit_by_name_case("HuyÖn Tña Chïa");
    assert_finding(&sub, "ENCODING", "Thông tin", Some("C7"));
    assert_eq!(findings(&sub, "ENCODING")[0]["severity"], "warning");
    assert_eq!(figure(&sub, "unit_name"), "Huyện Tủa Chùa");
}

/// The total row's label typed as `label`: the total row is still found.
fn total_label_case(label: &str) {
    let mut p = Pkg::of("TGI");
    p.cell(ADM, &format!("B{TOTAL_ROW}"), text(label));
    let sub = &run_one("TGI.xlsx", p.bytes(), &[], 0);
    assert_no_rule(sub, "TOTAL");
    assert_accepted(sub);
    let t = &sub["tables"]["admissions"];
    assert_eq!(t["total"][0], TOTAL_ROW, "{t:#}");
    assert_eq!(
        t["rows"].as_array().unwrap().len(),
        ROWS as usize,
        "the total row is not a data row: {t:#}"
    );
}

#[test]
fn total_label_in_tcvn3_is_found() {
    total_label_case("Tæng céng");
}

#[test]
fn total_label_in_capitals_is_found() {
    total_label_case("TỔNG CỘNG");
}

#[test]
fn total_label_in_nfd_with_extra_spaces_is_found() {
    use unicode_normalization::UnicodeNormalization;
    total_label_case(&format!("  {}  ", "Tổng  cộng".nfd().collect::<String>()));
}

#[test]
fn sheets_renamed_in_another_case_or_with_spaces_are_still_read() {
    let mut p = Pkg::of("TGI");
    p.edit("xl/workbook.xml", |x| {
        x.replace("name=\"Đảng viên\"", "name=\"đảng viên \"")
            .replace("name=\"Kết nạp\"", "name=\"KẾT NẠP\"")
            // "Tạo nguồn" typed with a .VnTime font (TCVN3).
            .replace("name=\"Tạo nguồn\"", "name=\"T¹o  nguån\"")
    });
    // A fault on each renamed sheet, so the findings show which name they cite.
    p.cell(MEM, "C5", text("chưa có"));
    let sub = &run_one("TGI.xlsx", p.bytes(), &[], 1);
    assert_no_rule(sub, "SHEET");
    // The sheet was read: only the planted fault, at the unit's own sheet name.
    assert_eq!(rules_of(sub), vec!["TYPE"], "{:#}", sub["findings"]);
    assert_finding(sub, "TYPE", "đảng viên ", Some("C5"));
    assert_eq!(rows_listed(sub), ROWS as usize);
    assert_eq!(sub["tables"]["admissions"]["sheet"], "KẾT NẠP");
    assert!(figure(sub, "members_end").is_number());
    assert_eq!(
        figure(sub, "classes").as_f64(),
        Some(Pkg::of("TGI").number(SRC, "C4"))
    );
}

// =======================================================================================
// Dates.

fn period_case(edit: impl FnOnce(&mut Pkg)) -> Value {
    let mut p = Pkg::of("TGI");
    edit(&mut p);
    let sub = run_one(
        "TGI.xlsx",
        p.bytes(),
        &["--period", "01/01/2026..30/06/2026"],
        0,
    );
    assert_accepted(&sub);
    assert_no_rule(&sub, "PERIOD");
    assert_eq!(figure(&sub, "period_from"), "01/01/2026");
    assert_eq!(figure(&sub, "period_to"), "30/06/2026");
    sub
}

#[test]
fn period_typed_as_text_dd_mm_yyyy_is_accepted() {
    period_case(|p| {
        p.cell(INFO, "C8", text("01/01/2026"))
            .cell(INFO, "C9", text("30/06/2026"));
    });
}

#[test]
fn period_typed_as_text_d_m_yyyy_is_accepted() {
    period_case(|p| {
        p.cell(INFO, "C8", text("1/1/2026"))
            .cell(INFO, "C9", text(" 30/6/2026 "));
    });
}

#[test]
fn period_as_numbers_is_accepted_with_or_without_a_date_format() {
    // From: a date-time serial in the form's date format (typed "01/01/2026 08:30");
    // to: the bare serial in a General cell, as pasted from another program.
    let sub = period_case(|p| {
        p.cell(INFO, "C8", Cell::Number(46023.354166666664)).cell(
            INFO,
            "C9",
            Cell::Number(46203.0),
        );
        // Drop C9's style attribute, whatever its index.
        p.edit(INFO, |x| {
            let at = x.find("<c r=\"C9\" s=\"").expect("C9 has a style");
            let end = at + x[at..].find('>').unwrap();
            format!("{}<c r=\"C9\"{}", &x[..at], &x[end..])
        });
        assert!(
            p.text(INFO).contains("<c r=\"C9\"><v>46203</v>"),
            "C9 kept its date format"
        );
    });
    assert!(rules_of(&sub).is_empty(), "{:#}", sub["findings"]);
}

#[test]
fn garbage_date_text_is_a_type_error() {
    let sub = &typed_into(
        "TGI",
        INFO,
        "C8",
        "đầu năm 2026",
        &["--period", "01/01/2026..30/06/2026"],
        1,
    );
    assert_eq!(status(sub), "rejected");
    assert_finding(sub, "TYPE", "Thông tin", Some("C8"));
    assert_eq!(findings(sub, "TYPE")[0]["found"], "đầu năm 2026");
    assert_eq!(
        figure(sub, "period_from"),
        &serde_json::json!({ "invalid": "đầu năm 2026" })
    );
    // The period rule does not judge a date it could not read.
    assert_no_rule(sub, "PERIOD");
}

// =======================================================================================
// Layout drift.

#[test]
fn formulas_without_cached_values_are_findings_not_zeros() {
    let mut p = Pkg::of("TGI");
    // Strip the calculated values of the total row's SUM formulas, as openpyxl writes them.
    p.edit(ADM, |x| {
        let (head, rows, tail) = split_rows(&x);
        let mut out = head;
        for (n, row) in rows {
            if n == TOTAL_ROW {
                let mut r = row.clone();
                while let Some(s) = r.find("</f><v>") {
                    let e = s + r[s..].find("</v>").unwrap() + 4;
                    r.replace_range(s + 4..e, "");
                }
                assert!(
                    r.contains("<f>SUM(") && r.matches("<v>").count() == 1,
                    "{r}"
                );
                out.push_str(&r);
            } else {
                out.push_str(&row);
            }
        }
        out + &tail
    });
    let sub = &run_one("TGI.xlsx", p.bytes(), &[], 1);
    assert_eq!(status(sub), "rejected");
    for c in ['C', 'D', 'E', 'F', 'G', 'H', 'I'] {
        assert_finding(sub, "FORMULA", "Kết nạp", Some(&format!("{c}{TOTAL_ROW}")));
    }
    let table = &sub["tables"]["admissions"];
    assert_eq!(
        *column(table, &table["total"], "admitted"),
        serde_json::json!({ "invalid": format!("=SUM(E{FIRST_ROW}:E{})", TOTAL_ROW - 1) })
    );
    // Not taken as 0: neither SUM nor the cross-sheet check judged a missing value.
    assert_no_rule(sub, "SUM");
    assert_no_rule(sub, "XSHEET");
}

#[test]
fn error_values_in_cells_are_cellerr_findings() {
    let mut p = Pkg::of("TGI");
    p.cell(MEM, "D12", Cell::Error("#DIV/0!")).cell(
        ADM,
        &format!("E{}", FIRST_ROW + 1),
        Cell::Error("#REF!"),
    );
    let sub = &run_one("TGI.xlsx", p.bytes(), &[], 1);
    assert_eq!(status(sub), "rejected");
    assert_finding(sub, "CELLERR", "Đảng viên", Some("D12"));
    assert_finding(
        sub,
        "CELLERR",
        "Kết nạp",
        Some(&format!("E{}", FIRST_ROW + 1)),
    );
    let found: Vec<&str> = findings(sub, "CELLERR")
        .iter()
        .map(|f| f["found"].as_str().unwrap())
        .collect();
    assert!(
        found.contains(&"#DIV/0!") && found.contains(&"#REF!"),
        "{found:?}"
    );
    assert_no_rule(sub, "PCT");
    assert_no_rule(sub, "SUM");
}

/// The admissions table of `unit` rewritten by rust_xlsxwriter: data row `i` moves to
/// `rows[i]`, `extra` rows are added, and the total row goes to `total_row` with its
/// formulas and cached values following. Returns the workbook and the expected column sums.
fn moved_table(
    unit: &str,
    rows: &[u32],
    extra: &[(u32, &str, [f64; 7])],
    total_row: u32,
) -> (Vec<u8>, [f64; 7]) {
    let mut book = Book::read(&sample(unit));
    let t = book.sheet("Kết nạp");
    let cols: Vec<u16> = "CDEFGHI".chars().map(col).collect();
    let old: Vec<BTreeMap<(u32, u16), V>> = (0..ROWS)
        .map(|i| {
            t.iter()
                .filter(|((r, _), _)| *r == FIRST_ROW - 1 + i)
                .map(|(k, v)| (*k, v.clone()))
                .collect()
        })
        .collect();
    let total: BTreeMap<(u32, u16), V> = t
        .iter()
        .filter(|((r, _), _)| *r == TOTAL_ROW - 1)
        .map(|(k, v)| (*k, v.clone()))
        .collect();
    t.retain(|(r, _), _| *r < FIRST_ROW - 1);
    let mut sums = [0.0; 7];
    for (i, cells) in old.iter().enumerate() {
        for ((_, c), v) in cells {
            t.insert((rows[i] - 1, *c), v.clone());
            if let (Some(k), V::N(n)) = (cols.iter().position(|x| x == c), v) {
                sums[k] += n;
            }
        }
    }
    for (row, label, values) in extra {
        t.insert((row - 1, col('B')), V::S(label.to_string()));
        for (k, v) in values.iter().enumerate() {
            t.insert((row - 1, cols[k]), V::N(*v));
            sums[k] += v;
        }
    }
    let last = rows.iter().chain(extra.iter().map(|e| &e.0)).max().unwrap();
    for ((_, c), v) in total {
        let v = match (cols.iter().position(|x| *x == c), v) {
            (Some(k), V::F(..)) => {
                let l = (b'A' + c as u8) as char;
                V::F(format!("SUM({l}{FIRST_ROW}:{l}{last})"), sums[k])
            }
            (_, v) => v,
        };
        t.insert((total_row - 1, c), v);
    }
    (book.bytes(), sums)
}

fn assert_table_sums(report: &Value, sub: &Value, sums: [f64; 7]) {
    let keys = [
        "introduced",
        "trained",
        "admitted",
        "women",
        "ethnic",
        "youth",
        "under30",
    ];
    let ok = submission(report, &format!("{OK_UNIT}.xlsx"));
    for (k, key) in keys.iter().enumerate() {
        let table = &sub["tables"]["admissions"];
        let total = column(table, &table["total"], key);
        assert_eq!(total.as_f64(), Some(sums[k]), "total of {key}");
        let ok_sum: f64 = ok["tables"]["admissions"]["rows"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| {
                column(&ok["tables"]["admissions"], r, key)
                    .as_f64()
                    .unwrap()
            })
            .sum();
        assert_eq!(
            report["totals"][format!("admissions.{key}")].as_f64(),
            Some(sums[k] + ok_sum),
            "provincial admissions.{key}"
        );
    }
}

#[test]
fn blank_rows_inside_the_table_are_skipped_and_sums_are_right() {
    // Rows 4, 6, 9, 10 used; 5, 7, 8 blank; the total row moved down to 12 (one blank
    // row left above it).
    let (bytes, sums) = moved_table("TGI", &[4, 6, 9, 10], &[], 12);
    let report = run_inbox(&[("TGI.xlsx", bytes)], &[], 0);
    let sub = submission(&report, "TGI.xlsx");
    assert_accepted(sub);
    assert!(rules_of(sub).is_empty(), "{:#}", sub["findings"]);
    let t = &sub["tables"]["admissions"];
    let rows: Vec<u64> = t["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r[0].as_u64().unwrap())
        .collect();
    assert_eq!(rows, vec![4, 6, 9, 10]);
    assert_eq!(t["total"][0], 12);
    assert_table_sums(&report, sub, sums);
}

#[test]
fn rows_inserted_above_the_total_row_are_read_and_summed() {
    // Three organisations added above the total row, which moves from row 8 to row 11.
    // They introduced and trained candidates but admitted nobody, so the figures on
    // other sheets stay consistent.
    let extra = [
        (8, "Chi bộ bản Huổi Só", [3.0, 5.0, 0.0, 0.0, 0.0, 0.0, 0.0]),
        (
            9,
            "Chi bộ trường THCS Mường Đun",
            [2.0, 2.0, 0.0, 0.0, 0.0, 0.0, 0.0],
        ),
        (
            10,
            "Đảng bộ xã Tả Sìn Thàng",
            [7.0, 9.0, 0.0, 0.0, 0.0, 0.0, 0.0],
        ),
    ];
    let (bytes, sums) = moved_table("TGI", &[4, 5, 6, 7], &extra, 11);
    let report = run_inbox(&[("TGI.xlsx", bytes)], &[], 0);
    let sub = submission(&report, "TGI.xlsx");
    assert_accepted(sub);
    assert!(rules_of(sub).is_empty(), "{:#}", sub["findings"]);
    let t = &sub["tables"]["admissions"];
    assert_eq!(t["rows"].as_array().unwrap().len(), 7);
    assert_eq!(t["rows"][6][1], "Đảng bộ xã Tả Sìn Thàng");
    assert_eq!(t["total"][0], 11);
    assert_table_sums(&report, sub, sums);
}

#[test]
fn merged_cells_in_titles_and_total_label_are_read() {
    let mut p = Pkg::of("TGI");
    // The total label typed into column A and merged across A:B, as many units do; a
    // merged subtitle on row 2; the title already merged across the sheet.
    p.edit(ADM, |x| {
        let x = set_cell(&x, &format!("B{TOTAL_ROW}"), Cell::Blank);
        let x = x.replace(
            &format!("<row r=\"{TOTAL_ROW}\" spans=\"1:9\">"),
            &format!("<row r=\"{TOTAL_ROW}\" spans=\"1:9\"><c r=\"A{TOTAL_ROW}\" t=\"inlineStr\"><is><t>Tổng cộng</t></is></c>"),
        );
        let x = x.replace(
            "<row r=\"3\"",
            "<row r=\"2\"><c r=\"A2\" t=\"inlineStr\"><is><t>(Kèm theo báo cáo số 15-BC/HU)</t></is></c></row><row r=\"3\"",
        );
        x.replace(
            "<mergeCells count=\"1\"><mergeCell ref=\"A1:I1\"/></mergeCells>",
            &format!("<mergeCells count=\"3\"><mergeCell ref=\"A1:I1\"/><mergeCell ref=\"A2:I2\"/><mergeCell ref=\"A{TOTAL_ROW}:B{TOTAL_ROW}\"/></mergeCells>"),
        )
    });
    assert!(
        p.text(ADM).contains(&format!("A{TOTAL_ROW}:B{TOTAL_ROW}")),
        "merge not planted"
    );
    p.edit(INFO, |x| {
        x.replace(
            "<mergeCells count=\"1\"><mergeCell ref=\"A1:C1\"/>",
            "<mergeCells count=\"2\"><mergeCell ref=\"A1:C1\"/><mergeCell ref=\"A14:C14\"/>",
        )
    });
    let sub = &run_one("TGI.xlsx", p.bytes(), &[], 0);
    assert_no_rule(sub, "TOTAL");
    assert_accepted(sub);
    assert_eq!(sub["tables"]["admissions"]["total"][0], TOTAL_ROW);
    assert_eq!(rows_listed(sub), ROWS as usize);
}

#[test]
fn hidden_sheets_are_read() {
    let mut p = Pkg::of("TGI");
    p.edit("xl/workbook.xml", |x| {
        x.replace(
            "<sheet name=\"Tạo nguồn\" sheetId=\"3\"",
            "<sheet name=\"Tạo nguồn\" sheetId=\"3\" state=\"hidden\"",
        )
        .replace(
            "<sheet name=\"Địa bàn\" sheetId=\"5\"",
            "<sheet name=\"Địa bàn\" sheetId=\"5\" state=\"veryHidden\"",
        )
    });
    assert!(p.text("xl/workbook.xml").contains("veryHidden"));
    let classes = Pkg::of("TGI").number(SRC, "C4");
    let villages = Pkg::of("TGI").number(AREA, "C4");
    let sub = &run_one("TGI.xlsx", p.bytes(), &[], 0);
    assert_accepted(sub);
    assert_eq!(figure(sub, "classes").as_f64(), Some(classes));
    assert_eq!(figure(sub, "villages").as_f64(), Some(villages));
}

#[test]
fn an_extra_sheet_even_a_stale_copy_placed_first_is_ignored() {
    let mut p = Pkg::of("TGI");
    // A stale copy of a form sheet, first in the tab order, with other figures.
    let mut stale = p.text(MEM);
    for c in ["C4", "C5", "C10", "C12", "D12"] {
        stale = set_cell(&stale, c, Cell::Number(1.0));
    }
    add_sheet(&mut p, 99, "Đảng viên (cũ)", &stale, true);
    // And a sheet of notes, last.
    let notes = sheet_xml(
        "<row r=\"1\"><c r=\"A1\" t=\"inlineStr\"><is><t>Ghi chú của văn phòng</t></is></c></row>",
    );
    add_sheet(&mut p, 98, "Ghi chú", &notes, false);
    let members_end = Pkg::of("TGI").number(MEM, "C10");
    let sub = &run_one("TGI.xlsx", p.bytes(), &[], 0);
    assert_accepted(sub);
    assert_eq!(
        figure(sub, "members_end").as_f64(),
        Some(members_end),
        "read from the right sheet"
    );
    assert_eq!(sub["figures"]["members_end"]["sheet"], "Đảng viên");
}

#[test]
fn an_old_form_version_is_a_form_error() {
    let sub = &typed_into("TGI", INFO, "C4", "2025.1", &[], 1);
    assert_eq!(status(sub), "rejected");
    assert_finding(sub, "FORM", "Thông tin", Some("C4"));
    let f = findings(sub, "FORM")[0];
    assert_eq!(
        (f["found"].as_str(), f["expected"].as_str()),
        (Some("2025.1"), Some("2026.1"))
    );
    assert_eq!(sub["included_in_totals"], false);
}

#[test]
fn another_form_id_is_a_form_error() {
    let sub = &typed_into("TGI", INFO, "C3", "bao-cao-dang-vien", &[], 1);
    assert_eq!(status(sub), "rejected");
    assert_finding(sub, "FORM", "Thông tin", Some("C3"));
    assert_eq!(findings(sub, "FORM")[0]["found"], "bao-cao-dang-vien");
}

// =======================================================================================
// Several submissions.

#[test]
fn the_newer_report_of_a_unit_supersedes_the_older() {
    let old = Pkg::of("TGI");
    let date = old.number(INFO, "C12");
    let mut new = Pkg::of("TGI");
    new.cell(INFO, "C12", Cell::Number(date + 5.0))
        .cell(INFO, "C10", text("Lò Văn Sửa"));
    // The older report has the newer file time and sorts first by name: only the date of
    // report may decide.
    let w = inbox(&[("TGI-lan-2.xlsx", new.bytes())]);
    std::thread::sleep(Duration::from_millis(20));
    put(&w, "inbox/A-TGI-lan-1.xlsx", &old.bytes());
    let report = run_batch(&w, &[], 0);
    let kept = submission(&report, "TGI-lan-2.xlsx");
    assert_accepted(kept);
    assert!(kept["superseded_by"].is_null());
    let older = submission(&report, "A-TGI-lan-1.xlsx");
    assert_eq!(status(older), "duplicate", "{older:#}");
    assert_eq!(older["superseded_by"], "TGI-lan-2.xlsx");
    assert_eq!(older["included_in_totals"], false);
    let dup = findings(older, "DUP");
    assert_eq!(dup.len(), 1, "{:#}", older["findings"]);
    assert_eq!(dup[0]["severity"], "warning");
    assert_eq!(figure(kept, "preparer"), "Lò Văn Sửa");
    assert_eq!(report["summary"]["duplicate"], 1);
}

#[test]
fn two_reports_of_a_unit_with_the_same_date_are_both_returned() {
    let a = Pkg::of("TGI");
    let mut b = Pkg::of("TGI");
    b.cell(INFO, "C10", text("Người khác"));
    let report = run_inbox(
        &[("TGI.xlsx", a.bytes()), ("TGI (1).xlsx", b.bytes())],
        &[],
        1,
    );
    for file in ["TGI.xlsx", "TGI (1).xlsx"] {
        let sub = submission(&report, file);
        assert_eq!(status(sub), "rejected", "{file}");
        let dup = findings(sub, "DUP");
        assert_eq!(dup.len(), 1, "{file}: {:#}", sub["findings"]);
        assert_eq!(dup[0]["severity"], "error");
        assert_eq!(sub["included_in_totals"], false);
    }
    assert!(
        report["totals"]["members_end"].as_f64().unwrap()
            == submission(&report, "KDN.xlsx")["figures"]["members_end"]["value"]
                .as_f64()
                .unwrap()
    );
}

#[test]
fn the_same_file_sent_twice_counts_once() {
    // Byte-identical copies (mailed twice, or copied under another name) are one report:
    // one is summed, the other set aside with a warning, and nothing goes back.
    let a = Pkg::of("TGI");
    let w = inbox(&[("TGI.xlsx", a.bytes()), ("TGI (1).xlsx", a.bytes())]);
    // Equal file times too: the file name decides which is kept.
    let when = std::time::SystemTime::UNIX_EPOCH + std::time::Duration::from_secs(1_780_000_000);
    for f in ["TGI.xlsx", "TGI (1).xlsx"] {
        std::fs::File::options()
            .write(true)
            .open(w.path(&format!("inbox/{f}")))
            .unwrap()
            .set_modified(when)
            .unwrap();
    }
    let report = run_batch(&w, &[], 0);
    let kept = submission(&report, "TGI (1).xlsx");
    assert_eq!(status(kept), "accepted", "{kept:#}");
    assert_eq!(kept["included_in_totals"], true);
    assert!(findings(kept, "DUP").is_empty());
    let copy = submission(&report, "TGI.xlsx");
    assert_eq!(status(copy), "duplicate");
    assert_eq!(copy["superseded_by"], "TGI (1).xlsx");
    assert_eq!(copy["included_in_totals"], false);
    let dup = findings(copy, "DUP");
    assert_eq!(dup.len(), 1, "{:#}", copy["findings"]);
    assert_eq!(dup[0]["severity"], "warning");
    assert!(dup[0]["message"].as_str().unwrap().contains("giống hệt"));
    // Summed once.
    let end = |f: &str| {
        submission(&report, f)["figures"]["members_end"]["value"]
            .as_f64()
            .unwrap()
    };
    assert_eq!(
        report["totals"]["members_end"].as_f64().unwrap(),
        end("TGI (1).xlsx") + end(&format!("{OK_UNIT}.xlsx"))
    );
    assert!(nothing_returned(&w));
}

#[test]
fn an_unknown_code_and_name_is_an_unknown_unit() {
    let mut p = Pkg::of("TGI");
    p.cell(INFO, "C6", text("XYZ"))
        .cell(INFO, "C7", text("Huyện Không Có"));
    let w = inbox(&[("la.xlsx", p.bytes())]);
    let report = run_batch(&w, &[], 1);
    let sub = submission(&report, "la.xlsx");
    assert_eq!(status(sub), "unknown_unit");
    assert!(sub["unit"].is_null());
    assert_finding(sub, "UNIT", "Thông tin", Some("C6"));
    assert_eq!(findings(sub, "UNIT")[0]["found"], "XYZ");
    assert_eq!(sub["included_in_totals"], false);
    assert!(is_missing(&report, "TGI"));
    assert!(nothing_returned(&w));
}

#[test]
fn units_that_sent_nothing_are_listed_as_missing() {
    let report = run_inbox(&[("TGI.xlsx", sample("TGI"))], &[], 0);
    let missing: Vec<&str> = report["missing_units"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u.as_str().unwrap())
        .collect();
    let all = [
        "DBP", "MLA", "DBI", "DBD", "MAN", "TGI", "TCH", "MCH", "MNH", "NPO", "CAT", "QST", "BPT",
        "DCD", "KDN",
    ];
    let want: Vec<&str> = all
        .iter()
        .copied()
        .filter(|u| *u != "TGI" && *u != OK_UNIT)
        .collect();
    assert_eq!(missing, want);
    assert_eq!(report["summary"]["missing"], 13);
}

// =======================================================================================
// Hostile files.

#[test]
fn a_zero_byte_file_is_unreadable_file_empty() {
    let sub = &run_one("TGI.xlsx", Vec::new(), &[], 1);
    assert_eq!(status(sub), "unreadable");
    assert_file_finding(sub, "FILE_EMPTY");
    assert_eq!(rules_of(sub), vec!["FILE_EMPTY"]);
    assert_eq!(sub["size"], 0);
}

#[test]
fn a_text_file_renamed_xlsx_is_file_type() {
    let letter = "Kính gửi Ban Tổ chức Tỉnh ủy,\r\nĐơn vị xin gửi báo cáo kèm theo.\r\n"
        .as_bytes()
        .to_vec();
    let sub = &run_one("TGI.xlsx", letter, &[], 1);
    assert_eq!(status(sub), "unreadable");
    assert_file_finding(sub, "FILE_TYPE");
    assert_eq!(rules_of(sub), vec!["FILE_TYPE"]);
}

#[test]
fn a_truncated_xlsx_is_file_corrupt() {
    let full = sample("TGI");
    let sub = &run_one("TGI.xlsx", full[..full.len() / 2].to_vec(), &[], 1);
    assert_eq!(status(sub), "unreadable");
    assert_file_finding(sub, "FILE_CORRUPT");
    assert_eq!(rules_of(sub), vec!["FILE_CORRUPT"]);
}

/// A password-protected OOXML workbook as Excel stores it: an OLE compound file (CFB,
/// version 3, 512-byte sectors) holding the streams `EncryptionInfo` and
/// `EncryptedPackage`, both long enough to live in regular sectors.
fn encrypted_cfb() -> Vec<u8> {
    const END: u32 = 0xFFFF_FFFE;
    const FREE: u32 = 0xFFFF_FFFF;
    const FAT: u32 = 0xFFFF_FFFD;
    const NONE: u32 = 0xFFFF_FFFF;
    let info_sectors = 8u32; // 4096 bytes
    let pkg_sectors = 9u32; // 4608 bytes
    let mut head = vec![0u8; 512];
    head[..8].copy_from_slice(b"\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1");
    let w16 = |b: &mut Vec<u8>, at: usize, v: u16| b[at..at + 2].copy_from_slice(&v.to_le_bytes());
    let w32 = |b: &mut Vec<u8>, at: usize, v: u32| b[at..at + 4].copy_from_slice(&v.to_le_bytes());
    w16(&mut head, 24, 0x003E); // minor version
    w16(&mut head, 26, 3); // major version
    w16(&mut head, 28, 0xFFFE); // little-endian
    w16(&mut head, 30, 9); // 512-byte sectors
    w16(&mut head, 32, 6); // 64-byte mini sectors
    w32(&mut head, 44, 1); // FAT sectors
    w32(&mut head, 48, 1); // first directory sector
    w32(&mut head, 56, 4096); // mini stream cutoff
    w32(&mut head, 60, END); // no mini FAT
    w32(&mut head, 68, END); // no DIFAT sectors
    w32(&mut head, 76, 0); // the FAT is sector 0
    for i in 1..109 {
        w32(&mut head, 76 + 4 * i, FREE);
    }
    // Sector 0: the FAT. 1: directory. 2..: EncryptionInfo, then EncryptedPackage.
    let mut fat = vec![FREE; 128];
    fat[0] = FAT;
    fat[1] = END;
    let chain = |fat: &mut Vec<u32>, first: u32, n: u32| {
        for s in first..first + n {
            fat[s as usize] = if s + 1 == first + n { END } else { s + 1 };
        }
    };
    chain(&mut fat, 2, info_sectors);
    chain(&mut fat, 2 + info_sectors, pkg_sectors);
    let fat: Vec<u8> = fat.iter().flat_map(|v| v.to_le_bytes()).collect();
    let entry = |name: &str, kind: u8, left: u32, right: u32, child: u32, start: u32, size: u32| {
        let mut e = vec![0u8; 128];
        let utf16: Vec<u8> = name
            .encode_utf16()
            .chain([0])
            .flat_map(|c| c.to_le_bytes())
            .collect();
        e[..utf16.len()].copy_from_slice(&utf16);
        e[64..66].copy_from_slice(&(utf16.len() as u16).to_le_bytes());
        e[66] = kind;
        e[67] = 1; // black
        e[68..72].copy_from_slice(&left.to_le_bytes());
        e[72..76].copy_from_slice(&right.to_le_bytes());
        e[76..80].copy_from_slice(&child.to_le_bytes());
        e[116..120].copy_from_slice(&start.to_le_bytes());
        e[120..124].copy_from_slice(&size.to_le_bytes());
        e
    };
    let mut dir = Vec::new();
    dir.extend(entry("Root Entry", 5, NONE, NONE, 1, END, 0));
    dir.extend(entry(
        "EncryptionInfo",
        2,
        NONE,
        2,
        NONE,
        2,
        info_sectors * 512,
    ));
    dir.extend(entry(
        "EncryptedPackage",
        2,
        NONE,
        NONE,
        NONE,
        2 + info_sectors,
        pkg_sectors * 512,
    ));
    dir.extend(vec![0u8; 128]);
    // EncryptionInfo: version 4.4 (agile), then its XML descriptor.
    let mut info = vec![4, 0, 4, 0, 0x40, 0, 0, 0];
    info.extend_from_slice(
        b"<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\r\n<encryption xmlns=\"http://schemas.microsoft.com/office/2006/encryption\"><keyData saltSize=\"16\" blockSize=\"16\" keyBits=\"256\" hashSize=\"64\" cipherAlgorithm=\"AES\" cipherChaining=\"ChainingModeCBC\" hashAlgorithm=\"SHA512\" saltValue=\"AAAAAAAAAAAAAAAAAAAAAA==\"/></encryption>",
    );
    info.resize(info_sectors as usize * 512, 0);
    // EncryptedPackage: the plain size, then noise standing for ciphertext.
    let mut pkg = (12_000u64).to_le_bytes().to_vec();
    let mut x = 0x2545_F491_4F6C_DD1Du64;
    while pkg.len() < pkg_sectors as usize * 512 {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        pkg.push(x as u8);
    }
    let mut out = head;
    out.extend(fat);
    out.extend(dir);
    out.extend(info);
    out.extend(pkg);
    out
}

fn fixture(name: &str) -> Vec<u8> {
    let p = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name);
    std::fs::read(&p).unwrap_or_else(|e| panic!("fixture {}: {e}", p.display()))
}

#[test]
fn password_protected_workbooks_are_file_encrypted() {
    // One encrypted by Excel's method for real (committed fixture), one crafted here.
    let real = fixture("encrypted.xlsx");
    assert!(
        real.starts_with(b"\xD0\xCF\x11\xE0"),
        "the fixture is an OLE container"
    );
    let report = run_inbox(&[("TGI.xlsx", real), ("MNH.xlsx", encrypted_cfb())], &[], 1);
    for file in ["TGI.xlsx", "MNH.xlsx"] {
        let sub = submission(&report, file);
        assert_eq!(status(sub), "unreadable", "{file}");
        assert_file_finding(sub, "FILE_ENCRYPTED");
        assert_eq!(rules_of(sub), vec!["FILE_ENCRYPTED"], "{file}");
    }
}

/// The package `p` whose sheet `part` is streamed into the zip: `write` is called with
/// the part's writer, so that a sheet far larger than memory allows is never held whole.
fn with_streamed_sheet(p: &Pkg, part: &str, write: impl FnOnce(&mut dyn Write)) -> Vec<u8> {
    let mut z = ZipWriter::new(Cursor::new(Vec::new()));
    let opts = SimpleFileOptions::default()
        .compression_method(CompressionMethod::Deflated)
        .compression_level(Some(1));
    let mut write = Some(write);
    for (n, d) in &p.entries {
        z.start_file(n.as_str(), opts).unwrap();
        if n == part {
            (write.take().unwrap())(&mut z);
        } else {
            z.write_all(d).unwrap();
        }
    }
    z.finish().unwrap().into_inner()
}

/// Overwrite the uncompressed size that the zip's local and central headers declare for
/// entry `name` (a 32-bit size field, no ZIP64).
fn lie_about_size(zip: &mut [u8], name: &str, declared: u32) {
    let mut patched = 0;
    for (sig, size_at, name_len_at, name_at) in
        [(b"PK\x03\x04", 22, 26, 30), (b"PK\x01\x02", 24, 28, 46)]
    {
        let mut i = 0;
        while let Some(k) = zip[i..].windows(4).position(|w| w == sig) {
            let at = i + k;
            let len =
                u16::from_le_bytes([zip[at + name_len_at], zip[at + name_len_at + 1]]) as usize;
            if zip.get(at + name_at..at + name_at + len) == Some(name.as_bytes()) {
                zip[at + size_at..at + size_at + 4].copy_from_slice(&declared.to_le_bytes());
                patched += 1;
            }
            i = at + 4;
        }
    }
    assert_eq!(patched, 2, "headers of {name} not found");
}

#[test]
fn zip_bombs_are_refused_without_inflating_them() {
    // 1 GiB of zeros deflated into the sheet part: about 1 MiB on disk.
    let zeros = vec![0u8; 1 << 20];
    let t = Instant::now();
    let bomb = with_streamed_sheet(&Pkg::of("TGI"), ADM, |w| {
        for _ in 0..1024 {
            w.write_all(&zeros).unwrap();
        }
    });
    eprintln!("bomb: {} bytes, built in {:?}", bomb.len(), t.elapsed());
    assert!(bomb.len() < 16 << 20, "{}", bomb.len());
    // A liar: 64 MiB of blank rows after the sheet, the header claiming the original size.
    let real = Pkg::of("MNH").text(ADM);
    let (head, tail) = real.split_at(real.find("</sheetData>").unwrap());
    let mut liar = with_streamed_sheet(&Pkg::of("MNH"), ADM, |w| {
        w.write_all(head.as_bytes()).unwrap();
        let row = b"<row r=\"1048576\"><c r=\"E1048576\" s=\"3\"/></row>";
        for _ in 0..(64 << 20) / row.len() {
            w.write_all(row).unwrap();
        }
        w.write_all(tail.as_bytes()).unwrap();
    });
    lie_about_size(&mut liar, ADM, real.len() as u32);
    let w = inbox(&[("TGI.xlsx", bomb), ("MNH.xlsx", liar)]);
    let (report, _) = run_bounded(&w, 1);
    let sub = submission(&report, "TGI.xlsx");
    assert_eq!(status(sub), "unreadable");
    assert_file_finding(sub, "FILE_SIZE");
    // The liar is never accepted: its sheet stops at the declared size and fails its
    // checksum, so the file or the sheet is reported broken.
    let sub = submission(&report, "MNH.xlsx");
    assert_ne!(status(sub), "accepted", "{sub:#}");
    let rules = rules_of(sub);
    assert!(
        rules
            .iter()
            .any(|r| ["FILE_SIZE", "FILE_CORRUPT", "SHEET"].contains(&r.as_str())),
        "MNH.xlsx: {:#}",
        sub["findings"]
    );
}

/// An `.ods` package (mimetype stored first, as ODF requires) whose sheet "Thông tin"
/// holds `rows`.
fn ods_with_rows(rows: &str) -> Vec<u8> {
    let content = format!(
        r#"<?xml version="1.0" encoding="UTF-8"?><office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" office:version="1.2"><office:body><office:spreadsheet><table:table table:name="Thông tin">{rows}</table:table></office:spreadsheet></office:body></office:document-content>"#
    );
    let manifest = r#"<?xml version="1.0" encoding="UTF-8"?><manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" manifest:version="1.2"><manifest:file-entry manifest:full-path="/" manifest:media-type="application/vnd.oasis.opendocument.spreadsheet"/><manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/></manifest:manifest>"#;
    let mut z = ZipWriter::new(Cursor::new(Vec::new()));
    let stored = SimpleFileOptions::default().compression_method(CompressionMethod::Stored);
    let deflated = SimpleFileOptions::default().compression_method(CompressionMethod::Deflated);
    z.start_file("mimetype", stored).unwrap();
    z.write_all(b"application/vnd.oasis.opendocument.spreadsheet")
        .unwrap();
    z.start_file("META-INF/manifest.xml", deflated).unwrap();
    z.write_all(manifest.as_bytes()).unwrap();
    z.start_file("content.xml", deflated).unwrap();
    z.write_all(content.as_bytes()).unwrap();
    z.finish().unwrap().into_inner()
}

#[test]
fn ods_repeat_bombs_are_refused_before_they_expand() {
    // Under a kilobyte each. The reader expands repeats when it opens the file: one
    // number over 6,000 rows x 16,000 columns took 6 GB, a billion spaces written as one
    // count took 4 GB. Both runs stay under 1 GiB here, and the batch goes on.
    let grid = ods_with_rows(
        r#"<table:table-row table:number-rows-repeated="6000"><table:table-cell table:number-columns-repeated="16000" office:value-type="float" office:value="1"/></table:table-row>"#,
    );
    let spaces = ods_with_rows(
        r#"<table:table-row table:number-rows-repeated="200"><table:table-cell table:number-columns-repeated="100" office:value-type="string"><text:p><text:s text:c="100000"/></text:p></table:table-cell></table:table-row>"#,
    );
    assert!(grid.len() < 1024 && spaces.len() < 1024);
    let w = inbox(&[("TGI.ods", grid), ("MNH.ods", spaces)]);
    let (report, _) = run_bounded(&w, 1);
    for (file, says) in [("TGI.ods", "16000"), ("MNH.ods", "MB")] {
        let sub = submission(&report, file);
        assert_eq!(status(sub), "unreadable", "{sub:#}");
        assert_file_finding(sub, "FILE_SIZE");
        let message = findings(sub, "FILE_SIZE")[0]["message"].as_str().unwrap();
        assert!(message.contains(says), "{file}: {message}");
    }
}

/// Stream the admissions sheet of `unit` with `blank` rows of formatted but empty cells
/// (what formatting whole columns leaves) inserted at row `at`; the rows from `at` on
/// move down.
fn million_rows(unit: &str, at: u32, blank: u32, stray: Option<&str>) -> Vec<u8> {
    let mut p = Pkg::of(unit);
    p.edit(ADM, |x| {
        x.replace(
            "<dimension ref=\"A1:I8\"/>",
            "<dimension ref=\"A1:I1048576\"/>",
        )
    });
    let last = stray.map_or(String::new(), |s| {
        let n = 1_048_576;
        format!("<row r=\"{n}\"><c r=\"B{n}\" t=\"inlineStr\"><is><t>{s}</t></is></c></row>")
    });
    insert_rows(
        &p,
        at,
        blank,
        |out, n| {
            write!(
                out,
                "<row r=\"{n}\"><c r=\"B{n}\" s=\"3\"/><c r=\"E{n}\" s=\"3\"/></row>"
            )
            .unwrap();
        },
        &last,
    )
}

/// The package `p` with its admissions sheet streamed: `count` rows written by `row`
/// (given each row's number) inserted at row `at`, the rows from `at` on moved down past
/// them, and `last` after them all.
fn insert_rows(
    p: &Pkg,
    at: u32,
    count: u32,
    mut row: impl FnMut(&mut dyn Write, u32),
    last: &str,
) -> Vec<u8> {
    let (head, rows, tail) = split_rows(&p.text(ADM));
    with_streamed_sheet(p, ADM, |w| {
        let mut out = std::io::BufWriter::with_capacity(1 << 16, w);
        out.write_all(head.as_bytes()).unwrap();
        for (n, xml) in &rows {
            if *n < at {
                out.write_all(xml.as_bytes()).unwrap();
            }
        }
        for n in at..at + count {
            row(&mut out, n);
        }
        for (n, xml) in &rows {
            if *n >= at {
                out.write_all(renumber(xml, *n, n + count).as_bytes())
                    .unwrap();
            }
        }
        out.write_all(last.as_bytes()).unwrap();
        out.write_all(tail.as_bytes()).unwrap();
        out.flush().unwrap();
    })
}

#[test]
fn a_sheet_with_a_million_rows_is_handled_quickly_in_bounded_memory() {
    let t = Instant::now();
    // TGI: a million blank formatted rows inserted above the total row, pushing it far
    // past the rows the form searches (max_rows): the total row is missing.
    let pushed = million_rows("TGI", TOTAL_ROW, 1_000_000, None);
    // MNH: the same million rows below the total row, and a stray text at the last row
    // of the sheet: the table ended at its total row, the rest is ignored.
    let below = million_rows("MNH", TOTAL_ROW + 1, 1_000_000, Some("rác"));
    eprintln!(
        "million rows: {} and {} bytes, built in {:?}",
        pushed.len(),
        below.len(),
        t.elapsed()
    );
    for f in [&pushed, &below] {
        assert!(
            f.len() < 50 << 20,
            "keep it under the default file limit: {}",
            f.len()
        );
    }
    let w = inbox(&[("TGI.xlsx", pushed), ("MNH.xlsx", below)]);
    let (report, took) = run_bounded(&w, 1);
    assert!(took < Duration::from_secs(30), "took {took:?}");
    let sub = submission(&report, "TGI.xlsx");
    assert_eq!(status(sub), "rejected");
    assert_finding(sub, "TOTAL", "Kết nạp", None);
    assert_eq!(rows_listed(sub), ROWS as usize);
    let sub = submission(&report, "MNH.xlsx");
    assert_accepted(sub);
    assert_eq!(sub["tables"]["admissions"]["total"][0], TOTAL_ROW);
}

#[test]
fn a_million_rows_of_zeros_without_names_stay_within_bounds() {
    // A fill-down gone too far: a 0 in "admitted" on a million rows below the table, no
    // organisation names, the total row pushed to the end. A file of a few MiB must not
    // need gigabytes or minutes, nor produce outputs hundreds of times its size.
    let bytes = insert_rows(
        &Pkg::of("TGI"),
        TOTAL_ROW,
        1_000_000,
        |out, n| write!(out, "<row r=\"{n}\"><c r=\"E{n}\"><v>0</v></c></row>").unwrap(),
        "",
    );
    assert!(bytes.len() < 50 << 20, "{}", bytes.len());
    let w = inbox(&[("TGI.xlsx", bytes)]);
    let (report, took) = run_bounded(&w, 1);
    assert!(took < Duration::from_secs(30), "took {took:?}");
    let sub = submission(&report, "TGI.xlsx");
    assert_eq!(status(sub), "rejected");
    assert_finding(sub, "TOTAL", "Kết nạp", None);
    assert_finding(sub, "NAME", "Kết nạp", Some(&format!("B{TOTAL_ROW}")));
    for f in [
        "out/report.json",
        "out/tong-hop.xlsx",
        "out/tra-lai/TGI.xlsx",
    ] {
        let size = std::fs::metadata(w.path(f)).unwrap().len();
        assert!(size < 32 << 20, "{f} is {size} bytes");
    }
}

/// The admissions table of `unit` with `extra` valid rows added above the total row
/// (each introduced 1 and trained 1 candidate, admitted none), the total row's figures
/// set to the new sums. Returns the file and the total row (one-based).
fn long_table(unit: &str, extra: u32) -> (Vec<u8>, u32) {
    let mut p = Pkg::of(unit);
    // The total row's new sums, set before it moves down.
    for c in ['C', 'D'] {
        let at = format!("{c}{TOTAL_ROW}");
        let sum = p.number(ADM, &at) + extra as f64;
        p.cell(ADM, &at, Cell::Number(sum));
    }
    let bytes = insert_rows(
        &p,
        TOTAL_ROW,
        extra,
        |out, n| {
            write!(out, "<row r=\"{n}\"><c r=\"A{n}\"><v>{}</v></c><c r=\"B{n}\" t=\"inlineStr\"><is><t>Chi bộ thôn số {n}</t></is></c>", n - FIRST_ROW + 1).unwrap();
            for (c, v) in "CDEFGHI".chars().zip([1, 1, 0, 0, 0, 0, 0]) {
                write!(out, "<c r=\"{c}{n}\"><v>{v}</v></c>").unwrap();
            }
            out.write_all(b"</row>").unwrap();
        },
        "",
    );
    (bytes, TOTAL_ROW + extra)
}

#[test]
fn a_table_at_the_forms_row_limit_is_checked_in_linear_time() {
    // The form searches 100,000 rows for the total row: a valid table that long (a
    // province collecting from every village cell directly) is checked in seconds.
    let extra = 99_990;
    let (bytes, total_row) = long_table("TGI", extra);
    assert!(bytes.len() < 50 << 20, "{}", bytes.len());
    let w = inbox(&[("TGI.xlsx", bytes)]);
    let (report, _) = run_bounded(&w, 0);
    let sub = submission(&report, "TGI.xlsx");
    assert_accepted(sub);
    assert!(rules_of(sub).is_empty(), "{:#}", sub["findings"]);
    let t = &sub["tables"]["admissions"];
    // 100,000 rows are over the detail's automatic limit: counted, summed, not listed.
    assert_eq!(report["detail"], false);
    assert_eq!(t["row_count"], (ROWS + extra) as u64);
    assert!(t.get("rows").is_none());
    assert_eq!(t["total"][0], total_row);
}

#[test]
fn a_cell_at_xfd1048576_does_not_allocate_the_sheet() {
    let mut p = Pkg::of("TGI");
    for part in [INFO, ADM, SRC, MEM, AREA] {
        p.edit(part, |x| {
            let x = x.replace(
                "</sheetData>",
                "<row r=\"1048576\"><c r=\"XFD1048576\"><v>1</v></c></row></sheetData>",
            );
            let s = x.find("<dimension ref=\"").unwrap() + "<dimension ref=\"".len();
            let e = s + x[s..].find('"').unwrap();
            format!("{}A1:XFD1048576{}", &x[..s], &x[e..])
        });
    }
    let w = inbox(&[("TGI.xlsx", p.bytes())]);
    let (report, _) = run_bounded(&w, 0);
    assert_accepted(submission(&report, "TGI.xlsx"));
}

#[test]
fn a_file_fifty_folders_deep_is_read() {
    let w = inbox(&[]);
    let deep: String = (1..=50).map(|i| format!("cap-{i:02}/")).collect();
    put(&w, &format!("inbox/{deep}TGI.xlsx"), &sample("TGI"));
    let report = run_batch(&w, &[], 0);
    let sub = submission(&report, &format!("{deep}TGI.xlsx"));
    assert_accepted(sub);
    assert_eq!(sub["unit"], "TGI");
}

#[cfg(unix)]
#[test]
fn symbolic_links_out_of_the_inbox_are_not_followed() {
    let w = inbox(&[("TGI.xlsx", sample("TGI"))]);
    let outside = put(&w, "elsewhere/MNH.xlsx", &sample("MNH"));
    std::os::unix::fs::symlink(&outside, w.path("inbox/MNH.xlsx")).unwrap();
    std::os::unix::fs::symlink(w.path("elsewhere"), w.path("inbox/thu-muc-khac")).unwrap();
    let report = run_batch(&w, &[], 0);
    let files = files_of(&report, "submissions");
    assert_eq!(files, vec!["KDN.xlsx", "TGI.xlsx"]);
    let skipped = files_of(&report, "skipped");
    assert!(
        skipped.contains(&"MNH.xlsx") && skipped.contains(&"thu-muc-khac"),
        "{:#}",
        report["skipped"]
    );
    for s in report["skipped"].as_array().unwrap() {
        assert!(!s["reason"].as_str().unwrap().is_empty(), "{s}");
    }
    assert!(is_missing(&report, "MNH"));
}

#[test]
fn lock_files_and_other_files_are_skipped_and_listed() {
    let w = inbox(&[
        ("TGI.xlsx", sample("TGI")),
        ("~$TGI.xlsx", b"\x0bNguyen Van A\x00\x00".to_vec()),
        (".~lock.TGI.xlsx#", b"Nguyen Van A,may-tinh,may-tinh,28.11.2026 08:00,file:///C:/Users/a/AppData/Roaming/LibreOffice/4;".to_vec()),
        ("notes.txt", "Ghi chú: còn thiếu Mường Chà".as_bytes().to_vec()),
    ]);
    let report = run_batch(&w, &[], 0);
    assert_accepted(submission(&report, "TGI.xlsx"));
    let skipped: BTreeMap<&str, &str> = report["skipped"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| (s["file"].as_str().unwrap(), s["reason"].as_str().unwrap()))
        .collect();
    for f in ["~$TGI.xlsx", ".~lock.TGI.xlsx#", "notes.txt"] {
        assert!(
            skipped.get(f).is_some_and(|r| !r.is_empty()),
            "{f} not listed as skipped: {skipped:?}"
        );
    }
    assert_eq!(submissions(&report).len(), 2);
    assert_eq!(report["summary"]["skipped"], 3);
}

#[cfg(unix)]
#[test]
fn a_named_pipe_in_the_inbox_is_skipped_without_hanging() {
    let w = inbox(&[("TGI.xlsx", sample("TGI"))]);
    let made = std::process::Command::new("mkfifo")
        .arg(w.path("inbox/MNH.xlsx"))
        .status()
        .expect("mkfifo runs");
    assert!(made.success());
    // Nobody ever writes to the pipe: reading it would block the run for ever.
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_tonghop"))
        .args(run_args("inbox", "out", &[]))
        .current_dir(w.dir.path())
        .spawn()
        .unwrap();
    let status = wait_or_kill(
        &mut child,
        Instant::now(),
        Duration::from_secs(30),
        "tonghop still running after 30 s: it is reading the named pipe",
    );
    assert_eq!(status.code(), Some(0));
    let report = w.report("out");
    batch_went_on(&report);
    assert_accepted(submission(&report, "TGI.xlsx"));
    let skipped = files_of(&report, "skipped");
    assert_eq!(skipped, vec!["MNH.xlsx"]);
}

#[cfg(unix)]
#[test]
fn a_file_name_that_is_not_utf8_is_still_read() {
    use std::os::unix::ffi::OsStrExt;
    // "Báo cáo TGI.xlsx" with its letters in a Windows code page, as unzipped from an
    // archive made on an old machine.
    let w = inbox(&[]);
    let name = std::ffi::OsStr::from_bytes(b"B\xe1o c\xe1o TGI.xlsx");
    std::fs::write(w.path("inbox").join(name), sample("TGI")).unwrap();
    let report = run_batch(&w, &[], 0);
    let subs = submissions(&report);
    assert_eq!(subs.len(), 2);
    let sub = subs.iter().find(|s| s["file"] != "KDN.xlsx").unwrap();
    assert!(
        sub["file"].as_str().unwrap().ends_with("TGI.xlsx"),
        "{}",
        sub["file"]
    );
    assert_accepted(sub);
    assert_eq!(sub["unit"], "TGI");
    assert_eq!(
        sub["sha256"].as_str().unwrap(),
        sha256(&w.path("inbox").join(name))
    );
}

#[test]
fn an_out_folder_inside_the_inbox_is_not_read_back() {
    // A clerk runs `tonghop run inbox --out inbox/ket-qua`, twice. The outputs of the
    // first run (a consolidated workbook, a returned workbook laid out like the form)
    // must not become submissions of the second.
    let mut p = Pkg::of("TGI");
    warn(&mut p); // TGI gets a returned workbook
    let w = inbox(&[("TGI.xlsx", p.bytes())]);
    let first = w.run_report("inbox", "inbox/ket-qua", &[], 0);
    assert!(w.path("inbox/ket-qua/tra-lai/TGI.xlsx").exists());
    let report = w.run_report("inbox", "inbox/ket-qua", &[], 0);
    batch_went_on(&report);
    let files = files_of(&report, "submissions");
    assert_eq!(
        files,
        vec!["KDN.xlsx", "TGI.xlsx"],
        "the second run read its own outputs"
    );
    let sub = submission(&report, "TGI.xlsx");
    assert_accepted(sub);
    assert_no_rule(sub, "DUP");
    assert_eq!(report["submissions"], first["submissions"]);
}

#[test]
fn overlong_text_in_a_cell_does_not_stop_the_run() {
    // Excel stops at 32,767 characters a cell; a file written by another program does
    // not. TGI: an organisation name of 42,000 characters (summed, so it reaches
    // "Chi tiết", and a warning, so it gets a returned workbook). MNH: 40,000
    // characters in a count cell (a TYPE error quoting them).
    let long_name = "Chi bộ ".repeat(6000);
    let mut tgi = Pkg::of("TGI");
    warn(tgi.cell(ADM, &format!("B{FIRST_ROW}"), text(&long_name)));
    let mut mnh = Pkg::of("MNH");
    mnh.cell(SRC, "C5", text(&"x".repeat(40_000)));
    let w = inbox(&[("TGI.xlsx", tgi.bytes()), ("MNH.xlsx", mnh.bytes())]);
    let report = run_batch(&w, &[], 1);
    let sub = submission(&report, "TGI.xlsx");
    assert_accepted(sub);
    assert_finding(sub, "TEXTNUM", "Tạo nguồn", Some("C4"));
    let sub = submission(&report, "MNH.xlsx");
    assert_eq!(status(sub), "rejected");
    assert_finding(sub, "TYPE", "Tạo nguồn", Some("C5"));
    for f in [
        "out/tong-hop.xlsx",
        "out/tra-lai/TGI.xlsx",
        "out/tra-lai/MNH.xlsx",
    ] {
        assert_opens(&w, f);
    }
}

#[test]
fn non_finite_numbers_are_errors_not_silent_gaps() {
    // `<v>NaN</v>` and `<v>1e400</v>` (infinity once parsed) in count cells: a program
    // that wrote them had a bug, and the figure is unknown. It must be reported, never
    // dropped from the provincial sum while the unit counts as accepted.
    let mut p = Pkg::of("TGI");
    p.edit(SRC, |x| {
        x.replace(
            &format!("<v>{}</v>", Pkg::of("TGI").value(SRC, "C4")),
            "<v>NaN</v>",
        )
    });
    p.edit(SRC, |x| {
        let (s, e) = cell_span(&x, "C5").unwrap();
        let cell = x[s..e].to_string();
        let v = &cell[cell.find("<v>").unwrap()..cell.find("</v>").unwrap() + 4];
        x.replacen(&cell, &cell.replace(v, "<v>1e400</v>"), 1)
    });
    assert!(p.text(SRC).contains("<v>NaN</v>") && p.text(SRC).contains("<v>1e400</v>"));
    let sub = &run_one("TGI.xlsx", p.bytes(), &[], 1);
    assert_eq!(status(sub), "rejected", "{sub:#}");
    assert_eq!(sub["included_in_totals"], false);
    for cell in ["C4", "C5"] {
        let at: Vec<&Value> = sub["findings"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|f| f["sheet"] == "Tạo nguồn" && f["cell"] == cell)
            .collect();
        assert!(
            at.iter().any(
                |f| f["severity"] == "error" && (f["rule"] == "TYPE" || f["rule"] == "CELLERR")
            ),
            "no TYPE error at Tạo nguồn!{cell}: {:#}",
            sub["findings"]
        );
    }
}

// =======================================================================================
// Unsafe unit codes: nothing is written outside OUT, no file is named from a cell.

fn unsafe_code_case(code: &str, name: &str) -> (Workdir, Value) {
    let mut p = Pkg::of("TCH");
    p.cell(INFO, "C6", text(code)).cell(INFO, "C7", text(name));
    let w = inbox(&[("bao-cao.xlsx", p.bytes())]);
    let report = run_batch(&w, &[], if name.starts_with("Huyện") { 0 } else { 1 });
    // Only what tonghop writes, named by validated codes: nothing beside OUT or INBOX.
    let mut top: Vec<String> = std::fs::read_dir(w.dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    top.sort();
    assert_eq!(top, vec!["inbox", "out"]);
    assert_eq!(tree(&w.path("inbox")), vec!["KDN.xlsx", "bao-cao.xlsx"]);
    for f in tree(&w.path("out")) {
        assert!(
            ["report.json", "tong-hop.xlsx"].contains(&f.as_str())
                || (f.starts_with("tra-lai/") && f.len() == "tra-lai/XXX.xlsx".len()),
            "unexpected output {f:?}"
        );
    }
    (w, report)
}

#[test]
fn a_path_traversal_unit_code_names_no_file() {
    let (w, report) = unsafe_code_case("../../evil", "Huyện Tủa Chùa");
    let sub = submission(&report, "bao-cao.xlsx");
    assert_eq!(sub["unit"], "TCH");
    assert_finding(sub, "UNITNAME", "Thông tin", Some("C6"));
    assert_eq!(findings(sub, "UNITNAME")[0]["found"], "../../evil");
    assert_eq!(
        tree(&w.path("out")),
        vec!["report.json", "tong-hop.xlsx", "tra-lai/TCH.xlsx"]
    );
}

#[test]
fn a_reserved_device_name_as_unit_code_names_no_file() {
    let (w, report) = unsafe_code_case("CON", "Đảng bộ Không Rõ");
    let sub = submission(&report, "bao-cao.xlsx");
    assert_eq!(status(sub), "unknown_unit");
    assert_finding(sub, "UNIT", "Thông tin", Some("C6"));
    assert_eq!(tree(&w.path("out")), vec!["report.json", "tong-hop.xlsx"]);
}

#[test]
fn control_characters_in_the_unit_code_name_no_file() {
    // A tab and a line break typed in, a bell escaped the OOXML way (_x0007_), a slash.
    let (w, report) = unsafe_code_case("\tT_x0007_CH/\r\n..", "Huyện Tủa Chùa");
    let sub = submission(&report, "bao-cao.xlsx");
    assert_eq!(sub["unit"], "TCH");
    assert_finding(sub, "UNITNAME", "Thông tin", Some("C6"));
    assert_eq!(
        tree(&w.path("out")),
        vec!["report.json", "tong-hop.xlsx", "tra-lai/TCH.xlsx"]
    );
    // The outputs that quote the code still open.
    for f in ["out/tong-hop.xlsx", "out/tra-lai/TCH.xlsx"] {
        assert_opens(&w, f);
    }
}

// =======================================================================================
// Formula injection: text from a submission never becomes a formula in our outputs.

#[test]
fn text_that_looks_like_a_formula_stays_text_in_every_output() {
    let payloads = [
        "=HYPERLINK(\"http://x\",\"y\")",
        "+cmd|' /C calc'!A0",
        "-2+3+cmd|' /C calc'!A0",
        "@SUM(1+1)*cmd|' /C calc'!A0",
    ];
    let mut p = Pkg::of("TGI");
    p.cell(INFO, "C7", text(payloads[0])) // unit name
        .cell(INFO, "C10", text(payloads[3])) // preparer
        .cell(ADM, &format!("B{FIRST_ROW}"), text(payloads[0]))
        .cell(ADM, &format!("B{}", FIRST_ROW + 1), text(payloads[1]))
        .cell(ADM, &format!("B{}", FIRST_ROW + 2), text(payloads[2]))
        .cell(ADM, &format!("B{}", FIRST_ROW + 3), text(payloads[3]));
    // A warning, so that the unit is summed (its rows reach "Chi tiết") and gets a
    // returned workbook.
    warn(&mut p);
    let w = inbox(&[("TGI.xlsx", p.bytes())]);
    let report = run_batch(&w, &[], 0);
    let sub = submission(&report, "TGI.xlsx");
    assert_accepted(sub);
    assert_eq!(sub["unit"], "TGI");
    assert_eq!(figure(sub, "unit_name"), payloads[0]);
    assert!(w.path("out/tra-lai/TGI.xlsx").exists());
    for f in ["out/tong-hop.xlsx", "out/tra-lai/TGI.xlsx"] {
        let mut wb = open_workbook_auto(w.path(f)).unwrap();
        let mut seen = std::collections::BTreeSet::new();
        for name in wb.sheet_names() {
            let values = wb.worksheet_range(&name).unwrap();
            for (_, _, v) in values.used_cells() {
                if let Data::String(s) = v {
                    for p in payloads.iter().filter(|p| s == *p) {
                        seen.insert(*p);
                    }
                }
            }
            let formulas = wb.worksheet_formula(&name).unwrap();
            for (r, c, fm) in formulas.used_cells() {
                assert!(
                    !["HYPERLINK", "cmd", "SUM(1+1)", "2+3"]
                        .iter()
                        .any(|x| fm.contains(x)),
                    "{f} sheet {name} ({r},{c}) holds the formula {fm:?} from a submission"
                );
            }
        }
        // Every payload is in the output, as text.
        assert_eq!(
            seen.len(),
            payloads.len(),
            "{f}: only {seen:?} found as text"
        );
        // And no <f> in the raw sheet XML carries one.
        let mut z = zip_of(&w.path(f));
        for i in 0..z.len() {
            let mut e = z.by_index(i).unwrap();
            let mut x = String::new();
            e.read_to_string(&mut x).unwrap_or_default();
            for (s, _) in x.match_indices("<f>") {
                let fm = &x[s..s + x[s..].find("</f>").unwrap()];
                assert!(
                    !fm.contains("HYPERLINK") && !fm.contains("cmd"),
                    "{f}: {fm}"
                );
            }
        }
    }
}

// =======================================================================================
// Nothing lost, nothing changed.

/// One of everything, in one inbox: valid, messy, hostile.
fn hostile_inbox() -> Workdir {
    let mut textnum = Pkg::of("DBP");
    textnum.cell(MEM, "D12", text("1.234"));
    let mut legacy = Pkg::of("TCH");
    legacy
        .cell(INFO, "C6", text("../../TCH"))
        .cell(INFO, "C7", text("HuyÖn Tña Chïa"));
    let mut inject = Pkg::of("TGI");
    inject.cell(
        ADM,
        &format!("B{FIRST_ROW}"),
        text("=HYPERLINK(\"http://x\",\"y\")"),
    );
    let mut unknown = Pkg::of("MLA");
    unknown
        .cell(INFO, "C6", text("ZZZ"))
        .cell(INFO, "C7", text("Không rõ"));
    let mut newer = Pkg::of("MNH");
    let d = newer.number(INFO, "C12");
    newer.cell(INFO, "C12", Cell::Number(d + 1.0));
    let full = sample("DBI");
    inbox(&[
        ("DBP.xlsx", textnum.bytes()),
        ("legacy/bao cao TCH.xlsx", legacy.bytes()),
        ("TGI.xlsx", inject.bytes()),
        ("unknown.xlsx", unknown.bytes()),
        ("MNH.xlsx", sample("MNH")),
        ("MNH-sua.xlsx", newer.bytes()),
        ("CAT.xlsx", sample("CAT")),
        ("CAT copy.xlsx", {
            let mut p = Pkg::of("CAT");
            p.cell(INFO, "C10", text("Người khác"));
            p.bytes()
        }),
        ("empty.xlsx", Vec::new()),
        ("letter.xlsx", b"not a workbook".to_vec()),
        ("half.xlsx", full[..full.len() / 2].to_vec()),
        ("locked.xlsx", encrypted_cfb()),
        ("~$TGI.xlsx", b"lock".to_vec()),
        ("notes.txt", b"notes".to_vec()),
        ("a/b/c/d/e/QST.xlsx", sample("QST")),
        // Over the 1 MiB limit these runs set with --max-file-mib.
        ("huge.xlsx", {
            let mut v = sample("BPT");
            v.resize((1 << 20) + 1, 0);
            v
        }),
    ])
}

const HOSTILE_RUN: &[&str] = &["--max-file-mib", "1"];

fn hashes(dir: &Path) -> BTreeMap<String, String> {
    tree(dir)
        .into_iter()
        .map(|f| {
            let h = sha256(&dir.join(&f));
            (f, h)
        })
        .collect()
}

/// The modification time of every file under `dir`, in [`tree`] order: a run that
/// rewrote an input with the same bytes still changed it.
fn modified(dir: &Path) -> Vec<SystemTime> {
    tree(dir)
        .iter()
        .map(|f| std::fs::metadata(dir.join(f)).unwrap().modified().unwrap())
        .collect()
}

#[test]
fn inputs_are_never_modified_and_report_hashes_match_them() {
    let w = hostile_inbox();
    let before = hashes(&w.path("inbox"));
    let mtimes = modified(&w.path("inbox"));
    let report = run_batch(&w, HOSTILE_RUN, 1);
    assert_eq!(hashes(&w.path("inbox")), before, "an input changed");
    assert_eq!(mtimes, modified(&w.path("inbox")));
    let subs = submissions(&report);
    let listed: usize = subs.len() + report["skipped"].as_array().unwrap().len();
    assert_eq!(
        listed,
        before.len(),
        "every input is either a submission or skipped"
    );
    for s in subs {
        let f = s["file"].as_str().unwrap();
        assert_eq!(
            s["sha256"].as_str(),
            Some(before[f].as_str()),
            "sha256 of {f} in report.json"
        );
        assert_eq!(
            s["size"].as_u64(),
            Some(std::fs::metadata(w.path("inbox").join(f)).unwrap().len()),
            "size of {f}"
        );
    }
    // What each hostile file became, in one place.
    let st = |f: &str| {
        submission(&report, f)["status"]
            .as_str()
            .unwrap()
            .to_string()
    };
    assert_eq!(st("DBP.xlsx"), "rejected");
    assert_eq!(st("legacy/bao cao TCH.xlsx"), "accepted");
    assert_eq!(st("TGI.xlsx"), "accepted");
    assert_eq!(st("unknown.xlsx"), "unknown_unit");
    assert_eq!(st("MNH.xlsx"), "duplicate");
    assert_eq!(st("MNH-sua.xlsx"), "accepted");
    assert_eq!(
        (st("CAT.xlsx"), st("CAT copy.xlsx")),
        ("rejected".into(), "rejected".into())
    );
    for f in [
        "empty.xlsx",
        "letter.xlsx",
        "half.xlsx",
        "locked.xlsx",
        "huge.xlsx",
    ] {
        assert_eq!(st(f), "unreadable", "{f}");
    }
    assert_file_finding(submission(&report, "huge.xlsx"), "FILE_SIZE");
    assert_eq!(st("a/b/c/d/e/QST.xlsx"), "accepted");
}

#[test]
fn two_runs_give_byte_identical_outputs() {
    let w = hostile_inbox();
    w.run_expect(&run_args("inbox", "out1", HOSTILE_RUN), 1);
    w.run_expect(
        &run_args(
            "inbox",
            "out2",
            &[&["--jobs", "1"][..], HOSTILE_RUN].concat(),
        ),
        1,
    );
    let (a, b) = (hashes(&w.path("out1")), hashes(&w.path("out2")));
    assert!(
        a.contains_key("report.json") && a.contains_key("tong-hop.xlsx"),
        "{a:?}"
    );
    assert!(a.keys().any(|k| k.starts_with("tra-lai/")), "{a:?}");
    assert_eq!(a, b, "outputs differ between two runs");
}

#[test]
fn no_temporary_files_are_left_in_out() {
    let w = hostile_inbox();
    run(&w, HOSTILE_RUN, 1);
    let files = tree(&w.path("out"));
    let tmp: Vec<&String> = files
        .iter()
        .filter(|f| f.ends_with(".tmp") || f.contains("/.") || f.starts_with('.'))
        .collect();
    assert!(tmp.is_empty(), "left behind: {tmp:?}");
}

#[test]
fn a_failed_run_leaves_the_previous_outputs_intact() {
    let w = hostile_inbox();
    run(&w, HOSTILE_RUN, 1);
    let before = hashes(&w.path("out"));
    std::fs::write(w.path("broken.toml"), "[form]\nid = \"x\"\nversion = \n").unwrap();
    for bad in [
        &["--form", "broken.toml"][..],
        &["--form", "no-such-form.toml"][..],
        &["--period", "30/06/2026..01/01/2026"][..],
        &["--period", "hôm qua"][..],
    ] {
        let out = w.run(&run_args("inbox", "out", &[HOSTILE_RUN, bad].concat()));
        assert_eq!(out.status.code(), Some(2), "{bad:?}: {}", show(&out));
        assert_eq!(
            hashes(&w.path("out")),
            before,
            "{bad:?} touched the previous outputs"
        );
    }
}

/// A value of a report.json table row (`[row, label, values...]`) by its column key.
fn column<'a>(
    table: &serde_json::Value,
    row: &'a serde_json::Value,
    key: &str,
) -> &'a serde_json::Value {
    let i = table["columns"]
        .as_array()
        .unwrap()
        .iter()
        .position(|c| c == key)
        .unwrap_or_else(|| panic!("no column {key} in {}", table["columns"]));
    &row[i]
}
