//! A1-style cell addresses. The form specification names cells the way a clerk sees
//! them; everything inside works with zero-based (row, column) pairs.

use std::fmt;
use std::str::FromStr;

/// Excel's sheet size: the bounds every address must respect.
pub const MAX_ROWS: u32 = 1_048_576;
/// Excel's column count (A to XFD); column indexes stay below it.
pub const MAX_COLS: u16 = 16_384;

/// A cell position, zero-based.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Pos {
    /// Zero-based row: row 1 of the sheet is 0.
    pub row: u32,
    /// Zero-based column: column A is 0.
    pub col: u16,
}

impl Pos {
    /// From zero-based row and column: `Pos::new(4, 2)` is C5.
    pub const fn new(row: u32, col: u16) -> Self {
        Self { row, col }
    }
}

/// Text that is not an A1 address inside Excel's bounds; it keeps the text as written.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("'{0}' is not a cell address like C5")]
pub struct BadAddress(pub String);

/// Column letters ("A", "AB") to a zero-based index.
pub fn parse_column(s: &str) -> Result<u16, BadAddress> {
    let bad = || BadAddress(s.to_string());
    if s.is_empty() || s.len() > 3 {
        return Err(bad());
    }
    let mut n: u32 = 0;
    for c in s.chars() {
        let c = c.to_ascii_uppercase();
        if !c.is_ascii_uppercase() {
            return Err(bad());
        }
        n = n * 26 + (c as u32 - 'A' as u32 + 1);
    }
    if n == 0 || n > MAX_COLS as u32 {
        return Err(bad());
    }
    Ok((n - 1) as u16)
}

/// Zero-based column index to letters.
pub fn column_name(col: u16) -> String {
    let mut n = col as u32 + 1;
    let mut out = Vec::new();
    while n > 0 {
        let r = (n - 1) % 26;
        out.push(b'A' + r as u8);
        n = (n - 1) / 26;
    }
    out.reverse();
    String::from_utf8(out).unwrap_or_default()
}

impl FromStr for Pos {
    type Err = BadAddress;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let bad = || BadAddress(s.to_string());
        let t = s.trim().replace('$', "");
        let split = t.find(|c: char| c.is_ascii_digit()).ok_or_else(bad)?;
        let (letters, digits) = t.split_at(split);
        let col = parse_column(letters).map_err(|_| bad())?;
        if digits.starts_with('0') || !digits.chars().all(|c| c.is_ascii_digit()) {
            return Err(bad());
        }
        let row: u32 = digits.parse().map_err(|_| bad())?;
        if row == 0 || row > MAX_ROWS {
            return Err(bad());
        }
        Ok(Pos { row: row - 1, col })
    }
}

impl Pos {
    /// The address (`C5`) written into `buf`: `Display` and report.json write one for
    /// each of the ~600 figures of every submission, and the column's name as a `String`
    /// cost two allocations each time.
    pub fn a1<'b>(&self, buf: &'b mut [u8; 16]) -> &'b str {
        let mut len = 0;
        let mut letters = [0u8; 4];
        let mut n = u32::from(self.col) + 1;
        let mut k = 0;
        while n > 0 {
            letters[k] = b'A' + ((n - 1) % 26) as u8;
            n = (n - 1) / 26;
            k += 1;
        }
        for &b in letters[..k].iter().rev() {
            buf[len] = b;
            len += 1;
        }
        let mut digits = [0u8; 10];
        let mut r = u64::from(self.row) + 1;
        let mut d = 0;
        while r > 0 {
            digits[d] = b'0' + (r % 10) as u8;
            r /= 10;
            d += 1;
        }
        for &b in digits[..d].iter().rev() {
            buf[len] = b;
            len += 1;
        }
        std::str::from_utf8(&buf[..len]).unwrap_or_default()
    }
}

impl fmt::Display for Pos {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.a1(&mut [0; 16]))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_addresses() {
        for (s, row, col) in [
            ("A1", 0, 0),
            ("C5", 4, 2),
            ("Z10", 9, 25),
            ("AA1", 0, 26),
            ("XFD1048576", 1_048_575, 16_383),
        ] {
            let p: Pos = s.parse().unwrap();
            assert_eq!((p.row, p.col), (row, col));
            assert_eq!(p.to_string(), s);
        }
        assert_eq!("$C$5".parse::<Pos>().unwrap(), Pos::new(4, 2));
    }

    /// Every column a `Pos` can hold (beyond Excel's XFD too, as a damaged file may
    /// give) and rows up to the type's last are written as the column's name and the
    /// row's number.
    #[test]
    fn an_address_is_written_for_every_column_and_the_last_row() {
        for col in 0..=u16::MAX {
            for row in [0, 9, 1_048_575, u32::MAX] {
                let p = Pos::new(row, col);
                let expected = format!("{}{}", column_name(col), u64::from(row) + 1);
                assert_eq!(p.a1(&mut [0; 16]), expected);
                assert_eq!(p.to_string(), expected);
            }
        }
    }

    #[test]
    fn rejects_bad_addresses() {
        for s in [
            "", "5", "C", "C0", "C05", "XFE1", "A1048577", "C-1", "1C", "ÂA1",
        ] {
            assert!(s.parse::<Pos>().is_err(), "{s}");
        }
    }
}
