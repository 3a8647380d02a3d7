//! `tonghop decide ...`: record, list and remove the clerk's decisions in the inbox's
//! quyet-dinh.toml, so nobody edits it by hand. A decision is checked when written: the
//! file it names must be one of the unit's files in the inbox now.

use super::{FormArg, stdout};
use crate::decision::{self, FILE_NAME, clean_hash, read_entries, write_entries};
use crate::detail::{Detail, Tracker};
use crate::form::Form;
use crate::lang::Lang;
use crate::pipeline::{self, Options};
use anyhow::{Result, anyhow, bail};
use std::io::Write;
use std::path::{Path, PathBuf};

#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(subcommand)]
    command: Sub,
}

#[derive(Debug, clap::Subcommand)]
enum Sub {
    /// Accept a unit's file despite its warnings (and, with --code, despite errors of those codes).
    Accept(AcceptArgs),
    /// Keep a unit's file instead of its newest one.
    Keep(KeepArgs),
    /// List the decisions of an inbox and whether each still holds.
    List(ListArgs),
    /// Remove a decision by its number.
    Remove(RemoveArgs),
}

#[derive(Debug, clap::Args)]
struct Which {
    /// The inbox folder (quyet-dinh.toml is kept in it).
    inbox: PathBuf,
    /// The unit's code.
    #[arg(long)]
    unit: String,
    /// The file (in the inbox, or a path).
    #[arg(long, value_name = "FILE", required_unless_present = "sha")]
    file: Option<PathBuf>,
    /// The file's SHA-256, or its first 12 or more hex digits.
    #[arg(long, value_name = "HEX", conflicts_with = "file")]
    sha: Option<String>,
    /// Why (written with the decision).
    #[arg(long)]
    note: String,
    /// Who decides; default: the computer's user name.
    #[arg(long)]
    by: Option<String>,
    #[command(flatten)]
    form: FormArg,
}

#[derive(Debug, clap::Args)]
struct AcceptArgs {
    #[command(flatten)]
    which: Which,
    /// An error code accepted too (repeat for several); only codes of rules comparing figures.
    #[arg(long = "code", value_name = "CODE")]
    codes: Vec<String>,
}

#[derive(Debug, clap::Args)]
struct KeepArgs {
    #[command(flatten)]
    which: Which,
}

#[derive(Debug, clap::Args)]
struct ListArgs {
    /// The inbox folder.
    inbox: PathBuf,
    #[command(flatten)]
    form: FormArg,
}

#[derive(Debug, clap::Args)]
struct RemoveArgs {
    /// The inbox folder.
    inbox: PathBuf,
    /// The decision's number, as `decide list` shows it.
    number: usize,
}

pub fn run(a: Args, lang: Lang) -> Result<u8> {
    match a.command {
        Sub::Accept(a) => record(a.which, "accept", a.codes, lang),
        Sub::Keep(a) => record(a.which, "keep", Vec::new(), lang),
        Sub::List(a) => list(&a.inbox, &a.form.load()?, lang),
        Sub::Remove(a) => remove(&a.inbox, a.number, lang),
    }
}

fn sha_of(path: &Path, lang: Lang) -> Result<String> {
    let bytes = std::fs::read(path)
        .map_err(|e| anyhow!("'{}': {}", path.display(), crate::lang::io_text(&e, lang)))?;
    Ok(crate::text::hex(&sha2::Digest::finalize(
        <sha2::Sha256 as sha2::Digest>::new_with_prefix(&bytes),
    )))
}

/// (file, hash) of each of a unit's files, and the hash of the one a run would keep.
type UnitFiles = (Vec<(String, String)>, Option<String>);

/// The unit's files in the inbox as a run weighs them: (file, hash) of each, and the
/// hash of the one a run would keep without a decision.
fn unit_files(inbox: &Path, form: &Form, u: usize) -> Result<UnitFiles> {
    let (inputs, _) = crate::inbox::list_inputs(inbox)?;
    let subs = pipeline::process_all(
        form,
        &inputs,
        &Options::default(),
        &Tracker::new(Detail::Never),
    );
    let c = crate::consolidate::consolidate(form, subs, false, None);
    let files = c
        .submissions
        .iter()
        .filter(|s| s.unit == Some(u) && s.report.is_some())
        .map(|s| (s.file.clone(), s.sha256.clone()))
        .collect();
    Ok((files, c.kept[u].map(|i| c.submissions[i].sha256.clone())))
}

fn record(w: Which, kind: &str, codes: Vec<String>, lang: Lang) -> Result<u8> {
    let form = w.form.load()?;
    let Some(u) = form.units.iter().position(|x| x.code == w.unit) else {
        bail!(
            "{}",
            lang.pick(
                &format!("mã đơn vị '{}' không có trong biểu mẫu", w.unit),
                &format!("unit code '{}' is not in the form", w.unit)
            )
        );
    };
    for c in &codes {
        if !decision::overridable(&form, c) {
            bail!(
                "{}",
                lang.pick(
                    &format!("lỗi mã '{c}' không thể nhận bằng quyết định: chỉ các lỗi so khớp số liệu (tổng, cân đối, tỷ lệ, đối chiếu, với kỳ trước)"),
                    &format!("errors of code '{c}' cannot be accepted by a decision: only checks of figures against each other or the past")
                )
            );
        }
    }
    let wanted = match (&w.file, &w.sha) {
        (Some(f), _) => {
            let path = if f.is_file() {
                f.clone()
            } else {
                w.inbox.join(f)
            };
            sha_of(&path, lang)?
        }
        (None, Some(h)) => clean_hash(h).ok_or_else(|| {
            anyhow!(
                "{}",
                lang.pick(
                    "--sha phải là 12 đến 64 chữ số hệ 16",
                    "--sha must be 12 to 64 hex digits"
                )
            )
        })?,
        (None, None) => unreachable!("clap requires one"),
    };
    let (files, newest) = unit_files(&w.inbox, &form, u)?;
    let matching: Vec<&(String, String)> = files
        .iter()
        .filter(|(_, h)| h.starts_with(&wanted))
        .collect();
    let Some((file, sha)) = matching.first().map(|(f, h)| (f.clone(), h.clone())) else {
        bail!(
            "{}",
            lang.pick(
                &format!(
                    "trong thư mục bài nộp không có tệp nào của đơn vị {} có mã băm {wanted}",
                    w.unit
                ),
                &format!("no file of unit {} in the inbox has hash {wanted}", w.unit)
            )
        );
    };
    if matching.iter().any(|(_, h)| *h != sha) {
        bail!(
            "{}",
            lang.pick(
                "mã băm quá ngắn: trùng với nhiều tệp, hãy ghi thêm chữ số",
                "the hash is too short: it matches several files, give more digits"
            )
        );
    }
    let entries = read_entries(&w.inbox).map_err(|why| {
        anyhow!(
            "{}",
            lang.pick(
                &format!("tệp {FILE_NAME} viết sai ({why}): hãy sửa hoặc xóa tệp trước"),
                &format!("{FILE_NAME} is malformed ({why}): fix or delete it first")
            )
        )
    })?;
    // A new decision of a kind replaces the unit's earlier one of that kind.
    let mut entries: Vec<toml::Value> = entries
        .into_iter()
        .filter(|e| {
            !(e.get("unit").and_then(toml::Value::as_str) == Some(w.unit.as_str())
                && e.get("kind").and_then(toml::Value::as_str) == Some(kind))
        })
        .collect();
    let by =
        w.by.or_else(|| std::env::var("USERNAME").ok())
            .or_else(|| std::env::var("USER").ok())
            .unwrap_or_else(|| "?".into());
    let mut t = toml::Table::new();
    t.insert("unit".into(), w.unit.clone().into());
    t.insert("kind".into(), kind.into());
    t.insert("sha256".into(), sha.clone().into());
    t.insert("file".into(), file.clone().into());
    if !codes.is_empty() {
        t.insert(
            "codes".into(),
            toml::Value::Array(codes.into_iter().map(Into::into).collect()),
        );
    }
    if kind == "keep"
        && let Some(n) = newest.filter(|n| *n != sha)
    {
        t.insert("instead_of".into(), n.into());
    }
    t.insert("by".into(), by.into());
    t.insert("at".into(), crate::archive::now().into());
    t.insert("note".into(), w.note.into());
    entries.push(toml::Value::Table(t));
    let n = entries.len();
    write_entries(&w.inbox, entries)?;
    writeln!(
        stdout(),
        "{}",
        lang.pick(
            &format!(
                "Đã ghi quyết định số {n} vào {}: đơn vị {}, tệp {file}",
                w.inbox.join(FILE_NAME).display(),
                w.unit
            ),
            &format!(
                "Decision {n} written to {}: unit {}, file {file}",
                w.inbox.join(FILE_NAME).display(),
                w.unit
            )
        )
    )?;
    Ok(0)
}

fn list(inbox: &Path, form: &Form, lang: Lang) -> Result<u8> {
    let book = decision::load(inbox, form);
    let mut out = stdout();
    if book.file.is_none() {
        writeln!(
            out,
            "{}",
            lang.pick("Chưa có quyết định nào.", "No decision yet.")
        )?;
        return Ok(0);
    }
    let (inputs, _) = crate::inbox::list_inputs(inbox)?;
    let hashes: Vec<String> = inputs
        .iter()
        .filter_map(|(p, _)| sha_of(p, lang).ok())
        .collect();
    for d in &book.decisions {
        let present = hashes.iter().any(|h| d.names(h));
        writeln!(
            out,
            "{}. {} — {}: {} ({} {}) — {}",
            d.n,
            d.unit,
            d.what().get(lang),
            &d.sha256[..12.min(d.sha256.len())],
            d.by,
            d.when(),
            d.note
        )?;
        writeln!(
            out,
            "   {}",
            if present {
                lang.pick("tệp còn trong thư mục bài nộp", "the file is in the inbox")
            } else {
                lang.pick(
                    "HẾT HIỆU LỰC: không còn tệp có mã băm này trong thư mục bài nộp",
                    "EXPIRED: no file with this hash is in the inbox",
                )
            }
        )?;
    }
    for p in &book.problems {
        writeln!(out, "! {}", p.message.get(lang))?;
    }
    Ok(u8::from(!book.problems.is_empty()))
}

fn remove(inbox: &Path, number: usize, lang: Lang) -> Result<u8> {
    let mut entries = read_entries(inbox).map_err(|why| anyhow!("{FILE_NAME}: {why}"))?;
    if number == 0 || number > entries.len() {
        bail!(
            "{}",
            lang.pick(
                &format!("không có quyết định số {number} (có {})", entries.len()),
                &format!(
                    "there is no decision {number} (there are {})",
                    entries.len()
                )
            )
        );
    }
    entries.remove(number - 1);
    write_entries(inbox, entries)?;
    writeln!(
        stdout(),
        "{}",
        lang.pick(
            &format!("Đã xóa quyết định số {number}."),
            &format!("Decision {number} removed.")
        )
    )?;
    Ok(0)
}
