//! `[report]`: what a printed form carries besides its figures, as the official forms
//! print it (Biểu số 1-BTCTW and the others): the reporting body's name and the report's
//! number over each form, the place and date and the signatures under it (Người lập biểu
//! on the left, the head who signs for the committee on the right), and the sheet of
//! instructions a unit reads before it types (how to fill in, where rows go, when the
//! report is due and whom to ask).
//!
//! Everything here is wording, in the specification so that a province changes it
//! without a new program: who signs differs between a commune's committee ("T/M BAN
//! THƯỜNG VỤ") and the province's Organisation Board reporting upward ("TRƯỞNG BAN").
//! Nothing here is read back from a submission: the reader ignores every cell of it.

use crate::cellref::Pos;
use serde::{Deserialize, Serialize};

/// `[report]` as written.
#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReportFile {
    /// The sheets printed as official forms, each with the heading and the signatures.
    pub sheets: Vec<String>,
    /// The heading's cell on each of those sheets (the reporting body, then the number).
    pub heading: String,
    /// The last cell of the heading's row it spans (merged), if more than one.
    #[serde(default)]
    pub heading_to: Option<String>,
    /// The report's number as printed under the body, to be completed by hand when the
    /// report is registered ("Số ……-BC/ĐU").
    pub number: String,
    /// The place before the date on a unit's form; blank (the default): dots, each unit
    /// writes its own commune by hand.
    #[serde(default)]
    pub place: String,
    /// The reporting body over the province's own report to the level above, lines
    /// separated by `\n` ("TỈNH ỦY ĐIỆN BIÊN\nBAN TỔ CHỨC"); absent: the province's name
    /// in capitals.
    #[serde(default)]
    pub upward_body: Option<String>,
    /// The number of that report ("Số ……-BC/BTCTU"); absent: `number`.
    #[serde(default)]
    pub upward_number: Option<String>,
    /// The place before the date on that report ("Điện Biên"); absent: `place`.
    #[serde(default)]
    pub upward_place: Option<String>,
    /// The left signature: who prepared the form.
    pub preparer: String,
    /// What the preparer writes under it.
    #[serde(default)]
    pub preparer_note: Option<String>,
    /// The right signature on a unit's form: who signs for the committee.
    pub signer: String,
    /// What the signer writes and stamps.
    #[serde(default)]
    pub signer_note: Option<String>,
    /// The right signature on the province's own report to the level above; `signer`
    /// when absent.
    #[serde(default)]
    pub upward_signer: Option<String>,
    /// The instructions sheet's lines, in order; none: no instructions sheet.
    #[serde(default)]
    pub instructions: Vec<Instruction>,
    /// Whom a unit asks, printed with the deadline at the end of the instructions.
    #[serde(default)]
    pub contact: Option<String>,
}

/// One line of `[report] instructions`: a text, or `{ text, unlisted }` when the line
/// tells the unit how to give its name and the blank form may have no drop-down list
/// of unit names (more than [`crate::spec::MAX_LISTED`] units): `unlisted` is printed
/// then.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Instruction {
    /// The same line whatever the form lists.
    Text(String),
    /// A line worded for each case.
    Either(Either),
}

/// See [`Instruction::Either`].
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Either {
    /// The line where the blank form lists the unit names.
    pub text: String,
    /// The line where it does not.
    pub unlisted: String,
}

impl Instruction {
    /// The line for a blank form that lists the unit names (`listed`) or not.
    pub fn text(&self, listed: bool) -> &str {
        match self {
            Instruction::Text(t) => t,
            Instruction::Either(e) if listed => &e.text,
            Instruction::Either(e) => &e.unlisted,
        }
    }
}

/// `[report]` resolved: the sheets by index, the heading by position.
#[derive(Debug, Clone, PartialEq)]
pub struct Paper {
    /// The form's sheets that print the heading and the signatures.
    pub sheets: Vec<usize>,
    /// The heading's cell, and the last column it spans.
    pub heading: (Pos, u16),
    /// See [`ReportFile::number`].
    pub number: String,
    /// See [`ReportFile::place`].
    pub place: String,
    /// See [`ReportFile::upward_body`].
    pub upward_body: Option<String>,
    /// See [`ReportFile::upward_number`].
    pub upward_number: String,
    /// See [`ReportFile::upward_place`].
    pub upward_place: String,
    /// See [`ReportFile::preparer`].
    pub preparer: String,
    /// See [`ReportFile::preparer_note`].
    pub preparer_note: String,
    /// See [`ReportFile::signer`].
    pub signer: String,
    /// See [`ReportFile::signer_note`].
    pub signer_note: String,
    /// See [`ReportFile::upward_signer`].
    pub upward_signer: String,
    /// See [`ReportFile::instructions`].
    pub instructions: Vec<String>,
    /// See [`ReportFile::contact`].
    pub contact: Option<String>,
}

/// Resolve `[report]`; `sheet` finds a form sheet by name, or says it is not one;
/// `listed`: whether the blank form lists the unit names, for the instructions' lines.
pub(super) fn resolve(
    raw: &ReportFile,
    sheet: &dyn Fn(&str) -> Option<usize>,
    listed: bool,
    p: &mut Vec<String>,
) -> Option<Paper> {
    let mut sheets = Vec::new();
    for (i, name) in raw.sheets.iter().enumerate() {
        match sheet(name) {
            Some(s) if !sheets.contains(&s) => sheets.push(s),
            Some(_) => p.push(format!("report.sheets[{i}]: '{name}' is listed twice")),
            None => p.push(format!(
                "report.sheets[{i}]: sheet '{name}' is not declared in [[sheets]]"
            )),
        }
    }
    let Ok(at) = raw.heading.parse::<Pos>() else {
        p.push(format!(
            "report.heading: '{}' is not a cell address such as A2",
            raw.heading
        ));
        return None;
    };
    let last = match &raw.heading_to {
        None => at.col,
        Some(to) => match to.parse::<Pos>() {
            Ok(end) if end.row == at.row && end.col > at.col => end.col,
            _ => {
                p.push(format!(
                    "report.heading_to: '{to}' must be a cell to the right of report.heading on its row"
                ));
                at.col
            }
        },
    };
    let text = |name: &str, v: &str, p: &mut Vec<String>| {
        if v.trim().is_empty() {
            p.push(format!("report.{name}: must not be empty"));
        }
    };
    text("number", &raw.number, p);
    text("preparer", &raw.preparer, p);
    text("signer", &raw.signer, p);
    for (i, line) in raw.instructions.iter().enumerate() {
        match line {
            Instruction::Text(t) => text(&format!("instructions[{i}]"), t, p),
            Instruction::Either(e) => {
                text(&format!("instructions[{i}].text"), &e.text, p);
                text(&format!("instructions[{i}].unlisted"), &e.unlisted, p);
            }
        }
    }
    Some(Paper {
        sheets,
        heading: (at, last),
        number: raw.number.clone(),
        place: raw.place.clone(),
        upward_body: raw.upward_body.clone().filter(|b| !b.trim().is_empty()),
        upward_number: raw
            .upward_number
            .clone()
            .unwrap_or_else(|| raw.number.clone()),
        upward_place: raw
            .upward_place
            .clone()
            .unwrap_or_else(|| raw.place.clone()),
        preparer: raw.preparer.clone(),
        preparer_note: raw.preparer_note.clone().unwrap_or_default(),
        signer: raw.signer.clone(),
        signer_note: raw.signer_note.clone().unwrap_or_default(),
        upward_signer: raw
            .upward_signer
            .clone()
            .unwrap_or_else(|| raw.signer.clone()),
        instructions: raw
            .instructions
            .iter()
            .map(|l| l.text(listed).to_string())
            .collect(),
        contact: raw.contact.clone().filter(|c| !c.trim().is_empty()),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file(sheets: &[&str], heading: &str, to: Option<&str>) -> ReportFile {
        ReportFile {
            sheets: sheets.iter().map(|s| s.to_string()).collect(),
            heading: heading.to_string(),
            heading_to: to.map(str::to_string),
            number: "Số ……-BC/ĐU".to_string(),
            place: String::new(),
            upward_body: Some(" ".to_string()),
            upward_number: None,
            upward_place: Some("Điện Biên".to_string()),
            preparer: "NGƯỜI LẬP BIỂU".to_string(),
            preparer_note: None,
            signer: "T/M BAN THƯỜNG VỤ".to_string(),
            signer_note: None,
            upward_signer: None,
            instructions: vec![
                Instruction::Text("Chỉ nhập vào ô nền vàng.".to_string()),
                Instruction::Either(Either {
                    text: "Chọn tên đơn vị trong danh sách.".to_string(),
                    unlisted: "Ghi tên và mã đơn vị.".to_string(),
                }),
            ],
            contact: Some("  ".to_string()),
        }
    }

    fn sheet(name: &str) -> Option<usize> {
        ["Thông tin", "Biểu 1"].iter().position(|s| *s == name)
    }

    #[test]
    fn a_heading_spans_its_row_and_the_upward_signer_defaults_to_the_signer() {
        let mut p = Vec::new();
        let r = resolve(&file(&["Biểu 1"], "A2", Some("B2")), &sheet, true, &mut p).unwrap();
        assert!(p.is_empty(), "{p:?}");
        assert_eq!(r.sheets, vec![1]);
        assert_eq!(r.heading, (Pos::new(1, 0), 1));
        assert_eq!(r.upward_signer, "T/M BAN THƯỜNG VỤ");
        assert_eq!(r.upward_number, "Số ……-BC/ĐU");
        assert_eq!(
            (r.place.as_str(), r.upward_place.as_str()),
            ("", "Điện Biên")
        );
        // A blank body is no body: the province's name is printed instead.
        assert_eq!(r.upward_body, None);
        // A blank contact is no contact: the instructions would print an empty line.
        assert_eq!(r.contact, None);
    }

    #[test]
    fn a_line_worded_for_each_case_is_printed_as_the_form_lists_the_units_or_not() {
        let mut p = Vec::new();
        let listed = resolve(&file(&["Biểu 1"], "A2", None), &sheet, true, &mut p).unwrap();
        let unlisted = resolve(&file(&["Biểu 1"], "A2", None), &sheet, false, &mut p).unwrap();
        assert!(p.is_empty(), "{p:?}");
        assert_eq!(
            listed.instructions,
            [
                "Chỉ nhập vào ô nền vàng.",
                "Chọn tên đơn vị trong danh sách."
            ]
        );
        assert_eq!(
            unlisted.instructions,
            ["Chỉ nhập vào ô nền vàng.", "Ghi tên và mã đơn vị."]
        );
        // Written in TOML, a line is a text or a table of both.
        let lines: ReportFile = toml::from_str(
            r#"sheets = []
heading = "A2"
number = "Số"
preparer = "A"
signer = "B"
instructions = ["Một.", { text = "Chọn.", unlisted = "Ghi." }]"#,
        )
        .unwrap();
        assert_eq!(lines.instructions[1].text(false), "Ghi.");
        assert!(
            toml::from_str::<ReportFile>(
                r#"sheets = []
heading = "A2"
number = "Số"
preparer = "A"
signer = "B"
instructions = [{ text = "Chọn." }]"#
            )
            .is_err(),
            "a line of one case only"
        );
    }

    #[test]
    fn every_wrong_reference_is_named() {
        let mut p = Vec::new();
        resolve(
            &file(&["Biểu 9", "Biểu 1", "Biểu 1"], "A2", Some("B3")),
            &sheet,
            true,
            &mut p,
        );
        assert_eq!(p.len(), 3, "{p:?}");
        assert!(p[0].contains("'Biểu 9' is not declared"), "{p:?}");
        assert!(p[1].contains("listed twice"), "{p:?}");
        assert!(p[2].starts_with("report.heading_to"), "{p:?}");
        let mut p = Vec::new();
        assert_eq!(resolve(&file(&[], "2A", None), &sheet, true, &mut p), None);
        assert!(p[0].starts_with("report.heading:"), "{p:?}");
    }
}
