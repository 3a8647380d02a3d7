//! Text as clerks type it: legacy encodings, Unicode forms, Vietnamese number and date styles.

pub mod date;
pub mod legacy;
pub mod number;

use unicode_normalization::UnicodeNormalization;

/// The comparison form of a label, name or sheet name: legacy TCVN3/VNI decoded, Unicode
/// NFC, lower case, inner whitespace collapsed. Two texts a clerk would call the same
/// fold to the same string, however they were typed.
pub fn fold(s: &str) -> String {
    let decoded = legacy::to_unicode(s.trim());
    let mut out = String::with_capacity(decoded.len());
    let mut space = false;
    for c in decoded.nfc().flat_map(char::to_lowercase) {
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
    out.nfc().collect()
}

/// Clean user text for display: legacy decoded, NFC, trimmed.
pub fn clean(s: &str) -> String {
    legacy::to_unicode(s.trim()).nfc().collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folds_case_space_and_unicode_form() {
        let nfd: String = "Mường Nhé".nfd().collect();
        assert_eq!(fold(&nfd), fold("mường  nhé "));
        assert_eq!(fold("  TỔNG   CỘNG"), "tổng cộng");
    }
}
