//! `tonghop describe`: the form's input map and rules, for people and programs.

use super::{FormArg, print};
use crate::cellref::{Pos, column_name};
use crate::finding::{Builtin, Severity};
use crate::form::Form;
use crate::lang::Lang;
use crate::text::date::format_date;
use anyhow::Result;
use serde::Serialize;
use serde_json::json;

/// The arguments of `tonghop describe`.
#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(flatten)]
    form: FormArg,
    /// Print JSON instead of a table.
    #[arg(long, conflicts_with = "markdown")]
    json: bool,
    /// Print the rule tables as Markdown (the README's tables for the default form).
    #[arg(long)]
    markdown: bool,
}

/// Print the form's input map as a table, JSON or the README's Markdown.
pub fn run(a: Args, lang: Lang) -> Result<u8> {
    let form = a.form.load()?;
    if a.json {
        print(&(serde_json::to_string_pretty(&describe_json(&form))? + "\n"))?;
    } else if a.markdown {
        print(&format!(
            "{}\n{}\n{}",
            rules_table(&form),
            builtin_table(),
            crate::rules::kinds_table()
        ))?;
    } else {
        print(&describe_text(&form, lang))?;
    }
    Ok(0)
}

/// A row of the rule list: the form's declared rules, then the built-in codes.
#[derive(Debug, Clone, Serialize)]
pub struct RuleDoc {
    /// The code findings carry.
    pub code: String,
    /// The severity (the first, for a built-in code raised with two).
    pub severity: Severity,
    /// The rule kind, or `builtin`.
    pub kind: String,
    /// What it checks, in Vietnamese.
    pub description: String,
    /// What it checks, in English.
    pub description_en: String,
}

/// The rules of `form`, then every built-in code.
pub fn rule_docs(form: &Form) -> Vec<RuleDoc> {
    let mut out: Vec<RuleDoc> = form
        .rules
        .iter()
        .map(|r| RuleDoc {
            code: r.meta.code.as_str().to_string(),
            severity: r.meta.severity,
            kind: r.kind.name().to_string(),
            description: r.meta.description.clone(),
            description_en: r.meta.description_en.clone(),
        })
        .collect();
    out.extend(Builtin::ALL.iter().map(|b| {
        let (vi, en) = b.meaning();
        RuleDoc {
            code: b.code().into(),
            severity: b.severities()[0],
            kind: "builtin".into(),
            description: vi.into(),
            description_en: en.into(),
        }
    }));
    out
}

/// The form's rules as a Markdown table, one row per code (rules sharing a code are
/// one row, their descriptions joined).
pub fn rules_table(form: &Form) -> String {
    let mut rows: Vec<(&str, Severity, Vec<&str>)> = Vec::new();
    for r in form.rules.iter() {
        let code = r.meta.code.as_str();
        match rows.iter_mut().find(|(c, ..)| *c == code) {
            Some(row) => row.2.push(&r.meta.description_en),
            None => rows.push((code, r.meta.severity, vec![&r.meta.description_en])),
        }
    }
    let mut s = String::from("| code | severity | checks |\n|---|---|---|\n");
    for (code, severity, checks) in rows {
        s.push_str(&format!(
            "| `{code}` | {} | {} |\n",
            severity.as_str(),
            checks.join("; ")
        ));
    }
    s
}

/// The codes tonghop raises itself, as a Markdown table.
pub fn builtin_table() -> String {
    let mut s = String::from("| code | severity | meaning |\n|---|---|---|\n");
    for b in Builtin::ALL {
        let severities: Vec<&str> = b.severities().iter().map(|s| s.as_str()).collect();
        s.push_str(&format!(
            "| `{}` | {} | {} |\n",
            b.code(),
            severities.join(" / "),
            b.meaning().1
        ));
    }
    s
}

/// The form's input map: what every cell is, for people and programs filling it.
pub fn describe_json(form: &Form) -> serde_json::Value {
    json!({
        "form": { "id": form.id, "version": form.version, "title": form.title, "tolerance": form.tolerance, "deadline_days": form.deadline_days },
        "units": form.units.iter().map(|u| json!({
            "code": u.code, "name": u.name, "aliases": u.aliases,
            "from": u.from.map(|d| d.to_string()), "to": u.to.map(|d| d.to_string()),
            "predecessors": u.predecessors.iter().map(|p| json!({ "code": form.units[p.unit].code, "whole": p.whole })).collect::<Vec<_>>(),
        })).collect::<Vec<_>>(),
        "sheets": form.sheets.iter().map(|s| s.name.clone()).collect::<Vec<_>>(),
        "cells": form.cells.iter().map(|c| json!({
            "key": c.key, "sheet": form.sheets[c.sheet].name, "cell": c.pos.to_string(),
            "type": c.ty, "label": c.label, "label_en": c.label_en, "required": c.required,
        })).collect::<Vec<_>>(),
        "tables": form.tables.iter().map(|t| json!({
            "key": t.key, "sheet": form.sheets[t.sheet].name, "header_row": t.header_row + 1, "first_row": t.first_row + 1,
            "label_column": column_name(t.label_col), "total_label": t.total_label, "max_rows": t.max_rows,
            "columns": t.columns.iter().map(|c| json!({
                "key": c.key, "column": column_name(c.col), "type": c.ty, "label": c.label, "label_en": c.label_en,
            })).collect::<Vec<_>>(),
        })).collect::<Vec<_>>(),
        "lists": form.lists.iter().map(|l| json!({
            "key": l.key, "sheet": form.sheets[l.sheet].name, "header_row": l.header_row + 1, "first_row": l.first_row + 1,
            "code_column": l.code_col.map(column_name), "label_column": column_name(l.label_col), "max_rows": l.max_rows,
            "columns": l.columns.iter().map(|c| json!({
                "key": c.key, "column": column_name(c.col), "type": c.ty, "label": c.label, "label_en": c.label_en, "required": c.required,
            })).collect::<Vec<_>>(),
            "rows": l.rows.iter().enumerate().map(|(ri, r)| json!({
                "key": r.key, "code": r.code, "label": r.label, "label_en": r.label_en, "figures": r.figures,
                // A line may hold another kind of figure than its columns (an average age).
                "types": (0..l.columns.len()).map(|c| l.item_type(ri, c)).collect::<Vec<_>>(),
            })).collect::<Vec<_>>(),
        })).collect::<Vec<_>>(),
        "derived": form.derived.iter().map(|d| json!({
            "key": d.key, "label": d.label, "label_en": d.label_en, "type": d.ty(),
        })).collect::<Vec<_>>(),
        "rules": rule_docs(form).iter().map(|r| json!({
            "code": r.code, "severity": r.severity, "kind": r.kind, "description": r.description, "description_en": r.description_en,
        })).collect::<Vec<_>>(),
    })
}

/// The form as a person reads it, in `lang`; keys, codes and type names stay as the
/// specification writes them, since that is where they are looked up.
fn describe_text(form: &Form, lang: Lang) -> String {
    let t = |vi: &'static str, en: &'static str| lang.pick(vi, en);
    let mut s = format!(
        "{} {} {} {}: {}\n\n{} ({}):\n",
        t("Biểu mẫu", "Form"),
        form.id,
        t("phiên bản", "version"),
        form.version,
        form.title,
        t("Đơn vị", "Units"),
        form.units.len()
    );
    for u in form.units.iter() {
        let when = match (u.from, u.to) {
            (None, None) => String::new(),
            (Some(f), None) => format!("  ({} {})", t("từ", "from"), format_date(f)),
            (None, Some(to)) => format!("  ({} {})", t("đến", "until"), format_date(to)),
            (Some(f), Some(to)) => format!("  ({} – {})", format_date(f), format_date(to)),
        };
        s.push_str(&format!("  {:<12} {}{when}\n", u.code, u.name));
    }
    s.push_str(t("\nÔ nhập liệu:\n", "\nInput cells:\n"));
    for c in &form.cells {
        let pos: Pos = c.pos;
        s.push_str(&format!(
            "  {:<24} {:<12} {:<6} {:<8} {}{}\n",
            c.key,
            form.sheets[c.sheet].name,
            pos.to_string(),
            c.ty.name(),
            c.label,
            if c.required { " *" } else { "" }
        ));
    }
    for tb in &form.tables {
        let (key, sheet, first, total, names) = (
            &tb.key,
            &form.sheets[tb.sheet].name,
            tb.first_row + 1,
            &tb.total_label,
            column_name(tb.label_col),
        );
        s.push_str(&match lang {
            Lang::Vi => format!(
                "\nBảng {key} ở trang '{sheet}': các dòng từ dòng {first} đến dòng ghi '{total}' (tên ở cột {names}):\n"
            ),
            Lang::En => format!(
                "\nTable {key} on '{sheet}': rows from {first} until the row labelled '{total}' (names in column {names}):\n"
            ),
        });
        for c in &tb.columns {
            s.push_str(&format!(
                "  {:<24} {:<6} {:<8} {}\n",
                format!("{}.{}", tb.key, c.key),
                column_name(c.col),
                c.ty.name(),
                c.label
            ));
        }
    }
    for l in &form.lists {
        let (key, sheet, n, code, label, first) = (
            &l.key,
            &form.sheets[l.sheet].name,
            l.rows.len(),
            l.code_col.map_or("-".into(), column_name),
            column_name(l.label_col),
            l.first_row + 1,
        );
        s.push_str(&match lang {
            Lang::Vi => format!(
                "\nDanh mục {key} ở trang '{sheet}': {n} dòng, tìm theo mã (cột {code}) hoặc tên (cột {label}), từ dòng {first}; số liệu:"
            ),
            Lang::En => format!(
                "\nList {key} on '{sheet}': {n} lines found by code (column {code}) or label (column {label}), from row {first}; figures:"
            ),
        });
        for c in &l.columns {
            s.push_str(&format!(
                " {} ({}, {})",
                c.key,
                column_name(c.col),
                c.ty.name()
            ));
        }
        s.push('\n');
        for r in &l.rows {
            s.push_str(&format!(
                "  {:<32} {:<10} {}{}\n",
                format!("{}.{}", l.key, r.key),
                r.code.as_deref().unwrap_or(""),
                r.label,
                if r.figures {
                    ""
                } else {
                    t("  (tiêu đề)", "  (heading)")
                }
            ));
        }
    }
    if !form.derived.is_empty() {
        s.push_str(t("\nSố liệu tính ra:\n", "\nDerived figures:\n"));
        for d in &form.derived {
            s.push_str(&format!(
                "  {:<24} {:<8} {}\n",
                d.key,
                d.ty().name(),
                d.label
            ));
        }
    }
    s.push_str(t("\nQuy tắc kiểm tra:\n", "\nRules:\n"));
    for r in rule_docs(form) {
        s.push_str(&format!(
            "  {:<15} {:<8} {}\n",
            r.code,
            r.severity.word(lang).to_lowercase(),
            lang.pick(&r.description, &r.description_en)
        ));
    }
    s
}
