//! The one thing the styles part tells the reader: which cell formats show a number as a
//! date or time, so that a date typed in a form reads as a date.
//!
//! calamine builds a full style (font, fill, borders, alignment) for every `<xf>` when it
//! opens a workbook; a form reads none of that. Here each `<xf>` of `cellXfs` costs one
//! [`CellFormat`], decided as calamine decides it, and the rest of the part is only
//! checked to be well-formed.

use std::collections::HashMap;

use calamine::tonghop::{
    CellFormat, RawAttributes, builtin_format_by_id, decode_attr, detect_custom_number_format,
};
use quick_xml::events::Event;

use super::xml::{Fault, Part, attrs, eof};

/// The format of each cell style, by its index (a cell's `s`).
pub(super) fn cell_formats(part: &mut Part<'_>) -> Result<Vec<CellFormat>, Fault> {
    let mut number_formats: HashMap<String, String> = HashMap::new();
    let mut formats = Vec::new();
    let (mut buf, mut inner, mut body) = (Vec::new(), Vec::new(), Vec::new());
    loop {
        match part.next(&mut buf)? {
            Event::Start(e) if e.local_name().as_ref() == "numFmts" => loop {
                match part.next(&mut inner)? {
                    Event::Start(e) if e.local_name().as_ref() == "numFmt" => {
                        if let [Some(id), Some(code)] = attrs(&e, ["numFmtId", "formatCode"])? {
                            number_formats.insert(id.to_string(), decode_attr(code)?);
                        }
                    }
                    Event::End(e) if e.local_name().as_ref() == "numFmts" => break,
                    Event::Eof => return Err(eof("numFmts")),
                    _ => {}
                }
            },
            Event::Start(e) if e.local_name().as_ref() == "cellXfs" => loop {
                match part.next(&mut inner)? {
                    Event::Start(e) if e.local_name().as_ref() == "xf" => {
                        formats.push(e.raw_attr("numFmtId")?.map_or(CellFormat::Other, |id| {
                            match number_formats.get(id) {
                                Some(code) => detect_custom_number_format(code),
                                None => builtin_format_by_id(id),
                            }
                        }));
                        part.skip(e.name().as_ref(), &mut body)?;
                    }
                    Event::End(e) if e.local_name().as_ref() == "cellXfs" => break,
                    Event::Eof => return Err(eof("cellXfs")),
                    _ => {}
                }
            },
            Event::End(e) if e.local_name().as_ref() == "styleSheet" => break,
            Event::Eof => return Err(eof("styleSheet")),
            _ => {}
        }
    }
    Ok(formats)
}
