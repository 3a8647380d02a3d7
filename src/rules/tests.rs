use super::*;
use crate::cellref::Pos;
use crate::extract::{Row, TableData, Value};
use crate::form::Form;

/// A report of the default form with every figure consistent.
fn good() -> (Form, Report) {
    let form = Form::from_toml(crate::form::FORM_2026_1, "2026.1").unwrap();
    let mut cells = vec![Value::Blank; form.cells.len()];
    let mut set = |k: &str, v: Value| {
        let Some(FieldRef::Cell(i)) = form.field(k) else {
            panic!("{k}")
        };
        cells[i] = v;
    };
    for (k, v) in [
        ("members_start", 100.0),
        ("admitted", 5.0),
        ("transferred_in", 2.0),
        ("transferred_out", 1.0),
        ("deceased", 1.0),
        ("removed", 0.0),
        ("members_end", 105.0),
        ("women", 42.0),
        ("women_pct", 40.0),
    ] {
        set(k, Value::Number(v));
    }
    let d = |s: &str| Value::Date(crate::text::date::parse_date_text(s).unwrap());
    set("period_from", d("01/01/2026"));
    set("period_to", d("30/06/2026"));
    let row = |r: u32, v: [f64; 7]| Row {
        row: r,
        label: format!("Chi bộ {r}"),
        values: v.iter().map(|n| Value::Number(*n)).collect(),
    };
    let table = TableData {
        rows: vec![
            row(3, [4.0, 5.0, 3.0, 1.0, 1.0, 2.0, 1.0]),
            row(4, [2.0, 2.0, 2.0, 1.0, 0.0, 1.0, 1.0]),
        ],
        total: Some(row(5, [6.0, 7.0, 5.0, 2.0, 1.0, 3.0, 2.0])),
        total_ranges: Vec::new(),
        dropped: None,
    };
    let report = Report {
        form_id: Some(form.id.clone()),
        form_version: Some(form.version.clone()),
        cells,
        tables: vec![table],
        lists: Vec::new(),
        derived: Vec::new(),
        sheet_names: form.sheets.iter().map(|s| s.name.clone()).collect(),
        sheet_missing: vec![false; form.sheets.len()],
        code_uncalculated: false,
    };
    (form, report)
}

/// Every finding but the blanks, as (code, cell).
fn codes(form: &Form, r: &Report, ctx: &Context) -> Vec<(String, String)> {
    check(form, &form.rules, r, ctx)
        .into_iter()
        .filter(|f| f.code.as_str() != "REQ")
        .map(|f| {
            (
                f.code.to_string(),
                f.at.cell.map(|p| p.to_string()).unwrap_or_default(),
            )
        })
        .collect()
}

fn cell(form: &Form, k: &str) -> usize {
    match form.field(k) {
        Some(FieldRef::Cell(i)) => i,
        _ => unreachable!("{k}"),
    }
}

#[test]
fn consistent_report_has_no_findings_beyond_blanks() {
    let (form, r) = good();
    assert_eq!(codes(&form, &r, &Context::default()), vec![]);
}

#[test]
fn balance_sum_part_percent_and_cross_sheet() {
    let (form, mut r) = good();
    r.cells[cell(&form, "members_end")] = Value::Number(106.0);
    r.cells[cell(&form, "women_pct")] = Value::Number(40.02); // 42/106 = 39.62: off
    r.tables[0].rows[1].values[3] = Value::Number(3.0); // women 3 > admitted 2
    r.tables[0].total.as_mut().unwrap().values[2] = Value::Number(6.0); // total admitted 6 != 5
    let got = codes(&form, &r, &Context::default());
    for want in [
        ("BALANCE", "C10"),
        ("PCT", "D12"),
        ("PART", "F5"),
        ("SUM", "E6"),
        ("XSHEET", "C5"),
    ] {
        assert!(
            got.contains(&(want.0.to_string(), want.1.to_string())),
            "{want:?} not in {got:?}"
        );
    }
}

#[test]
fn percent_tolerance_is_inclusive_and_zero_base_needs_zero() {
    let (form, mut r) = good();
    let i = cell(&form, "women_pct");
    // 42 / 105 = 40.00 exactly; 40.01 is within 0.01 points.
    r.cells[i] = Value::Number(40.01);
    assert!(codes(&form, &r, &Context::default()).is_empty());
    r.cells[i] = Value::Number(40.02);
    assert_eq!(
        codes(&form, &r, &Context::default()),
        vec![("PCT".into(), "D12".into())]
    );
}

#[test]
fn negative_and_fractional_counts_and_period() {
    let (form, mut r) = good();
    r.tables[0].rows[0].values[6] = Value::Number(-1.0);
    r.tables[0].rows[0].values[5] = Value::Number(1.5);
    let ctx = Context {
        period: Some(Period {
            from: chrono::NaiveDate::from_ymd_opt(2026, 7, 1).unwrap(),
            to: chrono::NaiveDate::from_ymd_opt(2026, 12, 31).unwrap(),
        }),
    };
    let got = codes(&form, &r, &ctx);
    assert!(got.contains(&("INT".into(), "I4".into())), "{got:?}");
    assert!(got.contains(&("INT".into(), "H4".into())), "{got:?}");
    assert!(
        got.contains(&("PERIOD".into(), "C8".into()))
            && got.contains(&("PERIOD".into(), "C9".into())),
        "{got:?}"
    );
}

#[test]
fn blank_operands_skip_rules_instead_of_counting_as_zero() {
    let (form, mut r) = good();
    r.cells[cell(&form, "deceased")] = Value::Blank;
    let all = check(&form, &form.rules, &r, &Context::default());
    assert!(
        all.iter()
            .any(|f| f.code.as_str() == "REQ" && f.at.cell == Some(Pos::new(7, 2)))
    );
    assert!(!all.iter().any(|f| f.code.as_str() == "BALANCE"));
}

/// The figures of an example written into a consistent report.
fn apply(form: &Form, r: &mut Report, figures: &[(&str, Figure)]) {
    for &(key, fig) in figures {
        let f = form.field(key).unwrap_or_else(|| panic!("no field {key}"));
        let v = match fig {
            Figure::Number(n) => Value::Number(n),
            Figure::Blank => Value::Blank,
            Figure::Text(t) if form.field_type(f) == crate::spec::FieldType::Date => {
                Value::Date(crate::text::date::parse_date_text(t).unwrap())
            }
            Figure::Text(t) => Value::Text(Box::new(t.to_string())),
        };
        match f {
            FieldRef::Cell(i) => r.cells[i] = v,
            FieldRef::Column { table, column } => {
                r.tables[table].total.as_mut().unwrap().values[column] = v
            }
            FieldRef::Item { list, row, column } => {
                assert!(
                    r.lists[list].set_value(row, column, v),
                    "{key}: line not found"
                )
            }
            FieldRef::Derived(_) => panic!("{key}: a derived figure is not written"),
        }
    }
}

/// The archive a look-back kind's example is checked against: unit 0 reported
/// `past.figures` in the previous period and the same period a year earlier.
fn example_history(form: &Form, set: &RuleSet, past: &PastExample) -> History {
    use crate::history::{Peers, Reference};
    let period = crate::period::Period::parse("01/01/2026..30/06/2026").unwrap();
    let code = form.units[0].code.clone();
    let reference = |p: crate::period::Period| Reference {
        period: p,
        closed: past.closed,
        values: std::collections::HashMap::from([(
            code.clone(),
            past.figures
                .iter()
                .map(|&(k, v)| (k.to_string(), v))
                .collect(),
        )]),
        files: std::collections::HashMap::from([(code.clone(), format!("{code}.xlsx"))]),
        totals: Default::default(),
        chosen: false,
    };
    let mut history = History {
        archive: Some("kho.sqlite".into()),
        period: Some(period),
        previous: crate::history::previous_period(period).map(reference),
        year_before: crate::history::year_before(period).map(reference),
        peers: std::collections::HashMap::new(),
        chosen: None,
        own: std::collections::HashMap::new(),
        contacts: std::collections::HashMap::new(),
    };
    if !past.own.is_empty() {
        for (n, d, _) in set.outlier_rates() {
            history.own.insert(
                (n, d),
                crate::history::OwnHistory {
                    periods: Vec::new(),
                    rates: std::collections::HashMap::from([(0, past.own.to_vec())]),
                },
            );
        }
    }
    if let Some((median, mad)) = past.peers {
        for (n, d, _) in set.outlier_rates() {
            history.peers.insert(
                (n, d),
                Peers {
                    median,
                    spread: mad,
                    median_deviation: true,
                    units: 9,
                },
            );
        }
    }
    history
}

/// Each kind's documented example, run: the rule alone on a consistent report changed
/// by the example's figures gives exactly one finding, with the documented message.
#[test]
fn each_kind_documents_a_violation_it_finds() {
    let mut wrong = Vec::new();
    for doc in DOCS {
        let (form, mut r) = good();
        let file: RuleFile = toml::from_str(doc.example.rule)
            .unwrap_or_else(|e| panic!("{}: example rule: {e}", doc.kind));
        let mut problems = Vec::new();
        let set = RuleSet::resolve(&form.layout, &[file], &mut problems);
        assert!(problems.is_empty(), "{}: {problems:?}", doc.kind);
        assert_eq!(set.iter().next().map(|r| r.kind.name()), Some(doc.kind));
        apply(&form, &mut r, doc.example.figures);
        let (_, mut found) = identify(&form.layout, &set, &r);
        found.extend(check(&form.layout, &set, &r, &Context::default()));
        let past = PASTS[DOCS.iter().position(|d| d.kind == doc.kind).unwrap()];
        if set.iter().any(|rule| rule.kind.looks_back()) {
            // Nothing without the past: no rule looks back when the archive has nothing.
            assert!(found.is_empty(), "{}: {found:?}", doc.kind);
            let history = example_history(&form, &set, &past);
            found.extend(check_past(&form.layout, &set, &r, 0, &history));
        }
        let messages: Vec<&str> = found.iter().map(|f| f.message.vi.as_str()).collect();
        if messages != [doc.example.message] {
            wrong.push(format!("{}: {messages:?}", doc.kind));
        }
    }
    assert!(
        wrong.is_empty(),
        "examples whose message differs:\n{}",
        wrong.join("\n")
    );
}

#[test]
fn the_readme_lists_each_kind_as_it_documents_itself() {
    let readme = include_str!("../../README.md");
    let table = kinds_table();
    assert!(
        readme.contains(&table),
        "README.md's table of rule kinds differs from the kinds' documentation; it should read:\n{table}"
    );
}

/// A unit code its file's program never calculated: the name gives the unit, as the
/// form's lookup would (exactly, whatever the case), with nothing for the unit to fix.
/// A name the lookup would not have matched (an alias, or two spaces for one) is still
/// recognised, with the UNITNAME warning asking to choose the name from the list.
#[test]
fn an_uncalculated_code_is_the_unit_the_lookup_would_give() {
    let (form, mut r) = good();
    let id = form.layout.identity;
    let name = id.unit_name.expect("the 2026.1 form asks for the name");
    r.code_uncalculated = true;
    let unit = &form.layout.units[3];
    r.cells[name] = Value::Text(Box::new(unit.name.to_uppercase()));
    assert_eq!(
        identify(&form.layout, &form.rules, &r),
        (Some(3), Vec::new())
    );

    let police = form
        .layout
        .units
        .iter()
        .position(|u| u.aliases.iter().any(|a| a == "Công an tỉnh"))
        .expect("the provincial police have an alias");
    let spaced = unit.name.replacen(' ', "  ", 1);
    for (typed, u) in [("Công an tỉnh".to_string(), police), (spaced, 3)] {
        r.cells[name] = Value::Text(Box::new(typed.clone()));
        let (found_unit, found) = identify(&form.layout, &form.rules, &r);
        assert_eq!(found_unit, Some(u), "{typed}");
        let codes: Vec<&str> = found.iter().map(|f| f.code.as_str()).collect();
        assert_eq!(codes, ["UNITNAME"], "{typed}");
        assert!(
            found[0].message.vi.contains("Hãy chọn lại tên"),
            "{found:?}"
        );
    }
    // The blank code is the lookup's, even for a name of no unit: not a required-cell
    // error (the unit rule speaks of it).
    let at = &form.layout.cells[id.unit_code];
    for typed in [unit.name.as_str(), "Đảng bộ không có"] {
        r.cells[name] = Value::Text(Box::new(typed.to_string()));
        let checked = check(&form.layout, &form.rules, &r, &Context::default());
        assert!(
            checked.iter().all(|f| !(f.code.as_str() == "REQ"
                && f.at.sheet == Some(at.sheet)
                && f.at.cell == Some(at.pos))),
            "{typed}: {checked:?}"
        );
    }

    // A blank code the file's program did calculate: the unit is asked to write it.
    r.code_uncalculated = false;
    r.cells[name] = Value::Text(Box::new(unit.name.clone()));
    let (u, found) = identify(&form.layout, &form.rules, &r);
    assert_eq!(u, Some(3));
    assert_eq!(found.len(), 1, "{found:?}");
    assert!(found[0].message.vi.contains("Hãy ghi mã"), "{found:?}");
}
