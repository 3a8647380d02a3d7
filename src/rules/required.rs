//! `required`: cells that must not be left blank.
//!
//! # What it checks
//! Each field it applies to is filled in: by default the cells marked `required = true`
//! and every column of every table (on each used row and the total row).
//!
//! # Why
//! Blank is not zero: a blank cell may be a figure the unit forgot, and summing it as 0
//! would hide the gap in the province's total.
//!
//! # Example
//! A blank `deceased` gives: *"Từ trần" chưa nhập. Ô bắt buộc: nếu không có thì ghi 0
//! (để trống khác với số 0).*

use super::checker::row_note;
use super::{Checker, Doc, Example, Figure, Kind, Meta, Resolver};
use crate::extract::Value;
use crate::finding::Shown;
use crate::lang::Msg;
use crate::spec::FieldRef;
use serde::Deserialize;

/// Fields of a `required` rule.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Fields {
    keys: Option<Vec<String>>,
}

/// Every figure of `targets` is filled in.
#[derive(Debug, Clone)]
pub struct Required {
    targets: Vec<FieldRef>,
}

impl Kind for Required {
    const DOC: Doc = Doc {
        kind: "required",
        fields: "`keys` (default: cells with `required = true` and every table column)",
        holds: "the cell is not blank",
        why: "Blank is not zero: a blank cell may be a figure the unit forgot, and summing it as 0 would hide the gap.",
        example: Example {
            rule: r#"code = "REQ"
kind = "required"
keys = ["deceased"]
description = "Các ô bắt buộc không được để trống""#,
            figures: &[("deceased", Figure::Blank)],
            message: "\"Từ trần\" chưa nhập. Ô bắt buộc: nếu không có thì ghi 0 (để trống khác với số 0).",
        },
    };
    type Fields = Fields;

    fn resolve(f: Fields, r: &mut Resolver<'_>) -> Option<Self> {
        let layout = r.layout();
        let targets = match f.keys.as_deref() {
            Some(keys) => r.targets(Some(keys), None, &[]),
            None => layout.fields().filter(|&f| layout.field_required(f)).collect(),
        };
        Some(Required { targets })
    }

    fn check(&self, rule: &Meta, c: &mut Checker<'_>) {
        for &f in &self.targets {
            if c.code_by_name && f == FieldRef::Cell(c.layout.identity.unit_code) {
                continue;
            }
            let (l, le) = c.label(f);
            let numeric = c.layout.field_type(f).is_numeric();
            for (v, at, row) in c.all(f) {
                if *v != Value::Blank {
                    continue;
                }
                let (rv, re) = row_note(row);
                let msg = if numeric {
                    Msg::new(
                        format!("\"{l}\"{rv} chưa nhập. Ô bắt buộc: nếu không có thì ghi 0 (để trống khác với số 0)."),
                        format!("\"{le}\"{re} is blank. It is required: write 0 if there is none (blank is not zero)."),
                    )
                } else {
                    Msg::new(
                        format!("\"{l}\"{rv} chưa nhập. Đây là ô bắt buộc."),
                        format!("\"{le}\"{re} is blank. It is required."),
                    )
                };
                c.push(
                    rule,
                    at,
                    msg,
                    Some(Shown::Blank),
                    Some(if numeric {
                        Shown::AtLeast(0.0)
                    } else {
                        Shown::Text(l.to_string())
                    }),
                );
            }
        }
    }
}
