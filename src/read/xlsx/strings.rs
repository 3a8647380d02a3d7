//! Texts: a cell's inline string and the shared-strings part.
//!
//! calamine reads every shared string into a `Vec<String>` when it opens a workbook,
//! whatever the sheets use; a form needs a few dozen of them (its labels, a unit's name).
//! Here the sheets are read first, noting the indices their wanted cells use, and the part
//! is then scanned once: only those strings are built, and nothing is reserved from the
//! `uniqueCount` the file declares.
//!
//! A string of the one shape spreadsheet programs write for a plain text,
//! `<si><t>…</t></si>` (or `<t xml:space="preserve">`), is delimited by hand as
//! `rows.rs` delimits rows; profiled on 50 submissions of 20,000 rows, reading their
//! 20,000 labels through quick-xml's events was a tenth of the time. Any other shape
//! (rich text, an entity, `\r`, CDATA, a prefix, a tag cut off, bytes that are not
//! UTF-8) is left to quick-xml, with its own checks and faults.

use calamine::tonghop::{RawAttributes, unescape_entity_to_buffer, unescape_xml};
use quick_xml::events::Event;

use super::xml::{Fault, Part, eof};

/// What a `<t>` that does not preserve space is trimmed of, on both paths.
const TRIMMED: [char; 4] = [' ', '\t', '\r', '\n'];

/// Reusable buffers for reading texts.
#[derive(Default)]
pub(super) struct TextBufs {
    xml: Vec<u8>,
    inner: Vec<u8>,
    piece: String,
}

/// A string element (`<si>` or `<is>`), its start just read, to its end named `closing`,
/// as calamine's `read_string` reads it: the runs of rich text joined, phonetic runs
/// (`<rPh>`) left out, each `<t>` trimmed of ASCII white space unless it preserves space,
/// `_xHHHH_` escapes decoded. With `keep` false the XML is checked the same way and nothing
/// is built. An element with no `<t>` is the empty text.
pub(super) fn read_string(
    part: &mut Part<'_>,
    closing: &str,
    keep: bool,
    bufs: &mut TextBufs,
) -> Result<Option<String>, Fault> {
    let mut out: Option<String> = None;
    let mut phonetic = false;
    loop {
        match part.next(&mut bufs.xml)? {
            // The runs of rich text are joined into one text.
            Event::Start(e) if e.local_name().as_ref() == "r" && out.is_none() => {
                out = Some(String::new());
            }
            Event::Start(e) if e.local_name().as_ref() == "rPh" => phonetic = true,
            Event::End(e) if e.name().as_ref() == closing => {
                return Ok(Some(out.unwrap_or_default()).filter(|_| keep));
            }
            Event::End(e) if e.local_name().as_ref() == "rPh" => phonetic = false,
            Event::Start(e) if e.local_name().as_ref() == "t" && !phonetic => {
                let preserve = matches!(e.raw_attr("xml:space")?, Some("preserve"));
                let name = e.name();
                bufs.piece.clear();
                loop {
                    match part.next(&mut bufs.inner)? {
                        Event::Text(t) => bufs.piece.push_str(&t.xml10_content()),
                        Event::CData(t) => bufs.piece.push_str(&t.xml10_content()),
                        Event::GeneralRef(r) => unescape_entity_to_buffer(&r, &mut bufs.piece)?,
                        Event::End(end) if end.name() == name => break,
                        Event::Eof => return Err(eof("t")),
                        _ => {}
                    }
                }
                if !keep {
                    // Nothing is built, but the run still counts as the text's first.
                    out.get_or_insert_with(String::new);
                    continue;
                }
                let piece = if preserve {
                    unescape_xml(&bufs.piece)
                } else {
                    unescape_xml(bufs.piece.trim_matches(TRIMMED))
                };
                match &mut out {
                    Some(s) => s.push_str(&piece),
                    None => out = Some(piece.into_owned()),
                }
            }
            Event::Eof => return Err(eof("")),
            _ => {}
        }
    }
}

/// The shared strings at `wanted` (sorted, distinct indices), each `None` past the
/// table's end; and how many strings were counted. The scan stops once it has passed
/// both the last wanted index and `reach` (the highest index any cell read used, which
/// must exist): a form's labels come early in the table, and the rest, often a long list
/// of unit names, is only inflated (see `read_part`), not parsed.
pub(super) fn shared_strings(
    part: &mut Part<'_>,
    wanted: &[usize],
    reach: Option<usize>,
) -> Result<(Vec<Option<String>>, usize), Fault> {
    let enough = wanted.last().copied().max(reach).map_or(0, |i| i + 1);
    let mut buf = Vec::with_capacity(1024);
    loop {
        match part.next(&mut buf)? {
            Event::Start(e) if e.local_name().as_ref() == "sst" => break,
            Event::Eof => return Err(eof("sst")),
            _ => {}
        }
    }
    let mut found = vec![None; wanted.len()];
    let mut next = 0;
    let mut count = 0usize;
    let mut bufs = TextBufs::default();
    // Whether quick-xml's last event left nothing pending (it ended an element), so that
    // the plain shape may be read on from where it stands.
    let mut clean = false;
    while count < enough {
        if clean && let Some((text, preserve, len)) = part.rest().and_then(plain_string) {
            part.advance(len);
            if wanted.get(next) == Some(&count) {
                let text = if preserve {
                    text
                } else {
                    text.trim_matches(TRIMMED)
                };
                found[next] = Some(unescape_xml(text).into_owned());
                next += 1;
            }
            count += 1;
            continue;
        }
        clean = false;
        match part.next(&mut buf)? {
            Event::Start(e) if e.local_name().as_ref() == "si" => {
                let keep = wanted.get(next) == Some(&count);
                if let Some(s) = read_string(part, e.name().as_ref(), keep, &mut bufs)? {
                    found[next] = Some(s);
                    next += 1;
                }
                count += 1;
                // `read_string` ended on the string's end tag.
                clean = true;
            }
            Event::End(e) if e.local_name().as_ref() == "sst" => break,
            Event::Eof => return Err(eof("sst")),
            _ => {}
        }
    }
    Ok((found, count))
}

/// A shared string of the plain shape at the start of `b` (after XML white space, which
/// quick-xml reads as a text the scan ignores): its text as written, whether it preserves
/// space, and the bytes it spans. `None` for anything else.
fn plain_string(b: &[u8]) -> Option<(&str, bool, usize)> {
    let lead = b
        .iter()
        .position(|c| !matches!(c, b' ' | b'\t' | b'\r' | b'\n'))?;
    let rest = &b[lead..];
    let (preserve, open) = if rest.starts_with(b"<si><t>") {
        (false, b"<si><t>".len())
    } else if rest.starts_with(br#"<si><t xml:space="preserve">"#) {
        (true, br#"<si><t xml:space="preserve">"#.len())
    } else {
        return None;
    };
    let body = &rest[open..];
    let end = body
        .iter()
        .position(|&c| matches!(c, b'<' | b'&' | b'\r'))?;
    if !body[end..].starts_with(b"</t></si>") {
        return None;
    }
    let text = std::str::from_utf8(&body[..end]).ok()?;
    Some((text, preserve, lead + open + end + b"</t></si>".len()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_strings_are_delimited_and_any_other_shape_declined() {
        let xml = "<si><t>Đảng bộ xã</t></si><si>";
        assert_eq!(
            plain_string(xml.as_bytes()),
            Some(("Đảng bộ xã", false, xml.len() - 4))
        );
        let xml = "\n <si><t xml:space=\"preserve\"> a </t></si>";
        assert_eq!(plain_string(xml.as_bytes()), Some((" a ", true, xml.len())));
        assert_eq!(plain_string(b"<si><t></t></si>"), Some(("", false, 16)));
        for xml in [
            "<si><t>a&amp;b</t></si>",
            "<si><t>a\r\nb</t></si>",
            "<si><t><![CDATA[x]]></t></si>",
            "<si><r><t>a</t></r></si>",
            "<si><t>a</t><rPh><t>b</t></rPh></si>",
            "<si><t/></si>",
            "<x:si><x:t>a</x:t></x:si>",
            "<si><t xml:space='preserve'>a</t></si>",
            "<si><t>a</t></si ",
            "<si><t>a</t>",
            "<si><t>a",
            "</sst>",
            "",
        ] {
            assert_eq!(plain_string(xml.as_bytes()), None, "{xml}");
        }
        assert_eq!(plain_string(b"<si><t>\xC3\x28</t></si>"), None);
    }
}
