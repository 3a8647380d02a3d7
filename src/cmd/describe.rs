use super::FormArg;
use crate::finding::rule_docs;
use crate::spec::{Form, Pos};
use anyhow::Result;
use serde_json::json;

#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(flatten)]
    form: FormArg,
    /// Print JSON instead of a table.
    #[arg(long)]
    json: bool,
}

pub fn run(a: Args) -> Result<u8> {
    let form = a.form.load()?;
    if a.json {
        println!("{}", serde_json::to_string_pretty(&describe_json(&form))?);
    } else {
        print!("{}", describe_text(&form));
    }
    Ok(0)
}

/// The form's input map: what every cell is, for people and programs filling it.
pub fn describe_json(form: &Form) -> serde_json::Value {
    json!({
        "form": { "id": form.id, "version": form.version, "title": form.title, "tolerance": form.tolerance },
        "units": form.units.iter().map(|u| json!({ "code": u.code, "name": u.name, "aliases": u.aliases })).collect::<Vec<_>>(),
        "sheets": form.sheets.iter().map(|s| s.name.clone()).collect::<Vec<_>>(),
        "cells": form.cells.iter().map(|c| json!({
            "key": c.key, "sheet": form.sheets[c.sheet].name, "cell": c.pos.to_string(),
            "type": c.ty, "label": c.label, "label_en": c.label_en, "required": c.required,
        })).collect::<Vec<_>>(),
        "tables": form.tables.iter().map(|t| json!({
            "key": t.key, "sheet": form.sheets[t.sheet].name, "header_row": t.header_row + 1, "first_row": t.first_row + 1,
            "label_column": crate::spec::cellref::column_name(t.label_col), "total_label": t.total_label, "max_rows": t.max_rows,
            "columns": t.columns.iter().map(|c| json!({
                "key": c.key, "column": crate::spec::cellref::column_name(c.col), "type": c.ty, "label": c.label, "label_en": c.label_en,
            })).collect::<Vec<_>>(),
        })).collect::<Vec<_>>(),
        "rules": rule_docs(form).iter().map(|r| json!({
            "code": r.code, "severity": r.severity, "kind": r.kind, "description": r.description, "description_en": r.description_en,
        })).collect::<Vec<_>>(),
    })
}

fn describe_text(form: &Form) -> String {
    let mut s = format!(
        "Form {} version {}: {}\n\nUnits ({}):\n",
        form.id,
        form.version,
        form.title,
        form.units.len()
    );
    for u in &form.units {
        s.push_str(&format!("  {:<8} {}\n", u.code, u.name));
    }
    s.push_str("\nInput cells:\n");
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
    for t in &form.tables {
        s.push_str(&format!(
            "\nTable {} on '{}': rows from {} until the row labelled '{}' (names in column {}):\n",
            t.key,
            form.sheets[t.sheet].name,
            t.first_row + 1,
            t.total_label,
            crate::spec::cellref::column_name(t.label_col)
        ));
        for c in &t.columns {
            s.push_str(&format!(
                "  {:<24} {:<6} {:<8} {}\n",
                format!("{}.{}", t.key, c.key),
                crate::spec::cellref::column_name(c.col),
                c.ty.name(),
                c.label
            ));
        }
    }
    s.push_str("\nRules:\n");
    for r in rule_docs(form) {
        s.push_str(&format!(
            "  {:<15} {:<8} {}\n",
            r.code,
            format!("{:?}", r.severity).to_lowercase(),
            r.description
        ));
    }
    s
}
