//! The units a form expects, and when: a unit has a validity (from, to) and the units it
//! took over, so one form serves the periods before and after a reorganisation (Điện
//! Biên's 15 district-level units until 30/6/2025, its 49 since 1/7/2025), and a
//! comparison across it can add predecessors up.

use super::file::UnitFile;
use crate::period::Period;
use crate::text::fold;
use chrono::NaiveDate;
use std::collections::HashMap;

/// One unit that reports to the province.
#[derive(Debug, Clone)]
pub struct Unit {
    /// Its code: ASCII, the name of its returned workbook.
    pub code: String,
    /// Its name with diacritics.
    pub name: String,
    /// Other names it may write.
    pub aliases: Vec<String>,
    /// First day it exists; `None`: always has.
    pub from: Option<NaiveDate>,
    /// Last day it exists; `None`: it still does.
    pub to: Option<NaiveDate>,
    /// The units it took over, by index, and whether each went wholly into it.
    pub predecessors: Vec<Predecessor>,
}

/// A unit taken over by another.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Predecessor {
    /// The predecessor's index in the roster.
    pub unit: usize,
    /// It went entirely into this unit, so its figures carry over exactly; otherwise
    /// only a part did, and a comparison through it is approximate.
    pub whole: bool,
}

impl Unit {
    /// Whether the unit is expected for `period`: it exists on its last day (without a
    /// period, it still exists).
    pub fn exists_on_end(&self, period: Option<Period>) -> bool {
        match period {
            Some(p) => self.exists_on(p.to),
            None => self.to.is_none(),
        }
    }

    /// Whether the unit exists on `day`.
    pub fn exists_on(&self, day: NaiveDate) -> bool {
        self.from.is_none_or(|f| f <= day) && self.to.is_none_or(|t| day <= t)
    }
}

/// The most units the blank form lists by name. A national roll-up of every grassroots
/// organisation (50,000 units) would put a megabyte of names into every unit's file, and
/// every reader would parse them; a drop-down of that many names is no help to a clerk
/// either. Past this, the name and the code are typed (or filled in: `template
/// --per-unit`).
pub const MAX_LISTED: usize = 5_000;

/// Every unit of the form, past and present, indexed by code.
#[derive(Debug, Clone, Default)]
pub struct Roster {
    units: Vec<Unit>,
    /// Every submission is looked up by code, and a roll-up has thousands of units.
    by_code: HashMap<String, usize>,
    /// The units of each name, lower-cased: see [`Roster::by_exact_name`].
    by_lower_name: HashMap<String, Vec<usize>>,
    /// See [`Roster::listed`]; known when the roster is made, since every file's
    /// identification asks it.
    listed: bool,
}

impl std::ops::Deref for Roster {
    type Target = [Unit];
    fn deref(&self) -> &[Unit] {
        &self.units
    }
}

impl Roster {
    /// A roster of `units` (codes are unique; the specification checks it).
    pub fn new(units: Vec<Unit>) -> Roster {
        let by_code = units
            .iter()
            .enumerate()
            .map(|(i, u)| (u.code.clone(), i))
            .collect();
        let mut by_lower_name: HashMap<String, Vec<usize>> = HashMap::new();
        for (i, u) in units.iter().enumerate() {
            by_lower_name
                .entry(u.name.to_lowercase())
                .or_default()
                .push(i);
        }
        let today = units.iter().filter(|u| u.exists_on_end(None)).count();
        Roster {
            units,
            by_code,
            by_lower_name,
            listed: today > 0 && today <= MAX_LISTED,
        }
    }

    /// The unit with this code, however it was cased or spaced.
    pub fn by_code(&self, code: &str) -> Option<usize> {
        self.by_code.get(&code.trim().to_ascii_uppercase()).copied()
    }

    /// The first unit whose name is `name` but for case, as a spreadsheet's exact lookup
    /// (VLOOKUP with FALSE) matches it; with `on`, among the units that exist that day.
    /// Indexed: it may be asked for every file of a roll-up.
    pub fn by_exact_name(&self, name: &str, on: Option<NaiveDate>) -> Option<usize> {
        self.by_lower_name
            .get(&name.to_lowercase())?
            .iter()
            .copied()
            .find(|&u| on.is_none_or(|d| self.units[u].exists_on(d)))
    }

    /// The unit this name or alias names, whatever the Unicode form, case or legacy
    /// encoding it was typed in. With `on`, only units that exist that day: a name may
    /// pass from a dissolved unit to a new one.
    pub fn by_name(&self, name: &str, on: Option<NaiveDate>) -> Option<usize> {
        let n = fold(name);
        if n.is_empty() {
            return None;
        }
        self.units.iter().position(|u| {
            on.is_none_or(|d| u.exists_on(d))
                && (fold(&u.name) == n || u.aliases.iter().any(|a| fold(a) == n))
        })
    }

    /// Up to `n` of `among` nearest to what was typed (`typed`: a code, a name, either
    /// blank), nearest first: what the clerk probably meant. Compared folded (no accents
    /// or case), by edit distance to the code, to the name, to its aliases, and to the
    /// name's last words as many as typed, since units drop the "Đảng bộ" in front.
    /// Only those within a third of what was typed (at least 2 edits) count: a typo, not
    /// another unit that shares the word "Huyện".
    pub fn nearest(&self, typed: &[&str], among: &[usize], n: usize) -> Vec<usize> {
        let typed: Vec<String> = typed
            .iter()
            .map(|t| fold(t))
            .filter(|t| !t.is_empty())
            .collect();
        let mut scored: Vec<(usize, usize)> = among
            .iter()
            .filter_map(|&u| {
                let unit = &self.units[u];
                let mut names = vec![fold(&unit.code), fold(&unit.name)];
                names.extend(unit.aliases.iter().map(|a| fold(a)));
                typed
                    .iter()
                    .flat_map(|t| {
                        let words = t.split(' ').count();
                        let limit = (t.chars().count() / 3).max(2);
                        names
                            .iter()
                            .flat_map(move |name| {
                                let tail: Vec<&str> = name.split(' ').collect();
                                let tail = tail[tail.len().saturating_sub(words)..].join(" ");
                                [strsim::levenshtein(t, name), strsim::levenshtein(t, &tail)]
                            })
                            .filter(move |&d| d <= limit)
                    })
                    .min()
                    .map(|d| (d, u))
            })
            .collect();
        scored.sort_unstable();
        scored.into_iter().take(n).map(|(_, u)| u).collect()
    }

    /// Whether the blank form lists the units for its name drop-down: up to
    /// [`MAX_LISTED`] of those that exist today. Past it the name and code are typed,
    /// and messages must not tell the unit to choose from a list it does not have.
    pub fn listed(&self) -> bool {
        self.listed
    }

    /// The units expected to report for `period`: those that exist on its last day,
    /// since a report counts the members at the end of the period. Without a period,
    /// the units that still exist.
    pub fn expected(&self, period: Option<Period>) -> Vec<usize> {
        (0..self.units.len())
            .filter(|&u| self.units[u].exists_on_end(period))
            .collect()
    }
}

/// TOML's date as a calendar day; a time or offset is a mistake in a unit list.
fn day(d: &toml::value::Datetime) -> Option<NaiveDate> {
    match (d.date, d.time, d.offset) {
        (Some(date), None, None) => {
            NaiveDate::from_ymd_opt(date.year.into(), date.month.into(), date.day.into())
        }
        _ => None,
    }
}

/// Resolve the `[[units]]`, recording every problem.
pub(super) fn resolve(files: &[UnitFile], p: &mut Vec<String>) -> Roster {
    let mut codes: HashMap<&str, usize> = HashMap::new();
    let mut units = Vec::with_capacity(files.len());
    for (i, u) in files.iter().enumerate() {
        if let Some(j) = codes.insert(&u.code, i) {
            p.push(format!(
                "units[{i}].code: duplicate unit code '{}' (also units[{j}])",
                u.code
            ));
        }
        let mut date = |d: &Option<toml::value::Datetime>, field: &str| {
            d.as_ref().and_then(|d| {
                let day = day(d);
                if day.is_none() {
                    p.push(format!(
                        "units[{i}].{field}: '{d}' must be a date like 2025-07-01"
                    ));
                }
                day
            })
        };
        let (from, to) = (date(&u.from, "from"), date(&u.to, "to"));
        if let (Some(f), Some(t)) = (from, to)
            && f > t
        {
            p.push(format!("units[{i}]: from {f} is after to {t}"));
        }
        units.push(Unit {
            code: u.code.clone(),
            name: u.name.clone(),
            aliases: u.aliases.clone(),
            from,
            to,
            predecessors: Vec::new(),
        });
    }
    for (i, u) in files.iter().enumerate() {
        for (k, pre) in u.predecessors.iter().enumerate() {
            match codes.get(pre.code.as_str()) {
                Some(&j) if j == i => p.push(format!(
                    "units[{i}].predecessors[{k}]: a unit cannot succeed itself"
                )),
                Some(&j) => units[i].predecessors.push(Predecessor {
                    unit: j,
                    whole: pre.whole,
                }),
                None => p.push(format!(
                    "units[{i}].predecessors[{k}].code: no unit with code '{}'",
                    pre.code
                )),
            }
        }
    }
    // A name names one unit at a time: two units may share a name only when they never
    // exist on the same day (a district dissolved, a commune of its name created).
    let mut names: HashMap<String, Vec<usize>> = HashMap::new();
    for (i, u) in units.iter().enumerate() {
        for n in std::iter::once(&u.name).chain(&u.aliases) {
            let entry = names.entry(fold(n)).or_default();
            if let Some(&j) = entry.iter().find(|&&j| j != i && overlap(&units[j], u)) {
                p.push(format!("units[{i}]: name '{n}' also names units[{j}]"));
            }
            if !entry.contains(&i) {
                entry.push(i);
            }
        }
    }
    // A whole predecessor went into one unit only.
    let mut whole_of: HashMap<usize, usize> = HashMap::new();
    for (i, u) in units.iter().enumerate() {
        for pre in u.predecessors.iter().filter(|p| p.whole) {
            if let Some(j) = whole_of.insert(pre.unit, i) {
                p.push(format!(
                    "units[{i}].predecessors: '{}' cannot have gone wholly into both '{}' and '{}'",
                    units[pre.unit].code, units[j].code, u.code
                ));
            }
        }
    }
    Roster::new(units)
}

/// Whether two units exist on a common day.
fn overlap(a: &Unit, b: &Unit) -> bool {
    let start = a.from.max(b.from);
    let end = match (a.to, b.to) {
        (Some(x), Some(y)) => Some(x.min(y)),
        (x, y) => x.or(y),
    };
    match (start, end) {
        (Some(s), Some(e)) => s <= e,
        _ => true,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn unit(code: &str, name: &str, from: Option<&str>, to: Option<&str>) -> UnitFile {
        let d = |s: &str| s.parse::<toml::value::Datetime>().unwrap();
        UnitFile {
            code: code.into(),
            name: name.into(),
            aliases: vec![],
            from: from.map(d),
            to: to.map(d),
            predecessors: vec![],
        }
    }

    #[test]
    fn an_exact_name_is_a_units_own_but_for_case_among_those_of_the_day() {
        let mut p = Vec::new();
        let roster = resolve(
            &[
                unit("OLD", "Đảng bộ xã Mường Nhé", None, Some("2025-06-30")),
                unit("MUONGNHE", "Đảng bộ xã Mường Nhé", Some("2025-07-01"), None),
                unit("CAT", "Đảng bộ Công an tỉnh", None, None),
            ],
            &mut p,
        );
        assert!(p.is_empty(), "{p:?}");
        let day = |s: &str| NaiveDate::parse_from_str(s, "%Y-%m-%d").ok();
        assert_eq!(
            roster.by_exact_name("ĐẢNG BỘ XÃ MƯỜNG NHÉ", day("2026-06-30")),
            Some(1)
        );
        assert_eq!(
            roster.by_exact_name("Đảng bộ xã Mường Nhé", day("2025-01-01")),
            Some(0)
        );
        assert_eq!(roster.by_exact_name("Đảng bộ xã Mường Nhé", None), Some(0));
        // Not what an exact lookup matches: spaces, another word, nothing.
        for other in [
            "Đảng bộ xã  Mường Nhé",
            "Đảng bộ xã Mường Nhé ",
            "Mường Nhé",
            "",
        ] {
            assert_eq!(roster.by_exact_name(other, None), None, "{other:?}");
        }
    }

    #[test]
    fn the_nearest_units_are_typos_of_a_code_or_a_name_without_its_prefix() {
        let mut p = Vec::new();
        let roster = resolve(
            &[
                unit("MUONGCHA", "Đảng bộ xã Mường Chà", None, None),
                unit("MUONGNHE", "Đảng bộ xã Mường Nhé", None, None),
                unit("CAT", "Đảng bộ Công an tỉnh", None, None),
            ],
            &mut p,
        );
        let all = [0, 1, 2];
        let code = |u: Vec<usize>| {
            u.iter()
                .map(|&i| roster[i].code.clone())
                .collect::<Vec<_>>()
        };
        // Nearest first; Mường Chà is a few letters off too, never Công an.
        assert_eq!(
            code(roster.nearest(&["MUONGNHEE"], &all, 3)),
            ["MUONGNHE", "MUONGCHA"]
        );
        assert_eq!(
            code(roster.nearest(&["", "xa Muong Nhe"], &all, 3)),
            ["MUONGNHE"]
        );
        assert_eq!(code(roster.nearest(&["MUONGNHEE"], &all, 1)), ["MUONGNHE"]);
        assert_eq!(
            code(roster.nearest(&["XYZ", "Huyện Không Có"], &all, 3)),
            Vec::<String>::new()
        );
        // Only among the units asked about.
        assert!(roster.nearest(&["MUONGNHEE"], &[2], 3).is_empty());
    }

    #[test]
    fn the_expected_units_follow_the_period() {
        let mut p = Vec::new();
        let roster = resolve(
            &[
                unit("MNH", "Huyện Mường Nhé", None, Some("2025-06-30")),
                unit("CAT", "Đảng bộ Công an tỉnh", None, None),
                unit("MUONGNHE", "Đảng bộ xã Mường Nhé", Some("2025-07-01"), None),
            ],
            &mut p,
        );
        assert!(p.is_empty(), "{p:?}");
        let period = |a: &str, b: &str| Some(Period::parse(&format!("{a}..{b}")).unwrap());
        assert_eq!(
            roster.expected(period("01/01/2024", "31/12/2024")),
            vec![0, 1]
        );
        assert_eq!(
            roster.expected(period("01/01/2026", "30/06/2026")),
            vec![1, 2]
        );
        // A year that spans the change counts the units at its end.
        assert_eq!(
            roster.expected(period("01/01/2025", "31/12/2025")),
            vec![1, 2]
        );
        assert_eq!(roster.expected(None), vec![1, 2]);
        let july = NaiveDate::from_ymd_opt(2025, 7, 1);
        assert_eq!(roster.by_name("Đảng bộ xã Mường Nhé", july), Some(2));
        assert_eq!(roster.by_name("huyện mường nhé", july), None);
        assert_eq!(roster.by_name("huyện mường nhé", None), Some(0));
    }

    #[test]
    fn a_name_may_pass_between_units_that_never_coexist() {
        let mut p = Vec::new();
        resolve(
            &[
                unit("OLD", "Mường Chà", None, Some("2025-06-30")),
                unit("NEW", "Mường Chà", Some("2025-07-01"), None),
            ],
            &mut p,
        );
        assert!(p.is_empty(), "{p:?}");
        resolve(
            &[
                unit("OLD", "Mường Chà", None, Some("2025-07-01")),
                unit("NEW", "Mường Chà", Some("2025-07-01"), None),
            ],
            &mut p,
        );
        assert!(p.iter().any(|m| m.contains("also names")), "{p:?}");
    }

    #[test]
    fn predecessors_and_dates_are_checked() {
        let mut p = Vec::new();
        let mut a = unit("A", "A", Some("2025-07-01"), Some("2025-01-01"));
        a.predecessors = vec![
            PredecessorFile {
                code: "B".into(),
                whole: true,
            },
            PredecessorFile {
                code: "ZZZ".into(),
                whole: false,
            },
        ];
        let mut c = unit("C", "C", None, None);
        c.predecessors = vec![PredecessorFile {
            code: "B".into(),
            whole: true,
        }];
        let roster = resolve(&[a, unit("B", "B", None, None), c], &mut p);
        assert!(p.iter().any(|m| m.contains("is after")), "{p:?}");
        assert!(p.iter().any(|m| m.contains("'ZZZ'")), "{p:?}");
        assert!(p.iter().any(|m| m.contains("wholly into both")), "{p:?}");
        assert_eq!(
            roster[0].predecessors,
            vec![Predecessor {
                unit: 1,
                whole: true
            }]
        );
    }

    use super::super::file::PredecessorFile;
}
