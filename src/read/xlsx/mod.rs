//! tonghop's own reader for `.xlsx` and `.xlsm`: the form's sheets streamed once, only
//! the cells in the form's window built, shared strings resolved for those cells alone.
//!
//! Why not calamine, which reads `.xls` and `.ods` here and stays this reader's oracle:
//! opening an xlsx with calamine builds every shared string and a full style for every
//! cell format before the first cell is read, and its cell reader stops at a sheet's
//! closing tag, so the checksum of a damaged part was only verified by inflating the
//! sheets a second time. A form needs a few hundred cells of a few sheets. Here each
//! part the figures come from is inflated once, to its end (which is where the zip reader
//! compares its checksum), and nothing is allocated from a count the file declares.
//!
//! Where calamine and this reader can meet the same XML, they read it alike: the leaf
//! parsers (attributes, cell references, numbers, date formats, escapes) are calamine's
//! own, exported by the vendored copy (`vendor/calamine/TONGHOP-PATCH.md`), and the
//! differential tests (`tests/differential.rs`) compare the two on every workbook of the
//! test corpus. Where they differ on purpose, this reader does what LibreOffice does:
//! - parts are found through the package's relationships, targets resolved with `../`
//!   (calamine looks for `sharedStrings.xml` and `styles.xml` by fixed names, and joins a
//!   target to the workbook's folder without resolving it);
//! - a `<sheet>` whose relationship is missing or is not a worksheet, chart sheet or
//!   dialog sheet (an Excel 4 macro sheet) is left out, and a sheet `state` other than
//!   hidden or very hidden (in any case) is visible; parts in UTF-16 are decoded. calamine
//!   refuses such workbooks; tonghop repaired them for it before (`sniff/repair.rs`);
//! - the styles part is read for number formats only: a font or fill calamine cannot parse
//!   does not make the workbook unreadable;
//! - the shared strings are parsed only as far as the last index a cell read uses (the
//!   rest is inflated, so a damaged part is still named): XML broken after that point
//!   does not make the workbook unreadable either.

mod rows;
mod sheet;
mod strings;
mod styles;
mod xml;

use std::collections::HashMap;
use std::io::Cursor;

use calamine::tonghop::{RawAttributes, decode_attr, local_name_matches};
use calamine::{SheetType, SheetVisible};
use quick_xml::events::Event;
use zip::ZipArchive;

use super::cells::{Cells, Window, window_cells};
use super::sniff::{Format, SniffError};
use super::{ReadError, SheetError, Want, WorkbookCells, read_sheets};
use crate::cellref::Pos;
use sheet::{Context, Sheet};
use xml::{Fault, Part, attrs, eof, invalid, read_part};

/// Reads the cells `form` needs from an xlsx package the sniffer accepted.
pub(super) fn read(bytes: &[u8], want: Want<'_>) -> Result<WorkbookCells, ReadError> {
    let mut archive = ZipArchive::new(Cursor::new(bytes)).map_err(|e| open_error(e.to_string()))?;
    let package = Package::index(&archive);
    let workbook = package
        .workbook(&mut archive)
        .map_err(|(part, f)| fault(&part, f))?;
    let ctx = Context {
        formats: match &workbook.styles {
            Some(p) => match package.find(p) {
                Some(i) => {
                    read_part(&mut archive, i, styles::cell_formats).map_err(|f| fault(p, f))?
                }
                None => Vec::new(),
            },
            None => Vec::new(),
        },
        is_1904: workbook.is_1904,
    };

    // The sheets first, noting the shared strings their wanted cells use.
    let mut damaged: Option<ReadError> = None;
    let read_count = match want {
        Want::Form(form) => form.sheets.len(),
        Want::Every { .. } => workbook.sheets.len(),
    };
    let mut pending: Vec<Option<StringRefs>> = vec![None; read_count];
    let mut wb = read_sheets(
        Format::Xlsx,
        want,
        &workbook.sheets,
        |index, name, win| -> Result<Cells, String> {
            let path = workbook
                .paths
                .iter()
                .find(|(n, _)| n == name)
                .map(|(_, p)| p.as_str())
                .unwrap_or_default();
            let Some(i) = package.find(path) else {
                return Err(format!("Worksheet '{name}' not found"));
            };
            let read = read_sheet(&mut archive, i, &ctx, win);
            match read {
                Ok((cells, strings, max)) => {
                    pending[index] = Some((strings, max));
                    Ok(cells)
                }
                Err(Fault::Damaged(e)) => {
                    damaged.get_or_insert(fault(path, Fault::Damaged(e)));
                    Err(String::new())
                }
                Err(Fault::Invalid(m)) => Err(m),
            }
        },
    );
    if let Some(e) = damaged {
        return Err(e);
    }

    // Then the strings part, once, for the indices wanted.
    let mut wanted: Vec<usize> = pending
        .iter()
        .flatten()
        .flat_map(|(s, _)| s.iter().map(|&(_, i)| i))
        .collect();
    wanted.sort_unstable();
    wanted.dedup();
    let reach = pending.iter().flatten().filter_map(|(_, max)| *max).max();
    let (strings, count) = match workbook
        .strings
        .as_deref()
        .and_then(|p| package.find(p).map(|i| (p, i)))
    {
        Some((p, i)) => read_part(&mut archive, i, |part| {
            strings::shared_strings(part, &wanted, reach)
        })
        .map_err(|f| fault(p, f))?,
        None => (vec![None; wanted.len()], 0),
    };
    let mut strings = Strings::new(strings, &wanted, &mut pending);
    for (sheet, pending) in wb.sheets.iter_mut().zip(pending) {
        let (Ok(cells), Some((refs, max))) = (&mut *sheet, pending) else {
            continue;
        };
        if max.is_some_and(|m| m >= count) {
            *sheet = Err(SheetError::Broken(
                "Cell string index not found in shared strings table".into(),
            ));
            continue;
        }
        resolve(&mut cells.cells, refs, &mut strings);
    }
    Ok(wb)
}

/// The wanted shared strings, each given to the last cell that uses it and copied for
/// the others: most are used once (a list line's label), and copying every one cost a
/// string allocation per text cell.
struct Strings {
    /// By position in `wanted`.
    texts: Vec<Option<String>>,
    /// How many of the sheets' references to each are still to be resolved.
    left: Vec<u32>,
}

impl Strings {
    /// Counts the references each string has, once each sheet's are sorted and every
    /// position kept once (as [`resolve`] takes them), and turns each reference's index
    /// into its string's place in `wanted`: searched once per reference here rather than
    /// again for every use (on 20,000 named rows, the searches were a twentieth of a
    /// check).
    fn new(
        texts: Vec<Option<String>>,
        wanted: &[usize],
        pending: &mut [Option<StringRefs>],
    ) -> Self {
        let mut left = vec![0u32; wanted.len()];
        for (refs, _) in pending.iter_mut().flatten() {
            refs.sort_by_key(|&(p, _)| p);
            refs.dedup_by_key(|&mut (p, _)| p);
            for (_, index) in refs.iter_mut() {
                // `wanted` holds every reference's index; `usize::MAX` (none) is only a
                // guard.
                *index = match wanted.binary_search(index) {
                    Ok(k) => {
                        left[k] += 1;
                        k
                    }
                    Err(_) => usize::MAX,
                };
            }
        }
        Strings { texts, left }
    }

    /// The text of the string at place `k` for one reference to it (every reference is
    /// passed here once, used or not, so the last one can take the text).
    fn take(&mut self, k: usize, used: bool) -> Option<String> {
        let left = self.left.get_mut(k)?;
        *left = left.saturating_sub(1);
        if !used {
            return None;
        }
        if *left == 0 {
            self.texts[k].take()
        } else {
            self.texts[k].clone()
        }
    }
}

/// The wanted cells of a sheet that hold a shared string, with its index; and the highest
/// index any cell of the sheet read used.
type StringRefs = (Vec<(Pos, usize)>, Option<usize>);

/// One sheet's cells through the form's window, and the shared strings it points at.
type SheetRead = (Cells, Vec<(Pos, usize)>, Option<usize>);

/// A relationships part: each relationship's id, and its target and type.
type Relationships = HashMap<String, (String, String)>;

fn read_sheet(
    archive: &mut ZipArchive<Cursor<&[u8]>>,
    index: usize,
    ctx: &Context,
    win: &Window,
) -> Result<SheetRead, Fault> {
    let (cells, mut refs, max) = read_part(archive, index, |part| {
        let mut sheet = Sheet::open(part, ctx, win)?;
        let cells = window_cells(std::iter::from_fn(|| sheet.next_cell().transpose()), win)?;
        Ok((cells, sheet.st.strings, sheet.st.max_string))
    })?;
    // Of two cells at one position the first is kept; when it is not the one holding
    // the shared string, the string must not fill it in (its placeholder is an empty
    // text, like a typed empty text's). Only a damaged file has such cells: the sheet is
    // read again to learn which positions kept a shared-string cell.
    if cells.duplicates && !refs.is_empty() {
        let shared = read_part(archive, index, |part| {
            let mut sheet = Sheet::open(part, ctx, win)?;
            let marked = window_cells(
                std::iter::from_fn(|| sheet.next_cell().transpose())
                    .map(|c| c.map(sheet::mark_shared)),
                win,
            )?;
            Ok(marked
                .cells
                .into_iter()
                .filter(|(_, v)| matches!(v, super::RawValue::Bool(true)))
                .map(|(p, _)| p)
                .collect::<Vec<Pos>>())
        })?;
        refs.retain(|(p, _)| shared.binary_search(p).is_ok());
    }
    Ok((cells, refs, max))
}

/// The texts of the wanted shared-string cells put in place of their placeholders. A
/// position read twice keeps its first cell, as `window_cells` does; `refs` are sorted,
/// each position is in it once, and each holds its string's place ([`Strings::new`]).
/// `cells` are sorted too, so both are walked once, side by side.
fn resolve(cells: &mut [(Pos, super::RawValue)], refs: Vec<(Pos, usize)>, strings: &mut Strings) {
    let mut at = 0;
    for (pos, k) in refs {
        while cells.get(at).is_some_and(|(p, _)| *p < pos) {
            at += 1;
        }
        let slot = match cells.get_mut(at) {
            Some((p, super::RawValue::Text(t))) if *p == pos && t.is_empty() => Some(t),
            _ => None,
        };
        let used = slot.is_some();
        if let (Some(t), Some(s)) = (slot, strings.take(k, used)) {
            *t = super::capped(s);
        }
    }
}

/// The package's parts by name, folded as calamine folds them (`\` as `/`, ASCII case).
struct Package {
    names: HashMap<String, usize>,
}

/// What the workbook part says.
struct Workbook {
    /// The sheets in order, as calamine lists them.
    sheets: Vec<calamine::Sheet>,
    /// Each sheet's name and part.
    paths: Vec<(String, String)>,
    styles: Option<String>,
    strings: Option<String>,
    is_1904: bool,
}

impl Package {
    fn index(archive: &ZipArchive<Cursor<&[u8]>>) -> Package {
        let names = (0..archive.len())
            .filter_map(|i| {
                let name = archive.name_for_index(i)?.ok()?;
                Some((fold(&name), i))
            })
            .collect();
        Package { names }
    }

    fn find(&self, path: &str) -> Option<usize> {
        self.names.get(&fold(path)).copied()
    }

    /// The relationships of a part, by id: (target resolved against `base`, type).
    fn relationships(
        &self,
        archive: &mut ZipArchive<Cursor<&[u8]>>,
        path: &str,
        base: &str,
    ) -> Result<Option<Relationships>, Fault> {
        let Some(i) = self.find(path) else {
            return Ok(None);
        };
        read_part(archive, i, |part| read_relationships(part, base)).map(Some)
    }

    /// The workbook part, found through `_rels/.rels`, with its sheets and the parts it
    /// relates to. An error names the part it comes from.
    fn workbook(
        &self,
        archive: &mut ZipArchive<Cursor<&[u8]>>,
    ) -> Result<Workbook, (String, Fault)> {
        fn at(p: &str) -> impl Fn(Fault) -> (String, Fault) + '_ {
            move |f| (p.to_string(), f)
        }
        let package = self
            .relationships(archive, "_rels/.rels", "")
            .map_err(at("_rels/.rels"))?
            .ok_or_else(|| {
                (
                    "_rels/.rels".to_string(),
                    invalid("File not found '_rels/.rels'"),
                )
            })?;
        let path = package
            .values()
            .find(|(_, kind)| kind.ends_with("/relationships/officeDocument"))
            .map(|(t, _)| t.clone())
            .ok_or_else(|| ("_rels/.rels".to_string(), invalid("Relationship not found")))?;
        let (dir, name) = path.rsplit_once('/').unwrap_or(("", path.as_str()));
        let rels_path = if dir.is_empty() {
            format!("_rels/{name}.rels")
        } else {
            format!("{dir}/_rels/{name}.rels")
        };
        let rels = self
            .relationships(archive, &rels_path, dir)
            .map_err(at(&rels_path))?
            .ok_or_else(|| {
                (
                    rels_path.clone(),
                    invalid(format!("File not found '{rels_path}'")),
                )
            })?;
        let of_kind = |suffix: &str, fallback: &str| {
            rels.values()
                .find(|(_, kind)| kind.rsplit('/').next() == Some(suffix))
                .map(|(t, _)| t.clone())
                .or_else(|| {
                    let p = join(dir, fallback);
                    self.find(&p).map(|_| p)
                })
        };
        let mut wb = Workbook {
            sheets: Vec::new(),
            paths: Vec::new(),
            styles: of_kind("styles", "styles.xml"),
            strings: of_kind("sharedStrings", "sharedStrings.xml"),
            is_1904: false,
        };
        // No workbook part: no sheets, as calamine reads it (every sheet is then missing).
        let Some(i) = self.find(&path) else {
            return Ok(wb);
        };
        read_part(archive, i, |part| read_workbook(part, &rels, &mut wb)).map_err(at(&path))?;
        Ok(wb)
    }
}

/// A relationships part: each relationship by id, as (target resolved against `base`,
/// type).
fn read_relationships(part: &mut Part<'_>, base: &str) -> Result<Relationships, Fault> {
    let mut buf = Vec::new();
    let mut rels = HashMap::new();
    loop {
        match part.next(&mut buf)? {
            Event::Start(e) if e.local_name().as_ref() == "Relationship" => {
                let [id, kind, target] = attrs(&e, ["Id", "Type", "Target"])?;
                if let Some(id) = id {
                    let target = target.map(|t| decode_attr(t).unwrap_or_else(|_| t.to_string()));
                    rels.insert(
                        id.to_string(),
                        (
                            resolve_target(base, &target.unwrap_or_default()),
                            kind.unwrap_or_default().to_string(),
                        ),
                    );
                }
            }
            Event::End(e) if e.local_name().as_ref() == "Relationships" => break,
            Event::Eof => return Err(eof("Relationships")),
            _ => {}
        }
    }
    Ok(rels)
}

fn read_workbook(
    part: &mut Part<'_>,
    rels: &Relationships,
    wb: &mut Workbook,
) -> Result<(), Fault> {
    let mut buf = Vec::new();
    loop {
        match part.next(&mut buf)? {
            Event::Start(e) if e.local_name().as_ref() == "sheet" => {
                let mut name = String::new();
                let mut rel_id = "";
                let mut visible = SheetVisible::Visible;
                for attr in e.iter_raw_attrs() {
                    let (key, val) = attr?;
                    match key {
                        "name" => name = decode_attr(val)?,
                        "state" if val.eq_ignore_ascii_case("hidden") => {
                            visible = SheetVisible::Hidden;
                        }
                        "state" if val.eq_ignore_ascii_case("veryHidden") => {
                            visible = SheetVisible::VeryHidden;
                        }
                        "state" => visible = SheetVisible::Visible,
                        key if local_name_matches(key, "id") => rel_id = val,
                        _ => {}
                    }
                }
                // A sheet without its relationship, or of a kind no form lives on (an
                // Excel 4 macro sheet), is left out, as LibreOffice leaves it.
                let Some((target, kind)) = rels.get(rel_id) else {
                    continue;
                };
                let typ = match kind.rsplit('/').next() {
                    Some("worksheet") => SheetType::WorkSheet,
                    Some("chartsheet") => SheetType::ChartSheet,
                    Some("dialogsheet") => SheetType::DialogSheet,
                    _ => continue,
                };
                wb.sheets.push(calamine::Sheet {
                    name: name.clone(),
                    typ,
                    visible,
                });
                wb.paths.push((name, target.clone()));
            }
            Event::Start(e) if e.local_name().as_ref() == "workbookPr" => {
                if let Some(v) = e.raw_attr("date1904")? {
                    wb.is_1904 = v == "1" || v == "true";
                }
            }
            Event::End(e) if e.local_name().as_ref() == "workbook" => return Ok(()),
            Event::Eof => return Err(eof("workbook")),
            _ => {}
        }
    }
}

/// A relationship's target as a part name: absolute (`/xl/...`), or relative to the
/// folder of the part that holds the relationship, with `.` and `..` resolved.
fn resolve_target(base: &str, target: &str) -> String {
    let target = target.replace('\\', "/");
    let joined = match target.strip_prefix('/') {
        Some(abs) => abs.to_string(),
        None => join(base, &target),
    };
    let mut parts: Vec<&str> = Vec::new();
    for seg in joined.split('/') {
        match seg {
            "" | "." => {}
            ".." => {
                parts.pop();
            }
            s => parts.push(s),
        }
    }
    parts.join("/")
}

fn join(dir: &str, name: &str) -> String {
    if dir.is_empty() {
        name.to_string()
    } else {
        format!("{dir}/{name}")
    }
}

fn fold(name: &str) -> String {
    name.replace('\\', "/").to_ascii_lowercase()
}

fn open_error(detail: String) -> ReadError {
    ReadError::Open {
        format: Format::Xlsx,
        detail,
    }
}

/// A fault in `part` as the whole file's error: a damaged part by name, anything else as
/// a workbook that cannot be opened.
fn fault(part: &str, f: Fault) -> ReadError {
    match f {
        Fault::Damaged(e) => ReadError::Sniff(SniffError::DamagedPart {
            part: part.to_string(),
            detail: e.to_string(),
        }),
        Fault::Invalid(m) => open_error(format!("{part}: {m}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn targets_resolve_as_part_names() {
        assert_eq!(
            resolve_target("xl", "worksheets/sheet1.xml"),
            "xl/worksheets/sheet1.xml"
        );
        assert_eq!(resolve_target("xl", "/xl/styles.xml"), "xl/styles.xml");
        assert_eq!(
            resolve_target("xl", "../customXml/item1.xml"),
            "customXml/item1.xml"
        );
        assert_eq!(resolve_target("", "xl/workbook.xml"), "xl/workbook.xml");
        assert_eq!(resolve_target("xl", "./sheets\\s1.xml"), "xl/sheets/s1.xml");
    }
}
