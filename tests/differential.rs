//! tonghop's own xlsx reader against calamine, its oracle (issue 16): both read the same
//! workbooks, and what they extract must be the same, cell for cell.
//!
//! Two windows are compared: the form's (what every command reads) and a wide one over
//! every sheet (300 rows × 40 columns), so that cells no form looks at, in other
//! projects' test workbooks, are compared too. The corpus is every committed `.xlsx`
//! (the samples, the template, the peers' files), the hostile variants of
//! `hostile::corpus`, and seeded mutations of a sample's sheet and strings XML: for
//! those, wherever calamine reads a sheet, the reader must read it alike, and it must
//! never panic. Where the readers are meant to differ, the case is listed with the
//! reason (see `src/read/xlsx/mod.rs`).
//!
//! A sheet calamine cannot read is compared as "broken" only: the two messages differ.

use crate::hostile::edit::Pkg;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use std::path::{Path, PathBuf};

use tonghop::form::Form;
use tonghop::read::sniff::Limits;
use tonghop::read::{Want, comparable, read_cells};

#[path = "../fuzz/fuzz_targets/input.rs"]
mod fuzz_input;
use fuzz_input::{WIDE, alike_where_calamine_reads};

/// Both readers' results on one file, each in the comparable form.
fn both(bytes: &[u8], want: Want<'_>) -> (String, String) {
    let limits = Limits::default();
    let oracle = read_cells(bytes, want, &limits, true);
    let own = read_cells(bytes, want, &limits, false);
    (comparable(&oracle), comparable(&own))
}

fn committed_xlsx() -> Vec<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files = Vec::new();
    for dir in [
        "samples",
        "templates",
        "tests/peers/files",
        "tests/fixtures",
    ] {
        for e in std::fs::read_dir(root.join(dir)).unwrap() {
            let p = e.unwrap().path();
            let ext = p
                .extension()
                .map(|e| e.to_string_lossy().to_ascii_lowercase());
            if matches!(ext.as_deref(), Some("xlsx" | "xlsm")) {
                files.push(p);
            }
        }
    }
    files.sort();
    files
}

#[test]
fn every_committed_workbook_reads_alike_with_calamine() {
    let form = Form::default_form().unwrap();
    let old = Form::load(Some(Path::new(crate::common::FORM_2026_1))).unwrap();
    let files = committed_xlsx();
    assert!(files.len() >= 60, "{} files", files.len());
    let mut read = 0;
    for p in &files {
        let bytes = std::fs::read(p).unwrap();
        for want in [Want::Form(&form.layout), Want::Form(&old.layout), WIDE] {
            let (oracle, own) = both(&bytes, want);
            assert_eq!(own, oracle, "{} read through {want:?}", p.display());
            read += usize::from(oracle != "refused");
        }
    }
    assert!(read > files.len(), "only {read} readings succeeded");
}

#[test]
fn every_hostile_variant_reads_alike_with_calamine() {
    let form = Form::load(Some(Path::new(crate::common::FORM_2026_1))).unwrap();
    for (name, bytes, _) in crate::hostile::corpus::variants() {
        for want in [Want::Form(&form.layout), WIDE] {
            let (oracle, own) = both(&bytes, want);
            assert_eq!(own, oracle, "{name}");
        }
    }
}

/// Every cell start tag of a sheet rewritten by `edit` (given the tag's attributes, as
/// written, without the `<c` and the closing `>` or `/>`).
fn rewrite_cell_tags(xml: &str, edit: impl Fn(&str) -> String) -> String {
    let mut out = String::with_capacity(xml.len() * 2);
    let mut rest = xml;
    while let Some(i) = rest.find("<c ") {
        out.push_str(&rest[..i]);
        let tag = &rest[i..];
        let end = tag.find('>').unwrap();
        let (attrs, close) = match tag[..end].strip_suffix('/') {
            Some(a) => (&a[2..], "/>"),
            None => (&tag[2..end], ">"),
        };
        out.push_str("<c");
        out.push_str(&edit(attrs));
        out.push_str(close);
        rest = &tag[end + 1..];
    }
    out.push_str(rest);
    out
}

/// A cell tag's attributes as (name, value) pairs; the values hold no white space.
fn pairs(attrs: &str) -> Vec<(String, String)> {
    attrs
        .split_whitespace()
        .map(|kv| {
            let (k, v) = kv.split_once('=').unwrap();
            (k.to_string(), v.trim_matches('"').to_string())
        })
        .collect()
}

/// Attributes written back, each quoted with `q`.
fn join(pairs: &[(String, String)], q: char) -> String {
    pairs
        .iter()
        .map(|(k, v)| format!(" {k}={q}{v}{q}"))
        .collect()
}

/// TGI's submission with `part` replaced by `edit` of its text, read by both readers
/// through the form's window and the wide one: they must read it alike (`what` names the
/// edit in a failure), and calamine must read it when `readable`. Returns calamine's
/// reading through the wide window.
fn alike_after_edit(
    part: &str,
    what: &str,
    readable: bool,
    edit: impl FnOnce(&str) -> String,
) -> String {
    let form = Form::load(Some(Path::new(crate::common::FORM_2026_1))).unwrap();
    let base = Pkg::of("TGI");
    let original = Pkg::open(&base.bytes()).text(part);
    let edited = edit(&original);
    assert_ne!(edited, original, "{what}: nothing edited");
    let mut pkg = Pkg::open(&base.bytes());
    pkg.set(part, edited.into_bytes());
    let bytes = pkg.bytes();
    let mut wide = String::new();
    for want in [Want::Form(&form.layout), WIDE] {
        let (oracle, own) = both(&bytes, want);
        assert_eq!(own, oracle, "{what}");
        assert!(
            !readable || oracle != "refused",
            "{what}: calamine refused it"
        );
        wide = oracle;
    }
    wide
}

/// The reader picks a cell's `r`, `s` and `t` out of its tag itself where the tag has the
/// plain shape (`src/read/xlsx/rows.rs`), and leaves any other shape to quick-xml: every
/// shape of a sheet's cell tags reads as calamine reads it, duplicates included.
#[test]
fn cell_tags_in_every_shape_read_alike_with_calamine() {
    type Shape = (&'static str, fn(&str) -> String);
    let shapes: [Shape; 10] = [
        ("reversed", |a| {
            let mut p = pairs(a);
            p.reverse();
            join(&p, '"')
        }),
        ("single quotes", |a| join(&pairs(a), '\'')),
        ("two spaces", |a| format!(" {a}")),
        ("space before the end", |a| format!("{a} ")),
        ("r twice", |a| format!("{a} r=\"B2\"")),
        ("t twice", |a| format!("{a} t=\"s\"")),
        ("s twice", |a| format!(" s=\"0\"{a}")),
        ("prefixed r", |a| format!(" x:r=\"Z1\"{a}")),
        ("spaces around =", |a| a.replace('=', " = ")),
        ("other attributes", |a| {
            format!(" cm=\"1\"{a} x14ac:dyDescent=\"0.25\"")
        }),
    ];
    for (name, edit) in shapes {
        alike_after_edit("xl/worksheets/sheet2.xml", name, false, |xml| {
            rewrite_cell_tags(xml, edit)
        });
    }
}

/// The shared strings in every shape, in turn, so that the hand-delimited plain strings
/// and those quick-xml reads alternate in one table: each index still names its string,
/// and every text reads as calamine reads it (trimmed unless it preserves space, escapes
/// and entities decoded, rich runs joined).
#[test]
fn shared_strings_of_every_shape_in_turn_read_alike_with_calamine() {
    let mut shapes = 0;
    alike_after_edit(
        "xl/sharedStrings.xml",
        "every shape in turn",
        true,
        |original| {
            let (head, rest) = original.split_once("<si>").unwrap();
            let mut edited = head.to_string();
            for (i, si) in rest.split("<si>").enumerate() {
                let Some((t, after)) = si
                    .strip_prefix("<t>")
                    .and_then(|t| t.split_once("</t></si>"))
                else {
                    edited.push_str("<si>");
                    edited.push_str(si);
                    continue;
                };
                if i == 0 {
                    shapes = 0;
                }
                shapes += 1;
                edited.push_str(&match i % 7 {
                    0 => format!("<si><r><t>{t}</t></r><r><t>!</t></r></si>"),
                    1 => format!("<si><t> {t} </t></si>"),
                    2 => format!("<si><t xml:space=\"preserve\"> {t} </t></si>"),
                    3 => format!("<si><t>{t}_x000D_</t></si>"),
                    4 => format!("<si><t>{t}&amp;</t></si>"),
                    5 => format!("<si><t>{t}</t><rPh><t>x</t></rPh></si>"),
                    _ => format!("<si><t>{t}</t></si>"),
                });
                edited.push_str(after);
            }
            edited
        },
    );
    assert!(shapes > 14, "{shapes} plain strings in the sample");
}

/// Two cells at one position, a shared string's and another: the first is kept, so the
/// shared string must fill in only its own cell. When the first was an empty text
/// (`t="str"` with no value), the reader used to put the second cell's shared string in
/// it, since both leave an empty text until the strings are read (found by the fuzz
/// target, `read_differential`).
#[test]
fn a_shared_string_fills_in_only_its_own_cell_of_two_at_one_position() {
    for (what, before, after) in [
        ("an empty text first", r#"t="str"><v></v></c>"#, ""),
        ("a number first", r#"><v>7</v></c>"#, ""),
        (
            "an inline text first",
            r#"t="inlineStr"><is><t></t></is></c>"#,
            "",
        ),
        ("an empty text second", "", r#"t="str"><v></v></c>"#),
    ] {
        alike_after_edit("xl/worksheets/sheet1.xml", what, true, |xml| {
            let at = xml.find(r#"t="s"><v>"#).expect("a shared-string cell");
            let open = xml[..at].rfind("<c ").expect("its tag");
            let end = at + xml[at..].find("</c>").expect("its end") + 4;
            let r = &xml[open..at];
            let r = &r[r.find("r=\"").expect("its position") + 3..];
            let r = &r[..r.find('"').unwrap()];
            let twin = |v: &str| {
                if v.is_empty() {
                    String::new()
                } else {
                    let gap = if v.starts_with('>') { "" } else { " " };
                    format!(r#"<c r="{r}"{gap}{v}"#)
                }
            };
            format!(
                "{}{}{}{}{}",
                &xml[..open],
                twin(before),
                &xml[open..end],
                twin(after),
                &xml[end..]
            )
        });
    }
}

/// A cell with two values, the second a text in the shared strings: calamine keeps the
/// second, and so must the reader (it used to keep the string of the first, found by the
/// mutations above).
#[test]
fn a_cell_of_two_values_reads_its_last_as_calamine_does() {
    let from = r#"t="s"><v>5</v></c>"#;
    for to in [
        r#"t="s"><v>5</v><v>6</v></c>"#,
        r#"t="s"><v>5</v>x<v>6</v></c>"#,
        r#"t="s"><v>5</v><is><t>y</t></is></c>"#,
    ] {
        alike_after_edit("xl/worksheets/sheet1.xml", to, true, |xml| {
            xml.replacen(from, to, 1)
        });
    }
}

/// Small edits that a writer's bug, a hand edit or a hostile file make in a sheet's XML.
const TOKENS: &[&str] = &[
    "<",
    ">",
    "\"",
    "&amp;",
    "&#x41;",
    "&bogus;",
    "<v>7</v>",
    "<v></v>",
    "</c>",
    "<c r=\"A1\">",
    "<c>",
    "<c r=\"B5\" t=\"s\"><v>3</v></c>",
    "<c r=\"C7\" t=\"inlineStr\"><is><t> x </t></is></c>",
    "<c r=\"D9\" t=\"str\"><f>SUM(D4:D8)</f><v>1</v></c>",
    "<c r=\"E9\"><f t=\"shared\" si=\"0\" ref=\"E9:E12\">SUM(E4:E8)</f><v>2</v></c>",
    "<c r=\"E10\"><f t=\"shared\" si=\"0\"/><v></v></c>",
    "<c r=\"F3\" t=\"b\"><v>2</v></c>",
    "<c r=\"F4\" t=\"e\"><v>#N/A</v></c>",
    "<c r=\"G4\" t=\"d\"><v>2025-06-30</v></c>",
    "<c r=\"A400\"><v>1</v></c>",
    "<row r=\"3\">",
    "</row>",
    "<row>",
    " t=\"s\"",
    " t=\"n\"",
    " t=\"zz\"",
    " s=\"999\"",
    " r=\"ZZ9\"",
    " r=\"9A\"",
    " r='B7'",
    " x:r=\"A1\"",
    "  ",
    " =",
    "'",
    "_x000D_",
    "_xD83D_",
    "<t xml:space=\"preserve\"> a </t>",
    "<r><t>b</t></r>",
    "<rPh><t>c</t></rPh>",
    "<![CDATA[x]]>",
    "<!-- c -->",
    "1e400",
    "-0",
    "NaN",
];

fn mutate(xml: &str, rng: &mut ChaCha8Rng) -> String {
    let mut s = xml.to_string();
    for _ in 0..rng.random_range(1..=3) {
        let mut at = rng.random_range(0..s.len());
        while !s.is_char_boundary(at) {
            at -= 1;
        }
        match rng.random_range(0..4) {
            0 => {
                let mut end = (at + rng.random_range(1..24)).min(s.len());
                while !s.is_char_boundary(end) {
                    end -= 1;
                }
                s.replace_range(at..end, "");
            }
            1 => {
                let mut end = (at + rng.random_range(1..40)).min(s.len());
                while !s.is_char_boundary(end) {
                    end -= 1;
                }
                let copy = s[at..end].to_string();
                s.insert_str(at, &copy);
            }
            2 => s.insert_str(at, TOKENS[rng.random_range(0..TOKENS.len())]),
            _ => {
                // A digit changed: another row, column, index, style or figure.
                if let Some(i) = s[at..].find(|c: char| c.is_ascii_digit()) {
                    let i = at + i;
                    let d = char::from(b'0' + rng.random_range(0..10u8));
                    s.replace_range(i..i + 1, &d.to_string());
                }
            }
        }
    }
    s
}

/// Seeded mutations of a submission's figures sheet, identity sheet and shared strings.
/// Wherever calamine reads a sheet the reader reads it alike; it never panics; and enough
/// of the mutants stay readable for the comparison to mean something.
#[test]
fn mutated_workbooks_read_alike_wherever_calamine_reads_them() {
    let form = Form::load(Some(Path::new(crate::common::FORM_2026_1))).unwrap();
    let base = Pkg::of("TGI");
    let parts = [
        "xl/worksheets/sheet2.xml",
        "xl/worksheets/sheet1.xml",
        "xl/sharedStrings.xml",
    ];
    let mut rng = ChaCha8Rng::seed_from_u64(16);
    let (mut compared, mut total) = (0, 0);
    for round in 0..600 {
        let part = parts[round % parts.len()];
        let mut pkg = Pkg::open(&base.bytes());
        let original = pkg.text(part);
        let mutated = mutate(&original, &mut rng);
        pkg.set(part, mutated.clone().into_bytes());
        let bytes = pkg.bytes();
        for want in [Want::Form(&form.layout), WIDE] {
            total += 1;
            compared += alike_where_calamine_reads(&bytes, want, || {
                format!("round {round} ({part}):\n{mutated}")
            });
        }
    }
    assert!(
        compared > total,
        "only {compared} sheets compared in {total} readings"
    );
}

/// LibreOffice writes xlsx its own way (shared formulas, inline styles, no `r=` on some
/// cells, its own relationships): the shipped samples and the template saved by it read
/// alike with both readers.
#[test]
fn workbooks_saved_by_libreoffice_read_alike_with_calamine() {
    crate::common::lo::soffice_or_panic();
    let form = Form::default_form().unwrap();
    let w = crate::common::Workdir::new();
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut inputs: Vec<PathBuf> = committed_xlsx()
        .into_iter()
        .filter(|p| p.starts_with(root.join("samples")))
        .take(8)
        .collect();
    inputs.push(root.join("templates/phat-trien-dang-vien.xlsx"));
    // As .ods first and back, so that LibreOffice writes every part itself.
    let ods = crate::common::lo::convert_many(&inputs, "ods", &w.path("ods"));
    let saved = crate::common::lo::convert_many(&ods, "xlsx", &w.path("xlsx"));
    assert_eq!(saved.len(), inputs.len());
    for p in &saved {
        let bytes = std::fs::read(p).unwrap();
        for want in [Want::Form(&form.layout), WIDE] {
            let (oracle, own) = both(&bytes, want);
            assert_ne!(oracle, "refused", "{}", p.display());
            assert_eq!(own, oracle, "{} read through {want:?}", p.display());
        }
    }
}

/// Every input the fuzz target `read_differential` found the readers disagreeing on,
/// kept in `fuzz/regressions/read_differential`, built into its workbook as the target
/// builds it: they agree now, through both windows.
#[test]
fn the_fuzz_targets_disagreements_read_alike_now() {
    let form = Form::default_form().unwrap();
    let base = fuzz_input::Base::new();
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz/regressions/read_differential");
    let mut inputs: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    inputs.sort();
    assert!(!inputs.is_empty(), "no inputs in {}", dir.display());
    let mut compared = 0;
    for input in &inputs {
        let bytes = base.workbook(&std::fs::read(input).unwrap()).unwrap();
        for want in [Want::Form(&form.layout), WIDE] {
            compared += alike_where_calamine_reads(&bytes, want, || input.display().to_string());
        }
    }
    assert!(
        compared > 0,
        "calamine read none of {} inputs",
        inputs.len()
    );
}

/// The styles part broken as calamine still reads it: an `<xf>`, a font or a border side
/// whose end was lost runs on to the next end tag of its name. Every cell's `s` after that
/// point is an index into what was counted, so the reader must count the `<xf>`s as
/// calamine does (it matched end tags by depth, and refused the workbook or counted
/// others; found by the fuzz target).
#[test]
fn a_styles_part_broken_as_calamine_reads_it_counts_the_same_formats() {
    type Edit = (&'static str, fn(&str) -> String);
    let edits: [Edit; 4] = [
        ("an empty xf lost its slash", |xml| {
            let xfs = xml.find("<cellXfs").unwrap();
            let at = xfs + xml[xfs..].find("<xf ").unwrap();
            let end = at + xml[at..].find("/>").unwrap();
            format!("{}{}", &xml[..end], &xml[end + 1..])
        }),
        ("an xf lost its end tag", |xml| xml.replacen("</xf>", "", 1)),
        ("a font lost its end tag", |xml| {
            xml.replacen("</font>", "", 1)
        }),
        ("a border side lost its end tag", |xml| {
            let at = xml.find("<borders").unwrap();
            let side = at
                + xml[at..]
                    .find("</left>")
                    .expect("a left side with a colour");
            format!("{}{}", &xml[..side], &xml[side + "</left>".len()..])
        }),
    ];
    let unedited = both(&Pkg::of("TGI").bytes(), WIDE).0;
    for (i, (what, edit)) in edits.into_iter().enumerate() {
        let read = alike_after_edit("xl/styles.xml", what, true, edit);
        // The two broken `<xf>`s shift the formats after them: calamine reads other
        // cells then, or the test would not tell a reader that counted them wrong.
        assert_eq!(read != unedited, i < 2, "{what}: calamine's reading moved");
    }
}
