//! The form as a workbook, laid out from the specification: blank (the template), filled
//! (generated samples), or filled with a unit's own figures and its faults marked (the
//! returned workbook). One writer for all three keeps them cell for cell the same.
//!
//! - `values`: the cell value types and how one is written;
//! - `data`: what the layout is given (figures, table rows, marks);
//! - `layout`: where everything goes, sheet by sheet;
//! - `row_order`: the queue that keeps writes in row order for a streamed sheet;
//! - `lists`: the fixed-row lists (an official form's lines);
//! - `computed`: the figures the blank form computes with formulas;
//! - `validation`: what the blank form refuses as it is typed;
//! - `paper`: the heading and signatures of a printed form, and the instructions sheet;
//! - `unit_list`: the units by name, for the unit-name drop-down the code follows.

mod computed;
mod data;
mod layout;
mod lists;
mod paper;
mod row_order;
mod unit_list;
mod validation;
mod values;

pub use data::{BuiltRows, FormData, ListOut, Marks, TableOut, TableRows};
pub use layout::{STREAM_ROWS, write_form, write_form_streamed, write_returned_form};
pub use values::{Out, OutRef, put};
