//! The two languages tonghop speaks, and numbers as each writes them.
//!
//! A clerk reads `8.443` and `36,56`; a program reads `8443` and `36.56`. Every number
//! shown to a person goes through [`Lang::number`], every number written for a program
//! through [`plain_number`], so the notation is decided in one place.

use serde::Serialize;

/// The language of what a person reads: Vietnamese by default, English with `--lang en`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum Lang {
    /// Vietnamese: the clerks' and the units' language.
    #[default]
    Vi,
    /// English, for operators who ask for it.
    En,
}

impl Lang {
    /// Whether this is English.
    pub fn en(self) -> bool {
        self == Lang::En
    }

    /// Pick the text for this language.
    pub fn pick<'a>(self, vi: &'a str, en: &'a str) -> &'a str {
        if self.en() { en } else { vi }
    }

    /// `v` as this language writes it: `8.443` and `36,56` in Vietnamese, `8,443` and
    /// `36.56` in English. Whole numbers lose their decimals; others keep at most four.
    ///
    /// ```
    /// use tonghop::lang::Lang;
    /// assert_eq!(Lang::Vi.number(8443.0), "8.443");
    /// assert_eq!(Lang::Vi.number(36.56), "36,56");
    /// assert_eq!(Lang::En.number(-1234567.5), "-1,234,567.5");
    /// ```
    pub fn number(self, v: f64) -> String {
        match self {
            Lang::Vi => notation(v, ',', Some('.')),
            Lang::En => notation(v, '.', Some(',')),
        }
    }

    /// A count with its thousands grouped (`10.000`, `10,000`).
    pub fn count(self, n: u64) -> String {
        self.number(n as f64)
    }
}

/// `v` for programs and codes: no grouping, a decimal point (`8443`, `36.56`).
///
/// ```
/// assert_eq!(tonghop::lang::plain_number(36.5600), "36.56");
/// assert_eq!(tonghop::lang::plain_number(1e20), "100000000000000000000");
/// ```
pub fn plain_number(v: f64) -> String {
    notation(v, '.', None)
}

/// 2^53: an f64 holds every integer below it exactly, and a count of a form never comes
/// near. Whole numbers beyond it are shown without trying to trim their decimals, and
/// report.json writes only numbers below it as integers.
pub(crate) const EXACT_INTEGERS: f64 = 9_007_199_254_740_992.0;

fn notation(v: f64, point: char, group: Option<char>) -> String {
    if !v.is_finite() {
        return v.to_string();
    }
    let s = if v.fract() == 0.0 && v.abs() < EXACT_INTEGERS {
        // An integer's digits without the float formatter's exact mode: a list's row
        // codes typed as numbers are read this way on every line of every file (5 % of
        // `check` at 50,000 files).
        (v as i64).to_string()
    } else if v.fract() == 0.0 || v.abs() >= EXACT_INTEGERS {
        format!("{v:.0}")
    } else {
        let s = format!("{v:.4}");
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    };
    let (sign, body) = s.strip_prefix('-').map_or(("", s.as_str()), |b| ("-", b));
    let (int, frac) = body
        .split_once('.')
        .map_or((body, None), |(i, f)| (i, Some(f)));
    let mut out = String::with_capacity(s.len() + s.len() / 3);
    out.push_str(sign);
    out.push_str(&group.map_or_else(|| int.to_string(), |g| grouped(int, g)));
    if let Some(f) = frac {
        out.push(point);
        out.push_str(f);
    }
    if out == "-0" { "0".into() } else { out }
}

/// Digits with a separator every three from the right.
fn grouped(digits: &str, sep: char) -> String {
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, d) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(sep);
        }
        out.push(d);
    }
    out
}

/// A text in both languages: returned workbooks go to units in Vietnamese whatever
/// language the operator chose for the console and report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Msg {
    /// The Vietnamese text.
    pub vi: String,
    /// The English text.
    pub en: String,
}

impl Msg {
    /// A text given in both languages.
    pub fn new(vi: impl Into<String>, en: impl Into<String>) -> Self {
        Self {
            vi: vi.into(),
            en: en.into(),
        }
    }

    /// The text in `lang`.
    pub fn get(&self, lang: Lang) -> &str {
        match lang {
            Lang::Vi => &self.vi,
            Lang::En => &self.en,
        }
    }
}

/// What the system said of a failed file operation, in `lang`. std's words are the
/// operating system's, in English whatever the clerk's language (`File exists (os error
/// 17)`): in Vietnamese the kind of failure is said in plain words and the system's
/// code kept, for whoever helps the clerk.
///
/// ```
/// use tonghop::lang::{Lang, io_text};
/// let e = std::io::Error::from_raw_os_error(17);
/// assert!(io_text(&e, Lang::Vi).starts_with("đã có tệp hoặc thư mục trùng tên"));
/// assert!(io_text(&e, Lang::Vi).ends_with("(mã lỗi hệ thống 17)"));
/// assert!(io_text(&e, Lang::En).contains("os error 17"));
/// ```
pub fn io_text(e: &std::io::Error, lang: Lang) -> String {
    if lang.en() {
        return e.to_string();
    }
    let code = e.raw_os_error();
    let Some(why) = io_reason_vi(e.kind()) else {
        // A message of tonghop's or of a library, not the system's: said as it is.
        return match code {
            Some(n) => format!("lỗi hệ thống (mã lỗi hệ thống {n})"),
            None => e.to_string(),
        };
    };
    match code {
        Some(n) => format!("{why} (mã lỗi hệ thống {n})"),
        None => why.to_string(),
    }
}

/// The kinds of failure a clerk meets, in Vietnamese.
fn io_reason_vi(kind: std::io::ErrorKind) -> Option<&'static str> {
    use std::io::ErrorKind as K;
    Some(match kind {
        K::NotFound => "không tìm thấy tệp hoặc thư mục",
        K::PermissionDenied => {
            "không có quyền truy cập (tệp đang mở trong Excel, hoặc thư mục chỉ đọc?)"
        }
        K::AlreadyExists => {
            "đã có tệp hoặc thư mục trùng tên (hoặc một phần của đường dẫn là tệp, không phải thư mục)"
        }
        K::NotADirectory => "một phần của đường dẫn là tệp, không phải thư mục",
        K::IsADirectory => "đây là thư mục, không phải tệp",
        K::DirectoryNotEmpty => "thư mục không trống",
        K::StorageFull | K::QuotaExceeded => "ổ đĩa đã đầy",
        K::ReadOnlyFilesystem => "ổ đĩa chỉ cho đọc",
        K::FileTooLarge => "tệp quá lớn",
        K::InvalidFilename => "tên tệp không hợp lệ",
        K::ResourceBusy | K::ExecutableFileBusy => "tệp đang được chương trình khác dùng",
        K::CrossesDevices => "không chuyển được sang ổ đĩa khác",
        K::TooManyLinks => "quá nhiều liên kết",
        K::Interrupted => "bị ngắt",
        K::UnexpectedEof => "tệp bị cụt",
        K::InvalidData => "dữ liệu không hợp lệ",
        K::TimedOut => "hết thời gian chờ",
        K::OutOfMemory => "không đủ bộ nhớ",
        K::BrokenPipe => "đầu đọc đã đóng",
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_in_each_notation() {
        for (v, vi, en, plain) in [
            (0.0, "0", "0", "0"),
            (-0.0, "0", "0", "0"),
            (999.0, "999", "999", "999"),
            (10_000.0, "10.000", "10,000", "10000"),
            (1_048_576.0, "1.048.576", "1,048,576", "1048576"),
            (36.56, "36,56", "36.56", "36.56"),
            (0.5, "0,5", "0.5", "0.5"),
            (-0.25, "-0,25", "-0.25", "-0.25"),
            (1234.5, "1.234,5", "1,234.5", "1234.5"),
            (1.0 / 3.0, "0,3333", "0.3333", "0.3333"),
            (-8443.0, "-8.443", "-8,443", "-8443"),
            // The last integers an f64 holds exactly, on either side of the fast path.
            (
                9_007_199_254_740_991.0,
                "9.007.199.254.740.991",
                "9,007,199,254,740,991",
                "9007199254740991",
            ),
            (
                9_007_199_254_740_992.0,
                "9.007.199.254.740.992",
                "9,007,199,254,740,992",
                "9007199254740992",
            ),
            (
                -9_007_199_254_740_991.0,
                "-9.007.199.254.740.991",
                "-9,007,199,254,740,991",
                "-9007199254740991",
            ),
        ] {
            assert_eq!(Lang::Vi.number(v), vi, "{v}");
            assert_eq!(Lang::En.number(v), en, "{v}");
            assert_eq!(plain_number(v), plain, "{v}");
        }
        assert_eq!(Lang::Vi.count(10_000), "10.000");
        assert_eq!(Lang::En.count(1_048_576), "1,048,576");
        // Beyond the exact integers, no exponent and no spurious decimals.
        assert_eq!(plain_number(1e300).len(), 301);
        assert!(!plain_number(1e16 + 0.5).contains('e'));
    }
}
