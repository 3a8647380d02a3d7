//! One package part as an XML event stream, and the faults reading it can meet.
//!
//! Every part is read with the configuration calamine gives its own reader (no end-name
//! check, text untrimmed, empty elements expanded), so the two see the same events.
//! A part is always inflated to its end (whole before it is parsed, or, when it is large,
//! by [`Part::finish`] after): the zip reader compares a part's checksum only there, and a
//! part damaged after saving must be named as such rather than read with other figures
//! (calamine stops at a sheet's closing tag and never gets there).

use std::io::{BufRead, BufReader, Cursor, Read};

use calamine::tonghop::{RawAttributes, unescape_entity_to_buffer};
use quick_xml::Reader;
use quick_xml::events::{BytesStart, Event};
use quick_xml::name::QName;
use zip::ZipArchive;

use crate::read::sniff::{WHOLE_PART_MAX, to_utf8, utf16_order};

/// Why a part could not be read.
#[derive(Debug, thiserror::Error)]
pub(super) enum Fault {
    /// Inflating it failed or its checksum did not match: the bytes were damaged after the
    /// file was saved. The whole file is refused, naming the part.
    #[error("{0}")]
    Damaged(std::io::Error),
    /// Its XML is not what a spreadsheet program writes; the message says what was met.
    #[error("{0}")]
    Invalid(String),
}

impl From<quick_xml::Error> for Fault {
    fn from(e: quick_xml::Error) -> Self {
        match e {
            quick_xml::Error::Io(io) => {
                Fault::Damaged(std::io::Error::new(io.kind(), io.to_string()))
            }
            e => Fault::Invalid(e.to_string()),
        }
    }
}

impl From<quick_xml::events::attributes::AttrError> for Fault {
    fn from(e: quick_xml::events::attributes::AttrError) -> Self {
        Fault::Invalid(e.to_string())
    }
}

impl From<quick_xml::escape::EscapeError> for Fault {
    fn from(e: quick_xml::escape::EscapeError) -> Self {
        Fault::Invalid(e.to_string())
    }
}

impl From<calamine::XlsxError> for Fault {
    fn from(e: calamine::XlsxError) -> Self {
        Fault::Invalid(e.to_string())
    }
}

/// `Invalid` with calamine's wording for the same fault where there is one.
pub(super) fn invalid(what: impl Into<String>) -> Fault {
    Fault::Invalid(what.into())
}

/// The end of a part came before `what` closed.
pub(super) fn eof(what: &str) -> Fault {
    Fault::Invalid(format!("Unexpected end of xml, expecting '</{what}>'"))
}

type Source<'a> = Box<dyn BufRead + 'a>;

/// A part being read.
pub(super) struct Part<'a> {
    xml: Xml<'a>,
}

/// Where a part's events come from.
enum Xml<'a> {
    /// The whole part, inflated first: events borrow from it. Most parts are a few KiB,
    /// and a buffered reader copied each event into a buffer, behind a chain of boxed
    /// readers, which cost more than the parsing itself.
    Whole(Reader<&'a [u8]>),
    /// A part too large to hold whole ([`WHOLE_PART_MAX`]), read as it is inflated.
    Streamed(Reader<Source<'a>>),
}

/// Bytes read from a streamed part at a time; also the largest head looked at for UTF-16.
const CHUNK: usize = 64 * 1024;

/// Reads `xml` with the configuration calamine gives its own reader.
fn configured<R>(mut xml: Reader<R>) -> Reader<R> {
    let config = xml.config_mut();
    config.check_end_names = false;
    config.trim_text(false);
    config.check_comments = false;
    config.expand_empty_elements = true;
    xml
}

impl<'a> Part<'a> {
    /// The next event, read into `buf` (cleared first) when the part is streamed; a whole
    /// part's events borrow from the part's bytes, which outlive `buf`.
    pub fn next<'b>(&mut self, buf: &'b mut Vec<u8>) -> Result<Event<'b>, Fault>
    where
        'a: 'b,
    {
        buf.clear();
        Ok(match &mut self.xml {
            Xml::Whole(r) => r.read_event()?,
            Xml::Streamed(r) => r.read_event_into(buf)?,
        })
    }

    /// What is left of a whole part, for a scanner that reads ahead of quick-xml
    /// (`rows.rs`); `None` when the part is streamed.
    pub fn rest(&self) -> Option<&'a [u8]> {
        match &self.xml {
            Xml::Whole(r) => Some(r.get_ref()),
            Xml::Streamed(_) => None,
        }
    }

    /// Moves a whole part's reading `len` bytes on, past what a scanner read: it must end
    /// at a tag's end, where quick-xml has nothing pending.
    pub fn advance(&mut self, len: usize) {
        if let Xml::Whole(r) = &mut self.xml {
            let rest = r.get_mut();
            *rest = &rest[len..];
        }
    }

    /// Reads what is left of a streamed part, unparsed, so that its checksum is compared
    /// (a whole part was compared when it was inflated).
    fn finish(&mut self) -> Result<(), Fault> {
        match &mut self.xml {
            Xml::Whole(_) => Ok(()),
            Xml::Streamed(r) => std::io::copy(r.get_mut(), &mut std::io::sink())
                .map(|_| ())
                .map_err(Fault::Damaged),
        }
    }

    /// Skips to the end of the element whose start was just read, whatever it holds.
    pub fn skip(&mut self, name: &str, buf: &mut Vec<u8>) -> Result<(), Fault> {
        buf.clear();
        match &mut self.xml {
            Xml::Whole(r) => r.read_to_end(QName(name)).map(|_| ())?,
            Xml::Streamed(r) => r.read_to_end_into(QName(name), buf).map(|_| ())?,
        }
        Ok(())
    }

    /// Reads on to the first end tag whose local name is `local`, nested elements of the
    /// same name included: calamine's styles reading ends an `<xf>`, `<font>` or border
    /// side there, not at the matching end tag as [`Part::skip`] does. The two differ
    /// only on broken XML, and there the elements that follow must be counted alike, since
    /// a cell's `s` is an index into them.
    pub fn skip_to_end_of(
        &mut self,
        local: &str,
        buf: &mut Vec<u8>,
        what: &str,
    ) -> Result<(), Fault> {
        loop {
            match self.next(buf)? {
                Event::End(e) if e.local_name().as_ref() == local => return Ok(()),
                Event::Eof => return Err(eof(what)),
                _ => {}
            }
        }
    }

    /// The text of the element whose start was just read, entities resolved and line
    /// ends normalised as calamine reads a formula or a typed value, appended to `out`.
    pub fn text_into(
        &mut self,
        name: &str,
        out: &mut String,
        buf: &mut Vec<u8>,
        what: &str,
    ) -> Result<(), Fault> {
        loop {
            match self.next(buf)? {
                Event::Text(t) => out.push_str(&t.xml10_content()),
                Event::GeneralRef(e) => unescape_entity_to_buffer(&e, out)?,
                Event::End(end) if end.name().as_ref() == name => return Ok(()),
                Event::Eof => return Err(eof(what)),
                _ => {}
            }
        }
    }
}

/// Inflates `entry` into `buf` from its start, growing it as needed but never past
/// [`WHOLE_PART_MAX`] and a byte (a part that inflates past its declared `size` is one the
/// caller streams instead); how many bytes it holds.
///
/// Why not `read_to_end`: for a reader without `read_buf` (a zip entry), it zeroes the
/// spare capacity before each read, a sixteenth of reading a large sheet. Here a new
/// buffer comes zeroed from the allocator (`calloc`: fresh pages need no zeroing) and is
/// read into in place.
fn fill(entry: &mut impl Read, buf: &mut Vec<u8>, size: u64) -> std::io::Result<usize> {
    let cap = WHOLE_PART_MAX as usize + 1;
    // The declared size and the byte that shows the end; a lie costs a regrowth.
    let want = (size as usize).saturating_add(1).min(cap);
    if buf.len() < want {
        *buf = vec![0; want];
    }
    let mut filled = 0;
    loop {
        if filled == buf.len() {
            if filled >= cap {
                return Ok(filled);
            }
            buf.resize(filled.saturating_mul(2).clamp(4096, cap), 0);
        }
        match entry.read(&mut buf[filled..]) {
            Ok(0) => return Ok(filled),
            Ok(n) => filled += n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
}

/// Entry `index` read by `read`, then to its end whatever `read` met: a part whose bytes
/// were damaged after saving can inflate to XML that breaks anywhere, and is then named
/// as damaged, not as a workbook of a layout the reader does not understand.
///
/// A part of at most [`WHOLE_PART_MAX`] bytes is inflated whole before it is parsed (the
/// sniffer's cost counts that buffer, `sniff::zip::xlsx_cost`); a larger one, or one that
/// inflates past that size whatever it declares, is streamed. A part in UTF-16 (a byte
/// order mark or `<` in two-byte units) is transcoded whole: quick-xml reads only
/// ASCII-compatible encodings, and the sniffer has bounded every part's size.
pub(super) fn read_part<T>(
    archive: &mut ZipArchive<Cursor<&[u8]>>,
    index: usize,
    read: impl FnOnce(&mut Part<'_>) -> Result<T, Fault>,
) -> Result<T, Fault> {
    let mut entry = archive
        .by_index(index)
        .map_err(|e| Fault::Damaged(std::io::Error::other(e.to_string())))?;
    let mut head = Vec::new();
    if entry.size() <= WHOLE_PART_MAX {
        let mut buf = Vec::new();
        let size = entry.size();
        let filled = fill(&mut entry, &mut buf, size).map_err(Fault::Damaged)?;
        if filled as u64 <= WHOLE_PART_MAX {
            drop(entry);
            let whole = &buf[..filled];
            let read = match utf16_order(&whole[..filled.min(4)]) {
                None => read(&mut Part {
                    xml: Xml::Whole(configured(Reader::from_reader(whole))),
                }),
                Some(le) => {
                    let bytes = to_utf8(whole, le);
                    read(&mut Part {
                        xml: Xml::Whole(configured(Reader::from_reader(&bytes[..]))),
                    })
                }
            };
            return read;
        }
        // Larger than it said: streamed from what was inflated.
        buf.truncate(filled);
        head = buf;
    }
    // What was inflated already comes first, then the rest of the entry.
    let mut r = BufReader::with_capacity(CHUNK, Cursor::new(head).chain(entry));
    let first = r.fill_buf().map_err(Fault::Damaged)?;
    let source: Source<'_> = match utf16_order(&first[..first.len().min(4)]) {
        None => Box::new(r),
        Some(le) => {
            let mut raw = Vec::new();
            r.read_to_end(&mut raw).map_err(Fault::Damaged)?;
            Box::new(Cursor::new(to_utf8(&raw, le)))
        }
    };
    let mut part = Part {
        xml: Xml::Streamed(configured(Reader::from_reader(source))),
    };
    let read = read(&mut part);
    match (read, part.finish()) {
        (Err(Fault::Damaged(e)), _) | (_, Err(Fault::Damaged(e))) => Err(Fault::Damaged(e)),
        (read, _) => read,
    }
}

/// The values of `keys` among `e`'s attributes, read as calamine's `get_attrs!` reads
/// them: in one pass that stops once as many keys were met as asked for.
pub(super) fn attrs<'e, const N: usize>(
    e: &'e BytesStart<'_>,
    keys: [&str; N],
) -> Result<[Option<&'e str>; N], Fault> {
    let mut out = [None; N];
    let mut found = 0;
    for item in e.iter_raw_attrs() {
        let (k, v) = item?;
        if let Some(i) = keys.iter().position(|key| *key == k) {
            out[i] = Some(v);
            found += 1;
        }
        if found == N {
            break;
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A reader that gives at most `step` bytes a call, as an inflater does.
    struct Trickle<'a>(&'a [u8], usize);

    impl Read for Trickle<'_> {
        fn read(&mut self, out: &mut [u8]) -> std::io::Result<usize> {
            let n = self.0.len().min(self.1).min(out.len());
            out[..n].copy_from_slice(&self.0[..n]);
            self.0 = &self.0[n..];
            Ok(n)
        }
    }

    /// A buffer used before holds its old bytes past the new part's end: only what was
    /// filled is the part. A part longer than it declares grows the buffer; one past the
    /// limit stops at the limit and a byte.
    #[test]
    fn a_kept_buffer_gives_exactly_the_part_however_it_is_inflated() {
        let mut buf = Vec::new();
        let long = vec![b'x'; 10_000];
        assert_eq!(
            fill(&mut Trickle(&long, 777), &mut buf, 10_000).unwrap(),
            10_000
        );
        assert_eq!(&buf[..10_000], &long[..]);
        let short = b"<sst count=\"1\"/>";
        let n = fill(&mut Trickle(short, 3), &mut buf, short.len() as u64).unwrap();
        assert_eq!(&buf[..n], short);
        // Declared 10 bytes, inflates to 20,000.
        let lied = vec![b'y'; 20_000];
        let n = fill(&mut Trickle(&lied, 4096), &mut buf, 10).unwrap();
        assert_eq!(&buf[..n], &lied[..]);
        let bomb = vec![b'z'; WHOLE_PART_MAX as usize + 100];
        let n = fill(&mut Trickle(&bomb, 1 << 20), &mut buf, 5).unwrap();
        assert_eq!(n as u64, WHOLE_PART_MAX + 1);
        assert_eq!(buf.len() as u64, WHOLE_PART_MAX + 1);
    }
}
