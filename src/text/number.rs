//! Numbers that clerks typed as text, in Vietnamese style (`1.234,5`) or
//! English style (`1,234.5`).

/// What kind of figure the cell holds; changes how ambiguous text is resolved.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NumberKind {
    /// A head count: never fractional, so a lone `1.234` groups thousands; a `%` is refused.
    Count,
    /// A rate already in percent (36.56, not 0.3656); a trailing `%` is allowed.
    Percent,
    /// Any other figure that may be fractional, such as a mean or a ratio.
    Decimal,
}

/// A number read from text.
#[derive(Debug, Clone, PartialEq)]
pub struct ParsedNumber {
    /// The figure as written: `36,56%` gives 36.56, never divided by 100.
    pub value: f64,
    /// Whether the text ended in `%`.
    pub had_percent_sign: bool,
}

/// The largest figure a form can hold: 2^53, below which an `f64` holds every integer
/// exactly. No count of a province comes near it; a cell beyond it is a typing or
/// tampering mistake, and summing two of them (1e308 + 1e308) would overflow to infinity,
/// which no output can show. Such a cell is refused where it is read, never summed.
pub const MAX_FIGURE: f64 = 9_007_199_254_740_992.0;

/// Whether `v` is a figure a form can hold: finite and at most [`MAX_FIGURE`] in size.
pub fn within_bound(v: f64) -> bool {
    v.is_finite() && v.abs() <= MAX_FIGURE
}

/// Why text in a number cell is not a figure.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum NumberTextError {
    /// Digits that make a number beyond [`MAX_FIGURE`] (or beyond what `f64` holds).
    #[error("number too large for a form")]
    TooLarge,
    /// Letters, exponents, broken grouping and other shapes no clerk types for a number.
    #[error("not a number")]
    NotANumber,
    #[error("ambiguous: could be {a} or {b}")]
    /// One `.` or `,` before exactly three digits in a percent or decimal: a thousands
    /// group or a decimal mark, and guessing would corrupt totals.
    Ambiguous {
        /// The thousands reading (`1.234` as 1234).
        a: f64,
        /// The decimal reading (`1.234` as 1.234).
        b: f64,
    },
    /// `12%` in a count cell.
    #[error("percent sign in a count")]
    PercentInCount,
}

/// Parse text typed in a number cell.
///
/// The same workbook mixes Vietnamese habits (`.` groups thousands, `,` marks
/// decimals) with English ones, so the separators are read from the shape of
/// the text rather than from a locale:
///
/// - Surrounding whitespace is ignored, Unicode included (NBSP, narrow NBSP,
///   thin spaces), since it arrives from copy-paste. Such spaces between digits
///   group thousands (`8 443`) when every group after the first has 3 digits.
/// - One leading sign: `-`, `+`, `−` (U+2212) or `–` (U+2013, what Word makes
///   of a typed minus). One trailing `%`, optionally after a space. A percent
///   keeps its figure (`36,56%` is 36.56): the column already holds percents.
///   A `%` in a count is [`NumberTextError::PercentInCount`] because the clerk
///   put a rate where a head count belongs.
/// - A separator that repeats (`1.234.567`, `1,234,567`) can only group
///   thousands. With both `.` and `,`, the last one is the decimal mark and the
///   other must group before it (`1.234,5`, `1,234.5`).
/// - A single `.` or `,` is a decimal mark unless it could also group thousands:
///   exactly 3 digits after it and 1–3 digits before, not starting with `0`
///   (`1.234`, `12,345`). That case is a thousands group in a count, which is
///   never fractional, and [`NumberTextError::Ambiguous`] (thousands reading
///   first) for percents and decimals, where guessing would corrupt totals
///   silently. `0,123` and `.123` are decimals in any kind.
/// - Anything else is [`NumberTextError::NotANumber`]: letters, exponents
///   (clerks never type them, so they signal junk), `NaN`, `inf`, a doubled or
///   trailing sign, a trailing separator (`5.`), broken grouping (`1.23.4`,
///   `1,2.3`). The result is always finite.
/// - A number beyond [`MAX_FIGURE`] is [`NumberTextError::TooLarge`], however it was
///   written: it cannot be a figure of a form, and summing it could overflow.
///
/// Plain ASCII digits, the common case in a per-cell loop, never allocate.
///
/// ```
/// use tonghop::text::number::{parse_number_text, NumberKind, NumberTextError};
/// assert_eq!(parse_number_text("8.443", NumberKind::Count).unwrap().value, 8443.0);
/// assert_eq!(parse_number_text("36,56%", NumberKind::Percent).unwrap().value, 36.56);
/// assert!(matches!(
///     parse_number_text("1.234", NumberKind::Percent),
///     Err(NumberTextError::Ambiguous { .. })
/// ));
/// ```
pub fn parse_number_text(s: &str, kind: NumberKind) -> Result<ParsedNumber, NumberTextError> {
    let parsed = parse_unbounded(s, kind)?;
    if parsed.value.abs() > MAX_FIGURE {
        return Err(NumberTextError::TooLarge);
    }
    Ok(parsed)
}

/// [`parse_number_text`] before the bound: digits too many for an `f64` are
/// [`NumberTextError::TooLarge`] too.
fn parse_unbounded(s: &str, kind: NumberKind) -> Result<ParsedNumber, NumberTextError> {
    let s = s.trim_matches(is_blank);
    if !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()) {
        return finite(s.parse().ok()).map(|value| ParsedNumber {
            value,
            had_percent_sign: false,
        });
    }

    let (negative, s) = match s.chars().next() {
        Some(c @ ('-' | '+' | '\u{2212}' | '\u{2013}')) => (c != '+', &s[c.len_utf8()..]),
        _ => (false, s),
    };
    let (had_percent_sign, body) = match s.strip_suffix('%') {
        Some(rest) => (true, rest.trim_end_matches(is_blank)),
        None => (false, s),
    };

    let value = parse_body(body, kind, negative)?;
    if had_percent_sign && kind == NumberKind::Count {
        return Err(NumberTextError::PercentInCount);
    }
    Ok(ParsedNumber {
        value,
        had_percent_sign,
    })
}

/// Zero-width space and BOM are not `White_Space` in Unicode, yet they come
/// along with pasted text just as NBSP does.
fn is_blank(c: char) -> bool {
    c.is_whitespace() || matches!(c, '\u{200B}' | '\u{FEFF}')
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Sep {
    Dot,
    Comma,
    Space,
}

/// The unsigned part of the text: digits with separators between them.
fn parse_body(body: &str, kind: NumberKind, negative: bool) -> Result<f64, NumberTextError> {
    let (head, groups) = split(body).ok_or(NumberTextError::NotANumber)?;
    let Some((&(last_sep, last_digits), before_last)) = groups.split_last() else {
        return assemble(negative, head, &[], None);
    };

    if groups.iter().all(|&(sep, _)| sep == last_sep) {
        if last_sep == Sep::Space || groups.len() > 1 {
            if !is_grouping(head, &groups) {
                return Err(NumberTextError::NotANumber);
            }
            return assemble(negative, head, &groups, None);
        }
        let decimal = assemble(negative, head, &[], Some(last_digits))?;
        if !is_grouping(head, &groups) {
            return Ok(decimal);
        }
        let thousands = assemble(negative, head, &groups, None)?;
        return match kind {
            NumberKind::Count => Ok(thousands),
            NumberKind::Percent | NumberKind::Decimal => Err(NumberTextError::Ambiguous {
                a: thousands,
                b: decimal,
            }),
        };
    }

    // Two kinds of separator: the last one must be the decimal mark, appearing
    // once, after well-formed groups of the other kind.
    if last_sep != Sep::Space && is_grouping(head, before_last) {
        assemble(negative, head, before_last, Some(last_digits))
    } else {
        Err(NumberTextError::NotANumber)
    }
}

/// Cuts the body into its leading digits and each `(separator, digits)` after
/// them; `None` on any other character, or when two separators touch or one
/// ends the text.
fn split(body: &str) -> Option<(&str, Vec<(Sep, &str)>)> {
    let (head, mut rest) = body.split_at(digit_run(body));
    let mut groups = Vec::new();
    while let Some(c) = rest.chars().next() {
        let sep = match c {
            '.' => Sep::Dot,
            ',' => Sep::Comma,
            c if is_blank(c) => Sep::Space,
            _ => return None,
        };
        rest = &rest[c.len_utf8()..];
        let (digits, tail) = rest.split_at(digit_run(rest));
        if digits.is_empty() {
            return None;
        }
        groups.push((sep, digits));
        rest = tail;
    }
    Some((head, groups))
}

fn digit_run(s: &str) -> usize {
    s.bytes().take_while(u8::is_ascii_digit).count()
}

/// Whether `head` followed by `groups` reads as one integer with thousands
/// separators: a single separator kind, 3 digits per group, and a first group
/// that a person would write (1–3 digits, no leading zero).
fn is_grouping(head: &str, groups: &[(Sep, &str)]) -> bool {
    let Some(&(sep, _)) = groups.first() else {
        return false;
    };
    (1..=3).contains(&head.len())
        && !head.starts_with('0')
        && groups.iter().all(|&(s, d)| s == sep && d.len() == 3)
}

/// Rebuilds the figure as plain `-123.45` text so the standard library does
/// the correctly rounded conversion.
fn assemble(
    negative: bool,
    head: &str,
    groups: &[(Sep, &str)],
    fraction: Option<&str>,
) -> Result<f64, NumberTextError> {
    if head.is_empty() && fraction.is_none() {
        return Err(NumberTextError::NotANumber);
    }
    let mut text = String::with_capacity(head.len() + 4 * groups.len() + 24);
    if negative {
        text.push('-');
    }
    text.push_str(if head.is_empty() { "0" } else { head });
    for &(_, digits) in groups {
        text.push_str(digits);
    }
    if let Some(fraction) = fraction {
        text.push('.');
        text.push_str(fraction);
    }
    // `-0` would print as "-0" in messages; it means zero.
    finite(text.parse().ok()).map(|v: f64| if v == 0.0 { 0.0 } else { v })
}

/// Digits always parse as an `f64`; only too many of them make an infinity.
fn finite(value: Option<f64>) -> Result<f64, NumberTextError> {
    match value {
        Some(v) if v.is_finite() => Ok(v),
        Some(_) => Err(NumberTextError::TooLarge),
        None => Err(NumberTextError::NotANumber),
    }
}

#[cfg(test)]
mod tests {
    use super::NumberKind::{Count, Decimal, Percent};
    use super::NumberTextError::{Ambiguous, NotANumber, PercentInCount, TooLarge};
    use super::*;

    type Outcome = Result<ParsedNumber, NumberTextError>;

    fn n(value: f64) -> Outcome {
        Ok(ParsedNumber {
            value,
            had_percent_sign: false,
        })
    }

    fn pct(value: f64) -> Outcome {
        Ok(ParsedNumber {
            value,
            had_percent_sign: true,
        })
    }

    fn amb(a: f64, b: f64) -> Outcome {
        Err(Ambiguous { a, b })
    }

    /// The same outcome for every kind.
    fn all(o: Outcome) -> [Outcome; 3] {
        [o.clone(), o.clone(), o]
    }

    /// Text, then the outcome for Count, Percent and Decimal.
    fn cases() -> Vec<(&'static str, [Outcome; 3])> {
        vec![
            // Plain digits (the fast path).
            ("8443", all(n(8443.0))),
            ("0", all(n(0.0))),
            ("007", all(n(7.0))),
            // Vietnamese style.
            ("8.443", [n(8443.0), amb(8443.0, 8.443), amb(8443.0, 8.443)]),
            ("1.234.567", all(n(1_234_567.0))),
            ("1.234,5", all(n(1234.5))),
            ("12.345,67", all(n(12345.67))),
            ("1.234.567,89", all(n(1_234_567.89))),
            ("36,56", all(n(36.56))),
            ("0,5", all(n(0.5))),
            (",5", all(n(0.5))),
            ("0,0", all(n(0.0))),
            // English style.
            ("36.56", all(n(36.56))),
            ("1,234.5", all(n(1234.5))),
            ("1,234,567", all(n(1_234_567.0))),
            ("1,234,567.89", all(n(1_234_567.89))),
            (".5", all(n(0.5))),
            // A single separator before exactly three digits.
            ("1.234", [n(1234.0), amb(1234.0, 1.234), amb(1234.0, 1.234)]),
            ("1,234", [n(1234.0), amb(1234.0, 1.234), amb(1234.0, 1.234)]),
            (
                "12.345",
                [n(12345.0), amb(12345.0, 12.345), amb(12345.0, 12.345)],
            ),
            (
                "123,456",
                [
                    n(123_456.0),
                    amb(123_456.0, 123.456),
                    amb(123_456.0, 123.456),
                ],
            ),
            ("1.000", [n(1000.0), amb(1000.0, 1.0), amb(1000.0, 1.0)]),
            (
                "-1.234",
                [n(-1234.0), amb(-1234.0, -1.234), amb(-1234.0, -1.234)],
            ),
            // ... which cannot be a thousands group when the head rules it out.
            ("0.123", all(n(0.123))),
            ("0,123", all(n(0.123))),
            ("012.345", all(n(12.345))),
            (".123", all(n(0.123))),
            ("1234.567", all(n(1234.567))),
            ("1234,567", all(n(1234.567))),
            ("1.2345", all(n(1.2345))),
            ("1,5", all(n(1.5))),
            // Spaces grouping thousands.
            ("8 443", all(n(8443.0))),
            ("8\u{a0}443", all(n(8443.0))),
            ("8\u{202f}443", all(n(8443.0))),
            ("8\u{2009}443", all(n(8443.0))),
            ("1 234 567", all(n(1_234_567.0))),
            ("8 443,5", all(n(8443.5))),
            ("1 234.567", all(n(1234.567))),
            // Surrounding whitespace.
            ("  42  ", all(n(42.0))),
            ("\u{a0}42\u{202f}\t\n", all(n(42.0))),
            ("\u{2009}36,56\u{3000}", all(n(36.56))),
            ("\u{feff}42\u{200b}", all(n(42.0))),
            // Signs.
            ("-5", all(n(-5.0))),
            ("+5", all(n(5.0))),
            ("\u{2212}5", all(n(-5.0))),
            ("\u{2013}5", all(n(-5.0))),
            ("-0", all(n(0.0))),
            ("-0,5", all(n(-0.5))),
            ("-.5", all(n(-0.5))),
            (" -1.234,5 ", all(n(-1234.5))),
            // Percent sign.
            ("12%", [Err(PercentInCount), pct(12.0), pct(12.0)]),
            ("36,56%", [Err(PercentInCount), pct(36.56), pct(36.56)]),
            ("36,56 %", [Err(PercentInCount), pct(36.56), pct(36.56)]),
            (
                "36,56\u{a0}%",
                [Err(PercentInCount), pct(36.56), pct(36.56)],
            ),
            ("36.56%", [Err(PercentInCount), pct(36.56), pct(36.56)]),
            ("-12,5%", [Err(PercentInCount), pct(-12.5), pct(-12.5)]),
            ("100%", [Err(PercentInCount), pct(100.0), pct(100.0)]),
            (
                "1.234%",
                [Err(PercentInCount), amb(1234.0, 1.234), amb(1234.0, 1.234)],
            ),
            // Not numbers.
            ("", all(Err(NotANumber))),
            ("   ", all(Err(NotANumber))),
            ("\u{a0}", all(Err(NotANumber))),
            ("12a", all(Err(NotANumber))),
            ("abc", all(Err(NotANumber))),
            ("abc%", all(Err(NotANumber))),
            ("1e5", all(Err(NotANumber))),
            ("1E+05", all(Err(NotANumber))),
            ("0x10", all(Err(NotANumber))),
            ("1_000", all(Err(NotANumber))),
            ("NaN", all(Err(NotANumber))),
            ("nan", all(Err(NotANumber))),
            ("inf", all(Err(NotANumber))),
            ("-inf", all(Err(NotANumber))),
            ("infinity", all(Err(NotANumber))),
            ("--5", all(Err(NotANumber))),
            ("-+5", all(Err(NotANumber))),
            ("+-5", all(Err(NotANumber))),
            ("- 5", all(Err(NotANumber))),
            ("5-", all(Err(NotANumber))),
            ("5+", all(Err(NotANumber))),
            ("-", all(Err(NotANumber))),
            ("\u{2212}", all(Err(NotANumber))),
            (".", all(Err(NotANumber))),
            (",", all(Err(NotANumber))),
            ("%", all(Err(NotANumber))),
            ("-%", all(Err(NotANumber))),
            ("% 12", all(Err(NotANumber))),
            ("%12", all(Err(NotANumber))),
            ("12%%", all(Err(NotANumber))),
            ("5.", all(Err(NotANumber))),
            ("5,", all(Err(NotANumber))),
            ("1..2", all(Err(NotANumber))),
            ("1,,234", all(Err(NotANumber))),
            ("1.,5", all(Err(NotANumber))),
            ("1.23.4", all(Err(NotANumber))),
            ("1.234.5", all(Err(NotANumber))),
            ("1.2.3", all(Err(NotANumber))),
            ("0.123.456", all(Err(NotANumber))),
            ("12,34,5", all(Err(NotANumber))),
            ("1,234,56", all(Err(NotANumber))),
            ("1,2.3", all(Err(NotANumber))),
            ("1234,567.8", all(Err(NotANumber))),
            ("1.234,567.8", all(Err(NotANumber))),
            ("1,234.567,8", all(Err(NotANumber))),
            ("1.234,5,6", all(Err(NotANumber))),
            ("1.234 567", all(Err(NotANumber))),
            ("1.5 000", all(Err(NotANumber))),
            ("84 43", all(Err(NotANumber))),
            ("8  443", all(Err(NotANumber))),
            ("1 2", all(Err(NotANumber))),
            ("\u{661}\u{662}", all(Err(NotANumber))),
            ("\u{ff11}\u{ff12}", all(Err(NotANumber))),
        ]
    }

    #[test]
    fn table() {
        let mut failures = Vec::new();
        for (text, expected) in cases() {
            for (kind, want) in [Count, Percent, Decimal].into_iter().zip(expected) {
                let got = parse_number_text(text, kind);
                if got != want {
                    failures.push(format!("{text:?} as {kind:?}: got {got:?}, want {want:?}"));
                }
            }
        }
        assert!(failures.is_empty(), "{}", failures.join("\n"));
    }

    /// 400 digits overflow an `f64`; 17 digits fit one but no form: both are too large,
    /// named as such (TYPE at the cell), never summed. 2^53 itself is the last figure.
    #[test]
    fn numbers_beyond_what_a_form_holds_are_too_large() {
        let huge = "9".repeat(400);
        for text in [
            huge.clone(),
            format!("-{huge}"),
            format!("{huge},5"),
            "9007199254740994".into(),
            "100.000.000.000.000.000".into(),
            "-10000000000000000".into(),
        ] {
            for kind in [Count, Decimal] {
                assert_eq!(parse_number_text(&text, kind), Err(TooLarge), "{text}");
            }
        }
        let max = parse_number_text("9007199254740992", Count).unwrap();
        assert_eq!(max.value, MAX_FIGURE);
        assert!(within_bound(MAX_FIGURE) && !within_bound(1e308) && !within_bound(f64::NAN));
    }

    #[test]
    fn results_are_always_finite() {
        let inputs = ["1", "9", "0", ".", ",", " ", "-", "%", "e", "n", "i"];
        for a in inputs {
            for b in inputs {
                for c in inputs {
                    let text = format!("{a}{b}{c}{a}");
                    for kind in [Count, Percent, Decimal] {
                        match parse_number_text(&text, kind) {
                            Ok(p) => assert!(p.value.is_finite(), "{text:?}"),
                            Err(Ambiguous { a, b }) => {
                                assert!(a.is_finite() && b.is_finite(), "{text:?}")
                            }
                            Err(_) => {}
                        }
                    }
                }
            }
        }
    }

    /// Writes `n` with `sep` between groups of three digits: the grouping tonghop shows
    /// (exact up to 2^53), with its separator swapped for `sep`.
    fn grouped(n: u64, sep: &str) -> String {
        crate::lang::Lang::Vi.count(n).replace('.', sep)
    }

    #[test]
    fn integers_up_to_2_pow_53_are_exact() {
        const MAX: u64 = 9_007_199_254_740_991;
        assert_eq!(MAX, (1 << 53) - 1);
        let mut samples: Vec<u64> = (0..2000).collect();
        samples.extend((0..54).map(|p| (1u64 << p) - 1));
        samples.extend((0..54).map(|p| 1u64 << p).filter(|&v| v <= MAX));
        samples.extend((0..16).map(|p| 10u64.pow(p)));
        samples.extend([MAX, MAX - 1, MAX - 2, 1_234_567_890_123_456]);
        let mut state = 0x9E37_79B9_7F4A_7C15u64;
        for _ in 0..5000 {
            state = state
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            samples.push((state >> 11) % (MAX + 1));
        }
        for v in samples {
            for sep in ["", ".", ",", " ", "\u{a0}"] {
                let text = grouped(v, sep);
                let got = parse_number_text(&text, Count).unwrap().value;
                assert_eq!(got, v as f64, "{text}");
                assert_eq!(got as u64, v, "{text}");
                let negative = parse_number_text(&format!("-{text}"), Count).unwrap().value;
                assert_eq!(negative, -(v as f64), "-{text}");
            }
        }
    }
}
