//! Fixed-row lists: rows known in advance (the lines of an official form, 54 ethnic
//! groups, 7 religions, age bands), each with the same figure columns, found in a unit's
//! sheet by their label or row code wherever they moved. A unit that reorders the
//! lines, inserts a blank row or types "Thái" in TCVN3 is still read right.

use super::resolve::{Column, FieldRef, FieldType};
use crate::cellref::parse_column;
use crate::text::fold;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashMap};
use validator::Validate;

/// A `[[lists]]` table as written.
#[derive(Debug, Serialize, Deserialize, Validate)]
#[serde(deny_unknown_fields)]
pub struct ListFile {
    pub key: String,
    pub sheet: String,
    #[validate(range(min = 1, max = 1_000_000))]
    pub header_row: u32,
    #[validate(range(min = 2, max = 1_000_000))]
    pub first_row: u32,
    #[serde(default)]
    pub code_column: Option<String>,
    pub label_column: String,
    #[validate(length(min = 1, max = 300))]
    pub label: String,
    #[serde(default)]
    pub label_en: Option<String>,
    #[serde(default)]
    pub code_label: Option<String>,
    /// Rows searched from `first_row`: inserted blank rows and moved lines stay found.
    #[serde(default)]
    #[validate(range(min = 1, max = 100_000))]
    pub max_rows: Option<u32>,
    #[validate(length(min = 1, max = 50))]
    pub columns: Vec<ListColumnFile>,
    #[validate(length(min = 1, max = 2_000))]
    pub rows: Vec<ListRowFile>,
}

/// A figure column of a list.
#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ListColumnFile {
    pub key: String,
    pub column: String,
    #[serde(rename = "type")]
    pub ty: String,
    pub label: String,
    #[serde(default)]
    pub label_en: Option<String>,
    /// Every row with figures must have this column filled (a row may say otherwise).
    #[serde(default)]
    pub required: bool,
}

/// A line of a list.
#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ListRowFile {
    pub key: String,
    /// The official row code (`A`, `B.1`, `C.5.a`).
    #[serde(default)]
    pub code: Option<String>,
    pub label: String,
    #[serde(default)]
    pub label_en: Option<String>,
    /// Other wordings the line is found by (an older form's, a common spelling).
    #[serde(default)]
    pub aliases: Vec<String>,
    /// `plain`, `bold` or `italic`, as the official form prints it.
    #[serde(default)]
    pub style: Option<String>,
    /// Indentation in the template (0 to 3).
    #[serde(default)]
    pub indent: u8,
    /// A heading line without figures.
    #[serde(default = "yes")]
    pub figures: bool,
    /// The type of this line's figures when it is not the columns' (an average age).
    #[serde(rename = "type", default)]
    pub ty: Option<String>,
    /// Whether this line's figures are required, whatever the columns say.
    #[serde(default)]
    pub required: Option<bool>,
    /// For a line that is a mean (an average age): the line it is the mean of. The
    /// province's figure is then the mean weighted by that line, not a sum.
    #[serde(default)]
    pub weight: Option<String>,
}

fn yes() -> bool {
    true
}

/// How a line is printed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum RowStyle {
    /// Normal text.
    #[default]
    Plain,
    /// A total or heading.
    Bold,
    /// An "of which" or sub-line.
    Italic,
}

/// A line of a list, resolved.
#[derive(Debug, Clone)]
pub struct ListRow {
    /// The line's key, unique in its list; a figure is named `list.row.column`.
    pub key: String,
    /// The official row code (`A`, `B.1`, `C.5.a`), found in the code column when the list has one.
    pub code: Option<String>,
    /// The Vietnamese label, as printed on the official form.
    pub label: String,
    /// The English label; the Vietnamese one when the spec gives none.
    pub label_en: String,
    /// How the official form prints the line (a total bold, an "of which" italic).
    pub style: RowStyle,
    /// Indentation in the template, 0 to 3 levels.
    pub indent: u8,
    /// False for a heading line without figures: nothing of it is read or summed.
    pub figures: bool,
    /// The type of this line's figure columns, when it overrides theirs.
    pub ty: Option<FieldType>,
    /// Overrides the columns' `required` for this line; `None` follows each column.
    pub required: Option<bool>,
    /// The line this one is the mean of, by index (see [`ListRowFile::weight`]).
    pub weight: Option<usize>,
    /// [`match_key`] of the label and every alias: what a unit's label is compared to.
    pub keys: Vec<String>,
}

/// A fixed-row list, resolved.
#[derive(Debug, Clone)]
pub struct List {
    /// The list's key, unique in the form.
    pub key: String,
    /// Index of its sheet in the form's sheets.
    pub sheet: usize,
    /// Zero-based rows of the template.
    pub header_row: u32,
    /// Zero-based row of the template where the lines start; the search for them starts there.
    pub first_row: u32,
    /// Zero-based column holding the row codes, when the form has one.
    pub code_col: Option<u16>,
    /// Zero-based column holding the line labels.
    pub label_col: u16,
    /// Heading of the label column, in Vietnamese.
    pub label: String,
    /// Heading of the label column in English; the Vietnamese one when absent.
    pub label_en: String,
    /// Heading of the code column; `Mã số` by default.
    pub code_label: String,
    /// Rows searched from `first_row` for the lines; by default three times their count, at least 100.
    pub max_rows: u32,
    /// The figure columns, the same for every line.
    pub columns: Vec<Column>,
    /// The lines, in the official form's order.
    pub rows: Vec<ListRow>,
    /// Each item's label for messages and outputs, by row then column: `(vi, en)`.
    pub item_labels: Vec<Vec<(String, String)>>,
    /// The lines' codes, upper-cased, with each line's index, sorted: a line is found by
    /// its code once for every row of every file, and a scan of a hundred lines for each
    /// made the lookup quadratic (1.6 % of a run of 50,000 small files).
    by_code: Vec<(String, usize)>,
}

impl List {
    /// The row the blank form gives line `line`: the lines one under another from
    /// `first_row`. A unit's file may have it elsewhere (found by code or label).
    pub fn form_row(&self, line: usize) -> u32 {
        self.first_row + line as u32
    }

    /// The last sheet row searched.
    pub fn last_row(&self) -> u32 {
        self.first_row.saturating_add(self.max_rows)
    }

    /// The type of the figure in row `row`, column `column`.
    pub fn item_type(&self, row: usize, column: usize) -> FieldType {
        let c = &self.columns[column];
        match (self.rows[row].ty, c.ty) {
            // A line's own type replaces the columns' counts, not their percentages.
            (Some(t), FieldType::Count) => t,
            (_, t) => t,
        }
    }

    /// Whether the figure in row `row`, column `column` must be filled.
    pub fn item_required(&self, row: usize, column: usize) -> bool {
        let r = &self.rows[row];
        r.figures && r.required.unwrap_or(self.columns[column].required)
    }

    /// The line that `code` (as typed in the code column) names.
    pub fn row_by_code(&self, code: &str) -> Option<usize> {
        let code = code.trim();
        if code.is_empty() {
            return None;
        }
        fn upper(s: &str) -> impl Iterator<Item = u8> + '_ {
            s.bytes().map(|b| b.to_ascii_uppercase())
        }
        // The first of equal codes has the lowest index: the first line of that code.
        let at = self
            .by_code
            .partition_point(|(c, _)| c.bytes().lt(upper(code)));
        self.by_code
            .get(at)
            .filter(|(c, _)| c.bytes().eq(upper(code)))
            .map(|&(_, i)| i)
    }
}

/// The comparison form of a line's label: folded (legacy encodings, Unicode form,
/// case, spaces), without the numbering a form puts before it (`1.`, `a)`, `- `, `+ `,
/// `II.`, `A -`, `B.1`), an opening "Trong đó:", and every space, hyphen and dot, so
/// `Khơ - me`, `Khơ-me` and `KHƠ ME` are one line, and `1. Kết nạp` is `Kết nạp`.
///
/// ```
/// use tonghop::spec::match_key;
/// assert_eq!(match_key("1. Kết nạp"), match_key("kết nạp"));
/// assert_eq!(match_key("Khơ - me"), match_key("KHƠ ME"));
/// assert_eq!(match_key("Trong đó: + Có kết nạp đảng viên"), match_key("Có kết nạp đảng viên"));
/// assert_ne!(match_key("B Râu"), match_key("Râu"));
/// ```
pub fn match_key(label: &str) -> String {
    let folded = fold(label);
    let mut s = folded.as_str();
    loop {
        let before = s;
        s = s.trim_start();
        if let Some(rest) = s.strip_prefix("trong đó") {
            s = rest.trim_start_matches([':', ',', ' ']);
        }
        s = s.trim_start_matches(['-', '+', '–', '•', '*', ' ']);
        s = strip_numbering(s);
        if s == before {
            break;
        }
    }
    s.chars()
        .filter(|c| {
            !matches!(
                c,
                ' ' | '-' | '–' | '.' | ',' | ';' | ':' | '(' | ')' | '…' | '"' | '\''
            )
        })
        .collect()
}

/// `s` without a leading `1.`, `12)`, `a.`, `iv.`, `a -`, `b.1 ` or `c.5.a.`: a number,
/// a letter or a roman numeral, then either dotted parts or a `.`, `)`, `-` or `:`,
/// then a space. A name such as `b râu` has none of these and stays whole.
fn strip_numbering(s: &str) -> &str {
    let head_len = s
        .char_indices()
        .find(|(_, c)| !(c.is_ascii_alphanumeric() || *c == 'đ'))
        .map_or(s.len(), |(i, _)| i);
    let head = &s[..head_len];
    let numbering = !head.is_empty()
        && (head.chars().all(|c| c.is_ascii_digit())
            || head.chars().count() == 1
            || head.chars().all(|c| matches!(c, 'i' | 'v' | 'x')));
    if !numbering {
        return s;
    }
    let mut rest = &s[head_len..];
    let mut dotted = false;
    // Dotted parts: `.1`, `.a`.
    while let Some(r) = rest.strip_prefix('.') {
        let n = r
            .char_indices()
            .find(|(_, c)| !c.is_ascii_alphanumeric())
            .map_or(r.len(), |(i, _)| i);
        if n == 0 || n > 3 {
            break;
        }
        dotted = true;
        rest = &r[n..];
    }
    let after = rest.trim_start_matches(' ');
    let ended = match after.chars().next() {
        Some('.' | ')' | ':' | '-' | '–') => {
            rest = &after[after.chars().next().map_or(0, char::len_utf8)..];
            true
        }
        _ => false,
    };
    if (ended || dotted) && rest.starts_with(' ') {
        rest.trim_start()
    } else if ended && rest.is_empty() {
        rest
    } else {
        s
    }
}

/// Resolve `[[lists]]`, adding their keys (`list.row.column`) to `keys`.
pub(super) fn resolve(
    files: &[ListFile],
    find_sheet: &dyn Fn(&str, &str, &mut Vec<String>) -> usize,
    sheet_names: &[String],
    keys: &mut BTreeMap<String, FieldRef>,
    p: &mut Vec<String>,
) -> Vec<List> {
    let mut lists = Vec::with_capacity(files.len());
    for (li, l) in files.iter().enumerate() {
        let path = format!("lists[{li}]");
        super::file::check_key(&l.key, &format!("{path}.key"), p);
        let sheet = find_sheet(&l.sheet, &format!("{path}.sheet"), p);
        if l.first_row <= l.header_row {
            p.push(format!(
                "{path}.first_row: {} must be below header_row {}",
                l.first_row, l.header_row
            ));
        }
        let col = |s: &str, field: &str, p: &mut Vec<String>| match parse_column(s) {
            Ok(c) => c,
            Err(_) => {
                p.push(format!("{path}.{field}: '{s}' is not a column like C"));
                0
            }
        };
        let label_col = col(&l.label_column, "label_column", p);
        let code_col = l.code_column.as_deref().map(|c| col(c, "code_column", p));
        let mut used: Vec<u16> = code_col.into_iter().chain([label_col]).collect();
        let mut columns = Vec::with_capacity(l.columns.len());
        for (ci, c) in l.columns.iter().enumerate() {
            let cpath = format!("{path}.columns[{ci}]");
            super::file::check_key(&c.key, &format!("{cpath}.key"), p);
            let ty = FieldType::parse(&c.ty)
                .filter(|t| t.is_numeric())
                .unwrap_or_else(|| {
                    p.push(format!(
                        "{cpath}.type: '{}' must be count, percent or decimal",
                        c.ty
                    ));
                    FieldType::Count
                });
            let column = col(&c.column, &format!("columns[{ci}].column"), p);
            if used.contains(&column) {
                p.push(format!(
                    "{cpath}.column: column {} is used twice in list '{}'",
                    c.column, l.key
                ));
            }
            used.push(column);
            if columns.iter().any(|o: &Column| o.key == c.key) {
                p.push(format!("{cpath}.key: duplicate column '{}'", c.key));
            }
            columns.push(Column {
                key: c.key.clone(),
                col: column,
                ty,
                label: c.label.clone(),
                label_en: c.label_en.clone().unwrap_or_else(|| c.label.clone()),
                required: c.required,
            });
        }
        let mut rows = Vec::with_capacity(l.rows.len());
        let mut codes: HashMap<String, usize> = HashMap::new();
        for (ri, r) in l.rows.iter().enumerate() {
            let rpath = format!("{path}.rows[{ri}]");
            super::file::check_key(&r.key, &format!("{rpath}.key"), p);
            if rows.iter().any(|o: &ListRow| o.key == r.key) {
                p.push(format!(
                    "{rpath}.key: duplicate row '{}' in list '{}'",
                    r.key, l.key
                ));
            }
            if let Some(code) = &r.code
                && let Some(j) = codes.insert(code.to_ascii_uppercase(), ri)
            {
                p.push(format!(
                    "{rpath}.code: '{code}' is also the code of rows[{j}]"
                ));
            }
            let style = match r.style.as_deref() {
                None | Some("plain") => RowStyle::Plain,
                Some("bold") => RowStyle::Bold,
                Some("italic") => RowStyle::Italic,
                Some(o) => {
                    p.push(format!(
                        "{rpath}.style: '{o}' is not one of plain, bold, italic"
                    ));
                    RowStyle::Plain
                }
            };
            let ty = r.ty.as_deref().and_then(|t| {
                let ty = FieldType::parse(t).filter(|t| t.is_numeric());
                if ty.is_none() {
                    p.push(format!(
                        "{rpath}.type: '{t}' must be count, percent or decimal"
                    ));
                }
                ty
            });
            if r.indent > 3 {
                p.push(format!("{rpath}.indent: {} must be within 0..3", r.indent));
            }
            let mut row_keys: Vec<String> = std::iter::once(&r.label)
                .chain(&r.aliases)
                .map(|s| match_key(s))
                .collect();
            row_keys.dedup();
            if row_keys.iter().any(String::is_empty) {
                p.push(format!(
                    "{rpath}.label: '{}' has no letters to match a line by",
                    r.label
                ));
            }
            rows.push(ListRow {
                key: r.key.clone(),
                code: r.code.clone(),
                label: r.label.clone(),
                label_en: r.label_en.clone().unwrap_or_else(|| r.label.clone()),
                style,
                indent: r.indent,
                figures: r.figures,
                ty,
                required: r.required,
                weight: None,
                keys: row_keys,
            });
        }
        for (ri, r) in l.rows.iter().enumerate() {
            let Some(w) = &r.weight else { continue };
            match rows.iter().position(|o| &o.key == w && o.figures) {
                Some(j) if j != ri => rows[ri].weight = Some(j),
                _ => p.push(format!(
                    "{path}.rows[{ri}].weight: no other line with figures has key '{w}'"
                )),
            }
        }
        for (ri, r) in rows.iter().enumerate() {
            let row = format!("{}.{}", l.key, r.key);
            if r.figures {
                for (ci, c) in columns.iter().enumerate() {
                    let key = format!("{row}.{}", c.key);
                    let item = FieldRef::Item {
                        list: li,
                        row: ri,
                        column: ci,
                    };
                    if keys.insert(key.clone(), item).is_some() {
                        p.push(format!("{path}: duplicate key '{key}'"));
                    }
                }
            }
        }
        let sheet_name = sheet_names.get(sheet).map_or("", String::as_str);
        let item_labels = rows
            .iter()
            .map(|r| {
                columns
                    .iter()
                    .map(|c| item_label(sheet_name, r, c))
                    .collect()
            })
            .collect();
        lists.push(List {
            key: l.key.clone(),
            sheet,
            header_row: l.header_row - 1,
            first_row: l.first_row - 1,
            code_col,
            label_col,
            label: l.label.clone(),
            label_en: l.label_en.clone().unwrap_or_else(|| l.label.clone()),
            code_label: l.code_label.clone().unwrap_or_else(|| "Mã số".into()),
            max_rows: l
                .max_rows
                .unwrap_or_else(|| (l.rows.len() as u32).saturating_mul(3).max(100)),
            columns,
            by_code: by_code(&rows),
            rows,
            item_labels,
        });
    }
    lists
}

/// [`List::by_code`] of `rows`.
fn by_code(rows: &[ListRow]) -> Vec<(String, usize)> {
    let mut codes: Vec<(String, usize)> = rows
        .iter()
        .enumerate()
        .filter_map(|(i, r)| Some((r.code.as_deref()?.to_ascii_uppercase(), i)))
        .collect();
    codes.sort();
    codes
}

/// `Biểu 1, dòng B.1 (Kết nạp), Kỳ này`: where the figure is, as a clerk finds it.
fn item_label(sheet: &str, r: &ListRow, c: &Column) -> (String, String) {
    match &r.code {
        Some(code) => (
            format!("{sheet}, dòng {code} ({}), {}", r.label, c.label),
            format!("{sheet}, row {code} ({}), {}", r.label_en, c.label_en),
        ),
        None => (
            format!("{sheet}, dòng {}, {}", r.label, c.label),
            format!("{sheet}, row {}, {}", r.label_en, c.label_en),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_line_is_found_by_its_code_as_a_scan_of_the_lines_would_find_it() {
        let form = crate::form::Form::default_form().unwrap();
        let scan = |l: &List, code: &str| {
            l.rows.iter().position(|r| {
                r.code
                    .as_deref()
                    .is_some_and(|c| c.eq_ignore_ascii_case(code.trim()))
            })
        };
        let mut found = 0;
        for l in &form.lists {
            for r in &l.rows {
                let Some(code) = r.code.as_deref() else {
                    continue;
                };
                for typed in [code.to_string(), code.to_lowercase(), format!(" {code} ")] {
                    assert_eq!(
                        l.row_by_code(&typed),
                        scan(l, &typed),
                        "{}: {typed:?}",
                        l.key
                    );
                    found += 1;
                }
            }
            for other in ["", "  ", "Z.99", "B.1.", "ß"] {
                assert_eq!(l.row_by_code(other), None, "{}: {other:?}", l.key);
            }
        }
        assert!(
            found > 100,
            "the official form's lists have coded lines: {found}"
        );
        // Two lines of one code: the first is the one found.
        let mut l = form.lists[0].clone();
        let code = l.rows[0].code.clone();
        l.rows[2].code = code.clone();
        l.by_code = by_code(&l.rows);
        assert_eq!(l.row_by_code(&code.unwrap().to_lowercase()), Some(0));
    }

    #[test]
    fn numbering_is_stripped_but_names_stay_whole() {
        for (a, b) in [
            ("1. Kết nạp", "Kết nạp"),
            ("1 - Kết nạp", "Kết nạp"),
            ("a) Tỉnh khác chuyển đến", "Tỉnh khác chuyển đến"),
            ("a. Tỉnh khác chuyển đến", "tỉnh khác chuyển đến"),
            ("A - Tổng số đảng viên", "Tổng số đảng viên"),
            (
                "II. Phân tích đảng viên mới kết nạp",
                "Phân tích đảng viên mới kết nạp",
            ),
            ("B.1 Kết nạp", "Kết nạp"),
            ("C.5.a. Chuyển đi tỉnh khác", "Chuyển đi tỉnh khác"),
            ("- Từ 18 - 30 tuổi", "Từ 18-30 tuổi"),
            (
                "+ Người lãnh đạo, quản lý doanh nghiệp",
                "Người lãnh đạo quản lý doanh nghiệp",
            ),
            ("Trong đó: - Nữ", "Nữ"),
            ("2. Tuổi đời:", "Tuổi đời"),
            ("M.Nông", "MNông"),
            ("Rơ - Măm", "Rơ Măm"),
            ("Tæng sè", "Tổng số"),
        ] {
            assert_eq!(match_key(a), match_key(b), "{a} / {b}");
        }
        for (a, b) in [
            ("B Râu", "Râu"),
            ("Ơ Đu", "Đu"),
            ("Co", "Cơ"),
            ("Giáo sư", "Phó Giáo sư"),
        ] {
            assert_ne!(match_key(a), match_key(b), "{a} / {b}");
        }
        assert_eq!(match_key("- Kinh"), "kinh");
    }
}
