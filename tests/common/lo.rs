//! LibreOffice (headless `soffice`) for the integration tests: convert a workbook to
//! another format the way a clerk's office suite would save it, recalculating every
//! formula on load, so a test can compare LibreOffice's values with ours.
//!
//! Every call starts its own `soffice` with its own throw-away user profile, so test
//! threads and test binaries running at the same time never share the profile lock.
//! The profile is seeded before the first start with `registrymodifications.xcu`
//! holding the Calc settings that make LibreOffice recalculate all formulas when it
//! loads OOXML (.xlsx) and ODF (.ods) files; its default (1, "never") keeps the results
//! cached in the file, which would hide a wrong cached value.
//!
//! One conversion takes about a second here (fresh profile included); `convert_many`
//! converts several files in one start.

use std::fs::{self, File};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// How long one `soffice` run may take before it is killed (`$TONGHOP_LO_TIMEOUT`
/// seconds overrides it); `convert_many` adds `TIMEOUT_PER_FILE` for each file.
const TIMEOUT: Duration = Duration::from_secs(120);
const TIMEOUT_PER_FILE: Duration = Duration::from_secs(10);

/// `/org.openoffice.Office.Calc/Formula/Load`, `OOXMLRecalcMode` and `ODFRecalcMode`:
/// 0 = always recalculate, 1 = never (the shipped default), 2 = ask
/// (officecfg/registry/schema/org/openoffice/Office/Calc.xcs; `ScRecalcOptions` in
/// sc/inc/calcconfig.hxx). `FirstRun` = false and `ShowTipOfTheDay` = false keep
/// first-start dialogs away; `UseOpenCL` = false keeps the interpreter on the CPU.
const PROFILE_RECALC: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<oor:items xmlns:oor="http://openoffice.org/2001/registry" xmlns:xs="http://www.w3.org/2001/XMLSchema" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
<item oor:path="/org.openoffice.Office.Calc/Formula/Load"><prop oor:name="OOXMLRecalcMode" oor:op="fuse"><value>0</value></prop></item>
<item oor:path="/org.openoffice.Office.Calc/Formula/Load"><prop oor:name="ODFRecalcMode" oor:op="fuse"><value>0</value></prop></item>
<item oor:path="/org.openoffice.Office.Common/Misc"><prop oor:name="FirstRun" oor:op="fuse"><value>false</value></prop></item>
<item oor:path="/org.openoffice.Office.Common/Misc"><prop oor:name="ShowTipOfTheDay" oor:op="fuse"><value>false</value></prop></item>
<item oor:path="/org.openoffice.Office.Common/Misc"><prop oor:name="UseOpenCL" oor:op="fuse"><value>false</value></prop></item>
</oor:items>
"#;

/// The same profile without the recalculation settings: LibreOffice's defaults, which
/// keep the formula results cached in .xlsx and .ods files.
const PROFILE_DEFAULT: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<oor:items xmlns:oor="http://openoffice.org/2001/registry" xmlns:xs="http://www.w3.org/2001/XMLSchema" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
<item oor:path="/org.openoffice.Office.Common/Misc"><prop oor:name="FirstRun" oor:op="fuse"><value>false</value></prop></item>
<item oor:path="/org.openoffice.Office.Common/Misc"><prop oor:name="ShowTipOfTheDay" oor:op="fuse"><value>false</value></prop></item>
<item oor:path="/org.openoffice.Office.Common/Misc"><prop oor:name="UseOpenCL" oor:op="fuse"><value>false</value></prop></item>
</oor:items>
"#;

/// Path of the soffice binary, or None when LibreOffice is not installed: found as
/// `tonghop bench` finds it (`$SOFFICE`, then `PATH`, then the usual install places).
pub fn soffice() -> Option<PathBuf> {
    tonghop::bench::find_libreoffice()
}

/// The message for a test that needs LibreOffice on a machine without it.
pub fn missing_message() -> String {
    "LibreOffice (`soffice`) not found on PATH (nor $SOFFICE): these tests need it. \
     Install it with the install step of .ci/run \
     (`apt-get install -y libreoffice-calc-nogui`), or point $SOFFICE at the binary."
        .to_string()
}

/// `soffice()`, or a panic saying how to install it.
pub fn soffice_or_panic() -> PathBuf {
    soffice().unwrap_or_else(|| panic!("{}", missing_message()))
}

/// Convert `input` to `format` ("xls", "ods", "xlsx", "csv", "fods", "pdf", or a full
/// `ext:Filter name[:options]`) into `out_dir`, returning the output path
/// (`out_dir/<input stem>.<ext>`). Recalculates all formulas on load.
pub fn convert(input: &Path, format: &str, out_dir: &Path) -> PathBuf {
    convert_many_with(&[input.to_path_buf()], format, out_dir, true)
        .pop()
        .expect("one output")
}

/// `convert` for several files in one `soffice` run (one start instead of one per
/// file). Outputs are in the order of `inputs`; input stems must be distinct.
pub fn convert_many(inputs: &[PathBuf], format: &str, out_dir: &Path) -> Vec<PathBuf> {
    convert_many_with(inputs, format, out_dir, true)
}

/// `convert_many`, choosing whether LibreOffice recalculates formulas on load
/// (`recalc == false` keeps LibreOffice's default: cached results of .xlsx/.ods are
/// kept as they are).
pub fn convert_many_with(
    inputs: &[PathBuf],
    format: &str,
    out_dir: &Path,
    recalc: bool,
) -> Vec<PathBuf> {
    assert!(!inputs.is_empty(), "lo::convert: no input files");
    let bin = soffice_or_panic();
    let (ext, convert_to) = target(format);

    fs::create_dir_all(out_dir)
        .unwrap_or_else(|e| panic!("lo::convert: create {}: {e}", out_dir.display()));
    let out_dir = absolute(out_dir);

    let mut inputs_abs = Vec::with_capacity(inputs.len());
    let mut outputs: Vec<PathBuf> = Vec::with_capacity(inputs.len());
    for input in inputs {
        assert!(
            input.is_file(),
            "lo::convert: input {} does not exist",
            input.display()
        );
        let input = absolute(input);
        let stem = input
            .file_stem()
            .unwrap_or_else(|| panic!("lo::convert: no file name in {}", input.display()));
        let mut name = stem.to_os_string();
        name.push(".");
        name.push(&ext);
        let output = out_dir.join(name);
        assert!(
            output != input,
            "lo::convert: converting {} to {format} into {} would overwrite the input; \
             use another out_dir",
            input.display(),
            out_dir.display()
        );
        assert!(
            !outputs.contains(&output),
            "lo::convert: two inputs would both be saved as {}; give them distinct names",
            output.display()
        );
        // A stale output from an earlier run must not pass for a fresh one.
        if output.exists() {
            fs::remove_file(&output)
                .unwrap_or_else(|e| panic!("lo::convert: remove old {}: {e}", output.display()));
        }
        inputs_abs.push(input);
        outputs.push(output);
    }

    // The profile, and the files catching soffice's output, live in a temp dir of
    // their own that is removed when this call returns.
    let work = tempfile::Builder::new()
        .prefix("tonghop-lo-")
        .tempdir()
        .expect("lo::convert: temp dir for the LibreOffice profile");
    let profile = work.path().join("profile");
    fs::create_dir_all(profile.join("user")).expect("lo::convert: create profile dir");
    fs::write(
        profile.join("user").join("registrymodifications.xcu"),
        if recalc {
            PROFILE_RECALC
        } else {
            PROFILE_DEFAULT
        },
    )
    .expect("lo::convert: write registrymodifications.xcu");
    let stdout_path = work.path().join("stdout.txt");
    let stderr_path = work.path().join("stderr.txt");

    let mut cmd = Command::new(&bin);
    cmd.arg(format!(
        "-env:UserInstallation={}",
        file_url(&absolute(&profile))
    ))
    .args([
        "--headless",
        "--invisible",
        "--nologo",
        "--nodefault",
        "--norestore",
        "--nolockcheck",
        "--convert-to",
        &convert_to,
        "--outdir",
    ])
    .arg(&out_dir)
    .args(&inputs_abs)
    .current_dir(work.path())
    .stdin(Stdio::null())
    .stdout(File::create(&stdout_path).expect("lo::convert: stdout file"))
    .stderr(File::create(&stderr_path).expect("lo::convert: stderr file"));
    #[cfg(unix)]
    {
        // Its own process group, so a timeout kills oosplash and soffice.bin together.
        use std::os::unix::process::CommandExt;
        cmd.process_group(0);
    }

    let describe = || {
        format!(
            "{} --convert-to {convert_to} --outdir {} {}",
            bin.display(),
            out_dir.display(),
            inputs_abs
                .iter()
                .map(|p| p.display().to_string())
                .collect::<Vec<_>>()
                .join(" ")
        )
    };
    let read_outputs = || {
        format!(
            "stdout:\n{}\nstderr:\n{}",
            fs::read_to_string(&stdout_path).unwrap_or_default(),
            fs::read_to_string(&stderr_path).unwrap_or_default()
        )
    };

    let timeout = std::env::var("TONGHOP_LO_TIMEOUT")
        .ok()
        .and_then(|s| s.parse().ok())
        .map(Duration::from_secs)
        .unwrap_or(TIMEOUT + TIMEOUT_PER_FILE * inputs.len() as u32);
    let started = Instant::now();
    let mut child = cmd
        .spawn()
        .unwrap_or_else(|e| panic!("lo::convert: cannot start {}: {e}", bin.display()));
    let status = loop {
        match child.try_wait() {
            Ok(Some(status)) => break status,
            Ok(None) if started.elapsed() > timeout => {
                kill_tree(&mut child);
                panic!(
                    "lo::convert: soffice did not finish within {timeout:?}, killed\n{}\n{}",
                    describe(),
                    read_outputs()
                );
            }
            Ok(None) => std::thread::sleep(Duration::from_millis(50)),
            Err(e) => {
                kill_tree(&mut child);
                panic!("lo::convert: waiting for soffice: {e}\n{}", describe());
            }
        }
    };

    let missing: Vec<_> = outputs.iter().filter(|p| !p.is_file()).collect();
    assert!(
        status.success() && missing.is_empty(),
        "lo::convert: soffice exited with {status}; outputs not produced: {missing:?}\n{}\n{}",
        describe(),
        read_outputs()
    );
    outputs
}

/// Proof that `convert` really recalculates: a workbook whose formula `=A1+A2` (2 + 3)
/// carries the deliberately wrong cached result 999 must come back as 5 from
/// LibreOffice, as .ods and as .xlsx (`convert`) and as .xls (`convert_many`, two
/// files in one run).
pub fn self_test(dir: &Path) {
    use calamine::{Data, Reader, open_workbook_auto};
    use rust_xlsxwriter::{Formula, Workbook};

    fs::create_dir_all(dir).expect("self_test: create dir");
    let write = |name: &str, a: f64, b: f64| -> PathBuf {
        let path = dir.join(name);
        let mut wb = Workbook::new();
        let ws = wb.add_worksheet();
        ws.write_number(0, 0, a).expect("write A1");
        ws.write_number(1, 0, b).expect("write A2");
        ws.write_formula(2, 0, Formula::new("=A1+A2").set_result("999"))
            .expect("write A3");
        wb.save(&path).expect("save self-test workbook");
        path
    };
    let read_a3 = |path: &Path| -> Data {
        let mut wb = open_workbook_auto(path)
            .unwrap_or_else(|e| panic!("self_test: open {}: {e}", path.display()));
        let range = wb
            .worksheet_range_at(0)
            .expect("self_test: a first sheet")
            .unwrap_or_else(|e| panic!("self_test: read {}: {e}", path.display()));
        range.get_value((2, 0)).cloned().unwrap_or(Data::Empty)
    };
    let expect = |path: &Path, want: f64| {
        let got = read_a3(path);
        assert!(
            super::as_f64(&got) == Some(want),
            "self_test: A3 (=A1+A2, cached 999) of {} is {got:?}, want {want}: \
             LibreOffice did not recalculate on load",
            path.display()
        );
    };

    let input = write("lo_self_test.xlsx", 2.0, 3.0);
    // Our own file really holds the wrong cached result, or the test proves nothing.
    assert_eq!(
        read_a3(&input),
        Data::Float(999.0),
        "self_test: the input should cache 999"
    );
    let out = dir.join("lo_out");
    expect(&convert(&input, "ods", &out), 5.0);
    expect(&convert(&input, "xlsx", &out), 5.0);

    let second = write("lo_self_test_2.xlsx", 10.0, 20.0);
    let xls = convert_many(&[input, second], "xls", &out);
    assert_eq!(xls.len(), 2);
    for p in &xls {
        assert_eq!(p.extension().and_then(|e| e.to_str()), Some("xls"));
    }
    expect(&xls[0], 5.0);
    expect(&xls[1], 30.0);
}

/// (extension of the output, `--convert-to` argument) for `format`.
fn target(format: &str) -> (String, String) {
    let filter = match format {
        "xls" => "MS Excel 97",
        "ods" => "calc8",
        "xlsx" => "Calc MS Excel 2007 XML",
        "fods" => "OpenDocument Spreadsheet Flat XML",
        // Comma, double quote, UTF-8 (76), from line 1.
        "csv" => "Text - txt - csv (StarCalc):44,34,76,1",
        "pdf" => "calc_pdf_Export",
        // Already `ext:Filter name[:options]`, or something soffice picks a filter for.
        _ => {
            let ext = format.split(':').next().unwrap_or(format);
            return (ext.to_string(), format.to_string());
        }
    };
    (format.to_string(), format!("{format}:{filter}"))
}

fn absolute(p: &Path) -> PathBuf {
    std::path::absolute(p).unwrap_or_else(|e| panic!("lo::convert: {}: {e}", p.display()))
}

/// `file:///...` URL of an absolute path, percent-encoding everything but unreserved
/// characters and `/`.
fn file_url(p: &Path) -> String {
    let s = p.to_string_lossy().replace('\\', "/");
    let mut url = String::from("file://");
    if !s.starts_with('/') {
        url.push('/');
    }
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~/:".contains(&b) {
            url.push(b as char);
        } else {
            url.push_str(&format!("%{b:02X}"));
        }
    }
    url
}

/// Kill soffice and everything it started (its process group on Unix), then reap it.
fn kill_tree(child: &mut std::process::Child) {
    #[cfg(unix)]
    {
        let _ = Command::new("kill")
            .args(["-KILL", "--", &format!("-{}", child.id())])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status();
    }
    let _ = child.kill();
    let _ = child.wait();
}

/// A Python that can `import uno` (LibreOffice's scripting bridge): `$TONGHOP_UNO_PYTHON`,
/// LibreOffice's own (`program/python`, on Windows and in the upstream packages), then
/// Debian's `/usr/bin/python3` with `python3-uno`. None when none of them has it.
pub fn uno_python() -> Option<PathBuf> {
    let mut candidates: Vec<PathBuf> = Vec::new();
    if let Some(p) = std::env::var_os("TONGHOP_UNO_PYTHON") {
        candidates.push(PathBuf::from(p));
    }
    if let Some(bin) = soffice()
        && let Ok(real) = fs::canonicalize(&bin)
        && let Some(dir) = real.parent()
    {
        candidates.push(dir.join("python"));
    }
    candidates.push(PathBuf::from("/usr/bin/python3"));
    candidates.into_iter().find(|p| {
        p.is_file()
            && Command::new(p)
                .args(["-c", "import uno"])
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .status()
                .is_ok_and(|s| s.success())
    })
}

/// What a unit does in LibreOffice when its table needs more rows: insert rows just
/// above the total row (the row of `sheet` whose column A or B reads `label`), or above
/// the 1-based row `at`, with
/// LibreOffice's own insertion (so LibreOffice, not the test, adjusts the formulas),
/// type into them the cells `columns` (`"B:I"`) of the 1-based `rows` above, clearing
/// those (the figures move: the form stays right everywhere else), recalculate and save
/// as .xlsx to `output`. Driven through UNO by `lo_insert_rows.py`. Returns the total
/// row's 1-based number before and after.
pub fn insert_rows_above_total(
    input: &Path,
    output: &Path,
    sheet: &str,
    label: &str,
    rows: &[u32],
    columns: &str,
    at: Option<u32>,
) -> (u32, u32) {
    let rows: Vec<String> = rows.iter().map(u32::to_string).collect();
    let at = at.map_or("total".to_string(), |r| r.to_string());
    let stdout = uno_script(
        ("lo_insert_rows.py", include_str!("lo_insert_rows.py")),
        &[
            absolute(input).as_os_str(),
            absolute(output).as_os_str(),
            sheet.as_ref(),
            label.as_ref(),
            rows.join(",").as_ref(),
            columns.as_ref(),
            at.as_ref(),
        ],
        output,
    );
    let n: Vec<u32> = stdout
        .split_whitespace()
        .filter_map(|w| w.parse().ok())
        .collect();
    assert_eq!(n.len(), 2, "lo::insert_rows: {stdout}");
    (n[0], n[1])
}

/// What a unit does with a form it was sent: type its figures into every unlocked cell
/// of `form`, taken from the same cells of `figures` (a workbook of the same layout),
/// leave the locked ones, recalculate and save as .xlsx to `output`, in LibreOffice
/// through UNO (`lo_fill_inputs.py`). Returns how many cells were typed and each locked
/// plain figure of `form` that differs from `figures`: (sheet, cell, form's, figures').
pub fn fill_inputs(
    form: &Path,
    figures: &Path,
    output: &Path,
) -> (u64, Vec<(String, String, String, String)>) {
    let stdout = uno_script(
        ("lo_fill_inputs.py", include_str!("lo_fill_inputs.py")),
        &[
            absolute(form).as_os_str(),
            absolute(figures).as_os_str(),
            absolute(output).as_os_str(),
        ],
        output,
    );
    let v: serde_json::Value = serde_json::from_str(stdout.trim())
        .unwrap_or_else(|e| panic!("lo::fill_inputs: {e}: {stdout}"));
    let shown = |x: &serde_json::Value| match x {
        serde_json::Value::String(s) => s.clone(),
        other => other.to_string(),
    };
    let differs = v["locked_differs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| (shown(&d[0]), shown(&d[1]), shown(&d[2]), shown(&d[3])))
        .collect();
    (v["typed"].as_u64().unwrap(), differs)
}

/// Run `script` (its file name and text, written beside `lo_uno.py`, which it imports)
/// with a Python that has LibreOffice's `uno` module, after the soffice binary and a
/// throw-away profile's URL, then `args`; killed with its soffice after [`TIMEOUT`].
/// Panics unless it succeeds and `output` exists; returns what it printed.
fn uno_script(script: (&str, &str), args: &[&std::ffi::OsStr], output: &Path) -> String {
    let bin = soffice_or_panic();
    let python = uno_python().unwrap_or_else(|| {
        panic!(
            "no Python with LibreOffice's `uno` module: install python3-uno (the \
             install step of .ci/run) or point $TONGHOP_UNO_PYTHON at one"
        )
    });
    let work = tempfile::Builder::new()
        .prefix("tonghop-uno-")
        .tempdir()
        .expect("lo::uno_script: temp dir");
    let profile = work.path().join("profile");
    fs::create_dir_all(profile.join("user")).expect("lo::uno_script: profile dir");
    fs::write(
        profile.join("user").join("registrymodifications.xcu"),
        PROFILE_RECALC,
    )
    .expect("lo::uno_script: registrymodifications.xcu");
    fs::write(work.path().join("lo_uno.py"), include_str!("lo_uno.py"))
        .expect("lo::uno_script: lo_uno.py");
    let path = work.path().join(script.0);
    fs::write(&path, script.1).expect("lo::uno_script: script");
    let mut cmd = Command::new(&python);
    cmd.arg(&path)
        .arg(&bin)
        .arg(file_url(&absolute(&profile)))
        .args(args)
        .current_dir(work.path())
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    #[cfg(unix)]
    {
        // Its own process group, so a timeout kills the script and its soffice together.
        use std::os::unix::process::CommandExt;
        cmd.process_group(0);
    }
    let mut child = cmd
        .spawn()
        .unwrap_or_else(|e| panic!("lo::uno_script: cannot start {}: {e}", python.display()));
    let started = Instant::now();
    let status = loop {
        match child.try_wait() {
            Ok(Some(st)) => break st,
            Ok(None) if started.elapsed() > TIMEOUT => {
                kill_tree(&mut child);
                panic!(
                    "lo::uno_script {}: LibreOffice did not finish within {TIMEOUT:?}, killed",
                    script.0
                );
            }
            Ok(None) => std::thread::sleep(Duration::from_millis(50)),
            Err(e) => {
                kill_tree(&mut child);
                panic!("lo::uno_script: waiting: {e}");
            }
        }
    };
    let out = child.wait_with_output().expect("lo::uno_script: output");
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        status.success() && output.is_file(),
        "lo::uno_script {}: {status}\nstdout:\n{stdout}\nstderr:\n{}",
        script.0,
        String::from_utf8_lossy(&out.stderr)
    );
    stdout
}
