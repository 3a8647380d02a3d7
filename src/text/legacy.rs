//! Vietnamese typed in legacy 8-bit fonts: TCVN3 (ABC, `.VnTime`, `.VnArial`…) and VNI Windows
//! (`VNI-Times`…).
//!
//! A spreadsheet does not record the encoding, only the font, and the readers ignore the font:
//! each font byte reaches us as its Windows-1252 character, so "Tổng cộng" arrives as
//! `Tæng céng` (TCVN3) or `Toång coäng` (VNI). [`to_unicode`] recognises such text and turns it
//! back into Unicode so that a unit, sheet or label matches however the clerk typed it.
//!
//! Recognition works on words, not on single characters: every character a legacy font uses is
//! also an ordinary Latin-1 letter somewhere (`é` in "Café", `ï` in "naïve"). A string is taken
//! as legacy only when, read as it is, some word is not Vietnamese, and once decoded its words
//! are Vietnamese syllables (onset + vowel cluster + final, spelled by the quốc ngữ rules).
//! When both encodings give syllables, the reading with tones in their proper place, common
//! vowel clusters and consistent case wins.
//!
//! Known limits: legacy bytes that happen to spell a correct Unicode word are left alone
//! (TCVN3 `Ghi chó` is "Ghi chú", VNI `Hoà` is "Hồ"); a lone word that is a syllable in both
//! encodings is read as TCVN3 (VNI `Höng` "Hưng" becomes "Hửng"); `.VnTimeH` capitals come
//! out lower case, since the font that made them capitals is not in the cell; and a short
//! foreign word can pass for legacy Vietnamese (French "où" reads as VNI "ó").

use std::borrow::Cow;
use std::cmp::Reverse;

use unicode_normalization::UnicodeNormalization;
use unicode_normalization::char::{compose, decompose_canonical};

/// A legacy 8-bit Vietnamese encoding.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Legacy {
    /// TCVN 5712:1993 as used by the ABC fonts: one byte per letter.
    Tcvn3,
    /// VNI Windows: base letter followed by a diacritic byte.
    Vni,
}

impl Legacy {
    /// The name clerks know the encoding by (their font menus say "TCVN3 (ABC)" and
    /// "VNI Windows"), not the Rust variant's.
    pub fn name(self) -> &'static str {
        match self {
            Legacy::Tcvn3 => "TCVN3 (ABC)",
            Legacy::Vni => "VNI Windows",
        }
    }
}

/// Guess whether `s` is text in a legacy encoding (as read through cp1252). None for ASCII, for
/// proper Unicode Vietnamese, and for ordinary text (e.g. French/English with a few accents) —
/// be conservative: a false positive would corrupt a correct name.
pub fn detect(s: &str) -> Option<Legacy> {
    // Legacy text is made of cp1252 characters only; anything else (ư, ạ, a combining accent…)
    // means the text is already Unicode.
    if s.is_ascii() || s.chars().any(|c| byte_of(c).is_none()) || reads_as_vietnamese(s) {
        return None;
    }
    let readings = [
        (Legacy::Tcvn3, decode_tcvn3(s)),
        (Legacy::Vni, (decode_vni(s), 0)),
    ];
    readings
        .into_iter()
        .filter_map(|(enc, (decoded, vn1))| {
            let t = tally(&decoded);
            (decoded != s && t.plausible()).then_some((enc, t, vn1))
        })
        // Fewest non-words and undecoded bytes, then well-placed tones and common vowel
        // clusters, then consistent case, then no rare VN1 capitals; on a tie TCVN3, the
        // standard that government offices were required to use.
        .max_by_key(|(enc, t, vn1)| {
            let bad = t.bad + t.bad_ascii;
            (
                Reverse(bad),
                Reverse(t.leftover),
                t.score,
                Reverse(t.mixed_case),
                Reverse(*vn1),
                *enc == Legacy::Tcvn3,
            )
        })
        .map(|(enc, ..)| enc)
}

/// Decode `s` from the given legacy encoding to Unicode NFC.
pub fn decode(s: &str, enc: Legacy) -> String {
    match enc {
        Legacy::Tcvn3 => decode_tcvn3(s).0,
        Legacy::Vni => decode_vni(s),
    }
}

/// detect + decode; returns the input unchanged (borrowed) when it is not legacy text.
pub fn to_unicode(s: &str) -> Cow<'_, str> {
    match detect(s) {
        Some(enc) => Cow::Owned(decode(s, enc)),
        None => Cow::Borrowed(s),
    }
}

// ---------------------------------------------------------------------------------------------
// Windows-1252

/// cp1252 bytes 0x80..=0x9F (Unicode Consortium, MAPPINGS/VENDORS/MICSFT/WINDOWS/CP1252.TXT).
/// The five unassigned bytes come through as U+0081 etc., like every byte when a reader skips
/// cp1252 and hands us Latin-1.
const CP1252_HIGH: [char; 32] = [
    '€', '\u{81}', '‚', 'ƒ', '„', '…', '†', '‡', 'ˆ', '‰', 'Š', '‹', 'Œ', '\u{8D}', 'Ž', '\u{8F}',
    '\u{90}', '‘', '’', '“', '”', '•', '–', '—', '˜', '™', 'š', '›', 'œ', '\u{9D}', 'ž', 'Ÿ',
];

/// The font byte behind a character, if it is one cp1252 (or raw Latin-1) can produce.
fn byte_of(c: char) -> Option<u8> {
    match u8::try_from(u32::from(c)) {
        Ok(b) => Some(b),
        Err(_) => CP1252_HIGH
            .iter()
            .position(|&x| x == c)
            .map(|i| 0x80 + i as u8),
    }
}

// ---------------------------------------------------------------------------------------------
// TCVN3

/// TCVN 5712:1993 bytes 0x80..=0xFF to Unicode, as in GNU libiconv `lib/tcvn.h`
/// (`tcvn_2uni_2`), cross-checked against the lower-case letters and Ă Â Ê Ô Ơ Ư Đ of
/// duydev/vietnamese-conversion `src/charsets.ts` and the vietunicode.sourceforge.net legacy
/// charset table. 0xB0..=0xB4 are combining tone marks.
const TCVN3_HIGH: [u16; 128] = [
    0x00c0, 0x1ea2, 0x00c3, 0x00c1, 0x1ea0, 0x1eb6, 0x1eac, 0x00c8, // 0x80
    0x1eba, 0x1ebc, 0x00c9, 0x1eb8, 0x1ec6, 0x00cc, 0x1ec8, 0x0128, //
    0x00cd, 0x1eca, 0x00d2, 0x1ece, 0x00d5, 0x00d3, 0x1ecc, 0x1ed8, // 0x90
    0x1edc, 0x1ede, 0x1ee0, 0x1eda, 0x1ee2, 0x00d9, 0x1ee6, 0x0168, //
    0x00a0, 0x0102, 0x00c2, 0x00ca, 0x00d4, 0x01a0, 0x01af, 0x0110, // 0xA0
    0x0103, 0x00e2, 0x00ea, 0x00f4, 0x01a1, 0x01b0, 0x0111, 0x1eb0, //
    0x0300, 0x0309, 0x0303, 0x0301, 0x0323, 0x00e0, 0x1ea3, 0x00e3, // 0xB0
    0x00e1, 0x1ea1, 0x1eb2, 0x1eb1, 0x1eb3, 0x1eb5, 0x1eaf, 0x1eb4, //
    0x1eae, 0x1ea6, 0x1ea8, 0x1eaa, 0x1ea4, 0x1ec0, 0x1eb7, 0x1ea7, // 0xC0
    0x1ea9, 0x1eab, 0x1ea5, 0x1ead, 0x00e8, 0x1ec2, 0x1ebb, 0x1ebd, //
    0x00e9, 0x1eb9, 0x1ec1, 0x1ec3, 0x1ec5, 0x1ebf, 0x1ec7, 0x00ec, // 0xD0
    0x1ec9, 0x1ec4, 0x1ebe, 0x1ed2, 0x0129, 0x00ed, 0x1ecb, 0x00f2, //
    0x1ed4, 0x1ecf, 0x00f5, 0x00f3, 0x1ecd, 0x1ed3, 0x1ed5, 0x1ed7, // 0xE0
    0x1ed1, 0x1ed9, 0x1edd, 0x1edf, 0x1ee1, 0x1edb, 0x1ee3, 0x00f9, //
    0x1ed6, 0x1ee7, 0x0169, 0x00fa, 0x1ee5, 0x1eeb, 0x1eed, 0x1eef, // 0xF0
    0x1ee9, 0x1ef1, 0x1ef3, 0x1ef7, 0x1ef9, 0x00fd, 0x1ef5, 0x1ed0, //
];

/// The capitals TCVN 5712 puts on control codes (libiconv `tcvn_2uni_1`).
const TCVN3_LOW: [(u8, u16); 12] = [
    (0x01, 0x00da),
    (0x02, 0x1ee4),
    (0x04, 0x1eea),
    (0x05, 0x1eec),
    (0x06, 0x1eee),
    (0x11, 0x1ee8),
    (0x12, 0x1ef0),
    (0x13, 0x1ef2),
    (0x14, 0x1ef6),
    (0x15, 0x1ef8),
    (0x16, 0x00dd),
    (0x17, 0x1ef4),
];

fn tcvn3_high(b: u8) -> char {
    char::from_u32(u32::from(TCVN3_HIGH[usize::from(b - 0x80)])).unwrap_or('\u{FFFD}')
}

fn tcvn3_low(b: u8) -> Option<char> {
    let (_, u) = TCVN3_LOW.iter().find(|(x, _)| *x == b)?;
    char::from_u32(u32::from(*u))
}

/// Bytes only the full "VN1" table uses. The ABC fonts (VN3) hold lower-case letters plus
/// Ă Â Ê Ô Ơ Ư Đ (0xA1..=0xA7); their clerks get capitals by switching to `.VnTimeH`, which
/// draws the lower-case codes as capitals. In VN3 text these bytes are punctuation (“ ” – …)
/// or symbols (° ±), so they are decoded only where that makes a word.
fn vn1_only(b: u8) -> bool {
    if b < 0x80 {
        return tcvn3_low(b).is_some();
    }
    let c = tcvn3_high(b);
    b < 0xA0 || (b > 0xA7 && c.is_uppercase()) || TONES.contains(&c)
}

/// The VN1 bytes that are Latin-1 letters (À Á Â…) rather than punctuation: VN3 never has
/// them, so where one makes a word it is VN1.
fn vn1_letter(b: u8) -> bool {
    b > 0xB4 && vn1_only(b)
}

/// The decoded text, and how many chunks needed the VN1 capitals.
fn decode_tcvn3(s: &str) -> (String, usize) {
    let mut out = String::with_capacity(s.len() * 2);
    let mut vn1_chunks = 0;
    let mut chunk = String::new();
    // A trailing space flushes the last chunk; it is popped again below.
    for c in s.chars().chain([' ']) {
        if c.is_whitespace() {
            let (decoded, vn1) = decode_tcvn3_chunk(&chunk);
            out += &decoded;
            vn1_chunks += usize::from(vn1);
            chunk.clear();
            out.push(c);
        } else {
            chunk.push(c);
        }
    }
    out.pop();
    (out.nfc().collect(), vn1_chunks)
}

/// One whitespace-free chunk: the VN3 reading, or the VN1 reading where that turns the chunk
/// into syllables ("B—" → "BỘ") without breaking punctuation ("“Tæng”" stays quoted).
fn decode_tcvn3_chunk(w: &str) -> (String, bool) {
    let vn3 = map_tcvn3(w, false);
    let bytes = || w.chars().filter_map(byte_of);
    if !bytes().any(vn1_only) {
        return (vn3, false);
    }
    // A lone dash or quote is punctuation, not the VN1 capital that shares its byte.
    let has_other_letter = w
        .chars()
        .any(|c| tcvn3_char(c, false).is_alphabetic() && !byte_of(c).is_some_and(vn1_only));
    let vn1 = map_tcvn3(w, true);
    let (t1, t3) = (tally(&vn1), tally(&vn3));
    let strong = bytes().any(vn1_letter);
    let better = t1.bad + t1.bad_ascii == 0 && t1.valid > 0 && (strong || t1.letters > t3.letters);
    if has_other_letter && better {
        (vn1, true)
    } else {
        (vn3, false)
    }
}

fn tcvn3_char(c: char, vn1: bool) -> char {
    match byte_of(c) {
        Some(b) if vn1 || !vn1_only(b) => match b {
            0x80.. => tcvn3_high(b),
            _ => tcvn3_low(b).unwrap_or(c),
        },
        _ => c,
    }
}

/// Byte-for-letter TCVN3 mapping of one chunk, NFC.
fn map_tcvn3(w: &str, vn1: bool) -> String {
    let mut out: Vec<char> = Vec::with_capacity(w.len());
    for d in w.chars().map(|c| tcvn3_char(c, vn1)) {
        // Some converters write a capital as the plain capital followed by the lower-case
        // toned letter ("Aµ" for À, "¢Ê" for Ấ): fold that pair into one capital.
        if let Some(prev) = out.last_mut()
            && prev.is_uppercase()
            && d.is_lowercase()
            && split_tone(*prev).1.is_none()
            && let (base, Some(_)) = split_tone(d)
            && prev.to_lowercase().eq([base])
        {
            *prev = d.to_uppercase().next().unwrap_or(d);
            continue;
        }
        out.push(d);
    }
    out.into_iter().nfc().collect()
}

// ---------------------------------------------------------------------------------------------
// VNI

const GRAVE: char = '\u{300}';
const ACUTE: char = '\u{301}';
const CIRCUMFLEX: char = '\u{302}';
const TILDE: char = '\u{303}';
const BREVE: char = '\u{306}';
const HOOK: char = '\u{309}';
const DOT: char = '\u{323}';
const TONES: [char; 5] = [GRAVE, ACUTE, TILDE, HOOK, DOT];

/// A VNI diacritic byte as (shape, tone) combining marks. Table: Unikey's VnConv
/// `DoubleByteTables`, "VNI-WIN" row (fcitx/fcitx5-unikey `unikey/data.cpp`; each entry is
/// `diacritic_byte * 256 + base`), cross-checked against duydev/vietnamese-conversion
/// `src/charsets.ts`. Capitals use the byte 0x20 lower (`ù` 0xF9 / `Ù` 0xD9), so both are
/// folded to the lower one.
fn vni_mark(b: u8) -> Option<(Option<char>, Option<char>)> {
    if b < 0xC0 {
        return None;
    }
    Some(match b | 0x20 {
        0xF9 => (None, Some(ACUTE)),             // ù
        0xF8 => (None, Some(GRAVE)),             // ø
        0xFB => (None, Some(HOOK)),              // û
        0xF5 => (None, Some(TILDE)),             // õ
        0xEF => (None, Some(DOT)),               // ï
        0xE2 => (Some(CIRCUMFLEX), None),        // â
        0xE1 => (Some(CIRCUMFLEX), Some(ACUTE)), // á
        0xE0 => (Some(CIRCUMFLEX), Some(GRAVE)), // à
        0xE5 => (Some(CIRCUMFLEX), Some(HOOK)),  // å
        0xE3 => (Some(CIRCUMFLEX), Some(TILDE)), // ã
        0xE4 => (Some(CIRCUMFLEX), Some(DOT)),   // ä
        0xEA => (Some(BREVE), None),             // ê
        0xE9 => (Some(BREVE), Some(ACUTE)),      // é
        0xE8 => (Some(BREVE), Some(GRAVE)),      // è
        0xFA => (Some(BREVE), Some(HOOK)),       // ú
        0xFC => (Some(BREVE), Some(TILDE)),      // ü
        0xEB => (Some(BREVE), Some(DOT)),        // ë
        _ => return None,
    })
}

/// VNI letters that take one byte (same sources as [`vni_mark`]).
fn vni_letter(b: u8) -> Option<char> {
    if b < 0xC0 {
        return None;
    }
    let lower = match b | 0x20 {
        0xF1 => 'đ', // ñ
        0xF4 => 'ơ', // ô
        0xF6 => 'ư', // ö
        0xED => 'í', // í
        0xEC => 'ì', // ì
        0xE6 => 'ỉ', // æ
        0xF3 => 'ĩ', // ó
        0xF2 => 'ị', // ò
        0xEE => 'ỵ', // î
        _ => return None,
    };
    Some(if b < 0xE0 {
        lower.to_uppercase().next().unwrap_or(lower)
    } else {
        lower
    })
}

fn decode_vni(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    // The vowel a following diacritic byte may attach to: (lower-case base, has a shape mark
    // (^ ˘ or the horn of ơ ư), has a tone).
    let mut open: Option<(char, bool, bool)> = None;
    for c in s.chars() {
        let b = byte_of(c);
        if let (Some((base, shaped, toned)), Some((shape, tone))) = (open, b.and_then(vni_mark)) {
            let shape_ok = match shape {
                None => true,
                Some(CIRCUMFLEX) => !shaped && matches!(base, 'a' | 'e' | 'o'),
                Some(_) => !shaped && base == 'a',
            };
            if shape_ok && (tone.is_none() || !toned) {
                out.extend(shape.into_iter().chain(tone));
                open = Some((base, shaped || shape.is_some(), toned || tone.is_some()));
                continue;
            }
        }
        let letter = b.and_then(vni_letter);
        out.push(letter.unwrap_or(c));
        open = match letter.unwrap_or(c).to_lowercase().next() {
            Some(v @ ('a' | 'e' | 'o' | 'u' | 'y')) if letter.is_none() => Some((v, false, false)),
            Some(v @ ('ơ' | 'ư')) => Some((v, true, false)),
            _ => None,
        };
    }
    out.nfc().collect()
}

// ---------------------------------------------------------------------------------------------
// Is it Vietnamese?

/// `c` without its tone mark, and the tone: `ệ` → (`ê`, dot below).
fn split_tone(c: char) -> (char, Option<char>) {
    let mut parts = [c; 4];
    let mut n = 0;
    decompose_canonical(c, |d| {
        if n < parts.len() {
            parts[n] = d;
            n += 1;
        }
    });
    let tone = parts[..n].iter().copied().find(|d| TONES.contains(d));
    let base = parts[1..n]
        .iter()
        .filter(|d| !TONES.contains(d))
        .fold(parts[0], |acc, &m| compose(acc, m).unwrap_or(acc));
    (base, tone)
}

const VOWELS: &str = "aăâeêioôơuưy";
const ALPHABET: &str = "abcdđeghiklmnopqrstuvxyăâêôơư";
const ONSETS: [&str; 28] = [
    "", "b", "c", "ch", "d", "đ", "g", "gh", "gi", "h", "k", "kh", "l", "m", "n", "ng", "ngh",
    "nh", "p", "ph", "qu", "r", "s", "t", "th", "tr", "v", "x",
];
const CODAS: [&str; 9] = ["", "c", "ch", "m", "n", "ng", "nh", "p", "t"];
/// Vowel clusters that may stand alone or take a final consonant.
const NUCLEI: [&str; 15] = [
    "a", "e", "ê", "i", "o", "ô", "ơ", "u", "ư", "y", "oa", "oe", "oo", "uê", "uy",
];
/// Vowel clusters that need a final consonant.
const NUCLEI_CLOSED: [&str; 9] = ["ă", "â", "oă", "uâ", "iê", "yê", "uô", "ươ", "uyê"];
/// Vowel clusters ending in a glide, which never take a final consonant.
const NUCLEI_OPEN: [&str; 31] = [
    "ai", "ao", "au", "ay", "âu", "ây", "eo", "êu", "ia", "iu", "oi", "ôi", "ơi", "ua", "ui", "ưa",
    "ưi", "ưu", "iêu", "yêu", "oai", "oay", "oao", "oeo", "uây", "uôi", "ươi", "ươu", "uya", "uyu",
    "uơ",
];
/// Real but uncommon clusters: they rank a reading lower when two encodings both fit.
const RARE: [&str; 5] = ["oo", "oao", "oeo", "uơ", "uyu"];

/// Scores a well-formed Vietnamese syllable (onset, vowel cluster, final, one tone): 2 when
/// the tone sits where quốc ngữ puts it, plus 1 unless the vowel cluster is a rare one.
/// Misplaced tones are what a wrong decoding tends to produce: VNI `aû` ("ả") read as TCVN3
/// is "aỷ", VNI `Xaõ` ("Xã") read as it is, "Xaõ". None for anything that is not a syllable.
fn syllable(word: &str) -> Option<u8> {
    let mut w = Vec::with_capacity(word.len());
    let mut tone_at = None;
    for (i, c) in word.chars().flat_map(char::to_lowercase).enumerate() {
        let (base, tone) = split_tone(c);
        if tone.is_some() {
            // One tone, on a vowel (ñ is not n with a tilde).
            if tone_at.is_some() || !VOWELS.contains(base) {
                return None;
            }
            tone_at = Some(i);
        }
        w.push(base);
    }
    if !w.iter().all(|c| ALPHABET.contains(*c)) {
        return None;
    }
    let is_vowel = |c: &char| VOWELS.contains(*c);
    let mut start = w.iter().position(is_vowel)?;
    // In "gia", "qua" the i / u belongs to the onset.
    if start == 1
        && matches!((w[0], w[1]), ('g', 'i') | ('q', 'u'))
        && w.get(2).is_some_and(is_vowel)
    {
        start = 2;
    }
    let end = start + w[start..].iter().take_while(|c| is_vowel(c)).count();
    let onset: String = w[..start].iter().collect();
    let nucleus: String = w[start..end].iter().collect();
    let coda: String = w[end..].iter().collect();
    if !ONSETS.contains(&onset.as_str()) || !CODAS.contains(&coda.as_str()) {
        return None;
    }
    // c/k, g/gh, ng/ngh are chosen by the vowel that follows.
    let front = matches!(w[start], 'e' | 'ê' | 'i' | 'y');
    match onset.as_str() {
        "c" | "ng" if front => return None,
        "g" if matches!(w[start], 'e' | 'ê') => return None,
        "k" | "gh" | "ngh" if !front => return None,
        _ => {}
    }
    let score = rhyme(&nucleus, &coda).or_else(|| {
        // "giếng" is gi + iê + ng, written with one i.
        (onset == "gi")
            .then(|| rhyme(&format!("i{nucleus}"), &coda))
            .flatten()
    })?;
    let placed = tone_at.is_none_or(|i| {
        (start..end).contains(&i) && tone_in_place(&w[start..end], i - start, !coda.is_empty())
    });
    Some(score + 2 * u8::from(placed))
}

/// Whether a tone on vowel `at` of the cluster is where the spelling rules put it: on the
/// vowel with a shape mark (the second of ươ), else the middle of three, the last before a
/// final consonant, the first of an open pair (either of oa, oe, uy: old and new style).
fn tone_in_place(v: &[char], at: usize, closed: bool) -> bool {
    if let Some(shaped) = v.iter().rposition(|c| "ăâêôơư".contains(*c)) {
        return at == shaped;
    }
    match v.len() {
        1 => true,
        3 => at == 1,
        _ if closed => at == v.len() - 1,
        _ => at == 0 || matches!(v, ['o', 'a' | 'e'] | ['u', 'y']),
    }
}

fn rhyme(nucleus: &str, coda: &str) -> Option<u8> {
    let fits = if NUCLEI.contains(&nucleus) {
        true
    } else if NUCLEI_CLOSED.contains(&nucleus) {
        !coda.is_empty()
    } else {
        NUCLEI_OPEN.contains(&nucleus) && coda.is_empty()
    };
    let last = nucleus.chars().last();
    let bad_coda = match coda {
        "ch" | "nh" => !matches!(last, Some('a' | 'ê' | 'i' | 'y')),
        "c" | "ng" => matches!(nucleus, "i" | "y" | "uy" | "ê" | "uê"),
        _ => false,
    };
    (fits && !bad_coda).then_some(u8::from(!RARE.contains(&nucleus)))
}

/// How Vietnamese a decoded text looks, word by word.
#[derive(Debug, Default, Clone, Copy)]
struct Tally {
    /// Words that are syllables.
    valid: usize,
    /// Sum of their [`syllable`] scores.
    score: usize,
    /// Letters in them.
    letters: usize,
    /// Non-ASCII syllables: what decoding produced.
    evidence: usize,
    /// Non-ASCII words that are not syllables.
    bad: usize,
    /// ASCII words that are not syllables: a foreign word or two in legacy text is fine,
    /// a foreign sentence with one "où" in it is not legacy text.
    bad_ascii: usize,
    /// Words like "KHễ": possible (`.VnTimeH` capitals), but a sign of the wrong encoding.
    mixed_case: usize,
    /// Symbols left between two letters ("T„O"): bytes this reading did not decode.
    leftover: usize,
}

impl Tally {
    fn plausible(&self) -> bool {
        self.evidence > 0 && self.bad * 4 <= self.valid && self.bad_ascii <= self.evidence
    }
}

fn tally(text: &str) -> Tally {
    let chars: Vec<char> = text.chars().collect();
    let mut t = Tally {
        leftover: chars
            .windows(3)
            .filter(|w| w[0].is_alphabetic() && w[2].is_alphabetic())
            .filter(|w| !w[1].is_ascii() && !w[1].is_alphabetic() && !w[1].is_whitespace())
            .count(),
        ..Tally::default()
    };
    for word in words(text) {
        let has_vowel = word
            .chars()
            .flat_map(char::to_lowercase)
            .any(|c| VOWELS.contains(split_tone(c).0));
        let acronym = word.len() > 1 && word.chars().all(|c| c.is_ascii_uppercase());
        if !has_vowel || acronym {
            continue; // ĐV, HĐND, UBND: abbreviations say nothing either way
        }
        t.mixed_case += usize::from(!normal_case(word));
        match syllable(word) {
            Some(k) => {
                t.valid += 1;
                t.score += usize::from(k);
                t.letters += word.chars().count();
                t.evidence += usize::from(!word.is_ascii());
            }
            None if word.is_ascii() => t.bad_ascii += 1,
            None => t.bad += 1,
        }
    }
    t
}

/// Whether `s`, taken as it is, already reads as Vietnamese: every word with a non-ASCII
/// character is a syllable in normal case with its tone in place ("Cà Mau", "Tây Ninh"). Then
/// it is Unicode, even if it would also decode to something. A cp1252 symbol right after a
/// letter ("X‚" is VN1 "XÃ") also means it is not.
fn reads_as_vietnamese(s: &str) -> bool {
    let glued = s.chars().zip(s.chars().skip(1)).any(|(a, b)| {
        a.is_alphabetic()
            && byte_of(b).is_some_and(|b| (0x80..0xA0).contains(&b) || tcvn3_low(b).is_some())
    });
    !glued
        && words(s)
            .filter(|w| !w.is_ascii())
            .all(|w| normal_case(w) && syllable(w).is_some_and(|k| k >= 2))
}

/// Lower case, upper case, or capitalised.
fn normal_case(w: &str) -> bool {
    w.chars().skip(1).all(char::is_lowercase) || w.chars().all(char::is_uppercase)
}

/// Words split at spaces, ASCII punctuation and digits, and cp1252 punctuation (“ ” – …).
/// Latin-1 symbols stay inside words: they are letters in TCVN3 (`T¹o`, `Th«ng`), and one
/// left over after decoding makes its word a non-word.
fn words(s: &str) -> impl Iterator<Item = &str> {
    s.split(|c: char| {
        c.is_whitespace()
            || (c.is_ascii() && !c.is_ascii_alphabetic())
            || byte_of(c).is_some_and(|b| (0x80..0xA0).contains(&b))
    })
    .filter(|w| !w.is_empty())
}

/// Unicode to TCVN3 as a `.VnTime` font stores it, for other modules' tests.
#[cfg(test)]
pub(crate) fn encode_tcvn3_for_tests(u: &str) -> String {
    tests::enc_tcvn3(u)
}

#[cfg(test)]
mod tests {
    use super::*;

    const WORDS: [&str; 12] = [
        "Tổng cộng",
        "Mường Nhé",
        "Điện Biên Phủ",
        "Tuần Giáo",
        "Đảng bộ Công an tỉnh",
        "Nậm Pồ",
        "Tủa Chùa",
        "Thông tin",
        "Kết nạp",
        "Đảng viên",
        "Địa bàn",
        "Tạo nguồn",
    ];

    /// The character a reader shows for a font byte.
    fn char_of(b: u8) -> char {
        match b {
            0x80..=0x9F => CP1252_HIGH[usize::from(b - 0x80)],
            _ => char::from(b),
        }
    }

    /// Unicode to TCVN3 from the same table, preferring the ABC (VN3) byte; capitals that
    /// only VN1 has get their VN1 byte.
    pub(super) fn enc_tcvn3(u: &str) -> String {
        u.nfc()
            .map(|c| {
                let b = (0..=0xFF)
                    .filter(|&b| tcvn3_char(char_of(b), true) == c)
                    .min_by_key(|&b| (vn1_only(b), b >= 0x80))
                    .unwrap_or_else(|| panic!("no TCVN3 byte for {c}"));
                char_of(b)
            })
            .collect()
    }

    /// Unicode to VNI from the same table: base letter, then one diacritic byte.
    fn enc_vni(u: &str) -> String {
        let mut out = String::new();
        for c in u.nfc() {
            if c.is_ascii() {
                out.push(c);
                continue;
            }
            if let Some(b) = (0xC0..=0xFF).find(|&b| vni_letter(b) == Some(c)) {
                out.push(char_of(b));
                continue;
            }
            let upper = c.is_uppercase();
            let (toneless, tone) = split_tone(c);
            let (base, shape) = match toneless.to_lowercase().next().unwrap() {
                'â' => ('a', Some(CIRCUMFLEX)),
                'ê' => ('e', Some(CIRCUMFLEX)),
                'ô' => ('o', Some(CIRCUMFLEX)),
                'ă' => ('a', Some(BREVE)),
                'ơ' => ('ô', None),
                'ư' => ('ö', None),
                other => (other, None),
            };
            let case = |c: char| {
                if upper {
                    c.to_uppercase().next().unwrap()
                } else {
                    c
                }
            };
            out.push(case(base));
            if shape.is_some() || tone.is_some() {
                let b = (0xE0..=0xFF)
                    .find(|&b| vni_mark(b) == Some((shape, tone)))
                    .unwrap_or_else(|| panic!("no VNI mark for {c}"));
                out.push(char_of(if upper { b - 0x20 } else { b }));
            }
        }
        out
    }

    #[test]
    fn tcvn3_words_round_trip_and_are_detected() {
        for w in WORDS {
            let e = enc_tcvn3(w);
            assert!(!e.chars().any(|c| u32::from(c) > 0xFF), "{e}");
            assert_eq!(decode(&e, Legacy::Tcvn3), w, "{e}");
            assert_eq!(detect(&e), Some(Legacy::Tcvn3), "{w} as {e}");
            assert_eq!(to_unicode(&e), w);
        }
    }

    #[test]
    fn vni_words_round_trip_and_are_detected() {
        for w in WORDS {
            let e = enc_vni(w);
            assert_eq!(decode(&e, Legacy::Vni), w, "{e}");
            assert_eq!(detect(&e), Some(Legacy::Vni), "{w} as {e}");
            assert_eq!(to_unicode(&e), w);
            let upper = e.to_uppercase(); // cp1252 letters upper-case to the VNI capital bytes
            assert_eq!(detect(&upper), Some(Legacy::Vni), "{upper}");
            assert_eq!(to_unicode(&upper), w.to_uppercase());
        }
    }

    #[test]
    fn all_caps() {
        for w in WORDS {
            let upper = w.to_uppercase();
            let e = enc_tcvn3(&upper); // capitals from the VN1 table: "TàNG C—NG"
            assert_eq!(detect(&e), Some(Legacy::Tcvn3), "{upper} as {e:?}");
            assert_eq!(to_unicode(&e), upper);
        }
    }

    #[test]
    fn real_names_in_both_encodings() {
        let names = [
            "Xã Mường Pồn",
            "Huyện Điện Biên Đông",
            "Xã Xá Nhè",
            "Ban Tổ chức Tỉnh ủy",
            "Quần chúng ưu tú",
            "Lò Văn Thắng",
            "Khơ Mú",
            "Đơn vị",
            "Xã Pá Khoang",
            "Ước thực hiện",
        ];
        for name in names {
            for w in [name.to_string(), name.to_uppercase()] {
                for (enc, e) in [(Legacy::Tcvn3, enc_tcvn3(&w)), (Legacy::Vni, enc_vni(&w))] {
                    assert_eq!(detect(&e), Some(enc), "{w} as {e:?}");
                    assert_eq!(to_unicode(&e), w);
                }
            }
        }
    }

    /// Known limits: a word whose legacy bytes spell a correct Unicode word stays as it is
    /// (TCVN3 "Ghi chó" is "Ghi chú"; VNI "Hoà" is "Hồ"), and a lone word that is a syllable in
    /// both encodings is read as TCVN3 (VNI "Höng" is "Hưng", TCVN3 "Hửng").
    #[test]
    fn ambiguous_words() {
        assert_eq!(detect("Ghi chó"), None);
        assert_eq!(detect("Hoà"), None);
        assert_eq!(to_unicode("Höng"), "Hửng");
        assert_eq!(to_unicode("Höng Yeân"), "Hưng Yên");
    }

    #[test]
    fn examples_from_the_brief() {
        assert_eq!(to_unicode("Tæng céng"), "Tổng cộng");
        assert_eq!(to_unicode("Toång coäng"), "Tổng cộng");
        assert_eq!(to_unicode("Möôøng Nheù"), "Mường Nhé");
    }

    /// Literal encoded strings from duydev/vietnamese-conversion (tests/helpers/test-data.ts,
    /// example/basic-usage.js), produced by a converter other than this one.
    #[test]
    fn public_samples_decode() {
        let cases = [
            ("Xin chµo c¸c b¹n", Legacy::Tcvn3, "Xin chào các bạn"),
            ("T«i ®i häc", Legacy::Tcvn3, "Tôi đi học"),
            ("TiÕng ViÖt rÊt hay", Legacy::Tcvn3, "Tiếng Việt rất hay"),
            ("Xin chaøo caùc baïn", Legacy::Vni, "Xin chào các bạn"),
            ("Toâi ñi hoïc", Legacy::Vni, "Tôi đi học"),
            ("Tieáng Vieät raát hay", Legacy::Vni, "Tiếng Việt rất hay"),
        ];
        for (legacy, enc, unicode) in cases {
            assert_eq!(detect(legacy), Some(enc), "{legacy}");
            assert_eq!(to_unicode(legacy), unicode);
        }
    }

    /// The whole lower-case alphabet, pair by pair, as listed in duydev/vietnamese-conversion
    /// src/charsets.ts (an independent copy of the tables above).
    #[test]
    fn alphabet_matches_an_independent_table() {
        let unicode = "à á â ã è é ê ì í ò ó ô õ ù ú ý ă đ ĩ ũ ơ ư ạ ả ấ ầ ẩ ẫ ậ ắ ằ ẳ ẵ ặ ẹ ẻ ẽ \
                       ế ề ể ễ ệ ỉ ị ọ ỏ ố ồ ổ ỗ ộ ớ ờ ở ỡ ợ ụ ủ ứ ừ ử ữ ự ỳ ỵ ỷ ỹ";
        let tcvn3 = "µ ¸ © · Ì Ð ª × Ý ß ã « â ï ó ý ¨ ® Ü ò ¬ \u{AD} ¹ ¶ Ê Ç È É Ë ¾ » ¼ ½ Æ Ñ Î Ï \
                     Õ Ò Ó Ô Ö Ø Þ ä á è å æ ç é í ê ë ì î ô ñ ø õ ö ÷ ù ú þ û ü";
        let vni = "aø aù aâ aõ eø eù eâ ì í oø où oâ oõ uø uù yù aê ñ ó uõ ô ö aï aû aá aà aå aã \
                   aä aé aè aú aü aë eï eû eõ eá eà eå eã eä æ ò oï oû oá oà oå oã oä ôù ôø ôû ôõ \
                   ôï uï uû öù öø öû öõ öï yø î yû yõ";
        assert_eq!(decode(tcvn3, Legacy::Tcvn3), unicode);
        assert_eq!(decode(vni, Legacy::Vni), unicode);
        assert_eq!(
            decode(&vni.to_uppercase(), Legacy::Vni),
            unicode.to_uppercase()
        );
        assert_eq!(decode("¡ ¢ £ ¤ ¥ ¦ §", Legacy::Tcvn3), "Ă Â Ê Ô Ơ Ư Đ");
    }

    #[test]
    fn leaves_other_text_alone() {
        let mut texts = vec![
            "",
            "Tong cong",
            "36,56%",
            "Café",
            "Müller",
            "naïve",
            "Cà Mau",
            "Tây Ninh",
            "São Paulo",
            "Hôtel de Ville",
            "Straße",
            "Señor",
            "Ångström",
            "Où est la gare ?",
            "25°C",
            "“Cà Mau”",
            "Tây–Ninh",
            "Xa Dung",
            "Hòa Bình",
        ];
        let nfd: Vec<String> = WORDS.iter().map(|w| w.nfd().collect()).collect();
        texts.extend(WORDS);
        texts.extend(nfd.iter().map(String::as_str));
        for s in texts {
            assert_eq!(detect(s), None, "{s}");
            assert!(matches!(to_unicode(s), Cow::Borrowed(b) if b == s), "{s}");
        }
    }

    #[test]
    fn control_range_may_come_raw_or_as_cp1252() {
        // TCVN 5712 capitals in 0x80..=0x9F: Ộ is 0x97, '—' in cp1252; Ổ is 0xE0.
        for s in ["TàNG C—NG", "TàNG C\u{97}NG"] {
            assert_eq!(detect(s), Some(Legacy::Tcvn3), "{s}");
            assert_eq!(to_unicode(s), "TỔNG CỘNG");
        }
        // In ABC (VN3) text the same bytes are punctuation and stay so.
        assert_eq!(
            to_unicode("“Tæng céng” – §iÖn Biªn"),
            "“Tổng cộng” – Điện Biên"
        );
    }

    #[test]
    fn capitals_typed_in_vntimeh_decode_to_lower_case() {
        // `.VnTimeH` draws the lower-case codes as capitals; the font is lost, so is the case.
        assert_eq!(to_unicode("TæNG CéNG"), "TổNG CộNG");
    }

    #[test]
    fn capital_written_as_letter_plus_toned_letter() {
        assert_eq!(decode("Oãc Eo", Legacy::Tcvn3), "Óc Eo");
        assert_eq!(decode("¢Êp", Legacy::Tcvn3), "Ấp");
    }

    #[test]
    fn vni_accepts_shape_and_tone_as_separate_bytes() {
        assert_eq!(decode("Taâùn", Legacy::Vni), "Tấn");
        // A diacritic byte that fits no vowel is left alone.
        assert_eq!(decode("naïve Café", Legacy::Vni), "nạve Café");
    }

    #[test]
    fn syllables() {
        assert_eq!(syllable("người"), Some(3));
        assert_eq!(syllable("thoõng"), Some(2)); // rare cluster
        assert_eq!(syllable("aỷ"), Some(1)); // tone on the wrong vowel
        for w in [
            "nghiêng", "giếng", "quốc", "khuỷu", "người", "gì", "kẻ", "oanh", "quýt", "ăn",
        ] {
            assert!(syllable(w).is_some(), "{w}");
        }
        for w in [
            "cafe",
            "ce",
            "ghà",
            "tinc",
            "ănh",
            "ă",
            "thoâng",
            "str",
            "beton",
            "tổngộ",
            "ñôn",
        ] {
            assert!(syllable(w).is_none(), "{w}");
        }
    }
}
