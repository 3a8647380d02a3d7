//! How a wide sheet goes onto A4 landscape pages. "Fit to one page wide" on a sheet of
//! 250 characters prints 4-point type, and LibreOffice, asked to fit N pages wide,
//! breaks wherever it likes (inside a heading merged over three columns, whose fill then
//! runs past the page as a grey band) and ignores manual breaks. So a sheet wider than
//! one legible page gets an explicit scale and explicit column breaks, placed where a
//! page may start, with its leading columns repeated on every page.

use rust_xlsxwriter::{Worksheet, XlsxError};

/// What LibreOffice prints across landscape A4 at 100 % with rust_xlsxwriter's margins
/// (0.7 inch either side), in Excel column-width units as the XML stores them (the set
/// width plus [`PADDING`]). Measured: 105.6 to 107 fit; a little kept in hand. Excel
/// fits more (its characters are narrower), so a plan that LibreOffice prints as
/// planned Excel prints as planned too.
pub const A4_LANDSCAPE: f64 = 104.0;

/// The print scale below which 11-point text is under 7 points.
pub const LEGIBLE_SCALE: f64 = 64.0;

/// The most manual page breaks Excel keeps on a sheet.
pub const MAX_BREAKS: usize = 1023;

/// What rust_xlsxwriter adds to each column width in the file (Excel's cell padding).
const PADDING: f64 = 0.71;

/// How a sheet prints across: the scale, the columns that start a new page, and how
/// many pages wide it is.
#[derive(Debug, Clone, PartialEq)]
pub struct Plan {
    pub scale: u16,
    pub breaks: Vec<u32>,
    pub pages: usize,
    /// The last column of the first page.
    pub first_page_end: u16,
}

/// The pages across `widths` (each column's width as set) take when each page holds
/// `room` width units: a page after the first starts with the `repeat` leading columns,
/// and only at a column `may_start` allows. The starts of the pages after the first.
fn pack(widths: &[f64], repeat: usize, room: f64, may_start: &dyn Fn(usize) -> bool) -> Vec<usize> {
    let lead: f64 = widths[..repeat.min(widths.len())]
        .iter()
        .map(|w| w + PADDING)
        .sum();
    let mut starts = Vec::new();
    let mut used = 0.0;
    let mut last_ok: Option<usize> = None;
    let mut start = 0;
    let mut k = 0;
    while k < widths.len() {
        let w = widths[k] + PADDING;
        if k > start && k >= repeat && may_start(k) {
            last_ok = Some(k);
        }
        if used + w > room && k > start {
            // Back to the last column a page may start at, or, with none, here.
            let at = match last_ok {
                Some(at) if at > start => at,
                _ => k,
            };
            starts.push(at);
            start = at;
            last_ok = None;
            used = lead;
            k = at;
            used += widths[k] + PADDING;
            k += 1;
            continue;
        }
        used += w;
        k += 1;
    }
    starts
}

/// The widest page of a packing, in width units.
fn widest(widths: &[f64], repeat: usize, starts: &[usize]) -> f64 {
    let lead: f64 = widths[..repeat.min(widths.len())]
        .iter()
        .map(|w| w + PADDING)
        .sum();
    let mut bounds = vec![0];
    bounds.extend_from_slice(starts);
    bounds.push(widths.len());
    bounds
        .windows(2)
        .enumerate()
        .map(|(p, b)| {
            let own: f64 = widths[b[0]..b[1]].iter().map(|w| w + PADDING).sum();
            own + if p > 0 { lead } else { 0.0 }
        })
        .fold(0.0, f64::max)
}

/// The plan for a sheet of these column widths: as few pages across as legible type
/// allows (at most `most`, when given, however small the type), the pages as even as
/// they can be, and the scale the widest of them needs.
pub fn plan(
    widths: &[f64],
    repeat: usize,
    may_start: &dyn Fn(usize) -> bool,
    most: Option<usize>,
) -> Plan {
    let legible = A4_LANDSCAPE * 100.0 / LEGIBLE_SCALE;
    let mut pages = pack(widths, repeat, legible, may_start).len() + 1;
    if let Some(most) = most {
        pages = pages.min(most.max(1));
    }
    // The narrowest room that still packs into that many pages: the pages even, the
    // type as large as it can be.
    let total: f64 = widths.iter().map(|w| w + PADDING).sum();
    let (mut lo, mut hi) = (1.0f64, total.max(1.0) + 1.0);
    for _ in 0..60 {
        let mid = (lo + hi) / 2.0;
        if pack(widths, repeat, mid, may_start).len() < pages {
            hi = mid;
        } else {
            lo = mid;
        }
    }
    let starts = pack(widths, repeat, hi, may_start);
    let wide = widest(widths, repeat, &starts).max(1.0);
    let scale = (A4_LANDSCAPE * 100.0 / wide).floor().clamp(10.0, 100.0) as u16;
    let first_page_end = starts.first().map_or(widths.len(), |&s| s) as u16 - 1;
    Plan {
        scale,
        breaks: starts.iter().map(|&s| s as u32).collect(),
        pages: starts.len() + 1,
        first_page_end,
    }
}

/// Set the sheet up to print across as [`plan`] says: one page wide when it fits
/// legibly (LibreOffice and Excel then fit it), else at the plan's scale with its
/// breaks and the `repeat` leading columns on every page. Landscape A4 either way.
pub fn across(
    ws: &mut Worksheet,
    widths: &[f64],
    repeat: usize,
    may_start: &dyn Fn(usize) -> bool,
    most: Option<usize>,
) -> Result<Plan, XlsxError> {
    let p = plan(widths, repeat, may_start, most);
    ws.set_landscape();
    ws.set_paper_size(9);
    if p.pages == 1 {
        ws.set_print_fit_to_pages(1, 0);
    } else {
        ws.set_print_scale(p.scale);
        // Excel holds at most 1,023 manual breaks a sheet, and rust_xlsxwriter refuses
        // more, which failed the whole run at 10,000 units (the list sheets have a
        // column a unit). The pages past them print where the program breaks them.
        ws.set_vertical_page_breaks(&p.breaks[..p.breaks.len().min(MAX_BREAKS)])?;
        if repeat > 0 {
            ws.set_repeat_columns(0, repeat as u16 - 1)?;
        }
    }
    Ok(p)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_sheet_wider_than_excel_has_breaks_for_is_written() {
        // 10,000 unit columns of 20, as a list sheet of scenario (c): 1,667 pages across.
        let widths = vec![20.0; 10_000];
        let p = plan(&widths, 1, &|_| true, None);
        assert!(p.breaks.len() > MAX_BREAKS, "{}", p.breaks.len());
        let mut wb = rust_xlsxwriter::Workbook::new();
        let ws = wb.add_worksheet();
        across(ws, &widths, 1, &|_| true, None).unwrap();
        wb.save_to_buffer().unwrap();
    }

    #[test]
    fn a_narrow_sheet_is_one_page_and_a_wide_one_breaks_where_pages_may_start() {
        let any = |_: usize| true;
        let p = plan(&[10.0; 10], 0, &any, None);
        assert_eq!((p.pages, p.breaks.len()), (1, 0));
        // 30 columns of 10: 321 units, at least 3 pages of 162.
        let p = plan(&[10.0; 30], 2, &any, None);
        assert_eq!(p.pages, 3, "{p:?}");
        assert!(f64::from(p.scale) >= LEGIBLE_SCALE, "{p:?}");
        // Pages start only at even columns.
        let even = |k: usize| k.is_multiple_of(2);
        let p = plan(&[10.0; 30], 2, &even, Some(2));
        assert_eq!(p.pages, 2, "{p:?}");
        assert!(p.breaks.iter().all(|&b| b.is_multiple_of(2)), "{p:?}");
        assert_eq!(p.first_page_end as u32, p.breaks[0] - 1);
    }
}
