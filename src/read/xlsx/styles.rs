//! The one thing the styles part tells the reader: which cell formats show a number as a
//! date or time, so that a date typed in a form reads as a date.
//!
//! calamine builds a full style (font, fill, borders, alignment) for every `<xf>` when it
//! opens a workbook; a form reads none of that. Here each `<xf>` of `cellXfs` costs one
//! [`CellFormat`], decided as calamine decides it, and the rest of the part is only
//! checked to be well-formed.
//!
//! The part is walked in calamine's steps all the same: a font, a fill, a border side and
//! an `<xf>` end at the first end tag of their name, nested or not. On a broken part
//! (an `<xf>` whose start tag lost its `/`, found by the fuzz target `read_differential`)
//! a walk that matched end tags by depth counted different `<xf>`s, or none, and every
//! cell's `s` after that point named another format than calamine's.

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
    let (mut buf, mut inner, mut body, mut side) = (Vec::new(), Vec::new(), Vec::new(), Vec::new());
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
            Event::Start(e) if e.local_name().as_ref() == "fonts" => {
                list(part, "fonts", "font", &mut inner, &mut body)?;
            }
            Event::Start(e) if e.local_name().as_ref() == "fills" => {
                list(part, "fills", "fill", &mut inner, &mut body)?;
            }
            Event::Start(e) if e.local_name().as_ref() == "borders" => {
                borders(part, &mut inner, &mut body, &mut side)?;
            }
            Event::Start(e) if e.local_name().as_ref() == "cellXfs" => loop {
                match part.next(&mut inner)? {
                    Event::Start(e) if e.local_name().as_ref() == "xf" => {
                        formats.push(e.raw_attr("numFmtId")?.map_or(CellFormat::Other, |id| {
                            match number_formats.get(id) {
                                Some(code) => detect_custom_number_format(code),
                                None => builtin_format_by_id(id),
                            }
                        }));
                        part.skip_to_end_of("xf", &mut body, "xf")?;
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

/// A list of fonts or fills, each item walked to its end as calamine walks it.
fn list(
    part: &mut Part<'_>,
    name: &str,
    item: &str,
    buf: &mut Vec<u8>,
    body: &mut Vec<u8>,
) -> Result<(), Fault> {
    loop {
        match part.next(buf)? {
            Event::Start(e) if e.local_name().as_ref() == item => {
                part.skip_to_end_of(item, body, item)?;
            }
            Event::End(e) if e.local_name().as_ref() == name => return Ok(()),
            Event::Eof => return Err(eof(name)),
            _ => {}
        }
    }
}

/// The borders, walked as calamine walks them: inside a `<border>`, each side (`left`,
/// `right`, `top`, `bottom`, `diagonal`) ends at the first end tag of its own name.
fn borders(
    part: &mut Part<'_>,
    buf: &mut Vec<u8>,
    body: &mut Vec<u8>,
    side_buf: &mut Vec<u8>,
) -> Result<(), Fault> {
    loop {
        match part.next(buf)? {
            Event::Start(e) if e.local_name().as_ref() == "border" => loop {
                match part.next(body)? {
                    Event::Start(e)
                        if matches!(
                            e.local_name().as_ref(),
                            "left" | "right" | "top" | "bottom" | "diagonal"
                        ) =>
                    {
                        part.skip_to_end_of(e.local_name().as_ref(), side_buf, "border side")?;
                    }
                    Event::End(e) if e.local_name().as_ref() == "border" => break,
                    Event::Eof => return Err(eof("border")),
                    _ => {}
                }
            },
            Event::End(e) if e.local_name().as_ref() == "borders" => return Ok(()),
            Event::Eof => return Err(eof("borders")),
            _ => {}
        }
    }
}
