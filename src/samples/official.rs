//! Submissions of the official form (Biểu 1, 2, 2B, 3 of the Central Organisation
//! Commission, the admissions table, Tạo nguồn, Địa bàn), drawn member by member.
//!
//! Each column of a report (this period, the same period a year earlier) is one drawn
//! population: the members admitted, each with an organisation, a sex, an ethnic group,
//! a religion, an age, an occupation, an education and a training; the members at the
//! end, each with the attributes Biểu 3 analyses. Every breakdown is a count over the
//! same people, so the analyses add up to their totals, the "of which" lines stay within
//! them and the sheets agree by construction, not by adjustment. The proportions are
//! Điện Biên's: ethnic minorities the majority of those admitted in the communes and a
//! minority in the provincial blocs, women about two in five of those admitted and a third
//! of the members, youth-union members most of those admitted and a minority of the
//! members, admissions a few per cent of the members in a half-year.

use super::{Fault, SampleOptions, SamplesError, fault_at, identity};
use crate::cellref::Pos;
use crate::form::Form;
use crate::spec::FieldRef;
use crate::write::form::{FormData, ListOut, Out, TableOut};
use rand::Rng;
use rand::seq::SliceRandom;
use rand_chacha::ChaCha8Rng;

/// The figures this generator fills: a form that lacks one of them is not the official
/// form (the 2010-era form gets the legacy generator).
pub(super) const NEEDS: &[&str] = &[
    "movement.a.this",
    "movement.d.this",
    "admitted.total.this",
    "members.i.this",
    "coverage.villages.this",
    "admissions.admitted",
];

/// What a unit is, for its proportions.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Kind {
    /// A commune or ward (or a district before 7/2025): farmers, village workers,
    /// teachers; mostly ethnic minorities.
    Commune,
    /// A bloc of agencies: officials and public employees; mostly Kinh.
    Agencies,
    /// The army, the police, the border guard: officers and soldiers, young, few women.
    Armed,
}

impl Kind {
    fn of(code: &str, name: &str) -> Kind {
        let lower = name.to_lowercase();
        if ["QST", "CAT", "BPT"].contains(&code)
            || lower.contains("quân sự")
            || lower.contains("công an")
            || lower.contains("biên phòng")
        {
            Kind::Armed
        } else if lower.contains("xã")
            || lower.contains("phường")
            || lower.contains("huyện")
            || lower.contains("thành phố")
            || lower.contains("cơ sở số")
        {
            Kind::Commune
        } else {
            Kind::Agencies
        }
    }

    /// Members at the start of the period.
    fn members(self, rng: &mut ChaCha8Rng) -> u32 {
        match self {
            Kind::Commune => rng.random_range(400..=1400),
            Kind::Agencies => rng.random_range(1500..=3200),
            Kind::Armed => rng.random_range(1200..=2500),
        }
    }
}

/// The ethnic groups of Điện Biên beside the Kinh, by the key of their line in Biểu 2B,
/// with their weight among the minority members (Thái and Mông most of them).
const MINORITIES: &[(&str, f64)] = &[
    ("thai", 0.48),
    ("mong", 0.36),
    ("khomu", 0.05),
    ("dao", 0.02),
    ("hanhi", 0.012),
    ("lao", 0.012),
    ("khang", 0.01),
    ("tay", 0.01),
    ("muong", 0.01),
    ("nung", 0.006),
    ("sila", 0.004),
    ("cong", 0.004),
    ("phula", 0.004),
    ("hoa", 0.004),
    ("giay", 0.004),
];

/// The age bands of Biểu 2 and 3 (II.2.1 .. II.2.8), as inclusive ranges of years.
const BANDS: [(u32, u32); 8] = [
    (18, 30),
    (31, 35),
    (36, 40),
    (41, 45),
    (46, 50),
    (51, 55),
    (56, 60),
    (61, 85),
];

/// One member admitted in the period.
struct Admitted {
    /// Row of the admissions table (the grassroots organisation).
    org: usize,
    woman: bool,
    /// Index into [`MINORITIES`], `None` for a Kinh.
    minority: Option<usize>,
    /// Key of the religion's line in Biểu 2B.
    religion: Option<&'static str>,
    age: u32,
    youth: bool,
    /// 0..12: the occupation lines II.1.1 .. II.1.12.
    occupation: usize,
    /// 0..3 for occupation 7 (enterprises): manager, indirect staff, direct worker.
    enterprise: usize,
    private_owner: bool,
    family_planning: bool,
    readmitted: bool,
    /// 0..4: the general-education lines.
    education: usize,
    /// 0..6: the professional-training lines; `None`: no training.
    training: Option<usize>,
}

/// One member on the roll at the end of the period.
struct Member {
    woman: bool,
    minority: bool,
    religious: bool,
    age: u32,
    youth: bool,
    private_owner: bool,
    foreign_spouse: bool,
    /// `None`: retired or no longer working (II.1.b); else the occupation line.
    occupation: Option<usize>,
    enterprise: usize,
    exempt: bool,
    /// 0..4: the eras of admission.
    era: usize,
    education: usize,
    training: Option<usize>,
    /// 0..3: the political-theory lines; `None`: none.
    theory: Option<usize>,
}

/// A draw from `weights` (not necessarily summing to 1).
fn pick(rng: &mut ChaCha8Rng, weights: &[f64]) -> usize {
    let total: f64 = weights.iter().sum();
    let mut x = rng.random_range(0.0..total);
    for (i, w) in weights.iter().enumerate() {
        if x < *w {
            return i;
        }
        x -= w;
    }
    weights.len() - 1
}

fn chance(rng: &mut ChaCha8Rng, p: f64) -> bool {
    rng.random_bool(p.clamp(0.0, 1.0))
}

fn age_in(rng: &mut ChaCha8Rng, band: usize) -> u32 {
    let (lo, hi) = BANDS[band];
    rng.random_range(lo..=hi)
}

fn band_of(age: u32) -> usize {
    BANDS.iter().position(|&(_, hi)| age <= hi).unwrap_or(7)
}

/// The shares a unit's people are drawn with.
struct Profile {
    kind: Kind,
    women_admitted: f64,
    women_members: f64,
    minority_admitted: f64,
    minority_members: f64,
}

impl Profile {
    fn draw(kind: Kind, rng: &mut ChaCha8Rng) -> Profile {
        let (wa, wm, ma, mm) = match kind {
            Kind::Commune => ((0.35, 0.55), (0.28, 0.42), (0.55, 0.92), (0.45, 0.85)),
            Kind::Agencies => ((0.40, 0.60), (0.38, 0.52), (0.15, 0.40), (0.10, 0.30)),
            Kind::Armed => ((0.05, 0.15), (0.05, 0.12), (0.20, 0.50), (0.15, 0.40)),
        };
        Profile {
            kind,
            women_admitted: rng.random_range(wa.0..wa.1),
            women_members: rng.random_range(wm.0..wm.1),
            minority_admitted: rng.random_range(ma.0..ma.1),
            minority_members: rng.random_range(mm.0..mm.1),
        }
    }

    fn occupations(&self, admitted: bool) -> [f64; 12] {
        match (self.kind, admitted) {
            (Kind::Commune, true) => [
                0.01, 0.02, 0.12, 0.10, 0.20, 0.02, 0.03, 0.33, 0.01, 0.0, 0.0, 0.16,
            ],
            (Kind::Commune, false) => [
                0.02, 0.03, 0.15, 0.12, 0.22, 0.01, 0.02, 0.35, 0.01, 0.0, 0.0, 0.07,
            ],
            (Kind::Agencies, true) => [
                0.30, 0.18, 0.02, 0.0, 0.35, 0.03, 0.06, 0.01, 0.0, 0.0, 0.0, 0.05,
            ],
            (Kind::Agencies, false) => [
                0.32, 0.20, 0.01, 0.0, 0.38, 0.02, 0.05, 0.0, 0.0, 0.0, 0.0, 0.02,
            ],
            (Kind::Armed, _) => [
                0.0, 0.0, 0.0, 0.0, 0.02, 0.0, 0.0, 0.0, 0.95, 0.0, 0.0, 0.03,
            ],
        }
    }

    fn bands(&self, admitted: bool) -> [f64; 8] {
        match (self.kind, admitted) {
            (Kind::Armed, true) => [0.90, 0.08, 0.02, 0.0, 0.0, 0.0, 0.0, 0.0],
            (_, true) => [0.70, 0.15, 0.08, 0.04, 0.02, 0.01, 0.0, 0.0],
            (Kind::Commune, false) => [0.14, 0.13, 0.14, 0.13, 0.12, 0.11, 0.09, 0.14],
            (Kind::Agencies, false) => [0.08, 0.14, 0.17, 0.17, 0.15, 0.14, 0.12, 0.03],
            (Kind::Armed, false) => [0.35, 0.25, 0.18, 0.12, 0.07, 0.03, 0.0, 0.0],
        }
    }

    fn education(&self, admitted: bool) -> [f64; 4] {
        match (self.kind, admitted) {
            (Kind::Commune, true) => [0.0, 0.03, 0.15, 0.82],
            (Kind::Commune, false) => [0.01, 0.08, 0.25, 0.66],
            (Kind::Agencies, _) => [0.0, 0.01, 0.03, 0.96],
            (Kind::Armed, _) => [0.0, 0.0, 0.04, 0.96],
        }
    }

    /// No training first, then the six lines.
    fn training(&self) -> [f64; 7] {
        match self.kind {
            Kind::Commune => [0.35, 0.12, 0.20, 0.12, 0.20, 0.01, 0.0],
            Kind::Agencies => [0.02, 0.03, 0.12, 0.10, 0.63, 0.095, 0.005],
            Kind::Armed => [0.20, 0.05, 0.35, 0.15, 0.23, 0.02, 0.0],
        }
    }

    /// No political theory first, then Sơ cấp, Trung cấp, Cao cấp.
    fn theory(&self) -> [f64; 4] {
        match self.kind {
            Kind::Commune => [0.35, 0.45, 0.17, 0.03],
            Kind::Agencies => [0.10, 0.35, 0.40, 0.15],
            Kind::Armed => [0.20, 0.40, 0.35, 0.05],
        }
    }

    fn religion(&self, minority: Option<usize>, rng: &mut ChaCha8Rng) -> Option<&'static str> {
        match minority.map(|m| MINORITIES[m].0) {
            Some("mong") if chance(rng, 0.06) => Some("protestantism"),
            Some("thai") if chance(rng, 0.005) => Some("buddhism"),
            None if chance(rng, 0.03) => Some("buddhism"),
            None if chance(rng, 0.01) => Some("catholicism"),
            _ => None,
        }
    }

    fn minority(&self, share: f64, rng: &mut ChaCha8Rng) -> Option<usize> {
        let weights: Vec<f64> = MINORITIES.iter().map(|m| m.1).collect();
        chance(rng, share).then(|| pick(rng, &weights))
    }

    fn admitted(&self, n: u32, orgs: &[f64], rng: &mut ChaCha8Rng) -> Vec<Admitted> {
        (0..n)
            .map(|_| {
                let org = pick(rng, orgs);
                let woman = chance(rng, self.women_admitted);
                let minority = self.minority(self.minority_admitted, rng);
                let religion = self.religion(minority, rng);
                let band = pick(rng, &self.bands(true));
                let age = age_in(rng, band);
                let occupation = pick(rng, &self.occupations(true));
                let enterprise = pick(rng, &[0.15, 0.30, 0.55]);
                Admitted {
                    org,
                    woman,
                    minority,
                    religion,
                    age,
                    youth: age <= 30 && chance(rng, 0.9),
                    occupation,
                    enterprise,
                    private_owner: occupation == 6 && enterprise == 0 && chance(rng, 0.3),
                    family_planning: chance(rng, 0.003),
                    readmitted: chance(rng, 0.005),
                    education: pick(rng, &self.education(true)),
                    training: match pick(rng, &self.training()) {
                        0 => None,
                        t => Some(t - 1),
                    },
                }
            })
            .collect()
    }

    fn members(&self, n: u32, rng: &mut ChaCha8Rng) -> Vec<Member> {
        (0..n)
            .map(|_| {
                let band = pick(rng, &self.bands(false));
                let age = age_in(rng, band);
                let retired = age > 60 || (age > 55 && chance(rng, 0.1));
                let occupation = pick(rng, &self.occupations(false));
                Member {
                    woman: chance(rng, self.women_members),
                    minority: chance(rng, self.minority_members),
                    religious: chance(rng, 0.01),
                    age,
                    youth: age <= 30 && chance(rng, 0.6),
                    private_owner: !retired && occupation == 6 && chance(rng, 0.1),
                    foreign_spouse: chance(rng, 0.0005),
                    occupation: (!retired).then_some(occupation),
                    enterprise: pick(rng, &[0.15, 0.30, 0.55]),
                    exempt: retired && age >= 70 && chance(rng, 0.5),
                    era: if age >= 70 && chance(rng, 0.3) { 2 } else { 3 },
                    education: pick(rng, &self.education(false)),
                    training: match pick(rng, &self.training()) {
                        0 => None,
                        t => Some(t - 1),
                    },
                    theory: match pick(rng, &self.theory()) {
                        0 => None,
                        t => Some(t - 1),
                    },
                }
            })
            .collect()
    }
}

/// The figures of one report as they are being filled: the input cells, and each list's
/// lines by column. A key the form lacks is remembered and reported, never skipped.
struct Sheets<'f> {
    form: &'f Form,
    cells: Vec<Out>,
    lists: Vec<Vec<Vec<Out>>>,
    missing: Vec<String>,
}

impl<'f> Sheets<'f> {
    fn new(form: &'f Form) -> Self {
        Sheets {
            form,
            cells: vec![Out::Blank; form.cells.len()],
            lists: form
                .lists
                .iter()
                .map(|l| vec![vec![Out::Blank; l.columns.len()]; l.rows.len()])
                .collect(),
            missing: Vec::new(),
        }
    }

    fn slot(&mut self, key: &str) -> Option<&mut Out> {
        match self.form.field(key) {
            Some(FieldRef::Cell(i)) => Some(&mut self.cells[i]),
            Some(FieldRef::Item { list, row, column }) => Some(&mut self.lists[list][row][column]),
            _ => {
                self.missing.push(key.to_string());
                None
            }
        }
    }

    fn put(&mut self, key: &str, v: Out) {
        if let Some(slot) = self.slot(key) {
            *slot = v;
        }
    }

    fn set(&mut self, key: &str, n: u32) {
        self.put(key, Out::Number(f64::from(n)));
    }

    /// A count a clerk leaves blank when it is 0 (a line of Biểu 2B).
    fn set_nonzero(&mut self, key: &str, n: u32) {
        if n > 0 {
            self.set(key, n);
        }
    }
}

/// Biểu 1 for one column: what the members did in the period.
struct Movement {
    start: u32,
    admitted: u32,
    in_other_province: u32,
    in_province: u32,
    restored: u32,
    deceased: u32,
    expelled: u32,
    struck_off: u32,
    struck_off_probation: u32,
    left: u32,
    out_other_province: u32,
    out_province: u32,
}

impl Movement {
    fn draw(start: u32, rate: f64, rng: &mut ChaCha8Rng) -> Movement {
        let f = |rng: &mut ChaCha8Rng, hi: f64| {
            (f64::from(start) * rng.random_range(0.0..hi)).round() as u32
        };
        let struck_off = rng.random_range(0..=3);
        Movement {
            start,
            admitted: ((f64::from(start) * rate).round() as u32).max(1),
            in_other_province: f(rng, 0.004),
            in_province: f(rng, 0.010),
            restored: u32::from(chance(rng, 0.1)),
            deceased: (f64::from(start) * rng.random_range(0.002..0.008)).round() as u32,
            expelled: u32::from(chance(rng, 0.15)),
            struck_off,
            struck_off_probation: rng.random_range(0..=struck_off),
            left: u32::from(chance(rng, 0.1)),
            out_other_province: f(rng, 0.004),
            out_province: f(rng, 0.010),
        }
    }

    fn increase(&self) -> u32 {
        self.admitted + self.in_other_province + self.in_province + self.restored
    }

    fn decrease(&self) -> u32 {
        self.deceased
            + self.expelled
            + self.struck_off
            + self.left
            + self.out_other_province
            + self.out_province
    }

    fn end(&self) -> u32 {
        self.start + self.increase() - self.decrease()
    }

    fn write(&self, s: &mut Sheets<'_>, col: &str) {
        let lines = [
            ("a", self.start),
            ("b", self.increase()),
            ("b1", self.admitted),
            ("b2", self.in_other_province + self.in_province),
            ("b2a", self.in_other_province),
            ("b2b", self.in_province),
            ("b3", self.restored),
            ("c", self.decrease()),
            ("c1", self.deceased),
            ("c2", self.expelled),
            ("c3", self.struck_off),
            ("c3_probation", self.struck_off_probation),
            ("c4", self.left),
            ("c5", self.out_other_province + self.out_province),
            ("c5a", self.out_other_province),
            ("c5b", self.out_province),
            ("d", self.end()),
        ];
        for (line, n) in lines {
            s.set(&format!("movement.{line}.{col}"), n);
        }
    }
}

/// Counts of `items` by a category.
fn count<T>(items: &[T], n: usize, of: impl Fn(&T) -> Option<usize>) -> Vec<u32> {
    let mut out = vec![0; n];
    for it in items {
        if let Some(k) = of(it) {
            out[k] += 1;
        }
    }
    out
}

fn how_many<T>(items: &[T], p: impl Fn(&T) -> bool) -> u32 {
    items.iter().filter(|x| p(x)).count() as u32
}

/// The enterprise line (7) and its three sub-lines, then every occupation line.
fn write_occupations(
    s: &mut Sheets<'_>,
    prefix: &str,
    col: &str,
    by_occupation: &[u32],
    by_enterprise: &[u32],
) {
    for (k, n) in by_occupation.iter().enumerate() {
        s.set(&format!("{prefix}.occ{}.{col}", k + 1), *n);
    }
    for (k, sub) in ["a", "b", "c"].iter().enumerate() {
        s.set(&format!("{prefix}.occ7{sub}.{col}"), by_enterprise[k]);
    }
}

/// Age bands and the average age, rounded to one decimal as the forms print it.
fn write_ages(s: &mut Sheets<'_>, prefix: &str, col: &str, ages: &[u32]) {
    let bands = count(ages, 8, |a| Some(band_of(*a)));
    for (k, n) in bands.iter().enumerate() {
        s.set(&format!("{prefix}.age{}.{col}", k + 1), *n);
    }
    if !ages.is_empty() {
        let mean = ages.iter().map(|a| f64::from(*a)).sum::<f64>() / ages.len() as f64;
        s.put(
            &format!("{prefix}.age_avg.{col}"),
            Out::Number((mean * 10.0).round() / 10.0),
        );
    }
}

/// Biểu 2 for one column (and Biểu 2B for this period), from the members admitted.
fn write_admitted(s: &mut Sheets<'_>, col: &str, people: &[Admitted], orgs: [u32; 6]) {
    let p = "admitted";
    s.set(&format!("{p}.total.{col}"), people.len() as u32);
    let of_which: [(&str, u32); 8] = [
        ("women", how_many(people, |a| a.woman)),
        ("ethnic", how_many(people, |a| a.minority.is_some())),
        ("religious", how_many(people, |a| a.religion.is_some())),
        ("youth", how_many(people, |a| a.youth)),
        ("private_owner", how_many(people, |a| a.private_owner)),
        ("family_planning", how_many(people, |a| a.family_planning)),
        ("foreign_spouse", 0),
        ("readmitted", how_many(people, |a| a.readmitted)),
    ];
    for (line, n) in of_which {
        s.set(&format!("{p}.{line}.{col}"), n);
    }
    let occ = count(people, 12, |a| Some(a.occupation));
    let ent = count(people, 3, |a| (a.occupation == 6).then_some(a.enterprise));
    write_occupations(s, p, col, &occ, &ent);
    let ages: Vec<u32> = people.iter().map(|a| a.age).collect();
    write_ages(s, p, col, &ages);
    for (k, n) in count(people, 4, |a| Some(a.education)).iter().enumerate() {
        s.set(&format!("{p}.edu{}.{col}", k + 1), *n);
    }
    for (k, n) in count(people, 6, |a| a.training).iter().enumerate() {
        s.set(&format!("{p}.tr{}.{col}", k + 1), *n);
    }
    s.set(&format!("{p}.title1.{col}"), 0);
    s.set(&format!("{p}.title2.{col}"), 0);
    let [iii1, iii1_co, iii1_none, iii2, iii2_co, iii2_none] = orgs;
    for (line, n) in [
        ("orgs", iii1 + iii2),
        ("iii1", iii1),
        ("iii1_co", iii1_co),
        ("iii1_none", iii1_none),
        ("iii2", iii2),
        ("iii2_co", iii2_co),
        ("iii2_none", iii2_none),
    ] {
        s.set(&format!("{p}.{line}.{col}"), n);
    }
}

/// Biểu 2B: this period's members admitted by ethnic group and religion.
fn write_by_group(s: &mut Sheets<'_>, people: &[Admitted]) {
    let kinh = || people.iter().filter(|a| a.minority.is_none());
    s.set_nonzero("by_group.kinh.total", kinh().count() as u32);
    s.set_nonzero(
        "by_group.kinh.women",
        kinh().filter(|a| a.woman).count() as u32,
    );
    for (m, (key, _)) in MINORITIES.iter().enumerate() {
        let of = || people.iter().filter(|a| a.minority == Some(m));
        s.set_nonzero(&format!("by_group.{key}.total"), of().count() as u32);
        s.set_nonzero(
            &format!("by_group.{key}.women"),
            of().filter(|a| a.woman).count() as u32,
        );
    }
    for key in ["buddhism", "catholicism", "protestantism"] {
        let of = || people.iter().filter(|a| a.religion == Some(key));
        s.set_nonzero(&format!("by_group.{key}.total"), of().count() as u32);
        s.set_nonzero(
            &format!("by_group.{key}.women"),
            of().filter(|a| a.woman).count() as u32,
        );
    }
}

/// Biểu 3 for one column, from the members at the end.
fn write_members(s: &mut Sheets<'_>, col: &str, people: &[Member], probation: u32) {
    let p = "members";
    let n = people.len() as u32;
    s.set(&format!("{p}.i.{col}"), n);
    for (line, k) in [
        ("women", how_many(people, |m| m.woman)),
        ("probation", probation.min(n)),
        ("ethnic", how_many(people, |m| m.minority)),
        ("religious", how_many(people, |m| m.religious)),
        ("youth", how_many(people, |m| m.youth)),
        ("private_owner", how_many(people, |m| m.private_owner)),
        ("foreign_spouse", how_many(people, |m| m.foreign_spouse)),
    ] {
        s.set(&format!("{p}.{line}.{col}"), k);
    }
    let working = how_many(people, |m| m.occupation.is_some());
    s.set(&format!("{p}.ii1.{col}"), n);
    s.set(&format!("{p}.ii1a.{col}"), working);
    s.set(&format!("{p}.ii1b.{col}"), n - working);
    s.set(
        &format!("{p}.ii1b_exempt.{col}"),
        how_many(people, |m| m.exempt),
    );
    let occ = count(people, 12, |m| m.occupation);
    let ent = count(people, 3, |m| {
        (m.occupation == Some(6)).then_some(m.enterprise)
    });
    write_occupations(s, p, col, &occ, &ent);
    let ages: Vec<u32> = people.iter().map(|m| m.age).collect();
    write_ages(s, p, col, &ages);
    for (k, n) in count(people, 4, |m| Some(m.era)).iter().enumerate() {
        s.set(&format!("{p}.era{}.{col}", k + 1), *n);
    }
    for (k, n) in count(people, 4, |m| Some(m.education)).iter().enumerate() {
        s.set(&format!("{p}.edu{}.{col}", k + 1), *n);
    }
    for (k, n) in count(people, 6, |m| m.training).iter().enumerate() {
        s.set(&format!("{p}.tr{}.{col}", k + 1), *n);
    }
    s.set(&format!("{p}.title1.{col}"), 0);
    s.set(&format!("{p}.title2.{col}"), 0);
    for (k, n) in count(people, 3, |m| m.theory).iter().enumerate() {
        s.set(&format!("{p}.th{}.{col}", k + 1), *n);
    }
}

/// Địa bàn for both columns: fewer villages without a chi bộ than a year earlier, as
/// the province's "xóa bản trắng" campaign intends. The blocs have no territory: 0.
fn write_coverage(s: &mut Sheets<'_>, kind: Kind, rng: &mut ChaCha8Rng) {
    let (villages, schools) = match kind {
        Kind::Commune => (rng.random_range(15..=60), rng.random_range(8..=30)),
        _ => (0, 0),
    };
    let v = |rng: &mut ChaCha8Rng, hi: u32, cap: u32| rng.random_range(0..=hi.min(cap));
    let no_cell = v(rng, 3, villages);
    let no_member = v(rng, 3, no_cell);
    let schools_no_member = v(rng, 2, schools);
    let clinics = if kind == Kind::Commune {
        v(rng, 2, 2)
    } else {
        0
    };
    let joint = if kind == Kind::Commune {
        v(rng, 3, 3)
    } else {
        0
    };
    let no_cell_prev = (no_cell + v(rng, 2, 2)).min(villages);
    let no_member_prev = (no_member + v(rng, 1, 1)).min(no_cell_prev);
    for (line, this, prev) in [
        ("villages", villages, villages),
        ("villages_no_member", no_member, no_member_prev),
        ("villages_no_cell", no_cell, no_cell_prev),
        ("schools", schools, schools),
        (
            "schools_no_member",
            schools_no_member,
            (schools_no_member + v(rng, 1, 1)).min(schools),
        ),
        (
            "clinics_no_cell",
            clinics,
            clinics + u32::from(kind == Kind::Commune && chance(rng, 0.3)),
        ),
        ("joint_cells", joint, joint),
    ] {
        s.set(&format!("coverage.{line}.this"), this);
        s.set(&format!("coverage.{line}.prev"), prev);
    }
}

/// Places that name a commune's grassroots organisations.
const VILLAGES: &[&str] = super::PLACES;

/// Departments that name a bloc's organisations.
const DEPARTMENTS: &[&str] = &[
    "Sở Tài chính",
    "Sở Nội vụ",
    "Sở Y tế",
    "Sở Giáo dục và Đào tạo",
    "Sở Nông nghiệp và Môi trường",
    "Sở Xây dựng",
    "Sở Công Thương",
    "Sở Tư pháp",
    "Sở Văn hóa, Thể thao và Du lịch",
    "Sở Khoa học và Công nghệ",
    "Sở Dân tộc và Tôn giáo",
    "Bệnh viện Đa khoa tỉnh",
    "Trường Cao đẳng Sư phạm",
    "Văn phòng Tỉnh ủy",
    "Ban Tuyên giáo và Dân vận",
];

/// The admissions table's organisations: (name, whether a đảng bộ cơ sở rather than a
/// chi bộ cơ sở).
fn organisations(kind: Kind, rows: usize, rng: &mut ChaCha8Rng) -> Vec<(String, bool)> {
    (0..rows)
        .map(|r| {
            let (names, kinds): (&[&str], &[(&str, bool, f64)]) = match kind {
                Kind::Commune => (
                    VILLAGES,
                    &[
                        ("Chi bộ bản", false, 0.6),
                        ("Chi bộ Trường Tiểu học", false, 0.15),
                        ("Chi bộ Trường THCS", false, 0.1),
                        ("Chi bộ Trạm Y tế", false, 0.1),
                        ("Đảng bộ Trường THPT", true, 0.05),
                    ],
                ),
                Kind::Agencies => (
                    DEPARTMENTS,
                    &[("Đảng bộ", true, 0.4), ("Chi bộ", false, 0.6)],
                ),
                Kind::Armed => (
                    &[
                        "Phòng Tham mưu",
                        "Phòng Chính trị",
                        "Phòng Hậu cần",
                        "Tiểu đoàn 1",
                        "Đại đội 2",
                        "Đồn Biên phòng",
                    ],
                    &[("Đảng bộ", true, 0.3), ("Chi bộ", false, 0.7)],
                ),
            };
            let weights: Vec<f64> = kinds.iter().map(|k| k.2).collect();
            let (prefix, committee, _) = kinds[pick(rng, &weights)];
            let place = names[r % names.len()];
            let n = r / names.len();
            let name = if n > 0 {
                format!("{prefix} {place} {}", n + 1)
            } else {
                format!("{prefix} {place}")
            };
            (name, committee)
        })
        .collect()
}

/// A consistent submission of the official form: every rule holds.
pub(super) fn clean(
    form: &Form,
    u: usize,
    opts: &SampleOptions,
    past: super::UnitPast<'_>,
    rng: &mut ChaCha8Rng,
) -> Result<FormData, SamplesError> {
    let unit = &form.units[u];
    let kind = Kind::of(&unit.code, &unit.name);
    let profile = Profile::draw(kind, rng);
    let mut s = Sheets::new(form);

    // The organisations, and how likely each is to admit someone (a third admit nobody).
    let rows = opts
        .rows
        .unwrap_or_else(|| rng.random_range(10..=60))
        .max(1);
    let orgs = organisations(kind, rows, rng);
    let mut weights: Vec<f64> = (0..rows)
        .map(|_| {
            if chance(rng, 0.35) {
                0.0
            } else {
                rng.random_range(0.2..1.0)
            }
        })
        .collect();
    if weights.iter().all(|w| *w == 0.0) {
        weights[0] = 1.0;
    }

    // This period, then the same period a year earlier (slightly fewer members).
    let rate = rng.random_range(0.008..0.022);
    let drawn = kind.members(rng);
    // A unit that reported the previous period starts where it ended (or, for a carry
    // fault, a few members away, its balance still right).
    let start = match past.previous.and_then(|p| p.get(END)) {
        Some(&end) => (end as i64 + i64::from(past.carry_offset)).max(1) as u32,
        None => drawn,
    };
    let now = Movement::draw(start, rate, rng);
    let start_prev = (f64::from(now.start) * rng.random_range(0.93..0.99)).round() as u32;
    let before = Movement::draw(start_prev, rate * rng.random_range(0.7..1.3), rng);
    now.write(&mut s, "this");
    before.write(&mut s, "prev");

    let admitted = profile.admitted(now.admitted, &weights, rng);
    let admitted_prev = profile.admitted(before.admitted, &weights, rng);
    let by_org = count(&admitted, rows, |a| Some(a.org));
    let committees = orgs.iter().filter(|o| o.1).count() as u32;
    let cells = rows as u32 - committees;
    let co = |committee: bool| {
        orgs.iter()
            .zip(&by_org)
            .filter(|((_, c), n)| *c == committee && **n > 0)
            .count() as u32
    };
    let none = |rng: &mut ChaCha8Rng, of: u32| rng.random_range(0..=of.min(2));
    let this_orgs = [
        committees,
        co(true),
        none(rng, committees),
        cells,
        co(false),
        none(rng, cells),
    ];
    let committees_prev = committees;
    let cells_prev = cells + rng.random_range(0..=2);
    let co_prev = |rng: &mut ChaCha8Rng, of: u32| rng.random_range(of / 3..=of);
    let prev_orgs = [
        committees_prev,
        co_prev(rng, committees_prev),
        none(rng, committees_prev),
        cells_prev,
        co_prev(rng, cells_prev),
        none(rng, cells_prev),
    ];
    write_admitted(&mut s, "this", &admitted, this_orgs);
    write_admitted(&mut s, "prev", &admitted_prev, prev_orgs);
    write_by_group(&mut s, &admitted);

    let members = profile.members(now.end(), rng);
    let members_prev = profile.members(before.end(), rng);
    let probation =
        |a: u32, rng: &mut ChaCha8Rng| (f64::from(a) * rng.random_range(1.6..2.1)).round() as u32;
    write_members(&mut s, "this", &members, probation(now.admitted, rng));
    write_members(
        &mut s,
        "prev",
        &members_prev,
        probation(before.admitted, rng),
    );
    write_coverage(&mut s, kind, rng);

    // The admissions table: one row per organisation, the candidates before the members.
    let table = form
        .tables
        .first()
        .ok_or_else(|| SamplesError::Unsupported("tables[0]".into()))?;
    // Everyone trained on the table attended an awareness class.
    let mut attendees = 0;
    let mut body = Vec::with_capacity(rows);
    for (r, (name, _)) in orgs.iter().enumerate() {
        let of = |p: &dyn Fn(&Admitted) -> bool| {
            admitted.iter().filter(|a| a.org == r && p(a)).count() as u32
        };
        let n = by_org[r];
        let introduced = n + rng.random_range(0..=4);
        let trained = introduced + rng.random_range(0..=6);
        attendees += trained;
        let mut values = Vec::with_capacity(table.columns.len());
        for c in &table.columns {
            let v = match c.key.as_str() {
                "introduced" => introduced,
                "trained" => trained,
                "admitted" => n,
                "women" => of(&|a| a.woman),
                "ethnic" => of(&|a| a.minority.is_some()),
                "youth" => of(&|a| a.youth),
                "under30" => of(&|a| a.age <= 30),
                other => {
                    s.missing.push(format!("admissions.{other}"));
                    0
                }
            };
            values.push(Out::Number(f64::from(v)));
        }
        body.push((table.first_row + r as u32, Out::Text(name.clone()), values));
    }
    s.set("attendees", attendees);
    s.set("classes", rng.random_range(2..=8));

    // What the unit reported a year earlier, repeated as its Cùng kỳ năm trước.
    if let Some(before) = past.year_before {
        for (li, l) in form.lists.iter().enumerate() {
            let col = |k: &str| l.columns.iter().position(|c| c.key == k);
            let (Some(this), Some(prev)) = (col("this"), col("prev")) else {
                continue;
            };
            for (ri, line) in l.rows.iter().enumerate() {
                if !line.figures {
                    continue;
                }
                let key = format!("{}.{}.{}", l.key, line.key, l.columns[this].key);
                s.lists[li][ri][prev] = match before.get(&key) {
                    Some(&v) => Out::Number(v),
                    None => Out::Blank,
                };
            }
        }
    }

    let mut cells = std::mem::take(&mut s.cells);
    identity(form, u, opts, rng, &mut cells);
    if let Some(key) = s.missing.first() {
        return Err(SamplesError::Unsupported(key.clone()));
    }
    let lists = form
        .lists
        .iter()
        .zip(s.lists)
        .map(|(l, lines)| ListOut {
            rows: lines
                .into_iter()
                .enumerate()
                .map(|(ri, v)| Some((l.form_row(ri), v)))
                .collect(),
        })
        .collect();
    Ok(FormData {
        form_id: form.id.clone(),
        form_version: form.version.clone(),
        cells,
        tables: vec![TableOut {
            total_row: table.first_row + rows as u32,
            rows: body,
            total: None,
            total_label: None,
            label: None,
        }],
        lists,
    })
}

/// Members at the start: what a continued period carries from the previous one's END.
pub(super) const START: &str = "movement.a.this";
/// Members at the end of a period.
const END: &str = "movement.d.this";

/// The sheet and cell of a list figure in the data.
pub(super) fn item_at(form: &Form, d: &FormData, key: &str) -> Option<(usize, Pos)> {
    item(form, d, key).map(|(sheet, pos, _)| (sheet, pos))
}

/// Where a list figure is, and its value in the data.
fn item(form: &Form, d: &FormData, key: &str) -> Option<(usize, Pos, f64)> {
    let Some(FieldRef::Item { list, row, column }) = form.field(key) else {
        return None;
    };
    let l = &form.lists[list];
    let (at, values) = d.lists.get(list)?.rows.get(row)?.as_ref()?;
    let v = match values.get(column)? {
        Out::Number(n) => *n,
        _ => 0.0,
    };
    Some((l.sheet, Pos::new(*at, l.columns[column].col), v))
}

fn set_item(form: &Form, d: &mut FormData, key: &str, v: Out) {
    if let Some(FieldRef::Item { list, row, column }) = form.field(key)
        && let Some(Some((_, values))) = d.lists.get_mut(list).and_then(|l| l.rows.get_mut(row))
    {
        values[column] = v;
    }
}

/// Inject `count` different faults, each as a unit makes it, and say where each one is
/// found: the cell the rule names, which is not always the cell changed (an equality is
/// reported on its second figure, a derived figure's balance on its first typed term).
pub(super) fn inject(
    form: &Form,
    d: &mut FormData,
    count: usize,
    rng: &mut ChaCha8Rng,
) -> Vec<Fault> {
    let mut kinds = vec![
        "BALANCE", "LINES", "PART", "PCT", "XSHEET", "REQ", "INT", "TYPE", "TEXTNUM", "PERIOD",
        "SUM", "ADMITORG", "RANGE",
    ];
    kinds.shuffle(rng);
    let mut out = Vec::new();
    let cell = |key: &str| match form.field(key) {
        Some(FieldRef::Cell(i)) => Some((form.cells[i].sheet, form.cells[i].pos)),
        _ => None,
    };
    for kind in kinds {
        if out.len() == count {
            break;
        }
        let fault = |rule: &str, (sheet, pos): (usize, Pos), what: String| {
            fault_at(form, rule, rule == "TEXTNUM", sheet, pos, what)
        };
        match kind {
            // D typed over its formula: the unit forgot a movement.
            "BALANCE" => {
                let Some((sh, pos, v)) = item(form, d, "movement.d.this") else {
                    continue;
                };
                set_item(form, d, "movement.d.this", Out::Number(v + 3.0));
                out.push(fault(
                    "BALANCE",
                    (sh, pos),
                    "D typed 3 above A + B − C".into(),
                ));
            }
            // One more member counted in an age band than were admitted.
            "LINES" => {
                let Some((_, _, v)) = item(form, d, "admitted.age2.this") else {
                    continue;
                };
                let Some((sh, pos, _)) = item(form, d, "admitted.total.this") else {
                    continue;
                };
                set_item(form, d, "admitted.age2.this", Out::Number(v + 1.0));
                out.push(fault(
                    "LINES",
                    (sh, pos),
                    "age band II.2.2 one too many".into(),
                ));
            }
            // More probationary members struck off than members struck off.
            "PART" => {
                let Some((_, _, c3)) = item(form, d, "movement.c3.this") else {
                    continue;
                };
                let Some((sh, pos, _)) = item(form, d, "movement.c3_probation.this") else {
                    continue;
                };
                set_item(form, d, "movement.c3_probation.this", Out::Number(c3 + 1.0));
                out.push(fault(
                    "PART",
                    (sh, pos),
                    format!("C.3.1 {} > C.3 {c3}", c3 + 1.0),
                ));
            }
            // A percentage typed over its formula, 1.5 points off.
            "PCT" => {
                let Some((_, _, n)) = item(form, d, "movement.b1.this") else {
                    continue;
                };
                let Some((_, _, base)) = item(form, d, "movement.b1.prev") else {
                    continue;
                };
                let Some((sh, pos, _)) = item(form, d, "movement.b1.pct") else {
                    continue;
                };
                if base == 0.0 {
                    continue;
                }
                let typed = (n * 100.0 / base * 100.0).round() / 100.0 + 1.5;
                set_item(form, d, "movement.b1.pct", Out::Number(typed));
                out.push(fault("PCT", (sh, pos), "B.1 % off by 1.5 points".into()));
            }
            // A youth-union member added on the table while Biểu 2's I.4 keeps the old
            // count typed over its formula (a file saved without recalculating, or typed
            // by hand): reported on I.4, the copy the form computes from the table.
            "XSHEET" => {
                let Some((copy_sheet, copy_at, _)) = item(form, d, "admitted.youth.this") else {
                    continue;
                };
                let (Some(t), Some(tab)) = (form.tables.first(), d.tables.first_mut()) else {
                    continue;
                };
                let (Some(a), Some(y)) = (
                    t.columns.iter().position(|c| c.key == "admitted"),
                    t.columns.iter().position(|c| c.key == "youth"),
                ) else {
                    continue;
                };
                let num = |o: &Out| if let Out::Number(n) = o { *n } else { 0.0 };
                let Some(row) = tab.rows.iter_mut().find(|r| num(&r.2[a]) > num(&r.2[y])) else {
                    continue;
                };
                row.2[y] = Out::Number(num(&row.2[y]) + 1.0);
                // A total typed over its SUM (another fault) is typed one higher too.
                if let Some(total) = tab.total.as_mut() {
                    total[y] = Out::Number(num(&total[y]) + 1.0);
                }
                out.push(fault(
                    "XSHEET",
                    (copy_sheet, copy_at),
                    "a youth-union member added on Kết nạp, Biểu 2 I.4 typed over".into(),
                ));
            }
            // A required line left blank (one no other figure depends on).
            "REQ" => {
                let Some((sh, pos, _)) = item(form, d, "coverage.joint_cells.this") else {
                    continue;
                };
                set_item(form, d, "coverage.joint_cells.this", Out::Blank);
                out.push(fault("REQ", (sh, pos), "Địa bàn line 7 left blank".into()));
            }
            "INT" => {
                let Some((sh, pos, _)) = item(form, d, "coverage.clinics_no_cell.this") else {
                    continue;
                };
                set_item(form, d, "coverage.clinics_no_cell.this", Out::Number(1.5));
                out.push(fault("INT", (sh, pos), "a count of 1.5".into()));
            }
            "TYPE" => {
                let Some(FieldRef::Cell(i)) = form.field("classes") else {
                    continue;
                };
                d.cells[i] = Out::Text("chưa tổng hợp".into());
                out.push(fault(
                    "TYPE",
                    cell("classes").expect("a cell"),
                    "text in a count cell".into(),
                ));
            }
            "TEXTNUM" => {
                let Some(FieldRef::Cell(i)) = form.field("attendees") else {
                    continue;
                };
                let Out::Number(n) = d.cells[i] else { continue };
                let text = format!("{}", n as u64);
                d.cells[i] = Out::Text(text.clone());
                out.push(fault(
                    "TEXTNUM",
                    cell("attendees").expect("a cell"),
                    format!("count typed as text \"{text}\""),
                ));
            }
            "PERIOD" => {
                let (f, t) = (form.identity.period_from, form.identity.period_to);
                let (Out::Date(a), Out::Date(b)) = (d.cells[f].clone(), d.cells[t].clone()) else {
                    continue;
                };
                d.cells.swap(f, t);
                let c = &form.cells[f];
                out.push(fault(
                    "PERIOD",
                    (c.sheet, c.pos),
                    format!("from {b} after to {a}"),
                ));
            }
            // A column's total typed over its SUM, a few too many.
            "SUM" => {
                let (Some(t), Some(tab)) = (form.tables.first(), d.tables.first_mut()) else {
                    continue;
                };
                let Some(c) = t.columns.iter().position(|c| c.key == "trained") else {
                    continue;
                };
                let sums: Vec<f64> = (0..t.columns.len())
                    .map(|ci| {
                        tab.rows
                            .iter()
                            .map(|r| if let Out::Number(n) = r.2[ci] { n } else { 0.0 })
                            .sum()
                    })
                    .collect();
                let mut total: Vec<Out> = sums.iter().map(|n| Out::Number(*n)).collect();
                let wrong = sums[c] + f64::from(rng.random_range(1..=9u32));
                total[c] = Out::Number(wrong);
                tab.total = Some(total);
                let pos = Pos::new(tab.total_row, t.columns[c].col);
                out.push(fault(
                    "SUM",
                    (t.sheet, pos),
                    format!("total {wrong} instead of {}", sums[c]),
                ));
            }
            // One more chi bộ "có kết nạp" on Biểu 2 than the table shows: reported at
            // the first typed term of the derived figure's balance (III.1.1).
            "ADMITORG" => {
                let Some((_, _, co)) = item(form, d, "admitted.iii2_co.this") else {
                    continue;
                };
                let Some((_, _, of)) = item(form, d, "admitted.iii2.this") else {
                    continue;
                };
                let Some((sh, pos, _)) = item(form, d, "admitted.iii1_co.this") else {
                    continue;
                };
                if co + 1.0 > of {
                    continue;
                }
                set_item(form, d, "admitted.iii2_co.this", Out::Number(co + 1.0));
                out.push(fault(
                    "ADMITORG",
                    (sh, pos),
                    "III.2.1 one more than the table's organisations with admissions".into(),
                ));
            }
            // A share of 105 % typed over the women's percentage of the Thái line.
            "RANGE" => {
                let Some((sh, pos, _)) = item(form, d, "by_group.thai.pct") else {
                    continue;
                };
                let Some((_, _, total)) = item(form, d, "by_group.thai.total") else {
                    continue;
                };
                if total == 0.0 {
                    continue;
                }
                set_item(form, d, "by_group.thai.pct", Out::Number(105.0));
                out.push(fault("RANGE", (sh, pos), "Tỷ lệ 105 %".into()));
            }
            _ => {}
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::period::Period;
    use rand::SeedableRng;

    fn official() -> Form {
        Form::load(Some(std::path::Path::new("phat-trien-dang-vien-2026.2"))).unwrap()
    }

    fn opts() -> SampleOptions {
        SampleOptions {
            units: 49,
            rows: None,
            seed: 1,
            faults: 0,
            faulty_units: None,
            period: Period::parse("01/01/2026..30/06/2026").unwrap(),
            past: None,
            formulas: false,
        }
    }

    #[test]
    fn kinds_follow_the_unit() {
        assert_eq!(Kind::of("MUONGNHE", "Đảng bộ xã Mường Nhé"), Kind::Commune);
        assert_eq!(Kind::of("CAT", "Đảng bộ Công an tỉnh"), Kind::Armed);
        assert_eq!(
            Kind::of("UBND", "Đảng bộ Ủy ban nhân dân tỉnh"),
            Kind::Agencies
        );
    }

    #[test]
    fn every_unit_expected_gets_every_figure_of_the_form() {
        let form = official();
        for u in form.units.expected(Some(opts().period)) {
            let mut rng = ChaCha8Rng::seed_from_u64(u as u64);
            let d = clean(
                &form,
                u,
                &opts(),
                super::super::UnitPast::default(),
                &mut rng,
            )
            .unwrap();
            let movement = &d.lists[0].rows;
            let get = |k: &str| item(&form, &d, k).unwrap().2;
            assert!(movement.iter().all(Option::is_some));
            assert_eq!(get("movement.d.this"), get("members.i.this"));
            assert_eq!(get("movement.b1.this"), get("admitted.total.this"));
            assert!(get("admitted.ethnic.this") <= get("admitted.total.this"));
        }
    }
}
