//! Found and expected values of a finding, typed until they are written: a person
//! reads `≥ 0` and `36,56`, report.json keeps `>= 0` and `36.56`.

use crate::lang::{Lang, plain_number};
use crate::text::date::format_date;
use chrono::NaiveDate;

/// A value a finding shows: what a cell held, or what it should hold.
#[derive(Debug, Clone, PartialEq)]
pub enum Shown {
    /// Nothing was there.
    Blank,
    /// A figure.
    Number(f64),
    /// A text as the cell held it, or a word such as a label or a code.
    Text(String),
    /// A date.
    Date(NaiveDate),
    /// At least this figure.
    AtLeast(f64),
    /// At most this figure.
    AtMost(f64),
    /// Within these bounds, inclusive.
    Between(f64, f64),
    /// On or before this date.
    NotAfter(NaiveDate),
    /// How many more findings of the same kind were left out of the list.
    More(usize),
}

/// How a value is written: for a person in a language, or for a program.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Notation {
    /// As a person of that language writes numbers, with `≥`, `≤` and grouped thousands.
    Human(Lang),
    /// For report.json: plain digits with a decimal point, ASCII operators.
    Plain,
}

impl Shown {
    /// The value written in `notation`.
    ///
    /// ```
    /// use tonghop::finding::{Notation, Shown};
    /// use tonghop::lang::Lang;
    /// assert_eq!(Shown::AtLeast(0.0).render(Notation::Human(Lang::Vi)), "≥ 0");
    /// assert_eq!(Shown::Number(36.56).render(Notation::Human(Lang::Vi)), "36,56");
    /// assert_eq!(Shown::AtLeast(0.0).render(Notation::Plain), ">= 0");
    /// ```
    pub fn render(&self, notation: Notation) -> String {
        let n = |v: f64| match notation {
            Notation::Human(lang) => lang.number(v),
            Notation::Plain => plain_number(v),
        };
        let human = matches!(notation, Notation::Human(_));
        match self {
            Shown::Blank => String::new(),
            Shown::Number(v) => n(*v),
            // A person reads what the cell held, its invisible characters written out;
            // a program reads it exactly.
            Shown::Text(t) if human => crate::text::visible(t).into_owned(),
            Shown::Text(t) => t.clone(),
            Shown::Date(d) => format_date(*d),
            Shown::AtLeast(v) => format!("{} {}", if human { "≥" } else { ">=" }, n(*v)),
            Shown::AtMost(v) => format!("{} {}", if human { "≤" } else { "<=" }, n(*v)),
            Shown::NotAfter(d) => {
                format!("{} {}", if human { "≤" } else { "<=" }, format_date(*d))
            }
            Shown::Between(a, b) => match notation {
                Notation::Human(Lang::Vi) => format!("từ {} đến {}", n(*a), n(*b)),
                Notation::Human(Lang::En) => format!("{} to {}", n(*a), n(*b)),
                Notation::Plain => format!("{}..{}", n(*a), n(*b)),
            },
            Shown::More(k) => format!("+{k}"),
        }
    }
}

impl From<&str> for Shown {
    fn from(s: &str) -> Shown {
        Shown::Text(s.to_string())
    }
}

impl From<String> for Shown {
    fn from(s: String) -> Shown {
        Shown::Text(s)
    }
}

impl From<f64> for Shown {
    fn from(v: f64) -> Shown {
        Shown::Number(v)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_value_in_each_notation() {
        let vi = Notation::Human(Lang::Vi);
        let en = Notation::Human(Lang::En);
        let d = NaiveDate::from_ymd_opt(2026, 6, 30).unwrap();
        for (v, want_vi, want_en, want_plain) in [
            (Shown::Blank, "", "", ""),
            (Shown::Number(8443.0), "8.443", "8,443", "8443"),
            (Shown::Number(36.56), "36,56", "36.56", "36.56"),
            (Shown::Text("36,56%".into()), "36,56%", "36,56%", "36,56%"),
            (
                Shown::Text("DBP\u{200b}".into()),
                "DBP\\u{200b}",
                "DBP\\u{200b}",
                "DBP\u{200b}",
            ),
            (Shown::Date(d), "30/06/2026", "30/06/2026", "30/06/2026"),
            (Shown::AtLeast(0.0), "≥ 0", "≥ 0", ">= 0"),
            (Shown::AtMost(1234.5), "≤ 1.234,5", "≤ 1,234.5", "<= 1234.5"),
            (
                Shown::NotAfter(d),
                "≤ 30/06/2026",
                "≤ 30/06/2026",
                "<= 30/06/2026",
            ),
            (
                Shown::Between(0.0, 100.0),
                "từ 0 đến 100",
                "0 to 100",
                "0..100",
            ),
            (Shown::More(3), "+3", "+3", "+3"),
        ] {
            assert_eq!(v.render(vi), want_vi, "{v:?}");
            assert_eq!(v.render(en), want_en, "{v:?}");
            assert_eq!(v.render(Notation::Plain), want_plain, "{v:?}");
        }
    }
}
