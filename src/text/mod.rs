//! Text as clerks type it: legacy encodings, Unicode forms, Vietnamese number and date styles.

pub mod date;
pub mod legacy;
pub mod number;

use std::borrow::Cow;
use unicode_normalization::UnicodeNormalization;

/// `s` with its first letter in capitals: a message that began mid-sentence (after
/// a semicolon elsewhere) starts a sentence of its own here.
///
/// ```
/// assert_eq!(tonghop::text::sentence_case("đã nhận"), "Đã nhận");
/// ```
pub fn sentence_case(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(first) => first.to_uppercase().chain(c).collect(),
        None => String::new(),
    }
}

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

/// Characters that show nothing, or reorder what follows, yet make two texts differ: a
/// unit code `DBP` followed by a zero-width space is not `DBP`, and a right-to-left
/// override can make `LNA` print as `ANL`. Control characters (C0, DEL, C1) count too.
pub fn is_invisible(c: char) -> bool {
    c.is_control()
        || matches!(
            c,
            '\u{00AD}'              // soft hyphen
            | '\u{034F}'            // combining grapheme joiner
            | '\u{061C}'            // Arabic letter mark
            | '\u{115F}' | '\u{1160}' | '\u{3164}' | '\u{FFA0}' // Hangul fillers
            | '\u{17B4}' | '\u{17B5}'
            | '\u{180E}'            // Mongolian vowel separator
            | '\u{200B}'..='\u{200F}' // zero-width space, joiners, LRM, RLM
            | '\u{202A}'..='\u{202E}' // bidi embeddings and overrides
            | '\u{2060}'..='\u{206F}' // word joiner, invisible operators, bidi isolates
            | '\u{FE00}'..='\u{FE0F}' // variation selectors
            | '\u{FEFF}'            // byte order mark, zero-width no-break space
            | '\u{FFF9}'..='\u{FFFB}' // interlinear annotation
            | '\u{E0000}'..='\u{E007F}' // tags
        )
}

/// `s` with every invisible or control character ([`is_invisible`]) written out as an
/// escape (`\n`, `\t`, `\r`, else `\u{1b}`, `\u{200b}`), as ripgrep and cargo print
/// what they quote. A cell or file name holding an ESC sequence or a line break then
/// cannot clear the clerk's terminal or forge a line such as `[KDN] accepted`, and a
/// code with a zero-width space shows it. Visible text, Vietnamese included, is
/// returned as is, without allocating.
///
/// ```
/// use tonghop::text::visible;
/// assert_eq!(visible("DBP\u{200b}"), "DBP\\u{200b}");
/// assert_eq!(visible("a\x1b[2Jb\nc"), "a\\u{1b}[2Jb\\nc");
/// assert_eq!(visible("Mường Nhé"), "Mường Nhé");
/// ```
pub fn visible(s: &str) -> Cow<'_, str> {
    if !s.chars().any(is_invisible) {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        match c {
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            c if is_invisible(c) => {
                use std::fmt::Write;
                let _ = write!(out, "\\u{{{:x}}}", c as u32);
            }
            c => out.push(c),
        }
    }
    Cow::Owned(out)
}

/// `s` without its invisible characters ([`is_invisible`]): what the clerk reads.
pub fn strip_invisible(s: &str) -> Cow<'_, str> {
    if s.chars().any(is_invisible) {
        Cow::Owned(s.chars().filter(|&c| !is_invisible(c)).collect())
    } else {
        Cow::Borrowed(s)
    }
}

/// Clean user text for display: legacy decoded, NFC, trimmed.
pub fn clean(s: &str) -> String {
    nfc(&legacy::to_unicode(s.trim())).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn invisible_characters_are_written_out_and_visible_text_is_kept() {
        for (raw, shown) in [
            ("DBP\u{200b}", "DBP\\u{200b}"),
            ("\u{feff}TGI", "\\u{feff}TGI"),
            ("L\u{202e}AN", "L\\u{202e}AN"),
            ("\x1b]0;title\x07", "\\u{1b}]0;title\\u{7}"),
            ("a\r\n[KDN] accepted", "a\\r\\n[KDN] accepted"),
            ("\u{9b}31m", "\\u{9b}31m"),
            ("Huyện Điện Biên Đông", "Huyện Điện Biên Đông"),
            ("C:\\hop-thu\\TGI.xlsx", "C:\\hop-thu\\TGI.xlsx"),
        ] {
            assert_eq!(visible(raw), shown, "{raw:?}");
            assert!(!visible(raw).chars().any(is_invisible));
        }
        assert!(matches!(visible("Mường Nhé"), Cow::Borrowed(_)));
        assert_eq!(strip_invisible("D\u{200b}B\u{feff}P\u{202e}"), "DBP");
        // NFD Vietnamese uses combining marks, which are visible: kept.
        let nfd: String = "Mường".nfd().collect();
        assert_eq!(strip_invisible(&nfd), nfd);
    }

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
