//! One package part as an XML event stream, and the faults reading it can meet.
//!
//! Every part is read with the configuration calamine gives its own reader (no end-name
//! check, text untrimmed, empty elements expanded), so the two see the same events.
//! A part is always read to its end ([`Part::finish`]): the zip reader compares a part's
//! checksum only there, and a part damaged after saving must be named as such rather than
//! read with other figures (calamine stops at a sheet's closing tag and never gets there).

use std::io::{BufRead, BufReader, Cursor, Read};

use calamine::tonghop::{RawAttributes, unescape_entity_to_buffer};
use quick_xml::Reader;
use quick_xml::events::{BytesStart, Event};
use quick_xml::name::QName;
use zip::ZipArchive;

use crate::read::sniff::{to_utf8, utf16_order};

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

pub(super) type Source<'a> = Box<dyn BufRead + 'a>;

/// A part being read.
pub(super) struct Part<'a> {
    pub xml: Reader<Source<'a>>,
}

/// Bytes read from a part at a time; also the largest head looked at for UTF-16.
const CHUNK: usize = 64 * 1024;

impl<'a> Part<'a> {
    /// Opens entry `index`. A UTF-16 part (a byte order mark or `<` in two-byte units) is
    /// transcoded whole: quick-xml reads only ASCII-compatible encodings, and the sniffer
    /// has bounded every part's size.
    pub fn open(archive: &'a mut ZipArchive<Cursor<&[u8]>>, index: usize) -> Result<Self, Fault> {
        let entry = archive
            .by_index(index)
            .map_err(|e| Fault::Damaged(std::io::Error::other(e.to_string())))?;
        let mut r = BufReader::with_capacity(CHUNK, entry);
        let head = r.fill_buf().map_err(Fault::Damaged)?;
        let source: Source<'a> = match utf16_order(&head[..head.len().min(4)]) {
            None => Box::new(r),
            Some(le) => {
                let mut raw = Vec::new();
                r.read_to_end(&mut raw).map_err(Fault::Damaged)?;
                Box::new(Cursor::new(to_utf8(&raw, le)))
            }
        };
        let mut xml = Reader::from_reader(source);
        let config = xml.config_mut();
        config.check_end_names = false;
        config.trim_text(false);
        config.check_comments = false;
        config.expand_empty_elements = true;
        Ok(Part { xml })
    }

    /// Reads what is left of the part, unparsed, so that its checksum is compared.
    fn finish(&mut self) -> Result<(), Fault> {
        std::io::copy(self.xml.get_mut(), &mut std::io::sink())
            .map(|_| ())
            .map_err(Fault::Damaged)
    }

    /// The next event, read into `buf` (cleared first).
    pub fn next<'b>(&mut self, buf: &'b mut Vec<u8>) -> Result<Event<'b>, Fault> {
        buf.clear();
        Ok(self.xml.read_event_into(buf)?)
    }

    /// Skips to the end of the element whose start was just read, whatever it holds.
    pub fn skip(&mut self, name: &str, buf: &mut Vec<u8>) -> Result<(), Fault> {
        buf.clear();
        self.xml.read_to_end_into(QName(name), buf)?;
        Ok(())
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
            buf.clear();
            match self.xml.read_event_into(buf)? {
                Event::Text(t) => out.push_str(&t.xml10_content()),
                Event::GeneralRef(e) => unescape_entity_to_buffer(&e, out)?,
                Event::End(end) if end.name().as_ref() == name => return Ok(()),
                Event::Eof => return Err(eof(what)),
                _ => {}
            }
        }
    }
}

/// Entry `index` read by `read`, then to its end whatever `read` met: a part whose bytes
/// were damaged after saving can inflate to XML that breaks anywhere, and is then named
/// as damaged, not as a workbook of a layout the reader does not understand.
pub(super) fn read_part<T>(
    archive: &mut ZipArchive<Cursor<&[u8]>>,
    index: usize,
    read: impl FnOnce(&mut Part<'_>) -> Result<T, Fault>,
) -> Result<T, Fault> {
    let mut part = Part::open(archive, index)?;
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
