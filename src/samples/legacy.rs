//! Submissions of the 2010-era form (version 2026.1: one "Đảng viên" sheet with start,
//! movement and composition cells, "Địa bàn" with start and end cells), kept so the
//! shipped old form still gets realistic samples.

use super::{Fault, KINDS, PLACES, SampleOptions, cell_index, fault_at, identity};
use crate::cellref::Pos;
use crate::form::Form;
use crate::rules::RuleKind;
use crate::spec::FieldRef;
use crate::text::date::format_date;
use crate::write::form::{FormData, Out, TableOut};
use rand::Rng;
use rand::seq::SliceRandom;
use rand_chacha::ChaCha8Rng;

/// The figures the generator fills: a form without them is not this one.
pub(super) const NEEDS: &[&str] = &["members_start", "admitted", "transferred_in", "members_end"];

/// A consistent submission: every rule of the form holds.
pub(super) fn clean(form: &Form, u: usize, opts: &SampleOptions, rng: &mut ChaCha8Rng) -> FormData {
    let mut cells = vec![Out::Blank; form.cells.len()];
    let mut nums: Vec<f64> = vec![0.0; form.cells.len()];
    let mut tables = Vec::new();
    let mut admitted_total = 0.0;
    for t in &form.tables {
        let rows = opts.rows.unwrap_or_else(|| rng.random_range(10..=60));
        let mut out = Vec::with_capacity(rows);
        for r in 0..rows {
            let kind = KINDS[rng.random_range(0..KINDS.len())];
            let place = PLACES[(u * 7 + r) % PLACES.len()];
            let label = if r >= PLACES.len() {
                format!("{kind} {place} {}", r / PLACES.len() + 1)
            } else {
                format!("{kind} {place}")
            };
            let introduced: u32 = rng.random_range(0..=25);
            let trained = introduced + rng.random_range(0..=10);
            let admitted = rng.random_range(0..=introduced);
            let mut values = Vec::with_capacity(t.columns.len());
            for c in &t.columns {
                let v = match c.key.as_str() {
                    "introduced" => introduced,
                    "trained" => trained,
                    "admitted" => admitted,
                    _ => rng.random_range(0..=admitted),
                };
                values.push(Out::Number(v as f64));
            }
            if let Some(a) = t.columns.iter().position(|c| c.key == "admitted") {
                admitted_total += admitted as f64;
                let _ = a;
            }
            out.push((t.first_row + r as u32, Out::Text(label), values));
        }
        tables.push(TableOut {
            total_row: t.first_row + rows as u32,
            rows: out,
            total: None,
            total_label: None,
            label: None,
        });
    }
    let start: f64 = rng.random_range(800..=5000) as f64;
    let tin: f64 = rng.random_range(0..=40) as f64;
    let set = |key: &str, v: f64, cells: &mut Vec<Out>, nums: &mut Vec<f64>| {
        if let Some(FieldRef::Cell(i)) = form.field(key) {
            cells[i] = Out::Number(v);
            nums[i] = v;
        }
    };
    set("members_start", start, &mut cells, &mut nums);
    set("admitted", admitted_total, &mut cells, &mut nums);
    set("transferred_in", tin, &mut cells, &mut nums);
    let out = rng.random_range(0..=30) as f64;
    let dead = rng.random_range(0..=15) as f64;
    let removed = rng.random_range(0..=5) as f64;
    set("transferred_out", out, &mut cells, &mut nums);
    set("deceased", dead, &mut cells, &mut nums);
    set("removed", removed, &mut cells, &mut nums);
    let end = start + admitted_total + tin - out - dead - removed;
    set("members_end", end, &mut cells, &mut nums);
    let frac = |rng: &mut ChaCha8Rng, lo: f64, hi: f64| (end * rng.random_range(lo..hi)).round();
    let women = frac(rng, 0.25, 0.45);
    let ethnic = frac(rng, 0.2, 0.7);
    let youth = frac(rng, 0.3, 0.7);
    let agencies = frac(rng, 0.45, 0.75);
    let communes = (end - agencies - rng.random_range(0.0..3.0_f64).round()).max(0.0);
    for (key, v) in [
        ("women", women),
        ("ethnic", ethnic),
        ("youth", youth),
        ("officials_agencies", agencies),
        ("officials_communes", communes),
    ] {
        set(key, v, &mut cells, &mut nums);
    }
    set(
        "classes",
        rng.random_range(2..=8) as f64,
        &mut cells,
        &mut nums,
    );
    let attendees: f64 = tables.first().map_or(0.0, |t| {
        t.rows
            .iter()
            .map(|r| {
                if let Out::Number(n) = r.2.get(1).unwrap_or(&Out::Blank) {
                    *n
                } else {
                    0.0
                }
            })
            .sum()
    });
    set("attendees", attendees, &mut cells, &mut nums);
    let villages = rng.random_range(40..=220) as f64;
    let vs = rng.random_range(0..=12) as f64;
    set("villages", villages, &mut cells, &mut nums);
    set("villages_without_start", vs, &mut cells, &mut nums);
    set(
        "villages_without_end",
        (vs - rng.random_range(0..=4) as f64).max(0.0),
        &mut cells,
        &mut nums,
    );
    let schools = rng.random_range(25..=120) as f64;
    let ss = rng.random_range(0..=6) as f64;
    set("schools", schools, &mut cells, &mut nums);
    set("schools_without_start", ss, &mut cells, &mut nums);
    set(
        "schools_without_end",
        (ss - rng.random_range(0..=2) as f64).max(0.0),
        &mut cells,
        &mut nums,
    );
    // Percentages from their declared count and base, rounded as a clerk would.
    for rule in form.rules.iter() {
        if let RuleKind::Percent(pct) = &rule.kind {
            for (p, c, base) in pct.triples() {
                let b = nums[cell_index(base)];
                let v = if b == 0.0 {
                    0.0
                } else {
                    (nums[cell_index(c)] / b * 10_000.0).round() / 100.0
                };
                cells[cell_index(p)] = Out::Number(v);
            }
        }
    }
    identity(form, u, opts, rng, &mut cells);
    FormData {
        form_id: form.id.clone(),
        form_version: form.version.clone(),
        cells,
        tables,
        lists: Vec::new(),
    }
}

/// Inject `count` different faults and say where each one is.
pub(super) fn inject(
    form: &Form,
    d: &mut FormData,
    count: usize,
    rng: &mut ChaCha8Rng,
) -> Vec<Fault> {
    let mut kinds: Vec<&str> = vec![
        "SUM", "PART", "BALANCE", "PCT", "INT", "REQ", "XSHEET", "RANGE", "TYPE", "TEXTNUM",
        "PERIOD",
    ];
    kinds.shuffle(rng);
    let mut out = Vec::new();
    let cell_of = |key: &str| match form.field(key) {
        Some(FieldRef::Cell(i)) => Some(i),
        _ => None,
    };
    let num = |d: &FormData, i: usize| {
        if let Out::Number(n) = d.cells[i] {
            n
        } else {
            0.0
        }
    };
    for kind in kinds.into_iter().take(count) {
        let fault = |rule: &str, sheet: usize, pos: Pos, what: String| {
            fault_at(form, rule, rule == "TEXTNUM", sheet, pos, what)
        };
        let t = &form.tables[0];
        let table = &mut d.tables[0];
        let col = |key: &str| t.columns.iter().position(|c| c.key == key);
        match kind {
            "SUM" => {
                let c = rng.random_range(0..t.columns.len());
                let sum: f64 = table
                    .rows
                    .iter()
                    .map(|r| if let Out::Number(n) = r.2[c] { n } else { 0.0 })
                    .sum();
                let wrong = sum + rng.random_range(1..=9) as f64;
                let mut total: Vec<Out> = t
                    .columns
                    .iter()
                    .enumerate()
                    .map(|(ci, _)| {
                        Out::Number(
                            table
                                .rows
                                .iter()
                                .map(|r| if let Out::Number(n) = r.2[ci] { n } else { 0.0 })
                                .sum(),
                        )
                    })
                    .collect();
                total[c] = Out::Number(wrong);
                table.total = Some(total);
                out.push(fault(
                    "SUM",
                    t.sheet,
                    Pos::new(table.total_row, t.columns[c].col),
                    format!("total {wrong} instead of {sum}"),
                ));
            }
            "PART" => {
                let (Some(a), Some(w)) = (col("admitted"), col("women")) else {
                    continue;
                };
                let r = rng.random_range(0..table.rows.len());
                let adm = if let Out::Number(n) = table.rows[r].2[a] {
                    n
                } else {
                    0.0
                };
                table.rows[r].2[w] = Out::Number(adm + 2.0);
                out.push(fault(
                    "PART",
                    t.sheet,
                    Pos::new(table.rows[r].0, t.columns[w].col),
                    format!("women {} > admitted {adm}", adm + 2.0),
                ));
            }
            "INT" => {
                let Some(c) = col("under30") else { continue };
                let r = rng.random_range(0..table.rows.len());
                table.rows[r].2[c] = Out::Number(-2.0);
                out.push(fault(
                    "INT",
                    t.sheet,
                    Pos::new(table.rows[r].0, t.columns[c].col),
                    "negative count -2".into(),
                ));
            }
            "BALANCE" => {
                let (Some(ti), Some(e)) = (cell_of("transferred_in"), cell_of("members_end"))
                else {
                    continue;
                };
                d.cells[ti] = Out::Number(num(d, ti) + 3.0);
                let c = &form.cells[e];
                out.push(fault(
                    "BALANCE",
                    c.sheet,
                    c.pos,
                    "transferred in raised by 3, end unchanged".into(),
                ));
            }
            "PCT" => {
                let Some(p) = cell_of("women_pct") else {
                    continue;
                };
                d.cells[p] = Out::Number(num(d, p) + 1.5);
                let c = &form.cells[p];
                out.push(fault(
                    "PCT",
                    c.sheet,
                    c.pos,
                    "women percentage off by 1.5 points".into(),
                ));
            }
            "REQ" => {
                // A figure no other injected fault relies on, so each fault is found alone.
                let Some(i) = cell_of("villages") else {
                    continue;
                };
                d.cells[i] = Out::Blank;
                let c = &form.cells[i];
                out.push(fault(
                    "REQ",
                    c.sheet,
                    c.pos,
                    "villages in total left blank".into(),
                ));
            }
            "XSHEET" => {
                let (Some(a), Some(ti)) = (cell_of("admitted"), cell_of("transferred_in")) else {
                    continue;
                };
                d.cells[a] = Out::Number(num(d, a) + 1.0);
                d.cells[ti] = Out::Number(num(d, ti) - 1.0);
                let c = &form.cells[a];
                out.push(fault(
                    "XSHEET",
                    c.sheet,
                    c.pos,
                    "admitted differs from the Kết nạp total by 1".into(),
                ));
            }
            "RANGE" => {
                let Some(p) = cell_of("youth_pct") else {
                    continue;
                };
                d.cells[p] = Out::Number(105.0);
                let c = &form.cells[p];
                out.push(fault("RANGE", c.sheet, c.pos, "percentage 105".into()));
            }
            "TYPE" => {
                let Some(i) = cell_of("classes") else {
                    continue;
                };
                d.cells[i] = Out::Text("chưa tổng hợp".into());
                let c = &form.cells[i];
                out.push(fault("TYPE", c.sheet, c.pos, "text in a count cell".into()));
            }
            "TEXTNUM" => {
                let Some(i) = cell_of("members_start") else {
                    continue;
                };
                let n = num(d, i) as u64;
                let text = if n >= 1000 {
                    format!("{}.{:03}", n / 1000, n % 1000)
                } else {
                    n.to_string()
                };
                d.cells[i] = Out::Text(text.clone());
                let c = &form.cells[i];
                out.push(fault(
                    "TEXTNUM",
                    c.sheet,
                    c.pos,
                    format!("count typed as text \"{text}\""),
                ));
            }
            "PERIOD" => {
                let (f, t2) = (form.identity.period_from, form.identity.period_to);
                let (Out::Date(a), Out::Date(b)) = (d.cells[f].clone(), d.cells[t2].clone()) else {
                    continue;
                };
                d.cells[f] = Out::Date(b);
                d.cells[t2] = Out::Date(a);
                let c = &form.cells[f];
                out.push(fault(
                    "PERIOD",
                    c.sheet,
                    c.pos,
                    format!("from {} after to {}", format_date(b), format_date(a)),
                ));
            }
            _ => {}
        }
    }
    out
}
