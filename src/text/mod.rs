//! Text as clerks type it: legacy encodings, Unicode forms, Vietnamese number and date styles.

pub mod date;
pub mod legacy;
pub mod number;

use std::borrow::Cow;
use unicode_normalization::UnicodeNormalization;

/// The comparison form of a label, name or sheet name: legacy TCVN3/VNI decoded, Unicode
/// NFC, lower case, inner whitespace collapsed. Two texts a clerk would call the same
/// fold to the same string, however they were typed.
///
/// ```
/// use tonghop::text::fold;
/// // NFD input, odd spacing and capitals, or TCVN3 ("Tæng céng"): all the same label.
/// assert_eq!(fold("  TỔNG   CỘNG "), fold("Tổng cộng"));
/// assert_eq!(fold("T\u{f4}\u{309}ng c\u{f4}\u{323}ng"), "tổng cộng");
/// ```
pub fn fold(s: &str) -> String {
    fold_clean(&clean(s))
}

/// [`fold`] of a text already through [`clean`]: callers that keep the clean text (a row's
/// label) fold it without decoding and normalising it twice.
pub fn fold_clean(clean: &str) -> String {
    let mut out = String::with_capacity(clean.len());
    let mut space = false;
    for c in clean.chars().flat_map(char::to_lowercase) {
        if c.is_whitespace() {
            space = !out.is_empty();
        } else {
            if space {
                out.push(' ');
                space = false;
            }
            out.push(c);
        }
    }
    nfc(&out).into_owned()
}

/// NFC without allocating when the text is already NFC, as nearly all of it is: this
/// runs on every label of every table row.
fn nfc(s: &str) -> Cow<'_, str> {
    if unicode_normalization::is_nfc_quick(s.chars()) == unicode_normalization::IsNormalized::Yes {
        Cow::Borrowed(s)
    } else {
        Cow::Owned(s.nfc().collect())
    }
}

/// Bytes as lower-case hexadecimal, as SHA-256 digests and file signatures are shown.
///
/// ```
/// assert_eq!(tonghop::text::hex(&[0xd0, 0xcf, 0x11, 0xe0]), "d0cf11e0");
/// ```
pub fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write;
    bytes
        .iter()
        .fold(String::with_capacity(bytes.len() * 2), |mut s, b| {
            let _ = write!(s, "{b:02x}");
            s
        })
}

/// Clean user text for display: legacy decoded, NFC, trimmed.
pub fn clean(s: &str) -> String {
    nfc(&legacy::to_unicode(s.trim())).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folds_case_space_and_unicode_form() {
        let nfd: String = "Mường Nhé".nfd().collect();
        assert_eq!(fold(&nfd), fold("mường  nhé "));
        assert_eq!(fold("  TỔNG   CỘNG"), "tổng cộng");
        for s in ["Tæng céng", " Mường\tNhé ", "İstanbul"] {
            assert_eq!(fold(s), fold_clean(&clean(s)));
        }
    }
}
