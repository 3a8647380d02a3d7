//! `quyet-dinh.toml`: read entry by entry, so one bad entry is a finding naming it and
//! the others still hold; written back by `tonghop decide` keeping every entry it did
//! not change as it was.

use super::{Decision, Kind, overridable};
use crate::finding::{Builtin, Finding};
use crate::form::Form;
use crate::lang::Msg;
use std::path::Path;

/// The decisions' file name, in the inbox.
pub const FILE_NAME: &str = "quyet-dinh.toml";

/// What the file says: its usable decisions and what is wrong with the rest.
#[derive(Debug, Clone, Default)]
pub struct Book {
    /// The file's name when there is one.
    pub file: Option<String>,
    /// Entries in the file, usable or not.
    pub count: usize,
    /// The usable decisions, in the file's order.
    pub decisions: Vec<Decision>,
    /// Each unusable entry (or the whole file), as a finding for the clerk.
    pub problems: Vec<Finding>,
}

/// The top of a file `tonghop decide` writes.
const HEADER: &str = "\
# Quyết định của người tổng hợp về tệp báo cáo của đơn vị, do `tonghop decide` ghi.
# Mỗi quyết định gắn với một tệp (mã băm SHA-256): khi tệp thay đổi, quyết định hết hiệu lực.
# kind = \"accept\": nhận tệp dù có cảnh báo (codes = [...]: cả lỗi của các mã này);
# kind = \"keep\": dùng tệp này thay cho tệp mới nhất của đơn vị.
";

/// The decisions in `inbox`'s file, checked against `form`; an empty book when there is
/// no file.
pub fn load(inbox: &Path, form: &Form) -> Book {
    let path = inbox.join(FILE_NAME);
    let mut book = Book::default();
    let Ok(text) = std::fs::read(&path) else {
        if path.exists() {
            book.file = Some(FILE_NAME.into());
            book.problems.push(problem(
                format!("Không đọc được tệp {FILE_NAME}: không quyết định nào được áp dụng."),
                format!("{FILE_NAME} cannot be read: no decision is applied."),
            ));
        }
        return book;
    };
    book.file = Some(FILE_NAME.into());
    let table = match String::from_utf8(text)
        .map_err(|e| e.to_string())
        .and_then(|t| {
            t.parse::<toml::Table>()
                .map_err(|e| e.message().to_string())
        }) {
        Ok(t) => t,
        Err(why) => {
            book.problems.push(problem(
                format!("Tệp {FILE_NAME} viết sai ({why}): không quyết định nào được áp dụng; hãy sửa tệp hoặc xóa rồi ghi lại bằng tonghop decide."),
                format!("{FILE_NAME} is malformed ({why}): no decision is applied; fix it, or delete it and record again with tonghop decide."),
            ));
            return book;
        }
    };
    for key in table.keys().filter(|k| *k != "decision") {
        book.problems.push(problem(
            format!("Tệp {FILE_NAME}: khóa '{key}' không dùng được (chỉ có [[decision]]), bỏ qua."),
            format!("{FILE_NAME}: key '{key}' is not known (only [[decision]]), ignored."),
        ));
    }
    let entries = match table.get("decision") {
        None => Vec::new(),
        Some(toml::Value::Array(a)) => a.clone(),
        Some(_) => {
            book.problems.push(problem(
                format!("Tệp {FILE_NAME}: 'decision' phải là danh sách [[decision]]."),
                format!("{FILE_NAME}: 'decision' must be a list of [[decision]]."),
            ));
            Vec::new()
        }
    };
    book.count = entries.len();
    for (k, e) in entries.iter().enumerate() {
        let n = k + 1;
        match entry(n, e, form) {
            Ok(d) => {
                if let Some(earlier) = book
                    .decisions
                    .iter()
                    .find(|x| x.unit == d.unit && x.kind_name() == d.kind_name())
                {
                    let m = earlier.n;
                    book.problems.push(entry_problem(
                        n,
                        &d.unit,
                        &format!("đơn vị đã có quyết định cùng loại (số {m}); bỏ qua quyết định này"),
                        &format!("the unit already has a decision of this kind (no. {m}); this one is ignored"),
                    ));
                } else {
                    book.decisions.push(d);
                }
            }
            Err((unit, vi, en)) => book.problems.push(entry_problem(n, &unit, &vi, &en)),
        }
    }
    book
}

fn problem(vi: String, en: String) -> Finding {
    Finding::warning(Builtin::Decision, Msg::new(vi, en))
}

/// A finding about entry `n`, naming the file, the entry and its unit.
fn entry_problem(n: usize, unit: &str, vi: &str, en: &str) -> Finding {
    let of = if unit.is_empty() {
        String::new()
    } else {
        format!(" ({unit})")
    };
    problem(
        format!("Tệp {FILE_NAME}, quyết định số {n}{of}: {vi}. Quyết định này không được áp dụng."),
        format!("{FILE_NAME}, decision no. {n}{of}: {en}. This decision is not applied."),
    )
}

type EntryError = (String, String, String);

/// A hash or a prefix as the clerk copied it (spaces and line breaks from a sheet's
/// cell taken out), lower-case; `None` when it is not 12 to 64 hex digits.
pub fn clean_hash(s: &str) -> Option<String> {
    let h: String = s
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect::<String>()
        .to_ascii_lowercase();
    (h.len() >= 12 && h.len() <= 64 && h.chars().all(|c| c.is_ascii_hexdigit())).then_some(h)
}

fn entry(n: usize, v: &toml::Value, form: &Form) -> Result<Decision, EntryError> {
    let Some(t) = v.as_table() else {
        return Err((
            String::new(),
            "không phải một bảng [[decision]]".into(),
            "not a [[decision]] table".into(),
        ));
    };
    let unit = t
        .get("unit")
        .and_then(toml::Value::as_str)
        .unwrap_or("")
        .to_string();
    let fail = |vi: String, en: String| Err((unit.clone(), vi, en));
    let text = |k: &str| {
        t.get(k)
            .and_then(toml::Value::as_str)
            .map(str::trim)
            .filter(|s| !s.is_empty())
    };
    for key in t.keys() {
        if ![
            "unit",
            "sha256",
            "kind",
            "codes",
            "by",
            "at",
            "note",
            "file",
            "instead_of",
        ]
        .contains(&key.as_str())
        {
            return fail(
                format!("khóa '{key}' không dùng được"),
                format!("key '{key}' is not known"),
            );
        }
    }
    if unit.is_empty() {
        return fail(
            "thiếu mã đơn vị (unit)".into(),
            "the unit (unit) is missing".into(),
        );
    }
    if !form.units.iter().any(|u| u.code == unit) {
        return fail(
            format!("mã đơn vị '{unit}' không có trong biểu mẫu"),
            format!("unit code '{unit}' is not in the form"),
        );
    }
    let Some(sha256) = text("sha256").and_then(clean_hash) else {
        return fail(
            "thiếu mã băm SHA-256 của tệp (sha256), hoặc không phải 12 đến 64 chữ số hệ 16".into(),
            "the file's SHA-256 (sha256) is missing, or is not 12 to 64 hex digits".into(),
        );
    };
    let Some(by) = text("by") else {
        return fail(
            "thiếu người quyết định (by)".into(),
            "who decided (by) is missing".into(),
        );
    };
    let Some(at) = text("at") else {
        return fail(
            "thiếu thời điểm quyết định (at)".into(),
            "when (at) is missing".into(),
        );
    };
    if chrono::DateTime::parse_from_rfc3339(at).is_err()
        && chrono::NaiveDate::parse_from_str(at, "%Y-%m-%d").is_err()
    {
        return fail(
            format!("thời điểm '{at}' không đúng dạng (2026-07-15T09:30:00+07:00 hoặc 2026-07-15)"),
            format!("time '{at}' is not like 2026-07-15T09:30:00+07:00 or 2026-07-15"),
        );
    }
    let Some(note) = text("note") else {
        return fail(
            "thiếu lý do (note)".into(),
            "the reason (note) is missing".into(),
        );
    };
    let codes: Vec<String> = match t.get("codes") {
        None => Vec::new(),
        Some(toml::Value::Array(a)) => {
            let mut codes = Vec::new();
            for c in a {
                let Some(c) = c.as_str() else {
                    return fail(
                        "codes phải là danh sách mã lỗi".into(),
                        "codes must be a list of rule codes".into(),
                    );
                };
                codes.push(c.trim().to_string());
            }
            codes
        }
        Some(_) => {
            return fail(
                "codes phải là danh sách mã lỗi".into(),
                "codes must be a list of rule codes".into(),
            );
        }
    };
    let kind = match text("kind") {
        Some("accept") => {
            if let Some(bad) = codes.iter().find(|c| !overridable(form, c)) {
                return fail(
                    format!(
                        "lỗi mã '{bad}' không thể nhận bằng quyết định (chỉ các lỗi so khớp số liệu: tổng, cân đối, tỷ lệ, đối chiếu giữa các biểu, với kỳ trước; không bao giờ số liệu không đọc được, ô bắt buộc để trống, đơn vị hay kỳ sai)"
                    ),
                    format!(
                        "errors of code '{bad}' cannot be accepted by a decision (only checks of figures against each other or the past; never a figure that could not be read, a blank required cell, a wrong unit or period)"
                    ),
                );
            }
            if t.contains_key("instead_of") {
                return fail(
                    "instead_of chỉ dùng cho kind = \"keep\"".into(),
                    "instead_of is for kind = \"keep\" only".into(),
                );
            }
            Kind::Accept { codes }
        }
        Some("keep") => {
            if !codes.is_empty() {
                return fail(
                    "codes chỉ dùng cho kind = \"accept\"".into(),
                    "codes are for kind = \"accept\" only".into(),
                );
            }
            let instead_of = match text("instead_of") {
                None => None,
                Some(h) => match clean_hash(h) {
                    Some(h) => Some(h),
                    None => {
                        return fail(
                            "instead_of không phải mã băm (12 đến 64 chữ số hệ 16)".into(),
                            "instead_of is not a hash (12 to 64 hex digits)".into(),
                        );
                    }
                },
            };
            Kind::Keep { instead_of }
        }
        Some(other) => {
            return fail(
                format!("loại quyết định '{other}' không có (accept hoặc keep)"),
                format!("decision kind '{other}' is not known (accept or keep)"),
            );
        }
        None => {
            return fail(
                "thiếu loại quyết định (kind = \"accept\" hoặc \"keep\")".into(),
                "the kind (kind = \"accept\" or \"keep\") is missing".into(),
            );
        }
    };
    Ok(Decision {
        n,
        unit: unit.clone(),
        sha256,
        kind,
        by: by.to_string(),
        at: at.to_string(),
        note: note.to_string(),
        file: text("file").map(str::to_string),
    })
}

/// The file's entries as TOML values (empty when there is no file); `Err` with why when
/// it exists but cannot be read as TOML, so `decide` never overwrites what it cannot
/// keep.
pub fn read_entries(inbox: &Path) -> Result<Vec<toml::Value>, String> {
    let path = inbox.join(FILE_NAME);
    let text = match std::fs::read_to_string(&path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(e.to_string()),
    };
    let table: toml::Table = text
        .parse()
        .map_err(|e: toml::de::Error| e.message().to_string())?;
    match table.get("decision") {
        None => Ok(Vec::new()),
        Some(toml::Value::Array(a)) => Ok(a.clone()),
        Some(_) => Err("'decision' is not a list".into()),
    }
}

/// Write `entries` as the file, whole (a temporary file renamed over it).
pub fn write_entries(inbox: &Path, entries: Vec<toml::Value>) -> std::io::Result<()> {
    let mut table = toml::Table::new();
    table.insert("decision".into(), toml::Value::Array(entries));
    let body = toml::to_string(&table).map_err(std::io::Error::other)?;
    let mut tmp = tempfile::NamedTempFile::new_in(inbox)?;
    std::io::Write::write_all(&mut tmp, format!("{HEADER}\n{body}").as_bytes())?;
    tmp.persist(inbox.join(FILE_NAME)).map_err(|e| e.error)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn book(text: &str) -> Book {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join(FILE_NAME), text).unwrap();
        load(dir.path(), &Form::default_form().unwrap())
    }

    #[test]
    fn a_good_entry_is_read_and_a_bad_one_is_named() {
        let b = book(
            r#"
[[decision]]
unit = "CAT"
sha256 = "0123456789AB cdef"
kind = "accept"
codes = ["CARRY"]
by = "Lò Thị Hoa"
at = "2026-07-15T09:30:00+07:00"
note = "Đã xác nhận"

[[decision]]
unit = "CAT"
sha256 = "0123456789ab"
kind = "accept"
codes = ["INT"]
by = "Lò Thị Hoa"
at = "2026-07-15"
note = "x"
"#,
        );
        assert_eq!(b.count, 2);
        assert_eq!(b.decisions.len(), 1);
        assert_eq!(b.decisions[0].sha256, "0123456789abcdef");
        assert_eq!(b.decisions[0].when(), "15/07/2026 09:30");
        assert_eq!(b.problems.len(), 1);
        let m = &b.problems[0].message.vi;
        assert!(
            m.contains("quyết định số 2 (CAT)") && m.contains("'INT'"),
            "{m}"
        );
    }

    #[test]
    fn a_malformed_file_is_one_finding_and_no_decision() {
        let b = book("[[decision]\nunit = ");
        assert!(b.decisions.is_empty());
        assert_eq!(b.problems.len(), 1);
        assert!(
            b.problems[0]
                .message
                .vi
                .contains("quyet-dinh.toml viết sai")
        );
    }

    #[test]
    fn hashes_are_cleaned_and_short_ones_refused() {
        assert_eq!(
            clean_hash(" ABCDEF012345\n6789 ").as_deref(),
            Some("abcdef0123456789")
        );
        assert_eq!(clean_hash("abcdef01234"), None);
        assert_eq!(clean_hash("abcdef01234g"), None);
    }
}
