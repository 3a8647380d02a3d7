//! Realistic submissions generated from the form, reproducible from a seed, some with
//! faults injected at known cells (listed in `faults.json`) so tests and benchmarks can
//! check that each one is found where it was put.

use crate::cellref::Pos;
use crate::form::Form;
use crate::period::Period;
use crate::spec::{FieldRef, FieldType};
use crate::write::form::{FormData, Marks, Out, write_form};
use crate::write::{WriteError, atomic_write, new_workbook, save};
use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde::Serialize;

mod legacy;
mod official;
use std::path::{Path, PathBuf};

/// What `tonghop samples` generates; the same options and seed give the same files.
#[derive(Debug, Clone)]
pub struct SampleOptions {
    /// Units to generate, from those the form expects for the period; beyond them,
    /// synthetic units are added to a copy of the form written beside the samples
    /// (`form.toml`).
    pub units: usize,
    /// Table rows per unit; `None` draws 10..=60 per unit.
    pub rows: Option<usize>,
    /// Seed of the generator; each unit draws from its own stream derived from it.
    pub seed: u64,
    /// Faults per faulty unit.
    pub faults: usize,
    /// How many units get faults (default: one in five).
    pub faulty_units: Option<usize>,
    /// The reporting period written into each sample and used to pick the expected units.
    pub period: Period,
    /// What earlier periods reported (from an archive), so consecutive sample periods
    /// continue one another; `None`: every unit drawn afresh.
    pub past: Option<SamplePast>,
    /// Every table figure written as a formula with its cached result (`=3+0`, showing
    /// 3), as a unit's hand-built sheet may have them: a reader must take the cached
    /// results, and `.ods`/`.xls` files saved from these carry one formula per figure.
    pub formulas: bool,
}

/// Earlier periods' figures for samples that continue them: each unit starts where the
/// previous period ended and repeats, as *Cùng kỳ năm trước*, what it reported a year
/// earlier; `carry_faults` units start elsewhere (their balance still holds, only the
/// archive shows the fault).
#[derive(Debug, Clone, Default)]
pub struct SamplePast {
    /// The previous period's figures, by unit code and key.
    pub previous: std::collections::HashMap<String, std::collections::HashMap<String, f64>>,
    /// The same period a year earlier, by unit code and key.
    pub year_before: std::collections::HashMap<String, std::collections::HashMap<String, f64>>,
    /// Units (of those with a previous period) whose start does not carry.
    pub carry_faults: usize,
}

impl SamplePast {
    /// From the archive at `path`: the previous period of `period` and the same period a
    /// year earlier, each where the archive holds it.
    pub fn from_archive(
        path: &Path,
        form: &Form,
        period: Period,
        carry_faults: usize,
    ) -> Result<SamplePast, crate::archive::ArchiveError> {
        let store = crate::archive::Archive::open(path, false)?;
        let values = |p: Option<Period>| match p {
            Some(p) => store.unit_values(&form.id, p),
            None => Ok(Default::default()),
        };
        Ok(SamplePast {
            previous: values(crate::history::previous_period(period))?,
            year_before: values(crate::history::year_before(period))?,
            carry_faults,
        })
    }
}

/// What one unit's sample continues.
#[derive(Debug, Clone, Copy, Default)]
pub struct UnitPast<'a> {
    /// The previous period's figures of the unit.
    pub previous: Option<&'a std::collections::HashMap<String, f64>>,
    /// The same period a year earlier's.
    pub year_before: Option<&'a std::collections::HashMap<String, f64>>,
    /// Members to add to the start that should carry over (a carry fault), 0 for none.
    pub carry_offset: i32,
}

/// One injected fault: where it is and which rule must find it.
#[derive(Debug, Clone, Serialize)]
pub struct Fault {
    /// The workbook holding it, named after its unit (`<code>.xlsx`).
    pub file: String,
    /// Code of the unit that submitted the workbook.
    pub unit: String,
    /// Code of the rule that must report it.
    pub rule: String,
    /// `error` or `warning`: the severity its finding must have.
    pub severity: String,
    /// Sheet name as the form gives it.
    pub sheet: String,
    /// The faulty cell's A1 address.
    pub cell: String,
    /// What was done to the cell, in plain words.
    pub what: String,
}

/// Why samples could not be generated.
#[derive(Debug, thiserror::Error)]
pub enum SamplesError {
    /// A sample workbook or file beside them could not be written.
    #[error(transparent)]
    Write(#[from] WriteError),
    /// The copy of the form with synthetic units added (`form.toml`) does not load back.
    #[error("the extended form does not load")]
    Spec(#[from] crate::spec::SpecError),
    #[error(
        "the form lacks '{0}', which the generator needs (samples follow the default form's figures)"
    )]
    /// Names the key (table, field) of the default form that the given form lacks.
    Unsupported(String),
}

const PLACES: &[&str] = &[
    "Thanh Minh",
    "Mường Phăng",
    "Nà Tấu",
    "Pú Nhi",
    "Chiềng Sinh",
    "Quài Cang",
    "Mường Mùn",
    "Sín Chải",
    "Nà Hỳ",
    "Chà Cang",
    "Huổi Lếch",
    "Pa Ham",
    "Na Sang",
    "Sá Tổng",
    "Xá Nhè",
    "Mường Báng",
    "Lay Nưa",
    "Phìn Hồ",
    "Chung Chải",
    "Leng Su Sìn",
    "Keo Lôm",
    "Tênh Phông",
    "Búng Lao",
    "Ẳng Nưa",
    "Noong Hẹt",
    "Thanh Xương",
    "Hua Thanh",
    "Nậm Kè",
    "Tà Sìn Thàng",
    "Pu Nhi",
];
const KINDS: &[&str] = &[
    "Đảng bộ xã",
    "Chi bộ bản",
    "Chi bộ trường",
    "Đảng bộ phường",
    "Chi bộ cơ quan",
];

/// Which generator fills a form: the official form's lists, or the 2010-era cells.
enum Generator {
    Official,
    Legacy,
}

impl Generator {
    fn of(form: &Form) -> Result<Generator, SamplesError> {
        if official::NEEDS.iter().all(|k| form.field(k).is_some()) {
            return Ok(Generator::Official);
        }
        for k in legacy::NEEDS {
            form.field(k)
                .ok_or_else(|| SamplesError::Unsupported((*k).to_string()))?;
        }
        Ok(Generator::Legacy)
    }
}

/// Generate the submissions into `dir`: one per unit expected for the period (then
/// synthetic units, when more are asked for). Returns the files written and the faults.
pub fn generate(
    form: &Form,
    dir: &Path,
    opts: &SampleOptions,
) -> Result<(Vec<PathBuf>, Vec<Fault>), SamplesError> {
    let form = extended_form(form, dir, opts)?;
    let generator = Generator::of(&form)?;
    let units: Vec<usize> = form
        .units
        .expected(Some(opts.period))
        .into_iter()
        .take(opts.units)
        .collect();
    let mut rng = ChaCha8Rng::seed_from_u64(opts.seed);
    let n = units.len();
    let mut order: Vec<usize> = (0..n).collect();
    order.shuffle(&mut rng);
    let faulty = if opts.faults == 0 {
        0
    } else {
        opts.faulty_units.unwrap_or(n.div_ceil(5)).min(n)
    };
    let faulty: Vec<usize> = order[..faulty].to_vec();
    // Units whose start does not carry: among those the archive has, in a seeded order.
    let carry_faulty: Vec<usize> = match &opts.past {
        Some(past) if past.carry_faults > 0 => order
            .iter()
            .copied()
            .filter(|&k| past.previous.contains_key(&form.units[units[k]].code))
            .take(past.carry_faults)
            .collect(),
        _ => Vec::new(),
    };
    let mut files = Vec::new();
    let mut faults = Vec::new();
    for (k, &u) in units.iter().enumerate() {
        let mut unit_rng = ChaCha8Rng::seed_from_u64(
            opts.seed ^ (k as u64 + 1).wrapping_mul(0x9E37_79B9_7F4A_7C15),
        );
        let code = form.units[u].code.clone();
        let file = format!("{code}.xlsx");
        let carry_offset = if carry_faulty.contains(&k) {
            if unit_rng.random_bool(0.5) { 3 } else { -2 }
        } else {
            0
        };
        let past = UnitPast {
            previous: opts.past.as_ref().and_then(|p| p.previous.get(&code)),
            year_before: opts.past.as_ref().and_then(|p| p.year_before.get(&code)),
            carry_offset,
        };
        let mut data = match generator {
            Generator::Official => official::clean(&form, u, opts, past, &mut unit_rng)?,
            Generator::Legacy => legacy::clean(&form, u, opts, &mut unit_rng),
        };
        if carry_offset != 0
            && let Some(FieldRef::Item { list, .. }) = form.field(official::START)
        {
            let cell = form.field(official::START).map(|f| form.field_key(f));
            let at = official::item_at(&form, &data, official::START);
            if let (Some(_), Some((sheet, pos))) = (cell, at) {
                faults.push(Fault {
                    file: file.clone(),
                    unit: code.clone(),
                    rule: "CARRY".into(),
                    severity: "warning".into(),
                    sheet: form.sheets[sheet].name.clone(),
                    cell: pos.to_string(),
                    what: format!(
                        "đầu kỳ lệch {carry_offset:+} so với cuối kỳ trước trong kho lưu trữ (danh sách {})",
                        form.lists[list].key
                    ),
                });
            }
        }
        if faulty.contains(&k) {
            let injected = match generator {
                Generator::Official => {
                    official::inject(&form, &mut data, opts.faults, &mut unit_rng)
                }
                Generator::Legacy => legacy::inject(&form, &mut data, opts.faults, &mut unit_rng),
            };
            for f in injected {
                faults.push(Fault {
                    file: file.clone(),
                    unit: code.clone(),
                    ..f
                });
            }
        }
        if opts.formulas {
            as_formulas(&mut data);
        }
        let mut wb = new_workbook(&form.title);
        write_form(&mut wb, &form, Some(&data), &Marks::default(), true)
            .map_err(crate::write::xlsx_err(&dir.join(&file)))?;
        let path = dir.join(&file);
        save(&mut wb, &path)?;
        files.push(path);
    }
    let json = serde_json::to_vec_pretty(&faults).map_err(|source| WriteError::Json {
        path: "faults.json".into(),
        source,
    })?;
    atomic_write(&dir.join("faults.json"), &json)?;
    Ok((files, faults))
}

/// Each table figure as a formula giving it: the figures stay, only how they are held
/// changes, so faults and totals are those of the clean data.
fn as_formulas(data: &mut FormData) {
    for t in &mut data.tables {
        for (_, _, values) in &mut t.rows {
            for v in values.iter_mut() {
                if let Out::Number(n) = *v
                    && n.is_finite()
                {
                    *v = Out::Formula(format!("{n}+0"), n);
                }
            }
        }
    }
}

/// How many submissions `generate` writes when asked for none in particular: one per
/// unit expected for the period.
pub fn default_units(form: &Form, period: Period) -> usize {
    form.units.expected(Some(period)).len()
}

/// The form, with synthetic units appended when more are asked for than it expects
/// for the period. They exist always, so they are expected for any period.
fn extended_form(form: &Form, dir: &Path, opts: &SampleOptions) -> Result<Form, SamplesError> {
    let expected = form.units.expected(Some(opts.period)).len();
    if opts.units <= expected {
        return Ok(form.clone());
    }
    let mut text = form.source.clone();
    for i in expected..opts.units {
        text.push_str(&format!(
            "\n[[units]]\ncode = \"U{:05}\"\nname = \"Đảng bộ cơ sở số {}\"\n",
            i + 1,
            i + 1
        ));
    }
    atomic_write(&dir.join("form.toml"), text.as_bytes())?;
    Ok(Form::from_toml(&text, "form.toml")?)
}

fn cell_index(f: FieldRef) -> usize {
    match f {
        FieldRef::Cell(i) => i,
        _ => usize::MAX,
    }
}

/// A fault found by `rule` at `pos` of sheet `sheet`.
fn fault_at(form: &Form, rule: &str, warning: bool, sheet: usize, pos: Pos, what: String) -> Fault {
    Fault {
        file: String::new(),
        unit: String::new(),
        rule: rule.into(),
        severity: if warning { "warning" } else { "error" }.into(),
        sheet: form.sheets[sheet].name.clone(),
        cell: pos.to_string(),
        what,
    }
}

/// The identity cells every form has (unit, period, date of report) and the text
/// cells a clerk fills (preparer, phone).
fn identity(form: &Form, u: usize, opts: &SampleOptions, rng: &mut ChaCha8Rng, cells: &mut [Out]) {
    let id = form.identity;
    let unit = &form.units[u];
    cells[id.unit_code] = Out::Text(unit.code.clone());
    if let Some(i) = id.unit_name {
        cells[i] = Out::Text(unit.name.clone());
    }
    cells[id.period_from] = Out::Date(opts.period.from);
    cells[id.period_to] = Out::Date(opts.period.to);
    if let Some(i) = id.report_date {
        cells[i] = Out::Date(opts.period.to + chrono::Duration::days(rng.random_range(3..=12)));
    }
    for (i, c) in form.cells.iter().enumerate() {
        if cells[i] == Out::Blank && c.ty == FieldType::Text {
            cells[i] = Out::Text(match c.key.as_str() {
                "preparer" => [
                    "Lò Thị Hoa",
                    "Nguyễn Văn Hùng",
                    "Quàng Văn Pấng",
                    "Lường Thị Mai",
                ][u % 4]
                    .to_string(),
                "phone" => format!("0215 3{:06}", rng.random_range(0..1_000_000)),
                _ => String::new(),
            });
        }
    }
}
